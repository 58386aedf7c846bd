//! `dun due`: the morning agenda. Every action the ladder has due today, one
//! row each, grouped so a person reads it at a glance.

use std::collections::HashSet;
use std::hash::Hash;
use std::io::Write;

use anyhow::Result;
use chrono::NaiveDate;
use serde::Serialize;

use super::{human, plain};
use crate::cli::Format;
use crate::context::Context;
use crate::domain::dates::{add_days, days_between};
use crate::domain::ladder::{Assessment, Due, DueKind, Facts, Hold, assess_facts};
use crate::domain::totals::Totals;
use crate::exit;
use crate::report::table::{Column, Table, left_out_line};
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

/// Turns one due action into an agenda row.
pub fn agenda_row(
    ctx: &Context,
    scan: &ScanContext,
    inv: &OpenInvoice,
    a: &Assessment,
    d: &Due,
) -> AgendaRow {
    let ladder = &ctx.config.ladder;
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
        DueKind::WithLawyer => (
            Vec::new(),
            Some("with lawyer: wait for payment, settle or write off".into()),
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
    AgendaRow {
        action: d.kind.as_str(),
        invoice: inv.number.clone(),
        client: inv.client_handle.clone(),
        client_name: inv.client_name.clone(),
        step: d.step.map(|i| ladder.steps()[i].name.clone()),
        since: d.since,
        days_overdue: days_between(inv.due, ctx.today).max(0),
        balance: plain(inv.balance(), &inv.currency),
        balance_minor: inv.balance(),
        currency: inv.currency.clone(),
        to,
        note,
    }
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

/// The agenda for today, in the order it is shown.
pub fn agenda(ctx: &Context, db: &store::Store) -> Result<Vec<AgendaRow>> {
    let scan = ScanContext::load(db.conn())?;
    let filter = ScanFilter {
        due_until: add_days(ctx.today, -i64::from(ctx.config.ladder.min_day())),
        client_id: None,
        invoice_id: None,
    };
    // What the inbox brought (SPEC.md §10): few rows, loaded up front.
    let auto_replies = store::auto_reply_notes(db.conn())?;
    let mut rows: Vec<AgendaRow> = store::replies_to_read(db.conn())?
        .into_iter()
        .filter(|r| r.on <= ctx.today)
        .map(|r| reply_row(ctx, r))
        .collect();
    store::scan_open(db.conn(), filter, &ctx.config.ladder, ctx.today, |inv| {
        let a = assess_open(ctx, &scan, inv);
        for d in &a.due {
            let mut row = agenda_row(ctx, &scan, inv, &a, d);
            if let Some((on, text)) = auto_replies.get(&inv.id).filter(|(on, _)| *on <= ctx.today) {
                let auto = format!("auto-reply {on}: {text}");
                row.note = Some(match row.note {
                    Some(n) => format!("{n}; {auto}"),
                    None => auto,
                });
            }
            rows.push(row);
        }
        Ok(())
    })?;
    // Payment plans (SPEC.md §12): their e-mails, and the notice of a broken one.
    for cp in scan.plans.values() {
        for p in super::plan::due_today(ctx, cp) {
            rows.push(plan_row(ctx, cp, p, scan.bounced.contains(&cp.client_id)));
        }
    }
    // Sections in reading order; oldest first within each.
    let rank = |action: &str| match action {
        "reply" => -1,
        "email" | "escalate" | "plan" | "instalment" => 0,
        "call" => 1,
        "letter" => 2,
        "suspend" => 3,
        "broken-promise" => 4,
        "broken-plan" => 5,
        _ => 6,
    };
    rows.sort_by(|a, b| (rank(a.action), a.since, &a.invoice).cmp(&(rank(b.action), b.since, &b.invoice)));
    Ok(rows)
}

pub fn due(ctx: &Context) -> Result<u8> {
    let db = ctx.open_store()?;
    let rows = agenda(ctx, &db)?;
    let mut out = std::io::stdout().lock();
    match ctx.format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut out, &rows)?;
            writeln!(out)?;
        }
        Format::Csv => {
            let mut r = crate::report::Renderer::new(&mut out, Format::Csv, false);
            for row in &rows {
                r.row(row)?;
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
            if !ctx.quiet {
                print_agenda(ctx, &db, &mut out, &rows)?;
            }
        }
    }
    Ok(exit::OK)
}

fn print_agenda(ctx: &Context, db: &store::Store, out: &mut dyn Write, rows: &[AgendaRow]) -> Result<()> {
    let weekday = ctx.today.format("%A");
    let schedule = &ctx.config.schedule;
    let not_a_send_day = (!schedule.is_send_day(ctx.today)).then(|| {
        let next = schedule.next_send_day(ctx.today);
        format!(
            "{weekday} is not a sending day: e-mails that fall due now go out on {} {next}.",
            next.format("%A")
        )
    });
    if rows.is_empty() {
        return print_empty_agenda(ctx, db, not_a_send_day);
    }
    if !ctx.stdout_tty {
        // A pipe or a file gets the data only: one table, the action in a column.
        agenda_table(rows.iter().collect(), true).write_to(out, ctx.screen())?;
        print_agenda_footer(ctx, rows);
        return Ok(());
    }
    writeln!(out, "{}", ctx.bold(&format!("Due on {weekday} {}", ctx.today)))?;
    if let Some(n) = not_a_send_day {
        writeln!(out, "{}", wrap(&n, ctx.width, ""))?;
    }
    let sections: [(&str, &[&str]); 8] = [
        ("Replies to read", &["reply"]),
        ("E-mails to send", &["email", "escalate", "plan", "instalment"]),
        ("Calls to make", &["call"]),
        ("Letters to write", &["letter"]),
        ("Work to suspend", &["suspend"]),
        ("Broken promises", &["broken-promise"]),
        ("Broken payment plans", &["broken-plan"]),
        ("With lawyer", &["with-lawyer"]),
    ];
    let mut left_out: Vec<&str> = Vec::new();
    for (title, actions) in sections {
        let part: Vec<&AgendaRow> = rows.iter().filter(|r| actions.contains(&r.action)).collect();
        if part.is_empty() {
            continue;
        }
        let invoices = count(distinct(part.iter().map(|r| &r.invoice)), "invoice");
        let mut heading = if actions.contains(&"email") {
            format!("{invoices} in {}", count(email_messages(&part), "e-mail"))
        } else {
            invoices
        };
        // A note every row shares is said once, in the heading.
        let shared_note = part[0]
            .note
            .clone()
            .filter(|_| part.len() > 1 || actions.contains(&"with-lawyer"))
            .filter(|n| part.iter().all(|r| r.note.as_ref() == Some(n)));
        let mut rows_shown = part.clone();
        let unnoted: Vec<AgendaRow>;
        if let Some(n) = &shared_note {
            let prefix = format!("{}: ", title.to_lowercase());
            heading.push_str(&format!(" · {}", n.strip_prefix(&prefix).unwrap_or(n)));
            unnoted = part
                .iter()
                .map(|r| AgendaRow {
                    note: None,
                    ..(*r).clone()
                })
                .collect();
            rows_shown = unnoted.iter().collect();
        }
        writeln!(out, "\n{}: {heading}", ctx.bold(title))?;
        let table = agenda_table(rows_shown, false).without_left_out_line();
        for h in table.plan(ctx.width).left_out {
            if !left_out.contains(&h) {
                left_out.push(h);
            }
        }
        table.write_to(out, ctx.screen())?;
        if actions.contains(&"letter") {
            let hint = match part.as_slice() {
                [one] => format!("write it with dun letter {}", one.invoice),
                _ => "write each with dun letter INVOICE".to_string(),
            };
            writeln!(out, "{hint}")?;
        }
    }
    write!(out, "{}", left_out_line(&left_out, ctx.screen()))?;
    writeln!(out)?;
    print_agenda_footer(ctx, rows);
    Ok(())
}

/// How many different values.
fn distinct<T: Eq + Hash>(items: impl Iterator<Item = T>) -> usize {
    items.collect::<HashSet<T>>().len()
}

/// Whether a row is an e-mail `dun send` sends.
fn is_email(r: &AgendaRow) -> bool {
    matches!(r.action, "email" | "escalate" | "plan" | "instalment") && !r.to.is_empty()
}

/// The e-mails `dun send` would send for these rows: a ladder e-mail one per
/// client and kind (rule 9), a plan's e-mail each on its own.
fn email_messages(rows: &[&AgendaRow]) -> usize {
    distinct(rows.iter().filter(|r| is_email(r)).map(|r| match r.action {
        "plan" | "instalment" => (r.client.as_str(), r.action, r.invoice.as_str()),
        _ => (r.client.as_str(), r.action, ""),
    }))
}

/// The agenda's rows as a table. `with_action`: the one-table form of a
/// pipe, every field in a column; else one section of a terminal's agenda,
/// each row's note on a line of its own under it.
fn agenda_table(rows: Vec<&AgendaRow>, with_action: bool) -> Table {
    // For a call the number is the point; for an e-mail dun send knows the address.
    let calls = rows.iter().all(|r| r.action != "email" && r.action != "escalate");
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
    let mut t = Table::new(&columns);
    for r in rows {
        let letter_command = format!("dun letter {}", r.invoice);
        // A letter goes to the client named in the row, and says how under the section.
        let (to, note) = if r.action == "letter" && !with_action {
            let note = r.note.clone().filter(|n| *n != letter_command);
            (Vec::new(), note)
        } else {
            (r.to.clone(), r.note.clone())
        };
        let mut cells = vec![
            r.invoice.clone(),
            r.client_name.clone(),
            r.step.clone().unwrap_or_else(|| match r.action {
                "plan" | "instalment" | "broken-plan" => r.action.to_string(),
                _ => String::new(),
            }),
            r.since.to_string(),
            super::invoice::days_cell(r.days_overdue),
            human(r.balance_minor, &r.currency),
            if with_action { to.join("; ") } else { to.join("\n") },
        ];
        if with_action {
            cells.insert(0, r.action.to_string());
            cells.push(note.unwrap_or_default());
            t.push(cells);
        } else {
            t.push_with_note(cells, note);
        }
    }
    t
}

/// Totals and hints under the agenda (on stderr when stdout is not a terminal).
fn print_agenda_footer(ctx: &Context, rows: &[AgendaRow]) {
    // Totals per currency over the invoices on the agenda, counted once each.
    let mut seen = HashSet::new();
    let mut totals = Totals::new();
    for r in rows {
        if seen.insert(&r.invoice) {
            // Too large to add up: the line says so rather than a wrong figure.
            if totals.add(&r.currency, r.balance_minor).is_err() {
                totals = Totals::new();
                break;
            }
        }
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
    let all: Vec<&AgendaRow> = rows.iter().collect();
    let messages = email_messages(&all);
    if messages > 0 {
        let invoices = distinct(rows.iter().filter(|r| is_email(r)).map(|r| &r.invoice));
        ctx.hint(format!(
            "run dun send to send {} covering {}",
            count(messages, "e-mail"),
            count(invoices, "invoice")
        ));
    }
    if rows.iter().any(|r| r.action == "reply") {
        ctx.hint(wrap(
            "after reading a reply, record what the client said: dun promise, dun dispute, or dun log INVOICE note --note \"...\"",
            ctx.width,
            "  ",
        ));
    }
    if rows.iter().any(|r| r.action == "call" || r.action == "letter") {
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
