//! `dun due`: the morning agenda. Every action the ladder has due today, one
//! row each, grouped so a person reads it at a glance.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;

use anyhow::Result;
use chrono::NaiveDate;
use serde::Serialize;

use super::{human, plain};
use crate::cli::Format;
use crate::context::Context;
use crate::domain::dates::{add_days, days_between};
use crate::domain::ladder::{Assessment, Case, Due, DueKind, Hold, assess};
use crate::exit;
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
    let case = Case {
        due: inv.due,
        balance: inv.balance(),
        closed: false,
        start_step: inv.start_step.as_deref(),
        entered_on: inv.entered_on,
        contacts: &inv.contacts,
        holds,
        email_bounced: scan.bounced.contains(&inv.client_id),
    };
    assess(&case, &ctx.config.ladder, &ctx.config.schedule, ctx.today)
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
        let mut s = c.name.clone();
        if let Some(r) = &c.role {
            s.push_str(&format!(" ({r})"));
        }
        if let Some(p) = &c.phone {
            s.push_str(&format!(" {p}"));
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
    store::scan_open(db.conn(), filter, ctx.today, |inv| {
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
                print_agenda(ctx, &mut out, &rows)?;
            }
        }
    }
    Ok(exit::OK)
}

fn print_agenda(ctx: &Context, out: &mut dyn Write, rows: &[AgendaRow]) -> Result<()> {
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
        writeln!(out, "Nothing to do today ({weekday} {}).", ctx.today)?;
        if let Some(n) = not_a_send_day {
            writeln!(out, "{n}")?;
        }
        return Ok(());
    }
    writeln!(out, "{}", ctx.bold(&format!("Due on {weekday} {}", ctx.today)))?;
    if let Some(n) = not_a_send_day {
        writeln!(out, "{n}")?;
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
    for (title, actions) in sections {
        let part: Vec<&AgendaRow> = rows.iter().filter(|r| actions.contains(&r.action)).collect();
        if part.is_empty() {
            continue;
        }
        writeln!(out, "\n{} ({})", ctx.bold(title), part.len())?;
        let headers: Vec<String> = [
            "invoice",
            "client",
            "step",
            "since",
            "days late",
            "balance",
            "to",
            "note",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let cells: Vec<Vec<String>> = part
            .iter()
            .map(|r| {
                vec![
                    r.invoice.clone(),
                    r.client_name.clone(),
                    r.step.clone().unwrap_or_else(|| match r.action {
                        "plan" | "instalment" | "broken-plan" => r.action.to_string(),
                        _ => String::new(),
                    }),
                    r.since.to_string(),
                    r.days_overdue.to_string(),
                    human(r.balance_minor, &r.currency),
                    r.to.join("; "),
                    r.note.clone().unwrap_or_default(),
                ]
            })
            .collect();
        crate::report::write_table(out, &headers, &cells, false)?;
    }

    // Totals per currency over the invoices on the agenda, counted once each.
    let mut seen = BTreeSet::new();
    let mut totals: BTreeMap<&str, i64> = BTreeMap::new();
    for r in rows {
        if seen.insert(&r.invoice) {
            *totals.entry(&r.currency).or_default() += r.balance_minor;
        }
    }
    let totals: Vec<String> = totals.iter().map(|(c, m)| human(*m, c)).collect();
    writeln!(
        out,
        "\n{} invoice(s) need attention: {} outstanding",
        seen.len(),
        totals.join(", ")
    )?;

    let emails: Vec<&AgendaRow> = rows
        .iter()
        .filter(|r| matches!(r.action, "email" | "escalate" | "plan" | "instalment") && !r.to.is_empty())
        .collect();
    if !emails.is_empty() {
        // Ladder e-mails go one per client and kind (rule 9); a plan's each on its own.
        let messages: BTreeSet<(&str, &str, &str)> = emails
            .iter()
            .map(|r| match r.action {
                "plan" | "instalment" => (r.client.as_str(), r.action, r.invoice.as_str()),
                _ => (r.client.as_str(), r.action, ""),
            })
            .collect();
        writeln!(
            out,
            "run dun send to send {} e-mail(s) covering {} invoice(s)",
            messages.len(),
            emails.len()
        )?;
    }
    if rows.iter().any(|r| r.action == "reply") {
        writeln!(
            out,
            "after reading a reply, record what the client said: dun promise, dun dispute, or dun log INVOICE note --note \"...\""
        )?;
    }
    if rows.iter().any(|r| r.action == "call" || r.action == "letter") {
        writeln!(
            out,
            "after a call or letter: dun log INVOICE call|letter --outcome ... --note \"...\""
        )?;
    }
    Ok(())
}
