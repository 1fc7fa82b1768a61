//! The exercice folder (`docs/REGISTER.md`): one folder per exercice
//! holds every lot and avoir issued as numbered entries, the register
//! that lists them in order, the exercice's ledger and the current
//! projet. The register owns the series: an entry's numbers continue the
//! last entry's of its series, and an entry, once in place, is never
//! written again.
//!
//! ```text
//! DIR/exercice.json      the exercice, the ledger's format (written once)
//! DIR/registre.jsonl     one line per entry, chained by hashes
//! DIR/entrees/0001-AC/   an entry: a lot's or an avoir's folder
//! DIR/projet/            the current draft
//! DIR/ledger.csv         every issued line, in entry order
//! DIR/.lock              the writers' lock (readers share it)
//! ```
//!
//! Crash safety: an entry is written in a staging folder and renamed into
//! `entrees/` whole; its register line is appended after. A writer that
//! finds an entry without its line (the process died between the two)
//! appends the line, recomputed from the entry: a number is never consumed
//! without its document, nor a document kept without its number. The
//! exercice ledger is rebuilt from the entries whenever it does not match.

use std::collections::BTreeMap;
use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::destination::Place;
use super::error::{BatchError, DossierProblem};
use super::manifest::{DossierManifest, MANIFEST_FILE, SERIE_APPELS, coded, sha256_hex};
use super::output::{LEDGER_FILE, sync_dir};
use crate::csv_out::{CsvFormat, Encoding};
use crate::exercice::{Document, Register};
use crate::files::{self, FileError};
use crate::money::Montant;

pub use super::manifest::EXERCICE_FILE;
/// The register: one JSON line per entry.
pub const REGISTRE_FILE: &str = "registre.jsonl";
/// The folder of the entries.
pub const ENTREES_DIR: &str = "entrees";
/// The folder of the current projet.
pub const PROJET_DIR: &str = "projet";
/// The writers' lock.
pub const LOCK_FILE: &str = ".lock";
/// Layout of `exercice.json` this version writes.
const FORMAT: u32 = 1;

/// `exercice.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExerciceFile {
    pub format: u32,
    pub programme: String,
    pub exercice: i32,
    /// The ledger's dialect and encoding, the same for every entry (the
    /// exercice's ledger is their concatenation).
    #[serde(with = "coded")]
    pub format_csv: CsvFormat,
    #[serde(with = "coded")]
    pub encodage_csv: Encoding,
}

pub use super::manifest::{LignePiece, Piece};

pub use super::manifest::Inscription;

/// The register as read: the exercice, its lines, and the hash of each.
#[derive(Debug, Clone)]
pub struct Registre {
    pub root: PathBuf,
    pub exercice: ExerciceFile,
    pub lignes: Vec<Inscription>,
    /// SHA-256 of each line's text, in order.
    pub empreintes: Vec<String>,
}

/// How many hex digits of the register's head are shown.
pub const TETE_COURTE: usize = 12;

impl Registre {
    /// The register's head: the hash of its last line (empty: no entry).
    #[must_use]
    pub fn tete(&self) -> String {
        self.empreintes.last().cloned().unwrap_or_default()
    }

    /// The rank of the next document of `serie`.
    #[must_use]
    pub fn next_rank(&self, serie: &str) -> u32 {
        self.pieces(serie).map(|p| p.rang).max().unwrap_or(0) + 1
    }

    /// The last document of `serie`: its number and date.
    #[must_use]
    pub fn last_of(&self, serie: &str) -> Option<(String, NaiveDate)> {
        self.lignes
            .iter()
            .rev()
            .filter(|l| l.serie == serie)
            .find_map(|l| l.pieces.last().map(|p| (p.numero.clone(), l.date)))
    }

    /// Every document of `serie`, in order.
    pub fn pieces<'a>(&'a self, serie: &'a str) -> impl Iterator<Item = &'a Piece> + 'a {
        self.lignes
            .iter()
            .filter(move |l| l.serie == serie)
            .flat_map(|l| &l.pieces)
    }

    /// The folder, relative to the exercice folder, of the next entry of
    /// `serie`.
    #[must_use]
    pub fn next_dossier(&self, serie: &str) -> String {
        format!("{ENTREES_DIR}/{:04}-{serie}", self.lignes.len() + 1)
    }

    /// The hash of the last entry's manifest, which the next records.
    #[must_use]
    pub fn last_manifest(&self) -> Option<String> {
        self.lignes.last().map(|l| l.manifeste.clone())
    }

    /// The folders of the entries that issued documents (lots and
    /// avoirs; not the PES flows), in order.
    #[must_use]
    pub fn dossiers(&self) -> Vec<PathBuf> {
        self.lignes
            .iter()
            .filter(|l| l.serie != crate::pes::SERIE)
            .map(|l| self.root.join(&l.dossier))
            .collect()
    }

    /// The issued state, for the pure `crate::exercice`.
    #[must_use]
    pub fn state(&self) -> Register {
        let documents = self
            .lignes
            .iter()
            .flat_map(|l| {
                l.pieces.iter().map(move |p| Document {
                    numero: p.numero.clone(),
                    rang: p.rang,
                    serie: l.serie.clone(),
                    date: l.date,
                    membre_id: p.membre_id.clone(),
                    nom: p.nom.clone(),
                    total_ttc: p.total_ttc,
                    credite: p.appel.clone(),
                })
            })
            .collect();
        Register::of(documents, vec![self.exercice.exercice])
    }

    /// Per member, its lines net of avoirs (code → HT) and the appels
    /// standing (not fully credited).
    #[must_use]
    pub fn net_lines(&self) -> BTreeMap<String, crate::exercice::Emis> {
        let mut out: BTreeMap<String, crate::exercice::Emis> = BTreeMap::new();
        for l in &self.lignes {
            for p in &l.pieces {
                let e = out.entry(p.membre_id.clone()).or_default();
                if l.serie == SERIE_APPELS {
                    e.appels.push((p.numero.clone(), p.total_ttc));
                } else if let Some(appel) = &p.appel {
                    e.credits.push((appel.clone(), p.total_ttc));
                }
                for line in &p.lignes {
                    let sum = e.lignes.entry(line.code.clone()).or_insert(Montant::ZERO);
                    *sum = *sum + line.montant_ht;
                }
            }
        }
        out
    }
}

/// What the folder `root` is.
enum Found {
    Absent,
    Empty,
    Exercice,
}

/// Whether `root` is absent, empty, or an exercice folder; anything else
/// is refused, a link first.
fn classify(root: &Path) -> Result<Found, BatchError> {
    match super::destination::folder_at(root)? {
        Place::Absent => return Ok(Found::Absent),
        Place::NotAFolder => return Err(refuse(root, DossierProblem::PasUnDossier)),
        Place::Folder => {}
    }
    if fs::symlink_metadata(root.join(EXERCICE_FILE)).is_ok() {
        return Ok(Found::Exercice);
    }
    // Its lock alone (a writer's, perhaps running) does not make it full.
    let mut names: Vec<String> = fs::read_dir(root)
        .map_err(BatchError::io("lire le dossier", root))?
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n != LOCK_FILE && !n.starts_with(&format!(".{EXERCICE_FILE}.tmp-")))
        .collect();
    if names.is_empty() {
        return Ok(Found::Empty);
    }
    names.sort();
    let more = names.len().saturating_sub(5);
    names.truncate(5);
    Err(refuse(
        root,
        DossierProblem::PasUnExercice {
            fichiers: names,
            more,
        },
    ))
}

/// The folder `root` (its register read) is of `exercice`.
fn same_exercice(root: &Path, registre: &Registre, exercice: i32) -> Result<(), BatchError> {
    if registre.exercice.exercice == exercice {
        Ok(())
    } else {
        Err(refuse(
            root,
            DossierProblem::AutreExercice {
                found: registre.exercice.exercice,
                expected: exercice,
            },
        ))
    }
}

fn refuse(root: &Path, problem: DossierProblem) -> BatchError {
    BatchError::Dossier {
        path: root.to_path_buf(),
        problem,
    }
}

/// Reads `exercice.json` and the register of the exercice folder `root`.
///
/// # Errors
/// `BatchError::Dossier` for a file that cannot be read as written.
pub fn read_registre(root: &Path) -> Result<Registre, BatchError> {
    let bytes = files::read_input(&root.join(EXERCICE_FILE), files::MAX_CONFIG_BYTES)?;
    let exercice: ExerciceFile = serde_json::from_slice(&bytes).map_err(|e| {
        refuse(
            root,
            DossierProblem::ExerciceIllisible {
                reason: crate::reasons::json_reason_fr(&e),
            },
        )
    })?;
    if exercice.format != FORMAT {
        return Err(refuse(
            root,
            DossierProblem::ExerciceIllisible {
                reason: format!("format {} inconnu de cette version", exercice.format),
            },
        ));
    }
    let path = root.join(REGISTRE_FILE);
    let text = match files::read_input(&path, files::MAX_LEDGER_BYTES) {
        Ok(b) => String::from_utf8(b).map_err(|_| {
            refuse(
                root,
                DossierProblem::RegistreIllisible {
                    ligne: 0,
                    reason: "texte non UTF-8".into(),
                },
            )
        })?,
        Err(FileError::Io { source, .. }) if source.kind() == std::io::ErrorKind::NotFound => {
            String::new()
        }
        Err(e) => return Err(e.into()),
    };
    let mut lignes = Vec::new();
    let mut empreintes = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let ins: Inscription = serde_json::from_str(line).map_err(|e| {
            refuse(
                root,
                DossierProblem::RegistreIllisible {
                    ligne: i + 1,
                    reason: crate::reasons::json_reason_fr(&e),
                },
            )
        })?;
        empreintes.push(sha256_hex(line.as_bytes()));
        lignes.push(ins);
    }
    Ok(Registre {
        root: root.to_path_buf(),
        exercice,
        lignes,
        empreintes,
    })
}

/// Whether `root` is an exercice folder (holds `exercice.json`).
#[must_use]
pub fn is_exercice(root: &Path) -> bool {
    fs::symlink_metadata(root.join(EXERCICE_FILE)).is_ok_and(|m| m.is_file())
}

/// A reader's view of the exercice: the last committed state, read under
/// the shared lock (a writer in progress is waited for).
///
/// # Errors
/// The folder or its register cannot be read.
pub fn read_committed(root: &Path) -> Result<Registre, BatchError> {
    let _shared = lock_shared(root)?;
    read_registre(root)
}

/// What `open_writer` would find at `root`, without writing anything: the
/// register of an exercice folder of `exercice`, or `None` for a folder
/// absent or empty (`cotisations check --out`).
///
/// # Errors
/// The refusals of `open_writer`.
pub fn inspect(
    root: &Path,
    exercice: i32,
    inputs: &[PathBuf],
) -> Result<Option<Registre>, BatchError> {
    super::destination::check_exercice_place(root, inputs)?;
    match classify(root)? {
        Found::Absent | Found::Empty => Ok(None),
        Found::Exercice => {
            let registre = read_committed(root)?;
            same_exercice(root, &registre, exercice)?;
            Ok(Some(registre))
        }
    }
}

/// A writer of the exercice folder: holds its lock until dropped.
#[derive(Debug)]
pub struct Ecrivain {
    pub registre: Registre,
    lock: File,
    /// What the opening repaired after an interrupted run, for the log.
    pub repare: Vec<String>,
    /// The folders the opening created, outermost first, for the log.
    pub crees: Vec<PathBuf>,
}

/// Opens (creating it if absent or empty) the exercice folder `root` of
/// `exercice` for writing: takes its lock, then finishes what an
/// interrupted run left (see the module).
///
/// # Errors
/// `BatchError::Dossier` for a folder that is not an exercice folder of
/// `exercice`, `BatchError::Locked` if another run writes in it.
pub fn open_writer(
    root: &Path,
    exercice: i32,
    csv: (CsvFormat, Encoding),
    inputs: &[PathBuf],
) -> Result<Ecrivain, BatchError> {
    super::destination::check_exercice_place(root, inputs)?;
    let found = classify(root)?;
    let mut crees = Vec::new();
    if matches!(found, Found::Absent) {
        crees = files::create_parents(root)?;
        match fs::create_dir(root) {
            Ok(()) => crees.push(root.to_path_buf()),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(BatchError::io("créer le dossier", root)(e)),
        }
    }
    let lock_path = root.join(LOCK_FILE);
    let mut lock = files::open_no_follow(&lock_path)?;
    match lock.try_lock() {
        Ok(()) => {}
        Err(fs::TryLockError::WouldBlock) => {
            let mut holder = String::new();
            let _ = std::io::Read::read_to_string(&mut lock, &mut holder);
            return Err(BatchError::Locked {
                path: root.to_path_buf(),
                holder: holder.trim().to_string(),
            });
        }
        Err(fs::TryLockError::Error(e)) => {
            return Err(BatchError::io("verrouiller", &lock_path)(e));
        }
    }
    // Say who holds it, for the message of a concurrent run; emptied again
    // when the writer ends (`Drop`).
    let _ = lock.set_len(0);
    let _ = write!(
        lock,
        "processus {} démarré le {}",
        std::process::id(),
        chrono::Local::now().format("%d/%m/%Y à %H:%M:%S")
    );
    let _ = lock.flush();
    // Again under the lock: a writer that held it may have created it.
    classify(root)?;
    if !is_exercice(root) {
        // Created (absent or empty) under the lock: nothing else is there.
        let file = ExerciceFile {
            format: FORMAT,
            programme: env!("CARGO_PKG_NAME").into(),
            exercice,
            format_csv: csv.0,
            encodage_csv: csv.1,
        };
        let mut json = serde_json::to_vec_pretty(&file).unwrap_or_default();
        json.push(b'\n');
        write_atomic(root, EXERCICE_FILE, &json)?;
    }
    let entrees = root.join(ENTREES_DIR);
    if !entrees.is_dir() {
        fs::create_dir(&entrees).map_err(BatchError::io("créer le dossier", &entrees))?;
    }
    let registre = read_registre(root)?;
    same_exercice(root, &registre, exercice)?;
    if (registre.exercice.format_csv, registre.exercice.encodage_csv) != csv {
        return Err(refuse(
            root,
            DossierProblem::AutreFormatCsv {
                found: (registre.exercice.format_csv, registre.exercice.encodage_csv),
                asked: csv,
            },
        ));
    }
    let mut writer = Ecrivain {
        registre,
        lock,
        repare: Vec::new(),
        crees,
    };
    writer.recover()?;
    Ok(writer)
}

impl Drop for Ecrivain {
    fn drop(&mut self) {
        // The lock file stays (removing it would race another writer); its
        // holder's text goes, so that a finished exercice is the same bytes
        // whoever wrote it.
        let _ = self.lock.set_len(0);
    }
}

/// Writes `bytes` to `root/name` through a temporary file, flushed, then
/// renamed over it: whole or absent.
fn write_atomic(root: &Path, name: &str, bytes: &[u8]) -> Result<(), BatchError> {
    files::write_atomic(root, name, bytes)
        .map_err(BatchError::io("écrire le fichier", root.join(name)))?;
    sync_dir(root)
}

impl Ecrivain {
    /// The exercice folder.
    #[must_use]
    pub fn root(&self) -> &Path {
        &self.registre.root
    }

    /// Where the next entry of `serie` goes.
    #[must_use]
    pub fn next_entry(&self, serie: &str) -> PathBuf {
        self.root().join(self.registre.next_dossier(serie))
    }

    /// Where the projet goes.
    #[must_use]
    pub fn projet(&self) -> PathBuf {
        self.root().join(PROJET_DIR)
    }

    /// Finishes what an interrupted writer left: working files of ours
    /// removed, an entry in place without its register line inscribed,
    /// the exercice ledger rebuilt if it does not match the entries.
    fn recover(&mut self) -> Result<(), BatchError> {
        let root = self.root().to_path_buf();
        remove_working_files(&root);
        remove_working_files(&root.join(ENTREES_DIR));
        loop {
            let seq = format!("{:04}-", self.registre.lignes.len() + 1);
            let found = fs::read_dir(root.join(ENTREES_DIR))
                .map_err(BatchError::io("lire le dossier", root.join(ENTREES_DIR)))?
                .flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .find(|n| n.starts_with(&seq));
            let Some(name) = found else { break };
            let rel = format!("{ENTREES_DIR}/{name}");
            // The entry was renamed into place whole (its manifest is
            // written last): its line is recomputed from it.
            let verified = if super::entree_pes::is_pes_entry(&name) {
                super::entree_pes::verify_entry(&root.join(&rel)).map(|_| ())
            } else {
                super::verify::verify_folder(&root.join(&rel)).map(|_| ())
            };
            verified.map_err(|e| match e {
                BatchError::Verify { problems, .. } => refuse(
                    &root,
                    DossierProblem::EntreeSansInscription {
                        dossier: rel.clone(),
                        problems,
                    },
                ),
                other => other,
            })?;
            let ins = self.inscription_of(&rel)?;
            self.append(ins)?;
            self.repare.push(format!(
                "l'entrée « {rel} », écrite par une exécution interrompue avant son inscription, a été inscrite au registre"
            ));
        }
        if !self.ledger_matches() {
            self.rebuild_ledger()?;
        }
        Ok(())
    }

    /// The register line of the entry `rel` (in place), recomputed from
    /// its manifest and its ledger.
    ///
    /// # Errors
    /// The entry cannot be read.
    pub fn inscription_of(&self, rel: &str) -> Result<Inscription, BatchError> {
        let sequence = u32::try_from(self.registre.lignes.len() + 1).unwrap_or(u32::MAX);
        if super::entree_pes::is_pes_entry(rel) {
            return super::entree_pes::inscription_of(
                self.root(),
                rel,
                sequence,
                &self.registre.tete(),
            );
        }
        inscription_of(self.root(), rel, sequence, &self.registre.tete())
    }

    /// Appends `ins` to the register, flushed to disk, then rebuilds the
    /// exercice ledger.
    fn append(&mut self, ins: Inscription) -> Result<(), BatchError> {
        let path = self.root().join(REGISTRE_FILE);
        let f = OpenOptions::new()
            .append(true)
            .create(true)
            .custom_flags(files::no_follow())
            .open(&path)
            .map_err(|e| files::refused_link(&path, e, "ouvrir le fichier"))?;
        // Serialized straight to the file and hashed on the way (a lot of
        // 35 000 appels makes a line of 20 MB: never a copy of it).
        let mut w = super::output::HashingWriter {
            inner: std::io::BufWriter::with_capacity(1 << 16, &f),
            hasher: Sha256::new(),
        };
        serde_json::to_writer(&mut w, &ins)
            .map_err(std::io::Error::from)
            .and_then(|()| w.inner.write_all(b"\n"))
            .and_then(|()| w.inner.flush())
            .and_then(|()| f.sync_all())
            .map_err(BatchError::io("écrire le fichier", &path))?;
        self.registre
            .empreintes
            .push(super::manifest::hex(&w.hasher.finalize()));
        let (serie, dossier) = (ins.serie.clone(), ins.dossier.clone());
        self.registre.lignes.push(ins);
        if serie == crate::pes::SERIE {
            // A flow issues no document: the exercice ledger stays.
            return Ok(());
        }
        crate::failpoint::hit("avant-journal-exercice");
        self.extend_ledger(&dossier)
    }

    /// Adds the lines of the entry `rel` at the end of `ledger.csv`
    /// (matching the entries before it: `recover` saw to it), copied, not
    /// read whole. Not flushed to disk: the exercice ledger is derivable,
    /// and a writer that finds it short or long (a crash in the middle)
    /// rebuilds it.
    fn extend_ledger(&self, rel: &str) -> Result<(), BatchError> {
        let source = self.root().join(rel).join(LEDGER_FILE);
        let (entry, _) = files::open_input(&source, files::MAX_LEDGER_BYTES)?;
        let mut entry = std::io::BufReader::with_capacity(1 << 16, entry);
        let path = self.root().join(LEDGER_FILE);
        let (mut f, _) = files::open_append(&path)?;
        let empty = f.metadata().map_or(true, |m| m.len() == 0);
        if !empty {
            // Its header, already there.
            let mut header = Vec::new();
            std::io::BufRead::read_until(&mut entry, b'\n', &mut header)
                .map_err(BatchError::io("lire le fichier", &source))?;
        }
        std::io::copy(&mut entry, &mut f).map_err(BatchError::io("écrire le fichier", &path))?;
        Ok(())
    }

    /// Inscribes the lot just put in place at `entry` (from `next_entry`),
    /// dated `date`, whose appels are `pieces` (as `write_batch` wrote
    /// them: nothing read back but the manifest's hash). `verify` recomputes the line from the files.
    ///
    /// # Errors
    /// The manifest cannot be read, or the register cannot be written.
    pub fn commit(
        &mut self,
        entry: &Path,
        pieces: Vec<Piece>,
        date: NaiveDate,
    ) -> Result<(), BatchError> {
        crate::failpoint::hit("avant-registre");
        let rel = self.relative(entry);
        let manifeste = sha256_hex(&files::read_input(
            &entry.join(MANIFEST_FILE),
            files::MAX_LEDGER_BYTES,
        )?);
        let ins = Inscription {
            sequence: u32::try_from(self.registre.lignes.len() + 1).unwrap_or(u32::MAX),
            serie: SERIE_APPELS.into(),
            dossier: rel,
            date,
            manifeste,
            precedent: self.registre.tete(),
            pieces,
            bordereaux: Vec::new(),
            avoirs_saisis: Vec::new(),
        };
        self.append(ins)
    }

    /// Inscribes the entry just put in place at `entry`, its line
    /// recomputed from its files (an avoir: one document).
    ///
    /// # Errors
    /// The entry cannot be read, or the register cannot be written.
    pub fn commit_read(&mut self, entry: &Path) -> Result<(), BatchError> {
        crate::failpoint::hit("avant-registre");
        let rel = self.relative(entry);
        let ins = self.inscription_of(&rel)?;
        self.append(ins)
    }

    /// `entry`'s path relative to the exercice folder.
    fn relative(&self, entry: &Path) -> String {
        entry
            .strip_prefix(self.root())
            .map(|p| p.display().to_string())
            .unwrap_or_default()
    }

    /// Whether `ledger.csv` has the size the entries' ledgers add up to.
    fn ledger_matches(&self) -> bool {
        let Ok(meta) = fs::symlink_metadata(self.root().join(LEDGER_FILE)) else {
            return false;
        };
        let mut expected = None::<u64>;
        for dir in self.registre.dossiers() {
            // Its size and its header's length: not the whole file (42 MB
            // for a lot of 35 000 appels).
            let Ok((len, head)) = size_and_header(&dir.join(LEDGER_FILE)) else {
                return false;
            };
            let total = expected.get_or_insert(head);
            *total += len - head;
        }
        meta.is_file() && expected.is_some_and(|e| e == meta.len())
    }

    /// Rewrites `ledger.csv`: the entries' ledgers, one header.
    fn rebuild_ledger(&self) -> Result<(), BatchError> {
        let bytes = exercice_ledger(&self.registre)?;
        if bytes.is_empty() {
            return Ok(());
        }
        write_atomic(self.root(), LEDGER_FILE, &bytes)
    }

    /// Removes the projet, if this program wrote it.
    pub fn remove_projet(&self) {
        let projet = self.projet();
        if fs::symlink_metadata(&projet).is_ok_and(|m| m.is_dir())
            && let Ok(super::destination::Existing::Batch(listed)) =
                super::destination::check_destination(&projet, true, &[])
        {
            let aside = super::destination::beside(&projet, "ancien");
            if fs::rename(&projet, &aside).is_ok() {
                super::destination::remove_replaced(&aside, &listed);
            }
        }
    }
}

/// A ledger's size and the length of its header line, from its first
/// kilobytes.
fn size_and_header(path: &Path) -> std::io::Result<(u64, u64)> {
    let mut f = File::open(path)?;
    let len = f.metadata()?.len();
    let mut start = Vec::with_capacity(4096);
    std::io::Read::read_to_end(&mut std::io::Read::take(&mut f, 64 * 1024), &mut start)?;
    Ok((len, header_len(&start) as u64))
}

/// The length of a ledger's header line (its BOM included).
fn header_len(bytes: &[u8]) -> usize {
    bytes
        .iter()
        .position(|&b| b == b'\n')
        .map_or(bytes.len(), |i| i + 1)
}

/// The exercice's ledger: the header once, then every entry's lines, in
/// entry order (empty when there is no entry).
///
/// # Errors
/// An entry's ledger cannot be read.
pub fn exercice_ledger(registre: &Registre) -> Result<Vec<u8>, BatchError> {
    let mut out = Vec::new();
    for dir in registre.dossiers() {
        let path = dir.join(LEDGER_FILE);
        let bytes = files::read_input(&path, files::MAX_LEDGER_BYTES)?;
        let head = header_len(&bytes);
        if out.is_empty() {
            out.extend_from_slice(&bytes[..head]);
        }
        out.extend_from_slice(&bytes[head..]);
    }
    Ok(out)
}

/// Removes the working files and folders a run of this program leaves
/// while it writes in `dir` (`.NAME.staging-PID`, `.NAME.ancien-PID`,
/// `.NAME.lock`, `.NAME.tmp-PID`): real files and folders only.
fn remove_working_files(dir: &Path) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let Some(rest) = name.strip_prefix('.') else {
            continue;
        };
        let pid_suffix = |marker: &str| {
            rest.rsplit_once(marker)
                .is_some_and(|(_, pid)| !pid.is_empty() && pid.chars().all(|c| c.is_ascii_digit()))
        };
        let ours = pid_suffix(".staging-")
            || pid_suffix(".ancien-")
            || pid_suffix(".tmp-")
            || (Path::new(rest).extension().is_some_and(|e| e == "lock") && rest != "lock");
        let Ok(kind) = e.file_type() else { continue };
        if !ours || kind.is_symlink() {
            continue;
        }
        if kind.is_dir() {
            let _ = fs::remove_dir_all(e.path());
        } else if kind.is_file() {
            let _ = fs::remove_file(e.path());
        }
    }
}

/// The register line of the entry `root/rel`, from its manifest and its
/// ledger (read, not verified: `verify` proves the files).
///
/// # Errors
/// The manifest or the ledger cannot be read.
pub fn inscription_of(
    root: &Path,
    rel: &str,
    sequence: u32,
    precedent: &str,
) -> Result<Inscription, BatchError> {
    let dir = root.join(rel);
    let bytes = files::read_input(&dir.join(MANIFEST_FILE), files::MAX_LEDGER_BYTES)?;
    let d = DossierManifest::parse(&bytes).map_err(|reason| {
        refuse(
            root,
            DossierProblem::EntreeIllisible {
                dossier: rel.into(),
                reason,
            },
        )
    })?;
    inscription_from(&dir, rel, sequence, precedent, &d, sha256_hex(&bytes))
}

/// The register line of the entry `dir` (`rel` in its exercice) whose
/// manifest, parsed, is `d` and hashes to `manifeste`: its ledger read.
///
/// # Errors
/// The ledger cannot be read.
fn inscription_from(
    dir: &Path,
    rel: &str,
    sequence: u32,
    precedent: &str,
    d: &DossierManifest,
    manifeste: String,
) -> Result<Inscription, BatchError> {
    let dir = dir.to_path_buf();
    let ledger_path = dir.join(LEDGER_FILE);
    let ledger = files::read_input(&ledger_path, files::MAX_LEDGER_BYTES)?;
    let read =
        crate::ledger::read::read(&ledger, Some(d.manifest.options.encodage_csv)).map_err(|e| {
            BatchError::Verify {
                dir: dir.clone(),
                problems: vec![super::error::VerifyProblem::Ledger(e)],
            }
        })?;
    let mut by_numero: BTreeMap<&str, Vec<LignePiece>> = BTreeMap::new();
    for r in &read.rows {
        by_numero.entry(&r.numero).or_default().push(LignePiece {
            code: r.code.clone(),
            montant_ht: r.montant_ht,
            montant_ttc: r.montant_ttc,
        });
    }
    let pieces = d
        .manifest
        .appels
        .iter()
        .map(|a| Piece {
            numero: a.numero.clone(),
            rang: a.rang,
            membre_id: a.membre_id.clone(),
            nom: a.destinataire.nom.clone(),
            total_ttc: a.total_ttc,
            appel: d
                .deja_credites
                .iter()
                .find(|c| c.avoir == a.numero)
                .map(|c| c.appel.clone()),
            lignes: by_numero.remove(a.numero.as_str()).unwrap_or_default(),
        })
        .collect();
    Ok(Inscription {
        sequence,
        serie: d.serie.clone(),
        dossier: rel.into(),
        date: d.manifest.date_emission,
        manifeste,
        precedent: precedent.into(),
        pieces,
        bordereaux: Vec::new(),
        avoirs_saisis: Vec::new(),
    })
}

/// Takes the shared lock of the exercice folder `root`, if it has one: a
/// writer in progress is waited for, so that a reader sees the last
/// committed state. The lock is held until the file is dropped.
///
/// # Errors
/// The lock is a link, or cannot be taken.
pub fn lock_shared(root: &Path) -> Result<Option<File>, BatchError> {
    let lock_path = root.join(LOCK_FILE);
    match OpenOptions::new()
        .read(true)
        .custom_flags(files::no_follow())
        .open(&lock_path)
    {
        Ok(file) => {
            file.lock_shared()
                .map_err(BatchError::io("verrouiller", &lock_path))?;
            Ok(Some(file))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(files::refused_link(&lock_path, e, "ouvrir le verrou").into()),
    }
}

/// What `verify DIR` found in an intact exercice.
pub struct Verifie {
    pub registre: Registre,
    pub state: Register,
}

/// The send journal of `cotisations envoi` (`batch::envoi`).
pub const ENVOIS_FILE: &str = "envois.jsonl";
/// The print-ready mailings of `cotisations envoi` (`batch::envoi`).
pub const COURRIER_DIR: &str = "courrier";

/// The names an exercice folder holds at its top, besides `entrees/`.
const TOP_FILES: [&str; 5] = [
    EXERCICE_FILE,
    REGISTRE_FILE,
    LEDGER_FILE,
    LOCK_FILE,
    ENVOIS_FILE,
];

/// Proves the exercice folder `root` whole: every entry as a folder
/// (`verify::verify_folder`), nothing else in it, the register's lines
/// recomputed from the entries and chained, the entries' manifests
/// chained, the series continuous and chronological, no member billed
/// twice, no avoir beyond its appel, the exercice ledger the entries'
/// ledgers; with `tete`, that the register extends that head. Reads the
/// last committed state (under the shared lock).
///
/// # Errors
/// `BatchError::VerifyExercice` listing every problem found.
#[allow(
    clippy::too_many_lines,
    reason = "one pass over the register, each check beside the line it reads"
)]
pub fn verify(root: &Path, tete: Option<&str>) -> Result<Verifie, BatchError> {
    use super::error::ExerciceProblem as P;
    let _shared = lock_shared(root)?;
    let fail = |problems: Vec<P>| BatchError::VerifyExercice {
        dir: root.to_path_buf(),
        problems,
    };
    let registre = read_registre(root).map_err(|e| match e {
        BatchError::Dossier { problem, .. } => fail(vec![P::Illisible(problem)]),
        other => other,
    })?;
    let mut problems = Vec::new();
    check_top(root, &registre, &mut problems);
    let mut previous_manifest: Option<String> = None;
    let mut documents = Vec::new();
    for (i, line) in registre.lignes.iter().enumerate() {
        let sequence = u32::try_from(i + 1).unwrap_or(u32::MAX);
        let expected_dir = format!("{ENTREES_DIR}/{sequence:04}-{}", line.serie);
        if line.sequence != sequence || line.dossier != expected_dir {
            problems.push(P::Sequence {
                sequence,
                dossier: line.dossier.clone(),
            });
        }
        let precedent = if i == 0 {
            String::new()
        } else {
            registre.empreintes[i - 1].clone()
        };
        if line.precedent != precedent {
            problems.push(P::ChaineRegistre { sequence });
        }
        let dir = root.join(&expected_dir);
        if line.serie == crate::pes::SERIE {
            let recomputed = verify_pes_line(
                &dir,
                &expected_dir,
                line,
                sequence,
                &precedent,
                (previous_manifest.as_ref(), &documents),
                &mut problems,
            )?;
            previous_manifest = Some(recomputed.manifeste.clone());
            documents.push(recomputed);
            continue;
        }
        let verified = match super::verify::verify_folder(&dir) {
            Ok(d) => Some(d),
            Err(BatchError::Verify {
                problems: found, ..
            }) => {
                problems.push(P::Entree {
                    dossier: expected_dir.clone(),
                    problems: found,
                });
                None
            }
            Err(other) => return Err(other),
        };
        if let Some(d) = &verified {
            if d.manifest.precedent != previous_manifest {
                problems.push(P::ChaineEntrees {
                    dossier: expected_dir.clone(),
                });
            }
            if d.serie != line.serie {
                problems.push(P::Inscription {
                    dossier: expected_dir.clone(),
                });
            }
        }
        // The line recomputed from the manifest just verified (parsed once).
        let recomputed = match &verified {
            Some(d) => fs::read(dir.join(MANIFEST_FILE))
                .map_err(BatchError::io("lire le fichier", dir.join(MANIFEST_FILE)))
                .and_then(|bytes| {
                    inscription_from(
                        &dir,
                        &expected_dir,
                        sequence,
                        &precedent,
                        d,
                        sha256_hex(&bytes),
                    )
                }),
            None => inscription_of(root, &expected_dir, sequence, &precedent),
        };
        match recomputed {
            Ok(recomputed) => {
                if recomputed.manifeste != line.manifeste
                    || recomputed.pieces != line.pieces
                    || recomputed.date != line.date
                {
                    problems.push(P::Inscription {
                        dossier: expected_dir.clone(),
                    });
                }
                previous_manifest = Some(recomputed.manifeste.clone());
                documents.push(recomputed);
            }
            Err(_) => previous_manifest = Some(line.manifeste.clone()),
        }
    }
    // The series and the members, from the entries themselves.
    let recomputed = Registre {
        root: root.to_path_buf(),
        exercice: registre.exercice.clone(),
        lignes: documents,
        empreintes: registre.empreintes.clone(),
    };
    let state = recomputed.state();
    problems.extend(state.problems.iter().cloned().map(P::Serie));
    check_cited_lots(root, &recomputed, &mut problems);
    check_flows(&recomputed, &mut problems);
    match (exercice_ledger(&registre), fs::read(root.join(LEDGER_FILE))) {
        (Ok(expected), Ok(found)) if expected == found => {}
        (Ok(expected), Err(_)) if expected.is_empty() => {}
        _ => problems.push(P::Journal),
    }
    if let Some(t) = tete {
        let t = t.trim().to_ascii_lowercase();
        if t.len() < 8 || !registre.empreintes.iter().any(|e| e.starts_with(&t)) {
            problems.push(P::Tete { tete: t });
        }
    }
    if problems.is_empty() {
        Ok(Verifie { registre, state })
    } else {
        Err(fail(problems))
    }
}

/// Nothing at the top of the exercice folder or in `entrees/` but what
/// the program writes there; no link anywhere at those levels.
fn check_top(root: &Path, registre: &Registre, problems: &mut Vec<super::error::ExerciceProblem>) {
    use super::error::ExerciceProblem as P;
    let listed: std::collections::BTreeSet<String> = registre
        .lignes
        .iter()
        .filter_map(|l| {
            l.dossier
                .strip_prefix(&format!("{ENTREES_DIR}/"))
                .map(str::to_string)
        })
        .collect();
    for (dir, rel) in [
        (root.to_path_buf(), ""),
        (root.join(ENTREES_DIR), ENTREES_DIR),
    ] {
        let Ok(entries) = fs::read_dir(&dir) else {
            continue;
        };
        let mut names: Vec<(String, fs::FileType)> = entries
            .flatten()
            .filter_map(|e| {
                Some((
                    e.file_name().to_string_lossy().into_owned(),
                    e.file_type().ok()?,
                ))
            })
            .collect();
        names.sort_by(|a, b| a.0.cmp(&b.0));
        for (name, kind) in names {
            let chemin = if rel.is_empty() {
                name.clone()
            } else {
                format!("{rel}/{name}")
            };
            if kind.is_symlink() {
                problems.push(P::Lien { chemin });
                continue;
            }
            let expected = if rel.is_empty() {
                (TOP_FILES.contains(&name.as_str()) && kind.is_file())
                    || ((name == ENTREES_DIR || name == PROJET_DIR) && kind.is_dir())
                    || (name == COURRIER_DIR && kind.is_dir())
            } else {
                kind.is_dir() && listed.contains(&name)
            };
            if !expected {
                if !rel.is_empty() && kind.is_dir() {
                    problems.push(P::NonInscrite { dossier: chemin });
                } else {
                    problems.push(P::Inattendu { chemin });
                }
            }
        }
    }
}

/// A PES entry: the entry itself (`pes::verify_entry`), its manifest
/// chained to the entry before, its register line recomputed.
fn verify_pes_line(
    dir: &Path,
    rel: &str,
    line: &Inscription,
    sequence: u32,
    precedent: &str,
    (previous_manifest, before): (Option<&String>, &[Inscription]),
    problems: &mut Vec<super::error::ExerciceProblem>,
) -> Result<Inscription, BatchError> {
    use super::error::ExerciceProblem as P;
    match super::entree_pes::verify_entry(dir) {
        Ok(m) => {
            if m.precedent.as_ref() != previous_manifest {
                problems.push(P::ChaineEntrees {
                    dossier: rel.into(),
                });
            }
            // Each lot carried is an earlier lot of appels, as issued.
            for lot in &m.lots {
                let issued = before.iter().any(|l| {
                    l.dossier == lot.chemin && l.serie == SERIE_APPELS && l.manifeste == lot.sha256
                });
                if !issued {
                    problems.push(P::LotTransmis {
                        lot: lot.chemin.clone(),
                        flux: rel.into(),
                    });
                }
            }
            let bytes = fs::read(dir.join(super::entree_pes::PES_FILE)).map_err(BatchError::io(
                "lire le fichier",
                dir.join(super::entree_pes::PES_FILE),
            ))?;
            let recomputed = super::entree_pes::inscription_from(
                &m,
                rel,
                sequence,
                precedent,
                sha256_hex(&bytes),
            );
            if recomputed.manifeste != line.manifeste
                || recomputed.bordereaux != line.bordereaux
                || recomputed.avoirs_saisis != line.avoirs_saisis
                || recomputed.date != line.date
                || !line.pieces.is_empty()
            {
                problems.push(P::Inscription {
                    dossier: rel.into(),
                });
            }
            Ok(recomputed)
        }
        Err(BatchError::Verify {
            problems: found, ..
        }) => {
            problems.push(P::Entree {
                dossier: rel.into(),
                problems: found,
            });
            Ok(line.clone())
        }
        Err(other) => Err(other),
    }
}

/// Across the flows: every lot carried once, by the version the register
/// inscribed; the bordereau numbers unique and consecutive.
fn check_flows(registre: &Registre, problems: &mut Vec<super::error::ExerciceProblem>) {
    use super::error::ExerciceProblem as P;
    let mut carried: BTreeMap<&str, &str> = BTreeMap::new();
    let mut last: Option<u32> = None;
    // Each rôle's first sending and the rank of its last one.
    let mut sent: BTreeMap<u32, (&super::manifest::BordereauInscrit, u8)> = BTreeMap::new();
    for line in registre
        .lignes
        .iter()
        .filter(|l| l.serie == crate::pes::SERIE)
    {
        for b in &line.bordereaux {
            if b.envoi > 1 {
                // A rôle sent again: the same lot, pièces and total as its
                // first sending, as the next sending; not a new rôle.
                let repeats = sent.get(&b.id_bord).is_some_and(|(first, envoi)| {
                    first.lot == b.lot
                        && (
                            first.premier_rang,
                            first.dernier_rang,
                            first.pieces,
                            first.total,
                        ) == (b.premier_rang, b.dernier_rang, b.pieces, b.total)
                        && b.envoi == envoi + 1
                });
                if !repeats {
                    problems.push(P::Renvoi {
                        id_bord: b.id_bord,
                        envoi: b.envoi,
                        flux: line.dossier.clone(),
                    });
                }
                if let Some((_, envoi)) = sent.get_mut(&b.id_bord) {
                    *envoi = b.envoi;
                }
                continue;
            }
            sent.insert(b.id_bord, (b, 1));
            if let Some(previous) = last
                && b.id_bord != previous + 1
            {
                problems.push(P::Bordereau { id_bord: b.id_bord });
            }
            last = Some(b.id_bord);
            let lot = registre.lignes.iter().find(|l| l.dossier == b.lot);
            if lot.is_none_or(|l| l.serie != SERIE_APPELS) {
                problems.push(P::LotTransmis {
                    lot: b.lot.clone(),
                    flux: line.dossier.clone(),
                });
            }
            if let Some(first) = carried.get(b.lot.as_str())
                && *first != line.dossier
            {
                problems.push(P::LotTransmis {
                    lot: b.lot.clone(),
                    flux: line.dossier.clone(),
                });
            }
            carried.insert(&b.lot, &line.dossier);
        }
    }
}

/// Each avoir cites, by the hash of its manifest, the lot that holds its
/// appel: that lot, in this exercice, must be the one cited.
fn check_cited_lots(
    root: &Path,
    registre: &Registre,
    problems: &mut Vec<super::error::ExerciceProblem>,
) {
    for line in registre.lignes.iter().filter(|l| l.serie != SERIE_APPELS) {
        let Ok(bytes) = fs::read(root.join(&line.dossier).join(MANIFEST_FILE)) else {
            continue;
        };
        let Ok(d) = DossierManifest::parse(&bytes) else {
            continue;
        };
        for p in &line.pieces {
            let Some(appel) = &p.appel else { continue };
            let holder = registre
                .lignes
                .iter()
                .find(|l| l.serie == SERIE_APPELS && l.pieces.iter().any(|a| &a.numero == appel));
            if let (Some(holder), Some(cited)) = (holder, &d.lot)
                && holder.manifeste != cited.sha256
            {
                problems.push(super::error::ExerciceProblem::LotCite {
                    avoir: p.numero.clone(),
                    lot: holder.dossier.clone(),
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::batch::error::ExerciceProblem as P;
    use crate::batch::manifest::BordereauInscrit;
    use crate::money::Montant;

    fn line(serie: &str, dossier: &str, bordereaux: Vec<BordereauInscrit>) -> Inscription {
        Inscription {
            sequence: 0,
            serie: serie.into(),
            dossier: dossier.into(),
            date: chrono::NaiveDate::from_ymd_opt(2027, 1, 20).unwrap(),
            manifeste: String::new(),
            precedent: String::new(),
            pieces: Vec::new(),
            bordereaux,
            avoirs_saisis: Vec::new(),
        }
    }

    fn role(
        id_bord: u32,
        envoi: u8,
        (premier, dernier): (u32, u32),
        total: i64,
    ) -> BordereauInscrit {
        BordereauInscrit {
            id_bord,
            envoi,
            lot: "entrees/0001-AC".into(),
            fichier: crate::pes::nom_fichier("28140001000019", 2027, id_bord, envoi),
            sha256: String::new(),
            pieces: (dernier - premier + 1) as usize,
            premier: format!("AC-2027-{premier:05}"),
            dernier: format!("AC-2027-{dernier:05}"),
            premier_rang: premier,
            dernier_rang: dernier,
            total: Montant::round_cent(rust_decimal::Decimal::new(total, 0)),
        }
    }

    fn problems_of(flows: Vec<Vec<BordereauInscrit>>) -> Vec<String> {
        let mut lignes = vec![line(SERIE_APPELS, "entrees/0001-AC", Vec::new())];
        for (i, b) in flows.into_iter().enumerate() {
            lignes.push(line(
                crate::pes::SERIE,
                &format!("entrees/{:04}-PES", i + 2),
                b,
            ));
        }
        let r = Registre {
            root: PathBuf::from("ex"),
            exercice: ExerciceFile {
                format: 1,
                programme: "cotisations".into(),
                exercice: 2027,
                format_csv: CsvFormat::Francais,
                encodage_csv: Encoding::Utf8,
            },
            lignes,
            empreintes: Vec::new(),
        };
        let mut problems = Vec::new();
        check_flows(&r, &mut problems);
        problems
            .iter()
            .map(|p| match p {
                P::Renvoi { id_bord, envoi, .. } => format!("renvoi {id_bord}/{envoi}"),
                P::Bordereau { id_bord } => format!("suite {id_bord}"),
                P::LotTransmis { flux, .. } => format!("lot {flux}"),
                _ => "autre".into(),
            })
            .collect()
    }

    #[test]
    fn a_role_sent_again_repeats_its_first_sending_as_the_next_one() {
        let first = || vec![role(1, 1, (1, 40), 900), role(2, 1, (41, 59), 100)];
        assert!(problems_of(vec![first()]).is_empty());
        // Rôle 2 sent again twice, then rôle 1: neither a new rôle nor
        // the lot carried twice.
        let again = vec![
            first(),
            vec![role(2, 2, (41, 59), 100)],
            vec![role(2, 3, (41, 59), 100), role(1, 2, (1, 40), 900)],
        ];
        assert!(problems_of(again).is_empty());
        // Another range, another total, a skipped rank, an unknown rôle.
        for (bad, expected) in [
            (role(2, 2, (40, 59), 100), "renvoi 2/2"),
            (role(2, 2, (41, 59), 101), "renvoi 2/2"),
            (role(2, 3, (41, 59), 100), "renvoi 2/3"),
            (role(7, 2, (41, 59), 100), "renvoi 7/2"),
        ] {
            assert_eq!(problems_of(vec![first(), vec![bad]]), [expected]);
        }
        // A first sending of a rôle already sent is the lot carried twice.
        assert_eq!(
            problems_of(vec![first(), vec![role(2, 1, (41, 59), 100)]]),
            ["suite 2", "lot entrees/0003-PES"]
        );
    }
}
