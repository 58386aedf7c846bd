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
use crate::domain::status::{Status, status};
use crate::domain::text::{check_invoice_number, check_line, check_note};
use crate::domain::totals::{Totals, grouped};
use crate::exit;
use crate::report::table::{Column, List, TableRow};
use crate::store::{self, InvoiceRow, NewInvoice};

pub fn run(ctx: &Context, cmd: InvoiceCommand) -> Result<u8> {
    match cmd {
        InvoiceCommand::Add(a) => add(ctx, a),
        InvoiceCommand::List { status, client } => list(ctx, status.as_deref(), client.as_deref()),
        InvoiceCommand::Show { number } => show(ctx, &number),
        InvoiceCommand::Edit {
            number,
            amount,
            currency,
            issued,
            due,
            description,
            pay_link,
        } => edit(ctx, &number, amount, currency, issued, due, description, pay_link),
        InvoiceCommand::Void { number, reason } => void(ctx, &number, reason),
    }
}

fn check_link(link: Option<String>) -> Result<Option<String>> {
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

fn add(ctx: &Context, a: InvoiceAdd) -> Result<u8> {
    let number = check_invoice_number(&a.number).map_err(|m| anyhow!(m))?;
    let cur = match &a.currency {
        Some(c) => currency(c)?,
        None => ctx.config.currency,
    };
    let amount = positive_amount(&a.amount, cur)?;
    let issued = date_arg(a.issued.as_deref(), "--issued", ctx.today)?;
    let due = match (&a.due, a.terms) {
        (Some(d), _) => date_arg(Some(d), "--due", ctx.today)?,
        (None, Some(t)) => add_days(issued, i64::from(t)),
        (None, None) => add_days(issued, i64::from(ctx.config.terms_days)),
    };
    if due < issued {
        bail!("due date {due} is before the issue date {issued}; give a due date on or after it");
    }
    let description = non_empty(a.description)
        .map(|d| check_note("description", &d))
        .transpose()
        .map_err(|m| anyhow!(m))?;
    let pay_link = check_link(a.pay_link)?;
    let step = non_empty(a.step)
        .map(|s| require_step(&ctx.config.ladder, s))
        .transpose()?;

    let mut db = ctx.open_store()?;
    db.write(|tx| {
        let client = require_client(tx, &a.client)?;
        if store::invoice_number_taken(tx, &number)? {
            bail!("invoice {number} already exists; invoice numbers are unique (dun invoice show {number})");
        }
        store::insert_invoice(
            tx,
            &NewInvoice {
                number: &number,
                client_id: client.id,
                issued,
                due,
                amount,
                currency: cur.code(),
                description: description.as_deref(),
                pay_link: pay_link.as_deref(),
                start_step: step.as_deref(),
                entered_on: ctx.today,
                reference: ctx.config.reference,
                now: &ctx.now,
            },
        )?;
        Ok(())
    })?;
    ctx.say(format!(
        "added invoice {number}: {} to {}, due {due}",
        human(amount, cur.code()),
        a.client.trim()
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
    for l in &log {
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
        if let Some(del) = l.delivery {
            let word = if del == crate::domain::contact::Delivery::Pending {
                "unknown"
            } else {
                del.as_str()
            };
            d.push_str(&format!(" · {word}"));
            if let Some(reason) = &l.delivery_detail {
                d.push_str(&format!(" ({reason})"));
            }
        }
        if let Some(o) = l.outcome {
            d.push_str(&format!(" · {o}"));
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
        None => a.next.map(|n| (ladder.steps()[n.step].name.clone(), n.on)),
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
        writeln!(out, "  next step    none: the ladder is done (with lawyer)")?;
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
            writeln!(out, "  {}  {:<10} {}", e.date, e.kind, e.detail)?;
        }
    }
    Ok(exit::OK)
}

#[allow(clippy::too_many_arguments)]
fn edit(
    ctx: &Context,
    number: &str,
    amount: Option<String>,
    new_currency: Option<String>,
    issued: Option<String>,
    due: Option<String>,
    description: Option<String>,
    pay_link: Option<String>,
) -> Result<u8> {
    if amount.is_none()
        && new_currency.is_none()
        && issued.is_none()
        && due.is_none()
        && description.is_none()
        && pay_link.is_none()
    {
        bail!("nothing to change; give --amount, --currency, --issued, --due, --description or --pay-link");
    }
    let new_cur = new_currency.map(|c| currency(&c)).transpose()?;
    let issued = issued
        .map(|d| date_arg(Some(&d), "--issued", ctx.today))
        .transpose()?;
    let due = due.map(|d| date_arg(Some(&d), "--due", ctx.today)).transpose()?;
    let description = description
        .map(|d| check_note("description", &d))
        .transpose()
        .map_err(|m| anyhow!(m))?;
    let pay_link_given = pay_link.is_some();
    let pay_link = check_link(pay_link)?;
    let mut db = ctx.open_store()?;
    db.write(|tx| {
        let mut inv: InvoiceRow = require_invoice(tx, number, ctx.today)?;
        if inv.closed.as_deref().is_some_and(|c| c != "paid") {
            bail!(
                "invoice {} is {}; it can no longer be edited",
                inv.number,
                inv.closed.as_deref().unwrap_or("")
            );
        }
        if let Some(c) = new_cur
            && inv.paid > 0
            && c.code() != inv.currency
        {
            bail!(
                "invoice {} has payments in {}; its currency cannot change",
                inv.number,
                inv.currency
            );
        }
        // The amount as the user reads it, in the currency it was entered in.
        let old_text = plain(inv.amount, &inv.currency);
        if let Some(c) = new_cur {
            inv.currency = c.code().to_string();
        }
        let cur = currency(&inv.currency)?;
        if let Some(a) = &amount {
            inv.amount = positive_amount(a, cur)?;
        } else if new_cur.is_some() {
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
        if let Some(d) = issued {
            inv.issued = d;
        }
        if let Some(d) = due {
            inv.due = d;
        }
        if inv.due < inv.issued {
            bail!(
                "due date {} is before the issue date {}; give a due date on or after it",
                inv.due,
                inv.issued
            );
        }
        if let Some(d) = description {
            inv.description = Some(d).filter(|d| !d.is_empty());
        }
        if pay_link_given {
            inv.pay_link = pay_link.clone();
        }
        store::update_invoice(tx, &inv)?;
        // A new amount can make an invoice paid, or open again.
        match (inv.closed.as_deref(), inv.balance() <= 0) {
            (None, true) => store::set_closed(tx, inv.id, Some("paid"), Some(ctx.today), None, 0)?,
            (Some("paid"), false) => store::set_closed(tx, inv.id, None, None, None, 0)?,
            _ => {}
        }
        Ok(())
    })?;
    ctx.say(format!("updated invoice {}", number.trim()));
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
