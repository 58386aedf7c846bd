//! The ledger end to end (issue 2): every command that records or shows a
//! fact, driven through the real binary on real SQLite files; the table of
//! bad inputs that must change nothing; the schema and the file checks.
//!
//! Commands are written as one line, `'…'` quoting an argument, so that a
//! test reads like what a person types.

use std::path::Path;

use rusqlite::{Connection, OpenFlags};
use serde_json::{Value, json};

use crate::common::{Env, Run, mode};

/// `PRAGMA application_id` of a dun database: "DUN!".
const APPLICATION_ID: i64 = 0x4455_4E21;

/// Splits a command line into arguments: on spaces, with `'…'` quoting one
/// argument (which may be empty or hold spaces or a line break).
fn words(line: &str) -> Vec<String> {
    let mut args = Vec::new();
    let mut arg: Option<String> = None;
    let mut quoted = false;
    for c in line.chars() {
        if c == '\'' {
            quoted = !quoted;
            arg.get_or_insert_default();
        } else if c == ' ' && !quoted {
            args.extend(arg.take());
        } else {
            arg.get_or_insert_default().push(c);
        }
    }
    args.extend(arg);
    args
}

/// Runs `dun LINE`.
fn run(env: &Env, line: &str) -> Run {
    let args = words(line);
    env.run(&args.iter().map(String::as_str).collect::<Vec<_>>())
}

/// Runs `dun LINE`, asserts success and returns stdout.
#[track_caller]
fn ok(env: &Env, line: &str) -> String {
    let r = run(env, line);
    r.ok();
    r.stdout
}

/// `dun invoice show NUMBER --format json`.
fn invoice(env: &Env, number: &str) -> Value {
    run(env, &format!("invoice show {number} --format json")).json()
}

/// `dun client show HANDLE --format json`: the client's statement.
fn statement(env: &Env, handle: &str) -> Value {
    run(env, &format!("client show {handle} --format json")).json()
}

/// The `key`s of a JSON array of objects, as text.
fn column(list: &Value, key: &str) -> Vec<String> {
    let rows = list.as_array().expect("a JSON array");
    rows.iter()
        .map(|r| r[key].as_str().expect(key).to_string())
        .collect()
}

/// Whether an invoice's timeline has an event of `kind` whose detail contains `detail`.
fn has_event(view: &Value, kind: &str, detail: &str) -> bool {
    view["timeline"]
        .as_array()
        .expect("a timeline")
        .iter()
        .any(|e| e["kind"] == kind && e["detail"].as_str().unwrap().contains(detail))
}

#[track_caller]
fn assert_events(view: &Value, events: &[(&str, &str)]) {
    for (kind, detail) in events {
        assert!(
            has_event(view, kind, detail),
            "no {kind} event with {detail:?} in:\n{view:#}"
        );
    }
}

/// The text with every run of spaces squeezed to one, so that checks on a
/// table do not depend on its column widths.
fn squash(text: &str) -> String {
    let lines: Vec<String> = text
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect();
    lines.join("\n")
}

#[track_caller]
fn assert_contains(haystack: &str, needles: &[&str]) {
    for n in needles {
        assert!(haystack.contains(n), "expected {n:?} in:\n{haystack}");
    }
}

/// What makes a refusal right: exit 1 or 2, nothing on stdout, one line on
/// stderr that starts with `error:` and names the bad value, and the
/// database byte for byte as it was. `Err` says which of these failed.
pub(crate) fn check_refused(env: &Env, line: &str, names: &[&str]) -> Result<(), String> {
    let before = env.db_bytes();
    let r = run(env, line);
    let after = env.db_bytes();
    let err = r.stderr.trim_end();
    let mut wrong = Vec::new();
    if r.code != 1 && r.code != 2 {
        wrong.push(format!("exit {}", r.code));
    }
    if !r.stdout.is_empty() {
        wrong.push(format!("stdout {:?}", r.stdout));
    }
    if !err.starts_with("error: ") || err.contains('\n') {
        wrong.push("stderr is not one line starting with `error: `".into());
    }
    if let Some(n) = names.iter().find(|n| !err.contains(*n)) {
        wrong.push(format!("stderr does not name {n:?}"));
    }
    if before != after {
        wrong.push("the database changed".into());
    }
    if wrong.is_empty() {
        Ok(())
    } else {
        Err(format!("dun {line}: {}\n  stderr: {err}", wrong.join("; ")))
    }
}

/// Fails with every failure of a table at once, not only the first.
#[track_caller]
pub(crate) fn assert_none_failed(failures: Vec<String>) {
    assert!(
        failures.is_empty(),
        "{} case(s) failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

fn open_db(path: &Path) -> Connection {
    Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_WRITE).expect("the database opens")
}

fn pragma_i64(conn: &Connection, name: &str) -> i64 {
    conn.query_row(&format!("PRAGMA {name}"), [], |r| r.get(0))
        .unwrap()
}

// ---------------------------------------------------------------------------
// The walk-through of issue 2, exactly as written there.

#[test]
fn the_walk_through_of_issue_2() {
    let mut env = Env::new();
    env.set_today("2026-12-03");
    assert_contains(&ok(&env, "init"), &["wrote"]);
    let handle = ok(
        &env,
        "client add 'Acme AB' --email ap@acme.example --phone '+46 8 123 45 67' --lang sv",
    );
    assert_eq!(handle, "acme-ab\n");
    let added = ok(
        &env,
        "invoice add 2026-014 --client acme-ab --amount 1200.00 --currency SEK --issued 2026-11-01 --terms 30",
    );
    assert_contains(&added, &["2026-014", "1,200.00 SEK", "due 2026-12-01"]);
    let paid = ok(&env, "pay 2026-014 200 --on 2026-12-03 --method bank");
    assert_contains(&paid, &["200.00 SEK", "balance 1,000.00 SEK"]);
    // Issue 2 logged the promise, then held the ladder with `dun promise`;
    // since issue 13 `--outcome promised` takes the date and does both.
    let logged = ok(
        &env,
        "log 2026-014 call --outcome promised --until 2026-12-12 --note 'pays Friday'",
    );
    assert_contains(&logged, &["logged call", "held until 2026-12-12"]);

    let show = squash(&ok(&env, "invoice show 2026-014"));
    assert_contains(
        &show,
        &[
            "Invoice 2026-014 · Acme AB (acme-ab)",
            "status on hold (promise)",
            "amount 1,200.00 SEK",
            "paid 200.00 SEK",
            "balance 1,000.00 SEK",
            "2026-11-01 issued 1,200.00 SEK",
            "2026-12-01 due",
            "2026-12-03 payment 200.00 SEK by bank",
            "2026-12-03 hold promise until 2026-12-12",
            "2026-12-03 contact call to client · promised · pays Friday",
        ],
    );

    let client = squash(&ok(&env, "client show acme-ab"));
    assert_contains(
        &client,
        &[
            "Acme AB (acme-ab)",
            "e-mail ap@acme.example",
            "phone +46 8 123 45 67",
            "language sv",
            "2026-014 2026-11-01 2026-12-01 on-hold 2 SEK 1,200.00 200.00 1,000.00",
            "total SEK 1,200.00 200.00 1,000.00",
            "Outstanding: 1,000.00 SEK",
            "2026-12-03 2026-014 SEK 200.00 bank 2",
            "2026-12-03 2026-014 call to client · promised · pays Friday",
        ],
    );

    assert_eq!(
        run(&env, "invoice list --format json").json(),
        json!([{
            "number": "2026-014", "client": "acme-ab", "issued": "2026-11-01", "due": "2026-12-01",
            "status": "on-hold", "days_overdue": 2, "currency": "SEK",
            "amount": "1200.00", "paid": "200.00", "balance": "1000.00",
            "reference": "RF972026014",
        }])
    );
}

// ---------------------------------------------------------------------------
// Every command that records or shows a fact.

#[test]
fn init_writes_a_private_commented_config_and_overwrites_only_with_force() {
    let env = Env::new();
    let path = env.config();
    assert_contains(&ok(&env, "init"), &[path.to_str().unwrap()]);
    let written = std::fs::read_to_string(&path).unwrap();
    assert!(written.starts_with('#'), "a commented file:\n{written}");
    assert_contains(
        &written,
        &["[defaults]", "[schedule]", "# [smtp]", "# [[ladder]]"],
    );
    assert_eq!(mode(&path), 0o600);
    assert_eq!(mode(path.parent().unwrap()), 0o700);
    assert!(!env.db().exists(), "init creates no database");
    env.with_acme(); // dun reads what init wrote

    std::fs::write(&path, "# mine\n").unwrap();
    assert_contains(run(&env, "init").fails(1), &[path.to_str().unwrap(), "--force"]);
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "# mine\n");

    ok(&env, "init --force");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), written);
    assert_eq!(mode(&path), 0o600);
}

#[test]
fn client_add_list_show_edit_remove() {
    let env = Env::new();
    let added = ok(
        &env,
        "client add 'Acme AB' --email ap@acme.example --phone '+46 8 123 45 67' --lang sv \
         --contact 'Erik Berg <erik@acme.example> +46 70 111 22 33' --role CFO",
    );
    assert_eq!(added, "acme-ab\n", "the handle is derived from the name");
    assert_eq!(ok(&env, "client add 'Acme AB'"), "acme-ab-2\n", "a clash gets -2");
    assert_eq!(
        ok(&env, "client add 'Şeker Ltd.' --email muhasebe@seker.example"),
        "seker-ltd\n"
    );

    let list = run(&env, "client list --format json").json();
    assert_eq!(column(&list, "handle"), ["acme-ab", "acme-ab-2", "seker-ltd"]);
    assert_eq!(
        column(&list, "lang"),
        ["sv", "en", "en"],
        "en is the default language"
    );
    assert_eq!(list[0]["email"], "ap@acme.example");

    let csv_text = ok(&env, "client list --format csv");
    let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
    let headers = reader.headers().unwrap().clone();
    assert_eq!(
        &headers,
        vec![
            "handle",
            "name",
            "email",
            "phone",
            "lang",
            "open_invoices",
            "currency",
            "balance"
        ]
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 3);
    assert_eq!((&rows[2][0], &rows[2][1]), ("seker-ltd", "Şeker Ltd."));

    ok(
        &env,
        "invoice add 2026-014 --client acme-ab --amount 1200.00 --currency SEK --issued 2026-11-01 --due 2026-12-01",
    );
    ok(
        &env,
        "log 2026-014 call --outcome talked --note 'asked for a copy'",
    );
    let s = statement(&env, "acme-ab");
    assert_eq!(s["invoices"][0]["number"], "2026-014");
    assert_eq!(s["invoices"][0]["balance"], "1200.00");
    assert_eq!(
        s["outstanding"],
        json!([{"currency": "SEK", "balance": "1200.00"}])
    );
    assert_eq!(
        (
            s["contacts"][0]["channel"].as_str(),
            s["contacts"][0]["note"].as_str()
        ),
        (Some("call"), Some("asked for a copy"))
    );
    assert_eq!(
        s["escalation_contacts"],
        json!([{"name": "Erik Berg", "role": "CFO", "email": "erik@acme.example", "phone": "+46 70 111 22 33"}])
    );
    let table = squash(&ok(&env, "client show acme-ab"));
    assert_contains(
        &table,
        &[
            "contact Erik Berg, CFO <erik@acme.example> +46 70 111 22 33",
            "2026-014",
            "asked for a copy",
        ],
    );

    ok(
        &env,
        "client edit acme-ab --name 'Acme Aktiebolag' --phone '+46 8 000 00 00' --lang en",
    );
    let s = statement(&env, "acme-ab");
    assert_eq!(
        (s["name"].as_str(), s["phone"].as_str()),
        (Some("Acme Aktiebolag"), Some("+46 8 000 00 00"))
    );
    assert_eq!(s["lang"], "en");

    // A bounce stops e-mail until the address changes; a new address clears it.
    assert_eq!(s["email_bounced"], false);
    ok(&env, "log 2026-014 email --outcome bounced");
    assert_eq!(statement(&env, "acme-ab")["email_bounced"], true);
    ok(&env, "client edit acme-ab --email invoices@acme.example");
    let s = statement(&env, "acme-ab");
    assert_eq!(s["email_bounced"], false);
    assert_eq!(s["emails"], json!(["invoices@acme.example"]));

    assert_contains(
        run(&env, "client remove acme-ab").fails(1),
        &["acme-ab", "invoice"],
    );
    assert_eq!(statement(&env, "acme-ab")["handle"], "acme-ab", "still there");
    assert_contains(&ok(&env, "client remove acme-ab-2"), &["removed acme-ab-2"]);
    assert_eq!(
        column(&run(&env, "client list --format json").json(), "handle"),
        ["acme-ab", "seker-ltd"]
    );
    run(&env, "client show acme-ab-2").fails(1);
}

#[test]
fn invoice_add_list_show_edit_void() {
    let mut env = Env::new();
    env.set_today("2026-12-03");
    env.write_config("[defaults]\ncurrency = \"SEK\"\nterms_days = 10\n");
    ok(&env, "client add 'Acme AB' --handle acme");
    ok(&env, "client add Beta --handle beta");
    ok(
        &env,
        "invoice add A-1 --client acme --amount 100 --issued 2026-11-01 --terms 14",
    );
    ok(
        &env,
        "invoice add A-2 --client acme --amount 200.5 --issued 2026-11-20",
    );
    ok(
        &env,
        "invoice add B-1 --client beta --amount 5000 --currency JPY --due 2027-01-31",
    );

    // (field, expected): due from --terms, from terms_days, or --due; issued defaults to today.
    for (number, expected) in [
        (
            "A-1",
            [
                ("issued", "2026-11-01"),
                ("due", "2026-11-15"),
                ("currency", "SEK"),
                ("amount", "100.00"),
            ],
        ),
        (
            "A-2",
            [
                ("issued", "2026-11-20"),
                ("due", "2026-11-30"),
                ("currency", "SEK"),
                ("amount", "200.50"),
            ],
        ),
        (
            "B-1",
            [
                ("issued", "2026-12-03"),
                ("due", "2027-01-31"),
                ("currency", "JPY"),
                ("amount", "5000"),
            ],
        ),
    ] {
        let view = invoice(&env, number);
        for (field, value) in expected {
            assert_eq!(view[field], value, "{number} {field}");
        }
    }

    let numbers = |filter: &str| {
        column(
            &run(&env, &format!("invoice list --format json {filter}")).json(),
            "number",
        )
    };
    assert_eq!(numbers(""), ["A-1", "A-2", "B-1"]);
    assert_eq!(numbers("--status overdue"), ["A-1", "A-2"]);
    assert_eq!(numbers("--status open"), ["B-1"]);
    assert_eq!(numbers("--client acme"), ["A-1", "A-2"]);
    assert!(numbers("--client beta --status overdue").is_empty());
    let csv_text = ok(&env, "invoice list --client beta --format csv");
    assert_eq!(csv_text.lines().count(), 2, "a header and one row:\n{csv_text}");

    ok(&env, "pay A-1 40 --on 2026-11-20 --method bank");
    ok(&env, "pause A-1 --until 2026-12-05");
    ok(&env, "log A-1 sms --note 'sent the bank details'");
    let view = invoice(&env, "A-1");
    assert_events(
        &view,
        &[
            ("issued", "100.00 SEK"),
            ("due", ""),
            ("payment", "40.00 SEK by bank"),
            ("hold", "pause until 2026-12-05"),
            ("contact", "sms to client · sent the bank details"),
        ],
    );
    let dates = column(&view["timeline"], "date");
    assert!(dates.is_sorted(), "the timeline is in date order: {dates:?}");

    ok(
        &env,
        "invoice edit A-2 --amount 250 --due 2026-12-15 --description 'Design work' --pay-link https://pay.example/a2",
    );
    let a2 = invoice(&env, "A-2");
    for (field, value) in [
        ("amount", "250.00"),
        ("due", "2026-12-15"),
        ("status", "open"),
        ("description", "Design work"),
        ("pay_link", "https://pay.example/a2"),
    ] {
        assert_eq!(a2[field], value, "A-2 {field}");
    }

    assert_contains(&ok(&env, "invoice void A-2 --reason 'sent twice'"), &["voided"]);
    let a2 = invoice(&env, "A-2");
    assert_eq!(a2["status"], "void");
    assert_events(&a2, &[("closed", "void · sent twice")]);
    assert_eq!(numbers("--status void"), ["A-2"]);
    assert_contains(run(&env, "pay A-2 10").fails(1), &["A-2", "void"]);
}

/// `paid`, `balance` and `status` of an invoice.
fn money(env: &Env, number: &str) -> [String; 3] {
    let v = invoice(env, number);
    ["paid", "balance", "status"].map(|k| v[k].as_str().unwrap().to_string())
}

#[test]
fn pay_partial_then_the_whole_balance() {
    let env = Env::new();
    env.with_acme();
    assert_contains(
        &ok(&env, "pay 2026-014 200.50 --note 'first part'"),
        &["balance 999.50 SEK"],
    );
    assert_eq!(money(&env, "2026-014"), ["200.50", "999.50", "open"]);

    assert_contains(&ok(&env, "pay 2026-014"), &["999.50 SEK", "paid in full"]);
    assert_eq!(money(&env, "2026-014"), ["1200.00", "0.00", "paid"]);
    assert_events(
        &invoice(&env, "2026-014"),
        &[("payment", "200.50 SEK · first part"), ("payment", "999.50 SEK")],
    );
}

/// Each currency's own number of decimals, end to end: typed, stored as
/// minor units, shown back, and paid to the last minor unit.
#[test]
fn amounts_keep_the_decimals_of_their_currency() {
    let env = Env::new();
    ok(&env, "client add Acme --handle acme");
    for (currency, typed, shown, part, left) in [
        ("JPY", "5000", "5000", "1", "4999"),
        ("EUR", "1200.5", "1200.50", "0.01", "1200.49"),
        ("KWD", "1.2", "1.200", "0.001", "1.199"),
        ("CLF", "3", "3.0000", "0.0001", "2.9999"),
    ] {
        let number = format!("N-{currency}");
        ok(
            &env,
            &format!("invoice add {number} --client acme --amount {typed} --currency {currency}"),
        );
        ok(&env, &format!("pay {number} {part}"));
        assert_eq!(invoice(&env, &number)["amount"], shown, "{currency}");
        assert_eq!(money(&env, &number), [part, left, "open"], "{currency}");
    }
}

#[test]
fn settle_and_write_off_end_the_road() {
    let env = Env::new();
    env.with_acme();
    ok(
        &env,
        "invoice add 2026-015 --client acme --amount 500 --currency SEK",
    );

    let settled = ok(&env, "settle 2026-014 1000 --note 'agreed by phone'");
    assert_contains(&settled, &["1,000.00 SEK received", "200.00 SEK written down"]);
    assert_eq!(money(&env, "2026-014"), ["1000.00", "0.00", "settled"]);
    assert_eq!(invoice(&env, "2026-014")["written_down"], "200.00");

    ok(&env, "pay 2026-015 100");
    assert_contains(
        &ok(&env, "write-off 2026-015 --reason 'went bankrupt'"),
        &["wrote off 400.00 SEK"],
    );
    assert_eq!(money(&env, "2026-015"), ["100.00", "0.00", "written-off"]);
    let view = invoice(&env, "2026-015");
    assert_eq!(view["written_down"], "400.00");
    assert_events(
        &view,
        &[("closed", "written-off, 400.00 SEK written down · went bankrupt")],
    );

    let list = run(&env, "client list --format json").json();
    assert_eq!(list[0]["open_invoices"], 0, "neither is open any more");
}

#[test]
fn log_records_calls_replies_and_promises() {
    let mut env = Env::new();
    env.set_today("2026-12-03");
    env.with_acme();
    let call = ok(&env, "log 2026-014 call --outcome voicemail --on 2026-12-02");
    assert_contains(&call, &["logged call to the client", "2026-12-02"]);
    let reply = ok(
        &env,
        "log 2026-014 email --inbound --outcome replied --note 'paying next week'",
    );
    assert_contains(&reply, &["from the client"]);
    assert_eq!(
        invoice(&env, "2026-014")["status"],
        "overdue",
        "a log entry alone is no hold"
    );

    let promised = ok(
        &env,
        "log 2026-014 call --outcome promised --until 2026-12-10 --note 'pays on the 10th'",
    );
    assert_contains(&promised, &["held until 2026-12-10"]);
    let view = invoice(&env, "2026-014");
    assert_eq!(
        (view["status"].as_str(), view["hold"].as_str()),
        (Some("on-hold"), Some("promise"))
    );
    assert_events(
        &view,
        &[
            ("hold", "promise until 2026-12-10"),
            ("contact", "call to client · voicemail"),
            ("contact", "email from client · replied · paying next week"),
            ("contact", "call to client · promised · pays on the 10th"),
        ],
    );

    let contacts = statement(&env, "acme")["contacts"].clone();
    let seen: Vec<[&str; 4]> = contacts
        .as_array()
        .unwrap()
        .iter()
        .map(|c| ["date", "channel", "direction", "outcome"].map(|k| c[k].as_str().unwrap()))
        .collect();
    assert_eq!(
        seen,
        [
            ["2026-12-03", "call", "out", "promised"],
            ["2026-12-03", "email", "in", "replied"],
            ["2026-12-02", "call", "out", "voicemail"],
        ],
        "newest first"
    );
}

#[test]
fn holds_promise_dispute_resolve_pause_resume() {
    let mut env = Env::new();
    env.set_today("2026-12-03");
    env.with_acme();
    // (status, hold) of the invoice as seen on `today`.
    let on = |today: &str| {
        let v = run(
            &env,
            &format!("invoice show 2026-014 --format json --today {today}"),
        )
        .json();
        (
            v["status"].as_str().unwrap().to_string(),
            v["hold"].as_str().map(String::from),
        )
    };
    let held = |kind: &str| ("on-hold".to_string(), Some(kind.to_string()));
    let overdue = ("overdue".to_string(), None);

    ok(&env, "promise 2026-014 --until 2026-12-08 --note 'CFO promised'");
    assert_eq!(on("2026-12-08"), held("promise"), "held on the promised day");
    assert_eq!(on("2026-12-09"), overdue, "the day after, the ladder resumes");

    assert_contains(
        &ok(&env, "dispute 2026-014 --reason 'hours disputed'"),
        &["disputed"],
    );
    assert_eq!(
        on("2026-12-20"),
        held("dispute"),
        "a dispute holds until resolved"
    );
    assert_contains(run(&env, "dispute 2026-014").fails(1), &["already"]);
    ok(&env, "resolve 2026-014");
    assert_eq!(on("2026-12-20"), overdue);
    assert_contains(run(&env, "resolve 2026-014").fails(1), &["not disputed"]);

    ok(&env, "pause 2026-014");
    assert_eq!(
        on("2027-06-01"),
        held("pause"),
        "a pause without --until holds until resumed"
    );
    ok(&env, "resume 2026-014");
    assert_eq!(on("2026-12-20"), overdue);
    assert_contains(run(&env, "resume 2026-014").fails(1), &["not paused"]);
    ok(&env, "pause 2026-014 --until 2026-12-15");
    assert_eq!(on("2026-12-15"), held("pause"));
    assert_eq!(on("2026-12-16"), overdue);

    assert_events(
        &invoice(&env, "2026-014"),
        &[
            ("hold", "promise until 2026-12-08 · CFO promised"),
            ("hold", "dispute · hours disputed"),
            ("hold ended", "dispute ended"),
            ("hold ended", "pause ended"),
            ("hold", "pause until 2026-12-15"),
        ],
    );
}

#[test]
fn completions_for_bash() {
    let env = Env::new();
    let out = ok(&env, "completions bash");
    assert!(out.len() > 1000, "a completion script:\n{out}");
    assert_contains(&out, &["_dun()", "invoice", "write-off"]);
    assert!(!env.db().exists(), "completions create no database");
}

#[test]
fn global_options_work_after_the_subcommand_and_from_the_environment() {
    let env = Env::new();
    env.with_acme();
    let first = |line: &str| run(&env, line).json()[0].clone();

    // DUN_TODAY is 2026-12-01, the due date: open. --today overrides it, before or after the subcommand.
    assert_eq!(first("invoice list --format json")["status"], "open");
    let late = first("invoice list --format json --today 2026-12-11");
    assert_eq!(
        (late["status"].as_str(), late["days_overdue"].as_i64()),
        (Some("overdue"), Some(10))
    );
    assert_eq!(first("--today 2026-12-11 --format json invoice list"), late);

    // --db after the subcommand wins over DUN_DB, and its folder is created.
    let other = env.dir.path().join("elsewhere").join("other.db");
    let other = other.to_str().unwrap();
    ok(&env, &format!("client add 'Other Co' --db {other}"));
    assert_eq!(
        first(&format!("client list --db {other} --format json"))["handle"],
        "other-co"
    );
    assert_eq!(first("client list --format json")["handle"], "acme");

    // DUN_CONFIG is read; --config after the subcommand wins over it.
    env.write_config("[defaults]\nterms_days = 10\n");
    let config = env.dir.path().join("other.toml");
    std::fs::write(&config, "[defaults]\nterms_days = 20\n").unwrap();
    ok(
        &env,
        "invoice add T-10 --client acme --amount 1 --issued 2026-11-01",
    );
    ok(
        &env,
        &format!(
            "invoice add T-20 --client acme --amount 1 --issued 2026-11-01 --config {}",
            config.display()
        ),
    );
    assert_eq!(invoice(&env, "T-10")["due"], "2026-11-11");
    assert_eq!(invoice(&env, "T-20")["due"], "2026-11-21");

    let quiet = run(&env, "client add 'Silent AB' --quiet");
    assert_eq!(
        (quiet.ok(), quiet.stderr.as_str()),
        ("", ""),
        "not even the no-e-mail note"
    );
    assert_contains(&run(&env, "client list -v").stderr, &[env.db().to_str().unwrap()]);
    assert!(ok(&env, "client show acme --color always").contains("\x1b[1m"));
    assert!(!ok(&env, "client show acme --color never").contains('\x1b'));
}

/// STYLE.md habit 1: `dun … | head` closing the pipe early is not a failure,
/// and nothing panics.
#[test]
fn a_closed_stdout_is_not_a_failure() {
    let env = Env::new();
    env.with_acme();
    let failures = [
        "completions bash",
        "client list --format csv",
        "invoice list --format json",
        "invoice show 2026-014",
        "invoice show 2026-014 --format json",
        "client show acme --format json",
        "pay 2026-014 100",
    ]
    .into_iter()
    .filter_map(|line| {
        let args = words(line);
        let r = env.run_into_closed_pipe(&args.iter().map(String::as_str).collect::<Vec<_>>());
        let first = r.stderr.lines().next().unwrap_or("");
        (r.code != 0 || !r.stderr.is_empty()).then(|| format!("dun {line}: exit {}, stderr: {first}", r.code))
    })
    .collect();
    assert_none_failed(failures);
    assert_eq!(
        invoice(&env, "2026-014")["paid"],
        "100.00",
        "the payment was recorded all the same"
    );
}

// ---------------------------------------------------------------------------
// Bad input: refused in one line that names it, and nothing written.

/// One bad command on a database holding `acme` and its invoice 2026-014
/// (1200.00 SEK, due 2026-12-01), with today 2026-12-01.
struct Bad {
    line: &'static str,
    /// What the one-line error must contain.
    names: &'static [&'static str],
    /// A config file to write before the command.
    config: Option<&'static str>,
}

const fn bad(line: &'static str, names: &'static [&'static str]) -> Bad {
    Bad {
        line,
        names,
        config: None,
    }
}

const fn bad_config(config: &'static str, line: &'static str, names: &'static [&'static str]) -> Bad {
    Bad {
        line,
        names,
        config: Some(config),
    }
}

const BAD_INPUTS: &[Bad] = &[
    // Amounts.
    bad(
        "invoice add X-1 --client acme --amount=-5",
        &["\"-5\"", "negative"],
    ),
    bad("invoice add X-1 --client acme --amount 0", &["\"0\"", "zero"]),
    bad(
        "invoice add X-1 --client acme --amount 0.00",
        &["\"0.00\"", "zero"],
    ),
    bad(
        "invoice add X-1 --client acme --amount 12abc",
        &["\"12abc\"", "1200.50"],
    ),
    bad(
        "invoice add X-1 --client acme --amount 1.200,50",
        &["\"1.200,50\"", "1200.50"],
    ),
    bad(
        "invoice add X-1 --client acme --amount 1.234 --currency EUR",
        &["\"1.234\"", "EUR"],
    ),
    bad(
        "invoice add X-1 --client acme --amount 5.5 --currency JPY",
        &["\"5.5\"", "JPY"],
    ),
    bad(
        "invoice add X-1 --client acme --amount 99999999999999999999",
        &["99999999999999999999"],
    ),
    bad("invoice edit 2026-014 --amount abc", &["\"abc\""]),
    bad("pay 2026-014 0", &["\"0\""]),
    bad("pay 2026-014 1.200,50", &["\"1.200,50\""]),
    bad("pay 2026-014 5000", &["5000", "balance"]),
    bad("settle 2026-014 1300", &["1300", "balance"]),
    // Currencies and dates.
    bad(
        "invoice add X-1 --client acme --amount 5 --currency XYZ",
        &["\"XYZ\"", "ISO 4217"],
    ),
    bad(
        "invoice add X-1 --client acme --amount 5 --issued 2027-02-30",
        &["2027-02-30"],
    ),
    bad(
        "invoice add X-1 --client acme --amount 5 --due 04.12.2026",
        &["04.12.2026", "YYYY-MM-DD"],
    ),
    bad(
        "invoice add X-1 --client acme --amount 5 --issued 2026-12-01 --due 2026-11-30",
        &["2026-11-30"],
    ),
    bad("invoice edit 2026-014 --due 2026-10-01", &["2026-10-01"]),
    bad("pay 2026-014 5 --on 2026-02-30", &["2026-02-30"]),
    bad("invoice list --today 2026-13-01", &["2026-13-01"]),
    // Numbers and handles that do not exist, or exist already.
    bad(
        "invoice add 2026-014 --client acme --amount 5",
        &["2026-014", "already exists"],
    ),
    bad(
        "invoice add X-1 --client nobody --amount 5",
        &["no client `nobody`", "dun client list"],
    ),
    bad("pay 2026-099 5", &["2026-099", "not found"]),
    bad("log 2026-099 call", &["2026-099", "not found"]),
    bad("invoice list --client nobody", &["`nobody`"]),
    bad("client add 'Acme Again' --handle acme", &["\"acme\"", "taken"]),
    // Named as SPEC.md §4 "Naming clients" says (issue 13).
    bad(
        "invoice add X-1 --client acmee --amount 5",
        &["no client `acmee`", "did you mean `acme`?"],
    ),
    bad(
        "pay 2026-14 5",
        &["invoice 2026-14 not found", "did you mean 2026-014?"],
    ),
    bad(
        "client add 'ACME AB' --email ap@acme.example",
        &["already here as `acme`", "--handle"],
    ),
    bad("client edit acme --handle 'Acme AB'", &["\"Acme AB\""]),
    bad("invoice edit 2026-014 --client nobody", &["no client `nobody`"]),
    bad(
        "send --dry-run --except nobody",
        &["--except nobody", "no client `nobody`"],
    ),
    bad(
        "log 2026-014 call --outcome promised",
        &["--outcome promised", "--until DATE"],
    ),
    bad("log 2026-014 call --deadline 10", &["--deadline", "letter"]),
    bad("client remove acme", &["acme", "invoice"]),
    // Names, addresses and other text.
    bad("client add ''", &["name is empty"]),
    bad("client add '   '", &["name is empty"]),
    bad("client add Foo --email not-an-email", &["\"not-an-email\""]),
    bad(
        "client add Foo --email 'ap@acme.example\nBcc: x@evil.example'",
        &["ap@acme.example", "Bcc: x@evil.example"],
    ),
    bad("client add 'Foo\nBcc: x@evil.example'", &["Foo\\nBcc"]),
    bad("client edit acme --name 'Acme\r\nBcc: x'", &["Acme\\r\\nBcc"]),
    bad("client add Foo --handle 'Bad Handle'", &["\"Bad Handle\""]),
    bad("client add Foo --phone 'call me'", &["\"call me\""]),
    bad("client add Foo --lang de", &["\"de\"", "sv"]),
    bad("client add Foo --contact 'Erik <erik>'", &["erik"]),
    bad(
        "invoice add '2026 014' --client acme --amount 5",
        &["\"2026 014\""],
    ),
    // Who a client is on paper and in law.
    bad("client add Foo --country XX", &["\"XX\"", "ISO 3166-1"]),
    bad("client add Foo --country UK", &["\"UK\"", "GB"]),
    bad("client edit acme --country Sweden", &["\"Sweden\""]),
    bad("client add Foo --address ' | '", &["address is empty"]),
    bad(
        "client add Foo --address 'Storgatan 1\t| 111 22'",
        &["control character"],
    ),
    bad_config(
        "[defaults]\ncountry = \"Sverige\"\n",
        "client add Foo",
        &["country", "\"Sverige\"", "line 2"],
    ),
    // Only what can be sent (issue 7, reliability report F9, F10, F12).
    bad("client add Foo --email a..b@x.example", &["\"a..b@x.example\""]),
    bad("client add Foo --email a@-x.example", &["\"a@-x.example\"", "-"]),
    bad("client add Foo --email '\u{202e}a@x.example'", &["a@x.example\""]),
    bad(
        "client edit acme --email 'a\u{200b}b@x.example'",
        &["b@x.example\""],
    ),
    bad("client add 'Foo\u{202e}Bar'", &["U+202E", "client name"]),
    bad(
        "client add Foo --contact 'Erik\u{2066}Berg <erik@x.example>'",
        &["U+2066"],
    ),
    bad(
        "invoice add 'X\u{200b}1' --client acme --amount 5",
        &["invoice number", "visible"],
    ),
    bad(
        "invoice add '\u{202e}evil\u{202c}' --client acme --amount 5",
        &["invoice number"],
    ),
    bad(
        "invoice add FAR-1 --client acme --amount 10 --issued 9999-12-31 --terms 3650",
        &["+10009-12-28", "9999-12-31", "--terms"],
    ),
    bad("pay 2026-014 5 --on 2026-12-05", &["2026-12-05", "after today"]),
    bad("pay 2026-014 5 --on 9999-12-31", &["9999-12-31", "after today"]),
    bad(
        "settle 2026-014 5 --on 2026-12-02",
        &["2026-12-02", "after today"],
    ),
    bad(
        "log 2026-014 call --on 2026-12-02",
        &["2026-12-02", "after today"],
    ),
    bad(
        "log 2026-014 email --outcome replied --on tomorrow",
        &["tomorrow"],
    ),
    bad("invoice list --today +2026-01-01", &["+2026-01-01", "YYYY-MM-DD"]),
    bad("invoice list --today 2026-1-1", &["2026-1-1", "YYYY-MM-DD"]),
    bad("client show acme --format csv", &["CSV", "json"]),
    bad("invoice show 2026-014 --format csv", &["CSV", "json"]),
    bad_config(
        "[sender]\nname = \"Fia\u{202e}\"\n",
        "client add Foo",
        &["[sender] name", "U+202E", "line 2"],
    ),
    // Words of the log, the ladder and the holds.
    bad("log 2026-014 fax", &["\"fax\"", "call"]),
    bad("log 2026-014 call --outcome happy", &["\"happy\"", "promised"]),
    bad("log 2026-014 call --until 2026-12-20", &["--until", "promised"]),
    bad(
        "log 2026-014 call --outcome promised --until 2026-11-01",
        &["2026-11-01"],
    ),
    bad("log 2026-014 call --step lawyer", &["\"lawyer\"", "reminder"]),
    bad(
        "invoice add X-1 --client acme --amount 5 --step lawyer",
        &["\"lawyer\""],
    ),
    bad("invoice list --status late", &["\"late\"", "overdue"]),
    bad("promise 2026-014 --until 2026-11-01", &["2026-11-01", "past"]),
    bad("pause 2026-014 --until yesterday", &["2026-11-30", "past"]),
    bad("resolve 2026-014", &["2026-014", "not disputed"]),
    bad("resume 2026-014", &["2026-014", "not paused"]),
    // The config file.
    bad_config(
        "[defaults]\ncolour = \"red\"\n",
        "client add Foo",
        &["colour", "line 2"],
    ),
    bad_config(
        "# mine\n\n[sched]\nmin_gap_days = 3\n",
        "client add Foo",
        &["sched", "line 3"],
    ),
    bad_config(
        "[defaults]\ncurrency = \"XXX\"\n",
        "invoice add X-1 --client acme --amount 5",
        &["currency", "\"XXX\"", "line 2"],
    ),
    // The law: charges, rates and the demand letter's deadline (issue 10).
    bad_config(
        "[fees]\nstatutory = true\nflat_fee = \"40.00\"\n",
        "client add Foo",
        &["statutory", "flat_fee", "line 3"],
    ),
    bad_config(
        "[fees]\nstatutory = true\ninterest_percent = 8.0\n",
        "client add Foo",
        &["statutory", "interest_percent"],
    ),
    bad_config(
        "[[fees.reference_rate]]\ncountry = \"SE\"\nfrom = \"2027-13-01\"\npercent = 2.5\n",
        "client add Foo",
        &["reference_rate", "2027-13-01", "line 3", "YYYY-MM-DD"],
    ),
    bad_config(
        "[[fees.reference_rate]]\ncountry = \"SE\"\nfrom = \"2027-07-01\"\nuntil = \"2027-01-01\"\npercent = 2.5\n",
        "client add Foo",
        &["2027-01-01", "before"],
    ),
    bad_config(
        "[[fees.reference_rate]]\ncountry = \"XX\"\nfrom = \"2027-01-01\"\npercent = 2.5\n",
        "client add Foo",
        &["\"XX\"", "EU", "line 2"],
    ),
    bad_config(
        "[fees.eur_rates]\nRON = -4.97\n",
        "client add Foo",
        &["RON", "-4.97", "line 2"],
    ),
    bad_config(
        "[fees.flat_fee]\nEURO = \"40.00\"\n",
        "client add Foo",
        &["EURO", "line 2"],
    ),
    bad_config(
        "[payment_instructions]\nKRONOR = \"Bankgiro 123-4567\"\n",
        "client add Foo",
        &["KRONOR", "line 2"],
    ),
    bad_config(
        "[defaults]\ncountry = \"RO\"\n",
        "letter 2026-014 --deadline 10",
        &["--deadline 10", "Romania", "15", "1.015"],
    ),
    bad_config(
        "[defaults]\ncountry = \"SE\"\n",
        "letter 2026-014 --deadline 7",
        &["--deadline 7", "Sweden", "8"],
    ),
    bad("client add Foo --email 'Jane <jane@acme>'", &["Jane <jane@acme>"]),
    bad(
        "client add Foo --email 'Cole, Jane <jane@acme.example>'",
        &["Cole, Jane"],
    ),
    // Issue 13: config values of the wrong type said in words, a ladder step's line.
    bad_config(
        "[smtp]\nhost = \"localhost\"\nport = \"28525\"\n",
        "due",
        &["line 3", "port must be a whole number", "like 587"],
    ),
    bad_config(
        "[fees]\nflat_fee = 60\n",
        "overdue",
        &["line 2", "flat_fee must be in quotes, like \"40.00\""],
    ),
    bad_config(
        "[fees]\ninterest_percent = \"8%\"\n",
        "overdue",
        &["line 2", "interest_percent must be a number, like 8.0"],
    ),
    bad_config(
        "[[ladder]]\nname = \"reminder\"\nday = 0\naction = \"email\"\ntemplate = \"reminder\"\n\n[[ladder]]\nname = \"x\"\nday = 5\naction = \"fax\"\n",
        "due",
        &["line 10", "step 2 \"x\"", "\"fax\""],
    ),
    bad("summary --format csv", &["csv", "--format json"]),
];

#[test]
fn bad_input_is_refused_in_one_line_and_changes_nothing() {
    let failures = BAD_INPUTS
        .iter()
        .filter_map(|case| {
            let env = Env::new();
            env.with_acme();
            if let Some(text) = case.config {
                env.write_config(text);
            }
            check_refused(&env, case.line, case.names).err()
        })
        .collect();
    assert_none_failed(failures);
}

/// Issue 13: a user template that uses a value dun does not give names it.
#[test]
fn an_unknown_value_in_a_user_template_is_named_and_changes_nothing() {
    let env = Env::new();
    env.with_acme();
    let path = env.config().parent().unwrap().join("templates/en/reminder.txt");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(
        &path,
        "Subject: Invoice {{ invoices[0].number }}\n\nHello {{ client_nmae }},\n",
    )
    .unwrap();
    let failures: Vec<String> = ["preview 2026-014", "send --dry-run"]
        .iter()
        .filter_map(|line| {
            check_refused(&env, line, &["reminder.txt", "line 3", "client_nmae", "client"]).err()
        })
        .collect();
    assert_none_failed(failures);
}

#[test]
fn a_client_carries_its_address_company_number_country_and_kind() {
    let env = Env::new();
    env.write_config("[defaults]\ncountry = \"SE\"\n");
    ok(
        &env,
        "client add 'Thistle & Pine Ltd' --handle thistle --address '1 High Street | Leith | Edinburgh EH6 6QX' --org-number SC123456 --country gb",
    );
    let s = statement(&env, "thistle");
    assert_eq!(s["address"], json!("1 High Street\nLeith\nEdinburgh EH6 6QX"));
    assert_eq!(s["org_number"], json!("SC123456"));
    assert_eq!(s["country"], json!("GB"));
    assert_eq!(s["consumer"], json!(false));
    let shown = ok(&env, "client show thistle");
    assert_contains(
        &shown,
        &[
            "address   1 High Street",
            "            Leith",
            "company   SC123456",
            "law       GB, business",
        ],
    );

    ok(&env, "client add 'Eva Ek' --handle eva --consumer");
    assert_contains(
        &ok(&env, "client show eva"),
        &["law       SE (from [defaults] country), consumer"],
    );
    ok(
        &env,
        "client edit eva --business --country '' --address 'Ekvägen 2\n123 45 Ek'",
    );
    let s = statement(&env, "eva");
    assert_eq!(s["consumer"], json!(false));
    assert_eq!(s["country"], Value::Null);
    assert_eq!(s["address"], json!("Ekvägen 2\n123 45 Ek"));
    ok(&env, "client edit thistle --address '' --org-number ''");
    let s = statement(&env, "thistle");
    assert_eq!(
        (s["address"].clone(), s["org_number"].clone()),
        (Value::Null, Value::Null)
    );
}

#[test]
fn a_schema_2_database_rebuilds_its_log_and_keeps_every_entry() {
    let env = Env::new();
    std::fs::create_dir_all(env.db().parent().unwrap()).unwrap();
    {
        // The file as dun 0.1.0 left it: migrations 1 and 2, with a log.
        let conn = rusqlite::Connection::open(env.db()).unwrap();
        conn.execute_batch(include_str!("../../migrations/0001_ledger.sql"))
            .unwrap();
        conn.execute_batch(include_str!("../../migrations/0002_scan_index.sql"))
            .unwrap();
        conn.execute_batch(&format!(
            "PRAGMA application_id = {APPLICATION_ID}; PRAGMA user_version = 2;
             INSERT INTO client (handle, name, emails, lang, created_at)
                 VALUES ('acme', 'Acme AB', 'ap@acme.example', 'sv', '2026-11-01T00:00:00Z');
             INSERT INTO invoice (number, client_id, issued, due, amount, currency, entered_on, created_at)
                 VALUES ('2026-014', 1, '2026-11-01', '2026-11-20', 120000, 'SEK', '2026-11-01', '2026-11-01T00:00:00Z');
             INSERT INTO contact_log (invoice_id, channel, on_date, at, step, delivery, message_id, recipients, subject)
                 VALUES (1, 'email', '2026-11-20', '2026-11-20T08:00:00Z', 'reminder', 'sent', '<a@x>', 'ap@acme.example', 'Påminnelse');
             INSERT INTO contact_log (invoice_id, channel, on_date, at, outcome, note)
                 VALUES (1, 'call', '2026-11-23', '2026-11-23T09:00:00Z', 'no-answer', 'rang twice');
             INSERT INTO contact_log (invoice_id, channel, inbound, on_date, at, outcome)
                 VALUES (1, 'email', 1, '2026-11-24', '2026-11-24T10:00:00Z', 'replied');
             INSERT INTO contact_log (invoice_id, channel, on_date, at, step, delivery, message_id)
                 VALUES (1, 'email', '2026-11-27', '2026-11-27T08:00:00Z', 'follow-up', 'pending', '<b@x>');"
        ))
        .unwrap();
    }
    let r = run(&env, "invoice show 2026-014 --format json");
    assert_contains(&r.stderr, &["upgraded", "from 2 to"]);
    let shown: Value = serde_json::from_str(r.ok()).unwrap();
    let timeline = shown["timeline"].to_string();
    assert_contains(&timeline, &["reminder", "rang twice", "replied", "follow-up"]);
    let conn = open_db(&env.db());
    let rows: Vec<(i64, String, Option<String>, Option<String>)> = conn
        .prepare("SELECT id, channel, outcome, delivery FROM contact_log ORDER BY id")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(
        rows,
        [
            (1, "email".into(), None, Some("sent".into())),
            (2, "call".into(), Some("no-answer".into()), None),
            (3, "email".into(), Some("replied".into()), None),
            (4, "email".into(), None, Some("pending".into())),
        ]
    );
    // Still append-only after the rebuild, and the new words fit.
    assert!(conn.execute("DELETE FROM contact_log", []).is_err());
    assert!(conn.execute("UPDATE contact_log SET note = 'x'", []).is_err());
    assert!(
        conn.execute("UPDATE contact_log SET deadline = '2027-01-01'", [])
            .is_err()
    );
    assert!(
        conn.execute("UPDATE contact_log SET delivery = 'sent' WHERE id = 1", [])
            .is_err()
    );
    conn.execute("UPDATE contact_log SET delivery = 'sent' WHERE id = 4", [])
        .unwrap();
    conn.execute(
        "INSERT INTO contact_log (invoice_id, channel, inbound, on_date, at, outcome, message_key)
         VALUES (1, 'email', 1, '2026-11-28', 'x', 'auto-reply', '<ooo@x>')",
        [],
    )
    .unwrap();
    let again = conn.execute(
        "INSERT INTO contact_log (invoice_id, channel, inbound, on_date, at, outcome, message_key)
         VALUES (1, 'email', 1, '2026-11-28', 'x', 'auto-reply', '<ooo@x>')",
        [],
    );
    assert!(again.is_err(), "one message is logged once per invoice");
}

#[test]
fn a_closed_invoice_refuses_more_records() {
    let env = Env::new();
    env.with_acme();
    ok(&env, "pay 2026-014");
    let failures = [
        "pay 2026-014 1",
        "promise 2026-014 --until 2026-12-20",
        "log 2026-014 call --outcome promised --until 2026-12-20",
        "dispute 2026-014",
        "invoice void 2026-014",
        "settle 2026-014 1",
        "write-off 2026-014",
    ]
    .into_iter()
    .filter_map(|line| check_refused(&env, line, &["2026-014", "paid"]).err())
    .collect();
    assert_none_failed(failures);
}

/// `--amount -5` and `dun pay N -5`, typed the way people type them, reach
/// clap as an unknown flag: its multi-line usage error, whose tip is to
/// write `-- -5`, instead of dun's own message that amounts are positive.
#[test]
fn a_negative_amount_typed_plainly_gets_dun_s_own_message() {
    let env = Env::new();
    env.with_acme();
    let failures = [
        "invoice add X-1 --client acme --amount -5",
        "pay 2026-014 -5",
        "settle 2026-014 -5",
    ]
    .into_iter()
    .filter_map(|line| check_refused(&env, line, &["\"-5\"", "negative"]).err())
    .collect();
    assert_none_failed(failures);
}

#[test]
fn check_refused_notices_a_write_and_a_success() {
    let env = Env::new();
    env.with_acme();
    let e = check_refused(&env, "pay 2026-014 1", &[]).unwrap_err();
    assert_contains(&e, &["exit 0", "stdout", "the database changed"]);
}

// ---------------------------------------------------------------------------
// The file: schema, modes, and files that are not dun's.

#[test]
fn a_fresh_database_is_marked_versioned_in_wal_with_foreign_keys() {
    let env = Env::new();
    ok(&env, "client list");
    let db = env.db();
    assert_eq!(mode(&db), 0o600);
    assert_eq!(mode(db.parent().unwrap()), 0o700);

    let migrations = std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations"))
        .unwrap()
        .filter(|e| e.as_ref().unwrap().path().extension().is_some_and(|x| x == "sql"))
        .count();
    let conn = open_db(&db);
    assert_eq!(pragma_i64(&conn, "application_id"), APPLICATION_ID);
    assert_eq!(pragma_i64(&conn, "user_version"), migrations as i64);
    let journal: String = conn.query_row("PRAGMA journal_mode", [], |r| r.get(0)).unwrap();
    assert_eq!(journal, "wal");

    for (table, parent) in [
        ("invoice", &["client"][..]),
        ("payment", &["invoice"]),
        ("hold", &["invoice"]),
        ("contact_log", &["invoice", "send_run"]),
        ("escalation_contact", &["client"]),
    ] {
        let sql = format!("SELECT \"table\" FROM pragma_foreign_key_list('{table}')");
        let mut parents: Vec<String> = conn
            .prepare(&sql)
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        parents.sort();
        assert_eq!(parents, parent, "{table} references {parent:?}");
    }
    conn.pragma_update(None, "foreign_keys", "ON").unwrap();
    let orphan = conn.execute(
        "INSERT INTO payment (invoice_id, amount, paid_on, created_at) VALUES (999, 100, '2026-12-01', 'now')",
        [],
    );
    assert!(orphan.is_err(), "a payment for no invoice is refused");
}

#[test]
fn the_schema_holds_after_every_kind_of_record() {
    let mut env = Env::new();
    env.set_today("2026-12-03");
    env.with_acme();
    for line in [
        "client add 'Beta AB' --contact 'Ann <ann@beta.example>' --role owner",
        "invoice add B-1 --client beta-ab --amount 10",
        "client edit beta-ab --remove-contact Ann",
        "pay 2026-014 100",
        "log 2026-014 call --outcome promised --until 2026-12-10",
        "dispute 2026-014",
        "resolve 2026-014",
        "write-off 2026-014",
        "invoice void B-1",
    ] {
        ok(&env, line);
    }
    let conn = open_db(&env.db());
    let broken: i64 = conn
        .query_row("SELECT COUNT(*) FROM pragma_foreign_key_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(broken, 0);
    let check: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
}

#[test]
fn the_contact_log_is_append_only() {
    let env = Env::new();
    env.with_acme();
    ok(&env, "log 2026-014 call --note evidence");
    let conn = open_db(&env.db());
    for sql in [
        "DELETE FROM contact_log",
        "UPDATE contact_log SET note = 'rewritten'",
        "UPDATE contact_log SET on_date = '2020-01-01'",
    ] {
        let err = conn.execute(sql, []).expect_err(sql).to_string();
        assert!(err.contains("append-only"), "{sql}: {err}");
    }
    drop(conn);
    assert_events(&invoice(&env, "2026-014"), &[("contact", "evidence")]);
}

/// Writes a SQLite file at the env's database path with `setup` run on it.
fn make_sqlite(env: &Env, setup: &str) {
    std::fs::create_dir_all(env.db().parent().unwrap()).unwrap();
    Connection::open(env.db()).unwrap().execute_batch(setup).unwrap();
}

/// The files in the database's folder, to check that dun left nothing behind.
fn folder(env: &Env) -> Vec<String> {
    let entries = std::fs::read_dir(env.db().parent().unwrap()).unwrap();
    let mut names: Vec<_> = entries
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Runs a reading and a writing command on a file dun must refuse; checks
/// the message and that the file and its folder are as they were.
#[track_caller]
fn assert_refused_untouched(env: &Env, names: &[&str]) {
    let files = folder(env);
    for line in ["invoice list", "client add Foo"] {
        if let Err(e) = check_refused(env, line, names) {
            panic!("{e}");
        }
        assert_eq!(folder(env), files, "dun {line} left files behind");
    }
}

#[test]
fn a_database_from_a_newer_dun_is_refused_untouched() {
    let env = Env::new();
    env.with_acme();
    let newer = pragma_i64(&open_db(&env.db()), "user_version") + 1;
    open_db(&env.db())
        .pragma_update(None, "user_version", newer)
        .unwrap();
    let db = env.db();
    assert_refused_untouched(
        &env,
        &[db.to_str().unwrap(), "newer dun", &format!("schema {newer}")],
    );
}

#[test]
fn another_programs_sqlite_file_is_refused_untouched() {
    let env = Env::new();
    make_sqlite(
        &env,
        "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT); INSERT INTO notes (body) VALUES ('mine');",
    );
    assert_refused_untouched(&env, &[env.db().to_str().unwrap(), "not a dun database"]);
}

#[test]
fn a_sqlite_file_with_another_application_id_is_refused_untouched() {
    let env = Env::new();
    make_sqlite(&env, "PRAGMA application_id = 1234;");
    assert_refused_untouched(&env, &["not a dun database"]);
}

#[test]
fn a_text_file_given_as_the_database_is_refused_untouched() {
    let env = Env::new();
    std::fs::create_dir_all(env.db().parent().unwrap()).unwrap();
    std::fs::write(env.db(), "these are my notes, not a database\n".repeat(100)).unwrap();
    // Not SQLite at all: said so, and not called another program's database.
    assert_refused_untouched(
        &env,
        &[env.db().to_str().unwrap(), "not an SQLite file", "not a database"],
    );
}

/// A file marked as dun's at schema 0 (dun stopped right after creating
/// it): a private backup next to the file, then every migration.
#[test]
fn a_database_at_an_older_schema_is_backed_up_then_migrated() {
    let env = Env::new();
    make_sqlite(&env, &format!("PRAGMA application_id = {APPLICATION_ID};"));
    let old = env.db_bytes();
    let r = run(&env, "client add 'Acme AB'");
    assert_eq!(r.ok(), "acme-ab\n");
    assert_contains(&r.stderr, &["upgraded", "from 0"]);
    let backup = env.db().with_file_name("dun.db.v0.backup");
    assert!(backup.exists(), "{:?}", folder(&env));
    assert_eq!(mode(&backup), 0o600);
    assert_eq!(pragma_i64(&open_db(&backup), "user_version"), 0);
    assert_ne!(env.db_bytes(), old);
    assert!(pragma_i64(&open_db(&env.db()), "user_version") >= 1);
    assert_eq!(statement(&env, "acme-ab")["name"], "Acme AB");
}

/// A database exactly as the first released dun left it (schema 1: only
/// 0001_ledger.sql), holding a client, an invoice and a contact, upgrades to
/// the current schema with a backup beside it and every record kept.
#[test]
fn a_schema_1_database_with_records_upgrades_and_keeps_them() {
    let env = Env::new();
    std::fs::create_dir_all(env.db().parent().unwrap()).unwrap();
    {
        let conn = rusqlite::Connection::open(env.db()).unwrap();
        conn.execute_batch(include_str!("../../migrations/0001_ledger.sql"))
            .unwrap();
        conn.execute_batch(&format!(
            "PRAGMA application_id = {APPLICATION_ID}; PRAGMA user_version = 1;
             INSERT INTO client (handle, name, emails, lang, created_at)
                 VALUES ('acme', 'Acme AB', 'ap@acme.example', 'sv', '2026-11-01T00:00:00Z');
             INSERT INTO invoice (number, client_id, issued, due, amount, currency, entered_on, created_at)
                 VALUES ('2026-014', 1, '2026-11-01', '2026-12-01', 120000, 'SEK', '2026-11-01', '2026-11-01T00:00:00Z');
             INSERT INTO contact_log (invoice_id, channel, on_date, at, step, delivery, message_id)
                 VALUES (1, 'email', '2026-12-01', '2026-12-01T08:00:00Z', 'reminder', 'sent', '<a@x>');"
        ))
        .unwrap();
    }
    let r = run(&env, "invoice show 2026-014 --format json");
    assert_contains(&r.stderr, &["upgraded", "from 1"]);
    let shown: serde_json::Value = serde_json::from_str(r.ok()).unwrap();
    assert_eq!(shown["balance"], "1200.00");
    assert!(shown["timeline"].to_string().contains("reminder"), "{shown}");
    let backup = env.db().with_file_name("dun.db.v1.backup");
    assert_eq!(pragma_i64(&open_db(&backup), "user_version"), 1);
    let conn = open_db(&env.db());
    let migrations = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations"))
        .unwrap()
        .count();
    assert_eq!(pragma_i64(&conn, "user_version"), migrations as i64);
    let has_scan_index: bool = conn
        .query_row(
            "SELECT EXISTS (SELECT 1 FROM sqlite_schema WHERE name = 'contact_log_scan')",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(has_scan_index);
    // The next run finds nothing to upgrade.
    assert!(!run(&env, "invoice list").stderr.contains("upgraded"));
}

#[test]
fn words_splits_like_the_shell_for_these_tests() {
    assert_eq!(words("a  'b c' '' 'd\ne'"), ["a", "b c", "", "d\ne"]);
}

/// Regression: changing the currency multiplied or divided the amount by a
/// power of ten (the minor units were read with the new currency's decimals).
#[test]
fn changing_the_currency_keeps_the_figure() {
    let env = Env::new();
    env.ok(&["client", "add", "Acme AB", "--handle", "acme"]);
    env.ok(&[
        "invoice",
        "add",
        "1",
        "--client",
        "acme",
        "--amount",
        "5000",
        "--currency",
        "JPY",
    ]);
    env.ok(&["invoice", "edit", "1", "--currency", "EUR"]);
    assert_eq!(invoice(&env, "1")["amount"], "5000.00");
    env.ok(&["invoice", "edit", "1", "--currency", "JPY"]);
    assert_eq!(invoice(&env, "1")["amount"], "5000");
    env.ok(&["invoice", "edit", "1", "--currency", "EUR", "--amount", "1200.55"]);
    let before = env.db_bytes();
    let r = env.run(&["invoice", "edit", "1", "--currency", "JPY"]);
    assert!(r.fails(1).contains("1200.55"), "{}", r.stderr);
    assert_eq!(env.db_bytes(), before);
}
