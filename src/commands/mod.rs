//! One file per subcommand: glue between the CLI, the file system and the
//! pure core. Also the shared loaders that read the input files.

pub mod check;
pub mod quote;
pub mod run;
pub mod tarifs;

use std::fs;
use std::path::Path;

use crate::cli::{Cli, Command};
use crate::emetteur::Emetteur;
use crate::error::Error;
use crate::roster::{self, Member, RosterError, RosterErrorKind, read::ReadError};
use crate::tariff::Grid;

/// Runs the parsed command line.
///
/// # Errors
/// Whatever the command fails with.
pub fn dispatch(cli: Cli) -> Result<(), Error> {
    match cli.command {
        Command::Run(a) => run::run(&a),
        Command::Check(a) => check::run(&a),
        Command::Quote(a) => quote::run(&a),
        Command::Tarifs(a) => tarifs::run(&a),
    }
}

/// Reads a file whole.
pub(crate) fn read_bytes(path: &Path) -> Result<Vec<u8>, Error> {
    fs::read(path).map_err(Error::io("lire le fichier", path))
}

/// Reads and validates the tariff grid.
pub(crate) fn load_grid(path: &Path) -> Result<Grid, Error> {
    let bytes = read_bytes(path)?;
    let (text, _) = roster::read::decode(&bytes);
    Grid::parse(&text).map_err(|errors| Error::Grid {
        path: path.to_path_buf(),
        errors,
    })
}

/// Reads the issuer template.
pub(crate) fn load_emetteur(path: &Path) -> Result<Emetteur, Error> {
    let bytes = read_bytes(path)?;
    let (text, _) = roster::read::decode(&bytes);
    Emetteur::parse(&text).map_err(|error| Error::Emetteur {
        path: path.to_path_buf(),
        error,
    })
}

/// Reads and validates the roster against the grid.
pub(crate) fn load_roster(path: &Path, grid: &Grid) -> Result<Vec<Member>, Error> {
    let bytes = read_bytes(path)?;
    let roster_error = |kind| Error::Roster {
        path: path.to_path_buf(),
        errors: vec![RosterError {
            line: 0,
            column: None,
            kind,
        }],
    };
    let raw = roster::read_roster(&bytes).map_err(|e| match e {
        ReadError::Empty => roster_error(RosterErrorKind::EmptyFile),
        ReadError::Csv { line, message } => Error::Roster {
            path: path.to_path_buf(),
            errors: vec![RosterError {
                line,
                column: None,
                kind: RosterErrorKind::BrokenCsv { message },
            }],
        },
    })?;
    roster::validate(&raw, grid).map_err(|errors| Error::Roster {
        path: path.to_path_buf(),
        errors,
    })
}
