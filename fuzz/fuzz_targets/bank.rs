//! A bank statement as `dun bank` reads it (camt.053/054, OFX 1 and 2, CSV
//! by a `[bank.csv]` mapping): bytes → typed credits, or one error. Never a
//! panic; every credit is an amount dun can hold (1 to 10^15 minor units)
//! in a currency it knows, dated no later than 9999-12-31, with an identity
//! for exactly-once recording. The first byte picks the options.
#![no_main]

use chrono::NaiveDate;
use dun::bank::{Format, ReadOptions, parse};
use dun::config::CsvMapping;
use dun::domain::money::Currency;
use libfuzzer_sys::fuzz_target;

const MAX_MINOR: i64 = 1_000_000_000_000_000;

fn mapping(pick: u8) -> CsvMapping {
    let comma = pick & 1 == 0;
    CsvMapping {
        date: "Date".into(),
        amount: "Amount".into(),
        text: "Text".into(),
        payer: (pick & 2 == 0).then(|| "Payer".into()),
        currency: (pick & 4 == 0).then(|| "Currency".into()),
        id: (pick & 8 == 0).then(|| "Id".into()),
        date_format: if pick & 16 == 0 { "%Y-%m-%d" } else { "%d.%m.%Y" }.into(),
        decimal: if comma { '.' } else { ',' },
        delimiter: if comma { b',' } else { b';' },
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, bytes)) = data.split_first() else { return };
    let csv = mapping(pick >> 3);
    let format = match pick & 3 {
        0 => None,
        1 => Some(Format::Camt),
        2 => Some(Format::Ofx),
        _ => Some(Format::Csv),
    };
    let default_currency = Currency::from_code(if pick & 4 == 0 { "SEK" } else { "JPY" }).unwrap();
    let options = ReadOptions {
        format,
        csv: Some(&csv),
        default_currency,
    };
    let last = NaiveDate::from_ymd_opt(9999, 12, 31).unwrap();
    match parse(bytes, options) {
        Ok(statement) => {
            for c in &statement.credits {
                assert!(c.amount > 0 && c.amount <= MAX_MINOR, "amount {}", c.amount);
                assert!(Currency::from_code(&c.currency).is_some(), "currency {:?}", c.currency);
                assert!(c.date <= last, "a credit dated {}", c.date);
                assert!(!c.identity.is_empty(), "a credit without an identity");
            }
        }
        Err(e) => {
            let _ = format!("{e:#}");
        }
    }
});
