//! `manifest.json`: what a batch was made from and what it holds, so that
//! `cotisations verify` can prove a folder is complete and untouched, and
//! the exercice's register can inscribe it.
//!
//! Holds no wall-clock time and no path of the output folder, so the same
//! inputs and options give the same manifest.
//!
//! Typed: formats, kinds, dates and amounts are read into their types, so
//! a manifest that parses is one the program understands. `format` numbers
//! the layout: format 1 (no `format` field) is what the first versions
//! wrote, without `unites` and `mention_tva`; a format newer than
//! [`FORMAT`] is refused rather than half read.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::csv_out::{CsvFormat, Encoding};
use crate::facturx::Profile;
use crate::money::Montant;
use crate::roster::MemberKind;

/// Format of the manifests this version writes.
pub const FORMAT: u32 = 3;

/// Format of a manifest without a `format` field.
const FORMAT_1: u32 = 1;

fn format_1() -> u32 {
    FORMAT_1
}

/// One line of a document, as its entry's ledger has it (signed: an
/// avoir's are negative).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LignePiece {
    pub code: String,
    #[serde(with = "amount")]
    pub montant_ht: Montant,
    #[serde(with = "amount")]
    pub montant_ttc: Montant,
}

/// One document of an entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Piece {
    pub numero: String,
    pub rang: u32,
    pub membre_id: String,
    pub nom: String,
    /// Signed: an avoir's is negative.
    #[serde(with = "amount")]
    pub total_ttc: Montant,
    /// An avoir's: the appel it credits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub appel: Option<String>,
    pub lignes: Vec<LignePiece>,
}

/// One line of the register: an entry, what it issued, and the hashes
/// that chain it to the entry and the line before.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inscription {
    pub sequence: u32,
    /// `AC` or `AV`.
    pub serie: String,
    /// The entry's folder, relative to the exercice folder.
    pub dossier: String,
    pub date: NaiveDate,
    /// SHA-256 of the entry's `manifest.json`.
    pub manifeste: String,
    /// SHA-256 of the register's previous line (empty for the first).
    pub precedent: String,
    pub pieces: Vec<Piece>,
    /// A PES entry's bordereaux (`batch::pes`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub bordereaux: Vec<BordereauInscrit>,
    /// A PES entry's avoirs listed for the finance software.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub avoirs_saisis: Vec<String>,
}

impl Inscription {
    /// The line as the register stores it (no final newline).
    #[must_use]
    pub fn to_line(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// A bordereau as the register and `pes.json` record it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BordereauInscrit {
    pub id_bord: u32,
    /// 1 for the first sending of the rôle (not written), 2… when Hélios
    /// rejected it and it was sent again (`pes --renvoyer`).
    #[serde(default = "premier_envoi", skip_serializing_if = "is_premier_envoi")]
    pub envoi: u8,
    /// The lot it carries (relative to the exercice folder).
    pub lot: String,
    pub fichier: String,
    pub sha256: String,
    pub pieces: usize,
    pub premier: String,
    pub dernier: String,
    /// Ranks of the first and last appel carried.
    pub premier_rang: u32,
    pub dernier_rang: u32,
    #[serde(with = "amount")]
    pub total: Montant,
}

fn premier_envoi() -> u8 {
    1
}

#[allow(clippy::trivially_copy_pass_by_ref, reason = "serde's signature")]
fn is_premier_envoi(envoi: &u8) -> bool {
    *envoi == 1
}

/// The file that makes a folder an exercice folder (`batch::dossier`).
pub const EXERCICE_FILE: &str = "exercice.json";

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
    #[serde(with = "coded")]
    pub format_csv: CsvFormat,
    /// `facturx-en16931`, `facturx-basic` or `pdf`.
    #[serde(with = "coded")]
    pub format_pdf: PdfFormat,
    /// Number of the first appel (1 unless a supplementary run).
    pub premier_rang: u32,
    /// Whether invalid rows were skipped (`--skip-invalid`).
    pub ignorer_invalides: bool,
    /// Encoding of the CSV files: `utf8`, `utf8-bom` or `windows-1252`.
    #[serde(default, with = "coded")]
    pub encodage_csv: Encoding,
}

/// Who an appel was addressed to, as printed on it: what a credit note
/// (`cotisations avoir`) needs to address the same member, whatever the
/// roster has become since.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Destinataire {
    pub nom: String,
    #[serde(with = "coded")]
    pub type_membre: MemberKind,
    pub siret: String,
    pub adresse: String,
    pub code_postal: String,
    pub ville: String,
    pub email: String,
    pub code_service: String,
    pub engagement: String,
    /// PES `NomService`, when the roster gives it.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub nom_service: String,
    /// PES `CatTiers` (`21`…`27`), when the roster's `categorie_tiers` gives it.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub categorie_tiers: String,
    pub tranche: u8,
    pub motif_tranche: String,
    pub periode_debut: NaiveDate,
    pub periode_fin: NaiveDate,
}

/// One appel of the batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppelEntry {
    pub numero: String,
    pub rang: u32,
    pub membre_id: String,
    pub fichier: String,
    pub sha256: String,
    #[serde(with = "amount")]
    pub total_ttc: Montant,
    pub destinataire: Destinataire,
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
    /// Layout of this manifest: [`FORMAT`] when written by this version.
    #[serde(default = "format_1")]
    pub format: u32,
    pub programme: String,
    pub version: String,
    pub exercice: i32,
    pub date_emission: NaiveDate,
    pub date_echeance: NaiveDate,
    pub entrees: Entrees,
    pub options: Options,
    /// First and last rank (number) of the appels, if any.
    pub premier_rang: Option<u32>,
    pub dernier_rang: Option<u32>,
    #[serde(with = "amount")]
    pub total_ttc: Montant,
    /// UN/ECE unit code of each item of the grid, by item code: what the
    /// ledger does not carry and a credit note repeats (format 2).
    #[serde(default)]
    pub unites: BTreeMap<String, String>,
    /// The VAT mention the appels carry, from the grid (format 2).
    #[serde(default)]
    pub mention_tva: Option<String>,
    /// The grid's title of the convention, in the object of the appels and
    /// of the credit notes (format 2).
    #[serde(default)]
    pub convention: String,
    pub appels: Vec<AppelEntry>,
    pub fichiers: Vec<Fichier>,
    /// The SHA-256 of the `manifest.json` of the entry before this one in
    /// its exercice folder (`None`: the first entry, or a projet): a
    /// removed, reordered or altered entry breaks the chain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub precedent: Option<String>,
    /// A projet (draft, `DIR/projet/`): what emission needs to issue it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub projet: Option<Projet>,
}

/// What a projet records so that `cotisations emettre` issues exactly
/// what it shows: the register it was built on and its inputs, by
/// absolute path (their hashes are in `entrees`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Projet {
    /// The register's head when the projet was built (empty: no entry).
    pub tete: String,
    pub role: String,
    pub feuille: Option<String>,
    pub grille: String,
    pub emetteur: String,
    /// The format of the appels once issued (a projet's PDFs are plain
    /// drafts, marked « PROJET »).
    #[serde(with = "coded")]
    pub format_pdf: PdfFormat,
}

/// Number series of the appels, written by no batch manifest: a manifest
/// without `serie` is a batch of appels.
pub const SERIE_APPELS: &str = crate::numbering::SERIE;

fn serie_appels() -> String {
    SERIE_APPELS.into()
}

/// A line credited by a credit note (`cotisations avoir`), as its
/// manifest lists it (`deja_credites`: the lines it credits).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct DejaCredite {
    /// The appel the line belongs to.
    pub appel: String,
    pub membre_id: String,
    /// Item code of the line.
    pub code: String,
    /// The credit note that credited it.
    pub avoir: String,
    /// Amount credited, TTC, as billed (positive).
    #[serde(with = "amount")]
    pub montant_ttc: Montant,
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
    /// The lines this credit note credits.
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
        let d: DossierManifest =
            serde_json::from_slice(bytes).map_err(|e| crate::reasons::json_reason_fr(&e))?;
        d.manifest.check_format()?;
        Ok(d)
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
        let m: Manifest =
            serde_json::from_slice(bytes).map_err(|e| crate::reasons::json_reason_fr(&e))?;
        m.check_format()?;
        Ok(m)
    }

    /// Refuses a format this version does not know.
    fn check_format(&self) -> Result<(), String> {
        if (FORMAT_1..=FORMAT).contains(&self.format) {
            Ok(())
        } else {
            Err(format!(
                "format {} du manifeste inconnu de cette version de cotisations ({}), qui lit les formats {FORMAT_1} à {FORMAT} : utilisez la version qui a écrit ce dossier, ou une plus récente",
                self.format,
                env!("CARGO_PKG_VERSION")
            ))
        }
    }
}

/// A value the manifest records by its code (`francais`, `pdf`,
/// `commune`…).
pub trait Coded: Sized + Copy {
    /// What the value is, in French, for the message of an unknown code.
    const WHAT: &'static str;
    fn code(self) -> &'static str;
    fn from_code(code: &str) -> Option<Self>;
}

impl Coded for CsvFormat {
    const WHAT: &'static str = "format CSV";
    fn code(self) -> &'static str {
        CsvFormat::code(self)
    }
    fn from_code(code: &str) -> Option<Self> {
        [CsvFormat::Francais, CsvFormat::Rfc4180]
            .into_iter()
            .find(|f| f.code() == code)
    }
}

impl Coded for Encoding {
    const WHAT: &'static str = "encodage CSV";
    fn code(self) -> &'static str {
        Encoding::code(self)
    }
    fn from_code(code: &str) -> Option<Self> {
        Encoding::from_code(code)
    }
}

/// What kind of PDF each appel is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PdfFormat {
    /// PDF/A-3 with the embedded Factur-X XML.
    FacturX(Profile),
    /// A plain PDF.
    Plain,
}

impl PdfFormat {
    /// Every format.
    pub const ALL: [PdfFormat; 3] = [
        PdfFormat::FacturX(Profile::En16931),
        PdfFormat::FacturX(Profile::Basic),
        PdfFormat::Plain,
    ];

    /// The name recorded in the manifest.
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            PdfFormat::FacturX(Profile::En16931) => "facturx-en16931",
            PdfFormat::FacturX(Profile::Basic) => "facturx-basic",
            PdfFormat::Plain => "pdf",
        }
    }
}

impl Coded for PdfFormat {
    const WHAT: &'static str = "format PDF";
    fn code(self) -> &'static str {
        PdfFormat::code(self)
    }
    fn from_code(code: &str) -> Option<Self> {
        PdfFormat::ALL.into_iter().find(|f| f.code() == code)
    }
}

impl Coded for MemberKind {
    const WHAT: &'static str = "type d'adhérent";
    fn code(self) -> &'static str {
        MemberKind::code(self)
    }
    fn from_code(code: &str) -> Option<Self> {
        MemberKind::ALL.into_iter().find(|k| k.code() == code)
    }
}

/// Serde of a [`Coded`] value as its code.
pub(crate) mod coded {
    use serde::de::Error as _;
    use serde::{Deserialize, Deserializer, Serializer};

    use super::Coded;

    pub(crate) fn serialize<S: Serializer, T: Coded>(value: &T, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(value.code())
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>, T: Coded>(d: D) -> Result<T, D::Error> {
        let code = std::borrow::Cow::<str>::deserialize(d)?;
        T::from_code(&code)
            .ok_or_else(|| D::Error::custom(format!("{} « {code} » inconnu", T::WHAT)))
    }
}

/// Serde of an amount as text with two decimals (`"1119.00"`): exact, and
/// read back only if it is a whole number of cents.
pub(crate) mod amount {
    use serde::de::Error as _;
    use serde::{Deserialize, Deserializer, Serializer};

    use crate::money::Montant;

    pub(crate) fn serialize<S: Serializer>(value: &Montant, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(value)
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Montant, D::Error> {
        let text = std::borrow::Cow::<str>::deserialize(d)?;
        text.parse::<rust_decimal::Decimal>()
            .ok()
            .and_then(Montant::from_exact_cents)
            .ok_or_else(|| D::Error::custom(format!("montant « {text} » illisible")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::manifest;

    #[test]
    fn a_batch_manifest_reads_as_series_ac_and_round_trips() {
        let m = manifest();
        let json = String::from_utf8(m.to_json()).unwrap();
        // Typed values are written as their codes, dates in ISO 8601 and
        // amounts as exact text.
        for text in [
            "\"format\": 3,",
            "\"format_csv\": \"rfc4180\"",
            "\"format_pdf\": \"pdf\"",
            "\"encodage_csv\": \"windows-1252\"",
            "\"type_membre\": \"etablissement_public\"",
            "\"date_emission\": \"2027-01-15\"",
            "\"total_ttc\": \"1119.90\"",
            "\"forfait\": \"C62\"",
        ] {
            assert!(json.contains(text), "{text} in {json}");
        }
        let d = DossierManifest::parse(json.as_bytes()).unwrap();
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
    fn a_manifest_of_format_1_reads_without_the_new_fields() {
        let mut value: serde_json::Value = serde_json::from_slice(&manifest().to_json()).unwrap();
        let object = value.as_object_mut().unwrap();
        for field in ["format", "unites", "mention_tva"] {
            object.remove(field);
        }
        object["options"]
            .as_object_mut()
            .unwrap()
            .remove("encodage_csv");
        let m = Manifest::parse(&serde_json::to_vec(&value).unwrap()).unwrap();
        assert_eq!(m.format, 1);
        assert!(m.unites.is_empty() && m.mention_tva.is_none());
        assert_eq!(m.options.encodage_csv, Encoding::Utf8);
    }

    #[test]
    fn unknown_codes_amounts_and_formats_are_refused() {
        let json = String::from_utf8(manifest().to_json()).unwrap();
        for (from, to, expected) in [
            (
                "\"format\": 3",
                "\"format\": 4",
                "format 4 du manifeste inconnu",
            ),
            (
                "\"format_pdf\": \"pdf\"",
                "\"format_pdf\": \"tiff\"",
                "format PDF « tiff » inconnu (ligne",
            ),
            (
                "\"type_membre\": \"etablissement_public\"",
                "\"type_membre\": \"x\"",
                "type d'adhérent « x » inconnu (ligne",
            ),
            (
                "\"total_ttc\": \"1119.90\"",
                "\"total_ttc\": \"1119.905\"",
                "montant « 1119.905 » illisible (ligne",
            ),
            (
                "\"date_emission\": \"2027-01-15\"",
                "\"date_emission\": \"15/01/2027\"",
                "ligne",
            ),
        ] {
            assert!(json.contains(from), "{from}");
            let bad = json.replacen(from, to, 1);
            let e = Manifest::parse(bad.as_bytes()).unwrap_err();
            assert!(e.contains(expected), "{to}: {e}");
            assert!(DossierManifest::parse(bad.as_bytes()).is_err(), "{to}");
        }
    }

    #[test]
    fn sha256_of_abc() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
