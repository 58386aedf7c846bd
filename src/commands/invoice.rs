//! `dun invoice add | list | show | edit | void`.

use std::io::Write;

use anyhow::{Result, anyhow, bail};
use chrono::NaiveDate;
use serde::Serialize;

use super::{
    CaseFacts, currency, date_arg, human, non_empty, plain, positive_amount, require_client, require_invoice,
    require_step,
};
use crate::cli::{Format, InvoiceAdd, InvoiceCommand};
use crate::context::Context;
use crate::domain::dates::{add_days, days_between};
use crate::domain::ladder::assess;
use crate::domain::money::Currency;
use crate::domain::status::{Status, status};
use crate::domain::text::{check_invoice_number, check_line, check_note};
use crate::domain::totals::{Totals, grouped};
use crate::exit;
use crate::import::Field;
use crate::report::table::{Column, List, TableRow};
use crate::store::{self, InvoiceRow, NewInvoice};

pub fn run(ctx: &Context, cmd: InvoiceCommand) -> Result<u8> {
    match cmd {
        InvoiceCommand::Add(a) => add(ctx, a),
        InvoiceCommand::List { status, client } => list(ctx, status.as_deref(), client.as_deref()),
        InvoiceCommand::Show { number } => show(ctx, &number),
        InvoiceCommand::Edit {
            number,
            client,
            amount,
            currency,
            issued,
            due,
            description,
            pay_link,
        } => edit(
            ctx,
            &number,
            EditArgs {
                client,
                amount,
                currency,
                issued,
                due,
                description,
                pay_link,
            },
        ),
        InvoiceCommand::Void { number, reason } => void(ctx, &number, reason),
    }
}

pub(crate) fn check_link(link: Option<String>) -> Result<Option<String>> {
    non_empty(link)
        .map(|l| {
            check_line("pay link", &l).map_err(|m| anyhow!(m))?;
            if l.contains(char::is_whitespace) {
                bail!("pay link \"{l}\" contains spaces; give one address, like https://pay.example.org/2026-014");
            }
            Ok(l)
        })
        .transpose()
}

/// An invoice's facts as typed (by `invoice add` or a row of `dun import`),
/// dates already read.
pub(crate) struct InvoiceDraft<'a> {
    pub number: &'a str,
    /// A plain decimal, `1200.50`.
    pub amount: &'a str,
    pub currency: Option<&'a str>,
    pub issued: Option<NaiveDate>,
    pub due: Option<NaiveDate>,
    pub terms: Option<u32>,
    pub description: Option<String>,
    pub pay_link: Option<String>,
    pub step: Option<String>,
}

/// An invoice's facts, checked as `invoice add` checks them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CheckedInvoice {
    pub number: String,
    pub amount: i64,
    pub currency: Currency,
    pub issued: NaiveDate,
    pub due: NaiveDate,
    pub description: Option<String>,
    pub pay_link: Option<String>,
    pub step: Option<String>,
}

/// The longest payment terms accepted, in days (ten years).
pub(crate) const MAX_TERMS_DAYS: u32 = 3650;

/// Checks an invoice: its number, a positive amount in its currency (the
/// config's when none is given), the issue date (today when none), the due
/// date (given, or issued + terms, or issued + the config's terms) not before
/// it, the description, the pay link and the ladder step.
pub(crate) fn check_invoice(ctx: &Context, d: InvoiceDraft) -> Result<CheckedInvoice, Failed> {
    let at = |field: Field| move |e: anyhow::Error| Failed { field, error: e };
    let text = |field: Field| {
        move |m: String| Failed {
            field,
            error: anyhow!(m),
        }
    };
    let number = check_invoice_number(d.number).map_err(text(Field::Number))?;
    let cur = match d.currency {
        Some(c) => currency(c).map_err(at(Field::Currency))?,
        None => ctx.config.currency,
    };
    let amount = positive_amount(d.amount, cur).map_err(at(Field::Amount))?;
    let issued = d.issued.unwrap_or(ctx.today);
    if let Some(t) = d.terms
        && t > MAX_TERMS_DAYS
    {
        return Err(text(Field::Terms)(format!(
            "payment terms of {t} days are too long; give 0 to {MAX_TERMS_DAYS} days"
        )));
    }
    let due = match (d.due, d.terms) {
        (Some(due), _) => due,
        (None, Some(t)) => add_days(issued, i64::from(t)),
        (None, None) => add_days(issued, i64::from(ctx.config.terms_days)),
    };
    if due > crate::domain::dates::LAST_DAY {
        return Err(text(if d.due.is_some() { Field::Due } else { Field::Terms })(
            format!(
                "the due date would be {due}, after {}: the last day dun keeps; give a shorter --terms or a --due date",
                crate::domain::dates::LAST_DAY
            ),
        ));
    }
    if due < issued {
        return Err(text(if d.due.is_some() {
            Field::Due
        } else {
            Field::Issued
        })(format!(
            "due date {due} is before the issue date {issued}; give a due date on or after it"
        )));
    }
    let description = non_empty(d.description)
        .map(|d| check_note("description", &d))
        .transpose()
        .map_err(text(Field::Description))?;
    let pay_link = check_link(d.pay_link).map_err(at(Field::PayLink))?;
    let step = non_empty(d.step)
        .map(|s| require_step(&ctx.config.ladder, s))
        .transpose()
        .map_err(at(Field::Step))?;
    Ok(CheckedInvoice {
        number,
        amount,
        currency: cur,
        issued,
        due,
        description,
        pay_link,
        step,
    })
}

/// A check that failed, and the fact it failed on (for `dun import` to name
/// the column).
#[derive(Debug)]
pub(crate) struct Failed {
    pub field: Field,
    pub error: anyhow::Error,
}

fn add(ctx: &Context, a: InvoiceAdd) -> Result<u8> {
    let issued = a
        .issued
        .as_deref()
        .map(|d| date_arg(Some(d), "--issued", ctx.today))
        .transpose()?;
    let due = a
        .due
        .as_deref()
        .map(|d| date_arg(Some(d), "--due", ctx.today))
        .transpose()?;
    let i = check_invoice(
        ctx,
        InvoiceDraft {
            number: &a.number,
            amount: &a.amount,
            currency: a.currency.as_deref(),
            issued,
            due,
            terms: a.terms,
            description: a.description,
            pay_link: a.pay_link,
            step: a.step,
        },
    )
    .map_err(|f| f.error)?;
    let number = &i.number;

    let mut db = ctx.open_store()?;
    let handle = db.write(|tx| {
        let client = require_client(tx, &a.client)?;
        if store::invoice_number_taken(tx, number)? {
            bail!("invoice {number} already exists; invoice numbers are unique (dun invoice show {number})");
        }
        store::insert_invoice(
            tx,
            &NewInvoice {
                number,
                client_id: client.id,
                issued: i.issued,
                due: i.due,
                amount: i.amount,
                currency: i.currency.code(),
                description: i.description.as_deref(),
                pay_link: i.pay_link.as_deref(),
                start_step: i.step.as_deref(),
                entered_on: ctx.today,
                reference: ctx.config.reference,
                now: &ctx.now,
            },
        )?;
        Ok(client.handle)
    })?;
    ctx.say(format!(
        "added invoice {number}: {} to {handle}, due {}",
        human(i.amount, i.currency.code()),
        i.due
    ));
    Ok(exit::OK)
}

#[derive(Serialize)]
struct InvoiceListRow {
    number: String,
    client: String,
    issued: String,
    due: String,
    status: &'static str,
    days_overdue: i64,
    currency: String,
    amount: String,
    paid: String,
    balance: String,
    reference: Option<String>,
    #[serde(skip)]
    minor: [i64; 3],
}

impl TableRow for InvoiceListRow {
    const COLUMNS: &'static [Column] = &[
        Column::text("number", 0),
        Column::text("client", 1).cut(10),
        Column::text("issued", 5),
        Column::text("due", 2),
        Column::text("status", 1),
        Column::number("days late", 2),
        Column::text("currency", 0),
        Column::number("amount", 4),
        Column::number("paid", 3),
        Column::number("balance", 0),
        Column::text("reference", 6).optional(),
    ];

    fn cells(&self) -> Vec<String> {
        let [amount, paid, balance] = self.minor.map(|m| grouped(i128::from(m), &self.currency));
        vec![
            self.number.clone(),
            self.client.clone(),
            self.issued.clone(),
            self.due.clone(),
            self.status.to_string(),
            days_cell(self.days_overdue),
            self.currency.clone(),
            amount,
            paid,
            balance,
            self.reference.clone().unwrap_or_default(),
        ]
    }
}

/// Days overdue for a person: blank when the invoice is not overdue.
pub(crate) fn days_cell(days: i64) -> String {
    if days > 0 { days.to_string() } else { String::new() }
}

fn list(ctx: &Context, status_filter: Option<&str>, client: Option<&str>) -> Result<u8> {
    let wanted = status_filter
        .map(Status::parse)
        .transpose()
        .map_err(|m| anyhow!(m))?;
    let db = ctx.open_store()?;
    let client_id = client
        .map(|h| require_client(db.conn(), h))
        .transpose()?
        .map(|c| c.id);
    let invoices = store::list_invoices(db.conn(), client_id, ctx.today)?;
    let planned = super::plan::held_by_plans(ctx, db.conn())?;
    let mut out = std::io::stdout().lock();
    let mut list = List::new(&mut out, ctx.format, ctx.screen());
    let mut sums = [Totals::new(), Totals::new(), Totals::new()];
    for i in &invoices {
        let held = i.held || planned.contains(&i.id);
        let st = status(i.closed.as_deref(), i.balance(), held, i.due, ctx.today);
        if wanted.is_some_and(|w| w != st) {
            continue;
        }
        let balance = if st.is_outstanding() { i.balance() } else { 0 };
        let minor = [i.amount, i.paid, balance];
        for (t, m) in sums.iter_mut().zip(minor) {
            t.add(&i.currency, m).map_err(|e| anyhow!(e))?;
        }
        list.row(&InvoiceListRow {
            number: i.number.clone(),
            client: i.client_handle.clone(),
            issued: i.issued.to_string(),
            due: i.due.to_string(),
            status: st.as_str(),
            days_overdue: if st.is_outstanding() {
                days_between(i.due, ctx.today).max(0)
            } else {
                0
            },
            currency: i.currency.clone(),
            amount: plain(i.amount, &i.currency),
            paid: plain(i.paid, &i.currency),
            balance: plain(balance, &i.currency),
            reference: i.reference.clone(),
            minor,
        })?;
    }
    for (n, (code, amount)) in sums[0].iter().enumerate() {
        let cell = |t: &Totals| grouped(t.get(code), code);
        list.total(vec![
            if n == 0 { "total".into() } else { String::new() },
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            code.to_string(),
            grouped(amount, code),
            cell(&sums[1]),
            cell(&sums[2]),
            String::new(),
        ]);
    }
    let n = list.finish(&[
        "number",
        "client",
        "issued",
        "due",
        "status",
        "days_overdue",
        "currency",
        "amount",
        "paid",
        "balance",
        "reference",
    ])?;
    if n == 0 && ctx.format == Format::Table {
        if invoices.is_empty() {
            ctx.hint(
                "no invoices yet; add one with dun invoice add 2026-001 --client HANDLE --amount 1200.00",
            );
        } else {
            ctx.hint("no invoices match");
        }
    }
    Ok(exit::OK)
}

/// One line of an invoice's timeline.
#[derive(Serialize)]
struct Event {
    date: NaiveDate,
    kind: String,
    detail: String,
}

#[derive(Serialize)]
struct InvoiceView {
    number: String,
    client: String,
    client_name: String,
    status: &'static str,
    issued: NaiveDate,
    due: NaiveDate,
    days_overdue: i64,
    currency: String,
    amount: String,
    paid: String,
    written_down: String,
    balance: String,
    fee: String,
    interest: String,
    description: Option<String>,
    pay_link: Option<String>,
    reference: Option<String>,
    hold: Option<String>,
    next_step: Option<String>,
    next_step_date: Option<NaiveDate>,
    /// The current payment plan, with its instalments (SPEC.md §12).
    plan: Option<super::plan::PlanView>,
    timeline: Vec<Event>,
}

fn show(ctx: &Context, number: &str) -> Result<u8> {
    super::refuse_csv(ctx, "invoice show")?;
    let db = ctx.open_store()?;
    let conn = db.conn();
    let inv = require_invoice(conn, number, ctx.today)?;
    let payments = store::payments(conn, inv.id)?;
    let holds = store::holds(conn, inv.id)?;
    let log = store::log_entries(conn, inv.id)?;
    let facts = CaseFacts::load(ctx, conn, &inv)?;
    currency(&inv.currency)?;
    let (plan, plan_events) = super::plan::plan_view(ctx, conn, &inv)?;
    let held = inv.held || plan.as_ref().is_some_and(|p| p.holds());
    let st = status(inv.closed.as_deref(), inv.balance(), held, inv.due, ctx.today);
    let ladder = &ctx.config.ladder;
    let a = assess(&facts.case(&inv), ladder, &ctx.config.schedule, ctx.today);

    let charges = if st.is_outstanding() {
        let client = store::client_by_id(conn, inv.client_id)?;
        crate::mail::vars::charges(&ctx.config, &client, &inv, &payments, ctx.today)?
    } else {
        Default::default()
    };

    let mut timeline = vec![
        Event {
            date: inv.issued,
            kind: "issued".into(),
            detail: human(inv.amount, &inv.currency),
        },
        Event {
            date: inv.due,
            kind: "due".into(),
            detail: String::new(),
        },
    ];
    for p in &payments {
        let mut d = human(p.amount, &inv.currency);
        if let Some(m) = &p.method {
            d.push_str(&format!(" by {m}"));
        }
        if let Some(n) = &p.note {
            d.push_str(&format!(" · {n}"));
        }
        timeline.push(Event {
            date: p.paid_on,
            kind: "payment".into(),
            detail: d,
        });
    }
    for h in &holds {
        let mut d = match (h.kind, h.until) {
            (k, Some(u)) => format!("{k} until {u}"),
            (k, None) => format!("{k}"),
        };
        if let Some(n) = &h.note {
            d.push_str(&format!(" · {n}"));
        }
        timeline.push(Event {
            date: h.since,
            kind: "hold".into(),
            detail: d,
        });
        if let Some(r) = h.released_on {
            timeline.push(Event {
                date: r,
                kind: "hold ended".into(),
                detail: format!("{} ended", h.kind),
            });
        }
    }
    for (date, kind, detail) in plan_events {
        timeline.push(Event {
            date,
            kind: kind.into(),
            detail,
        });
    }
    let keyed: Vec<((), &store::LogRow)> = log.iter().map(|l| ((), l)).collect();
    for attempt in super::fold_retries(&keyed) {
        let l = attempt.entry;
        let mut d = format!(
            "{} {}",
            l.channel,
            if l.inbound { "from client" } else { "to client" }
        );
        if l.message_key.is_some() {
            // Read from the inbox: the column holds the sender.
            d = format!(
                "{} from {}",
                l.channel,
                l.recipients.as_deref().unwrap_or("the mailbox")
            );
        }
        if let Some(s) = &l.step {
            d.push_str(&format!(" [{s}]"));
        }
        if let Some(r) = l.recipients.as_ref().filter(|_| l.message_key.is_none()) {
            d.push_str(&format!(" to {r}"));
        }
        if let Some(words) = attempt.delivery_words() {
            d.push_str(&format!(" · {words}"));
        }
        if let Some(o) = l.outcome {
            d.push_str(&format!(" · {o}"));
        }
        if let Some(dl) = l.deadline {
            d.push_str(&format!(" · pay by {dl}"));
        }
        if let Some(n) = &l.note {
            d.push_str(&format!(" · {}", n.replace('\n', " ")));
        }
        timeline.push(Event {
            date: l.on,
            kind: "contact".into(),
            detail: d,
        });
    }
    if let (Some(c), Some(on)) = (&inv.closed, inv.closed_on) {
        let mut d = c.clone();
        if inv.write_down > 0 {
            d.push_str(&format!(
                ", {} written down",
                human(inv.write_down, &inv.currency)
            ));
        }
        if let Some(n) = &inv.close_note {
            d.push_str(&format!(" · {n}"));
        }
        timeline.push(Event {
            date: on,
            kind: "closed".into(),
            detail: d,
        });
    }
    // Stable: same-day events keep the order above (issued, payments, holds, plans, contacts).
    timeline.sort_by_key(|e| e.date);

    // While a plan holds the ladder, what comes next is its next instalment.
    let next = match plan.as_ref().filter(|p| p.holds()).and_then(|p| p.next_text()) {
        Some(n) => Some(n),
        None => a
            .next
            .map(|n| (ladder.steps()[n.step].name.clone(), n.on))
            .or_else(|| {
                // Rule 10: waiting for the letter's deadline, with the lawyer after it.
                a.awaiting_deadline()
                    .map(|d| ("with-lawyer".to_string(), add_days(d, 1)))
            }),
    };
    let view = InvoiceView {
        number: inv.number.clone(),
        client: inv.client_handle.clone(),
        client_name: inv.client_name.clone(),
        status: st.as_str(),
        issued: inv.issued,
        due: inv.due,
        days_overdue: if st.is_outstanding() {
            days_between(inv.due, ctx.today).max(0)
        } else {
            0
        },
        currency: inv.currency.clone(),
        amount: plain(inv.amount, &inv.currency),
        paid: plain(inv.paid, &inv.currency),
        written_down: plain(inv.write_down, &inv.currency),
        balance: plain(if st.is_outstanding() { inv.balance() } else { 0 }, &inv.currency),
        fee: plain(charges.fee, &inv.currency),
        interest: plain(charges.interest, &inv.currency),
        description: inv.description.clone(),
        pay_link: inv.pay_link.clone(),
        reference: inv.reference.clone(),
        hold: a.hold.map(|h| h.as_str().to_string()),
        next_step: next.as_ref().map(|n| n.0.clone()),
        next_step_date: next.as_ref().map(|n| n.1),
        plan,
        timeline,
    };

    let mut out = std::io::stdout().lock();
    if ctx.format != Format::Table {
        serde_json::to_writer_pretty(&mut out, &view)?;
        writeln!(out)?;
        return Ok(exit::OK);
    }
    let v = &view;
    writeln!(
        out,
        "{} {} · {} ({})",
        ctx.bold("Invoice"),
        ctx.bold(&v.number),
        v.client_name,
        v.client
    )?;
    let status_line = match st {
        Status::Overdue => format!("overdue, {}", crate::report::words::count(v.days_overdue, "day")),
        Status::OnHold => format!("on hold ({})", v.hold.as_deref().unwrap_or("hold")),
        other => other.as_str().to_string(),
    };
    writeln!(out, "  status       {status_line}")?;
    writeln!(out, "  amount       {}", human(inv.amount, &inv.currency))?;
    if inv.paid > 0 {
        writeln!(out, "  paid         {}", human(inv.paid, &inv.currency))?;
    }
    if inv.write_down > 0 {
        writeln!(out, "  written down {}", human(inv.write_down, &inv.currency))?;
    }
    if st.is_outstanding() {
        writeln!(out, "  balance      {}", human(inv.balance(), &inv.currency))?;
    }
    writeln!(out, "  issued       {}", v.issued)?;
    writeln!(out, "  due          {}", v.due)?;
    if let Some(r) = &v.reference {
        writeln!(out, "  reference    {}", crate::domain::reference::group(r))?;
    }
    if let Some(d) = &v.description {
        writeln!(out, "  description  {}", d.replace('\n', " "))?;
    }
    if let Some(l) = &v.pay_link {
        writeln!(out, "  pay link     {l}")?;
    }
    if charges.fee > 0 || charges.interest > 0 {
        let names = match &charges.basis {
            crate::domain::fees::Basis::Statute(k) => crate::domain::law::charge_names(k, "en"),
            _ => crate::domain::law::charge_names("contract", "en"),
        };
        let mut parts = Vec::new();
        if charges.fee > 0 {
            parts.push(format!(
                "{} {}",
                names.fee.to_lowercase(),
                human(charges.fee, &inv.currency)
            ));
        }
        if charges.interest > 0 {
            let rates: Vec<String> = charges
                .periods
                .iter()
                .map(|p| format!("{}%", crate::domain::law::percent_text(p.ppm, '.')))
                .collect();
            parts.push(format!(
                "{} {} ({} a year, simple, {})",
                names.interest.to_lowercase(),
                human(charges.interest, &inv.currency),
                rates.join(" then "),
                crate::report::words::count(charges.interest_days, "day")
            ));
        }
        writeln!(
            out,
            "  charges      {} (not added to the invoice)",
            parts.join(", ")
        )?;
    }
    if let Some(why) = &charges.interest_withheld {
        writeln!(out, "  interest     none claimed: {why}")?;
    }
    if a.with_lawyer {
        match a.letter_deadline {
            Some(d) => writeln!(
                out,
                "  next step    none: the letter's deadline of {d} passed (with lawyer)"
            )?,
            None => writeln!(out, "  next step    none: the ladder is done (with lawyer)")?,
        }
    } else if let Some(d) = a
        .awaiting_deadline()
        .filter(|_| next.as_ref().is_some_and(|n| n.0 == "with-lawyer"))
    {
        writeln!(out, "  next step    with lawyer after the letter's deadline, {d}")?;
    } else if let Some((name, on)) = &next {
        let when = if *on <= ctx.today {
            "due now".to_string()
        } else {
            format!("on {on}")
        };
        writeln!(out, "  next step    {name}, {when}")?;
    }
    if let Some(p) = &v.plan {
        p.write(ctx, &mut out)?;
    }
    writeln!(out, "\n{}", ctx.bold("Timeline"))?;
    for e in &v.timeline {
        if e.detail.is_empty() {
            writeln!(out, "  {}  {}", e.date, e.kind)?;
        } else {
            // A long entry wraps under its own text, inside the terminal.
            let line = format!("  {}  {:<10} {}", e.date, e.kind, e.detail);
            writeln!(
                out,
                "{}",
                crate::report::words::wrap(&line, ctx.width, &" ".repeat(25))
            )?;
        }
    }
    Ok(exit::OK)
}

struct EditArgs {
    client: Option<String>,
    amount: Option<String>,
    currency: Option<String>,
    issued: Option<String>,
    due: Option<String>,
    description: Option<String>,
    pay_link: Option<String>,
}

/// Changes to an existing invoice, checked but not yet applied (by `invoice
/// edit` or `dun import --update`). `None` leaves a fact as it is.
#[derive(Debug, Clone, Default)]
pub(crate) struct InvoiceChanges {
    /// Move it to this client (id, handle).
    pub client: Option<(i64, String)>,
    /// A plain decimal, read in the invoice's (new) currency.
    pub amount: Option<String>,
    pub currency: Option<Currency>,
    pub issued: Option<NaiveDate>,
    pub due: Option<NaiveDate>,
    /// `Some("")` clears it.
    pub description: Option<String>,
    /// `Some(None)` clears it.
    pub pay_link: Option<Option<String>>,
    pub start_step: Option<String>,
}

impl InvoiceChanges {
    /// Whether anything would change.
    pub fn is_some(&self) -> bool {
        self.client.is_some()
            || self.amount.is_some()
            || self.currency.is_some()
            || self.issued.is_some()
            || self.due.is_some()
            || self.description.is_some()
            || self.pay_link.is_some()
            || self.start_step.is_some()
    }
}

/// Applies `c` to `inv` and writes it, with the rules of `invoice edit`:
/// only an open (or paid) invoice changes; payments keep its currency and
/// its amount at least what was paid; it moves to another client only while
/// nothing is logged on it; a new amount can make it paid, or open again.
pub(crate) fn apply_changes(
    tx: &rusqlite::Connection,
    ctx: &Context,
    mut inv: InvoiceRow,
    c: InvoiceChanges,
) -> Result<()> {
    if inv.closed.as_deref().is_some_and(|c| c != "paid") {
        bail!(
            "invoice {} is {}; it can no longer be edited",
            inv.number,
            inv.closed.as_deref().unwrap_or("")
        );
    }
    if let Some((id, handle)) = &c.client
        && *id != inv.client_id
    {
        let logged = store::log_entries(tx, inv.id)?.len();
        if logged > 0 {
            bail!(
                "invoice {} has {logged} {} logged with {}, and the log is the record of who was told what; it cannot move to {handle}. Void it and add it again under {handle}",
                inv.number,
                if logged == 1 { "contact" } else { "contacts" },
                inv.client_handle
            );
        }
        inv.client_id = *id;
    }
    if let Some(cur) = c.currency
        && inv.paid > 0
        && cur.code() != inv.currency
    {
        bail!(
            "invoice {} has payments in {}; its currency cannot change",
            inv.number,
            inv.currency
        );
    }
    // The amount as the user reads it, in the currency it was entered in.
    let old_text = plain(inv.amount, &inv.currency);
    if let Some(cur) = c.currency {
        inv.currency = cur.code().to_string();
    }
    let cur = currency(&inv.currency)?;
    if let Some(a) = &c.amount {
        inv.amount = positive_amount(a, cur)?;
    } else if c.currency.is_some() {
        // The same figure in the new currency; an error if its decimals do not fit.
        inv.amount = crate::domain::money::parse_amount_lenient(&old_text, cur).map_err(|e| {
            anyhow!(
                "invoice {} cannot change to {cur}: {e}; give the new amount with --amount",
                inv.number
            )
        })?;
    }
    if inv.amount < inv.paid {
        bail!(
            "amount {} is less than the {} already paid on invoice {}; give at least that",
            plain(inv.amount, &inv.currency),
            plain(inv.paid, &inv.currency),
            inv.number
        );
    }
    if let Some(d) = c.issued {
        inv.issued = d;
    }
    if let Some(d) = c.due {
        inv.due = d;
    }
    if inv.due < inv.issued {
        bail!(
            "due date {} is before the issue date {}; give a due date on or after it",
            inv.due,
            inv.issued
        );
    }
    if let Some(d) = c.description {
        inv.description = Some(d).filter(|d| !d.is_empty());
    }
    if let Some(l) = c.pay_link {
        inv.pay_link = l;
    }
    if let Some(s) = c.start_step {
        inv.start_step = Some(s);
    }
    store::update_invoice(tx, &inv)?;
    // A new amount can make an invoice paid, or open again.
    match (inv.closed.as_deref(), inv.balance() <= 0) {
        (None, true) => store::set_closed(tx, inv.id, Some("paid"), Some(ctx.today), None, 0)?,
        (Some("paid"), false) => store::set_closed(tx, inv.id, None, None, None, 0)?,
        _ => {}
    }
    Ok(())
}

fn edit(ctx: &Context, number: &str, a: EditArgs) -> Result<u8> {
    if a.client.is_none()
        && a.amount.is_none()
        && a.currency.is_none()
        && a.issued.is_none()
        && a.due.is_none()
        && a.description.is_none()
        && a.pay_link.is_none()
    {
        bail!(
            "nothing to change; give --client, --amount, --currency, --issued, --due, --description or --pay-link"
        );
    }
    let new_cur = a.currency.map(|c| currency(&c)).transpose()?;
    let issued = a
        .issued
        .map(|d| date_arg(Some(&d), "--issued", ctx.today))
        .transpose()?;
    let due = a
        .due
        .map(|d| date_arg(Some(&d), "--due", ctx.today))
        .transpose()?;
    let description = a
        .description
        .map(|d| check_note("description", &d))
        .transpose()
        .map_err(|m| anyhow!(m))?;
    let pay_link = match a.pay_link {
        Some(l) => Some(check_link(Some(l))?),
        None => None,
    };
    let mut db = ctx.open_store()?;
    let moved = db.write(|tx| {
        let inv: InvoiceRow = require_invoice(tx, number, ctx.today)?;
        let client = a
            .client
            .as_deref()
            .map(|h| require_client(tx, h))
            .transpose()?
            .filter(|c| c.id != inv.client_id)
            .map(|c| (c.id, c.handle));
        let moved = client
            .as_ref()
            .map(|(_, h)| (inv.client_handle.clone(), h.clone()));
        apply_changes(
            tx,
            ctx,
            inv,
            InvoiceChanges {
                client,
                amount: a.amount,
                currency: new_cur,
                issued,
                due,
                description,
                pay_link,
                start_step: None,
            },
        )?;
        Ok(moved)
    })?;
    match moved {
        Some((from, to)) => ctx.say(format!(
            "updated invoice {}: moved from {from} to {to}",
            number.trim()
        )),
        None => ctx.say(format!("updated invoice {}", number.trim())),
    }
    Ok(exit::OK)
}

fn void(ctx: &Context, number: &str, reason: Option<String>) -> Result<u8> {
    let reason = non_empty(reason)
        .map(|r| check_note("reason", &r))
        .transpose()
        .map_err(|m| anyhow!(m))?;
    let mut db = ctx.open_store()?;
    db.write(|tx| {
        let inv = require_invoice(tx, number, ctx.today)?;
        if let Some(c) = &inv.closed {
            bail!("invoice {} is already {c}", inv.number);
        }
        if inv.paid > 0 {
            bail!(
                "invoice {} has {} paid on it; use dun settle or dun write-off for what is left, not void",
                inv.number,
                human(inv.paid, &inv.currency)
            );
        }
        store::set_closed(tx, inv.id, Some("void"), Some(ctx.today), reason.as_deref(), 0)
    })?;
    ctx.say(format!(
        "voided invoice {}; it stays on record but off the ladder",
        number.trim()
    ));
    Ok(exit::OK)
}
