//! Appel numbers: pure and sequential. Numbers follow roster order over the
//! billable members only (`AC-<exercice>-00001`, no gaps), so a rerun with
//! the same inputs gives the same numbers, whatever the thread count.
//!
//! Numbers are assigned before the parallel step (house rule: number first,
//! then map in parallel, then collect in order).

use chrono::{Days, NaiveDate};

use crate::appel::Appel;
use crate::money::Montant;
use crate::pricing::Priced;
use crate::roster::Member;
use crate::tariff::Grid;

/// What every appel of a batch shares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Emission {
    pub exercice: i32,
    pub date_emission: NaiveDate,
    pub date_echeance: NaiveDate,
    pub mention_tva: Option<String>,
    /// The grid's title of the convention (`Appel::convention`).
    pub convention: String,
    /// Number of the first appel (1 for a main batch).
    pub premier_numero: u32,
    /// A projet's: the numbers are provisional (`PROV-…`), the PDFs drafts.
    pub provisoire: bool,
}

impl Emission {
    /// The emission of a batch of `grid`'s exercice dated `date_emission`,
    /// due `delai_jours` later (the issuer's payment delay), numbered from
    /// `premier_numero`.
    #[must_use]
    pub fn of_batch(
        grid: &Grid,
        delai_jours: u32,
        date_emission: NaiveDate,
        premier_numero: u32,
    ) -> Emission {
        // The issuer file allows at most 90 days: always a date.
        let date_echeance = date_emission
            .checked_add_days(Days::new(u64::from(delai_jours)))
            .unwrap_or(date_emission);
        Emission {
            exercice: grid.exercice,
            date_emission,
            date_echeance,
            mention_tva: grid.mention_tva.clone(),
            convention: grid.titre.clone(),
            premier_numero,
            provisoire: false,
        }
    }
}

/// The number series of the appels (`AV` is the credit notes').
pub const SERIE: &str = "AC";

/// Formats appel number `n` of `exercice`.
#[must_use]
pub fn numero(exercice: i32, n: u32) -> String {
    format!("{SERIE}-{exercice}-{n:05}")
}

/// The prefix of a projet's provisional numbers.
pub const PROVISOIRE: &str = "PROV";

/// The provisional number a projet gives the appel that emission would
/// number `numero(exercice, n)`: `PROV-2027-00060`.
#[must_use]
pub fn numero_provisoire(exercice: i32, n: u32) -> String {
    format!("{PROVISOIRE}-{exercice}-{n:05}")
}

/// Whether `numero` is a projet's provisional number.
#[must_use]
pub fn is_provisoire(numero: &str) -> bool {
    numero.starts_with(PROVISOIRE)
}

/// Whether a priced member gets an appel: at least one line, and a total
/// not below the recovery threshold (CGCT, article D1611-1).
#[must_use]
pub fn is_billable(priced: &Priced, threshold: Montant) -> bool {
    priced.is_billable() && priced.totaux.ttc >= threshold
}

/// The rank of each member's appel in roster order (`None`: no appel).
#[must_use]
pub fn assign(billable: &[bool], first: u32) -> Vec<Option<u32>> {
    let mut next = first;
    billable
        .iter()
        .map(|&b| {
            b.then(|| {
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
    /// Lines to bill, but a total below the recovery threshold: no appel,
    /// no number; listed in `sous-seuil.csv` with the amount left out.
    BelowThreshold(Box<Member>, Montant),
    NothingToBill(Box<Member>),
}

impl Outcome {
    /// Builds the outcome of a priced member given its rank.
    #[must_use]
    pub fn new(membre: Member, priced: Priced, rang: Option<u32>, emission: &Emission) -> Outcome {
        match rang {
            Some(rang) if priced.is_billable() => Outcome::Billed(Box::new(Appel {
                numero: if emission.provisoire {
                    numero_provisoire(emission.exercice, rang)
                } else {
                    numero(emission.exercice, rang)
                },
                rang,
                exercice: emission.exercice,
                date_emission: emission.date_emission,
                date_echeance: emission.date_echeance,
                periode_debut: priced.debut.unwrap_or_else(|| {
                    NaiveDate::from_ymd_opt(emission.exercice, 1, 1)
                        .unwrap_or(emission.date_emission)
                }),
                periode_fin: NaiveDate::from_ymd_opt(emission.exercice, 12, 31)
                    .unwrap_or(emission.date_emission),
                membre,
                placement: priced.placement,
                lignes: priced.lignes,
                totaux: priced.totaux,
                mention_tva: emission.mention_tva.clone(),
                convention: emission.convention.clone(),
            })),
            _ if priced.is_billable() => {
                Outcome::BelowThreshold(Box::new(membre), priced.totaux.ttc)
            }
            _ => Outcome::NothingToBill(Box::new(membre)),
        }
    }

    #[must_use]
    pub fn member(&self) -> &Member {
        match self {
            Outcome::Billed(a) => &a.membre,
            Outcome::BelowThreshold(m, _) | Outcome::NothingToBill(m) => m,
        }
    }

    #[must_use]
    pub fn appel(&self) -> Option<&Appel> {
        match self {
            Outcome::Billed(a) => Some(a),
            Outcome::BelowThreshold(..) | Outcome::NothingToBill(_) => None,
        }
    }
}

/// Numbers priced members in roster order (for callers that price first).
#[must_use]
pub fn number(
    priced: Vec<(Member, Priced)>,
    threshold: Montant,
    emission: &Emission,
) -> Vec<Outcome> {
    let billable: Vec<bool> = priced
        .iter()
        .map(|(_, p)| is_billable(p, threshold))
        .collect();
    let ranks = assign(&billable, emission.premier_numero);
    priced
        .into_iter()
        .zip(ranks)
        .map(|((membre, p), rang)| Outcome::new(membre, p, rang, emission))
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

#[cfg(test)]
mod threshold_tests {
    use super::*;
    use crate::roster::MemberKind;
    use crate::tariff::Grid;
    use crate::testing::{self, with};
    use rust_decimal::Decimal;

    fn member(grid: &Grid, id: &str, items: &[(&str, &str)]) -> Member {
        let mut m = with(
            grid,
            testing::member(MemberKind::Commune, Some(100), None),
            items,
        );
        m.id = id.into();
        m.nom = id.into();
        m
    }

    #[test]
    fn below_threshold_gets_no_number_and_numbers_stay_contiguous() {
        let grid = testing::grid();
        assert_eq!(grid.seuil_recouvrement.decimal(), Decimal::from(15));
        let members = vec![
            member(&grid, "A", &[("certificat", "1")]), // 80,00 €
            member(&grid, "B", &[("messagerie_quota_10go", "2")]), // 10,00 € < 15
            member(&grid, "C", &[]),                    // nothing
            member(&grid, "D", &[("nom_domaine", "1")]), // 15,00 €: exactly the threshold
        ];
        let out = number(
            testing::priced(&grid, members),
            grid.seuil_recouvrement,
            &testing::emission(),
        );
        let numbers: Vec<Option<&str>> = out
            .iter()
            .map(|o| o.appel().map(|a| a.numero.as_str()))
            .collect();
        assert_eq!(
            numbers,
            vec![Some("AC-2027-00001"), None, None, Some("AC-2027-00002")]
        );
        assert!(
            matches!(&out[1], Outcome::BelowThreshold(m, t) if m.id == "B" && t.decimal() == Decimal::from(10))
        );
        assert!(matches!(&out[2], Outcome::NothingToBill(_)));
    }
}
