//! Typed rows to table, CSV or JSON, written to any `Write`.
//!
//! Commands hand over `Serialize` rows; this module owns how they look. CSV
//! follows RFC 4180 and makes text cells formula-safe; JSON is an array of
//! objects with the row's field names as keys; tables are aligned columns
//! with no decoration beyond a bold header on a colour terminal.
//!
//! Tables for a person, sized to the terminal, are in [`table`] (its top
//! says how a command prints one); counted words ("1 e-mail") in [`words`].

pub mod table;
pub mod words;

use std::io::Write;

use anyhow::Result;
use serde::Serialize;

use crate::cli::Format;

mod cells;

/// Writes CSV or JSON rows one at a time, streamed. A table for a person is
/// laid out by [`table`]; given `Format::Table`, `row` is an error.
pub struct Renderer<'w> {
    out: Sink<'w>,
    format: Format,
    rows: usize,
    /// The field names of the first row: the columns.
    names: Vec<&'static str>,
    /// A buffer for cells that are formatted (lists, dates), reused.
    scratch: String,
}

/// CSV goes through the csv crate's writer (RFC 4180 quoting, CRLF);
/// everything else straight to the output.
enum Sink<'w> {
    Plain(&'w mut dyn Write),
    Csv(Box<csv::Writer<&'w mut dyn Write>>),
}

impl<'w> Renderer<'w> {
    /// `_bold` is not used: no table is laid out here.
    pub fn new(out: &'w mut dyn Write, format: Format, _bold: bool) -> Renderer<'w> {
        let out = match format {
            Format::Csv => Sink::Csv(Box::new(
                csv::WriterBuilder::new()
                    .terminator(csv::Terminator::CRLF)
                    .quote_style(csv::QuoteStyle::Necessary)
                    .buffer_capacity(64 * 1024)
                    .from_writer(out),
            )),
            _ => Sink::Plain(out),
        };
        Renderer {
            out,
            format,
            rows: 0,
            names: Vec::new(),
            scratch: String::new(),
        }
    }

    /// One row: a struct whose fields are the columns, each a scalar, an
    /// option or a list (a list is one cell, its items joined by ", ").
    pub fn row<T: Serialize>(&mut self, row: &T) -> Result<()> {
        match (&mut self.out, self.format) {
            (Sink::Plain(out), Format::Json) => {
                out.write_all(if self.rows == 0 { b"[\n  " } else { b",\n  " })?;
                serde_json::to_writer(&mut **out, row)?;
            }
            (Sink::Csv(csv), _) => {
                let csv: &mut csv::Writer<&mut dyn Write> = csv;
                if self.rows == 0 {
                    // The header comes first: the names are known once the
                    // first row has been taken apart.
                    let mut first = cells::Cells::default();
                    cells::write_row(row, &mut self.names, &mut self.scratch, &mut first).map_err(|e| e.0)?;
                    csv.write_record(&self.names)?;
                    let mut out = CsvOut(csv);
                    for (text, is_text) in first.texts.iter().zip(first.is_text) {
                        cells::CellOut::cell(&mut out, text, is_text).map_err(|e| e.0)?;
                    }
                } else {
                    cells::write_row(row, &mut self.names, &mut self.scratch, &mut CsvOut(csv))
                        .map_err(|e| e.0)?;
                }
                csv.write_record(None::<&[u8]>)?;
            }
            (Sink::Plain(_), _) => {
                anyhow::bail!("report::Renderer writes CSV and JSON; a table is laid out by report::table")
            }
        }
        self.rows += 1;
        Ok(())
    }

    /// Ends the output. `empty_headers` gives the CSV header when no row came,
    /// so that a spreadsheet still sees the columns.
    pub fn finish(self, empty_headers: &[&str]) -> Result<usize> {
        match self.out {
            Sink::Csv(mut csv) => {
                if self.rows == 0 {
                    csv.write_record(empty_headers)?;
                }
                csv.flush()?;
            }
            Sink::Plain(out) => {
                if self.format == Format::Json {
                    out.write_all(if self.rows == 0 { b"[]\n" } else { b"\n]\n" })?;
                }
                out.flush()?;
            }
        }
        Ok(self.rows)
    }
}

/// Cells straight into the CSV writer, formula-safe.
struct CsvOut<'a, 'w>(&'a mut csv::Writer<&'w mut dyn Write>);

impl cells::CellOut for CsvOut<'_, '_> {
    fn cell(&mut self, text: &str, is_text: bool) -> Result<(), cells::Error> {
        let written = if is_text && starts_like_a_formula(text) {
            let mut safe = String::with_capacity(text.len() + 1);
            safe.push('\'');
            safe.push_str(text);
            self.0.write_field(safe)
        } else {
            self.0.write_field(text)
        };
        written.map_err(|e| cells::Error(e.into()))
    }
}

/// A date in a report row, written as `YYYY-MM-DD` without a formatter (the
/// overdue report writes a million of them); the same text as chrono's.
#[derive(Debug, Clone, Copy)]
pub struct Day(pub chrono::NaiveDate);

impl Day {
    /// `YYYY-MM-DD` for the years 0 to 9999, as chrono writes it.
    fn digits(self) -> Option<[u8; 10]> {
        use chrono::Datelike;
        let d = self.0;
        let year = u32::try_from(d.year()).ok().filter(|y| *y <= 9999)?;
        let mut b = *b"0000-00-00";
        for (i, v) in [(3, year), (6, d.month()), (9, d.day())] {
            let mut v = v;
            let mut j = i;
            while v > 0 {
                b[j] = b'0' + (v % 10) as u8;
                v /= 10;
                j = j.saturating_sub(1);
            }
        }
        Some(b)
    }

    /// The date as text, the same as chrono's `to_string`.
    pub fn text(self) -> String {
        match self.digits() {
            Some(b) => b.iter().map(|&c| char::from(c)).collect(),
            None => self.0.to_string(),
        }
    }
}

impl Serialize for Day {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.digits() {
            Some(b) => s.serialize_str(std::str::from_utf8(&b).expect("digits and dashes are ASCII")),
            None => self.0.serialize(s),
        }
    }
}

/// A text cell that a spreadsheet would read as a formula: CSV gives it a leading `'`.
fn starts_like_a_formula(text: &str) -> bool {
    text.starts_with(['=', '+', '-', '@', '\t', '\r'])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize)]
    struct R {
        name: String,
        balance: String,
        days: i64,
    }

    fn render(format: Format, rows: &[R]) -> String {
        let mut out = Vec::new();
        let mut r = Renderer::new(&mut out, format, false);
        for row in rows {
            r.row(row).unwrap();
        }
        r.finish(&["name", "balance", "days"]).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn csv_quotes_and_defuses_formulas() {
        let rows = [
            R {
                name: "=HYPERLINK(\"x\")".into(),
                balance: "10.00".into(),
                days: -3,
            },
            R {
                name: "Acme, \"AB\"".into(),
                balance: "5.00".into(),
                days: 4,
            },
        ];
        let text = render(Format::Csv, &rows);
        assert_eq!(
            text,
            "name,balance,days\r\n\"'=HYPERLINK(\"\"x\"\")\",10.00,-3\r\n\"Acme, \"\"AB\"\"\",5.00,4\r\n"
        );
    }

    #[derive(Serialize)]
    struct Mixed {
        to: Vec<String>,
        note: Option<String>,
        since: chrono::NaiveDate,
        late: i64,
        held: bool,
        balance: String,
    }

    #[test]
    fn csv_cells_are_what_the_json_value_shows() {
        let row = Mixed {
            to: vec!["=cmd".into(), "b@example.com".into()],
            note: None,
            since: chrono::NaiveDate::from_ymd_opt(2026, 1, 2).unwrap(),
            late: -3,
            held: true,
            balance: "-5.00".into(),
        };
        let mut out = Vec::new();
        let mut r = Renderer::new(&mut out, Format::Csv, false);
        r.row(&row).unwrap();
        r.row(&Mixed {
            to: vec![],
            note: Some("a \"quote\"\nand a line".into()),
            ..row
        })
        .unwrap();
        assert_eq!(r.finish(&[]).unwrap(), 2);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "to,note,since,late,held,balance\r\n\
             \"'=cmd, b@example.com\",,2026-01-02,-3,true,'-5.00\r\n\
             ,\"a \"\"quote\"\"\nand a line\",2026-01-02,-3,true,'-5.00\r\n"
        );
    }

    #[test]
    fn days_are_written_as_chrono_writes_them() {
        for (y, m, d) in [
            (2026, 1, 2),
            (1, 12, 31),
            (999, 7, 4),
            (9999, 12, 31),
            (10000, 1, 1),
            (0, 1, 1),
            (-5, 3, 9),
        ] {
            let date = chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap();
            assert_eq!(
                serde_json::to_string(&Day(date)).unwrap(),
                serde_json::to_string(&date).unwrap(),
                "{date}"
            );
        }
    }

    #[test]
    fn empty_lists() {
        assert_eq!(render(Format::Json, &[]), "[]\n");
        assert_eq!(render(Format::Csv, &[]), "name,balance,days\r\n");
        assert_eq!(render(Format::Table, &[]), "");
    }

    #[test]
    fn json_keeps_field_order() {
        let rows = [R {
            name: "a".into(),
            balance: "1.00".into(),
            days: 10,
        }];
        assert_eq!(
            render(Format::Json, &rows),
            "[\n  {\"name\":\"a\",\"balance\":\"1.00\",\"days\":10}\n]\n"
        );
    }
}
