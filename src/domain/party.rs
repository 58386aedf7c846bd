//! Who a client is on paper and in law: postal addresses, company numbers
//! and countries as a user types them, and what is accepted.

/// ISO 3166-1 alpha-2, the 249 officially assigned codes, sorted.
const COUNTRIES: &str = "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ \
BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ \
CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ \
DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR \
GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY \
HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP \
KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY \
MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ \
NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA \
RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ \
TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ \
VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW";

/// Whether `code` (upper case) is an assigned ISO 3166-1 alpha-2 code.
pub fn is_country(code: &str) -> bool {
    code.len() == 2 && COUNTRIES.split(' ').any(|c| c == code)
}

/// A country code as typed (`se`, ` SE `) → `SE`; the error says what is accepted.
pub fn check_country(value: &str) -> Result<String, String> {
    let code = value.trim().to_ascii_uppercase();
    if is_country(&code) {
        return Ok(code);
    }
    if code == "UK" {
        return Err("country \"UK\": the ISO 3166-1 code of the United Kingdom is GB; write GB".into());
    }
    Err(format!(
        "country \"{}\" is not an ISO 3166-1 alpha-2 code; write two letters, like SE, GB, TR, RO, RU or DE",
        super::text::clip(value)
    ))
}

/// The most lines a postal address may have, and the longest line.
pub const MAX_ADDRESS_LINES: usize = 8;
pub const MAX_ADDRESS_LINE: usize = 80;

/// A postal address as typed: lines separated by a newline or ` | `. Each
/// line is trimmed; empty lines are dropped; the result joins them by `\n`.
pub fn check_address(value: &str) -> Result<String, String> {
    let lines: Vec<&str> = value
        .split('\n')
        .flat_map(|l| l.split(" | "))
        .map(|l| l.trim().trim_end_matches('\r').trim())
        .filter(|l| !l.is_empty())
        .collect();
    if lines.is_empty() {
        return Err("address is empty; give lines like \"Storgatan 1 | 111 22 Stockholm\"".into());
    }
    if lines.len() > MAX_ADDRESS_LINES {
        return Err(format!(
            "address has {} lines; a postal address fits in {MAX_ADDRESS_LINES}",
            lines.len()
        ));
    }
    for l in &lines {
        if l.chars().any(char::is_control) {
            return Err(format!(
                "address line {:?} contains a control character; separate lines with \" | \"",
                super::text::clip(l)
            ));
        }
        if l.chars().count() > MAX_ADDRESS_LINE {
            return Err(format!(
                "address line \"{}\" is longer than {MAX_ADDRESS_LINE} characters; split it with \" | \"",
                super::text::clip(l)
            ));
        }
    }
    Ok(lines.join("\n"))
}

/// A company registration or VAT number: one short line.
pub fn check_org_number(what: &str, value: &str) -> Result<String, String> {
    let v = super::text::check_line(what, value)?;
    if v.chars().count() > 40 {
        return Err(format!(
            "{what} \"{}\" is longer than 40 characters",
            super::text::clip(&v)
        ));
    }
    Ok(v)
}

/// The words a file may write for "yes" and "no" (English, Swedish,
/// Turkish, Russian, Romanian), compared without case (and `hayir` for
/// `hayır`, as a keyboard without Turkish letters writes it).
const YES: &[&str] = &["yes", "true", "1", "ja", "evet", "да", "da"];
const NO: &[&str] = &["no", "false", "0", "nej", "hayır", "нет", "nu"];

/// Whether the client is a consumer, as a file's cell writes it (`yes`,
/// `nej`, `Evet`, `да` …); the error lists what is accepted.
pub fn check_consumer(value: &str) -> Result<bool, String> {
    let fold = |s: &str| s.trim().to_lowercase().replace('ı', "i");
    let key = fold(value);
    let is = |words: &[&str]| words.iter().any(|w| fold(w) == key);
    if is(YES) {
        return Ok(true);
    }
    if is(NO) {
        return Ok(false);
    }
    Err(format!(
        "consumer \"{}\" is neither yes nor no; write yes or no ({} for a consumer, {} for a business)",
        super::text::clip(value),
        YES.join("/"),
        NO.join("/")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_code_list_has_the_249_assigned_codes_sorted() {
        let codes: Vec<&str> = COUNTRIES.split(' ').collect();
        assert_eq!(codes.len(), 249);
        assert!(codes.windows(2).all(|w| w[0] < w[1]), "sorted, no duplicates");
        assert!(
            codes
                .iter()
                .all(|c| c.len() == 2 && c.chars().all(|x| x.is_ascii_uppercase()))
        );
    }

    #[test]
    fn countries_are_normalised_or_refused_with_the_fix() {
        assert_eq!(check_country(" se ").unwrap(), "SE");
        assert_eq!(check_country("gb").unwrap(), "GB");
        assert!(check_country("UK").unwrap_err().contains("GB"));
        assert!(check_country("XX").unwrap_err().contains("ISO 3166-1"));
        assert!(check_country("SWE").is_err());
    }

    #[test]
    fn consumer_cells_in_five_languages() {
        for yes in [
            "yes", "YES", " Ja ", "true", "1", "evet", "Evet", "да", "Да", "da",
        ] {
            assert_eq!(check_consumer(yes), Ok(true), "{yes:?}");
        }
        for no in [
            "no", "No", "nej", "false", "0", "hayır", "HAYIR", "Hayir", "нет", "nu",
        ] {
            assert_eq!(check_consumer(no), Ok(false), "{no:?}");
        }
        for bad in ["y", "maybe", "", "2", "private"] {
            let e = check_consumer(bad).unwrap_err();
            assert!(e.contains("yes/true/1/ja/evet/да/da"), "{e}");
        }
    }

    #[test]
    fn addresses_split_on_newlines_and_bars() {
        assert_eq!(
            check_address("Storgatan 1 | 111 22 Stockholm").unwrap(),
            "Storgatan 1\n111 22 Stockholm"
        );
        assert_eq!(check_address(" a \n\n b | c ").unwrap(), "a\nb\nc");
        assert!(check_address(" | ").is_err());
        assert!(check_address("a\tb").is_err());
        assert!(check_address(&"x".repeat(81)).is_err());
        assert!(check_address(&["l"; 9].join(" | ")).is_err());
    }
}
