//! `cotisations tarifs`: prints the grid as tables, to check it against the
//! board's deliberation.

use crate::cli::TarifsArgs;
use crate::error::Error;

use super::load_grid;

/// Prints the grid on stdout.
///
/// # Errors
/// The grid's errors.
pub fn run(args: &TarifsArgs) -> Result<(), Error> {
    let grid = load_grid(&args.grid.tariff)?;
    crate::log::print_stdout(&crate::text::grid_tables(&grid))
}
