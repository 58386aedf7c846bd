//! Builds the variables a template sees from the stored facts, formatting
//! money and dates for the client's language. Amounts are computed exactly
//! as `dun overdue` computes them (domain::fees, domain::law); the story
//! (`history`, `next`) comes from the contact log and from the ladder
//! (domain::story), read by the command and passed in.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use anyhow::{Result, anyhow};
use chrono::NaiveDate;

use super::templates::{
    ClientVars, FeesVars, InvoiceVars, LawVars, MessageVars, NextVars, PaymentDetailsVars, PaymentVars,
    PeriodVars, RecipientVars, ReminderVars, SenderVars,
};
use crate::config::Config;
use crate::domain::contact::{Channel, Delivery, Outcome, StepAction};
use crate::domain::dates::{add_days, days_between, format_long as date_h};
use crate::domain::fees::{Basis, Charges, Party};
use crate::domain::law::{Debt, RuleSet, charge_names, letter_names, percent_text, rules_for};
use crate::domain::money::{Currency, format_message as money_h, home_currency};
use crate::domain::text::mailbox_parts;
use crate::store::{ClientRow, InvoiceRow, LogRow, PaymentRow};

/// One invoice with its payments and its contact log, as read inside the
/// sending transaction.
pub struct InvoiceFacts {
    pub invoice: InvoiceRow,
    pub payments: Vec<PaymentRow>,
    /// The invoice's contact log, in the order it was written.
    pub log: Vec<LogRow>,
    /// The invoice's current payment plan, if it has one.
    pub plan: Option<super::plan_vars::PlanFacts>,
}

/// Whom a message speaks to.
#[derive(Debug, Clone, Copy, Default)]
pub struct Recipient<'a> {
    /// The client's name, or the escalation contact's.
    pub name: &'a str,
    pub role: Option<&'a str>,
    /// A person to greet by name, when dun knows one.
    pub person: Option<&'a str>,
    /// An escalation contact: a third party, not the client itself.
    pub contact: bool,
}

/// What the ladder will do after the message (domain::story).
#[derive(Debug, Clone, Copy, Default)]
pub struct Road {
    /// The next new step and its day.
    pub next: Option<(usize, NaiveDate)>,
    /// E-mails the ladder sends before it.
    pub emails_before: u32,
    /// The client has an escalation contact with an e-mail address.
    pub escalation_contact: bool,
}

/// What a message is about and to whom it speaks.
pub struct VarsInput<'a> {
    pub config: &'a Config,
    pub today: NaiveDate,
    pub client: &'a ClientRow,
    pub recipient: Recipient<'a>,
    pub step: &'a str,
    /// The template being rendered (for `nth`).
    pub template: &'a str,
    pub invoices: &'a [InvoiceFacts],
    pub road: Road,
    pub deadline_days: i64,
}

/// The law's view of the client: its country (or `[defaults] country`) and
/// whether it is a consumer.
pub fn party<'a>(config: &'a Config, client: &'a ClientRow) -> Party<'a> {
    Party {
        country: client.party.country.as_deref().or(config.country.as_deref()),
        consumer: client.party.consumer,
    }
}

/// An individual or sole trader, as the law of the message sees the client:
/// a consumer, or in the UK a client with no company number.
pub(crate) fn individual(rules: &RuleSet, client: &ClientRow) -> bool {
    client.party.consumer || (rules.key == "GB" && client.party.org_number.is_none())
}

/// A figure dun cannot compute exactly for one invoice (a missing reference
/// rate, a missing exchange rate, an overflow): that invoice is left out and
/// the others go on (SPEC.md §4, Output and exit codes).
#[derive(Debug, thiserror::Error)]
#[error("invoice {invoice}: {message}")]
pub struct FigureError {
    pub invoice: String,
    pub message: String,
}

/// The charges on an invoice for `today`, contractual or statutory.
pub fn charges(
    config: &Config,
    client: &ClientRow,
    inv: &InvoiceRow,
    payments: &[PaymentRow],
    today: NaiveDate,
) -> Result<Charges> {
    let cur =
        Currency::from_code(&inv.currency).ok_or_else(|| anyhow!("unknown currency {}", inv.currency))?;
    let pays: Vec<(NaiveDate, i64)> = payments.iter().map(|p| (p.paid_on, p.amount)).collect();
    let debt = Debt {
        currency: cur,
        amount: inv.amount - inv.write_down,
        due: inv.due,
        payments: &pays,
    };
    config
        .fees
        .charges_for(party(config, client), &debt, today)
        .map_err(|message| {
            FigureError {
                invoice: inv.number.clone(),
                message,
            }
            .into()
        })
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Words {
    email_before: String,
    email_due: String,
    email_after: String,
    email_contact: String,
    email: String,
    call: String,
    call_no_answer: String,
    call_voicemail: String,
    call_talked: String,
    letter: String,
    letter_demand: String,
    letter_reminder: String,
    sms: String,
    visit: String,
    in_email: String,
    in_call: String,
    in_letter: String,
    in_other: String,
    promised: String,
    disputed: String,
    refused: String,
}

fn words(lang: &str) -> &'static Words {
    static WORDS: OnceLock<BTreeMap<String, Words>> = OnceLock::new();
    let all = WORDS.get_or_init(|| {
        toml::from_str(include_str!("words.toml")).expect("words.toml is checked by the tests")
    });
    all.get(lang).unwrap_or(&all["en"])
}

/// What one contact was, named for what it was.
fn what(config: &Config, lang: &str, l: &LogRow, due: NaiveDate, to_contact: bool) -> String {
    let w = words(lang);
    let step = l.step.as_deref().and_then(|s| config.ladder.index_of(s));
    let action = step.map(|i| config.ladder.steps()[i].action);
    let base = match (l.inbound, l.channel, l.outcome) {
        (true, Channel::Email, _) => &w.in_email,
        (true, Channel::Call, _) => &w.in_call,
        (true, Channel::Letter, _) => &w.in_letter,
        (true, _, _) => &w.in_other,
        (false, Channel::Email, _) if to_contact => &w.email_contact,
        (false, Channel::Email, _) if step.is_some() => match l.on.cmp(&due) {
            std::cmp::Ordering::Less => &w.email_before,
            std::cmp::Ordering::Equal => &w.email_due,
            std::cmp::Ordering::Greater => &w.email_after,
        },
        (false, Channel::Email, _) => &w.email,
        (false, Channel::Call, Some(Outcome::NoAnswer)) => &w.call_no_answer,
        (false, Channel::Call, Some(Outcome::Voicemail)) => &w.call_voicemail,
        (
            false,
            Channel::Call,
            Some(Outcome::Talked | Outcome::Promised | Outcome::Disputed | Outcome::Refused),
        ) => &w.call_talked,
        (false, Channel::Call, _) => &w.call,
        (false, Channel::Letter, _)
            if action == Some(StepAction::Letter)
                && step
                    .and_then(|i| config.ladder.steps()[i].template.as_deref())
                    .is_none_or(|t| t == "demand") =>
        {
            &w.letter_demand
        }
        (false, Channel::Letter, _) if action == Some(StepAction::Letter) => &w.letter_reminder,
        (false, Channel::Letter, _) => &w.letter,
        (false, Channel::Sms, _) => &w.sms,
        (false, Channel::Visit, _) => &w.visit,
        (false, Channel::Note, _) => &w.in_other,
    };
    match l.outcome {
        Some(Outcome::Promised) => format!("{base}, {}", w.promised),
        Some(Outcome::Disputed) => format!("{base}, {}", w.disputed),
        Some(Outcome::Refused) => format!("{base}, {}", w.refused),
        _ => base.clone(),
    }
}

/// Whether a contact belongs in the story a message tells: what reached the
/// client or came from it. Notes are the user's own, failed and unknown
/// deliveries and bounces reached nobody, and an auto-reply is no answer.
fn tells(l: &LogRow) -> bool {
    l.channel != Channel::Note
        && matches!(l.delivery, None | Some(Delivery::Sent))
        && !matches!(l.outcome, Some(Outcome::Bounced | Outcome::AutoReply))
}

/// Joins the groups of an account number ("SE45 5000 0000 0583") with
/// no-break spaces, so that a wrapped line never splits one: a space between
/// two groups of at most four capitals and digits each.
fn keep_groups(text: &str) -> String {
    let group = |w: &str| {
        !w.is_empty() && w.len() <= 4 && w.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
    };
    let words: Vec<&str> = text.split(' ').collect();
    let mut out = String::new();
    for (i, w) in words.iter().enumerate() {
        if i > 0 {
            let prev = words[i - 1].trim_end_matches(',');
            out.push(
                if group(prev) && group(w.trim_end_matches(',')) && !words[i - 1].ends_with(',') {
                    '\u{a0}'
                } else {
                    ' '
                },
            );
        }
        out.push_str(w);
    }
    out
}

pub fn message_vars(input: &VarsInput) -> Result<MessageVars> {
    let lang = input.client.lang.as_str();
    let cfg = input.config;
    let decimal = if lang == "en" { '.' } else { ',' };
    let law_party = party(cfg, input.client);
    let rules = rules_for(law_party.country);
    let client_addrs: BTreeSet<&str> = input.client.emails.iter().map(|e| mailbox_parts(e).1).collect();
    // An e-mail that went to addresses none of which is the client's went to a contact.
    let went_to_contact = |l: &LogRow| {
        l.recipients
            .as_deref()
            .is_some_and(|r| !r.split(',').map(str::trim).any(|a| client_addrs.contains(a)))
    };
    let template_of = |step: &str| -> Option<String> {
        let s = &cfg.ladder.steps()[cfg.ladder.index_of(step)?];
        s.template
            .clone()
            .or_else(|| (s.action == StepAction::Letter).then(|| "demand".to_string()))
    };

    // Exact: a sum over thousands of invoices at the 10^15 bound passes i64.
    let mut totals: BTreeMap<String, i128> = BTreeMap::new();
    let mut any_charges = false;
    let mut invoices = Vec::new();
    let mut nth = 0usize;
    let mut basis = Basis::None;
    for f in input.invoices {
        let inv = &f.invoice;
        let cur =
            Currency::from_code(&inv.currency).ok_or_else(|| anyhow!("unknown currency {}", inv.currency))?;
        let m = |minor: i64| money_h(minor, cur, lang);
        let c = charges(cfg, input.client, inv, &f.payments, input.today)?;
        let total = i128::from(inv.balance()) + i128::from(c.fee) + i128::from(c.interest);
        *totals.entry(inv.currency.clone()).or_default() += total;
        any_charges |= c.fee > 0 || c.interest > 0;
        if c.basis != Basis::None {
            basis = c.basis.clone();
        }
        let names = match &c.basis {
            Basis::Statute(k) => charge_names(k, lang),
            _ => charge_names("contract", lang),
        };
        let sent: Vec<&LogRow> = f
            .log
            .iter()
            .filter(|l| {
                !l.inbound
                    && l.channel == Channel::Email
                    && l.step.is_some()
                    && l.as_contact().fulfils_step()
                    && l.on <= input.today
            })
            .collect();
        let same_template = sent
            .iter()
            .filter(|l| l.step.as_deref().and_then(template_of).as_deref() == Some(input.template))
            .count();
        nth = nth.max(same_template + 1);
        let single_rate = match c.periods.as_slice() {
            [one] => percent_text(one.ppm, decimal),
            _ => String::new(),
        };
        invoices.push(InvoiceVars {
            number: inv.number.clone(),
            description: inv.description.clone().unwrap_or_default(),
            pay_link: inv.pay_link.clone().unwrap_or_default(),
            reference: inv
                .reference
                .as_deref()
                // Held together with no-break spaces, so that a wrapped line
                // never splits a reference the client must type whole.
                .map(|r| crate::domain::reference::group(r).replace(' ', "\u{a0}"))
                .unwrap_or_default(),
            issued: date_h(inv.issued, lang),
            due: date_h(inv.due, lang),
            days_overdue: days_between(inv.due, input.today),
            currency: inv.currency.clone(),
            amount: m(inv.amount),
            paid: m(inv.paid),
            balance: m(inv.balance()),
            fee: m(c.fee),
            interest: m(c.interest),
            total: money_h(total, cur, lang),
            has_payments: inv.paid > 0,
            has_fee: c.fee > 0,
            has_interest: c.interest > 0,
            fee_name: names.fee.clone(),
            fee_basis: names.fee_basis.clone(),
            fee_law: match c.fee_law {
                Some((amount, law_cur)) if law_cur != cur && c.fee > 0 => money_h(amount, law_cur, lang),
                _ => String::new(),
            },
            interest_name: names.interest.clone(),
            interest_label: names.interest_short.clone(),
            interest_basis: names.interest_basis.clone(),
            interest_rate: single_rate,
            interest_from: date_h(add_days(inv.due, 1), lang),
            interest_to: date_h(input.today, lang),
            interest_days: c.interest_days,
            interest_periods: c
                .periods
                .iter()
                .map(|p| PeriodVars {
                    from: date_h(p.from, lang),
                    to: date_h(p.to, lang),
                    days: p.days,
                    rate: percent_text(p.ppm, decimal),
                    reference: percent_text(p.reference_ppm, decimal),
                    margin: percent_text(p.ppm - p.reference_ppm, decimal),
                    amount: m(p.amount),
                })
                .collect(),
            emails: sent.len(),
            follow_ups: sent.len().saturating_sub(1),
            payments: f
                .payments
                .iter()
                .map(|p| PaymentVars {
                    date: date_h(p.paid_on, lang),
                    amount: m(p.amount),
                    method: p.method.clone().unwrap_or_default(),
                })
                .collect(),
        });
    }
    let first = invoices
        .first()
        .cloned()
        .ok_or_else(|| anyhow!("a message needs at least one invoice"))?;

    // The story: every contact on these invoices, once (a message naming
    // several invoices is logged once per invoice), oldest first.
    let mut seen = BTreeSet::new();
    let mut rows: Vec<(&LogRow, NaiveDate)> = Vec::new();
    for f in input.invoices {
        for l in f.log.iter().filter(|l| tells(l) && l.on <= input.today) {
            let key = match &l.message_id {
                Some(id) => format!("id {id}"),
                None => format!(
                    "{} {} {} {:?} {:?}",
                    l.on,
                    l.channel,
                    l.inbound,
                    l.outcome,
                    l.note.as_deref().unwrap_or("")
                ),
            };
            if seen.insert(key) {
                rows.push((l, f.invoice.due));
            }
        }
    }
    rows.sort_by(|a, b| (a.0.on, &a.0.at, a.0.id).cmp(&(b.0.on, &b.0.at, b.0.id)));
    let history: Vec<ReminderVars> = rows
        .iter()
        .map(|(l, due)| {
            let to_contact = !l.inbound && l.channel == Channel::Email && went_to_contact(l);
            ReminderVars {
                date: date_h(l.on, lang),
                step: l.step.clone().unwrap_or_default(),
                channel: l.channel.as_str().to_string(),
                inbound: l.inbound,
                outcome: l.outcome.map(|o| o.as_str().to_string()).unwrap_or_default(),
                what: what(cfg, lang, l, *due, to_contact),
                to_contact,
                answered: matches!(
                    l.outcome,
                    Some(Outcome::Talked | Outcome::Promised | Outcome::Disputed | Outcome::Refused)
                ),
            }
        })
        .collect();
    let reminders: Vec<ReminderVars> = history
        .iter()
        .filter(|h| !h.inbound && matches!(h.channel.as_str(), "email" | "call" | "letter"))
        .cloned()
        .collect();
    let calls: Vec<ReminderVars> = history
        .iter()
        .filter(|h| !h.inbound && h.channel == "call")
        .cloned()
        .collect();
    let emails_sent: Vec<ReminderVars> = history
        .iter()
        .filter(|h| !h.inbound && h.channel == "email")
        .cloned()
        .collect();

    // What comes next.
    let next = match input.road.next {
        Some((i, on)) => {
            let s = &cfg.ladder.steps()[i];
            NextVars {
                action: s.action.as_str().to_string(),
                step: s.name.clone(),
                template: match s.action {
                    StepAction::Email | StepAction::Escalate => s.template.clone().unwrap_or_default(),
                    StepAction::Letter => s.template.clone().unwrap_or_else(|| "demand".into()),
                    _ => String::new(),
                },
                date: date_h(on, lang),
                days: days_between(input.today, on),
                to_contact: s.action == StepAction::Escalate && input.road.escalation_contact,
            }
        }
        None => NextVars::default(),
    };
    let last_email = input.road.emails_before == 0 && !matches!(next.action.as_str(), "email" | "escalate");
    let gap = add_days(input.today, i64::from(cfg.schedule.min_gap_days.max(1)));
    let pay_by = match input.road.next {
        Some((_, on)) if on > input.today => on,
        _ => gap,
    };

    // How to pay, per currency; the same details for several currencies once.
    let mut payment: Vec<PaymentDetailsVars> = Vec::new();
    let mut unique: Vec<&str> = Vec::new();
    for f in input.invoices {
        let c = f.invoice.currency.as_str();
        if !unique.contains(&c) {
            unique.push(c);
        }
    }
    for code in unique {
        let text = keep_groups(cfg.payment_instructions_for(code).trim());
        let text = text.as_str();
        if text.is_empty() {
            continue;
        }
        match payment.iter_mut().find(|p| p.text == text) {
            Some(p) => {
                p.currencies.push_str(", ");
                p.currencies.push_str(code);
            }
            None => payment.push(PaymentDetailsVars {
                currencies: code.to_string(),
                text: text.to_string(),
            }),
        }
    }

    let individual = individual(rules, input.client);
    let letter = letter_names(&rules.key, lang);
    let statutory = cfg.fees.statutory;
    let law = LawVars {
        country: law_party.country.unwrap_or_default().to_string(),
        rules: rules.key.clone(),
        individual,
        statutory,
        deadline_min: rules.deadline_min(individual),
        deadline_from_receipt: rules.deadline_from == crate::domain::law::DeadlineFrom::Receipt,
        title: letter.title,
        next_step: if individual {
            letter.next_step_individual.unwrap_or(letter.next_step)
        } else {
            letter.next_step
        },
        costs: letter.costs,
        delivery: if individual {
            letter.delivery_individual.unwrap_or(letter.delivery)
        } else {
            letter.delivery
        },
        law_ref: if individual {
            letter.law_ref_individual.unwrap_or(letter.law_ref)
        } else {
            letter.law_ref
        },
        reservation: letter.reservation,
        rate_rule: match (&basis, statutory) {
            (Basis::Statute(k), true) => charge_names(k, lang).rate_rule,
            _ => String::new(),
        },
        note: match (&basis, statutory) {
            (Basis::Statute(k), true) => charge_names(k, lang).note,
            _ => String::new(),
        },
    };

    let home = home_currency(lang);
    let mut total_list: Vec<(&String, &i128)> = totals.iter().collect();
    total_list.sort_by_key(|(code, _)| (code.as_str() != home, code.to_string()));
    let sender = &cfg.sender;
    let client = input.client;
    let person = input
        .recipient
        .person
        .map(str::trim)
        .filter(|p| !p.is_empty())
        // A consumer is a person: greeted by the client's own name when the
        // address gives none ("Anna Lind" rather than "Hej!").
        .or_else(|| {
            let own = client.name.trim();
            (client.party.consumer && !input.recipient.contact && !own.is_empty()).then_some(own)
        })
        .unwrap_or("");
    let plans: Vec<_> = input
        .invoices
        .iter()
        .filter_map(|f| f.plan.as_ref())
        .map(|p| super::plan_vars::plan_vars(p, cfg.plan_grace_days, input.today, lang))
        .collect();
    Ok(MessageVars {
        plan: plans.first().cloned().unwrap_or_default(),
        plans,
        sender: SenderVars {
            name: sender.name.clone(),
            email: sender.email.clone().unwrap_or_default(),
            signature: sender.signature.clone(),
            payment_instructions: sender.payment_instructions.clone(),
            address: sender.address.clone(),
            address_line: sender.address.join(", "),
            org_number: sender.org_number.clone().unwrap_or_default(),
            vat_number: sender.vat_number.clone().unwrap_or_default(),
        },
        client: ClientVars {
            name: client.name.clone(),
            handle: client.handle.clone(),
            email: client
                .emails
                .iter()
                .map(|e| mailbox_parts(e).1)
                .collect::<Vec<_>>()
                .join(", "),
            phone: client.phone.clone().unwrap_or_default(),
            address: client
                .party
                .address_lines()
                .iter()
                .map(|l| l.to_string())
                .collect(),
            address_line: client.party.address_lines().join(", "),
            org_number: client.party.org_number.clone().unwrap_or_default(),
            country: law_party.country.unwrap_or_default().to_string(),
            consumer: client.party.consumer,
        },
        recipient: RecipientVars {
            name: input.recipient.name.to_string(),
            role: input.recipient.role.unwrap_or_default().to_string(),
            person: person.to_string(),
            first_name: person.split_whitespace().next().unwrap_or("").to_string(),
            contact: input.recipient.contact,
        },
        today: date_h(input.today, lang),
        step: input.step.to_string(),
        count: invoices.len(),
        invoice: first,
        invoices,
        totals: total_list
            .iter()
            .map(|(code, minor)| {
                let cur = Currency::from_code(code).expect("validated above");
                money_h(**minor, cur, lang)
            })
            .collect(),
        charges: any_charges,
        fees: FeesVars {
            interest_percent: cfg
                .fees
                .interest_ppm
                .map(|p| percent_text(p, decimal))
                .unwrap_or_default(),
            flat_fee_enabled: cfg.fees.flat_fee.is_some(),
            statutory,
        },
        deadline: date_h(add_days(input.today, input.deadline_days), lang),
        deadline_days: input.deadline_days,
        reminders,
        history,
        calls,
        emails_sent,
        nth,
        next,
        last_email,
        pay_by: date_h(pay_by, lang),
        payment,
        law,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_numbers_hold_together() {
        assert_eq!(
            keep_groups("IBAN SE45 5000 0000 0583, BIC ESSESESS"),
            "IBAN\u{a0}SE45\u{a0}5000\u{a0}0000\u{a0}0583, BIC ESSESESS"
        );
        assert_eq!(keep_groups("Bankgiro 123-4567"), "Bankgiro 123-4567");
    }

    #[test]
    fn every_language_has_every_word() {
        let all: BTreeMap<String, Words> = toml::from_str(include_str!("words.toml")).unwrap();
        for lang in crate::domain::text::LANGUAGES {
            assert!(all.contains_key(*lang), "{lang}");
        }
    }
}
