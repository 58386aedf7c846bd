//! The corpus of real-shaped mail (tests/fixtures/mail) through the same
//! parse → decide steps `dun inbox` takes, without a server: what each
//! message is, which invoices it concerns, and what its note says.

use std::path::PathBuf;

use dun::domain::inbound::{self, Kind, Known, Other, SentOn, Verdict};
use dun::mail::inbound as mime;

/// The Message-ID of the reminder dun "sent" on invoice 10 (2026-014).
pub const DUN_ID: &str = "<dun.18c2b1f0a1b2c3d4.4242.0.0123456789abcdef@example.org>";
pub const DUN_SUBJECT: &str = "Invoice 2026-014 is due today";

pub fn fixture_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mail")
}

/// A corpus file with its placeholders filled in.
pub fn fixture(name: &str, msgid: &str, subject: &str, date: &str) -> Vec<u8> {
    let raw = std::fs::read(fixture_dir().join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        let rest = &raw[i..];
        let mut hit = false;
        for (key, value) in [("{{MSGID}}", msgid), ("{{SUBJECT}}", subject), ("{{DATE}}", date)] {
            if rest.starts_with(key.as_bytes()) {
                out.extend_from_slice(value.as_bytes());
                i += key.len();
                hit = true;
                break;
            }
        }
        if !hit {
            out.push(raw[i]);
            i += 1;
        }
    }
    out
}

fn known() -> Known {
    let mut k = Known::default();
    k.sent.insert(
        DUN_ID.into(),
        vec![SentOn {
            invoice: 10,
            before_address_change: false,
        }],
    );
    k.addresses.insert("ap@acme.example".into(), vec![1]);
    k.open
        .insert(1, vec![(10, "2026-014".into()), (11, "2026-015".into())]);
    k.own.insert("fia@example.org".into());
    k
}

/// What dun makes of a message: header first, the body only when needed.
fn decide(raw: &[u8]) -> Result<Verdict, String> {
    let k = known();
    let h = mime::parse_header(raw).map_err(|e| e.0)?;
    if let Err(o) = inbound::needs_body(&h, &k) {
        return Ok(Verdict::Other(o));
    }
    let (h, b) = mime::parse(raw).map_err(|e| e.0)?;
    Ok(inbound::classify(&h, &b, &k))
}

fn load(name: &str) -> Vec<u8> {
    fixture(name, DUN_ID, DUN_SUBJECT, "Mon, 07 Dec 2026 09:14:02 +0100")
}

#[track_caller]
fn finding(name: &str, kind: Kind, invoices: &[i64]) -> String {
    match decide(&load(name)) {
        Ok(Verdict::Log(f)) => {
            assert_eq!(f.kind, kind, "{name}: {f:?}");
            let got: Vec<i64> = f.invoices.iter().map(|(i, _)| *i).collect();
            assert_eq!(got, invoices, "{name}");
            f.note
        }
        other => panic!("{name}: expected {kind:?}, got {other:?}"),
    }
}

#[track_caller]
fn other(name: &str, why: Other) {
    assert_eq!(decide(&load(name)), Ok(Verdict::Other(why)), "{name}");
}

#[track_caller]
fn has(note: &str, yes: &[&str], no: &[&str]) {
    for y in yes {
        assert!(note.contains(y), "note lacks {y:?}: {note}");
    }
    for n in no {
        assert!(!note.contains(n), "note has {n:?}: {note}");
    }
    assert!(note.chars().count() <= 300 && !note.contains('\n'), "{note}");
}

#[test]
fn replies_as_the_big_mail_programs_write_them() {
    let n = finding("replies/gmail-en.eml", Kind::Reply, &[10]);
    assert_eq!(
        n,
        "Re: Invoice 2026-014 is due today — Hi Fia, Thanks for the reminder. Our payment run is on Friday; you will have it then. Best, Anna"
    );
    let n = finding("replies/outlook-sv.eml", Kind::Reply, &[10]);
    has(
        &n,
        &[
            "SV: Invoice 2026-014",
            "Fakturan är godkänd och betalas på fredag",
        ],
        &["Från", "påminnelse"],
    );
    let n = finding("replies/thunderbird-tr.eml", Kind::Reply, &[10]);
    has(
        &n,
        &["Ynt: ", "Ödeme bu hafta içinde yapılacaktır"],
        &["yazdı", "Muhasebe", "Sayın"],
    );
    let n = finding("replies/apple-mail-ru.eml", Kind::Reply, &[10]);
    has(
        &n,
        &["Ответ: Invoice", "Счёт оплатим до 15 декабря"],
        &["iPhone", "Уважаемые", "написал"],
    );
    let n = finding("replies/gmail-ro-html-only.eml", Kind::Reply, &[10]);
    has(
        &n,
        &["Răspuns: Invoice", "Am efectuat plata astăzi"],
        &["a scris", "reamintim", "<div"],
    );
    let n = finding("replies/outlook-en-html-only.eml", Kind::Reply, &[10]);
    has(
        &n,
        &["RE: Invoice", "We dispute the hours on line 3"],
        &["Sent:", "due today.", "MsoNormal", "<p"],
    );
}

#[test]
fn a_colleague_answering_in_the_thread_counts_as_the_client() {
    let n = finding("replies/colleague-in-thread.eml", Kind::Reply, &[10]);
    has(&n, &["Anna is on leave this week"], &["Dear Acme"]);
}

#[test]
fn new_mail_from_a_client_goes_on_the_invoices_its_subject_names() {
    finding("replies/new-mail-naming-invoice.eml", Kind::Reply, &[11]);
    finding("replies/new-mail-no-number.eml", Kind::Reply, &[10, 11]);
}

#[test]
fn out_of_office_answers_by_header_and_by_subject() {
    let n = finding("auto-replies/gmail-vacation.eml", Kind::AutoReply, &[10]);
    assert!(n.starts_with("I am away until 14 December"), "{n}");
    finding("auto-replies/outlook-automatic-reply.eml", Kind::AutoReply, &[10]);
    let n = finding("auto-replies/outlook-sv-subject-only.eml", Kind::AutoReply, &[10]);
    assert!(n.contains("semester"), "{n}");
    finding("auto-replies/ooo-ru-subject-only.eml", Kind::AutoReply, &[10]);
    other("auto-replies/stranger-ooo.eml", Other::NotAboutAnInvoice);
}

#[test]
fn bounces_from_postfix_exim_and_exchange() {
    assert_eq!(
        finding("bounces/postfix.eml", Kind::Bounce, &[10]),
        "ap@acme.example: 5.1.1 user unknown"
    );
    assert_eq!(
        finding("bounces/exim.eml", Kind::Bounce, &[10]),
        "ap@acme.example: 5.1.1 user unknown"
    );
    assert_eq!(
        finding("bounces/exchange.eml", Kind::Bounce, &[10]),
        "ap@acme.example: 5.1.10 recipient not found"
    );
    let n = finding("bounces/postfix-delay.eml", Kind::Delay, &[10]);
    assert!(n.contains("ap@acme.example: 4.4.1"), "{n}");
}

#[test]
fn notices_for_other_messages_and_false_message_ids_concern_nothing() {
    other(
        "bounces/postfix-other-message.eml",
        Other::NoticeForAnotherMessage,
    );
    other(
        "bounces/exim-false-message-id.eml",
        Other::NoticeForAnotherMessage,
    );
    other("other/forged-in-reply-to.eml", Other::NotAboutAnInvoice);
    other("other/delivered-report.eml", Other::Delivered);
}

#[test]
fn newsletters_strangers_and_your_own_mail_are_not_about_an_invoice() {
    other("other/newsletter.eml", Other::NotAboutAnInvoice);
    other("other/newsletter-from-client.eml", Other::Bulk);
    other("other/stranger.eml", Other::NotAboutAnInvoice);
    other("other/copy-of-duns-message.eml", Other::DunsOwn);
    other("other/from-you-in-thread.eml", Other::FromYou);
}

#[test]
fn broken_mime_is_read_as_far_as_it_goes_and_garbage_is_unreadable() {
    // A client's reply with a broken date, a never-closed boundary and bad base64.
    let v = decide(&load("other/broken-mime.eml")).expect("readable enough");
    assert!(matches!(v, Verdict::Log(ref f) if f.kind == Kind::Reply), "{v:?}");
    let e = decide(&load("other/no-header.eml")).unwrap_err();
    assert!(e.contains("no header"), "{e}");
    assert!(decide(b"").is_err());
}

/// A message nested `depth` multiparts deep around a reply to dun.
pub fn nested(depth: usize) -> Vec<u8> {
    let mut m = format!(
        "From: ap@acme.example\r\nSubject: Re: deep\r\nIn-Reply-To: {DUN_ID}\r\nMessage-ID: <deep-{depth}@acme.example>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b0\"\r\n\r\n"
    );
    for i in 1..depth {
        m.push_str(&format!(
            "--b{}\r\nContent-Type: multipart/mixed; boundary=\"b{i}\"\r\n\r\n",
            i - 1
        ));
    }
    m.push_str(&format!(
        "--b{}\r\nContent-Type: text/plain\r\n\r\nWe pay Friday.\r\n",
        depth - 1
    ));
    for i in (0..depth).rev() {
        m.push_str(&format!("--b{i}--\r\n"));
    }
    m.into_bytes()
}

#[test]
fn deep_mime_nesting_is_refused_quickly() {
    let started = std::time::Instant::now();
    for depth in [40, 300, 20_000] {
        let e = decide(&nested(depth)).unwrap_err();
        assert!(e.contains("nested") || e.contains("boundaries"), "{depth}: {e}");
    }
    // Normal nesting reads fine.
    assert!(matches!(decide(&nested(5)), Ok(Verdict::Log(_))));
    // Not a timing assertion of speed, only that nothing hangs: generous.
    assert!(started.elapsed().as_secs() < 60);
}

#[test]
fn every_corpus_file_parses_without_panicking_when_cut_anywhere() {
    for dir in ["replies", "auto-replies", "bounces", "other"] {
        for entry in std::fs::read_dir(fixture_dir().join(dir)).unwrap() {
            let path = entry.unwrap().path();
            let name = format!("{dir}/{}", path.file_name().unwrap().to_string_lossy());
            let raw = load(&name);
            for cut in (0..raw.len()).step_by(37) {
                let _ = decide(&raw[..cut]);
            }
        }
    }
}

/// `depth` messages each wrapped in the next as message/rfc822.
fn wrapped(depth: usize) -> Vec<u8> {
    let mut m = String::new();
    for i in 0..depth {
        m.push_str(&format!(
            "From: ap@acme.example\r\nSubject: wrap {i}\r\nMIME-Version: 1.0\r\nContent-Type: message/rfc822\r\n\r\n"
        ));
    }
    m.push_str("From: ap@acme.example\r\nSubject: inner\r\n\r\nhello\r\n");
    m.into_bytes()
}

#[test]
fn messages_wrapped_in_messages_cannot_hang_or_crash_the_parser() {
    for depth in [10, 100, 1_000, 20_000] {
        let v = decide(&wrapped(depth));
        if depth > 64 {
            assert!(v.as_ref().is_err_and(|e| e.contains("nested")), "{depth}: {v:?}");
        }
    }
}
