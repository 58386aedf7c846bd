//! Proof that the kept ladder state cannot drift (SPEC.md §9): random
//! sequences of writes through the store's own functions, on a real SQLite
//! file, and after each one
//!
//! * the kept state (`ladder_state`) equals a recomputation in Rust from the
//!   records, and the view `dun check` compares it with gives the same;
//! * the scan's facts for each open invoice equal the ladder's own reduction
//!   of its contact log ([`LogFacts::from_contacts`]), and the assessment
//!   from the kept state equals [`assess`] on the whole contact list, for
//!   several *today*s (before the newest entries too, where the scan reads
//!   the log) and two ladders.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use proptest::prelude::*;
use rusqlite::Connection;

use crate::domain::contact::{Channel, Delivery, HoldKind, Outcome, StepAction};
use crate::domain::dates::add_days;
use crate::domain::ladder::{Case, Facts, Ladder, LogFacts, Schedule, Step, assess, assess_facts};
use crate::domain::reference::ReferenceKind;
use crate::store::{
    self, KeptState, NewClient, NewInvoice, NewLog, PaymentRow, ScanFilter, Store, kept_states,
    states_from_records,
};

/// Step names written into the log: the default ladder's, one no ladder has
/// any more, and one holding a field separator (never packed: the scan reads
/// that invoice's log).
const STEP_NAMES: [&str; 6] = [
    "reminder",
    "follow-up",
    "call",
    "demand",
    "retired-step",
    "odd\u{1f}name",
];
const CURRENCIES: [&str; 3] = ["EUR", "SEK", "JPY"];
const MESSAGE_IDS: [&str; 3] = ["<a@dun.test>", "<b@dun.test>", "<c@dun.test>"];

fn base() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 6, 1).expect("a date")
}

fn day(offset: i16) -> NaiveDate {
    add_days(base(), i64::from(offset))
}

#[derive(Debug, Clone)]
enum Op {
    Client,
    Invoice {
        client: u8,
        issued: i16,
        terms: u8,
        amount: i64,
        start: Option<u8>,
        currency: u8,
    },
    Pay {
        invoice: u8,
        amount: i64,
        on: i16,
        bank: bool,
    },
    Log {
        invoice: u8,
        channel: u8,
        inbound: bool,
        step: Option<u8>,
        outcome: Option<u8>,
        delivery: Option<u8>,
        on: i16,
        deadline: Option<i16>,
        message: u8,
    },
    /// A pending entry (by index) becomes sent or failed, alone or with every
    /// entry of its message.
    Deliver {
        entry: u8,
        failed: bool,
        whole_message: bool,
    },
    Hold {
        invoice: u8,
        kind: u8,
        since: i16,
        until: Option<i16>,
    },
    Release {
        invoice: u8,
        kind: u8,
    },
    Edit {
        invoice: u8,
        due: Option<i16>,
        amount: Option<i64>,
        issued: Option<i16>,
        currency: Option<u8>,
    },
    Close {
        invoice: u8,
        why: u8,
    },
    Reopen {
        invoice: u8,
    },
    /// `dun inbox` logging a message read from the mailbox (a reply, an
    /// out-of-office answer, a bounce), once per message and invoice.
    Inbox {
        invoice: u8,
        outcome: u8,
        on: i16,
        again: bool,
    },
    /// A payment plan agreed (`dun plan`), with its confirmation e-mail
    /// logged pending; or the active one ended.
    Plan {
        invoice: u8,
        on: i16,
        end: bool,
    },
    /// A client's name, addresses or phone edited.
    EditClient {
        client: u8,
        name: bool,
        phone: Option<bool>,
    },
}

fn amount() -> impl Strategy<Value = i64> {
    prop_oneof![1i64..100_000, 1i64..=1_000_000_000_000_000]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        1 => Just(Op::Client),
        3 => (any::<u8>(), -40i16..120, 0u8..40, amount(), proptest::option::weighted(0.2, 0u8..6), 0u8..3)
            .prop_map(|(client, issued, terms, amount, start, currency)| Op::Invoice {
                client, issued, terms, amount, start, currency
            }),
        2 => (any::<u8>(), amount(), -40i16..250, any::<bool>())
            .prop_map(|(invoice, amount, on, bank)| Op::Pay { invoice, amount, on, bank }),
        8 => (
            any::<u8>(),
            0u8..6,
            proptest::bool::weighted(0.25),
            proptest::option::weighted(0.7, 0u8..6),
            proptest::option::weighted(0.4, 0u8..9),
            proptest::option::of(0u8..3),
            -40i16..250,
            proptest::option::weighted(0.3, -40i16..300),
            0u8..3,
        )
            .prop_map(|(invoice, channel, inbound, step, outcome, delivery, on, deadline, message)| Op::Log {
                invoice, channel, inbound, step, outcome, delivery, on, deadline, message
            }),
        2 => (any::<u8>(), any::<bool>(), any::<bool>())
            .prop_map(|(entry, failed, whole_message)| Op::Deliver { entry, failed, whole_message }),
        1 => (any::<u8>(), 0u8..3, -40i16..250, proptest::option::of(-40i16..250))
            .prop_map(|(invoice, kind, since, until)| Op::Hold { invoice, kind, since, until }),
        1 => (any::<u8>(), 0u8..3).prop_map(|(invoice, kind)| Op::Release { invoice, kind }),
        2 => (
            any::<u8>(),
            proptest::option::of(-40i16..150),
            proptest::option::of(amount()),
            proptest::option::of(-60i16..120),
            proptest::option::weighted(0.2, 0u8..3),
        )
            .prop_map(|(invoice, due, amount, issued, currency)| Op::Edit { invoice, due, amount, issued, currency }),
        1 => (any::<u8>(), 0u8..4).prop_map(|(invoice, why)| Op::Close { invoice, why }),
        1 => any::<u8>().prop_map(|invoice| Op::Reopen { invoice }),
        1 => (any::<u8>(), any::<bool>(), proptest::option::of(any::<bool>()))
            .prop_map(|(client, name, phone)| Op::EditClient { client, name, phone }),
        2 => (any::<u8>(), 0u8..3, -40i16..250, any::<bool>())
            .prop_map(|(invoice, outcome, on, again)| Op::Inbox { invoice, outcome, on, again }),
        1 => (any::<u8>(), -40i16..250, any::<bool>()).prop_map(|(invoice, on, end)| Op::Plan { invoice, on, end }),
    ]
}

/// What the test knows about the database it writes.
#[derive(Default)]
struct World {
    clients: Vec<i64>,
    invoices: Vec<(i64, String)>,
    /// Log entries written pending: (id, Message-ID).
    pending: Vec<(i64, String)>,
    keys: u32,
}

fn pick<T>(items: &[T], i: u8) -> Option<&T> {
    (!items.is_empty()).then(|| &items[usize::from(i) % items.len()])
}

fn apply(st: &mut Store, w: &mut World, op: &Op) -> anyhow::Result<()> {
    let now = "2026-06-01T09:00:00Z";
    match op {
        Op::Client => {
            let n = w.clients.len();
            let id = st.write(|tx| {
                store::insert_client(
                    tx,
                    &NewClient {
                        handle: &format!("c{n}"),
                        name: &format!("Client {n}"),
                        emails: &[format!("c{n}@example.com")],
                        phone: n.is_multiple_of(2).then_some("+46 8 123 45"),
                        lang: "en",
                        notes: None,
                        party: &Default::default(),
                        now,
                    },
                )
            })?;
            w.clients.push(id);
        }
        Op::Invoice {
            client,
            issued,
            terms,
            amount,
            start,
            currency,
        } => {
            let Some(&client_id) = pick(&w.clients, *client) else {
                return apply(st, w, &Op::Client);
            };
            let number = format!("2026-{:03}", w.invoices.len() + 1);
            let issued = day(*issued);
            let id = st.write(|tx| {
                store::insert_invoice(
                    tx,
                    &NewInvoice {
                        number: &number,
                        client_id,
                        issued,
                        due: add_days(issued, i64::from(*terms)),
                        amount: *amount,
                        currency: CURRENCIES[usize::from(*currency)],
                        description: Some("work"),
                        pay_link: None,
                        start_step: start.map(|s| STEP_NAMES[usize::from(s)]),
                        entered_on: issued,
                        reference: if *terms % 3 == 0 {
                            ReferenceKind::None
                        } else {
                            ReferenceKind::Rf
                        },
                        now,
                    },
                )
            })?;
            w.invoices.push((id, number));
        }
        Op::Pay {
            invoice,
            amount,
            on,
            bank,
        } => {
            let Some((id, _)) = pick(&w.invoices, *invoice) else {
                return Ok(());
            };
            let p = PaymentRow {
                amount: *amount,
                paid_on: day(*on),
                method: Some("bank".into()),
                note: None,
            };
            let entry = format!("entry-{on}");
            st.write(|tx| store::insert_payment_from(tx, *id, &p, bank.then_some(entry.as_str()), now))?;
        }
        Op::Log {
            invoice,
            channel,
            inbound,
            step,
            outcome,
            delivery,
            on,
            deadline,
            message,
        } => {
            let Some((id, _)) = pick(&w.invoices, *invoice) else {
                return Ok(());
            };
            let channel = Channel::ALL[usize::from(*channel) % Channel::ALL.len()];
            let delivery = delivery.map(|d| Delivery::ALL[usize::from(d)]);
            let message_id = MESSAGE_IDS[usize::from(*message)];
            w.keys += 1;
            let key = format!("key-{}", w.keys);
            let log_id = st.write(|tx| {
                store::insert_log(
                    tx,
                    &NewLog {
                        invoice_id: *id,
                        channel,
                        inbound: *inbound,
                        on: day(*on),
                        at: now,
                        step: step.map(|s| STEP_NAMES[usize::from(s)]),
                        outcome: outcome.map(|o| Outcome::ALL[usize::from(o) % Outcome::ALL.len()]),
                        note: None,
                        recipients: None,
                        subject: None,
                        message_id: delivery.is_some().then_some(message_id),
                        delivery,
                        deadline: deadline.map(day),
                        message_key: inbound.then_some(key.as_str()),
                    },
                )
            })?;
            if delivery == Some(Delivery::Pending) {
                w.pending.push((log_id, message_id.to_string()));
            }
        }
        Op::Deliver {
            entry,
            failed,
            whole_message,
        } => {
            let Some((log_id, message_id)) = pick(&w.pending, *entry).cloned() else {
                return Ok(());
            };
            st.write(|tx| match (*whole_message, *failed) {
                (false, true) => store::fail_pending_entry(tx, log_id, "550 refused"),
                (true, failed) => store::set_delivery(
                    tx,
                    &message_id,
                    if failed { Delivery::Failed } else { Delivery::Sent },
                    None,
                    now,
                )
                .map(drop),
                // Only a message as a whole is ever marked sent.
                (false, false) => store::set_delivery(tx, &message_id, Delivery::Sent, None, now).map(drop),
            })?;
        }
        Op::Hold {
            invoice,
            kind,
            since,
            until,
        } => {
            let Some((id, _)) = pick(&w.invoices, *invoice) else {
                return Ok(());
            };
            let kind = HoldKind::ALL[usize::from(*kind)];
            st.write(|tx| store::insert_hold(tx, *id, kind, day(*since), until.map(day), None, now))?;
        }
        Op::Release { invoice, kind } => {
            let Some((id, _)) = pick(&w.invoices, *invoice) else {
                return Ok(());
            };
            let kind = HoldKind::ALL[usize::from(*kind)];
            st.write(|tx| store::release_holds(tx, *id, kind, base()).map(|_| ()))?;
        }
        Op::Edit {
            invoice,
            due,
            amount,
            issued,
            currency,
        } => {
            let Some((_, number)) = pick(&w.invoices, *invoice) else {
                return Ok(());
            };
            st.write(|tx| {
                let mut inv = store::find_invoice(tx, number, base())?.expect("the invoice exists");
                if let Some(d) = due {
                    inv.due = day(*d);
                }
                if let Some(a) = amount {
                    inv.amount = *a;
                }
                if let Some(i) = issued {
                    inv.issued = day(*i);
                }
                if let Some(c) = currency {
                    inv.currency = CURRENCIES[usize::from(*c)].into();
                }
                store::update_invoice(tx, &inv)
            })?;
        }
        Op::Close { invoice, why } => {
            let Some((id, _)) = pick(&w.invoices, *invoice) else {
                return Ok(());
            };
            let why = ["paid", "settled", "written-off", "void"][usize::from(*why)];
            st.write(|tx| store::set_closed(tx, *id, Some(why), Some(base()), None, 0))?;
        }
        Op::Reopen { invoice } => {
            let Some((id, _)) = pick(&w.invoices, *invoice) else {
                return Ok(());
            };
            st.write(|tx| store::set_closed(tx, *id, None, None, None, 0))?;
        }
        Op::Inbox {
            invoice,
            outcome,
            on,
            again,
        } => {
            let Some((id, _)) = pick(&w.invoices, *invoice) else {
                return Ok(());
            };
            let outcome = [Outcome::Replied, Outcome::AutoReply, Outcome::Bounced][usize::from(*outcome)];
            w.keys += 1;
            let entry = store::InboxEntry {
                invoice_id: *id,
                channel: Channel::Email,
                inbound: outcome != Outcome::Bounced,
                on: day(*on),
                outcome: Some(outcome),
                note: "read from the mailbox".into(),
                from: Some("ap@client.example".into()),
                subject: "Re: invoice".into(),
                message_id: Some(format!("<in{}@client.example>", w.keys)),
                message_key: format!("in-{}", w.keys),
            };
            st.write(|tx| {
                store::insert_inbox_entry(tx, &entry, now)?;
                if *again {
                    // The same message read again is logged once.
                    store::insert_inbox_entry(tx, &entry, now)?;
                }
                Ok(())
            })?;
        }
        Op::Plan { invoice, on, end } => {
            let Some((id, _)) = pick(&w.invoices, *invoice) else {
                return Ok(());
            };
            let made = day(*on);
            st.write(|tx| {
                if *end {
                    store::end_plan(tx, *id, "cancelled", made)?;
                    return Ok(());
                }
                store::end_plan(tx, *id, "replaced", made)?;
                let instalments = [
                    crate::domain::plan::Instalment {
                        on: add_days(made, 10),
                        amount: 500,
                    },
                    crate::domain::plan::Instalment {
                        on: add_days(made, 40),
                        amount: 500,
                    },
                ];
                let plan = store::insert_plan(tx, *id, made, 1000, &instalments, None, now)?;
                let log = store::insert_log(
                    tx,
                    &NewLog {
                        invoice_id: *id,
                        channel: Channel::Email,
                        inbound: false,
                        on: made,
                        at: now,
                        step: None,
                        outcome: None,
                        note: None,
                        recipients: Some("ap@client.example"),
                        subject: Some("Your payment plan"),
                        message_id: Some(MESSAGE_IDS[0]),
                        delivery: Some(Delivery::Pending),
                        deadline: None,
                        message_key: None,
                    },
                )?;
                store::mark_plan_message(tx, log, plan, crate::domain::plan::PlanMessage::Confirmation)
            })?;
        }
        Op::EditClient { client, name, phone } => {
            let Some(&id) = pick(&w.clients, *client) else {
                return Ok(());
            };
            st.write(|tx| {
                let mut c = store::client_by_id(tx, id)?;
                if *name {
                    c.name.push_str(" & Co");
                    c.emails.push(format!("more{}@example.com", c.emails.len()));
                }
                match phone {
                    Some(true) => c.phone = Some(format!("+46 {}", c.name.len())),
                    Some(false) => c.phone = None,
                    None => {}
                }
                store::update_client(tx, &c)
            })?;
        }
    }
    Ok(())
}

/// The kept state of every open invoice, computed in Rust from the records.
fn recomputed(conn: &Connection) -> anyhow::Result<Vec<KeptState>> {
    let mut out = Vec::new();
    for inv in store::list_invoices(conn, None, base())? {
        if inv.closed.is_some() {
            continue;
        }
        let log = store::log_entries(conn, inv.id)?;
        let fulfils = |l: &store::LogRow| {
            !l.inbound && l.delivery != Some(Delivery::Failed) && l.outcome != Some(Outcome::Bounced)
        };
        // name -> (count, first, last, (on, id, deadline) of the latest letter)
        type Entry = (
            u32,
            NaiveDate,
            NaiveDate,
            Option<(NaiveDate, i64, Option<NaiveDate>)>,
        );
        let mut steps: BTreeMap<&str, Entry> = BTreeMap::new();
        for l in log.iter().filter(|l| fulfils(l)) {
            let Some(name) = l.step.as_deref() else { continue };
            let e = steps.entry(name).or_insert((0, l.on, l.on, None));
            e.0 += 1;
            e.1 = e.1.min(l.on);
            e.2 = e.2.max(l.on);
            if l.channel == Channel::Letter && e.3.is_none_or(|(on, id, _)| (l.on, l.id) > (on, id)) {
                e.3 = Some((l.on, l.id, l.deadline));
            }
        }
        let packed = if steps.keys().any(|n| n.contains(['\u{1e}', '\u{1f}'])) {
            None
        } else {
            Some(
                steps
                    .iter()
                    .map(|(name, (n, first, last, letter))| {
                        let deadline = letter
                            .and_then(|(_, _, d)| d)
                            .map(|d| d.to_string())
                            .unwrap_or_default();
                        format!("{name}\u{1f}{n}\u{1f}{first}\u{1f}{last}\u{1f}{deadline}")
                    })
                    .collect::<Vec<_>>()
                    .join("\u{1e}"),
            )
        };
        let max_on = |keep: &dyn Fn(&store::LogRow) -> bool| {
            log.iter()
                .filter(|l| keep(l))
                .map(|l| l.on)
                .max()
                .map(|d| d.to_string())
        };
        let payments = store::payments(conn, inv.id)?;
        let client = store::client_by_id(conn, inv.client_id)?;
        out.push(KeptState {
            due: inv.due.to_string(),
            invoice_id: inv.id,
            number: inv.number.clone(),
            client_id: inv.client_id,
            client_handle: client.handle.clone(),
            client_name: client.name.clone(),
            client_emails: client.emails.join(", "),
            client_phone: client.phone.clone(),
            issued: inv.issued.to_string(),
            amount: inv.amount,
            currency: inv.currency.clone(),
            start_step: inv.start_step.clone(),
            entered_on: inv.entered_on.to_string(),
            reference: inv.reference.clone(),
            steps: packed,
            last_email: max_on(&|l| l.channel == Channel::Email && fulfils(l)),
            last_reply: max_on(&|l| {
                l.inbound && !matches!(l.outcome, Some(Outcome::AutoReply | Outcome::Bounced))
            }),
            last_contact: max_on(&|_| true),
            paid: payments.iter().map(|p| p.amount).sum(),
            payments: payments
                .iter()
                .map(|p| format!("{} {}", p.amount, p.paid_on))
                .collect::<Vec<_>>()
                .join(","),
        });
    }
    out.sort_by_key(|s| s.invoice_id);
    Ok(out)
}

fn custom_ladder() -> Ladder {
    let step = |name: &str, day, action, repeat| Step {
        name: name.into(),
        day,
        action,
        template: matches!(action, StepAction::Email).then(|| "reminder".to_string()),
        repeat,
    };
    Ladder::new(vec![
        step("courtesy", -3, StepAction::Email, None),
        step("reminder", 0, StepAction::Email, Some(5)),
        step("retired-step", 10, StepAction::Call, Some(3)),
        step("demand", 20, StepAction::Letter, None),
    ])
    .expect("a valid ladder")
}

/// The scan (kept state, or the log where it must) against the ladder's
/// reduction of each open invoice's whole contact log.
fn scan_agrees(conn: &Connection, ladder: &Ladder, today: NaiveDate) -> Result<(), TestCaseError> {
    let schedule = Schedule::default();
    let filter = ScanFilter {
        due_until: NaiveDate::from_ymd_opt(9999, 12, 31).expect("a date"),
        client_id: None,
        invoice_id: None,
    };
    let mut seen = 0;
    let mut failure: Option<TestCaseError> = None;
    let left_out = store::scan_open(conn, filter, ladder, today, |inv| {
        seen += 1;
        let check = || -> Result<(), TestCaseError> {
            let row = store::find_invoice(conn, &inv.number, today)
                .map_err(|e| TestCaseError::fail(e.to_string()))?
                .ok_or_else(|| TestCaseError::fail("scanned an invoice that does not exist"))?;
            prop_assert!(row.closed.is_none(), "{} is closed but scanned", inv.number);
            prop_assert_eq!(
                (inv.id, inv.amount, inv.due, inv.issued),
                (row.id, row.amount, row.due, row.issued)
            );
            prop_assert_eq!(&inv.currency, &row.currency);
            let client =
                store::client_by_id(conn, inv.client_id).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(
                (&inv.client_handle, &inv.client_name, &inv.client_phone),
                (&client.handle, &client.name, &client.phone)
            );
            prop_assert_eq!(inv.emails(), client.emails);
            prop_assert_eq!(&inv.reference, &row.reference);
            let log = store::log_entries(conn, inv.id).map_err(|e| TestCaseError::fail(e.to_string()))?;
            let contacts: Vec<_> = log.iter().map(store::LogRow::as_contact).collect();
            let expected = LogFacts::from_contacts(&contacts, ladder, today);
            prop_assert_eq!(&inv.facts, &expected, "facts of {} on {}", inv.number, today);
            prop_assert_eq!(inv.last_contact, log.iter().map(|l| l.on).max());
            for (i, s) in ladder.steps().iter().enumerate() {
                let latest = log
                    .iter()
                    .filter(|l| {
                        l.on <= today && l.channel == Channel::Letter && l.step.as_deref() == Some(&s.name)
                    })
                    .filter(|l| {
                        !l.inbound
                            && l.delivery != Some(Delivery::Failed)
                            && l.outcome != Some(Outcome::Bounced)
                    })
                    .max_by_key(|l| (l.on, l.id));
                prop_assert_eq!(
                    inv.letter_deadlines[i],
                    latest.and_then(|l| l.deadline),
                    "step {}",
                    s.name
                );
            }
            let payments = store::payments(conn, inv.id).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(inv.paid, payments.iter().map(|p| p.amount).sum::<i64>());
            let paid_days: i128 = payments
                .iter()
                .map(|p| {
                    i128::from(p.amount) * i128::from((today - p.paid_on.max(inv.due)).num_days().max(0))
                })
                .sum();
            prop_assert_eq!(inv.paid_days, paid_days);
            let holds: Vec<_> = store::holds(conn, inv.id)
                .map_err(|e| TestCaseError::fail(e.to_string()))?
                .iter()
                .filter(|h| h.released_on.is_none())
                .map(store::HoldRow::as_hold)
                .collect();
            let case = Case {
                due: inv.due,
                balance: inv.balance(),
                closed: false,
                start_step: inv.start_step.as_deref(),
                entered_on: inv.entered_on,
                contacts: &contacts,
                holds: &holds,
                email_bounced: false,
            };
            let facts = Facts {
                due: inv.due,
                balance: inv.balance(),
                closed: false,
                start_step: inv.start_step.as_deref(),
                entered_on: inv.entered_on,
                log: &inv.facts,
                holds: &holds,
                email_bounced: false,
                letter_deadlines: &inv.letter_deadlines,
            };
            prop_assert_eq!(
                assess_facts(&facts, ladder, &schedule, today),
                assess(&case, ladder, &schedule, today),
                "assessment of {} on {}",
                inv.number,
                today
            );
            Ok(())
        };
        if failure.is_none()
            && let Err(e) = check()
        {
            failure = Some(e);
        }
        Ok(())
    })
    .map_err(|e| TestCaseError::fail(format!("the scan failed: {e:#}")))?;
    if let Some(e) = failure {
        return Err(e);
    }
    prop_assert_eq!(left_out, Vec::new(), "what dun writes can always be read");
    let open = store::list_invoices(conn, None, today)
        .map_err(|e| TestCaseError::fail(e.to_string()))?
        .iter()
        .filter(|i| i.closed.is_none())
        .count();
    prop_assert_eq!(seen, open, "every open invoice is scanned once");
    Ok(())
}

fn run(ops: &[Op]) -> Result<(), TestCaseError> {
    let dir = tempfile::tempdir().map_err(|e| TestCaseError::fail(e.to_string()))?;
    let mut st = Store::open(&dir.path().join("dun.db")).map_err(|e| TestCaseError::fail(e.to_string()))?;
    let mut w = World::default();
    let ladders = [Ladder::default_ladder(), custom_ladder()];
    for (n, op) in ops.iter().enumerate() {
        apply(&mut st, &mut w, op).map_err(|e| TestCaseError::fail(format!("op {n} {op:?}: {e:#}")))?;
        let conn = st.conn();
        let kept = kept_states(conn).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let expected = recomputed(conn).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(&kept, &expected, "after op {} {:?}", n, op);
        let view = states_from_records(conn).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(&view, &expected, "the view dun check uses, after op {}", n);
        let differences = store::state_differences(conn).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert!(
            differences.is_empty(),
            "dun check after op {}: {:?}",
            n,
            differences
        );
    }
    let conn = st.conn();
    for ladder in &ladders {
        for today in [day(-10), day(20), day(90), day(400)] {
            scan_agrees(conn, ladder, today)?;
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn kept_state_is_what_the_records_give_after_any_writes(ops in proptest::collection::vec(op(), 1..60)) {
        run(&ops)?;
    }
}

/// The scan's answers at every step of a history, not only at its end.
#[test]
fn the_scan_agrees_at_each_step_of_a_fixed_history() {
    let ops = [
        Op::Client,
        Op::Invoice {
            client: 0,
            issued: 0,
            terms: 30,
            amount: 120_000,
            start: None,
            currency: 0,
        },
        Op::Invoice {
            client: 0,
            issued: -20,
            terms: 10,
            amount: 5_000,
            start: Some(1),
            currency: 1,
        },
        Op::Log {
            invoice: 0,
            channel: 0,
            inbound: false,
            step: Some(0),
            outcome: None,
            delivery: Some(0),
            on: 30,
            deadline: None,
            message: 0,
        },
        Op::Log {
            invoice: 1,
            channel: 0,
            inbound: false,
            step: Some(1),
            outcome: None,
            delivery: Some(0),
            on: 30,
            deadline: None,
            message: 0,
        },
        Op::Deliver {
            entry: 0,
            failed: true,
            whole_message: true,
        },
        Op::Log {
            invoice: 0,
            channel: 0,
            inbound: true,
            step: None,
            outcome: Some(8),
            delivery: None,
            on: 33,
            deadline: None,
            message: 0,
        },
        Op::Log {
            invoice: 0,
            channel: 2,
            inbound: false,
            step: Some(3),
            outcome: None,
            delivery: None,
            on: 60,
            deadline: Some(74),
            message: 0,
        },
        Op::Pay {
            invoice: 0,
            amount: 20_000,
            on: 45,
            bank: true,
        },
        Op::Edit {
            invoice: 0,
            due: Some(25),
            amount: None,
            issued: None,
            currency: None,
        },
        Op::Close { invoice: 1, why: 0 },
        Op::Reopen { invoice: 1 },
    ];
    let dir = tempfile::tempdir().expect("a temp dir");
    let mut st = Store::open(&dir.path().join("dun.db")).expect("a new database");
    let mut w = World::default();
    for op in &ops {
        apply(&mut st, &mut w, op).expect("the write");
        for today in [day(0), day(31), day(34), day(70), day(200)] {
            scan_agrees(st.conn(), &Ladder::default_ladder(), today).expect("the scan agrees");
        }
        assert_eq!(
            kept_states(st.conn()).unwrap(),
            recomputed(st.conn()).unwrap(),
            "{op:?}"
        );
    }
    // The failed reminder did not count; the letter's deadline is kept.
    let kept = kept_states(st.conn()).unwrap();
    let first = kept.iter().find(|k| k.number == "2026-001").expect("open");
    assert_eq!(
        first.steps.as_deref(),
        Some("demand\u{1f}1\u{1f}2026-07-31\u{1f}2026-07-31\u{1f}2026-08-14")
    );
    assert_eq!(first.last_email, None, "the only e-mail failed");
    assert_eq!(first.last_reply, None, "an auto-reply is no reply");
    assert_eq!(first.last_contact.as_deref(), Some("2026-07-31"));
    assert_eq!(first.paid, 20_000);
    assert_eq!(first.payments, "20000 2026-07-16");
}
