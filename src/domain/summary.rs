//! What you are owed (`dun summary`), from the unpaid invoices and how each
//! client paid before. Pure: the command streams the facts in.
//!
//! - *Unpaid*: the balance of every invoice still to be paid (open, overdue
//!   or on hold), whether due yet or not.
//! - *Overdue*: the part of it whose due date has passed; it falls into the
//!   ageing buckets by days overdue (1-30, 31-60, 61-90, 90+), so the
//!   buckets add up to the overdue total.
//! - *Days late of a paid invoice*: the days from its due date to the day
//!   its last payment arrived (the day it was paid in full), 0 when that was
//!   on or before the due date. Only invoices paid in full count: a
//!   settlement or a write-off is not a payment habit. A client's average is
//!   the mean over its paid invoices, rounded to whole days.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use super::dates::days_between;

/// The ageing buckets of SPEC.md, in order.
pub const BUCKETS: [&str; 4] = ["1-30", "31-60", "61-90", "90+"];

/// The bucket of an invoice `days` overdue (at least 1).
pub fn bucket_index(days: i64) -> usize {
    match days {
        ..=30 => 0,
        31..=60 => 1,
        61..=90 => 2,
        _ => 3,
    }
}

/// One unpaid invoice, as the summary needs it.
#[derive(Debug, Clone, Default)]
pub struct Unpaid {
    pub client_id: i64,
    pub client: String,
    pub client_name: String,
    pub number: String,
    pub currency: String,
    pub due: NaiveDate,
    pub balance: i64,
}

/// How a client paid: how many invoices it paid in full and their days late added up.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PaidHistory {
    pub invoices: i64,
    pub days_late: i64,
}

impl PaidHistory {
    /// The mean days late, rounded half up; `None` with no paid invoice.
    pub fn average(self) -> Option<i64> {
        (self.invoices > 0).then(|| {
            let (sum, n) = (i128::from(self.days_late), i128::from(self.invoices));
            i64::try_from((2 * sum + n) / (2 * n)).unwrap_or(i64::MAX)
        })
    }
}

/// One currency's figures, in minor units.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CurrencyFigures {
    pub currency: String,
    pub unpaid: i128,
    pub overdue: i128,
    pub buckets: [i128; 4],
    /// How many invoices the overdue total is made of.
    pub overdue_invoices: u64,
}

/// The oldest overdue invoice of a client in one currency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Oldest {
    pub number: String,
    pub due: NaiveDate,
    pub days_overdue: i64,
}

/// One client's unpaid balance in one currency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientFigures {
    pub client_id: i64,
    pub client: String,
    pub client_name: String,
    pub currency: String,
    pub unpaid: i128,
    pub oldest_overdue: Option<Oldest>,
    pub avg_days_late: Option<i64>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    /// In currency-code order.
    pub currencies: Vec<CurrencyFigures>,
    /// The longest overdue first, then clients with nothing overdue; by
    /// handle and currency within each.
    pub clients: Vec<ClientFigures>,
}

/// Adds unpaid invoices up, one at a time, in any order.
#[derive(Debug, Default)]
pub struct Tally {
    today: NaiveDate,
    currencies: BTreeMap<String, CurrencyFigures>,
    clients: BTreeMap<(i64, String), ClientFigures>,
}

impl Tally {
    pub fn new(today: NaiveDate) -> Tally {
        Tally {
            today,
            ..Tally::default()
        }
    }

    /// Counts one unpaid invoice. Sums are exact; `Err` names a total too
    /// large even for that.
    pub fn add(&mut self, inv: &Unpaid) -> Result<(), String> {
        let too_large = || format!("the total in {} is too large to add up", inv.currency);
        let balance = i128::from(inv.balance);
        let days = days_between(inv.due, self.today);
        let cur = self
            .currencies
            .entry(inv.currency.clone())
            .or_insert_with(|| CurrencyFigures {
                currency: inv.currency.clone(),
                ..CurrencyFigures::default()
            });
        cur.unpaid = cur.unpaid.checked_add(balance).ok_or_else(too_large)?;
        if days > 0 {
            cur.overdue = cur.overdue.checked_add(balance).ok_or_else(too_large)?;
            let b = &mut cur.buckets[bucket_index(days)];
            *b = b.checked_add(balance).ok_or_else(too_large)?;
            cur.overdue_invoices += 1;
        }
        let client = self
            .clients
            .entry((inv.client_id, inv.currency.clone()))
            .or_insert_with(|| ClientFigures {
                client_id: inv.client_id,
                client: inv.client.clone(),
                client_name: inv.client_name.clone(),
                currency: inv.currency.clone(),
                unpaid: 0,
                oldest_overdue: None,
                avg_days_late: None,
            });
        client.unpaid = client.unpaid.checked_add(balance).ok_or_else(too_large)?;
        let older = |o: &Oldest| (inv.due, inv.number.as_str()) < (o.due, o.number.as_str());
        if days > 0 && client.oldest_overdue.as_ref().is_none_or(older) {
            client.oldest_overdue = Some(Oldest {
                number: inv.number.clone(),
                due: inv.due,
                days_overdue: days,
            });
        }
        Ok(())
    }

    /// The summary, with each client's payment history (by client id).
    pub fn finish(self, history: &BTreeMap<i64, PaidHistory>) -> Summary {
        let mut clients: Vec<ClientFigures> = self
            .clients
            .into_values()
            .map(|mut c| {
                c.avg_days_late = history.get(&c.client_id).and_then(|h| h.average());
                c
            })
            .collect();
        clients.sort_by(|a, b| {
            let key = |c: &ClientFigures| c.oldest_overdue.as_ref().map(|o| (o.due, o.number.clone()));
            match (key(a), key(b)) {
                (Some(x), Some(y)) => x.cmp(&y),
                (Some(_), None) => std::cmp::Ordering::Less,
                (None, Some(_)) => std::cmp::Ordering::Greater,
                (None, None) => std::cmp::Ordering::Equal,
            }
            .then_with(|| (&a.client, &a.currency).cmp(&(&b.client, &b.currency)))
        });
        Summary {
            currencies: self.currencies.into_values().collect(),
            clients,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::dates::parse_iso;

    fn d(s: &str) -> NaiveDate {
        parse_iso(s).expect("a test date")
    }

    fn unpaid(client_id: i64, number: &str, currency: &str, due: &str, balance: i64) -> Unpaid {
        Unpaid {
            client_id,
            client: format!("c{client_id}"),
            client_name: format!("Client {client_id}"),
            number: number.into(),
            currency: currency.into(),
            due: d(due),
            balance,
        }
    }

    #[test]
    fn buckets_split_the_overdue_total_and_not_yet_due_is_only_unpaid() {
        let mut t = Tally::new(d("2026-12-01"));
        for inv in [
            unpaid(1, "A", "SEK", "2026-12-01", 100),  // due today: not overdue
            unpaid(1, "B", "SEK", "2026-11-30", 200),  // 1 day
            unpaid(1, "C", "SEK", "2026-11-01", 400),  // 30 days
            unpaid(2, "D", "SEK", "2026-10-31", 800),  // 31 days
            unpaid(2, "E", "SEK", "2026-09-01", 1600), // 91 days
            unpaid(2, "F", "EUR", "2026-12-20", 5),
        ] {
            t.add(&inv).unwrap();
        }
        let history = BTreeMap::from([(
            2,
            PaidHistory {
                invoices: 3,
                days_late: 10,
            },
        )]);
        let s = t.finish(&history);
        assert_eq!(
            s.currencies,
            vec![
                CurrencyFigures {
                    currency: "EUR".into(),
                    unpaid: 5,
                    overdue: 0,
                    buckets: [0; 4],
                    overdue_invoices: 0,
                },
                CurrencyFigures {
                    currency: "SEK".into(),
                    unpaid: 3100,
                    overdue: 3000,
                    buckets: [600, 800, 0, 1600],
                    overdue_invoices: 4,
                },
            ]
        );
        type Row<'a> = (&'a str, &'a str, i128, Option<&'a str>, Option<i64>);
        let rows: Vec<Row> = s
            .clients
            .iter()
            .map(|c| {
                (
                    c.client.as_str(),
                    c.currency.as_str(),
                    c.unpaid,
                    c.oldest_overdue.as_ref().map(|o| o.number.as_str()),
                    c.avg_days_late,
                )
            })
            .collect();
        assert_eq!(
            rows,
            vec![
                ("c2", "SEK", 2400, Some("E"), Some(3)),
                ("c1", "SEK", 700, Some("C"), None),
                ("c2", "EUR", 5, None, Some(3)),
            ]
        );
    }

    #[test]
    fn averages_round_half_up_and_sums_do_not_wrap() {
        let avg = |invoices, days_late| PaidHistory { invoices, days_late }.average();
        assert_eq!(avg(0, 0), None);
        assert_eq!(avg(2, 3), Some(2));
        assert_eq!(avg(3, 4), Some(1));
        assert_eq!(avg(4, 0), Some(0));
        let mut t = Tally::new(d("2026-12-01"));
        for n in 0..3 {
            t.add(&unpaid(1, &n.to_string(), "EUR", "2026-01-01", i64::MAX))
                .unwrap();
        }
        let s = t.finish(&BTreeMap::new());
        assert_eq!(s.currencies[0].buckets[3], 3 * i128::from(i64::MAX));
    }
}
