//! `dun overdue`: one row per overdue open invoice, oldest first, written as
//! it is read (CSV and JSON stream; a table is laid out at the end).

use std::borrow::Cow;

use anyhow::{Result, anyhow};
use serde::Serialize;

use super::currency;
use super::due::assess_open;
use crate::cli::Format;
use crate::context::Context;
use crate::domain::dates::{add_days, days_between};
use crate::domain::fees::Party;
use crate::domain::law::Debt;
use crate::domain::money::Plain;
use crate::domain::totals::{Totals, grouped};
use crate::exit;
use crate::report::Day;
use crate::report::table::{Column, List, TableRow};
use crate::store::{self, ScanContext, ScanFilter};

/// The columns of SPEC.md "The overdue report", in order.
pub const COLUMNS: &[&str] = &[
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

#[derive(Serialize)]
struct OverdueRow<'a> {
    invoice: &'a str,
    client: &'a str,
    client_name: &'a str,
    email: &'a str,
    phone: &'a str,
    currency: &'a str,
    amount: Plain,
    paid: Plain,
    balance: Plain,
    issued: Day,
    due: Day,
    days_overdue: i64,
    bucket: &'static str,
    last_step: Option<&'a str>,
    last_contact: Option<Day>,
    next_action: Option<Cow<'a, str>>,
    next_action_date: Option<Day>,
    hold: Option<&'static str>,
    interest: Plain,
    fees: Plain,
    reference: Option<&'a str>,
    #[serde(skip)]
    minor: [i64; 5],
}

impl TableRow for OverdueRow<'_> {
    const COLUMNS: &'static [Column] = &[
        Column::text("invoice", 0),
        Column::text("handle", 5),
        Column::text("client", 1).cut(12),
        Column::text("email", 8).cut(12),
        Column::text("phone", 9),
        Column::text("currency", 0),
        Column::number("amount", 6),
        Column::number("paid", 5),
        Column::number("balance", 0),
        Column::text("issued", 9),
        Column::text("due", 3),
        Column::number("days late", 1),
        Column::text("bucket", 7),
        Column::text("last step", 4).cut(9),
        Column::text("last contact", 4),
        Column::text("next action", 2).cut(9),
        Column::text("on", 2),
        Column::text("hold", 3).optional(),
        Column::number("interest", 4),
        Column::number("fees", 4),
        Column::text("reference", 6).optional(),
    ];

    fn cells(&self) -> Vec<String> {
        let [amount, paid, balance, interest, fees] =
            self.minor.map(|m| grouped(i128::from(m), self.currency));
        let date = |d: Option<Day>| d.map(|d| d.0.to_string()).unwrap_or_default();
        vec![
            self.invoice.to_string(),
            self.client.to_string(),
            self.client_name.to_string(),
            self.email.replace(", ", "\n"),
            self.phone.to_string(),
            self.currency.to_string(),
            amount,
            paid,
            balance,
            self.issued.0.to_string(),
            self.due.0.to_string(),
            self.days_overdue.to_string(),
            self.bucket.to_string(),
            self.last_step.unwrap_or("").to_string(),
            date(self.last_contact),
            self.next_action.as_deref().unwrap_or_default().to_string(),
            date(self.next_action_date),
            self.hold.unwrap_or("").to_string(),
            interest,
            fees,
            self.reference.unwrap_or("").to_string(),
        ]
    }
}

/// The ageing bucket of SPEC.md.
pub fn bucket(days_overdue: i64) -> &'static str {
    match days_overdue {
        ..=30 => "1-30",
        31..=60 => "31-60",
        61..=90 => "61-90",
        _ => "90+",
    }
}

pub fn overdue(ctx: &Context) -> Result<u8> {
    let db = ctx.open_store()?;
    let scan = ScanContext::load(db.conn())?;
    let ladder = &ctx.config.ladder;
    let filter = ScanFilter {
        due_until: add_days(ctx.today, -1),
        client_id: None,
        invoice_id: None,
    };
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::with_capacity(64 * 1024, stdout.lock());
    let mut r = List::new(&mut out, ctx.format, ctx.screen());
    let mut sums: [Totals; 5] = Default::default();
    // Statutory charges need each client's law and the payments' dates.
    let fees = &ctx.config.fees;
    let (laws, payments) = if fees.statutory {
        (store::client_laws(db.conn())?, store::open_payments(db.conn())?)
    } else {
        Default::default()
    };
    let mut failed = 0usize;
    // The addresses alone, written into one buffer per row.
    let mut email = String::new();
    let left_out = store::scan_open(db.conn(), filter, ladder, ctx.today, |inv| {
        let cur = match currency(&inv.currency) {
            Ok(c) => c,
            Err(e) => {
                eprintln!("error: invoice {} left out: {e:#}", inv.number);
                failed += 1;
                return Ok(());
            }
        };
        let a = assess_open(ctx, &scan, inv);
        let days = days_between(inv.due, ctx.today);
        let charges = if fees.statutory {
            let (country, consumer) = laws.get(&inv.client_id).cloned().unwrap_or_default();
            let party = Party {
                country: country.as_deref().or(ctx.config.country.as_deref()),
                consumer,
            };
            let pays = payments.get(&inv.id).map(Vec::as_slice).unwrap_or(&[]);
            let debt = Debt {
                currency: cur,
                amount: inv.amount,
                due: inv.due,
                payments: pays,
            };
            fees.charges_for(party, &debt, ctx.today)
        } else {
            let minor_days = i128::from(inv.amount) * i128::from(days.max(0)) - inv.paid_days;
            fees.charges(cur, inv.due, ctx.today, minor_days)
        };
        // One figure dun cannot compute (a missing rate) leaves that invoice
        // out and the others listed (SPEC.md §4 Output and exit codes).
        let charges = match charges {
            Ok(c) => c,
            Err(m) => {
                eprintln!("error: invoice {}: {m}", inv.number);
                failed += 1;
                return Ok(());
            }
        };
        // While a kept plan holds the invoice, what comes next is its next instalment.
        let plan_next = scan.plans.get(&inv.id).and_then(|cp| {
            let state = super::plan::state_of(ctx, cp);
            let i = state.next.filter(|_| state.holds(ctx.today))?;
            let n = cp.plan.instalments.len();
            Some((
                Cow::Owned(format!("instalment {} of {n}", i + 1)),
                Some(cp.plan.instalments[i].on),
            ))
        });
        let next = if plan_next.is_some() {
            plan_next
        } else if a.with_lawyer {
            Some((Cow::Borrowed("with-lawyer"), None))
        } else if let Some(d) = a.awaiting_deadline() {
            // Rule 10: with the lawyer the day after the letter's deadline.
            Some((Cow::Borrowed("with-lawyer"), Some(add_days(d, 1))))
        } else {
            a.next
                .map(|n| (Cow::Borrowed(ladder.steps()[n.step].name.as_str()), Some(n.on)))
        };
        let (next_action, next_action_date) = match next {
            Some((name, on)) => (Some(name), on),
            None => (None, None),
        };
        let minor = [inv.amount, inv.paid, inv.balance(), charges.interest, charges.fee];
        for (t, m) in sums.iter_mut().zip(minor) {
            t.add(&inv.currency, m).map_err(|e| anyhow!(e))?;
        }
        r.row(&OverdueRow {
            invoice: &inv.number,
            client: &inv.client_handle,
            client_name: &inv.client_name,
            email: addresses(&inv.client_emails, &mut email),
            phone: inv.client_phone.as_deref().unwrap_or(""),
            currency: &inv.currency,
            amount: Plain(inv.amount, cur),
            paid: Plain(inv.paid, cur),
            balance: Plain(inv.balance(), cur),
            issued: Day(inv.issued),
            due: Day(inv.due),
            days_overdue: days,
            bucket: bucket(days),
            last_step: a.last_step.map(|(i, _)| ladder.steps()[i].name.as_str()),
            last_contact: inv.last_contact.map(Day),
            next_action,
            next_action_date: next_action_date.map(Day),
            hold: a.hold.map(|h| h.as_str()),
            interest: Plain(charges.interest, cur),
            fees: Plain(charges.fee, cur),
            reference: inv.reference.as_deref(),
            minor,
        })
    })?;
    for (n, (code, _)) in sums[0].iter().enumerate() {
        let mut cells = vec![String::new(); OverdueRow::COLUMNS.len()];
        cells[0] = if n == 0 { "total".into() } else { String::new() };
        cells[5] = code.to_string();
        for (cell, t) in [6, 7, 8, 18, 19].into_iter().zip(&sums) {
            cells[cell] = grouped(t.get(code), code);
        }
        r.total(cells);
    }
    let fees_on = ctx.config.fees.enabled();
    let n = r.finish_with(COLUMNS, |t| {
        if !fees_on {
            t.drop_column("interest");
            t.drop_column("fees");
        }
    })?;
    drop(out);
    let bad_rows = super::report_left_out(&left_out);
    if n == 0 && failed == 0 && !bad_rows && ctx.format == Format::Table {
        ctx.hint(format!("Nothing is overdue on {}.", ctx.today));
    }
    Ok(if failed > 0 || bad_rows {
        exit::FAILURE
    } else {
        exit::OK
    })
}

/// The client's e-mail addresses without their display names, joined by
/// ", " (as `split_emails` and `mailbox_parts` give them), into `buf`.
fn addresses<'b>(stored: &str, buf: &'b mut String) -> &'b str {
    buf.clear();
    for (i, e) in stored
        .split(',')
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .enumerate()
    {
        if i > 0 {
            buf.push_str(", ");
        }
        buf.push_str(crate::domain::text::mailbox_parts(e).1);
    }
    buf
}
