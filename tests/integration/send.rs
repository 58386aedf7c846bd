//! Sending (issue 4, SPEC.md §5, §6, §9): `dun send`, `dun preview`,
//! `dun letter` and `dun smtp test` against a real SMTP server started inside
//! the test (tests/integration/smtp_server.rs), over plain SMTP and over
//! STARTTLS with a self-signed certificate and AUTH. Every message is checked
//! as it arrived on the server, and every log entry as it is in the database.

use std::collections::BTreeMap;
use std::net::{IpAddr, UdpSocket};

use chrono::{NaiveDate, TimeDelta};

use crate::common::{Env, Run, finish, set_mode};
use crate::smtp_server::{Mode, Options, PASSWORD, Received, SmtpServer, USER, free_port};

/// A Monday: day 0 of the walks.
const MONDAY: &str = "2026-11-02";
const FAULT_ENV: &str = "DUN_FAULT_AFTER_PENDING";
const CA_FILE_ENV: &str = "DUN_SMTP_CA_FILE";
const PASSWORD_ENV: &str = "DUN_SMTP_PASSWORD";

/// The date `n` days after `from`.
fn plus(from: &str, n: i64) -> String {
    let d = NaiveDate::parse_from_str(from, "%Y-%m-%d").expect("an ISO date");
    (d + TimeDelta::days(n)).to_string()
}

/// A config file: the sender, then `smtp` (an `[smtp]` section).
fn config(smtp: &str) -> String {
    format!("[sender]\nname = \"Fia Freelance\"\nemail = \"fia@example.org\"\n\n{smtp}")
}

/// A sandbox whose config sends to `server` over plain SMTP; today is MONDAY.
fn env_for(server: &SmtpServer) -> Env {
    let mut env = Env::new();
    env.set_today(MONDAY);
    env.write_config(&config(&server.smtp_section()));
    env
}

fn add_client(env: &Env, handle: &str, name: &str, email: &str, lang: &str) {
    env.ok(&[
        "client",
        "add",
        &format!("--handle={handle}"),
        &format!("--email={email}"),
        &format!("--lang={lang}"),
        "--",
        name,
    ]);
}

/// An invoice of 1,200.00 SEK, issued 30 days before it is due.
fn add_invoice(env: &Env, number: &str, client: &str, due: &str) {
    env.ok(&[
        "invoice",
        "add",
        number,
        "--client",
        client,
        "--amount",
        "1200.00",
        "--currency",
        "SEK",
        "--issued",
        &plus(due, -30),
        "--due",
        due,
    ]);
}

/// `acme` (ap@acme.example) with invoice 2026-100 due MONDAY.
fn with_acme(env: &Env) {
    add_client(env, "acme", "Acme AB", "ap@acme.example", "en");
    add_invoice(env, "2026-100", "acme", MONDAY);
}

fn send(env: &Env) -> Run {
    env.run(&["send", "--yes"])
}

/// One e-mail entry of the contact log, as stored.
#[derive(Debug, Clone)]
struct Email {
    invoice: String,
    step: String,
    on: String,
    delivery: String,
    detail: String,
    message_id: String,
}

fn emails(env: &Env) -> Vec<Email> {
    let conn = rusqlite::Connection::open(env.db()).expect("the database opens");
    let mut stmt = conn
        .prepare(
            "SELECT i.number, COALESCE(l.step, ''), l.on_date, COALESCE(l.delivery, ''),
                    COALESCE(l.delivery_detail, ''), COALESCE(l.message_id, '')
             FROM contact_log l JOIN invoice i ON i.id = l.invoice_id
             WHERE l.channel = 'email' ORDER BY l.id",
        )
        .unwrap();
    stmt.query_map([], |r| {
        Ok(Email {
            invoice: r.get(0)?,
            step: r.get(1)?,
            on: r.get(2)?,
            delivery: r.get(3)?,
            detail: r.get(4)?,
            message_id: r.get(5)?,
        })
    })
    .unwrap()
    .collect::<rusqlite::Result<_>>()
    .unwrap()
}

/// The envelope recipients of each message, in order.
fn recipients(messages: &[Received]) -> Vec<String> {
    messages.iter().map(|m| m.to.join(",")).collect()
}

/// Both output streams of a run, for "never printed" checks.
fn output(run: &Run) -> String {
    format!("{}\n{}", run.stdout, run.stderr)
}

/// A non-loopback address of this machine, if it has one.
fn local_ip() -> Option<IpAddr> {
    ["192.0.2.1:9", "10.255.255.1:9", "198.51.100.1:9"]
        .iter()
        .find_map(|target| {
            let s = UdpSocket::bind("0.0.0.0:0").ok()?;
            s.connect(target).ok()?;
            Some(s.local_addr().ok()?.ip())
        })
        .filter(|ip| !ip.is_loopback() && !ip.is_unspecified())
}

// ---------------------------------------------------------------------------
// The ladder, exactly once

#[test]
fn the_default_ladder_sends_the_reminder_and_the_follow_ups_once_each() {
    let server = SmtpServer::start();
    let mut env = env_for(&server);
    with_acme(&env);
    let mut arrived: Vec<(i64, Received)> = Vec::new();
    let mut tasks: Vec<(i64, String)> = Vec::new();
    for day in 0..=35 {
        env.set_today(&plus(MONDAY, day));
        // The user's morning: every task in `dun due` is done and logged.
        for action in env.run(&["due", "--format", "json"]).json().as_array().unwrap() {
            let kind = action["action"].as_str().unwrap();
            match kind {
                "call" => env.ok(&["log", "2026-100", "call", "--outcome", "no-answer"]),
                "letter" => env.ok(&["log", "2026-100", "letter"]),
                "email" | "with-lawyer" => continue,
                other => panic!("day {day}: unexpected action {other}"),
            };
            tasks.push((day, kind.to_string()));
        }
        // Cron, twice: the second run finds nothing left.
        send(&env).ok();
        arrived.extend(server.take().into_iter().map(|m| (day, m)));
        let again = send(&env);
        assert!(again.ok().contains("Nothing to send"), "day {day}: {again:?}");
        assert_eq!(server.count(), 0, "day {day}: a second run sent again");
    }

    let days: Vec<i64> = arrived.iter().map(|(d, _)| *d).collect();
    assert_eq!(days, [0, 7, 14, 21, 28], "the days mail arrived");
    assert_eq!(
        tasks,
        [(14, "call"), (21, "call"), (28, "call"), (30, "letter")].map(|(d, k)| (d, k.to_string())),
        "the tasks dun due asked for"
    );
    let subjects: Vec<String> = arrived.iter().map(|(_, m)| m.subject()).collect();
    assert_eq!(subjects[0], "Reminder: invoice 2026-100 from Fia Freelance");
    for s in &subjects[1..4] {
        assert_eq!(s, "Overdue invoice 2026-100 from Fia Freelance");
    }
    // The last follow-up before the demand letter says so.
    assert_eq!(subjects[4], "Final reminder: invoice 2026-100 from Fia Freelance");
    for (_, m) in &arrived {
        assert_eq!(m.to, ["ap@acme.example"]);
        assert_eq!(m.from, "fia@example.org");
    }

    // The log: one entry per message, the e-mail steps only, all sent, and
    // the Message-IDs the server saw, each one once.
    let log = emails(&env);
    let steps: Vec<&str> = log.iter().map(|e| e.step.as_str()).collect();
    assert_eq!(
        steps,
        ["reminder", "follow-up", "follow-up", "follow-up", "follow-up"]
    );
    assert!(log.iter().all(|e| e.delivery == "sent"), "{log:#?}");
    let on: Vec<String> = log.iter().map(|e| e.on.clone()).collect();
    assert_eq!(on, days.iter().map(|&d| plus(MONDAY, d)).collect::<Vec<_>>());
    let logged: Vec<&str> = log.iter().map(|e| e.message_id.as_str()).collect();
    let received: Vec<String> = arrived.iter().map(|(_, m)| m.message_id()).collect();
    assert_eq!(logged, received);

    // One thread: each follow-up answers the message before it and refers to all.
    for k in 1..arrived.len() {
        let m = &arrived[k].1;
        assert_eq!(m.header("In-Reply-To").as_deref(), Some(logged[k - 1]));
        assert_eq!(m.header("References"), Some(logged[..k].join(" ")));
    }
    assert_eq!(arrived[0].1.header("In-Reply-To"), None);
}

#[test]
fn several_invoices_of_one_client_go_in_one_message_with_the_firmest_template() {
    let server = SmtpServer::start();
    let mut env = env_for(&server);
    add_client(&env, "acme", "Acme AB", "ap@acme.example", "en");
    add_client(&env, "beta", "Beta Oy", "billing@beta.example", "en");
    for number in ["2026-101", "2026-102", "2026-103"] {
        add_invoice(&env, number, "acme", MONDAY);
    }
    add_invoice(&env, "2026-201", "beta", MONDAY);

    send(&env).ok();
    let day0 = server.take();
    assert_eq!(recipients(&day0), ["ap@acme.example", "billing@beta.example"]);
    let acme = &day0[0];
    assert_eq!(acme.subject(), "Reminder: 3 invoices from Fia Freelance");
    let body = acme.body();
    for number in ["2026-101", "2026-102", "2026-103"] {
        assert!(
            body.contains(&format!("Invoice {number}")),
            "{number} missing:\n{body}"
        );
    }
    assert!(!body.contains("2026-201"), "another client's invoice:\n{body}");
    assert!(!day0[1].body().contains("2026-10"), "{}", day0[1].body());

    // Each invoice logs its own step against the message's Message-ID.
    let log = emails(&env);
    let by_invoice: BTreeMap<&str, &Email> = log.iter().map(|e| (e.invoice.as_str(), e)).collect();
    for number in ["2026-101", "2026-102", "2026-103"] {
        let e = by_invoice[number];
        assert_eq!(
            (e.step.as_str(), e.delivery.as_str()),
            ("reminder", "sent"),
            "{e:?}"
        );
        assert_eq!(e.message_id, acme.message_id(), "{number}");
    }
    assert_eq!(by_invoice["2026-201"].message_id, day0[1].message_id());
    assert_ne!(acme.message_id(), day0[1].message_id());

    // A week on, three follow-ups and a new invoice's reminder: one message,
    // written with the follow-up template, each invoice logging its own step.
    add_invoice(&env, "2026-104", "acme", &plus(MONDAY, 7));
    env.set_today(&plus(MONDAY, 7));
    send(&env).ok();
    let day7 = server.take();
    assert_eq!(recipients(&day7), ["ap@acme.example", "billing@beta.example"]);
    // One of the four is due today, not overdue: the subject says "unpaid".
    assert_eq!(day7[0].subject(), "4 unpaid invoices from Fia Freelance");
    let body = day7[0].body();
    for number in ["2026-101", "2026-102", "2026-103", "2026-104"] {
        assert!(
            body.contains(&format!("Invoice {number}")),
            "{number} missing:\n{body}"
        );
    }
    let week: Vec<(String, String)> = emails(&env)
        .into_iter()
        .filter(|e| e.message_id == day7[0].message_id())
        .map(|e| (e.invoice, e.step))
        .collect();
    let expected = [
        ("2026-101", "follow-up"),
        ("2026-102", "follow-up"),
        ("2026-103", "follow-up"),
        ("2026-104", "reminder"),
    ];
    assert_eq!(week, expected.map(|(i, s)| (i.to_string(), s.to_string())));
}

// ---------------------------------------------------------------------------
// What a message carries

/// (language, client name, reminder subject, follow-up subject, amount as written)
const LANGUAGES: [(&str, &str, &str, &str, &str); 5] = [
    (
        "en",
        "Acme Ltd",
        "Reminder: invoice 2026-100 from Fia Freelance",
        "Overdue invoice 2026-100 from Fia Freelance",
        "1,200.00 SEK",
    ),
    (
        "sv",
        "Åkesson & Söner AB",
        "Påminnelse: faktura 2026-101 från Fia Freelance",
        "Förfallen faktura 2026-101 från Fia Freelance",
        "1 200,00 kr",
    ),
    (
        "tr",
        "Çiğdem Yılmaz Ltd. Şti.",
        "Ödeme hatırlatması: 2026-102 numaralı fatura – Fia Freelance",
        "Vadesi geçmiş fatura: 2026-102 – Fia Freelance",
        "1.200,00 SEK",
    ),
    (
        "ru",
        "ООО «Ромашка»",
        "Напоминание об оплате счёта № 2026-103 — Fia Freelance",
        "Просроченная оплата по счёту № 2026-103 — Fia Freelance",
        "1 200,00 SEK",
    ),
    (
        "ro",
        "Științe Aplicate SRL",
        "Reamintire: factura nr. 2026-104 de la Fia Freelance",
        "Factură restantă nr. 2026-104 – Fia Freelance",
        "1.200,00 SEK",
    ),
];

/// `dun preview` output split into its Subject line and its body.
fn preview(env: &Env, number: &str) -> (String, String) {
    let out = env.ok(&["preview", number]);
    let (head, body) = out.split_once("\n\n").expect("headers, a blank line, the body");
    let subject = head
        .lines()
        .find_map(|l| l.strip_prefix("Subject: "))
        .expect("a Subject line")
        .to_string();
    (subject, body.to_string())
}

#[test]
fn every_language_arrives_as_utf8_with_encoded_headers_and_threads() {
    let server = SmtpServer::start();
    let mut env = env_for(&server);
    let mut previews = Vec::new();
    for (i, (lang, name, ..)) in LANGUAGES.iter().enumerate() {
        let number = format!("2026-10{i}");
        add_client(&env, lang, name, &format!("ap@{lang}.example"), lang);
        add_invoice(&env, &number, lang, MONDAY);
        previews.push(preview(&env, &number));
    }
    send(&env).ok();
    let reminders = server.take();
    env.set_today(&plus(MONDAY, 7));
    send(&env).ok();
    let follow_ups = server.take();

    for (i, (lang, name, reminder, follow_up, amount)) in LANGUAGES.iter().enumerate() {
        let to = format!("ap@{lang}.example");
        let find = |messages: &[Received]| {
            let found: Vec<Received> = messages
                .iter()
                .filter(|m| m.to == [to.as_str()])
                .cloned()
                .collect();
            assert_eq!(found.len(), 1, "{lang}: one message to {to}");
            found[0].clone()
        };
        let (first, second) = (find(&reminders), find(&follow_ups));
        for (m, subject) in [(&first, reminder), (&second, follow_up)] {
            let text = m.text();
            let (head, _) = text.split_once("\r\n\r\n").unwrap();
            assert!(head.is_ascii(), "{lang}: raw 8-bit in the headers:\n{head}");
            assert_eq!(m.subject(), *subject, "{lang}");
            if !subject.is_ascii() {
                assert!(
                    m.raw_header("Subject").unwrap().contains("=?utf-8?"),
                    "{lang}: {head}"
                );
            }
            let to_header = m.header("To").unwrap();
            assert!(
                to_header.contains(name) && to_header.contains(&to),
                "{lang}: To: {to_header}"
            );
            assert_eq!(
                m.header("From").unwrap().replace('"', ""),
                "Fia Freelance <fia@example.org>"
            );
            assert_eq!(m.header("Auto-Submitted").unwrap(), "auto-generated", "{lang}");
            assert!(
                m.header("Date").is_some_and(|d| d.contains(", ")),
                "{lang}: {head}"
            );
            let mid = m.message_id();
            assert!(
                mid.starts_with('<') && mid.ends_with("@example.org>"),
                "{lang}: {mid}"
            );
            assert!(
                m.header("Content-Type")
                    .unwrap()
                    .to_ascii_lowercase()
                    .contains("charset=utf-8"),
                "{lang}: {head}"
            );
            // Amounts and dates hold together with no-break spaces.
            let body = m.body().replace('\u{a0}', " ");
            assert!(body.contains(amount), "{lang}: {amount} not in\n{body}");
        }
        // What preview showed is what arrived.
        let (subject, body) = &previews[i];
        assert_eq!(first.subject(), *subject, "{lang}");
        assert_eq!(first.body(), *body, "{lang}");
        // The follow-up threads under the reminder.
        let reminder_id = first.message_id();
        assert_eq!(second.header("In-Reply-To"), Some(reminder_id.clone()), "{lang}");
        assert_eq!(second.header("References"), Some(reminder_id), "{lang}");
    }
}

#[test]
fn a_newline_in_a_client_name_cannot_add_a_header_or_a_recipient() {
    let server = SmtpServer::start();
    let env = env_for(&server);
    with_acme(&env);
    // `client add` refuses such a name, so it is planted in the database.
    let conn = rusqlite::Connection::open(env.db()).unwrap();
    conn.execute(
        "UPDATE client SET name = 'Acme\r\nBcc: evil@x.example\r\nX-Evil: 1' WHERE handle = 'acme'",
        [],
    )
    .unwrap();
    drop(conn);

    send(&env).ok();
    let messages = server.take();
    assert_eq!(messages.len(), 1);
    let m = &messages[0];
    assert_eq!(m.to, ["ap@acme.example"], "the envelope");
    for (name, value) in m.headers() {
        assert!(
            !name.eq_ignore_ascii_case("Bcc") && !name.eq_ignore_ascii_case("X-Evil"),
            "injected header {name}: {value}\n{}",
            m.text()
        );
    }
    let to = m.header("To").unwrap();
    assert!(to.ends_with("<ap@acme.example>") && !to.contains("\r"), "{to}");
}

// ---------------------------------------------------------------------------
// Failures

struct FailureCase {
    what: &'static str,
    /// None: nothing listens on the port.
    mode: Option<Mode>,
    /// Words the reason (log and stderr) must contain.
    reason: &'static str,
    /// Whether the other client's message goes out in the same run.
    other_goes: bool,
}

#[test]
fn a_refusal_or_a_dead_server_fails_the_message_and_the_next_run_sends_it_once() {
    let cases = [
        FailureCase {
            what: "recipient refused (5xx)",
            mode: Some(Mode::RefuseRecipient {
                code: 550,
                text: "5.1.1 no such mailbox here",
                only: Some("ap@acme.example"),
            }),
            reason: "no such mailbox here",
            other_goes: true,
        },
        FailureCase {
            what: "recipient deferred (4xx)",
            mode: Some(Mode::RefuseRecipient {
                code: 450,
                text: "4.2.1 mailbox busy, try later",
                only: Some("ap@acme.example"),
            }),
            reason: "mailbox busy, try later",
            other_goes: true,
        },
        FailureCase {
            what: "message deferred after its data (4xx)",
            mode: Some(Mode::RefuseData {
                code: 451,
                text: "4.3.0 local problem, try later",
            }),
            reason: "local problem, try later",
            other_goes: false,
        },
        FailureCase {
            what: "server down",
            mode: None,
            reason: "cannot connect",
            other_goes: false,
        },
    ];
    for case in cases {
        let what = case.what;
        let server = SmtpServer::start();
        let env = env_for(&server);
        with_acme(&env);
        add_client(&env, "beta", "Beta Oy", "billing@beta.example", "en");
        add_invoice(&env, "2026-200", "beta", MONDAY);
        match &case.mode {
            Some(mode) => server.set_mode(mode.clone()),
            None => env.write_config(&config(&server.smtp_section().replace(
                &format!("port = {}", server.port),
                &format!("port = {}", free_port()),
            ))),
        }

        let run = send(&env);
        let stderr = run.fails(3);
        assert!(
            stderr.contains("not sent") && stderr.contains("2026-100") && stderr.contains(case.reason),
            "{what}: stderr:\n{stderr}"
        );
        let failed: Vec<Email> = emails(&env)
            .into_iter()
            .filter(|e| e.delivery == "failed")
            .collect();
        assert!(
            failed
                .iter()
                .any(|e| e.invoice == "2026-100" && e.detail.contains(case.reason)),
            "{what}: {failed:#?}"
        );
        // A refused recipient does not stop the next message (on a new connection).
        let delivered = recipients(&server.take());
        let expected: &[&str] = if case.other_goes {
            &["billing@beta.example"]
        } else {
            &[]
        };
        assert_eq!(delivered, expected, "{what}");

        // The server is fine again: the next run sends what failed, once.
        server.set_mode(Mode::Accept);
        env.write_config(&config(&server.smtp_section()));
        send(&env).ok();
        let mut again = recipients(&server.take());
        again.extend(delivered);
        again.sort();
        assert_eq!(again, ["ap@acme.example", "billing@beta.example"], "{what}");
        let run = send(&env);
        assert!(run.ok().contains("Nothing to send"), "{what}: {run:?}");
        assert_eq!(server.count(), 0, "{what}");
        let log = emails(&env);
        assert_eq!(
            log.iter().filter(|e| e.delivery == "sent").count(),
            2,
            "{what}: {log:#?}"
        );
        assert!(log.iter().all(|e| e.delivery != "pending"), "{what}: {log:#?}");
    }
}

#[test]
fn the_server_going_away_mid_run_fails_the_rest_and_the_next_run_finishes() {
    let server = SmtpServer::start();
    let env = env_for(&server);
    for (i, h) in ["a", "b", "c"].iter().enumerate() {
        add_client(&env, h, &format!("Client {h}"), &format!("ap@{h}.example"), "en");
        add_invoice(&env, &format!("2026-00{i}"), h, MONDAY);
    }
    server.set_mode(Mode::GoneAfter(1));
    let stderr = send(&env).fails(3).to_string();
    assert!(stderr.contains("2 e-mails failed"), "{stderr}");
    assert_eq!(recipients(&server.take()), ["ap@a.example"]);
    let states: Vec<(String, String)> = emails(&env)
        .into_iter()
        .map(|e| (e.invoice, e.delivery))
        .collect();
    let expected = [
        ("2026-000", "sent"),
        ("2026-001", "failed"),
        ("2026-002", "failed"),
    ];
    assert_eq!(states, expected.map(|(i, d)| (i.to_string(), d.to_string())));
    assert!(
        emails(&env)
            .iter()
            .skip(1)
            .all(|e| e.detail.contains("shutting down")),
        "{:#?}",
        emails(&env)
    );

    server.set_mode(Mode::Accept);
    send(&env).ok();
    assert_eq!(recipients(&server.take()), ["ap@b.example", "ap@c.example"]);
    send(&env).ok();
    assert_eq!(server.count(), 0);
}

#[test]
fn a_payment_recorded_while_dun_sends_stops_the_message_not_yet_sent() {
    let server = SmtpServer::start();
    let env = env_for(&server);
    with_acme(&env);
    add_client(&env, "beta", "Beta Oy", "billing@beta.example", "en");
    add_invoice(&env, "2026-200", "beta", MONDAY);
    server.set_mode(Mode::Hold);
    let run = env.spawn(&["send", "--yes"]);
    // acme's message waits at its final dot; beta pays in full meanwhile.
    server.wait_for_held();
    env.ok(&["pay", "2026-200"]);
    server.release();
    finish(run).ok();

    assert_eq!(recipients(&server.take()), ["ap@acme.example"]);
    let invoices: Vec<String> = emails(&env).into_iter().map(|e| e.invoice).collect();
    assert_eq!(invoices, ["2026-100"]);
}

#[test]
fn a_crash_between_pending_and_sent_leaves_unknown_and_is_never_resent_unasked() {
    let server = SmtpServer::start();
    let env = env_for(&server);
    with_acme(&env);
    add_client(&env, "beta", "Beta Oy", "billing@beta.example", "en");
    add_invoice(&env, "2026-200", "beta", MONDAY);

    // dun dies right after writing acme's `pending`, before anything goes out.
    let crash = env.run_with(&[(FAULT_ENV, "1")], &["send", "--yes"]);
    assert_ne!(crash.code, 0, "{crash:?}");
    assert!(crash.stderr.contains(FAULT_ENV), "{crash:?}");
    assert_eq!(server.count(), 0);

    // The next run warns about it, sends beta's and not acme's.
    let run = send(&env);
    run.ok();
    assert!(
        run.stderr.contains("warning")
            && run.stderr.contains("2026-100")
            && run.stderr.contains("--resend-unknown"),
        "{run:?}"
    );
    assert_eq!(recipients(&server.take()), ["billing@beta.example"]);
    let show = env.ok(&["invoice", "show", "2026-100"]);
    assert!(show.contains("unknown"), "{show}");
    let json = env
        .run(&["invoice", "show", "2026-100", "--format", "json"])
        .json();
    let timeline = json["timeline"].to_string();
    assert!(
        timeline.contains("[reminder]") && timeline.contains("unknown"),
        "{timeline}"
    );

    // Asked again without --resend-unknown: still nothing.
    send(&env).ok();
    assert_eq!(server.count(), 0);

    // Asked explicitly: sent once, and the log keeps both attempts.
    send_resend(&env).ok();
    assert_eq!(recipients(&server.take()), ["ap@acme.example"]);
    send_resend(&env).ok();
    assert_eq!(server.count(), 0);
    let acme: Vec<(String, String)> = emails(&env)
        .into_iter()
        .filter(|e| e.invoice == "2026-100")
        .map(|e| (e.delivery, e.detail))
        .collect();
    assert_eq!(acme.len(), 2, "{acme:?}");
    assert_eq!(acme[0].0, "failed");
    assert!(acme[0].1.contains("unknown"), "{acme:?}");
    assert_eq!(acme[1].0, "sent");
}

fn send_resend(env: &Env) -> Run {
    env.run(&["send", "--yes", "--resend-unknown"])
}

#[test]
fn a_refused_resend_unknown_changes_nothing() {
    let server = SmtpServer::start();
    let env = env_for(&server);
    with_acme(&env);
    let crash = env.run_with(&[(FAULT_ENV, "1")], &["send", "--yes"]);
    assert_ne!(crash.code, 0);
    // The crash left its writes in the WAL; the next open folds them into
    // the file. Let a read do that before taking the bytes.
    env.ok(&["invoice", "list"]);
    let before = env.db_bytes();

    // No terminal, no --yes: refused, and nothing may change…
    env.run(&["send", "--resend-unknown"]).fails(2);
    let unchanged = env.db_bytes() == before;
    // …so the next cron run still does not resend it.
    send(&env).ok();
    assert_eq!(
        server.count(),
        0,
        "an unknown message was resent without being asked"
    );
    assert!(unchanged, "a refused run wrote to the database");
}

#[test]
fn two_runs_started_together_send_every_message_once() {
    let server = SmtpServer::start();
    let env = env_for(&server);
    let handles: Vec<String> = (0..12).map(|i| format!("c{i:02}")).collect();
    for (i, h) in handles.iter().enumerate() {
        add_client(&env, h, &format!("Client {i}"), &format!("ap@{h}.example"), "en");
        add_invoice(&env, &format!("2026-{i:03}"), h, MONDAY);
    }
    // The first run's first message waits at its final dot while the second
    // run starts: they overlap for certain.
    server.set_mode(Mode::Hold);
    let a = env.spawn(&["send", "--yes"]);
    server.wait_for_held();
    let b = env.spawn(&["send", "--yes"]);
    std::thread::sleep(std::time::Duration::from_millis(300));
    server.release();
    let (a, b) = (finish(a), finish(b));
    a.ok();
    b.ok();

    let mut got = recipients(&server.take());
    got.sort();
    let expected: Vec<String> = handles.iter().map(|h| format!("ap@{h}.example")).collect();
    assert_eq!(got, expected);
    let log = emails(&env);
    assert_eq!(log.len(), 12, "{log:#?}");
    assert!(log.iter().all(|e| e.delivery == "sent"), "{log:#?}");
}

// ---------------------------------------------------------------------------
// STARTTLS, AUTH and the password

#[test]
fn starttls_and_auth_work_and_the_password_is_never_shown() {
    let server = SmtpServer::with(Options {
        starttls: true,
        auth: true,
    });
    let mut env = Env::new();
    env.set_today(MONDAY);
    env.env(CA_FILE_ENV, server.ca_file.as_ref().unwrap().to_str().unwrap());
    for (i, h) in ["a", "b", "c", "d", "e", "f"].iter().enumerate() {
        add_client(&env, h, &format!("Client {h}"), &format!("ap@{h}.example"), "en");
        add_invoice(&env, &format!("2026-00{i}"), h, MONDAY);
    }
    let section = |extra: &str| {
        config(&format!(
            "[smtp]\nhost = \"127.0.0.1\"\nport = {}\nsecurity = \"starttls\"\nusername = \"{USER}\"\ntimeout_secs = 10\n{extra}",
            server.port
        ))
    };
    let wrong = "wr0ng-guess-9Zq";
    let mut outputs = Vec::new();

    // The password from the environment, from password_command, from an
    // owner-only config file: each one sends its invoice's message.
    let in_env = [(PASSWORD_ENV, PASSWORD)];
    let ways = [
        ("2026-000", String::new(), &in_env[..]),
        (
            "2026-001",
            format!("password_command = \"echo {PASSWORD}\"\n"),
            &[],
        ),
        ("2026-002", format!("password = \"{PASSWORD}\"\n"), &[]),
    ];
    for (invoice, extra, vars) in &ways {
        env.write_config(&section(extra));
        let run = env.run_with(vars, &["send", "--yes", "-v", "--invoice", invoice]);
        run.ok();
        outputs.push(output(&run));
        let got = server.take();
        assert_eq!(got.len(), 1, "{invoice}: {run:?}");
        assert!(got[0].body().contains(invoice), "{invoice}");
    }
    assert_eq!(server.logins(), 3);

    // `dun smtp test` logs in and sends nothing; so does `preview -v`.
    env.write_config(&section(""));
    let run = env.run_with(&[(PASSWORD_ENV, PASSWORD)], &["smtp", "test", "-v"]);
    assert!(run.ok().contains("logged in as"), "{run:?}");
    outputs.push(output(&run));
    assert_eq!((server.logins(), server.count()), (4, 0));
    let run = env.run_with(&[(PASSWORD_ENV, PASSWORD)], &["preview", "2026-003", "-v"]);
    run.ok();
    outputs.push(output(&run));

    // A wrong password: the message fails (exit 3, logged failed, sent by the
    // next run), the error says the login was refused, and `smtp test` fails.
    let run = env.run_with(
        &[(PASSWORD_ENV, wrong)],
        &["send", "--yes", "-v", "--invoice", "2026-003"],
    );
    let stderr = run.fails(3);
    assert!(
        stderr.contains("refused the login") && stderr.contains(USER),
        "{stderr}"
    );
    outputs.push(output(&run));
    assert_eq!((server.failed_logins(), server.count()), (1, 0));
    let run = env.run_with(&[(PASSWORD_ENV, wrong)], &["smtp", "test"]);
    assert!(run.fails(1).contains("refused the login"), "{run:?}");
    outputs.push(output(&run));

    // A password in a file that others can read: refused before connecting.
    env.write_config(&section(&format!("password = \"{PASSWORD}\"\n")));
    set_mode(&env.config(), 0o644);
    let hellos = server.hellos();
    for args in [&["send", "--yes", "--invoice", "2026-004"][..], &["smtp", "test"]] {
        let run = env.run(args);
        let stderr = run.fails(1);
        assert!(stderr.contains("chmod 600"), "{args:?}: {stderr}");
        outputs.push(output(&run));
    }
    assert_eq!(
        server.hellos(),
        hellos,
        "dun connected with a world-readable password file"
    );
    set_mode(&env.config(), 0o600);

    // Without the CA the self-signed certificate is refused.
    let run = env.run_with(
        &[(CA_FILE_ENV, ""), (PASSWORD_ENV, PASSWORD)],
        &["send", "--yes", "--invoice", "2026-004"],
    );
    let stderr = run.fails(3);
    assert!(stderr.contains("STARTTLS"), "{stderr}");
    outputs.push(output(&run));
    assert_eq!(server.count(), 0);

    for out in &outputs {
        assert!(
            !out.contains(PASSWORD) && !out.contains(wrong),
            "a password was printed:\n{out}"
        );
    }
    let db = String::from_utf8_lossy(&env.db_bytes()).into_owned();
    assert!(
        !db.contains(PASSWORD) && !db.contains(wrong),
        "a password is in the database"
    );

    // The failed ones go with the right password.
    env.write_config(&section(""));
    env.run_with(&[(PASSWORD_ENV, PASSWORD)], &["send", "--yes"]).ok();
    let mut got = recipients(&server.take());
    got.sort();
    assert_eq!(got, ["ap@d.example", "ap@e.example", "ap@f.example"]);
}

#[test]
fn starttls_is_required_when_configured() {
    let server = SmtpServer::start(); // no STARTTLS offered
    let env = env_for(&server);
    with_acme(&env);
    env.write_config(&config(
        &server.smtp_section().replace("\"none\"", "\"starttls\""),
    ));
    let stderr = send(&env).fails(3).to_string();
    assert!(stderr.contains("does not offer STARTTLS"), "{stderr}");
    assert_eq!(server.count(), 0);
}

#[test]
fn plain_smtp_to_a_remote_host_is_refused_unless_allowed() {
    let ip = local_ip();
    let server = SmtpServer::on("0.0.0.0:0", Options::default());
    let env = env_for(&server);
    with_acme(&env);
    let host = ip.map_or("smtp.example.org".to_string(), |ip| ip.to_string());
    let remote = server.smtp_section().replace("127.0.0.1", &host);
    env.write_config(&config(&remote));
    for args in [&["send", "--yes"][..], &["smtp", "test"]] {
        let run = env.run(args);
        let stderr = run.fails(1);
        assert!(
            stderr.contains("allow_insecure") && stderr.contains(&host),
            "{args:?}: {stderr}"
        );
    }
    assert_eq!(server.hellos(), 0, "dun connected in the clear to {host}");
    assert!(emails(&env).is_empty());

    let Some(_) = ip else {
        eprintln!("note: this machine has no non-loopback address; allow_insecure = true not tried");
        return;
    };
    env.write_config(&config(&format!("{remote}allow_insecure = true\n")));
    send(&env).ok();
    assert_eq!(recipients(&server.take()), ["ap@acme.example"]);
}

// ---------------------------------------------------------------------------
// Dry runs, cron, terminals

#[test]
fn dry_run_and_a_missing_yes_change_nothing_and_quiet_prints_nothing() {
    let server = SmtpServer::start();
    let env = env_for(&server);
    with_acme(&env);
    let before = env.db_bytes();

    let out = env.ok(&["send", "--dry-run"]);
    assert!(
        out.contains("Would send 1 e-mail") && out.contains("2026-100"),
        "{out}"
    );
    assert!(env.db_bytes() == before, "--dry-run wrote to the database");

    let run = env.run(&["send"]);
    assert!(run.fails(2).contains("--yes"), "{run:?}");
    assert!(env.db_bytes() == before, "a refused send wrote to the database");
    assert_eq!((server.hellos(), server.count()), (0, 0));
    assert!(emails(&env).is_empty());

    // From cron: silent when it sends, silent when there is nothing to send.
    for round in ["sends", "nothing to send"] {
        let run = env.run(&["send", "--yes", "--quiet"]);
        run.ok();
        assert_eq!((run.stdout.as_str(), run.stderr.as_str()), ("", ""), "{round}");
    }
    assert_eq!(recipients(&server.take()), ["ap@acme.example"]);
}

// ---------------------------------------------------------------------------
// Preview, templates, the letter, smtp test

#[test]
fn preview_shows_the_message_and_a_bad_override_stops_every_send() {
    let server = SmtpServer::start();
    let env = env_for(&server);
    with_acme(&env);
    add_client(&env, "sv", "Svensson AB", "ap@sv.example", "sv");
    add_invoice(&env, "2026-200", "sv", MONDAY);

    let out = env.ok(&["preview", "2026-100"]);
    assert!(
        out.contains("Subject: Reminder: invoice 2026-100 from Fia Freelance"),
        "{out}"
    );
    assert!(out.contains("To: Acme AB <ap@acme.example>"), "{out}");
    // Soft line breaks (format=flowed) joined, no-break spaces as spaces.
    let out = out.replace(" \n", " ").replace('\u{a0}', " ");
    assert!(
        out.contains("is due for payment today") && out.contains("1,200.00 SEK"),
        "{out}"
    );

    let template = env.config().parent().unwrap().join("templates/en/reminder.txt");
    std::fs::create_dir_all(template.parent().unwrap()).unwrap();
    std::fs::write(
        &template,
        "Subject: Invoice {{ invoice.number }}, a friendly nudge\n\nPlease pay {{ invoice.balance }}.\n",
    )
    .unwrap();
    let out = env.ok(&["preview", "2026-100"]);
    assert!(
        out.contains("Subject: Invoice 2026-100, a friendly nudge"),
        "{out}"
    );
    assert!(out.contains("Please pay 1,200.00\u{a0}SEK."), "{out}");

    // An unknown variable: preview names it and the file; send sends nothing,
    // not even the Swedish client's message, and writes nothing.
    std::fs::write(
        &template,
        "Subject: Invoice {{ invoice.number }}\n\nPay {{ nosuch }} now.\n",
    )
    .unwrap();
    let stderr = env.run(&["preview", "2026-100"]).fails(1).to_string();
    assert!(stderr.contains("reminder.txt"), "{stderr}");
    assert!(
        stderr.contains("nosuch"),
        "the error does not name the variable: {stderr}"
    );
    let before = env.db_bytes();
    let stderr = send(&env).fails(1).to_string();
    assert!(stderr.contains("reminder.txt"), "{stderr}");
    assert_eq!((server.hellos(), server.count()), (0, 0));
    assert!(env.db_bytes() == before, "a failed render wrote to the database");

    // Fixed: the override is what goes out, lines starting with a dot included
    // (SMTP dot-stuffing).
    let body = "Pay.\n.\n.. and a line that starts with dots\n";
    std::fs::write(
        &template,
        format!("Subject: Invoice {{{{ invoice.number }}}}, a friendly nudge\n\n{body}"),
    )
    .unwrap();
    send(&env).ok();
    let got = server.take();
    assert_eq!(recipients(&got), ["ap@acme.example", "ap@sv.example"]);
    assert_eq!(got[0].subject(), "Invoice 2026-100, a friendly nudge");
    assert_eq!(got[0].body(), body);
    assert!(got[1].subject().starts_with("Påminnelse"), "{}", got[1].subject());
}

#[test]
fn the_letter_lists_the_reminders_sent_and_smtp_test_sends_nothing() {
    let server = SmtpServer::start();
    let mut env = env_for(&server);
    with_acme(&env);
    send(&env).ok(); // day 0, 2 November: the reminder
    env.set_today(&plus(MONDAY, 7)); // 9 November: the follow-up fails
    server.set_mode(Mode::RefuseRecipient {
        code: 550,
        text: "5.7.1 rejected",
        only: None,
    });
    send(&env).fails(3);
    server.set_mode(Mode::Accept);
    env.set_today(&plus(MONDAY, 8)); // 10 November: it goes
    send(&env).ok();
    assert_eq!(server.take().len(), 2);
    // Recorded the next day (a payment is never dated after today).
    env.set_today(&plus(MONDAY, 10));
    env.ok(&["pay", "2026-100", "200", "--on", &plus(MONDAY, 9)]);

    let file = env.dir.path().join("demand.txt");
    env.ok(&["letter", "2026-100", "--out", file.to_str().unwrap()]);
    // Columns are aligned with runs of spaces: compare words.
    let letter = std::fs::read_to_string(&file).unwrap();
    let letter = letter
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect::<Vec<_>>()
        .join("\n");
    for needle in [
        "2026-100",
        "Invoice amount: 1,200.00 SEK",
        "Payment received 11 November 2026: 200.00 SEK",
        "Balance: 1,000.00 SEK",
        "2 November 2026: reminder by e-mail on the due date",
        "10 November 2026: payment reminder by e-mail",
        "Acme AB",
        "Fia Freelance",
    ] {
        assert!(letter.contains(needle), "{needle:?} missing:\n{letter}");
    }
    assert!(
        !letter.contains("9 November 2026"),
        "the failed e-mail is listed:\n{letter}"
    );

    let hellos = server.hellos();
    let out = env.ok(&["smtp", "test"]);
    assert!(
        out.contains(&format!("127.0.0.1:{}", server.port)) && out.contains("nothing was sent"),
        "{out}"
    );
    assert!(server.hellos() > hellos, "smtp test did not connect");
    assert_eq!(server.count(), 0);
}

/// Regression: a client with no address got a new `failed` e-mail in the
/// evidence log on every run. Now nothing is logged and the run says why.
#[test]
fn a_client_without_an_address_is_named_and_nothing_is_logged() {
    let server = SmtpServer::start();
    let env = env_for(&server);
    with_acme(&env);
    env.ok(&["client", "add", "NoMail AB", "--handle", "nomail"]);
    add_invoice(&env, "2026-200", "nomail", MONDAY);

    let r = send(&env);
    let stderr = r.fails(3);
    assert!(stderr.contains("client nomail has no e-mail address"), "{stderr}");
    assert!(stderr.contains("dun client edit nomail --email"), "{stderr}");
    assert_eq!(recipients(&server.take()), ["ap@acme.example"]);
    assert!(
        emails(&env).iter().all(|e| e.invoice != "2026-200"),
        "{:?}",
        emails(&env)
    );

    env.ok(&["client", "edit", "nomail", "--email", "ap@nomail.example"]);
    send(&env).ok();
    assert_eq!(recipients(&server.take()), ["ap@nomail.example"]);
}

/// Regression: `--resend-unknown --invoice N` released every unknown entry,
/// and the next plain run resent the others unasked.
#[test]
fn resend_unknown_covers_only_the_invoice_named() {
    let server = SmtpServer::start();
    let env = env_for(&server);
    with_acme(&env);
    add_client(&env, "beta", "Beta AB", "ap@beta.example", "en");
    add_invoice(&env, "2026-300", "beta", MONDAY);
    // Two crashed runs leave both messages unknown.
    for _ in 0..2 {
        assert_ne!(env.run_with(&[(FAULT_ENV, "1")], &["send", "--yes"]).code, 0);
    }
    assert_eq!(server.count(), 0);

    env.ok(&["send", "--yes", "--resend-unknown", "--invoice", "2026-100"]);
    assert_eq!(recipients(&server.take()), ["ap@acme.example"]);
    let r = send(&env);
    r.ok();
    assert!(
        r.stderr.contains("2026-300"),
        "still reported as unknown: {}",
        r.stderr
    );
    assert_eq!(server.count(), 0, "the other unknown message was resent unasked");
}
