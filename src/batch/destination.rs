//! Where a batch may be written, and what may be removed there: the
//! program only deletes or replaces what it created, and follows no
//! symbolic link it did not make.
//!
//! - An output folder is refused if it is a symlink, `/`, `.` or `..`, if
//!   it is or contains the current folder, if it is or contains the folder
//!   of an input file, or if it lies inside a batch folder.
//! - An existing output folder is used only if it is empty, or replaced
//!   (the projet) only if it is a batch of appels this program wrote: a
//!   `manifest.json` of ours and exactly the files it lists, no other file,
//!   no symlink. A folder holding anything else is never emptied.
//! - The lock beside the output folder (`.NAME.lock`) is opened without
//!   following a link, and removed when the run ends.
//! - When a batch is replaced, only the files its manifest lists are
//!   removed, then its folders if they are empty.

use std::collections::BTreeSet;
use std::fs::{self, File};
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::unix::fs::MetadataExt;
use std::path::{Component, Path, PathBuf};

use super::error::{BatchError, FileRefusal, Refusal};
use crate::files::{self, FileError};

use super::manifest::{MANIFEST_FILE, SERIE_APPELS};

/// What an existing output location holds.
#[derive(Debug)]
pub enum Existing {
    /// Nothing there yet.
    Absent,
    /// An empty folder.
    Empty,
    /// A batch of appels this program wrote, with the files it lists.
    Batch(Vec<String>),
}

/// `path` made absolute and free of `.` and `..` without resolving its
/// last component (a link there is the caller's to refuse), its folder
/// resolved when it exists.
fn absolute(path: &Path) -> Result<PathBuf, BatchError> {
    let cwd = std::env::current_dir().map_err(BatchError::io("lire le dossier courant", "."))?;
    let joined = cwd.join(path);
    let mut clean = PathBuf::new();
    for c in joined.components() {
        match c {
            Component::ParentDir => {
                clean.pop();
            }
            Component::CurDir => {}
            other => clean.push(other),
        }
    }
    // Resolve the folder's links once (the last component stays as typed).
    match (clean.parent(), clean.file_name()) {
        (Some(parent), Some(name)) => Ok(fs::canonicalize(parent)
            .map(|p| p.join(name))
            .unwrap_or(clean.clone())),
        _ => Ok(clean),
    }
}

/// The folder an input lives in (an input that is a folder is itself).
fn input_folder(input: &Path) -> Option<PathBuf> {
    let resolved = fs::canonicalize(input).ok()?;
    if resolved.is_dir() {
        Some(resolved)
    } else {
        resolved.parent().map(Path::to_path_buf)
    }
}

/// The nearest folder above `out` (or `out`'s parent itself) holding a
/// `manifest.json`: a batch folder.
fn enclosing_batch(out: &Path) -> Option<PathBuf> {
    out.ancestors()
        .skip(1)
        .find(|dir| dir.join(MANIFEST_FILE).is_file())
        .map(Path::to_path_buf)
}

/// Every file and folder under `dir`, relative, without following links;
/// links and special files are returned as such (`Err(name)`).
fn walk(dir: &Path, rel: &Path, out: &mut Vec<Result<String, String>>) {
    let Ok(entries) = fs::read_dir(dir) else {
        out.push(Err(rel.display().to_string()));
        return;
    };
    for entry in entries.flatten() {
        let name = rel.join(entry.file_name());
        let shown = name.display().to_string();
        match entry.file_type() {
            Ok(t) if t.is_dir() => {
                out.push(Ok(format!("{shown}/")));
                walk(&entry.path(), &name, out);
            }
            Ok(t) if t.is_file() => out.push(Ok(shown)),
            _ => out.push(Err(shown)),
        }
    }
}

/// What `classify` reads of a manifest: who wrote it and the files it
/// lists (serde skips the rest, the bulk of a large batch's manifest).
#[derive(serde::Deserialize)]
struct FileList {
    programme: String,
    #[serde(default = "serie_appels")]
    serie: String,
    #[serde(default)]
    appels: Vec<ListedPdf>,
    #[serde(default)]
    fichiers: Vec<ListedFile>,
}

#[derive(serde::Deserialize)]
struct ListedPdf {
    fichier: String,
}

#[derive(serde::Deserialize)]
struct ListedFile {
    chemin: String,
}

fn serie_appels() -> String {
    SERIE_APPELS.into()
}

/// How many unexpected files a refusal names.
const SHOWN_FOREIGN: usize = 5;

/// What the folder `out` (a real folder, not a link) holds.
fn classify(out: &Path) -> Result<Existing, Refusal> {
    let mut found = Vec::new();
    walk(out, Path::new(""), &mut found);
    if found.is_empty() {
        return Ok(Existing::Empty);
    }
    let manifest = fs::read(out.join(MANIFEST_FILE))
        .ok()
        .and_then(|bytes| serde_json::from_slice::<FileList>(&bytes).ok())
        .filter(|d| d.programme == env!("CARGO_PKG_NAME"));
    let expected: BTreeSet<String> = match &manifest {
        Some(d) if d.serie != SERIE_APPELS => return Err(Refusal::IssuedAvoir),
        Some(d) => {
            let mut set: BTreeSet<String> = d
                .appels
                .iter()
                .map(|a| a.fichier.clone())
                .chain(d.fichiers.iter().map(|f| f.chemin.clone()))
                .collect();
            set.insert(MANIFEST_FILE.into());
            let folders: Vec<String> = set
                .iter()
                .filter_map(|f| {
                    Path::new(f)
                        .parent()
                        .filter(|p| !p.as_os_str().is_empty())
                        .map(|p| format!("{}/", p.display()))
                })
                .collect();
            set.extend(folders);
            set
        }
        None => BTreeSet::new(),
    };
    let mut foreign: Vec<String> = found
        .iter()
        .filter_map(|f| match f {
            Ok(name) if expected.contains(name) => None,
            Ok(name) | Err(name) => Some(name.trim_end_matches('/').to_string()),
        })
        .collect();
    if foreign.is_empty() {
        let files = expected.into_iter().filter(|f| !f.ends_with('/')).collect();
        return Ok(Existing::Batch(files));
    }
    foreign.sort();
    let more = foreign.len().saturating_sub(SHOWN_FOREIGN);
    foreign.truncate(SHOWN_FOREIGN);
    Err(Refusal::ForeignFiles {
        files: foreign,
        more,
    })
}

/// Checks that `out` may receive a batch, before any work and again under
/// the lock: see the module's rules. `inputs` are the files (and the
/// folders) the run reads.
///
/// # Errors
/// `BatchError::Destination` with the reason, `BatchError::File` for a link,
/// `BatchError::OutputExists` for a batch without `force`, `BatchError::Io` for a
/// path that is a file.
pub fn check_destination(
    out: &Path,
    force: bool,
    inputs: &[PathBuf],
) -> Result<Existing, BatchError> {
    check_place(out, inputs)?;
    let refuse = |reason| BatchError::Destination {
        path: out.to_path_buf(),
        reason,
    };
    match folder_at(out)? {
        Place::Absent => return Ok(Existing::Absent),
        Place::NotAFolder => return Err(refuse(Refusal::NotAFolder)),
        Place::Folder => {}
    }
    match classify(out).map_err(refuse)? {
        Existing::Batch(_) if !force => Err(BatchError::OutputExists {
            path: out.to_path_buf(),
        }),
        other => Ok(other),
    }
}

/// What a path an output goes to holds.
pub(crate) enum Place {
    Absent,
    /// A real folder (not a link).
    Folder,
    /// A file or a special file.
    NotAFolder,
}

/// What `path` is, without following a link: a link is refused.
///
/// # Errors
/// `BatchError::File` for a link, `BatchError::Io` if it cannot be read.
pub(crate) fn folder_at(path: &Path) -> Result<Place, BatchError> {
    let meta = match fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Place::Absent),
        Err(e) => return Err(BatchError::io("lire le dossier", path)(e)),
    };
    if meta.file_type().is_symlink() {
        return Err(FileError::Symlink {
            path: path.to_path_buf(),
        }
        .into());
    }
    Ok(if meta.is_dir() {
        Place::Folder
    } else {
        Place::NotAFolder
    })
}

/// Checks that the exercice folder `root` may be written: the rules of
/// the module on the place itself (what it holds is the exercice
/// folder's to check).
///
/// # Errors
/// `BatchError::Destination` with the reason.
pub fn check_exercice_place(root: &Path, inputs: &[PathBuf]) -> Result<(), BatchError> {
    check_place(root, inputs)?;
    if let Some(batch) = enclosing_exercice(&absolute(root)?) {
        return Err(BatchError::Destination {
            path: root.to_path_buf(),
            reason: Refusal::InsideBatch { batch },
        });
    }
    Ok(())
}

/// The exercice folder above `out`, if any.
fn enclosing_exercice(out: &Path) -> Option<PathBuf> {
    out.ancestors()
        .skip(1)
        .find(|dir| dir.join(super::manifest::EXERCICE_FILE).is_file())
        .map(Path::to_path_buf)
}

/// The rules on the place of an output folder: a subfolder, holding
/// neither the current folder nor an input, not inside a batch.
fn check_place(out: &Path, inputs: &[PathBuf]) -> Result<(), BatchError> {
    let refuse = |reason| BatchError::Destination {
        path: out.to_path_buf(),
        reason,
    };
    let abs = absolute(out)?;
    if abs.parent().is_none() || out.file_name().is_none() {
        return Err(refuse(Refusal::NotASubfolder));
    }
    let cwd = std::env::current_dir()
        .and_then(fs::canonicalize)
        .map_err(BatchError::io("lire le dossier courant", "."))?;
    if cwd.starts_with(&abs) {
        return Err(refuse(Refusal::HoldsCurrentFolder));
    }
    for input in inputs {
        if let Some(folder) = input_folder(input)
            && folder.starts_with(&abs)
        {
            return Err(refuse(Refusal::HoldsInput {
                input: input.clone(),
            }));
        }
    }
    if let Some(batch) = enclosing_batch(&abs) {
        return Err(refuse(Refusal::InsideBatch { batch }));
    }
    Ok(())
}

/// Writes a single output file (`compare --csv`) under the same rules as a
/// batch: never an input, never inside a batch, never through a link, an
/// existing file replaced only with `force`; written beside it, flushed,
/// then renamed over it, so that it is whole or absent.
///
/// Returns the folders it created for it, for the log.
///
/// # Errors
/// `BatchError::OutputFile` with the reason, `BatchError::File` for a link,
/// `BatchError::Io` if writing fails (nothing is left then).
pub fn write_output_file(
    path: &Path,
    bytes: &[u8],
    force: bool,
    inputs: &[PathBuf],
) -> Result<Vec<PathBuf>, BatchError> {
    let refuse = |reason| BatchError::OutputFile {
        path: path.to_path_buf(),
        reason,
    };
    let abs = absolute(path)?;
    if let Some(batch) = enclosing_batch(&abs).or_else(|| enclosing_exercice(&abs)) {
        return Err(refuse(FileRefusal::InsideBatch { batch }));
    }
    match fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => {
            return Err(FileError::Symlink {
                path: path.to_path_buf(),
            }
            .into());
        }
        Ok(m) if !m.is_file() => return Err(refuse(FileRefusal::NotAFile)),
        Ok(_) => {
            let same = |input: &PathBuf| matches!((fs::canonicalize(input), fs::canonicalize(path)), (Ok(a), Ok(b)) if a == b);
            if inputs.iter().any(same) {
                return Err(refuse(FileRefusal::IsInput));
            }
            if !force {
                return Err(refuse(FileRefusal::Exists));
            }
        }
        Err(_) => {}
    }
    let created = files::create_parents(path)?;
    let tmp = beside(path, "ecriture");
    let written = File::create_new(&tmp)
        .and_then(|mut f| f.write_all(bytes).and_then(|()| f.sync_all()))
        .and_then(|()| fs::rename(&tmp, path));
    if let Err(e) = written {
        let _ = fs::remove_file(&tmp);
        return Err(BatchError::io("écrire le fichier", path)(e));
    }
    Ok(created)
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

/// The hidden name beside `out` of one of the program's working folders
/// (`staging`, `ancien`) for this process.
pub(crate) fn beside(out: &Path, what: &str) -> PathBuf {
    parent_of(out).join(format!(".{}.{what}-{}", out_name(out), std::process::id()))
}

/// An exclusive lock on an output location, held until dropped; its file
/// is removed then. The OS releases the lock when the process dies, so a
/// crashed run never blocks the next (which removes the file it left).
#[derive(Debug)]
pub struct OutputLock {
    file: File,
    path: PathBuf,
}

/// Whether the open `file` is still the file at `path` (not unlinked and
/// replaced by another process's since it was opened).
fn still_at(file: &File, path: &Path) -> bool {
    match (file.metadata(), fs::symlink_metadata(path)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

impl OutputLock {
    /// Takes the lock on `out` (a `.NAME.lock` file beside it, never
    /// opened through a link).
    ///
    /// # Errors
    /// `BatchError::Locked` naming the holder if another run has it;
    /// `BatchError::File` if the lock's path is a link or not a file.
    pub fn acquire(out: &Path, started: &str) -> Result<OutputLock, BatchError> {
        let path = parent_of(out).join(format!(".{}.lock", out_name(out)));
        loop {
            let mut file = files::open_no_follow(&path)?;
            match file.try_lock() {
                Ok(()) => {}
                Err(fs::TryLockError::WouldBlock) => {
                    let mut holder = String::new();
                    let _ = file.read_to_string(&mut holder);
                    return Err(BatchError::Locked {
                        path: out.to_path_buf(),
                        holder: holder.trim().to_string(),
                    });
                }
                Err(fs::TryLockError::Error(e)) => {
                    return Err(BatchError::io("verrouiller", &path)(e));
                }
            }
            // The previous holder removes the file as it finishes: a lock
            // on a file no longer at the path protects nothing, try again.
            if !still_at(&file, &path) {
                continue;
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
            return Ok(OutputLock { file, path });
        }
    }
}

impl Drop for OutputLock {
    fn drop(&mut self) {
        // Removed while still held, and only if it is still ours.
        if still_at(&self.file, &self.path) {
            let _ = fs::remove_file(&self.path);
        }
    }
}

/// Removes the working folders an interrupted run of this program left
/// beside `out` (`.NAME.staging-PID`, `.NAME.ancien-PID`: real folders
/// only, never a link). Call under the lock.
pub(crate) fn remove_stale(out: &Path) {
    let parent = parent_of(out);
    let name = out_name(out);
    let prefixes = [format!(".{name}.staging-"), format!(".{name}.ancien-")];
    if let Ok(entries) = fs::read_dir(&parent) {
        for e in entries.flatten() {
            let file_name = e.file_name().to_string_lossy().into_owned();
            let ours = prefixes.iter().any(|p| {
                file_name
                    .strip_prefix(p.as_str())
                    .is_some_and(|pid| !pid.is_empty() && pid.chars().all(|c| c.is_ascii_digit()))
            });
            if ours && e.file_type().is_ok_and(|t| t.is_dir()) {
                let _ = fs::remove_dir_all(e.path());
            }
        }
    }
}

/// Removes a replaced batch moved to `dir`: the files of `listed` (its
/// manifest's), then its folders if empty, from several threads. On a file
/// system mounted with `discard`, as the work disk is, each unlink of a
/// file already on disk waits for the device to trim its blocks: one
/// thread removed 35 000 PDFs in about 4 s, sixteen in about 1 s. A file
/// that is not listed (put there meanwhile) is left, with its folders.
pub(crate) fn remove_replaced(dir: &Path, listed: &[String]) {
    const THREADS: usize = 16;
    // `dir` came from a swap with a folder checked to be real; a link put
    // in its place meanwhile is removed as a link, never followed.
    if fs::symlink_metadata(dir).is_ok_and(|m| m.file_type().is_symlink()) {
        let _ = fs::remove_file(dir);
        return;
    }
    let files: Vec<PathBuf> = listed.iter().map(|f| dir.join(f)).collect();
    let remove = |part: &[PathBuf]| {
        for file in part {
            if fs::symlink_metadata(file).is_ok_and(|m| m.is_file()) {
                let _ = fs::remove_file(file);
            }
        }
    };
    if files.len() > 256 {
        let per_thread = files.len().div_ceil(THREADS);
        std::thread::scope(|scope| {
            for part in files.chunks(per_thread) {
                scope.spawn(move || remove(part));
            }
        });
    } else {
        remove(&files);
    }
    let mut folders: BTreeSet<PathBuf> = listed
        .iter()
        .filter_map(|f| Path::new(f).parent().map(Path::to_path_buf))
        .filter(|p| !p.as_os_str().is_empty())
        .collect();
    folders.insert(PathBuf::new());
    // Deepest first; `remove_dir` fails on a folder that is not empty.
    for folder in folders.iter().rev() {
        let _ = fs::remove_dir(dir.join(folder));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lock_file_is_removed_when_released_and_never_followed() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("lot");
        {
            let _lock = OutputLock::acquire(&out, "maintenant").unwrap();
            assert!(dir.path().join(".lot.lock").is_file());
            // A second lock in the same process is refused while held.
            assert!(matches!(
                OutputLock::acquire(&out, "maintenant"),
                Err(BatchError::Locked { .. })
            ));
        }
        assert!(!dir.path().join(".lot.lock").exists());

        let victim = dir.path().join("precieux.txt");
        fs::write(&victim, "à garder").unwrap();
        std::os::unix::fs::symlink(&victim, dir.path().join(".lot.lock")).unwrap();
        assert!(matches!(
            OutputLock::acquire(&out, "maintenant"),
            Err(BatchError::File(FileError::Symlink { .. }))
        ));
        assert_eq!(fs::read_to_string(&victim).unwrap(), "à garder");
    }

    #[test]
    fn a_replaced_batch_loses_only_its_listed_files() {
        let dir = tempfile::tempdir().unwrap();
        let old = dir.path().join("old");
        fs::create_dir_all(old.join("appels")).unwrap();
        fs::write(old.join("appels/a.pdf"), "a").unwrap();
        fs::write(old.join("ledger.csv"), "l").unwrap();
        fs::write(old.join("notes.txt"), "à garder").unwrap();
        remove_replaced(&old, &["appels/a.pdf".into(), "ledger.csv".into()]);
        assert!(!old.join("appels").exists());
        assert_eq!(
            fs::read_to_string(old.join("notes.txt")).unwrap(),
            "à garder"
        );
    }

    #[test]
    fn stale_folders_are_ours_only() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("lot");
        let stale = dir.path().join(".lot.staging-123");
        fs::create_dir(&stale).unwrap();
        let theirs = dir.path().join(".lot.staging-notes");
        fs::create_dir(&theirs).unwrap();
        let target = dir.path().join("cible");
        fs::create_dir(&target).unwrap();
        fs::write(target.join("f"), "à garder").unwrap();
        std::os::unix::fs::symlink(&target, dir.path().join(".lot.ancien-456")).unwrap();
        remove_stale(&out);
        assert!(!stale.exists());
        assert!(theirs.exists());
        assert!(target.join("f").exists());
    }
}
