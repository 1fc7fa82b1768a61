//! The program only deletes or replaces what it created, and follows no
//! symbolic link it did not make: every case of the first-contact issue,
//! each showing that nothing outside the program's own files is touched.

use std::fs;
use std::os::unix::fs::symlink;

use crate::util::{Dir, entries, sample_grid, sample_roster, snapshot};

/// `run` of the files in `folder` (a roster, a grid, an issuer file) into
/// `out`, every path relative to the test folder.
fn run_from(dir: &Dir, folder: &str, out: &str) -> crate::util::Cmd {
    dir.cmd(["run", "--date-emission", "2027-01-15", "--roster"])
        .arg(dir.join(format!("{folder}/role.csv")))
        .arg("--tariff")
        .arg(dir.join(format!("{folder}/grille.toml")))
        .arg("--out")
        .arg(dir.join(out))
}

/// A shared folder as an office has it: the roster, the grid, the issuer
/// file and a spreadsheet of someone else's.
fn shared_folder(dir: &Dir, folder: &str) {
    fs::create_dir_all(dir.join(folder)).unwrap();
    fs::copy(sample_roster(), dir.join(format!("{folder}/role.csv"))).unwrap();
    fs::copy(sample_grid(), dir.join(format!("{folder}/grille.toml"))).unwrap();
    fs::copy(
        crate::util::emetteur(),
        dir.join(format!("{folder}/emetteur.toml")),
    )
    .unwrap();
    dir.write(
        format!("{folder}/budget 2027.xlsx"),
        b"PK\x03\x04 pas un lot",
    );
}

#[test]
fn a_shared_folder_with_user_files_is_never_emptied() {
    let dir = Dir::new();
    shared_folder(&dir, "partage");
    let before = snapshot(dir.path());
    run_from(&dir, "partage", "partage")
        .run()
        .code(2)
        .stderr_has(&["dossier de sortie", "refusé", "fichier d'entrée"]);
    assert!(snapshot(dir.path()) == before, "something was touched");
}

#[test]
fn an_output_folder_holding_the_roster_is_refused() {
    let dir = Dir::new();
    shared_folder(&dir, "lot");
    let before = snapshot(dir.path());
    run_from(&dir, "lot", "lot")
        .run()
        .code(2)
        .stderr_has(&["role.csv"]);
    // Nor a folder above the roster's.
    run_from(&dir, "lot", ".").run().code(2);
    assert!(snapshot(dir.path()) == before, "something was touched");
}

#[test]
fn the_current_folder_the_root_and_their_parents_are_refused() {
    let dir = Dir::new();
    let before = snapshot(dir.path());
    for out in [".", "..", "/", "./", "lots/.."] {
        dir.cmd(["run", "--date-emission", "2027-01-15", "--roster"])
            .arg(sample_roster())
            .arg("--tariff")
            .arg(sample_grid())
            .args(["--out", out])
            .run()
            .code(2)
            .stderr_has(&["dossier de sortie", "refusé"]);
    }
    assert!(snapshot(dir.path()) == before);
}

#[test]
fn a_symlinked_output_folder_is_refused_and_its_target_untouched() {
    let dir = Dir::new();
    // More than 256 files: the old cleanup removed them from 16 threads.
    for i in 0..300 {
        dir.write(format!("cible/fichier-{i:03}.txt"), "à garder");
    }
    symlink(dir.join("cible"), dir.join("lot")).unwrap();
    let before = snapshot(&dir.join("cible"));
    dir.run_roster(&sample_roster(), "lot")
        .run()
        .code(2)
        .stderr_has(&["lien symbolique"]);
    assert!(
        snapshot(&dir.join("cible")) == before,
        "the target was touched"
    );
    assert_eq!(entries(&dir.join("cible")).len(), 300);
    assert!(
        fs::symlink_metadata(dir.join("lot"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
}

#[test]
fn a_symlink_planted_in_an_entry_is_never_followed_and_verify_names_it() {
    let dir = Dir::new();
    dir.run_roster(&sample_roster(), "lot").run().batch_ok();
    for i in 0..5 {
        dir.write(format!("cible/fichier-{i}.txt"), "à garder");
    }
    symlink(
        dir.join("cible"),
        dir.join("lot/entrees/0001-AC/appels/lien"),
    )
    .unwrap();
    // A rerun issues nothing and touches nothing.
    dir.run_roster(&sample_roster(), "lot").run().code(0);
    dir.cmd(["verify"])
        .arg(dir.join("lot"))
        .run()
        .code(8)
        .stderr_has(&["entrees/0001-AC", "appels/lien"]);
    assert_eq!(entries(&dir.join("cible")).len(), 5);
}

#[test]
fn a_planted_lock_symlink_is_never_followed() {
    let dir = Dir::new();
    let victim = dir.write("precieux.txt", "à garder");
    dir.run_roster(&sample_roster(), "lot").run().batch_ok();
    fs::remove_file(dir.join("lot/.lock")).unwrap();
    symlink(&victim, dir.join("lot/.lock")).unwrap();
    dir.run_roster(&sample_roster(), "lot")
        .run()
        .code(2)
        .stderr_has(&["« ", ".lock", "lien symbolique"]);
    assert_eq!(fs::read_to_string(&victim).unwrap(), "à garder");
}

#[test]
fn no_lock_file_is_left_beside_the_exercice_folder() {
    let dir = Dir::new();
    dir.run_roster(&sample_roster(), "lot").run().batch_ok();
    assert_eq!(entries(dir.path()), ["lot"]);
    dir.run_roster(&sample_roster(), "lot").run().code(0);
    assert_eq!(entries(dir.path()), ["lot"]);
}

#[test]
fn an_output_folder_inside_a_batch_is_refused() {
    let dir = Dir::new();
    dir.run_roster(&sample_roster(), "lot").run().batch_ok();
    let before = snapshot(&dir.join("lot"));
    dir.run_roster(&sample_roster(), "lot/entrees/0001-AC/appels/bis")
        .run()
        .code(2)
        .stderr_has(&["il se trouve dans le lot"]);
    assert!(snapshot(&dir.join("lot")) == before);
}

#[test]
fn compare_csv_never_overwrites_an_input_a_batch_or_an_existing_file() {
    let dir = Dir::new();
    dir.run_roster(&sample_roster(), "lot").run().batch_ok();
    let roster = dir.write("role.csv", fs::read(sample_roster()).unwrap());
    let ledger = dir.write(
        "journal-2027.csv",
        fs::read(dir.join("lot/entrees/0001-AC/ledger.csv")).unwrap(),
    );
    let before = snapshot(dir.path());
    let compare = |csv: &std::path::Path, force: bool| {
        let mut cmd = dir
            .cmd(["compare", "--previous"])
            .arg(&ledger)
            .arg("--current")
            .arg(&ledger)
            .arg("--csv")
            .arg(csv);
        if force {
            cmd = cmd.arg("--force");
        }
        cmd.run()
    };
    // Onto the roster: an existing file, refused without --force…
    compare(&roster, false)
        .code(2)
        .stderr_has(&["il existe déjà", "--force"]);
    // …onto a ledger it reads, or a file of a batch, even with --force.
    compare(&ledger, true)
        .code(2)
        .stderr_has(&["l'un des fichiers lus"]);
    compare(&dir.join("lot/entrees/0001-AC/summary.json"), true)
        .code(2)
        .stderr_has(&["il se trouve dans le lot"]);
    compare(&dir.join("lot/ecarts.csv"), true)
        .code(2)
        .stderr_has(&["il se trouve dans le lot"]);
    // Through a link: refused.
    symlink(&roster, dir.join("lien.csv")).unwrap();
    compare(&dir.join("lien.csv"), true)
        .code(2)
        .stderr_has(&["lien symbolique"]);
    fs::remove_file(dir.join("lien.csv")).unwrap();
    assert!(snapshot(dir.path()) == before, "something was touched");
    // A new file is written; replaced only with --force.
    let out = dir.join("ecarts.csv");
    compare(&out, false).code(0);
    assert!(fs::read_to_string(&out).unwrap().contains("TOTAL"));
    compare(&out, false).code(2);
    compare(&out, true).code(0);
    // The roster replaced on purpose, with --force, is the user's choice.
    compare(&roster, true).code(0);
}
