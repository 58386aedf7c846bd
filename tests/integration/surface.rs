//! The everyday surface (issue 13, first half): tables that fit a real
//! terminal (snapshots at 80, 120 and 200 columns), totals, `dun summary`
//! against hand sums, plurals, the agenda's counts and its empty days, the
//! help and the manual page.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use crate::common::{Env, Run};

/// The demo database for 2026-12-01, the same every run.
fn demo() -> Env {
    let env = Env::new();
    env.ok(&["demo"]);
    env
}

/// Runs `dun LINE` (split on spaces).
fn run(env: &Env, line: &str) -> Run {
    env.run(&line.split(' ').collect::<Vec<_>>())
}

#[track_caller]
fn ok(env: &Env, line: &str) -> String {
    let r = run(env, line);
    r.ok();
    r.stdout
}

/// The screen of `dun LINE` on a terminal `columns` wide.
#[track_caller]
fn screen(env: &Env, columns: usize, line: &str) -> String {
    let r = env.run_on_terminal(columns, &line.split(' ').collect::<Vec<_>>());
    r.ok().to_string()
}

#[track_caller]
fn assert_fits(text: &str, columns: usize) {
    for l in text.lines() {
        assert!(
            l.chars().count() <= columns,
            "a line wider than {columns}:\n{l}\nin:\n{text}"
        );
    }
}

// ---------------------------------------------------------------------------
// Tables on a real terminal: the layout at 80, 120 and 200 columns.

#[test]
fn tables_fit_80_120_and_200_columns() {
    let env = demo();
    // Beside the templates' snapshots, in tests/snapshots/, as table__*.snap.
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("../snapshots");
    settings.set_prepend_module_to_snapshot(false);
    let _bound = settings.bind_to_scope();
    for line in [
        "due",
        "overdue",
        "summary",
        "client list",
        "invoice list",
        "client show nordlys",
        "ladder",
    ] {
        for columns in [80, 120, 200] {
            let text = screen(&env, columns, line);
            assert_fits(&text, columns);
            let name = format!("table__{}_{columns}", line.replace(' ', "_"));
            insta::assert_snapshot!(name, text);
        }
    }
}

#[test]
fn wide_shows_every_column_and_a_pipe_cuts_nothing() {
    let env = demo();
    let narrow = screen(&env, 80, "overdue");
    assert!(narrow.contains("columns left out: "), "{narrow}");
    assert!(narrow.contains("--wide shows them"), "{narrow}");
    assert!(narrow.contains('…'), "{narrow}");
    let wide = screen(&env, 80, "overdue --wide");
    assert!(!wide.contains("left out"), "{wide}");
    assert!(!wide.contains('…'), "{wide}");
    assert!(wide.lines().any(|l| l.chars().count() > 200), "{wide}");
    // Not a terminal: the same whole table, whatever COLUMNS says.
    let piped = env.run_with(&[("COLUMNS", "80")], &["overdue"]);
    assert_eq!(piped.ok(), wide);
    assert!(piped.stderr.is_empty(), "{}", piped.stderr);
}

#[test]
fn overdue_leaves_out_interest_and_fees_when_fees_are_off() {
    let env = demo();
    let off = screen(&env, 200, "overdue --wide");
    let header = off.lines().next().unwrap();
    assert!(!header.contains("interest") && !header.contains("fees"), "{off}");
    env.write_config("[fees]\nflat_fee = \"40.00\"\n");
    let on = screen(&env, 200, "overdue --wide");
    let header = on.lines().next().unwrap();
    assert!(header.contains("interest") && header.contains("fees"), "{on}");
    // CSV and JSON carry every column either way.
    env.write_config("");
    let rows = run(&env, "overdue --format json").json();
    assert!(rows[0].get("fees").is_some() && rows[0].get("client_name").is_some());
}

#[test]
fn totals_per_currency_under_the_lists() {
    let env = demo();
    let list = ok(&env, "invoice list");
    let squashed: Vec<String> = list
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect();
    // The demo's SEK invoices: 18,500 (paid), 24,000, 9,500 and 7,600.
    assert!(
        squashed.contains(&"SEK 59,600.00 18,500.00 41,100.00".to_string()),
        "{list}"
    );
    assert!(squashed.iter().any(|l| l.starts_with("total EUR ")), "{list}");
    // Paid and not-yet-due invoices show no days overdue.
    let paid = squashed.iter().find(|l| l.starts_with("2026-001 ")).unwrap();
    assert!(paid.contains(" paid SEK 18,500.00 18,500.00 0.00"), "{paid}");
    let clients = ok(&env, "client list");
    assert!(clients.contains("total"), "{clients}");
    let overdue = ok(&env, "overdue");
    assert!(overdue.lines().any(|l| l.starts_with("total ")), "{overdue}");
    // JSON has no total rows.
    let rows = run(&env, "invoice list --format json").json();
    assert_eq!(rows.as_array().unwrap().len(), 10);
}

#[test]
fn client_list_keeps_amount_and_currency_apart() {
    let env = Env::new();
    env.ok(&["client", "add", "Acme AB", "--handle", "acme"]);
    env.ok(&["client", "add", "Idle AB", "--handle", "idle"]);
    for (number, amount, currency) in [
        ("A-1", "1200.50", "SEK"),
        ("A-2", "100", "EUR"),
        ("A-3", "99.50", "SEK"),
    ] {
        env.ok(&[
            "invoice",
            "add",
            number,
            "--client",
            "acme",
            "--amount",
            amount,
            "--currency",
            currency,
        ]);
    }
    let csv_text = ok(&env, "client list --format csv");
    let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
    let rows: Vec<Vec<String>> = reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect();
    let cells: Vec<(&str, &str, &str, &str)> = rows
        .iter()
        .map(|r| (r[0].as_str(), r[5].as_str(), r[6].as_str(), r[7].as_str()))
        .collect();
    assert_eq!(
        cells,
        [
            ("acme", "1", "EUR", "100.00"),
            ("acme", "2", "SEK", "1300.00"),
            ("idle", "0", "", ""),
        ]
    );
    let table = ok(&env, "client list");
    assert!(table.contains("1,300.00"), "{table}");
}

// ---------------------------------------------------------------------------
// dun summary against hand sums.

/// A ledger whose figures are added up by hand below; today 2026-12-01.
fn known_ledger() -> Env {
    let env = Env::new();
    for (name, handle) in [("Acme AB", "acme"), ("Beta Oy", "beta"), ("Gamma Ltd", "gamma")] {
        env.ok(&["client", "add", name, "--handle", handle]);
    }
    let add = |number: &str, client: &str, amount: &str, currency: &str, issued: &str, due: &str| {
        env.ok(&[
            "invoice",
            "add",
            number,
            "--client",
            client,
            "--amount",
            amount,
            "--currency",
            currency,
            "--issued",
            issued,
            "--due",
            due,
        ]);
    };
    add("A1", "acme", "1000.00", "SEK", "2026-11-01", "2026-11-30"); // 1 day
    add("A2", "acme", "2000.00", "SEK", "2026-10-01", "2026-10-31"); // 31 days, 500 paid
    add("A3", "acme", "300.00", "SEK", "2026-11-20", "2026-12-15"); // not due yet
    add("B1", "beta", "4000.00", "SEK", "2026-08-01", "2026-09-01"); // 91 days
    add("B2", "beta", "100.00", "EUR", "2026-09-02", "2026-10-02"); // 60 days
    add("B3", "beta", "250.00", "EUR", "2026-08-02", "2026-09-02"); // 90 days, on hold
    add("P1", "acme", "800.00", "SEK", "2026-09-01", "2026-10-01"); // paid 10 days late
    add("P2", "acme", "100.00", "SEK", "2026-10-01", "2026-11-01"); // paid early
    add("P3", "beta", "70.00", "EUR", "2026-07-01", "2026-08-01"); // paid in two, 20 days late
    add("G1", "gamma", "10.00", "SEK", "2026-07-01", "2026-08-01"); // paid 3 days late
    add("S1", "beta", "900.00", "SEK", "2026-06-01", "2026-07-01"); // settled: not a habit
    add("W1", "acme", "50.00", "SEK", "2026-06-01", "2026-07-01"); // written off
    add("V1", "beta", "60.00", "SEK", "2026-06-01", "2026-07-01"); // void
    for line in [
        "pay A2 500 --on 2026-11-15",
        "pay P1 --on 2026-10-11",
        "pay P2 --on 2026-10-20",
        "pay P3 50 --on 2026-08-05",
        "pay P3 --on 2026-08-21",
        "pay G1 --on 2026-08-04",
        "settle S1 400 --on 2026-09-15",
        "write-off W1",
        "invoice void V1",
        "promise B3 --until 2026-12-20",
    ] {
        ok(&env, line);
    }
    env
}

#[test]
fn summary_figures_are_the_hand_sums() {
    let env = known_ledger();
    let s = run(&env, "summary --format json").json();
    assert_eq!(
        s,
        json!({
            "currencies": [
                {"currency": "EUR", "unpaid": "350.00", "overdue": "350.00",
                 "buckets": {"1-30": "0.00", "31-60": "100.00", "61-90": "250.00", "90+": "0.00"}},
                {"currency": "SEK", "unpaid": "6800.00", "overdue": "6500.00",
                 "buckets": {"1-30": "1000.00", "31-60": "1500.00", "61-90": "0.00", "90+": "4000.00"}},
            ],
            "clients": [
                // The longest overdue first. beta: P3 20 days late, nothing else paid in full.
                {"client": "beta", "client_name": "Beta Oy", "currency": "SEK", "unpaid": "4000.00",
                 "oldest_overdue": "B1", "avg_days_late": 20},
                {"client": "beta", "client_name": "Beta Oy", "currency": "EUR", "unpaid": "350.00",
                 "oldest_overdue": "B3", "avg_days_late": 20},
                // acme: P1 10 days late, P2 in time: (10 + 0) / 2.
                {"client": "acme", "client_name": "Acme AB", "currency": "SEK", "unpaid": "2800.00",
                 "oldest_overdue": "A2", "avg_days_late": 5},
            ]
        })
    );
    // The buckets add up to the overdue total, in every currency.
    for c in s["currencies"].as_array().unwrap() {
        let cents = |v: &Value| -> i64 { v.as_str().unwrap().replace('.', "").parse().unwrap() };
        let buckets: i64 = c["buckets"].as_object().unwrap().values().map(cents).sum();
        assert_eq!(buckets, cents(&c["overdue"]), "{c}");
    }

    let table = ok(&env, "summary");
    let squashed: Vec<String> = table
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect();
    for line in [
        "currency unpaid overdue 1-30 31-60 61-90 90+",
        "EUR 350.00 350.00 0.00 100.00 250.00 0.00",
        "SEK 6,800.00 6,500.00 1,000.00 1,500.00 0.00 4,000.00",
        "Beta Oy SEK 4,000.00 B1, 91 days 20 days late",
        "Acme AB SEK 2,800.00 A2, 31 days 5 days late",
    ] {
        assert!(squashed.contains(&line.to_string()), "no {line:?} in:\n{table}");
    }
    // Not a terminal: nothing decorative (no title, no bars).
    assert!(
        !table.contains("What you are owed") && !table.contains('█'),
        "{table}"
    );
    let tty = screen(&env, 80, "summary");
    assert!(
        tty.starts_with("What you are owed on Tuesday 2026-12-01\n"),
        "{tty}"
    );
    assert!(tty.contains('█'), "{tty}");
}

#[test]
fn the_statement_lists_payments_and_how_late_each_was() {
    let env = known_ledger();
    let s = run(&env, "client show acme --format json").json();
    let payments: Vec<(String, String, String, i64)> = s["payments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["date"].as_str().unwrap().to_string(),
                p["invoice"].as_str().unwrap().to_string(),
                p["amount"].as_str().unwrap().to_string(),
                p["days_late"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        payments,
        [
            ("2026-11-15".into(), "A2".into(), "500.00".into(), 15),
            ("2026-10-20".into(), "P2".into(), "100.00".into(), 0),
            ("2026-10-11".into(), "P1".into(), "800.00".into(), 10),
        ]
    );
    assert_eq!(s["avg_days_late"], 5);
    let text = ok(&env, "client show acme");
    assert!(text.contains("Payments (newest first)"), "{text}");
    assert!(
        text.contains("Pays 5 days late on average, over 2 invoices paid in full"),
        "{text}"
    );
}

#[test]
fn summary_of_nothing_says_so() {
    let env = Env::new();
    let r = run(&env, "summary");
    assert_eq!(r.ok(), "");
    assert!(r.stderr.starts_with("No invoices yet."), "{}", r.stderr);
    assert_eq!(
        run(&env, "summary --format json").json(),
        json!({"currencies": [], "clients": []})
    );
}

// ---------------------------------------------------------------------------
// The agenda.

#[test]
fn agenda_headings_count_like_the_footer() {
    let env = Env::new();
    // Two clients, three invoices due today: two e-mails covering three invoices.
    for (name, handle) in [("Acme AB", "acme"), ("Beta Oy", "beta")] {
        env.ok(&[
            "client",
            "add",
            name,
            "--handle",
            handle,
            "--email",
            &format!("ap@{handle}.example"),
        ]);
    }
    for (number, client) in [("I-1", "acme"), ("I-2", "acme"), ("I-3", "beta")] {
        env.ok(&[
            "invoice",
            "add",
            number,
            "--client",
            client,
            "--amount",
            "10",
            "--due",
            "2026-12-01",
        ]);
    }
    let text = screen(&env, 80, "due");
    assert!(
        text.contains("\nE-mails to send: 3 invoices in 2 e-mails\n"),
        "{text}"
    );
    assert!(
        text.contains("3 invoices need attention: 30.00 EUR outstanding"),
        "{text}"
    );
    assert!(
        text.contains("run dun send to send 2 e-mails covering 3 invoices"),
        "{text}"
    );
    // Not a terminal: one table with the action in a column; the rest on stderr.
    let r = run(&env, "due");
    let out = r.ok();
    assert!(out.starts_with("action  invoice"), "{out}");
    assert_eq!(out.lines().count(), 4, "{out}");
    assert!(
        !out.contains("E-mails to send") && !out.contains("run dun send"),
        "{out}"
    );
    assert!(
        r.stderr
            .contains("run dun send to send 2 e-mails covering 3 invoices"),
        "{}",
        r.stderr
    );

    env.ok(&["invoice", "void", "I-2"]);
    env.ok(&["invoice", "void", "I-3"]);
    let r = run(&env, "due");
    assert!(
        r.stderr
            .contains("1 invoice needs attention: 10.00 EUR outstanding"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr
            .contains("run dun send to send 1 e-mail covering 1 invoice"),
        "{}",
        r.stderr
    );
}

#[test]
fn an_empty_agenda_still_says_what_you_are_owed() {
    let mut env = Env::new();
    let empty = screen(&env, 80, "due");
    assert!(
        empty.starts_with("No invoices yet. Add a client and an invoice:\n"),
        "{empty}"
    );
    assert!(empty.contains("dun invoice add "), "{empty}");
    env.ok(&["client", "add", "Acme AB", "--handle", "acme"]);
    env.ok(&[
        "invoice",
        "add",
        "N-1",
        "--client",
        "acme",
        "--amount",
        "300",
        "--currency",
        "SEK",
        "--due",
        "2026-12-20",
    ]);
    env.ok(&[
        "invoice",
        "add",
        "N-2",
        "--client",
        "acme",
        "--amount",
        "5",
        "--due",
        "2026-12-20",
    ]);
    let quiet_day = screen(&env, 80, "due");
    assert_eq!(
        quiet_day,
        "Nothing to do today (Tuesday 2026-12-01).\nYou are owed 5.00 EUR, 300.00 SEK; none of it is overdue.\n"
    );
    env.set_today("2026-12-25");
    env.ok(&["pause", "N-1", "--until", "2027-01-31"]);
    env.ok(&["pause", "N-2", "--until", "2027-01-31"]);
    let r = run(&env, "due");
    assert_eq!(r.ok(), "", "nothing decorative on a pipe");
    assert!(
        r.stderr
            .contains("You are owed 5.00 EUR, 300.00 SEK; 2 invoices are overdue (dun summary shows more)."),
        "{}",
        r.stderr
    );
}

#[test]
fn a_note_goes_on_a_line_of_its_own_under_its_row() {
    let env = demo();
    let text = screen(&env, 80, "due");
    assert!(
        text.contains("↳ e-mail to ekonomi@fjord.example bounced: call to find a working add…")
            || text.contains("↳ e-mail to ekonomi@fjord.example bounced: call to find a working address"),
        "{text}"
    );
    assert!(
        text.contains(
            "With lawyer: 1 invoice · deadline of 2026-10-31 passed: hand over to a lawyer,\n  or apply for a payment order"
        ),
        "{text}"
    );
}

// ---------------------------------------------------------------------------
// Help, usage and the manual page.

/// Every command that does something, as typed: ["client", "add"], ["due"] …
fn leaf_commands(env: &Env) -> Vec<Vec<String>> {
    fn commands_in(help: &str) -> Vec<String> {
        help.lines()
            .skip_while(|l| *l != "Commands:")
            .skip(1)
            .take_while(|l| !l.is_empty())
            .filter(|l| l.starts_with("  ") && !l.starts_with("   "))
            .filter_map(|l| l.split_whitespace().next().map(str::to_string))
            .filter(|c| c != "help")
            .collect()
    }
    let mut leaves = Vec::new();
    for c in commands_in(&env.ok(&["--help"])) {
        let subs = commands_in(&env.ok(&[&c, "--help"]));
        if subs.is_empty() {
            leaves.push(vec![c]);
        } else {
            leaves.extend(subs.into_iter().map(|s| vec![c.clone(), s]));
        }
    }
    leaves
}

#[test]
fn every_help_puts_the_global_options_under_their_own_heading() {
    let env = Env::new();
    let leaves = leaf_commands(&env);
    assert!(leaves.len() > 25, "{leaves:?}");
    for leaf in leaves {
        let mut args: Vec<&str> = leaf.iter().map(String::as_str).collect();
        args.push("--help");
        let help = env.ok(&args);
        let (own, global) = help
            .split_once("\nGlobal options:\n")
            .unwrap_or_else(|| panic!("no Global options heading in dun {leaf:?} --help:\n{help}"));
        for flag in ["--db", "--config", "--today", "--format", "--quiet", "--wide"] {
            assert!(
                global.contains(flag),
                "dun {leaf:?} --help: {flag} not under Global options"
            );
            assert!(
                !own.contains(&format!(" {flag} ")),
                "dun {leaf:?} --help: {flag} among its own"
            );
        }
        // Every option and argument has a line of help.
        let entries: Vec<&str> = help
            .lines()
            .filter(|l| {
                let indent = l.len() - l.trim_start().len();
                (indent == 2 || indent == 6) && l.trim_start().starts_with(['-', '<'])
            })
            .collect();
        for e in entries {
            let described = e
                .trim()
                .split_once("  ")
                .is_some_and(|(_, d)| !d.trim().is_empty());
            let next_line = help.lines().skip_while(|l| *l != e).nth(1).unwrap_or("");
            assert!(
                described || next_line.starts_with("          "),
                "dun {leaf:?} --help: no help for {e:?}"
            );
        }
    }
}

#[test]
fn the_usage_line_after_an_error_leaves_out_values_from_the_environment() {
    let env = Env::new(); // DUN_DB, DUN_CONFIG and DUN_TODAY are set
    let r = env.run(&["invoice", "add", "2027-001", "--amount", "5"]);
    let err = r.fails(2);
    let usage = err.lines().find(|l| l.starts_with("Usage:")).unwrap();
    assert_eq!(
        usage,
        "Usage: dun invoice add --client <CLIENT> --amount <AMOUNT> <NUMBER>"
    );
    // And the environment still counts.
    env.ok(&["client", "add", "Acme AB"]);
    assert!(env.db().exists());
    env.run_with(
        &[("DUN_TODAY", "yesterday")],
        &["invoice", "add", "I-1", "--client", "acme-ab", "--amount", "5"],
    )
    .ok();
    let yesterday = chrono::Local::now().date_naive() - chrono::Days::new(1);
    let issued = env.run(&["invoice", "show", "I-1", "--format", "json"]).json()["issued"].clone();
    assert_eq!(issued, json!(yesterday.to_string()));
}

#[test]
fn plain_dun_is_a_short_overview() {
    let env = Env::new();
    let r = env.run(&[]);
    let text = r.ok();
    for needle in [
        "dun due",
        "dun send",
        "dun bank",
        "dun import",
        "dun summary",
        "dun --help",
        "dun man",
    ] {
        assert!(text.contains(needle), "{needle} in:\n{text}");
    }
    assert!(
        !text.contains("Usage:") && !text.contains("completions"),
        "{text}"
    );
    assert!(text.lines().count() < 25, "{text}");
    assert_fits(text, 80);
}

#[test]
fn dun_man_is_roff_that_names_every_command() {
    let env = Env::new();
    let page = env.ok(&["man"]);
    let first_control = page
        .lines()
        .find(|l| !l.starts_with(".ie") && !l.starts_with(".el"))
        .unwrap();
    assert!(first_control.starts_with(".TH dun 1"), "{first_control}");
    let sections: BTreeSet<&str> = page.lines().filter(|l| l.starts_with(".SH")).collect();
    for leaf in leaf_commands(&env) {
        let heading = format!(".SH \"DUN {}\"", leaf.join(" ").to_uppercase());
        assert!(
            sections.contains(heading.as_str()),
            "no {heading} in the manual page"
        );
    }
    for s in [".SH \"GLOBAL OPTIONS\"", ".SH ENVIRONMENT", ".SH \"EXIT STATUS\""] {
        assert!(sections.contains(s), "no {s}");
    }
    // groff (which man -l uses) reads it without a warning.
    let mut groff = std::process::Command::new("groff")
        .args(["-man", "-z", "-ww"])
        .stdin(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("this test needs groff (Debian's groff-base, which man-db brings): {e}"));
    use std::io::Write;
    groff.stdin.take().unwrap().write_all(page.as_bytes()).unwrap();
    let out = groff.wait_with_output().unwrap();
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stderr), "", "groff warnings");
}

/// A preview before the config names the sender says which keys dun send
/// needs, both of them (the subject's "från" was left hanging without a name).
#[test]
fn a_preview_without_a_sender_names_the_keys_dun_send_needs() {
    let mut env = Env::new();
    env.with_acme();
    env.set_today("2026-12-01");
    let none = env.run(&["preview", "2026-014"]);
    none.ok();
    assert!(
        none.stderr.contains("[sender] name and email are not set"),
        "{none:?}"
    );
    env.write_config("[sender]\nname = \"Fia\"\n");
    let half = env.run(&["preview", "2026-014"]);
    half.ok();
    assert!(half.stderr.contains("[sender] email is not set"), "{half:?}");
    env.write_config("[sender]\nname = \"Fia\"\nemail = \"fia@example.org\"\n");
    let full = env.run(&["preview", "2026-014"]);
    full.ok();
    assert!(!full.stderr.contains("not set"), "{full:?}");
}

/// The timelines of `invoice show` and `client show` wrap long entries
/// under their own text on an 80-column terminal, and keep them whole on a
/// pipe.
#[test]
fn timelines_wrap_inside_the_terminal() {
    let mut env = Env::new();
    env.with_acme();
    env.set_today("2026-12-03");
    env.ok(&[
        "log",
        "2026-014",
        "call",
        "--outcome",
        "talked",
        "--note",
        "Sven in accounts says the invoice is approved and will be paid with the next payment run on Friday",
    ]);
    for args in [
        &["invoice", "show", "2026-014"][..],
        &["client", "show", "acme"][..],
    ] {
        let screen = env.run_on_terminal(80, args);
        let text = screen.ok().replace('\r', "");
        for line in text.lines() {
            assert!(line.chars().count() <= 80, "{args:?}: {line:?} is wider than 80");
        }
        let words = text.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(
            words.contains("approved and will be paid with the next payment run on Friday"),
            "{args:?}:\n{text}"
        );
        assert!(
            text.lines()
                .any(|l| l.starts_with(&" ".repeat(14)) && l.contains("payment run")),
            "{args:?}: the note wraps under its text:\n{text}"
        );
        let piped = env.ok(args);
        assert!(
            piped
                .lines()
                .any(|l| l.contains("approved and will be paid with the next payment run on Friday")),
            "{args:?} on a pipe:\n{piped}"
        );
    }
}
