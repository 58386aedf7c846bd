//! Message templates: built in for five languages, overridable per file, and
//! rendered by minijinja in strict mode, so that an unknown variable is an
//! error at `dun preview` and never a blank in a sent e-mail.
//!
//! Owns the variables a template sees ([`MessageVars`]); builds no headers
//! and sends nothing.

use std::path::{Path, PathBuf};

use anyhow::{Result, anyhow, bail};
use minijinja::{AutoEscape, Environment, UndefinedBehavior};
use serde::Serialize;

/// The template names dun ships.
pub const BUILTIN_NAMES: &[&str] = &["reminder", "follow-up", "escalate", "demand", "reminder-letter"];

fn builtin(lang: &str, name: &str) -> Option<&'static str> {
    macro_rules! table {
        ($($lang:literal),+) => {
            match (lang, name) {
                $(
                    ($lang, "reminder") => Some(include_str!(concat!("../../templates/builtin/", $lang, "/reminder.txt"))),
                    ($lang, "follow-up") => Some(include_str!(concat!("../../templates/builtin/", $lang, "/follow-up.txt"))),
                    ($lang, "escalate") => Some(include_str!(concat!("../../templates/builtin/", $lang, "/escalate.txt"))),
                    ($lang, "demand") => Some(include_str!(concat!("../../templates/builtin/", $lang, "/demand.txt"))),
                    ($lang, "reminder-letter") => Some(include_str!(concat!("../../templates/builtin/", $lang, "/reminder-letter.txt"))),
                )+
                _ => None,
            }
        };
    }
    table!("en", "sv", "tr", "ru", "ro")
}

/// Everything a template may use. Strings are already formatted for the
/// client's language. docs/templates.md lists these for users.
#[derive(Debug, Clone, Serialize)]
pub struct MessageVars {
    pub sender: SenderVars,
    pub client: ClientVars,
    pub recipient: RecipientVars,
    pub today: String,
    pub step: String,
    pub count: usize,
    pub invoices: Vec<InvoiceVars>,
    pub invoice: InvoiceVars,
    pub totals: Vec<String>,
    pub charges: bool,
    pub fees: FeesVars,
    pub deadline: String,
    pub deadline_days: i64,
    pub reminders: Vec<ReminderVars>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SenderVars {
    pub name: String,
    pub email: String,
    pub signature: String,
    pub payment_instructions: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ClientVars {
    pub name: String,
    pub handle: String,
    pub email: String,
    pub phone: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct RecipientVars {
    pub name: String,
    pub role: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct InvoiceVars {
    pub number: String,
    pub description: String,
    pub pay_link: String,
    /// The payment reference in groups of four (`RF97 2026 014`); empty when none.
    pub reference: String,
    pub issued: String,
    pub due: String,
    pub days_overdue: i64,
    pub currency: String,
    pub amount: String,
    pub paid: String,
    pub balance: String,
    pub fee: String,
    pub interest: String,
    pub total: String,
    pub has_payments: bool,
    pub has_fee: bool,
    pub has_interest: bool,
    pub interest_from: String,
    pub interest_days: i64,
    pub payments: Vec<PaymentVars>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PaymentVars {
    pub date: String,
    pub amount: String,
    pub method: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct FeesVars {
    pub interest_percent: String,
    pub flat_fee_enabled: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct ReminderVars {
    pub date: String,
    pub step: String,
    pub channel: String,
}

/// A rendered template: the subject line and the plain-text body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub body: String,
}

/// Where templates come from: the user's folder first, then the built-in set.
pub struct Templates {
    dir: PathBuf,
}

impl Templates {
    /// `config_path` is the config file in force; overrides live beside it.
    pub fn new(config_path: &Path) -> Templates {
        let dir = config_path
            .parent()
            .map(|p| p.join("templates"))
            .unwrap_or_else(|| PathBuf::from("templates"));
        Templates { dir }
    }

    pub fn override_path(&self, lang: &str, name: &str) -> PathBuf {
        self.dir.join(lang).join(format!("{name}.txt"))
    }

    /// The template's text and where it came from (for error messages).
    pub fn source(&self, lang: &str, name: &str) -> Result<(String, String)> {
        let path = self.override_path(lang, name);
        match std::fs::read_to_string(&path) {
            Ok(text) => return Ok((text, path.display().to_string())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => bail!("cannot read template {}: {e}", path.display()),
        }
        match builtin(lang, name) {
            Some(text) => Ok((text.to_string(), format!("built-in template {lang}/{name}"))),
            None => bail!(
                "there is no template \"{name}\" for language {lang}; create {} (first line \"Subject: ...\")",
                path.display()
            ),
        }
    }

    pub fn render(&self, lang: &str, name: &str, vars: &MessageVars) -> Result<Rendered> {
        let (text, origin) = self.source(lang, name)?;
        render_text(&text, &origin, vars)
    }
}

/// Renders a template's text: first line `Subject: …`, then the body.
pub fn render_text(text: &str, origin: &str, vars: &MessageVars) -> Result<Rendered> {
    if !text.trim_start_matches('\u{feff}').starts_with("Subject:") {
        bail!("{origin}: the first line must be \"Subject: ...\"");
    }
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_auto_escape_callback(|_| AutoEscape::None);
    let text = text.trim_start_matches('\u{feff}');
    // The subject line and the body render apart, so that nothing the data
    // holds can move text from one into the other.
    let (first, rest) = text.split_once('\n').unwrap_or((text, ""));
    let render = |source: &str, line_offset: usize| {
        env.render_str(source, minijinja::value::Serde(vars))
            .map_err(|e| {
                let mut msg = e.to_string();
                if let Some(line) = e.line() {
                    msg = format!("line {}: {msg}", line + line_offset);
                }
                anyhow!("{origin}: {msg}")
            })
    };
    let subject = render(first.trim_start_matches("Subject:").trim(), 0)?;
    let out = render(rest, 1)?;
    // A subject is one header line: whatever the data held, no line breaks.
    let subject: String = subject
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if subject.trim().is_empty() {
        bail!("{origin}: the subject is empty");
    }
    let body: Vec<&str> = out.lines().map(str::trim_end).collect();
    let start = body.iter().position(|l| !l.is_empty()).unwrap_or(body.len());
    let end = body.iter().rposition(|l| !l.is_empty()).map_or(start, |i| i + 1);
    let mut text = body[start..end].join("\n");
    text.push('\n');
    Ok(Rendered {
        subject: subject.split_whitespace().collect::<Vec<_>>().join(" "),
        body: text,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn invoice(n: usize, charges: bool) -> InvoiceVars {
        InvoiceVars {
            number: format!("2026-01{n}"),
            description: if n == 1 {
                "Design work".into()
            } else {
                String::new()
            },
            pay_link: if n == 2 {
                "https://pay.example.org/x".into()
            } else {
                String::new()
            },
            reference: if n == 2 {
                String::new()
            } else {
                format!("RF00 2026 01{n}")
            },
            issued: "1 November 2026".into(),
            due: "1 December 2026".into(),
            days_overdue: 9,
            currency: "EUR".into(),
            amount: "1,200.00 EUR".into(),
            paid: "200.00 EUR".into(),
            balance: "1,000.00 EUR".into(),
            fee: "40.00 EUR".into(),
            interest: "2.19 EUR".into(),
            total: "1,042.19 EUR".into(),
            has_payments: n == 1,
            has_fee: charges,
            has_interest: charges,
            interest_from: "2 December 2026".into(),
            interest_days: 9,
            payments: vec![PaymentVars {
                date: "3 December 2026".into(),
                amount: "200.00 EUR".into(),
                method: "bank".into(),
            }],
        }
    }

    fn vars(count: usize, charges: bool, empty_sender: bool) -> MessageVars {
        let invoices: Vec<_> = (1..=count).map(|n| invoice(n, charges)).collect();
        MessageVars {
            sender: SenderVars {
                name: "Fia Freelance".into(),
                email: "fia@example.org".into(),
                signature: if empty_sender {
                    String::new()
                } else {
                    "Storgatan 1\n111 22 Stockholm".into()
                },
                payment_instructions: if empty_sender {
                    String::new()
                } else {
                    "Bankgiro 123-4567".into()
                },
            },
            client: ClientVars {
                name: "Acme AB".into(),
                handle: "acme".into(),
                email: "ap@acme.example".into(),
                phone: String::new(),
            },
            recipient: RecipientVars {
                name: "Erik Berg".into(),
                role: "CFO".into(),
            },
            today: "10 December 2026".into(),
            step: "follow-up".into(),
            count,
            invoice: invoices[0].clone(),
            invoices,
            totals: vec!["3,126.57 EUR".into()],
            charges,
            fees: FeesVars {
                interest_percent: if charges { "8".into() } else { String::new() },
                flat_fee_enabled: charges,
            },
            deadline: "24 December 2026".into(),
            deadline_days: 14,
            reminders: vec![ReminderVars {
                date: "1 December 2026".into(),
                step: "reminder".into(),
                channel: "email".into(),
            }],
        }
    }

    #[test]
    fn every_builtin_renders_strictly_for_one_and_several_invoices() {
        let templates = Templates::new(Path::new("/nonexistent/config.toml"));
        for lang in crate::domain::text::LANGUAGES {
            for name in BUILTIN_NAMES {
                for (count, charges, empty) in [
                    (1, false, false),
                    (1, true, true),
                    (3, true, false),
                    (3, false, true),
                ] {
                    let r = templates
                        .render(lang, name, &vars(count, charges, empty))
                        .unwrap_or_else(|e| panic!("{lang}/{name} ({count} invoices): {e:#}"));
                    assert!(!r.subject.is_empty(), "{lang}/{name}");
                    assert!(
                        r.body.contains("2026-011"),
                        "{lang}/{name} names the invoice:\n{}",
                        r.body
                    );
                    if count == 3 {
                        assert!(
                            r.body.contains("2026-013"),
                            "{lang}/{name} names all three:\n{}",
                            r.body
                        );
                    }
                    assert!(
                        r.body.contains("RF00 2026 011"),
                        "{lang}/{name} shows the payment reference:\n{}",
                        r.body
                    );
                    if count == 3 {
                        assert!(r.body.contains("RF00 2026 013"), "{lang}/{name}:\n{}", r.body);
                    }
                    if charges {
                        assert!(
                            r.body.contains("40.00 EUR"),
                            "{lang}/{name} shows the fee:\n{}",
                            r.body
                        );
                    }
                    assert!(
                        !r.body.contains("\n\n\n"),
                        "{lang}/{name}: stray blank lines:\n{}",
                        r.body
                    );
                    assert!(
                        !r.body.lines().any(|l| l.ends_with(' ')),
                        "{lang}/{name}: trailing spaces"
                    );
                }
            }
        }
    }

    #[test]
    fn no_reference_no_reference_line() {
        let templates = Templates::new(Path::new("/nonexistent/config.toml"));
        let mut one = vars(1, false, false);
        one.invoice.reference.clear();
        one.invoices[0].reference.clear();
        let mut three = vars(3, false, false);
        for i in &mut three.invoices {
            i.reference.clear();
        }
        for lang in crate::domain::text::LANGUAGES {
            for name in BUILTIN_NAMES {
                let plain = templates.render(lang, name, &vars(1, false, false)).unwrap();
                for v in [&one, &three] {
                    let r = templates.render(lang, name, v).unwrap();
                    assert!(!r.body.contains("RF00"), "{lang}/{name}:\n{}", r.body);
                    assert!(!r.body.contains("\n\n\n"), "{lang}/{name}:\n{}", r.body);
                }
                // The sentence is the only difference a reference makes to one invoice's message.
                let r = templates.render(lang, name, &one).unwrap();
                let added: Vec<&str> = plain
                    .body
                    .lines()
                    .filter(|l| !r.body.lines().any(|m| m == *l))
                    .collect();
                assert_eq!(added.len(), 1, "{lang}/{name}: {added:?}");
                assert!(added[0].contains("RF00 2026 011"), "{lang}/{name}: {added:?}");
            }
        }
    }

    #[test]
    fn an_unknown_variable_is_an_error_naming_it() {
        let e = render_text(
            "Subject: hi {{ nosuch }}\n\nbody",
            "test template",
            &vars(1, false, false),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("test template") && e.contains("undefined"), "{e}");
        let e = render_text("Hello\n", "test template", &vars(1, false, false))
            .unwrap_err()
            .to_string();
        assert!(e.contains("Subject:"), "{e}");
    }

    #[test]
    fn the_subject_is_one_line_whatever_the_data() {
        let mut v = vars(1, false, false);
        v.invoice.number = "2026-011\r\nBcc: evil@example.net".into();
        let r = render_text("Subject: Invoice {{ invoice.number }}\n\nbody\n", "t", &v).unwrap();
        assert_eq!(r.subject, "Invoice 2026-011 Bcc: evil@example.net");
        assert_eq!(r.body, "body\n");
    }
}
