//! Credit notes (`cotisations avoir DIR`): a whole appel, then some lines
//! of another, numbered in their own series by the exercice's register,
//! negative in the ledger, entries of the exercice verified with it;
//! refusals leave nothing behind, and the lot credited is never touched.

use std::fs;
use std::path::{Path, PathBuf};

use crate::util::{DATE_EMISSION, Dir, LEDGER_HEADER, emetteur, sample_roster, snapshot};

/// `avoir` on member `membre` in the exercice folder `exercice`, dated
/// `date`.
pub(crate) fn avoir_on(dir: &Dir, exercice: &str, membre: &str, date: &str) -> crate::util::Cmd {
    dir.cmd(["avoir"])
        .arg(dir.join(exercice))
        .args(["--membre", membre])
        .arg("--emetteur")
        .arg(emetteur())
        .args(["--date-emission", date])
}

/// The same, dated 1 March 2027 (the lots are of 15 January).
pub(crate) fn avoir(dir: &Dir, exercice: &str, membre: &str) -> crate::util::Cmd {
    avoir_on(dir, exercice, membre, "2027-03-01")
}

/// The entry `n` of series `serie` of the exercice folder `exercice`.
pub(crate) fn entree(dir: &Dir, exercice: &str, n: u32, serie: &str) -> PathBuf {
    dir.join(exercice).join(format!("entrees/{n:04}-{serie}"))
}

/// The ledger's data rows of `numero`, split on `;`.
fn rows(ledger: &Path, numero: &str) -> Vec<Vec<String>> {
    fs::read_to_string(ledger)
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| l.split(';').map(String::from).collect::<Vec<_>>())
        .filter(|r| r[1] == numero)
        .collect()
}

/// Cents of a French amount (`-1119,00` → -111900).
fn cents(text: &str) -> i64 {
    text.replace(',', "").parse().unwrap()
}

#[allow(
    clippy::too_many_lines,
    reason = "one scenario: two avoirs, each checked where it lands"
)]
#[test]
fn credit_notes_cancel_an_appel_then_some_lines_in_their_own_series() {
    let dir = Dir::new();
    dir.run_roster(&sample_roster(), "lot").run().batch_ok();
    let lot = dir.lot("lot");
    let before = snapshot(&lot);
    let billed = rows(&lot.join("ledger.csv"), "AC-2027-00004");
    assert_eq!(billed.len(), 3, "C-14202: three lines");

    // The whole appel of C-14202.
    avoir(&dir, "lot", "C-14202")
        .args(["--motif", "Adhésion résiliée au 31 décembre 2026"])
        .run()
        .code(0)
        .stderr_has(&[
            "Avoir AV-2027-00001 émis le 1er mars 2027 : annule l'appel AC-2027-00004",
            "total -1 636,00 €",
            "avoirs/AV-2027-00001_C-14202.pdf",
        ]);
    let av1 = entree(&dir, "lot", 2, "AV");
    assert!(av1.join("avoirs/AV-2027-00001_C-14202.pdf").is_file());
    let ledger = fs::read_to_string(av1.join("ledger.csv")).unwrap();
    assert_eq!(ledger.lines().next(), Some(LEDGER_HEADER));
    let credited = rows(&av1.join("ledger.csv"), "AV-2027-00001");
    assert_eq!(credited.len(), billed.len());
    for (c, b) in credited.iter().zip(&billed) {
        assert_eq!(c[2], "2027-03-01");
        assert_eq!(c[4..10], b[4..10], "same member, tranche and code");
        assert_eq!(c[10], format!("Avoir sur AC-2027-00004 – {}", b[10]));
        assert_eq!(c[11], format!("-{}", b[11]), "quantity negative");
        assert_eq!(c[13], b[13], "unit price positive");
        for col in [14, 17] {
            assert_eq!(cents(&c[col]), -cents(&b[col]), "amounts negative");
        }
        assert_eq!(c[18], b[18], "same account");
    }
    let total: i64 = credited.iter().map(|r| cents(&r[17])).sum();
    assert_eq!(total, -163_600);
    let summary = fs::read_to_string(av1.join("summary.json")).unwrap();
    assert!(summary.contains("\"total_ttc\": \"-1636.00\""), "{summary}");
    dir.cmd(["verify"]).arg(&av1).run().code(0).stderr_has(&[
        "Dossier d'avoirs",
        "intact : 1 avoir (AV-2027-00001), total -1 636,00 €",
    ]);
    dir.cmd(["verify"])
        .arg(dir.join("lot"))
        .run()
        .code(0)
        .stderr_has(&["1 avoir (AV-2027-00001, -1 636,00 €)"]);

    // One line of another appel, continuing the series.
    avoir(&dir, "lot", "C-14619")
        .args([
            "--lignes",
            "certificat",
            "--motif",
            "Certificat jamais délivré",
        ])
        .run()
        .code(0)
        .stderr_has(&[
            "Avoir AV-2027-00002",
            "annule partiellement l'appel AC-2027-00002",
            "total -80,00 €",
        ]);
    let av2 = entree(&dir, "lot", 3, "AV");
    let credited = rows(&av2.join("ledger.csv"), "AV-2027-00002");
    assert_eq!(credited.len(), 1);
    assert_eq!(credited[0][9], "certificat");
    assert_eq!(credited[0][17], "-80,00");
    dir.cmd(["verify"]).arg(&av2).run().code(0);
    let manifest = fs::read_to_string(av2.join("manifest.json")).unwrap();
    for expected in [
        "\"serie\": \"AV\"",
        "\"premier_rang\": 2",
        "\"deja_credites\"",
        "\"avoir\": \"AV-2027-00002\"",
        "\"precedent\"",
    ] {
        assert!(manifest.contains(expected), "{expected} in {manifest}");
    }
    // Each avoir lists the lines it credits, not those of the others.
    assert!(
        !manifest.contains("\"avoir\": \"AV-2027-00001\""),
        "{manifest}"
    );
    // The exercice ledger holds the lot and both avoirs, in order.
    let exercice = fs::read_to_string(dir.join("lot/ledger.csv")).unwrap();
    let numbers: Vec<&str> = exercice
        .lines()
        .skip(1)
        .map(|l| l.split(';').nth(1).unwrap())
        .collect();
    assert_eq!(numbers.last(), Some(&"AV-2027-00002"));
    assert_eq!(numbers.iter().filter(|n| n.starts_with("AV-")).count(), 4);

    // An avoir altered by hand fails verification, alone and in its exercice.
    fs::write(av2.join("summary.json"), "{}").unwrap();
    dir.cmd(["verify"]).arg(&av2).run().code(8);
    dir.cmd(["verify"])
        .arg(dir.join("lot"))
        .run()
        .code(8)
        .stderr_has(&["entrees/0003-AV", "summary.json"]);

    // The batch credited is untouched, and still verifies.
    assert_eq!(snapshot(&lot), before);
    dir.cmd(["verify"]).arg(&lot).run().code(0);
}

#[test]
fn refusals_say_why_in_french_and_write_nothing() {
    let dir = Dir::new();
    dir.run_roster(&sample_roster(), "lot").run().batch_ok();
    avoir(&dir, "lot", "C-14202")
        .args([
            "--lignes",
            "formation_jours",
            "--motif",
            "Formation annulée",
        ])
        .run()
        .code(0);
    let before = snapshot(&dir.join("lot"));

    // The same line again: the register knows it is credited.
    avoir(&dir, "lot", "C-14202")
        .args(["--lignes", "formation_jours", "--motif", "Encore"])
        .run()
        .code(2)
        .stderr_has(&[
            "avoir refusé, rien n'a été écrit",
            "l'article « formation_jours » de l'appel AC-2027-00004 a déjà été crédité par l'avoir AV-2027-00001",
        ]);
    // A member without an appel in the exercice.
    avoir(&dir, "lot", "C-99999")
        .args(["--motif", "Erreur"])
        .run()
        .code(2)
        .stderr_has(&["l'adhérent « C-99999 » n'a pas d'appel en cours"]);
    // An appel that is not the member's.
    avoir(&dir, "lot", "C-14202")
        .args(["--appel", "AC-2027-00001", "--motif", "Erreur"])
        .run()
        .code(2)
        .stderr_has(&["AC-2027-00001 n'est pas un appel en cours de l'adhérent C-14202"]);
    // A code of no appel, one of another appel, one named twice, no motif.
    for (lignes, motif, message) in [
        ("inexistant", "x", "l'article « inexistant » est inconnu"),
        (
            "parapheur",
            "x",
            "l'article « parapheur » ne figure pas sur l'appel AC-2027-00004",
        ),
        (
            "forfait_metiers,forfait_metiers",
            "x",
            "est nommé deux fois",
        ),
        ("forfait_metiers", " ", "--motif est vide"),
    ] {
        avoir(&dir, "lot", "C-14202")
            .args(["--lignes", lignes, "--motif", motif])
            .run()
            .code(2)
            .stderr_has(&[message]);
    }
    // Not an exercice folder.
    dir.cmd(["avoir"])
        .arg(dir.join("lot/entrees/0001-AC"))
        .args(["--membre", "C-14531", "--motif", "x"])
        .run()
        .code(2)
        .stderr_has(&["n'est pas le dossier d'un exercice"]);
    // Nothing was left behind by the refusals.
    assert!(snapshot(&dir.join("lot")) == before);
    assert_eq!(crate::util::entries(dir.path()), ["lot"]);
}

#[test]
fn an_appel_of_a_supplementary_lot_is_credited_from_the_exercice() {
    let dir = Dir::new();
    dir.run_sample_then_supplementary();
    avoir(&dir, "lot1", "C-NOUVEAU")
        .args(["--motif", "Doublon", "--format", "pdf"])
        .run()
        .code(0)
        .stderr_has(&["AV-2027-00001", "AC-2027-00060"]);
    assert!(
        entree(&dir, "lot1", 3, "AV")
            .join("avoirs/AV-2027-00001_C-NOUVEAU.pdf")
            .is_file()
    );
    dir.cmd(["verify"]).arg(dir.join("lot1")).run().code(0);
    // Fully credited: nothing left to credit.
    avoir(&dir, "lot1", "C-NOUVEAU")
        .args(["--motif", "Doublon"])
        .run()
        .code(2)
        .stderr_has(&["n'a pas d'appel en cours"]);
    // The date of the credit note cannot precede the appel's.
    let day_before = DATE_EMISSION.replace("-15", "-14");
    avoir_on(&dir, "lot1", "C-14531", &day_before)
        .args(["--motif", "Doublon"])
        .run()
        .code(2);
}

#[test]
fn units_and_vat_mention_come_from_the_manifest_of_the_lot() {
    let dir = Dir::new();
    dir.run_roster(&sample_roster(), "lot").run().batch_ok();
    avoir(&dir, "lot", "C-14202")
        .args(["--motif", "Erreur"])
        .run()
        .code(0);
    let pdf = "avoirs/AV-2027-00001_C-14202.pdf";
    let reference = fs::read(entree(&dir, "lot", 2, "AV").join(pdf)).unwrap();
    let xml = crate::compliance::embedded_xml(&reference).unwrap();
    // The units of the grid (a day of training), its VAT mention.
    assert!(xml.contains("unitCode=\"DAY\""), "{xml}");
    assert!(
        xml.contains("<ram:ExemptionReason>TVA non applicable, article 256 B du CGI<"),
        "{xml}"
    );

    // A lot in plain PDF: no XML to read, and none needed.
    dir.run_roster(&sample_roster(), "simple")
        .args(["--format", "pdf"])
        .run()
        .batch_ok();
    avoir(&dir, "simple", "C-14202")
        .args(["--motif", "Erreur"])
        .run()
        .code(0);
    assert_eq!(
        fs::read(entree(&dir, "simple", 2, "AV").join(pdf)).unwrap(),
        reference,
        "the same credit note"
    );
}

#[test]
fn a_lot_changed_since_its_inscription_is_refused() {
    use crate::verify::rewrite_ledger;
    let dir = Dir::new();
    dir.run_roster(&sample_roster(), "lot").run().batch_ok();
    let lot = dir.lot("lot");
    // A ledger line changed by hand, its hash updated in the manifest: the
    // lot verifies alone, but it is no longer the lot the register holds.
    let ledger = fs::read_to_string(lot.join("ledger.csv")).unwrap();
    rewrite_ledger(&lot, &ledger.replacen("Rapilly", "Rapilly (modifié)", 1));
    dir.cmd(["verify"]).arg(&lot).run().code(0);
    avoir(&dir, "lot", "C-14531")
        .args(["--motif", "x"])
        .run()
        .code(2)
        .stderr_has(&[
            "avoir refusé, rien n'a été écrit",
            "a changé depuis son inscription",
        ]);
    dir.cmd(["verify"])
        .arg(dir.join("lot"))
        .run()
        .code(8)
        .stderr_has(&["entrees/0001-AC", "ne correspond plus"]);
    assert_eq!(crate::util::entries(&dir.join("lot/entrees")), ["0001-AC"]);
}

#[test]
fn the_object_names_the_convention_of_the_grid_on_the_appel_and_its_avoir() {
    let dir = Dir::new();
    let grid = dir.write(
        "grille.toml",
        crate::util::sample_grid_altered(
            "titre = \"Convention cadre « Accompagnement numérique »\"",
            "titre = \"Convention « Services numériques mutualisés »\"",
        ),
    );
    dir.run_batch(&sample_roster(), &grid, "lot")
        .run()
        .batch_ok();
    let text = |pdf: &Path| crate::util::pdf_runs(pdf).concat().join(" ");
    let appel = text(&dir.join("lot/entrees/0001-AC/appels/AC-2027-00004_C-14202.pdf"));
    assert!(
        appel.contains("cotisation 2027 – Convention « Services numériques mutualisés »"),
        "{appel}"
    );
    assert!(!appel.contains("Convention cadre"), "{appel}");
    avoir(&dir, "lot", "C-14202")
        .args(["--motif", "Erreur"])
        .run()
        .code(0);
    let credit = text(&entree(&dir, "lot", 2, "AV").join("avoirs/AV-2027-00001_C-14202.pdf"));
    assert!(
        credit.contains(
            "avoir sur la cotisation 2027 – Convention « Services numériques mutualisés »"
        ),
        "{credit}"
    );
}

#[test]
fn credit_notes_follow_each_other_in_date_order_within_their_exercice() {
    let dir = Dir::new();
    dir.run_roster(&sample_roster(), "lot").run().batch_ok();
    avoir_on(&dir, "lot", "C-14202", "2027-03-10")
        .args(["--motif", "Erreur"])
        .run()
        .code(0);
    // AV-00002 before AV-00001: refused.
    avoir_on(&dir, "lot", "C-14531", "2027-03-09")
        .args(["--motif", "Erreur"])
        .run()
        .code(2)
        .stderr_has(&["avant l'avoir AV-2027-00001 du 10 mars 2027"]);
    // An avoir of 2027 dated in 2031: refused, with what to do instead.
    avoir_on(&dir, "lot", "C-14531", "2031-02-01")
        .args(["--motif", "Erreur"])
        .run()
        .code(2)
        .stderr_has(&[
            "hors de l'exercice 2027 de l'appel",
            "jusqu'au 31 janvier 2028, datez-le du 31 décembre 2027",
        ]);
    assert!(!entree(&dir, "lot", 3, "AV").exists());
    avoir_on(&dir, "lot", "C-14531", "2027-12-31")
        .args(["--motif", "Erreur"])
        .run()
        .code(0)
        .stderr_has(&["AV-2027-00002"]);
}
