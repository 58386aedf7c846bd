//! Letters on paper (SPEC.md §13): a [`Letter`] model built from the data
//! and the rendered template, printed either as plain text
//! ([`Letter::to_text`]) or as a PDF for a window envelope ([`render_pdf`]).
//!
//! Both come from the same blocks, so the PDF and the text carry the same
//! words. How a rendered body becomes blocks is [`parse_body`];
//! docs/letters.md explains it and the page geometry.

mod pdf;

use chrono::NaiveDate;

pub use pdf::render_pdf;

/// The mark before a list item, on paper and in the text letter.
pub const BULLET: &str = "–";

/// The sheet a letter is printed on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Paper {
    #[default]
    A4,
    /// US Letter, 8.5 × 11 in.
    Letter,
}

impl Paper {
    pub fn parse(text: &str) -> Result<Paper, String> {
        match text.trim().to_ascii_lowercase().as_str() {
            "a4" => Ok(Paper::A4),
            "letter" => Ok(Paper::Letter),
            _ => Err(format!(
                "paper = \"{text}\" is not a paper size dun knows; use \"a4\" or \"letter\""
            )),
        }
    }
}

/// What the PDF's document information says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Meta {
    pub title: String,
    pub author: String,
    pub subject: String,
    /// The letter's language (BCP 47 tag, "sv").
    pub language: String,
    /// *today*: the same input on the same day gives the same bytes.
    pub created: NaiveDate,
}

/// One letter, laid out by [`Letter::to_text`] and [`render_pdf`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Letter {
    /// The sender's name: the letterhead.
    pub sender_name: String,
    /// The sender's block beside the address: address lines, company
    /// numbers, e-mail.
    pub sender_lines: Vec<String>,
    /// The sender in one line, printed small above the recipient's address
    /// so that it shows in the window (the return address).
    pub return_line: String,
    /// The recipient's name and postal address, one line each, and its
    /// company number under the address where it has one.
    pub recipient: Vec<String>,
    /// The date line.
    pub date_line: String,
    /// The subject, printed bold.
    pub subject: String,
    pub body: Vec<Group>,
    /// The page label with `{page}` and `{pages}` in it ("page {page} of
    /// {pages}"), printed at the foot of every page of a letter of more
    /// than one page.
    pub page_label: String,
    /// Printed at the head of every page from the second on, followed by
    /// the page label.
    pub continuation: String,
    pub meta: Meta,
}

/// Blocks separated from the next group by a blank line.
pub type Group = Vec<Block>;

/// A piece of the body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    /// Running text, wrapped to the measure.
    Paragraph(String),
    /// A list item ("- text"): the text wraps under itself, not under the dash.
    Item { indent: usize, text: String },
    /// Rows laid out in columns.
    Table(Vec<Row>),
    /// Lines kept as they were written (the closing and the signature).
    Lines(Vec<String>),
}

/// A table row: its indentation level and its cells.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub indent: usize,
    pub cells: Vec<String>,
}

/// Splits a rendered body into blocks.
///
/// - Blank lines separate groups.
/// - A line that is indented, or that has a run of two or more spaces
///   inside it, is a table row; the runs separate its cells.
/// - A line starting with `- ` (after any indentation) starts a list item;
///   indented lines after it without a run of spaces continue it.
/// - Other lines are running text: consecutive ones form one paragraph,
///   wrapped anew, so a line break written in the template does not survive.
/// - The last group (the closing and the signature) keeps its lines.
pub fn parse_body(body: &str) -> Vec<Group> {
    let mut groups: Vec<Vec<&str>> = Vec::new();
    let mut current = Vec::new();
    for line in body.lines() {
        let line = line.trim_end();
        if line.trim().is_empty() {
            if !current.is_empty() {
                groups.push(std::mem::take(&mut current));
            }
        } else {
            current.push(line);
        }
    }
    if !current.is_empty() {
        groups.push(current);
    }
    let last = groups.len().saturating_sub(1);
    groups
        .into_iter()
        .enumerate()
        .map(|(i, lines)| {
            if i == last && i > 0 {
                vec![Block::Lines(lines.iter().map(|l| l.trim().to_string()).collect())]
            } else {
                parse_group(&lines)
            }
        })
        .collect()
}

fn leading_spaces(line: &str) -> usize {
    line.chars().take_while(|c| *c == ' ' || *c == '\t').count()
}

fn cells(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cell = String::new();
    let mut spaces = 0;
    for c in text.trim().chars() {
        if c == ' ' || c == '\t' {
            spaces += if c == '\t' { 2 } else { 1 };
            continue;
        }
        if spaces >= 2 {
            out.push(std::mem::take(&mut cell));
        } else if spaces == 1 {
            cell.push(' ');
        }
        spaces = 0;
        cell.push(c);
    }
    if !cell.is_empty() {
        out.push(cell);
    }
    out
}

fn parse_group(lines: &[&str]) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut para: Vec<&str> = Vec::new();
    let mut rows: Vec<Row> = Vec::new();
    let mut item: Option<(usize, usize, String)> = None; // (level, columns, text)
    fn flush_para(para: &mut Vec<&str>, blocks: &mut Vec<Block>) {
        if !para.is_empty() {
            let text = para.iter().map(|l| l.trim()).collect::<Vec<_>>().join(" ");
            blocks.push(Block::Paragraph(text));
            para.clear();
        }
    }
    fn flush_rows(rows: &mut Vec<Row>, blocks: &mut Vec<Block>) {
        if !rows.is_empty() {
            blocks.push(Block::Table(std::mem::take(rows)));
        }
    }
    fn flush_item(item: &mut Option<(usize, usize, String)>, blocks: &mut Vec<Block>) {
        if let Some((indent, _, text)) = item.take() {
            blocks.push(Block::Item { indent, text });
        }
    }
    for line in lines {
        let lead = leading_spaces(line);
        let trimmed = line.trim();
        let gap = trimmed.contains("  ") || trimmed.contains('\t');
        if let Some(rest) = trimmed.strip_prefix("- ") {
            flush_para(&mut para, &mut blocks);
            flush_rows(&mut rows, &mut blocks);
            flush_item(&mut item, &mut blocks);
            item = Some((lead / 2, lead, rest.trim().to_string()));
            continue;
        }
        if let Some((_, columns, text)) = item.as_mut()
            && lead > *columns
            && !gap
        {
            text.push(' ');
            text.push_str(trimmed);
            continue;
        }
        flush_item(&mut item, &mut blocks);
        if lead > 0 || gap {
            flush_para(&mut para, &mut blocks);
            rows.push(Row {
                indent: lead / 2,
                cells: cells(trimmed),
            });
        } else {
            flush_rows(&mut rows, &mut blocks);
            para.push(trimmed);
        }
    }
    flush_para(&mut para, &mut blocks);
    flush_rows(&mut rows, &mut blocks);
    flush_item(&mut item, &mut blocks);
    blocks
}

/// Breaks `text` into lines no wider than `width` as `measure` counts, at
/// spaces (no hyphenation). A word wider than the line stands alone on it.
pub fn wrap(text: &str, width: f32, measure: impl Fn(&str) -> f32) -> Vec<String> {
    // (A line measured to exactly `width` fits: the sums of advances are
    // floats, so a hair of tolerance.)
    let space = measure(" ");
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut line_width = 0.0;
    // Only ASCII white space breaks: a no-break space (in "1 200,00 kr") holds.
    for word in text.split_ascii_whitespace() {
        let w = measure(word);
        if line.is_empty() {
            line.push_str(word);
            line_width = w;
        } else if line_width + space + w <= width + width * 1e-4 {
            line.push(' ');
            line.push_str(word);
            line_width += space + w;
        } else {
            lines.push(std::mem::take(&mut line));
            line.push_str(word);
            line_width = w;
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// Whether a table's last column holds figures (amounts, dates): then it is
/// right-aligned.
fn figures(rows: &[Row]) -> bool {
    let mut any = false;
    for r in rows.iter().filter(|r| r.cells.len() >= 2) {
        let last = r.cells.last().map_or("", String::as_str);
        if !last.chars().any(|c| c.is_ascii_digit()) {
            return false;
        }
        any = true;
    }
    any
}

/// Where the cells of a table go, in the units of `measure`, from the left
/// edge of the text. `None` when the table cannot fit: its rows are then
/// printed as wrapped text.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct TableLayout {
    /// The start and width of each column but the last (by cell position).
    pub columns: Vec<(f32, f32)>,
    /// The start of the last column when it is left-aligned.
    pub last_left: f32,
    /// The right edge of the last column when it is right-aligned.
    pub right_edge: Option<f32>,
    /// The width of one level of indentation.
    pub indent: f32,
    pub width: f32,
}

pub(crate) fn table_layout(
    rows: &[Row],
    width: f32,
    indent: f32,
    gap: f32,
    measure: &impl Fn(&str) -> f32,
) -> Option<TableLayout> {
    let ncols = rows.iter().map(|r| r.cells.len()).max().unwrap_or(0);
    // Widths of every column but each row's last cell; a row of one cell
    // wraps on its own and takes no column.
    let mut widths = vec![0.0f32; ncols.saturating_sub(1)];
    let mut last_width: f32 = 0.0;
    for r in rows.iter().filter(|r| r.cells.len() >= 2) {
        let n = r.cells.len();
        for (i, c) in r.cells.iter().enumerate() {
            let mut w = measure(c);
            if i == 0 {
                w += r.indent as f32 * indent;
            }
            if i + 1 == n {
                last_width = last_width.max(w);
            } else {
                widths[i] = widths[i].max(w);
            }
        }
    }
    let total = |widths: &[f32]| widths.iter().map(|w| w + gap).sum::<f32>() + last_width;
    if total(&widths) > width && !widths.is_empty() {
        // The first column (the labels) wraps to make room.
        let others = total(&widths[1..]) + gap;
        widths[0] = width - others;
        if widths[0] < width * 0.3 {
            return None;
        }
    }
    let mut columns = Vec::new();
    let mut x = 0.0;
    for w in &widths {
        columns.push((x, *w));
        x += w + gap;
    }
    Some(TableLayout {
        columns,
        last_left: x,
        right_edge: figures(rows).then_some((x + last_width).min(width)),
        indent,
        width,
    })
}

/// The lines of one table row, each a list of (x, text) pieces. A cell too
/// wide for its column wraps within it; the last cell goes on the row's
/// last line, beside the end of its label.
pub(crate) fn row_lines(
    row: &Row,
    layout: &TableLayout,
    measure: &impl Fn(&str) -> f32,
) -> Vec<Vec<(f32, String)>> {
    let lead = row.indent as f32 * layout.indent;
    let n = row.cells.len();
    if n <= 1 {
        let text = row.cells.first().map_or("", String::as_str);
        return wrap(text, layout.width - lead, measure)
            .into_iter()
            .map(|l| vec![(lead, l)])
            .collect();
    }
    let mut lines: Vec<Vec<(f32, String)>> = Vec::new();
    for (i, c) in row.cells[..n - 1].iter().enumerate() {
        let (x, w) = layout.columns[i];
        let (x, w) = if i == 0 { (lead, w - lead) } else { (x, w) };
        for (k, l) in wrap(c, w, measure).into_iter().enumerate() {
            if lines.len() <= k {
                lines.push(Vec::new());
            }
            lines[k].push((x, l));
        }
    }
    let last = &row.cells[n - 1];
    let x = match layout.right_edge {
        Some(edge) => edge - measure(last),
        None => layout.last_left,
    };
    match lines.last_mut() {
        Some(l) => l.push((x, last.clone())),
        None => lines.push(vec![(x, last.clone())]),
    }
    lines
}

impl Letter {
    /// The letter as plain text: the sender's block, the recipient's
    /// address, the date, the subject and the body, paragraphs wrapped at
    /// `columns` and tables aligned with spaces.
    pub fn to_text(&self, columns: usize) -> String {
        let mut out = String::new();
        out.push_str(&self.sender_name);
        out.push('\n');
        for l in &self.sender_lines {
            out.push_str(l);
            out.push('\n');
        }
        out.push('\n');
        for l in &self.recipient {
            out.push_str(l);
            out.push('\n');
        }
        out.push('\n');
        out.push_str(&self.date_line);
        out.push_str("\n\n");
        out.push_str(&self.subject);
        out.push_str("\n\n");
        let measure = |s: &str| s.chars().count() as f32;
        let width = columns as f32;
        for (gi, group) in self.body.iter().enumerate() {
            if gi > 0 {
                out.push('\n');
            }
            for block in group {
                for line in text_lines(block, width, &measure) {
                    out.push_str(line.trim_end());
                    out.push('\n');
                }
            }
        }
        out
    }
}

fn pad_to(line: &mut String, x: usize) {
    let len = line.chars().count();
    if len < x {
        line.extend(std::iter::repeat_n(' ', x - len));
    } else if !line.is_empty() && !line.ends_with(' ') {
        line.push(' ');
    }
}

fn text_lines(block: &Block, width: f32, measure: &impl Fn(&str) -> f32) -> Vec<String> {
    match block {
        Block::Paragraph(t) => wrap(t, width, measure),
        Block::Lines(ls) => ls.clone(),
        Block::Item { indent, text } => {
            let lead = " ".repeat(indent * 2);
            wrap(text, width - 2.0 - lead.len() as f32, measure)
                .into_iter()
                .enumerate()
                .map(|(i, l)| format!("{lead}{}{l}", if i == 0 { "– " } else { "  " }))
                .collect()
        }
        Block::Table(rows) => {
            let mut lines = Vec::new();
            match table_layout(rows, width, 2.0, 2.0, measure) {
                Some(layout) => {
                    for r in rows {
                        for pieces in row_lines(r, &layout, measure) {
                            let mut line = String::new();
                            for (x, text) in pieces {
                                pad_to(&mut line, x as usize);
                                line.push_str(&text);
                            }
                            lines.push(line);
                        }
                    }
                }
                None => {
                    for r in rows {
                        let lead = " ".repeat(r.indent * 2);
                        for l in wrap(&r.cells.join(" "), width - lead.len() as f32, measure) {
                            lines.push(format!("{lead}{l}"));
                        }
                    }
                }
            }
            lines
        }
    }
}

/// "page 1 of 2" in the letter's language, with `{page}` and `{pages}`.
pub fn page_label(lang: &str) -> &'static str {
    match lang {
        "sv" => "sida {page} av {pages}",
        "tr" => "sayfa {page} / {pages}",
        "ru" => "страница {page} из {pages}",
        "ro" => "pagina {page} din {pages}",
        _ => "page {page} of {pages}",
    }
}

/// The page label with its numbers filled in.
pub fn page_text(label: &str, page: usize, pages: usize) -> String {
    label
        .replace("{page}", &page.to_string())
        .replace("{pages}", &pages.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paragraphs_join_tables_split_and_the_closing_keeps_its_lines() {
        let body = "Dear Jane,\n\nThe invoice below\nhas not been paid.\nInvoice 2026-014\n  Invoice date:  1 November 2026\n  Amount due:  1,200.00 EUR\n\n- Interest is simple\n  interest at 8%.\n- No fee.\n\nYours sincerely,\nFia Freelance\n";
        let groups = parse_body(body);
        assert_eq!(groups.len(), 4);
        assert_eq!(groups[0], vec![Block::Paragraph("Dear Jane,".into())]);
        assert_eq!(
            groups[1],
            vec![
                Block::Paragraph("The invoice below has not been paid. Invoice 2026-014".into()),
                Block::Table(vec![
                    Row {
                        indent: 1,
                        cells: vec!["Invoice date:".into(), "1 November 2026".into()]
                    },
                    Row {
                        indent: 1,
                        cells: vec!["Amount due:".into(), "1,200.00 EUR".into()]
                    },
                ]),
            ]
        );
        assert_eq!(
            groups[2],
            vec![
                Block::Item {
                    indent: 0,
                    text: "Interest is simple interest at 8%.".into()
                },
                Block::Item {
                    indent: 0,
                    text: "No fee.".into()
                },
            ]
        );
        assert_eq!(
            groups[3],
            vec![Block::Lines(vec![
                "Yours sincerely,".into(),
                "Fia Freelance".into()
            ])]
        );
    }

    #[test]
    fn wrap_fills_lines_to_the_width_and_never_splits_a_word() {
        let m = |s: &str| s.chars().count() as f32;
        let lines = wrap("aaa bbb ccc dddddddddddd e", 7.0, m);
        assert_eq!(lines, ["aaa bbb", "ccc", "dddddddddddd", "e"]);
        assert!(wrap("   ", 7.0, m).is_empty());
    }

    #[test]
    fn figures_are_right_aligned_in_the_text_letter() {
        let block = Block::Table(vec![
            Row {
                indent: 1,
                cells: vec!["Invoice amount:".into(), "1,200.00 EUR".into()],
            },
            Row {
                indent: 1,
                cells: vec!["Paid:".into(), "200.00 EUR".into()],
            },
        ]);
        let m = |s: &str| s.chars().count() as f32;
        let lines = text_lines(&block, 72.0, &m);
        assert_eq!(lines[0], "  Invoice amount:  1,200.00 EUR");
        assert_eq!(lines[1], "  Paid:              200.00 EUR");
        // Too wide: the label wraps, the amount stays in its column.
        let lines = text_lines(&block, 26.0, &m);
        assert_eq!(
            lines,
            [
                "  Invoice",
                "  amount:     1,200.00 EUR",
                "  Paid:         200.00 EUR"
            ]
        );
    }
}
