//! Entry point: parse the command line, open the journal, run, log the
//! final line, map the error to an exit code. Nothing here panics on a
//! closed or full stdout or stderr.

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;

/// PDF building allocates many small objects; mimalloc makes that a quarter
/// of the time cheaper than glibc's allocator on two threads (docs/benchmarks-journal.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use clap::error::ErrorKind;
use clap::{CommandFactory, Parser};

use cotisations::cli::{Cli, LogFormat};
use cotisations::commands;
use cotisations::error::exit;
use cotisations::files;
use cotisations::log::Log;

fn main() -> ExitCode {
    let argv: Vec<OsString> = std::env::args_os().collect();
    let cli = match Cli::try_parse_from(&argv) {
        Ok(cli) => cli,
        Err(e) => return clap_error(&e, &argv),
    };
    let command = cli.command.name();
    let (journal, created) = match cli.journal.as_deref().map(files::open_append) {
        None => (None, Vec::new()),
        Some(Ok((file, created))) => (Some(file), created),
        Some(Err(e)) => {
            let e = cotisations::error::Error::from(e);
            let log = Log::new(cli.quiet, cli.log_format, None, command);
            log.error("echec", &format!("journal : {e}"));
            return exit_code(e.code());
        }
    };
    let log = Log::new(cli.quiet, cli.log_format, journal, command);
    for dir in created {
        log.info("dossier_cree", &format!("Dossier créé : {}", dir.display()));
    }
    let code = match commands::dispatch(cli, &log) {
        Ok(code) => code,
        Err(e) => {
            log.error("echec", &e.to_string());
            e.code()
        }
    };
    log.finish(code);
    exit_code(code)
}

fn exit_code(code: i32) -> ExitCode {
    ExitCode::from(u8::try_from(code).unwrap_or(1))
}

/// The `--journal` path of a command line clap refused, so that even a
/// mistyped cron line leaves its final line in the journal.
fn journal_from_argv(argv: &[OsString]) -> Option<PathBuf> {
    let mut words = argv.iter();
    while let Some(a) = words.next() {
        if a == "--journal" {
            return words.next().map(PathBuf::from);
        }
        if let Some(path) = a.to_str().and_then(|s| s.strip_prefix("--journal=")) {
            return Some(PathBuf::from(path));
        }
    }
    None
}

/// The subcommands, as `cotisations --help` lists them.
fn command_list() -> String {
    let names: Vec<String> = Cli::command()
        .get_subcommands()
        .map(|c| c.get_name().to_string())
        .collect();
    match names.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} ou {last}", rest.join(", ")),
        _ => names.join(""),
    }
}

/// One piece of context of a clap error, as text.
fn clap_context(e: &clap::Error, kind: clap::error::ContextKind) -> String {
    use clap::error::ContextValue;
    match e.get(kind) {
        Some(ContextValue::String(s)) => s.clone(),
        Some(ContextValue::Strings(v)) => v.join(", "),
        Some(ContextValue::StyledStr(s)) => s.to_string(),
        Some(ContextValue::StyledStrs(v)) => v
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", "),
        Some(ContextValue::Number(n)) => n.to_string(),
        _ => String::new(),
    }
}

/// clap's error in French; `None` for the help and the version, which
/// clap prints itself.
fn clap_message_fr(e: &clap::Error) -> Option<String> {
    use clap::error::ContextKind;
    let context = |kind| clap_context(e, kind);
    let suggestion = |kind| {
        let s = context(kind);
        if s.is_empty() {
            String::new()
        } else {
            format!(" ; vouliez-vous dire « {s} » ?")
        }
    };
    let arg = context(ContextKind::InvalidArg);
    Some(match e.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            // Help and version go to stdout; a closed pipe is not an error.
            return None;
        }
        ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand | ErrorKind::MissingSubcommand => {
            format!("indiquez une commande : {}", command_list())
        }
        ErrorKind::MissingRequiredArgument => {
            format!("option obligatoire manquante : {arg}")
        }
        ErrorKind::UnknownArgument if arg.starts_with('-') => format!(
            "option inconnue : {arg}{}",
            suggestion(ContextKind::SuggestedArg)
        ),
        ErrorKind::UnknownArgument => format!("argument en trop : « {arg} »"),
        ErrorKind::InvalidSubcommand => format!(
            "commande inconnue : {}{} (commandes : {})",
            context(ContextKind::InvalidSubcommand),
            suggestion(ContextKind::SuggestedSubcommand),
            command_list()
        ),
        ErrorKind::InvalidValue => {
            let valid = context(ContextKind::ValidValue);
            if valid.is_empty() {
                format!(
                    "valeur « {} » invalide pour {arg}",
                    context(ContextKind::InvalidValue)
                )
            } else {
                format!(
                    "valeur « {} » invalide pour {arg} (valeurs possibles : {valid})",
                    context(ContextKind::InvalidValue)
                )
            }
        }
        ErrorKind::ValueValidation => format!(
            "valeur « {} » invalide pour {arg}",
            context(ContextKind::InvalidValue)
        ),
        ErrorKind::ArgumentConflict => {
            let prior = context(ContextKind::PriorArg);
            if prior.is_empty() || prior == arg {
                format!("l'option {arg} est donnée deux fois : ne la donnez qu'une fois")
            } else {
                format!("l'option {arg} ne peut pas être utilisée avec {prior}")
            }
        }
        ErrorKind::NoEquals => format!("l'option {arg} attend sa valeur après « = »"),
        ErrorKind::TooManyValues => format!(
            "trop de valeurs pour {arg} (« {} » en trop)",
            context(ContextKind::InvalidValue)
        ),
        ErrorKind::TooFewValues | ErrorKind::WrongNumberOfValues => {
            format!("nombre de valeurs incorrect pour {arg}")
        }
        ErrorKind::InvalidUtf8 => {
            "un argument n'est pas du texte valide (UTF-8) : vérifiez les caractères accentués de la ligne de commande".to_string()
        }
        _ => "ligne de commande invalide".to_string(),
    })
}

/// clap writes its own errors in English: say them in French.
fn clap_error(e: &clap::Error, argv: &[OsString]) -> ExitCode {
    let Some(message) = clap_message_fr(e) else {
        // Help and version go to stdout; a closed pipe is not an error.
        let _ = e.print();
        return ExitCode::SUCCESS;
    };
    let sub = argv
        .get(1)
        .and_then(|a| a.to_str())
        .filter(|sub| Cli::command().find_subcommand(sub).is_some());
    let help = match sub {
        Some(sub) => format!("cotisations {sub} --help"),
        None => "cotisations --help".to_string(),
    };
    let message = format!("{message}\nAide : {help}");
    // A mistyped cron line still leaves its trace in the journal.
    let journal = journal_from_argv(argv)
        .and_then(|p| files::open_append(&p).ok())
        .map(|(file, _)| file);
    let format = if argv.iter().any(|a| a == "json")
        && argv
            .iter()
            .any(|a| a == "--log-format" || a == "--log-format=json")
    {
        LogFormat::Json
    } else {
        LogFormat::Texte
    };
    let log = Log::new(false, format, journal, sub.unwrap_or(""));
    log.error("ligne_de_commande", &message);
    log.finish(exit::USAGE);
    exit_code(exit::USAGE)
}
