//! The reads behind `dun summary` and the statement's payments: every
//! unpaid invoice in one pass, payment habits aggregated in SQL, a client's
//! payments in one query. Sums of money are left to the caller (i128).

use std::collections::BTreeMap;

use anyhow::Result;
use chrono::NaiveDate;
use rusqlite::{Connection, named_params};

use crate::domain::summary::{PaidHistory, Unpaid};

/// Calls `each` for every invoice still to be paid, oldest due date first.
pub fn for_each_unpaid(conn: &Connection, mut each: impl FnMut(&Unpaid) -> Result<()>) -> Result<()> {
    let mut stmt = conn.prepare_cached(
        "SELECT i.client_id, c.handle, c.name, i.number, i.currency, i.due,
                i.amount - i.write_down
                  - COALESCE((SELECT SUM(p.amount) FROM payment p WHERE p.invoice_id = i.id), 0)
         FROM invoice i JOIN client c ON c.id = i.client_id
         WHERE i.closed IS NULL
         ORDER BY i.due, i.number",
    )?;
    let mut rows = stmt.query([])?;
    let mut inv = Unpaid::default();
    while let Some(r) = rows.next()? {
        inv.client_id = r.get(0)?;
        inv.client = r.get(1)?;
        inv.client_name = r.get(2)?;
        inv.number = r.get(3)?;
        inv.currency = r.get(4)?;
        inv.due = r.get(5)?;
        inv.balance = r.get(6)?;
        if inv.balance > 0 {
            each(&inv)?;
        }
    }
    Ok(())
}

/// Whether the database holds any invoice at all.
pub fn has_invoices(conn: &Connection) -> Result<bool> {
    Ok(conn.query_row("SELECT EXISTS (SELECT 1 FROM invoice)", [], |r| r.get(0))?)
}

/// Per client (all of them, or one): the invoices paid in full and their
/// days late added up, a paid invoice's days late being those from its due
/// date to its last payment, 0 if that was in time (domain::summary).
pub fn paid_history(conn: &Connection, client_id: Option<i64>) -> Result<BTreeMap<i64, PaidHistory>> {
    let mut stmt = conn.prepare_cached(
        "SELECT i.client_id, COUNT(*),
                SUM(MAX(0, CAST(julianday(p.last_paid) - julianday(i.due) AS INTEGER)))
         FROM invoice i
         JOIN (SELECT invoice_id, MAX(paid_on) AS last_paid FROM payment GROUP BY invoice_id) p
           ON p.invoice_id = i.id
         WHERE i.closed = 'paid' AND (:client IS NULL OR i.client_id = :client)
         GROUP BY i.client_id",
    )?;
    let rows = stmt.query_map(named_params! { ":client": client_id }, |r| {
        Ok((
            r.get::<_, i64>(0)?,
            PaidHistory {
                invoices: r.get(1)?,
                days_late: r.get(2)?,
            },
        ))
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// One payment on a client's statement.
#[derive(Debug, Clone)]
pub struct ClientPayment {
    pub paid_on: NaiveDate,
    pub invoice: String,
    pub due: NaiveDate,
    pub currency: String,
    pub amount: i64,
    pub method: Option<String>,
    pub note: Option<String>,
}

/// Every payment on a client's invoices, newest first.
pub fn client_payments(conn: &Connection, client_id: i64) -> Result<Vec<ClientPayment>> {
    let mut stmt = conn.prepare(
        "SELECT p.paid_on, i.number, i.due, i.currency, p.amount, p.method, p.note
         FROM payment p JOIN invoice i ON i.id = p.invoice_id
         WHERE i.client_id = ?1
         ORDER BY p.paid_on DESC, p.id DESC",
    )?;
    let rows = stmt.query_map([client_id], |r| {
        Ok(ClientPayment {
            paid_on: r.get(0)?,
            invoice: r.get(1)?,
            due: r.get(2)?,
            currency: r.get(3)?,
            amount: r.get(4)?,
            method: r.get(5)?,
            note: r.get(6)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
