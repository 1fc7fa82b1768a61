//! PDF bytes from laid-out pages, with printpdf.
//!
//! `Renderer::new` prepares the two faces once per batch (subset, unhinted,
//! font program compressed at the best level). `Renderer::render` lays out
//! one appel, turns its pages into printpdf operations, lets printpdf build
//! the lopdf document (fonts registered as already-subset « full » faces, so
//! printpdf does no per-document subsetting), then swaps in the shared
//! compressed font program, compresses the small per-document streams at a
//! fast level and sets the trailer ID and dates from the appel itself: the
//! same appel always gives the same bytes. `Renderer::render_facturx` builds
//! the same document, then lets `pdfa` make it a PDF/A-3B Factur-X invoice.

// Coordinates, not money: every float here is a position or a size in points.
#![allow(clippy::float_arithmetic)]

use std::fmt;

use lopdf::{Dictionary, Object, ObjectId, Stream, StringFormat};
use printpdf::{
    Color, FontEmbeddingMode, FontId, Greyscale, Line, LinePoint, OffsetDateTime, Op, PaintMode,
    ParsedFont, PdfDocument, PdfFont, PdfFontHandle, PdfPage, PdfParseErrorSeverity,
    PdfSaveOptions, Point, PrintpdfFontMeta, Pt, Rect, TextItem, TextMatrix,
};

use super::fonts::{self, FontError};
use super::layout::{self, Face, Item, Metrics, Page};
use super::pdfa;
use crate::appel::Appel;
use crate::emetteur::Emetteur;
use crate::facturx::{self, Profile};

/// Why an appel could not be rendered.
#[derive(Debug)]
pub enum RenderError {
    /// An embedded font could not be prepared (a build problem, not a data one).
    Police {
        police: &'static str,
        raison: String,
    },
    /// printpdf refused to build the document.
    Construction(String),
    /// Compressing or serialising the document failed.
    Ecriture(String),
}

impl fmt::Display for RenderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RenderError::Police { police, raison } => {
                write!(f, "police {police} inutilisable : {raison}")
            }
            RenderError::Construction(message) => {
                write!(f, "construction du PDF impossible : {message}")
            }
            RenderError::Ecriture(message) => write!(f, "écriture du PDF impossible : {message}"),
        }
    }
}

impl std::error::Error for RenderError {}

impl From<FontError> for RenderError {
    fn from(e: FontError) -> RenderError {
        RenderError::Police {
            police: e.face,
            raison: e.reason,
        }
    }
}

/// One face as every document embeds it.
struct EmbeddedFont {
    /// Resource name in the page dictionaries (`/F1`, `/F2`).
    id: FontId,
    /// The subset face printpdf encodes text and writes widths with.
    parsed: ParsedFont,
    /// PostScript name printpdf writes (`LiberationSans-Bold`).
    name: Vec<u8>,
    /// The same with a subset tag (`CGAPPB+LiberationSans-Bold`).
    tagged_name: Vec<u8>,
    /// Font program, zlib-compressed once.
    program: Vec<u8>,
    /// Uncompressed size of the program (`/Length1`).
    program_len: usize,
}

impl EmbeddedFont {
    fn new(id: &str, tag: &str, font: fonts::PreparedFont) -> Result<EmbeddedFont, RenderError> {
        let name = font
            .parsed
            .font_name
            .clone()
            .unwrap_or_else(|| id.to_string())
            .into_bytes();
        let mut tagged_name = format!("{tag}+").into_bytes();
        tagged_name.extend_from_slice(&name);
        Ok(EmbeddedFont {
            id: FontId(id.to_string()),
            parsed: font.parsed,
            name,
            tagged_name,
            program: deflate(&font.program, flate2::Compression::best())?,
            program_len: font.program.len(),
        })
    }

    fn program_stream(&self) -> Stream {
        let mut dict = Dictionary::new();
        dict.set(
            "Length1",
            i64::try_from(self.program_len).unwrap_or(i64::MAX),
        );
        dict.set("Filter", "FlateDecode");
        Stream::new(dict, self.program.clone()).with_compression(false)
    }
}

/// Renders appels to PDF; build once per batch and share (it is `Send + Sync`).
pub struct Renderer {
    metrics: Metrics,
    regular: EmbeddedFont,
    bold: EmbeddedFont,
    /// The sRGB profile of the PDF/A OutputIntent, zlib-compressed once.
    icc: Vec<u8>,
}

// The batch shares one renderer across rayon threads.
const _: () = {
    const fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Renderer>();
};

impl fmt::Debug for Renderer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Renderer").finish_non_exhaustive()
    }
}

/// `/Creator` of the Info dictionary (`xmp:CreatorTool` in the XMP).
const CREATOR: &str = "cotisations";
/// `/Producer` of the Info dictionary (`pdf:Producer` in the XMP).
const PRODUCER: &str = "cotisations (printpdf)";

/// The document's descriptive metadata, written both in the Info
/// dictionary and, for PDF/A, in the XMP packet: the two must agree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct DocInfo {
    pub(super) title: String,
    pub(super) author: String,
    pub(super) subject: String,
    pub(super) creator: &'static str,
    pub(super) producer: &'static str,
    /// Creation and modification date: the date of issue, midnight UTC.
    pub(super) date: chrono::NaiveDate,
}

impl DocInfo {
    fn of(appel: &Appel, emetteur: &Emetteur) -> DocInfo {
        DocInfo {
            title: format!("Appel de cotisation {}", appel.numero),
            author: emetteur.nom.clone(),
            subject: format!("Cotisation {} – {}", appel.exercice, appel.membre.nom),
            creator: CREATOR,
            producer: PRODUCER,
            date: appel.date_emission,
        }
    }
}

/// Compression level of the per-document streams (page content, ToUnicode):
/// small streams, where the best level costs time and saves a few bytes.
const CONTENT_COMPRESSION: u32 = 3;

impl Renderer {
    /// Prepares fonts ONCE per batch (subset + compress once, reused by every document).
    ///
    /// # Errors
    /// `RenderError::Police` if an embedded font cannot be subset or parsed.
    pub fn new() -> Result<Renderer, RenderError> {
        let regular = fonts::regular()?;
        let bold = fonts::bold()?;
        Ok(Renderer {
            metrics: Metrics {
                regular: regular.metrics.clone(),
                bold: bold.metrics.clone(),
            },
            regular: EmbeddedFont::new("F1", "CGAPPR", regular)?,
            bold: EmbeddedFont::new("F2", "CGAPPB", bold)?,
            icc: deflate(pdfa::SRGB_ICC, flate2::Compression::best())?,
        })
    }

    /// Renders one appel to the bytes of a plain PDF file.
    ///
    /// # Errors
    /// `RenderError` if printpdf or lopdf fail to build or write the document.
    pub fn render(&self, appel: &Appel, emetteur: &Emetteur) -> Result<Vec<u8>, RenderError> {
        let info = DocInfo::of(appel, emetteur);
        let mut lo = self.document(appel, emetteur, &info)?;
        save(&mut lo)
    }

    /// Renders one appel to the bytes of a Factur-X invoice: the same pages
    /// as [`Renderer::render`], as a PDF/A-3B file with the CII XML of
    /// `profile` embedded as `factur-x.xml` (see `pdfa`).
    ///
    /// # Errors
    /// `RenderError` if printpdf or lopdf fail to build or write the document.
    pub fn render_facturx(
        &self,
        appel: &Appel,
        emetteur: &Emetteur,
        profile: Profile,
    ) -> Result<Vec<u8>, RenderError> {
        let info = DocInfo::of(appel, emetteur);
        let mut lo = self.document(appel, emetteur, &info)?;
        let xml = facturx::cii_xml(appel, emetteur, profile);
        pdfa::make_facturx(&mut lo, &info, xml.as_bytes(), profile, &self.icc)?;
        save(&mut lo)
    }

    /// The lopdf document of one appel, post-processed (see `finish`).
    fn document(
        &self,
        appel: &Appel,
        emetteur: &Emetteur,
        doc_info: &DocInfo,
    ) -> Result<lopdf::Document, RenderError> {
        let pages = layout::layout(appel, emetteur, &self.metrics);
        let mut doc = PdfDocument::new(&doc_info.title);
        let date = pdf_date(appel);
        let info = &mut doc.metadata.info;
        info.creation_date = date;
        info.modification_date = date;
        info.metadata_date = date;
        info.author.clone_from(&doc_info.author);
        info.subject.clone_from(&doc_info.subject);
        info.creator = doc_info.creator.to_string();
        info.producer = doc_info.producer.to_string();
        info.identifier.clone_from(&appel.numero);
        for font in [&self.regular, &self.bold] {
            let meta = PrintpdfFontMeta {
                embedding_mode: FontEmbeddingMode::Full,
                requires_subsetting: false,
                ..PrintpdfFontMeta::default()
            };
            doc.resources.fonts.map.insert(
                font.id.clone(),
                PdfFont::with_meta(font.parsed.clone(), meta),
            );
        }
        doc.with_pages(pages.iter().map(|page| self.page(page)).collect());

        let options = PdfSaveOptions {
            optimize: false,
            subset_fonts: false,
            secure: true,
            image_optimization: None,
        };
        let mut warnings = Vec::new();
        let mut lo = doc.to_lopdf_document(&options, &mut warnings);
        if let Some(error) = warnings
            .iter()
            .find(|w| w.severity == PdfParseErrorSeverity::Error)
        {
            return Err(RenderError::Construction(error.msg.clone()));
        }
        self.finish(&mut lo, appel)?;
        Ok(lo)
    }

    fn handle(&self, face: Face) -> PdfFontHandle {
        match face {
            Face::Regular => PdfFontHandle::External(self.regular.id.clone()),
            Face::Bold => PdfFontHandle::External(self.bold.id.clone()),
        }
    }

    /// printpdf operations for one page: fills, then rules, then all the
    /// text in one text object (so text is always above the shading).
    fn page(&self, page: &Page) -> PdfPage {
        let mut ops = Vec::with_capacity(page.items.len() * 3 + 8);
        let mut fill_grey = None;
        for item in &page.items {
            if let Item::Fill {
                x,
                y,
                width,
                height,
                grey,
            } = *item
            {
                set_fill(&mut ops, &mut fill_grey, grey);
                ops.push(Op::DrawRectangle {
                    rectangle: Rect {
                        x: pt(x),
                        y: pt(y),
                        width: pt(width),
                        height: pt(height),
                        mode: Some(PaintMode::Fill),
                        winding_order: None,
                    },
                });
            }
        }
        let mut stroke: Option<(f32, f32)> = None;
        for item in &page.items {
            if let Item::Rule {
                x1,
                y1,
                x2,
                y2,
                width,
                grey,
            } = *item
            {
                if stroke.is_none_or(|(_, g)| g != grey) {
                    ops.push(Op::SetOutlineColor {
                        col: grey_color(grey),
                    });
                }
                if stroke.is_none_or(|(w, _)| w != width) {
                    ops.push(Op::SetOutlineThickness { pt: pt(width) });
                }
                stroke = Some((width, grey));
                ops.push(Op::DrawLine {
                    line: Line {
                        points: vec![point(x1, y1), point(x2, y2)],
                        is_closed: false,
                    },
                });
            }
        }
        ops.push(Op::StartTextSection);
        let mut font: Option<(Face, f32)> = None;
        for item in &page.items {
            if let Item::Text {
                x,
                y,
                size,
                face,
                grey,
                text,
            } = item
            {
                if font != Some((*face, *size)) {
                    ops.push(Op::SetFont {
                        font: self.handle(*face),
                        size: pt(*size),
                    });
                    font = Some((*face, *size));
                }
                set_fill(&mut ops, &mut fill_grey, *grey);
                ops.push(Op::SetTextMatrix {
                    matrix: TextMatrix::Translate(pt(*x), pt(*y)),
                });
                ops.push(Op::ShowText {
                    items: vec![TextItem::Text(text.clone())],
                });
            }
        }
        ops.push(Op::EndTextSection);
        PdfPage::new(
            printpdf::Mm(layout::PAGE_WIDTH * 25.4 / 72.0),
            printpdf::Mm(layout::PAGE_HEIGHT * 25.4 / 72.0),
            ops,
        )
    }

    /// Post-processing of printpdf's document: shared font programs with
    /// subset tags, fast compression of the rest, deterministic ID.
    fn finish(&self, doc: &mut lopdf::Document, appel: &Appel) -> Result<(), RenderError> {
        let mut programs: Vec<(ObjectId, &EmbeddedFont)> = Vec::new();
        for object in doc.objects.values_mut() {
            if let Object::Dictionary(dict) = object {
                self.tag_font(dict, &mut programs);
            }
        }
        for (id, font) in programs {
            doc.objects
                .insert(id, Object::Stream(font.program_stream()));
        }
        for object in doc.objects.values_mut() {
            if let Object::Stream(stream) = object
                && stream.dict.get(b"Filter").is_err()
            {
                let compressed = deflate_content(&stream.content)?;
                if compressed.len() < stream.content.len() {
                    stream.dict.set("Filter", "FlateDecode");
                    stream.set_content(compressed);
                }
            }
        }
        drop_empty_resources(doc);
        // Empty entries printpdf always writes.
        if let Ok(info) = doc.trailer.get(b"Info").and_then(Object::as_reference)
            && let Ok(Object::Dictionary(info)) = doc.get_object_mut(info)
        {
            info.remove(b"Keywords");
            info.remove(b"GTS_PDFXVersion");
        }
        let id = document_id(&appel.numero);
        doc.trailer.set(
            "ID",
            Object::Array(vec![
                Object::String(id.clone(), StringFormat::Hexadecimal),
                Object::String(id, StringFormat::Hexadecimal),
            ]),
        );
        Ok(())
    }

    fn font_named(&self, name: &[u8]) -> Option<&EmbeddedFont> {
        [&self.regular, &self.bold]
            .into_iter()
            .find(|f| f.name == name)
    }

    /// Adds the subset tag to a font or descriptor dictionary, and records
    /// which font program object belongs to which face.
    fn tag_font<'s>(
        &'s self,
        dict: &mut Dictionary,
        programs: &mut Vec<(ObjectId, &'s EmbeddedFont)>,
    ) {
        let is = |dict: &Dictionary, key: &[u8], value: &[u8]| {
            dict.get(key)
                .and_then(Object::as_name)
                .is_ok_and(|n| n == value)
        };
        if is(dict, b"Type", b"FontDescriptor") {
            let Some(font) = dict
                .get(b"FontName")
                .and_then(Object::as_name)
                .ok()
                .and_then(|n| self.font_named(n))
            else {
                return;
            };
            dict.set("FontName", Object::Name(font.tagged_name.clone()));
            if let Ok(id) = dict.get(b"FontFile2").and_then(Object::as_reference) {
                programs.push((id, font));
            }
        } else if is(dict, b"Type", b"Font") && is(dict, b"Subtype", b"Type0") {
            let Some(font) = dict
                .get(b"BaseFont")
                .and_then(Object::as_name)
                .ok()
                .and_then(|n| self.font_named(n))
            else {
                return;
            };
            dict.set("BaseFont", Object::Name(font.tagged_name.clone()));
            if let Ok(Object::Array(descendants)) = dict.get_mut(b"DescendantFonts") {
                for descendant in descendants {
                    if let Object::Dictionary(d) = descendant {
                        d.set("BaseFont", Object::Name(font.tagged_name.clone()));
                    }
                }
            }
        }
    }
}

/// Removes what printpdf writes on every page whether used or not: empty
/// `/Annots` arrays and the empty `/XObject`, `/ExtGState` and `/Shading`
/// resource dictionaries (and their objects, once nothing refers to them).
fn drop_empty_resources(doc: &mut lopdf::Document) {
    let is_empty_dict = |doc: &lopdf::Document, value: &Object| match value {
        Object::Reference(id) => {
            matches!(doc.objects.get(id), Some(Object::Dictionary(d)) if d.is_empty())
        }
        Object::Dictionary(d) => d.is_empty(),
        _ => false,
    };
    let pages: Vec<ObjectId> = doc.get_pages().into_values().collect();
    let mut dropped = Vec::new();
    for page in pages {
        let resources = match doc.get_dictionary_mut(page) {
            Ok(dict) => {
                if dict
                    .get(b"Annots")
                    .and_then(Object::as_array)
                    .is_ok_and(Vec::is_empty)
                {
                    dict.remove(b"Annots");
                }
                dict.get(b"Resources").and_then(Object::as_reference).ok()
            }
            Err(_) => None,
        };
        let Some(resources) = resources else { continue };
        let Ok(dict) = doc.get_dictionary(resources) else {
            continue;
        };
        let empty: Vec<(Vec<u8>, Option<ObjectId>)> = [&b"XObject"[..], b"ExtGState", b"Shading"]
            .into_iter()
            .filter_map(|key| {
                let value = dict.get(key).ok()?;
                is_empty_dict(doc, value).then(|| (key.to_vec(), value.as_reference().ok()))
            })
            .collect();
        if let Ok(dict) = doc.get_dictionary_mut(resources) {
            for (key, id) in empty {
                dict.remove(&key);
                dropped.extend(id);
            }
        }
    }
    dropped.sort_unstable();
    dropped.dedup();
    dropped.retain(|id| !doc.objects.values().any(|o| refers_to(o, *id)));
    for id in dropped {
        doc.objects.remove(&id);
    }
}

/// Whether `object` holds a reference to `id` (directly or nested).
fn refers_to(object: &Object, id: ObjectId) -> bool {
    match object {
        Object::Reference(r) => *r == id,
        Object::Array(items) => items.iter().any(|o| refers_to(o, id)),
        Object::Dictionary(dict) => dict.iter().any(|(_, o)| refers_to(o, id)),
        Object::Stream(stream) => stream.dict.iter().any(|(_, o)| refers_to(o, id)),
        _ => false,
    }
}

fn pt(v: f32) -> Pt {
    // Two decimals are a hundredth of a point: plenty, and shorter streams.
    Pt((v * 100.0).round() / 100.0)
}

fn point(x: f32, y: f32) -> LinePoint {
    LinePoint {
        p: Point { x: pt(x), y: pt(y) },
        bezier: false,
    }
}

fn grey_color(grey: f32) -> Color {
    Color::Greyscale(Greyscale::new(grey, None))
}

fn set_fill(ops: &mut Vec<Op>, current: &mut Option<f32>, grey: f32) {
    if *current != Some(grey) {
        ops.push(Op::SetFillColor {
            col: grey_color(grey),
        });
        *current = Some(grey);
    }
}

fn deflate(data: &[u8], level: flate2::Compression) -> Result<Vec<u8>, RenderError> {
    deflate_with(&mut flate2::Compress::new(level, true), data)
}

thread_local! {
    /// One compressor per thread, reset between streams: building one
    /// allocates and clears a few hundred kilobytes, more than compressing a
    /// page of content costs.
    static CONTENT_DEFLATE: std::cell::RefCell<flate2::Compress> = std::cell::RefCell::new(
        flate2::Compress::new(flate2::Compression::new(CONTENT_COMPRESSION), true),
    );
}

pub(super) fn deflate_content(data: &[u8]) -> Result<Vec<u8>, RenderError> {
    CONTENT_DEFLATE.with(|compress| {
        let mut compress = compress.borrow_mut();
        compress.reset();
        deflate_with(&mut compress, data)
    })
}

/// A whole zlib stream of `data`.
fn deflate_with(compress: &mut flate2::Compress, data: &[u8]) -> Result<Vec<u8>, RenderError> {
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

/// The bytes of the finished document.
fn save(doc: &mut lopdf::Document) -> Result<Vec<u8>, RenderError> {
    let mut bytes = Vec::with_capacity(40 * 1024);
    // Object and cross-reference streams (PDF 1.5): the dictionaries (font
    // widths, page, info) are compressed too.
    let save = lopdf::SaveOptions::builder()
        .use_object_streams(true)
        .use_xref_streams(true)
        .compression_level(CONTENT_COMPRESSION)
        .build();
    doc.save_with_options(&mut bytes, save)
        .map_err(|e| RenderError::Ecriture(e.to_string()))?;
    Ok(bytes)
}

/// Creation and modification date: the appel's date of issue, at midnight UTC.
fn pdf_date(appel: &Appel) -> OffsetDateTime {
    let seconds = appel
        .date_emission
        .and_hms_opt(0, 0, 0)
        .map_or(0, |d| d.and_utc().timestamp());
    OffsetDateTime::from_unix_timestamp(seconds)
        .unwrap_or_else(|_| printpdf::PdfDocumentInfo::default().creation_date)
}

/// Trailer ID: 16 bytes derived from the appel number (two FNV-1a 64 hashes),
/// so a re-run of the batch gives byte-identical files.
fn document_id(numero: &str) -> Vec<u8> {
    let fnv = |seed: u64| {
        numero.bytes().fold(seed, |hash, byte| {
            (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3)
        })
    };
    let mut id = fnv(0xcbf2_9ce4_8422_2325).to_be_bytes().to_vec();
    id.extend_from_slice(&fnv(0x6c62_272e_07bb_0142).to_be_bytes());
    id
}
