//! `compare`: two batches built by the real binary (N-1 from the sample
//! roster, N from a modified copy), then the report and its CSV.

use std::fs;
use std::str::FromStr;

use rust_decimal::Decimal;

use crate::util::{Dir, LEDGER_HEADER, nbsp, sample_roster};

/// The sample roster for year N: C-14531 (Rapilly, 1 119,00 €) leaves,
/// C-99001 joins with Ablon's subscriptions (6 250,00 €), Planquery grows
/// from 249 to 251 inhabitants (tier 1 → 2: its forfait goes from
/// 1 119,00 € to 1 467,00 €), Saint-Rémy takes 30 Go of backup instead of
/// 20 (+100,00 €).
fn roster_n() -> String {
    let text = fs::read_to_string(sample_roster()).expect("read the sample roster");
    let mut lines: Vec<String> = Vec::new();
    for line in text.lines() {
        if line.starts_with("C-14531;") {
            continue;
        }
        let line = if line.starts_with("C-14506;") {
            line.replacen(";249;", ";251;", 1)
        } else if line.starts_with("C-14656;") {
            line.replacen(";20;5;", ";30;5;", 1)
        } else {
            line.to_string()
        };
        if line.starts_with("C-14001;") {
            lines.push(
                line.replacen("C-14001;Ablon;", "C-99001;Nouvelle-Commune;", 1)
                    .replacen(
                        ";211 400 015 00015;",
                        &format!(";{};", crate::util::siret(99001)),
                        1,
                    ),
            );
        }
        lines.push(line);
    }
    let modified = lines.join("\r\n") + "\r\n";
    for changed in [";251;", ";30;5;", "C-99001;"] {
        assert!(
            modified.contains(changed),
            "sample roster changed: {changed}"
        );
    }
    modified
}

/// Collapses runs of spaces (alignment) so lines can be matched as text.
fn squeeze(text: &str) -> String {
    nbsp(text)
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect::<Vec<_>>()
        .join("\n")
}

fn dec(text: &str) -> Decimal {
    Decimal::from_str(&text.replace(',', ".")).unwrap_or_else(|e| panic!("{text:?}: {e}"))
}

#[allow(
    clippy::too_many_lines,
    reason = "one scenario: two batches, then every part of the report"
)]
#[test]
fn compare_explains_two_real_batches_and_writes_the_csv() {
    let dir = Dir::new();
    // N-1 in the RFC 4180 dialect, N in the French one: both are read.
    let grid_2026 = dir.write(
        "grille-2026.toml",
        crate::util::sample_grid_altered("exercice = 2027", "exercice = 2026"),
    );
    dir.run_batch_dated(&sample_roster(), &grid_2026, "lot-2026", "2026-01-15")
        .args(["--csv-format", "rfc4180"])
        .run()
        .batch_ok();
    let roster = dir.write("role-2027.csv", roster_n());
    dir.run_roster(&roster, "lot-2027").run().batch_ok();

    let o = dir
        .cmd(["compare", "--previous", "lot-2026", "--current"])
        .arg(dir.join("lot-2027").join("ledger.csv"))
        .args(["--csv", "ecarts.csv"])
        .run()
        .code(0)
        .stderr_has(&["Détail par adhérent et par article : « ecarts.csv » (9 lignes et TOTAL)."]);
    let text = squeeze(&o.stdout);
    for needle in [
        "Comparaison des appels de cotisation : montants HT (totaux TTC pour information)",
        "Précédent : exercice 2026, 59 adhérents, 279 lignes — lot-2026/ledger.csv",
        "Actuel : exercice 2027, 59 adhérents, 284 lignes — ",
        "Total HT 448 569,50 € 454 148,50 € +5 579,00 € +1,2 %",
        "Total TTC 448 569,50 € 454 148,50 € +5 579,00 € +1,2 %",
        "Adhérents : 58 maintenus (dont 1 changement de tranche, 56 sans aucune variation), 1 nouveau, 1 départ",
        "Explication de la variation HT\n\
         Nouveaux adhérents (1) +6 250,00 €\n\
         Départs (1) -1 119,00 €\n\
         Changements de tranche (1 adhérent, articles à prix par tranche) +348,00 €\n\
         Autres variations des adhérents maintenus, par article :\n\
         sauvegarde_go — Sauvegarde externalisée (par Go supplém… (1 adhérent) +100,00 €\n\
         ────",
        "Variation totale HT +5 579,00 €",
        "Nouveaux adhérents (1)\nC-99001 Nouvelle-Commune tranche 4 +6 250,00 €",
        "Départs (1)\nC-14531 Rapilly tranche 1 -1 119,00 €",
        "Changements de tranche (1)\n\
         Adhérent Nom Tranche Effet tranche Variation\n\
         C-14506 Planquery tranche 1 → 2 +348,00 € +348,00 €",
        "C-14506 Planquery maintenu, tranche 1 → 2 1 134,00 € 1 482,00 € +348,00 €\n\
         forfait_metiers_communication effet de tranche 1 119,00 € 1 467,00 € +348,00 €",
        "C-14656 Saint-Rémy maintenu, tranche 3 3 648,00 € 3 748,00 € +100,00 €\n\
         sauvegarde_go 200,00 € 300,00 € +100,00 €",
    ] {
        assert!(
            text.contains(needle),
            "stdout lacks {needle:?}\n--- stdout:\n{}",
            o.stdout
        );
    }
    // Largest absolute variation first.
    let detail = text.split("Détail par adhérent").nth(1).expect("detail");
    let order: Vec<usize> = ["C-99001", "C-14531", "C-14506", "C-14656"]
        .iter()
        .map(|id| detail.find(id).unwrap_or_else(|| panic!("{id} in detail")))
        .collect();
    assert!(order.is_sorted(), "{detail}");

    // The CSV: one row per changed (member, item), then TOTAL.
    let csv = fs::read_to_string(dir.join("ecarts.csv")).expect("ecarts.csv");
    let rows: Vec<Vec<&str>> = csv.lines().map(|l| l.split(';').collect()).collect();
    assert_eq!(
        rows[0].join(";"),
        "membre_id;membre_nom;statut;tranche_precedente;tranche_actuelle;code;montant_precedent;montant_actuel;variation"
    );
    let (total, body) = rows[1..].split_last().expect("rows");
    assert_eq!(total.join(";"), "TOTAL;;;;;;448569,50;454148,50;5579,00");
    let sum: Decimal = body.iter().map(|r| dec(r[8])).sum();
    assert_eq!(sum, dec("5579,00"), "the variations add up to the total");
    assert_eq!(body.len(), 9);
    for row in [
        "C-99001;Nouvelle-Commune;nouveau;;4;forfait_metiers_communication;0,00;2728,00;2728,00",
        "C-99001;Nouvelle-Commune;nouveau;;4;formation_jours;0,00;600,00;600,00",
        "C-14531;Rapilly;parti;1;;forfait_metiers;1119,00;0,00;-1119,00",
        "C-14506;Planquery;maintenu;1;2;forfait_metiers_communication;1119,00;1467,00;348,00",
        "C-14656;Saint-Rémy;maintenu;3;3;sauvegarde_go;200,00;300,00;100,00",
    ] {
        assert!(
            body.iter().any(|r| r.join(";") == row),
            "{row} missing in\n{csv}"
        );
    }
    // The new member's six items sum to its total.
    let new: Decimal = body
        .iter()
        .filter(|r| r[0] == "C-99001")
        .map(|r| dec(r[8]))
        .sum();
    assert_eq!(new, dec("6250,00"));
}

/// A two-line French ledger for the error tests.
fn small_ledger(montant_ht: &str) -> String {
    format!(
        "{LEDGER_HEADER}\r\n\
         2027;AC-2027-00001;2027-01-15;2027-02-14;C-1;Un;21140531100013;commune;1;forfait_metiers;Forfait Métiers;1;forfait;1119,00;1119,00;0,00;0,00;1119,00;706;;\r\n\
         2027;AC-2027-00002;2027-01-15;2027-02-14;C-2;Deux;21140531100013;commune;2;forfait_metiers;Forfait Métiers;1;forfait;1467,00;{montant_ht};0,00;0,00;1467,00;706;;\r\n"
    )
}

#[test]
fn compare_reports_unreadable_ledgers_in_french() {
    let dir = Dir::new();
    let good = dir.write("bon.csv", small_ledger("1467,00"));

    // Missing file, and a folder without ledger.csv.
    let absent = dir.join("absent.csv");
    dir.cmd(["compare", "--previous"])
        .arg(&absent)
        .arg("--current")
        .arg(&good)
        .run()
        .code(6)
        .stderr_has(&[&format!(
            "erreur : impossible de lire le fichier « {} » : fichier ou dossier introuvable",
            absent.display()
        )]);
    fs::create_dir(dir.join("vide")).unwrap();
    dir.cmd(["compare", "--previous", "bon.csv", "--actuel", "vide"])
        .run()
        .code(6)
        .stderr_has(&["« vide/ledger.csv » : fichier ou dossier introuvable"]);

    // Not a ledger (the roster).
    dir.cmd(["compare", "--precedent"])
        .arg(sample_roster())
        .args(["--current", "bon.csv"])
        .run()
        .code(2)
        .stderr_has(&[&format!(
            "erreur : journal « {} », ligne 1 : en-tête de journal comptable attendu, colonnes absentes : numero, membre_id, membre_nom, tranche, code, prix_unitaire, montant_ht, montant_ttc ; est-ce bien le ledger.csv d'un lot ?",
            sample_roster().display()
        )]);

    // An amount that is not one, with its line.
    dir.write("faux.csv", small_ledger("1 467,0x"));
    let o = dir
        .cmd(["compare", "--previous", "bon.csv", "--current", "faux.csv"])
        .run()
        .code(2)
        .stderr_has(&[
            "erreur : journal « faux.csv », ligne 3 : montant_ht « 1 467,0x » illisible : attendu un montant comme 1 119,00 (virgule ou point décimal)",
        ]);
    assert!(o.stdout.is_empty(), "nothing printed on failure");

    // --csv must not overwrite a ledger.
    let before = fs::read(&good).unwrap();
    dir.cmd([
        "compare",
        "--previous",
        "bon.csv",
        "--current",
        "bon.csv",
        "--csv",
        "bon.csv",
    ])
    .run()
    .code(2)
    .stderr_has(&["fichier « bon.csv » refusé : c'est l'un des fichiers lus"]);
    assert_eq!(fs::read(&good).unwrap(), before);

    // A missing option is clap's error, in French.
    dir.cmd(["compare", "--previous", "bon.csv"])
        .run()
        .code(2)
        .stderr_has(&["option obligatoire manquante : --current"]);
}

#[test]
fn compare_warns_when_the_years_look_swapped() {
    let dir = Dir::new();
    dir.write("n.csv", small_ledger("1467,00"));
    dir.write("n-1.csv", small_ledger("1000,00").replace("2027", "2026"));
    let o = dir
        .cmd(["compare", "--previous", "n.csv", "--current", "n-1.csv"])
        .run()
        .code(0)
        .stderr_has(&[
            "le journal précédent porte sur l'exercice 2027 et l'actuel sur 2026 : --previous et --current sont-ils inversés ?",
        ]);
    assert!(
        squeeze(&o.stdout).contains("Total HT 2 586,00 € 2 119,00 € -467,00 € -18,1 %"),
        "{}",
        o.stdout
    );
    dir.cmd(["compare", "--previous", "n-1.csv", "--current", "n.csv"])
        .run()
        .code(0)
        .stderr_lacks(&["inversés"]);
}

#[test]
fn compare_help_says_what_is_compared() {
    Dir::new()
        .cmd(["compare", "--help"])
        .run()
        .code(0)
        .stdout_has(&[
            "Utilisation : cotisations compare [OPTIONS] --previous <JOURNAL_N-1> --current <JOURNAL_N>",
            "ledger.csv ou dossier du lot",
            "Les montants comparés sont les montants HT",
            "seuls les numéros de tranche sont comparés (« tranche 3 → 4 »)",
            "La somme de ces parts est exactement la variation totale.",
        ]);
}
