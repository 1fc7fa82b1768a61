//! The only file writer. A batch is written into a staging folder next to
//! the output folder, flushed to disk (fsync), then swapped into place in one
//! atomic rename, under an exclusive lock on the output location.
//!
//! Killed at any moment, a run leaves either the previous output or the
//! complete new batch; the next run removes the stale staging folders.

use std::fs::{self, File, OpenOptions};
use std::io::{BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::appel::Appel;
use crate::emetteur::Emetteur;
use crate::error::Error;
use crate::facturx::Profile;
use crate::ledger::{CsvFormat, LedgerWriter};
use crate::render::Renderer;

use sha2::{Digest, Sha256};

use super::manifest::{
    AppelEntry, DejaFacture, Destinataire, Entrees, Fichier, MANIFEST_FILE, Manifest, Options, hex,
    sha256_hex,
};
use super::plan::{outcome, ranks};
use super::summary::{Summary, SummaryBuilder};
use crate::numbering::Emission;
use crate::roster::Member;
use crate::tariff::Grid;

/// Names of the files of a batch folder.
pub const APPELS_DIR: &str = "appels";
pub const LEDGER_FILE: &str = "ledger.csv";
pub const SUMMARY_FILE: &str = "summary.json";
pub const REJECTS_FILE: &str = "rejects.csv";
pub const SOUS_SEUIL_FILE: &str = "sous-seuil.csv";

/// How to write the batch.
#[derive(Debug, Clone, Copy)]
pub struct OutputOptions {
    pub force: bool,
    pub csv_format: CsvFormat,
    pub pdf: PdfFormat,
}

/// What kind of PDF each appel is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PdfFormat {
    /// PDF/A-3 with the embedded Factur-X XML.
    FacturX(Profile),
    /// A plain PDF.
    Plain,
}

impl PdfFormat {
    /// The name recorded in the manifest.
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            PdfFormat::FacturX(Profile::En16931) => "facturx-en16931",
            PdfFormat::FacturX(Profile::Basic) => "facturx-basic",
            PdfFormat::Plain => "pdf",
        }
    }
}

/// Extra files of a batch, already rendered by the caller.
#[derive(Debug, Clone, Default)]
pub struct Extras {
    /// `rejects.csv` when rows were skipped.
    pub rejects: Option<Vec<u8>>,
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

/// Creates and writes a file of the staging folder. Not flushed one by one:
/// `sync_filesystem` flushes the whole staging folder once, before the
/// manifest is written and the folder is published (an fsync per PDF costs
/// more than rendering it).
fn write_file(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    let mut f = File::create_new(path).map_err(Error::io("créer le fichier", path))?;
    f.write_all(bytes)
        .map_err(Error::io("écrire le fichier", path))
}

/// Flushes every file written so far on the staging folder's file system
/// (`syncfs`), so all of them are on disk before the manifest says the
/// batch is whole.
fn sync_filesystem(dir: &Path) -> Result<(), Error> {
    let d = File::open(dir).map_err(Error::io("ouvrir le dossier", dir))?;
    rustix::fs::syncfs(&d)
        .map_err(|e| Error::io("enregistrer sur disque le dossier", dir)(e.into()))?;
    d.sync_all()
        .map_err(Error::io("enregistrer sur disque le dossier", dir))
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

fn out_name(out: &Path) -> String {
    out.file_name()
        .map_or_else(|| "lot".into(), |n| n.to_string_lossy().into_owned())
}

/// The folder that holds `out`.
#[must_use]
pub fn parent_of(out: &Path) -> PathBuf {
    match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// An exclusive lock on an output location, held until dropped. The OS
/// releases it when the process dies, so a crashed run never blocks the next.
#[derive(Debug)]
pub struct OutputLock {
    _file: File,
}

impl OutputLock {
    /// Takes the lock on `out` (a `.NAME.lock` file beside it).
    ///
    /// # Errors
    /// `Error::Locked` naming the holder if another run has it.
    pub fn acquire(out: &Path, started: &str) -> Result<OutputLock, Error> {
        let path = parent_of(out).join(format!(".{}.lock", out_name(out)));
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(Error::io("créer le verrou", &path))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(fs::TryLockError::WouldBlock) => {
                let mut holder = String::new();
                let _ = file.read_to_string(&mut holder);
                return Err(Error::Locked {
                    path: out.to_path_buf(),
                    holder: holder.trim().to_string(),
                });
            }
            Err(fs::TryLockError::Error(e)) => {
                return Err(Error::io("verrouiller", &path)(e));
            }
        }
        // Say who holds it, for the message of a concurrent run.
        let _ = file.set_len(0);
        let _ = file.seek(SeekFrom::Start(0));
        let _ = write!(
            file,
            "processus {} démarré le {started}",
            std::process::id()
        );
        let _ = file.flush();
        Ok(OutputLock { _file: file })
    }
}

/// Removes what an interrupted run left beside `out`. Call under the lock.
fn remove_stale(out: &Path) {
    let parent = parent_of(out);
    let name = out_name(out);
    let prefixes = [format!(".{name}.staging-"), format!(".{name}.ancien-")];
    if let Ok(entries) = fs::read_dir(&parent) {
        for e in entries.flatten() {
            let file_name = e.file_name().to_string_lossy().into_owned();
            if prefixes.iter().any(|p| file_name.starts_with(p.as_str())) {
                let _ = fs::remove_dir_all(e.path());
            }
        }
    }
}

/// Checks that `out` can receive a batch, before any work is done.
///
/// # Errors
/// Missing parent folder, `out` being a file, or `out` holding a batch
/// without `force`.
pub fn check_destination(out: &Path, force: bool) -> Result<(), Error> {
    let parent = parent_of(out);
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
    if non_empty(out) && !force {
        return Err(Error::OutputExists {
            path: out.to_path_buf(),
        });
    }
    Ok(())
}

/// Everything a batch folder is made of.
pub struct Batch<'a> {
    pub members: &'a [Member],
    pub grid: &'a Grid,
    pub emission: &'a Emission,
    pub entrees: Entrees,
    pub options: Options,
    pub extras: Extras,
    pub deja_factures: Vec<DejaFacture>,
    /// Roster rows set aside by `--skip-invalid`.
    pub rejetes: usize,
}

/// Members priced, rendered and written per parallel step: bounds memory
/// whatever the roster size, and keeps both cores busy.
const CHUNK: usize = 1024;

/// Passes written bytes through while hashing them.
struct HashingWriter<W: Write> {
    inner: W,
    hasher: Sha256,
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// Writes a complete batch into `out`. The caller holds the `OutputLock`.
///
/// # Errors
/// `Error::OutputExists` if `out` holds files and `force` is not set;
/// `Error::Io` or `Error::Render` on any failure, after which `out` is
/// unchanged and no staging folder remains.
pub fn write_batch(
    out: &Path,
    batch: &Batch<'_>,
    renderer: &Renderer,
    emetteur: &Emetteur,
    options: OutputOptions,
    progress: &(dyn Fn(usize) + Sync),
) -> Result<Summary, Error> {
    remove_stale(out);
    check_destination(out, options.force)?;
    let staging = parent_of(out).join(format!(".{}.staging-{}", out_name(out), std::process::id()));
    fs::create_dir(&staging).map_err(Error::io("créer le dossier", &staging))?;
    let result = fill_staging(&staging, batch, renderer, emetteur, options, progress)
        .and_then(|summary| publish(&staging, out).map(|()| summary));
    if result.is_err() {
        let _ = fs::remove_dir_all(&staging);
    }
    result
}

fn fill_staging(
    staging: &Path,
    batch: &Batch<'_>,
    renderer: &Renderer,
    emetteur: &Emetteur,
    options: OutputOptions,
    progress: &(dyn Fn(usize) + Sync),
) -> Result<Summary, Error> {
    let appels_dir = staging.join(APPELS_DIR);
    fs::create_dir(&appels_dir).map_err(Error::io("créer le dossier", &appels_dir))?;
    let e = batch.emission;
    let mut summary = SummaryBuilder::new(batch.grid, e.exercice, e.date_emission, e.date_echeance);
    summary.add_rejected(batch.rejetes);

    let ledger_path = staging.join(LEDGER_FILE);
    let ledger_err = Error::io("écrire le fichier", &ledger_path);
    let file =
        File::create_new(&ledger_path).map_err(Error::io("créer le fichier", &ledger_path))?;
    let hashing = HashingWriter {
        inner: BufWriter::new(file),
        hasher: Sha256::new(),
    };
    let mut ledger = LedgerWriter::new(hashing, options.csv_format).map_err(ledger_err)?;

    // Numbers first, then a parallel map per chunk with an ordered collect:
    // each worker prices, renders, writes and hashes its own PDF; the
    // ledger and the summary are then fed sequentially in roster order.
    let ranks = ranks(batch.members, batch.grid, e.premier_numero)?;
    let mut appels = Vec::new();
    for (members, ranks) in batch.members.chunks(CHUNK).zip(ranks.chunks(CHUNK)) {
        let done: Vec<_> = members
            .par_iter()
            .zip(ranks.par_iter())
            .map(|(member, rang)| {
                let o = outcome(member, *rang, batch.grid, e)?;
                let entry = match o.appel() {
                    Some(appel) => Some(write_pdf(
                        &appels_dir,
                        appel,
                        renderer,
                        emetteur,
                        options.pdf,
                    )?),
                    None => None,
                };
                Ok((o, entry))
            })
            .collect::<Result<_, Error>>()?;
        for (o, entry) in done {
            summary.add(&o);
            if let Some(appel) = o.appel() {
                ledger
                    .write_appel(appel)
                    .map_err(Error::io("écrire le fichier", &ledger_path))?;
            }
            appels.extend(entry);
        }
        progress(members.len());
    }
    let hashing = ledger
        .finish()
        .map_err(Error::io("écrire le fichier", &ledger_path))?;
    let ledger_hash = hex(&hashing.hasher.finalize());
    let file = hashing
        .inner
        .into_inner()
        .map_err(|e| Error::io("écrire le fichier", &ledger_path)(e.into_error()))?;
    drop(file);
    let summary = summary.finish();

    let mut fichiers = vec![Fichier {
        chemin: LEDGER_FILE.into(),
        sha256: ledger_hash,
    }];
    let summary_json = summary.to_json();
    write_file(&staging.join(SUMMARY_FILE), &summary_json)?;
    fichiers.push(Fichier {
        chemin: SUMMARY_FILE.into(),
        sha256: sha256_hex(&summary_json),
    });
    let below = summary.sous_seuil_csv();
    write_file(&staging.join(SOUS_SEUIL_FILE), &below)?;
    fichiers.push(Fichier {
        chemin: SOUS_SEUIL_FILE.into(),
        sha256: sha256_hex(&below),
    });
    if let Some(rejects) = &batch.extras.rejects {
        write_file(&staging.join(REJECTS_FILE), rejects)?;
        fichiers.push(Fichier {
            chemin: REJECTS_FILE.into(),
            sha256: sha256_hex(rejects),
        });
    }

    let manifest = Manifest {
        programme: env!("CARGO_PKG_NAME").into(),
        version: env!("CARGO_PKG_VERSION").into(),
        exercice: summary.exercice,
        date_emission: summary.date_emission.to_string(),
        date_echeance: summary.date_echeance.to_string(),
        entrees: batch.entrees.clone(),
        options: batch.options.clone(),
        premier_rang: appels.first().map(|a: &AppelEntry| a.rang),
        dernier_rang: appels.last().map(|a: &AppelEntry| a.rang),
        total_ttc: summary.total_ttc.to_string(),
        appels,
        fichiers,
        deja_factures: batch.deja_factures.clone(),
    };
    // The manifest is written last: its presence means the batch is whole.
    sync_filesystem(staging)?;
    let manifest_path = staging.join(MANIFEST_FILE);
    write_file(&manifest_path, &manifest.to_json())?;
    File::open(&manifest_path)
        .and_then(|f| f.sync_all())
        .map_err(Error::io(
            "enregistrer sur disque le fichier",
            &manifest_path,
        ))?;
    sync_dir(staging)?;
    Ok(summary)
}

/// Renders, writes and hashes one appel's PDF.
fn write_pdf(
    dir: &Path,
    appel: &Appel,
    renderer: &Renderer,
    emetteur: &Emetteur,
    format: PdfFormat,
) -> Result<AppelEntry, Error> {
    let bytes = match format {
        PdfFormat::FacturX(profile) => renderer.render_facturx(appel, emetteur, profile)?,
        PdfFormat::Plain => renderer.render(appel, emetteur)?,
    };
    let name = pdf_name(appel);
    write_file(&dir.join(&name), &bytes)?;
    Ok(AppelEntry {
        numero: appel.numero.clone(),
        rang: appel.rang,
        membre_id: appel.membre.id.clone(),
        fichier: format!("{APPELS_DIR}/{name}"),
        sha256: sha256_hex(&bytes),
        total_ttc: appel.totaux.ttc.to_string(),
        destinataire: Destinataire {
            nom: appel.membre.nom.clone(),
            type_membre: appel.membre.kind.code().into(),
            siret: appel.membre.siret.clone(),
            adresse: appel.membre.adresse.clone(),
            code_postal: appel.membre.code_postal.clone(),
            ville: appel.membre.ville.clone(),
            email: appel.membre.email.clone(),
            code_service: appel.membre.code_service.clone(),
            engagement: appel.membre.engagement.clone(),
            tranche: appel.placement.tranche,
            motif_tranche: appel.placement.motif.clone(),
            periode_debut: appel.periode_debut.to_string(),
            periode_fin: appel.periode_fin.to_string(),
        },
    })
}

/// Puts the staging folder in place of `out` in one atomic step.
fn publish(staging: &Path, out: &Path) -> Result<(), Error> {
    if out.exists() {
        // Swap the two folders atomically, then drop the old content.
        match rustix::fs::renameat_with(
            rustix::fs::CWD,
            staging,
            rustix::fs::CWD,
            out,
            rustix::fs::RenameFlags::EXCHANGE,
        ) {
            Ok(()) => {
                let _ = fs::remove_dir_all(staging);
            }
            Err(_) => {
                // File systems without RENAME_EXCHANGE: two renames.
                let old = parent_of(out).join(format!(
                    ".{}.ancien-{}",
                    out_name(out),
                    std::process::id()
                ));
                fs::rename(out, &old).map_err(Error::io("mettre de côté l'ancien dossier", out))?;
                fs::rename(staging, out).map_err(Error::io("publier le dossier", out))?;
                let _ = fs::remove_dir_all(&old);
            }
        }
    } else {
        fs::rename(staging, out).map_err(Error::io("publier le dossier", out))?;
    }
    sync_dir(&parent_of(out))
}
