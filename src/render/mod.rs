//! Rendering: one appel and its issuer in, the bytes of its PDF out.
//!
//! Owns the page layout (`layout`: positions, wrapping, pagination) and the
//! PDF bytes (`pdf`: printpdf + lopdf, fonts prepared once per batch in
//! `fonts`; `pdfa`: the PDF/A-3B and Factur-X parts of an invoice PDF).
//! Does no file I/O: the caller decides where the bytes go.
//!
//! `Renderer::render` gives a plain PDF; `Renderer::render_facturx` the same
//! pages as a Factur-X invoice (PDF/A-3B with the CII XML embedded).

mod fonts;
mod layout;
mod pdf;
mod pdfa;

#[cfg(test)]
mod tests;

pub use pdf::{RenderError, Renderer};
