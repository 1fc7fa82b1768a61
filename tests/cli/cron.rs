//! Unattended runs: verify, supplementary runs, partial runs, the lock,
//! aborts at every step of the writer (deterministic failure points), a
//! full or read-only disk, logs for cron.

use std::fs;
use std::io::Write as _;
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::util::{
    BIN, DATE_EMISSION, Dir, emetteur, leftovers, sample_grid, sample_roster, snapshot,
};

/// Every file and folder of a batch (`snapshot`).
type Snapshot = std::collections::BTreeMap<std::path::PathBuf, Option<Vec<u8>>>;

/// A synthetic roster of `n` members (the benchmark's generator, default
/// seed), written into `dir`.
fn synthetic(dir: &Dir, n: u64) -> std::path::PathBuf {
    let mut bytes = Vec::new();
    cotisations_devtools::write_roster(&mut bytes, n, cotisations_devtools::DEFAULT_SEED)
        .expect("generate a roster");
    dir.write(format!("roster-{n}.csv"), bytes)
}

fn run_args(roster: &Path, out: &Path) -> Vec<String> {
    vec![
        "run".into(),
        "--roster".into(),
        roster.display().to_string(),
        "--tariff".into(),
        sample_grid().display().to_string(),
        "--emetteur".into(),
        emetteur().display().to_string(),
        "--out".into(),
        out.display().to_string(),
        "--date-emission".into(),
        DATE_EMISSION.into(),
        "--force".into(),
        "--quiet".into(),
    ]
}

fn verify(dir: &Dir, out: &Path) -> crate::util::Output {
    dir.cmd(["verify"]).arg(out).run()
}

#[test]
fn verify_accepts_a_fresh_batch_and_catches_every_alteration() {
    let dir = Dir::new();
    dir.run_roster(&sample_roster(), "lot").run().batch_ok();
    let out = dir.join("lot");
    verify(&dir, &out).code(0).stderr_has(&[
        "intact",
        "59 appels",
        "AC-2027-00001",
        "AC-2027-00059",
    ]);

    let pdf = out.join("appels").join("AC-2027-00002_C-14619.pdf");
    let original = fs::read(&pdf).unwrap();
    let mut altered = original.clone();
    altered.push(b' ');
    fs::write(&pdf, &altered).unwrap();
    verify(&dir, &out).code(8).stderr_has(&[
        "AC-2027-00002_C-14619.pdf",
        "modifié",
        "Ne transmettez pas ce lot",
    ]);
    fs::remove_file(&pdf).unwrap();
    verify(&dir, &out).code(8).stderr_has(&["manquant"]);
    fs::write(&pdf, &original).unwrap();
    fs::write(out.join("appels").join("AC-2027-00099_X.pdf"), b"%PDF").unwrap();
    verify(&dir, &out)
        .code(8)
        .stderr_has(&["AC-2027-00099_X.pdf", "ne fait pas partie du lot"]);
    fs::remove_file(out.join("appels").join("AC-2027-00099_X.pdf")).unwrap();
    verify(&dir, &out).code(0);

    // A ledger line changed by hand: hash and totals both disagree.
    let ledger = fs::read_to_string(out.join("ledger.csv")).unwrap();
    fs::write(
        out.join("ledger.csv"),
        ledger.replacen(
            ";1119,00;0,00;0,00;1119,00;",
            ";1119,00;0,00;0,00;1191,00;",
            1,
        ),
    )
    .unwrap();
    verify(&dir, &out).code(8).stderr_has(&[
        "ledger.csv",
        "le journal totalise 1 191,00 € mais l'appel 1 119,00 €",
    ]);

    // Not a batch at all.
    verify(&dir, dir.path())
        .code(8)
        .stderr_has(&["manifest.json"]);
}

#[test]
fn supplementary_run_continues_numbering_and_refuses_members_already_billed() {
    let dir = Dir::new();
    let (second, sup) = dir.run_sample_then_supplementary();
    second.stderr_has(&["AC-2027-00060"]);
    assert!(
        dir.join("lot2/appels/AC-2027-00060_C-NOUVEAU.pdf")
            .is_file()
    );
    verify(&dir, &dir.join("lot2")).code(0);

    // A third batch continues the second, and knows what the first billed.
    let both = dir.write_sample_first_row_as("sup2.csv", &["C-14531", "C-AUTRE"]);
    dir.run_roster(&both, "lot3")
        .after(dir.join("lot2"))
        .run()
        .code(4)
        .stderr_has(&["ligne 2", "C-14531", "déjà été facturé", "AC-2027-00001"]);
    assert!(!dir.join("lot3").exists());
    let out = dir
        .run_roster(&both, "lot3")
        .after(dir.join("lot2"))
        .arg("--skip-invalid")
        .run()
        .code(5)
        .stderr_has(&["traitement partiel", "rejects.csv"]);
    drop(out);
    assert!(dir.join("lot3/appels/AC-2027-00061_C-AUTRE.pdf").is_file());
    let rejects = fs::read_to_string(dir.join("lot3/rejects.csv")).unwrap();
    assert!(
        rejects.starts_with("ligne;id;motifs\r\n2;C-14531;"),
        "{rejects}"
    );

    // Another exercice cannot continue this series.
    dir.run_roster(&sup, "lot4")
        .args(["--exercice", "2028"])
        .after(dir.join("lot1"))
        .run()
        .code(2)
        .stderr_has(&["exercice 2027"]);
    // A damaged previous batch cannot be continued.
    fs::write(dir.join("lot1/summary.json"), "{}").unwrap();
    dir.run_roster(&sup, "lot5")
        .after(dir.join("lot1"))
        .run()
        .code(2)
        .stderr_has(&["n'est pas intact"]);
}

#[test]
fn skip_invalid_accounts_for_every_row() {
    let dir = Dir::new();
    let sample = fs::read_to_string(sample_roster()).unwrap();
    let mut lines: Vec<String> = sample.lines().map(String::from).collect();
    // Break two rows (lines 3 and 5 of the file) in different ways.
    let set = |line: &str, cells: &[(usize, &str)]| {
        let mut fields: Vec<&str> = line.split(';').collect();
        for (i, v) in cells {
            fields[*i] = v;
        }
        fields.join(";")
    };
    // Columns: 2 = type, 5 = affiliee.
    lines[2] = set(&lines[2], &[(2, "syndicat")]);
    lines[4] = set(&lines[4], &[(2, ""), (5, "peut-être")]);
    let roster = dir.write("r.csv", lines.join("\r\n") + "\r\n");
    dir.run_roster(&roster, "lot")
        .arg("--skip-invalid")
        .run()
        .code(5);
    let rejects = fs::read_to_string(dir.join("lot/rejects.csv")).unwrap();
    let rows: Vec<&str> = rejects.lines().collect();
    assert_eq!(rows.len(), 3, "{rejects}");
    assert!(rows[1].starts_with("3;"));
    assert!(
        rows[2].starts_with("5;") && rows[2].contains(" | "),
        "every reason: {}",
        rows[2]
    );
    let summary: serde_json::Value =
        serde_json::from_slice(&fs::read(dir.join("lot/summary.json")).unwrap()).unwrap();
    let n = |k: &str| summary[k].as_u64().unwrap();
    let sans_appel = summary["sans_appel"].as_array().unwrap().len() as u64;
    assert_eq!(n("rejetes"), 2);
    assert_eq!(n("lignes_lues"), 61);
    assert_eq!(
        n("appels_emis") + sans_appel + n("rejetes"),
        n("lignes_lues")
    );
    verify(&dir, &dir.join("lot")).code(0);
}

#[test]
fn a_second_run_is_refused_at_once_while_another_holds_the_lock() {
    let dir = Dir::new();
    let out = dir.join("lot");
    // Hold the lock the way a running batch does, from this process.
    let mut lock = fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(dir.join(".lot.lock"))
        .unwrap();
    lock.lock().unwrap();
    let holder = format!(
        "processus {} démarré le 2027-01-15 06:00:00",
        std::process::id()
    );
    std::io::Write::write_all(&mut lock, holder.as_bytes()).unwrap();
    let start = Instant::now();
    let r = dir.cmd(run_args(&sample_roster(), &out)).run().code(9);
    assert!(
        start.elapsed() < Duration::from_secs(10),
        "must not wait for the lock"
    );
    assert!(r.stderr.contains(&holder), "{}", r.stderr);
    assert!(r.stderr.contains("un autre traitement"), "{}", r.stderr);
    assert!(!out.exists());
    // Once released (the holder died or finished), the next run goes through,
    // even though the lock file and its stale holder text remain.
    drop(lock);
    dir.cmd(run_args(&sample_roster(), &out)).run().code(0);
    verify(&dir, &out).code(0);
}

/// Two real runs started together on the same output: whatever the order,
/// no run fails halfway and the result is one intact batch.
#[test]
fn two_concurrent_runs_never_mix_their_output() {
    let dir = Dir::new();
    let roster = synthetic(&dir, 600);
    let out = dir.join("lot");
    let spawn = || {
        Command::new(BIN)
            .args(run_args(&roster, &out))
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (a, b) = (spawn(), spawn());
    let (a, b) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
    let codes = [a.status.code(), b.status.code()];
    assert!(codes.contains(&Some(0)), "{codes:?}");
    for o in [&a, &b] {
        assert!(
            matches!(o.status.code(), Some(0 | 9)),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
    verify(&dir, &out).code(0);
    assert!(leftovers(dir.path()).is_empty());
}

/// SIGABRT, the signal of `std::process::abort` (6 on every Unix).
const SIGABRT: i32 = 6;

/// Runs the binary on `args` in `dir` with the failure point `step` armed
/// (`COTISATIONS_ECHEC_TEST`, debug builds: see `src/failpoint.rs`), and
/// asserts that it died there, by SIGABRT: not an exit, not another signal.
#[track_caller]
fn abort_at(dir: &Dir, step: &str, args: &[String]) {
    let run = Command::new(BIN)
        .args(args)
        .current_dir(dir.path())
        .env("COTISATIONS_ECHEC_TEST", step)
        .env_remove("RUST_BACKTRACE")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .expect("start the cotisations binary");
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(
        (run.status.code(), run.status.signal()),
        (None, Some(SIGABRT)),
        "step {step}: expected an abort there (is it still met?)\n{stderr}"
    );
    assert!(stderr.contains(&format!("« {step} »")), "{stderr}");
}

/// Aborts a run of `roster` at each of `steps`, once with the previous
/// batch in place and once with none. Each time the output is the
/// previous batch, or absent when there was none; after
/// `apres-publication` it is the complete new batch (identical inputs give
/// identical files: also the reference). The abort leaves its lock file
/// and working folder; a normal rerun then removes them and writes the
/// batch again.
///
/// The two series run side by side, each on its output folder (`lot`,
/// `neuf`: their own locks and working folders), so that one's disk
/// flushes (`syncfs`) and single-threaded stretches overlap the other's
/// rendering; neither folder's name is in the batch, so one reference
/// serves both.
fn abort_and_rerun(dir: &Dir, roster: &Path, steps: &[&str]) {
    let out = dir.join("lot");
    dir.cmd(run_args(roster, &out)).run().code(0);
    verify(dir, &out).code(0);
    let reference = snapshot(&out);
    std::thread::scope(|scope| {
        for (name, with_previous) in [("lot", true), ("neuf", false)] {
            let reference = &reference;
            scope.spawn(move || {
                for step in steps {
                    abort_then_rerun(dir, roster, name, with_previous, step, reference);
                }
            });
        }
    });
}

/// One case of `abort_and_rerun`: the run into `name` aborted at `step`,
/// then rerun.
fn abort_then_rerun(
    dir: &Dir,
    roster: &Path,
    name: &str,
    with_previous: bool,
    step: &str,
    reference: &Snapshot,
) {
    let out = dir.join(name);
    let lock = dir.join(format!(".{name}.lock"));
    let args = run_args(roster, &out);
    let case = format!(
        "{step}, {}",
        if with_previous {
            "previous batch in place"
        } else {
            "no previous batch"
        }
    );
    // This output's working folders (the other series has its own).
    let left = || -> Vec<String> {
        let prefix = format!(".{name}.");
        let mut names = leftovers(dir.path());
        names.retain(|n| n.starts_with(&prefix));
        names
    };
    if !with_previous && out.exists() {
        fs::remove_dir_all(&out).unwrap();
    }
    abort_at(dir, step, &args);
    if with_previous || step == "apres-publication" {
        assert!(snapshot(&out) == *reference, "{case}: not the whole batch");
    } else {
        assert!(!out.exists(), "{case}: a partial batch is in place");
    }
    // No destructor ran: the lock file stays, and so does the working
    // folder (the staging folder, or once swapped the replaced content),
    // except after a plain rename into an absent output.
    assert!(lock.is_file(), "{case}: the lock file was removed");
    let renamed_into_nothing = step == "apres-publication" && !with_previous;
    assert_eq!(
        left().is_empty(),
        renamed_into_nothing,
        "{case}: {:?}",
        left()
    );
    dir.cmd(&args).run().code(0);
    assert!(left().is_empty(), "{case}: {:?}", left());
    assert!(!lock.exists(), "{case}: the lock file remains");
    verify(dir, &out).code(0);
    assert!(snapshot(&out) == *reference, "{case}: rerun differs");
}

/// Aborted after a chunk of its PDFs, a run leaves the previous state, and
/// a rerun completes. 600 members make 17 chunks of 37 (`MIN_CHUNK`..
/// `CHUNK` in `src/batch/output.rs`); aborted after the first (nothing fed
/// to the ledger yet), the second (the first fed, its flush asked) and the
/// last (every PDF written, the last chunk not fed).
#[test]
fn aborted_while_rendering_leaves_the_previous_state_and_a_rerun_completes() {
    let dir = Dir::new();
    let roster = synthetic(&dir, 600);
    abort_and_rerun(&dir, &roster, &["lot-1", "lot-2", "lot-17"]);
}

/// Aborted between the last PDF and the removal of the replaced batch, a
/// run leaves the previous state or the whole new batch, and a rerun
/// completes. These steps do not depend on the roster's size: the sample
/// keeps the test short.
#[test]
fn aborted_while_publishing_leaves_a_whole_batch_and_a_rerun_completes() {
    let dir = Dir::new();
    abort_and_rerun(
        &dir,
        &sample_roster(),
        &["avant-manifeste", "avant-publication", "apres-publication"],
    );
}

/// A credit note aborted before its manifest or before its publication,
/// into a new folder or an empty one: the folder stays as it was, and a
/// rerun issues the same credit note.
#[test]
fn an_aborted_credit_note_leaves_nothing_and_a_rerun_completes() {
    let dir = Dir::new();
    dir.cmd(run_args(&sample_roster(), &dir.join("lot")))
        .run()
        .code(0);
    let lot = snapshot(&dir.join("lot"));
    let out = dir.join("av");
    let lock = dir.join(".av.lock");
    let args: Vec<String> = [
        "avoir",
        "--batch",
        "lot",
        "--membre",
        "C-14202",
        "--motif",
        "Adhésion résiliée",
        "--out",
        "av",
        "--emetteur",
        &emetteur().display().to_string(),
        "--date-emission",
        "2027-03-01",
    ]
    .map(String::from)
    .into();
    dir.cmd(&args).run().code(0);
    verify(&dir, &out).code(0);
    let reference = snapshot(&out);
    for step in ["avoir-avant-manifeste", "avoir-avant-publication"] {
        for empty_folder in [false, true] {
            let case = format!("{step}, empty folder: {empty_folder}");
            fs::remove_dir_all(&out).unwrap();
            if empty_folder {
                fs::create_dir(&out).unwrap();
            }
            abort_at(&dir, step, &args);
            if empty_folder {
                assert!(crate::util::entries(&out).is_empty(), "{case}");
            } else {
                assert!(!out.exists(), "{case}");
            }
            assert!(lock.is_file(), "{case}: the lock file was removed");
            assert!(!leftovers(dir.path()).is_empty(), "{case}: no staging");
            dir.cmd(&args).run().code(0);
            assert!(
                leftovers(dir.path()).is_empty(),
                "{case}: {:?}",
                leftovers(dir.path())
            );
            assert!(!lock.exists(), "{case}: the lock file remains");
            verify(&dir, &out).code(0);
            assert!(snapshot(&out) == reference, "{case}: rerun differs");
        }
    }
    assert!(
        snapshot(&dir.join("lot")) == lot,
        "the batch credited changed"
    );
}

/// Mounts a tmpfs and runs `f` with its path. Mounting needs root (CI
/// runs as root). When the tmpfs cannot be mounted the test fails, saying
/// why, unless `COTISATIONS_TESTS_SANS_ROOT=1` is set: then it prints an
/// `IGNORED: … (not root)` line on stderr, past the harness's capture, and
/// returns: a skip in plain sight in `cargo test`'s output rather than a
/// silent `ok`.
fn with_tmpfs(options: &str, f: impl FnOnce(&Path)) {
    let dir = Dir::new();
    let mnt = dir.join("mnt");
    fs::create_dir(&mnt).unwrap();
    let mount = Command::new("mount")
        .args(["-t", "tmpfs", "-o", options, "tmpfs"])
        .arg(&mnt)
        .output();
    if !mount.as_ref().is_ok_and(|o| o.status.success()) {
        let root = Command::new("id")
            .arg("-u")
            .output()
            .is_ok_and(|o| o.stdout.starts_with(b"0\n"));
        let mount_said = match &mount {
            Ok(o) => String::from_utf8_lossy(&o.stderr).trim().to_string(),
            Err(e) => e.to_string(),
        };
        let why = if root {
            format!("root, but mount failed: {mount_said}")
        } else {
            "not root".to_string()
        };
        let test = std::thread::current().name().unwrap_or("?").to_string();
        if std::env::var_os("COTISATIONS_TESTS_SANS_ROOT").is_some_and(|v| v == "1") {
            // Straight to the process's stderr, past the test harness's
            // capture: the skip shows in a plain `cargo test`.
            let _ = writeln!(
                std::io::stderr(),
                "IGNORED: {test}: cannot mount a tmpfs ({why}); skipped as COTISATIONS_TESTS_SANS_ROOT=1 allows"
            );
            return;
        }
        panic!(
            "{test}: cannot mount a tmpfs ({why}): run the tests as root, as CI does, \
             or set COTISATIONS_TESTS_SANS_ROOT=1 to skip the full-disk and read-only tests"
        );
    }
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(&mnt)));
    let _ = Command::new("umount").arg(&mnt).status();
    if let Err(e) = result {
        std::panic::resume_unwind(e);
    }
}

#[test]
fn a_full_disk_is_a_clear_error_and_leaves_no_partial_batch() {
    with_tmpfs("size=256k", |mnt| {
        let dir = Dir::new();
        let roster = synthetic(&dir, 400);
        // A small previous batch fits; the big one does not.
        let out = mnt.join("lot");
        let small = dir.write("small.csv", {
            let text = fs::read_to_string(&roster).unwrap();
            text.lines().take(3).collect::<Vec<_>>().join("\n") + "\n"
        });
        dir.cmd(run_args(&small, &out)).run().code(0);
        let before = snapshot(&out);
        let r = dir.cmd(run_args(&roster, &out)).run().code(6);
        assert!(r.stderr.contains("disque plein"), "{}", r.stderr);
        assert_eq!(
            snapshot(&out),
            before,
            "the previous batch must be untouched"
        );
        assert!(leftovers(mnt).is_empty(), "{:?}", leftovers(mnt));
        verify(&dir, &out).code(0);
    });
}

#[test]
fn a_read_only_output_folder_is_a_clear_error() {
    with_tmpfs("ro,size=64k", |mnt| {
        let dir = Dir::new();
        let r = dir
            .cmd(run_args(&sample_roster(), &mnt.join("lot")))
            .run()
            .code(6);
        assert!(r.stderr.contains("lecture seule"), "{}", r.stderr);
        assert!(crate::util::entries(mnt).is_empty());
    });
}

#[test]
fn stale_staging_folders_are_removed_by_the_next_run() {
    let dir = Dir::new();
    fs::create_dir_all(dir.join(".lot.staging-999999/appels")).unwrap();
    fs::write(dir.join(".lot.staging-999999/appels/x.pdf"), b"half").unwrap();
    dir.run_roster(&sample_roster(), "lot").run().batch_ok();
    assert!(leftovers(dir.path()).is_empty());
}

#[test]
fn logs_for_cron_quiet_and_json() {
    let dir = Dir::new();
    dir.run_roster(&sample_roster(), "lot")
        .arg("--quiet")
        .run()
        .code(0)
        .silent();
    let json = dir
        .run_roster(&sample_roster(), "lot")
        .args(["--force", "--log-format", "json"])
        .run()
        .code(0);
    let events: Vec<serde_json::Value> = json
        .stderr
        .lines()
        .map(|line| serde_json::from_str(line).expect("one JSON object per line"))
        .collect();
    for v in &events {
        assert_eq!(v["niveau"], "info", "{v}");
        assert!(
            v["horodatage"].as_str().is_some_and(|t| t.len() == 25),
            "{v}"
        );
        // Structured, not the screen's aligned lines.
        assert!(!v["message"].as_str().unwrap().contains("  "), "{v}");
    }
    let published = events
        .iter()
        .find(|v| v["evenement"] == "lot_publie")
        .expect("a lot_publie event");
    assert_eq!(published["appels_emis"], 59);
    assert_eq!(published["sans_appel"], 2);
    assert_eq!(published["premier_numero"], "AC-2027-00001");
    let last = events.last().unwrap();
    assert_eq!(last["evenement"], "fin");
    assert_eq!(last["code_sortie"], 0);
    assert_eq!(last["commande"], "run");
    assert!(last["duree_ms"].is_u64());
    // Errors are JSON too, and never hidden by --quiet.
    let bad = dir.write("bad.csv", "id;nom;type;siret\nA;X;mairie;123\n");
    let err = dir
        .run_roster(&bad, "lot2")
        .args(["--quiet", "--log-format", "json"])
        .run()
        .code(4);
    let v: serde_json::Value = serde_json::from_str(err.stderr.lines().next().unwrap()).unwrap();
    assert_eq!(v["niveau"], "erreur");
}
