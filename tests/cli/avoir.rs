//! Credit notes (`cotisations avoir`): a whole appel, then some lines of
//! another with `--after`, numbered in their own series, negative in the
//! ledger, verified like a batch; refusals leave nothing behind, and the
//! batch credited is never touched.

use std::fs;
use std::path::Path;

use crate::util::{DATE_EMISSION, Dir, LEDGER_HEADER, emetteur, sample_roster, snapshot};

/// `avoir` on member `membre` of the batch `lot` into `out`, dated `date`.
pub(crate) fn avoir_on(
    dir: &Dir,
    lot: &str,
    membre: &str,
    out: &str,
    date: &str,
) -> crate::util::Cmd {
    dir.cmd(["avoir", "--batch"])
        .arg(dir.join(lot))
        .args(["--membre", membre, "--out"])
        .arg(dir.join(out))
        .arg("--emetteur")
        .arg(emetteur())
        .args(["--date-emission", date])
}

/// The same, dated 1 March 2027 (the batches are of 15 January).
pub(crate) fn avoir(dir: &Dir, lot: &str, membre: &str, out: &str) -> crate::util::Cmd {
    avoir_on(dir, lot, membre, out, "2027-03-01")
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

#[test]
fn credit_notes_cancel_an_appel_then_some_lines_in_their_own_series() {
    let dir = Dir::new();
    dir.run_roster(&sample_roster(), "lot").run().batch_ok();
    let lot = dir.join("lot");
    let before = snapshot(&lot);
    let billed = rows(&lot.join("ledger.csv"), "AC-2027-00004");
    assert_eq!(billed.len(), 3, "C-14202: three lines");

    // The whole appel of C-14202.
    avoir(&dir, "lot", "C-14202", "av1")
        .args(["--motif", "Adhésion résiliée au 31 décembre 2026"])
        .run()
        .code(0)
        .stderr_has(&[
            "Avoir AV-2027-00001 émis le 1er mars 2027 : annule l'appel AC-2027-00004",
            "total -1 636,00 €",
            "avoirs/AV-2027-00001_C-14202.pdf",
        ]);
    let av1 = dir.join("av1");
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

    // One line of another appel, continuing the series.
    avoir(&dir, "lot", "C-14619", "av2")
        .args([
            "--lignes",
            "certificat",
            "--motif",
            "Certificat jamais délivré",
        ])
        .after(&av1)
        .run()
        .code(0)
        .stderr_has(&[
            "Avoir AV-2027-00002",
            "annule partiellement l'appel AC-2027-00002",
            "total -80,00 €",
        ]);
    let av2 = dir.join("av2");
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
        "\"avoir\": \"AV-2027-00001\"",
        "\"avoir\": \"AV-2027-00002\"",
    ] {
        assert!(manifest.contains(expected), "{expected} in {manifest}");
    }

    // A credit note folder altered by hand fails verification.
    fs::write(av2.join("summary.json"), "{}").unwrap();
    dir.cmd(["verify"]).arg(&av2).run().code(8);

    // The batch credited is untouched, and still verifies.
    assert_eq!(snapshot(&lot), before);
    dir.cmd(["verify"]).arg(&lot).run().code(0);
}

#[test]
fn refusals_say_why_in_french_and_write_nothing() {
    let dir = Dir::new();
    dir.run_roster(&sample_roster(), "lot").run().batch_ok();
    avoir(&dir, "lot", "C-14202", "av1")
        .args([
            "--lignes",
            "formation_jours",
            "--motif",
            "Formation annulée",
        ])
        .run()
        .code(0);
    let av1 = dir.join("av1");

    // The same line again, through --after.
    avoir(&dir, "lot", "C-14202", "av2")
        .args(["--lignes", "formation_jours", "--motif", "Encore"])
        .after(&av1)
        .run()
        .code(2)
        .stderr_has(&[
            "avoir refusé, rien n'a été écrit",
            "l'article « formation_jours » de l'appel AC-2027-00004 a déjà été crédité par l'avoir AV-2027-00001",
        ]);
    // A member without an appel in this batch.
    avoir(&dir, "lot", "C-99999", "av2")
        .args(["--motif", "Erreur"])
        .run()
        .code(2)
        .stderr_has(&["l'adhérent « C-99999 » n'a pas d'appel dans le lot"]);
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
        avoir(&dir, "lot", "C-14202", "av2")
            .args(["--lignes", lignes, "--motif", motif])
            .after(&av1)
            .run()
            .code(2)
            .stderr_has(&[message]);
    }
    assert!(!dir.join("av2").exists());
    // A credit note is never replaced.
    avoir(&dir, "lot", "C-14531", "av1")
        .args(["--motif", "Erreur"])
        .run()
        .code(2)
        .stderr_has(&["contient un avoir émis", "jamais remplacé"]);
    // A batch cannot continue a credit note series.
    dir.run_roster(&sample_roster(), "lot2")
        .after(&av1)
        .run()
        .code(2)
        .stderr_has(&["pas un lot d'appels"]);
    // Nothing was left behind by the refusals.
    let mut names = crate::util::entries(dir.path());
    names.retain(|n| n != "lot" && n != "av1");
    assert_eq!(names, Vec::<String>::new());
}

#[test]
fn an_appel_of_a_supplementary_batch_is_credited_from_that_batch() {
    let dir = Dir::new();
    dir.run_sample_then_supplementary();
    // Asked on the main batch: where to look instead.
    avoir(&dir, "lot1", "C-NOUVEAU", "av")
        .args(["--motif", "Doublon"])
        .run()
        .code(2)
        .stderr_has(&["n'a pas d'appel dans le lot"]);
    avoir(&dir, "lot2", "C-14531", "av")
        .args(["--motif", "Doublon"])
        .run()
        .code(2)
        .stderr_has(&["facturé par l'appel AC-2027-00001 d'un lot précédent"]);
    avoir(&dir, "lot2", "C-NOUVEAU", "av")
        .args(["--motif", "Doublon", "--format", "pdf"])
        .run()
        .code(0)
        .stderr_has(&["AV-2027-00001", "AC-2027-00060"]);
    assert!(dir.join("av/avoirs/AV-2027-00001_C-NOUVEAU.pdf").is_file());
    dir.cmd(["verify"]).arg(dir.join("av")).run().code(0);
    // The date of the credit note cannot precede the appel's.
    let day_before = DATE_EMISSION.replace("-15", "-14");
    avoir_on(&dir, "lot2", "C-NOUVEAU", "av-tot", &day_before)
        .args(["--motif", "Doublon"])
        .run()
        .code(2)
        .stderr_has(&["avant l'appel AC-2027-00060 du 15 janvier 2027"]);
}

/// Removes from the manifest of batch `lot` what format 2 added, as the
/// first versions wrote it (format 1).
fn make_format_1(dir: &Dir, lot: &str) {
    let path = dir.join(lot).join("manifest.json");
    let mut m: serde_json::Value = serde_json::from_slice(&fs::read(&path).unwrap()).unwrap();
    let object = m.as_object_mut().unwrap();
    for field in ["format", "unites", "mention_tva"] {
        assert!(object.remove(field).is_some(), "{field} in a new manifest");
    }
    let mut bytes = serde_json::to_vec_pretty(&m).unwrap();
    bytes.push(b'\n');
    fs::write(&path, bytes).unwrap();
}

#[test]
fn units_and_vat_mention_come_from_the_manifest_and_for_an_old_batch_from_its_grid() {
    let dir = Dir::new();
    dir.run_roster(&sample_roster(), "lot").run().batch_ok();
    avoir(&dir, "lot", "C-14202", "av")
        .args(["--motif", "Erreur"])
        .run()
        .code(0);
    let pdf = "avoirs/AV-2027-00001_C-14202.pdf";
    let reference = fs::read(dir.join("av").join(pdf)).unwrap();
    let xml = crate::compliance::embedded_xml(&reference).unwrap();
    // The units of the grid (a day of training), its VAT mention.
    assert!(xml.contains("unitCode=\"DAY\""), "{xml}");
    assert!(
        xml.contains("<ram:ExemptionReason>TVA non applicable, article 256 B du CGI<"),
        "{xml}"
    );

    // A batch in plain PDF: no XML to read, and none needed.
    dir.run_roster(&sample_roster(), "simple")
        .args(["--format", "pdf"])
        .run()
        .batch_ok();
    avoir(&dir, "simple", "C-14202", "av-simple")
        .args(["--motif", "Erreur"])
        .run()
        .code(0);
    assert_eq!(
        fs::read(dir.join("av-simple").join(pdf)).unwrap(),
        reference,
        "the same credit note"
    );

    // A batch of the first versions: its grid, given and checked, supplies
    // what its manifest lacks; the credit note is the same.
    dir.run_roster(&sample_roster(), "ancien").run().batch_ok();
    make_format_1(&dir, "ancien");
    dir.cmd(["verify"]).arg(dir.join("ancien")).run().code(0);
    avoir(&dir, "ancien", "C-14202", "av-ancien")
        .args(["--motif", "Erreur"])
        .run()
        .code(2)
        .stderr_has(&["version antérieure de cotisations", "--tariff"]);
    let other = dir.write(
        "autre.toml",
        crate::util::sample_grid_altered("TVA non applicable", "TVA non due"),
    );
    avoir(&dir, "ancien", "C-14202", "av-ancien")
        .args(["--motif", "Erreur", "--tariff"])
        .arg(&other)
        .run()
        .code(2)
        .stderr_has(&["n'est pas celle du lot"]);
    assert!(!dir.join("av-ancien").exists(), "nothing written");
    avoir(&dir, "ancien", "C-14202", "av-ancien")
        .args(["--motif", "Erreur", "--tariff"])
        .arg(crate::util::sample_grid())
        .run()
        .code(0);
    assert_eq!(
        fs::read(dir.join("av-ancien").join(pdf)).unwrap(),
        reference
    );
    let m: serde_json::Value =
        serde_json::from_slice(&fs::read(dir.join("av-ancien/manifest.json")).unwrap()).unwrap();
    assert_eq!(m["format"], 2);
    assert_eq!(m["unites"]["formation_jours"], "DAY");
    dir.cmd(["verify"]).arg(dir.join("av-ancien")).run().code(0);
}

#[allow(
    clippy::too_many_lines,
    reason = "one refusal after the other on the same batch"
)]
#[test]
fn refusals_on_the_batch_and_on_the_chain_name_the_folder_at_fault() {
    use crate::verify::{copy_dir, edit, rewrite_ledger};
    let dir = Dir::new();
    dir.run_roster(&sample_roster(), "lot").run().batch_ok();
    let lot = dir.join("lot");
    avoir(&dir, "lot", "C-14202", "av1")
        .args(["--motif", "Erreur"])
        .run()
        .code(0);
    let refused = |cmd: crate::util::Cmd, needles: &[&str]| {
        cmd.run()
            .code(2)
            .stderr_has(&["avoir refusé, rien n'a été écrit"])
            .stderr_has(needles);
    };
    // An output folder holding a finished batch.
    copy_dir(&lot, &dir.join("copie"));
    refused(
        avoir(&dir, "lot", "C-14531", "copie").args(["--motif", "x"]),
        &["n'est pas vide ; un avoir émis n'est jamais remplacé : choisissez un nouveau dossier"],
    );
    // --batch naming a folder of credit notes.
    refused(
        avoir(&dir, "av1", "C-14531", "av2").args(["--motif", "x"]),
        &["est un dossier d'avoirs (série AV) : --batch attend le lot d'appels"],
    );
    // A ledger without a column a credit note repeats (its hash updated:
    // verify passes, the credit note cannot be built).
    let sans_imputation = dir.join("sans-imputation");
    copy_dir(&lot, &sans_imputation);
    let ledger = fs::read_to_string(lot.join("ledger.csv")).unwrap();
    let at = LEDGER_HEADER
        .split(';')
        .position(|c| c == "imputation")
        .unwrap();
    let cut: String = ledger
        .split_inclusive("\r\n")
        .map(|line| {
            let mut cells: Vec<&str> = line.trim_end_matches("\r\n").split(';').collect();
            cells.remove(at);
            cells.join(";") + "\r\n"
        })
        .collect();
    rewrite_ledger(&sans_imputation, &cut);
    dir.cmd(["verify"]).arg(&sans_imputation).run().code(0);
    refused(
        avoir(&dir, "sans-imputation", "C-14531", "av2").args(["--motif", "x"]),
        &["ledger.csv » est illisible, ligne 1 : colonne absente : imputation"],
    );
    // A manifest without the unit of an item of the appel.
    let sans_unite = dir.join("sans-unite");
    copy_dir(&lot, &sans_unite);
    edit(
        &sans_unite.join("manifest.json"),
        "\"forfait_metiers\": \"C62\",",
        "",
    );
    refused(
        avoir(&dir, "sans-unite", "C-14531", "av2").args(["--motif", "x"]),
        &[
            "l'unité de l'article « forfait_metiers » de l'appel AC-2027-00001 n'est pas enregistrée",
        ],
    );
    // --after: a batch of appels, a folder tampered with, another exercice.
    refused(
        avoir(&dir, "lot", "C-14531", "av2")
            .args(["--motif", "x"])
            .after(&lot),
        &[
            "impossible de poursuivre l'avoir précédent",
            "c'est un lot d'appels (série AC), pas un dossier d'avoirs",
        ],
    );
    let abime = dir.join("av-abime");
    copy_dir(&dir.join("av1"), &abime);
    fs::write(abime.join("summary.json"), "{}").unwrap();
    refused(
        avoir(&dir, "lot", "C-14531", "av2")
            .args(["--motif", "x"])
            .after(&abime),
        &["il n'est pas intact (« summary.json » a été modifié (empreinte SHA-256 différente)"],
    );
    let grid_2028 = dir.write(
        "grille-2028.toml",
        crate::util::sample_grid_altered("exercice = 2027", "exercice = 2028"),
    );
    dir.run_batch_dated(&sample_roster(), &grid_2028, "lot28", "2028-01-15")
        .run()
        .batch_ok();
    avoir_on(&dir, "lot28", "C-14202", "av28", "2028-03-01")
        .args(["--motif", "Erreur"])
        .run()
        .code(0);
    refused(
        avoir(&dir, "lot", "C-14531", "av2")
            .args(["--motif", "x"])
            .after(dir.join("av28")),
        &[
            "il porte sur l'exercice 2028, pas sur 2027 : chaque exercice a sa propre série d'avoirs",
        ],
    );
    assert!(!dir.join("av2").exists());
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
    let appel = text(&dir.join("lot/appels/AC-2027-00004_C-14202.pdf"));
    assert!(
        appel.contains("cotisation 2027 – Convention « Services numériques mutualisés »"),
        "{appel}"
    );
    assert!(!appel.contains("Convention cadre"), "{appel}");
    avoir(&dir, "lot", "C-14202", "av")
        .args(["--motif", "Erreur"])
        .run()
        .code(0);
    let credit = text(&dir.join("av/avoirs/AV-2027-00001_C-14202.pdf"));
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
    avoir_on(&dir, "lot", "C-14202", "av1", "2027-03-10")
        .args(["--motif", "Erreur"])
        .run()
        .code(0);
    // AV-00002 before AV-00001: refused.
    avoir_on(&dir, "lot", "C-14531", "av2", "2027-03-09")
        .args(["--motif", "Erreur"])
        .after(dir.join("av1"))
        .run()
        .code(2)
        .stderr_has(&["avant l'avoir AV-2027-00001 du 10 mars 2027"]);
    // An avoir of 2027 dated in 2031: refused, with what to do instead.
    avoir_on(&dir, "lot", "C-14531", "av2", "2031-02-01")
        .args(["--motif", "Erreur"])
        .after(dir.join("av1"))
        .run()
        .code(2)
        .stderr_has(&[
            "hors de l'exercice 2027 de l'appel",
            "jusqu'au 31 janvier 2028, datez-le du 31 décembre 2027",
        ]);
    assert!(!dir.join("av2").exists());
    avoir_on(&dir, "lot", "C-14531", "av2", "2027-12-31")
        .args(["--motif", "Erreur"])
        .after(dir.join("av1"))
        .run()
        .code(0)
        .stderr_has(&["AV-2027-00002"]);
}
