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

/// A payment plan's confirmation (issue 11) goes the same way as a
/// reminder: its answer lost after the dot, it is unknown, and it is sent
/// again only when asked.
#[test]
fn f1_a_plan_confirmation_whose_answer_is_lost_is_unknown_and_not_sent_again() {
    let bad = BadServer::start(Behaviour::AcceptThenClose);
    let mut env = env_with(&bad.smtp_section(5));
    add_clients(&env, 1);
    env.set_today("2026-11-05");
    env.ok(&[
        "plan",
        "E-1",
        "--instalments",
        "2",
        "--monthly",
        "--first",
        "2026-11-30",
    ]);
    let err = send(&env, &[]).fails(3).to_string();
    assert!(err.contains("no answer"), "{err}");
    assert_eq!(bad.messages().len(), 1, "the bad server took the confirmation");
    assert!(bad.messages()[0].contains("Payment plan for invoice E-1"));
    assert_eq!(deliveries(&env), [("E-1".to_string(), "pending".to_string())]);

    let good = SmtpServer::start();
    env.write_config(&config(&good.smtp_section()));
    let out = send(&env, &[]).fails(0).to_string();
    assert!(out.contains("may or may not have gone out"), "{out}");
    assert!(out.contains("E-1 plan of"), "{out}");
    assert_eq!(good.count(), 0, "not sent again unasked");
    send(&env, &["--resend-unknown"]).ok();
    let c = good.take();
    assert_eq!(c.len(), 1);
    assert_eq!(c[0].subject(), "Payment plan for invoice E-1: 2 instalments");
    send(&env, &[]).ok();
    assert_eq!(good.count(), 0);
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

// ---------------------------------------------------------------------------
// F6, F7, F8, F11: errors that tell the truth about the database file.

/// Runs dun as an unprivileged user (uid 65534): as root every permission
/// check passes, so the tests of read-only files and folders drop to it.
fn run_as_nobody(env: &Env, args: &[&str]) -> Run {
    // SAFETY: geteuid(2) cannot fail and touches no memory.
    let root = unsafe { libc::geteuid() } == 0;
    let mut cmd = if root {
        let mut c = std::process::Command::new("setpriv");
        c.args([
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
            env!("CARGO_BIN_EXE_dun"),
        ]);
        c
    } else {
        std::process::Command::new(env!("CARGO_BIN_EXE_dun"))
    };
    let out = cmd
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", env.dir.path())
        .env("DUN_DB", env.db())
        .env("DUN_CONFIG", env.config())
        .env("DUN_TODAY", &env.today)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run dun as another user (setpriv, from util-linux, is needed when the tests run as root): {e}"));
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Hands the sandbox to uid 65534 (when root) so that it can reach the files.
fn give_to_nobody(env: &Env) {
    // SAFETY: geteuid(2) cannot fail and touches no memory.
    if unsafe { libc::geteuid() } != 0 {
        return;
    }
    crate::common::set_mode(env.dir.path(), 0o755);
    for dir in [env.db().parent().unwrap(), env.config().parent().unwrap()] {
        if dir.exists() {
            std::os::unix::fs::chown(dir, Some(65534), Some(65534)).unwrap();
            for f in std::fs::read_dir(dir).unwrap() {
                std::os::unix::fs::chown(f.unwrap().path(), Some(65534), Some(65534)).unwrap();
            }
        }
    }
}

/// One line, `error: `, naming `names`, never a word about another program.
#[track_caller]
fn assert_truthful(run: &Run, names: &[&str]) {
    let err = run.fails(1);
    assert!(err.starts_with("error: ") && !err.contains('\n'), "{err}");
    for n in names {
        assert!(err.contains(n), "expected {n:?} in: {err}");
    }
    for wrong in ["another program", "another dun is writing", "delete", "remove"] {
        assert!(!err.contains(wrong), "{wrong:?} in: {err}");
    }
}

#[test]
fn f6_a_read_only_folder_file_or_shm_each_get_their_own_message() {
    let env = Env::new();
    env.with_acme();
    let db = env.db();
    let dir = db.parent().unwrap().to_path_buf();
    give_to_nobody(&env);
    let before = env.db_bytes();
    let shown = db.display().to_string();

    crate::common::set_mode(&dir, 0o555);
    let run = run_as_nobody(&env, &["invoice", "list"]);
    crate::common::set_mode(&dir, 0o755);
    assert_truthful(
        &run,
        &[&dir.display().to_string(), "folder", "read-only", "dun.db-shm"],
    );
    assert_eq!(env.db_bytes(), before);

    crate::common::set_mode(&db, 0o444);
    let run = run_as_nobody(&env, &["pay", "2026-014", "5"]);
    assert_truthful(&run, &[&shown, "read-only", "chmod"]);
    assert_eq!(env.db_bytes(), before);

    // SQLite gives the -shm it creates the file's mode: after chmod of the
    // file, the -shm is what is read-only. Not "another dun".
    crate::common::set_mode(&db, 0o644);
    let shm = dir.join("dun.db-shm");
    if !shm.exists() {
        std::fs::write(&shm, vec![0u8; 32768]).unwrap();
        give_to_nobody(&env);
    }
    crate::common::set_mode(&shm, 0o444);
    let run = run_as_nobody(&env, &["pay", "2026-014", "5"]);
    assert_truthful(&run, &[&shm.display().to_string(), "read-only", "chmod"]);
    assert_eq!(env.db_bytes(), before);
}

/// A copy of the sandbox's database with `damage` done to its bytes.
fn damaged(env: &Env, damage: impl Fn(&mut Vec<u8>)) {
    let mut bytes = env.db_bytes();
    damage(&mut bytes);
    std::fs::write(env.db(), &bytes).unwrap();
}

#[test]
fn f6_a_damaged_header_and_a_truncated_file_are_named_for_what_they_are() {
    let env = Env::new();
    env.with_acme();
    for i in 0..60 {
        env.ok(&[
            "log",
            "2026-014",
            "note",
            "--note",
            &format!("note {i} {}", "x".repeat(200)),
        ]);
    }
    let good = env.db_bytes();
    let shown = env.db().display().to_string();
    let len = good.len();
    assert!(len > 16384, "the test needs a database of several pages");
    type Damage = Box<dyn Fn(&mut Vec<u8>)>;
    let cases: Vec<(&str, Damage, &str)> = vec![
        (
            "header",
            Box::new(|b: &mut Vec<u8>| b[28..36].fill(0xff)),
            "damaged header",
        ),
        (
            "half",
            Box::new(move |b: &mut Vec<u8>| b.truncate(len / 2)),
            "is truncated",
        ),
        (
            "4096",
            Box::new(|b: &mut Vec<u8>| b.truncate(4096)),
            "is truncated",
        ),
        (
            "1000",
            Box::new(|b: &mut Vec<u8>| b.truncate(1000)),
            "is truncated",
        ),
        ("100", Box::new(|b: &mut Vec<u8>| b.truncate(100)), "is truncated"),
        (
            "pages",
            Box::new(|b: &mut Vec<u8>| b[4096..].fill(0x55)),
            "is damaged",
        ),
    ];
    for (what, damage, says) in &cases {
        std::fs::write(env.db(), &good).unwrap();
        damaged(&env, damage);
        let before = env.db_bytes();
        for args in [&["invoice", "list"][..], &["pay", "2026-014", "5"]] {
            let run = env.run(args);
            assert_truthful(&run, &[&shown, says, "backup"]);
            assert!(
                !run.stderr.contains("not a dun database"),
                "{what}: {}",
                run.stderr
            );
            assert_eq!(env.db_bytes(), before, "{what}: dun wrote to a damaged file");
        }
    }
}

#[test]
fn f6_not_a_dun_database_is_said_only_of_another_program_s_sqlite_file() {
    let env = Env::new();
    std::fs::create_dir_all(env.db().parent().unwrap()).unwrap();
    Connection::open(env.db())
        .unwrap()
        .execute_batch("PRAGMA application_id = 1234; CREATE TABLE t (x);")
        .unwrap();
    let err = env.run(&["invoice", "list"]).fails(1).to_string();
    assert!(
        err.contains("not a dun database") && err.contains("1234"),
        "{err}"
    );
    assert!(!err.contains("delete") && !err.contains("remove"), "{err}");
    std::fs::write(env.db(), "plain text, not SQLite\n".repeat(50)).unwrap();
    let err = env.run(&["invoice", "list"]).fails(1).to_string();
    assert!(
        !err.contains("not a dun database") && err.contains("not an SQLite file"),
        "{err}"
    );
}

#[test]
fn f6_a_full_disk_is_said_to_be_a_full_disk_naming_the_file() {
    let env = Env::new();
    env.with_acme();
    let small = TmpFs::mount(&env.dir.path().join("small"));
    let db = small.path.join("dun.db");
    std::fs::copy(env.db(), &db).unwrap();
    small.fill();
    let before = std::fs::read(&db).unwrap();
    let dbs = db.to_str().unwrap();
    for args in [
        &["--db", dbs, "invoice", "list"][..],
        &["--db", dbs, "pay", "2026-014", "5"],
    ] {
        let run = env.run(args);
        assert_truthful(&run, &[dbs, "disk", "full"]);
    }
    assert_eq!(std::fs::read(&db).unwrap(), before);
}

/// A small tmpfs (600 KiB), for full disks: needs root (the tests run as
/// root in CI). Unmounted when dropped.
struct TmpFs {
    path: std::path::PathBuf,
}

impl TmpFs {
    fn mount(path: &std::path::Path) -> TmpFs {
        // SAFETY: geteuid(2) cannot fail and touches no memory.
        assert_eq!(
            unsafe { libc::geteuid() },
            0,
            "the full-disk tests mount a small tmpfs and need root"
        );
        std::fs::create_dir_all(path).unwrap();
        let ok = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", "size=600k", "tmpfs"])
            .arg(path)
            .status()
            .expect("mount (util-linux) is needed for the full-disk tests")
            .success();
        assert!(ok, "cannot mount a tmpfs at {}", path.display());
        TmpFs {
            path: path.to_path_buf(),
        }
    }

    /// Fills it to the last byte.
    fn fill(&self) {
        use std::io::Write;
        let mut f = std::fs::File::create(self.path.join("filler")).unwrap();
        let block = vec![0u8; 4096];
        while f.write_all(&block).is_ok() {}
        let _ = f.write_all(&[0u8; 1]);
    }

    fn free(&self) {
        std::fs::remove_file(self.path.join("filler")).unwrap();
    }
}

impl Drop for TmpFs {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount").arg(&self.path).status();
    }
}

#[test]
fn f7_eight_processes_opening_a_new_database_at_once_all_succeed() {
    for round in 0..8 {
        let env = Env::new();
        let children: Vec<_> = (0..8)
            .map(|i| {
                env.spawn(&[
                    "client",
                    "add",
                    &format!("Client {i}"),
                    "--handle",
                    &format!("c{i}"),
                ])
            })
            .collect();
        for (i, child) in children.into_iter().enumerate() {
            let run = finish_within(child, HANG);
            assert_eq!(run.code, 0, "round {round}, dun {i}: {}", run.stderr);
            assert!(
                !run.stderr.contains("upgraded"),
                "a new file was 'upgraded': {}",
                run.stderr
            );
        }
        let n: i64 = Connection::open(env.db())
            .unwrap()
            .query_row("SELECT COUNT(*) FROM client", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 8, "round {round}");
        let backups = std::fs::read_dir(env.db().parent().unwrap())
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .unwrap()
                    .file_name()
                    .to_string_lossy()
                    .contains("backup")
            })
            .count();
        assert_eq!(backups, 0, "round {round}: a new file was backed up");
    }
}

#[test]
fn f8_a_negative_user_version_is_refused_and_nothing_is_upgraded() {
    let env = Env::new();
    env.with_acme();
    Connection::open(env.db())
        .unwrap()
        .pragma_update(None, "user_version", -1)
        .unwrap();
    let before = env.db_bytes();
    for _ in 0..2 {
        let run = env.run(&["invoice", "list"]);
        assert_truthful(&run, &[env.db().to_str().unwrap(), "-1", "damaged"]);
        assert!(!run.stderr.contains("upgraded"), "{}", run.stderr);
    }
    assert_eq!(env.db_bytes(), before);
    let files: Vec<String> = std::fs::read_dir(env.db().parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(!files.iter().any(|f| f.contains("backup")), "{files:?}");
}

#[test]
fn f11_odd_database_paths_are_named_for_what_they_are() {
    let env = Env::new();
    let link = env.dir.path().join("dangling.db");
    std::os::unix::fs::symlink(env.dir.path().join("gone/dun.db"), &link).unwrap();
    let cases = [
        (link.to_str().unwrap().to_string(), "symbolic link"),
        (env.dir.path().to_str().unwrap().to_string(), "a folder"),
        ("/dev/null".to_string(), "not a regular file"),
    ];
    for (path, says) in &cases {
        let run = env.run(&["--db", path, "invoice", "list"]);
        assert_truthful(&run, &[path, says]);
    }
    assert!(
        !env.dir.path().join("gone").exists(),
        "dun created the link's target"
    );
}

#[test]
fn f11_a_disk_full_during_a_send_says_what_went_out_and_nothing_goes_twice() {
    use crate::smtp_server::Mode;
    let server = SmtpServer::start();
    let env = env_with(&server.smtp_section());
    add_clients(&env, 3);
    let small = TmpFs::mount(&env.dir.path().join("small"));
    let db = small.path.join("dun.db");
    std::fs::copy(env.db(), &db).unwrap();
    let dbs = db.to_str().unwrap();

    server.set_mode(Mode::Hold);
    let run = env.spawn(&["--db", dbs, "send", "--yes"]);
    server.wait_for_held();
    small.fill();
    server.release();
    let run = finish_within(run, HANG);
    let err = run.fails(3);
    assert!(err.contains("went out, but dun could not record it"), "{err}");
    assert!(
        err.contains("disk") && err.contains("full") && err.contains(dbs),
        "{err}"
    );
    assert!(
        err.contains("dun stopped sending") && err.contains("2 e-mails were not tried"),
        "{err}"
    );
    assert!(err.contains("these went out before it stopped: E-1"), "{err}");
    assert_eq!(server.count(), 1);

    small.free();
    let run = finish_within(env.spawn(&["--db", dbs, "send", "--yes"]), HANG);
    assert!(run.ok().contains("Sent 2 e-mails"), "{run:?}");
    assert!(run.stderr.contains("may or may not have gone out"), "{run:?}");
    let got: Vec<String> = server.messages().iter().map(|m| m.text()).collect();
    assert_eq!(invoices_in(&got), ["E-1", "E-2", "E-3"], "each once");
}

#[test]
fn f11_a_ca_file_without_a_certificate_is_refused_naming_it() {
    let server = SmtpServer::with(crate::smtp_server::Options {
        starttls: true,
        auth: false,
    });
    let env = env_with(&format!(
        "[smtp]\nhost = \"127.0.0.1\"\nport = {}\nsecurity = \"starttls\"\ntimeout_secs = 5\n",
        server.port
    ));
    let cert = server.ca_file.clone().unwrap();
    let key = cert.with_file_name("key.pem");
    for bad in ["/dev/null", key.to_str().unwrap()] {
        let run = env.run_with(&[("DUN_SMTP_CA_FILE", bad)], &["smtp", "test"]);
        let err = run.fails(1);
        assert!(err.contains(bad) && err.contains("no certificate"), "{err}");
    }
    let run = env.run_with(&[("DUN_SMTP_CA_FILE", cert.to_str().unwrap())], &["smtp", "test"]);
    run.ok();
}

#[test]
fn f11_a_password_that_is_not_utf8_is_refused_not_mangled() {
    use std::os::unix::ffi::OsStrExt;
    let server = SmtpServer::start();
    let env = env_with(&format!(
        "[smtp]\nhost = \"127.0.0.1\"\nport = {}\nsecurity = \"none\"\nusername = \"fia\"\ntimeout_secs = 5\n",
        server.port
    ));
    let out = env
        .cmd()
        .env("DUN_SMTP_PASSWORD", std::ffi::OsStr::from_bytes(b"pa\xffss"))
        .args(["smtp", "test"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("DUN_SMTP_PASSWORD") && err.contains("UTF-8"),
        "{err}"
    );
}

#[test]
fn f11_an_ipv6_loopback_host_in_brackets_is_reached() {
    let server = SmtpServer::on("[::1]:0", crate::smtp_server::Options::default());
    let env = env_with(&format!(
        "[smtp]\nhost = \"[::1]\"\nport = {}\nsecurity = \"none\"\ntimeout_secs = 5\n",
        server.port
    ));
    add_clients(&env, 1);
    send(&env, &[]).ok();
    assert_eq!(server.count(), 1);
}

// ---------------------------------------------------------------------------
// F2: money never wraps. F3: one bad record cannot stop the others.

/// `minor` (an exact i128) as dun writes money for a person in English.
fn human_eur(minor: i128) -> String {
    let whole = (minor / 100).to_string();
    let mut grouped = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    format!("{grouped}.{:02} EUR", minor % 100)
}

#[test]
fn f2_totals_past_i64_are_exact_everywhere() {
    const N: i64 = 9300;
    const BOUND: i64 = 1_000_000_000_000_000; // 10^15 minor units, the largest amount
    let env = env_with("");
    env.ok(&[
        "client",
        "add",
        "Big Corp",
        "--handle",
        "big",
        "--email",
        "big@ovf.example",
    ]);
    env.ok(&[
        "invoice",
        "add",
        "BIG-1",
        "--client",
        "big",
        "--amount",
        "10000000000000.00",
        "--issued",
        "2026-10-03",
        "--due",
        MONDAY,
    ]);
    // The bound itself is accepted, one unit more is refused naming the limit.
    let err = env
        .run(&[
            "invoice",
            "add",
            "BIG-X",
            "--client",
            "big",
            "--amount",
            "10000000000000.01",
        ])
        .fails(1)
        .to_string();
    assert!(
        err.contains("10000000000000.01") && err.contains("10,000,000,000,000"),
        "{err}"
    );
    // The other invoices as dun stores them, copied from the first in SQL
    // (9,299 runs of `dun invoice add` would take minutes).
    Connection::open(env.db())
        .unwrap()
        .execute_batch(&format!(
            "WITH RECURSIVE n(i) AS (SELECT 2 UNION ALL SELECT i + 1 FROM n WHERE i < {N})
             INSERT INTO invoice (number, client_id, issued, due, amount, currency, entered_on, created_at)
             SELECT 'BIG-' || i, client_id, issued, due, amount, currency, entered_on, created_at
             FROM n, invoice WHERE number = 'BIG-1';"
        ))
        .unwrap();
    let total = i128::from(N) * i128::from(BOUND);
    assert!(total > i128::from(i64::MAX));
    let (human, plain) = (human_eur(total), format!("{}.{:02}", total / 100, total % 100));

    // On a pipe the totals line is on stderr.
    let due = env.run(&["due"]);
    due.ok();
    assert!(
        due.stderr
            .contains(&format!("{N} invoices need attention: {human} outstanding")),
        "{}",
        due.stderr
    );
    let show = env.ok(&["client", "show", "big"]);
    assert!(
        show.contains(&format!("Outstanding: {human}")),
        "{}",
        show.lines().last().unwrap_or("")
    );
    let json = env.run(&["client", "show", "big", "--format", "json"]).json();
    assert_eq!(json["outstanding"][0]["balance"], plain.as_str());
    let list = env.run(&["client", "list", "--format", "json"]).json();
    assert!(list[0]["balance"].as_str().unwrap().contains(&plain), "{list}");
    for text in [&show, &due.stdout, &due.stderr] {
        assert!(
            !text.contains(": -") && !text.contains(" -9"),
            "a negative figure"
        );
    }
}

#[test]
fn f2_interest_over_thousands_of_years_is_exact_or_an_error_never_saturated() {
    // 1,800,000 days (about 4,900 years) at 100 %: each invoice's interest
    // fits in i64, the sum of the two messages' totals does not.
    use chrono::Datelike;
    let day0 = chrono::NaiveDate::from_ymd_opt(0, 1, 2).unwrap();
    let mut today = day0 + chrono::TimeDelta::days(1_800_000);
    while today.weekday().number_from_monday() > 5 {
        today += chrono::TimeDelta::days(1); // a sending day: both reminders go in one message
    }
    let days = i128::from((today - day0).num_days());
    let mut env = env_with("[fees]\ninterest_percent = 100.0\n");
    env.set_today(&today.to_string());
    env.ok(&[
        "client",
        "add",
        "Old Corp",
        "--handle",
        "old",
        "--email",
        "old@x.example",
    ]);
    for n in ["OLD-1", "OLD-2"] {
        env.ok(&[
            "invoice",
            "add",
            n,
            "--client",
            "old",
            "--amount",
            "10000000000000.00",
            "--issued",
            "0000-01-01",
            "--due",
            "0000-01-02",
        ]);
    }
    // 100 % a year, actual/365, rounded half up once.
    let interest = (1_000_000_000_000_000i128 * days * 2 + 365) / (365 * 2);
    let json = env.run(&["invoice", "show", "OLD-1", "--format", "json"]).json();
    assert_eq!(
        json["interest"].as_str().unwrap(),
        format!("{}.{:02}", interest / 100, interest % 100)
    );
    let preview = env.ok(&["preview", "OLD-1"]);
    let each = interest + 1_000_000_000_000_000;
    assert!(2 * each > i128::from(i64::MAX), "the case is past i64");
    // The figure as the message writes it (number, no-break space, code).
    let total = human_eur(2 * each).replace(' ', "\u{a0}");
    assert!(
        preview.contains(&total),
        "the message's total {total} is not in:\n{preview}"
    );

    // On the last day dun keeps, one invoice's interest passes i64: an error
    // that names it, never i64::MAX shown as a figure.
    env.set_today("9999-12-31");
    let err = env
        .run(&["invoice", "show", "OLD-1", "--format", "json"])
        .fails(1)
        .to_string();
    assert!(err.contains("OLD-1") && err.contains("too large"), "{err}");
    let run = env.run(&["overdue", "--format", "csv"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr.contains("OLD-1") && !run.stdout.contains("92233720368547758"),
        "{run:?}"
    );
}

#[test]
fn f3_one_invoice_that_cannot_be_read_stops_nobody_else() {
    let server = SmtpServer::start();
    let mut env = env_with(&server.smtp_section());
    add_clients(&env, 3);
    // The report's case: figures whose product passes i64 in SQL.
    env.ok(&[
        "invoice",
        "add",
        "OLD-1",
        "--client",
        "c1",
        "--amount",
        "10000000000000.00",
        "--issued",
        "0000-01-01",
        "--due",
        "0000-01-02",
    ]);
    env.ok(&["pay", "OLD-1", "5000000000000", "--on", "0000-01-03"]);
    for args in [
        &["due"][..],
        &["overdue", "--format", "csv"],
        &["send", "--dry-run"],
    ] {
        let run = env.run(args);
        assert!(run.ok().contains("E-3") || args[0] != "due", "{args:?}: {run:?}");
    }
    // Records no dun writes, as a hand edit or a damaged page leaves them:
    // a REAL where an amount belongs, on an invoice and on a payment.
    env.ok(&["pay", "E-2", "1"]);
    env.set_today("2026-11-03"); // E-1…E-3 overdue by a day, their reminders due
    let conn = Connection::open(env.db()).unwrap();
    conn.execute_batch(
        "UPDATE invoice SET amount = 1.5 WHERE number = 'E-1';
         UPDATE payment SET amount = 2.5 WHERE invoice_id = (SELECT id FROM invoice WHERE number = 'E-2');",
    )
    .unwrap();
    drop(conn);
    for args in [
        &["due"][..],
        &["overdue", "--format", "csv"],
        &["due", "--format", "json"],
    ] {
        let run = env.run(args);
        assert_eq!(run.code, 1, "{args:?}: {run:?}");
        assert!(
            run.stdout.contains("E-3") && run.stdout.contains("OLD-1"),
            "{args:?}: {}",
            run.stdout
        );
        assert!(
            !run.stdout.contains("E-1,") && !run.stdout.contains("\"E-1\""),
            "{args:?}"
        );
        for bad in ["E-1", "E-2"] {
            assert!(
                run.stderr.contains(&format!("error: invoice {bad} left out")),
                "{args:?}: {}",
                run.stderr
            );
        }
        // The kept state is as the records give it: the records are at fault.
        assert!(
            run.stderr.contains("its records hold a value dun never writes")
                && run.stderr.contains("amount holds a real value")
                && run.stderr.contains("a payment holds a real value")
                && run.stderr.contains("dun check --repair cannot mend that"),
            "{args:?}: {}",
            run.stderr
        );
    }
    let run = send(&env, &[]);
    assert_eq!(run.code, 3, "{run:?}");
    assert!(run.stderr.contains("invoice E-1 left out"), "{}", run.stderr);
    let got: Vec<String> = server.messages().iter().map(|m| m.text()).collect();
    assert_eq!(invoices_in(&got), ["E-3"], "the others were sent");
    assert_eq!(
        server.count(),
        2,
        "E-3 and OLD-1's client c1 (OLD-1 with E-1 left out)"
    );
}

// ---------------------------------------------------------------------------
// F9, F10, F12: only what can be sent and kept is accepted. (The short
// cases are rows of the bad-input table in ledger.rs; these need long
// values or a server.)

#[test]
fn f9_addresses_and_names_no_server_would_take_are_refused_at_input() {
    let env = Env::new();
    env.with_acme();
    let long_local = format!("{}@x.example", "a".repeat(100));
    let long_label = format!("a@{}.example", "b".repeat(70));
    let long_name = "N".repeat(5000);
    let cases = [
        (format!("client add Foo --email {long_local}"), vec!["64"]),
        (format!("client edit acme --email {long_label}"), vec!["63"]),
        (
            format!("client add {long_name}"),
            vec!["client name", "200 characters"],
        ),
        (
            format!("client edit acme --name {long_name}"),
            vec!["client name", "200 characters"],
        ),
        (
            format!("client add Foo --contact '{long_name} <e@x.example>'"),
            vec!["contact name"],
        ),
    ];
    let failures = cases
        .iter()
        .filter_map(|(line, names)| crate::ledger::check_refused(&env, line, names).err())
        .map(|e| crate::common::cut_for_report(&e))
        .collect();
    crate::ledger::assert_none_failed(failures);
    // And the error is short enough to read.
    let err = env.run(&["client", "add", &long_name]).stderr;
    assert!(err.len() < 300, "{} bytes", err.len());
}

#[test]
fn f9_a_name_at_the_limit_arrives_with_no_line_past_998_octets() {
    let server = SmtpServer::start();
    let env = env_with(&server.smtp_section());
    let name = "Ж".repeat(120) + &" Aktiebolaget".repeat(6);
    env.ok(&[
        "client",
        "add",
        &name,
        "--handle",
        "long",
        "--email",
        &format!("{}@{}.example", "p".repeat(64), "q".repeat(63)),
    ]);
    env.ok(&[
        "invoice",
        "add",
        "L-1",
        "--client",
        "long",
        "--amount",
        "10",
        "--issued",
        "2026-10-03",
        "--due",
        MONDAY,
    ]);
    send(&env, &[]).ok();
    let got = server.messages();
    assert_eq!(got.len(), 1);
    let widest = got[0].data.split(|&b| b == b'\n').map(<[u8]>::len).max().unwrap();
    assert!(widest <= 999, "a line of {widest} octets");
}

#[test]
fn f10_a_due_date_past_9999_is_refused_and_the_last_day_is_kept_as_a_date() {
    let env = env_with("");
    env.ok(&[
        "client",
        "add",
        "Far",
        "--handle",
        "far",
        "--email",
        "far@x.example",
    ]);
    let before = env.db_bytes();
    let err = env
        .run(&[
            "invoice",
            "add",
            "FAR-1",
            "--client",
            "far",
            "--amount",
            "10",
            "--issued",
            "9999-12-31",
            "--terms",
            "3650",
        ])
        .fails(1)
        .to_string();
    assert!(err.contains("9999-12-31"), "{err}");
    assert_eq!(env.db_bytes(), before);
    env.ok(&[
        "invoice",
        "add",
        "FAR-2",
        "--client",
        "far",
        "--amount",
        "10",
        "--issued",
        "9999-12-31",
        "--terms",
        "0",
    ]);
    let csv = env.ok(&["overdue", "--format", "csv"]);
    assert!(
        !csv.contains("FAR-"),
        "an invoice due in 9999 is not overdue: {csv}"
    );
    let json = env.run(&["invoice", "show", "FAR-2", "--format", "json"]).json();
    assert_eq!(json["due"], "9999-12-31");
}

#[test]
fn f12_a_failing_password_command_s_stderr_is_never_shown() {
    let server = SmtpServer::start();
    let env = Env::new();
    let secret = "Hunter2-S3cr3t-xyzzy";
    env.write_config(&with_password_command(
        server.port,
        "none",
        &format!("echo {secret} >&2; exit 7"),
    ));
    let run = finish_within(env.spawn(&["smtp", "test"]), HANG);
    let err = run.fails(1);
    assert!(!err.contains(secret) && !run.stdout.contains(secret), "{err}");
    assert!(
        err.contains("exit status: 7") && err.contains("21 byte(s) on stderr"),
        "{err}"
    );
}

#[test]
fn f12_future_dates_and_invisible_characters_are_refused() {
    let env = Env::new();
    env.with_acme();
    let failures = [
        (
            "pay 2026-014 5 --on 9999-12-31",
            &["9999-12-31", "after today"][..],
        ),
        (
            "log 2026-014 call --outcome talked --on 9999-12-31",
            &["9999-12-31", "after today"],
        ),
        (
            "invoice add '\u{202e}evil\u{202c}' --client acme --amount 5",
            &["invoice number"],
        ),
        ("client add 'zero\u{200b}width'", &["U+200B"]),
    ]
    .iter()
    .filter_map(|(line, names)| crate::ledger::check_refused(&env, line, names).err())
    .collect();
    crate::ledger::assert_none_failed(failures);
    // Today itself is fine: a payment that arrived this morning.
    env.ok(&["pay", "2026-014", "5", "--on", "today"]);
}

// ---------------------------------------------------------------------------
// F13: the cosmetic rows.

#[test]
fn f13_long_values_in_errors_are_cut_to_a_readable_length() {
    let mut env = Env::new();
    env.with_acme();
    let huge = "h".repeat(120_000);
    for args in [
        vec!["client", "add", "Foo", "--handle", huge.as_str()],
        vec!["invoice", "show", huge.as_str()],
        vec!["pay", "2026-014", huge.as_str()],
        vec![
            "invoice",
            "add",
            "X-1",
            "--client",
            "acme",
            "--amount",
            "5",
            "--due",
            huge.as_str(),
        ],
    ] {
        let err = env.run(&args).stderr;
        assert!(
            err.len() < 400 && err.starts_with("error: "),
            "{:?}: {} bytes",
            args[..2].to_vec(),
            err.len()
        );
    }
    env.set_today(&"9".repeat(100_000));
    let err = env.run(&["invoice", "list"]).stderr;
    assert!(
        err.len() < 400 && err.contains("DUN_TODAY"),
        "{} bytes",
        err.len()
    );
}

#[test]
fn f13_today_is_parsed_strictly_and_an_empty_dun_today_is_unset() {
    let mut env = Env::new();
    env.with_acme();
    for bad in ["+2026-01-01", "2026-1-1", "2026-01-01x", " 2026-01-01 x"] {
        env.set_today(bad);
        let err = env.run(&["invoice", "list"]).fails(1).to_string();
        assert!(
            err.contains("DUN_TODAY") && err.contains("YYYY-MM-DD"),
            "{bad:?}: {err}"
        );
    }
    env.set_today("today");
    env.ok(&["invoice", "list"]);
    env.set_today("yesterday");
    env.ok(&["invoice", "list"]);
    env.set_today("");
    env.ok(&["invoice", "list"]);
}

#[test]
fn f13_nothing_decorative_on_a_pipe_and_unknown_e_mails_are_mentioned() {
    let server = SmtpServer::start();
    let mut env = env_with(&server.smtp_section());
    add_clients(&env, 2);
    env.ok(&["log", "E-1", "call", "--outcome", "no-answer"]);
    env.set_today("2026-11-20"); // a call and a follow-up due
    let piped = env.run(&["due"]);
    let out = piped.ok();
    for decoration in [
        "Due on",
        "E-mails to send",
        "Calls to make",
        "run dun send",
        "after a call",
    ] {
        assert!(!out.contains(decoration), "{decoration:?} on a pipe:\n{out}");
    }
    assert!(out.contains("E-1") && out.contains("E-2"), "{out}");
    // The totals and hints go to stderr on a pipe (issue 13's report::hint).
    assert!(
        piped.stderr.contains("2 invoices need attention") && !out.contains("need attention"),
        "{}",
        piped.stderr
    );
    let first = out.lines().next().unwrap();
    assert!(first.contains("action") && first.contains("invoice"), "{first}");
    assert!(env.ok(&["overdue"]).contains("E-1"));
    env.set_today("2026-10-01");
    assert_eq!(env.ok(&["overdue"]), "", "'Nothing is overdue' is for a terminal");
    assert_eq!(env.ok(&["due"]), "");

    // A crashed send leaves E-1 unknown: dun due says so, with the command.
    env.set_today(MONDAY);
    let crash = env.run_with(&[("DUN_FAULT_AFTER_PENDING", "1")], &["send", "--yes"]);
    assert_ne!(crash.code, 0);
    let run = env.run(&["due"]);
    run.ok();
    assert!(
        run.stderr.contains("E-1 reminder") && run.stderr.contains("dun send --resend-unknown"),
        "{}",
        run.stderr
    );
}

#[test]
fn f13_a_deadline_past_a_year_is_refused_like_the_terms() {
    let env = Env::new();
    env.with_acme();
    for value in ["4294967295", "99999999999", "0", "366"] {
        let run = env.run(&["letter", "2026-014", "--deadline", value]);
        assert_eq!(run.code, 2, "--deadline {value}: {run:?}");
        assert!(
            run.stderr.contains(value) && run.stdout.is_empty(),
            "{}",
            run.stderr
        );
    }
    env.run(&["letter", "2026-014", "--deadline", "30"]).ok();
}

#[test]
fn f13_an_unfinished_upgrade_backup_is_not_taken_for_a_backup() {
    let env = Env::new();
    std::fs::create_dir_all(env.db().parent().unwrap()).unwrap();
    {
        let conn = Connection::open(env.db()).unwrap();
        conn.execute_batch(include_str!("../../migrations/0001_ledger.sql"))
            .unwrap();
        conn.execute_batch("PRAGMA application_id = 1146441249; PRAGMA user_version = 1;")
            .unwrap();
    }
    // What a dun killed while copying left behind.
    let dir = env.db().parent().unwrap().to_path_buf();
    std::fs::write(dir.join("dun.db.v1.backup.partial"), b"half a copy").unwrap();
    std::fs::write(dir.join("dun.db.v1.backup.partial-journal"), b"junk").unwrap();
    let run = env.run(&["invoice", "list"]);
    run.ok();
    assert!(run.stderr.contains("dun.db.v1.backup"), "{}", run.stderr);
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|f| f.contains("backup"))
        .collect();
    files.sort();
    assert_eq!(files, ["dun.db.v1.backup"]);
}
