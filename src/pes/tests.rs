//! The pure PES V2 writer: each field's value and limit, the refusals,
//! the splitting, and a whole file written and read back.

use super::*;
use crate::emetteur::PesEmetteur;
use crate::testing::{GRID_TEXT, d, grid};

fn settings() -> PesEmetteur {
    PesEmetteur {
        poste_comptable: "014000".into(),
        libelle_poste: Some("PAIERIE DEPARTEMENTALE DU CALVADOS".into()),
        code_collectivite: "014".into(),
        code_budget: "00".into(),
        libelle_budget: None,
        premier_bordereau: 1,
    }
}

/// The shipped grid and the sample issuer's `[pes]`, for ever.
fn reglages() -> Reglages<'static> {
    static GRID: std::sync::OnceLock<crate::tariff::Grid> = std::sync::OnceLock::new();
    static SETTINGS: std::sync::OnceLock<PesEmetteur> = std::sync::OnceLock::new();
    Reglages {
        emetteur: SETTINGS.get_or_init(settings),
        siret: "28140001000019",
        grid: GRID.get_or_init(grid),
    }
}

fn m(text: &str) -> Montant {
    Montant::round_cent(d(text))
}

fn debiteur<'a>(nom: &'a str, adresse: &'a str, ville: &'a str) -> Debiteur<'a> {
    Debiteur {
        nom,
        kind: MemberKind::Commune,
        siret: "211 405 311 00013",
        adresse,
        code_postal: "14690",
        ville,
        code_service: "",
        engagement: "",
        nom_service: "",
        categorie_tiers: "",
    }
}

fn ligne(code: &str, montant: &str) -> LigneLot {
    LigneLot {
        code: code.into(),
        libelle: format!("Libellé de {code}").into(),
        montant_tva: Montant::ZERO,
        montant_ttc: m(montant),
    }
}

fn appel<'a>(numero: &'a str, rang: u32, d: Debiteur<'a>, lignes: Vec<LigneLot>) -> AppelLot<'a> {
    AppelLot {
        numero,
        rang,
        membre_id: "C-14531",
        nom_pdf: "AC-2027-00001_C-14531.pdf",
        chemin: "appels/AC-2027-00001_C-14531.pdf",
        sha256: "",
        total_ttc: lignes.iter().fold(Montant::ZERO, |a, l| a + l.montant_ttc),
        d,
        lignes,
    }
}

#[test]
#[allow(
    clippy::too_many_lines,
    reason = "one pièce, every field checked in turn"
)]
fn a_piece_carries_each_field_as_documented() {
    let r = reglages();
    let mut dbt = debiteur(
        "Saint-Martin-de-Bienfaite-la-Cressonnière",
        "Hôtel de Ville, place de l'Hôtel de Ville",
        "Saint-Martin-de-Bienfaite-la-Cressonnière",
    );
    dbt.engagement = "EJ-2027-17";
    dbt.code_service = "DSI";
    dbt.nom_service = "Direction des systèmes d'information";
    let a = appel(
        "AC-2027-00034",
        34,
        dbt,
        vec![
            ligne("forfait_metiers", "1119.00"),
            ligne("parapheur", "0"),
            ligne("certificat", "230.50"),
        ],
    );
    let (pieces, notes) = pieces(&[a], &r).unwrap();
    let p = &pieces[0];
    assert_eq!(p.id_pce, 34, "IdPce is the appel's rank");
    assert_eq!(p.pj.id_unique, "28140001000019AC20270003401");
    assert!(
        p.pj.id_unique.len() <= 50 && p.pj.id_unique.bytes().all(|b| b.is_ascii_alphanumeric())
    );
    assert_eq!(p.total, m("1349.50"));
    assert_eq!(p.lignes.len(), 2, "a line at 0,00 is left out (MtHT > 0)");
    assert_eq!((p.lignes[0].id_ligne, p.lignes[1].id_ligne), (1, 2));
    assert_eq!(p.lignes[0].code_produit, "AN01");
    assert_eq!(p.lignes[0].nature, "588");
    let t = &p.tiers;
    assert_eq!(t.siret, "21140531100013", "digits only");
    assert_eq!(
        (t.cat_tiers, t.ref_tiers.as_deref()),
        ("23", Some("C-14531"))
    );
    assert_eq!(t.nom, "Saint-Martin-de-Bienfaite-la-");
    assert_eq!(t.compl_nom.as_deref(), Some("Cressonnière"));
    assert_eq!(t.adr1.as_deref(), Some("Hôtel de Ville"));
    assert_eq!(t.adr2, "place de l'Hôtel de Ville");
    assert_eq!(t.ville, "ST MARTIN DE BIENFAITE LA CRESSONNIERE");
    for value in [&t.nom, &t.adr2, &t.ville] {
        assert!(value.chars().count() <= 38, "{value}");
    }
    // The name split is listed, never silent.
    assert!(
        notes
            .iter()
            .any(|n| n.champ == "Nom" && n.ecrit.contains("Cressonnière"))
    );
    let mut xml = Vec::new();
    write_piece(&mut xml, p).unwrap();
    let xml = String::from_utf8(xml).unwrap();
    for expected in [
        "<IdPce V=\"34\"/>",
        "<TypPce V=\"15\"/>",
        "<NatPce V=\"01\"/>",
        "<Edition V=\"03\"/>",
        "<TypePJ V=\"007\"/>",
        "<NumeroFacture V=\"AC-2027-00034\"/>",
        "<NumeroEngagement V=\"EJ-2027-17\"/>",
        "<CodeService V=\"DSI\"/>",
        "<NomService V=\"Direction des systèmes d&apos;information\"/>",
        "<MtHT V=\"1119.00\"/>",
        "<MtHT V=\"230.50\"/>",
        "<NatIdTiers V=\"01\"/>",
        "<NatJur V=\"09\"/>",
        "<CP V=\"14690\"/>",
        "<CodRes V=\"0\"/>",
    ] {
        assert!(xml.contains(expected), "{expected} in\n{xml}");
    }
    assert!(!xml.contains("<CodServ"), "never CodServ on an ORMC pièce");
    assert_eq!(xml.matches("<Tiers>").count(), 2, "the debtor on each line");
    // The order the XSD wants in BlocPiece.
    let at = |tag: &str| xml.find(tag).unwrap();
    assert!(at("<IdPce") < at("<Edition") && at("<Edition") < at("<PJRef"));
    assert!(at("<PJRef") < at("<NumeroFacture") && at("<NumeroFacture") < at("<NumeroEngagement"));
    assert!(at("<NumeroEngagement") < at("<CodeService") && at("<CodeService") < at("<NomService"));
}

#[test]
fn every_article_without_a_product_code_is_named_with_its_line() {
    let text = GRID_TEXT
        .replace("code_produit = \"AN01\"\n", "")
        .replace("code_produit = \"AN07\"\n", "");
    let g = crate::tariff::Grid::parse(&text).unwrap();
    let e = settings();
    let r = Reglages {
        emetteur: &e,
        siret: "28140001000019",
        grid: &g,
    };
    let dbt = debiteur("Rapilly", "Mairie", "Rapilly");
    let appels = [
        appel(
            "AC-2027-00001",
            1,
            dbt,
            vec![ligne("forfait_metiers", "10")],
        ),
        appel(
            "AC-2027-00002",
            2,
            dbt,
            vec![ligne("certificat", "10"), ligne("forfait_metiers", "1")],
        ),
    ];
    let errors = pieces(&appels, &r).unwrap_err();
    let PesError::SansCodeProduit { articles } = &errors[0] else {
        panic!("{errors:?}");
    };
    let names: Vec<&str> = articles.iter().map(|(c, _)| c.as_str()).collect();
    assert_eq!(names, ["forfait_metiers", "certificat"]);
    let line = |code: &str| {
        text.lines()
            .position(|l| l == format!("code = \"{code}\""))
            .unwrap()
            + 1
    };
    assert_eq!(articles[0].1, line("forfait_metiers"));
    assert_eq!(articles[1].1, line("certificat"));
    assert!(errors[0].to_string().contains("« certificat » (ligne"));
}

#[test]
fn what_the_flow_cannot_carry_is_refused_never_cut() {
    type Expected = fn(&PesError) -> bool;
    let r = reglages();
    let long = "Nom".repeat(30);
    let mut tva = ligne("forfait_metiers", "10");
    tva.montant_tva = m("2");
    let mut no_cp = debiteur("Rapilly", "Mairie", "Rapilly");
    no_cp.code_postal = "1469";
    let cases: [(AppelLot<'_>, Expected); 5] = [
        (
            appel(
                "AC-1",
                1,
                debiteur(&long, "Mairie", "Rapilly"),
                vec![ligne("forfait_metiers", "1")],
            ),
            |e| {
                matches!(
                    e,
                    PesError::TropLong {
                        champ: "Nom",
                        max: 38,
                        ..
                    }
                )
            },
        ),
        (
            appel(
                "AC-2",
                2,
                debiteur("Rapilly", "", "Rapilly"),
                vec![ligne("forfait_metiers", "1")],
            ),
            |e| matches!(e, PesError::Manquant { .. }),
        ),
        (
            appel("AC-3", 3, no_cp, vec![ligne("forfait_metiers", "1")]),
            |e| matches!(e, PesError::CodePostal { .. }),
        ),
        (
            appel("AC-4", 4, debiteur("R", "Mairie", "R"), vec![tva]),
            |e| matches!(e, PesError::Tva { .. }),
        ),
        (
            appel(
                "AC-5",
                5,
                debiteur("R", "Mairie", "R"),
                vec![ligne("forfait_metiers", "0")],
            ),
            |e| matches!(e, PesError::Vide { .. }),
        ),
    ];
    for (a, expected) in cases {
        let errors = pieces(std::slice::from_ref(&a), &r).unwrap_err();
        assert!(errors.iter().any(expected), "{}: {errors:?}", a.numero);
    }
}

#[test]
fn bordereaux_are_split_by_count_and_by_size_in_order() {
    assert_eq!(plan(&[10; 7], 3, 1_000, 0).unwrap(), [0..3, 3..6, 6..7]);
    assert_eq!(plan(&[10; 7], 100, 35, 5).unwrap(), [0..3, 3..6, 6..7]);
    assert_eq!(plan(&[10, 30, 10], 100, 40, 0).unwrap(), [0..2, 2..3]);
    assert_eq!(plan(&[10, 31, 9], 100, 40, 0).unwrap(), [0..1, 1..3]);
    assert_eq!(
        plan(&[], 10, 10, 0).unwrap(),
        Vec::<std::ops::Range<usize>>::new()
    );
    assert_eq!(
        plan(&[10, 50, 10], 100, 40, 0),
        Err(1),
        "one pièce over the cap"
    );
    // Every pièce in exactly one part, none over the caps.
    let sizes: Vec<u64> = (0..500).map(|i| 1 + (i * 37 % 90)).collect();
    for (max_pieces, max_octets) in [(1, 200), (7, 300), (50, 1_000), (1000, 100_000)] {
        let parts = plan(&sizes, max_pieces, max_octets, 10).unwrap();
        let mut next = 0;
        for p in &parts {
            assert_eq!(p.start, next);
            assert!(p.len() <= max_pieces && !p.is_empty());
            assert!(10 + sizes[p.clone()].iter().sum::<u64>() <= max_octets);
            next = p.end;
        }
        assert_eq!(next, sizes.len());
    }
}

/// `n` pseudo-random bytes (xorshift from `seed`): gzip cannot shrink
/// them.
fn pseudo_random(seed: u64, n: usize) -> Vec<u8> {
    let mut x = seed;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x.to_le_bytes()[0]
        })
        .collect()
}

/// `bytes` in base64 by the base64 crate, in lines of 76 characters each
/// ending with a line break, after `out`.
fn in_lines(bytes: &[u8], mut out: Vec<u8>) -> Vec<u8> {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD.encode(bytes);
    for l in b64.as_bytes().chunks(76) {
        out.extend_from_slice(l);
        out.push(b'\n');
    }
    out
}

#[test]
fn the_size_bound_holds_for_incompressible_pdfs() {
    use std::io::Write as _;
    let r = reglages();
    let dbt = debiteur("Rapilly", "Mairie", "Rapilly");
    let (p, _) = pieces(
        &[appel(
            "AC-2027-00001",
            1,
            dbt,
            vec![ligne("forfait_metiers", "1")],
        )],
        &r,
    )
    .unwrap();
    // Pseudo-random bytes: gzip cannot shrink them.
    let pdf = pseudo_random(7, 200_000);
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(1));
    gz.write_all(&pdf).unwrap();
    let gz = gz.finish().unwrap();
    let content = in_lines(&gz, Vec::new());
    let mut xml = Vec::new();
    write_piece(&mut xml, &p[0]).unwrap();
    write_pj(&mut xml, &p[0].pj, &content).unwrap();
    let bound = taille_max(&p[0], pdf.len() as u64);
    assert!(xml.len() as u64 <= bound, "{} > {bound}", xml.len());
    assert!(
        bound - (xml.len() as u64) < 40_000,
        "the bound is not far off"
    );
}

#[test]
fn a_whole_file_is_well_formed_and_in_the_xsd_order() {
    let r = reglages();
    let dbt = debiteur("Rapilly & Cie <test>", "Mairie", "Rapilly");
    let (p, _) = pieces(
        &[appel(
            "AC-2027-00001",
            1,
            dbt,
            vec![ligne("forfait_metiers", "1119")],
        )],
        &r,
    )
    .unwrap();
    let objet = r.objet(2027);
    assert_eq!(
        objet,
        "Cotisations 2027 - Convention Accompagnement numérique"
    );
    let name = nom_fichier("28140001000019", 2027, 12, 1);
    assert_eq!(name, "PESORMC_28140001000019_2027_0000012.xml");
    assert_eq!(
        nom_fichier("28140001000019", 2027, 12, 2),
        "PESORMC_28140001000019_2027_0000012_02.xml",
        "a rôle sent again"
    );
    let e = Entete {
        nom_fic: &name,
        version: "0.1.0",
        date: NaiveDate::from_ymd_opt(2027, 1, 20).unwrap(),
        exercice: 2027,
        reglages: r,
        id_bord: 12,
        nbr_pce: 1,
        total: p[0].total,
        objet: &objet,
    };
    let mut xml = Vec::new();
    write_entete(&mut xml, &e).unwrap();
    write_piece(&mut xml, &p[0]).unwrap();
    write_pj_debut(&mut xml).unwrap();
    write_pj(&mut xml, &p[0].pj, b"SDRzSQ==\n").unwrap();
    write_fin(&mut xml).unwrap();
    let xml = String::from_utf8(xml).unwrap();
    assert!(xml.contains("<Nom V=\"Rapilly &amp; Cie &lt;test&gt;\"/>"));
    assert!(xml.contains("<IdBord V=\"12\"/>"), "no leading zeros");
    assert!(xml.contains("<MtBordHt V=\"1119.00\"/>"));
    assert!(xml.contains("<NomFic V=\"PESORMC_28140001000019_2027_0000012.xml\"/>"));
    assert!(!xml.contains("<MtBordTVA"), "no TVA block without TVA");
    // Balanced: every element opened is closed, in order.
    let mut stack = Vec::new();
    for tag in xml.split('<').skip(1) {
        let tag = tag.split('>').next().unwrap();
        if tag.starts_with('?') || tag.ends_with('/') {
            continue;
        }
        let name = tag.split_whitespace().next().unwrap();
        if let Some(closing) = name.strip_prefix('/') {
            assert_eq!(stack.pop(), Some(closing.to_string()));
        } else {
            stack.push(name.to_string());
        }
    }
    assert!(stack.is_empty());
}

#[test]
fn base64_lines_match_another_encoder_at_every_length_around_a_line() {
    let bytes = pseudo_random(11, 1_000);
    for len in (0..=175).chain([999, 1_000]) {
        let data = &bytes[..len];
        let expected = in_lines(data, b"<".to_vec());
        // Appended to what `out` holds already.
        let mut out = b"<".to_vec();
        base64_lines(data, &mut out);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            String::from_utf8(expected).unwrap(),
            "{len} bytes"
        );
    }
}
