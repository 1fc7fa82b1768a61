//! Year-over-year comparison of two ledgers (`cotisations compare`): pure
//! logic, no file I/O.
//!
//! ```text
//! ledger bytes ──parse_ledger──► Ledger (per member, per item code, HT)
//! Ledger N-1 + Ledger N ──compare──► Comparison (explanation parts, per-member changes)
//! Comparison ──render_text──► terminal report   ──render_csv──► CSV detail
//! ```
//!
//! Amounts are summed per member and item code (several appels, credit
//! notes with negative amounts), in HT. The total variation is split into
//! parts that add up exactly, to the cent:
//!
//! ```text
//! total N − total N-1 = Σ new members' totals − Σ departed members' totals
//!                     + Σ continuing members Σ items (amount N − amount N-1)
//! ```
//!
//! The last term is split again: the items priced per tranche that a member
//! whose tranche changed kept both years (« changements de tranche »), then
//! every other change, grouped by item code. Which items are priced per
//! tranche is read from the ledgers themselves (a unit price that depends on
//! the tranche, and only on it), since they carry no grid.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use rust_decimal::{Decimal, RoundingStrategy};

use crate::format_fr::{self, NBSP};
use crate::money::Montant;

/// Why a ledger cannot be read: the ledger reader's error.
pub use crate::ledger::read::LedgerError as ReadError;

/// One member's lines of a ledger, summed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberTotals {
    /// Name on the member's last line.
    pub nom: String,
    /// Tier on the member's last line (the most recent appel).
    pub tranche: String,
    /// Item code → HT amount, summed over every appel of the member.
    pub items: BTreeMap<String, Montant>,
    pub total_ht: Montant,
}

/// A ledger, aggregated per member and item code.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Ledger {
    /// The `exercice` values found (usually one).
    pub exercices: BTreeSet<String>,
    /// Number of data lines.
    pub lines: usize,
    pub total_ht: Montant,
    pub total_ttc: Montant,
    /// By `membre_id`.
    pub members: BTreeMap<String, MemberTotals>,
    /// Item code → label (last seen).
    pub libelles: BTreeMap<String, String>,
    /// Item code → tranche → distinct non-zero absolute unit prices.
    unit_prices: BTreeMap<String, BTreeMap<String, BTreeSet<Decimal>>>,
}

/// Reads a ledger written by `cotisations run` (any dialect and encoding
/// it writes: `crate::ledger::read`) and sums it per member and item code.
///
/// # Errors
/// The reader's: an empty file, a header without the needed columns, a
/// broken line, an empty member id or code, an unreadable or sub-cent
/// amount.
pub fn parse_ledger(bytes: &[u8]) -> Result<Ledger, ReadError> {
    let read = crate::ledger::read::read(bytes, None)?;
    let mut ledger = Ledger::default();
    for row in read.rows {
        ledger.lines += 1;
        ledger.total_ht = ledger.total_ht + row.montant_ht;
        ledger.total_ttc = ledger.total_ttc + row.montant_ttc;
        if !row.exercice.is_empty() {
            ledger.exercices.insert(row.exercice.clone());
        }
        if !row.libelle.is_empty() {
            ledger
                .libelles
                .insert(row.code.clone(), row.libelle.clone());
        }
        let prix = row.prix_unitaire.decimal();
        if !prix.is_zero() {
            ledger
                .unit_prices
                .entry(row.code.clone())
                .or_default()
                .entry(row.tranche.clone())
                .or_default()
                .insert(prix.abs());
        }
        let member = ledger
            .members
            .entry(row.membre_id)
            .or_insert_with(|| MemberTotals {
                nom: String::new(),
                tranche: String::new(),
                items: BTreeMap::new(),
                total_ht: Montant::ZERO,
            });
        member.nom = row.membre_nom;
        member.tranche = row.tranche;
        let item = member.items.entry(row.code).or_default();
        *item = *item + row.montant_ht;
        member.total_ht = member.total_ht + row.montant_ht;
    }
    Ok(ledger)
}

/// Where a member stands between the two ledgers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Statut {
    /// Only in ledger N.
    Nouveau,
    /// Only in ledger N-1.
    Parti,
    /// In both.
    Maintenu,
}

impl Statut {
    /// The word of the report and of the CSV.
    #[must_use]
    pub fn mot(self) -> &'static str {
        match self {
            Statut::Nouveau => "nouveau",
            Statut::Parti => "parti",
            Statut::Maintenu => "maintenu",
        }
    }
}

/// One item of one member, both years.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemChange {
    pub code: String,
    pub precedent: Montant,
    pub actuel: Montant,
    pub variation: Montant,
    /// Counted in « changements de tranche » rather than under its code.
    pub effet_tranche: bool,
}

/// One member, both years.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberChange {
    pub id: String,
    pub nom: String,
    pub statut: Statut,
    pub tranche_precedente: Option<String>,
    pub tranche_actuelle: Option<String>,
    pub precedent: Montant,
    pub actuel: Montant,
    pub variation: Montant,
    /// Sum of the items counted in « changements de tranche ».
    pub effet_tranche: Montant,
    /// Every item billed in either year, largest change first.
    pub items: Vec<ItemChange>,
}

impl MemberChange {
    /// A continuing member whose tranche number changed.
    #[must_use]
    pub fn tranche_changee(&self) -> bool {
        self.statut == Statut::Maintenu && self.tranche_precedente != self.tranche_actuelle
    }

    /// Anything to report about this member.
    #[must_use]
    pub fn a_change(&self) -> bool {
        self.statut != Statut::Maintenu
            || self.tranche_changee()
            || self.items.iter().any(|i| !i.variation.is_zero())
    }

    /// The items that belong in the CSV detail.
    pub fn lignes_csv(&self) -> impl Iterator<Item = &ItemChange> {
        self.items
            .iter()
            .filter(|i| self.statut != Statut::Maintenu || !i.variation.is_zero())
    }
}

/// A cause of the total variation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cause {
    NouveauxAdherents,
    Departs,
    ChangementsDeTranche,
    /// Other changes of continuing members on one item code.
    Article(String),
}

/// One row of the explanation table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    pub cause: Cause,
    /// Members concerned.
    pub adherents: usize,
    pub montant: Montant,
}

/// One ledger, summed up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Side {
    pub exercices: Vec<String>,
    pub lines: usize,
    pub members: usize,
    pub total_ht: Montant,
    pub total_ttc: Montant,
}

impl Side {
    fn of(l: &Ledger) -> Side {
        Side {
            exercices: l.exercices.iter().cloned().collect(),
            lines: l.lines,
            members: l.members.len(),
            total_ht: l.total_ht,
            total_ttc: l.total_ttc,
        }
    }
}

/// The comparison of two ledgers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comparison {
    pub precedent: Side,
    pub actuel: Side,
    /// `actuel.total_ht − precedent.total_ht`.
    pub variation_ht: Montant,
    /// The explanation: new members, departures, tranche changes, then one
    /// row per item code (largest first). Sums to `variation_ht` exactly.
    pub parts: Vec<Part>,
    /// Every member of either ledger, largest absolute variation first.
    pub members: Vec<MemberChange>,
    /// Item codes found to be priced per tranche.
    pub articles_par_tranche: BTreeSet<String>,
    /// Item code → label.
    pub libelles: BTreeMap<String, String>,
}

impl Comparison {
    /// Sum of the explanation parts (equal to `variation_ht`).
    #[must_use]
    pub fn explained(&self) -> Montant {
        self.parts.iter().map(|p| p.montant).sum()
    }

    /// The part of one cause (zero when absent).
    #[must_use]
    pub fn part(&self, cause: &Cause) -> Montant {
        self.parts
            .iter()
            .filter(|p| &p.cause == cause)
            .map(|p| p.montant)
            .sum()
    }
}

/// Codes whose unit price depends on the tranche, read from the ledgers:
///
/// - several prices within one tranche of one ledger: a quoted item (« devis »), no;
/// - several prices across the tiers of one ledger: yes;
/// - one price shared by several tiers of one ledger: a unit price, no;
/// - otherwise each ledger bills the item in one tranche only: yes when both
///   the tranche and the price differ between the two ledgers.
fn per_tranche_codes(a: &Ledger, b: &Ledger) -> BTreeSet<String> {
    let codes: BTreeSet<&String> = a.unit_prices.keys().chain(b.unit_prices.keys()).collect();
    codes
        .into_iter()
        .filter(|code| {
            let sides: Vec<&BTreeMap<String, BTreeSet<Decimal>>> = [a, b]
                .iter()
                .filter_map(|l| l.unit_prices.get(*code))
                .collect();
            if sides.iter().any(|t| t.values().any(|p| p.len() > 1)) {
                return false;
            }
            let distinct = |t: &BTreeMap<String, BTreeSet<Decimal>>| {
                t.values().flatten().collect::<BTreeSet<_>>().len()
            };
            if sides.iter().any(|t| distinct(t) > 1) {
                return true;
            }
            if sides.iter().any(|t| t.len() > 1) {
                return false;
            }
            match sides.as_slice() {
                [x, y] => x.keys().ne(y.keys()) && x.values().ne(y.values()),
                _ => false,
            }
        })
        .cloned()
        .collect()
}

fn abs(m: Montant) -> Montant {
    if m.is_negative() { -m } else { m }
}

fn sub(a: Montant, b: Montant) -> Montant {
    a + -b
}

/// What changed for the member `id` between the two ledgers, item by item.
fn member_change(
    id: &String,
    previous: &Ledger,
    current: &Ledger,
    per_tranche: &BTreeSet<String>,
) -> MemberChange {
    let (p, c) = (previous.members.get(id), current.members.get(id));
    let statut = match (p, c) {
        (Some(_), Some(_)) => Statut::Maintenu,
        (None, _) => Statut::Nouveau,
        (_, None) => Statut::Parti,
    };
    let tranche_changee = matches!((p, c), (Some(p), Some(c)) if p.tranche != c.tranche);
    let codes: BTreeSet<&String> = p
        .iter()
        .chain(c.iter())
        .flat_map(|m| m.items.keys())
        .collect();
    let amount = |m: Option<&MemberTotals>, code: &String| {
        m.and_then(|m| m.items.get(code))
            .copied()
            .unwrap_or_default()
    };
    let mut items: Vec<ItemChange> = codes
        .into_iter()
        .map(|code| {
            let (precedent, actuel) = (amount(p, code), amount(c, code));
            ItemChange {
                code: code.clone(),
                precedent,
                actuel,
                variation: sub(actuel, precedent),
                // A per-tranche item kept both years by a member whose tranche
                // changed: its variation is the effect of the new tranche.
                effet_tranche: tranche_changee
                    && per_tranche.contains(code)
                    && !precedent.is_zero()
                    && !actuel.is_zero(),
            }
        })
        .collect();
    items.sort_by(|x, y| {
        abs(y.variation)
            .cmp(&abs(x.variation))
            .then_with(|| x.code.cmp(&y.code))
    });
    let total = |m: Option<&MemberTotals>| m.map(|m| m.total_ht).unwrap_or_default();
    let (precedent, actuel) = (total(p), total(c));
    MemberChange {
        id: id.clone(),
        nom: c.or(p).map(|m| m.nom.clone()).unwrap_or_default(),
        statut,
        tranche_precedente: p.map(|m| m.tranche.clone()),
        tranche_actuelle: c.map(|m| m.tranche.clone()),
        precedent,
        actuel,
        variation: sub(actuel, precedent),
        effet_tranche: items
            .iter()
            .filter(|i| i.effet_tranche)
            .map(|i| i.variation)
            .sum(),
        items,
    }
}

/// The variation split into its causes: newcomers, departures, tranche
/// changes, then each item's other variations, largest first.
fn explanation(members: &[MemberChange]) -> Vec<Part> {
    let with = |s: Statut| members.iter().filter(move |m| m.statut == s);
    let mut parts = vec![
        Part {
            cause: Cause::NouveauxAdherents,
            adherents: with(Statut::Nouveau).count(),
            montant: with(Statut::Nouveau).map(|m| m.actuel).sum(),
        },
        Part {
            cause: Cause::Departs,
            adherents: with(Statut::Parti).count(),
            montant: -with(Statut::Parti).map(|m| m.precedent).sum::<Montant>(),
        },
        Part {
            cause: Cause::ChangementsDeTranche,
            adherents: members.iter().filter(|m| m.tranche_changee()).count(),
            montant: members.iter().map(|m| m.effet_tranche).sum(),
        },
    ];
    let mut by_code: BTreeMap<&str, (usize, Montant)> = BTreeMap::new();
    for m in with(Statut::Maintenu) {
        for i in m.items.iter().filter(|i| !i.effet_tranche) {
            if !i.variation.is_zero() {
                let e = by_code.entry(&i.code).or_default();
                e.0 += 1;
                e.1 = e.1 + i.variation;
            }
        }
    }
    let mut articles: Vec<Part> = by_code
        .into_iter()
        .filter(|(_, (_, m))| !m.is_zero())
        .map(|(code, (adherents, montant))| Part {
            cause: Cause::Article(code.to_string()),
            adherents,
            montant,
        })
        .collect();
    articles.sort_by_key(|p| Reverse(abs(p.montant)));
    parts.extend(articles);
    parts
}

/// Compares ledger N-1 (`previous`) with ledger N (`current`).
///
/// # Panics
/// If the explanation parts do not add up to the total variation (a bug:
/// the split is exact by construction).
#[must_use]
pub fn compare(previous: &Ledger, current: &Ledger) -> Comparison {
    let per_tranche = per_tranche_codes(previous, current);
    let ids: BTreeSet<&String> = previous
        .members
        .keys()
        .chain(current.members.keys())
        .collect();
    let mut members: Vec<MemberChange> = ids
        .into_iter()
        .map(|id| member_change(id, previous, current, &per_tranche))
        .collect();
    members.sort_by(|x, y| {
        abs(y.variation)
            .cmp(&abs(x.variation))
            .then_with(|| x.id.cmp(&y.id))
    });

    let parts = explanation(&members);

    let mut libelles = previous.libelles.clone();
    libelles.extend(current.libelles.clone());
    let comparison = Comparison {
        precedent: Side::of(previous),
        actuel: Side::of(current),
        variation_ht: sub(current.total_ht, previous.total_ht),
        parts,
        members,
        articles_par_tranche: per_tranche,
        libelles,
    };
    assert_eq!(
        comparison.explained(),
        comparison.variation_ht,
        "the explanation parts must add up to the total variation, to the cent"
    );
    comparison
}

/// `variation / |base|` in percent, rounded to 0.1 (half away from zero);
/// `None` when the base is zero.
#[must_use]
pub fn percent(variation: Montant, base: Montant) -> Option<Decimal> {
    if base.is_zero() {
        return None;
    }
    variation
        .decimal()
        .checked_mul(Decimal::ONE_HUNDRED)?
        .checked_div(base.decimal().abs())
        .map(|p| p.round_dp_with_strategy(1, RoundingStrategy::MidpointAwayFromZero))
}

/// `+1 119,00 €`, `-7,50 €`, `0,00 €`.
fn signed(m: Montant) -> String {
    if m > Montant::ZERO {
        format!("+{}", format_fr::montant(m))
    } else {
        format_fr::montant(m)
    }
}

/// `+4,3 %`, `-12,0 %`, `0,0 %`.
fn signed_percent(p: Decimal) -> String {
    let text = format!("{:.1}", p.abs());
    let (int, frac) = text.split_once('.').unwrap_or((&text, "0"));
    let int = int
        .parse::<u64>()
        .map_or_else(|_| int.to_string(), format_fr::integer);
    let sign = if p.is_zero() {
        ""
    } else if p.is_sign_negative() {
        "-"
    } else {
        "+"
    };
    format!("{sign}{int},{frac}{NBSP}%")
}

fn percent_text(variation: Montant, base: Montant) -> String {
    percent(variation, base).map_or_else(|| "sans objet".to_string(), signed_percent)
}

/// Cuts `text` to `width` characters, with « … » when cut.
fn clip(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        text.to_string()
    } else {
        let mut s: String = text.chars().take(width.saturating_sub(1)).collect();
        s.push('…');
        s
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n > 1 { many } else { one })
}

#[derive(Clone, Copy)]
enum Align {
    Left,
    Right,
}

enum Row {
    Cells(Vec<String>),
    Rule,
}

/// Aligned columns, two spaces apart, indented by two.
fn table(out: &mut String, aligns: &[Align], rows: &[Row]) {
    let mut widths = vec![0; aligns.len()];
    for row in rows {
        if let Row::Cells(cells) = row {
            for (w, cell) in widths.iter_mut().zip(cells) {
                *w = (*w).max(cell.chars().count());
            }
        }
    }
    let full = widths.iter().sum::<usize>() + 2 * widths.len().saturating_sub(1);
    for row in rows {
        let line = match row {
            Row::Rule => "─".repeat(full),
            Row::Cells(cells) => {
                let mut line = String::new();
                for (i, ((cell, w), align)) in cells.iter().zip(&widths).zip(aligns).enumerate() {
                    if i > 0 {
                        line.push_str("  ");
                    }
                    let pad = " ".repeat(w.saturating_sub(cell.chars().count()));
                    match align {
                        Align::Left => {
                            line.push_str(cell);
                            line.push_str(&pad);
                        }
                        Align::Right => {
                            line.push_str(&pad);
                            line.push_str(cell);
                        }
                    }
                }
                line
            }
        };
        let _ = writeln!(out, "  {}", line.trim_end());
    }
}

fn cells<const N: usize>(cells: [String; N]) -> Row {
    Row::Cells(cells.into())
}

/// Width of member names on the terminal.
const NAME_WIDTH: usize = 30;

fn tranche_text(m: &MemberChange) -> String {
    match (&m.tranche_precedente, &m.tranche_actuelle) {
        (Some(p), Some(c)) if p != c => format!("tranche {p} → {c}"),
        (_, Some(t)) | (Some(t), None) => format!("tranche {t}"),
        (None, None) => String::new(),
    }
}

fn exercices_text(side: &Side) -> String {
    match side.exercices.as_slice() {
        [] => "exercice non indiqué".to_string(),
        [one] => format!("exercice {one}"),
        many => format!("exercices {}", many.join(", ")),
    }
}

/// The report for the terminal. `limit` caps each member list (the CSV
/// holds them all).
#[must_use]
pub fn render_text(c: &Comparison, previous: &str, current: &str, limit: usize) -> String {
    let mut s = String::new();
    text_header(&mut s, c, previous, current);
    text_totals(&mut s, c);
    text_counts(&mut s, c);
    text_explanation(&mut s, c);
    text_lists(&mut s, c, limit);
    text_detail(&mut s, c, limit);
    s
}

/// The title and the two ledgers compared.
fn text_header(s: &mut String, c: &Comparison, previous: &str, current: &str) {
    let _ = writeln!(
        s,
        "Comparaison des appels de cotisation : montants HT (totaux TTC pour information)"
    );
    for (label, side, path) in [
        ("Précédent", &c.precedent, previous),
        ("Actuel   ", &c.actuel, current),
    ] {
        let _ = writeln!(
            s,
            "  {label} : {}, {}, {} — {path}",
            exercices_text(side),
            plural(side.members, "adhérent", "adhérents"),
            plural(side.lines, "ligne", "lignes"),
        );
    }
}

/// The table of totals, before and after.
fn text_totals(s: &mut String, c: &Comparison) {
    // Totals.
    let _ = writeln!(s);
    let total_row = |label: &str, p: Montant, a: Montant| {
        let v = sub(a, p);
        cells([
            label.to_string(),
            format_fr::montant(p),
            format_fr::montant(a),
            signed(v),
            percent_text(v, p),
        ])
    };
    table(
        s,
        &[
            Align::Left,
            Align::Right,
            Align::Right,
            Align::Right,
            Align::Right,
        ],
        &[
            cells([
                String::new(),
                "Précédent".into(),
                "Actuel".into(),
                "Variation".into(),
                "%".into(),
            ]),
            total_row("Total HT", c.precedent.total_ht, c.actuel.total_ht),
            total_row("Total TTC", c.precedent.total_ttc, c.actuel.total_ttc),
        ],
    );
}

/// How many members stayed, changed tranche, came and left.
fn text_counts(s: &mut String, c: &Comparison) {
    // Members.
    let count = |st: Statut| c.members.iter().filter(|m| m.statut == st).count();
    let maintenus = count(Statut::Maintenu);
    let tranche = c.members.iter().filter(|m| m.tranche_changee()).count();
    let stables = c
        .members
        .iter()
        .filter(|m| m.statut == Statut::Maintenu && !m.a_change())
        .count();
    let _ = writeln!(
        s,
        "\nAdhérents : {} (dont {} de tranche, {} sans aucune variation), {}, {}",
        plural(maintenus, "maintenu", "maintenus"),
        plural(tranche, "changement", "changements"),
        stables,
        plural(count(Statut::Nouveau), "nouveau", "nouveaux"),
        plural(count(Statut::Parti), "départ", "départs"),
    );
}

/// The explanation of the variation, cause by cause.
fn text_explanation(s: &mut String, c: &Comparison) {
    // Explanation.
    let _ = writeln!(s, "\nExplication de la variation HT");
    let mut rows = Vec::new();
    let mut header_done = false;
    for p in &c.parts {
        let label = match &p.cause {
            Cause::NouveauxAdherents => format!("Nouveaux adhérents ({})", p.adherents),
            Cause::Departs => format!("Départs ({})", p.adherents),
            Cause::ChangementsDeTranche => format!(
                "Changements de tranche ({}, articles à prix par tranche)",
                plural(p.adherents, "adhérent", "adhérents")
            ),
            Cause::Article(code) => {
                if !header_done {
                    rows.push(cells([
                        "Autres variations des adhérents maintenus, par article :".into(),
                        String::new(),
                    ]));
                    header_done = true;
                }
                let libelle = c
                    .libelles
                    .get(code)
                    .map_or(String::new(), |l| format!(" — {}", clip(l, 40)));
                format!(
                    "  {code}{libelle} ({})",
                    plural(p.adherents, "adhérent", "adhérents")
                )
            }
        };
        rows.push(cells([label, signed(p.montant)]));
    }
    if !header_done {
        rows.push(cells([
            "Autres variations des adhérents maintenus".into(),
            signed(Montant::ZERO),
        ]));
    }
    rows.push(Row::Rule);
    rows.push(cells(["Variation totale HT".into(), signed(c.explained())]));
    table(s, &[Align::Left, Align::Right], &rows);
    if !c.articles_par_tranche.is_empty() {
        let list: Vec<&str> = c.articles_par_tranche.iter().map(String::as_str).collect();
        let _ = writeln!(
            s,
            "  Articles à prix par tranche (déduits des journaux) : {}",
            list.join(", ")
        );
    }
}

/// The lists of newcomers, departures and tranche changes.
fn text_lists(s: &mut String, c: &Comparison, limit: usize) {
    // Member lists.
    let list = |s: &mut String, title: &str, members: Vec<&MemberChange>, tranche: bool| {
        if members.is_empty() {
            return;
        }
        let _ = writeln!(s, "\n{title} ({})", members.len());
        let mut rows: Vec<Row> = Vec::new();
        if tranche {
            rows.push(cells([
                "Adhérent".into(),
                "Nom".into(),
                "Tranche".into(),
                "Effet tranche".into(),
                "Variation".into(),
            ]));
        }
        for m in members.iter().take(limit) {
            let mut row = vec![m.id.clone(), clip(&m.nom, NAME_WIDTH), tranche_text(m)];
            if tranche {
                row.push(signed(m.effet_tranche));
            }
            row.push(signed(m.variation));
            rows.push(Row::Cells(row));
        }
        let aligns = [
            Align::Left,
            Align::Left,
            Align::Left,
            Align::Right,
            Align::Right,
        ];
        table(s, &aligns[..if tranche { 5 } else { 4 }], &rows);
        if members.len() > limit {
            let _ = writeln!(
                s,
                "  … et {} (voir --csv)",
                plural(members.len() - limit, "autre", "autres")
            );
        }
    };
    let by = |st: Statut| c.members.iter().filter(|m| m.statut == st).collect();
    list(s, "Nouveaux adhérents", by(Statut::Nouveau), false);
    list(s, "Départs", by(Statut::Parti), false);
    list(
        s,
        "Changements de tranche",
        c.members.iter().filter(|m| m.tranche_changee()).collect(),
        true,
    );
}

/// The per-member detail, largest variation first.
fn text_detail(s: &mut String, c: &Comparison, limit: usize) {
    // Per-member detail.
    let changed: Vec<&MemberChange> = c.members.iter().filter(|m| m.a_change()).collect();
    if changed.is_empty() {
        let _ = writeln!(s, "\nAucun adhérent n'a changé d'une année sur l'autre.");
        return;
    }
    let _ = writeln!(
        s,
        "\nDétail par adhérent, par variation décroissante (en valeur absolue){}",
        if changed.len() > limit {
            format!(" : les {limit} premiers sur {}", changed.len())
        } else {
            String::new()
        }
    );
    let mut rows = vec![cells([
        "Adhérent".into(),
        "Nom / article".into(),
        "Statut".into(),
        "Précédent".into(),
        "Actuel".into(),
        "Variation".into(),
    ])];
    for m in changed.iter().take(limit) {
        rows.push(cells([
            m.id.clone(),
            clip(&m.nom, NAME_WIDTH),
            format!("{}, {}", m.statut.mot(), tranche_text(m)),
            format_fr::montant(m.precedent),
            format_fr::montant(m.actuel),
            signed(m.variation),
        ]));
        for i in m.items.iter().filter(|i| !i.variation.is_zero()) {
            rows.push(cells([
                String::new(),
                format!("  {}", i.code),
                if i.effet_tranche {
                    "effet de tranche".into()
                } else {
                    String::new()
                },
                format_fr::montant(i.precedent),
                format_fr::montant(i.actuel),
                signed(i.variation),
            ]));
        }
    }
    table(
        s,
        &[
            Align::Left,
            Align::Left,
            Align::Left,
            Align::Right,
            Align::Right,
            Align::Right,
        ],
        &rows,
    );
    if changed.len() > limit {
        let _ = writeln!(
            s,
            "  … et {} (voir --csv)",
            plural(changed.len() - limit, "autre adhérent", "autres adhérents")
        );
    }
}

/// Header of the CSV detail.
pub const CSV_HEADER: [&str; 9] = [
    "membre_id",
    "membre_nom",
    "statut",
    "tranche_precedente",
    "tranche_actuelle",
    "code",
    "montant_precedent",
    "montant_actuel",
    "variation",
];

/// `1119.5` → `1119,50`: two decimals, decimal comma, no grouping.
fn csv_amount(m: Montant) -> String {
    crate::csv_out::CsvFormat::Francais.amount(m)
}

/// The CSV detail: one row per (member, item) change, members in the
/// report's order, then `TOTAL` with both ledgers' totals and their
/// difference, which is the sum of the `variation` column. `;` and
/// decimal comma, CRLF, like the ledger.
#[must_use]
pub fn render_csv(c: &Comparison, encoding: crate::csv_out::Encoding) -> Vec<u8> {
    use crate::csv_out::text;
    let mut rows: Vec<Vec<String>> = vec![CSV_HEADER.iter().map(|h| (*h).to_string()).collect()];
    for m in &c.members {
        for i in m.lignes_csv() {
            rows.push(vec![
                text(&m.id).into_owned(),
                text(&m.nom).into_owned(),
                m.statut.mot().to_string(),
                m.tranche_precedente.clone().unwrap_or_default(),
                m.tranche_actuelle.clone().unwrap_or_default(),
                text(&i.code).into_owned(),
                csv_amount(i.precedent),
                csv_amount(i.actuel),
                csv_amount(i.variation),
            ]);
        }
    }
    rows.push(vec![
        "TOTAL".into(),
        String::new(),
        String::new(),
        String::new(),
        String::new(),
        String::new(),
        csv_amount(c.precedent.total_ht),
        csv_amount(c.actuel.total_ht),
        csv_amount(c.variation_ht),
    ]);
    crate::csv_out::to_bytes(
        b';',
        encoding,
        rows.iter().map(|r| r.iter().map(String::as_str)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format_fr::parse_nombre;
    use proptest::prelude::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    fn m(s: &str) -> Montant {
        Montant::from_exact_cents(d(s)).unwrap()
    }

    const HEADER: &str = "exercice;numero;date_emission;date_echeance;membre_id;membre_nom;siret;type;tranche;code;libelle;quantite;unite;prix_unitaire;montant_ht;taux_tva;montant_tva;montant_ttc;imputation";

    /// A French ledger; rows are (id, tranche, code, quantity, unit price,
    /// HT amount), with 20 % VAT on `audit_*` items only.
    fn ledger(exercice: &str, rows: &[(&str, &str, &str, &str, &str, &str)]) -> String {
        let mut s = format!("{HEADER}\r\n");
        for (n, (id, tranche, code, q, prix, ht)) in rows.iter().enumerate() {
            let ht_d = parse_nombre(ht).unwrap();
            let tva = if code.starts_with("audit") {
                Montant::percent(Montant::round_cent(ht_d), d("20")).unwrap()
            } else {
                Montant::ZERO
            };
            let ttc = Montant::round_cent(ht_d) + tva;
            let _ = write!(
                s,
                "{exercice};AC-{exercice}-{:05};{exercice}-01-15;{exercice}-02-14;{id};Commune {id};00000000000000;commune;{tranche};{code};Libellé {code};{q};u;{prix};{ht};0,00;{};{};706\r\n",
                n + 1,
                csv_amount(tva),
                csv_amount(ttc)
            );
        }
        s
    }

    fn parse(text: &str) -> Ledger {
        parse_ledger(text.as_bytes()).unwrap()
    }

    /// N-1: A (tranche 3, forfait + 1 training day), B (departs), C (tranche 1),
    /// E and F (tranche 2 and 4, to show forfait is priced per tranche).
    /// N: A crosses to tranche 4 and takes 2 training days, D is new, C gets
    /// a credit note on a supplementary run, tariff of training unchanged.
    fn scenario() -> (Ledger, Ledger) {
        let previous = parse(&ledger(
            "2026",
            &[
                ("A", "3", "forfait", "1", "1984,00", "1984,00"),
                ("A", "3", "formation", "1", "400,00", "400,00"),
                ("B", "1", "forfait", "1", "1119,00", "1119,00"),
                ("B", "1", "audit", "0,5", "400,00", "200,00"),
                ("C", "1", "forfait", "1", "1119,00", "1119,00"),
                ("E", "2", "forfait", "1", "1467,00", "1467,00"),
                ("F", "4", "forfait", "1", "2728,00", "2728,00"),
            ],
        ));
        let current = parse(&ledger(
            "2027",
            &[
                ("A", "4", "forfait", "1", "2728,00", "2728,00"),
                ("A", "4", "formation", "2", "400,00", "800,00"),
                ("C", "1", "forfait", "1", "1119,00", "1119,00"),
                ("D", "2", "forfait", "1", "1467,00", "1467,00"),
                ("D", "2", "formation", "0,5", "400,00", "200,00"),
                ("E", "2", "forfait", "1", "1467,00", "1467,00"),
                ("F", "4", "forfait", "1", "2728,00", "2728,00"),
                // Supplementary run: C's training, then a credit note on it.
                ("C", "1", "formation", "1", "400,00", "400,00"),
                ("C", "1", "formation", "-1", "400,00", "-400,00"),
                ("C", "1", "certificat", "1", "80,00", "80,00"),
            ],
        ));
        (previous, current)
    }

    #[test]
    fn parts_add_up_with_new_departed_tier_and_quantity_changes() {
        let (previous, current) = scenario();
        let c = compare(&previous, &current);
        assert_eq!(c.precedent.total_ht, m("9017.00"));
        assert_eq!(c.actuel.total_ht, m("10589.00"));
        assert_eq!(c.variation_ht, m("1572.00"));
        assert_eq!(c.part(&Cause::NouveauxAdherents), m("1667.00"));
        assert_eq!(c.part(&Cause::Departs), m("-1319.00"));
        // A: forfait 1 984 → 2 728.
        assert_eq!(c.part(&Cause::ChangementsDeTranche), m("744.00"));
        // A: one more training day (not a tranche effect: unit-priced).
        assert_eq!(c.part(&Cause::Article("formation".into())), m("400.00"));
        assert_eq!(c.part(&Cause::Article("certificat".into())), m("80.00"));
        assert_eq!(c.explained(), c.variation_ht);
        assert_eq!(
            c.parts.iter().map(|p| &p.cause).collect::<Vec<_>>(),
            [
                &Cause::NouveauxAdherents,
                &Cause::Departs,
                &Cause::ChangementsDeTranche,
                &Cause::Article("formation".into()),
                &Cause::Article("certificat".into()),
            ]
        );
        assert_eq!(
            c.articles_par_tranche.iter().collect::<Vec<_>>(),
            ["forfait"]
        );
        // Largest absolute variation first: D +1 667, B −1 319, A +1 144…
        let order: Vec<&str> = c.members.iter().map(|m| m.id.as_str()).collect();
        assert_eq!(order, ["D", "B", "A", "C", "E", "F"]);
        let a = &c.members[2];
        assert_eq!(a.statut, Statut::Maintenu);
        assert!(a.tranche_changee());
        assert_eq!(a.effet_tranche, m("744.00"));
        assert_eq!(a.variation, m("1144.00"));
        assert!(!c.members[4].a_change(), "E did not change");
        // TTC: B's audit carried 40,00 € of VAT.
        assert_eq!(c.precedent.total_ttc, m("9057.00"));
        assert_eq!(c.actuel.total_ttc, m("10589.00"));
    }

    #[test]
    fn tier_change_on_an_item_not_kept_is_a_subscription_change() {
        // G changes tranche and subscribes parapheur: not a tranche effect.
        let previous = parse(&ledger(
            "2026",
            &[
                ("G", "2", "forfait", "1", "1467,00", "1467,00"),
                ("H", "3", "parapheur", "1", "173,00", "173,00"),
            ],
        ));
        let current = parse(&ledger(
            "2027",
            &[
                ("G", "3", "forfait", "1", "1984,00", "1984,00"),
                ("G", "3", "parapheur", "1", "173,00", "173,00"),
                ("H", "2", "parapheur", "1", "115,00", "115,00"),
            ],
        ));
        let c = compare(&previous, &current);
        assert_eq!(c.part(&Cause::ChangementsDeTranche), m("459.00")); // 517 − 58
        assert_eq!(c.part(&Cause::Article("parapheur".into())), m("173.00"));
        assert_eq!(c.explained(), c.variation_ht);
    }

    #[test]
    fn quoted_and_unit_items_are_not_per_tier() {
        let previous = parse(&ledger(
            "2026",
            &[
                ("A", "8", "antispam", "1", "180,00", "180,00"),
                ("B", "8", "antispam", "1", "960,00", "960,00"),
                ("C", "6", "antispam", "1", "245,50", "245,50"),
                ("A", "8", "certificat", "2", "80,00", "160,00"),
                ("C", "6", "certificat", "1", "80,00", "80,00"),
            ],
        ));
        let c = compare(&previous, &Ledger::default());
        assert!(c.articles_par_tranche.is_empty());
        assert_eq!(c.part(&Cause::Departs), m("-1625.50"));
        assert_eq!(
            percent(c.variation_ht, c.precedent.total_ht),
            Some(d("-100.0"))
        );
    }

    #[test]
    fn reads_the_rfc4180_dialect_and_decimal_edge_cases() {
        let text = "\u{feff}exercice,numero,date_emission,date_echeance,membre_id,membre_nom,siret,type,tranche,code,libelle,quantite,unite,prix_unitaire,montant_ht,taux_tva,montant_tva,montant_ttc,imputation\r\n\
2027,AC-2027-00001,2027-01-15,2027-02-14,C-1,\"Saint-Germain; « les Bruyères »\",1,commune,4,a,\"Lib, a\",0.1,u,1.00,0.10,0.00,0.00,0.10,706\r\n\
2027,AC-2027-00001,2027-01-15,2027-02-14,C-1,\"Saint-Germain; « les Bruyères »\",1,commune,4,a,\"Lib, a\",0.2,u,1.00,0.20,0.00,0.00,0.20,706\r\n\
2027,AC-2027-00002,2027-01-15,2027-02-14,C-2,Deux,1,commune,4,b,Lib b,1,u,0.10,-0.00,0.00,0.00,\"1 119,5\",706\r\n";
        let l = parse(text);
        assert_eq!(l.lines, 3);
        // 0.1 + 0.2 is exactly 0.3 (it would not be with floats).
        assert_eq!(l.members["C-1"].items["a"], m("0.30"));
        assert_eq!(l.members["C-1"].nom, "Saint-Germain; « les Bruyères »");
        assert_eq!(l.members["C-2"].total_ht, Montant::ZERO);
        assert_eq!(l.total_ht, m("0.30"));
        assert_eq!(l.total_ttc, m("1119.80"));
        assert_eq!(l.exercices.iter().collect::<Vec<_>>(), ["2027"]);
        assert_eq!(l.libelles["a"], "Lib, a");
    }

    #[test]
    fn windows_1252_ledger_is_read() {
        let text = ledger(
            "2027",
            &[("C-1", "1", "forfait", "1", "1119,00", "1119,00")],
        );
        let (bytes, _, _) = encoding_rs::WINDOWS_1252.encode(&text);
        let l = parse_ledger(&bytes).unwrap();
        assert_eq!(l.libelles["forfait"], "Libellé forfait");
    }

    #[test]
    fn refuses_what_is_not_a_ledger_with_the_line() {
        let err = |text: &str| parse_ledger(text.as_bytes()).unwrap_err();
        assert_eq!(err("").line, None);
        assert!(err(" \r\n").to_string().contains("vide"));
        let e = err("id;nom;type;population\nC-1;A;commune;12\n");
        assert_eq!(e.line, Some(1));
        assert!(
            e.to_string()
                .contains("colonnes absentes : numero, membre_id, membre_nom, tranche, code, prix_unitaire, montant_ht, montant_ttc"),
            "{e}"
        );
        let good = ledger("2027", &[("C-1", "1", "f", "1", "1119,00", "1119,00")]);
        let bad = |from: &str, to: &str| {
            let mut t = good.clone();
            t.push_str(&good.lines().nth(1).unwrap().replacen(from, to, 1));
            t.push_str("\r\n");
            err(&t)
        };
        let e = bad(";1119,00;0,00", ";11x9,00;0,00");
        assert_eq!(
            e.to_string(),
            "ligne 3 : montant_ht « 11x9,00 » illisible : attendu un montant comme 1 119,00 (virgule ou point décimal)"
        );
        let e = bad(";1119,00;0,00", ";1119,005;0,00");
        assert_eq!(e.line, Some(3));
        assert!(e.to_string().contains("plus de deux décimales"), "{e}");
        let e = bad(";1119,00;0,00", ";1000000000000,01;0,00");
        assert!(e.to_string().contains("hors limites"), "{e}");
        let e = bad(";1119,00;0,00", ";;0,00");
        assert_eq!(e.to_string(), "ligne 3 : montant_ht vide");
        let e = bad(";C-1;", ";;");
        assert_eq!(e.to_string(), "ligne 3 : membre_id vide");
        let e = bad(";706", ";706;extra");
        assert_eq!(e.line, Some(3));
        assert!(e.to_string().contains("20 champs au lieu de 19"), "{e}");
        let e = bad(";0,00;1119,00;706", ";0,00;NaN;706");
        assert!(
            e.to_string().contains("montant_ttc « NaN » illisible"),
            "{e}"
        );
        let e = bad(";Commune C-1;", ";Commune; C-1;");
        assert!(e.to_string().contains("20 champs au lieu de 19"), "{e}");
        // Excel's trailing empty cells are not a shift.
        let mut t = good.clone();
        t.push_str(&good.lines().nth(1).unwrap().replace("C-1", "C-2"));
        t.push_str(";;\r\n");
        assert_eq!(parse(&t).members.len(), 2);
        let e = bad(";0,00;1119,00;706", ";0,00;NaN;706");
        assert!(
            e.to_string().contains("montant_ttc « NaN » illisible"),
            "{e}"
        );
    }

    #[test]
    fn percent_is_rounded_to_a_tenth_half_away_from_zero() {
        assert_eq!(percent(m("1"), m("2000")), Some(d("0.1"))); // 0.05 %
        assert_eq!(percent(m("-1"), m("2000")), Some(d("-0.1")));
        assert_eq!(percent(m("1"), m("3")), Some(d("33.3")));
        assert_eq!(percent(m("2"), m("3")), Some(d("66.7")));
        assert_eq!(percent(m("5"), Montant::ZERO), None);
        assert_eq!(percent(m("10"), m("-100")), Some(d("10.0")));
        assert_eq!(signed_percent(d("1234.5")), "+1\u{a0}234,5\u{a0}%");
        assert_eq!(signed_percent(d("-0.1")), "-0,1\u{a0}%");
        assert_eq!(signed_percent(d("0.0")), "0,0\u{a0}%");
        assert_eq!(signed(m("1119")), "+1\u{a0}119,00\u{a0}€");
        assert_eq!(signed(m("-0.5")), "-0,50\u{a0}€");
        assert_eq!(signed(Montant::ZERO), "0,00\u{a0}€");
    }

    #[test]
    fn text_report_explains_the_variation() {
        let (previous, current) = scenario();
        let c = compare(&previous, &current);
        let text = render_text(&c, "n-1/ledger.csv", "n/ledger.csv", 20).replace(NBSP, " ");
        let squeezed: String = text
            .lines()
            .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
            .collect::<Vec<_>>()
            .join("\n");
        for needle in [
            "Comparaison des appels de cotisation : montants HT (totaux TTC pour information)",
            "Précédent : exercice 2026, 5 adhérents, 7 lignes — n-1/ledger.csv",
            "Actuel : exercice 2027, 5 adhérents, 10 lignes — n/ledger.csv",
            "Précédent Actuel Variation %",
            "Total HT 9 017,00 € 10 589,00 € +1 572,00 € +17,4 %",
            "Total TTC 9 057,00 € 10 589,00 € +1 532,00 € +16,9 %",
            "Adhérents : 4 maintenus (dont 1 changement de tranche, 2 sans aucune variation), 1 nouveau, 1 départ",
            "Explication de la variation HT\n\
             Nouveaux adhérents (1) +1 667,00 €\n\
             Départs (1) -1 319,00 €\n\
             Changements de tranche (1 adhérent, articles à prix par tranche) +744,00 €\n\
             Autres variations des adhérents maintenus, par article :\n\
             formation — Libellé formation (1 adhérent) +400,00 €\n\
             certificat — Libellé certificat (1 adhérent) +80,00 €\n",
            "Variation totale HT +1 572,00 €",
            "Articles à prix par tranche (déduits des journaux) : forfait",
            "Nouveaux adhérents (1)\nD Commune D tranche 2 +1 667,00 €",
            "Départs (1)\nB Commune B tranche 1 -1 319,00 €",
            "A Commune A tranche 3 → 4 +744,00 € +1 144,00 €",
            "A Commune A maintenu, tranche 3 → 4 2 384,00 € 3 528,00 € +1 144,00 €\n\
             forfait effet de tranche 1 984,00 € 2 728,00 € +744,00 €\n\
             formation 400,00 € 800,00 € +400,00 €",
            "D Commune D nouveau, tranche 2 0,00 € 1 667,00 € +1 667,00 €",
            "B Commune B parti, tranche 1 1 319,00 € 0,00 € -1 319,00 €",
        ] {
            assert!(squeezed.contains(needle), "{needle:?} missing in\n{text}");
        }
        // Amounts are right-aligned: the explanation's euro signs line up.
        let ends: BTreeSet<usize> = text
            .lines()
            .skip_while(|l| !l.starts_with("Explication"))
            .skip(1)
            .take_while(|l| !l.is_empty())
            .filter(|l| l.ends_with('€'))
            .map(|l| l.chars().count())
            .collect();
        assert_eq!(ends.len(), 1, "{text}");
        // E and F did not change: not in the detail.
        assert!(!text.contains("Commune E"), "{text}");
        let short = render_text(&c, "a", "b", 1);
        assert!(
            short.contains("… et 3 autres adhérents (voir --csv)"),
            "{short}"
        );
    }

    fn csv_rows(bytes: &[u8]) -> Vec<Vec<String>> {
        let text = String::from_utf8(bytes.to_vec()).unwrap();
        assert!(text.ends_with("\r\n"));
        csv::ReaderBuilder::new()
            .delimiter(b';')
            .has_headers(false)
            .from_reader(text.as_bytes())
            .records()
            .map(|r| r.unwrap().iter().map(String::from).collect())
            .collect()
    }

    #[test]
    fn csv_variations_sum_to_the_total() {
        let (previous, current) = scenario();
        let c = compare(&previous, &current);
        let rows = csv_rows(&render_csv(&c, crate::csv_out::Encoding::Utf8));
        assert_eq!(rows[0], CSV_HEADER);
        let (total, body) = rows[1..].split_last().unwrap();
        assert_eq!(
            total,
            &[
                "TOTAL", "", "", "", "", "", "9017,00", "10589,00", "1572,00"
            ]
        );
        let sum: Decimal = body.iter().map(|r| parse_nombre(&r[8]).unwrap()).sum();
        assert_eq!(sum, d("1572"));
        assert_eq!(
            body[0],
            [
                "D",
                "Commune D",
                "nouveau",
                "",
                "2",
                "forfait",
                "0,00",
                "1467,00",
                "1467,00"
            ]
        );
        assert!(body.contains(&vec![
            "B".to_string(),
            "Commune B".into(),
            "parti".into(),
            "1".into(),
            String::new(),
            "audit".into(),
            "200,00".into(),
            "0,00".into(),
            "-200,00".into()
        ]));
        // Unchanged items of continuing members are left out.
        assert!(
            !body
                .iter()
                .any(|r| r[0] == "E" || (r[0] == "C" && r[5] == "forfait"))
        );
        // C's training was billed then credited: no change, no row.
        assert!(!body.iter().any(|r| r[0] == "C" && r[5] == "formation"));
    }

    #[test]
    fn identical_ledgers_show_no_change() {
        let (previous, _) = scenario();
        let c = compare(&previous, &previous);
        assert!(c.variation_ht.is_zero());
        assert!(c.parts.iter().all(|p| p.montant.is_zero()));
        let text = render_text(&c, "a", "a", 20);
        assert!(text.contains("Aucun adhérent n'a changé"), "{text}");
        assert_eq!(
            csv_rows(&render_csv(&c, crate::csv_out::Encoding::Utf8)).len(),
            2
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        /// Whatever the members, tiers and amounts (credit notes included),
        /// the parts and the CSV add up to the total variation.
        #[test]
        fn parts_always_add_up(
            previous in proptest::collection::vec((0u8..12, 1u8..4, 0u8..4, -500_000i64..500_000), 0..30),
            current in proptest::collection::vec((0u8..12, 1u8..4, 0u8..4, -500_000i64..500_000), 0..30),
        ) {
            let build = |rows: &[(u8, u8, u8, i64)]| {
                let owned: Vec<(String, String, String, String)> = rows
                    .iter()
                    .map(|(id, t, code, cents)| {
                        let ht = csv_amount(Montant::round_cent(Decimal::new(*cents, 2)));
                        (format!("M{id}"), t.to_string(), format!("c{code}"), ht)
                    })
                    .collect();
                let refs: Vec<(&str, &str, &str, &str, &str, &str)> = owned
                    .iter()
                    .map(|(id, t, code, ht)| (id.as_str(), t.as_str(), code.as_str(), "1", ht.as_str(), ht.as_str()))
                    .collect();
                parse(&ledger("2027", &refs))
            };
            let c = compare(&build(&previous), &build(&current));
            prop_assert_eq!(c.explained(), c.variation_ht);
            let rows = csv_rows(&render_csv(&c, crate::csv_out::Encoding::Utf8));
            let sum: Decimal = rows[1..rows.len() - 1].iter().map(|r| parse_nombre(&r[8]).unwrap()).sum();
            prop_assert_eq!(sum, c.variation_ht.decimal());
        }
    }
}
