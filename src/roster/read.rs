//! Reading the roster file: bytes in, raw text rows out.
//!
//! Handles what a French office produces: CSV from Excel or `LibreOffice` in
//! UTF-8 (with or without BOM), Windows-1252, or UTF-16 « texte Unicode »
//! (BOM), `;`, `,` or tab delimiter (detected on the header line), CRLF or
//! CR line ends, quoted fields with delimiters and newlines; and workbooks
//! (`.xlsx`, `.xls`, `.ods`, recognised by their content, read with
//! calamine), first sheet or a named one, with the same positions.
//!
//! An encoding is never guessed: a file that holds valid UTF-8 accents
//! and bytes that are not UTF-8 is refused with the position of the first
//! bad byte, instead of being read as Windows-1252 (« `RapillÃ`© »). Every
//! cell is cleaned (`charset::clean_cell`). No validation of values here.

use std::borrow::Cow;
use std::io::Cursor;

use calamine::{Data, Reader};

use crate::charset::clean_cell;

/// Most columns a roster may have: about 45 are known; a header far wider
/// is not a roster (and would cost time and memory for nothing).
pub const MAX_COLUMNS: usize = 500;

/// The text encoding the roster was read in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Windows1252,
    Utf16,
    /// A workbook: its cells are text already.
    Workbook,
}

/// One raw data row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawRecord {
    /// 1-based line where the record starts (the header is line 1).
    pub line: u64,
    pub fields: Vec<String>,
}

/// The roster as read: header and rows of trimmed text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawRoster {
    pub encoding: Encoding,
    pub delimiter: u8,
    /// Header cells, trimmed, with their 1-based column numbers implied.
    pub headers: Vec<String>,
    pub records: Vec<RawRecord>,
}

/// Why the file could not be read as a table at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadError {
    /// No header line.
    Empty,
    /// The CSV structure is broken.
    Csv { line: u64, message: String },
    /// Valid UTF-8 accents and bytes that are not UTF-8 in one file: two
    /// encodings mixed (a paste from another file), never guessed.
    MixedEncoding { line: u64, column: u64 },
    /// Zero bytes without a byte order mark: UTF-16 that cannot be read
    /// safely.
    Utf16WithoutBom,
    /// UTF-16 with a BOM but broken.
    BadUtf16,
    /// A workbook calamine cannot read.
    Workbook { format: &'static str },
    /// `--feuille` names no sheet of the workbook.
    UnknownSheet { name: String, sheets: Vec<String> },
    /// `--feuille` given for a CSV file.
    SheetOnCsv,
    /// A header wider than `MAX_COLUMNS`.
    TooManyColumns { found: usize },
}

/// The encoding of a text roster and its text, or why it is refused.
///
/// # Errors
/// Mixed encodings, UTF-16 without BOM, broken UTF-16.
pub fn decode(bytes: &[u8]) -> Result<(Cow<'_, str>, Encoding), ReadError> {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return match std::str::from_utf8(rest) {
            Ok(s) => Ok((Cow::Borrowed(s), Encoding::Utf8)),
            Err(e) => Err(mixed_at(rest, e.valid_up_to())),
        };
    }
    for (bom, encoding) in [
        (&b"\xFF\xFE"[..], encoding_rs::UTF_16LE),
        (&b"\xFE\xFF"[..], encoding_rs::UTF_16BE),
    ] {
        if let Some(rest) = bytes.strip_prefix(bom) {
            return encoding
                .decode_without_bom_handling_and_without_replacement(rest)
                .map(|text| (Cow::Owned(text.into_owned()), Encoding::Utf16))
                .ok_or(ReadError::BadUtf16);
        }
    }
    match std::str::from_utf8(bytes) {
        Ok(s) if s.contains('\0') => Err(ReadError::Utf16WithoutBom),
        Ok(s) => Ok((Cow::Borrowed(s), Encoding::Utf8)),
        Err(_) if bytes.contains(&0) => Err(ReadError::Utf16WithoutBom),
        Err(e) if has_utf8_sequence(bytes) => Err(mixed_at(bytes, e.valid_up_to())),
        Err(_) => {
            let (text, _, _) = encoding_rs::WINDOWS_1252.decode(bytes);
            Ok((text, Encoding::Windows1252))
        }
    }
}

/// Whether `bytes` hold at least one valid multi-byte UTF-8 character:
/// what a Windows-1252 file almost never does by chance.
fn has_utf8_sequence(bytes: &[u8]) -> bool {
    bytes.iter().enumerate().any(|(i, &b)| {
        let len = match b {
            0xC2..=0xDF => 2,
            0xE0..=0xEF => 3,
            0xF0..=0xF4 => 4,
            _ => return false,
        };
        bytes
            .get(i..i + len)
            .is_some_and(|seq| std::str::from_utf8(seq).is_ok())
    })
}

/// The position (1-based line and character column) of byte `at`.
fn mixed_at(bytes: &[u8], at: usize) -> ReadError {
    let before = &bytes[..at.min(bytes.len())];
    let line = before.split(|&b| b == b'\n').count() as u64;
    let start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let column = String::from_utf8_lossy(&before[start..]).chars().count() as u64 + 1;
    ReadError::MixedEncoding { line, column }
}

/// `bytes` as UTF-8 text (a TOML file: the grid, the issuer file), a
/// BOM dropped, or the 1-based line and column of the first byte that is
/// not UTF-8.
///
/// # Errors
/// That position.
pub fn utf8(bytes: &[u8]) -> Result<&str, (u64, u64)> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    std::str::from_utf8(bytes).map_err(|e| match mixed_at(bytes, e.valid_up_to()) {
        ReadError::MixedEncoding { line, column } => (line, column),
        _ => (1, 1),
    })
}

/// Picks `;`, `,` or tab: whichever occurs most often outside quotes on
/// the header line (`;` on a tie, the French Excel default).
#[must_use]
pub fn detect_delimiter(text: &str) -> u8 {
    let mut in_quotes = false;
    let (mut semicolons, mut commas, mut tabs) = (0usize, 0usize, 0usize);
    for c in text.chars() {
        match c {
            '"' => in_quotes = !in_quotes,
            '\n' | '\r' if !in_quotes => break,
            ';' if !in_quotes => semicolons += 1,
            ',' if !in_quotes => commas += 1,
            '\t' if !in_quotes => tabs += 1,
            _ => {}
        }
    }
    if tabs > semicolons && tabs > commas {
        b'\t'
    } else if commas > semicolons {
        b','
    } else {
        b';'
    }
}

/// The line numbers of a CSV text. csv's own line counter is off after
/// CR-only or CRLF endings: count line breaks (LF, CRLF or a lone CR, as
/// « CSV Macintosh » writes) up to a record's byte offset instead (with
/// CRLF, csv reports a record as starting on the LF that ended the
/// previous one).
pub(crate) struct Lines {
    newlines: Vec<usize>,
}

impl Lines {
    pub(crate) fn new(text: &str) -> Lines {
        let bytes = text.as_bytes();
        let newlines = bytes
            .iter()
            .enumerate()
            .filter_map(|(i, &b)| {
                let lone_cr = b == b'\r' && bytes.get(i + 1) != Some(&b'\n');
                (b == b'\n' || lone_cr).then_some(i)
            })
            .collect();
        Lines { newlines }
    }

    /// The 1-based line of the record at byte offset `byte`.
    pub(crate) fn line_of(&self, byte: u64) -> u64 {
        let byte = usize::try_from(byte).unwrap_or(usize::MAX);
        self.newlines.partition_point(|&nl| nl <= byte) as u64 + 1
    }
}

/// Receives the rows of a roster as they are read, so that a large roster
/// is never held in memory as text cells.
pub trait RowSink {
    /// The header line's cells, trimmed; called once, before any row.
    fn header(&mut self, cells: &[&str]);
    /// One data row: the 1-based line where it starts, its cells trimmed.
    fn row(&mut self, line: u64, cells: &[&str]);
    /// A workbook is read: the sheet read and every sheet it has; called
    /// once, before the header.
    fn workbook(&mut self, _sheet: &str, _sheets: &[String]) {}
    /// A workbook cell of the next row holds a formula error (`#DIV/0!`):
    /// the row then gets it as an empty cell. `column` is 1-based.
    fn cell_error(&mut self, _line: u64, _column: usize, _value: &str) {}
}

/// How the file was written, as detected while reading it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Format {
    pub encoding: Encoding,
    pub delimiter: u8,
}

/// What a workbook is, from its first bytes.
fn workbook_kind(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"PK\x03\x04") {
        // An OpenDocument file names its type first, uncompressed.
        let head = &bytes[..bytes.len().min(200)];
        let ods = head
            .windows(b"opendocument.spreadsheet".len())
            .any(|w| w == b"opendocument.spreadsheet");
        Some(if ods { "ods" } else { "xlsx" })
    } else if bytes.starts_with(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1") {
        Some("xls")
    } else {
        None
    }
}

/// Hands the header and the rows to `sink` once cleaned and trimmed;
/// rows of empty cells are skipped.
struct Feeder<'s, S: RowSink> {
    sink: &'s mut S,
    seen_header: bool,
}

impl<S: RowSink> Feeder<'_, S> {
    /// `flagged`: a cell of the row held an error, reported apart: the
    /// row is handed over even if it now looks empty.
    fn feed<'c>(
        &mut self,
        line: u64,
        cells: impl Iterator<Item = &'c str>,
        flagged: bool,
    ) -> Result<(), ReadError> {
        let cleaned: Vec<Cow<'c, str>> = cells.map(clean_cell).collect();
        let cells: Vec<&str> = cleaned.iter().map(|c| c.trim()).collect();
        // Excel leaves rows of empty cells at the end of a sheet: skip them.
        if !flagged && cells.iter().all(|c| c.is_empty()) {
            return Ok(());
        }
        if self.seen_header {
            self.sink.row(line, &cells);
        } else {
            let width = cells
                .iter()
                .rposition(|c| !c.is_empty())
                .map_or(0, |i| i + 1);
            if width > MAX_COLUMNS {
                return Err(ReadError::TooManyColumns { found: width });
            }
            self.seen_header = true;
            self.sink.header(&cells);
        }
        Ok(())
    }
}

/// Reads the roster from its bytes, handing each row to `sink` in file
/// order (header first). `sheet`: the workbook sheet to read (the first
/// by default).
///
/// # Errors
/// `ReadError` when there is no header, the encoding or the CSV structure
/// is broken, or the workbook cannot be read (the rows before a break have
/// then been handed over).
pub fn read_rows(
    bytes: &[u8],
    sheet: Option<&str>,
    sink: &mut impl RowSink,
) -> Result<Format, ReadError> {
    if let Some(kind) = workbook_kind(bytes) {
        read_workbook(bytes, kind, sheet, sink)?;
        return Ok(Format {
            encoding: Encoding::Workbook,
            delimiter: b';',
        });
    }
    if sheet.is_some() {
        return Err(ReadError::SheetOnCsv);
    }
    let (text, encoding) = decode(bytes)?;
    if text.trim().is_empty() {
        return Err(ReadError::Empty);
    }
    let delimiter = detect_delimiter(&text);
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let lines = Lines::new(&text);
    let line_of = |byte: u64| lines.line_of(byte);
    let mut feeder = Feeder {
        sink,
        seen_header: false,
    };
    let mut record = csv::StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let line = e.position().map_or(0, |p| line_of(p.byte()));
                return Err(ReadError::Csv {
                    line,
                    message: crate::reasons::csv_reason_fr(&e),
                });
            }
        }
        let line = record.position().map_or(0, |p| line_of(p.byte()));
        feeder.feed(line, record.iter(), false)?;
    }
    if !feeder.seen_header {
        return Err(ReadError::Empty);
    }
    Ok(Format {
        encoding,
        delimiter,
    })
}

/// A workbook cell as the text a CSV export would hold: numbers in their
/// shortest exact form (`0.5`, `21140001500015`: converted, never computed
/// with), dates ISO, booleans 1/0.
fn cell_text(cell: &Data) -> Result<Cow<'_, str>, String> {
    Ok(match cell {
        Data::Empty => Cow::Borrowed(""),
        Data::String(s) | Data::DurationIso(s) => Cow::Borrowed(s.as_str()),
        Data::Int(i) => Cow::Owned(i.to_string()),
        Data::Float(f) => Cow::Owned(format!("{f}")),
        Data::Bool(b) => Cow::Borrowed(if *b { "1" } else { "0" }),
        Data::DateTime(d) => match d.as_datetime() {
            Some(dt) => Cow::Owned(dt.date().format("%Y-%m-%d").to_string()),
            None => Cow::Owned(format!("{d}")),
        },
        Data::DateTimeIso(s) => Cow::Borrowed(s.split('T').next().unwrap_or(s)),
        Data::Error(e) => return Err(format!("{e}")),
    })
}

fn read_workbook(
    bytes: &[u8],
    kind: &'static str,
    sheet: Option<&str>,
    sink: &mut impl RowSink,
) -> Result<(), ReadError> {
    let unreadable = || ReadError::Workbook { format: kind };
    let mut workbook =
        calamine::open_workbook_auto_from_rs(Cursor::new(bytes)).map_err(|_| unreadable())?;
    let names = workbook.sheet_names();
    let name = match sheet {
        Some(wanted) => names
            .iter()
            .find(|n| n.as_str() == wanted)
            .or_else(|| names.iter().find(|n| n.eq_ignore_ascii_case(wanted)))
            .cloned()
            .ok_or_else(|| ReadError::UnknownSheet {
                name: wanted.to_string(),
                sheets: names.clone(),
            })?,
        None => names.first().cloned().ok_or(ReadError::Empty)?,
    };
    let range = workbook.worksheet_range(&name).map_err(|_| unreadable())?;
    sink.workbook(&name, &names);
    let Some((first_row, first_col)) = range.start() else {
        return Err(ReadError::Empty);
    };
    let lead = usize::try_from(first_col).unwrap_or(0);
    if range.width() + lead > MAX_COLUMNS * 4 {
        return Err(ReadError::TooManyColumns {
            found: range.width() + lead,
        });
    }
    let mut feeder = Feeder {
        sink,
        seen_header: false,
    };
    for (i, row) in range.rows().enumerate() {
        let line = u64::from(first_row) + i as u64 + 1;
        let mut cells: Vec<Cow<'_, str>> = Vec::with_capacity(lead + row.len());
        // Columns before the used range: empty, so that every position is
        // the one the spreadsheet shows.
        cells.extend(std::iter::repeat_n(Cow::Borrowed(""), lead));
        let mut flagged = false;
        for (j, cell) in row.iter().enumerate() {
            match cell_text(cell) {
                Ok(text) => cells.push(text),
                Err(value) => {
                    // Reported with the row's other errors, not alone.
                    feeder.sink.cell_error(line, lead + j + 1, &value);
                    flagged = true;
                    cells.push(Cow::Borrowed(""));
                }
            }
        }
        feeder.feed(line, cells.iter().map(AsRef::as_ref), flagged)?;
    }
    if !feeder.seen_header {
        return Err(ReadError::Empty);
    }
    Ok(())
}

impl RowSink for RawRoster {
    fn header(&mut self, cells: &[&str]) {
        self.headers = cells.iter().map(|c| (*c).to_string()).collect();
    }

    fn row(&mut self, line: u64, cells: &[&str]) {
        self.records.push(RawRecord {
            line,
            fields: cells.iter().map(|c| (*c).to_string()).collect(),
        });
    }
}

/// Reads the whole roster into memory as text cells (for the small
/// rosters of `compare` and the tests; the batch streams with `read_rows`).
///
/// # Errors
/// `ReadError` when there is no header or the file cannot be read.
pub fn read_roster(bytes: &[u8]) -> Result<RawRoster, ReadError> {
    let mut raw = RawRoster {
        encoding: Encoding::Utf8,
        delimiter: b';',
        headers: Vec::new(),
        records: Vec::new(),
    };
    let format = read_rows(bytes, None, &mut raw)?;
    raw.encoding = format.encoding;
    raw.delimiter = format.delimiter;
    Ok(raw)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_semicolons_bom_and_crlf() {
        let bytes = b"\xEF\xBB\xBFid;nom\r\nA;Caen\r\nB;\"Vire; Normandie\"\r\n";
        let r = read_roster(bytes).unwrap();
        assert_eq!(r.delimiter, b';');
        assert_eq!(r.headers, vec!["id", "nom"]);
        assert_eq!(r.records.len(), 2);
        assert_eq!(r.records[1].fields[1], "Vire; Normandie");
        assert_eq!(r.records[1].line, 3);
    }

    #[test]
    fn reads_commas_and_quoted_newlines() {
        let bytes = b"id,nom\nA,\"Saint-L\xC3\xB4\nbis\"\nB,Bayeux\n";
        let r = read_roster(bytes).unwrap();
        assert_eq!(r.delimiter, b',');
        assert_eq!(r.records[0].fields[1], "Saint-Lô\nbis");
        assert_eq!(r.records[1].line, 4);
    }

    #[test]
    fn falls_back_to_windows_1252_only_without_utf8() {
        // « Hérouville » with é = 0xE9 in Windows-1252, € = 0x80.
        let bytes = b"id;nom\nA;H\xE9rouville \x80\n";
        let r = read_roster(bytes).unwrap();
        assert_eq!(r.encoding, Encoding::Windows1252);
        assert_eq!(r.records[0].fields[1], "Hérouville €");
    }

    #[test]
    fn mixed_encodings_are_refused_where_the_bad_byte_is() {
        // « Rapillé » in UTF-8 on line 2, then one Windows-1252 « é » on
        // line 3, column 6.
        let bytes = b"id;nom\nA;Rapill\xC3\xA9\nB;Vir\xE9\n";
        assert_eq!(
            read_roster(bytes),
            Err(ReadError::MixedEncoding { line: 3, column: 6 })
        );
        let with_bom = b"\xEF\xBB\xBFid;nom\nA;Vir\xE9\n";
        assert_eq!(
            read_roster(with_bom),
            Err(ReadError::MixedEncoding { line: 2, column: 6 })
        );
    }

    #[test]
    fn utf16_with_a_bom_is_read_without_one_refused() {
        // Excel's « Texte Unicode »: UTF-16LE, BOM, tabs.
        let text = "id\tnom\r\nA\tCricquebœuf\r\n";
        let mut bytes = vec![0xFF, 0xFE];
        for unit in text.encode_utf16() {
            bytes.extend_from_slice(&unit.to_le_bytes());
        }
        let r = read_roster(&bytes).unwrap();
        assert_eq!(r.encoding, Encoding::Utf16);
        assert_eq!(r.delimiter, b'\t');
        assert_eq!(r.records[0].fields, vec!["A", "Cricquebœuf"]);
        assert_eq!(read_roster(&bytes[2..]), Err(ReadError::Utf16WithoutBom));
    }

    #[test]
    fn cells_are_cleaned() {
        let r = read_roster("id;nom\nC-1\u{200b};E\u{301}paney\n".as_bytes()).unwrap();
        assert_eq!(r.records[0].fields, vec!["C-1", "Épaney"]);
    }

    #[test]
    fn a_header_of_a_million_columns_is_refused_at_once() {
        let mut header = "c;".repeat(1_000_000);
        header.push('\n');
        let start = std::time::Instant::now();
        assert_eq!(
            read_roster(header.as_bytes()),
            Err(ReadError::TooManyColumns { found: 1_000_000 })
        );
        // Generous: the point is seconds, not the 53 s it used to take.
        assert!(start.elapsed() < std::time::Duration::from_secs(20));
    }

    #[test]
    fn empty_file_is_an_error_header_only_is_not() {
        assert_eq!(read_roster(b""), Err(ReadError::Empty));
        assert_eq!(read_roster(b"\xEF\xBB\xBF  \r\n"), Err(ReadError::Empty));
        let r = read_roster(b"id;nom\r\n").unwrap();
        assert!(r.records.is_empty());
    }

    #[test]
    fn counts_lines_with_cr_only_endings() {
        let r = read_roster(b"id;nom\rA;B\rC;D\r").unwrap();
        assert_eq!(r.records.len(), 2);
        assert_eq!(r.records[1].line, 3);
    }

    #[test]
    fn skips_rows_of_empty_cells() {
        let r = read_roster(b"id;nom\nA;B\n;\n;;\n").unwrap();
        assert_eq!(r.records.len(), 1);
    }

    #[test]
    fn a_sheet_name_for_a_csv_is_refused() {
        let mut raw = RawRoster {
            encoding: Encoding::Utf8,
            delimiter: b';',
            headers: Vec::new(),
            records: Vec::new(),
        };
        assert_eq!(
            read_rows(b"id;nom\n", Some("Rôle"), &mut raw),
            Err(ReadError::SheetOnCsv)
        );
    }
}
