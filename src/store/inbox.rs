//! What `dun inbox` reads and writes (SPEC.md §10): where each IMAP mailbox
//! was left off, the lookups that match a message to invoices (Message-IDs
//! dun sent, the addresses of clients), the entries it logs, and what
//! `dun due` shows of them ("Replies to read", auto-reply notes).
//!
//! Every lookup takes a whole batch of messages at once: a few indexed
//! queries per batch, never one per message.

use std::collections::{HashMap, HashSet};

use anyhow::Result;
use chrono::NaiveDate;
use rusqlite::{Connection, named_params, params_from_iter};

use super::split_emails;
use crate::domain::contact::{Channel, Outcome};
use crate::domain::inbound::SentOn;

/// Parameters per `IN (…)` list, well inside SQLite's limit.
const CHUNK: usize = 500;

/// Where a mailbox was left off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    pub uid_validity: u32,
    pub last_uid: u32,
}

/// The positions of an account's mailboxes.
pub fn mailbox_positions(conn: &Connection, account: &str) -> Result<HashMap<String, Position>> {
    let mut stmt =
        conn.prepare("SELECT mailbox, uid_validity, last_uid FROM mailbox_position WHERE account = ?1")?;
    let rows = stmt.query_map([account], |r| {
        Ok((
            r.get::<_, String>(0)?,
            Position {
                uid_validity: r.get(1)?,
                last_uid: r.get(2)?,
            },
        ))
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn set_mailbox_position(
    conn: &Connection,
    account: &str,
    mailbox: &str,
    p: Position,
    at: &str,
) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO mailbox_position (account, mailbox, uid_validity, last_uid, read_at)
         VALUES (:account, :mailbox, :validity, :uid, :at)
         ON CONFLICT (account, mailbox) DO UPDATE
         SET uid_validity = excluded.uid_validity, last_uid = excluded.last_uid, read_at = excluded.read_at",
    )?
    .execute(named_params! {
        ":account": account,
        ":mailbox": mailbox,
        ":validity": p.uid_validity,
        ":uid": p.last_uid,
        ":at": at,
    })?;
    Ok(())
}

fn placeholders(n: usize) -> String {
    vec!["?"; n].join(", ")
}

/// Which of these Message-IDs dun sent, and on which invoices (with whether
/// the client's addresses changed since).
pub fn sent_messages(conn: &Connection, ids: &[String]) -> Result<Vec<(String, SentOn)>> {
    let mut out = Vec::new();
    for chunk in ids.chunks(CHUNK) {
        let sql = format!(
            "SELECT l.message_id, l.invoice_id, l.id <= c.email_mark
             FROM contact_log l JOIN invoice i ON i.id = l.invoice_id JOIN client c ON c.id = i.client_id
             WHERE l.message_id IS NOT NULL AND l.message_id IN ({})
               AND l.inbound = 0 AND l.channel = 'email'",
            placeholders(chunk.len())
        );
        let mut stmt = conn.prepare(&sql)?;
        let rows = stmt.query_map(params_from_iter(chunk), |r| {
            Ok((
                r.get::<_, String>(0)?,
                SentOn {
                    invoice: r.get(1)?,
                    before_address_change: r.get(2)?,
                },
            ))
        })?;
        for r in rows {
            out.push(r?);
        }
    }
    Ok(out)
}

/// Which of these message keys are logged already.
pub fn logged_message_keys(conn: &Connection, keys: &[String]) -> Result<HashSet<String>> {
    let mut out = HashSet::new();
    for chunk in keys.chunks(CHUNK) {
        let sql = format!(
            "SELECT DISTINCT message_key FROM contact_log
             WHERE message_key IS NOT NULL AND message_key IN ({})",
            placeholders(chunk.len())
        );
        let mut stmt = conn.prepare(&sql)?;
        let rows = stmt.query_map(params_from_iter(chunk), |r| r.get::<_, String>(0))?;
        for r in rows {
            out.insert(r?);
        }
    }
    Ok(out)
}

/// Every address of every client and escalation contact (lower case) → client ids.
pub fn address_book(conn: &Connection) -> Result<HashMap<String, Vec<i64>>> {
    let mut book: HashMap<String, Vec<i64>> = HashMap::new();
    let mut add = |addr: &str, client: i64| {
        let a = addr.trim().to_lowercase();
        if a.is_empty() {
            return;
        }
        let list = book.entry(a).or_default();
        if !list.contains(&client) {
            list.push(client);
        }
    };
    let mut stmt = conn.prepare("SELECT id, emails FROM client WHERE emails <> ''")?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let id: i64 = r.get(0)?;
        // A stored address may carry the person's name: "Jane Cole <jane@acme.example>".
        for e in split_emails(&r.get::<_, String>(1)?) {
            add(crate::domain::text::mailbox_parts(&e).1, id);
        }
    }
    let mut stmt = conn.prepare("SELECT client_id, email FROM escalation_contact WHERE email IS NOT NULL")?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        add(&r.get::<_, String>(1)?, r.get(0)?);
    }
    Ok(book)
}

/// The open invoices with something left to pay of these clients:
/// client id → (invoice id, number), oldest due first.
pub fn open_invoices_of(conn: &Connection, clients: &[i64]) -> Result<HashMap<i64, Vec<(i64, String)>>> {
    let mut open: Vec<(i64, i64, String)> = Vec::new();
    let mut owed: HashMap<i64, (String, i64)> = HashMap::new();
    for chunk in clients.chunks(CHUNK) {
        let sql = format!(
            "SELECT i.client_id, i.id, i.number, i.amount - i.write_down FROM invoice i
             WHERE i.closed IS NULL AND i.client_id IN ({})
             ORDER BY i.due, i.id",
            placeholders(chunk.len())
        );
        let mut stmt = conn.prepare(&sql)?;
        let rows = stmt.query_map(params_from_iter(chunk), |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, i64>(3)?,
            ))
        })?;
        for r in rows {
            let (client, id, number, left) = r?;
            owed.insert(id, (number.clone(), left));
            open.push((client, id, number));
        }
    }
    // Something left to pay: summed exactly in Rust, not in SQL.
    let balances = super::balances_of(conn, &owed)?;
    let mut out: HashMap<i64, Vec<(i64, String)>> = HashMap::new();
    for (client, id, number) in open {
        if balances.get(&id).is_some_and(|b| *b > 0) {
            out.entry(client).or_default().push((id, number));
        }
    }
    Ok(out)
}

/// An invoice as the inbox's output names it.
#[derive(Debug, Clone)]
pub struct InvoiceLabel {
    pub number: String,
    pub client_handle: String,
    pub client_name: String,
}

pub fn invoice_labels(conn: &Connection, ids: &[i64]) -> Result<HashMap<i64, InvoiceLabel>> {
    let mut out = HashMap::new();
    for chunk in ids.chunks(CHUNK) {
        let sql = format!(
            "SELECT i.id, i.number, c.handle, c.name FROM invoice i JOIN client c ON c.id = i.client_id
             WHERE i.id IN ({})",
            placeholders(chunk.len())
        );
        let mut stmt = conn.prepare(&sql)?;
        let rows = stmt.query_map(params_from_iter(chunk), |r| {
            Ok((
                r.get::<_, i64>(0)?,
                InvoiceLabel {
                    number: r.get(1)?,
                    client_handle: r.get(2)?,
                    client_name: r.get(3)?,
                },
            ))
        })?;
        for r in rows {
            let (id, label) = r?;
            out.insert(id, label);
        }
    }
    Ok(out)
}

/// One entry `dun inbox` logs.
#[derive(Debug, Clone)]
pub struct InboxEntry {
    pub invoice_id: i64,
    pub channel: Channel,
    pub inbound: bool,
    pub on: NaiveDate,
    pub outcome: Option<Outcome>,
    pub note: String,
    /// Who the message came from (stored in `recipients`: the other party).
    pub from: Option<String>,
    pub subject: String,
    pub message_id: Option<String>,
    pub message_key: String,
}

/// Logs an inbox entry unless this message is logged on this invoice
/// already; returns whether it was written.
pub fn insert_inbox_entry(conn: &Connection, e: &InboxEntry, at: &str) -> Result<bool> {
    let n = conn
        .prepare_cached(
            "INSERT INTO contact_log (invoice_id, channel, inbound, on_date, at, outcome, note,
                                      recipients, subject, message_id, message_key)
             VALUES (:invoice, :channel, :inbound, :on, :at, :outcome, :note,
                     :from, :subject, :message_id, :key)
             ON CONFLICT (invoice_id, message_key) WHERE message_key IS NOT NULL DO NOTHING",
        )?
        .execute(named_params! {
            ":invoice": e.invoice_id,
            ":channel": e.channel.as_str(),
            ":inbound": e.inbound,
            ":on": e.on,
            ":at": at,
            ":outcome": e.outcome.map(Outcome::as_str),
            ":note": e.note,
            ":from": e.from,
            ":subject": e.subject,
            ":message_id": e.message_id,
            ":key": e.message_key,
        })?;
    Ok(n > 0)
}

/// A reply the user has not acted on yet (SPEC.md §10 "Replies to read").
#[derive(Debug, Clone)]
pub struct ReplyToRead {
    pub invoice_id: i64,
    pub number: String,
    pub client_handle: String,
    pub client_name: String,
    pub on: NaiveDate,
    pub note: Option<String>,
    pub from: Option<String>,
    pub due: NaiveDate,
    pub currency: String,
    pub balance: i64,
}

/// The replies read from the mailbox on open invoices with nothing logged
/// by the user after them: no contact they logged, no hold they placed, no
/// payment they recorded. (E-mails dun sent and other inbox entries do not
/// count.)
pub fn replies_to_read(conn: &Connection) -> Result<Vec<ReplyToRead>> {
    let mut stmt = conn.prepare(
        "SELECT l.invoice_id, i.number, c.handle, c.name, l.on_date, l.note, l.recipients, i.due, i.currency,
                i.amount - i.write_down
         FROM contact_log l
         JOIN invoice i ON i.id = l.invoice_id
         JOIN client c ON c.id = i.client_id
         WHERE l.message_key IS NOT NULL AND l.outcome = 'replied' AND i.closed IS NULL
           AND NOT EXISTS (SELECT 1 FROM contact_log u
                           WHERE u.invoice_id = l.invoice_id AND u.id > l.id
                             AND u.message_key IS NULL AND u.delivery IS NULL)
           AND NOT EXISTS (SELECT 1 FROM hold h WHERE h.invoice_id = l.invoice_id AND h.created_at >= l.at)
           AND NOT EXISTS (SELECT 1 FROM payment p WHERE p.invoice_id = l.invoice_id AND p.created_at >= l.at)
         ORDER BY l.on_date, l.id",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(ReplyToRead {
            invoice_id: r.get(0)?,
            number: r.get(1)?,
            client_handle: r.get(2)?,
            client_name: r.get(3)?,
            on: r.get(4)?,
            note: r.get(5)?,
            from: r.get(6)?,
            due: r.get(7)?,
            currency: r.get(8)?,
            balance: r.get(9)?,
        })
    })?;
    let mut replies: Vec<ReplyToRead> = rows.collect::<rusqlite::Result<_>>()?;
    // `balance` holds amount − write-down until the payments are taken off,
    // summed exactly in Rust, not in SQL.
    let owed: HashMap<i64, (String, i64)> = replies
        .iter()
        .map(|r| (r.invoice_id, (r.number.clone(), r.balance)))
        .collect();
    let balances = super::balances_of(conn, &owed)?;
    for r in &mut replies {
        if let Some(b) = balances.get(&r.invoice_id) {
            r.balance = *b;
        }
    }
    Ok(replies)
}

/// Per open invoice, its newest out-of-office answer, when nothing but
/// delay notices was logged after it: (day, note).
pub fn auto_reply_notes(conn: &Connection) -> Result<HashMap<i64, (NaiveDate, String)>> {
    let mut stmt = conn.prepare(
        "SELECT l.invoice_id, l.on_date, COALESCE(l.note, l.subject, '')
         FROM contact_log l JOIN invoice i ON i.id = l.invoice_id
         WHERE l.message_key IS NOT NULL AND l.outcome = 'auto-reply' AND i.closed IS NULL
           AND NOT EXISTS (SELECT 1 FROM contact_log u
                           WHERE u.invoice_id = l.invoice_id AND u.id > l.id
                             AND NOT (u.channel = 'note' AND u.message_key IS NOT NULL))",
    )?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, i64>(0)?, (r.get(1)?, r.get(2)?))))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
