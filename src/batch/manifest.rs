//! `manifest.json`: what a batch was made from and what it holds, so that
//! `cotisations verify` can prove a folder is complete and untouched, and a
//! supplementary run (`--after`) can continue its numbering.
//!
//! Holds no wall-clock time and no path of the output folder, so the same
//! inputs and options give the same manifest.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Name of the manifest inside a batch folder.
pub const MANIFEST_FILE: &str = "manifest.json";

/// Lower-case hex SHA-256 of `bytes`.
#[must_use]
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// Lower-case hex of a digest.
#[must_use]
pub fn hex(digest: &[u8]) -> String {
    let mut s = String::with_capacity(digest.len() * 2);
    for b in digest {
        use std::fmt::Write as _;
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// One input file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entree {
    pub chemin: String,
    pub sha256: String,
}

/// The inputs of a run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entrees {
    pub role: Entree,
    pub grille: Entree,
    pub emetteur: Entree,
}

/// Options that change the output.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Options {
    pub format_csv: String,
    /// `facturx-en16931`, `facturx-basic` or `pdf`.
    pub format_pdf: String,
    /// Number of the first appel (1 unless a supplementary run).
    pub premier_rang: u32,
    /// Previous batch folder continued by this one, if any.
    pub apres: Option<String>,
    /// Whether invalid rows were skipped (`--skip-invalid`).
    pub ignorer_invalides: bool,
}

/// Who an appel was addressed to, as printed on it: what a credit note
/// (`cotisations avoir`) needs to address the same member, whatever the
/// roster has become since.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Destinataire {
    pub nom: String,
    pub type_membre: String,
    pub siret: String,
    pub adresse: String,
    pub code_postal: String,
    pub ville: String,
    pub email: String,
    pub code_service: String,
    pub engagement: String,
    pub tranche: u8,
    pub motif_tranche: String,
    pub periode_debut: String,
    pub periode_fin: String,
}

/// One appel of the batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppelEntry {
    pub numero: String,
    pub rang: u32,
    pub membre_id: String,
    pub fichier: String,
    pub sha256: String,
    pub total_ttc: String,
    pub destinataire: Destinataire,
}

/// A member billed by an earlier batch of the same exercice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DejaFacture {
    pub membre_id: String,
    pub numero: String,
}

/// Any other output file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fichier {
    pub chemin: String,
    pub sha256: String,
}

/// The manifest of a batch folder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub programme: String,
    pub version: String,
    pub exercice: i32,
    pub date_emission: String,
    pub date_echeance: String,
    pub entrees: Entrees,
    pub options: Options,
    /// First and last rank (number) of the appels, if any.
    pub premier_rang: Option<u32>,
    pub dernier_rang: Option<u32>,
    pub total_ttc: String,
    pub appels: Vec<AppelEntry>,
    pub fichiers: Vec<Fichier>,
    /// Members billed by the earlier batches this one continues (`--after`).
    #[serde(default)]
    pub deja_factures: Vec<DejaFacture>,
}

impl Manifest {
    /// Pretty JSON with a final newline.
    #[must_use]
    pub fn to_json(&self) -> Vec<u8> {
        let mut v = serde_json::to_vec_pretty(self).unwrap_or_default();
        v.push(b'\n');
        v
    }

    /// Parses a manifest.
    ///
    /// # Errors
    /// The JSON error, as text.
    pub fn parse(bytes: &[u8]) -> Result<Manifest, String> {
        serde_json::from_slice(bytes).map_err(|e| e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_of_abc() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
