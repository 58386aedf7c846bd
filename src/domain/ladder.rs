//! The escalation ladder (SPEC.md §3) as one pure function.
//!
//! [`assess`] takes the facts of one invoice (due date, balance, contact log,
//! holds), the ladder, the schedule and *today*, and answers what is due and
//! what comes next. `dun due`, `dun overdue`, `dun log` and `dun send` all ask
//! it, so they cannot disagree. It reads no clock and touches no storage.

use chrono::{Datelike, NaiveDate};

use super::contact::{Channel, Delivery, HoldKind, Outcome, StepAction};
use super::dates::add_days;

/// One rung of the ladder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub name: String,
    /// Days after the due date on which the step is first due (may be negative).
    pub day: i32,
    pub action: StepAction,
    /// The template an e-mail or letter step renders (letters: `demand`
    /// unless the config names another).
    pub template: Option<String>,
    /// Done again every N days, until the last step has been done.
    pub repeat: Option<u32>,
}

/// The steps in force, validated: names unique, days ascending, e-mail steps
/// with a template, at least one step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ladder {
    steps: Vec<Step>,
}

impl Ladder {
    /// Validates a list of steps; the error names the offending step.
    pub fn new(steps: Vec<Step>) -> Result<Ladder, String> {
        if steps.is_empty() {
            return Err("the ladder has no steps; give at least one [[ladder]] entry".into());
        }
        for (i, s) in steps.iter().enumerate() {
            let n = i + 1;
            if s.name.trim().is_empty() || s.name.chars().any(|c| c.is_control()) {
                return Err(format!("ladder step {n} has an empty or unprintable name"));
            }
            if steps[..i].iter().any(|p| p.name == s.name) {
                return Err(format!(
                    "ladder step {n} \"{}\": the name is used twice; names must be unique",
                    s.name
                ));
            }
            if i > 0 && s.day < steps[i - 1].day {
                return Err(format!(
                    "ladder step {n} \"{}\": day {} comes before the previous step's day {}; list steps in ascending order of day",
                    s.name,
                    s.day,
                    steps[i - 1].day
                ));
            }
            if s.action.is_email() && s.template.as_deref().is_none_or(str::is_empty) {
                return Err(format!(
                    "ladder step {n} \"{}\": an {} step needs a template (reminder, follow-up, escalate or your own)",
                    s.name, s.action
                ));
            }
            if s.repeat == Some(0) {
                return Err(format!(
                    "ladder step {n} \"{}\": repeat = 0; give a number of days of 1 or more, or leave it out",
                    s.name
                ));
            }
        }
        Ok(Ladder { steps })
    }

    /// The ladder of SPEC.md §3.
    pub fn default_ladder() -> Ladder {
        let step = |name: &str, day, action, template: Option<&str>, repeat| Step {
            name: name.into(),
            day,
            action,
            template: template.map(Into::into),
            repeat,
        };
        Ladder {
            steps: vec![
                step("reminder", 0, StepAction::Email, Some("reminder"), None),
                step("follow-up", 7, StepAction::Email, Some("follow-up"), Some(7)),
                step("call", 14, StepAction::Call, None, Some(7)),
                step("demand", 30, StepAction::Letter, Some("demand"), None),
            ],
        }
    }

    pub fn steps(&self) -> &[Step] {
        &self.steps
    }

    pub fn index_of(&self, name: &str) -> Option<usize> {
        self.steps.iter().position(|s| s.name == name)
    }

    /// The earliest day of any step: invoices due after `today - min_day`
    /// cannot have anything due, so queries can skip them.
    pub fn min_day(&self) -> i32 {
        self.steps.iter().map(|s| s.day).min().unwrap_or(0)
    }
}

/// When e-mails may go out and how far apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    /// Sending days, Monday first.
    pub send_days: [bool; 7],
    pub min_gap_days: u32,
}

impl Default for Schedule {
    fn default() -> Self {
        Schedule {
            send_days: [true, true, true, true, true, false, false],
            min_gap_days: 7,
        }
    }
}

impl Schedule {
    pub fn is_send_day(&self, date: NaiveDate) -> bool {
        self.send_days[date.weekday().num_days_from_monday() as usize]
    }

    /// The first sending day on or after `date` (the date itself when no day
    /// is a sending day, which config validation prevents).
    pub fn next_send_day(&self, date: NaiveDate) -> NaiveDate {
        (0..7)
            .map(|i| add_days(date, i))
            .find(|d| self.is_send_day(*d))
            .unwrap_or(date)
    }
}

/// One entry of the contact log, as far as the ladder cares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contact {
    pub on: NaiveDate,
    pub channel: Channel,
    pub inbound: bool,
    /// The ladder step this contact fulfils, by name.
    pub step: Option<String>,
    pub outcome: Option<Outcome>,
    /// For e-mails dun sent: `None` for contacts the user logged by hand.
    pub delivery: Option<Delivery>,
    /// Letters: the day the letter gave the client to pay by (rule 10).
    pub deadline: Option<NaiveDate>,
}

impl Contact {
    /// Whether this contact did its step: a failed delivery did not, and
    /// neither did a bounce or anything the client said to us.
    pub fn fulfils_step(&self) -> bool {
        !self.inbound && self.delivery != Some(Delivery::Failed) && self.outcome != Some(Outcome::Bounced)
    }

    /// Whether the client answered: an inbound contact that holds the ladder
    /// under rule 4. An out-of-office answer or a bounce is no answer.
    fn is_reply(&self) -> bool {
        self.inbound && !matches!(self.outcome, Some(Outcome::AutoReply | Outcome::Bounced))
    }

    /// Whether this is an e-mail we sent (or may have sent), for the gap rule;
    /// a bounce reached nobody.
    fn is_outbound_email(&self) -> bool {
        !self.inbound
            && self.channel == Channel::Email
            && self.delivery != Some(Delivery::Failed)
            && self.outcome != Some(Outcome::Bounced)
    }
}

/// A hold that has not been released (released holds are not passed in).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hold {
    pub kind: HoldKind,
    pub since: NaiveDate,
    /// Inclusive; `None` holds until released (a dispute, an open pause).
    pub until: Option<NaiveDate>,
}

impl Hold {
    fn active_on(&self, day: NaiveDate) -> bool {
        self.since <= day && self.until.is_none_or(|u| day <= u)
    }
}

/// The facts of one invoice that the ladder reads.
#[derive(Debug, Clone)]
pub struct Case<'a> {
    pub due: NaiveDate,
    /// Amount less payments and write-downs, in minor units.
    pub balance: i64,
    /// Paid in full, settled, written off or void.
    pub closed: bool,
    /// `--step S` at entry: the steps before S were done elsewhere, by `entered_on`.
    pub start_step: Option<&'a str>,
    pub entered_on: NaiveDate,
    /// The invoice's contact log, in the order it was written.
    pub contacts: &'a [Contact],
    pub holds: &'a [Hold],
    /// An e-mail to this client bounced since its addresses last changed.
    pub email_bounced: bool,
}

/// The days a letter gives when its log entry holds no deadline (entries
/// written before deadlines were stored): SPEC.md §6, 14 days from its date.
pub const DEFAULT_LETTER_DEADLINE_DAYS: i64 = 14;

/// What an agenda row asks the user (or `dun send`) to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DueKind {
    Email,
    Escalate,
    Call,
    Letter,
    Suspend,
    WithLawyer,
    BrokenPromise,
}

impl DueKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DueKind::Email => "email",
            DueKind::Escalate => "escalate",
            DueKind::Call => "call",
            DueKind::Letter => "letter",
            DueKind::Suspend => "suspend",
            DueKind::WithLawyer => "with-lawyer",
            DueKind::BrokenPromise => "broken-promise",
        }
    }

    fn of(action: StepAction) -> DueKind {
        match action {
            StepAction::Email => DueKind::Email,
            StepAction::Escalate => DueKind::Escalate,
            StepAction::Call => DueKind::Call,
            StepAction::Letter => DueKind::Letter,
            StepAction::Suspend => DueKind::Suspend,
        }
    }
}

/// One thing due today on one invoice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Due {
    pub kind: DueKind,
    /// Index of the ladder step; `None` for `with-lawyer` and `broken-promise`.
    pub step: Option<usize>,
    /// The date it became due.
    pub since: NaiveDate,
    /// A call asked for because e-mail to the client bounced (rule 11): it
    /// does not do the e-mail step it stands in for.
    pub instead_of_email: bool,
}

/// The next step the ladder will take on an invoice, due or not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Upcoming {
    pub step: usize,
    /// The day it will be acted on (for e-mails, a sending day).
    pub on: NaiveDate,
}

/// The ladder's answer for one invoice on one day.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Assessment {
    /// Everything due today, in ladder order; at most one e-mail.
    pub due: Vec<Due>,
    /// The earliest step still to come (possibly today); `None` when held
    /// indefinitely, closed, or with the lawyer.
    pub next: Option<Upcoming>,
    /// The furthest step done so far, and when it was last done.
    pub last_step: Option<(usize, NaiveDate)>,
    /// The hold in force today.
    pub hold: Option<HoldKind>,
    /// The end date of a promise that passed without the invoice being paid
    /// and with no contact since.
    pub broken_promise: Option<NaiveDate>,
    /// The last step has been done (and, when it is a letter, the deadline
    /// it gave has passed): nothing more to do but hand it over (rule 10).
    pub with_lawyer: bool,
    /// The last step is a letter and has been done: the deadline it gave.
    /// Until that day has passed dun waits (nothing due, nothing next); after
    /// it the invoice is with the lawyer.
    pub letter_deadline: Option<NaiveDate>,
}

impl Assessment {
    /// The letter's deadline that dun is waiting for, if it has not passed.
    pub fn awaiting_deadline(&self) -> Option<NaiveDate> {
        self.letter_deadline.filter(|_| !self.with_lawyer)
    }
}

/// What one ladder step's log entries say, up to *today*.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StepDone {
    /// How many contacts did the step.
    pub count: u32,
    /// The first and the last day it was done.
    pub first: Option<NaiveDate>,
    pub last: Option<NaiveDate>,
}

/// Everything the ladder reads from an invoice's contact log, reduced: the
/// same facts whether counted from the entries ([`LogFacts::from_contacts`])
/// or kept up to date by the store on every write (`store::scan`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogFacts {
    /// Per ladder step, in ladder order (as many as the ladder has steps).
    pub steps: Vec<StepDone>,
    /// The last e-mail we sent (or may have sent), for the gap rule.
    pub last_email: Option<NaiveDate>,
    /// The client's last answer (rule 4).
    pub last_reply: Option<NaiveDate>,
    /// The last contact of any kind, either way.
    pub last_contact: Option<NaiveDate>,
}

impl LogFacts {
    /// No contact yet, for a ladder of `steps` steps.
    pub fn empty(steps: usize) -> LogFacts {
        LogFacts {
            steps: vec![StepDone::default(); steps],
            ..LogFacts::default()
        }
    }

    /// Adds one contact made on `on` (the caller leaves out contacts after *today*).
    pub fn add(&mut self, c: &Contact, ladder: &Ladder) {
        self.last_contact = self.last_contact.max(Some(c.on));
        if c.is_reply() {
            self.last_reply = self.last_reply.max(Some(c.on));
        }
        if c.is_outbound_email() {
            self.last_email = self.last_email.max(Some(c.on));
        }
        if c.fulfils_step()
            && let Some(i) = c.step.as_deref().and_then(|s| ladder.index_of(s))
            && let Some(s) = self.steps.get_mut(i)
        {
            s.count += 1;
            s.first = Some(s.first.map_or(c.on, |f| f.min(c.on)));
            s.last = s.last.max(Some(c.on));
        }
    }

    /// The facts of a contact list as of `today` (later contacts do not count).
    pub fn from_contacts(contacts: &[Contact], ladder: &Ladder, today: NaiveDate) -> LogFacts {
        let mut facts = LogFacts::empty(ladder.steps().len());
        for c in contacts.iter().filter(|c| c.on <= today) {
            facts.add(c, ladder);
        }
        facts
    }
}

/// The facts of one invoice that the ladder reads, with its contact log
/// already reduced to [`LogFacts`].
#[derive(Debug, Clone)]
pub struct Facts<'a> {
    pub due: NaiveDate,
    /// Amount less payments and write-downs, in minor units.
    pub balance: i64,
    /// Paid in full, settled, written off or void.
    pub closed: bool,
    /// `--step S` at entry: the steps before S were done elsewhere, by `entered_on`.
    pub start_step: Option<&'a str>,
    pub entered_on: NaiveDate,
    /// The contact log up to *today*.
    pub log: &'a LogFacts,
    pub holds: &'a [Hold],
    /// An e-mail to this client bounced since its addresses last changed.
    pub email_bounced: bool,
    /// Per ladder step, the deadline of the latest letter that did it, up to
    /// *today* ([`letter_deadlines`]); shorter than the ladder means none.
    pub letter_deadlines: &'a [Option<NaiveDate>],
}

/// Per ladder step, the deadline of the latest letter entry that did it (the
/// latest by date, then by log order), counting contacts up to `today`: what
/// the store keeps for each invoice.
pub fn letter_deadlines(contacts: &[Contact], ladder: &Ladder, today: NaiveDate) -> Vec<Option<NaiveDate>> {
    let mut latest: Vec<Option<NaiveDate>> = vec![None; ladder.steps().len()];
    let mut deadlines = latest.clone();
    for c in contacts.iter().filter(|c| c.on <= today) {
        if c.channel == Channel::Letter
            && c.fulfils_step()
            && let Some(i) = c.step.as_deref().and_then(|s| ladder.index_of(s))
            && latest[i].is_none_or(|d| c.on >= d)
        {
            latest[i] = Some(c.on);
            deadlines[i] = c.deadline;
        }
    }
    deadlines
}

/// Applies rules 1–11 of SPEC.md §3 to one invoice for `today`.
pub fn assess(case: &Case, ladder: &Ladder, schedule: &Schedule, today: NaiveDate) -> Assessment {
    let log = LogFacts::from_contacts(case.contacts, ladder, today);
    let deadlines = letter_deadlines(case.contacts, ladder, today);
    let facts = Facts {
        due: case.due,
        balance: case.balance,
        closed: case.closed,
        start_step: case.start_step,
        entered_on: case.entered_on,
        log: &log,
        holds: case.holds,
        email_bounced: case.email_bounced,
        letter_deadlines: &deadlines,
    };
    assess_facts(&facts, ladder, schedule, today)
}

/// [`assess`] on an invoice whose log is already reduced (by the store's kept
/// state): the one function both paths go through, so they cannot disagree.
pub fn assess_facts(case: &Facts, ladder: &Ladder, schedule: &Schedule, today: NaiveDate) -> Assessment {
    let mut out = Assessment::default();
    // Rules 1 and 8: only open invoices with something left to pay.
    if case.closed || case.balance <= 0 {
        return out;
    }
    let steps = ladder.steps();
    let gap = i64::from(schedule.min_gap_days);

    // `--step S`: the steps before S count as done on the day the invoice was entered.
    let start = case.start_step.and_then(|s| ladder.index_of(s)).unwrap_or(0);
    let done = |i: usize| -> (u32, Option<NaiveDate>) {
        let s = case.log.steps.get(i).copied().unwrap_or_default();
        if i < start {
            (s.count + 1, s.last.max(Some(case.entered_on)))
        } else {
            (s.count, s.last)
        }
    };
    let done_count = |i: usize| done(i).0;
    let last_done = |i: usize| done(i).1;
    // Rule 4, spacing: when a step was first done. The steps before `--step S`
    // count as done on their own dates, which move nothing after them.
    let first_done = |i: usize| -> Option<NaiveDate> {
        if i < start {
            None
        } else {
            case.log.steps.get(i).and_then(|s| s.first)
        }
    };
    let last_email = case.log.last_email;
    let last_inbound = case.log.last_reply;
    let last_contact = case.log.last_contact;
    out.last_step = (0..steps.len())
        .rev()
        .find(|&i| done_count(i) > 0)
        .and_then(|i| last_done(i).map(|d| (i, d)));

    // Holds (rules 1 and 7). A promise that ran out with no contact since is broken.
    let active = case.holds.iter().find(|h| h.active_on(today));
    out.hold = active.map(|h| h.kind);
    if active.is_none()
        && let Some(promise) = case
            .holds
            .iter()
            .filter(|h| h.kind == HoldKind::Promise && h.since <= today)
            .max_by_key(|h| (h.since, h.until))
        && let Some(until) = promise.until
        && until < today
        && last_contact.is_none_or(|c| c <= until)
    {
        out.broken_promise = Some(until);
    }
    // Rule 10: after the last step, the case is with the lawyer, held or not;
    // after a letter, once the deadline it gave has passed.
    let last = steps.len() - 1;
    if done_count(last) > 0 {
        out.letter_deadline = (steps[last].action == StepAction::Letter).then(|| {
            let stored = case.letter_deadlines.get(last).copied().flatten();
            stored.unwrap_or_else(|| add_days(last_done(last).unwrap_or(today), DEFAULT_LETTER_DEADLINE_DAYS))
        });
        out.with_lawyer = out.letter_deadline.is_none_or(|d| d < today);
    }
    // The first day the ladder may act again after the holds in force end.
    let mut hold_floor: Option<NaiveDate> = None;
    for h in case.holds.iter().filter(|h| h.since <= today) {
        match h.until {
            // A hold that ended still dates what became due after it.
            Some(u) => hold_floor = hold_floor.max(Some(add_days(u, 1))),
            None => {
                // Held until released: nothing is due and nothing can be scheduled.
                return out;
            }
        }
    }

    if out.with_lawyer {
        if active.is_none() {
            out.due.push(Due {
                kind: DueKind::WithLawyer,
                step: None,
                since: match out.letter_deadline {
                    Some(d) => add_days(d, 1),
                    None => last_done(last).unwrap_or(today),
                },
                instead_of_email: false,
            });
        }
        return out;
    }
    if out.letter_deadline.is_some() {
        // Waiting for the letter's deadline: nothing to do, nothing next.
        return out;
    }

    // Rule 4: a reply buys time for every action; e-mails keep their distance.
    let floor = [last_inbound.map(|d| add_days(d, gap)), hold_floor]
        .into_iter()
        .flatten()
        .max();
    let email_floor = floor.max(last_email.map(|d| add_days(d, gap)));

    let mut email_due: Option<Due> = None;
    let mut tasks_due: Vec<Due> = Vec::new();
    for (i, step) in steps.iter().enumerate() {
        // Rule 2: every earlier step done at least once.
        if i > 0 && done_count(i - 1) == 0 {
            break;
        }
        // Rule 3: first due on due + day, then every `repeat` days. Rule 4,
        // spacing: never sooner after the step before it was first done than
        // their days are apart.
        let base = match (done_count(i), step.repeat, last_done(i)) {
            (0, _, _) => {
                let own = add_days(case.due, i64::from(step.day));
                let spaced = i
                    .checked_sub(1)
                    .and_then(|p| first_done(p).map(|f| add_days(f, i64::from(step.day - steps[p].day))));
                own.max(spaced.unwrap_or(own))
            }
            (_, Some(r), Some(d)) => add_days(d, i64::from(r)),
            _ => continue,
        };
        let is_email = step.action.is_email();
        // Rule 11: a bounce asks for a call instead, and a call is not held by the e-mail gap.
        let bounced = is_email && case.email_bounced;
        let since = if is_email && !bounced {
            base.max(email_floor.unwrap_or(base))
        } else {
            base.max(floor.unwrap_or(base))
        };
        // Nothing became due before the invoice was entered into dun.
        let since = since.max(case.entered_on);
        // Rule 5: e-mails go out on sending days only; one not sent on its day
        // waits for the next sending day.
        let on = if is_email && !bounced {
            schedule.next_send_day(since.max(today))
        } else {
            since
        };
        if out.next.is_none_or(|n| on < n.on) {
            out.next = Some(Upcoming { step: i, on });
        }
        if on > today || active.is_some() {
            continue;
        }
        let due = Due {
            kind: if bounced {
                DueKind::Call
            } else {
                DueKind::of(step.action)
            },
            step: Some(i),
            since,
            instead_of_email: bounced,
        };
        if is_email {
            // One e-mail per invoice per run: the firmest (latest) step wins.
            email_due = Some(due);
        } else {
            tasks_due.push(due);
        }
    }
    out.due.extend(email_due);
    out.due.extend(tasks_due);
    out.due.sort_by_key(|d| d.step);
    if out.broken_promise.is_some() {
        out.due.push(Due {
            kind: DueKind::BrokenPromise,
            step: None,
            since: add_days(out.broken_promise.unwrap_or(today), 1),
            instead_of_email: false,
        });
    }
    out
}

/// The step a contact logged on `on` through `channel` fulfils: the task (or,
/// for `email`, the e-mail step) of that channel that the ladder has due then.
/// Sending days do not matter here: the user did it, whatever the weekday.
pub fn pending_step(
    case: &Case,
    ladder: &Ladder,
    schedule: &Schedule,
    on: NaiveDate,
    channel: Channel,
) -> Option<usize> {
    let every_day = Schedule {
        send_days: [true; 7],
        min_gap_days: schedule.min_gap_days,
    };
    assess(case, ladder, &every_day, on)
        .due
        .iter()
        .filter(|d| !d.instead_of_email)
        .filter_map(|d| d.step)
        .find(|&i| ladder.steps()[i].action.channel() == Some(channel))
}

#[cfg(test)]
mod tests;
