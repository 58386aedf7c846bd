//! `dun bank FILE…`: read every statement whole, match its credits to the
//! invoices (domain::matching), show the matches, ask, and record the
//! accepted ones in one transaction, through the same path as `dun pay`.
//!
//! Phases: read (files → credits, nothing opened yet) → load (entries seen
//! before, the invoices, each in one query) → match (pure) → show → decide
//! (flags and prompts) → record. A run that records nothing writes nothing.

use std::collections::{HashMap, HashSet};
use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;

use anyhow::Result;
use serde::Serialize;

use super::money::{PayTarget, record_payment};
use super::plain;
use crate::UsageError;
use crate::bank::{self, Credit, Format as FileFormat, ReadOptions, Statement};
use crate::cli::{BankArgs, BankFormat, Format};
use crate::context::Context;
use crate::domain::matching::{Book, BookInvoice, Match, Verdict, match_credits, reference_candidates};
use crate::domain::money::{Currency, format_human};
use crate::exit;
use crate::report::Renderer;
use crate::report::table::{Column, Screen, Table};
use crate::store::{self, BankInvoice, PaymentRow};

pub fn bank(ctx: &Context, args: BankArgs) -> Result<u8> {
    let statements = read_all(ctx, &args)?;
    let mut db = ctx.open_store()?;
    let run = Run::load(db.conn(), statements, ctx)?;
    let chosen = decide(ctx, &args, &run)?;
    let Some(chosen) = chosen else {
        return Ok(exit::OK);
    };
    if chosen.is_empty() {
        run.finish(ctx, &HashSet::new())?;
        return Ok(exit::OK);
    }
    let recorded = db.write(|tx| run.record(tx, ctx, &chosen))?;
    run.finish(ctx, &chosen)?;
    tell(ctx, recorded);
    Ok(exit::OK)
}

/// A line for a person: on stdout with the table, on stderr when stdout
/// carries JSON or CSV.
fn tell(ctx: &Context, line: impl std::fmt::Display) {
    if ctx.format == Format::Table {
        ctx.say(line);
    } else if !ctx.quiet {
        eprintln!("{line}");
    }
}

/// Every file, read and parsed, before the database is opened.
fn read_all(ctx: &Context, args: &BankArgs) -> Result<Vec<(PathBuf, Statement)>> {
    let options = ReadOptions {
        format: args.as_format.map(|f| match f {
            BankFormat::Camt => FileFormat::Camt,
            BankFormat::Ofx => FileFormat::Ofx,
            BankFormat::Csv => FileFormat::Csv,
        }),
        csv: ctx.config.bank_csv.as_ref(),
        default_currency: ctx.config.currency,
    };
    let mut out = Vec::new();
    for path in &args.files {
        out.push((path.clone(), bank::read_file(path, options)?));
    }
    // Said once every file is read: a bad file's error is the only line.
    if !ctx.quiet {
        for (path, statement) in &out {
            eprintln!("{}", summary(path, statement));
        }
    }
    Ok(out)
}

/// `statement.xml: camt.053.001.08, 4 credits (1 debit left out)`.
fn summary(path: &std::path::Path, statement: &Statement) -> String {
    let i = statement.ignored;
    let mut skipped = Vec::new();
    for (n, one, many) in [
        (i.debits, "debit", "debits"),
        (i.reversals, "reversal", "reversals"),
        (i.pending, "pending entry", "pending entries"),
    ] {
        if n > 0 {
            skipped.push(count(n, one, many));
        }
    }
    format!(
        "{}: {}, {}{}",
        path.display(),
        statement.kind,
        count(statement.credits.len(), "credit", "credits"),
        if skipped.is_empty() {
            String::new()
        } else {
            format!(" ({} left out)", skipped.join(", "))
        }
    )
}

/// One credit of the run and what became of it.
struct Line {
    credit: Credit,
    /// Already recorded by an earlier run: the invoices it went to.
    before: Option<Vec<String>>,
    /// The match, for credits not recorded before (index into `Run::matches`).
    matched: Option<usize>,
}

/// Everything a run knows before it writes.
struct Run {
    lines: Vec<Line>,
    matches: Vec<Match>,
    book: Book,
    /// The book's invoices as stored (ids, balances), same order as the book.
    stored: Vec<BankInvoice>,
}

impl Run {
    fn load(
        conn: &rusqlite::Connection,
        statements: Vec<(PathBuf, Statement)>,
        ctx: &Context,
    ) -> Result<Run> {
        // The same entry in two files (overlapping statements, a camt.053 and
        // its camt.054) is one credit.
        let mut seen = HashSet::new();
        let mut credits = Vec::new();
        let mut repeated = 0usize;
        for (_, s) in statements {
            for c in s.credits {
                if seen.insert(c.identity.clone()) {
                    credits.push(c);
                } else {
                    repeated += 1;
                }
            }
        }
        if repeated > 0 && !ctx.quiet {
            eprintln!(
                "{repeated} entr{} appeared in more than one file; each is counted once",
                if repeated == 1 { "y" } else { "ies" }
            );
        }
        credits.sort_by_key(|c| c.date);

        let identities: Vec<String> = credits.iter().map(|c| c.identity.clone()).collect();
        let recorded = store::recorded_bank_entries(conn, &identities)?;

        let mut stored = store::open_invoices_for_bank(conn)?;
        let mut candidates: Vec<String> = credits
            .iter()
            .filter(|c| !recorded.contains_key(&c.identity))
            .flat_map(reference_candidates)
            .collect();
        candidates.sort();
        candidates.dedup();
        let open_refs: HashSet<&str> = stored.iter().filter_map(|i| i.reference.as_deref()).collect();
        candidates.retain(|r| !open_refs.contains(r.as_str()));
        stored.extend(
            store::invoices_by_reference(conn, &candidates)?
                .into_iter()
                .filter(|i| i.closed.is_some()),
        );
        let book = Book::new(
            stored
                .iter()
                .map(|i| BookInvoice {
                    number: i.number.clone(),
                    reference: i.reference.clone(),
                    client_name: i.client_name.clone(),
                    currency: i.currency.clone(),
                    balance: i.balance(),
                    closed: i.closed.clone(),
                })
                .collect(),
        );

        let mut lines = Vec::new();
        let mut to_match = Vec::new();
        for c in credits {
            match recorded.get(&c.identity) {
                Some(numbers) => lines.push(Line {
                    credit: c,
                    before: Some(numbers.clone()),
                    matched: None,
                }),
                None => {
                    lines.push(Line {
                        credit: c.clone(),
                        before: None,
                        matched: Some(to_match.len()),
                    });
                    to_match.push(c);
                }
            }
        }
        let matches = match_credits(&to_match, &book, ctx.today);
        Ok(Run {
            lines,
            matches,
            book,
            stored,
        })
    }

    fn verdict(&self, line: &Line) -> Option<Verdict> {
        line.matched.map(|m| self.matches[m].verdict)
    }

    /// The lines (by index) with this verdict.
    fn with(&self, verdict: Verdict) -> Vec<usize> {
        (0..self.lines.len())
            .filter(|&i| self.verdict(&self.lines[i]) == Some(verdict))
            .collect()
    }

    /// Records the chosen lines in the caller's transaction; returns what to say.
    fn record(&self, tx: &rusqlite::Connection, ctx: &Context, chosen: &HashSet<usize>) -> Result<String> {
        // Nothing may have changed since the statement was matched: the same
        // entries unrecorded, the same invoices open with the same balances.
        let mut identities = Vec::new();
        let mut ids = Vec::new();
        for &i in chosen {
            let line = &self.lines[i];
            identities.push(line.credit.identity.clone());
            if let Some(m) = line.matched {
                ids.extend(
                    self.matches[m]
                        .allocations
                        .iter()
                        .map(|a| self.stored[a.invoice].id),
                );
            }
        }
        ids.sort_unstable();
        ids.dedup();
        let changed = || {
            anyhow::anyhow!(
                "the database changed while the statement was being matched (another dun at work?); nothing was recorded, run dun bank again"
            )
        };
        if !store::recorded_bank_entries(tx, &identities)?.is_empty() {
            return Err(changed());
        }
        let now: HashMap<i64, BankInvoice> = store::invoices_by_id(tx, &ids)?
            .into_iter()
            .map(|i| (i.id, i))
            .collect();
        let mut left: HashMap<i64, i64> = HashMap::new();
        for inv in &self.stored {
            if let Some(n) = now.get(&inv.id) {
                if n.closed.is_some() || n.balance() != inv.balance() {
                    return Err(changed());
                }
                left.insert(inv.id, n.balance());
            }
        }

        let mut order: Vec<usize> = chosen.iter().copied().collect();
        order.sort_unstable();
        let (mut payments, mut closed) = (0usize, 0usize);
        let mut invoices = HashSet::new();
        for i in order {
            let line = &self.lines[i];
            let Some(m) = line.matched else { continue };
            let c = &line.credit;
            for a in &self.matches[m].allocations {
                let inv = &self.stored[a.invoice];
                let balance = left.get(&inv.id).copied().ok_or_else(changed)?;
                let remaining = record_payment(
                    tx,
                    &PayTarget {
                        id: inv.id,
                        number: &inv.number,
                        currency: &inv.currency,
                        balance,
                        write_down: inv.write_down,
                    },
                    &PaymentRow {
                        amount: a.amount,
                        paid_on: c.date,
                        method: Some("bank".into()),
                        note: payment_note(c),
                    },
                    Some(&c.identity),
                    &ctx.now,
                )?;
                left.insert(inv.id, remaining);
                payments += 1;
                invoices.insert(inv.id);
                if remaining == 0 {
                    closed += 1;
                }
            }
        }
        Ok(format!(
            "recorded {} on {}{}",
            count(payments, "payment", "payments"),
            count(invoices.len(), "invoice", "invoices"),
            match closed {
                0 => String::new(),
                n => format!(" ({n} now paid in full, off the ladder)"),
            }
        ))
    }

    /// The output for a machine (`--format json|csv`), once what was recorded is known.
    fn finish(&self, ctx: &Context, recorded: &HashSet<usize>) -> Result<()> {
        if ctx.format == Format::Table {
            return Ok(());
        }
        let mut out = std::io::stdout().lock();
        let mut r = Renderer::new(&mut out, ctx.format, false);
        for (i, line) in self.lines.iter().enumerate() {
            let c = &line.credit;
            let parts = self.parts(line);
            let base = Base {
                date: c.date.to_string(),
                amount: plain(c.amount, &c.currency),
                currency: c.currency.clone(),
                payer: c.payer.clone(),
                text: c.text.clone(),
                r#match: self.word(line),
            };
            if ctx.format == Format::Json {
                r.row(&JsonRow {
                    base,
                    invoices: parts,
                    recorded: recorded.contains(&i),
                    reason: self.reason(line),
                })?;
            } else {
                r.row(&CsvRow {
                    base,
                    invoices: parts
                        .iter()
                        .map(|p| p.number.clone())
                        .collect::<Vec<_>>()
                        .join(" "),
                    recorded: recorded.contains(&i),
                    reason: self.reason(line),
                })?;
            }
        }
        r.finish(&[
            "date", "amount", "currency", "payer", "text", "match", "invoices", "recorded", "reason",
        ])?;
        Ok(())
    }

    fn word(&self, line: &Line) -> &'static str {
        match (&line.before, self.verdict(line)) {
            (Some(_), _) => "recorded before",
            (None, Some(v)) => v.as_str(),
            (None, None) => "unmatched",
        }
    }

    fn reason(&self, line: &Line) -> Option<String> {
        line.matched.and_then(|m| self.matches[m].reason.clone())
    }

    /// The invoices a line is shown against, with what it pays on each.
    fn parts(&self, line: &Line) -> Vec<Part> {
        if let Some(numbers) = &line.before {
            return numbers
                .iter()
                .map(|n| Part {
                    number: n.clone(),
                    amount: None,
                    balance_after: None,
                })
                .collect();
        }
        let Some(m) = line.matched.map(|m| &self.matches[m]) else {
            return Vec::new();
        };
        if m.allocations.is_empty() {
            return m
                .named
                .iter()
                .map(|&i| Part {
                    number: self.book.invoice(i).number.clone(),
                    amount: None,
                    balance_after: None,
                })
                .collect();
        }
        m.allocations
            .iter()
            .map(|a| {
                let inv = self.book.invoice(a.invoice);
                Part {
                    number: inv.number.clone(),
                    amount: Some(plain(a.amount, &inv.currency)),
                    balance_after: Some(plain(a.balance_after, &inv.currency)),
                }
            })
            .collect()
    }
}

#[derive(Serialize)]
struct Base {
    date: String,
    amount: String,
    currency: String,
    payer: Option<String>,
    text: String,
    r#match: &'static str,
}

#[derive(Serialize)]
struct Part {
    number: String,
    /// What this credit pays on the invoice (certain and probable only).
    amount: Option<String>,
    balance_after: Option<String>,
}

#[derive(Serialize)]
struct JsonRow {
    #[serde(flatten)]
    base: Base,
    invoices: Vec<Part>,
    recorded: bool,
    reason: Option<String>,
}

#[derive(Serialize)]
struct CsvRow {
    #[serde(flatten)]
    base: Base,
    invoices: String,
    recorded: bool,
    reason: Option<String>,
}

fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// What the payment's note says about where it came from.
fn payment_note(c: &Credit) -> Option<String> {
    let mut note = match (c.payer.as_deref(), c.text.trim()) {
        (Some(p), "") => p.to_string(),
        (Some(p), t) => format!("{p}: {t}"),
        (None, "") => return None,
        (None, t) => t.to_string(),
    };
    note = note.replace(['\n', '\r', '\t'], " ");
    if note.chars().count() > 200 {
        note = note.chars().take(199).collect::<String>() + "…";
    }
    Some(note)
}

/// Which lines to record: `None` when the run ends here (dry run, or the
/// user said no to everything), else the chosen lines (maybe none).
fn decide(ctx: &Context, args: &BankArgs, run: &Run) -> Result<Option<HashSet<usize>>> {
    let certain = run.with(Verdict::Certain);
    let probable = run.with(Verdict::Probable);
    let tty = std::io::stdin().is_terminal();
    let asking = !args.dry_run && !args.yes && tty && (!certain.is_empty() || !probable.is_empty());
    // The table goes where a person reads it; with --format json|csv on a
    // terminal, the questions go to stderr and the data waits for the end.
    if ctx.format == Format::Table {
        show_table(ctx, run)?;
    } else if asking {
        let mut err = std::io::stderr().lock();
        write_table(&mut err, run, Screen::new(ctx.width.or(Some(80)), false))?;
    }
    if args.dry_run {
        run.finish(ctx, &HashSet::new())?;
        tell(
            ctx,
            format!(
                "dry run: nothing recorded ({} certain, {} probable)",
                certain.len(),
                probable.len()
            ),
        );
        return Ok(None);
    }
    if certain.is_empty() && probable.is_empty() {
        run.finish(ctx, &HashSet::new())?;
        tell(ctx, "nothing to record");
        return Ok(None);
    }
    let mut chosen = HashSet::new();
    if args.yes {
        chosen.extend(certain);
        if args.accept_probable {
            chosen.extend(probable);
        } else if !probable.is_empty() {
            eprintln!(
                "{} not recorded: add --accept-probable to record {}",
                count(probable.len(), "probable match", "probable matches"),
                if probable.len() == 1 { "it" } else { "them" }
            );
        }
        return Ok(Some(chosen));
    }
    if !tty {
        run.finish(ctx, &HashSet::new())?;
        return Err(UsageError(
            "dun bank needs --yes when it is not run from a terminal (add --accept-probable for the probable matches too); nothing was recorded"
                .into(),
        )
        .into());
    }
    let mut prompt: Box<dyn Write> = if ctx.format == Format::Table {
        Box::new(std::io::stdout())
    } else {
        Box::new(std::io::stderr())
    };
    if !certain.is_empty() {
        let question = format!(
            "record {}? [y/N] ",
            count(certain.len(), "certain payment", "certain payments")
        );
        if ask(&mut prompt, &question)? {
            chosen.extend(certain);
        }
    }
    if args.accept_probable {
        chosen.extend(probable);
    } else {
        for i in probable {
            let line = &run.lines[i];
            let c = &line.credit;
            let m = &run.matches[line.matched.unwrap_or_default()];
            let Some(a) = m.allocations.first() else { continue };
            let inv = run.book.invoice(a.invoice);
            let question = format!(
                "record {} from {} on invoice {} ({})? [y/N] ",
                human(c.amount, &c.currency),
                c.payer.as_deref().unwrap_or("?"),
                inv.number,
                inv.client_name
            );
            if ask(&mut prompt, &question)? {
                chosen.insert(i);
            }
        }
    }
    if chosen.is_empty() {
        writeln!(prompt, "Nothing recorded.")?;
        run.finish(ctx, &chosen)?;
        return Ok(None);
    }
    Ok(Some(chosen))
}

fn ask(out: &mut dyn Write, question: &str) -> Result<bool> {
    write!(out, "{question}")?;
    out.flush()?;
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    Ok(matches!(answer.trim(), "y" | "Y" | "yes" | "Yes"))
}

fn human(minor: i64, code: &str) -> String {
    match Currency::from_code(code) {
        Some(c) => format_human(minor, c, "en"),
        None => format!("{minor} {code}"),
    }
}

fn show_table(ctx: &Context, run: &Run) -> Result<()> {
    let mut out = std::io::stdout().lock();
    if run.lines.is_empty() {
        writeln!(out, "No incoming payments in the statements.")?;
        return Ok(());
    }
    write_table(&mut out, run, ctx.screen())
}

/// The table of credits, fitted to the screen by report::table: "balance
/// after" wraps, then text and payer are cut (the wider first, to 8 at least).
fn write_table(out: &mut dyn Write, run: &Run, screen: Screen) -> Result<()> {
    let mut table = Table::new(&[
        Column::text("date", 0),
        Column::number("amount", 0),
        Column::text("payer", 3).cut(8),
        Column::text("text", 2).cut(8),
        Column::text("match", 1),
        Column::text("invoice", 0),
        Column::number("balance after", 1),
    ]);
    let mut notes = Vec::new();
    for line in &run.lines {
        let c = &line.credit;
        let parts = run.parts(line);
        let word = run.word(line);
        let mut first = vec![
            c.date.to_string(),
            human(c.amount, &c.currency),
            c.payer.clone().unwrap_or_default(),
            one_line(&c.text),
            word.to_string(),
            String::new(),
            String::new(),
        ];
        if let Some(p) = parts.first() {
            first[5] = p.number.clone();
            first[6] = p.balance_after.clone().unwrap_or_default();
        }
        table.push(first);
        for p in parts.iter().skip(1) {
            let mut more = vec![String::new(); 7];
            more[4] = if word == "recorded before" || word == "review" {
                String::new()
            } else {
                "  split".into()
            };
            more[5] = p.number.clone();
            more[6] = p.balance_after.clone().unwrap_or_default();
            table.push(more);
        }
        if let Some(reason) = run.reason(line) {
            notes.push(format!(
                "{}  {}  {word}: {reason}",
                c.date,
                human(c.amount, &c.currency)
            ));
        }
    }
    table.write_to(out, screen)?;
    // Totals per currency, and how many of each kind.
    let mut sums: Vec<(String, i128)> = Vec::new();
    for line in &run.lines {
        let c = &line.credit;
        match sums.iter_mut().find(|(code, _)| *code == c.currency) {
            Some((_, s)) => *s += i128::from(c.amount),
            None => sums.push((c.currency.clone(), i128::from(c.amount))),
        }
    }
    let mut kinds = Vec::new();
    for word in ["certain", "probable", "review", "unmatched", "recorded before"] {
        let n = run.lines.iter().filter(|l| run.word(l) == word).count();
        if n > 0 {
            kinds.push(format!("{n} {word}"));
        }
    }
    let sums: Vec<String> = sums
        .iter()
        .map(|(code, s)| human(i64::try_from(*s).unwrap_or(i64::MAX), code))
        .collect();
    writeln!(
        out,
        "Total {} in {}: {}",
        sums.join(" and "),
        count(run.lines.len(), "credit", "credits"),
        kinds.join(", ")
    )?;
    if !notes.is_empty() {
        writeln!(out)?;
        for n in notes {
            writeln!(out, "{n}")?;
        }
    }
    Ok(())
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notes_are_one_line_and_bounded() {
        let c = Credit {
            date: "2026-11-28".parse().unwrap(),
            amount: 1,
            currency: "SEK".into(),
            payer: Some("ACME AB".into()),
            text: format!("Faktura\n2026-014 {}", "x".repeat(300)),
            reference: None,
            identity: String::new(),
        };
        let n = payment_note(&c).unwrap();
        assert!(n.starts_with("ACME AB: Faktura 2026-014"));
        assert!(!n.contains('\n') && n.chars().count() == 200);
    }
}
