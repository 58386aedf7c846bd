//! What statutory charges need beyond the scan (SPEC.md §6 The law): each
//! client's country and consumer flag, and the dated payments of the open
//! invoices, each read in one query for a whole report.

use std::collections::HashMap;

use anyhow::Result;
use chrono::NaiveDate;
use rusqlite::Connection;

/// (country, consumer) of every client.
pub fn client_laws(conn: &Connection) -> Result<HashMap<i64, (Option<String>, bool)>> {
    let mut stmt = conn.prepare("SELECT id, country, consumer FROM client")?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, (r.get(1)?, r.get(2)?))))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The payments of every open invoice, oldest first.
pub fn open_payments(conn: &Connection) -> Result<HashMap<i64, Vec<(NaiveDate, i64)>>> {
    let mut stmt = conn.prepare(
        "SELECT p.invoice_id, p.paid_on, p.amount FROM payment p
         JOIN invoice i ON i.id = p.invoice_id
         WHERE i.closed IS NULL ORDER BY p.invoice_id, p.paid_on",
    )?;
    let mut out: HashMap<i64, Vec<(NaiveDate, i64)>> = HashMap::new();
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        out.entry(r.get(0)?).or_default().push((r.get(1)?, r.get(2)?));
    }
    Ok(out)
}
