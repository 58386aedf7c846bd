//! Builds the variables a template sees from the stored facts, formatting
//! money and dates for the client's language. Amounts are computed exactly
//! as `dun overdue` computes them (domain::fees).

use std::collections::BTreeMap;

use anyhow::{Result, anyhow};
use chrono::NaiveDate;

use super::templates::{
    ClientVars, FeesVars, InvoiceVars, MessageVars, PaymentVars, RecipientVars, ReminderVars, SenderVars,
};
use crate::config::Config;
use crate::domain::dates::{add_days, days_between, format_human as date_h};
use crate::domain::fees::minor_days;
use crate::domain::money::{Currency, format_human as money_h};
use crate::store::{ClientRow, InvoiceRow, LogRow, PaymentRow};

/// One invoice with its payments, as read inside the sending transaction.
pub struct InvoiceFacts {
    pub invoice: InvoiceRow,
    pub payments: Vec<PaymentRow>,
}

/// What a message is about and to whom it speaks.
pub struct VarsInput<'a> {
    pub config: &'a Config,
    pub today: NaiveDate,
    pub client: &'a ClientRow,
    /// Whom the message addresses, and their role (escalation contacts).
    pub recipient_name: &'a str,
    pub recipient_role: Option<&'a str>,
    pub step: &'a str,
    pub invoices: &'a [InvoiceFacts],
    /// Contacts already made (for the demand letter), oldest first.
    pub reminders: &'a [LogRow],
    pub deadline_days: i64,
}

/// The charges on an invoice for `today`, as minor units.
pub fn charges(config: &Config, f: &InvoiceFacts, today: NaiveDate) -> Result<crate::domain::fees::Charges> {
    let inv = &f.invoice;
    let cur =
        Currency::from_code(&inv.currency).ok_or_else(|| anyhow!("unknown currency {}", inv.currency))?;
    let pays: Vec<(NaiveDate, i64)> = f.payments.iter().map(|p| (p.paid_on, p.amount)).collect();
    let md = minor_days(inv.amount, inv.due, &pays, today);
    config
        .fees
        .charges(cur, inv.due, today, md)
        .map_err(|m| anyhow!(m))
}

pub fn message_vars(input: &VarsInput) -> Result<MessageVars> {
    let lang = input.client.lang.as_str();
    let cfg = input.config;
    let mut totals: BTreeMap<String, i64> = BTreeMap::new();
    let mut any_charges = false;
    let mut invoices = Vec::new();
    for f in input.invoices {
        let inv = &f.invoice;
        let cur =
            Currency::from_code(&inv.currency).ok_or_else(|| anyhow!("unknown currency {}", inv.currency))?;
        let m = |minor: i64| money_h(minor, cur, lang);
        let c = charges(cfg, f, input.today)?;
        let total = inv.balance() + c.fee + c.interest;
        *totals.entry(inv.currency.clone()).or_default() += total;
        any_charges |= c.fee > 0 || c.interest > 0;
        invoices.push(InvoiceVars {
            number: inv.number.clone(),
            description: inv.description.clone().unwrap_or_default(),
            pay_link: inv.pay_link.clone().unwrap_or_default(),
            reference: inv
                .reference
                .as_deref()
                .map(crate::domain::reference::group)
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
            total: m(total),
            has_payments: inv.paid > 0,
            has_fee: c.fee > 0,
            has_interest: c.interest > 0,
            interest_from: date_h(add_days(inv.due, 1), lang),
            interest_days: c.interest_days,
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
    let percent = cfg.fees.interest_ppm.map(|ppm| {
        let whole = ppm / 10_000;
        let frac = ppm % 10_000;
        if frac == 0 {
            whole.to_string()
        } else {
            let decimal = if matches!(lang, "en") { "." } else { "," };
            format!("{whole}{decimal}{}", format!("{frac:04}").trim_end_matches('0'))
        }
    });
    Ok(MessageVars {
        sender: SenderVars {
            name: cfg.sender.name.clone(),
            email: cfg.sender.email.clone().unwrap_or_default(),
            signature: cfg.sender.signature.clone(),
            payment_instructions: cfg.sender.payment_instructions.clone(),
        },
        client: ClientVars {
            name: input.client.name.clone(),
            handle: input.client.handle.clone(),
            email: input.client.emails.join(", "),
            phone: input.client.phone.clone().unwrap_or_default(),
        },
        recipient: RecipientVars {
            name: input.recipient_name.to_string(),
            role: input.recipient_role.unwrap_or_default().to_string(),
        },
        today: date_h(input.today, lang),
        step: input.step.to_string(),
        count: invoices.len(),
        invoice: first,
        invoices,
        totals: totals
            .iter()
            .map(|(code, minor)| {
                let cur = Currency::from_code(code).expect("validated above");
                money_h(*minor, cur, lang)
            })
            .collect(),
        charges: any_charges,
        fees: FeesVars {
            interest_percent: percent.unwrap_or_default(),
            flat_fee_enabled: cfg.fees.flat_fee.is_some(),
        },
        deadline: date_h(add_days(input.today, input.deadline_days), lang),
        deadline_days: input.deadline_days,
        reminders: input
            .reminders
            .iter()
            .map(|l| ReminderVars {
                date: date_h(l.on, lang),
                step: l.step.clone().unwrap_or_default(),
                channel: l.channel.as_str().to_string(),
            })
            .collect(),
    })
}
