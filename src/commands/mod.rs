//! One file per command group. Each command receives the resolved context,
//! reads and validates everything the user typed before it writes, and does
//! all its writing in one transaction.

mod bank;
mod check;
mod client;
mod demo;
mod due;
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
use crate::domain::money::{Currency, format_human, parse_amount};
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
            match command {
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
                Command::Send(args) => send::send(&ctx, args),
                Command::Preview(args) => send::preview(&ctx, args),
                Command::Letter(args) => letter::letter(&ctx, args),
                Command::Plan(args) => plan::plan(&ctx, args),
                Command::Smtp(crate::cli::SmtpCommand::Test) => send::smtp_test(&ctx),
                Command::Inbox(args) => inbox::run(&ctx, args),
                Command::Init { .. } | Command::Completions { .. } | Command::Man => {
                    unreachable!("handled above")
                }
            }
        }
    }
}

/// The client with this handle, or an error that says where to find handles.
pub(crate) fn require_client(conn: &Connection, handle: &str) -> Result<ClientRow> {
    store::find_client(conn, handle.trim())?
        .ok_or_else(|| anyhow!("client \"{handle}\" not found (dun client list shows the handles)"))
}

/// The invoice with this number, or an error that says where to find numbers.
pub(crate) fn require_invoice(conn: &Connection, number: &str, today: NaiveDate) -> Result<InvoiceRow> {
    store::find_invoice(conn, number.trim(), today)?
        .ok_or_else(|| anyhow!("invoice {number} not found (dun invoice list shows the numbers)"))
}

pub(crate) fn currency(code: &str) -> Result<Currency> {
    Currency::from_code(code).ok_or_else(|| {
        anyhow!("currency \"{code}\" is not an ISO 4217 code; use one like EUR, SEK, USD, TRY, RUB, RON")
    })
}

/// A positive amount in `currency`, with the spec's errors.
pub(crate) fn positive_amount(text: &str, currency: Currency) -> Result<i64> {
    let minor = parse_amount(text, currency).map_err(|e| anyhow!("{e}"))?;
    if minor == 0 {
        return Err(anyhow!("amount \"{text}\" is zero; give an amount above 0"));
    }
    Ok(minor)
}

pub(crate) fn date_arg(text: Option<&str>, what: &str, today: NaiveDate) -> Result<NaiveDate> {
    match text {
        None => Ok(today),
        Some(t) => parse_date(t, today).map_err(|e| anyhow!("{what}: {e}")),
    }
}

/// Money for a person: `1,200.00 SEK`.
pub(crate) fn human(minor: i64, code: &str) -> String {
    match Currency::from_code(code) {
        Some(c) => format_human(minor, c, "en"),
        None => format!("{minor} {code}"),
    }
}

/// Money for a machine: `1200.00`.
pub(crate) fn plain(minor: i64, code: &str) -> String {
    match Currency::from_code(code) {
        Some(c) => crate::domain::money::format_plain(minor, c),
        None => minor.to_string(),
    }
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

/// A step name typed by the user, checked against the ladder in force.
pub(crate) fn require_step(ladder: &crate::domain::ladder::Ladder, step: String) -> Result<String> {
    if ladder.index_of(&step).is_some() {
        return Ok(step);
    }
    let names: Vec<_> = ladder.steps().iter().map(|s| s.name.as_str()).collect();
    Err(anyhow!(
        "step \"{step}\" is not on the ladder; use one of: {} (dun ladder shows them)",
        names.join(", ")
    ))
}

/// Empty or whitespace-only optional text is no text.
pub(crate) fn non_empty(s: Option<String>) -> Option<String> {
    s.map(|v| v.trim().to_string()).filter(|v| !v.is_empty())
}
