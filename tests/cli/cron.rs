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
        "--emettre".into(),
        "--quiet".into(),
    ]
}

/// The snapshot without the working files a writer leaves while it works
/// (staging folders, temporary files): what a reader sees.
fn committed(s: &Snapshot) -> Snapshot {
    s.iter()
        .filter(|(p, _)| {
            !p.components().any(|c| {
                let c = c.as_os_str().to_string_lossy();
                c.contains(".staging-")
                    || c.contains(".tmp-")
                    || c.contains(".ancien-")
                    || (c.starts_with('.') && c.ends_with(".lock"))
            })
        })
        .map(|(p, b)| (p.clone(), b.clone()))
        .collect()
}

/// Puts the files of `s` back into `out` (emptied first).
fn restore(out: &Path, s: &Snapshot) {
    if out.exists() {
        fs::remove_dir_all(out).unwrap();
    }
    fs::create_dir_all(out).unwrap();
    for (p, bytes) in s {
        let path = out.join(p);
        match bytes {
            None => fs::create_dir_all(&path).unwrap(),
            Some(b) => {
                fs::create_dir_all(path.parent().unwrap()).unwrap();
                fs::write(&path, b).unwrap();
            }
        }
    }
}

fn verify(dir: &Dir, out: &Path) -> crate::util::Output {
    dir.cmd(["verify"]).arg(out).run()
}

#[test]
fn verify_accepts_a_fresh_batch_and_catches_every_alteration() {
    let dir = Dir::new();
    dir.run_roster(&sample_roster(), "lot").run().batch_ok();
    verify(&dir, &dir.join("lot")).code(0).stderr_has(&[
        "intact",
        "59 appels",
        "AC-2027-00001",
        "AC-2027-00059",
    ]);
    let out = dir.lot("lot");

    let pdf = out.join("appels").join("AC-2027-00002_C-14619.pdf");
    let original = fs::read(&pdf).unwrap();
    let mut altered = original.clone();
    altered.push(b' ');
    fs::write(&pdf, &altered).unwrap();
    verify(&dir, &out).code(8).stderr_has(&[
        "AC-2027-00002_C-14619.pdf",
        "modifié",
        "Ne transmettez pas ces documents",
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
fn a_newcomer_is_billed_next_in_the_series_and_the_others_never_again() {
    let dir = Dir::new();
    let (second, _sup) = dir.run_sample_then_supplementary();
    second.stderr_has(&["AC-2027-00060"]);
    assert!(
        dir.join("lot1/entrees/0002-AC/appels/AC-2027-00060_C-NOUVEAU.pdf")
            .is_file()
    );
    verify(&dir, &dir.join("lot1")).code(0);

    // A third roster: a member billed by the first lot, unchanged, and a
    // newcomer. Only the newcomer is billed, next in the series.
    let both = dir.write_sample_first_row_as("sup2.csv", &["C-14531", "C-AUTRE"]);
    dir.run_roster(&both, "lot1").run().code(0);
    assert!(
        dir.join("lot1/entrees/0003-AC/appels/AC-2027-00061_C-AUTRE.pdf")
            .is_file()
    );
    assert_eq!(
        crate::util::entries(&dir.join("lot1/entrees/0003-AC/appels")),
        ["AC-2027-00061_C-AUTRE.pdf"]
    );
    // Another exercice's grid on this folder is refused.
    dir.run_roster(&both, "lot1")
        .args(["--exercice", "2028"])
        .run()
        .code(2);
    verify(&dir, &dir.join("lot1")).code(0);
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
    let rejects = fs::read_to_string(dir.join("lot/entrees/0001-AC/rejects.csv")).unwrap();
    let rows: Vec<&str> = rejects.lines().collect();
    assert_eq!(rows.len(), 3, "{rejects}");
    assert!(rows[1].starts_with("3;"));
    assert!(
        rows[2].starts_with("5;") && rows[2].contains(" | "),
        "every reason: {}",
        rows[2]
    );
    let summary: serde_json::Value =
        serde_json::from_slice(&fs::read(dir.join("lot/entrees/0001-AC/summary.json")).unwrap())
            .unwrap();
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
    fs::create_dir(&out).unwrap();
    let mut lock = fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(out.join(".lock"))
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
    assert_eq!(crate::util::entries(&out), [".lock"]);
    // Once released (the holder died or finished), the next run goes through,
    // even though the lock file and its stale holder text remain.
    drop(lock);
    dir.cmd(run_args(&sample_roster(), &out)).run().code(0);
    verify(&dir, &out).code(0);
}

/// While a writer holds the exercice, `verify` and `etat` wait for it, then
/// read the committed state: never a false « modifié » from an entry half
/// inscribed.
#[test]
fn readers_wait_for_the_writer_and_see_the_committed_state() {
    let dir = Dir::new();
    let out = dir.join("lot");
    dir.cmd(run_args(&sample_roster(), &out)).run().code(0);
    let lock = fs::OpenOptions::new()
        .write(true)
        .open(out.join(".lock"))
        .unwrap();
    lock.lock().unwrap();
    // As a writer would leave it midway: an entry in place, not inscribed.
    crate::verify::copy_dir(&out.join("entrees/0001-AC"), &out.join("entrees/0002-AC"));
    let mut readers: Vec<_> = [vec!["verify"], vec!["etat"]]
        .iter()
        .map(|args| {
            Command::new(BIN)
                .args(args)
                .arg(&out)
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    std::thread::sleep(Duration::from_millis(800));
    for r in &mut readers {
        assert!(r.try_wait().unwrap().is_none(), "a reader did not wait");
    }
    // The writer finishes (here: takes its entry back) and lets go.
    fs::remove_dir_all(out.join("entrees/0002-AC")).unwrap();
    drop(lock);
    for r in readers {
        let o = r.wait_with_output().unwrap();
        assert_eq!(
            o.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
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
pub(crate) fn abort_at(dir: &Dir, step: &str, args: &[String]) {
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

/// The steps of an emission, in order, and whether the entry is in
/// place (renamed into `entrees/`) once the process died there.
const STEPS: [(&str, bool); 5] = [
    ("avant-manifeste", false),
    ("avant-publication", false),
    ("apres-publication", true),
    ("avant-registre", true),
    ("avant-journal-exercice", true),
];

/// An exercice holding the sample's lot (`before`), then `roster`'s
/// newcomers issued as the second entry (`after`, the reference). Each
/// emission aborted at `step` leaves the exercice as it was before, or
/// with the new entry in place but not yet inscribed (after its rename):
/// never a number without its document. A rerun (plain `run`, the same
/// command) then ends in exactly `after`: the interrupted entry inscribed,
/// or issued again from scratch.
fn abort_and_rerun(dir: &Dir, roster: &Path, steps: &[(&str, bool)]) {
    let out = dir.join("lot");
    dir.cmd(run_args(&sample_roster(), &out)).run().code(0);
    let before = snapshot(&out);
    dir.cmd(run_args(roster, &out)).run().code(0);
    verify(dir, &out).code(0);
    let after = snapshot(&out);
    assert!(
        after.keys().any(|p| p.starts_with("entrees/0002-AC")),
        "the reference has a second entry"
    );
    for &(step, in_place) in steps {
        restore(&out, &before);
        abort_at(dir, step, &run_args(roster, &out));
        let state = committed(&snapshot(&out));
        let register_before = &before[Path::new("registre.jsonl")];
        let entry_there = state.keys().any(|p| p.starts_with("entrees/0002-AC"));
        assert_eq!(entry_there, in_place, "{step}: entry in place?");
        if step == "avant-journal-exercice" {
            // Inscribed, the exercice ledger not yet rebuilt.
            assert_eq!(
                state[Path::new("registre.jsonl")],
                after[Path::new("registre.jsonl")],
                "{step}"
            );
        } else {
            assert_eq!(
                &state[Path::new("registre.jsonl")],
                register_before,
                "{step}: the register moved"
            );
        }
        if !in_place {
            assert!(
                state == committed(&before),
                "{step}: not the previous state"
            );
        }
        // Whatever the step, the rerun ends in the reference, and says
        // what it repaired.
        dir.cmd(run_args(roster, &out)).run().code(0);
        verify(dir, &out).code(0);
        assert!(
            snapshot(&out) == after,
            "{step}: rerun differs from the reference"
        );
    }
}

/// Aborted after a chunk of its PDFs, an emission leaves the previous
/// state, and a rerun completes. 600 newcomers make 17 chunks of 37
/// (`MIN_CHUNK`..`CHUNK` in `src/batch/output.rs`); aborted after the
/// first, the second and the last.
#[test]
fn aborted_while_rendering_leaves_the_previous_state_and_a_rerun_completes() {
    let dir = Dir::new();
    let roster = synthetic(&dir, 600);
    abort_and_rerun(
        &dir,
        &roster,
        &[("lot-1", false), ("lot-2", false), ("lot-17", false)],
    );
}

/// Aborted at every step of the entry's publication and inscription.
#[test]
fn aborted_while_publishing_or_inscribing_leaves_a_whole_entry_or_none() {
    let dir = Dir::new();
    let (_, sup) = dir.run_sample_then_supplementary();
    fs::remove_dir_all(dir.join("lot1")).unwrap();
    abort_and_rerun(&dir, &sup, &STEPS);
}

/// `emettre` aborted at each step of its entry's publication and
/// inscription: the projet stays and a rerun of `emettre` issues it; or
/// the entry is in place, and the next writer (the morning's `run`)
/// inscribes it and finds nothing left to issue. Either way the exercice
/// ends as one uninterrupted emission leaves it.
#[test]
fn an_aborted_emission_of_a_projet_is_finished_or_redone() {
    let dir = Dir::new();
    let out = dir.join("lot");
    let mut projet_args = run_args(&sample_roster(), &out);
    projet_args.retain(|a| a != "--emettre");
    let emettre: Vec<String> = vec![
        "emettre".into(),
        out.display().to_string(),
        "--quiet".into(),
    ];
    dir.cmd(&projet_args).run().code(0);
    let with_projet = snapshot(&out);
    dir.cmd(&emettre).run().code(0);
    let reference = snapshot(&out);
    for (step, in_place) in STEPS {
        restore(&out, &with_projet);
        abort_at(&dir, step, &emettre);
        let state = committed(&snapshot(&out));
        assert_eq!(
            state.keys().any(|p| p.starts_with("entrees/0001-AC")),
            in_place,
            "{step}"
        );
        if in_place {
            dir.cmd(&projet_args).run().code(0);
        } else {
            assert!(state == committed(&with_projet), "{step}: the projet moved");
            dir.cmd(&emettre).run().code(0);
        }
        verify(&dir, &out).code(0);
        assert!(
            snapshot(&out) == reference,
            "{step}: differs from the reference"
        );
    }
}

/// A credit note aborted before its manifest, before its publication, or
/// before its inscription: the exercice stays as it was, or holds the
/// whole avoir; a rerun of the same command issues the same avoir, or
/// (already in place) inscribes it and refuses a second one.
#[test]
fn an_aborted_credit_note_leaves_nothing_or_all_of_it() {
    let dir = Dir::new();
    let out = dir.join("lot");
    dir.cmd(run_args(&sample_roster(), &out)).run().code(0);
    let before = snapshot(&out);
    let args: Vec<String> = [
        "avoir",
        "lot",
        "--membre",
        "C-14202",
        "--motif",
        "Adhésion résiliée",
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
    for step in [
        "avoir-avant-manifeste",
        "avoir-avant-publication",
        "avant-registre",
    ] {
        restore(&out, &before);
        abort_at(&dir, step, &args);
        let in_place = step == "avant-registre";
        let state = committed(&snapshot(&out));
        assert_eq!(
            state.keys().any(|p| p.starts_with("entrees/0002-AV")),
            in_place,
            "{step}"
        );
        if in_place {
            // The avoir is issued: the next writer inscribes it, and the
            // same command is then refused (nothing left to credit).
            dir.cmd(&args).run().code(2).stderr_has(&["Reprise"]);
        } else {
            assert!(
                state == committed(&before),
                "{step}: not the previous state"
            );
            dir.cmd(&args).run().code(0);
        }
        verify(&dir, &out).code(0);
        assert!(
            snapshot(&out) == reference,
            "{step}: differs from the reference"
        );
    }
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
        // A small exercice fits; the big emission does not.
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
    dir.run_roster(&sample_roster(), "lot").run().batch_ok();
    fs::create_dir_all(dir.join("lot/entrees/.0002-AC.staging-999999/appels")).unwrap();
    fs::write(
        dir.join("lot/entrees/.0002-AC.staging-999999/appels/x.pdf"),
        b"half",
    )
    .unwrap();
    // A file of the user's, named like nothing of ours, is kept.
    dir.run_roster(&sample_roster(), "lot").run().code(0);
    assert_eq!(crate::util::entries(&dir.join("lot/entrees")), ["0001-AC"]);
    verify(&dir, &dir.join("lot")).code(0);
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
        .args(["--log-format", "json"])
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
    let nothing = events
        .iter()
        .find(|v| v["evenement"] == "rien_a_emettre")
        .expect("a rien_a_emettre event");
    assert_eq!(nothing["inchanges"], 59);
    let json = dir
        .run_roster(&sample_roster(), "autre")
        .args(["--log-format", "json"])
        .run()
        .code(0);
    let published: serde_json::Value = json
        .stderr
        .lines()
        .map(|line| serde_json::from_str::<serde_json::Value>(line).unwrap())
        .find(|v| v["evenement"] == "entree_emise")
        .expect("an entree_emise event");
    assert_eq!(published["appels_emis"], 59);
    assert_eq!(published["sans_appel"], 2);
    assert_eq!(published["premier_numero"], "AC-2027-00001");
    assert_eq!(published["tete"].as_str().map(str::len), Some(12));
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
