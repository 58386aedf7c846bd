//! `dun client add | list | show | edit | remove`.

use std::collections::BTreeMap;
use std::io::Write;

use anyhow::{Result, anyhow, bail};
use serde::Serialize;

use super::invoice::Failed;
use super::{human, non_empty, plain, require_client};
use crate::cli::{ClientCommand, Format, PartyArgs};
use crate::context::Context;
use crate::domain::dates::days_between;
use crate::domain::party::{check_address, check_country, check_org_number};
use crate::domain::status::status;
use crate::domain::text::{
    check_email, check_handle, check_language, check_line, check_mailbox, check_note, check_phone,
    handle_from_name, mailbox_parts,
};
use crate::domain::totals::{Totals, grouped};
use crate::exit;
use crate::import::Field;
use crate::report::table::{Column, List, Table, TableRow};
use crate::report::words::count;
use crate::store::{self, EscalationContact, NewClient, Party};

pub fn run(ctx: &Context, cmd: ClientCommand) -> Result<u8> {
    match cmd {
        ClientCommand::Add {
            name,
            handle,
            emails,
            phone,
            lang,
            contacts,
            roles,
            notes,
            party,
        } => {
            let party = party_for_add(party)?;
            add(
                ctx, &name, handle, &emails, phone, lang, &contacts, &roles, notes, party,
            )
        }
        ClientCommand::List => list(ctx),
        ClientCommand::Show { handle } => show(ctx, &handle),
        ClientCommand::Edit {
            handle,
            new_handle,
            name,
            emails,
            phone,
            lang,
            contacts,
            roles,
            remove_contacts,
            notes,
            party,
            business,
        } => edit(
            ctx,
            &handle,
            Edits {
                new_handle,
                name,
                emails,
                phone,
                lang,
                contacts,
                roles,
                remove_contacts,
                notes,
                party: PartyEdit::from_args(party, business)?,
            },
        ),
        ClientCommand::Remove { handle } => remove(ctx, &handle),
    }
}

pub(crate) fn check_emails(emails: &[String]) -> Result<Vec<String>> {
    let mut out = Vec::new();
    for e in emails {
        let e = check_mailbox(e).map_err(|m| anyhow!(m))?;
        if !out
            .iter()
            .any(|o: &String| mailbox_parts(o).1 == mailbox_parts(&e).1)
        {
            out.push(e);
        }
    }
    Ok(out)
}

/// Parses `--contact "Name <e-mail> phone"` paired with `--role` by position.
fn parse_contacts(contacts: &[String], roles: &[String]) -> Result<Vec<EscalationContact>> {
    if roles.len() > contacts.len() {
        bail!(
            "--role \"{}\" has no --contact to go with; give --contact \"Name <e-mail>\" before it",
            roles[contacts.len()]
        );
    }
    contacts
        .iter()
        .enumerate()
        .map(|(i, text)| {
            let (name, email, phone) = match (text.find('<'), text.find('>')) {
                (Some(l), Some(r)) if l < r => (
                    text[..l].trim(),
                    Some(check_email(&text[l + 1..r]).map_err(|m| anyhow!("--contact \"{text}\": {m}"))?),
                    non_empty(Some(text[r + 1..].to_string())),
                ),
                (None, None) => (text.trim(), None, None),
                _ => bail!(
                    "--contact \"{text}\" is not valid; write it like \"Erik Berg <erik@acme.example>\""
                ),
            };
            let name = check_line("contact name", name).map_err(|m| anyhow!("--contact \"{text}\": {m}"))?;
            let phone = phone
                .map(|p| check_phone(&p))
                .transpose()
                .map_err(|m| anyhow!("--contact \"{text}\": {m}"))?;
            let role = roles
                .get(i)
                .map(|r| check_line("role", r))
                .transpose()
                .map_err(|m| anyhow!(m))?;
            Ok(EscalationContact {
                name,
                role,
                email,
                phone,
            })
        })
        .collect()
}

#[allow(clippy::too_many_arguments)]
/// The party details of a new client, checked; empty values mean none.
fn party_for_add(a: PartyArgs) -> Result<Party> {
    let e = PartyEdit::from_args(a, false)?;
    Ok(Party {
        address: e.address.flatten(),
        org_number: e.org_number.flatten(),
        country: e.country.flatten(),
        consumer: e.consumer.unwrap_or(false),
    })
}

/// Changes to a client's party details: `Some(None)` clears a field.
#[derive(Default)]
struct PartyEdit {
    address: Option<Option<String>>,
    org_number: Option<Option<String>>,
    country: Option<Option<String>>,
    consumer: Option<bool>,
}

impl PartyEdit {
    fn from_args(a: PartyArgs, business: bool) -> Result<PartyEdit> {
        fn clearable(
            value: Option<String>,
            check: impl Fn(&str) -> Result<String, String>,
        ) -> Result<Option<Option<String>>> {
            value
                .map(|v| {
                    if v.trim().is_empty() {
                        Ok(None)
                    } else {
                        check(&v).map(Some)
                    }
                })
                .transpose()
                .map_err(|m| anyhow!(m))
        }
        Ok(PartyEdit {
            address: clearable(a.address, check_address)?,
            org_number: clearable(a.org_number, |v| check_org_number("company number", v))?,
            country: clearable(a.country, check_country)?,
            consumer: match (a.consumer, business) {
                (true, _) => Some(true),
                (false, true) => Some(false),
                (false, false) => None,
            },
        })
    }

    fn is_empty(&self) -> bool {
        self.address.is_none()
            && self.org_number.is_none()
            && self.country.is_none()
            && self.consumer.is_none()
    }

    fn apply(self, p: &mut Party) {
        if let Some(v) = self.address {
            p.address = v;
        }
        if let Some(v) = self.org_number {
            p.org_number = v;
        }
        if let Some(v) = self.country {
            p.country = v;
        }
        if let Some(v) = self.consumer {
            p.consumer = v;
        }
    }
}

/// A client's facts as typed (by `client add` or a row of `dun import`),
/// before checking.
pub(crate) struct ClientDraft<'a> {
    pub name: &'a str,
    pub emails: &'a [String],
    pub phone: Option<String>,
    pub lang: Option<String>,
    pub notes: Option<String>,
}

/// A client's facts, checked as `client add` checks them.
pub(crate) struct CheckedClient {
    pub name: String,
    pub emails: Vec<String>,
    pub phone: Option<String>,
    /// `None`: the config's language.
    pub lang: Option<String>,
    pub notes: Option<String>,
}

/// Checks a client's name, e-mail addresses, phone, language and notes;
/// empty optional text is none. The error names the fact it failed on
/// (notes have no column in `dun import`: the name's is used).
pub(crate) fn check_client(d: ClientDraft) -> Result<CheckedClient, Failed> {
    let text = |field: Field| {
        move |m: String| Failed {
            field,
            error: anyhow!(m),
        }
    };
    Ok(CheckedClient {
        name: check_line("client name", d.name).map_err(text(Field::ClientName))?,
        emails: check_emails(d.emails).map_err(|e| Failed {
            field: Field::Email,
            error: e,
        })?,
        phone: non_empty(d.phone)
            .map(|p| check_phone(&p))
            .transpose()
            .map_err(text(Field::Phone))?,
        lang: non_empty(d.lang)
            .map(|l| check_language(&l))
            .transpose()
            .map_err(text(Field::Lang))?,
        notes: non_empty(d.notes)
            .map(|n| check_note("notes", &n))
            .transpose()
            .map_err(text(Field::ClientName))?,
    })
}

/// The handle a new client gets from its name when none is given:
/// `Acme AB` → `acme-ab`, then `acme-ab-2`, `acme-ab-3` … while `taken`.
pub(crate) fn derive_handle(name: &str, mut taken: impl FnMut(&str) -> Result<bool>) -> Result<String> {
    let base = handle_from_name(name);
    let mut h = base.clone();
    let mut n = 1;
    while taken(&h)? {
        n += 1;
        h = format!("{base}-{n}");
    }
    Ok(h)
}

/// An existing client with this name (case ignored) and one of these
/// e-mail addresses: the same client typed twice.
pub(crate) fn same_client<'a>(
    clients: &'a [store::ClientRow],
    name: &str,
    emails: &[String],
) -> Option<&'a store::ClientRow> {
    let name = name.trim().to_lowercase();
    clients.iter().find(|c| {
        c.name.trim().to_lowercase() == name
            && emails
                .iter()
                .any(|e| c.emails.iter().any(|m| m.eq_ignore_ascii_case(e)))
    })
}

#[allow(clippy::too_many_arguments)]
fn add(
    ctx: &Context,
    name: &str,
    handle: Option<String>,
    emails: &[String],
    phone: Option<String>,
    lang: Option<String>,
    contacts: &[String],
    roles: &[String],
    notes: Option<String>,
    party: Party,
) -> Result<u8> {
    let c = check_client(ClientDraft {
        name,
        emails,
        phone,
        lang,
        notes,
    })
    .map_err(|f| f.error)?;
    let handle = handle
        .map(|h| check_handle(&h))
        .transpose()
        .map_err(|m| anyhow!(m))?;
    let lang = c.lang.clone().unwrap_or_else(|| ctx.config.language.clone());
    let contacts = parse_contacts(contacts, roles)?;

    let mut db = ctx.open_store()?;
    let (handle, namesakes) = db.write(|tx| {
        let existing = store::all_clients(tx)?;
        let given = handle.is_some();
        let handle = match handle {
            Some(h) => {
                if store::handle_taken(tx, &h)? {
                    bail!("handle \"{h}\" is taken by another client; choose another with --handle");
                }
                h
            }
            None => {
                // The same name and an e-mail address of a client already here:
                // a second `client add` of the same client, not a new one.
                if let Some(same) = same_client(&existing, &c.name, &c.emails) {
                    bail!(
                        "client {} is already here as `{}` with that e-mail address; to add a second client of that name, give it a handle with --handle",
                        same.name,
                        same.handle
                    );
                }
                derive_handle(&c.name, |h| store::handle_taken(tx, h))?
            }
        };
        let lower = c.name.to_lowercase();
        let namesakes: Vec<String> = existing
            .iter()
            .filter(|e| !given && e.name.trim().to_lowercase() == lower)
            .map(|e| format!("`{}`", e.handle))
            .collect();
        let id = store::insert_client(
            tx,
            &NewClient {
                handle: &handle,
                name: &c.name,
                emails: &c.emails,
                phone: c.phone.as_deref(),
                lang: &lang,
                notes: c.notes.as_deref(),
                party: &party,
                now: &ctx.now,
            },
        )?;
        for contact in &contacts {
            store::add_escalation_contact(tx, id, contact)?;
        }
        Ok((handle, namesakes))
    })?;
    ctx.say(&handle);
    if !namesakes.is_empty() && !ctx.quiet {
        eprintln!(
            "note: a client named {} is already here as {}; this one is `{handle}` (dun client remove {handle} if it is the same)",
            c.name,
            namesakes.join(" and ")
        );
    }
    if c.emails.is_empty() && !ctx.quiet {
        eprintln!(
            "note: {handle} has no e-mail address, so dun cannot send it reminders; add one with dun client edit {handle} --email ADDRESS"
        );
    }
    Ok(exit::OK)
}

/// One row per client and currency of its open invoices (one row with no
/// currency for a client with none), so that a spreadsheet can add the
/// balances up.
#[derive(Serialize)]
struct ClientListRow {
    handle: String,
    name: String,
    email: String,
    phone: String,
    lang: String,
    open_invoices: i64,
    currency: Option<String>,
    balance: Option<String>,
    #[serde(skip)]
    minor: i128,
    /// Not the client's first row: a table leaves its details blank.
    #[serde(skip)]
    more: bool,
}

impl TableRow for ClientListRow {
    const COLUMNS: &'static [Column] = &[
        Column::text("handle", 0),
        Column::text("name", 1).cut(14),
        Column::text("email", 4).cut(16),
        Column::text("phone", 5).cut(12),
        Column::text("lang", 6),
        Column::number("open invoices", 3),
        Column::text("currency", 0),
        Column::number("balance", 0),
    ];

    fn cells(&self) -> Vec<String> {
        let detail = |s: &str| if self.more { String::new() } else { s.to_string() };
        let code = self.currency.clone().unwrap_or_default();
        vec![
            detail(&self.handle),
            detail(&self.name),
            detail(&self.email),
            detail(&self.phone),
            detail(&self.lang),
            if self.currency.is_some() {
                self.open_invoices.to_string()
            } else {
                String::new()
            },
            code.clone(),
            if self.currency.is_some() {
                grouped(self.minor, &code)
            } else {
                String::new()
            },
        ]
    }
}

fn list(ctx: &Context) -> Result<u8> {
    let db = ctx.open_store()?;
    let clients = store::all_clients(db.conn())?;
    let mut balances: BTreeMap<i64, Vec<(String, i64, i128)>> = BTreeMap::new();
    for (client, currency, count, sum) in store::open_balances(db.conn())? {
        balances.entry(client).or_default().push((currency, count, sum));
    }
    let mut out = std::io::stdout().lock();
    let mut list = List::new(&mut out, ctx.format, ctx.screen());
    let mut totals = Totals::new();
    let mut counts: BTreeMap<String, i64> = BTreeMap::new();
    for c in &clients {
        let b = balances.get(&c.id).map(Vec::as_slice).unwrap_or(&[]);
        let row = |currency: Option<&str>, open_invoices: i64, minor: i128, more: bool| ClientListRow {
            handle: c.handle.clone(),
            name: c.name.clone(),
            email: c.emails.join(", "),
            phone: c.phone.clone().unwrap_or_default(),
            lang: c.lang.clone(),
            open_invoices,
            currency: currency.map(str::to_string),
            balance: currency.map(|cur| plain(minor, cur)),
            minor,
            more,
        };
        if b.is_empty() {
            list.row(&row(None, 0, 0, false))?;
        }
        for (n, (cur, count, sum)) in b.iter().enumerate() {
            totals.add(cur, *sum).map_err(|e| anyhow!(e))?;
            *counts.entry(cur.clone()).or_default() += count;
            list.row(&row(Some(cur), *count, *sum, n > 0))?;
        }
    }
    for (n, (cur, sum)) in totals.iter().enumerate() {
        list.total(vec![
            if n == 0 { "total".into() } else { String::new() },
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            counts.get(cur).copied().unwrap_or(0).to_string(),
            cur.to_string(),
            grouped(sum, cur),
        ]);
    }
    let n = list.finish(&[
        "handle",
        "name",
        "email",
        "phone",
        "lang",
        "open_invoices",
        "currency",
        "balance",
    ])?;
    if n == 0 && ctx.format == Format::Table {
        ctx.hint("no clients yet; add one with dun client add \"Acme AB\" --email ap@acme.example");
    }
    Ok(exit::OK)
}

#[derive(Serialize)]
struct Statement {
    handle: String,
    name: String,
    emails: Vec<String>,
    phone: Option<String>,
    lang: String,
    notes: Option<String>,
    /// Address lines, company number, country, consumer.
    #[serde(flatten)]
    party: Party,
    escalation_contacts: Vec<EscalationContact>,
    email_bounced: bool,
    invoices: Vec<StatementInvoice>,
    outstanding: Vec<Outstanding>,
    /// Newest first.
    payments: Vec<StatementPayment>,
    /// Mean days late over the invoices paid in full (domain::summary).
    avg_days_late: Option<i64>,
    contacts: Vec<StatementContact>,
}

#[derive(Serialize)]
struct StatementPayment {
    date: String,
    invoice: String,
    currency: String,
    amount: String,
    method: Option<String>,
    note: Option<String>,
    /// Days after the invoice's due date the money arrived; 0 in time.
    days_late: i64,
    #[serde(skip)]
    minor: i64,
}

#[derive(Serialize)]
struct StatementInvoice {
    number: String,
    issued: String,
    due: String,
    status: String,
    currency: String,
    amount: String,
    paid: String,
    balance: String,
    #[serde(skip)]
    days_overdue: i64,
    #[serde(skip)]
    minor: [i64; 3],
}

#[derive(Serialize)]
struct Outstanding {
    currency: String,
    balance: String,
}

#[derive(Serialize)]
struct StatementContact {
    date: String,
    invoice: String,
    channel: String,
    direction: String,
    step: Option<String>,
    outcome: Option<String>,
    /// E-mails dun sent: `sent`, `failed (reason)`, `unknown`, or a failed
    /// try and its retry together.
    delivery: Option<String>,
    note: Option<String>,
}

fn show(ctx: &Context, handle: &str) -> Result<u8> {
    super::refuse_csv(ctx, "client show")?;
    let db = ctx.open_store()?;
    let conn = db.conn();
    let c = require_client(conn, handle)?;
    let contacts = store::escalation_contacts(conn, c.id)?;
    let invoices = store::list_invoices(conn, Some(c.id), ctx.today)?;
    let log = store::client_log(conn, c.id, 50)?;
    let bounced = store::client_bounced(conn, &c)?;
    let planned = super::plan::held_by_plans(ctx, conn)?;
    let payments = store::client_payments(conn, c.id)?;
    let history = store::paid_history(conn, Some(c.id))?;

    let mut outstanding: BTreeMap<String, i128> = BTreeMap::new();
    let rows: Vec<StatementInvoice> = invoices
        .iter()
        .map(|i| {
            let held = i.held || planned.contains(&i.id);
            let st = status(i.closed.as_deref(), i.balance(), held, i.due, ctx.today);
            if st.is_outstanding() {
                *outstanding.entry(i.currency.clone()).or_default() += i128::from(i.balance());
            }
            let balance = if st.is_outstanding() { i.balance() } else { 0 };
            let days_overdue = if st.is_outstanding() {
                days_between(i.due, ctx.today).max(0)
            } else {
                0
            };
            StatementInvoice {
                days_overdue,
                minor: [i.amount, i.paid, balance],
                number: i.number.clone(),
                issued: i.issued.to_string(),
                due: i.due.to_string(),
                status: st.as_str().to_string(),
                currency: i.currency.clone(),
                amount: plain(i.amount, &i.currency),
                paid: plain(i.paid, &i.currency),
                balance: plain(balance, &i.currency),
            }
        })
        .collect();
    let statement = Statement {
        handle: c.handle.clone(),
        name: c.name.clone(),
        emails: c.emails.clone(),
        phone: c.phone.clone(),
        lang: c.lang.clone(),
        notes: c.notes.clone(),
        party: c.party.clone(),
        escalation_contacts: contacts,
        email_bounced: bounced,
        outstanding: outstanding
            .iter()
            .map(|(cur, sum)| Outstanding {
                currency: cur.clone(),
                balance: plain(*sum, cur),
            })
            .collect(),
        invoices: rows,
        payments: payments
            .iter()
            .map(|p| StatementPayment {
                date: p.paid_on.to_string(),
                invoice: p.invoice.clone(),
                currency: p.currency.clone(),
                amount: plain(p.amount, &p.currency),
                method: p.method.clone(),
                note: p.note.clone(),
                days_late: days_between(p.due, p.paid_on).max(0),
                minor: p.amount,
            })
            .collect(),
        avg_days_late: history.get(&c.id).and_then(|h| h.average()),
        contacts: {
            // Oldest first to fold a failed e-mail into its retry, then newest first again.
            let keyed: Vec<(&str, &store::LogRow)> = log.iter().rev().map(|(n, l)| (n.as_str(), l)).collect();
            let numbers: BTreeMap<i64, &str> = keyed.iter().map(|(n, l)| (l.id, *n)).collect();
            let mut folded = super::fold_retries(&keyed);
            folded.sort_by_key(|a| std::cmp::Reverse((a.entry.on, a.entry.id)));
            folded
                .iter()
                .map(|a| {
                    let l = a.entry;
                    StatementContact {
                        date: l.on.to_string(),
                        invoice: numbers.get(&l.id).copied().unwrap_or_default().to_string(),
                        channel: l.channel.as_str().into(),
                        direction: if l.inbound { "in" } else { "out" }.into(),
                        step: l.step.clone(),
                        outcome: l.outcome.map(|o| o.as_str().into()),
                        delivery: a.delivery_words(),
                        note: l.note.clone(),
                    }
                })
                .collect()
        },
    };
    let mut out = std::io::stdout().lock();
    if ctx.format != Format::Table {
        serde_json::to_writer_pretty(&mut out, &statement)?;
        writeln!(out)?;
        return Ok(exit::OK);
    }
    let s = &statement;
    writeln!(out, "{} ({})", ctx.bold(&s.name), s.handle)?;
    let email = if s.emails.is_empty() {
        "none".to_string()
    } else {
        s.emails.join(", ")
    };
    writeln!(
        out,
        "  e-mail    {email}{}",
        if s.email_bounced {
            "  (bounced: change it with dun client edit)"
        } else {
            ""
        }
    )?;
    writeln!(out, "  phone     {}", s.phone.as_deref().unwrap_or("none"))?;
    writeln!(out, "  language  {}", s.lang)?;
    let mut lines = s.party.address_lines().into_iter();
    if let Some(first) = lines.next() {
        writeln!(out, "  address   {first}")?;
        for l in lines {
            writeln!(out, "            {l}")?;
        }
    }
    if let Some(n) = &s.party.org_number {
        writeln!(out, "  company   {n}")?;
    }
    let country = match (&s.party.country, &ctx.config.country) {
        (Some(c), _) => c.clone(),
        (None, Some(d)) => format!("{d} (from [defaults] country)"),
        (None, None) => "none given (no country's law applies)".into(),
    };
    let kind = if s.party.consumer { "consumer" } else { "business" };
    writeln!(out, "  law       {country}, {kind}")?;
    for e in &s.escalation_contacts {
        let mut line = format!("  contact   {}", e.name);
        if let Some(r) = &e.role {
            line.push_str(&format!(", {r}"));
        }
        if let Some(m) = &e.email {
            line.push_str(&format!(" <{m}>"));
        }
        if let Some(p) = &e.phone {
            line.push_str(&format!(" {p}"));
        }
        writeln!(out, "{line}")?;
    }
    if let Some(n) = &s.notes {
        writeln!(out, "  notes     {n}")?;
    }
    writeln!(out)?;
    if s.invoices.is_empty() {
        writeln!(out, "No invoices yet.")?;
    } else {
        writeln!(out, "{}", ctx.bold("Invoices"))?;
        invoice_table(&s.invoices).write_to(&mut out, ctx.screen())?;
        let owed: Vec<String> = outstanding.iter().map(|(cur, sum)| human(*sum, cur)).collect();
        writeln!(
            out,
            "\nOutstanding: {}",
            if owed.is_empty() {
                "nothing".to_string()
            } else {
                owed.join(", ")
            }
        )?;
    }
    if !s.payments.is_empty() {
        writeln!(out, "\n{}", ctx.bold("Payments (newest first)"))?;
        payment_table(&s.payments).write_to(&mut out, ctx.screen())?;
        let paid = history.get(&c.id).copied().unwrap_or_default();
        if let Some(avg) = s.avg_days_late {
            let habit = if avg == 0 {
                "on time".to_string()
            } else {
                format!("{} late", count(avg, "day"))
            };
            writeln!(
                out,
                "\nPays {habit} on average, over {} paid in full",
                count(paid.invoices, "invoice")
            )?;
        }
    }
    if !s.contacts.is_empty() {
        writeln!(out, "\n{}", ctx.bold("Contact history (newest first)"))?;
        for l in &s.contacts {
            let mut line = format!(
                "  {}  {}  {} {}",
                l.date,
                l.invoice,
                l.channel,
                if l.direction == "in" {
                    "from client"
                } else {
                    "to client"
                }
            );
            if let Some(st) = &l.step {
                line.push_str(&format!(" [{st}]"));
            }
            // A plain "sent" is what an e-mail here is; say only what is not.
            if let Some(d) = l.delivery.as_ref().filter(|d| *d != "sent") {
                line.push_str(&format!(" · {d}"));
            }
            if let Some(o) = &l.outcome {
                line.push_str(&format!(" · {o}"));
            }
            if let Some(n) = &l.note {
                line.push_str(&format!(" · {}", n.replace('\n', " ")));
            }
            // A long entry wraps under the date's end, inside the terminal.
            writeln!(
                out,
                "{}",
                crate::report::words::wrap(&line, ctx.width, &" ".repeat(14))
            )?;
        }
    }
    Ok(exit::OK)
}

/// The statement's invoices, with their totals per currency.
fn invoice_table(invoices: &[StatementInvoice]) -> Table {
    let mut t = Table::new(&[
        Column::text("number", 0),
        Column::text("issued", 5),
        Column::text("due", 2),
        Column::text("status", 1),
        Column::number("days late", 2),
        Column::text("currency", 0),
        Column::number("amount", 4),
        Column::number("paid", 3),
        Column::number("balance", 0),
    ]);
    let mut sums = [Totals::new(), Totals::new(), Totals::new()];
    for i in invoices {
        let [amount, paid, balance] = i.minor.map(|m| grouped(i128::from(m), &i.currency));
        for (t, m) in sums.iter_mut().zip(i.minor) {
            // A client's few invoices cannot pass i128; a failure shows no total.
            let _ = t.add(&i.currency, m);
        }
        t.push(vec![
            i.number.clone(),
            i.issued.clone(),
            i.due.clone(),
            i.status.clone(),
            crate::commands::invoice::days_cell(i.days_overdue),
            i.currency.clone(),
            amount,
            paid,
            balance,
        ]);
    }
    for (n, (code, amount)) in sums[0].iter().enumerate() {
        t.push_total(vec![
            if n == 0 { "total".into() } else { String::new() },
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            code.to_string(),
            grouped(amount, code),
            grouped(sums[1].get(code), code),
            grouped(sums[2].get(code), code),
        ]);
    }
    t
}

/// The statement's payments: when, on which invoice, how, and how late.
fn payment_table(payments: &[StatementPayment]) -> Table {
    let mut t = Table::new(&[
        Column::text("date", 0),
        Column::text("invoice", 0),
        Column::text("currency", 0),
        Column::number("amount", 0),
        Column::text("method", 2).cut(8).optional(),
        Column::number("days late", 1),
        Column::text("note", 3).cut(10).optional(),
    ]);
    for p in payments {
        t.push(vec![
            p.date.clone(),
            p.invoice.clone(),
            p.currency.clone(),
            grouped(i128::from(p.minor), &p.currency),
            p.method.clone().unwrap_or_default(),
            if p.days_late > 0 {
                p.days_late.to_string()
            } else {
                "in time".into()
            },
            p.note.as_deref().unwrap_or("").replace('\n', " "),
        ]);
    }
    t
}

struct Edits {
    new_handle: Option<String>,
    name: Option<String>,
    emails: Vec<String>,
    phone: Option<String>,
    lang: Option<String>,
    contacts: Vec<String>,
    roles: Vec<String>,
    remove_contacts: Vec<String>,
    notes: Option<String>,
    party: PartyEdit,
}

fn edit(ctx: &Context, handle: &str, e: Edits) -> Result<u8> {
    let new_handle = e
        .new_handle
        .map(|h| check_handle(&h))
        .transpose()
        .map_err(|m| anyhow!(m))?;
    let name = e
        .name
        .map(|n| check_line("client name", &n))
        .transpose()
        .map_err(|m| anyhow!(m))?;
    let emails = check_emails(&e.emails)?;
    let phone = e
        .phone
        .map(|p| {
            if p.trim().is_empty() {
                Ok(None)
            } else {
                check_phone(&p).map(Some)
            }
        })
        .transpose()
        .map_err(|m| anyhow!(m))?;
    let lang = e
        .lang
        .map(|l| check_language(&l))
        .transpose()
        .map_err(|m| anyhow!(m))?;
    let notes = e
        .notes
        .map(|n| check_note("notes", &n))
        .transpose()
        .map_err(|m| anyhow!(m))?;
    let contacts = parse_contacts(&e.contacts, &e.roles)?;
    let nothing = new_handle.is_none()
        && name.is_none()
        && emails.is_empty()
        && phone.is_none()
        && lang.is_none()
        && notes.is_none()
        && contacts.is_empty()
        && e.remove_contacts.is_empty()
        && e.party.is_empty();
    if nothing {
        bail!(
            "nothing to change; give --handle, --name, --email, --phone, --lang, --notes, --contact, --remove-contact, --address, --org-number, --country, --consumer or --business"
        );
    }
    let party = e.party;
    let mut db = ctx.open_store()?;
    let mut changed_email = false;
    let (old, now) = db.write(|tx| {
        let mut c = require_client(tx, handle)?;
        let old = c.handle.clone();
        if let Some(h) = &new_handle
            && *h != c.handle
        {
            if store::handle_taken(tx, h)? {
                bail!("handle \"{h}\" is taken by another client; choose another");
            }
            c.handle = h.clone();
        }
        if let Some(n) = name {
            c.name = n;
        }
        if !emails.is_empty() {
            changed_email = emails != c.emails || store::client_bounced(tx, &c)?;
            c.emails = emails;
            // New addresses: a bounce logged before now no longer stops e-mail.
            c.email_mark = store::log_high_water(tx)?;
        }
        if let Some(p) = phone {
            c.phone = p;
        }
        if let Some(l) = lang {
            c.lang = l;
        }
        if let Some(n) = notes {
            c.notes = Some(n).filter(|n| !n.is_empty());
        }
        party.apply(&mut c.party);
        store::update_client(tx, &c)?;
        for name in &e.remove_contacts {
            if store::remove_escalation_contact(tx, c.id, name.trim())? == 0 {
                bail!(
                    "{} has no escalation contact named \"{name}\" (dun client show {} lists them)",
                    c.handle,
                    c.handle
                );
            }
        }
        for contact in &contacts {
            store::add_escalation_contact(tx, c.id, contact)?;
        }
        Ok((old, c.handle))
    })?;
    if old == now {
        ctx.say(format!("updated {now}"));
    } else {
        ctx.say(format!("updated {old}; its handle is now {now}"));
    }
    if changed_email {
        ctx.say("e-mail reminders to the new address(es) resume with the next step due");
    }
    Ok(exit::OK)
}

fn remove(ctx: &Context, handle: &str) -> Result<u8> {
    let mut db = ctx.open_store()?;
    let removed = db.write(|tx| {
        let c = require_client(tx, handle)?;
        let n = store::count_client_invoices(tx, c.id)?;
        if n > 0 {
            bail!(
                "client {} has {}, and dun keeps their record; void or write off {} instead of removing the client",
                c.handle,
                count(n, "invoice"),
                if n == 1 { "it" } else { "the invoices" }
            );
        }
        store::delete_client(tx, c.id)?;
        Ok(c.handle)
    })?;
    ctx.say(format!("removed {removed}"));
    Ok(exit::OK)
}
