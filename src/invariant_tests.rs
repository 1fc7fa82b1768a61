//! Property tests of the invariants the batch rests on, on random rosters
//! (the benchmark's generator, random sizes and seeds, some rows broken on
//! purpose): every row read is a member or a rejected row; every total is
//! the sum of its lines; numbers are contiguous in roster order and only
//! billable members get one; the streaming paths the batch uses (the row
//! validator fed as the file is read, the summary fed appel by appel)
//! give exactly what the whole-batch paths give; the ledger read back
//! gives the appels' totals.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use proptest::prelude::*;
use rust_decimal::Decimal;

use crate::batch::plan;
use crate::csv_out::{CsvFormat, Encoding};
use crate::money::Montant;
use crate::numbering::{Emission, Outcome};
use crate::roster::{read_and_validate, read_roster, validate_rows};
use crate::summary::{Summary, SummaryBuilder};
use crate::tariff::Grid;

const GRID: &str = include_str!("../input-samples/grille-2027.toml");

fn grid() -> Grid {
    Grid::parse(GRID).unwrap()
}

fn emission() -> Emission {
    Emission {
        exercice: 2027,
        date_emission: NaiveDate::from_ymd_opt(2027, 1, 15).unwrap(),
        date_echeance: NaiveDate::from_ymd_opt(2027, 2, 14).unwrap(),
        mention_tva: None,
        convention: String::new(),
        premier_numero: 1,
        provisoire: false,
    }
}

/// A synthetic roster of `n` members from `seed`, with the rows of
/// `broken` (indices into the data rows) made invalid in various ways.
fn roster(n: u64, seed: u64, broken: &[(usize, u8)]) -> String {
    let mut bytes = Vec::new();
    cotisations_devtools::write_roster(&mut bytes, n, seed).unwrap();
    let text = String::from_utf8(bytes).unwrap();
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    for &(row, how) in broken {
        let Some(line) = lines.get_mut(1 + row % usize::try_from(n.max(1)).unwrap()) else {
            continue;
        };
        let mut cells: Vec<String> = line.split(';').map(String::from).collect();
        if cells.len() < 14 {
            continue; // already cut short: refused as it is
        }
        match how % 5 {
            0 => cells[2] = "syndicat".into(),       // type
            1 => cells[6] = "2114000150001A".into(), // siret with a letter
            2 => cells[13] = "2".into(),             // forfait_metiers = 2
            3 => cells.truncate(5),                  // ragged
            _ => cells[1] = String::new(),           // nom missing
        }
        *line = cells.join(";");
    }
    lines.join("\n") + "\n"
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn rows_read_are_members_or_rejected_and_both_paths_agree(
        n in 0u64..120,
        seed in any::<u64>(),
        broken in proptest::collection::vec((any::<usize>(), any::<u8>()), 0..10),
    ) {
        let g = grid();
        let text = roster(n, seed, &broken);
        let streamed = read_and_validate(text.as_bytes(), None, &g, Some(2027)).unwrap();
        let rejected: BTreeSet<u64> = streamed.errors.iter().map(|e| e.line).collect();
        prop_assert_eq!(streamed.members.len() + rejected.len(), streamed.rows);
        prop_assert_eq!(streamed.rows as u64, n);
        // Every corruption is refused: a broken row never slips through.
        prop_assert_eq!(rejected.is_empty(), broken.is_empty() || n == 0);
        prop_assert!(streamed.members.iter().all(|m| !rejected.contains(&m.line)));
        // The validator fed as the file is read = validating rows read whole.
        let raw = read_roster(text.as_bytes()).unwrap();
        let (members, errors) = validate_rows(&raw, &g, Some(2027)).unwrap();
        prop_assert_eq!(&members, &streamed.members);
        prop_assert_eq!(&errors, &streamed.errors);
    }

    #[test]
    fn totals_are_sums_of_lines_and_numbers_are_contiguous(
        n in 1u64..150,
        seed in any::<u64>(),
        first in 1u32..500,
        chunk in 1usize..40,
    ) {
        let g = grid();
        let text = roster(n, seed, &[]);
        let members = read_and_validate(text.as_bytes(), None, &g, Some(2027)).unwrap().members;
        let e = Emission { premier_numero: first, ..emission() };
        let outcomes = plan(&members, &g, &e).unwrap();
        prop_assert_eq!(outcomes.len(), members.len());
        let mut next = first;
        for o in &outcomes {
            match o {
                Outcome::Billed(a) => {
                    // Numbers follow roster order without gaps.
                    prop_assert_eq!(a.rang, next);
                    prop_assert_eq!(&a.numero, &format!("AC-2027-{next:05}"));
                    next += 1;
                    let ht: Montant = a.lignes.iter().map(|l| l.montant_ht).sum();
                    let tva: Montant = a.lignes.iter().map(|l| l.montant_tva).sum();
                    let ttc: Montant = a.lignes.iter().map(|l| l.montant_ttc).sum();
                    prop_assert_eq!((a.totaux.ht, a.totaux.tva, a.totaux.ttc), (ht, tva, ttc));
                    for l in &a.lignes {
                        prop_assert_eq!(l.montant_ht + l.montant_tva, l.montant_ttc);
                    }
                    prop_assert!(a.totaux.ttc >= g.seuil_recouvrement);
                }
                Outcome::BelowThreshold(_, total) => prop_assert!(*total < g.seuil_recouvrement),
                Outcome::NothingToBill(_) => {}
            }
        }
        // The summary fed chunk by chunk, as the batch does = of the whole.
        let whole = Summary::of(&outcomes, &g, 2027, e.date_emission, e.date_echeance);
        let mut builder = SummaryBuilder::new(&g, 2027, e.date_emission, e.date_echeance);
        for part in outcomes.chunks(chunk) {
            for o in part {
                builder.add(o);
            }
        }
        let streamed = builder.finish();
        prop_assert_eq!(&streamed, &whole);
        let billed: Vec<_> = outcomes.iter().filter_map(Outcome::appel).collect();
        let total: Decimal = billed.iter().map(|a| a.totaux.ttc.decimal()).sum();
        prop_assert_eq!(whole.total_ttc, total);
        prop_assert_eq!(whole.appels_emis, billed.len());
        prop_assert_eq!(
            whole.appels_emis + whole.sans_appel.len() + whole.sous_seuil.len(),
            members.len()
        );
        // The ledger, read back, carries every appel's total.
        for (format, encoding) in [
            (CsvFormat::Francais, Encoding::Utf8),
            (CsvFormat::Rfc4180, Encoding::Utf8Bom),
            (CsvFormat::Francais, Encoding::Windows1252),
        ] {
            let bytes = crate::ledger::ledger_bytes(billed.iter().copied(), format, encoding).unwrap();
            let read = crate::ledger::read::read(&bytes, Some(encoding)).unwrap();
            prop_assert_eq!(read.format, format);
            let lines: usize = billed.iter().map(|a| a.lignes.len()).sum();
            prop_assert_eq!(read.rows.len(), lines);
            let read_total: Decimal = read.rows.iter().map(|r| r.montant_ttc.decimal()).sum();
            prop_assert_eq!(read_total, total);
            for a in &billed {
                let of_appel: Montant = read
                    .rows
                    .iter()
                    .filter(|r| r.numero == a.numero)
                    .map(|r| r.montant_ttc)
                    .sum();
                prop_assert_eq!(of_appel, a.totaux.ttc);
            }
        }
    }
}
