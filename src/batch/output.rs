//! The only file writer: renders the PDFs in parallel into a staging folder
//! next to the output, writes the ledger and the summary, flushes everything
//! to disk, then renames the staging folder into place.
//!
//! A run that fails leaves the previous output untouched and removes its
//! staging folder; a finished batch appears at once, complete.

use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::appel::Appel;
use crate::emetteur::Emetteur;
use crate::error::Error;
use crate::ledger::{CsvFormat, LedgerWriter};
use crate::numbering::Outcome;
use crate::render::Renderer;

use super::Summary;

/// Names of the files of a batch folder.
pub const APPELS_DIR: &str = "appels";
pub const LEDGER_FILE: &str = "ledger.csv";
pub const SUMMARY_FILE: &str = "summary.json";

/// How to write the batch.
#[derive(Debug, Clone, Copy)]
pub struct OutputOptions {
    pub force: bool,
    pub csv_format: CsvFormat,
}

/// File name of an appel's PDF: its number and the member id, made safe.
#[must_use]
pub fn pdf_name(appel: &Appel) -> String {
    let id: String = appel
        .membre
        .id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .take(60)
        .collect();
    format!("{}_{id}.pdf", appel.numero)
}

fn write_file(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    let mut f = File::create_new(path).map_err(Error::io("créer le fichier", path))?;
    f.write_all(bytes)
        .map_err(Error::io("écrire le fichier", path))?;
    f.sync_all()
        .map_err(Error::io("enregistrer sur disque le fichier", path))
}

fn sync_dir(path: &Path) -> Result<(), Error> {
    File::open(path)
        .and_then(|d| d.sync_all())
        .map_err(Error::io("enregistrer sur disque le dossier", path))
}

/// Whether `dir` holds anything.
fn non_empty(dir: &Path) -> bool {
    fs::read_dir(dir).is_ok_and(|mut d| d.next().is_some())
}

fn sibling(out: &Path, tag: &str) -> PathBuf {
    let name = out
        .file_name()
        .map_or_else(|| "lot".into(), |n| n.to_string_lossy().into_owned());
    out.with_file_name(format!(".{name}.{tag}-{}", std::process::id()))
}

/// Writes a complete batch into `out`.
///
/// # Errors
/// `Error::OutputExists` if `out` holds files and `force` is not set;
/// `Error::Io` or `Error::Render` on any failure, after which `out` is
/// unchanged and no staging folder remains.
pub fn write_batch(
    out: &Path,
    outcomes: &[Outcome],
    summary: &Summary,
    renderer: &Renderer,
    emetteur: &Emetteur,
    options: OutputOptions,
) -> Result<(), Error> {
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if !parent.is_dir() {
        return Err(Error::Io {
            action: "écrire dans le dossier",
            path: parent,
            source: std::io::Error::from(std::io::ErrorKind::NotFound),
        });
    }
    if out.exists() && !out.is_dir() {
        return Err(Error::Io {
            action: "utiliser comme dossier de sortie",
            path: out.to_path_buf(),
            source: std::io::Error::from(std::io::ErrorKind::NotADirectory),
        });
    }
    if non_empty(out) && !options.force {
        return Err(Error::OutputExists {
            path: out.to_path_buf(),
        });
    }
    let staging = sibling(out, "staging");
    if staging.exists() {
        fs::remove_dir_all(&staging).map_err(Error::io("supprimer le dossier", &staging))?;
    }
    let result = fill_staging(&staging, outcomes, summary, renderer, emetteur, options)
        .and_then(|()| publish(&staging, out, &parent));
    if result.is_err() {
        let _ = fs::remove_dir_all(&staging);
    }
    result
}

fn fill_staging(
    staging: &Path,
    outcomes: &[Outcome],
    summary: &Summary,
    renderer: &Renderer,
    emetteur: &Emetteur,
    options: OutputOptions,
) -> Result<(), Error> {
    let appels_dir = staging.join(APPELS_DIR);
    fs::create_dir_all(&appels_dir).map_err(Error::io("créer le dossier", &appels_dir))?;

    // Each worker renders into its own buffer and writes its own file.
    outcomes
        .par_iter()
        .filter_map(Outcome::appel)
        .try_for_each(|appel| {
            let bytes = renderer.render(appel, emetteur)?;
            write_file(&appels_dir.join(pdf_name(appel)), &bytes)
        })?;
    sync_dir(&appels_dir)?;

    let ledger_path = staging.join(LEDGER_FILE);
    let file =
        File::create_new(&ledger_path).map_err(Error::io("créer le fichier", &ledger_path))?;
    let mut ledger = LedgerWriter::new(BufWriter::new(file), options.csv_format)
        .map_err(Error::io("écrire le fichier", &ledger_path))?;
    for appel in outcomes.iter().filter_map(Outcome::appel) {
        ledger
            .write_appel(appel)
            .map_err(Error::io("écrire le fichier", &ledger_path))?;
    }
    let file = ledger
        .finish()
        .and_then(|w| w.into_inner().map_err(std::io::IntoInnerError::into_error))
        .map_err(Error::io("écrire le fichier", &ledger_path))?;
    file.sync_all()
        .map_err(Error::io("enregistrer sur disque le fichier", &ledger_path))?;

    write_file(&staging.join(SUMMARY_FILE), &summary.to_json())?;
    sync_dir(staging)
}

fn publish(staging: &Path, out: &Path, parent: &Path) -> Result<(), Error> {
    if out.exists() {
        let old = sibling(out, "ancien");
        fs::rename(out, &old).map_err(Error::io("mettre de côté l'ancien dossier", out))?;
        fs::rename(staging, out).map_err(Error::io("publier le dossier", out))?;
        let _ = fs::remove_dir_all(&old);
    } else {
        fs::rename(staging, out).map_err(Error::io("publier le dossier", out))?;
    }
    sync_dir(parent)
}
