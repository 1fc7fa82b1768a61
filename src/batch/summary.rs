//! The run summary: counts, totals per item and grand totals, computed from
//! the same appels as the ledger and the PDFs, so the three always agree.

use std::fmt::Write as _;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;

use crate::format_fr;
use crate::money::Montant;
use crate::numbering::Outcome;
use crate::tariff::Grid;

/// Totals of one item over the batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ItemTotal {
    pub code: String,
    pub libelle: String,
    /// Number of appels with this item.
    pub appels: usize,
    #[serde(serialize_with = "as_string")]
    pub quantite: Decimal,
    #[serde(serialize_with = "as_string")]
    pub montant_ht: Decimal,
}

/// A member that got no appel, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SansAppel {
    pub ligne: u64,
    pub id: String,
    pub nom: String,
    pub motif: String,
}

/// What a run did; written as `summary.json` and printed on stderr.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub exercice: i32,
    pub date_emission: NaiveDate,
    pub date_echeance: NaiveDate,
    pub membres_lus: usize,
    pub appels_emis: usize,
    pub sans_appel: Vec<SansAppel>,
    pub premier_numero: Option<String>,
    pub dernier_numero: Option<String>,
    pub lignes: usize,
    pub par_article: Vec<ItemTotal>,
    #[serde(serialize_with = "as_string")]
    pub total_ht: Decimal,
    #[serde(serialize_with = "as_string")]
    pub total_tva: Decimal,
    #[serde(serialize_with = "as_string")]
    pub total_ttc: Decimal,
}

#[allow(clippy::trivially_copy_pass_by_ref)] // serde's signature
fn as_string<S: serde::Serializer>(d: &Decimal, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&d.to_string())
}

impl Summary {
    /// Builds the summary of `outcomes`.
    #[must_use]
    pub fn of(
        outcomes: &[Outcome],
        grid: &Grid,
        exercice: i32,
        date_emission: NaiveDate,
        date_echeance: NaiveDate,
    ) -> Summary {
        let mut par_article: Vec<ItemTotal> = grid
            .items()
            .iter()
            .map(|i| ItemTotal {
                code: i.code.clone(),
                libelle: i.libelle.clone(),
                appels: 0,
                quantite: Decimal::ZERO,
                montant_ht: Decimal::ZERO,
            })
            .collect();
        let mut sans_appel = Vec::new();
        let mut numeros = Vec::new();
        let (mut ht, mut tva, mut ttc) = (Montant::ZERO, Montant::ZERO, Montant::ZERO);
        let mut lignes = 0;
        for o in outcomes {
            match o {
                Outcome::Billed(a) => {
                    numeros.push(a.numero.clone());
                    for l in &a.lignes {
                        lignes += 1;
                        if let Some(t) = grid.find(&l.code).and_then(|i| par_article.get_mut(i)) {
                            t.appels += 1;
                            t.quantite += l.quantite;
                            t.montant_ht += l.montant_ht.decimal();
                        }
                    }
                    ht = ht + a.totaux.ht;
                    tva = tva + a.totaux.tva;
                    ttc = ttc + a.totaux.ttc;
                }
                Outcome::NothingToBill(m) => sans_appel.push(SansAppel {
                    ligne: m.line,
                    id: m.id.clone(),
                    nom: m.nom.clone(),
                    motif: "aucun service souscrit".into(),
                }),
            }
        }
        par_article.retain(|t| t.appels > 0);
        for t in &mut par_article {
            t.quantite = t.quantite.normalize();
            t.montant_ht = t.montant_ht.round_dp(2);
        }
        Summary {
            exercice,
            date_emission,
            date_echeance,
            membres_lus: outcomes.len(),
            appels_emis: numeros.len(),
            sans_appel,
            premier_numero: numeros.first().cloned(),
            dernier_numero: numeros.last().cloned(),
            lignes,
            par_article,
            total_ht: ht.decimal(),
            total_tva: tva.decimal(),
            total_ttc: ttc.decimal(),
        }
    }

    /// JSON form, deterministic (fields in declaration order).
    #[must_use]
    pub fn to_json(&self) -> Vec<u8> {
        let mut v = serde_json::to_vec_pretty(self).unwrap_or_default();
        v.push(b'\n');
        v
    }

    /// Human report in French for the terminal.
    #[must_use]
    pub fn to_text(&self) -> String {
        let mut s = String::new();
        let m = |d: Decimal| format_fr::montant(Montant::round_cent(d));
        let _ = writeln!(
            s,
            "Exercice {} — appels émis le {}, échéance le {}",
            self.exercice,
            format_fr::date_courte(self.date_emission),
            format_fr::date_courte(self.date_echeance)
        );
        let _ = writeln!(s, "Adhérents lus        : {}", self.membres_lus);
        let _ = write!(s, "Appels émis          : {}", self.appels_emis);
        if let (Some(a), Some(b)) = (&self.premier_numero, &self.dernier_numero) {
            let _ = write!(s, " (de {a} à {b})");
        }
        s.push('\n');
        let _ = writeln!(s, "Sans appel           : {}", self.sans_appel.len());
        for x in &self.sans_appel {
            let _ = writeln!(
                s,
                "  - ligne {} : {} ({}) : {}",
                x.ligne, x.nom, x.id, x.motif
            );
        }
        if !self.par_article.is_empty() {
            let _ = writeln!(s, "Total par article :");
            let width = self
                .par_article
                .iter()
                .map(|t| t.code.chars().count())
                .max()
                .unwrap_or(0);
            for t in &self.par_article {
                let _ = writeln!(
                    s,
                    "  {:<width$}  {:>5} appel{}  {:>16}",
                    t.code,
                    t.appels,
                    if t.appels > 1 { "s" } else { " " },
                    m(t.montant_ht)
                );
            }
        }
        let _ = writeln!(s, "Total HT             : {}", m(self.total_ht));
        let _ = writeln!(s, "Total TVA            : {}", m(self.total_tva));
        let _ = writeln!(s, "Total à payer (TTC)  : {}", m(self.total_ttc));
        s
    }
}
