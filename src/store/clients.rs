//! Clients and their escalation contacts.

use anyhow::Result;
use rusqlite::{Connection, OptionalExtension, named_params};

/// A client as stored.
#[derive(Debug, Clone)]
pub struct ClientRow {
    pub id: i64,
    pub handle: String,
    pub name: String,
    pub emails: Vec<String>,
    pub phone: Option<String>,
    pub lang: String,
    pub notes: Option<String>,
    pub email_mark: i64,
    pub party: Party,
}

/// Who a client is on paper and in law: the postal address for letters, the
/// company number, the country whose law applies, and whether it is a
/// consumer (SPEC.md §6 The law, §13).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Party {
    /// Lines joined by `\n`.
    pub address: Option<String>,
    pub org_number: Option<String>,
    /// ISO 3166-1 alpha-2; `None`: `[defaults] country` applies.
    pub country: Option<String>,
    pub consumer: bool,
}

impl Party {
    /// The address as lines, for letters.
    pub fn address_lines(&self) -> Vec<&str> {
        self.address
            .as_deref()
            .map(|a| a.lines().collect())
            .unwrap_or_default()
    }
}

/// Someone above the usual contact: a CFO, the owner.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct EscalationContact {
    pub name: String,
    pub role: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
}

/// A new client, already validated.
pub struct NewClient<'a> {
    pub handle: &'a str,
    pub name: &'a str,
    pub emails: &'a [String],
    pub phone: Option<&'a str>,
    pub lang: &'a str,
    pub notes: Option<&'a str>,
    pub party: &'a Party,
    pub now: &'a str,
}

pub(crate) fn split_emails(joined: &str) -> Vec<String> {
    joined
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect()
}

const CLIENT_COLUMNS: &str =
    "id, handle, name, emails, phone, lang, notes, email_mark, address, org_number, country, consumer";

fn client_from_row(r: &rusqlite::Row) -> rusqlite::Result<ClientRow> {
    Ok(ClientRow {
        id: r.get(0)?,
        handle: r.get(1)?,
        name: r.get(2)?,
        emails: split_emails(&r.get::<_, String>(3)?),
        phone: r.get(4)?,
        lang: r.get(5)?,
        notes: r.get(6)?,
        email_mark: r.get(7)?,
        party: Party {
            address: r.get(8)?,
            org_number: r.get(9)?,
            country: r.get(10)?,
            consumer: r.get(11)?,
        },
    })
}

pub fn insert_client(conn: &Connection, c: &NewClient) -> Result<i64> {
    conn.prepare_cached(
        "INSERT INTO client (handle, name, emails, phone, lang, notes, address, org_number, country,
                             consumer, created_at)
         VALUES (:handle, :name, :emails, :phone, :lang, :notes, :address, :org_number, :country,
                 :consumer, :now)",
    )?
    .execute(named_params! {
        ":handle": c.handle,
        ":name": c.name,
        ":emails": c.emails.join(", "),
        ":phone": c.phone,
        ":lang": c.lang,
        ":notes": c.notes,
        ":address": c.party.address,
        ":org_number": c.party.org_number,
        ":country": c.party.country,
        ":consumer": c.party.consumer,
        ":now": c.now,
    })?;
    Ok(conn.last_insert_rowid())
}

pub fn handle_taken(conn: &Connection, handle: &str) -> Result<bool> {
    Ok(conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM client WHERE handle = ?1)",
        [handle],
        |r| r.get(0),
    )?)
}

pub fn find_client(conn: &Connection, handle: &str) -> Result<Option<ClientRow>> {
    Ok(conn
        .query_row(
            &format!("SELECT {CLIENT_COLUMNS} FROM client WHERE handle = ?1"),
            [handle],
            client_from_row,
        )
        .optional()?)
}

pub fn client_by_id(conn: &Connection, id: i64) -> Result<ClientRow> {
    Ok(conn.query_row(
        &format!("SELECT {CLIENT_COLUMNS} FROM client WHERE id = ?1"),
        [id],
        client_from_row,
    )?)
}

pub fn all_clients(conn: &Connection) -> Result<Vec<ClientRow>> {
    let mut stmt = conn.prepare(&format!("SELECT {CLIENT_COLUMNS} FROM client ORDER BY handle"))?;
    let rows = stmt.query_map([], client_from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Open balances per client and currency, for `client list`: (client,
/// currency, open invoices, balance). Summed in Rust, exactly: an SQL SUM
/// over a client's invoices overflows past i64 (reliability report F2).
pub fn open_balances(conn: &Connection) -> Result<Vec<(i64, String, i64, i128)>> {
    let mut stmt = conn.prepare(
        "SELECT i.client_id, i.currency,
                i.amount - i.write_down
                    - COALESCE((SELECT SUM(p.amount) FROM payment p WHERE p.invoice_id = i.id), 0)
         FROM invoice i WHERE i.closed IS NULL ORDER BY i.client_id, i.currency",
    )?;
    let mut rows = stmt.query([])?;
    let mut out: Vec<(i64, String, i64, i128)> = Vec::new();
    while let Some(r) = rows.next()? {
        let (client, currency, balance): (i64, String, i64) = (r.get(0)?, r.get(1)?, r.get(2)?);
        match out.last_mut() {
            Some(last) if last.0 == client && last.1 == currency => {
                last.2 += 1;
                last.3 += i128::from(balance);
            }
            _ => out.push((client, currency, 1, i128::from(balance))),
        }
    }
    Ok(out)
}

pub fn escalation_contacts(conn: &Connection, client_id: i64) -> Result<Vec<EscalationContact>> {
    let mut stmt = conn.prepare(
        "SELECT name, role, email, phone FROM escalation_contact WHERE client_id = ?1 ORDER BY id",
    )?;
    let rows = stmt.query_map([client_id], |r| {
        Ok(EscalationContact {
            name: r.get(0)?,
            role: r.get(1)?,
            email: r.get(2)?,
            phone: r.get(3)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn add_escalation_contact(conn: &Connection, client_id: i64, c: &EscalationContact) -> Result<()> {
    conn.execute(
        "INSERT INTO escalation_contact (client_id, name, role, email, phone)
         VALUES (:client, :name, :role, :email, :phone)",
        named_params! {
            ":client": client_id,
            ":name": c.name,
            ":role": c.role,
            ":email": c.email,
            ":phone": c.phone,
        },
    )?;
    Ok(())
}

/// Removes the escalation contacts with this name; returns how many went.
pub fn remove_escalation_contact(conn: &Connection, client_id: i64, name: &str) -> Result<usize> {
    Ok(conn.execute(
        "DELETE FROM escalation_contact WHERE client_id = ?1 AND name = ?2",
        rusqlite::params![client_id, name],
    )?)
}

/// Writes back the editable fields of a client.
pub fn update_client(conn: &Connection, c: &ClientRow) -> Result<()> {
    conn.execute(
        "UPDATE client SET handle = :handle, name = :name, emails = :emails, phone = :phone, lang = :lang,
                notes = :notes, email_mark = :mark, address = :address, org_number = :org_number,
                country = :country, consumer = :consumer
         WHERE id = :id",
        named_params! {
            ":id": c.id,
            ":handle": c.handle,
            ":name": c.name,
            ":emails": c.emails.join(", "),
            ":phone": c.phone,
            ":lang": c.lang,
            ":notes": c.notes,
            ":mark": c.email_mark,
            ":address": c.party.address,
            ":org_number": c.party.org_number,
            ":country": c.party.country,
            ":consumer": c.party.consumer,
        },
    )?;
    Ok(())
}

/// The newest contact-log id: a client's addresses changed after it.
pub fn log_high_water(conn: &Connection) -> Result<i64> {
    Ok(conn.query_row("SELECT COALESCE(MAX(id), 0) FROM contact_log", [], |r| r.get(0))?)
}

pub fn count_client_invoices(conn: &Connection, client_id: i64) -> Result<i64> {
    Ok(conn.query_row(
        "SELECT COUNT(*) FROM invoice WHERE client_id = ?1",
        [client_id],
        |r| r.get(0),
    )?)
}

pub fn delete_client(conn: &Connection, client_id: i64) -> Result<()> {
    conn.execute("DELETE FROM client WHERE id = ?1", [client_id])?;
    Ok(())
}

/// Whether an e-mail to this client bounced since its addresses last changed.
pub fn client_bounced(conn: &Connection, client: &ClientRow) -> Result<bool> {
    Ok(conn.query_row(
        "SELECT EXISTS (
            SELECT 1 FROM contact_log l JOIN invoice i ON i.id = l.invoice_id
            WHERE i.client_id = ?1 AND l.outcome = 'bounced' AND l.channel = 'email'
              AND l.id > ?2)",
        rusqlite::params![client.id, client.email_mark],
        |r| r.get(0),
    )?)
}
