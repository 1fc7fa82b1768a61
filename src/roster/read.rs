//! Reading the roster file: bytes in, raw text rows out.
//!
//! Handles what Excel writes in France: UTF-8 with or without BOM or
//! Windows-1252, `;` or `,` delimiter (detected on the header line), CRLF,
//! quoted fields with delimiters and newlines. No validation of values here.

use std::borrow::Cow;

/// The text encoding the roster was read in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Windows1252,
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

/// Why the file could not be read as a CSV table at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadError {
    /// No header line.
    Empty,
    /// The CSV structure is broken (e.g. an unterminated quote).
    Csv { line: u64, message: String },
}

/// Decodes the bytes: UTF-8 (BOM stripped) when valid, else Windows-1252.
#[must_use]
pub fn decode(bytes: &[u8]) -> (Cow<'_, str>, Encoding) {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(s) => (Cow::Borrowed(s), Encoding::Utf8),
        Err(_) => {
            let (text, _, _) = encoding_rs::WINDOWS_1252.decode(bytes);
            (text, Encoding::Windows1252)
        }
    }
}

/// Picks `;` or `,`: whichever occurs more often outside quotes on the
/// header line (`;` on a tie, the French Excel default).
#[must_use]
pub fn detect_delimiter(text: &str) -> u8 {
    let mut in_quotes = false;
    let (mut semicolons, mut commas) = (0usize, 0usize);
    for c in text.chars() {
        match c {
            '"' => in_quotes = !in_quotes,
            '\n' | '\r' if !in_quotes => break,
            ';' if !in_quotes => semicolons += 1,
            ',' if !in_quotes => commas += 1,
            _ => {}
        }
    }
    if commas > semicolons { b',' } else { b';' }
}

/// Receives the rows of a roster as they are read, so that a large roster
/// is never held in memory as text cells.
pub trait RowSink {
    /// The header line's cells, trimmed; called once, before any row.
    fn header(&mut self, cells: &[&str]);
    /// One data row: the 1-based line where it starts, its cells trimmed.
    fn row(&mut self, line: u64, cells: &[&str]);
}

/// How the file was written, as detected while reading it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Format {
    pub encoding: Encoding,
    pub delimiter: u8,
}

/// Reads the roster from its bytes, handing each row to `sink` in file
/// order (header first). Rows of empty cells are skipped.
///
/// # Errors
/// `ReadError` when there is no header or the CSV structure is broken
/// (the rows before the break have then been handed over).
pub fn read_rows(bytes: &[u8], sink: &mut impl RowSink) -> Result<Format, ReadError> {
    let (text, encoding) = decode(bytes);
    if text.trim().is_empty() {
        return Err(ReadError::Empty);
    }
    let delimiter = detect_delimiter(&text);
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    // csv's own line counter is off after CR-only or CRLF endings: count
    // line breaks (LF, CRLF or a lone CR, as « CSV Macintosh » writes) up to
    // each record's byte offset instead (with CRLF, csv reports a record as
    // starting on the LF that ended the previous one).
    let bytes = text.as_bytes();
    let newlines: Vec<usize> = bytes
        .iter()
        .enumerate()
        .filter_map(|(i, &b)| {
            let lone_cr = b == b'\r' && bytes.get(i + 1) != Some(&b'\n');
            (b == b'\n' || lone_cr).then_some(i)
        })
        .collect();
    let line_of = |byte: u64| -> u64 {
        let byte = usize::try_from(byte).unwrap_or(usize::MAX);
        newlines.partition_point(|&nl| nl <= byte) as u64 + 1
    };
    let mut seen_header = false;
    let mut record = csv::StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let line = e.position().map_or(0, |p| line_of(p.byte()));
                return Err(ReadError::Csv {
                    line,
                    message: crate::error::csv_reason_fr(&e),
                });
            }
        }
        let line = record.position().map_or(0, |p| line_of(p.byte()));
        let cells: Vec<&str> = record.iter().map(str::trim).collect();
        // Excel leaves rows of empty cells at the end of a sheet: skip them.
        if cells.iter().all(|c| c.is_empty()) {
            continue;
        }
        if seen_header {
            sink.row(line, &cells);
        } else {
            seen_header = true;
            sink.header(&cells);
        }
    }
    if !seen_header {
        return Err(ReadError::Empty);
    }
    Ok(Format {
        encoding,
        delimiter,
    })
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
/// `ReadError` when there is no header or the CSV structure is broken.
pub fn read_roster(bytes: &[u8]) -> Result<RawRoster, ReadError> {
    let mut raw = RawRoster {
        encoding: Encoding::Utf8,
        delimiter: b';',
        headers: Vec::new(),
        records: Vec::new(),
    };
    let format = read_rows(bytes, &mut raw)?;
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
    fn falls_back_to_windows_1252() {
        // « Hérouville » with é = 0xE9 in Windows-1252, € = 0x80.
        let bytes = b"id;nom\nA;H\xE9rouville \x80\n";
        let r = read_roster(bytes).unwrap();
        assert_eq!(r.encoding, Encoding::Windows1252);
        assert_eq!(r.records[0].fields[1], "Hérouville €");
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
}
