//! Counted words for messages: "1 e-mail", "3 e-mails", "1 invoice needs
//! attention". Every message that counts something says it through here, so
//! that no "(s)" reaches a person.

/// The plural of an English noun as dun uses them.
fn plural_of(singular: &str) -> String {
    match singular {
        "entry" => "entries".into(),
        "reply" => "replies".into(),
        "this" => "these".into(),
        "it" => "them".into(),
        "needs" => "need".into(),
        "is" => "are".into(),
        "was" => "were".into(),
        "has" => "have".into(),
        w if w.ends_with('s') || w.ends_with('x') || w.ends_with("ch") || w.ends_with("sh") => {
            format!("{w}es")
        }
        w => format!("{w}s"),
    }
}

/// A number of things: the integer types counts come in.
pub trait Count: Copy + std::fmt::Display {
    fn is_one(self) -> bool;
}

macro_rules! count_impl {
    ($($t:ty),*) => {$(impl Count for $t { fn is_one(self) -> bool { self == 1 } })*};
}
count_impl!(usize, u32, u64, i32, i64);

/// `singular` when `n` is 1, its plural otherwise.
pub fn word(n: impl Count, singular: &str) -> String {
    if n.is_one() {
        singular.to_string()
    } else {
        plural_of(singular)
    }
}

/// `n` and the noun that goes with it: `count(1, "e-mail")` is "1 e-mail",
/// `count(3, "e-mail")` is "3 e-mails", `count(0, "invoice")` "0 invoices".
pub fn count(n: impl Count, singular: &str) -> String {
    format!("{n} {}", word(n, singular))
}

/// Prose broken into lines at most `width` wide (no limit: one line).
pub fn wrap(text: &str, width: Option<usize>, indent: &str) -> String {
    let Some(width) = width else {
        return text.to_string();
    };
    let width = width.max(20);
    let mut lines: Vec<String> = Vec::new();
    for word in text.split(' ') {
        match lines.last_mut() {
            Some(last) if last.chars().count() + 1 + word.chars().count() <= width => {
                last.push(' ');
                last.push_str(word);
            }
            Some(_) => lines.push(format!("{indent}{word}")),
            None => lines.push(word.to_string()),
        }
    }
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_say_one_and_many() {
        assert_eq!(count(1, "e-mail"), "1 e-mail");
        assert_eq!(count(3, "e-mail"), "3 e-mails");
        assert_eq!(count(0, "invoice"), "0 invoices");
        assert_eq!(count(1u64, "invoice"), "1 invoice");
        assert_eq!(count(2, "entry"), "2 entries");
        assert_eq!(count(2, "reply"), "2 replies");
        assert_eq!(count(2, "address"), "2 addresses");
        assert_eq!(count(2usize, "column"), "2 columns");
        assert_eq!(
            format!("{} {}", count(1, "invoice"), word(1, "needs")),
            "1 invoice needs"
        );
        assert_eq!(
            format!("{} {}", count(4, "invoice"), word(4, "needs")),
            "4 invoices need"
        );
    }

    #[test]
    fn wrap_keeps_lines_inside_the_width() {
        let text = "you are owed 5,400.00 EUR, 3,200.00 GBP, 6,800.00 RON, 120,000.00 RUB";
        assert_eq!(wrap(text, None, ""), text);
        let wrapped = wrap(text, Some(30), "  ");
        assert!(wrapped.lines().all(|l| l.chars().count() <= 30), "{wrapped}");
        assert_eq!(wrapped.lines().nth(1).unwrap(), "  3,200.00 GBP, 6,800.00 RON,");
    }
}
