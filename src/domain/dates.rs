//! Dates as a user types them: ISO `YYYY-MM-DD`, `today` or `yesterday`.

use chrono::{Days, NaiveDate};

/// The last day dun keeps: dates are stored as `YYYY-MM-DD` text and
/// compared as text, so a five-digit year would sort wrong.
pub const LAST_DAY: NaiveDate = NaiveDate::from_ymd_opt(9999, 12, 31).expect("a real date");

/// Parses a date typed on the command line, relative to `today`.
pub fn parse_date(input: &str, today: NaiveDate) -> Result<NaiveDate, String> {
    let s = input.trim();
    match s {
        "today" => return Ok(today),
        "yesterday" => return Ok(today - Days::new(1)),
        _ => {}
    }
    let well_formed = s.len() == 10
        && s.bytes().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                b == b'-'
            } else {
                b.is_ascii_digit()
            }
        });
    if !well_formed {
        return Err(format!(
            "date \"{}\" is not a date; write YYYY-MM-DD (like 2026-12-04), today or yesterday",
            super::text::cut(input, 40)
        ));
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| format!("date \"{s}\" does not exist in the calendar; write a real date as YYYY-MM-DD"))
}

/// Parses a date from the database or a config file, where only ISO is stored.
pub fn parse_iso(input: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(input, "%Y-%m-%d").ok()
}

/// Formats a date for a person reading the given language.
pub fn format_human(date: NaiveDate, lang: &str) -> String {
    match lang {
        "tr" | "ru" | "ro" => date.format("%d.%m.%Y").to_string(),
        "sv" => date.format("%Y-%m-%d").to_string(),
        _ => {
            let month = [
                "January",
                "February",
                "March",
                "April",
                "May",
                "June",
                "July",
                "August",
                "September",
                "October",
                "November",
                "December",
            ][chrono::Datelike::month0(&date) as usize];
            format!(
                "{} {} {}",
                chrono::Datelike::day(&date),
                month,
                chrono::Datelike::year(&date)
            )
        }
    }
}

/// Formats a date as a message in `lang` writes it, with the year, in the
/// language's business style: "15 March 2027", "15 mars 2027",
/// "15 Mart 2027", "15 марта 2027 г.", "15 martie 2027".
pub fn format_long(date: NaiveDate, lang: &str) -> String {
    use chrono::Datelike;
    let months: [&str; 12] = match lang {
        "sv" => [
            "januari",
            "februari",
            "mars",
            "april",
            "maj",
            "juni",
            "juli",
            "augusti",
            "september",
            "oktober",
            "november",
            "december",
        ],
        "tr" => [
            "Ocak", "Şubat", "Mart", "Nisan", "Mayıs", "Haziran", "Temmuz", "Ağustos", "Eylül", "Ekim",
            "Kasım", "Aralık",
        ],
        // The genitive, as a date is written.
        "ru" => [
            "января",
            "февраля",
            "марта",
            "апреля",
            "мая",
            "июня",
            "июля",
            "августа",
            "сентября",
            "октября",
            "ноября",
            "декабря",
        ],
        "ro" => [
            "ianuarie",
            "februarie",
            "martie",
            "aprilie",
            "mai",
            "iunie",
            "iulie",
            "august",
            "septembrie",
            "octombrie",
            "noiembrie",
            "decembrie",
        ],
        _ => [
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ],
    };
    let month = months[date.month0() as usize];
    // No-break spaces keep the date on one line.
    let nb = '\u{a0}';
    match lang {
        "ru" => format!("{}{nb}{month}{nb}{}{nb}г.", date.day(), date.year()),
        _ => format!("{}{nb}{month}{nb}{}", date.day(), date.year()),
    }
}

/// Days from `from` to `to` (negative when `to` is earlier).
pub fn days_between(from: NaiveDate, to: NaiveDate) -> i64 {
    (to - from).num_days()
}

/// `date` moved by a signed number of days, saturating at the calendar's ends.
pub fn add_days(date: NaiveDate, days: i64) -> NaiveDate {
    if days >= 0 {
        date.checked_add_days(Days::new(days as u64))
            .unwrap_or(NaiveDate::MAX)
    } else {
        date.checked_sub_days(Days::new(days.unsigned_abs()))
            .unwrap_or(NaiveDate::MIN)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        parse_iso(s).unwrap()
    }

    #[test]
    fn long_dates_carry_the_year_in_each_languages_style() {
        let day = d("2027-03-15");
        let plain = |lang: &str| format_long(day, lang).replace('\u{a0}', " ");
        assert_eq!(plain("en"), "15 March 2027");
        assert_eq!(plain("sv"), "15 mars 2027");
        assert_eq!(plain("tr"), "15 Mart 2027");
        assert_eq!(plain("ru"), "15 марта 2027 г.");
        assert_eq!(plain("ro"), "15 martie 2027");
        assert_eq!(
            format_long(d("2027-08-01"), "tr").replace('\u{a0}', " "),
            "1 Ağustos 2027"
        );
    }

    #[test]
    fn accepts_iso_today_and_yesterday() {
        let today = d("2026-11-23");
        assert_eq!(parse_date("2026-12-04", today), Ok(d("2026-12-04")));
        assert_eq!(parse_date("today", today), Ok(today));
        assert_eq!(parse_date("yesterday", today), Ok(d("2026-11-22")));
    }

    #[test]
    fn refuses_impossible_and_malformed_dates() {
        let today = d("2026-11-23");
        let e = parse_date("2027-02-30", today).unwrap_err();
        assert!(e.contains("2027-02-30") && e.contains("YYYY-MM-DD"), "{e}");
        for bad in ["2026-1-4", "04.12.2026", "tomorrow", "", "2026-13-01"] {
            assert!(parse_date(bad, today).is_err(), "{bad}");
        }
    }

    /// Found by the `date` fuzz target: a real-looking date padded with
    /// 400 vertical tabs was quoted whole in the error.
    #[test]
    fn the_calendar_error_quotes_the_date_not_its_padding() {
        let today = d("2026-11-23");
        let padded = format!(" 1013-12-00\n{}", "\u{b}".repeat(400));
        let e = parse_date(&padded, today).unwrap_err();
        assert!(e.contains("\"1013-12-00\"") && e.len() < 120, "{e}");
    }

    #[test]
    fn formats_for_people() {
        assert_eq!(format_human(d("2026-12-04"), "en"), "4 December 2026");
        assert_eq!(format_human(d("2026-12-04"), "ru"), "04.12.2026");
        assert_eq!(format_human(d("2026-12-04"), "sv"), "2026-12-04");
    }
}
