//! The grid file as written: serde mirror of the TOML, no checks beyond types.
//!
//! Prices are kept as raw TOML values with their spans so that `grid` can
//! refuse floats and report the exact position of a bad price.

use serde::Deserialize;
use toml::Spanned;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawGrid {
    pub convention: RawConvention,
    #[serde(default)]
    pub chorus: RawChorus,
    #[serde(default)]
    pub pes: Option<Spanned<RawPes>>,
    pub tranches: RawTranches,
    #[serde(default)]
    pub articles: Vec<Spanned<RawArticle>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawConvention {
    pub titre: String,
    /// The year the grid bills (required: the year is never guessed).
    pub exercice: Spanned<i64>,
    #[serde(default)]
    pub annexe: String,
    #[serde(default)]
    pub mention_tva: Option<String>,
    #[serde(default)]
    pub taux_tva: Option<Spanned<toml::Value>>,
    #[serde(default)]
    pub seuil_recouvrement: Option<Spanned<toml::Value>>,
    /// Prorata rule for mid-year joins: "mois", "jour" or "aucun".
    #[serde(default)]
    pub prorata: Option<Spanned<String>>,
}

/// Chorus Pro requirements of some members.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawChorus {
    /// Member ids or SIRETs whose appels must carry a numéro d'engagement.
    #[serde(default)]
    pub engagement_obligatoire: Vec<String>,
    /// Member ids or SIRETs whose appels must carry a code service.
    #[serde(default)]
    pub code_service_obligatoire: Vec<String>,
}

/// What the PES V2 flows take from the grid (`cotisations pes`).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPes {
    /// The bordereau's object (`Objet`, the rôle's object).
    #[serde(default)]
    pub objet: Option<Spanned<String>>,
    /// The default `Nature` of every line.
    #[serde(default)]
    pub nature: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTranches {
    pub non_affiliee: Spanned<i64>,
    pub liste: Vec<Spanned<RawTranche>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTranche {
    pub numero: i64,
    pub population_min: i64,
    pub agents_min: i64,
    pub libelle: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawArticle {
    pub code: Spanned<String>,
    pub libelle: String,
    #[serde(default)]
    pub rubrique: String,
    pub tarif: Spanned<String>,
    pub quantite: Spanned<String>,
    pub unite: String,
    #[serde(default)]
    pub annuel: bool,
    #[serde(default)]
    pub prix_tranches: Option<Spanned<Vec<Spanned<toml::Value>>>>,
    #[serde(default)]
    pub prix: Option<Spanned<toml::Value>>,
    #[serde(default)]
    pub meme_prix_que: Option<Spanned<String>>,
    #[serde(default)]
    pub exclut: Vec<Spanned<String>>,
    #[serde(default)]
    pub requiert_un_de: Vec<Spanned<String>>,
    #[serde(default)]
    pub imputation: String,
    #[serde(default)]
    pub taux_tva: Option<Spanned<toml::Value>>,
    /// UN/ECE Recommendation 20 unit code for Factur-X (default C62, « un »).
    #[serde(default)]
    pub code_unite: Option<String>,
    /// The local product code (`CodProdLoc`) of the PES V2 flows.
    #[serde(default)]
    pub code_produit: Option<Spanned<String>>,
    /// The `Nature` of this item's lines in the PES V2 flows.
    #[serde(default)]
    pub nature: Option<Spanned<String>>,
}
