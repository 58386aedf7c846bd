//! The everyday surface of issue 13 (part b), through the real binary:
//! naming clients and invoices (SPEC.md §4 "Naming clients"), outcomes that
//! do what their names say (`dun log`), `dun send --except`, a failed send
//! and its retry read as one attempt, the warning before an early letter.

use crate::common::{Env, Run};
use crate::smtp_server::{Mode, SmtpServer};

/// A Monday.
const MONDAY: &str = "2027-03-08";

fn client(env: &Env, name: &str, extra: &[&str]) -> String {
    let mut args = vec!["client", "add", "--", name];
    args.splice(2..2, extra.iter().copied());
    env.ok(&args).trim().to_string()
}

fn invoice(env: &Env, number: &str, client: &str, due: &str) {
    env.ok(&[
        "invoice",
        "add",
        number,
        "--client",
        client,
        "--amount",
        "1200",
        "--currency",
        "SEK",
        "--issued",
        "2027-01-01",
        "--due",
        due,
    ]);
}

/// Asserts a refusal in one `error:` line containing each of `names`, with
/// the database file byte for byte as before.
#[track_caller]
fn refused(env: &Env, args: &[&str], names: &[&str]) -> String {
    let before = env.db_bytes();
    let r = env.run(args);
    let err = r.stderr.trim_end().to_string();
    assert!(r.code == 1 || r.code == 2, "dun {args:?}: exit {}: {err}", r.code);
    assert!(
        err.starts_with("error: ") && !err.contains('\n'),
        "dun {args:?}: not one error line:\n{err}"
    );
    for n in names {
        assert!(err.contains(n), "dun {args:?}: {n:?} not in: {err}");
    }
    assert!(r.stdout.is_empty(), "dun {args:?}: stdout {:?}", r.stdout);
    assert_eq!(before, env.db_bytes(), "dun {args:?} changed the database");
    err
}

fn the_three(env: &Env) {
    client(
        env,
        "Lindqvist Arkitekter AB",
        &["--email", "ekonomi@lindqvist.example"],
    );
    client(
        env,
        "Boğaziçi Yayıncılık A.Ş.",
        &["--email", "muhasebe@bogazici.example"],
    );
    client(env, "Studio Mureș SRL", &["--email", "contabil@mures.example"]);
    client(env, "Studio Nord AB", &["--email", "ap@nord.example"]);
}

#[test]
fn a_client_is_named_by_handle_prefix_or_exact_name() {
    let env = Env::new();
    the_three(&env);
    // A prefix that fits one handle, the exact name in any case, the handle.
    invoice(&env, "2027-001", "lindqvist", "2027-02-01");
    invoice(&env, "2027-002", "STUDIO NORD AB", "2027-02-01");
    invoice(&env, "2027-003", "boğaziçi yayıncılık a.ş.", "2027-02-01");
    invoice(&env, "2027-004", "studio-mures-srl", "2027-02-01");
    let handles = |filter: &str| -> Vec<String> {
        let list = env
            .run(&["invoice", "list", "--client", filter, "--format", "json"])
            .json();
        list.as_array()
            .unwrap()
            .iter()
            .map(|r| {
                format!(
                    "{} {}",
                    r["number"].as_str().unwrap(),
                    r["client"].as_str().unwrap()
                )
            })
            .collect()
    };
    assert_eq!(handles("bog"), ["2027-003 bogazici-yayincilik-a-s"]);
    assert_eq!(handles("lindqvist"), ["2027-001 lindqvist-arkitekter-ab"]);
    assert_eq!(handles("studio-nord-ab"), ["2027-002 studio-nord-ab"]);
    assert_eq!(handles("Studio Mureș SRL"), ["2027-004 studio-mures-srl"]);
    assert!(
        env.ok(&["client", "show", "Studio Nord AB"])
            .contains("(studio-nord-ab)")
    );

    // Ambiguous, unknown, a near miss: one line, the handles to choose from.
    refused(
        &env,
        &["invoice", "add", "X-1", "--client", "studio", "--amount", "5"],
        &[
            "`studio`",
            "`studio-mures-srl` or `studio-nord-ab`",
            "more of the handle",
        ],
    );
    refused(
        &env,
        &["client", "show", "lindqvst-arkitekter-ab"],
        &[
            "no client `lindqvst-arkitekter-ab`",
            "did you mean `lindqvist-arkitekter-ab`?",
        ],
    );
    refused(
        &env,
        &["client", "remove", "nobody"],
        &["no client `nobody`", "dun client list"],
    );
    refused(
        &env,
        &["pay", "2027-01", "5"],
        &["invoice 2027-01 not found", "did you mean 2027-001?"],
    );
}

#[test]
fn the_same_client_twice_is_refused_unless_a_handle_asks_for_a_second() {
    let env = Env::new();
    assert_eq!(client(&env, "Test AB", &["--email", "a@test.example"]), "test-ab");
    refused(
        &env,
        &["client", "add", "TEST AB", "--email", "A@test.example"],
        &["Test AB", "`test-ab`", "--handle"],
    );
    assert_eq!(
        client(
            &env,
            "Test AB",
            &["--email", "a@test.example", "--handle", "test-2"]
        ),
        "test-2"
    );
    // The same name with another address: added, with a note naming the first.
    let r = env.run(&["client", "add", "Test AB", "--email", "b@test.example"]);
    assert_eq!(r.ok(), "test-ab-2\n");
    assert!(
        r.stderr
            .contains("already here as `test-2` and `test-ab`; this one is `test-ab-2`"),
        "{}",
        r.stderr
    );
}

#[test]
fn a_handle_is_renamed_and_an_invoice_moved_before_anything_is_logged() {
    let env = Env::new();
    the_three(&env);
    invoice(&env, "2027-001", "studio-nord-ab", "2027-02-01");
    invoice(&env, "2027-002", "studio-nord-ab", "2027-02-01");
    let out = env.ok(&[
        "client",
        "edit",
        "bogazici-yayincilik-a-s",
        "--handle",
        "bogazici",
    ]);
    assert_eq!(
        out,
        "updated bogazici-yayincilik-a-s; its handle is now bogazici\n"
    );
    refused(
        &env,
        &["client", "edit", "bogazici", "--handle", "studio-nord-ab"],
        &["\"studio-nord-ab\"", "taken"],
    );
    refused(
        &env,
        &["client", "edit", "bogazici", "--handle", "Bad One"],
        &["\"Bad One\""],
    );

    let out = env.ok(&["invoice", "edit", "2027-001", "--client", "bogazici"]);
    assert_eq!(
        out,
        "updated invoice 2027-001: moved from studio-nord-ab to bogazici\n"
    );
    let show = env
        .run(&["invoice", "show", "2027-001", "--format", "json"])
        .json();
    assert_eq!(show["client"], "bogazici");

    // Once a contact is logged, the log says who was told: no move.
    env.ok(&["log", "2027-002", "call", "--outcome", "no-answer"]);
    refused(
        &env,
        &["invoice", "edit", "2027-002", "--client", "bogazici"],
        &["2027-002", "1 contact logged with studio-nord-ab", "Void it"],
    );
}

#[test]
fn outcomes_do_what_their_names_say() {
    let mut env = Env::new();
    env.set_today(MONDAY);
    client(
        &env,
        "Acme AB",
        &["--handle", "acme", "--email", "ap@acme.example"],
    );
    invoice(&env, "2027-005", "acme", "2027-02-01");

    // A promise without its date: refused, asking for the date.
    refused(
        &env,
        &["log", "2027-005", "call", "--outcome", "promised"],
        &["--outcome promised", "--until DATE", "2027-03-15"],
    );

    // A dispute said on the phone is a dispute, in the same run.
    let out = env.ok(&[
        "log",
        "2027-005",
        "call",
        "--inbound",
        "--outcome",
        "disputed",
        "--note",
        "says the drawings were late",
    ]);
    assert!(out.contains("logged call from the client"), "{out}");
    assert!(out.contains("invoice 2027-005 is disputed"), "{out}");
    assert!(!out.contains("reply"), "a phone call is not a reply: {out}");
    let show = env
        .run(&["invoice", "show", "2027-005", "--format", "json"])
        .json();
    assert_eq!(show["status"], "on-hold");
    assert_eq!(show["hold"], "dispute");
    let due = env.run(&["due", "--format", "json"]).json();
    assert_eq!(due.as_array().map(Vec::len), Some(0), "{due}");
    // Said again: the dispute stays one dispute; `dun resolve` ends it.
    env.ok(&["log", "2027-005", "call", "--inbound", "--outcome", "disputed"]);
    let show = env
        .run(&["invoice", "show", "2027-005", "--format", "json"])
        .json();
    let holds = show["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "hold")
        .count();
    assert_eq!(holds, 1, "one dispute, however often it is said: {show}");
    env.ok(&["resolve", "2027-005"]);
    let show = env
        .run(&["invoice", "show", "2027-005", "--format", "json"])
        .json();
    assert_eq!(show["status"], "overdue", "{show}");

    // The client calling is "the client called", and holds the ladder the gap.
    let out = env.ok(&[
        "log",
        "2027-005",
        "call",
        "--inbound",
        "--note",
        "asked for a copy",
    ]);
    assert!(out.contains("the client called"), "{out}");
    assert!(out.contains("until 2027-03-15"), "{out}");
}

#[test]
fn a_letter_logged_keeps_its_deadline() {
    let mut env = Env::new();
    env.set_today(MONDAY);
    client(&env, "Acme AB", &["--handle", "acme"]);
    invoice(&env, "2027-006", "acme", "2027-01-15");
    let out = env.ok(&[
        "log",
        "2027-006",
        "letter",
        "--deadline",
        "21",
        "--step",
        "demand",
    ]);
    assert!(out.contains("until 2027-03-29 to pay"), "{out}");
    let conn = rusqlite::Connection::open(env.db()).unwrap();
    let deadline: String = conn
        .query_row(
            "SELECT deadline FROM contact_log WHERE channel = 'letter'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(deadline, "2027-03-29");
    drop(conn);
    // Without --deadline: 14 days (from a day before today: issue 7
    // refuses a contact dated after today).
    let out = env.ok(&["log", "2027-006", "letter", "--on", "2027-03-05"]);
    assert!(out.contains("until 2027-03-19 to pay"), "{out}");
    refused(
        &env,
        &["log", "2027-006", "call", "--deadline", "10"],
        &["--deadline", "letter"],
    );
    // A client under Russian law: a demand gives 30 days (docs/law.md), and
    // a letter logged without --deadline assumes what `dun letter` would give.
    client(&env, "ООО Ромашка", &["--handle", "romashka", "--country", "RU"]);
    invoice(&env, "2027-016", "romashka", "2027-01-15");
    let out = env.ok(&["log", "2027-016", "letter"]);
    assert!(out.contains("until 2027-04-07 to pay"), "{out}");
}

#[test]
fn a_letter_for_an_invoice_on_hold_comes_with_a_warning_naming_the_hold() {
    let mut env = Env::new();
    env.set_today(MONDAY);
    client(
        &env,
        "Acme AB",
        &["--handle", "acme", "--email", "ap@acme.example"],
    );
    invoice(&env, "2027-007", "acme", "2027-03-05");
    invoice(&env, "2027-008", "acme", "2027-03-05");
    env.ok(&["promise", "2027-007", "--until", "2027-03-19"]);
    let r = env.run(&["letter", "2027-007"]);
    r.ok();
    assert!(
        r.stderr
            .contains("warning: invoice 2027-007 is on hold: the client promised to pay by 2027-03-19"),
        "{}",
        r.stderr
    );
    // `dun due` does not offer a letter for it either.
    let due = env.ok(&["due"]);
    assert!(!due.contains("dun letter 2027-007"), "{due}");

    let r = env.run(&["letter", "2027-008"]);
    r.ok();
    assert!(
        r.stderr.contains("invoice 2027-008 is not at a letter step"),
        "{}",
        r.stderr
    );
}

fn smtp_env(server: &SmtpServer) -> Env {
    let mut env = Env::new();
    env.set_today(MONDAY);
    env.write_config(&format!(
        "[sender]\nname = \"Fia Freelance\"\nemail = \"fia@example.org\"\n\n{}",
        server.smtp_section()
    ));
    env
}

#[test]
fn send_except_leaves_out_an_invoice_or_a_client() {
    let server = SmtpServer::start();
    let env = smtp_env(&server);
    client(
        &env,
        "Thistle & Pine Ltd",
        &["--handle", "thistle", "--email", "accounts@thistle.example"],
    );
    client(
        &env,
        "Acme AB",
        &["--handle", "acme", "--email", "ap@acme.example"],
    );
    client(
        &env,
        "Beta Oy",
        &["--handle", "beta", "--email", "billing@beta.example"],
    );
    invoice(&env, "2027-002", "thistle", MONDAY);
    invoice(&env, "2027-006", "thistle", MONDAY);
    invoice(&env, "2027-010", "acme", MONDAY);
    invoice(&env, "2027-011", "beta", MONDAY);

    refused(
        &env,
        &["send", "--yes", "--except", "2027-06"],
        &["--except 2027-06", "did you mean 2027-006?"],
    );
    refused(
        &env,
        &["send", "--yes", "--except", "acmee"],
        &["--except acmee", "did you mean `acme`?"],
    );
    assert_eq!(server.count(), 0);

    let dry = env.ok(&["send", "--dry-run", "--except", "2027-006", "--except", "beta"]);
    assert!(dry.contains("(2027-002)") && dry.contains("(2027-010)"), "{dry}");
    assert!(!dry.contains("2027-006") && !dry.contains("2027-011"), "{dry}");

    env.ok(&["send", "--yes", "--except", "2027-006", "--except", "beta"]);
    let mut to: Vec<String> = server.take().iter().map(|m| m.to.join(",")).collect();
    to.sort();
    assert_eq!(to, ["accounts@thistle.example", "ap@acme.example"]);
    // What was left out is still due, for the next run.
    let dry = env.ok(&["send", "--dry-run"]);
    assert!(dry.contains("2027-006") && dry.contains("2027-011"), "{dry}");
    assert!(!dry.contains("2027-002") && !dry.contains("2027-010"), "{dry}");
}

/// Runs `dun ARGS…` on a pseudo-terminal (util-linux `script`), typing `input`.
fn on_terminal(env: &Env, args: &str, input: &str) -> Run {
    let status = std::process::Command::new("script")
        .arg("--version")
        .output()
        .unwrap_or_else(|e| panic!("this test needs `script` (util-linux) to give dun a terminal: {e}"));
    assert!(status.status.success(), "`script --version` failed");
    let bin = env!("CARGO_BIN_EXE_dun");
    let mut cmd = std::process::Command::new("script");
    cmd.args(["-qec", &format!("{bin} {args}"), "/dev/null"])
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", env.dir.path())
        .env("DUN_DB", env.db())
        .env("DUN_CONFIG", env.config())
        .env("DUN_TODAY", &env.today)
        .env("NO_COLOR", "1")
        .env("TERM", "dumb")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = cmd.spawn().expect("script starts");
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().unwrap();
        // Typed once the question is up; `script` passes it to the terminal.
        std::thread::sleep(std::time::Duration::from_millis(800));
        stdin.write_all(input.as_bytes()).unwrap();
    }
    let o = child.wait_with_output().unwrap();
    Run {
        code: o.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&o.stdout).replace('\r', ""),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
    }
}

#[test]
fn saying_no_at_the_send_prompt_says_how_to_leave_one_out() {
    let server = SmtpServer::start();
    let env = smtp_env(&server);
    client(
        &env,
        "Thistle & Pine Ltd",
        &["--handle", "thistle", "--email", "accounts@thistle.example"],
    );
    invoice(&env, "2027-006", "thistle", MONDAY);
    let before = env.db_bytes();
    let r = on_terminal(&env, "send", "n\n");
    assert!(r.stdout.contains("Send them now? [y/N]"), "{r:?}");
    assert!(r.stdout.contains("Nothing sent."), "{r:?}");
    assert!(r.stdout.contains("dun send --except 2027-006"), "{r:?}");
    assert!(r.stdout.contains("dun pause 2027-006 --until DATE"), "{r:?}");
    assert_eq!(server.count(), 0);
    assert_eq!(before, env.db_bytes());
}

#[test]
fn a_failed_send_and_its_retry_read_as_one_attempt() {
    let server = SmtpServer::start();
    let env = smtp_env(&server);
    client(
        &env,
        "Acme AB",
        &["--handle", "acme", "--email", "ap@acme.example"],
    );
    invoice(&env, "2027-008", "acme", MONDAY);
    server.set_mode(Mode::RefuseRecipient {
        code: 450,
        text: "4.2.1 mailbox busy, try later",
        only: None,
    });
    env.run(&["send", "--yes"]).fails(3);
    let show = env.ok(&["invoice", "show", "2027-008"]);
    let lines: Vec<&str> = show.lines().filter(|l| l.contains("[reminder]")).collect();
    assert_eq!(lines.len(), 1, "{show}");
    assert!(lines[0].contains("· failed ("), "{show}");
    // The server's words, and (issue 7) that the message never went.
    assert!(lines[0].contains("4.2.1 mailbox busy, try later)"), "{show}");
    assert!(lines[0].contains("before the message was handed over"), "{show}");

    server.set_mode(Mode::Accept);
    env.ok(&["send", "--yes"]);
    assert_eq!(server.count(), 1);
    // Two entries in the log, as they were written ...
    let conn = rusqlite::Connection::open(env.db()).unwrap();
    let states: Vec<String> = conn
        .prepare("SELECT delivery FROM contact_log ORDER BY id")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    assert_eq!(states, ["failed", "sent"]);
    drop(conn);
    // ... read as one attempt, in the invoice's timeline and the statement.
    for (args, what) in [
        (&["invoice", "show", "2027-008"][..], "timeline"),
        (&["client", "show", "acme"][..], "statement"),
    ] {
        let out = env.ok(args);
        let lines: Vec<&str> = out.lines().filter(|l| l.contains("[reminder]")).collect();
        assert_eq!(lines.len(), 1, "{what}:\n{out}");
        let l = lines[0];
        let failed = l.find("failed 2027-").or_else(|| l.find("failed 20"));
        let sent = l.find(", sent 20");
        assert!(
            failed.is_some() && sent.is_some() && failed < sent,
            "{what}: not one attempt: {l}"
        );
        assert!(l.contains("4.2.1 mailbox busy, try later), sent"), "{what}: {l}");
    }
}

/// Regression: `--except` dropped every plan confirmation (a plan's message
/// lists no ladder invoices of its own), not only the one left out.
#[test]
fn send_except_leaves_plan_messages_of_other_invoices_alone() {
    let server = SmtpServer::start();
    let env = smtp_env(&server);
    client(
        &env,
        "Acme AB",
        &["--handle", "acme", "--email", "ap@acme.example"],
    );
    client(
        &env,
        "Beta Oy",
        &["--handle", "beta", "--email", "billing@beta.example"],
    );
    invoice(&env, "2027-020", "acme", "2027-03-01");
    invoice(&env, "2027-021", "beta", "2027-03-01");
    for n in ["2027-020", "2027-021"] {
        env.ok(&[
            "plan",
            n,
            "--instalments",
            "2",
            "--every",
            "14",
            "--first",
            "2027-03-15",
        ]);
    }
    let dry = env.ok(&["send", "--dry-run", "--except", "2027-021"]);
    assert!(dry.contains("(2027-020)") && !dry.contains("2027-021"), "{dry}");
    env.ok(&["send", "--yes", "--except", "beta"]);
    let to: Vec<String> = server.take().iter().map(|m| m.to.join(",")).collect();
    assert_eq!(to, ["ap@acme.example"]);
}
