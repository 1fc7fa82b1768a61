//! `cotisations compare`: reads two ledgers, prints the year-over-year
//! report on stdout and, with `--csv`, writes the full detail. The logic is
//! in `crate::compare`.

use std::path::{Path, PathBuf};

use crate::batch::destination::write_output_file;

use crate::batch::output::LEDGER_FILE;
use crate::cli::CompareArgs;
use crate::compare::{Ledger, compare, parse_ledger, render_csv, render_text};
use crate::error::Error;
use crate::log::Log;

use crate::files;

/// Members listed on the terminal (per list); the CSV holds them all.
const TOP: usize = 20;

/// A batch folder stands for its `ledger.csv`.
fn ledger_path(arg: &Path) -> PathBuf {
    if arg.is_dir() {
        arg.join(LEDGER_FILE)
    } else {
        arg.to_path_buf()
    }
}

fn load(path: &Path) -> Result<Ledger, Error> {
    parse_ledger(&files::read_input(path, files::MAX_LEDGER_BYTES)?).map_err(|error| {
        Error::Ledger {
            path: path.to_path_buf(),
            error,
        }
    })
}

/// The ledger's fiscal year, when it has exactly one.
fn exercice(ledger: &Ledger) -> Option<i32> {
    match ledger.exercices.iter().collect::<Vec<_>>().as_slice() {
        [one] => one.parse().ok(),
        _ => None,
    }
}

/// Compares, prints the report, writes the CSV.
///
/// # Errors
/// A ledger that cannot be read or parsed, or a CSV that cannot be written.
pub fn run(args: &CompareArgs, log: &Log) -> Result<(), Error> {
    let previous_path = ledger_path(&args.previous);
    let current_path = ledger_path(&args.current);
    let previous = load(&previous_path)?;
    let current = load(&current_path)?;
    if let (Some(p), Some(c)) = (exercice(&previous), exercice(&current))
        && p > c
    {
        log.warn("exercices_inverses", &format!(
            "le journal précédent porte sur l'exercice {p} et l'actuel sur {c} : --previous et --current sont-ils inversés ?"
        ));
    }
    let comparison = compare(&previous, &current);
    if let Some(out) = &args.csv {
        let inputs = [previous_path.clone(), current_path.clone()];
        let encoding = super::run::encoding(args.csv_encodage);
        let created =
            write_output_file(out, &render_csv(&comparison, encoding), args.force, &inputs)?;
        for dir in created {
            log.info("dossier_cree", &format!("Dossier créé : {}", dir.display()));
        }
    }
    crate::log::print_stdout(&render_text(
        &comparison,
        &previous_path.display().to_string(),
        &current_path.display().to_string(),
        TOP,
    ))?;
    if let Some(out) = &args.csv {
        let rows: usize = comparison
            .members
            .iter()
            .map(|m| m.lignes_csv().count())
            .sum();
        log.info(
            "detail_ecrit",
            &format!(
                "Détail par adhérent et par article : « {} » ({} ligne{} et TOTAL).",
                out.display(),
                rows,
                if rows > 1 { "s" } else { "" }
            ),
        );
    }
    Ok(())
}
