//! Reading back the text of a PDF in tests, shared by the library's unit
//! tests (`src/testing.rs`) and the CLI tests (`tests/cli/util.rs`), each of
//! which includes this file as a module.

use std::collections::BTreeMap;

use lopdf::content::Content;
use lopdf::{Document, Encoding, Object};

/// Every text run (one `Tj`/`TJ`) of every page of `doc`, decoded through
/// the fonts' `ToUnicode` maps with lopdf, then passed through `clean` (the
/// caller's choice of which no-break spaces become plain spaces).
pub(crate) fn text_runs(doc: &Document, clean: fn(&str) -> String) -> Vec<Vec<String>> {
    doc.get_pages()
        .values()
        .map(|&page| {
            let encodings: BTreeMap<Vec<u8>, Encoding<'_>> = doc
                .get_page_fonts(page)
                .expect("page fonts")
                .into_iter()
                .map(|(name, font)| (name, font.get_font_encoding(doc).expect("encoding")))
                .collect();
            let content = Content::decode(&doc.get_page_content(page)).expect("decode");
            let mut font = None;
            let mut runs = Vec::new();
            for op in &content.operations {
                match op.operator.as_str() {
                    "Tf" => font = Some(op.operands[0].as_name().expect("font name").to_vec()),
                    "Tj" | "TJ" => {
                        let encoding = &encodings[font.as_ref().expect("font set")];
                        let strings: Vec<&Object> = match &op.operands[0] {
                            Object::Array(items) => items.iter().collect(),
                            other => vec![other],
                        };
                        let mut run = String::new();
                        for s in strings {
                            if let Ok(bytes) = s.as_str() {
                                run.push_str(&encoding.bytes_to_string(bytes).expect("text"));
                            }
                        }
                        runs.push(clean(&run));
                    }
                    _ => {}
                }
            }
            runs
        })
        .collect()
}
