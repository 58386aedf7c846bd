//! The inbox (issue 8, SPEC.md §10) against a real Dovecot (plain, STARTTLS
//! and TLS) and real Maildir folders: what is logged and how, exactly once,
//! where each read leaves off, dates, hostile mail, bad input, and the
//! mailbox unchanged after every run.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use chrono::{NaiveDate, NaiveDateTime};
use serde_json::Value;

use crate::common::{Env, Run, set_mode};
use crate::corpus::fixture;
use crate::dovecot::{Account, server};
use crate::smtp_server::{SmtpServer, free_port};

/// Day 0: invoice 2026-014 falls due (a Tuesday).
pub const DAY0: &str = "2026-12-01";

pub fn plus(from: &str, n: i64) -> String {
    let d = NaiveDate::parse_from_str(from, "%Y-%m-%d").unwrap();
    (d + chrono::TimeDelta::days(n)).to_string()
}

/// A moment on `day` at `hh:mm` UTC: as a `Date:` header and as a file time.
pub fn moment(day: &str, hh: u32, mm: u32) -> (String, SystemTime) {
    let at: NaiveDateTime = NaiveDate::parse_from_str(day, "%Y-%m-%d")
        .unwrap()
        .and_hms_opt(hh, mm, 0)
        .unwrap();
    let utc = at.and_utc();
    (
        utc.to_rfc2822(),
        UNIX_EPOCH + Duration::from_secs(utc.timestamp() as u64),
    )
}

/// A sandbox on DAY0: Fia, Acme (ap@acme.example, a phone) with invoice
/// 2026-014 due DAY0 and 2026-015 due later, an SMTP server, and `inbox`
/// (an `[imap]` or `[maildir]` section).
pub struct Setup {
    pub env: Env,
    pub smtp: SmtpServer,
}

pub fn setup(inbox: &str) -> Setup {
    let smtp = SmtpServer::start();
    let mut env = Env::new();
    env.set_today(DAY0);
    env.write_config(&format!(
        "[sender]\nname = \"Fia Freelance\"\nemail = \"fia@example.org\"\n\n{}\n{inbox}",
        smtp.smtp_section()
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
    for (number, due) in [("2026-014", DAY0), ("2026-015", "2026-12-20")] {
        env.ok(&[
            "invoice",
            "add",
            number,
            "--client",
            "acme",
            "--amount",
            "1200.00",
            "--currency",
            "SEK",
            "--issued",
            "2026-11-01",
            "--due",
            due,
        ]);
    }
    Setup { env, smtp }
}

impl Setup {
    /// `dun send --yes` on `day`; the Message-IDs and subjects of what went out.
    pub fn send_on(&mut self, day: &str) -> Run {
        self.env.set_today(day);
        self.env.run(&["send", "--yes"])
    }

    /// The Message-ID and subject of the last message the SMTP server got.
    pub fn last_sent(&self) -> (String, String) {
        let m = self.smtp.messages();
        let last = m.last().expect("dun sent something");
        (last.message_id(), last.subject())
    }

    pub fn on(&mut self, day: &str) -> &mut Self {
        self.env.set_today(day);
        self
    }

    pub fn run(&self, args: &[&str]) -> Run {
        self.env.run(args)
    }

    /// The inbox entries in the log: (invoice, channel, inbound, on, outcome, note, message_key).
    pub fn inbox_entries(&self) -> Vec<(String, String, bool, String, Option<String>, String)> {
        let conn = rusqlite::Connection::open(self.env.db()).unwrap();
        let mut stmt = conn
            .prepare(
                "SELECT i.number, l.channel, l.inbound, l.on_date, l.outcome, COALESCE(l.note, '')
                 FROM contact_log l JOIN invoice i ON i.id = l.invoice_id
                 WHERE l.message_key IS NOT NULL ORDER BY l.id",
            )
            .unwrap();
        stmt.query_map([], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?))
        })
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
    }
}

/// A corpus file answering (or returning) dun's message `id`, dated `day hh:mm`.
pub fn mail(name: &str, id: &str, subject: &str, day: &str, hh: u32) -> (Vec<u8>, SystemTime) {
    let (date, at) = moment(day, hh, 14);
    (fixture(name, id, subject, &date), at)
}

/// An account with the reminder of DAY0 sent and `names` delivered on DAY0+1.
fn imap_with(security: &str, names: &[&str]) -> (Setup, Account) {
    let account = server().account();
    let mut s = setup(&account.imap_section(security));
    if security == "tls" || security == "starttls" {
        s.env
            .env("DUN_IMAP_CA_FILE", &server().ca_file.display().to_string());
    }
    s.send_on(DAY0).ok();
    let (id, subject) = s.last_sent();
    for name in names {
        let (m, at) = mail(name, &id, &subject, &plus(DAY0, 1), 9);
        account.deliver("INBOX", &m, at);
    }
    account.settle("INBOX");
    s.on(&plus(DAY0, 1));
    (s, account)
}

#[test]
fn a_reply_is_logged_once_and_the_mailbox_stays_as_it_was() {
    let (s, account) = imap_with("none", &["replies/gmail-en.eml"]);
    let before = account.snapshot("INBOX");
    let out = s.run(&["inbox"]);
    let text = out.ok();
    assert!(
        text.contains("2026-014  Acme AB  reply  2026-12-02  Re: Reminder: invoice 2026-014"),
        "{text}"
    );
    assert!(text.contains("1 reply logged; 0 other messages."), "{text}");
    assert_eq!(account.snapshot("INBOX"), before, "the mailbox changed");
    let entries = s.inbox_entries();
    assert_eq!(entries.len(), 1, "{entries:?}");
    let (number, channel, inbound, on, outcome, note) = &entries[0];
    assert_eq!(
        (
            number.as_str(),
            channel.as_str(),
            *inbound,
            on.as_str(),
            outcome.as_deref()
        ),
        ("2026-014", "email", true, "2026-12-02", Some("replied"))
    );
    assert!(
        note.contains("Our payment run is on Friday") && !note.contains("wrote"),
        "{note}"
    );
    // Read again: nothing new, nothing logged twice, mailbox still untouched.
    let again = s.run(&["inbox"]);
    assert!(
        again.ok().contains("Nothing logged; 0 other messages."),
        "{}",
        again.stdout
    );
    assert_eq!(s.inbox_entries().len(), 1);
    assert_eq!(account.snapshot("INBOX"), before);
    // The reply's Message-ID is stored with it, and the timeline shows the sender.
    let show = s.run(&["invoice", "show", "2026-014"]);
    assert!(
        show.ok().contains("email from ap@acme.example · replied"),
        "{}",
        show.stdout
    );
    assert!(server().log().contains(&format!("imap({})", account.user)));
}

#[test]
fn the_json_output_has_the_documented_keys() {
    let (s, _account) = imap_with(
        "none",
        &["bounces/postfix.eml", "auto-replies/gmail-vacation.eml"],
    );
    let v: Value = s.run(&["--format", "json", "inbox"]).json();
    let rows = v.as_array().unwrap();
    assert_eq!(rows.len(), 2, "{v:#}");
    let keys: Vec<&str> = rows[0].as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "invoice",
            "client",
            "kind",
            "on",
            "from",
            "subject",
            "note",
            "message_id"
        ]
    );
    let kinds: Vec<&str> = rows.iter().map(|r| r["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["bounce", "auto-reply"]);
    assert_eq!(rows[0]["note"], "ap@acme.example: 5.1.1 user unknown");
    assert_eq!(rows[0]["client"], "acme");
    assert_eq!(rows[1]["on"], "2026-12-02");
    let e = s.inbox_entries();
    assert_eq!(e[0].4.as_deref(), Some("bounced"));
    assert_eq!(e[1].4.as_deref(), Some("auto-reply"));
}

#[test]
fn inbox_test_connects_over_plain_starttls_and_tls() {
    for security in ["none", "starttls", "tls"] {
        let (s, account) = imap_with(security, &["other/stranger.eml"]);
        let before = account.snapshot("INBOX");
        let out = s.run(&["inbox", "test"]);
        let text = out.ok();
        assert!(
            text.contains(&format!("as {}; nothing was changed", account.user))
                && text.contains(match security {
                    "tls" => "(TLS)",
                    "starttls" => "(STARTTLS)",
                    _ => "(no encryption)",
                })
                && text.contains("INBOX: 1 message (opened read-only)"),
            "{security}: {text}"
        );
        // And a real read over the same security.
        let read = s.run(&["inbox"]);
        assert!(
            read.ok().contains("1 other message"),
            "{security}: {}",
            read.stdout
        );
        assert_eq!(account.snapshot("INBOX"), before, "{security}");
    }
}

#[test]
fn tls_with_an_untrusted_certificate_is_refused() {
    let account = server().account();
    let s = setup(&account.imap_section("tls"));
    let before = s.env.db_bytes();
    let out = s.run(&["inbox"]);
    let err = out.fails(1);
    assert!(err.contains("TLS") && err.contains("certificate"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(s.env.db_bytes() == before, "the database changed");
}

#[test]
fn a_wrong_password_and_an_unknown_mailbox_are_one_line_errors_that_write_nothing() {
    let account = server().account();
    let wrong = account
        .imap_section("none")
        .replace(&account.password, "not-the-password");
    let s = setup(&wrong);
    let before = s.env.db_bytes();
    let err = s.run(&["inbox"]).fails(1).to_string();
    assert!(
        err.contains("refused the login for")
            && err.contains(&account.user)
            && !err.contains("not-the-password"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1);
    assert!(s.env.db_bytes() == before, "the database changed");

    let s = setup(&format!(
        "{}mailboxes = [\"INBOX\", \"Clients/Nope\"]\n",
        account.imap_section("none")
    ));
    let before = s.env.db_bytes();
    for args in [&["inbox"][..], &["inbox", "test"], &["inbox", "--dry-run"]] {
        let err = s.run(args).fails(1).to_string();
        assert!(err.contains("mailbox \"Clients/Nope\""), "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1);
    }
    assert!(s.env.db_bytes() == before, "the database changed");
}

#[test]
fn a_bad_inbox_section_names_the_key_and_its_line() {
    let account = server().account();
    let good = account.imap_section("none");
    for (section, want) in [
        (
            good.replace("security = \"none\"", "security = \"ssl\""),
            "[imap] security = \"ssl\" is not known",
        ),
        (
            good.replace("timeout_secs = 10", "timeout_secs = 0"),
            "[imap] timeout_secs = 0",
        ),
        (format!("{good}colour = \"red\"\n"), "colour"),
        (format!("{good}mailboxes = []\n"), "[imap] mailboxes is empty"),
        (format!("{good}mailboxes = [\"Räkningar\"]\n"), "R&AOQ-kningar"),
        (
            good.replace(&format!("username = \"{}\"\n", account.user), ""),
            "[imap] username is missing",
        ),
        (good.replace("host = \"127.0.0.1\"", "host = \"\""), "[imap] host"),
        (
            good.replace("127.0.0.1", "imap.example.org"),
            "security = \"none\" would send your password",
        ),
        (
            format!("{good}\n[maildir]\npath = \"/tmp\"\n"),
            "both [imap] and [maildir]",
        ),
        ("[maildir]\npath = \"\"\n".to_string(), "[maildir] path is empty"),
    ] {
        let s = setup("");
        let before = s.env.db_bytes();
        let config = std::fs::read_to_string(s.env.config()).unwrap();
        s.env.write_config(&format!("{config}{section}"));
        let err = s.run(&["inbox"]).fails(1).to_string();
        assert!(err.contains(want), "want {want:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(s.env.db_bytes() == before, "the database changed ({want})");
        if want.contains("security = \"ssl\"") {
            let text = std::fs::read_to_string(s.env.config()).unwrap();
            let line = text.lines().position(|l| l.contains("\"ssl\"")).unwrap() + 1;
            assert!(err.contains(&format!("line {line}: ")), "{err}");
        }
    }
}

#[test]
fn no_inbox_configured_is_an_error_that_says_what_to_add() {
    let s = setup("");
    let err = s.run(&["inbox"]).fails(1).to_string();
    assert!(err.contains("no [imap] or [maildir] section"), "{err}");
}

#[test]
fn the_same_message_in_two_folders_and_a_new_uidvalidity_log_it_once() {
    let account = server().account();
    account.create_folder("Clients");
    let mut s = setup(&format!(
        "{}mailboxes = [\"INBOX\", \"Clients\"]\n",
        account.imap_section("none")
    ));
    s.send_on(DAY0).ok();
    let (id, subject) = s.last_sent();
    let (m, at) = mail("replies/outlook-sv.eml", &id, &subject, &plus(DAY0, 1), 10);
    account.deliver("INBOX", &m, at);
    account.deliver("Clients", &m, at);
    account.settle("INBOX");
    account.settle("Clients");
    s.on(&plus(DAY0, 1));
    let out = s.run(&["inbox"]);
    assert!(out.ok().contains("1 reply logged"), "{}", out.stdout);
    assert_eq!(s.inbox_entries().len(), 1);
    // The server renumbers its mailboxes (a new UIDVALIDITY): all is read again, nothing twice.
    let conn = rusqlite::Connection::open(s.env.db()).unwrap();
    let n = conn
        .execute(
            "UPDATE mailbox_position SET uid_validity = uid_validity + 1, last_uid = 0",
            [],
        )
        .unwrap();
    assert_eq!(n, 2);
    drop(conn);
    let out = s.run(&["-v", "inbox"]);
    assert!(out.ok().contains("Nothing logged"), "{}", out.stdout);
    assert!(
        out.stderr.contains("INBOX: 1 message(s), reading from UID 1"),
        "{}",
        out.stderr
    );
    assert_eq!(s.inbox_entries().len(), 1);
}

#[test]
fn a_later_read_starts_where_the_last_one_left_off() {
    let (mut s, account) = imap_with("none", &["other/stranger.eml", "other/newsletter.eml"]);
    let out = s.run(&["-v", "inbox"]);
    assert!(out.ok().contains("2 other messages"), "{}", out.stdout);
    assert!(
        out.stderr.contains("not about an invoice")
            && out.stderr.contains("kim@other.example  Lunch on Friday?"),
        "{}",
        out.stderr
    );
    let (id, subject) = s.last_sent();
    let (m, at) = mail(
        "replies/colleague-in-thread.eml",
        &id,
        &subject,
        &plus(DAY0, 2),
        8,
    );
    account.deliver("INBOX", &m, at);
    account.settle("INBOX");
    s.on(&plus(DAY0, 2));
    let out = s.run(&["-v", "inbox"]);
    assert!(
        out.ok().contains("1 reply logged; 0 other messages"),
        "{}",
        out.stdout
    );
    assert!(out.stderr.contains("reading from UID 3"), "{}", out.stderr);
}

#[test]
fn a_message_dated_after_today_waits_for_its_day() {
    let (mut s, account) = imap_with("none", &[]);
    let (id, subject) = s.last_sent();
    // Dated (and arrived) on day 3; read with today = day 1, a replay.
    let (m, at) = mail("replies/gmail-en.eml", &id, &subject, &plus(DAY0, 3), 9);
    account.deliver("INBOX", &m, at);
    let (m, at) = mail("other/stranger.eml", &id, &subject, &plus(DAY0, 1), 9);
    account.deliver("INBOX", &m, at);
    account.settle("INBOX");
    let out = s.on(&plus(DAY0, 1)).run(&["inbox"]);
    assert!(
        out.ok()
            .contains("Nothing logged; 1 other message, 1 message dated after today left for later."),
        "{}",
        out.stdout
    );
    assert!(s.inbox_entries().is_empty());
    let out = s.on(&plus(DAY0, 3)).run(&["-v", "inbox"]);
    assert!(out.ok().contains("1 reply logged"), "{}", out.stdout);
    assert!(out.stderr.contains("reading from UID 1"), "{}", out.stderr);
    assert_eq!(s.inbox_entries()[0].3, "2026-12-04");
}

/// A 26 MiB message from the client that answers dun's message.
fn huge(id: &str) -> Vec<u8> {
    let mut m = format!(
        "From: ap@acme.example\r\nSubject: Re: big\r\nIn-Reply-To: {id}\r\nMessage-ID: <huge@acme.example>\r\nDate: Wed, 02 Dec 2026 09:00:00 +0000\r\nContent-Type: text/plain\r\n\r\n"
    )
    .into_bytes();
    let line = b"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789\r\n";
    while m.len() < 26 * 1024 * 1024 {
        m.extend_from_slice(line);
    }
    m
}

#[test]
fn hostile_mail_is_counted_and_skipped_and_logs_nothing_it_does_not_concern() {
    let (s, account) = imap_with(
        "none",
        &[
            "other/no-header.eml",
            "other/forged-in-reply-to.eml",
            "bounces/postfix-other-message.eml",
            "bounces/exim-false-message-id.eml",
            "auto-replies/stranger-ooo.eml",
            "other/broken-mime.eml",
        ],
    );
    let (id, _) = s.last_sent();
    let (_, at) = moment(&plus(DAY0, 1), 9, 0);
    account.deliver("INBOX", &huge(&id), at);
    account.deliver("INBOX", &crate::corpus::nested(60), at);
    account.settle("INBOX");
    let before = account.snapshot("INBOX");
    let out = s.run(&["-v", "inbox"]);
    let text = out.ok();
    // The broken-MIME reply from the client is read as far as it goes; nothing else is logged.
    assert!(
        text.contains("1 reply logged; 4 other messages, 2 unreadable, 1 over 25 MiB skipped."),
        "{text}"
    );
    assert!(
        out.stderr.contains("skipped, over 25 MiB: INBOX UID 7"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("cannot be read: INBOX UID 1: no header"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("nested deeper than"), "{}", out.stderr);
    let e = s.inbox_entries();
    assert_eq!(e.len(), 1, "{e:?}");
    assert_eq!(e[0].0, "2026-014");
    assert_eq!(account.snapshot("INBOX"), before);
}

#[test]
fn the_password_comes_from_the_environment_or_a_command_and_never_a_loose_file() {
    let account = server().account();
    let no_password = account
        .imap_section("none")
        .replace(&format!("password = \"{}\"\n", account.password), "");
    let mut s = setup(&no_password);
    let err = s.run(&["inbox", "test"]).fails(1).to_string();
    assert!(
        err.contains("[imap] has no password") && err.contains("DUN_IMAP_PASSWORD"),
        "{err}"
    );
    s.env.env("DUN_IMAP_PASSWORD", &account.password);
    s.run(&["inbox", "test"]).ok();

    let with_command = format!("{no_password}password_command = \"echo {}\"\n", account.password);
    let s = setup(&with_command);
    s.run(&["inbox", "test"]).ok();
    let failing = format!("{no_password}password_command = \"echo nope >&2; exit 3\"\n");
    let s = setup(&failing);
    let err = s.run(&["inbox", "test"]).fails(1).to_string();
    assert!(err.contains("[imap] password_command failed"), "{err}");
    // Issue 7's rules hold for [imap] as for [smtp]: what the command wrote
    // on stderr may hold the secret and is never shown, and a command that
    // hangs is stopped after timeout_secs with everything it started.
    assert!(!err.contains("nope"), "{err}");
    let hanging = format!("{no_password}password_command = \"sleep 60 & sleep 60\"\n")
        .replace("timeout_secs = 10", "timeout_secs = 1");
    let s = setup(&hanging);
    let started = std::time::Instant::now();
    let err = s.run(&["inbox", "test"]).fails(1).to_string();
    assert!(
        err.contains("[imap] password_command did not finish within 1 s"),
        "{err}"
    );
    assert!(
        started.elapsed() < std::time::Duration::from_secs(20),
        "{:?}",
        started.elapsed()
    );

    let s = setup(&account.imap_section("none"));
    set_mode(&s.env.config(), 0o640);
    let err = s.run(&["inbox", "test"]).fails(1).to_string();
    assert!(
        err.contains("holds an IMAP password but others can read it"),
        "{err}"
    );
}

#[test]
fn a_server_that_trickles_is_given_up_on_at_the_timeout() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            std::thread::spawn(move || {
                // One byte of a greeting every 300 ms, for ever.
                for b in b"* OK slow server ready\r\n".iter().cycle() {
                    if std::io::Write::write_all(&mut stream, &[*b]).is_err() {
                        return;
                    }
                    std::thread::sleep(Duration::from_millis(300));
                }
            });
        }
    });
    let s = setup(&format!(
        "[imap]\nhost = \"127.0.0.1\"\nport = {port}\nsecurity = \"none\"\nusername = \"fia\"\npassword = \"x\"\ntimeout_secs = 1\n"
    ));
    let started = std::time::Instant::now();
    let err = s.run(&["inbox", "test"]).fails(1).to_string();
    assert!(err.contains("did not answer within 1 s"), "{err}");
    assert!(started.elapsed() < Duration::from_secs(20));
}

#[test]
fn dry_runs_read_but_write_nothing() {
    let (s, account) = imap_with("none", &["replies/gmail-en.eml"]);
    let before = s.env.db_bytes();
    let mailbox = account.snapshot("INBOX");
    let out = s.run(&["inbox", "--dry-run"]);
    assert!(
        out.ok()
            .contains("1 reply would be logged; 0 other messages (dry run: nothing written)."),
        "{}",
        out.stdout
    );
    assert!(s.env.db_bytes() == before, "the database changed");
    assert_eq!(account.snapshot("INBOX"), mailbox);
}

#[test]
fn a_read_that_stops_after_a_batch_carries_on_where_it_stopped() {
    let (s, account) = imap_with("none", &[]);
    let (id, subject) = s.last_sent();
    let (date, at) = moment(&plus(DAY0, 1), 9, 0);
    // 520 messages (two batches): a reply among the first 500, another after them.
    for i in 1..=520 {
        let m = match i {
            10 => mail("replies/gmail-en.eml", &id, &subject, &plus(DAY0, 1), 9).0,
            510 => mail("replies/outlook-sv.eml", &id, &subject, &plus(DAY0, 1), 9).0,
            _ => format!(
                "From: n{i}@other.example\r\nTo: fia@example.org\r\nSubject: note {i}\r\nMessage-ID: <n{i}@other.example>\r\nDate: {date}\r\n\r\nhello\r\n"
            )
            .into_bytes(),
        };
        account.deliver("INBOX", &m, at);
    }
    account.settle("INBOX");
    let before = account.snapshot("INBOX");
    let crashed = s
        .env
        .run_with(&[("DUN_FAULT_AFTER_INBOX_BATCH", "1")], &["inbox"]);
    assert_ne!(crashed.code, 0, "{crashed:?}");
    assert_eq!(s.inbox_entries().len(), 1, "the first batch is written");
    let out = s.run(&["-v", "inbox"]);
    assert!(
        out.ok().contains("1 reply logged; 19 other messages."),
        "{}",
        out.stdout
    );
    assert!(out.stderr.contains("reading from UID 501"), "{}", out.stderr);
    let e = s.inbox_entries();
    assert_eq!(e.len(), 2, "{e:?}");
    assert_ne!(e[0].5, e[1].5);
    assert_eq!(account.snapshot("INBOX"), before);
}

// --- Maildir ---------------------------------------------------------------

/// A Maildir in the sandbox with these corpus files in new/ and cur/.
fn maildir(s: &Setup) -> std::path::PathBuf {
    let dir = s.env.dir.path().join("Mail").join("INBOX");
    for sub in ["new", "cur", "tmp"] {
        std::fs::create_dir_all(dir.join(sub)).unwrap();
    }
    dir
}

fn maildir_with(s: &Setup, files: &[(&str, &str)]) -> std::path::PathBuf {
    let dir = maildir(s);
    let (id, subject) = s.last_sent();
    for (i, (sub, name)) in files.iter().enumerate() {
        let (m, at) = mail(name, &id, &subject, &plus(DAY0, 1), 9);
        let file_name = if *sub == "cur" {
            format!("1765000{i}.M{i}P1.host:2,S")
        } else {
            format!("1765000{i}.M{i}P1.host")
        };
        let path = dir.join(sub).join(file_name);
        std::fs::write(&path, m).unwrap();
        std::fs::File::options()
            .write(true)
            .open(&path)
            .unwrap()
            .set_modified(at)
            .unwrap();
    }
    dir
}

/// Every file of a Maildir: name, contents and modification time.
fn tree(dir: &std::path::Path) -> Vec<(String, Vec<u8>, SystemTime)> {
    let mut out = Vec::new();
    for sub in ["new", "cur", "tmp"] {
        for e in std::fs::read_dir(dir.join(sub)).unwrap() {
            let e = e.unwrap();
            out.push((
                format!("{sub}/{}", e.file_name().to_string_lossy()),
                std::fs::read(e.path()).unwrap(),
                e.metadata().unwrap().modified().unwrap(),
            ));
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

#[test]
fn a_maildir_is_read_whole_and_left_exactly_as_it_was() {
    let mut s = setup("[maildir]\npath = \"~/Mail/INBOX\"\n");
    maildir(&s);
    s.send_on(DAY0).ok();
    let dir = maildir_with(
        &s,
        &[
            ("new", "replies/thunderbird-tr.eml"),
            ("cur", "bounces/exim.eml"),
            ("cur", "other/newsletter.eml"),
        ],
    );
    let before = tree(&dir);
    s.on(&plus(DAY0, 1));
    let out = s.run(&["inbox", "test"]);
    assert!(
        out.ok()
            .contains("3 messages (1 in new/, 2 in cur/); nothing was changed"),
        "{}",
        out.stdout
    );
    let out = s.run(&["inbox"]);
    assert!(
        out.ok().contains("1 reply, 1 bounce logged; 1 other message."),
        "{}",
        out.stdout
    );
    assert_eq!(tree(&dir), before, "the Maildir changed");
    let out = s.run(&["inbox"]);
    assert!(
        out.ok().contains("Nothing logged; 1 other message."),
        "{}",
        out.stdout
    );
    assert_eq!(s.inbox_entries().len(), 2);
    assert_eq!(tree(&dir), before);
}

#[test]
fn a_maildir_that_is_not_one_is_a_one_line_error() {
    let s = setup("[maildir]\npath = \"~/Mail/Nowhere\"\n");
    let before = s.env.db_bytes();
    let err = s.run(&["inbox"]).fails(1).to_string();
    assert!(err.contains("is not a Maildir (it has no new/ folder)"), "{err}");
    assert!(s.env.db_bytes() == before, "the database changed");
}

#[test]
fn send_reads_the_inbox_first_and_sends_nothing_when_it_cannot() {
    let port = free_port();
    let mut s = setup(&format!(
        "[imap]\nhost = \"127.0.0.1\"\nport = {port}\nsecurity = \"none\"\nusername = \"fia\"\npassword = \"x\"\ntimeout_secs = 2\n"
    ));
    let before = s.env.db_bytes();
    let out = s.send_on(DAY0);
    let err = out.fails(3);
    assert!(
        err.contains("nothing sent: cannot read the inbox: cannot connect to the IMAP server 127.0.0.1:"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1);
    assert_eq!(s.smtp.count(), 0);
    assert!(s.env.db_bytes() == before, "the database changed");
    // --no-inbox sends without it.
    s.run(&["send", "--yes", "--no-inbox"]).ok();
    assert_eq!(s.smtp.count(), 1);
}

#[test]
fn a_client_address_stored_with_a_name_still_matches_its_mail() {
    let mut s = setup("[maildir]\npath = \"~/Mail/INBOX\"\n");
    s.env
        .ok(&["client", "edit", "acme", "--email", "Anna Berg <ap@acme.example>"]);
    maildir(&s);
    s.send_on(DAY0).ok();
    maildir_with(&s, &[("new", "replies/new-mail-naming-invoice.eml")]);
    s.on(&plus(DAY0, 1));
    let out = s.run(&["inbox"]);
    assert!(out.ok().contains("1 reply logged"), "{}", out.stdout);
    let entries = s.inbox_entries();
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert_eq!(entries[0].0, "2026-015");
    assert_eq!(entries[0].4.as_deref(), Some("replied"));
}

/// Payments that add up past i64 (records dun never writes: a hand edit)
/// make the inbox's lookups an error naming the invoice, never SQLite's
/// bare "integer overflow" (issue 7's money rule).
#[test]
fn payments_past_any_sum_are_an_error_naming_the_invoice() {
    let mut s = setup("[maildir]\npath = \"~/Mail/INBOX\"\n");
    maildir(&s);
    s.send_on(DAY0).ok();
    maildir_with(&s, &[("new", "replies/new-mail-naming-invoice.eml")]);
    s.on(&plus(DAY0, 1));
    assert!(s.run(&["inbox"]).ok().contains("1 reply logged"));
    let conn = rusqlite::Connection::open(s.env.db()).unwrap();
    // The kept state's sum refuses such a payment (SQLite's sum() stops
    // at an integer overflow): the edit must go round its trigger too.
    let before = std::fs::read(s.env.db()).unwrap();
    let refused = conn.execute(
        "INSERT INTO payment (invoice_id, amount, paid_on, created_at)
         SELECT id, 5000000000000000000, issued, '2026-11-20T00:00:00Z'
           FROM invoice, (SELECT 1 UNION ALL SELECT 2) WHERE number = '2026-015'",
        [],
    );
    assert!(refused.is_err(), "the kept state took payments past i64");
    assert!(
        std::fs::read(s.env.db()).unwrap() == before,
        "a refused edit changed the file"
    );
    conn.execute_batch(
        "DROP TRIGGER ladder_state_after_payment;
         INSERT INTO payment (invoice_id, amount, paid_on, created_at)
         SELECT id, 5000000000000000000, issued, '2026-12-01T00:00:00Z' FROM invoice WHERE number = '2026-015';
         INSERT INTO payment (invoice_id, amount, paid_on, created_at)
         SELECT id, 5000000000000000000, issued, '2026-12-01T00:00:00Z' FROM invoice WHERE number = '2026-015';",
    )
    .unwrap();
    drop(conn);
    // "Replies to read" and, with a new message, the client's open invoices.
    let (m, at) = mail(
        "replies/gmail-en.eml",
        "<x@example.org>",
        "Re: invoice 2026-015",
        &plus(DAY0, 1),
        10,
    );
    let path = maildir(&s).join("new").join("1765009.M9P1.host");
    std::fs::write(&path, m).unwrap();
    std::fs::File::options()
        .write(true)
        .open(&path)
        .unwrap()
        .set_modified(at)
        .unwrap();
    let before = s.env.db_bytes();
    for args in [&["due"][..], &["inbox"]] {
        let r = s.run(args);
        assert_ne!(r.code, 0, "{args:?}: {r:?}");
        assert!(
            r.stderr.contains("invoice 2026-015") && r.stderr.contains("past any amount"),
            "{args:?}: {}",
            r.stderr
        );
        assert!(!r.stderr.contains("integer overflow"), "{}", r.stderr);
    }
    assert!(s.env.db_bytes() == before, "the database changed");
}

/// An `[imap]` section for tests that need no server: `host`, `security` and
/// `extra` lines (a port, allow_insecure).
fn imap_at(host: &str, security: &str, extra: &str) -> String {
    format!(
        "[imap]\nhost = \"{host}\"\nsecurity = \"{security}\"\nusername = \"fia\"\npassword = \"x\"\ntimeout_secs = 1\n{extra}"
    )
}

#[test]
fn without_a_port_imap_goes_to_993_for_tls_and_143_otherwise() {
    // SPEC.md §10: port defaults to 993 for tls, 143 for starttls and none.
    // Nothing listens on those ports here: the refusal names where dun went.
    for (security, want) in [
        ("tls", "127.0.0.1:993"),
        ("starttls", "127.0.0.1:143"),
        ("none", "127.0.0.1:143"),
    ] {
        let env = Env::new();
        env.write_config(&imap_at("127.0.0.1", security, ""));
        env.with_acme();
        let before = env.db_bytes();
        for args in [&["inbox"][..], &["inbox", "test"]] {
            let run = env.run(args);
            assert_ne!(run.code, 0, "{security} {args:?}: {run:?}");
            let err = run.stderr.trim_end();
            assert!(err.contains(want), "{security} {args:?}: want {want}: {err}");
            assert_eq!(err.lines().count(), 1, "{err}");
        }
        assert!(env.db_bytes() == before, "the database changed ({security})");
    }
}

#[test]
fn plain_imap_to_a_remote_host_is_tried_only_with_allow_insecure() {
    // SPEC.md §10: security = "none" is for loopback hosts only, unless
    // allow_insecure. 192.0.2.1 (TEST-NET-1, RFC 5737) answers nobody, so
    // with the flag the run gets as far as connecting, and fails there.
    let env = Env::new();
    env.write_config(&imap_at("192.0.2.1", "none", "port = 143\n"));
    env.with_acme();
    let before = env.db_bytes();
    let err = env.run(&["inbox"]).fails(1).to_string();
    assert!(
        err.contains("would send your password") && err.contains("allow_insecure"),
        "{err}"
    );
    env.write_config(&imap_at(
        "192.0.2.1",
        "none",
        "port = 143\nallow_insecure = true\n",
    ));
    let run = env.run(&["inbox"]);
    assert_ne!(run.code, 0, "{run:?}");
    let err = run.stderr.trim_end();
    assert!(
        err.contains("cannot connect to the IMAP server 192.0.2.1:143") && !err.contains("allow_insecure"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(env.db_bytes() == before, "the database changed");
}

#[test]
fn inbox_quiet_logs_and_prints_nothing() {
    // SPEC.md §10 Output: nothing but errors with --quiet.
    let mut s = setup("[maildir]\npath = \"~/Mail/INBOX\"\n");
    maildir(&s);
    s.send_on(DAY0).ok();
    maildir_with(&s, &[("new", "replies/thunderbird-tr.eml")]);
    s.on(&plus(DAY0, 1));
    let run = s.run(&["inbox", "--quiet"]);
    assert_eq!(
        (run.ok(), run.stderr.as_str()),
        ("", ""),
        "--quiet printed something"
    );
    let entries = s.inbox_entries();
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert_eq!(entries[0].4.as_deref(), Some("replied"), "{entries:?}");
}
