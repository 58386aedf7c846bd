//! Amounts as a user types them (`dun invoice add --amount`, `dun pay`) and
//! as the config gives a fee: never a panic; what is accepted is within the
//! limit and reads back exactly from the way dun writes it.
#![no_main]

use dun::domain::money::{Currency, MAX_AMOUNT, format_human, format_plain, parse_amount, parse_amount_lenient};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&pick, text)) = data.split_first() else { return };
    let Ok(text) = std::str::from_utf8(text) else { return };
    let currencies: Vec<Currency> = Currency::all().collect();
    let currency = currencies[usize::from(pick) % currencies.len()];
    for parsed in [parse_amount(text, currency), parse_amount_lenient(text, currency)] {
        match parsed {
            Ok(minor) => {
                assert!((0..=MAX_AMOUNT).contains(&minor), "{text:?} gave {minor}");
                let plain = format_plain(minor, currency);
                assert_eq!(parse_amount(&plain, currency), Ok(minor), "{plain:?}");
                let _ = format_human(minor, currency, "sv");
            }
            Err(e) => {
                let message = e.to_string();
                assert!(!message.contains('\n') || text.contains('\n'), "{message}");
                assert!(message.chars().count() < 400, "a message of {} characters", message.len());
            }
        }
    }
});
