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

pub use super::plan_vars::{InstalmentVars, PlanVars};

/// The template names dun ships.
pub const BUILTIN_NAMES: &[&str] = &[
    "reminder",
    "follow-up",
    "escalate",
    "demand",
    "reminder-letter",
    "plan",
    "instalment",
];

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
                    ($lang, "plan") => Some(include_str!(concat!("../../templates/builtin/", $lang, "/plan.txt"))),
                    ($lang, "instalment") => Some(include_str!(concat!("../../templates/builtin/", $lang, "/instalment.txt"))),
                )+
                _ => None,
            }
        };
    }
    table!("en", "sv", "tr", "ru", "ro")
}

/// Everything a template may use. Strings are already formatted for the
/// client's language. docs/templates.md lists these for users.
#[derive(Debug, Clone, Default, Serialize)]
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
    /// The outbound contacts of `history` (kept for templates written before it).
    pub reminders: Vec<ReminderVars>,
    /// The story so far: every contact on these invoices, oldest first.
    pub history: Vec<ReminderVars>,
    /// The calls made so far (outbound entries of `history` by phone).
    pub calls: Vec<ReminderVars>,
    /// The e-mails sent so far (outbound entries of `history` by e-mail).
    pub emails_sent: Vec<ReminderVars>,
    /// This is the n-th message from this template on these invoices (1: the first).
    pub nth: usize,
    /// What the ladder will do after this message.
    pub next: NextVars,
    /// No other e-mail comes before `next`.
    pub last_email: bool,
    /// A date to ask for payment by: `next`'s date, or the next e-mail's earliest.
    pub pay_by: String,
    /// How to pay, per currency of the invoices.
    pub payment: Vec<PaymentDetailsVars>,
    pub law: LawVars,
    /// The payment plan of the first invoice that has one (SPEC.md §12).
    pub plan: PlanVars,
    /// The payment plans of all the message's invoices that have one.
    pub plans: Vec<PlanVars>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct SenderVars {
    pub name: String,
    pub email: String,
    pub signature: String,
    pub payment_instructions: String,
    /// Postal address lines; may be empty.
    pub address: Vec<String>,
    /// The address in one line, comma-separated.
    pub address_line: String,
    pub org_number: String,
    pub vat_number: String,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct ClientVars {
    pub name: String,
    pub handle: String,
    /// The e-mail addresses, comma-separated, without names.
    pub email: String,
    pub phone: String,
    pub address: Vec<String>,
    pub address_line: String,
    pub org_number: String,
    /// ISO 3166-1 alpha-2 of the law in force; empty: none.
    pub country: String,
    pub consumer: bool,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct RecipientVars {
    /// Whom the message addresses: the client, or the escalation contact.
    pub name: String,
    pub role: String,
    /// The person the message speaks to, when dun knows one ("Jane Cole");
    /// empty otherwise: greet neutrally, never a company.
    pub person: String,
    pub first_name: String,
    /// The message goes to an escalation contact, not to the client itself.
    pub contact: bool,
}

#[derive(Debug, Clone, Default, Serialize)]
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
    /// The names of the charges, per their basis, in the client's language.
    pub fee_name: String,
    pub fee_basis: String,
    /// The fixed sum as the law states it, when the invoice is in another
    /// currency ("40,00 EUR"); empty otherwise.
    pub fee_law: String,
    pub interest_name: String,
    /// The interest's name for a row of an e-mail (shorter where the law's is long).
    pub interest_label: String,
    pub interest_basis: String,
    /// The yearly rate when one rate applies ("10,5"); empty when the rate
    /// changed while the debt ran (see `interest_periods`).
    pub interest_rate: String,
    pub interest_from: String,
    pub interest_to: String,
    pub interest_days: i64,
    pub interest_periods: Vec<PeriodVars>,
    /// E-mails this invoice has had before this message, and of those, the
    /// ones after the first.
    pub emails: usize,
    pub follow_ups: usize,
    pub payments: Vec<PaymentVars>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct PaymentVars {
    pub date: String,
    pub amount: String,
    pub method: String,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct PeriodVars {
    pub from: String,
    pub to: String,
    pub days: i64,
    /// The yearly rate applied, and the reference rate it is built on.
    pub rate: String,
    pub reference: String,
    /// The statutory margin: `rate` − `reference`.
    pub margin: String,
    pub amount: String,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct FeesVars {
    pub interest_percent: String,
    pub flat_fee_enabled: bool,
    pub statutory: bool,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct ReminderVars {
    pub date: String,
    pub step: String,
    pub channel: String,
    pub inbound: bool,
    /// `no-answer`, `voicemail`, `talked`, … or empty.
    pub outcome: String,
    /// What it was, in the client's language ("call, not answered").
    pub what: String,
    pub to_contact: bool,
    /// Someone answered: a conversation took place (talked, promised, disputed, refused).
    pub answered: bool,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct NextVars {
    /// `email`, `escalate`, `call`, `letter`, `suspend`, or empty: nothing new.
    pub action: String,
    pub step: String,
    /// For e-mail and letter steps, the template the step uses.
    pub template: String,
    pub date: String,
    /// Days from today (0: today).
    pub days: i64,
    /// An escalation goes to a contact on file (else to the client itself).
    pub to_contact: bool,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct PaymentDetailsVars {
    /// The currencies these details are for ("SEK", "EUR, GBP").
    pub currencies: String,
    pub text: String,
}

/// The law in force for the client, and its words in the client's language.
#[derive(Debug, Clone, Default, Serialize)]
pub struct LawVars {
    pub country: String,
    /// The rule set: `SE`, `GB`, `DE`, `RO`, `RU`, `TR`, `EU`, `EU-other`, `none`.
    pub rules: String,
    /// An individual (a consumer, or in the UK a client with no company number).
    pub individual: bool,
    pub statutory: bool,
    pub deadline_min: u32,
    /// The deadline runs from the letter's receipt, not its date.
    pub deadline_from_receipt: bool,
    pub title: String,
    pub next_step: String,
    pub costs: String,
    pub delivery: String,
    pub law_ref: String,
    pub reservation: String,
    /// How the statutory rate is set, when statutory charges are on.
    pub rate_rule: String,
    /// One sentence naming the statutory charges and their basis, for e-mails.
    pub note: String,
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
        match crate::config::read_bounded_text(&path) {
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

/// The work a template may do (minijinja's fuel, about one unit an
/// instruction): a message about 5,000 invoices renders on a fifth of it in
/// every built-in template (a test checks), and a loop that never ends
/// stops within a second instead of running all night.
const FUEL: u64 = 5_000_000;

/// The longest a rendered subject or body may be.
const OUTPUT_LIMIT: usize = 8 * 1024 * 1024;

/// Collects rendered output up to [`OUTPUT_LIMIT`], then refuses more.
#[derive(Default)]
struct Bounded {
    bytes: Vec<u8>,
    over: bool,
}

impl std::io::Write for Bounded {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.bytes.len() + buf.len() > OUTPUT_LIMIT {
            self.over = true;
            return Err(std::io::Error::other("the output is too long"));
        }
        self.bytes.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Renders a template's text: first line `Subject: …`, then the body.
pub fn render_text(text: &str, origin: &str, vars: &MessageVars) -> Result<Rendered> {
    render_with_fuel(text, origin, vars, FUEL)
}

fn render_with_fuel(text: &str, origin: &str, vars: &MessageVars, fuel: u64) -> Result<Rendered> {
    if !text.trim_start_matches('\u{feff}').starts_with("Subject:") {
        bail!("{origin}: the first line must be \"Subject: ...\"");
    }
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_auto_escape_callback(|_| AutoEscape::None);
    // `{{ x | dot }}`: x with a full stop, unless it ends in one already
    // ("m.m.", "руб.", "2027 г.").
    env.add_filter("dot", |v: String| {
        if v.ends_with(['.', '!', '?']) {
            v
        } else {
            format!("{v}.")
        }
    });
    let text = text.trim_start_matches('\u{feff}');
    // The subject line and the body render apart, so that nothing the data
    // holds can move text from one into the other.
    let (first, rest) = text.split_once('\n').unwrap_or((text, ""));
    env.set_fuel(Some(fuel));
    let render = |source: &str, line_offset: usize| {
        let mut out = Bounded::default();
        env.template_from_str(source)
            .and_then(|t| t.render_captured_to(minijinja::value::Serde(vars), &mut out))
            .map_err(|e| {
                if out.over {
                    return anyhow!(
                        "{origin}: the message would be longer than {} MiB; dun stopped rendering it",
                        OUTPUT_LIMIT / (1024 * 1024)
                    );
                }
                if e.kind() == minijinja::ErrorKind::OutOfFuel {
                    return anyhow!(
                        "{origin}: the template does more work than a message needs (a loop that never ends?); dun stopped rendering it"
                    );
                }
                let mut msg = template_error(&e, vars);
                if let Some(line) = e.line() {
                    msg = format!("line {}: {msg}", line + line_offset);
                }
                anyhow!("{origin}: {msg}")
            })?;
        String::from_utf8(out.bytes).map_err(|_| anyhow!("{origin}: the output is not UTF-8"))
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

/// A template error in words: an unknown name is named, with the names
/// that are there (at the top, or inside the value before its last dot).
fn template_error(e: &minijinja::Error, vars: &MessageVars) -> String {
    let detail = e.detail().unwrap_or("");
    if e.kind() != minijinja::ErrorKind::UndefinedError {
        return if detail.is_empty() {
            e.kind().to_string()
        } else {
            format!("{}: {detail}", e.kind())
        };
    }
    // minijinja says "`invoice.nosuch` is undefined".
    let Some(name) = detail.split('`').nth(1).filter(|n| !n.is_empty()) else {
        return "a value the template uses is not defined".to_string();
    };
    let known = serde_json::to_value(vars).unwrap_or_default();
    let (parent, inside) = match name.rsplit_once('.') {
        Some((parent, _)) => (
            parent.split('.').try_fold(&known, |v, key| v.get(key)),
            format!(" in {parent}"),
        ),
        None => (Some(&known), String::new()),
    };
    match parent.and_then(|v| v.as_object()) {
        Some(map) => {
            let names: Vec<&str> = map.keys().map(String::as_str).collect();
            format!(
                "{{{{ {name} }}}}: there is no value \"{name}\"; the values{inside} are: {}",
                names.join(", ")
            )
        }
        None => format!("{{{{ {name} }}}}: there is no value \"{name}\""),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars() -> MessageVars {
        let invoice = InvoiceVars {
            number: "2026-011".into(),
            ..InvoiceVars::default()
        };
        MessageVars {
            count: 1,
            invoices: vec![invoice.clone()],
            invoice,
            ..MessageVars::default()
        }
    }

    #[test]
    fn the_work_bound_leaves_room_for_thousands_of_invoices_in_one_message() {
        // A message about 5,000 invoices renders in every built-in template
        // and language on a fifth of the bound.
        let mut v = vars();
        v.count = 5000;
        v.invoices = vec![v.invoice.clone(); 5000];
        let templates = Templates::new(Path::new("/nonexistent/config.toml"));
        for lang in crate::domain::text::LANGUAGES {
            for name in BUILTIN_NAMES {
                let (text, origin) = templates.source(lang, name).unwrap();
                render_with_fuel(&text, &origin, &v, FUEL / 5)
                    .unwrap_or_else(|e| panic!("{lang}/{name}: {e:#}"));
            }
        }
    }

    #[test]
    fn an_unknown_variable_is_an_error_naming_it() {
        let e = render_text("Subject: hi {{ nosuch }}\n\nbody", "test template", &vars())
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with(
                "test template: line 1: {{ nosuch }}: there is no value \"nosuch\"; the values are: "
            ),
            "{e}"
        );
        assert!(e.contains("sender") && e.contains("invoices"), "{e}");
        let e = render_text(
            "Subject: hi\n\n{{ sender.name }}\n{{ sender.nmae }}\n",
            "test template",
            &vars(),
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.starts_with("test template: line 4: {{ sender.nmae }}: there is no value \"sender.nmae\"; the values in sender are: name, "),
            "{e}"
        );
        let e = render_text(
            "Subject: hi\n{% for i in invoices %}{{ i.nope }}{% endfor %}\n",
            "test template",
            &vars(),
        )
        .unwrap_err()
        .to_string();
        assert_eq!(
            e,
            "test template: line 2: {{ i.nope }}: there is no value \"i.nope\""
        );
        let e = render_text("Hello\n", "test template", &vars())
            .unwrap_err()
            .to_string();
        assert!(e.contains("Subject:"), "{e}");
    }

    #[test]
    fn the_subject_is_one_line_whatever_the_data() {
        let mut v = vars();
        v.invoice.number = "2026-011\r\nBcc: evil@example.net".into();
        let r = render_text("Subject: Invoice {{ invoice.number }}\n\nbody\n", "t", &v).unwrap();
        assert_eq!(r.subject, "Invoice 2026-011 Bcc: evil@example.net");
        assert_eq!(r.body, "body\n");
    }

    #[test]
    fn every_builtin_parses() {
        // Rendering them with real data is the snapshot test's job
        // (tests/integration/snapshots.rs); here: each one compiles.
        let env = minijinja::Environment::new();
        for lang in crate::domain::text::LANGUAGES {
            for name in BUILTIN_NAMES {
                let text = builtin(lang, name).unwrap();
                env.template_from_str(text)
                    .unwrap_or_else(|e| panic!("{lang}/{name}: {e:#}"));
            }
        }
    }
}
