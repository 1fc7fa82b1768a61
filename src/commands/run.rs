//! `cotisations run`: the annual batch, from the input files to the
//! published output folder.

use chrono::{Datelike, Days, NaiveDate};

use crate::batch::{self, Summary, output::OutputOptions};
use crate::cli::{CsvFormatArg, RunArgs};
use crate::error::Error;
use crate::ledger::CsvFormat;
use crate::numbering::Emission;
use crate::render::Renderer;

use super::{load_emetteur, load_grid, load_roster};

/// Parses a date typed by a person: `2027-01-15` or `15/01/2027`.
///
/// # Errors
/// `Error::Usage` with a French message.
pub fn parse_date(text: &str, option: &str) -> Result<NaiveDate, Error> {
    let text = text.trim();
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(text, "%d/%m/%Y"))
        .map_err(|_| {
            Error::Usage(format!(
                "{option} « {text} » n'est pas une date valide : écrivez-la AAAA-MM-JJ, par exemple 2027-01-15"
            ))
        })
}

/// Runs the batch.
///
/// # Errors
/// Any input error (nothing written) or output error (nothing published).
pub fn run(args: &RunArgs) -> Result<(), Error> {
    let date_emission = match &args.date_emission {
        Some(d) => parse_date(d, "--date-emission")?,
        // The only clock read of the program; the date is then an input.
        None => chrono::Local::now().date_naive(),
    };
    let exercice = args.exercice.unwrap_or_else(|| date_emission.year());
    if !(2000..=2100).contains(&exercice) {
        return Err(Error::Usage(format!(
            "--exercice {exercice} invraisemblable : indiquez une année entre 2000 et 2100"
        )));
    }
    let grid = load_grid(&args.grid.tariff)?;
    let emetteur = load_emetteur(&args.emetteur)?;
    let members = load_roster(&args.roster, &grid)?;
    let date_echeance = date_emission
        .checked_add_days(Days::new(u64::from(emetteur.delai_paiement_jours)))
        .ok_or_else(|| Error::Usage("délai de paiement trop long".into()))?;

    let emission = Emission {
        exercice,
        date_emission,
        date_echeance,
        mention_tva: grid.mention_tva.clone(),
        premier_numero: 1,
    };
    let options = OutputOptions {
        force: args.force,
        csv_format: match args.csv_format {
            CsvFormatArg::Francais => CsvFormat::Francais,
            CsvFormatArg::Rfc4180 => CsvFormat::Rfc4180,
        },
    };
    let mut pool = rayon::ThreadPoolBuilder::new();
    if let Some(n) = args.threads {
        if n == 0 {
            return Err(Error::Usage("--threads doit valoir au moins 1".into()));
        }
        pool = pool.num_threads(n);
    }
    let pool = pool
        .build()
        .map_err(|e| Error::Usage(format!("impossible de démarrer les fils de calcul : {e}")))?;

    let summary = pool.install(|| -> Result<Summary, Error> {
        let outcomes = batch::plan(members, &grid, &emission)?;
        let summary = Summary::of(&outcomes, &grid, exercice, date_emission, date_echeance);
        let renderer = Renderer::new()?;
        batch::write_batch(
            &args.out, &outcomes, &summary, &renderer, &emetteur, options,
        )?;
        Ok(summary)
    })?;

    if !args.quiet {
        eprint!("{}", summary.to_text());
        let out = args.out.display();
        eprintln!("Appels (PDF)         : {out}/appels/");
        eprintln!("Journal comptable    : {out}/ledger.csv");
        eprintln!("Bilan                : {out}/summary.json");
    }
    Ok(())
}
