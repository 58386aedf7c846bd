//! The new text of a reply: what the sender wrote above the quoted message
//! and the signature, as Gmail, Outlook, Thunderbird and Apple Mail lay
//! them out in the five languages.

use super::phrases::{self, Phrases};
use super::{NOTE_CHARS, clip, one_line};

/// The text the sender wrote, without the quoted message and the signature.
pub fn new_text(text: &str) -> String {
    let p = phrases::get();
    let lines: Vec<&str> = text.lines().map(|l| l.trim_end_matches('\r')).collect();
    let end = quote_start(&lines, p).unwrap_or(lines.len());
    let end = signature_start(&lines[..end], p).unwrap_or(end);
    let kept: Vec<&str> = lines[..end].iter().map(|l| l.trim_end()).collect();
    kept.join("\n").trim().to_string()
}

/// The note of a reply: its subject and the first lines of its new text,
/// on one line, at most [`NOTE_CHARS`] characters.
pub fn reply_note(subject: &str, text: &str) -> String {
    let subject = one_line(subject);
    let body = one_line(&new_text(text));
    let note = match (subject.is_empty(), body.is_empty()) {
        (_, true) => subject,
        (true, false) => body,
        (false, false) => format!("{subject} — {body}"),
    };
    clip(&note, NOTE_CHARS)
}

/// Where the quoted message begins: a `>` line, a separator, an Outlook
/// header block, or an attribution line ("On … wrote:"), possibly wrapped.
fn quote_start(lines: &[&str], p: &Phrases) -> Option<usize> {
    for (i, line) in lines.iter().enumerate() {
        let t = line.trim();
        let lower = t.to_lowercase();
        if t.starts_with('>') {
            // The attribution usually sits just above the quote.
            return Some(attribution_above(lines, i, p).unwrap_or(i));
        }
        if p.quote_separators.iter().any(|s| lower.starts_with(s.as_str()))
            || (lower.len() >= 10 && lower.chars().all(|c| c == '_'))
        {
            return Some(i);
        }
        if p.quote_header_from.iter().any(|s| lower.starts_with(s.as_str()))
            && lines[i + 1..].iter().take(4).any(|l| {
                let l = l.trim().to_lowercase();
                p.quote_header_sent.iter().any(|s| l.starts_with(s.as_str()))
            })
        {
            return Some(i);
        }
        if is_attribution(&lower, p) {
            return Some(wrapped_start(lines, i));
        }
    }
    None
}

/// A line that introduces a quote: "… wrote:", "… skrev:", or "… <a@b>:".
fn is_attribution(lower: &str, p: &Phrases) -> bool {
    let t = lower.trim();
    p.attribution_endings.iter().any(|e| t.ends_with(e.as_str()))
        || (t.ends_with(">:") && t.contains('@') && t.contains('<'))
}

/// The attribution line (or its two wrapped lines) just above a quote.
fn attribution_above(lines: &[&str], quote: usize, p: &Phrases) -> Option<usize> {
    let mut i = quote;
    // Skip the blank lines between attribution and quote.
    while i > 0 && lines[i - 1].trim().is_empty() {
        i -= 1;
    }
    if i == 0 {
        return None;
    }
    let candidate = i - 1;
    is_attribution(&lines[candidate].to_lowercase(), p).then(|| wrapped_start(lines, candidate))
}

/// An attribution that Gmail wrapped ("On Mon, 2 Mar 2027 at 09:14, Fia <"
/// / "fia@example.org> wrote:") starts a line earlier.
fn wrapped_start(lines: &[&str], i: usize) -> usize {
    if i == 0 {
        return 0;
    }
    let line = lines[i].trim();
    let prev = lines[i - 1].trim_end();
    let continues = prev.ends_with('<')
        || prev.ends_with(',')
        || line
            .split_whitespace()
            .next()
            .is_some_and(|w| w.contains('@') || w.starts_with('<'));
    if !prev.trim().is_empty() && continues {
        i - 1
    } else {
        i
    }
}

/// Where the signature begins: the `-- ` separator or a phone's line.
fn signature_start(lines: &[&str], p: &Phrases) -> Option<usize> {
    lines.iter().position(|line| {
        let t = line.trim_end();
        let lower = t.trim_start().to_lowercase();
        t == "--"
            || t == "-- "
            || line.trim() == "--"
            || t == "—"
            || p.signature_starts.iter().any(|s| lower.starts_with(s.as_str()))
    })
}
