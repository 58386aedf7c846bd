//! A user's template file, rendered with the variables of a real message:
//! never a panic, never without end (the bound on work), never more output
//! than the bound; the subject is one line.
#![no_main]

use dun::mail::templates::{
    ClientVars, InvoiceVars, MessageVars, PaymentVars, RecipientVars, SenderVars, render_text,
};
use libfuzzer_sys::fuzz_target;

fn vars() -> MessageVars {
    let invoice = InvoiceVars {
        number: "2026-014".into(),
        description: "Design work".into(),
        pay_link: "https://pay.example.org/2026-014".into(),
        reference: "RF18 2026 014".into(),
        issued: "1 November 2026".into(),
        due: "1 December 2026".into(),
        days_overdue: 9,
        currency: "EUR".into(),
        amount: "1,200.00 EUR".into(),
        paid: "200.00 EUR".into(),
        balance: "1,000.00 EUR".into(),
        total: "1,042.19 EUR".into(),
        has_payments: true,
        payments: vec![PaymentVars {
            date: "3 December 2026".into(),
            amount: "200.00 EUR".into(),
            method: "bank".into(),
            ..Default::default()
        }],
        ..Default::default()
    };
    MessageVars {
        sender: SenderVars {
            name: "Fia Freelance".into(),
            email: "fia@example.org".into(),
            ..Default::default()
        },
        client: ClientVars {
            name: "Acme AB".into(),
            handle: "acme".into(),
            email: "ap@acme.example".into(),
            ..Default::default()
        },
        recipient: RecipientVars {
            name: "Erik Berg".into(),
            role: "CFO".into(),
            ..Default::default()
        },
        today: "10 December 2026".into(),
        step: "follow-up".into(),
        count: 2,
        invoices: vec![invoice.clone(), invoice.clone()],
        invoice,
        totals: vec!["2,084.38 EUR".into()],
        ..Default::default()
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(body) = std::str::from_utf8(data) else { return };
    let vars = vars();
    for text in [body.to_string(), format!("Subject: {body}")] {
        if let Ok(r) = render_text(&text, "fuzz", &vars) {
            assert!(!r.subject.contains(['\n', '\r']), "{:?}", r.subject);
            assert!(r.body.len() <= 8 * 1024 * 1024 + 1);
        }
    }
});
