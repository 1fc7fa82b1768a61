//! What a supplementary batch (`run --after`) takes from the batch it
//! continues: the next rank, and every member already billed, whose rows
//! the new roster must not bill again.

use std::collections::HashMap;
use std::path::Path;

use chrono::NaiveDate;

use super::error::{BatchError, PreviousProblem};
use super::manifest::{DejaFacture, MANIFEST_FILE, Manifest};
use crate::files;
use crate::roster::{RosterError, RosterErrorKind, Validated};

/// What a supplementary run inherits from the previous batch.
pub struct Previous {
    /// The rank of the first appel of the new batch.
    pub first_rank: u32,
    /// Every member billed by the chain so far, with its appel.
    pub billed: Vec<DejaFacture>,
}

/// The batch `dir` a supplementary run continues (`run --after`): whole
/// and intact, of `exercice`, dated no later than the new batch (`date`).
///
/// # Errors
/// `BatchError::Previous`, and I/O errors.
pub fn load(dir: &Path, exercice: i32, date: NaiveDate) -> Result<Previous, BatchError> {
    let previous = |problem: PreviousProblem| BatchError::Previous {
        dir: dir.to_path_buf(),
        problem,
    };
    // A supplementary run continues only a batch that is whole and intact.
    super::verify::verify_dir(dir).map_err(|e| match e {
        BatchError::Verify { problems, .. } => previous(PreviousProblem::NotIntact { problems }),
        other => other,
    })?;
    let manifest = Manifest::parse(&files::read_input(
        &dir.join(MANIFEST_FILE),
        files::MAX_LEDGER_BYTES,
    )?)
    .map_err(|reason| previous(PreviousProblem::ManifestInvalid { reason }))?;
    if manifest.exercice != exercice {
        return Err(previous(PreviousProblem::OtherExercice {
            found: manifest.exercice,
            expected: exercice,
        }));
    }
    if date < manifest.date_emission {
        return Err(previous(PreviousProblem::DateAnterieure {
            previous: manifest.date_emission,
            date,
        }));
    }
    let count = u32::try_from(manifest.appels.len()).unwrap_or(u32::MAX);
    let first_rank = manifest.options.premier_rang.saturating_add(count);
    let mut billed = manifest.deja_factures;
    billed.extend(manifest.appels.into_iter().map(|a| DejaFacture {
        membre_id: a.membre_id,
        numero: a.numero,
    }));
    Ok(Previous { first_rank, billed })
}

/// A supplementary batch: the members the previous batches billed are
/// rejected, each with the number of its appel.
pub fn reject_billed(v: &mut Validated, p: &Previous) {
    let billed: HashMap<&str, &str> = p
        .billed
        .iter()
        .map(|b| (b.membre_id.as_str(), b.numero.as_str()))
        .collect();
    v.members.retain(|m| match billed.get(m.id.as_str()) {
        Some(numero) => {
            v.rejected_ids.insert(m.line, m.id.clone());
            v.errors.push(RosterError {
                line: m.line,
                column: None,
                kind: RosterErrorKind::AlreadyBilled {
                    id: m.id.clone(),
                    numero: (*numero).to_string(),
                },
            });
            false
        }
        None => true,
    });
    v.errors.sort_by_key(|e| e.line);
}
