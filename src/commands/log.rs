//! `dun log` and the holds: `promise`, `dispute`, `resolve`, `pause`, `resume`.

use anyhow::{Result, anyhow, bail};
use chrono::NaiveDate;
use rusqlite::Connection;

use super::{CaseFacts, date_arg, non_empty, require_invoice, require_step};
use crate::cli::LogArgs;
use crate::context::Context;
use crate::domain::contact::{Channel, HoldKind, Outcome};
use crate::domain::ladder::pending_step;
use crate::domain::text::check_note;
use crate::exit;
use crate::store::{self, InvoiceRow, NewLog};

fn require_on_ladder(inv: &InvoiceRow) -> Result<()> {
    match inv.closed.as_deref() {
        None => Ok(()),
        Some(c) => bail!(
            "invoice {} is {c}; it is off the ladder, so there is nothing to hold",
            inv.number
        ),
    }
}

pub fn log(ctx: &Context, a: LogArgs) -> Result<u8> {
    let channel = Channel::parse(&a.channel).map_err(|m| anyhow!(m))?;
    let outcome = a
        .outcome
        .as_deref()
        .map(Outcome::parse)
        .transpose()
        .map_err(|m| anyhow!(m))?;
    let on = super::past_date_arg(a.on.as_deref(), "--on", ctx.today)?;
    let until = a
        .until
        .as_deref()
        .map(|u| date_arg(Some(u), "--until", ctx.today))
        .transpose()?;
    let note = non_empty(a.note)
        .map(|n| check_note("note", &n))
        .transpose()
        .map_err(|m| anyhow!(m))?;
    if until.is_some() && outcome != Some(Outcome::Promised) {
        bail!("--until goes with --outcome promised (the date the client promised to pay by)");
    }
    if outcome == Some(Outcome::Promised) && until.is_none() {
        bail!(
            "--outcome promised needs the date the client promised to pay by: add --until DATE (like --until {})",
            crate::domain::dates::add_days(on, 7)
        );
    }
    if a.deadline.is_some() && (channel != Channel::Letter || a.inbound) {
        bail!("--deadline goes with a letter you sent: dun log NUMBER letter --deadline DAYS");
    }
    if let Some(u) = until
        && u < on
    {
        bail!("promise date {u} is before the contact on {on}; give the date the client promised to pay by");
    }
    let ladder = &ctx.config.ladder;
    let step = match non_empty(a.step) {
        Some(s) => {
            if a.inbound {
                bail!("--step is for contacts you made; an --inbound contact does not do a ladder step");
            }
            Some(require_step(ladder, s)?)
        }
        None => None,
    };
    let contact = NewContact {
        channel,
        outcome,
        on,
        note,
        inbound: a.inbound,
        step,
        until,
        deadline: None,
    };
    let mut db = ctx.open_store()?;
    let (number, step, contact) = db.write(|tx| {
        let mut contact = contact;
        // A letter gives the client until a date to pay (SPEC.md §3 rule 10):
        // `--deadline`, else what `dun letter` gives a demand to this client.
        if channel == Channel::Letter && !a.inbound {
            let days = match a.deadline {
                Some(d) => d,
                None => {
                    let inv = require_invoice(tx, &a.number, ctx.today)?;
                    super::letter::demand_deadline(ctx, &store::client_by_id(tx, inv.client_id)?)
                }
            };
            contact.deadline = Some(crate::domain::dates::add_days(on, i64::from(days)));
        }
        let (number, step) = record(ctx, tx, &a.number, &contact)?;
        Ok((number, step, contact))
    })?;
    report(ctx, &contact, &number, step.as_deref());
    Ok(exit::OK)
}

/// One contact to record, checked: what `dun log` writes, and what
/// `dun letter --log` writes through the same code.
pub(crate) struct NewContact {
    pub channel: Channel,
    pub outcome: Option<Outcome>,
    pub on: NaiveDate,
    pub note: Option<String>,
    pub inbound: bool,
    /// A step name checked against the ladder; `None`: the task of this
    /// channel due on `on`, if any.
    pub step: Option<String>,
    /// With `Outcome::Promised`: the promised date.
    pub until: Option<NaiveDate>,
    /// Letters: the day the letter gave the client to pay by (rule 10).
    pub deadline: Option<NaiveDate>,
}

/// Writes the contact on invoice `number` inside the caller's transaction;
/// returns the invoice's number and the step the contact does.
pub(crate) fn record(
    ctx: &Context,
    tx: &Connection,
    number: &str,
    c: &NewContact,
) -> Result<(String, Option<String>)> {
    let ladder = &ctx.config.ladder;
    let inv = require_invoice(tx, number, ctx.today)?;
    let step = match &c.step {
        Some(s) => Some(s.clone()),
        None if c.inbound || c.outcome == Some(Outcome::Bounced) => None,
        None => {
            let facts = CaseFacts::load(ctx, tx, &inv)?;
            pending_step(&facts.case(&inv), ladder, &ctx.config.schedule, c.on, c.channel)
                .map(|i| ladder.steps()[i].name.clone())
        }
    };
    store::insert_log(
        tx,
        &NewLog {
            invoice_id: inv.id,
            channel: c.channel,
            inbound: c.inbound,
            on: c.on,
            at: &ctx.now,
            step: step.as_deref(),
            outcome: c.outcome,
            note: c.note.as_deref(),
            recipients: None,
            subject: None,
            message_id: None,
            delivery: None,
            deadline: c.deadline,
            message_key: None,
        },
    )?;
    if let Some(u) = c.until {
        require_on_ladder(&inv)?;
        store::release_holds(tx, inv.id, HoldKind::Promise, c.on)?;
        store::insert_hold(
            tx,
            inv.id,
            HoldKind::Promise,
            c.on,
            Some(u),
            c.note.as_deref(),
            &ctx.now,
        )?;
    }
    // A dispute said in a contact is recorded as `dun dispute` records it,
    // in the same transaction; one already open stays the one dispute.
    if c.outcome == Some(Outcome::Disputed) {
        require_on_ladder(&inv)?;
        let open = store::holds(tx, inv.id)?
            .iter()
            .any(|h| h.kind == HoldKind::Dispute && h.released_on.is_none());
        if !open {
            store::insert_hold(
                tx,
                inv.id,
                HoldKind::Dispute,
                c.on.min(ctx.today),
                None,
                c.note.as_deref(),
                &ctx.now,
            )?;
        }
    }
    Ok((inv.number, step))
}

/// Says what [`record`] wrote.
pub(crate) fn report(ctx: &Context, c: &NewContact, number: &str, step: Option<&str>) {
    let (channel, on) = (c.channel, c.on);
    let direction = if c.inbound {
        "from the client"
    } else {
        "to the client"
    };
    let mut line = format!("logged {channel} {direction} on invoice {number}, {on}");
    match step {
        Some(s) => line.push_str(&format!("; it does the step \"{s}\"")),
        None if !c.inbound && matches!(channel, Channel::Call | Channel::Letter | Channel::Email) => {
            line.push_str("; no ladder step was due for it")
        }
        None => {}
    }
    let wrap = |text: &str| crate::report::words::wrap(text, ctx.width, "  ");
    ctx.say(wrap(&line));
    if let Some(d) = c.deadline {
        let last = ctx.config.ladder.steps().last().map(|s| s.name.as_str());
        if step.is_some() && step == last {
            // Rule 10: the last step, a letter; dun waits for its deadline.
            ctx.say(wrap(&format!(
                "the letter gives the client until {d} to pay; dun waits until then, and after it dun due shows the invoice as with lawyer"
            )));
        } else {
            ctx.say(format!("the letter gives the client until {d} to pay"));
        }
    }
    if let Some(u) = c.until {
        ctx.say(format!("the ladder is held until {u}"));
    }
    if c.outcome == Some(Outcome::Disputed) {
        ctx.say(format!(
            "invoice {number} is disputed; the ladder waits until dun resolve {number}"
        ));
    } else if c.inbound && c.until.is_none() && c.outcome != Some(Outcome::Bounced) {
        let gap = ctx.config.schedule.min_gap_days;
        let what = match channel {
            Channel::Email => "a reply from the client",
            Channel::Call => "the client called",
            Channel::Letter => "a letter from the client",
            Channel::Visit => "the client came by",
            Channel::Sms => "a text from the client",
            Channel::Note => "word from the client",
        };
        ctx.say(format!(
            "{what}: the ladder takes no step for {}, until {}",
            crate::report::words::count(gap, "day"),
            crate::domain::dates::add_days(on, i64::from(gap))
        ));
    }
    if c.outcome == Some(Outcome::Bounced) {
        ctx.say("e-mail to this client stops until its address changes (dun client edit HANDLE --email ...)");
    }
}

fn place_hold(
    ctx: &Context,
    number: &str,
    kind: HoldKind,
    until: Option<NaiveDate>,
    note: Option<String>,
    replace: bool,
) -> Result<InvoiceRow> {
    let note = non_empty(note)
        .map(|n| check_note("note", &n))
        .transpose()
        .map_err(|m| anyhow!(m))?;
    let mut db = ctx.open_store()?;
    db.write(|tx| {
        let inv = require_invoice(tx, number, ctx.today)?;
        require_on_ladder(&inv)?;
        let released = store::release_holds(tx, inv.id, kind, ctx.today)?;
        if released > 0 && !replace {
            bail!("invoice {} is already under a {kind}", inv.number);
        }
        store::insert_hold(tx, inv.id, kind, ctx.today, until, note.as_deref(), &ctx.now)?;
        Ok(inv)
    })
}

fn future_date(ctx: &Context, text: &str, what: &str) -> Result<NaiveDate> {
    let d = date_arg(Some(text), what, ctx.today)?;
    if d < ctx.today {
        bail!(
            "{what} {d} is in the past; give a date from today ({}) on",
            ctx.today
        );
    }
    Ok(d)
}

pub fn promise(ctx: &Context, number: &str, until: &str, note: Option<String>) -> Result<u8> {
    let until = future_date(ctx, until, "--until")?;
    let inv = place_hold(ctx, number, HoldKind::Promise, Some(until), note, true)?;
    ctx.say(format!(
        "invoice {}: promise to pay by {until}; the ladder waits until then",
        inv.number
    ));
    Ok(exit::OK)
}

pub fn dispute(ctx: &Context, number: &str, reason: Option<String>) -> Result<u8> {
    let inv = place_hold(ctx, number, HoldKind::Dispute, None, reason, false)?;
    ctx.say(format!(
        "invoice {} is disputed; the ladder waits until dun resolve {}",
        inv.number, inv.number
    ));
    Ok(exit::OK)
}

pub fn pause(ctx: &Context, number: &str, until: Option<&str>) -> Result<u8> {
    let until = until.map(|u| future_date(ctx, u, "--until")).transpose()?;
    let inv = place_hold(ctx, number, HoldKind::Pause, until, None, true)?;
    match until {
        Some(u) => ctx.say(format!("invoice {} is paused until {u}", inv.number)),
        None => ctx.say(format!(
            "invoice {} is paused until dun resume {}",
            inv.number, inv.number
        )),
    }
    Ok(exit::OK)
}

/// `resolve` (a dispute) and `resume` (a pause).
pub fn release(ctx: &Context, number: &str, kind: HoldKind) -> Result<u8> {
    let mut db = ctx.open_store()?;
    let inv = db.write(|tx| {
        let inv = require_invoice(tx, number, ctx.today)?;
        if store::release_holds(tx, inv.id, kind, ctx.today)? == 0 {
            let what = if kind == HoldKind::Dispute {
                "disputed"
            } else {
                "paused"
            };
            bail!("invoice {} is not {what}; nothing to end", inv.number);
        }
        Ok(inv)
    })?;
    let what = if kind == HoldKind::Dispute {
        "dispute resolved"
    } else {
        "pause ended"
    };
    ctx.say(format!("invoice {}: {what}; the ladder resumes", inv.number));
    Ok(exit::OK)
}
