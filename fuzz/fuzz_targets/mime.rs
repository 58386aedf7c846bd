//! A message as `dun inbox` reads it: bytes → the typed facts
//! (`mail::inbound`: header, then the whole message) → `domain::inbound`'s
//! classification. Never a panic, whatever the bytes; the header read alone
//! and the whole message agree (its key is what keeps a message logged
//! once: the triage looks it up from the header, the entry is written from
//! the whole parse); what is logged names only invoices dun knows, in id
//! order, with a note on one line, no longer than NOTE_CHARS.
#![no_main]

use std::collections::BTreeSet;
use std::sync::Once;

use dun::domain::inbound::{Body, Header, Known, NOTE_CHARS, SentOn, Verdict, classify, needs_body};
use dun::mail::inbound::{parse, parse_header};
use libfuzzer_sys::fuzz_target;

/// What the command would have looked up: one message dun sent, one client
/// with two open invoices, the user's own address; and, to reach the
/// matching paths, the message's own sender, the message it answers and the
/// messages a notice returns made known too.
fn known(h: &Header, body: &Body) -> (Known, BTreeSet<i64>) {
    let mut k = Known::default();
    let sent = |invoice, before_address_change| SentOn {
        invoice,
        before_address_change,
    };
    k.sent.insert("<r1.2026-014@dun.example>".into(), vec![sent(14, false)]);
    k.addresses.insert("ap@acme.example".into(), vec![1]);
    k.open.insert(1, vec![(14, "2026-014".into()), (15, "2026-015".into())]);
    k.own.insert("fia@example.org".into());
    if let Some(id) = h.in_reply_to.first().or(h.references.last()) {
        k.sent.entry(id.clone()).or_default().push(sent(16, false));
    }
    for (i, id) in body.returned_ids.iter().chain(&body.quoted_ids).take(4).enumerate() {
        k.sent.entry(id.clone()).or_default().push(sent(20 + i as i64, i % 2 == 1));
    }
    if let Some(from) = &h.from {
        k.addresses.entry(from.clone()).or_default().push(2);
        k.open.insert(2, vec![(17, "A-17".into())]);
    }
    let ids = k
        .sent
        .values()
        .flatten()
        .map(|s| s.invoice)
        .chain(k.open.values().flatten().map(|(id, _)| *id))
        .collect();
    (k, ids)
}

fn check_header(h: &Header) {
    assert!(!h.key.is_empty(), "a message without a key");
    for id in h.message_id.iter().chain(&h.in_reply_to).chain(&h.references) {
        assert!(
            id.starts_with('<') && id.ends_with('>') && id.len() > 2,
            "a Message-ID not in brackets: {id:?}"
        );
        assert!(!id.chars().any(|c| c.is_whitespace() || c.is_control()), "{id:?}");
    }
    assert!(h.in_reply_to.len() <= 64 && h.references.len() <= 64);
    assert!(
        !h.subject.chars().any(char::is_control),
        "the subject is not one line: {:?}",
        h.subject
    );
}

/// libFuzzer's panic hook aborts on any panic, even one that is caught. A
/// panic inside mail-parser (its `debug_assert!`s fire on some malformed
/// multiparts) is caught by dun's reader and makes that message unreadable:
/// let those unwind to it, so that the property checked is "no panic gets
/// out of dun's reader", and abort on every other.
fn let_parser_panics_reach_dun() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let abort = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let in_parser = info
                .location()
                .is_some_and(|l| l.file().contains("/mail-parser-"));
            if !in_parser {
                abort(info);
            }
        }));
    });
}

fuzz_target!(|data: &[u8]| {
    let_parser_panics_reach_dun();
    let head = parse_header(data);
    if let Ok(h) = &head {
        check_header(h);
        let _ = needs_body(h, &Known::default());
    }
    let Ok((h, body)) = parse(data) else { return };
    check_header(&h);
    // What the triage saw is what the entry is written with.
    let head = head.expect("a message whose whole parse works has a readable header");
    assert_eq!(head, h, "the header alone and the whole message disagree");
    let (known, ids) = known(&h, &body);
    let _ = needs_body(&h, &known);
    for k in [&Known::default(), &known] {
        if let Verdict::Log(f) = classify(&h, &body, k) {
            assert!(!f.invoices.is_empty(), "a finding on no invoice");
            assert!(
                f.invoices.windows(2).all(|w| w[0].0 < w[1].0),
                "invoices not in id order: {:?}",
                f.invoices
            );
            assert!(
                f.invoices.iter().all(|(id, _)| ids.contains(id)),
                "an invoice dun does not know: {:?}",
                f.invoices
            );
            assert!(f.note.chars().count() <= NOTE_CHARS, "note too long: {}", f.note.len());
            assert!(
                !f.note.chars().any(char::is_control),
                "the note is not one line: {:?}",
                f.note
            );
        }
    }
});
