//! TEMPORARY STUB (lead engineer) so the rest of the crate compiles while the
//! renderer is being written in /tmp/pdfscratch: overwrite this file freely.
use std::fmt;
#[derive(Debug)]
pub enum RenderError {
    Pdf(String),
}
impl fmt::Display for RenderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RenderError::Pdf(m) => write!(f, "{m}"),
        }
    }
}
pub struct Renderer;
impl Renderer {
    pub fn new() -> Result<Renderer, RenderError> {
        Ok(Renderer)
    }
    pub fn render(
        &self,
        appel: &crate::appel::Appel,
        _e: &crate::emetteur::Emetteur,
    ) -> Result<Vec<u8>, RenderError> {
        Ok(appel.numero.as_bytes().to_vec())
    }
}
