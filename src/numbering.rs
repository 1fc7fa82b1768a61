//! Appel numbers and dates: turns priced members into numbered appels.
//!
//! Pure and sequential: numbers follow roster order over billable members
//! only (`AC-<exercice>-00001`, no gaps), so a rerun gives the same numbers.

use chrono::NaiveDate;

use crate::appel::Appel;
use crate::pricing::Priced;
use crate::roster::Member;

/// What every appel of a batch shares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Emission {
    pub exercice: i32,
    pub date_emission: NaiveDate,
    pub date_echeance: NaiveDate,
    pub mention_tva: Option<String>,
    /// Number of the first appel (1 for a main batch).
    pub premier_numero: u32,
}

/// Formats appel number `n` of `exercice`.
#[must_use]
pub fn numero(exercice: i32, n: u32) -> String {
    format!("AC-{exercice}-{n:05}")
}

/// What became of one roster member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Billed(Box<Appel>),
    NothingToBill(Box<Member>),
}

impl Outcome {
    #[must_use]
    pub fn member(&self) -> &Member {
        match self {
            Outcome::Billed(a) => &a.membre,
            Outcome::NothingToBill(m) => m,
        }
    }

    #[must_use]
    pub fn appel(&self) -> Option<&Appel> {
        match self {
            Outcome::Billed(a) => Some(a),
            Outcome::NothingToBill(_) => None,
        }
    }
}

/// Numbers the billable members in roster order; members with nothing to
/// bill consume no number.
#[must_use]
pub fn number(priced: Vec<(Member, Priced)>, emission: &Emission) -> Vec<Outcome> {
    let mut next = emission.premier_numero;
    priced
        .into_iter()
        .map(|(membre, p)| {
            if !p.is_billable() {
                return Outcome::NothingToBill(Box::new(membre));
            }
            let appel = Appel {
                numero: numero(emission.exercice, next),
                exercice: emission.exercice,
                date_emission: emission.date_emission,
                date_echeance: emission.date_echeance,
                membre,
                placement: p.placement,
                lignes: p.lignes,
                totaux: p.totaux,
                mention_tva: emission.mention_tva.clone(),
            };
            next += 1;
            Outcome::Billed(Box::new(appel))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_zero_padded() {
        assert_eq!(numero(2027, 1), "AC-2027-00001");
        assert_eq!(numero(2027, 12345), "AC-2027-12345");
    }
}
