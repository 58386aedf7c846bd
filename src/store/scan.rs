//! The ladder's read path: every open invoice with what the ladder reads
//! about it, streamed in due-date order, for `dun due`, `dun overdue` and
//! `dun send`.
//!
//! One statement reads the kept state (`ladder_state`, migration 0007): a
//! row per open invoice, in due-date order, with the invoice's own columns
//! and its client's, its per-step counts and dates, its last e-mail, reply
//! and contact and its payments, so a million invoices cost one pass over
//! one table and no log entry.
//! Only an invoice whose log holds an entry after *today* (`--today` in the
//! past), or whose step names cannot be packed, has its log read, by a
//! second cursor in the same order that is opened when the first such
//! invoice comes. Holds, bounces and escalation contacts are few and loaded
//! up front. A count of the open invoices guards against a damaged state
//! (`dun check`).
//!
//! One invoice whose row cannot be read (a value of the wrong type, an
//! impossible date, payments past any sum) is left out and returned, named;
//! the others are read (reliability report F3: one bad record cannot stop
//! everyone's reminders).

use std::collections::{HashMap, HashSet};

use anyhow::{Result, anyhow};
use chrono::NaiveDate;
use rusqlite::types::ValueRef;
use rusqlite::{Connection, named_params};

use super::state::{iso_date, iso_date_bytes, parse_payments, parse_steps};
use super::{EscalationContact, split_emails};
use crate::domain::contact::{Channel, Delivery, HoldKind, Outcome};
use crate::domain::ladder::{Contact, Hold, Ladder, LogFacts};

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
    pub issued: NaiveDate,
    pub due: NaiveDate,
    pub amount: i64,
    pub currency: String,
    pub start_step: Option<String>,
    pub entered_on: NaiveDate,
    pub paid: i64,
    /// Σ payment × days from its date (or the due date, if later) to today,
    /// for the paid parts (for interest); payments after today count 0.
    pub paid_days: i128,
    /// The contact log as the ladder reads it on *today*.
    pub facts: LogFacts,
    /// Per ladder step, the deadline of the latest letter entry that did it
    /// (up to *today*).
    pub letter_deadlines: Vec<Option<NaiveDate>>,
    /// The newest contact, any direction (also after *today*).
    pub last_contact: Option<NaiveDate>,
    /// The payment reference, compact.
    pub reference: Option<String>,
    /// Whether this invoice's log was read entry by entry (see the module doc).
    pub read_log: bool,
}

impl OpenInvoice {
    pub fn balance(&self) -> i64 {
        self.amount - self.paid
    }

    pub fn emails(&self) -> Vec<String> {
        split_emails(&self.client_emails)
    }
}

/// An invoice the scan could not read; the others were read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeftOut {
    pub number: String,
    pub why: String,
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

/// The open invoices, oldest due date first: the kept state alone, which
/// holds the invoice's and its client's columns the scan needs beside what
/// its log and payments say (migration 0007), in due-date order by its
/// primary key. One pass over one table: no lookup per invoice (a lookup of
/// the client, in SQLite or in memory, costs a cache miss or three per
/// invoice; docs/performance.md).
pub const SCAN_INVOICES_SQL: &str = "
SELECT s.invoice_id, s.number, s.client_id, s.client_handle, s.client_name, s.client_emails, s.client_phone,
       s.issued, s.due, s.amount, s.currency, s.start_step, s.entered_on,
       s.steps, s.last_email, s.last_reply, s.last_contact, s.paid, s.payments, s.reference
FROM ladder_state s
WHERE s.due <= :due_until
  AND (:client IS NULL OR s.client_id = :client)
  AND (:invoice IS NULL OR s.invoice_id = :invoice)
ORDER BY s.due, s.invoice_id";

const OPEN_BY_DUE: &str = "i.closed IS NULL AND i.due <= :due_until";

/// The count of [`count_open`] without filters (a range of the partial index
/// of open invoices by due date).
pub const SCAN_COUNT_SQL: &str =
    "SELECT count(*) FROM invoice i WHERE i.closed IS NULL AND i.due <= :due_until";

/// How many open invoices the scan should see (the kept state must have a
/// row for each: a missing row would silently drop an invoice). One index
/// range; the filters, when given, pick the index that serves them.
fn count_open(conn: &Connection, filter: ScanFilter) -> Result<i64> {
    let count = |sql: &str, params: &[(&str, &dyn rusqlite::ToSql)]| -> Result<i64> {
        Ok(conn.prepare_cached(sql)?.query_row(params, |r| r.get(0))?)
    };
    let open = OPEN_BY_DUE;
    match (filter.invoice_id, filter.client_id) {
        (Some(id), client) => count(
            &format!(
                "SELECT count(*) FROM invoice i WHERE i.id = :id AND {open}
                   AND (:client IS NULL OR i.client_id = :client)"
            ),
            named_params! { ":id": id, ":client": client, ":due_until": filter.due_until },
        ),
        (None, Some(client)) => count(
            &format!("SELECT count(*) FROM invoice i WHERE i.client_id = :client AND {open}"),
            named_params! { ":client": client, ":due_until": filter.due_until },
        ),
        (None, None) => count(SCAN_COUNT_SQL, named_params! { ":due_until": filter.due_until }),
    }
}

/// The log entries of the invoices whose log must be read (their packed
/// steps are NULL, or they have an entry after *today*), in the same order.
pub const SCAN_LOG_SQL: &str = "
SELECT l.invoice_id, l.on_date, l.channel, l.inbound, l.step, l.outcome, l.delivery, l.deadline
FROM ladder_state s
JOIN contact_log l ON l.invoice_id = s.invoice_id
WHERE s.due <= :due_until
  AND (:client IS NULL OR s.client_id = :client)
  AND (:invoice IS NULL OR s.invoice_id = :invoice)
  AND (s.steps IS NULL OR s.last_contact > :today)
ORDER BY s.due, s.invoice_id, l.id";

/// Calls `each` for every open invoice that passes `filter`, in due-date
/// order, with its facts for `ladder` on `today`. The invoice value is reused
/// between calls. The invoices that cannot be read are returned, named.
pub fn scan_open(
    conn: &Connection,
    filter: ScanFilter,
    ladder: &Ladder,
    today: NaiveDate,
    mut each: impl FnMut(&OpenInvoice) -> Result<()>,
) -> Result<Vec<LeftOut>> {
    // Both cursors read one snapshot (outside a transaction each statement
    // would read its own).
    let own_tx = conn.is_autocommit();
    if own_tx {
        conn.execute_batch("BEGIN DEFERRED")?;
    }
    let result = scan_in_snapshot(conn, filter, ladder, today, &mut each);
    if own_tx {
        // A read transaction: ending it changes nothing, whatever happened.
        let end = conn.execute_batch(if result.is_ok() { "COMMIT" } else { "ROLLBACK" });
        return end.map_err(anyhow::Error::from).and(result);
    }
    result
}

fn scan_in_snapshot(
    conn: &Connection,
    filter: ScanFilter,
    ladder: &Ladder,
    today: NaiveDate,
    each: &mut impl FnMut(&OpenInvoice) -> Result<()>,
) -> Result<Vec<LeftOut>> {
    let params = named_params! {
        ":today": today,
        ":due_until": filter.due_until,
        ":client": filter.client_id,
        ":invoice": filter.invoice_id,
    };
    let expected = count_open(conn, filter)?;
    let mut inv_stmt = conn.prepare_cached(SCAN_INVOICES_SQL)?;
    let mut invoices = inv_stmt.query(named_params! {
        ":due_until": filter.due_until,
        ":client": filter.client_id,
        ":invoice": filter.invoice_id,
    })?;
    let mut inv = OpenInvoice::default();
    let mut seen: i64 = 0;
    let mut left_out = Vec::new();
    let mut skipped = HashSet::new();
    // Until the first invoice whose log must be read, no log cursor is open.
    let mut needs_log = false;
    while let Some(r) = invoices.next()? {
        seen += 1;
        if !read_or_leave_out(conn, r, &mut inv, ladder, today, &mut left_out, &mut skipped)? {
            continue;
        }
        if inv.read_log {
            needs_log = true;
            break;
        }
        each(&inv)?;
    }
    if !needs_log {
        all_seen(seen, expected, filter)?;
        return Ok(left_out);
    }
    let mut log_stmt = conn.prepare_cached(SCAN_LOG_SQL)?;
    let mut logs = log_stmt.query(params)?;
    let mut log = LogCursor {
        pending: next_log(&mut logs)?,
        rows: logs,
        contacts: Vec::new(),
    };
    log.read_into(&mut inv, ladder, today, &skipped)?;
    each(&inv)?;
    while let Some(r) = invoices.next()? {
        seen += 1;
        if !read_or_leave_out(conn, r, &mut inv, ladder, today, &mut left_out, &mut skipped)? {
            continue;
        }
        if inv.read_log {
            log.read_into(&mut inv, ladder, today, &skipped)?;
        }
        each(&inv)?;
    }
    all_seen(seen, expected, filter)?;
    Ok(left_out)
}

/// Reads one row into `inv`, or, when it cannot be read, names it in
/// `left_out` (and its id in `skipped`, so that its log entries are passed
/// over). Whether `inv` holds the row.
fn read_or_leave_out(
    conn: &Connection,
    r: &rusqlite::Row,
    inv: &mut OpenInvoice,
    ladder: &Ladder,
    today: NaiveDate,
    left_out: &mut Vec<LeftOut>,
    skipped: &mut HashSet<i64>,
) -> Result<bool> {
    let Err(e) = read_invoice(r, inv, ladder, today) else {
        return Ok(true);
    };
    // The key of the kept state is an integer (its primary key): without
    // it nothing can be said about the row, and the scan stops.
    let id: i64 = r.get(0)?;
    let number = match r.get_ref(1)?.as_str() {
        Ok(n) => n.to_string(),
        Err(_) => format!("with id {id}"),
    };
    skipped.insert(id);
    // The kept row as the records give it: then the bad value is in the
    // invoice's own records (a hand edit), which a repair cannot mend.
    let why = match e.downcast_ref::<Damaged>() {
        Some(d) if kept_row_is_as_records(conn, id)? => format!(
            "its records hold a value dun never writes ({}); dun check --repair cannot mend that: correct the invoice or its payments",
            d.what
        ),
        _ => format!("{e:#}"),
    };
    left_out.push(LeftOut { number, why });
    Ok(false)
}

/// Whether an invoice's kept row is what the records give (one invoice,
/// only for a row that could not be read).
fn kept_row_is_as_records(conn: &Connection, id: i64) -> Result<bool> {
    let differs: bool = conn.query_row(
        "SELECT EXISTS (SELECT * FROM ladder_state WHERE invoice_id = ?1
                        EXCEPT SELECT * FROM ladder_state_from_records WHERE invoice_id = ?1)",
        [id],
        |r| r.get(0),
    )?;
    Ok(!differs)
}

/// The scan saw as many open invoices as the invoice table has.
fn all_seen(seen: i64, expected: i64, filter: ScanFilter) -> Result<()> {
    if seen == expected {
        return Ok(());
    }
    Err(anyhow!(
        "the kept ladder state lists {seen} open invoice(s) due by {} where the invoices are {expected}: \
         it is damaged; run dun check, then dun check --repair",
        filter.due_until
    ))
}

/// Fills `inv` from one row of [`SCAN_INVOICES_SQL`]; the facts from the
/// kept state unless the row says the log must be read.
fn read_invoice(r: &rusqlite::Row, inv: &mut OpenInvoice, ladder: &Ladder, today: NaiveDate) -> Result<()> {
    inv.id = r.get(0)?;
    text(&mut inv.number, r, 1)?;
    inv.client_id = r.get(2)?;
    text(&mut inv.client_handle, r, 3)?;
    text(&mut inv.client_name, r, 4)?;
    text(&mut inv.client_emails, r, 5)?;
    opt_text(&mut inv.client_phone, r, 6)?;
    let number = inv.number.as_str();
    let kept_date = |i: usize| kept_date(r, i, number)?.ok_or_else(|| damaged(number, "a date is missing"));
    inv.issued = kept_date(7)?;
    inv.due = kept_date(8)?;
    inv.entered_on = kept_date(12)?;
    inv.amount = r.get(9).map_err(|e| damaged(number, minor_units(e)))?;
    inv.paid = r.get(17).map_err(|e| damaged(number, minor_units(e)))?;
    // The balance is amount − paid everywhere: it must be a figure.
    if inv.amount.checked_sub(inv.paid).is_none() {
        return Err(anyhow!("its payments add up past any amount dun can hold"));
    }
    let last_email = kept_date_opt(r, 14, number)?;
    let last_reply = kept_date_opt(r, 15, number)?;
    let last_contact = kept_date_opt(r, 16, number)?;
    let mut paid_days: i128 = 0;
    let due = inv.due;
    let payments = r.get_ref(18)?.as_str().map_err(|e| damaged(number, e))?;
    parse_payments(payments, |amount, on| {
        let days = (today - on.max(due)).num_days().max(0);
        paid_days += i128::from(amount) * i128::from(days);
    })
    .map_err(|e| damaged(number, e))?;
    inv.paid_days = paid_days;
    let packed = r
        .get_ref(13)?
        .as_bytes_or_null()
        .map_err(|e| damaged(number, e))?;
    inv.read_log = packed.is_none() || last_contact.is_some_and(|d| d > today);
    let steps = ladder.steps().len();
    inv.facts.steps.clear();
    inv.facts.steps.resize(steps, Default::default());
    inv.letter_deadlines.clear();
    inv.letter_deadlines.resize(steps, None);
    if let Some(packed) = packed.filter(|_| !inv.read_log) {
        inv.facts.last_email = last_email;
        inv.facts.last_reply = last_reply;
        inv.facts.last_contact = last_contact;
        inv.last_contact = last_contact;
        let (facts, deadlines) = (&mut inv.facts, &mut inv.letter_deadlines);
        parse_steps(packed, |name, s| {
            if let Some(i) = ladder.steps().iter().position(|l| l.name.as_bytes() == name) {
                facts.steps[i].count = s.count;
                facts.steps[i].first = Some(s.first);
                facts.steps[i].last = Some(s.last);
                deadlines[i] = s.letter_deadline;
            }
        })
        .map_err(|e| damaged(&inv.number, e))?;
    }
    text(&mut inv.currency, r, 10)?;
    opt_text(&mut inv.start_step, r, 11)?;
    opt_text(&mut inv.reference, r, 19)?;
    Ok(())
}

/// What is wrong with a money column, in words ("amount holds a real
/// value, not whole minor units").
fn minor_units(e: rusqlite::Error) -> String {
    match e {
        // `paid` is the sum of the payments: one of them is the bad value.
        rusqlite::Error::InvalidColumnType(_, name, ty) => format!(
            "{} holds a {} value, not whole minor units",
            if name == "paid" {
                "a payment"
            } else {
                name.as_str()
            },
            ty.to_string().to_lowercase()
        ),
        other => other.to_string(),
    }
}

fn damaged(number: &str, what: impl std::fmt::Display) -> anyhow::Error {
    anyhow::Error::new(Damaged {
        number: number.to_string(),
        what: what.to_string(),
    })
}

/// A value of the kept state that is not what dun writes.
#[derive(Debug)]
struct Damaged {
    number: String,
    what: String,
}

impl std::fmt::Display for Damaged {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the kept ladder state of invoice {} is damaged ({}); run dun check --repair",
            self.number, self.what
        )
    }
}

impl std::error::Error for Damaged {}

/// A date column of the kept state, parsed from its bytes.
fn kept_date_opt(r: &rusqlite::Row, i: usize, number: &str) -> Result<Option<NaiveDate>> {
    match r.get_ref(i)? {
        ValueRef::Null => Ok(None),
        ValueRef::Text(b) => iso_date_bytes(b)
            .map(Some)
            .ok_or_else(|| damaged(number, format!("{:?} is not a date", String::from_utf8_lossy(b)))),
        other => Err(damaged(
            number,
            format!("a date column holds {:?}", other.data_type()),
        )),
    }
}

fn kept_date(r: &rusqlite::Row, i: usize, number: &str) -> Result<Option<NaiveDate>> {
    kept_date_opt(r, i, number)
}

/// The cursor over [`SCAN_LOG_SQL`], one entry ahead.
struct LogCursor<'s> {
    rows: rusqlite::Rows<'s>,
    pending: Option<LogEntry>,
    contacts: Vec<Contact>,
}

impl LogCursor<'_> {
    /// Reads `inv`'s entries (the next ones: both cursors follow (due, id))
    /// and reduces them as the ladder does.
    /// Entries of invoices the scan left out (`skipped`) are passed over.
    fn read_into(
        &mut self,
        inv: &mut OpenInvoice,
        ladder: &Ladder,
        today: NaiveDate,
        skipped: &HashSet<i64>,
    ) -> Result<()> {
        self.contacts.clear();
        inv.last_contact = None;
        let mut latest_letter: Vec<Option<NaiveDate>> = vec![None; ladder.steps().len()];
        while let Some(entry) = self.pending.take() {
            if entry.invoice_id != inv.id && skipped.contains(&entry.invoice_id) {
                self.pending = next_log(&mut self.rows)?;
                continue;
            }
            if entry.invoice_id != inv.id {
                self.pending = Some(entry);
                break;
            }
            let c = entry.contact;
            inv.last_contact = inv.last_contact.max(Some(c.on));
            if c.on <= today {
                letter_deadline(
                    &c,
                    entry.deadline,
                    ladder,
                    &mut latest_letter,
                    &mut inv.letter_deadlines,
                );
            }
            self.contacts.push(c);
            self.pending = next_log(&mut self.rows)?;
        }
        inv.facts = LogFacts::from_contacts(&self.contacts, ladder, today);
        Ok(())
    }
}

/// Keeps, per step, the deadline of the latest letter entry that did it
/// (latest by date, then by log order), as the kept state does.
fn letter_deadline(
    c: &Contact,
    deadline: Option<NaiveDate>,
    ladder: &Ladder,
    latest: &mut [Option<NaiveDate>],
    deadlines: &mut [Option<NaiveDate>],
) {
    if c.channel == Channel::Letter
        && !c.inbound
        && c.delivery != Some(Delivery::Failed)
        && c.outcome != Some(Outcome::Bounced)
        && let Some(i) = c.step.as_deref().and_then(|s| ladder.index_of(s))
        && latest[i].is_none_or(|d| c.on >= d)
    {
        latest[i] = Some(c.on);
        deadlines[i] = deadline;
    }
}

/// Copies a text column into a reused buffer.
fn text(buf: &mut String, r: &rusqlite::Row, i: usize) -> rusqlite::Result<()> {
    buf.clear();
    buf.push_str(r.get_ref(i)?.as_str()?);
    Ok(())
}

fn opt_text(buf: &mut Option<String>, r: &rusqlite::Row, i: usize) -> rusqlite::Result<()> {
    match r.get_ref(i)?.as_str_or_null()? {
        None => *buf = None,
        Some(s) => {
            let b = buf.get_or_insert_with(String::new);
            b.clear();
            b.push_str(s);
        }
    }
    Ok(())
}

/// A `YYYY-MM-DD` column without chrono's general-purpose parser (the scan
/// reads millions of them); anything else goes through rusqlite as before.
fn date(r: &rusqlite::Row, i: usize) -> rusqlite::Result<NaiveDate> {
    if let Ok(s) = r.get_ref(i)?.as_str()
        && let Some(d) = iso_date(s)
    {
        return Ok(d);
    }
    r.get(i)
}

fn opt_date(r: &rusqlite::Row, i: usize) -> rusqlite::Result<Option<NaiveDate>> {
    if r.get_ref(i)?.as_str_or_null()?.is_none() {
        return Ok(None);
    }
    date(r, i).map(Some)
}

struct LogEntry {
    invoice_id: i64,
    contact: Contact,
    deadline: Option<NaiveDate>,
}

fn next_log(rows: &mut rusqlite::Rows) -> Result<Option<LogEntry>> {
    let Some(r) = rows.next()? else { return Ok(None) };
    let word =
        |i: usize| -> rusqlite::Result<Option<&str>> { Ok(r.get_ref(i)?.as_str_or_null().ok().flatten()) };
    let channel = word(2)?
        .and_then(|c| Channel::parse(c).ok())
        .unwrap_or(Channel::Note);
    Ok(Some(LogEntry {
        invoice_id: r.get(0)?,
        contact: Contact {
            on: date(r, 1)?,
            channel,
            inbound: r.get(3)?,
            step: r.get(4)?,
            outcome: word(5)?.and_then(|o| Outcome::parse(o).ok()),
            delivery: word(6)?.and_then(|d| Delivery::parse(d).ok()),
            deadline: opt_date(r, 7)?,
        },
        deadline: opt_date(r, 7)?,
    }))
}
