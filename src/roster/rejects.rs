//! `rejects.csv`, written by `run --skip-invalid`: the rows of the roster
//! left out, one line each with every reason, for the finance staff to fix.

use std::collections::HashMap;
use std::hash::BuildHasher;

use super::RosterError;
use crate::csv_out::{self, Encoding};

/// `rejects.csv`: one line per rejected roster row, with every reason.
#[must_use]
pub fn rejects_csv<S: BuildHasher>(
    errors: &[RosterError],
    ids: &HashMap<u64, String, S>,
    encoding: Encoding,
) -> Vec<u8> {
    let mut by_line: Vec<(u64, Vec<String>)> = Vec::new();
    for e in errors {
        let reason = match &e.column {
            Some((n, name)) => format!("colonne {n} « {name} » : {}", e.kind),
            None => e.kind.to_string(),
        };
        match by_line.last_mut() {
            Some((line, reasons)) if *line == e.line => reasons.push(reason),
            _ => by_line.push((e.line, vec![reason])),
        }
    }
    let rows = std::iter::once(["ligne".to_string(), "id".into(), "motifs".into()]).chain(
        by_line.into_iter().map(|(line, reasons)| {
            let id = ids.get(&line).map_or("", String::as_str);
            [
                line.to_string(),
                csv_out::text(id).into_owned(),
                csv_out::text(&reasons.join(" | ")).into_owned(),
            ]
        }),
    );
    let rows: Vec<[String; 3]> = rows.collect();
    csv_out::to_bytes(
        b';',
        encoding,
        rows.iter().map(|r| r.iter().map(String::as_str)),
    )
}
