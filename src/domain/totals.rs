//! Sums of money per currency, exact: minor units added in i128 with a
//! checked add, so that no total under a table or in `dun summary` can wrap
//! around, and the grouped form a table shows (`18,500.00`, no code).

use std::collections::BTreeMap;

use super::money::{Currency, format_human, format_plain};

/// Totals per currency code, in code order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Totals {
    sums: BTreeMap<String, i128>,
}

impl Totals {
    pub fn new() -> Totals {
        Totals::default()
    }

    /// Adds `minor` to the total of `currency`.
    pub fn add(&mut self, currency: &str, minor: impl Into<i128>) -> Result<(), String> {
        let sum = self.sums.entry(currency.to_string()).or_default();
        *sum = sum
            .checked_add(minor.into())
            .ok_or_else(|| format!("the total in {currency} is too large to add up"))?;
        Ok(())
    }

    /// Sets the total of `currency` to a sum made elsewhere.
    pub fn set(&mut self, currency: &str, sum: i128) {
        self.sums.insert(currency.to_string(), sum);
    }

    /// Makes sure `currency` has a total, zero if nothing was added.
    pub fn touch(&mut self, currency: &str) {
        self.sums.entry(currency.to_string()).or_default();
    }

    pub fn get(&self, currency: &str) -> i128 {
        self.sums.get(currency).copied().unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.sums.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, i128)> {
        self.sums.iter().map(|(c, s)| (c.as_str(), *s))
    }

    /// "5,400.00 EUR, 31,600.00 SEK", or `none` when there is no total.
    pub fn human(&self, none: &str) -> String {
        if self.sums.is_empty() {
            return none.to_string();
        }
        self.iter()
            .map(|(c, s)| format!("{} {c}", grouped(s, c)))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Minor units with thousands separators and the currency's decimals, no
/// code: `18,500.00`, `-3.10`, `5,000` (JPY). An unknown code shows the
/// minor units as they are.
pub fn grouped(minor: i128, code: &str) -> String {
    let Some(currency) = Currency::from_code(code) else {
        return minor.to_string();
    };
    // The English human form less its " CODE".
    let mut text = format_human(minor, currency, "en");
    text.truncate(text.len() - currency.code().len() - 1);
    text
}

/// Minor units as a plain decimal (`1200.50`), for JSON and CSV.
pub fn plain(minor: i128, code: &str) -> String {
    match Currency::from_code(code) {
        Some(currency) => format_plain(minor, currency),
        None => minor.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grouped_and_plain() {
        assert_eq!(grouped(1_850_000, "SEK"), "18,500.00");
        assert_eq!(grouped(-310, "EUR"), "-3.10");
        assert_eq!(grouped(5000, "JPY"), "5,000");
        assert_eq!(grouped(1_234_567, "KWD"), "1,234.567");
        assert_eq!(grouped(5, "EUR"), "0.05");
        assert_eq!(plain(123_456_789, "SEK"), "1234567.89");
        // Beyond i64: a million invoices of the largest amount dun accepts.
        assert_eq!(
            plain(1_000_000 * 1_000_000_000_000_000, "EUR"),
            "10000000000000000000.00"
        );
    }

    #[test]
    fn totals_add_exactly_per_currency() {
        let mut t = Totals::new();
        t.add("SEK", i64::MAX).unwrap();
        t.add("SEK", i64::MAX).unwrap();
        t.add("EUR", 540_000).unwrap();
        assert_eq!(t.get("SEK"), 2 * i128::from(i64::MAX));
        assert_eq!(t.human("nothing"), "5,400.00 EUR, 184,467,440,737,095,516.14 SEK");
        assert_eq!(Totals::new().human("nothing"), "nothing");
    }
}
