//! The standard streams and the journal: a closed stdout pipe or a full
//! stderr never makes the program crash (exit 101) nor changes its exit
//! code, and `--journal` keeps a stamped line per event and a final line
//! whatever happened.

use std::fs::{self, File};
use std::process::{Command, Stdio};

use crate::util::{BIN, DATE_EMISSION, Dir, emetteur, sample_grid, sample_roster};

/// Runs the binary with stdout a pipe whose reading end is already
/// closed (what `| head -0` does), stderr captured; returns the exit code
/// and stderr.
fn with_closed_stdout(dir: &Dir, args: &[&str]) -> (i32, String) {
    let mut child = Command::new(BIN)
        .args(args)
        .current_dir(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start cotisations");
    drop(child.stdout.take());
    let out = child.wait_with_output().expect("wait for cotisations");
    (
        out.status.code().expect("exited, not killed"),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Runs the binary with stderr (and optionally stdout) on `/dev/full`.
fn with_full_stderr(dir: &Dir, args: &[String], stdout_full: bool) -> i32 {
    let full = || Stdio::from(File::options().write(true).open("/dev/full").unwrap());
    Command::new(BIN)
        .args(args)
        .current_dir(dir.path())
        .stdout(if stdout_full { full() } else { Stdio::null() })
        .stderr(full())
        .status()
        .expect("start cotisations")
        .code()
        .expect("exited, not killed")
}

fn grid() -> String {
    sample_grid().display().to_string()
}

fn run_args(dir: &Dir, out: &str) -> Vec<String> {
    [
        "run",
        "--roster",
        &sample_roster().display().to_string(),
        "--tariff",
        &grid(),
        "--emetteur",
        &emetteur().display().to_string(),
        "--out",
        &dir.join(out).display().to_string(),
        "--date-emission",
        DATE_EMISSION,
        "--emettre",
    ]
    .iter()
    .map(|s| (*s).to_string())
    .collect()
}

#[test]
fn a_closed_stdout_ends_quietly_with_the_usual_code() {
    let dir = Dir::new();
    let g = grid();
    for args in [
        vec!["tarifs", "--tariff", &g],
        vec![
            "quote",
            "--tariff",
            &g,
            "--type",
            "commune",
            "--population",
            "812",
            "forfait_metiers=1",
        ],
        vec!["--help"],
        vec!["run", "--help"],
        vec!["--version"],
    ] {
        let (code, stderr) = with_closed_stdout(&dir, &args);
        assert_eq!(code, 0, "{args:?}: {stderr}");
        assert!(stderr.is_empty(), "{args:?}: {stderr}");
    }
    // An error keeps its own code.
    let (code, stderr) = with_closed_stdout(&dir, &["tarifs", "--tariff", "absente.toml"]);
    assert_eq!(code, 6, "{stderr}");
    assert!(stderr.contains("absente.toml"), "{stderr}");
}

#[test]
fn a_full_stderr_never_stops_a_run() {
    let dir = Dir::new();
    let code = with_full_stderr(&dir, &run_args(&dir, "lot"), false);
    assert_eq!(code, 0);
    // The batch was published in full.
    dir.cmd(["verify"]).arg(dir.join("lot")).run().code(0);
    // An error keeps its code when it cannot even be printed.
    let mut bad = run_args(&dir, "lot2");
    bad[2] = "absent.csv".into();
    assert_eq!(with_full_stderr(&dir, &bad, false), 6);
    assert!(!dir.join("lot2").exists());
}

#[test]
fn a_full_stdout_is_an_io_error_not_a_crash() {
    let dir = Dir::new();
    let args: Vec<String> = ["tarifs", "--tariff", &grid()]
        .iter()
        .map(|s| (*s).to_string())
        .collect();
    assert_eq!(with_full_stderr(&dir, &args, true), 6);
}

fn journal_lines(path: &std::path::Path) -> Vec<String> {
    fs::read_to_string(path)
        .expect("the journal exists")
        .lines()
        .map(String::from)
        .collect()
}

#[test]
fn the_journal_keeps_a_final_line_even_when_quiet() {
    let dir = Dir::new();
    // Its folders do not exist yet: the program creates them.
    let journal = dir.join("journaux/2027/cotisations.log");
    let mut args = run_args(&dir, "lot");
    args.extend(["--quiet".into(), "--journal".into()]);
    args.push(journal.display().to_string());
    dir.cmd(&args).run().code(0).silent();
    let lines = journal_lines(&journal);
    let last = lines.last().unwrap();
    // « 2027-01-15T06:00:00+01:00 info fin : … »: ISO 8601 with its offset.
    let stamp = last.split(' ').next().unwrap();
    assert!(
        chrono::DateTime::parse_from_rfc3339(stamp).is_ok(),
        "{last}"
    );
    for needle in [
        " fin : ",
        "commande=run",
        "code_sortie=0",
        "appels_emis=59",
        "duree_ms=",
    ] {
        assert!(last.contains(needle), "{needle} in {last}");
    }
    assert!(
        lines.iter().any(|l| l.contains(" entree_emise : ")),
        "{lines:?}"
    );
    assert!(
        lines.iter().any(|l| l.contains("Dossier créé")),
        "{lines:?}"
    );

    // A failed run appends its errors and its final line, exit code included.
    let bad = dir.write("bad.csv", "id;nom;type;siret\nA;X;mairie;123\n");
    let mut args = run_args(&dir, "lot2");
    args[2] = bad.display().to_string();
    args.extend(["--quiet".into(), "--journal".into()]);
    args.push(journal.display().to_string());
    dir.cmd(&args).run().code(4);
    let lines = journal_lines(&journal);
    assert!(lines.last().unwrap().contains("code_sortie=4"), "{lines:?}");
    assert!(
        lines
            .iter()
            .any(|l| l.contains(" erreur echec : ") && l.contains("ligne 2")),
        "{lines:?}"
    );

    // So does a mistyped command line.
    dir.cmd(["run", "--vitesse", "12", "--journal"])
        .arg(&journal)
        .run()
        .code(2);
    let lines = journal_lines(&journal);
    let last = lines.last().unwrap();
    assert!(
        last.contains("code_sortie=2") && last.contains("commande=run"),
        "{last}"
    );
}

#[test]
fn the_journal_in_json_has_structured_fields() {
    let dir = Dir::new();
    let journal = dir.join("cotisations.jsonl");
    let mut args = run_args(&dir, "lot");
    args.extend([
        "--quiet".into(),
        "--log-format".into(),
        "json".into(),
        "--journal".into(),
    ]);
    args.push(journal.display().to_string());
    dir.cmd(&args).run().code(0).silent();
    let events: Vec<serde_json::Value> = journal_lines(&journal)
        .iter()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect();
    let last = events.last().unwrap();
    assert_eq!(last["evenement"], "fin");
    assert_eq!(last["code_sortie"], 0);
    assert_eq!(last["appels_emis"], 59);
    assert_eq!(last["total_ttc"], "448569.50");
    for e in &events {
        for key in ["horodatage", "niveau", "evenement", "message"] {
            assert!(e.get(key).is_some(), "{key} in {e}");
        }
    }
}

#[test]
fn a_journal_that_is_a_symlink_is_refused() {
    let dir = Dir::new();
    let victim = dir.write("precieux.txt", "à garder");
    let link = dir.join("cotisations.log");
    std::os::unix::fs::symlink(&victim, &link).unwrap();
    let mut args = run_args(&dir, "lot");
    args.push("--journal".into());
    args.push(link.display().to_string());
    dir.cmd(&args)
        .run()
        .code(2)
        .stderr_has(&["lien symbolique", "cotisations.log"]);
    assert_eq!(fs::read_to_string(&victim).unwrap(), "à garder");
    assert!(!dir.join("lot").exists());
}
