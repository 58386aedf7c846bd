//! The config file (SPEC.md §7): TOML read into serde types that refuse
//! unknown keys, then validated into the domain's types.
//!
//! Reading never writes; a missing file means every default. `dun init`
//! writes the commented template in [`TEMPLATE`].

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context as _, Result, anyhow, bail};
use chrono::NaiveDate;
use serde::Deserialize;

use crate::domain::contact::StepAction;
use crate::domain::dates::parse_iso;
use crate::domain::fees::{FeeRules, FlatFee, interest_ppm};
use crate::domain::ladder::{Ladder, Schedule, Step};
use crate::domain::law::{FixedRow, Law, RateRow};
use crate::domain::money::{Currency, parse_amount_lenient};
use crate::domain::party::{check_address, check_country, check_org_number};
use crate::domain::reference::ReferenceKind;
use crate::domain::text::{check_email, check_language};
use crate::paper::Paper;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    sender: SenderFile,
    #[serde(default)]
    defaults: DefaultsFile,
    smtp: Option<SmtpFile>,
    imap: Option<ImapFile>,
    maildir: Option<MaildirFile>,
    #[serde(default)]
    schedule: ScheduleFile,
    #[serde(default)]
    fees: FeesFile,
    #[serde(default)]
    ladder: Vec<StepFile>,
    #[serde(default)]
    payment_instructions: BTreeMap<String, String>,
    #[serde(default)]
    letters: LettersFile,
    #[serde(default)]
    bank: BankFile,
    #[serde(default)]
    plans: PlansFile,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct PlansFile {
    grace_days: Option<u32>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct LettersFile {
    paper: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct BankFile {
    csv: Option<CsvFile>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CsvFile {
    date: Option<String>,
    amount: Option<String>,
    text: Option<String>,
    payer: Option<String>,
    currency: Option<String>,
    id: Option<String>,
    date_format: Option<String>,
    decimal: Option<String>,
    delimiter: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct SenderFile {
    name: Option<String>,
    email: Option<String>,
    reply_to: Option<String>,
    signature: Option<String>,
    payment_instructions: Option<String>,
    address: Option<String>,
    org_number: Option<String>,
    vat_number: Option<String>,
    reference: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct DefaultsFile {
    currency: Option<String>,
    terms_days: Option<u32>,
    language: Option<String>,
    country: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SmtpFile {
    host: String,
    port: Option<u16>,
    security: Option<String>,
    username: Option<String>,
    password_command: Option<String>,
    password: Option<String>,
    timeout_secs: Option<u64>,
    allow_insecure: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ImapFile {
    host: String,
    port: Option<u16>,
    security: Option<String>,
    username: Option<String>,
    password_command: Option<String>,
    password: Option<String>,
    mailboxes: Option<Vec<String>>,
    timeout_secs: Option<u64>,
    allow_insecure: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct MaildirFile {
    path: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ScheduleFile {
    send_days: Option<Vec<String>>,
    min_gap_days: Option<u32>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FeesFile {
    flat_fee: Option<FlatFeeFile>,
    interest_percent: Option<f64>,
    statutory: Option<bool>,
    #[serde(default)]
    eur_rates: BTreeMap<String, f64>,
    #[serde(default)]
    reference_rate: Vec<RateFile>,
    #[serde(default)]
    fixed_sum: Vec<FixedSumFile>,
}

/// `flat_fee = "40.00"` or `[fees.flat_fee] EUR = "40.00"`.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum FlatFeeFile {
    One(String),
    Table(BTreeMap<String, String>),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RateFile {
    country: String,
    from: toml::Value,
    percent: f64,
    until: Option<toml::Value>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FixedSumFile {
    country: String,
    from: toml::Value,
    until: Option<toml::Value>,
    amount: String,
    currency: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct StepFile {
    name: String,
    day: i32,
    action: String,
    template: Option<String>,
    repeat: Option<u32>,
}

/// Who the messages come from.
#[derive(Debug, Clone, Default)]
pub struct Sender {
    pub name: String,
    pub email: Option<String>,
    pub reply_to: Option<String>,
    pub signature: String,
    pub payment_instructions: String,
    /// Postal address lines, for letters.
    pub address: Vec<String>,
    pub org_number: Option<String>,
    pub vat_number: Option<String>,
}

/// How to reach the SMTP server. The password itself is resolved only when
/// a connection is opened (see `mail::smtp`).
#[derive(Clone)]
pub struct Smtp {
    pub host: String,
    pub port: Option<u16>,
    pub security: Security,
    pub username: Option<String>,
    pub password_command: Option<String>,
    pub password: Option<String>,
    pub timeout_secs: u64,
    pub allow_insecure: bool,
}

impl std::fmt::Debug for Smtp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Smtp")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("username", &self.username)
            .field("password_command", &self.password_command.is_some())
            .field("password", &self.password.as_ref().map(|_| "<hidden>"))
            .finish()
    }
}

/// How to reach the IMAP server (SPEC.md §10). Like [`Smtp`], the password
/// is resolved only when the connection opens (see `mail::imap`).
#[derive(Clone)]
pub struct Imap {
    pub host: String,
    pub port: Option<u16>,
    pub security: Security,
    pub username: String,
    pub password_command: Option<String>,
    pub password: Option<String>,
    /// The folders to read, in order; at least one.
    pub mailboxes: Vec<String>,
    pub timeout_secs: u64,
    pub allow_insecure: bool,
}

impl std::fmt::Debug for Imap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Imap")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("username", &self.username)
            .field("password_command", &self.password_command.is_some())
            .field("password", &self.password.as_ref().map(|_| "<hidden>"))
            .field("mailboxes", &self.mailboxes)
            .finish()
    }
}

/// Where replies and bounces arrive: at most one of `[imap]` and `[maildir]`.
#[derive(Debug, Clone)]
pub enum Inbox {
    Imap(Imap),
    /// A local Maildir (its `new/` and `cur/` are read), `~` expanded.
    Maildir(std::path::PathBuf),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Security {
    StartTls,
    Tls,
    None,
}

/// The config in force, validated.
#[derive(Debug, Clone)]
pub struct Config {
    pub sender: Sender,
    pub currency: Currency,
    pub terms_days: u32,
    pub language: String,
    /// `[defaults] country`: the law for clients without a country of their own.
    pub country: Option<String>,
    pub smtp: Option<Smtp>,
    /// `[imap]` or `[maildir]`: the mailbox `dun inbox` (and `dun send` first) reads.
    pub inbox: Option<Inbox>,
    pub schedule: Schedule,
    pub fees: FeeRules,
    pub ladder: Ladder,
    /// Whether the ladder came from the file (for `dun ladder`).
    pub custom_ladder: bool,
    /// `[letters] paper`: the sheet `dun letter --pdf` prints on.
    pub paper: Paper,
    /// `[sender] reference`: the kind of payment reference new invoices get.
    pub reference: ReferenceKind,
    /// `[bank.csv]`: how to read a bank's CSV export.
    pub bank_csv: Option<CsvMapping>,
    /// `[payment_instructions]`: how to pay, per currency code; a currency
    /// not in it falls back to `[sender] payment_instructions`.
    pub payment_instructions: BTreeMap<String, String>,
    /// `[plans] grace_days`: how late an instalment may be paid and still count as kept.
    pub plan_grace_days: u32,
}

/// `[bank.csv]`: which columns of a bank's CSV export hold what (by the
/// names in its header row), and how its dates and amounts are written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvMapping {
    pub date: String,
    pub amount: String,
    pub text: String,
    pub payer: Option<String>,
    pub currency: Option<String>,
    pub id: Option<String>,
    /// A chrono format, like `%Y-%m-%d` or `%d.%m.%Y`.
    pub date_format: String,
    /// `.` or `,`.
    pub decimal: char,
    pub delimiter: u8,
}

impl Config {
    /// How to pay an invoice in `currency`: its own line, or the sender's.
    pub fn payment_instructions_for(&self, currency: &str) -> &str {
        self.payment_instructions
            .get(currency)
            .map(String::as_str)
            .unwrap_or(&self.sender.payment_instructions)
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            sender: Sender::default(),
            currency: Currency::from_code("EUR").expect("EUR is in the table"),
            terms_days: 30,
            language: "en".into(),
            country: None,
            smtp: None,
            inbox: None,
            schedule: Schedule::default(),
            fees: FeeRules::default(),
            ladder: Ladder::default_ladder(),
            custom_ladder: false,
            paper: Paper::default(),
            reference: ReferenceKind::Rf,
            bank_csv: None,
            payment_instructions: BTreeMap::new(),
            plan_grace_days: crate::domain::plan::DEFAULT_GRACE_DAYS,
        }
    }
}

/// The most dun reads of a config, template or certificate file: each is a
/// few KB, and a bound keeps `--config /dev/zero` from eating the memory.
pub const FILE_LIMIT: u64 = 1024 * 1024;

/// Reads a file a user points dun at, refusing one over [`FILE_LIMIT`]
/// without reading further (the error is `FileTooLarge`).
pub fn read_bounded(path: &Path) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let file = std::fs::File::open(path)?;
    let mut bytes = Vec::new();
    file.take(FILE_LIMIT + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > FILE_LIMIT {
        return Err(std::io::Error::new(
            std::io::ErrorKind::FileTooLarge,
            "it is larger than 1 MiB, the most dun reads of such a file; is it the right file?",
        ));
    }
    Ok(bytes)
}

/// [`read_bounded`], as UTF-8 text.
pub fn read_bounded_text(path: &Path) -> std::io::Result<String> {
    String::from_utf8(read_bounded(path)?)
        .map_err(|_| std::io::Error::new(std::io::ErrorKind::InvalidData, "it is not UTF-8 text"))
}

impl Config {
    /// Reads the file at `path`; a missing file is all defaults.
    pub fn load(path: &Path) -> Result<Config> {
        let text = match read_bounded_text(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Config::default()),
            Err(e) => return Err(e).with_context(|| format!("cannot read config file {}", path.display())),
        };
        let config = Config::parse(&text).map_err(|e| anyhow!("config file {}: {e}", path.display()))?;
        if config.smtp.as_ref().is_some_and(|s| s.password.is_some()) {
            check_owner_only(path, "an SMTP")?;
        }
        if let Some(Inbox::Imap(i)) = &config.inbox
            && i.password.is_some()
        {
            check_owner_only(path, "an IMAP")?;
        }
        Ok(config)
    }

    /// Parses and validates config text; errors name the key and the line.
    pub fn parse(text: &str) -> Result<Config> {
        let file: File = toml::from_str(text).map_err(|e| {
            let number = e
                .span()
                .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1);
            let line = number.map(|l| format!("line {l}: ")).unwrap_or_default();
            let message = e.message().trim_end();
            // serde's type errors quote the value; never echo what may be a password.
            let untagged = message.starts_with("data did not match any variant of untagged enum");
            if message.starts_with("invalid type") || message.starts_with("invalid value") || untagged {
                let expected = match message.rsplit_once(", expected ") {
                    _ if untagged => "one of its forms",
                    Some((_, x)) => x,
                    None => "another type",
                };
                let key = number
                    .and_then(|l| text.lines().nth(l - 1))
                    .and_then(|l| l.split_once('='))
                    .map(|(k, _)| k.trim().trim_matches('"').to_string())
                    .unwrap_or_else(|| "the value".to_string());
                return anyhow!("{line}{}", type_advice(&key, expected));
            }
            anyhow!("{line}{message}")
        })?;
        let line_of = |needle: &str| {
            text.lines()
                .position(|l| l.trim_start().starts_with(needle))
                .map(|i| format!("line {}: ", i + 1))
                .unwrap_or_default()
        };
        // The line that holds a value (for errors about rows of arrays of tables).
        let line_with = |value: &str| {
            text.lines()
                .position(|l| !value.is_empty() && l.contains(value) && l.contains('='))
                .map(|i| format!("line {}: ", i + 1))
                .unwrap_or_default()
        };
        let mut c = Config::default();

        let s = file.sender;
        for (key, value) in [("email", &s.email), ("reply_to", &s.reply_to)] {
            if let Some(v) = value {
                check_email(v).map_err(|e| anyhow!("{}[sender] {key}: {e}", line_of(key)))?;
            }
        }
        if let Some(name) = &s.name
            && name.chars().any(char::is_control)
        {
            bail!("{}[sender] name: must be one line", line_of("name"));
        }
        if let Some(name) = s.name.as_deref().filter(|n| !n.trim().is_empty()) {
            crate::domain::text::check_line("[sender] name", name)
                .map_err(|e| anyhow!("{}{e}", line_of("name")))?;
        }
        let address = match &s.address {
            Some(a) => check_address(a)
                .map_err(|e| anyhow!("{}[sender] {e}", line_of("address")))?
                .lines()
                .map(String::from)
                .collect(),
            None => Vec::new(),
        };
        let mut numbers = [None, None];
        for (slot, (key, value)) in numbers
            .iter_mut()
            .zip([("org_number", &s.org_number), ("vat_number", &s.vat_number)])
        {
            if let Some(v) = value {
                *slot = Some(check_org_number(key, v).map_err(|e| anyhow!("{}[sender] {e}", line_of(key)))?);
            }
        }
        let [org_number, vat_number] = numbers;
        c.sender = Sender {
            name: s.name.unwrap_or_default(),
            email: s.email,
            reply_to: s.reply_to,
            signature: s.signature.unwrap_or_default().trim_end().to_string(),
            payment_instructions: s.payment_instructions.unwrap_or_default().trim().to_string(),
            address,
            org_number,
            vat_number,
        };

        if let Some(kind) = &s.reference {
            c.reference = ReferenceKind::parse(kind)
                .map_err(|e| anyhow!("{}[sender] reference = {e}", line_of("reference")))?;
        }

        let d = file.defaults;
        if let Some(code) = d.currency {
            c.currency = Currency::from_code(&code).ok_or_else(|| {
                anyhow!(
                    "{}[defaults] currency = \"{code}\" is not an ISO 4217 code; use one like EUR, SEK, USD",
                    line_of("currency")
                )
            })?;
        }
        if let Some(t) = d.terms_days {
            if t > 3650 {
                bail!(
                    "{}[defaults] terms_days = {t} is too long; give days, like 30",
                    line_of("terms_days")
                );
            }
            c.terms_days = t;
        }
        if let Some(l) = d.language {
            c.language =
                check_language(&l).map_err(|e| anyhow!("{}[defaults] language: {e}", line_of("language")))?;
        }
        if let Some(cc) = d.country {
            c.country =
                Some(check_country(&cc).map_err(|e| anyhow!("{}[defaults] {e}", line_of("country")))?);
        }

        if let Some(s) = file.smtp {
            let security = security("smtp", s.security.as_deref(), Security::StartTls, &line_of)?;
            if s.host.trim().is_empty() {
                bail!(
                    "{}[smtp] host is empty; give the server's name, like smtp.example.org",
                    line_of("host")
                );
            }
            one_password("smtp", &s.password, &s.password_command, &line_of)?;
            c.smtp = Some(Smtp {
                host: s.host.trim().to_string(),
                port: s.port,
                security,
                username: s.username,
                password_command: s.password_command,
                password: s.password,
                timeout_secs: s.timeout_secs.unwrap_or(30).clamp(1, 600),
                allow_insecure: s.allow_insecure.unwrap_or(false),
            });
        }

        c.inbox = match (file.imap, file.maildir) {
            (Some(_), Some(_)) => bail!(
                "{}the config has both [imap] and [maildir]; keep the one where your replies arrive",
                line_in(text, "maildir", "[maildir]")
            ),
            (Some(i), None) => Some(Inbox::Imap(imap_section(i, &|key| line_in(text, "imap", key))?)),
            (None, Some(m)) => {
                Some(Inbox::Maildir(maildir_path(&m.path).map_err(|e| {
                    anyhow!("{}[maildir] path {e}", line_in(text, "maildir", "path"))
                })?))
            }
            (None, None) => None,
        };

        let sch = file.schedule;
        if let Some(days) = sch.send_days {
            let names = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
            let mut set = [false; 7];
            for day in &days {
                let i = names.iter().position(|n| *n == day.trim().to_ascii_lowercase()).ok_or_else(|| {
                    anyhow!(
                        "{}[schedule] send_days: \"{day}\" is not a day; use mon, tue, wed, thu, fri, sat, sun",
                        line_of("send_days")
                    )
                })?;
                set[i] = true;
            }
            if !set.contains(&true) {
                bail!(
                    "{}[schedule] send_days is empty; name at least one day, like [\"mon\"]",
                    line_of("send_days")
                );
            }
            c.schedule.send_days = set;
        }
        if let Some(g) = sch.min_gap_days {
            if g > 365 {
                bail!(
                    "{}[schedule] min_gap_days = {g} is too long; give days, like 7",
                    line_of("min_gap_days")
                );
            }
            c.schedule.min_gap_days = g;
        }

        let f = file.fees;
        if f.statutory == Some(true) {
            for (key, set) in [
                ("flat_fee", f.flat_fee.is_some()),
                ("interest_percent", f.interest_percent.is_some()),
            ] {
                if set {
                    bail!(
                        "{}[fees] has both statutory = true and {key}: statutory charges what the client's law allows, {key} what a contract says; keep one",
                        line_of(key)
                    );
                }
            }
        }
        c.fees.statutory = f.statutory.unwrap_or(false);
        match f.flat_fee {
            None => {}
            Some(FlatFeeFile::One(fee)) => {
                // Valid for every currency with two decimals (extra zeros allowed);
                // each invoice's currency is checked again when the fee applies.
                let eur = Currency::from_code("EUR").expect("EUR is in the table");
                if parse_amount_lenient(&fee, eur).is_err() {
                    bail!(
                        "{}[fees] flat_fee = \"{fee}\" is not an amount with at most two decimals; write it like \"40.00\"",
                        line_of("flat_fee")
                    );
                }
                c.fees.flat_fee = Some(FlatFee::Every(fee.trim().to_string()));
            }
            Some(FlatFeeFile::Table(table)) => {
                let mut fees = BTreeMap::new();
                for (code, fee) in table {
                    let cur = Currency::from_code(&code).ok_or_else(|| {
                        anyhow!(
                            "{}[fees.flat_fee] {code} is not an ISO 4217 currency code; use one like EUR = \"40.00\"",
                            line_of(&code)
                        )
                    })?;
                    if parse_amount_lenient(&fee, cur).is_err() {
                        bail!(
                            "{}[fees.flat_fee] {code} = \"{fee}\" is not an amount in {code}; write it like \"40.00\"",
                            line_of(&code)
                        );
                    }
                    fees.insert(cur.code().to_string(), fee.trim().to_string());
                }
                c.fees.flat_fee = Some(FlatFee::PerCurrency(fees));
            }
        }
        if let Some(p) = f.interest_percent {
            c.fees.interest_ppm =
                Some(interest_ppm(p).map_err(|e| anyhow!("{}{e}", line_of("interest_percent")))?);
        }
        let mut eur_rates = BTreeMap::new();
        for (code, rate) in f.eur_rates {
            let cur = Currency::from_code(&code).ok_or_else(|| {
                anyhow!(
                    "{}[fees.eur_rates] {code} is not an ISO 4217 currency code; give the value of one euro, like RON = 4.97",
                    line_of(&code)
                )
            })?;
            if !rate.is_finite() || rate <= 0.0 || rate > 1e9 {
                bail!(
                    "{}[fees.eur_rates] {code} = {rate} is not an exchange rate; give the value of one euro in {code}, like 4.97",
                    line_of(&code)
                );
            }
            eur_rates.insert(cur.code().to_string(), (rate * 1_000_000.0).round() as i64);
        }
        let date_value = |table: &str, n: usize, key: &str, v: &toml::Value| -> Result<NaiveDate> {
            let text = match v {
                toml::Value::String(s) => s.clone(),
                toml::Value::Datetime(d) => d.to_string(),
                other => other.to_string(),
            };
            parse_iso(text.trim()).ok_or_else(|| {
                anyhow!(
                    "{}[[fees.{table}]] {n}: {key} = {v} is not a date; write it like \"2027-01-01\" (YYYY-MM-DD)",
                    line_with(text.trim())
                )
            })
        };
        let mut rates = Vec::new();
        for (i, r) in f.reference_rate.into_iter().enumerate() {
            let n = i + 1;
            let country = rate_country(&r.country)
                .map_err(|e| anyhow!("{}[[fees.reference_rate]] {n}: {e}", line_with(&r.country)))?;
            let from = date_value("reference_rate", n, "from", &r.from)?;
            let until = r
                .until
                .as_ref()
                .map(|u| date_value("reference_rate", n, "until", u))
                .transpose()?;
            if !r.percent.is_finite() || !(0.0..=100.0).contains(&r.percent) {
                bail!(
                    "{}[[fees.reference_rate]] {n}: percent = {} is not a rate; give the reference rate in percent, like 2.5",
                    line_of("percent"),
                    r.percent
                );
            }
            rates.push(RateRow {
                country,
                from,
                until,
                ppm: (r.percent * 10_000.0).round() as i64,
                source: "your config file".into(),
                from_config: true,
            });
        }
        let mut fixed = Vec::new();
        for (i, r) in f.fixed_sum.into_iter().enumerate() {
            let n = i + 1;
            let country = rate_country(&r.country)
                .map_err(|e| anyhow!("{}[[fees.fixed_sum]] {n}: {e}", line_with(&r.country)))?;
            let from = date_value("fixed_sum", n, "from", &r.from)?;
            let until = match &r.until {
                Some(u) => date_value("fixed_sum", n, "until", u)?,
                None => crate::domain::law::default_until("TR", from),
            };
            let currency = Currency::from_code(&r.currency).ok_or_else(|| {
                anyhow!(
                    "{}[[fees.fixed_sum]] {n}: currency = \"{}\" is not an ISO 4217 code",
                    line_with(&r.currency),
                    r.currency
                )
            })?;
            let amount = crate::domain::money::parse_amount(&r.amount, currency)
                .map_err(|e| anyhow!("{}[[fees.fixed_sum]] {n}: amount: {e}", line_with(&r.amount)))?;
            fixed.push(FixedRow {
                country,
                from: Some(from),
                until: Some(until),
                debt_from: None,
                debt_below: None,
                amount,
                currency,
                source: "your config file".into(),
                from_config: true,
            });
        }
        c.fees.law = Law::new(rates, fixed, eur_rates).map_err(|e| anyhow!("{e}"))?;

        let mut pay = BTreeMap::new();
        for (code, text) in file.payment_instructions {
            let cur = Currency::from_code(&code).ok_or_else(|| {
                anyhow!(
                    "{}[payment_instructions] {code} is not an ISO 4217 currency code; write one key per currency, like SEK = \"Bankgiro 123-4567\"",
                    line_of(&code)
                )
            })?;
            pay.insert(cur.code().to_string(), text.trim().to_string());
        }
        c.payment_instructions = pay;

        if let Some(p) = file.letters.paper {
            c.paper = Paper::parse(&p).map_err(|e| anyhow!("{}[letters] {e}", line_of("paper")))?;
        }

        if let Some(g) = file.plans.grace_days {
            if g > 60 {
                bail!(
                    "{}[plans] grace_days = {g} is too long; give days from 0 to 60, like 3",
                    line_of("grace_days")
                );
            }
            c.plan_grace_days = g;
        }

        if !file.ladder.is_empty() {
            let mut steps = Vec::new();
            for (i, s) in file.ladder.into_iter().enumerate() {
                let action = StepAction::parse(&s.action).map_err(|e| {
                    anyhow!(
                        "{}[[ladder]] step {} \"{}\": {e}",
                        ladder_line(text, i, Some("action")),
                        i + 1,
                        s.name
                    )
                })?;
                steps.push(Step {
                    name: s.name.trim().to_string(),
                    day: s.day,
                    action,
                    // A letter step prints the demand letter unless it names another.
                    template: s
                        .template
                        .or_else(|| (action == StepAction::Letter).then(|| "demand".to_string())),
                    repeat: s.repeat,
                });
            }
            c.ladder = Ladder::new(steps).map_err(|e| {
                let line = ladder_error_place(&e)
                    .map(|(i, key)| ladder_line(text, i, key))
                    .unwrap_or_default();
                anyhow!("{line}[[ladder]]: {e}")
            })?;
            c.custom_ladder = true;
        }
        if let Some(m) = file.bank.csv {
            c.bank_csv = Some(csv_mapping(m, &line_of)?);
        }
        Ok(c)
    }
}

fn csv_mapping(m: CsvFile, line_of: &dyn Fn(&str) -> String) -> Result<CsvMapping> {
    let column = |key: &str, value: Option<String>, example: &str| -> Result<String> {
        match value.map(|v| v.trim().to_string()) {
            Some(v) if !v.is_empty() => Ok(v),
            Some(_) => bail!(
                "{}[bank.csv] {key} is empty; give the column's name as in the header row, like \"{example}\"",
                line_of(key)
            ),
            None => bail!(
                "[bank.csv] needs {key}: the name of the column with the {}, like {key} = \"{example}\"",
                match key {
                    "date" => "booking date",
                    "amount" => "amount",
                    _ => "payment's text or reference",
                }
            ),
        }
    };
    let optional = |key: &str, value: Option<String>| -> Result<Option<String>> {
        match value.map(|v| v.trim().to_string()) {
            Some(v) if v.is_empty() => bail!(
                "{}[bank.csv] {key} is empty; give the column's name, or leave the key out",
                line_of(key)
            ),
            v => Ok(v),
        }
    };
    let date_format = m.date_format.unwrap_or_else(|| "%Y-%m-%d".into());
    {
        use chrono::format::{Item, StrftimeItems};
        let items: Vec<Item> = StrftimeItems::new(&date_format).collect();
        let sample = chrono::NaiveDate::from_ymd_opt(2026, 11, 28).expect("a real date");
        let ok = !items.iter().any(|i| matches!(i, Item::Error))
            && chrono::NaiveDate::parse_from_str(&sample.format(&date_format).to_string(), &date_format)
                .is_ok_and(|d| d == sample);
        if !ok {
            bail!(
                "{}[bank.csv] date_format = \"{date_format}\" does not read a whole date; use one like \"%Y-%m-%d\", \"%d.%m.%Y\" or \"%d/%m/%Y\"",
                line_of("date_format")
            );
        }
    }
    let decimal = match m.decimal.as_deref().map(str::trim) {
        None | Some(".") => '.',
        Some(",") => ',',
        Some(other) => bail!(
            "{}[bank.csv] decimal = \"{other}\" is not a decimal separator; use \".\" or \",\"",
            line_of("decimal")
        ),
    };
    let delimiter = match m.delimiter.as_deref() {
        None => b',',
        Some("\t") | Some("tab") => b'\t',
        Some(d) if d.len() == 1 && d.is_ascii() && !d.contains(['"', '\n', '\r']) => d.as_bytes()[0],
        Some(other) => bail!(
            "{}[bank.csv] delimiter = \"{}\" is not one character; use \",\", \";\" or \"tab\"",
            line_of("delimiter"),
            other.escape_default()
        ),
    };
    if decimal == char::from(delimiter) {
        bail!(
            "{}[bank.csv] delimiter and decimal are both \"{decimal}\"; a bank that writes 1200,50 separates its columns with \";\"",
            line_of("delimiter")
        );
    }
    Ok(CsvMapping {
        date: column("date", m.date, "Bokföringsdag")?,
        amount: column("amount", m.amount, "Belopp")?,
        text: column("text", m.text, "Referens")?,
        payer: optional("payer", m.payer)?,
        currency: optional("currency", m.currency)?,
        id: optional("id", m.id)?,
        date_format,
        decimal,
        delimiter,
    })
}

/// A reference-rate row's country: an ISO 3166-1 code, or EU for the ECB rate.
fn rate_country(value: &str) -> Result<String, String> {
    let v = value.trim().to_ascii_uppercase();
    if v == "EU" {
        return Ok(v);
    }
    check_country(value).map_err(|e| format!("{e} (or EU for the ECB rate)"))
}

/// `line N: ` for the first line of `[section]` that starts with `key`
/// (the section's own line for `key = "[section]"`), or nothing.
fn line_in(text: &str, section: &str, key: &str) -> String {
    let header = format!("[{section}]");
    let mut inside = false;
    for (i, line) in text.lines().enumerate() {
        let l = line.trim_start();
        if l.starts_with('[') {
            inside = l.starts_with(&header);
            if inside && key == header {
                return format!("line {}: ", i + 1);
            }
        } else if inside && l.starts_with(key) {
            return format!("line {}: ", i + 1);
        }
    }
    String::new()
}

/// `[section] security` (smtp, imap), `default` when it is left out; the
/// error lists the choices with the default first.
fn security(
    section: &str,
    value: Option<&str>,
    default: Security,
    line_of: &dyn Fn(&str) -> String,
) -> Result<Security> {
    let choices = match default {
        Security::Tls => "tls, starttls or none",
        _ => "starttls, tls or none",
    };
    Ok(match value {
        None => default,
        Some("starttls") => Security::StartTls,
        Some("tls") => Security::Tls,
        Some("none") => Security::None,
        Some(other) => bail!(
            "{}[{section}] security = \"{other}\" is not known; use {choices}",
            line_of("security")
        ),
    })
}

/// A `[section]` (smtp, imap) gives its password one way at most.
fn one_password(
    section: &str,
    password: &Option<String>,
    command: &Option<String>,
    line_of: &dyn Fn(&str) -> String,
) -> Result<()> {
    if password.is_some() && command.is_some() {
        bail!(
            "{}[{section}] has both password and password_command; keep one",
            line_of("password")
        );
    }
    Ok(())
}

/// Validates `[imap]`; errors name the key and its line.
fn imap_section(i: ImapFile, line_of: &dyn Fn(&str) -> String) -> Result<Imap> {
    let security = security("imap", i.security.as_deref(), Security::Tls, line_of)?;
    let host = i.host.trim();
    if host.is_empty() || host.chars().any(|c| c.is_whitespace() || c.is_control()) {
        bail!(
            "{}[imap] host = \"{}\" is not a server name; give one like imap.example.org",
            line_of("host"),
            i.host.escape_debug()
        );
    }
    if i.port == Some(0) {
        bail!(
            "{}[imap] port = 0 is not a port; leave it out for the usual one (993 for tls, 143 otherwise)",
            line_of("port")
        );
    }
    let username = match i.username.as_deref().map(str::trim) {
        Some(u) if !u.is_empty() && !u.chars().any(char::is_control) => u.to_string(),
        _ => bail!(
            "{}[imap] username is missing or empty; give the login, like username = \"fia@example.org\"",
            line_of(if i.username.is_some() {
                "username"
            } else {
                "[imap]"
            })
        ),
    };
    one_password("imap", &i.password, &i.password_command, line_of)?;
    let mailboxes = i.mailboxes.unwrap_or_else(|| vec!["INBOX".to_string()]);
    if mailboxes.is_empty() {
        bail!(
            "{}[imap] mailboxes is empty; name at least one folder, like [\"INBOX\"]",
            line_of("mailboxes")
        );
    }
    for m in &mailboxes {
        if !m.is_ascii() {
            bail!(
                "{}[imap] mailboxes: \"{m}\" has letters outside ASCII; give the name as the server lists it in IMAP's modified UTF-7 (\"Räkningar\" is \"R&AOQ-kningar\")",
                line_of("mailboxes")
            );
        }
        if m.trim().is_empty() || m.chars().any(char::is_control) || m.contains('"') || m.contains('\\') {
            bail!(
                "{}[imap] mailboxes: \"{}\" is not a folder name dun can open; give names like \"INBOX\" or \"INBOX/Clients\"",
                line_of("mailboxes"),
                m.escape_debug()
            );
        }
    }
    let timeout_secs = match i.timeout_secs {
        None => 30,
        Some(t @ 1..=600) => t,
        Some(t) => bail!(
            "{}[imap] timeout_secs = {t} is out of range; give seconds from 1 to 600, like 30",
            line_of("timeout_secs")
        ),
    };
    Ok(Imap {
        host: host.to_string(),
        port: i.port,
        security,
        username,
        password_command: i.password_command,
        password: i.password,
        mailboxes,
        timeout_secs,
        allow_insecure: i.allow_insecure.unwrap_or(false),
    })
}

/// `[maildir] path`, with `~/` expanded; it must name a Maildir (checked
/// when it is read, not here: a config is valid on a machine without it).
fn maildir_path(text: &str) -> Result<std::path::PathBuf, String> {
    let t = text.trim();
    if t.is_empty() {
        return Err("is empty; give the folder that holds new/ and cur/, like \"~/Mail/INBOX\"".into());
    }
    if let Some(rest) = t.strip_prefix("~/") {
        let home = std::env::var_os("HOME")
            .filter(|h| !h.is_empty())
            .ok_or("starts with ~/ but HOME is not set; give the full path")?;
        return Ok(std::path::PathBuf::from(home).join(rest));
    }
    Ok(std::path::PathBuf::from(t))
}

/// What a key of the wrong type must be, in words and with an example,
/// instead of serde's type names (`u16`, `f64`, `a string`).
fn type_advice(key: &str, expected: &str) -> String {
    let example = match key {
        "port" => Some("587"),
        "terms_days" => Some("30"),
        "min_gap_days" | "repeat" => Some("7"),
        "day" => Some("14"),
        "timeout_secs" => Some("30"),
        "interest_percent" => Some("8.0"),
        "flat_fee" => Some("\"40.00\""),
        "currency" => Some("\"SEK\""),
        "language" => Some("\"en\""),
        "country" => Some("\"SE\""),
        "security" => Some("\"starttls\""),
        "host" => Some("\"smtp.example.org\""),
        "username" | "email" | "reply_to" => Some("\"you@example.org\""),
        "action" => Some("\"email\""),
        "send_days" => Some("[\"mon\", \"tue\", \"wed\", \"thu\", \"fri\"]"),
        "allow_insecure" => Some("false"),
        _ => None,
    };
    let like = |what: &str| match example {
        Some(e) => format!("{key} must be {what}, like {e}"),
        None => format!("{key} must be {what}"),
    };
    match expected {
        "u8" => like("a whole number from 0 to 255"),
        "u16" => like("a whole number from 0 to 65535"),
        "u32" | "u64" | "usize" => like("a whole number of 0 or more"),
        "i8" | "i16" | "i32" | "i64" | "isize" => like("a whole number"),
        "f32" | "f64" => like("a number"),
        "a string" | "a borrowed string" | "a character" => match example {
            Some(e) => format!("{key} must be in quotes, like {e}"),
            None => format!("{key} must be text in quotes"),
        },
        "a boolean" => format!("{key} must be true or false"),
        "a sequence" => like("a list in brackets"),
        "one of its forms" if key == "flat_fee" => format!(
            "{key} must be in quotes, like \"40.00\", or a table per currency, like [fees.flat_fee] EUR = \"40.00\""
        ),
        "one of its forms" => {
            format!("{key} is not written in a form dun reads; see the commented config dun init writes")
        }
        other if other.starts_with("struct") || other.contains("map") => {
            format!("{key} must be a [section] of its own")
        }
        other => format!("{key} must be {other}"),
    }
}

/// The line of `key` in the `index`-th `[[ladder]]` entry of `text` (or of
/// the entry's header when the key is not written), as "line N: ".
fn ladder_line(text: &str, index: usize, key: Option<&str>) -> String {
    let mut entries = 0;
    let mut header = None;
    for (n, line) in text.lines().enumerate() {
        let t = line.trim_start();
        if t.starts_with('[') {
            if header.is_some() {
                break; // the next table: the key is not in this entry
            }
            if t.starts_with("[[ladder]]") {
                entries += 1;
                if entries == index + 1 {
                    header = Some(n);
                }
            }
            continue;
        }
        if header.is_some()
            && let Some(k) = key
            && t.strip_prefix(k)
                .is_some_and(|rest| rest.trim_start().starts_with('='))
        {
            return format!("line {}: ", n + 1);
        }
    }
    header.map(|n| format!("line {}: ", n + 1)).unwrap_or_default()
}

/// The 0-based step and the key a `Ladder::new` error is about, from its
/// words ("ladder step 2 \"call\": day 3 comes before ...").
fn ladder_error_place(message: &str) -> Option<(usize, Option<&'static str>)> {
    let rest = message.strip_prefix("ladder step ")?;
    let n: usize = rest.split(|c: char| !c.is_ascii_digit()).next()?.parse().ok()?;
    let key = if rest.contains("template") {
        Some("template")
    } else if rest.contains("repeat") {
        Some("repeat")
    } else if rest.contains(" day ") {
        Some("day")
    } else if rest.contains("name") {
        Some("name")
    } else {
        None
    };
    Some((n.checked_sub(1)?, key))
}

/// A config holding a password must be readable by its owner only.
fn check_owner_only(path: &Path, what: &str) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path)
            .with_context(|| format!("cannot read config file {}", path.display()))?
            .permissions()
            .mode();
        if mode & 0o077 != 0 {
            bail!(
                "config file {} holds {what} password but others can read it (mode {:o}); run chmod 600 {} or use password_command",
                path.display(),
                mode & 0o777,
                path.display()
            );
        }
    }
    Ok(())
}

/// What `dun init` writes: every key, commented, with its default.
pub const TEMPLATE: &str = r#"# dun's configuration. Every key is optional: delete what you don't need.
# Lines starting with # are comments. Dates are YYYY-MM-DD, amounts "1200.50".

[sender]
# Who the reminders come from, as the client should see it.
# name = "Fia Freelance"
# email = "fia@example.org"
# reply_to = "accounts@example.org"
# signature = """
# Storgatan 1 · 111 22 Stockholm · +46 70 123 45 67
# """                       # printed under your name: no need to repeat it
# payment_instructions = "IBAN SE45 5000 0000 0583 9825 7466, BIC ESSESESS"
# For letters: your postal address (one line per line), company and VAT numbers.
# address = """
# Storgatan 1
# 111 22 Stockholm
# """
# org_number = "559123-4567"
# vat_number = "SE559123456701"
# reference = "rf"   # the payment reference new invoices get: rf (ISO 11649 RF),
#                    # ocr (Swedish OCR number) or none

[defaults]
currency = "EUR"      # for invoices added without --currency (ISO 4217)
terms_days = 30       # due date = issue date + this, for invoices added without --due or --terms
language = "en"       # for clients added without --lang: en, sv, tr, ru, ro
# country = "SE"      # whose law applies to clients added without --country (ISO 3166-1)

# [smtp]
# host = "smtp.example.org"
# port = 587
# security = "starttls"   # starttls | tls | none (none: loopback hosts only, unless allow_insecure)
# username = "fia@example.org"
# password_command = "pass show mail/fia"   # or the env variable DUN_SMTP_PASSWORD,
#                                           # or password = "…" in this file, if only you can read it
# timeout_secs = 30
# allow_insecure = false

# Where replies, out-of-office answers and bounces arrive (one of the two).
# dun only reads: it opens folders read-only and never moves, flags or deletes.
# [imap]
# host = "imap.example.org"
# port = 993
# security = "tls"        # tls | starttls | none (none: loopback hosts only, unless allow_insecure)
# username = "fia@example.org"
# password_command = "pass show mail/fia"   # or the env variable DUN_IMAP_PASSWORD,
#                                           # or password = "…" in this file, if only you can read it
# mailboxes = ["INBOX"]
# timeout_secs = 30
# allow_insecure = false
#
# [maildir]               # instead of [imap]: mail kept locally by mbsync, offlineimap, fetchmail…
# path = "~/Mail/INBOX"

[schedule]
send_days = ["mon", "tue", "wed", "thu", "fri"]   # e-mails go out on these days only
min_gap_days = 7      # days between two e-mails on one invoice, and after the client replies

# How to pay, per currency; a currency not here uses [sender] payment_instructions.
# [payment_instructions]
# SEK = "Bankgiro 123-4567"
# EUR = "IBAN SE45 5000 0000 0583 9825 7466, BIC ESSESESS"

[fees]
# Off unless set. Shown in reminders, the overdue report and the demand letter;
# never added to the invoice amount. Either what your contract says:
# flat_fee = "40.00"        # once, when overdue, in the invoice's currency
#                           # (or a table: [fees.flat_fee] EUR = "40.00" SEK = "450.00")
# interest_percent = 8.0    # per year, simple, on the unpaid balance
# or what the client's law allows a business creditor (docs/law.md; not both):
# statutory = true
# [fees.eur_rates]          # the value of one euro, to convert the law's fixed sums
# SEK = 11.25
# [[fees.reference_rate]]   # a reference rate dun's table lacks (dun rates shows it)
# country = "SE"
# from = "2027-01-01"
# percent = 2.5

# How to read your bank's CSV export, for dun bank (camt and OFX files need
# nothing here). Column names as in the export's header row.
# [bank.csv]
# date = "Bokföringsdag"
# amount = "Belopp"
# text = "Referens"             # the payment's text or reference
# payer = "Avsändare"           # optional
# currency = "Valuta"           # optional; otherwise [defaults] currency
# id = "Verifikationsnummer"    # optional; a column that identifies the entry
# date_format = "%Y-%m-%d"      # like "%d.%m.%Y" or "%d/%m/%Y"
# decimal = ","                 # "." or ","
# delimiter = ";"               # "," ";" or "tab"

# The escalation ladder. Any [[ladder]] entry replaces the whole default,
# which is the four steps below (uncomment all four to edit them).
# action: email | escalate | call | letter | suspend; day: days after the due date.
#
# [[ladder]]
# name = "reminder"
# day = 0
# action = "email"
# template = "reminder"
#
# [[ladder]]
# name = "follow-up"
# day = 7
# action = "email"
# template = "follow-up"
# repeat = 7
#
# [[ladder]]
# name = "call"
# day = 14
# action = "call"
# repeat = 7
#
# [[ladder]]
# name = "demand"
# day = 30
# action = "letter"
# template = "demand"     # letter steps: demand (default) or reminder-letter

# [letters]
# paper = "a4"            # a4 | letter (US Letter): the sheet dun letter --pdf prints on

# [plans]
# grace_days = 3          # an instalment paid this many days after its date still counts as kept
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_init_template_parses_to_the_defaults() {
        let c = Config::parse(TEMPLATE).unwrap();
        assert_eq!(c.ladder, Ladder::default_ladder());
        assert_eq!(c.schedule, Schedule::default());
        assert_eq!(c.terms_days, 30);
        assert!(!c.custom_ladder);
    }

    #[test]
    fn the_commented_ladder_in_the_template_is_the_default() {
        let uncommented: String = TEMPLATE
            .lines()
            .skip_while(|l| !l.starts_with("# [[ladder]]"))
            .map(|l| l.strip_prefix("# ").or_else(|| l.strip_prefix('#')).unwrap_or(l))
            .collect::<Vec<_>>()
            .join("\n");
        let c = Config::parse(&uncommented).unwrap();
        assert_eq!(c.ladder, Ladder::default_ladder());
        assert!(c.custom_ladder);
    }

    #[test]
    fn the_commented_bank_csv_in_the_template_parses() {
        let block: String = TEMPLATE
            .lines()
            .skip_while(|l| !l.starts_with("# [bank.csv]"))
            .take_while(|l| l.starts_with('#') && !l.starts_with("# The escalation"))
            .map(|l| l.strip_prefix("# ").unwrap_or(l))
            .filter(|l| !l.starts_with('#'))
            .collect::<Vec<_>>()
            .join("\n");
        let c = Config::parse(&format!("{block}\n")).unwrap();
        let m = c.bank_csv.unwrap();
        assert_eq!(m.date, "Bokföringsdag");
        assert_eq!(m.payer.as_deref(), Some("Avsändare"));
        assert_eq!((m.decimal, m.delimiter), (',', b';'));
        assert_eq!(c.reference, ReferenceKind::Rf);
        let c = Config::parse("[sender]\nreference = \"OCR\"\n[bank.csv]\ndate = \"D\"\namount = \"A\"\ntext = \"T\"\ndelimiter = \"tab\"\n").unwrap();
        assert_eq!(c.reference, ReferenceKind::Ocr);
        let m = c.bank_csv.unwrap();
        assert_eq!(
            (m.decimal, m.delimiter, m.date_format.as_str()),
            ('.', b'\t', "%Y-%m-%d")
        );
    }

    #[test]
    fn unknown_keys_are_named_with_their_line() {
        let e = Config::parse("[defaults]\ncurrency = \"SEK\"\ncolour = \"red\"\n").unwrap_err();
        let e = e.to_string();
        assert!(e.contains("colour") && e.contains("line 3"), "{e}");
        let e = Config::parse("[sched]\n").unwrap_err().to_string();
        assert!(e.contains("sched"), "{e}");
    }

    #[test]
    fn an_imap_section_takes_its_defaults_and_errors_name_its_own_lines() {
        let c = Config::parse("[imap]\nhost = \"imap.example.org\"\nusername = \"fia\"\n").unwrap();
        let Some(Inbox::Imap(i)) = c.inbox else {
            panic!("no [imap]")
        };
        assert_eq!(
            (i.security, i.port, i.mailboxes, i.timeout_secs, i.allow_insecure),
            (Security::Tls, None, vec!["INBOX".to_string()], 30, false)
        );
        // The line of [imap]'s own key, not [smtp]'s.
        let e = Config::parse("[smtp]\nhost = \"x\"\nsecurity = \"tls\"\n[imap]\nhost = \"y\"\nusername = \"u\"\nsecurity = \"ssl\"\n")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("line 7: [imap] security"), "{e}");
        let c = Config::parse("[maildir]\npath = \"/var/mail/fia\"\n").unwrap();
        assert!(matches!(c.inbox, Some(Inbox::Maildir(p)) if p == std::path::Path::new("/var/mail/fia")));
    }

    #[test]
    fn a_wrongly_typed_password_is_not_echoed() {
        let e = Config::parse("[smtp]\nhost = \"x\"\npassword = 31415926\n")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("line 3") && e.contains("password") && !e.contains("31415926"),
            "{e}"
        );
    }

    #[test]
    fn wrong_types_are_said_in_words_with_an_example() {
        for (text, said) in [
            (
                "[smtp]\nhost = \"x\"\nport = \"28525\"",
                "line 3: port must be a whole number from 0 to 65535, like 587",
            ),
            (
                "[smtp]\nhost = \"x\"\nport = 70000",
                "line 3: port must be a whole number from 0 to 65535, like 587",
            ),
            (
                "[fees]\ninterest_percent = \"8%\"",
                "line 2: interest_percent must be a number, like 8.0",
            ),
            (
                "[fees]\nflat_fee = 60",
                "line 2: flat_fee must be in quotes, like \"40.00\"",
            ),
            (
                "[schedule]\nsend_days = \"mon\"",
                "line 2: send_days must be a list in brackets, like [\"mon\"",
            ),
            (
                "[smtp]\nhost = \"x\"\nallow_insecure = \"yes\"",
                "line 3: allow_insecure must be true or false",
            ),
        ] {
            let e = Config::parse(text).unwrap_err().to_string();
            assert!(e.starts_with(said), "{text}:\n  {e}");
            for rust in ["u16", "f64", "a string", "wrong type"] {
                assert!(!e.contains(rust), "{text}: {e}");
            }
        }
    }

    #[test]
    fn a_bad_ladder_step_names_its_line() {
        let text = "[defaults]\ncurrency = \"SEK\"\n\n[[ladder]]\nname = \"reminder\"\nday = 0\naction = \"email\"\ntemplate = \"reminder\"\n\n[[ladder]]\n# the phone\nname = \"x\"\nday = 7\naction = \"fax\"\n";
        let e = Config::parse(text).unwrap_err().to_string();
        assert!(
            e.starts_with("line 14: [[ladder]] step 2 \"x\": action \"fax\""),
            "{e}"
        );
        let text = "[[ladder]]\nname = \"a\"\nday = 5\naction = \"call\"\n[[ladder]]\nname = \"b\"\nday = 2\naction = \"call\"\n";
        let e = Config::parse(text).unwrap_err().to_string();
        assert!(
            e.starts_with("line 7: [[ladder]]: ladder step 2 \"b\": day 2"),
            "{e}"
        );
        let text = "[[ladder]]\nname = \"a\"\nday = 5\naction = \"email\"\n";
        let e = Config::parse(text).unwrap_err().to_string();
        assert!(e.starts_with("line 1: [[ladder]]: ladder step 1 \"a\""), "{e}");
        assert!(e.contains("needs a template"), "{e}");
    }

    #[test]
    fn bad_values_name_the_key() {
        for (text, key) in [
            ("[defaults]\ncurrency = \"XXX\"", "currency"),
            ("[defaults]\nlanguage = \"de\"", "language"),
            ("[schedule]\nsend_days = [\"mon\", \"fun\"]", "fun"),
            ("[fees]\ninterest_percent = -3.0", "interest_percent"),
            ("[fees]\nflat_fee = \"forty\"", "flat_fee"),
            ("[fees]\nflat_fee = \"40.001\"", "flat_fee"),
            ("[fees]\nflat_fee = \"40.0€\"", "flat_fee"),
            ("[[ladder]]\nname = \"a\"\nday = 0\naction = \"fax\"", "fax"),
            (
                "[[ladder]]\nname = \"a\"\nday = 0\naction = \"email\"",
                "template",
            ),
            ("[smtp]\nhost = \"x\"\nsecurity = \"ssl\"", "security"),
            ("[plans]\ngrace_days = 61", "grace_days"),
            ("[plans]\ngrace_days = -1", "grace_days"),
        ] {
            let e = Config::parse(text).unwrap_err().to_string();
            assert!(e.contains(key), "{text}: {e}");
        }
    }
}
