//! Layout: one appel and its issuer in, A4 pages of positioned text, rules
//! and fills out.
//!
//! Pure: no I/O, no PDF types. Text is measured with the advance widths of
//! the embedded faces (`FontMetrics`, filled by `fonts`), wrapped greedily at
//! spaces (never at the no-break spaces `format_fr` puts inside amounts; see
//! `page::wrap`), and paginated: the table flows onto as many pages as
//! needed with its header repeated, totals and payment details stay
//! together on the last page, and every page gets the footer and
//! « Page n / N ».
//!
//! Coordinates are PDF points with the origin at the bottom left of the page;
//! the page model, styles and drawing primitives are `page`'s, shared with
//! the batch report.

// Coordinates, not money: every float here is a position or a size in points.
#![allow(clippy::float_arithmetic)]

use rust_decimal::Decimal;

use super::page::{self, Draw, MM, MUTED, PAGE_HEIGHT, PAGE_WIDTH, Style};
use crate::appel::Appel;
use crate::avoir::Correction;
use crate::emetteur::Emetteur;
use crate::format_fr;

// What a layout is made of.
pub(crate) use super::page::{Face, Item, Page};

const LEFT: f32 = 20.0 * MM;
const RIGHT: f32 = PAGE_WIDTH - 20.0 * MM;
const CONTENT_WIDTH: f32 = RIGHT - LEFT;
const TOP: f32 = 15.0 * MM;
/// Left edge of the right-hand column: references, address (where a
/// windowed envelope shows it), totals, signature.
const RIGHT_COLUMN: f32 = 110.0 * MM;
/// Baseline of the « Page n / N » line, from the top of the page.
const FOOTER_BASELINE: f32 = PAGE_HEIGHT - 10.0 * MM;

/// Black, and the greys used for secondary text, rules and the table header.
const INK: f32 = 0.0;
const RULE: f32 = 0.55;
const HAIRLINE: f32 = 0.78;
const SHADE: f32 = 0.9;

impl Item {
    /// The same item `by` points lower on the page.
    fn lowered(&self, by: f32) -> Item {
        let mut item = self.clone();
        match &mut item {
            Item::Text { y, .. } | Item::Fill { y, .. } => *y -= by,
            Item::Rule { y1, y2, .. } => {
                *y1 -= by;
                *y2 -= by;
            }
        }
        item
    }
}

// ---------------------------------------------------------------------------
// Metrics

/// Advance widths of one face, in 1/1000 em, for the characters it can print.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FontMetrics {
    /// U+0000..U+00FF, direct.
    latin: Vec<Option<u16>>,
    /// Everything else, sorted by character.
    other: Vec<(char, u16)>,
}

impl FontMetrics {
    pub(crate) fn new(widths: Vec<(char, u16)>) -> FontMetrics {
        let mut latin = vec![None; 256];
        let mut other = Vec::new();
        for (c, w) in widths {
            match usize::try_from(u32::from(c)) {
                Ok(i) if i < 256 => latin[i] = Some(w),
                _ => other.push((c, w)),
            }
        }
        other.sort_unstable();
        other.dedup_by_key(|e| e.0);
        FontMetrics { latin, other }
    }

    fn get(&self, c: char) -> Option<u16> {
        match usize::try_from(u32::from(c)) {
            Ok(i) if i < 256 => self.latin[i],
            _ => self
                .other
                .binary_search_by_key(&c, |e| e.0)
                .ok()
                .map(|i| self.other[i].1),
        }
    }

    /// Whether the face has a glyph for `c`.
    pub(crate) fn printable(&self, c: char) -> bool {
        self.get(c).is_some()
    }

    /// Advance of `c` in 1/1000 em (0 when not printable).
    pub(crate) fn width(&self, c: char) -> u16 {
        self.get(c).unwrap_or(0)
    }
}

/// Both faces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Metrics {
    pub(crate) regular: FontMetrics,
    pub(crate) bold: FontMetrics,
}

/// Base letters of U+0100..U+017F (Latin Extended-A), for names the
/// embedded subset cannot print: « Łódź » prints as « Lodz », not as boxes.
const LATIN_EXTENDED_A_BASE: &[u8; 128] = b"AaAaAaCcCcCcCcDdDdEeEeEeEeEeGgGgGgGgHhHhIiIiIiIiIiJjJjKkkLlLlLlLlLlNnNnNnnNnOoOoOoOoRrRrRrSsSsSsSsTtTtTtUuUuUuUuUuUuWwYyYZzZzZzs";

impl Metrics {
    fn face(&self, face: Face) -> &FontMetrics {
        match face {
            Face::Regular => &self.regular,
            Face::Bold => &self.bold,
        }
    }

    /// Width of `text` in points (`text` already cleaned).
    pub(crate) fn text_width(&self, text: &str, face: Face, size: f32) -> f32 {
        let metrics = self.face(face);
        page::text_width(text, size, |c| metrics.width(c))
    }

    /// `text` with every character both faces can print; the others become
    /// their base letter, a space or `?`. Runs of white space collapse.
    pub(crate) fn clean(&self, text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        for c in text.trim().chars() {
            let c = if self.regular.printable(c) && self.bold.printable(c) {
                c
            } else if c.is_whitespace() {
                ' '
            } else {
                match c {
                    '\u{2010}' | '\u{2011}' | '\u{2012}' | '\u{2212}' => '-',
                    '\u{2032}' => '’',
                    '\u{0100}'..='\u{017f}' => {
                        let i = usize::try_from(u32::from(c) - 0x100).unwrap_or(0);
                        char::from(LATIN_EXTENDED_A_BASE[i])
                    }
                    c if c.is_control() => continue,
                    _ => '?',
                }
            };
            if c == ' ' && out.ends_with(' ') {
                continue;
            }
            out.push(c);
        }
        out
    }

    /// Greedy wrap of cleaned `text` into lines no wider than `width`, at
    /// spaces as French typography wants (see `page::wrap`).
    pub(crate) fn wrap(&self, text: &str, face: Face, size: f32, width: f32) -> Vec<String> {
        let metrics = self.face(face);
        page::wrap(text, size, width, |c| metrics.width(c))
    }
}

// ---------------------------------------------------------------------------
// Drawing: positions are given from the top of the page (see `page::Draw`).

const BODY: Style = Style::new(Face::Regular, 9.0, INK);
const SMALL: Style = Style::new(Face::Regular, 8.0, INK);
const TINY: Style = Style::new(Face::Regular, 7.0, MUTED);

struct Canvas<'m> {
    metrics: &'m Metrics,
    items: Vec<Item>,
}

impl<'m> Canvas<'m> {
    fn new(metrics: &'m Metrics) -> Canvas<'m> {
        Canvas {
            metrics,
            items: Vec::with_capacity(128),
        }
    }

    fn width(&self, text: &str, style: Style) -> f32 {
        self.metrics.text_width(text, style.face, style.size)
    }

    /// Draws one line (cleaned here) from `x`; returns its right edge.
    fn line(&mut self, x: f32, top: f32, style: Style, text: &str) -> f32 {
        let text = self.metrics.clean(text);
        let right = x + self.width(&text, style);
        self.put(x, top, style, text);
        right
    }

    /// Draws one line ending at `right`, shrinking it if it is wider than
    /// `max_width` (amounts never wrap).
    fn line_right(&mut self, right: f32, top: f32, style: Style, max_width: f32, text: &str) {
        let text = self.metrics.clean(text);
        let mut width = self.width(&text, style);
        if width > max_width && width > 0.0 {
            let size = style.size * max_width / width;
            width = self.width(&text, style.sized(size));
            // Keep the line box (and so the baseline) of the original size.
            self.items.push(Item::Text {
                x: right - width,
                y: PAGE_HEIGHT - page::baseline(top, style),
                size,
                face: style.face,
                grey: style.grey,
                text,
            });
            return;
        }
        self.put(right - width, top, style, text);
    }

    /// Wraps `text` into `width` and draws it; returns the top of the next line.
    fn paragraph(&mut self, x: f32, top: f32, width: f32, style: Style, text: &str) -> f32 {
        let mut top = top;
        for line in self.lines(text, width, style) {
            self.put(x, top, style, line);
            top += style.leading();
        }
        top
    }

    fn lines(&self, text: &str, width: f32, style: Style) -> Vec<String> {
        let text = self.metrics.clean(text);
        self.metrics.wrap(&text, style.face, style.size, width)
    }
}

impl Draw for Canvas<'_> {
    fn items(&mut self) -> &mut Vec<Item> {
        &mut self.items
    }
}

// ---------------------------------------------------------------------------
// The appel

/// Table columns: left edge, width, right-aligned.
struct Column {
    x: f32,
    width: f32,
    right: bool,
}

const PAD: f32 = 1.8 * MM;
const ROW_PAD: f32 = 1.3 * MM;

fn columns() -> [Column; 5] {
    // Quantité, Unité, Prix unitaire, Montant HT; Désignation takes the rest.
    let widths = [17.0 * MM, 27.0 * MM, 25.0 * MM, 27.0 * MM];
    let designation = CONTENT_WIDTH - widths.iter().sum::<f32>();
    let quantite = LEFT + designation;
    let unite = quantite + widths[0];
    let prix = unite + widths[1];
    let montant = prix + widths[2];
    [
        Column {
            x: LEFT,
            width: designation,
            right: false,
        },
        Column {
            x: quantite,
            width: widths[0],
            right: true,
        },
        Column {
            x: unite,
            width: widths[1],
            right: false,
        },
        Column {
            x: prix,
            width: widths[2],
            right: true,
        },
        Column {
            x: montant,
            width: widths[3],
            right: true,
        },
    ]
}

const HEADERS: [&str; 5] = [
    "Désignation",
    "Quantité",
    "Unité",
    "Prix unitaire",
    "Montant HT",
];
const TABLE_HEAD: Style = Style::new(Face::Bold, 8.5, INK);

/// A table row, wrapped and measured.
struct Row {
    cells: [Vec<String>; 5],
    height: f32,
}

fn rows(canvas: &Canvas<'_>, appel: &Appel) -> Vec<Row> {
    let cols = columns();
    appel
        .lignes
        .iter()
        .map(|ligne| {
            let texts = [
                ligne.libelle.clone(),
                format_fr::quantite(ligne.quantite),
                ligne.unite.clone(),
                format_fr::montant(ligne.prix_unitaire),
                format_fr::montant(ligne.montant_ht),
            ];
            let cells = std::array::from_fn(|i| {
                if cols[i].right {
                    vec![canvas.metrics.clean(&texts[i])]
                } else {
                    canvas.lines(&texts[i], cols[i].width - 2.0 * PAD, BODY)
                }
            });
            let lines = cells.iter().map(Vec::len).max().unwrap_or(1).max(1);
            #[allow(clippy::cast_precision_loss)]
            let height = lines as f32 * BODY.leading() + 2.0 * ROW_PAD;
            Row { cells, height }
        })
        .collect()
}

fn table_header_height() -> f32 {
    TABLE_HEAD.leading() + 2.0 * ROW_PAD
}

fn draw_table_header(canvas: &mut Canvas<'_>, top: f32) -> f32 {
    let height = table_header_height();
    canvas.fill(LEFT, top, CONTENT_WIDTH, height, SHADE);
    for (col, label) in columns().iter().zip(HEADERS) {
        if col.right {
            canvas.line_right(
                col.x + col.width - PAD,
                top + ROW_PAD,
                TABLE_HEAD,
                col.width,
                label,
            );
        } else {
            canvas.line(col.x + PAD, top + ROW_PAD, TABLE_HEAD, label);
        }
    }
    canvas.hrule(LEFT, RIGHT, top, 0.8, INK);
    canvas.hrule(LEFT, RIGHT, top + height, 0.5, RULE);
    top + height
}

fn draw_row(canvas: &mut Canvas<'_>, top: f32, row: &Row, last: bool) -> f32 {
    for (col, cell) in columns().iter().zip(&row.cells) {
        let mut line_top = top + ROW_PAD;
        for line in cell {
            if col.right {
                canvas.line_right(
                    col.x + col.width - PAD,
                    line_top,
                    BODY,
                    col.width - 2.0 * PAD,
                    line,
                );
            } else {
                canvas.put(col.x + PAD, line_top, BODY, line.clone());
            }
            line_top += BODY.leading();
        }
    }
    let bottom = top + row.height;
    if last {
        canvas.hrule(LEFT, RIGHT, bottom, 0.8, INK);
    } else {
        canvas.hrule(LEFT, RIGHT, bottom, 0.4, HAIRLINE);
    }
    bottom
}

/// Everything printed once, after the table: totals, VAT mention, payment
/// (for a credit note: what to do with it), signature. Measured by drawing
/// it on a scratch canvas.
fn draw_closing(
    canvas: &mut Canvas<'_>,
    top: f32,
    appel: &Appel,
    emetteur: &Emetteur,
    kind: DocumentKind<'_>,
) -> f32 {
    // Totals, right-aligned block.
    let x = RIGHT_COLUMN;
    let width = RIGHT - x;
    let value_right = RIGHT - PAD;
    let mut y = top + 2.0 * MM;
    let tva_label = single_rate(appel).map_or_else(
        || "TVA".to_string(),
        |rate| format!("TVA ({})", format_fr::taux(rate)),
    );
    for (label, amount) in [
        ("Total HT".to_string(), appel.totaux.ht),
        (tva_label, appel.totaux.tva),
    ] {
        canvas.line(x + PAD, y + 0.5 * MM, BODY, &label);
        canvas.line_right(
            value_right,
            y + 0.5 * MM,
            BODY,
            width / 2.0,
            &format_fr::montant(amount),
        );
        y += BODY.leading() + 1.0 * MM;
        canvas.hrule(x, RIGHT, y, 0.4, HAIRLINE);
    }
    let total = Style::new(Face::Bold, 10.5, INK);
    let band = total.leading() + 2.4 * MM;
    canvas.fill(x, y, width, band, SHADE);
    canvas.hrule(x, RIGHT, y, 0.8, INK);
    canvas.hrule(x, RIGHT, y + band, 0.8, INK);
    let total_label = match kind {
        DocumentKind::Appel => "Total à payer",
        DocumentKind::Avoir(_) => "Total de l'avoir",
    };
    canvas.line(x + PAD, y + 1.2 * MM, total, total_label);
    canvas.line_right(
        value_right,
        y + 1.2 * MM,
        total,
        width / 2.0,
        &format_fr::montant(appel.totaux.ttc),
    );
    y += band + 1.5 * MM;
    if let Some(mention) = appel
        .mention_tva
        .as_deref()
        .filter(|m| !m.trim().is_empty())
    {
        for line in canvas.lines(mention, CONTENT_WIDTH - PAD, SMALL.muted()) {
            let line_width = canvas.width(&line, SMALL);
            canvas.put(value_right - line_width, y, SMALL.muted(), line);
            y += SMALL.leading();
        }
    }

    // Payment box.
    y += 6.0 * MM;
    let box_top = y;
    y += 2.5 * MM;
    y = match kind {
        DocumentKind::Appel => draw_payment(canvas, y, appel, emetteur),
        DocumentKind::Avoir(c) => draw_no_payment(canvas, y, appel, c),
    };
    y += 2.5 * MM;
    canvas.frame(LEFT, box_top, CONTENT_WIDTH, y - box_top, 0.5, RULE);

    // Signature, right half.
    y += 7.0 * MM;
    let sign_x = RIGHT_COLUMN;
    let sign_width = RIGHT - sign_x;
    let date = format_fr::date_longue(appel.date_emission);
    let fait = if emetteur.lieu.trim().is_empty() {
        format!("Fait le {date}")
    } else {
        format!("Fait à {}, le {date}", emetteur.lieu.trim())
    };
    y = canvas.paragraph(sign_x, y, sign_width, BODY, &fait);
    if !emetteur.signataire.trim().is_empty() {
        y += 1.5 * MM;
        y = canvas.paragraph(sign_x, y, sign_width, BODY.bold(), &emetteur.signataire);
    }
    y
}

/// Inside of the payment box of an appel: terms, due date, account.
/// Returns the bottom of its text.
fn draw_payment(canvas: &mut Canvas<'_>, top: f32, appel: &Appel, emetteur: &Emetteur) -> f32 {
    let inner = LEFT + 3.5 * MM;
    let inner_width = CONTENT_WIDTH - 7.0 * MM;
    let mut y = top;
    canvas.line(inner, y, BODY.bold(), "Modalités de paiement");
    y += BODY.leading() + 1.0 * MM;
    let paiement = &emetteur.paiement;
    if !paiement.modalites.trim().is_empty() {
        y = canvas.paragraph(inner, y, inner_width, SMALL, &paiement.modalites);
        y += 1.2 * MM;
    }
    let label_width = 34.0 * MM;
    let value_x = inner + label_width;
    let value_width = inner_width - label_width;
    let echeance = format_fr::date_longue(appel.date_echeance);
    let mut pairs: Vec<(&str, String, Style)> = vec![("Date d'échéance", echeance, SMALL.bold())];
    for (label, value) in [
        ("Comptable", &paiement.comptable),
        ("Titulaire du compte", &paiement.titulaire),
    ] {
        if !value.trim().is_empty() {
            pairs.push((label, value.clone(), SMALL));
        }
    }
    pairs.push(("IBAN", paiement.iban.clone(), SMALL.bold()));
    if !paiement.bic.trim().is_empty() {
        pairs.push(("BIC", paiement.bic.clone(), SMALL.bold()));
    }
    for (label, value, style) in &pairs {
        canvas.line(inner, y, SMALL.muted(), label);
        y = canvas.paragraph(value_x, y, value_width, *style, value);
    }
    y += 1.2 * MM;
    canvas.paragraph(
        inner,
        y,
        inner_width,
        SMALL.bold(),
        &format!(
            "Merci de rappeler le numéro de l'appel {} lors de votre règlement.",
            appel.numero
        ),
    )
}

/// Inside of the box of a credit note, where an appel has its payment
/// details: nothing is due, the amount comes off the appel.
fn draw_no_payment(
    canvas: &mut Canvas<'_>,
    top: f32,
    appel: &Appel,
    correction: &Correction,
) -> f32 {
    let inner = LEFT + 3.5 * MM;
    let inner_width = CONTENT_WIDTH - 7.0 * MM;
    let mut y = top;
    canvas.line(inner, y, BODY.bold(), "Règlement");
    y += BODY.leading() + 1.0 * MM;
    y = canvas.paragraph(inner, y, inner_width, SMALL.bold(), &correction.modalites());
    y += 1.2 * MM;
    canvas.paragraph(
        inner,
        y,
        inner_width,
        SMALL,
        &format!(
            "Merci de rappeler le numéro de l'avoir {} et celui de l'appel {} dans toute correspondance.",
            appel.numero, correction.appel_numero
        ),
    )
}

/// The VAT rate shared by every line, when there is exactly one and it is
/// not zero.
fn single_rate(appel: &Appel) -> Option<Decimal> {
    let first = appel.lignes.first()?.taux_tva;
    (!first.is_zero() && appel.lignes.iter().all(|l| l.taux_tva == first)).then_some(first)
}

/// « 12345678900012 » → « 123 456 789 00012 »; anything else as given.
fn siret(raw: &str) -> String {
    let digits: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
    if digits.len() == 14 && digits.chars().all(|c| c.is_ascii_digit()) {
        format!(
            "{} {} {} {}",
            &digits[0..3],
            &digits[3..6],
            &digits[6..9],
            &digits[9..14]
        )
    } else {
        raw.trim().to_string()
    }
}

/// First-page header: issuer, title and references, member address, object.
/// Returns where the table starts.
fn draw_first_header(
    canvas: &mut Canvas<'_>,
    appel: &Appel,
    emetteur: &Emetteur,
    kind: DocumentKind<'_>,
) -> f32 {
    let emetteur_bottom = draw_emetteur(canvas, emetteur);
    let references_bottom = draw_references(canvas, appel, kind);
    let member_bottom = draw_member(canvas, &appel.membre, references_bottom);
    draw_object(canvas, appel, kind, member_bottom.max(emetteur_bottom))
}

/// The issuer, top left; returns the bottom of its block.
fn draw_emetteur(canvas: &mut Canvas<'_>, emetteur: &Emetteur) -> f32 {
    let emetteur_width = 88.0 * MM;
    let mut y = TOP;
    y = canvas.paragraph(
        LEFT,
        y,
        emetteur_width,
        Style::new(Face::Bold, 10.5, INK),
        &emetteur.nom,
    );
    if !emetteur.service.trim().is_empty() {
        y = canvas.paragraph(LEFT, y, emetteur_width, BODY, &emetteur.service);
    }
    y += 1.0 * MM;
    for line in &emetteur.adresse {
        y = canvas.paragraph(LEFT, y, emetteur_width, SMALL, line);
    }
    let ville = format!("{} {}", emetteur.code_postal.trim(), emetteur.ville.trim());
    y = canvas.paragraph(LEFT, y, emetteur_width, SMALL, &ville);
    y += 1.0 * MM;
    let contacts = [
        ("SIRET", emetteur.siret.as_str()),
        ("Tél.", emetteur.telephone.as_str()),
        ("Courriel", emetteur.email.as_str()),
        ("Site", emetteur.site.as_str()),
    ];
    for (label, value) in contacts {
        if !value.trim().is_empty() {
            y = canvas.paragraph(
                LEFT,
                y,
                emetteur_width,
                SMALL.muted(),
                &format!("{label} : {}", value.trim()),
            );
        }
    }
    y
}

/// The title and the references, top right; returns their bottom.
fn draw_references(canvas: &mut Canvas<'_>, appel: &Appel, kind: DocumentKind<'_>) -> f32 {
    let block_x = RIGHT_COLUMN;
    let projet = crate::numbering::is_provisoire(&appel.numero);
    let title = Style::new(Face::Bold, 15.0, INK);
    canvas.line_right(
        RIGHT,
        TOP - 1.0 * MM,
        title,
        RIGHT - block_x,
        match kind {
            DocumentKind::Appel if projet => "PROJET D'APPEL",
            DocumentKind::Appel => "APPEL DE COTISATION",
            DocumentKind::Avoir(_) => "AVOIR",
        },
    );
    let mut y = TOP + title.leading() + 1.5 * MM;
    if projet {
        // A draft says so where the number is read, before the number.
        canvas.line_right(
            RIGHT,
            y,
            BODY.bold(),
            RIGHT - block_x,
            "Document provisoire : ne pas envoyer ni payer",
        );
        y += BODY.leading() + 0.5 * MM;
    }
    canvas.hrule(block_x, RIGHT, y, 0.8, INK);
    y += 1.2 * MM;
    // A credit note is due at no date: its last reference is the appel.
    let (number_label, last) = match kind {
        DocumentKind::Appel if projet => (
            "N° provisoire",
            (
                "Date d'échéance",
                format_fr::date_courte(appel.date_echeance),
                BODY.bold(),
            ),
        ),
        DocumentKind::Appel => (
            "N° d'appel",
            (
                "Date d'échéance",
                format_fr::date_courte(appel.date_echeance),
                BODY.bold(),
            ),
        ),
        DocumentKind::Avoir(c) => (
            "N° d'avoir",
            ("Appel concerné", c.appel_numero.clone(), BODY.bold()),
        ),
    };
    let references = [
        (number_label, appel.numero.clone(), BODY.bold()),
        ("Exercice", appel.exercice.to_string(), BODY),
        (
            "Date d'émission",
            format_fr::date_courte(appel.date_emission),
            BODY,
        ),
        last,
    ];
    for (label, value, style) in references {
        canvas.line(block_x, y, BODY.muted(), label);
        canvas.line_right(RIGHT, y, style, RIGHT - block_x - 30.0 * MM, &value);
        y += BODY.leading();
    }
    y
}

/// The member, where an envelope window shows it, below the references
/// (`top`); returns its bottom.
fn draw_member(canvas: &mut Canvas<'_>, member: &crate::roster::Member, top: f32) -> f32 {
    let address_x = RIGHT_COLUMN;
    let address_width = RIGHT - address_x;
    let mut y = (top + 6.0 * MM).max(52.0 * MM);
    let name = Style::new(Face::Bold, 10.5, INK);
    y = canvas.paragraph(address_x, y, address_width, name, &member.nom);
    let address = Style::new(Face::Regular, 10.0, INK);
    if !member.adresse.trim().is_empty() {
        y = canvas.paragraph(address_x, y, address_width, address, &member.adresse);
    }
    let ville = format!("{} {}", member.code_postal.trim(), member.ville.trim());
    y = canvas.paragraph(address_x, y, address_width, address, &ville);
    y += 3.0 * MM;
    let mut refs = vec![
        ("SIRET", siret(&member.siret)),
        ("Identifiant adhérent", member.id.clone()),
    ];
    if !member.code_service.trim().is_empty() {
        refs.push(("Code service", member.code_service.clone()));
    }
    if !member.engagement.trim().is_empty() {
        refs.push(("N° d'engagement", member.engagement.clone()));
    }
    for (label, value) in refs {
        y = canvas.paragraph(
            address_x,
            y,
            address_width,
            SMALL.muted(),
            &format!("{label} : {}", value.trim()),
        );
    }
    y
}

/// The object, below the blocks above (`top`); returns where the table
/// starts.
fn draw_object(canvas: &mut Canvas<'_>, appel: &Appel, kind: DocumentKind<'_>, top: f32) -> f32 {
    let mut y = top + 8.0 * MM;
    let object = Style::new(Face::Regular, 10.0, INK);
    let label_right = canvas.line(LEFT, y, object.bold(), "Objet :");
    let text_x = label_right + 1.5 * MM;
    let text_width = RIGHT - text_x;
    y = canvas.paragraph(
        text_x,
        y,
        text_width,
        object,
        &format!(
            "{}cotisation {}{}",
            if matches!(kind, DocumentKind::Avoir(_)) {
                "avoir sur la "
            } else {
                ""
            },
            appel.exercice,
            if appel.convention.is_empty() {
                String::new()
            } else {
                format!(" – {}", appel.convention)
            }
        ),
    );
    if let DocumentKind::Avoir(c) = kind {
        y = canvas.paragraph(text_x, y, text_width, object.bold(), &c.annule());
        y = canvas.paragraph(
            text_x,
            y,
            text_width,
            object,
            &format!("Motif : {}", c.motif),
        );
    }
    y = canvas.paragraph(
        text_x,
        y,
        text_width,
        object,
        &format!(
            "Tranche {} — {}",
            appel.placement.tranche, appel.placement.motif
        ),
    );
    // Period of service: a mandatory mention of an invoice.
    y = canvas.paragraph(text_x, y, text_width, object, &periode(appel));
    y + 5.0 * MM
}

/// « Période : du 1er janvier 2027 au 31 décembre 2027 ».
fn periode(appel: &Appel) -> String {
    format!(
        "Période : du {} au {}",
        format_fr::date_longue(appel.periode_debut),
        format_fr::date_longue(appel.periode_fin)
    )
}

/// Continuation-page header. Returns where the table starts.
fn draw_next_header(canvas: &mut Canvas<'_>, appel: &Appel, kind: DocumentKind<'_>) -> f32 {
    let style = Style::new(Face::Bold, 10.0, INK);
    let right = canvas.line(
        LEFT,
        TOP,
        style,
        &format!("{} n° {}", document_name(kind), appel.numero),
    );
    let name_x = right + 8.0 * MM;
    let lines = canvas.lines(&appel.membre.nom, RIGHT - name_x, BODY.muted());
    let mut y = TOP + (style.leading() - BODY.leading());
    for line in lines {
        let width = canvas.width(&line, BODY);
        canvas.put(RIGHT - width, y, BODY.muted(), line);
        y += BODY.leading();
    }
    let y = y.max(TOP + style.leading()) + 1.5 * MM;
    canvas.hrule(LEFT, RIGHT, y, 0.5, RULE);
    y + 5.0 * MM
}

/// Footer lines (mentions), wrapped once for every page. A credit note
/// prints the issuer's `mentions_avoir` when it has them.
fn footer_lines(canvas: &Canvas<'_>, emetteur: &Emetteur, kind: DocumentKind<'_>) -> Vec<String> {
    let mentions = match (kind, &emetteur.mentions_avoir) {
        (DocumentKind::Avoir(_), Some(avoir)) => avoir,
        _ => &emetteur.mentions,
    };
    mentions
        .iter()
        .filter(|m| !m.trim().is_empty())
        .flat_map(|m| canvas.lines(m, CONTENT_WIDTH, TINY))
        .collect()
}

/// Top of the footer: the body must end above it.
fn footer_top(lines: usize) -> f32 {
    #[allow(clippy::cast_precision_loss)]
    let mentions = lines as f32 * TINY.leading();
    FOOTER_BASELINE - TINY.size - 2.0 * MM - mentions - 2.0 * MM
}

fn draw_footer(
    canvas: &mut Canvas<'_>,
    lines: &[String],
    appel: &Appel,
    kind: DocumentKind<'_>,
    page: usize,
    pages: usize,
) {
    let top = footer_top(lines.len());
    canvas.hrule(LEFT, RIGHT, top, 0.4, RULE);
    let mut y = top + 1.5 * MM;
    for line in lines {
        canvas.put(LEFT, y, TINY, line.clone());
        y += TINY.leading();
    }
    let page_style = Style::new(Face::Regular, 7.5, MUTED);
    let line_top = FOOTER_BASELINE - page_style.leading() + page_style.size * 0.3;
    canvas.line(
        LEFT,
        line_top,
        page_style,
        &format!("{} n° {}", document_name(kind), appel.numero),
    );
    canvas.line_right(
        RIGHT,
        line_top,
        page_style,
        CONTENT_WIDTH / 2.0,
        &format!("Page {page} / {pages}"),
    );
}

/// « Appel de cotisation » or « Avoir », as in « … n° AC-2027-00001 ».
fn document_name(kind: DocumentKind<'_>) -> &'static str {
    match kind {
        DocumentKind::Appel => "Appel de cotisation",
        DocumentKind::Avoir(_) => "Avoir",
    }
}

// ---------------------------------------------------------------------------
// The document

/// What is being laid out: an appel, or a credit note. A credit note goes
/// through the same layout as an `Appel` with its own number, date and
/// signed lines (`Avoir::signed`); what makes it a credit note (the appel
/// it corrects, the motif) comes with it here, and changes its title,
/// references, object, totals label and payment block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DocumentKind<'c> {
    Appel,
    Avoir(&'c Correction),
}

/// Lays out `appel` as a document of `kind`: one or more A4 pages.
pub(crate) fn layout(
    appel: &Appel,
    kind: DocumentKind<'_>,
    emetteur: &Emetteur,
    metrics: &Metrics,
) -> Vec<Page> {
    // The closing block is drawn once, at the top of its own canvas, then
    // moved under the table of the last page.
    let mut closing = Canvas::new(metrics);
    let closing_height = draw_closing(&mut closing, 0.0, appel, emetteur, kind);
    let footer = footer_lines(&closing, emetteur, kind);
    let bottom = footer_top(footer.len()) - 4.0 * MM;

    let mut first = Canvas::new(metrics);
    let first_top = draw_first_header(&mut first, appel, emetteur, kind);
    let mut next = Canvas::new(metrics);
    let next_top = draw_next_header(&mut next, appel, kind);
    let rows = rows(&closing, appel);
    let header = table_header_height();

    // Pagination: which rows go on which page, and where the closing goes.
    let mut pages: Vec<Vec<usize>> = vec![Vec::new()];
    let mut y = first_top + header;
    for (i, row) in rows.iter().enumerate() {
        let current = pages.len() - 1;
        if y + row.height > bottom && !pages[current].is_empty() {
            pages.push(Vec::new());
            y = next_top + header;
        }
        let current = pages.len() - 1;
        pages[current].push(i);
        y += row.height;
    }
    if y + closing_height > bottom {
        // Carry the last row over with the totals, so they never stand alone,
        // when that fits; otherwise the closing gets a page of its own.
        let current = pages.len() - 1;
        let last_height = pages[current].last().map_or(0.0, |&i| rows[i].height);
        if pages[current].len() >= 2 && next_top + header + last_height + closing_height <= bottom {
            let moved = pages[current].pop().unwrap_or_default();
            pages.push(vec![moved]);
        } else {
            pages.push(Vec::new());
        }
    }

    let count = pages.len();
    let mut out = Vec::with_capacity(count);
    let mut first = Some(first);
    for (index, page_rows) in pages.iter().enumerate() {
        let (mut canvas, mut y) = match first.take() {
            Some(canvas) => (canvas, first_top),
            None => (
                Canvas {
                    metrics,
                    items: next.items.clone(),
                },
                next_top,
            ),
        };
        if !page_rows.is_empty() {
            y = draw_table_header(&mut canvas, y);
            for (position, &i) in page_rows.iter().enumerate() {
                let last_on_page = position + 1 == page_rows.len();
                y = draw_row(&mut canvas, y, &rows[i], last_on_page);
            }
        }
        if index + 1 == count {
            canvas
                .items
                .extend(closing.items.iter().map(|item| item.lowered(y)));
        }
        draw_footer(&mut canvas, &footer, appel, kind, index + 1, count);
        out.push(Page {
            items: canvas.items,
        });
    }
    out
}

#[cfg(test)]
mod credit_note_tests {
    use super::*;
    use crate::avoir::Avoir;
    use crate::avoir::fixtures::{appel, avoir_of};
    use crate::money::Montant;
    use crate::testing::d;

    fn metrics() -> Metrics {
        Metrics {
            regular: super::super::fonts::regular().unwrap().metrics,
            bold: super::super::fonts::bold().unwrap().metrics,
        }
    }

    fn emetteur() -> Emetteur {
        Emetteur::parse(include_str!("../../input-samples/emetteur.toml")).unwrap()
    }

    /// A credit note of `codes` of AC-2027-00012 (1 119,00 + 200,00 + 80,00).
    fn avoir(codes: &[&str]) -> Avoir {
        avoir_of(&appel(), codes)
    }

    fn text(pages: &[Page]) -> String {
        let mut out = String::new();
        for page in pages {
            for item in &page.items {
                if let Item::Text { text, .. } = item {
                    out.push_str(text);
                    out.push('\n');
                }
            }
        }
        out
    }

    fn euros(amount: &str) -> String {
        format_fr::montant(Montant::round_cent(d(amount)))
    }

    #[test]
    fn a_credit_note_is_titled_avoir_and_asks_for_no_payment() {
        let a = avoir(&[]);
        let signed = a.signed();
        let t = text(&layout(
            &signed,
            DocumentKind::Avoir(&a.correction),
            &emetteur(),
            &metrics(),
        ));
        for expected in [
            "AVOIR\n",
            "N° d'avoir\n",
            "AV-2027-00001\n",
            "Appel concerné\nAC-2027-00012\n",
            "Annule l'appel n° AC-2027-00012 du 15 janvier 2027\n",
            "Motif : Adhésion résiliée\n",
            "Total de l'avoir\n",
            &format!("{}\n", euros("-1119")),
            &format!("{}\n", euros("-1399")),
            "-0,5\n",
            "Montant à déduire de l'appel n° AC-2027-00012 du 15 janvier 2027 ; aucun paiement n'est demandé.",
            "TVA non applicable, article 256 B du CGI",
            "Avoir n° AV-2027-00001\n",
            // The issuer's mentions for credit notes.
            "Avoir établi en application de la convention cadre",
            "En cas de contestation",
        ] {
            assert!(t.contains(expected), "{expected:?} missing in:\n{t}");
        }
        for absent in [
            "APPEL DE COTISATION",
            "Total à payer",
            "Modalités de paiement",
            "IBAN",
            "Date d'échéance",
            "Annule partiellement",
            "Appel de cotisation établi",
        ] {
            assert!(!t.contains(absent), "{absent:?} printed in:\n{t}");
        }
    }

    #[test]
    fn credit_note_mentions_fall_back_to_the_appels() {
        let (a, m) = (avoir(&[]), metrics());
        let mut e = emetteur();
        let avoir_text = |e: &Emetteur| {
            text(&layout(
                &a.signed(),
                DocumentKind::Avoir(&a.correction),
                e,
                &m,
            ))
        };
        let t = text(&layout(&appel(), DocumentKind::Appel, &e, &m));
        assert!(
            t.contains("Appel de cotisation établi en application"),
            "{t}"
        );
        assert!(!t.contains("Avoir établi"), "{t}");
        assert!(avoir_text(&e).contains("Avoir établi en application"));
        e.mentions_avoir = None;
        let t = avoir_text(&e);
        assert!(
            t.contains("Appel de cotisation établi en application"),
            "{t}"
        );
        assert!(!t.contains("Avoir établi"), "{t}");
    }

    #[test]
    fn a_partial_credit_note_says_so() {
        let a = avoir(&["certificat"]);
        let t = text(&layout(
            &a.signed(),
            DocumentKind::Avoir(&a.correction),
            &emetteur(),
            &metrics(),
        ));
        assert!(t.contains("Annule partiellement l'appel n° AC-2027-00012 du 15 janvier 2027\n"));
        assert!(t.contains(&format!("Total de l'avoir\n{}\n", euros("-80"))));
    }

    #[test]
    fn the_kind_not_the_number_makes_a_credit_note() {
        let (appel, a, e, m) = (appel(), avoir(&[]), emetteur(), metrics());
        let signed = a.signed();
        // A credit note's lines and number laid out as an appel: an appel.
        let t = text(&layout(&signed, DocumentKind::Appel, &e, &m));
        assert!(
            t.contains("APPEL DE COTISATION\nN° d'appel\nAV-2027-00001\n"),
            "{t}"
        );
        assert!(t.contains("Total à payer\n") && !t.contains("AVOIR"), "{t}");
        // An appel's number and lines laid out as a credit note: a credit note.
        let t = text(&layout(&appel, DocumentKind::Avoir(&a.correction), &e, &m));
        assert!(t.contains("AVOIR\nN° d'avoir\nAC-2027-00012\n"), "{t}");
        assert!(
            t.contains("Total de l'avoir\n") && !t.contains("IBAN"),
            "{t}"
        );
    }
}
