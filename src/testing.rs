//! Test fixtures shared by the unit tests: the shipped grid and a member
//! builder, so each test states only what matters to it.

use std::str::FromStr;

use rust_decimal::Decimal;

use crate::roster::{Member, MemberKind};
use crate::tariff::Grid;

/// The shipped sample grid, as text.
pub(crate) const GRID_TEXT: &str = include_str!("../input-samples/grille-2027.toml");

/// The shipped sample grid.
pub(crate) fn grid() -> Grid {
    Grid::parse(GRID_TEXT).expect("the shipped grid is valid")
}

/// A decimal from its text.
pub(crate) fn d(text: &str) -> Decimal {
    Decimal::from_str(text).expect("a decimal literal")
}

/// An affiliated member of `kind`, line 2, with a valid SIRET and no items.
pub(crate) fn member(kind: MemberKind, population: Option<u32>, agents: Option<u32>) -> Member {
    Member {
        line: 2,
        id: "X".into(),
        nom: "Test".into(),
        kind,
        population,
        agents,
        affiliee: true,
        siret: "21140001500015".into(),
        adresse: String::new(),
        code_postal: String::new(),
        ville: String::new(),
        email: String::new(),
        code_service: String::new(),
        engagement: String::new(),
        date_adhesion: None,
        quantities: Vec::new(),
    }
}

/// `m` subscribing `items` (code, quantity), in grid order.
pub(crate) fn with(grid: &Grid, mut m: Member, items: &[(&str, &str)]) -> Member {
    m.quantities = items
        .iter()
        .map(|(code, q)| (grid.find(code).expect("a grid code"), d(q)))
        .collect();
    m.quantities.sort_by_key(|(i, _)| *i);
    m
}
