//! `dun rates`: the reference rates and fixed sums in force, shipped and
//! from the config file, each with its source (SPEC.md §6 The law).

use std::io::Write;

use anyhow::Result;
use chrono::NaiveDate;
use serde::Serialize;

use crate::cli::Format;
use crate::context::Context;
use crate::domain::law::{Law, money_plain, percent_text, rule_set, rule_sets};
use crate::exit;
use crate::report::table::{Column, List, TableRow};

#[derive(Serialize)]
struct RateRow {
    country: String,
    from: NaiveDate,
    until: NaiveDate,
    /// The reference rate, in percent.
    reference: String,
    /// The statutory margin the country's law adds.
    margin: String,
    /// reference + margin: the yearly rate charged.
    rate: String,
    origin: &'static str,
    source: String,
}

impl TableRow for RateRow {
    const COLUMNS: &'static [Column] = &[
        Column::text("country", 0),
        Column::text("from", 1),
        Column::text("until", 1),
        Column::number("reference", 2),
        Column::number("margin", 3),
        Column::number("rate", 0),
        Column::text("origin", 4),
        Column::text("source", 0),
    ];

    fn cells(&self) -> Vec<String> {
        vec![
            self.country.clone(),
            self.from.to_string(),
            self.until.to_string(),
            self.reference.clone(),
            self.margin.clone(),
            self.rate.clone(),
            self.origin.to_string(),
            self.source.clone(),
        ]
    }
}

#[derive(Serialize)]
struct FixedRow {
    country: String,
    from: Option<NaiveDate>,
    until: Option<NaiveDate>,
    debt_from: Option<String>,
    debt_below: Option<String>,
    amount: String,
    origin: &'static str,
    source: String,
}

impl TableRow for FixedRow {
    const COLUMNS: &'static [Column] = &[
        Column::text("country", 0),
        Column::text("from", 2).optional(),
        Column::text("until", 2).optional(),
        Column::number("debt from", 3).optional(),
        Column::number("debt below", 3).optional(),
        Column::number("amount", 0),
        Column::text("origin", 4),
        Column::text("source", 0),
    ];

    fn cells(&self) -> Vec<String> {
        let text = |v: &Option<String>| v.clone().unwrap_or_default();
        let date = |d: &Option<NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
        vec![
            self.country.clone(),
            date(&self.from),
            date(&self.until),
            text(&self.debt_from),
            text(&self.debt_below),
            self.amount.clone(),
            self.origin.to_string(),
            self.source.clone(),
        ]
    }
}

/// The margin added to rows of `key`: that rule set's, or the EU's for an
/// EU member outside the euro, or none.
fn margin_for(key: &str) -> i64 {
    if let Some(set) = rule_set(key).filter(|s| s.rates.as_deref() == Some(key)) {
        return set.margin_ppm;
    }
    let own = crate::domain::law::rules_for(Some(key));
    if own.rates.is_some() { own.margin_ppm } else { 0 }
}

pub fn rates(ctx: &Context) -> Result<u8> {
    let law: &Law = &ctx.config.fees.law;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let table = ctx.format == Format::Table;
    let mut sources = Vec::new();
    {
        let mut r = List::new(&mut out, ctx.format, ctx.screen());
        for s in law.spans() {
            let margin = margin_for(&s.country);
            let source = if table {
                sources.push(format!("{} {}: {}", s.country, s.from, s.source));
                format!("[{}]", sources.len())
            } else {
                s.source.clone()
            };
            r.row(&RateRow {
                country: s.country.clone(),
                from: s.from,
                until: s.to,
                reference: percent_text(s.ppm, '.'),
                margin: percent_text(margin, '.'),
                rate: percent_text(s.ppm + margin, '.'),
                origin: if s.from_config { "config" } else { "shipped" },
                source,
            })?;
        }
        r.finish(&[
            "country",
            "from",
            "until",
            "reference",
            "margin",
            "rate",
            "origin",
            "source",
        ])?;
    }
    // CSV and JSON carry the rate table only: one table per output.
    if !table {
        return Ok(exit::OK);
    }
    writeln!(out)?;
    {
        let mut r = List::new(&mut out, ctx.format, ctx.screen());
        for f in law.fixed_rows() {
            sources.push(format!(
                "{} {}: {}",
                f.country,
                money_plain(f.amount, f.currency),
                f.source
            ));
            r.row(&FixedRow {
                country: f.country.clone(),
                from: f.from,
                until: f.until,
                debt_from: f.debt_from.map(|d| money_plain(d, f.currency)),
                debt_below: f.debt_below.map(|d| money_plain(d, f.currency)),
                amount: money_plain(f.amount, f.currency),
                origin: if f.from_config { "config" } else { "shipped" },
                source: format!("[{}]", sources.len()),
            })?;
        }
        r.finish(&[
            "country",
            "from",
            "until",
            "debt_from",
            "debt_below",
            "amount",
            "origin",
            "source",
        ])?;
    }
    writeln!(
        out,
        "\nmargin: the points the country's law adds to the reference rate; EU: the ECB rate, for euro-area members"
    )?;
    for set in rule_sets().filter(|s| s.rates.is_some()) {
        writeln!(out, "  {} ({}): {}", set.key, set.name, set.margin_source)?;
    }
    let limited: Vec<_> = rule_sets().filter(|s| s.rates_currency.is_some()).collect();
    if !limited.is_empty() {
        writeln!(
            out,
            "\ncurrency: where the rate is for one currency only, a debt in another gets no interest"
        )?;
        for set in limited {
            writeln!(
                out,
                "  {} ({}): {} only; {}",
                set.key,
                set.name,
                set.rates_currency.as_deref().unwrap_or_default(),
                set.rates_currency_source
            )?;
        }
    }
    writeln!(out, "\nSources:")?;
    for (i, s) in sources.iter().enumerate() {
        writeln!(out, "  [{}] {s}", i + 1)?;
    }
    writeln!(
        out,
        "\nA config file adds or corrects rates with [[fees.reference_rate]] (country, from, percent, until). dun is not legal advice: docs/law.md."
    )?;
    Ok(exit::OK)
}
