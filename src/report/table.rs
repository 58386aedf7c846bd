//! Tables for a person, sized to the terminal (SPEC.md §4 Output).
//!
//! This module owns how a table looks; it reads nothing itself. The width
//! comes in a [`Screen`] that `Context` resolved once (`COLUMNS`, the
//! terminal's size, `--wide`, or no limit when stdout is not a terminal).
//!
//! # Printing a list (the API for every command that prints rows)
//!
//! 1. Give the row type its columns and its cells for a person:
//!
//!    ```ignore
//!    impl TableRow for StatementRow {
//!        const COLUMNS: &'static [Column] = &[
//!            Column::text("invoice", 0),              // rank 0: kept longest
//!            Column::text("client", 1).cut(12),       // may be cut to 12 with …
//!            Column::number("balance", 0),            // right-aligned
//!            Column::text("note", 5).cut(10).optional(), // gone when every cell is empty
//!        ];
//!        fn cells(&self) -> Vec<String> { vec![...] }  // one per column, "\n" for more lines
//!    }
//!    ```
//!
//!    The row type stays `Serialize` for CSV and JSON, which always carry
//!    every field as it is; the cells are what a person reads (money with
//!    thousands separators, blanks instead of a meaningless 0).
//! 2. `let mut list = List::new(&mut out, ctx.format, ctx.screen());`, then
//!    `list.row(&row)?` for each row (CSV and JSON stream through
//!    [`super::Renderer`]; a table is laid out at the end), `list.total(cells)`
//!    for the total rows under it (tables only), `list.finish(HEADERS)?`.
//!
//! A table that is not a list of one row type (a statement's parts, an
//! agenda's sections) builds a [`Table`] directly and calls [`Table::render`].
//! A caller that holds many rows in a form of its own (the agenda's packed
//! rows) gives them as [`Rows`] to [`Table::plan_rows`] and
//! [`Table::write_rows_to`], which read each row's cells when they need
//! them instead of a copy of all of them.
//!
//! # How a table is fitted
//!
//! When the columns at their natural width do not fit, long cells of the
//! columns that may be cut are cut (the widest first, never below their
//! `cut` width) and headers wrap at spaces; when that is not enough, the
//! columns with the highest rank are left out, one at a time, and a line
//! under the table names them. With no width (`--wide`, or stdout not a
//! terminal) nothing is cut or left out.

use std::borrow::Cow;
use std::io::Write;

use anyhow::Result;
use serde::Serialize;
use tabled::grid::IterGrid;
use tabled::grid::colors::NoColors;
use tabled::grid::config::{AlignmentHorizontal, Entity, Indent, Sides, SpannedConfig};
use tabled::grid::dimension::Dimension;
use tabled::grid::records::IterRecords;
use tabled::grid::util::string::{get_char_width, get_line_width};

use super::Renderer;
use crate::cli::Format;

/// Spaces between two columns.
const GAP: usize = 2;

/// Rows laid out by tabled at a time (see `Table::write_to`).
const CHUNK: usize = 512;

/// Where a table is shown: how wide it may be and whether its header is bold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Screen {
    /// The widest a line may be; `None`: no limit (not a terminal, `--wide`).
    pub width: Option<usize>,
    /// Bold headers (a colour terminal).
    pub bold: bool,
}

impl Screen {
    /// No limit, no colour: what a pipe or a file gets.
    pub const PLAIN: Screen = Screen {
        width: None,
        bold: false,
    };

    pub fn new(width: Option<usize>, bold: bool) -> Screen {
        Screen { width, bold }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Left,
    Right,
}

/// One column of a table: its header and how it gives way on a narrow screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    pub header: &'static str,
    /// How much it matters: 0 is kept longest; on a narrow screen the
    /// columns with the highest rank are left out first.
    pub rank: u8,
    pub align: Align,
    /// The narrowest its cells may be cut to (with `…`); `None`: never cut.
    pub cut_to: Option<usize>,
    /// Left out without a word when every cell is empty.
    pub optional: bool,
}

impl Column {
    /// A left-aligned column.
    pub const fn text(header: &'static str, rank: u8) -> Column {
        Column {
            header,
            rank,
            align: Align::Left,
            cut_to: None,
            optional: false,
        }
    }

    /// A right-aligned column (amounts, counts, days).
    pub const fn number(header: &'static str, rank: u8) -> Column {
        Column {
            align: Align::Right,
            ..Column::text(header, rank)
        }
    }

    /// Long cells may be cut down to `width` characters, the last one `…`.
    pub const fn cut(self, width: usize) -> Column {
        Column {
            cut_to: Some(width),
            ..self
        }
    }

    /// The column is dropped silently when none of its cells says anything.
    pub const fn optional(self) -> Column {
        Column {
            optional: true,
            ..self
        }
    }
}

/// A row type that can be shown as a table row.
pub trait TableRow {
    const COLUMNS: &'static [Column];
    /// One cell per column, as a person reads it; `\n` starts another line
    /// (the lines of a cell are aligned as one block: pad them yourself to
    /// align them differently).
    fn cells(&self) -> Vec<String>;
}

/// Rows a table lays out without holding them as cells: read once to plan
/// the widths and again, a chunk at a time, to write them. For a caller that
/// keeps many rows packed (the agenda at 1,000,000 invoices: 207,000 rows,
/// SPEC.md §8), see [`Table::plan_rows`] and [`Table::write_rows_to`].
pub trait Rows {
    fn len(&self) -> usize;
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Row `i`: one cell per column, and the line under it (see
    /// [`Table::push_with_note`]).
    fn row(&self, i: usize) -> (Vec<Cow<'_, str>>, Option<Cow<'_, str>>);
}

/// A table's own rows, as [`Rows`].
struct Held<'t>(&'t Table);

impl Rows for Held<'_> {
    fn len(&self) -> usize {
        self.0.rows.len()
    }

    fn row(&self, i: usize) -> (Vec<Cow<'_, str>>, Option<Cow<'_, str>>) {
        let cells = self.0.rows[i].iter().map(|c| Cow::Borrowed(c.as_str())).collect();
        (cells, self.0.notes[i].as_deref().map(Cow::Borrowed))
    }
}

/// Rows (and total rows) to lay out for a screen.
#[derive(Debug, Clone)]
pub struct Table {
    columns: Vec<Column>,
    rows: Vec<Vec<String>>,
    /// A line under a row, across the columns after the first (`↳ …`).
    notes: Vec<Option<String>>,
    totals: Vec<Vec<String>>,
    /// Whether `render` ends with the line naming the columns left out.
    say_left_out: bool,
}

/// Which columns are shown and how wide, for one screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// Indexes of the columns shown, in order.
    pub shown: Vec<usize>,
    /// The width of each shown column.
    pub widths: Vec<usize>,
    /// Headers of the columns left out for lack of room.
    pub left_out: Vec<&'static str>,
}

impl Table {
    pub fn new(columns: &[Column]) -> Table {
        Table {
            columns: columns.to_vec(),
            rows: Vec::new(),
            notes: Vec::new(),
            totals: Vec::new(),
            say_left_out: true,
        }
    }

    /// A table for rows of one type.
    pub fn of<R: TableRow>() -> Table {
        Table::new(R::COLUMNS)
    }

    pub fn push(&mut self, cells: Vec<String>) {
        self.push_with_note(cells, None);
    }

    /// A row with a line of its own under it, shown whole as far as the
    /// screen allows: for a remark that matters more than a column's room.
    pub fn push_with_note(&mut self, cells: Vec<String>, note: Option<String>) {
        debug_assert_eq!(cells.len(), self.columns.len(), "one cell per column");
        self.rows.push(cells);
        self.notes.push(note.filter(|n| !n.trim().is_empty()));
    }

    pub fn push_row<R: TableRow>(&mut self, row: &R) {
        self.push(row.cells());
    }

    /// A total row, shown under a rule after the rows.
    pub fn push_total(&mut self, cells: Vec<String>) {
        debug_assert_eq!(cells.len(), self.columns.len(), "one cell per column");
        self.totals.push(cells);
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// `render` leaves the line naming the columns left out to the caller
    /// (who shows several tables and says it once, see [`left_out_line`]).
    pub fn without_left_out_line(mut self) -> Table {
        self.say_left_out = false;
        self
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Removes the column with this header (e.g. fees when fees are off).
    pub fn drop_column(&mut self, header: &str) {
        if let Some(i) = self.columns.iter().position(|c| c.header == header) {
            self.columns.remove(i);
            for r in self.rows.iter_mut().chain(self.totals.iter_mut()) {
                r.remove(i);
            }
        }
    }

    /// Calls `each` with (column, cell) for every cell of every row, then of
    /// every total row.
    fn each_cell(&self, rows: &dyn Rows, each: &mut dyn FnMut(usize, &str)) {
        for i in 0..rows.len() {
            let (row, _) = rows.row(i);
            for (col, c) in row.iter().enumerate() {
                each(col, c);
            }
        }
        for t in &self.totals {
            for (col, c) in t.iter().enumerate() {
                each(col, c);
            }
        }
    }

    /// Decides which columns to show and how wide, for `width`.
    pub fn plan(&self, width: Option<usize>) -> Plan {
        self.plan_rows(&Held(self), width)
    }

    /// [`Table::plan`] for rows given as [`Rows`] (the table's own are not read).
    pub fn plan_rows(&self, rows: &dyn Rows, width: Option<usize>) -> Plan {
        let n = self.columns.len();
        let mut cells_width = vec![0; n];
        let mut empty = vec![true; n];
        self.each_cell(rows, &mut |i, c| {
            cells_width[i] = cells_width[i].max(text_width(c));
            empty[i] &= c.trim().is_empty();
        });
        let silent: Vec<bool> = (0..n).map(|i| self.columns[i].optional && empty[i]).collect();
        let natural: Vec<usize> = (0..n)
            .map(|i| cells_width[i].max(get_line_width(self.columns[i].header)))
            .collect();
        let min: Vec<usize> = (0..n)
            .map(|i| {
                let c = &self.columns[i];
                let word = c.header.split(' ').map(get_line_width).max().unwrap_or(0);
                let cells = match c.cut_to {
                    Some(to) => cells_width[i].min(to.max(1)),
                    None => cells_width[i],
                };
                cells.max(word)
            })
            .collect();
        let mut shown: Vec<usize> = (0..n).filter(|&i| !silent[i]).collect();
        let mut left_out = Vec::new();
        let Some(width) = width else {
            let widths = shown.iter().map(|&i| natural[i]).collect();
            return Plan {
                shown,
                widths,
                left_out,
            };
        };
        let total = |cols: &[usize], w: &dyn Fn(usize) -> usize| {
            cols.iter().map(|&i| w(i)).sum::<usize>() + GAP * cols.len().saturating_sub(1)
        };
        while shown.len() > 1 && total(&shown, &|i| min[i]) > width {
            // The least important column goes; of equals, the rightmost.
            let (pos, _) = shown
                .iter()
                .enumerate()
                .max_by_key(|&(pos, &i)| (self.columns[i].rank, pos))
                .expect("at least two columns");
            left_out.push(self.columns[shown[pos]].header);
            shown.remove(pos);
        }
        left_out.sort_by_key(|h| self.columns.iter().position(|c| c.header == *h));
        let mut widths: Vec<usize> = shown.iter().map(|&i| natural[i]).collect();
        let mut over = total(&shown, &|i| natural[i]).saturating_sub(width);
        // A header wider than its cells wraps at its spaces before any cell is cut.
        let mut wraps: Vec<(usize, usize)> = shown
            .iter()
            .enumerate()
            .map(|(p, &i)| {
                let header = self.columns[i].header;
                let wrapped = text_width(&wrap_words(header, cells_width[i])).max(cells_width[i]);
                (p, wrapped)
            })
            .filter(|&(p, wrapped)| wrapped < widths[p])
            .collect();
        wraps.sort_by_key(|&(p, wrapped)| std::cmp::Reverse(widths[p] - wrapped));
        for (p, wrapped) in wraps {
            if over == 0 {
                break;
            }
            over = over.saturating_sub(widths[p] - wrapped);
            widths[p] = wrapped;
        }
        while over > 0 {
            // Narrow the widest column that still has room to give.
            let Some(pos) = (0..shown.len())
                .filter(|&p| widths[p] > min[shown[p]])
                .max_by_key(|&p| (widths[p], p))
            else {
                break; // a single column wider than the screen: shown whole
            };
            widths[pos] -= 1;
            over -= 1;
        }
        // A cut cell can come out narrower than its column (a space before
        // the `…`, a wide character): the column is as wide as what it shows.
        // (column -> its place among the shown ones, when it was narrowed)
        let mut narrowed: Vec<Option<usize>> = vec![None; n];
        for (p, &i) in shown.iter().enumerate() {
            if widths[p] < natural[i] {
                narrowed[i] = Some(p);
            }
        }
        if narrowed.iter().any(Option::is_some) {
            let mut cells = vec![0; shown.len()];
            self.each_cell(rows, &mut |i, c| {
                if let Some(p) = narrowed[i] {
                    cells[p] = cells[p].max(text_width(&cut_lines(c, widths[p])));
                }
            });
            for (i, p) in narrowed.iter().enumerate() {
                if let Some(p) = *p {
                    let header = text_width(&wrap_words(self.columns[i].header, widths[p]));
                    widths[p] = widths[p].min(header.max(cells[p]));
                }
            }
        }
        Plan {
            shown,
            widths,
            left_out,
        }
    }

    /// The table laid out for `screen`, with a line naming the columns left out.
    pub fn render(&self, screen: Screen) -> String {
        let mut out = Vec::new();
        self.write_to(&mut out, screen)
            .expect("writing to memory does not fail");
        String::from_utf8(out).expect("the table is UTF-8")
    }

    /// Writes the table laid out for `screen`. Rows go through tabled's grid
    /// a chunk at a time, at the planned widths, so that a long agenda on a
    /// pipe streams instead of doubling in memory.
    pub fn write_to(&self, out: &mut dyn Write, screen: Screen) -> Result<()> {
        self.write_rows_to(&Held(self), out, screen)
    }

    /// [`Table::write_to`] for rows given as [`Rows`], read a chunk at a time.
    pub fn write_rows_to(&self, rows: &dyn Rows, out: &mut dyn Write, screen: Screen) -> Result<()> {
        if rows.is_empty() {
            return Ok(());
        }
        let plan = self.plan_rows(rows, screen.width);
        let headers: Vec<String> = plan
            .shown
            .iter()
            .zip(&plan.widths)
            .map(|(&i, &w)| wrap_words(self.columns[i].header, w))
            .collect();
        let header_lines = headers.iter().map(|h| h.lines().count()).max().unwrap_or(1);
        let indent = plan.widths.first().map_or(0, |w| w + GAP);
        let last = rows.len().div_ceil(CHUNK) - 1;
        for n in 0..=last {
            let chunk: Vec<_> = (n * CHUNK..rows.len().min((n + 1) * CHUNK))
                .map(|i| rows.row(i))
                .collect();
            let mut records: Vec<Vec<Cow<str>>> = Vec::with_capacity(chunk.len() + 4);
            let mut lines_before = 0;
            if n == 0 {
                records.push(headers.iter().map(|h| Cow::Borrowed(h.as_str())).collect());
                lines_before = header_lines;
            }
            // Where each row's lines end, to put its note under it.
            let mut notes_after: Vec<(usize, &str)> = Vec::new();
            let mut line_no = lines_before;
            for (r, note) in &chunk {
                records.push(self.pick(&plan, r));
                line_no += plan.shown.iter().map(|&i| line_count(&r[i])).max().unwrap_or(1);
                if let Some(note) = note.as_deref().filter(|n| !n.trim().is_empty()) {
                    notes_after.push((line_no, note));
                }
            }
            if n == last && !self.totals.is_empty() {
                records.push(self.rule(&plan));
                records.extend(self.totals.iter().map(|t| self.pick(&plan, t)));
            }
            let laid_out = match self.lay_out_lines(&plan, &records) {
                Some(text) => text,
                None => self.lay_out(&plan, records),
            };
            let mut text = String::with_capacity(laid_out.len());
            let mut notes_after = notes_after.into_iter().peekable();
            for (k, line) in laid_out.lines().enumerate() {
                let line = line.trim_end();
                if n == 0 && screen.bold && k < header_lines && !line.is_empty() {
                    text.push_str(&format!("\x1b[1m{line}\x1b[0m\n"));
                } else {
                    text.push_str(line);
                    text.push('\n');
                }
                while let Some((_, note)) = notes_after.next_if(|(after, _)| *after == k + 1) {
                    let note = format!("↳ {}", note.replace('\n', " "));
                    let note = match screen.width {
                        Some(w) => cut(&note, w.saturating_sub(indent).max(8)),
                        None => note,
                    };
                    text.push_str(&format!("{}{note}\n", " ".repeat(indent)));
                }
            }
            out.write_all(text.as_bytes())?;
        }
        if self.say_left_out && !plan.left_out.is_empty() {
            out.write_all(left_out_line(&plan.left_out, screen).as_bytes())?;
        }
        Ok(())
    }

    /// The shown cells of a row, cut to their widths.
    fn pick<'r, S: AsRef<str>>(&self, plan: &Plan, r: &'r [S]) -> Vec<Cow<'r, str>> {
        plan.shown
            .iter()
            .zip(&plan.widths)
            .map(|(&i, &w)| cut_cow(r[i].as_ref(), w))
            .collect()
    }

    /// The rule above the totals, under the columns that are summed.
    fn rule(&self, plan: &Plan) -> Vec<Cow<'static, str>> {
        plan.shown
            .iter()
            .zip(&plan.widths)
            .map(|(&i, &w)| {
                let summed = self.columns[i].align == Align::Right
                    && self.totals.iter().any(|t| !t[i].trim().is_empty());
                if summed {
                    Cow::Owned("─".repeat(w))
                } else {
                    Cow::Borrowed("")
                }
            })
            .collect()
    }

    /// Records of one line per cell laid out as tabled's grid lays them out
    /// (see [`Table::lay_out`]), without the grid: each cell padded to its
    /// column's width, `GAP` spaces before every column but the first. A
    /// long agenda on a pipe is such rows, and the grid's work per cell was
    /// most of its time. `None` when a cell has more than one line, a
    /// control character or more than its width: the grid decides those.
    fn lay_out_lines(&self, plan: &Plan, records: &[Vec<Cow<'_, str>>]) -> Option<String> {
        let mut text = String::new();
        for r in records {
            for (pos, ((c, &w), &i)) in r.iter().zip(&plan.widths).zip(&plan.shown).enumerate() {
                if c.bytes().any(|b| b < 0x20 || b == 0x7f) {
                    return None;
                }
                let cw = text_width(c);
                if cw > w {
                    return None;
                }
                if pos > 0 {
                    spaces(&mut text, GAP);
                }
                match self.columns[i].align {
                    Align::Left => {
                        text.push_str(c);
                        spaces(&mut text, w - cw);
                    }
                    Align::Right => {
                        spaces(&mut text, w - cw);
                        text.push_str(c);
                    }
                }
            }
            text.push('\n');
        }
        Some(text)
    }

    /// Records laid out by tabled's grid: no borders, `GAP` spaces between
    /// columns, each column exactly its planned width (so that chunks line up).
    fn lay_out(&self, plan: &Plan, records: Vec<Vec<Cow<'_, str>>>) -> String {
        let mut cfg = SpannedConfig::default();
        for (pos, &i) in plan.shown.iter().enumerate() {
            let left = if pos > 0 { GAP } else { 0 };
            let pad = Indent::spaced(0);
            cfg.set_padding(
                Entity::Column(pos),
                Sides::new(Indent::spaced(left), pad, pad, pad),
            );
            let align = match self.columns[i].align {
                Align::Left => AlignmentHorizontal::Left,
                Align::Right => AlignmentHorizontal::Right,
            };
            cfg.set_alignment_horizontal(Entity::Column(pos), align);
        }
        let widths: Vec<usize> = plan
            .widths
            .iter()
            .enumerate()
            .map(|(pos, w)| w + if pos > 0 { GAP } else { 0 })
            .collect();
        let heights: Vec<usize> = records
            .iter()
            .map(|r| r.iter().map(|c| line_count(c)).max().unwrap_or(1))
            .collect();
        let count = records.len();
        let records = IterRecords::new(records, plan.shown.len(), Some(count));
        IterGrid::new(records, cfg, Sizes { widths, heights }, NoColors).to_string()
    }
}

/// `n` spaces at the end of `text`.
fn spaces(text: &mut String, mut n: usize) {
    const SPACES: &str = "                                                                ";
    while n > 0 {
        let k = n.min(SPACES.len());
        text.push_str(&SPACES[..k]);
        n -= k;
    }
}

/// The planned widths (with padding) and the rows' heights, for tabled's grid.
struct Sizes {
    widths: Vec<usize>,
    heights: Vec<usize>,
}

impl Dimension for Sizes {
    fn get_width(&self, column: usize) -> usize {
        self.widths.get(column).copied().unwrap_or(0)
    }

    fn get_height(&self, row: usize) -> usize {
        self.heights.get(row).copied().unwrap_or(1)
    }
}

/// "3 columns left out: email, phone, note; --wide shows them", fitted to
/// the screen; empty when nothing was left out.
pub fn left_out_line(left_out: &[&str], screen: Screen) -> String {
    if left_out.is_empty() {
        return String::new();
    }
    let n = left_out.len();
    let line = format!(
        "{} left out: {}; --wide shows {}",
        super::words::count(n, "column"),
        left_out.join(", "),
        super::words::word(n, "it")
    );
    format!("{}\n", super::words::wrap(&line, screen.width, "  "))
}

/// The widest line of a cell.
fn text_width(text: &str) -> usize {
    if text.is_ascii() && !text.contains('\n') {
        return text.len();
    }
    if text.contains('\t') {
        return text_width(&text.replace('\t', " "));
    }
    text.lines().map(get_line_width).max().unwrap_or(0)
}

/// How many lines a cell takes (an empty one takes one).
fn line_count(text: &str) -> usize {
    text.lines().count().max(1)
}

/// A cell cut to `width`, borrowed when it fits. A tab is shown as one
/// space: a terminal would stretch it to its next stop, and tabled's grid
/// measures it otherwise than it draws it (a cell wider than its column).
fn cut_cow(text: &str, width: usize) -> Cow<'_, str> {
    if text.contains('\t') {
        return Cow::Owned(cut_lines(&text.replace('\t', " "), width));
    }
    if !text.contains('\n') && (text.len() <= width || get_line_width(text) <= width) {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(cut_lines(text, width))
    }
}

/// Every line of `text` at most `width` wide, a cut one ending in `…`.
pub fn cut_lines(text: &str, width: usize) -> String {
    if !text.contains('\n') && (text.len() <= width || get_line_width(text) <= width) {
        return text.to_string(); // the common case, without a pass per line
    }
    text.lines().map(|l| cut(l, width)).collect::<Vec<_>>().join("\n")
}

/// One line cut to `width` display columns, the last being `…` when cut.
pub fn cut(line: &str, width: usize) -> String {
    if get_line_width(line) <= width {
        return line.to_string();
    }
    let mut out = String::new();
    let mut used = 0;
    for ch in line.chars() {
        let w = get_char_width(ch);
        if used + w + 1 > width {
            break;
        }
        out.push(ch);
        used += w;
    }
    let trimmed = out.trim_end().len();
    out.truncate(trimmed);
    out.push('…');
    out
}

/// Words of `text` in lines at most `width` wide (a longer word stays whole).
pub fn wrap_words(text: &str, width: usize) -> String {
    let mut lines: Vec<String> = Vec::new();
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        match lines.last_mut() {
            Some(last) if get_line_width(last) + 1 + get_line_width(word) <= width => {
                last.push(' ');
                last.push_str(word);
            }
            _ => lines.push(word.to_string()),
        }
    }
    lines.join("\n")
}

/// Rows to table, CSV or JSON: CSV and JSON stream as rows come, a table is
/// laid out for the screen at the end with its total rows under it.
pub struct List<'w> {
    out: ListOut<'w>,
}

enum ListOut<'w> {
    Table {
        out: &'w mut dyn Write,
        table: Option<Table>,
        totals: Vec<Vec<String>>,
        screen: Screen,
    },
    Data(Renderer<'w>),
}

impl<'w> List<'w> {
    pub fn new(out: &'w mut dyn Write, format: Format, screen: Screen) -> List<'w> {
        let out = match format {
            Format::Table => ListOut::Table {
                out,
                table: None,
                totals: Vec::new(),
                screen,
            },
            other => ListOut::Data(Renderer::new(out, other, false)),
        };
        List { out }
    }

    pub fn is_table(&self) -> bool {
        matches!(self.out, ListOut::Table { .. })
    }

    pub fn row<R: Serialize + TableRow>(&mut self, row: &R) -> Result<()> {
        match &mut self.out {
            ListOut::Table { table, .. } => {
                table.get_or_insert_with(Table::of::<R>).push_row(row);
                Ok(())
            }
            ListOut::Data(r) => r.row(row),
        }
    }

    /// A total row under the table (one cell per column); CSV and JSON have none.
    pub fn total(&mut self, cells: Vec<String>) {
        if let ListOut::Table { totals, .. } = &mut self.out {
            totals.push(cells);
        }
    }

    /// Ends the output; returns how many rows there were. `empty_headers`
    /// gives the CSV header when no row came.
    pub fn finish(self, empty_headers: &[&str]) -> Result<usize> {
        self.finish_with(empty_headers, |_| {})
    }

    /// As [`List::finish`], changing the table before it is laid out (e.g.
    /// leaving out a column that says nothing in this run).
    pub fn finish_with(self, empty_headers: &[&str], adjust: impl FnOnce(&mut Table)) -> Result<usize> {
        match self.out {
            ListOut::Table {
                out,
                table,
                totals,
                screen,
            } => {
                let Some(mut table) = table else {
                    return Ok(0);
                };
                for t in totals {
                    table.push_total(t);
                }
                adjust(&mut table);
                table.write_to(out, screen)?;
                out.flush()?;
                Ok(table.len())
            }
            ListOut::Data(r) => r.finish(empty_headers),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Table {
        let mut t = Table::new(&[
            Column::text("invoice", 0),
            Column::text("client", 1).cut(8),
            Column::number("days late", 2),
            Column::number("balance", 0),
            Column::text("note", 5).cut(6).optional(),
            Column::text("email", 4),
        ]);
        t.push(vec![
            "2026-001".into(),
            "Lindqvist Arkitekter AB".into(),
            "52".into(),
            "18,500.00".into(),
            "".into(),
            "faktura@lindqvist.example".into(),
        ]);
        t.push(vec![
            "2026-002".into(),
            "Thistle & Pine Ltd".into(),
            "".into(),
            "1,200.00".into(),
            "".into(),
            "a@b.example\nc@d.example".into(),
        ]);
        t
    }

    #[test]
    fn no_width_keeps_everything_whole_and_drops_only_silent_columns() {
        let p = sample().plan(None);
        assert_eq!(p.shown, vec![0, 1, 2, 3, 5]);
        assert_eq!(p.widths, vec![8, 23, 9, 9, 25]);
        assert!(p.left_out.is_empty());
    }

    #[test]
    fn a_narrow_screen_cuts_first_then_leaves_out_the_highest_rank() {
        let t = sample();
        // Natural: 8+23+9+9+25 + 4 gaps = 82; with "days late" in two lines, 77.
        let p = t.plan(Some(80));
        assert_eq!(p.shown, vec![0, 1, 2, 3, 5]);
        assert_eq!(
            p.widths,
            vec![8, 23, 4, 9, 25],
            "the header wraps; no cell is cut"
        );
        let p = t.plan(Some(70));
        assert_eq!(
            p.widths,
            vec![8, 16, 4, 9, 25],
            "then the widest cut column gives way"
        );
        // Minimums: 8+8+4+9+25 + 8 = 62; below that the e-mail goes.
        let p = t.plan(Some(60));
        assert_eq!(p.shown, vec![0, 1, 2, 3]);
        assert_eq!(p.left_out, vec!["email"]);
        let text = t.render(Screen::new(Some(40), false));
        for line in text.lines() {
            assert!(get_line_width(line) <= 40, "{line:?} is wider than 40");
        }
        assert!(
            text.contains("2026-001  Lindqvist Ar…    52  18,500.00\n"),
            "{text}"
        );
        assert!(
            text.contains("1 column left out: email; --wide shows\n  it\n"),
            "{text}"
        );
    }

    #[test]
    fn cut_counts_display_width_and_ends_in_an_ellipsis() {
        assert_eq!(cut("Boğaziçi Yayıncılık", 10), "Boğaziçi…");
        assert_eq!(cut("ООО «Волга Трейд»", 8), "ООО «Во…");
        assert_eq!(cut("short", 10), "short");
        assert_eq!(cut("two words", 5), "two…");
        assert_eq!(wrap_words("days late", 5), "days\nlate");
        assert_eq!(wrap_words("days late", 9), "days late");
    }

    #[test]
    fn totals_sit_under_a_rule_below_the_summed_columns() {
        let mut t = Table::new(&[Column::text("invoice", 0), Column::number("balance", 0)]);
        t.push(vec!["1".into(), "10.00".into()]);
        t.push(vec!["22".into(), "1,000.00".into()]);
        t.push_total(vec!["total".into(), "1,010.00".into()]);
        assert_eq!(
            t.render(Screen::PLAIN),
            "invoice   balance\n1           10.00\n22       1,000.00\n         ────────\ntotal    1,010.00\n"
        );
    }

    #[test]
    fn a_note_goes_under_its_row_cut_only_by_the_screen() {
        let mut t = Table::new(&[Column::text("invoice", 0), Column::text("to", 1)]);
        t.push_with_note(
            vec![
                "2026-010".into(),
                "+46 31 555 01 90\nErik <erik@fjord.example>".into(),
            ],
            Some("e-mail to ekonomi@fjord.example bounced: call to find a working address".into()),
        );
        t.push(vec!["2026-011".into(), "+46 8 1".into()]);
        assert_eq!(
            t.render(Screen::new(Some(50), false)),
            "invoice   to\n\
             2026-010  +46 31 555 01 90\n\
             \u{20}         Erik <erik@fjord.example>\n\
             \u{20}         ↳ e-mail to ekonomi@fjord.example bounc…\n\
             2026-011  +46 8 1\n"
        );
    }

    #[test]
    fn chunks_are_held_to_one_set_of_widths() {
        let mut t = Table::new(&[
            Column::text("n", 0),
            Column::text("text", 1),
            Column::number("amount", 0),
        ]);
        let rows = 3 * CHUNK + 7;
        for i in 0..rows {
            let wide = if i == rows - 1 { 30 } else { 1 };
            t.push(vec![i.to_string(), "x".repeat(wide), format!("{i}.00")]);
        }
        let text = t.render(Screen::PLAIN);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), rows + 1);
        let width = lines[0].chars().count();
        assert!(
            lines.iter().all(|l| l.chars().count() == width),
            "{:?}",
            &lines[..3]
        );
        assert_eq!(width, 4 + 2 + 30 + 2 + 7);
    }

    #[test]
    fn a_bold_header_on_a_colour_terminal() {
        let text = sample().render(Screen::new(None, true));
        assert!(text.starts_with("\x1b[1minvoice"), "{text}");
        assert_eq!(text.matches("\x1b[1m").count(), 1);
    }

    /// Rows given as [`Rows`], built from the same cells as a held table.
    struct Given(Vec<(Vec<String>, Option<String>)>);

    impl Rows for Given {
        fn len(&self) -> usize {
            self.0.len()
        }

        fn row(&self, i: usize) -> (Vec<Cow<'_, str>>, Option<Cow<'_, str>>) {
            let (cells, note) = &self.0[i];
            (
                cells.iter().map(|c| Cow::Borrowed(c.as_str())).collect(),
                note.as_deref().map(Cow::Borrowed),
            )
        }
    }

    use proptest::prelude::*;

    /// Cells with what makes laying out hard: wide and combining
    /// characters, Cyrillic, spaces at the ends, empty cells, second lines,
    /// a tab.
    fn cell() -> impl Strategy<Value = String> {
        prop_oneof![
            4 => "[a-z0-9 ,.@-]{0,14}",
            2 => "[а-яё ]{0,10}",
            1 => "[漢字表 ]{0,6}",
            1 => "[ae\u{301} ]{0,6}",
            1 => "[a-z]{0,5}\n[a-z]{0,8}",
            1 => "[a-z]{0,3}\t[a-z]{0,3}",
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// One-line rows laid out without tabled's grid come out as the grid
        /// lays them out, and rows given as `Rows` as the same rows held,
        /// at any width, with notes, chunk boundaries and totals.
        #[test]
        fn rows_given_or_held_and_laid_out_directly_or_by_the_grid_agree(
            rows in prop::collection::vec((prop::collection::vec(cell(), 4), prop::option::of("[a-z ]{0,20}")), 1..40),
            many in 0usize..2,
            width in prop::option::of(20usize..90),
        ) {
            let columns = [
                Column::text("invoice", 0),
                Column::text("client name", 1).cut(6),
                Column::number("balance", 0),
                Column::text("to", 3).cut(5).optional(),
            ];
            // Past a chunk now and then, so that chunks must line up.
            let rows: Vec<_> = rows.iter().cycle().take(rows.len() * (1 + many * CHUNK / rows.len().max(1))).cloned().collect();
            let mut held = Table::new(&columns);
            for (cells, note) in &rows {
                held.push_with_note(cells.clone(), note.clone());
            }
            held.push_total(vec!["total".into(), "".into(), "1,000.00".into(), "".into()]);
            let mut given_table = Table::new(&columns);
            given_table.push_total(vec!["total".into(), "".into(), "1,000.00".into(), "".into()]);
            let given = Given(rows.clone());
            let screen = Screen::new(width, false);
            let mut a = Vec::new();
            held.write_to(&mut a, screen).unwrap();
            let mut b = Vec::new();
            given_table.write_rows_to(&given, &mut b, screen).unwrap();
            prop_assert_eq!(String::from_utf8_lossy(&a), String::from_utf8_lossy(&b));
            prop_assert_eq!(held.plan(width), given_table.plan_rows(&given, width));

            let plan = held.plan(width);
            let records: Vec<Vec<Cow<str>>> = rows.iter().map(|(r, _)| held.pick(&plan, r)).collect();
            if let Some(direct) = held.lay_out_lines(&plan, &records) {
                let grid = held.lay_out(&plan, records);
                let trim = |t: &str| t.lines().map(str::trim_end).collect::<Vec<_>>().join("\n");
                prop_assert_eq!(trim(&direct), trim(&grid));
            } else {
                prop_assert!(rows.iter().any(|(r, _)| r.iter().any(|c| c.contains(['\n', '\t']))),
                    "only a cell of two lines or a tab goes to the grid");
            }
        }
    }
}
