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
    /// Date of joining, for a member who joined during the exercice.
    pub date_adhesion: Option<chrono::NaiveDate>,
    /// Non-zero quantities, as (grid item index, quantity), in grid order.
    pub quantities: Vec<(usize, Decimal)>,
}
