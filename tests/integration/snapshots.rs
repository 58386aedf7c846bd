//! Every built-in template in every language, rendered from real rows
//! through the real variable builder (mail::vars) and wrapped as dun sends
//! it, for one and several invoices, with and without payments, charges,
//! history and a contact person. The snapshots live in tests/snapshots/ so
//! that a reviewer can read the whole set in one place; `cargo insta review`
//! shows what a change does to them.

use std::path::Path;

use chrono::NaiveDate;
use dun::config::Config;
use dun::domain::contact::{Channel, Delivery, Outcome};
use dun::mail::flowed::{wrap_flowed, wrap_plain};
use dun::mail::templates::Templates;
use dun::mail::vars::{InvoiceFacts, Recipient, Road, VarsInput, message_vars};
use dun::store::{ClientRow, InvoiceRow, LogRow, Party, PaymentRow};

use crate::common::STATUTORY_FEES;

const LANGS: [&str; 5] = ["en", "sv", "tr", "ru", "ro"];

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

/// The law and the currency each language's client has at home.
fn home(lang: &str) -> (&'static str, &'static str) {
    match lang {
        "en" => ("GB", "GBP"),
        "sv" => ("SE", "SEK"),
        "tr" => ("TR", "TRY"),
        "ru" => ("RU", "RUB"),
        _ => ("RO", "RON"),
    }
}

const SENDER: &str = r#"
[sender]
name = "Fia Freelance"
email = "fia@example.org"
signature = "Storgatan 1 · 111 22 Stockholm"
payment_instructions = "IBAN SE45 5000 0000 0583 9825 7466, BIC ESSESESS"
address = "Storgatan 1\n111 22 Stockholm\nSweden"
org_number = "559123-4567"
vat_number = "SE559123456701"

[payment_instructions]
SEK = "Bankgiro 123-4567"
"#;

/// What a contract says: a fee per currency and 8 % a year.
const CONTRACT: &str = r#"
[fees]
interest_percent = 8.0
[fees.flat_fee]
EUR = "40.00"
SEK = "450.00"
GBP = "40.00"
TRY = "1500.00"
RUB = "4000.00"
RON = "200.00"
"#;

/// The default ladder plus an escalation on day 12.
const LADDER: &str = r#"
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
"#;

fn config(fees: &str) -> Config {
    Config::parse(&format!("{SENDER}{fees}{LADDER}")).unwrap()
}

fn client(lang: &str, person: bool) -> ClientRow {
    let (country, _) = home(lang);
    ClientRow {
        id: 1,
        handle: "client".into(),
        name: "Kunde Client Ltd".into(),
        emails: vec![if person {
            "Jane Cole <ap@client.example>".into()
        } else {
            "ap@client.example".into()
        }],
        phone: Some("+44 117 496 0000".into()),
        lang: lang.into(),
        notes: None,
        email_mark: 0,
        party: Party {
            address: Some("12 High Street\nBristol BS1 4DJ".into()),
            org_number: Some("01234567".into()),
            country: Some(country.into()),
            consumer: false,
        },
    }
}

fn invoice(id: i64, number: &str, amount: i64, currency: &str, paid: i64) -> InvoiceRow {
    InvoiceRow {
        id,
        number: number.into(),
        client_id: 1,
        client_handle: "client".into(),
        client_name: "Kunde Client Ltd".into(),
        issued: d("2027-01-30"),
        due: d("2027-03-01"),
        amount,
        currency: currency.into(),
        description: (id == 1).then(|| "Website redesign".into()),
        pay_link: (currency == "EUR").then(|| "https://pay.example.org/x".into()),
        // The story's invoice carries a payment reference; the others none.
        reference: (id == 1 && paid > 0)
            .then(|| dun::domain::reference::rf(&number.replace('-', "")).map(|r| r.into_string()))
            .flatten(),
        start_step: None,
        entered_on: d("2027-01-30"),
        closed: None,
        closed_on: None,
        close_note: None,
        write_down: 0,
        paid,
        held: false,
    }
}

fn log(
    id: i64,
    on: &str,
    channel: Channel,
    step: Option<&str>,
    outcome: Option<Outcome>,
    to: &str,
) -> LogRow {
    LogRow {
        id,
        channel,
        inbound: false,
        on: d(on),
        at: format!("{on}T09:00:00Z"),
        step: step.map(Into::into),
        outcome,
        note: None,
        recipients: (channel == Channel::Email).then(|| to.to_string()),
        subject: None,
        message_id: (channel == Channel::Email).then(|| format!("<m{id}@example.org>")),
        delivery: (channel == Channel::Email).then_some(Delivery::Sent),
        delivery_detail: None,
        deadline: None,
        message_key: None,
    }
}

/// The contacts of a client who neither pays nor answers, up to day 21.
fn story() -> Vec<LogRow> {
    vec![
        log(
            1,
            "2027-03-01",
            Channel::Email,
            Some("reminder"),
            None,
            "ap@client.example",
        ),
        log(
            2,
            "2027-03-08",
            Channel::Email,
            Some("follow-up"),
            None,
            "ap@client.example",
        ),
        log(
            3,
            "2027-03-15",
            Channel::Email,
            Some("escalate"),
            None,
            "cfo@client.example",
        ),
        log(
            4,
            "2027-03-15",
            Channel::Call,
            Some("call"),
            Some(Outcome::NoAnswer),
            "",
        ),
        log(
            5,
            "2027-03-22",
            Channel::Email,
            Some("follow-up"),
            None,
            "ap@client.example",
        ),
        log(
            6,
            "2027-03-22",
            Channel::Call,
            Some("call"),
            Some(Outcome::Voicemail),
            "",
        ),
    ]
}

/// One way a message can find its client.
struct Case {
    name: &'static str,
    template: &'static str,
    today: &'static str,
    fees: &'static str,
    person: bool,
    /// (id, number, amount, currency is home (else EUR), paid)
    invoices: &'static [(i64, &'static str, i64, bool, i64)],
    story: bool,
    contact: bool,
    /// The step the road says comes next, and its day.
    next: Option<(&'static str, &'static str)>,
    emails_before: u32,
}

const ONE: &[(i64, &str, i64, bool, i64)] = &[(1, "2027-014", 120_000, true, 0)];
const ONE_PAID: &[(i64, &str, i64, bool, i64)] = &[(1, "2027-014", 120_000, true, 20_000)];
const MANY: &[(i64, &str, i64, bool, i64)] = &[
    (1, "2027-014", 120_000, true, 20_000),
    (2, "2027-015", 75_000, true, 0),
    (3, "2027-016", 100_000, false, 0),
];

const CASES: &[Case] = &[
    Case {
        name: "one-due-today",
        template: "reminder",
        today: "2027-03-01",
        fees: "",
        person: false,
        invoices: ONE,
        story: false,
        contact: false,
        next: Some(("follow-up", "2027-03-08")),
        emails_before: 0,
    },
    Case {
        name: "several-part-paid-person",
        template: "reminder",
        today: "2027-03-03",
        fees: "",
        person: true,
        invoices: MANY,
        story: false,
        contact: false,
        next: Some(("follow-up", "2027-03-10")),
        emails_before: 0,
    },
    Case {
        name: "first-no-charges",
        template: "follow-up",
        today: "2027-03-08",
        fees: "",
        person: false,
        invoices: ONE,
        story: false,
        contact: false,
        next: Some(("escalate", "2027-03-15")),
        emails_before: 0,
    },
    Case {
        name: "second-statutory-story-person",
        template: "follow-up",
        today: "2027-03-22",
        fees: STATUTORY_FEES,
        person: true,
        invoices: ONE_PAID,
        story: true,
        contact: false,
        next: Some(("demand", "2027-03-31")),
        emails_before: 1,
    },
    Case {
        name: "final-several-contract-story",
        template: "follow-up",
        today: "2027-03-29",
        fees: CONTRACT,
        person: false,
        invoices: MANY,
        story: true,
        contact: false,
        next: Some(("demand", "2027-03-31")),
        emails_before: 0,
    },
    Case {
        name: "to-the-client-itself-several-statutory",
        template: "escalate",
        today: "2027-03-15",
        fees: STATUTORY_FEES,
        person: false,
        invoices: MANY,
        story: false,
        contact: false,
        next: Some(("call", "2027-03-15")),
        emails_before: 0,
    },
    Case {
        name: "to-a-contact-part-paid",
        template: "escalate",
        today: "2027-03-15",
        fees: "",
        person: true,
        invoices: ONE_PAID,
        story: false,
        contact: true,
        next: Some(("demand", "2027-03-31")),
        emails_before: 2,
    },
    Case {
        name: "part-paid-contract-person",
        template: "reminder-letter",
        today: "2027-03-16",
        fees: CONTRACT,
        person: true,
        invoices: ONE_PAID,
        story: true,
        contact: false,
        next: Some(("demand", "2027-03-31")),
        emails_before: 0,
    },
    Case {
        name: "several-statutory",
        template: "reminder-letter",
        today: "2027-03-16",
        fees: STATUTORY_FEES,
        person: false,
        invoices: MANY,
        story: false,
        contact: false,
        next: Some(("demand", "2027-03-31")),
        emails_before: 0,
    },
    Case {
        name: "no-history-no-charges",
        template: "demand",
        today: "2027-04-01",
        fees: "",
        person: false,
        invoices: ONE,
        story: false,
        contact: false,
        next: None,
        emails_before: 0,
    },
    Case {
        name: "statutory-story-part-paid-person",
        template: "demand",
        today: "2027-04-01",
        fees: STATUTORY_FEES,
        person: true,
        invoices: ONE_PAID,
        story: true,
        contact: false,
        next: None,
        emails_before: 0,
    },
    Case {
        name: "several-contract",
        template: "demand",
        today: "2027-04-01",
        fees: CONTRACT,
        person: false,
        invoices: MANY,
        story: true,
        contact: false,
        next: None,
        emails_before: 0,
    },
];

fn render(lang: &str, case: &Case) -> String {
    let config = config(case.fees);
    let (_, cur) = home(lang);
    let client = client(lang, case.person);
    let facts: Vec<InvoiceFacts> = case
        .invoices
        .iter()
        .map(|&(id, number, amount, at_home, paid)| InvoiceFacts {
            invoice: invoice(id, number, amount, if at_home { cur } else { "EUR" }, paid),
            payments: if paid > 0 {
                vec![PaymentRow {
                    amount: paid,
                    paid_on: d("2027-02-20"),
                    method: Some("bank".into()),
                    note: None,
                }]
            } else {
                Vec::new()
            },
            log: if case.story && id == 1 {
                story().into_iter().filter(|l| l.on < d(case.today)).collect()
            } else {
                Vec::new()
            },
            plan: None,
        })
        .collect();
    let (name, role, person) = if case.contact {
        ("Karin Berg", Some("CFO"), Some("Karin Berg"))
    } else {
        ("Kunde Client Ltd", None, case.person.then_some("Jane Cole"))
    };
    let step = if case.template == "demand" {
        "demand"
    } else {
        case.template
    };
    let vars = message_vars(&VarsInput {
        config: &config,
        today: d(case.today),
        client: &client,
        recipient: Recipient {
            name,
            role,
            person,
            contact: case.contact,
        },
        step,
        template: case.template,
        invoices: &facts,
        road: Road {
            next: case
                .next
                .map(|(s, on)| (config.ladder.index_of(s).unwrap(), d(on))),
            emails_before: case.emails_before,
            escalation_contact: true,
        },
        deadline_days: if lang == "ro" {
            15
        } else if lang == "ru" {
            30
        } else {
            14
        },
    })
    .unwrap_or_else(|e| panic!("{lang}/{}: {e:#}", case.name));
    let templates = Templates::new(Path::new("/nonexistent/config.toml"));
    let r = templates
        .render(lang, case.template, &vars)
        .unwrap_or_else(|e| panic!("{lang}/{}/{}: {e:#}", case.template, case.name));
    // A letter's head (the parties, the date) is laid out by dun letter
    // (src/paper); here, its heading and its words.
    if case.template.contains("demand") || case.template.ends_with("letter") {
        format!("{}\n\n{}", r.subject, wrap_plain(&r.body))
    } else {
        format!("Subject: {}\n\n{}", r.subject, wrap_flowed(&r.body))
    }
}

#[test]
fn every_builtin_template_in_every_language() {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("../snapshots");
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.bind(|| {
        for lang in LANGS {
            for case in CASES {
                let text = render(lang, case);
                // What every message must be, whatever its words.
                assert!(
                    !text.contains("\n\n\n"),
                    "{lang}/{}: stray blank lines",
                    case.name
                );
                assert!(
                    !text.contains("{{") && !text.contains("{%"),
                    "{lang}/{}",
                    case.name
                );
                for inv in case.invoices {
                    assert!(text.contains(inv.1), "{lang}/{}: {} missing", case.name, inv.1);
                }
                assert!(
                    !text
                        .lines()
                        .nth(2)
                        .unwrap_or_default()
                        .contains("Kunde Client Ltd"),
                    "{lang}/{}: greets the company",
                    case.name
                );
                insta::assert_snapshot!(format!("{lang}__{}__{}", case.template, case.name), text);
            }
        }
    });
}

// ---------------------------------------------------------------------------
// Payment plans (SPEC.md §12): the confirmation and the instalment reminder,
// rendered from a plan as stored, through the same variable builder.

/// One plan message: the plan's instalments (date, amount), the payments
/// since it began, and the instalment a reminder is about.
struct PlanCase {
    name: &'static str,
    template: &'static str,
    today: &'static str,
    person: bool,
    instalments: &'static [(&'static str, i64)],
    payments: &'static [(&'static str, i64)],
    reminder: Option<usize>,
}

const THREE: &[(&str, i64)] = &[
    ("2027-03-15", 40_000),
    ("2027-04-15", 40_000),
    ("2027-05-15", 40_000),
];

const PLAN_CASES: &[PlanCase] = &[
    PlanCase {
        name: "three-monthly",
        template: "plan",
        today: "2027-03-03",
        person: false,
        instalments: THREE,
        payments: &[],
        reminder: None,
    },
    PlanCase {
        name: "one-payment-person",
        template: "plan",
        today: "2027-03-03",
        person: true,
        instalments: &[("2027-03-31", 120_000)],
        payments: &[],
        reminder: None,
    },
    PlanCase {
        name: "second-part-paid",
        template: "instalment",
        today: "2027-04-15",
        person: false,
        instalments: THREE,
        payments: &[("2027-03-16", 40_000), ("2027-04-10", 15_000)],
        reminder: Some(1),
    },
    PlanCase {
        name: "last-a-day-late-person",
        template: "instalment",
        today: "2027-05-17",
        person: true,
        instalments: THREE,
        payments: &[("2027-03-15", 40_000), ("2027-04-14", 40_000)],
        reminder: Some(2),
    },
    // After a broken plan, the ladder's messages say it was not kept.
    PlanCase {
        name: "after-a-broken-plan",
        template: "follow-up",
        today: "2027-04-20",
        person: false,
        instalments: THREE,
        payments: &[("2027-03-16", 40_000)],
        reminder: None,
    },
    PlanCase {
        name: "after-a-broken-plan",
        template: "demand",
        today: "2027-05-03",
        person: true,
        instalments: THREE,
        payments: &[("2027-03-16", 40_000), ("2027-04-16", 10_000)],
        reminder: None,
    },
];

fn render_plan(lang: &str, case: &PlanCase) -> String {
    use dun::domain::plan::Instalment;
    use dun::mail::plan_vars::PlanFacts;
    use dun::store::{CurrentPlan, PlanRow};
    let config = config("");
    let (_, cur) = home(lang);
    let client = client(lang, case.person);
    let paid: i64 = case.payments.iter().map(|p| p.1).sum();
    let inv = invoice(1, "2027-014", 120_000, cur, paid);
    let plan = CurrentPlan {
        plan: PlanRow {
            id: 1,
            invoice_id: 1,
            made_on: d("2027-03-03"),
            balance: 120_000,
            state: "active".into(),
            ended_on: None,
            note: None,
            instalments: case
                .instalments
                .iter()
                .map(|&(on, amount)| Instalment { on: d(on), amount })
                .collect(),
        },
        payments: case.payments.iter().map(|&(on, a)| (d(on), a)).collect(),
        sent: Vec::new(),
        number: inv.number.clone(),
        client_id: 1,
        client_handle: "client".into(),
        client_name: client.name.clone(),
        client_emails: client.emails.join(", "),
        client_phone: client.phone.clone(),
        currency: cur.into(),
        due: inv.due,
        balance: inv.balance(),
        last_by_hand: None,
    };
    let facts = vec![InvoiceFacts {
        payments: case
            .payments
            .iter()
            .map(|&(on, amount)| PaymentRow {
                amount,
                paid_on: d(on),
                method: Some("bank".into()),
                note: None,
            })
            .collect(),
        invoice: inv,
        log: Vec::new(),
        plan: Some(PlanFacts {
            plan,
            reminder: case.reminder,
        }),
    }];
    let vars = message_vars(&VarsInput {
        config: &config,
        today: d(case.today),
        client: &client,
        recipient: Recipient {
            name: "Kunde Client Ltd",
            role: None,
            person: case.person.then_some("Jane Cole"),
            contact: false,
        },
        step: case.template,
        template: case.template,
        invoices: &facts,
        road: Road::default(),
        deadline_days: match lang {
            "ro" => 15,
            "ru" => 30,
            _ => 14,
        },
    })
    .unwrap_or_else(|e| panic!("{lang}/{}: {e:#}", case.name));
    let r = Templates::new(Path::new("/nonexistent/config.toml"))
        .render(lang, case.template, &vars)
        .unwrap_or_else(|e| panic!("{lang}/{}/{}: {e:#}", case.template, case.name));
    if case.template == "demand" {
        format!("{}\n\n{}", r.subject, wrap_plain(&r.body))
    } else {
        format!("Subject: {}\n\n{}", r.subject, wrap_flowed(&r.body))
    }
}

#[test]
fn the_plan_messages_in_every_language() {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("../snapshots");
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.bind(|| {
        for lang in LANGS {
            for case in PLAN_CASES {
                let text = render_plan(lang, case);
                assert!(
                    !text.contains("\n\n\n"),
                    "{lang}/{}: stray blank lines",
                    case.name
                );
                assert!(
                    !text.contains("{{") && !text.contains("{%"),
                    "{lang}/{}",
                    case.name
                );
                assert!(text.contains("2027-014"), "{lang}/{}: the invoice", case.name);
                // The payment details, and the reference or the number to quote.
                assert!(
                    text.contains("IBAN") || text.contains("Bankgiro"),
                    "{lang}/{}: how to pay",
                    case.name
                );
                let body = text.replace(" \n", " ");
                assert!(
                    !body
                        .lines()
                        .nth(2)
                        .unwrap_or_default()
                        .contains("Kunde Client Ltd"),
                    "{lang}/{}: greets the company",
                    case.name
                );
                if case.name == "after-a-broken-plan" {
                    // The missed instalment, by its date.
                    assert!(body.contains("2027"), "{lang}/{}", case.name);
                    assert!(
                        [
                            "15 April 2027",
                            "15 april 2027",
                            "15 Nisan 2027",
                            "15 апреля 2027",
                            "15 aprilie 2027"
                        ]
                        .iter()
                        .any(|d| body.replace('\u{a0}', " ").contains(d)),
                        "{lang}/{}/{}: names the missed instalment:\n{body}",
                        case.template,
                        case.name
                    );
                }
                if case.template == "plan" {
                    assert_eq!(
                        case.instalments.len() > 1,
                        body.contains("\n  "),
                        "{lang}/{}: the list of instalments",
                        case.name
                    );
                }
                insta::assert_snapshot!(format!("{lang}__{}__{}", case.template, case.name), text);
            }
        }
    });
}
