//! One file per subcommand: glue between the CLI, the file system and the
//! pure core. Also the shared loaders that read the input files.

pub mod avoir;
pub mod check;
pub mod compare;
pub mod emettre;
pub mod envoi;
pub mod etat;
pub mod pes;
pub mod quote;
pub mod run;
pub mod tarifs;
pub mod verify;

use std::path::{Path, PathBuf};

use crate::cli::{Cli, Command};
use crate::emetteur::{Emetteur, EmetteurError, EmetteurErrorKind};
use crate::error::{EmetteurSource, Error, exit};
use crate::files;
use crate::log::Log;
use crate::roster;
use crate::tariff::{Grid, GridError, GridErrorKind};

/// Runs the parsed command line; returns the exit code.
///
/// # Errors
/// Whatever the command fails with.
pub fn dispatch(cli: Cli, log: &Log) -> Result<i32, Error> {
    match cli.command {
        Command::Run(a) => run::run(&a, log),
        Command::Emettre(a) => emettre::run(&a, log),
        Command::Check(a) => check::run(&a, log).map(|()| exit::OK),
        Command::Quote(a) => quote::run(&a).map(|()| exit::OK),
        Command::Tarifs(a) => tarifs::run(&a).map(|()| exit::OK),
        Command::Verify(a) => verify::run(&a, log).map(|()| exit::OK),
        Command::Etat(a) => etat::run(&a, log).map(|()| exit::OK),
        Command::Compare(a) => compare::run(&a, log).map(|()| exit::OK),
        Command::Avoir(a) => avoir::run(&a, log).map(|()| exit::OK),
        Command::Pes(a) => pes::run(&a, log).map(|()| exit::OK),
        Command::Envoi(a) => envoi::run(&a, log),
    }
}

/// A date given on the command line (`--date-emission`).
///
/// # Errors
/// `Error::DateInvalide`, which says how to write it.
pub(crate) fn date_option(text: &str, option: &'static str) -> Result<chrono::NaiveDate, Error> {
    crate::format_fr::parse_date(text).ok_or_else(|| Error::DateInvalide {
        option,
        text: text.trim().to_string(),
    })
}

/// The date of option `option`, else today: the only clock read of a
/// command, the date then an input.
///
/// # Errors
/// `Error::DateInvalide`.
pub(crate) fn date_or_today(
    text: Option<&str>,
    option: &'static str,
) -> Result<chrono::NaiveDate, Error> {
    match text {
        Some(d) => date_option(d, option),
        None => Ok(chrono::Local::now().date_naive()),
    }
}

/// Opens the existing exercice folder `dir` for writing (its lock held
/// until the writer is dropped), `inputs` being the files the command
/// reads there, and logs what the opening repaired.
///
/// # Errors
/// A folder that is not an exercice folder, a lock held, I/O.
pub(crate) fn open_exercice(
    dir: &Path,
    inputs: &[PathBuf],
    log: &Log,
) -> Result<crate::batch::dossier::Ecrivain, Error> {
    use crate::batch::dossier;
    if !dossier::is_exercice(dir) {
        return Err(crate::batch::BatchError::Dossier {
            path: dir.to_path_buf(),
            problem: crate::batch::error::DossierProblem::PasDExercice,
        }
        .into());
    }
    let found = dossier::read_registre(dir)?;
    let w = dossier::open_writer(
        dir,
        found.exercice.exercice,
        (found.exercice.format_csv, found.exercice.encodage_csv),
        inputs,
    )?;
    for r in &w.repare {
        log.warn("reprise", &format!("Reprise : {r}."));
    }
    Ok(w)
}

/// Reads an input file whole (a grid, a manifest: a regular file of a
/// few megabytes at most).
pub(crate) fn read_bytes(path: &Path) -> Result<Vec<u8>, Error> {
    Ok(files::read_input(path, files::MAX_CONFIG_BYTES)?)
}

/// Validates the tariff grid read from `path` (TOML: UTF-8 only).
pub(crate) fn decode_grid(path: &Path, bytes: &[u8]) -> Result<Grid, Error> {
    let grid_error = |errors| Error::Grid {
        path: path.to_path_buf(),
        errors,
    };
    let text = roster::read::utf8(bytes).map_err(|(line, column)| {
        grid_error(vec![GridError {
            line: usize::try_from(line).unwrap_or(0),
            column: usize::try_from(column).unwrap_or(0),
            kind: GridErrorKind::Syntax(NOT_UTF8.into()),
        }])
    })?;
    Grid::parse(text).map_err(grid_error)
}

/// A TOML file (the grid, the issuer file) that is not UTF-8.
const NOT_UTF8: &str = "caractère qui n'est pas de l'UTF-8 : enregistrez le fichier en UTF-8 (dans le Bloc-notes : Enregistrer sous, Encodage UTF-8)";

/// Reads and validates the tariff grid.
pub(crate) fn load_grid(path: &Path) -> Result<Grid, Error> {
    decode_grid(path, &read_bytes(path)?)
}

/// Where the issuer file is: `--emetteur`, else `emetteur.toml` in the
/// grid's folder.
#[must_use]
pub(crate) fn emetteur_path(option: Option<&Path>, grid: &Path) -> (PathBuf, EmetteurSource) {
    match option {
        Some(p) => (p.to_path_buf(), EmetteurSource::Option),
        None => (
            grid.with_file_name(EMETTEUR_FILE),
            EmetteurSource::BesideGrid,
        ),
    }
}

/// Name of the issuer file looked for beside the grid.
pub const EMETTEUR_FILE: &str = "emetteur.toml";

/// Reads the issuer file at `path` (found as `from` says); returns its
/// bytes, for the manifest, and the validated issuer.
pub(crate) fn read_emetteur(
    path: &Path,
    from: EmetteurSource,
) -> Result<(Vec<u8>, Emetteur), Error> {
    let bytes = match files::read_input(path, files::MAX_CONFIG_BYTES) {
        Err(files::FileError::Io { source, .. })
            if source.kind() == std::io::ErrorKind::NotFound =>
        {
            return Err(Error::EmetteurIntrouvable {
                path: path.to_path_buf(),
                from,
            });
        }
        other => other?,
    };
    let emetteur = load_emetteur(path, &bytes)?;
    Ok((bytes, emetteur))
}

/// Parses the issuer file read from `path`.
pub(crate) fn load_emetteur(path: &Path, bytes: &[u8]) -> Result<Emetteur, Error> {
    let emetteur_error = |errors| Error::Emetteur {
        path: path.to_path_buf(),
        errors,
    };
    let text = roster::read::utf8(bytes).map_err(|(line, column)| {
        emetteur_error(vec![EmetteurError {
            line: usize::try_from(line).unwrap_or(0),
            column: usize::try_from(column).unwrap_or(0),
            kind: EmetteurErrorKind::Syntax(NOT_UTF8.into()),
        }])
    })?;
    Emetteur::parse(text).map_err(emetteur_error)
}

/// Reads and validates the roster read from `path` in one pass.
pub(crate) fn validate_roster(
    path: &Path,
    bytes: &[u8],
    sheet: Option<&str>,
    grid: &Grid,
    exercice: Option<i32>,
) -> Result<roster::Validated, Error> {
    roster::read_and_validate(bytes, sheet, grid, exercice).map_err(|errors| Error::Roster {
        path: path.to_path_buf(),
        errors,
    })
}
