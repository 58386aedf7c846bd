//! `dun plan`: agree a payment plan for an invoice's balance, replace it,
//! or cancel it (SPEC.md §12); and the plan's lines for the agenda and for
//! `dun invoice show`. What a plan's state is, is domain::plan's call.

use std::io::Write;

use anyhow::{Result, anyhow, bail};
use chrono::NaiveDate;
use rusqlite::Connection;
use serde::Serialize;

use super::{currency, date_arg, human, non_empty, plain, positive_amount, require_invoice};
use crate::cli::{Format, PlanArgs};
use crate::context::Context;
use crate::domain::contact::HoldKind;
use crate::domain::plan::{self, Cadence, Instalment, PlanMessage, PlanState, Standing};
use crate::domain::text::check_note;
use crate::store::{self, CurrentPlan, InvoiceRow};
use crate::{UsageError, exit};

/// What the user asked for, its combination checked, its dates read.
enum Request {
    Cancel,
    Equal {
        count: u32,
        cadence: Cadence,
        first: NaiveDate,
    },
    /// (date, amount as typed): the amounts are read in the invoice's currency.
    Given(Vec<(NaiveDate, String)>),
}

const HOW: &str = "dun plan NUMBER --instalments N (--every DAYS | --monthly) --first DATE, or dun plan NUMBER --at DATE=AMOUNT…, or dun plan NUMBER --cancel";

fn usage(text: impl Into<String>) -> anyhow::Error {
    UsageError(text.into()).into()
}

fn request(ctx: &Context, a: &PlanArgs) -> Result<Request> {
    let equal_parts = a.instalments.is_some() || a.every.is_some() || a.monthly || a.first.is_some();
    if a.cancel {
        if equal_parts || !a.at.is_empty() {
            return Err(usage(
                "--cancel ends the plan; give it without --instalments, --every, --monthly, --first or --at",
            ));
        }
        return Ok(Request::Cancel);
    }
    if !a.at.is_empty() {
        if equal_parts {
            return Err(usage(
                "give either --at DATE=AMOUNT… or --instalments N with --every/--monthly and --first, not both",
            ));
        }
        let mut given = Vec::new();
        for at in &a.at {
            let Some((date, amount)) = at.split_once('=') else {
                bail!("--at \"{at}\" is not DATE=AMOUNT; write it like --at 2026-12-20=500");
            };
            let on = date_arg(Some(date), &format!("--at {at}"), ctx.today)?;
            given.push((on, amount.trim().to_string()));
        }
        return Ok(Request::Given(given));
    }
    let Some(count) = &a.instalments else {
        if equal_parts {
            return Err(usage(
                "--every, --monthly and --first go with --instalments N (the number of instalments)",
            ));
        }
        return Err(usage(format!("dun plan needs instalments: {HOW}")));
    };
    let cadence = match (&a.every, a.monthly) {
        (Some(_), true) => return Err(usage("give --every DAYS or --monthly, not both")),
        (None, false) => {
            return Err(usage(
                "--instalments needs --every DAYS or --monthly to space the instalments",
            ));
        }
        (None, true) => Cadence::Monthly,
        (Some(days), false) => {
            let n: u32 = days.trim().parse().map_err(|_| {
                anyhow!("--every \"{days}\" is not a number of days; give a whole number from 1 to 366")
            })?;
            if n > 366 {
                bail!("--every {n} is more than a year; give a number of days from 1 to 366");
            }
            Cadence::Every(n)
        }
    };
    let Some(first) = &a.first else {
        return Err(usage(
            "--instalments needs --first DATE, the date of the first instalment",
        ));
    };
    let first = date_arg(Some(first), "--first", ctx.today)?;
    let count: u32 = count.trim().parse().map_err(|_| {
        anyhow!(
            "--instalments \"{count}\" is not a number; give a whole number from 1 to {}",
            plan::MAX_INSTALMENTS
        )
    })?;
    Ok(Request::Equal {
        count,
        cadence,
        first,
    })
}

/// A plan needs an open invoice with a positive balance and no dispute.
fn require_plannable(conn: &Connection, inv: &InvoiceRow) -> Result<()> {
    if let Some(c) = &inv.closed {
        bail!(
            "invoice {} is {c}; a plan needs an open invoice with a balance to pay",
            inv.number
        );
    }
    if inv.balance() <= 0 {
        bail!(
            "invoice {} has nothing left to pay; a plan needs a positive balance",
            inv.number
        );
    }
    let disputed = store::holds(conn, inv.id)?
        .iter()
        .any(|h| h.kind == HoldKind::Dispute && h.released_on.is_none());
    if disputed {
        bail!(
            "invoice {} is disputed; settle the dispute first (dun resolve {}), then agree a plan",
            inv.number,
            inv.number
        );
    }
    Ok(())
}

/// What `dun plan` wrote, for the screen and for `--format json`.
#[derive(Serialize)]
struct Made {
    invoice: String,
    client: String,
    client_name: String,
    currency: String,
    made_on: NaiveDate,
    instalments: Vec<InstalmentOut>,
    /// The plan it replaces, by the day that one was made.
    replaces: Option<NaiveDate>,
    /// A promise to pay that the plan takes the place of.
    promise_ended: bool,
    #[serde(skip)]
    no_email: bool,
}

#[derive(Serialize)]
struct InstalmentOut {
    date: NaiveDate,
    amount: String,
    #[serde(skip)]
    minor: i64,
}

pub fn plan(ctx: &Context, a: PlanArgs) -> Result<u8> {
    let req = request(ctx, &a)?;
    let note = non_empty(a.note.clone())
        .map(|n| check_note("note", &n))
        .transpose()
        .map_err(|m| anyhow!(m))?;
    let mut db = ctx.open_store()?;
    if let Request::Cancel = req {
        let inv = db.write(|tx| {
            let inv = require_invoice(tx, &a.number, ctx.today)?;
            if !store::end_plan(tx, inv.id, "cancelled", ctx.today)? {
                bail!("invoice {} has no payment plan to cancel", inv.number);
            }
            Ok(inv)
        })?;
        ctx.say(format!(
            "plan for {} cancelled (it stays on record){}",
            inv.number,
            if inv.closed.is_none() {
                "; the ladder resumes"
            } else {
                ""
            }
        ));
        return Ok(exit::OK);
    }
    let made = db.write(|tx| {
        let inv = require_invoice(tx, &a.number, ctx.today)?;
        require_plannable(tx, &inv)?;
        let cur = currency(&inv.currency)?;
        let balance = inv.balance();
        let instalments = match &req {
            Request::Equal {
                count,
                cadence,
                first,
            } => plan::equal_parts(balance, *count, *first, *cadence, cur).map_err(|e| anyhow!("{e}"))?,
            Request::Given(given) => given
                .iter()
                .map(|(on, amount)| {
                    Ok(Instalment {
                        on: *on,
                        amount: positive_amount(amount, cur)
                            .map_err(|e| anyhow!("--at {on}={amount}: {e}"))?,
                    })
                })
                .collect::<Result<Vec<_>>>()?,
            Request::Cancel => unreachable!("handled above"),
        };
        plan::check(&instalments, balance, ctx.today, cur)
            .map_err(|e| anyhow!("invoice {}: {e}", inv.number))?;
        let replaces = store::current_plan(tx, inv.id)?.map(|p| p.plan.made_on);
        store::end_plan(tx, inv.id, "replaced", ctx.today)?;
        // The plan is the agreement now: a promise made before it ends.
        let promise_ended = store::release_holds(tx, inv.id, HoldKind::Promise, ctx.today)? > 0;
        store::insert_plan(
            tx,
            inv.id,
            ctx.today,
            balance,
            &instalments,
            note.as_deref(),
            &ctx.now,
        )?;
        let client = store::client_by_id(tx, inv.client_id)?;
        Ok(Made {
            invoice: inv.number.clone(),
            client: inv.client_handle.clone(),
            client_name: inv.client_name.clone(),
            currency: inv.currency.clone(),
            made_on: ctx.today,
            instalments: instalments
                .iter()
                .map(|i| InstalmentOut {
                    date: i.on,
                    amount: plain(i.amount, &inv.currency),
                    minor: i.amount,
                })
                .collect(),
            replaces,
            promise_ended,
            no_email: client.emails.is_empty(),
        })
    })?;
    if ctx.format == Format::Json {
        let mut out = std::io::stdout().lock();
        serde_json::to_writer_pretty(&mut out, &made)?;
        writeln!(out)?;
        return Ok(exit::OK);
    }
    let n = made.instalments.len();
    ctx.say(format!(
        "plan for {} ({}): {n} instalment{}",
        made.invoice,
        made.client_name,
        if n == 1 { "" } else { "s" }
    ));
    for i in &made.instalments {
        ctx.say(format!("  {}  {}", i.date, human(i.minor, &made.currency)));
    }
    if let Some(d) = made.replaces {
        ctx.say(format!("it replaces the plan of {d}, which stays on record"));
    }
    if made.promise_ended {
        ctx.say("it takes the place of the promise to pay on record");
    }
    if made.no_email {
        ctx.say(format!(
            "client {} has no e-mail address, so no confirmation can go out; add one with dun client edit {} --email ADDRESS",
            made.client, made.client
        ));
    } else {
        ctx.say("the confirmation goes out with the next dun send");
    }
    Ok(exit::OK)
}

/// The state of a current plan on the context's day.
pub(crate) fn state_of(ctx: &Context, cp: &CurrentPlan) -> PlanState {
    plan::assess(
        &cp.plan.plan(),
        &cp.payments,
        ctx.config.plan_grace_days,
        ctx.today,
    )
}

/// "instalment 2 of 3, 400.00 EUR due 2027-02-15".
pub(crate) fn instalment_text(instalments: &[Instalment], index: usize, currency: &str) -> String {
    let i = instalments[index];
    format!(
        "instalment {} of {}, {} due {}",
        index + 1,
        instalments.len(),
        human(i.amount, currency),
        i.on
    )
}

/// "unpaid", or "250.00 EUR unpaid" when part of it was paid.
fn unpaid(inst: Instalment, paid: i64, currency: &str) -> String {
    if paid > 0 {
        format!("{} unpaid", human(inst.amount - paid, currency))
    } else {
        "unpaid".to_string()
    }
}

/// A plan e-mail or notice due today, for the agenda and for `dun send`.
pub(crate) struct PlanDue {
    /// `plan`, `instalment` or `broken-plan`.
    pub action: &'static str,
    /// The e-mail to send (not for `broken-plan`).
    pub message: Option<PlanMessage>,
    pub since: NaiveDate,
    pub note: String,
}

/// What a current plan asks for today: its e-mail, or the notice that it broke.
pub(crate) fn due_today(ctx: &Context, cp: &CurrentPlan) -> Vec<PlanDue> {
    let state = state_of(ctx, cp);
    let plan = cp.plan.plan();
    let mut out = Vec::new();
    if let Some((message, since)) =
        plan::message_due(&plan, &state, &cp.sent, &ctx.config.schedule, ctx.today)
    {
        let (action, note) = match message {
            PlanMessage::Confirmation => (
                "plan",
                format!(
                    "confirm the payment plan: {} instalment{} from {}",
                    plan.instalments.len(),
                    if plan.instalments.len() == 1 { "" } else { "s" },
                    plan.instalments[0].on
                ),
            ),
            PlanMessage::Reminder(i) => (
                "instalment",
                format!("{}, unpaid", instalment_text(plan.instalments, i, &cp.currency)),
            ),
        };
        out.push(PlanDue {
            action,
            message: Some(message),
            since,
            note,
        });
    }
    if let Some((index, on)) = plan::broken_notice(&state, cp.last_by_hand) {
        out.push(PlanDue {
            action: "broken-plan",
            message: None,
            since: on,
            note: format!(
                "plan broken: {}, {}",
                instalment_text(plan.instalments, index, &cp.currency),
                unpaid(
                    plan.instalments[index],
                    state.instalments[index].paid,
                    &cp.currency
                )
            ),
        });
    }
    out
}

/// The label of a plan's standing, for reports.
pub(crate) fn standing_word(state: &PlanState) -> &'static str {
    match state.standing {
        Standing::Running => "kept",
        Standing::Broken { .. } => "broken",
        Standing::Complete => "complete",
    }
}

/// A plan as `dun invoice show` lists it.
#[derive(Serialize)]
pub(crate) struct PlanView {
    pub made_on: NaiveDate,
    /// `kept`, `broken` or `complete`.
    pub state: &'static str,
    pub grace_days: u32,
    pub broken_on: Option<NaiveDate>,
    pub instalments: Vec<InstalmentView>,
    #[serde(skip)]
    pub currency: String,
    #[serde(skip)]
    next: Option<usize>,
    #[serde(skip)]
    broken: Option<usize>,
    #[serde(skip)]
    holds: bool,
    #[serde(skip)]
    plain: Vec<Instalment>,
}

#[derive(Serialize)]
pub(crate) struct InstalmentView {
    pub n: usize,
    pub date: NaiveDate,
    pub amount: String,
    pub paid: String,
    /// `paid`, `kept`, `missed`, `to-come` or `dropped`.
    pub state: &'static str,
    #[serde(skip)]
    amount_minor: i64,
    #[serde(skip)]
    paid_minor: i64,
    #[serde(skip)]
    label: &'static str,
}

impl PlanView {
    /// The plan holds the ladder today.
    pub fn holds(&self) -> bool {
        self.holds
    }

    /// "instalment 2 of 3 (400.00 EUR)" and its date: the one the plan waits for.
    pub fn next_text(&self) -> Option<(String, NaiveDate)> {
        self.next.map(|i| {
            let inst = self.plain[i];
            let text = format!(
                "instalment {} of {} ({})",
                i + 1,
                self.plain.len(),
                human(inst.amount, &self.currency)
            );
            (text, inst.on)
        })
    }

    /// The screen's lines.
    pub fn write(&self, ctx: &Context, out: &mut dyn Write) -> Result<()> {
        let heading = match (self.state, self.broken_on) {
            ("broken", Some(on)) => format!("Payment plan of {} (broken on {on})", self.made_on),
            (state, _) => format!("Payment plan of {} ({state})", self.made_on),
        };
        writeln!(out, "\n{}", ctx.bold(&heading))?;
        let mut table = crate::report::table::Table::new(&[
            crate::report::table::Column::number("#", 0),
            crate::report::table::Column::text("date", 0),
            crate::report::table::Column::number("amount", 0),
            crate::report::table::Column::number("paid", 1),
            crate::report::table::Column::text("state", 0),
        ]);
        for i in &self.instalments {
            table.push(vec![
                i.n.to_string(),
                i.date.to_string(),
                human(i.amount_minor, &self.currency),
                human(i.paid_minor, &self.currency),
                i.label.to_string(),
            ]);
        }
        table.write_to(out, ctx.screen())?;
        if let Some(i) = self.broken {
            writeln!(
                out,
                "  plan broken: {}, {}",
                instalment_text(&self.plain, i, &self.currency),
                unpaid(self.plain[i], self.instalments[i].paid_minor, &self.currency)
            )?;
            writeln!(out, "  the ladder has resumed")?;
        }
        Ok(())
    }
}

/// A line of the invoice's timeline: date, kind, detail.
pub(crate) type PlanEvent = (NaiveDate, &'static str, String);

/// The invoice's current plan, and a timeline line for each plan it has had
/// (made, replaced, cancelled).
pub(crate) fn plan_view(
    ctx: &Context,
    conn: &Connection,
    inv: &InvoiceRow,
) -> Result<(Option<PlanView>, Vec<PlanEvent>)> {
    let mut events = Vec::new();
    for p in store::plans_of(conn, inv.id)? {
        let total: i64 = p.instalments.iter().map(|i| i.amount).sum();
        let first = p
            .instalments
            .first()
            .map(|i| i.on.to_string())
            .unwrap_or_default();
        let n = p.instalments.len();
        let mut detail = format!(
            "{n} instalment{} of {} from {first}",
            if n == 1 { "" } else { "s" },
            human(total, &inv.currency)
        );
        if let Some(note) = &p.note {
            detail.push_str(&format!(" · {note}"));
        }
        events.push((p.made_on, "plan", detail));
        if let Some(on) = p.ended_on {
            events.push((on, "plan ended", p.state.clone()));
        }
    }
    let Some(cp) = store::current_plan(conn, inv.id)? else {
        return Ok((None, events));
    };
    let state = state_of(ctx, &cp);
    let instalments = cp
        .plan
        .instalments
        .iter()
        .zip(&state.instalments)
        .enumerate()
        .map(|(k, (i, v))| InstalmentView {
            n: k + 1,
            date: i.on,
            amount: plain(i.amount, &inv.currency),
            paid: plain(v.paid, &inv.currency),
            state: v.state.as_str(),
            amount_minor: i.amount,
            paid_minor: v.paid,
            label: v.state.label(),
        })
        .collect();
    let (broken, broken_on) = match state.standing {
        Standing::Broken { index, on } => (Some(index), Some(on)),
        _ => (None, None),
    };
    Ok((
        Some(PlanView {
            made_on: cp.plan.made_on,
            state: standing_word(&state),
            grace_days: ctx.config.plan_grace_days,
            broken_on,
            instalments,
            currency: inv.currency.clone(),
            next: state.next,
            broken,
            holds: inv.closed.is_none() && state.holds(ctx.today),
            plain: cp.plan.instalments.clone(),
        }),
        events,
    ))
}

/// The open invoices a kept plan holds today (few: loaded in one go).
pub(crate) fn held_by_plans(ctx: &Context, conn: &Connection) -> Result<std::collections::HashSet<i64>> {
    Ok(store::current_plans(conn, None)?
        .iter()
        .filter(|(_, cp)| state_of(ctx, cp).holds(ctx.today))
        .map(|(id, _)| *id)
        .collect())
}

/// An invoice's current plan as templates see it (`plan`, `plans`).
pub(crate) fn plan_facts(
    conn: &Connection,
    invoice_id: i64,
    reminder: Option<usize>,
) -> Result<Option<crate::mail::plan_vars::PlanFacts>> {
    Ok(store::current_plan(conn, invoice_id)?
        .map(|plan| crate::mail::plan_vars::PlanFacts { plan, reminder }))
}
