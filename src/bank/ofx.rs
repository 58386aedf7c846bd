//! OFX bank and credit-card statements: 1.x (SGML: a header of `KEY:VALUE`
//! lines, then tags whose leaf elements are not closed) and 2.x (XML). One
//! small tokenizer reads both: a leaf's value is the text after its start
//! tag; aggregates must be closed, so a cut-short file is an error.
//!
//! Credits are the `STMTTRN`s of a `BANKTRANLIST` with a positive `TRNAMT`
//! (a pending list, `BANKTRANLISTP`, is not read). The payer is `NAME`, the
//! text `MEMO` (or `NAME` when there is no memo), the identity `FITID`.

use anyhow::{Result, anyhow, bail};
use chrono::NaiveDate;

use super::{Credit, Ignored, Statement, currency, line_of, parse_signed};

#[derive(Debug, Default)]
struct Trn {
    offset: usize,
    posted: Option<String>,
    amount: Option<String>,
    fitid: Option<String>,
    name: Option<String>,
    memo: Option<String>,
    currency: Option<String>,
}

/// One token: a start tag, an end tag, or the text after a start tag.
enum Token<'a> {
    Start(&'a str),
    End(&'a str),
    Text(&'a str),
}

/// Parses an OFX 1.x or 2.x document.
pub fn parse(text: &str) -> Result<Statement> {
    let at = |offset: usize| format!("line {}", line_of(text, offset));
    let body_start = text
        .find("<OFX>")
        .ok_or_else(|| anyhow!("has no <OFX> element; it is not an OFX statement"))?;
    let header = &text[..body_start];
    if header.to_ascii_uppercase().contains("<!ENTITY") {
        bail!(
            "{}: the document declares entities (<!ENTITY …>); dun refuses such files rather than expand or fetch anything",
            at(header.to_ascii_uppercase().find("<!ENTITY").unwrap_or(0))
        );
    }
    let kind = if let Some(v) = header_value(header, "VERSION") {
        format!("OFX {v}")
    } else if let Some(i) = header.find("VERSION=\"") {
        let v: String = header[i + 9..].chars().take_while(|c| *c != '"').collect();
        format!("OFX {v}")
    } else {
        "OFX".to_string()
    };

    let mut stack: Vec<(&str, usize)> = Vec::new();
    // The leaf whose value was just read: its `</X>` (OFX 2) closes nothing.
    let mut last_leaf: Option<&str> = None;
    let mut current_leaf: Option<&str> = None;
    let mut account = String::new();
    let mut default_currency: Option<String> = None;
    let mut trn: Option<Trn> = None;
    let mut out = Statement {
        kind,
        credits: Vec::new(),
        ignored: Ignored::default(),
    };
    let mut pos = body_start;
    let bytes = text.as_bytes();
    while pos < text.len() {
        let (token, offset, next) = if bytes[pos] == b'<' {
            let close = text[pos..]
                .find('>')
                .map(|i| pos + i)
                .ok_or_else(|| anyhow!("{}: a tag is not closed; the file looks cut short", at(pos)))?;
            let inner = text[pos + 1..close].trim();
            let token = if let Some(name) = inner.strip_prefix('/') {
                Token::End(name.trim())
            } else if inner.starts_with('!') || inner.starts_with('?') {
                if inner.to_ascii_uppercase().contains("ENTITY") {
                    bail!(
                        "{}: the document declares entities; dun refuses such files",
                        at(pos)
                    );
                }
                pos = close + 1;
                continue;
            } else {
                Token::Start(inner.trim_end_matches('/').trim())
            };
            (token, pos, close + 1)
        } else {
            let end = text[pos..].find('<').map_or(text.len(), |i| pos + i);
            (Token::Text(&text[pos..end]), pos, end)
        };
        pos = next;
        match token {
            Token::Start(name) => {
                if name.is_empty()
                    || !name
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'_')
                {
                    bail!("{}: <{name}> is not an OFX tag", at(offset));
                }
                // Whether it is a leaf shows in what follows: text, or another tag.
                let rest = text[pos..].trim_start();
                let leaf = !rest.is_empty() && !rest.starts_with('<');
                if leaf {
                    current_leaf = Some(name);
                } else {
                    current_leaf = None;
                    last_leaf = None;
                    stack.push((name, offset));
                    if name == "STMTTRN" {
                        trn = Some(Trn {
                            offset,
                            ..Trn::default()
                        });
                    }
                }
            }
            Token::Text(raw) => {
                let value = unescape(raw.trim());
                let Some(leaf) = current_leaf.take() else {
                    if !raw.trim().is_empty() {
                        bail!(
                            "{}: text \"{}\" outside any element",
                            at(offset),
                            shorten(raw.trim())
                        );
                    }
                    continue;
                };
                last_leaf = Some(leaf);
                let parent = stack.last().map_or("", |(n, _)| *n);
                let grand = stack.len().checked_sub(2).map_or("", |i| stack[i].0);
                match (parent, leaf) {
                    ("BANKACCTFROM" | "CCACCTFROM", "ACCTID") if account.is_empty() => account = value,
                    ("STMTRS" | "CCSTMTRS", "CURDEF") => default_currency = Some(value),
                    ("STMTTRN", field) => {
                        if let Some(t) = trn.as_mut() {
                            match field {
                                "DTPOSTED" => t.posted = Some(value),
                                "TRNAMT" => t.amount = Some(value),
                                "FITID" => t.fitid = Some(value),
                                "NAME" => t.name = Some(value),
                                "MEMO" => t.memo = Some(value),
                                _ => {}
                            }
                        }
                    }
                    ("CURRENCY" | "ORIGCURRENCY", "CURSYM") if grand == "STMTTRN" => {
                        if let Some(t) = trn.as_mut() {
                            t.currency = Some(value);
                        }
                    }
                    ("PAYEE", "NAME") if grand == "STMTTRN" => {
                        if let Some(t) = trn.as_mut() {
                            t.name.get_or_insert(value);
                        }
                    }
                    _ => {}
                }
            }
            Token::End(name) => {
                current_leaf = None;
                if last_leaf.take() == Some(name) {
                    continue;
                }
                match stack.pop() {
                    Some((open, _)) if open == name => {}
                    Some((open, open_at)) => bail!(
                        "{}: </{name}> closes <{open}> (opened on {})",
                        at(offset),
                        at(open_at)
                    ),
                    None => bail!("{}: </{name}> closes nothing", at(offset)),
                }
                if name == "STMTTRN"
                    && let Some(t) = trn.take()
                {
                    let in_list = stack.last().is_some_and(|(n, _)| *n == "BANKTRANLIST");
                    finish(t, in_list, &account, default_currency.as_deref(), text, &mut out)?;
                }
                if name == "OFX" {
                    break;
                }
            }
        }
    }
    if let Some((open, open_at)) = stack.last() {
        bail!(
            "{}: the file ends inside <{open}> (opened on {}); it looks cut short (download the statement again)",
            at(text.len()),
            at(*open_at)
        );
    }
    Ok(out)
}

fn header_value<'a>(header: &'a str, key: &str) -> Option<&'a str> {
    header.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        (k.trim() == key).then(|| v.trim())
    })
}

fn shorten(s: &str) -> String {
    let cut: String = s.chars().take(30).collect();
    if cut.len() < s.len() {
        format!("{cut}…")
    } else {
        cut
    }
}

/// XML's five entities and numeric character references; anything else is
/// left as it is written (SGML OFX has no other entities).
fn unescape(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let end = after.find(';').filter(|&e| e <= 10);
        let replaced = end.and_then(|e| {
            let name = &after[..e];
            let c = match name {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                n if n.starts_with("#x") || n.starts_with("#X") => {
                    u32::from_str_radix(&n[2..], 16).ok().and_then(char::from_u32)
                }
                n if n.starts_with('#') => n[1..].parse().ok().and_then(char::from_u32),
                _ => None,
            }?;
            Some((c, e))
        });
        match replaced {
            Some((c, e)) => {
                out.push(c);
                rest = &after[e + 1..];
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

fn finish(
    t: Trn,
    in_list: bool,
    account: &str,
    default_currency: Option<&str>,
    text: &str,
    out: &mut Statement,
) -> Result<()> {
    let at = || format!("line {}", line_of(text, t.offset));
    if !in_list {
        out.ignored.pending += 1;
        return Ok(());
    }
    let code = t.currency.as_deref().or(default_currency).ok_or_else(|| {
        anyhow!(
            "{}: <STMTTRN> has no currency, and the statement no <CURDEF>",
            at()
        )
    })?;
    let cur = currency(code).map_err(|m| anyhow!("{}: {m}", at()))?;
    let raw = t
        .amount
        .as_deref()
        .ok_or_else(|| anyhow!("{}: <STMTTRN> has no <TRNAMT>", at()))?;
    // OFX writes a decimal point; some banks write a comma.
    let decimal = if raw.contains(',') && !raw.contains('.') {
        ','
    } else {
        '.'
    };
    let amount = parse_signed(raw, decimal, cur).map_err(|m| anyhow!("{}: <TRNAMT>: {m}", at()))?;
    if amount <= 0 {
        out.ignored.debits += 1;
        return Ok(());
    }
    let posted = t
        .posted
        .as_deref()
        .ok_or_else(|| anyhow!("{}: <STMTTRN> has no <DTPOSTED>", at()))?;
    let date = posted
        .get(..8)
        .and_then(|d| NaiveDate::parse_from_str(d, "%Y%m%d").ok())
        .ok_or_else(|| anyhow!("{}: <DTPOSTED> \"{posted}\" is not a date (YYYYMMDD…)", at()))?;
    let fitid = t
        .fitid
        .as_deref()
        .filter(|f| !f.is_empty())
        .ok_or_else(|| anyhow!("{}: <STMTTRN> has no <FITID>", at()))?;
    let text = t
        .memo
        .clone()
        .filter(|m| !m.is_empty())
        .or_else(|| t.name.clone())
        .unwrap_or_default();
    out.credits.push(Credit {
        date,
        amount,
        currency: cur.code().to_string(),
        payer: t.name.clone(),
        text,
        reference: None,
        identity: format!("ofx:{account}:{fitid}"),
    });
    Ok(())
}
