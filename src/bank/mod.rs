//! Bank statements (SPEC.md §11): a file's bytes become typed credits
//! ([`Credit`]). Which invoice a credit pays is `domain::matching`'s call;
//! nothing here decides, and nothing here speaks SQL.
//!
//! Every file is read whole and parsed before anything is written; a file
//! over [`MAX_FILE_BYTES`] is refused before it is read.

pub mod camt;
pub mod csv;
pub mod ofx;

use std::collections::HashMap;
use std::io::Read;
use std::path::Path;

use anyhow::{Context as _, Result, anyhow, bail};

use crate::config::CsvMapping;
pub use crate::domain::matching::Credit;
use crate::domain::money::{Currency, parse_amount_lenient};

/// The largest statement dun reads: 50 MiB.
pub const MAX_FILE_BYTES: u64 = 50 * 1024 * 1024;

/// The kinds of file `dun bank` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Camt,
    Ofx,
    Csv,
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Camt => "camt",
            Format::Ofx => "ofx",
            Format::Csv => "csv",
        }
    }
}

/// Entries of a statement that are not credits dun records.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Ignored {
    /// Money going out (camt DBIT, OFX and CSV amounts below zero).
    pub debits: usize,
    /// camt entries with `RvslInd` true.
    pub reversals: usize,
    /// Not booked yet (camt status other than BOOK; OFX pending lists).
    pub pending: usize,
}

/// One statement file, read.
#[derive(Debug)]
pub struct Statement {
    /// What it was read as, for people: `camt.053.001.08`, `OFX 102`, `CSV`.
    pub kind: String,
    pub credits: Vec<Credit>,
    pub ignored: Ignored,
}

/// What reading a statement needs besides its bytes.
#[derive(Debug, Clone, Copy)]
pub struct ReadOptions<'a> {
    /// `--as`: the format, instead of recognising it by content.
    pub format: Option<Format>,
    pub csv: Option<&'a CsvMapping>,
    /// For CSV rows without a currency column: `[defaults] currency`.
    pub default_currency: Currency,
}

/// Reads and parses one statement file. Errors name the file, and the line
/// or element where the content is wrong.
pub fn read_file(path: &Path, options: ReadOptions) -> Result<Statement> {
    let shown = path.display();
    let meta = std::fs::metadata(path).with_context(|| format!("cannot read statement {shown}"))?;
    if meta.is_dir() {
        bail!("{shown} is a folder; give the statement files themselves");
    }
    let too_big = || {
        anyhow!(
            "{shown} is larger than {} MiB; dun reads statements up to that size (split the export by date)",
            MAX_FILE_BYTES / (1024 * 1024)
        )
    };
    if meta.len() > MAX_FILE_BYTES {
        return Err(too_big());
    }
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    std::fs::File::open(path)
        .and_then(|f| f.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes))
        .with_context(|| format!("cannot read statement {shown}"))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(too_big());
    }
    parse(&bytes, options).map_err(|e| anyhow!("{shown}: {e:#}"))
}

/// Parses a statement's bytes.
pub fn parse(bytes: &[u8], options: ReadOptions) -> Result<Statement> {
    let text = decode(bytes);
    let not_recognised = || {
        anyhow!(
            "is neither a camt.053/054 nor an OFX statement; for a CSV export, describe its columns in [bank.csv] in the config (see docs/bank.md)"
        )
    };
    let format = match options.format {
        Some(f) => f,
        None => detect(&text).ok_or_else(not_recognised)?,
    };
    if format == Format::Csv && options.csv.is_none() {
        if options.format.is_none() {
            return Err(not_recognised());
        }
        bail!(
            "is read as CSV, but the config has no [bank.csv] saying which columns hold what (see docs/bank.md)"
        );
    }
    match format {
        Format::Camt => camt::parse(&text),
        Format::Ofx => ofx::parse(&text),
        Format::Csv => match options.csv {
            Some(mapping) => csv::parse(&text, mapping, options.default_currency),
            None => Err(not_recognised()),
        },
    }
}

/// What a file is, from its content: camt by its ISO 20022 namespace, OFX by
/// its header or root element; anything else is taken for CSV.
pub fn detect(text: &str) -> Option<Format> {
    let head = text.trim_start();
    if head.starts_with("OFXHEADER:") {
        return Some(Format::Ofx);
    }
    if head.starts_with('<') {
        // The first 64 KiB, cut at a character (a byte index inside one
        // would panic: a statement with non-ASCII text around that offset).
        let mut end = text.len().min(64 * 1024);
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        let start = &text[..end];
        if start.contains("urn:iso:std:iso:20022:tech:xsd:camt.") {
            return Some(Format::Camt);
        }
        if start.contains("<?OFX") || start.contains("<OFX>") {
            return Some(Format::Ofx);
        }
        return None;
    }
    Some(Format::Csv)
}

/// The text of a file: UTF-8 (a byte-order mark dropped), or, when it is not
/// valid UTF-8, Windows-1252 (what many banks' CSV and OFX 1 exports use).
pub fn decode(bytes: &[u8]) -> String {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_string(),
        Err(_) => bytes.iter().map(|&b| windows_1252(b)).collect(),
    }
}

fn windows_1252(b: u8) -> char {
    const HIGH: [char; 32] = [
        '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8d}', 'Ž', '\u{8f}',
        '\u{90}', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9d}', 'ž', 'Ÿ',
    ];
    match b {
        0x80..=0x9f => HIGH[usize::from(b - 0x80)],
        _ => char::from(b),
    }
}

/// The 1-based line of a byte offset in `text`.
pub fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end].iter().filter(|&&b| b == b'\n').count() + 1
}

/// A signed decimal amount as banks write it, in minor units of `currency`:
/// `1200.50`, `-1 200,50`, `+1.200,50` (with `decimal` ','), `1200,50-`.
pub fn parse_signed(text: &str, decimal: char, currency: Currency) -> Result<i64, String> {
    let mut s: String = text
        .chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '\u{a0}' | '\u{202f}' | '\''))
        .collect();
    let mut negative = false;
    if let Some(rest) = s.strip_suffix('-') {
        negative = true;
        s = rest.to_string();
    }
    if let Some(rest) = s.strip_prefix('-').or_else(|| s.strip_prefix('−')) {
        negative = !negative;
        s = rest.to_string();
    } else if let Some(rest) = s.strip_prefix('+') {
        s = rest.to_string();
    }
    let thousands = if decimal == ',' { '.' } else { ',' };
    let (whole, frac) = match s.rsplit_once(decimal) {
        Some((w, f)) => (w.to_string(), Some(f.to_string())),
        None => (s.clone(), None),
    };
    // Thousands separators only between groups of three digits.
    let groups: Vec<&str> = whole.split(thousands).collect();
    if groups.len() > 1
        && (groups[0].is_empty() || groups[0].len() > 3 || groups[1..].iter().any(|g| g.len() != 3))
    {
        return Err(format!("amount \"{}\" is not a number", text.trim()));
    }
    let mut plain = groups.concat();
    if let Some(f) = frac {
        plain.push('.');
        plain.push_str(&f);
    }
    let minor = parse_amount_lenient(&plain, currency).map_err(|e| match e {
        crate::domain::money::AmountError::TooManyDecimals { .. } => format!(
            "amount \"{}\" has more decimals than {} has",
            text.trim(),
            currency.code()
        ),
        _ => format!("amount \"{}\" is not a number", text.trim()),
    })?;
    Ok(if negative { -minor } else { minor })
}

/// A currency code from a statement.
pub fn currency(code: &str) -> Result<Currency, String> {
    let code = code.trim();
    Currency::from_code(&code.to_ascii_uppercase())
        .ok_or_else(|| format!("currency \"{code}\" is not an ISO 4217 code dun knows"))
}

/// A short, stable digest of some fields (FNV-1a, 64 bits), for entries
/// that carry no identity of their own. Stable across runs and versions.
pub fn digest(fields: &[&str]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for f in fields {
        for b in f.bytes().chain(std::iter::once(0x1f)) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("{h:016x}")
}

/// Numbers identical digests within one file (`…#0`, `…#1`): two equal
/// rows in one export are two payments, and the same export read again
/// gives the same identities.
#[derive(Debug, Default)]
pub struct Occurrences(HashMap<String, usize>);

impl Occurrences {
    pub fn next(&mut self, key: String) -> String {
        let n = self.0.entry(key.clone()).or_default();
        let id = format!("{key}#{n}");
        *n += 1;
        id
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sek() -> Currency {
        Currency::from_code("SEK").unwrap()
    }

    #[test]
    fn detect_reads_the_first_64_kib_without_cutting_a_character() {
        // "ö" (two bytes) across the 64 KiB mark: no panic, and no format.
        for pad in [65_535, 65_534, 65_536] {
            let text = format!("<{}ö camt?", "x".repeat(pad - 1));
            assert_eq!(detect(&text), None, "{pad}");
        }
        let camt = format!(
            "<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.053.001.08\">{}ö",
            "x".repeat(70_000)
        );
        assert_eq!(detect(&camt), Some(Format::Camt));
    }

    #[test]
    fn signed_amounts_as_banks_write_them() {
        for (text, decimal, minor) in [
            ("1200.50", '.', 120_050),
            ("1,200.50", '.', 120_050),
            ("-1 200,50", ',', -120_050),
            ("1.200,50", ',', 120_050),
            ("+450,00", ',', 45_000),
            ("450,00-", ',', -45_000),
            ("1\u{a0}200,5", ',', 120_050),
            ("42", '.', 4_200),
        ] {
            assert_eq!(parse_signed(text, decimal, sek()), Ok(minor), "{text}");
        }
        for (text, decimal) in [("12,00.50", '.'), ("abc", '.'), ("1.2.3", ','), ("1200.505", '.')] {
            assert!(parse_signed(text, decimal, sek()).is_err(), "{text}");
        }
    }

    #[test]
    fn windows_1252_when_not_utf8() {
        assert_eq!(decode(b"Avs\xe4ndare \x80"), "Avsändare €");
        assert_eq!(decode("\u{feff}Datum".as_bytes()), "Datum");
    }

    #[test]
    fn recognised_by_content() {
        assert_eq!(detect("OFXHEADER:100\nDATA:OFXSGML"), Some(Format::Ofx));
        assert_eq!(
            detect("<?xml version=\"1.0\"?>\n<?OFX OFXHEADER=\"200\"?><OFX>"),
            Some(Format::Ofx)
        );
        assert_eq!(
            detect(
                "<?xml version=\"1.0\"?><Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.053.001.02\">"
            ),
            Some(Format::Camt)
        );
        assert_eq!(detect("<html>"), None);
        assert_eq!(detect("Datum;Belopp"), Some(Format::Csv));
    }

    const CAMT: &str = "<?xml version=\"1.0\"?><Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.053.001.08\"><BkToCstmrStmt><Stmt><Acct><Id><IBAN>SE45</IBAN></Id></Acct><Ntry><Amt Ccy=\"SEK\">1200.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts><BookgDt><Dt>2026-11-28</Dt></BookgDt><AcctSvcrRef>A1</AcctSvcrRef><NtryDtls><TxDtls><RltdPties><Dbtr><Pty><Nm>ACME &amp; CO</Nm></Pty></Dbtr></RltdPties><RmtInf><Ustrd>RF97 2026 014</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry></Stmt></BkToCstmrStmt></Document>";
    const OFX: &str = "OFXHEADER:100\nDATA:OFXSGML\nVERSION:102\n\n<OFX><BANKMSGSRSV1><STMTTRNRS><STMTRS><CURDEF>SEK<BANKACCTFROM><ACCTID>1</BANKACCTFROM><BANKTRANLIST><STMTTRN><TRNTYPE>CREDIT<DTPOSTED>20261128<TRNAMT>1200.00<FITID>F1<NAME>ACME<MEMO>2026-014</STMTTRN></BANKTRANLIST></STMTRS></STMTTRNRS></BANKMSGSRSV1></OFX>";

    fn options(mapping: &CsvMapping) -> ReadOptions<'_> {
        ReadOptions {
            format: None,
            csv: Some(mapping),
            default_currency: sek(),
        }
    }

    fn mapping() -> CsvMapping {
        CsvMapping {
            date: "Datum".into(),
            amount: "Belopp".into(),
            text: "Text".into(),
            payer: None,
            currency: None,
            id: None,
            date_format: "%Y-%m-%d".into(),
            decimal: ',',
            delimiter: b';',
        }
    }

    #[test]
    fn the_samples_parse() {
        let m = mapping();
        let camt = parse(CAMT.as_bytes(), options(&m)).unwrap();
        assert_eq!(camt.credits.len(), 1);
        assert_eq!(camt.credits[0].payer.as_deref(), Some("ACME & CO"));
        assert_eq!(camt.credits[0].identity, "camt:SE45:svc:A1");
        let ofx = parse(OFX.as_bytes(), options(&m)).unwrap();
        assert_eq!(ofx.credits[0].identity, "ofx:1:F1");
    }

    proptest::proptest! {
        // A hostile or broken file is an error, never a panic (fuzz-style).
        #[test]
        fn no_input_makes_a_parser_panic(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..400)) {
            let m = mapping();
            for format in [None, Some(Format::Camt), Some(Format::Ofx), Some(Format::Csv)] {
                let _ = parse(&bytes, ReadOptions { format, ..options(&m) });
            }
        }

        #[test]
        fn cut_or_changed_statements_never_panic(cut in 0usize..2000, at in 0usize..2000, byte in proptest::num::u8::ANY) {
            let m = mapping();
            for sample in [CAMT, OFX] {
                let mut b = sample.as_bytes().to_vec();
                let i = at % b.len();
                b[i] = byte;
                b.truncate(cut % (b.len() + 1));
                let _ = parse(&b, options(&m));
                let _ = parse(&sample.as_bytes()[..cut % (sample.len() + 1)], options(&m));
            }
        }
    }

    #[test]
    fn digests_are_stable() {
        assert_eq!(digest(&["a", "b"]), digest(&["a", "b"]));
        assert_ne!(digest(&["ab", ""]), digest(&["a", "b"]));
        let mut o = Occurrences::default();
        assert_eq!(o.next("x".into()), "x#0");
        assert_eq!(o.next("x".into()), "x#1");
    }
}
