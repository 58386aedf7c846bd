//! Invoices, payments, holds and the contact log of one invoice.

use std::collections::HashMap;

use anyhow::{Context as _, Result, anyhow};
use chrono::NaiveDate;
use rusqlite::{Connection, OptionalExtension, named_params, params_from_iter};

use crate::domain::contact::{Channel, Delivery, HoldKind, Outcome};
use crate::domain::ladder::{Contact, Hold};
use crate::domain::reference::{self, Reference, ReferenceKind};

/// An invoice as stored, with its client's handle and the sum of its payments.
#[derive(Debug, Clone)]
pub struct InvoiceRow {
    pub id: i64,
    pub number: String,
    pub client_id: i64,
    pub client_handle: String,
    pub client_name: String,
    pub issued: NaiveDate,
    pub due: NaiveDate,
    pub amount: i64,
    pub currency: String,
    pub description: Option<String>,
    pub pay_link: Option<String>,
    pub start_step: Option<String>,
    pub entered_on: NaiveDate,
    pub closed: Option<String>,
    pub closed_on: Option<NaiveDate>,
    pub close_note: Option<String>,
    pub write_down: i64,
    pub paid: i64,
    /// A hold in force on the day the row was read for.
    pub held: bool,
    /// The payment reference, compact (`RF972026014`); `None`: no reference.
    pub reference: Option<String>,
}

impl InvoiceRow {
    pub fn balance(&self) -> i64 {
        self.amount - self.paid - self.write_down
    }
}

const INVOICE_SELECT: &str = "
    SELECT i.id, i.number, i.client_id, c.handle, c.name, i.issued, i.due, i.amount, i.currency,
           i.description, i.pay_link, i.start_step, i.entered_on, i.closed, i.closed_on,
           i.close_note, i.write_down,
           COALESCE((SELECT SUM(p.amount) FROM payment p WHERE p.invoice_id = i.id), 0),
           EXISTS (SELECT 1 FROM hold h WHERE h.invoice_id = i.id AND h.released_on IS NULL
                   AND h.since <= :today AND (h.until IS NULL OR h.until >= :today)),
           i.reference
    FROM invoice i JOIN client c ON c.id = i.client_id";

fn invoice_from_row(r: &rusqlite::Row) -> rusqlite::Result<InvoiceRow> {
    Ok(InvoiceRow {
        id: r.get(0)?,
        number: r.get(1)?,
        client_id: r.get(2)?,
        client_handle: r.get(3)?,
        client_name: r.get(4)?,
        issued: r.get(5)?,
        due: r.get(6)?,
        amount: r.get(7)?,
        currency: r.get(8)?,
        description: r.get(9)?,
        pay_link: r.get(10)?,
        start_step: r.get(11)?,
        entered_on: r.get(12)?,
        closed: r.get(13)?,
        closed_on: r.get(14)?,
        close_note: r.get(15)?,
        write_down: r.get(16)?,
        paid: r.get(17)?,
        held: r.get(18)?,
        reference: r.get(19)?,
    })
}

pub fn find_invoice(conn: &Connection, number: &str, today: NaiveDate) -> Result<Option<InvoiceRow>> {
    Ok(conn
        .query_row(
            &format!("{INVOICE_SELECT} WHERE i.number = :number"),
            named_params! { ":number": number, ":today": today },
            invoice_from_row,
        )
        .optional()?)
}

/// The invoices with these numbers (those that exist), in one query: the
/// numbers go in as one JSON array.
pub fn invoices_by_numbers(conn: &Connection, numbers: &[&str], today: NaiveDate) -> Result<Vec<InvoiceRow>> {
    let list = serde_json::to_string(numbers)?;
    let mut stmt = conn.prepare(&format!(
        "{INVOICE_SELECT} WHERE i.number IN (SELECT value FROM json_each(:numbers))"
    ))?;
    let rows = stmt.query_map(
        named_params! { ":numbers": list, ":today": today },
        invoice_from_row,
    )?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Every invoice (optionally one client's), by due date then number.
pub fn list_invoices(conn: &Connection, client_id: Option<i64>, today: NaiveDate) -> Result<Vec<InvoiceRow>> {
    let mut stmt = conn.prepare(&format!(
        "{INVOICE_SELECT} WHERE (:client IS NULL OR i.client_id = :client) ORDER BY i.due, i.number"
    ))?;
    let rows = stmt.query_map(
        named_params! { ":client": client_id, ":today": today },
        invoice_from_row,
    )?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// A new invoice, already validated.
pub struct NewInvoice<'a> {
    pub number: &'a str,
    pub client_id: i64,
    pub issued: NaiveDate,
    pub due: NaiveDate,
    pub amount: i64,
    pub currency: &'a str,
    pub description: Option<&'a str>,
    pub pay_link: Option<&'a str>,
    pub start_step: Option<&'a str>,
    pub entered_on: NaiveDate,
    /// The kind of payment reference it gets (`[sender] reference`).
    pub reference: ReferenceKind,
    pub now: &'a str,
}

/// Adds an invoice with its payment reference: the one made from its number
/// when that is free, else one made from its id (domain::reference).
pub fn insert_invoice(conn: &Connection, n: &NewInvoice) -> Result<i64> {
    let mut from_number = reference::from_number(n.number, n.reference);
    if let Some(r) = &from_number
        && reference_taken(conn, r.as_str())?
    {
        from_number = None;
    }
    conn.prepare_cached(
        "INSERT INTO invoice (number, client_id, issued, due, amount, currency, description,
                              pay_link, start_step, entered_on, created_at, reference)
         VALUES (:number, :client, :issued, :due, :amount, :currency, :description,
                 :pay_link, :start_step, :entered_on, :now, :reference)",
    )?
    .execute(named_params! {
        ":number": n.number,
        ":client": n.client_id,
        ":issued": n.issued,
        ":due": n.due,
        ":amount": n.amount,
        ":currency": n.currency,
        ":description": n.description,
        ":pay_link": n.pay_link,
        ":start_step": n.start_step,
        ":entered_on": n.entered_on,
        ":now": n.now,
        ":reference": from_number.as_ref().map(Reference::as_str),
    })?;
    let id = conn.last_insert_rowid();
    if from_number.is_none() {
        let mut k = 0;
        while let Some(r) = reference::from_id(id, n.reference, k) {
            if !reference_taken(conn, r.as_str())? {
                conn.prepare_cached("UPDATE invoice SET reference = ?1 WHERE id = ?2")?
                    .execute(rusqlite::params![r.as_str(), id])?;
                break;
            }
            k += 1;
        }
    }
    Ok(id)
}

/// Whether an invoice already has this (compact) reference.
pub fn reference_taken(conn: &Connection, reference: &str) -> Result<bool> {
    Ok(conn
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM invoice WHERE reference = ?1)")?
        .query_row([reference], |r| r.get(0))?)
}

/// Every invoice number, in order (for suggestions when one is mistyped).
pub fn invoice_numbers(conn: &Connection) -> Result<Vec<String>> {
    let mut stmt = conn.prepare("SELECT number FROM invoice ORDER BY number")?;
    let rows = stmt.query_map([], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn invoice_number_taken(conn: &Connection, number: &str) -> Result<bool> {
    Ok(conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM invoice WHERE number = ?1)",
        [number],
        |r| r.get(0),
    )?)
}

/// Writes back the editable fields of an invoice.
pub fn update_invoice(conn: &Connection, i: &InvoiceRow) -> Result<()> {
    conn.execute(
        "UPDATE invoice SET client_id = :client, issued = :issued, due = :due, amount = :amount,
                currency = :currency, description = :description, pay_link = :pay_link,
                start_step = :start_step
         WHERE id = :id",
        named_params! {
            ":id": i.id,
            ":client": i.client_id,
            ":start_step": i.start_step,
            ":issued": i.issued,
            ":due": i.due,
            ":amount": i.amount,
            ":currency": i.currency,
            ":description": i.description,
            ":pay_link": i.pay_link,
        },
    )?;
    Ok(())
}

/// Takes an invoice off the ladder for good, or (with `None`) puts it back
/// (an edit that raised the amount above what was paid).
pub fn set_closed(
    conn: &Connection,
    invoice_id: i64,
    closed: Option<&str>,
    on: Option<NaiveDate>,
    note: Option<&str>,
    write_down: i64,
) -> Result<()> {
    conn.prepare_cached(
        "UPDATE invoice SET closed = :closed, closed_on = :on, close_note = :note, write_down = :wd
         WHERE id = :id",
    )?
    .execute(
        named_params! { ":id": invoice_id, ":closed": closed, ":on": on, ":note": note, ":wd": write_down },
    )?;
    Ok(())
}

/// A payment as stored.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PaymentRow {
    pub amount: i64,
    pub paid_on: NaiveDate,
    pub method: Option<String>,
    pub note: Option<String>,
}

pub fn insert_payment(conn: &Connection, invoice_id: i64, p: &PaymentRow, now: &str) -> Result<()> {
    insert_payment_from(conn, invoice_id, p, None, now)
}

/// A payment, with the identity of the bank entry it was read from, if any
/// (docs/bank.md "Exactly once").
pub fn insert_payment_from(
    conn: &Connection,
    invoice_id: i64,
    p: &PaymentRow,
    bank_entry: Option<&str>,
    now: &str,
) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO payment (invoice_id, amount, paid_on, method, note, created_at, bank_entry)
         VALUES (:invoice, :amount, :on, :method, :note, :now, :bank_entry)",
    )?
    .execute(named_params! {
        ":invoice": invoice_id,
        ":amount": p.amount,
        ":on": p.paid_on,
        ":method": p.method,
        ":note": p.note,
        ":now": now,
        ":bank_entry": bank_entry,
    })?;
    Ok(())
}

pub fn payments(conn: &Connection, invoice_id: i64) -> Result<Vec<PaymentRow>> {
    let mut stmt = conn.prepare(
        "SELECT amount, paid_on, method, note FROM payment WHERE invoice_id = ?1 ORDER BY paid_on, id",
    )?;
    let rows = stmt.query_map([invoice_id], |r| {
        Ok(PaymentRow {
            amount: r.get(0)?,
            paid_on: r.get(1)?,
            method: r.get(2)?,
            note: r.get(3)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// A hold as stored, released or not.
#[derive(Debug, Clone)]
pub struct HoldRow {
    pub id: i64,
    pub kind: HoldKind,
    pub since: NaiveDate,
    pub until: Option<NaiveDate>,
    pub note: Option<String>,
    pub released_on: Option<NaiveDate>,
}

impl HoldRow {
    pub fn as_hold(&self) -> Hold {
        Hold {
            kind: self.kind,
            since: self.since,
            until: self.until,
        }
    }
}

fn parse_word<T>(parse: fn(&str) -> Result<T, String>, text: &str) -> rusqlite::Result<T> {
    parse(text)
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, e.into()))
}

pub fn holds(conn: &Connection, invoice_id: i64) -> Result<Vec<HoldRow>> {
    let mut stmt = conn.prepare(
        "SELECT id, kind, since, until, note, released_on FROM hold WHERE invoice_id = ?1 ORDER BY id",
    )?;
    let rows = stmt.query_map([invoice_id], |r| {
        Ok(HoldRow {
            id: r.get(0)?,
            kind: parse_word(HoldKind::parse, &r.get::<_, String>(1)?)?,
            since: r.get(2)?,
            until: r.get(3)?,
            note: r.get(4)?,
            released_on: r.get(5)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn insert_hold(
    conn: &Connection,
    invoice_id: i64,
    kind: HoldKind,
    since: NaiveDate,
    until: Option<NaiveDate>,
    note: Option<&str>,
    now: &str,
) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO hold (invoice_id, kind, since, until, note, created_at)
         VALUES (:invoice, :kind, :since, :until, :note, :now)",
    )?
    .execute(named_params! {
        ":invoice": invoice_id,
        ":kind": kind.as_str(),
        ":since": since,
        ":until": until,
        ":note": note,
        ":now": now,
    })?;
    Ok(())
}

/// Releases the unreleased holds of this kind; returns how many there were.
pub fn release_holds(conn: &Connection, invoice_id: i64, kind: HoldKind, on: NaiveDate) -> Result<usize> {
    Ok(conn.execute(
        "UPDATE hold SET released_on = :on
         WHERE invoice_id = :invoice AND kind = :kind AND released_on IS NULL",
        named_params! { ":invoice": invoice_id, ":kind": kind.as_str(), ":on": on },
    )?)
}

/// One entry of the contact log, as stored.
#[derive(Debug, Clone)]
pub struct LogRow {
    pub id: i64,
    pub channel: Channel,
    pub inbound: bool,
    pub on: NaiveDate,
    pub at: String,
    pub step: Option<String>,
    pub outcome: Option<Outcome>,
    pub note: Option<String>,
    pub recipients: Option<String>,
    pub subject: Option<String>,
    pub message_id: Option<String>,
    pub delivery: Option<Delivery>,
    pub delivery_detail: Option<String>,
    /// Letters: the day the client was given to pay by.
    pub deadline: Option<NaiveDate>,
    /// Mail read from the inbox: the message's identity (logged once).
    pub message_key: Option<String>,
}

impl LogRow {
    pub fn as_contact(&self) -> Contact {
        Contact {
            on: self.on,
            channel: self.channel,
            inbound: self.inbound,
            step: self.step.clone(),
            outcome: self.outcome,
            delivery: self.delivery,
            deadline: self.deadline,
        }
    }
}

const LOG_COLUMNS: &str = "l.id, l.channel, l.inbound, l.on_date, l.at, l.step, l.outcome, l.note,
    l.recipients, l.subject, l.message_id, l.delivery, l.delivery_detail, l.deadline, l.message_key";

fn log_from_row(r: &rusqlite::Row) -> rusqlite::Result<LogRow> {
    Ok(LogRow {
        id: r.get(0)?,
        channel: parse_word(Channel::parse, &r.get::<_, String>(1)?)?,
        inbound: r.get(2)?,
        on: r.get(3)?,
        at: r.get(4)?,
        step: r.get(5)?,
        outcome: r
            .get::<_, Option<String>>(6)?
            .map(|o| parse_word(Outcome::parse, &o))
            .transpose()?,
        note: r.get(7)?,
        recipients: r.get(8)?,
        subject: r.get(9)?,
        message_id: r.get(10)?,
        delivery: r
            .get::<_, Option<String>>(11)?
            .map(|o| parse_word(Delivery::parse, &o))
            .transpose()?,
        delivery_detail: r.get(12)?,
        deadline: r.get(13)?,
        message_key: r.get(14)?,
    })
}

pub fn log_entries(conn: &Connection, invoice_id: i64) -> Result<Vec<LogRow>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {LOG_COLUMNS} FROM contact_log l WHERE l.invoice_id = ?1 ORDER BY l.id"
    ))?;
    let rows = stmt.query_map([invoice_id], log_from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// A contact to append to the log.
pub struct NewLog<'a> {
    pub invoice_id: i64,
    pub channel: Channel,
    pub inbound: bool,
    pub on: NaiveDate,
    pub at: &'a str,
    pub step: Option<&'a str>,
    pub outcome: Option<Outcome>,
    pub note: Option<&'a str>,
    pub recipients: Option<&'a str>,
    pub subject: Option<&'a str>,
    pub message_id: Option<&'a str>,
    pub delivery: Option<Delivery>,
    /// Letters: the day the client was given to pay by (SPEC.md §3 rule 10).
    pub deadline: Option<NaiveDate>,
    /// Mail read from the inbox: the message's identity, so it is logged once.
    pub message_key: Option<&'a str>,
}

pub fn insert_log(conn: &Connection, l: &NewLog) -> Result<i64> {
    insert_log_by(conn, l, None)
}

/// [`insert_log`] for an e-mail that the `dun send` run `run` is sending.
pub fn insert_log_of_run(conn: &Connection, l: &NewLog, run: i64) -> Result<i64> {
    insert_log_by(conn, l, Some(run))
}

fn insert_log_by(conn: &Connection, l: &NewLog, run: Option<i64>) -> Result<i64> {
    conn.prepare_cached(
        "INSERT INTO contact_log (invoice_id, channel, inbound, on_date, at, step, outcome, note,
                                  recipients, subject, message_id, delivery, deadline, message_key, send_run)
         VALUES (:invoice, :channel, :inbound, :on, :at, :step, :outcome, :note,
                 :recipients, :subject, :message_id, :delivery, :deadline, :message_key, :run)",
    )?
    .execute(named_params! {
        ":run": run,
        ":invoice": l.invoice_id,
        ":channel": l.channel.as_str(),
        ":inbound": l.inbound,
        ":on": l.on,
        ":at": l.at,
        ":step": l.step,
        ":outcome": l.outcome.map(|o| o.as_str()),
        ":note": l.note,
        ":recipients": l.recipients,
        ":subject": l.subject,
        ":message_id": l.message_id,
        ":delivery": l.delivery.map(|d| d.as_str()),
        ":deadline": l.deadline,
        ":message_key": l.message_key,
    })?;
    Ok(conn.last_insert_rowid())
}

/// Recent contacts across a client's invoices, newest first, for the statement.
pub fn client_log(conn: &Connection, client_id: i64, limit: i64) -> Result<Vec<(String, LogRow)>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {LOG_COLUMNS}, i.number FROM contact_log l JOIN invoice i ON i.id = l.invoice_id
         WHERE i.client_id = ?1 ORDER BY l.on_date DESC, l.id DESC LIMIT ?2"
    ))?;
    let rows = stmt.query_map(rusqlite::params![client_id, limit], |r| {
        Ok((r.get(15)?, log_from_row(r)?))
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// What is left to pay on invoices given as id → (number, amount −
/// write-down): their payments are summed here, exactly (i128), not in SQL,
/// where a sum past i64 stops the whole query without saying which invoice
/// (reliability report F2/F3). A balance past i64 is an error naming the
/// invoice, never a wrapped or saturated figure. One query per 500 invoices.
pub fn balances_of(conn: &Connection, owed: &HashMap<i64, (String, i64)>) -> Result<HashMap<i64, i64>> {
    let ids: Vec<i64> = owed.keys().copied().collect();
    let mut paid: HashMap<i64, i128> = HashMap::new();
    for chunk in ids.chunks(500) {
        let sql = format!(
            "SELECT invoice_id, amount FROM payment WHERE invoice_id IN ({})",
            vec!["?"; chunk.len()].join(", ")
        );
        let mut stmt = conn.prepare(&sql)?;
        let mut rows = stmt.query(params_from_iter(chunk))?;
        while let Some(r) = rows.next()? {
            let id: i64 = r.get(0)?;
            let amount: i64 = r.get(1).with_context(|| {
                let number = owed.get(&id).map_or("?", |(n, _)| n.as_str());
                format!("invoice {number}: a payment on it cannot be read")
            })?;
            *paid.entry(id).or_default() += i128::from(amount);
        }
    }
    owed.iter()
        .map(|(id, (number, owed))| {
            let left = i128::from(*owed) - paid.get(id).copied().unwrap_or(0);
            let left = i64::try_from(left)
                .map_err(|_| anyhow!("invoice {number}: its payments add up past any amount dun can hold"))?;
            Ok((*id, left))
        })
        .collect()
}
