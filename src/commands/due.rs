//! `dun due`: the morning agenda. Every action the ladder has due today, one
//! row each, grouped so a person reads it at a glance.

use std::borrow::Cow;
use std::collections::HashSet;
use std::hash::{BuildHasherDefault, Hash, Hasher};
use std::io::Write;

use anyhow::{Result, anyhow};
use chrono::{Datelike, NaiveDate};
use serde::{Serialize, Serializer};

use super::{human, plain};
use crate::cli::Format;
use crate::context::Context;
use crate::domain::dates::{add_days, days_between};
use crate::domain::ladder::{Assessment, Due, DueKind, Facts, Hold, assess_facts};
use crate::domain::totals::Totals;
use crate::exit;
use crate::report::table::{Column, Rows, Table, left_out_line};
use crate::report::words::{count, word, wrap};
use crate::store::{self, OpenInvoice, ScanContext, ScanFilter};

/// One row of the agenda (the JSON shape of `dun due --format json`).
#[derive(Debug, Clone, Serialize)]
pub struct AgendaRow {
    pub action: &'static str,
    pub invoice: String,
    pub client: String,
    pub client_name: String,
    pub step: Option<String>,
    pub since: NaiveDate,
    pub days_overdue: i64,
    pub balance: String,
    #[serde(skip)]
    pub balance_minor: i64,
    pub currency: String,
    pub to: Vec<String>,
    pub note: Option<String>,
}

/// The ladder's answer for one scanned invoice.
pub fn assess_open(ctx: &Context, scan: &ScanContext, inv: &OpenInvoice) -> Assessment {
    let holds = scan.holds.get(&inv.id).map(Vec::as_slice).unwrap_or(&[]);
    // A payment plan holds the ladder while it is kept (SPEC.md §12); plans
    // are few, so only their invoices pay for the copy.
    let with_plan: Vec<Hold>;
    let holds = match scan.plans.get(&inv.id) {
        Some(cp) => {
            with_plan = holds
                .iter()
                .cloned()
                .chain([super::plan::state_of(ctx, cp).hold])
                .collect();
            &with_plan
        }
        None => holds,
    };
    let facts = Facts {
        due: inv.due,
        balance: inv.balance(),
        closed: false,
        start_step: inv.start_step.as_deref(),
        entered_on: inv.entered_on,
        log: &inv.facts,
        holds,
        email_bounced: scan.bounced.contains(&inv.client_id),
        letter_deadlines: &inv.letter_deadlines,
    };
    assess_facts(&facts, &ctx.config.ladder, &ctx.config.schedule, ctx.today)
}

/// The phone numbers and other contacts on file, for a call.
fn phone_book(scan: &ScanContext, inv: &OpenInvoice) -> Vec<String> {
    let mut to: Vec<String> = inv.client_phone.iter().cloned().collect();
    for c in scan
        .escalation
        .get(&inv.client_id)
        .map(Vec::as_slice)
        .unwrap_or(&[])
    {
        // The number first: it is what a call needs, and what a narrow screen keeps.
        let mut s = c.phone.as_ref().map(|p| format!("{p} ")).unwrap_or_default();
        s.push_str(&c.name);
        if let Some(r) = &c.role {
            s.push_str(&format!(" ({r})"));
        }
        if let Some(e) = &c.email {
            s.push_str(&format!(" <{e}>"));
        }
        to.push(s);
    }
    if to.is_empty() {
        to.extend(inv.emails());
    }
    to
}

/// Whom one due action goes to, and the note beside it.
fn recipients_and_note(
    scan: &ScanContext,
    inv: &OpenInvoice,
    a: &Assessment,
    d: &Due,
) -> (Vec<String>, Option<String>) {
    let escalation_emails = || -> Vec<String> {
        let list: Vec<String> = scan
            .escalation
            .get(&inv.client_id)
            .map(Vec::as_slice)
            .unwrap_or(&[])
            .iter()
            .filter_map(|c| c.email.clone())
            .collect();
        if list.is_empty() { inv.emails() } else { list }
    };
    let (to, mut note) = match d.kind {
        DueKind::Email => (inv.emails(), None),
        DueKind::Escalate => {
            let has_contact = scan
                .escalation
                .get(&inv.client_id)
                .is_some_and(|l| l.iter().any(|c| c.email.is_some()));
            let note =
                (!has_contact).then(|| "no escalation contact on file: goes to the client".to_string());
            (escalation_emails(), note)
        }
        DueKind::Call if d.instead_of_email => (
            phone_book(scan, inv),
            Some(format!(
                "e-mail to {} bounced: call to find a working address",
                inv.client_emails
            )),
        ),
        DueKind::Call | DueKind::Suspend | DueKind::BrokenPromise => (phone_book(scan, inv), None),
        DueKind::Letter => (
            vec![inv.client_name.clone()],
            Some(format!("dun letter {}", inv.number)),
        ),
        // Rule 10, in the spec's words.
        DueKind::WithLawyer => (
            Vec::new(),
            Some(match a.letter_deadline {
                Some(d) => {
                    format!("deadline of {d} passed: hand over to a lawyer, or apply for a payment order")
                }
                None => "the ladder is done: hand over to a lawyer, or apply for a payment order".into(),
            }),
        ),
    };
    if let Some(until) = a.broken_promise {
        let broken = format!("promise of {until} broken");
        note = Some(match note {
            Some(n) if d.kind != DueKind::BrokenPromise => format!("{broken}; {n}"),
            _ => broken,
        });
    }
    if (d.kind == DueKind::Email || d.kind == DueKind::Escalate) && to.is_empty() {
        note = Some("no e-mail address on file: add one with dun client edit".into());
    }
    (to, note)
}

/// A reply read from the mailbox that waits for the user to read it and
/// record what the client said.
fn reply_row(ctx: &Context, r: store::ReplyToRead) -> AgendaRow {
    AgendaRow {
        action: "reply",
        invoice: r.number,
        client: r.client_handle,
        client_name: r.client_name,
        step: None,
        since: r.on,
        days_overdue: days_between(r.due, ctx.today).max(0),
        balance: plain(r.balance, &r.currency),
        balance_minor: r.balance,
        currency: r.currency,
        to: r.from.into_iter().collect(),
        note: r.note,
    }
}

/// One row of a payment plan's: its e-mail (to the client's addresses) or
/// the notice that it broke (with the phone numbers, to talk it over).
fn plan_row(ctx: &Context, cp: &store::CurrentPlan, p: super::plan::PlanDue, bounced: bool) -> AgendaRow {
    let mut emails = store::split_emails(&cp.client_emails);
    let mut note = Some(p.note);
    if p.message.is_some() && emails.is_empty() {
        note = Some("no e-mail address on file: add one with dun client edit".into());
    }
    // Rule 11: no e-mail to an address that bounced; dun send holds it back.
    if p.message.is_some() && bounced {
        note = Some(format!(
            "e-mail to {} bounced: phone the client about the plan; it goes once the address is fixed (dun client edit)",
            cp.client_emails
        ));
        emails.clear();
    }
    let to = match (&p.message, &cp.client_phone) {
        (None, Some(phone)) => vec![phone.clone()],
        _ => emails,
    };
    AgendaRow {
        action: p.action,
        invoice: cp.number.clone(),
        client: cp.client_handle.clone(),
        client_name: cp.client_name.clone(),
        step: None,
        since: p.since,
        days_overdue: days_between(cp.due, ctx.today).max(0),
        balance: plain(cp.balance, &cp.currency),
        balance_minor: cp.balance,
        currency: cp.currency.clone(),
        to,
        note,
    }
}

/// The section of each action in reading order (rank 0 is the replies);
/// within a section rows are oldest first.
const SECTIONS: [(&str, &[&str]); 8] = [
    ("Replies to read", &["reply"]),
    ("E-mails to send", &["email", "escalate", "plan", "instalment"]),
    ("Calls to make", &["call"]),
    ("Letters to write", &["letter"]),
    ("Work to suspend", &["suspend"]),
    ("Broken promises", &["broken-promise"]),
    ("Broken payment plans", &["broken-plan"]),
    ("With lawyer", &["with-lawyer"]),
];

/// Every action a row can have, each at its place in [`SECTIONS`] (a row
/// keeps its action's index in this list).
const ACTIONS: [&str; 11] = [
    "reply",
    "email",
    "escalate",
    "plan",
    "instalment",
    "call",
    "letter",
    "suspend",
    "broken-promise",
    "broken-plan",
    "with-lawyer",
];

/// The section a row of this action is shown in (an unknown one: the last).
fn section_of(action: &str) -> u8 {
    SECTIONS
        .iter()
        .position(|(_, actions)| actions.contains(&action))
        .unwrap_or(SECTIONS.len() - 1) as u8
}

fn action_code(action: &str) -> u8 {
    ACTIONS
        .iter()
        .position(|a| *a == action)
        .unwrap_or(ACTIONS.len() - 1) as u8
}

/// The agenda for today, held packed: every row's fields as bytes in one
/// buffer and a 24-byte sort key per row. At 1,000,000 invoices (207,000
/// rows) that is about 30 MiB, where a struct of a dozen strings per row
/// and the table's cells beside it held 260 MiB (SPEC.md §8;
/// docs/performance.md).
pub struct Agenda {
    keys: Vec<RowKey>,
    buf: String,
}

#[derive(Clone, Copy)]
struct RowKey {
    /// Section and date as one number that orders as (section, since) does.
    order: u64,
    /// The invoice number's first 12 bytes, zero-padded: they order the
    /// rows as the numbers do unless two numbers share them.
    prefix: [u8; 12],
    /// Where the row starts in `buf`; the invoice number comes first.
    start: u32,
}

impl RowKey {
    fn new(section: u8, since: NaiveDate, number: &str, start: u32) -> RowKey {
        let days = since.num_days_from_ce() as u32 ^ 0x8000_0000; // ordered as unsigned
        let mut prefix = [0u8; 12];
        let n = number.len().min(12);
        prefix[..n].copy_from_slice(&number.as_bytes()[..n]);
        RowKey {
            order: (u64::from(section) << 32) | u64::from(days),
            prefix,
            start,
        }
    }

    fn section(&self) -> usize {
        (self.order >> 32) as usize
    }

    fn since(&self) -> NaiveDate {
        let days = (self.order as u32 ^ 0x8000_0000) as i32;
        NaiveDate::from_num_days_from_ce_opt(days).unwrap_or_default()
    }
}

impl Agenda {
    fn new() -> Agenda {
        Agenda {
            keys: Vec::new(),
            buf: String::new(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Packs a row made as an [`AgendaRow`] (replies and plans: few).
    fn push_row(&mut self, r: &AgendaRow) -> Result<()> {
        self.push(&RowIn {
            action: r.action,
            invoice: &r.invoice,
            client: &r.client,
            client_name: &r.client_name,
            step: r.step.as_deref(),
            since: r.since,
            days_overdue: r.days_overdue,
            balance_minor: r.balance_minor,
            currency: &r.currency,
            to: &r.to,
            note: r.note.as_deref(),
        })
    }

    /// Packs one row.
    fn push(&mut self, r: &RowIn) -> Result<()> {
        let start = u32::try_from(self.buf.len())
            .map_err(|_| anyhow!("the agenda is too large to hold (over 4 GiB)"))?;
        self.keys
            .push(RowKey::new(section_of(r.action), r.since, r.invoice, start));
        let b = &mut self.buf;
        put(b, r.invoice);
        put_byte(b, action_code(r.action));
        put(b, r.client);
        put(b, r.client_name);
        match r.step {
            None => put_byte(b, 0),
            Some(s) => {
                put_byte(b, 1);
                put(b, s);
            }
        }
        put_len(b, r.days_overdue.max(0) as u64);
        // zigzag: small amounts of either sign in few bytes
        put_len(b, ((r.balance_minor << 1) ^ (r.balance_minor >> 63)) as u64);
        put(b, r.currency);
        put_len(b, r.to.len() as u64);
        for t in r.to {
            put(b, t);
        }
        match r.note {
            None => put_byte(b, 0),
            Some(n) => {
                put_byte(b, 1);
                put(b, n);
            }
        }
        Ok(())
    }

    /// The rows in the order they are shown: by section, oldest first, then
    /// by invoice number, then as they came (an invoice's rows in ladder order).
    fn sort(&mut self) {
        let buf = &self.buf;
        self.keys.sort_unstable_by(|a, b| {
            (a.order, a.prefix)
                .cmp(&(b.order, b.prefix))
                .then_with(|| invoice_at(buf, a.start).cmp(invoice_at(buf, b.start)))
                .then(a.start.cmp(&b.start))
        });
    }

    fn row(&self, key: &RowKey) -> Packed<'_> {
        let mut r = Reader {
            buf: &self.buf,
            at: key.start as usize,
        };
        let invoice = r.text();
        let action = ACTIONS[usize::from(r.byte())];
        let client = r.text();
        let client_name = r.text();
        let step = (r.byte() == 1).then(|| r.text());
        let days_overdue = r.len() as i64;
        let zigzag = r.len();
        let balance = (zigzag >> 1) as i64 ^ -((zigzag & 1) as i64);
        let currency = r.text();
        let to_count = r.len() as usize;
        let to_start = r.at;
        for _ in 0..to_count {
            r.text();
        }
        let to = Reader {
            buf: &self.buf,
            at: to_start,
        };
        let note = (r.byte() == 1).then(|| r.text());
        Packed {
            action,
            invoice,
            client,
            client_name,
            step,
            since: key.since(),
            days_overdue,
            balance,
            currency,
            to_count,
            to,
            note,
        }
    }

    /// A row's action, read without the rest of it.
    fn action(&self, key: &RowKey) -> &'static str {
        let mut r = Reader {
            buf: &self.buf,
            at: key.start as usize,
        };
        r.text();
        ACTIONS[usize::from(r.byte())]
    }

    /// The rows, in order.
    fn rows(&self) -> impl Iterator<Item = Packed<'_>> {
        self.keys.iter().map(|k| self.row(k))
    }
}

/// One row's fields, borrowed, on their way into the buffer.
struct RowIn<'a> {
    action: &'static str,
    invoice: &'a str,
    client: &'a str,
    client_name: &'a str,
    step: Option<&'a str>,
    since: NaiveDate,
    days_overdue: i64,
    balance_minor: i64,
    currency: &'a str,
    to: &'a [String],
    note: Option<&'a str>,
}

/// One row read back from the agenda's buffer.
struct Packed<'a> {
    action: &'static str,
    invoice: &'a str,
    client: &'a str,
    client_name: &'a str,
    step: Option<&'a str>,
    since: NaiveDate,
    days_overdue: i64,
    balance: i64,
    currency: &'a str,
    to_count: usize,
    to: Reader<'a>,
    note: Option<&'a str>,
}

impl<'a> Packed<'a> {
    fn recipients(&self) -> impl Iterator<Item = &'a str> + use<'a> {
        let mut r = self.to.clone();
        (0..self.to_count).map(move |_| r.text())
    }

    fn to_row(&self) -> AgendaRow {
        AgendaRow {
            action: self.action,
            invoice: self.invoice.into(),
            client: self.client.into(),
            client_name: self.client_name.into(),
            step: self.step.map(Into::into),
            since: self.since,
            days_overdue: self.days_overdue,
            balance: plain(self.balance, self.currency),
            balance_minor: self.balance,
            currency: self.currency.into(),
            to: self.recipients().map(Into::into).collect(),
            note: self.note.map(Into::into),
        }
    }

    /// An e-mail `dun send` sends.
    fn is_email(&self) -> bool {
        matches!(self.action, "email" | "escalate" | "plan" | "instalment") && self.to_count > 0
    }
}

/// A number as ASCII: six bits a byte, low bits first, 0x40 on every byte
/// but the last (so that the buffer stays text and is sliced, not checked).
fn put_len(b: &mut String, mut n: u64) {
    while n >= 0x40 {
        b.push(char::from((n & 0x3f) as u8 | 0x40));
        n >>= 6;
    }
    b.push(char::from(n as u8));
}

fn put(b: &mut String, s: &str) {
    put_len(b, s.len() as u64);
    b.push_str(s);
}

/// A flag or a code below 0x40, as one ASCII byte.
fn put_byte(b: &mut String, v: u8) {
    debug_assert!(v < 0x40);
    b.push(char::from(v));
}

/// Reads back what [`put`], [`put_len`] and [`put_byte`] wrote (the buffer
/// is only ever written by them, so a short or malformed read cannot happen).
#[derive(Clone)]
struct Reader<'a> {
    buf: &'a str,
    at: usize,
}

impl<'a> Reader<'a> {
    fn byte(&mut self) -> u8 {
        let b = self.buf.as_bytes()[self.at];
        self.at += 1;
        b
    }

    fn len(&mut self) -> u64 {
        let (mut n, mut shift) = (0u64, 0);
        loop {
            let b = self.byte();
            n |= u64::from(b & 0x3f) << shift;
            if b < 0x40 {
                return n;
            }
            shift += 6;
        }
    }

    fn text(&mut self) -> &'a str {
        let n = self.len() as usize;
        let text = self.buf.get(self.at..self.at + n).unwrap_or_default();
        self.at += n;
        text
    }
}

/// The invoice number a row starts with, as bytes (ordered as the text is).
fn invoice_at(buf: &str, start: u32) -> &str {
    Reader {
        buf,
        at: start as usize,
    }
    .text()
}

/// The agenda for today, in the order it is shown, and the invoices left
/// out because they cannot be read.
pub fn agenda(ctx: &Context, db: &store::Store) -> Result<(Agenda, Vec<store::LeftOut>)> {
    let scan = ScanContext::load(db.conn())?;
    let filter = ScanFilter {
        due_until: add_days(ctx.today, -i64::from(ctx.config.ladder.min_day())),
        client_id: None,
        invoice_id: None,
    };
    let mut agenda = Agenda::new();
    // What the inbox brought (SPEC.md §10): few rows, loaded up front.
    let auto_replies = store::auto_reply_notes(db.conn())?;
    for r in store::replies_to_read(db.conn())?
        .into_iter()
        .filter(|r| r.on <= ctx.today)
    {
        agenda.push_row(&reply_row(ctx, r))?;
    }
    let steps = ctx.config.ladder.steps();
    let left_out = store::scan_open(db.conn(), filter, &ctx.config.ladder, ctx.today, |inv| {
        let a = assess_open(ctx, &scan, inv);
        if a.due.is_empty() {
            return Ok(());
        }
        let days_overdue = days_between(inv.due, ctx.today).max(0);
        for d in &a.due {
            let (to, mut note) = recipients_and_note(&scan, inv, &a, d);
            if let Some((on, text)) = auto_replies.get(&inv.id).filter(|(on, _)| *on <= ctx.today) {
                let auto = format!("auto-reply {on}: {text}");
                note = Some(match note {
                    Some(n) => format!("{n}; {auto}"),
                    None => auto,
                });
            }
            agenda.push(&RowIn {
                action: d.kind.as_str(),
                invoice: &inv.number,
                client: &inv.client_handle,
                client_name: &inv.client_name,
                step: d.step.map(|i| steps[i].name.as_str()),
                since: d.since,
                days_overdue,
                balance_minor: inv.balance(),
                currency: &inv.currency,
                to: &to,
                note: note.as_deref(),
            })?;
        }
        Ok(())
    })?;
    // Payment plans (SPEC.md §12): their e-mails, and the notice of a broken one.
    for cp in scan.plans.values() {
        for p in super::plan::due_today(ctx, cp) {
            agenda.push_row(&plan_row(ctx, cp, p, scan.bounced.contains(&cp.client_id)))?;
        }
    }
    agenda.sort();
    Ok((agenda, left_out))
}

/// E-mails a run left `unknown`: said on stderr, with what resolves them.
fn warn_unknown(db: &store::Store) -> Result<()> {
    let live = store::live_runs(db.conn())?;
    let unknown = store::unknown_emails(db.conn(), &live)?;
    if unknown.is_empty() {
        return Ok(());
    }
    let list: Vec<String> = unknown
        .iter()
        .map(|u| format!("{} {} of {}", u.number, u.step, u.on))
        .collect();
    eprintln!(
        "warning: {} may or may not have gone out (dun stopped while sending, or the server's answer never came): {}; dun will not send {} again unless you run dun send --resend-unknown (check with the client first)",
        count(unknown.len(), "e-mail"),
        list.join(", "),
        word(unknown.len(), "it")
    );
    Ok(())
}

pub fn due(ctx: &Context) -> Result<u8> {
    let db = ctx.open_store()?;
    let (agenda, left_out) = agenda(ctx, &db)?;
    warn_unknown(&db)?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::with_capacity(64 * 1024, stdout.lock());
    match ctx.format {
        Format::Json => {
            // What serde_json writes for the whole list, a row at a time.
            let mut json = serde_json::Serializer::pretty(&mut out);
            json.collect_seq(agenda.rows().map(|r| r.to_row()))?;
            writeln!(out)?;
        }
        Format::Csv => {
            let mut r = crate::report::Renderer::new(&mut out, Format::Csv, false);
            for row in agenda.rows() {
                r.row(&row.to_row())?;
            }
            r.finish(&[
                "action",
                "invoice",
                "client",
                "client_name",
                "step",
                "since",
                "days_overdue",
                "balance",
                "currency",
                "to",
                "note",
            ])?;
        }
        Format::Table => {
            // Nothing to do is not said when invoices were left out.
            if !ctx.quiet && (!agenda.is_empty() || left_out.is_empty()) {
                print_agenda(ctx, &db, &mut out, &agenda)?;
            }
        }
    }
    out.flush()?;
    drop(out);
    Ok(if super::report_left_out(&left_out) {
        exit::FAILURE
    } else {
        exit::OK
    })
}

fn print_agenda(ctx: &Context, db: &store::Store, out: &mut dyn Write, agenda: &Agenda) -> Result<()> {
    let weekday = ctx.today.format("%A");
    let schedule = &ctx.config.schedule;
    let not_a_send_day = (!schedule.is_send_day(ctx.today)).then(|| {
        let next = schedule.next_send_day(ctx.today);
        format!(
            "{weekday} is not a sending day: e-mails that fall due now go out on {} {next}.",
            next.format("%A")
        )
    });
    if agenda.is_empty() {
        return print_empty_agenda(ctx, db, not_a_send_day);
    }
    if !ctx.stdout_tty {
        // A pipe or a file gets the data only: one table, the action in a column.
        let (table, rows) = agenda_table(agenda, &agenda.keys, true, false);
        table.write_rows_to(&rows, out, ctx.screen())?;
        out.flush()?;
        print_agenda_footer(ctx, agenda);
        return Ok(());
    }
    writeln!(out, "{}", ctx.bold(&format!("Due on {weekday} {}", ctx.today)))?;
    if let Some(n) = not_a_send_day {
        writeln!(out, "{}", wrap(&n, ctx.width, ""))?;
    }
    let mut left_out: Vec<&str> = Vec::new();
    // The keys are sorted by section: each section is one run of them.
    let mut rest = &agenda.keys[..];
    for (section, (title, actions)) in SECTIONS.iter().enumerate() {
        let n = rest.iter().take_while(|k| k.section() == section).count();
        let (part, after) = rest.split_at(n);
        rest = after;
        if part.is_empty() {
            continue;
        }
        let rows = || part.iter().map(|k| agenda.row(k));
        let invoices = count(distinct(rows().map(|r| r.invoice)), "invoice");
        let mut heading = if actions.contains(&"email") {
            format!("{invoices} in {}", count(email_messages(rows()), "e-mail"))
        } else {
            invoices
        };
        // A note every row shares is said once, in the heading.
        let shared_note = agenda
            .row(&part[0])
            .note
            .filter(|_| part.len() > 1 || actions.contains(&"with-lawyer"))
            .filter(|n| rows().all(|r| r.note == Some(n)));
        if let Some(n) = shared_note {
            let prefix = format!("{}: ", title.to_lowercase());
            heading.push_str(&format!(" · {}", n.strip_prefix(&prefix).unwrap_or(n)));
        }
        // A long shared note wraps inside the terminal, under the heading.
        let line = wrap(&format!("{title}: {heading}"), ctx.width, "  ");
        let rest = line.strip_prefix(title).unwrap_or(&line);
        writeln!(
            out,
            "
{}{rest}",
            ctx.bold(title)
        )?;
        let (table, cells) = agenda_table(agenda, part, false, shared_note.is_some());
        let table = table.without_left_out_line();
        for h in table.plan_rows(&cells, ctx.width).left_out {
            if !left_out.contains(&h) {
                left_out.push(h);
            }
        }
        table.write_rows_to(&cells, out, ctx.screen())?;
        if actions.contains(&"letter") {
            let hint = match part {
                [one] => format!("write it with dun letter {}", agenda.row(one).invoice),
                _ => "write each with dun letter INVOICE".to_string(),
            };
            writeln!(out, "{hint}")?;
        }
    }
    // Said of the whole agenda, apart from the last section's table.
    if !left_out.is_empty() {
        write!(out, "\n{}", left_out_line(&left_out, ctx.screen()))?;
    }
    writeln!(out)?;
    out.flush()?;
    print_agenda_footer(ctx, agenda);
    Ok(())
}

/// How many different values.
fn distinct<T: Eq + Hash>(items: impl Iterator<Item = T>) -> usize {
    items.collect::<QuickSet<T>>().len()
}

/// A set of the agenda's short texts (invoice numbers, client handles)
/// with a quicker hash than the standard one, whose SipHash was a tenth of
/// `dun due`'s time at 1,000,000 invoices. The texts are the user's own
/// records, not input chosen to collide.
type QuickSet<T> = HashSet<T, BuildHasherDefault<Quick>>;

/// Eight bytes at a time, multiplied in, mixed at the end (the 64-bit
/// finaliser of MurmurHash3).
#[derive(Default)]
struct Quick(u64);

impl Hasher for Quick {
    fn write(&mut self, bytes: &[u8]) {
        let mut h = self.0;
        for chunk in bytes.chunks(8) {
            let mut w = [0u8; 8];
            w[..chunk.len()].copy_from_slice(chunk);
            h = (h.rotate_left(23) ^ u64::from_le_bytes(w)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        }
        self.0 = h ^ bytes.len() as u64;
    }

    fn finish(&self) -> u64 {
        let mut h = self.0;
        h ^= h >> 33;
        h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^= h >> 33;
        h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
        h ^ (h >> 33)
    }
}

/// The e-mails `dun send` would send for these rows: a ladder e-mail one per
/// client and kind (rule 9), a plan's e-mail each on its own.
fn email_messages<'a>(rows: impl Iterator<Item = Packed<'a>>) -> usize {
    distinct(rows.filter(Packed::is_email).map(|r| message_of(&r)))
}

/// Which e-mail of `dun send`'s an e-mail row goes in.
fn message_of<'a>(r: &Packed<'a>) -> (&'a str, &'static str, &'a str) {
    match r.action {
        "plan" | "instalment" => (r.client, r.action, r.invoice),
        _ => (r.client, r.action, ""),
    }
}

/// The agenda's rows as a table: the table's columns, and its rows read
/// from the packed agenda as they are laid out. `with_action`: the
/// one-table form of a pipe, every field in a column; else one section of
/// a terminal's agenda, each row's note on a line of its own under it
/// (`without_notes`: the note every row shares is in the section's heading).
fn agenda_table<'a>(
    agenda: &'a Agenda,
    keys: &'a [RowKey],
    with_action: bool,
    without_notes: bool,
) -> (Table, AgendaCells<'a>) {
    // For a call the number is the point; for an e-mail dun send knows the address.
    let calls = keys
        .iter()
        .all(|k| !matches!(agenda.action(k), "email" | "escalate"));
    let mut columns = vec![
        Column::text("invoice", 0),
        Column::text("client", 1).cut(14),
        Column::text("step", 3).cut(9).optional(),
        Column::text("due since", 6),
        Column::number("days late", 2),
        Column::number("balance", 0),
        Column::text("to", if calls { 1 } else { 4 }).cut(16).optional(),
    ];
    if with_action {
        columns.insert(0, Column::text("action", 0));
        columns.push(Column::text("note", 4).optional());
    }
    let cells = AgendaCells {
        agenda,
        keys,
        with_action,
        without_notes,
    };
    (Table::new(&columns), cells)
}

/// The cells of an agenda's rows, made from the packed rows when the table
/// reads them (see [`agenda_table`]).
struct AgendaCells<'a> {
    agenda: &'a Agenda,
    keys: &'a [RowKey],
    with_action: bool,
    without_notes: bool,
}

impl Rows for AgendaCells<'_> {
    fn len(&self) -> usize {
        self.keys.len()
    }

    fn row(&self, i: usize) -> (Vec<Cow<'_, str>>, Option<Cow<'_, str>>) {
        let r = self.agenda.row(&self.keys[i]);
        let note = r.note.filter(|_| !self.without_notes);
        let sep = if self.with_action { "; " } else { "\n" };
        // A letter goes to the client named in the row, and says how under the section.
        let (to, note): (Cow<str>, Option<&str>) = if r.action == "letter" && !self.with_action {
            let command = note.and_then(|n| n.strip_prefix("dun letter "));
            let note = note.filter(|_| command != Some(r.invoice));
            (Cow::Borrowed(""), note)
        } else {
            let to = match r.to_count {
                0 => Cow::Borrowed(""),
                1 => Cow::Borrowed(r.recipients().next().unwrap_or_default()),
                _ => Cow::Owned(r.recipients().collect::<Vec<_>>().join(sep)),
            };
            (to, note)
        };
        let step = r.step.unwrap_or(match r.action {
            "plan" | "instalment" | "broken-plan" => r.action,
            _ => "",
        });
        let mut cells: Vec<Cow<str>> = Vec::with_capacity(9);
        if self.with_action {
            cells.push(Cow::Borrowed(r.action));
        }
        cells.extend([
            Cow::Borrowed(r.invoice),
            Cow::Borrowed(r.client_name),
            Cow::Borrowed(step),
            Cow::Owned(crate::report::Day(r.since).text()),
            Cow::Owned(super::invoice::days_cell(r.days_overdue)),
            Cow::Owned(human(r.balance, r.currency)),
            to,
        ]);
        if self.with_action {
            cells.push(Cow::Borrowed(note.unwrap_or_default()));
            (cells, None)
        } else {
            (cells, note.map(Cow::Borrowed))
        }
    }
}

/// Totals and hints under the agenda (on stderr when stdout is not a terminal).
fn print_agenda_footer(ctx: &Context, agenda: &Agenda) {
    // Totals per currency over the invoices on the agenda, counted once
    // each; what `dun send` would send; what else is there. One pass.
    let mut seen = QuickSet::default();
    let mut totals = Totals::new();
    let mut too_much = false;
    let mut messages = QuickSet::default();
    let mut email_invoices = QuickSet::default();
    let (mut replies, mut tasks) = (false, false);
    for r in agenda.rows() {
        if !too_much && seen.insert(r.invoice) {
            // Too large to add up: the line says so rather than a wrong figure.
            if totals.add(r.currency, r.balance).is_err() {
                totals = Totals::new();
                too_much = true;
            }
        }
        if r.is_email() {
            messages.insert(message_of(&r));
            email_invoices.insert(r.invoice);
        }
        replies |= r.action == "reply";
        tasks |= r.action == "call" || r.action == "letter";
    }
    let n = seen.len();
    ctx.hint(wrap(
        &format!(
            "{} {} attention: {} outstanding",
            count(n, "invoice"),
            word(n, "needs"),
            totals.human("too much to add up")
        ),
        ctx.width,
        "  ",
    ));
    if !messages.is_empty() {
        ctx.hint(format!(
            "run dun send to send {} covering {}",
            count(messages.len(), "e-mail"),
            count(email_invoices.len(), "invoice")
        ));
    }
    if replies {
        ctx.hint(wrap(
            "after reading a reply, record what the client said: dun promise, dun dispute, or dun log INVOICE note --note \"...\"",
            ctx.width,
            "  ",
        ));
    }
    if tasks {
        ctx.hint(wrap(
            "after a call or letter: dun log INVOICE call|letter --outcome ... --note \"...\"",
            ctx.width,
            "  ",
        ));
    }
}

/// Nothing due: say so, and what you are owed all the same.
fn print_empty_agenda(ctx: &Context, db: &store::Store, not_a_send_day: Option<String>) -> Result<()> {
    if !store::has_invoices(db.conn())? {
        ctx.hint(super::summary::NO_INVOICES);
        return Ok(());
    }
    ctx.hint(format!(
        "Nothing to do today ({} {}).",
        ctx.today.format("%A"),
        ctx.today
    ));
    if let Some(n) = not_a_send_day {
        ctx.hint(wrap(&n, ctx.width, ""));
    }
    let s = super::summary::figures(ctx, db)?;
    let mut unpaid = Totals::new();
    let mut late = 0;
    for c in &s.currencies {
        unpaid.set(&c.currency, c.unpaid);
        late += c.overdue_invoices;
    }
    let line = if unpaid.is_empty() {
        "Nothing is unpaid.".to_string()
    } else if late == 0 {
        format!("You are owed {}; none of it is overdue.", unpaid.human(""))
    } else {
        format!(
            "You are owed {}; {} overdue (dun summary shows more).",
            unpaid.human(""),
            match late {
                1 => "1 invoice is".to_string(),
                n => format!("{n} invoices are"),
            }
        )
    };
    ctx.hint(wrap(&line, ctx.width, "  "));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn row() -> impl Strategy<Value = AgendaRow> {
        (
            (
                prop::sample::select(ACTIONS.to_vec()),
                "[0-9]{4}-[0-9]{1,3}(-[a-zé]{0,20})?",
                "[a-z0-9-]{0,80}",
                "\\PC{0,30}",
                prop::option::of("[a-z-]{0,12}"),
            ),
            (
                -400i64..400,
                prop_oneof![0i64..4000, Just(i64::from(u32::MAX) << 3)],
                prop_oneof![
                    Just(i64::MIN),
                    Just(i64::MAX),
                    Just(0i64),
                    any::<i64>(),
                    -999i64..999
                ],
                "[A-Z]{3}|[a-z]{0,5}",
                prop::collection::vec("\\PC{0,90}", 0..4),
                prop::option::of("\\PC{0,200}"),
            ),
        )
            .prop_map(
                |(
                    (action, invoice, client, client_name, step),
                    (since, days, balance, currency, to, note),
                )| {
                    AgendaRow {
                        action,
                        invoice,
                        client,
                        client_name,
                        step,
                        since: add_days(NaiveDate::from_ymd_opt(2026, 12, 15).unwrap_or_default(), since),
                        days_overdue: days,
                        balance: plain(balance, &currency),
                        balance_minor: balance,
                        currency,
                        to,
                        note,
                    }
                },
            )
    }

    /// The order the agenda had before it was packed: a stable sort by
    /// section, date and invoice number.
    fn sorted(mut rows: Vec<AgendaRow>) -> Vec<AgendaRow> {
        rows.sort_by(|a, b| {
            (section_of(a.action), a.since, &a.invoice).cmp(&(section_of(b.action), b.since, &b.invoice))
        });
        rows
    }

    proptest! {
        /// Every field comes back as it went in (long texts, any amount,
        /// no step, many recipients, Unicode), and the rows in the order of
        /// a stable sort by (section, date, invoice).
        #[test]
        fn packed_rows_come_back_whole_and_in_order(rows in prop::collection::vec(row(), 0..60)) {
            let mut agenda = Agenda::new();
            for r in &rows {
                agenda.push_row(r).unwrap();
            }
            agenda.sort();
            let back: Vec<String> = agenda.rows().map(|r| format!("{:?}", r.to_row())).collect();
            let want: Vec<String> = sorted(rows).iter().map(|r| format!("{r:?}")).collect();
            prop_assert_eq!(back, want);
            for k in &agenda.keys {
                prop_assert_eq!(agenda.action(k), agenda.row(k).action);
            }
        }
    }

    #[test]
    fn rows_of_one_section_stay_in_the_order_they_came_on_the_same_day_and_invoice() {
        let day = NaiveDate::from_ymd_opt(2026, 12, 15).unwrap_or_default();
        let row = |action: &'static str, invoice: &str, step: &str| AgendaRow {
            action,
            invoice: invoice.into(),
            client: "c".into(),
            client_name: "C".into(),
            step: Some(step.into()),
            since: day,
            days_overdue: 3,
            balance: "1.00".into(),
            balance_minor: 100,
            currency: "EUR".into(),
            to: vec![],
            note: None,
        };
        let mut agenda = Agenda::new();
        // Invoice numbers that share their first 12 bytes are told apart by the rest.
        for r in [
            row("call", "2026-0000000002", "b"),
            row("email", "2026-0000000001", "z"),
            row("call", "2026-0000000001", "x"),
            row("escalate", "2026-0000000001", "a"),
            row("reply", "2026-0000000009", "r"),
        ] {
            agenda.push_row(&r).unwrap();
        }
        agenda.sort();
        let got: Vec<(&str, &str, Option<&str>)> =
            agenda.rows().map(|r| (r.action, r.invoice, r.step)).collect();
        assert_eq!(
            got,
            [
                ("reply", "2026-0000000009", Some("r")),
                ("email", "2026-0000000001", Some("z")),
                ("escalate", "2026-0000000001", Some("a")),
                ("call", "2026-0000000001", Some("x")),
                ("call", "2026-0000000002", Some("b")),
            ]
        );
    }
}
