//! Money: amounts as integer minor units of an ISO 4217 currency.
//!
//! Owns parsing what a user typed (`1200`, `1200.5`, `1200.50`) and
//! formatting for machines (`1200.50`) and people (per language). Never uses
//! floating point for an amount.

use std::fmt;

/// An ISO 4217 currency code with its number of decimals (minor-unit exponent).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Currency {
    code: [u8; 3],
    exponent: u8,
}

/// Active ISO 4217 codes whose minor unit is not two decimals.
const EXPONENT_0: &[&str] = &[
    "BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "UYI", "VND", "VUV", "XAF",
    "XOF", "XPF",
];
const EXPONENT_3: &[&str] = &["BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"];
const EXPONENT_4: &[&str] = &["CLF", "UYW"];

/// Active ISO 4217 codes with two decimals.
const EXPONENT_2: &[&str] = &[
    "AED", "AFN", "ALL", "AMD", "ANG", "AOA", "ARS", "AUD", "AWG", "AZN", "BAM", "BBD", "BDT", "BGN", "BMD",
    "BND", "BOB", "BOV", "BRL", "BSD", "BTN", "BWP", "BYN", "BZD", "CAD", "CDF", "CHE", "CHF", "CHW", "CNY",
    "COP", "COU", "CRC", "CUP", "CVE", "CZK", "DKK", "DOP", "DZD", "EGP", "ERN", "ETB", "EUR", "FJD", "FKP",
    "GBP", "GEL", "GHS", "GIP", "GMD", "GTQ", "GYD", "HKD", "HNL", "HTG", "HUF", "IDR", "ILS", "INR", "IRR",
    "JMD", "KES", "KGS", "KHR", "KPW", "KYD", "KZT", "LAK", "LBP", "LKR", "LRD", "LSL", "MAD", "MDL", "MGA",
    "MKD", "MMK", "MNT", "MOP", "MRU", "MUR", "MVR", "MWK", "MXN", "MXV", "MYR", "MZN", "NAD", "NGN", "NIO",
    "NOK", "NPR", "NZD", "PAB", "PEN", "PGK", "PHP", "PKR", "PLN", "QAR", "RON", "RSD", "RUB", "SAR", "SBD",
    "SCR", "SDG", "SEK", "SGD", "SHP", "SLE", "SOS", "SRD", "SSP", "STN", "SVC", "SYP", "SZL", "THB", "TJS",
    "TMT", "TOP", "TRY", "TTD", "TWD", "TZS", "UAH", "USD", "USN", "UYU", "UZS", "VED", "VES", "WST", "XCD",
    "XCG", "YER", "ZAR", "ZMW", "ZWG",
];

impl Currency {
    /// Looks a code up, case-insensitively; `None` for anything not in ISO 4217.
    pub fn from_code(code: &str) -> Option<Currency> {
        let t = code.trim().as_bytes();
        if t.len() != 3 {
            return None;
        }
        let b = [
            t[0].to_ascii_uppercase(),
            t[1].to_ascii_uppercase(),
            t[2].to_ascii_uppercase(),
        ];
        let upper = std::str::from_utf8(&b).ok()?;
        // The lists are sorted (a test checks it).
        let exponent = if EXPONENT_2.binary_search(&upper).is_ok() {
            2
        } else if EXPONENT_0.binary_search(&upper).is_ok() {
            0
        } else if EXPONENT_3.binary_search(&upper).is_ok() {
            3
        } else if EXPONENT_4.binary_search(&upper).is_ok() {
            4
        } else {
            return None;
        };
        Some(Currency { code: b, exponent })
    }

    pub fn code(&self) -> &str {
        std::str::from_utf8(&self.code).expect("currency codes are ASCII")
    }

    /// Number of decimals of the minor unit (EUR 2, JPY 0, KWD 3).
    pub fn exponent(&self) -> u8 {
        self.exponent
    }

    /// Every code dun knows, for tests and messages.
    pub fn all() -> impl Iterator<Item = Currency> {
        EXPONENT_0
            .iter()
            .chain(EXPONENT_2)
            .chain(EXPONENT_3)
            .chain(EXPONENT_4)
            .map(|c| Currency::from_code(c).expect("table entries are valid"))
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// Why an amount was refused; the message says what would be accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AmountError {
    #[error("amount \"{0}\" is negative; amounts are positive, like 1200.50")]
    Negative(String),
    #[error("amount \"{0}\" uses a comma; write it with a dot and no thousands separator, like 1200.50")]
    Comma(String),
    #[error("amount \"{input}\" has more decimals than {currency} has ({exponent}); write it like {example}")]
    TooManyDecimals {
        input: String,
        currency: Currency,
        exponent: u8,
        example: String,
    },
    #[error("amount \"{input}\" is too large; dun takes at most {limit} (10^15 minor units)")]
    TooLarge { input: String, limit: String },
    #[error("amount \"{0}\" is not a number; write it like 1200 or 1200.50")]
    Malformed(String),
}

/// The largest amount dun takes, in minor units (SPEC.md §4): far above any
/// invoice, and small enough that interest on it over any span of dates is
/// exact in an `i128`.
pub const MAX_AMOUNT: i64 = 1_000_000_000_000_000;

/// Parses a plain decimal (`1200`, `1200.5`, `1200.50`) into minor units of
/// `currency`. Zero is allowed here; callers that need a positive amount say so.
pub fn parse_amount(input: &str, currency: Currency) -> Result<i64, AmountError> {
    let s = input.trim();
    if s.starts_with('-') {
        return Err(AmountError::Negative(crate::domain::text::cut(input, 40)));
    }
    if s.contains(',') {
        return Err(AmountError::Comma(crate::domain::text::cut(input, 40)));
    }
    let (whole, frac) = match s.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (s, None),
    };
    let digits_only = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    if !digits_only(whole) || frac.is_some_and(|f| !digits_only(f)) {
        return Err(AmountError::Malformed(crate::domain::text::cut(input, 40)));
    }
    let frac = frac.unwrap_or("");
    let exponent = currency.exponent();
    if frac.len() > exponent as usize {
        return Err(AmountError::TooManyDecimals {
            input: crate::domain::text::cut(input, 40),
            currency,
            exponent,
            example: format_plain(120050 * 10_i64.pow(exponent as u32) / 100, currency),
        });
    }
    let too_large = || AmountError::TooLarge {
        input: crate::domain::text::cut(input, 40),
        limit: format_human(MAX_AMOUNT, currency, "en"),
    };
    let scale = 10_i64.pow(exponent as u32);
    let whole: i64 = whole.parse().map_err(|_| too_large())?;
    let mut minor_frac: i64 = if frac.is_empty() {
        0
    } else {
        frac.parse().map_err(|_| too_large())?
    };
    for _ in frac.len()..exponent as usize {
        minor_frac *= 10;
    }
    let total = whole
        .checked_mul(scale)
        .and_then(|w| w.checked_add(minor_frac))
        .ok_or_else(too_large)?;
    if total > MAX_AMOUNT {
        return Err(too_large());
    }
    Ok(total)
}

/// Like [`parse_amount`], but extra decimals that are all zeros are accepted
/// (`"40.00"` is 40 yen). For configured fees, which apply to every currency.
pub fn parse_amount_lenient(input: &str, currency: Currency) -> Result<i64, AmountError> {
    let s = input.trim();
    if let Some((w, f)) = s.split_once('.') {
        let exp = currency.exponent() as usize;
        if f.len() > exp && f.is_ascii() && f[exp..].bytes().all(|b| b == b'0') {
            let kept = if exp == 0 {
                w.to_string()
            } else {
                format!("{w}.{}", &f[..exp])
            };
            return parse_amount(&kept, currency);
        }
    }
    parse_amount(s, currency)
}

/// Formats minor units as a plain decimal with the currency's decimals:
/// `1200.50`, `-3.10`, `5000` (JPY). For CSV, JSON and the command line.
/// Takes totals too: a sum over many invoices is an `i128`, exact.
pub fn format_plain(minor: impl Into<i128>, currency: Currency) -> String {
    write_plain(minor.into(), currency, &mut [0; 48]).to_string()
}

/// [`format_plain`] as a `Display`, for writers that should not allocate per
/// amount (the overdue report writes hundreds of thousands).
#[derive(Debug, Clone, Copy)]
pub struct Plain(pub i64, pub Currency);

impl Plain {
    /// The text, written from the right into `buf` (no formatter, no allocation).
    pub fn write_into(self, buf: &mut [u8; 32]) -> &str {
        write_plain(i128::from(self.0), self.1, buf)
    }
}

/// The plain decimal of `minor`, written from the right into `buf` (big
/// enough for any `i128`: 39 digits, a point and a sign).
fn write_plain(minor: i128, currency: Currency, buf: &mut [u8]) -> &str {
    let exp = usize::from(currency.exponent());
    let mut abs = minor.unsigned_abs();
    let mut i = buf.len();
    let mut digits = 0;
    loop {
        i -= 1;
        buf[i] = b'0' + (abs % 10) as u8;
        abs /= 10;
        digits += 1;
        if digits == exp {
            i -= 1;
            buf[i] = b'.';
        }
        if abs == 0 && digits > exp {
            break;
        }
    }
    if minor < 0 {
        i -= 1;
        buf[i] = b'-';
    }
    std::str::from_utf8(&buf[i..]).expect("digits, a point and a sign are ASCII")
}

impl fmt::Display for Plain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.write_into(&mut [0; 32]))
    }
}

impl serde::Serialize for Plain {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.write_into(&mut [0; 32]))
    }
}

/// Formats minor units for a person reading the given language, with the
/// currency code: `1,200.50 EUR` (en), `1 200,50 EUR` (sv, ru), `1.200,50 EUR`
/// (tr, ro).
pub fn format_human(minor: impl Into<i128>, currency: Currency, lang: &str) -> String {
    let minor: i128 = minor.into();
    let (group, decimal) = match lang {
        "sv" | "ru" => ('\u{a0}', ','),
        "tr" | "ro" => ('.', ','),
        _ => (',', '.'),
    };
    // The plain text of the absolute amount, then grouped (`dun due` writes
    // one per row: no formatter, one allocation).
    let mut buf = [0; 48];
    let plain = write_plain(minor, currency, &mut buf);
    let plain = plain.strip_prefix('-').unwrap_or(plain);
    let (whole, frac) = match plain.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (plain, None),
    };
    let mut out = String::with_capacity(plain.len() + plain.len() / 3 * 2 + 6);
    if minor < 0 {
        out.push('-');
    }
    for (i, ch) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            out.push(group);
        }
        out.push(ch);
    }
    if let Some(f) = frac {
        out.push(decimal);
        out.push_str(f);
    }
    out.push(' ');
    out.push_str(currency.code());
    out
}

/// Formats minor units as a message in `lang` writes them (SPEC.md §6): the
/// language's home currency in its own style (`1 200,00 kr`, `£1,200.00`,
/// `1 200,00 руб.`, `1.200,00 lei`, `1.200,00 TL`), any other currency with
/// its ISO code (`1 000,00 EUR`). Number and unit are held together by a
/// no-break space, so that a wrapped line never splits them.
pub fn format_message(minor: impl Into<i128>, currency: Currency, lang: &str) -> String {
    let code = currency.code();
    let nb = '\u{a0}';
    let human = format_human(minor, currency, lang);
    let number = human.rsplit_once(' ').map_or(human.as_str(), |(n, _)| n);
    match (lang, code) {
        ("sv", "SEK") => format!("{number}{nb}kr"),
        ("en", "GBP") => match number.strip_prefix('-') {
            Some(n) => format!("-£{n}"),
            None => format!("£{number}"),
        },
        ("ru", "RUB") => format!("{number}{nb}руб."),
        ("ro", "RON") => format!("{number}{nb}lei"),
        ("tr", "TRY") => format!("{number}{nb}TL"),
        _ => format!("{number}{nb}{code}"),
    }
}

/// The currency a language's readers call their own, for ordering totals.
pub fn home_currency(lang: &str) -> &'static str {
    match lang {
        "sv" => "SEK",
        "en" => "GBP",
        "ru" => "RUB",
        "ro" => "RON",
        "tr" => "TRY",
        _ => "",
    }
}

/// Sums amounts exactly: no realistic number of invoices at the 10^15
/// bound comes near `i128`'s range, so the sum never wraps.
pub fn sum(amounts: impl IntoIterator<Item = i64>) -> i128 {
    amounts.into_iter().map(i128::from).sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn messages_write_the_home_currency_as_its_readers_do() {
        let nb = '\u{a0}';
        assert_eq!(
            format_message(120_000, cur("SEK"), "sv"),
            format!("1{nb}200,00{nb}kr")
        );
        assert_eq!(format_message(120_000, cur("GBP"), "en"), "£1,200.00");
        assert_eq!(format_message(-500, cur("GBP"), "en"), "-£5.00");
        assert_eq!(
            format_message(120_000, cur("RUB"), "ru"),
            format!("1{nb}200,00{nb}руб.")
        );
        assert_eq!(
            format_message(120_000, cur("RON"), "ro"),
            format!("1.200,00{nb}lei")
        );
        assert_eq!(
            format_message(120_000, cur("TRY"), "tr"),
            format!("1.200,00{nb}TL")
        );
        assert_eq!(
            format_message(100_000, cur("EUR"), "sv"),
            format!("1{nb}000,00{nb}EUR")
        );
        assert_eq!(
            format_message(100_000, cur("EUR"), "en"),
            format!("1,000.00{nb}EUR")
        );
        assert_eq!(format_message(5_000, cur("JPY"), "ro"), format!("5.000{nb}JPY"));
    }

    fn cur(code: &str) -> Currency {
        Currency::from_code(code).unwrap()
    }

    #[test]
    fn code_lists_are_sorted_for_binary_search() {
        for list in [EXPONENT_0, EXPONENT_2, EXPONENT_3, EXPONENT_4] {
            assert!(list.windows(2).all(|w| w[0] < w[1]), "{list:?}");
        }
    }

    #[test]
    fn parses_the_accepted_forms() {
        let eur = cur("EUR");
        assert_eq!(parse_amount("1200", eur), Ok(120000));
        assert_eq!(parse_amount("1200.5", eur), Ok(120050));
        assert_eq!(parse_amount("1200.50", eur), Ok(120050));
        assert_eq!(parse_amount("0.01", eur), Ok(1));
        assert_eq!(parse_amount("5000", cur("JPY")), Ok(5000));
        assert_eq!(parse_amount("1.234", cur("KWD")), Ok(1234));
    }

    #[test]
    fn refuses_what_the_spec_refuses() {
        let eur = cur("EUR");
        assert!(matches!(parse_amount("-5", eur), Err(AmountError::Negative(_))));
        assert!(matches!(
            parse_amount("1.200,50", eur),
            Err(AmountError::Comma(_))
        ));
        assert!(matches!(
            parse_amount("1.234", eur),
            Err(AmountError::TooManyDecimals { .. })
        ));
        assert!(matches!(
            parse_amount("5.5", cur("JPY")),
            Err(AmountError::TooManyDecimals { .. })
        ));
        for bad in ["", "abc", "1.", ".5", "1e3", "1 200", "+5", "12.3.4"] {
            assert!(
                matches!(parse_amount(bad, eur), Err(AmountError::Malformed(_))),
                "{bad:?}"
            );
        }
        assert!(matches!(
            parse_amount("99999999999999999999", eur),
            Err(AmountError::TooLarge { .. })
        ));
    }

    #[test]
    fn the_error_names_the_value_and_an_example() {
        let e = parse_amount("5.5", cur("JPY")).unwrap_err().to_string();
        assert!(
            e.contains("\"5.5\"") && e.contains("JPY") && e.contains("1200"),
            "{e}"
        );
        let e = parse_amount("1.234", cur("EUR")).unwrap_err().to_string();
        assert!(e.contains("1200.50"), "{e}");
    }

    #[test]
    fn lenient_parse_drops_zero_decimals_only() {
        assert_eq!(parse_amount_lenient("40.00", cur("JPY")), Ok(40));
        assert_eq!(parse_amount_lenient("40.00", cur("EUR")), Ok(4000));
        assert!(parse_amount_lenient("40.50", cur("JPY")).is_err());
        assert!(
            parse_amount_lenient("40.0€", cur("JPY")).is_err(),
            "no panic on a multi-byte char"
        );
    }

    #[test]
    fn human_formats_per_language() {
        let eur = cur("EUR");
        assert_eq!(format_human(120050, eur, "en"), "1,200.50 EUR");
        assert_eq!(format_human(120050, eur, "sv"), "1\u{a0}200,50 EUR");
        assert_eq!(format_human(120050, eur, "tr"), "1.200,50 EUR");
        assert_eq!(format_human(123456789, cur("JPY"), "en"), "123,456,789 JPY");
        assert_eq!(format_human(5, eur, "ro"), "0,05 EUR");
        assert_eq!(format_human(-120050, eur, "en"), "-1,200.50 EUR");
    }

    #[test]
    fn totals_past_i64_are_formatted_exactly() {
        let eur = cur("EUR");
        let total = sum(std::iter::repeat_n(1_000_000_000_000_000, 9300));
        assert_eq!(total, 9_300_000_000_000_000_000);
        assert_eq!(format_plain(total, eur), "93000000000000000.00");
        assert_eq!(format_human(total, eur, "en"), "93,000,000,000,000,000.00 EUR");
        assert_eq!(
            format_plain(i128::MIN, cur("JPY")),
            "-170141183460469231731687303715884105728"
        );
    }

    #[test]
    fn the_table_has_no_duplicates_and_the_common_codes() {
        let all: Vec<_> = Currency::all().collect();
        let mut codes: Vec<_> = all.iter().map(|c| c.code().to_string()).collect();
        codes.sort();
        codes.dedup();
        assert_eq!(codes.len(), all.len());
        for c in ["EUR", "SEK", "TRY", "RUB", "RON", "USD", "GBP", "JPY", "KWD"] {
            assert!(Currency::from_code(c).is_some(), "{c}");
        }
        assert!(Currency::from_code("XYZ").is_none());
        assert!(Currency::from_code("eur").is_some());
    }

    proptest! {
        /// `Plain` writes digits by hand; it says what `format!` says, for any i64.
        #[test]
        fn plain_is_the_formatted_text_for_any_amount(minor in any::<i64>(), exp_idx in 0usize..4) {
            let c = cur(["JPY", "EUR", "KWD", "CLF"][exp_idx]);
            let exp = u32::from(c.exponent());
            let sign = if minor < 0 { "-" } else { "" };
            let abs = minor.unsigned_abs();
            let expected = if exp == 0 {
                format!("{sign}{abs}")
            } else {
                let scale = 10_u64.pow(exp);
                format!("{sign}{}.{:0width$}", abs / scale, abs % scale, width = exp as usize)
            };
            prop_assert_eq!(Plain(minor, c).to_string(), expected);
        }

        /// `format_human` without a formatter says what the formatted version says.
        #[test]
        fn human_is_the_grouped_plain_text(minor in any::<i64>(), exp_idx in 0usize..4, lang_idx in 0usize..5) {
            let c = cur(["JPY", "EUR", "KWD", "CLF"][exp_idx]);
            let lang = ["en", "sv", "ru", "tr", "ro"][lang_idx];
            let (group, decimal) = match lang {
                "sv" | "ru" => ('\u{a0}', ','),
                "tr" | "ro" => ('.', ','),
                _ => (',', '.'),
            };
            let plain = Plain(minor, c).to_string();
            let plain = plain.trim_start_matches('-');
            let (whole, frac) = match plain.split_once('.') {
                Some((w, f)) => (w, Some(f)),
                None => (plain, None),
            };
            let mut grouped = String::new();
            for (i, ch) in whole.chars().enumerate() {
                if i > 0 && (whole.len() - i) % 3 == 0 {
                    grouped.push(group);
                }
                grouped.push(ch);
            }
            let sign = if minor < 0 { "-" } else { "" };
            let expected = match frac {
                Some(f) => format!("{sign}{grouped}{decimal}{f} {c}"),
                None => format!("{sign}{grouped} {c}"),
            };
            prop_assert_eq!(format_human(minor, c, lang), expected);
        }

        #[test]
        fn plain_format_round_trips_for_every_exponent(
            idx in 0usize..200,
            minor in 0i64..1_000_000_000_000_000,
        ) {
            let all: Vec<_> = Currency::all().collect();
            let c = all[idx % all.len()];
            let text = format_plain(minor, c);
            prop_assert_eq!(parse_amount(&text, c), Ok(minor));
        }

        #[test]
        fn fewer_decimals_than_the_exponent_scale_up(
            whole in 0i64..1_000_000_000, frac_digit in 0i64..10,
        ) {
            for code in ["EUR", "KWD", "CLF"] {
                let c = cur(code);
                let scale = 10_i64.pow(c.exponent() as u32);
                let got = parse_amount(&format!("{whole}.{frac_digit}"), c).unwrap();
                prop_assert_eq!(got, whole * scale + frac_digit * scale / 10);
            }
        }
    }
}
