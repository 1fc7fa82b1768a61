//! Prices members in parallel, with their ranks assigned beforehand.
//!
//! Parallelism is a rayon map with an ordered collect, so the result never
//! depends on the number of threads.

use rayon::prelude::*;

use crate::error::Error;
use crate::numbering::{Emission, Outcome, assign};
use crate::pricing::{PricingError, price};
use crate::roster::Member;
use crate::tariff::Grid;

/// Prices one member into its outcome.
///
/// # Errors
/// `Error::Overflow` if a line cannot be computed (validation prevents it).
pub fn outcome(
    member: &Member,
    rang: Option<u32>,
    grid: &Grid,
    emission: &Emission,
) -> Result<Outcome, Error> {
    match price(member, grid) {
        Ok(p) => Ok(Outcome::new(member.clone(), p, rang, emission)),
        Err(PricingError::Overflow { code }) => Err(Error::Overflow {
            membre: member.id.clone(),
            code,
        }),
    }
}

/// Prices and numbers all `members` (whole batch in memory: for `check`,
/// tests and small rosters; the batch writer works by chunks).
///
/// # Errors
/// `Error::Overflow` if a line cannot be computed.
pub fn plan(members: &[Member], grid: &Grid, emission: &Emission) -> Result<Vec<Outcome>, Error> {
    let ranks = assign(members, emission.premier_numero);
    members
        .par_iter()
        .zip(ranks.par_iter())
        .map(|(m, r)| outcome(m, *r, grid, emission))
        .collect()
}
