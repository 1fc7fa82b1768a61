//! File primitives every command shares: reading an input file (a regular
//! file only, within a size cap), creating the folders a path needs (and
//! saying which), and opening a file to append to without following a
//! symlink. The batch's own writing protocol is in `batch::output`.

use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io::Read;
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

/// Largest roster accepted (a roster of every commune of France is about
/// 10 MB): a file far bigger is not a roster.
pub const MAX_ROSTER_BYTES: u64 = 200 * 1024 * 1024;
/// Largest tariff grid or issuer file accepted.
pub const MAX_CONFIG_BYTES: u64 = 4 * 1024 * 1024;
/// Largest ledger (`compare`, `avoir`) accepted.
pub const MAX_LEDGER_BYTES: u64 = 1024 * 1024 * 1024;

/// What makes a file unusable, or what failed in reading or creating it.
#[derive(Debug)]
pub enum FileError {
    /// The file could not be read, or a folder created (`action`: « lire
    /// le fichier », « créer le dossier »…).
    Io {
        action: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    /// Not a regular file: a folder, a FIFO, a device… (reading it could
    /// hang or never end).
    NotRegular { path: PathBuf, kind: FileKind },
    /// Bigger than the documented cap.
    TooLarge { path: PathBuf, max: u64 },
    /// A symbolic link where the program would write: it never follows a
    /// link it did not create.
    Symlink { path: PathBuf },
}

/// The kind of a file that is not a regular one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Directory,
    Fifo,
    Device,
    Socket,
    Other,
}

impl FileKind {
    fn of(file_type: fs::FileType) -> FileKind {
        if file_type.is_dir() {
            FileKind::Directory
        } else if file_type.is_fifo() {
            FileKind::Fifo
        } else if file_type.is_block_device() || file_type.is_char_device() {
            FileKind::Device
        } else if file_type.is_socket() {
            FileKind::Socket
        } else {
            FileKind::Other
        }
    }
}

impl fmt::Display for FileKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            FileKind::Directory => "un dossier",
            FileKind::Fifo => "un tube nommé (FIFO)",
            FileKind::Device => "un périphérique",
            FileKind::Socket => "une socket",
            FileKind::Other => "un fichier spécial",
        })
    }
}

impl FileError {
    /// Shorthand for an I/O error on `path`.
    pub fn io(
        action: &'static str,
        path: impl Into<PathBuf>,
    ) -> impl FnOnce(std::io::Error) -> FileError {
        let path = path.into();
        move |source| FileError::Io {
            action,
            path,
            source,
        }
    }
}

/// « impossible de lire le fichier « … » : raison », the message of every
/// I/O error of the program.
pub(crate) fn io_message(
    f: &mut fmt::Formatter<'_>,
    action: &str,
    path: &Path,
    source: &std::io::Error,
) -> fmt::Result {
    // « impossible d'écrire », « impossible de créer ».
    let de = if action.starts_with(['a', 'e', 'é', 'i', 'o', 'u']) {
        "d'"
    } else {
        "de "
    };
    write!(
        f,
        "impossible {de}{action} « {} » : {}",
        path.display(),
        crate::reasons::io_reason_fr(source)
    )
}

impl fmt::Display for FileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FileError::Io {
                action,
                path,
                source,
            } => io_message(f, action, path, source),
            FileError::NotRegular { path, kind } => write!(
                f,
                "« {} » est {kind}, pas un fichier ordinaire : indiquez le chemin d'un fichier enregistré sur disque",
                path.display()
            ),
            FileError::TooLarge { path, max } => write!(
                f,
                "« {} » dépasse la taille permise ({} Mo au plus) : ce n'est sans doute pas le bon fichier",
                path.display(),
                max / (1024 * 1024)
            ),
            FileError::Symlink { path } => write!(
                f,
                "« {} » est un lien symbolique : le programme n'écrit jamais à travers un lien qu'il n'a pas créé ; indiquez le chemin réel",
                path.display()
            ),
        }
    }
}

/// `O_NOFOLLOW`: opening a symbolic link fails (`ELOOP`) instead of
/// opening its target.
pub(crate) fn no_follow() -> i32 {
    i32::try_from(rustix::fs::OFlags::NOFOLLOW.bits()).unwrap_or(0)
}

/// `O_NONBLOCK`: opening a FIFO does not wait for a writer (the file type
/// is then checked on the open descriptor).
fn non_blocking() -> i32 {
    i32::try_from(rustix::fs::OFlags::NONBLOCK.bits()).unwrap_or(0)
}

/// Asks the kernel to read the regular files of `dir` into the page
/// cache before they are read (a hint: every failure is ignored; a link
/// is not followed), in name order, until `stop` is set.
pub fn prefetch_dir(dir: &Path, stop: &std::sync::atomic::AtomicBool) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    let mut paths: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
    paths.sort();
    for path in paths {
        if stop.load(std::sync::atomic::Ordering::Relaxed) {
            return;
        }
        let Ok(file) = OpenOptions::new()
            .read(true)
            .custom_flags(no_follow() | non_blocking())
            .open(&path)
        else {
            continue;
        };
        if file.metadata().is_ok_and(|m| m.file_type().is_file()) {
            let _ = rustix::fs::fadvise(&file, 0, None, rustix::fs::Advice::WillNeed);
        }
    }
}

/// Reads the input file `path` whole, if it is a regular file of at most
/// `max` bytes. The type is checked on the opened descriptor, so that a
/// FIFO or a device put in its place is refused, never waited on.
///
/// # Errors
/// `FileError::Io` if it cannot be opened or read, `FileError` if it is not
/// a regular file or is too large.
pub fn read_input(path: &Path, max: u64) -> Result<Vec<u8>, FileError> {
    let mut bytes = Vec::new();
    read_input_into(path, max, &mut bytes)?;
    Ok(bytes)
}

/// The input file `path` opened for reading, and its metadata, if it is
/// a regular file of at most `max` bytes (checked on the opened
/// descriptor: a FIFO or a device put in its place is refused, never
/// waited on), for a caller that reads it in pieces.
///
/// # Errors
/// As `read_input`.
pub fn open_input(path: &Path, max: u64) -> Result<(File, fs::Metadata), FileError> {
    let file = OpenOptions::new()
        .read(true)
        .custom_flags(non_blocking())
        .open(path)
        .map_err(FileError::io("lire le fichier", path))?;
    let meta = file
        .metadata()
        .map_err(FileError::io("lire le fichier", path))?;
    if !meta.file_type().is_file() {
        return Err(FileError::NotRegular {
            path: path.to_path_buf(),
            kind: FileKind::of(meta.file_type()),
        });
    }
    if meta.len() > max {
        return Err(FileError::TooLarge {
            path: path.to_path_buf(),
            max,
        });
    }
    Ok((file, meta))
}

/// `read_input` into `bytes` (emptied first): a caller reading many
/// files reuses one buffer.
///
/// # Errors
/// As `read_input`.
pub fn read_input_into(path: &Path, max: u64, bytes: &mut Vec<u8>) -> Result<(), FileError> {
    bytes.clear();
    let (file, meta) = open_input(path, max)?;
    bytes.reserve(usize::try_from(meta.len()).unwrap_or(0));
    // `take`: a file that grows while it is read still stops at the cap.
    file.take(max + 1)
        .read_to_end(bytes)
        .map_err(FileError::io("lire le fichier", path))?;
    if bytes.len() as u64 > max {
        return Err(FileError::TooLarge {
            path: path.to_path_buf(),
            max,
        });
    }
    Ok(())
}

/// Creates the missing folders above `path` (not `path` itself) and
/// returns those it created, outermost first, for the log.
///
/// # Errors
/// `FileError::Io` naming the folder that could not be created.
pub fn create_parents(path: &Path) -> Result<Vec<PathBuf>, FileError> {
    let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) else {
        return Ok(Vec::new());
    };
    let mut missing = Vec::new();
    let mut at = Some(parent);
    while let Some(dir) = at.filter(|d| !d.as_os_str().is_empty()) {
        if fs::symlink_metadata(dir).is_ok() {
            break;
        }
        missing.push(dir.to_path_buf());
        at = dir.parent();
    }
    missing.reverse();
    for dir in &missing {
        match fs::create_dir(dir) {
            Ok(()) => {}
            // Created meanwhile by a concurrent run: fine.
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && dir.is_dir() => {}
            Err(e) => return Err(FileError::io("créer le dossier", dir)(e)),
        }
    }
    Ok(missing)
}

/// Opens `path` to append to, creating it (and its folders) if needed,
/// without following a symbolic link; only a regular file is accepted.
/// Returns the file and the folders created.
///
/// # Errors
/// `FileError` for a symlink or a non-regular file, `FileError::Io` else.
pub fn open_append(path: &Path) -> Result<(File, Vec<PathBuf>), FileError> {
    let created = create_parents(path)?;
    let file = OpenOptions::new()
        .append(true)
        .create(true)
        .custom_flags(no_follow() | non_blocking())
        .open(path)
        .map_err(|e| refused_link(path, e, "ouvrir le fichier"))?;
    let meta = file
        .metadata()
        .map_err(FileError::io("ouvrir le fichier", path))?;
    if !meta.file_type().is_file() {
        return Err(FileError::NotRegular {
            path: path.to_path_buf(),
            kind: FileKind::of(meta.file_type()),
        });
    }
    Ok((file, created))
}

/// The error of an open with `O_NOFOLLOW`: `ELOOP` means `path` is a link.
pub(crate) fn refused_link(path: &Path, e: std::io::Error, action: &'static str) -> FileError {
    if e.raw_os_error() == Some(rustix::io::Errno::LOOP.raw_os_error())
        || fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink())
    {
        FileError::Symlink {
            path: path.to_path_buf(),
        }
    } else {
        FileError::io(action, path)(e)
    }
}

/// Opens `path` for reading and writing, creating it if needed, without
/// following a symbolic link (the lock files).
///
/// # Errors
/// `FileError` for a symlink or a non-regular file, `FileError::Io` else.
pub fn open_no_follow(path: &Path) -> Result<File, FileError> {
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .custom_flags(no_follow() | non_blocking())
        .open(path)
        .map_err(|e| refused_link(path, e, "créer le verrou"))?;
    let meta = file
        .metadata()
        .map_err(FileError::io("créer le verrou", path))?;
    if !meta.file_type().is_file() {
        return Err(FileError::NotRegular {
            path: path.to_path_buf(),
            kind: FileKind::of(meta.file_type()),
        });
    }
    Ok(file)
}

/// Writes `bytes` to `dir/name` through a temporary file of this process
/// (`.NAME.tmp-PID`, never following a link), flushed, then renamed over
/// it: whole or absent. The temporary file goes on failure.
///
/// # Errors
/// The system's.
pub fn write_atomic(dir: &Path, name: &str, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write as _;
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let result = (|| {
        let mut f = OpenOptions::new()
            .write(true)
            .create_new(true)
            .custom_flags(no_follow())
            .open(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        fs::rename(&tmp, dir.join(name))
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fifo_is_refused_at_once() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("role.csv");
        rustix::fs::mknodat(
            rustix::fs::CWD,
            &fifo,
            rustix::fs::FileType::Fifo,
            rustix::fs::Mode::from_raw_mode(0o600),
            0,
        )
        .unwrap();
        match read_input(&fifo, 100) {
            Err(FileError::NotRegular { kind, .. }) => {
                assert_eq!(kind, FileKind::Fifo);
            }
            other => panic!("{other:?}"),
        }
        match read_input(Path::new("/dev/zero"), 100) {
            Err(FileError::NotRegular { kind, .. }) => {
                assert_eq!(kind, FileKind::Device);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_file_over_the_cap_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("grille.toml");
        fs::write(&path, vec![b'#'; 101]).unwrap();
        assert!(matches!(
            read_input(&path, 100),
            Err(FileError::TooLarge { max: 100, .. })
        ));
        assert_eq!(read_input(&path, 101).unwrap().len(), 101);
    }

    #[test]
    fn parents_are_created_and_reported() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a/b/journal.log");
        let (_, created) = open_append(&file).unwrap();
        assert_eq!(created, vec![dir.path().join("a"), dir.path().join("a/b")]);
        let (_, again) = open_append(&file).unwrap();
        assert!(again.is_empty());
    }

    #[test]
    fn a_planted_link_is_never_followed() {
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("precieux.txt");
        fs::write(&victim, b"ne pas toucher").unwrap();
        let link = dir.path().join("journal.log");
        std::os::unix::fs::symlink(&victim, &link).unwrap();
        assert!(matches!(open_append(&link), Err(FileError::Symlink { .. })));
        assert!(matches!(
            open_no_follow(&link),
            Err(FileError::Symlink { .. })
        ));
        assert_eq!(fs::read(&victim).unwrap(), b"ne pas toucher");
    }
}
