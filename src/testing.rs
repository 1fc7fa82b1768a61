//! Test fixtures shared by the unit tests: the shipped grid, a member
//! builder, the sample emission, and the text of a rendered PDF read back,
//! so each test states only what matters to it.

use std::str::FromStr;

use chrono::NaiveDate;
use lopdf::{Document, Object};
use rust_decimal::Decimal;

use crate::numbering::{Emission, Outcome, number};
use crate::pricing::{Priced, price};
use crate::roster::{Member, MemberKind};
use crate::tariff::Grid;

#[path = "../tests/support/pdf_text.rs"]
mod pdf_text;

/// The shipped sample grid, as text.
pub(crate) const GRID_TEXT: &str = include_str!("../input-samples/grille-2027.toml");

/// The shipped sample grid.
pub(crate) fn grid() -> Grid {
    Grid::parse(GRID_TEXT).expect("the shipped grid is valid")
}

/// A decimal from its text.
pub(crate) fn d(text: &str) -> Decimal {
    Decimal::from_str(text).expect("a decimal literal")
}

/// An affiliated member of `kind`, line 2, with a valid SIRET and no items.
pub(crate) fn member(kind: MemberKind, population: Option<u32>, agents: Option<u32>) -> Member {
    Member {
        line: 2,
        id: "X".into(),
        nom: "Test".into(),
        kind,
        population,
        agents,
        affiliee: true,
        siret: "21140001500015".into(),
        adresse: String::new(),
        code_postal: String::new(),
        ville: String::new(),
        email: String::new(),
        code_service: String::new(),
        engagement: String::new(),
        nom_service: String::new(),
        categorie_tiers: None,
        date_adhesion: None,
        quantities: Vec::new(),
    }
}

/// `m` subscribing `items` (code, quantity), in grid order.
pub(crate) fn with(grid: &Grid, mut m: Member, items: &[(&str, &str)]) -> Member {
    m.quantities = items
        .iter()
        .map(|(code, q)| (grid.find(code).expect("a grid code"), d(q)))
        .collect();
    m.quantities.sort_by_key(|(i, _)| *i);
    m
}

/// The emission of the sample batch: exercice 2027, issued on 15 January
/// 2027, due on 14 February 2027, no VAT mention, numbers from 1.
pub(crate) fn emission() -> Emission {
    Emission {
        exercice: 2027,
        date_emission: NaiveDate::from_ymd_opt(2027, 1, 15).expect("a date"),
        date_echeance: NaiveDate::from_ymd_opt(2027, 2, 14).expect("a date"),
        mention_tva: None,
        convention: "Convention cadre « Accompagnement numérique »".into(),
        premier_numero: 1,
        provisoire: false,
    }
}

/// Each of `members` with its price under `grid`.
pub(crate) fn priced(grid: &Grid, members: Vec<Member>) -> Vec<(Member, Priced)> {
    members
        .into_iter()
        .map(|m| {
            let p = price(&m, grid).expect("priced");
            (m, p)
        })
        .collect()
}

/// `members` priced with `grid`, then numbered in order with `emission()`
/// and the grid's recovery threshold.
pub(crate) fn priced_and_numbered(grid: &Grid, members: Vec<Member>) -> Vec<Outcome> {
    number(priced(grid, members), grid.seuil_recouvrement, &emission())
}

/// Every text run (one `Tj`/`TJ`) of every page of `pdf`, decoded through
/// the font's `ToUnicode` map with lopdf, with no-break spaces turned into
/// spaces: the text as a viewer's copy-paste or search sees it.
pub(crate) fn page_texts(pdf: &[u8]) -> Vec<Vec<String>> {
    let doc = Document::load_mem(pdf).expect("lopdf reads the PDF");
    pdf_text::text_runs(&doc, |run| run.replace('\u{a0}', " "))
}

/// The Factur-X XML embedded in a PDF (its first associated file, as
/// `render_facturx` writes it), or `None` for a plain PDF.
pub(crate) fn embedded_xml(pdf: &[u8]) -> Option<String> {
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

/// A batch manifest of one appel (1 119,90 €, an établissement public).
pub(crate) fn manifest() -> crate::batch::manifest::Manifest {
    use crate::batch::manifest::PdfFormat;
    use crate::batch::manifest::{
        AppelEntry, Destinataire, Entree, Entrees, FORMAT, Manifest, Options,
    };
    use crate::csv_out::{CsvFormat, Encoding};
    use crate::money::Montant;
    let date = |month, day| NaiveDate::from_ymd_opt(2027, month, day).unwrap();
    let entree = |chemin: &str, sha256: &str| Entree {
        chemin: chemin.into(),
        sha256: sha256.into(),
    };
    Manifest {
        format: FORMAT,
        programme: "cotisations".into(),
        version: "0".into(),
        exercice: 2027,
        date_emission: date(1, 15),
        date_echeance: date(2, 14),
        entrees: Entrees {
            role: entree("r", "0"),
            grille: entree("g", "1"),
            emetteur: entree("e", "2"),
        },
        options: Options {
            format_csv: CsvFormat::Rfc4180,
            format_pdf: PdfFormat::Plain,
            premier_rang: 1,
            ignorer_invalides: false,
            encodage_csv: Encoding::Windows1252,
        },
        premier_rang: Some(1),
        dernier_rang: Some(1),
        total_ttc: Montant::from_exact_cents(rust_decimal::Decimal::new(111_990, 2)).unwrap(),
        unites: [("forfait".to_string(), "C62".to_string())].into(),
        mention_tva: Some("TVA non applicable".into()),
        convention: "Convention cadre « Accompagnement numérique »".into(),
        appels: vec![AppelEntry {
            numero: "AC-2027-00001".into(),
            rang: 1,
            membre_id: "A".into(),
            fichier: "appels/AC-2027-00001_A.pdf".into(),
            sha256: "3".into(),
            total_ttc: Montant::from_exact_cents(rust_decimal::Decimal::new(111_990, 2)).unwrap(),
            destinataire: Destinataire {
                nom: "Syndicat".into(),
                type_membre: MemberKind::EtablissementPublic,
                siret: String::new(),
                adresse: String::new(),
                code_postal: "14000".into(),
                ville: "Caen".into(),
                email: String::new(),
                code_service: String::new(),
                engagement: String::new(),
                nom_service: String::new(),
                categorie_tiers: String::new(),
                tranche: 2,
                motif_tranche: "12 agents".into(),
                periode_debut: date(1, 1),
                periode_fin: date(12, 31),
            },
        }],
        fichiers: Vec::new(),
        precedent: None,
        projet: None,
    }
}

/// `text` with the no-break spaces French typography puts between
/// thousands and before « € » made plain.
pub(crate) fn plain_spaces(text: &str) -> String {
    text.replace(['\u{a0}', '\u{202f}'], " ")
}
