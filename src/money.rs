//! Exact money: the `Montant` newtype over `rust_decimal::Decimal`.
//!
//! Owns arithmetic and the one rounding rule of the house (to the cent, half
//! away from zero). Knows nothing about display: French formatting lives in
//! `format_fr`. Floats never enter here.

use std::fmt;
use std::iter::Sum;
use std::ops::{Add, Neg};

use rust_decimal::{Decimal, RoundingStrategy};

/// An amount in euros, always rounded to the cent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Montant(Decimal);

impl Montant {
    pub const ZERO: Montant = Montant(Decimal::ZERO);

    /// Rounds `value` to the cent, half away from zero. This is the only way
    /// to build a `Montant` from an unrounded product.
    #[must_use]
    pub fn round_cent(value: Decimal) -> Montant {
        Montant(value.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero))
    }

    /// Builds a `Montant` from a value that must already be whole cents.
    /// Returns `None` if it has more than two significant decimals.
    #[must_use]
    pub fn from_exact_cents(value: Decimal) -> Option<Montant> {
        let rounded = Montant::round_cent(value);
        (rounded.0 == value).then_some(rounded)
    }

    /// `quantity × unit price`, rounded once to the cent. `None` on overflow.
    #[must_use]
    pub fn line(quantity: Decimal, unit_price: Montant) -> Option<Montant> {
        quantity.checked_mul(unit_price.0).map(Montant::round_cent)
    }

    /// `quantity × unit price × numerator / denominator`, rounded once to the
    /// cent (a prorated yearly line). `None` on overflow or a zero denominator.
    #[must_use]
    pub fn line_prorata(
        quantity: Decimal,
        unit_price: Montant,
        numerator: u32,
        denominator: u32,
    ) -> Option<Montant> {
        quantity
            .checked_mul(unit_price.0)?
            .checked_mul(Decimal::from(numerator))?
            .checked_div(Decimal::from(denominator))
            .map(Montant::round_cent)
    }

    /// `self × rate / 100`, rounded once to the cent (VAT on a line).
    #[must_use]
    pub fn percent(self, rate: Decimal) -> Option<Montant> {
        self.0
            .checked_mul(rate)
            .and_then(|v| v.checked_div(Decimal::ONE_HUNDRED))
            .map(Montant::round_cent)
    }

    #[must_use]
    pub fn checked_add(self, other: Montant) -> Option<Montant> {
        self.0.checked_add(other.0).map(Montant)
    }

    #[must_use]
    pub fn decimal(self) -> Decimal {
        self.0
    }

    #[must_use]
    pub fn is_zero(self) -> bool {
        self.0.is_zero()
    }

    #[must_use]
    pub fn is_negative(self) -> bool {
        self.0.is_sign_negative() && !self.0.is_zero()
    }
}

impl Add for Montant {
    type Output = Montant;
    /// Sums of cent amounts; overflow needs ~10^26 euros, so this panics
    /// only on impossible inputs that validation already refuses.
    fn add(self, other: Montant) -> Montant {
        Montant(self.0 + other.0)
    }
}

impl Neg for Montant {
    type Output = Montant;
    fn neg(self) -> Montant {
        Montant(-self.0)
    }
}

impl Sum for Montant {
    fn sum<I: Iterator<Item = Montant>>(iter: I) -> Montant {
        iter.fold(Montant::ZERO, Add::add)
    }
}

impl<'a> Sum<&'a Montant> for Montant {
    fn sum<I: Iterator<Item = &'a Montant>>(iter: I) -> Montant {
        iter.copied().sum()
    }
}

/// Machine form (`1119.00`), for JSON and debugging; users see `format_fr`.
impl fmt::Display for Montant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:.2}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn rounds_half_away_from_zero_not_to_even() {
        assert_eq!(Montant::round_cent(d("0.125")).decimal(), d("0.13"));
        assert_eq!(Montant::round_cent(d("0.135")).decimal(), d("0.14"));
        assert_eq!(Montant::round_cent(d("-0.125")).decimal(), d("-0.13"));
        assert_eq!(Montant::round_cent(d("2.5")).decimal(), d("2.50"));
        assert_eq!(Montant::round_cent(d("0.124999")).decimal(), d("0.12"));
    }

    #[test]
    fn line_is_rounded_once() {
        // 3 × 33.335 = 100.005 → 100.01 (not 3 × 33.34 = 100.02)
        let unit = Montant(d("33.335"));
        assert_eq!(Montant::line(d("3"), unit).unwrap().decimal(), d("100.01"));
    }

    #[test]
    fn exact_cents_refuses_fractions_of_a_cent() {
        assert!(Montant::from_exact_cents(d("12.345")).is_none());
        assert_eq!(
            Montant::from_exact_cents(d("12.3")).unwrap().decimal(),
            d("12.30")
        );
    }

    #[test]
    fn display_has_two_decimals() {
        assert_eq!(Montant::round_cent(d("1119")).to_string(), "1119.00");
    }
}
