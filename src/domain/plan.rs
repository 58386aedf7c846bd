//! Payment plans (SPEC.md §12), as pure functions: the instalments a user
//! asks for, checked against the balance, and a plan's state on a given day
//! from the payments recorded since it began.
//!
//! A plan is kept while every instalment whose grace has run out was covered
//! in time: the payments since the plan began, up to its date plus
//! `grace_days`, reach the sum of the instalments up to it. The first one
//! that was not breaks the plan. Nothing here reads a clock or a database.

use chrono::{Datelike, Days, NaiveDate};
use serde::Serialize;

use super::contact::HoldKind;
use super::dates::{LAST_DAY, add_days};
use super::ladder::{Hold, Schedule};
use super::money::{Currency, format_plain};

/// The most instalments one plan may have (ten years of monthly ones).
pub const MAX_INSTALMENTS: u32 = 120;
/// `[plans] grace_days` when the config does not say.
pub const DEFAULT_GRACE_DAYS: u32 = 3;

/// One agreed instalment: an amount (minor units) by a date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Instalment {
    pub on: NaiveDate,
    pub amount: i64,
}

/// How `--instalments N` spaces its dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cadence {
    /// Every N days (N ≥ 1).
    Every(u32),
    /// The same day of each month, or the month's last day where it is shorter.
    Monthly,
}

/// The date of the instalment `k` places after the first (0: the first);
/// `None` past [`LAST_DAY`], the last day dun keeps (issue 7: dates are
/// stored as ISO text, and `+10000-01-15` would sort before 2026).
pub fn nth_date(first: NaiveDate, cadence: Cadence, k: u32) -> Option<NaiveDate> {
    let on = match cadence {
        Cadence::Every(days) => first.checked_add_days(Days::new(u64::from(days) * u64::from(k))),
        Cadence::Monthly => {
            let months = i64::from(first.month0()) + i64::from(k);
            let year = i32::try_from(i64::from(first.year()) + months / 12).ok()?;
            let month = u32::try_from(months % 12).ok()? + 1;
            let day = first.day().min(days_in_month(year, month)?);
            NaiveDate::from_ymd_opt(year, month, day)
        }
    }?;
    (on <= LAST_DAY).then_some(on)
}

fn days_in_month(year: i32, month: u32) -> Option<u32> {
    let start = NaiveDate::from_ymd_opt(year, month, 1)?;
    let next = if month == 12 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)?
    } else {
        NaiveDate::from_ymd_opt(year, month + 1, 1)?
    };
    Some((next - start).num_days() as u32)
}

/// `count` equal parts of `balance` in minor units, the remainder on the
/// last, dated from `first` by `cadence`. Dates and amounts are checked by
/// [`check`] afterwards, like any other plan.
pub fn equal_parts(
    balance: i64,
    count: u32,
    first: NaiveDate,
    cadence: Cadence,
    currency: Currency,
) -> Result<Vec<Instalment>, String> {
    if count == 0 || count > MAX_INSTALMENTS {
        return Err(format!(
            "--instalments {count}: give a number from 1 to {MAX_INSTALMENTS}"
        ));
    }
    if cadence == Cadence::Every(0) {
        return Err("--every 0: give a number of days of 1 or more".into());
    }
    let n = i64::from(count);
    if balance < n {
        return Err(format!(
            "a balance of {} cannot be split into {count} instalments; give fewer",
            money(balance, currency)
        ));
    }
    let part = balance / n;
    let last = part + balance % n;
    (0..count)
        .map(|k| {
            let on = nth_date(first, cadence, k)
                .ok_or_else(|| {
                    format!(
                        "instalment {} would fall after {LAST_DAY}, the last day dun keeps; give fewer instalments or an earlier --first",
                        k + 1
                    )
                })?;
            let amount = if k + 1 == count { last } else { part };
            Ok(Instalment { on, amount })
        })
        .collect()
}

/// Checks a plan against the balance it must pay off on `today`: at least
/// one instalment, at most [`MAX_INSTALMENTS`], amounts above zero, dates
/// strictly ascending and none before today, and the amounts adding up to
/// the balance exactly. The error names what is wrong and what is right.
pub fn check(
    instalments: &[Instalment],
    balance: i64,
    today: NaiveDate,
    currency: Currency,
) -> Result<(), String> {
    if instalments.is_empty() {
        return Err("a plan needs at least one instalment".into());
    }
    if instalments.len() > MAX_INSTALMENTS as usize {
        return Err(format!(
            "{} instalments is more than a plan may have; give at most {MAX_INSTALMENTS}",
            instalments.len()
        ));
    }
    if instalments[0].on < today {
        return Err(format!(
            "the first instalment's date {} is in the past; give a date from today ({today}) on",
            instalments[0].on
        ));
    }
    for pair in instalments.windows(2) {
        if pair[1].on <= pair[0].on {
            return Err(format!(
                "instalment dates must ascend: {} comes after {}; give each instalment a later date than the one before",
                pair[1].on, pair[0].on
            ));
        }
    }
    if let Some(bad) = instalments.iter().find(|i| i.amount <= 0) {
        return Err(format!(
            "the instalment of {} is not above zero; give each instalment an amount above 0",
            bad.on
        ));
    }
    let sum: i128 = instalments.iter().map(|i| i128::from(i.amount)).sum();
    if sum != i128::from(balance) {
        let sum_text = i64::try_from(sum)
            .map(|s| money(s, currency))
            .unwrap_or_else(|_| format!("more than {}", money(i64::MAX, currency)));
        return Err(format!(
            "the instalments add up to {sum_text} but the balance is {}; make them add up to the balance",
            money(balance, currency)
        ));
    }
    Ok(())
}

fn money(minor: i64, currency: Currency) -> String {
    format!("{} {}", format_plain(minor, currency), currency.code())
}

/// Where one instalment stands on a given day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum InstalmentState {
    /// Covered already, before its date.
    Paid,
    /// Its date has come and it was covered in time (by its date + grace).
    Kept,
    /// Its grace ran out before it was covered: the plan broke on it.
    Missed,
    /// Not covered yet, and there is still time.
    ToCome,
    /// Not covered, and no longer asked for: an earlier one broke the plan.
    Dropped,
}

impl InstalmentState {
    pub fn as_str(self) -> &'static str {
        match self {
            InstalmentState::Paid => "paid",
            InstalmentState::Kept => "kept",
            InstalmentState::Missed => "missed",
            InstalmentState::ToCome => "to-come",
            InstalmentState::Dropped => "dropped",
        }
    }

    /// The words for a person.
    pub fn label(self) -> &'static str {
        match self {
            InstalmentState::ToCome => "to come",
            InstalmentState::Dropped => "not due (plan broken)",
            other => other.as_str(),
        }
    }

    pub fn covered(self) -> bool {
        matches!(self, InstalmentState::Paid | InstalmentState::Kept)
    }
}

/// The plan as a whole on a given day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// Nothing missed so far; something still to pay.
    Running,
    /// Instalment `index` (0-based) was missed; the plan broke on `on`, the
    /// day after its grace ran out.
    Broken { index: usize, on: NaiveDate },
    /// Every instalment was covered in time.
    Complete,
}

/// One instalment's view on a given day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InstalmentView {
    pub state: InstalmentState,
    /// How much of this instalment the payments since the plan began cover,
    /// counting them against the instalments in order.
    pub paid: i64,
    /// The last day a payment counts for it in time: its date + grace.
    pub deadline: NaiveDate,
}

/// A plan's state on a given day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanState {
    pub instalments: Vec<InstalmentView>,
    pub standing: Standing,
    /// The payments since the plan began, up to today: exact (i128), so a
    /// record past any sum is never shown as a saturated figure.
    pub paid: i128,
    /// While running: the earliest instalment not yet covered.
    pub next: Option<usize>,
    /// The ladder's hold (kind `plan`): from the day the plan was made to
    /// the deadline of the instalment it waits for (running), of the one it
    /// broke on (broken: a hold that ended), or of the last (complete).
    pub hold: Hold,
}

impl PlanState {
    /// Whether the plan holds the ladder on `today`.
    pub fn holds(&self, today: NaiveDate) -> bool {
        self.hold.since <= today && self.hold.until.is_none_or(|u| today <= u)
    }
}

/// What the state of a plan is computed from.
#[derive(Debug, Clone, Copy)]
pub struct Plan<'a> {
    /// The day the plan was agreed.
    pub made_on: NaiveDate,
    pub instalments: &'a [Instalment],
}

/// The plan's state on `today`. `payments` are those recorded after the
/// plan was made (date, amount); one dated before the plan counts from the
/// day it was made, and one dated after today does not count yet.
pub fn assess(plan: &Plan, payments: &[(NaiveDate, i64)], grace_days: u32, today: NaiveDate) -> PlanState {
    let mut pays: Vec<(NaiveDate, i128)> = payments
        .iter()
        .filter(|(_, a)| *a > 0)
        .map(|(on, a)| ((*on).max(plan.made_on), i128::from(*a)))
        .filter(|(on, _)| *on <= today)
        .collect();
    pays.sort();
    let paid_by = |day: NaiveDate| -> i128 { pays.iter().filter(|(on, _)| *on <= day).map(|(_, a)| a).sum() };
    let total: i128 = pays.iter().map(|(_, a)| a).sum();
    let grace = i64::from(grace_days);

    let mut views = Vec::with_capacity(plan.instalments.len());
    let mut cumulative: i128 = 0;
    let mut broken: Option<(usize, NaiveDate)> = None;
    for (k, inst) in plan.instalments.iter().enumerate() {
        let before = cumulative;
        cumulative += i128::from(inst.amount);
        let deadline = add_days(inst.on, grace);
        let paid = (total - before).clamp(0, i128::from(inst.amount)) as i64;
        let in_time = paid_by(deadline.min(today)) >= cumulative;
        let now = total >= cumulative;
        let state = if broken.is_some() {
            if now {
                InstalmentState::Paid
            } else {
                InstalmentState::Dropped
            }
        } else if in_time {
            if today < inst.on {
                InstalmentState::Paid
            } else {
                InstalmentState::Kept
            }
        } else if deadline < today {
            broken = Some((k, add_days(deadline, 1)));
            InstalmentState::Missed
        } else {
            InstalmentState::ToCome
        };
        views.push(InstalmentView {
            state,
            paid,
            deadline,
        });
    }
    let standing = match broken {
        Some((index, on)) => Standing::Broken { index, on },
        None if views.iter().all(|v| v.state.covered()) => Standing::Complete,
        None => Standing::Running,
    };
    let next = match standing {
        Standing::Running => views.iter().position(|v| v.state == InstalmentState::ToCome),
        _ => None,
    };
    let until = match standing {
        Standing::Running => next.map(|i| views[i].deadline),
        Standing::Broken { index, .. } => Some(views[index].deadline),
        Standing::Complete => views.last().map(|v| v.deadline),
    };
    PlanState {
        instalments: views,
        standing,
        paid: total,
        next,
        hold: Hold {
            kind: HoldKind::Plan,
            since: plan.made_on,
            until: Some(until.unwrap_or(plan.made_on)),
        },
    }
}

/// A payment-plan e-mail: the confirmation, or the reminder of an instalment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PlanMessage {
    Confirmation,
    /// The reminder of instalment `index` (0-based).
    Reminder(usize),
}

impl PlanMessage {
    /// How the message is marked in the store: 0 for the confirmation, the
    /// instalment's number (1-based) for a reminder.
    pub fn seq(self) -> u32 {
        match self {
            PlanMessage::Confirmation => 0,
            PlanMessage::Reminder(i) => i as u32 + 1,
        }
    }

    pub fn from_seq(seq: u32) -> PlanMessage {
        match seq {
            0 => PlanMessage::Confirmation,
            n => PlanMessage::Reminder(n as usize - 1),
        }
    }

    /// The template it is written with.
    pub fn template(self) -> &'static str {
        match self {
            PlanMessage::Confirmation => "plan",
            PlanMessage::Reminder(_) => "instalment",
        }
    }
}

/// A plan message that went out (or may have: a pending one counts), and
/// the day it was logged. Failed ones are not passed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sent {
    pub message: PlanMessage,
    pub on: NaiveDate,
}

/// The plan e-mail due on `today`, with the date it became due: the
/// confirmation until it has gone out; then, on an instalment's date (or
/// the first sending day after it) while it is unpaid, its reminder. Only
/// while the plan runs, only on sending days, and never held back by the
/// ladder's gap: they answer an agreement. An instalment dated on or
/// before the day the confirmation went out needs no reminder of its own,
/// and when several are unpaid the reminder is of the latest.
pub fn message_due(
    plan: &Plan,
    state: &PlanState,
    sent: &[Sent],
    schedule: &Schedule,
    today: NaiveDate,
) -> Option<(PlanMessage, NaiveDate)> {
    if state.standing != Standing::Running || !schedule.is_send_day(today) {
        return None;
    }
    let confirmed = sent
        .iter()
        .filter(|s| s.message == PlanMessage::Confirmation)
        .map(|s| s.on)
        .min();
    let Some(confirmed) = confirmed else {
        return Some((PlanMessage::Confirmation, plan.made_on));
    };
    let index = (0..plan.instalments.len()).rev().find(|&i| {
        plan.instalments[i].on <= today && state.instalments[i].state == InstalmentState::ToCome
    })?;
    let inst = plan.instalments[index];
    let message = PlanMessage::Reminder(index);
    (inst.on > confirmed && !sent.iter().any(|s| s.message == message)).then_some((message, inst.on))
}

/// The instalment that broke the plan and the day it broke, while nobody
/// has acted on it yet: `last_by_hand` is the latest contact on the invoice
/// that was not an e-mail dun sent (a call, a note, a letter, a reply from
/// the client); one on or after the day it broke ends the notice.
pub fn broken_notice(state: &PlanState, last_by_hand: Option<NaiveDate>) -> Option<(usize, NaiveDate)> {
    let Standing::Broken { index, on } = state.standing else {
        return None;
    };
    last_by_hand.is_none_or(|c| c < on).then_some((index, on))
}

#[cfg(test)]
mod tests;
