//! Tests of the batch report: a summary built from hand-made members priced
//! with the sample grid, rendered, and its text read back from the PDF bytes
//! through the fonts' `ToUnicode` maps with lopdf (as a viewer's search would).

// Coordinates, not money: the floats here are positions in points.
#![allow(clippy::float_arithmetic)]

use std::collections::BTreeMap;

use lopdf::Document;
use rust_decimal::Decimal;

use super::layout::{self, Face, Item, Measure};
use super::pdf::Fonts;
use crate::format_fr;
use crate::money::Montant;
use crate::numbering::Outcome;
use crate::roster::{Member, MemberKind};
use crate::summary::{ItemTotal, Summary, SummaryBuilder};
use crate::tariff::Grid;
use crate::testing::{self, d, grid, page_texts, priced_and_numbered, with};

const EMETTEUR: &str = "Centre de Gestion de la Fonction Publique Territoriale du Calvados";

/// Member `id` of `kind` and `size` (population of a commune, agents
/// otherwise), subscribing `items` (code, quantity).
#[allow(clippy::too_many_arguments)]
fn member(
    grid: &Grid,
    line: u64,
    id: &str,
    nom: &str,
    kind: MemberKind,
    size: u32,
    affiliee: bool,
    items: &[(&str, &str)],
) -> Member {
    let population = (kind == MemberKind::Commune).then_some(size);
    let agents = (kind != MemberKind::Commune).then_some(size);
    let mut m = with(grid, testing::member(kind, population, agents), items);
    m.line = line;
    m.id = id.into();
    m.nom = nom.into();
    m.affiliee = affiliee;
    m
}

/// Eight members: six billed over tiers 1, 2, 5 and 8 and the three kinds,
/// one with nothing to bill, one below the recovery threshold.
fn outcomes(grid: &Grid) -> Vec<Outcome> {
    use MemberKind::{BudgetAnnexe, Commune, EtablissementPublic};
    let members = vec![
        member(
            grid,
            2,
            "C-1",
            "Rapilly",
            Commune,
            44,
            true,
            &[("forfait_metiers", "1"), ("certificat", "2")],
        ),
        member(
            grid,
            3,
            "C-2",
            "Sainte-Marie-Outre-l'Eau",
            Commune,
            320,
            true,
            &[("forfait_heberge", "1")],
        ),
        member(
            grid,
            4,
            "EP-1",
            "Syndicat des eaux « Œuvre commune »",
            EtablissementPublic,
            25,
            true,
            &[
                ("forfait_technologie", "1"),
                ("parapheur", "1"),
                ("formation_jours", "0.5"),
            ],
        ),
        member(
            grid,
            5,
            "BA-1",
            "Budget annexe de l'assainissement",
            BudgetAnnexe,
            5,
            true,
            &[("certificat", "1")],
        ),
        member(grid, 6, "C-3", "Agy", Commune, 300, true, &[]),
        member(
            grid,
            7,
            "C-4",
            "Petite commune sous le seuil",
            Commune,
            80,
            true,
            &[("messagerie_quota_10go", "2")],
        ),
        member(
            grid,
            8,
            "C-5",
            "Ville non affiliée",
            Commune,
            800,
            false,
            &[("forfait_metiers", "1"), ("stockage_go", "3")],
        ),
        member(
            grid,
            9,
            "BA-2",
            "Budget annexe du port",
            BudgetAnnexe,
            25,
            true,
            &[("forfait_metiers", "1")],
        ),
    ];
    priced_and_numbered(grid, members)
}

fn summary_of(grid: &Grid, outcomes: &[Outcome], rejected: usize) -> Summary {
    let emission = testing::emission();
    let mut b = SummaryBuilder::new(
        grid,
        emission.exercice,
        emission.date_emission,
        emission.date_echeance,
    );
    b.add_rejected(rejected);
    for o in outcomes {
        b.add(o);
    }
    b.finish()
}

fn fr(d: Decimal) -> String {
    format_fr::montant(Montant::round_cent(d)).replace('\u{a0}', " ")
}

/// Whether `runs` hold `row` as consecutive runs.
fn has_row(runs: &[String], row: &[&str]) -> bool {
    runs.windows(row.len())
        .any(|w| w.iter().zip(row).all(|(a, b)| a == b))
}

/// Whether `runs` hold a row whose first cell, maybe wrapped over a few
/// runs, is `first`, followed by the runs `rest`.
fn has_wrapped_row(runs: &[String], first: &str, rest: &[&str]) -> bool {
    (0..runs.len()).any(|i| {
        (i + 1..=(i + 3).min(runs.len())).any(|j| {
            runs[i..j].join(" ") == first
                && runs.len() >= j + rest.len()
                && runs[j..j + rest.len()]
                    .iter()
                    .zip(rest)
                    .all(|(a, b)| a == b)
        })
    })
}

fn all_runs(pages: &[Vec<String>]) -> Vec<String> {
    pages.iter().flatten().cloned().collect()
}

#[allow(
    clippy::too_many_lines,
    reason = "one report read section after section"
)]
#[test]
fn report_shows_the_totals_of_the_outcomes_in_french() {
    let grid = grid();
    let outcomes = outcomes(&grid);
    let summary = summary_of(&grid, &outcomes, 1);
    let pdf = super::render(&summary, EMETTEUR).unwrap();
    let pages = page_texts(&pdf);
    let runs = all_runs(&pages);
    let text = runs.join("\n");

    assert!(has_row(&runs, &[EMETTEUR]), "{text}");
    assert!(
        has_row(
            &runs,
            &["Rapport du lot d'appels de cotisation — exercice 2027"]
        ),
        "{text}"
    );
    assert!(
        has_row(&runs, &["Date d'émission", "15 janvier 2027"]),
        "{text}"
    );
    assert!(
        has_row(&runs, &["Numéros", "de AC-2027-00001 à AC-2027-00006"]),
        "{text}"
    );

    // Counts.
    assert!(has_row(&runs, &["Lignes du rôle lues", "9"]), "{text}");
    assert!(has_row(&runs, &["Appels émis", "6"]), "{text}");
    assert!(
        has_row(&runs, &["Adhérents sans rien à facturer", "1"]),
        "{text}"
    );
    assert!(
        has_row(
            &runs,
            &["Adhérents sous le seuil de recouvrement (15,00 €)", "1"]
        ),
        "{text}"
    );
    assert!(
        has_row(
            &runs,
            &["Montant laissé sous le seuil (non recouvré)", "10,00 €"]
        ),
        "{text}"
    );
    assert!(
        has_row(&runs, &["Lignes écartées (voir rejects.csv)", "1"]),
        "{text}"
    );

    // Per tranche: sums computed here from the appels, independently of Summary.
    let billed: Vec<_> = outcomes.iter().filter_map(Outcome::appel).collect();
    assert_eq!(billed.len(), 6);
    let mut per_tranche: BTreeMap<u8, (usize, Decimal)> = BTreeMap::new();
    for a in &billed {
        let e = per_tranche.entry(a.placement.tranche).or_default();
        e.0 += 1;
        e.1 += a
            .lignes
            .iter()
            .map(|l| l.montant_ht.decimal())
            .sum::<Decimal>();
    }
    assert_eq!(
        per_tranche.keys().copied().collect::<Vec<_>>(),
        [1, 2, 5, 8]
    );
    for tranche in 1..=8_u8 {
        let (n, ht) = per_tranche.get(&tranche).copied().unwrap_or_default();
        let label = if tranche == 8 {
            "T8 *".to_string()
        } else {
            format!("T{tranche}")
        };
        let i = runs
            .iter()
            .position(|r| *r == label)
            .unwrap_or_else(|| panic!("{label}: {text}"));
        assert_eq!(runs[i + 3], n.to_string(), "{label}");
        assert_eq!(runs[i + 4], fr(ht), "{label}");
    }
    let ht: Decimal = billed.iter().map(|a| a.totaux.ht.decimal()).sum();
    let tva: Decimal = billed.iter().map(|a| a.totaux.tva.decimal()).sum();
    let ttc: Decimal = billed.iter().map(|a| a.totaux.ttc.decimal()).sum();
    assert_eq!(
        ttc,
        billed
            .iter()
            .flat_map(|a| &a.lignes)
            .map(|l| l.montant_ttc.decimal())
            .sum::<Decimal>()
    );
    // The tranche table's total row, and the chart's labels.
    assert!(
        has_row(&runs, &["Total", "6", &fr(ht), "100,0 %"]),
        "{text}"
    );
    for (tranche, (_, amount)) in &per_tranche {
        assert!(
            has_row(&runs, &[&fr(*amount), &format!("T{tranche}")]),
            "chart T{tranche}: {text}"
        );
    }

    // Per kind.
    for (label, kind) in [
        ("Communes", MemberKind::Commune),
        ("Établissements publics", MemberKind::EtablissementPublic),
        ("Budgets annexes", MemberKind::BudgetAnnexe),
    ] {
        let of_kind: Vec<_> = billed.iter().filter(|a| a.membre.kind == kind).collect();
        let amount: Decimal = of_kind.iter().map(|a| a.totaux.ht.decimal()).sum();
        assert!(
            has_row(&runs, &[label, &of_kind.len().to_string(), &fr(amount)]),
            "{label}: {text}"
        );
    }

    // Per item, in the table: libellé, appels, quantité, total HT.
    let mut per_item: BTreeMap<String, (usize, Decimal, Decimal)> = BTreeMap::new();
    for l in billed.iter().flat_map(|a| &a.lignes) {
        let e = per_item.entry(l.libelle.clone()).or_default();
        e.0 += 1;
        e.1 += l.quantite;
        e.2 += l.montant_ht.decimal();
    }
    assert_eq!(per_item.len(), summary.par_article.len());
    for (libelle, (n, q, amount)) in &per_item {
        assert!(
            has_wrapped_row(
                &runs,
                libelle,
                &[&n.to_string(), &format_fr::quantite(*q), &fr(*amount)]
            ),
            "{libelle}: {text}"
        );
    }
    assert!(
        has_row(&runs, &["Formation sur site ou à distance", "1", "0,5"]),
        "{text}"
    );
    assert_eq!(
        per_item.values().map(|v| v.2).sum::<Decimal>(),
        ht,
        "items add up to the total HT"
    );

    // Grand totals, equal to the appels' to the cent.
    assert!(has_row(&runs, &["Total HT", &fr(ht)]), "{text}");
    assert!(has_row(&runs, &["TVA", &fr(tva)]), "{text}");
    assert!(has_row(&runs, &["Total TTC", &fr(ttc)]), "{text}");

    // The largest appels, largest first.
    let mut largest: Vec<_> = billed.iter().map(|a| (a.totaux.ttc, a.rang, a)).collect();
    largest.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    for (i, (ttc, _, a)) in largest.iter().enumerate() {
        let row = [
            (i + 1).to_string(),
            a.numero.clone(),
            format!("{} ({})", a.membre.nom, a.membre.id),
        ];
        let row: Vec<&str> = row.iter().map(String::as_str).collect();
        assert!(has_row(&runs, &row), "{row:?}: {text}");
        let at = runs.iter().position(|r| *r == a.numero).unwrap();
        assert_eq!(runs[at + 3], fr(ttc.decimal()), "{}", a.numero);
    }

    let n = pages.len();
    for (i, page) in pages.iter().enumerate() {
        assert!(page.contains(&format!("Page {} / {n}", i + 1)), "{page:?}");
    }
}

#[test]
fn same_summary_same_bytes_on_any_thread() {
    let grid = grid();
    let summary = summary_of(&grid, &outcomes(&grid), 0);
    let first = super::render(&summary, EMETTEUR).unwrap();
    let second = super::render(&summary, EMETTEUR).unwrap();
    assert!(first == second, "two renders differ");
    let elsewhere = std::thread::scope(|s| {
        s.spawn(|| super::render(&summary, EMETTEUR).unwrap())
            .join()
            .unwrap()
    });
    assert!(first == elsewhere, "another thread renders other bytes");
    // The ID comes from the content.
    let mut other = summary.clone();
    other.total_sous_seuil += Decimal::ONE;
    let other = super::render(&other, EMETTEUR).unwrap();
    let id = |pdf: &[u8]| {
        Document::load_mem(pdf)
            .unwrap()
            .trailer
            .get(b"ID")
            .unwrap()
            .clone()
    };
    assert_ne!(id(&first), id(&other));
    let doc = Document::load_mem(&first).unwrap();
    let info = doc
        .get_dictionary(doc.trailer.get(b"Info").unwrap().as_reference().unwrap())
        .unwrap();
    assert_eq!(
        info.get(b"CreationDate").unwrap().as_str().unwrap(),
        b"D:20270115000000+00'00'"
    );
}

#[test]
fn top_ten_is_ordered_and_ties_go_by_number() {
    let grid = grid();
    // Fourteen identical members: equal totals, so the ten first numbers.
    let members: Vec<Member> = (0..14)
        .map(|i| {
            member(
                &grid,
                i + 2,
                &format!("C-{i}"),
                &format!("Commune {i}"),
                MemberKind::Commune,
                100,
                true,
                &[("certificat", "1")],
            )
        })
        .chain(std::iter::once(member(
            &grid,
            20,
            "C-big",
            "Grande commune",
            MemberKind::Commune,
            12_000,
            true,
            &[("forfait_metiers", "1")],
        )))
        .collect();
    let outcomes = priced_and_numbered(&grid, members);
    let summary = summary_of(&grid, &outcomes, 0);
    let numbers: Vec<&str> = summary
        .plus_gros_appels
        .iter()
        .map(|g| g.numero.as_str())
        .collect();
    assert_eq!(
        numbers,
        [
            "AC-2027-00015",
            "AC-2027-00001",
            "AC-2027-00002",
            "AC-2027-00003",
            "AC-2027-00004",
            "AC-2027-00005",
            "AC-2027-00006",
            "AC-2027-00007",
            "AC-2027-00008",
            "AC-2027-00009"
        ]
    );
    // The same whatever the order the builder sees them in.
    let mut reversed = outcomes.clone();
    reversed.reverse();
    assert_eq!(
        summary_of(&grid, &reversed, 0).plus_gros_appels,
        summary.plus_gros_appels
    );
}

#[test]
fn long_item_lists_flow_onto_more_pages_with_the_header_repeated() {
    let grid = grid();
    let mut summary = summary_of(&grid, &outcomes(&grid), 0);
    summary.par_article = (1..=90)
        .map(|i| ItemTotal {
            code: format!("article_{i}"),
            libelle: format!("Prestation numéro {i}"),
            appels: 1,
            quantite: Decimal::ONE,
            montant_ht: Decimal::from(i),
        })
        .collect();
    let pdf = super::render(&summary, EMETTEUR).unwrap();
    let pages = page_texts(&pdf);
    assert!(pages.len() >= 4, "{} pages", pages.len());
    let runs = all_runs(&pages);
    for i in 1..=90 {
        let libelle = format!("Prestation numéro {i}");
        let amount = fr(Decimal::from(i));
        assert!(
            has_row(&runs, &[&libelle, "1", "1", &amount]),
            "{libelle} in the table"
        );
    }
    // Every page holding table rows starts them under the header.
    for page in &pages {
        if page
            .iter()
            .any(|r| r == "Prestation numéro 90" || r == "Prestation numéro 50")
        {
            assert!(page.iter().any(|r| r == "Article"), "{page:?}");
        }
        assert!(
            page.iter()
                .any(|r| r == "Rapport du lot d'appels de cotisation — exercice 2027"),
            "title or running header on every page"
        );
    }
    // Twelve bars, then the other 78 summed in one hatched bar.
    let rest: Decimal = (1..=78).map(Decimal::from).sum();
    assert!(has_row(&runs, &["Autres articles (78)"]), "{runs:?}");
    assert!(runs.contains(&fr(rest)));
}

#[test]
fn an_empty_batch_still_renders() {
    let grid = grid();
    let summary = summary_of(&grid, &[], 3);
    let pdf = super::render(&summary, EMETTEUR).unwrap();
    let runs = all_runs(&page_texts(&pdf));
    assert!(has_row(&runs, &["Numéros", "aucun appel émis"]), "{runs:?}");
    assert!(has_row(&runs, &["Appels émis", "0"]));
    assert!(has_row(&runs, &["Total TTC", "0,00 €"]));
    assert!(runs.iter().any(|r| r == "Aucun appel émis."));
    assert!(runs.iter().any(|r| r == "Aucun montant à représenter."));
}

#[test]
fn odd_names_are_printed_or_replaced_not_dropped() {
    let grid = grid();
    let mut outcomes = outcomes(&grid);
    if let Outcome::Billed(a) = &mut outcomes[0] {
        a.membre.nom = "Commune\tde  北京 Łódź 😀".into();
    }
    let summary = summary_of(&grid, &outcomes, 0);
    let pdf = super::render(&summary, EMETTEUR).unwrap();
    let runs = all_runs(&page_texts(&pdf));
    assert!(
        runs.iter().any(|r| r.starts_with("Commune de ?? Łódź ?")),
        "{runs:?}"
    );
}

/// Text boxes of a page: left, bottom, right, top (points).
fn boxes(fonts: &Fonts, items: &[Item]) -> Vec<(f32, f32, f32, f32, String)> {
    items
        .iter()
        .filter_map(|item| match item {
            Item::Text {
                x,
                y,
                size,
                face,
                text,
                ..
            } => {
                let units: u32 = text
                    .chars()
                    .map(|c| u32::from(fonts.advance(*face, c).unwrap_or(0)))
                    .sum();
                #[allow(clippy::cast_precision_loss)]
                let width = units as f32 * size / 1000.0;
                Some((*x, y - 0.2 * size, x + width, y + 0.75 * size, text.clone()))
            }
            _ => None,
        })
        .collect()
}

#[test]
fn nothing_overlaps_and_everything_stays_inside_the_margins() {
    let grid = grid();
    let fonts = Fonts::load().unwrap();
    let mut summary = summary_of(&grid, &outcomes(&grid), 2);
    // Long names and many items, to exercise wrapping and page breaks.
    summary.plus_gros_appels[0].membre_nom =
        "Communauté de communes du Pays de Honfleur-Beuzeville et de la Côte Fleurie réunies"
            .into();
    summary.par_article.extend((1..=40).map(|i| ItemTotal {
        code: format!("a{i}"),
        libelle: format!(
            "Plateforme de stockage et partage de fichiers avec suite bureautique en ligne, lot {i}"
        ),
        appels: 3,
        quantite: d("1234.5"),
        montant_ht: Decimal::from(1_000 * i),
    }));
    let pages = layout::layout(&summary, EMETTEUR, &fonts);
    let left = 20.0 * 72.0 / 25.4 - 0.01;
    let right = layout::PAGE_WIDTH - left;
    for (n, page) in pages.iter().enumerate() {
        let b = boxes(&fonts, &page.items);
        for (x1, y1, x2, y2, text) in &b {
            assert!(
                *x1 >= left && *x2 <= right && *y1 > 0.0 && *y2 < layout::PAGE_HEIGHT,
                "page {}: {text:?} at {x1}..{x2}, {y1}..{y2}",
                n + 1
            );
        }
        for (i, a) in b.iter().enumerate() {
            for c in &b[i + 1..] {
                let apart = a.2 <= c.0 + 0.01
                    || c.2 <= a.0 + 0.01
                    || a.3 <= c.1 + 0.01
                    || c.3 <= a.1 + 0.01;
                assert!(apart, "page {}: {:?} overlaps {:?}", n + 1, a, c);
            }
        }
        for item in &page.items {
            if let Item::Fill { x, width, .. } = item {
                assert!(
                    *x >= left - 1.0 && x + width <= right + 1.0,
                    "fill {item:?}"
                );
            }
        }
    }
    assert!(pages.len() >= 3);
    let faces: Vec<Face> = pages
        .iter()
        .flat_map(|p| &p.items)
        .filter_map(|i| match i {
            Item::Text { face, .. } => Some(*face),
            _ => None,
        })
        .collect();
    assert!(faces.contains(&Face::Regular) && faces.contains(&Face::Bold));
}

#[test]
fn summary_json_has_the_new_aggregates() {
    let grid = grid();
    let summary = summary_of(&grid, &outcomes(&grid), 0);
    let json: serde_json::Value = serde_json::from_slice(&summary.to_json()).unwrap();
    let tranches = json["par_tranche"].as_array().unwrap();
    assert_eq!(tranches.len(), 8);
    assert_eq!(json["tranche_non_affiliee"], 8);
    assert_eq!(json["par_type"][0]["type"], "commune");
    assert_eq!(json["plus_gros_appels"].as_array().unwrap().len(), 6);
    let ht: Decimal = tranches
        .iter()
        .map(|t| d(t["montant_ht"].as_str().unwrap()))
        .sum();
    assert_eq!(ht, summary.total_ht);
    let kinds: Decimal = summary.par_type.iter().map(|t| t.montant_ht).sum();
    assert_eq!(kinds, summary.total_ht);
}
