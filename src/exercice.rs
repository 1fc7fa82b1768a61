//! The issued state of an exercice: every appel and avoir issued, per
//! member its documents and net amount, and what breaks the rules of the
//! series (a number issued twice or skipped, dates going backwards, a
//! member billed twice while its first appel stands, more credited than
//! billed, an avoir on no appel). Pure: documents in, state and problems
//! out. `batch::register` reads the documents from the folders' manifests;
//! `cotisations etat` prints the state; the exercice register
//! (`docs/REGISTER.md`) will keep it as its index.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use crate::money::Montant;
use crate::numbering::SERIE as APPELS;

/// One issued document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    pub numero: String,
    pub rang: u32,
    pub serie: String,
    pub date: NaiveDate,
    pub membre_id: String,
    pub nom: String,
    /// Signed: an avoir's is negative.
    pub total_ttc: Montant,
    /// For an avoir: the appel it credits.
    pub credite: Option<String>,
}

/// What a member was issued.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MemberState {
    pub nom: String,
    pub appels: Vec<String>,
    pub avoirs: Vec<String>,
    /// Appels less avoirs, TTC.
    pub net_ttc: Montant,
}

/// A rule of the series broken across the folders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegisterProblem {
    /// Folders of several exercices.
    Exercices { found: Vec<i32> },
    /// One number on two documents.
    Doublon { numero: String },
    /// A number missing between two issued ones.
    Lacune { serie: String, rang: u32 },
    /// A document dated before the one numbered before it.
    Chronologie {
        numero: String,
        date: NaiveDate,
        precedent: String,
        date_precedent: NaiveDate,
    },
    /// A member with a second appel while the first is not fully credited.
    DeuxFois {
        membre_id: String,
        appels: Vec<String>,
    },
    /// Avoirs on an appel totalling more than it billed.
    TropCredite {
        appel: String,
        facture: Montant,
        credite: Montant,
    },
    /// An avoir crediting an appel of none of the folders.
    AppelInconnu { avoir: String, appel: String },
    /// An avoir whose appel is now another member's (its batch rebuilt
    /// after the avoir was issued).
    AutreAdherent {
        avoir: String,
        appel: String,
        avoir_membre: String,
        appel_membre: String,
    },
    /// An avoir issued on another version of the batch it cites (the
    /// batch's manifest has changed since).
    LotChange { avoir: String, lot: String },
}

/// The state of an exercice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Register {
    /// Every document, by series then rank.
    pub documents: Vec<Document>,
    pub members: BTreeMap<String, MemberState>,
    pub problems: Vec<RegisterProblem>,
}

impl Register {
    /// The state of `documents` (any order), issued by folders of the
    /// exercices `exercices`.
    #[must_use]
    pub fn of(mut documents: Vec<Document>, mut exercices: Vec<i32>) -> Register {
        documents.sort_by(|x, y| (&x.serie, x.rang).cmp(&(&y.serie, y.rang)));
        let mut problems = Vec::new();
        exercices.sort_unstable();
        exercices.dedup();
        if exercices.len() > 1 {
            problems.push(RegisterProblem::Exercices { found: exercices });
        }
        series_problems(&documents, &mut problems);
        let members = members(&documents, &mut problems);
        Register {
            documents,
            members,
            problems,
        }
    }

    /// The documents of `serie`: how many, the first and last numbers, and
    /// their total TTC (signed).
    #[must_use]
    pub fn series(&self, serie: &str) -> (usize, Option<&str>, Option<&str>, Montant) {
        let docs: Vec<&Document> = self.documents.iter().filter(|d| d.serie == serie).collect();
        (
            docs.len(),
            docs.first().map(|d| d.numero.as_str()),
            docs.last().map(|d| d.numero.as_str()),
            docs.iter().map(|d| d.total_ttc).sum(),
        )
    }
}

/// One item's total over the exercice, net of avoirs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemTotal {
    pub code: String,
    pub libelle: String,
    pub ht: Montant,
    pub ttc: Montant,
}

/// The totals per item of `lines` (code, label, HT, TTC, signed), by code.
#[must_use]
pub fn item_totals<'a>(
    lines: impl IntoIterator<Item = (&'a str, &'a str, Montant, Montant)>,
) -> Vec<ItemTotal> {
    let mut by_code: BTreeMap<&str, ItemTotal> = BTreeMap::new();
    for (code, libelle, ht, ttc) in lines {
        let t = by_code.entry(code).or_insert_with(|| ItemTotal {
            code: code.to_string(),
            libelle: libelle.to_string(),
            ht: Montant::ZERO,
            ttc: Montant::ZERO,
        });
        t.ht = t.ht + ht;
        t.ttc = t.ttc + ttc;
    }
    by_code.into_values().collect()
}

/// A member of the roster, priced: what the roster wants billed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wanted {
    pub membre_id: String,
    pub nom: String,
    /// The appel's total if it would get one (`None`: nothing to bill, or
    /// below the recovery threshold).
    pub total_ttc: Option<Montant>,
}

/// The roster's `members` priced with `grid`: what it wants billed.
///
/// # Errors
/// The member that cannot be priced (validation refuses it first).
pub fn wanted(
    members: Vec<crate::roster::Member>,
    grid: &crate::tariff::Grid,
) -> Result<Vec<Wanted>, (String, crate::pricing::PricingError)> {
    members
        .into_iter()
        .map(|m| {
            let priced = crate::pricing::price(&m, grid).map_err(|e| (m.id.clone(), e))?;
            let billable = crate::numbering::is_billable(&priced, grid.seuil_recouvrement);
            Ok(Wanted {
                total_ttc: billable.then_some(priced.totaux.ttc),
                membre_id: m.id,
                nom: m.nom,
            })
        })
        .collect()
}

/// The roster against the issued state.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Pending {
    /// In the roster, billable, with no appel standing (never billed, or
    /// every appel fully credited): what the next batch would bill.
    pub a_facturer: Vec<Wanted>,
    /// Billed, with an appel standing, but no longer in the roster: an
    /// avoir to consider.
    pub hors_role: Vec<(String, MemberState)>,
}

impl Register {
    /// What `roster` would add: its billable members with nothing standing,
    /// and the members billed that it no longer holds.
    #[must_use]
    pub fn pending(&self, roster: &[Wanted]) -> Pending {
        let standing = |id: &str| {
            self.members
                .get(id)
                .is_some_and(|m| m.net_ttc > Montant::ZERO)
        };
        let a_facturer = roster
            .iter()
            .filter(|w| w.total_ttc.is_some() && !standing(&w.membre_id))
            .cloned()
            .collect();
        let in_roster: std::collections::BTreeSet<&str> =
            roster.iter().map(|w| w.membre_id.as_str()).collect();
        let hors_role = self
            .members
            .iter()
            .filter(|(id, m)| m.net_ttc > Montant::ZERO && !in_roster.contains(id.as_str()))
            .map(|(id, m)| (id.clone(), m.clone()))
            .collect();
        Pending {
            a_facturer,
            hors_role,
        }
    }
}

/// Numbers issued once each, from 1 with no gap, dated in order.
fn series_problems(documents: &[Document], problems: &mut Vec<RegisterProblem>) {
    let mut previous: Option<&Document> = None;
    for d in documents {
        let expected = match previous {
            Some(p) if p.serie == d.serie => p.rang + 1,
            _ => 1,
        };
        if let Some(p) = previous.filter(|p| p.serie == d.serie) {
            if d.rang == p.rang {
                problems.push(RegisterProblem::Doublon {
                    numero: d.numero.clone(),
                });
            }
            if d.date < p.date {
                problems.push(RegisterProblem::Chronologie {
                    numero: d.numero.clone(),
                    date: d.date,
                    precedent: p.numero.clone(),
                    date_precedent: p.date,
                });
            }
        }
        for rang in expected..d.rang {
            problems.push(RegisterProblem::Lacune {
                serie: d.serie.clone(),
                rang,
            });
        }
        previous = Some(d);
    }
}

/// Per member, its documents and net amount; and the members billed twice,
/// the appels credited beyond what they billed.
fn members(
    documents: &[Document],
    problems: &mut Vec<RegisterProblem>,
) -> BTreeMap<String, MemberState> {
    let appels: BTreeMap<&str, &Document> = documents
        .iter()
        .filter(|d| d.serie == APPELS)
        .map(|d| (d.numero.as_str(), d))
        .collect();
    let mut credited: BTreeMap<&str, Montant> = BTreeMap::new();
    let mut members: BTreeMap<String, MemberState> = BTreeMap::new();
    for d in documents {
        let m = members.entry(d.membre_id.clone()).or_default();
        m.nom.clone_from(&d.nom);
        m.net_ttc = m.net_ttc + d.total_ttc;
        if d.serie == APPELS {
            m.appels.push(d.numero.clone());
            continue;
        }
        m.avoirs.push(d.numero.clone());
        match d.credite.as_deref().and_then(|a| appels.get(a)) {
            Some(appel) => {
                if appel.membre_id != d.membre_id {
                    problems.push(RegisterProblem::AutreAdherent {
                        avoir: d.numero.clone(),
                        appel: appel.numero.clone(),
                        avoir_membre: d.membre_id.clone(),
                        appel_membre: appel.membre_id.clone(),
                    });
                }
                let c = credited.entry(appel.numero.as_str()).or_default();
                *c = *c + -d.total_ttc;
            }
            None => problems.push(RegisterProblem::AppelInconnu {
                avoir: d.numero.clone(),
                appel: d.credite.clone().unwrap_or_default(),
            }),
        }
    }
    for (appel, &credite) in &credited {
        let facture = appels[appel].total_ttc;
        if credite > facture {
            problems.push(RegisterProblem::TropCredite {
                appel: (*appel).to_string(),
                facture,
                credite,
            });
        }
    }
    // Billed twice: more than one appel not fully credited.
    for (id, m) in &members {
        let standing: Vec<String> = m
            .appels
            .iter()
            .filter(|a| {
                credited.get(a.as_str()).copied().unwrap_or_default() < appels[a.as_str()].total_ttc
            })
            .cloned()
            .collect();
        if standing.len() > 1 {
            problems.push(RegisterProblem::DeuxFois {
                membre_id: id.clone(),
                appels: standing,
            });
        }
    }
    members
}

/// What a member was issued, as the register holds it: its appels and
/// the avoirs on them (TTC, signed), and its lines net of avoirs (item
/// code → HT).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Emis {
    pub appels: Vec<(String, Montant)>,
    /// The appel each avoir credits, and the avoir's total (negative).
    pub credits: Vec<(String, Montant)>,
    pub lignes: BTreeMap<String, Montant>,
}

impl Emis {
    /// The appels not fully credited, with what remains of each (TTC).
    #[must_use]
    pub fn standing(&self) -> Vec<(&str, Montant)> {
        self.appels
            .iter()
            .map(|(numero, total)| {
                let credited: Montant = self
                    .credits
                    .iter()
                    .filter(|(appel, _)| appel == numero)
                    .map(|(_, t)| *t)
                    .sum();
                (numero.as_str(), *total + credited)
            })
            .filter(|(_, rest)| *rest > Montant::ZERO)
            .collect()
    }
}

/// How the roster's lines for a member differ from what stands issued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ecart {
    /// The appels standing.
    pub appels: Vec<String>,
    /// Items the roster adds.
    pub ajoutes: Vec<String>,
    /// Items issued that the roster no longer gives.
    pub retires: Vec<String>,
    /// Items whose amount the roster changes.
    pub modifies: Vec<String>,
}

/// What the next projet does with a member of the roster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Suite {
    /// Never issued, or every appel fully credited: billed.
    Nouveau,
    /// Issued, and the roster gives the same lines: nothing to issue.
    Inchange,
    /// Issued, and the roster now gives other lines: listed, never billed
    /// again nor ignored (the correction is an avoir; see the README).
    Modifie(Ecart),
}

/// What the next projet does with a member whose issued state is `emis`
/// and whose roster lines, priced, are `voulu` (item code → HT; empty
/// when the roster bills it nothing).
#[must_use]
pub fn suite(emis: Option<&Emis>, voulu: &BTreeMap<String, Montant>) -> Suite {
    let Some(emis) = emis else {
        return Suite::Nouveau;
    };
    let standing = emis.standing();
    if standing.is_empty() {
        return Suite::Nouveau;
    }
    let net: BTreeMap<&str, Montant> = emis
        .lignes
        .iter()
        .filter(|(_, m)| **m != Montant::ZERO)
        .map(|(c, m)| (c.as_str(), *m))
        .collect();
    let mut ecart = Ecart {
        appels: standing.iter().map(|(n, _)| (*n).to_string()).collect(),
        ajoutes: Vec::new(),
        retires: Vec::new(),
        modifies: Vec::new(),
    };
    for (code, montant) in voulu {
        match net.get(code.as_str()) {
            None => ecart.ajoutes.push(code.clone()),
            Some(m) if m != montant => ecart.modifies.push(code.clone()),
            Some(_) => {}
        }
    }
    for code in net.keys() {
        if !voulu.contains_key(*code) {
            ecart.retires.push((*code).to_string());
        }
    }
    if ecart.ajoutes.is_empty() && ecart.retires.is_empty() && ecart.modifies.is_empty() {
        Suite::Inchange
    } else {
        Suite::Modifie(ecart)
    }
}

#[cfg(test)]
#[allow(
    clippy::inconsistent_digit_grouping,
    reason = "amounts in cents written euros_cents: 1119_00 is 1 119,00 €"
)]
mod tests {
    use super::*;

    fn cents(c: i64) -> Montant {
        Montant::from_exact_cents(rust_decimal::Decimal::new(c, 2)).unwrap()
    }

    fn date(month: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2027, month, day).unwrap()
    }

    /// Appel `rang` of `membre` for `total` cents, dated `day` January.
    fn appel(rang: u32, day: u32, membre: &str, total: i64) -> Document {
        Document {
            numero: crate::numbering::numero(2027, rang),
            rang,
            serie: APPELS.into(),
            date: date(1, day),
            membre_id: membre.into(),
            nom: format!("Commune {membre}"),
            total_ttc: cents(total),
            credite: None,
        }
    }

    /// Avoir `rang` crediting `total` cents of `credite`, dated `day` March.
    fn avoir(rang: u32, day: u32, membre: &str, credite: &str, total: i64) -> Document {
        Document {
            numero: crate::avoir::numero(2027, rang),
            serie: crate::avoir::SERIE.into(),
            date: date(3, day),
            total_ttc: cents(-total),
            credite: Some(credite.into()),
            ..appel(rang, 1, membre, 0)
        }
    }

    #[test]
    fn a_main_lot_a_supplementary_lot_and_an_avoir_make_one_clean_exercice() {
        let documents = vec![
            avoir(1, 3, "A", "AC-2027-00001", 100_00),
            appel(1, 15, "A", 1119_00),
            appel(2, 15, "B", 317_00),
            appel(3, 20, "C", 400_00),
        ];
        let r = Register::of(documents, vec![2027, 2027, 2027]);
        assert_eq!(r.problems, Vec::new());
        let numbers: Vec<&str> = r.documents.iter().map(|d| d.numero.as_str()).collect();
        assert_eq!(
            numbers,
            [
                "AC-2027-00001",
                "AC-2027-00002",
                "AC-2027-00003",
                "AV-2027-00001"
            ]
        );
        let a = &r.members["A"];
        assert_eq!((a.appels.len(), a.avoirs.len()), (1, 1));
        assert_eq!(a.net_ttc, cents(1019_00));
        assert_eq!(
            r.series(APPELS),
            (
                3,
                Some("AC-2027-00001"),
                Some("AC-2027-00003"),
                cents(1836_00)
            )
        );
    }

    #[test]
    fn each_broken_rule_is_named() {
        let documents = vec![
            // Two lots both from AC-00001: AC-00002 issued twice.
            appel(1, 15, "A", 1119_00),
            appel(2, 15, "B", 317_00),
            appel(2, 20, "A", 1119_00),
            // AC-00003 and AC-00004 never issued; AC-00005 dated backwards.
            appel(5, 10, "C", 400_00),
            avoir(1, 3, "C", "AC-2027-00005", 500_00),
            avoir(2, 4, "C", "AC-2027-09999", 1_00),
        ];
        let r = Register::of(documents, vec![2027]);
        let has = |p: &RegisterProblem| r.problems.contains(p);
        assert!(has(&RegisterProblem::Doublon {
            numero: "AC-2027-00002".into()
        }));
        for rang in [3, 4] {
            assert!(has(&RegisterProblem::Lacune {
                serie: "AC".into(),
                rang
            }));
        }
        assert!(has(&RegisterProblem::Chronologie {
            numero: "AC-2027-00005".into(),
            date: date(1, 10),
            precedent: "AC-2027-00002".into(),
            date_precedent: date(1, 20),
        }));
        assert!(has(&RegisterProblem::DeuxFois {
            membre_id: "A".into(),
            appels: vec!["AC-2027-00001".into(), "AC-2027-00002".into()],
        }));
        assert!(has(&RegisterProblem::TropCredite {
            appel: "AC-2027-00005".into(),
            facture: cents(400_00),
            credite: cents(500_00),
        }));
        assert!(has(&RegisterProblem::AppelInconnu {
            avoir: "AV-2027-00002".into(),
            appel: "AC-2027-09999".into()
        }));
        assert_eq!(r.problems.len(), 7, "{:?}", r.problems);
    }

    #[test]
    fn the_roster_against_the_issued_state() {
        let r = Register::of(
            vec![
                appel(1, 15, "A", 1119_00),
                appel(2, 15, "B", 317_00),
                avoir(1, 3, "B", "AC-2027-00002", 317_00),
                appel(3, 15, "GONE", 400_00),
            ],
            vec![2027],
        );
        let wanted = |id: &str, total: Option<i64>| Wanted {
            membre_id: id.into(),
            nom: id.into(),
            total_ttc: total.map(cents),
        };
        let p = r.pending(&[
            wanted("A", Some(1119_00)),
            wanted("B", Some(317_00)),
            wanted("NEW", Some(50_00)),
            wanted("TINY", None),
        ]);
        // A still billed; B credited in full, billable again; NEW never
        // billed; TINY below the threshold.
        let ids: Vec<&str> = p.a_facturer.iter().map(|w| w.membre_id.as_str()).collect();
        assert_eq!(ids, ["B", "NEW"]);
        let gone: Vec<&str> = p.hors_role.iter().map(|(id, _)| id.as_str()).collect();
        assert_eq!(gone, ["GONE"]);
    }

    #[test]
    fn a_member_fully_credited_may_be_billed_again_and_exercices_do_not_mix() {
        let documents = vec![
            appel(1, 15, "A", 1119_00),
            avoir(1, 3, "A", "AC-2027-00001", 1119_00),
            appel(2, 20, "A", 800_00),
        ];
        let r = Register::of(documents.clone(), vec![2027, 2027]);
        assert_eq!(r.problems, Vec::new());
        assert_eq!(r.members["A"].net_ttc, cents(800_00));
        let r = Register::of(documents, vec![2027, 2028]);
        assert_eq!(
            r.problems,
            vec![RegisterProblem::Exercices {
                found: vec![2027, 2028]
            }]
        );
    }

    /// A clean exercice: `lots` batches of appels numbered on from each
    /// other, dated in order, and avoirs each crediting part of a distinct
    /// appel, dated in order after the appels.
    fn clean(lots: &[u32], avoirs: usize) -> Vec<Document> {
        let mut docs = Vec::new();
        let mut rang = 1;
        for (day, &n) in (1..).zip(lots) {
            for _ in 0..n {
                docs.push(appel(
                    rang,
                    day,
                    &format!("M{rang}"),
                    1000_00 + i64::from(rang),
                ));
                rang += 1;
            }
        }
        let appels = docs.len();
        for k in 0..avoirs.min(appels) {
            let avoir_rang = u32::try_from(k).unwrap() + 1;
            let target = docs[k].numero.clone();
            let membre = docs[k].membre_id.clone();
            docs.push(avoir(
                avoir_rang,
                avoir_rang.min(28),
                &membre,
                &target,
                10_00,
            ));
        }
        docs
    }

    proptest::proptest! {
        #[test]
        fn a_clean_exercice_breaks_no_rule_in_any_order(
            lots in proptest::collection::vec(1_u32..6, 1..5),
            avoirs in 0_usize..6,
            rotate in 0_usize..50,
        ) {
            let mut docs = clean(&lots, avoirs);
            let n = docs.len();
            docs.rotate_left(rotate % n);
            let r = Register::of(docs, vec![2027]);
            proptest::prop_assert_eq!(r.problems, Vec::new());
            let net: Montant = r.members.values().map(|m| m.net_ttc).sum();
            let signed: Montant = r.documents.iter().map(|d| d.total_ttc).sum();
            proptest::prop_assert_eq!(net, signed);
        }

        #[test]
        fn each_corruption_is_caught(
            lots in proptest::collection::vec(2_u32..6, 1..4),
            pick in 0_usize..100,
            how in 0_u8..3,
        ) {
            let mut docs = clean(&lots, 0);
            let k = pick % docs.len();
            let expected = match how {
                // A number issued twice (a lot not chained on the last).
                0 => {
                    let mut twice = docs[k].clone();
                    twice.membre_id = "AUTRE".into();
                    docs.push(twice);
                    RegisterProblem::Doublon { numero: docs[k].numero.clone() }
                }
                // A document lost: a gap (unless it was the last).
                1 if k + 1 < docs.len() => {
                    let lost = docs.remove(k);
                    RegisterProblem::Lacune { serie: APPELS.into(), rang: lost.rang }
                }
                // The same member billed twice.
                _ => {
                    let j = (k + 1) % docs.len();
                    docs[j].membre_id = docs[k].membre_id.clone();
                    let mut appels = vec![docs[k].numero.clone(), docs[j].numero.clone()];
                    appels.sort();
                    RegisterProblem::DeuxFois { membre_id: docs[k].membre_id.clone(), appels }
                }
            };
            let r = Register::of(docs, vec![2027]);
            proptest::prop_assert!(r.problems.contains(&expected), "{:?} not in {:?}", expected, r.problems);
        }
    }
}
