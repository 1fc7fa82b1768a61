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
//! pages as a Factur-X invoice (PDF/A-3B with the CII XML embedded).
//! `avoir_pdf` renders a credit note (`crate::avoir`) with the same renderer.

pub(crate) mod fonts;
mod layout;
pub(crate) mod page;
mod pdf;
mod pdfa;

#[cfg(test)]
mod tests;

pub(crate) use pdf::{CREATOR, PRODUCER};
pub use pdf::{RenderError, Renderer};

use lopdf::{Document, Object, ObjectId, StringFormat};

use crate::avoir::Avoir;
use crate::emetteur::Emetteur;
use crate::facturx::{self, Profile};

/// Renders a credit note: the page of an appel titled « AVOIR », with the
/// appel it corrects, the motif, signed lines and totals and no payment
/// block (see `layout`); a plain PDF when `profile` is `None`, else a
/// Factur-X credit note (PDF/A-3B, CII type 381, positive amounts, the
/// appel as preceding invoice). Its title and subject say « Avoir ».
/// The same credit note always gives the same bytes.
///
/// # Errors
/// `RenderError` if the document cannot be built or rewritten.
pub fn avoir_pdf(
    renderer: &Renderer,
    avoir: &Avoir,
    emetteur: &Emetteur,
    profile: Option<Profile>,
) -> Result<Vec<u8>, RenderError> {
    let signed = avoir.signed();
    let kind = layout::DocumentKind::Avoir(&avoir.correction);
    let bytes = renderer.render_as(&signed, kind, emetteur, profile)?;
    let meta = Metadata {
        title: format!("Avoir {}", signed.numero),
        subject: format!(
            "Avoir sur l'appel {} – {}",
            avoir.correction.appel_numero, signed.membre.nom
        ),
        xml: profile
            .map(|p| facturx::cii_xml_avoir(&avoir.document, &avoir.correction, emetteur, p)),
    };
    rewrite(&bytes, &meta)
}

/// The Factur-X XML embedded in a PDF (its first associated file, as
/// `render_facturx` writes it), or `None` for a plain PDF.
#[must_use]
pub fn embedded_xml(pdf: &[u8]) -> Option<String> {
    let doc = Document::load_mem(pdf).ok()?;
    let spec = doc
        .catalog()
        .ok()?
        .get(b"AF")
        .and_then(Object::as_array)
        .ok()?
        .first()?
        .as_reference()
        .ok()?;
    let file = doc
        .get_dictionary(spec)
        .and_then(|s| s.get(b"EF"))
        .and_then(Object::as_dict)
        .and_then(|ef| ef.get(b"F"))
        .and_then(Object::as_reference)
        .ok()?;
    let stream = doc.get_object(file).and_then(Object::as_stream).ok()?;
    let content = if stream.dict.get(b"Filter").is_ok() {
        stream.decompressed_content().ok()?
    } else {
        stream.content.clone()
    };
    String::from_utf8(content).ok()
}

/// What `rewrite` changes in a rendered document.
struct Metadata {
    title: String,
    subject: String,
    /// The Factur-X XML replacing the embedded `factur-x.xml`, if any.
    xml: Option<String>,
}

fn construction(what: &str) -> impl Fn(lopdf::Error) -> RenderError + '_ {
    move |e| RenderError::Construction(format!("{what} : {e}"))
}

/// Sets the title and subject (Info dictionary, and XMP packet when there
/// is one), swaps the embedded XML, and saves the document as `pdf` does.
fn rewrite(bytes: &[u8], meta: &Metadata) -> Result<Vec<u8>, RenderError> {
    let mut doc = Document::load_mem(bytes).map_err(construction("relecture du PDF"))?;
    // Object and cross-reference streams are rebuilt on saving.
    doc.objects.retain(|_, o| {
        !matches!(o, Object::Stream(s) if s.dict.has_type(b"ObjStm") || s.dict.has_type(b"XRef"))
    });
    let info = doc
        .trailer
        .get(b"Info")
        .and_then(Object::as_reference)
        .map_err(construction("dictionnaire Info absent"))?;
    let info = doc
        .get_dictionary_mut(info)
        .map_err(construction("dictionnaire Info illisible"))?;
    info.set("Title", text_string(&meta.title));
    info.set("Subject", text_string(&meta.subject));

    let catalog = doc.catalog().map_err(construction("catalogue illisible"))?;
    let metadata = catalog.get(b"Metadata").and_then(Object::as_reference).ok();
    let embedded = catalog
        .get(b"AF")
        .and_then(Object::as_array)
        .ok()
        .and_then(|af| af.first())
        .and_then(|spec| spec.as_reference().ok());
    if let Some(id) = metadata {
        let stream = doc
            .get_object_mut(id)
            .and_then(Object::as_stream_mut)
            .map_err(construction("métadonnées XMP illisibles"))?;
        let xmp = String::from_utf8_lossy(&stream.content).into_owned();
        let xmp = xmp_replace(&xmp, "<dc:title>", &meta.title);
        let xmp = xmp_replace(&xmp, "<dc:description>", &meta.subject);
        // The XMP stays uncompressed (PDF/A).
        stream.set_content(xmp.into_bytes());
    }
    if let Some(xml) = &meta.xml {
        let spec = embedded.ok_or_else(|| {
            RenderError::Construction("facture Factur-X absente du document".into())
        })?;
        let file: ObjectId = doc
            .get_dictionary(spec)
            .and_then(|s| s.get(b"EF"))
            .and_then(Object::as_dict)
            .and_then(|ef| ef.get(b"F"))
            .and_then(Object::as_reference)
            .map_err(construction("facture Factur-X illisible"))?;
        let content = deflate(xml.as_bytes())?;
        let stream = doc
            .get_object_mut(file)
            .and_then(Object::as_stream_mut)
            .map_err(construction("facture Factur-X illisible"))?;
        stream.set_content(content);
        if let Ok(Object::Dictionary(params)) = stream.dict.get_mut(b"Params") {
            params.set("Size", i64::try_from(xml.len()).unwrap_or(i64::MAX));
        }
    }
    let mut out = Vec::with_capacity(bytes.len() + 1024);
    let save = lopdf::SaveOptions::builder()
        .use_object_streams(true)
        .use_xref_streams(true)
        .compression_level(3)
        .build();
    doc.save_with_options(&mut out, save)
        .map_err(|e| RenderError::Ecriture(e.to_string()))?;
    Ok(out)
}

/// A zlib stream of `data` (`/FlateDecode`).
fn deflate(data: &[u8]) -> Result<Vec<u8>, RenderError> {
    use std::io::Write as _;
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::new(6));
    z.write_all(data)
        .and_then(|()| z.finish())
        .map_err(|e| RenderError::Ecriture(e.to_string()))
}

/// `xmp` with the text of the first `<rdf:li …>` after `tag` replaced.
fn xmp_replace(xmp: &str, tag: &str, text: &str) -> String {
    let Some(start) = xmp.find(tag) else {
        return xmp.to_string();
    };
    let Some(open) = xmp[start..].find("<rdf:li").map(|i| start + i) else {
        return xmp.to_string();
    };
    let (Some(gt), Some(close)) = (xmp[open..].find('>'), xmp[open..].find("</rdf:li>")) else {
        return xmp.to_string();
    };
    let escaped = crate::xml::escape(text, crate::xml::Quotes::Keep);
    format!("{}{escaped}{}", &xmp[..open + gt + 1], &xmp[open + close..])
}

/// A PDF text string: PDFDocEncoding when printable ASCII, else UTF-16BE
/// with its byte order mark.
fn text_string(text: &str) -> Object {
    if text.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        return Object::string_literal(text);
    }
    let mut bytes = vec![0xfe, 0xff];
    for unit in text.encode_utf16() {
        bytes.extend_from_slice(&unit.to_be_bytes());
    }
    Object::String(bytes, StringFormat::Literal)
}

#[cfg(test)]
mod avoir_tests {
    use super::*;
    use crate::avoir::fixtures::{appel_of, avoir_of};

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
        let pdf = avoir_pdf(&renderer, &a, &e, Some(Profile::En16931)).unwrap();
        assert_eq!(
            pdf,
            avoir_pdf(&renderer, &a, &e, Some(Profile::En16931)).unwrap(),
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
        let pdf = avoir_pdf(&renderer, &avoir(), &emetteur(), None).unwrap();
        assert!(embedded_xml(&pdf).is_none());
        assert_eq!(info(&pdf, b"Title"), "Avoir AV-2027-00001");
    }
}
