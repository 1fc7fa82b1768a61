//! The page model of every PDF the crate draws, shared by the appels and
//! credit notes (`layout`) and the batch report (`crate::report`): A4 pages
//! of positioned text, rules and fills, text styles, drawing with positions
//! given from the top of the page, and text measuring and wrapping.
//!
//! Pure: no I/O, no PDF types, no fonts. A text's width comes from the
//! advance of each of its characters, given by the caller in 1/1000 em, so
//! each document measures with its own faces: an appel with the batch's
//! subset (`layout::Metrics`), the report with the whole faces.
//!
//! Coordinates are PDF points with the origin at the bottom left of the page.

// Coordinates, not money: every float here is a position or a size in points.
#![allow(clippy::float_arithmetic)]

/// A4 portrait, in points.
pub(crate) const PAGE_WIDTH: f32 = 595.28;
pub(crate) const PAGE_HEIGHT: f32 = 841.89;

/// One millimetre, in points.
pub(crate) const MM: f32 = 72.0 / 25.4;

/// The grey of secondary text (`Style::muted`).
pub(crate) const MUTED: f32 = 0.3;

/// One of the two embedded faces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Face {
    Regular,
    Bold,
}

/// Something drawn on a page.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Item {
    /// One line of text; `y` is its baseline, `grey` its fill (0 = black).
    Text {
        x: f32,
        y: f32,
        size: f32,
        face: Face,
        grey: f32,
        text: String,
    },
    /// A straight stroke.
    Rule {
        x1: f32,
        y1: f32,
        x2: f32,
        y2: f32,
        width: f32,
        grey: f32,
    },
    /// A filled rectangle (`x`, `y` is its lower left corner).
    Fill {
        x: f32,
        y: f32,
        width: f32,
        height: f32,
        grey: f32,
    },
}

/// One page, drawn in item order.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct Page {
    pub(crate) items: Vec<Item>,
}

// ---------------------------------------------------------------------------
// Text measuring and wrapping

/// Width in points of `text` set at `size`, each character advancing
/// `advance(c)` 1/1000 em.
pub(crate) fn text_width(text: &str, size: f32, advance: impl Fn(char) -> u16) -> f32 {
    let units: u32 = text.chars().map(|c| u32::from(advance(c))).sum();
    // u32 → f32 is exact below 2^24 units, i.e. 16 000 em of text.
    #[allow(clippy::cast_precision_loss)]
    let units = units as f32;
    units * size / 1000.0
}

/// Greedy wrap of cleaned `text`, set at `size` with the advances
/// `advance(c)` (1/1000 em), into lines no wider than `width`: breaks at
/// ASCII spaces (except before « » : ; ! ? » and after « « », as French
/// typography wants), and inside a word only when the word alone is wider
/// than a line: after a hyphen if it has one, else where it overflows.
pub(crate) fn wrap(
    text: &str,
    size: f32,
    width: f32,
    advance: impl Fn(char) -> u16,
) -> Vec<String> {
    let units = |s: &str| -> u32 { s.chars().map(|c| u32::from(advance(c))).sum() };
    #[allow(clippy::cast_precision_loss)]
    let fits = |units: u32| units as f32 * size / 1000.0 <= width;
    let space = u32::from(advance(' '));
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut line_units = 0_u32;
    for word in words(text) {
        let word_units = units(word);
        if !line.is_empty() && fits(line_units + space + word_units) {
            line.push(' ');
            line.push_str(word);
            line_units += space + word_units;
            continue;
        }
        if !line.is_empty() {
            lines.push(std::mem::take(&mut line));
            line_units = 0;
        }
        if fits(word_units) {
            line.push_str(word);
            line_units = word_units;
            continue;
        }
        // A word wider than the line: break after its hyphens, and cut
        // what is still too wide where it overflows.
        for piece in word.split_inclusive('-') {
            let piece_units = units(piece);
            if !line.is_empty() && !fits(line_units + piece_units) {
                lines.push(std::mem::take(&mut line));
                line_units = 0;
            }
            if fits(line_units + piece_units) {
                line.push_str(piece);
                line_units += piece_units;
                continue;
            }
            for c in piece.chars() {
                let c_units = u32::from(advance(c));
                if !line.is_empty() && !fits(line_units + c_units) {
                    lines.push(std::mem::take(&mut line));
                    line_units = 0;
                }
                line.push(c);
                line_units += c_units;
            }
        }
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// The unbreakable pieces of `text`: runs between ASCII spaces, where a
/// piece starting with closing punctuation (« » », « : », « ; », « ! »,
/// « ? ») stays with the one before, and a piece ending with « « » with the
/// one after.
fn words(text: &str) -> Vec<&str> {
    let mut words: Vec<&str> = Vec::new();
    let mut start: Option<usize> = None;
    let mut glue_next = false;
    let mut at = 0;
    for piece in text.split(' ') {
        let end = at + piece.len();
        if !piece.is_empty() {
            let glue_prev = piece.starts_with(['»', ':', ';', '!', '?']);
            match start {
                Some(s) if glue_prev || glue_next => {
                    if let Some(last) = words.last_mut() {
                        *last = &text[s..end];
                    }
                }
                _ => {
                    start = Some(at);
                    words.push(piece);
                }
            }
            glue_next = piece.ends_with('«');
        }
        at = end + 1;
    }
    words
}

// ---------------------------------------------------------------------------
// Drawing: positions are given from the top of the page and turned into PDF
// coordinates here.

/// A face, a size and a grey.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Style {
    pub(crate) face: Face,
    pub(crate) size: f32,
    pub(crate) grey: f32,
}

impl Style {
    pub(crate) const fn new(face: Face, size: f32, grey: f32) -> Style {
        Style { face, size, grey }
    }

    pub(crate) const fn bold(self) -> Style {
        Style::new(Face::Bold, self.size, self.grey)
    }

    pub(crate) const fn muted(self) -> Style {
        Style::new(self.face, self.size, MUTED)
    }

    pub(crate) const fn sized(self, size: f32) -> Style {
        Style::new(self.face, size, self.grey)
    }

    /// Line height.
    pub(crate) fn leading(self) -> f32 {
        self.size * 1.25
    }
}

/// Baseline of a line of `style` whose box starts at `top`, from the top of
/// the page.
pub(crate) fn baseline(top: f32, style: Style) -> f32 {
    top + style.leading() - style.size * 0.3
}

/// A page being drawn: text, rules and fills appended to its items.
pub(crate) trait Draw {
    /// The items drawn so far, in painting order.
    fn items(&mut self) -> &mut Vec<Item>;

    /// Draws an already cleaned line with its left edge at `x`, its line
    /// box at `top`.
    fn put(&mut self, x: f32, top: f32, style: Style, text: String) {
        if text.is_empty() {
            return;
        }
        self.items().push(Item::Text {
            x,
            y: PAGE_HEIGHT - baseline(top, style),
            size: style.size,
            face: style.face,
            grey: style.grey,
            text,
        });
    }

    fn hrule(&mut self, x1: f32, x2: f32, top: f32, width: f32, grey: f32) {
        self.items().push(Item::Rule {
            x1,
            y1: PAGE_HEIGHT - top,
            x2,
            y2: PAGE_HEIGHT - top,
            width,
            grey,
        });
    }

    fn vrule(&mut self, x: f32, top: f32, bottom: f32, width: f32, grey: f32) {
        self.items().push(Item::Rule {
            x1: x,
            y1: PAGE_HEIGHT - top,
            x2: x,
            y2: PAGE_HEIGHT - bottom,
            width,
            grey,
        });
    }

    fn fill(&mut self, x: f32, top: f32, width: f32, height: f32, grey: f32) {
        self.items().push(Item::Fill {
            x,
            y: PAGE_HEIGHT - top - height,
            width,
            height,
            grey,
        });
    }

    /// The outline of a rectangle, in rules `line` points wide.
    fn frame(&mut self, x: f32, top: f32, width: f32, height: f32, line: f32, grey: f32) {
        let (right, bottom) = (x + width, top + height);
        self.hrule(x, right, top, line, grey);
        self.hrule(x, right, bottom, line, grey);
        self.vrule(x, top, bottom, line, grey);
        self.vrule(right, top, bottom, line, grey);
    }
}
