//! The law of late payment (SPEC.md §6 "The law"): what a business creditor
//! may claim from a client of a given country — interest at the reference
//! rate plus the statutory margin, split by rate period where the law says
//! so, and the fixed compensation once per invoice — and the shortest
//! deadline a demand letter may give.
//!
//! Pure and data-driven: the rule sets (`rules.toml`), the reference rates
//! (`rates.csv`) and the fixed sums (`fixed_sums.csv`) are files embedded
//! here, each row with its source; the names of the charges per language are
//! in `names.toml`. A period no rate covers is an error, never a guess.
//! None of this is legal advice (docs/law.md).

mod table;

use std::collections::BTreeMap;
use std::sync::OnceLock;

use chrono::{Datelike, NaiveDate};
use serde::Deserialize;

use super::dates::{add_days, days_between};
use super::money::{Currency, format_plain, parse_amount};

pub use table::parse_csv_line;

/// How a rate period is applied to a running debt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Period {
    /// Each day carries the rate in force on that day.
    Changes,
    /// The rate in force when interest starts to run applies throughout.
    Fixed,
}

/// From when a demand letter's deadline runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DeadlineFrom {
    Letter,
    Receipt,
}

/// One country's rules (or the EU's, or none), as `rules.toml` gives them.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSet {
    #[serde(skip)]
    pub key: String,
    pub name: String,
    /// Which rows of the rate table hold the reference rate; "own": the
    /// client's own country code.
    pub rates: Option<String>,
    /// The one currency the reference rate is a rate for (`RUB`, `TRY`,
    /// `RON`): a debt in any other currency is given no interest, with
    /// `rates_currency_source` saying why (dun never guesses a rate).
    #[serde(default)]
    pub rates_currency: Option<String>,
    #[serde(default)]
    pub rates_currency_source: String,
    pub margin: String,
    pub margin_source: String,
    pub period: Period,
    pub period_source: String,
    /// Which rows of the fixed sums apply.
    pub fixed: Option<String>,
    pub deadline_min: u32,
    pub deadline_individual_min: Option<u32>,
    pub deadline_from: DeadlineFrom,
    pub deadline_source: String,
    #[serde(skip)]
    pub margin_ppm: i64,
}

impl RuleSet {
    /// Whether this rule set lets a business creditor claim anything.
    pub fn has_charges(&self) -> bool {
        self.rates.is_some() || self.fixed.is_some()
    }

    /// The shortest deadline a demand letter may give this client.
    pub fn deadline_min(&self, individual: bool) -> u32 {
        match (individual, self.deadline_individual_min) {
            (true, Some(d)) => d,
            _ => self.deadline_min,
        }
    }
}

struct Rules {
    sets: BTreeMap<String, RuleSet>,
    /// Euro-area members and the day each joined (`None`: before any rate).
    euro: BTreeMap<String, Option<NaiveDate>>,
    eu_other: Vec<String>,
}

fn rules() -> &'static Rules {
    static RULES: OnceLock<Rules> = OnceLock::new();
    RULES.get_or_init(|| parse_rules(include_str!("rules.toml")).expect("rules.toml is checked by the tests"))
}

fn parse_rules(text: &str) -> Result<Rules, String> {
    let mut table: toml::Table = toml::from_str(text).map_err(|e| e.to_string())?;
    let euro = table.remove("euro").ok_or("rules.toml has no [euro]")?;
    let euro: BTreeMap<String, String> = euro.try_into().map_err(|e: toml::de::Error| e.to_string())?;
    let euro = euro
        .into_iter()
        .map(|(k, v)| {
            let since = if v.is_empty() {
                None
            } else {
                Some(NaiveDate::parse_from_str(&v, "%Y-%m-%d").map_err(|e| format!("[euro] {k}: {e}"))?)
            };
            Ok((k, since))
        })
        .collect::<Result<_, String>>()?;
    #[derive(Deserialize)]
    struct Others {
        members: Vec<String>,
    }
    let others: Others = table
        .remove("eu_other")
        .ok_or("rules.toml has no [eu_other]")?
        .try_into()
        .map_err(|e: toml::de::Error| e.to_string())?;
    let mut sets = BTreeMap::new();
    for (key, value) in table {
        let mut set: RuleSet = value
            .try_into()
            .map_err(|e: toml::de::Error| format!("[{key}]: {e}"))?;
        set.margin_ppm = parse_percent(&set.margin).map_err(|e| format!("[{key}] margin: {e}"))?;
        set.key = key.clone();
        sets.insert(key, set);
    }
    for needed in ["SE", "GB", "DE", "RO", "RU", "TR", "EU", "EU-other", "none"] {
        if !sets.contains_key(needed) {
            return Err(format!("rules.toml has no [{needed}]"));
        }
    }
    Ok(Rules {
        sets,
        euro,
        eu_other: others.members,
    })
}

/// The rule set for a client's country (`None`: no country, the neutral set).
pub fn rules_for(country: Option<&str>) -> &'static RuleSet {
    let r = rules();
    let key = match country {
        Some(c) if r.sets.contains_key(c) && c != "none" && !c.starts_with("EU") => c,
        Some(c) if r.euro.contains_key(c) => "EU",
        Some(c) if r.eu_other.iter().any(|m| m == c) => "EU-other",
        _ => "none",
    };
    &r.sets[key]
}

/// A rule set by its key (`SE`, `EU`, `none`, …).
pub fn rule_set(key: &str) -> Option<&'static RuleSet> {
    rules().sets.get(key)
}

/// Every rule set, for `dun rates` and the docs.
pub fn rule_sets() -> impl Iterator<Item = &'static RuleSet> {
    rules().sets.values()
}

/// The rows of the rate table a client's reference rate comes from on `day`.
fn rate_key(set: &RuleSet, country: &str, day: NaiveDate) -> Option<String> {
    match set.rates.as_deref()? {
        "own" => Some(country.to_string()),
        "EU" => match rules().euro.get(country) {
            Some(Some(since)) if day < *since => Some(country.to_string()),
            _ => Some("EU".to_string()),
        },
        other => Some(other.to_string()),
    }
}

/// A percentage as written ("2.5", "10.15") → millionths of one (2.5 % is 25_000).
pub fn parse_percent(text: &str) -> Result<i64, String> {
    let t = text.trim();
    let bad = || format!("\"{text}\" is not a percentage; write it like 2.5");
    let (whole, frac) = t.split_once('.').unwrap_or((t, ""));
    if whole.is_empty()
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(bad());
    }
    if frac.len() > 4 || whole.len() > 3 {
        return Err(bad());
    }
    let w: i64 = whole.parse().map_err(|_| bad())?;
    let f: i64 = format!("{frac:0<4}").parse().map_err(|_| bad())?;
    let ppm = w * 10_000 + f;
    if ppm > 1_000_000 {
        return Err(format!("{text} % is more than 100 %"));
    }
    Ok(ppm)
}

/// Millionths of one as a percentage for people: 25_000 → "2.5", 80_000 → "8".
pub fn percent_text(ppm: i64, decimal: char) -> String {
    let whole = ppm / 10_000;
    let frac = ppm % 10_000;
    if frac == 0 {
        whole.to_string()
    } else {
        format!("{whole}{decimal}{}", format!("{frac:04}").trim_end_matches('0'))
    }
}

/// One row of the reference-rate table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateRow {
    /// ISO 3166-1 alpha-2, or `EU` for the ECB rate.
    pub country: String,
    pub from: NaiveDate,
    pub until: Option<NaiveDate>,
    /// The reference rate in millionths of one.
    pub ppm: i64,
    pub source: String,
    /// Given in the config file rather than shipped.
    pub from_config: bool,
}

/// A rate row with the last day it applies to worked out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateSpan {
    pub country: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub ppm: i64,
    pub source: String,
    pub from_config: bool,
}

/// One row of the fixed sums.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FixedRow {
    pub country: String,
    pub from: Option<NaiveDate>,
    pub until: Option<NaiveDate>,
    /// The debt bounds, in minor units of `currency`.
    pub debt_from: Option<i64>,
    pub debt_below: Option<i64>,
    pub amount: i64,
    pub currency: Currency,
    pub source: String,
    pub from_config: bool,
}

/// The last day a rate given from `from` applies to when nothing else says:
/// the end of its half-year (the EU, Swedish and British rules fix rates per
/// half-year); for Turkey, whose rate is announced per year, the end of the year.
pub fn default_until(country: &str, from: NaiveDate) -> NaiveDate {
    let (month, day) = if country == "TR" || from.month() > 6 {
        (12, 31)
    } else {
        (6, 30)
    };
    NaiveDate::from_ymd_opt(from.year(), month, day).unwrap_or(from)
}

/// The tables in force: shipped rows, corrected and extended by the config's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Law {
    rates: Vec<RateRow>,
    fixed: Vec<FixedRow>,
    /// The value of one euro in each currency, in millionths.
    eur_rates: BTreeMap<String, i64>,
}

impl Default for Law {
    fn default() -> Self {
        Law::new(Vec::new(), Vec::new(), BTreeMap::new())
            .expect("the shipped tables are checked by the tests")
    }
}

fn shipped_rates() -> Result<Vec<RateRow>, String> {
    let mut rows = Vec::new();
    for (n, fields) in table::rows(include_str!("rates.csv"), 5)? {
        let date = |i: usize| {
            NaiveDate::parse_from_str(&fields[i], "%Y-%m-%d").map_err(|e| format!("rates.csv line {n}: {e}"))
        };
        rows.push(RateRow {
            country: fields[0].clone(),
            from: date(1)?,
            until: Some(date(2)?),
            ppm: parse_percent(&fields[3]).map_err(|e| format!("rates.csv line {n}: {e}"))?,
            source: fields[4].clone(),
            from_config: false,
        });
    }
    Ok(rows)
}

fn shipped_fixed() -> Result<Vec<FixedRow>, String> {
    let mut rows = Vec::new();
    for (n, f) in table::rows(include_str!("fixed_sums.csv"), 8)? {
        let at = |what: &str| format!("fixed_sums.csv line {n} {what}");
        let currency = Currency::from_code(&f[6]).ok_or_else(|| at("currency"))?;
        let date = |i: usize| -> Result<Option<NaiveDate>, String> {
            if f[i].is_empty() {
                return Ok(None);
            }
            NaiveDate::parse_from_str(&f[i], "%Y-%m-%d")
                .map(Some)
                .map_err(|e| format!("{}: {e}", at("date")))
        };
        let money = |i: usize| -> Result<Option<i64>, String> {
            if f[i].is_empty() {
                return Ok(None);
            }
            parse_amount(&f[i], currency)
                .map(Some)
                .map_err(|e| format!("{}: {e}", at("amount")))
        };
        rows.push(FixedRow {
            country: f[0].clone(),
            from: date(1)?,
            until: date(2)?,
            debt_from: money(3)?,
            debt_below: money(4)?,
            amount: money(5)?.ok_or_else(|| at("amount"))?,
            currency,
            source: f[7].clone(),
            from_config: false,
        });
    }
    Ok(rows)
}

impl Law {
    /// The shipped tables with the config's rows: a config rate row with
    /// the country and `from` of a shipped one replaces it.
    pub fn new(
        config_rates: Vec<RateRow>,
        config_fixed: Vec<FixedRow>,
        eur_rates: BTreeMap<String, i64>,
    ) -> Result<Law, String> {
        let mut rates = shipped_rates()?;
        for row in config_rates {
            if let Some(u) = row.until
                && u < row.from
            {
                return Err(format!(
                    "[[fees.reference_rate]] {} from {}: until {u} is before from",
                    row.country, row.from
                ));
            }
            rates.retain(|r| !(r.country == row.country && r.from == row.from && !r.from_config));
            if rates
                .iter()
                .any(|r| r.country == row.country && r.from == row.from)
            {
                return Err(format!(
                    "[[fees.reference_rate]] {} from {} is given twice; keep one",
                    row.country, row.from
                ));
            }
            rates.push(row);
        }
        rates.sort_by(|a, b| (&a.country, a.from).cmp(&(&b.country, b.from)));
        let mut fixed = shipped_fixed()?;
        fixed.extend(config_fixed);
        Ok(Law {
            rates,
            fixed,
            eur_rates,
        })
    }

    /// Every rate row in force with the day it ends, by country and date.
    pub fn spans(&self) -> Vec<RateSpan> {
        let mut out = Vec::new();
        for (i, r) in self.rates.iter().enumerate() {
            let mut to = r.until.unwrap_or_else(|| default_until(&r.country, r.from));
            if let Some(next) = self.rates.get(i + 1)
                && next.country == r.country
            {
                to = to.min(add_days(next.from, -1));
            }
            out.push(RateSpan {
                country: r.country.clone(),
                from: r.from,
                to,
                ppm: r.ppm,
                source: r.source.clone(),
                from_config: r.from_config,
            });
        }
        out
    }

    /// The fixed-sum rows in force.
    pub fn fixed_rows(&self) -> &[FixedRow] {
        &self.fixed
    }

    /// The rate spans of `key` that cover `from..=to`, in order; a day none
    /// covers is an error naming the country and the day.
    fn cover(&self, key: &str, from: NaiveDate, to: NaiveDate) -> Result<Vec<RateSpan>, String> {
        let spans: Vec<RateSpan> = self.spans().into_iter().filter(|s| s.country == key).collect();
        let mut out = Vec::new();
        let mut day = from;
        while day <= to {
            let span = spans
                .iter()
                .find(|s| s.from <= day && day <= s.to)
                .ok_or_else(|| missing_rate(key, day))?;
            day = add_days(span.to, 1);
            out.push(span.clone());
        }
        Ok(out)
    }

    /// Converts an amount between currencies at the user's `[fees.eur_rates]`.
    pub fn convert(&self, minor: i64, from: Currency, to: Currency) -> Result<i64, String> {
        if from == to {
            return Ok(minor);
        }
        let rate = |c: Currency| -> Result<i128, String> {
            if c.code() == "EUR" {
                return Ok(1_000_000);
            }
            self.eur_rates.get(c.code()).map(|&r| i128::from(r)).ok_or_else(|| {
                format!(
                    "[fees.eur_rates] has no rate for {c}; give the value of one euro in {c}, like {c} = 11.25 (dun never guesses an exchange rate)"
                )
            })
        };
        let num = i128::from(minor) * rate(to)? * 10_i128.pow(u32::from(to.exponent()));
        let den = rate(from)? * 10_i128.pow(u32::from(from.exponent()));
        i64::try_from((num + den / 2) / den).map_err(|_| format!("{minor} {from} is too large to convert"))
    }

    /// What the law lets a business creditor claim on one invoice today.
    /// A consumer, a country without rules, or an invoice not yet late: nothing.
    pub fn claim(
        &self,
        country: Option<&str>,
        consumer: bool,
        debt: &Debt,
        today: NaiveDate,
    ) -> Result<Claim, String> {
        let set = rules_for(country);
        let days = days_between(debt.due, today);
        let mut claim = Claim {
            rules: set.key.clone(),
            ..Claim::default()
        };
        if consumer || days <= 0 || !set.has_charges() {
            return Ok(claim);
        }
        let country = country.unwrap_or_default();
        let start = add_days(debt.due, 1);
        let rate_applies = match set.rates_currency.as_deref() {
            Some(only) if only != debt.currency.code() => {
                claim.interest_withheld = Some(format!(
                    "no statutory interest on a {} debt under the law of {}: {}",
                    debt.currency, set.name, set.rates_currency_source
                ));
                false
            }
            _ => true,
        };
        if set.rates.is_some() && rate_applies {
            let key = |d| rate_key(set, country, d).unwrap_or_default();
            // The rows covering the debt: by day for rates that change, and
            // the row of the first day for a rate fixed when interest starts.
            let mut windows = Vec::new();
            match set.period {
                Period::Fixed => {
                    let s = self.cover(&key(start), start, start)?.remove(0);
                    windows.push((start, today, s));
                }
                Period::Changes => {
                    let mut day = start;
                    while day <= today {
                        let k = key(day);
                        let span = self.cover(&k, day, day)?.remove(0);
                        let mut end = span.to.min(today);
                        // A key that changes (a country joining the euro) cuts the span.
                        if let Some(switch) = (0..=days_between(day, end))
                            .map(|i| add_days(day, i))
                            .find(|d| key(*d) != k)
                        {
                            end = add_days(switch, -1);
                        }
                        windows.push((day, end, span));
                        day = add_days(end, 1);
                    }
                }
            }
            let parts: Vec<(NaiveDate, NaiveDate, i64)> = windows
                .iter()
                .map(|(a, b, s)| (*a, *b, s.ppm + set.margin_ppm))
                .collect();
            let (total, amounts) = interest(&parts, debt)?;
            claim.interest = total;
            claim.periods = windows
                .into_iter()
                .zip(amounts)
                .map(|((from, to, span), amount)| InterestPeriod {
                    from,
                    to,
                    days: days_between(from, to) + 1,
                    reference_ppm: span.ppm,
                    ppm: span.ppm + set.margin_ppm,
                    amount,
                    source: span.source,
                })
                .collect();
        }
        if let Some(fixed) = &set.fixed {
            let owed = debt.balance_on(debt.due);
            let mut found = None;
            for row in self.fixed.iter().filter(|r| &r.country == fixed) {
                if row.from.is_some_and(|f| start < f) || row.until.is_some_and(|u| start > u) {
                    continue;
                }
                let in_band = if row.debt_from.is_some() || row.debt_below.is_some() {
                    let d = self.convert(owed, debt.currency, row.currency)?;
                    row.debt_from.is_none_or(|f| d >= f) && row.debt_below.is_none_or(|b| d < b)
                } else {
                    true
                };
                if in_band {
                    found = Some(row); // config rows come last and win
                }
            }
            let row = found.ok_or_else(|| {
                format!(
                    "no fixed compensation for {fixed} on {start} in dun's table; dun never guesses one: add it to the config file as [[fees.fixed_sum]] country = \"{fixed}\" from = \"{}-01-01\" amount = \"…\" currency = \"…\" (the amount the law sets; dun rates shows the table)",
                    start.year()
                )
            })?;
            claim.fee = self.convert(row.amount, row.currency, debt.currency)?;
            claim.fee_law = Some((row.amount, row.currency));
            claim.fee_source = row.source.clone();
        }
        claim.days = days;
        Ok(claim)
    }
}

fn missing_rate(country: &str, day: NaiveDate) -> String {
    format!(
        "no reference rate for {country} on {day} in dun's table; dun never guesses a rate: add it to the config file as [[fees.reference_rate]] country = \"{country}\" from = \"{day}\" percent = … (the central bank's published rate; dun rates shows the table)"
    )
}

/// An invoice as the law sees it.
#[derive(Debug, Clone, Copy)]
pub struct Debt<'a> {
    pub currency: Currency,
    pub amount: i64,
    pub due: NaiveDate,
    /// (date, amount) of each payment.
    pub payments: &'a [(NaiveDate, i64)],
}

impl Debt<'_> {
    /// What was left to pay at the end of `day`.
    pub fn balance_on(&self, day: NaiveDate) -> i64 {
        // Summed exactly (i128): the balance is at most the amount, so it fits.
        let paid: i128 = self
            .payments
            .iter()
            .filter(|(on, _)| *on <= day)
            .map(|(_, a)| i128::from(*a))
            .sum();
        let left = (i128::from(self.amount) - paid).max(0);
        i64::try_from(left).unwrap_or(self.amount.max(0))
    }

    /// Σ over the days `from..=to` of what was unpaid on each day (a payment
    /// stops interest on its part the day after it is made).
    pub fn minor_days(&self, from: NaiveDate, to: NaiveDate) -> i128 {
        if to < from {
            return 0;
        }
        let n = i128::from(days_between(from, to) + 1);
        let mut total = i128::from(self.amount) * n;
        for &(on, paid) in self.payments {
            let stopped = days_between(on.max(add_days(from, -1)), to).max(0);
            total -= i128::from(paid) * i128::from(stopped);
        }
        total.max(0)
    }
}

/// Simple interest, actual/365, on the unpaid balance only, over periods
/// `(from, to, rate in millionths)`: the total rounded once, half up, and
/// each period's share (largest remainders, so that the shares add up to the
/// total). No compounding: interest never bears interest. A total past i64
/// is an error (the caller names the invoice), never a saturated figure.
pub fn interest(periods: &[(NaiveDate, NaiveDate, i64)], debt: &Debt) -> Result<(i64, Vec<i64>), String> {
    const DENOM: i128 = 365 * 1_000_000;
    let exact: Vec<i128> = periods
        .iter()
        .map(|&(a, b, ppm)| debt.minor_days(a, b) * i128::from(ppm))
        .collect();
    let sum: i128 = exact.iter().sum();
    let total = (sum + DENOM / 2) / DENOM;
    let mut shares: Vec<i128> = exact.iter().map(|e| e / DENOM).collect();
    let mut left = total - shares.iter().sum::<i128>();
    let mut order: Vec<usize> = (0..exact.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(exact[i] % DENOM));
    for i in order {
        if left <= 0 {
            break;
        }
        shares[i] += 1;
        left -= 1;
    }
    let too_large = |_| "its interest is too large to compute exactly".to_string();
    let total = i64::try_from(total).map_err(too_large)?;
    // Each share is at most the total, so it fits once the total does.
    let shares = shares
        .into_iter()
        .map(|v| i64::try_from(v).map_err(too_large))
        .collect::<Result<_, _>>()?;
    Ok((total, shares))
}

/// What the law gives on one invoice.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Claim {
    /// The rule set's key (`SE`, `EU`, `none`, …).
    pub rules: String,
    /// The fixed compensation in the invoice's currency.
    pub fee: i64,
    /// The fixed compensation as the law states it (amount, currency).
    pub fee_law: Option<(i64, Currency)>,
    pub fee_source: String,
    pub interest: i64,
    pub periods: Vec<InterestPeriod>,
    /// Why no interest is claimed although the rule set has a rate (the
    /// debt is in a currency the rate is not for), with the source.
    pub interest_withheld: Option<String>,
    /// Days of interest (today − due).
    pub days: i64,
}

/// Interest over one rate period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InterestPeriod {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub days: i64,
    /// The reference rate and the statutory rate (reference + margin), in millionths.
    pub reference_ppm: i64,
    pub ppm: i64,
    pub amount: i64,
    pub source: String,
}

/// The names of the charges on one basis in one language (`names.toml`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct ChargeNames {
    pub interest: String,
    #[serde(default)]
    pub interest_short: String,
    pub interest_basis: String,
    pub rate_rule: String,
    pub fee: String,
    pub fee_basis: String,
    /// One sentence for an e-mail naming what the law gives (statutory only).
    #[serde(default)]
    pub note: String,
}

/// What a country's demand letter names, in one language (`names.toml`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct LetterNames {
    pub title: String,
    pub next_step: String,
    #[serde(default)]
    pub next_step_individual: Option<String>,
    pub costs: String,
    pub delivery: String,
    #[serde(default)]
    pub delivery_individual: Option<String>,
    pub law_ref: String,
    #[serde(default)]
    pub law_ref_individual: Option<String>,
    pub reservation: String,
}

#[derive(Deserialize)]
struct NamesFile {
    charges: BTreeMap<String, BTreeMap<String, ChargeNames>>,
    letter: BTreeMap<String, BTreeMap<String, LetterNames>>,
}

fn names() -> &'static NamesFile {
    static NAMES: OnceLock<NamesFile> = OnceLock::new();
    NAMES.get_or_init(|| {
        toml::from_str(include_str!("names.toml")).expect("names.toml is checked by the tests")
    })
}

/// The names of the charges for `basis` (`contract` or a rule set's key) in
/// `lang`; English where a language is missing.
pub fn charge_names(basis: &str, lang: &str) -> ChargeNames {
    let by_lang = names()
        .charges
        .get(basis)
        .or_else(|| names().charges.get("contract"));
    let mut n: ChargeNames = by_lang
        .and_then(|m| m.get(lang).or_else(|| m.get("en")))
        .cloned()
        .unwrap_or_default();
    if n.interest_short.is_empty() {
        n.interest_short = n.interest.clone();
    }
    n
}

/// The demand letter's names for a rule set (`EU-other` writes as `EU`) in `lang`.
pub fn letter_names(rules: &str, lang: &str) -> LetterNames {
    let key = if rules == "EU-other" { "EU" } else { rules };
    let by_lang = names().letter.get(key).or_else(|| names().letter.get("none"));
    by_lang
        .and_then(|m| m.get(lang).or_else(|| m.get("en")))
        .cloned()
        .unwrap_or_default()
}

/// A shipped figure, formatted for `dun rates`: "450.00 SEK".
pub fn money_plain(minor: i64, currency: Currency) -> String {
    format!("{} {currency}", format_plain(minor, currency))
}

#[cfg(test)]
mod tests;
