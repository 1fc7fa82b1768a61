//! The catalogue of error messages (`tests/errors/catalogue.txt`), as
//! hledger keeps one: for each message a reproducing input, the command,
//! and the exact expected output and exit code. A message changed on
//! purpose is re-recorded with `COTISATIONS_BENIR=1 cargo test --test cli
//! catalogue` (« bénir », to bless), then the diff is read before commit.
//!
//! The file's format, one case after the other:
//!
//! ```text
//! ### name-of-the-case
//! # what it shows (optional lines)
//! $ check --roster role.csv --tariff grille.toml
//! --- copie grille.toml input-samples/grille-2027.toml
//! --- remplace grille.toml «exercice = 2027» «exercice = 1850»
//! --- remplace grille.toml «prix = "80,00"\nimputation» «prix = "8"\nimputation»
//! --- fichier role.csv
//! id;nom;…
//! --- sortie 4
//! erreur : …
//! ```
//!
//! Each case runs in a folder of its own with the files it names (`copie`
//! copies a file of the repository, `remplace` edits one, `fichier` writes
//! the lines that follow; in `remplace`, `\n` is a line break), its
//! arguments split on spaces (a quoted
//! "argument" may hold spaces). The expected output is stderr, whole.

use std::fmt::Write as _;
use std::fs;

use crate::util::{Dir, repo};

/// One case of the catalogue.
#[derive(Debug, Default)]
struct Case {
    name: String,
    /// The lines of the case as written, up to `--- sortie`.
    head: Vec<String>,
    args: Vec<String>,
    /// (name, content) of the files, in order of appearance.
    setup: Vec<Setup>,
    code: i32,
    expected: String,
}

#[derive(Debug)]
enum Setup {
    Copy {
        name: String,
        from: String,
    },
    Replace {
        name: String,
        from: String,
        to: String,
    },
    Write {
        name: String,
        content: String,
    },
}

fn split_args(line: &str) -> Vec<String> {
    let mut args = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    for c in line.chars() {
        match c {
            '"' => quoted = !quoted,
            ' ' if !quoted => {
                if !current.is_empty() {
                    args.push(std::mem::take(&mut current));
                }
            }
            c => current.push(c),
        }
    }
    if !current.is_empty() {
        args.push(current);
    }
    args
}

/// `«from» «to»` → (from, to); `\n` in them is a line break.
fn two_quoted(text: &str) -> (String, String) {
    let parts: Vec<String> = text
        .split('«')
        .skip(1)
        .map(|p| p.split('»').next().unwrap().replace("\\n", "\n"))
        .collect();
    assert_eq!(parts.len(), 2, "remplace wants «from» «to»: {text}");
    (parts[0].clone(), parts[1].clone())
}

fn parse(text: &str) -> Vec<Case> {
    // What the lines being read belong to.
    enum In {
        Head,
        File,
        Output,
    }
    let mut cases: Vec<Case> = Vec::new();
    let mut state = In::Head;
    for line in text.lines() {
        if let Some(name) = line.strip_prefix("### ") {
            cases.push(Case {
                name: name.trim().to_string(),
                ..Case::default()
            });
            state = In::Head;
            cases.last_mut().unwrap().head.push(line.to_string());
            continue;
        }
        let Some(case) = cases.last_mut() else {
            continue;
        };
        if let Some(code) = line.strip_prefix("--- sortie ") {
            case.code = code.trim().parse().expect("--- sortie CODE");
            case.head.push(line.to_string());
            state = In::Output;
            continue;
        }
        match state {
            In::Output => {
                case.expected.push_str(line);
                case.expected.push('\n');
                continue;
            }
            In::Head | In::File => {}
        }
        case.head.push(line.to_string());
        if let Some(args) = line.strip_prefix("$ ") {
            case.args = split_args(args);
            state = In::Head;
        } else if let Some(rest) = line.strip_prefix("--- copie ") {
            let (name, from) = rest.split_once(' ').expect("--- copie NAME PATH");
            case.setup.push(Setup::Copy {
                name: name.to_string(),
                from: from.to_string(),
            });
            state = In::Head;
        } else if let Some(rest) = line.strip_prefix("--- remplace ") {
            let (name, pair) = rest.split_once(' ').expect("--- remplace NAME «from» «to»");
            let (from, to) = two_quoted(pair);
            case.setup.push(Setup::Replace {
                name: name.to_string(),
                from,
                to,
            });
            state = In::Head;
        } else if let Some(name) = line.strip_prefix("--- fichier ") {
            case.setup.push(Setup::Write {
                name: name.trim().to_string(),
                content: String::new(),
            });
            state = In::File;
        } else if let (In::File, Some(Setup::Write { content, .. })) =
            (&state, case.setup.last_mut())
        {
            content.push_str(line);
            content.push('\n');
        }
    }
    cases
}

/// Runs `case` in a folder of its own; returns its exit code and stderr.
fn run(case: &Case) -> (i32, String) {
    let dir = Dir::new();
    for s in &case.setup {
        match s {
            Setup::Copy { name, from } => {
                dir.write(
                    name,
                    fs::read(repo(from)).unwrap_or_else(|e| panic!("{from}: {e}")),
                );
            }
            Setup::Replace { name, from, to } => {
                let path = dir.join(name);
                let text = fs::read_to_string(&path).unwrap();
                assert!(
                    text.contains(from.as_str()),
                    "{}: « {from} » not in {name}",
                    case.name
                );
                fs::write(&path, text.replacen(from.as_str(), to, 1)).unwrap();
            }
            Setup::Write { name, content } => {
                dir.write(name, content);
            }
        }
    }
    let out = dir.cmd(&case.args).run();
    assert!(
        out.stdout.is_empty() || case.code == 0,
        "{}: stdout {}",
        case.name,
        out.stdout
    );
    (out.code, out.stderr)
}

#[test]
fn every_message_of_the_catalogue_is_what_it_says() {
    let path = repo("tests/errors/catalogue.txt");
    let text = fs::read_to_string(&path).expect("read the catalogue");
    let cases = parse(&text);
    assert!(cases.len() >= 40, "{} cases", cases.len());
    let bless = std::env::var_os("COTISATIONS_BENIR").is_some();
    let mut blessed = String::new();
    let mut failures = Vec::new();
    let mut names = std::collections::BTreeSet::new();
    for case in &cases {
        assert!(
            names.insert(case.name.clone()),
            "two cases named {}",
            case.name
        );
        assert!(!case.args.is_empty(), "{}: no $ command", case.name);
        let (code, stderr) = run(case);
        if bless {
            for line in &case.head {
                if line.starts_with("--- sortie ") {
                    let _ = writeln!(blessed, "--- sortie {code}");
                } else {
                    blessed.push_str(line);
                    blessed.push('\n');
                }
            }
            blessed.push_str(&stderr);
            if !stderr.ends_with('\n') {
                blessed.push('\n');
            }
            blessed.push('\n');
        } else if code != case.code || stderr.trim_end() != case.expected.trim_end() {
            failures.push(format!(
                "### {}\n--- expected (exit {}):\n{}--- got (exit {code}):\n{stderr}",
                case.name, case.code, case.expected
            ));
        }
    }
    if bless {
        fs::write(&path, blessed).unwrap();
        return;
    }
    assert!(
        failures.is_empty(),
        "{} case(s) of {} differ (re-record on purpose with COTISATIONS_BENIR=1):\n\n{}",
        failures.len(),
        path.display(),
        failures.join("\n")
    );
}

/// The catalogue's `README.md` lists every case, so that a reader finds a
/// message without reading the tests.
#[test]
fn the_catalogue_readme_lists_every_case() {
    let cases = parse(&fs::read_to_string(repo("tests/errors/catalogue.txt")).unwrap());
    let readme = fs::read_to_string(repo("tests/errors/README.md")).unwrap();
    for case in cases {
        assert!(
            readme.contains(&format!("`{}`", case.name)),
            "{} missing in tests/errors/README.md",
            case.name
        );
    }
}
