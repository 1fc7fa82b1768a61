//! Layout of the batch report: a `Summary` in, A4 pages of positioned text,
//! rules and fills out.
//!
//! Pure: no I/O, no PDF types. Text is measured with the advance widths the
//! caller provides (`Measure`) and wrapped as on the appels (`page::wrap`);
//! tables flow onto as many pages as needed with their header repeated;
//! charts and short blocks are kept whole on a page; every page gets the
//! footer and « Page n / N ». The page model, styles and drawing primitives
//! are the appels' (`crate::render::page`).
//!
//! Items are listed in painting order (the PDF draws them in that order), so
//! grid lines go under the bars and text above everything.
//!
//! Positions are computed from the top of the page and stored as PDF points
//! with the origin at the bottom left. Amounts are `Decimal` throughout; a
//! bar's length is the `Decimal` ratio of its amount to the axis maximum,
//! converted to `f32` only to become a coordinate.

// Coordinates, not money: every float here is a position or a size in points.
#![allow(clippy::float_arithmetic)]

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::{Decimal, RoundingStrategy};

use crate::format_fr::{self, NBSP};
use crate::money::Montant;
use crate::render::page::{self, Draw, MM, MUTED, Style};
use crate::summary::Summary;

// What a layout is made of.
pub(super) use crate::render::page::{Face, Item, PAGE_HEIGHT, PAGE_WIDTH, Page};

const LEFT: f32 = 20.0 * MM;
const RIGHT: f32 = PAGE_WIDTH - 20.0 * MM;
const CONTENT_WIDTH: f32 = RIGHT - LEFT;
const TOP: f32 = 15.0 * MM;
/// Lowest line of content, from the top of the page (the footer is below).
const BOTTOM: f32 = PAGE_HEIGHT - 20.0 * MM;
/// The footer's rule and baseline, from the top of the page.
const FOOTER_RULE: f32 = PAGE_HEIGHT - 15.0 * MM;
const FOOTER_TOP: f32 = PAGE_HEIGHT - 13.5 * MM;

/// Black, and the greys of rules, shading and bars (secondary text is
/// `page::MUTED`). Chosen to stay distinct when printed in black and white.
const INK: f32 = 0.0;
const RULE: f32 = 0.55;
const HAIRLINE: f32 = 0.78;
const GRID: f32 = 0.85;
const SHADE: f32 = 0.9;
const BAR: f32 = 0.62;
const HATCH: f32 = 0.25;

/// Title of the report (also the running header of the following pages).
pub(super) fn title(exercice: i32) -> String {
    format!("Rapport du lot d'appels de cotisation — exercice {exercice}")
}

/// Advance widths of the faces, whole: the report prints what they can
/// (unlike an appel, limited to the batch's subset).
pub(super) trait Measure {
    /// Advance of `c` in 1/1000 em, `None` when the face has no glyph for it.
    fn advance(&self, face: Face, c: char) -> Option<u16>;
}

// ---------------------------------------------------------------------------
// Styles and drawing

const TITLE: Style = Style::new(Face::Bold, 16.0, INK);
const H2: Style = Style::new(Face::Bold, 11.0, INK);
const BODY: Style = Style::new(Face::Regular, 9.0, INK);
const HEAD: Style = Style::new(Face::Bold, 8.0, INK);
const SMALL: Style = Style::new(Face::Regular, 8.0, INK);
const TINY: Style = Style::new(Face::Regular, 7.0, MUTED);

/// Horizontal padding of a table cell, vertical padding of a row.
const PAD: f32 = 1.6 * MM;
const ROW_PAD: f32 = 1.1 * MM;
/// Space above a section heading.
const SECTION_GAP: f32 = 6.0 * MM;

/// Pages being filled from top to bottom.
struct Flow<'m> {
    measure: &'m dyn Measure,
    pages: Vec<Page>,
    items: Vec<Item>,
    /// Top of the next thing to draw, from the top of the page.
    top: f32,
    /// Top of the content on the current page (below the running header).
    page_top: f32,
    running: String,
}

impl<'m> Flow<'m> {
    fn new(measure: &'m dyn Measure, running: String) -> Flow<'m> {
        Flow {
            measure,
            pages: Vec::new(),
            items: Vec::with_capacity(256),
            top: TOP,
            page_top: TOP,
            running,
        }
    }

    // --- text -------------------------------------------------------------

    /// `text` with only characters both faces can print (others become `?`),
    /// white space as single spaces (no-break spaces kept), no control.
    fn clean(&self, text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        for c in text.trim().chars() {
            let c = if c == NBSP {
                c
            } else if c.is_whitespace() {
                ' '
            } else if c.is_control() {
                continue;
            } else if self.measure.advance(Face::Regular, c).is_some()
                && self.measure.advance(Face::Bold, c).is_some()
            {
                c
            } else {
                '?'
            };
            if c == ' ' && out.ends_with(' ') {
                continue;
            }
            out.push(c);
        }
        out
    }

    /// Advance of each character in `face`, in 1/1000 em (0 when the face
    /// cannot print it).
    fn advances(&self, face: Face) -> impl Fn(char) -> u16 + '_ {
        move |c| self.measure.advance(face, c).unwrap_or(0)
    }

    /// Width of cleaned `text` in points.
    fn width(&self, text: &str, style: Style) -> f32 {
        page::text_width(text, style.size, self.advances(style.face))
    }

    /// Draws one line from `x`; returns its right edge.
    fn text(&mut self, x: f32, top: f32, style: Style, text: &str) -> f32 {
        let text = self.clean(text);
        let right = x + self.width(&text, style);
        self.put(x, top, style, text);
        right
    }

    /// `style`, smaller if `text` is wider than `max_width` (amounts never
    /// wrap nor get cut).
    fn shrunk(&self, text: &str, style: Style, max_width: f32) -> (Style, f32) {
        let width = self.width(text, style);
        if width > max_width && width > 0.0 {
            let style = style.sized(style.size * max_width / width);
            (style, self.width(text, style))
        } else {
            (style, width)
        }
    }

    /// Draws one line ending at `right`, shrunk to `max_width` if needed.
    fn text_right(&mut self, right: f32, top: f32, style: Style, max_width: f32, text: &str) {
        let text = self.clean(text);
        let (small, width) = self.shrunk(&text, style, max_width);
        // Keep the baseline of the original size.
        let top = top + (style.size - small.size) * 0.95;
        self.put(right - width, top, small, text);
    }

    /// Draws one line from `x`, shrunk to `max_width` if needed.
    fn text_fit(&mut self, x: f32, top: f32, style: Style, max_width: f32, text: &str) {
        let text = self.clean(text);
        let (small, _) = self.shrunk(&text, style, max_width);
        let top = top + (style.size - small.size) * 0.95;
        self.put(x, top, small, text);
    }

    /// Draws one line centred on `centre`, shrunk to `max_width` if needed.
    fn text_centre(&mut self, centre: f32, top: f32, style: Style, max_width: f32, text: &str) {
        let text = self.clean(text);
        let (small, width) = self.shrunk(&text, style, max_width);
        let top = top + (style.size - small.size) * 0.95;
        self.put(centre - width / 2.0, top, small, text);
    }

    /// Cleaned `text` cut with « … » to fit `width`.
    fn fit(&self, text: &str, style: Style, width: f32) -> String {
        let text = self.clean(text);
        if self.width(&text, style) <= width {
            return text;
        }
        let ellipsis = self.width("…", style);
        let mut out = String::new();
        let mut used = 0.0;
        for c in text.chars() {
            let w = self.width(c.encode_utf8(&mut [0; 4]), style);
            if used + w + ellipsis > width {
                break;
            }
            out.push(c);
            used += w;
        }
        let mut out = out.trim_end().to_string();
        out.push('…');
        out
    }

    /// Greedy wrap of `text` into lines no wider than `width`, as on the
    /// appels (`page::wrap`).
    fn wrap(&self, text: &str, style: Style, width: f32) -> Vec<String> {
        let text = self.clean(text);
        page::wrap(&text, style.size, width, self.advances(style.face))
    }

    // --- shapes -----------------------------------------------------------

    /// Diagonal hatching (« / ») of a rectangle, `spacing` points apart.
    fn hatch(&mut self, x: f32, top: f32, width: f32, height: f32, spacing: f32) {
        let (x0, x1) = (x, x + width);
        let (y0, y1) = (PAGE_HEIGHT - top - height, PAGE_HEIGHT - top);
        // Lines y = x + k, on a grid of k shared by every hatched shape.
        #[allow(clippy::cast_possible_truncation)]
        let (first, last) = (
            ((y0 - x1) / spacing).ceil() as i32,
            ((y1 - x0) / spacing).floor() as i32,
        );
        for i in first..=last {
            #[allow(clippy::cast_precision_loss)]
            let k = i as f32 * spacing;
            let xa = x0.max(y0 - k);
            let xb = x1.min(y1 - k);
            if xb - xa > 0.2 {
                self.items.push(Item::Rule {
                    x1: xa,
                    y1: xa + k,
                    x2: xb,
                    y2: xb + k,
                    width: 0.6,
                    grey: HATCH,
                });
            }
        }
    }

    // --- pages ------------------------------------------------------------

    /// Starts a new page unless `height` more points fit on this one.
    fn ensure(&mut self, height: f32) {
        if self.top + height > BOTTOM && self.top > self.page_top {
            self.new_page();
        }
    }

    fn new_page(&mut self) {
        self.pages.push(Page {
            items: std::mem::take(&mut self.items),
        });
        let running = self.running.clone();
        self.text(LEFT, TOP, TINY, &running);
        self.hrule(LEFT, RIGHT, TOP + TINY.leading() + 1.0, 0.5, RULE);
        self.page_top = TOP + 8.0 * MM;
        self.top = self.page_top;
    }

    /// A section title, kept on the same page as the next `keep` points.
    fn heading(&mut self, text: &str, keep: f32) {
        let gap = if self.top > self.page_top {
            SECTION_GAP
        } else {
            0.0
        };
        let height = H2.leading() + 2.5 * MM;
        self.ensure(gap + height + keep);
        if self.top > self.page_top {
            self.top += gap;
        }
        self.text(LEFT, self.top, H2, text);
        self.top += H2.leading() + 0.8 * MM;
        self.hrule(LEFT, RIGHT, self.top, 0.8, INK);
        self.top += 1.7 * MM;
    }

    /// A short note in small grey text under a table or chart.
    fn note(&mut self, text: &str) {
        let lines = self.wrap(text, TINY, CONTENT_WIDTH);
        #[allow(clippy::cast_precision_loss, reason = "a few lines of a note")]
        self.ensure(lines.len() as f32 * TINY.leading() + 1.5 * MM);
        self.top += 1.5 * MM;
        for line in lines {
            self.put(LEFT, self.top, TINY, line);
            self.top += TINY.leading();
        }
    }

    /// The finished pages, each with its footer.
    fn finish(mut self, footer: &str) -> Vec<Page> {
        self.pages.push(Page {
            items: std::mem::take(&mut self.items),
        });
        let pages = std::mem::take(&mut self.pages);
        let count = pages.len();
        let mut out = Vec::with_capacity(count);
        for (n, page) in pages.into_iter().enumerate() {
            self.items = page.items;
            self.hrule(LEFT, RIGHT, FOOTER_RULE, 0.5, HAIRLINE);
            let number = format!("Page {} / {count}", n + 1);
            let number_width = self.width(&number, TINY);
            let footer = self.fit(footer, TINY, CONTENT_WIDTH - number_width - 10.0 * MM);
            self.put(LEFT, FOOTER_TOP, TINY, footer);
            self.text_right(RIGHT, FOOTER_TOP, TINY, CONTENT_WIDTH, &number);
            out.push(Page {
                items: std::mem::take(&mut self.items),
            });
        }
        out
    }
}

impl Draw for Flow<'_> {
    fn items(&mut self) -> &mut Vec<Item> {
        &mut self.items
    }
}

// ---------------------------------------------------------------------------
// Tables

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Align {
    Left,
    Right,
}

/// A table column; a width of 0 takes what the others leave.
#[derive(Debug, Clone, Copy)]
struct Col<'t> {
    head: &'t str,
    width: f32,
    align: Align,
}

impl<'t> Col<'t> {
    /// A column of text, wrapped.
    const fn left(head: &'t str, width: f32) -> Col<'t> {
        Col {
            head,
            width,
            align: Align::Left,
        }
    }

    /// A column of numbers, right-aligned on one line.
    const fn right(head: &'t str, width: f32) -> Col<'t> {
        Col {
            head,
            width,
            align: Align::Right,
        }
    }
}

/// The last columns of a breakdown (`breakdown`), also in the table by item.
const APPELS: Col<'static> = Col::right("Appels", 16.0 * MM);
const TOTAL_HT: Col<'static> = Col::right("Total HT", 32.0 * MM);
const PART: Col<'static> = Col::right("Part", 16.0 * MM);

/// One row: its cells, and whether it is the total row (bold, ruled).
struct Row {
    cells: Vec<String>,
    total: bool,
}

impl Row {
    fn new(cells: Vec<String>) -> Row {
        Row {
            cells,
            total: false,
        }
    }

    fn total(cells: Vec<String>) -> Row {
        Row { cells, total: true }
    }
}

/// Left edges and widths of `cols` over the content width.
fn place(cols: &[Col<'_>]) -> Vec<(f32, f32)> {
    let fixed: f32 = cols.iter().map(|c| c.width).sum();
    let flex = cols.iter().filter(|c| c.width == 0.0).count().max(1);
    #[allow(clippy::cast_precision_loss)]
    let flex_width = (CONTENT_WIDTH - fixed) / flex as f32;
    let mut x = LEFT;
    cols.iter()
        .map(|c| {
            let width = if c.width == 0.0 { flex_width } else { c.width };
            let placed = (x, width);
            x += width;
            placed
        })
        .collect()
}

impl Flow<'_> {
    /// Lines of each cell of a row: left cells wrap, right cells (numbers)
    /// stay on one line.
    fn cell_lines(
        &self,
        cols: &[Col<'_>],
        at: &[(f32, f32)],
        cells: &[String],
        style: Style,
    ) -> Vec<Vec<String>> {
        cols.iter()
            .zip(at)
            .zip(cells)
            .map(|((col, &(_, width)), text)| match col.align {
                Align::Left => self.wrap(text, style, width - 2.0 * PAD),
                Align::Right => vec![self.clean(text)],
            })
            .collect()
    }

    fn draw_cells(
        &mut self,
        cols: &[Col<'_>],
        at: &[(f32, f32)],
        lines: &[Vec<String>],
        style: Style,
    ) {
        for ((col, &(x, width)), cell) in cols.iter().zip(at).zip(lines) {
            for (i, line) in cell.iter().enumerate() {
                #[allow(clippy::cast_precision_loss)]
                let top = self.top + ROW_PAD + i as f32 * style.leading();
                match col.align {
                    Align::Left => self.put(x + PAD, top, style, line.clone()),
                    Align::Right => {
                        self.text_right(x + width - PAD, top, style, width - 2.0 * PAD, line);
                    }
                }
            }
        }
    }

    fn row_height(lines: &[Vec<String>], style: Style) -> f32 {
        let n = lines.iter().map(Vec::len).max().unwrap_or(1).max(1);
        #[allow(clippy::cast_precision_loss)]
        let n = n as f32;
        n * style.leading() + 2.0 * ROW_PAD
    }

    fn table_head(&mut self, cols: &[Col<'_>], at: &[(f32, f32)]) {
        let heads: Vec<String> = cols.iter().map(|c| c.head.to_string()).collect();
        let lines = self.cell_lines(
            &cols
                .iter()
                // Headers wrap whatever the alignment of their column.
                .map(|c| Col::left(c.head, c.width))
                .collect::<Vec<_>>(),
            at,
            &heads,
            HEAD,
        );
        let height = Flow::row_height(&lines, HEAD);
        self.fill(LEFT, self.top, CONTENT_WIDTH, height, SHADE);
        self.draw_cells(cols, at, &lines, HEAD);
        self.top += height;
        self.hrule(LEFT, RIGHT, self.top, 0.6, RULE);
    }

    fn head_height(&self, cols: &[Col<'_>], at: &[(f32, f32)]) -> f32 {
        let heads: Vec<String> = cols.iter().map(|c| c.head.to_string()).collect();
        let lines: Vec<Vec<String>> = at
            .iter()
            .zip(&heads)
            .map(|(&(_, width), h)| self.wrap(h, HEAD, width - 2.0 * PAD))
            .collect();
        Flow::row_height(&lines, HEAD)
    }

    /// Draws a table under a heading; it flows onto the next pages with its
    /// header repeated.
    fn table(&mut self, heading: &str, cols: &[Col<'_>], rows: &[Row]) {
        let at = place(cols);
        let styled = |row: &Row| if row.total { BODY.bold() } else { BODY };
        let heights: Vec<f32> = rows
            .iter()
            .map(|r| {
                let style = styled(r);
                Flow::row_height(&self.cell_lines(cols, &at, &r.cells, style), style)
            })
            .collect();
        let head = self.head_height(cols, &at);
        // The heading, the header and two rows (or all, if fewer) together.
        let keep = head + heights.iter().take(2).sum::<f32>();
        self.heading(heading, keep);
        self.table_head(cols, &at);
        for (i, (row, height)) in rows.iter().zip(&heights).enumerate() {
            let style = styled(row);
            if self.top + height > BOTTOM {
                self.new_page();
                self.table_head(cols, &at);
            }
            if row.total {
                self.fill(LEFT, self.top, CONTENT_WIDTH, *height, SHADE);
                self.hrule(LEFT, RIGHT, self.top, 0.9, INK);
            } else if i > 0 && !rows[i - 1].total {
                self.hrule(LEFT, RIGHT, self.top, 0.4, HAIRLINE);
            }
            let lines = self.cell_lines(cols, &at, &row.cells, style);
            self.draw_cells(cols, &at, &lines, style);
            self.top += height;
        }
        self.hrule(LEFT, RIGHT, self.top, 0.6, RULE);
    }
}

// ---------------------------------------------------------------------------
// Numbers

fn montant(d: Decimal) -> String {
    format_fr::montant(Montant::round_cent(d))
}

fn count(n: usize) -> String {
    format_fr::integer(n as u64)
}

/// `value` as a share of `total`: `35,1 %` (one decimal), `—` without total.
fn part(value: Decimal, total: Decimal) -> String {
    if total.is_zero() {
        return "—".into();
    }
    match value
        .checked_mul(Decimal::ONE_HUNDRED)
        .and_then(|v| v.checked_div(total))
    {
        Some(p) => {
            let p = p.round_dp_with_strategy(1, RoundingStrategy::MidpointAwayFromZero);
            format!("{}{NBSP}%", format!("{p:.1}").replace('.', ","))
        }
        None => "—".into(),
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{} {}", count(n), if n > 1 { many } else { one })
}

/// Axis of a bar chart over `0..=max`: its top and its step, the step being
/// 1, 2 or 5 × 10^k so that there are at most five steps. `None` when there
/// is nothing to draw.
fn nice_axis(max: Decimal) -> Option<(Decimal, Decimal)> {
    if max <= Decimal::ZERO {
        return None;
    }
    let five = Decimal::from(5);
    let target = max.checked_div(five)?;
    let ten = Decimal::TEN;
    let mut power = Decimal::ONE;
    for _ in 0..30 {
        if power <= target {
            break;
        }
        power /= ten;
    }
    for _ in 0..30 {
        match power.checked_mul(ten) {
            Some(next) if next <= target => power = next,
            _ => break,
        }
    }
    for factor in [1, 2, 5, 10] {
        let step = power.checked_mul(Decimal::from(factor))?;
        let steps = max.checked_div(step)?.ceil();
        if steps <= five {
            return Some((steps.checked_mul(step)?, step));
        }
    }
    None
}

/// A tick label: `150 000 €`, or with cents for tiny amounts.
fn tick_label(value: Decimal) -> String {
    match value.to_u64() {
        Some(n) if value.fract().is_zero() => format!("{}{NBSP}€", format_fr::integer(n)),
        _ => montant(value),
    }
}

/// `value / max` as a fraction of a length, for drawing only.
fn ratio(value: Decimal, max: Decimal) -> f32 {
    value
        .checked_div(max)
        .and_then(|r| r.to_f32())
        .unwrap_or(0.0)
        .clamp(0.0, 1.0)
}

/// Population or agent range of a tier: `moins de 250`, `250 à 499`,
/// `10 000 et plus`.
fn range(min: u32, next: Option<u32>) -> String {
    let n = |v: u32| format_fr::integer(u64::from(v));
    match next {
        Some(next) if next > min.saturating_add(1) => {
            if min == 0 {
                format!("moins de {}", n(next))
            } else {
                format!("{} à {}", n(min), n(next - 1))
            }
        }
        Some(next) if next == min.saturating_add(1) => n(min),
        Some(_) => "—".into(),
        None if min == 0 => "toutes".into(),
        None => format!("{} et plus", n(min)),
    }
}

/// Plural French label of a member kind, capitalised.
fn kind_label(code: &str, libelle: &str) -> String {
    match code {
        "commune" => "Communes".into(),
        "etablissement_public" => "Établissements publics".into(),
        "budget_annexe" => "Budgets annexes".into(),
        _ => {
            let mut c = libelle.chars();
            c.next()
                .map(|f| f.to_uppercase().chain(c).collect())
                .unwrap_or_default()
        }
    }
}

// ---------------------------------------------------------------------------
// Charts

/// Column chart: room above the plot (amounts), plot, room below (labels).
const COLUMN_CHART: (f32, f32, f32) = (5.0 * MM, 48.0 * MM, 9.0 * MM);

fn column_chart_height() -> f32 {
    2.0 * MM + COLUMN_CHART.0 + COLUMN_CHART.1 + COLUMN_CHART.2
}

/// Horizontal bar chart: labels on the left, on at most two lines.
const BAR_LABEL: Style = Style::new(Face::Regular, 7.5, INK);
const BAR_LABEL_WIDTH: f32 = 62.0 * MM;

/// One bar of a chart.
struct Bar {
    label: String,
    /// Second line under a column (vertical chart only).
    detail: String,
    value: Decimal,
    /// Hatched instead of filled (an aggregate, « autres »).
    hatched: bool,
}

impl Flow<'_> {
    /// Draws a bar's body: filled or hatched, outlined.
    fn bar(&mut self, x: f32, top: f32, width: f32, height: f32, hatched: bool) {
        if width <= 0.0 || height <= 0.0 {
            return;
        }
        if hatched {
            self.fill(x, top, width, height, 1.0);
            self.hatch(x, top, width, height, 2.8);
        } else {
            self.fill(x, top, width, height, BAR);
        }
        self.frame(x, top, width, height, 0.6, INK);
    }

    /// The axis of a chart of `bars`: its maximum and its ticks, from 0.
    /// `None`, and a note instead of the chart, when there is nothing to
    /// draw.
    fn axis(&mut self, bars: &[Bar]) -> Option<(Decimal, Vec<Decimal>)> {
        let max = bars.iter().map(|b| b.value).max().unwrap_or_default();
        let Some((axis_max, step)) = nice_axis(max) else {
            self.note("Aucun montant à représenter.");
            return None;
        };
        let ticks = (0..=5)
            .map(|k| step * Decimal::from(k))
            .take_while(|t| *t <= axis_max)
            .collect();
        Some((axis_max, ticks))
    }

    /// Vertical columns, one per bar, the amount written above each.
    fn column_chart(&mut self, bars: &[Bar]) {
        let Some((axis_max, ticks)) = self.axis(bars) else {
            return;
        };
        let (above, plot_height, below) = COLUMN_CHART;
        self.ensure(column_chart_height());
        self.top += 2.0 * MM;
        let tick_width = ticks
            .iter()
            .map(|t| self.width(&self.clean(&tick_label(*t)), TINY))
            .fold(0.0, f32::max);
        let plot_left = LEFT + tick_width + 2.0 * MM;
        let plot_width = RIGHT - plot_left;
        let plot_top = self.top + above;
        let plot_bottom = plot_top + plot_height;
        for t in &ticks {
            let y = plot_bottom - plot_height * ratio(*t, axis_max);
            self.hrule(plot_left, RIGHT, y, 0.4, GRID);
            self.text_right(
                plot_left - 1.5 * MM,
                y - TINY.size * 0.6,
                TINY,
                tick_width,
                &tick_label(*t),
            );
        }
        #[allow(clippy::cast_precision_loss)]
        let pitch = plot_width / bars.len().max(1) as f32;
        let bar_width = (pitch * 0.6).min(16.0 * MM);
        let label_style = SMALL.bold().sized(7.5);
        let label_room = pitch - 1.5 * MM;
        // Amounts to the cent when they all fit above their column, else
        // to the euro (the table gives the cents).
        let exact = bars
            .iter()
            .all(|b| self.width(&self.clean(&montant(b.value)), label_style) <= label_room);
        let amount = |value: Decimal| {
            if exact {
                montant(value)
            } else {
                tick_label(value.round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero))
            }
        };
        for (i, b) in bars.iter().enumerate() {
            #[allow(clippy::cast_precision_loss)]
            let centre = plot_left + pitch * (i as f32 + 0.5);
            let height = plot_height * ratio(b.value, axis_max);
            let top = plot_bottom - height;
            self.bar(centre - bar_width / 2.0, top, bar_width, height, b.hatched);
            let value = self.clean(&amount(b.value));
            let (small, width) = self.shrunk(&value, label_style, label_room);
            let label_top = top - label_style.leading() - 0.3 * MM;
            // A white ground, so grid lines do not cross the amount.
            self.fill(
                centre - width / 2.0 - 0.6,
                label_top + label_style.size * 0.15,
                width + 1.2,
                label_style.size * 1.05,
                1.0,
            );
            let label_top = label_top + (label_style.size - small.size) * 0.95;
            self.put(centre - width / 2.0, label_top, small, value);
            self.text_centre(
                centre,
                plot_bottom + 1.2 * MM,
                SMALL.bold(),
                pitch - 1.0 * MM,
                &b.label,
            );
            self.text_centre(
                centre,
                plot_bottom + 1.2 * MM + SMALL.leading(),
                TINY,
                pitch - 1.0 * MM,
                &b.detail,
            );
        }
        self.hrule(plot_left, RIGHT, plot_bottom, 0.9, INK);
        self.top = plot_bottom + below;
        if !exact {
            self.note("Montants arrondis à l'euro au-dessus des colonnes ; montants exacts dans le tableau.");
        }
    }

    /// Label lines of a horizontal bar: at most two, the second cut with
    /// « … » if the label is longer.
    fn bar_label(&self, label: &str, style: Style, width: f32) -> Vec<String> {
        let mut lines = self.wrap(label, style, width);
        if lines.len() > 2 {
            let rest = lines[1..].join(" ");
            lines.truncate(1);
            lines.push(self.fit(&rest, style, width));
        }
        lines
    }

    /// Label lines and heights of the rows of a horizontal bar chart.
    fn bar_rows(&self, bars: &[Bar]) -> (Vec<Vec<String>>, Vec<f32>) {
        let labels: Vec<Vec<String>> = bars
            .iter()
            .map(|b| self.bar_label(&b.label, BAR_LABEL, BAR_LABEL_WIDTH))
            .collect();
        let rows = labels
            .iter()
            .map(|l| {
                #[allow(clippy::cast_precision_loss)]
                let text = l.len() as f32 * BAR_LABEL.leading();
                (text + 1.4 * MM).max(5.4 * MM)
            })
            .collect();
        (labels, rows)
    }

    /// Height of a horizontal bar chart, axis labels included.
    fn bar_chart_height(&self, bars: &[Bar]) -> f32 {
        let (_, rows) = self.bar_rows(bars);
        2.0 * MM + rows.iter().sum::<f32>() + TINY.leading() + 1.0 * MM
    }

    /// Horizontal bars, one per line, the amount written at the end of each.
    fn bar_chart(&mut self, bars: &[Bar]) {
        let Some((axis_max, ticks)) = self.axis(bars) else {
            return;
        };
        let bar_height = 3.6 * MM;
        let value_style = SMALL.sized(7.5);
        let value_width = bars
            .iter()
            .map(|b| self.width(&self.clean(&montant(b.value)), value_style))
            .fold(0.0, f32::max);
        let plot_left = LEFT + BAR_LABEL_WIDTH + 3.0 * MM;
        let plot_width = RIGHT - plot_left - value_width - 3.0 * MM;
        let (labels, rows) = self.bar_rows(bars);
        let plot_height: f32 = rows.iter().sum();
        let axis_labels = TINY.leading() + 1.0 * MM;
        self.ensure(self.bar_chart_height(bars));
        self.top += 2.0 * MM;
        let plot_top = self.top;
        let plot_bottom = plot_top + plot_height;
        for t in &ticks {
            let x = plot_left + plot_width * ratio(*t, axis_max);
            self.vrule(x, plot_top, plot_bottom, 0.4, GRID);
            self.text_centre(x, plot_bottom + 0.8 * MM, TINY, 20.0 * MM, &tick_label(*t));
        }
        let mut row_top = plot_top;
        for ((b, lines), row) in bars.iter().zip(&labels).zip(&rows) {
            let middle = row_top + row / 2.0;
            let bar_top = middle - bar_height / 2.0;
            let length = plot_width * ratio(b.value, axis_max);
            let style = if b.hatched {
                BAR_LABEL.muted()
            } else {
                BAR_LABEL
            };
            // Line boxes are `leading` high: centre the block on the bar.
            #[allow(clippy::cast_precision_loss)]
            let mut text_top = middle - lines.len() as f32 * style.leading() / 2.0 + 0.3;
            for line in lines {
                self.put(LEFT, text_top, style, line.clone());
                text_top += style.leading();
            }
            self.bar(plot_left, bar_top, length, bar_height, b.hatched);
            let value = self.clean(&montant(b.value));
            let value_x = plot_left + length + 1.5 * MM;
            let width = self.width(&value, value_style);
            // A white ground, so grid lines do not cross the amount.
            self.fill(value_x - 0.6, bar_top, width + 1.2, bar_height, 1.0);
            let value_top = middle - value_style.leading() / 2.0 + 0.3;
            self.put(value_x, value_top, value_style, value);
            row_top += row;
        }
        self.vrule(plot_left, plot_top, plot_bottom, 0.9, INK);
        self.top = plot_bottom + axis_labels;
    }
}

// ---------------------------------------------------------------------------
// The report

/// Items drawn one by one in the chart by item; the others are summed into
/// one hatched bar (unless only one would be).
const CHART_ITEMS: usize = 12;

/// Lays out the report of `summary`, issued by `emetteur`.
pub(super) fn layout(summary: &Summary, emetteur: &str, measure: &dyn Measure) -> Vec<Page> {
    let title = title(summary.exercice);
    let mut f = Flow::new(measure, title.clone());
    header(&mut f, summary, emetteur, &title);
    synthese(&mut f, summary);
    tranches(&mut f, summary);
    types(&mut f, summary);
    largest(&mut f, summary);
    articles(&mut f, summary);
    let footer = format!(
        "{} — rapport du lot, exercice {}, émis le {}",
        emetteur.trim(),
        summary.exercice,
        format_fr::date_courte(summary.date_emission)
    );
    f.finish(&footer)
}

fn header(f: &mut Flow<'_>, s: &Summary, emetteur: &str, title: &str) {
    let top = f.top;
    f.text(LEFT, top, BODY.bold().sized(10.0), emetteur);
    f.top += 10.0 * 1.25 + 2.0 * MM;
    for line in f.wrap(title, TITLE, CONTENT_WIDTH) {
        let top = f.top;
        f.put(LEFT, top, TITLE, line);
        f.top += TITLE.leading();
    }
    f.top += 1.0 * MM;
    f.hrule(LEFT, RIGHT, f.top, 1.2, INK);
    f.top += 2.5 * MM;

    let numeros = match (&s.premier_numero, &s.dernier_numero) {
        (Some(a), Some(b)) if a == b => a.clone(),
        (Some(a), Some(b)) => format!("de {a} à {b}"),
        _ => "aucun appel émis".into(),
    };
    let mut left = vec![
        ("Date d'émission", format_fr::date_longue(s.date_emission)),
        ("Date d'échéance", format_fr::date_longue(s.date_echeance)),
    ];
    let mut right = vec![
        ("Numéros", numeros),
        ("Seuil de recouvrement", montant(s.seuil_recouvrement)),
    ];
    // An entry of an exercice: the register's head it extends.
    if let Some(tete) = &s.registre_precedent {
        left.push((
            "Registre",
            if tete.is_empty() {
                "première entrée de l'exercice".into()
            } else {
                format!("prolonge la tête {tete}")
            },
        ));
        right.push(("", String::new()));
    }
    let label = SMALL.muted();
    let col2 = LEFT + 78.0 * MM;
    let value2 = col2 + 33.0 * MM;
    let top = f.top;
    for (i, ((l1, v1), (l2, v2))) in left.iter().zip(&right).enumerate() {
        #[allow(clippy::cast_precision_loss)]
        let t = top + i as f32 * BODY.leading();
        f.text(LEFT, t + 0.5, label, l1);
        f.text_fit(
            LEFT + 28.0 * MM,
            t,
            BODY.bold(),
            col2 - LEFT - 30.0 * MM,
            v1,
        );
        f.text(col2, t + 0.5, label, l2);
        f.text_fit(value2, t, BODY.bold(), RIGHT - value2, v2);
    }
    #[allow(clippy::cast_precision_loss)]
    let rows = left.len() as f32;
    f.top = top + rows * BODY.leading();
}

fn synthese(f: &mut Flow<'_>, s: &Summary) {
    let rows = synthese_rows(s);
    let gap = 8.0 * MM;
    let box_width = 64.0 * MM;
    let list_width = CONTENT_WIDTH - box_width - gap;
    let value_width = 22.0 * MM;
    let label_width = list_width - value_width;
    let row_height = BODY.leading() + 2.0 * ROW_PAD;
    let lines: Vec<Vec<String>> = rows
        .iter()
        .map(|(l, _, _)| f.wrap(l, BODY, label_width - PAD))
        .collect();
    #[allow(clippy::cast_precision_loss)]
    let height: f32 = lines
        .iter()
        .map(|l| (l.len().max(1) - 1) as f32 * BODY.leading() + row_height)
        .sum();
    f.heading("Synthèse", height);
    let top = f.top;

    // Counts, on the left.
    for (i, ((_, value, strong), label)) in rows.iter().zip(&lines).enumerate() {
        if i > 0 {
            f.hrule(LEFT, LEFT + list_width, f.top, 0.4, HAIRLINE);
        }
        let style = if *strong { BODY.bold() } else { BODY };
        for (j, line) in label.iter().enumerate() {
            #[allow(clippy::cast_precision_loss)]
            let t = f.top + ROW_PAD + j as f32 * BODY.leading();
            f.put(LEFT, t, style, line.clone());
        }
        let t = f.top + ROW_PAD;
        f.text_right(LEFT + list_width, t, style, value_width, value);
        #[allow(clippy::cast_precision_loss)]
        let extra = (label.len().max(1) - 1) as f32 * BODY.leading();
        f.top += row_height + extra;
    }
    let list_bottom = f.top;

    let t = totals_box(f, s, top, box_width, row_height);
    f.top = list_bottom.max(t);
}

/// The counts of the synthesis: label, value, in bold.
fn synthese_rows(s: &Summary) -> Vec<(String, String, bool)> {
    vec![
        ("Lignes du rôle lues".into(), count(s.lignes_lues), true),
        ("Appels émis".into(), count(s.appels_emis), true),
        (
            "Adhérents sans rien à facturer".into(),
            count(s.sans_appel.len()),
            false,
        ),
        (
            format!(
                "Adhérents sous le seuil de recouvrement ({})",
                montant(s.seuil_recouvrement)
            ),
            count(s.sous_seuil.len()),
            false,
        ),
        (
            "Montant laissé sous le seuil (non recouvré)".into(),
            montant(s.total_sous_seuil),
            false,
        ),
        (
            if s.rejetes > 0 {
                "Lignes écartées (voir rejects.csv)".into()
            } else {
                "Lignes écartées (--skip-invalid)".into()
            },
            count(s.rejetes),
            false,
        ),
        ("Lignes d'appel facturées".into(), count(s.lignes), false),
    ]
}

/// The grand totals, framed on the right of the synthesis from `top`: the
/// ledger's, to the cent. Returns the bottom of the frame and its note.
fn totals_box(f: &mut Flow<'_>, s: &Summary, top: f32, box_width: f32, row_height: f32) -> f32 {
    let x = RIGHT - box_width;
    let mut t = top;
    let big = BODY.bold().sized(11.0);
    f.text(
        x + PAD,
        t + ROW_PAD,
        HEAD.muted(),
        "Totaux du lot (journal comptable)",
    );
    t += HEAD.leading() + 2.0 * ROW_PAD;
    let totals = [("Total HT", s.total_ht, BODY), ("TVA", s.total_tva, BODY)];
    let box_top = t;
    for (label, amount, style) in totals {
        f.hrule(x, RIGHT, t, 0.4, HAIRLINE);
        f.text(x + PAD, t + ROW_PAD, style, label);
        f.text_right(
            RIGHT - PAD,
            t + ROW_PAD,
            style,
            box_width / 2.0,
            &montant(amount),
        );
        t += row_height;
    }
    let ttc_height = big.leading() + 2.0 * ROW_PAD + 1.0 * MM;
    f.fill(x, t, box_width, ttc_height, SHADE);
    f.hrule(x, RIGHT, t, 0.9, INK);
    let ttc_top = t + ROW_PAD + 0.5 * MM;
    f.text(x + PAD, ttc_top, big, "Total TTC");
    f.text_right(
        RIGHT - PAD,
        ttc_top,
        big,
        box_width * 0.62,
        &montant(s.total_ttc),
    );
    t += ttc_height;
    f.hrule(x, RIGHT, t, 0.9, INK);
    f.hrule(x, RIGHT, box_top, 0.9, INK);
    t += 1.5 * MM;
    let per = if s.appels_emis > 0 {
        s.total_ttc
            .checked_div(Decimal::from(s.appels_emis))
            .map_or_else(String::new, |m| {
                format!("Montant TTC moyen d'un appel : {}", montant(m))
            })
    } else {
        String::new()
    };
    if !per.is_empty() {
        f.text(x + PAD, t, TINY, &per);
        t += TINY.leading();
    }
    t
}

fn tranches(f: &mut Flow<'_>, s: &Summary) {
    let lines = s
        .par_tranche
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let next = s.par_tranche.get(i + 1);
            let mark = if t.tranche == s.tranche_non_affiliee {
                " *"
            } else {
                ""
            };
            Share {
                cells: vec![
                    format!("T{}{mark}", t.tranche),
                    range(t.population_min, next.map(|n| n.population_min)),
                    range(t.agents_min, next.map(|n| n.agents_min)),
                ],
                appels: t.appels,
                montant_ht: t.montant_ht,
            }
        })
        .collect();
    breakdown(
        f,
        "Répartition par tranche",
        &[
            Col::left("Tranche", 17.0 * MM),
            Col::left("Communes (habitants)", 0.0),
            Col::left("Établissements publics, budgets annexes (agents)", 0.0),
        ],
        lines,
    );
    if s.par_tranche
        .iter()
        .any(|t| t.tranche == s.tranche_non_affiliee)
    {
        f.note(&format!(
            "* Les collectivités non affiliées au Centre sont placées en tranche {}, quelle que soit leur taille. Montants hors taxes.",
            s.tranche_non_affiliee
        ));
    }

    let bars: Vec<Bar> = s
        .par_tranche
        .iter()
        .map(|t| Bar {
            label: format!("T{}", t.tranche),
            detail: plural(t.appels, "appel", "appels"),
            value: t.montant_ht,
            hatched: false,
        })
        .collect();
    f.heading("Montant HT par tranche", column_chart_height());
    f.column_chart(&bars);
}

fn types(f: &mut Flow<'_>, s: &Summary) {
    let lines = s
        .par_type
        .iter()
        .map(|t| Share {
            cells: vec![kind_label(&t.code, &t.libelle)],
            appels: t.appels,
            montant_ht: t.montant_ht,
        })
        .collect();
    breakdown(
        f,
        "Répartition par type d'adhérent",
        &[Col::left("Type d'adhérent", 0.0)],
        lines,
    );
}

/// One line of a breakdown: its leading cells, its number of appels and
/// its amount HT.
struct Share {
    cells: Vec<String>,
    appels: usize,
    montant_ht: Decimal,
}

/// Draws a table of how the amount HT of the batch breaks down: the `lead`
/// columns, then the number of appels, the amount HT and its share of the
/// total, a row per line and a total row.
fn breakdown(f: &mut Flow<'_>, heading: &str, lead: &[Col<'_>], lines: Vec<Share>) {
    let total_ht: Decimal = lines.iter().map(|l| l.montant_ht).sum();
    let total_appels: usize = lines.iter().map(|l| l.appels).sum();
    let cols: Vec<Col<'_>> = lead
        .iter()
        .copied()
        .chain([APPELS, TOTAL_HT, PART])
        .collect();
    let mut rows: Vec<Row> = lines
        .into_iter()
        .map(|l| {
            let mut cells = l.cells;
            cells.extend([
                count(l.appels),
                montant(l.montant_ht),
                part(l.montant_ht, total_ht),
            ]);
            Row::new(cells)
        })
        .collect();
    // « Total » in the first column, the other leading ones left empty.
    let mut total = vec![String::new(); lead.len()];
    if let Some(first) = total.first_mut() {
        *first = "Total".into();
    }
    total.extend([
        count(total_appels),
        montant(total_ht),
        part(total_ht, total_ht),
    ]);
    rows.push(Row::total(total));
    f.table(heading, &cols, &rows);
}

fn largest(f: &mut Flow<'_>, s: &Summary) {
    let n = s.plus_gros_appels.len();
    let heading = match n {
        0 | 1 => "L'appel le plus élevé".to_string(),
        10 => "Les dix appels les plus élevés".to_string(),
        n => format!("Les {n} appels les plus élevés"),
    };
    if n == 0 {
        f.heading(&heading, BODY.leading());
        f.note("Aucun appel émis.");
        return;
    }
    let cols = [
        Col::right("N°", 10.0 * MM),
        Col::left("Numéro", 30.0 * MM),
        Col::left("Adhérent", 0.0),
        Col::left("Tranche", 17.0 * MM),
        Col::right("Total TTC", 32.0 * MM),
    ];
    let rows: Vec<Row> = s
        .plus_gros_appels
        .iter()
        .enumerate()
        .map(|(i, a)| {
            Row::new(vec![
                format!("{}", i + 1),
                a.numero.clone(),
                format!("{} ({})", a.membre_nom, a.membre_id),
                format!("T{}", a.tranche),
                montant(a.montant_ttc),
            ])
        })
        .collect();
    f.table(&heading, &cols, &rows);
}

fn articles(f: &mut Flow<'_>, s: &Summary) {
    // The chart: the largest items, then the others summed.
    let mut sorted: Vec<&crate::summary::ItemTotal> = s.par_article.iter().collect();
    // Stable: equal amounts keep the grid order.
    sorted.sort_by_key(|t| std::cmp::Reverse(t.montant_ht));
    let shown = if sorted.len() <= CHART_ITEMS + 1 {
        sorted.len()
    } else {
        CHART_ITEMS
    };
    let mut bars: Vec<Bar> = sorted[..shown]
        .iter()
        .map(|t| Bar {
            label: t.libelle.clone(),
            detail: String::new(),
            value: t.montant_ht,
            hatched: false,
        })
        .collect();
    let rest = &sorted[shown..];
    if !rest.is_empty() {
        bars.push(Bar {
            label: format!("Autres articles ({})", rest.len()),
            detail: String::new(),
            value: rest.iter().map(|t| t.montant_ht).sum(),
            hatched: true,
        });
    }
    let chart_height = f.bar_chart_height(&bars);
    f.heading("Montant HT par article", chart_height);
    f.bar_chart(&bars);
    if !rest.is_empty() {
        f.note(&format!(
            "Les {} articles les plus facturés ; la barre hachurée regroupe les {} autres (détail dans le tableau ci-dessous).",
            shown,
            rest.len()
        ));
    }

    // The table, in grid order.
    let cols = [
        Col::left("Article", 0.0),
        APPELS,
        Col::right("Quantité", 20.0 * MM),
        TOTAL_HT,
        PART,
    ];
    let total_ht: Decimal = s.par_article.iter().map(|t| t.montant_ht).sum();
    let mut rows: Vec<Row> = s
        .par_article
        .iter()
        .map(|t| {
            Row::new(vec![
                t.libelle.clone(),
                count(t.appels),
                format_fr::quantite(t.quantite),
                montant(t.montant_ht),
                part(t.montant_ht, total_ht),
            ])
        })
        .collect();
    // No total of the « Appels » column: an appel has several items.
    rows.push(Row::total(vec![
        "Total".into(),
        String::new(),
        String::new(),
        montant(total_ht),
        part(total_ht, total_ht),
    ]));
    f.table("Répartition par article", &cols, &rows);
    f.note(&format!(
        "Appels : nombre d'appels comportant l'article (un appel en comporte en général plusieurs). Total HT du lot : {}.",
        montant(s.total_ht)
    ));
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn axes_have_round_steps() {
        assert_eq!(nice_axis(d("156247.66")), Some((d("200000"), d("50000"))));
        assert_eq!(nice_axis(d("100000")), Some((d("100000"), d("20000"))));
        assert_eq!(nice_axis(d("7")), Some((d("8"), d("2"))));
        assert_eq!(nice_axis(d("0.5")), Some((d("0.5"), d("0.1"))));
        assert_eq!(nice_axis(Decimal::ZERO), None);
    }

    #[test]
    fn shares_have_one_decimal() {
        assert_eq!(part(d("1"), d("3")), "33,3\u{a0}%");
        assert_eq!(part(d("2"), d("2")), "100,0\u{a0}%");
        assert_eq!(part(d("1"), Decimal::ZERO), "—");
    }

    #[test]
    fn tier_ranges_read_like_the_annex() {
        assert_eq!(range(0, Some(250)), "moins de 250");
        assert_eq!(range(250, Some(500)), "250 à 499");
        assert_eq!(range(10_000, None), "10\u{a0}000 et plus");
        assert_eq!(range(8, Some(9)), "8");
    }
}
