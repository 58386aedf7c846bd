//! The messages as a client receives them (issue 10): the ladder walked from
//! day 0 to day 30 for a client of each language, through the real binary
//! and a real SMTP server, and the demand letter after it. One client per
//! language has a person's name in its address, a phone and an escalation
//! contact (its calls go unanswered); one has three invoices, no phone and
//! no contact, so the escalation goes to the client itself.
//!
//! Set `DUN_SERIES_OUT=DIR` to keep every message and letter in DIR.

use std::collections::BTreeMap;

use chrono::{NaiveDate, TimeDelta};

use crate::common::{Env, STATUTORY_FEES};
use crate::smtp_server::{Received, SmtpServer};

/// Monday 1 March 2027: day 0, the due date.
const DAY0: &str = "2027-03-01";

fn day(n: i64) -> String {
    let d = NaiveDate::parse_from_str(DAY0, "%Y-%m-%d").unwrap() + TimeDelta::days(n);
    d.format("%Y-%m-%d").to_string()
}

/// The config: statutory charges (with test figures for 2027, past the
/// shipped table) and the default ladder plus an escalation on day 12.
fn config(smtp: &str) -> String {
    format!(
        r#"{smtp}
[sender]
name = "Fia Freelance"
email = "fia@example.org"
signature = "Storgatan 1 · 111 22 Stockholm"
payment_instructions = "IBAN SE45 5000 0000 0583 9825 7466, BIC ESSESESS"
address = "Storgatan 1\n111 22 Stockholm"
org_number = "559123-4567"

[payment_instructions]
SEK = "Bankgiro 123-4567"
{STATUTORY_FEES}
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
name = "escalate"
day = 12
action = "escalate"
template = "escalate"
[[ladder]]
name = "call"
day = 14
action = "call"
repeat = 7
[[ladder]]
name = "demand"
day = 30
action = "letter"
"#
    )
}

/// One language's clients and the words the checks look for.
struct Lang {
    lang: &'static str,
    country: &'static str,
    currency: &'static str,
    company: &'static str,
    person: &'static str,
    /// The neutral greeting, and the greeting of the person (first line).
    neutral: &'static str,
    greets_person: &'static str,
    /// Words that promise a call to come.
    promises_call: &'static [&'static str],
    /// A word of the sentence that names a call tried.
    phone: &'static str,
    /// What the demand letter names: its title and its next step.
    letter: &'static [&'static str],
    /// An unanswered call in the letter's list.
    no_answer: &'static str,
}

const LANGS: [Lang; 5] = [
    Lang {
        lang: "en",
        country: "GB",
        currency: "GBP",
        company: "Brightside Ltd",
        person: "Jane Cole",
        neutral: "Hello,",
        greets_person: "Hello Jane,",
        promises_call: &[
            "give you a call",
            "will also try to reach",
            "will call you",
            "to call you",
        ],
        phone: "phone",
        letter: &[
            "Letter before claim",
            "County Court",
            "Money Claim Online",
            "Practice Direction",
        ],
        no_answer: "call, not answered",
    },
    Lang {
        lang: "sv",
        country: "SE",
        currency: "SEK",
        company: "Nordlys AB",
        person: "Anna Lind",
        neutral: "Hej!",
        greets_person: "Hej Anna!",
        promises_call: &["ringer jag dig", "försöka nå", "ringa dig"],
        phone: "telefon",
        letter: &[
            "Inkassokrav",
            "betalningsföreläggande hos Kronofogden",
            "450,00 kr",
        ],
        no_answer: "samtal, inget svar",
    },
    Lang {
        lang: "tr",
        country: "TR",
        currency: "TRY",
        company: "Anatolia Tekstil A.Ş.",
        person: "Ayşe Yılmaz",
        neutral: "Sayın Yetkili,",
        greets_person: "Sayın Ayşe Yılmaz,",
        promises_call: &["arayacağım", "ulaşmaya çalışacağım"],
        phone: "telefon",
        letter: &[
            "İhtarname",
            "icra takibi",
            "ihtaren bildiririm",
            "Noter aracılığıyla",
        ],
        no_answer: "telefonla arama, yanıt verilmedi",
    },
    Lang {
        lang: "ru",
        country: "RU",
        currency: "RUB",
        company: "ООО «Волга Трейд»",
        person: "Ирина Соколова",
        neutral: "Здравствуйте!",
        greets_person: "Здравствуйте, Ирина!",
        promises_call: &["позвоню", "постараюсь связаться"],
        phone: "дозвониться",
        letter: &[
            "Претензия",
            "арбитражный суд",
            "досудебного урегулирования",
            "ч. 5 ст. 4 АПК РФ",
        ],
        no_answer: "телефонный звонок, ответа не было",
    },
    Lang {
        lang: "ro",
        country: "RO",
        currency: "RON",
        company: "Carpați Design SRL",
        person: "Ioana Popescu",
        neutral: "Bună ziua,",
        greets_person: "Bună ziua, Ioana Popescu,",
        promises_call: &[
            "vă voi contacta telefonic",
            "Voi încerca, de asemenea",
            "va fi să vă contactez",
        ],
        phone: "telefonic",
        letter: &[
            "Somație de plată",
            "art. 1.015",
            "ordonanței de plată",
            "15 zile de la primirea",
        ],
        no_answer: "apel telefonic, fără răspuns",
    },
];

/// A message as the client reads it: no-break spaces as spaces, soft line
/// breaks joined (format=flowed).
fn read(body: &str) -> String {
    let mut out = String::new();
    for line in body.lines() {
        let line = line.strip_prefix(' ').unwrap_or(line);
        out.push_str(line);
        if !line.ends_with(' ') {
            out.push('\n');
        }
    }
    out.replace('\u{a0}', " ")
}

/// The words of a message, dates and figures aside.
fn wording(text: &str) -> String {
    let months = [
        "January",
        "February",
        "March",
        "April",
        "mars",
        "april",
        "Mart",
        "Nisan",
        "марта",
        "апреля",
        "martie",
        "aprilie",
    ];
    let mut t: String = text.chars().filter(|c| !c.is_ascii_digit()).collect();
    for m in months {
        t = t.replace(m, "");
    }
    t
}

/// Hard wraps are gone: every soft-broken line is long, and no line of
/// prose ends where the next one, in lower case, goes on.
fn check_lines(what: &str, body: &str) -> Vec<String> {
    let mut wrong = Vec::new();
    let lines: Vec<&str> = body.lines().collect();
    for (i, l) in lines.iter().enumerate() {
        let len = l.chars().count();
        if l.ends_with(' ') && len < 40 {
            wrong.push(format!("{what}: a short line broken softly: {l:?}"));
        }
        let table = l.starts_with("  ") || l.trim().contains("  ");
        if len > 78 && !table && l.trim().contains(' ') && !l.ends_with(' ') {
            wrong.push(format!("{what}: a line of {len} characters: {l:?}"));
        }
        if let Some(next) = lines.get(i + 1)
            && !l.ends_with(' ')
            && !l.is_empty()
            && !table
            && next.chars().next().is_some_and(|c| c.is_lowercase())
        {
            wrong.push(format!(
                "{what}: a hard break inside a paragraph: {l:?} / {next:?}"
            ));
        }
    }
    wrong
}

fn add(env: &Env, args: &[&str]) {
    let mut all = vec!["client", "add"];
    all.extend_from_slice(args);
    env.ok(&all);
}

/// The step each sent message did, by Message-ID (from the contact log).
fn steps(env: &Env) -> BTreeMap<String, String> {
    let conn = rusqlite::Connection::open(env.db()).unwrap();
    let mut stmt = conn
        .prepare(
            "SELECT message_id, step FROM contact_log WHERE channel = 'email' AND message_id IS NOT NULL",
        )
        .unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap()
}

#[test]
fn the_ladder_told_day_by_day_in_every_language() {
    let server = SmtpServer::start();
    let mut env = Env::new();
    env.write_config(&config(&server.smtp_section()));
    env.set_today("2027-01-30");
    for l in &LANGS {
        let one = format!("--handle=one-{}", l.lang);
        let many = format!("--handle=many-{}", l.lang);
        let mailbox = format!("--email={} <ap@one-{}.example>", l.person, l.lang);
        let contact = format!("--contact=Karin Berg <cfo@one-{}.example>", l.lang);
        let plain = format!("--email=ap@many-{}.example", l.lang);
        let lang = format!("--lang={}", l.lang);
        let country = format!("--country={}", l.country);
        add(
            &env,
            &[
                &one,
                &lang,
                &country,
                &mailbox,
                "--phone=+46 8 123 45 67",
                &contact,
                "--role=CFO",
                "--org-number=556000-1111",
                "--address=Box 12 | 222 33 Malmö",
                "--",
                l.company,
            ],
        );
        add(
            &env,
            &[
                &many,
                &lang,
                &country,
                &plain,
                "--address=Sjögatan 4 | 903 25 Umeå",
                "--",
                l.company,
            ],
        );
        let invoice = |number: String, client: &str, amount: &str, currency: &str| {
            env.ok(&[
                "invoice",
                "add",
                &number,
                "--client",
                client,
                "--amount",
                amount,
                "--currency",
                currency,
                "--issued",
                "2027-01-30",
                "--due",
                DAY0,
            ]);
        };
        let up = l.lang.to_uppercase();
        invoice(
            format!("{up}-1"),
            &format!("one-{}", l.lang),
            "1200.00",
            l.currency,
        );
        invoice(
            format!("{up}-M0"),
            &format!("many-{}", l.lang),
            "500.00",
            l.currency,
        );
        invoice(
            format!("{up}-M1"),
            &format!("many-{}", l.lang),
            "750.00",
            l.currency,
        );
        invoice(format!("{up}-M2"), &format!("many-{}", l.lang), "1000.00", "EUR");
        // Recorded the day it arrived: dun refuses a payment dated after today.
        env.ok(&[
            "--today",
            "2027-02-20",
            "pay",
            &format!("{up}-1"),
            "200.00",
            "--on",
            "2027-02-20",
        ]);
    }

    // Days 0 to 30: send what is due, make the calls the agenda asks for
    // (nobody answers), and keep what each client received.
    let mut received: Vec<(i64, Received)> = Vec::new();
    let mut first_call: BTreeMap<String, i64> = BTreeMap::new();
    for d in 0..=30 {
        env.set_today(&day(d));
        env.ok(&["send", "--yes", "--quiet"]);
        received.extend(server.take().into_iter().map(|m| (d, m)));
        let agenda = env.run(&["due", "--format", "json"]).json();
        for row in agenda.as_array().unwrap() {
            let client = row["client"].as_str().unwrap();
            if row["action"] == "call" && client.starts_with("one-") {
                let inv = row["invoice"].as_str().unwrap();
                env.ok(&["log", inv, "call", "--outcome", "no-answer"]);
                first_call.entry(client.to_string()).or_insert(d);
            }
        }
    }
    let steps = steps(&env);
    let out = std::env::var_os("DUN_SERIES_OUT").map(std::path::PathBuf::from);

    let mut wrong = Vec::new();
    for l in &LANGS {
        for who in ["one", "many"] {
            let handle = format!("{who}-{}", l.lang);
            let to_client = format!("ap@{handle}.example");
            let series: Vec<(i64, &Received)> = received
                .iter()
                .filter(|(_, m)| m.to.iter().any(|t| t.contains(&format!("{handle}.example"))))
                .map(|(d, m)| (*d, m))
                .collect();
            let days: Vec<i64> = series.iter().map(|(d, _)| *d).collect();
            assert_eq!(days, [0, 7, 14, 21, 28], "{handle}: the days mail arrived");
            let mut follow_ups: Vec<(i64, String)> = Vec::new();
            for (d, m) in &series {
                let raw = m.body();
                let text = read(&raw);
                let what = format!("{handle} day {d}");
                let ct = m.header("Content-Type").unwrap_or_default().to_ascii_lowercase();
                if !ct.contains("format=flowed") {
                    wrong.push(format!("{what}: Content-Type {ct}"));
                }
                wrong.extend(check_lines(&what, &raw));
                let step = steps.get(&m.message_id()).cloned().unwrap_or_default();
                let greeting = text.lines().next().unwrap_or_default();
                // Greetings: the person by name where dun has one, else neutral; never the company.
                if greeting.contains(l.company) {
                    wrong.push(format!("{what}: greets the company: {greeting}"));
                }
                let to_contact = m.to.iter().any(|t| t.starts_with("cfo@"));
                let expected = match (who, to_contact) {
                    (_, true) => "Karin",
                    ("one", false) => l.greets_person,
                    _ => l.neutral,
                };
                if !greeting.contains(expected) {
                    wrong.push(format!("{what}: greeting {greeting:?}, expected {expected:?}"));
                }
                if step == "escalate" && !to_contact && !m.to.contains(&to_client) {
                    wrong.push(format!(
                        "{what}: the escalation without a contact went to {:?}",
                        m.to
                    ));
                }
                // No call promised after one was made, nor to a client without a phone.
                let called = first_call.get(&handle).is_some_and(|c| c < d);
                for p in l.promises_call {
                    if (who == "many" || called) && text.contains(p) {
                        wrong.push(format!("{what}: promises a call ({p:?}):\n{text}"));
                    }
                }
                if step == "follow-up" {
                    follow_ups.push((*d, text.clone()));
                }
                if let Some(dir) = &out {
                    let dir = dir.join(l.lang);
                    std::fs::create_dir_all(&dir).unwrap();
                    std::fs::write(
                        dir.join(format!("{handle}-day{d:02}-{step}.txt")),
                        format!(
                            "To: {}\nSubject: {}\n\n{raw}",
                            m.header("To").unwrap_or_default(),
                            m.subject()
                        ),
                    )
                    .unwrap();
                }
            }
            // Three follow-ups (days 7, 21, 28), no two worded alike.
            assert_eq!(follow_ups.len(), 3, "{handle}: follow-ups on days {days:?}");
            for (i, (da, a)) in follow_ups.iter().enumerate() {
                for (db, b) in &follow_ups[i + 1..] {
                    if wording(a) == wording(b) {
                        wrong.push(format!(
                            "{handle}: the follow-ups of days {da} and {db} say the same"
                        ));
                    }
                }
            }
            // The day-21 follow-up names the first call, in a sentence about the
            // phone. That call is on day 16: the escalation (day 12) waited for
            // the e-mail gap until day 14, and the call (day 14) comes no sooner
            // than two days after it (SPEC.md §3 rule 4, spacing).
            if who == "one" {
                let (_, day21) = follow_ups.iter().find(|(d, _)| *d == 21).unwrap();
                assert_eq!(first_call.get(&handle), Some(&16), "{handle}: the first call");
                let called_on = long_date(l.lang, 16);
                let named = day21
                    .split_inclusive(['.', '!', '?'])
                    .any(|s| s.contains(&called_on) && s.contains(l.phone));
                if !named {
                    wrong.push(format!(
                        "{handle}: the day-21 follow-up does not name the call of {called_on}:\n{day21}"
                    ));
                }
            }
        }

        // The demand letter, on day 32 (16 days after the first call).
        env.set_today(&day(32));
        let up = l.lang.to_uppercase();
        let letter = env.ok(&["letter", &format!("{up}-1")]).replace('\u{a0}', " ");
        let joined = letter.replace('\n', " ");
        for needle in l.letter.iter().chain([&l.no_answer]) {
            if !joined.contains(needle) {
                wrong.push(format!("letter {up}-1: {needle:?} missing:\n{letter}"));
            }
        }
        for line in letter.lines() {
            if line.chars().count() > 98 {
                wrong.push(format!(
                    "letter {up}-1: a line of {} characters: {line}",
                    line.chars().count()
                ));
            }
        }
        if let Some(dir) = &out {
            std::fs::write(dir.join(l.lang).join(format!("letter-{up}-1.txt")), &letter).unwrap();
            let many = env.ok(&["letter", &format!("{up}-M0")]);
            std::fs::write(dir.join(l.lang).join(format!("letter-{up}-M0.txt")), many).unwrap();
        }
    }
    assert!(
        wrong.is_empty(),
        "{} problem(s):\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

/// A day of the walk as the language writes it in a message.
fn long_date(lang: &str, n: i64) -> String {
    let d = NaiveDate::parse_from_str(&day(n), "%Y-%m-%d").unwrap();
    dun::domain::dates::format_long(d, lang).replace('\u{a0}', " ")
}

#[test]
fn a_letter_with_no_reminders_claims_none() {
    let mut env = Env::new();
    env.set_today("2027-03-01");
    env.write_config("[defaults]\ncountry = \"GB\"\n");
    add(
        &env,
        &[
            "--handle=acme",
            "--email=ap@acme.example",
            "--org-number=01234567",
            "--",
            "Acme Ltd",
        ],
    );
    env.ok(&[
        "invoice",
        "add",
        "2027-1",
        "--client",
        "acme",
        "--amount",
        "500.00",
        "--currency",
        "GBP",
        "--due",
        "2027-03-01",
        "--step",
        "demand",
    ]);
    env.set_today("2027-03-10");
    let letter = env.ok(&["letter", "2027-1"]).replace(['\u{a0}', '\n'], " ");
    for never in ["reminder", "listed at the end", "Reminders and contacts"] {
        assert!(
            !letter.contains(never),
            "{never:?} in a letter with no contacts:\n{letter}"
        );
    }
    assert!(letter.contains("within 14 days"), "{letter}");
    // A GB client without a company number is an individual or sole trader:
    // the Pre-Action Protocol asks for 30 days and a letter by post.
    add(
        &env,
        &["--handle=sole", "--email=bo@sole.example", "--", "Bo Sole"],
    );
    env.ok(&[
        "invoice",
        "add",
        "2027-2",
        "--client",
        "sole",
        "--amount",
        "500.00",
        "--currency",
        "GBP",
        "--issued",
        "2027-02-01",
        "--due",
        "2027-03-01",
    ]);
    let letter = env.ok(&["letter", "2027-2"]).replace(['\u{a0}', '\n'], " ");
    assert!(
        letter.contains("within 30 days")
            && letter.contains("Pre-Action Protocol for Debt Claims")
            && letter.contains("By post"),
        "{letter}"
    );
    let refused = env.run(&["letter", "2027-2", "--deadline", "14"]);
    assert!(refused.fails(1).contains("at least 30 days"), "{refused:?}");
    // The Protocol's enclosures, which dun does not print: said to the user
    // for the individual's letter, not for the company's.
    let individual = env.run(&["letter", "2027-2"]);
    individual.ok();
    assert!(
        individual
            .stderr
            .contains("Information Sheet, Reply Form and Financial Statement"),
        "{individual:?}"
    );
    let company = env.run(&["letter", "2027-1"]);
    company.ok();
    assert!(!company.stderr.contains("Reply Form"), "{company:?}");
}

#[test]
fn a_missing_rate_leaves_that_message_out_and_sends_the_others() {
    let server = SmtpServer::start();
    let mut env = Env::new();
    env.write_config(&format!(
        "{}\n[sender]\nname = \"Fia Freelance\"\nemail = \"fia@example.org\"\n[fees]\nstatutory = true\n",
        server.smtp_section()
    ));
    env.set_today("2027-01-30");
    add(
        &env,
        &[
            "--handle=se",
            "--country=SE",
            "--email=ap@se.example",
            "--",
            "Nordlys AB",
        ],
    );
    add(
        &env,
        &[
            "--handle=us",
            "--country=US",
            "--email=ap@us.example",
            "--",
            "Acme Inc",
        ],
    );
    for (number, client) in [("2027-1", "se"), ("2027-2", "us")] {
        env.ok(&[
            "invoice",
            "add",
            number,
            "--client",
            client,
            "--amount",
            "100.00",
            "--currency",
            "SEK",
            "--due",
            "2027-03-01",
        ]);
    }
    // Day 7: the Swedish follow-up needs a 2027 reference rate dun does not have.
    env.set_today("2027-03-01");
    env.ok(&["send", "--yes"]);
    server.take();
    env.set_today("2027-03-08");
    let run = env.run(&["send", "--yes"]);
    assert_eq!(run.code, 3, "{run:?}");
    assert!(
        run.stderr.contains("2027-1")
            && run.stderr.contains("SE")
            && run.stderr.contains("[[fees.reference_rate]]"),
        "{run:?}"
    );
    let sent = server.take();
    assert_eq!(sent.len(), 1, "the other client's message goes");
    assert_eq!(sent[0].to, ["ap@us.example"]);
    // The overdue report lists the other invoice and names the one it cannot.
    let report = env.run(&["overdue", "--format", "csv"]);
    assert_eq!(report.code, 1, "{report:?}");
    assert!(
        report.stdout.contains("2027-2") && !report.stdout.contains("2027-1,"),
        "{report:?}"
    );
    assert!(report.stderr.contains("invoice 2027-1"), "{report:?}");
}

/// Russia's key rate is a rate for rubles: a Russian client's invoice in
/// euros is given no statutory interest, and dun says why, while the same
/// client's ruble invoice earns it (docs/law.md, Russia).
#[test]
fn a_russian_clients_euro_invoice_gets_no_key_rate_interest() {
    let mut env = Env::new();
    env.write_config(&config(""));
    add(
        &env,
        &[
            "--handle=volga",
            "--email=irina@volga.example",
            "--country=RU",
            "--org-number=1027700132195",
            "--",
            "ООО «Волга Трейд»",
        ],
    );
    for (number, currency) in [("2027-10", "EUR"), ("2027-11", "RUB")] {
        env.ok(&[
            "invoice",
            "add",
            number,
            "--client",
            "volga",
            "--amount",
            "1000.00",
            "--currency",
            currency,
            "--issued",
            "2027-02-01",
            "--due",
            DAY0,
        ]);
    }
    env.set_today(&day(30));
    let euro = env.ok(&["invoice", "show", "2027-10"]);
    assert!(
        euro.contains(
            "interest     none claimed: no statutory interest on a EUR debt under the law of Russia"
        ) && euro.contains("вопрос 51")
            && !euro.contains("charges"),
        "{euro}"
    );
    let rubles = env.ok(&["invoice", "show", "2027-11"]);
    assert!(
        rubles.contains("charges") && !rubles.contains("none claimed"),
        "{rubles}"
    );
}

/// A consumer is a person: with no name in the address, the message greets
/// the client's own name, in every language (the Swedish and English
/// templates said "Hej!" and "Hello," to Anna Lind).
#[test]
fn a_consumer_is_greeted_by_name_in_every_language() {
    let mut env = Env::new();
    env.write_config("[sender]\nname = \"Fia\"\nemail = \"fia@example.org\"\n");
    add(
        &env,
        &[
            "--handle=anna",
            "--email=anna@lind.example",
            "--consumer",
            "--",
            "Anna Lind",
        ],
    );
    env.ok(&[
        "invoice",
        "add",
        "2027-20",
        "--client",
        "anna",
        "--amount",
        "100.00",
        "--issued",
        "2027-02-01",
        "--due",
        DAY0,
    ]);
    env.set_today(DAY0);
    for (lang, greeting) in [
        ("sv", "Hej Anna!"),
        ("en", "Hello Anna,"),
        ("tr", "Sayın Anna Lind,"),
        ("ru", "Здравствуйте, Anna!"),
        ("ro", "Bună ziua, Anna Lind,"),
    ] {
        env.ok(&["client", "edit", "anna", "--lang", lang]);
        let message = env.ok(&["preview", "2027-20"]);
        assert!(
            message.lines().any(|l| l.trim_end() == greeting),
            "{lang}: no {greeting:?} in\n{message}"
        );
    }
}

/// A Russian consumer's demand names the court a person is sued in, not the
/// arbitrazh court and its pre-action rule, in every language.
#[test]
fn a_russian_consumers_demand_names_no_arbitrazh_court() {
    let mut env = Env::new();
    env.write_config(&config(""));
    add(
        &env,
        &[
            "--handle=irina",
            "--email=irina@mail.example",
            "--country=RU",
            "--consumer",
            "--",
            "Ирина Соколова",
        ],
    );
    env.ok(&[
        "invoice",
        "add",
        "2027-30",
        "--client",
        "irina",
        "--amount",
        "1000.00",
        "--currency",
        "RUB",
        "--issued",
        "2027-02-01",
        "--due",
        DAY0,
        "--step",
        "demand",
    ]);
    env.set_today(&day(30));
    for (lang, court) in [
        ("ru", "обращусь в суд с иском"),
        ("en", "bring a claim against you in a Russian court"),
        ("sv", "väcka talan mot er vid rysk domstol"),
        ("tr", "mahkeme nezdinde alacak davası"),
        ("ro", "introducerea unei acțiuni în instanță în Rusia"),
    ] {
        env.ok(&["client", "edit", "irina", "--lang", lang]);
        let letter = env.ok(&["letter", "2027-30"]).replace(['\u{a0}', '\n'], " ");
        assert!(letter.contains(court), "{lang}: {court:?} not in\n{letter}");
        for never in [
            "arbitrazh",
            "арбитражный",
            "АПК",
            "arbitrage",
            "ticaret mahkemesi",
            "comercial",
        ] {
            assert!(!letter.contains(never), "{lang}: {never:?} in\n{letter}");
        }
    }
}
