//! Dates as a user types them (`--on`, `--due`, `--today`): never a panic;
//! what is accepted is a real day no later than 9999-12-31 and, written as
//! ISO, is what was typed.
#![no_main]

use chrono::NaiveDate;
use dun::domain::dates::{LAST_DAY, parse_date};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let today = NaiveDate::from_ymd_opt(2026, 12, 1).expect("a date");
    match parse_date(text, today) {
        Ok(d) => {
            assert!(d <= LAST_DAY, "{text:?} gave {d}");
            let t = text.trim();
            if t != "today" && t != "yesterday" {
                assert_eq!(d.to_string(), t, "{text:?}");
            }
        }
        Err(e) => assert!(e.chars().count() < 400, "a message of {} characters", e.len()),
    }
});
