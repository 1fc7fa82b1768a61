//! PDF bytes of the report, with printpdf and lopdf.
//!
//! Not `render`'s writer (tuned for thousands of appels with one subset for
//! the whole batch): one report per batch, so the two Liberation Sans faces
//! are taken whole (`render::fonts::ParsedFace`), measured for the layout,
//! then subset to exactly the characters the report prints. The document is
//! made deterministic like the appels: dates from the date of issue, trailer
//! ID from the content.

// Coordinates, not money: every float here is a position or a size in points.
#![allow(clippy::float_arithmetic)]

use std::collections::BTreeSet;
use std::fmt;

use lopdf::{Object, StringFormat};
use printpdf::{
    Color, FontEmbeddingMode, FontId, Greyscale, Line, LinePoint, OffsetDateTime, Op, PaintMode,
    PdfDocument, PdfFont, PdfFontHandle, PdfPage, PdfParseErrorSeverity, PdfSaveOptions, Point,
    PrintpdfFontMeta, Pt, Rect, TextItem, TextMatrix,
};
use sha2::{Digest, Sha256};

use super::layout::{self, Face, Item, Measure, Page};
use crate::render::fonts::{FontError, ParsedFace};
use crate::render::{CREATOR, PRODUCER, RenderError};
use crate::summary::Summary;

/// Why the report could not be built: an embedded font could not be read or
/// subset (a build problem), printpdf refused to build the document, or
/// compressing or serialising it failed; said as for an appel.
#[derive(Debug)]
pub struct ReportError(RenderError);

impl fmt::Display for ReportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for ReportError {}

impl From<FontError> for ReportError {
    fn from(e: FontError) -> ReportError {
        ReportError(e.into())
    }
}

/// The two faces, whole: what the layout measures text with.
pub(super) struct Fonts {
    regular: ParsedFace,
    bold: ParsedFace,
}

impl Fonts {
    pub(super) fn load() -> Result<Fonts, ReportError> {
        Ok(Fonts {
            regular: ParsedFace::regular()?,
            bold: ParsedFace::bold()?,
        })
    }

    fn face(&self, face: Face) -> &ParsedFace {
        match face {
            Face::Regular => &self.regular,
            Face::Bold => &self.bold,
        }
    }
}

impl Measure for Fonts {
    fn advance(&self, face: Face, c: char) -> Option<u16> {
        let face = self.face(face);
        // The advances of the `/W` array printpdf writes.
        face.glyph(c).map(|gid| face.advance(gid))
    }
}

/// Resource names of the two faces in the page dictionaries.
const REGULAR_ID: &str = "F1";
const BOLD_ID: &str = "F2";

/// Renders the report of `summary`, issued by `emetteur`.
///
/// # Errors
/// `ReportError` if a font cannot be read or printpdf / lopdf fail.
pub(super) fn render(summary: &Summary, emetteur: &str) -> Result<Vec<u8>, ReportError> {
    let fonts = Fonts::load()?;
    let pages = layout::layout(summary, emetteur, &fonts);

    let title = layout::title(summary.exercice);
    let mut doc = PdfDocument::new(&title);
    let date = pdf_date(summary.date_emission);
    let info = &mut doc.metadata.info;
    info.creation_date = date;
    info.modification_date = date;
    info.metadata_date = date;
    info.author = emetteur.trim().to_string();
    info.subject = format!("Appels de cotisation {} : bilan du lot", summary.exercice);
    info.creator = CREATOR.into();
    info.producer = PRODUCER.into();
    let mut tags = Vec::new();
    for (face, id, tag) in [
        (Face::Regular, REGULAR_ID, "CGRAPR"),
        (Face::Bold, BOLD_ID, "CGRAPB"),
    ] {
        let used = used_chars(&pages, face);
        let meta = PrintpdfFontMeta {
            embedding_mode: FontEmbeddingMode::Full,
            requires_subsetting: false,
            ..PrintpdfFontMeta::default()
        };
        let whole = fonts.face(face);
        let mut subset = whole.printpdf_font(&whole.subset(used)?)?;
        // printpdf's parser (without its text layout engine) leaves the name
        // unread: the face's PostScript name, as the appels carry it.
        subset.font_name = whole.postscript_name();
        if let Some(name) = &subset.font_name {
            tags.push((
                name.clone().into_bytes(),
                format!("{tag}+{name}").into_bytes(),
            ));
        }
        doc.resources
            .fonts
            .map
            .insert(FontId(id.into()), PdfFont::with_meta(subset, meta));
    }
    doc.with_pages(pages.iter().map(page).collect());

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
        return Err(ReportError(RenderError::Construction(error.msg.clone())));
    }
    // Empty entries printpdf always writes.
    if let Ok(info) = lo.trailer.get(b"Info").and_then(Object::as_reference)
        && let Ok(Object::Dictionary(info)) = lo.get_object_mut(info)
    {
        info.remove(b"Keywords");
        info.remove(b"GTS_PDFXVersion");
    }
    // The faces are subsets: their names say so (`CGRAPR+LiberationSans`).
    for object in lo.objects.values_mut() {
        tag_fonts(object, &tags);
    }
    // printpdf draws a random ID: derive it from the content instead.
    let id = document_id(summary, emetteur);
    lo.trailer.set(
        "ID",
        Object::Array(vec![
            Object::String(id.clone(), StringFormat::Hexadecimal),
            Object::String(id, StringFormat::Hexadecimal),
        ]),
    );
    lo.compress();
    let mut bytes = Vec::with_capacity(64 * 1024);
    let save = lopdf::SaveOptions::builder()
        .use_object_streams(true)
        .use_xref_streams(true)
        .build();
    lo.save_with_options(&mut bytes, save)
        .map_err(|e| ReportError(RenderError::Ecriture(e.to_string())))?;
    Ok(bytes)
}

/// Adds the subset tag to the font names of `object` (font and font
/// descriptor dictionaries, also when nested).
fn tag_fonts(object: &mut Object, tags: &[(Vec<u8>, Vec<u8>)]) {
    match object {
        Object::Dictionary(dict) => {
            let kind = dict
                .get(b"Type")
                .and_then(Object::as_name)
                .map(<[u8]>::to_vec)
                .unwrap_or_default();
            let key: &[u8] = match kind.as_slice() {
                b"Font" => b"BaseFont",
                b"FontDescriptor" => b"FontName",
                _ => b"",
            };
            if !key.is_empty()
                && let Some((_, tagged)) = dict
                    .get(key)
                    .and_then(Object::as_name)
                    .ok()
                    .and_then(|n| tags.iter().find(|(name, _)| name == n))
            {
                dict.set(key, Object::Name(tagged.clone()));
            }
            for (_, value) in dict.iter_mut() {
                tag_fonts(value, tags);
            }
        }
        Object::Array(items) => {
            for item in items {
                tag_fonts(item, tags);
            }
        }
        _ => {}
    }
}

/// Every character printed in `face`.
fn used_chars(pages: &[Page], face: Face) -> BTreeSet<char> {
    let mut chars = BTreeSet::new();
    for p in pages {
        for item in &p.items {
            if let Item::Text { face: f, text, .. } = item
                && *f == face
            {
                chars.extend(text.chars());
            }
        }
    }
    chars
}

fn handle(face: Face) -> PdfFontHandle {
    PdfFontHandle::External(FontId(
        match face {
            Face::Regular => REGULAR_ID,
            Face::Bold => BOLD_ID,
        }
        .into(),
    ))
}

/// printpdf operations for one page, in item order (text runs grouped in
/// text objects).
#[allow(clippy::too_many_lines, reason = "one match arm per kind of item")]
fn page(page: &Page) -> PdfPage {
    let mut ops = Vec::with_capacity(page.items.len() * 3 + 8);
    let mut fill_grey = None;
    let mut stroke: Option<(f32, f32)> = None;
    let mut font: Option<(Face, f32)> = None;
    let mut text_open = false;
    for item in &page.items {
        let is_text = matches!(item, Item::Text { .. });
        if is_text != text_open {
            ops.push(if is_text {
                Op::StartTextSection
            } else {
                Op::EndTextSection
            });
            text_open = is_text;
            font = None;
        }
        match item {
            Item::Fill {
                x,
                y,
                width,
                height,
                grey,
            } => {
                set_fill(&mut ops, &mut fill_grey, *grey);
                ops.push(Op::DrawRectangle {
                    rectangle: Rect {
                        x: pt(*x),
                        y: pt(*y),
                        width: pt(*width),
                        height: pt(*height),
                        mode: Some(PaintMode::Fill),
                        winding_order: None,
                    },
                });
            }
            Item::Rule {
                x1,
                y1,
                x2,
                y2,
                width,
                grey,
            } => {
                if stroke.is_none_or(|(_, g)| g.to_bits() != grey.to_bits()) {
                    ops.push(Op::SetOutlineColor {
                        col: grey_color(*grey),
                    });
                }
                if stroke.is_none_or(|(w, _)| w.to_bits() != width.to_bits()) {
                    ops.push(Op::SetOutlineThickness { pt: pt(*width) });
                }
                stroke = Some((*width, *grey));
                ops.push(Op::DrawLine {
                    line: Line {
                        points: vec![point(*x1, *y1), point(*x2, *y2)],
                        is_closed: false,
                    },
                });
            }
            Item::Text {
                x,
                y,
                size,
                face,
                grey,
                text,
            } => {
                if font != Some((*face, *size)) {
                    ops.push(Op::SetFont {
                        font: handle(*face),
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
    }
    if text_open {
        ops.push(Op::EndTextSection);
    }
    PdfPage::new(
        printpdf::Mm(layout::PAGE_WIDTH * 25.4 / 72.0),
        printpdf::Mm(layout::PAGE_HEIGHT * 25.4 / 72.0),
        ops,
    )
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

/// Creation and modification date: the date of issue, at midnight UTC.
fn pdf_date(date: chrono::NaiveDate) -> OffsetDateTime {
    let seconds = date
        .and_hms_opt(0, 0, 0)
        .map_or(0, |d| d.and_utc().timestamp());
    OffsetDateTime::from_unix_timestamp(seconds)
        .unwrap_or_else(|_| printpdf::PdfDocumentInfo::default().creation_date)
}

/// Trailer ID: the first 16 bytes of the SHA-256 of what the report shows,
/// so a re-run of the batch gives byte-identical files.
fn document_id(summary: &Summary, emetteur: &str) -> Vec<u8> {
    let mut hasher = Sha256::new();
    hasher.update(summary.to_json());
    hasher.update(emetteur.as_bytes());
    hasher.finalize()[..16].to_vec()
}
