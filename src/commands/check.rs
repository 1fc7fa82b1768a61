//! `cotisations check`: validates the roster and the grid, writes nothing.

use crate::cli::CheckArgs;
use crate::error::Error;
use crate::log::Log;

use super::{load_grid, load_roster};

/// Runs the check and reports on stderr.
///
/// # Errors
/// The grid's or the roster's errors.
pub fn run(args: &CheckArgs, log: &Log) -> Result<(), Error> {
    let grid = load_grid(&args.grid.tariff)?;
    let members = load_roster(&args.roster, &grid)?;
    let billable = members.iter().filter(|m| !m.quantities.is_empty()).count();
    log.info(
        "role_valide",
        &format!(
            "Rôle « {} » valide : {} adhérent{}, dont {} avec au moins un service à facturer.",
            args.roster.display(),
            members.len(),
            if members.len() > 1 { "s" } else { "" },
            billable
        ),
    );
    log.info(
        "grille_valide",
        &format!(
            "Grille « {} » valide : {} tranches, {} articles.",
            args.grid.tariff.display(),
            grid.tranches().len(),
            grid.items().len()
        ),
    );
    Ok(())
}
