//! The low-level PDF serializer: a file being written (`PdfFile`: bytes
//! and cross-reference entries, object streams, the cross-reference stream
//! and trailer), the number and string syntax, and the deflate streams.
//! Knows nothing of appels: `pdf` assembles documents with it, `pdfa` adds
//! the PDF/A-3 and Factur-X objects.

// Coordinates, not money: the floats written here are positions in points.
#![allow(clippy::float_arithmetic)]

use std::cell::RefCell;

use super::RenderError;

/// Compression level of the per-document streams (page content, the
/// XML, the object stream of the small dictionaries): a few kilobytes
/// each. With zlib-rs, level 2 (zlib-ng's `deflate_fast`) gives the bytes
/// of level 4 within 1 % in less time; level 1 (`deflate_quick`, fixed
/// Huffman codes) is much faster but makes every appel 4 % bigger, too
/// close to the 30 KB of a one-page appel.
pub(super) const CONTENT_COMPRESSION: u32 = 2;

/// Where an object is: nowhere yet (or the free head of the list), at a
/// byte offset, or inside an object stream.
#[derive(Debug, Clone, Copy)]
pub(super) enum XrefEntry {
    Free,
    At(usize),
    InStream { stream: u32, index: u16 },
}

/// A PDF file being written: its bytes and its cross-reference entries,
/// indexed by object number.
pub(super) struct PdfFile {
    out: Vec<u8>,
    xref: Vec<XrefEntry>,
}

/// Header, with the binary comment line PDF/A wants (four bytes above 127).
const HEADER: &[u8] = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n";

impl PdfFile {
    pub(super) fn new() -> PdfFile {
        PdfFile {
            out: HEADER.to_vec(),
            xref: vec![XrefEntry::Free],
        }
    }

    /// A document starting with the bytes and objects of another one (the
    /// objects every document of a batch shares: `pdf::Shared`).
    pub(super) fn starting_with(bytes: &[u8], xref: &[XrefEntry]) -> PdfFile {
        // Room for the shared block, a page of content, the XML and the rest.
        let mut out = Vec::with_capacity(bytes.len() + 12 * 1024);
        out.extend_from_slice(bytes);
        PdfFile {
            out,
            xref: xref.to_vec(),
        }
    }

    /// The bytes written and the objects' entries, to start other
    /// documents with (`starting_with`).
    pub(super) fn into_parts(self) -> (Vec<u8>, Vec<XrefEntry>) {
        (self.out, self.xref)
    }

    /// A new object number.
    pub(super) fn reserve(&mut self) -> u32 {
        self.xref.push(XrefEntry::Free);
        u32::try_from(self.xref.len() - 1).unwrap_or(u32::MAX)
    }

    pub(super) fn begin(&mut self, id: u32) {
        if let Some(entry) = self.xref.get_mut(id as usize) {
            *entry = XrefEntry::At(self.out.len());
        }
        push_uint(&mut self.out, id as usize);
        self.out.extend_from_slice(b" 0 obj\n");
    }

    /// Writes object `id`, a stream of `data` whose dictionary holds `dict`
    /// (already serialised entries) and its length.
    pub(super) fn stream(&mut self, id: u32, dict: &[u8], data: &[u8]) {
        self.begin(id);
        self.out.extend_from_slice(b"<<");
        self.out.extend_from_slice(dict);
        self.out.extend_from_slice(b"/Length ");
        push_uint(&mut self.out, data.len());
        self.out.extend_from_slice(b">>\nstream\n");
        self.out.extend_from_slice(data);
        self.out.extend_from_slice(b"\nendstream\nendobj\n");
    }

    /// Writes object `id`, the compressed object stream holding `objects`.
    pub(super) fn object_stream(
        &mut self,
        id: u32,
        objects: &ObjectStream,
        level: u32,
    ) -> Result<(), RenderError> {
        let mut data = Vec::with_capacity(objects.index.len() + objects.body.len());
        data.extend_from_slice(&objects.index);
        data.extend_from_slice(&objects.body);
        for (index, &member) in objects.ids.iter().enumerate() {
            if let Some(entry) = self.xref.get_mut(member as usize) {
                *entry = XrefEntry::InStream {
                    stream: id,
                    index: u16::try_from(index).unwrap_or(u16::MAX),
                };
            }
        }
        let mut dict = b"/Type/ObjStm/N ".to_vec();
        push_uint(&mut dict, objects.ids.len());
        dict.extend_from_slice(b"/First ");
        push_uint(&mut dict, objects.index.len());
        dict.extend_from_slice(b"/Filter/FlateDecode");
        let compressed = if level == CONTENT_COMPRESSION {
            deflate_content(&data)?
        } else {
            deflate(&data, level)?
        };
        self.stream(id, &dict, &compressed);
        Ok(())
    }

    /// Ends the file with its cross-reference stream (which is also the
    /// trailer) and returns its bytes.
    pub(super) fn finish(mut self, root: u32, info: u32, id: &[u8]) -> Vec<u8> {
        let xref_id = self.reserve();
        let start = self.out.len();
        if let Some(entry) = self.xref.last_mut() {
            *entry = XrefEntry::At(start);
        }
        // Type (1 byte), offset or object stream (4), generation or index (2).
        let mut rows = Vec::with_capacity(self.xref.len() * 7);
        for entry in &self.xref {
            let (kind, field2, field3) = match *entry {
                XrefEntry::Free => (0_u8, 0_u32, 0xffff_u16),
                XrefEntry::At(offset) => (1, u32::try_from(offset).unwrap_or(u32::MAX), 0),
                XrefEntry::InStream { stream, index } => (2, stream, index),
            };
            rows.push(kind);
            rows.extend_from_slice(&field2.to_be_bytes());
            rows.extend_from_slice(&field3.to_be_bytes());
        }
        // Left uncompressed: a hundred bytes, where a compressor reset and
        // Huffman tables cost more than the 60 bytes they would save.
        let mut dict = b"/Type/XRef/Size ".to_vec();
        push_uint(&mut dict, self.xref.len());
        dict.extend_from_slice(b"/W[1 4 2]/Root ");
        push_ref(&mut dict, root);
        dict.extend_from_slice(b"/Info ");
        push_ref(&mut dict, info);
        dict.extend_from_slice(b"/ID[<");
        push_hex(&mut dict, id);
        dict.extend_from_slice(b"><");
        push_hex(&mut dict, id);
        dict.extend_from_slice(b">]");
        self.stream(xref_id, &dict, &rows);
        self.out.extend_from_slice(b"startxref\n");
        push_uint(&mut self.out, start);
        self.out.extend_from_slice(b"\n%%EOF\n");
        self.out
    }
}

/// Objects gathered for one object stream.
#[derive(Default)]
pub(super) struct ObjectStream {
    /// `number offset` pairs.
    index: Vec<u8>,
    body: Vec<u8>,
    ids: Vec<u32>,
}

impl ObjectStream {
    /// Starts object `id`; write its value into the returned buffer.
    pub(super) fn object(&mut self, id: u32) -> &mut Vec<u8> {
        if !self.ids.is_empty() {
            self.index.push(b' ');
            self.body.push(b'\n');
        }
        push_uint(&mut self.index, id as usize);
        self.index.push(b' ');
        push_uint(&mut self.index, self.body.len());
        self.ids.push(id);
        &mut self.body
    }
}

// ---------------------------------------------------------------------------
// Serialisation helpers: no `format!`, no float formatting machinery.

pub(super) fn push_uint(out: &mut Vec<u8>, mut n: usize) {
    let mut digits = [0_u8; 20];
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b"0123456789"[n % 10];
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[i..]);
}

pub(super) fn push_ints(out: &mut Vec<u8>, values: &[i32]) {
    for (i, &v) in values.iter().enumerate() {
        if i > 0 {
            out.push(b' ');
        }
        if v < 0 {
            out.push(b'-');
        }
        push_uint(out, v.unsigned_abs() as usize);
    }
}

/// `v` to a hundredth, without trailing zeros (`56.69`, `0.9`, `9`).
pub(super) fn push_num(out: &mut Vec<u8>, v: f32) {
    #[allow(clippy::cast_possible_truncation)]
    let hundredths = (v * 100.0).round() as i64;
    if hundredths < 0 {
        out.push(b'-');
    }
    let n = hundredths.unsigned_abs();
    push_uint(out, usize::try_from(n / 100).unwrap_or(usize::MAX));
    let fraction = (n % 100) as u8;
    if fraction != 0 {
        out.push(b'.');
        out.push(b'0' + fraction / 10);
        if !fraction.is_multiple_of(10) {
            out.push(b'0' + fraction % 10);
        }
    }
}

pub(super) fn push_nums(out: &mut Vec<u8>, values: &[f32]) {
    for (i, &v) in values.iter().enumerate() {
        if i > 0 {
            out.push(b' ');
        }
        push_num(out, v);
    }
}

pub(super) fn push_ref(out: &mut Vec<u8>, id: u32) {
    push_uint(out, id as usize);
    out.extend_from_slice(b" 0 R");
}

pub(super) fn push_hex(out: &mut Vec<u8>, bytes: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for &b in bytes {
        out.push(HEX[usize::from(b >> 4)]);
        out.push(HEX[usize::from(b & 15)]);
    }
}

/// One byte inside a literal string, escaped where PDF needs it
/// (delimiters, backslash, and end-of-line bytes, which readers normalise).
pub(super) fn push_string_byte(out: &mut Vec<u8>, byte: u8) {
    match byte {
        b'(' | b')' | b'\\' => {
            out.push(b'\\');
            out.push(byte);
        }
        b'\r' => out.extend_from_slice(b"\\r"),
        b'\n' => out.extend_from_slice(b"\\n"),
        _ => out.push(byte),
    }
}

/// A PDF text string: `PDFDocEncoding` (a literal) when it is printable
/// ASCII, else UTF-16BE with its byte order mark (hex).
pub(super) fn push_text(out: &mut Vec<u8>, text: &str) {
    if text.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        out.push(b'(');
        for b in text.bytes() {
            push_string_byte(out, b);
        }
        out.push(b')');
    } else {
        out.extend_from_slice(b"<FEFF");
        for unit in text.encode_utf16() {
            push_hex(out, &unit.to_be_bytes());
        }
        out.push(b'>');
    }
}

/// `D:20270115000000+00'00'`: midnight UTC of `date`.
pub(super) fn pdf_date(date: chrono::NaiveDate) -> String {
    format!("D:{}000000+00'00'", date.format("%Y%m%d"))
}

// ---------------------------------------------------------------------------
// Compression

pub(super) fn deflate(data: &[u8], level: u32) -> Result<Vec<u8>, RenderError> {
    deflate_with(
        &mut flate2::Compress::new(flate2::Compression::new(level), true),
        data,
    )
}

thread_local! {
    /// A compressor per thread, reset between streams: building one
    /// allocates and clears a few hundred kilobytes, more than compressing a
    /// page of content costs.
    static CONTENT_DEFLATE: RefCell<flate2::Compress> = RefCell::new(
        flate2::Compress::new(flate2::Compression::new(CONTENT_COMPRESSION), true),
    );
}

/// A zlib stream of per-document `data` (a page's content, the XML, the
/// object stream), with this thread's compressor.
pub(super) fn deflate_content(data: &[u8]) -> Result<Vec<u8>, RenderError> {
    CONTENT_DEFLATE.with(|compress| {
        let mut compress = compress.borrow_mut();
        compress.reset();
        deflate_with(&mut compress, data)
    })
}

/// A whole zlib stream of `data`.
pub(super) fn deflate_with(
    compress: &mut flate2::Compress,
    data: &[u8],
) -> Result<Vec<u8>, RenderError> {
    let mut out = Vec::with_capacity(data.len() / 2 + 64);
    loop {
        let consumed = usize::try_from(compress.total_in()).unwrap_or(usize::MAX);
        let input = data.get(consumed..).unwrap_or_default();
        let status = compress
            .compress_vec(input, &mut out, flate2::FlushCompress::Finish)
            .map_err(|e| RenderError::Ecriture(e.to_string()))?;
        match status {
            flate2::Status::StreamEnd => return Ok(out),
            flate2::Status::Ok | flate2::Status::BufError => {
                out.reserve(out.capacity().max(1024));
            }
        }
    }
}
