//! Roster validation through `run`: every refusal exits 4, writes nothing,
//! and says in French where (file, line, column) and why; and the many
//! spellings and encodings Excel produces are accepted.

use std::fs;

use crate::util::{Dir, Output, leftovers};

/// The columns of the hand-written rosters below (1-based numbers):
/// 1 id, 2 nom, 3 type, 4 population, 5 agents, 6 affiliee, 7 siret,
/// 8 `forfait_metiers`, 9 `forfait_metiers_communication`,
/// 10 `forfait_technologie`, 11 `forfait_technologie_plus`, 12 parapheur,
/// 13 certificat, 14 `formation_jours`.
const HEADER: &str = "id;nom;type;population;agents;affiliee;siret;forfait_metiers;forfait_metiers_communication;forfait_technologie;forfait_technologie_plus;parapheur;certificat;formation_jours";

/// A valid commune (line 2 when first): tier 1, one forfait.
const RAPILLY: &str = "C-1;Rapilly;commune;44;;oui;21140531100013;1;;;;;;";
/// A valid établissement public: 29 agents, tier 5.
const CCAS: &str = "EP-1;CCAS de Bayeux;établissement public;;29;oui;26140047100015;1;;;;;;";

/// `HEADER` then `rows`, LF line ends.
fn roster(rows: &[&str]) -> String {
    let mut s = format!("{HEADER}\n");
    for r in rows {
        s.push_str(r);
        s.push('\n');
    }
    s
}

/// Runs `contents` as `role.csv` into `lot`; asserts exit 4, the French
/// preamble with the file name, that nothing was written; returns the
/// output for the specific checks.
#[track_caller]
fn refused(contents: impl AsRef<[u8]>) -> Output {
    let dir = Dir::new();
    let path = dir.write("role.csv", contents);
    let shown = path.display().to_string();
    let out = dir.run_roster(&path, "lot").run().code(4).stderr_has(&[
        &format!("erreur : le rôle « {shown} » contient "),
        "rien n'a été écrit",
        "Corrigez le fichier puis relancez",
    ]);
    assert!(!dir.join("lot").exists(), "the output folder was created");
    assert_eq!(dir.entries(), ["role.csv"], "something was written");
    assert!(leftovers(dir.path()).is_empty());
    // Every error line names the file.
    for line in out.stderr.lines().skip(1) {
        assert!(
            line.starts_with(&format!("  {shown}, ")),
            "error line without the file: {line:?}"
        );
    }
    out
}

/// The spreadsheet letters of 1-based column `n` (1 → A, 27 → AA).
fn column_letters(mut n: usize) -> String {
    let mut letters = Vec::new();
    while n > 0 {
        letters.push(char::from(b'A' + u8::try_from((n - 1) % 26).unwrap()));
        n = (n - 1) / 26;
    }
    letters.iter().rev().collect()
}

/// `refused` with exactly one error at `line`, column `col` « `name` ».
#[track_caller]
fn refused_at(contents: impl AsRef<[u8]>, line: u64, col: usize, name: &str, reason: &[&str]) {
    let out = refused(contents)
        .stderr_has(&[
            "contient 1 erreur ;",
            &format!(
                "role.csv, ligne {line}, colonne {col} ({}) « {name} » : ",
                column_letters(col)
            ),
        ])
        .stderr_has(reason);
    assert_eq!(error_count(&out), 1, "{}", out.stderr);
}

/// Number of error lines under the preamble.
fn error_count(out: &Output) -> usize {
    out.stderr.lines().filter(|l| l.starts_with("  ")).count()
}

/// Runs `contents` as `role.csv`: must succeed; returns the dir, the
/// output and the ledger text.
#[track_caller]
fn accepted(contents: impl AsRef<[u8]>) -> (Dir, Output, String) {
    let dir = Dir::new();
    let path = dir.write("role.csv", contents);
    let out = dir.run_roster(&path, "lot").run().batch_ok();
    let ledger =
        fs::read_to_string(dir.join("lot/entrees/0001-AC/ledger.csv")).expect("ledger is UTF-8");
    (dir, out, ledger)
}

/// The ledger row of member `id` for item `code`, split on `;`.
#[track_caller]
fn ledger_line<'a>(ledger: &'a str, id: &str, code: &str) -> Vec<&'a str> {
    ledger
        .split("\r\n")
        .map(|l| l.split(';').collect::<Vec<_>>())
        .find(|f| f.len() == 21 && f[4] == id && f[9] == code)
        .unwrap_or_else(|| panic!("no ledger line for {id} {code} in\n{ledger}"))
}

// --- Cell errors -------------------------------------------------------------

#[test]
fn unknown_type() {
    refused_at(
        roster(&[RAPILLY, "C-2;Agy;syndicat;320;;oui;21140003100012;1;;;;;;"]),
        3,
        3,
        "type",
        &["type « syndicat » inconnu", "« établissement public »"],
    );
}

#[test]
fn commune_without_population() {
    refused_at(
        roster(&["C-2;Agy;commune;;;oui;21140003100012;1;;;;;;"]),
        2,
        4,
        "population",
        &[
            "population manquante",
            "une commune est placée dans sa tranche selon sa population",
        ],
    );
}

#[test]
fn etablissement_public_without_agents() {
    refused_at(
        roster(&[RAPILLY, "EP-1;CCAS;EP;;;oui;26140047100015;1;;;;;;"]),
        3,
        5,
        "agents",
        &["nombre d'agents manquant"],
    );
}

#[test]
fn negative_quantity() {
    refused_at(
        roster(&["C-1;Rapilly;commune;44;;oui;21140531100013;1;;;;;-2;"]),
        2,
        13,
        "certificat",
        &["quantité négative « -2 »", "indiquez 0 ou plus"],
    );
}

#[test]
fn fractional_count() {
    refused_at(
        roster(&["C-1;Rapilly;commune;44;;oui;21140531100013;1;;;;;1,5;"]),
        2,
        13,
        "certificat",
        &["« 1,5 » : ce service se compte en nombre entier"],
    );
}

#[test]
fn forfait_of_two() {
    refused_at(
        roster(&["C-1;Rapilly;commune;44;;oui;21140531100013;2;;;;;;"]),
        2,
        8,
        "forfait_metiers",
        &[
            "« 2 » : ce service se souscrit ou non",
            "indiquez 1 (souscrit)",
        ],
    );
}

#[test]
fn siret_of_the_wrong_length() {
    refused_at(
        roster(&["C-1;Rapilly;commune;44;;oui;2114053110001;1;;;;;;"]),
        2,
        7,
        "siret",
        &["SIRET « 2114053110001 » invalide : il doit compter 14 chiffres"],
    );
}

#[test]
fn siret_with_a_wrong_luhn_key() {
    refused_at(
        roster(&["C-1;Rapilly;commune;44;;oui;211 405 311 00014;1;;;;;;"]),
        2,
        7,
        "siret",
        &["SIRET « 211 405 311 00014 » invalide : sa clé de contrôle est fausse"],
    );
}

#[test]
fn siret_with_letters() {
    refused_at(
        roster(&["C-1;Rapilly;commune;44;;oui;2114053110001O;1;;;;;;"]),
        2,
        7,
        "siret",
        &["il ne doit contenir que des chiffres"],
    );
}

#[test]
fn duplicate_id_cites_the_first_line() {
    refused_at(
        roster(&[
            RAPILLY,
            CCAS,
            "C-1;Agy;commune;320;;oui;21140003100012;1;;;;;;",
        ]),
        4,
        1,
        "id",
        &["identifiant « C-1 » en double (déjà utilisé ligne 2)"],
    );
}

#[test]
fn forfait_metiers_excludes_forfait_metiers_communication() {
    refused_at(
        roster(&["C-1;Rapilly;commune;44;;oui;21140531100013;1;1;;;;;"]),
        2,
        9,
        "forfait_metiers_communication",
        &["incompatible avec « forfait_metiers », souscrit sur la même ligne"],
    );
}

#[test]
fn forfait_technologie_excludes_forfait_technologie_plus() {
    refused_at(
        roster(&["C-1;Rapilly;commune;44;;oui;21140531100013;;;1;1;;;"]),
        2,
        11,
        "forfait_technologie_plus",
        &["incompatible avec « forfait_technologie »"],
    );
}

#[test]
fn parapheur_needs_a_forfait() {
    refused_at(
        roster(&["C-1;Rapilly;commune;44;;oui;21140531100013;;;;;1;2;"]),
        2,
        12,
        "parapheur",
        &[
            "ce service nécessite au moins l'un des articles suivants",
            "« forfait_metiers », « forfait_metiers_communication », « forfait_heberge », « forfait_technologie », « forfait_technologie_plus »",
        ],
    );
}

#[test]
fn nan_quantity() {
    refused_at(
        roster(&["C-1;Rapilly;commune;44;;oui;21140531100013;1;;;;;NaN;"]),
        2,
        13,
        "certificat",
        &["« NaN » n'est pas un nombre"],
    );
}

#[test]
fn exponent_quantity() {
    refused_at(
        roster(&["C-1;Rapilly;commune;44;;oui;21140531100013;1;;;;;1e9;"]),
        2,
        13,
        "certificat",
        &["« 1e9 » n'est pas un nombre"],
    );
}

#[test]
fn huge_quantity() {
    refused_at(
        roster(&["C-1;Rapilly;commune;44;;oui;21140531100013;1;;;;;2000000;"]),
        2,
        13,
        "certificat",
        &["quantité « 2000000 » trop grande (au plus 1 000 000)"],
    );
}

#[test]
fn three_decimals_of_a_day() {
    refused_at(
        roster(&["C-1;Rapilly;commune;44;;oui;21140531100013;1;;;;;;0,125"]),
        2,
        14,
        "formation_jours",
        &["« 0,125 » : au plus 2 décimales"],
    );
}

#[test]
fn population_that_is_not_a_whole_number() {
    refused_at(
        roster(&["C-1;Rapilly;commune;44,5;;oui;21140531100013;1;;;;;;"]),
        2,
        4,
        "population",
        &["« 44,5 » n'est pas un nombre entier positif"],
    );
}

#[test]
fn affiliee_that_is_neither_yes_nor_no() {
    refused_at(
        roster(&["C-1;Rapilly;commune;44;;peut-être;21140531100013;1;;;;;;"]),
        2,
        6,
        "affiliee",
        &["« peut-être » n'est ni « oui » ni « non »"],
    );
}

#[test]
fn missing_name() {
    refused_at(
        roster(&["C-1;;commune;44;;oui;21140531100013;1;;;;;;"]),
        2,
        2,
        "nom",
        &["valeur obligatoire manquante"],
    );
}

// --- Header errors -------------------------------------------------------------

#[test]
fn unknown_column_lists_known_codes_and_suggests_the_closest() {
    let header = HEADER.replace(";forfait_metiers;", ";forfait_metier;");
    let out = refused(format!("{header}\n{RAPILLY}\n"))
        .stderr_has(&[
            "contient 1 erreur ;",
            "role.csv, ligne 1, colonne 8 (H) « forfait_metier » : colonne inconnue « forfait_metier » : vouliez-vous dire « forfait_metiers » ?",
            "Colonnes reconnues : id, nom, type, population, agents, affiliee, siret,",
            "forfait_metiers, forfait_metiers_communication, forfait_heberge",
            "formation_jours, atelier_demi_journee, atelier_journee",
        ]);
    assert_eq!(error_count(&out), 1);
}

#[test]
fn unknown_column_far_from_any_code_gets_no_suggestion() {
    let out = refused(format!("{HEADER};remarques\n{RAPILLY};rien\n"))
        .stderr_has(&[
            "role.csv, ligne 1, colonne 15 (O) « remarques » : colonne inconnue « remarques »",
            "Colonnes reconnues : ",
        ])
        .stderr_lacks(&["vouliez-vous dire"]);
    assert_eq!(error_count(&out), 1);
}

#[test]
fn duplicate_column() {
    refused_at(
        format!("{HEADER};certificat\n{RAPILLY};1\n"),
        1,
        15,
        "certificat",
        &["colonne « certificat » en double (déjà en colonne 13)"],
    );
}

#[test]
fn missing_required_column() {
    let out = refused("id;nom;type;population;forfait_metiers\nC-1;Rapilly;commune;44;1\n")
        .stderr_has(&["role.csv, ligne 1 : colonne obligatoire « siret » absente"]);
    assert_eq!(error_count(&out), 1);
}

#[test]
fn ragged_row() {
    let out = refused(roster(&[
        RAPILLY,
        "C-2;Agy;commune;320;;oui;21140003100012;1",
    ]))
    .stderr_has(&[
        "contient 1 erreur ;",
        "role.csv, ligne 3 : la ligne a 8 cellules au lieu de 14",
        "vérifiez les séparateurs et les guillemets",
    ]);
    assert_eq!(error_count(&out), 1);
}

#[test]
fn empty_file_is_an_error() {
    let out = refused("").stderr_has(&[
        "contient 1 erreur ;",
        "le fichier est vide : il doit au moins contenir la ligne d'en-tête",
    ]);
    assert_eq!(error_count(&out), 1);
    refused("\u{feff}  \r\n\r\n").stderr_has(&["le fichier est vide"]);
}

#[test]
fn header_only_file_bills_nobody() {
    let dir = Dir::new();
    let path = dir.write("role.csv", format!("{HEADER}\r\n"));
    dir.run_roster(&path, "lot")
        .run()
        .code(0)
        .stderr_has(&["Rien à émettre", "aucun nouvel appel"]);
    // `check` says what would be billed: nothing.
    dir.cmd(["check", "--roster"])
        .arg(&path)
        .arg("--tariff")
        .arg(crate::util::sample_grid())
        .arg("--emetteur")
        .arg(crate::util::emetteur())
        .args(["--date-emission", crate::util::DATE_EMISSION])
        .run()
        .code(0)
        .stderr_has(&[
            "Adhérents lus        : 0",
            "Appels émis          : 0",
            "Total à payer (TTC)  : 0,00 €",
        ]);
    // Nothing to issue: the exercice holds no entry.
    assert!(crate::util::entries(&dir.join("lot/entrees")).is_empty());
}

#[test]
fn every_error_of_the_file_is_reported_at_once() {
    let out = refused(roster(&[
        RAPILLY,                                                  // line 2: fine
        "C-2;Agy;syndicat;320;;oui;21140003100012;1;;;;;;",       // 3: type
        "C-3;Planquery;commune;;;oui;21140506300044;1;;;;;;",     // 4: population
        "C-4;Épaney;commune;488;;oui;21140240900035;1;1;;;;-1;",  // 5: siret, exclusion, negative
        CCAS,                                                     // 6: fine
        "C-1;Doublon;commune;44;;oui;21140531100013;;;;;1;;",     // 7: duplicate id, parapheur alone
        "C-5;Bref;commune;44",                                    // 8: ragged
    ]))
    .stderr_has(&[
        "contient 9 erreurs ;",
        "role.csv, ligne 3, colonne 3 (C) « type » : type « syndicat » inconnu",
        "role.csv, ligne 4, colonne 4 (D) « population » : population manquante",
        "role.csv, ligne 5, colonne 7 (G) « siret » : SIRET « 21140240900035 » invalide",
        "role.csv, ligne 5, colonne 13 (M) « certificat » : quantité négative",
        "role.csv, ligne 5, colonne 9 (I) « forfait_metiers_communication » : incompatible",
        "role.csv, ligne 7, colonne 1 (A) « id » : identifiant « C-1 » en double (déjà utilisé ligne 2)",
        "role.csv, ligne 7, colonne 7 (G) « siret » : SIRET 21140531100013 en double (déjà ligne 2, adhérent « C-1 »)",
        "role.csv, ligne 7, colonne 12 (L) « parapheur » : ce service nécessite",
        "role.csv, ligne 8 : la ligne a 4 cellules au lieu de 14",
    ]);
    assert_eq!(error_count(&out), 9, "{}", out.stderr);
    // In line order.
    let lines: Vec<u64> = out
        .stderr
        .lines()
        .filter_map(|l| l.split_once(", ligne ").map(|(_, rest)| rest))
        .map(|rest| {
            rest.chars()
                .take_while(char::is_ascii_digit)
                .collect::<String>()
                .parse()
                .unwrap()
        })
        .collect();
    let mut sorted = lines.clone();
    sorted.sort_unstable();
    assert_eq!(lines, sorted);
}

#[test]
fn line_numbers_count_quoted_newlines() {
    // The record of line 2 spans lines 2-3: the bad row is on line 4.
    refused_at(
        roster(&[
            "C-1;\"Rapilly\nbis\";commune;44;;oui;21140531100013;1;;;;;;",
            "C-2;Agy;syndicat;320;;oui;21140003100012;1;;;;;;",
        ]),
        4,
        3,
        "type",
        &["type « syndicat » inconnu"],
    );
}

#[test]
fn line_numbers_are_right_with_bom_and_crlf() {
    let bad = "C-2;Agy;syndicat;320;;oui;21140003100012;1;;;;;;";
    refused_at(
        format!("\u{feff}{HEADER}\r\n{RAPILLY}\r\n{CCAS}\r\n{bad}\r\n"),
        4,
        3,
        "type",
        &["type « syndicat » inconnu"],
    );
    // A quoted CRLF inside a cell moves the next rows one line down.
    refused_at(
        format!(
            "\u{feff}{HEADER}\r\nC-1;\"Rapilly\r\nbis\";commune;44;;oui;21140531100013;1;;;;;;\r\n{bad}\r\n"
        ),
        4,
        3,
        "type",
        &["type « syndicat » inconnu"],
    );
}

#[test]
fn line_numbers_skip_blank_rows() {
    // Excel's rows of empty cells are skipped but still count as lines.
    refused_at(
        format!(
            "{HEADER}\n{RAPILLY}\n;;;;;;;;;;;;;\n\nC-2;Agy;syndicat;320;;oui;21140003100012;1;;;;;;\n"
        ),
        5,
        3,
        "type",
        &["type « syndicat » inconnu"],
    );
}

#[test]
fn line_numbers_are_right_with_cr_only_line_ends() {
    // Excel for Mac (« CSV Macintosh ») ends lines with CR alone.
    let bad = "C-2;Agy;syndicat;320;;oui;21140003100012;1;;;;;;";
    refused_at(
        format!("{HEADER}\r{RAPILLY}\r{CCAS}\r{bad}\r"),
        4,
        3,
        "type",
        &["type « syndicat » inconnu"],
    );
}

// --- Accepted spellings and encodings -------------------------------------------

#[test]
fn population_with_a_thousands_space_is_accepted() {
    let (_dir, _out, ledger) = accepted(roster(&[
        "C-1;Amayé;commune;1 119;;oui;21140531100013;1;;;;;;",
        "C-2;Ablon;commune;1\u{a0}166;;oui;21140003100012;1;;;;;;",
    ]));
    let row = ledger_line(&ledger, "C-1", "forfait_metiers");
    assert_eq!((row[8], row[14]), ("4", "2728,00"));
    let row = ledger_line(&ledger, "C-2", "forfait_metiers");
    assert_eq!((row[8], row[14]), ("4", "2728,00"));
}

#[test]
fn windows_1252_roster_is_read_and_the_ledger_is_utf8() {
    // « Hérouville » and « Établissement » in Windows-1252: é = 0xE9, É = 0xC9.
    let mut bytes = format!("{HEADER}\r\n").into_bytes();
    bytes.extend_from_slice(b"C-1;H\xE9rouville;commune;44;;oui;21140531100013;1;;;;;;\r\n");
    bytes
        .extend_from_slice(b"EP-1;CCAS;\xC9tablissement public;;29;oui;26140047100015;1;;;;;;\r\n");
    assert!(std::str::from_utf8(&bytes).is_err());
    let (dir, out, ledger) = accepted(bytes);
    let _ = out.stderr_has(&["Appels émis          : 2"]);
    let row = ledger_line(&ledger, "C-1", "forfait_metiers");
    assert_eq!(row[5], "Hérouville");
    let row = ledger_line(&ledger, "EP-1", "forfait_metiers");
    assert_eq!((row[7], row[8]), ("etablissement_public", "5"));
    let s = fs::read_to_string(dir.join("lot/entrees/0001-AC/summary.json")).unwrap();
    assert!(s.contains("forfait_metiers"));
}

#[test]
fn comma_delimited_roster_is_accepted() {
    let header = HEADER.replace(';', ",");
    let (_dir, _out, ledger) = accepted(format!(
        "{header}\nC-1,\"Rapilly, bourg\",commune,44,,oui,21140531100013,1,,,,,2,\"0,5\"\n"
    ));
    assert_eq!(
        ledger_line(&ledger, "C-1", "forfait_metiers")[5],
        "Rapilly, bourg"
    );
    assert_eq!(ledger_line(&ledger, "C-1", "certificat")[14], "160,00");
    let days = ledger_line(&ledger, "C-1", "formation_jours");
    assert_eq!((days[11], days[14]), ("0,5", "200,00"));
}

#[test]
fn bom_and_crlf_are_accepted() {
    let csv = format!("\u{feff}{HEADER}\r\n{RAPILLY}\r\n{CCAS}\r\n");
    let (_dir, out, ledger) = accepted(csv);
    let _ = out.stderr_has(&["Appels émis          : 2"]);
    // The BOM is not glued to the first column name.
    assert_eq!(
        ledger_line(&ledger, "C-1", "forfait_metiers")[14],
        "1119,00"
    );
    assert_eq!(
        ledger_line(&ledger, "EP-1", "forfait_metiers")[14],
        "3577,00"
    );
}

#[test]
fn quoted_field_with_semicolon_and_newline_is_accepted() {
    let (dir, _out, _ledger) = accepted(roster(&[
        "C-1;\"Vire; Normandie\nHôtel de Ville\";commune;44;;oui;21140531100013;1;;;;;;",
        CCAS,
    ]));
    let rows: Vec<csv::StringRecord> = csv::ReaderBuilder::new()
        .delimiter(b';')
        .from_path(dir.join("lot/entrees/0001-AC/ledger.csv"))
        .unwrap()
        .records()
        .map(Result::unwrap)
        .collect();
    // A line break in a name is a space, on the appel as in the ledger.
    assert_eq!(&rows[0][5], "Vire; Normandie Hôtel de Ville");
    assert_eq!(&rows[1][4], "EP-1");
}

#[test]
fn decimal_point_and_decimal_comma_are_both_accepted() {
    let (_dir, _out, ledger) = accepted(roster(&[
        "C-1;Rapilly;commune;44;;oui;21140531100013;1;;;;;;0.5",
        "C-2;Agy;commune;320;;oui;21140003100012;1;;;;;;0,5",
        "C-3;Planquery;commune;249;;oui;21140506300044;1;;;;;;1,50",
    ]));
    for id in ["C-1", "C-2"] {
        let row = ledger_line(&ledger, id, "formation_jours");
        assert_eq!(
            (row[11], row[13], row[14]),
            ("0,5", "400,00", "200,00"),
            "{id}"
        );
    }
    let row = ledger_line(&ledger, "C-3", "formation_jours");
    assert_eq!((row[11], row[14]), ("1,5", "600,00"));
}

#[test]
fn non_affiliated_small_commune_is_billed_at_tier_8() {
    let (_dir, _out, ledger) = accepted(roster(&[
        "C-1;Petite;commune;100;;non;21140531100013;1;;;;1;;",
        // Not affiliated: the population may even be left empty.
        "C-2;Sans population;commune;;;non;21140003100012;;;1;;;;",
    ]));
    let row = ledger_line(&ledger, "C-1", "forfait_metiers");
    assert_eq!(
        (row[8], row[13], row[14], row[17]),
        ("8", "7574,00", "7574,00", "7574,00")
    );
    assert_eq!(ledger_line(&ledger, "C-1", "parapheur")[14], "1012,00");
    let row = ledger_line(&ledger, "C-2", "forfait_technologie");
    assert_eq!((row[8], row[14]), ("8", "4712,00"));
}

#[test]
fn type_spellings_are_accepted() {
    let (_dir, _out, ledger) = accepted(roster(&[
        "EP-1;CCAS;Établissement public;;29;oui;26140047100015;1;;;;;;",
        "BA-1;Eau;BUDGET ANNEXE;;3;oui;25140060700049;1;;;;;;",
        "EP-2;SIVOS;EP;;9;;25140200900053;1;;;;;;",
        "C-1;Rapilly;COMMUNE;44;;oui;21140531100013;1;;;;;;",
        "BA-2;Assainissement;ba;;120;oui;21140003100012;1;;;;;;",
    ]));
    let check = |id: &str, kind: &str, tranche: &str, price: &str| {
        let row = ledger_line(&ledger, id, "forfait_metiers");
        assert_eq!((row[7], row[8], row[14]), (kind, tranche, price), "{id}");
    };
    check("EP-1", "etablissement_public", "5", "3577,00");
    check("BA-1", "budget_annexe", "1", "1119,00");
    check("EP-2", "etablissement_public", "3", "1984,00");
    check("C-1", "commune", "1", "1119,00");
    check("BA-2", "budget_annexe", "8", "7574,00");
}

#[test]
fn tier_boundaries_follow_the_annex() {
    let (_dir, _out, ledger) = accepted(roster(&[
        "C-249;A;commune;249;;;21140531100013;1;;;;;;",
        "C-250;B;commune;250;;;21140003100012;1;;;;;;",
        "C-9999;C;commune;9 999;;;21140506300044;1;;;;;;",
        "C-10000;D;commune;10 000;;;21140202900030;1;;;;;;",
        "EP-3;E;EP;;3;;26140047100015;1;;;;;;",
        "EP-4;F;EP;;4;;25140060700049;1;;;;;;",
        "EP-119;G;EP;;119;;25140200900053;1;;;;;;",
        "EP-120;H;EP;;120;;21140619400012;1;;;;;;",
    ]));
    for (id, tranche, price) in [
        ("C-249", "1", "1119,00"),
        ("C-250", "2", "1467,00"),
        ("C-9999", "7", "6129,00"),
        ("C-10000", "8", "7574,00"),
        ("EP-3", "1", "1119,00"),
        ("EP-4", "2", "1467,00"),
        ("EP-119", "7", "6129,00"),
        ("EP-120", "8", "7574,00"),
    ] {
        let row = ledger_line(&ledger, id, "forfait_metiers");
        assert_eq!((row[8], row[14]), (tranche, price), "{id}");
    }
}

#[test]
fn check_refuses_a_bad_roster_too() {
    let dir = Dir::new();
    let path = dir.write(
        "role.csv",
        roster(&["C-1;Rapilly;commune;44;;oui;21140531100013;2;;;;;;"]),
    );
    dir.cmd([
        "check",
        "--date-emission",
        crate::util::DATE_EMISSION,
        "--roster",
    ])
    .arg(&path)
    .arg("--tariff")
    .arg(crate::util::sample_grid())
    .run()
    .code(4)
    .stderr_has(&[
        &format!("le rôle « {} » contient 1 erreur", path.display()),
        "ligne 2, colonne 8 (H) « forfait_metiers » : « 2 » : ce service se souscrit ou non",
    ]);
    assert_eq!(dir.entries(), ["role.csv"]);
}

#[test]
fn header_names_ignore_case_and_accents() {
    let (_dir, _out, ledger) = accepted(
        "ID;Nom;Type;Population;SIRET;Forfait Métiers;Formation-Jours\n\
         C-1;Rapilly;commune;44;21140531100013;1;0,5\n",
    );
    assert_eq!(
        ledger_line(&ledger, "C-1", "forfait_metiers")[14],
        "1119,00"
    );
    assert_eq!(ledger_line(&ledger, "C-1", "formation_jours")[14], "200,00");
}

#[test]
fn a_bad_roster_leaves_the_exercice_untouched() {
    let dir = Dir::new();
    let good = dir.write("bon.csv", roster(&[RAPILLY]));
    dir.run_roster(&good, "lot").run().batch_ok();
    let before = crate::util::snapshot(&dir.join("lot"));
    let bad = dir.write(
        "role.csv",
        roster(&["C-1;Rapilly;commune;44;;oui;21140531100013;2;;;;;;"]),
    );
    dir.run_roster(&bad, "lot").run().code(4).stderr_has(&[
        "ligne 2, colonne 8 (H) « forfait_metiers »",
        "rien n'a été écrit",
    ]);
    assert!(crate::util::snapshot(&dir.join("lot")) == before);
    assert_eq!(dir.entries(), ["bon.csv", "lot", "role.csv"]);
}

#[test]
fn trailing_empty_column_is_ignored() {
    // Excel ends every line with the delimiter when a blank column was
    // once used: like its rows of empty cells, such a column is no data.
    let (_dir, _out, ledger) = accepted(format!("{HEADER};\n{RAPILLY};\n{CCAS};\n"));
    assert_eq!(
        ledger_line(&ledger, "C-1", "forfait_metiers")[14],
        "1119,00"
    );
}
