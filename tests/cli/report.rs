//! `rapport.pdf`: the batch report is written with the batch, listed in the
//! manifest, checked by `verify`, and prints the ledger's numbers: its text
//! is read back with lopdf and compared with sums computed here from
//! `ledger.csv`.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs;
use std::path::Path;
use std::str::FromStr;

use rust_decimal::Decimal;
use sha2::{Digest, Sha256};

use crate::util::{Dir, pdf_runs, sample_roster};

/// `1234.5` → `1 234,50 €`, written here independently of the program.
fn euros(d: Decimal) -> String {
    let text = format!("{:.2}", d.round_dp(2));
    let (int, frac) = text.split_once('.').expect("two decimals");
    let mut grouped = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i).is_multiple_of(3) {
            grouped.push(' ');
        }
        grouped.push(c);
    }
    format!("{grouped},{frac} €")
}

/// `1119,00` (French ledger) → 1119.00.
fn dec_fr(text: &str) -> Decimal {
    Decimal::from_str(&text.replace(',', ".")).unwrap_or_else(|e| panic!("{text:?}: {e}"))
}

/// Per tier: distinct appels and total HT; and the grand total TTC, from
/// the ledger's `numero`, `tranche`, `montant_ht` and `montant_ttc`.
struct LedgerSums {
    tranches: BTreeMap<u8, (usize, Decimal)>,
    ttc: Decimal,
    ht: Decimal,
}

fn ledger_sums(path: &Path) -> LedgerSums {
    let bytes = fs::read(path).expect("read the ledger");
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b';')
        .from_reader(bytes.as_slice());
    let headers = reader.headers().expect("ledger header").clone();
    let col = |name: &str| {
        headers
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("no {name} column"))
    };
    let (numero, tranche, ht, ttc) = (
        col("numero"),
        col("tranche"),
        col("montant_ht"),
        col("montant_ttc"),
    );
    let mut numbers: BTreeMap<u8, Vec<String>> = BTreeMap::new();
    let mut sums = LedgerSums {
        tranches: BTreeMap::new(),
        ttc: Decimal::ZERO,
        ht: Decimal::ZERO,
    };
    for r in reader.records() {
        let r = r.expect("ledger row");
        let tranche: u8 = r[tranche].parse().expect("tranche");
        let n = numbers.entry(tranche).or_default();
        if n.last().map(String::as_str) != Some(&r[numero]) {
            n.push(r[numero].to_string());
        }
        sums.tranches.entry(tranche).or_default().1 += dec_fr(&r[ht]);
        sums.ht += dec_fr(&r[ht]);
        sums.ttc += dec_fr(&r[ttc]);
    }
    for (tranche, n) in numbers {
        for x in &n {
            assert!(x.starts_with("AC-"));
        }
        let mut distinct = n.clone();
        distinct.sort();
        distinct.dedup();
        sums.tranches.entry(tranche).or_default().0 = distinct.len();
    }
    sums
}

#[test]
fn the_sample_batch_has_a_report_listed_verified_and_equal_to_the_ledger() {
    let dir = Dir::new();
    dir.run_roster(&sample_roster(), "lot").run().batch_ok();
    let out = dir.lot("lot");
    let report = out.join("rapport.pdf");
    assert!(report.is_file(), "rapport.pdf missing");
    let bytes = fs::read(&report).unwrap();
    assert!(bytes.starts_with(b"%PDF-"));

    // Listed in the manifest with its hash, like summary.json.
    let manifest: serde_json::Value =
        serde_json::from_slice(&fs::read(out.join("manifest.json")).unwrap()).unwrap();
    let listed = manifest["fichiers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["chemin"] == "rapport.pdf")
        .expect("rapport.pdf in manifest.json");
    let hash = Sha256::digest(&bytes)
        .iter()
        .fold(String::new(), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        });
    assert_eq!(listed["sha256"], hash.as_str());
    dir.cmd(["verify"]).arg(&out).run().code(0);

    // Its numbers are the ledger's.
    let sums = ledger_sums(&out.join("ledger.csv"));
    assert_eq!(
        sums.tranches.len(),
        8,
        "the sample covers the eight tranches"
    );
    let pages = pdf_runs(&report);
    let runs: Vec<String> = pages.iter().flatten().cloned().collect();
    let text = runs.join("\n");
    for (tranche, (count, ht)) in &sums.tranches {
        let label = if *tranche == 8 {
            "T8 *".to_string()
        } else {
            format!("T{tranche}")
        };
        let i = runs
            .iter()
            .position(|r| *r == label)
            .unwrap_or_else(|| panic!("{label} row missing: {text}"));
        assert_eq!(runs[i + 3], count.to_string(), "{label}: appels");
        assert_eq!(runs[i + 4], euros(*ht), "{label}: total HT");
    }
    let after = |label: &str| {
        let i = runs
            .iter()
            .position(|r| r == label)
            .unwrap_or_else(|| panic!("{label} missing: {text}"));
        runs[i + 1].clone()
    };
    assert_eq!(after("Total TTC"), euros(sums.ttc));
    assert_eq!(after("Total HT"), euros(sums.ht));
    let appels: usize = sums.tranches.values().map(|t| t.0).sum();
    assert_eq!(after("Appels émis"), appels.to_string());
    assert_eq!(
        manifest["total_ttc"].as_str().map(Decimal::from_str),
        Some(Ok(sums.ttc))
    );
    let n = pages.len();
    assert!(n >= 2, "{n} pages");
    for (i, page) in pages.iter().enumerate() {
        assert!(page.contains(&format!("Page {} / {n}", i + 1)));
    }
}

#[test]
fn an_altered_report_fails_verification() {
    let dir = Dir::new();
    dir.run_roster(&sample_roster(), "lot").run().batch_ok();
    let report = dir.join("lot/entrees/0001-AC/rapport.pdf");
    let mut bytes = fs::read(&report).unwrap();
    bytes.extend_from_slice(b"\n% retouche\n");
    fs::write(&report, bytes).unwrap();
    dir.cmd(["verify"])
        .arg(dir.join("lot"))
        .run()
        .code(8)
        .stderr_has(&["rapport.pdf"]);
    fs::remove_file(&report).unwrap();
    dir.cmd(["verify"])
        .arg(dir.join("lot"))
        .run()
        .code(8)
        .stderr_has(&["« rapport.pdf » est manquant"]);
}
