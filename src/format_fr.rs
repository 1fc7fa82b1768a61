//! French display of money, numbers and dates, and the French-number parser
//! shared by the roster and the grid.
//!
//! Used at the edges only (render, ledger, messages). Thousands are grouped
//! with a no-break space (U+00A0) so an amount never wraps across lines.

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;

use crate::money::Montant;

/// The no-break space used between thousands and before « € ».
pub const NBSP: char = '\u{a0}';

/// `1119` → `1 119` (no-break space).
#[must_use]
pub fn integer(n: u64) -> String {
    group_digits(&n.to_string())
}

fn group_digits(digits: &str) -> String {
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 * 2);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(NBSP);
        }
        out.push(c);
    }
    out
}

/// `1119.00` → `1 119,00 €`.
#[must_use]
pub fn montant(m: Montant) -> String {
    let mut s = nombre_2(m.decimal());
    s.push(NBSP);
    s.push('€');
    s
}

/// `1119.00` → `1 119,00` (grouped, two decimals, no currency sign).
#[must_use]
pub fn nombre_2(value: Decimal) -> String {
    let text = format!("{:.2}", value.abs());
    let (int, frac) = text.split_once('.').unwrap_or((&text, "00"));
    let sign = if value.is_sign_negative() && !value.is_zero() {
        "-"
    } else {
        ""
    };
    format!("{sign}{},{frac}", group_digits(int))
}

/// A quantity as finance staff write it: `3`, `0,5`, `1 200` (no trailing zeros).
#[must_use]
pub fn quantite(q: Decimal) -> String {
    let n = q.normalize();
    let text = format!("{}", n.abs());
    let (int, frac) = match text.split_once('.') {
        Some((i, f)) => (i.to_string(), Some(f.to_string())),
        None => (text.clone(), None),
    };
    let sign = if n.is_sign_negative() && !n.is_zero() {
        "-"
    } else {
        ""
    };
    match frac {
        Some(f) => format!("{sign}{},{f}", group_digits(&int)),
        None => format!("{sign}{}", group_digits(&int)),
    }
}

/// A rate in percent: `0` → `0 %`, `5.5` → `5,5 %`.
#[must_use]
pub fn taux(rate: Decimal) -> String {
    format!("{}{NBSP}%", quantite(rate))
}

const MOIS: [&str; 12] = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
];

/// `2027-01-15` → `15 janvier 2027` (« 1er » for the first of the month).
#[must_use]
pub fn date_longue(d: NaiveDate) -> String {
    let day = d.day();
    let month = MOIS[d.month0() as usize];
    if day == 1 {
        format!("1er {month} {}", d.year())
    } else {
        format!("{day} {month} {}", d.year())
    }
}

/// `2027-01-15` → `15/01/2027`.
#[must_use]
pub fn date_courte(d: NaiveDate) -> String {
    d.format("%d/%m/%Y").to_string()
}

/// Parses a date as people type it in France (`15/06/2027`, what Excel
/// writes) or ISO (`2027-06-15`), spaces around it aside: the one date
/// parser of the command line and the roster.
#[must_use]
pub fn parse_date(text: &str) -> Option<NaiveDate> {
    let text = text.trim();
    NaiveDate::parse_from_str(text, "%d/%m/%Y")
        .or_else(|_| NaiveDate::parse_from_str(text, "%Y-%m-%d"))
        .ok()
}

/// Folds a human key for lenient matching: lower case, accents removed,
/// runs of spaces, hyphens, apostrophes and underscores turned into one `_`.
#[must_use]
pub fn fold_key(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pending_sep = false;
    for c in text.trim().chars() {
        let base = fold_char(c);
        match base {
            Some(b) if b.is_ascii_alphanumeric() => {
                if pending_sep && !out.is_empty() {
                    out.push('_');
                }
                pending_sep = false;
                out.push(b.to_ascii_lowercase());
            }
            _ => pending_sep = true,
        }
    }
    out
}

fn fold_char(c: char) -> Option<char> {
    Some(match c {
        'à' | 'â' | 'ä' | 'À' | 'Â' | 'Ä' => 'a',
        'é' | 'è' | 'ê' | 'ë' | 'É' | 'È' | 'Ê' | 'Ë' => 'e',
        'î' | 'ï' | 'Î' | 'Ï' => 'i',
        'ô' | 'ö' | 'Ô' | 'Ö' => 'o',
        'ù' | 'û' | 'ü' | 'Ù' | 'Û' | 'Ü' => 'u',
        'ç' | 'Ç' => 'c',
        'ÿ' | 'Ÿ' => 'y',
        c if c.is_ascii() => c,
        _ => return None,
    })
}

/// Why a French number could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NumberError {
    /// Not a number at all (`abc`, `NaN`, `1e9`, `1,2,3`).
    NotANumber,
    /// More than 28 significant digits.
    TooLarge,
}

/// Parses a number as written in France or in English: surrounding spaces,
/// digit groups separated by spaces (incl. no-break), decimal comma or point.
/// Refuses exponents, `NaN`, `inf` and anything a person would not type.
///
/// # Errors
/// `NumberError` when the text is not a plain decimal number.
pub fn parse_nombre(text: &str) -> Result<Decimal, NumberError> {
    let mut cleaned = String::with_capacity(text.len());
    for c in text.trim().chars() {
        match c {
            ' ' | '\u{a0}' | '\u{202f}' | '\t' => {}
            ',' => cleaned.push('.'),
            '0'..='9' | '.' | '-' | '+' => cleaned.push(c),
            _ => return Err(NumberError::NotANumber),
        }
    }
    let body = cleaned.strip_prefix(['-', '+']).unwrap_or(&cleaned);
    if body.is_empty()
        || body.contains(['-', '+'])
        || body.matches('.').count() > 1
        || body.starts_with('.')
        || body.ends_with('.')
    {
        return Err(NumberError::NotANumber);
    }
    let digits = body.chars().filter(char::is_ascii_digit).count();
    if digits > 28 {
        return Err(NumberError::TooLarge);
    }
    Decimal::from_str_exact(&cleaned).map_err(|_| NumberError::TooLarge)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn formats_money_the_french_way() {
        let m = Montant::round_cent(d("1119"));
        assert_eq!(montant(m), "1\u{a0}119,00\u{a0}€");
        assert_eq!(montant(Montant::round_cent(d("7.5"))), "7,50\u{a0}€");
        assert_eq!(
            montant(Montant::round_cent(d("1234567.891"))),
            "1\u{a0}234\u{a0}567,89\u{a0}€"
        );
        assert_eq!(montant(Montant::ZERO), "0,00\u{a0}€");
        assert_eq!(
            montant(-Montant::round_cent(d("1119"))),
            "-1\u{a0}119,00\u{a0}€"
        );
    }

    #[test]
    fn formats_quantities_without_trailing_zeros() {
        assert_eq!(quantite(d("0.50")), "0,5");
        assert_eq!(quantite(d("3")), "3");
        assert_eq!(quantite(d("1200")), "1\u{a0}200");
    }

    #[test]
    fn formats_dates() {
        let date = NaiveDate::from_ymd_opt(2027, 1, 1).unwrap();
        assert_eq!(date_longue(date), "1er janvier 2027");
        let date = NaiveDate::from_ymd_opt(2027, 8, 15).unwrap();
        assert_eq!(date_longue(date), "15 août 2027");
        assert_eq!(date_courte(date), "15/08/2027");
    }

    #[test]
    fn parses_what_people_type() {
        assert_eq!(parse_nombre(" 1 119,00 ").unwrap(), d("1119.00"));
        assert_eq!(parse_nombre("1\u{a0}119").unwrap(), d("1119"));
        assert_eq!(parse_nombre("0,5").unwrap(), d("0.5"));
        assert_eq!(parse_nombre("0.5").unwrap(), d("0.5"));
        assert_eq!(parse_nombre("-3").unwrap(), d("-3"));
        for bad in [
            "", "abc", "NaN", "1e9", "inf", "1,2,3", "1.2.3", ",5", "5,", "--1", "1-",
        ] {
            assert_eq!(parse_nombre(bad), Err(NumberError::NotANumber), "{bad:?}");
        }
        assert_eq!(
            parse_nombre("99999999999999999999999999999999"),
            Err(NumberError::TooLarge)
        );
    }

    #[test]
    fn folds_keys() {
        assert_eq!(fold_key("Établissement  Public"), "etablissement_public");
        assert_eq!(fold_key("budget-annexe"), "budget_annexe");
        assert_eq!(fold_key(" COMMUNE "), "commune");
    }
}
