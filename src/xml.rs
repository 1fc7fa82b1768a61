//! The one XML escaper, for the Factur-X invoice (`facturx`) and the PDF's
//! XMP metadata (`render`): `&`, `<` and `>` always, quotes for attribute
//! values, and control characters, which XML 1.0 forbids (the tab and the
//! line breaks aside), as spaces. The inputs are checked printable before
//! they reach a document, so the last rule is a safety net.

use std::borrow::Cow;

/// Whether quotes are escaped too.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quotes {
    /// Element content (the XMP packet): quotes stay as they are.
    Keep,
    /// Attribute values or content shared with them (the Factur-X XML).
    Escape,
}

/// `text` escaped for XML.
#[must_use]
pub fn escape(text: &str, quotes: Quotes) -> Cow<'_, str> {
    let needs = |c: char| {
        matches!(c, '&' | '<' | '>')
            || (quotes == Quotes::Escape && matches!(c, '"' | '\''))
            || (c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
    };
    if !text.chars().any(needs) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if quotes == Quotes::Escape => out.push_str("&quot;"),
            '\'' if quotes == Quotes::Escape => out.push_str("&apos;"),
            c if c.is_control() && !matches!(c, '\t' | '\n' | '\r') => out.push(' '),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_quotes_and_controls() {
        let text = "L'Église & « <Caen> » \"x\"\u{1}\u{7f}\tfin";
        assert_eq!(
            escape(text, Quotes::Escape),
            "L&apos;Église &amp; « &lt;Caen&gt; » &quot;x&quot;  \tfin"
        );
        assert_eq!(
            escape(text, Quotes::Keep),
            "L'Église &amp; « &lt;Caen&gt; » \"x\"  \tfin"
        );
        assert!(matches!(escape("Caen", Quotes::Escape), Cow::Borrowed(_)));
    }
}
