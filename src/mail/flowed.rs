//! Wrapping after rendering (SPEC.md §6): a template writes each paragraph
//! on one line, and the lines are broken here, once the values are in, so
//! that no line breaks off after two words.
//!
//! E-mail bodies are `text/plain; format=flowed` (RFC 3676): a soft break
//! ends its line with a space, and a line that starts with a space, `>` or
//! `From ` is space-stuffed. The text letter gets the same breaks without
//! the trailing spaces. Lines are broken only at a single ASCII space: a
//! no-break space (in amounts and dates) and the runs of spaces between the
//! cells of a table hold.

/// The width lines are broken at (RFC 3676 §4.2 recommends at most 78).
pub const WIDTH: usize = 72;

/// A row of a table (indented, or cells apart by two spaces or more) is
/// broken only past this width: its cells stay together.
pub const TABLE_WIDTH: usize = 98;

/// Whether a line is a row of a table: indented, or with a run of two or
/// more spaces between its words.
pub fn is_table_row(line: &str) -> bool {
    line.starts_with("  ") || line.trim().contains("  ")
}

/// The width a line is broken at.
fn width_of(line: &str, width: usize) -> usize {
    if is_table_row(line) { TABLE_WIDTH } else { width }
}

/// No line is broken off shorter than this: a word that does not fit goes on
/// a line of its own only when the line before it is at least this long.
pub const SHORTEST: usize = 40;

/// The pieces of one long line, each but the last ending in the space it
/// was broken at.
fn pieces(line: &str, width: usize) -> Vec<String> {
    let len = |s: &str| s.chars().count();
    if len(line) <= width {
        return vec![line.to_string()];
    }
    // Break points: a single space between two non-spaces.
    let chars: Vec<char> = line.chars().collect();
    let mut breaks = Vec::new();
    for i in 1..chars.len().saturating_sub(1) {
        if chars[i] == ' ' && chars[i - 1] != ' ' && chars[i + 1] != ' ' {
            breaks.push(i);
        }
    }
    let mut out = Vec::new();
    let mut start = 0;
    loop {
        let rest = chars.len() - start;
        if rest <= width {
            break;
        }
        // The last break that keeps the line within the width; when that
        // line would be short (a long word or link follows), the next break,
        // so that the long word goes along on a longer line.
        let fit = breaks
            .iter()
            .copied()
            .rev()
            .find(|&b| b > start && b - start < width);
        let after = |b: usize| breaks.iter().copied().find(|&x| x > b);
        let chosen = match fit {
            Some(b) if b - start >= SHORTEST => Some(b),
            Some(b) => after(b),
            None => after(start),
        };
        let Some(chosen) = chosen else { break };
        out.push(chars[start..=chosen].iter().collect());
        start = chosen + 1;
    }
    out.push(chars[start..].iter().collect());
    out
}

/// The body as a `format=flowed` text.
pub fn wrap_flowed(text: &str) -> String {
    let mut out = String::new();
    for line in text.lines() {
        for piece in pieces(line, width_of(line, WIDTH)) {
            if piece.starts_with(' ') || piece.starts_with('>') || piece.starts_with("From ") {
                out.push(' ');
            }
            out.push_str(&piece);
            out.push('\n');
        }
    }
    out
}

/// The text letter: the same breaks, hard, without trailing spaces; the
/// lines after the first of a list item (`- …`) are indented under its text.
pub fn wrap_plain(text: &str) -> String {
    let mut out = String::new();
    for line in text.lines() {
        let item = line.starts_with("- ");
        for (i, piece) in pieces(line, width_of(line, if item { WIDTH - 2 } else { WIDTH }))
            .iter()
            .enumerate()
        {
            if item && i > 0 {
                out.push_str("  ");
            }
            out.push_str(piece.trim_end());
            out.push('\n');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A `format=flowed` text read back (as a reader would): soft breaks joined, stuffing removed.
    fn unflow(text: &str) -> String {
        let mut out = String::new();
        for line in text.lines() {
            let line = line.strip_prefix(' ').unwrap_or(line);
            out.push_str(line);
            if !line.ends_with(' ') {
                out.push('\n');
            }
        }
        out
    }

    const PARAGRAPH: &str = "Jag återkommer angående faktura SV-1 (Website redesign), som förföll till betalning den 1\u{a0}mars 2027. Enligt min bokföring återstår 1\u{a0}000,00\u{a0}kr att betala, och jag har inte hört något från dig sedan dess.";

    #[test]
    fn a_paragraph_is_broken_into_long_lines_with_soft_breaks() {
        let text = format!("Hej!\n\n{PARAGRAPH}\n\n  Att betala:  1\u{a0}000,00\u{a0}kr\n");
        let flowed = wrap_flowed(&text);
        let lines: Vec<&str> = flowed.lines().collect();
        assert_eq!(lines[0], "Hej!");
        for l in &lines {
            assert!(l.chars().count() <= WIDTH + 1, "{l:?}");
            if l.ends_with(' ') {
                assert!(l.chars().count() >= SHORTEST, "short soft line {l:?}");
            }
        }
        assert!(lines.iter().filter(|l| l.ends_with(' ')).count() >= 2, "{flowed}");
        // The table row is space-stuffed and keeps its two spaces.
        let row = format!("  {}:  {}", "x".repeat(60), "1\u{a0}000,00\u{a0}kr");
        assert_eq!(wrap_flowed(&row).lines().count(), 1, "a table row stays whole");
        assert!(
            flowed.contains("\n   Att betala:  1\u{a0}000,00\u{a0}kr\n"),
            "{flowed}"
        );
        assert_eq!(unflow(&flowed), text);
    }

    #[test]
    fn no_break_spaces_hold() {
        let flowed = wrap_flowed(PARAGRAPH);
        assert!(
            !flowed.contains("1\n") && flowed.contains("1\u{a0}000,00\u{a0}kr"),
            "{flowed}"
        );
    }

    #[test]
    fn a_long_link_goes_with_the_words_before_it_rather_than_leave_them_short() {
        let link = format!("https://pay.example.org/{}", "x".repeat(70));
        let text = format!("Pay here: {link}");
        let flowed = wrap_flowed(&text);
        for l in flowed.lines() {
            if l.ends_with(' ') {
                assert!(l.chars().count() >= SHORTEST, "{l:?} in\n{flowed}");
            }
        }
        assert_eq!(unflow(&flowed), format!("{text}\n"));
        // A long paragraph ending in a link.
        let text = format!("{PARAGRAPH} You can pay here: {link}");
        let flowed = wrap_flowed(&text);
        for l in flowed.lines() {
            if l.ends_with(' ') {
                assert!(l.chars().count() >= SHORTEST, "{l:?} in\n{flowed}");
            }
        }
        assert_eq!(unflow(&flowed), format!("{text}\n"));
    }

    #[test]
    fn from_and_quote_lines_are_stuffed() {
        let flowed = wrap_flowed("From here on\n> quoted\nplain\n");
        assert_eq!(flowed, " From here on\n > quoted\nplain\n");
        assert_eq!(unflow(&flowed), "From here on\n> quoted\nplain\n");
    }

    #[test]
    fn list_items_in_the_letter_hang_under_their_text() {
        let plain = wrap_plain(&format!("- {PARAGRAPH}\nnext\n"));
        let lines: Vec<&str> = plain.lines().collect();
        assert!(lines[0].starts_with("- ") && lines[1].starts_with("  ") && !lines[1].starts_with("   "));
        assert_eq!(*lines.last().unwrap(), "next");
    }

    #[test]
    fn the_letter_text_has_hard_breaks_only() {
        let plain = wrap_plain(PARAGRAPH);
        assert!(plain.lines().count() >= 3);
        assert!(
            plain
                .lines()
                .all(|l| !l.ends_with(' ') && l.chars().count() <= WIDTH)
        );
    }
}
