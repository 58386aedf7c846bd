//! What `dun bank` reads and keeps: the invoices a statement is matched
//! against (loaded once, not per credit), the bank entries already recorded,
//! and the references given to invoices that predate them.

use std::collections::{HashMap, HashSet};

use anyhow::Result;
use rusqlite::{Connection, named_params};

use crate::domain::reference::{self, ReferenceKind};

/// An invoice as the bank sees it.
#[derive(Debug, Clone)]
pub struct BankInvoice {
    pub id: i64,
    pub number: String,
    pub reference: Option<String>,
    pub client_name: String,
    pub currency: String,
    pub amount: i64,
    pub paid: i64,
    pub write_down: i64,
    pub closed: Option<String>,
}

impl BankInvoice {
    pub fn balance(&self) -> i64 {
        self.amount - self.paid - self.write_down
    }
}

const BANK_SELECT: &str = "
    SELECT i.id, i.number, i.reference, c.name, i.currency, i.amount, i.write_down, i.closed,
           COALESCE((SELECT SUM(p.amount) FROM payment p WHERE p.invoice_id = i.id), 0)
    FROM invoice i JOIN client c ON c.id = i.client_id";

fn bank_invoice(r: &rusqlite::Row) -> rusqlite::Result<BankInvoice> {
    Ok(BankInvoice {
        id: r.get(0)?,
        number: r.get(1)?,
        reference: r.get(2)?,
        client_name: r.get(3)?,
        currency: r.get(4)?,
        amount: r.get(5)?,
        write_down: r.get(6)?,
        closed: r.get(7)?,
        paid: r.get(8)?,
    })
}

/// Every open invoice, in one query.
pub fn open_invoices_for_bank(conn: &Connection) -> Result<Vec<BankInvoice>> {
    let mut stmt = conn.prepare(&format!("{BANK_SELECT} WHERE i.closed IS NULL ORDER BY i.id"))?;
    let rows = stmt.query_map([], bank_invoice)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The invoices, open or closed, that carry one of these compact references.
pub fn invoices_by_reference(conn: &Connection, references: &[String]) -> Result<Vec<BankInvoice>> {
    if references.is_empty() {
        return Ok(Vec::new());
    }
    let mut stmt = conn.prepare(&format!(
        "{BANK_SELECT} WHERE i.reference IN (SELECT value FROM json_each(:refs)) ORDER BY i.id"
    ))?;
    let rows = stmt.query_map(
        named_params! { ":refs": serde_json::to_string(references)? },
        bank_invoice,
    )?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The invoices by id, as they are now (to check, inside the recording
/// transaction, that nothing changed since the statement was matched).
pub fn invoices_by_id(conn: &Connection, ids: &[i64]) -> Result<Vec<BankInvoice>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut stmt = conn.prepare(&format!(
        "{BANK_SELECT} WHERE i.id IN (SELECT value FROM json_each(:ids)) ORDER BY i.id"
    ))?;
    let rows = stmt.query_map(
        named_params! { ":ids": serde_json::to_string(ids)? },
        bank_invoice,
    )?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Of these bank entry identities, those already recorded, each with the
/// numbers of the invoices its payments went to.
pub fn recorded_bank_entries(
    conn: &Connection,
    identities: &[String],
) -> Result<HashMap<String, Vec<String>>> {
    let mut out: HashMap<String, Vec<String>> = HashMap::new();
    if identities.is_empty() {
        return Ok(out);
    }
    let mut stmt = conn.prepare(
        "SELECT p.bank_entry, i.number FROM payment p JOIN invoice i ON i.id = p.invoice_id
         WHERE p.bank_entry IN (SELECT value FROM json_each(:ids)) ORDER BY p.id",
    )?;
    let mut rows = stmt.query(named_params! { ":ids": serde_json::to_string(identities)? })?;
    while let Some(r) = rows.next()? {
        let numbers = out.entry(r.get(0)?).or_default();
        let number: String = r.get(1)?;
        if !numbers.contains(&number) {
            numbers.push(number);
        }
    }
    Ok(out)
}

/// Gives every invoice without a reference an RF reference, oldest first (the
/// one from its number when free, else one from its id). Run once, by the
/// migration that adds references, in its transaction: SQL alone cannot
/// compute ISO 11649 check digits.
pub fn backfill_references(conn: &Connection) -> rusqlite::Result<()> {
    let mut taken: HashSet<String> = HashSet::new();
    let mut todo: Vec<(i64, String)> = Vec::new();
    {
        let mut stmt = conn.prepare("SELECT id, number, reference FROM invoice ORDER BY id")?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            match r.get::<_, Option<String>>(2)? {
                Some(existing) => {
                    taken.insert(existing);
                }
                None => todo.push((r.get(0)?, r.get(1)?)),
            }
        }
    }
    let mut update = conn.prepare("UPDATE invoice SET reference = ?1 WHERE id = ?2")?;
    for (id, number) in todo {
        let Some(r) = reference::choose(&number, id, ReferenceKind::Rf, |r| taken.contains(r.as_str()))
        else {
            continue;
        };
        update.execute(rusqlite::params![r.as_str(), id])?;
        taken.insert(r.into_string());
    }
    Ok(())
}
