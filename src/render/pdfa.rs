//! PDF/A-3B and Factur-X: what turns the plain PDF of an appel into an
//! electronic invoice a member's software reads without retyping.
//!
//! On top of the document `pdf` writes (fonts embedded with `ToUnicode` maps,
//! no transparency, no annotation, trailer ID derived from the appel, an
//! Info dictionary holding exactly what the XMP repeats):
//!
//! - header `%PDF-1.7` and its binary comment line (`pdf` writes both);
//! - the CII XML as the embedded file `factur-x.xml` (`/Subtype /text#2Fxml`,
//!   `/Params` with its size and the date of issue), its file specification
//!   in the catalog's `/AF` array and `/Names /EmbeddedFiles` tree;
//! - the XMP packet (uncompressed, as PDF/A-1 wanted and every validator
//!   reads): PDF/A identification (part 3, level B), the Info dictionary's
//!   title, author, subject, tools and dates, the Factur-X extension schema
//!   and its four `fx:` values;
//! - an sRGB `OutputIntent` (`/GTS_PDFA1`), which also makes the page's
//!   `DeviceGray` colours legal. Its profile is shared by every document
//!   (`pdf::Shared`).
//!
//! Everything is derived from the appel: the same appel gives the same bytes.

use super::serialize::{PdfFile, deflate_content, pdf_date, push_ref, push_text, push_uint};
use super::{DocInfo, RenderError};
use crate::facturx::{Profile, XML_FILE_NAME};

/// sRGB ICC profile (v4.2, display class, 480 bytes, CC0: « Compact ICC
/// Profiles », see `assets/sRGB-v4.icc.LICENSE.txt`): the same colour space
/// as the usual 7 KB profiles, for 2 KB less per appel.
pub(super) const SRGB_ICC: &[u8] = include_bytes!("../../assets/sRGB-v4.icc");

/// Namespace of the Factur-X XMP properties.
pub(super) const FX_NAMESPACE: &str = "urn:factur-x:pdfa:CrossIndustryDocument:invoice:1p0#";

/// `/AFRelationship` of `factur-x.xml`. The Factur-X specification asks,
/// in France, for `/Alternative` when the XML is a full representation of
/// the invoice (BASIC, EN 16931, EXTENDED) and `/Data` only for MINIMUM and
/// BASIC WL, which are not invoices; `facturx-check` enforces the same.
fn af_relationship(profile: Profile) -> &'static str {
    match profile {
        Profile::En16931 | Profile::Basic => "Alternative",
    }
}

/// The per-document streams of a Factur-X invoice, once written.
pub(super) struct Extras {
    /// The XMP metadata stream.
    metadata: u32,
    /// The embedded `factur-x.xml`.
    xml: u32,
    profile: Profile,
}

/// Writes the XMP packet and the embedded XML of a Factur-X invoice.
pub(super) fn streams(
    file: &mut PdfFile,
    info: &DocInfo,
    xml: &[u8],
    profile: Profile,
) -> Result<Extras, RenderError> {
    let metadata = file.reserve();
    file.stream(
        metadata,
        b"/Type/Metadata/Subtype/XML",
        xmp(info, profile).as_bytes(),
    );
    let mut dict = b"/Type/EmbeddedFile/Subtype/text#2Fxml/Params<</ModDate".to_vec();
    push_text(&mut dict, &pdf_date(info.date));
    dict.extend_from_slice(b"/Size ");
    push_uint(&mut dict, xml.len());
    dict.extend_from_slice(b">>/Filter/FlateDecode");
    let id = file.reserve();
    file.stream(id, &dict, &deflate_content(xml)?);
    Ok(Extras {
        metadata,
        xml: id,
        profile,
    })
}

/// The catalog entries of a Factur-X invoice: XMP, sRGB output intent
/// (`icc`: the shared profile), associated file and embedded files tree
/// (`spec`: the file specification).
pub(super) fn catalog_entries(out: &mut Vec<u8>, extras: &Extras, spec: u32, icc: u32) {
    out.extend_from_slice(b"/Metadata ");
    push_ref(out, extras.metadata);
    out.extend_from_slice(
        b"/OutputIntents[<</Type/OutputIntent/S/GTS_PDFA1\
/OutputConditionIdentifier(sRGB IEC61966-2.1)/RegistryName(http://www.color.org)\
/Info(sRGB IEC61966-2.1)/DestOutputProfile ",
    );
    push_ref(out, icc);
    out.extend_from_slice(b">>]/AF[");
    push_ref(out, spec);
    out.extend_from_slice(b"]/Names<</EmbeddedFiles<</Names[(");
    out.extend_from_slice(XML_FILE_NAME.as_bytes());
    out.extend_from_slice(b") ");
    push_ref(out, spec);
    out.extend_from_slice(b"]>>>>");
}

/// The file specification of `factur-x.xml`.
pub(super) fn filespec(out: &mut Vec<u8>, extras: &Extras) {
    out.extend_from_slice(b"<</Type/Filespec/F(");
    out.extend_from_slice(XML_FILE_NAME.as_bytes());
    out.extend_from_slice(b")/UF(");
    out.extend_from_slice(XML_FILE_NAME.as_bytes());
    out.extend_from_slice(b")/EF<</F ");
    push_ref(out, extras.xml);
    out.extend_from_slice(b"/UF ");
    push_ref(out, extras.xml);
    out.extend_from_slice(b">>/AFRelationship/");
    out.extend_from_slice(af_relationship(extras.profile).as_bytes());
    out.extend_from_slice(b"/Desc(Factur-X invoice)>>");
}

/// `2027-01-15T00:00:00+00:00`: the same instant, in XMP form.
fn xmp_date(date: chrono::NaiveDate) -> String {
    format!("{}T00:00:00+00:00", date.format("%Y-%m-%d"))
}

/// Text for the XMP packet's elements.
fn esc(text: &str) -> std::borrow::Cow<'_, str> {
    crate::xml::escape(text, crate::xml::Quotes::Keep)
}

/// One property of the Factur-X extension schema.
fn fx_property(x: &mut String, name: &str, description: &str) {
    x.push_str("<rdf:li rdf:parseType=\"Resource\"><pdfaProperty:name>");
    x.push_str(name);
    x.push_str(
        "</pdfaProperty:name><pdfaProperty:valueType>Text</pdfaProperty:valueType>\
         <pdfaProperty:category>external</pdfaProperty:category><pdfaProperty:description>",
    );
    x.push_str(description);
    x.push_str("</pdfaProperty:description></rdf:li>\n");
}

/// The XMP packet: UTF-8, no `bytes` nor `encoding` attribute in its header
/// (PDF/A forbids both), no padding (the file is never edited in place).
#[allow(
    clippy::too_many_lines,
    reason = "one XMP packet, element after element"
)]
pub(super) fn xmp(info: &DocInfo, profile: Profile) -> String {
    let date = xmp_date(info.date);
    let mut x = String::with_capacity(3072);
    x.push_str("<?xpacket begin=\"\u{feff}\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\n");
    x.push_str("<x:xmpmeta xmlns:x=\"adobe:ns:meta/\">\n");
    x.push_str("<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">\n");
    x.push_str(
        "<rdf:Description rdf:about=\"\" xmlns:pdfaid=\"http://www.aiim.org/pdfa/ns/id/\">\n\
         <pdfaid:part>3</pdfaid:part>\n<pdfaid:conformance>B</pdfaid:conformance>\n\
         </rdf:Description>\n",
    );
    x.push_str(
        "<rdf:Description rdf:about=\"\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\">\n\
         <dc:format>application/pdf</dc:format>\n",
    );
    x.push_str("<dc:title><rdf:Alt><rdf:li xml:lang=\"x-default\">");
    x.push_str(&esc(&info.title));
    x.push_str("</rdf:li></rdf:Alt></dc:title>\n<dc:creator><rdf:Seq><rdf:li>");
    x.push_str(&esc(&info.author));
    x.push_str(
        "</rdf:li></rdf:Seq></dc:creator>\n<dc:description><rdf:Alt><rdf:li xml:lang=\"x-default\">",
    );
    x.push_str(&esc(&info.subject));
    x.push_str("</rdf:li></rdf:Alt></dc:description>\n</rdf:Description>\n");
    x.push_str("<rdf:Description rdf:about=\"\" xmlns:xmp=\"http://ns.adobe.com/xap/1.0/\">\n");
    x.push_str("<xmp:CreatorTool>");
    x.push_str(&esc(info.creator));
    x.push_str("</xmp:CreatorTool>\n<xmp:CreateDate>");
    x.push_str(&date);
    x.push_str("</xmp:CreateDate>\n<xmp:ModifyDate>");
    x.push_str(&date);
    x.push_str("</xmp:ModifyDate>\n<xmp:MetadataDate>");
    x.push_str(&date);
    x.push_str("</xmp:MetadataDate>\n</rdf:Description>\n");
    x.push_str("<rdf:Description rdf:about=\"\" xmlns:pdf=\"http://ns.adobe.com/pdf/1.3/\">\n");
    x.push_str("<pdf:Producer>");
    x.push_str(&esc(info.producer));
    x.push_str("</pdf:Producer>\n</rdf:Description>\n");
    // The PDF/A extension schema that declares the fx: properties.
    x.push_str(
        "<rdf:Description rdf:about=\"\" \
         xmlns:pdfaExtension=\"http://www.aiim.org/pdfa/ns/extension/\" \
         xmlns:pdfaSchema=\"http://www.aiim.org/pdfa/ns/schema#\" \
         xmlns:pdfaProperty=\"http://www.aiim.org/pdfa/ns/property#\">\n\
         <pdfaExtension:schemas><rdf:Bag><rdf:li rdf:parseType=\"Resource\">\n\
         <pdfaSchema:schema>Factur-X PDFA Extension Schema</pdfaSchema:schema>\n\
         <pdfaSchema:namespaceURI>",
    );
    x.push_str(FX_NAMESPACE);
    x.push_str(
        "</pdfaSchema:namespaceURI>\n<pdfaSchema:prefix>fx</pdfaSchema:prefix>\n\
         <pdfaSchema:property><rdf:Seq>\n",
    );
    fx_property(
        &mut x,
        "DocumentFileName",
        "The name of the embedded XML document",
    );
    fx_property(
        &mut x,
        "DocumentType",
        "The type of the hybrid document in capital letters, e.g. INVOICE or ORDER",
    );
    fx_property(
        &mut x,
        "Version",
        "The actual version of the standard applying to the embedded XML document",
    );
    fx_property(
        &mut x,
        "ConformanceLevel",
        "The conformance level of the embedded XML document",
    );
    x.push_str(
        "</rdf:Seq></pdfaSchema:property>\n</rdf:li></rdf:Bag></pdfaExtension:schemas>\n\
         </rdf:Description>\n",
    );
    x.push_str("<rdf:Description rdf:about=\"\" xmlns:fx=\"");
    x.push_str(FX_NAMESPACE);
    x.push_str("\">\n<fx:DocumentType>INVOICE</fx:DocumentType>\n<fx:DocumentFileName>");
    x.push_str(XML_FILE_NAME);
    x.push_str("</fx:DocumentFileName>\n<fx:Version>1.0</fx:Version>\n<fx:ConformanceLevel>");
    x.push_str(profile.conformance_level());
    x.push_str("</fx:ConformanceLevel>\n</rdf:Description>\n");
    x.push_str("</rdf:RDF>\n</x:xmpmeta>\n<?xpacket end=\"w\"?>");
    x
}

/// The most an embedded `factur-x.xml` may inflate to when read back: an
/// appel's is a few kilobytes.
const MAX_EMBEDDED_XML: u64 = 1 << 20;

/// The `factur-x.xml` a Factur-X PDF of this writer embeds, inflated;
/// `None` when `pdf` holds none (or not as this writer lays it out: one
/// `/Type/EmbeddedFile` stream, `FlateDecode`, its `/Length` last).
#[must_use]
pub fn embedded_xml(pdf: &[u8]) -> Option<Vec<u8>> {
    use std::io::Read as _;
    let find = |hay: &[u8], needle: &[u8]| hay.windows(needle.len()).position(|w| w == needle);
    let at = find(pdf, b"/Type/EmbeddedFile/")?;
    let rest = &pdf[at..];
    let dict_end = find(rest, b">>\nstream\n")?;
    let length_at = find(&rest[..dict_end], b"/Length ")? + b"/Length ".len();
    let length: usize = std::str::from_utf8(&rest[length_at..dict_end])
        .ok()?
        .parse()
        .ok()?;
    let data_at = dict_end + b">>\nstream\n".len();
    let data = rest.get(data_at..data_at.checked_add(length)?)?;
    let mut xml = Vec::new();
    flate2::read::ZlibDecoder::new(data)
        .take(MAX_EMBEDDED_XML)
        .read_to_end(&mut xml)
        .ok()?;
    Some(xml)
}
