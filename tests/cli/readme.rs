//! What the README says is what works: its « Démarrage » block is the two
//! commands CI runs (scripts/readme-commands.sh), and its crontab line and
//! `check` command, pasted on a server laid out as its « Installation »
//! says, succeed without anything created by hand first.

use std::fs;
use std::process::Command;

use crate::util::{BIN, Dir, repo, sample_grid};

fn readme() -> String {
    fs::read_to_string(repo("README.md")).expect("read the README")
}

#[test]
fn the_demarrage_block_is_the_two_commands_ci_runs() {
    let out = Command::new(repo("scripts/readme-commands.sh"))
        .output()
        .expect("run scripts/readme-commands.sh");
    assert!(out.status.success());
    let commands: Vec<String> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(String::from)
        .collect();
    assert_eq!(commands.len(), 2, "{commands:?}");
    assert!(commands[0].starts_with("cargo run -- run "), "{commands:?}");
    assert!(commands[0].contains("--out sortie"), "{commands:?}");
    assert_eq!(commands[1], "cargo test --workspace");
    assert!(
        fs::read_to_string(repo(".ci/run"))
            .unwrap()
            .contains("scripts/readme-commands.sh")
    );
}

/// A README command line as a shell command on a server rooted at `root`:
/// `/srv/cotisations` is `root`, `/usr/local/bin/cotisations` the binary
/// under test.
fn on_server(line: &str, root: &std::path::Path) -> String {
    line.replace("/usr/local/bin/cotisations", BIN)
        .replace("/srv/cotisations", &root.display().to_string())
}

/// Runs `command` as cron would: `sh -c`, a bare environment, from `/`.
fn as_cron(command: &str) -> std::process::Output {
    Command::new("/bin/sh")
        .args(["-c", command])
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("HOME", "/nonexistent")
        .current_dir("/")
        .output()
        .expect("run the command")
}

#[allow(
    clippy::too_many_lines,
    reason = "the README's year replayed, one step after the other"
)]
#[test]
fn the_crontab_line_works_when_pasted_on_the_installed_layout() {
    let text = readme();
    let cron = text
        .lines()
        .map(str::trim)
        .find(|l| l.starts_with("0 6 * * 1-5"))
        .expect("a crontab line in the README");
    // Minute, hour, day, month, weekday: the rest is the command.
    let command: String = cron
        .split_whitespace()
        .skip(5)
        .collect::<Vec<_>>()
        .join(" ");
    let check = text
        .lines()
        .find(|l| l.starts_with("cotisations check --roster /srv/cotisations"))
        .expect("the Installation's check command");

    // The layout the README describes, and nothing else made by hand.
    let dir = Dir::new();
    let root = dir.join("srv-cotisations");
    fs::create_dir_all(root.join("config")).unwrap();
    fs::create_dir_all(root.join("partage")).unwrap();
    fs::copy(sample_grid(), root.join("config/grille-2027.toml")).unwrap();
    fs::copy(crate::util::emetteur(), root.join("config/emetteur.toml")).unwrap();
    fs::copy(
        repo("tests/fixtures/role.xlsx"),
        root.join("partage/role.xlsx"),
    )
    .unwrap();

    let out = as_cron(&on_server(
        &check.replacen("cotisations", "/usr/local/bin/cotisations", 1),
        &root,
    ));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    for day in 1..=2 {
        let out = as_cron(&on_server(&command, &root));
        assert!(
            out.status.success(),
            "day {day}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        // Quiet: cron mails nothing.
        assert!(out.stdout.is_empty() && out.stderr.is_empty(), "day {day}");
    }
    // Two days of projets: nothing issued yet.
    assert!(!root.join("exercices/2027/entrees/0001-AC").exists());
    assert!(
        root.join("exercices/2027/projet/appels/PROV-2027-00001_C-14531.pdf")
            .is_file()
    );
    // The day of issue: the README's emettre line, then the cron again,
    // which finds nothing left to issue.
    let emettre = text
        .lines()
        .map(str::trim)
        .find(|l| l.starts_with("cotisations emettre /srv/cotisations"))
        .expect("the README's emettre line");
    let out = as_cron(&on_server(
        &emettre.replacen("cotisations", "/usr/local/bin/cotisations", 1),
        &root,
    ));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        root.join("exercices/2027/entrees/0001-AC/appels/AC-2027-00001_C-14531.pdf")
            .is_file()
    );
    let out = as_cron(&on_server(&command, &root));
    assert!(out.status.success() && out.stderr.is_empty(), "day 3");
    assert!(!root.join("exercices/2027/projet").exists());
    let journal = fs::read_to_string(root.join("journaux/cotisations.log")).unwrap();
    let finals: Vec<&str> = journal.lines().filter(|l| l.contains(" fin : ")).collect();
    assert_eq!(finals.len(), 3, "{journal}");
    assert!(
        finals[..2]
            .iter()
            .all(|l| l.contains("code_sortie=0") && l.contains("appels_emis=59"))
    );
    assert!(journal.contains("rien_a_emettre"), "{journal}");
    let verify = Command::new(BIN)
        .arg("verify")
        .arg(root.join("exercices/2027"))
        .output()
        .unwrap();
    assert!(
        verify.status.success(),
        "{}",
        String::from_utf8_lossy(&verify.stderr)
    );
    // Nothing else appeared on the server.
    assert_eq!(
        crate::util::entries(&root),
        ["config", "exercices", "journaux", "partage"]
    );
    assert_eq!(crate::util::entries(&root.join("exercices")), ["2027"]);
}
