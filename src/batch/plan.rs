//! Prices every member in parallel, then numbers them in roster order.
//!
//! Parallelism is a rayon map with an ordered collect, so the result never
//! depends on the number of threads; numbering is sequential and comes after.

use rayon::prelude::*;

use crate::error::Error;
use crate::numbering::{Emission, Outcome, number};
use crate::pricing::{PricingError, price};
use crate::roster::Member;
use crate::tariff::Grid;

/// Prices and numbers `members`.
///
/// # Errors
/// `Error::Overflow` if a line cannot be computed (validation prevents it).
pub fn plan(members: Vec<Member>, grid: &Grid, emission: &Emission) -> Result<Vec<Outcome>, Error> {
    let priced: Vec<_> = members
        .into_par_iter()
        .map(|m| match price(&m, grid) {
            Ok(p) => Ok((m, p)),
            Err(PricingError::Overflow { code }) => Err(Error::Overflow {
                membre: m.id.clone(),
                code,
            }),
        })
        .collect::<Result<_, _>>()?;
    Ok(number(priced, emission))
}
