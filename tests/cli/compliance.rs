//! Public-sector compliance: the recovery threshold, Chorus Pro references.

use std::fs;

use crate::util::{Dir, sample_grid_text};

const HEAD: &str = "id;nom;type;population;agents;siret;adresse;code_postal;ville;code_service;engagement;certificat;messagerie_quota_10go;nom_domaine\r\n";

#[test]
fn members_below_the_recovery_threshold_get_no_appel_and_are_listed() {
    let dir = Dir::new();
    let roster = dir.write(
        "r.csv",
        format!(
            "{HEAD}A;Ablon;commune;1166;;21140001500015;Mairie;14600;Ablon;;;1;;\r\n\
             B;Agy;commune;320;;21140001500007;Mairie;14400;Agy;;;;2;\r\n\
             C;Amayé-sur-Orne;commune;1079;;21140001500023;Mairie;14210;Amayé;;;;;1\r\n"
        ),
    );
    dir.run_roster(&roster, "lot")
        .run()
        .batch_ok()
        .stderr_has(&[
            "Sous le seuil de 15,00 €",
            "1 adhérent",
            "10,00 € non mis en recouvrement",
            "Agy",
        ]);
    let mut pdfs: Vec<String> = fs::read_dir(dir.join("lot/appels"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    pdfs.sort();
    // 15,00 € exactly is billed; numbers stay contiguous.
    assert_eq!(pdfs, vec!["AC-2027-00001_A.pdf", "AC-2027-00002_C.pdf"]);
    let csv = fs::read_to_string(dir.join("lot/sous-seuil.csv")).unwrap();
    assert_eq!(
        csv,
        "ligne;membre_id;membre_nom;siret;montant_ttc\r\n3;B;Agy;21140001500007;10,00\r\n"
    );
    let summary: serde_json::Value =
        serde_json::from_slice(&fs::read(dir.join("lot/summary.json")).unwrap()).unwrap();
    assert_eq!(summary["total_sous_seuil"], "10.00");
    assert_eq!(summary["seuil_recouvrement"], "15.00");
    assert!(
        !fs::read_to_string(dir.join("lot/ledger.csv"))
            .unwrap()
            .contains(";B;")
    );
    dir.cmd(["verify"]).arg(dir.join("lot")).run().code(0);
}

#[test]
fn the_threshold_is_a_grid_setting() {
    let dir = Dir::new();
    let grid = dir.write(
        "g.toml",
        sample_grid_text().replace(
            "seuil_recouvrement = \"15,00\"",
            "seuil_recouvrement = \"5,00\"",
        ),
    );
    let roster = dir.write(
        "r.csv",
        format!("{HEAD}B;Agy;commune;320;;21140001500007;;;;;;;2;\r\n"),
    );
    dir.run_batch(&roster, &grid, "lot").run().batch_ok();
    assert!(dir.join("lot/appels/AC-2027-00001_B.pdf").is_file());
}

#[test]
fn a_member_requiring_an_engagement_number_without_one_is_rejected() {
    let dir = Dir::new();
    let grid = dir.write(
        "g.toml",
        sample_grid_text().replace(
            "engagement_obligatoire = []",
            "engagement_obligatoire = [\"A\"]",
        ),
    );
    let roster = dir.write(
        "r.csv",
        format!("{HEAD}A;Ablon;commune;1166;;21140001500015;;;;;;1;;\r\n"),
    );
    dir.run_batch(&roster, &grid, "lot")
        .run()
        .code(4)
        .stderr_has(&["ligne 2, colonne 11 « engagement »", "numéro d'engagement"]);
    assert!(!dir.join("lot").exists());
    let roster = dir.write(
        "r2.csv",
        format!("{HEAD}A;Ablon;commune;1166;;21140001500015;;;;FIN;EJ-2027-1;1;;\r\n"),
    );
    dir.run_batch(&roster, &grid, "lot").run().batch_ok();
}
