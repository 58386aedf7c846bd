//! Payment plans end to end (issue 11, SPEC.md §12), through the real binary
//! and a real SMTP server (tests/integration/smtp_server.rs): a plan agreed
//! on day 3 walked day by day until it is kept, then broken and the ladder
//! back; a plan paid in full; a cancelled plan; a plan replaced by another;
//! a confirmation that may or may not have gone; and the bad input that
//! must be refused in one line with the database unchanged.

use chrono::{NaiveDate, TimeDelta};
use serde_json::Value;

use crate::common::{Env, Run};
use crate::smtp_server::{Received, SmtpServer};

/// A Monday: the invoice's due date, day 0.
const DUE: &str = "2026-11-02";

fn plus(from: &str, n: i64) -> String {
    let d = NaiveDate::parse_from_str(from, "%Y-%m-%d").expect("an ISO date");
    (d + TimeDelta::days(n)).to_string()
}

/// A sandbox that sends to `server`, with `acme` (English, an address and
/// a phone) and invoice 2026-014 of 1,200.00 EUR due on DUE; today is DUE.
fn env_for(server: &SmtpServer, extra_config: &str) -> Env {
    let mut env = Env::new();
    env.set_today(DUE);
    env.write_config(&format!(
        "[sender]\nname = \"Fia Freelance\"\nemail = \"fia@example.org\"\npayment_instructions = \"IBAN SE45 5000 0000 0583 9825 7466\"\n\n{}\n{extra_config}",
        server.smtp_section()
    ));
    env.ok(&[
        "client",
        "add",
        "Acme AB",
        "--handle",
        "acme",
        "--email",
        "ap@acme.example",
        "--phone",
        "+46 8 123 45 67",
    ]);
    env.ok(&[
        "invoice",
        "add",
        "2026-014",
        "--client",
        "acme",
        "--amount",
        "1200.00",
        "--currency",
        "EUR",
        "--issued",
        &plus(DUE, -30),
        "--due",
        DUE,
    ]);
    env
}

fn on(env: &mut Env, day: &str) {
    env.set_today(day);
}

fn send(env: &Env) -> Run {
    env.run(&["send", "--yes"])
}

/// `dun due --format json`: (action, note) of each row.
fn agenda(env: &Env) -> Vec<(String, String)> {
    let rows = env.run(&["due", "--format", "json"]).json();
    rows.as_array()
        .expect("an array")
        .iter()
        .map(|r| {
            (
                r["action"].as_str().unwrap().to_string(),
                r["note"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

fn actions(env: &Env) -> Vec<String> {
    agenda(env).into_iter().map(|(a, _)| a).collect()
}

fn invoice(env: &Env) -> Value {
    env.run(&["invoice", "show", "2026-014", "--format", "json"])
        .json()
}

fn instalment_states(env: &Env) -> Vec<String> {
    invoice(env)["plan"]["instalments"]
        .as_array()
        .expect("a plan with instalments")
        .iter()
        .map(|i| i["state"].as_str().unwrap().to_string())
        .collect()
}

/// The body read as a mail program shows it (RFC 3676: stuffing removed,
/// soft breaks joined), no-break spaces as spaces, so that a sentence can
/// be found whatever the line width.
fn flat(m: &Received) -> String {
    let body = m.body();
    let lines: Vec<&str> = body.lines().map(|l| l.strip_prefix(' ').unwrap_or(l)).collect();
    lines.join("\n").replace(" \n", " ").replace('\u{a0}', " ")
}

/// The plan tables and the e-mail entries, as stored.
fn db_rows(env: &Env, sql: &str) -> Vec<String> {
    let conn = rusqlite::Connection::open(env.db()).expect("the database opens");
    let mut stmt = conn.prepare(sql).unwrap();
    stmt.query_map([], |r| r.get::<_, String>(0))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap()
}

#[test]
fn a_plan_agreed_on_day_3_is_confirmed_reminded_kept_then_broken_and_the_ladder_picks_up() {
    let server = SmtpServer::start();
    let mut env = env_for(&server, "");

    // Day 0: the ladder's reminder.
    send(&env).ok();
    let reminder = server.take();
    assert_eq!(reminder.len(), 1);
    assert!(
        reminder[0].subject().contains("Reminder"),
        "{}",
        reminder[0].subject()
    );

    // Day 3: the client cannot pay at once; three monthly instalments.
    on(&mut env, &plus(DUE, 3));
    let out = env.ok(&[
        "plan",
        "2026-014",
        "--instalments",
        "3",
        "--monthly",
        "--first",
        "2026-11-16",
    ]);
    assert_eq!(
        out,
        "plan for 2026-014 (Acme AB): 3 instalments\n  2026-11-16  400.00 EUR\n  2026-12-16  400.00 EUR\n  2027-01-16  400.00 EUR\nthe confirmation goes out with the next dun send\n"
    );
    assert_eq!(
        agenda(&env),
        [(
            "plan".to_string(),
            "confirm the payment plan: 3 instalments from 2026-11-16".to_string()
        )]
    );
    // One clear confirmation, once.
    send(&env).ok();
    let confirmation = server.take();
    assert_eq!(confirmation.len(), 1);
    let c = &confirmation[0];
    assert_eq!(c.to, ["ap@acme.example"]);
    assert_eq!(c.subject(), "Payment plan for invoice 2026-014: 3 instalments");
    let body = flat(c);
    for needle in [
        "Thank you for agreeing a payment plan",
        "the outstanding balance of 1,200.00 EUR will be paid in 3 instalments",
        "  16 November 2026: 400.00 EUR\n  16 December 2026: 400.00 EUR\n  16 January 2027: 400.00 EUR",
        "Please quote the reference RF97 2026 014 with each payment",
        "Payment details: IBAN SE45 5000 0000 0583 9825 7466",
        "within 3 days of its date, the plan lapses: the whole remaining balance then falls due at once",
    ] {
        assert!(body.contains(needle), "expected {needle:?} in:\n{body}");
    }
    // It threads with the reminder it follows.
    assert_eq!(c.header("In-Reply-To"), Some(reminder[0].message_id()));
    send(&env).ok();
    assert_eq!(server.count(), 0, "the confirmation goes once");
    assert_eq!(
        db_rows(
            &env,
            "SELECT l.delivery || ' ' || l.note || ' ' || COALESCE(l.step, '-') FROM contact_log l
             JOIN plan_message m ON m.log_id = l.id"
        ),
        ["sent payment plan: confirmation -"]
    );

    // Day 7 would be the follow-up: the kept plan holds the ladder.
    on(&mut env, &plus(DUE, 7));
    assert_eq!(actions(&env), Vec::<String>::new());
    send(&env).ok();
    assert_eq!(server.count(), 0);
    let view = invoice(&env);
    assert_eq!(view["status"], "on-hold");
    assert_eq!(view["hold"], "plan");
    assert_eq!(view["next_step"], "instalment 1 of 3 (400.00 EUR)");
    let overdue = env.run(&["overdue", "--format", "json"]).json();
    assert_eq!(overdue[0]["hold"], "plan");
    assert_eq!(overdue[0]["next_action"], "instalment 1 of 3");
    assert_eq!(overdue[0]["next_action_date"], "2026-11-16");

    // Day 14, the first instalment's date, unpaid: its reminder, once.
    on(&mut env, "2026-11-16");
    assert_eq!(
        agenda(&env),
        [(
            "instalment".to_string(),
            "instalment 1 of 3, 400.00 EUR due 2026-11-16, unpaid".to_string()
        )]
    );
    send(&env).ok();
    let reminded = server.take();
    assert_eq!(reminded.len(), 1);
    assert_eq!(
        reminded[0].subject(),
        "Instalment 1 of 3 for invoice 2026-014: 400.00 EUR due today"
    );
    let body = flat(&reminded[0]);
    for needle in [
        "instalment 1 of 3 under our payment plan for invoice 2026-014 is due today, 16 November 2026: 400.00 EUR",
        "The next instalment, 400.00 EUR, is due on 16 December 2026",
        "If it has not reached me by 19 November 2026",
    ] {
        assert!(body.contains(needle), "expected {needle:?} in:\n{body}");
    }
    send(&env).ok();
    assert_eq!(server.count(), 0, "one reminder per instalment");

    // Paid on the last day of grace: kept.
    on(&mut env, "2026-11-19");
    env.ok(&["pay", "2026-014", "400", "--on", "2026-11-19"]);
    on(&mut env, "2026-11-20");
    assert_eq!(instalment_states(&env), ["kept", "to-come", "to-come"]);
    assert_eq!(actions(&env), Vec::<String>::new());
    send(&env).ok();
    assert_eq!(server.count(), 0);
    let text = env.ok(&["invoice", "show", "2026-014"]);
    assert!(
        text.contains("Payment plan of 2026-11-05 (kept)")
            && text.contains("1  2026-11-16  400.00 EUR  400.00 EUR  kept")
            && text.contains("2  2026-12-16  400.00 EUR    0.00 EUR  to come"),
        "{text}"
    );

    // The second instalment: reminded on its date, never paid.
    on(&mut env, "2026-12-16");
    send(&env).ok();
    let second = server.take();
    assert_eq!(second.len(), 1);
    assert_eq!(
        second[0].subject(),
        "Instalment 2 of 3 for invoice 2026-014: 400.00 EUR due today"
    );
    // The last day of grace: still kept, nothing to do.
    on(&mut env, "2026-12-19");
    assert_eq!(actions(&env), Vec::<String>::new());

    // The day after (a Sunday): dun says the plan broke; nothing goes out on a Sunday.
    on(&mut env, "2026-12-20");
    assert_eq!(
        agenda(&env),
        [(
            "broken-plan".to_string(),
            "plan broken: instalment 2 of 3, 400.00 EUR due 2026-12-16, unpaid".to_string()
        )]
    );
    assert_eq!(instalment_states(&env), ["kept", "missed", "dropped"]);
    let view = invoice(&env);
    assert_eq!(view["status"], "overdue");
    assert_eq!(view["plan"]["state"], "broken");
    assert_eq!(view["plan"]["broken_on"], "2026-12-20");

    // The ladder picks up where it was: the reminder stays done, the
    // follow-up is next, due as soon as the e-mail gap after the
    // instalment reminder of 16 December allows (rule 4): 23 December.
    on(&mut env, "2026-12-21");
    assert_eq!(actions(&env), ["broken-plan"]);
    on(&mut env, "2026-12-23");
    let rows = env.run(&["due", "--format", "json"]).json();
    assert_eq!(rows[0]["action"], "email");
    assert_eq!(rows[0]["step"], "follow-up");
    assert_eq!(rows[0]["balance"], "800.00");
    assert_eq!(rows[1]["action"], "broken-plan");
    send(&env).ok();
    let follow_up = server.take();
    assert_eq!(follow_up.len(), 1);
    assert!(
        follow_up[0].subject().contains("Overdue invoice 2026-014"),
        "{}",
        follow_up[0].subject()
    );
    let body = flat(&follow_up[0]);
    assert!(
        body.contains("800.00 EUR")
            && body.contains("The payment plan we agreed on 5 November 2026 for invoice 2026-014 was not kept: instalment 2 of 3, 400.00 EUR due on 16 December 2026, was not paid. The plan has therefore lapsed, and the whole remaining balance is now due."),
        "{body}"
    );
    // The broken plan stays on the agenda until someone acts on it.
    assert!(actions(&env).contains(&"broken-plan".to_string()));
    env.ok(&["log", "2026-014", "call", "--outcome", "no-answer"]);
    assert!(!actions(&env).contains(&"broken-plan".to_string()));
}

#[test]
fn a_plan_paid_in_full_closes_the_invoice_as_paid() {
    let server = SmtpServer::start();
    let mut env = env_for(&server, "");
    on(&mut env, &plus(DUE, 3));
    env.ok(&[
        "plan",
        "2026-014",
        "--at",
        "2026-11-20=500",
        "--at",
        "2026-12-20=700",
    ]);
    send(&env).ok();
    let c = server.take();
    assert_eq!(c.len(), 1);
    assert!(
        flat(&c[0]).contains("  20 November 2026: 500.00 EUR\n  20 December 2026: 700.00 EUR"),
        "{}",
        c[0].body()
    );
    on(&mut env, "2026-11-18");
    env.ok(&["pay", "2026-014", "500"]);
    assert_eq!(instalment_states(&env), ["paid", "to-come"]);
    on(&mut env, "2026-11-20");
    // Paid ahead of its date: no reminder.
    assert_eq!(actions(&env), Vec::<String>::new());
    on(&mut env, "2026-12-10");
    let out = env.ok(&["pay", "2026-014", "700"]);
    assert_eq!(
        out,
        "recorded 700.00 EUR on invoice 2026-014: paid in full, off the ladder\n"
    );
    let view = invoice(&env);
    assert_eq!(view["status"], "paid");
    assert_eq!(view["plan"]["state"], "complete");
    on(&mut env, "2026-12-21");
    assert_eq!(actions(&env), Vec::<String>::new());
    send(&env).ok();
    assert_eq!(server.count(), 0);
    // A plan needs a balance to pay.
    let r = env.run(&["plan", "2026-014", "--at", "2026-12-30=1"]);
    assert!(r.fails(1).contains("paid"), "{}", r.stderr);
}

#[test]
fn a_cancelled_plan_lets_the_ladder_resume() {
    let server = SmtpServer::start();
    let mut env = env_for(&server, "");
    send(&env).ok();
    server.take();
    on(&mut env, &plus(DUE, 3));
    env.ok(&[
        "plan",
        "2026-014",
        "--instalments",
        "2",
        "--every",
        "14",
        "--first",
        "2026-11-20",
    ]);
    send(&env).ok();
    assert_eq!(server.take().len(), 1);
    on(&mut env, &plus(DUE, 14));
    assert_eq!(actions(&env), Vec::<String>::new());
    let out = env.ok(&["plan", "2026-014", "--cancel"]);
    assert_eq!(
        out,
        "plan for 2026-014 cancelled (it stays on record); the ladder resumes\n"
    );
    // The follow-up, at once: the gap after the confirmation of day 3 has passed.
    let rows = env.run(&["due", "--format", "json"]).json();
    assert_eq!(rows[0]["action"], "email");
    assert_eq!(rows[0]["step"], "follow-up");
    let view = invoice(&env);
    assert!(view["plan"].is_null());
    assert!(
        view["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["kind"] == "plan ended" && e["detail"] == "cancelled"),
        "{view}"
    );
    assert_eq!(
        db_rows(&env, "SELECT state || ' ' || ended_on FROM payment_plan"),
        ["cancelled 2026-11-16"]
    );
    // On the plan's instalment date nothing of the plan is sent.
    on(&mut env, "2026-11-20");
    send(&env).ok();
    let sent = server.take();
    assert!(
        sent.iter().all(|m| !m.subject().contains("Instalment")),
        "{sent:?}"
    );
    let r = env.run(&["plan", "2026-014", "--cancel"]);
    assert!(r.fails(1).contains("no payment plan to cancel"), "{}", r.stderr);
}

#[test]
fn a_new_plan_replaces_the_old_one_which_stays_on_record() {
    let server = SmtpServer::start();
    let mut env = env_for(&server, "");
    on(&mut env, &plus(DUE, 3));
    env.ok(&[
        "plan",
        "2026-014",
        "--instalments",
        "3",
        "--monthly",
        "--first",
        "2026-11-16",
    ]);
    send(&env).ok();
    assert_eq!(server.take().len(), 1);
    on(&mut env, "2026-11-10");
    let out = env.ok(&[
        "plan",
        "2026-014",
        "--at",
        "2026-11-30=600",
        "--at",
        "2026-12-31=600",
    ]);
    assert!(
        out.contains("2 instalments")
            && out.contains("it replaces the plan of 2026-11-05, which stays on record"),
        "{out}"
    );
    assert_eq!(
        db_rows(&env, "SELECT id || ' ' || state FROM payment_plan ORDER BY id"),
        ["1 replaced", "2 active"]
    );
    // The new plan is confirmed in its turn.
    send(&env).ok();
    let c = server.take();
    assert_eq!(c.len(), 1);
    assert!(
        flat(&c[0]).contains("  30 November 2026: 600.00 EUR\n  31 December 2026: 600.00 EUR"),
        "{}",
        c[0].body()
    );
    // The old plan's first date (16 November) passes without a word.
    on(&mut env, "2026-11-16");
    assert_eq!(actions(&env), Vec::<String>::new());
    // The new plan's first date: its reminder, for 600.00.
    on(&mut env, "2026-11-30");
    send(&env).ok();
    let r = server.take();
    assert_eq!(r.len(), 1);
    assert_eq!(
        r[0].subject(),
        "Instalment 1 of 2 for invoice 2026-014: 600.00 EUR due today"
    );
    let view = invoice(&env);
    let kinds: Vec<&str> = view["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"].as_str().unwrap().starts_with("plan"))
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["plan", "plan ended", "plan"]);
}

#[test]
fn a_confirmation_that_may_have_gone_is_not_sent_twice() {
    let server = SmtpServer::start();
    let mut env = env_for(&server, "");
    on(&mut env, &plus(DUE, 3));
    env.ok(&[
        "plan",
        "2026-014",
        "--instalments",
        "2",
        "--monthly",
        "--first",
        "2026-11-30",
    ]);
    let crashed = env.run_with(&[("DUN_FAULT_AFTER_PENDING", "1")], &["send", "--yes"]);
    assert_ne!(crashed.code, 0);
    assert_eq!(server.count(), 0);
    // Pending: unknown, not resent, not due.
    let r = send(&env);
    assert!(r.stderr.contains("may or may not have gone out"), "{}", r.stderr);
    // Named as dun due names it: a plan's e-mail does no ladder step.
    assert!(r.stderr.contains("2026-014 plan of"), "{}", r.stderr);
    assert_eq!(server.count(), 0);
    assert_eq!(actions(&env), Vec::<String>::new());
    env.run(&["send", "--yes", "--resend-unknown"]).ok();
    let c = server.take();
    assert_eq!(c.len(), 1);
    assert_eq!(c[0].subject(), "Payment plan for invoice 2026-014: 2 instalments");
    send(&env).ok();
    assert_eq!(server.count(), 0);
}

#[test]
fn with_no_grace_an_instalment_unpaid_on_its_date_breaks_the_plan_the_next_day() {
    let server = SmtpServer::start();
    let mut env = env_for(&server, "[plans]\ngrace_days = 0\n");
    on(&mut env, &plus(DUE, 3));
    env.ok(&[
        "plan",
        "2026-014",
        "--instalments",
        "2",
        "--every",
        "7",
        "--first",
        "2026-11-10",
    ]);
    send(&env).ok();
    let c = server.take();
    assert!(
        flat(&c[0]).contains("an instalment has not been paid by its date, the plan lapses"),
        "{}",
        c[0].body()
    );
    on(&mut env, "2026-11-10");
    assert_eq!(actions(&env), ["instalment"]);
    on(&mut env, "2026-11-11");
    assert_eq!(actions(&env), ["broken-plan"]);
}

#[test]
fn a_swedish_client_gets_the_plan_in_swedish() {
    let server = SmtpServer::start();
    let mut env = env_for(&server, "");
    env.ok(&["client", "edit", "acme", "--lang", "sv"]);
    on(&mut env, &plus(DUE, 3));
    env.ok(&[
        "plan",
        "2026-014",
        "--instalments",
        "3",
        "--monthly",
        "--first",
        "2026-11-30",
    ]);
    send(&env).ok();
    let c = server.take();
    assert_eq!(
        c[0].subject(),
        "Avbetalningsplan för faktura 2026-014: 3 delbetalningar"
    );
    let body = flat(&c[0]);
    assert!(
        body.contains(
            "  30 november 2026: 400,00 EUR\n  30 december 2026: 400,00 EUR\n  30 januari 2027: 400,00 EUR"
        ) && body.contains("inom 3 dagar från förfallodagen"),
        "{body}"
    );
}

// ---------------------------------------------------------------------------
// Bad input: exit 1 or 2, one line naming the value, the database unchanged.

/// `setup` lines run first (with `acme` and invoice 2026-014 of 1,200.00
/// SEK due 2026-12-01, today 2026-12-01), then `line` must be refused.
struct Bad {
    setup: &'static [&'static str],
    line: &'static str,
    names: &'static [&'static str],
}

const BAD: &[Bad] = &[
    // Issue 7: no date past 9999-12-31, computed ones included.
    Bad {
        setup: &[],
        line: "plan 2026-014 --instalments 3 --monthly --first 9999-11-30",
        names: &["instalment 3", "9999-12-31"],
    },
    Bad {
        setup: &[],
        line: "plan 2026-014 --instalments 2 --every 30 --first 9999-12-15",
        names: &["instalment 2", "9999-12-31"],
    },
    Bad {
        setup: &[],
        line: "plan 2026-014 --at 2026-12-20=500 --at 2027-01-31=600",
        names: &["1100.00 SEK", "1200.00 SEK"],
    },
    Bad {
        setup: &[],
        line: "plan 2026-014 --instalments 3 --monthly --first 2026-11-30",
        names: &["2026-11-30", "past"],
    },
    Bad {
        setup: &["pay 2026-014"],
        line: "plan 2026-014 --instalments 3 --monthly --first 2026-12-15",
        names: &["2026-014", "paid"],
    },
    Bad {
        setup: &["settle 2026-014 1000"],
        line: "plan 2026-014 --instalments 3 --monthly --first 2026-12-15",
        names: &["2026-014", "settled"],
    },
    Bad {
        setup: &["invoice void 2026-014"],
        line: "plan 2026-014 --instalments 3 --monthly --first 2026-12-15",
        names: &["2026-014", "void"],
    },
    Bad {
        setup: &["write-off 2026-014"],
        line: "plan 2026-014 --instalments 3 --monthly --first 2026-12-15",
        names: &["2026-014", "written-off"],
    },
    Bad {
        setup: &["dispute 2026-014"],
        line: "plan 2026-014 --instalments 3 --monthly --first 2026-12-15",
        names: &["2026-014", "disputed", "dun resolve"],
    },
    Bad {
        setup: &[],
        line: "plan 2026-014 --instalments 3 --every 0 --first 2026-12-15",
        names: &["--every 0"],
    },
    Bad {
        setup: &[],
        line: "plan 2026-014 --at 2026-12-20=1200 --instalments 3",
        names: &["--at", "--instalments"],
    },
    Bad {
        setup: &[],
        line: "plan 2026-014 --instalments 3 --first 2026-12-15",
        names: &["--every", "--monthly"],
    },
    Bad {
        setup: &[],
        line: "plan 2026-014 --instalments 3 --every 7 --monthly --first 2026-12-15",
        names: &["--every", "--monthly"],
    },
    Bad {
        setup: &[],
        line: "plan 2026-014 --instalments 3 --monthly",
        names: &["--first"],
    },
    Bad {
        setup: &[],
        line: "plan 2026-014",
        names: &["--instalments", "--at"],
    },
    Bad {
        setup: &[],
        line: "plan 2026-014 --instalments three --monthly --first 2026-12-15",
        names: &["\"three\""],
    },
    Bad {
        setup: &[],
        line: "plan 2026-014 --instalments 0 --monthly --first 2026-12-15",
        names: &["--instalments 0"],
    },
    Bad {
        setup: &[],
        line: "plan 2026-014 --instalments 3 --monthly --first 2026-02-30",
        names: &["2026-02-30"],
    },
    Bad {
        setup: &[],
        line: "plan 2026-014 --at 2026-12-20",
        names: &["\"2026-12-20\"", "DATE=AMOUNT"],
    },
    Bad {
        setup: &[],
        line: "plan 2026-014 --at 2026-12-20=12abc --at 2027-01-20=1188",
        names: &["\"12abc\""],
    },
    Bad {
        setup: &[],
        line: "plan 2026-014 --at 2027-01-20=600 --at 2026-12-20=600",
        names: &["2026-12-20", "ascend"],
    },
    Bad {
        setup: &[],
        line: "plan 2026-014 --cancel --monthly",
        names: &["--cancel"],
    },
    Bad {
        setup: &[],
        line: "plan 2026-014 --cancel",
        names: &["2026-014", "no payment plan"],
    },
    Bad {
        setup: &[],
        line: "plan 2026-099 --instalments 3 --monthly --first 2026-12-15",
        names: &["2026-099", "not found"],
    },
];

fn words(line: &str) -> Vec<&str> {
    line.split(' ').collect()
}

#[test]
fn bad_plans_are_refused_in_one_line_and_change_nothing() {
    let mut failures = Vec::new();
    for case in BAD {
        let env = Env::new();
        env.with_acme();
        for s in case.setup {
            env.ok(&words(s));
        }
        let before = env.db_bytes();
        let r = env.run(&words(case.line));
        let err = r.stderr.trim_end();
        let mut wrong = Vec::new();
        if r.code != 1 && r.code != 2 {
            wrong.push(format!("exit {}", r.code));
        }
        if !r.stdout.is_empty() {
            wrong.push(format!("stdout {:?}", r.stdout));
        }
        if !err.starts_with("error: ") || err.contains('\n') {
            wrong.push("stderr is not one line starting with `error: `".to_string());
        }
        if let Some(n) = case.names.iter().find(|n| !err.contains(*n)) {
            wrong.push(format!("stderr does not name {n:?}"));
        }
        if env.db_bytes() != before {
            wrong.push("the database changed".to_string());
        }
        if !wrong.is_empty() {
            failures.push(format!(
                "dun {}: {}\n  stderr: {err}",
                case.line,
                wrong.join("; ")
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn a_grace_beyond_sixty_days_is_a_config_error_naming_the_key() {
    let env = Env::new();
    env.write_config("[plans]\ngrace_days = 90\n");
    let r = env.run(&["due"]);
    let err = r.fails(1);
    assert!(err.contains("grace_days") && err.contains("line 2"), "{err}");
}

#[test]
fn plans_are_kept_in_the_record() {
    let env = Env::new();
    env.with_acme();
    env.ok(&[
        "plan",
        "2026-014",
        "--instalments",
        "2",
        "--monthly",
        "--first",
        "2026-12-15",
    ]);
    env.ok(&["plan", "2026-014", "--at", "2026-12-20=1200"]);
    let conn = rusqlite::Connection::open(env.db()).expect("the database opens");
    for sql in [
        "DELETE FROM payment_plan",
        "DELETE FROM plan_instalment",
        "UPDATE plan_instalment SET amount = 1",
        "UPDATE payment_plan SET made_on = '2026-01-01'",
        "UPDATE payment_plan SET state = 'active' WHERE state = 'replaced'",
        "UPDATE payment_plan SET state = 'broken' WHERE state = 'active'",
    ] {
        let e = conn.execute(sql, []).expect_err(sql).to_string();
        assert!(
            e.contains("kept in the record") || e.contains("only an active plan"),
            "{sql}: {e}"
        );
    }
    // One active plan per invoice, whatever writes.
    let e = conn
        .execute(
            "INSERT INTO payment_plan (invoice_id, made_on, balance, created_at) VALUES (1, '2026-12-01', 5, 'now')",
            [],
        )
        .expect_err("a second active plan");
    assert!(e.to_string().contains("UNIQUE"), "{e}");
}

#[test]
fn no_plan_e_mail_goes_to_an_address_that_bounced() {
    let server = SmtpServer::start();
    let mut env = env_for(&server, "");
    on(&mut env, &plus(DUE, 3));
    env.ok(&["log", "2026-014", "email", "--outcome", "bounced"]);
    env.ok(&[
        "plan",
        "2026-014",
        "--instalments",
        "2",
        "--monthly",
        "--first",
        "2026-11-30",
    ]);
    let rows = env.run(&["due", "--format", "json"]).json();
    assert_eq!(rows[0]["action"], "plan");
    assert_eq!(rows[0]["to"], serde_json::json!([]));
    assert!(rows[0]["note"].as_str().unwrap().contains("bounced"), "{rows}");
    send(&env).ok();
    assert_eq!(server.count(), 0);
    // A working address: the confirmation goes.
    env.ok(&["client", "edit", "acme", "--email", "pay@acme.example"]);
    send(&env).ok();
    let c = server.take();
    assert_eq!(c.len(), 1);
    assert_eq!(c[0].to, ["pay@acme.example"]);
}

/// Payments that add up past i64 on a plan's invoice (records dun never
/// writes: a hand edit) are an error naming the invoice, never SQLite's
/// bare "integer overflow" nor a wrapped balance (issue 7's money rule).
#[test]
fn payments_past_any_sum_on_a_plan_s_invoice_are_an_error_naming_it() {
    let server = SmtpServer::start();
    let mut env = env_for(&server, "");
    on(&mut env, &plus(DUE, 3));
    env.ok(&[
        "plan",
        "2026-014",
        "--instalments",
        "2",
        "--monthly",
        "--first",
        "2026-11-30",
    ]);
    let conn = rusqlite::Connection::open(env.db()).expect("the database opens");
    // The kept state's sum refuses such a payment (SQLite's sum() stops
    // at an integer overflow): the edit must go round its trigger too.
    let before = std::fs::read(env.db()).unwrap();
    let refused = conn.execute(
        "INSERT INTO payment (invoice_id, amount, paid_on, created_at)
         SELECT id, 5000000000000000000, due, '2026-11-20T00:00:00Z'
           FROM invoice, (SELECT 1 UNION ALL SELECT 2) WHERE number = '2026-014'",
        [],
    );
    assert!(refused.is_err(), "the kept state took payments past i64");
    assert!(
        std::fs::read(env.db()).unwrap() == before,
        "a refused edit changed the file"
    );
    conn.execute_batch(
        "DROP TRIGGER ladder_state_after_payment;
         INSERT INTO payment (invoice_id, amount, paid_on, created_at)
         SELECT id, 5000000000000000000, due, '2026-11-20T00:00:00Z' FROM invoice WHERE number = '2026-014';
         INSERT INTO payment (invoice_id, amount, paid_on, created_at)
         SELECT id, 5000000000000000000, due, '2026-11-20T00:00:00Z' FROM invoice WHERE number = '2026-014';",
    )
    .unwrap();
    drop(conn);
    let before = env.db_bytes();
    for args in [&["due"][..], &["send", "--yes"]] {
        let r = env.run(args);
        assert_ne!(r.code, 0, "{args:?}: {r:?}");
        assert!(
            r.stderr.contains("invoice 2026-014") && r.stderr.contains("past any amount"),
            "{args:?}: {}",
            r.stderr
        );
        assert!(!r.stderr.contains("integer overflow"), "{}", r.stderr);
    }
    assert_eq!(server.count(), 0);
    assert!(env.db_bytes() == before, "the database changed");
}

#[test]
fn monthly_instalments_from_the_31st_keep_to_the_month_end_and_the_remainder_goes_on_the_last() {
    // SPEC.md §12: equal parts in minor units with any remainder on the
    // last; --monthly keeps the day of the month, or the month's last day
    // where it is shorter. 1,200.00 EUR in 7: 171.42 six times, then 171.48.
    let server = SmtpServer::start();
    let mut env = env_for(&server, "");
    on(&mut env, "2027-01-04");
    env.ok(&[
        "plan",
        "2026-014",
        "--instalments",
        "7",
        "--monthly",
        "--first",
        "2027-01-31",
    ]);
    let view = invoice(&env);
    let instalments: Vec<(String, String)> = view["plan"]["instalments"]
        .as_array()
        .expect("a plan with instalments")
        .iter()
        .map(|i| {
            (
                i["date"].as_str().unwrap().to_string(),
                i["amount"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let want: Vec<(String, String)> = [
        ("2027-01-31", "171.42"),
        ("2027-02-28", "171.42"),
        ("2027-03-31", "171.42"),
        ("2027-04-30", "171.42"),
        ("2027-05-31", "171.42"),
        ("2027-06-30", "171.42"),
        ("2027-07-31", "171.48"),
    ]
    .iter()
    .map(|(d, a)| (d.to_string(), a.to_string()))
    .collect();
    assert_eq!(instalments, want, "{view}");
    // [plans] grace_days is not set: the default, 3.
    assert_eq!(view["plan"]["grace_days"], 3, "{view}");
}
