//! The issuer: the Centre's identity, payment details and legal mentions,
//! read once from a TOML template the Centre fills in (`templates/emetteur.toml`).
//!
//! Parses from `&str` only; the caller reads the file.

use serde::Deserialize;

/// The Centre that issues the appels.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Emetteur {
    pub nom: String,
    #[serde(default)]
    pub service: String,
    #[serde(default)]
    pub adresse: Vec<String>,
    pub code_postal: String,
    pub ville: String,
    pub siret: String,
    #[serde(default)]
    pub telephone: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub site: String,
    #[serde(default)]
    pub lieu: String,
    #[serde(default)]
    pub signataire: String,
    pub delai_paiement_jours: u32,
    pub paiement: Paiement,
    #[serde(default)]
    pub mentions: Vec<String>,
    /// Footer mentions of a credit note; the appel's `mentions` when absent.
    #[serde(default)]
    pub mentions_avoir: Option<Vec<String>>,
}

/// Where and how members pay.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Paiement {
    #[serde(default)]
    pub comptable: String,
    #[serde(default)]
    pub titulaire: String,
    pub iban: String,
    #[serde(default)]
    pub bic: String,
    #[serde(default)]
    pub modalites: String,
}

/// Error in the issuer template: a French message from the TOML parser,
/// with its position when known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmetteurError {
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub message: String,
}

impl Emetteur {
    /// Parses the template text.
    ///
    /// # Errors
    /// Returns the first syntax or schema error, with its position.
    pub fn parse(text: &str) -> Result<Emetteur, EmetteurError> {
        toml::from_str::<Emetteur>(text).map_err(|e| {
            let (line, column) = e
                .span()
                .map(|s| crate::tariff::line_col(text, s.start))
                .map_or((None, None), |(l, c)| (Some(l), Some(c)));
            EmetteurError {
                line,
                column,
                message: crate::tariff::toml_message_fr(e.message()),
            }
        })
    }
}
