//! `cotisations etat`: the state of an exercice from its folders, and the
//! rules of the series it checks across them.

use std::fs;

use crate::util::{Dir, sample_roster};

/// Exit code of folders that break the series.
const VERIFY: i32 = 8;

fn avoir(dir: &Dir, exercice: &str, membre: &str) -> crate::util::Cmd {
    crate::avoir::avoir(dir, exercice, membre).args(["--motif", "Erreur"])
}

/// The exercice `lot1`: the sample lot, its supplementary lot
/// (`C-NOUVEAU`) and an avoir crediting `C-14202` in full; returns `etat`
/// on it.
fn lot_supplement_avoir(dir: &Dir) -> crate::util::Cmd {
    dir.run_sample_then_supplementary();
    avoir(dir, "lot1", "C-14202").run().code(0);
    dir.cmd(["etat"]).arg(dir.join("lot1"))
}

#[test]
fn the_state_of_a_lot_its_supplementary_lot_and_an_avoir() {
    let dir = Dir::new();
    let out = lot_supplement_avoir(&dir)
        .args(["--csv"])
        .arg(dir.join("etat.csv"))
        .run()
        .code(0)
        .stdout_has(&[
            "Appels :     60  de AC-2027-00001 à AC-2027-00060, total 449 688,50 €",
            "Avoirs :      1  AV-2027-00001, total -1 636,00 €",
            "Net    : 60 adhérents, 448 052,50 €",
            "Tête du registre : ",
        ]);
    let line = |id: &str| {
        crate::util::nbsp(&out.stdout)
            .lines()
            .find(|l| l.starts_with(&format!("{id} ")))
            .unwrap_or_else(|| panic!("{id} in {}", out.stdout))
            .to_string()
    };
    // Credited in full: net zero, both documents listed.
    assert!(
        line("C-14202").ends_with("0,00 €  AC-2027-00004, AV-2027-00001"),
        "{}",
        line("C-14202")
    );
    assert!(
        line("C-NOUVEAU").ends_with("1 119,00 €  AC-2027-00060"),
        "{}",
        line("C-NOUVEAU")
    );
    let csv = fs::read_to_string(dir.join("etat.csv")).unwrap();
    let mut rows = csv.lines();
    assert_eq!(
        rows.next(),
        Some("membre_id;membre_nom;appels;avoirs;net_ttc")
    );
    assert!(
        csv.lines()
            .any(|l| l == "C-14202;Cricquebœuf;AC-2027-00004;AV-2027-00001;0,00"),
        "{csv}"
    );
    assert_eq!(csv.lines().count(), 61);
}

#[test]
fn the_totals_per_item_add_up_to_the_net_of_the_exercice() {
    let dir = Dir::new();
    let out = lot_supplement_avoir(&dir).run().code(0);
    // The totals per item add up, to the cent, to the net of the exercice,
    // and one of them is the ledgers' own sum for its code.
    let cents = |text: &str| -> i64 {
        let digits: String = text
            .chars()
            .filter(|c| c.is_ascii_digit() || *c == '-')
            .collect();
        digits.parse().unwrap()
    };
    let text = crate::util::nbsp(&out.stdout);
    let items: Vec<&str> = text
        .split("Totaux par article, nets des avoirs\n")
        .nth(1)
        .unwrap()
        .lines()
        .take_while(|l| l.starts_with("  "))
        .collect();
    let ttc = |line: &str| cents(line.rsplit("TTC ").next().unwrap());
    assert_eq!(
        items.iter().map(|l| ttc(l)).sum::<i64>(),
        44_805_250,
        "{items:?}"
    );
    let ledgers: i64 = ["entrees/0001-AC", "entrees/0002-AC", "entrees/0003-AV"]
        .iter()
        .flat_map(|f| {
            fs::read_to_string(dir.join("lot1").join(f).join("ledger.csv"))
                .unwrap()
                .lines()
                .skip(1)
                .filter(|l| l.split(';').nth(9) == Some("forfait_metiers"))
                .map(|l| cents(l.split(';').nth(17).unwrap()))
                .collect::<Vec<_>>()
        })
        .sum();
    let forfait = items
        .iter()
        .find(|l| l.trim_start().starts_with("forfait_metiers "))
        .unwrap();
    assert_eq!(ttc(forfait), ledgers, "{forfait}");
}

#[test]
fn an_unchained_lot_and_a_missing_folder_break_the_series() {
    let dir = Dir::new();
    dir.run_roster(&sample_roster(), "lot1").run().batch_ok();
    // The newcomer's lot in another exercice folder: it restarts at
    // AC-2027-00001, and bills C-14531 a second time; etat on the entries
    // of both folders names it.
    let sup = dir.write_sample_first_row_as("sup.csv", &["C-14531", "C-NOUVEAU"]);
    dir.run_roster(&sup, "lot2").run().batch_ok();
    dir.cmd(["etat"])
        .arg(dir.lot("lot1"))
        .arg(dir.lot("lot2"))
        .run()
        .code(VERIFY)
        .stderr_has(&[
            "les dossiers de l'exercice rompent ses séries",
            "le numéro AC-2027-00001 a été émis deux fois",
            "l'adhérent « C-14531 » est facturé plusieurs fois (AC-2027-00001, AC-2027-00001)",
            "Un numéro émis ne change jamais",
        ]);
    // A supplementary lot given without the lot it continues: a gap.
    let dir = Dir::new();
    dir.run_sample_then_supplementary();
    dir.cmd(["etat"])
        .arg(dir.join("lot1/entrees/0002-AC"))
        .run()
        .code(VERIFY)
        .stderr_has(&["aucun document ne porte le rang 1 de la série AC"]);
    // A folder that fails verification is said as verify says it.
    fs::remove_file(dir.join("lot1/entrees/0002-AC/summary.json")).unwrap();
    dir.cmd(["etat"])
        .arg(dir.join("lot1"))
        .run()
        .code(VERIFY)
        .stderr_has(&["« summary.json » est manquant ou illisible"]);
}

#[test]
fn against_the_roster_it_says_who_is_left_to_bill_and_who_left() {
    let dir = Dir::new();
    dir.run_roster(&sample_roster(), "lot").run().batch_ok();
    avoir(&dir, "lot", "C-14202").run().code(0);
    // Next year's roster for this exercice: a newcomer, EP-012 gone.
    let sample = fs::read_to_string(sample_roster()).unwrap();
    let newcomer = dir.write_sample_first_row_as("nouveau.csv", &["C-NOUVEAU"]);
    let newcomer = fs::read_to_string(newcomer).unwrap();
    let mut roster: String = sample
        .split_inclusive('\n')
        .filter(|l| !l.starts_with("EP-012;"))
        .collect();
    roster.push_str(newcomer.split_inclusive('\n').nth(1).unwrap());
    let roster = dir.write("role.csv", roster);
    let out = dir
        .cmd(["etat"])
        .arg(dir.join("lot"))
        .arg("--roster")
        .arg(&roster)
        .arg("--tariff")
        .arg(crate::util::sample_grid())
        .run()
        .code(0)
        .stdout_has(&[
            "sans appel en cours, total 2 755,00 €",
            "Facturés mais absents du rôle : 1 (un avoir à émettre ?)",
        ]);
    let text = crate::util::nbsp(&out.stdout);
    let after = text.split("À facturer").nth(1).unwrap();
    // Credited in full, C-14202 is billable again; the newcomer too.
    assert!(
        after.contains("C-14202") && after.contains("1 636,00 €"),
        "{after}"
    );
    assert!(
        after.contains("C-NOUVEAU") && after.contains("1 119,00 €"),
        "{after}"
    );
    assert!(
        after.contains("EP-012") && after.contains("AC-2027-00051"),
        "{after}"
    );
    // A grid of another exercice is refused.
    let grid_2028 = dir.write(
        "grille-2028.toml",
        crate::util::sample_grid_altered("exercice = 2027", "exercice = 2028"),
    );
    dir.cmd(["etat"])
        .arg(dir.join("lot"))
        .arg("--roster")
        .arg(&roster)
        .arg("--tariff")
        .arg(&grid_2028)
        .run()
        .code(2)
        .stderr_has(&["facture l'exercice 2028, les dossiers l'exercice 2027"]);
}
