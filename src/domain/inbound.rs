//! What a message read from the mailbox is, and which invoices it concerns
//! (SPEC.md §10): a bounce, a delay notice, an out-of-office answer, a reply,
//! or nothing dun chases.
//!
//! Pure: it gets the facts `mail::inbound` parsed from the message and the
//! facts the command looked up ([`Known`]), and decides. No I/O, no clock,
//! no SQL. The words it recognises are data (`inbound/phrases.toml`).

mod phrases;
mod text;

#[cfg(test)]
mod tests;

use std::collections::{BTreeSet, HashMap, HashSet};

use chrono::{NaiveDate, NaiveDateTime};

pub use text::{new_text, reply_note};

/// The most a message may weigh to be read (SPEC.md §10): 25 MiB.
pub const MAX_MESSAGE_BYTES: u64 = 25 * 1024 * 1024;

/// The deepest MIME nesting read; deeper messages are skipped as unreadable.
pub const MAX_MIME_DEPTH: usize = 16;

/// The longest note a reply leaves on an invoice, in characters.
pub const NOTE_CHARS: usize = 300;

/// A message's header, as far as dun reads it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Header {
    /// Its identity, logged once: its Message-ID (`<…>`), else a hash of its header.
    pub key: String,
    /// `<…>`, when it has one.
    pub message_id: Option<String>,
    pub in_reply_to: Vec<String>,
    pub references: Vec<String>,
    /// The From address, lower case.
    pub from: Option<String>,
    /// `Return-Path: <>`: the null sender of delivery notices.
    pub null_sender: bool,
    /// One line, decoded.
    pub subject: String,
    /// `Date:`, in local time, when readable.
    pub date: Option<NaiveDateTime>,
    /// `Auto-Submitted`, lower case.
    pub auto_submitted: Option<String>,
    /// `X-Autoreply` or `X-Autorespond` is present.
    pub x_autoreply: bool,
    /// `Precedence`, lower case.
    pub precedence: Option<String>,
    /// A mailing list's message (`List-Id`, `List-Unsubscribe`).
    pub list: bool,
    /// `X-Failed-Recipients` (Exim), lower case.
    pub failed_recipients: Vec<String>,
    /// `multipart/report; report-type=delivery-status` (or its global form).
    pub delivery_report: bool,
}

/// What dun reads from a message's body.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Body {
    /// The text the sender wrote: the plain-text part, or the HTML part as
    /// text with its quoted blocks already cut (`mail::inbound`).
    pub text: String,
    /// The per-recipient fields of a delivery report (RFC 3464).
    pub recipients: Vec<RecipientStatus>,
    /// The Message-IDs of the message a delivery notice returns: from its
    /// `message/rfc822` or `text/rfc822-headers` part.
    pub returned_ids: Vec<String>,
    /// `Message-ID:` lines in the text, for notices that quote the returned
    /// message inline (Exim's, qmail's).
    pub quoted_ids: Vec<String>,
}

/// One recipient of a delivery report.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecipientStatus {
    /// `Final-Recipient` (or `Original-Recipient`), lower case, without `rfc822;`.
    pub address: String,
    /// `Action`, lower case: failed, delayed, delivered, relayed, expanded.
    pub action: String,
    /// `Status`, like 5.1.1.
    pub status: String,
    /// `Diagnostic-Code`, without its type.
    pub diagnostic: Option<String>,
}

/// An outgoing message dun sent, as one of its invoices knows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SentOn {
    pub invoice: i64,
    /// The client's addresses changed after it was sent: a bounce of it
    /// is about an address no longer on file.
    pub before_address_change: bool,
}

/// What the command looked up for a batch of messages.
#[derive(Debug, Clone, Default)]
pub struct Known {
    /// Message-IDs (`<…>`) dun sent → the invoices each named.
    pub sent: HashMap<String, Vec<SentOn>>,
    /// Addresses (lower case) of clients and their escalation contacts → client ids.
    pub addresses: HashMap<String, Vec<i64>>,
    /// Per client, its open invoices: (id, number).
    pub open: HashMap<i64, Vec<(i64, String)>>,
    /// The user's own addresses ([sender] email and reply_to), lower case.
    pub own: HashSet<String>,
}

/// What a message is, for the log and the output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    Reply,
    AutoReply,
    Bounce,
    Delay,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Reply => "reply",
            Kind::AutoReply => "auto-reply",
            Kind::Bounce => "bounce",
            Kind::Delay => "delay",
        }
    }
}

/// How an entry goes into the contact log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// e-mail, inbound, `replied`: holds the ladder (rule 4).
    Replied,
    /// e-mail, inbound, `auto-reply`: holds nothing.
    AutoReply,
    /// e-mail, inbound, `bounced`: stops e-mail to the client (rule 11).
    Bounced,
    /// A note (not inbound, no outcome): changes nothing. Delay notices, and
    /// bounces of a message sent to an address that has since changed.
    Note,
}

/// A message that concerns invoices: logged on each.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub kind: Kind,
    /// (invoice id, how it is logged there), in id order, no repeats.
    pub invoices: Vec<(i64, Effect)>,
    /// The note of each entry.
    pub note: String,
}

/// Why a message is not about an invoice dun chases (`-v` says it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Other {
    /// No reference to dun's messages, not from a client.
    NotAboutAnInvoice,
    /// From the user's own address.
    FromYou,
    /// A copy of a message dun sent (its Message-ID is dun's).
    DunsOwn,
    /// A mailing list's or bulk message from a client's address.
    Bulk,
    /// A delivery notice for a message dun did not send.
    NoticeForAnotherMessage,
    /// A delivery report that says the mail arrived.
    Delivered,
    /// From a client with no open invoice.
    NoOpenInvoice,
    /// A mail server's message with no status dun can read.
    UnreadableNotice,
}

impl Other {
    pub fn as_str(self) -> &'static str {
        match self {
            Other::NotAboutAnInvoice => "not about an invoice",
            Other::FromYou => "from you",
            Other::DunsOwn => "a copy of a message dun sent",
            Other::Bulk => "a mailing list or bulk message",
            Other::NoticeForAnotherMessage => "a delivery notice for a message dun did not send",
            Other::Delivered => "a delivery report: delivered",
            Other::NoOpenInvoice => "from a client with no open invoice",
            Other::UnreadableNotice => "a delivery notice with no status dun can read",
        }
    }
}

/// The answer for one message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Log(Finding),
    Other(Other),
}

/// Every Message-ID a header refers to (its own, In-Reply-To, References),
/// for the command's lookup.
pub fn referenced_ids(h: &Header) -> impl Iterator<Item = &String> {
    h.message_id
        .iter()
        .chain(h.in_reply_to.iter())
        .chain(h.references.iter())
}

/// Whether the body must be read to decide: the header refers to dun's
/// messages, comes from a client, or looks like a delivery notice. Anything
/// else is decided from the header alone, without reading the body.
pub fn needs_body(h: &Header, known: &Known) -> Result<(), Other> {
    if h.message_id
        .as_ref()
        .is_some_and(|id| known.sent.contains_key(id))
    {
        return Err(Other::DunsOwn);
    }
    if h.from.as_ref().is_some_and(|f| known.own.contains(f)) {
        return Err(Other::FromYou);
    }
    if looks_like_notice(h) || thread_invoices(h, known).is_some() || from_client(h, known).is_some() {
        return Ok(());
    }
    Err(Other::NotAboutAnInvoice)
}

/// Decides what a message is and which invoices it concerns.
pub fn classify(h: &Header, body: &Body, known: &Known) -> Verdict {
    if let Err(o @ (Other::DunsOwn | Other::FromYou)) = needs_body(h, known) {
        return Verdict::Other(o);
    }
    // 1. Bounces and delays: only the returned message says which invoices.
    match delivery_notice(h, body) {
        Reading::Notice(notice) => return notice_verdict(&notice, body, known),
        Reading::Delivered => return Verdict::Other(Other::Delivered),
        // A mailer's message without a status dun can read is no reply either.
        Reading::NotANotice if from_mailer(h) => return Verdict::Other(Other::UnreadableNotice),
        Reading::NotANotice => {}
    }
    let kind = if is_auto_reply(h) {
        Kind::AutoReply
    } else {
        Kind::Reply
    };
    // Matching 1: a reply to a message dun sent.
    let invoices = match thread_invoices(h, known) {
        Some(ids) => ids,
        None => {
            // Matching 2: from a client or an escalation contact.
            let Some(clients) = from_client(h, known) else {
                return Verdict::Other(Other::NotAboutAnInvoice);
            };
            if is_bulk(h) {
                return Verdict::Other(Other::Bulk);
            }
            let open: Vec<&(i64, String)> = clients
                .iter()
                .flat_map(|c| known.open.get(c).into_iter().flatten())
                .collect();
            let named: Vec<i64> = open
                .iter()
                .filter(|(_, number)| names_number(&h.subject, number))
                .map(|(id, _)| *id)
                .collect();
            if named.is_empty() {
                open.iter().map(|(id, _)| *id).collect()
            } else {
                named
            }
        }
    };
    let invoices: BTreeSet<i64> = invoices.into_iter().collect();
    if invoices.is_empty() {
        return Verdict::Other(Other::NoOpenInvoice);
    }
    let (effect, note) = match kind {
        Kind::AutoReply => (Effect::AutoReply, auto_reply_note(&h.subject, &body.text)),
        _ => (Effect::Replied, reply_note(&h.subject, &body.text)),
    };
    Verdict::Log(Finding {
        kind,
        invoices: invoices.into_iter().map(|i| (i, effect)).collect(),
        note,
    })
}

/// The invoices of the message dun sent that this one answers: In-Reply-To
/// first, else the nearest dun message in References.
fn thread_invoices(h: &Header, known: &Known) -> Option<Vec<i64>> {
    let parent = h
        .in_reply_to
        .iter()
        .find(|id| known.sent.contains_key(*id))
        .or_else(|| h.references.iter().rev().find(|id| known.sent.contains_key(*id)))?;
    Some(known.sent[parent].iter().map(|s| s.invoice).collect())
}

fn from_client<'k>(h: &Header, known: &'k Known) -> Option<&'k Vec<i64>> {
    known.addresses.get(h.from.as_ref()?)
}

/// RFC 3834 and its common stand-ins, or an out-of-office subject.
pub fn is_auto_reply(h: &Header) -> bool {
    h.auto_submitted.as_deref().is_some_and(|v| {
        let v = v.split(';').next().unwrap_or("").trim();
        !v.is_empty() && v != "no"
    }) || h.x_autoreply
        || h.precedence.as_deref() == Some("auto_reply")
        || phrases::get().is_out_of_office(&h.subject)
}

fn is_bulk(h: &Header) -> bool {
    h.list
        || h.precedence
            .as_deref()
            .is_some_and(|p| matches!(p, "bulk" | "list" | "junk"))
}

/// Sent by a mail server, not a person: a report, a mailer-daemon's
/// address. (The null sender alone is not enough: RFC 3834 asks
/// out-of-office answers to use it too.)
fn from_mailer(h: &Header) -> bool {
    h.delivery_report
        || !h.failed_recipients.is_empty()
        || h.from
            .as_deref()
            .is_some_and(|f| phrases::get().is_mailer_daemon(f))
}

fn looks_like_notice(h: &Header) -> bool {
    from_mailer(h) || h.null_sender || phrases::get().is_bounce_subject(&h.subject)
}

/// What [`delivery_notice`] made of a message.
enum Reading {
    Notice(Notice),
    /// A report that says the mail arrived (or was relayed).
    Delivered,
    NotANotice,
}

/// A delivery notice: which recipients failed (or are delayed), and why.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Notice {
    failed: bool,
    /// (address, status, diagnostic)
    recipients: Vec<(String, String, Option<String>)>,
}

/// Reads a bounce or delay out of a message, if it is one: an RFC 3464
/// report with `Action: failed` (or `delayed`), or a mailer-daemon's
/// message carrying an enhanced status code.
fn delivery_notice(h: &Header, body: &Body) -> Reading {
    let with = |action: &str| -> Vec<(String, String, Option<String>)> {
        body.recipients
            .iter()
            .filter(|r| r.action == action)
            .map(|r| (r.address.clone(), r.status.clone(), r.diagnostic.clone()))
            .collect()
    };
    if !body.recipients.is_empty() {
        let failed = with("failed");
        if !failed.is_empty() {
            return Reading::Notice(Notice {
                failed: true,
                recipients: failed,
            });
        }
        let delayed = with("delayed");
        if !delayed.is_empty() {
            return Reading::Notice(Notice {
                failed: false,
                recipients: delayed,
            });
        }
        // delivered, relayed, expanded: a success report, not a bounce.
        return Reading::Delivered;
    }
    if !looks_like_notice(h) || is_auto_reply_only(h) {
        return Reading::NotANotice;
    }
    // A mailer-daemon's message in prose: its enhanced status codes.
    let explanation = explanation(&body.text);
    let statuses = status_codes(explanation);
    let permanent = statuses.iter().find(|s| s.starts_with('5'));
    let transient = statuses.iter().find(|s| s.starts_with('4'));
    let Some(status) = permanent.or(transient).cloned() else {
        return Reading::NotANotice;
    };
    let mut addresses: Vec<String> = h.failed_recipients.clone();
    if addresses.is_empty() {
        addresses.extend(first_address(explanation, h));
    }
    if addresses.is_empty() {
        addresses.push("the recipient".into());
    }
    Reading::Notice(Notice {
        failed: status.starts_with('5'),
        recipients: addresses.into_iter().map(|a| (a, status.clone(), None)).collect(),
    })
}

/// An out-of-office answer is read as a notice only when a mail server sent it.
fn is_auto_reply_only(h: &Header) -> bool {
    !from_mailer(h) && is_auto_reply(h)
}

/// The part of a notice before the copy of the returned message.
fn explanation(text: &str) -> &str {
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let l = line.trim().to_lowercase();
        if l.starts_with("message-id:")
            || l.contains("this is a copy of the message")
            || l.contains("original message follows")
            || l.starts_with("--- below this line is a copy")
        {
            return &text[..offset];
        }
        offset += line.len();
    }
    text
}

/// Enhanced status codes (RFC 3463: class.subject.detail) in prose, in order.
pub fn status_codes(text: &str) -> Vec<String> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let boundary = i == 0 || !(b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'.');
        if boundary && (b[i] == b'4' || b[i] == b'5') && b.get(i + 1) == Some(&b'.') {
            let mut j = i + 2;
            let digits = |j: &mut usize| {
                let start = *j;
                while *j < b.len() && b[*j].is_ascii_digit() && *j - start < 3 {
                    *j += 1;
                }
                *j > start
            };
            if digits(&mut j) && b.get(j) == Some(&b'.') {
                j += 1;
                let detail = digits(&mut j);
                let ends = match b.get(j) {
                    None => true,
                    Some(c) if c.is_ascii_alphanumeric() => false,
                    // A sentence's full stop, not a fourth number.
                    Some(b'.') => !b.get(j + 1).is_some_and(u8::is_ascii_digit),
                    Some(_) => true,
                };
                if detail && ends {
                    out.push(text[i..j].to_string());
                    i = j;
                    continue;
                }
            }
        }
        i += 1;
    }
    out
}

/// The first address in a notice's explanation that is not its sender's.
fn first_address(text: &str, h: &Header) -> Option<String> {
    let p = phrases::get();
    text.split(|c: char| c.is_whitespace() || "<>()[],;:\"'".contains(c))
        .map(|t| t.trim_matches('.').to_lowercase())
        .filter(|t| {
            t.split_once('@').is_some_and(|(l, d)| {
                !l.is_empty() && d.contains('.') && !d.starts_with('.') && !d.ends_with('.')
            })
        })
        .find(|t| Some(t) != h.from.as_ref() && !p.is_mailer_daemon(t))
}

fn notice_verdict(n: &Notice, body: &Body, known: &Known) -> Verdict {
    // The returned message names the invoices; a notice that returns no
    // message of dun's concerns none of them.
    let ids = if body.returned_ids.is_empty() {
        &body.quoted_ids
    } else {
        &body.returned_ids
    };
    let mut invoices: Vec<(i64, Effect)> = Vec::new();
    for id in ids {
        for s in known.sent.get(id).into_iter().flatten() {
            let effect = if !n.failed || s.before_address_change {
                Effect::Note
            } else {
                Effect::Bounced
            };
            if !invoices.iter().any(|(i, _)| *i == s.invoice) {
                invoices.push((s.invoice, effect));
            }
        }
    }
    if invoices.is_empty() {
        return Verdict::Other(Other::NoticeForAnotherMessage);
    }
    invoices.sort_by_key(|(i, _)| *i);
    let stale = n.failed && invoices.iter().all(|(_, e)| *e == Effect::Note);
    let mut note = n
        .recipients
        .iter()
        .map(|(addr, status, diagnostic)| {
            format!("{addr}: {status} {}", status_words(status, diagnostic.as_deref()))
        })
        .collect::<Vec<_>>()
        .join("; ");
    if !n.failed {
        note = format!("delayed, the server keeps trying: {note}");
    } else if stale {
        note.push_str(" (sent before the address was changed; e-mail goes on)");
    }
    Verdict::Log(Finding {
        kind: if n.failed { Kind::Bounce } else { Kind::Delay },
        invoices,
        // The addresses and codes are the mail server's words: one line,
        // without control characters, like every note.
        note: clip(&one_line(&note), NOTE_CHARS),
    })
}

/// "user unknown" for 5.1.1; the server's own words for a code not in the table.
pub fn status_words(status: &str, diagnostic: Option<&str>) -> String {
    let detail = status.split_once('.').map_or("", |(_, d)| d);
    if let Some(w) = phrases::get().status.get(detail) {
        return w.clone();
    }
    match diagnostic {
        Some(d) if !d.trim().is_empty() => clip(&one_line(d), 80),
        _ => "delivery failed".into(),
    }
}

/// Whether an invoice number appears in a subject as a whole word:
/// `2026-014` in "Re: Invoice 2026-014" but not in "2026-0145".
pub fn names_number(subject: &str, number: &str) -> bool {
    if number.is_empty() {
        return false;
    }
    let s = subject.to_lowercase();
    let n = number.to_lowercase();
    let mut from = 0;
    while let Some(pos) = s[from..].find(&n) {
        let start = from + pos;
        let end = start + n.len();
        let before = s[..start].chars().next_back();
        let after = s[end..].chars().next();
        let word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric());
        if !word(before) && !word(after) {
            return true;
        }
        from = start + s[start..].chars().next().map_or(1, char::len_utf8);
    }
    false
}

fn auto_reply_note(subject: &str, text: &str) -> String {
    // Each line as one_line makes it: a hostile answer's escape sequences
    // and NULs never reach the log, nor the terminal that shows the note.
    let first = new_text(text)
        .lines()
        .map(one_line)
        .filter(|l| !l.is_empty())
        .take(2)
        .collect::<Vec<_>>()
        .join(" ");
    let note = if first.is_empty() {
        one_line(subject)
    } else {
        first
    };
    clip(&note, 160)
}

/// The day an entry is logged on: the message's `Date`, unless it is
/// missing or more than a day after the server received it (a wrong clock
/// or a forged date), then the arrival.
pub fn entry_day(date: Option<NaiveDateTime>, arrival: Option<NaiveDateTime>) -> Option<NaiveDate> {
    match (date, arrival) {
        (Some(d), Some(a)) if d > a + chrono::Duration::days(1) => Some(a.date()),
        (Some(d), _) => Some(d.date()),
        (None, a) => a.map(|a| a.date()),
    }
}

/// Whitespace runs (newlines included) as one space; control characters dropped.
pub fn one_line(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .filter(|c| !c.is_control())
        .collect()
}

/// At most `max` characters, with `…` when cut.
pub fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.truncate(out.trim_end().len());
    out.push('…');
    out
}
