//! `dun demo`: fills a new, empty database with clients and invoices at every
//! stage of the ladder, so that `dun due` and `dun overdue` have something to
//! show on a fresh machine.
//!
//! The history is not scripted: each invoice is walked day by day through the
//! ladder in force, doing whatever it asks, up to yesterday (or up to the
//! event that gives the invoice its story: a promise, a dispute, a bounce).

use anyhow::{Result, bail};
use chrono::{Datelike, NaiveDate};
use rusqlite::Transaction;

use super::{CaseFacts, require_invoice};
use crate::context::Context;
use crate::domain::contact::{Channel, Delivery, HoldKind, Outcome};
use crate::domain::dates::add_days;
use crate::domain::ladder::{DueKind, assess};
use crate::exit;
use crate::store::{self, EscalationContact, NewClient, NewInvoice, NewLog, PaymentRow};

struct DemoClient {
    handle: &'static str,
    name: &'static str,
    email: &'static str,
    phone: &'static str,
    lang: &'static str,
    currency: &'static str,
}

const CLIENTS: &[DemoClient] = &[
    DemoClient {
        handle: "nordlys",
        name: "Nordlys AB",
        email: "faktura@nordlys.example",
        phone: "+46 8 555 010 20",
        lang: "sv",
        currency: "SEK",
    },
    DemoClient {
        handle: "anatolia",
        name: "Anatolia Tekstil A.Ş.",
        email: "muhasebe@anatolia.example",
        phone: "+90 212 555 01 30",
        lang: "tr",
        currency: "TRY",
    },
    DemoClient {
        handle: "volga",
        name: "ООО «Волга Трейд»",
        email: "buh@volga.example",
        phone: "+7 495 555-01-40",
        lang: "ru",
        currency: "RUB",
    },
    DemoClient {
        handle: "carpati",
        name: "Carpați Design SRL",
        email: "contabilitate@carpati.example",
        phone: "+40 21 555 0150",
        lang: "ro",
        currency: "RON",
    },
    DemoClient {
        handle: "brightside",
        name: "Brightside Ltd",
        email: "accounts@brightside.example",
        phone: "+44 20 7946 0160",
        lang: "en",
        currency: "GBP",
    },
    DemoClient {
        handle: "harbour",
        name: "Harbour & Co",
        email: "ap@harbour.example",
        phone: "+44 161 496 0170",
        lang: "en",
        currency: "EUR",
    },
    DemoClient {
        handle: "kestrel",
        name: "Kestrel Systems GmbH",
        email: "buchhaltung@kestrel.example",
        phone: "+49 30 555 0180",
        lang: "en",
        currency: "EUR",
    },
    DemoClient {
        handle: "fjord",
        name: "Fjord Media AB",
        email: "ekonomi@fjord.example",
        phone: "+46 31 555 01 90",
        lang: "sv",
        currency: "SEK",
    },
];

/// What happens to a demo invoice, besides the ladder.
enum Story {
    /// Walked through the ladder up to yesterday.
    Plain,
    /// Walked up to yesterday, the demand letter not written yet (it became
    /// due on day 30 to 32, as the sending days fall).
    LetterDue,
    /// Paid in full `n` days after the due date.
    PaidAfter(i64),
    /// A partial payment of this many minor units on the due date.
    Partial(i64),
    /// A promise made on day `made` (after due) to pay by day `until`; never kept.
    BrokenPromise { made: i64, until: i64 },
    /// Disputed on this day after due.
    Dispute(i64),
    /// An e-mail bounced on this day after due.
    Bounce(i64),
}

struct DemoInvoice {
    client: usize,
    /// Days after the due date today is (negative: not yet due).
    overdue: i64,
    amount: i64,
    description: &'static str,
    story: Story,
}

const INVOICES: &[DemoInvoice] = &[
    DemoInvoice {
        client: 0,
        overdue: 40,
        amount: 1_850_000,
        description: "Brand identity, phase 1",
        story: Story::PaidAfter(3),
    },
    DemoInvoice {
        client: 0,
        overdue: 0,
        amount: 2_400_000,
        description: "Brand identity, phase 2",
        story: Story::Plain,
    },
    DemoInvoice {
        client: 0,
        overdue: -20,
        amount: 950_000,
        description: "Web design retainer, this month",
        story: Story::Plain,
    },
    DemoInvoice {
        client: 1,
        overdue: 7,
        amount: 4_500_000,
        description: "Catalogue translation (EN–TR)",
        story: Story::Partial(1_500_000),
    },
    DemoInvoice {
        client: 2,
        overdue: 14,
        amount: 12_000_000,
        description: "Market study, Q3",
        story: Story::Plain,
    },
    DemoInvoice {
        client: 3,
        overdue: 32,
        amount: 680_000,
        description: "Illustrations for the spring campaign",
        story: Story::LetterDue,
    },
    DemoInvoice {
        client: 4,
        overdue: 20,
        amount: 320_000,
        description: "Copywriting, October",
        story: Story::BrokenPromise { made: 8, until: 17 },
    },
    DemoInvoice {
        client: 5,
        overdue: 75,
        amount: 540_000,
        description: "Photography, trade fair",
        story: Story::Plain,
    },
    DemoInvoice {
        client: 6,
        overdue: 100,
        amount: 1_275_000,
        description: "Software licence and setup",
        story: Story::Dispute(40),
    },
    DemoInvoice {
        client: 7,
        overdue: 12,
        amount: 760_000,
        description: "Video editing",
        story: Story::Bounce(1),
    },
];

pub fn demo(ctx: &Context) -> Result<u8> {
    let mut db = ctx.open_store()?;
    let today = ctx.today;
    let (clients, invoices) = db.write(|tx| {
        let existing = store::count_clients(tx)?;
        if existing > 0 {
            bail!(
                "{} already holds {}; dun demo fills only a new, empty database: try dun --db /tmp/dun-demo.db demo",
                ctx.db_path.display(),
                crate::report::words::count(existing, "client")
            );
        }
        let mut ids = Vec::new();
        for c in CLIENTS {
            let emails = [c.email.to_string()];
            let id = store::insert_client(
                tx,
                &NewClient {
                    handle: c.handle,
                    name: c.name,
                    emails: &emails,
                    phone: Some(c.phone),
                    lang: c.lang,
                    notes: None,
                    party: &Default::default(),
                    now: &ctx.now,
                },
            )?;
            ids.push(id);
        }
        store::add_escalation_contact(
            tx,
            ids[2],
            &EscalationContact {
                name: "Ирина Соколова".into(),
                role: Some("CFO".into()),
                email: Some("i.sokolova@volga.example".into()),
                phone: Some("+7 495 555-01-41".into()),
            },
        )?;
        for (n, inv) in INVOICES.iter().enumerate() {
            add_invoice(ctx, tx, ids[inv.client], n + 1, inv)?;
        }
        Ok((CLIENTS.len(), INVOICES.len()))
    })?;
    let db_arg = format!(" --db {}", ctx.db_path.display());
    ctx.say(format!(
        "filled {} with {} and {} for {today}",
        ctx.db_path.display(),
        crate::report::words::count(clients, "example client"),
        crate::report::words::count(invoices, "invoice")
    ));
    ctx.hint(format!("try: dun{db_arg} due     (the agenda)"));
    ctx.hint(format!("     dun{db_arg} overdue (the overdue report)"));
    ctx.hint(format!("     dun{db_arg} summary (what you are owed)"));
    ctx.hint(format!("     dun{db_arg} invoice show {}-002", today.year()));
    Ok(exit::OK)
}

fn add_invoice(ctx: &Context, tx: &Transaction, client_id: i64, n: usize, d: &DemoInvoice) -> Result<()> {
    let today = ctx.today;
    let due = add_days(today, -d.overdue);
    let issued = add_days(due, -30);
    let number = format!("{}-{n:03}", today.year());
    let cur = CLIENTS[d.client].currency;
    store::insert_invoice(
        tx,
        &NewInvoice {
            number: &number,
            client_id,
            issued,
            due,
            amount: d.amount,
            currency: cur,
            description: Some(d.description),
            pay_link: None,
            start_step: None,
            entered_on: issued,
            reference: ctx.config.reference,
            now: &ctx.now,
        },
    )?;
    let id = require_invoice(tx, &number, today)?.id;
    let start = add_days(due, i64::from(ctx.config.ladder.min_day()).min(0));
    let yesterday = add_days(today, -1);
    let pay = |amount: i64, on: NaiveDate, method: &str| {
        let p = PaymentRow {
            amount,
            paid_on: on,
            method: Some(method.into()),
            note: None,
        };
        store::insert_payment(tx, id, &p, &ctx.now)
    };
    match d.story {
        Story::Plain => walk(ctx, tx, &number, start, yesterday, true)?,
        Story::LetterDue => walk(ctx, tx, &number, start, yesterday, false)?,
        Story::PaidAfter(days) => {
            let on = add_days(due, days);
            walk(ctx, tx, &number, start, add_days(on, -1), true)?;
            pay(d.amount, on, "bank")?;
            store::set_closed(tx, id, Some("paid"), Some(on), None, 0)?;
        }
        Story::Partial(amount) => {
            pay(amount, due, "bank")?;
            walk(ctx, tx, &number, start, yesterday, true)?;
        }
        Story::BrokenPromise { made, until } => {
            let made = add_days(due, made);
            walk(ctx, tx, &number, start, add_days(made, -1), true)?;
            log(
                ctx,
                tx,
                id,
                made,
                Channel::Call,
                false,
                None,
                Some(Outcome::Promised),
                Some("will pay by the end of next week"),
            )?;
            store::insert_hold(
                tx,
                id,
                HoldKind::Promise,
                made,
                Some(add_days(due, until)),
                None,
                &ctx.now,
            )?;
        }
        Story::Dispute(on) => {
            let on = add_days(due, on);
            walk(ctx, tx, &number, start, add_days(on, -1), true)?;
            log(
                ctx,
                tx,
                id,
                on,
                Channel::Email,
                true,
                None,
                Some(Outcome::Disputed),
                Some("says the licence count is wrong"),
            )
            .map(|_| ())?;
            store::insert_hold(
                tx,
                id,
                HoldKind::Dispute,
                on,
                None,
                Some("licence count"),
                &ctx.now,
            )?;
        }
        Story::Bounce(on) => {
            let on = add_days(due, on);
            walk(ctx, tx, &number, start, add_days(on, -1), true)?;
            log(
                ctx,
                tx,
                id,
                on,
                Channel::Email,
                false,
                None,
                Some(Outcome::Bounced),
                Some("mailbox does not exist"),
            )?;
            walk(ctx, tx, &number, add_days(on, 1), yesterday, true)?;
        }
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn log(
    ctx: &Context,
    tx: &Transaction,
    invoice_id: i64,
    on: NaiveDate,
    channel: Channel,
    inbound: bool,
    step: Option<&str>,
    outcome: Option<Outcome>,
    note: Option<&str>,
) -> Result<i64> {
    let email = channel == Channel::Email && outcome.is_none();
    store::insert_log(
        tx,
        &NewLog {
            invoice_id,
            channel,
            inbound,
            on,
            at: &ctx.now,
            step,
            outcome,
            note,
            recipients: None,
            subject: None,
            message_id: None,
            delivery: email.then_some(Delivery::Sent),
            deadline: None,
            message_key: None,
        },
    )
}

/// Does, day by day from `from` to `to`, whatever the ladder asks of this
/// invoice (letters only when `letters`).
fn walk(
    ctx: &Context,
    tx: &Transaction,
    number: &str,
    from: NaiveDate,
    to: NaiveDate,
    letters: bool,
) -> Result<()> {
    let ladder = &ctx.config.ladder;
    let mut day = from;
    while day <= to {
        let inv = require_invoice(tx, number, day)?;
        let facts = CaseFacts::load(ctx, tx, &inv)?;
        let a = assess(&facts.case(&inv), ladder, &ctx.config.schedule, day);
        for d in &a.due {
            let step = d.step.map(|i| ladder.steps()[i].name.as_str());
            match d.kind {
                DueKind::Email | DueKind::Escalate => {
                    log(ctx, tx, inv.id, day, Channel::Email, false, step, None, None)?;
                }
                DueKind::Call if !d.instead_of_email => {
                    log(
                        ctx,
                        tx,
                        inv.id,
                        day,
                        Channel::Call,
                        false,
                        step,
                        Some(Outcome::Voicemail),
                        None,
                    )?;
                }
                DueKind::Letter if letters => {
                    log(
                        ctx,
                        tx,
                        inv.id,
                        day,
                        Channel::Letter,
                        false,
                        step,
                        None,
                        Some("demand letter sent"),
                    )?;
                }
                DueKind::Suspend => {
                    log(
                        ctx,
                        tx,
                        inv.id,
                        day,
                        Channel::Note,
                        false,
                        step,
                        None,
                        Some("work suspended"),
                    )?;
                }
                _ => {}
            }
        }
        day = add_days(day, 1);
    }
    Ok(())
}
