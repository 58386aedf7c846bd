//! What the ladder will do after a message (SPEC.md §6 "Messages that know
//! the story"): the step it takes next and when, asked of the ladder itself.
//!
//! The case is assessed as if this message's steps were done today; then
//! the ladder is walked forward, doing each step on the day it comes due,
//! past the steps that only repeat what the client has already had (another
//! follow-up, another call) and past any the caller says cannot happen (a
//! call to a client without a phone number), to the first new step. No rule
//! of the ladder is written twice: every date comes from [`assess`].

use chrono::NaiveDate;

use super::contact::{Channel, Delivery, StepAction};
use super::ladder::{Case, Contact, Ladder, Schedule, Upcoming, assess};

/// The ladder's road after a message.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Ahead {
    /// The first step after this message that the client has not had yet,
    /// and the day it comes (never before today); `None` when the ladder
    /// has nothing new left.
    pub next: Option<Upcoming>,
    /// The e-mails the ladder sends before `next` (repeats of earlier steps).
    pub emails_before: u32,
}

/// The contact a step leaves in the log when it is done on `on`.
fn done(ladder: &Ladder, step: usize, on: NaiveDate) -> Contact {
    let s = &ladder.steps()[step];
    let channel = match s.action {
        StepAction::Email | StepAction::Escalate => Channel::Email,
        StepAction::Call => Channel::Call,
        StepAction::Letter => Channel::Letter,
        StepAction::Suspend => Channel::Note,
    };
    Contact {
        on,
        channel,
        inbound: false,
        step: Some(s.name.clone()),
        outcome: None,
        delivery: s.action.is_email().then_some(Delivery::Sent),
        deadline: None,
    }
}

/// Walks the ladder forward from a message that does `doing` today.
/// `passes(step)` is true for a step the road goes past without naming it.
pub fn ahead(
    case: &Case,
    ladder: &Ladder,
    schedule: &Schedule,
    today: NaiveDate,
    doing: &[usize],
    passes: &dyn Fn(usize) -> bool,
) -> Ahead {
    let mut seen = vec![false; ladder.steps().len()];
    if let Some(start) = case.start_step.and_then(|s| ladder.index_of(s)) {
        seen[..start].iter_mut().for_each(|s| *s = true);
    }
    for c in case.contacts.iter().filter(|c| c.fulfils_step() && c.on <= today) {
        if let Some(i) = c.step.as_deref().and_then(|s| ladder.index_of(s)) {
            seen[i] = true;
        }
    }
    let mut contacts: Vec<Contact> = case.contacts.to_vec();
    for &i in doing {
        contacts.push(done(ladder, i, today));
        seen[i] = true;
    }
    let mut out = Ahead::default();
    let mut day = today;
    // Each turn does one step; a ladder is short, and repeats end with its last step.
    for _ in 0..(ladder.steps().len() * 16 + 16) {
        let c = Case {
            contacts: &contacts,
            ..case.clone()
        };
        let Some(n) = assess(&c, ladder, schedule, day).next else {
            return out;
        };
        let on = n.on.max(today);
        // What the ladder does on that day: the firmest e-mail due and the
        // tasks, as `dun send` and `dun due` would see them. The earliest
        // upcoming step alone is not enough: a repeat (another follow-up)
        // that falls on the same day as a new step (an escalation) loses to
        // it, since one e-mail a day goes out and the firmer one wins.
        let mut steps: Vec<usize> = assess(&c, ladder, schedule, on)
            .due
            .iter()
            .filter_map(|d| d.step)
            .collect();
        if steps.is_empty() {
            steps.push(n.step);
        }
        if let Some(&s) = steps.iter().find(|&&s| !seen[s] && !passes(s)) {
            // A repeat e-mail that goes out the same day still comes first.
            out.emails_before += steps
                .iter()
                .filter(|&&r| r != s && seen[r] && ladder.steps()[r].action.is_email())
                .count() as u32;
            out.next = Some(Upcoming { step: s, on });
            return out;
        }
        for s in steps {
            if ladder.steps()[s].action.is_email() {
                out.emails_before += 1;
            }
            seen[s] = true;
            contacts.push(done(ladder, s, on));
        }
        day = day.max(on);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::dates::add_days;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    /// The default ladder walked for a client who neither pays nor answers,
    /// due on Monday 1 March 2027: what each e-mail's `next` says.
    #[test]
    fn the_default_ladder_told_from_each_email() {
        let ladder = Ladder::default_ladder();
        let schedule = Schedule::default();
        let due = d("2027-03-01");
        let mut contacts: Vec<Contact> = Vec::new();
        let case = |contacts: &[Contact]| -> Vec<Contact> { contacts.to_vec() };
        let mut told = Vec::new();
        for day in 0..=30 {
            let today = add_days(due, day);
            let log = case(&contacts);
            let c = Case {
                due,
                balance: 100_000,
                closed: false,
                start_step: None,
                entered_on: add_days(due, -30),
                contacts: &log,
                holds: &[],
                email_bounced: false,
            };
            let a = assess(&c, &ladder, &schedule, today);
            for due_now in &a.due {
                let step = due_now.step.unwrap();
                if ladder.steps()[step].action.is_email() {
                    let ahead = ahead(&c, &ladder, &schedule, today, &[step], &|_| false);
                    let next = ahead.next.map(|n| (ladder.steps()[n.step].name.clone(), n.on));
                    told.push((day, next, ahead.emails_before));
                }
                contacts.push(done(&ladder, step, today));
            }
        }
        let name = |s: &str, day: i64| Some((s.to_string(), add_days(due, day)));
        assert_eq!(
            told,
            vec![
                (0, name("follow-up", 7), 0),
                (7, name("call", 14), 1),
                (14, name("call", 14), 0),
                (21, name("demand", 30), 1),
                (28, name("demand", 30), 0),
            ]
        );
    }

    /// A repeat that falls on the day of a new step does not hide it: with
    /// an escalation on day 12 (held to day 14 by the e-mail gap), the
    /// day-7 follow-up is followed by the escalation, not by nothing.
    #[test]
    fn a_new_step_on_the_day_of_a_repeat_is_the_next_step() {
        let mut steps = Ladder::default_ladder().steps().to_vec();
        steps.insert(
            2,
            super::super::ladder::Step {
                name: "escalate".into(),
                day: 12,
                action: StepAction::Escalate,
                template: Some("escalate".into()),
                repeat: None,
            },
        );
        let ladder = Ladder::new(steps).unwrap();
        let due = d("2027-03-01");
        let today = add_days(due, 7);
        let log = vec![done(&ladder, 0, due)];
        let c = Case {
            due,
            balance: 100_000,
            closed: false,
            start_step: None,
            entered_on: add_days(due, -30),
            contacts: &log,
            holds: &[],
            email_bounced: false,
        };
        let a = ahead(&c, &ladder, &Schedule::default(), today, &[1], &|_| false);
        let next = a.next.map(|n| (ladder.steps()[n.step].name.clone(), n.on));
        assert_eq!(next, Some(("escalate".to_string(), add_days(due, 14))));
        assert_eq!(a.emails_before, 0);
    }

    #[test]
    fn a_call_that_cannot_be_made_is_passed_over() {
        let ladder = Ladder::default_ladder();
        let due = d("2027-03-01");
        let today = add_days(due, 7);
        let log = vec![done(&ladder, 0, due)];
        let c = Case {
            due,
            balance: 100_000,
            closed: false,
            start_step: None,
            entered_on: add_days(due, -30),
            contacts: &log,
            holds: &[],
            email_bounced: false,
        };
        let call = ladder.index_of("call").unwrap();
        let a = ahead(&c, &ladder, &Schedule::default(), today, &[1], &|i| i == call);
        assert_eq!(a.next.map(|n| n.step), ladder.index_of("demand"));
    }
}
