//! One file per command group. Each command receives the resolved context,
//! reads and validates everything the user typed before it writes, and does
//! all its writing in one transaction.

mod bank;
mod check;
mod client;
mod demo;
mod due;
mod import;
mod inbox;
mod init;
mod invoice;
mod ladder;
mod letter;
mod log;
mod manual;
mod money;
mod overdue;
pub(crate) mod plan;
mod rates;
mod send;
mod summary;

use anyhow::{Result, anyhow};
use chrono::NaiveDate;
use rusqlite::Connection;

use crate::cli::{Cli, Command};
use crate::context::Context;
use crate::domain::dates::parse_date;
use crate::domain::ladder::{Case, Contact, Hold};
use crate::domain::money::{Currency, parse_amount};
use crate::domain::naming;
use crate::domain::text::cut;
use crate::exit;
use crate::store::{self, ClientRow, InvoiceRow};

pub fn dispatch(cli: Cli) -> Result<u8> {
    let Some(command) = cli.command else {
        return manual::overview();
    };
    match command {
        Command::Init { force } => init::init(&cli.global, force),
        Command::Man => manual::man(),
        Command::Completions { shell } => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut cmd, "dun", &mut script);
            std::io::Write::write_all(&mut std::io::stdout().lock(), &script)?;
            Ok(exit::OK)
        }
        command => {
            let ctx = Context::resolve(&cli.global)?;
            let result = match command {
                Command::Client(c) => client::run(&ctx, c),
                Command::Invoice(c) => invoice::run(&ctx, c),
                Command::Pay {
                    number,
                    amount,
                    on,
                    method,
                    note,
                } => money::pay(&ctx, &number, amount.as_deref(), on.as_deref(), method, note),
                Command::Settle {
                    number,
                    amount,
                    on,
                    note,
                } => money::settle(&ctx, &number, &amount, on.as_deref(), note),
                Command::WriteOff { number, reason } => money::write_off(&ctx, &number, reason),
                Command::Log(args) => log::log(&ctx, args),
                Command::Promise { number, until, note } => log::promise(&ctx, &number, &until, note),
                Command::Dispute { number, reason } => log::dispute(&ctx, &number, reason),
                Command::Resolve { number } => {
                    log::release(&ctx, &number, crate::domain::contact::HoldKind::Dispute)
                }
                Command::Pause { number, until } => log::pause(&ctx, &number, until.as_deref()),
                Command::Resume { number } => {
                    log::release(&ctx, &number, crate::domain::contact::HoldKind::Pause)
                }
                Command::Due => due::due(&ctx),
                Command::Overdue => overdue::overdue(&ctx),
                Command::Summary => summary::summary(&ctx),
                Command::Ladder => ladder::ladder(&ctx),
                Command::Rates => rates::rates(&ctx),
                Command::Demo => demo::demo(&ctx),
                Command::Check { repair } => check::check(&ctx, repair),
                Command::Bank(args) => bank::bank(&ctx, args),

                Command::Import(args) => import::import(&ctx, args),
                Command::Send(args) => send::send(&ctx, args),
                Command::Preview(args) => send::preview(&ctx, args),
                Command::Letter(args) => letter::letter(&ctx, args),
                Command::Plan(args) => plan::plan(&ctx, args),
                Command::Smtp(crate::cli::SmtpCommand::Test) => send::smtp_test(&ctx),
                Command::Inbox(args) => inbox::run(&ctx, args),
                Command::Init { .. } | Command::Completions { .. } | Command::Man => {
                    unreachable!("handled above")
                }
            };
            // A SQLite error anywhere names the file and says what would help.
            result.map_err(|e| store::name_the_file(e, &ctx.db_path))
        }
    }
}

/// The client the user named: its handle, a prefix of the handle that fits
/// one client only, or its exact name, case ignored (SPEC.md §4 "Naming
/// clients"). Unknown or ambiguous: an error that lists the nearest handles.
/// Every command that takes a client calls this.
pub(crate) fn require_client(conn: &Connection, typed: &str) -> Result<ClientRow> {
    let t = typed.trim();
    if let Some(c) = store::find_client(conn, t)? {
        return Ok(c);
    }
    // Errors quote at most 60 characters of what was typed.
    let shown = cut(t, 60);
    let clients = store::all_clients(conn)?;
    let pairs: Vec<(&str, &str)> = clients
        .iter()
        .map(|c| (c.handle.as_str(), c.name.as_str()))
        .collect();
    let quote = |ids: &[usize]| -> String {
        let names: Vec<String> = ids.iter().map(|&i| format!("`{}`", clients[i].handle)).collect();
        match names.as_slice() {
            [] => String::new(),
            [one] => one.clone(),
            [init @ .., last] => format!("{} or {last}", init.join(", ")),
        }
    };
    match naming::resolve_client(t, &pairs) {
        naming::Resolved::Found(i) => Ok(clients[i].clone()),
        naming::Resolved::Ambiguous(ids) => Err(anyhow!(
            "client `{shown}` could be {}; give more of the handle",
            quote(&ids)
        )),
        naming::Resolved::Unknown(ids) if ids.is_empty() => {
            Err(anyhow!("no client `{shown}` (dun client list shows the handles)"))
        }
        naming::Resolved::Unknown(ids) => Err(anyhow!("no client `{shown}`; did you mean {}?", quote(&ids))),
    }
}

/// The invoice with this number, or an error that says where to find
/// numbers, with the nearest ones when some are close (`2027-02` →
/// `2027-002`).
pub(crate) fn require_invoice(conn: &Connection, number: &str, today: NaiveDate) -> Result<InvoiceRow> {
    let n = number.trim();
    if let Some(inv) = store::find_invoice(conn, n, today)? {
        return Ok(inv);
    }
    let shown = cut(n, 60);
    // Only on a miss: one pass over the numbers' index.
    let numbers = store::invoice_numbers(conn)?;
    let refs: Vec<&str> = numbers.iter().map(String::as_str).collect();
    let near: Vec<&str> = naming::nearest(n, &refs).into_iter().map(|i| refs[i]).collect();
    match near.as_slice() {
        [] => Err(anyhow!(
            "invoice {shown} not found (dun invoice list shows the numbers)"
        )),
        [one] => Err(anyhow!("invoice {shown} not found; did you mean {one}?")),
        [init @ .., last] => Err(anyhow!(
            "invoice {shown} not found; did you mean {} or {last}?",
            init.join(", ")
        )),
    }
}

pub(crate) fn currency(code: &str) -> Result<Currency> {
    Currency::from_code(code).ok_or_else(|| {
        anyhow!(
            "currency \"{}\" is not an ISO 4217 code; use one like EUR, SEK, USD, TRY, RUB, RON",
            cut(code, 20)
        )
    })
}

/// A positive amount in `currency`, with the spec's errors.
pub(crate) fn positive_amount(text: &str, currency: Currency) -> Result<i64> {
    let minor = parse_amount(text, currency).map_err(|e| anyhow!("{e}"))?;
    if minor == 0 {
        return Err(anyhow!(
            "amount \"{}\" is zero; give an amount above 0",
            cut(text, 40)
        ));
    }
    Ok(minor)
}

pub(crate) fn date_arg(text: Option<&str>, what: &str, today: NaiveDate) -> Result<NaiveDate> {
    match text {
        None => Ok(today),
        Some(t) => parse_date(t, today).map_err(|e| anyhow!("{what}: {e}")),
    }
}

/// The date something already happened (a payment arrived, a call was
/// made): not after *today*. A date in the future is a typo, and a contact
/// logged in 9999 would hold the ladder until then.
pub(crate) fn past_date_arg(text: Option<&str>, what: &str, today: NaiveDate) -> Result<NaiveDate> {
    let d = date_arg(text, what, today)?;
    if d > today {
        return Err(anyhow!(
            "{what} {d} is after today ({today}); give the day it happened, today or earlier"
        ));
    }
    Ok(d)
}

/// Money for a person: `1,200.00 SEK` (domain::totals' grouping).
pub(crate) fn human(minor: impl Into<i128>, code: &str) -> String {
    format!("{} {code}", crate::domain::totals::grouped(minor.into(), code))
}

/// Money for a machine: `1200.00`.
pub(crate) fn plain(minor: impl Into<i128>, code: &str) -> String {
    crate::domain::totals::plain(minor.into(), code)
}

/// `client show` and `invoice show` print one record with its lists inside:
/// JSON or a table, never a CSV that is not one.
pub(crate) fn refuse_csv(ctx: &Context, what: &str) -> Result<()> {
    if ctx.format == crate::cli::Format::Csv {
        return Err(crate::UsageError(format!(
            "dun {what} has no CSV form (one record with lists inside is not a table); use --format json, or the list command with --format csv"
        ))
        .into());
    }
    Ok(())
}

/// Whether an error is about a stored value dun cannot read (a REAL where
/// an amount should be, an impossible date): a bad record, not a broken store.
pub(crate) fn is_bad_value(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        matches!(
            c.downcast_ref::<rusqlite::Error>(),
            Some(
                rusqlite::Error::FromSqlConversionFailure(..)
                    | rusqlite::Error::InvalidColumnType(..)
                    | rusqlite::Error::IntegralValueOutOfRange(..)
            )
        )
    })
}

/// Invoices a command left out because their figures cannot be computed
/// (SPEC.md §4 "One bad record cannot stop the others"): each is named on
/// stderr; the command did everything else. Returns whether there were any.
pub(crate) fn report_left_out(left_out: &[store::LeftOut]) -> bool {
    for l in left_out {
        eprintln!("error: invoice {} left out: {}", l.number, l.why);
    }
    !left_out.is_empty()
}

/// The facts of one invoice the ladder reads, owned.
pub(crate) struct CaseFacts {
    pub contacts: Vec<Contact>,
    pub holds: Vec<Hold>,
    pub bounced: bool,
}

impl CaseFacts {
    pub fn load(ctx: &Context, conn: &Connection, inv: &InvoiceRow) -> Result<CaseFacts> {
        let contacts = store::log_entries(conn, inv.id)?
            .iter()
            .map(store::LogRow::as_contact)
            .collect();
        let mut holds: Vec<Hold> = store::holds(conn, inv.id)?
            .iter()
            .filter(|h| h.released_on.is_none())
            .map(store::HoldRow::as_hold)
            .collect();
        // A payment plan holds the ladder while it is kept (SPEC.md §12).
        if let Some(cp) = store::current_plan(conn, inv.id)? {
            holds.push(plan::state_of(ctx, &cp).hold);
        }
        let client = store::client_by_id(conn, inv.client_id)?;
        Ok(CaseFacts {
            contacts,
            holds,
            bounced: store::client_bounced(conn, &client)?,
        })
    }

    pub fn case<'a>(&'a self, inv: &'a InvoiceRow) -> Case<'a> {
        Case {
            due: inv.due,
            balance: inv.balance(),
            closed: inv.closed.is_some(),
            start_step: inv.start_step.as_deref(),
            entered_on: inv.entered_on,
            contacts: &self.contacts,
            holds: &self.holds,
            email_bounced: self.bounced,
        }
    }
}

/// One attempt at a step as a person reads it: an e-mail whose delivery
/// failed and the retries after it fold into the last one (the log keeps
/// every entry; only the reading folds them).
pub(crate) struct Attempt<'a> {
    pub entry: &'a store::LogRow,
    /// The failed tries before `entry`, oldest first.
    pub failures: Vec<&'a store::LogRow>,
}

impl Attempt<'_> {
    /// The delivery as words: `sent`, `failed (reason)`, or with earlier
    /// failures `failed 2027-03-12 09:00 (reason), sent 2027-03-12 09:05`.
    pub fn delivery_words(&self) -> Option<String> {
        use crate::domain::contact::Delivery;
        let word = |l: &store::LogRow| match l.delivery {
            Some(Delivery::Pending) => "unknown",
            Some(d) => d.as_str(),
            None => "",
        };
        let del = self.entry.delivery?;
        let reason = |l: &store::LogRow| {
            l.delivery_detail
                .as_deref()
                .map(|r| format!(" ({r})"))
                .unwrap_or_default()
        };
        if self.failures.is_empty() {
            let r = if del == crate::domain::contact::Delivery::Sent {
                String::new()
            } else {
                reason(self.entry)
            };
            return Some(format!("{}{r}", word(self.entry)));
        }
        let mut parts: Vec<String> = self
            .failures
            .iter()
            .map(|f| format!("failed {}{}", local_minute(&f.at), reason(f)))
            .collect();
        let r = if del == crate::domain::contact::Delivery::Sent {
            String::new()
        } else {
            reason(self.entry)
        };
        parts.push(format!(
            "{} {}{r}",
            word(self.entry),
            local_minute(&self.entry.at)
        ));
        Some(parts.join(", "))
    }
}

/// Folds the log of one or more invoices, oldest first, so that a failed
/// e-mail and its retry of the same step on the same invoice read as one
/// attempt. `key` tells the invoices apart.
pub(crate) fn fold_retries<'a, K: PartialEq>(log: &[(K, &'a store::LogRow)]) -> Vec<Attempt<'a>> {
    use crate::domain::contact::{Channel, Delivery};
    let mut out: Vec<Attempt<'a>> = Vec::new();
    // Runs of failed tries waiting for a retry: (index in `log` of one of
    // them, for its key; the tries, oldest first).
    let mut waiting: Vec<(usize, Vec<&'a store::LogRow>)> = Vec::new();
    for (i, (key, l)) in log.iter().enumerate() {
        let is_try = l.channel == Channel::Email && !l.inbound && l.delivery.is_some();
        if !is_try {
            out.push(Attempt {
                entry: l,
                failures: Vec::new(),
            });
            continue;
        }
        let failures = match waiting
            .iter()
            .position(|(j, run)| log[*j].0 == *key && run[0].step == l.step)
        {
            Some(p) => waiting.remove(p).1,
            None => Vec::new(),
        };
        if l.delivery == Some(Delivery::Failed) {
            let mut run = failures;
            run.push(l);
            waiting.push((i, run));
        } else {
            out.push(Attempt { entry: l, failures });
        }
    }
    // Failures that no retry followed (yet) stand on their own, the earlier
    // tries of a run folded into the last.
    for (_, mut run) in waiting {
        if let Some(last) = run.pop() {
            out.push(Attempt {
                entry: last,
                failures: run,
            });
        }
    }
    out.sort_by_key(|a| a.entry.id);
    out
}

/// A record timestamp (RFC 3339, UTC) as the local time of day a person
/// reads: `2027-03-12 09:05`.
pub(crate) fn local_minute(at: &str) -> String {
    match chrono::DateTime::parse_from_rfc3339(at) {
        Ok(t) => t
            .with_timezone(&chrono::Local)
            .format("%Y-%m-%d %H:%M")
            .to_string(),
        Err(_) => at.to_string(),
    }
}

/// The hold in force on an invoice today, in words for a warning (`dun
/// letter` on an invoice on hold): "the client promised to pay by
/// 2027-03-19", "the client disputes it (dun resolve 2027-005 ends that)".
pub(crate) fn hold_words(conn: &Connection, inv: &InvoiceRow, today: NaiveDate) -> Result<Option<String>> {
    use crate::domain::contact::HoldKind;
    let held = store::holds(conn, inv.id)?
        .into_iter()
        .filter(|h| h.released_on.is_none() && h.since <= today && h.until.is_none_or(|u| u >= today))
        .max_by_key(|h| h.since);
    Ok(held.map(|h| match (h.kind, h.until) {
        (HoldKind::Promise, Some(u)) => format!("the client promised to pay by {u}"),
        (HoldKind::Dispute, _) => format!("the client disputes it (dun resolve {} ends that)", inv.number),
        (HoldKind::Pause, Some(u)) => format!("it is paused until {u}"),
        (_, _) => format!("it is paused (dun resume {} ends that)", inv.number),
    }))
}

/// A step name typed by the user, checked against the ladder in force.
pub(crate) fn require_step(ladder: &crate::domain::ladder::Ladder, step: String) -> Result<String> {
    if ladder.index_of(&step).is_some() {
        return Ok(step);
    }
    let names: Vec<_> = ladder.steps().iter().map(|s| s.name.as_str()).collect();
    Err(anyhow!(
        "step \"{}\" is not on the ladder; use one of: {} (dun ladder shows them)",
        cut(&step, 40),
        names.join(", ")
    ))
}

/// Empty or whitespace-only optional text is no text.
pub(crate) fn non_empty(s: Option<String>) -> Option<String> {
    s.map(|v| v.trim().to_string()).filter(|v| !v.is_empty())
}
