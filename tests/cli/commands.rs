//! `check`, `quote`, `tarifs` and the French command line (help, errors).

use crate::util::{Dir, Output, nbsp, sample_grid, sample_roster};

// --- check -------------------------------------------------------------------

#[test]
fn check_accepts_the_sample_and_writes_nothing() {
    let dir = Dir::new();
    let o = dir
        .cmd(["check", "--roster"])
        .arg(sample_roster())
        .arg("--tariff")
        .arg(sample_grid())
        .run()
        .code(0)
        .stderr_has(&[
            &format!(
                "Rôle « {} » valide : 61 adhérents, dont 59 avec au moins un service à facturer.",
                sample_roster().display()
            ),
            &format!(
                "Grille « {} » valide : 8 tranches, 32 articles.",
                sample_grid().display()
            ),
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
        .run()
        .code(0)
        .stderr_has(&["valide : 61 adhérents"]);
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
            "--force",
            "--csv-format",
            "--date-emission",
            "--threads",
            "Remplace un lot déjà présent dans le dossier de sortie",
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
            &["indiquez une commande : run, check, quote, tarifs, verify, compare ou avoir"],
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
