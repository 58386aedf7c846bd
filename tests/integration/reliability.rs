//! The reliability and security report (`shared/reviews/reliability.md`,
//! issue 7): one regression test per finding, named after it (`f1_…` to
//! `f13_…`), against real SQLite files, the real SMTP server of
//! smtp_server.rs, and the misbehaving ones of bad_smtp.rs.

use std::time::Duration;

use rusqlite::Connection;

use crate::bad_smtp::{BadServer, Behaviour};
use crate::common::{Env, Run, finish_within};
use crate::smtp_server::SmtpServer;

/// A Monday: the invoices fall due on it, and it is a sending day.
const MONDAY: &str = "2026-11-02";
/// Long enough for any run that does not hang; a hang is reported at once.
const HANG: Duration = Duration::from_secs(60);

fn config(smtp: &str) -> String {
    format!("[sender]\nname = \"Fia Freelance\"\nemail = \"fia@example.org\"\n\n{smtp}")
}

fn env_with(smtp: &str) -> Env {
    let mut env = Env::new();
    env.set_today(MONDAY);
    env.write_config(&config(smtp));
    env
}

/// Clients `c1`…`cN`, each with one invoice `E-i` of 10.00 EUR due MONDAY.
fn add_clients(env: &Env, n: usize) {
    for i in 1..=n {
        env.ok(&[
            "client",
            "add",
            &format!("Client {i}"),
            "--handle",
            &format!("c{i}"),
            "--email",
            &format!("e{i}@x.example"),
        ]);
        env.ok(&[
            "invoice",
            "add",
            &format!("E-{i}"),
            "--client",
            &format!("c{i}"),
            "--amount",
            "10",
            "--issued",
            "2026-10-03",
            "--due",
            MONDAY,
        ]);
    }
}

/// `dun send --yes`, which must end within [`HANG`].
fn send(env: &Env, extra: &[&str]) -> Run {
    let mut args = vec!["send", "--yes"];
    args.extend_from_slice(extra);
    finish_within(env.spawn(&args), HANG)
}

/// (invoice, delivery) of every e-mail entry, in order.
fn deliveries(env: &Env) -> Vec<(String, String)> {
    let conn = Connection::open(env.db()).unwrap();
    let mut stmt = conn
        .prepare(
            "SELECT i.number, COALESCE(l.delivery, '') FROM contact_log l
             JOIN invoice i ON i.id = l.invoice_id WHERE l.channel = 'email' ORDER BY l.id",
        )
        .unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap()
}

/// The invoice numbers each message of `texts` is about (from the subject).
fn invoices_in(texts: &[String]) -> Vec<String> {
    let mut found: Vec<String> = texts
        .iter()
        .flat_map(|t| (1..=9).map(move |i| (t, format!("E-{i}"))))
        .filter(|(t, n)| t.contains(&format!("invoice {n} ")) || t.contains(&format!("invoice {n}\r")))
        .map(|(_, n)| n)
        .collect();
    found.sort();
    found
}

// ---------------------------------------------------------------------------
// F1: a lost reply after the final dot is not a failure.

/// Sends three reminders to a server that goes wrong after the dot, then to
/// a good one: nothing arrives twice unless --resend-unknown asks.
fn lost_reply_after_the_dot(behaviour: Behaviour, timeout: u64) {
    let bad = BadServer::start(behaviour);
    let env = env_with(&bad.smtp_section(timeout));
    add_clients(&env, 3);
    let run = send(&env, &[]);
    let err = run.fails(3);
    assert!(
        err.contains("no answer") && err.contains("--resend-unknown"),
        "{behaviour:?}: {err}"
    );
    let taken = invoices_in(&bad.messages());
    assert!(!taken.is_empty(), "{behaviour:?}: the bad server got nothing");
    let states = deliveries(&env);
    for (number, state) in &states {
        let expected = if taken.contains(number) {
            "pending"
        } else {
            "failed"
        };
        assert_eq!(state, expected, "{behaviour:?}: {number} in {states:?}");
    }

    // The next run goes to a good server: what the bad one may have is not resent.
    let good = SmtpServer::start();
    env.write_config(&config(&good.smtp_section()));
    let run = send(&env, &[]);
    let out = run.fails(0);
    assert!(out.contains("may or may not have gone out"), "{out}");
    let resent: Vec<String> = good.messages().iter().map(|m| m.text()).collect();
    let mut all = taken.clone();
    all.extend(invoices_in(&resent));
    all.sort();
    assert_eq!(all, ["E-1", "E-2", "E-3"], "{behaviour:?}: every reminder once");
    let run = send(&env, &[]);
    run.ok();
    assert_eq!(good.count(), resent.len(), "a third run sent more");

    // Only when asked are the unknown ones sent again.
    good.take();
    send(&env, &["--resend-unknown"]).ok();
    let asked: Vec<String> = good.messages().iter().map(|m| m.text()).collect();
    assert_eq!(invoices_in(&asked), taken, "{behaviour:?}");
}

#[test]
fn f1_a_connection_closed_before_the_250_leaves_the_message_unknown() {
    lost_reply_after_the_dot(Behaviour::AcceptThenClose, 5);
}

#[test]
fn f1_an_answer_later_than_the_timeout_leaves_the_message_unknown() {
    lost_reply_after_the_dot(Behaviour::LateAccept(Duration::from_secs(3)), 1);
}

#[test]
fn f1_a_connection_lost_before_the_message_went_fails_and_is_retried() {
    let bad = BadServer::start(Behaviour::CloseAtData);
    let env = env_with(&bad.smtp_section(5));
    add_clients(&env, 1);
    let err = send(&env, &[]).fails(3).to_string();
    assert!(
        err.contains("not sent") && err.contains("before the message was handed over"),
        "{err}"
    );
    assert_eq!(deliveries(&env), [("E-1".to_string(), "failed".to_string())]);
    let good = SmtpServer::start();
    env.write_config(&config(&good.smtp_section()));
    send(&env, &[]).ok();
    assert_eq!(good.count(), 1, "a message that never got its dot is sent again");
}

// ---------------------------------------------------------------------------
// F5: nothing hangs. Each case would run for hours (or for ever) without its
// bound; here it must end within HANG with a message that says what happened.

#[test]
fn f5_a_server_trickling_one_byte_at_a_time_cannot_hold_a_run() {
    let bad = BadServer::start(Behaviour::Trickle(Duration::from_millis(300)));
    let env = env_with(&bad.smtp_section(1));
    add_clients(&env, 3);
    let err = send(&env, &[]).fails(3).to_string();
    assert!(err.contains("timed out after 1 s talking to 127.0.0.1"), "{err}");
    assert_eq!(
        bad.connections(),
        1,
        "dun gave the server up after the first timeout"
    );
    assert!(
        deliveries(&env).iter().all(|(_, d)| d == "failed"),
        "{:?}",
        deliveries(&env)
    );
    let err = finish_within(env.spawn(&["smtp", "test"]), HANG)
        .fails(1)
        .to_string();
    assert!(err.contains("timed out after 1 s talking to 127.0.0.1"), "{err}");
}

#[test]
fn f5_a_server_silent_after_the_message_costs_one_timeout_not_one_per_message() {
    let bad = BadServer::start(Behaviour::SilentAfterData);
    let env = env_with(&bad.smtp_section(1));
    add_clients(&env, 3);
    let err = send(&env, &[]).fails(3).to_string();
    assert!(err.contains("timed out after 1 s talking to 127.0.0.1"), "{err}");
    assert!(err.contains("gave this server up"), "{err}");
    let states: Vec<String> = deliveries(&env).into_iter().map(|(_, d)| d).collect();
    assert_eq!(states, ["pending", "failed", "failed"]);
    assert_eq!(bad.connections(), 1);
}

/// An `[smtp]` section that logs in with `password_command`.
fn with_password_command(server_port: u16, security: &str, command: &str) -> String {
    config(&format!(
        "[smtp]\nhost = \"127.0.0.1\"\nport = {server_port}\nsecurity = \"{security}\"\nusername = \"{}\"\ntimeout_secs = 1\npassword_command = '''{command}'''\n",
        crate::smtp_server::USER
    ))
}

/// Whether the process `pid` is gone (or a zombie nobody has reaped yet).
fn gone(pid: &str) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        Ok(stat) => stat
            .rsplit_once(')')
            .is_some_and(|(_, rest)| rest.trim_start().starts_with('Z')),
    }
}

#[test]
fn f5_a_password_command_that_hangs_is_stopped_with_everything_it_started() {
    let server = SmtpServer::start();
    let env = Env::new();
    let pids = env.dir.path().join("pids");
    let cases = [
        "sleep 1000".to_string(),
        "exec 1>&-; sleep 1000".to_string(),
        "cat /dev/zero".to_string(),
        format!("echo $$ > {0}; sleep 1000 & echo $! >> {0}; wait", pids.display()),
    ];
    for command in &cases {
        env.write_config(&with_password_command(server.port, "none", command));
        let err = finish_within(env.spawn(&["smtp", "test"]), HANG)
            .fails(1)
            .to_string();
        assert!(
            err.contains("password_command did not finish within 1 s"),
            "{command}: {err}"
        );
    }
    let pids = std::fs::read_to_string(&pids).unwrap();
    let pids: Vec<&str> = pids.split_whitespace().collect();
    assert_eq!(pids.len(), 2, "{pids:?}");
    std::thread::sleep(Duration::from_millis(200));
    for pid in pids {
        assert!(gone(pid), "process {pid} of the password_command outlived dun");
    }
}

#[test]
fn f5_a_password_command_chatty_on_stderr_does_not_deadlock() {
    let server = SmtpServer::with(crate::smtp_server::Options {
        starttls: true,
        auth: true,
    });
    let mut env = Env::new();
    env.env(
        "DUN_SMTP_CA_FILE",
        server.ca_file.as_ref().unwrap().to_str().unwrap(),
    );
    let command = format!(
        "head -c 200000 /dev/zero | tr '\\0' e >&2; echo {}",
        crate::smtp_server::PASSWORD
    );
    env.write_config(&with_password_command(server.port, "starttls", &command));
    let run = finish_within(env.spawn(&["smtp", "test"]), HANG);
    assert!(run.ok().contains("logged in as"), "{run:?}");
}

#[test]
fn f5_a_template_that_never_finishes_is_stopped() {
    let env = env_with("");
    add_clients(&env, 1);
    let dir = env.config().parent().unwrap().join("templates/en");
    std::fs::create_dir_all(&dir).unwrap();
    // Work without output: only the bound on work stops it.
    let endless =
        "Subject: x\n{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}\n";
    std::fs::write(dir.join("reminder.txt"), endless).unwrap();
    let err = finish_within(env.spawn(&["preview", "E-1"]), HANG)
        .fails(1)
        .to_string();
    assert!(err.contains("reminder.txt") && err.contains("loop"), "{err}");
    let err = send(&env, &["--dry-run"]).fails(1).to_string();
    assert!(err.contains("reminder.txt") && err.contains("loop"), "{err}");

    // Output without end in few instructions: bounded by size instead.
    let huge = "Subject: x\n{% for i in range(100000) %}{{ \"x\" * 100000 }}{% endfor %}\n";
    std::fs::write(dir.join("reminder.txt"), huge).unwrap();
    let err = finish_within(env.spawn(&["preview", "E-1"]), HANG)
        .fails(1)
        .to_string();
    assert!(
        err.contains("reminder.txt") && err.contains("longer than"),
        "{err}"
    );
}

#[test]
fn f5_config_and_template_files_over_1_mib_are_refused_unread() {
    let env = env_with("");
    add_clients(&env, 1);
    for path in ["/dev/zero", "/dev/urandom"] {
        let err = finish_within(env.spawn(&["--config", path, "due"]), HANG)
            .fails(1)
            .to_string();
        assert!(err.contains(path) && err.contains("1 MiB"), "{err}");
    }
    let dir = env.config().parent().unwrap().join("templates/en");
    std::fs::create_dir_all(&dir).unwrap();
    std::os::unix::fs::symlink("/dev/zero", dir.join("reminder.txt")).unwrap();
    let err = finish_within(env.spawn(&["preview", "E-1"]), HANG)
        .fails(1)
        .to_string();
    assert!(err.contains("reminder.txt") && err.contains("1 MiB"), "{err}");
    // A big file is refused too, not only an endless one.
    std::fs::remove_file(dir.join("reminder.txt")).unwrap();
    std::fs::write(
        dir.join("reminder.txt"),
        format!("Subject: x\n{}", "y".repeat(1 << 21)),
    )
    .unwrap();
    let err = env.run(&["preview", "E-1"]).fails(1).to_string();
    assert!(err.contains("1 MiB"), "{err}");
}

// ---------------------------------------------------------------------------
// F4: one send at a time per database, whatever path names it.

#[test]
fn f4_a_run_through_a_symlink_and_one_through_the_real_path_never_overlap() {
    use crate::smtp_server::Mode;
    let server = SmtpServer::start();
    let env = env_with(&server.smtp_section());
    add_clients(&env, 4);
    let other = env.dir.path().join("other");
    std::fs::create_dir_all(&other).unwrap();
    let link = other.join("link.db");
    std::os::unix::fs::symlink(env.db(), &link).unwrap();

    // Run A, through the symlink, holds its first message at the final dot.
    server.set_mode(Mode::Hold);
    let a = env.spawn(&["--db", link.to_str().unwrap(), "send", "--yes"]);
    server.wait_for_held();
    // Run B, through the real folder by a roundabout path.
    let roundabout = env.dir.path().join("other/../data/dun.db");
    let b = env.spawn(&[
        "--db",
        roundabout.to_str().unwrap(),
        "send",
        "--yes",
        "--resend-unknown",
    ]);
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(server.count(), 0, "B sent while A was holding its first message");
    server.release();
    let (a, b) = (finish_within(a, HANG), finish_within(b, HANG));
    a.ok();
    b.ok();
    assert!(
        !b.stderr.contains("may or may not"),
        "B took A's message for unknown: {}",
        b.stderr
    );
    let got: Vec<String> = server.messages().iter().map(|m| m.text()).collect();
    assert_eq!(invoices_in(&got), ["E-1", "E-2", "E-3", "E-4"], "each once");
    assert!(
        deliveries(&env).iter().all(|(_, d)| d == "sent"),
        "{:?}",
        deliveries(&env)
    );
}

/// The kernel's start time of `pid` (field 22 of /proc/PID/stat) and the boot id.
fn process_mark(pid: u32) -> (String, String) {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let rest = stat.rsplit_once(')').unwrap().1;
    let started = rest.split_whitespace().nth(19).unwrap().to_string();
    let boot = std::fs::read_to_string("/proc/sys/kernel/random/boot_id").unwrap();
    (started, boot.trim().to_string())
}

/// A run that another path to the file started (as a bind mount or a hard
/// link would let it) is alive: its pending e-mail is not unknown, a second
/// run waits for it, and --resend-unknown leaves its entry alone until it is gone.
#[test]
fn f4_a_live_run_s_pending_email_is_not_unknown_and_a_second_run_waits_for_it() {
    let server = SmtpServer::start();
    let env = env_with(&server.smtp_section());
    add_clients(&env, 2);
    env.ok(&["due"]); // the schema is in place
    let mut holder = std::process::Command::new("sleep").arg("30").spawn().unwrap();
    let (started, boot) = process_mark(holder.id());
    {
        let conn = Connection::open(env.db()).unwrap();
        conn.execute(
            "INSERT INTO send_run (pid, boot, started, at) VALUES (?1, ?2, ?3, '2026-11-02T08:00:00Z')",
            rusqlite::params![holder.id(), boot, started],
        )
        .unwrap();
        let run = conn.last_insert_rowid();
        conn.execute(
            "INSERT INTO contact_log (invoice_id, channel, on_date, at, step, recipients, subject, message_id, delivery, send_run)
             SELECT id, 'email', '2026-11-02', '2026-11-02T08:00:00Z', 'reminder', 'e1@x.example', 's', '<held@x>', 'pending', ?1
             FROM invoice WHERE number = 'E-1'",
            [run],
        )
        .unwrap();
    }
    // Seen from outside, the entry is being sent, not unknown.
    let dry = env.run(&["send", "--dry-run", "--resend-unknown"]);
    assert!(!dry.stderr.contains("may or may not"), "{dry:?}");
    // A real run waits for the live one, and sends only when it is gone.
    let b = env.spawn(&["send", "--yes", "--resend-unknown"]);
    std::thread::sleep(Duration::from_millis(800));
    assert_eq!(server.count(), 0, "the second run did not wait");
    holder.kill().unwrap();
    holder.wait().unwrap();
    let b = finish_within(b, HANG);
    assert!(b.stderr.contains("waiting for it to finish"), "{b:?}");
    b.ok();
    // Now gone, its entry was unknown, and --resend-unknown sent it again.
    let got: Vec<String> = server.messages().iter().map(|m| m.text()).collect();
    assert_eq!(invoices_in(&got), ["E-1", "E-2"]);
}
