//! The print-ready mailing of the members without e-mail: one PDF of
//! their documents sorted by postcode then name, each starting on an odd
//! page (a blank page after a document of an odd number of pages, for
//! duplex printing), after a cover list of who is in it (itself of an
//! even number of pages). Merged with lopdf from the issued PDFs, which
//! are copied unchanged (their pages, fonts and images); returns bytes.

use std::collections::BTreeMap;

use lopdf::content::{Content, Operation};
use lopdf::{Dictionary, Document as Pdf, Object, ObjectId, Stream, StringFormat, dictionary};

use super::Document;
use crate::format_fr;

/// A4 in points (rounded: integer coordinates only).
const A4: [i64; 2] = [595, 842];
/// Rows of the cover list on each page.
const ROWS_PER_PAGE: usize = 44;

/// The order of the mailing: postcode, then name (accents and case
/// folded), then number.
pub fn sort(docs: &mut [&Document]) {
    docs.sort_by_cached_key(|d| {
        (
            d.code_postal.clone(),
            format_fr::fold_key(&d.nom),
            d.numero.clone(),
        )
    });
}

/// One row of the cover list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ligne {
    pub numero: String,
    pub nom: String,
    pub code_postal: String,
    pub ville: String,
    /// The page of the mailing it starts on (odd).
    pub page: usize,
    pub pages: usize,
}

/// The mailing of `items` (in the order given: see `sort`), titled
/// `titre`, and its cover list.
///
/// # Errors
/// A PDF that lopdf cannot read, or the mailing cannot be written.
#[allow(
    clippy::too_many_lines,
    reason = "the cover, then each document's pages and its blank, then the tree"
)]
pub fn assemble(
    items: &[(&Document, &[u8])],
    titre: &str,
    sous_titre: &str,
) -> Result<(Vec<u8>, Vec<Ligne>), String> {
    let mut sources = Vec::with_capacity(items.len());
    for (d, bytes) in items {
        let pdf = Pdf::load_mem(bytes).map_err(|e| format!("{} : {e}", d.fichier))?;
        sources.push(pdf);
    }
    let cover_pages = items.len().div_ceil(ROWS_PER_PAGE).max(1);
    let mut page = cover_pages + cover_pages % 2 + 1;
    let mut lignes = Vec::with_capacity(items.len());
    for ((d, _), src) in items.iter().zip(&sources) {
        let pages = src.get_pages().len();
        lignes.push(Ligne {
            numero: d.numero.clone(),
            nom: d.nom.clone(),
            code_postal: d.code_postal.clone(),
            ville: d.ville.clone(),
            page,
            pages,
        });
        page += pages + pages % 2;
    }
    let mut out = Pdf::with_version("1.7");
    let pages_id = out.new_object_id();
    let font = out.add_object(dictionary! {
        "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica",
        "Encoding" => "WinAnsiEncoding",
    });
    let bold = out.add_object(dictionary! {
        "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica-Bold",
        "Encoding" => "WinAnsiEncoding",
    });
    let resources = out.add_object(dictionary! {
        "Font" => dictionary! { "F1" => font, "F2" => bold },
    });
    let mut kids: Vec<ObjectId> = Vec::new();
    for (i, chunk) in lignes.chunks(ROWS_PER_PAGE.max(1)).enumerate() {
        let content = cover(chunk, i, cover_pages, titre, sous_titre, lignes.len());
        let bytes = content.encode().map_err(|e| e.to_string())?;
        let contents = out.add_object(Stream::new(Dictionary::new(), bytes));
        kids.push(out.add_object(page_dict(pages_id, Some(contents), Some(resources))));
    }
    if lignes.is_empty() {
        let content = cover(&[], 0, 1, titre, sous_titre, 0);
        let bytes = content.encode().map_err(|e| e.to_string())?;
        let contents = out.add_object(Stream::new(Dictionary::new(), bytes));
        kids.push(out.add_object(page_dict(pages_id, Some(contents), Some(resources))));
    }
    if kids.len() % 2 == 1 {
        kids.push(out.add_object(page_dict(pages_id, None, None)));
    }
    for mut src in sources {
        src.renumber_objects_with(out.max_id + 1);
        let pages: Vec<ObjectId> = src.get_pages().into_values().collect();
        let inherited = inherited_attributes(&src, &pages);
        let count = pages.len();
        for (id, object) in std::mem::take(&mut src.objects) {
            let skip = matches!(&object, Object::Dictionary(d)
                if d.get(b"Type").ok().and_then(|t| t.as_name().ok()).is_some_and(|t| t == b"Catalog" || t == b"Pages"));
            if !skip {
                out.objects.insert(id, object);
            }
        }
        out.max_id = out.max_id.max(src.max_id);
        for id in pages {
            if let Ok(Object::Dictionary(d)) = out.get_object_mut(id) {
                d.set("Parent", pages_id);
                if let Some(extra) = inherited.get(&id) {
                    for (k, v) in extra {
                        if d.get(k).is_err() {
                            d.set(k.clone(), v.clone());
                        }
                    }
                }
            }
            kids.push(id);
        }
        if count % 2 == 1 {
            kids.push(out.add_object(page_dict(pages_id, None, None)));
        }
    }
    let count = i64::try_from(kids.len()).unwrap_or(i64::MAX);
    out.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! {
            "Type" => "Pages",
            "Kids" => kids.into_iter().map(Object::Reference).collect::<Vec<_>>(),
            "Count" => count,
        }),
    );
    let catalog = out.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    out.trailer.set("Root", catalog);
    out.prune_objects();
    let mut bytes = Vec::new();
    out.save_to(&mut bytes).map_err(|e| e.to_string())?;
    Ok((bytes, lignes))
}

/// The attributes a page inherits from its `Pages` ancestors
/// (`MediaBox`, `Resources`, `CropBox`, `Rotate`), which it loses when
/// moved under another parent.
fn inherited_attributes(
    src: &Pdf,
    pages: &[ObjectId],
) -> BTreeMap<ObjectId, Vec<(Vec<u8>, Object)>> {
    let mut out = BTreeMap::new();
    for &id in pages {
        let mut extra: Vec<(Vec<u8>, Object)> = Vec::new();
        let mut parent = src
            .get_dictionary(id)
            .ok()
            .and_then(|d| d.get(b"Parent").ok())
            .and_then(|p| p.as_reference().ok());
        let mut depth = 0;
        while let (Some(pid), true) = (parent, depth < 16) {
            let Ok(d) = src.get_dictionary(pid) else {
                break;
            };
            for key in [&b"MediaBox"[..], b"Resources", b"CropBox", b"Rotate"] {
                if let Ok(v) = d.get(key)
                    && !extra.iter().any(|(k, _)| k == key)
                {
                    extra.push((key.to_vec(), v.clone()));
                }
            }
            parent = d.get(b"Parent").ok().and_then(|p| p.as_reference().ok());
            depth += 1;
        }
        out.insert(id, extra);
    }
    out
}

/// An A4 page under `parent`; blank without `contents`.
fn page_dict(parent: ObjectId, contents: Option<ObjectId>, resources: Option<ObjectId>) -> Object {
    let mut d = dictionary! {
        "Type" => "Page",
        "Parent" => parent,
        "MediaBox" => vec![0.into(), 0.into(), A4[0].into(), A4[1].into()],
    };
    match resources {
        Some(r) => d.set("Resources", r),
        None => d.set("Resources", Dictionary::new()),
    }
    if let Some(c) = contents {
        d.set("Contents", c);
    }
    Object::Dictionary(d)
}

/// `text` in `WinAnsiEncoding` (the standard fonts' encoding): a
/// character it lacks is written without its accent (`ő` → `o`), or as
/// its Unicode code (`<U+0142>`) when that is not enough: never a silent
/// `?` on the cover list.
fn win_ansi(text: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    let mut buf = [0u8; 4];
    let one = |c: char, buf: &mut [u8; 4]| {
        let s = c.encode_utf8(buf);
        let (bytes, _, bad) = encoding_rs::WINDOWS_1252.encode(s);
        (!bad && bytes.len() == 1).then(|| bytes[0])
    };
    for c in text.chars() {
        if let Some(b) = one(c, &mut buf) {
            out.push(b);
            continue;
        }
        let folded: Option<Vec<u8>> = crate::charset::fold_accents(&c.to_string())
            .chars()
            .map(|f| one(f, &mut buf))
            .collect();
        match folded {
            Some(bytes) if !bytes.is_empty() => out.extend(bytes),
            _ => out.extend(format!("<U+{:04X}>", u32::from(c)).bytes()),
        }
    }
    out
}

/// `text` cut to `max` characters (an ellipsis marks the cut).
fn cut(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        let mut s: String = text.chars().take(max.saturating_sub(1)).collect();
        s.push('…');
        s
    }
}

/// Page `index` (of `total`) of the cover list.
fn cover(
    rows: &[Ligne],
    index: usize,
    total: usize,
    titre: &str,
    sous_titre: &str,
    documents: usize,
) -> Content {
    let mut ops = Vec::new();
    // Integer coordinates (points): no float arithmetic in the product.
    let text = |ops: &mut Vec<Operation>, font: &str, size: i64, x: i64, y: i64, s: &str| {
        ops.push(Operation::new("BT", vec![]));
        ops.push(Operation::new("Tf", vec![font.into(), size.into()]));
        ops.push(Operation::new("Td", vec![x.into(), y.into()]));
        ops.push(Operation::new(
            "Tj",
            vec![Object::String(win_ansi(s), StringFormat::Literal)],
        ));
        ops.push(Operation::new("ET", vec![]));
    };
    let mut y: i64 = 790;
    text(&mut ops, "F2", 15, 50, y, titre);
    y -= 20;
    for line in sous_titre.lines() {
        text(&mut ops, "F1", 10, 50, y, line);
        y -= 14;
    }
    y -= 2;
    let resume = format!(
        "{} — liste {} / {total}. Chaque document commence sur une page impaire (impression recto verso).",
        match documents {
            0 => "Aucun document".to_string(),
            1 => "1 document".to_string(),
            n => format!("{n} documents"),
        },
        index + 1
    );
    text(&mut ops, "F1", 9, 50, y, &resume);
    y -= 26;
    let cols: [(i64, &str); 6] = [
        (50, "N°"),
        (78, "Code postal"),
        (140, "Ville"),
        (265, "Adhérent"),
        (440, "Document"),
        (525, "Page"),
    ];
    for (x, h) in cols {
        text(&mut ops, "F2", 9, x, y, h);
    }
    ops.push(Operation::new("w", vec![1.into()]));
    ops.push(Operation::new("m", vec![50.into(), (y - 4).into()]));
    ops.push(Operation::new("l", vec![555.into(), (y - 4).into()]));
    ops.push(Operation::new("S", vec![]));
    y -= 17;
    for (i, r) in rows.iter().enumerate() {
        let n = index * ROWS_PER_PAGE + i + 1;
        let cells = [
            n.to_string(),
            r.code_postal.clone(),
            cut(&r.ville, 20),
            cut(&r.nom, 30),
            r.numero.clone(),
            r.page.to_string(),
        ];
        for ((x, _), c) in cols.iter().zip(&cells) {
            text(&mut ops, "F1", 9, *x, y, c);
        }
        y -= 15;
    }
    Content { operations: ops }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A PDF of `pages` blank A4 pages.
    fn pdf(pages: usize) -> Vec<u8> {
        let mut doc = Pdf::with_version("1.7");
        let pages_id = doc.new_object_id();
        let kids: Vec<Object> = (0..pages)
            .map(|_| Object::Reference(doc.add_object(page_dict(pages_id, None, None))))
            .collect();
        doc.objects.insert(
            pages_id,
            Object::Dictionary(dictionary! {
                "Type" => "Pages", "Kids" => kids, "Count" => i64::try_from(pages).unwrap(),
            }),
        );
        let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
        doc.trailer.set("Root", catalog);
        let mut out = Vec::new();
        doc.save_to(&mut out).unwrap();
        out
    }

    fn document(n: usize, code_postal: &str, nom: &str) -> Document {
        Document {
            numero: format!("AC-2027-{n:05}"),
            avoir: false,
            membre_id: format!("M-{n}"),
            nom: nom.into(),
            emails: vec![],
            adresse: String::new(),
            code_postal: code_postal.into(),
            ville: "CAEN".into(),
            total_ttc: crate::money::Montant::ZERO,
            date_emission: chrono::NaiveDate::from_ymd_opt(2027, 1, 15).unwrap(),
            date_echeance: chrono::NaiveDate::from_ymd_opt(2027, 2, 14).unwrap(),
            exercice: 2027,
            fichier: String::new(),
            sha256: String::new(),
            appel: None,
        }
    }

    #[test]
    fn every_document_starts_on_an_odd_page_after_an_even_cover() {
        // 50 members: two cover pages; one document of two pages.
        let docs: Vec<Document> = (1..=50)
            .map(|n| document(n, &format!("14{:03}", 100 - n), &format!("Commune {n}")))
            .collect();
        let mut sorted: Vec<&Document> = docs.iter().collect();
        sort(&mut sorted);
        assert_eq!(sorted[0].numero, "AC-2027-00050", "postcode 14050 first");
        let one = pdf(1);
        let two = pdf(2);
        let items: Vec<(&Document, &[u8])> = sorted
            .iter()
            .enumerate()
            .map(|(i, d)| (*d, if i == 3 { &two[..] } else { &one[..] }))
            .collect();
        let (bytes, lignes) = assemble(&items, "Titre", "Centre\nListe").unwrap();
        let merged = Pdf::load_mem(&bytes).unwrap();
        assert_eq!(merged.get_pages().len(), 2 + 50 * 2);
        assert_eq!(lignes[0].page, 3);
        assert!(lignes.iter().all(|l| l.page % 2 == 1), "{lignes:?}");
        assert_eq!((lignes[3].pages, lignes[4].page - lignes[3].page), (2, 2));
    }

    #[test]
    fn win_ansi_keeps_french_letters() {
        assert_eq!(win_ansi("Cricquebœuf é"), b"Cricqueb\x9cuf \xe9".to_vec());
        assert_eq!(win_ansi("ő"), b"o".to_vec(), "its accent dropped");
        assert_eq!(
            win_ansi("ł"),
            b"<U+0142>".to_vec(),
            "named, never a silent ?"
        );
    }
}
