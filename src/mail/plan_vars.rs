//! What templates see of an invoice's payment plan (`plan`, `plans`):
//! every template, so that the `plan` confirmation and the `instalment`
//! reminder can list the instalments, and a ladder message or the demand
//! letter after a broken plan can say which instalment was missed.
//! Amounts and dates are formatted for the client's language.

use chrono::NaiveDate;
use serde::Serialize;

use crate::domain::dates::{add_days, days_between, format_long as date_h};
use crate::domain::money::{Currency, format_message as money_h};
use crate::domain::plan::{self, Standing};
use crate::store::CurrentPlan;

/// An invoice's current plan, and the instalment a reminder is about.
#[derive(Debug, Clone)]
pub struct PlanFacts {
    pub plan: CurrentPlan,
    /// For the `instalment` template: the instalment (0-based) it reminds of.
    pub reminder: Option<usize>,
}

/// The plan of one invoice. With no plan, `exists` is false and the lists
/// are empty; `next`, `after` and `missed` have `n` 0 when there is none.
#[derive(Debug, Clone, Default, Serialize)]
pub struct PlanVars {
    pub exists: bool,
    /// The invoice the plan is for.
    pub invoice: String,
    /// `kept` (running, nothing missed), `broken` or `complete`.
    pub state: String,
    pub broken: bool,
    pub made_on: String,
    /// The day the plan broke (the day after the missed one's grace ran out).
    pub broken_on: String,
    pub count: usize,
    /// The sum of the instalments.
    pub total: String,
    /// Paid since the plan began.
    pub paid: String,
    /// `total` less `paid`.
    pub remaining: String,
    pub grace_days: u32,
    pub instalments: Vec<InstalmentVars>,
    /// The instalment the message is about: for a reminder, the one it
    /// reminds of; otherwise the earliest not yet paid.
    pub next: InstalmentVars,
    /// The instalment after `next`.
    pub after: InstalmentVars,
    /// The instalment that broke the plan.
    pub missed: InstalmentVars,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct InstalmentVars {
    /// 1, 2, 3 …; 0 for "none".
    pub n: usize,
    pub date: String,
    pub amount: String,
    /// How much of it has been paid.
    pub paid: String,
    pub has_paid: bool,
    /// What is still owed up to and including this instalment.
    pub owed: String,
    /// `paid`, `kept`, `missed`, `to-come` or `dropped`.
    pub state: String,
    /// The last day a payment counts for it in time (its date + grace).
    pub deadline: String,
    /// Days from its date to today (0: due today; negative: still ahead).
    pub days_late: i64,
}

/// The template variables of one plan on `today`.
pub fn plan_vars(facts: &PlanFacts, grace_days: u32, today: NaiveDate, lang: &str) -> PlanVars {
    let cp = &facts.plan;
    let Some(cur) = Currency::from_code(&cp.currency) else {
        return PlanVars::default();
    };
    let m = |minor: i128| money_h(minor, cur, lang);
    let plan = cp.plan.plan();
    let state = plan::assess(&plan, &cp.payments, grace_days, today);
    // Exact sums (i128), as every sum over amounts.
    let total: i128 = plan.instalments.iter().map(|i| i128::from(i.amount)).sum();
    let mut owed_so_far = 0i128;
    let instalments: Vec<InstalmentVars> = plan
        .instalments
        .iter()
        .zip(&state.instalments)
        .enumerate()
        .map(|(k, (i, v))| {
            owed_so_far += i128::from(i.amount) - i128::from(v.paid);
            InstalmentVars {
                n: k + 1,
                date: date_h(i.on, lang),
                amount: m(i.amount.into()),
                paid: m(v.paid.into()),
                has_paid: v.paid > 0,
                owed: m(owed_so_far),
                state: v.state.as_str().to_string(),
                deadline: date_h(add_days(i.on, i64::from(grace_days)), lang),
                days_late: days_between(i.on, today),
            }
        })
        .collect();
    let pick = |i: Option<usize>| i.and_then(|i| instalments.get(i)).cloned().unwrap_or_default();
    let next = facts.reminder.or(state.next);
    let (missed, broken_on) = match state.standing {
        Standing::Broken { index, on } => (Some(index), date_h(on, lang)),
        _ => (None, String::new()),
    };
    PlanVars {
        exists: true,
        invoice: cp.number.clone(),
        state: match state.standing {
            Standing::Running => "kept",
            Standing::Broken { .. } => "broken",
            Standing::Complete => "complete",
        }
        .to_string(),
        broken: missed.is_some(),
        made_on: date_h(cp.plan.made_on, lang),
        broken_on,
        count: instalments.len(),
        total: m(total),
        paid: m(state.paid.min(total)),
        remaining: m((total - state.paid).max(0)),
        grace_days,
        next: pick(next),
        after: pick(next.map(|i| i + 1)),
        missed: pick(missed),
        instalments,
    }
}
