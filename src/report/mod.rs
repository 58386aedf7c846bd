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
use serde_json::Value;

use crate::cli::Format;

/// Writes rows one at a time; CSV and JSON stream, a table is laid out at the end.
pub struct Renderer<'w> {
    out: &'w mut dyn Write,
    format: Format,
    bold: bool,
    buf: String,
    rows: usize,
    headers: Vec<String>,
    table: Vec<Vec<String>>,
}

impl<'w> Renderer<'w> {
    pub fn new(out: &'w mut dyn Write, format: Format, bold: bool) -> Renderer<'w> {
        Renderer {
            out,
            format,
            bold,
            buf: String::new(),
            rows: 0,
            headers: Vec::new(),
            table: Vec::new(),
        }
    }

    pub fn row<T: Serialize>(&mut self, row: &T) -> Result<()> {
        let Value::Object(map) = serde_json::to_value(row)? else {
            anyhow::bail!("internal: a report row must serialise to an object");
        };
        if self.rows == 0 {
            self.headers = map.keys().cloned().collect();
        }
        match self.format {
            Format::Json => {
                self.out
                    .write_all(if self.rows == 0 { b"[\n  " } else { b",\n  " })?;
                serde_json::to_writer(&mut *self.out, &map)?;
            }
            Format::Csv => {
                if self.rows == 0 {
                    let headers: Vec<&str> = self.headers.iter().map(String::as_str).collect();
                    csv_record(&mut self.buf, headers.iter().map(|h| h.to_string()));
                }
                csv_record(
                    &mut self.buf,
                    map.values()
                        .map(|v| formula_safe(&cell(v), v.is_string() || v.is_array())),
                );
                if self.buf.len() > 64 * 1024 {
                    self.flush_csv()?;
                }
            }
            Format::Table => self.table.push(map.values().map(cell).collect()),
        }
        self.rows += 1;
        Ok(())
    }

    fn flush_csv(&mut self) -> Result<()> {
        self.out.write_all(self.buf.as_bytes())?;
        self.buf.clear();
        Ok(())
    }

    /// Ends the output. `empty_headers` gives the CSV header when no row came,
    /// so that a spreadsheet still sees the columns.
    pub fn finish(mut self, empty_headers: &[&str]) -> Result<usize> {
        match self.format {
            Format::Json => {
                self.out
                    .write_all(if self.rows == 0 { b"[]\n" } else { b"\n]\n" })?;
            }
            Format::Csv => {
                if self.rows == 0 {
                    csv_record(&mut self.buf, empty_headers.iter().map(|h| h.to_string()));
                }
                self.flush_csv()?;
            }
            Format::Table => {
                if self.rows > 0 {
                    let headers: Vec<String> = self.headers.iter().map(|h| h.replace('_', " ")).collect();
                    write_table(self.out, &headers, &self.table, self.bold)?;
                }
            }
        }
        self.out.flush()?;
        Ok(self.rows)
    }
}

/// A JSON value as a cell: strings bare, null empty, lists joined.
fn cell(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Array(items) => items.iter().map(cell).collect::<Vec<_>>().join(", "),
        other => other.to_string(),
    }
}

/// Appends one RFC 4180 record: fields with a comma, quote or line break
/// are quoted, quotes doubled; records end with CRLF as the RFC writes them.
fn csv_record(buf: &mut String, fields: impl Iterator<Item = String>) {
    for (i, f) in fields.enumerate() {
        if i > 0 {
            buf.push(',');
        }
        if f.contains([',', '"', '\n', '\r']) {
            buf.push('"');
            buf.push_str(&f.replace('"', "\"\""));
            buf.push('"');
        } else {
            buf.push_str(&f);
        }
    }
    buf.push_str("\r\n");
}

/// A text cell that a spreadsheet would read as a formula gets a leading `'`.
pub fn formula_safe(text: &str, is_text: bool) -> String {
    if is_text && text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_string()
    }
}

/// Aligned columns; numbers-looking columns are right-aligned.
pub fn write_table(out: &mut dyn Write, headers: &[String], rows: &[Vec<String>], bold: bool) -> Result<()> {
    let width = |s: &str| s.chars().count();
    let mut widths: Vec<usize> = headers.iter().map(|h| width(h)).collect();
    for r in rows {
        for (i, c) in r.iter().enumerate() {
            let first_line = c.lines().next().unwrap_or("");
            widths[i] = widths[i].max(width(first_line));
        }
    }
    let numeric: Vec<bool> = (0..headers.len())
        .map(|i| {
            rows.iter().any(|r| !r[i].is_empty())
                && rows
                    .iter()
                    .all(|r| r[i].is_empty() || r[i].parse::<f64>().is_ok())
        })
        .collect();
    let line = |cells: &[String]| {
        let mut s = String::new();
        for (i, c) in cells.iter().enumerate() {
            let c = c.lines().next().unwrap_or("");
            let pad = widths[i] - width(c);
            if i > 0 {
                s.push_str("  ");
            }
            if numeric[i] {
                s.push_str(&" ".repeat(pad));
                s.push_str(c);
            } else {
                s.push_str(c);
                if i + 1 < cells.len() {
                    s.push_str(&" ".repeat(pad));
                }
            }
        }
        s.trim_end().to_string()
    };
    let head = line(headers);
    if bold {
        writeln!(out, "\x1b[1m{head}\x1b[0m")?;
    } else {
        writeln!(out, "{head}")?;
    }
    for r in rows {
        writeln!(out, "{}", line(r))?;
    }
    Ok(())
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

    #[test]
    fn empty_lists() {
        assert_eq!(render(Format::Json, &[]), "[]\n");
        assert_eq!(render(Format::Csv, &[]), "name,balance,days\r\n");
        assert_eq!(render(Format::Table, &[]), "");
    }

    #[test]
    fn json_keeps_field_order_and_table_aligns() {
        let rows = [R {
            name: "a".into(),
            balance: "1.00".into(),
            days: 10,
        }];
        assert_eq!(
            render(Format::Json, &rows),
            "[\n  {\"name\":\"a\",\"balance\":\"1.00\",\"days\":10}\n]\n"
        );
        assert_eq!(
            render(Format::Table, &rows),
            "name  balance  days\na        1.00    10\n"
        );
    }
}
