//! Tests of the ladder: one unit test per rule of SPEC.md §3, then property
//! tests over simulated histories (STYLE.md habit 4).
//!
//! Days are written as offsets from the invoice's due date ("day 14"), as the
//! spec does; [`Sim`] turns them into dates.
//!
//! Tests marked `Regression` pin bugs that these tests found in the first
//! version of ladder.rs.

use std::ops::RangeInclusive;

use proptest::prelude::*;

use super::super::dates::{days_between, parse_iso};
use super::*;

const MONDAY: &str = "2026-11-02";
const WEDNESDAY: &str = "2026-11-04";
const SATURDAY: &str = "2026-11-07";

fn d(s: &str) -> NaiveDate {
    parse_iso(s).unwrap_or_else(|| panic!("bad date in a test: {s}"))
}

fn step(name: &str, day: i32, action: StepAction, repeat: Option<u32>) -> Step {
    Step {
        name: name.into(),
        day,
        action,
        template: action.is_email().then(|| name.to_string()),
        repeat,
    }
}

/// A contact we made; e-mails as `dun send` logs them, delivered.
fn outbound(on: NaiveDate, channel: Channel, step: Option<&str>) -> Contact {
    Contact {
        on,
        channel,
        inbound: false,
        step: step.map(Into::into),
        outcome: None,
        delivery: (channel == Channel::Email).then_some(Delivery::Sent),
        deadline: None,
    }
}

fn every_day(min_gap_days: u32) -> Schedule {
    Schedule {
        send_days: [true; 7],
        min_gap_days,
    }
}

fn is_email(kind: DueKind) -> bool {
    matches!(kind, DueKind::Email | DueKind::Escalate)
}

/// One invoice, its ladder and its history, and a user who acts on it.
#[derive(Debug, Clone)]
struct Sim {
    ladder: Ladder,
    schedule: Schedule,
    due: NaiveDate,
    balance: i64,
    closed: bool,
    start_step: Option<String>,
    entered_on: NaiveDate,
    contacts: Vec<Contact>,
    holds: Vec<Hold>,
    email_bounced: bool,
}

/// What the agenda showed on a day (offsets from the due date).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Row {
    day: i64,
    what: String,
    since: i64,
}

/// The rows that are actions, as `(day, what)`: without `with-lawyer`.
fn actions(rows: &[Row]) -> Vec<(i64, &str)> {
    rows.iter()
        .filter(|r| r.what != "with-lawyer")
        .map(|r| (r.day, r.what.as_str()))
        .collect()
}

impl Sim {
    /// The default ladder and schedule, an open invoice of 1,200.00, no history.
    fn new(due: &str) -> Sim {
        let due = d(due);
        Sim {
            ladder: Ladder::default_ladder(),
            schedule: Schedule::default(),
            due,
            balance: 120_000,
            closed: false,
            start_step: None,
            // Entered on the issue date, 30 days before it falls due.
            entered_on: add_days(due, -30),
            contacts: Vec::new(),
            holds: Vec::new(),
            email_bounced: false,
        }
    }

    fn with(mut self, ladder: Ladder, schedule: Schedule) -> Sim {
        self.ladder = ladder;
        self.schedule = schedule;
        self
    }

    fn day(&self, n: i64) -> NaiveDate {
        add_days(self.due, n)
    }

    fn case(&self) -> Case<'_> {
        Case {
            due: self.due,
            balance: self.balance,
            closed: self.closed,
            start_step: self.start_step.as_deref(),
            entered_on: self.entered_on,
            contacts: &self.contacts,
            holds: &self.holds,
            email_bounced: self.email_bounced,
        }
    }

    fn assess_on(&self, today: NaiveDate) -> Assessment {
        assess(&self.case(), &self.ladder, &self.schedule, today)
    }

    fn assess(&self, n: i64) -> Assessment {
        self.assess_on(self.day(n))
    }

    /// The agenda of day `n`, as `"email reminder"`, `"call call"`, `"with-lawyer"`…
    fn agenda(&self, n: i64) -> Vec<String> {
        self.assess(n).due.iter().map(|x| self.label(x)).collect()
    }

    fn label(&self, due: &Due) -> String {
        match due.step {
            None => due.kind.as_str().to_string(),
            Some(i) if due.instead_of_email => {
                format!("call {} instead of email", self.ladder.steps()[i].name)
            }
            Some(i) => format!("{} {}", due.kind.as_str(), self.ladder.steps()[i].name),
        }
    }

    fn pending(&self, n: i64, channel: Channel) -> Option<&str> {
        pending_step(&self.case(), &self.ladder, &self.schedule, self.day(n), channel)
            .map(|i| self.ladder.steps()[i].name.as_str())
    }

    fn log(&mut self, contact: Contact) {
        self.contacts.push(contact);
    }

    fn sent(&mut self, n: i64, step: &str) {
        self.log(outbound(self.day(n), Channel::Email, Some(step)));
    }

    fn reply(&mut self, n: i64) {
        self.log(Contact {
            inbound: true,
            outcome: Some(Outcome::Replied),
            delivery: None,
            ..outbound(self.day(n), Channel::Email, None)
        });
    }

    fn hold(&mut self, kind: HoldKind, from: i64, until: Option<i64>) {
        self.holds.push(Hold {
            kind,
            since: self.day(from),
            until: until.map(|n| self.day(n)),
        });
    }

    /// Does one agenda row on `today` and logs it as dun would.
    fn act(&mut self, today: NaiveDate, due: &Due, delivery: Delivery) {
        let Some(i) = due.step else { return };
        let contact = if due.instead_of_email {
            // The call that stands in for a bounced e-mail does not do the e-mail step.
            Contact {
                outcome: Some(Outcome::Talked),
                ..outbound(today, Channel::Call, None)
            }
        } else {
            let name = &self.ladder.steps()[i].name;
            match self.ladder.steps()[i].action.channel() {
                Some(Channel::Email) => Contact {
                    delivery: Some(delivery),
                    ..outbound(today, Channel::Email, Some(name))
                },
                // As `dun log INV call`: the contact fulfils the pending task of its channel.
                Some(channel) => {
                    let j = pending_step(&self.case(), &self.ladder, &self.schedule, today, channel)
                        .unwrap_or_else(|| {
                            panic!(
                                "{today}: {} is due but pending_step finds no {channel} task",
                                self.label(due)
                            )
                        });
                    outbound(today, channel, Some(&self.ladder.steps()[j].name))
                }
                // A `suspend`: `dun log INV note --step NAME`.
                None => outbound(today, Channel::Note, Some(name)),
            }
        };
        self.log(contact);
    }

    /// A diligent user: does everything due, every day.
    fn run(&mut self, days: RangeInclusive<i64>) -> Vec<Row> {
        self.run_with(days, |_| true)
    }

    /// Every day, does the rows `wanted` picks; returns every row seen.
    fn run_with(&mut self, days: RangeInclusive<i64>, mut wanted: impl FnMut(&Due) -> bool) -> Vec<Row> {
        let mut rows = Vec::new();
        for n in days {
            let today = self.day(n);
            for due in self.assess_on(today).due {
                rows.push(Row {
                    day: n,
                    what: self.label(&due),
                    since: days_between(self.due, due.since),
                });
                if wanted(&due) {
                    self.act(today, &due, Delivery::Sent);
                }
            }
        }
        rows
    }

    /// How often each step has been done by the end of `today`, counted
    /// from the log as the spec defines it (independently of ladder.rs).
    fn done_counts(&self, today: NaiveDate) -> Vec<u32> {
        let start = self
            .start_step
            .as_deref()
            .and_then(|s| self.ladder.index_of(s))
            .unwrap_or(0);
        let steps = self.ladder.steps();
        (0..steps.len())
            .map(|i| {
                let logged = self
                    .contacts
                    .iter()
                    .filter(|c| {
                        c.on <= today
                            && !c.inbound
                            && c.step.as_deref() == Some(steps[i].name.as_str())
                            && c.delivery != Some(Delivery::Failed)
                            && c.outcome != Some(Outcome::Bounced)
                    })
                    .count();
                logged as u32 + u32::from(i < start)
            })
            .collect()
    }
}

// ---------------------------------------------------------------------------
// One test per rule of SPEC.md §3.

#[test]
fn rule_1_only_open_invoices_with_a_balance_and_no_hold() {
    let open = Sim::new(MONDAY);
    assert_eq!(open.agenda(0), ["email reminder"]);

    let mut closed = open.clone();
    closed.closed = true;
    let mut paid = open.clone();
    paid.balance = 0;
    let mut overpaid = open.clone();
    overpaid.balance = -100;
    for (what, sim) in [("closed", &closed), ("paid", &paid), ("overpaid", &overpaid)] {
        assert!(sim.agenda(0).is_empty(), "{what}: {:?}", sim.agenda(0));
        assert_eq!(sim.assess(0).next, None, "{what}");
    }

    let mut paused = open.clone();
    paused.hold(HoldKind::Pause, -1, Some(3));
    for n in 0..=3 {
        assert!(paused.agenda(n).is_empty(), "day {n}: {:?}", paused.agenda(n));
        assert_eq!(paused.assess(n).hold, Some(HoldKind::Pause));
    }
    assert_eq!(paused.assess(0).next.map(|x| x.on), Some(paused.day(4)));
    assert_eq!(paused.agenda(4), ["email reminder"], "the day after the pause");
    assert_eq!(paused.assess(4).hold, None);

    let mut disputed = open.clone();
    disputed.hold(HoldKind::Dispute, 0, None);
    for n in 0..=90 {
        assert!(disputed.agenda(n).is_empty(), "day {n}");
    }
    assert_eq!(disputed.assess(40).hold, Some(HoldKind::Dispute));
    assert_eq!(disputed.assess(40).next, None, "held until released");
}

#[test]
fn rule_2_no_skipping() {
    // Entered 40 days overdue (day 40 is a Monday): the reminder, not the lawyer.
    let mut late = Sim::new(WEDNESDAY);
    late.entered_on = late.day(40);
    let a = late.assess(40);
    assert_eq!(late.agenda(40), ["email reminder"]);
    assert_eq!(
        a.due[0].since,
        late.day(40),
        "nothing was due before it was entered"
    );
    // Then one rung at a time: the follow-up waits for the e-mail gap.
    late.sent(40, "reminder");
    for n in 40..47 {
        assert!(late.agenda(n).is_empty(), "day {n}: {:?}", late.agenda(n));
    }
    assert_eq!(late.agenda(47), ["email follow-up"]);

    // `--step follow-up`: the reminder was sent elsewhere.
    let mut stepped = Sim::new(WEDNESDAY);
    stepped.entered_on = stepped.day(40);
    stepped.start_step = Some("follow-up".into());
    assert_eq!(stepped.agenda(40), ["email follow-up"]);
    // `--step demand`: the demand letter is next, and only it.
    stepped.start_step = Some("demand".into());
    assert_eq!(stepped.agenda(40), ["letter demand"]);

    // A reminder that failed to go out was not done: nothing climbs past it.
    let mut failed = Sim::new(MONDAY);
    failed.log(Contact {
        delivery: Some(Delivery::Failed),
        ..outbound(failed.day(0), Channel::Email, Some("reminder"))
    });
    assert_eq!(failed.agenda(14), ["email reminder"]);
    assert_eq!(failed.assess(14).last_step, None);
}

#[test]
fn rule_3_timing_for_a_client_who_neither_pays_nor_answers() {
    let mut sim = Sim::new(MONDAY);
    let rows = sim.run(-5..=60);
    assert_eq!(
        actions(&rows),
        [
            (0, "email reminder"),
            (7, "email follow-up"),
            (14, "email follow-up"),
            (14, "call call"),
            (21, "email follow-up"),
            (21, "call call"),
            (28, "email follow-up"),
            (28, "call call"),
            (30, "letter demand"),
        ]
    );
    for r in rows.iter().filter(|r| r.what != "with-lawyer") {
        assert_eq!(r.since, r.day, "{r:?} was done on the day it became due");
    }
    // The log holds the evidence, as the spec words it.
    let by_channel = |ch| sim.contacts.iter().filter(|c| c.channel == ch).count();
    assert_eq!(by_channel(Channel::Email), 5);
    assert!(
        sim.contacts
            .iter()
            .filter(|c| c.channel == Channel::Call)
            .all(|c| c.step.as_deref() == Some("call"))
    );
    assert!(
        sim.contacts
            .iter()
            .any(|c| c.channel == Channel::Letter && c.step.as_deref() == Some("demand"))
    );
    // Then (rule 10) nothing while the letter's deadline runs (14 days: the
    // entry holds none), then with the lawyer, every day, and nothing else.
    assert!(rows.iter().all(|r| !(31..=44).contains(&r.day)), "{rows:?}");
    let lawyer: Vec<i64> = rows
        .iter()
        .filter(|r| r.what == "with-lawyer")
        .map(|r| r.day)
        .collect();
    assert_eq!(lawyer, (45..=60).collect::<Vec<_>>());
    assert!(
        rows.iter()
            .filter(|r| r.what == "with-lawyer")
            .all(|r| r.since == 45)
    );
}

#[test]
fn rule_3_timing_when_due_on_a_saturday() {
    let mut sim = Sim::new(SATURDAY);
    let rows = sim.run(-5..=60);
    // Rule 5: the reminder goes out on Monday; each follow-up counts from the
    // last one sent; calls are not bound to sending days. Rule 4, spacing: the
    // reminder done on day 2 moves the first call to a week after the first
    // follow-up (day 16, not 14) and the letter to 16 days after that call.
    assert_eq!(
        actions(&rows),
        [
            (2, "email reminder"),
            (9, "email follow-up"),
            (16, "email follow-up"),
            (16, "call call"),
            (23, "email follow-up"),
            (23, "call call"),
            (30, "email follow-up"),
            (30, "call call"),
            (32, "letter demand"),
        ]
    );
    assert_eq!(rows[0].since, 0, "since stays the Saturday");
    assert!(
        rows.iter()
            .skip_while(|r| r.day <= 32)
            .all(|r| r.what == "with-lawyer")
    );
    assert_eq!(rows.last().map(|r| r.day), Some(60));
}

#[test]
fn rule_4_an_email_on_day_0_allows_the_next_on_day_7() {
    // A second e-mail step on day 1 waits for the gap, not for its own day.
    let ladder = Ladder::new(vec![
        step("reminder", 0, StepAction::Email, None),
        step("nudge", 1, StepAction::Email, None),
    ])
    .unwrap();
    let mut sim = Sim::new(MONDAY).with(ladder, every_day(7));
    sim.sent(0, "reminder");
    for n in 1..=6 {
        assert!(sim.agenda(n).is_empty(), "day {n}: {:?}", sim.agenda(n));
    }
    assert_eq!(sim.agenda(7), ["email nudge"]);
    assert_eq!(sim.assess(7).due[0].since, sim.day(7));
    assert_eq!(
        sim.assess(1).next,
        Some(Upcoming {
            step: 1,
            on: sim.day(7)
        })
    );

    // Any e-mail counts, also one sent by hand for no step ...
    let mut by_hand = Sim::new(MONDAY).with(sim.ladder.clone(), every_day(7));
    by_hand.log(outbound(by_hand.day(-1), Channel::Email, None));
    assert!(by_hand.agenda(5).is_empty());
    assert_eq!(by_hand.agenda(6), ["email reminder"]);
    // ... but not one that failed to go out.
    let mut failed = Sim::new(MONDAY).with(sim.ladder.clone(), every_day(7));
    failed.log(Contact {
        delivery: Some(Delivery::Failed),
        ..outbound(failed.day(0), Channel::Email, Some("reminder"))
    });
    assert_eq!(failed.agenda(1), ["email reminder"]);
}

#[test]
fn rule_4_a_reply_on_day_5_holds_everything_until_day_12() {
    // Due on a Wednesday, so that day 12 is a Monday.
    let mut sim = Sim::new(WEDNESDAY);
    let mut rows = sim.run(0..=4);
    sim.reply(5);
    rows.extend(sim.run(5..=11));
    assert_eq!(actions(&rows), [(0, "email reminder")]);
    assert_eq!(sim.assess(8).next.map(|x| x.on), Some(sim.day(12)));
    assert_eq!(sim.agenda(12), ["email follow-up"]);
    assert_eq!(sim.assess(12).due[0].since, sim.day(12));

    // Tasks too: a reply on day 12 holds the follow-up and the call of day 14.
    let mut sim = Sim::new(WEDNESDAY);
    sim.run(0..=11);
    sim.reply(12);
    let rows = sim.run(12..=19);
    assert_eq!(actions(&rows), [(19, "email follow-up"), (19, "call call")]);
}

#[test]
fn rule_4_a_delayed_step_does_not_move_later_steps_earlier() {
    // The follow-up is held from day 7 to day 12 by a reply on day 5. The next
    // follow-up counts from day 12 (19, not 14); spacing moves the first call
    // to a week after the first follow-up (19, never pulled to 12) and the
    // demand to 16 days after the first call (35).
    let mut sim = Sim::new(WEDNESDAY);
    let mut rows = sim.run(0..=4);
    sim.reply(5);
    rows.extend(sim.run(5..=40));
    assert_eq!(
        actions(&rows),
        [
            (0, "email reminder"),
            (12, "email follow-up"),
            (19, "email follow-up"),
            (19, "call call"),
            (26, "email follow-up"),
            (26, "call call"),
            (33, "email follow-up"),
            (33, "call call"),
            (35, "letter demand"),
        ]
    );
}

#[test]
fn rule_5_an_email_due_on_a_saturday_goes_out_on_monday() {
    let sim = Sim::new(SATURDAY);
    assert!(sim.agenda(0).is_empty(), "Saturday");
    assert!(sim.agenda(1).is_empty(), "Sunday");
    assert_eq!(sim.agenda(2), ["email reminder"]);
    assert_eq!(sim.assess(2).due[0].since, sim.day(0), "since stays the Saturday");
    assert_eq!(
        sim.assess(0).next,
        Some(Upcoming {
            step: 0,
            on: sim.day(2)
        })
    );

    // Other sending days: Wednesday only.
    let wednesdays = Schedule {
        send_days: [false, false, true, false, false, false, false],
        ..Schedule::default()
    };
    let sim = Sim::new(SATURDAY).with(Ladder::default_ladder(), wednesdays);
    for n in 0..=3 {
        assert!(sim.agenda(n).is_empty(), "day {n}");
    }
    assert_eq!(sim.agenda(4), ["email reminder"]);
}

/// Regression: an e-mail that was due on a Friday and not sent showed as
/// due on Saturday and Sunday, so `dun send` run on a weekend sent it.
#[test]
fn rule_5_a_missed_email_waits_for_the_next_sending_day() {
    let sim = Sim::new(MONDAY); // the reminder was due on day 0 and not sent
    assert_eq!(sim.agenda(4), ["email reminder"], "Friday");
    assert!(sim.agenda(5).is_empty(), "Saturday: {:?}", sim.agenda(5));
    assert!(sim.agenda(6).is_empty(), "Sunday: {:?}", sim.agenda(6));
    assert_eq!(sim.agenda(7), ["email reminder"], "Monday");
}

#[test]
fn rule_6_a_task_stays_due_with_its_date_until_it_is_logged() {
    let mut sim = Sim::new(MONDAY);
    let rows = sim.run_with(0..=40, |due| due.kind != DueKind::Call);
    let calls: Vec<&Row> = rows.iter().filter(|r| r.what == "call call").collect();
    assert_eq!(
        calls.iter().map(|r| r.day).collect::<Vec<_>>(),
        (14..=40).collect::<Vec<_>>()
    );
    assert!(calls.iter().all(|r| r.since == 14), "{calls:?}");
    assert!(
        !rows.iter().any(|r| r.what == "letter demand"),
        "no demand before the call"
    );
    // A note or a visit is not a call.
    sim.log(outbound(sim.day(41), Channel::Note, None));
    sim.log(outbound(sim.day(41), Channel::Visit, None));
    assert!(sim.agenda(41).contains(&"call call".to_string()));

    assert_eq!(sim.pending(41, Channel::Call), Some("call"));
    sim.log(outbound(sim.day(41), Channel::Call, Some("call")));
    assert_eq!(sim.assess(41).last_step, Some((2, sim.day(41))));
    // The call done on day 41, the demand (day 30) follows 16 days after it
    // (rule 4, spacing: 57); the call repeats from day 41.
    assert!(sim.agenda(41).is_empty(), "{:?}", sim.agenda(41));
    assert!(!sim.agenda(56).contains(&"letter demand".to_string()));
    assert!(sim.agenda(57).contains(&"letter demand".to_string()));
    let call_on = |n: i64| sim.assess(n).due.into_iter().find(|x| x.kind == DueKind::Call);
    for n in 42..48 {
        assert_eq!(call_on(n), None, "day {n}");
    }
    assert_eq!(call_on(48).map(|x| x.since), Some(sim.day(48)));
}

#[test]
fn rule_7_a_promise_holds_until_its_date_and_then_is_broken() {
    let mut sim = Sim::new(MONDAY);
    sim.run(0..=9);
    // Day 10: a call in which the client promises to pay by day 20.
    sim.log(Contact {
        outcome: Some(Outcome::Promised),
        ..outbound(sim.day(10), Channel::Call, None)
    });
    sim.hold(HoldKind::Promise, 10, Some(20));
    let paid_on_day_20 = {
        let mut s = sim.clone();
        s.balance = 0;
        s
    };
    for n in 10..=20 {
        let a = sim.assess(n);
        assert!(a.due.is_empty(), "day {n}: {:?}", a.due);
        assert_eq!(a.hold, Some(HoldKind::Promise));
        assert_eq!(a.broken_promise, None);
        assert!(
            a.next.is_some_and(|x| x.on > sim.day(20)),
            "day {n}: {:?}",
            a.next
        );
    }
    // Day 21: the ladder resumes where it was, and the promise is broken.
    let a = sim.assess(21);
    assert_eq!(sim.agenda(21), ["email follow-up", "call call", "broken-promise"]);
    assert_eq!(a.hold, None);
    assert_eq!(a.broken_promise, Some(sim.day(20)));
    assert_eq!(
        a.due[1].since,
        sim.day(21),
        "the call, due on day 14 under the promise, became due when the promise ended"
    );
    assert_eq!(a.due[2].since, sim.day(21));
    assert_eq!(
        sim.assess(25).broken_promise,
        Some(sim.day(20)),
        "until someone acts"
    );
    // A contact after the promised date clears the flag.
    sim.sent(21, "follow-up");
    assert_eq!(sim.assess(22).broken_promise, None);
    assert_eq!(sim.agenda(22), ["call call"]);
    // Paid in time: nothing is broken.
    assert!(paid_on_day_20.agenda(21).is_empty());
    assert_eq!(paid_on_day_20.assess(21).broken_promise, None);
}

#[test]
fn rule_8_paid_or_closed_is_off_the_ladder_and_partial_payments_change_nothing() {
    let mut paid = Sim::new(MONDAY);
    paid.balance = 0;
    let mut void = Sim::new(MONDAY);
    void.closed = true;
    for sim in [&mut paid, &mut void] {
        assert!(sim.run(-5..=120).is_empty());
    }
    // Also once with the lawyer, and with a broken promise.
    let mut sim = Sim::new(MONDAY);
    sim.hold(HoldKind::Promise, 3, Some(5));
    sim.run(0..=40);
    sim.closed = true;
    assert_eq!(sim.assess(41), Assessment::default());

    // A partial payment changes the balance, not the ladder.
    let mut full = Sim::new(MONDAY);
    let mut part = Sim::new(MONDAY);
    let mut rows = part.run(0..=9);
    part.balance = 20_000;
    rows.extend(part.run(10..=60));
    assert_eq!(full.run(0..=60), rows);
}

#[test]
fn rule_9_at_most_one_email_per_invoice_per_day_the_firmest() {
    // The sender merges invoices into one e-mail per client; this function
    // guarantees one e-mail per invoice per day, the firmest step's.
    let ladder = Ladder::new(vec![
        step("reminder", 0, StepAction::Email, None),
        step("follow-up", 7, StepAction::Email, Some(7)),
        step("escalate", 21, StepAction::Escalate, None),
        step("demand", 35, StepAction::Letter, None),
    ])
    .unwrap();
    let mut sim = Sim::new(MONDAY).with(ladder, Schedule::default());
    sim.run(0..=20);
    // Day 21: the follow-up is due again and the escalation for the first time.
    assert_eq!(sim.agenda(21), ["escalate escalate"]);
    assert_eq!(sim.pending(21, Channel::Email), Some("escalate"));
    let rows = sim.run(21..=40);
    assert_eq!(
        actions(&rows),
        [
            (21, "escalate escalate"),
            (28, "email follow-up"),
            (35, "email follow-up"),
            (35, "letter demand")
        ]
    );
}

#[test]
fn rule_10_after_the_last_step_the_invoice_stays_with_the_lawyer() {
    let mut sim = Sim::new(MONDAY);
    sim.run(0..=30);
    // The letter of day 30 gave 14 days (its entry holds no deadline): dun
    // waits until day 44 has passed, with nothing due and nothing next.
    for n in [30, 31, 44] {
        let a = sim.assess(n);
        assert!(a.due.is_empty() && !a.with_lawyer, "day {n}: {a:?}");
        assert_eq!(a.awaiting_deadline(), Some(sim.day(44)), "day {n}");
        assert_eq!(a.next, None);
    }
    for n in [45, 60, 365, 3650] {
        let a = sim.assess(n);
        assert!(a.with_lawyer, "day {n}");
        assert_eq!(a.letter_deadline, Some(sim.day(44)));
        assert_eq!(
            a.due,
            [Due {
                kind: DueKind::WithLawyer,
                step: None,
                since: sim.day(45),
                instead_of_email: false,
            }],
            "day {n}"
        );
        assert_eq!(a.next, None);
        assert_eq!(a.last_step, Some((3, sim.day(30))));
    }
    // A reply, a promise and a payment in part change nothing of that.
    sim.reply(40);
    sim.balance = 100;
    assert_eq!(sim.agenda(45), ["with-lawyer"]);
    sim.hold(HoldKind::Promise, 50, Some(60));
    assert!(sim.agenda(55).is_empty(), "a hold hides it from the agenda");
    assert!(sim.assess(55).with_lawyer);
}

/// Regression: `with_lawyer` ("the last step has been done") was true under
/// a promise or a dated pause but false under a dispute or an open pause.
#[test]
fn rule_10_with_lawyer_does_not_depend_on_the_kind_of_hold() {
    let mut sim = Sim::new(MONDAY);
    sim.run(0..=30);
    let mut paused = sim.clone();
    paused.hold(HoldKind::Pause, 40, Some(50));
    let mut disputed = sim.clone();
    disputed.hold(HoldKind::Dispute, 40, None);
    assert!(paused.assess(45).with_lawyer);
    assert!(disputed.assess(45).with_lawyer, "{:?}", disputed.assess(45));
}

/// The first time each step was done, as `(day, step)`, in order.
fn firsts(rows: &[Row]) -> Vec<(i64, &str)> {
    let mut seen: Vec<(i64, &str)> = Vec::new();
    for (day, what) in actions(rows) {
        if !seen.iter().any(|(_, w)| *w == what) {
            seen.push((day, what));
        }
    }
    seen
}

#[test]
fn rule_4_spacing_an_invoice_entered_40_days_overdue() {
    // SPEC.md §3 rule 4: the reminder now, the follow-up a week later, the
    // first call a week after that, the demand 16 days after the first call.
    let mut late = Sim::new(WEDNESDAY); // day 40 is a Monday
    late.entered_on = late.day(40);
    let rows = late.run(40..=90);
    assert_eq!(
        firsts(&rows),
        [
            (40, "email reminder"),
            (47, "email follow-up"),
            (54, "call call"),
            (70, "letter demand"),
        ]
    );
    // Never three steps in one week.
    let days: Vec<i64> = firsts(&rows).iter().map(|(d, _)| *d).collect();
    assert!(days.windows(3).all(|w| w[2] - w[0] >= 7), "{days:?}");
    // Each became due on the day it was done.
    for r in rows.iter().filter(|r| r.what != "with-lawyer") {
        assert_eq!(r.since, r.day, "{r:?}");
    }
    assert_eq!(
        late.assess(41).next,
        Some(Upcoming {
            step: 1,
            on: late.day(47)
        })
    );
}

#[test]
fn rule_4_spacing_a_hold_moves_the_steps_after_it() {
    // A pause from day 5 to day 20: the follow-up of day 7 goes on day 21, the
    // call a week after it (28, not 21), the demand 16 days after that (44).
    let mut sim = Sim::new(MONDAY);
    let mut rows = sim.run(0..=4);
    sim.hold(HoldKind::Pause, 5, Some(20));
    rows.extend(sim.run(5..=60));
    assert_eq!(
        firsts(&rows),
        [
            (0, "email reminder"),
            (21, "email follow-up"),
            (28, "call call"),
            (44, "letter demand"),
        ]
    );
}

#[test]
fn rule_4_spacing_counts_steps_before_step_s_on_their_own_dates() {
    // `--step call` on day 40: the call is due at once (the follow-up counts
    // as done on day 7) and the demand 16 days after the call.
    let mut stepped = Sim::new(WEDNESDAY);
    stepped.entered_on = stepped.day(40);
    stepped.start_step = Some("call".into());
    let rows = stepped.run(40..=70);
    let first = |what: &str| firsts(&rows).iter().find(|(_, w)| *w == what).map(|(d, _)| *d);
    assert_eq!(first("call call"), Some(40));
    assert_eq!(first("letter demand"), Some(56));
    // `--step follow-up`: the follow-up at once, the call a week after it.
    let mut stepped = Sim::new(WEDNESDAY);
    stepped.entered_on = stepped.day(40);
    stepped.start_step = Some("follow-up".into());
    let rows = stepped.run(40..=80);
    assert_eq!(
        firsts(&rows),
        [(40, "email follow-up"), (47, "call call"), (63, "letter demand")]
    );
}

#[test]
fn rule_10_dun_waits_for_the_deadline_the_letter_gave() {
    let mut sim = Sim::new(MONDAY);
    sim.run(0..=29);
    // `dun log INV letter --deadline 21` on day 30: the deadline is day 51.
    sim.log(Contact {
        deadline: Some(sim.day(51)),
        ..outbound(sim.day(30), Channel::Letter, Some("demand"))
    });
    for n in [30, 40, 51] {
        let a = sim.assess(n);
        assert_eq!(a.awaiting_deadline(), Some(sim.day(51)), "day {n}");
        assert!(a.due.is_empty() && !a.with_lawyer, "day {n}: {a:?}");
    }
    let a = sim.assess(52);
    assert!(a.with_lawyer);
    assert_eq!(a.awaiting_deadline(), None);
    assert_eq!(a.letter_deadline, Some(sim.day(51)));
    assert_eq!(a.due[0].kind, DueKind::WithLawyer);
    assert_eq!(
        a.due[0].since,
        sim.day(52),
        "with the lawyer once the deadline passed"
    );
    // A second letter for the step (a new deadline): its deadline counts.
    sim.log(Contact {
        deadline: Some(sim.day(70)),
        ..outbound(sim.day(55), Channel::Letter, Some("demand"))
    });
    assert_eq!(sim.assess(60).awaiting_deadline(), Some(sim.day(70)));
    // A letter that did not do the step, or is dated after today, does not.
    sim.log(Contact {
        deadline: Some(sim.day(99)),
        ..outbound(sim.day(56), Channel::Letter, None)
    });
    assert_eq!(sim.assess(60).awaiting_deadline(), Some(sim.day(70)));
    assert_eq!(
        sim.assess(54).awaiting_deadline(),
        None,
        "on day 54 the first deadline has passed"
    );
    assert_eq!(
        letter_deadlines(&sim.contacts, &sim.ladder, sim.day(60)),
        [None, None, None, Some(sim.day(70))]
    );
}

#[test]
fn rule_10_a_last_step_that_is_not_a_letter_is_with_the_lawyer_at_once() {
    let ladder = Ladder::new(vec![
        step("reminder", 0, StepAction::Email, None),
        step("stop-work", 10, StepAction::Suspend, None),
    ])
    .unwrap();
    let mut sim = Sim::new(MONDAY).with(ladder, Schedule::default());
    sim.run(0..=10);
    let a = sim.assess(10);
    assert!(a.with_lawyer);
    assert_eq!(a.letter_deadline, None);
    assert_eq!(sim.agenda(10), ["with-lawyer"]);
    assert_eq!(a.due[0].since, sim.day(10));
}

#[test]
fn rule_11_bounce_stops_email_and_asks_for_a_call() {
    // Due on a Saturday: the call is asked for that same day.
    let mut sim = Sim::new(SATURDAY);
    sim.email_bounced = true;
    let a = sim.assess(0);
    assert_eq!(
        a.due,
        [Due {
            kind: DueKind::Call,
            step: Some(0),
            since: sim.day(0),
            instead_of_email: true,
        }]
    );
    assert_eq!(sim.agenda(1), ["call reminder instead of email"], "Sunday too");
    // Logging a call does not do the e-mail step it stands in for.
    assert_eq!(sim.pending(0, Channel::Call), None);
    assert_eq!(sim.pending(0, Channel::Email), None);
    sim.run(0..=1);
    assert_eq!(sim.assess(2).last_step, None);
    assert_eq!(
        sim.agenda(20),
        ["call reminder instead of email"],
        "nothing climbs past it"
    );

    // A bounce does not do its step either; the address changed, e-mail resumes.
    let mut sim = Sim::new(MONDAY);
    sim.log(Contact {
        outcome: Some(Outcome::Bounced),
        ..outbound(sim.day(0), Channel::Email, Some("reminder"))
    });
    sim.email_bounced = true;
    assert_eq!(sim.assess(10).last_step, None);
    assert_eq!(sim.agenda(10), ["call reminder instead of email"]);
    sim.email_bounced = false;
    assert_eq!(sim.agenda(10), ["email reminder"]);
}

/// Regression: after the reminder bounced on day 0, the call to find a
/// working address was held back by the e-mail gap of rule 4 until day 7.
/// The stand-in is a call, not an e-mail; only the floor for every action
/// (replies, holds) applies to it.
#[test]
fn rule_11_the_call_for_a_bounced_email_is_not_held_by_the_email_gap() {
    let mut sim = Sim::new(MONDAY);
    sim.log(Contact {
        outcome: Some(Outcome::Bounced),
        ..outbound(sim.day(0), Channel::Email, Some("reminder"))
    });
    sim.email_bounced = true;
    assert_eq!(sim.agenda(1), ["call reminder instead of email"]);
}

#[test]
fn custom_ladder_with_a_courtesy_note_and_an_escalation() {
    let steps = vec![
        step("courtesy", -3, StepAction::Email, None),
        step("reminder", 0, StepAction::Email, None),
        step("cfo", 10, StepAction::Escalate, None),
        step("stop-work", 20, StepAction::Suspend, None),
        step("demand", 30, StepAction::Letter, None),
    ];
    let ladder = Ladder::new(steps).unwrap();
    assert_eq!(ladder.min_day(), -3);
    assert_eq!(Ladder::default_ladder().min_day(), 0);

    let mut sim = Sim::new(MONDAY).with(ladder.clone(), every_day(3));
    assert_eq!(
        sim.assess(-10).next,
        Some(Upcoming {
            step: 0,
            on: sim.day(-3)
        })
    );
    sim.run(-10..=9);
    assert_eq!(sim.pending(10, Channel::Email), Some("cfo"));
    sim.run(10..=19);
    // A suspension is a task that no channel fulfils by itself.
    for ch in Channel::ALL {
        assert_eq!(sim.pending(20, *ch), None, "{ch}");
    }
    let rows = {
        let mut all = Sim::new(MONDAY).with(ladder.clone(), every_day(3));
        all.run(-10..=40)
    };
    assert_eq!(
        actions(&rows),
        [
            (-3, "email courtesy"),
            (0, "email reminder"),
            (10, "escalate cfo"),
            (20, "suspend stop-work"),
            (30, "letter demand"),
        ]
    );
    assert!(
        rows.iter()
            .filter(|r| r.day > 30)
            .all(|r| r.what == "with-lawyer")
    );

    // With the default gap of 7 the courtesy note (day -3, a Friday) holds
    // the reminder until day 4.
    let mut sim = Sim::new(MONDAY).with(ladder, Schedule::default());
    let rows = sim.run(-10..=4);
    assert_eq!(actions(&rows), [(-3, "email courtesy"), (4, "email reminder")]);
}

#[test]
fn ladder_new_rejects_bad_ladders_naming_the_step() {
    let ok = || {
        vec![
            step("reminder", 0, StepAction::Email, None),
            step("follow-up", 7, StepAction::Email, Some(7)),
            step("call", 14, StepAction::Call, Some(7)),
        ]
    };
    assert!(Ladder::new(ok()).is_ok());
    let mut same_day = ok();
    same_day[2].day = 7;
    assert!(Ladder::new(same_day).is_ok(), "equal days keep their order");

    let mut duplicate = ok();
    duplicate[2].name = "reminder".into();
    let mut descending = ok();
    descending[2].day = 3;
    let mut no_template = ok();
    no_template[1].template = None;
    let mut blank_template = ok();
    blank_template[1].template = Some(String::new());
    let mut escalate_no_template = ok();
    escalate_no_template.push(Step {
        template: None,
        ..step("cfo", 20, StepAction::Escalate, None)
    });
    let mut repeat_zero = ok();
    repeat_zero[2].repeat = Some(0);
    let mut nameless = ok();
    nameless[1].name = " ".into();
    for (steps, words) in [
        (duplicate, &["step 3", "\"reminder\"", "twice"][..]),
        (descending, &["step 3", "\"call\"", "day 3", "ascending"]),
        (no_template, &["step 2", "\"follow-up\"", "template"]),
        (blank_template, &["step 2", "\"follow-up\"", "template"]),
        (escalate_no_template, &["step 4", "\"cfo\"", "template"]),
        (repeat_zero, &["step 3", "\"call\"", "repeat = 0"]),
        (nameless, &["step 2", "name"]),
        (Vec::new(), &["no steps"]),
    ] {
        let err = Ladder::new(steps).unwrap_err();
        for w in words {
            assert!(err.contains(w), "{err:?} should say {w:?}");
        }
    }
}

#[test]
fn pending_step_finds_the_due_step_of_the_channel() {
    let mut sim = Sim::new(MONDAY);
    assert_eq!(sim.pending(0, Channel::Email), Some("reminder"));
    assert_eq!(sim.pending(0, Channel::Call), None);
    sim.run(0..=13);
    assert_eq!(sim.pending(14, Channel::Email), Some("follow-up"));
    assert_eq!(sim.pending(14, Channel::Call), Some("call"));
    assert_eq!(sim.pending(14, Channel::Letter), None);
    assert_eq!(
        sim.pending(13, Channel::Call),
        None,
        "a call before its day fulfils nothing"
    );
    sim.run(14..=29);
    assert_eq!(sim.pending(30, Channel::Letter), Some("demand"));
    assert_eq!(sim.pending(30, Channel::Sms), None);
    // Held: nothing is pending.
    let mut held = sim.clone();
    held.hold(HoldKind::Promise, 30, Some(31));
    assert_eq!(held.pending(30, Channel::Letter), None);
    // An e-mail sent by hand on a Saturday does its step: sending days do not matter.
    let sim = Sim::new(SATURDAY);
    assert!(sim.agenda(0).is_empty());
    assert_eq!(sim.pending(0, Channel::Email), Some("reminder"));
}

// ---------------------------------------------------------------------------
// Property tests: a user and a client acting at random for days -5 to 90.

const FIRST_DAY: i64 = -5;
const LAST_DAY: i64 = 90;

/// What happens on one day of a simulated history, before the user acts.
#[derive(Clone)]
struct DayEvents {
    replies: bool,
    /// A promise to pay within this many days, made on a call.
    promises: Option<i64>,
    disputes: bool,
    resolves: bool,
    pays_part: bool,
    pays_all: bool,
    writes_off: bool,
    bounces: bool,
    fixes_address: bool,
    /// The e-mails sent today fail.
    send_fails: bool,
    /// Bit k: the user does the k-th row of today's agenda.
    does: u8,
}

/// Only what happened, so that a failing history can be read.
impl std::fmt::Debug for DayEvents {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let flags = [
            (self.replies, "reply"),
            (self.disputes, "dispute"),
            (self.resolves, "resolve"),
            (self.pays_part, "pays part"),
            (self.pays_all, "pays all"),
            (self.writes_off, "write-off"),
            (self.bounces, "bounce"),
            (self.fixes_address, "new address"),
            (self.send_fails, "send fails"),
        ];
        let mut words: Vec<String> = flags
            .iter()
            .filter(|(on, _)| *on)
            .map(|(_, w)| w.to_string())
            .collect();
        if let Some(days) = self.promises {
            words.push(format!("promise {days}d"));
        }
        words.push(format!("does {:08b}", self.does));
        write!(f, "\"{}\"", words.join(", "))
    }
}

fn day_events() -> impl Strategy<Value = DayEvents> {
    (
        (
            prop::bool::weighted(0.06),
            prop::option::weighted(0.03, 0i64..15),
            prop::bool::weighted(0.015),
            prop::bool::weighted(0.1),
            prop::bool::weighted(0.03),
            prop::bool::weighted(0.004),
        ),
        (
            prop::bool::weighted(0.002),
            prop::bool::weighted(0.01),
            prop::bool::weighted(0.1),
            prop::bool::weighted(0.05),
            any::<u8>(),
            any::<u8>(),
        ),
    )
        .prop_map(
            |(
                (replies, promises, disputes, resolves, pays_part, pays_all),
                (writes_off, bounces, fixes_address, send_fails, a, b),
            )| DayEvents {
                replies,
                promises,
                disputes,
                resolves,
                pays_part,
                pays_all,
                writes_off,
                bounces,
                fixes_address,
                send_fails,
                does: a | b,
            },
        )
}

/// 1 to 5 steps with ascending days from -7 on, any actions, some repeating.
fn custom_ladder() -> impl Strategy<Value = Ladder> {
    let raw_step = (
        0i32..12,
        0..StepAction::ALL.len(),
        prop::option::weighted(0.4, 1u32..10),
    );
    (-7i32..=3, prop::collection::vec(raw_step, 1..=5)).prop_map(|(first, raw)| {
        let mut day = first;
        let steps = raw
            .into_iter()
            .enumerate()
            .map(|(i, (later, action, repeat))| {
                day += later;
                step(&format!("s{i}"), day, StepAction::ALL[action], repeat)
            })
            .collect();
        Ladder::new(steps).expect("generated ladders are valid")
    })
}

fn schedule() -> impl Strategy<Value = Schedule> {
    (1u8..128, 1u32..=10).prop_map(|(days, min_gap_days)| Schedule {
        send_days: std::array::from_fn(|i| days & (1 << i) != 0),
        min_gap_days,
    })
}

/// A fresh invoice on `ladder`: a random due date, sometimes entered late
/// with `--step`.
fn world(ladders: impl Strategy<Value = (Ladder, Schedule)>) -> impl Strategy<Value = (Sim, Vec<DayEvents>)> {
    let days = (LAST_DAY - FIRST_DAY + 1) as usize;
    (
        ladders,
        0i64..3650,
        prop::option::weighted(0.15, (0usize..5, -10i64..=60)),
        prop::collection::vec(day_events(), days),
    )
        .prop_map(|((ladder, schedule), due, start, events)| {
            let mut sim = Sim::new("2024-01-01").with(ladder, schedule);
            sim.due = sim.day(due);
            sim.entered_on = sim.due;
            if let Some((i, entered)) = start {
                let steps = sim.ladder.steps();
                sim.start_step = Some(steps[i % steps.len()].name.clone());
                sim.entered_on = sim.day(entered);
            }
            (sim, events)
        })
}

fn default_world() -> impl Strategy<Value = (Sim, Vec<DayEvents>)> {
    world(Just((Ladder::default_ladder(), Schedule::default())))
}

fn custom_world() -> impl Strategy<Value = (Sim, Vec<DayEvents>)> {
    world((custom_ladder(), schedule()))
}

impl Sim {
    fn apply(&mut self, today: NaiveDate, ev: &DayEvents) {
        if ev.pays_part && self.balance > 1 {
            self.balance -= self.balance / 3;
        }
        if ev.pays_all {
            self.balance = 0;
        }
        if ev.writes_off {
            self.closed = true;
        }
        if ev.replies {
            self.log(Contact {
                inbound: true,
                outcome: Some(Outcome::Replied),
                delivery: None,
                ..outbound(today, Channel::Email, None)
            });
        }
        if let Some(days) = ev.promises {
            self.log(Contact {
                outcome: Some(Outcome::Promised),
                ..outbound(today, Channel::Call, None)
            });
            self.holds.push(Hold {
                kind: HoldKind::Promise,
                since: today,
                until: Some(add_days(today, days)),
            });
        }
        let dispute = self.holds.iter().position(|h| h.kind == HoldKind::Dispute);
        match dispute {
            None if ev.disputes => self.holds.push(Hold {
                kind: HoldKind::Dispute,
                since: today,
                until: None,
            }),
            // Released holds are not passed in.
            Some(i) if ev.resolves => {
                self.holds.remove(i);
            }
            _ => {}
        }
        if ev.bounces {
            self.email_bounced = true;
        }
        if ev.fixes_address {
            self.email_bounced = false;
        }
    }
}

/// The inputs of one day's assessment, kept to ask again at the end.
struct Snapshot {
    today: NaiveDate,
    holds: Vec<Hold>,
    balance: i64,
    closed: bool,
    email_bounced: bool,
    /// How many contacts the log held at the end of the day.
    known: usize,
    after: Assessment,
}

/// Runs a history, checking every day's assessment; returns them.
fn simulate(mut sim: Sim, events: &[DayEvents]) -> Result<Vec<(NaiveDate, Assessment)>, TestCaseError> {
    let first = FIRST_DAY.max(days_between(sim.due, sim.entered_on));
    let mut seen = Vec::new();
    let mut snapshots = Vec::new();
    for (n, ev) in (first..=LAST_DAY).zip(events) {
        let today = sim.day(n);
        sim.apply(today, ev);
        let a = sim.assess_on(today);
        check_day(&sim, today, &a)?;
        for (k, due) in a.due.iter().enumerate() {
            if ev.does & (1 << (k % 8)) != 0 {
                let delivery = if ev.send_fails {
                    Delivery::Failed
                } else {
                    Delivery::Sent
                };
                sim.act(today, due, delivery);
            }
        }
        snapshots.push(Snapshot {
            today,
            holds: sim.holds.clone(),
            balance: sim.balance,
            closed: sim.closed,
            email_bounced: sim.email_bounced,
            known: sim.contacts.len(),
            after: sim.assess_on(today),
        });
        seen.push((today, a));
    }
    check_history(&sim, &snapshots)?;
    Ok(seen)
}

fn check_day(sim: &Sim, today: NaiveDate, a: &Assessment) -> Result<(), TestCaseError> {
    let steps = sim.ladder.steps();
    let gap = i64::from(sim.schedule.min_gap_days);
    let held = sim.holds.iter().any(|h| h.active_on(today));

    prop_assert_eq!(&sim.assess_on(today), a, "{}: same inputs, another answer", today);
    if sim.closed || sim.balance <= 0 || held {
        prop_assert!(
            a.due.is_empty(),
            "{}: due on a paid, closed or held invoice: {:?}",
            today,
            a.due
        );
    }
    let emails = a.due.iter().filter(|x| is_email(x.kind)).count();
    prop_assert!(emails <= 1, "{}: {} e-mails due: {:?}", today, emails, a.due);

    let done = sim.done_counts(today);
    let last_inbound = sim
        .contacts
        .iter()
        .filter(|c| c.inbound && c.on <= today)
        .map(|c| c.on)
        .max();
    let last_email = sim
        .contacts
        .iter()
        .filter(|c| !c.inbound && c.channel == Channel::Email && c.delivery != Some(Delivery::Failed))
        .filter(|c| c.on <= today)
        .map(|c| c.on)
        .max();
    for row in &a.due {
        let Some(i) = row.step else { continue };
        let (step, what) = (&steps[i], sim.label(row));
        prop_assert!(!a.with_lawyer, "{}: {} due with the lawyer", today, what);
        prop_assert!(row.since <= today, "{}: {} due since {}", today, what, row.since);
        prop_assert!(
            done[..i].iter().all(|&n| n > 0),
            "{}: {} due before every earlier step was done {:?}",
            today,
            what,
            done
        );
        if step.repeat.is_none() {
            prop_assert_eq!(done[i], 0, "{}: {} due again; it does not repeat", today, what);
        }
        if done[i] == 0 {
            let first = add_days(sim.due, i64::from(step.day));
            prop_assert!(
                row.since >= first,
                "{}: {} first due before {}",
                today,
                what,
                first
            );
        }
        if let Some(r) = last_inbound {
            prop_assert!(
                days_between(r, today) >= gap,
                "{}: {} due after a reply on {}",
                today,
                what,
                r
            );
        }
        if let (true, Some(e)) = (is_email(row.kind), last_email) {
            prop_assert!(
                days_between(e, today) >= gap,
                "{}: {} due after an e-mail on {}",
                today,
                what,
                e
            );
        }
    }
    // Rule 4, spacing: a step first due no sooner after the step before it
    // was first done (in dun's log) than their days are apart.
    let start = sim
        .start_step
        .as_deref()
        .and_then(|s| sim.ladder.index_of(s))
        .unwrap_or(0);
    let first_done = |i: usize| {
        sim.contacts
            .iter()
            .filter(|c| {
                c.on <= today && c.fulfils_step() && c.step.as_deref() == Some(steps[i].name.as_str())
            })
            .map(|c| c.on)
            .min()
    };
    for row in &a.due {
        let Some(i) = row.step.filter(|&i| i > start && done[i] == 0) else {
            continue;
        };
        if let Some(f) = first_done(i - 1) {
            let apart = i64::from(steps[i].day - steps[i - 1].day);
            prop_assert!(
                days_between(f, row.since) >= apart,
                "{}: {} due since {}, {} days after {} was first done on {}",
                today,
                sim.label(row),
                row.since,
                days_between(f, row.since),
                steps[i - 1].name,
                f
            );
        }
    }
    // Rule 10: after a letter as the last step, with the lawyer only once the
    // deadline (14 days: these letters hold none) has passed.
    let last = steps.len() - 1;
    if a.with_lawyer && steps[last].action == StepAction::Letter && last >= start {
        let letter = sim
            .contacts
            .iter()
            .filter(|c| c.on <= today && c.channel == Channel::Letter && c.fulfils_step())
            .filter(|c| c.step.as_deref() == Some(steps[last].name.as_str()))
            .map(|c| c.on)
            .max();
        if let Some(on) = letter {
            prop_assert!(
                days_between(on, today) > DEFAULT_LETTER_DEADLINE_DAYS,
                "{}: with the lawyer, the letter of {} gave until {}",
                today,
                on,
                add_days(on, DEFAULT_LETTER_DEADLINE_DAYS)
            );
        }
    }
    if !held && a.next.is_some_and(|x| x.on <= today) {
        prop_assert!(
            !a.due.is_empty(),
            "{}: next is {:?} yet nothing is due",
            today,
            a.next
        );
    }
    // On a sending day, an e-mail logged by hand does the step `dun send` would send.
    if sim.schedule.is_send_day(today) && !sim.email_bounced {
        let email_step = a.due.iter().find(|x| is_email(x.kind)).and_then(|x| x.step);
        let pending = pending_step(&sim.case(), &sim.ladder, &sim.schedule, today, Channel::Email);
        prop_assert_eq!(
            pending,
            email_step,
            "{}: pending_step disagrees with the agenda",
            today
        );
    }
    Ok(())
}

fn check_history(sim: &Sim, snapshots: &[Snapshot]) -> Result<(), TestCaseError> {
    let Some(end) = snapshots.last().map(|s| s.today) else {
        return Ok(());
    };
    let done = sim.done_counts(end);
    for (step, n) in sim.ladder.steps().iter().zip(&done) {
        if step.repeat.is_none() {
            prop_assert!(*n <= 1, "{} done {} times; it does not repeat", step.name, n);
        }
    }
    let gap = i64::from(sim.schedule.min_gap_days);
    let sent: Vec<NaiveDate> = sim
        .contacts
        .iter()
        .filter(|c| !c.inbound && c.channel == Channel::Email && c.delivery != Some(Delivery::Failed))
        .map(|c| c.on)
        .collect();
    for pair in sent.windows(2) {
        prop_assert!(
            days_between(pair[0], pair[1]) >= gap,
            "e-mails on {} and {}",
            pair[0],
            pair[1]
        );
    }
    // The answer depends on the inputs only: asked again, in another order,
    // and with the contacts logged after that day in the log, it is the same.
    for s in snapshots.iter().rev() {
        for contacts in [&sim.contacts[..], &sim.contacts[..s.known]] {
            let case = Case {
                balance: s.balance,
                closed: s.closed,
                contacts,
                holds: &s.holds,
                email_bounced: s.email_bounced,
                ..sim.case()
            };
            let again = assess(&case, &sim.ladder, &sim.schedule, s.today);
            prop_assert_eq!(&again, &s.after, "{}: asked again, another answer", s.today);
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn prop_default_ladder_keeps_its_rules_over_random_histories((sim, events) in default_world()) {
        simulate(sim, &events)?;
    }

    #[test]
    fn prop_custom_ladder_keeps_its_rules_over_random_histories((sim, events) in custom_world()) {
        simulate(sim, &events)?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Rule 5 over random histories and sending days (see
    /// `rule_5_a_missed_email_waits_for_the_next_sending_day`).
    #[test]
    fn prop_no_email_is_due_on_a_day_without_sending((sim, events) in custom_world()) {
        let schedule = sim.schedule.clone();
        for (today, a) in simulate(sim, &events)? {
            if !schedule.is_send_day(today) {
                prop_assert!(a.due.iter().all(|x| !is_email(x.kind)), "{}: {:?}", today, a.due);
            }
        }
    }
}
