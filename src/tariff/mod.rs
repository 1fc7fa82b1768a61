//! The tariff grid: tiers, items, prices and rules, read from a TOML file
//! that finance staff edit each year.
//!
//! `raw` mirrors the TOML with serde; `grid` validates it into a `Grid`
//! (every error, with its position). Never reads the roster; no file I/O.

pub mod grid;
pub mod raw;

pub use grid::{Grid, GridError, GridErrorKind, Item, Pricing, Prorata, QuantityKind, Tranche};

/// 1-based (line, column) of a byte offset in `text`; column counts chars.
#[must_use]
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before.get(line_start..).map_or(0, |s| s.chars().count()) + 1;
    (line, column)
}

/// Turns the TOML parser's English message into French for finance staff.
#[must_use]
pub fn toml_message_fr(message: &str) -> String {
    let message = message.trim();
    let ticked = |s: &str| -> Option<String> {
        let start = s.find('`')?;
        let rest = s.get(start + 1..)?;
        let end = rest.find('`')?;
        rest.get(..end).map(str::to_string)
    };
    if message.starts_with("missing field")
        && let Some(f) = ticked(message)
    {
        return format!("le champ obligatoire « {f} » est absent : ajoutez-le");
    }
    if message.starts_with("unknown field")
        && let Some(f) = ticked(message)
    {
        let expected = message
            .split_once("expected")
            .map(|(_, e)| {
                e.trim()
                    .trim_start_matches("one of")
                    .trim()
                    .replace('`', "")
            })
            .unwrap_or_default();
        return format!(
            "champ inconnu « {f} » : vérifiez l'orthographe (champs possibles : {expected})"
        );
    }
    if message.starts_with("invalid type") {
        return format!("type de valeur inattendu ({message}) : vérifiez guillemets et crochets");
    }
    if message.starts_with("duplicate key") {
        return format!("clé en double ({message}) : chaque champ ne doit apparaître qu'une fois");
    }
    format!("syntaxe TOML invalide ({message})")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_chars() {
        let text = "ab\ncdé\nf";
        assert_eq!(line_col(text, 0), (1, 1));
        assert_eq!(line_col(text, 3), (2, 1));
        assert_eq!(line_col(text, 7), (2, 4));
        assert_eq!(line_col(text, 100), (3, 2));
    }

    #[test]
    fn translates_missing_field() {
        assert_eq!(
            toml_message_fr("missing field `prix`"),
            "le champ obligatoire « prix » est absent : ajoutez-le"
        );
    }
}
