//! The one CSV set-up of every file the program writes (the ledger,
//! `sous-seuil.csv`, `rejects.csv`, `compare --csv`): the delimiter, CRLF
//! line ends, the encoding (UTF-8, UTF-8 with BOM for Excel's double
//! click, or Windows-1252), and cells that are safe to open in a
//! spreadsheet.
//!
//! A text cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage
//! return would be evaluated as a formula by Excel or `LibreOffice` opening
//! the file (`=HYPERLINK(…)`, `+cmd|' /C calc'!A0`): it is written with a
//! leading apostrophe, as OWASP recommends, and so is a text that starts
//! with an apostrophe, so that `plain` gives back exactly what was written.
//! Numbers (amounts, negative ones included) are never changed.

use std::borrow::Cow;
use std::io::{self, Write};

use rust_decimal::Decimal;

use crate::money::Montant;

/// The CSV dialect of the files written: the delimiter and the decimal
/// mark of numbers (never thousands separators: these files are for
/// machines; amounts have exactly two decimals).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CsvFormat {
    /// `;` and decimal comma: what French accounting imports expect.
    #[default]
    Francais,
    /// `,` and decimal point.
    Rfc4180,
}

impl CsvFormat {
    /// The field delimiter.
    #[must_use]
    pub fn delimiter(self) -> u8 {
        match self {
            CsvFormat::Francais => b';',
            CsvFormat::Rfc4180 => b',',
        }
    }

    /// The name recorded in the manifest.
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            CsvFormat::Francais => "francais",
            CsvFormat::Rfc4180 => "rfc4180",
        }
    }

    /// A number written with `.`, in this dialect.
    #[must_use]
    pub fn number(self, text: String) -> String {
        match self {
            CsvFormat::Francais => text.replace('.', ","),
            CsvFormat::Rfc4180 => text,
        }
    }

    /// An amount, two decimals.
    #[must_use]
    pub fn amount(self, m: Montant) -> String {
        self.number(format!("{:.2}", m.decimal()))
    }

    /// A quantity, without trailing zeros.
    #[must_use]
    pub fn quantity(self, q: Decimal) -> String {
        self.number(q.normalize().to_string())
    }
}

/// The encoding of the CSV files written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Encoding {
    /// UTF-8 without BOM.
    #[default]
    Utf8,
    /// UTF-8 with a BOM: Excel opens it right by a double click.
    Utf8Bom,
    /// Windows-1252 (older accounting software, Excel on old Windows).
    Windows1252,
}

impl Encoding {
    /// The name recorded in the manifest and typed on the command line.
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            Encoding::Utf8 => "utf8",
            Encoding::Utf8Bom => "utf8-bom",
            Encoding::Windows1252 => "windows-1252",
        }
    }

    /// The encoding named `code` (as `code` writes it).
    #[must_use]
    pub fn from_code(code: &str) -> Option<Encoding> {
        [Encoding::Utf8, Encoding::Utf8Bom, Encoding::Windows1252]
            .into_iter()
            .find(|e| e.code() == code)
    }

    /// `bytes` of a file written in this encoding, as text.
    ///
    /// # Errors
    /// When the bytes are not of that encoding.
    pub fn decode(self, bytes: &[u8]) -> Result<Cow<'_, str>, WrongEncoding> {
        match self {
            Encoding::Utf8 | Encoding::Utf8Bom => {
                let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
                std::str::from_utf8(bytes)
                    .map(Cow::Borrowed)
                    .map_err(|_| WrongEncoding)
            }
            Encoding::Windows1252 => encoding_rs::WINDOWS_1252
                .decode_without_bom_handling_and_without_replacement(bytes)
                .ok_or(WrongEncoding),
        }
    }
}

/// Bytes that are not in the encoding they were said to be in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WrongEncoding;

/// Whether a text starting with `c` needs the apostrophe.
fn needs_quote(c: char) -> bool {
    matches!(c, '=' | '+' | '-' | '@' | '\t' | '\r' | '\'')
}

/// A text cell, made safe to open in a spreadsheet.
#[must_use]
pub fn text(cell: &str) -> Cow<'_, str> {
    match cell.chars().next() {
        Some(c) if needs_quote(c) => Cow::Owned(format!("'{cell}")),
        _ => Cow::Borrowed(cell),
    }
}

/// A text cell as `text` wrote it, given back as it was.
#[must_use]
pub fn plain(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.chars().next().is_some_and(needs_quote) => rest,
        _ => cell,
    }
}

/// A CSV writer with the program's set-up: `delimiter`, CRLF line ends,
/// and `encoding` applied as the bytes go to `out` (the BOM first).
///
/// # Errors
/// Writing the BOM fails.
pub fn writer<W: Write>(
    out: W,
    delimiter: u8,
    encoding: Encoding,
) -> io::Result<csv::Writer<Encoder<W>>> {
    let mut encoder = Encoder {
        out,
        encoding,
        pending: Vec::new(),
    };
    if encoding == Encoding::Utf8Bom {
        encoder.out.write_all(b"\xEF\xBB\xBF")?;
    }
    Ok(csv::WriterBuilder::new()
        .delimiter(delimiter)
        .terminator(csv::Terminator::CRLF)
        .from_writer(encoder))
}

/// Writes everything `rows` hold with `writer`'s set-up into memory.
#[must_use]
pub fn to_bytes<'a, I, R>(delimiter: u8, encoding: Encoding, rows: I) -> Vec<u8>
where
    I: IntoIterator<Item = R>,
    R: IntoIterator<Item = &'a str>,
{
    // Writing to memory cannot fail; a character Windows-1252 lacks is
    // refused before (every printable character has a byte there).
    let Ok(mut w) = writer(Vec::new(), delimiter, encoding) else {
        return Vec::new();
    };
    for row in rows {
        let _ = w.write_record(row);
    }
    w.into_inner().map(Encoder::into_inner).unwrap_or_default()
}

/// Encodes the UTF-8 the CSV writer produces on its way to `out`.
pub struct Encoder<W: Write> {
    out: W,
    encoding: Encoding,
    /// The start of a character the writer cut between two writes.
    pending: Vec<u8>,
}

impl<W: Write> Encoder<W> {
    /// The writer the bytes went to.
    pub fn into_inner(self) -> W {
        self.out
    }

    /// The writer the bytes go to.
    pub fn get_ref(&self) -> &W {
        &self.out
    }
}

impl<W: Write> Write for Encoder<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.encoding != Encoding::Windows1252 {
            return self.out.write(buf);
        }
        self.pending.extend_from_slice(buf);
        let complete = match std::str::from_utf8(&self.pending) {
            Ok(_) => self.pending.len(),
            Err(e) if e.error_len().is_none() => e.valid_up_to(),
            Err(_) => return Err(io::Error::from(io::ErrorKind::InvalidData)),
        };
        let text = std::str::from_utf8(&self.pending[..complete])
            .map_err(|_| io::Error::from(io::ErrorKind::InvalidData))?;
        // Windows-1252 has one no-break space: the narrow one becomes it.
        let text = text.replace('\u{202f}', "\u{a0}");
        let mut encoder = encoding_rs::WINDOWS_1252.new_encoder();
        let mut bytes = vec![0; text.len() + 16];
        let mut rest = text.as_str();
        loop {
            let (result, read, written) =
                encoder.encode_from_utf8_without_replacement(rest, &mut bytes, true);
            self.out.write_all(&bytes[..written])?;
            rest = &rest[read..];
            match result {
                encoding_rs::EncoderResult::InputEmpty => break,
                // Only a refused row's cell can hold one (what the
                // documents print is all in Windows-1252): named, not lost.
                encoding_rs::EncoderResult::Unmappable(c) => {
                    write!(self.out, "U+{:04X}", u32::from(c))?;
                }
                encoding_rs::EncoderResult::OutputFull => {
                    return Err(io::Error::from(io::ErrorKind::InvalidData));
                }
            }
        }
        self.pending.drain(..complete);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised_and_given_back() {
        for (cell, written) in [
            ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
            ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
            ("-1+1", "'-1+1"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tx", "'\tx"),
            ("'déjà", "''déjà"),
            ("Caen", "Caen"),
            ("", ""),
        ] {
            assert_eq!(text(cell), written);
            assert_eq!(plain(&text(cell)), cell);
        }
        // An apostrophe the program did not add stays.
        assert_eq!(plain("'s-Hertogenbosch"), "'s-Hertogenbosch");
    }

    #[test]
    fn encodings() {
        let rows = [["Cricquebœuf", "1 119,00 €"]];
        let utf8 = to_bytes(b';', Encoding::Utf8, rows.iter().map(|r| r.iter().copied()));
        assert_eq!(utf8, "Cricquebœuf;1 119,00 €\r\n".as_bytes());
        let bom = to_bytes(
            b';',
            Encoding::Utf8Bom,
            rows.iter().map(|r| r.iter().copied()),
        );
        assert_eq!(&bom[..3], b"\xEF\xBB\xBF");
        assert_eq!(&bom[3..], utf8.as_slice());
        let cp = to_bytes(
            b';',
            Encoding::Windows1252,
            rows.iter().map(|r| r.iter().copied()),
        );
        assert_eq!(cp, b"Cricqueb\x9cuf;1 119,00 \x80\r\n");
        assert_eq!(
            Encoding::Windows1252.decode(&cp).unwrap(),
            "Cricquebœuf;1 119,00 €\r\n"
        );
        assert_eq!(
            Encoding::Utf8Bom.decode(&bom).unwrap(),
            "Cricquebœuf;1 119,00 €\r\n"
        );
    }

    #[test]
    fn a_character_windows_1252_lacks_is_named() {
        let cp = to_bytes(
            b';',
            Encoding::Windows1252,
            [["Łódź\u{202f}€"].iter().copied()],
        );
        assert_eq!(cp, b"U+0141\xF3dU+017A\xA0\x80\r\n");
    }

    #[test]
    fn a_character_cut_between_two_writes_is_encoded_whole() {
        let mut e = Encoder {
            out: Vec::new(),
            encoding: Encoding::Windows1252,
            pending: Vec::new(),
        };
        let bytes = "é€".as_bytes();
        for b in bytes {
            e.write_all(std::slice::from_ref(b)).unwrap();
        }
        assert_eq!(e.into_inner(), b"\xE9\x80");
    }
}
