//! The one reader of ledgers (`ledger.csv`), for every command that reads
//! one back: `verify` (totals per appel), `avoir` (an appel's lines as
//! billed) and `compare` (two exercices, per member and item).
//!
//! Reads either dialect (`;` and decimal comma, or RFC 4180), detected on
//! the header line, and any encoding the program writes: the one the
//! batch's manifest records, or, for a ledger given alone (`compare`),
//! UTF-8 with or without BOM or Windows-1252 (never a mix). Columns are
//! found by name; text cells are given back as they were before the
//! spreadsheet-safe apostrophe (`csv_out::plain`). Pure: bytes in, rows out.

use std::borrow::Cow;
use std::fmt;

use rust_decimal::Decimal;

use crate::csv_out::{self, CsvFormat, Encoding};
use crate::format_fr::parse_nombre;
use crate::money::Montant;

/// Columns every ledger has: what identifies a line and its amounts.
pub const REQUIRED: [&str; 8] = [
    "numero",
    "membre_id",
    "membre_nom",
    "tranche",
    "code",
    "prix_unitaire",
    "montant_ht",
    "montant_ttc",
];

/// Largest amount accepted on a line: far above any real appel, low enough
/// that every sum is exact.
fn max_amount() -> Decimal {
    Decimal::new(1_000_000_000_000, 0)
}

/// One line of a ledger, as billed. Columns a ledger lacks (an older or a
/// hand-made one: only `REQUIRED` are) read as empty text or zero.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// 1-based line in the file (the header is line 1).
    pub line: u64,
    pub exercice: String,
    pub numero: String,
    pub membre_id: String,
    pub membre_nom: String,
    pub tranche: String,
    pub code: String,
    pub libelle: String,
    pub quantite: Decimal,
    pub unite: String,
    pub prix_unitaire: Montant,
    pub montant_ht: Montant,
    pub taux_tva: Decimal,
    pub montant_tva: Montant,
    pub montant_ttc: Montant,
    pub imputation: String,
}

/// A ledger as read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Read {
    pub format: CsvFormat,
    /// The header's column names, in order.
    pub columns: Vec<String>,
    pub rows: Vec<Row>,
}

impl Read {
    /// The columns of `names` the header lacks.
    #[must_use]
    pub fn missing<'n>(&self, names: &[&'n str]) -> Vec<&'n str> {
        names
            .iter()
            .copied()
            .filter(|n| !self.columns.iter().any(|c| c == n))
            .collect()
    }
}

/// Why a ledger cannot be read, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerError {
    /// 1-based line, when the problem is on one.
    pub line: Option<u64>,
    pub kind: LedgerErrorKind,
}

/// What is wrong in a ledger.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LedgerErrorKind {
    /// No header line.
    Empty,
    /// Not in the encoding expected (or two mixed).
    Encoding,
    /// The CSV structure is broken.
    Csv { reason: String },
    /// The header lacks columns every ledger has.
    MissingColumns { names: Vec<&'static str> },
    /// A line with more or fewer cells than the header.
    FieldCount { found: usize, expected: usize },
    /// A cell that may not be empty.
    EmptyCell { column: &'static str },
    /// A number or an amount that cannot be read.
    NotANumber { column: &'static str, value: String },
    /// An amount beyond `max_amount`.
    TooLarge { column: &'static str, value: String },
    /// An amount with a fraction of a cent.
    FractionOfCent { column: &'static str, value: String },
}

impl fmt::Display for LedgerErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use LedgerErrorKind as K;
        match self {
            K::Empty => write!(
                f,
                "le fichier est vide : ce n'est pas un journal produit par « cotisations run »"
            ),
            K::Encoding => write!(
                f,
                "encodage illisible (deux encodages mélangés, ou pas celui qu'indique le manifeste)"
            ),
            K::Csv { reason } => write!(f, "CSV illisible ({reason})"),
            K::MissingColumns { names } => write!(
                f,
                "en-tête de journal comptable attendu, colonne{} absente{} : {} ; est-ce bien le ledger.csv d'un lot ?",
                if names.len() > 1 { "s" } else { "" },
                if names.len() > 1 { "s" } else { "" },
                names.join(", ")
            ),
            K::FieldCount { found, expected } => write!(
                f,
                "{found} champs au lieu de {expected} (séparateur ou guillemet en trop ou manquant ?)"
            ),
            K::EmptyCell { column } => write!(f, "{column} vide"),
            K::NotANumber { column, value } => write!(
                f,
                "{column} « {value} » illisible : attendu un montant comme 1 119,00 (virgule ou point décimal)"
            ),
            K::TooLarge { column, value } => write!(f, "{column} « {value} » hors limites"),
            K::FractionOfCent { column, value } => write!(
                f,
                "{column} « {value} » a plus de deux décimales : un montant s'arrête au centime"
            ),
        }
    }
}

impl fmt::Display for LedgerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(l) => write!(f, "ligne {l} : {}", self.kind),
            None => write!(f, "{}", self.kind),
        }
    }
}

fn at(line: u64, kind: LedgerErrorKind) -> LedgerError {
    LedgerError {
        line: Some(line),
        kind,
    }
}

/// The text of a ledger: in `encoding` when the manifest says, else as
/// the roster's reader decodes (BOM, UTF-8, or Windows-1252 alone).
fn text(bytes: &[u8], encoding: Option<Encoding>) -> Result<Cow<'_, str>, LedgerError> {
    let whole = |kind| LedgerError { line: None, kind };
    match encoding {
        Some(e) => e
            .decode(bytes)
            .map_err(|_| whole(LedgerErrorKind::Encoding)),
        None => crate::roster::read::decode(bytes)
            .map(|(text, _)| text)
            .map_err(|_| whole(LedgerErrorKind::Encoding)),
    }
}

/// Where each known column is in the header.
struct Columns {
    exercice: Option<usize>,
    numero: usize,
    membre_id: usize,
    membre_nom: usize,
    tranche: usize,
    code: usize,
    libelle: Option<usize>,
    quantite: Option<usize>,
    unite: Option<usize>,
    prix_unitaire: usize,
    montant_ht: usize,
    taux_tva: Option<usize>,
    montant_tva: Option<usize>,
    montant_ttc: usize,
    imputation: Option<usize>,
}

impl Columns {
    fn find(header: &[String]) -> Result<Columns, LedgerError> {
        let col = |name: &str| header.iter().position(|h| h == name);
        let missing: Vec<&'static str> =
            REQUIRED.into_iter().filter(|n| col(n).is_none()).collect();
        if !missing.is_empty() {
            return Err(at(1, LedgerErrorKind::MissingColumns { names: missing }));
        }
        // Every REQUIRED column exists (checked above).
        let req = |name: &str| col(name).unwrap_or_default();
        Ok(Columns {
            exercice: col("exercice"),
            numero: req("numero"),
            membre_id: req("membre_id"),
            membre_nom: req("membre_nom"),
            tranche: req("tranche"),
            code: req("code"),
            libelle: col("libelle"),
            quantite: col("quantite"),
            unite: col("unite"),
            prix_unitaire: req("prix_unitaire"),
            montant_ht: req("montant_ht"),
            taux_tva: col("taux_tva"),
            montant_tva: col("montant_tva"),
            montant_ttc: req("montant_ttc"),
            imputation: col("imputation"),
        })
    }
}

/// One number cell (a quantity, a rate); empty reads as `empty`.
fn number(
    column: &'static str,
    cell: &str,
    line: u64,
    empty: Decimal,
) -> Result<Decimal, LedgerError> {
    if cell.is_empty() {
        return Ok(empty);
    }
    parse_nombre(cell).map_err(|_| {
        at(
            line,
            LedgerErrorKind::NotANumber {
                column,
                value: cell.to_string(),
            },
        )
    })
}

/// One amount cell: whole cents, within `max_amount`, never empty.
fn amount(column: &'static str, cell: &str, line: u64) -> Result<Montant, LedgerError> {
    if cell.is_empty() {
        return Err(at(line, LedgerErrorKind::EmptyCell { column }));
    }
    let value = cell.to_string();
    let n = parse_nombre(cell).map_err(|_| {
        at(
            line,
            LedgerErrorKind::NotANumber {
                column,
                value: value.clone(),
            },
        )
    })?;
    if n.abs() > max_amount() {
        return Err(at(line, LedgerErrorKind::TooLarge { column, value }));
    }
    Montant::from_exact_cents(n)
        .ok_or_else(|| at(line, LedgerErrorKind::FractionOfCent { column, value }))
}

/// Reads a ledger (see the module's doc).
///
/// # Errors
/// An empty or undecodable file, a header without the `REQUIRED` columns,
/// a line with a wrong number of cells, an empty member id, code or
/// amount, an unreadable, huge or sub-cent amount: the first one, with its
/// line.
pub fn read(bytes: &[u8], encoding: Option<Encoding>) -> Result<Read, LedgerError> {
    let mut rows = Vec::new();
    let (format, columns) = read_each(bytes, encoding, |row| rows.push(row))?;
    Ok(Read {
        format,
        columns,
        rows,
    })
}

/// `read`, handing each row to `each` as it is read instead of keeping
/// them (a lot of 35 000 appels has 200 000 rows); returns the format and
/// the header's columns.
///
/// # Errors
/// Those of `read`.
pub fn read_each(
    bytes: &[u8],
    encoding: Option<Encoding>,
    mut each: impl FnMut(Row),
) -> Result<(CsvFormat, Vec<String>), LedgerError> {
    let text = text(bytes, encoding)?;
    if text.trim().is_empty() {
        return Err(LedgerError {
            line: None,
            kind: LedgerErrorKind::Empty,
        });
    }
    let format = if crate::roster::read::detect_delimiter(&text) == b',' {
        CsvFormat::Rfc4180
    } else {
        CsvFormat::Francais
    };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(format.delimiter())
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let lines = crate::roster::read::Lines::new(&text);
    let csv_error = |e: &csv::Error| {
        let line = e.position().map_or(0, |p| lines.line_of(p.byte()));
        at(
            line,
            LedgerErrorKind::Csv {
                reason: crate::reasons::csv_reason_fr(e),
            },
        )
    };
    let mut records = reader.records();
    let header: Vec<String> = match records.next() {
        Some(r) => r
            .map_err(|e| csv_error(&e))?
            .iter()
            .map(|c| c.trim().to_string())
            .collect(),
        None => {
            return Err(LedgerError {
                line: None,
                kind: LedgerErrorKind::Empty,
            });
        }
    };
    let c = Columns::find(&header)?;
    for record in records {
        let record = record.map_err(|e| csv_error(&e))?;
        let line = record.position().map_or(0, |p| lines.line_of(p.byte()));
        each(row(&record, &header, &c, line)?);
    }
    Ok((format, header))
}

/// One data line of the ledger.
fn row(
    record: &csv::StringRecord,
    header: &[String],
    c: &Columns,
    line: u64,
) -> Result<Row, LedgerError> {
    // A stray delimiter shifts the columns: refuse rather than misread.
    let n = record.len();
    if n < header.len() || record.iter().skip(header.len()).any(|f| !f.is_empty()) {
        return Err(at(
            line,
            LedgerErrorKind::FieldCount {
                found: n,
                expected: header.len(),
            },
        ));
    }
    let cell = |i: usize| csv_out::plain(record.get(i).unwrap_or_default().trim());
    let opt = |i: Option<usize>| i.map_or("", cell);
    let required = |column: &'static str, i: usize| {
        let v = cell(i);
        if v.is_empty() {
            Err(at(line, LedgerErrorKind::EmptyCell { column }))
        } else {
            Ok(v.to_string())
        }
    };
    let zero = |column: &'static str, i: Option<usize>| match i {
        Some(i) if !cell(i).is_empty() => amount(column, cell(i), line),
        _ => Ok(Montant::ZERO),
    };
    Ok(Row {
        line,
        exercice: opt(c.exercice).to_string(),
        numero: cell(c.numero).to_string(),
        membre_id: required("membre_id", c.membre_id)?,
        membre_nom: cell(c.membre_nom).to_string(),
        tranche: cell(c.tranche).to_string(),
        code: required("code", c.code)?,
        libelle: opt(c.libelle).to_string(),
        quantite: number("quantite", opt(c.quantite), line, Decimal::ONE)?,
        unite: opt(c.unite).to_string(),
        prix_unitaire: amount("prix_unitaire", cell(c.prix_unitaire), line)?,
        montant_ht: amount("montant_ht", cell(c.montant_ht), line)?,
        taux_tva: number("taux_tva", opt(c.taux_tva), line, Decimal::ZERO)?,
        montant_tva: zero("montant_tva", c.montant_tva)?,
        montant_ttc: amount("montant_ttc", cell(c.montant_ttc), line)?,
        imputation: opt(c.imputation).to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "exercice;numero;date_emission;date_echeance;membre_id;membre_nom;siret;type;tranche;code;libelle;quantite;unite;prix_unitaire;montant_ht;taux_tva;montant_tva;montant_ttc;imputation;code_service;engagement";
    const LINE: &str = "2027;AC-2027-00001;2027-01-15;2027-02-14;C-1;Un;21140531100013;commune;1;forfait_metiers;Forfait Métiers;1;forfait;1119,00;1119,00;0,00;0,00;1119,00;706;;";

    fn kind(text: &str) -> (Option<u64>, LedgerErrorKind) {
        let e = read(text.as_bytes(), None).unwrap_err();
        (e.line, e.kind)
    }

    #[test]
    fn reads_both_dialects_and_the_spreadsheet_safe_cells() {
        let fr = format!("{HEADER}\r\n{}\r\n", LINE.replace(";Un;", ";'=Un;"));
        let r = read(fr.as_bytes(), None).unwrap();
        assert_eq!(r.format, CsvFormat::Francais);
        assert_eq!(r.rows[0].membre_nom, "=Un");
        assert_eq!(
            r.rows[0].montant_ttc,
            Montant::round_cent(Decimal::from(1119))
        );
        assert_eq!(r.rows[0].line, 2);
        let en = format!(
            "{}\r\n{}\r\n",
            HEADER.replace(';', ","),
            LINE.replace(';', ",")
                .replace("1119,00", "1119.00")
                .replace("0,00", "0.00")
        );
        let r = read(en.as_bytes(), None).unwrap();
        assert_eq!(r.format, CsvFormat::Rfc4180);
        assert_eq!(
            r.rows[0].prix_unitaire,
            Montant::round_cent(Decimal::from(1119))
        );
        assert!(r.missing(&["code", "inconnue"]) == ["inconnue"]);
    }

    #[test]
    fn every_refusal_says_what_and_where() {
        assert_eq!(kind(""), (None, LedgerErrorKind::Empty));
        assert!(matches!(
            kind("id;nom\nC-1;A\n"),
            (Some(1), LedgerErrorKind::MissingColumns { names }) if names.len() == REQUIRED.len()
        ));
        let with = |from: &str, to: &str| {
            format!("{HEADER}\r\n{LINE}\r\n{}\r\n", LINE.replacen(from, to, 1))
        };
        assert_eq!(
            kind(&with(";1119,00;0,00", ";11x9,00;0,00")),
            (
                Some(3),
                LedgerErrorKind::NotANumber {
                    column: "montant_ht",
                    value: "11x9,00".into()
                }
            )
        );
        assert!(matches!(
            kind(&with(";1119,00;0,00", ";1119,005;0,00")),
            (Some(3), LedgerErrorKind::FractionOfCent { .. })
        ));
        assert!(matches!(
            kind(&with(";1119,00;0,00", ";1000000000000,01;0,00")),
            (Some(3), LedgerErrorKind::TooLarge { .. })
        ));
        assert_eq!(
            kind(&with(";1119,00;0,00", ";;0,00")),
            (
                Some(3),
                LedgerErrorKind::EmptyCell {
                    column: "montant_ht"
                }
            )
        );
        assert_eq!(
            kind(&with(";C-1;", ";;")),
            (
                Some(3),
                LedgerErrorKind::EmptyCell {
                    column: "membre_id"
                }
            )
        );
        assert_eq!(
            kind(&with(";forfait_metiers;", ";;")),
            (Some(3), LedgerErrorKind::EmptyCell { column: "code" })
        );
        assert_eq!(
            kind(&with(";706;;", ";706;;;extra")),
            (
                Some(3),
                LedgerErrorKind::FieldCount {
                    found: 22,
                    expected: 21
                }
            )
        );
        assert!(matches!(
            kind(&with(";1;forfait;", ";un;forfait;")),
            (
                Some(3),
                LedgerErrorKind::NotANumber {
                    column: "quantite",
                    ..
                }
            )
        ));
        let mixed = format!("{HEADER}\r\n{}\r\n", LINE.replace("Un", "Vir\u{e9}")).into_bytes();
        let mut bytes = mixed.clone();
        // A Windows-1252 « é » in a file that has UTF-8 accents too.
        let at = bytes.windows(2).position(|w| w == "é".as_bytes()).unwrap();
        bytes.splice(at..at + 2, [0xE9]);
        assert_eq!(
            read(&bytes, Some(Encoding::Utf8)).unwrap_err().kind,
            LedgerErrorKind::Encoding
        );
    }
}
