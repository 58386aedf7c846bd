//! `dun letter`: the letter of a letter step (the demand, a reminder by
//! post) as text or as a PDF for a window envelope (SPEC.md §13), one
//! invoice or every letter due today.
//!
//! The words come from the step's template; the addresses, the date and the
//! subject from the data. Both outputs are laid out from one
//! [`Letter`](crate::paper::Letter), so they carry the same words.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, anyhow, bail};
use rusqlite::Connection;

use super::due::assess_open;
use super::log::{NewContact, record, report};
use super::{CaseFacts, require_invoice, require_step};
use crate::UsageError;
use crate::cli::LetterArgs;
use crate::context::Context;
use crate::domain::contact::{Channel, StepAction};
use crate::domain::dates::{add_days, format_long as date_h};
use crate::domain::ladder::{DueKind, assess};
use crate::domain::law::rules_for;
use crate::domain::text::mailbox_parts;
use crate::exit;
use crate::mail::templates::Templates;
use crate::mail::vars::{Recipient, Road, VarsInput, individual, message_vars, party};
use crate::paper::{Letter, Meta, page_label, parse_body, render_pdf};
use crate::store::{self, ClientRow, InvoiceRow, ScanContext, ScanFilter};

/// The columns of the text letter.
const TEXT_COLUMNS: usize = 72;

/// The days a demand letter gives to pay when neither the law nor
/// `--deadline` asks for more (SPEC.md §3 rule 10).
pub const DEFAULT_DEADLINE: u32 = 14;

/// What a demand letter to this client must have beside it that dun does
/// not print: the UK Pre-Action Protocol for Debt Claims asks a letter of
/// claim to an individual to enclose its Information Sheet, Reply Form and
/// Financial Statement (docs/law.md).
fn enclosures_note(ctx: &Context, client: &ClientRow, template: &str, number: &str) -> Option<String> {
    let law = rules_for(party(&ctx.config, client).country);
    (template == "demand" && law.key == "GB" && individual(law, client)).then(|| {
        format!(
            "note: the letter for invoice {number} goes to an individual or sole trader in the UK; the Pre-Action Protocol for Debt Claims asks you to enclose its Information Sheet, Reply Form and Financial Statement, which dun does not print (see docs/law.md)"
        )
    })
}

/// The deadline a letter to this client gives: `--deadline`, refused below
/// what the client's law asks of a demand (SPEC.md §6), or by default 14
/// days or the law's minimum where that is longer. Other letters (a
/// reminder by post) are not demands: 14 days, or `--deadline`.
fn deadline_for(ctx: &Context, client: &ClientRow, asked: Option<u32>, template: &str) -> Result<u32> {
    if template != "demand" {
        return Ok(asked.unwrap_or(DEFAULT_DEADLINE));
    }
    let law = rules_for(party(&ctx.config, client).country);
    let min = law.deadline_min(individual(law, client));
    match asked {
        Some(d) if d < min => bail!(
            "--deadline {d} is shorter than the law of {} allows for this letter: at least {min} days ({}); give --deadline {min} or more",
            law.name,
            law.deadline_source
        ),
        Some(d) => Ok(d),
        None => Ok(min.max(DEFAULT_DEADLINE)),
    }
}

/// The days a demand letter to this client gives by default: 14, or the
/// law's minimum where that is longer (for `dun log NUMBER letter` without
/// `--deadline`).
pub(crate) fn demand_deadline(ctx: &Context, client: &ClientRow) -> u32 {
    deadline_for(ctx, client, None, "demand").unwrap_or(DEFAULT_DEADLINE)
}

/// One letter, made and ready to write.
struct Made {
    number: String,
    client: String,
    /// The ladder step it does, when the ladder has one for it.
    step: Option<String>,
    /// The days it gives to pay.
    deadline: u32,
    bytes: Vec<u8>,
}

pub fn letter(ctx: &Context, args: LetterArgs) -> Result<u8> {
    if args.due {
        return due_letters(ctx, &args);
    }
    let number = args
        .number
        .as_deref()
        .ok_or_else(|| UsageError("give an invoice number, or --due".into()))?;
    let pdf = args.pdf || args.out.as_deref().is_some_and(is_pdf_name);
    if let Some(out) = &args.out
        && out.is_dir()
    {
        bail!(
            "--out {} is a folder; give a file name, like {}",
            out.display(),
            out.join(format!(
                "{}.{}",
                safe_name(number),
                if pdf { "pdf" } else { "txt" }
            ))
            .display()
        );
    }
    if pdf && args.out.is_none() && std::io::stdout().is_terminal() {
        return Err(UsageError(format!(
            "a PDF is not for the terminal; give --out {}.pdf, or redirect: dun letter {number} --pdf > {}.pdf",
            safe_name(number),
            safe_name(number)
        ))
        .into());
    }
    let mut db = ctx.open_store()?;
    let templates = Templates::new(&ctx.config_path);
    let conn = db.conn();
    let inv = require_invoice(conn, number, ctx.today)?;
    if inv.closed.is_some() || inv.balance() <= 0 {
        bail!(
            "invoice {} is {}; there is nothing to ask for",
            inv.number,
            inv.closed.as_deref().unwrap_or("paid")
        );
    }
    let (step, template, warnings) = choose_step(ctx, conn, &inv, args.step.clone())?;
    let deadline = deadline_for(
        ctx,
        &store::client_by_id(conn, inv.client_id)?,
        args.deadline,
        &template,
    )?;
    for w in warnings {
        eprintln!("{w}");
    }
    if let Some(note) = enclosures_note(
        ctx,
        &store::client_by_id(conn, inv.client_id)?,
        &template,
        &inv.number,
    ) {
        eprintln!("{note}");
    }
    let stored_number = inv.number.clone();
    let letter = build(ctx, conn, &templates, inv, step.as_deref(), &template, deadline)?;
    let bytes = if pdf {
        render_pdf(&letter, ctx.config.paper)?
    } else {
        letter.to_text(TEXT_COLUMNS).into_bytes()
    };
    let made = Made {
        number: stored_number,
        client: letter.recipient.first().cloned().unwrap_or_default(),
        step,
        deadline,
        bytes,
    };
    // Diagnostics go to stderr when the letter itself goes to stdout.
    let to_stdout = args.out.is_none();
    let contact = args.log.then(|| letter_contact(ctx, &made));
    let logged = match &args.out {
        Some(path) => db.write(|tx| {
            let logged = match &contact {
                Some(c) => Some(record(ctx, tx, &made.number, c)?),
                None => None,
            };
            write_private(path, &made.bytes)?;
            Ok(logged)
        })?,
        None => {
            let logged = match &contact {
                Some(c) => Some(db.write(|tx| record(ctx, tx, &made.number, c))?),
                None => None,
            };
            std::io::stdout()
                .lock()
                .write_all(&made.bytes)
                .context("cannot write the letter to stdout")?;
            logged
        }
    };
    if let Some(path) = &args.out {
        let what = made.step.as_deref().unwrap_or("letter");
        ctx.say(format!(
            "wrote the {what} letter for invoice {} to {}",
            made.number,
            path.display()
        ));
    }
    match (&contact, &logged) {
        (Some(c), Some((n, s))) if !to_stdout => report(ctx, c, n, s.as_deref()),
        (Some(_), Some((n, s))) => eprintln!(
            "logged the letter on invoice {n}{}",
            s.as_deref()
                .map(|s| format!("; it does the step \"{s}\""))
                .unwrap_or_default()
        ),
        _ if !to_stdout => {
            let step = made
                .step
                .as_deref()
                .map(|s| format!(" --step {s}"))
                .unwrap_or_default();
            ctx.say(format!(
                "when it has gone out: dun log {} letter{step}",
                made.number
            ));
        }
        _ => {}
    }
    Ok(exit::OK)
}

fn letter_contact(ctx: &Context, made: &Made) -> NewContact {
    NewContact {
        channel: Channel::Letter,
        outcome: None,
        on: ctx.today,
        note: None,
        inbound: false,
        step: made.step.clone(),
        until: None,
        deadline: Some(add_days(ctx.today, i64::from(made.deadline))),
    }
}

/// Which letter to print for an invoice: the step named, else the letter
/// step due, else the next letter step (with a warning). Returns the step's
/// name (none when the ladder has no letter step) and its template.
fn choose_step(
    ctx: &Context,
    conn: &Connection,
    inv: &InvoiceRow,
    named: Option<String>,
) -> Result<(Option<String>, String, Vec<String>)> {
    let mut warnings = Vec::new();
    let ladder = &ctx.config.ladder;
    let letters: Vec<usize> = (0..ladder.steps().len())
        .filter(|&i| ladder.steps()[i].action == StepAction::Letter)
        .collect();
    let template_of = |i: usize| {
        ladder.steps()[i]
            .template
            .clone()
            .unwrap_or_else(|| "demand".to_string())
    };
    let facts = CaseFacts::load(ctx, conn, inv)?;
    let a = assess(&facts.case(inv), ladder, &ctx.config.schedule, ctx.today);
    if let Some(kind) = a.hold {
        let why = super::hold_words(conn, inv, ctx.today)?.unwrap_or_else(|| kind.to_string());
        warnings.push(format!(
            "warning: invoice {} is on hold: {why}; a letter now goes against that, and is printed all the same",
            inv.number
        ));
    }
    if let Some(name) = named {
        let name = require_step(ladder, name)?;
        let i = ladder
            .index_of(&name)
            .ok_or_else(|| anyhow!("step \"{name}\" is not on the ladder"))?;
        if ladder.steps()[i].action != StepAction::Letter {
            let names: Vec<&str> = letters.iter().map(|&i| ladder.steps()[i].name.as_str()).collect();
            bail!(
                "step \"{name}\" is a {}, not a letter; letter steps are: {}",
                ladder.steps()[i].action,
                if names.is_empty() {
                    "none".to_string()
                } else {
                    names.join(", ")
                }
            );
        }
        return Ok((Some(name), template_of(i), warnings));
    }
    if let Some(i) = a
        .due
        .iter()
        .find(|d| d.kind == DueKind::Letter)
        .and_then(|d| d.step)
    {
        return Ok((Some(ladder.steps()[i].name.clone()), template_of(i), warnings));
    }
    // Not at a letter step: the next letter step after what was done, else the last one.
    let done = a.last_step.map(|(i, _)| i);
    let pick = letters
        .iter()
        .copied()
        .find(|&i| done.is_none_or(|d| i > d))
        .or(letters.last().copied());
    match pick {
        Some(i) => {
            let step = &ladder.steps()[i];
            let next = match a.next {
                Some(n) => format!("the next step is \"{}\" on {}", ladder.steps()[n.step].name, n.on),
                None => "nothing is due on it".to_string(),
            };
            warnings.push(format!(
                "warning: invoice {} is not at a letter step ({next}); this is the \"{}\" letter all the same",
                inv.number, step.name
            ));
            Ok((Some(step.name.clone()), template_of(i), warnings))
        }
        None => {
            warnings.push(
                "warning: the ladder has no letter step; this is the demand letter (template \"demand\")"
                    .into(),
            );
            Ok((None, "demand".to_string(), warnings))
        }
    }
}

/// The letter for one invoice: the words from the template, the rest from
/// the data.
fn build(
    ctx: &Context,
    conn: &Connection,
    templates: &Templates,
    inv: InvoiceRow,
    step: Option<&str>,
    template: &str,
    deadline: u32,
) -> Result<Letter> {
    let client = store::client_by_id(conn, inv.client_id)?;
    let number = inv.number.clone();
    let plan = super::plan::plan_facts(conn, inv.id, None)?;
    let facts = vec![super::send::invoice_facts(conn, inv, plan)?];
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
        step: step.unwrap_or(template),
        template,
        invoices: &facts,
        road: Road::default(),
        deadline_days: i64::from(deadline),
    })?;
    let rendered = templates.render(&client.lang, template, &vars)?;
    let lang = client.lang.as_str();
    let sender = &ctx.config.sender;
    let labels = NumberLabels::of(lang);
    // The sender's postal address; without one, the signature's lines.
    let mut sender_lines: Vec<String> = if sender.address.is_empty() {
        sender
            .signature
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && *l != sender.name)
            .map(String::from)
            .collect()
    } else {
        sender.address.clone()
    };
    if let Some(n) = &sender.org_number {
        sender_lines.push(format!("{} {n}", labels.org));
    }
    if let Some(n) = &sender.vat_number {
        sender_lines.push(format!("{} {n}", labels.vat));
    }
    if let Some(e) = &sender.email
        && !sender_lines.iter().any(|l| l.contains(e.as_str()))
    {
        sender_lines.push(e.clone());
    }
    let return_line = if sender.address.is_empty() {
        String::new()
    } else {
        std::iter::once(sender.name.as_str())
            .chain(sender.address.iter().map(String::as_str))
            .filter(|l| !l.is_empty())
            .collect::<Vec<_>>()
            .join(" · ")
    };
    let mut recipient = vec![client.name.clone()];
    recipient.extend(client.party.address_lines().into_iter().map(String::from));
    // Under the address, as a Swedish or German letter puts it, labelled as
    // the sender's own number is.
    if let Some(n) = &client.party.org_number {
        recipient.push(format!("{} {n}", labels.org));
    }
    if recipient.len() > 6 {
        eprintln!(
            "warning: the name and address of client {} take {} lines; a window envelope shows 6",
            client.handle,
            recipient.len()
        );
    }
    let date_line = date_h(ctx.today, lang);
    let continuation = format!("{} · {} · {}", client.name, rendered.subject, date_line);
    Ok(Letter {
        sender_name: sender.name.clone(),
        sender_lines,
        return_line,
        recipient,
        date_line,
        subject: rendered.subject.clone(),
        body: parse_body(&rendered.body),
        page_label: page_label(lang).to_string(),
        continuation,
        meta: Meta {
            title: rendered.subject,
            author: sender.name.clone(),
            subject: format!("{number} – {}", client.name),
            language: lang.to_string(),
            created: ctx.today,
        },
    })
}

/// Every letter step due today, one file each in `--out`.
fn due_letters(ctx: &Context, args: &LetterArgs) -> Result<u8> {
    let dir = args.out.as_deref().ok_or_else(|| {
        UsageError("--due needs --out FOLDER: the letters are written there, one file each".into())
    })?;
    if dir.exists() && !dir.is_dir() {
        bail!(
            "--out {} is a file; with --due it names a folder to write the letters into",
            dir.display()
        );
    }
    let pdf = args.pdf;
    let mut db = ctx.open_store()?;
    let templates = Templates::new(&ctx.config_path);
    let conn = db.conn();
    let scan = ScanContext::load(conn)?;
    let filter = ScanFilter {
        due_until: add_days(ctx.today, -i64::from(ctx.config.ladder.min_day())),
        client_id: None,
        invoice_id: None,
    };
    let mut due: Vec<(String, usize)> = Vec::new();
    let left_out = store::scan_open(conn, filter, &ctx.config.ladder, ctx.today, |inv| {
        let a = assess_open(ctx, &scan, inv);
        for d in &a.due {
            if d.kind == DueKind::Letter
                && let Some(step) = d.step
            {
                due.push((inv.number.clone(), step));
            }
        }
        Ok(())
    })?;
    // An invoice that cannot be read is named; the letters of the others are written.
    let done = if super::report_left_out(&left_out) {
        exit::FAILURE
    } else {
        exit::OK
    };
    if due.is_empty() {
        ctx.say("no letters are due today; nothing written");
        return Ok(done);
    }
    let ladder = &ctx.config.ladder;
    let mut made = Vec::new();
    for (number, step) in &due {
        let s = &ladder.steps()[*step];
        let template = s.template.clone().unwrap_or_else(|| "demand".to_string());
        let inv = require_invoice(conn, number, ctx.today)?;
        let client = inv.client_name.clone();
        let owner = store::client_by_id(conn, inv.client_id)?;
        let deadline = deadline_for(ctx, &owner, args.deadline, &template)
            .with_context(|| format!("invoice {number}"))?;
        if let Some(note) = enclosures_note(ctx, &owner, &template, number) {
            eprintln!("{note}");
        }
        let letter = build(ctx, conn, &templates, inv, Some(&s.name), &template, deadline)?;
        let bytes = if pdf {
            render_pdf(&letter, ctx.config.paper)?
        } else {
            letter.to_text(TEXT_COLUMNS).into_bytes()
        };
        made.push(Made {
            number: number.clone(),
            client,
            step: Some(s.name.clone()),
            deadline,
            bytes,
        });
    }
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create the folder {}", dir.display()))?;
    let ext = if pdf { "pdf" } else { "txt" };
    let paths: Vec<PathBuf> = made
        .iter()
        .map(|m| {
            dir.join(format!(
                "{}-{}.{ext}",
                safe_name(&m.number),
                safe_name(m.step.as_deref().unwrap_or("letter"))
            ))
        })
        .collect();
    let contacts: Vec<NewContact> = made.iter().map(|m| letter_contact(ctx, m)).collect();
    let mut written: Vec<&Path> = Vec::new();
    let result = db.write(|tx| {
        let mut logged = Vec::new();
        for ((m, path), c) in made.iter().zip(&paths).zip(&contacts) {
            if args.log {
                logged.push(record(ctx, tx, &m.number, c)?);
            }
            write_private(path, &m.bytes)?;
            written.push(path);
        }
        Ok(logged)
    });
    let logged = match result {
        Ok(l) => l,
        Err(e) => {
            // Nothing was logged: leave no letter behind either.
            for p in &written {
                let _ = std::fs::remove_file(p);
            }
            return Err(e);
        }
    };
    let n = made.len();
    ctx.say(format!(
        "wrote {n} letter{} to {}:",
        if n == 1 { "" } else { "s" },
        dir.display()
    ));
    for (m, path) in made.iter().zip(&paths) {
        let file = path
            .file_name()
            .map_or_else(String::new, |f| f.to_string_lossy().into_owned());
        ctx.say(format!("  {file}  {}", m.client));
    }
    if args.log {
        let first = made.iter().map(|m| m.deadline).min().unwrap_or(DEFAULT_DEADLINE);
        let last = made.iter().map(|m| m.deadline).max().unwrap_or(DEFAULT_DEADLINE);
        let by = |d: u32| add_days(ctx.today, i64::from(d));
        let when = if first == last {
            format!("by {}", by(first))
        } else {
            format!("by {} to {}, as each client's law asks", by(first), by(last))
        };
        ctx.say(format!(
            "logged {n} letter{} on {}; they ask for payment {when}",
            if n == 1 { "" } else { "s" },
            ctx.today
        ));
        let steps: Vec<String> = logged
            .iter()
            .filter(|(_, s)| s.is_none())
            .map(|(n, _)| n.clone())
            .collect();
        if !steps.is_empty() {
            ctx.say(format!("no ladder step was due for: {}", steps.join(", ")));
        }
    } else {
        ctx.say("when they have gone out: dun log NUMBER letter (or run again with --log)");
    }
    Ok(done)
}

/// How company numbers are labelled in the letter's language.
struct NumberLabels {
    org: &'static str,
    vat: &'static str,
}

impl NumberLabels {
    fn of(lang: &str) -> NumberLabels {
        let (org, vat) = match lang {
            "sv" => ("Org.nr", "Momsreg.nr"),
            "tr" => ("Sicil No:", "KDV No:"),
            "ru" => ("Рег. номер:", "Номер НДС:"),
            "ro" => ("Nr. de înregistrare:", "Cod TVA:"),
            _ => ("Company no.", "VAT no."),
        };
        NumberLabels { org, vat }
    }
}

fn is_pdf_name(path: &Path) -> bool {
    path.extension().is_some_and(|e| e.eq_ignore_ascii_case("pdf"))
}

/// A file name from an invoice number or step: anything but letters,
/// digits, `-`, `_` and `.` becomes `_` (an invoice "2026/14" is file
/// "2026_14").
fn safe_name(text: &str) -> String {
    let s: String = text
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '-' || c == '_' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect();
    s.trim_start_matches('.').to_string()
}

/// Writes `bytes` to `path`, readable by the owner only.
fn write_private(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut f = options
        .open(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        f.set_permissions(std::fs::Permissions::from_mode(0o600))
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    if let Err(e) = f.write_all(bytes) {
        drop(f);
        let _ = std::fs::remove_file(path);
        return Err(e).with_context(|| format!("cannot write {}", path.display()));
    }
    Ok(())
}
