//! Text a user types for names, handles, e-mail addresses and phone numbers:
//! what is accepted, and the error that says what would be.

/// A value quoted in a message, cut to a length a person reads at a glance:
/// `aaaa…` and how long it really was (an error quoting a 120 KB argument
/// whole helps nobody).
pub fn cut(value: &str, max_chars: usize) -> String {
    let n = value.chars().count();
    if n <= max_chars {
        return value.to_string();
    }
    let head: String = value.chars().take(max_chars.saturating_sub(1)).collect();
    format!("{head}… ({n} characters)")
}

/// The languages dun writes messages in.
pub const LANGUAGES: &[&str] = &["en", "sv", "tr", "ru", "ro"];

pub fn check_language(lang: &str) -> Result<String, String> {
    let l = lang.trim().to_ascii_lowercase();
    if LANGUAGES.contains(&l.as_str()) {
        Ok(l)
    } else {
        Err(format!(
            "language \"{}\" is not one dun writes; use one of: {}",
            cut(lang, 40),
            LANGUAGES.join(", ")
        ))
    }
}

/// A value quoted in an error message, cut to a readable length.
pub fn clip(value: &str) -> String {
    const MAX: usize = 60;
    if value.chars().count() <= MAX {
        value.to_string()
    } else {
        let mut s: String = value.chars().take(MAX).collect();
        s.push('…');
        s
    }
}

/// Characters that reorder or hide text without showing themselves: bidi
/// embeddings, overrides and isolates, and the invisible joiners, marks and
/// spaces. In a table they make `U+202E evil` show as `live`, and let two
/// numbers that look the same differ.
fn invisible(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{061C}' | '\u{180E}'
        | '\u{200B}'..='\u{200F}'
        | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{2064}'
        | '\u{2066}'..='\u{206F}'
        | '\u{FEFF}'
        | '\u{FFF9}'..='\u{FFFB}'
        | '\u{E0001}'
        | '\u{E0020}'..='\u{E007F}')
}

/// The ones no name needs: bidi embeddings, overrides and isolates (which
/// reorder what follows), and zero-width spaces. The joiners and the
/// left-to-right and right-to-left marks stay: Persian, Arabic and Hebrew
/// names are written with them.
fn reorders(c: char) -> bool {
    matches!(c,
        '\u{200B}' | '\u{2060}' | '\u{FEFF}'
        | '\u{202A}'..='\u{202E}'
        | '\u{2066}'..='\u{2069}')
}

/// The longest name dun takes, in characters: a name goes into a header
/// (`To:`, a subject), and a header line may not pass 998 octets (RFC 5322
/// §2.1.1).
pub const MAX_NAME: usize = 200;

/// The code point of a character, for an error message: `U+202E`.
fn code_point(c: char) -> String {
    format!("U+{:04X}", c as u32)
}

/// A one-line, non-empty piece of text such as a name (`what` says which).
pub fn check_line(what: &str, value: &str) -> Result<String, String> {
    let v = value.trim();
    if v.is_empty() {
        return Err(format!("{what} is empty; give some text"));
    }
    if v.chars().any(char::is_control) {
        return Err(format!(
            "{what} {:?} contains a line break or control character; write it on one line",
            cut(value, 60)
        ));
    }
    if let Some(c) = v.chars().find(|&c| reorders(c)) {
        return Err(format!(
            "{what} {:?} contains the invisible character {}, which reorders or hides text; leave it out",
            cut(value, 60),
            code_point(c)
        ));
    }
    if v.chars().count() > MAX_NAME {
        return Err(format!(
            "{what} \"{}\" is too long; at most {MAX_NAME} characters, so that it fits in a mail header",
            cut(v, 60)
        ));
    }
    Ok(v.to_string())
}

/// Free text that may span lines (notes) but carries no other control characters.
pub fn check_note(what: &str, value: &str) -> Result<String, String> {
    if value.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Err(format!(
            "{what} {:?} contains a control character",
            cut(value, 60)
        ));
    }
    Ok(value.trim().to_string())
}

/// An e-mail address as it will be sent: one `@`; a local part of at most
/// 64 octets and a domain of at most 255 whose labels are at most 63 and do
/// not begin or end with `-` (RFC 5321 §4.5.3.1, RFC 1035); nothing
/// invisible; and, last, lettre's own parser, the one that sends it.
pub fn check_email(value: &str) -> Result<String, String> {
    let v = value.trim();
    let shown = cut(value, 80);
    let bad = || format!("e-mail address \"{shown}\" is not valid; write it like name@example.org");
    let (local, domain) = v.split_once('@').ok_or_else(bad)?;
    let forbidden =
        |c: char| c.is_whitespace() || c.is_control() || invisible(c) || "<>,;:\"()[]\\@".contains(c);
    if local.is_empty()
        || domain.is_empty()
        || local.chars().any(forbidden)
        || domain.chars().any(forbidden)
        || !domain.contains('.')
        || domain.starts_with('.')
        || domain.ends_with('.')
        || domain.contains("..")
        || local.starts_with('.')
        || local.ends_with('.')
        || local.contains("..")
    {
        return Err(bad());
    }
    if local.len() > 64 {
        return Err(format!(
            "e-mail address \"{shown}\" is not valid: the part before @ is {} octets long, and mail allows 64",
            local.len()
        ));
    }
    if domain.len() > 255 {
        return Err(format!(
            "e-mail address \"{shown}\" is not valid: the domain is {} octets long, and mail allows 255",
            domain.len()
        ));
    }
    for label in domain.split('.') {
        if label.len() > 63 || label.starts_with('-') || label.ends_with('-') {
            return Err(format!(
                "e-mail address \"{shown}\" is not valid: the domain part \"{}\" must be 1 to 63 characters and not begin or end with -",
                cut(label, 70)
            ));
        }
    }
    if v.parse::<lettre::Address>().is_err() {
        return Err(bad());
    }
    Ok(v.to_string())
}

/// An address as a client's e-mail field holds it: `jane@acme.example`, or
/// with the name of the person who reads it, `Jane Cole <jane@acme.example>`
/// (dun greets that person by name). Returns the normalised form.
pub fn check_mailbox(value: &str) -> Result<String, String> {
    let v = value.trim();
    let Some(open) = v.find('<') else {
        return check_email(v);
    };
    let bad = || {
        format!(
            "e-mail address \"{}\" is not valid; write it like jane@acme.example or \"Jane Cole <jane@acme.example>\"",
            clip(value)
        )
    };
    let rest = v[open + 1..].strip_suffix('>').ok_or_else(bad)?;
    let addr = check_email(rest).map_err(|_| bad())?;
    let name = v[..open].trim().trim_matches('"').trim();
    if let Some(c) = name.chars().find(|&c| reorders(c)) {
        return Err(format!(
            "the name in \"{}\" contains the invisible character {}, which reorders or hides text; leave it out",
            clip(value),
            code_point(c)
        ));
    }
    if name.chars().any(|c| c.is_control() || "<>,;\"\\@".contains(c)) || name.chars().count() > 80 {
        return Err(format!(
            "the name in \"{}\" may not hold < > , ; \" or @ and is at most 80 characters; write it like \"Jane Cole <jane@acme.example>\"",
            clip(value)
        ));
    }
    if name.is_empty() {
        return Ok(addr);
    }
    Ok(format!("{name} <{addr}>"))
}

/// A stored mailbox split into the person's name (if any) and the address.
pub fn mailbox_parts(stored: &str) -> (Option<&str>, &str) {
    let s = stored.trim();
    match (s.find('<'), s.ends_with('>')) {
        (Some(open), true) => {
            let name = s[..open].trim();
            (
                (!name.is_empty()).then_some(name),
                s[open + 1..s.len() - 1].trim(),
            )
        }
        _ => (None, s),
    }
}

/// A phone number: digits and the usual punctuation (`+46 8-123 45 67`, `(555) 010-0199`).
pub fn check_phone(value: &str) -> Result<String, String> {
    let v = value.trim();
    let ok = !v.is_empty()
        && v.chars().any(|c| c.is_ascii_digit())
        && v.chars()
            .all(|c| c.is_ascii_digit() || " +-()./".contains(c) || c == 'x');
    if ok {
        Ok(v.to_string())
    } else {
        Err(format!(
            "phone number \"{}\" is not valid; use digits, spaces and + - ( ) . /, like +46 8 123 45 67",
            cut(value, 60)
        ))
    }
}

/// A handle: lowercase letters, digits and `-`, starting with a letter or digit.
pub fn check_handle(value: &str) -> Result<String, String> {
    let v = value.trim();
    let ok = !v.is_empty()
        && v.len() <= 40
        && v.chars().next().is_some_and(|c| c.is_ascii_alphanumeric())
        && v.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if ok {
        Ok(v.to_string())
    } else {
        Err(format!(
            "handle \"{}\" is not valid; use lowercase letters, digits and -, like acme-ab",
            cut(value, 60)
        ))
    }
}

/// An invoice number: one line, no spaces at the ends, at most 40 characters.
pub fn check_invoice_number(value: &str) -> Result<String, String> {
    let v = check_line("invoice number", value)?;
    if v.chars().count() > 40 || v.contains(char::is_whitespace) || v.chars().any(invisible) {
        return Err(format!(
            "invoice number \"{}\" is not valid; use up to 40 visible characters without spaces, like 2026-014",
            cut(value, 60)
        ));
    }
    Ok(v)
}

/// Derives a handle from a name: `Acme AB` → `acme-ab`, `Şeker Ltd.` → `seker-ltd`,
/// `ООО Ромашка` → `ooo-romashka`.
pub fn handle_from_name(name: &str) -> String {
    let mut out = String::new();
    for ch in name.to_lowercase().chars() {
        let mapped: &str = match ch {
            'a'..='z' | '0'..='9' => {
                out.push(ch);
                continue;
            }
            'å' | 'ä' | 'á' | 'à' | 'â' | 'ă' | 'ã' => "a",
            'ö' | 'ó' | 'ò' | 'ô' | 'ø' | 'õ' => "o",
            'ü' | 'ú' | 'ù' | 'û' => "u",
            'é' | 'è' | 'ê' | 'ë' => "e",
            'í' | 'ì' | 'î' | 'ï' | 'ı' => "i",
            'ç' => "c",
            'ş' | 'ș' => "s",
            'ț' | 'ţ' => "t",
            'ğ' => "g",
            'ñ' => "n",
            'ß' => "ss",
            'а' => "a",
            'б' => "b",
            'в' => "v",
            'г' => "g",
            'д' => "d",
            'е' | 'ё' | 'э' => "e",
            'ж' => "zh",
            'з' => "z",
            'и' | 'й' | 'ы' => "i",
            'к' => "k",
            'л' => "l",
            'м' => "m",
            'н' => "n",
            'о' => "o",
            'п' => "p",
            'р' => "r",
            'с' => "s",
            'т' => "t",
            'у' => "u",
            'ф' => "f",
            'х' => "kh",
            'ц' => "ts",
            'ч' => "ch",
            'ш' => "sh",
            'щ' => "shch",
            'ю' => "yu",
            'я' => "ya",
            'ъ' | 'ь' => "",
            _ => "-",
        };
        out.push_str(mapped);
    }
    let mut handle = String::new();
    for part in out.split('-').filter(|p| !p.is_empty()) {
        if !handle.is_empty() {
            handle.push('-');
        }
        handle.push_str(part);
    }
    handle.truncate(32);
    let handle = handle.trim_end_matches('-').to_string();
    if handle.is_empty() {
        "client".into()
    } else {
        handle
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handles_from_names() {
        assert_eq!(handle_from_name("Acme AB"), "acme-ab");
        assert_eq!(handle_from_name("Şeker Ltd."), "seker-ltd");
        assert_eq!(handle_from_name("ООО Ромашка"), "ooo-romashka");
        assert_eq!(handle_from_name("Știință & Co"), "stiinta-co");
        assert_eq!(handle_from_name("!!!"), "client");
        assert!(check_handle(&handle_from_name("Fåglar i Göteborg")).is_ok());
    }

    #[test]
    fn mailboxes_with_a_name() {
        assert_eq!(
            check_mailbox(" Jane Cole <jane@acme.example> ").unwrap(),
            "Jane Cole <jane@acme.example>"
        );
        assert_eq!(
            check_mailbox("\"Jane Cole\" <jane@acme.example>").unwrap(),
            "Jane Cole <jane@acme.example>"
        );
        assert_eq!(check_mailbox("<jane@acme.example>").unwrap(), "jane@acme.example");
        assert_eq!(check_mailbox("jane@acme.example").unwrap(), "jane@acme.example");
        for bad in [
            "Jane <jane@acme>",
            "Jane <jane@acme.example",
            "Cole, Jane <jane@acme.example>",
            "Jane <a@b.c> x",
        ] {
            assert!(check_mailbox(bad).is_err(), "{bad}");
        }
        // The address inside the brackets passes the same checks as a bare one
        // (issue 7), and the name the rules of a name.
        let long_local = format!("Jane <{}@acme.example>", "j".repeat(65));
        assert!(check_mailbox(&long_local).is_err());
        assert!(check_mailbox("Jane <ja\u{200B}ne@acme.example>").is_err());
        let e = check_mailbox("Ja\u{202E}ne Cole <jane@acme.example>").unwrap_err();
        assert!(e.contains("U+202E"), "{e}");
        assert_eq!(
            check_mailbox("Dar\u{200C}yush <d@acme.example>").unwrap(),
            "Dar\u{200C}yush <d@acme.example>"
        );
        assert_eq!(
            mailbox_parts("Jane Cole <jane@acme.example>"),
            (Some("Jane Cole"), "jane@acme.example")
        );
        assert_eq!(mailbox_parts("ap@acme.example"), (None, "ap@acme.example"));
    }

    #[test]
    fn emails() {
        assert!(check_email("ap@acme.example").is_ok());
        for bad in [
            "ap",
            "ap@",
            "@acme.se",
            "a p@acme.se",
            "ap@acme",
            "a@b@c.se",
            "x@acme.se\nBcc: y@z.se",
        ] {
            assert!(check_email(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn emails_are_checked_as_they_will_be_sent() {
        let long_local = format!("{}@x.example", "a".repeat(65));
        let long_label = format!("a@{}.example", "b".repeat(64));
        let long_domain = format!("a@{}.example", vec!["c".repeat(60); 5].join("."));
        for bad in [
            "a..b@x.example",
            "a@-x.example",
            "a@x-.example",
            "\u{202e}a@x.example",
            "a\u{200b}b@x.example",
            long_local.as_str(),
            long_label.as_str(),
            long_domain.as_str(),
        ] {
            assert!(check_email(bad).is_err(), "{bad:?}");
        }
        for good in [
            "a.b@x.example",
            "a+tag@sub.x-y.example",
            &format!("{}@x.example", "a".repeat(64)),
        ] {
            assert!(check_email(good).is_ok(), "{good:?}");
        }
    }

    #[test]
    fn numbers_and_names_refuse_what_reorders_or_hides_text() {
        for bad in ["\u{202e}evil\u{202c}", "zero\u{200b}width", "a\u{2066}b"] {
            assert!(check_invoice_number(bad).is_err(), "{bad:?}");
            assert!(check_line("client name", bad).is_err(), "{bad:?}");
        }
        // Persian is written with the zero-width non-joiner.
        assert!(check_line("client name", "شرکت\u{200c}ها").is_ok());
        assert!(check_invoice_number("2026\u{200c}014").is_err());
        assert!(check_line("client name", &"x".repeat(MAX_NAME)).is_ok());
        let e = check_line("client name", &"x".repeat(5000)).unwrap_err();
        assert!(e.contains("200") && e.len() < 300, "{e}");
    }

    #[test]
    fn long_values_are_cut_in_messages() {
        let e = check_handle(&"H".repeat(120_000)).unwrap_err();
        assert!(e.len() < 200 && e.contains("120000 characters"), "{e}");
    }

    #[test]
    fn lines_refuse_newlines() {
        assert!(check_line("name", "Acme\nBcc: x").is_err());
        assert!(check_line("name", "  ").is_err());
        assert_eq!(check_line("name", " Acme ").unwrap(), "Acme");
    }
}
