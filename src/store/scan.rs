//! The ladder's read path: every open invoice with its contact log, streamed
//! in due-date order, for `dun due`, `dun overdue` and `dun send`.
//!
//! Two cursors walk in step (invoices with their payment sums; log entries
//! of the same invoices in the same order) and are merged here, so that a
//! million invoices cost two index scans, not a million queries. Holds,
//! bounces and escalation contacts are few and loaded up front.

use std::collections::{HashMap, HashSet};

use anyhow::Result;
use chrono::NaiveDate;
use rusqlite::{Connection, named_params};

use super::{EscalationContact, split_emails};
use crate::domain::contact::{Channel, Delivery, HoldKind, Outcome};
use crate::domain::ladder::{Contact, Hold};

/// One open invoice and what the ladder needs to know about it.
#[derive(Debug, Clone, Default)]
pub struct OpenInvoice {
    pub id: i64,
    pub number: String,
    pub client_id: i64,
    pub client_handle: String,
    pub client_name: String,
    pub client_emails: String,
    pub client_phone: Option<String>,
    pub client_lang: String,
    pub issued: NaiveDate,
    pub due: NaiveDate,
    pub amount: i64,
    pub currency: String,
    pub description: Option<String>,
    pub pay_link: Option<String>,
    pub start_step: Option<String>,
    pub entered_on: NaiveDate,
    pub paid: i64,
    /// Σ payment × days it was paid before today, after the due date (for interest).
    pub paid_days: i64,
    pub contacts: Vec<Contact>,
    /// The newest contact, any direction.
    pub last_contact: Option<NaiveDate>,
    /// The payment reference, compact.
    pub reference: Option<String>,
}

impl OpenInvoice {
    pub fn balance(&self) -> i64 {
        self.amount - self.paid
    }

    pub fn emails(&self) -> Vec<String> {
        split_emails(&self.client_emails)
    }
}

/// Which open invoices to read.
#[derive(Debug, Clone, Copy)]
pub struct ScanFilter {
    /// Only invoices due on or before this date.
    pub due_until: NaiveDate,
    pub client_id: Option<i64>,
    pub invoice_id: Option<i64>,
}

/// Facts that are few, loaded once per scan.
#[derive(Debug, Default)]
pub struct ScanContext {
    /// Unreleased holds per invoice.
    pub holds: HashMap<i64, Vec<Hold>>,
    /// Clients whose e-mail bounced since their addresses last changed.
    pub bounced: HashSet<i64>,
    pub escalation: HashMap<i64, Vec<EscalationContact>>,
    /// The active payment plans of open invoices (their state is the domain's call).
    pub plans: HashMap<i64, super::CurrentPlan>,
}

impl ScanContext {
    pub fn load(conn: &Connection) -> Result<ScanContext> {
        let mut ctx = ScanContext::default();
        let mut stmt = conn.prepare(
            "SELECT h.invoice_id, h.kind, h.since, h.until FROM hold h
             JOIN invoice i ON i.id = h.invoice_id
             WHERE h.released_on IS NULL AND i.closed IS NULL",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let kind: String = r.get(1)?;
            let Ok(kind) = HoldKind::parse(&kind) else {
                continue;
            };
            ctx.holds.entry(r.get(0)?).or_default().push(Hold {
                kind,
                since: r.get(2)?,
                until: r.get(3)?,
            });
        }
        let mut stmt = conn.prepare(
            "SELECT DISTINCT i.client_id FROM contact_log l
             JOIN invoice i ON i.id = l.invoice_id JOIN client c ON c.id = i.client_id
             WHERE l.outcome = 'bounced' AND l.channel = 'email' AND l.id > c.email_mark",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            ctx.bounced.insert(r.get(0)?);
        }
        let mut stmt =
            conn.prepare("SELECT client_id, name, role, email, phone FROM escalation_contact ORDER BY id")?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            ctx.escalation
                .entry(r.get(0)?)
                .or_default()
                .push(EscalationContact {
                    name: r.get(1)?,
                    role: r.get(2)?,
                    email: r.get(3)?,
                    phone: r.get(4)?,
                });
        }
        ctx.plans = super::current_plans(conn, None)?;
        Ok(ctx)
    }
}

/// The open invoices, oldest due date first, with their payment sums.
pub const SCAN_INVOICES_SQL: &str = "
SELECT i.id, i.number, i.client_id, c.handle, c.name, c.emails, c.phone, c.lang,
       i.issued, i.due, i.amount, i.currency, i.description, i.pay_link, i.start_step, i.entered_on,
       (SELECT COALESCE(SUM(p.amount), 0) FROM payment p WHERE p.invoice_id = i.id),
       (SELECT COALESCE(SUM(p.amount * MAX(0, CAST(julianday(:today) - julianday(MAX(p.paid_on, i.due)) AS INTEGER))), 0)
        FROM payment p WHERE p.invoice_id = i.id),
       i.reference
FROM invoice i
JOIN client c ON c.id = i.client_id
WHERE i.closed IS NULL AND i.due <= :due_until
  AND (:client IS NULL OR i.client_id = :client)
  AND (:invoice IS NULL OR i.id = :invoice)
ORDER BY i.due, i.id";

/// The log entries of the same invoices, in the same order.
pub const SCAN_LOG_SQL: &str = "
SELECT l.invoice_id, l.on_date, l.channel, l.inbound, l.step, l.outcome, l.delivery
FROM invoice i
JOIN contact_log l ON l.invoice_id = i.id
WHERE i.closed IS NULL AND i.due <= :due_until
  AND (:client IS NULL OR i.client_id = :client)
  AND (:invoice IS NULL OR i.id = :invoice)
ORDER BY i.due, i.id, l.id";

/// Calls `each` for every open invoice that passes `filter`, in due-date
/// order. The invoice value is reused between calls.
pub fn scan_open(
    conn: &Connection,
    filter: ScanFilter,
    today: NaiveDate,
    mut each: impl FnMut(&OpenInvoice) -> Result<()>,
) -> Result<()> {
    let mut inv_stmt = conn.prepare_cached(SCAN_INVOICES_SQL)?;
    let mut log_stmt = conn.prepare_cached(SCAN_LOG_SQL)?;
    let mut invoices = inv_stmt.query(named_params! {
        ":today": today,
        ":due_until": filter.due_until,
        ":client": filter.client_id,
        ":invoice": filter.invoice_id,
    })?;
    let mut logs = log_stmt.query(named_params! {
        ":due_until": filter.due_until,
        ":client": filter.client_id,
        ":invoice": filter.invoice_id,
    })?;
    let mut pending_log: Option<(i64, Contact)> = next_log(&mut logs)?;
    let mut inv = OpenInvoice::default();
    while let Some(r) = invoices.next()? {
        inv.id = r.get(0)?;
        inv.number = r.get(1)?;
        inv.client_id = r.get(2)?;
        inv.client_handle = r.get(3)?;
        inv.client_name = r.get(4)?;
        inv.client_emails = r.get(5)?;
        inv.client_phone = r.get(6)?;
        inv.client_lang = r.get(7)?;
        inv.issued = date(r, 8)?;
        inv.due = date(r, 9)?;
        inv.amount = r.get(10)?;
        inv.currency = r.get(11)?;
        inv.description = r.get(12)?;
        inv.pay_link = r.get(13)?;
        inv.start_step = r.get(14)?;
        inv.entered_on = date(r, 15)?;
        inv.paid = r.get(16)?;
        inv.paid_days = r.get(17)?;
        inv.reference = r.get(18)?;
        inv.contacts.clear();
        inv.last_contact = None;
        // Both cursors follow (due, id): the log entries of this invoice are next.
        while let Some((invoice_id, contact)) = pending_log.take() {
            if invoice_id != inv.id {
                pending_log = Some((invoice_id, contact));
                break;
            }
            inv.last_contact = inv.last_contact.max(Some(contact.on));
            inv.contacts.push(contact);
            pending_log = next_log(&mut logs)?;
        }
        each(&inv)?;
    }
    Ok(())
}

/// A `YYYY-MM-DD` column without chrono's general-purpose parser (the scan
/// reads millions of them); anything else goes through rusqlite as before.
fn date(r: &rusqlite::Row, i: usize) -> rusqlite::Result<NaiveDate> {
    if let Ok(s) = r.get_ref(i)?.as_str()
        && let b = s.as_bytes()
        && b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
    {
        let num = |range: std::ops::Range<usize>| -> Option<u32> {
            b[range].iter().try_fold(0u32, |n, c| {
                c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
            })
        };
        if let (Some(y), Some(m), Some(d)) = (num(0..4), num(5..7), num(8..10))
            && let Some(date) = NaiveDate::from_ymd_opt(y as i32, m, d)
        {
            return Ok(date);
        }
    }
    r.get(i)
}

fn next_log(rows: &mut rusqlite::Rows) -> Result<Option<(i64, Contact)>> {
    let Some(r) = rows.next()? else { return Ok(None) };
    let word =
        |i: usize| -> rusqlite::Result<Option<&str>> { Ok(r.get_ref(i)?.as_str_or_null().ok().flatten()) };
    let channel = word(2)?
        .and_then(|c| Channel::parse(c).ok())
        .unwrap_or(Channel::Note);
    Ok(Some((
        r.get(0)?,
        Contact {
            on: date(r, 1)?,
            channel,
            inbound: r.get(3)?,
            step: r.get(4)?,
            outcome: word(5)?.and_then(|o| Outcome::parse(o).ok()),
            delivery: word(6)?.and_then(|d| Delivery::parse(d).ok()),
        },
    )))
}
