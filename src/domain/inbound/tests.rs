use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use proptest::prelude::*;

use super::*;

const DUN: &str = "<dun.1.2.3.abc@example.org>";
const DUN_TWO: &str = "<dun.9.9.9.def@example.org>";

/// Acme (client 1, ap@acme.example, CFO cfo@acme.example) with invoices 10
/// (2026-014) and 11 (2026-015); dun's message DUN named invoice 10,
/// DUN_TWO both.
fn known() -> Known {
    let mut k = Known::default();
    k.sent.insert(
        DUN.into(),
        vec![SentOn {
            invoice: 10,
            before_address_change: false,
        }],
    );
    k.sent.insert(
        DUN_TWO.into(),
        vec![
            SentOn {
                invoice: 10,
                before_address_change: false,
            },
            SentOn {
                invoice: 11,
                before_address_change: false,
            },
        ],
    );
    k.addresses.insert("ap@acme.example".into(), vec![1]);
    k.addresses.insert("cfo@acme.example".into(), vec![1]);
    k.open
        .insert(1, vec![(10, "2026-014".into()), (11, "2026-015".into())]);
    k.own.insert("fia@example.org".into());
    k
}

fn header(from: &str, subject: &str) -> Header {
    Header {
        key: format!("<m.{subject}.{from}>"),
        message_id: Some(format!("<m.{}@x>", subject.len())),
        from: Some(from.into()),
        subject: subject.into(),
        ..Header::default()
    }
}

fn text(t: &str) -> Body {
    Body {
        text: t.into(),
        ..Body::default()
    }
}

fn logged(v: Verdict) -> Finding {
    match v {
        Verdict::Log(f) => f,
        Verdict::Other(o) => panic!("expected a finding, got {o:?}"),
    }
}

fn invoices(f: &Finding) -> Vec<i64> {
    f.invoices.iter().map(|(i, _)| *i).collect()
}

#[test]
fn the_phrase_file_parses() {
    let p = phrases::get();
    assert!(p.out_of_office.len() > 20);
    assert_eq!(p.status.get("1.1").map(String::as_str), Some("user unknown"));
}

#[test]
fn a_reply_to_dun_s_message_concerns_the_invoices_it_named() {
    let mut h = header("lars@acme.example", "Re: Invoice 2026-014");
    h.in_reply_to = vec![DUN_TWO.into()];
    let f = logged(classify(&h, &text("We pay Friday."), &known()));
    assert_eq!(f.kind, Kind::Reply);
    assert_eq!(invoices(&f), vec![10, 11]);
    assert!(f.invoices.iter().all(|(_, e)| *e == Effect::Replied));
    assert_eq!(f.note, "Re: Invoice 2026-014 — We pay Friday.");
}

#[test]
fn the_nearest_dun_message_in_references_wins() {
    let mut h = header("ap@acme.example", "Re: x");
    h.in_reply_to = vec!["<someone-elses@x>".into()];
    h.references = vec![DUN_TWO.into(), DUN.into(), "<someone-elses@x>".into()];
    assert_eq!(invoices(&logged(classify(&h, &text(""), &known()))), vec![10]);
}

#[test]
fn mail_from_a_client_is_narrowed_by_the_numbers_in_its_subject() {
    let h = header("ap@acme.example", "Question about 2026-015");
    assert_eq!(invoices(&logged(classify(&h, &text(""), &known()))), vec![11]);
    let h = header("cfo@acme.example", "Bank details");
    assert_eq!(invoices(&logged(classify(&h, &text(""), &known()))), vec![10, 11]);
}

#[test]
fn strangers_your_own_mail_and_dun_s_copies_are_not_about_an_invoice() {
    let k = known();
    let stranger = header("kim@other.example", "Lunch 2026-014?");
    assert_eq!(
        classify(&stranger, &text(""), &k),
        Verdict::Other(Other::NotAboutAnInvoice)
    );
    assert_eq!(needs_body(&stranger, &k), Err(Other::NotAboutAnInvoice));
    let mut own = header("fia@example.org", "Re: Invoice");
    own.in_reply_to = vec![DUN.into()];
    assert_eq!(classify(&own, &text(""), &k), Verdict::Other(Other::FromYou));
    let mut copy = header("fia@example.org", "Invoice");
    copy.message_id = Some(DUN.into());
    assert_eq!(classify(&copy, &text(""), &k), Verdict::Other(Other::DunsOwn));
}

#[test]
fn a_false_message_id_concerns_nothing() {
    let mut h = header("mallory@evil.example", "Re: Invoice 2026-014");
    h.in_reply_to = vec!["<dun.made.up@example.org>".into()];
    assert_eq!(
        classify(&h, &text("stop"), &known()),
        Verdict::Other(Other::NotAboutAnInvoice)
    );
}

#[test]
fn bulk_mail_from_a_client_is_not_a_reply_unless_it_answers_dun() {
    let mut h = header("ap@acme.example", "Acme news");
    h.list = true;
    assert_eq!(classify(&h, &text(""), &known()), Verdict::Other(Other::Bulk));
    h.in_reply_to = vec![DUN.into()];
    assert_eq!(logged(classify(&h, &text(""), &known())).kind, Kind::Reply);
}

#[test]
fn auto_replies_are_recognised_by_header_or_subject() {
    let k = known();
    for (name, h) in [
        ("Auto-Submitted", {
            let mut h = header("ap@acme.example", "Re: Invoice");
            h.auto_submitted = Some("auto-replied".into());
            h
        }),
        ("X-Autoreply", {
            let mut h = header("ap@acme.example", "Re: Invoice");
            h.x_autoreply = true;
            h
        }),
        ("Precedence", {
            let mut h = header("ap@acme.example", "Re: Invoice");
            h.precedence = Some("auto_reply".into());
            h
        }),
        ("sv", header("ap@acme.example", "Automatiskt svar: Påminnelse")),
        ("tr", header("ap@acme.example", "Otomatik yanıt: Hatırlatma")),
        (
            "ru",
            header("ap@acme.example", "Автоматический ответ: Напоминание"),
        ),
        ("ro", header("ap@acme.example", "Răspuns automat: Reamintire")),
        ("en", header("ap@acme.example", "Out of Office: Invoice")),
    ] {
        let f = logged(classify(&h, &text("Away until 10 March.\nBack soon."), &k));
        assert_eq!(f.kind, Kind::AutoReply, "{name}");
        assert!(f.invoices.iter().all(|(_, e)| *e == Effect::AutoReply), "{name}");
        assert_eq!(f.note, "Away until 10 March. Back soon.", "{name}");
    }
    let mut no = header("ap@acme.example", "Re: Invoice");
    no.auto_submitted = Some("no".into());
    assert_eq!(logged(classify(&no, &text(""), &k)).kind, Kind::Reply);
}

/// Found by the `mime` fuzz target: an out-of-office answer's NULs and
/// escape sequences went into the note, and from there to `dun due`.
#[test]
fn an_auto_reply_s_note_is_one_line_without_control_characters() {
    let mut h = header("ap@acme.example", "Out of Office: Invoice");
    h.auto_submitted = Some("auto-replied".into());
    let body = text("\u{1b}[2J\u{1b}]0;owned\u{7}\n\0\0\nAway until\u{1b}[31m 10 March.\0\nBack\tsoon.");
    let f = logged(classify(&h, &body, &known()));
    assert_eq!(f.note, "[2J]0;owned Away until[31m 10 March.");
    assert!(!f.note.chars().any(char::is_control), "{:?}", f.note);
}

fn dsn(action: &str, status: &str, returned: &str) -> (Header, Body) {
    let mut h = header(
        "mailer-daemon@mx.example.org",
        "Undelivered Mail Returned to Sender",
    );
    h.delivery_report = true;
    h.null_sender = true;
    h.auto_submitted = Some("auto-replied".into());
    let b = Body {
        recipients: vec![RecipientStatus {
            address: "ap@acme.example".into(),
            action: action.into(),
            status: status.into(),
            diagnostic: Some("550 5.1.1 <ap@acme.example>: Recipient address rejected".into()),
        }],
        returned_ids: vec![returned.into()],
        ..Body::default()
    };
    (h, b)
}

#[test]
fn a_failed_dsn_bounces_the_invoices_of_the_returned_message() {
    let (h, b) = dsn("failed", "5.1.1", DUN_TWO);
    let f = logged(classify(&h, &b, &known()));
    assert_eq!(f.kind, Kind::Bounce);
    assert_eq!(f.invoices, vec![(10, Effect::Bounced), (11, Effect::Bounced)]);
    assert_eq!(f.note, "ap@acme.example: 5.1.1 user unknown");
}

/// Found by the `mime` fuzz target: a notice's recipient with NULs put
/// them in the note.
#[test]
fn a_bounce_s_note_is_one_line_without_control_characters() {
    let (h, mut b) = dsn("failed", "5.1.1", DUN_TWO);
    b.recipients[0].address = "ap\0\0@acme.example\r\n\u{1b}[2J".into();
    let f = logged(classify(&h, &b, &known()));
    assert_eq!(f.note, "ap@acme.example [2J: 5.1.1 user unknown");
}

#[test]
fn a_delay_is_a_note_and_a_success_report_nothing() {
    let (h, b) = dsn("delayed", "4.4.1", DUN);
    let f = logged(classify(&h, &b, &known()));
    assert_eq!(f.kind, Kind::Delay);
    assert_eq!(f.invoices, vec![(10, Effect::Note)]);
    assert!(f.note.starts_with("delayed"), "{}", f.note);
    let (h, b) = dsn("relayed", "2.0.0", DUN);
    assert_eq!(classify(&h, &b, &known()), Verdict::Other(Other::Delivered));
}

#[test]
fn a_notice_for_a_message_dun_did_not_send_concerns_nothing() {
    let (h, b) = dsn("failed", "5.1.1", "<someone-elses@x>");
    assert_eq!(
        classify(&h, &b, &known()),
        Verdict::Other(Other::NoticeForAnotherMessage)
    );
    // Even when it names dun's message in In-Reply-To: a bounce is never a reply.
    let (mut h, mut b) = dsn("failed", "5.1.1", "<someone-elses@x>");
    h.in_reply_to = vec![DUN.into()];
    b.returned_ids.clear();
    assert_eq!(
        classify(&h, &b, &known()),
        Verdict::Other(Other::NoticeForAnotherMessage)
    );
}

#[test]
fn a_bounce_of_a_message_sent_before_the_address_changed_stops_nothing() {
    let mut k = known();
    k.sent.get_mut(DUN).unwrap()[0].before_address_change = true;
    let (h, b) = dsn("failed", "5.1.1", DUN);
    let f = logged(classify(&h, &b, &k));
    assert_eq!(f.kind, Kind::Bounce);
    assert_eq!(f.invoices, vec![(10, Effect::Note)]);
    assert!(f.note.contains("before the address was changed"), "{}", f.note);
}

#[test]
fn a_mailer_daemon_s_prose_bounce_is_read_from_its_status_and_quoted_headers() {
    let mut h = header("mailer-daemon@mail.example.org", "Mail delivery failed");
    h.failed_recipients = vec!["ap@acme.example".into()];
    let b = Body {
        text: "The following address(es) failed:\n\n  ap@acme.example\n    550 5.1.1 <ap@acme.example>: unknown\n\n------ This is a copy of the message, including all the headers. ------\nMessage-ID: <dun.1.2.3.abc@example.org>\n".into(),
        quoted_ids: vec![DUN.into()],
        ..Body::default()
    };
    let f = logged(classify(&h, &b, &known()));
    assert_eq!(f.kind, Kind::Bounce);
    assert_eq!(f.note, "ap@acme.example: 5.1.1 user unknown");
    // Without a permanent status it is no bounce (and never a reply).
    let b = Body {
        text: "It failed.".into(),
        quoted_ids: vec![DUN.into()],
        ..Body::default()
    };
    assert_eq!(
        classify(&h, &b, &known()),
        Verdict::Other(Other::UnreadableNotice)
    );
}

#[test]
fn an_out_of_office_answer_from_the_null_sender_is_still_an_auto_reply() {
    let mut h = header("ap@acme.example", "Out of office");
    h.null_sender = true;
    h.auto_submitted = Some("auto-replied".into());
    assert_eq!(
        logged(classify(&h, &text("Away."), &known())).kind,
        Kind::AutoReply
    );
}

#[test]
fn status_codes_are_found_as_whole_codes() {
    assert_eq!(
        status_codes("550 5.1.1 <a@b>: no (#5.7.1) 4.4.7."),
        vec!["5.1.1", "5.7.1", "4.4.7"]
    );
    assert!(status_codes("version 15.20.7698.013 and 5.1 and 45.1.1").is_empty());
    assert_eq!(status_words("5.1.10", None), "recipient not found");
    assert_eq!(
        status_words("5.9.9", Some("smtp; 550 go away")),
        "smtp; 550 go away"
    );
}

#[test]
fn invoice_numbers_are_whole_words() {
    assert!(names_number("Re: Invoice 2026-014 reminder", "2026-014"));
    assert!(names_number("(2026-014)", "2026-014"));
    assert!(names_number("INV-7", "inv-7"));
    assert!(!names_number("2026-0145", "2026-014"));
    assert!(!names_number("X2026-014", "2026-014"));
    assert!(!names_number("anything", ""));
}

#[test]
fn the_entry_day_is_the_date_unless_it_runs_ahead_of_the_arrival() {
    let at = |d: u32, h: u32| {
        NaiveDate::from_ymd_opt(2026, 12, d)
            .unwrap()
            .and_hms_opt(h, 0, 0)
            .unwrap()
    };
    let day = |d: u32| NaiveDate::from_ymd_opt(2026, 12, d).unwrap();
    assert_eq!(entry_day(Some(at(7, 9)), Some(at(7, 10))), Some(day(7)));
    assert_eq!(entry_day(Some(at(8, 9)), Some(at(7, 23))), Some(day(8)));
    assert_eq!(entry_day(Some(at(30, 9)), Some(at(7, 10))), Some(day(7)));
    assert_eq!(entry_day(None, Some(at(7, 10))), Some(day(7)));
    assert_eq!(entry_day(Some(at(7, 9)), None), Some(day(7)));
    assert_eq!(entry_day(None, None), None);
}

#[test]
fn new_text_cuts_quotes_and_signatures() {
    for (name, text, want) in [
        (
            "gmail wrapped",
            "Hi,\n\nWe pay Friday.\n\nOn Mon, 7 Dec 2026 at 08:02, Fia <\nfia@example.org> wrote:\n\n> old\n",
            "Hi,\n\nWe pay Friday.",
        ),
        ("plain quote", "Yes.\n> old\n> older", "Yes."),
        (
            "outlook sv",
            "Betalas fredag.\n\n________________________________\nFrån: Fia\nSkickat: den 7\n",
            "Betalas fredag.",
        ),
        (
            "outlook header block",
            "Paid.\n\nFrom: Fia <fia@example.org>\nSent: Monday\nTo: Acme\n",
            "Paid.",
        ),
        (
            "original message",
            "Ok\n-----Original Message-----\nFrom: x",
            "Ok",
        ),
        ("signature", "Paid today.\n-- \nAnna\n+46 8", "Paid today."),
        ("phone", "Paid.\n\nSent from my iPhone\n\n> On …", "Paid."),
        ("ru phone", "Оплатим.\n\nОтправлено с iPhone", "Оплатим."),
        (
            "tr thunderbird",
            "Ödeme yapılacak.\n\n07.12.2026 08:02 tarihinde Fia yazdı:\n> x",
            "Ödeme yapılacak.",
        ),
        (
            "ro gmail",
            "Am plătit.\n\nPe lun., 7 dec. 2026 la 08:02, Fia <fia@example.org> a scris:\n",
            "Am plătit.",
        ),
        (
            "sv gmail",
            "Tack!\n\nDen mån 7 dec. 2026 kl 08:02 skrev Fia <fia@example.org>:\n> x",
            "Tack!",
        ),
        (
            "line above the attribution is kept",
            "Thanks!\nOn Mon, 7 Dec 2026, Fia wrote:\n> x",
            "Thanks!",
        ),
    ] {
        assert_eq!(new_text(text), want, "{name}");
    }
}

#[test]
fn a_reply_note_is_one_line_and_at_most_300_characters() {
    let long = "word ".repeat(200);
    let n = reply_note("Re: Invoice 2026-014", &long);
    assert!(n.chars().count() <= NOTE_CHARS && n.ends_with('…'), "{n}");
    assert!(n.starts_with("Re: Invoice 2026-014 — word word"));
    assert_eq!(reply_note("Re: x", "\n\n> only quote"), "Re: x");
}

fn arb_header() -> impl Strategy<Value = Header> {
    let addr = prop_oneof![
        Just("ap@acme.example".to_string()),
        Just("cfo@acme.example".to_string()),
        Just("kim@other.example".to_string()),
        Just("fia@example.org".to_string()),
        Just("mailer-daemon@mx.example".to_string()),
        "[a-z]{1,5}@[a-z]{1,5}\\.example",
    ];
    let id = prop_oneof![
        Just(DUN.to_string()),
        Just(DUN_TWO.to_string()),
        "<[a-z0-9.]{1,12}@[a-z]{1,6}>",
    ];
    (
        proptest::option::of(addr),
        proptest::option::of(id.clone()),
        proptest::collection::vec(id.clone(), 0..3),
        proptest::collection::vec(id, 0..3),
        "\\PC{0,40}",
        any::<(bool, bool, bool, bool)>(),
    )
        .prop_map(|(from, mid, irt, refs, subject, (a, b, c, d))| Header {
            key: mid.clone().unwrap_or_else(|| "hash:x".into()),
            message_id: mid,
            in_reply_to: irt,
            references: refs,
            from,
            null_sender: a,
            subject,
            auto_submitted: b.then(|| "auto-replied".into()),
            list: c,
            delivery_report: d,
            ..Header::default()
        })
}

fn arb_body() -> impl Strategy<Value = Body> {
    let id = prop_oneof![Just(DUN.to_string()), "<[a-z]{1,8}@x>"];
    (
        "\\PC{0,200}",
        proptest::collection::vec(
            (
                prop_oneof![Just("failed"), Just("delayed"), Just("relayed")],
                "[245]\\.[0-9]\\.[0-9]{1,2}",
            ),
            0..3,
        ),
        proptest::collection::vec(id.clone(), 0..2),
        proptest::collection::vec(id, 0..2),
    )
        .prop_map(|(text, recipients, returned_ids, quoted_ids)| Body {
            text,
            recipients: recipients
                .into_iter()
                .map(|(a, s)| RecipientStatus {
                    address: "ap@acme.example".into(),
                    action: a.into(),
                    status: s,
                    diagnostic: None,
                })
                .collect(),
            returned_ids,
            quoted_ids,
        })
}

proptest! {
    /// A message is only ever logged on invoices it concerns: those of a
    /// dun message it names, or the open invoices of the client it is from.
    #[test]
    fn nothing_is_logged_on_an_invoice_the_message_does_not_concern(h in arb_header(), b in arb_body()) {
        let k = known();
        if let Verdict::Log(f) = classify(&h, &b, &k) {
            let named: HashSet<&String> = h.in_reply_to.iter().chain(&h.references)
                .chain(&b.returned_ids).chain(&b.quoted_ids).collect();
            let by_message: HashSet<i64> = k.sent.iter()
                .filter(|(id, _)| named.contains(id))
                .flat_map(|(_, s)| s.iter().map(|s| s.invoice)).collect();
            let by_sender: HashSet<i64> = h.from.as_ref()
                .and_then(|f| k.addresses.get(f))
                .into_iter().flatten()
                .flat_map(|c| k.open[c].iter().map(|(i, _)| *i)).collect();
            for (i, _) in &f.invoices {
                prop_assert!(by_message.contains(i) || by_sender.contains(i), "{i} in {f:?}");
            }
            prop_assert!(h.from.as_ref().is_none_or(|f| !k.own.contains(f)));
            prop_assert!(f.note.chars().count() <= NOTE_CHARS);
            // A bounce or delay comes only from a returned message of dun's.
            if matches!(f.kind, Kind::Bounce | Kind::Delay) {
                prop_assert!(!by_message.is_empty());
            }
            // Only a reply holds the ladder.
            prop_assert!(f.kind == Kind::Reply || f.invoices.iter().all(|(_, e)| *e != Effect::Replied));
        }
    }

    #[test]
    fn new_text_keeps_no_quoted_line(t in "(\\PC{0,30}\n){0,12}") {
        let n = new_text(&t);
        prop_assert!(n.lines().all(|l| !l.trim_start().starts_with('>')));
        let note = reply_note("s", &t);
        prop_assert!(note.chars().count() <= NOTE_CHARS);
        prop_assert!(!note.contains('\n'));
    }

    #[test]
    fn status_codes_never_panic(t in "\\PC{0,80}") {
        for s in status_codes(&t) {
            prop_assert!(s.starts_with('4') || s.starts_with('5'));
        }
    }
}

#[test]
fn every_language_has_out_of_office_words() {
    let f: HashMap<String, toml::Value> = toml::from_str(include_str!("phrases.toml")).unwrap();
    for section in [
        "out_of_office",
        "attribution_endings",
        "signature_starts",
        "bounce_subjects",
    ] {
        let langs = f[section].as_table().unwrap();
        for lang in ["en", "sv", "tr", "ru", "ro"] {
            assert!(langs.contains_key(lang), "{section} has no {lang}");
        }
    }
}
