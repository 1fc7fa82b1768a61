//! PDF/A-3B and Factur-X: what turns the plain PDF of an appel into an
//! electronic invoice a member's software reads without retyping.
//!
//! On top of the document `pdf` builds (fonts embedded with ToUnicode maps,
//! no transparency, no annotation, trailer ID derived from the appel):
//!
//! - header `%PDF-1.7` (lopdf writes the binary comment line after it);
//! - the CII XML as the embedded file `factur-x.xml` (`/Subtype /text#2Fxml`,
//!   `/Params` with its size and the date of issue), its file specification
//!   in the catalog's `/AF` array and `/Names /EmbeddedFiles` tree;
//! - the XMP packet (uncompressed): PDF/A identification (part 3, level B),
//!   the Info dictionary's title, author, subject, tools and dates, the
//!   Factur-X extension schema and its four `fx:` values;
//! - an Info dictionary holding exactly what the XMP repeats;
//! - an sRGB OutputIntent (`/GTS_PDFA1`), which also makes the page's
//!   DeviceGray colours legal.
//!
//! Everything is derived from the appel: the same appel gives the same bytes.

use lopdf::{Dictionary, Document, Object, ObjectId, Stream, StringFormat};

use super::pdf::{DocInfo, RenderError, deflate_content};
use crate::facturx::{Profile, XML_FILE_NAME};

/// sRGB ICC profile (v2, display class, Little CMS; Debian's
/// `icc-profiles-free`, zlib licence: see `assets/sRGB.icc.LICENSE.txt`).
pub(super) const SRGB_ICC: &[u8] = include_bytes!("../../assets/sRGB.icc");

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

/// Makes `doc` (as `pdf` built it) a PDF/A-3B Factur-X invoice carrying `xml`.
/// `icc` is `SRGB_ICC`, zlib-compressed (once per batch).
pub(super) fn make_facturx(
    doc: &mut Document,
    info: &DocInfo,
    xml: &[u8],
    profile: Profile,
    icc: &[u8],
) -> Result<(), RenderError> {
    doc.version = "1.7".to_string();
    let date = pdf_date(info.date);

    // Info: exactly what the XMP repeats.
    let info_dict = Dictionary::from_iter([
        ("Title", text_string(&info.title)),
        ("Author", text_string(&info.author)),
        ("Subject", text_string(&info.subject)),
        ("Creator", text_string(info.creator)),
        ("Producer", text_string(info.producer)),
        ("CreationDate", Object::string_literal(date.clone())),
        ("ModDate", Object::string_literal(date.clone())),
    ]);
    match doc.trailer.get(b"Info").and_then(Object::as_reference) {
        Ok(id) => {
            doc.objects.insert(id, Object::Dictionary(info_dict));
        }
        Err(_) => {
            let id = doc.add_object(info_dict);
            doc.trailer.set("Info", id);
        }
    }

    // The embedded XML, its file specification.
    let size = i64::try_from(xml.len()).unwrap_or(i64::MAX);
    let mut file = Stream::new(
        Dictionary::from_iter([
            ("Type", Object::Name(b"EmbeddedFile".to_vec())),
            ("Subtype", Object::Name(b"text/xml".to_vec())),
            (
                "Params",
                Object::Dictionary(Dictionary::from_iter([
                    ("ModDate", Object::string_literal(date)),
                    ("Size", Object::Integer(size)),
                ])),
            ),
            ("Filter", Object::Name(b"FlateDecode".to_vec())),
        ]),
        Vec::new(),
    )
    .with_compression(false);
    file.set_content(deflate_content(xml)?);
    let file = doc.add_object(file);
    let spec = doc.add_object(Dictionary::from_iter([
        ("Type", Object::Name(b"Filespec".to_vec())),
        ("F", Object::string_literal(XML_FILE_NAME)),
        ("UF", Object::string_literal(XML_FILE_NAME)),
        (
            "EF",
            Object::Dictionary(Dictionary::from_iter([
                ("F", Object::Reference(file)),
                ("UF", Object::Reference(file)),
            ])),
        ),
        (
            "AFRelationship",
            Object::Name(af_relationship(profile).as_bytes().to_vec()),
        ),
        ("Desc", Object::string_literal("Factur-X invoice")),
    ]));

    // XMP, never compressed (added after `pdf` compressed the other streams).
    let metadata = doc.add_object(
        Stream::new(
            Dictionary::from_iter([
                ("Type", Object::Name(b"Metadata".to_vec())),
                ("Subtype", Object::Name(b"XML".to_vec())),
            ]),
            xmp(info, profile).into_bytes(),
        )
        .with_compression(false),
    );

    // sRGB output intent.
    let profile_stream = doc.add_object(
        Stream::new(
            Dictionary::from_iter([
                ("N", Object::Integer(3)),
                ("Filter", Object::Name(b"FlateDecode".to_vec())),
            ]),
            icc.to_vec(),
        )
        .with_compression(false),
    );
    let intent = Dictionary::from_iter([
        ("Type", Object::Name(b"OutputIntent".to_vec())),
        ("S", Object::Name(b"GTS_PDFA1".to_vec())),
        (
            "OutputConditionIdentifier",
            Object::string_literal("sRGB IEC61966-2.1"),
        ),
        (
            "RegistryName",
            Object::string_literal("http://www.color.org"),
        ),
        ("Info", Object::string_literal("sRGB IEC61966-2.1")),
        ("DestOutputProfile", Object::Reference(profile_stream)),
    ]);

    let catalog = catalog_mut(doc)?;
    catalog.set("Metadata", Object::Reference(metadata));
    catalog.set(
        "OutputIntents",
        Object::Array(vec![Object::Dictionary(intent)]),
    );
    catalog.set("AF", Object::Array(vec![Object::Reference(spec)]));
    let embedded = Object::Dictionary(Dictionary::from_iter([(
        "Names",
        Object::Array(vec![
            Object::string_literal(XML_FILE_NAME),
            Object::Reference(spec),
        ]),
    )]));
    match catalog.get_mut(b"Names") {
        Ok(Object::Dictionary(names)) => names.set("EmbeddedFiles", embedded),
        _ => catalog.set(
            "Names",
            Object::Dictionary(Dictionary::from_iter([("EmbeddedFiles", embedded)])),
        ),
    }
    Ok(())
}

fn catalog_mut(doc: &mut Document) -> Result<&mut Dictionary, RenderError> {
    let id: ObjectId = doc
        .trailer
        .get(b"Root")
        .and_then(Object::as_reference)
        .map_err(|e| RenderError::Construction(format!("catalogue absent : {e}")))?;
    doc.get_dictionary_mut(id)
        .map_err(|e| RenderError::Construction(format!("catalogue illisible : {e}")))
}

/// A PDF text string: PDFDocEncoding when it is printable ASCII, else
/// UTF-16BE with its byte order mark.
fn text_string(text: &str) -> Object {
    if text.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        return Object::string_literal(text);
    }
    let mut bytes = Vec::with_capacity(2 + text.len() * 2);
    bytes.extend_from_slice(&[0xfe, 0xff]);
    for unit in text.encode_utf16() {
        bytes.extend_from_slice(&unit.to_be_bytes());
    }
    Object::String(bytes, StringFormat::Literal)
}

/// `D:20270115000000+00'00'`: midnight UTC of `date` (as printpdf writes
/// the dates of the plain PDF).
fn pdf_date(date: chrono::NaiveDate) -> String {
    format!("D:{}000000+00'00'", date.format("%Y%m%d"))
}

/// `2027-01-15T00:00:00+00:00`: the same instant, in XMP form.
fn xmp_date(date: chrono::NaiveDate) -> String {
    format!("{}T00:00:00+00:00", date.format("%Y-%m-%d"))
}

/// Escapes text for XML content.
fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            // Control characters are not allowed in XML 1.0.
            c if c.is_control() && !matches!(c, '\t' | '\n' | '\r') => out.push(' '),
            c => out.push(c),
        }
    }
    out
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
