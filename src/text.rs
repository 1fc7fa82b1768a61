//! The terminal's text renderings: the grid as tables (`cotisations
//! tarifs`, to check it against the board's deliberation) and one member's
//! quote (`cotisations quote`). Pure: text in, text out; the commands print.

use std::fmt::Write as _;

use crate::format_fr;
use crate::pricing::Priced;
use crate::tariff::{Grid, Pricing, Prorata};

fn pad(s: &str, width: usize) -> String {
    let n = s.chars().count();
    format!("{s}{}", " ".repeat(width.saturating_sub(n)))
}

fn pad_left(s: &str, width: usize) -> String {
    let n = s.chars().count();
    format!("{}{s}", " ".repeat(width.saturating_sub(n)))
}

/// The grid as plain-text tables.
#[must_use]
pub fn grid_tables(grid: &Grid) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "{}", grid.titre);
    if !grid.annexe.is_empty() {
        let _ = writeln!(s, "{}", grid.annexe);
    }
    tranches(&mut s, grid);
    per_tranche_prices(&mut s, grid);
    unit_prices(&mut s, grid);
    rules(&mut s, grid);
    settings(&mut s, grid);
    s
}

/// The tiers and their thresholds.
fn tranches(s: &mut String, grid: &Grid) {
    let _ = writeln!(s, "\nTranches");
    for t in grid.tranches() {
        let _ = writeln!(
            s,
            "  T{}  population ≥ {:>8}  agents ≥ {:>4}  {}",
            t.numero,
            format_fr::integer(u64::from(t.population_min)),
            format_fr::integer(u64::from(t.agents_min)),
            t.libelle
        );
    }
    let _ = writeln!(
        s,
        "  Collectivités non affiliées : tranche {}",
        grid.tranche_non_affiliee()
    );
}

/// The items priced per tranche, one column per tranche.
fn per_tranche_prices(s: &mut String, grid: &Grid) {
    let per_tranche: Vec<_> = grid
        .items()
        .iter()
        .filter_map(|i| match &i.pricing {
            Pricing::PerTranche(p) => Some((i, p)),
            _ => None,
        })
        .collect();
    if !per_tranche.is_empty() {
        let _ = writeln!(s, "\nPrix par tranche (€)");
        let w = per_tranche
            .iter()
            .map(|(i, _)| i.code.chars().count())
            .max()
            .unwrap_or(0);
        let mut header = format!("  {}", pad("code", w));
        for t in grid.tranches() {
            let _ = write!(header, " {:>10}", format!("T{}", t.numero));
        }
        let _ = writeln!(s, "{header}");
        for (item, prices) in &per_tranche {
            let mut row = format!("  {}", pad(&item.code, w));
            for p in *prices {
                let _ = write!(row, " {}", pad_left(&format_fr::nombre_2(p.decimal()), 10));
            }
            let _ = writeln!(s, "{row}   {}", item.libelle);
        }
    }
}

/// The items priced per unit, or on quotation.
fn unit_prices(s: &mut String, grid: &Grid) {
    let others: Vec<_> = grid
        .items()
        .iter()
        .filter(|i| !matches!(i.pricing, Pricing::PerTranche(_)))
        .collect();
    if !others.is_empty() {
        let _ = writeln!(s, "\nPrix unitaires");
        let w = others
            .iter()
            .map(|i| i.code.chars().count())
            .max()
            .unwrap_or(0);
        for i in others {
            let price = match &i.pricing {
                Pricing::Unit(p) => format!("{} / {}", format_fr::montant(*p), i.unite),
                _ => "sur devis".to_string(),
            };
            let _ = writeln!(
                s,
                "  {}  {}  {}",
                pad(&i.code, w),
                pad_left(&price, 26),
                i.libelle
            );
        }
    }
}

/// The exclusions and requirements between items.
fn rules(s: &mut String, grid: &Grid) {
    let rules: Vec<String> = grid
        .items()
        .iter()
        .enumerate()
        .flat_map(|(idx, i)| {
            let mut r = Vec::new();
            for &e in &i.exclut {
                if e > idx {
                    r.push(format!("  {} et {} s'excluent", i.code, grid.item(e).code));
                }
            }
            if !i.requiert_un_de.is_empty() {
                let list: Vec<&str> = i
                    .requiert_un_de
                    .iter()
                    .map(|&x| grid.item(x).code.as_str())
                    .collect();
                r.push(format!(
                    "  {} nécessite l'un de : {}",
                    i.code,
                    list.join(", ")
                ));
            }
            r
        })
        .collect();
    if !rules.is_empty() {
        let _ = writeln!(s, "\nRègles");
        for r in rules {
            let _ = writeln!(s, "{r}");
        }
    }
}

/// The VAT mention, the threshold, the proration and Chorus Pro rules.
fn settings(s: &mut String, grid: &Grid) {
    if let Some(m) = &grid.mention_tva {
        let _ = writeln!(s, "\nMention TVA : {m}");
    }
    let _ = writeln!(
        s,
        "Seuil de mise en recouvrement : {}",
        format_fr::montant(grid.seuil_recouvrement)
    );
    let _ = writeln!(
        s,
        "Adhésion en cours d'année : {}",
        match grid.prorata {
            Prorata::Mois =>
                "articles annuels au prorata des mois restants, mois d'adhésion compris",
            Prorata::Jour =>
                "articles annuels au prorata des jours restants, jour d'adhésion compris",
            Prorata::Aucun => "articles annuels facturés pour l'année entière",
        }
    );
    for (label, list) in [
        ("numéro d'engagement", &grid.engagement_obligatoire),
        ("code service", &grid.code_service_obligatoire),
    ] {
        if !list.is_empty() {
            let _ = writeln!(s, "Chorus Pro, {label} exigé pour : {}", list.join(", "));
        }
    }
}

/// The quote as text.
#[must_use]
pub fn quote(p: &Priced, mention_tva: Option<&str>) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "Tranche {} — {}", p.placement.tranche, p.placement.motif);
    if p.lignes.is_empty() {
        let _ = writeln!(s, "Aucun service souscrit : rien à facturer.");
        return s;
    }
    let w = p
        .lignes
        .iter()
        .map(|l| l.libelle.chars().count())
        .max()
        .unwrap_or(0)
        .min(70);
    for l in &p.lignes {
        let label: String = l.libelle.chars().take(w).collect();
        let pad = w.saturating_sub(label.chars().count());
        let _ = writeln!(
            s,
            "  {label}{}  {:>6} {:<12} × {:>12} = {:>14}",
            " ".repeat(pad),
            format_fr::quantite(l.quantite),
            l.unite,
            format_fr::montant(l.prix_unitaire),
            format_fr::montant(l.montant_ht)
        );
    }
    let _ = writeln!(s, "Total HT      : {}", format_fr::montant(p.totaux.ht));
    let _ = writeln!(s, "TVA           : {}", format_fr::montant(p.totaux.tva));
    let _ = writeln!(s, "Total à payer : {}", format_fr::montant(p.totaux.ttc));
    if let Some(m) = mention_tva
        && p.totaux.tva.is_zero()
    {
        let _ = writeln!(s, "{m}");
    }
    s
}

/// The state of an exercice (`cotisations etat`): the series, then one
/// line per member (its appels, avoirs and net amount).
#[must_use]
pub fn register(register: &crate::exercice::Register) -> String {
    let mut s = String::new();
    for (label, serie) in [
        ("Appels", crate::numbering::SERIE),
        ("Avoirs", crate::avoir::SERIE),
    ] {
        let (count, first, last, total) = register.series(serie);
        let range = match (first, last) {
            (Some(first), Some(last)) if first == last => first.to_string(),
            (Some(first), Some(last)) => format!("de {first} à {last}"),
            _ => "aucun".to_string(),
        };
        let _ = writeln!(
            s,
            "{label:<7}: {count:>6}  {range}, total {}",
            format_fr::montant(total)
        );
    }
    let net: crate::money::Montant = register.members.values().map(|m| m.net_ttc).sum();
    let n = register.members.len();
    let _ = writeln!(
        s,
        "Net    : {n} adhérent{}, {}",
        if n > 1 { "s" } else { "" },
        format_fr::montant(net)
    );
    let _ = writeln!(s);
    let id_width = register
        .members
        .keys()
        .map(|k| k.chars().count())
        .max()
        .unwrap_or(0)
        .max(9);
    let _ = writeln!(
        s,
        "{}  {}  {:>14}  Documents",
        pad("Adhérent", id_width),
        pad("Nom", 30),
        "Net TTC"
    );
    for (id, m) in &register.members {
        let name: String = m.nom.chars().take(30).collect();
        let documents: Vec<&str> = m
            .appels
            .iter()
            .chain(&m.avoirs)
            .map(String::as_str)
            .collect();
        let _ = writeln!(
            s,
            "{}  {}  {}  {}",
            pad(id, id_width),
            pad(&name, 30),
            pad_left(&format_fr::montant(m.net_ttc), 14),
            documents.join(", ")
        );
    }
    s
}

/// The totals per item of an exercice, net of avoirs (`cotisations etat`).
#[must_use]
pub fn item_totals(items: &[crate::exercice::ItemTotal]) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "\nTotaux par article, nets des avoirs");
    let w = items
        .iter()
        .map(|i| i.code.chars().count())
        .max()
        .unwrap_or(0);
    for i in items {
        let libelle: String = i.libelle.chars().take(40).collect();
        let _ = writeln!(
            s,
            "  {}  {}  HT {}  TTC {}",
            pad(&i.code, w),
            pad(&libelle, 40),
            pad_left(&format_fr::montant(i.ht), 14),
            pad_left(&format_fr::montant(i.ttc), 14)
        );
    }
    s
}

/// What the roster would add to the exercice (`etat --roster`).
#[must_use]
pub fn pending(p: &crate::exercice::Pending, roster: &std::path::Path) -> String {
    let mut s = String::new();
    let total: crate::money::Montant = p.a_facturer.iter().filter_map(|w| w.total_ttc).sum();
    let _ = writeln!(
        s,
        "\nÀ facturer d'après « {} » : {} adhérent{} sans appel en cours, total {}",
        roster.display(),
        p.a_facturer.len(),
        if p.a_facturer.len() > 1 { "s" } else { "" },
        format_fr::montant(total)
    );
    for w in &p.a_facturer {
        let name: String = w.nom.chars().take(30).collect();
        let _ = writeln!(
            s,
            "  {}  {}  {}",
            pad(&w.membre_id, 10),
            pad(&name, 30),
            pad_left(&format_fr::montant(w.total_ttc.unwrap_or_default()), 14)
        );
    }
    let _ = writeln!(
        s,
        "Facturés mais absents du rôle : {}{}",
        p.hors_role.len(),
        if p.hors_role.is_empty() {
            ""
        } else {
            " (un avoir à émettre ?)"
        }
    );
    for (id, m) in &p.hors_role {
        let name: String = m.nom.chars().take(30).collect();
        let _ = writeln!(
            s,
            "  {}  {}  {}  {}",
            pad(id, 10),
            pad(&name, 30),
            pad_left(&format_fr::montant(m.net_ttc), 14),
            m.appels.join(", ")
        );
    }
    s
}

/// Header of `etat --csv`.
pub const REGISTER_CSV_HEADER: [&str; 5] =
    ["membre_id", "membre_nom", "appels", "avoirs", "net_ttc"];

/// `etat --csv`: one row per member, amounts in French.
#[must_use]
pub fn register_csv(r: &crate::exercice::Register, encoding: crate::csv_out::Encoding) -> Vec<u8> {
    use crate::csv_out;
    let rows: Vec<[String; 5]> = r
        .members
        .iter()
        .map(|(id, m)| {
            [
                csv_out::text(id).into_owned(),
                csv_out::text(&m.nom).into_owned(),
                m.appels.join(" "),
                m.avoirs.join(" "),
                csv_out::CsvFormat::Francais.amount(m.net_ttc),
            ]
        })
        .collect();
    csv_out::to_bytes(
        b';',
        encoding,
        std::iter::once(REGISTER_CSV_HEADER.map(String::from))
            .chain(rows)
            .collect::<Vec<_>>()
            .iter()
            .map(|r| r.iter().map(String::as_str)),
    )
}
