//! The appel de cotisation: a numbered, dated, priced document for one member.
//!
//! Plain data shared by `render` (PDF) and `ledger` (CSV); built by
//! `numbering` from the priced members.

use chrono::NaiveDate;

use crate::pricing::{Ligne, Placement, Totaux};
use crate::roster::Member;

/// One numbered appel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Appel {
    /// `AC-<exercice>-00001`, continuous in roster order.
    pub numero: String,
    /// The number's rank in its series (1 for `AC-2027-00001`).
    pub rang: u32,
    pub exercice: i32,
    pub date_emission: NaiveDate,
    pub date_echeance: NaiveDate,
    /// Period of service billed: the exercice (1 January – 31 December),
    /// or from the month of joining for a mid-year member.
    pub periode_debut: NaiveDate,
    pub periode_fin: NaiveDate,
    pub membre: Member,
    pub placement: Placement,
    pub lignes: Vec<Ligne>,
    pub totaux: Totaux,
    /// Legal VAT mention from the grid, printed when no line bears VAT.
    pub mention_tva: Option<String>,
    /// The convention billed, from the grid (`[convention] titre`), in the
    /// object of the appel; empty when unknown.
    pub convention: String,
}
