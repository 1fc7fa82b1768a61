//! The two embedded faces (Liberation Sans Regular and Bold, SIL OFL 1.1, see
//! `fonts/LICENSE`), prepared once per batch: subset to the characters an appel
//! can print, TrueType hinting stripped (screens and printers render these
//! outlines well without it, and it is half the glyph data), then parsed back
//! for metrics. What every document embeds (program, glyph ids, widths,
//! descriptor values) is computed here once; `pdf` only copies it.
//!
//! `ParsedFace` (a whole face: glyphs, advances, subsetting) is also what
//! the batch report (`crate::report`) measures and embeds its text with.
//! Fonts are read with `ttf-parser` and subset with `allsorts` (printpdf's
//! own subsetter), so that printpdf builds without its text layout engine.

use std::collections::BTreeMap;

use super::layout::FontMetrics;

/// The two faces: name (in errors, and the PostScript name of a face that
/// has none) and TrueType bytes.
const REGULAR: (&str, &[u8]) = (
    "LiberationSans-Regular",
    include_bytes!("../../fonts/LiberationSans-Regular.ttf"),
);
const BOLD: (&str, &[u8]) = (
    "LiberationSans-Bold",
    include_bytes!("../../fonts/LiberationSans-Bold.ttf"),
);

/// Every character an appel can print (see `crate::charset`); the roster,
/// the grid and the issuer file are checked against it before layout.
pub(crate) fn charset() -> Vec<char> {
    crate::charset::all()
}

/// `FontDescriptor` values, in 1/1000 em.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Descriptor {
    pub(crate) ascent: i32,
    pub(crate) descent: i32,
    pub(crate) cap_height: i32,
    pub(crate) stem_v: i32,
    pub(crate) bbox: [i32; 4],
}

/// One face, ready for every document of the batch.
pub(crate) struct PreparedFont {
    /// PostScript name (`LiberationSans-Bold`).
    pub(crate) name: String,
    /// Advance widths for layout, in the same 1/1000 em units as the PDF `/W`.
    pub(crate) metrics: FontMetrics,
    /// The font program the documents embed: the subset, unhinted face
    /// without its `name` table (PDF readers take the name from the font
    /// dictionary).
    pub(crate) program: Vec<u8>,
    /// Glyph id in `program` of each printable character, by character.
    pub(crate) glyphs: Vec<(char, u16)>,
    /// Advance of every glyph of `program`, by glyph id, in 1/1000 em
    /// (the `/W` array).
    pub(crate) widths: Vec<u16>,
    pub(crate) descriptor: Descriptor,
}

/// Which face failed, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FontError {
    pub(crate) face: &'static str,
    pub(crate) reason: String,
}

pub(crate) fn regular() -> Result<PreparedFont, FontError> {
    prepare(REGULAR)
}

pub(crate) fn bold() -> Result<PreparedFont, FontError> {
    prepare(BOLD)
}

/// A face parsed from its TrueType bytes (with `ttf-parser`): glyph
/// lookup, advance widths, metrics and subsetting (with `allsorts`, the
/// subsetter printpdf itself uses).
pub(crate) struct ParsedFace {
    /// Which face, for errors.
    face: &'static str,
    font: ttf_parser::Face<'static>,
    bytes: &'static [u8],
    units_per_em: u32,
}

impl ParsedFace {
    /// The whole Liberation Sans Regular.
    pub(crate) fn regular() -> Result<ParsedFace, FontError> {
        ParsedFace::parse(REGULAR.0, REGULAR.1)
    }

    /// The whole Liberation Sans Bold.
    pub(crate) fn bold() -> Result<ParsedFace, FontError> {
        ParsedFace::parse(BOLD.0, BOLD.1)
    }

    fn parse(face: &'static str, bytes: &'static [u8]) -> Result<ParsedFace, FontError> {
        let font = ttf_parser::Face::parse(bytes, 0).map_err(|_| FontError {
            face,
            reason: "police illisible".to_string(),
        })?;
        let units_per_em = u32::from(font.units_per_em().max(1));
        Ok(ParsedFace {
            face,
            font,
            bytes,
            units_per_em,
        })
    }

    /// Glyph id of `c`, `None` when the face has none for it.
    pub(crate) fn glyph(&self, c: char) -> Option<u16> {
        self.font.glyph_index(c).map(|g| g.0).filter(|&g| g != 0)
    }

    /// Advance of glyph `gid` in 1/1000 em, rounded down as a PDF `/W`
    /// array gives it: layout measuring with it measures exactly what
    /// viewers advance.
    pub(crate) fn advance(&self, gid: u16) -> u16 {
        advance(&self.font, self.units_per_em, gid)
    }

    /// The PostScript name of the face.
    pub(crate) fn postscript_name(&self) -> Option<String> {
        postscript_name(&self.font)
    }

    /// The program of this face reduced to the glyphs of `chars`
    /// (characters it has no glyph for are left out), with a Unicode
    /// `cmap` of its own, glyph 0 first, the others in glyph order.
    pub(crate) fn subset(
        &self,
        chars: impl IntoIterator<Item = char>,
    ) -> Result<Vec<u8>, FontError> {
        use allsorts::binary::read::ReadScope;
        use allsorts::font_data::FontData;
        use allsorts::subset::{CmapTarget, SubsetProfile};
        let fail = |e: &dyn std::fmt::Display| FontError {
            face: self.face,
            reason: format!("sous-ensemble impossible ({e})"),
        };
        let wanted: std::collections::BTreeSet<u16> =
            chars.into_iter().filter_map(|c| self.glyph(c)).collect();
        // Glyph 0 (.notdef) first, as allsorts requires.
        let ids: Vec<u16> = std::iter::once(0).chain(wanted).collect();
        let font = ReadScope::new(self.bytes)
            .read::<FontData<'_>>()
            .map_err(|e| fail(&e))?;
        let provider = font.table_provider(0).map_err(|e| fail(&e))?;
        allsorts::subset::subset(&provider, &ids, &SubsetProfile::Pdf, CmapTarget::Unicode)
            .map_err(|e| fail(&e))
    }

    /// The subset `program` as printpdf embeds it (the batch report).
    pub(crate) fn printpdf_font(&self, program: &[u8]) -> Result<printpdf::ParsedFont, FontError> {
        printpdf::ParsedFont::from_bytes(program, 0, &mut Vec::new()).ok_or_else(|| FontError {
            face: self.face,
            reason: "sous-ensemble illisible".to_string(),
        })
    }
}

/// Advance of glyph `gid` of `font` in 1/1000 em, rounded down.
fn advance(font: &ttf_parser::Face<'_>, units_per_em: u32, gid: u16) -> u16 {
    let units = font
        .glyph_hor_advance(ttf_parser::GlyphId(gid))
        .unwrap_or(0);
    let w = u32::from(units) * 1000 / units_per_em;
    u16::try_from(w).unwrap_or(u16::MAX)
}

/// The PostScript name (name id 6) of `font`.
fn postscript_name(font: &ttf_parser::Face<'_>) -> Option<String> {
    font.names()
        .into_iter()
        .filter(|n| n.name_id == ttf_parser::name_id::POST_SCRIPT_NAME)
        .find_map(|n| n.to_string())
}

/// 1/1000 em from font units, rounded.
fn per_mille(value: i32, units_per_em: i32) -> i32 {
    let scaled = i64::from(value) * 1000;
    let upem = i64::from(units_per_em.max(1));
    let rounded = if scaled >= 0 {
        (scaled + upem / 2) / upem
    } else {
        (scaled - upem / 2) / upem
    };
    i32::try_from(rounded).unwrap_or(0)
}

fn prepare((face, bytes): (&'static str, &'static [u8])) -> Result<PreparedFont, FontError> {
    let fail = |reason: String| FontError { face, reason };
    let full = ParsedFace::parse(face, bytes)?;
    let chars = charset();
    if let Some(c) = chars.iter().find(|&&c| full.glyph(c).is_none()) {
        return Err(fail(format!("caractère absent de la police : {c:?}")));
    }
    let subset = full.subset(chars.iter().copied())?;
    let unhinted = strip_hinting(&subset, &[]).map_err(fail)?;
    let program = strip_hinting(&subset, &[b"name"]).map_err(fail)?;
    let parsed = ttf_parser::Face::parse(&unhinted, 0)
        .map_err(|_| fail("sous-ensemble illisible".to_string()))?;
    let upem = u32::from(parsed.units_per_em().max(1));
    // The same advances for layout (`metrics`) and for `/W` (`widths`), so
    // what layout measures is exactly what viewers advance.
    let mut glyphs = Vec::with_capacity(chars.len());
    let mut metrics = Vec::with_capacity(chars.len());
    for &c in &chars {
        let gid = parsed
            .glyph_index(c)
            .map(|g| g.0)
            .filter(|&g| g != 0)
            .ok_or_else(|| fail(format!("caractère perdu au sous-ensemble : {c:?}")))?;
        glyphs.push((c, gid));
        metrics.push((c, advance(&parsed, upem, gid)));
    }
    glyphs.sort_unstable();
    let widths = (0..parsed.number_of_glyphs())
        .map(|gid| advance(&parsed, upem, gid))
        .collect();
    Ok(PreparedFont {
        name: full.postscript_name().unwrap_or_else(|| face.to_string()),
        metrics: FontMetrics::new(metrics),
        program,
        glyphs,
        widths,
        descriptor: descriptor(&full.font),
    })
}

/// The descriptor values of the full face (the subset has no OS/2 table):
/// ascent and descent from `hhea`, the box from `head`, the cap height and
/// weight from `OS/2`.
fn descriptor(full: &ttf_parser::Face<'_>) -> Descriptor {
    let tables = full.tables();
    let upem = i32::from(full.units_per_em().max(1));
    let scale = |v: i16| per_mille(i32::from(v), upem);
    let ascent = scale(tables.hhea.ascender);
    // OS/2's sCapHeight (the ascent before version 2 of the table).
    let cap_height = tables
        .os2
        .and_then(|os2| os2.capital_height())
        .map_or(ascent, scale);
    // StemV, as PDF producers estimate it from the weight class (~88 at
    // 400, ~166 at 700).
    let weight = tables
        .os2
        .map_or(0, |os2| i32::from(os2.weight().to_number()));
    let stem_v = if weight == 0 {
        80
    } else {
        50 + (weight * weight + 65 * 65 / 2) / (65 * 65)
    };
    let bbox = tables.head.global_bbox;
    Descriptor {
        ascent,
        descent: scale(tables.hhea.descender),
        cap_height,
        stem_v,
        bbox: [
            scale(bbox.x_min),
            scale(bbox.y_min),
            scale(bbox.x_max),
            scale(bbox.y_max),
        ],
    }
}

// ---------------------------------------------------------------------------
// TrueType hinting removal: drops `fpgm`, `prep` and `cvt `, empties every
// glyph's instructions and resets the hinting limits in `maxp`.

const DROPPED_TABLES: [&[u8; 4]; 6] = [b"fpgm", b"prep", b"cvt ", b"hdmx", b"LTSH", b"VDMX"];

fn be16(data: &[u8], at: usize) -> Result<u16, String> {
    data.get(at..at + 2)
        .map(|b| u16::from_be_bytes([b[0], b[1]]))
        .ok_or_else(|| "police tronquée".to_string())
}

fn be32(data: &[u8], at: usize) -> Result<u32, String> {
    data.get(at..at + 4)
        .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
        .ok_or_else(|| "police tronquée".to_string())
}

fn slice(data: &[u8], start: usize, len: usize) -> Result<&[u8], String> {
    data.get(start..start + len)
        .ok_or_else(|| "police tronquée".to_string())
}

/// Returns the same font without TrueType hinting, nor the tables in `drop`.
fn strip_hinting(font: &[u8], drop: &[&[u8; 4]]) -> Result<Vec<u8>, String> {
    let num_tables = usize::from(be16(font, 4)?);
    let mut tables: BTreeMap<[u8; 4], Vec<u8>> = BTreeMap::new();
    for i in 0..num_tables {
        let rec = 12 + 16 * i;
        let tag: [u8; 4] = slice(font, rec, 4)?
            .try_into()
            .map_err(|_| "police tronquée".to_string())?;
        let offset = be32(font, rec + 8)? as usize;
        let len = be32(font, rec + 12)? as usize;
        tables.insert(tag, slice(font, offset, len)?.to_vec());
    }
    for tag in DROPPED_TABLES.iter().chain(drop) {
        tables.remove(*tag);
    }

    let head = tables.get(b"head").ok_or("table head absente")?;
    let long_loca = be16(head, 50)? != 0;
    let num_glyphs = usize::from(be16(tables.get(b"maxp").ok_or("table maxp absente")?, 4)?);
    let loca = tables.get(b"loca").ok_or("table loca absente")?;
    let glyf = tables.get(b"glyf").ok_or("table glyf absente")?;

    let offset_at = |i: usize| -> Result<usize, String> {
        if long_loca {
            Ok(be32(loca, 4 * i)? as usize)
        } else {
            Ok(usize::from(be16(loca, 2 * i)?) * 2)
        }
    };
    let mut new_glyf = Vec::with_capacity(glyf.len());
    let mut offsets = Vec::with_capacity(num_glyphs + 1);
    for gid in 0..num_glyphs {
        offsets.push(new_glyf.len());
        let start = offset_at(gid)?;
        let end = offset_at(gid + 1)?;
        if end > start {
            let glyph = glyf
                .get(start..end)
                .ok_or_else(|| "glyf tronquée".to_string())?;
            strip_glyph(glyph, &mut new_glyf)?;
            if new_glyf.len() % 2 == 1 {
                new_glyf.push(0);
            }
        }
    }
    offsets.push(new_glyf.len());
    // Short offsets (half the `loca` table) whenever the glyphs fit in
    // 128 KB, which a subset always does; every glyph starts on an even byte.
    let short = new_glyf.len() < 0x2_0000;
    let mut new_loca = Vec::with_capacity(offsets.len() * if short { 2 } else { 4 });
    for at in offsets {
        if short {
            let v = u16::try_from(at / 2).map_err(|_| "glyf trop grande".to_string())?;
            new_loca.extend_from_slice(&v.to_be_bytes());
        } else {
            let v = u32::try_from(at).map_err(|_| "glyf trop grande".to_string())?;
            new_loca.extend_from_slice(&v.to_be_bytes());
        }
    }
    tables.insert(*b"glyf", new_glyf);
    tables.insert(*b"loca", new_loca);
    if let Some(head) = tables.get_mut(b"head")
        && head.len() >= 54
    {
        // indexToLocFormat: 0 short, 1 long.
        head[50..52].copy_from_slice(&u16::from(!short).to_be_bytes());
    }

    if let Some(maxp) = tables.get_mut(b"maxp")
        && maxp.len() >= 32
    {
        // maxZones 1; maxTwilightPoints, maxStorage, maxFunctionDefs,
        // maxInstructionDefs, maxStackElements, maxSizeOfInstructions 0.
        maxp[14..16].copy_from_slice(&1_u16.to_be_bytes());
        maxp[16..28].fill(0);
    }

    Ok(assemble(font, &mut tables))
}

/// Appends `glyph` without its instructions.
fn strip_glyph(glyph: &[u8], out: &mut Vec<u8>) -> Result<(), String> {
    // The composite glyph flags (OpenType `glyf`, « Composite Glyph Description »).
    const ARGS_ARE_WORDS: u16 = 0x0001;
    const HAVE_SCALE: u16 = 0x0008;
    const MORE_COMPONENTS: u16 = 0x0020;
    const HAVE_XY_SCALE: u16 = 0x0040;
    const HAVE_2X2: u16 = 0x0080;
    const HAVE_INSTRUCTIONS: u16 = 0x0100;
    let contours = be16(glyph, 0)?.cast_signed();
    if contours >= 0 {
        let n = usize::try_from(contours).map_err(|_| "glyphe invalide".to_string())?;
        let ilen_at = 10 + 2 * n;
        let ilen = usize::from(be16(glyph, ilen_at)?);
        let rest = glyph
            .get(ilen_at + 2 + ilen..)
            .ok_or_else(|| "glyphe tronqué".to_string())?;
        out.extend_from_slice(slice(glyph, 0, ilen_at)?);
        out.extend_from_slice(&[0, 0]);
        out.extend_from_slice(rest);
        return Ok(());
    }
    // Composite: copy the components, clearing WE_HAVE_INSTRUCTIONS, and drop
    // the trailing instructions.
    out.extend_from_slice(slice(glyph, 0, 10)?);
    let mut at = 10;
    loop {
        let flags = be16(glyph, at)?;
        let mut len = 4 + if flags & ARGS_ARE_WORDS != 0 { 4 } else { 2 };
        if flags & HAVE_SCALE != 0 {
            len += 2;
        } else if flags & HAVE_XY_SCALE != 0 {
            len += 4;
        } else if flags & HAVE_2X2 != 0 {
            len += 8;
        }
        let component = slice(glyph, at, len)?;
        out.extend_from_slice(&(flags & !HAVE_INSTRUCTIONS).to_be_bytes());
        out.extend_from_slice(&component[2..]);
        at += len;
        if flags & MORE_COMPONENTS == 0 {
            return Ok(());
        }
    }
}

fn checksum(data: &[u8]) -> u32 {
    data.chunks(4).fold(0_u32, |sum, chunk| {
        let mut word = [0_u8; 4];
        word[..chunk.len()].copy_from_slice(chunk);
        sum.wrapping_add(u32::from_be_bytes(word))
    })
}

/// Writes an sfnt from its tables (sorted by tag, 4-byte aligned, with
/// checksums and `head.checkSumAdjustment`).
fn assemble(original: &[u8], tables: &mut BTreeMap<[u8; 4], Vec<u8>>) -> Vec<u8> {
    if let Some(head) = tables.get_mut(b"head")
        && head.len() >= 12
    {
        head[8..12].fill(0);
    }
    let count = tables.len();
    let count16 = u16::try_from(count).unwrap_or(u16::MAX);
    let mut power = 1_u16;
    let mut log2 = 0_u16;
    while power.saturating_mul(2) <= count16 {
        power *= 2;
        log2 += 1;
    }
    let search_range = power.saturating_mul(16);
    let mut out = Vec::new();
    out.extend_from_slice(original.get(0..4).unwrap_or(&[0, 1, 0, 0]));
    out.extend_from_slice(&count16.to_be_bytes());
    out.extend_from_slice(&search_range.to_be_bytes());
    out.extend_from_slice(&log2.to_be_bytes());
    out.extend_from_slice(&(count16.saturating_mul(16).saturating_sub(search_range)).to_be_bytes());
    let mut offset = 12 + 16 * count;
    let mut body = Vec::new();
    let mut head_at = None;
    for (tag, data) in tables.iter() {
        out.extend_from_slice(tag);
        out.extend_from_slice(&checksum(data).to_be_bytes());
        out.extend_from_slice(&u32::try_from(offset).unwrap_or(0).to_be_bytes());
        out.extend_from_slice(&u32::try_from(data.len()).unwrap_or(0).to_be_bytes());
        if tag == b"head" {
            head_at = Some(offset);
        }
        body.extend_from_slice(data);
        while body.len() % 4 != 0 {
            body.push(0);
        }
        offset = 12 + 16 * count + body.len();
    }
    out.extend_from_slice(&body);
    if let Some(at) = head_at {
        let adjustment = 0xB1B0_AFBA_u32.wrapping_sub(checksum(&out));
        out[at + 8..at + 12].copy_from_slice(&adjustment.to_be_bytes());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_descriptor_gives_the_faces_own_cap_height_not_their_ascent() {
        // Liberation Sans: sCapHeight 1409, ascender 1854, of 2048 units.
        for font in [regular().unwrap(), bold().unwrap()] {
            assert_eq!(font.descriptor.cap_height, 688, "{}", font.name);
            assert_eq!(font.descriptor.ascent, 905, "{}", font.name);
        }
    }

    #[test]
    fn every_printable_character_survives_subsetting() {
        for font in [regular().unwrap(), bold().unwrap()] {
            for c in charset() {
                assert!(font.metrics.printable(c), "{c:?}");
                assert!(font.metrics.width(c) > 0 || c == '\u{ad}', "{c:?}");
            }
        }
    }

    #[test]
    fn stripping_hinting_shrinks_the_font_and_keeps_it_readable() {
        let full = ParsedFace::regular().unwrap();
        let wanted: std::collections::BTreeSet<u16> = charset()
            .into_iter()
            .filter_map(|c| full.glyph(c))
            .collect();
        let subset = full.subset(charset()).unwrap();
        let unhinted = strip_hinting(&subset, &[]).unwrap();
        assert!(
            unhinted.len() * 10 < subset.len() * 8,
            "{} vs {}",
            unhinted.len(),
            subset.len()
        );
        let parsed = ttf_parser::Face::parse(&unhinted, 0).unwrap();
        assert!(usize::from(parsed.number_of_glyphs()) > wanted.len());
        // whole-font checksum is the magic number
        assert_eq!(checksum(&unhinted), 0xB1B0_AFBA);
    }
}
