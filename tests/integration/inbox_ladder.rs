//! The ladder walked with the inbox (issue 8): the real binary, the real
//! SMTP server and a real Dovecot. A reply on day 2 holds to day 9; a bounce
//! on day 1 turns the day-7 e-mail into a call; an out-of-office answer
//! holds nothing; a reply on the morning of day 7 stops that day's
//! `dun send`; an unreachable IMAP server stops the run with exit 3.

use serde_json::Value;

use crate::dovecot::{Account, server};
use crate::inbox::{DAY0, Setup, mail, plus, setup};
use crate::smtp_server::free_port;

/// Day 0 sent (the reminder of 2026-014), and one account to deliver to.
fn walk() -> (Setup, Account, String, String) {
    let account = server().account();
    let mut s = setup(&account.imap_section("none"));
    s.send_on(DAY0).ok();
    assert_eq!(s.smtp.count(), 1);
    let (id, subject) = s.last_sent();
    (s, account, id, subject)
}

fn deliver(account: &Account, name: &str, id: &str, subject: &str, day: &str, hh: u32) {
    let (m, at) = mail(name, id, subject, day, hh);
    account.deliver("INBOX", &m, at);
    account.settle("INBOX");
}

/// Runs `f` and checks that the mailbox is as it was before.
fn untouched<T>(account: &Account, f: impl FnOnce() -> T) -> T {
    let before = account.snapshot("INBOX");
    let out = f();
    assert_eq!(account.snapshot("INBOX"), before, "the mailbox changed");
    out
}

fn agenda(s: &mut Setup, day: &str) -> Vec<Value> {
    s.on(day);
    let v: Value = s.run(&["--format", "json", "due"]).json();
    v.as_array().unwrap().clone()
}

fn actions(rows: &[Value]) -> Vec<(String, String)> {
    rows.iter()
        .map(|r| {
            (
                r["action"].as_str().unwrap().to_string(),
                r["invoice"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn a_reply_on_day_2_holds_the_ladder_to_day_9() {
    let (mut s, account, id, subject) = walk();
    deliver(&account, "replies/gmail-en.eml", &id, &subject, &plus(DAY0, 2), 9);
    for day in 7..=8 {
        let out = s.send_on(&plus(DAY0, day));
        assert!(
            out.ok().contains("Nothing to send today"),
            "day {day}: {}",
            out.stdout
        );
        assert_eq!(s.smtp.count(), 1, "day {day}");
    }
    // Read first: the reply is on the agenda until the user records what it said.
    let rows = agenda(&mut s, &plus(DAY0, 8));
    assert_eq!(actions(&rows), [("reply".to_string(), "2026-014".to_string())]);
    assert_eq!(rows[0]["since"], "2026-12-03");
    assert_eq!(rows[0]["to"][0], "ap@acme.example");
    assert!(
        rows[0]["note"]
            .as_str()
            .unwrap()
            .contains("Our payment run is on Friday"),
        "{rows:?}"
    );
    // On a terminal the agenda has its sections and hints; on a pipe it is
    // one table with the hints on stderr.
    let screen = s.env.run_on_terminal(120, &["due"]);
    let text = screen.ok();
    assert!(text.contains("Replies to read: 1 invoice"), "{text}");
    assert!(text.contains("record what the client said"), "{text}");
    let piped = s.run(&["due"]);
    assert!(piped.ok().starts_with("action  invoice"), "{}", piped.stdout);
    assert!(
        piped.stderr.contains("record what the client said"),
        "{}",
        piped.stderr
    );
    // Day 9: the follow-up goes out; the reply still waits to be read.
    let out = untouched(&account, || s.send_on(&plus(DAY0, 9)));
    out.ok();
    assert_eq!(s.smtp.count(), 2, "{}", out.stdout);
    assert_eq!(actions(&agenda(&mut s, &plus(DAY0, 9)))[0].0, "reply");
    // The user notes what the client said: the reply leaves the agenda.
    s.run(&["log", "2026-014", "note", "--note", "paying Friday"])
        .ok();
    assert!(actions(&agenda(&mut s, &plus(DAY0, 9))).is_empty());
}

#[test]
fn a_promise_recorded_after_reading_a_reply_clears_it_too() {
    let (mut s, account, id, subject) = walk();
    deliver(
        &account,
        "replies/outlook-sv.eml",
        &id,
        &subject,
        &plus(DAY0, 2),
        9,
    );
    s.on(&plus(DAY0, 2)).run(&["inbox"]).ok();
    assert_eq!(actions(&agenda(&mut s, &plus(DAY0, 2)))[0].0, "reply");
    s.run(&["promise", "2026-014", "--until", "2026-12-11"]).ok();
    assert!(actions(&agenda(&mut s, &plus(DAY0, 2))).is_empty());
}

#[test]
fn a_bounce_on_day_1_asks_for_a_call_instead_of_the_day_7_email() {
    let (mut s, account, id, subject) = walk();
    deliver(&account, "bounces/postfix.eml", &id, &subject, &plus(DAY0, 1), 7);
    let out = s.on(&plus(DAY0, 1)).run(&["inbox"]);
    assert!(
        out.ok()
            .contains("2026-014  Acme AB  bounce  2026-12-02  ap@acme.example: 5.1.1 user unknown"),
        "{}",
        out.stdout
    );
    let out = untouched(&account, || s.send_on(&plus(DAY0, 7)));
    assert!(out.ok().contains("Nothing to send today"), "{}", out.stdout);
    assert_eq!(s.smtp.count(), 1);
    let rows = agenda(&mut s, &plus(DAY0, 7));
    assert_eq!(actions(&rows), [("call".to_string(), "2026-014".to_string())]);
    assert_eq!(rows[0]["step"], "follow-up");
    assert!(
        rows[0]["note"]
            .as_str()
            .unwrap()
            .contains("bounced: call to find a working address"),
        "{rows:?}"
    );
    assert_eq!(rows[0]["to"][0], "+46 8 123 45 67");
    // A bounce is no contact from the client: nothing to read.
    assert!(rows.iter().all(|r| r["action"] != "reply"));
}

#[test]
fn an_out_of_office_answer_holds_nothing_and_shows_on_the_next_action() {
    let (mut s, account, id, subject) = walk();
    deliver(
        &account,
        "auto-replies/gmail-vacation.eml",
        &id,
        &subject,
        &plus(DAY0, 2),
        9,
    );
    s.on(&plus(DAY0, 2)).run(&["inbox"]).ok();
    let rows = agenda(&mut s, &plus(DAY0, 7));
    assert_eq!(actions(&rows), [("email".to_string(), "2026-014".to_string())]);
    assert_eq!(
        rows[0]["note"],
        "auto-reply 2026-12-03: I am away until 14 December with limited access to e-mail. For urgent matters please write to ekonomi@acme.example."
    );
    let out = untouched(&account, || s.send_on(&plus(DAY0, 7)));
    out.ok();
    assert_eq!(s.smtp.count(), 2, "{}", out.stdout);
}

#[test]
fn a_reply_on_the_morning_of_day_7_stops_that_days_send() {
    let (mut s, account, id, subject) = walk();
    deliver(
        &account,
        "replies/thunderbird-tr.eml",
        &id,
        &subject,
        &plus(DAY0, 7),
        7,
    );
    // A dry run reads and plans as the real one would, and writes nothing.
    s.on(&plus(DAY0, 7));
    let before = s.env.db_bytes();
    let out = untouched(&account, || s.run(&["send", "--dry-run"]));
    let text = out.ok();
    assert!(text.contains("1 reply would be logged"), "{text}");
    assert!(text.contains("Nothing to send today"), "{text}");
    assert!(s.env.db_bytes() == before, "the dry run wrote to the database");
    // The cron line: quiet, reads the inbox first, sends nothing.
    let out = untouched(&account, || s.run(&["send", "--yes", "--quiet"]));
    assert_eq!(out.ok(), "");
    assert_eq!(out.stderr, "");
    assert_eq!(s.smtp.count(), 1);
    let e = s.inbox_entries();
    assert_eq!(e.len(), 1);
    assert_eq!(
        (e[0].3.as_str(), e[0].4.as_deref()),
        ("2026-12-08", Some("replied"))
    );
}

#[test]
fn an_unreachable_imap_server_stops_dun_send_with_exit_3() {
    let (mut s, _account, _id, _subject) = walk();
    let config = std::fs::read_to_string(s.env.config()).unwrap();
    let dead = free_port();
    let imap_start = config.find("[imap]").unwrap();
    let (head, imap) = config.split_at(imap_start);
    let imap: String = imap
        .lines()
        .map(|l| {
            if l.starts_with("port") {
                format!("port = {dead}")
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    s.env.write_config(&format!("{head}{imap}\n"));
    let before = s.env.db_bytes();
    let out = s.send_on(&plus(DAY0, 7));
    let err = out.fails(3);
    assert!(
        err.starts_with("error: nothing sent: cannot read the inbox"),
        "{err}"
    );
    assert_eq!(s.smtp.count(), 1);
    assert!(s.env.db_bytes() == before, "the database changed");
}
