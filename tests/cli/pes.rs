//! PES V2 flows (`cotisations pes DIR`): every issued lot carried once,
//! in bordereaux numbered by the register across calls, each attachment
//! the issued PDF byte for byte, checked by the DGFiP XSD and the Hélios
//! rules (`../shared/tools/pes-check`); avoirs listed once for the
//! finance software; refusals and crashes leave the exercice as it was.

use std::fs;
use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use base64::Engine as _;

use crate::avoir::{avoir, entree};
use crate::util::{Dir, emetteur, repo, sample_roster, snapshot};

/// `pes` on the exercice folder `ex`, dated 20 January 2027.
fn pes(dir: &Dir, ex: &str) -> crate::util::Cmd {
    dir.cmd(["pes"])
        .arg(dir.join(ex))
        .args(["--date", "2027-01-20"])
}

/// The flow files of a PES entry, sorted.
fn flows(entry: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(entry)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "xml"))
        .collect();
    files.sort();
    files
}

/// `pes-check --batch lot flows…`: the DGFiP XSD, the Hélios rules, and
/// every appel of the lot carried once with its PDF. Skipped, loudly, on
/// a machine without the shared tools.
fn pes_check(lot: &Path, files: &[PathBuf]) {
    let checker = repo("../shared/tools/pes-check");
    if !checker.exists() {
        eprintln!(
            "IGNORÉ : {} absent, flux non validé par le XSD de la DGFiP",
            checker.display()
        );
        return;
    }
    let out = Command::new(&checker)
        .arg("--batch")
        .arg(lot)
        .args(files)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "pes-check failed:\n{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains(&format!("{} passed, 0 failed", files.len())),
        "{text}"
    );
    assert!(text.contains("ok   batch: the "), "{text}");
}

/// The register's lines, parsed.
fn register(dir: &Dir, ex: &str) -> Vec<serde_json::Value> {
    fs::read_to_string(dir.join(ex).join("registre.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// The values of attribute `V` of every `<tag V="…"/>` of `xml`.
fn values<'x>(xml: &'x str, tag: &str) -> Vec<&'x str> {
    let open = format!("<{tag} V=\"");
    xml.match_indices(&open)
        .map(|(i, _)| {
            let rest = &xml[i + open.len()..];
            &rest[..rest.find('"').unwrap()]
        })
        .collect()
}

#[test]
fn the_sample_lot_becomes_one_valid_flow_and_is_never_carried_twice() {
    let dir = Dir::new();
    dir.run_roster(&sample_roster(), "ex").run().batch_ok();
    let out = pes(&dir, "ex").run().code(0);
    out.stderr_has(&[
        "1 bordereau ORMC, 59 appels, total 448 569,50 €",
        "rôle n° 1",
        "PESORMC_28140001000019_2027_0000001.xml",
    ]);
    let entry = entree(&dir, "ex", 2, "PES");
    let files = flows(&entry);
    assert_eq!(files.len(), 1);
    pes_check(&dir.lot("ex"), &files);
    let xml = fs::read_to_string(&files[0]).unwrap();
    assert_eq!(values(&xml, "IdBord"), ["1"]);
    assert_eq!(values(&xml, "NbrPce"), ["59"]);
    assert_eq!(values(&xml, "TypFic"), ["PESORMC"]);
    assert_eq!(values(&xml, "IdPost"), ["014000"]);
    assert_eq!(values(&xml, "CodCol"), ["014"]);
    assert_eq!(values(&xml, "DteBordEm"), ["2027-01-20"]);
    // The categories of the sample (docs/PES.md, section 4).
    let cats = values(&xml, "CatTiers");
    assert!(cats.contains(&"26") && cats.contains(&"27") && cats.contains(&"24"));
    for nom in values(&xml, "Nom").iter().chain(&values(&xml, "ComplNom")) {
        let text = nom
            .replace("&apos;", "'")
            .replace("&quot;", "\"")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&amp;", "&");
        assert!(text.chars().count() <= 38, "{text}");
    }
    let summary: serde_json::Value =
        serde_json::from_slice(&fs::read(entry.join("summary.json")).unwrap()).unwrap();
    let fitted = summary["valeurs_ajustees"].as_array().unwrap();
    assert!(
        fitted
            .iter()
            .any(|r| r["champ"] == "Nom" && r["membre_id"] == "EP-002"),
        "the SIVOM's long name is listed: {fitted:?}"
    );
    assert_eq!(summary["par_lot"][0]["lot"], "entrees/0001-AC");
    // Carried once: a second call writes nothing.
    let before = snapshot(&dir.join("ex"));
    pes(&dir, "ex")
        .run()
        .code(0)
        .stderr_has(&["Rien à transmettre"]);
    assert_eq!(snapshot(&dir.join("ex")), before);
    dir.cmd(["verify"]).arg(dir.join("ex")).run().code(0);
    // etat says which lot went into which bordereau.
    dir.cmd(["etat"])
        .arg(dir.join("ex"))
        .run()
        .code(0)
        .stdout_has(&["entrees/0001-AC", "rôle n° 1"]);
}

#[test]
fn each_attachment_is_the_issued_pdf_byte_for_byte() {
    let dir = Dir::new();
    dir.run_roster(&sample_roster(), "ex").run().batch_ok();
    pes(&dir, "ex").run().code(0);
    let xml = fs::read_to_string(&flows(&entree(&dir, "ex", 2, "PES"))[0]).unwrap();
    let mut checked = 0;
    for block in xml.split("<PJ>").skip(1) {
        let name = values(block, "NomPJ")[0];
        let start = block
            .find("<Fichier MIMEType=\"application/pdf\">")
            .unwrap();
        let content = &block[start..block.find("</Fichier>").unwrap()];
        let b64: String = content[content.find('>').unwrap() + 1..]
            .split_whitespace()
            .collect();
        let gz = base64::engine::general_purpose::STANDARD
            .decode(b64)
            .unwrap();
        let mut pdf = Vec::new();
        flate2::read::GzDecoder::new(&gz[..])
            .read_to_end(&mut pdf)
            .unwrap();
        let issued = fs::read(dir.lot("ex").join("appels").join(name)).unwrap();
        assert!(
            pdf == issued,
            "{name}: the attachment differs from the issued PDF"
        );
        checked += 1;
    }
    assert_eq!(checked, 59);
}

#[test]
fn bordereau_numbers_follow_on_across_calls_and_caps() {
    let dir = Dir::new();
    dir.run_roster(&sample_roster(), "ex").run().batch_ok();
    pes(&dir, "ex")
        .args(["--max-pieces", "25"])
        .run()
        .code(0)
        .stderr_has(&["3 bordereaux ORMC, 59 appels"]);
    let first = flows(&entree(&dir, "ex", 2, "PES"));
    assert_eq!(first.len(), 3);
    pes_check(&dir.lot("ex"), &first);
    let counts: Vec<String> = first
        .iter()
        .map(|f| values(&fs::read_to_string(f).unwrap(), "NbrPce")[0].to_string())
        .collect();
    assert_eq!(counts, ["25", "25", "9"]);
    // A newcomer's lot, then a second call: rôle 4, that lot only.
    let sup = dir.write_sample_first_row_as("sup.csv", &["C-14531", "C-NOUVEAU"]);
    dir.run_roster(&sup, "ex").run().code(0);
    pes(&dir, "ex")
        .run()
        .code(0)
        .stderr_has(&["rôle n° 4", "entrees/0003-AC", "1 appel,"]);
    let second = flows(&entree(&dir, "ex", 4, "PES"));
    assert_eq!(second.len(), 1);
    assert!(second[0].ends_with("PESORMC_28140001000019_2027_0000004.xml"));
    pes_check(&entree(&dir, "ex", 3, "AC"), &second);
    let lines = register(&dir, "ex");
    let ids: Vec<u64> = lines
        .iter()
        .flat_map(|l| l["bordereaux"].as_array().cloned().unwrap_or_default())
        .map(|b| b["id_bord"].as_u64().unwrap())
        .collect();
    assert_eq!(ids, [1, 2, 3, 4]);
    dir.cmd(["verify"]).arg(dir.join("ex")).run().code(0);
}

#[test]
fn the_same_inputs_give_the_same_flow_bytes() {
    let dir = Dir::new();
    // On one thread (a pool of two), the three or so bordereaux are
    // written side by side, one job each; by default (as many threads as
    // cores, twice that in the pool), each spreads its PDFs on the pool:
    // the same bytes either way.
    for (ex, threads) in [("a", None), ("b", Some("1"))] {
        dir.run_roster(&sample_roster(), ex).run().batch_ok();
        let cmd = pes(&dir, ex).arg("--max-mo").arg("1");
        match threads {
            Some(n) => cmd.args(["--threads", n]),
            None => cmd,
        }
        .run()
        .code(0);
    }
    let (a, b) = (
        flows(&entree(&dir, "a", 2, "PES")),
        flows(&entree(&dir, "b", 2, "PES")),
    );
    assert!(a.len() > 2, "1 Mo caps the sample into three files or more");
    for f in &a {
        assert!(
            fs::metadata(f).unwrap().len() <= 1_000_000,
            "{}",
            f.display()
        );
    }
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(&b) {
        assert_eq!(fs::read(x).unwrap(), fs::read(y).unwrap());
    }
    pes_check(&dir.lot("a"), &a);
}

#[test]
fn avoirs_are_listed_once_for_the_finance_software() {
    let dir = Dir::new();
    dir.run_roster(&sample_roster(), "ex").run().batch_ok();
    // An avoir before the flow waits for its appel to be carried.
    avoir(&dir, "ex", "C-14202")
        .args(["--motif", "Adhésion résiliée"])
        .run()
        .code(0);
    dir.cmd(["pes"])
        .arg(dir.join("ex"))
        .args(["--date", "2027-03-02"])
        .run()
        .code(0)
        .stderr_has(&["Avoirs à saisir dans le logiciel financier : 1"]);
    let csv = fs::read_to_string(entree(&dir, "ex", 3, "PES").join("avoirs-a-saisir.csv")).unwrap();
    let rows: Vec<&str> = csv.lines().collect();
    assert!(
        rows[0].starts_with(
            "exercice;numero_avoir;date_avoir;motif;numero_appel;bordereau;piece;ligne"
        )
    );
    assert_eq!(rows.len(), 4, "one row per line credited:\n{csv}");
    assert!(
        rows[1].starts_with("2027;AV-2027-00001;01/03/2027;Adhésion résiliée;AC-2027-00004;1;4;1;"),
        "{csv}"
    );
    // Listed once: nothing more to transmit.
    dir.cmd(["pes"])
        .arg(dir.join("ex"))
        .args(["--date", "2027-03-02"])
        .run()
        .code(0)
        .stderr_has(&["Rien à transmettre"]);
    dir.cmd(["verify"]).arg(dir.join("ex")).run().code(0);
}

#[test]
fn refusals_write_nothing() {
    let dir = Dir::new();
    dir.run_roster(&sample_roster(), "ex").run().batch_ok();
    let before = snapshot(&dir.join("ex"));
    // No [pes] section in the issuer file.
    let text = fs::read_to_string(emetteur()).unwrap();
    let without = &text[..text.find("[pes]").unwrap()];
    let sans = dir.write("sans-pes.toml", without);
    pes(&dir, "ex")
        .arg("--emetteur")
        .arg(&sans)
        .run()
        .code(2)
        .stderr_has(&["n'a pas de section [pes]", "poste_comptable"]);
    // A date before the lot, or after the journée complémentaire.
    for (date, says) in [
        ("2027-01-10", "antérieure à la date du lot entrees/0001-AC"),
        ("2028-02-01", "hors de l'exercice 2027"),
    ] {
        dir.cmd(["pes"])
            .arg(dir.join("ex"))
            .args(["--date", date])
            .run()
            .code(2)
            .stderr_has(&[says]);
    }
    // A grid article without its product code: named with its line.
    let grid = dir.write(
        "grille.toml",
        crate::util::sample_grid_altered("code_produit = \"AN07\"\n", ""),
    );
    pes(&dir, "ex")
        .arg("--tariff")
        .arg(&grid)
        .run()
        .code(2)
        .stderr_has(&["sans code produit", "« certificat » (ligne"]);
    // An issued PDF altered since: nothing is carried.
    let pdf = fs::read_dir(dir.lot("ex").join("appels"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .min()
        .unwrap();
    let original = fs::read(&pdf).unwrap();
    let mut altered = original.clone();
    let last = altered.len() - 10;
    altered[last] ^= 1;
    fs::write(&pdf, &altered).unwrap();
    pes(&dir, "ex")
        .run()
        .code(2)
        .stderr_has(&["n'est plus tel qu'il a été émis"]);
    fs::write(&pdf, &original).unwrap();
    assert_eq!(
        snapshot(&dir.join("ex")),
        before,
        "nothing written, nothing left"
    );
}

#[test]
fn a_flow_interrupted_at_any_step_is_whole_or_absent() {
    for step in [
        "pes-avant-manifeste",
        "pes-avant-publication",
        "avant-registre",
    ] {
        let dir = Dir::new();
        dir.run_roster(&sample_roster(), "ex").run().batch_ok();
        let args: Vec<String> = ["pes", "ex", "--date", "2027-01-20"]
            .map(String::from)
            .to_vec();
        crate::cron::abort_at(&dir, step, &args);
        // The next call finishes or redoes it: one flow, rôle 1, valid.
        let again = pes(&dir, "ex").run().code(0);
        if step == "avant-registre" {
            again.stderr_has(&["Reprise", "Rien à transmettre"]);
        } else {
            again.stderr_has(&["rôle n° 1"]);
        }
        let files = flows(&entree(&dir, "ex", 2, "PES"));
        assert_eq!(files.len(), 1, "{step}");
        assert!(!entree(&dir, "ex", 3, "PES").exists(), "{step}");
        pes_check(&dir.lot("ex"), &files);
        dir.cmd(["verify"]).arg(dir.join("ex")).run().code(0);
        assert_eq!(
            crate::util::leftovers(&dir.join("ex/entrees")),
            Vec::<String>::new(),
            "{step}"
        );
    }
}

#[test]
fn verify_names_a_flow_altered_or_carried_twice() {
    let dir = Dir::new();
    dir.run_roster(&sample_roster(), "ex").run().batch_ok();
    pes(&dir, "ex").run().code(0);
    let entry = entree(&dir, "ex", 2, "PES");
    let file = &flows(&entry)[0];
    let mut bytes = fs::read(file).unwrap();
    let at = bytes.len() / 2;
    bytes[at] ^= 1;
    fs::write(file, &bytes).unwrap();
    dir.cmd(["verify"])
        .arg(dir.join("ex"))
        .run()
        .code(8)
        .stderr_has(&["entrees/0002-PES"]);
}

#[test]
fn the_roster_columns_reach_the_flow_through_the_issued_lot() {
    let dir = Dir::new();
    let sample = fs::read_to_string(sample_roster()).unwrap();
    let mut lines = sample.lines();
    let header = format!("{};categorie_tiers;nom_service", lines.next().unwrap());
    let rows: Vec<String> = lines
        .enumerate()
        .map(|(i, l)| {
            if i == 0 {
                format!("{l};groupement;Secrétariat de mairie")
            } else {
                format!("{l};;")
            }
        })
        .collect();
    let rows: Vec<&str> = rows.iter().map(String::as_str).collect();
    let roster = dir.write_roster("role.csv", &header, &rows);
    dir.run_roster(&roster, "ex").run().batch_ok();
    pes(&dir, "ex").run().code(0);
    let files = flows(&entree(&dir, "ex", 2, "PES"));
    let xml = fs::read_to_string(&files[0]).unwrap();
    let first = &xml[..xml.find("</Piece>").unwrap()];
    assert_eq!(values(first, "NumeroFacture"), ["AC-2027-00001"]);
    assert_eq!(
        values(first, "CatTiers")[0],
        "24",
        "the column overrides the kind"
    );
    assert_eq!(values(first, "NomService"), ["Secrétariat de mairie"]);
    pes_check(&dir.lot("ex"), &files);
}

#[test]
fn a_rejected_role_is_sent_again_under_its_number_with_new_attachment_ids() {
    let dir = Dir::new();
    dir.run_roster(&sample_roster(), "ex").run().batch_ok();
    pes(&dir, "ex").args(["--max-mo", "1"]).run().code(0);
    let first = flows(&entree(&dir, "ex", 2, "PES"));
    assert!(first.len() >= 3, "{first:?}");
    let original = fs::read_to_string(&first[1]).unwrap();
    // Hélios rejected rôle 2: the comptable gives another poste; the
    // issuer file is mended and the rôle sent again.
    let fixed = dir.write(
        "emetteur-corrige.toml",
        fs::read_to_string(emetteur()).unwrap().replace(
            "poste_comptable = \"014000\"",
            "poste_comptable = \"014001\"",
        ),
    );
    let resend = |role: &str, date: &str| {
        dir.cmd(["pes"])
            .arg(dir.join("ex"))
            .args(["--date", date, "--renvoyer", role, "--emetteur"])
            .arg(&fixed)
            .run()
    };
    resend("2", "2027-01-27").code(0).stderr_has(&[
        "rôle n° 2",
        "(envoi n° 2)",
        "1 bordereau ORMC",
    ]);
    let again = flows(&entree(&dir, "ex", 3, "PES"));
    assert_eq!(again.len(), 1);
    let name = again[0].file_name().unwrap().to_string_lossy().into_owned();
    assert!(name.ends_with("_0000002_02.xml"), "{name}");
    let xml = fs::read_to_string(&again[0]).unwrap();
    assert!(xml.contains("<IdPost V=\"014001\"/>"));
    assert!(xml.contains("<IdBord V=\"2\"/>"));
    assert_eq!(
        values(&xml, "NumeroFacture"),
        values(&original, "NumeroFacture"),
        "the same pièces"
    );
    let ids = values(&xml, "IdUnique");
    assert_eq!(
        ids.len(),
        2 * values(&xml, "NumeroFacture").len(),
        "PJRef and PJ"
    );
    assert!(ids.iter().all(|id| id.ends_with("02")), "{ids:?}");
    // The rôles as Hélios will hold them: each appel carried once.
    let mut roles = first.clone();
    roles[1].clone_from(&again[0]);
    pes_check(&dir.lot("ex"), &roles);
    // A second rejection: the third sending.
    resend("2", "2027-01-28").code(0);
    let third = flows(&entree(&dir, "ex", 4, "PES"));
    assert!(third[0].to_string_lossy().ends_with("_0000002_03.xml"));
    let xml3 = fs::read_to_string(&third[0]).unwrap();
    let ids = values(&xml3, "IdUnique");
    assert!(ids.iter().all(|id| id.ends_with("03")), "{ids:?}");
    dir.cmd(["verify"]).arg(dir.join("ex")).run().code(0);
    dir.cmd(["etat"])
        .arg(dir.join("ex"))
        .run()
        .code(0)
        .stdout_has(&[
            "rôle n° 2 (envoi n° 2) ← entrees/0001-AC",
            "rôle n° 2 (envoi n° 3)",
        ]);
    // Re-sending carried nothing new: nothing is left to carry.
    pes(&dir, "ex")
        .run()
        .code(0)
        .stderr_has(&["Rien à transmettre"]);
    let before = snapshot(&dir.join("ex"));
    resend("9", "2027-01-28")
        .code(2)
        .stderr_has(&["aucun flux PES de l'exercice n'a transmis le rôle n° 9"]);
    dir.cmd(["pes"])
        .arg(dir.join("ex"))
        .args(["--renvoyer", "2", "--max-pieces", "5"])
        .run()
        .code(2);
    assert_eq!(snapshot(&dir.join("ex")), before, "refusals write nothing");
}
