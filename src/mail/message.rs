//! Builds the RFC 5322 message: From, To, Reply-To, Date, Message-ID,
//! Auto-Submitted, threading headers, subject and a UTF-8 plain-text body.
//!
//! Header injection is impossible by construction: names and subjects lose
//! every control character, addresses are parsed, and lettre encodes the rest.

use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::SystemTime;

use anyhow::{Context as _, Result, anyhow};
use lettre::Message;
use lettre::message::header::{ContentType, Header, HeaderName, HeaderValue};
use lettre::message::{Mailbox, Mailboxes};

/// `Auto-Submitted: auto-generated` (RFC 3834): tells auto-responders not to answer.
#[derive(Clone)]
struct AutoSubmitted;

impl Header for AutoSubmitted {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("Auto-Submitted")
    }

    fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(AutoSubmitted)
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), "auto-generated".to_string())
    }
}

/// `text/plain; charset=utf-8; format=flowed` (RFC 3676): the body's soft
/// breaks end in a space (mail::flowed).
fn flowed_text() -> ContentType {
    ContentType::parse("text/plain; charset=utf-8; format=flowed").expect("a valid content type")
}

/// A message ready to be built.
#[derive(Debug, Clone)]
pub struct Outgoing {
    pub from_name: String,
    pub from_email: String,
    pub reply_to: Option<String>,
    /// (display name, address)
    pub to: Vec<(String, String)>,
    pub subject: String,
    pub body: String,
    pub message_id: String,
    /// Earlier messages on the same invoices, oldest first.
    pub references: Vec<String>,
}

fn one_line(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn mailbox(name: &str, address: &str) -> Result<Mailbox> {
    let addr = address
        .trim()
        .parse()
        .with_context(|| format!("e-mail address \"{address}\" is not valid"))?;
    let name = one_line(name);
    Ok(Mailbox::new((!name.is_empty()).then_some(name), addr))
}

/// A new, unique Message-ID at the sender's domain.
pub fn new_message_id(from_email: &str) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let domain = from_email.rsplit_once('@').map_or("dun.invalid", |(_, d)| d);
    let nanos = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(nanos);
    h.write_u32(std::process::id());
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    h.write_u64(n);
    format!(
        "<dun.{nanos:x}.{}.{n}.{:016x}@{domain}>",
        std::process::id(),
        h.finish()
    )
}

impl Outgoing {
    pub fn build(&self, date: SystemTime) -> Result<Message> {
        let mut b = Message::builder()
            .from(mailbox(&self.from_name, &self.from_email)?)
            .subject(one_line(&self.subject))
            .date(date)
            .message_id(Some(self.message_id.clone()))
            .header(AutoSubmitted)
            .header(flowed_text());
        let mut to = Mailboxes::new();
        for (name, addr) in &self.to {
            to.push(mailbox(name, addr)?);
        }
        if to.iter().next().is_none() {
            return Err(anyhow!("the message has no recipient"));
        }
        b = b.mailbox(lettre::message::header::To::from(to));
        if let Some(r) = &self.reply_to {
            b = b.reply_to(mailbox(&self.from_name, r)?);
        }
        if let Some(last) = self.references.last() {
            b = b.in_reply_to(last.clone()).references(self.references.join(" "));
        }
        let message = b.body(self.body.clone()).context("cannot build the message")?;
        check_line_lengths(&message.formatted())?;
        Ok(message)
    }
}

/// RFC 5322 §2.1.1: no line of a message passes 998 octets. A server
/// refuses one that does (`500 Line too long`) on every run, so dun refuses
/// it first, naming the header.
fn check_line_lengths(formatted: &[u8]) -> Result<()> {
    let mut header = "";
    for line in formatted.split(|&b| b == b'\n') {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.is_empty() {
            header = "body";
            continue;
        }
        if header != "body" && !line.starts_with(b" ") && !line.starts_with(b"\t") {
            header = std::str::from_utf8(line)
                .ok()
                .and_then(|l| l.split_once(':'))
                .map_or("a", |(name, _)| name);
        }
        if line.len() > 998 {
            return Err(anyhow!(
                "the message's {header} line would be {} octets long, and mail allows 998; shorten the name or text that goes into it",
                line.len()
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outgoing() -> Outgoing {
        Outgoing {
            from_name: "Fia Freelance".into(),
            from_email: "fia@example.org".into(),
            reply_to: Some("accounts@example.org".into()),
            to: vec![(
                "Acme AB\r\nBcc: evil@example.net".into(),
                "ap@acme.example".into(),
            )],
            subject: "Påminnelse: faktura 2026-014\r\nBcc: evil@example.net".into(),
            body: "Hej!\nFakturan förföll den 1 december.\n".into(),
            message_id: new_message_id("fia@example.org"),
            references: vec!["<a@example.org>".into(), "<b@example.org>".into()],
        }
    }

    #[test]
    fn headers_are_all_there_and_injection_is_impossible() {
        let o = outgoing();
        let text = String::from_utf8(o.build(SystemTime::now()).unwrap().formatted()).unwrap();
        let headers = text.split("\r\n\r\n").next().unwrap();
        for h in [
            "From: ",
            "To: ",
            "Reply-To: ",
            "Date: ",
            "Message-ID: ",
            "Subject: ",
            "In-Reply-To: <b@example.org>",
            "References: <a@example.org> <b@example.org>",
            "Auto-Submitted: auto-generated",
            "Content-Type: text/plain; charset=utf-8; format=flowed",
        ] {
            assert!(headers.contains(h), "{h} missing in\n{headers}");
        }
        assert!(!headers.lines().any(|l| l.starts_with("Bcc:")), "{headers}");
        assert!(!text.contains("\r\nBcc:"), "{text}");
    }

    #[test]
    fn no_line_passes_998_octets_with_names_at_the_limit() {
        let longest = crate::domain::text::MAX_NAME;
        for name in [
            "x".repeat(longest),
            "Ж".repeat(longest),
            "Ab ".repeat(longest / 3),
        ] {
            let mut o = outgoing();
            o.to = vec![(
                name.clone(),
                format!("{}@{}.example", "a".repeat(64), "b".repeat(63)),
            )];
            o.from_name = name.clone();
            o.subject = format!("Reminder: invoice 2026-014 from {name}");
            let text = o.build(SystemTime::now()).unwrap().formatted();
            let widest = text.split(|&b| b == b'\n').map(<[u8]>::len).max().unwrap();
            assert!(widest <= 999, "{widest} octets with {:?}…", &name[..6]);
        }
        let mut o = outgoing();
        o.subject = "y".repeat(2000);
        let e = o.build(SystemTime::now()).unwrap_err().to_string();
        assert!(e.contains("Subject") && e.contains("998"), "{e}");
    }

    #[test]
    fn message_ids_are_unique_and_at_the_sender_domain() {
        let a = new_message_id("fia@example.org");
        let b = new_message_id("fia@example.org");
        assert_ne!(a, b);
        assert!(a.starts_with("<dun.") && a.ends_with("@example.org>"), "{a}");
    }
}
