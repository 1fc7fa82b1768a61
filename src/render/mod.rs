//! Rendering: one appel and its issuer in, the bytes of its PDF out.
//!
//! Owns the page layout (`layout`: positions, wrapping, pagination) and the
//! PDF bytes (`pdf`: printpdf + lopdf, fonts prepared once per batch in
//! `fonts`; `pdfa`: the PDF/A-3B and Factur-X parts of an invoice PDF).
//! Does no file I/O: the caller decides where the bytes go.
//!
//! The batch report (`crate::report`) draws with the same page model, text
//! measuring and wrapping (`page`) and the same faces (`fonts::ParsedFace`).
//!
//! `Renderer::render` gives a plain PDF; `Renderer::render_facturx` the same
//! pages as a Factur-X invoice (PDF/A-3B with the CII XML embedded);
//! `Renderer::render_avoir` a credit note (`crate::avoir`), written by the
//! same writer.

pub(crate) mod fonts;
mod layout;
pub(crate) mod page;
mod pdf;
mod pdfa;
mod serialize;

#[cfg(test)]
mod tests;

pub use pdf::Renderer;
pub use pdfa::embedded_xml;

use std::fmt;

use fonts::FontError;

use crate::appel::Appel;
use crate::emetteur::Emetteur;

/// `/Creator` of the Info dictionary (`xmp:CreatorTool` in the XMP), of
/// every PDF the crate writes.
pub(crate) const CREATOR: &str = "cotisations";
/// `/Producer` of the Info dictionary (`pdf:Producer` in the XMP).
pub(crate) const PRODUCER: &str = "cotisations (printpdf)";

/// The document's descriptive metadata, written both in the Info
/// dictionary and, for PDF/A, in the XMP packet: the two must agree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct DocInfo {
    pub(super) title: String,
    pub(super) author: String,
    pub(super) subject: String,
    pub(super) creator: &'static str,
    pub(super) producer: &'static str,
    /// Creation and modification date: the date of issue, midnight UTC.
    pub(super) date: chrono::NaiveDate,
}

impl DocInfo {
    pub(super) fn of(appel: &Appel, emetteur: &Emetteur) -> DocInfo {
        DocInfo {
            title: format!("Appel de cotisation {}", appel.numero),
            author: emetteur.nom.clone(),
            subject: format!("Cotisation {} – {}", appel.exercice, appel.membre.nom),
            creator: CREATOR,
            producer: PRODUCER,
            date: appel.date_emission,
        }
    }
}

/// Why an appel could not be rendered.
#[derive(Debug)]
pub enum RenderError {
    /// An embedded font could not be prepared (a build problem, not a data one).
    Police {
        police: &'static str,
        raison: String,
    },
    /// The document could not be built.
    Construction(String),
    /// Compressing or serialising the document failed.
    Ecriture(String),
}

impl fmt::Display for RenderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RenderError::Police { police, raison } => {
                write!(f, "police {police} inutilisable : {raison}")
            }
            RenderError::Construction(message) => {
                write!(f, "construction du PDF impossible : {message}")
            }
            RenderError::Ecriture(message) => write!(f, "écriture du PDF impossible : {message}"),
        }
    }
}

impl std::error::Error for RenderError {}

impl From<FontError> for RenderError {
    fn from(e: FontError) -> RenderError {
        RenderError::Police {
            police: e.face,
            raison: e.reason,
        }
    }
}

#[cfg(test)]
mod avoir_tests {
    use super::*;
    use crate::avoir::Avoir;
    use crate::avoir::fixtures::{appel_of, avoir_of};
    use crate::emetteur::Emetteur;
    use crate::facturx::{self, Profile};
    use crate::testing::embedded_xml;
    use lopdf::Document;

    fn emetteur() -> Emetteur {
        Emetteur::parse(include_str!("../../input-samples/emetteur.toml")).unwrap()
    }

    /// A credit note of the whole AC-2027-00012 (1 119,00 + 80,00).
    fn avoir() -> Avoir {
        avoir_of(
            &appel_of(&[("forfait_metiers", "1"), ("certificat", "1")]),
            &[],
        )
    }

    fn info(pdf: &[u8], key: &[u8]) -> String {
        let doc = Document::load_mem(pdf).unwrap();
        let id = doc.trailer.get(b"Info").unwrap().as_reference().unwrap();
        let value = doc.get_dictionary(id).unwrap().get(key).unwrap();
        lopdf::decode_text_string(value).unwrap()
    }

    #[test]
    fn a_facturx_credit_note_is_type_381_in_positive_amounts_referencing_the_appel() {
        let renderer = Renderer::new().unwrap();
        let (a, e) = (avoir(), emetteur());
        let pdf = renderer
            .render_avoir(&a, &e, Some(Profile::En16931))
            .unwrap();
        assert_eq!(
            pdf,
            renderer
                .render_avoir(&a, &e, Some(Profile::En16931))
                .unwrap(),
            "the same credit note gives the same bytes"
        );
        let xml = embedded_xml(&pdf).unwrap();
        assert_eq!(
            xml,
            facturx::cii_xml_avoir(&a.document, &a.correction, &e, Profile::En16931)
        );
        for expected in [
            "<ram:ID>AV-2027-00001</ram:ID><ram:TypeCode>381</ram:TypeCode>",
            "<ram:LineTotalAmount>1119.00</ram:LineTotalAmount>",
            "<ram:GrandTotalAmount>1199.00</ram:GrandTotalAmount><ram:DuePayableAmount>1199.00</ram:DuePayableAmount>",
            "<ram:InvoiceReferencedDocument><ram:IssuerAssignedID>AC-2027-00012</ram:IssuerAssignedID><ram:FormattedIssueDateTime><qdt:DateTimeString format=\"102\">20270115</qdt:DateTimeString></ram:FormattedIssueDateTime></ram:InvoiceReferencedDocument>",
            "aucun paiement n&apos;est demandé",
        ] {
            assert!(xml.contains(expected), "{expected:?} missing in {xml}");
        }
        assert!(!xml.contains(">-"), "no negative amount: {xml}");
        assert!(!xml.contains("IBANID") && !xml.contains("DueDateDateTime"));
        assert_eq!(info(&pdf, b"Title"), "Avoir AV-2027-00001");
        assert_eq!(
            info(&pdf, b"Subject"),
            "Avoir sur l'appel AC-2027-00012 – Test"
        );
        let text = String::from_utf8_lossy(&pdf);
        assert!(text.contains("<rdf:li xml:lang=\"x-default\">Avoir AV-2027-00001</rdf:li>"));
    }

    #[test]
    fn a_plain_credit_note_has_no_xml() {
        let renderer = Renderer::new().unwrap();
        let pdf = renderer.render_avoir(&avoir(), &emetteur(), None).unwrap();
        assert!(embedded_xml(&pdf).is_none());
        assert_eq!(info(&pdf, b"Title"), "Avoir AV-2027-00001");
    }
}
