//! `dun send`, `dun preview`, `dun smtp test`.
//!
//! Sending is exactly once (SPEC.md §5): under a lock, for each message the
//! invoices are checked again and a `pending` entry written in one
//! transaction; then the message goes out; then the entry becomes `sent` or
//! `failed`. A `pending` entry that outlives its run is `unknown` and is never
//! sent again unless the user asks (`--resend-unknown`).

use std::collections::BTreeMap;
use std::fs::OpenOptions;
use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use anyhow::{Context as _, Result, anyhow, bail};
use rusqlite::Connection;

use super::due::assess_open;
use super::{CaseFacts, require_invoice};
use crate::cli::{PreviewArgs, SendArgs};
use crate::config::Config;
use crate::context::Context;
use crate::domain::contact::{Channel, Delivery};
use crate::domain::ladder::{DueKind, assess};
use crate::domain::plan::PlanMessage;
use crate::domain::story::ahead;
use crate::domain::text::mailbox_parts;
use crate::exit;
use crate::mail::flowed::wrap_flowed;
use crate::mail::message::{Outgoing, new_message_id};
use crate::mail::smtp::{self, Delivered, Mailer};
use crate::mail::templates::Templates;
use crate::mail::vars::{FigureError, InvoiceFacts, Recipient, Road, VarsInput, message_vars};
use crate::report::words;
use crate::store::{self, ClientRow, NewLog, ScanContext, ScanFilter};
use crate::{UsageError, domain::dates::add_days};

/// Set to make `dun send` stop dead right after writing a `pending` entry,
/// before the message goes out: for testing the crash path. Never set it in
/// normal use.
pub const FAULT_ENV: &str = "DUN_FAULT_AFTER_PENDING";

/// One message to send: a client, e-mail or escalation, and its invoices with
/// the step each one does.
#[derive(Debug, Clone)]
struct Planned {
    client_id: i64,
    escalate: bool,
    /// (invoice number, ladder step index)
    invoices: Vec<(String, usize)>,
    /// A payment plan's e-mail instead (SPEC.md §12): always on its own.
    plan_message: Option<PlanMail>,
}

/// A payment plan's e-mail: its invoice, the plan and which message.
#[derive(Debug, Clone)]
struct PlanMail {
    number: String,
    plan_id: i64,
    message: PlanMessage,
}

/// Groups the e-mail actions due today by client and kind (rule 9).
/// Also returns the invoices left out because they cannot be read.
fn plan(
    ctx: &Context,
    conn: &Connection,
    client: Option<i64>,
    invoice: Option<i64>,
) -> Result<(Vec<Planned>, Vec<store::LeftOut>)> {
    let scan = ScanContext::load(conn)?;
    let filter = ScanFilter {
        due_until: add_days(ctx.today, -i64::from(ctx.config.ladder.min_day())),
        client_id: client,
        invoice_id: invoice,
    };
    let mut groups: BTreeMap<(String, bool), Planned> = BTreeMap::new();
    let left_out = store::scan_open(conn, filter, &ctx.config.ladder, ctx.today, |inv| {
        let a = assess_open(ctx, &scan, inv);
        for d in &a.due {
            let escalate = match d.kind {
                DueKind::Email => false,
                DueKind::Escalate => true,
                _ => continue,
            };
            let Some(step) = d.step else { continue };
            groups
                .entry((inv.client_handle.clone(), escalate))
                .or_insert_with(|| Planned {
                    client_id: inv.client_id,
                    escalate,
                    invoices: Vec::new(),
                    plan_message: None,
                })
                .invoices
                .push((inv.number.clone(), step));
        }
        Ok(())
    })?;
    let mut planned: Vec<Planned> = groups.into_values().collect();
    // The plans' e-mails, each on its own (not merged with ladder e-mails).
    let mut plans: Vec<(&i64, &store::CurrentPlan)> = scan
        .plans
        .iter()
        .filter(|(id, cp)| {
            // Rule 11: no e-mail to an address that bounced.
            cp.balance > 0
                && !scan.bounced.contains(&cp.client_id)
                && invoice.is_none_or(|i| i == **id)
                && client.is_none_or(|c| c == cp.client_id)
        })
        .collect();
    plans.sort_by(|(_, a), (_, b)| (&a.client_handle, &a.number).cmp(&(&b.client_handle, &b.number)));
    for (_, cp) in plans {
        for d in super::plan::due_today(ctx, cp) {
            let Some(message) = d.message else { continue };
            planned.push(Planned {
                client_id: cp.client_id,
                escalate: false,
                invoices: Vec::new(),
                plan_message: Some(PlanMail {
                    number: cp.number.clone(),
                    plan_id: cp.plan.id,
                    message,
                }),
            });
        }
    }
    Ok((planned, left_out))
}

/// A message rendered from fresh data, with the log entries it will write.
struct Prepared {
    outgoing: Outgoing,
    /// (invoice id, invoice number, step name)
    entries: Vec<(i64, String, String)>,
    /// A plan's e-mail: the plan, the message, and the note its log entry carries.
    plan: Option<(i64, PlanMessage, String)>,
}

fn sender_email(config: &Config) -> Result<String> {
    config.sender.email.clone().ok_or_else(|| {
        anyhow!("[sender] email is not set in the config file; dun needs it as the From address (dun init writes a template)")
    })
}

/// Whether [`prepare`] checks the planned steps against the ladder again.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Recheck {
    /// Sending: drop what is no longer due (paid, held, done a moment ago).
    Yes,
    /// Previewing a step that is not due: render it as planned.
    No,
}

/// Reads the planned invoices from the database as it is now (checking them
/// against the ladder again, unless told not to) and renders the message.
/// `None` when nothing in it is due any more.
fn prepare(
    ctx: &Context,
    conn: &Connection,
    p: &Planned,
    templates: &Templates,
    recheck: Recheck,
) -> Result<Option<Prepared>> {
    if let Some(pm) = &p.plan_message {
        return prepare_plan(ctx, conn, pm, templates, recheck);
    }
    let ladder = &ctx.config.ladder;
    let mut facts = Vec::new();
    let mut entries = Vec::new();
    let mut firmest = 0;
    let mut cases = Vec::new();
    for (number, step) in &p.invoices {
        let inv = require_invoice(conn, number, ctx.today)?;
        let case_facts = CaseFacts::load(ctx, conn, &inv)?;
        if recheck == Recheck::Yes {
            let a = assess(&case_facts.case(&inv), ladder, &ctx.config.schedule, ctx.today);
            let kind = if p.escalate {
                DueKind::Escalate
            } else {
                DueKind::Email
            };
            if !a.due.iter().any(|d| d.kind == kind && d.step == Some(*step)) {
                continue; // paid, held or done a moment ago
            }
        }
        firmest = firmest.max(*step);
        entries.push((inv.id, inv.number.clone(), ladder.steps()[*step].name.clone()));
        let plan = super::plan::plan_facts(conn, inv.id, None)?;
        cases.push((case_facts, *step));
        facts.push(invoice_facts(conn, inv, plan)?);
    }
    if facts.is_empty() {
        return Ok(None);
    }
    let client = store::client_by_id(conn, p.client_id)?;
    let step = &ladder.steps()[firmest];
    let template = step
        .template
        .as_deref()
        .unwrap_or(if p.escalate { "escalate" } else { "reminder" });
    let contacts = store::escalation_contacts(conn, client.id)?;
    let escalation: Vec<_> = contacts.iter().filter(|c| c.email.is_some()).collect();
    let to_contact = p.escalate && !escalation.is_empty();
    type Whom = (Vec<(String, String)>, String, Option<String>, Option<String>);
    let (to, recipient_name, role, person): Whom = if to_contact {
        (
            escalation
                .iter()
                .map(|c| (c.name.clone(), c.email.clone().unwrap_or_default()))
                .collect(),
            escalation[0].name.clone(),
            escalation[0].role.clone(),
            // Several contacts: greet none by name rather than one of them.
            (escalation.len() == 1).then(|| escalation[0].name.clone()),
        )
    } else {
        (
            client
                .emails
                .iter()
                .map(|e| match mailbox_parts(e) {
                    (Some(person), addr) => (person.to_string(), addr.to_string()),
                    (None, addr) => (client.name.clone(), addr.to_string()),
                })
                .collect(),
            client.name.clone(),
            None,
            client
                .emails
                .iter()
                .find_map(|e| mailbox_parts(e).0)
                .map(String::from),
        )
    };
    // The road after this message, told by the invoice whose step is the firmest.
    let (case_facts, inv_step) = cases
        .iter()
        .zip(&facts)
        .find(|((_, s), _)| *s == firmest)
        .map(|((c, s), f)| ((c, &f.invoice), *s))
        .expect("the firmest step is one of them");
    let road = road(
        ctx,
        &client,
        case_facts.0.case(case_facts.1),
        inv_step,
        !escalation.is_empty(),
    );
    let vars = message_vars(&VarsInput {
        config: &ctx.config,
        today: ctx.today,
        client: &client,
        recipient: Recipient {
            name: &recipient_name,
            role: role.as_deref(),
            person: person.as_deref(),
            contact: to_contact,
        },
        step: &step.name,
        template,
        invoices: &facts,
        road,
        deadline_days: 14,
    })?;
    let rendered = templates.render(&client.lang, template, &vars)?;
    // `dun send` refuses to start without a sender; a preview shows a stand-in.
    let from_email = sender_email(&ctx.config).unwrap_or_else(|_| "you@example.org".into());
    let references = earlier_message_ids(conn, &facts)?;
    Ok(Some(Prepared {
        outgoing: Outgoing {
            from_name: ctx.config.sender.name.clone(),
            from_email: from_email.clone(),
            reply_to: ctx.config.sender.reply_to.clone(),
            to,
            subject: rendered.subject,
            body: wrap_flowed(&rendered.body),
            message_id: new_message_id(&from_email),
            references,
        },
        entries,
        plan: None,
    }))
}

/// What the message variables need of one invoice: its payments, its whole
/// log (the variables tell the story from it) and its plan.
pub(crate) fn invoice_facts(
    conn: &Connection,
    invoice: store::InvoiceRow,
    plan: Option<crate::mail::plan_vars::PlanFacts>,
) -> Result<InvoiceFacts> {
    Ok(InvoiceFacts {
        payments: store::payments(conn, invoice.id)?,
        log: store::log_entries(conn, invoice.id)?,
        plan,
        invoice,
    })
}

/// [`prepare`] for a payment plan's e-mail: the confirmation or an
/// instalment's reminder, to the client's addresses. `None` when it is no
/// longer due (paid, replaced, cancelled, sent a moment ago).
fn prepare_plan(
    ctx: &Context,
    conn: &Connection,
    pm: &PlanMail,
    templates: &Templates,
    recheck: Recheck,
) -> Result<Option<Prepared>> {
    let inv = require_invoice(conn, &pm.number, ctx.today)?;
    let Some(cp) = store::current_plan(conn, inv.id)?.filter(|cp| cp.plan.id == pm.plan_id) else {
        return Ok(None);
    };
    if recheck == Recheck::Yes {
        let still_due = inv.closed.is_none()
            && inv.balance() > 0
            && super::plan::due_today(ctx, &cp)
                .iter()
                .any(|d| d.message == Some(pm.message));
        if !still_due {
            return Ok(None);
        }
    }
    let client = store::client_by_id(conn, inv.client_id)?;
    let (label, note, reminder) = match pm.message {
        PlanMessage::Confirmation => ("plan".to_string(), "payment plan: confirmation".to_string(), None),
        PlanMessage::Reminder(i) => (
            format!("instalment {}", i + 1),
            format!(
                "payment plan: reminder of instalment {} of {}",
                i + 1,
                cp.plan.instalments.len()
            ),
            Some(i),
        ),
    };
    let entries = vec![(inv.id, inv.number.clone(), label)];
    let plan = crate::mail::plan_vars::PlanFacts { plan: cp, reminder };
    let facts = vec![invoice_facts(conn, inv, Some(plan))?];
    let template = pm.message.template();
    // To the client's addresses, greeting the person an address names.
    let to: Vec<(String, String)> = client
        .emails
        .iter()
        .map(|e| match mailbox_parts(e) {
            (Some(person), addr) => (person.to_string(), addr.to_string()),
            (None, addr) => (client.name.clone(), addr.to_string()),
        })
        .collect();
    let person = client.emails.iter().find_map(|e| mailbox_parts(e).0);
    let vars = message_vars(&VarsInput {
        config: &ctx.config,
        today: ctx.today,
        client: &client,
        recipient: Recipient {
            name: &client.name,
            role: None,
            person,
            contact: false,
        },
        step: template,
        template,
        invoices: &facts,
        // A plan's e-mail speaks of the plan, not of the ladder's road.
        road: Default::default(),
        deadline_days: 14,
    })?;
    let rendered = templates.render(&client.lang, template, &vars)?;
    let from_email = sender_email(&ctx.config).unwrap_or_else(|_| "you@example.org".into());
    let references = earlier_message_ids(conn, &facts)?;
    Ok(Some(Prepared {
        outgoing: Outgoing {
            from_name: ctx.config.sender.name.clone(),
            from_email: from_email.clone(),
            reply_to: ctx.config.sender.reply_to.clone(),
            to,
            subject: rendered.subject,
            body: wrap_flowed(&rendered.body),
            message_id: new_message_id(&from_email),
            references,
        },
        entries,
        plan: Some((pm.plan_id, pm.message, note)),
    }))
}

/// What the ladder does after this message does `step` today (domain::story):
/// a call is passed over for a client with no phone number.
fn road(
    ctx: &Context,
    client: &ClientRow,
    case: crate::domain::ladder::Case,
    step: usize,
    contact: bool,
) -> Road {
    let ladder = &ctx.config.ladder;
    let no_phone = client.phone.as_deref().is_none_or(|p| p.trim().is_empty());
    let passes = |i: usize| no_phone && ladder.steps()[i].action == crate::domain::contact::StepAction::Call;
    let a = ahead(&case, ladder, &ctx.config.schedule, ctx.today, &[step], &passes);
    Road {
        next: a.next.map(|n| (n.step, n.on)),
        emails_before: a.emails_before,
        escalation_contact: contact,
    }
}

/// Message-IDs of the e-mails already sent on these invoices, for threading.
fn earlier_message_ids(conn: &Connection, facts: &[InvoiceFacts]) -> Result<Vec<String>> {
    let ids: Vec<i64> = facts.iter().map(|f| f.invoice.id).collect();
    // Enough to thread; a long chain adds nothing.
    store::sent_message_ids(conn, &ids, 10)
}

/// Holds the send lock for the life of the value: two runs that name the
/// database by the same real path wait for each other here; runs through
/// other names (hard links, bind mounts) meet in [`claim_run`].
fn lock(db_path: &Path) -> Result<std::fs::File> {
    let real = std::fs::canonicalize(db_path)
        .with_context(|| format!("cannot find the database {}", db_path.display()))?;
    let mut path = real.into_os_string();
    path.push(".send.lock");
    let path = PathBuf::from(path);
    let mut options = OpenOptions::new();
    options.create(true).truncate(false).write(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let file = options
        .open(&path)
        .with_context(|| format!("cannot open the send lock {}", path.display()))?;
    file.lock()
        .with_context(|| format!("cannot take the send lock {}", path.display()))?;
    Ok(file)
}

/// What `--except` leaves out of a run: invoices (id, number) and clients (id).
#[derive(Default)]
struct Except {
    invoices: Vec<(i64, String)>,
    clients: Vec<i64>,
}

impl Except {
    /// Reads each `--except` value: an invoice number exactly, else a client
    /// named as everywhere else (handle, unique prefix, exact name).
    fn resolve(conn: &Connection, values: &[String], today: chrono::NaiveDate) -> Result<Except> {
        let mut out = Except::default();
        for v in values {
            if let Some(inv) = store::find_invoice(conn, v.trim(), today)? {
                out.invoices.push((inv.id, inv.number));
                continue;
            }
            match super::require_client(conn, v) {
                Ok(c) => out.clients.push(c.id),
                Err(client_err) => {
                    let invoice_err = require_invoice(conn, v, today).err();
                    // Say the nearer miss: a number that looks like one, else the client's.
                    let err = match invoice_err {
                        Some(e) if e.to_string().contains("did you mean") => e,
                        _ => client_err,
                    };
                    bail!(
                        "--except {}: neither an invoice number nor a client; {err:#}",
                        v.trim()
                    );
                }
            }
        }
        Ok(out)
    }

    fn apply(&self, planned: &mut Vec<Planned>) {
        let left_out = |n: &str| self.invoices.iter().any(|(_, m)| m == n);
        planned.retain(|p| {
            !self.clients.contains(&p.client_id)
                && p.plan_message.as_ref().is_none_or(|m| !left_out(&m.number))
        });
        for p in planned.iter_mut() {
            p.invoices.retain(|(n, _)| !left_out(n));
        }
        // A ladder message with no invoice left goes; a plan's has none of its own.
        planned.retain(|p| !p.invoices.is_empty() || p.plan_message.is_some());
    }

    fn leaves_out(&self, invoice_id: i64, client_id: i64) -> bool {
        self.clients.contains(&client_id) || self.invoices.iter().any(|(id, _)| *id == invoice_id)
    }
}

fn say_waiting(other: &store::SendRun, said: &mut bool) {
    if !*said {
        eprintln!(
            "dun: another dun send (pid {}, started {}) is sending from this database through another path to it; waiting for it to finish",
            other.process.pid, other.at
        );
        *said = true;
    }
}

/// Waits, reading only, until no other live run sends from this database
/// (one that reached the file by another path, past the lock file).
fn wait_for_other_runs(db: &store::Store) -> Result<()> {
    let mut said = false;
    while let Some(other) = store::open_runs(db.conn())?
        .into_iter()
        .find(|r| r.process.is_alive())
    {
        say_waiting(&other, &mut said);
        std::thread::sleep(Duration::from_millis(200));
    }
    Ok(())
}

/// Records this run in the database, waiting while another live run is
/// sending from the same file. Inside one write transaction, so two runs
/// that get here at once are told apart.
fn claim_run(ctx: &Context, db: &mut store::Store) -> Result<i64> {
    let me = store::ProcessMark::current();
    let mut said = false;
    loop {
        match db.write(|tx| store::begin_send_run(tx, &me, &ctx.now))? {
            Ok(id) => return Ok(id),
            Err(other) => {
                say_waiting(&other, &mut said);
                std::thread::sleep(Duration::from_millis(200));
            }
        }
    }
}

fn describe(p: &Prepared) -> String {
    let to: Vec<&str> = p.outgoing.to.iter().map(|(_, a)| a.as_str()).collect();
    let numbers: Vec<&str> = p.entries.iter().map(|(_, n, _)| n.as_str()).collect();
    format!(
        "{}  ({})  → {}",
        p.outgoing.subject,
        numbers.join(", "),
        to.join(", ")
    )
}

pub fn send(ctx: &Context, args: SendArgs) -> Result<u8> {
    let smtp_cfg = match (&ctx.config.smtp, args.dry_run) {
        (Some(s), _) => Some(s.clone()),
        (None, true) => None,
        (None, false) => bail!(
            "there is no [smtp] section in {}; add host, port, security and username (dun init writes a commented one)",
            ctx.config_path.display()
        ),
    };
    if !args.dry_run {
        sender_email(&ctx.config)?;
        if ctx.config.sender.name.trim().is_empty() {
            bail!(
                "[sender] name is not set in the config file; reminders go out in your name, so dun needs it"
            );
        }
    }
    if let Some(s) = &smtp_cfg {
        smtp::check(s)?;
    }
    let mut db = ctx.open_store()?;
    let _lock = if args.dry_run {
        None
    } else {
        let lock = lock(db.path())?;
        wait_for_other_runs(&db)?;
        Some(lock)
    };
    send_locked(ctx, &mut db, args, smtp_cfg)
}

/// How each message of a run ended, for the summary.
#[derive(Default)]
struct Tally {
    sent: usize,
    sent_invoices: usize,
    /// The invoice numbers of every message the server took.
    went_out: Vec<String>,
    failed: Vec<String>,
    unknown: Vec<String>,
    /// Outcomes dun could not write down (a full disk): what the log now says.
    unrecorded: Vec<String>,
}

fn send_locked(
    ctx: &Context,
    db: &mut store::Store,
    args: SendArgs,
    smtp_cfg: Option<crate::config::Smtp>,
) -> Result<u8> {
    let client = args
        .client
        .as_deref()
        .map(|h| super::require_client(db.conn(), h))
        .transpose()?
        .map(|c| c.id);
    let invoice = args
        .invoice
        .as_deref()
        .map(|n| require_invoice(db.conn(), n, ctx.today))
        .transpose()?
        .map(|i| i.id);
    let except = Except::resolve(db.conn(), &args.except, ctx.today)?;

    // The inbox first (SPEC.md §10): a reply that came this morning holds today's e-mail.
    let inbox = if args.no_inbox {
        None
    } else {
        match super::inbox::before_send(ctx, db, args.dry_run) {
            Ok(report) => report,
            Err(e) => {
                eprintln!(
                    "error: nothing sent: cannot read the inbox: {e:#}; dun send --no-inbox sends without reading it"
                );
                return Ok(exit::SEND_FAILED);
            }
        }
    };
    // Entries of a run that stopped between `pending` and `sent`, or whose
    // answer never came; a run still sending is not among them.
    let live = store::live_runs(db.conn())?;
    let mut unknown = store::unknown_emails(db.conn(), &live)?;
    if !unknown.is_empty() && !args.resend_unknown {
        let list: Vec<String> = unknown
            .iter()
            .map(|u| format!("{} {} of {}", u.number, u.step, u.on))
            .collect();
        eprintln!(
            "warning: {} may or may not have gone out (dun stopped while sending, or the server's answer never came): {}; dun will not send them again unless you run dun send --resend-unknown",
            words::count(unknown.len(), "e-mail"),
            list.join(", ")
        );
    }
    // --resend-unknown, like the run itself, covers only --invoice / --client.
    unknown.retain(|u| {
        invoice.is_none_or(|i| i == u.invoice_id)
            && client.is_none_or(|c| c == u.client_id)
            && !except.leaves_out(u.invoice_id, u.client_id)
    });
    let resend = args.resend_unknown && !unknown.is_empty();
    let mark_unknown_failed = |conn: &Connection| -> Result<()> {
        for u in &unknown {
            store::fail_pending_entry(
                conn,
                u.log_id,
                "unknown: it may or may not have gone out; resent on request",
            )?;
        }
        Ok(())
    };

    let templates = Templates::new(&ctx.config_path);
    // Plan and render everything first: a template error stops the run before
    // anything is sent. With --resend-unknown the plan sees the unknown
    // entries as failed, but nothing is written until the user has said yes.
    let mut not_sent = Vec::new();
    let mut left_out: Vec<store::LeftOut> = Vec::new();
    let (planned, previews) = {
        let tx = db.conn().unchecked_transaction()?;
        if resend {
            mark_unknown_failed(&tx)?;
        }
        if let Some(report) = &inbox {
            // A dry run plans with what it read but did not write.
            super::inbox::apply_pending(&tx, report, &ctx.now)?;
        }
        let (mut planned, scan_left_out) = plan(ctx, &tx, client, invoice)?;
        except.apply(&mut planned);
        left_out.extend(scan_left_out);
        let mut previews = Vec::new();
        let mut keep = Vec::new();
        for p in &planned {
            let prepared = match prepare(ctx, &tx, p, &templates, Recheck::Yes) {
                // A figure dun cannot compute, or a stored value it cannot
                // read: that message is left out, the others go.
                Err(e) if e.downcast_ref::<FigureError>().is_some() || super::is_bad_value(&e) => {
                    not_sent.push(format!("{e:#}"));
                    keep.push(false);
                    continue;
                }
                other => other?,
            };
            match prepared {
                // No address to send to: say so, log nothing (an empty attempt is no evidence).
                Some(prep) if prep.outgoing.to.is_empty() => {
                    let c = store::client_by_id(&tx, p.client_id)?;
                    let whom = if p.escalate {
                        "no e-mail address (nor an escalation contact's)"
                    } else {
                        "no e-mail address"
                    };
                    not_sent.push(format!(
                        "client {} has {whom}; add one with dun client edit {} --email ADDRESS",
                        c.handle, c.handle
                    ));
                    keep.push(false);
                }
                Some(prep) => match prep.outgoing.build(SystemTime::now()) {
                    // A message no server would take (a header line past 998
                    // octets, an address lettre refuses): said now, not sent.
                    Err(e) => {
                        not_sent.push(format!("{}: {e:#}", describe(&prep)));
                        keep.push(false);
                    }
                    Ok(_) => {
                        previews.push(prep);
                        keep.push(true);
                    }
                },
                None => keep.push(false),
            }
        }
        let mut kept = keep.into_iter();
        planned.retain(|_| kept.next().unwrap_or(false));
        tx.rollback()?;
        (planned, previews)
    };
    for n in &not_sent {
        eprintln!("error: not sent: {n}");
    }
    let any_left_out = super::report_left_out(&left_out);
    let addresses_ok = not_sent.is_empty() && !any_left_out;
    if previews.is_empty() {
        if addresses_ok {
            ctx.say(format!("Nothing to send today ({}).", ctx.today));
            return Ok(exit::OK);
        }
        return Ok(exit::SEND_FAILED);
    }
    let invoices: usize = previews.iter().map(|p| p.entries.len()).sum();
    if args.dry_run {
        ctx.say(format!(
            "Would send {} covering {} (dry run: nothing sent, nothing written):",
            words::count(previews.len(), "e-mail"),
            words::count(invoices, "invoice")
        ));
        for p in &previews {
            ctx.say(format!("  {}", describe(p)));
        }
        return Ok(if addresses_ok { exit::OK } else { exit::SEND_FAILED });
    }
    if !args.yes {
        if !std::io::stdin().is_terminal() {
            return Err(UsageError(
                "dun send needs --yes when it is not run from a terminal (from cron: dun send --yes --quiet)"
                    .into(),
            )
            .into());
        }
        println!(
            "{} covering {}:",
            words::count(previews.len(), "e-mail"),
            words::count(invoices, "invoice")
        );
        for p in &previews {
            println!("  {}", describe(p));
        }
        print!("Send them now? [y/N] ");
        std::io::stdout().flush()?;
        let mut answer = String::new();
        std::io::stdin().lock().read_line(&mut answer)?;
        if !matches!(answer.trim(), "y" | "Y" | "yes" | "Yes") {
            println!("Nothing sent.");
            if let Some(number) = previews.first().and_then(|p| p.entries.first()).map(|e| &e.1) {
                println!("To send the rest and leave one out: dun send --except {number}");
                println!("  (an invoice number or a client; repeat --except for more).");
                println!("To hold an invoice for a while: dun pause {number} --until DATE");
            }
            return Ok(exit::OK);
        }
    }
    drop(previews);
    // Nothing but the inbox's entries is written before this point: a
    // refused or dry run leaves the ladder's log as it was.
    let run = claim_run(ctx, db)?;
    if resend {
        db.write(|tx| mark_unknown_failed(tx))?;
    }

    let smtp_cfg = smtp_cfg.expect("checked above");
    let mut mailer = Mailer::new(&smtp_cfg, ctx.verbose)?;
    let bar = progress_bar(ctx, planned.len());
    let mut tally = Tally::default();
    let mut stopped = None;
    for (i, p) in planned.iter().enumerate() {
        // Check again and write `pending`, in one transaction.
        let prepared = db.write(|tx| {
            // Invoices left out here were named when the run was planned.
            let Some(prep) = prepare(ctx, tx, p, &templates, Recheck::Yes)? else {
                return Ok(None);
            };
            let recipients: Vec<&str> = prep.outgoing.to.iter().map(|(_, a)| a.as_str()).collect();
            let recipients = recipients.join(", ");
            for (invoice_id, _, step) in &prep.entries {
                // A plan's e-mail does no ladder step; its note says what it was.
                let plan_note = prep.plan.as_ref().map(|(_, _, note)| note.as_str());
                let log_id = store::insert_log_of_run(
                    tx,
                    &NewLog {
                        invoice_id: *invoice_id,
                        channel: Channel::Email,
                        inbound: false,
                        on: ctx.today,
                        at: &ctx.now,
                        step: plan_note.is_none().then_some(step.as_str()),
                        outcome: None,
                        note: plan_note,
                        recipients: Some(&recipients),
                        subject: Some(&prep.outgoing.subject),
                        message_id: Some(&prep.outgoing.message_id),
                        delivery: Some(Delivery::Pending),
                        deadline: None,
                        message_key: None,
                    },
                    run,
                )?;
                if let Some((plan_id, message, _)) = &prep.plan {
                    store::mark_plan_message(tx, log_id, *plan_id, *message)?;
                }
            }
            Ok(Some(prep))
        });
        let prepared = match prepared {
            Ok(p) => p,
            Err(e) => {
                // Without its `pending` entry a message must not go out.
                stopped = Some((format!("{e:#}"), planned.len() - i));
                break;
            }
        };
        let Some(prep) = prepared else {
            bar.inc(1);
            continue;
        };
        if std::env::var_os(FAULT_ENV).is_some() {
            eprintln!("dun: {FAULT_ENV} is set: stopping after writing pending, as a crash would");
            std::process::abort();
        }
        let delivered = match prep.outgoing.build(SystemTime::now()) {
            Ok(m) => mailer.send(m.envelope(), &m.formatted()),
            Err(e) => Delivered::Failed(format!("{e:#}")),
        };
        let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let mid = &prep.outgoing.message_id;
        let recorded = db.write(|tx| match &delivered {
            Delivered::Sent(_) => store::set_delivery(tx, mid, Delivery::Sent, None, &now),
            Delivered::Failed(reason) => store::set_delivery(tx, mid, Delivery::Failed, Some(reason), &now),
            Delivered::Unknown(reason) => store::note_pending(tx, mid, reason).map(|()| 1),
        });
        let what = describe(&prep);
        match &delivered {
            Delivered::Sent(_) => {
                tally.sent += 1;
                tally.sent_invoices += prep.entries.len();
                tally
                    .went_out
                    .extend(prep.entries.iter().map(|(_, n, _)| n.clone()));
            }
            Delivered::Failed(reason) => tally.failed.push(format!("{what}: {reason}")),
            Delivered::Unknown(reason) => tally.unknown.push(format!("{what}: {reason}")),
        }
        match (&recorded, &delivered) {
            (Err(e), Delivered::Sent(_)) => tally.unrecorded.push(format!(
                "{what} went out, but dun could not record it ({e:#}); it shows as unknown: do not resend it"
            )),
            (Err(e), Delivered::Failed(_)) => tally.unrecorded.push(format!(
                "{what} did not go out, but dun could not record that ({e:#}); it shows as unknown: dun send --resend-unknown sends it"
            )),
            (Ok(0), Delivered::Sent(_) | Delivered::Failed(_)) => tally.unrecorded.push(format!(
                "{what}: its log entry was no longer pending (changed by another dun?)"
            )),
            _ => {}
        }
        if ctx.verbose {
            let word = match delivered {
                Delivered::Sent(_) => "sent",
                Delivered::Failed(_) => "failed",
                Delivered::Unknown(_) => "unknown",
            };
            bar.suspend(|| eprintln!("dun: {word} {what}"));
        }
        bar.inc(1);
    }
    bar.finish_and_clear();
    mailer.quit();
    // A run that cannot record its end (a full disk) counts as gone as soon
    // as its process is: nothing waits on this.
    let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let _ = db.write(|tx| store::end_send_run(tx, run, &now));
    summarize(ctx, &tally, stopped, addresses_ok)
}

/// The end of a run: what went, what did not, what nobody can tell.
fn summarize(
    ctx: &Context,
    tally: &Tally,
    stopped: Option<(String, usize)>,
    addresses_ok: bool,
) -> Result<u8> {
    ctx.say(format!(
        "Sent {} covering {}.",
        words::count(tally.sent, "e-mail"),
        words::count(tally.sent_invoices, "invoice")
    ));
    for f in &tally.failed {
        eprintln!("error: not sent: {f}");
    }
    for u in &tally.unknown {
        eprintln!(
            "error: no answer: {u}; the server may have it, so it stays unknown and dun will not send it again unless you run dun send --resend-unknown"
        );
    }
    for u in &tally.unrecorded {
        eprintln!("error: {u}");
    }
    if !tally.failed.is_empty() {
        eprintln!(
            "error: {} failed; {} logged as failed and the next dun send tries again",
            words::count(tally.failed.len(), "e-mail"),
            if tally.failed.len() == 1 {
                "it is"
            } else {
                "they are"
            }
        );
    }
    if let Some((why, left)) = &stopped {
        let before = if tally.went_out.is_empty() {
            "nothing went out before it stopped".to_string()
        } else {
            format!("these went out before it stopped: {}", tally.went_out.join(", "))
        };
        eprintln!(
            "error: dun stopped sending: it could not record the next message before sending it ({why}); {} {} not tried; {before}",
            words::count(*left, "e-mail"),
            words::word(*left, "was"),
        );
    }
    let clean = tally.failed.is_empty()
        && tally.unknown.is_empty()
        && tally.unrecorded.is_empty()
        && stopped.is_none()
        && addresses_ok;
    Ok(if clean { exit::OK } else { exit::SEND_FAILED })
}

fn progress_bar(ctx: &Context, len: usize) -> indicatif::ProgressBar {
    if ctx.quiet || len < 10 || !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(len as u64);
    if let Ok(style) = indicatif::ProgressStyle::with_template("sending {bar:30} {pos}/{len} e-mails") {
        bar.set_style(style);
    }
    bar
}

pub fn preview(ctx: &Context, args: PreviewArgs) -> Result<u8> {
    let db = ctx.open_store()?;
    let conn = db.conn();
    let inv = require_invoice(conn, &args.number, ctx.today)?;
    let templates = Templates::new(&ctx.config_path);
    let ladder = &ctx.config.ladder;
    // `--step plan` / `--step instalment`: the payment plan's e-mails.
    if let Some(name @ ("plan" | "instalment")) = args.step.as_deref()
        && ladder.index_of(name).is_none()
    {
        let cp = store::current_plan(conn, inv.id)?.ok_or_else(|| {
            anyhow!(
                "invoice {} has no payment plan; dun plan {} agrees one",
                inv.number,
                inv.number
            )
        })?;
        let state = super::plan::state_of(ctx, &cp);
        let message = if name == "plan" {
            PlanMessage::Confirmation
        } else {
            PlanMessage::Reminder(state.next.unwrap_or(cp.plan.instalments.len().saturating_sub(1)))
        };
        let p = Planned {
            client_id: inv.client_id,
            escalate: false,
            invoices: Vec::new(),
            plan_message: Some(PlanMail {
                number: inv.number.clone(),
                plan_id: cp.plan.id,
                message,
            }),
        };
        let prep = prepare(ctx, conn, &p, &templates, Recheck::No)?
            .ok_or_else(|| anyhow!("invoice {} has nothing left to send", inv.number))?;
        return show_preview(ctx, &inv, prep, "a preview of the payment plan's e-mail");
    }
    let explicit = match &args.step {
        Some(s) => Some(ladder.index_of(s).ok_or_else(|| {
            let names: Vec<_> = ladder
                .steps()
                .iter()
                .filter(|s| s.action.is_email())
                .map(|s| s.name.as_str())
                .collect();
            anyhow!(
                "step \"{s}\" is not on the ladder; e-mail steps are: {}",
                names.join(", ")
            )
        })?),
        None => None,
    };
    if let Some(i) = explicit
        && !ladder.steps()[i].action.is_email()
    {
        bail!(
            "step \"{}\" is a {}, not an e-mail; dun letter prints letters",
            ladder.steps()[i].name,
            ladder.steps()[i].action
        );
    }
    // What `dun send` would send today, consolidated with the client's other invoices.
    let planned = if explicit.is_none() {
        plan(ctx, conn, Some(inv.client_id), None)?.0
    } else {
        Vec::new()
    };
    let group = planned.iter().find(|p| {
        p.invoices.iter().any(|(n, _)| *n == inv.number)
            || p.plan_message.as_ref().is_some_and(|m| m.number == inv.number)
    });
    let (prep, note) = match group {
        Some(p) => (
            prepare(ctx, conn, p, &templates, Recheck::Yes)?,
            "due today: dun send sends this",
        ),
        None => {
            let facts = CaseFacts::load(ctx, conn, &inv)?;
            let a = assess(&facts.case(&inv), ladder, &ctx.config.schedule, ctx.today);
            let step = explicit
                .or_else(|| {
                    a.next
                        .map(|n| n.step)
                        .filter(|&i| ladder.steps()[i].action.is_email())
                })
                .or_else(|| ladder.steps().iter().position(|s| s.action.is_email()))
                .ok_or_else(|| anyhow!("the ladder has no e-mail step to preview"))?;
            let escalate = ladder.steps()[step].action == crate::domain::contact::StepAction::Escalate;
            let p = Planned {
                client_id: inv.client_id,
                escalate,
                invoices: vec![(inv.number.clone(), step)],
                plan_message: None,
            };
            (
                prepare(ctx, conn, &p, &templates, Recheck::No)?,
                "not due today: a preview of this step",
            )
        }
    };
    let prep = prep.ok_or_else(|| anyhow!("invoice {} has nothing left to send", inv.number))?;
    show_preview(ctx, &inv, prep, note)
}

/// Prints a prepared message as `dun preview` shows it.
fn show_preview(ctx: &Context, inv: &store::InvoiceRow, prep: Prepared, note: &str) -> Result<u8> {
    if prep.outgoing.to.is_empty() {
        bail!(
            "client {} has no e-mail address; add one with dun client edit {} --email ADDRESS",
            inv.client_handle,
            inv.client_handle
        );
    }
    let unset: Vec<&str> = [
        ("name", ctx.config.sender.name.trim().is_empty()),
        ("email", ctx.config.sender.email.is_none()),
    ]
    .into_iter()
    .filter_map(|(key, unset)| unset.then_some(key))
    .collect();
    match unset.as_slice() {
        [] => {}
        [one] => eprintln!(
            "note: [sender] {one} is not set in the config file; dun send needs it (reminders go out in your name, from your address)"
        ),
        _ => eprintln!(
            "note: [sender] name and email are not set in the config file; dun send needs both (reminders go out in your name, from your address)"
        ),
    }
    let o = &prep.outgoing;
    if !ctx.quiet {
        // A message about thousands of invoices names the first few.
        let mut steps: Vec<String> = prep
            .entries
            .iter()
            .take(10)
            .map(|(_, n, s)| format!("{n} {s}"))
            .collect();
        if prep.entries.len() > 10 {
            steps.push(format!("and {} more", prep.entries.len() - 10));
        }
        eprintln!("({note}: {})", steps.join(", "));
    }
    let mut out = std::io::stdout().lock();
    if ctx.verbose {
        // The message exactly as it goes on the wire, encodings and all.
        out.write_all(&o.build(SystemTime::now())?.formatted())?;
        return Ok(exit::OK);
    }
    o.build(SystemTime::now())?; // the same checks a real send makes
    let mailbox = |name: &str, addr: &str| {
        if name.is_empty() {
            addr.to_string()
        } else {
            format!("{name} <{addr}>")
        }
    };
    writeln!(out, "From: {}", mailbox(&o.from_name, &o.from_email))?;
    let to: Vec<String> = o.to.iter().map(|(n, a)| mailbox(n, a)).collect();
    writeln!(out, "To: {}", to.join(", "))?;
    if let Some(r) = &o.reply_to {
        writeln!(out, "Reply-To: {r}")?;
    }
    writeln!(out, "Subject: {}", o.subject)?;
    if let Some(last) = o.references.last() {
        writeln!(out, "In-Reply-To: {last}")?;
    }
    writeln!(out, "Auto-Submitted: auto-generated")?;
    writeln!(
        out,
        "(Date and Message-ID are set when it is sent; -v shows the raw message)"
    )?;
    writeln!(out)?;
    out.write_all(o.body.as_bytes())?;
    Ok(exit::OK)
}

pub fn smtp_test(ctx: &Context) -> Result<u8> {
    let cfg = ctx.config.smtp.as_ref().ok_or_else(|| {
        anyhow!(
            "there is no [smtp] section in {}; add one (dun init writes a commented one)",
            ctx.config_path.display()
        )
    })?;
    let mut mailer = Mailer::new(cfg, ctx.verbose)?;
    mailer.connect()?;
    mailer.quit();
    let auth = match &cfg.username {
        Some(u) => format!(", logged in as {u}"),
        None => ", no login configured".to_string(),
    };
    ctx.say(format!(
        "connected to {}:{} ({:?}){auth}; nothing was sent",
        cfg.host,
        smtp::port(cfg),
        cfg.security
    ));
    Ok(exit::OK)
}
