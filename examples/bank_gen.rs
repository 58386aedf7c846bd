//! Data for the bank benchmark (benches/bank.sh, docs/performance.md):
//! a database of open invoices written through dun's own store functions,
//! and a camt.053.001.08 statement of credits for them.
//!
//! ```text
//! cargo run --release --example bank_gen -- DB STATEMENT [INVOICES] [ENTRIES]
//! ```
//!
//! Defaults: 100,000 open invoices (5,000 clients), 10,000 entries. Of the
//! entries: 60 % quote an invoice's RF reference (structured), 20 % its
//! number in the free text, 10 % pay one invoice's balance from a payer
//! named like its client (probable), 10 % name nothing (unmatched).

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::PathBuf;

use anyhow::{Context as _, Result, bail};
use chrono::{Days, NaiveDate};
use dun::domain::reference::ReferenceKind;
use dun::store::{self, NewClient, NewInvoice, Store};

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 2 {
        bail!("usage: bank_gen DB STATEMENT [INVOICES] [ENTRIES]");
    }
    let db = PathBuf::from(&args[0]);
    let statement = PathBuf::from(&args[1]);
    let invoices: usize = args.get(2).map_or(Ok(100_000), |a| a.parse())?;
    let entries: usize = args.get(3).map_or(Ok(10_000), |a| a.parse())?;
    if db.exists() {
        bail!("{} exists; give a new file", db.display());
    }
    let clients = (invoices / 20).max(1);
    let now = "2026-12-01T06:00:00Z";
    let issued = NaiveDate::from_ymd_opt(2026, 10, 1).expect("a date");
    let amount = |i: usize| 10_000 + ((i * 7919) % 990_000) as i64;

    let mut store = Store::open(&db)?;
    store.write(|tx| {
        let party = store::Party::default();
        let mut ids = Vec::with_capacity(clients);
        for c in 0..clients {
            let handle = format!("client-{c:05}");
            let name = format!("Kund {c:05} AB");
            let emails = vec![format!("ap@{handle}.example")];
            ids.push(store::insert_client(
                tx,
                &NewClient {
                    handle: &handle,
                    name: &name,
                    emails: &emails,
                    phone: None,
                    lang: "sv",
                    notes: None,
                    party: &party,
                    now,
                },
            )?);
        }
        for i in 0..invoices {
            let number = format!("2026-{i:06}");
            let due = issued + Days::new(30 + (i % 60) as u64);
            store::insert_invoice(
                tx,
                &NewInvoice {
                    number: &number,
                    client_id: ids[i % clients],
                    issued,
                    due,
                    amount: amount(i),
                    currency: "SEK",
                    description: None,
                    pay_link: None,
                    start_step: None,
                    entered_on: issued,
                    reference: ReferenceKind::Rf,
                    now,
                },
            )?;
        }
        Ok(())
    })?;

    // Each entry pays a different invoice, spread over the whole range.
    let mut xml = String::with_capacity(entries * 900 + 1000);
    xml.push_str(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.053.001.08\">\n<BkToCstmrStmt>\n<GrpHdr><MsgId>BENCH</MsgId><CreDtTm>2026-12-01T06:00:00</CreDtTm></GrpHdr>\n<Stmt>\n<Id>BENCH-1</Id><CreDtTm>2026-12-01T06:00:00</CreDtTm>\n<Acct><Id><IBAN>SE4550000000058398257466</IBAN></Id><Ccy>SEK</Ccy></Acct>\n",
    );
    for e in 0..entries {
        let i = (e * 9973) % invoices;
        let number = format!("2026-{i:06}");
        let minor = amount(i);
        let value = format!("{}.{:02}", minor / 100, minor % 100);
        let client = i % clients;
        let (payer, remittance) = match e % 10 {
            0..=5 => {
                let r = dun::domain::reference::from_number(&number, ReferenceKind::Rf).expect("a reference");
                (
                    format!("KUND {client:05} AB"),
                    format!(
                        "<Strd><CdtrRefInf><Tp><CdOrPrtry><Cd>SCOR</Cd></CdOrPrtry></Tp><Ref>{}</Ref></CdtrRefInf></Strd>",
                        r.as_str()
                    ),
                )
            }
            6 | 7 => (
                format!("KUND {client:05} AB"),
                format!("<Ustrd>Faktura {number}</Ustrd>"),
            ),
            8 => (
                format!("Kund {client:05}"),
                "<Ustrd>Betalning</Ustrd>".to_string(),
            ),
            _ => (
                "OKAND BETALARE".to_string(),
                "<Ustrd>Swish 123</Ustrd>".to_string(),
            ),
        };
        let _ = write!(
            xml,
            "<Ntry><NtryRef>{e}</NtryRef><Amt Ccy=\"SEK\">{value}</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>\
             <BookgDt><Dt>2026-11-30</Dt></BookgDt><ValDt><Dt>2026-11-30</Dt></ValDt><AcctSvcrRef>BENCH-{e:06}</AcctSvcrRef>\
             <BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd>\
             <NtryDtls><TxDtls><Refs><EndToEndId>NOTPROVIDED</EndToEndId></Refs><Amt Ccy=\"SEK\">{value}</Amt>\
             <RltdPties><Dbtr><Pty><Nm>{payer}</Nm></Pty></Dbtr></RltdPties><RmtInf>{remittance}</RmtInf></TxDtls></NtryDtls></Ntry>"
        );
    }
    xml.push_str("</Stmt>\n</BkToCstmrStmt>\n</Document>\n");
    std::fs::File::create(&statement)
        .and_then(|mut f| f.write_all(xml.as_bytes()))
        .with_context(|| format!("cannot write {}", statement.display()))?;
    eprintln!(
        "bank_gen: {invoices} open invoices of {clients} clients in {}; {entries} entries ({} KiB) in {}",
        db.display(),
        xml.len() / 1024,
        statement.display()
    );
    Ok(())
}
