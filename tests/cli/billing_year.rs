//! The billing year: mid-year joins charged pro rata temporis.

use std::fs;

use crate::util::Dir;

const HEAD: &str = "id;nom;type;population;siret;date_adhesion;forfait_metiers;formation_jours";

#[test]
fn a_mid_year_join_pays_yearly_items_pro_rata_and_the_line_says_so() {
    let dir = Dir::new();
    let roster = dir.write_roster(
        "r.csv",
        HEAD,
        &[
            "A;Ablon;commune;1166;21140001500015;15/06/2027;1;1",
            "B;Agy;commune;320;21140001500007;;1;",
        ],
    );
    dir.run_roster(&roster, "lot").run().batch_ok();
    let ledger = fs::read_to_string(dir.join("lot/entrees/0001-AC/ledger.csv")).unwrap();
    let rows: Vec<Vec<&str>> = ledger
        .lines()
        .skip(1)
        .map(|l| l.split(';').collect())
        .collect();
    // code, libelle, quantite, prix_unitaire, montant_ht
    #[allow(
        clippy::items_after_statements,
        reason = "read next to the columns it picks"
    )]
    fn pick<'a>(r: &[&'a str]) -> (&'a str, &'a str, &'a str, &'a str, &'a str) {
        (r[9], r[10], r[11], r[13], r[14])
    }
    assert_eq!(
        pick(&rows[0]),
        (
            "forfait_metiers",
            "Forfait Métiers (prorata 7/12)",
            "1",
            "2728,00",
            "1591,33"
        )
    );
    assert_eq!(
        pick(&rows[1]),
        (
            "formation_jours",
            "Formation sur site ou à distance",
            "1",
            "400,00",
            "400,00"
        )
    );
    assert_eq!(
        pick(&rows[2]),
        (
            "forfait_metiers",
            "Forfait Métiers",
            "1",
            "1467,00",
            "1467,00"
        )
    );
}

#[test]
fn a_join_date_outside_the_exercice_is_a_roster_error() {
    let dir = Dir::new();
    let roster = dir.write_roster(
        "r.csv",
        HEAD,
        &["A;Ablon;commune;1166;21140001500015;15/06/2026;1;"],
    );
    dir.run_roster(&roster, "lot").run().code(4).stderr_has(&[
        "ligne 2, colonne 6 (F) « date_adhesion »",
        "hors de l'exercice 2027",
    ]);
    assert!(!dir.join("lot").exists());
}
