//! `dun summary`: what you are owed. Per currency the unpaid and overdue
//! totals and the ageing buckets; per client the unpaid balance, the oldest
//! overdue invoice and how late it usually pays (definitions in
//! domain::summary). One pass over the unpaid invoices, one aggregate query
//! for the payment habits.

use std::io::Write;

use anyhow::{Result, anyhow};
use serde::Serialize;

use crate::cli::Format;
use crate::context::Context;
use crate::domain::summary::{BUCKETS, ClientFigures, CurrencyFigures, Summary, Tally};
use crate::domain::totals::{grouped, plain};
use crate::exit;
use crate::report::table::{Column, Table};
use crate::report::words::count;
use crate::store;

#[derive(Serialize)]
struct JsonSummary {
    currencies: Vec<JsonCurrency>,
    clients: Vec<JsonClient>,
}

#[derive(Serialize)]
struct JsonCurrency {
    currency: String,
    unpaid: String,
    overdue: String,
    buckets: JsonBuckets,
}

#[derive(Serialize)]
struct JsonBuckets {
    #[serde(rename = "1-30")]
    b1: String,
    #[serde(rename = "31-60")]
    b31: String,
    #[serde(rename = "61-90")]
    b61: String,
    #[serde(rename = "90+")]
    b90: String,
}

#[derive(Serialize)]
struct JsonClient {
    client: String,
    client_name: String,
    currency: String,
    unpaid: String,
    oldest_overdue: Option<String>,
    avg_days_late: Option<i64>,
}

/// Reads the figures: one scan of the unpaid invoices, one query for habits.
pub fn figures(ctx: &Context, db: &store::Store) -> Result<Summary> {
    let mut tally = Tally::new(ctx.today);
    store::for_each_unpaid(db.conn(), |inv| {
        tally
            .add(inv)
            .map_err(|e| anyhow!("{e} (invoice {})", inv.number))
    })?;
    let history = store::paid_history(db.conn(), None)?;
    Ok(tally.finish(&history))
}

pub fn summary(ctx: &Context) -> Result<u8> {
    if ctx.format == Format::Csv {
        return Err(crate::UsageError(
            "dun summary has no CSV form (it is two tables); use --format json, \
             or dun overdue --format csv for the invoices"
                .into(),
        )
        .into());
    }
    let db = ctx.open_store()?;
    let s = figures(ctx, &db)?;
    let mut out = std::io::stdout().lock();
    if ctx.format == Format::Json {
        serde_json::to_writer_pretty(&mut out, &json(&s))?;
        writeln!(out)?;
        return Ok(exit::OK);
    }
    if s.currencies.is_empty() {
        if store::has_invoices(db.conn())? {
            ctx.hint(format!("Nothing is unpaid on {}.", ctx.today));
        } else {
            ctx.hint(NO_INVOICES);
        }
        return Ok(exit::OK);
    }
    if ctx.stdout_tty {
        writeln!(
            out,
            "{}\n",
            ctx.bold(&format!(
                "What you are owed on {} {}",
                ctx.today.format("%A"),
                ctx.today
            ))
        )?;
        currency_table(&s.currencies, true).write_to(&mut out, ctx.screen())?;
        writeln!(out, "\n{}", ctx.bold("By client"))?;
    } else {
        currency_table(&s.currencies, false).write_to(&mut out, ctx.screen())?;
        writeln!(out)?;
    }
    client_table(&s.clients).write_to(&mut out, ctx.screen())?;
    Ok(exit::OK)
}

/// What an empty database says, with the way to fill it.
pub const NO_INVOICES: &str = "No invoices yet. Add a client and an invoice:
  dun client add \"Acme AB\" --email ap@acme.example
  dun invoice add 2026-001 --client acme-ab --amount 1200.00 --due 2026-12-31";

fn json(s: &Summary) -> JsonSummary {
    JsonSummary {
        currencies: s
            .currencies
            .iter()
            .map(|c| {
                let p = |m: i128| plain(m, &c.currency);
                JsonCurrency {
                    currency: c.currency.clone(),
                    unpaid: p(c.unpaid),
                    overdue: p(c.overdue),
                    buckets: JsonBuckets {
                        b1: p(c.buckets[0]),
                        b31: p(c.buckets[1]),
                        b61: p(c.buckets[2]),
                        b90: p(c.buckets[3]),
                    },
                }
            })
            .collect(),
        clients: s
            .clients
            .iter()
            .map(|c| JsonClient {
                client: c.client.clone(),
                client_name: c.client_name.clone(),
                currency: c.currency.clone(),
                unpaid: plain(c.unpaid, &c.currency),
                oldest_overdue: c.oldest_overdue.as_ref().map(|o| o.number.clone()),
                avg_days_late: c.avg_days_late,
            })
            .collect(),
    }
}

/// Cells a bar under a bucket may fill, the largest bucket of its currency filling them all.
const BAR_CELLS: usize = 8;

/// The per-currency figures as one table; on a terminal (`with_bars`) each
/// currency has a second line with a small bar under each bucket, scaled to
/// its largest bucket:
///
/// ```text
/// currency      unpaid     overdue      1-30     31-60     61-90        90+
/// EUR        18,150.00   18,150.00      0.00      0.00  5,400.00  12,750.00
///                                                       ███▍      ████████
/// ```
fn currency_table(currencies: &[CurrencyFigures], with_bars: bool) -> Table {
    let mut cols = vec![
        Column::text("currency", 0),
        Column::number("unpaid", 0),
        Column::number("overdue", 0),
    ];
    cols.extend(BUCKETS.map(|b| Column::number(b, 1)));
    let amounts: Vec<[String; 4]> = currencies
        .iter()
        .map(|c| c.buckets.map(|b| grouped(b, &c.currency)))
        .collect();
    // A bar line is padded to its column's width, so that it starts at the left.
    let column_width = |i: usize| {
        amounts
            .iter()
            .map(|a| a[i].chars().count())
            .chain([BUCKETS[i].len(), BAR_CELLS])
            .max()
            .unwrap_or(BAR_CELLS)
    };
    let mut t = Table::new(&cols);
    for (c, amounts) in currencies.iter().zip(&amounts) {
        let largest = c.buckets.iter().copied().max().unwrap_or(0);
        let mut cells = vec![
            c.currency.clone(),
            grouped(c.unpaid, &c.currency),
            grouped(c.overdue, &c.currency),
        ];
        for (i, amount) in amounts.iter().enumerate() {
            if with_bars {
                let bar = bar(c.buckets[i], largest, BAR_CELLS);
                // tabled aligns a cell's lines as one block: pad both to its width.
                let w = column_width(i);
                let pad = w.saturating_sub(bar.chars().count());
                cells.push(format!("{amount:>w$}\n{bar}{}", " ".repeat(pad)));
            } else {
                cells.push(amount.clone());
            }
        }
        t.push(cells);
    }
    t
}

/// `value` as a bar of eighth blocks, `largest` filling `width` cells; a
/// non-zero value shows at least a sliver.
fn bar(value: i128, largest: i128, width: usize) -> String {
    if value <= 0 || largest <= 0 {
        return String::new();
    }
    let eighths = (value.saturating_mul(8 * width as i128) / largest).max(1) as usize;
    let mut s = "█".repeat(eighths / 8);
    const PARTS: [&str; 8] = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"];
    s.push_str(PARTS[eighths % 8]);
    s
}

/// Per client: the unpaid balance, the oldest overdue invoice, the habit.
fn client_table(clients: &[ClientFigures]) -> Table {
    let mut t = Table::new(&[
        Column::text("client", 0).cut(14),
        Column::text("currency", 0),
        Column::number("unpaid", 0),
        Column::text("oldest overdue", 1).cut(12),
        Column::text("usually pays", 2),
    ]);
    for c in clients {
        t.push(vec![
            c.client_name.clone(),
            c.currency.clone(),
            grouped(c.unpaid, &c.currency),
            c.oldest_overdue
                .as_ref()
                .map(|o| format!("{}, {}", o.number, count(o.days_overdue, "day")))
                .unwrap_or_default(),
            habit(c.avg_days_late),
        ]);
    }
    t
}

/// How a client usually pays, in words.
fn habit(avg_days_late: Option<i64>) -> String {
    match avg_days_late {
        None => String::new(),
        Some(0) => "on time".into(),
        Some(n) => format!("{} late", count(n, "day")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_scale_to_the_largest_bucket() {
        assert_eq!(bar(0, 100, 10), "");
        assert_eq!(bar(100, 100, 10), "██████████");
        assert_eq!(bar(50, 100, 10), "█████");
        assert_eq!(bar(1, 1_000_000, 10), "▏", "a sliver for a small amount");
        assert_eq!(bar(55, 100, 10), "█████▌");
    }
}
