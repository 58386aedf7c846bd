//! A bank's CSV export, read by the `[bank.csv]` mapping: which columns
//! (by their names in the header row) hold the date, amount, text, payer,
//! currency and an entry id, how dates are written, the decimal separator
//! and the delimiter. Rows with an amount above zero are the credits.
//!
//! Banks put a few lines before the header now and then (account, period);
//! the header is the first of the first 20 rows that names the mapped
//! columns.

use anyhow::{Result, anyhow, bail};
use chrono::NaiveDate;

use super::{Credit, Ignored, Occurrences, Statement, currency, digest, parse_signed};
use crate::config::CsvMapping;
use crate::domain::money::Currency;

/// How far down the header row may be.
const HEADER_SEARCH: usize = 20;

/// Parses a CSV export.
pub fn parse(text: &str, m: &CsvMapping, default_currency: Currency) -> Result<Statement> {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(m.delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    for r in reader.records() {
        let r = r.map_err(|e| {
            let line = e
                .position()
                .map_or(String::new(), |p| format!("line {}: ", p.line()));
            anyhow!("{line}not readable as CSV: {e}")
        })?;
        rows.push(r);
    }
    let same = |cell: &str, name: &str| cell.trim().eq_ignore_ascii_case(name.trim());
    let required = [("date", &m.date), ("amount", &m.amount), ("text", &m.text)];
    let header_at = rows
        .iter()
        .take(HEADER_SEARCH)
        .position(|r| required.iter().all(|(_, name)| r.iter().any(|c| same(c, name))));
    let Some(header_at) = header_at else {
        let first: Vec<&str> = rows.first().map(|r| r.iter().collect()).unwrap_or_default();
        let missing: Vec<String> = required
            .iter()
            .filter(|(_, name)| {
                !rows
                    .iter()
                    .take(HEADER_SEARCH)
                    .any(|r| r.iter().any(|c| same(c, name)))
            })
            .map(|(key, name)| format!("\"{name}\" ([bank.csv] {key})"))
            .collect();
        let delimiter = char::from(m.delimiter);
        bail!(
            "has no column {}; its first line has: {} (split at \"{}\"; set [bank.csv] delimiter if that is wrong)",
            missing.join(", "),
            if first.is_empty() {
                "nothing".to_string()
            } else {
                first.join(", ")
            },
            if delimiter == '\t' {
                "tab".to_string()
            } else {
                delimiter.to_string()
            }
        );
    };
    let header = &rows[header_at];
    let col = |name: &str| header.iter().position(|c| same(c, name));
    let find_optional = |key: &str, name: &Option<String>| -> Result<Option<usize>> {
        match name {
            None => Ok(None),
            Some(n) => col(n).map(Some).ok_or_else(|| {
                anyhow!(
                    "has no column \"{n}\" ([bank.csv] {key}); its header row has: {}",
                    header.iter().collect::<Vec<_>>().join(", ")
                )
            }),
        }
    };
    let (date_col, amount_col, text_col) = (
        col(&m.date).unwrap_or(0),
        col(&m.amount).unwrap_or(0),
        col(&m.text).unwrap_or(0),
    );
    let payer_col = find_optional("payer", &m.payer)?;
    let currency_col = find_optional("currency", &m.currency)?;
    let id_col = find_optional("id", &m.id)?;

    let mut out = Statement {
        kind: "CSV".to_string(),
        credits: Vec::new(),
        ignored: Ignored::default(),
    };
    let mut seen = Occurrences::default();
    for r in &rows[header_at + 1..] {
        let line = r.position().map_or(0, |p| p.line());
        let cell = |i: usize| r.get(i).unwrap_or("").trim();
        if r.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let (date_text, amount_text) = (cell(date_col), cell(amount_col));
        if date_text.is_empty() && amount_text.is_empty() {
            // A summary or note line under the rows.
            continue;
        }
        let code = currency_col
            .map(cell)
            .filter(|c| !c.is_empty())
            .map(currency)
            .transpose()
            .map_err(|e| anyhow!("line {line}: {e}"))?
            .unwrap_or(default_currency);
        let amount = parse_signed(amount_text, m.decimal, code).map_err(|e| {
            anyhow!(
                "line {line}: {e} (column \"{}\"; [bank.csv] decimal = \"{}\")",
                m.amount,
                m.decimal
            )
        })?;
        let date = NaiveDate::parse_from_str(date_text, &m.date_format).map_err(|_| {
            anyhow!(
                "line {line}: date \"{date_text}\" (column \"{}\") is not written as [bank.csv] date_format = \"{}\"",
                m.date,
                m.date_format
            )
        })?;
        if amount <= 0 {
            out.ignored.debits += 1;
            continue;
        }
        let identity = match id_col.map(cell).filter(|v| !v.is_empty()) {
            Some(id) => format!("csv:id:{id}"),
            None => {
                let fields: Vec<&str> = r.iter().map(str::trim).collect();
                seen.next(format!("csv:row:{}", digest(&fields)))
            }
        };
        out.credits.push(Credit {
            date,
            amount,
            currency: code.code().to_string(),
            payer: payer_col.map(cell).filter(|p| !p.is_empty()).map(str::to_string),
            text: cell(text_col).to_string(),
            reference: None,
            identity,
        });
    }
    Ok(out)
}
