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

/// Folder of the credit note PDFs inside a credit note folder.
pub const AVOIRS_DIR: &str = "avoirs";

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
    /// Encoding of the CSV files: `utf8`, `utf8-bom` or `windows-1252`.
    #[serde(default = "utf8")]
    pub encodage_csv: String,
}

fn utf8() -> String {
    crate::csv_out::Encoding::Utf8.code().into()
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

/// Number series of the appels, written by no batch manifest: a manifest
/// without `serie` is a batch of appels.
pub const SERIE_APPELS: &str = "AC";

fn serie_appels() -> String {
    SERIE_APPELS.into()
}

/// A line credited by a credit note (`cotisations avoir`), carried from one
/// credit note folder to the next (`--after`) like `deja_factures`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DejaCredite {
    /// The appel the line belongs to.
    pub appel: String,
    pub membre_id: String,
    /// Item code of the line.
    pub code: String,
    /// The credit note that credited it.
    pub avoir: String,
    /// Amount credited, TTC, as billed (positive).
    pub montant_ttc: String,
}

/// The manifest of any folder `verify` knows: a batch of appels, or a
/// folder of credit notes (`serie` `AV`). The manifest's own fields are
/// flattened, so a credit note folder's `manifest.json` is a batch manifest
/// with three more fields, and a batch manifest reads as series `AC`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DossierManifest {
    /// `AC` (appels) or `AV` (credit notes): the prefix of the numbers.
    #[serde(default = "serie_appels")]
    pub serie: String,
    #[serde(flatten)]
    pub manifest: Manifest,
    /// Credit notes: the `manifest.json` of the batch holding the appel.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lot: Option<Entree>,
    /// Credit notes: every line credited by this folder and the earlier
    /// ones of its chain (`--after`), cumulative.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub deja_credites: Vec<DejaCredite>,
}

impl DossierManifest {
    /// Pretty JSON with a final newline.
    #[must_use]
    pub fn to_json(&self) -> Vec<u8> {
        let mut v = serde_json::to_vec_pretty(self).unwrap_or_default();
        v.push(b'\n');
        v
    }

    /// Parses the manifest of a batch or of a credit note folder.
    ///
    /// # Errors
    /// The JSON error, as text.
    pub fn parse(bytes: &[u8]) -> Result<DossierManifest, String> {
        serde_json::from_slice(bytes).map_err(|e| crate::reasons::json_reason_fr(&e))
    }
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
        serde_json::from_slice(bytes).map_err(|e| crate::reasons::json_reason_fr(&e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_batch_manifest_reads_as_series_ac_and_round_trips() {
        let m = Manifest {
            programme: "cotisations".into(),
            version: "0".into(),
            exercice: 2027,
            date_emission: "2027-01-15".into(),
            date_echeance: "2027-02-14".into(),
            entrees: Entrees {
                role: Entree {
                    chemin: "r".into(),
                    sha256: "0".into(),
                },
                grille: Entree {
                    chemin: "g".into(),
                    sha256: "1".into(),
                },
                emetteur: Entree {
                    chemin: "e".into(),
                    sha256: "2".into(),
                },
            },
            options: Options {
                format_csv: "francais".into(),
                format_pdf: "pdf".into(),
                premier_rang: 1,
                apres: None,
                ignorer_invalides: false,
                encodage_csv: "utf8".into(),
            },
            premier_rang: None,
            dernier_rang: None,
            total_ttc: "0.00".into(),
            appels: Vec::new(),
            fichiers: Vec::new(),
            deja_factures: Vec::new(),
        };
        let d = DossierManifest::parse(&m.to_json()).unwrap();
        assert_eq!(d.serie, SERIE_APPELS);
        assert_eq!(d.manifest, m);
        assert!(d.lot.is_none() && d.deja_credites.is_empty());
        let avoirs = DossierManifest {
            serie: "AV".into(),
            lot: Some(d.manifest.entrees.role.clone()),
            ..d
        };
        let json = avoirs.to_json();
        assert_eq!(DossierManifest::parse(&json).unwrap(), avoirs);
        // A credit note folder's manifest is still a manifest.
        assert_eq!(Manifest::parse(&json).unwrap(), m);
    }

    #[test]
    fn sha256_of_abc() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
