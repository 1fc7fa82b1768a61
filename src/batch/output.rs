//! The only file writer. A batch is written into a staging folder next to
//! the output folder, flushed to disk (fsync), then swapped into place in one
//! atomic rename, under an exclusive lock on the output location.
//!
//! Killed at any moment, a run leaves either the previous output or the
//! complete new batch; the next run removes the stale staging folders.
//! The tests stop a debug build at each step (`crate::failpoint`).

use std::fs::{self, File, OpenOptions};
use std::io::{BufWriter, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::error::BatchError;
use crate::appel::Appel;
use crate::csv_out::Encoding;
use crate::emetteur::Emetteur;
use crate::ledger::{CsvFormat, LedgerWriter};
use crate::render::Renderer;

use sha2::{Digest, Sha256};

use super::destination::parent_of;
use super::destination::{Existing, beside, check_destination, remove_replaced, remove_stale};
use super::manifest::{
    AppelEntry, Destinataire, Entrees, FORMAT, Fichier, LignePiece, MANIFEST_FILE, Manifest,
    Options, PdfFormat, Piece, hex, sha256_hex,
};
use super::plan::{outcome, ranks};
use super::summary::{Summary, SummaryBuilder};
use crate::numbering::{Emission, Outcome};
use crate::roster::Member;
use crate::tariff::Grid;

/// Names of the files of a batch folder.
pub const APPELS_DIR: &str = "appels";
pub const LEDGER_FILE: &str = "ledger.csv";
pub const SUMMARY_FILE: &str = "summary.json";
pub const REJECTS_FILE: &str = "rejects.csv";
pub const SOUS_SEUIL_FILE: &str = "sous-seuil.csv";
pub const REPORT_FILE: &str = "rapport.pdf";

/// How to write the batch.
#[derive(Debug, Clone, Copy)]
pub struct OutputOptions {
    pub force: bool,
    pub csv_format: CsvFormat,
    /// Encoding of every CSV file of the batch.
    pub csv_encoding: Encoding,
    pub pdf: PdfFormat,
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
pub(crate) fn write_file(path: &Path, bytes: &[u8]) -> Result<(), BatchError> {
    let mut f = File::create_new(path).map_err(BatchError::io("créer le fichier", path))?;
    f.write_all(bytes)
        .map_err(BatchError::io("écrire le fichier", path))
}

/// Flushes every file written so far on the staging folder's file system
/// (`syncfs`), so all of them are on disk before the manifest says the
/// batch is whole.
pub(crate) fn sync_filesystem(dir: &Path) -> Result<(), BatchError> {
    let d = File::open(dir).map_err(BatchError::io("ouvrir le dossier", dir))?;
    rustix::fs::syncfs(&d)
        .map_err(|e| BatchError::io("enregistrer sur disque le dossier", dir)(e.into()))?;
    d.sync_all()
        .map_err(BatchError::io("enregistrer sur disque le dossier", dir))
}

pub(crate) fn sync_dir(path: &Path) -> Result<(), BatchError> {
    File::open(path)
        .and_then(|d| d.sync_all())
        .map_err(BatchError::io("enregistrer sur disque le dossier", path))
}

/// Everything a batch folder is made of.
pub struct Batch<'a> {
    pub members: &'a [Member],
    pub grid: &'a Grid,
    pub emission: &'a Emission,
    pub entrees: Entrees,
    pub options: Options,
    pub extras: Extras,
    /// The hash of the previous entry's manifest (an entry of an exercice
    /// folder after its first).
    pub precedent: Option<String>,
    /// A projet's record (`DIR/projet/`).
    pub projet: Option<super::manifest::Projet>,
    /// An entry's: the register's head it extends (short; empty for the
    /// first), carried by its summary and its report.
    pub registre_precedent: Option<String>,
    /// Roster rows set aside by `--skip-invalid`.
    pub rejetes: usize,
}

/// Members priced, rendered and written per parallel step: bounds memory
/// whatever the roster size, and keeps both cores busy. Each finished chunk
/// is handed to the flusher: 256 PDFs (7 MB) let the disk start early even
/// in a small batch, for a few microseconds of synchronisation per chunk.
const CHUNK: usize = 256;
/// A small batch is cut finer (at least 16 chunks), so that the write-back
/// of its last chunk, which nothing overlaps, stays short.
const MIN_CHUNK: usize = 32;

/// Passes written bytes through while hashing them.
pub(super) struct HashingWriter<W: Write> {
    pub(super) inner: W,
    pub(super) hasher: Sha256,
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

/// Writes a complete batch into `out`. The caller holds the `OutputLock`;
/// the destination is checked again under it (`inputs`: the run's input
/// files, which `out` must not hold).
///
/// # Errors
/// `BatchError::OutputExists` if `out` holds a batch and `force` is not set,
/// `BatchError::Destination` if it holds anything else; `BatchError::Io` or
/// `BatchError::Render` on any failure, after which `out` is unchanged and no
/// staging folder remains.
pub fn write_batch(
    out: &Path,
    batch: &Batch<'_>,
    renderer: &Renderer,
    emetteur: &Emetteur,
    options: OutputOptions,
    inputs: &[PathBuf],
    progress: &(dyn Fn(usize) + Sync),
) -> Result<Written, BatchError> {
    remove_stale(out);
    let existing = check_destination(out, options.force, inputs)?;
    write_staged(out, existing, |staging| {
        fill_staging(staging, batch, renderer, emetteur, options, progress)
    })
}

/// Has `fill` write a new staging folder beside `out`, then puts it in
/// place of `out` in one rename (`publish`): the folder appears whole or
/// not at all. On any failure the staging folder is removed and `out` is
/// unchanged. Call under the `OutputLock`, after `remove_stale` and the
/// checks of the destination, which say what `out` holds (`existing`).
///
/// # Errors
/// The staging folder cannot be created, or `fill` or `publish` fails.
pub(crate) fn write_staged<T>(
    out: &Path,
    existing: Existing,
    fill: impl FnOnce(&Path) -> Result<T, BatchError>,
) -> Result<T, BatchError> {
    let staging = beside(out, "staging");
    fs::create_dir(&staging).map_err(BatchError::io("créer le dossier", &staging))?;
    let result = fill(&staging).and_then(|value| publish(&staging, out, existing).map(|()| value));
    if result.is_err() {
        let _ = fs::remove_dir_all(&staging);
    }
    result
}

/// Fills the staging folder with a whole batch: the PDFs, the ledger, the
/// summary, the report and the lists, then the manifest, last.
fn fill_staging(
    staging: &Path,
    batch: &Batch<'_>,
    renderer: &Renderer,
    emetteur: &Emetteur,
    options: OutputOptions,
    progress: &(dyn Fn(usize) + Sync),
) -> Result<Written, BatchError> {
    let appels_dir = staging.join(APPELS_DIR);
    fs::create_dir(&appels_dir).map_err(BatchError::io("créer le dossier", &appels_dir))?;
    let e = batch.emission;
    let mut summary = SummaryBuilder::new(batch.grid, e.exercice, e.date_emission, e.date_echeance);
    summary.add_rejected(batch.rejetes);
    let ledger_path = staging.join(LEDGER_FILE);
    let ledger = create_ledger(&ledger_path, options)?;

    // Opened before any PDF is written, so that every write-back error of
    // the batch is reported to it (`syncfs` reports the errors that occur
    // after the descriptor was opened).
    let staging_fd = File::open(staging).map_err(BatchError::io("ouvrir le dossier", staging))?;

    // Numbers first, then a parallel map per chunk with an ordered collect:
    // each worker prices, renders, writes and hashes its own PDF; the
    // ledger and the summary are then fed sequentially in roster order.
    let ranks = ranks(batch.members, batch.grid, e.premier_numero)?;
    let mut feeder = Feeder {
        summary,
        ledger,
        ledger_path: &ledger_path,
        // The manifest's entries go to a scratch file as they come, not to
        // memory: at 100 000 members they are 80 MB of JSON.
        appels: ManifestEntries::create(&staging.join(ENTRIES_SCRATCH_FILE))?,
        pieces: Vec::new(),
    };
    let workers = Workers {
        appels_dir: &appels_dir,
        grid: batch.grid,
        emission: e,
        renderer,
        emetteur,
        pdf: options.pdf,
    };
    render_all(
        staging,
        &staging_fd,
        batch.members,
        &ranks,
        &workers,
        &mut feeder,
        progress,
    )?;
    let Feeder {
        summary,
        ledger,
        appels,
        pieces,
        ..
    } = feeder;
    let ledger_hash = finish_ledger(ledger, &ledger_path)?;
    let mut summary = summary.finish();
    summary
        .registre_precedent
        .clone_from(&batch.registre_precedent);

    let fichiers = write_side_files(staging, &summary, ledger_hash, emetteur, options, batch)?;
    let manifest = batch_manifest(batch, &summary, &appels, fichiers);
    seal(staging, &staging_fd, &manifest, appels)?;
    Ok(Written { summary, pieces })
}

/// What a batch written returns: its summary, and what the exercice's
/// register records of each appel (the same facts its files hold).
pub struct Written {
    pub summary: Summary,
    pub pieces: Vec<Piece>,
}

/// The ledger being written, hashed as it goes.
type HashedLedger = LedgerWriter<HashingWriter<BufWriter<File>>>;

/// Creates the batch's ledger at `path` and writes its header.
fn create_ledger(path: &Path, options: OutputOptions) -> Result<HashedLedger, BatchError> {
    let ledger_err = BatchError::io("écrire le fichier", path);
    let file = File::create_new(path).map_err(BatchError::io("créer le fichier", path))?;
    let hashing = HashingWriter {
        inner: BufWriter::new(file),
        hasher: Sha256::new(),
    };
    LedgerWriter::new(hashing, options.csv_format, options.csv_encoding).map_err(ledger_err)
}

/// Writes the end of the ledger at `path` and closes it; returns its hash.
fn finish_ledger(ledger: HashedLedger, path: &Path) -> Result<String, BatchError> {
    let hashing = ledger
        .finish()
        .map_err(BatchError::io("écrire le fichier", path))?;
    let ledger_hash = hex(&hashing.hasher.finalize());
    let file = hashing
        .inner
        .into_inner()
        .map_err(|e| BatchError::io("écrire le fichier", path)(e.into_error()))?;
    drop(file);
    Ok(ledger_hash)
}

/// A member's outcome and, for an appel, its manifest entry.
type Rendered = (Outcome, Option<SerializedEntry>);

/// What the workers need to price, render and write the PDFs.
struct Workers<'a> {
    appels_dir: &'a Path,
    grid: &'a Grid,
    emission: &'a Emission,
    renderer: &'a Renderer,
    emetteur: &'a Emetteur,
    pdf: PdfFormat,
}

impl Workers<'_> {
    /// Prices, renders, writes and hashes the PDFs of one chunk in
    /// parallel, each worker its own; returns them in roster order.
    fn chunk(
        &self,
        members: &[Member],
        ranks: &[Option<u32>],
    ) -> Result<Vec<Rendered>, BatchError> {
        members
            .par_iter()
            .zip(ranks.par_iter())
            // One appel per job. By default rayon stops splitting what the
            // thread running the chunk keeps for itself (the first quarter
            // or eighth, up to 64 appels), which only that thread can then
            // render while the other waits for the next chunk.
            .with_max_len(1)
            .map(|(member, rang)| {
                let o = outcome(member, *rang, self.grid, self.emission)?;
                let entry = match o.appel() {
                    Some(appel) => Some(write_pdf(
                        self.appels_dir,
                        appel,
                        self.renderer,
                        self.emetteur,
                        self.pdf,
                    )?),
                    None => None,
                };
                Ok((o, entry))
            })
            .collect::<Result<Vec<_>, BatchError>>()
    }
}

/// The sequential side of the batch, fed in roster order: the summary, the
/// ledger rows and the manifest entries.
struct Feeder<'a> {
    summary: SummaryBuilder<'a>,
    ledger: HashedLedger,
    ledger_path: &'a Path,
    appels: ManifestEntries,
    /// What the register will record of each appel.
    pieces: Vec<Piece>,
}

impl Feeder<'_> {
    /// Counts, writes and lists the outcomes of one rendered chunk.
    fn feed(&mut self, done: Vec<Rendered>) -> Result<(), BatchError> {
        for (o, entry) in done {
            self.summary.add(&o);
            if let Some(appel) = o.appel() {
                self.ledger
                    .write_appel(appel)
                    .map_err(BatchError::io("écrire le fichier", self.ledger_path))?;
                self.pieces.push(Piece {
                    numero: appel.numero.clone(),
                    rang: appel.rang,
                    membre_id: appel.membre.id.clone(),
                    nom: appel.membre.nom.clone(),
                    total_ttc: appel.totaux.ttc,
                    appel: None,
                    lignes: appel
                        .lignes
                        .iter()
                        .map(|l| LignePiece {
                            code: l.code.clone(),
                            montant_ht: l.montant_ht,
                            montant_ttc: l.montant_ttc,
                        })
                        .collect(),
                });
            }
            if let Some(entry) = entry {
                self.appels.push(&entry)?;
            }
        }
        Ok(())
    }
}

/// Renders every member and feeds the outcomes, chunk by chunk, beside a
/// flusher thread that writes each finished chunk to disk (`syncfs` of
/// `staging_fd`) while the next ones are rendered, so that the final flush
/// before the manifest has little left to do.
fn render_all(
    staging: &Path,
    staging_fd: &File,
    members: &[Member],
    ranks: &[Option<u32>],
    workers: &Workers<'_>,
    feeder: &mut Feeder<'_>,
    progress: &(dyn Fn(usize) + Sync),
) -> Result<(), BatchError> {
    std::thread::scope(|scope| -> Result<(), BatchError> {
        let (flush, flush_requests) = std::sync::mpsc::channel::<()>();
        let flusher = scope.spawn(move || background_flush(staging_fd, &flush_requests));
        let result = pipeline(members, ranks, workers, feeder, &flush, progress);
        drop(flush);
        let flush_result = flusher
            .join()
            .unwrap_or_else(|_| Err(std::io::Error::other("fil d'écriture interrompu")));
        result?;
        flush_result.map_err(BatchError::io("enregistrer sur disque le dossier", staging))
    })
}

/// The chunks one after the other, pipelined so that neither core waits:
/// the sequential feeding of chunk k (ledger rows, summary, manifest
/// entries) runs beside the rendering of chunk k+1 (`rayon::join`: the
/// idle worker takes whichever is left). Each fed chunk asks `flush` for
/// a flush of what was written.
fn pipeline(
    members: &[Member],
    ranks: &[Option<u32>],
    workers: &Workers<'_>,
    feeder: &mut Feeder<'_>,
    flush: &std::sync::mpsc::Sender<()>,
    progress: &(dyn Fn(usize) + Sync),
) -> Result<(), BatchError> {
    let chunk = (members.len() / 16).clamp(MIN_CHUNK, CHUNK);
    let mut pending = None;
    // The flusher is woken from inside the join, once the next chunk's
    // rendering has started: woken between two chunks, it would preempt
    // the thread about to start the next one while the other thread, with
    // nothing to take, falls asleep.
    let mut flush_and_feed = |pending: Option<_>| match pending {
        Some(done) => {
            let _ = flush.send(());
            feeder.feed(done)
        }
        None => Ok(()),
    };
    let chunks = members.chunks(chunk).zip(ranks.chunks(chunk));
    for (n, (members, ranks)) in (1..).zip(chunks) {
        let (done, fed) = rayon::join(
            || workers.chunk(members, ranks),
            || flush_and_feed(pending.take()),
        );
        fed?;
        pending = Some(done?);
        progress(members.len());
        crate::failpoint::hit_lot(n);
    }
    flush_and_feed(pending.take())
}

/// Writes the batch's other files (summary, report, members below the
/// threshold, rejected rows); returns the manifest's list of files, the
/// ledger (of hash `ledger_hash`) first.
fn write_side_files(
    staging: &Path,
    summary: &Summary,
    ledger_hash: String,
    emetteur: &Emetteur,
    options: OutputOptions,
    batch: &Batch<'_>,
) -> Result<Vec<Fichier>, BatchError> {
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
    let report = crate::report::render(summary, &emetteur.nom)?;
    write_file(&staging.join(REPORT_FILE), &report)?;
    fichiers.push(Fichier {
        chemin: REPORT_FILE.into(),
        sha256: sha256_hex(&report),
    });
    let below = summary.sous_seuil_csv(options.csv_encoding);
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
    Ok(fichiers)
}

/// The batch's manifest, without its entries (`appels` holds them: spliced
/// in by `write_manifest`).
fn batch_manifest(
    batch: &Batch<'_>,
    summary: &Summary,
    appels: &ManifestEntries,
    fichiers: Vec<Fichier>,
) -> Manifest {
    Manifest {
        format: FORMAT,
        programme: env!("CARGO_PKG_NAME").into(),
        version: env!("CARGO_PKG_VERSION").into(),
        exercice: summary.exercice,
        date_emission: summary.date_emission,
        date_echeance: summary.date_echeance,
        entrees: batch.entrees.clone(),
        options: batch.options.clone(),
        premier_rang: appels.first_rang,
        dernier_rang: appels.last_rang,
        // A sum of amounts in cents: exact, rounding changes nothing.
        total_ttc: crate::money::Montant::round_cent(summary.total_ttc),
        unites: batch
            .grid
            .items()
            .iter()
            .map(|i| (i.code.clone(), i.code_unite.clone()))
            .collect(),
        mention_tva: batch.grid.mention_tva.clone(),
        convention: batch.grid.titre.clone(),
        // Spliced in from the scratch file by `write_manifest`.
        appels: Vec::new(),
        fichiers,
        precedent: batch.precedent.clone(),
        projet: batch.projet.clone(),
    }
}

/// Flushes every file of the staging folder, then writes the manifest,
/// last: its presence means the batch is whole.
fn seal(
    staging: &Path,
    staging_fd: &File,
    manifest: &Manifest,
    appels: ManifestEntries,
) -> Result<(), BatchError> {
    rustix::fs::syncfs(staging_fd)
        .map_err(|e| BatchError::io("enregistrer sur disque le dossier", staging)(e.into()))?;
    staging_fd
        .sync_all()
        .map_err(BatchError::io("enregistrer sur disque le dossier", staging))?;
    crate::failpoint::hit("avant-manifeste");
    let manifest_path = staging.join(MANIFEST_FILE);
    write_manifest(&manifest_path, manifest, appels)?;
    sync_dir(staging)?;
    crate::failpoint::hit("avant-publication");
    Ok(())
}

/// Scratch file of the manifest's entries, inside the staging folder;
/// removed once the manifest is written.
const ENTRIES_SCRATCH_FILE: &str = ".manifest-appels.tmp";

/// One manifest entry, serialised by the worker that rendered its PDF, as
/// it appears in the manifest's `appels` array (see `ManifestEntries`).
struct SerializedEntry {
    rang: u32,
    json: Vec<u8>,
}

impl SerializedEntry {
    fn new(entry: &AppelEntry) -> Result<SerializedEntry, BatchError> {
        let pretty = serde_json::to_vec_pretty(entry).map_err(|e| {
            BatchError::io("écrire le manifeste", Path::new(MANIFEST_FILE))(e.into())
        })?;
        // `serde_json` writes the array elements of the manifest two levels
        // deep: the same text with four more spaces after each line break
        // (strings never hold a raw line break, JSON escapes it).
        let mut json = Vec::with_capacity(pretty.len() + pretty.len() / 8);
        for &b in &pretty {
            json.push(b);
            if b == b'\n' {
                json.extend_from_slice(b"    ");
            }
        }
        Ok(SerializedEntry {
            rang: entry.rang,
            json,
        })
    }
}

/// The manifest's `appels` array, written to a scratch file in roster
/// order, exactly as `serde_json::to_vec_pretty` writes it inside the
/// manifest (between its brackets).
struct ManifestEntries {
    path: PathBuf,
    file: BufWriter<File>,
    count: usize,
    first_rang: Option<u32>,
    last_rang: Option<u32>,
}

impl ManifestEntries {
    fn create(path: &Path) -> Result<ManifestEntries, BatchError> {
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(path)
            .map_err(BatchError::io("créer le fichier", path))?;
        Ok(ManifestEntries {
            path: path.to_path_buf(),
            file: BufWriter::with_capacity(256 * 1024, file),
            count: 0,
            first_rang: None,
            last_rang: None,
        })
    }

    fn push(&mut self, entry: &SerializedEntry) -> Result<(), BatchError> {
        let separator: &[u8] = if self.count == 0 {
            b"\n    "
        } else {
            b",\n    "
        };
        self.file
            .write_all(separator)
            .and_then(|()| self.file.write_all(&entry.json))
            .map_err(BatchError::io("écrire le fichier", &self.path))?;
        self.count += 1;
        self.first_rang.get_or_insert(entry.rang);
        self.last_rang = Some(entry.rang);
        Ok(())
    }
}

/// Writes `manifest` (whose `appels` is empty) with the entries of
/// `appels` spliced in: the same bytes as `Manifest::to_json` with the
/// entries in place, streamed to disk, then flushed (`fsync`).
fn write_manifest(
    path: &Path,
    manifest: &Manifest,
    appels: ManifestEntries,
) -> Result<(), BatchError> {
    let head_tail = manifest.to_json();
    let marker: &[u8] = b"\n  \"appels\": []";
    let Some(at) = head_tail
        .windows(marker.len())
        .position(|w| w == marker)
        .map(|i| i + marker.len() - 1)
    else {
        return Err(BatchError::io("écrire le fichier", path)(
            std::io::Error::other("liste des appels absente du manifeste"),
        ));
    };
    let ManifestEntries {
        path: scratch,
        file: entries,
        count,
        ..
    } = appels;
    let mut entries = entries
        .into_inner()
        .map_err(|e| BatchError::io("écrire le fichier", &scratch)(e.into_error()))?;
    let file = File::create_new(path).map_err(BatchError::io("créer le fichier", path))?;
    let write = || -> std::io::Result<File> {
        let mut out = BufWriter::with_capacity(256 * 1024, file);
        out.write_all(&head_tail[..at])?;
        if count > 0 {
            entries.seek(SeekFrom::Start(0))?;
            std::io::copy(&mut entries, &mut out)?;
            out.write_all(b"\n  ")?;
        }
        out.write_all(&head_tail[at..])?;
        out.into_inner()
            .map_err(std::io::IntoInnerError::into_error)
    };
    let file = write().map_err(BatchError::io("écrire le fichier", path))?;
    file.sync_all()
        .map_err(BatchError::io("enregistrer sur disque le fichier", path))?;
    fs::remove_file(&scratch).map_err(BatchError::io("supprimer le fichier", &scratch))
}

/// Flushes the file system of `dir` (`syncfs`) each time a chunk of the
/// batch is written, until `requests` closes; several pending requests make
/// one flush. Returns the first error: a write-back error reported here is
/// not reported again to the final flush.
fn background_flush(dir: &File, requests: &std::sync::mpsc::Receiver<()>) -> std::io::Result<()> {
    let mut result = Ok(());
    while requests.recv().is_ok() {
        while requests.try_recv().is_ok() {}
        if let Err(e) = rustix::fs::syncfs(dir)
            && result.is_ok()
        {
            result = Err(e.into());
        }
    }
    result
}

/// Renders, writes and hashes one appel's PDF; returns its manifest entry.
fn write_pdf(
    dir: &Path,
    appel: &Appel,
    renderer: &Renderer,
    emetteur: &Emetteur,
    format: PdfFormat,
) -> Result<SerializedEntry, BatchError> {
    let bytes = match format {
        PdfFormat::FacturX(profile) => renderer.render_facturx(appel, emetteur, profile)?,
        PdfFormat::Plain => renderer.render(appel, emetteur)?,
    };
    let name = pdf_name(appel);
    write_file(&dir.join(&name), &bytes)?;
    SerializedEntry::new(&AppelEntry {
        numero: appel.numero.clone(),
        rang: appel.rang,
        membre_id: appel.membre.id.clone(),
        fichier: format!("{APPELS_DIR}/{name}"),
        // The renderer resumes the hash after the bytes every PDF starts with.
        sha256: hex(&renderer.sha256(&bytes)),
        total_ttc: appel.totaux.ttc,
        destinataire: Destinataire {
            nom: appel.membre.nom.clone(),
            type_membre: appel.membre.kind,
            siret: appel.membre.siret.clone(),
            adresse: appel.membre.adresse.clone(),
            code_postal: appel.membre.code_postal.clone(),
            ville: appel.membre.ville.clone(),
            email: appel.membre.email.clone(),
            code_service: appel.membre.code_service.clone(),
            engagement: appel.membre.engagement.clone(),
            nom_service: appel.membre.nom_service.clone(),
            categorie_tiers: appel
                .membre
                .categorie_tiers
                .map(|c| c.code().to_string())
                .unwrap_or_default(),
            tranche: appel.placement.tranche,
            motif_tranche: appel.placement.motif.clone(),
            periode_debut: appel.periode_debut,
            periode_fin: appel.periode_fin,
        },
    })
}

/// Puts the staging folder in place of `out` in one atomic step, then
/// removes what `out` held: nothing, an empty folder, or the files of the
/// batch it replaces (`existing`), and only those.
fn publish(staging: &Path, out: &Path, existing: Existing) -> Result<(), BatchError> {
    // The old content, once swapped out: removed after the new batch is
    // durably in place (a crash before that leaves it to `remove_stale`).
    let old = match existing {
        Existing::Absent => {
            fs::rename(staging, out).map_err(BatchError::io("publier le dossier", out))?;
            None
        }
        Existing::Empty | Existing::Batch(_) => {
            let listed = match existing {
                Existing::Batch(files) => files,
                _ => Vec::new(),
            };
            // Swap the two folders atomically, then drop the old content.
            if let Ok(()) = rustix::fs::renameat_with(
                rustix::fs::CWD,
                staging,
                rustix::fs::CWD,
                out,
                rustix::fs::RenameFlags::EXCHANGE,
            ) {
                Some((staging.to_path_buf(), listed))
            } else {
                // File systems without RENAME_EXCHANGE: two renames.
                let aside = beside(out, "ancien");
                fs::rename(out, &aside)
                    .map_err(BatchError::io("mettre de côté l'ancien dossier", out))?;
                fs::rename(staging, out).map_err(BatchError::io("publier le dossier", out))?;
                Some((aside, listed))
            }
        }
    };
    let synced = sync_dir(&parent_of(out));
    crate::failpoint::hit("apres-publication");
    if let Some((old, listed)) = old {
        remove_replaced(&old, &listed);
    }
    synced
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::batch::manifest::Entree;
    use crate::money::Montant;

    fn date(month: u32, day: u32) -> chrono::NaiveDate {
        chrono::NaiveDate::from_ymd_opt(2027, month, day).unwrap()
    }

    fn entry(rang: u32, nom: &str) -> AppelEntry {
        AppelEntry {
            numero: format!("AC-2027-{rang:05}"),
            rang,
            membre_id: format!("C-{rang}"),
            fichier: format!("appels/AC-2027-{rang:05}_C-{rang}.pdf"),
            sha256: "ab".repeat(32),
            total_ttc: Montant::from_exact_cents(rust_decimal::Decimal::new(111_900, 2)).unwrap(),
            destinataire: Destinataire {
                nom: nom.into(),
                type_membre: crate::roster::MemberKind::Commune,
                siret: "21140024300014".into(),
                adresse: "Mairie\n« 1 place » \"de l’Église\"".into(),
                code_postal: "14970".into(),
                ville: "Saint-Aubin".into(),
                email: String::new(),
                code_service: String::new(),
                engagement: String::new(),
                nom_service: String::new(),
                categorie_tiers: String::new(),
                tranche: 3,
                motif_tranche: "commune de 812 habitants".into(),
                periode_debut: date(1, 1),
                periode_fin: date(12, 31),
            },
        }
    }

    #[test]
    fn streamed_manifest_is_byte_identical_to_to_json() {
        let dir = tempfile::tempdir().unwrap();
        for n in [0_u32, 1, 3] {
            let entries: Vec<AppelEntry> = (1..=n)
                .map(|i| entry(i, &format!("Commune n° {i} <&> \u{1}")))
                .collect();
            let mut manifest = Manifest {
                format: FORMAT,
                programme: "cotisations".into(),
                version: "0.1.0".into(),
                exercice: 2027,
                date_emission: date(1, 15),
                date_echeance: date(2, 14),
                entrees: Entrees {
                    role: Entree {
                        chemin: "role \"appels\": [].csv".into(),
                        sha256: "00".repeat(32),
                    },
                    grille: Entree {
                        chemin: "grille.toml".into(),
                        sha256: "01".repeat(32),
                    },
                    emetteur: Entree {
                        chemin: "emetteur.toml".into(),
                        sha256: "02".repeat(32),
                    },
                },
                options: Options {
                    format_csv: crate::csv_out::CsvFormat::Francais,
                    format_pdf: PdfFormat::FacturX(crate::facturx::Profile::En16931),
                    premier_rang: 1,
                    ignorer_invalides: false,
                    encodage_csv: Encoding::Utf8,
                },
                premier_rang: entries.first().map(|e| e.rang),
                dernier_rang: entries.last().map(|e| e.rang),
                total_ttc: Montant::ZERO,
                unites: [("appels", "\n  \"appels\": []"), ("forfait", "C62")]
                    .into_iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
                mention_tva: Some("\n  \"appels\": []".into()),
                convention: String::new(),
                appels: entries.clone(),
                fichiers: vec![Fichier {
                    chemin: LEDGER_FILE.into(),
                    sha256: "11".repeat(32),
                }],
                precedent: Some("\n  \"appels\": []".into()),
                projet: None,
            };
            let expected = manifest.to_json();
            let scratch = dir.path().join(format!("scratch-{n}"));
            let mut streamed = ManifestEntries::create(&scratch).unwrap();
            for e in &entries {
                streamed.push(&SerializedEntry::new(e).unwrap()).unwrap();
            }
            assert_eq!(streamed.first_rang, manifest.premier_rang);
            assert_eq!(streamed.last_rang, manifest.dernier_rang);
            manifest.appels = Vec::new();
            let path = dir.path().join(format!("manifest-{n}.json"));
            write_manifest(&path, &manifest, streamed).unwrap();
            let written = fs::read(&path).unwrap();
            assert!(
                written == expected,
                "{n} entries:\n{}\n---\n{}",
                String::from_utf8_lossy(&written),
                String::from_utf8_lossy(&expected)
            );
            assert!(!scratch.exists(), "scratch file removed");
        }
    }
}
