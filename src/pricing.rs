//! Pricing: one validated member and the grid in, its priced lines out.
//!
//! Pure: no I/O, no clock, no thread pool. Each line is rounded once to the
//! cent (`Montant::line`); totals are sums of lines. Numbering and dates are
//! added afterwards by `numbering`, so pricing never depends on roster order.

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;

use crate::money::Montant;
use crate::roster::{Member, MemberKind};
use crate::tariff::{Grid, Pricing as ItemPricing, Prorata};

/// Where a member sits in the grid, and why (printed on the appel).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placement {
    /// Tier number, 1-based as in the annex.
    pub tranche: u8,
    /// Human reason in French, e.g. « commune de 812 habitants ».
    pub motif: String,
}

/// One priced line of an appel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ligne {
    pub code: String,
    pub libelle: String,
    pub quantite: Decimal,
    pub unite: String,
    pub prix_unitaire: Montant,
    pub montant_ht: Montant,
    /// VAT rate in percent (0 for a non-liable Centre).
    pub taux_tva: Decimal,
    pub montant_tva: Montant,
    pub montant_ttc: Montant,
    pub imputation: String,
    /// UN/ECE Recommendation 20 unit code, for Factur-X.
    pub code_unite: String,
    /// Share of the year charged (e.g. 7/12) for a mid-year join.
    pub prorata: Option<(u32, u32)>,
}

/// Sums of the lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Totaux {
    pub ht: Montant,
    pub tva: Montant,
    pub ttc: Montant,
}

impl Totaux {
    #[must_use]
    pub fn of(lignes: &[Ligne]) -> Totaux {
        Totaux {
            ht: lignes.iter().map(|l| l.montant_ht).sum(),
            tva: lignes.iter().map(|l| l.montant_tva).sum(),
            ttc: lignes.iter().map(|l| l.montant_ttc).sum(),
        }
    }
}

/// The priced result for one member, before numbering.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Priced {
    pub placement: Placement,
    /// Start of the period billed when the member joined during the year.
    pub debut: Option<NaiveDate>,
    pub lignes: Vec<Ligne>,
    pub totaux: Totaux,
}

impl Priced {
    /// A member with no line (or only zero lines) gets no appel.
    #[must_use]
    pub fn is_billable(&self) -> bool {
        !self.lignes.is_empty()
    }
}

/// A pricing failure: only possible with absurd quantities (overflow).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PricingError {
    Overflow { code: String },
}

/// The share of the year a member who joined on `date` pays for yearly
/// items under `rule`, or `None` for the whole year.
#[must_use]
pub fn prorata(date: Option<NaiveDate>, rule: Prorata) -> Option<(u32, u32)> {
    let date = date?;
    let (paid, whole) = match rule {
        Prorata::Aucun => return None,
        // The month of joining counts: joined on 15 June ⇒ 7/12.
        Prorata::Mois => (12 - date.month0(), 12),
        Prorata::Jour => {
            let last = NaiveDate::from_ymd_opt(date.year(), 12, 31)?;
            let first = NaiveDate::from_ymd_opt(date.year(), 1, 1)?;
            let days = |a: NaiveDate, b: NaiveDate| u32::try_from((b - a).num_days() + 1).ok();
            (days(date, last)?, days(first, last)?)
        }
    };
    (paid < whole).then_some((paid, whole))
}

/// Places a member in its tier.
#[must_use]
pub fn place(member: &Member, grid: &Grid) -> Placement {
    if !member.affiliee {
        return Placement {
            tranche: grid.tranche_non_affiliee(),
            motif: format!(
                "{} non affiliée au Centre",
                member.kind.label_collectivite()
            ),
        };
    }
    match member.kind {
        MemberKind::Commune => {
            let population = member.population.unwrap_or(0);
            Placement {
                tranche: grid.tranche_for_population(population),
                motif: format!(
                    "commune de {} habitant{}",
                    crate::format_fr::integer(u64::from(population)),
                    if population > 1 { "s" } else { "" }
                ),
            }
        }
        MemberKind::EtablissementPublic | MemberKind::BudgetAnnexe => {
            let agents = member.agents.unwrap_or(0);
            Placement {
                tranche: grid.tranche_for_agents(agents),
                motif: format!(
                    "{} de {} agent{}",
                    member.kind.label(),
                    crate::format_fr::integer(u64::from(agents)),
                    if agents > 1 { "s" } else { "" }
                ),
            }
        }
    }
}

/// Prices one member. Lines come in grid order; zero quantities give no line.
///
/// # Errors
/// `PricingError::Overflow` if a quantity times its price does not fit.
pub fn price(member: &Member, grid: &Grid) -> Result<Priced, PricingError> {
    let placement = place(member, grid);
    let share = prorata(member.date_adhesion, grid.prorata);
    let mut lignes = Vec::with_capacity(member.quantities.len());
    for &(index, quantity) in &member.quantities {
        if quantity.is_zero() {
            continue;
        }
        let item = grid.item(index);
        let overflow = || PricingError::Overflow {
            code: item.code.clone(),
        };
        let (quantite, prix_unitaire) = match &item.pricing {
            ItemPricing::PerTranche(prices) => {
                (quantity, prices[usize::from(placement.tranche - 1)])
            }
            ItemPricing::Unit(price) => (quantity, *price),
            // On quote: the roster cell is the quoted amount itself.
            ItemPricing::OnQuote => (
                Decimal::ONE,
                Montant::from_exact_cents(quantity).ok_or_else(overflow)?,
            ),
        };
        // Yearly items are charged pro rata for a mid-year join, and say so.
        let (montant_ht, prorata, libelle) = match share {
            Some((n, d)) if item.annuel => (
                Montant::line_prorata(quantite, prix_unitaire, n, d).ok_or_else(overflow)?,
                Some((n, d)),
                if d == 12 {
                    format!("{} (prorata {n}/{d})", item.libelle)
                } else {
                    format!("{} (prorata {n}/{d} jours)", item.libelle)
                },
            ),
            _ => (
                Montant::line(quantite, prix_unitaire).ok_or_else(overflow)?,
                None,
                item.libelle.clone(),
            ),
        };
        let montant_tva = montant_ht.percent(item.taux_tva).ok_or_else(overflow)?;
        let montant_ttc = montant_ht.checked_add(montant_tva).ok_or_else(overflow)?;
        lignes.push(Ligne {
            code: item.code.clone(),
            libelle,
            quantite,
            unite: item.unite.clone(),
            prix_unitaire,
            montant_ht,
            taux_tva: item.taux_tva,
            montant_tva,
            montant_ttc,
            imputation: item.imputation.clone(),
            code_unite: item.code_unite.clone(),
            prorata,
        });
    }
    let totaux = Totaux::of(&lignes);
    let debut = match (share, member.date_adhesion, grid.prorata) {
        (Some(_), Some(d), Prorata::Mois) => d.with_day(1),
        (Some(_), Some(d), _) => Some(d),
        _ => None,
    };
    Ok(Priced {
        placement,
        debut,
        lignes,
        totaux,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::testing::{GRID_TEXT as GRID, d, grid, member, with};

    #[test]
    fn every_commune_tier_boundary() {
        let g = grid();
        let cases = [
            (0, 1),
            (249, 1),
            (250, 2),
            (499, 2),
            (500, 3),
            (999, 3),
            (1000, 4),
            (1999, 4),
            (2000, 5),
            (3499, 5),
            (3500, 6),
            (4999, 6),
            (5000, 7),
            (9999, 7),
            (10000, 8),
            (u32::MAX, 8),
        ];
        for (population, tranche) in cases {
            let m = member(MemberKind::Commune, Some(population), None);
            assert_eq!(place(&m, &g).tranche, tranche, "population {population}");
        }
    }

    #[test]
    fn every_agents_tier_boundary_for_both_kinds() {
        let g = grid();
        let cases = [
            (0, 1),
            (3, 1),
            (4, 2),
            (7, 2),
            (8, 3),
            (9, 3),
            (10, 4),
            (19, 4),
            (20, 5),
            (29, 5),
            (30, 6),
            (59, 6),
            (60, 7),
            (119, 7),
            (120, 8),
            (5000, 8),
        ];
        for kind in [MemberKind::EtablissementPublic, MemberKind::BudgetAnnexe] {
            for (agents, tranche) in cases {
                let m = member(kind, None, Some(agents));
                assert_eq!(place(&m, &g).tranche, tranche, "{kind:?} {agents} agents");
            }
        }
    }

    #[test]
    fn non_affiliated_is_top_tier_whatever_its_size() {
        let g = grid();
        for kind in [
            MemberKind::Commune,
            MemberKind::EtablissementPublic,
            MemberKind::BudgetAnnexe,
        ] {
            let mut m = member(kind, Some(12), Some(1));
            m.affiliee = false;
            let p = place(&m, &g);
            assert_eq!(p.tranche, 8);
            assert!(p.motif.contains("non affiliée"), "{}", p.motif);
        }
    }

    #[test]
    fn placement_reason_is_readable() {
        let g = grid();
        let p = place(&member(MemberKind::Commune, Some(812), None), &g);
        assert_eq!(p.motif, "commune de 812 habitants");
        let p = place(&member(MemberKind::Commune, Some(1119), None), &g);
        assert_eq!(p.motif, "commune de 1\u{a0}119 habitants");
        let p = place(&member(MemberKind::BudgetAnnexe, None, Some(1)), &g);
        assert_eq!(p.motif, "budget annexe de 1 agent");
    }

    /// Every per-tier price of the annex, transcribed from the annex table.
    #[test]
    fn every_tier_price_of_the_annex() {
        let g = grid();
        let annex: [(&[&str], [&str; 8]); 3] = [
            (
                &["forfait_metiers", "forfait_metiers_communication"],
                [
                    "1119", "1467", "1984", "2728", "3577", "4589", "6129", "7574",
                ],
            ),
            (
                &["forfait_heberge"],
                ["317", "423", "584", "809", "1062", "1378", "1829", "2339"],
            ),
            (
                &["forfait_technologie", "forfait_technologie_plus"],
                ["676", "874", "1166", "1597", "2164", "2814", "3755", "4712"],
            ),
        ];
        let parapheur = ["69", "115", "173", "276", "403", "564", "759", "1012"];
        let populations = [100, 300, 700, 1500, 2500, 4000, 7000, 20000];
        for (tranche, population) in populations.into_iter().enumerate() {
            for (codes, prices) in &annex {
                for code in *codes {
                    let m = with(
                        &g,
                        member(MemberKind::Commune, Some(population), None),
                        &[(code, "1"), ("parapheur", "1")],
                    );
                    let p = price(&m, &g).unwrap();
                    assert_eq!(
                        p.lignes[0].montant_ht.decimal(),
                        d(prices[tranche]),
                        "{code} T{}",
                        tranche + 1
                    );
                    assert_eq!(
                        p.lignes[1].montant_ht.decimal(),
                        d(parapheur[tranche]),
                        "parapheur T{}",
                        tranche + 1
                    );
                    assert_eq!(p.placement.tranche as usize, tranche + 1);
                }
            }
        }
    }

    /// Every unit price of the annex.
    #[test]
    fn every_unit_price_of_the_annex() {
        let g = grid();
        let unit = [
            ("certificat", "80"),
            ("conseil_equipement", "400"),
            ("audit_equipement", "400"),
            ("cahier_des_charges", "400"),
            ("comparatif_devis", "400"),
            ("accompagnement_achat", "400"),
            ("installation_logiciels", "400"),
            ("configuration_systeme", "400"),
            ("intervention_technique", "400"),
            ("ingenierie", "400"),
            ("maintenance_preventive", "400"),
            ("maintenance_curative", "400"),
            ("audit_securite", "400"),
            ("formation_jours", "400"),
            ("sauvegarde_go", "10"),
            ("logiciels_securite_postes", "25"),
            ("stockage_go", "7"),
            ("suite_bureautique_comptes", "35"),
            ("messagerie_quota_10go", "5"),
            ("messagerie_compte_1go", "15"),
            ("messagerie_compte_5go", "20"),
            ("messagerie_compte_10go", "25"),
            ("nom_domaine", "15"),
            ("atelier_demi_journee", "100"),
            ("atelier_journee", "150"),
        ];
        // The same unit price at every tier.
        for population in [10, 20000] {
            for (code, unit_price) in unit {
                let m = with(
                    &g,
                    member(MemberKind::Commune, Some(population), None),
                    &[(code, "3")],
                );
                let p = price(&m, &g).unwrap();
                assert_eq!(p.lignes.len(), 1);
                assert_eq!(p.lignes[0].prix_unitaire.decimal(), d(unit_price), "{code}");
                assert_eq!(
                    p.lignes[0].montant_ht.decimal(),
                    d(unit_price) * d("3"),
                    "{code}"
                );
            }
        }
        assert_eq!(unit.len() + 6 + 1, g.items().len(), "every item is covered");
    }

    #[test]
    fn on_quote_item_bills_the_quoted_amount() {
        let g = grid();
        let m = with(
            &g,
            member(MemberKind::Commune, Some(10), None),
            &[("antispam", "245.50")],
        );
        let p = price(&m, &g).unwrap();
        assert_eq!(p.lignes[0].quantite, Decimal::ONE);
        assert_eq!(p.lignes[0].prix_unitaire.decimal(), d("245.50"));
        assert_eq!(p.totaux.ttc.decimal(), d("245.50"));
    }

    #[test]
    fn half_days_and_totals_are_sums_of_lines() {
        let g = grid();
        let m = with(
            &g,
            member(MemberKind::EtablissementPublic, None, Some(12)),
            &[
                ("forfait_metiers", "1"),
                ("formation_jours", "0.5"),
                ("certificat", "2"),
            ],
        );
        let p = price(&m, &g).unwrap();
        let amounts: Vec<Decimal> = p.lignes.iter().map(|l| l.montant_ht.decimal()).collect();
        assert_eq!(amounts, vec![d("2728"), d("160"), d("200")]);
        assert_eq!(p.totaux.ht.decimal(), d("3088"));
        assert_eq!(p.totaux.tva, Montant::ZERO);
        assert_eq!(p.totaux.ttc.decimal(), d("3088"));
    }

    #[test]
    fn vat_is_rounded_once_per_line_half_away_from_zero() {
        // A grid with a 20 % item whose VAT falls on half a cent.
        let text = GRID
            .replace(
                "code = \"nom_domaine\"\n",
                "code = \"nom_domaine\"\ntaux_tva = \"20\"\n",
            )
            .replace(
                "prix = \"15,00\"\nimputation = \"706\"\n\n# --- Formations",
                "prix = \"0,15\"\nimputation = \"706\"\n\n# --- Formations",
            );
        let g = Grid::parse(&text).unwrap();
        let m = with(
            &g,
            member(MemberKind::Commune, Some(10), None),
            &[("nom_domaine", "1"), ("certificat", "1")],
        );
        let p = price(&m, &g).unwrap();
        let line = p.lignes.iter().find(|l| l.code == "nom_domaine").unwrap();
        // 0.15 × 20 % = 0.03 exactly; now 0.15 × 7 = 1.05 → VAT 0.21.
        assert_eq!(line.montant_tva.decimal(), d("0.03"));
        let m = with(
            &g,
            member(MemberKind::Commune, Some(10), None),
            &[("nom_domaine", "7")],
        );
        let p = price(&m, &g).unwrap();
        assert_eq!(p.lignes[0].montant_ht.decimal(), d("1.05"));
        assert_eq!(p.lignes[0].montant_tva.decimal(), d("0.21"));
        assert_eq!(p.totaux.ttc.decimal(), d("1.26"));
        // 0.15 × 5 = 0.75 → VAT 0.15; 0.15 × 1 → 0.03; 0.15 × 3 = 0.45 → 0.09.
        // Half-cent case: 0.15 × 25 = 3.75 → VAT 0.75; 0.15 × 15 = 2.25 → 0.45.
        let m = with(
            &g,
            member(MemberKind::Commune, Some(10), None),
            &[("nom_domaine", "11")],
        );
        let p = price(&m, &g).unwrap();
        // 1.65 × 20 % = 0.33.
        assert_eq!(p.lignes[0].montant_tva.decimal(), d("0.33"));
    }

    fn date(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(y, m, d)
    }

    #[test]
    fn prorata_by_month_counts_the_month_of_joining() {
        assert_eq!(prorata(date(2027, 6, 15), Prorata::Mois), Some((7, 12)));
        assert_eq!(prorata(date(2027, 6, 1), Prorata::Mois), Some((7, 12)));
        assert_eq!(prorata(date(2027, 12, 31), Prorata::Mois), Some((1, 12)));
        assert_eq!(prorata(date(2027, 2, 1), Prorata::Mois), Some((11, 12)));
        // Joining in January is the whole year: no prorata line.
        assert_eq!(prorata(date(2027, 1, 1), Prorata::Mois), None);
        assert_eq!(prorata(date(2027, 1, 31), Prorata::Mois), None);
        assert_eq!(prorata(None, Prorata::Mois), None);
        assert_eq!(prorata(date(2027, 6, 15), Prorata::Aucun), None);
    }

    #[test]
    fn prorata_by_day_knows_leap_years() {
        assert_eq!(prorata(date(2027, 1, 1), Prorata::Jour), None);
        assert_eq!(prorata(date(2027, 1, 2), Prorata::Jour), Some((364, 365)));
        assert_eq!(prorata(date(2027, 12, 31), Prorata::Jour), Some((1, 365)));
        assert_eq!(prorata(date(2028, 12, 31), Prorata::Jour), Some((1, 366)));
        assert_eq!(prorata(date(2028, 3, 1), Prorata::Jour), Some((306, 366)));
        assert_eq!(prorata(date(2027, 3, 1), Prorata::Jour), Some((306, 365)));
    }

    #[test]
    fn prorated_lines_are_rounded_once_and_only_yearly_items_are_prorated() {
        type Row<'a> = (&'a str, Decimal, Option<(u32, u32)>);
        let g = grid();
        let mut m = with(
            &g,
            member(MemberKind::Commune, Some(300), None),
            &[
                ("forfait_metiers", "1"),
                ("formation_jours", "1"),
                ("certificat", "1"),
            ],
        );
        m.date_adhesion = date(2027, 6, 15);
        let p = price(&m, &g).unwrap();
        // 1 467 × 7/12 = 855,75 ; 80 × 7/12 = 46,666… → 46,67 ; a training day is not prorated.
        let lines: Vec<Row<'_>> = p
            .lignes
            .iter()
            .map(|l| (l.libelle.as_str(), l.montant_ht.decimal(), l.prorata))
            .collect();
        assert_eq!(
            lines,
            vec![
                ("Forfait Métiers (prorata 7/12)", d("855.75"), Some((7, 12))),
                (
                    "Certificat électronique (coût unitaire par an) (prorata 7/12)",
                    d("46.67"),
                    Some((7, 12))
                ),
                ("Formation sur site ou à distance", d("400"), None),
            ]
        );
        assert_eq!(p.lignes[0].prix_unitaire.decimal(), d("1467"));
        assert_eq!(p.totaux.ht.decimal(), d("1302.42"));
        assert_eq!(p.debut, date(2027, 6, 1));
        // 1 119 × 1/12 = 93,25 (31 December, by month).
        let mut m = with(
            &g,
            member(MemberKind::Commune, Some(10), None),
            &[("forfait_metiers", "1")],
        );
        m.date_adhesion = date(2027, 12, 31);
        assert_eq!(price(&m, &g).unwrap().totaux.ht.decimal(), d("93.25"));
    }

    #[test]
    fn prorata_by_day_is_a_grid_setting() {
        let text = GRID.replace("prorata = \"mois\"", "prorata = \"jour\"");
        let g = Grid::parse(&text).unwrap();
        let mut m = with(
            &g,
            member(MemberKind::Commune, Some(10), None),
            &[("forfait_metiers", "1")],
        );
        m.date_adhesion = date(2028, 12, 31);
        let p = price(&m, &g).unwrap();
        // 1 119 / 366 = 3,0573… → 3,06 ; the line says so.
        assert_eq!(p.totaux.ht.decimal(), d("3.06"));
        assert_eq!(p.lignes[0].libelle, "Forfait Métiers (prorata 1/366 jours)");
        assert_eq!(p.debut, date(2028, 12, 31));
        let bad = GRID.replace("prorata = \"mois\"", "prorata = \"semaine\"");
        assert!(Grid::parse(&bad).is_err());
    }

    #[test]
    fn zero_quantities_give_no_line_and_no_appel() {
        let g = grid();
        let m = with(
            &g,
            member(MemberKind::Commune, Some(10), None),
            &[("forfait_metiers", "0")],
        );
        let p = price(&m, &g).unwrap();
        assert!(p.lignes.is_empty());
        assert!(!p.is_billable());
    }
}
