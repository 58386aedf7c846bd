//! `dun pay`, `dun settle`, `dun write-off`: money in, and the end of the road.

use anyhow::{Result, anyhow, bail};
use rusqlite::Connection;

use super::{currency, human, non_empty, past_date_arg, plain, positive_amount, require_invoice};
use crate::context::Context;
use crate::domain::text::{check_line, check_note};
use crate::exit;
use crate::store::{self, InvoiceRow, PaymentRow};

pub(crate) fn require_open(inv: &InvoiceRow) -> Result<()> {
    match inv.closed.as_deref() {
        None => Ok(()),
        Some("paid") => bail!("invoice {} is already paid in full", inv.number),
        Some(other) => bail!(
            "invoice {} is {other}; nothing more can be recorded against it",
            inv.number
        ),
    }
}

/// A payment of `paid` fits a balance of `balance`: at most all of it.
pub(crate) fn check_payment(number: &str, paid: i64, balance: i64, currency: &str) -> Result<()> {
    if paid > balance {
        bail!(
            "payment {} is more than the balance {} of invoice {number}; record at most the balance",
            plain(paid, currency),
            human(balance, currency),
        );
    }
    Ok(())
}

/// What recording a payment needs to know of its invoice, as read in the
/// same transaction.
pub(crate) struct PayTarget<'a> {
    pub id: i64,
    pub number: &'a str,
    pub currency: &'a str,
    pub balance: i64,
    pub write_down: i64,
}

impl<'a> PayTarget<'a> {
    pub fn of(inv: &'a InvoiceRow) -> PayTarget<'a> {
        PayTarget {
            id: inv.id,
            number: &inv.number,
            currency: &inv.currency,
            balance: inv.balance(),
            write_down: inv.write_down,
        }
    }
}

/// Records a payment, closing the invoice as paid when nothing is left: the
/// one path for `dun pay` and `dun bank`. Refuses more than the balance.
/// Returns the balance left.
pub(crate) fn record_payment(
    tx: &Connection,
    target: &PayTarget,
    payment: &PaymentRow,
    bank_entry: Option<&str>,
    now: &str,
) -> Result<i64> {
    check_payment(target.number, payment.amount, target.balance, target.currency)?;
    store::insert_payment_from(tx, target.id, payment, bank_entry, now)?;
    let left = target.balance - payment.amount;
    if left == 0 {
        store::set_closed(
            tx,
            target.id,
            Some("paid"),
            Some(payment.paid_on),
            None,
            target.write_down,
        )?;
    }
    Ok(left)
}

pub fn pay(
    ctx: &Context,
    number: &str,
    amount: Option<&str>,
    on: Option<&str>,
    method: Option<String>,
    note: Option<String>,
) -> Result<u8> {
    let on = past_date_arg(on, "--on", ctx.today)?;
    let method = non_empty(method)
        .map(|m| check_line("method", &m))
        .transpose()
        .map_err(|m| anyhow!(m))?;
    let note = non_empty(note)
        .map(|n| check_note("note", &n))
        .transpose()
        .map_err(|m| anyhow!(m))?;
    let mut db = ctx.open_store()?;
    let (inv, paid, left) = db.write(|tx| {
        let inv = require_invoice(tx, number, ctx.today)?;
        require_open(&inv)?;
        let cur = currency(&inv.currency)?;
        let paid = match amount {
            Some(a) => positive_amount(a, cur)?,
            None => inv.balance(),
        };
        let left = record_payment(
            tx,
            &PayTarget::of(&inv),
            &PaymentRow {
                amount: paid,
                paid_on: on,
                method,
                note,
            },
            None,
            &ctx.now,
        )?;
        Ok((inv, paid, left))
    })?;
    if left == 0 {
        ctx.say(format!(
            "recorded {} on invoice {}: paid in full, off the ladder",
            human(paid, &inv.currency),
            inv.number
        ));
    } else {
        ctx.say(format!(
            "recorded {} on invoice {}; balance {}",
            human(paid, &inv.currency),
            inv.number,
            human(left, &inv.currency)
        ));
    }
    Ok(exit::OK)
}

pub fn settle(
    ctx: &Context,
    number: &str,
    amount: &str,
    on: Option<&str>,
    note: Option<String>,
) -> Result<u8> {
    let on = past_date_arg(on, "--on", ctx.today)?;
    let note = non_empty(note)
        .map(|n| check_note("note", &n))
        .transpose()
        .map_err(|m| anyhow!(m))?;
    let mut db = ctx.open_store()?;
    let (inv, received, written) = db.write(|tx| {
        let inv = require_invoice(tx, number, ctx.today)?;
        require_open(&inv)?;
        let cur = currency(&inv.currency)?;
        let received = positive_amount(amount, cur)?;
        if received > inv.balance() {
            bail!(
                "settlement {} is more than the balance {} of invoice {}; record the payment with dun pay instead",
                plain(received, &inv.currency),
                human(inv.balance(), &inv.currency),
                inv.number
            );
        }
        let payment = PaymentRow {
            amount: received,
            paid_on: on,
            method: Some("settlement".into()),
            note: note.clone(),
        };
        store::insert_payment(tx, inv.id, &payment, &ctx.now)?;
        let written = inv.balance() - received;
        store::set_closed(tx, inv.id, Some("settled"), Some(on), note.as_deref(), inv.write_down + written)?;
        Ok((inv, received, written))
    })?;
    ctx.say(format!(
        "settled invoice {}: {} received, {} written down; off the ladder",
        inv.number,
        human(received, &inv.currency),
        human(written, &inv.currency)
    ));
    Ok(exit::OK)
}

pub fn write_off(ctx: &Context, number: &str, reason: Option<String>) -> Result<u8> {
    let reason = non_empty(reason)
        .map(|r| check_note("reason", &r))
        .transpose()
        .map_err(|m| anyhow!(m))?;
    let mut db = ctx.open_store()?;
    let (inv, written) = db.write(|tx| {
        let inv = require_invoice(tx, number, ctx.today)?;
        require_open(&inv)?;
        let written = inv.balance();
        store::set_closed(
            tx,
            inv.id,
            Some("written-off"),
            Some(ctx.today),
            reason.as_deref(),
            inv.write_down + written,
        )?;
        Ok((inv, written))
    })?;
    ctx.say(format!(
        "wrote off {} on invoice {}; it stays on record, off the ladder",
        human(written, &inv.currency),
        inv.number
    ));
    Ok(exit::OK)
}
