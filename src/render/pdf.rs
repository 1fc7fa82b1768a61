//! PDF bytes from laid-out pages.
//!
//! Performance shapes this file: a batch renders tens of thousands of
//! appels, and each one differs from the next only by its page content, its
//! metadata and (Factur-X) its XML. So:
//!
//! - `Renderer::new` prepares the two faces once (subset, unhinted; see
//!   `fonts`) and serialises, once, everything every document carries: the
//!   font programs, `ToUnicode` maps, font and descriptor dictionaries, the
//!   page resources and (Factur-X) the sRGB profile — compressed at the best
//!   level, in a `Shared` block of bytes with fixed object numbers.
//! - `Renderer::render` lays out one appel, writes its page content with the
//!   glyph ids already known (no per-document font work, no generic object
//!   model), compresses the few per-document streams with a reused
//!   compressor at a fast level, puts the small dictionaries in one
//!   compressed object stream and ends with a cross-reference stream.
//!
//! printpdf (0.12, `subset_font`, `ParsedFont`) prepares the faces; lopdf
//! reads the files back in the tests. The output is a plain PDF 1.7 with
//! object and cross-reference streams: every object number, offset and byte
//! derives from the appel, so the same appel always gives the same bytes, on
//! any thread. `Renderer::render_facturx` writes the same pages as a
//! PDF/A-3B Factur-X invoice; `pdfa` provides its extra objects.

// Coordinates, not money: every float here is a position or a size in points.
#![allow(clippy::float_arithmetic)]

use std::cell::RefCell;
use std::fmt;

use sha2::{Digest, Sha256};

use super::fonts::{self, FontError, PreparedFont};
use super::layout::{self, DocumentKind, Metrics};
use super::page::{self, Face, Item, Page};
use super::pdfa;
use super::serialize::{
    CONTENT_COMPRESSION, ObjectStream, PdfFile, XrefEntry, deflate, deflate_content, pdf_date,
    push_hex, push_ints, push_num, push_nums, push_ref, push_string_byte, push_text, push_uint,
};
use super::{DocInfo, RenderError};
use crate::appel::Appel;
use crate::avoir::Avoir;
use crate::emetteur::Emetteur;
use crate::facturx::{self, Profile};

// ---------------------------------------------------------------------------
// Fonts

/// Resource names of the two faces in the page resources.
const FONT_NAMES: [&[u8]; 2] = [b"F1", b"F2"];
/// Subset tags (six capitals, PDF 32000-1 9.6.4) of the two faces.
const SUBSET_TAGS: [&str; 2] = ["CGAPPR", "CGAPPB"];

/// Glyph ids of one face, by character: what the page content shows.
struct Encoding {
    /// U+0000..U+00FF, direct; 0 when the face has no glyph for it.
    latin: [u16; 256],
    /// Everything else, sorted by character.
    other: Vec<(char, u16)>,
    /// The glyph of `?`, for a character layout did not clean (never
    /// happens: `Metrics::clean` only keeps what both faces print).
    fallback: u16,
}

impl Encoding {
    fn new(glyphs: &[(char, u16)]) -> Encoding {
        let mut latin = [0_u16; 256];
        let mut other = Vec::new();
        for &(c, gid) in glyphs {
            match usize::try_from(u32::from(c)) {
                Ok(i) if i < 256 => latin[i] = gid,
                _ => other.push((c, gid)),
            }
        }
        other.sort_unstable();
        Encoding {
            fallback: latin[usize::from(b'?')],
            latin,
            other,
        }
    }

    fn gid(&self, c: char) -> u16 {
        let gid = match usize::try_from(u32::from(c)) {
            Ok(i) if i < 256 => self.latin[i],
            _ => self
                .other
                .binary_search_by_key(&c, |e| e.0)
                .map_or(0, |i| self.other[i].1),
        };
        if gid == 0 { self.fallback } else { gid }
    }
}

// ---------------------------------------------------------------------------
// The renderer

/// Renders appels to PDF; build once per batch and share (it is `Send + Sync`).
pub struct Renderer {
    metrics: Metrics,
    /// Regular, bold.
    encodings: [Encoding; 2],
    plain: Shared,
    facturx: Shared,
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

/// Compression level of what is compressed once per batch (font programs,
/// `ToUnicode` maps, ICC profile, shared dictionaries): the best.
const SHARED_COMPRESSION: u32 = 9;

impl Renderer {
    /// Prepares fonts and every shared object ONCE per batch.
    ///
    /// # Errors
    /// `RenderError::Police` if an embedded font cannot be subset or parsed.
    pub fn new() -> Result<Renderer, RenderError> {
        // The two faces side by side (the batch waits for them): each is
        // subset, parsed back and compressed once for both kinds of
        // documents.
        let face = |prepare: fn() -> Result<PreparedFont, FontError>| {
            prepare()
                .map_err(RenderError::from)
                .and_then(|face| Ok((FaceStreams::new(&face)?, face)))
        };
        let (regular, bold) = rayon::join(|| face(fonts::regular), || face(fonts::bold));
        let ((regular_streams, regular), (bold_streams, bold)) = (regular?, bold?);
        let faces = [regular, bold];
        let streams = [regular_streams, bold_streams];
        let (plain, facturx) = rayon::join(
            || Shared::new(&faces, &streams, false),
            || Shared::new(&faces, &streams, true),
        );
        Ok(Renderer {
            metrics: Metrics {
                regular: faces[0].metrics.clone(),
                bold: faces[1].metrics.clone(),
            },
            encodings: [
                Encoding::new(&faces[0].glyphs),
                Encoding::new(&faces[1].glyphs),
            ],
            plain: plain?,
            facturx: facturx?,
        })
    }

    /// The SHA-256 of `pdf`, as `Sha256::digest` gives it. For a document
    /// this renderer wrote, the hash resumes from the state after the
    /// shared objects every document starts with (20 KB, two thirds of a
    /// one-page appel), hashed once per batch.
    #[must_use]
    pub fn sha256(&self, pdf: &[u8]) -> [u8; 32] {
        let shared = [&self.facturx, &self.plain]
            .into_iter()
            .find(|s| pdf.starts_with(&s.bytes));
        let mut hasher = if let Some(shared) = shared {
            let mut hasher = shared.hasher.clone();
            hasher.update(&pdf[shared.bytes.len()..]);
            hasher
        } else {
            let mut hasher = Sha256::new();
            hasher.update(pdf);
            hasher
        };
        let mut digest = [0; 32];
        digest.copy_from_slice(&hasher.finalize_reset());
        digest
    }

    /// Renders one appel to the bytes of a plain PDF file.
    ///
    /// # Errors
    /// `RenderError` if a stream cannot be compressed.
    pub fn render(&self, appel: &Appel, emetteur: &Emetteur) -> Result<Vec<u8>, RenderError> {
        self.render_as(appel, DocumentKind::Appel, emetteur, None)
    }

    /// Renders one appel to the bytes of a Factur-X invoice: the same pages
    /// as [`Renderer::render`], as a PDF/A-3B file with the CII XML of
    /// `profile` embedded as `factur-x.xml` (see `pdfa`).
    ///
    /// # Errors
    /// `RenderError` if a stream cannot be compressed.
    pub fn render_facturx(
        &self,
        appel: &Appel,
        emetteur: &Emetteur,
        profile: Profile,
    ) -> Result<Vec<u8>, RenderError> {
        self.render_as(appel, DocumentKind::Appel, emetteur, Some(profile))
    }

    /// Renders `appel` laid out as an appel: a plain PDF when `profile` is
    /// `None`, else a Factur-X invoice.
    fn render_as(
        &self,
        appel: &Appel,
        kind: DocumentKind<'_>,
        emetteur: &Emetteur,
        profile: Option<Profile>,
    ) -> Result<Vec<u8>, RenderError> {
        let info = DocInfo::of(appel, emetteur);
        let pages = layout::layout(appel, kind, emetteur, &self.metrics);
        match profile {
            None => self.document(&pages, &info, &appel.numero, None),
            Some(profile) => {
                let xml = facturx::cii_xml(appel, emetteur, profile);
                self.document(
                    &pages,
                    &info,
                    &appel.numero,
                    Some((xml.as_bytes(), profile)),
                )
            }
        }
    }

    /// Renders a credit note (`crate::avoir`) with the same writer as the
    /// appels: the page of an appel titled « AVOIR », with the appel it
    /// corrects, the motif, signed lines and totals and no payment block
    /// (see `layout`); a plain PDF when `profile` is `None`, else a
    /// Factur-X credit note (PDF/A-3B, CII type 381, positive amounts, the
    /// appel as preceding invoice). Its title and subject say « Avoir ».
    /// The same credit note always gives the same bytes.
    ///
    /// # Errors
    /// `RenderError` if a stream cannot be compressed.
    pub fn render_avoir(
        &self,
        avoir: &Avoir,
        emetteur: &Emetteur,
        profile: Option<Profile>,
    ) -> Result<Vec<u8>, RenderError> {
        let signed = avoir.signed();
        let info = DocInfo {
            title: format!("Avoir {}", signed.numero),
            subject: format!(
                "Avoir sur l'appel {} – {}",
                avoir.correction.appel_numero, signed.membre.nom
            ),
            ..DocInfo::of(&signed, emetteur)
        };
        let kind = DocumentKind::Avoir(&avoir.correction);
        let pages = layout::layout(&signed, kind, emetteur, &self.metrics);
        let xml = profile.map(|p| {
            (
                facturx::cii_xml_avoir(&avoir.document, &avoir.correction, emetteur, p),
                p,
            )
        });
        self.document(
            &pages,
            &info,
            &signed.numero,
            xml.as_ref().map(|(x, p)| (x.as_bytes(), *p)),
        )
    }

    /// The bytes of a document of `pages`; a Factur-X invoice when `facturx`
    /// gives its XML. `numero` seeds the trailer ID.
    #[allow(
        clippy::too_many_lines,
        reason = "the document's objects in file order, as the PDF lays them out"
    )]
    pub(super) fn document(
        &self,
        pages: &[Page],
        info: &DocInfo,
        numero: &str,
        facturx: Option<(&[u8], Profile)>,
    ) -> Result<Vec<u8>, RenderError> {
        let shared = if facturx.is_some() {
            &self.facturx
        } else {
            &self.plain
        };
        let mut file = PdfFile::starting_with(&shared.bytes, &shared.xref);

        // Page contents, compressed one by one.
        let mut contents = Vec::with_capacity(pages.len());
        CONTENT_BUFFER.with(|buffer| -> Result<(), RenderError> {
            let mut raw = buffer.borrow_mut();
            for page in pages {
                raw.clear();
                self.content(page, &mut raw);
                let id = file.reserve();
                file.stream(id, b"/Filter/FlateDecode", &deflate_content(&raw)?);
                contents.push(id);
            }
            Ok(())
        })?;

        let extras = match facturx {
            Some((xml, profile)) => Some(pdfa::streams(&mut file, info, xml, profile)?),
            None => None,
        };

        // The small dictionaries, in one compressed object stream.
        let objstm = file.reserve();
        let catalog = file.reserve();
        let pages_id = file.reserve();
        let page_ids: Vec<u32> = pages.iter().map(|_| file.reserve()).collect();
        let info_id = file.reserve();
        let spec = extras.as_ref().map(|_| file.reserve());
        let mut dicts = ObjectStream::default();

        let o = dicts.object(catalog);
        o.extend_from_slice(b"<</Type/Catalog/Pages ");
        push_ref(o, pages_id);
        o.extend_from_slice(b"/PageLayout/OneColumn");
        if let (Some(extras), Some(spec), Some(intent)) = (&extras, spec, shared.icc) {
            pdfa::catalog_entries(o, extras, spec, intent);
        }
        o.extend_from_slice(b">>");

        let o = dicts.object(pages_id);
        o.extend_from_slice(b"<</Type/Pages/Kids[");
        for (i, &id) in page_ids.iter().enumerate() {
            if i > 0 {
                o.push(b' ');
            }
            push_ref(o, id);
        }
        o.extend_from_slice(b"]/Count ");
        push_uint(o, page_ids.len());
        o.extend_from_slice(b">>");

        for (&id, &content) in page_ids.iter().zip(&contents) {
            let o = dicts.object(id);
            o.extend_from_slice(b"<</Type/Page/Parent ");
            push_ref(o, pages_id);
            o.extend_from_slice(b"/MediaBox[0 0 ");
            push_num(o, page::PAGE_WIDTH);
            o.push(b' ');
            push_num(o, page::PAGE_HEIGHT);
            o.extend_from_slice(b"]/Resources ");
            push_ref(o, shared.resources);
            o.extend_from_slice(b"/Contents ");
            push_ref(o, content);
            o.extend_from_slice(b">>");
        }

        let o = dicts.object(info_id);
        let date = pdf_date(info.date);
        o.extend_from_slice(b"<</Title");
        push_text(o, &info.title);
        o.extend_from_slice(b"/Author");
        push_text(o, &info.author);
        o.extend_from_slice(b"/Subject");
        push_text(o, &info.subject);
        o.extend_from_slice(b"/Creator");
        push_text(o, info.creator);
        o.extend_from_slice(b"/Producer");
        push_text(o, info.producer);
        o.extend_from_slice(b"/CreationDate");
        push_text(o, &date);
        o.extend_from_slice(b"/ModDate");
        push_text(o, &date);
        o.extend_from_slice(b">>");

        if let (Some(extras), Some(spec)) = (&extras, spec) {
            pdfa::filespec(dicts.object(spec), extras);
        }
        file.object_stream(objstm, &dicts, CONTENT_COMPRESSION)?;
        Ok(file.finish(catalog, info_id, &document_id(numero)))
    }

    /// The content stream of one page: fills, then rules, then all the
    /// text in one text object (so text is always above the shading).
    /// Positions and sizes to a hundredth of a point; text as the glyph ids
    /// of the Identity-H encoding.
    fn content(&self, page: &Page, out: &mut Vec<u8>) {
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
                set_grey(out, &mut fill_grey, grey, b" g\n");
                push_nums(out, &[x, y, width, height]);
                out.extend_from_slice(b" re\nf\n");
            }
        }
        let mut stroke_grey = None;
        let mut stroke_width = None;
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
                set_grey(out, &mut stroke_grey, grey, b" G\n");
                if stroke_width != Some(width) {
                    push_num(out, width);
                    out.extend_from_slice(b" w\n");
                    stroke_width = Some(width);
                }
                push_nums(out, &[x1, y1]);
                out.extend_from_slice(b" m\n");
                push_nums(out, &[x2, y2]);
                out.extend_from_slice(b" l\nS\n");
            }
        }
        out.extend_from_slice(b"BT\n");
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
                let index = match face {
                    Face::Regular => 0,
                    Face::Bold => 1,
                };
                if font != Some((*face, *size)) {
                    out.push(b'/');
                    out.extend_from_slice(FONT_NAMES[index]);
                    out.push(b' ');
                    push_num(out, *size);
                    out.extend_from_slice(b" Tf\n");
                    font = Some((*face, *size));
                }
                set_grey(out, &mut fill_grey, *grey, b" g\n");
                out.extend_from_slice(b"1 0 0 1 ");
                push_nums(out, &[*x, *y]);
                out.extend_from_slice(b" Tm\n");
                let encoding = &self.encodings[index];
                // Two bytes per glyph in a literal string: half the bytes
                // of hex, and the compressed stream is smaller too.
                out.push(b'(');
                for c in text.chars() {
                    for byte in encoding.gid(c).to_be_bytes() {
                        push_string_byte(out, byte);
                    }
                }
                out.extend_from_slice(b") Tj\n");
            }
        }
        out.extend_from_slice(b"ET\n");
    }
}

thread_local! {
    /// Raw page content, reused from document to document on each thread.
    static CONTENT_BUFFER: RefCell<Vec<u8>> = RefCell::new(Vec::with_capacity(16 * 1024));
}

fn set_grey(out: &mut Vec<u8>, current: &mut Option<f32>, grey: f32, operator: &[u8]) {
    if *current != Some(grey) {
        push_num(out, grey);
        out.extend_from_slice(operator);
        *current = Some(grey);
    }
}

// ---------------------------------------------------------------------------
// Objects shared by every document

/// A face's font program and `ToUnicode` map, compressed.
struct FaceStreams {
    program: Vec<u8>,
    to_unicode: Vec<u8>,
}

impl FaceStreams {
    fn new(face: &PreparedFont) -> Result<FaceStreams, RenderError> {
        Ok(FaceStreams {
            program: deflate(&face.program, SHARED_COMPRESSION)?,
            to_unicode: deflate(&to_unicode_cmap(&face.glyphs), SHARED_COMPRESSION)?,
        })
    }
}

/// The header and the objects every document of one kind carries,
/// serialised and compressed once per batch: each document starts with a
/// copy of these bytes.
struct Shared {
    bytes: Vec<u8>,
    /// SHA-256 state after `bytes`.
    hasher: Sha256,
    xref: Vec<XrefEntry>,
    /// Object number of the page resources (the two fonts).
    resources: u32,
    /// Object number of the sRGB profile (Factur-X only).
    icc: Option<u32>,
}

impl Shared {
    #[allow(
        clippy::too_many_lines,
        reason = "the shared objects in file order, as the PDF lays them out"
    )]
    fn new(
        faces: &[PreparedFont; 2],
        streams: &[FaceStreams; 2],
        pdfa: bool,
    ) -> Result<Shared, RenderError> {
        let mut file = PdfFile::new();
        let mut dicts = ObjectStream::default();
        let dicts_id = file.reserve();
        let mut type0 = [0; 2];
        for (i, (face, streams)) in faces.iter().zip(streams).enumerate() {
            let program = file.reserve();
            let mut dict = b"/Length1 ".to_vec();
            push_uint(&mut dict, face.program.len());
            dict.extend_from_slice(b"/Filter/FlateDecode");
            file.stream(program, &dict, &streams.program);
            let to_unicode = file.reserve();
            file.stream(to_unicode, b"/Filter/FlateDecode", &streams.to_unicode);
            let descriptor = file.reserve();
            type0[i] = file.reserve();
            let name = format!("{}+{}", SUBSET_TAGS[i], face.name);

            let o = dicts.object(type0[i]);
            o.extend_from_slice(b"<</Type/Font/Subtype/Type0/BaseFont/");
            o.extend_from_slice(name.as_bytes());
            o.extend_from_slice(
                b"/Encoding/Identity-H/DescendantFonts[<</Type/Font/Subtype/CIDFontType2/BaseFont/",
            );
            o.extend_from_slice(name.as_bytes());
            o.extend_from_slice(b"/CIDSystemInfo<</Registry(Adobe)/Ordering(Identity)/Supplement 0>>/FontDescriptor ");
            push_ref(o, descriptor);
            // Every glyph of the subset, from glyph 0: the widths layout
            // measured with.
            o.extend_from_slice(b"/W[0[");
            for (j, &w) in face.widths.iter().enumerate() {
                if j > 0 {
                    o.push(b' ');
                }
                push_uint(o, usize::from(w));
            }
            o.extend_from_slice(b"]]/CIDToGIDMap/Identity>>]/ToUnicode ");
            push_ref(o, to_unicode);
            o.extend_from_slice(b">>");

            let d = &face.descriptor;
            let o = dicts.object(descriptor);
            o.extend_from_slice(b"<</Type/FontDescriptor/FontName/");
            o.extend_from_slice(name.as_bytes());
            // Flags 32: non-symbolic (standard Latin characters).
            o.extend_from_slice(b"/Flags 32/FontBBox[");
            push_ints(o, &d.bbox);
            o.extend_from_slice(b"]/ItalicAngle 0/Ascent ");
            push_ints(o, &[d.ascent]);
            o.extend_from_slice(b"/Descent ");
            push_ints(o, &[d.descent]);
            o.extend_from_slice(b"/CapHeight ");
            push_ints(o, &[d.cap_height]);
            o.extend_from_slice(b"/StemV ");
            push_ints(o, &[d.stem_v]);
            o.extend_from_slice(b"/FontFile2 ");
            push_ref(o, program);
            o.extend_from_slice(b">>");
        }
        let resources = file.reserve();
        let o = dicts.object(resources);
        o.extend_from_slice(b"<</Font<<");
        for (name, id) in FONT_NAMES.iter().zip(type0) {
            o.push(b'/');
            o.extend_from_slice(name);
            o.push(b' ');
            push_ref(o, id);
        }
        o.extend_from_slice(b">>>>");
        let icc = if pdfa {
            let id = file.reserve();
            file.stream(
                id,
                b"/N 3/Filter/FlateDecode",
                &deflate(pdfa::SRGB_ICC, SHARED_COMPRESSION)?,
            );
            Some(id)
        } else {
            None
        };
        file.object_stream(dicts_id, &dicts, SHARED_COMPRESSION)?;
        let (bytes, xref) = file.into_parts();
        let mut hasher = Sha256::new();
        hasher.update(&bytes);
        Ok(Shared {
            bytes,
            hasher,
            xref,
            resources,
            icc,
        })
    }
}

/// The `ToUnicode` `CMap` of a face: glyph id → character, in ranges where
/// both run on together.
fn to_unicode_cmap(glyphs: &[(char, u16)]) -> Vec<u8> {
    let mut by_gid: Vec<(u16, u32)> = glyphs.iter().map(|&(c, g)| (g, u32::from(c))).collect();
    by_gid.sort_unstable();
    by_gid.dedup_by_key(|e| e.0);
    // (first gid, last gid, first character)
    let mut ranges: Vec<(u16, u16, u32)> = Vec::new();
    for &(gid, c) in &by_gid {
        if let Some(last) = ranges.last_mut() {
            let next_gid = u32::from(last.1) + 1;
            let next_c = last.2 + u32::from(last.1 - last.0) + 1;
            // A range may not cross a change of the high byte (of either side).
            if u32::from(gid) == next_gid
                && c == next_c
                && gid >> 8 == last.0 >> 8
                && c >> 8 == last.2 >> 8
            {
                last.1 = gid;
                continue;
            }
        }
        ranges.push((gid, gid, c));
    }
    // The conventional layout, spaces included: some readers (lopdf among
    // them) parse a ToUnicode CMap token by token, not as PostScript.
    let mut out = b"/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n\
/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n\
/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n\
1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n"
        .to_vec();
    let hex4 = |out: &mut Vec<u8>, v: u32| {
        out.push(b'<');
        push_hex(out, &u16::try_from(v).unwrap_or(0xfffd).to_be_bytes());
        out.push(b'>');
    };
    for block in ranges.chunks(100) {
        push_uint(&mut out, block.len());
        out.extend_from_slice(b" beginbfrange\n");
        for &(first, last, c) in block {
            hex4(&mut out, u32::from(first));
            out.push(b' ');
            hex4(&mut out, u32::from(last));
            out.push(b' ');
            hex4(&mut out, c);
            out.push(b'\n');
        }
        out.extend_from_slice(b"endbfrange\n");
    }
    out.extend_from_slice(b"endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n");
    out
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_written_to_a_hundredth() {
        let mut out = Vec::new();
        push_nums(&mut out, &[56.692_913, 0.9, 9.0, -1.5, 0.004, 841.89]);
        assert_eq!(out, b"56.69 0.9 9 -1.5 0 841.89");
    }

    #[test]
    fn unicode_ranges_never_cross_a_high_byte() {
        let glyphs = [
            ('a', 1),
            ('b', 2),
            ('c', 3),
            ('\u{ff}', 4),
            ('\u{100}', 5),
            ('€', 9),
        ];
        let cmap = String::from_utf8(to_unicode_cmap(&glyphs)).unwrap();
        assert!(
            cmap.contains(
                "4 beginbfrange\n<0001> <0003> <0061>\n<0004> <0004> <00FF>\n\
                 <0005> <0005> <0100>\n<0009> <0009> <20AC>\nendbfrange\n"
            ),
            "{cmap}"
        );
    }

    /// The appels of the shipped sample batch.
    fn sample_appels() -> (Vec<Appel>, Emetteur) {
        let grid = crate::testing::grid();
        let raw =
            crate::roster::read_roster(include_bytes!("../../input-samples/roster.csv")).unwrap();
        let members = crate::roster::validate(&raw, &grid).unwrap();
        let emetteur = Emetteur::parse(include_str!("../../input-samples/emetteur.toml")).unwrap();
        let date_emission = chrono::NaiveDate::from_ymd_opt(2027, 1, 15).unwrap();
        let emission = crate::numbering::Emission {
            exercice: 2027,
            date_emission,
            date_echeance: date_emission + chrono::Days::new(30),
            mention_tva: grid.mention_tva.clone(),
            convention: grid.titre.clone(),
            premier_numero: 1,
            provisoire: false,
        };
        let appels = crate::batch::plan(&members, &grid, &emission)
            .unwrap()
            .iter()
            .filter_map(|o| o.appel().cloned())
            .collect();
        (appels, emetteur)
    }

    #[test]
    fn one_page_appels_stay_under_30_kb_and_hash_as_sha256() {
        let renderer = Renderer::new().unwrap();
        let (appels, emetteur) = sample_appels();
        let mut one_page = 0;
        for appel in &appels {
            let pdf = renderer
                .render_facturx(appel, &emetteur, Profile::En16931)
                .unwrap();
            let plain = renderer.render(appel, &emetteur).unwrap();
            for bytes in [&pdf, &plain] {
                assert_eq!(
                    renderer.sha256(bytes).as_slice(),
                    Sha256::digest(bytes).as_slice()
                );
            }
            let pages = lopdf::Document::load_mem(&pdf).unwrap().get_pages().len();
            if pages == 1 {
                one_page += 1;
                assert!(
                    pdf.len() <= 30 * 1024,
                    "{}: {} bytes",
                    appel.numero,
                    pdf.len()
                );
                assert!(
                    plain.len() <= 24 * 1024,
                    "{}: {} bytes",
                    appel.numero,
                    plain.len()
                );
            }
        }
        assert!(one_page > 50, "{one_page}");
        let other = b"%PDF-1.7 not ours";
        assert_eq!(
            renderer.sha256(other).as_slice(),
            Sha256::digest(other).as_slice()
        );
    }

    #[test]
    fn literal_strings_escape_delimiters_and_line_ends() {
        let mut out = Vec::new();
        for b in [b'(', b')', b'\\', b'\r', b'\n', b'A', 0] {
            push_string_byte(&mut out, b);
        }
        assert_eq!(out, b"\\(\\)\\\\\\r\\nA\0");
    }
}
