//! The roster: the members and the services each subscribed.
//!
//! `read` turns file bytes into raw rows (encoding, BOM, delimiter) and
//! hands them one by one to a `RowSink`; `validate`'s `Validator` is the
//! sink that turns them into `Member`s or a list of every error, so a
//! roster of 100 000 rows is never held in memory as text cells.
//! Knows item codes and quantity rules from the grid, never prices.

pub mod read;
pub mod rejects;
pub mod validate;

use rust_decimal::Decimal;

pub use read::{RawRoster, read_roster};
pub use validate::{
    RosterError, RosterErrorKind, Validated, read_and_validate, validate, validate_rows,
};

/// The three kinds of member the convention knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MemberKind {
    Commune,
    EtablissementPublic,
    BudgetAnnexe,
}

impl MemberKind {
    /// Every kind, in the order of the grid.
    pub const ALL: [MemberKind; 3] = [
        MemberKind::Commune,
        MemberKind::EtablissementPublic,
        MemberKind::BudgetAnnexe,
    ];

    /// Machine code, as in the ledger.
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            MemberKind::Commune => "commune",
            MemberKind::EtablissementPublic => "etablissement_public",
            MemberKind::BudgetAnnexe => "budget_annexe",
        }
    }

    /// French label, lower case.
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            MemberKind::Commune => "commune",
            MemberKind::EtablissementPublic => "établissement public",
            MemberKind::BudgetAnnexe => "budget annexe",
        }
    }

    /// French label for the « non affiliée » reason.
    #[must_use]
    pub fn label_collectivite(self) -> &'static str {
        match self {
            MemberKind::Commune => "commune",
            MemberKind::EtablissementPublic => "établissement public",
            MemberKind::BudgetAnnexe => "budget annexe",
        }
    }

    /// Parses the human spellings finance staff type: case, accents,
    /// spaces, hyphens and underscores aside; common abbreviations.
    #[must_use]
    pub fn parse(text: &str) -> Option<MemberKind> {
        let key = crate::format_fr::fold_key(text);
        match key.as_str() {
            "commune" | "communes" | "c" | "mairie" => Some(MemberKind::Commune),
            "etablissement_public"
            | "etablissements_publics"
            | "etablissement"
            | "ep"
            | "epci"
            | "etab_public"
            | "etablissement_public_local" => Some(MemberKind::EtablissementPublic),
            "budget_annexe" | "budgets_annexes" | "budget" | "ba" => Some(MemberKind::BudgetAnnexe),
            _ => None,
        }
    }
}

/// A validated member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// 1-based line of the record in the roster file (header is line 1).
    pub line: u64,
    pub id: String,
    pub nom: String,
    pub kind: MemberKind,
    pub population: Option<u32>,
    pub agents: Option<u32>,
    pub affiliee: bool,
    /// 14 digits, no spaces.
    pub siret: String,
    pub adresse: String,
    pub code_postal: String,
    pub ville: String,
    pub email: String,
    pub code_service: String,
    pub engagement: String,
    /// The debtor's service name for Chorus Pro (PES `NomService`).
    pub nom_service: String,
    /// The debtor's category in Hélios, when the roster gives it.
    pub categorie_tiers: Option<CategorieTiers>,
    /// Date of joining, for a member who joined during the exercice.
    pub date_adhesion: Option<chrono::NaiveDate>,
    /// Non-zero quantities, as (grid item index, quantity), in grid order.
    pub quantities: Vec<(usize, Decimal)>,
}

/// The category of a debtor in Hélios (PES V2 `CatTiers`), as the roster's
/// `categorie_tiers` column names it: a code 21 to 27 or a word.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CategorieTiers {
    Region,
    Departement,
    Commune,
    Groupement,
    CaisseDesEcoles,
    Ccas,
    EtablissementDeSante,
}

impl CategorieTiers {
    /// The words the column accepts, as the messages list them.
    pub const WORDS: [&'static str; 11] = [
        "commune",
        "groupement",
        "syndicat",
        "epci",
        "caisse_des_ecoles",
        "ccas",
        "cias",
        "eps",
        "ehpad",
        "departement",
        "region",
    ];

    /// The category of a cell: its code or a word, case, accents,
    /// spaces and hyphens aside.
    #[must_use]
    pub fn parse(text: &str) -> Option<CategorieTiers> {
        let folded: String = crate::charset::fold_accents(text.trim())
            .to_lowercase()
            .chars()
            .map(|c| {
                if c == ' ' || c == '-' || c == '\'' {
                    '_'
                } else {
                    c
                }
            })
            .collect();
        Some(match folded.as_str() {
            "21" | "region" => CategorieTiers::Region,
            "22" | "departement" => CategorieTiers::Departement,
            "23" | "commune" => CategorieTiers::Commune,
            "24" | "groupement" | "syndicat" | "epci" | "groupement_de_collectivites" => {
                CategorieTiers::Groupement
            }
            "25" | "caisse_des_ecoles" => CategorieTiers::CaisseDesEcoles,
            "26" | "ccas" | "cias" => CategorieTiers::Ccas,
            "27" | "eps" | "ehpad" | "etablissement_de_sante" => {
                CategorieTiers::EtablissementDeSante
            }
            _ => return None,
        })
    }

    /// The PES V2 code (`CatTiers`, annexe 3 of DosTech).
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            CategorieTiers::Region => "21",
            CategorieTiers::Departement => "22",
            CategorieTiers::Commune => "23",
            CategorieTiers::Groupement => "24",
            CategorieTiers::CaisseDesEcoles => "25",
            CategorieTiers::Ccas => "26",
            CategorieTiers::EtablissementDeSante => "27",
        }
    }
}
