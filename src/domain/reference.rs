//! Payment references (SPEC.md §11): ISO 11649 RF creditor references and
//! Swedish OCR numbers (Luhn check digit and length digit), made from an
//! invoice number or from dun's own id for the invoice, and checked.
//!
//! Pure: which references are already taken is the caller's to say.

use std::fmt;

/// Which kind of reference new invoices get (`[sender] reference`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ReferenceKind {
    /// ISO 11649: `RF` + two check digits + up to 21 letters and digits.
    #[default]
    Rf,
    /// Swedish OCR: up to 23 digits + a length digit + a Luhn check digit.
    Ocr,
    /// No reference.
    None,
}

impl ReferenceKind {
    pub fn parse(text: &str) -> Result<ReferenceKind, String> {
        match text.trim().to_ascii_lowercase().as_str() {
            "rf" => Ok(ReferenceKind::Rf),
            "ocr" => Ok(ReferenceKind::Ocr),
            "none" => Ok(ReferenceKind::None),
            _ => Err(format!(
                "\"{text}\" is not a kind of reference; use rf, ocr or none"
            )),
        }
    }
}

/// The longest RF body (ISO 11649: 25 characters in all).
pub const RF_BODY_MAX: usize = 21;
/// The longest OCR base (25 digits in all, with the length and check digits).
pub const OCR_BASE_MAX: usize = 23;

/// A reference in its compact form (`RF972026014`, `2026014100`): upper case,
/// no spaces. That is the form stored and compared.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Reference(String);

impl Reference {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }

    /// A stored compact reference, trusted as it is.
    pub fn from_stored(text: &str) -> Reference {
        Reference(text.to_string())
    }

    /// For print: groups of four, `RF97 2026 014`.
    pub fn grouped(&self) -> String {
        group(&self.0)
    }
}

impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.grouped())
    }
}

/// Groups of four characters separated by spaces, as references are printed.
pub fn group(compact: &str) -> String {
    let mut out = String::with_capacity(compact.len() + compact.len() / 4);
    for (i, c) in compact.chars().enumerate() {
        if i > 0 && i % 4 == 0 {
            out.push(' ');
        }
        out.push(c);
    }
    out
}

/// The value of `digits` (with letters A=10 … Z=35, as ISO 7064 reads them)
/// modulo 97, computed digit by digit so that no length overflows.
fn mod97(text: &str) -> Option<u32> {
    let mut rem: u32 = 0;
    for c in text.chars() {
        let v = c.to_digit(36)?;
        rem = if v < 10 {
            (rem * 10 + v) % 97
        } else {
            (rem * 100 + v) % 97
        };
    }
    Some(rem)
}

/// The RF reference for `body` (letters and digits, upper case, 1 to 21 of
/// them), or `None` when the body does not qualify.
pub fn rf(body: &str) -> Option<Reference> {
    if body.is_empty()
        || body.len() > RF_BODY_MAX
        || !body.bytes().all(|b| b.is_ascii_digit() || b.is_ascii_uppercase())
    {
        return None;
    }
    let rem = mod97(&format!("{body}RF00"))?;
    Some(Reference(format!("RF{:02}{body}", 98 - rem)))
}

/// Whether `compact` is a valid RF reference (check digits included).
pub fn is_rf(compact: &str) -> bool {
    let b = compact.as_bytes();
    if b.len() < 5 || b.len() > 4 + RF_BODY_MAX || !compact.starts_with("RF") {
        return false;
    }
    if !b[2].is_ascii_digit() || !b[3].is_ascii_digit() {
        return false;
    }
    if !b[4..]
        .iter()
        .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase())
    {
        return false;
    }
    let rearranged = format!("{}{}", &compact[4..], &compact[..4]);
    mod97(&rearranged) == Some(1)
}

/// The Luhn check digit for `digits` (the digit that makes the whole valid).
fn luhn_digit(digits: &str) -> u32 {
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 0 {
                let x = d * 2;
                if x > 9 { x - 9 } else { x }
            } else {
                d
            }
        })
        .sum();
    (10 - sum % 10) % 10
}

/// The OCR number for `base` (1 to 23 digits): the base, then the length
/// digit (the whole length modulo 10), then the Luhn check digit over both.
pub fn ocr(base: &str) -> Option<Reference> {
    if base.is_empty() || base.len() > OCR_BASE_MAX || !base.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let with_length = format!("{base}{}", (base.len() + 2) % 10);
    let check = luhn_digit(&with_length);
    Some(Reference(format!("{with_length}{check}")))
}

/// Whether `compact` is a valid OCR number with a length digit.
pub fn is_ocr(compact: &str) -> bool {
    let b = compact.as_bytes();
    if b.len() < 3 || b.len() > OCR_BASE_MAX + 2 || !b.iter().all(u8::is_ascii_digit) {
        return false;
    }
    let (payload, check) = compact.split_at(b.len() - 1);
    let length_digit = u32::from(b[b.len() - 2] - b'0');
    length_digit as usize == b.len() % 10 && luhn_digit(payload) == u32::from(check.as_bytes()[0] - b'0')
}

/// Whether `compact` is a reference of either kind.
pub fn is_reference(compact: &str) -> bool {
    is_rf(compact) || is_ocr(compact)
}

/// The reference made from an invoice number, if the number has what the
/// kind needs: RF its letters and digits (ASCII only, upper-cased, at most
/// 21), OCR its digits (at most 23).
pub fn from_number(number: &str, kind: ReferenceKind) -> Option<Reference> {
    match kind {
        ReferenceKind::None => None,
        ReferenceKind::Rf => {
            let kept: Vec<char> = number.chars().filter(|c| c.is_alphanumeric()).collect();
            // A letter RF cannot carry (Å, Ş, Ж) would make a reference that is
            // not the number; dun's id does better then.
            if !kept.iter().all(char::is_ascii_alphanumeric) {
                return None;
            }
            rf(&kept.iter().collect::<String>().to_ascii_uppercase())
        }
        ReferenceKind::Ocr => ocr(&number.chars().filter(char::is_ascii_digit).collect::<String>()),
    }
}

/// The `n`th reference made from dun's id for the invoice (n = 0 first; the
/// later ones only if the earlier are taken by other invoices).
pub fn from_id(id: i64, kind: ReferenceKind, n: u32) -> Option<Reference> {
    let id = id.unsigned_abs();
    match kind {
        ReferenceKind::None => None,
        ReferenceKind::Rf if n == 0 => rf(&format!("DUN{id}")),
        ReferenceKind::Rf => rf(&format!("DUN{id}N{n}")),
        ReferenceKind::Ocr if n == 0 => ocr(&id.to_string()),
        ReferenceKind::Ocr => ocr(&format!("{id}0{n}")),
    }
}

/// The reference an invoice gets: the one from its number when it has one
/// and `taken` says it is free, else the first free one from its id.
/// `None` only for [`ReferenceKind::None`].
pub fn choose(
    number: &str,
    id: i64,
    kind: ReferenceKind,
    mut taken: impl FnMut(&Reference) -> bool,
) -> Option<Reference> {
    if kind == ReferenceKind::None {
        return None;
    }
    if let Some(r) = from_number(number, kind)
        && !taken(&r)
    {
        return Some(r);
    }
    (0..).map_while(|n| from_id(id, kind, n)).find(|r| !taken(r))
}

/// Letters and digits of `text`, upper-cased: how references and invoice
/// numbers are compared (`rf97 2026-014` → `RF972026014`).
pub fn compact(text: &str) -> String {
    text.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_uppercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// ISO 11649 / ISO 7064 MOD 97-10 check, spelled out the long way with
    /// big-number arithmetic on the decimal string, independent of `mod97`.
    fn iso_check(compact: &str) -> bool {
        let rearranged = format!("{}{}", &compact[4..], &compact[..4]);
        let digits: String = rearranged
            .chars()
            .map(|c| {
                if c.is_ascii_digit() {
                    c.to_string()
                } else {
                    (c as u32 - 'A' as u32 + 10).to_string()
                }
            })
            .collect();
        // Long division by 97 in chunks of 9 digits.
        let mut rem: u64 = 0;
        for chunk in digits.as_bytes().chunks(9) {
            let s = format!("{rem}{}", std::str::from_utf8(chunk).unwrap());
            rem = s.parse::<u64>().unwrap() % 97;
        }
        rem == 1
    }

    #[test]
    fn the_spec_example() {
        let r = from_number("2026-014", ReferenceKind::Rf).unwrap();
        assert_eq!(r.as_str(), "RF972026014");
        assert_eq!(r.grouped(), "RF97 2026 014");
        assert!(iso_check(r.as_str()));
        assert!(is_rf("RF972026014"));
    }

    #[test]
    fn published_rf_examples_check() {
        // The example of ISO 11649 and of the European Payments Council's guidance.
        assert!(is_rf("RF18539007547034"));
        assert!(is_rf("RF712348231"));
        assert!(!is_rf("RF19539007547034"));
        assert_eq!(rf("539007547034").unwrap().as_str(), "RF18539007547034");
        assert_eq!(rf("2348231").unwrap().as_str(), "RF712348231");
    }

    #[test]
    fn rf_uses_letters_and_digits_upper_cased() {
        assert_eq!(
            from_number("inv/2026-7", ReferenceKind::Rf).unwrap().as_str(),
            rf("INV20267").unwrap().as_str()
        );
        assert!(from_number("---", ReferenceKind::Rf).is_none());
        assert!(from_number("Å-14", ReferenceKind::Rf).is_none());
        assert!(from_number(&"1".repeat(21), ReferenceKind::Rf).is_some());
        assert!(from_number(&"1".repeat(22), ReferenceKind::Rf).is_none());
    }

    #[test]
    fn ocr_has_length_and_luhn_digits() {
        // 2026014: 7 digits + 2 = 9 → length digit 9; Luhn over 20260149.
        let r = from_number("2026-014", ReferenceKind::Ocr).unwrap();
        assert_eq!(r.as_str(), "202601498", "docs/bank.md shows this one");
        assert!(is_ocr(r.as_str()));
        // A Bankgirot-style example: base 12345, length 7, Luhn → 1234574.
        assert_eq!(ocr("12345").unwrap().as_str(), "1234574");
        assert!(is_ocr("1234574"));
        assert!(!is_ocr("1234575"), "wrong check digit");
        assert!(!is_ocr("1234564"), "wrong length digit");
        assert!(from_number("INV-A", ReferenceKind::Ocr).is_none());
        assert!(from_number(&"9".repeat(23), ReferenceKind::Ocr).is_some());
        assert!(from_number(&"9".repeat(24), ReferenceKind::Ocr).is_none());
    }

    #[test]
    fn choose_falls_back_to_the_id_when_taken_or_impossible() {
        let none_taken = |_: &Reference| false;
        assert_eq!(
            choose("2026-014", 7, ReferenceKind::Rf, none_taken)
                .unwrap()
                .as_str(),
            "RF972026014"
        );
        assert_eq!(
            choose("---", 7, ReferenceKind::Rf, none_taken).unwrap(),
            rf("DUN7").unwrap()
        );
        let first = from_number("2026-014", ReferenceKind::Rf).unwrap();
        let by_id = from_id(8, ReferenceKind::Rf, 0).unwrap();
        let r = choose("2026/014", 8, ReferenceKind::Rf, |r| *r == first).unwrap();
        assert_eq!(r, by_id);
        let r = choose("2026/014", 8, ReferenceKind::Rf, |r| *r == first || *r == by_id).unwrap();
        assert_eq!(r, from_id(8, ReferenceKind::Rf, 1).unwrap());
        assert_eq!(choose("2026-014", 7, ReferenceKind::None, none_taken), None);
    }

    #[test]
    fn kinds_parse() {
        assert_eq!(ReferenceKind::parse("OCR"), Ok(ReferenceKind::Ocr));
        assert!(
            ReferenceKind::parse("iban")
                .unwrap_err()
                .contains("rf, ocr or none")
        );
    }

    proptest! {
        #[test]
        fn every_rf_made_checks(body in "[A-Z0-9]{1,21}") {
            let r = rf(&body).unwrap();
            prop_assert!(is_rf(r.as_str()));
            prop_assert!(iso_check(r.as_str()));
            prop_assert!(r.as_str().len() <= 25);
            prop_assert_eq!(compact(&r.grouped()), r.as_str());
        }

        #[test]
        fn one_changed_digit_breaks_an_rf(body in "[0-9]{1,21}", pos in 0usize..25, d in 0u8..10) {
            // MOD 97-10 catches every single substituted digit (a digit
            // swapped for a letter can slip through: letters count as two digits).
            let r = rf(&body).unwrap().into_string();
            let pos = 2 + pos % (r.len() - 2);
            let mut changed = r.clone().into_bytes();
            changed[pos] = b'0' + d;
            let changed = String::from_utf8(changed).unwrap();
            prop_assume!(changed != r);
            prop_assert!(!is_rf(&changed));
        }

        #[test]
        fn every_ocr_made_checks(base in "[0-9]{1,23}") {
            let r = ocr(&base).unwrap();
            prop_assert!(is_ocr(r.as_str()));
            prop_assert!(r.as_str().starts_with(&base));
            prop_assert_eq!(r.as_str().len(), base.len() + 2);
        }

        #[test]
        fn one_changed_digit_breaks_an_ocr(base in "[0-9]{1,23}", pos in 0usize..25, d in 0u8..10) {
            let r = ocr(&base).unwrap().into_string();
            let pos = pos % r.len();
            let mut changed = r.clone().into_bytes();
            changed[pos] = b'0' + d;
            let changed = String::from_utf8(changed).unwrap();
            prop_assume!(changed != r);
            prop_assert!(!is_ocr(&changed));
        }

        #[test]
        fn every_number_gets_a_valid_reference(number in "\\PC{1,40}", id in 1i64..1_000_000_000, ocr_kind: bool) {
            let kind = if ocr_kind { ReferenceKind::Ocr } else { ReferenceKind::Rf };
            let r = choose(&number, id, kind, |_| false).unwrap();
            prop_assert!(is_reference(r.as_str()));
        }
    }
}
