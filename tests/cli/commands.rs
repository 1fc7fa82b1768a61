//! `check`, `quote`, `tarifs` and the French command line (help, errors).

use crate::util::{DATE_EMISSION, Dir, Output, nbsp, sample_grid, sample_roster};

// --- check -------------------------------------------------------------------

#[test]
fn check_accepts_the_sample_says_what_run_would_bill_and_writes_nothing() {
    let dir = Dir::new();
    let o = dir
        .cmd(["check", "--roster"])
        .arg(sample_roster())
        .arg("--tariff")
        .arg(sample_grid())
        .args(["--date-emission", DATE_EMISSION])
        .run()
        .code(0)
        .stderr_has(&[
            &format!(
                "Rôle « {} », grille « {} » et émetteur valides",
                sample_roster().display(),
                sample_grid().display()
            ),
            "Adhérents lus        : 61",
            "Appels émis          : 59 (de AC-2027-00001 à AC-2027-00059)",
            "Sans appel           : 2",
            "Total à payer (TTC)  : 448 569,50 €",
            "Rien n'a été écrit.",
        ]);
    assert!(o.stdout.is_empty());
    assert!(dir.entries().is_empty(), "check wrote {:?}", dir.entries());
}

#[test]
fn check_accepts_the_french_aliases() {
    let dir = Dir::new();
    dir.cmd(["check", "--role"])
        .arg(sample_roster())
        .arg("--tarif")
        .arg(sample_grid())
        .args(["--date-emission", DATE_EMISSION])
        .run()
        .code(0)
        .stderr_has(&["Adhérents lus        : 61"]);
}

/// `check` and `run` with the same inputs and options: the same exit code,
/// the same error message, and when both succeed the same figures.
#[track_caller]
fn check_agrees_with_run(dir: &Dir, roster: &std::path::Path, extra: &[&str]) -> i32 {
    let args = |command: &str| {
        let mut a: Vec<std::ffi::OsString> = vec![
            command.into(),
            "--roster".into(),
            roster.into(),
            "--tariff".into(),
            sample_grid().into(),
            "--emetteur".into(),
            crate::util::emetteur().into(),
        ];
        a.extend(extra.iter().map(Into::into));
        a
    };
    let check = dir.cmd(args("check")).run();
    let out = dir.join(format!("lot-{}", dir.entries().len()));
    let run = dir
        .cmd(args("run"))
        .arg("--out")
        .arg(&out)
        .arg("--emettre")
        .run();
    assert_eq!(
        check.code, run.code,
        "check: {}\nrun: {}",
        check.stderr, run.stderr
    );
    let figures = |text: &str| -> Vec<String> {
        text.lines()
            .filter(|l| l.starts_with("erreur") || l.starts_with("  ") || l.contains(" : "))
            .filter(|l| {
                !l.contains("(PDF)")
                    && !l.contains("Journal comptable")
                    && !l.contains("Bilan ")
                    && !l.contains("Rapport")
                    && !l.starts_with("Rôle")
                    && !l.starts_with("Traitement")
                    && !l.starts_with("Journal de l'exercice")
                    && !l.starts_with("Tête du registre")
                    && !l.starts_with("Dossier créé")
            })
            .map(String::from)
            .collect()
    };
    if run.code == 0 {
        let from_check = figures(&check.stderr);
        for line in figures(&run.stderr) {
            assert!(
                from_check.contains(&line),
                "{line:?} not in check's {from_check:?}"
            );
        }
    } else {
        assert_eq!(check.stderr, run.stderr);
        assert!(!out.exists());
    }
    run.code
}

#[test]
fn check_refuses_whatever_run_refuses() {
    let dir = Dir::new();
    let date = ["--date-emission", DATE_EMISSION];
    assert_eq!(check_agrees_with_run(&dir, &sample_roster(), &date), 0);
    // A date of joining outside the exercice.
    let sample = std::fs::read_to_string(sample_roster()).unwrap();
    let late = dir.write(
        "tardif.csv",
        sample.replacen(
            ";mairie@rapilly.fr;;;;1;",
            ";mairie@rapilly.fr;;;15/06/2026;1;",
            1,
        ),
    );
    assert_eq!(check_agrees_with_run(&dir, &late, &date), 4);
    // The same member twice under two ids.
    let twice = dir.write_sample_first_row_as("deux.csv", &["C-14531", "C-14531"]);
    assert_eq!(check_agrees_with_run(&dir, &twice, &date), 4);
    // No emission date: today is outside the 2027 exercice.
    assert_eq!(check_agrees_with_run(&dir, &sample_roster(), &[]), 2);
    // Absurd threads, an --exercice against the grid.
    assert_eq!(
        check_agrees_with_run(
            &dir,
            &sample_roster(),
            &["--date-emission", DATE_EMISSION, "--threads", "100000"]
        ),
        2
    );
    assert_eq!(
        check_agrees_with_run(
            &dir,
            &sample_roster(),
            &["--date-emission", DATE_EMISSION, "--exercice", "2026"]
        ),
        2
    );
    // --skip-invalid: the same partial count.
    let bad = dir.write(
        "mauvais.csv",
        sample.replacen(";21140531100013;", ";21140531100014;", 1),
    );
    let check = dir
        .cmd([
            "check",
            "--skip-invalid",
            "--date-emission",
            DATE_EMISSION,
            "--roster",
        ])
        .arg(&bad)
        .arg("--tariff")
        .arg(sample_grid())
        .run()
        .code(0);
    assert!(
        check.stderr.contains("Lignes écartées      : 1"),
        "{}",
        check.stderr
    );
    assert!(
        check.stderr.contains("Appels émis          : 58"),
        "{}",
        check.stderr
    );
}

// --- quote -------------------------------------------------------------------

fn quote(args: &[&str]) -> Output {
    Dir::new()
        .cmd(["quote", "--tariff"])
        .arg(sample_grid())
        .args(args)
        .run()
}

#[test]
fn quote_prices_a_commune_of_812_inhabitants() {
    let o = quote(&[
        "--type",
        "commune",
        "--population",
        "812",
        "forfait_metiers=1",
        "parapheur=1",
        "formation_jours=0,5",
    ])
    .code(0)
    .stdout_has(&[
        "Tranche 3 — commune de 812 habitants",
        "Total HT      : 2 357,00 €",
        "TVA           : 0,00 €",
        "Total à payer : 2 357,00 €",
        "TVA non applicable, article 256 B du CGI",
    ]);
    assert!(o.stderr.is_empty(), "{}", o.stderr);
    let text = nbsp(&o.stdout);
    let line = |label: &str| -> String {
        text.lines()
            .find(|l| l.trim_start().starts_with(label))
            .unwrap_or_else(|| panic!("no line {label:?} in\n{text}"))
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    };
    assert!(
        line("Forfait Métiers").ends_with("1 forfait × 1 984,00 € = 1 984,00 €"),
        "{}",
        line("Forfait Métiers")
    );
    assert!(
        line("Parapheur électronique").ends_with("1 an × 173,00 € = 173,00 €"),
        "{}",
        line("Parapheur électronique")
    );
    assert!(
        line("Formation sur site").ends_with("0,5 jour × 400,00 € = 200,00 €"),
        "{}",
        line("Formation sur site")
    );
    // Lines in grid order.
    let f = text.find("Forfait Métiers").unwrap();
    let p = text.find("Parapheur").unwrap();
    let d = text.find("Formation").unwrap();
    assert!(f < p && p < d);
}

#[test]
fn quote_uses_no_break_spaces_in_amounts() {
    let o = quote(&[
        "--type",
        "commune",
        "--population",
        "812",
        "forfait_metiers=1",
    ])
    .code(0);
    assert!(o.stdout.contains("1\u{a0}984,00\u{a0}€"), "{}", o.stdout);
    assert!(o.stderr.is_empty(), "{}", o.stderr);
}

#[test]
fn quote_places_an_etablissement_public_by_agents() {
    quote(&[
        "--type",
        "Établissement public",
        "--agents",
        "29",
        "forfait_technologie=1",
    ])
    .code(0)
    .stdout_has(&[
        "Tranche 5 — établissement public de 29 agents",
        "Total à payer : 2 164,00 €",
    ]);
}

#[test]
fn quote_for_a_non_affiliated_commune_uses_tier_8() {
    quote(&[
        "--type",
        "commune",
        "--population",
        "100",
        "--non-affiliee",
        "forfait_metiers=1",
    ])
    .code(0)
    .stdout_has(&[
        "Tranche 8 — commune non affiliée au Centre",
        "Total à payer : 7 574,00 €",
    ]);
}

#[test]
fn quote_with_nothing_subscribed() {
    quote(&["--type", "commune", "--population", "1 119"])
        .code(0)
        .stdout_has(&[
            "Tranche 4 — commune de 1 119 habitants",
            "Aucun service souscrit",
        ]);
}

#[test]
fn quote_refuses_parapheur_alone() {
    let o = quote(&["--type", "commune", "--population", "812", "parapheur=1"])
        .code(2)
        .stderr_has(&[
            "erreur : devis impossible :",
            "argument « parapheur » : ce service nécessite au moins l'un des articles suivants",
            "« forfait_metiers »",
        ]);
    assert!(o.stdout.is_empty(), "{}", o.stdout);
}

#[test]
fn quote_refuses_bad_arguments_in_french() {
    quote(&[
        "--type",
        "commune",
        "--population",
        "812",
        "forfait_metiers",
    ])
    .code(2)
    .stderr_has(&["« forfait_metiers » : écrivez chaque service sous la forme code=quantité"]);
    quote(&[
        "--type",
        "mairie annexe",
        "--population",
        "812",
        "forfait_metiers=1",
    ])
    .code(2)
    .stderr_has(&["devis impossible", "type « mairie annexe » inconnu"]);
    quote(&["--type", "commune", "forfait_metiers=1"])
        .code(2)
        .stderr_has(&["devis impossible", "population manquante"]);
    quote(&[
        "--type",
        "commune",
        "--population",
        "812",
        "forfait_metier=1",
    ])
    .code(2)
    .stderr_has(&[
        "devis impossible",
        "vouliez-vous dire « forfait_metiers » ?",
    ]);
    quote(&[
        "--type",
        "commune",
        "--population",
        "812",
        "forfait_metiers=1",
        "forfait_metiers_communication=1",
    ])
    .code(2)
    .stderr_has(&["devis impossible", "incompatible avec « forfait_metiers »"]);
}

// --- tarifs ------------------------------------------------------------------

/// The tier prices of the annex (/work/shared/seed, « Annexe n°2 »),
/// transcribed from the deliberation, T1 to T8; the codes of one row share
/// its prices.
const ANNEX: &[(&[&str], [&str; 8])] = &[
    (
        &["forfait_metiers", "forfait_metiers_communication"],
        [
            "1 119,00", "1 467,00", "1 984,00", "2 728,00", "3 577,00", "4 589,00", "6 129,00",
            "7 574,00",
        ],
    ),
    (
        &["forfait_heberge"],
        [
            "317,00", "423,00", "584,00", "809,00", "1 062,00", "1 378,00", "1 829,00", "2 339,00",
        ],
    ),
    (
        &["forfait_technologie", "forfait_technologie_plus"],
        [
            "676,00", "874,00", "1 166,00", "1 597,00", "2 164,00", "2 814,00", "3 755,00",
            "4 712,00",
        ],
    ),
    (
        &["parapheur"],
        [
            "69,00", "115,00", "173,00", "276,00", "403,00", "564,00", "759,00", "1 012,00",
        ],
    ),
];

/// Unit prices of the annex.
const UNIT: &[(&str, &str)] = &[
    ("certificat", "80,00 € / certificat"),
    ("conseil_equipement", "400,00 € / jour"),
    ("audit_securite", "400,00 € / jour"),
    ("sauvegarde_go", "10,00 € / Go"),
    ("logiciels_securite_postes", "25,00 € / poste"),
    ("stockage_go", "7,00 € / Go"),
    ("suite_bureautique_comptes", "35,00 € / compte"),
    ("messagerie_quota_10go", "5,00 € / adresse"),
    ("messagerie_compte_1go", "15,00 € / adresse"),
    ("messagerie_compte_5go", "20,00 € / adresse"),
    ("messagerie_compte_10go", "25,00 € / adresse"),
    ("nom_domaine", "15,00 € / nom de domaine"),
    ("formation_jours", "400,00 € / jour"),
    ("atelier_demi_journee", "100,00 € / demi-journée"),
    ("atelier_journee", "150,00 € / journée"),
    ("antispam", "sur devis"),
];

fn tarifs() -> Output {
    Dir::new()
        .cmd(["tarifs", "--tariff"])
        .arg(sample_grid())
        .run()
}

#[test]
fn tarifs_prints_every_tier_price_of_the_annex() {
    let o = tarifs().code(0).stdout_has(&[
        "Convention cadre « Accompagnement numérique »",
        "Prix par tranche (€)",
        "1 119,00",
        "7 574,00",
        "1 062,00",
        "4 712,00",
        "1 012,00",
        "2 339,00",
        "6 129,00",
        "3 755,00",
        "69,00",
        "759,00",
        "584,00",
        "2 814,00",
    ]);
    assert!(o.stderr.is_empty(), "{}", o.stderr);
    // Row by row: the code, then its eight prices, T1 to T8.
    let text = o.stdout.replace('\u{a0}', "");
    for (codes, prices) in ANNEX {
        let expected: Vec<String> = prices.iter().map(|p| p.replace(' ', "")).collect();
        for code in *codes {
            let row: Vec<&str> = text
                .lines()
                .find(|l| l.split_whitespace().next() == Some(code))
                .unwrap_or_else(|| panic!("no row for {code} in\n{}", o.stdout))
                .split_whitespace()
                .collect();
            assert_eq!(row[1..9], expected, "{code}");
        }
    }
}

#[test]
fn tarifs_prints_unit_prices_tiers_and_rules() {
    let o = tarifs().code(0).stdout_has(&[
        "Tranches",
        "T1  population ≥        0  agents ≥    0",
        "T8  population ≥   10 000  agents ≥  120",
        "Collectivités non affiliées : tranche 8",
        "forfait_metiers et forfait_metiers_communication s'excluent",
        "forfait_technologie et forfait_technologie_plus s'excluent",
        "parapheur nécessite l'un de : forfait_metiers, forfait_metiers_communication, forfait_heberge, forfait_technologie, forfait_technologie_plus",
        "Mention TVA : TVA non applicable, article 256 B du CGI",
    ]);
    let text = nbsp(&o.stdout);
    for (code, price) in UNIT {
        let line = text
            .lines()
            .find(|l| l.split_whitespace().next() == Some(code))
            .unwrap_or_else(|| panic!("no line for {code}"));
        assert!(line.contains(price), "{code}: {line}");
    }
}

// --- The command line in French ----------------------------------------------

/// `cotisations args…` prints its help in French: exit 0, every one of
/// `needles` on stdout, and none of clap's English defaults.
#[track_caller]
fn help_is_french(args: &[&str], needles: &[&str]) {
    let o = Dir::new().cmd(args).run().code(0).stdout_has(needles);
    let args = args.join(" ");
    assert!(!o.stdout.contains("Usage:"), "{args}: {}", o.stdout);
    assert!(!o.stdout.contains("Print help"), "{args}: {}", o.stdout);
}

#[test]
fn help_is_in_french() {
    for args in [["--help"], ["-h"]] {
        help_is_french(
            &args,
            &[
                "Utilisation",
                "Options",
                "Commandes",
                "run",
                "check",
                "quote",
                "tarifs",
                "Affiche l'aide",
            ],
        );
    }
}

#[test]
fn run_help_is_in_french() {
    help_is_french(
        &["run", "--help"],
        &[
            "Utilisation",
            "Options",
            "--roster",
            "--tariff",
            "--out",
            "--emettre",
            "--csv-format",
            "--date-emission",
            "--threads",
            "Émet aussitôt ce que le projet contiendrait",
            "Rôle des adhérents",
        ],
    );
}

#[test]
fn subcommand_helps_are_in_french() {
    // Every command the main help lists (the English sweep of `Cmd::run`
    // reads each help whole).
    let main = Dir::new().cmd(["--help"]).run().code(0);
    let commands: Vec<String> = main
        .stdout
        .lines()
        .skip_while(|l| !l.starts_with("Commandes"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next().map(String::from))
        .collect();
    assert!(commands.len() >= 7, "{commands:?}");
    assert!(commands.iter().any(|c| c == "avoir"), "{commands:?}");
    for sub in &commands {
        help_is_french(&[sub, "--help"], &["Utilisation", "Options"]);
    }
}

#[test]
fn unknown_option_is_a_french_usage_error() {
    let o = Dir::new()
        .cmd(["run", "--vitesse", "12"])
        .run()
        .code(2)
        .stderr_has(&[
            "erreur : option inconnue : --vitesse",
            "Aide : cotisations run --help",
        ]);
    assert!(!o.stderr.contains("error:"), "{}", o.stderr);
    assert!(o.stdout.is_empty());
}

#[test]
fn other_command_line_errors_are_french() {
    let dir = Dir::new();
    // `run` with a bad value for `option`, the other options present.
    let bad_run = |option, value| {
        vec![
            "run", option, value, "--roster", "r", "--tariff", "t", "--out", "o",
        ]
    };
    let cases: [(Vec<&str>, &[&str]); 5] = [
        (
            vec![],
            &[
                "indiquez une commande : run, emettre, check, quote, tarifs, verify, etat, compare, avoir, pes ou envoi",
            ],
        ),
        (vec!["facturer"], &["commande inconnue : facturer"]),
        (
            vec!["check", "--roster", "x.csv"],
            &["option obligatoire manquante : --tariff"],
        ),
        (
            bad_run("--csv-format", "excel"),
            &[
                "valeur « excel » invalide pour --csv-format",
                "francais",
                "rfc4180",
            ],
        ),
        (
            bad_run("--threads", "beaucoup"),
            &["valeur « beaucoup » invalide pour --threads"],
        ),
    ];
    for (args, messages) in cases {
        dir.cmd(args).run().code(2).stderr_has(messages);
    }
    assert!(dir.entries().is_empty());
}
