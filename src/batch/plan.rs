//! Prices members in parallel, with their ranks assigned beforehand.
//!
//! Parallelism is a rayon map with an ordered collect, so the result never
//! depends on the number of threads.

use rayon::prelude::*;

use super::error::BatchError;
use crate::numbering::{Emission, Outcome, assign, is_billable};
use crate::pricing::price;
use crate::roster::Member;
use crate::tariff::Grid;

/// Prices one member into its outcome.
///
/// # Errors
/// `BatchError::Pricing` if a line cannot be computed (validation prevents it).
pub fn outcome(
    member: &Member,
    rang: Option<u32>,
    grid: &Grid,
    emission: &Emission,
) -> Result<Outcome, BatchError> {
    match price(member, grid) {
        Ok(p) => Ok(Outcome::new(member.clone(), p, rang, emission)),
        Err(error) => Err(BatchError::Pricing {
            membre: member.id.clone(),
            error,
        }),
    }
}

/// The rank of every member's appel, in roster order: a parallel pricing
/// pass decides who is billable (lines, and a total not below the recovery
/// threshold), then numbers are given sequentially.
///
/// # Errors
/// `BatchError::Pricing` if a line cannot be computed.
pub fn ranks(members: &[Member], grid: &Grid, first: u32) -> Result<Vec<Option<u32>>, BatchError> {
    let billable: Vec<bool> = members
        .par_iter()
        .map(|m| match price(m, grid) {
            Ok(p) => Ok(is_billable(&p, grid.seuil_recouvrement)),
            Err(error) => Err(BatchError::Pricing {
                membre: m.id.clone(),
                error,
            }),
        })
        .collect::<Result<_, _>>()?;
    Ok(assign(&billable, first))
}

/// Prices and numbers all `members` (whole batch in memory: for tests and
/// small rosters; the batch writer works by chunks).
///
/// # Errors
/// `BatchError::Pricing` if a line cannot be computed.
pub fn plan(
    members: &[Member],
    grid: &Grid,
    emission: &Emission,
) -> Result<Vec<Outcome>, BatchError> {
    let ranks = ranks(members, grid, emission.premier_numero)?;
    members
        .par_iter()
        .zip(ranks.par_iter())
        .map(|(m, r)| outcome(m, *r, grid, emission))
        .collect()
}
