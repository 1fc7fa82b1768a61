//! Public-sector compliance: the recovery threshold, Chorus Pro references.

use std::fs;
use std::str::FromStr;

use rust_decimal::Decimal;

use crate::util::{Dir, sample_grid_altered};

const HEAD: &str = "id;nom;type;population;agents;siret;adresse;code_postal;ville;code_service;engagement;certificat;messagerie_quota_10go;nom_domaine";

#[test]
fn members_below_the_recovery_threshold_get_no_appel_and_are_listed() {
    let dir = Dir::new();
    let roster = dir.write_roster(
        "r.csv",
        HEAD,
        &[
            "A;Ablon;commune;1166;;21140001500015;Mairie;14600;Ablon;;;1;;",
            "B;Agy;commune;320;;21140001500007;Mairie;14400;Agy;;;;2;",
            "C;Amayé-sur-Orne;commune;1079;;21140001500023;Mairie;14210;Amayé;;;;;1",
        ],
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
    let mut pdfs: Vec<String> = fs::read_dir(dir.join("lot/entrees/0001-AC/appels"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    pdfs.sort();
    // 15,00 € exactly is billed; numbers stay contiguous.
    assert_eq!(pdfs, vec!["AC-2027-00001_A.pdf", "AC-2027-00002_C.pdf"]);
    let csv = fs::read_to_string(dir.join("lot/entrees/0001-AC/sous-seuil.csv")).unwrap();
    assert_eq!(
        csv,
        "ligne;membre_id;membre_nom;siret;montant_ttc\r\n3;B;Agy;21140001500007;10,00\r\n"
    );
    let summary: serde_json::Value =
        serde_json::from_slice(&fs::read(dir.join("lot/entrees/0001-AC/summary.json")).unwrap())
            .unwrap();
    assert_eq!(summary["total_sous_seuil"], "10.00");
    assert_eq!(summary["seuil_recouvrement"], "15.00");
    assert!(
        !fs::read_to_string(dir.join("lot/entrees/0001-AC/ledger.csv"))
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
        sample_grid_altered(
            "seuil_recouvrement = \"15,00\"",
            "seuil_recouvrement = \"5,00\"",
        ),
    );
    let roster = dir.write_roster(
        "r.csv",
        HEAD,
        &["B;Agy;commune;320;;21140001500007;;;;;;;2;"],
    );
    dir.run_batch(&roster, &grid, "lot").run().batch_ok();
    assert!(
        dir.join("lot/entrees/0001-AC/appels/AC-2027-00001_B.pdf")
            .is_file()
    );
}

#[test]
fn a_member_requiring_an_engagement_number_without_one_is_rejected() {
    let dir = Dir::new();
    let grid = dir.write(
        "g.toml",
        sample_grid_altered(
            "engagement_obligatoire = []",
            "engagement_obligatoire = [\"A\"]",
        ),
    );
    let roster = dir.write_roster(
        "r.csv",
        HEAD,
        &["A;Ablon;commune;1166;;21140001500015;;;;;;1;;"],
    );
    dir.run_batch(&roster, &grid, "lot")
        .run()
        .code(4)
        .stderr_has(&[
            "ligne 2, colonne 11 (K) « engagement »",
            "numéro d'engagement",
        ]);
    assert!(!dir.join("lot").exists());
    let roster = dir.write_roster(
        "r2.csv",
        HEAD,
        &["A;Ablon;commune;1166;;21140001500015;;;;FIN;EJ-2027-1;1;;"],
    );
    dir.run_batch(&roster, &grid, "lot").run().batch_ok();
}

/// The `factur-x.xml` embedded in a PDF, through the catalog's name tree.
pub(crate) fn embedded_xml(pdf: &[u8]) -> Option<String> {
    let doc = lopdf::Document::load_mem(pdf).expect("a readable PDF");
    let catalog = doc.catalog().ok()?;
    let names = catalog.get(b"Names").ok()?.as_dict().ok()?;
    let tree = names.get(b"EmbeddedFiles").ok()?.as_dict().ok()?;
    let entries = tree.get(b"Names").ok()?.as_array().ok()?;
    assert_eq!(entries[0].as_str().ok()?, b"factur-x.xml");
    let spec = doc.get_dictionary(entries[1].as_reference().ok()?).ok()?;
    let ef = spec.get(b"EF").ok()?.as_dict().ok()?;
    let stream = doc
        .get_object(ef.get(b"F").ok()?.as_reference().ok()?)
        .ok()?
        .as_stream()
        .ok()?;
    String::from_utf8(stream.decompressed_content().ok()?).ok()
}

/// Every value of `<ram:TAG ...>value</ram:TAG>` in document order.
fn values<'a>(xml: &'a str, tag: &str) -> Vec<&'a str> {
    let open = format!("<ram:{tag}");
    let close = format!("</ram:{tag}>");
    let mut out = Vec::new();
    let mut rest = xml;
    while let Some(i) = rest.find(&open) {
        let after = &rest[i + open.len()..];
        let Some(gt) = after.find('>') else { break };
        let body = &after[gt + 1..];
        let Some(end) = body.find(&close) else { break };
        out.push(&body[..end]);
        rest = &body[end..];
    }
    out
}

#[test]
fn every_sample_appel_embeds_factur_x_whose_amounts_equal_the_ledger() {
    use rust_decimal::Decimal;
    use std::collections::BTreeMap;
    use std::str::FromStr;

    let dir = Dir::new();
    dir.run_roster(&crate::util::sample_roster(), "lot")
        .run()
        .batch_ok();
    // Ledger: per appel, the line amounts (HT) in order and the total (TTC).
    let ledger = fs::read_to_string(dir.join("lot/entrees/0001-AC/ledger.csv")).unwrap();
    let mut by_appel: BTreeMap<String, (Vec<Decimal>, Decimal)> = BTreeMap::new();
    for row in ledger.lines().skip(1) {
        let f: Vec<&str> = row.split(';').collect();
        let n = |s: &str| Decimal::from_str(&s.replace(',', ".")).unwrap();
        let e = by_appel.entry(f[1].to_string()).or_default();
        e.0.push(n(f[14]));
        e.1 += n(f[17]);
    }
    let mut seen = 0;
    for entry in fs::read_dir(dir.join("lot/entrees/0001-AC/appels")).unwrap() {
        let path = entry.unwrap().path();
        let xml = embedded_xml(&fs::read(&path).unwrap()).expect("factur-x.xml embedded");
        let numero = values(&xml, "ID")[1].to_string(); // [0] is the guideline
        let (lines, total) = &by_appel[&numero];
        let d = |s: &str| Decimal::from_str(s).unwrap();
        let xml_lines: Vec<Decimal> = values(&xml, "LineTotalAmount")
            .iter()
            .map(|v| d(v))
            .collect();
        // Line totals, then the header's LineTotalAmount (sum of lines).
        assert_eq!(&xml_lines[..lines.len()], &lines[..], "{numero}");
        assert_eq!(
            xml_lines[lines.len()],
            lines.iter().sum::<Decimal>(),
            "{numero}"
        );
        assert_eq!(d(values(&xml, "GrandTotalAmount")[0]), *total, "{numero}");
        assert_eq!(d(values(&xml, "DuePayableAmount")[0]), *total, "{numero}");
        assert!(xml.contains("<ram:TypeCode>380</ram:TypeCode>"));
        seen += 1;
    }
    assert_eq!(seen, by_appel.len());

    // --format pdf: plain PDFs, no embedded invoice.
    dir.run_roster(&crate::util::sample_roster(), "plain")
        .args(["--format", "pdf"])
        .run()
        .batch_ok();
    let one = fs::read_dir(dir.join("plain/entrees/0001-AC/appels"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    assert!(embedded_xml(&fs::read(one).unwrap()).is_none());
}

#[test]
fn code_service_and_engagement_reach_the_factur_x_xml() {
    let dir = Dir::new();
    let roster = dir.write_roster(
        "r.csv",
        HEAD,
        &["A;Ablon;commune;1166;;21140001500015;Mairie;14600;Ablon;FIN-INFO;EJ-2027-42;1;;"],
    );
    dir.run_roster(&roster, "lot").run().batch_ok();
    let xml = embedded_xml(
        &fs::read(dir.join("lot/entrees/0001-AC/appels/AC-2027-00001_A.pdf")).unwrap(),
    )
    .unwrap();
    assert_eq!(values(&xml, "BuyerReference"), vec!["FIN-INFO"]);
    assert_eq!(values(&xml, "IssuerAssignedID"), vec!["EJ-2027-42"]);
    assert!(xml.contains("<ram:ID schemeID=\"0009\">21140001500015</ram:ID>"));
}

/// Each line item of `xml`: (quantity, net price, allowances, line net).
fn line_items(xml: &str) -> Vec<(Decimal, Decimal, Decimal, Decimal)> {
    let dec = |s: &str| Decimal::from_str(s).unwrap_or_else(|e| panic!("{s}: {e}"));
    xml.split("<ram:IncludedSupplyChainTradeLineItem>")
        .skip(1)
        .map(|item| {
            let item = item
                .split("</ram:IncludedSupplyChainTradeLineItem>")
                .next()
                .unwrap();
            let one = |tag: &str| dec(values(item, tag)[0]);
            let allowances: Decimal = values(item, "ActualAmount").into_iter().map(dec).sum();
            (
                one("BilledQuantity"),
                one("ChargeAmount"),
                allowances,
                one("LineTotalAmount"),
            )
        })
        .collect()
}

#[test]
fn prorated_lines_say_what_they_bill_in_the_factur_x_xml() {
    let dir = Dir::new();
    let roster = dir.write_roster(
        "r.csv",
        "id;nom;type;population;siret;date_adhesion;forfait_metiers;certificat;formation_jours",
        &["A;Ablon;commune;1166;21140001500015;15/06/2027;1;2;1"],
    );
    dir.run_roster(&roster, "lot").run().batch_ok();
    let pdf = dir.join("lot/entrees/0001-AC/appels/AC-2027-00001_A.pdf");
    let xml = embedded_xml(&fs::read(&pdf).unwrap()).unwrap();
    let items = line_items(&xml);
    // 2 728,00 × 7/12 = 1 591,33; 2 × 80,00 × 7/12 = 93,33; the day is
    // not prorated.
    let d = |s: &str| Decimal::from_str(s).unwrap();
    assert_eq!(
        items,
        vec![
            (d("1"), d("2728.00"), d("1136.67"), d("1591.33")),
            (d("2"), d("80.00"), d("66.67"), d("93.33")),
            (d("1"), d("400.00"), d("0"), d("400.00")),
        ]
    );
    // EN 16931: net = quantity × price − allowances, exactly, on every line.
    for (q, p, a, net) in &items {
        assert_eq!(q * p - a, *net, "{xml}");
    }
    assert!(xml.contains("prorata de 7/12 mois</ram:Reason>"), "{xml}");
    // The credit note of that appel holds the same arithmetic.
    dir.cmd(["avoir"])
        .arg(dir.join("lot"))
        .args([
            "--membre",
            "A",
            "--motif",
            "Erreur",
            "--date-emission",
            "2027-07-01",
        ])
        .run()
        .code(0);
    let xml = embedded_xml(
        &fs::read(dir.join("lot/entrees/0002-AV/avoirs/AV-2027-00001_A.pdf")).unwrap(),
    )
    .unwrap();
    for (q, p, a, net) in line_items(&xml) {
        assert_eq!(q * p - a, net, "{xml}");
    }
}
