//! One file per subcommand: glue between the CLI, the file system and the
//! pure core. Also the shared loaders that read the input files.

pub mod avoir;
pub mod check;
pub mod compare;
pub mod quote;
pub mod run;
pub mod tarifs;
pub mod verify;

use std::fs;
use std::path::Path;

use crate::cli::{Cli, Command};
use crate::emetteur::Emetteur;
use crate::error::{Error, exit};
use crate::log::Log;
use crate::roster::{self, Member, RosterError, RosterErrorKind, Unreadable, read::ReadError};
use crate::tariff::Grid;

/// Runs the parsed command line; returns the exit code.
///
/// # Errors
/// Whatever the command fails with.
pub fn dispatch(cli: Cli, log: &Log) -> Result<i32, Error> {
    match cli.command {
        Command::Run(a) => run::run(&a, log),
        Command::Check(a) => check::run(&a, log).map(|()| exit::OK),
        Command::Quote(a) => quote::run(&a).map(|()| exit::OK),
        Command::Tarifs(a) => tarifs::run(&a).map(|()| exit::OK),
        Command::Verify(a) => verify::run(&a, log).map(|()| exit::OK),
        Command::Compare(a) => compare::run(&a, log).map(|()| exit::OK),
        Command::Avoir(a) => avoir::run(&a, log).map(|()| exit::OK),
    }
}

/// Reads a file whole.
pub(crate) fn read_bytes(path: &Path) -> Result<Vec<u8>, Error> {
    fs::read(path).map_err(Error::io("lire le fichier", path))
}

/// Validates the tariff grid read from `path`.
pub(crate) fn decode_grid(path: &Path, bytes: &[u8]) -> Result<Grid, Error> {
    let (text, _) = roster::read::decode(bytes);
    Grid::parse(&text).map_err(|errors| Error::Grid {
        path: path.to_path_buf(),
        errors,
    })
}

/// Reads and validates the tariff grid.
pub(crate) fn load_grid(path: &Path) -> Result<Grid, Error> {
    decode_grid(path, &read_bytes(path)?)
}

/// Parses the issuer template read from `path`.
pub(crate) fn load_emetteur(path: &Path, bytes: &[u8]) -> Result<Emetteur, Error> {
    let (text, _) = roster::read::decode(bytes);
    Emetteur::parse(&text).map_err(|error| Error::Emetteur {
        path: path.to_path_buf(),
        error,
    })
}

/// Reads and validates the roster read from `path` in one pass.
pub(crate) fn validate_roster(
    path: &Path,
    bytes: &[u8],
    grid: &Grid,
    exercice: Option<i32>,
) -> Result<roster::Validated, Error> {
    let roster_error = |errors| Error::Roster {
        path: path.to_path_buf(),
        errors,
    };
    let one = |line, kind| {
        roster_error(vec![RosterError {
            line,
            column: None,
            kind,
        }])
    };
    roster::read_and_validate(bytes, grid, exercice).map_err(|e| match e {
        Unreadable::File(ReadError::Empty) => one(0, RosterErrorKind::EmptyFile),
        Unreadable::File(ReadError::Csv { line, message }) => {
            one(line, RosterErrorKind::BrokenCsv { message })
        }
        Unreadable::Header(errors) => roster_error(errors),
    })
}

/// Reads and validates the roster; any error in it is an error.
pub(crate) fn load_roster(path: &Path, grid: &Grid) -> Result<Vec<Member>, Error> {
    let validated = validate_roster(path, &read_bytes(path)?, grid, None)?;
    if validated.errors.is_empty() {
        Ok(validated.members)
    } else {
        Err(Error::Roster {
            path: path.to_path_buf(),
            errors: validated.errors,
        })
    }
}
