//! `dun import FILE [--dry-run] [--update] [--step S]` (SPEC.md §14).
//!
//! Four phases, each its own function: read the file (src/import), check
//! every row with the checks `client add`, `invoice add` and `pay` make,
//! match the rows against dun's clients and invoices (found, new, the same,
//! different), then write all of it in one transaction through the store's
//! own insert and update functions. Any problem anywhere: nothing is
//! written, and the error names the file, the row and the column.

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;

use anyhow::{Context as _, Result, anyhow};
use chrono::NaiveDate;

use super::client::{ClientDraft, check_client, derive_handle};
use super::invoice::{CheckedInvoice, InvoiceChanges, InvoiceDraft, apply_changes, check_invoice};
use super::money::{PayTarget, check_payment, record_payment, require_open};
use super::{currency, human, non_empty, require_step};
use crate::cli::ImportArgs;
use crate::context::Context;
use crate::domain::dates::add_days;
use crate::domain::money::{Currency, format_plain, parse_amount, parse_amount_lenient};
use crate::domain::party::{check_address, check_consumer, check_country, check_org_number};
use crate::domain::text::check_handle;
use crate::exit;
use crate::import::{self, Field, Problem, Row, Sheet};
use crate::report::table::{Column, Table};
use crate::store::{self, ClientRow, InvoiceRow, NewClient, NewInvoice, Party, PaymentRow};

pub fn import(ctx: &Context, args: ImportArgs) -> Result<u8> {
    let file = args.file.display().to_string();
    let bytes = std::fs::read(&args.file).with_context(|| format!("cannot read {file}"))?;
    let step = non_empty(args.step)
        .map(|s| require_step(&ctx.config.ladder, s))
        .transpose()
        .context("--step")?;
    let sheet = import::read(&bytes).map_err(|p| refusal(&file, p))?;
    let (rows, mut problems) = check_rows(ctx, &sheet, step.as_deref());

    let mut db = ctx.open_store()?;
    let clients = store::all_clients(db.conn())?;
    let numbers: Vec<&str> = rows.iter().map(|r| r.invoice.number.as_str()).collect();
    let existing = store::invoices_by_numbers(db.conn(), &numbers, ctx.today)?;
    let plan = match_rows(&sheet, &rows, &clients, existing, args.update, &mut problems)?;
    if !problems.is_empty() {
        return Err(refusal(&file, problems));
    }

    let name = Path::new(&args.file)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| file.clone());
    let mut out = std::io::stdout().lock();
    let say = !ctx.quiet;
    if say {
        writeln!(
            out,
            "read {file}: {}\n{}",
            count(rows.len(), "invoice", "invoices"),
            wrap(&format!("  {}", sheet.conventions.describe()), "  ")
        )?;
    }
    if plan.is_empty() {
        if say {
            writeln!(
                out,
                "{}",
                wrap(
                    &format!(
                        "nothing to add or change: every invoice of the file is in dun already, the same ({} skipped); nothing written",
                        plan.skipped.len()
                    ),
                    ""
                )
            )?;
        }
        return Ok(exit::OK);
    }
    if args.dry_run {
        // Every check the write makes, then rolled back.
        db.trial(|tx| write(tx, ctx, &plan, &clients, &name))?;
        if say {
            describe(&mut out, ctx, &plan, &clients)?;
            writeln!(
                out,
                "dry run: nothing written ({})",
                plan.totals("to add", "to change", "to skip")
            )?;
        }
        return Ok(exit::OK);
    }
    db.write(|tx| write(tx, ctx, &plan, &clients, &name))?;
    if say {
        summarise(&mut out, ctx, &plan, &clients)?;
    }
    Ok(exit::OK)
}

/// The one-line error for a refused file: the first problem in full, and
/// how many more there are and where.
fn refusal(file: &str, mut problems: Vec<Problem>) -> anyhow::Error {
    problems.sort_by_key(|p| p.row);
    let first = problems.first().map(Problem::describe).unwrap_or_default();
    let more = problems.len().saturating_sub(1);
    if more == 0 {
        return anyhow!("{file} {first}; nothing was imported");
    }
    let mut rows: Vec<usize> = problems[1..].iter().map(|p| p.row).collect();
    rows.dedup();
    let shown: Vec<String> = rows.iter().take(10).map(usize::to_string).collect();
    let tail = if rows.len() > 10 { ", …" } else { "" };
    anyhow!(
        "{file} {first}; and {more} more {} ({} {}{tail}); nothing was imported",
        if more == 1 { "problem" } else { "problems" },
        if rows.len() == 1 { "row" } else { "rows" },
        shown.join(", ")
    )
}

fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

// ---------------------------------------------------------------------------
// Checking each row, on its own.

/// A client as one row gives it; `None`: the row does not say.
#[derive(Debug, Clone, Default)]
struct ClientFacts {
    /// The `client` cell: a handle or a name.
    client: Option<String>,
    /// The `client_name` cell.
    client_name: Option<String>,
    emails: Option<Vec<String>>,
    phone: Option<String>,
    lang: Option<String>,
    address: Option<String>,
    /// ISO 3166-1 alpha-2, upper case.
    country: Option<String>,
    org_number: Option<String>,
    consumer: Option<bool>,
}

/// Which facts of an invoice the row gives (the others are not compared).
#[derive(Debug, Clone, Copy, Default)]
struct Given {
    issued: bool,
    due: bool,
    amount: bool,
    currency: bool,
    description: bool,
    pay_link: bool,
    step: bool,
}

/// A row whose every cell passed the checks of `client add` / `invoice add`
/// / `pay`.
struct Checked<'a> {
    row: &'a Row,
    client: ClientFacts,
    invoice: CheckedInvoice,
    given: Given,
    /// Received already, and when (`None`: the day of the import).
    paid: Option<(i64, Option<NaiveDate>)>,
}

fn check_rows<'a>(ctx: &Context, sheet: &'a Sheet, step: Option<&str>) -> (Vec<Checked<'a>>, Vec<Problem>) {
    let mut problems = Vec::new();
    let missing = |what: &str, names: &str| Problem {
        row: 1,
        column: None,
        message: format!("the file has no {what} column; add one ({names} …)"),
    };
    if !sheet.has(Field::Number) {
        problems.push(missing(
            "invoice number",
            "number, Invoice #, Fakturanummer, Fatura No",
        ));
    }
    if !sheet.has(Field::Client) && !sheet.has(Field::ClientName) {
        problems.push(missing("client", "client, Customer, Kund, Müşteri, Контрагент"));
    }
    if !sheet.has(Field::Amount) && !sheet.has(Field::Balance) {
        problems.push(missing("amount", "amount, Total, Belopp, Tutar, Сумма, Valoare"));
    }
    if !problems.is_empty() {
        return (Vec::new(), problems);
    }
    let mut rows = Vec::with_capacity(sheet.rows.len());
    let mut seen: HashMap<&str, usize> = HashMap::with_capacity(sheet.rows.len());
    for row in &sheet.rows {
        match check_row(ctx, sheet, row, step) {
            Ok(c) => rows.push(c),
            Err(p) => problems.push(p),
        }
        if let Some(n) = row.number.as_deref()
            && let Some(first) = seen.insert(n, row.line)
        {
            problems.push(Problem {
                row: row.line,
                column: Some(sheet.header(Field::Number)),
                message: format!(
                    "invoice {n} is in the file twice (row {first} too); give each invoice one row"
                ),
            });
        }
    }
    (rows, problems)
}

fn check_row<'a>(
    ctx: &Context,
    sheet: &Sheet,
    row: &'a Row,
    step: Option<&str>,
) -> Result<Checked<'a>, Problem> {
    let at = |field: Field, message: String| Problem {
        row: row.line,
        column: Some(sheet.header(field)),
        message,
    };
    let Some(number) = row.number.as_deref() else {
        return Err(at(
            Field::Number,
            "the invoice number is empty; every row needs one".into(),
        ));
    };
    if row.client.is_none() && row.client_name.is_none() {
        let f = if sheet.has(Field::Client) {
            Field::Client
        } else {
            Field::ClientName
        };
        return Err(at(f, "the client is empty; give its handle or its name".into()));
    }

    // The client's facts, with the checks of `client add`.
    let emails: Vec<String> = row
        .email
        .as_deref()
        .map(|e| {
            e.split([',', ';', ' ', '\n'])
                .filter(|p| !p.trim().is_empty())
                .map(String::from)
                .collect()
        })
        .unwrap_or_default();
    let name = row.client_name.as_deref().or(row.client.as_deref()).unwrap_or("");
    let c = check_client(ClientDraft {
        name,
        emails: &emails,
        phone: row.phone.clone(),
        lang: row.lang.clone(),
        notes: None,
    })
    .map_err(|f| {
        let field = match f.field {
            Field::ClientName if row.client_name.is_none() => Field::Client,
            other => other,
        };
        at(field, format!("{:#}", f.error))
    })?;
    let address = row
        .address
        .as_deref()
        .map(check_address)
        .transpose()
        .map_err(|m| at(Field::Address, m))?;
    // The checks of `client add --country`, `--org-number` and `--consumer`.
    let country = row
        .country
        .as_deref()
        .map(check_country)
        .transpose()
        .map_err(|m| at(Field::Country, m))?;
    let org_number = row
        .org_number
        .as_deref()
        .map(|v| check_org_number("company number", v))
        .transpose()
        .map_err(|m| at(Field::OrgNumber, m))?;
    let consumer = row
        .consumer
        .as_deref()
        .map(check_consumer)
        .transpose()
        .map_err(|m| at(Field::Consumer, m))?;
    let client = ClientFacts {
        client: row.client.as_deref().map(|c| c.trim().to_string()),
        client_name: row.client_name.as_ref().map(|_| c.name.clone()),
        emails: row.email.as_ref().map(|_| c.emails.clone()),
        phone: c.phone,
        lang: c.lang,
        address,
        country,
        org_number,
        consumer,
    };

    // The money: the currency first, for the decimals of every amount.
    let cur: Currency = match row.currency.as_deref() {
        Some(code) => currency(code).map_err(|e| at(Field::Currency, format!("{e:#}")))?,
        None => ctx.config.currency,
    };
    let minor = |field: Field, text: &str| parse_amount(text, cur).map_err(|e| at(field, e.to_string()));
    let paid = row.paid.as_deref().map(|p| minor(Field::Paid, p)).transpose()?;
    let balance = row
        .balance
        .as_deref()
        .map(|b| minor(Field::Balance, b))
        .transpose()?;
    let (amount_text, amount_field) = match (&row.amount, balance) {
        (Some(a), _) => (a.clone(), Field::Amount),
        (None, Some(b)) => {
            let total = b.checked_add(paid.unwrap_or(0)).ok_or_else(|| {
                at(
                    Field::Balance,
                    "the balance and the amount paid are too large".into(),
                )
            })?;
            (format_plain(total, cur), Field::Balance)
        }
        (None, None) => {
            let f = if sheet.has(Field::Amount) {
                Field::Amount
            } else {
                Field::Balance
            };
            return Err(at(
                f,
                "the amount is empty; every invoice needs its amount".into(),
            ));
        }
    };
    if let (Some(issued), Some(due), Some(terms)) = (row.issued, row.due, row.terms)
        && add_days(issued, i64::from(terms)) != due
    {
        return Err(at(
            Field::Due,
            format!(
                "due date {due} and terms of {terms} days from {issued} ({}) disagree; give one of the two, or make them agree",
                add_days(issued, i64::from(terms))
            ),
        ));
    }

    // The invoice, with the checks of `invoice add`.
    let step_text = row.step.clone().or(step.map(String::from));
    let invoice = check_invoice(
        ctx,
        InvoiceDraft {
            number,
            amount: &amount_text,
            currency: row.currency.as_deref(),
            // An invoice of the past given without its issue date: no later than its due date.
            issued: row.issued.or_else(|| row.due.map(|d| d.min(ctx.today))),
            due: row.due,
            terms: row.terms,
            description: row.description.clone(),
            pay_link: row.pay_link.clone(),
            step: step_text,
        },
    )
    .map_err(|f| {
        let field = match f.field {
            Field::Amount => amount_field,
            Field::Due if row.due.is_none() => Field::Terms,
            other => other,
        };
        if field == Field::Step && row.step.is_none() {
            return Problem {
                row: row.line,
                column: None,
                message: format!("--step: {:#}", f.error),
            };
        }
        at(field, format!("{:#}", f.error))
    })?;

    // What was received already, with the check of `pay`.
    let paid = match (balance, paid) {
        (Some(b), p) => {
            if b > invoice.amount {
                return Err(at(
                    Field::Balance,
                    format!(
                        "the balance {} is more than the amount {}; the balance is what is left to pay",
                        human(b, cur.code()),
                        human(invoice.amount, cur.code())
                    ),
                ));
            }
            let from_balance = invoice.amount - b;
            if let Some(p) = p
                && p != from_balance
            {
                return Err(at(
                    Field::Paid,
                    format!(
                        "paid {} and the balance {} do not add up to the amount {}",
                        human(p, cur.code()),
                        human(b, cur.code()),
                        human(invoice.amount, cur.code())
                    ),
                ));
            }
            from_balance
        }
        (None, Some(p)) => p,
        (None, None) => 0,
    };
    if paid > 0 {
        check_payment(&invoice.number, paid, invoice.amount, cur.code())
            .map_err(|e| at(Field::Paid, format!("{e:#}")))?;
    }
    if paid == 0 && row.paid_on.is_some() {
        return Err(at(
            Field::PaidOn,
            "a payment date with nothing paid; give the amount paid too, or leave the date empty".into(),
        ));
    }
    Ok(Checked {
        row,
        client,
        given: Given {
            issued: row.issued.is_some(),
            due: row.due.is_some() || row.terms.is_some(),
            amount: row.amount.is_some() || row.balance.is_some(),
            currency: row.currency.is_some(),
            description: row.description.is_some(),
            pay_link: row.pay_link.is_some(),
            step: row.step.is_some() || step.is_some(),
        },
        invoice,
        paid: (paid > 0).then_some((paid, row.paid_on)),
    })
}

// ---------------------------------------------------------------------------
// Matching the rows against dun's clients and invoices.

/// What looking a row's client up found.
enum Lookup {
    Found(Pick),
    /// Several of dun's clients have the name (indexes into its clients).
    Ambiguous(Vec<usize>),
    NotFound,
}

/// A client a row means: one dun has (index into its clients), or one the
/// file adds (index into `Plan::new_clients`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pick {
    Existing(usize),
    New(usize),
}

struct NewClientPlan {
    handle: String,
    name: String,
    facts: Facts,
    line: usize,
}

/// The facts of one client as the file gives them, each with the row that
/// first gave it (rows of one client must agree).
#[derive(Default)]
struct Facts {
    name: Option<(String, usize)>,
    /// Joined by ", ".
    emails: Option<(String, usize)>,
    phone: Option<(String, usize)>,
    lang: Option<(String, usize)>,
    address: Option<(String, usize)>,
    country: Option<(String, usize)>,
    org_number: Option<(String, usize)>,
    /// `yes` or `no`.
    consumer: Option<(String, usize)>,
}

struct ClientChange {
    index: usize,
    row: ClientRow,
    words: Vec<String>,
}

enum InvoiceAction {
    Add {
        client: Pick,
    },
    Change {
        old: Box<InvoiceRow>,
        client: Option<Pick>,
        changes: InvoiceChanges,
        /// Received beyond what dun has recorded.
        extra_paid: i64,
        words: Vec<String>,
    },
}

struct InvoicePlan<'a> {
    checked: &'a Checked<'a>,
    action: InvoiceAction,
}

struct Plan<'a> {
    new_clients: Vec<NewClientPlan>,
    client_changes: Vec<ClientChange>,
    invoices: Vec<InvoicePlan<'a>>,
    /// (row, number) of invoices in dun already and the same.
    skipped: Vec<(usize, String)>,
}

impl Plan<'_> {
    fn is_empty(&self) -> bool {
        self.new_clients.is_empty() && self.client_changes.is_empty() && self.invoices.is_empty()
    }

    fn adds(&self) -> usize {
        self.invoices
            .iter()
            .filter(|i| matches!(i.action, InvoiceAction::Add { .. }))
            .count()
    }

    fn totals(&self, add: &str, change: &str, skip: &str) -> String {
        // "2 clients and 3 invoices", "1 invoice": the counts that are not zero.
        let both = |clients: usize, invoices: usize| -> String {
            let mut p = Vec::new();
            if clients > 0 {
                p.push(count(clients, "client", "clients"));
            }
            if invoices > 0 {
                p.push(count(invoices, "invoice", "invoices"));
            }
            p.join(" and ")
        };
        let mut parts = Vec::new();
        let invoices = self.adds();
        if self.new_clients.len() + invoices > 0 {
            parts.push(format!("{} {add}", both(self.new_clients.len(), invoices)));
        }
        let changed = self.invoices.len() - invoices;
        if changed + self.client_changes.len() > 0 {
            parts.push(format!("{} {change}", both(self.client_changes.len(), changed)));
        }
        if !self.skipped.is_empty() {
            parts.push(format!(
                "{} {skip}",
                count(self.skipped.len(), "invoice", "invoices")
            ));
        }
        parts.join("; ")
    }
}

/// Emails compared as a set, case ignored.
fn email_key(emails: &[String]) -> Vec<String> {
    let mut k: Vec<String> = emails.iter().map(|e| e.to_lowercase()).collect();
    k.sort();
    k.dedup();
    k
}

fn match_rows<'a>(
    sheet: &Sheet,
    rows: &'a [Checked<'a>],
    clients: &[ClientRow],
    existing: Vec<InvoiceRow>,
    update: bool,
    problems: &mut Vec<Problem>,
) -> Result<Plan<'a>> {
    let by_handle: HashMap<&str, usize> = clients
        .iter()
        .enumerate()
        .map(|(i, c)| (c.handle.as_str(), i))
        .collect();
    let mut by_name: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, c) in clients.iter().enumerate() {
        by_name.entry(c.name.trim().to_lowercase()).or_default().push(i);
    }
    let mut existing: HashMap<String, InvoiceRow> =
        existing.into_iter().map(|i| (i.number.clone(), i)).collect();

    let mut new_clients: Vec<NewClientPlan> = Vec::new();
    let mut new_by_handle: HashMap<String, usize> = HashMap::new();
    let mut new_by_name: HashMap<String, usize> = HashMap::new();
    let mut found_facts: HashMap<usize, Facts> = HashMap::new();
    let mut picks: Vec<Option<Pick>> = Vec::with_capacity(rows.len());

    for r in rows {
        let line = r.row.line;
        let at = |field: Field, message: String| Problem {
            row: line,
            column: Some(sheet.header(field)),
            message,
        };
        let f = &r.client;
        let handle_cell = f.client.as_deref().map(str::to_lowercase);
        let name = f.client_name.as_deref().or(f.client.as_deref()).unwrap_or("");
        let name_key = name.trim().to_lowercase();
        // dun's clients: the handle, then the exact name; then the file's own new ones.
        // dun's clients: the handle, then the exact name; then the ones this file adds.
        let by_handle_found = handle_cell.as_deref().and_then(|h| by_handle.get(h)).copied();
        let lookup = match (by_handle_found, by_name.get(&name_key).map(Vec::as_slice)) {
            (Some(i), _) => Lookup::Found(Pick::Existing(i)),
            (None, Some([i])) => Lookup::Found(Pick::Existing(*i)),
            (None, Some(several)) if several.len() > 1 => Lookup::Ambiguous(several.to_vec()),
            _ => match handle_cell
                .as_deref()
                .and_then(|h| new_by_handle.get(h))
                .or_else(|| new_by_name.get(&name_key))
            {
                Some(i) => Lookup::Found(Pick::New(*i)),
                None => Lookup::NotFound,
            },
        };
        let pick = match lookup {
            Lookup::Found(p) => Some(p),
            Lookup::Ambiguous(several) => {
                let handles: Vec<String> = several
                    .iter()
                    .map(|i| format!("`{}`", clients[*i].handle))
                    .collect();
                let field = if f.client_name.is_some() {
                    Field::ClientName
                } else {
                    Field::Client
                };
                problems.push(at(
                    field,
                    format!(
                        "clients {} are all named {name}; put the handle of the one meant in a client column",
                        handles.join(" and ")
                    ),
                ));
                None
            }
            Lookup::NotFound => {
                // A new client: the client cell is its handle when a name is given apart from it.
                let given = handle_cell
                    .as_deref()
                    .filter(|h| f.client_name.is_some() && check_handle(h).is_ok());
                let handle = match given {
                    Some(h) => h.to_string(),
                    None => derive_handle(name, |h| {
                        Ok(by_handle.contains_key(h) || new_by_handle.contains_key(h))
                    })?,
                };
                let i = new_clients.len();
                new_by_handle.insert(handle.clone(), i);
                new_by_name.insert(name_key.clone(), i);
                new_clients.push(NewClientPlan {
                    handle,
                    name: name.trim().to_string(),
                    facts: Facts::default(),
                    line,
                });
                Some(Pick::New(i))
            }
        };
        picks.push(pick);
        let Some(pick) = pick else { continue };

        // The row's facts about the client: one client, one set of facts.
        let who = match pick {
            Pick::New(i) => new_clients[i].handle.clone(),
            Pick::Existing(i) => clients[i].handle.clone(),
        };
        let facts = match pick {
            Pick::New(i) => &mut new_clients[i].facts,
            Pick::Existing(i) => found_facts.entry(i).or_default(),
        };
        let mut agree = |field: Field,
                         slot: &mut Option<(String, usize)>,
                         value: Option<String>,
                         key: fn(&str) -> String| {
            let Some(v) = value else { return };
            match slot {
                Some((old, first)) if key(old) != key(&v) => problems.push(at(
                    field,
                    format!(
                        "\"{v}\" for {who}, but row {first} gave \"{old}\"; the rows of one client must agree"
                    ),
                )),
                Some(_) => {}
                None => *slot = Some((v, line)),
            }
        };
        let same = |s: &str| s.to_string();
        let lower = |s: &str| s.to_lowercase();
        // The name is a fact to compare only where the handle found the client.
        let name_given = if by_handle_found.is_some() || matches!(pick, Pick::New(_)) {
            f.client_name.clone()
        } else {
            None
        };
        agree(Field::ClientName, &mut facts.name, name_given, lower);
        let emails = f.emails.as_ref().map(|e| e.join(", "));
        agree(Field::Email, &mut facts.emails, emails, |s| {
            email_key(&store::split_emails(s)).join(",")
        });
        agree(Field::Phone, &mut facts.phone, f.phone.clone(), same);
        agree(Field::Lang, &mut facts.lang, f.lang.clone(), same);
        agree(Field::Address, &mut facts.address, f.address.clone(), same);
        agree(Field::Country, &mut facts.country, f.country.clone(), same);
        agree(
            Field::OrgNumber,
            &mut facts.org_number,
            f.org_number.clone(),
            same,
        );
        agree(Field::Consumer, &mut facts.consumer, f.consumer.map(yes_no), same);
    }

    // dun's clients whose facts the file gives differently.
    let mut client_changes = Vec::new();
    let mut keys: Vec<&usize> = found_facts.keys().collect();
    keys.sort();
    for &i in keys {
        let facts = &found_facts[&i];
        let c = &clients[i];
        let mut row = c.clone();
        let mut words = Vec::new();
        let mut differ = |field: Field, what: &str, dun: String, file: &(String, usize)| {
            words.push(format!("{what} {} → {}", show(&dun), show(&file.0)));
            if !update {
                problems.push(Problem {
                    row: file.1,
                    column: Some(sheet.header(field)),
                    message: format!(
                        "client {} has {what} {} in dun and the file says {}; correct the file, or run with --update to take the file's",
                        c.handle,
                        show(&dun),
                        show(&file.0)
                    ),
                });
            }
        };
        if let Some(n) = &facts.name
            && n.0.to_lowercase() != c.name.to_lowercase()
        {
            differ(Field::ClientName, "name", c.name.clone(), n);
            row.name = n.0.clone();
        }
        if let Some(e) = &facts.emails
            && email_key(&store::split_emails(&e.0)) != email_key(&c.emails)
        {
            differ(Field::Email, "e-mail", c.emails.join(", "), e);
            row.emails = store::split_emails(&e.0);
        }
        if let Some(p) = unlike(&facts.phone, c.phone.as_ref()) {
            differ(Field::Phone, "phone", c.phone.clone().unwrap_or_default(), p);
            row.phone = Some(p.0.clone());
        }
        if let Some(l) = unlike(&facts.lang, Some(&c.lang)) {
            differ(Field::Lang, "language", c.lang.clone(), l);
            row.lang = l.0.clone();
        }
        let party = &c.party;
        if let Some(a) = unlike(&facts.address, party.address.as_ref()) {
            differ(
                Field::Address,
                "address",
                party.address.clone().unwrap_or_default(),
                a,
            );
            row.party.address = Some(a.0.clone());
        }
        if let Some(k) = unlike(&facts.country, party.country.as_ref()) {
            differ(
                Field::Country,
                "country",
                party.country.clone().unwrap_or_default(),
                k,
            );
            row.party.country = Some(k.0.clone());
        }
        if let Some(n) = unlike(&facts.org_number, party.org_number.as_ref()) {
            differ(
                Field::OrgNumber,
                "company number",
                party.org_number.clone().unwrap_or_default(),
                n,
            );
            row.party.org_number = Some(n.0.clone());
        }
        if let Some(k) = &facts.consumer
            && k.0 != yes_no(c.party.consumer)
        {
            differ(Field::Consumer, "consumer", yes_no(c.party.consumer), k);
            row.party.consumer = k.0 == yes_no(true);
        }
        if !words.is_empty() {
            client_changes.push(ClientChange { index: i, row, words });
        }
    }

    // The invoices: new, the same, or different.
    let mut invoices = Vec::new();
    let mut skipped = Vec::new();
    for (r, pick) in rows.iter().zip(&picks) {
        let Some(pick) = *pick else { continue };
        let number = &r.invoice.number;
        let Some(old) = existing.remove(number) else {
            invoices.push(InvoicePlan {
                checked: r,
                action: InvoiceAction::Add { client: pick },
            });
            continue;
        };
        match compare(clients, &new_clients, r, &old, pick) {
            None => skipped.push((r.row.line, number.clone())),
            Some((field, changes, client, extra_paid, words)) => {
                if !update {
                    problems.push(Problem {
                        row: r.row.line,
                        column: Some(sheet.header(field)),
                        message: format!(
                            "invoice {number} is in dun already and differs: {}; correct the file, or run with --update to take the file's",
                            words.join(", ")
                        ),
                    });
                }
                invoices.push(InvoicePlan {
                    checked: r,
                    action: InvoiceAction::Change {
                        old: Box::new(old),
                        client,
                        changes,
                        extra_paid,
                        words,
                    },
                });
            }
        }
    }
    Ok(Plan {
        new_clients,
        client_changes,
        invoices,
        skipped,
    })
}

/// A consumer flag as the messages and the facts compare it.
fn yes_no(consumer: bool) -> String {
    if consumer { "yes" } else { "no" }.to_string()
}

/// The file's value of a client's fact (and its row) where dun has another.
fn unlike<'a>(file: &'a Option<(String, usize)>, dun: Option<&String>) -> Option<&'a (String, usize)> {
    file.as_ref().filter(|f| Some(&f.0) != dun)
}

fn show(v: &str) -> String {
    if v.is_empty() {
        "none".into()
    } else {
        format!("\"{}\"", v.replace('\n', " | "))
    }
}

type Difference = (Field, InvoiceChanges, Option<Pick>, i64, Vec<String>);

/// How the file's invoice differs from dun's, in the facts the file gives;
/// `None`: the same. The field is the first that differs, for the error.
fn compare(
    clients: &[ClientRow],
    new_clients: &[NewClientPlan],
    r: &Checked,
    old: &InvoiceRow,
    pick: Pick,
) -> Option<Difference> {
    let i = &r.invoice;
    let g = r.given;
    let mut changes = InvoiceChanges::default();
    let mut words = Vec::new();
    let mut first: Option<Field> = None;
    let mut note = |field: Field, w: String| {
        first.get_or_insert(field);
        words.push(w);
    };
    let moved = match pick {
        Pick::Existing(c) if clients[c].id == old.client_id => None,
        Pick::Existing(c) => {
            note(
                Field::Client,
                format!("client {} → {}", old.client_handle, clients[c].handle),
            );
            Some(pick)
        }
        Pick::New(c) => {
            note(
                Field::Client,
                format!("client {} → {} (new)", old.client_handle, new_clients[c].handle),
            );
            Some(pick)
        }
    };
    let old_cur = Currency::from_code(&old.currency).unwrap_or(i.currency);
    let new_currency = g.currency && i.currency.code() != old.currency;
    if new_currency {
        note(
            Field::Currency,
            format!("currency {} → {}", old.currency, i.currency),
        );
        changes.currency = Some(i.currency);
    }
    if g.amount {
        // Without a currency column the figure is read in the invoice's own currency.
        let figure = format_plain(i.amount, i.currency);
        let differs = if new_currency {
            figure != format_plain(old.amount, old_cur)
        } else {
            parse_amount_lenient(&figure, old_cur) != Ok(old.amount)
        };
        if differs {
            note(
                Field::Amount,
                format!(
                    "amount {} → {}",
                    human(old.amount, &old.currency),
                    human(i.amount, i.currency.code())
                ),
            );
        }
        if differs || new_currency {
            changes.amount = Some(figure);
        }
    }
    if g.issued && i.issued != old.issued {
        note(Field::Issued, format!("issued {} → {}", old.issued, i.issued));
        changes.issued = Some(i.issued);
    }
    if g.due {
        // Terms without an issue date in the file count from dun's.
        let due = match (r.row.due, r.row.terms) {
            (Some(d), _) => d,
            (None, Some(t)) => add_days(r.row.issued.unwrap_or(old.issued), i64::from(t)),
            (None, None) => i.due,
        };
        if due != old.due {
            note(Field::Due, format!("due {} → {due}", old.due));
            changes.due = Some(due);
        }
    }
    if g.description && i.description != old.description {
        note(Field::Description, "description".into());
        changes.description = Some(i.description.clone().unwrap_or_default());
    }
    if g.pay_link && i.pay_link != old.pay_link {
        note(Field::PayLink, "pay link".into());
        changes.pay_link = Some(i.pay_link.clone());
    }
    if g.step && i.step != old.start_step {
        note(
            Field::Step,
            format!(
                "step {} → {}",
                old.start_step.as_deref().unwrap_or("none"),
                i.step.as_deref().unwrap_or("none")
            ),
        );
        changes.start_step = i.step.clone();
    }
    // dun's own payments are never undone: only more paid than dun knows differs.
    let file_paid = r.paid.map(|p| p.0).unwrap_or(0);
    let extra_paid = (file_paid - old.paid).max(0);
    if extra_paid > 0 {
        note(
            Field::Paid,
            format!(
                "paid {} → {}",
                human(old.paid, &old.currency),
                human(file_paid, i.currency.code())
            ),
        );
    }
    let field = first?;
    Some((field, changes, moved, extra_paid, words))
}

// ---------------------------------------------------------------------------
// Writing: one transaction, the store's own functions.

fn write(
    tx: &rusqlite::Connection,
    ctx: &Context,
    plan: &Plan,
    clients: &[ClientRow],
    file: &str,
) -> Result<()> {
    let mut new_ids = Vec::with_capacity(plan.new_clients.len());
    for c in &plan.new_clients {
        let emails = c
            .facts
            .emails
            .as_ref()
            .map(|e| store::split_emails(&e.0))
            .unwrap_or_default();
        let party = Party {
            address: c.facts.address.as_ref().map(|a| a.0.clone()),
            org_number: c.facts.org_number.as_ref().map(|n| n.0.clone()),
            country: c.facts.country.as_ref().map(|k| k.0.clone()),
            consumer: c.facts.consumer.as_ref().is_some_and(|k| k.0 == yes_no(true)),
        };
        let lang = c
            .facts
            .lang
            .as_ref()
            .map(|l| l.0.clone())
            .unwrap_or_else(|| ctx.config.language.clone());
        let id = store::insert_client(
            tx,
            &NewClient {
                handle: &c.handle,
                name: c.facts.name.as_ref().map(|n| n.0.as_str()).unwrap_or(&c.name),
                emails: &emails,
                phone: c.facts.phone.as_ref().map(|p| p.0.as_str()),
                lang: &lang,
                notes: None,
                party: &party,
                now: &ctx.now,
            },
        )
        .with_context(|| format!("{file} row {}: client {}", c.line, c.handle))?;
        new_ids.push(id);
    }
    for ch in &plan.client_changes {
        store::update_client(tx, &ch.row)?;
    }
    let id_of = |p: Pick| match p {
        Pick::Existing(i) => (clients[i].id, clients[i].handle.clone()),
        Pick::New(i) => (new_ids[i], plan.new_clients[i].handle.clone()),
    };
    let note = format!("already paid when imported from {file}");
    for p in &plan.invoices {
        let r = p.checked;
        let i = &r.invoice;
        let line = r.row.line;
        let context = || format!("{file} row {line}: invoice {}", i.number);
        match &p.action {
            InvoiceAction::Add { client } => {
                let (client_id, _) = id_of(*client);
                let id = store::insert_invoice(
                    tx,
                    &NewInvoice {
                        number: &i.number,
                        client_id,
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
                )
                .with_context(context)?;
                if let Some((amount, on)) = r.paid {
                    let target = PayTarget {
                        id,
                        number: &i.number,
                        currency: i.currency.code(),
                        balance: i.amount,
                        write_down: 0,
                    };
                    let payment = PaymentRow {
                        amount,
                        paid_on: on.unwrap_or(ctx.today),
                        method: None,
                        note: Some(note.clone()),
                    };
                    record_payment(tx, &target, &payment, None, &ctx.now).with_context(context)?;
                }
            }
            InvoiceAction::Change {
                old,
                client,
                changes,
                extra_paid,
                ..
            } => {
                let mut c = changes.clone();
                c.client = client.map(id_of);
                // The invoice as the changes leave it, for a payment after them.
                let mut after = (**old).clone();
                if let Some((id, _)) = &c.client {
                    after.client_id = *id;
                }
                if let Some(cur) = c.currency {
                    after.currency = cur.code().to_string();
                }
                if c.amount.is_some() {
                    after.amount = i.amount;
                }
                match (after.closed.as_deref(), after.balance() <= 0) {
                    (None, true) => after.closed = Some("paid".into()),
                    (Some("paid"), false) => after.closed = None,
                    _ => {}
                }
                if c.is_some() {
                    apply_changes(tx, ctx, (**old).clone(), c).with_context(context)?;
                }
                if *extra_paid > 0 {
                    require_open(&after).with_context(context)?;
                    let payment = PaymentRow {
                        amount: *extra_paid,
                        paid_on: r.paid.and_then(|p| p.1).unwrap_or(ctx.today),
                        method: None,
                        note: Some(note.clone()),
                    };
                    record_payment(tx, &PayTarget::of(&after), &payment, None, &ctx.now)
                        .with_context(context)?;
                }
            }
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Saying what was (or would be) done.

/// An amount as the tables show money, without the currency (its own column):
/// `18,500.00`.
fn human_figure(minor: i64, cur: Currency) -> String {
    let h = human(minor, cur.code());
    h.strip_suffix(cur.code())
        .map(|t| t.trim_end().to_string())
        .unwrap_or(h)
}

/// Lists what a run would do: the clients and invoices to add (tables), the
/// changes (one line each), the invoices skipped (numbers, the first ten).
fn describe(out: &mut dyn Write, ctx: &Context, plan: &Plan, clients: &[ClientRow]) -> Result<()> {
    if !plan.new_clients.is_empty() {
        writeln!(
            out,
            "\n{}",
            ctx.bold(&format!("Clients to add ({})", plan.new_clients.len()))
        )?;
        let mut table = Table::new(&[
            Column::text("handle", 0).cut(12),
            Column::text("name", 1).cut(14),
            Column::text("e-mail", 2).cut(14).optional(),
        ]);
        for c in &plan.new_clients {
            table.push(vec![
                c.handle.clone(),
                c.facts
                    .name
                    .as_ref()
                    .map(|n| n.0.clone())
                    .unwrap_or_else(|| c.name.clone()),
                c.facts.emails.as_ref().map(|e| e.0.clone()).unwrap_or_default(),
            ]);
        }
        table.write_to(out, ctx.screen())?;
    }
    let adds: Vec<&InvoicePlan> = plan
        .invoices
        .iter()
        .filter(|p| matches!(p.action, InvoiceAction::Add { .. }))
        .collect();
    if !adds.is_empty() {
        writeln!(
            out,
            "\n{}",
            ctx.bold(&format!("Invoices to add ({})", adds.len()))
        )?;
        let mut table = Table::new(&[
            Column::text("number", 0).cut(10),
            Column::text("client", 1).cut(12),
            Column::number("amount", 0),
            Column::text("", 0),
            Column::text("due", 2),
            Column::number("paid", 3).optional(),
            Column::text("step", 4).optional(),
        ]);
        for p in &adds {
            let i = &p.checked.invoice;
            let handle = match &p.action {
                InvoiceAction::Add {
                    client: Pick::Existing(c),
                } => clients[*c].handle.as_str(),
                InvoiceAction::Add { client: Pick::New(c) } => plan.new_clients[*c].handle.as_str(),
                InvoiceAction::Change { .. } => "",
            };
            table.push(vec![
                i.number.clone(),
                handle.to_string(),
                human_figure(i.amount, i.currency),
                i.currency.code().to_string(),
                i.due.to_string(),
                p.checked
                    .paid
                    .map(|(a, _)| human_figure(a, i.currency))
                    .unwrap_or_default(),
                i.step.clone().unwrap_or_default(),
            ]);
        }
        table.write_to(out, ctx.screen())?;
    }
    let changes = plan.client_changes.len() + plan.invoices.len() - adds.len();
    if changes > 0 {
        writeln!(out, "\n{}", ctx.bold(&format!("To change ({changes})")))?;
        for ch in &plan.client_changes {
            writeln!(
                out,
                "  client {}: {}",
                clients[ch.index].handle,
                ch.words.join(", ")
            )?;
        }
        for p in &plan.invoices {
            if let InvoiceAction::Change { words, .. } = &p.action {
                writeln!(
                    out,
                    "  invoice {}: {}",
                    p.checked.invoice.number,
                    words.join(", ")
                )?;
            }
        }
    }
    if !plan.skipped.is_empty() {
        let shown: Vec<&str> = plan.skipped.iter().take(10).map(|(_, n)| n.as_str()).collect();
        let more = plan.skipped.len().saturating_sub(shown.len());
        writeln!(
            out,
            "\n{}\n  {}{}",
            ctx.bold(&format!(
                "In dun already, the same: skipped ({})",
                plan.skipped.len()
            )),
            shown.join(", "),
            if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            }
        )?;
    }
    writeln!(out)?;
    Ok(())
}

fn summarise(out: &mut dyn Write, ctx: &Context, plan: &Plan, clients: &[ClientRow]) -> Result<()> {
    if !plan.new_clients.is_empty() {
        let handles: Vec<&str> = plan
            .new_clients
            .iter()
            .take(12)
            .map(|c| c.handle.as_str())
            .collect();
        let more = plan.new_clients.len() - handles.len();
        let more = if more > 0 {
            format!(" and {more} more")
        } else {
            String::new()
        };
        writeln!(
            out,
            "{}",
            wrap(
                &format!(
                    "added {}: {}{more}",
                    count(plan.new_clients.len(), "client", "clients"),
                    handles.join(", ")
                ),
                "  "
            )
        )?;
    }
    for ch in &plan.client_changes {
        writeln!(
            out,
            "{}",
            wrap(
                &format!(
                    "changed client {}: {}",
                    clients[ch.index].handle,
                    ch.words.join(", ")
                ),
                "  "
            )
        )?;
    }
    let adds: Vec<&InvoicePlan> = plan
        .invoices
        .iter()
        .filter(|p| matches!(p.action, InvoiceAction::Add { .. }))
        .collect();
    if !adds.is_empty() {
        let paid_in_full = adds
            .iter()
            .filter(|p| p.checked.paid.is_some_and(|(a, _)| a == p.checked.invoice.amount))
            .count();
        let mut line = format!("added {}", count(adds.len(), "invoice", "invoices"));
        if paid_in_full > 0 {
            line.push_str(&format!(", {paid_in_full} of them paid in full"));
        }
        writeln!(out, "{line}")?;
    }
    for p in &plan.invoices {
        if let InvoiceAction::Change { words, .. } = &p.action {
            writeln!(
                out,
                "{}",
                wrap(
                    &format!(
                        "changed invoice {}: {}",
                        p.checked.invoice.number,
                        words.join(", ")
                    ),
                    "  "
                )
            )?;
        }
    }
    if !plan.skipped.is_empty() {
        writeln!(
            out,
            "skipped {} in dun already, the same",
            count(plan.skipped.len(), "invoice", "invoices")
        )?;
    }
    let overdue = adds
        .iter()
        .filter(|p| {
            p.checked.invoice.due < ctx.today
                && p.checked.invoice.step.is_none()
                && p.checked.paid.is_none_or(|(a, _)| a < p.checked.invoice.amount)
        })
        .count();
    if overdue > 0 {
        let text = format!(
            "{} overdue: each starts at the ladder's first step, and the steps after it keep the ladder's spacing (dun due shows what is due today). If reminders went out before dun, a step column or --step says which step comes next.",
            if overdue == 1 {
                "1 of them is".to_string()
            } else {
                format!("{overdue} of them are")
            }
        );
        writeln!(out, "{}", wrap(&text, "  "))?;
    }
    Ok(())
}

/// Words wrapped at 78 columns, the lines after the first indented.
fn wrap(text: &str, indent: &str) -> String {
    let mut out = String::new();
    let body = text.trim_start_matches(' ');
    let mut line = text[..text.len() - body.len()].to_string();
    for word in body.split(' ') {
        let width = line.chars().count() + 1 + word.chars().count();
        if !line.trim().is_empty() && width > 78 {
            out.push_str(&line);
            out.push('\n');
            line = format!("{indent}{word}");
        } else {
            if !line.trim().is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
    }
    out.push_str(&line);
    out
}
