//! Rendering: one appel and its issuer in, the bytes of its PDF out.
//!
//! Owns the page layout (`layout`: positions, wrapping, pagination) and the
//! PDF bytes (`pdf`: printpdf + lopdf, fonts prepared once per batch in
//! `fonts`). Does no file I/O: the caller decides where the bytes go.

mod fonts;
mod layout;
mod pdf;

#[cfg(test)]
mod tests;

pub use pdf::{RenderError, Renderer};
