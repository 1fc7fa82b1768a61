//! The characters the appels can print: the embedded faces are subset to
//! exactly these (`render::fonts`), and every text that reaches a document
//! (roster cells, grid labels, the issuer's fields, a credit note's motif)
//! is checked against them before anything is written, so that the PDF
//! never shows a `?` where its Factur-X XML has a letter.
//!
//! Also the cleaning every roster cell goes through on reading: invisible
//! format characters removed, exotic spaces made plain, canonical
//! composition (NFC), so that « É » typed as E + U+0301 (macOS) is one
//! letter and « C-14531 » + U+200B is « C-14531 ».

use std::borrow::Cow;

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::is_nfc_quick;

/// Latin-1 characters an appel does not print: symbols and letters foreign
/// to French administrative text, each a glyph outline of its own (the
/// accented letters are composites of glyphs kept anyway, a few bytes
/// each, so they all stay). Dropping these takes a fifth off every
/// embedded font.
const LATIN1_DROPPED: &str = "¡¢£¤¥¦§¨©ª¬®¯±³´µ¶¸¹º¼¾¿ÆÐ×ØÞßæð÷øþ";

/// Characters beyond printable ASCII and Latin-1 that French administrative
/// text uses: œ/Œ, Ÿ, €, typographic quotes and apostrophe, dashes,
/// ellipsis, the narrow no-break space.
const EXTRA: &str = "ŒœŸ€‘’“”–—…\u{202f}";

/// Whether the documents can print `c`.
#[must_use]
pub fn printable(c: char) -> bool {
    match c {
        ' '..='~' => true,
        '\u{a0}'..='\u{ff}' => !LATIN1_DROPPED.contains(c),
        _ => EXTRA.contains(c),
    }
}

/// Every printable character, in code point order (what the fonts keep).
#[must_use]
pub fn all() -> Vec<char> {
    (0x20_u32..0x7f)
        .chain(0xa0..0x100)
        .filter_map(char::from_u32)
        .filter(|&c| printable(c))
        .chain(EXTRA.chars())
        .collect()
}

/// The first character of `text` the documents cannot print, if any
/// (`allow_newline`: a line break is fine, as in an address).
#[must_use]
pub fn first_unprintable(text: &str, allow_newline: bool) -> Option<char> {
    text.chars()
        .find(|&c| !(printable(c) || (allow_newline && c == '\n')))
}

/// Invisible format characters (Unicode category Cf) that copy and paste
/// and some exports leave in cells: zero-width spaces and joiners,
/// direction marks, the byte order mark, the soft hyphen, word joiners.
fn invisible(c: char) -> bool {
    // Latin letters, the common case, first: below U+00AD nothing is.
    if c < '\u{ad}' {
        return false;
    }
    matches!(c,
        '\u{ad}' | '\u{61c}' | '\u{180e}'
        | '\u{200b}'..='\u{200f}'
        | '\u{202a}'..='\u{202e}'
        | '\u{2060}'..='\u{2064}'
        | '\u{2066}'..='\u{206f}'
        | '\u{feff}'
        | '\u{fff9}'..='\u{fffb}'
        | '\u{e0001}' | '\u{e0020}'..='\u{e007f}')
}

/// Spaces other than the plain and the two no-break ones (en space, thin
/// space, ideographic space…), and the tab: they become a plain space.
fn other_space(c: char) -> bool {
    c == '\t' || (c.is_whitespace() && !matches!(c, ' ' | '\u{a0}' | '\u{202f}' | '\n' | '\r'))
}

/// A cell as read, cleaned: invisible format characters removed, tabs and
/// exotic spaces made plain spaces, CRLF made LF, composed (NFC). Borrowed
/// when nothing changes (plain ASCII, the common case).
#[must_use]
pub fn clean_cell(cell: &str) -> Cow<'_, str> {
    let plain = cell
        .bytes()
        .all(|b| (0x20..0x7f).contains(&b) || b == b'\n');
    if plain {
        return Cow::Borrowed(cell);
    }
    let needs_edit = cell
        .chars()
        .any(|c| c == '\r' || c == '\t' || (c > '\u{7f}' && (invisible(c) || other_space(c))));
    let edited: Cow<'_, str> = if needs_edit {
        let mut out = String::with_capacity(cell.len());
        let mut chars = cell.chars().peekable();
        while let Some(c) = chars.next() {
            if invisible(c) {
                continue;
            }
            if c == '\r' {
                if chars.peek() != Some(&'\n') {
                    out.push('\n');
                }
                continue;
            }
            out.push(if other_space(c) { ' ' } else { c });
        }
        Cow::Owned(out)
    } else {
        Cow::Borrowed(cell)
    };
    if is_nfc_quick(edited.chars()) == unicode_normalization::IsNormalized::Yes {
        edited
    } else {
        Cow::Owned(edited.nfc().collect())
    }
}

/// `text` without its accents and ligatures (`é` → `e`, `Œ` → `OE`,
/// `ß` → `ss`): the canonical decomposition, its combining marks dropped.
#[must_use]
pub fn fold_accents(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.nfd() {
        match c {
            'Œ' => out.push_str("OE"),
            'œ' => out.push_str("oe"),
            'Æ' => out.push_str("AE"),
            'æ' => out.push_str("ae"),
            'ß' => out.push_str("ss"),
            c if unicode_normalization::char::is_combining_mark(c) => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decomposed_accents_are_composed() {
        // « Épaney » as macOS exports it: E + U+0301.
        assert_eq!(clean_cell("E\u{301}paney"), "Épaney");
        assert_eq!(first_unprintable(&clean_cell("E\u{301}paney"), false), None);
        assert_eq!(first_unprintable("E\u{301}paney", false), Some('\u{301}'));
    }

    #[test]
    fn invisible_characters_go_and_spaces_are_plain() {
        assert_eq!(clean_cell("C-14531\u{200b}"), "C-14531");
        assert_eq!(clean_cell("\u{feff}C-14531"), "C-14531");
        assert_eq!(clean_cell("Vire\tNormandie"), "Vire Normandie");
        assert_eq!(clean_cell("a\u{2009}b\u{a0}c"), "a b\u{a0}c");
        assert_eq!(clean_cell("Mairie\r\n1 place"), "Mairie\n1 place");
        assert!(matches!(clean_cell("Caen"), Cow::Borrowed(_)));
    }

    #[test]
    fn what_the_fonts_cannot_draw_is_found() {
        assert_eq!(first_unprintable("Łódź", false), Some('Ł'));
        assert_eq!(first_unprintable("Cricquebœuf – « Mairie »", false), None);
        assert_eq!(first_unprintable("a\nb", false), Some('\n'));
        assert_eq!(first_unprintable("a\nb", true), None);
        assert_eq!(first_unprintable("😀", false), Some('😀'));
        assert_eq!(all().len(), 95 + 96 - LATIN1_DROPPED.chars().count() + 12);
    }
}
