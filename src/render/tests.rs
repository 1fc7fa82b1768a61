//! End-to-end tests of the renderer: the text is read back from the PDF bytes
//! through the fonts' `ToUnicode` maps with lopdf (no external tool), the way a
//! viewer's copy-paste or a search would see it.

// Coordinates, not money: the floats here are positions in points.
#![allow(clippy::float_arithmetic)]

use std::sync::OnceLock;

use chrono::NaiveDate;
use lopdf::{Document, Object};
use rust_decimal::Decimal;

use super::Renderer;
use super::fonts;
use super::layout::{self, Face, Item, Metrics};
use crate::appel::Appel;
use crate::emetteur::Emetteur;
use crate::facturx::{Profile, cii_xml};
use crate::format_fr;
use crate::money::Montant;
use crate::pricing::{Ligne, Placement, Totaux};
use crate::roster::{Member, MemberKind};
use crate::testing::{d, page_texts};

fn renderer() -> &'static Renderer {
    static RENDERER: OnceLock<Renderer> = OnceLock::new();
    RENDERER.get_or_init(|| Renderer::new().expect("fonts"))
}

fn emetteur() -> Emetteur {
    Emetteur::parse(include_str!("../../input-samples/emetteur.toml")).expect("template")
}

/// `appel` rendered as a plain PDF (no Factur-X), with the shipped issuer.
fn render_plain(appel: &Appel) -> Vec<u8> {
    renderer().render(appel, &emetteur()).unwrap()
}

fn ligne(code: &str, libelle: &str, quantite: &str, unite: &str, prix: &str, taux: &str) -> Ligne {
    let quantite = d(quantite);
    let prix_unitaire = Montant::round_cent(d(prix));
    let montant_ht = Montant::round_cent(quantite * prix_unitaire.decimal());
    let montant_tva = Montant::round_cent(montant_ht.decimal() * d(taux) / Decimal::ONE_HUNDRED);
    Ligne {
        code: code.to_string(),
        libelle: libelle.to_string(),
        quantite,
        unite: unite.to_string(),
        prix_unitaire,
        montant_ht,
        taux_tva: d(taux),
        montant_tva,
        montant_ttc: montant_ht + montant_tva,
        imputation: "7062".to_string(),
        code_unite: "C62".to_string(),
        prorata: None,
    }
}

fn appel(lignes: Vec<Ligne>, mention_tva: Option<&str>) -> Appel {
    let totaux = Totaux::of(&lignes);
    Appel {
        numero: "AC-2027-00007".to_string(),
        rang: 7,
        exercice: 2027,
        date_emission: NaiveDate::from_ymd_opt(2027, 1, 15).unwrap(),
        date_echeance: NaiveDate::from_ymd_opt(2027, 2, 14).unwrap(),
        periode_debut: NaiveDate::from_ymd_opt(2027, 1, 1).unwrap(),
        periode_fin: NaiveDate::from_ymd_opt(2027, 12, 31).unwrap(),
        membre: Member {
            line: 8,
            id: "C0007".to_string(),
            nom: "Commune de Saint-Aubin-d’Arquenay".to_string(),
            kind: MemberKind::Commune,
            population: Some(812),
            agents: None,
            affiliee: true,
            siret: "21140024300014".to_string(),
            adresse: "Mairie – 1 place de l’Église".to_string(),
            code_postal: "14970".to_string(),
            ville: "Saint-Aubin-d’Arquenay".to_string(),
            email: "mairie@saint-aubin.fr".to_string(),
            code_service: "FIN-01".to_string(),
            engagement: String::new(),
            nom_service: String::new(),
            categorie_tiers: None,
            date_adhesion: None,
            quantities: Vec::new(),
        },
        placement: Placement {
            tranche: 3,
            motif: "commune de 812 habitants".to_string(),
        },
        lignes,
        totaux,
        mention_tva: mention_tva.map(str::to_string),
        convention: "Convention cadre « Accompagnement numérique »".into(),
    }
}

fn one_page() -> Appel {
    appel(
        vec![
            ligne(
                "COT",
                "Cotisation annuelle – socle de services",
                "1",
                "forfait",
                "1119",
                "0",
            ),
            ligne("MSG", "Messagerie sécurisée", "12", "boîte", "18.5", "0"),
            ligne(
                "FOR",
                "Formation « Œuvre numérique » à façon",
                "0.5",
                "jour",
                "650",
                "0",
            ),
        ],
        Some("TVA non applicable, article 256 B du code général des impôts"),
    )
}

fn forty_lines() -> Appel {
    let lignes = (1..=40)
        .map(|i| {
            ligne(
                &format!("L{i:02}"),
                &format!("Prestation numéro {i}"),
                &i.to_string(),
                "unité",
                "12.5",
                "0",
            )
        })
        .collect();
    appel(
        lignes,
        Some("TVA non applicable, article 256 B du code général des impôts"),
    )
}

fn fr(m: Montant) -> String {
    format_fr::montant(m).replace('\u{a0}', " ")
}

fn has(runs: &[String], text: &str) -> bool {
    runs.iter().any(|r| r == text)
}

/// The dictionary that `key` of `dict` refers to.
fn dict_at<'a>(doc: &'a Document, dict: &lopdf::Dictionary, key: &[u8]) -> &'a lopdf::Dictionary {
    doc.get_dictionary(dict.get(key).unwrap().as_reference().unwrap())
        .unwrap()
}

/// The stream that `key` of `dict` refers to.
fn stream_at<'a>(doc: &'a Document, dict: &lopdf::Dictionary, key: &[u8]) -> &'a lopdf::Stream {
    doc.get_object(dict.get(key).unwrap().as_reference().unwrap())
        .unwrap()
        .as_stream()
        .unwrap()
}

#[test]
fn one_page_appel_reads_back_in_french() {
    let appel = one_page();
    let pages = page_texts(&render_plain(&appel));
    assert_eq!(pages.len(), 1);
    let runs = &pages[0];
    let all = runs.join("\n");

    assert!(has(runs, "APPEL DE COTISATION"), "{all}");
    assert!(has(runs, "AC-2027-00007"), "{all}");
    assert!(has(runs, "Commune de Saint-Aubin-d’Arquenay"), "{all}");
    assert!(has(runs, "Mairie – 1 place de l’Église"), "{all}");
    assert!(has(runs, "14970 Saint-Aubin-d’Arquenay"), "{all}");
    assert!(has(runs, "SIRET : 211 400 243 00014"), "{all}");
    assert!(has(runs, "Identifiant adhérent : C0007"), "{all}");
    assert!(has(runs, "Code service : FIN-01"), "{all}");
    assert!(
        !all.contains("N° d'engagement"),
        "empty engagement is not printed"
    );
    assert!(
        has(
            runs,
            "cotisation 2027 – Convention cadre « Accompagnement numérique »"
        ),
        "{all}"
    );
    assert!(has(runs, "Tranche 3 — commune de 812 habitants"), "{all}");
    for l in &appel.lignes {
        assert!(has(runs, &l.libelle), "{}: {all}", l.libelle);
        assert!(has(runs, &format_fr::quantite(l.quantite)), "{all}");
        assert!(has(runs, &fr(l.prix_unitaire)), "{all}");
        assert!(has(runs, &fr(l.montant_ht)), "{all}");
    }
    assert!(has(runs, "1 119,00 €"), "{all}");
    assert!(has(runs, "0,5"), "{all}");
    assert_eq!(appel.totaux.ttc, Montant::round_cent(d("1666")));
    assert!(has(runs, "Total à payer"), "{all}");
    assert!(has(runs, "1 666,00 €"), "{all}");
    assert!(
        has(
            runs,
            "TVA non applicable, article 256 B du code général des impôts"
        ),
        "{all}"
    );
    assert!(has(runs, "FR76 3000 1000 6400 0001 2345 618"), "{all}");
    assert!(has(runs, "14 février 2027"), "{all}");
    assert!(
        has(
            runs,
            "Merci de rappeler le numéro de l'appel AC-2027-00007 lors de votre règlement."
        ),
        "{all}"
    );
    assert!(
        has(runs, "Fait à Hérouville-Saint-Clair, le 15 janvier 2027"),
        "{all}"
    );
    assert!(has(runs, "Le Président du Centre de Gestion"), "{all}");
    assert!(all.contains("délai de deux mois"), "mentions: {all}");
    assert!(has(runs, "Page 1 / 1"), "{all}");
}

#[test]
fn lopdf_plain_extraction_agrees() {
    let pdf = render_plain(&one_page());
    let doc = Document::load_mem(&pdf).unwrap();
    let text = doc.extract_text(&[1]).unwrap().replace('\u{a0}', " ");
    for needle in [
        "Commune de Saint-Aubin-d’Arquenay",
        "Tranche 3 — commune de 812 habitants",
        "Œuvre",
        "1 666,00 €",
    ] {
        assert!(text.contains(needle), "{needle}: {text}");
    }
}

#[test]
fn forty_lines_flow_onto_a_second_page() {
    let appel = forty_lines();
    let pages = page_texts(&render_plain(&appel));
    assert_eq!(pages.len(), 2);
    assert!(has(&pages[0], "Page 1 / 2"));
    assert!(has(&pages[1], "Page 2 / 2"));
    for page in &pages {
        assert!(has(page, "Désignation"), "table header on every page");
        assert!(has(page, "Montant HT"));
    }
    assert!(
        !has(&pages[0], "Total à payer"),
        "totals on the last page only"
    );
    assert!(has(&pages[1], "Total à payer"));
    assert!(has(&pages[1], "Modalités de paiement"));
    for i in 1..=40 {
        let libelle = format!("Prestation numéro {i}");
        let count: usize = pages
            .iter()
            .map(|p| p.iter().filter(|r| **r == libelle).count())
            .sum();
        assert_eq!(count, 1, "{libelle}");
    }
    // 12,5 € × (1 + … + 40) = 10 250 €
    assert!(has(&pages[1], "10 250,00 €"), "{:?}", pages[1]);
}

#[test]
fn same_appel_same_bytes_on_any_thread() {
    let appel = forty_lines();
    let emetteur = emetteur();
    let first = renderer().render(&appel, &emetteur).unwrap();
    let second = renderer().render(&appel, &emetteur).unwrap();
    assert!(first == second, "two renders differ");
    let elsewhere = std::thread::scope(|s| {
        s.spawn(|| {
            // a thread whose compressor already served another document
            renderer().render(&one_page(), &emetteur).unwrap();
            renderer().render(&appel, &emetteur).unwrap()
        })
        .join()
        .unwrap()
    });
    assert!(first == elsewhere, "another thread renders other bytes");
    let fresh = Renderer::new().unwrap().render(&appel, &emetteur).unwrap();
    assert!(first == fresh, "another renderer renders other bytes");
}

#[test]
fn metadata_and_id_come_from_the_appel() {
    let appel = one_page();
    let pdf = render_plain(&appel);
    let doc = Document::load_mem(&pdf).unwrap();
    let info = dict_at(&doc, &doc.trailer, b"Info");
    assert_eq!(
        info.get(b"CreationDate").unwrap().as_str().unwrap(),
        b"D:20270115000000+00'00'"
    );
    let id = doc.trailer.get(b"ID").unwrap().as_array().unwrap().clone();
    let mut other = appel.clone();
    other.numero = "AC-2027-00008".to_string();
    let other_pdf = render_plain(&other);
    let other_doc = Document::load_mem(&other_pdf).unwrap();
    assert_ne!(
        &id,
        other_doc.trailer.get(b"ID").unwrap().as_array().unwrap()
    );
}

#[test]
fn fonts_are_embedded_subsets_with_unicode_maps() {
    let pdf = render_plain(&one_page());
    let doc = Document::load_mem(&pdf).unwrap();
    let page = *doc.get_pages().values().next().unwrap();
    let fonts = doc.get_page_fonts(page).unwrap();
    assert_eq!(fonts.len(), 2);
    for font in fonts.values() {
        let name = font.get(b"BaseFont").unwrap().as_name().unwrap();
        assert!(
            name.starts_with(b"CGAPP") && name[6] == b'+',
            "{}",
            String::from_utf8_lossy(name)
        );
        assert!(font.get(b"ToUnicode").is_ok());
        let descendant = font.get(b"DescendantFonts").unwrap().as_array().unwrap()[0]
            .as_dict()
            .unwrap();
        let descriptor = dict_at(&doc, descendant, b"FontDescriptor");
        let program = stream_at(&doc, descriptor, b"FontFile2");
        let bytes = program.decompressed_content().unwrap();
        assert_eq!(
            i64::try_from(bytes.len()).unwrap(),
            program.dict.get(b"Length1").unwrap().as_i64().unwrap()
        );
        assert_eq!(&bytes[..4], &[0, 1, 0, 0], "a TrueType program");
    }
}

#[test]
fn a_one_page_appel_stays_small() {
    let pdf = render_plain(&one_page());
    assert!(pdf.len() <= 30 * 1024, "{} bytes", pdf.len());
}

#[test]
fn long_names_wrap_and_odd_characters_do_not_break_the_document() {
    let mut appel = one_page();
    appel.membre.nom = "Syndicat intercommunal à vocation multiple de la Vallée de l’Orne et du \
                        Pré-Bocage pour l’œuvre sociale, la culture et les écoles — Łódź 漢"
        .to_string();
    appel.membre.engagement = "ENG-2027-0042".to_string();
    let pages = page_texts(&render_plain(&appel));
    let runs = &pages[0];
    let all = runs.join("\n");
    assert!(
        runs.iter().any(|r| r.starts_with("Syndicat intercommunal")),
        "{all}"
    );
    assert!(all.contains("Lódz ?"), "{all}");
    assert!(has(runs, "N° d'engagement : ENG-2027-0042"), "{all}");
}

fn metrics() -> Metrics {
    Metrics {
        regular: fonts::regular().unwrap().metrics,
        bold: fonts::bold().unwrap().metrics,
    }
}

/// Approximate ink box of a text item: (left, bottom, right, top).
fn text_box(metrics: &Metrics, item: &Item) -> Option<(f32, f32, f32, f32)> {
    match item {
        Item::Text {
            x,
            y,
            size,
            face,
            text,
            ..
        } => {
            let width = metrics.text_width(text, *face, *size);
            Some((*x, *y - 0.2 * size, *x + width, *y + 0.75 * size))
        }
        _ => None,
    }
}

#[test]
fn nothing_overlaps_and_everything_stays_inside_the_margins() {
    let metrics = metrics();
    let mut long_name = one_page();
    long_name.membre.nom = "Syndicat intercommunal à vocation multiple de la Vallée de l’Orne \
                            et du Pré-Bocage pour l’œuvre sociale"
        .to_string();
    long_name.lignes[0].libelle = "Cotisation annuelle au socle commun de services numériques \
                                   mutualisés, y compris l’assistance téléphonique et la \
                                   maintenance des logiciels métiers"
        .to_string();
    for appel in [one_page(), forty_lines(), long_name] {
        let pages = layout::layout(&appel, layout::DocumentKind::Appel, &emetteur(), &metrics);
        for (p, page) in pages.iter().enumerate() {
            let boxes: Vec<_> = page
                .items
                .iter()
                .filter_map(|i| text_box(&metrics, i))
                .collect();
            for (i, a) in boxes.iter().enumerate() {
                assert!(
                    a.0 >= 56.0 && a.2 <= 539.0,
                    "page {p} outside margins: {:?}",
                    page.items[i]
                );
                assert!(
                    a.1 >= 20.0 && a.3 <= 800.0,
                    "page {p} outside margins: {a:?}"
                );
                for b in &boxes[i + 1..] {
                    let apart = a.2 <= b.0 || b.2 <= a.0 || a.3 <= b.1 || b.3 <= a.1;
                    assert!(apart, "page {p}: {a:?} overlaps {b:?}");
                }
            }
        }
    }
}

#[test]
fn wrapping_fits_the_width_and_keeps_french_punctuation_attached() {
    let metrics = metrics();
    let text = metrics
        .clean("Formation des agents à l’outil « Œuvre numérique » : deux sessions ; combien ?");
    for width in [60.0, 90.0, 140.0, 200.0] {
        let lines = metrics.wrap(&text, Face::Regular, 9.0, width);
        assert_eq!(lines.join(" "), text);
        for line in &lines {
            assert!(
                metrics.text_width(line, Face::Regular, 9.0) <= width,
                "{line:?}"
            );
            assert!(!line.starts_with(['»', ':', ';', '?']), "{line:?}");
            assert!(!line.ends_with('«'), "{line:?}");
        }
    }
    // Amounts never break: their spaces are no-break spaces.
    let amount = format_fr::montant(Montant::round_cent(d("1234567.89")));
    let width = metrics.text_width(&amount, Face::Regular, 9.0) + 1.0;
    let lines = metrics.wrap(&format!("Total {amount}"), Face::Regular, 9.0, width);
    assert_eq!(lines, vec!["Total".to_string(), amount]);
}

#[test]
fn odd_inputs_still_render() {
    // No line at all (pricing never sends one, but the renderer must not care).
    let empty = appel(Vec::new(), None);
    let pages = page_texts(&render_plain(&empty));
    assert_eq!(pages.len(), 1);
    assert!(has(&pages[0], "0,00 €"));
    // An amount far wider than its column shrinks instead of overflowing.
    let huge = appel(
        vec![ligne(
            "BIG",
            "Très gros montant",
            "1000",
            "jour",
            "987654321.99",
            "0",
        )],
        None,
    );
    let pages = page_texts(&render_plain(&huge));
    assert!(has(&pages[0], "987 654 321 990,00 €"), "{:?}", pages[0]);
}

#[test]
fn overlong_words_break_after_their_hyphens() {
    let metrics = metrics();
    let width = metrics.text_width("demi-journée", Face::Regular, 9.0) - 1.0;
    assert_eq!(
        metrics.wrap("demi-journée", Face::Regular, 9.0, width),
        vec!["demi-".to_string(), "journée".to_string()]
    );
    let lines = metrics.wrap("anticonstitutionnellement", Face::Regular, 9.0, 40.0);
    assert!(lines.len() > 1);
    assert_eq!(lines.concat(), "anticonstitutionnellement");
}

#[test]
fn unprintable_characters_are_replaced_not_dropped() {
    let metrics = metrics();
    assert_eq!(metrics.clean("  Łódź\tŠibenik  漢字 "), "Lódz Sibenik ??");
    assert_eq!(
        metrics.clean("Œuvre « été » 12\u{a0}€ – ½ m²"),
        "Œuvre « été » 12\u{a0}€ – ½ m²"
    );
}

// ---------------------------------------------------------------------------
// Factur-X (PDF/A-3B with the CII XML embedded)

fn facturx(appel: &Appel, profile: Profile) -> Vec<u8> {
    renderer()
        .render_facturx(appel, &emetteur(), profile)
        .unwrap()
}

fn name_is(dict: &lopdf::Dictionary, key: &[u8], value: &[u8]) -> bool {
    dict.get(key)
        .and_then(Object::as_name)
        .is_ok_and(|n| n == value)
}

/// The file specification of `factur-x.xml`, through the `EmbeddedFiles` tree,
/// checked to be the one the catalog's `/AF` lists.
fn facturx_filespec(doc: &Document) -> &lopdf::Dictionary {
    let catalog = doc.catalog().unwrap();
    let names = catalog.get(b"Names").unwrap().as_dict().unwrap();
    let tree = names.get(b"EmbeddedFiles").unwrap().as_dict().unwrap();
    let entries = tree.get(b"Names").unwrap().as_array().unwrap();
    assert_eq!(entries.len(), 2, "one embedded file");
    assert_eq!(entries[0].as_str().unwrap(), b"factur-x.xml");
    let spec_id = entries[1].as_reference().unwrap();
    let af = catalog.get(b"AF").unwrap().as_array().unwrap();
    assert_eq!(af.len(), 1);
    assert_eq!(af[0].as_reference().unwrap(), spec_id, "/AF → the Filespec");
    doc.get_dictionary(spec_id).unwrap()
}

fn embedded_xml(doc: &Document) -> String {
    let spec = facturx_filespec(doc);
    let ef = spec.get(b"EF").unwrap().as_dict().unwrap();
    let id = ef.get(b"F").unwrap().as_reference().unwrap();
    assert_eq!(ef.get(b"UF").unwrap().as_reference().unwrap(), id);
    let stream = doc.get_object(id).unwrap().as_stream().unwrap();
    assert!(name_is(&stream.dict, b"Type", b"EmbeddedFile"));
    assert!(name_is(&stream.dict, b"Subtype", b"text/xml"));
    let xml = stream.decompressed_content().unwrap();
    let params = stream.dict.get(b"Params").unwrap().as_dict().unwrap();
    assert_eq!(
        params.get(b"Size").unwrap().as_i64().unwrap(),
        i64::try_from(xml.len()).unwrap()
    );
    assert_eq!(
        params.get(b"ModDate").unwrap().as_str().unwrap(),
        b"D:20270115000000+00'00'"
    );
    String::from_utf8(xml).unwrap()
}

fn xmp_of(doc: &Document) -> String {
    let catalog = doc.catalog().unwrap();
    let stream = stream_at(doc, catalog, b"Metadata");
    assert!(name_is(&stream.dict, b"Type", b"Metadata"));
    assert!(name_is(&stream.dict, b"Subtype", b"XML"));
    assert!(stream.dict.get(b"Filter").is_err(), "XMP left uncompressed");
    String::from_utf8(stream.content.clone()).unwrap()
}

#[test]
fn facturx_embeds_the_cii_xml_as_an_associated_file() {
    let appel = one_page();
    for profile in [Profile::En16931, Profile::Basic] {
        let pdf = facturx(&appel, profile);
        let doc = Document::load_mem(&pdf).unwrap();
        let spec = facturx_filespec(&doc);
        assert!(name_is(spec, b"Type", b"Filespec"));
        assert_eq!(spec.get(b"F").unwrap().as_str().unwrap(), b"factur-x.xml");
        assert_eq!(spec.get(b"UF").unwrap().as_str().unwrap(), b"factur-x.xml");
        assert!(name_is(spec, b"AFRelationship", b"Alternative"));
        let xml = embedded_xml(&doc);
        assert_eq!(xml, cii_xml(&appel, &emetteur(), profile));
        let total = format!(
            "<ram:GrandTotalAmount>{:.2}</ram:GrandTotalAmount>",
            appel.totaux.ttc.decimal()
        );
        assert!(xml.contains(&total), "{total}");
        assert_eq!(appel.totaux.ttc, Montant::round_cent(d("1666")));
        assert!(xml.contains("<ram:GrandTotalAmount>1666.00</ram:GrandTotalAmount>"));
    }
}

#[allow(
    clippy::too_many_lines,
    reason = "one PDF/A-3 rule after the other on one document"
)]
#[test]
fn facturx_is_pdfa_3b_with_xmp_and_an_srgb_output_intent() {
    let appel = one_page();
    let pdf = facturx(&appel, Profile::En16931);
    assert!(pdf.starts_with(b"%PDF-1.7\n%"), "PDF 1.7 header");
    assert!(pdf[10..14].iter().all(|&b| b > 127), "binary comment line");
    let doc = Document::load_mem(&pdf).unwrap();
    assert!(doc.trailer.get(b"Encrypt").is_err());
    assert!(doc.trailer.get(b"ID").is_ok());

    let xmp = xmp_of(&doc);
    for needle in [
        "<pdfaid:part>3</pdfaid:part>",
        "<pdfaid:conformance>B</pdfaid:conformance>",
        "<pdfaSchema:namespaceURI>urn:factur-x:pdfa:CrossIndustryDocument:invoice:1p0#</pdfaSchema:namespaceURI>",
        "<pdfaSchema:prefix>fx</pdfaSchema:prefix>",
        "<pdfaProperty:name>DocumentType</pdfaProperty:name>",
        "<pdfaProperty:name>DocumentFileName</pdfaProperty:name>",
        "<pdfaProperty:name>Version</pdfaProperty:name>",
        "<pdfaProperty:name>ConformanceLevel</pdfaProperty:name>",
        "<fx:DocumentType>INVOICE</fx:DocumentType>",
        "<fx:DocumentFileName>factur-x.xml</fx:DocumentFileName>",
        "<fx:Version>1.0</fx:Version>",
        "<fx:ConformanceLevel>EN 16931</fx:ConformanceLevel>",
        "<xmp:CreateDate>2027-01-15T00:00:00+00:00</xmp:CreateDate>",
        "<xmp:ModifyDate>2027-01-15T00:00:00+00:00</xmp:ModifyDate>",
        "<rdf:li xml:lang=\"x-default\">Appel de cotisation AC-2027-00007</rdf:li>",
        "<rdf:li>Centre de Gestion de la Fonction Publique Territoriale du Calvados</rdf:li>",
        "<pdf:Producer>cotisations (printpdf)</pdf:Producer>",
        "<xmp:CreatorTool>cotisations</xmp:CreatorTool>",
    ] {
        assert!(xmp.contains(needle), "{needle}\n{xmp}");
    }
    let basic = Document::load_mem(&facturx(&appel, Profile::Basic)).unwrap();
    assert!(xmp_of(&basic).contains("<fx:ConformanceLevel>BASIC</fx:ConformanceLevel>"));

    // Info says what the XMP says, and nothing else.
    let info = dict_at(&doc, &doc.trailer, b"Info");
    let text = |key: &[u8]| lopdf::decode_text_string(info.get(key).unwrap()).unwrap();
    assert_eq!(text(b"Title"), "Appel de cotisation AC-2027-00007");
    assert_eq!(text(b"Producer"), "cotisations (printpdf)");
    assert_eq!(text(b"Creator"), "cotisations");
    assert_eq!(
        text(b"Subject"),
        "Cotisation 2027 – Commune de Saint-Aubin-d’Arquenay"
    );
    assert!(xmp.contains("Cotisation 2027 – Commune de Saint-Aubin-d’Arquenay"));
    assert_eq!(text(b"CreationDate"), "D:20270115000000+00'00'");
    assert_eq!(text(b"ModDate"), "D:20270115000000+00'00'");
    let mut keys: Vec<&[u8]> = info.iter().map(|(k, _)| k.as_slice()).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            &b"Author"[..],
            b"CreationDate",
            b"Creator",
            b"ModDate",
            b"Producer",
            b"Subject",
            b"Title"
        ]
    );

    // Output intent with an embedded RGB ICC profile.
    let catalog = doc.catalog().unwrap();
    let intents = catalog.get(b"OutputIntents").unwrap().as_array().unwrap();
    assert_eq!(intents.len(), 1);
    let intent = intents[0].as_dict().unwrap();
    assert!(name_is(intent, b"Type", b"OutputIntent"));
    assert!(name_is(intent, b"S", b"GTS_PDFA1"));
    let icc = stream_at(&doc, intent, b"DestOutputProfile");
    assert_eq!(icc.dict.get(b"N").unwrap().as_i64().unwrap(), 3);
    let profile = icc.decompressed_content().unwrap();
    assert_eq!(&profile[36..40], b"acsp", "an ICC profile");
    assert_eq!(&profile[12..20], b"mntrRGB ", "a display RGB profile");

    // No annotation, no transparency group, fonts embedded with ToUnicode.
    for &page in doc.get_pages().values() {
        let page_dict = doc.get_dictionary(page).unwrap();
        assert!(page_dict.get(b"Annots").is_err());
        assert!(page_dict.get(b"Group").is_err());
        for font in doc.get_page_fonts(page).unwrap().values() {
            assert!(font.get(b"ToUnicode").is_ok());
            let cid = font.get(b"DescendantFonts").unwrap().as_array().unwrap()[0]
                .as_dict()
                .unwrap();
            assert!(name_is(cid, b"CIDToGIDMap", b"Identity"));
        }
    }
}

#[test]
fn facturx_metadata_escapes_what_xml_forbids() {
    let mut appel = one_page();
    appel.membre.nom = "Syndicat <A&B> \u{1}".to_string();
    let doc = Document::load_mem(&facturx(&appel, Profile::En16931)).unwrap();
    let xmp = xmp_of(&doc);
    assert!(
        xmp.contains("Cotisation 2027 – Syndicat &lt;A&amp;B&gt;"),
        "{xmp}"
    );
    assert!(!xmp.contains('\u{1}'));
    assert!(embedded_xml(&doc).contains("Syndicat &lt;A&amp;B&gt;"));
}

#[test]
fn facturx_renders_the_same_page_deterministically() {
    let appel = forty_lines();
    let first = facturx(&appel, Profile::En16931);
    let second = facturx(&appel, Profile::En16931);
    assert!(first == second, "two renders differ");
    let elsewhere = std::thread::scope(|s| {
        s.spawn(|| {
            facturx(&one_page(), Profile::Basic);
            facturx(&appel, Profile::En16931)
        })
        .join()
        .unwrap()
    });
    assert!(first == elsewhere, "another thread renders other bytes");
    assert!(first != facturx(&appel, Profile::Basic));

    let plain = page_texts(&render_plain(&appel));
    assert_eq!(page_texts(&first), plain, "same text, same pages");
    assert_eq!(plain.len(), 2);
    assert!(has(
        &plain[0],
        "Période : du 1er janvier 2027 au 31 décembre 2027"
    ));
}

#[test]
fn the_period_of_service_is_printed_under_the_object() {
    let mut appel = one_page();
    let pages = page_texts(&facturx(&appel, Profile::En16931));
    let runs = &pages[0];
    let all = runs.join("\n");
    assert!(
        has(runs, "Période : du 1er janvier 2027 au 31 décembre 2027"),
        "{all}"
    );
    let tranche = runs
        .iter()
        .position(|r| r.starts_with("Tranche 3"))
        .unwrap();
    assert!(
        runs[tranche + 1].starts_with("Période"),
        "right under the object"
    );
    // A member who joined during the year.
    appel.periode_debut = NaiveDate::from_ymd_opt(2027, 3, 1).unwrap();
    let pages = page_texts(&render_plain(&appel));
    assert!(
        has(&pages[0], "Période : du 1er mars 2027 au 31 décembre 2027"),
        "{:?}",
        pages[0]
    );
}

#[test]
fn a_one_page_facturx_appel_stays_small() {
    let plain = render_plain(&one_page());
    let pdf = facturx(&one_page(), Profile::En16931);
    // The extras: sRGB profile (0.3 KB compressed), XMP (3.5 KB, left
    // uncompressed), the XML (7.5 KB, 1.9 KB compressed) and a few
    // dictionaries: 6.3 KB over the plain PDF's 22.0 KB (KB of 1000 bytes).
    assert!(
        pdf.len() <= plain.len() + 9 * 1024,
        "{} vs {}",
        pdf.len(),
        plain.len()
    );
    assert!(pdf.len() <= 37 * 1024, "{} bytes", pdf.len());
}

/// Renders the sample batch (input-samples/, input-samples/emetteur.toml) in
/// both profiles into `$FACTURX_SAMPLES`, for the external checkers:
/// `FACTURX_SAMPLES=/tmp/fx cargo test write_facturx_samples -- --ignored`.
#[test]
#[ignore = "writes files for facturx-check, qpdf and pdftoppm"]
fn write_facturx_samples() {
    let dir = std::path::PathBuf::from(std::env::var("FACTURX_SAMPLES").expect("FACTURX_SAMPLES"));
    std::fs::create_dir_all(&dir).unwrap();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let grid = crate::tariff::Grid::parse(
        &std::fs::read_to_string(root.join("input-samples/grille-2027.toml")).unwrap(),
    )
    .unwrap();
    let raw =
        crate::roster::read_roster(&std::fs::read(root.join("input-samples/roster.csv")).unwrap())
            .unwrap();
    let members = crate::roster::validate(&raw, &grid).unwrap();
    let emetteur = emetteur();
    let date_emission = NaiveDate::from_ymd_opt(2027, 1, 15).unwrap();
    let emission = crate::numbering::Emission {
        exercice: 2027,
        date_emission,
        date_echeance: date_emission + chrono::Days::new(u64::from(emetteur.delai_paiement_jours)),
        mention_tva: grid.mention_tva.clone(),
        convention: grid.titre.clone(),
        premier_numero: 1,
        provisoire: false,
    };
    let outcomes = crate::batch::plan(&members, &grid, &emission).unwrap();
    let appels: Vec<&Appel> = outcomes.iter().filter_map(|o| o.appel()).collect();
    for (profile, tag) in [(Profile::En16931, "en16931"), (Profile::Basic, "basic")] {
        for appel in &appels {
            let pdf = renderer()
                .render_facturx(appel, &emetteur, profile)
                .unwrap();
            std::fs::write(dir.join(format!("{}-{tag}.pdf", appel.numero)), pdf).unwrap();
        }
    }
    for appel in [one_page(), forty_lines()] {
        let pdf = renderer()
            .render_facturx(&appel, &emetteur, Profile::En16931)
            .unwrap();
        let lines = appel.lignes.len();
        std::fs::write(dir.join(format!("test-{lines}-lignes.pdf")), pdf).unwrap();
        let plain = renderer().render(&appel, &emetteur).unwrap();
        std::fs::write(dir.join(format!("test-{lines}-lignes-plain.pdf")), plain).unwrap();
    }
}
