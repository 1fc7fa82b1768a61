//! Test harness: a temporary folder to write inputs into, a builder that
//! runs the real `cotisations` binary and captures what it printed, and
//! readers of what it wrote.

use std::collections::BTreeMap;
use std::ffi::{OsStr, OsString};
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use lopdf::Document;
use tempfile::TempDir;

#[path = "../support/pdf_text.rs"]
mod pdf_text;

/// The binary under test, as Cargo built it.
pub(crate) const BIN: &str = env!("CARGO_BIN_EXE_cotisations");

/// The emission date every `run` of the suite uses.
pub(crate) const DATE_EMISSION: &str = "2027-01-15";

/// The ledger header, exactly as the accounting import expects it.
pub(crate) const LEDGER_HEADER: &str = "exercice;numero;date_emission;date_echeance;membre_id;membre_nom;siret;type;tranche;code;libelle;quantite;unite;prix_unitaire;montant_ht;taux_tva;montant_tva;montant_ttc;imputation;code_service;engagement";

/// A path inside the crate (absolute, so the tests do not depend on the
/// working directory).
pub(crate) fn repo(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// The sample roster of `input-samples/`.
pub(crate) fn sample_roster() -> PathBuf {
    repo("input-samples/roster.csv")
}

/// The sample tariff grid of `input-samples/`.
pub(crate) fn sample_grid() -> PathBuf {
    repo("input-samples/grille-2027.toml")
}

/// The issuer template shipped in `templates/`.
pub(crate) fn emetteur() -> PathBuf {
    repo("input-samples/emetteur.toml")
}

/// The sample grid as text, to alter in grid tests.
pub(crate) fn sample_grid_text() -> String {
    fs::read_to_string(sample_grid()).expect("read the sample grid")
}

/// The sample grid as text, with its only occurrence of `from` replaced
/// by `to`.
#[track_caller]
pub(crate) fn sample_grid_altered(from: &str, to: &str) -> String {
    let text = sample_grid_text();
    assert_eq!(
        text.matches(from).count(),
        1,
        "{from:?} must occur once in the sample grid"
    );
    text.replacen(from, to, 1)
}

/// Replaces the no-break spaces (U+00A0, U+202F) the program prints
/// between thousands by plain spaces.
pub(crate) fn nbsp(text: &str) -> String {
    text.replace(['\u{a0}', '\u{202f}'], " ")
}

/// A temporary working folder for one test.
pub(crate) struct Dir {
    tmp: TempDir,
}

impl Dir {
    pub(crate) fn new() -> Dir {
        Dir {
            tmp: tempfile::Builder::new()
                .prefix("cotisations-cli-")
                .tempdir()
                .expect("create a temporary folder"),
        }
    }

    /// The folder itself.
    pub(crate) fn path(&self) -> &Path {
        self.tmp.path()
    }

    /// A path inside the folder (nothing is created).
    pub(crate) fn join(&self, rel: impl AsRef<Path>) -> PathBuf {
        self.path().join(rel)
    }

    /// Writes `contents` to `rel` (parents created) and returns its path.
    pub(crate) fn write(&self, rel: impl AsRef<Path>, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = self.join(rel);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).expect("create the parent folder");
        }
        fs::write(&path, contents).expect("write a test input");
        path
    }

    /// The binary with `args`, run inside this folder.
    pub(crate) fn cmd<I, S>(&self, args: I) -> Cmd
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        Cmd {
            cwd: self.path().to_path_buf(),
            args: args
                .into_iter()
                .map(|a| a.as_ref().to_os_string())
                .collect(),
        }
    }

    /// `run` with the given roster and grid into `out` (relative to this
    /// folder), with the shipped issuer template and the suite's date.
    pub(crate) fn run_batch(&self, roster: &Path, grid: &Path, out: &str) -> Cmd {
        self.run_batch_dated(roster, grid, out, DATE_EMISSION)
    }

    /// `run_batch` with the emission date `date`, as typed on the command
    /// line.
    pub(crate) fn run_batch_dated(&self, roster: &Path, grid: &Path, out: &str, date: &str) -> Cmd {
        let out = self.join(out);
        self.cmd(["run"])
            .arg("--roster")
            .arg(roster)
            .arg("--tariff")
            .arg(grid)
            .arg("--out")
            .arg(out)
            .arg("--emetteur")
            .arg(emetteur())
            .args(["--date-emission", date])
            .arg("--emettre")
    }

    /// The first entry (the main lot) of the exercice folder `out`.
    pub(crate) fn lot(&self, out: &str) -> PathBuf {
        self.join(out).join(LOT1)
    }

    /// `run` of `roster` with the sample grid into `out`.
    pub(crate) fn run_roster(&self, roster: &Path, out: &str) -> Cmd {
        self.run_batch(roster, &sample_grid(), out)
    }

    /// Writes `rel`: `header`, then `rows`, every line ending in CRLF as
    /// Excel writes them; returns its path.
    pub(crate) fn write_roster(&self, rel: &str, header: &str, rows: &[&str]) -> PathBuf {
        let mut text = format!("{header}\r\n");
        for row in rows {
            text.push_str(row);
            text.push_str("\r\n");
        }
        self.write(rel, text)
    }

    /// The sample batch into `lot1`, then a supplementary batch into `lot2`
    /// (`--after lot1`) of one new member, `C-NOUVEAU` (the sample's first
    /// row under a new identifier, written to `sup.csv`); both must succeed.
    /// Returns the second run's output and the supplementary roster.
    #[track_caller]
    pub(crate) fn run_sample_then_supplementary(&self) -> (Output, PathBuf) {
        self.run_roster(&sample_roster(), "lot1").run().batch_ok();
        let sup = self.write_sample_first_row_as("sup.csv", &["C-NOUVEAU"]);
        let out = self.run_roster(&sup, "lot1").run().batch_ok();
        (out, sup)
    }

    /// Writes `rel`: the sample roster's header, then its first row (the
    /// member `C-14531`) once under each identifier of `ids`, each other
    /// identifier with a SIRET of its own (a SIRET is one member's);
    /// returns its path. For supplementary lots.
    pub(crate) fn write_sample_first_row_as(&self, rel: &str, ids: &[&str]) -> PathBuf {
        const SIRET: &str = ";21140531100013;";
        let sample = fs::read_to_string(sample_roster()).expect("read the sample roster");
        let mut lines = sample.lines();
        let header = lines.next().expect("the sample's header");
        let first = lines.next().expect("the sample's first row");
        assert!(first.starts_with("C-14531;"), "{first}");
        assert!(first.contains(SIRET), "{first}");
        let rows: Vec<String> = ids
            .iter()
            .enumerate()
            .map(|(i, id)| {
                let row = first.replacen("C-14531;", &format!("{id};"), 1);
                if *id == "C-14531" {
                    row
                } else {
                    row.replacen(SIRET, &format!(";{};", siret(i + 1)), 1)
                }
            })
            .collect();
        let rows: Vec<&str> = rows.iter().map(String::as_str).collect();
        self.write_roster(rel, header, &rows)
    }

    /// The names directly in this folder, sorted (a lock file left beside
    /// an output folder would show: none must be).
    pub(crate) fn entries(&self) -> Vec<String> {
        entries(self.path())
    }
}

/// A valid SIRET (Luhn key right) of made-up commune number `n`, never
/// one of the sample's.
pub(crate) fn siret(n: usize) -> String {
    let luhn = |digits: &str| {
        digits
            .bytes()
            .rev()
            .enumerate()
            .map(|(i, b)| {
                let d = u32::from(b - b'0') * if i % 2 == 1 { 2 } else { 1 };
                if d > 9 { d - 9 } else { d }
            })
            .sum::<u32>()
            % 10
            == 0
    };
    (0..10)
        .map(|key| format!("2999{n:08}0{key}"))
        .find(|s| luhn(s))
        .expect("one key in ten makes the Luhn sum right")
}

/// The names directly in `dir`, sorted.
pub(crate) fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("list {}: {e}", dir.display()))
        .map(|e| {
            e.expect("read a folder entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    names.sort();
    names
}

/// Every file and folder under `root`, relative path → bytes (`None` for
/// a folder), to compare two trees or check one was left untouched.
pub(crate) fn snapshot(root: &Path) -> BTreeMap<PathBuf, Option<Vec<u8>>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, Option<Vec<u8>>>) {
        for entry in fs::read_dir(dir).expect("list a folder") {
            let path = entry.expect("read a folder entry").path();
            let rel = path.strip_prefix(root).expect("inside root").to_path_buf();
            if path.is_dir() {
                out.insert(rel, None);
                walk(root, &path, out);
            } else {
                out.insert(rel, Some(fs::read(&path).expect("read a file")));
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(root, root, &mut out);
    out
}

/// The first entry of an exercice folder: its main lot.
pub(crate) const LOT1: &str = "entrees/0001-AC";

/// Asserts that the batch folder `out` holds (at least) `appels/`,
/// `ledger.csv` and `summary.json`; other files (a manifest) may be there.
#[track_caller]
pub(crate) fn assert_batch_folder(out: &Path) {
    let names = entries(out);
    for expected in ["appels", "ledger.csv", "summary.json"] {
        assert!(
            names.iter().any(|n| n == expected),
            "{expected} missing in {names:?}"
        );
    }
    assert!(out.join("appels").is_dir());
    assert!(out.join("ledger.csv").is_file());
    assert!(out.join("summary.json").is_file());
}

/// Every text run (one `Tj`/`TJ`) of every page of the PDF at `path`,
/// decoded through the fonts' `ToUnicode` maps with lopdf, no-break spaces
/// turned into spaces: the text as a viewer's search sees it.
pub(crate) fn pdf_runs(path: &Path) -> Vec<Vec<String>> {
    let doc = Document::load(path).expect("lopdf reads the PDF");
    pdf_text::text_runs(&doc, nbsp)
}

/// Staging or backup folders the batch may leave next to its output.
pub(crate) fn leftovers(dir: &Path) -> Vec<String> {
    entries(dir)
        .into_iter()
        .filter(|n| n.starts_with('.') && (n.contains(".staging-") || n.contains(".ancien-")))
        .collect()
}

/// A command about to run.
#[must_use]
pub(crate) struct Cmd {
    cwd: PathBuf,
    args: Vec<OsString>,
}

impl Cmd {
    pub(crate) fn arg(mut self, arg: impl AsRef<OsStr>) -> Cmd {
        self.args.push(arg.as_ref().to_os_string());
        self
    }

    pub(crate) fn args<I, S>(mut self, args: I) -> Cmd
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.args
            .extend(args.into_iter().map(|a| a.as_ref().to_os_string()));
        self
    }

    pub(crate) fn run(self) -> Output {
        let out = Command::new(BIN)
            .args(&self.args)
            .current_dir(&self.cwd)
            .env_remove("RUST_BACKTRACE")
            .env_remove("RAYON_NUM_THREADS")
            .output()
            .expect("start the cotisations binary");
        let output = Output {
            command: self
                .args
                .iter()
                .map(|a| a.to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join(" "),
            code: out.status.code().expect("the binary exited (not killed)"),
            stdout: String::from_utf8(out.stdout).expect("stdout is UTF-8"),
            stderr: String::from_utf8(out.stderr).expect("stderr is UTF-8"),
        };
        // Every message of every test, swept for what a French user must
        // never read: English, a panic, a machine-format amount.
        for text in [&output.stderr, &output.stdout] {
            if let Some(problem) = not_french(text) {
                panic!("{problem}{}", output.describe());
            }
        }
        output
    }
}

/// Words that are English and not French: one of them in a message means
/// a library's or the OS's text leaked through.
const ENGLISH: &[&str] = &[
    "and",
    "busy",
    "called",
    "cannot",
    "could",
    "denied",
    "device",
    "directory",
    "error",
    "expected",
    "failed",
    "file",
    "for",
    "found",
    "help",
    "invalid",
    "is",
    "line",
    "missing",
    "no",
    "not",
    "of",
    "panicked",
    "possible",
    "required",
    "such",
    "the",
    "thread",
    "to",
    "unexpected",
    "unknown",
    "usage",
    "value",
    "warning",
    "with",
];

/// Why `text` is not what a French user should read, if it is not.
pub(crate) fn not_french(text: &str) -> Option<String> {
    if text.contains("panicked") || text.contains("RUST_BACKTRACE") {
        return Some("a panic".into());
    }
    // Quoted values (« … »: paths, cells, codes) and file names, option
    // names and identifiers are not prose.
    let mut prose = String::new();
    let mut depth = 0usize;
    for c in text.chars() {
        match c {
            '«' => depth += 1,
            '»' => depth = depth.saturating_sub(1),
            c if depth == 0 => prose.push(c),
            _ => {}
        }
    }
    for token in prose.split_whitespace() {
        let token = token.trim_start_matches(['(', '[', '«', '"']);
        if token.contains(['/', '.', '_', '=', '@']) || token.starts_with('-') {
            // A machine amount (`1191.00 €` or `1191.00`): digits, a point,
            // two digits, not in a path.
            let bare = token.trim_matches(|c: char| !c.is_ascii_digit());
            if !token.contains('/')
                && bare.split_once('.').is_some_and(|(units, cents)| {
                    !units.is_empty()
                        && units.chars().all(|c| c.is_ascii_digit())
                        && cents.len() == 2
                        && cents.chars().all(|c| c.is_ascii_digit())
                })
            {
                return Some(format!("a machine-format amount « {token} »"));
            }
            continue;
        }
        for word in token.split(|c: char| !c.is_alphabetic()) {
            let lower = word.to_lowercase();
            if ENGLISH.contains(&lower.as_str()) {
                return Some(format!("the English word « {word} » in « {token} »"));
            }
        }
    }
    None
}

/// What a run printed, and how it ended.
#[derive(Debug)]
pub(crate) struct Output {
    pub(crate) command: String,
    pub(crate) code: i32,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
}

impl Output {
    fn describe(&self) -> String {
        let mut s = String::new();
        let _ = write!(
            s,
            "\n--- command: cotisations {}\n--- exit code: {}\n--- stdout:\n{}\n--- stderr:\n{}\n---",
            self.command, self.code, self.stdout, self.stderr
        );
        s
    }

    /// Asserts the exit code; returns `self` for further checks.
    #[track_caller]
    pub(crate) fn code(self, expected: i32) -> Output {
        assert_eq!(
            self.code,
            expected,
            "unexpected exit code{}",
            self.describe()
        );
        self
    }

    /// Asserts a successful `run`: exit 0, no error, and the French report
    /// on stderr saying where the files went.
    #[track_caller]
    pub(crate) fn batch_ok(self) -> Output {
        self.code(0)
            .stderr_has(&[
                "Appels émis          : ",
                "Appels (PDF)         : ",
                "Journal comptable    : ",
                "Bilan                : ",
            ])
            .stderr_lacks(&["erreur"])
    }

    /// Asserts that nothing was printed, on stdout or stderr.
    #[track_caller]
    pub(crate) fn silent(self) -> Output {
        assert!(
            self.stdout.is_empty() && self.stderr.is_empty(),
            "expected no output{}",
            self.describe()
        );
        self
    }

    /// Asserts that stderr contains every one of `needles`.
    #[track_caller]
    pub(crate) fn stderr_has(self, needles: &[&str]) -> Output {
        let text = nbsp(&self.stderr);
        for n in needles {
            assert!(text.contains(n), "stderr lacks {n:?}{}", self.describe());
        }
        self
    }

    /// Asserts that stdout contains every one of `needles`.
    #[track_caller]
    pub(crate) fn stdout_has(self, needles: &[&str]) -> Output {
        let text = nbsp(&self.stdout);
        for n in needles {
            assert!(text.contains(n), "stdout lacks {n:?}{}", self.describe());
        }
        self
    }

    /// Asserts that stderr contains none of `needles`.
    #[track_caller]
    pub(crate) fn stderr_lacks(self, needles: &[&str]) -> Output {
        let text = nbsp(&self.stderr);
        for n in needles {
            assert!(
                !text.contains(n),
                "stderr should not contain {n:?}{}",
                self.describe()
            );
        }
        self
    }
}
