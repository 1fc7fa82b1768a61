//! `cotisations run`: the sample batch end to end, the ledger formats,
//! determinism across threads and reruns, and the output folder rules.

use std::fs;
use std::path::Path;
use std::str::FromStr;

use chrono::{Days, NaiveDate};
use rust_decimal::Decimal;

use crate::util::{
    DATE_EMISSION, Dir, LEDGER_HEADER, entries, leftovers, sample_grid, sample_roster, snapshot,
};

/// One roster row of the sample, as the test reads it independently of
/// the program.
struct SampleMember {
    /// 1-based line in the file (the header is line 1).
    line: u64,
    id: String,
    billable: bool,
}

/// Reads the sample roster with the `csv` crate: ids in roster order and
/// whether the row subscribes at least one service (a non-zero cell in a
/// column after the identity columns).
fn sample_members() -> Vec<SampleMember> {
    let bytes = fs::read(sample_roster()).expect("read the sample roster");
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    let mut reader = csv::ReaderBuilder::new().delimiter(b';').from_reader(bytes);
    let headers = reader.headers().expect("sample header").clone();
    let first_service = headers
        .iter()
        .position(|h| h == "engagement")
        .expect("engagement column")
        + 1;
    let members: Vec<SampleMember> = reader
        .records()
        .enumerate()
        .map(|(i, r)| {
            let r = r.expect("sample row");
            let billable = r
                .iter()
                .skip(first_service)
                .any(|cell| cell.chars().any(|c| ('1'..='9').contains(&c)));
            SampleMember {
                line: i as u64 + 2,
                id: r[0].to_string(),
                billable,
            }
        })
        .collect();
    // No record spans several lines: record i is on line i + 2.
    let text = String::from_utf8_lossy(bytes);
    assert_eq!(text.trim_end().lines().count(), members.len() + 1);
    members
}

/// A ledger parsed with the `csv` crate (header excluded).
fn ledger_rows(path: &Path, delimiter: u8) -> Vec<csv::StringRecord> {
    let bytes = fs::read(path).expect("read the ledger");
    csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .from_reader(bytes.as_slice())
        .records()
        .map(|r| r.expect("ledger row"))
        .collect()
}

fn summary(out: &Path) -> serde_json::Value {
    let bytes = fs::read(out.join("summary.json")).expect("read summary.json");
    serde_json::from_slice(&bytes).expect("summary.json is JSON")
}

fn dec(text: &str) -> Decimal {
    Decimal::from_str(text).unwrap_or_else(|e| panic!("{text:?} is not a decimal: {e}"))
}

/// `1119,00` (French ledger) → 1119.00.
fn dec_fr(text: &str) -> Decimal {
    assert!(
        !text.contains('.'),
        "French ledger amount with a point: {text:?}"
    );
    dec(&text.replace(',', "."))
}

/// Whether `text` is `digits,dd` (or `digits.dd` with `sep = '.'`).
fn is_amount(text: &str, sep: char) -> bool {
    match text.split_once(sep) {
        Some((int, frac)) => {
            !int.is_empty()
                && int.chars().all(|c| c.is_ascii_digit())
                && frac.len() == 2
                && frac.chars().all(|c| c.is_ascii_digit())
        }
        None => false,
    }
}

fn expected_echeance() -> String {
    let emission = NaiveDate::parse_from_str(DATE_EMISSION, "%Y-%m-%d").unwrap();
    // templates/emetteur.toml: delai_paiement_jours = 30.
    let echeance = emission.checked_add_days(Days::new(30)).unwrap();
    echeance.format("%Y-%m-%d").to_string()
}

#[test]
fn sample_batch_writes_one_numbered_pdf_per_billed_member() {
    let dir = Dir::new();
    let out = dir.lot("lot");
    let run = dir
        .run_roster(&sample_roster(), "lot")
        .run()
        .code(0)
        .stderr_has(&[
            "Adhérents lus        : 61",
            "Appels émis          : 59 (de AC-2027-00001 à AC-2027-00059)",
            "Sans appel           : 2",
        ]);
    // Where the files went.
    let out_s = out.display().to_string();
    let run = run.stderr_has(&[
        &format!("Appels (PDF)         : {out_s}/appels/"),
        &format!("Journal comptable    : {out_s}/ledger.csv"),
        &format!("Bilan                : {out_s}/summary.json"),
    ]);
    assert!(
        run.stdout.is_empty(),
        "run prints nothing on stdout: {}",
        run.stdout
    );

    crate::util::assert_batch_folder(&out);
    let members = sample_members();
    assert_eq!(members.len(), 61);
    let billed: Vec<&str> = members
        .iter()
        .filter(|m| m.billable)
        .map(|m| m.id.as_str())
        .collect();
    assert_eq!(billed.len(), 59);
    // Contiguous numbers, in roster order, skipping members with nothing
    // to bill.
    let expected: Vec<String> = billed
        .iter()
        .enumerate()
        .map(|(i, id)| format!("AC-2027-{:05}_{id}.pdf", i + 1))
        .collect();
    let mut expected_sorted = expected.clone();
    expected_sorted.sort();
    assert_eq!(entries(&out.join("appels")), expected_sorted);
    for name in &expected {
        let len = fs::metadata(out.join("appels").join(name)).unwrap().len();
        assert!(len > 0, "{name} is empty");
    }
    assert!(
        leftovers(dir.path()).is_empty(),
        "{:?}",
        leftovers(dir.path())
    );
}

#[allow(
    clippy::too_many_lines,
    reason = "one ledger checked column after column"
)]
#[test]
fn sample_ledger_is_french_crlf_and_agrees_with_summary() {
    let dir = Dir::new();
    let out = dir.lot("lot");
    let o = dir
        .run_roster(&sample_roster(), "lot")
        .arg("--quiet")
        .run()
        .code(0);
    assert!(o.stderr.is_empty(), "--quiet: {}", o.stderr);

    let bytes = fs::read(out.join("ledger.csv")).unwrap();
    let text = String::from_utf8(bytes).expect("ledger is UTF-8");
    assert!(
        text.starts_with(&format!("{LEDGER_HEADER}\r\n")),
        "header: {:?}",
        text.lines().next()
    );
    assert!(text.ends_with("\r\n"));
    // Every line ends with CRLF: no bare LF anywhere.
    assert_eq!(
        text.matches('\n').count(),
        text.matches("\r\n").count(),
        "bare LF in the ledger"
    );
    // Every line has the 21 fields (no field of the sample needs quotes).
    for line in text.split("\r\n").filter(|l| !l.is_empty()) {
        assert_eq!(line.split(';').count(), 21, "{line}");
    }

    let rows = ledger_rows(&out.join("ledger.csv"), b';');
    let s = summary(&out);
    assert_eq!(rows.len() as u64, s["lignes"].as_u64().unwrap());

    let echeance = expected_echeance();
    assert_eq!(echeance, "2027-02-14");
    let (mut ht, mut tva, mut ttc) = (Decimal::ZERO, Decimal::ZERO, Decimal::ZERO);
    for r in &rows {
        assert_eq!(r.len(), 21);
        assert_eq!(&r[0], "2027", "exercice");
        assert_eq!(&r[2], DATE_EMISSION, "date_emission");
        assert_eq!(&r[3], echeance, "date_echeance = emission + 30 days");
        for (i, name) in [(13, "prix_unitaire"), (14, "montant_ht"), (15, "taux_tva")]
            .into_iter()
            .chain([(16, "montant_tva"), (17, "montant_ttc")])
        {
            assert!(is_amount(&r[i], ','), "{name} {:?} in {r:?}", &r[i]);
        }
        assert!(
            r[11].chars().all(|c| c.is_ascii_digit() || c == ','),
            "quantite {:?}",
            &r[11]
        );
        assert_eq!(dec_fr(&r[14]) + dec_fr(&r[16]), dec_fr(&r[17]));
        ht += dec_fr(&r[14]);
        tva += dec_fr(&r[16]);
        ttc += dec_fr(&r[17]);
    }
    assert_eq!(ttc, dec(s["total_ttc"].as_str().unwrap()), "Σ montant_ttc");
    assert_eq!(ht, dec(s["total_ht"].as_str().unwrap()), "Σ montant_ht");
    assert_eq!(tva, dec(s["total_tva"].as_str().unwrap()), "Σ montant_tva");
    assert_eq!(ttc, dec("448569.50"));

    // Numbers: contiguous, in roster order, one per billed member.
    let mut numeros: Vec<(String, String)> = Vec::new();
    for r in &rows {
        let pair = (r[1].to_string(), r[4].to_string());
        if numeros.last() != Some(&pair) {
            numeros.push(pair);
        }
    }
    let billed: Vec<String> = sample_members()
        .into_iter()
        .filter(|m| m.billable)
        .map(|m| m.id)
        .collect();
    let expected: Vec<(String, String)> = billed
        .iter()
        .enumerate()
        .map(|(i, id)| (format!("AC-2027-{:05}", i + 1), id.clone()))
        .collect();
    assert_eq!(numeros, expected);

    // Spot checks against the annex.
    let line = |id: &str, code: &str| -> &csv::StringRecord {
        rows.iter()
            .find(|r| &r[4] == id && &r[9] == code)
            .unwrap_or_else(|| panic!("no ledger line {id} {code}"))
    };
    let rapilly = line("C-14531", "forfait_metiers");
    assert_eq!(
        (
            &rapilly[5],
            &rapilly[6],
            &rapilly[7],
            &rapilly[8],
            &rapilly[13],
            &rapilly[17]
        ),
        (
            "Rapilly",
            "21140531100013",
            "commune",
            "1",
            "1119,00",
            "1119,00"
        )
    );
    // Not affiliated: tier 8 whatever its 124 inhabitants.
    let sainte_marie = line("C-14619", "forfait_metiers_communication");
    assert_eq!((&sainte_marie[8], &sainte_marie[14]), ("8", "7574,00"));
    // « 1 006 » inhabitants, SIRET written with spaces.
    let dialan = line("C-14347", "forfait_metiers");
    assert_eq!((&dialan[8], &dialan[14]), ("4", "2728,00"));
    let notre_dame = line("C-14474", "forfait_metiers");
    assert_eq!(&notre_dame[6], "20004933600023");
    // Half a day.
    let cricqueboeuf = line("C-14202", "formation_jours");
    assert_eq!(
        (&cricqueboeuf[11], &cricqueboeuf[13], &cricqueboeuf[14]),
        ("0,5", "400,00", "200,00")
    );
    // On quote: the cell is the amount.
    let caen = line("C-14118", "antispam");
    assert_eq!((&caen[11], &caen[13], &caen[14]), ("1", "960,00", "960,00"));
    // An établissement public by agents: 29 agents → tier 5.
    let ccas = line("EP-001", "forfait_metiers");
    assert_eq!(
        (&ccas[7], &ccas[8], &ccas[14]),
        ("etablissement_public", "5", "3577,00")
    );
}

#[test]
fn members_with_nothing_to_bill_are_in_summary_only() {
    let dir = Dir::new();
    let out = dir.lot("lot");
    dir.run_roster(&sample_roster(), "lot")
        .run()
        .code(0)
        .stderr_has(&[
            "ligne 8 : Agy (C-14003) : aucun service souscrit",
            "ligne 48 : Office de tourisme intercommunal Terre d'Auge (EP-006) : aucun service souscrit",
        ]);
    let s = summary(&out);
    let sans: Vec<(u64, &str)> = s["sans_appel"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| (x["ligne"].as_u64().unwrap(), x["id"].as_str().unwrap()))
        .collect();
    let expected: Vec<(u64, String)> = sample_members()
        .into_iter()
        .filter(|m| !m.billable)
        .map(|m| (m.line, m.id))
        .collect();
    assert_eq!(
        expected,
        [(8, "C-14003".to_string()), (48, "EP-006".to_string())]
    );
    assert_eq!(sans, [(8, "C-14003"), (48, "EP-006")]);
    assert_eq!(s["membres_lus"], 61);
    assert_eq!(s["appels_emis"], 59);
    assert_eq!(s["premier_numero"], "AC-2027-00001");
    assert_eq!(s["dernier_numero"], "AC-2027-00059");
    assert_eq!(s["exercice"], 2027);
    assert_eq!(s["date_emission"], DATE_EMISSION);
    assert_eq!(s["date_echeance"], "2027-02-14");

    // No PDF and no ledger line for them.
    for name in entries(&out.join("appels")) {
        assert!(
            !name.ends_with("_C-14003.pdf") && !name.ends_with("_EP-006.pdf"),
            "{name}"
        );
    }
    let ledger = fs::read_to_string(out.join("ledger.csv")).unwrap();
    assert!(!ledger.contains(";C-14003;") && !ledger.contains(";EP-006;"));
}

#[test]
fn explicit_zero_quantities_give_no_appel_and_no_number() {
    let dir = Dir::new();
    let roster = dir.write(
        "role.csv",
        "id;nom;type;population;siret;forfait_metiers;certificat\n\
         A;Rapilly;commune;44;21140531100013;1;\n\
         B;Agy;commune;320;21140003100012;0;0\n\
         C;Cricquebœuf;commune;246;21140202900030;;2\n",
    );
    dir.run_roster(&roster, "lot").run().code(0).stderr_has(&[
        "Appels émis          : 2",
        "ligne 3 : Agy (B) : aucun service souscrit",
    ]);
    assert_eq!(
        entries(&dir.join("lot/entrees/0001-AC/appels")),
        ["AC-2027-00001_A.pdf", "AC-2027-00002_C.pdf"]
    );
    let s = summary(&dir.lot("lot"));
    assert_eq!(s["sans_appel"][0]["id"], "B");
}

#[test]
fn rfc4180_ledger_uses_commas_and_decimal_points() {
    let dir = Dir::new();
    let out = dir.lot("lot");
    dir.run_roster(&sample_roster(), "lot")
        .args(["--csv-format", "rfc4180"])
        .run()
        .code(0)
        .stderr_has(&["ledger.csv"]);
    let text = fs::read_to_string(out.join("ledger.csv")).unwrap();
    assert!(text.starts_with(&format!("{}\r\n", LEDGER_HEADER.replace(';', ","))));
    assert!(!text.contains(';'), "no semicolon in an RFC 4180 ledger");
    let rows = ledger_rows(&out.join("ledger.csv"), b',');
    assert_eq!(rows.len(), 279);
    let mut ttc = Decimal::ZERO;
    for r in &rows {
        assert_eq!(r.len(), 21, "{r:?}");
        for i in [13, 14, 15, 16, 17] {
            assert!(is_amount(&r[i], '.'), "{:?} in {r:?}", &r[i]);
        }
        ttc += dec(&r[17]);
    }
    assert_eq!(ttc, dec(summary(&out)["total_ttc"].as_str().unwrap()));
    let half = rows
        .iter()
        .find(|r| &r[4] == "C-14202" && &r[9] == "formation_jours")
        .unwrap();
    assert_eq!(
        (&half[11], &half[13], &half[14]),
        ("0.5", "400.00", "200.00")
    );
    let rapilly = rows.iter().find(|r| &r[4] == "C-14531").unwrap();
    assert_eq!(&rapilly[14], "1119.00");
}

#[test]
fn ledger_fields_with_the_delimiter_are_quoted_in_both_formats() {
    let dir = Dir::new();
    let roster = dir.write(
        "role.csv",
        "id;nom;type;population;siret;forfait_metiers\n\
         A;\"Saint-Lô, ville\";commune;44;21140531100013;1\n\
         B;\"Vire; Normandie\";commune;44;21140003100012;1\n",
    );
    dir.run_roster(&roster, "fr").run().batch_ok();
    dir.run_roster(&roster, "rfc")
        .args(["--csv-format", "rfc4180"])
        .run()
        .batch_ok();

    let fr = fs::read_to_string(dir.join("fr/entrees/0001-AC/ledger.csv")).unwrap();
    assert!(fr.contains(";Saint-Lô, ville;"), "{fr}");
    assert!(fr.contains(";\"Vire; Normandie\";"), "{fr}");
    let rfc = fs::read_to_string(dir.join("rfc/entrees/0001-AC/ledger.csv")).unwrap();
    assert!(rfc.contains(",\"Saint-Lô, ville\","), "{rfc}");
    assert!(rfc.contains(",Vire; Normandie,"), "{rfc}");

    let fr_rows = ledger_rows(&dir.join("fr/entrees/0001-AC/ledger.csv"), b';');
    let rfc_rows = ledger_rows(&dir.join("rfc/entrees/0001-AC/ledger.csv"), b',');
    assert_eq!(&fr_rows[0][5], "Saint-Lô, ville");
    assert_eq!(&rfc_rows[0][5], "Saint-Lô, ville");
    assert_eq!(&fr_rows[1][5], "Vire; Normandie");
    assert_eq!(&rfc_rows[1][5], "Vire; Normandie");
}

#[test]
fn output_does_not_depend_on_threads_and_reruns_are_identical() {
    let dir = Dir::new();
    let runs = [("t1", "1"), ("t2", "2"), ("t2bis", "2"), ("t3", "3")];
    let reports: Vec<String> = runs
        .iter()
        .map(|(out, threads)| {
            let o = dir
                .run_roster(&sample_roster(), out)
                .args(["--threads", threads])
                .run()
                .batch_ok();
            // The report on stderr differs only by the output path.
            o.stderr
                .replace(&dir.join(out).display().to_string(), "<lot>")
        })
        .collect();
    for (report, (out, _)) in reports.iter().zip(runs).skip(1) {
        assert_eq!(&reports[0], report, "stderr of t1 vs {out}");
    }
    let t1 = snapshot(&dir.join("t1"));
    let pdfs = t1
        .keys()
        .filter(|p| {
            p.starts_with("entrees/0001-AC/appels") && p.extension().is_some_and(|e| e == "pdf")
        })
        .count();
    assert_eq!(pdfs, 59);
    assert!(
        t1.contains_key(Path::new("ledger.csv"))
            && t1.contains_key(Path::new("registre.jsonl"))
            && t1.contains_key(Path::new("entrees/0001-AC/summary.json"))
    );
    for other in ["t2", "t2bis", "t3"] {
        let t = snapshot(&dir.join(other));
        assert_eq!(
            t1.keys().collect::<Vec<_>>(),
            t.keys().collect::<Vec<_>>(),
            "t1 vs {other}: file lists"
        );
        for (path, bytes) in &t1 {
            assert!(
                t[path] == *bytes,
                "t1 vs {other}: {} differs",
                path.display()
            );
        }
    }
}

/// The sample batch dated `date`, with the extra `args`, is refused as a
/// usage error (exit 2) saying every one of `messages`; nothing is written.
#[track_caller]
fn sample_run_is_a_usage_error(date: &str, args: &[&str], messages: &[&str]) {
    let dir = Dir::new();
    dir.run_batch_dated(&sample_roster(), &sample_grid(), "lot", date)
        .args(args)
        .run()
        .code(2)
        .stderr_has(messages);
    assert!(dir.entries().is_empty());
}

#[test]
fn zero_or_absurd_threads_is_a_usage_error() {
    for n in ["0", "65", "100000"] {
        sample_run_is_a_usage_error(
            DATE_EMISSION,
            &["--threads", n],
            &["--threads doit valoir entre 1 et 64"],
        );
    }
}

#[test]
fn quiet_run_prints_nothing() {
    let dir = Dir::new();
    dir.run_roster(&sample_roster(), "lot")
        .arg("-q")
        .run()
        .code(0)
        .silent();
    assert!(dir.join("lot/entrees/0001-AC/ledger.csv").is_file());
}

#[test]
fn bad_emission_date_is_refused_in_french() {
    sample_run_is_a_usage_error(
        "31/02/2027",
        &[],
        &[
            "--date-emission « 31/02/2027 » n'est pas une date valide",
            "AAAA-MM-JJ",
        ],
    );
}

#[test]
fn french_date_and_explicit_exercice_are_accepted() {
    let dir = Dir::new();
    dir.run_batch_dated(&sample_roster(), &sample_grid(), "lot", "15/01/2027")
        .args(["--exercice", "2027"])
        .run()
        .batch_ok()
        .stderr_has(&["Exercice 2027 — appels émis le 15/01/2027, échéance le 14/02/2027"]);
    let s = summary(&dir.lot("lot"));
    assert_eq!(s["exercice"], 2027);
    assert_eq!(s["date_emission"], "2027-01-15");
}

#[test]
fn the_exercice_is_the_grids() {
    let dir = Dir::new();
    // A grid for 2026 bills 2026, whatever the date is typed like.
    let grid = dir.write(
        "grille-2026.toml",
        crate::util::sample_grid_altered("exercice = 2027", "exercice = 2026"),
    );
    dir.run_batch_dated(&sample_roster(), &grid, "lot", "15/12/2026")
        .run()
        .batch_ok();
    let s = summary(&dir.lot("lot"));
    assert_eq!(s["exercice"], 2026);
    assert_eq!(s["premier_numero"], "AC-2026-00001");
    assert!(
        dir.join("lot/entrees/0001-AC/appels/AC-2026-00001_C-14531.pdf")
            .is_file()
    );

    // An emission date outside the grid's exercice is refused, saying
    // what to do: in December 2026, the 2027 grid never gives AC-2026.
    for (date, shown) in [
        ("2026-12-03", "3 décembre 2026"),
        ("2028-01-02", "2 janvier 2028"),
    ] {
        sample_run_is_a_usage_error(
            date,
            &[],
            &[
                &format!("la date d'émission du {shown}"),
                "hors de l'exercice 2027",
                "--date-emission 2027-01-15",
            ],
        );
    }
    // So is an --exercice that contradicts the grid.
    sample_run_is_a_usage_error(
        DATE_EMISSION,
        &["--exercice", "2026"],
        &["--exercice 2026 contredit la grille", "l'exercice 2027"],
    );
}

#[test]
fn without_a_date_today_must_fall_in_the_exercice() {
    // Today's year is not 2099: the 2099 grid refuses to date appels today.
    let dir = Dir::new();
    let grid = dir.write(
        "grille.toml",
        crate::util::sample_grid_altered("exercice = 2027", "exercice = 2099"),
    );
    dir.cmd(["run", "--roster"])
        .arg(sample_roster())
        .arg("--tariff")
        .arg(&grid)
        .arg("--emetteur")
        .arg(crate::util::emetteur())
        .arg("--out")
        .arg(dir.join("lot"))
        .run()
        .code(2)
        .stderr_has(&["(aujourd'hui", "hors de l'exercice 2099"]);
    assert!(!dir.join("lot").exists());
}

// --- The output folder ---------------------------------------------------

#[test]
fn a_second_run_after_emission_issues_nothing_and_changes_nothing() {
    let dir = Dir::new();
    dir.run_roster(&sample_roster(), "lot").run().batch_ok();
    let before = snapshot(&dir.join("lot"));
    // The same roster again: every member is issued and unchanged.
    let o = dir
        .run_roster(&sample_roster(), "lot")
        .run()
        .code(0)
        .stderr_has(&[
            "Rien à émettre",
            "59 adhérents du rôle déjà facturés à l'identique",
        ]);
    assert!(!o.stderr.contains("AC-2027-00060"), "{}", o.stderr);
    assert!(
        snapshot(&dir.join("lot")) == before,
        "the folder was changed"
    );
    assert_eq!(dir.entries(), ["lot"]);
    assert!(leftovers(dir.path()).is_empty());
}

#[test]
fn folder_holding_other_files_is_refused_and_left_as_it_was() {
    let dir = Dir::new();
    dir.write("lot/notes.txt", "à garder");
    // Files named like a batch's: still not an exercice folder of ours.
    dir.write("lot/ledger.csv", "old");
    let before = snapshot(&dir.join("lot"));
    dir.run_roster(&sample_roster(), "lot")
        .run()
        .code(2)
        .stderr_has(&[
            "n'est pas un dossier d'exercice",
            "« ledger.csv », « notes.txt »",
            "rien n'y est écrit",
        ]);
    assert!(snapshot(&dir.join("lot")) == before);
    assert_eq!(dir.entries(), ["lot"]);
}

#[test]
fn existing_empty_folder_is_used() {
    let dir = Dir::new();
    fs::create_dir(dir.join("lot")).unwrap();
    dir.run_roster(&sample_roster(), "lot").run().batch_ok();
    crate::util::assert_batch_folder(&dir.lot("lot"));
    assert_eq!(dir.entries(), ["lot"]);
}

#[test]
fn missing_parent_folders_are_created_and_reported() {
    let dir = Dir::new();
    dir.run_roster(&sample_roster(), "lots/2027/principal")
        .run()
        .batch_ok()
        .stderr_has(&[
            &format!("Dossier créé : {}", dir.join("lots").display()),
            &format!("Dossier créé : {}", dir.join("lots/2027").display()),
        ]);
    assert_eq!(entries(&dir.join("lots/2027")), ["principal"]);
}

#[test]
fn nothing_is_created_when_an_input_is_wrong() {
    let dir = Dir::new();
    dir.run_roster(&dir.join("absent.csv"), "lots/2027")
        .run()
        .code(6);
    assert!(dir.entries().is_empty(), "{:?}", dir.entries());
}

#[test]
fn output_path_that_is_a_file_is_refused() {
    let dir = Dir::new();
    dir.write("lot", "un fichier");
    dir.run_roster(&sample_roster(), "lot")
        .run()
        .code(2)
        .stderr_has(&["est un fichier, pas un dossier"]);
    assert_eq!(fs::read_to_string(dir.join("lot")).unwrap(), "un fichier");
    assert_eq!(dir.entries(), ["lot"]);
}

#[test]
fn missing_roster_file_is_an_io_error() {
    let dir = Dir::new();
    let absent = dir.join("absent.csv");
    dir.run_roster(&absent, "lot").run().code(6).stderr_has(&[
        &format!("impossible de lire le fichier « {} »", absent.display()),
        "introuvable",
    ]);
    assert!(dir.entries().is_empty());
}

/// A roster that cannot be read (here a folder: permissions do not stop
/// root, which CI runs as) is an I/O error, and nothing is written.
#[test]
fn unreadable_roster_is_an_io_error() {
    let dir = Dir::new();
    fs::create_dir(dir.join("role.csv")).unwrap();
    dir.run_roster(&dir.join("role.csv"), "lot")
        .run()
        .code(6)
        .stderr_has(&["role.csv", "est un dossier, pas un fichier ordinaire"]);
    assert_eq!(dir.entries(), ["role.csv"]);
}

#[test]
fn relative_paths_are_resolved_from_the_working_folder() {
    let dir = Dir::new();
    fs::copy(sample_roster(), dir.join("role.csv")).unwrap();
    fs::copy(sample_grid(), dir.join("grille.toml")).unwrap();
    fs::create_dir(dir.join("sorties")).unwrap();
    dir.cmd([
        "run",
        "--role",
        "role.csv",
        "--tarif",
        "grille.toml",
        "--out",
        "sorties/lot",
        "--date-emission",
        DATE_EMISSION,
        "--emettre",
    ])
    .arg("--emetteur")
    .arg(crate::util::emetteur())
    .run()
    .code(0)
    .stderr_has(&[
        "sorties/lot/entrees/0001-AC/ledger.csv",
        "sorties/lot/entrees/0001-AC/appels/",
        "sorties/lot/ledger.csv",
    ]);
    assert_eq!(crate::util::entries(&dir.join("sorties")), ["lot"]);
    assert_eq!(
        entries(&dir.join("sorties/lot/entrees/0001-AC/appels")).len(),
        59
    );
    assert_eq!(dir.entries(), ["grille.toml", "role.csv", "sorties"]);
}

#[test]
fn implausible_exercice_is_refused() {
    sample_run_is_a_usage_error(
        DATE_EMISSION,
        &["--exercice", "1999"],
        &["--exercice 1999 contredit la grille"],
    );
}
