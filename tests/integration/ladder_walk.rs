//! The ladder end to end (issue 3): one invoice walked day by day through the
//! default ladder and its variants (a reply, a promise kept and one broken, a
//! dispute, a partial payment, a bounce, a Saturday due date, a late entry, a
//! custom ladder), with `dun due --format json` checked every day against
//! SPEC.md §3 and every task done as a user would do it; the overdue report
//! parsed back as CSV; the demo database.

use std::collections::BTreeSet;
use std::ops::RangeInclusive;

use chrono::{Datelike, NaiveDate, TimeDelta, Weekday};
use serde_json::{Value, json};

use crate::common::Env;

/// The invoice every walk follows.
const INV: &str = "2026-100";
/// A Monday: day 0 of most walks.
const MONDAY: &str = "2026-11-02";
/// The characters a spreadsheet reads as the start of a formula.
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

fn date(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("an ISO date")
}

/// The date `n` days after `from` (before it, when negative).
fn plus(from: NaiveDate, n: i64) -> NaiveDate {
    from + TimeDelta::days(n)
}

/// A JSON string as text; anything else (null) as "".
fn text(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_string()
}

/// `dun client add … -- NAME` (values joined with `=` and the name after
/// `--`, so that text starting with `-` is a value, as a user would type it).
fn add_client(env: &Env, handle: &str, name: &str, email: &str, phone: &str, extra: &[&str]) {
    let (handle, email, phone) = (
        format!("--handle={handle}"),
        format!("--email={email}"),
        format!("--phone={phone}"),
    );
    let mut args = vec!["client", "add", &handle, &email, &phone];
    args.extend_from_slice(extra);
    args.extend(["--", name]);
    env.ok(&args);
}

/// The walks' client.
fn acme(env: &Env, extra: &[&str]) {
    add_client(
        env,
        "acme",
        "Acme AB",
        "ap@acme.example",
        "+46 8 123 45 67",
        extra,
    );
}

/// `dun invoice add … -- NUMBER` in EUR, due on `due`, issued 30 days earlier.
fn add_invoice(env: &Env, number: &str, client: &str, amount: &str, due: NaiveDate, extra: &[&str]) {
    let (issued, due) = (plus(due, -30).to_string(), due.to_string());
    let mut args = vec![
        "invoice",
        "add",
        "--client",
        client,
        "--amount",
        amount,
        "--currency",
        "EUR",
        "--issued",
        &issued,
        "--due",
        &due,
    ];
    args.extend_from_slice(extra);
    args.extend(["--", number]);
    env.ok(&args);
}

/// The rows of `dun due --today DAY --format json` for one invoice.
fn agenda(env: &Env, day: NaiveDate, number: &str) -> Vec<Value> {
    let rows = env
        .run(&["due", "--today", &day.to_string(), "--format", "json"])
        .json();
    let rows = rows.as_array().expect("an array of rows");
    rows.iter().filter(|r| r["invoice"] == number).cloned().collect()
}

/// (action, step, since) of each row; `step` is "" where it is null.
fn triples(rows: &[Value]) -> Vec<(String, String, String)> {
    rows.iter()
        .map(|r| (text(&r["action"]), text(&r["step"]), text(&r["since"])))
        .collect()
}

/// A call that rule 11 asks for instead of an e-mail.
fn is_bounce_call(row: &Value) -> bool {
    row["action"] == "call" && text(&row["note"]).contains("bounced")
}

/// Does what the agenda asks, as a user would: logs each e-mail by hand
/// (sending comes with `dun send`), each call as unanswered, each letter and
/// each suspension; checks that each log does the row's step.
fn act(env: &Env, day: NaiveDate, rows: &[Value]) {
    let on = day.to_string();
    for r in rows {
        let (inv, step) = (text(&r["invoice"]), text(&r["step"]));
        let args: Vec<&str> = match r["action"].as_str().expect("an action") {
            "email" | "escalate" => vec!["log", &inv, "email", "--on", &on],
            "call" => vec!["log", &inv, "call", "--outcome", "no-answer"],
            "letter" => vec!["log", &inv, "letter"],
            "suspend" => vec!["log", &inv, "note", "--step", &step],
            _ => continue,
        };
        let said = env.ok(&args);
        let expected = if is_bounce_call(r) {
            "no ladder step was due".to_string()
        } else {
            format!("it does the step \"{step}\"")
        };
        assert!(
            said.contains(&expected),
            "{day}: dun {args:?} said\n{said}\nexpected {expected:?}"
        );
    }
}

/// The agenda of a walk: on these days after the due date, these rows
/// (action, step, since as days after the due date), in the agenda's order.
/// Days not listed show nothing for the invoice.
type Expected = [(RangeInclusive<i64>, &'static [(&'static str, &'static str, i64)])];

/// One invoice walked day by day.
struct Walk {
    /// Day 0.
    due: &'static str,
    /// The days walked; the invoice is entered on the first.
    days: RangeInclusive<i64>,
    /// More arguments to `dun invoice add`.
    add: &'static [&'static str],
    /// `dun` commands run on the morning of a day, before the agenda is read.
    events: &'static [(i64, &'static [&'static str])],
    expected: &'static Expected,
}

/// The default ladder for a client who neither pays nor answers (rule 3).
const DEFAULT_LADDER: &Expected = &[
    (0..=0, &[("email", "reminder", 0)]),
    (7..=7, &[("email", "follow-up", 7)]),
    (14..=14, &[("email", "follow-up", 14), ("call", "call", 14)]),
    (21..=21, &[("email", "follow-up", 21), ("call", "call", 21)]),
    (28..=28, &[("email", "follow-up", 28), ("call", "call", 28)]),
    (30..=30, &[("letter", "demand", 30)]),
    // Rule 10: the letter gave 14 days (to day 44); then with the lawyer.
    (45..=45, &[("with-lawyer", "", 45)]),
];

/// Due on a Monday, walked from the day before to day 45, nothing happening.
const PLAIN: Walk = Walk {
    due: MONDAY,
    days: -1..=45,
    add: &[],
    events: &[],
    expected: DEFAULT_LADDER,
};

impl Walk {
    /// Walks the days: events, then the agenda (checked against `expected`,
    /// then by `check`), then the user does what it asks. Needs `acme`.
    fn run(&self, env: &mut Env, mut check: impl FnMut(&Env, i64, &[Value])) {
        let due = date(self.due);
        env.set_today(&plus(due, *self.days.start()).to_string());
        add_invoice(env, INV, "acme", "1200.00", due, self.add);
        for n in self.days.clone() {
            let day = plus(due, n);
            env.set_today(&day.to_string());
            for (_, args) in self.events.iter().filter(|(d, _)| *d == n) {
                env.ok(args);
            }
            let rows = agenda(env, day, INV);
            let label = format!("day {n} ({day}, {})", day.weekday());
            assert_eq!(triples(&rows), self.expected_on(due, n), "the agenda on {label}");
            if matches!(day.weekday(), Weekday::Sat | Weekday::Sun) {
                assert!(
                    rows.iter()
                        .all(|r| r["action"] != "email" && r["action"] != "escalate"),
                    "an e-mail on {label}"
                );
            }
            check(env, n, &rows);
            act(env, day, &rows);
        }
    }

    fn expected_on(&self, due: NaiveDate, n: i64) -> Vec<(String, String, String)> {
        self.expected
            .iter()
            .filter(|(days, _)| days.contains(&n))
            .flat_map(|(_, rows)| rows.iter())
            .map(|(action, step, since)| {
                (
                    action.to_string(),
                    step.to_string(),
                    plus(due, *since).to_string(),
                )
            })
            .collect()
    }
}

/// Walks `walk` for Acme AB with nothing more to check.
fn walk(walk: &Walk) {
    let mut env = Env::new();
    acme(&env, &[]);
    walk.run(&mut env, |_, _, _| ());
}

/// The invoice numbers in `dun overdue --format json` on the env's today.
fn overdue_numbers(env: &Env) -> Vec<String> {
    let rows = env.run(&["overdue", "--format", "json"]).json();
    rows.as_array()
        .expect("an array")
        .iter()
        .map(|r| text(&r["invoice"]))
        .collect()
}

#[test]
fn walk_the_default_ladder_for_a_client_who_neither_pays_nor_answers() {
    walk(&PLAIN);
}

#[test]
fn walk_a_reply_on_day_5_holds_everything_until_day_12() {
    // Day 12 is a Saturday: the follow-up held until then goes out on
    // Monday; the call comes a week after the follow-up was first done and
    // the letter 16 days after the first call (rule 4, spacing).
    walk(&Walk {
        events: &[(5, &["log", INV, "email", "--inbound", "--outcome", "replied"])],
        expected: &[
            (0..=0, &[("email", "reminder", 0)]),
            (14..=14, &[("email", "follow-up", 12)]),
            (21..=21, &[("email", "follow-up", 21), ("call", "call", 21)]),
            (28..=28, &[("email", "follow-up", 28), ("call", "call", 28)]),
            (35..=35, &[("email", "follow-up", 35), ("call", "call", 35)]),
            (37..=37, &[("letter", "demand", 37)]),
        ],
        ..PLAIN
    });
}

/// A promise made on a call on day 10 (2026-11-12), to pay by day 20 (2026-11-22).
const PROMISE: (i64, &[&str]) = (
    10,
    &[
        "log",
        INV,
        "call",
        "--outcome",
        "promised",
        "--until",
        "2026-11-22",
    ],
);

#[test]
fn walk_a_promise_kept_ends_the_ladder() {
    let mut env = Env::new();
    acme(&env, &[]);
    let kept = Walk {
        events: &[PROMISE, (18, &["pay", INV])],
        expected: &[
            (0..=0, &[("email", "reminder", 0)]),
            (7..=7, &[("email", "follow-up", 7)]),
        ],
        ..PLAIN
    };
    kept.run(&mut env, |env, n, _| {
        let listed = overdue_numbers(env).contains(&INV.to_string());
        assert_eq!(listed, (1..18).contains(&n), "in dun overdue on day {n}");
    });
}

#[test]
fn walk_a_promise_broken_resumes_the_ladder_and_says_so() {
    let mut env = Env::new();
    acme(&env, &[]);
    let broken = Walk {
        events: &[PROMISE],
        expected: &[
            (0..=0, &[("email", "reminder", 0)]),
            (7..=7, &[("email", "follow-up", 7)]),
            (
                21..=21,
                &[
                    ("email", "follow-up", 21),
                    ("call", "call", 21),
                    ("broken-promise", "", 21),
                ],
            ),
            (28..=28, &[("email", "follow-up", 28), ("call", "call", 28)]),
            // The first call on day 21: the letter 16 days after it.
            (35..=35, &[("email", "follow-up", 35), ("call", "call", 35)]),
            (37..=37, &[("letter", "demand", 37)]),
        ],
        ..PLAIN
    };
    broken.run(&mut env, |_, n, rows| {
        for r in rows {
            let note = text(&r["note"]);
            if n == 21 {
                assert!(note.starts_with("promise of 2026-11-22 broken"), "{r}");
            } else {
                assert!(!note.contains("promise"), "day {n}: {r}");
            }
        }
        if n == 21 {
            assert_eq!(rows[2]["note"], "promise of 2026-11-22 broken");
        }
    });
}

#[test]
fn walk_a_dispute_holds_the_ladder_until_resolved() {
    let mut env = Env::new();
    acme(&env, &[]);
    let disputed = Walk {
        // Disputed on day 10, resolved on day 24 (a Thursday).
        events: &[
            (10, &["dispute", INV, "--reason", "wrong hours"]),
            (24, &["resolve", INV]),
        ],
        expected: &[
            (0..=0, &[("email", "reminder", 0)]),
            (7..=7, &[("email", "follow-up", 7)]),
            // What fell due while disputed is due on resolution, dated when it fell due.
            (24..=24, &[("email", "follow-up", 14), ("call", "call", 14)]),
            // The first call on day 24: the letter 16 days after it.
            (31..=31, &[("email", "follow-up", 31), ("call", "call", 31)]),
            (38..=38, &[("email", "follow-up", 38), ("call", "call", 38)]),
            (40..=40, &[("letter", "demand", 40)]),
        ],
        ..PLAIN
    };
    disputed.run(&mut env, |env, n, _| {
        if n == 20 {
            let rows = env.run(&["overdue", "--format", "json"]).json();
            assert_eq!(rows[0]["hold"], "dispute", "{rows}");
        }
    });
}

#[test]
fn walk_a_partial_payment_changes_the_balance_not_the_timing() {
    let mut env = Env::new();
    acme(&env, &[]);
    let partial = Walk {
        events: &[(3, &["pay", INV, "400.00"])],
        ..PLAIN
    };
    partial.run(&mut env, |_, n, rows| {
        let balance = if n < 3 { "1200.00" } else { "800.00" };
        for r in rows {
            assert_eq!(r["balance"], balance, "day {n}: {r}");
        }
    });
}

#[test]
fn walk_a_bounce_asks_for_a_call_until_the_address_changes() {
    let mut env = Env::new();
    acme(&env, &[]);
    let bounce = Walk {
        days: -1..=16,
        events: &[
            (1, &["log", INV, "email", "--outcome", "bounced"]),
            (9, &["client", "edit", "acme", "--email", "new@acme.example"]),
        ],
        expected: &[
            (0..=0, &[("email", "reminder", 0)]),
            (7..=8, &[("call", "follow-up", 7)]),
            (9..=9, &[("email", "follow-up", 7)]),
            // The follow-up first done on day 9: the call a week later.
            (16..=16, &[("email", "follow-up", 16), ("call", "call", 16)]),
        ],
        ..PLAIN
    };
    bounce.run(&mut env, |_, n, rows| match n {
        7..=8 => {
            assert!(is_bounce_call(&rows[0]), "day {n}: {}", rows[0]);
            assert!(text(&rows[0]["note"]).contains("ap@acme.example"), "{}", rows[0]);
            assert_eq!(rows[0]["to"], json!(["+46 8 123 45 67"]));
        }
        9 | 16 => assert_eq!(rows[0]["to"], json!(["new@acme.example"])),
        _ => {}
    });
}

#[test]
fn walk_a_saturday_due_date_reminds_on_monday() {
    // 2026-11-07 is a Saturday; calls are tasks and show on any day.
    walk(&Walk {
        due: "2026-11-07",
        days: -1..=16,
        expected: &[
            (2..=2, &[("email", "reminder", 0)]),
            (9..=9, &[("email", "follow-up", 9)]),
            // The follow-up first done on day 9: the call a week later (rule 4, spacing).
            (16..=16, &[("email", "follow-up", 16), ("call", "call", 16)]),
        ],
        ..PLAIN
    });
}

/// Due on a Wednesday, entered on day 40 (a Monday).
const LATE: Walk = Walk {
    due: "2026-11-04",
    days: 40..=86,
    ..PLAIN
};

#[test]
fn walk_an_invoice_entered_40_days_late_starts_with_the_reminder() {
    // Rule 2, no skipping; rule 4, spacing (SPEC.md §3's own example): the
    // reminder now, the follow-up a week later, the first call a week after
    // that, the demand letter 16 days after the first call, never all in one
    // week. Nothing is dated before the day the invoice was entered (day 40).
    // Rule 10: the letter gave 14 days (to day 84); then with the lawyer.
    walk(&Walk {
        expected: &[
            (40..=40, &[("email", "reminder", 40)]),
            (47..=47, &[("email", "follow-up", 47)]),
            (54..=54, &[("email", "follow-up", 54), ("call", "call", 54)]),
            (61..=61, &[("email", "follow-up", 61), ("call", "call", 61)]),
            (68..=68, &[("email", "follow-up", 68), ("call", "call", 68)]),
            (70..=70, &[("letter", "demand", 70)]),
            (85..=86, &[("with-lawyer", "", 85)]),
        ],
        ..LATE
    });
}

#[test]
fn walk_an_invoice_entered_40_days_late_at_the_follow_up() {
    walk(&Walk {
        add: &["--step", "follow-up"],
        expected: &[
            (40..=40, &[("email", "follow-up", 40)]),
            (47..=47, &[("email", "follow-up", 47), ("call", "call", 47)]),
            (54..=54, &[("email", "follow-up", 54), ("call", "call", 54)]),
            (61..=61, &[("email", "follow-up", 61), ("call", "call", 61)]),
            (63..=63, &[("letter", "demand", 63)]),
            (78..=86, &[("with-lawyer", "", 78)]),
        ],
        ..LATE
    });
}

const CUSTOM_LADDER: &str = r#"
[[ladder]]
name = "courtesy"
day = -7
action = "email"
template = "reminder"

[[ladder]]
name = "reminder"
day = 0
action = "email"
template = "reminder"

[[ladder]]
name = "follow-up"
day = 7
action = "email"
template = "follow-up"
repeat = 7

[[ladder]]
name = "cfo"
day = 14
action = "escalate"
template = "escalate"

[[ladder]]
name = "stop-work"
day = 21
action = "suspend"
"#;

#[test]
fn walk_a_custom_ladder_from_the_config() {
    let mut env = Env::new();
    env.write_config(CUSTOM_LADDER);
    acme(&env, &["--contact", "Erik <erik@acme.example>", "--role", "CFO"]);

    let steps = env.run(&["ladder", "--format", "json"]).json();
    let step = |name: &str, day: i32, action: &str, repeat: Option<u32>, template: Option<&str>| json!({"step": name, "day": day, "action": action, "repeat": repeat, "template": template});
    assert_eq!(
        steps,
        json!([
            step("courtesy", -7, "email", None, Some("reminder")),
            step("reminder", 0, "email", None, Some("reminder")),
            step("follow-up", 7, "email", Some(7), Some("follow-up")),
            step("cfo", 14, "escalate", None, Some("escalate")),
            step("stop-work", 21, "suspend", None, None),
        ])
    );

    let custom = Walk {
        days: -8..=25,
        expected: &[
            (-7..=-7, &[("email", "courtesy", -7)]),
            (0..=0, &[("email", "reminder", 0)]),
            (7..=7, &[("email", "follow-up", 7)]),
            // The follow-up is due again too; one e-mail a day, the firmest.
            (14..=14, &[("escalate", "cfo", 14)]),
            (
                21..=21,
                &[("email", "follow-up", 21), ("suspend", "stop-work", 21)],
            ),
            (22..=25, &[("with-lawyer", "", 21)]),
        ],
        ..PLAIN
    };
    custom.run(&mut env, |_, n, rows| {
        if n == 14 {
            assert_eq!(rows[0]["to"], json!(["erik@acme.example"]), "{}", rows[0]);
        }
    });
}

#[test]
fn walk_a_demand_letter_waits_for_its_deadline_before_with_lawyer() {
    // SPEC.md §3 rule 10: after the letter (the last step) dun waits for the
    // deadline it gave, says so, and only then shows the invoice as with
    // lawyer, naming the deadline that passed. Here `--deadline 21` on day
    // 30: the deadline is day 51.
    let mut env = Env::new();
    acme(&env, &[]);
    let due = date(MONDAY);
    Walk {
        days: -1..=29,
        expected: &DEFAULT_LADDER[..5],
        ..PLAIN
    }
    .run(&mut env, |_, _, _| ());
    let day = |n: i64| plus(due, n).to_string();
    env.set_today(&day(30));
    assert_eq!(
        triples(&agenda(&env, plus(due, 30), INV)),
        [("letter".into(), "demand".into(), day(30))]
    );
    let logged = env.run(&["log", INV, "letter", "--deadline", "21"]);
    let said = format!("{}{}", logged.ok(), logged.stderr);
    assert!(
        said.contains(&format!(
            "the letter gives the client until {} to pay; dun waits until then",
            day(51)
        )),
        "{said}"
    );
    for n in 30..=51 {
        assert!(agenda(&env, plus(due, n), INV).is_empty(), "day {n}");
    }
    env.set_today(&day(40));
    let show = env.ok(&["invoice", "show", INV]);
    assert!(
        show.contains(&format!(
            "next step    with lawyer after the letter's deadline, {}",
            day(51)
        )),
        "{show}"
    );
    let report = env.run(&["overdue", "--format", "json"]).json();
    assert_eq!(report[0]["next_action"], "with-lawyer", "{report}");
    assert_eq!(report[0]["next_action_date"], day(52).as_str(), "{report}");

    let rows = agenda(&env, plus(due, 52), INV);
    assert_eq!(triples(&rows), [("with-lawyer".into(), "".into(), day(52))]);
    assert_eq!(
        text(&rows[0]["note"]),
        format!(
            "deadline of {} passed: hand over to a lawyer, or apply for a payment order",
            day(51)
        )
    );
    env.set_today(&day(52));
    let show = env.ok(&["invoice", "show", INV]);
    assert!(
        show.contains(&format!(
            "next step    none: the letter's deadline of {} passed (with lawyer)",
            day(51)
        )),
        "{show}"
    );
}

/// The columns of SPEC.md "The overdue report", in order.
const OVERDUE_COLUMNS: [&str; 21] = [
    "invoice",
    "client",
    "client_name",
    "email",
    "phone",
    "currency",
    "amount",
    "paid",
    "balance",
    "issued",
    "due",
    "days_overdue",
    "bucket",
    "last_step",
    "last_contact",
    "next_action",
    "next_action_date",
    "hold",
    "interest",
    "fees",
    "reference",
];

/// A CSV text parsed: the header and the records.
fn parse_csv(text: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let mut reader = csv::ReaderBuilder::new().from_reader(text.as_bytes());
    let header = reader
        .headers()
        .expect("a header")
        .iter()
        .map(str::to_string)
        .collect();
    let records = reader
        .records()
        .map(|r| {
            r.expect("an RFC 4180 record")
                .iter()
                .map(str::to_string)
                .collect()
        })
        .collect();
    (header, records)
}

/// What a CSV cell holds for a JSON value: text (a list joined with ", ")
/// with a `'` before a formula start, numbers as written, null as nothing.
fn csv_cell(v: &Value) -> String {
    let cell = match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Array(items) => items.iter().map(text).collect::<Vec<_>>().join(", "),
        other => return other.to_string(),
    };
    if cell.starts_with(FORMULA_STARTS) {
        format!("'{cell}")
    } else {
        cell
    }
}

/// Checks that the CSV is the JSON, cell for cell, made formula-safe, and
/// that no cell begins with a formula start; returns the defused cells.
fn assert_csv_is_json(csv_text: &str, json_rows: &Value, columns: &[&str]) -> Vec<String> {
    let (header, records) = parse_csv(csv_text);
    assert_eq!(header, columns);
    let json_rows = json_rows.as_array().expect("an array");
    assert_eq!(records.len(), json_rows.len());
    let mut defused = Vec::new();
    for (record, row) in records.iter().zip(json_rows) {
        let keys: Vec<&str> = row
            .as_object()
            .expect("an object")
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(keys, columns, "JSON keys");
        for (cell, key) in record.iter().zip(columns) {
            assert_eq!(*cell, csv_cell(&row[key]), "column {key} of {row}");
            assert!(!cell.starts_with(FORMULA_STARTS), "column {key}: {cell:?}");
            if cell.starts_with('\'') {
                defused.push(cell.clone());
            }
        }
    }
    defused
}

#[test]
fn overdue_csv_parsed_back_header_order_buckets_and_formula_safe_cells() {
    let mut env = Env::new();
    let today = date("2026-12-15");
    env.set_today(&today.to_string());
    for (handle, email, phone) in [
        ("plain", "ap@plain.example", "08 555 01 00"),
        ("formula", "=ap@formula.example", "+46 8 555 01 01"),
        ("plus", "+ap@plus.example", "(08) 555 01 02"),
        ("minus", "-ap@minus.example", "-555 01 03"),
    ] {
        add_client(&env, handle, &format!("Client {handle}"), email, phone, &[]);
    }
    // (invoice number, client, days overdue, bucket), entered out of order.
    let invoices: [(&str, &str, i64, &str); 7] = [
        ("+2026-031", "plus", 31, "31-60"),
        ("2026-001", "plain", 1, "1-30"),
        ("2026-091", "minus", 91, "90+"),
        ("-2026-060", "minus", 60, "31-60"),
        (r#"=HYPERLINK("http://x.example","y")"#, "formula", 30, "1-30"),
        ("@2026-061", "plain", 61, "61-90"),
        ("2026-090", "formula", 90, "61-90"),
    ];
    for (number, client, days, _) in invoices {
        add_invoice(&env, number, client, "100.00", plus(today, -days), &[]);
    }
    // Not overdue: due in five days, due today, paid in full.
    add_invoice(&env, "2026-205", "plain", "100.00", plus(today, 5), &[]);
    add_invoice(&env, "2026-200", "plain", "100.00", today, &[]);
    add_invoice(&env, "2026-145", "plain", "100.00", plus(today, -45), &[]);
    env.ok(&["pay", "2026-145"]);

    let csv_text = env.ok(&["overdue", "--format", "csv"]);
    let json_rows = env.run(&["overdue", "--format", "json"]).json();
    let defused = assert_csv_is_json(&csv_text, &json_rows, &OVERDUE_COLUMNS);

    let mut oldest_first = invoices.to_vec();
    oldest_first.sort_by_key(|(_, _, days, _)| -days);
    let (_, records) = parse_csv(&csv_text);
    let col = |name: &str| OVERDUE_COLUMNS.iter().position(|c| *c == name).unwrap();
    let seen: Vec<(String, String, String, String)> = records
        .iter()
        .map(|r| {
            let [i, c, d, b] = ["invoice", "client", "days_overdue", "bucket"].map(|k| r[col(k)].clone());
            (i, c, d, b)
        })
        .collect();
    let expected: Vec<(String, String, String, String)> = oldest_first
        .iter()
        .map(|(number, client, days, bucket)| {
            (
                csv_cell(&json!(number)),
                client.to_string(),
                days.to_string(),
                bucket.to_string(),
            )
        })
        .collect();
    assert_eq!(seen, expected);

    // Each formula start, in each column that carries text the user typed.
    for cell in [
        r#"'=HYPERLINK("http://x.example","y")"#,
        "'+2026-031",
        "'-2026-060",
        "'@2026-061",
        "'=ap@formula.example",
        "'+ap@plus.example",
        "'-ap@minus.example",
        "'+46 8 555 01 01",
        "'-555 01 03",
    ] {
        assert!(defused.iter().any(|c| c == cell), "{cell} not in {defused:?}");
    }
    assert!(
        csv_text.contains(r#""'=HYPERLINK(""http://x.example"",""y"")""#),
        "RFC 4180 quoting:\n{csv_text}"
    );
}

#[test]
fn overdue_with_nothing_overdue_is_a_header_and_an_empty_array() {
    let env = Env::new();
    let (header, records) = parse_csv(&env.ok(&["overdue", "--format", "csv"]));
    assert_eq!(header, OVERDUE_COLUMNS);
    assert!(records.is_empty());
    assert_eq!(env.run(&["overdue", "--format", "json"]).json(), json!([]));
}

#[test]
fn overdue_shows_interest_and_the_flat_fee() {
    let mut env = Env::new();
    env.write_config("[fees]\nflat_fee = \"40.00\"\ninterest_percent = 8.0\n");
    let today = date("2026-12-15");
    env.set_today(&today.to_string());
    acme(&env, &[]);
    // (invoice, amount, days overdue, interest): 1000 × 0.08 × days / 365, rounded once.
    let cases = [
        ("2026-001", "1000.00", 1, "0.22"),
        ("2026-030", "1000.00", 30, "6.58"),
        ("2026-365", "1000.00", 365, "80.00"),
        ("2026-031", "250.00", 31, "1.70"),
    ];
    for (number, amount, days, _) in cases {
        add_invoice(&env, number, "acme", amount, plus(today, -days), &[]);
    }
    let (_, records) = parse_csv(&env.ok(&["overdue", "--format", "csv"]));
    let col = |name: &str| OVERDUE_COLUMNS.iter().position(|c| *c == name).unwrap();
    for (number, _, days, interest) in cases {
        let r = records
            .iter()
            .find(|r| r[col("invoice")] == number)
            .unwrap_or_else(|| panic!("{number} in the report"));
        assert_eq!(r[col("days_overdue")], days.to_string(), "{number}");
        assert_eq!(r[col("interest")], interest, "{number}");
        assert_eq!(r[col("fees")], "40.00", "{number}");
    }
}

/// `dun overdue` computes interest in SQL (store/scan.rs), `dun invoice show`
/// from the payments in Rust (domain/fees.rs): with payments before, on and
/// after the due date, both give the same figure (and the one worked out here).
#[test]
fn interest_after_partial_payments_is_the_same_in_the_report_and_the_invoice() {
    let mut env = Env::new();
    env.write_config("[fees]\ninterest_percent = 8.0\n");
    let today = date("2026-12-15");
    env.set_today(&today.to_string());
    acme(&env, &[]);
    let due = plus(today, -60);
    add_invoice(&env, "2026-100", "acme", "3650.00", due, &[]);
    for (amount, on) in [
        ("365.00", plus(due, -5)),
        ("365.00", due),
        ("730.00", plus(due, 20)),
    ] {
        env.ok(&["pay", "2026-100", amount, "--on", &on.to_string()]);
    }
    // Unpaid 2190.00 for 60 days, 730.00 for the 20 days before its payment;
    // the payments on or before the due date never accrued:
    // (219000 × 60 + 73000 × 20) × 0.08 / 365 = 3200.00 minor units.
    let report = env.run(&["overdue", "--format", "json"]).json();
    assert_eq!(report[0]["interest"], "32.00", "{report}");
    let shown = env
        .run(&["invoice", "show", "2026-100", "--format", "json"])
        .json();
    assert_eq!(shown["interest"], report[0]["interest"], "{shown}");
}

/// Clients whose names a spreadsheet would read as formulas, with one
/// invoice each due today (a Monday), so that each has a reminder row.
const FORMULA_NAMES: [(&str, &str); 5] = [
    ("eq", r#"=HYPERLINK("http://evil.example","click")"#),
    ("plus", "+SUM(1,2)"),
    ("minus", "-2+3"),
    ("at", "@SUM(A1)"),
    ("tab", "\t=1+1"),
];

fn formula_agenda(emails: fn(&str) -> String) -> Env {
    let mut env = Env::new();
    let today = date("2026-11-23");
    env.set_today(&today.to_string());
    for (n, (handle, name)) in FORMULA_NAMES.iter().enumerate() {
        add_client(&env, handle, name, &emails(handle), "08 555 01 00", &[]);
        add_invoice(&env, &format!("2026-{n:03}"), handle, "100.00", today, &[]);
    }
    env
}

const DUE_COLUMNS: [&str; 11] = [
    "action",
    "invoice",
    "client",
    "client_name",
    "step",
    "since",
    "days_overdue",
    "balance",
    "currency",
    "to",
    "note",
];

/// Client names that look like formulas are defused in `dun due --format
/// csv` and in the overdue report's `client_name`.
#[test]
fn due_csv_defuses_client_names_that_look_like_formulas() {
    let env = formula_agenda(|h| format!("ap@{h}.example"));
    let csv_text = env.ok(&["due", "--format", "csv"]);
    let (header, records) = parse_csv(&csv_text);
    assert_eq!(header, DUE_COLUMNS);
    assert_eq!(records.len(), FORMULA_NAMES.len());
    let names: BTreeSet<&str> = records.iter().map(|r| r[3].as_str()).collect();
    let expected: BTreeSet<String> = FORMULA_NAMES
        .iter()
        .map(|(_, name)| format!("'{}", name.trim()))
        .collect();
    assert_eq!(names, expected.iter().map(String::as_str).collect());
    for r in &records {
        for (cell, key) in r.iter().zip(DUE_COLUMNS) {
            assert!(!cell.starts_with(FORMULA_STARTS), "column {key}: {cell:?}");
        }
    }

    let next_day = env.run_with(&[("DUN_TODAY", "2026-11-24")], &["overdue", "--format", "csv"]);
    let (header, records) = parse_csv(next_day.ok());
    assert_eq!(header, OVERDUE_COLUMNS);
    let names: BTreeSet<&str> = records.iter().map(|r| r[2].as_str()).collect();
    assert_eq!(names, expected.iter().map(String::as_str).collect());
}

#[test]
fn due_csv_defuses_addresses_that_look_like_formulas() {
    let env = formula_agenda(|h| format!("={h}@x.example"));
    let csv_text = env.ok(&["due", "--format", "csv"]);
    let rows = env.run(&["due", "--format", "json"]).json();
    assert_csv_is_json(&csv_text, &rows, &DUE_COLUMNS);
}

#[test]
fn demo_fills_a_new_database_with_every_action_and_bucket_once() {
    let mut env = Env::new();
    env.set_today("2026-11-23");
    let file = env.dir.path().join("demo.db");
    let db = file.to_str().expect("a UTF-8 path");
    env.ok(&["demo", "--db", db]);

    let rows = env.run(&["due", "--db", db, "--format", "json"]).json();
    let actions: BTreeSet<String> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| text(&r["action"]))
        .collect();
    for action in ["email", "call", "letter", "with-lawyer", "broken-promise"] {
        assert!(actions.contains(action), "{action} not in {actions:?}");
    }
    let rows = env.run(&["overdue", "--db", db, "--format", "json"]).json();
    let buckets: BTreeSet<String> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| text(&r["bucket"]))
        .collect();
    assert!(buckets.len() >= 3, "buckets {buckets:?}");

    let before = std::fs::read(&file).unwrap();
    let refused = env.run(&["demo", "--db", db]);
    let message = refused.fails(1);
    assert!(
        message.starts_with("error:") && message.contains("demo.db"),
        "{message}"
    );
    assert_eq!(
        std::fs::read(&file).unwrap(),
        before,
        "the second demo changed the file"
    );
}
