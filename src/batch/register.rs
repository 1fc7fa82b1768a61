//! The documents of an exercice's folders, read from their manifests
//! (each folder verified by the caller), for the pure `crate::exercice`.

use super::manifest::DossierManifest;
use crate::exercice::{Document, Register};

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
