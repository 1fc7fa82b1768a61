//! Appel numbers: pure and sequential. Numbers follow roster order over the
//! billable members only (`AC-<exercice>-00001`, no gaps), so a rerun with
//! the same inputs gives the same numbers, whatever the thread count.
//!
//! Numbers are assigned before the parallel step (house rule: number first,
//! then map in parallel, then collect in order).

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

/// Whether a member gets an appel: at least one non-zero quantity.
#[must_use]
pub fn is_billable(member: &Member) -> bool {
    member.quantities.iter().any(|(_, q)| !q.is_zero())
}

/// The rank of each member's appel, or `None` for nothing to bill.
#[must_use]
pub fn assign(members: &[Member], first: u32) -> Vec<Option<u32>> {
    let mut next = first;
    members
        .iter()
        .map(|m| {
            is_billable(m).then(|| {
                next += 1;
                next - 1
            })
        })
        .collect()
}

/// What became of one roster member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Billed(Box<Appel>),
    NothingToBill(Box<Member>),
}

impl Outcome {
    /// Builds the outcome of a priced member given its rank.
    #[must_use]
    pub fn new(membre: Member, priced: Priced, rang: Option<u32>, emission: &Emission) -> Outcome {
        match rang {
            Some(rang) if priced.is_billable() => Outcome::Billed(Box::new(Appel {
                numero: numero(emission.exercice, rang),
                rang,
                exercice: emission.exercice,
                date_emission: emission.date_emission,
                date_echeance: emission.date_echeance,
                membre,
                placement: priced.placement,
                lignes: priced.lignes,
                totaux: priced.totaux,
                mention_tva: emission.mention_tva.clone(),
            })),
            _ => Outcome::NothingToBill(Box::new(membre)),
        }
    }

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

/// Numbers priced members in roster order (for callers that price first).
#[must_use]
pub fn number(priced: Vec<(Member, Priced)>, emission: &Emission) -> Vec<Outcome> {
    let mut next = emission.premier_numero;
    priced
        .into_iter()
        .map(|(membre, p)| {
            let rang = p.is_billable().then(|| {
                next += 1;
                next - 1
            });
            Outcome::new(membre, p, rang, emission)
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
