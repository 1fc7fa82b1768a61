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

/// A member whose total is below the recovery threshold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SousSeuil {
    pub ligne: u64,
    pub id: String,
    pub nom: String,
    pub siret: String,
    #[serde(serialize_with = "as_string")]
    pub montant: Decimal,
}

/// What a run did; written as `summary.json` and printed on stderr.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub exercice: i32,
    pub date_emission: NaiveDate,
    pub date_echeance: NaiveDate,
    /// Roster rows read: `appels_emis + sans_appel + rejetes`.
    pub lignes_lues: usize,
    pub membres_lus: usize,
    pub appels_emis: usize,
    /// Rows set aside by `--skip-invalid` (see rejects.csv).
    pub rejetes: usize,
    pub sans_appel: Vec<SansAppel>,
    /// Recovery threshold applied (CGCT, article D1611-1).
    #[serde(serialize_with = "as_string")]
    pub seuil_recouvrement: Decimal,
    /// Members with lines to bill but a total below the threshold.
    pub sous_seuil: Vec<SousSeuil>,
    /// Sum left out because below the threshold.
    #[serde(serialize_with = "as_string")]
    pub total_sous_seuil: Decimal,
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

/// Accumulates a summary one outcome at a time, so a batch never needs
/// all its appels in memory.
#[derive(Debug, Clone)]
pub struct SummaryBuilder<'g> {
    grid: &'g Grid,
    summary: Summary,
    par_article: Vec<ItemTotal>,
    ht: Montant,
    tva: Montant,
    ttc: Montant,
}

impl<'g> SummaryBuilder<'g> {
    #[must_use]
    pub fn new(
        grid: &'g Grid,
        exercice: i32,
        date_emission: NaiveDate,
        date_echeance: NaiveDate,
    ) -> SummaryBuilder<'g> {
        SummaryBuilder {
            grid,
            par_article: grid
                .items()
                .iter()
                .map(|i| ItemTotal {
                    code: i.code.clone(),
                    libelle: i.libelle.clone(),
                    appels: 0,
                    quantite: Decimal::ZERO,
                    montant_ht: Decimal::ZERO,
                })
                .collect(),
            summary: Summary {
                exercice,
                date_emission,
                date_echeance,
                lignes_lues: 0,
                membres_lus: 0,
                appels_emis: 0,
                rejetes: 0,
                sans_appel: Vec::new(),
                seuil_recouvrement: grid.seuil_recouvrement.decimal(),
                sous_seuil: Vec::new(),
                total_sous_seuil: Decimal::ZERO,
                premier_numero: None,
                dernier_numero: None,
                lignes: 0,
                par_article: Vec::new(),
                total_ht: Decimal::ZERO,
                total_tva: Decimal::ZERO,
                total_ttc: Decimal::ZERO,
            },
            ht: Montant::ZERO,
            tva: Montant::ZERO,
            ttc: Montant::ZERO,
        }
    }

    /// Counts one member's outcome.
    pub fn add(&mut self, outcome: &Outcome) {
        let s = &mut self.summary;
        s.membres_lus += 1;
        match outcome {
            Outcome::Billed(a) => {
                s.appels_emis += 1;
                if s.premier_numero.is_none() {
                    s.premier_numero = Some(a.numero.clone());
                }
                s.dernier_numero = Some(a.numero.clone());
                for l in &a.lignes {
                    s.lignes += 1;
                    if let Some(t) = self
                        .grid
                        .find(&l.code)
                        .and_then(|i| self.par_article.get_mut(i))
                    {
                        t.appels += 1;
                        t.quantite += l.quantite;
                        t.montant_ht += l.montant_ht.decimal();
                    }
                }
                self.ht = self.ht + a.totaux.ht;
                self.tva = self.tva + a.totaux.tva;
                self.ttc = self.ttc + a.totaux.ttc;
            }
            Outcome::BelowThreshold(m, total) => {
                s.total_sous_seuil += total.decimal();
                s.sous_seuil.push(SousSeuil {
                    ligne: m.line,
                    id: m.id.clone(),
                    nom: m.nom.clone(),
                    siret: m.siret.clone(),
                    montant: total.decimal(),
                });
            }
            Outcome::NothingToBill(m) => s.sans_appel.push(SansAppel {
                ligne: m.line,
                id: m.id.clone(),
                nom: m.nom.clone(),
                motif: "aucun service souscrit".into(),
            }),
        }
    }

    /// Counts rows set aside as invalid.
    pub fn add_rejected(&mut self, rows: usize) {
        self.summary.rejetes += rows;
    }

    /// The finished summary.
    #[must_use]
    pub fn finish(mut self) -> Summary {
        self.summary.lignes_lues = self.summary.membres_lus + self.summary.rejetes;
        self.par_article.retain(|t| t.appels > 0);
        for t in &mut self.par_article {
            t.quantite = t.quantite.normalize();
            t.montant_ht = Montant::round_cent(t.montant_ht).decimal();
        }
        self.summary.par_article = self.par_article;
        self.summary.total_ht = self.ht.decimal();
        self.summary.total_tva = self.tva.decimal();
        self.summary.total_ttc = self.ttc.decimal();
        self.summary
    }
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
        let mut b = SummaryBuilder::new(grid, exercice, date_emission, date_echeance);
        for o in outcomes {
            b.add(o);
        }
        b.finish()
    }

    /// `sous-seuil.csv`: the members left out by the recovery threshold.
    #[must_use]
    pub fn sous_seuil_csv(&self) -> Vec<u8> {
        let mut w = csv::WriterBuilder::new()
            .delimiter(b';')
            .terminator(csv::Terminator::CRLF)
            .from_writer(Vec::new());
        let _ = w.write_record(["ligne", "membre_id", "membre_nom", "siret", "montant_ttc"]);
        for x in &self.sous_seuil {
            let _ = w.write_record([
                x.ligne.to_string().as_str(),
                &x.id,
                &x.nom,
                &x.siret,
                &format!("{:.2}", x.montant).replace('.', ","),
            ]);
        }
        w.into_inner().unwrap_or_default()
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
        if !self.sous_seuil.is_empty() {
            let _ = writeln!(
                s,
                "Sous le seuil de {} : {} adhérent{}, {} non mis en recouvrement (voir sous-seuil.csv)",
                m(self.seuil_recouvrement),
                self.sous_seuil.len(),
                if self.sous_seuil.len() > 1 { "s" } else { "" },
                m(self.total_sous_seuil)
            );
            for x in &self.sous_seuil {
                let _ = writeln!(
                    s,
                    "  - ligne {} : {} ({}) : {}",
                    x.ligne,
                    x.nom,
                    x.id,
                    m(x.montant)
                );
            }
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
