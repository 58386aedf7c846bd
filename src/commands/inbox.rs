//! `dun inbox`, `dun inbox test`, and the read `dun send` does first
//! (SPEC.md §10).
//!
//! Phases, per batch of messages: list (what is new since the stored
//! position) → headers (parsed; what is logged already, dated after today,
//! or plainly not about an invoice is settled here) → bodies of the rest →
//! classify (`domain::inbound`) → write the entries and the new position in
//! one transaction. The mailbox itself is only ever read.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::Write;

use anyhow::{Result, anyhow};
use chrono::{NaiveDate, NaiveDateTime};
use rusqlite::Connection;
use serde::Serialize;

use crate::cli::{Format, InboxArgs, InboxCommand};
use crate::config::Inbox;
use crate::context::Context;
use crate::domain::contact::{Channel, Outcome};
use crate::domain::inbound::{
    self, Body, Effect, Header, Kind, Known, MAX_MESSAGE_BYTES, Other, Verdict, clip, entry_day,
};
use crate::exit;
use crate::mail::{imap, inbound as mime, maildir};
use crate::store::{self, InboxEntry, Position, Store};

/// Messages per batch: one transaction each.
const BATCH: usize = 500;

/// Set to make `dun inbox` stop dead right after its first batch is
/// written, as a crash would: for testing that the next read carries on.
/// Never set it in normal use.
pub const FAULT_ENV: &str = "DUN_FAULT_AFTER_INBOX_BATCH";
/// Bytes of whole messages per FETCH.
const BODY_BYTES: u64 = 16 * 1024 * 1024;

pub fn run(ctx: &Context, args: InboxArgs) -> Result<u8> {
    let source = configured(ctx)?;
    match args.command {
        Some(InboxCommand::Test) => test(ctx, source),
        None => {
            let mut db = ctx.open_store()?;
            let report = read(ctx, &mut db, source, args.dry_run)?;
            print(ctx, &report, args.dry_run)?;
            Ok(exit::OK)
        }
    }
}

fn configured(ctx: &Context) -> Result<&Inbox> {
    ctx.config.inbox.as_ref().ok_or_else(|| {
        anyhow!(
            "there is no [imap] or [maildir] section in {}; add one to say where your replies arrive (dun init writes a commented one)",
            ctx.config_path.display()
        )
    })
}

/// What `dun send` does first: reads the inbox when one is configured
/// (`None` when none is). With `dry_run` nothing is written; the entries
/// that would be are in the report, for [`apply_pending`].
pub fn before_send(ctx: &Context, db: &mut Store, dry_run: bool) -> Result<Option<Report>> {
    let Some(source) = ctx.config.inbox.as_ref() else {
        return Ok(None);
    };
    let report = read(ctx, db, source, dry_run)?;
    if !ctx.quiet && ctx.format == Format::Table && (!report.logged.is_empty() || ctx.verbose) {
        print(ctx, &report, dry_run)?;
    }
    Ok(Some(report))
}

/// Writes the entries a dry run would have logged into `conn` (a
/// transaction the caller rolls back), so that a dry `dun send` plans as
/// the real one would.
pub fn apply_pending(conn: &Connection, report: &Report, at: &str) -> Result<()> {
    for e in &report.pending {
        store::insert_inbox_entry(conn, e, at)?;
    }
    Ok(())
}

/// One entry logged (or, in a dry run, to be logged): the JSON shape of
/// `dun inbox --format json`.
#[derive(Debug, Clone, Serialize)]
pub struct Logged {
    pub invoice: String,
    pub client: String,
    #[serde(skip)]
    pub client_name: String,
    pub kind: Kind,
    pub on: NaiveDate,
    pub from: Option<String>,
    pub subject: String,
    pub note: String,
    pub message_id: Option<String>,
}

/// A message that was not about an invoice, for `-v`.
#[derive(Debug, Clone)]
struct Skipped {
    date: Option<NaiveDate>,
    from: String,
    subject: String,
    why: String,
}

/// What one read found.
#[derive(Debug, Default)]
pub struct Report {
    pub logged: Vec<Logged>,
    /// Messages (not entries) logged, per kind.
    kinds: BTreeMap<&'static str, usize>,
    others: Vec<Skipped>,
    unreadable: Vec<String>,
    too_big: Vec<String>,
    waiting: usize,
    /// Entries a dry run would write.
    pending: Vec<InboxEntry>,
}

/// What stays the same over a whole read.
struct Run<'a> {
    ctx: &'a Context,
    dry_run: bool,
    addresses: HashMap<String, Vec<i64>>,
    own: HashSet<String>,
    /// Message keys handled in this run (a message in two folders).
    seen: HashSet<String>,
    report: Report,
}

/// A message of the listing: where it is, its size, when it arrived.
#[derive(Debug, Clone)]
struct Item {
    id: u32,
    size: u64,
    arrival: Option<NaiveDateTime>,
    /// For messages: "INBOX UID 42", "cur/1700000000.M1.host:2,S".
    name: String,
}

/// A mailbox being read: IMAP or Maildir.
trait Folder {
    fn headers(&mut self, ids: &[u32]) -> Result<Vec<(u32, Vec<u8>)>>;
    fn bodies(&mut self, ids: &[u32], bytes: u64) -> Result<Vec<(u32, Vec<u8>)>>;
}

struct ImapFolder<'c>(&'c mut imap::Connection);

impl Folder for ImapFolder<'_> {
    fn headers(&mut self, ids: &[u32]) -> Result<Vec<(u32, Vec<u8>)>> {
        self.0.headers(ids)
    }
    fn bodies(&mut self, ids: &[u32], bytes: u64) -> Result<Vec<(u32, Vec<u8>)>> {
        self.0.bodies(ids, bytes)
    }
}

struct MaildirFolder(Vec<maildir::Entry>);

impl Folder for MaildirFolder {
    fn headers(&mut self, ids: &[u32]) -> Result<Vec<(u32, Vec<u8>)>> {
        let mut out = Vec::new();
        for &id in ids {
            if let Some(h) = maildir::read_header(&self.0[id as usize])? {
                out.push((id, h));
            }
        }
        Ok(out)
    }
    fn bodies(&mut self, ids: &[u32], _bytes: u64) -> Result<Vec<(u32, Vec<u8>)>> {
        let mut out = Vec::new();
        for &id in ids {
            if let Some(b) = maildir::read(&self.0[id as usize], MAX_MESSAGE_BYTES + 1)? {
                out.push((id, b));
            }
        }
        Ok(out)
    }
}

/// Reads the inbox and logs (unless `dry_run`) what concerns invoices.
fn read(ctx: &Context, db: &mut Store, source: &Inbox, dry_run: bool) -> Result<Report> {
    let mut own: HashSet<String> = [&ctx.config.sender.email, &ctx.config.sender.reply_to]
        .into_iter()
        .flatten()
        .map(|a| a.trim().to_lowercase())
        .collect();
    if let Inbox::Imap(cfg) = source
        && cfg.username.contains('@')
    {
        own.insert(cfg.username.to_lowercase());
    }
    let mut run = Run {
        ctx,
        dry_run,
        addresses: store::address_book(db.conn())?,
        own,
        seen: HashSet::new(),
        report: Report::default(),
    };
    match source {
        Inbox::Imap(cfg) => run.imap(db, cfg)?,
        Inbox::Maildir(path) => run.maildir(db, path)?,
    }
    Ok(run.report)
}

impl Run<'_> {
    /// Each IMAP mailbox from where the last read left it.
    fn imap(&mut self, db: &mut Store, cfg: &crate::config::Imap) -> Result<()> {
        let ctx = self.ctx;
        let mut conn = imap::Connection::open(cfg, ctx.verbose)?;
        let account = imap::account(cfg);
        let positions = store::mailbox_positions(db.conn(), &account)?;
        // Every mailbox must open before anything is read or written.
        for mailbox in &cfg.mailboxes {
            conn.examine(mailbox)?;
        }
        for mailbox in &cfg.mailboxes {
            let opened = conn.examine(mailbox)?;
            let stored = positions.get(mailbox).copied();
            let from = match stored {
                Some(p) if p.uid_validity == opened.uid_validity => p.last_uid.saturating_add(1),
                // New, or UIDVALIDITY changed: from the start (harmless, see message keys).
                _ => 1,
            };
            let fresh = stored.is_none_or(|p| p.uid_validity != opened.uid_validity);
            let nothing_new = opened.exists == 0 || opened.uid_next.is_some_and(|n| n <= from);
            if ctx.verbose {
                eprintln!(
                    "dun: {mailbox}: {} message(s), reading from UID {from}",
                    opened.exists
                );
            }
            let items: Vec<Item> = if nothing_new {
                Vec::new()
            } else {
                conn.list(from, opened.exists)?
                    .into_iter()
                    .map(|l| Item {
                        id: l.uid,
                        size: l.size,
                        arrival: l.arrival,
                        name: format!("{mailbox} UID {}", l.uid),
                    })
                    .collect()
            };
            let start = Position {
                uid_validity: opened.uid_validity,
                last_uid: from - 1,
            };
            let mut folder = ImapFolder(&mut conn);
            let keep = Keep::Imap {
                account: &account,
                mailbox,
                start,
                write_start: fresh,
            };
            self.folder(db, &mut folder, &items, keep)?;
        }
        conn.logout();
        Ok(())
    }

    /// A Maildir, read whole.
    fn maildir(&mut self, db: &mut Store, path: &std::path::Path) -> Result<()> {
        let entries = maildir::list(path)?;
        let items: Vec<Item> = entries
            .iter()
            .enumerate()
            .map(|(i, e)| Item {
                id: i as u32,
                size: e.size,
                arrival: e.modified,
                name: e.name.clone(),
            })
            .collect();
        let mut folder = MaildirFolder(entries);
        self.folder(db, &mut folder, &items, Keep::Nothing)?;
        Ok(())
    }
}

/// What a batch writes besides its entries.
#[derive(Clone, Copy)]
enum Keep<'a> {
    /// Maildirs are read whole: no position.
    Nothing,
    Imap {
        account: &'a str,
        mailbox: &'a str,
        /// The position before this read.
        start: Position,
        /// Write `start` even if nothing is read (a new UIDVALIDITY).
        write_start: bool,
    },
}

impl Run<'_> {
    fn folder(&mut self, db: &mut Store, folder: &mut dyn Folder, items: &[Item], keep: Keep) -> Result<()> {
        let mut position = match keep {
            Keep::Imap { start, .. } => Some(start),
            Keep::Nothing => None,
        };
        // Once a message waits (dated after today), the position stops before it.
        let mut held = false;
        if let Keep::Imap {
            account,
            mailbox,
            start,
            write_start: true,
        } = keep
            && items.is_empty()
            && !self.dry_run
        {
            db.write(|tx| store::set_mailbox_position(tx, account, mailbox, start, &self.ctx.now))?;
        }
        for batch in items.chunks(BATCH) {
            let outcome = self.batch(db.conn(), folder, batch)?;
            if let Some(p) = position.as_mut() {
                for item in batch {
                    if outcome.waiting.contains(&item.id) {
                        held = true;
                    }
                    if !held {
                        p.last_uid = p.last_uid.max(item.id);
                    }
                }
            }
            if self.dry_run {
                self.report.pending.extend(outcome.entries);
                continue;
            }
            db.write(|tx| {
                for e in &outcome.entries {
                    store::insert_inbox_entry(tx, e, &self.ctx.now)?;
                }
                if let (Keep::Imap { account, mailbox, .. }, Some(p)) = (keep, position) {
                    store::set_mailbox_position(tx, account, mailbox, p, &self.ctx.now)?;
                }
                Ok(())
            })?;
            if std::env::var_os(FAULT_ENV).is_some() {
                eprintln!("dun: {FAULT_ENV} is set: stopping after a batch, as a crash would");
                std::process::abort();
            }
        }
        Ok(())
    }

    /// Decides one batch; writes nothing. Phases: headers → triage →
    /// bodies → classify → entries.
    fn batch(&mut self, conn: &Connection, folder: &mut dyn Folder, batch: &[Item]) -> Result<BatchOutcome> {
        let by_id: HashMap<u32, &Item> = batch.iter().map(|i| (i.id, i)).collect();
        let headers = self.headers(folder, batch, &by_id)?;
        let mut known = Known {
            addresses: std::mem::take(&mut self.addresses),
            own: std::mem::take(&mut self.own),
            ..Known::default()
        };
        let result = self.decide(conn, folder, &by_id, headers, &mut known);
        self.addresses = std::mem::take(&mut known.addresses);
        self.own = std::mem::take(&mut known.own);
        result
    }

    /// The headers of the messages under the size cap, parsed.
    fn headers(
        &mut self,
        folder: &mut dyn Folder,
        batch: &[Item],
        by_id: &HashMap<u32, &Item>,
    ) -> Result<Vec<(u32, Header)>> {
        let mut wanted = Vec::new();
        for item in batch {
            if item.size > MAX_MESSAGE_BYTES {
                self.report.too_big.push(item.name.clone());
            } else {
                wanted.push(item.id);
            }
        }
        let mut headers = Vec::new();
        for (id, raw) in folder.headers(&wanted)? {
            let Some(item) = by_id.get(&id) else { continue };
            match mime::parse_header(&raw) {
                Ok(h) => headers.push((id, h)),
                Err(e) => self.report.unreadable.push(format!("{}: {e}", item.name)),
            }
        }
        Ok(headers)
    }

    fn decide(
        &mut self,
        conn: &Connection,
        folder: &mut dyn Folder,
        by_id: &HashMap<u32, &Item>,
        headers: Vec<(u32, Header)>,
        known: &mut Known,
    ) -> Result<BatchOutcome> {
        let mut out = BatchOutcome::default();
        let candidates = self.triage(conn, by_id, &headers, known, &mut out)?;
        let parsed = self.bodies(folder, by_id, &candidates)?;
        // What the bodies refer to, and the clients they come from.
        let more: Vec<String> = parsed
            .iter()
            .flat_map(|m| {
                m.body
                    .returned_ids
                    .iter()
                    .chain(m.body.quoted_ids.iter())
                    .cloned()
            })
            .filter(|id| !known.sent.contains_key(id))
            .collect();
        add_sent(conn, known, &more)?;
        let clients: HashSet<i64> = parsed
            .iter()
            .filter_map(|m| known.addresses.get(m.header.from.as_ref()?))
            .flatten()
            .copied()
            .collect();
        known.open = store::open_invoices_of(conn, &clients.into_iter().collect::<Vec<_>>())?;
        let mut findings = Vec::new();
        for m in parsed {
            if !self.seen.insert(m.header.key.clone()) {
                continue;
            }
            match inbound::classify(&m.header, &m.body, known) {
                Verdict::Log(f) => findings.push((m.day, m.header, f)),
                Verdict::Other(why) => self.other(&m.header, m.day, why),
            }
        }
        self.record(conn, findings, &mut out)?;
        Ok(out)
    }

    /// Settles what the header alone decides (logged already, dated after
    /// today, not about an invoice); returns the rest with their day.
    fn triage(
        &mut self,
        conn: &Connection,
        by_id: &HashMap<u32, &Item>,
        headers: &[(u32, Header)],
        known: &mut Known,
        out: &mut BatchOutcome,
    ) -> Result<Vec<(u32, NaiveDate)>> {
        let today = self.ctx.today;
        let keys: Vec<String> = headers.iter().map(|(_, h)| h.key.clone()).collect();
        let logged = store::logged_message_keys(conn, &keys)?;
        let refs: Vec<String> = headers
            .iter()
            .flat_map(|(_, h)| inbound::referenced_ids(h).cloned())
            .collect();
        add_sent(conn, known, &refs)?;
        let mut candidates = Vec::new();
        for (id, h) in headers {
            if logged.contains(&h.key) || self.seen.contains(&h.key) {
                continue;
            }
            let day = entry_day(h.date, by_id[id].arrival).unwrap_or(today);
            if day > today {
                out.waiting.insert(*id);
                self.report.waiting += 1;
                continue;
            }
            match inbound::needs_body(h, known) {
                Ok(()) => candidates.push((*id, day)),
                Err(why) => {
                    self.seen.insert(h.key.clone());
                    self.other(h, day, why);
                }
            }
        }
        Ok(candidates)
    }

    /// The whole candidates, a few megabytes per fetch, parsed.
    fn bodies(
        &mut self,
        folder: &mut dyn Folder,
        by_id: &HashMap<u32, &Item>,
        candidates: &[(u32, NaiveDate)],
    ) -> Result<Vec<Parsed>> {
        let days: HashMap<u32, NaiveDate> = candidates.iter().copied().collect();
        let mut parsed = Vec::new();
        let mut i = 0;
        while i < candidates.len() {
            let mut bytes = 0;
            let mut ids = Vec::new();
            while i < candidates.len()
                && (ids.is_empty() || bytes + by_id[&candidates[i].0].size <= BODY_BYTES)
            {
                bytes += by_id[&candidates[i].0].size;
                ids.push(candidates[i].0);
                i += 1;
            }
            for (id, raw) in folder.bodies(&ids, bytes)? {
                let (Some(item), Some(day)) = (by_id.get(&id), days.get(&id)) else {
                    continue;
                };
                if raw.len() as u64 > MAX_MESSAGE_BYTES {
                    self.report.too_big.push(item.name.clone());
                    continue;
                }
                match mime::parse(&raw) {
                    Ok((header, body)) => parsed.push(Parsed {
                        day: *day,
                        header,
                        body,
                    }),
                    Err(e) => self.report.unreadable.push(format!("{}: {e}", item.name)),
                }
            }
        }
        Ok(parsed)
    }

    /// The log entries of the findings, one per invoice, and their lines in the report.
    fn record(
        &mut self,
        conn: &Connection,
        findings: Vec<(NaiveDate, Header, inbound::Finding)>,
        out: &mut BatchOutcome,
    ) -> Result<()> {
        let ids: Vec<i64> = findings
            .iter()
            .flat_map(|(_, _, f)| f.invoices.iter().map(|(i, _)| *i))
            .collect();
        let labels = store::invoice_labels(conn, &ids)?;
        for (day, h, f) in findings {
            *self.report.kinds.entry(f.kind.as_str()).or_default() += 1;
            for (invoice_id, effect) in &f.invoices {
                let (channel, inbound, outcome) = match effect {
                    Effect::Replied => (Channel::Email, true, Some(Outcome::Replied)),
                    Effect::AutoReply => (Channel::Email, true, Some(Outcome::AutoReply)),
                    Effect::Bounced => (Channel::Email, true, Some(Outcome::Bounced)),
                    Effect::Note => (Channel::Note, false, None),
                };
                out.entries.push(InboxEntry {
                    invoice_id: *invoice_id,
                    channel,
                    inbound,
                    on: day,
                    outcome,
                    note: f.note.clone(),
                    from: h.from.clone(),
                    subject: h.subject.clone(),
                    message_id: h.message_id.clone(),
                    message_key: h.key.clone(),
                });
                if let Some(l) = labels.get(invoice_id) {
                    self.report.logged.push(Logged {
                        invoice: l.number.clone(),
                        client: l.client_handle.clone(),
                        client_name: l.client_name.clone(),
                        kind: f.kind,
                        on: day,
                        from: h.from.clone(),
                        subject: h.subject.clone(),
                        note: f.note.clone(),
                        message_id: h.message_id.clone(),
                    });
                }
            }
        }
        Ok(())
    }

    fn other(&mut self, h: &Header, day: NaiveDate, why: Other) {
        self.report.others.push(Skipped {
            date: Some(day),
            from: h.from.clone().unwrap_or_else(|| "(no sender)".into()),
            subject: h.subject.clone(),
            why: why.as_str().into(),
        });
    }
}

/// A message read whole, with the day it is logged on.
struct Parsed {
    day: NaiveDate,
    header: Header,
    body: Body,
}

/// What one batch decided.
#[derive(Default)]
struct BatchOutcome {
    entries: Vec<InboxEntry>,
    /// Messages dated after today: left for a later run.
    waiting: HashSet<u32>,
}

fn add_sent(conn: &Connection, known: &mut Known, ids: &[String]) -> Result<()> {
    let mut ids: Vec<String> = ids.to_vec();
    ids.sort();
    ids.dedup();
    for (id, sent) in store::sent_messages(conn, &ids)? {
        let list = known.sent.entry(id).or_default();
        if !list.contains(&sent) {
            list.push(sent);
        }
    }
    Ok(())
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

impl Report {
    /// "2 replies, 1 bounce, 1 auto-reply logged; 14 other messages"
    fn summary(&self, dry_run: bool) -> String {
        let k = |name: &str| self.kinds.get(name).copied().unwrap_or(0);
        let mut found = Vec::new();
        for (name, one, many) in [
            ("reply", "reply", "replies"),
            ("bounce", "bounce", "bounces"),
            ("auto-reply", "auto-reply", "auto-replies"),
            ("delay", "delay notice", "delay notices"),
        ] {
            if k(name) > 0 {
                found.push(plural(k(name), one, many));
            }
        }
        let mut s = if found.is_empty() {
            if dry_run {
                "nothing to log".to_string()
            } else {
                "nothing logged".to_string()
            }
        } else {
            format!(
                "{} {}",
                found.join(", "),
                if dry_run { "would be logged" } else { "logged" }
            )
        };
        let mut rest = vec![plural(self.others.len(), "other message", "other messages")];
        if !self.unreadable.is_empty() {
            rest.push(format!("{} unreadable", self.unreadable.len()));
        }
        if !self.too_big.is_empty() {
            rest.push(format!("{} over 25 MiB skipped", self.too_big.len()));
        }
        if self.waiting > 0 {
            rest.push(format!(
                "{} dated after today left for later",
                plural(self.waiting, "message", "messages")
            ));
        }
        s.push_str("; ");
        s.push_str(&rest.join(", "));
        if dry_run {
            s.push_str(" (dry run: nothing written)");
        }
        s
    }
}

fn print(ctx: &Context, r: &Report, dry_run: bool) -> Result<()> {
    if ctx.verbose {
        for o in &r.others {
            eprintln!(
                "dun: not about an invoice ({}): {}  {}  {}",
                o.why,
                o.date.map(|d| d.to_string()).unwrap_or_default(),
                o.from,
                o.subject
            );
        }
        for u in &r.unreadable {
            eprintln!("dun: skipped, cannot be read: {u}");
        }
        for b in &r.too_big {
            eprintln!("dun: skipped, over 25 MiB: {b}");
        }
    }
    let mut out = std::io::stdout().lock();
    match ctx.format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut out, &r.logged)?;
            writeln!(out)?;
        }
        Format::Csv => {
            let mut w = crate::report::Renderer::new(&mut out, Format::Csv, false);
            for l in &r.logged {
                w.row(l)?;
            }
            w.finish(&[
                "invoice",
                "client",
                "kind",
                "on",
                "from",
                "subject",
                "note",
                "message_id",
            ])?;
        }
        Format::Table => {
            if ctx.quiet {
                return Ok(());
            }
            for l in &r.logged {
                let line = format!(
                    "{}  {}  {}  {}  {}",
                    l.invoice,
                    l.client_name,
                    l.kind.as_str(),
                    l.on,
                    l.note
                );
                // On a terminal one screen line each; the whole note is in
                // `dun invoice show` and the JSON.
                let line = if ctx.stdout_tty { clip(&line, 80) } else { line };
                writeln!(out, "{line}")?;
            }
            let summary = r.summary(dry_run);
            let mut chars = summary.chars();
            let first: String = chars
                .next()
                .map(|c| c.to_uppercase().collect())
                .unwrap_or_default();
            writeln!(out, "{first}{}.", chars.as_str())?;
        }
    }
    Ok(())
}

/// `dun inbox test`: connects, logs in, opens each mailbox read-only and
/// says how many messages it holds.
fn test(ctx: &Context, source: &Inbox) -> Result<u8> {
    match source {
        Inbox::Imap(cfg) => {
            let mut conn = imap::Connection::open(cfg, ctx.verbose)?;
            let mut lines = Vec::new();
            for mailbox in &cfg.mailboxes {
                let opened = conn.examine(mailbox)?;
                lines.push(format!(
                    "  {mailbox}: {} (opened read-only)",
                    plural(opened.exists as usize, "message", "messages")
                ));
            }
            let server = conn.server.clone();
            conn.logout();
            let how = imap::security_words(cfg.security);
            ctx.say(format!(
                "logged in to {server} ({how}) as {}; nothing was changed",
                cfg.username
            ));
            for l in lines {
                ctx.say(l);
            }
        }
        Inbox::Maildir(path) => {
            let entries = maildir::list(path)?;
            let new = entries.iter().filter(|e| e.name.starts_with("new/")).count();
            ctx.say(format!(
                "{}: {} ({new} in new/, {} in cur/); nothing was changed",
                path.display(),
                plural(entries.len(), "message", "messages"),
                entries.len() - new
            ));
        }
    }
    Ok(exit::OK)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_summary_counts_in_words() {
        let mut r = Report::default();
        r.kinds.insert("reply", 2);
        r.kinds.insert("bounce", 1);
        r.kinds.insert("auto-reply", 1);
        for _ in 0..14 {
            r.others.push(Skipped {
                date: None,
                from: String::new(),
                subject: String::new(),
                why: String::new(),
            });
        }
        assert_eq!(
            r.summary(false),
            "2 replies, 1 bounce, 1 auto-reply logged; 14 other messages"
        );
        assert_eq!(
            Report::default().summary(false),
            "nothing logged; 0 other messages"
        );
    }
}
