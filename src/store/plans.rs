//! Payment plans as stored (migrations/0004_plans.sql): the plans of an
//! invoice with their instalments, the current plans of open invoices with
//! the payments and e-mails since they began, and the marks that tie a
//! plan's e-mails to their contact-log entries.
//!
//! Whether a plan is kept is not decided here (domain::plan).

use std::collections::HashMap;

use anyhow::Result;
use chrono::NaiveDate;
use rusqlite::{Connection, named_params};

use crate::domain::plan::{Instalment, PlanMessage, Sent};

/// One plan as stored, with its instalments in date order.
#[derive(Debug, Clone)]
pub struct PlanRow {
    pub id: i64,
    pub invoice_id: i64,
    pub made_on: NaiveDate,
    /// The balance it pays off, on the day it was made.
    pub balance: i64,
    /// `active`, `replaced` or `cancelled`.
    pub state: String,
    pub ended_on: Option<NaiveDate>,
    pub note: Option<String>,
    pub instalments: Vec<Instalment>,
}

impl PlanRow {
    pub fn plan(&self) -> crate::domain::plan::Plan<'_> {
        crate::domain::plan::Plan {
            made_on: self.made_on,
            instalments: &self.instalments,
        }
    }
}

/// An invoice's active plan with what its state is computed from.
#[derive(Debug, Clone)]
pub struct CurrentPlan {
    pub plan: PlanRow,
    /// The payments recorded since the plan was made: (date, amount).
    pub payments: Vec<(NaiveDate, i64)>,
    /// Its e-mails that went out or may have (not the failed ones).
    pub sent: Vec<Sent>,
    /// The invoice and its client, for the agenda and `dun send`.
    pub number: String,
    pub client_id: i64,
    pub client_handle: String,
    pub client_name: String,
    pub client_emails: String,
    pub client_phone: Option<String>,
    pub currency: String,
    pub due: NaiveDate,
    /// Amount less payments and write-downs, today.
    pub balance: i64,
    /// The latest contact on the invoice that was not an e-mail dun sent.
    pub last_by_hand: Option<NaiveDate>,
}

/// Writes a plan and its instalments; returns its id. The payments already
/// recorded are the plan's past; the ones after it count for it.
pub fn insert_plan(
    conn: &Connection,
    invoice_id: i64,
    made_on: NaiveDate,
    balance: i64,
    instalments: &[Instalment],
    note: Option<&str>,
    now: &str,
) -> Result<i64> {
    conn.prepare_cached(
        "INSERT INTO payment_plan (invoice_id, made_on, balance, after_payment, note, created_at)
         VALUES (:invoice, :made_on, :balance,
                 (SELECT COALESCE(MAX(id), 0) FROM payment WHERE invoice_id = :invoice), :note, :now)",
    )?
    .execute(named_params! {
        ":invoice": invoice_id,
        ":made_on": made_on,
        ":balance": balance,
        ":note": note,
        ":now": now,
    })?;
    let plan_id = conn.last_insert_rowid();
    let mut stmt = conn.prepare_cached(
        "INSERT INTO plan_instalment (plan_id, seq, on_date, amount) VALUES (:plan, :seq, :on, :amount)",
    )?;
    for (i, inst) in instalments.iter().enumerate() {
        stmt.execute(named_params! {
            ":plan": plan_id,
            ":seq": i as i64 + 1,
            ":on": inst.on,
            ":amount": inst.amount,
        })?;
    }
    Ok(plan_id)
}

/// Ends the invoice's active plan as `replaced` or `cancelled`; returns
/// whether there was one.
pub fn end_plan(conn: &Connection, invoice_id: i64, state: &str, on: NaiveDate) -> Result<bool> {
    Ok(conn
        .prepare_cached(
            "UPDATE payment_plan SET state = :state, ended_on = :on
             WHERE invoice_id = :invoice AND state = 'active'",
        )?
        .execute(named_params! { ":invoice": invoice_id, ":state": state, ":on": on })?
        > 0)
}

/// Ties a plan e-mail to its contact-log entry (written with `pending`).
pub fn mark_plan_message(conn: &Connection, log_id: i64, plan_id: i64, message: PlanMessage) -> Result<()> {
    conn.prepare_cached("INSERT INTO plan_message (log_id, plan_id, seq) VALUES (:log, :plan, :seq)")?
        .execute(named_params! { ":log": log_id, ":plan": plan_id, ":seq": message.seq() })?;
    Ok(())
}

const PLAN_COLUMNS: &str = "p.id, p.invoice_id, p.made_on, p.balance, p.state, p.ended_on, p.note";

fn plan_from_row(r: &rusqlite::Row) -> rusqlite::Result<PlanRow> {
    Ok(PlanRow {
        id: r.get(0)?,
        invoice_id: r.get(1)?,
        made_on: r.get(2)?,
        balance: r.get(3)?,
        state: r.get(4)?,
        ended_on: r.get(5)?,
        note: r.get(6)?,
        instalments: Vec::new(),
    })
}

/// Reads the instalments of the plans that `filter` (a condition on `p`,
/// the plan) selects, and hands each to `put`.
fn instalments_where(
    conn: &Connection,
    filter: &str,
    params: &[(&str, &dyn rusqlite::ToSql)],
    mut put: impl FnMut(i64, Instalment),
) -> Result<()> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT s.plan_id, s.on_date, s.amount FROM plan_instalment s
         JOIN payment_plan p ON p.id = s.plan_id JOIN invoice i ON i.id = p.invoice_id
         WHERE {filter} ORDER BY s.plan_id, s.seq"
    ))?;
    let mut rows = stmt.query(params)?;
    while let Some(r) = rows.next()? {
        put(
            r.get(0)?,
            Instalment {
                on: r.get(1)?,
                amount: r.get(2)?,
            },
        );
    }
    Ok(())
}

/// Every plan of one invoice, oldest first, with its instalments.
pub fn plans_of(conn: &Connection, invoice_id: i64) -> Result<Vec<PlanRow>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {PLAN_COLUMNS} FROM payment_plan p WHERE p.invoice_id = :invoice ORDER BY p.id"
    ))?;
    let mut plans: Vec<PlanRow> = stmt
        .query_map(named_params! { ":invoice": invoice_id }, plan_from_row)?
        .collect::<rusqlite::Result<_>>()?;
    instalments_where(
        conn,
        "p.invoice_id = :invoice",
        named_params! { ":invoice": invoice_id },
        |plan_id, inst| {
            if let Some(p) = plans.iter_mut().find(|p| p.id == plan_id) {
                p.instalments.push(inst);
            }
        },
    )?;
    Ok(plans)
}

/// The active plans of open invoices, or the active plan of one invoice
/// (open or not) when given, keyed by invoice id: four queries whatever
/// their number, never one per plan. One invoice's plan is found by the
/// index of active plans, not by walking every active plan.
pub fn current_plans(conn: &Connection, invoice_id: Option<i64>) -> Result<HashMap<i64, CurrentPlan>> {
    let filter = match invoice_id {
        Some(_) => "p.state = 'active' AND p.invoice_id = :invoice",
        None => "p.state = 'active' AND i.closed IS NULL AND :invoice IS NULL",
    };
    let params = named_params! { ":invoice": invoice_id };
    let mut out: HashMap<i64, CurrentPlan> = HashMap::new();
    let mut by_plan: HashMap<i64, i64> = HashMap::new();
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {PLAN_COLUMNS}, i.number, i.client_id, c.handle, c.name, c.emails, i.currency, i.due,
                i.amount - i.write_down,
                (SELECT MAX(l.on_date) FROM contact_log l WHERE l.invoice_id = i.id AND l.delivery IS NULL),
                c.phone
         FROM payment_plan p JOIN invoice i ON i.id = p.invoice_id JOIN client c ON c.id = i.client_id
         WHERE {filter}"
    ))?;
    let mut rows = stmt.query(params)?;
    while let Some(r) = rows.next()? {
        let plan = plan_from_row(r)?;
        by_plan.insert(plan.id, plan.invoice_id);
        out.insert(
            plan.invoice_id,
            CurrentPlan {
                number: r.get(7)?,
                client_id: r.get(8)?,
                client_handle: r.get(9)?,
                client_name: r.get(10)?,
                client_emails: r.get(11)?,
                currency: r.get(12)?,
                due: r.get(13)?,
                balance: r.get(14)?,
                last_by_hand: r.get(15)?,
                client_phone: r.get(16)?,
                plan,
                payments: Vec::new(),
                sent: Vec::new(),
            },
        );
    }
    if out.is_empty() {
        return Ok(out);
    }
    // `balance` holds amount − write-down until the payments are taken off,
    // summed exactly in Rust, not in SQL.
    let owed: HashMap<i64, (String, i64)> = out
        .iter()
        .map(|(id, cp)| (*id, (cp.number.clone(), cp.balance)))
        .collect();
    for (id, balance) in super::balances_of(conn, &owed)? {
        if let Some(cp) = out.get_mut(&id) {
            cp.balance = balance;
        }
    }
    instalments_where(conn, filter, params, |plan_id, inst| {
        if let Some(c) = slot(&mut out, &by_plan, plan_id) {
            c.plan.instalments.push(inst);
        }
    })?;
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT p.id, pay.paid_on, pay.amount FROM payment pay
         JOIN payment_plan p ON p.invoice_id = pay.invoice_id AND pay.id > p.after_payment
         JOIN invoice i ON i.id = p.invoice_id
         WHERE {filter} ORDER BY pay.paid_on, pay.id"
    ))?;
    let mut rows = stmt.query(params)?;
    while let Some(r) = rows.next()? {
        if let Some(c) = slot(&mut out, &by_plan, r.get(0)?) {
            c.payments.push((r.get(1)?, r.get(2)?));
        }
    }
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT p.id, m.seq, l.on_date FROM plan_message m
         JOIN contact_log l ON l.id = m.log_id
         JOIN payment_plan p ON p.id = m.plan_id JOIN invoice i ON i.id = p.invoice_id
         WHERE {filter} AND l.delivery IS NOT 'failed' ORDER BY m.log_id"
    ))?;
    let mut rows = stmt.query(params)?;
    while let Some(r) = rows.next()? {
        let seq: u32 = r.get(1)?;
        if let Some(c) = slot(&mut out, &by_plan, r.get(0)?) {
            c.sent.push(Sent {
                message: PlanMessage::from_seq(seq),
                on: r.get(2)?,
            });
        }
    }
    Ok(out)
}

fn slot<'a>(
    out: &'a mut HashMap<i64, CurrentPlan>,
    by_plan: &HashMap<i64, i64>,
    plan_id: i64,
) -> Option<&'a mut CurrentPlan> {
    by_plan.get(&plan_id).and_then(|inv| out.get_mut(inv))
}

/// The active plan of one invoice, if it has one.
pub fn current_plan(conn: &Connection, invoice_id: i64) -> Result<Option<CurrentPlan>> {
    Ok(current_plans(conn, Some(invoice_id))?.remove(&invoice_id))
}
