//! Property tests: no input makes the roster reader, the roster validator,
//! the grid parser or the number parser panic. Failing cases found by
//! proptest are kept in `proptest-regressions/` and replayed first; the
//! hand-picked nasty inputs below are the committed seed corpus.

use proptest::prelude::*;

use crate::format_fr::parse_nombre;
use crate::pricing::price;
use crate::roster::{read_roster, validate};
use crate::tariff::Grid;

const GRID: &str = include_str!("../input-samples/grille-2027.toml");
const ROSTER: &str = include_str!("../input-samples/roster.csv");

/// Cells that have broken CSV importers before.
const NASTY: &[&str] = &[
    "",
    " ",
    "0",
    "1",
    "-1",
    "-0",
    "0,5",
    "0.5",
    "1 119",
    "1\u{a0}119",
    "NaN",
    "nan",
    "inf",
    "-inf",
    "1e9",
    "1E9",
    "0x10",
    "+1",
    "--1",
    "1,2,3",
    "1.2.3",
    ",",
    ".",
    "9999999999999999999999999999",
    "99999999999999999999999999999999999",
    "0,0000000000000000000000000001",
    "\"",
    "\"\"",
    ";",
    ",",
    "\n",
    "\r\n",
    "é",
    "€",
    "\u{feff}",
    "\u{0}",
    "oui",
    "non",
    "commune",
    "EP",
    "ba",
    "\u{202e}abc",
];

fn grid() -> Grid {
    Grid::parse(GRID).unwrap()
}

/// Runs the whole core on a roster text; must never panic.
fn exercise(bytes: &[u8], grid: &Grid) {
    if let Ok(members) = read_roster(bytes).map(|raw| validate(&raw, grid)) {
        for m in members.iter().flatten() {
            let _ = price(m, grid);
        }
    }
}

#[test]
fn seed_corpus_never_panics() {
    let g = grid();
    let header = ROSTER.lines().next().unwrap();
    let columns = header.split(';').count();
    for (i, cell) in NASTY.iter().enumerate() {
        for col in 0..columns {
            let mut cells: Vec<String> = ROSTER
                .lines()
                .nth(1)
                .unwrap()
                .split(';')
                .map(String::from)
                .collect();
            cells[col] = format!("\"{}\"", cell.replace('"', "\"\""));
            let text = format!("{header}\n{}\n", cells.join(";"));
            exercise(text.as_bytes(), &g);
            let raw_cell = format!("{header}\n{}\n", {
                let mut c = cells.clone();
                c[col] = (*cell).to_string();
                c.join(";")
            });
            exercise(raw_cell.as_bytes(), &g);
        }
        let _ = parse_nombre(NASTY[i]);
    }
    // A 1 MB cell, a ragged file, only delimiters, a lone quote.
    let big = format!("{header}\nA;{};commune\n", "x".repeat(1 << 20));
    exercise(big.as_bytes(), &g);
    for text in [
        "\"",
        ";;;;\n;;;",
        "id\n\"unterminated",
        "\u{feff}",
        "\r\n\r\n",
    ] {
        exercise(text.as_bytes(), &g);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn any_bytes_as_roster(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        exercise(&bytes, &grid());
    }

    #[test]
    fn mutated_sample_roster(
        edits in proptest::collection::vec((0usize..4000, prop::sample::select(NASTY)), 1..8)
    ) {
        let mut text = ROSTER.to_string();
        for (pos, insert) in edits {
            let mut at = pos.min(text.len());
            while !text.is_char_boundary(at) {
                at -= 1;
            }
            text.insert_str(at, insert);
        }
        exercise(text.as_bytes(), &grid());
    }

    #[test]
    fn sample_rows_with_random_cells(
        cells in proptest::collection::vec(prop::sample::select(NASTY), 45)
    ) {
        let header = ROSTER.lines().next().unwrap();
        let row: Vec<String> = cells.iter().map(|c| format!("\"{}\"", c.replace('"', "\"\""))).collect();
        let text = format!("{header}\n{}\n", row.join(";"));
        exercise(text.as_bytes(), &grid());
    }

    #[test]
    fn mutated_grid(
        line in 0usize..400,
        replacement in prop::sample::select(vec![
            "", "prix = 1.5", "prix = \"-1\"", "numero = 0", "population_min = -5",
            "[[tranches.liste]]", "[[articles]]", "prix_tranches = []", "non_affiliee = 0",
            "exclut = [\"x\"]", "meme_prix_que = \"parapheur\"", "taux_tva = \"200\"",
            "quantite = 3", "code = \"\"", "prix = \"99999999999999999999999999999\"",
        ])
    ) {
        let mut lines: Vec<&str> = GRID.lines().collect();
        if line < lines.len() {
            lines[line] = replacement;
        }
        let text = lines.join("\n");
        if let Ok(g) = Grid::parse(&text) {
            exercise(ROSTER.as_bytes(), &g);
        }
    }

    #[test]
    fn any_text_as_grid(text in ".{0,400}") {
        let _ = Grid::parse(&text);
    }

    #[test]
    fn any_text_as_number(text in ".{0,40}") {
        let _ = parse_nombre(&text);
    }

    #[test]
    fn french_numbers_round_trip(int in 0u64..10_000_000, cents in 0u32..100) {
        let text = format!("{},{cents:02}", crate::format_fr::integer(int));
        let parsed = parse_nombre(&text).unwrap();
        prop_assert_eq!(parsed * rust_decimal::Decimal::ONE_HUNDRED, rust_decimal::Decimal::from(int * 100 + u64::from(cents)));
    }
}
