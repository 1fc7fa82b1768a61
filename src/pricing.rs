//! Pricing: one validated member and the grid in, its priced lines out.
//!
//! Pure: no I/O, no clock, no thread pool. Each line is rounded once to the
//! cent (`Montant::line`); totals are sums of lines. Numbering and dates are
//! added afterwards by `numbering`, so pricing never depends on roster order.

use rust_decimal::Decimal;

use crate::money::Montant;
use crate::roster::{Member, MemberKind};
use crate::tariff::{Grid, Pricing as ItemPricing};

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

/// Places a member in its tier.
#[must_use]
pub fn place(member: &Member, grid: &Grid) -> Placement {
    if !member.affiliee {
        return Placement {
            tranche: grid.tranche_non_affiliee(),
            motif: format!("{} non affiliée au Centre", member.kind.label_collectivite()),
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
            ItemPricing::PerTier(prices) => (quantity, prices[usize::from(placement.tranche - 1)]),
            ItemPricing::Unit(price) => (quantity, *price),
            // On quote: the roster cell is the quoted amount itself.
            ItemPricing::OnQuote => (
                Decimal::ONE,
                Montant::from_exact_cents(quantity).ok_or_else(overflow)?,
            ),
        };
        let montant_ht = Montant::line(quantite, prix_unitaire).ok_or_else(overflow)?;
        let montant_tva = montant_ht.percent(item.taux_tva).ok_or_else(overflow)?;
        let montant_ttc = montant_ht.checked_add(montant_tva).ok_or_else(overflow)?;
        lignes.push(Ligne {
            code: item.code.clone(),
            libelle: item.libelle.clone(),
            quantite,
            unite: item.unite.clone(),
            prix_unitaire,
            montant_ht,
            taux_tva: item.taux_tva,
            montant_tva,
            montant_ttc,
            imputation: item.imputation.clone(),
        });
    }
    let totaux = Totaux::of(&lignes);
    Ok(Priced {
        placement,
        lignes,
        totaux,
    })
}
