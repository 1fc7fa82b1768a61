//! Entry point: parse the command line, run, map the error to an exit code.

use std::process::ExitCode;

/// PDF building allocates many small objects; mimalloc makes that a quarter
/// of the time cheaper than glibc's allocator on two threads (BENCHMARKS.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use clap::Parser;
use clap::error::ErrorKind;

use cotisations::cli::Cli;
use cotisations::commands;
use cotisations::error::exit;
use cotisations::log::Log;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return clap_error(&e),
    };
    let log = Log {
        quiet: cli.quiet,
        format: cli.log_format,
    };
    let code = match commands::dispatch(cli, log) {
        Ok(code) => code,
        Err(e) => {
            log.error(&e.to_string());
            e.code()
        }
    };
    ExitCode::from(u8::try_from(code).unwrap_or(1))
}

/// clap writes its own errors in English: say them in French.
fn clap_error(e: &clap::Error) -> ExitCode {
    use clap::error::{ContextKind, ContextValue};
    let context = |kind| match e.get(kind) {
        Some(ContextValue::String(s)) => s.clone(),
        Some(ContextValue::Strings(v)) => v.join(", "),
        Some(other) => other.to_string(),
        None => String::new(),
    };
    let message = match e.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
        ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand | ErrorKind::MissingSubcommand => {
            "indiquez une commande : run, check, quote, tarifs, verify ou compare (cotisations --help pour l'aide)"
                .to_string()
        }
        ErrorKind::MissingRequiredArgument => format!(
            "option obligatoire manquante : {}",
            context(ContextKind::InvalidArg)
        ),
        ErrorKind::UnknownArgument => {
            format!("option inconnue : {}", context(ContextKind::InvalidArg))
        }
        ErrorKind::InvalidSubcommand => format!(
            "commande inconnue : {} (commandes : run, check, quote, tarifs, verify, compare)",
            context(ContextKind::InvalidSubcommand)
        ),
        ErrorKind::InvalidValue => format!(
            "valeur « {} » invalide pour {} (valeurs possibles : {})",
            context(ContextKind::InvalidValue),
            context(ContextKind::InvalidArg),
            context(ContextKind::ValidValue)
        ),
        ErrorKind::ValueValidation => format!(
            "valeur « {} » invalide pour {}",
            context(ContextKind::InvalidValue),
            context(ContextKind::InvalidArg)
        ),
        _ => format!("ligne de commande invalide ({})", e.kind()),
    };
    eprintln!("erreur : {message}\nAide : cotisations --help");
    ExitCode::from(u8::try_from(exit::USAGE).unwrap_or(2))
}
