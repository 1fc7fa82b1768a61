//! `cotisations etat DOSSIER…`: the state of an exercice from its folders
//! (the main batch, its supplementary batches, its credit note folders),
//! each verified first: what each member was issued, and what breaks the
//! series across folders. The state is `crate::exercice`'s; this file reads
//! and prints.

use crate::batch::BatchError;
use crate::batch::destination::write_output_file;
use crate::batch::verify::verify_folder;
use crate::cli::EtatArgs;
use crate::error::Error;
use crate::log::Log;

/// Prints the state; fails when the folders break a rule of the series.
///
/// # Errors
/// A folder that fails verification, a CSV that cannot be written, and
/// `BatchError::Register` with every rule broken.
pub fn run(args: &EtatArgs, log: &Log) -> Result<(), Error> {
    let folders = args
        .dirs
        .iter()
        .map(|dir| verify_folder(dir))
        .collect::<Result<Vec<_>, _>>()?;
    let register = crate::batch::register::register(&folders);
    crate::log::print_stdout(&crate::text::register(&register))?;
    if let Some(out) = &args.csv {
        let encoding = super::run::encoding(args.csv_encodage);
        let bytes = crate::text::register_csv(&register, encoding);
        for dir in write_output_file(out, &bytes, args.force, &args.dirs)? {
            log.info("dossier_cree", &format!("Dossier créé : {}", dir.display()));
        }
    }
    if register.problems.is_empty() {
        Ok(())
    } else {
        Err(BatchError::Register {
            problems: register.problems,
        }
        .into())
    }
}
