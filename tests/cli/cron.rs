//! Unattended runs: verify, supplementary runs, partial runs, the lock,
//! kills at any moment, a full or read-only disk, logs for cron.

use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::util::{
    BIN, DATE_EMISSION, Dir, emetteur, leftovers, sample_grid, sample_roster, snapshot,
};

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

/// Kills runs at spread-out moments; each time the output is either the
/// previous batch or absent, never partial, and a rerun repairs everything.
#[test]
fn killed_at_any_moment_leaves_the_previous_state_and_a_rerun_completes() {
    let dir = Dir::new();
    let roster = synthetic(&dir, 600);
    let out = dir.join("lot");
    // Time one whole run, to spread the kills over its length.
    let t0 = Instant::now();
    dir.cmd(run_args(&roster, &out)).run().code(0);
    let full = t0.elapsed();
    verify(&dir, &out).code(0);
    let reference = snapshot(&out);
    for (i, percent) in [5u32, 20, 40, 60, 80, 95, 99].into_iter().enumerate() {
        let with_previous = i % 2 == 0;
        if !with_previous {
            fs::remove_dir_all(&out).unwrap();
        }
        let mut child = Command::new(BIN)
            .args(run_args(&roster, &out))
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(full * percent / 100);
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        if out.exists() {
            // Either the old batch or the complete new one: identical inputs
            // give identical files, so both equal the reference.
            assert_eq!(
                snapshot(&out),
                reference,
                "partial batch after a kill at {percent} %"
            );
        } else {
            assert!(
                !with_previous,
                "the previous batch vanished after a kill at {percent} %"
            );
        }
        dir.cmd(run_args(&roster, &out)).run().code(0);
        assert!(
            leftovers(dir.path()).is_empty(),
            "{:?}",
            leftovers(dir.path())
        );
        verify(&dir, &out).code(0);
        assert_eq!(snapshot(&out), reference);
    }
}

/// Mounts a tmpfs (root only, as in CI) and runs `f` with its path.
fn with_tmpfs(options: &str, f: impl FnOnce(&Path)) {
    let dir = Dir::new();
    let mnt = dir.join("mnt");
    fs::create_dir(&mnt).unwrap();
    let mounted = Command::new("mount")
        .args(["-t", "tmpfs", "-o", options, "tmpfs"])
        .arg(&mnt)
        .status()
        .is_ok_and(|s| s.success());
    // SAFETY: getuid has no preconditions.
    let root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.starts_with(b"0\n"));
    assert!(mounted || !root, "root but could not mount a tmpfs");
    if !mounted {
        eprintln!("not root: the tmpfs test is skipped");
        return;
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
