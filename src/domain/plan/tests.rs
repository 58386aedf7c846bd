//! Tests of payment plans: the instalments a user asks for, the state of a
//! plan on a day, the e-mails it asks for; then property tests (instalments
//! always add up; kept exactly when the payments meet the instalments by
//! each date + grace; the month-end rule).

use proptest::prelude::*;

use super::super::dates::parse_iso;
use super::*;

fn d(s: &str) -> NaiveDate {
    parse_iso(s).unwrap_or_else(|| panic!("bad date in a test: {s}"))
}

fn eur() -> Currency {
    Currency::from_code("EUR").unwrap()
}

fn inst(on: &str, amount: i64) -> Instalment {
    Instalment { on: d(on), amount }
}

/// 1,200.00 in three monthly instalments of 400.00 from 2026-12-15, agreed on 2026-12-03.
fn three() -> Vec<Instalment> {
    vec![
        inst("2026-12-15", 40_000),
        inst("2027-01-15", 40_000),
        inst("2027-02-15", 40_000),
    ]
}

const MADE: &str = "2026-12-03";

fn at(instalments: &[Instalment], payments: &[(&str, i64)], today: &str) -> PlanState {
    let pays: Vec<(NaiveDate, i64)> = payments.iter().map(|(on, a)| (d(on), *a)).collect();
    let plan = Plan {
        made_on: d(MADE),
        instalments,
    };
    assess(&plan, &pays, DEFAULT_GRACE_DAYS, d(today))
}

fn states(s: &PlanState) -> Vec<InstalmentState> {
    s.instalments.iter().map(|v| v.state).collect()
}

use InstalmentState::{Dropped, Kept, Missed, Paid, ToCome};

#[test]
fn three_equal_monthly_instalments() {
    let got = equal_parts(120_000, 3, d("2026-12-15"), Cadence::Monthly, eur()).unwrap();
    assert_eq!(got, three());
}

#[test]
fn the_remainder_goes_on_the_last() {
    let got = equal_parts(100_000, 3, d("2026-12-15"), Cadence::Every(14), eur()).unwrap();
    let amounts: Vec<i64> = got.iter().map(|i| i.amount).collect();
    assert_eq!(amounts, [33_333, 33_333, 33_334]);
    let dates: Vec<NaiveDate> = got.iter().map(|i| i.on).collect();
    assert_eq!(dates, [d("2026-12-15"), d("2026-12-29"), d("2027-01-12")]);
}

#[test]
fn no_instalment_falls_after_the_last_day_dun_keeps() {
    let last = d("9999-12-31");
    assert_eq!(
        nth_date(d("9999-11-30"), Cadence::Monthly, 1),
        Some(d("9999-12-30"))
    );
    assert_eq!(nth_date(d("9999-11-30"), Cadence::Monthly, 2), None);
    assert_eq!(nth_date(d("9999-12-01"), Cadence::Every(30), 1), Some(last));
    assert_eq!(nth_date(d("9999-12-01"), Cadence::Every(31), 1), None);
}

#[test]
fn monthly_from_the_31st_keeps_to_the_month_end() {
    let dates = |first: &str, n| -> Vec<NaiveDate> {
        (0..n)
            .map(|k| nth_date(d(first), Cadence::Monthly, k).unwrap())
            .collect()
    };
    assert_eq!(
        dates("2027-01-31", 4),
        [d("2027-01-31"), d("2027-02-28"), d("2027-03-31"), d("2027-04-30")]
    );
    // A leap year gives the 29th.
    assert_eq!(dates("2028-01-31", 2), [d("2028-01-31"), d("2028-02-29")]);
    // The 30th: February ends early, March gets the 30th back.
    assert_eq!(
        dates("2026-11-30", 4),
        [d("2026-11-30"), d("2026-12-30"), d("2027-01-30"), d("2027-02-28")]
    );
    // Across a year's end.
    assert_eq!(dates("2026-12-15", 2), [d("2026-12-15"), d("2027-01-15")]);
}

#[test]
fn impossible_counts_and_spacings_are_refused() {
    let first = d("2026-12-15");
    let e = equal_parts(120_000, 0, first, Cadence::Monthly, eur()).unwrap_err();
    assert!(e.contains("--instalments 0") && e.contains("1 to 120"), "{e}");
    let e = equal_parts(120_000, 121, first, Cadence::Monthly, eur()).unwrap_err();
    assert!(e.contains("121"), "{e}");
    let e = equal_parts(120_000, 3, first, Cadence::Every(0), eur()).unwrap_err();
    assert!(e.contains("--every 0"), "{e}");
    let e = equal_parts(2, 3, first, Cadence::Monthly, eur()).unwrap_err();
    assert!(e.contains("0.02 EUR") && e.contains("3 instalments"), "{e}");
}

#[test]
fn a_plan_must_add_up_ascend_and_start_from_today() {
    let today = d("2026-12-03");
    assert_eq!(check(&three(), 120_000, today, eur()), Ok(()));
    let e = check(&three(), 110_000, today, eur()).unwrap_err();
    assert!(e.contains("1200.00 EUR") && e.contains("1100.00 EUR"), "{e}");
    let e = check(&three(), 120_000, d("2026-12-16"), eur()).unwrap_err();
    assert!(e.contains("2026-12-15") && e.contains("past"), "{e}");
    let e = check(
        &[inst("2027-01-15", 60_000), inst("2026-12-15", 60_000)],
        120_000,
        today,
        eur(),
    )
    .unwrap_err();
    assert!(e.contains("2026-12-15") && e.contains("ascend"), "{e}");
    let e = check(
        &[inst("2026-12-15", 60_000), inst("2026-12-15", 60_000)],
        120_000,
        today,
        eur(),
    )
    .unwrap_err();
    assert!(e.contains("ascend"), "{e}");
    assert!(check(&[], 120_000, today, eur()).is_err());
    // The first may be today itself.
    assert_eq!(
        check(&[inst("2026-12-03", 120_000)], 120_000, today, eur()),
        Ok(())
    );
}

#[test]
fn before_anything_is_due_the_plan_runs_and_holds() {
    let s = at(&three(), &[], "2026-12-03");
    assert_eq!(s.standing, Standing::Running);
    assert_eq!(states(&s), [ToCome, ToCome, ToCome]);
    assert_eq!(s.next, Some(0));
    assert_eq!(s.hold.kind, HoldKind::Plan);
    assert_eq!((s.hold.since, s.hold.until), (d(MADE), Some(d("2026-12-18"))));
    assert!(s.holds(d("2026-12-03")) && s.holds(d("2026-12-18")));
}

#[test]
fn an_instalment_paid_within_grace_is_kept() {
    // Due on the 15th, paid on the 18th: the last day of grace.
    let s = at(&three(), &[("2026-12-18", 40_000)], "2026-12-20");
    assert_eq!(states(&s), [Kept, ToCome, ToCome]);
    assert_eq!(s.standing, Standing::Running);
    assert_eq!(s.next, Some(1));
    assert_eq!(s.hold.until, Some(d("2027-01-18")));
    assert!(s.holds(d("2026-12-20")));
}

#[test]
fn a_day_past_grace_the_plan_is_broken() {
    let s = at(&three(), &[], "2026-12-19");
    assert_eq!(states(&s), [Missed, Dropped, Dropped]);
    assert_eq!(
        s.standing,
        Standing::Broken {
            index: 0,
            on: d("2026-12-19")
        }
    );
    assert_eq!(s.next, None);
    // The hold ended with the last day of grace.
    assert_eq!(s.hold.until, Some(d("2026-12-18")));
    assert!(!s.holds(d("2026-12-19")));
    // On the last day of grace it still runs.
    assert_eq!(at(&three(), &[], "2026-12-18").standing, Standing::Running);
}

#[test]
fn a_payment_after_grace_does_not_mend_a_broken_plan() {
    let s = at(&three(), &[("2026-12-19", 40_000)], "2026-12-20");
    assert_eq!(states(&s), [Missed, Dropped, Dropped]);
    assert!(matches!(s.standing, Standing::Broken { index: 0, .. }));
    assert_eq!(s.instalments[0].paid, 40_000);
}

#[test]
fn short_payments_count_together_against_the_sum_so_far() {
    // 150 + 250 by the 18th covers the first; 300 more by 18 January falls
    // 100 short of the second's 800 so far: broken on 19 January.
    let pays = [
        ("2026-12-10", 15_000),
        ("2026-12-17", 25_000),
        ("2027-01-10", 30_000),
    ];
    let s = at(&three(), &pays, "2027-01-18");
    assert_eq!(states(&s), [Kept, ToCome, ToCome]);
    assert_eq!(s.instalments[1].paid, 30_000);
    let s = at(&three(), &pays, "2027-01-19");
    assert_eq!(states(&s), [Kept, Missed, Dropped]);
    assert_eq!(
        s.standing,
        Standing::Broken {
            index: 1,
            on: d("2027-01-19")
        }
    );
}

#[test]
fn paying_ahead_covers_later_instalments() {
    let s = at(&three(), &[("2026-12-10", 80_000)], "2026-12-20");
    assert_eq!(states(&s), [Kept, Paid, ToCome]);
    assert_eq!(s.next, Some(2));
    assert_eq!(s.hold.until, Some(d("2027-02-18")));
    let s = at(&three(), &[("2026-12-10", 120_000)], "2026-12-20");
    assert_eq!(states(&s), [Kept, Paid, Paid]);
    assert_eq!(s.standing, Standing::Complete);
}

#[test]
fn payments_dated_before_the_plan_count_from_its_day_and_future_ones_not_yet() {
    // Recorded after the plan was made, dated the day before: it counts.
    let s = at(&three(), &[("2026-12-01", 40_000)], "2026-12-20");
    assert_eq!(states(&s)[0], Kept);
    // Dated after today: not yet.
    let s = at(&three(), &[("2026-12-25", 40_000)], "2026-12-20");
    assert_eq!(states(&s)[0], Missed);
}

fn sent(message: PlanMessage, on: &str) -> Sent {
    Sent { message, on: d(on) }
}

fn due_on(
    instalments: &[Instalment],
    pays: &[(&str, i64)],
    s: &[Sent],
    today: &str,
) -> Option<(PlanMessage, NaiveDate)> {
    let plan = Plan {
        made_on: d(MADE),
        instalments,
    };
    let state = at(instalments, pays, today);
    message_due(&plan, &state, s, &Schedule::default(), d(today))
}

#[test]
fn the_confirmation_is_due_the_day_the_plan_is_made_until_it_goes() {
    // 2026-12-03 is a Thursday.
    assert_eq!(
        due_on(&three(), &[], &[], "2026-12-03"),
        Some((PlanMessage::Confirmation, d(MADE)))
    );
    // Not on a Saturday; on the Monday after, still.
    assert_eq!(due_on(&three(), &[], &[], "2026-12-05"), None);
    assert_eq!(
        due_on(&three(), &[], &[], "2026-12-07"),
        Some((PlanMessage::Confirmation, d(MADE)))
    );
    let confirmed = [sent(PlanMessage::Confirmation, MADE)];
    assert_eq!(due_on(&three(), &[], &confirmed, "2026-12-04"), None);
}

#[test]
fn an_unpaid_instalment_gets_one_reminder_on_its_date() {
    let confirmed = [sent(PlanMessage::Confirmation, MADE)];
    // 2026-12-15 is a Tuesday.
    assert_eq!(due_on(&three(), &[], &confirmed, "2026-12-14"), None);
    assert_eq!(
        due_on(&three(), &[], &confirmed, "2026-12-15"),
        Some((PlanMessage::Reminder(0), d("2026-12-15")))
    );
    // Paid: no reminder.
    assert_eq!(
        due_on(&three(), &[("2026-12-14", 40_000)], &confirmed, "2026-12-15"),
        None
    );
    // Reminded once: not again.
    let reminded = [confirmed[0], sent(PlanMessage::Reminder(0), "2026-12-15")];
    assert_eq!(due_on(&three(), &[], &reminded, "2026-12-16"), None);
    // Broken: the ladder speaks now, not the plan.
    assert_eq!(due_on(&three(), &[], &confirmed, "2026-12-21"), None);
}

#[test]
fn an_instalment_on_a_saturday_is_reminded_on_monday() {
    let plan = [inst("2026-12-12", 60_000), inst("2027-01-12", 60_000)];
    let confirmed = [sent(PlanMessage::Confirmation, MADE)];
    assert_eq!(due_on(&plan, &[], &confirmed, "2026-12-12"), None);
    assert_eq!(
        due_on(&plan, &[], &confirmed, "2026-12-14"),
        Some((PlanMessage::Reminder(0), d("2026-12-12")))
    );
}

#[test]
fn an_instalment_due_when_the_plan_is_confirmed_needs_no_reminder() {
    let plan = [inst(MADE, 60_000), inst("2027-01-03", 60_000)];
    assert_eq!(
        due_on(&plan, &[], &[], MADE),
        Some((PlanMessage::Confirmation, d(MADE)))
    );
    let confirmed = [sent(PlanMessage::Confirmation, MADE)];
    assert_eq!(due_on(&plan, &[], &confirmed, MADE), None);
    assert_eq!(due_on(&plan, &[], &confirmed, "2026-12-04"), None);
}

#[test]
fn when_several_are_unpaid_the_reminder_is_of_the_latest() {
    let plan = [
        inst("2026-12-07", 30_000),
        inst("2026-12-08", 30_000),
        inst("2026-12-09", 60_000),
    ];
    let confirmed = [sent(PlanMessage::Confirmation, MADE)];
    assert_eq!(
        due_on(&plan, &[], &confirmed, "2026-12-09"),
        Some((PlanMessage::Reminder(2), d("2026-12-09")))
    );
}

#[test]
fn a_broken_plan_is_said_until_someone_acts_on_it() {
    let s = at(&three(), &[], "2026-12-21");
    assert_eq!(broken_notice(&s, None), Some((0, d("2026-12-19"))));
    // A call (or a note, a letter, a reply) on or after the day it broke ends it.
    assert_eq!(broken_notice(&s, Some(d("2026-12-19"))), None);
    // One before it does not.
    assert_eq!(
        broken_notice(&s, Some(d("2026-12-18"))),
        Some((0, d("2026-12-19")))
    );
    assert_eq!(broken_notice(&at(&three(), &[], "2026-12-10"), None), None);
}

#[test]
fn message_seq_round_trips() {
    for m in [
        PlanMessage::Confirmation,
        PlanMessage::Reminder(0),
        PlanMessage::Reminder(7),
    ] {
        assert_eq!(PlanMessage::from_seq(m.seq()), m);
    }
}

// ---------------------------------------------------------------------------
// Properties.

fn day(n: i64) -> NaiveDate {
    add_days(d("2026-01-01"), n)
}

/// A plan: ascending instalment dates (gaps of 1–40 days from `made_on`
/// on) with positive amounts; payments on days around it; grace; today.
fn case() -> impl Strategy<Value = (Vec<Instalment>, Vec<(NaiveDate, i64)>, u32, NaiveDate)> {
    (
        prop::collection::vec((1i64..40, 1i64..50_000), 1..7),
        prop::collection::vec((-5i64..200, 1i64..60_000), 0..8),
        0u32..6,
        0i64..220,
    )
        .prop_map(|(gaps, pays, grace, today)| {
            let mut on = 0;
            let instalments = gaps
                .into_iter()
                .map(|(gap, amount)| {
                    on += gap;
                    Instalment { on: day(on), amount }
                })
                .collect();
            let pays = pays.into_iter().map(|(n, a)| (day(n), a)).collect();
            (instalments, pays, grace, day(today))
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    #[test]
    fn equal_instalments_always_add_up_to_the_balance(
        balance in 1i64..1_000_000_000_000_000,
        count in 1u32..=MAX_INSTALMENTS,
        every in prop::option::of(1u32..60),
        first in 0i64..3000,
    ) {
        let cadence = every.map_or(Cadence::Monthly, Cadence::Every);
        let first = day(first);
        match equal_parts(balance, count, first, cadence, eur()) {
            Ok(parts) => {
                prop_assert_eq!(parts.len(), count as usize);
                let sum: i128 = parts.iter().map(|p| i128::from(p.amount)).sum();
                prop_assert_eq!(sum, i128::from(balance));
                let part = parts[0].amount;
                prop_assert!(part > 0);
                prop_assert!(parts[..parts.len() - 1].iter().all(|p| p.amount == part));
                prop_assert!(parts[parts.len() - 1].amount - part < i64::from(count));
                prop_assert_eq!(parts[0].on, first);
                prop_assert_eq!(check(&parts, balance, first, eur()), Ok(()));
            }
            Err(_) => prop_assert!(balance < i64::from(count)),
        }
    }

    #[test]
    fn monthly_dates_keep_the_day_or_the_month_end(first in 0i64..3000, k in 0u32..MAX_INSTALMENTS) {
        let first = day(first);
        let date = nth_date(first, Cadence::Monthly, k).unwrap();
        let months = first.year() * 12 + first.month0() as i32 + k as i32;
        prop_assert_eq!(date.year() * 12 + date.month0() as i32, months);
        let last = days_in_month(date.year(), date.month()).unwrap();
        prop_assert_eq!(date.day(), first.day().min(last));
    }

    #[test]
    fn kept_exactly_when_payments_meet_the_instalments_by_each_date_and_grace(
        (instalments, pays, grace, today) in case()
    ) {
        let made_on = day(0);
        let plan = Plan { made_on, instalments: &instalments };
        let s = assess(&plan, &pays, grace, today);
        // The oracle: payments counted from the plan's day, none after today.
        let paid_by = |until: NaiveDate| -> i128 {
            pays.iter()
                .filter(|(on, a)| *a > 0 && (*on).max(made_on) <= until.min(today))
                .map(|(_, a)| i128::from(*a))
                .sum()
        };
        let mut cumulative = 0i128;
        let mut first_miss = None;
        for (k, inst) in instalments.iter().enumerate() {
            cumulative += i128::from(inst.amount);
            let deadline = add_days(inst.on, i64::from(grace));
            let in_time = paid_by(deadline) >= cumulative;
            if first_miss.is_none() {
                let state = s.instalments[k].state;
                prop_assert_eq!(state.covered(), in_time, "instalment {}", k);
                if !in_time {
                    if deadline < today {
                        prop_assert_eq!(state, Missed);
                        first_miss = Some((k, add_days(deadline, 1)));
                    } else {
                        prop_assert_eq!(state, ToCome);
                    }
                }
            } else {
                prop_assert!(matches!(s.instalments[k].state, Paid | Dropped));
            }
        }
        match first_miss {
            Some((index, on)) => {
                prop_assert_eq!(s.standing, Standing::Broken { index, on });
                prop_assert!(!s.holds(today));
            }
            None => match s.standing {
                Standing::Running => prop_assert!(s.holds(today)),
                Standing::Complete => prop_assert!(s.instalments.iter().all(|v| v.state.covered())),
                Standing::Broken { .. } => prop_assert!(false, "broken without a miss"),
            },
        }
        // Each instalment's `paid` never exceeds it, and they sum to what
        // was paid, up to the plan's total.
        let allocated: i128 = s.instalments.iter().map(|v| i128::from(v.paid)).sum();
        let total: i128 = instalments.iter().map(|i| i128::from(i.amount)).sum();
        prop_assert_eq!(allocated, s.paid.min(total));
        prop_assert!(s.instalments.iter().zip(&instalments).all(|(v, i)| v.paid <= i.amount));
    }
}
