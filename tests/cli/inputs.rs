//! Inputs a real office produces: workbooks, UTF-16 exports, mixed
//! encodings, decomposed accents, invisible characters, characters the
//! fonts cannot draw, one member under several ids, files that are not
//! files. Each gets a clear answer with its position, and nothing is
//! written when it is refused.

use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::util::{BIN, DATE_EMISSION, Dir, emetteur, pdf_runs, repo, sample_grid, sample_roster};

/// The workbook fixture `name` of tests/fixtures/ (see
/// scripts/make-roster-fixtures.py).
fn fixture(name: &str) -> std::path::PathBuf {
    repo(&format!("tests/fixtures/{name}"))
}

/// Every file under `dir/appels` and the ledger, by name.
fn outputs(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = crate::util::entries(&dir.join("appels"))
        .into_iter()
        .map(|n| {
            let bytes = fs::read(dir.join("appels").join(&n)).unwrap();
            (n, bytes)
        })
        .collect();
    files.push((
        "ledger.csv".into(),
        fs::read(dir.join("ledger.csv")).unwrap(),
    ));
    files
}

#[test]
fn workbooks_bill_exactly_like_the_csv_roster() {
    let dir = Dir::new();
    dir.run_roster(&sample_roster(), "csv").run().batch_ok();
    let expected = outputs(&dir.lot("csv"));
    assert_eq!(expected.len(), 60);
    for (file, sheet) in [
        ("role.xlsx", None),
        ("role.xls", None),
        ("role.ods", Some("Rôle")),
    ] {
        let out = file.replace('.', "-");
        let mut cmd = dir.run_roster(&fixture(file), &out);
        if let Some(sheet) = sheet {
            cmd = cmd.args(["--feuille", sheet]);
        }
        cmd.run().batch_ok();
        let got = outputs(&dir.lot(&out));
        assert_eq!(got.len(), expected.len(), "{file}");
        for ((name, bytes), (want_name, want)) in got.iter().zip(&expected) {
            assert_eq!(name, want_name, "{file}");
            assert!(bytes == want, "{file}: {name} differs from the CSV run's");
        }
    }
}

#[test]
fn workbook_errors_say_where_they_are_and_all_are_reported() {
    let dir = Dir::new();
    let path = fixture("role-erreurs.xlsx");
    dir.run_roster(&path, "lot")
        .run()
        .code(4)
        .stderr_has(&[
            "contient 2 erreurs",
            "ligne 3, colonne 4 (D) « population » : la cellule contient une erreur de formule (#DIV/0!)",
            "ligne 4, colonne 3 (C) « type » : type « syndicat » inconnu",
        ]);
    assert!(!dir.join("lot").exists());
}

#[test]
fn the_sheet_is_the_first_or_the_one_named() {
    let dir = Dir::new();
    // The ODS fixture's first sheet is a summary, not the roster.
    dir.run_roster(&fixture("role.ods"), "lot")
        .run()
        .code(4)
        .stderr_has(&[
            "la feuille lue est « Sommaire »",
            "« Sommaire », « Rôle »",
            "--feuille",
        ]);
    dir.run_roster(&fixture("role.ods"), "lot")
        .args(["--feuille", "Rôles"])
        .run()
        .code(4)
        .stderr_has(&["pas de feuille « Rôles »", "« Sommaire », « Rôle »"]);
    dir.run_roster(&sample_roster(), "lot")
        .args(["--feuille", "Rôle"])
        .run()
        .code(4)
        .stderr_has(&["--feuille ne s'applique qu'à un classeur"]);
    assert!(!dir.join("lot").exists());
}

#[test]
fn a_utf16_unicode_text_export_is_read() {
    let dir = Dir::new();
    dir.run_roster(&sample_roster(), "csv").run().batch_ok();
    // Excel's « Texte Unicode »: UTF-16LE with its BOM, tab-delimited.
    let text = fs::read_to_string(sample_roster())
        .unwrap()
        .replace(';', "\t");
    let mut bytes = vec![0xFF, 0xFE];
    for unit in text.trim_start_matches('\u{feff}').encode_utf16() {
        bytes.extend_from_slice(&unit.to_le_bytes());
    }
    let roster = dir.write("role.txt", &bytes);
    dir.run_roster(&roster, "utf16").run().batch_ok();
    assert!(outputs(&dir.lot("utf16")) == outputs(&dir.lot("csv")));
    // Without its BOM it cannot be read safely: refused by name.
    let roster = dir.write("sans-bom.txt", &bytes[2..]);
    dir.run_roster(&roster, "lot")
        .run()
        .code(4)
        .stderr_has(&["UTF-16 sans marque"]);
}

#[test]
fn one_stray_byte_in_a_utf8_roster_is_refused_not_guessed() {
    let dir = Dir::new();
    let text = fs::read_to_string(sample_roster()).unwrap();
    // Line 5 keeps its UTF-8 « Œ »; one Windows-1252 « é » on line 3.
    let mut bytes = text.into_bytes();
    let line3 = bytes
        .iter()
        .enumerate()
        .filter(|(_, b)| **b == b'\n')
        .nth(1)
        .map(|(i, _)| i + 1)
        .unwrap();
    bytes.insert(line3 + 4, 0xE9);
    let roster = dir.write("role.csv", &bytes);
    dir.run_roster(&roster, "lot").run().code(4).stderr_has(&[
        "role.csv, ligne 3, colonne 5 (E)",
        "deux encodages sont mélangés",
        "CSV UTF-8",
    ]);
    assert!(!dir.join("lot").exists());
}

#[test]
fn decomposed_accents_print_like_composed_ones() {
    let dir = Dir::new();
    let text = fs::read_to_string(sample_roster()).unwrap();
    assert!(text.contains(";Épaney;"));
    // macOS exports « É » as E + U+0301, and a zero-width space crept in.
    let nfd = text.replacen(";Épaney;", ";E\u{301}paney\u{200b};", 1);
    let roster = dir.write("role.csv", nfd);
    dir.run_roster(&roster, "lot").run().batch_ok();
    let pdf = crate::util::entries(&dir.join("lot/entrees/0001-AC/appels"))
        .into_iter()
        .find(|n| n.contains("14240"))
        .expect("Épaney's appel");
    let text: String = pdf_runs(&dir.join("lot/entrees/0001-AC/appels").join(&pdf))
        .concat()
        .join(" ");
    assert!(text.contains("Épaney"), "{text}");
    assert!(!text.contains('?'), "{text}");
    let ledger = fs::read_to_string(dir.join("lot/entrees/0001-AC/ledger.csv")).unwrap();
    assert!(
        ledger.contains(";Épaney;"),
        "the ledger has the composed name"
    );
}

#[test]
fn a_character_the_fonts_cannot_draw_is_refused_at_its_cell() {
    let dir = Dir::new();
    let text = fs::read_to_string(sample_roster()).unwrap();
    let roster = dir.write("role.csv", text.replacen(";Rapilly;", ";Rapiłły 😀;", 1));
    dir.run_roster(&roster, "lot").run().code(4).stderr_has(&[
        "ligne 2, colonne 2 (B) « nom » : le caractère « ł » (U+0142) ne peut pas être imprimé",
    ]);
    assert!(!dir.join("lot").exists());
}

#[test]
fn one_member_under_eight_ids_is_billed_never() {
    let dir = Dir::new();
    let sample = fs::read_to_string(sample_roster()).unwrap();
    let mut lines: Vec<&str> = sample.lines().collect();
    let first = lines[1].to_string();
    let copies: Vec<String> = [
        "c-14531",
        "C-14531\u{200b}",
        "\u{feff}C-14531",
        "C-14531 ",
        "C-DOUBLE-1",
        "C-DOUBLE-2",
        "C-DOUBLE-3",
    ]
    .iter()
    .map(|id| first.replacen("C-14531;", &format!("{id};"), 1))
    .collect();
    lines.splice(2..2, copies.iter().map(String::as_str));
    let roster = dir.write("role.csv", lines.join("\r\n") + "\r\n");
    let o = dir.run_roster(&roster, "lot").run().code(4);
    // Each copy is refused: by its id (same once normalised) or its SIRET.
    for line in 3..=9 {
        assert!(
            o.stderr.contains(&format!("ligne {line}, colonne ")),
            "line {line} not refused: {}",
            o.stderr
        );
    }
    assert!(
        o.stderr
            .contains("identifiant « c-14531 » en double (déjà utilisé ligne 2)")
    );
    assert!(
        o.stderr
            .contains("SIRET 21140531100013 en double (déjà ligne 2, adhérent « C-14531 »)")
    );
    assert!(!dir.join("lot").exists());
}

/// Runs `args` with a deadline: a hang fails the test instead of the suite.
fn run_within(dir: &Dir, args: &[&std::ffi::OsStr], limit: Duration) -> (i32, String) {
    let mut child = Command::new(BIN)
        .args(args)
        .current_dir(dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let mut stderr = String::new();
            std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut stderr).unwrap();
            return (status.code().unwrap(), stderr);
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            panic!("{args:?} still running after {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_fifo_or_a_device_as_input_is_refused_at_once() {
    let dir = Dir::new();
    let fifo = dir.join("role.csv");
    assert!(
        Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let grid = sample_grid();
    let em = emetteur();
    for (roster, kind) in [
        (fifo.as_path(), "un tube nommé (FIFO)"),
        (Path::new("/dev/zero"), "un périphérique"),
    ] {
        let args: Vec<&std::ffi::OsStr> = vec![
            "check".as_ref(),
            "--date-emission".as_ref(),
            DATE_EMISSION.as_ref(),
            "--roster".as_ref(),
            roster.as_os_str(),
            "--tariff".as_ref(),
            grid.as_os_str(),
            "--emetteur".as_ref(),
            em.as_os_str(),
        ];
        let (code, stderr) = run_within(&dir, &args, Duration::from_secs(20));
        assert_eq!(code, 6, "{stderr}");
        assert!(stderr.contains(kind), "{stderr}");
        assert!(stderr.contains("pas un fichier ordinaire"), "{stderr}");
    }
    // The grid too.
    let args: Vec<&std::ffi::OsStr> =
        vec!["tarifs".as_ref(), "--tariff".as_ref(), fifo.as_os_str()];
    let (code, stderr) = run_within(&dir, &args, Duration::from_secs(20));
    assert_eq!(code, 6, "{stderr}");
}

#[test]
fn a_header_of_a_million_columns_is_refused_in_seconds() {
    let dir = Dir::new();
    let mut header = String::from("id;nom;type;siret");
    header.push_str(&";colonne".repeat(1_000_000));
    header.push('\n');
    let roster = dir.write("role.csv", header);
    let grid = sample_grid();
    let em = emetteur();
    let args: Vec<&std::ffi::OsStr> = vec![
        "check".as_ref(),
        "--date-emission".as_ref(),
        DATE_EMISSION.as_ref(),
        "--roster".as_ref(),
        roster.as_os_str(),
        "--tariff".as_ref(),
        grid.as_os_str(),
        "--emetteur".as_ref(),
        em.as_os_str(),
    ];
    let (code, stderr) = run_within(&dir, &args, Duration::from_secs(30));
    assert_eq!(code, 4, "{stderr}");
    assert!(
        stderr.contains("1000004 colonnes, plus que les 500 permises"),
        "{stderr}"
    );
}

#[test]
fn a_long_list_of_errors_is_cut_with_the_count_of_the_rest() {
    let dir = Dir::new();
    let header = "id;nom;type;population;agents;affiliee;siret;forfait_metiers";
    let rows: Vec<String> = (0..120)
        .map(|i| {
            format!(
                "X-{i};Commune {i};mairie annexe;10;;oui;{};1",
                crate::util::siret(i)
            )
        })
        .collect();
    let rows: Vec<&str> = rows.iter().map(String::as_str).collect();
    let roster = dir.write_roster("role.csv", header, &rows);
    let o = dir.run_roster(&roster, "lot").run().code(4).stderr_has(&[
        "contient 120 erreurs",
        "… et 70 autres erreurs",
        "cotisations check",
    ]);
    let listed = o.stderr.lines().filter(|l| l.contains("« type »")).count();
    assert_eq!(listed, 50, "{}", o.stderr);
}
