//! The documents of an exercice's folders, read from their manifests
//! (each folder verified by the caller), for the pure `crate::exercice`.

use super::error::BatchError;
use super::manifest::{DossierManifest, SERIE_APPELS};
use crate::exercice::{Document, Register, RegisterProblem};

/// The state of the folders whose manifests are `folders` (any order).
#[must_use]
pub fn register(folders: &[DossierManifest]) -> Register {
    let mut documents = Vec::new();
    for d in folders {
        for a in &d.manifest.appels {
            // An avoir's lines all credit one appel: the first recorded.
            let credite = d
                .deja_credites
                .iter()
                .find(|c| c.avoir == a.numero)
                .map(|c| c.appel.clone());
            documents.push(Document {
                numero: a.numero.clone(),
                rang: a.rang,
                serie: d.serie.clone(),
                date: d.manifest.date_emission,
                membre_id: a.membre_id.clone(),
                nom: a.destinataire.nom.clone(),
                total_ttc: a.total_ttc,
                credite,
            });
        }
    }
    Register::of(
        documents,
        folders.iter().map(|d| d.manifest.exercice).collect(),
    )
}

/// Each credit note folder cites the batch it credits by the hash of its
/// manifest: that batch, among `dirs` (their manifests `folders`), must be
/// the one cited, not a batch rebuilt since.
///
/// # Errors
/// A manifest that cannot be read (verification read it just before).
pub fn lot_links(
    dirs: &[std::path::PathBuf],
    folders: &[DossierManifest],
) -> Result<Vec<RegisterProblem>, BatchError> {
    let mut hashes = Vec::with_capacity(dirs.len());
    for dir in dirs {
        let path = dir.join(super::manifest::MANIFEST_FILE);
        let bytes = crate::files::read_input(&path, crate::files::MAX_LEDGER_BYTES)?;
        hashes.push(super::manifest::sha256_hex(&bytes));
    }
    let mut problems = Vec::new();
    for d in folders.iter().filter(|d| d.serie != SERIE_APPELS) {
        let own = d.manifest.appels.first().map(|a| a.numero.as_str());
        let appel = d
            .deja_credites
            .iter()
            .find(|c| Some(c.avoir.as_str()) == own);
        let (Some(cited), Some(appel)) = (&d.lot, appel) else {
            continue;
        };
        let holder = folders.iter().zip(&hashes).find(|(f, _)| {
            f.serie == SERIE_APPELS && f.manifest.appels.iter().any(|a| a.numero == appel.appel)
        });
        if let Some((lot, hash)) = holder
            && *hash != cited.sha256
        {
            problems.push(RegisterProblem::LotChange {
                avoir: d
                    .manifest
                    .appels
                    .first()
                    .map(|a| a.numero.clone())
                    .unwrap_or_default(),
                lot: lot
                    .manifest
                    .appels
                    .first()
                    .map(|a| a.numero.clone())
                    .unwrap_or_default(),
            });
        }
    }
    Ok(problems)
}

/// The totals per item of the folders `dirs` (their manifests `folders`,
/// verified), from their ledgers: appels positive, avoirs negative.
///
/// # Errors
/// A ledger that cannot be read (verification read it just before).
pub fn item_totals(
    dirs: &[std::path::PathBuf],
    folders: &[DossierManifest],
) -> Result<Vec<crate::exercice::ItemTotal>, BatchError> {
    let mut rows = Vec::new();
    for (dir, d) in dirs.iter().zip(folders) {
        let path = dir.join(super::output::LEDGER_FILE);
        let bytes = crate::files::read_input(&path, crate::files::MAX_LEDGER_BYTES)?;
        let read = crate::ledger::read::read(&bytes, Some(d.manifest.options.encodage_csv))
            .map_err(|e| BatchError::Verify {
                dir: dir.clone(),
                problems: vec![super::error::VerifyProblem::Ledger(e)],
            })?;
        rows.extend(read.rows);
    }
    Ok(crate::exercice::item_totals(rows.iter().map(|r| {
        (
            r.code.as_str(),
            r.libelle.as_str(),
            r.montant_ht,
            r.montant_ttc,
        )
    })))
}
