//! Late fees and interest (SPEC.md §3): computed for a date, shown, never
//! added to the invoice amount.
//!
//! Interest is simple, actual/365, on the unpaid invoice balance only (never
//! on fees or earlier interest), from the day after the due date, rounded
//! once at the end. A payment stops interest on its amount from its date.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use super::dates::{add_days, days_between};
use super::law::{Debt, InterestPeriod, Law};
use super::money::{Currency, parse_amount_lenient};

/// A contractual flat fee: one figure read in every currency, or one amount
/// per currency (a currency not in the table gets none).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FlatFee {
    Every(String),
    PerCurrency(BTreeMap<String, String>),
}

/// The `[fees]` section, validated.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FeeRules {
    /// A flat fee, as the decimal the user wrote, parsed per currency.
    pub flat_fee: Option<FlatFee>,
    /// Interest per year in millionths (8 % is 80_000).
    pub interest_ppm: Option<i64>,
    /// `statutory = true`: what the client's law allows (SPEC.md §6 The law),
    /// exclusive with the two contractual keys.
    pub statutory: bool,
    /// The reference rates and fixed sums in force, with `[fees.eur_rates]`.
    pub law: Law,
}

/// On what ground charges are claimed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Basis {
    #[default]
    None,
    /// What the contract says (`flat_fee`, `interest_percent`).
    Contract,
    /// The law of the client's country: the rule set's key (`SE`, `EU`, …).
    Statute(String),
}

/// Whom the charges are claimed from, as far as the law cares.
#[derive(Debug, Clone, Copy, Default)]
pub struct Party<'a> {
    pub country: Option<&'a str>,
    pub consumer: bool,
}

/// The charges on one invoice for one day.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Charges {
    pub fee: i64,
    /// Exact, or an error naming the invoice: never a saturated figure.
    pub interest: i64,
    /// Days of interest on the unpaid amount (today − due, at least 0).
    pub interest_days: i64,
    /// The interest by rate period (one period for a contractual rate); the
    /// amounts add up to `interest`.
    pub periods: Vec<InterestPeriod>,
    pub basis: Basis,
    /// Why the law's interest is not claimed (a debt in a currency the
    /// statutory rate is not for).
    pub interest_withheld: Option<String>,
    /// The fixed compensation as the law states it, and its source.
    pub fee_law: Option<(i64, Currency)>,
}

impl FeeRules {
    pub fn enabled(&self) -> bool {
        self.statutory || self.flat_fee.is_some() || self.interest_ppm.is_some()
    }

    /// The flat fee in minor units of `currency`, or an error naming the key.
    pub fn flat_fee_minor(&self, currency: Currency) -> Result<i64, String> {
        match &self.flat_fee {
            None => Ok(0),
            Some(FlatFee::Every(text)) => parse_amount_lenient(text, currency)
                .map_err(|e| format!("[fees] flat_fee: {e} (for {currency})")),
            Some(FlatFee::PerCurrency(table)) => match table.get(currency.code()) {
                None => Ok(0),
                Some(text) => parse_amount_lenient(text, currency)
                    .map_err(|e| format!("[fees.flat_fee] {currency}: {e}")),
            },
        }
    }

    /// The charges on one invoice today, contractual or statutory.
    pub fn charges_for(&self, party: Party, debt: &Debt, today: NaiveDate) -> Result<Charges, String> {
        if self.statutory {
            let claim = self.law.claim(party.country, party.consumer, debt, today)?;
            return Ok(Charges {
                fee: claim.fee,
                interest: claim.interest,
                interest_days: claim.days.max(0),
                periods: claim.periods,
                basis: Basis::Statute(claim.rules),
                fee_law: claim.fee_law,
                interest_withheld: claim.interest_withheld,
            });
        }
        let md = debt.minor_days(add_days(debt.due, 1), today);
        let mut c = self.charges(debt.currency, debt.due, today, md)?;
        if let (Some(ppm), true) = (self.interest_ppm, c.interest_days > 0) {
            c.periods = vec![InterestPeriod {
                from: add_days(debt.due, 1),
                to: today,
                days: c.interest_days,
                reference_ppm: 0,
                ppm,
                amount: c.interest,
                source: String::new(),
            }];
        }
        Ok(c)
    }

    /// Contractual charges on an overdue invoice. `minor_days` is the sum
    /// over each unit of the unpaid balance of the days it was overdue
    /// ([`minor_days`]). Statutory charges need the payments themselves
    /// ([`FeeRules::charges_for`]).
    pub fn charges(
        &self,
        currency: Currency,
        due: NaiveDate,
        today: NaiveDate,
        minor_days: i128,
    ) -> Result<Charges, String> {
        let days = days_between(due, today).max(0);
        if days == 0 || self.statutory {
            return Ok(Charges::default());
        }
        let fee = self.flat_fee_minor(currency)?;
        let interest = match self.interest_ppm {
            None => 0,
            Some(ppm) => {
                // Rounded once, half up, as law::interest rounds.
                let denom: i128 = 365 * 1_000_000;
                let num = minor_days.max(0) * i128::from(ppm);
                // Past i64 (10^15 at 100 % for over 25 years) it is an
                // error, never a wrapped or saturated figure.
                i64::try_from((num + denom / 2) / denom)
                    .map_err(|_| "its interest is too large to compute exactly".to_string())?
            }
        };
        Ok(Charges {
            fee,
            interest,
            interest_days: days,
            basis: if fee > 0 || interest > 0 {
                Basis::Contract
            } else {
                Basis::None
            },
            ..Charges::default()
        })
    }
}

/// Σ over the invoice's amount of the days each unit stayed unpaid after the
/// due date, up to `today`: `amount × D − Σ payment × (today − max(paid_on, due))`.
/// The store computes the same figure in SQL; a test keeps the two equal.
pub fn minor_days(amount: i64, due: NaiveDate, payments: &[(NaiveDate, i64)], today: NaiveDate) -> i128 {
    let overdue = days_between(due, today).max(0);
    let mut total = i128::from(amount) * i128::from(overdue);
    for &(on, paid) in payments {
        let stopped = days_between(on.max(due), today).max(0);
        total -= i128::from(paid) * i128::from(stopped);
    }
    total.max(0)
}

/// Parses `interest_percent` into millionths; refuses negative or absurd rates.
pub fn interest_ppm(percent: f64) -> Result<i64, String> {
    if !percent.is_finite() || !(0.0..=100.0).contains(&percent) {
        return Err(format!(
            "[fees] interest_percent = {percent} is out of range; give a yearly rate between 0 and 100, like 8.0"
        ));
    }
    Ok((percent * 10_000.0).round() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::dates::parse_iso;

    fn d(s: &str) -> NaiveDate {
        parse_iso(s).unwrap()
    }

    fn eur() -> Currency {
        Currency::from_code("EUR").unwrap()
    }

    #[test]
    fn nothing_before_or_on_the_due_date() {
        let rules = FeeRules {
            flat_fee: Some(FlatFee::Every("40.00".into())),
            interest_ppm: Some(80_000),
            ..FeeRules::default()
        };
        let c = rules.charges(eur(), d("2026-12-01"), d("2026-12-01"), 0).unwrap();
        assert_eq!(c, Charges::default());
    }

    #[test]
    fn simple_interest_actual_365_rounded_once() {
        // 1000.00 EUR, 8 % a year, 365 days overdue: exactly 80.00.
        let rules = FeeRules {
            interest_ppm: Some(80_000),
            ..FeeRules::default()
        };
        let (due, today) = (d("2025-01-01"), d("2026-01-01"));
        let md = minor_days(100_000, due, &[], today);
        let c = rules.charges(eur(), due, today, md).unwrap();
        assert_eq!(c.interest, 8_000);
        assert_eq!(c.interest_days, 365);
        // 30 days on 1200.00 at 8 %: 1200 × 0.08 × 30 / 365 = 7.890… → 7.89.
        let today = d("2025-01-31");
        let md = minor_days(120_000, due, &[], today);
        assert_eq!(rules.charges(eur(), due, today, md).unwrap().interest, 789);
    }

    #[test]
    fn a_payment_stops_interest_on_its_part() {
        let due = d("2026-01-01");
        // 600 of 1200 paid 10 days after the due date; 30 days overdue in all.
        let md = minor_days(120_000, due, &[(d("2026-01-11"), 60_000)], d("2026-01-31"));
        assert_eq!(md, 120_000 * 30 - 60_000 * 20);
        // A payment before the due date never accrued.
        let md = minor_days(120_000, due, &[(d("2025-12-20"), 60_000)], d("2026-01-31"));
        assert_eq!(md, 60_000 * 30);
    }

    #[test]
    fn flat_fee_in_each_currency() {
        let rules = FeeRules {
            flat_fee: Some(FlatFee::Every("40.00".into())),
            ..FeeRules::default()
        };
        let jpy = Currency::from_code("JPY").unwrap();
        let c = rules.charges(jpy, d("2026-01-01"), d("2026-01-02"), 0).unwrap();
        assert_eq!((c.fee, c.interest), (40, 0));
        assert_eq!(rules.flat_fee_minor(eur()), Ok(4_000));
    }

    #[test]
    fn a_flat_fee_table_charges_only_its_currencies() {
        let table = [("EUR", "40.00"), ("SEK", "450.00")]
            .into_iter()
            .map(|(c, a)| (c.to_string(), a.to_string()))
            .collect();
        let rules = FeeRules {
            flat_fee: Some(FlatFee::PerCurrency(table)),
            ..FeeRules::default()
        };
        let sek = Currency::from_code("SEK").unwrap();
        let gbp = Currency::from_code("GBP").unwrap();
        assert_eq!(rules.flat_fee_minor(sek), Ok(45_000));
        assert_eq!(rules.flat_fee_minor(eur()), Ok(4_000));
        assert_eq!(rules.flat_fee_minor(gbp), Ok(0));
        let c = rules.charges(gbp, d("2026-01-01"), d("2026-01-02"), 0).unwrap();
        assert_eq!((c.fee, c.basis), (0, Basis::None));
    }

    #[test]
    fn contractual_interest_matches_the_law_modules_arithmetic() {
        // The aggregate path (the overdue report) and the payments path agree.
        let rules = FeeRules {
            interest_ppm: Some(80_000),
            ..FeeRules::default()
        };
        let (due, today) = (d("2026-01-01"), d("2026-03-15"));
        let pays = [(d("2026-01-20"), 30_000), (d("2026-02-11"), 10_000)];
        let md = minor_days(120_000, due, &pays, today);
        let a = rules.charges(eur(), due, today, md).unwrap();
        let debt = Debt {
            currency: eur(),
            amount: 120_000,
            due,
            payments: &pays,
        };
        let b = rules.charges_for(Party::default(), &debt, today).unwrap();
        assert_eq!(a.interest, b.interest);
        assert_eq!(b.periods.len(), 1);
        assert_eq!(b.periods[0].amount, b.interest);
    }

    #[test]
    fn rate_parsing() {
        assert_eq!(interest_ppm(8.0), Ok(80_000));
        assert_eq!(interest_ppm(10.25), Ok(102_500));
        assert!(interest_ppm(-1.0).is_err());
    }
}
