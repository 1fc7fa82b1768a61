//! The run summary: counts, totals per item and grand totals, computed from
//! the same appels as the ledger and the PDFs, so the three always agree.

use std::fmt::Write as _;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;

use crate::format_fr;
use crate::money::Montant;
use crate::numbering::Outcome;
use crate::roster::MemberKind;
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

/// Totals of one tier (« tranche ») over the batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TrancheTotal {
    /// Tier number, 1-based as in the annex.
    pub tranche: u8,
    /// Lower bounds of the tier (inclusive), as in the grid.
    pub population_min: u32,
    pub agents_min: u32,
    /// Number of appels placed in this tier.
    pub appels: usize,
    #[serde(serialize_with = "as_string")]
    pub montant_ht: Decimal,
}

/// Totals of one kind of member over the batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TypeTotal {
    /// Machine code, as in the ledger's `type` column.
    #[serde(rename = "type")]
    pub code: String,
    /// French label, lower case.
    pub libelle: String,
    pub appels: usize,
    #[serde(serialize_with = "as_string")]
    pub montant_ht: Decimal,
}

/// One of the largest appels of the batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GrosAppel {
    pub numero: String,
    pub rang: u32,
    pub membre_id: String,
    pub membre_nom: String,
    pub tranche: u8,
    #[serde(serialize_with = "as_string")]
    pub montant_ttc: Decimal,
}

/// How many appels `Summary::plus_gros_appels` lists.
pub const PLUS_GROS_APPELS: usize = 10;

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
    /// Tier of the collectivités not affiliated to the Centre.
    pub tranche_non_affiliee: u8,
    /// Every tier of the grid, in order (empty tiers included).
    pub par_tranche: Vec<TrancheTotal>,
    /// Communes, établissements publics, budgets annexes (empty kinds included).
    pub par_type: Vec<TypeTotal>,
    /// The largest appels by total TTC, largest first; ties in number order.
    pub plus_gros_appels: Vec<GrosAppel>,
    #[serde(serialize_with = "as_string")]
    pub total_ht: Decimal,
    #[serde(serialize_with = "as_string")]
    pub total_tva: Decimal,
    #[serde(serialize_with = "as_string")]
    pub total_ttc: Decimal,
    /// The exercice register's head this entry extends (short form;
    /// empty: the first entry). `None` outside an exercice (a projet,
    /// `check`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub registre_precedent: Option<String>,
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
    /// Per tier and per kind: (appels, total HT), exact cents.
    par_tranche: Vec<(u8, usize, Montant)>,
    par_type: [(usize, Montant); 3],
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
                tranche_non_affiliee: grid.tranche_non_affiliee(),
                par_tranche: Vec::new(),
                par_type: Vec::new(),
                plus_gros_appels: Vec::new(),
                total_ht: Decimal::ZERO,
                total_tva: Decimal::ZERO,
                total_ttc: Decimal::ZERO,
                registre_precedent: None,
            },
            par_tranche: grid
                .tranches()
                .iter()
                .map(|t| (t.numero, 0, Montant::ZERO))
                .collect(),
            par_type: [(0, Montant::ZERO); 3],
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
                let tranche = a.placement.tranche;
                match self.par_tranche.iter_mut().find(|t| t.0 == tranche) {
                    Some(t) => {
                        t.1 += 1;
                        t.2 = t.2 + a.totaux.ht;
                    }
                    None => self.par_tranche.push((tranche, 1, a.totaux.ht)),
                }
                let kind = &mut self.par_type[kind_index(a.membre.kind)];
                kind.0 += 1;
                kind.1 = kind.1 + a.totaux.ht;
                keep_if_largest(&mut s.plus_gros_appels, a);
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
        let tranches = self.grid.tranches();
        self.par_tranche.sort_by_key(|t| t.0);
        self.summary.par_tranche = self
            .par_tranche
            .iter()
            .map(|&(tranche, appels, ht)| {
                let grid_tranche = tranches.iter().find(|t| t.numero == tranche);
                TrancheTotal {
                    tranche,
                    population_min: grid_tranche.map_or(0, |t| t.population_min),
                    agents_min: grid_tranche.map_or(0, |t| t.agents_min),
                    appels,
                    montant_ht: ht.decimal(),
                }
            })
            .collect();
        self.summary.par_type = KINDS
            .iter()
            .zip(self.par_type)
            .map(|(kind, (appels, ht))| TypeTotal {
                code: kind.code().into(),
                libelle: kind.label().into(),
                appels,
                montant_ht: ht.decimal(),
            })
            .collect();
        self.summary.total_ht = self.ht.decimal();
        self.summary.total_tva = self.tva.decimal();
        self.summary.total_ttc = self.ttc.decimal();
        self.summary
    }
}

/// The kinds of member, in the order of `Summary::par_type`.
const KINDS: [MemberKind; 3] = [
    MemberKind::Commune,
    MemberKind::EtablissementPublic,
    MemberKind::BudgetAnnexe,
];

fn kind_index(kind: MemberKind) -> usize {
    match kind {
        MemberKind::Commune => 0,
        MemberKind::EtablissementPublic => 1,
        MemberKind::BudgetAnnexe => 2,
    }
}

/// Inserts `appel` into `list` (largest total TTC first, then by number) if
/// it is among the `PLUS_GROS_APPELS` largest seen so far.
fn keep_if_largest(list: &mut Vec<GrosAppel>, appel: &crate::appel::Appel) {
    let ttc = appel.totaux.ttc.decimal();
    let before = |g: &GrosAppel| {
        g.montant_ttc > ttc
            || (g.montant_ttc == ttc && (g.rang, g.numero.as_str()) < (appel.rang, &appel.numero))
    };
    let at = list.partition_point(before);
    if at >= PLUS_GROS_APPELS {
        return;
    }
    list.insert(
        at,
        GrosAppel {
            numero: appel.numero.clone(),
            rang: appel.rang,
            membre_id: appel.membre.id.clone(),
            membre_nom: appel.membre.nom.clone(),
            tranche: appel.placement.tranche,
            montant_ttc: ttc,
        },
    );
    list.truncate(PLUS_GROS_APPELS);
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
    pub fn sous_seuil_csv(&self, encoding: crate::csv_out::Encoding) -> Vec<u8> {
        use crate::csv_out::text;
        let header = ["ligne", "membre_id", "membre_nom", "siret", "montant_ttc"]
            .map(String::from)
            .to_vec();
        let rows = std::iter::once(header).chain(self.sous_seuil.iter().map(|x| {
            vec![
                x.ligne.to_string(),
                text(&x.id).into_owned(),
                text(&x.nom).into_owned(),
                x.siret.clone(),
                crate::csv_out::CsvFormat::Francais.amount(Montant::round_cent(x.montant)),
            ]
        }));
        let rows: Vec<Vec<String>> = rows.collect();
        crate::csv_out::to_bytes(
            b';',
            encoding,
            rows.iter().map(|r| r.iter().map(String::as_str)),
        )
    }

    /// JSON form, deterministic (fields in declaration order).
    #[must_use]
    pub fn to_json(&self) -> Vec<u8> {
        let mut v = serde_json::to_vec_pretty(self).unwrap_or_default();
        v.push(b'\n');
        v
    }

    /// The counts and totals of the batch, as structured log fields.
    #[must_use]
    pub fn fields(&self) -> Vec<(&'static str, serde_json::Value)> {
        use serde_json::Value;
        let opt = |n: &Option<String>| n.clone().map_or(Value::Null, Value::from);
        vec![
            ("exercice", Value::from(self.exercice)),
            ("lignes_lues", Value::from(self.lignes_lues)),
            ("appels_emis", Value::from(self.appels_emis)),
            ("sans_appel", Value::from(self.sans_appel.len())),
            ("sous_seuil", Value::from(self.sous_seuil.len())),
            ("rejetes", Value::from(self.rejetes)),
            ("premier_numero", opt(&self.premier_numero)),
            ("dernier_numero", opt(&self.dernier_numero)),
            ("total_ht", Value::from(self.total_ht.to_string())),
            ("total_ttc", Value::from(self.total_ttc.to_string())),
        ]
    }

    /// Human report in French for the terminal.
    #[must_use]
    pub fn to_text(&self) -> String {
        self.to_text_as(false)
    }

    /// The summary as `to_text` prints it, for a projet when `projet`:
    /// appels to issue, not issued.
    #[must_use]
    pub fn to_text_as(&self, projet: bool) -> String {
        let mut s = String::new();
        let m = |d: Decimal| format_fr::montant(Montant::round_cent(d));
        let _ = writeln!(
            s,
            "Exercice {} — {} le {}, échéance le {}",
            self.exercice,
            if projet {
                "projet d'appels à émettre"
            } else {
                "appels émis"
            },
            format_fr::date_courte(self.date_emission),
            format_fr::date_courte(self.date_echeance)
        );
        let _ = writeln!(s, "Adhérents lus        : {}", self.membres_lus);
        let _ = write!(
            s,
            "{}: {}",
            if projet {
                "Appels à émettre     "
            } else {
                "Appels émis          "
            },
            self.appels_emis
        );
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
