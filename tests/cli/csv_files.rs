//! The CSV files the program writes are safe to open by double click in a
//! spreadsheet (a text cell never becomes a formula, amounts stay
//! numbers), come in UTF-8, UTF-8 with BOM or Windows-1252, and every
//! command reading them back (verify, avoir, compare) gets the text as it
//! was.

use std::fs;

use crate::util::{Dir, emetteur, sample_roster};

const EVIL_NAME: &str = "=HYPERLINK(\"http://exemple.invalid\";\"Caen\")";
const EVIL_ID: &str = "+cmd|' /C calc'!A0";

/// The sample roster with Rapilly renamed and re-identified as a formula,
/// Agy (nothing subscribed) left as is, and one refused row whose id is a
/// formula too.
fn evil_roster(dir: &Dir) -> std::path::PathBuf {
    let sample = fs::read_to_string(sample_roster()).unwrap();
    let text = sample
        .replacen(
            "C-14531;Rapilly;",
            &format!("{EVIL_ID};\"{}\";", EVIL_NAME.replace('"', "\"\"")),
            1,
        )
        .replacen(
            "\r\n",
            &format!(
                "\r\n@SUM(1);Mauvais;syndicat;10;;;{};;;;;;;;1\r\n",
                crate::util::siret(77)
            ),
            1,
        );
    dir.write("role.csv", text)
}

#[test]
fn formulas_in_names_are_neutralised_in_every_csv_and_read_back_as_they_were() {
    let dir = Dir::new();
    let roster = evil_roster(&dir);
    dir.run_roster(&roster, "lot")
        .arg("--skip-invalid")
        .run()
        .code(5);
    let ledger = fs::read_to_string(dir.join("lot/entrees/0001-AC/ledger.csv")).unwrap();
    // Excel reads a cell that starts with an apostrophe as text.
    assert!(ledger.contains(";'+cmd|' /C calc'!A0;"), "{ledger}");
    assert!(
        ledger.contains(";\"'=HYPERLINK(\"\"http://exemple.invalid\"\";\"\"Caen\"\")\";"),
        "{ledger}"
    );
    for line in ledger.lines() {
        for cell in line.split(';') {
            assert!(
                !cell.starts_with(['=', '+', '@']) && !cell.starts_with("\"="),
                "a cell a spreadsheet would evaluate: {cell} in {line}"
            );
        }
    }
    let rejects = fs::read_to_string(dir.join("lot/entrees/0001-AC/rejects.csv")).unwrap();
    assert!(rejects.contains(";'@SUM(1);"), "{rejects}");
    dir.cmd(["verify"]).arg(dir.join("lot")).run().code(0);

    // A credit note reads the appel's lines back: its PDF and ledger have
    // the name as typed in the roster, not the apostrophe.
    dir.cmd(["avoir"])
        .arg(dir.join("lot"))
        .args([
            "--membre",
            EVIL_ID,
            "--motif",
            "Erreur",
            "--date-emission",
            "2027-03-01",
        ])
        .run()
        .code(0);
    let credit = fs::read_to_string(dir.join("lot/entrees/0002-AV/ledger.csv")).unwrap();
    assert!(credit.contains(";'+cmd|' /C calc'!A0;"), "{credit}");
    assert!(
        credit.contains(";-1119,00;"),
        "a negative amount stays a number: {credit}"
    );
    dir.cmd(["verify"]).arg(dir.join("lot")).run().code(0);

    // compare reads the names back plain, and writes them safe again.
    dir.cmd(["compare", "--previous"])
        .arg(dir.lot("lot"))
        .arg("--current")
        .arg(dir.join("lot"))
        .arg("--csv")
        .arg(dir.join("ecarts.csv"))
        .run()
        .code(0);
    let ecarts = fs::read_to_string(dir.join("ecarts.csv")).unwrap();
    assert!(ecarts.contains("'+cmd|' /C calc'!A0;"), "{ecarts}");
    assert!(!ecarts.contains("''+cmd"), "{ecarts}");
}

#[test]
fn a_name_like_a_formula_below_the_threshold_is_safe_in_sous_seuil() {
    let dir = Dir::new();
    let header = "id;nom;type;population;siret;messagerie_quota_10go";
    let roster = dir.write_roster(
        "role.csv",
        header,
        &[
            &format!("-2;\"=1+1\";commune;10;{};1", crate::util::siret(5)),
            // One member billed, so that the lot (and its list) is issued.
            &format!("C-1;Rapilly;commune;44;{};200", crate::util::siret(6)),
        ],
    );
    dir.run_roster(&roster, "lot").run().code(0);
    let below = fs::read_to_string(dir.join("lot/entrees/0001-AC/sous-seuil.csv")).unwrap();
    assert!(
        below.contains("\r\n1;'-2;'=1+1;") || below.contains("\r\n2;'-2;'=1+1;"),
        "{below}"
    );
    assert!(
        below.trim_end().ends_with(";5,00"),
        "the amount stays a number: {below}"
    );
}

#[test]
fn the_ledger_in_each_encoding_reads_back_everywhere() {
    let dir = Dir::new();
    dir.run_roster(&sample_roster(), "utf8").run().batch_ok();
    let plain = fs::read(dir.join("utf8/entrees/0001-AC/ledger.csv")).unwrap();
    for (code, check) in [
        (
            "utf8-bom",
            (|bytes: &[u8], plain: &[u8]| {
                assert_eq!(&bytes[..3], b"\xEF\xBB\xBF");
                assert_eq!(&bytes[3..], plain);
            }) as fn(&[u8], &[u8]),
        ),
        ("windows-1252", |bytes, plain| {
            let text = std::str::from_utf8(plain).unwrap();
            let (expected, _, lost) = encoding_rs::WINDOWS_1252.encode(text);
            assert!(!lost);
            assert_eq!(bytes, &*expected);
            // « Cricquebœuf »: œ is 0x9C in Windows-1252.
            assert!(bytes.windows(11).any(|w| w == b"Cricqueb\x9cuf"));
        }),
    ] {
        dir.run_roster(&sample_roster(), code)
            .args(["--csv-encodage", code])
            .run()
            .batch_ok();
        let bytes = fs::read(dir.join(code).join("ledger.csv")).unwrap();
        check(&bytes, &plain);
        dir.cmd(["verify"]).arg(dir.join(code)).run().code(0);
        dir.cmd(["avoir"])
            .arg(dir.join(code))
            .args([
                "--membre",
                "C-14202",
                "--motif",
                "Erreur",
                "--date-emission",
                "2027-03-01",
            ])
            .arg("--emetteur")
            .arg(emetteur())
            .run()
            .code(0);
        dir.cmd(["verify"]).arg(dir.join(code)).run().code(0);
        dir.cmd(["compare", "--previous"])
            .arg(dir.join("utf8"))
            .arg("--current")
            .arg(dir.join(code))
            .run()
            .code(0)
            .stdout_has(&["0,00 €"]);
    }
}
