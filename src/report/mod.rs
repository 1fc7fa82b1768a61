//! The batch report `rapport.pdf`: the run summary in, the bytes of a
//! printable A4 PDF out, in French: counts, totals per tier, per kind of
//! member and per item, the largest appels, the grand totals (the ledger's,
//! to the cent) and two bar charts drawn with rectangles and rules (greys
//! and hatching, readable in black and white).
//!
//! Pure like `render`: no file I/O, no clock; the same summary and issuer
//! give the same bytes. `layout` places text, rules and fills on pages (no
//! PDF types); `pdf` turns them into a PDF with printpdf and lopdf.

mod layout;
mod pdf;

#[cfg(test)]
mod tests;

pub use pdf::ReportError;

use crate::summary::Summary;

/// Renders the report of a batch whose appels `emetteur_name` issued.
///
/// # Errors
/// `ReportError` if a font cannot be prepared or the PDF cannot be built.
pub fn render(summary: &Summary, emetteur_name: &str) -> Result<Vec<u8>, ReportError> {
    pdf::render(summary, emetteur_name)
}
