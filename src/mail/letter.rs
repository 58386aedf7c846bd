//! The head of the text letter (`dun letter`): the parties and the date, in
//! blocks a person and the PDF layout can both read (docs/templates.md,
//! "The text letter"). The words of the letter come from the template.

use super::flowed::wrap_plain;
use super::templates::{MessageVars, Rendered};
use super::vars::words;

/// The text letter as `dun letter` prints it: the head, the subject line,
/// and the body with its paragraphs broken at the text width.
pub fn letter_text(v: &MessageVars, lang: &str, r: &Rendered) -> String {
    format!("{}{}\n\n{}", header(v, lang), r.subject, wrap_plain(&r.body))
}

/// The sender's block, the recipient's block, the delivery line where the
/// law asks for one, and the date: blocks of lines separated by a blank line,
/// ending with a blank line.
pub fn header(v: &MessageVars, lang: &str) -> String {
    let w = words(lang);
    let mut blocks: Vec<Vec<String>> = Vec::new();
    let mut sender = vec![v.sender.name.clone()];
    sender.extend(v.sender.address.iter().cloned());
    let mut numbers = Vec::new();
    if !v.sender.org_number.is_empty() {
        numbers.push(format!("{} {}", w.org_number, v.sender.org_number));
    }
    if !v.sender.vat_number.is_empty() {
        numbers.push(format!("{} {}", w.vat_number, v.sender.vat_number));
    }
    if !numbers.is_empty() {
        sender.push(numbers.join(" · "));
    }
    if !v.sender.email.is_empty() {
        sender.push(v.sender.email.clone());
    }
    blocks.push(sender);
    let mut recipient = vec![v.client.name.clone()];
    recipient.extend(v.client.address.iter().cloned());
    if !v.client.org_number.is_empty() {
        recipient.push(format!("{} {}", w.org_number, v.client.org_number));
    }
    blocks.push(recipient);
    if !v.law.delivery.is_empty() {
        blocks.push(vec![v.law.delivery.clone()]);
    }
    blocks.push(vec![v.today.clone()]);
    let mut out = String::new();
    for b in blocks {
        for line in b.iter().filter(|l| !l.trim().is_empty()) {
            out.push_str(line.trim());
            out.push('\n');
        }
        out.push('\n');
    }
    out
}
