//! ISO 20022 camt.053 (bank to customer statement) and camt.054 (debit and
//! credit notification), versions .001.02 to .001.08, told apart by the
//! document's namespace. Read with a pull parser; a DOCTYPE that declares
//! entities is refused before anything is read, and no entity other than
//! XML's five and character references is ever expanded.
//!
//! Only booked credits become [`Credit`]s: `CdtDbtInd` CRDT, status BOOK
//! (`<Sts>BOOK</Sts>`, or `<Sts><Cd>BOOK</Cd></Sts>` from .08), not
//! reversed (`RvslInd` true). An entry whose transaction details each carry
//! an amount that together make the entry's is one credit per transaction;
//! otherwise the entry is one credit with all its remittance text.

use anyhow::{Result, anyhow, bail};
use chrono::NaiveDate;
use quick_xml::events::{BytesStart, Event};
use quick_xml::reader::Reader;

use super::{Credit, Ignored, Occurrences, Statement, currency, digest, line_of};
use crate::domain::money::parse_amount_lenient;

const NAMESPACE: &str = "urn:iso:std:iso:20022:tech:xsd:camt.";

/// The versions read: camt.05x.001.02 to .001.08.
const VERSIONS: std::ops::RangeInclusive<u32> = 2..=8;

#[derive(Debug, Default)]
struct Tx {
    svc_ref: Option<String>,
    end_to_end: Option<String>,
    amount: Option<(String, String)>,
    /// AmtDtls/TxAmt/Amt: the transaction's amount in .02, where TxDtls has no Amt.
    tx_amount: Option<(String, String)>,
    debit: bool,
    payer: Option<String>,
    ustrd: Vec<String>,
    reference: Option<String>,
    extra: Option<String>,
}

#[derive(Debug, Default)]
struct Entry {
    offset: usize,
    ntry_ref: Option<String>,
    amount: Option<(String, String)>,
    indicator: Option<String>,
    reversal: bool,
    status: Option<String>,
    booked: Option<String>,
    svc_ref: Option<String>,
    extra: Option<String>,
    txs: Vec<Tx>,
}

/// Parses a camt.053 or camt.054 document.
pub fn parse(text: &str) -> Result<Statement> {
    let mut reader = Reader::from_str(text);
    reader.config_mut().check_end_names = true;
    let mut path: Vec<String> = Vec::new();
    let mut kind: Option<String> = None;
    let mut account = String::new();
    let mut entry: Option<Entry> = None;
    let mut tx: Option<Tx> = None;
    // The text of the element being read, joined across escapes.
    let mut buf = String::new();
    let mut attr_ccy: Option<String> = None;
    let mut out = Statement {
        kind: String::new(),
        credits: Vec::new(),
        ignored: Ignored::default(),
    };
    let mut seen = Occurrences::default();
    let at = |offset: u64| {
        format!(
            "line {}",
            line_of(text, usize::try_from(offset).unwrap_or(usize::MAX))
        )
    };

    loop {
        let offset = reader.buffer_position();
        let event = reader
            .read_event()
            .map_err(|e| anyhow!("{}: not well-formed XML: {e}", at(reader.error_position())))?;
        match event {
            Event::DocType(d) => {
                let body = String::from_utf8_lossy(&d);
                if body.to_ascii_uppercase().contains("ENTITY") {
                    bail!(
                        "{}: the document declares XML entities (<!DOCTYPE … <!ENTITY …>); dun refuses such files rather than expand or fetch anything",
                        at(offset)
                    );
                }
            }
            Event::Start(e) if path.is_empty() => {
                kind = Some(root_kind(&e).map_err(|m| anyhow!("{}: {m}", at(offset)))?);
                path.push(local(&e));
            }
            Event::Empty(_) if path.is_empty() => bail!("{}: the document is empty", at(offset)),
            Event::Start(e) => {
                let name = local(&e);
                attr_ccy = if name == "Amt" { ccy(&e) } else { None };
                path.push(name);
                buf.clear();
                let parent = path.len().checked_sub(2).map_or("", |i| path[i].as_str());
                let name = path.last().map_or("", String::as_str);
                if name == "Ntry" && entry.is_none() {
                    entry = Some(Entry {
                        offset: usize::try_from(offset).unwrap_or(0),
                        ..Entry::default()
                    });
                } else if name == "TxDtls" && parent == "NtryDtls" && entry.is_some() {
                    tx = Some(Tx::default());
                }
            }
            Event::Text(t) => {
                let s = t
                    .decode()
                    .map_err(|e| anyhow!("{}: the text is not UTF-8: {e}", at(offset)))?;
                buf.push_str(&s);
            }
            Event::CData(t) => {
                let s = t
                    .decode()
                    .map_err(|e| anyhow!("{}: the text is not UTF-8: {e}", at(offset)))?;
                buf.push_str(&s);
            }
            Event::GeneralRef(r) => {
                if let Some(c) = r.resolve_char_ref().map_err(|e| anyhow!("{}: {e}", at(offset)))? {
                    buf.push(c);
                } else {
                    let name = r
                        .decode()
                        .map_err(|e| anyhow!("{}: the text is not UTF-8: {e}", at(offset)))?;
                    match quick_xml::escape::resolve_xml_entity(&name) {
                        Some(v) => buf.push_str(v),
                        None => bail!(
                            "{}: the entity &{name}; is not one of XML's own; dun never expands other entities",
                            at(offset)
                        ),
                    }
                }
            }
            Event::End(_) => {
                let value = buf.trim().to_string();
                buf.clear();
                {
                    let tail = path_tail(&path);
                    if let Some(t) = tx.as_mut()
                        && let Some(i) = tail.iter().rposition(|n| n == "TxDtls")
                    {
                        take_tx(t, &tail[i + 1..], &value, &attr_ccy);
                    } else if let Some(en) = entry.as_mut()
                        && let Some(i) = tail.iter().rposition(|n| n == "Ntry")
                    {
                        take_entry(en, &tail[i + 1..], &value, &attr_ccy);
                    }
                    if account.is_empty()
                        && let Some(i) = tail.iter().position(|n| n == "Acct")
                        && i > 0
                        && matches!(tail[i - 1].as_str(), "Stmt" | "Ntfctn")
                        && matches!(&tail[i + 1..], [a, b] if a == "Id" && b == "IBAN")
                            | matches!(&tail[i + 1..], [a, b, c] if a == "Id" && b == "Othr" && c == "Id")
                    {
                        account = value.clone();
                    }
                }
                let closing = path.pop().unwrap_or_default();
                attr_ccy = None;
                if closing == "TxDtls"
                    && let (Some(t), Some(en)) = (tx.take(), entry.as_mut())
                {
                    en.txs.push(t);
                }
                if closing == "Ntry"
                    && let Some(en) = entry.take()
                {
                    finish_entry(en, &account, text, &mut out, &mut seen)?;
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if let Some(open) = path.last() {
        bail!(
            "{}: the file ends inside <{open}>; it looks cut short (download the statement again)",
            at(text.len() as u64)
        );
    }
    out.kind = kind.ok_or_else(|| anyhow!("has no camt document in it"))?;
    Ok(out)
}

fn local(e: &BytesStart) -> String {
    String::from_utf8_lossy(e.local_name().as_ref()).into_owned()
}

fn ccy(e: &BytesStart) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.local_name().as_ref() == b"Ccy")
        .and_then(|a| a.unescape_value().ok().map(|v| v.into_owned()))
}

/// The last few names of the path, enough for every field read here.
fn path_tail(path: &[String]) -> &[String] {
    &path[path.len().saturating_sub(12)..]
}

/// `camt.053.001.08` from the root element, or why it is not one dun reads.
fn root_kind(e: &BytesStart) -> Result<String, String> {
    let ns = e
        .attributes()
        .flatten()
        .find(|a| {
            let k = a.key.as_ref();
            k == b"xmlns" || k.starts_with(b"xmlns:")
        })
        .and_then(|a| a.unescape_value().ok().map(|v| v.into_owned()))
        .unwrap_or_default();
    let Some(rest) = ns.strip_prefix(NAMESPACE) else {
        return Err(format!(
            "the root element is not an ISO 20022 camt document (namespace \"{ns}\")"
        ));
    };
    let parts: Vec<&str> = rest.split('.').collect();
    let (message, version) = match parts.as_slice() {
        [m, "001", v] => (*m, v.parse::<u32>().unwrap_or(0)),
        _ => return Err(format!("the namespace \"{ns}\" is not one of camt's")),
    };
    if !matches!(message, "053" | "054") {
        return Err(format!(
            "camt.{message} is not a statement dun reads; export camt.053 (statement) or camt.054 (notification)"
        ));
    }
    if !VERSIONS.contains(&version) {
        return Err(format!(
            "camt.{message}.001.{version:02} is not a version dun reads (it reads .001.02 to .001.08); ask the bank for one of those"
        ));
    }
    Ok(format!("camt.{message}.001.{version:02}"))
}

fn take_entry(en: &mut Entry, rel: &[String], value: &str, ccy: &Option<String>) {
    let rel: Vec<&str> = rel.iter().map(String::as_str).collect();
    match rel.as_slice() {
        ["NtryRef"] => en.ntry_ref = Some(value.to_string()),
        ["Amt"] => en.amount = Some((value.to_string(), ccy.clone().unwrap_or_default())),
        ["CdtDbtInd"] => en.indicator = Some(value.to_string()),
        ["RvslInd"] => en.reversal = value.eq_ignore_ascii_case("true") || value == "1",
        ["Sts"] if !value.is_empty() => en.status = Some(value.to_string()),
        ["Sts", "Cd"] => en.status = Some(value.to_string()),
        ["BookgDt", "Dt"] | ["BookgDt", "DtTm"] => en.booked = Some(value.to_string()),
        ["AcctSvcrRef"] => en.svc_ref = Some(value.to_string()),
        ["AddtlNtryInf"] => en.extra = Some(value.to_string()),
        _ => {}
    }
}

fn take_tx(t: &mut Tx, rel: &[String], value: &str, ccy: &Option<String>) {
    let rel: Vec<&str> = rel.iter().map(String::as_str).collect();
    match rel.as_slice() {
        ["Refs", "AcctSvcrRef"] => t.svc_ref = Some(value.to_string()),
        ["Refs", "EndToEndId"] => t.end_to_end = Some(value.to_string()),
        ["Amt"] => t.amount = Some((value.to_string(), ccy.clone().unwrap_or_default())),
        ["AmtDtls", "TxAmt", "Amt"] => {
            t.tx_amount = Some((value.to_string(), ccy.clone().unwrap_or_default()))
        }
        ["CdtDbtInd"] => t.debit = value == "DBIT",
        ["RltdPties", "Dbtr", "Nm"] | ["RltdPties", "Dbtr", "Pty", "Nm"] => {
            t.payer.get_or_insert_with(|| value.to_string());
        }
        ["RltdPties", "UltmtDbtr", "Nm"] | ["RltdPties", "UltmtDbtr", "Pty", "Nm"] => {
            t.payer.get_or_insert_with(|| value.to_string());
        }
        ["RmtInf", "Ustrd"] if !value.is_empty() => t.ustrd.push(value.to_string()),
        ["RmtInf", "Strd", "CdtrRefInf", "Ref"] if !value.is_empty() => {
            t.reference.get_or_insert_with(|| value.to_string());
        }
        ["AddtlTxInf"] => t.extra = Some(value.to_string()),
        _ => {}
    }
}

/// An EndToEndId that is there only because the field is mandatory.
fn real_id(id: &Option<String>) -> Option<&str> {
    id.as_deref()
        .map(str::trim)
        .filter(|i| !i.is_empty() && !i.eq_ignore_ascii_case("NOTPROVIDED"))
}

fn finish_entry(
    en: Entry,
    account: &str,
    text: &str,
    out: &mut Statement,
    seen: &mut Occurrences,
) -> Result<()> {
    let line = || format!("line {}", line_of(text, en.offset));
    match en.indicator.as_deref() {
        Some("CRDT") => {}
        Some("DBIT") => {
            out.ignored.debits += 1;
            return Ok(());
        }
        other => bail!(
            "{}: entry has CdtDbtInd \"{}\"; expected CRDT or DBIT",
            line(),
            other.unwrap_or("")
        ),
    }
    if en.reversal {
        out.ignored.reversals += 1;
        return Ok(());
    }
    if en.status.as_deref() != Some("BOOK") {
        out.ignored.pending += 1;
        return Ok(());
    }
    let (amount_text, code) = en
        .amount
        .clone()
        .ok_or_else(|| anyhow!("{}: entry has no <Amt>", line()))?;
    let cur = currency(&code).map_err(|m| anyhow!("{}: <Amt Ccy=…>: {m}", line()))?;
    let amount = parse_amount_lenient(&amount_text, cur)
        .map_err(|_| anyhow!("{}: <Amt> \"{amount_text}\" is not an amount", line()))?;
    let booked = en
        .booked
        .as_deref()
        .ok_or_else(|| anyhow!("{}: booked entry has no <BookgDt>", line()))?;
    let date = booked
        .get(..10)
        .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
        .ok_or_else(|| anyhow!("{}: <BookgDt> \"{booked}\" is not a date", line()))?;
    if amount <= 0 {
        return Ok(());
    }

    // Transactions each with an amount in the entry's currency, all credits,
    // adding up to the entry: one credit each.
    let tx_amounts: Option<Vec<i64>> = en
        .txs
        .iter()
        .map(|t| {
            let (a, c) = t.amount.as_ref().or(t.tx_amount.as_ref())?;
            if t.debit || !c.eq_ignore_ascii_case(&code) {
                return None;
            }
            parse_amount_lenient(a, cur).ok().filter(|&m| m > 0)
        })
        .collect();
    let split = en.txs.len() > 1
        && tx_amounts
            .as_ref()
            .is_some_and(|v| v.iter().map(|&m| i128::from(m)).sum::<i128>() == i128::from(amount));
    let entry_text = |t: &Tx| -> String {
        if !t.ustrd.is_empty() {
            t.ustrd.join(" ")
        } else {
            // What the payer wrote: the structured reference when that is all.
            t.reference
                .clone()
                .or_else(|| t.extra.clone())
                .or_else(|| en.extra.clone())
                .unwrap_or_default()
        }
    };
    if split {
        let amounts = tx_amounts.unwrap_or_default();
        for (i, (t, &m)) in en.txs.iter().zip(&amounts).enumerate() {
            let identity = if let Some(r) = t.svc_ref.as_deref().filter(|r| !r.is_empty()) {
                format!("camt:{account}:svc:{r}")
            } else if let Some(r) = en.svc_ref.as_deref().filter(|r| !r.is_empty()) {
                format!("camt:{account}:svc:{r}/{i}")
            } else if let Some(e) = real_id(&t.end_to_end) {
                format!("camt:{account}:e2e:{e}:{date}:{m}")
            } else if let Some(r) = en.ntry_ref.as_deref().filter(|r| !r.is_empty()) {
                format!("camt:{account}:ntry:{r}:{date}:{amount}/{i}")
            } else {
                let text = entry_text(t);
                seen.next(format!(
                    "camt:{account}:hash:{}",
                    digest(&[
                        &date.to_string(),
                        &m.to_string(),
                        &code,
                        &text,
                        t.payer.as_deref().unwrap_or("")
                    ])
                ))
            };
            out.credits.push(Credit {
                date,
                amount: m,
                currency: cur.code().to_string(),
                payer: t.payer.clone(),
                text: entry_text(t),
                reference: t.reference.clone(),
                identity,
            });
        }
        return Ok(());
    }
    let texts: Vec<String> = en.txs.iter().map(entry_text).filter(|t| !t.is_empty()).collect();
    let text_joined = if texts.is_empty() {
        en.extra.clone().unwrap_or_default()
    } else {
        texts.join(" ")
    };
    let payer = en.txs.iter().find_map(|t| t.payer.clone());
    let reference = en.txs.iter().find_map(|t| t.reference.clone());
    let e2e = en
        .txs
        .iter()
        .find_map(|t| real_id(&t.end_to_end).map(str::to_string));
    let tx_svc = (en.txs.len() == 1)
        .then(|| en.txs[0].svc_ref.clone())
        .flatten()
        .filter(|r| !r.is_empty());
    let identity = if let Some(r) = en
        .svc_ref
        .as_deref()
        .filter(|r| !r.is_empty())
        .or(tx_svc.as_deref())
    {
        format!("camt:{account}:svc:{r}")
    } else if let Some(r) = en.ntry_ref.as_deref().filter(|r| !r.is_empty()) {
        format!("camt:{account}:ntry:{r}:{date}:{amount}")
    } else if let Some(e) = e2e {
        format!("camt:{account}:e2e:{e}:{date}:{amount}")
    } else {
        seen.next(format!(
            "camt:{account}:hash:{}",
            digest(&[
                &date.to_string(),
                &amount.to_string(),
                &code,
                &text_joined,
                payer.as_deref().unwrap_or("")
            ])
        ))
    };
    out.credits.push(Credit {
        date,
        amount,
        currency: cur.code().to_string(),
        payer,
        text: text_joined,
        reference,
        identity,
    });
    Ok(())
}
