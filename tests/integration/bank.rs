//! `dun bank` (SPEC.md §11) and payment references, end to end: statements
//! written here in every supported format, read by the real binary against
//! a real SQLite file.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::common::{Env, Run};

// ---------------------------------------------------------------------------
// Statement writers

/// One transaction of a camt entry.
#[derive(Clone, Default)]
struct Tx {
    amount: Option<&'static str>,
    end_to_end: Option<&'static str>,
    svc_ref: Option<&'static str>,
    payer: Option<&'static str>,
    ustrd: Vec<&'static str>,
    strd_ref: Option<&'static str>,
}

/// One camt entry.
#[derive(Clone)]
struct Ntry {
    amount: &'static str,
    ccy: &'static str,
    cdi: &'static str,
    status: &'static str,
    reversal: bool,
    booked: &'static str,
    svc_ref: Option<&'static str>,
    ntry_ref: Option<&'static str>,
    txs: Vec<Tx>,
}

impl Ntry {
    fn credit(svc_ref: &'static str, booked: &'static str, amount: &'static str) -> Ntry {
        Ntry {
            amount,
            ccy: "SEK",
            cdi: "CRDT",
            status: "BOOK",
            reversal: false,
            booked,
            svc_ref: Some(svc_ref),
            ntry_ref: None,
            txs: vec![Tx::default()],
        }
    }

    fn payer(mut self, name: &'static str) -> Ntry {
        self.txs[0].payer = Some(name);
        self
    }

    fn text(mut self, text: &'static str) -> Ntry {
        self.txs[0].ustrd.push(text);
        self
    }

    fn reference(mut self, r: &'static str) -> Ntry {
        self.txs[0].strd_ref = Some(r);
        self
    }
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

fn camt_entry(version: u32, n: &Ntry) -> String {
    let mut x = String::from("      <Ntry>\n");
    if let Some(r) = n.ntry_ref {
        x += &format!("        <NtryRef>{r}</NtryRef>\n");
    }
    x += &format!("        <Amt Ccy=\"{}\">{}</Amt>\n", n.ccy, n.amount);
    x += &format!("        <CdtDbtInd>{}</CdtDbtInd>\n", n.cdi);
    if n.reversal {
        x += "        <RvslInd>true</RvslInd>\n";
    }
    if version >= 8 {
        x += &format!("        <Sts><Cd>{}</Cd></Sts>\n", n.status);
    } else {
        x += &format!("        <Sts>{}</Sts>\n", n.status);
    }
    x += &format!("        <BookgDt><Dt>{}</Dt></BookgDt>\n", n.booked);
    x += &format!("        <ValDt><Dt>{}</Dt></ValDt>\n", n.booked);
    if let Some(r) = n.svc_ref {
        x += &format!("        <AcctSvcrRef>{r}</AcctSvcrRef>\n");
    }
    x += "        <BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd>\n";
    if !n.txs.is_empty() {
        x += "        <NtryDtls>\n";
        for t in &n.txs {
            x += "          <TxDtls>\n";
            x += "            <Refs>";
            if let Some(r) = t.svc_ref {
                x += &format!("<AcctSvcrRef>{r}</AcctSvcrRef>");
            }
            x += &format!(
                "<EndToEndId>{}</EndToEndId></Refs>\n",
                t.end_to_end.unwrap_or("NOTPROVIDED")
            );
            if let Some(a) = t.amount {
                if version >= 3 {
                    x += &format!("            <Amt Ccy=\"{}\">{a}</Amt>\n", n.ccy);
                }
                x += &format!(
                    "            <AmtDtls><TxAmt><Amt Ccy=\"{}\">{a}</Amt></TxAmt></AmtDtls>\n",
                    n.ccy
                );
            }
            if let Some(p) = t.payer {
                if version >= 8 {
                    x += &format!(
                        "            <RltdPties><Dbtr><Pty><Nm>{}</Nm></Pty></Dbtr></RltdPties>\n",
                        esc(p)
                    );
                } else {
                    x += &format!(
                        "            <RltdPties><Dbtr><Nm>{}</Nm></Dbtr></RltdPties>\n",
                        esc(p)
                    );
                }
            }
            if !t.ustrd.is_empty() || t.strd_ref.is_some() {
                x += "            <RmtInf>\n";
                for u in &t.ustrd {
                    x += &format!("              <Ustrd>{}</Ustrd>\n", esc(u));
                }
                if let Some(r) = t.strd_ref {
                    x += &format!(
                        "              <Strd><CdtrRefInf><Tp><CdOrPrtry><Cd>SCOR</Cd></CdOrPrtry><Issr>ISO</Issr></Tp><Ref>{r}</Ref></CdtrRefInf></Strd>\n"
                    );
                }
                x += "            </RmtInf>\n";
            }
            x += "          </TxDtls>\n";
        }
        x += "        </NtryDtls>\n";
    }
    x + "      </Ntry>\n"
}

const IBAN: &str = "SE4550000000058398257466";

/// A camt.053 (statement) or camt.054 (notification) document.
fn camt(message: &str, version: u32, entries: &[Ntry]) -> String {
    let (root, part) = match message {
        "053" => ("BkToCstmrStmt", "Stmt"),
        _ => ("BkToCstmrDbtCdtNtfctn", "Ntfctn"),
    };
    let mut x = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.{message}.001.{version:02}\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">\n  <{root}>\n    <GrpHdr><MsgId>MSG-1</MsgId><CreDtTm>2026-12-01T06:00:00</CreDtTm></GrpHdr>\n    <{part}>\n      <Id>STMT-1</Id>\n      <CreDtTm>2026-12-01T06:00:00</CreDtTm>\n      <Acct><Id><IBAN>{IBAN}</IBAN></Id><Ccy>SEK</Ccy></Acct>\n"
    );
    if message == "053" {
        x += "      <Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy=\"SEK\">10000.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2026-11-27</Dt></Dt></Bal>\n";
    }
    for n in entries {
        x += &camt_entry(version, n);
    }
    x + &format!("    </{part}>\n  </{root}>\n</Document>\n")
}

/// Proves a camt file well-formed with a parser that is not dun's, and
/// returns its namespace.
fn well_formed(xml: &str) -> String {
    let doc = roxmltree::Document::parse(xml).unwrap_or_else(|e| panic!("not well-formed XML: {e}\n{xml}"));
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "Document");
    root.tag_name().namespace().unwrap_or_default().to_string()
}

/// One OFX transaction.
struct Trn {
    kind: &'static str,
    posted: &'static str,
    amount: &'static str,
    fitid: &'static str,
    name: &'static str,
    memo: &'static str,
}

fn ofx_transactions(trns: &[Trn], closed: bool) -> String {
    let mut x = String::new();
    for t in trns {
        let leaf = |tag: &str, v: &str| {
            if closed {
                format!("<{tag}>{v}</{tag}>\n")
            } else {
                format!("<{tag}>{v}\n")
            }
        };
        x += "<STMTTRN>\n";
        x += &leaf("TRNTYPE", t.kind);
        x += &leaf(
            "DTPOSTED",
            &format!("{}120000.000[+1:CET]", t.posted.replace('-', "")),
        );
        x += &leaf("TRNAMT", t.amount);
        x += &leaf("FITID", t.fitid);
        x += &leaf("NAME", &esc(t.name));
        if !t.memo.is_empty() {
            x += &leaf("MEMO", &esc(t.memo));
        }
        x += "</STMTTRN>\n";
    }
    x
}

fn ofx_body(trns: &[Trn], pending: &[Trn], closed: bool) -> String {
    let leaf = |tag: &str, v: &str| {
        if closed {
            format!("<{tag}>{v}</{tag}>\n")
        } else {
            format!("<{tag}>{v}\n")
        }
    };
    let mut x = String::from("<OFX>\n<SIGNONMSGSRSV1>\n<SONRS>\n<STATUS>\n");
    x += &leaf("CODE", "0");
    x += &leaf("SEVERITY", "INFO");
    x += "</STATUS>\n";
    x += &leaf("DTSERVER", "20261201060000");
    x += &leaf("LANGUAGE", "ENG");
    x += "</SONRS>\n</SIGNONMSGSRSV1>\n<BANKMSGSRSV1>\n<STMTTRNRS>\n";
    x += &leaf("TRNUID", "1");
    x += "<STATUS>\n";
    x += &leaf("CODE", "0");
    x += &leaf("SEVERITY", "INFO");
    x += "</STATUS>\n<STMTRS>\n";
    x += &leaf("CURDEF", "SEK");
    x += "<BANKACCTFROM>\n";
    x += &leaf("BANKID", "5000");
    x += &leaf("ACCTID", "58398257466");
    x += &leaf("ACCTTYPE", "CHECKING");
    x += "</BANKACCTFROM>\n<BANKTRANLIST>\n";
    x += &leaf("DTSTART", "20261101");
    x += &leaf("DTEND", "20261201");
    x += &ofx_transactions(trns, closed);
    x += "</BANKTRANLIST>\n";
    if !pending.is_empty() {
        x += "<BANKTRANLISTP>\n";
        x += &ofx_transactions(pending, closed);
        x += "</BANKTRANLISTP>\n";
    }
    x += "<LEDGERBAL>\n";
    x += &leaf("BALAMT", "10000.00");
    x += &leaf("DTASOF", "20261201");
    x += "</LEDGERBAL>\n</STMTRS>\n</STMTTRNRS>\n</BANKMSGSRSV1>\n</OFX>\n";
    x
}

/// OFX 1.02: SGML headers, then tags whose leaves are not closed.
fn ofx1(trns: &[Trn], pending: &[Trn]) -> String {
    "OFXHEADER:100\r\nDATA:OFXSGML\r\nVERSION:102\r\nSECURITY:NONE\r\nENCODING:USASCII\r\nCHARSET:1252\r\nCOMPRESSION:NONE\r\nOLDFILEUID:NONE\r\nNEWFILEUID:NONE\r\n\r\n".to_string()
        + &ofx_body(trns, pending, false).replace('\n', "\r\n")
}

/// OFX 2.2: XML.
fn ofx2(trns: &[Trn], pending: &[Trn]) -> String {
    "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n<?OFX OFXHEADER=\"200\" VERSION=\"220\" SECURITY=\"NONE\" OLDFILEUID=\"NONE\" NEWFILEUID=\"NONE\"?>\n".to_string()
        + &ofx_body(trns, pending, true)
}

// ---------------------------------------------------------------------------
// The ledger the statements are matched against

/// Acme 2026-014 (1,200.00 SEK), Nordlys 2026-019 (450.00), Fjord Media
/// 2026-021 (700.00) and 2026-022 (300.00), Brume 2026-023 (500.00 EUR).
fn ledger() -> Env {
    let env = Env::new();
    for (name, handle) in [
        ("Acme AB", "acme"),
        ("Nordlys AB", "nordlys"),
        ("Fjord Media AS", "fjord"),
        ("Brume SARL", "brume"),
    ] {
        env.ok(&[
            "client",
            "add",
            name,
            "--handle",
            handle,
            "--email",
            &format!("ap@{handle}.example"),
        ]);
    }
    for (number, client, amount, currency) in [
        ("2026-014", "acme", "1200.00", "SEK"),
        ("2026-019", "nordlys", "450.00", "SEK"),
        ("2026-021", "fjord", "700.00", "SEK"),
        ("2026-022", "fjord", "300.00", "SEK"),
        ("2026-023", "brume", "500.00", "EUR"),
    ] {
        env.ok(&[
            "invoice",
            "add",
            number,
            "--client",
            client,
            "--amount",
            amount,
            "--currency",
            currency,
            "--issued",
            "2026-11-01",
            "--due",
            "2026-11-20",
        ]);
    }
    env
}

fn write(env: &Env, name: &str, content: &str) -> PathBuf {
    let path = env.dir.path().join(name);
    std::fs::write(&path, content).unwrap();
    path
}

fn bank(env: &Env, files: &[&Path], extra: &[&str]) -> Run {
    let mut args = vec!["bank".to_string()];
    args.extend(files.iter().map(|p| p.display().to_string()));
    args.extend(extra.iter().map(|s| s.to_string()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    env.run(&args)
}

fn bank_json(env: &Env, files: &[&Path], extra: &[&str]) -> Vec<Value> {
    let mut e = vec!["--format", "json"];
    e.extend_from_slice(extra);
    let r = bank(env, files, &e);
    match r.json() {
        Value::Array(a) => a,
        other => panic!("not an array: {other}"),
    }
}

/// `match` of each credit, in order.
fn verdicts(rows: &[Value]) -> Vec<String> {
    rows.iter()
        .map(|r| r["match"].as_str().unwrap().to_string())
        .collect()
}

fn numbers(row: &Value) -> Vec<String> {
    row["invoices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["number"].as_str().unwrap().to_string())
        .collect()
}

fn balance(env: &Env, number: &str) -> String {
    let v: Value = serde_json::from_str(&env.ok(&["invoice", "show", number, "--format", "json"])).unwrap();
    format!(
        "{} {}",
        v["status"].as_str().unwrap(),
        v["balance"].as_str().unwrap()
    )
}

fn payment_count(env: &Env) -> i64 {
    let conn = rusqlite::Connection::open(env.db()).unwrap();
    conn.query_row("SELECT COUNT(*) FROM payment", [], |r| r.get(0))
        .unwrap()
}

/// The statement of the example, and then some.
fn november() -> Vec<Ntry> {
    vec![
        Ntry::credit("SVC-1", "2026-11-28", "1200.00")
            .payer("ACME AB")
            .text("RF972026014"),
        Ntry::credit("SVC-2", "2026-11-29", "450.00")
            .payer("NORDLYS AB")
            .text("Faktura 2026-019"),
        Ntry::credit("SVC-3", "2026-11-30", "700.00").payer("FJORD MEDIA"),
        Ntry::credit("SVC-4", "2026-11-30", "42.00").payer("KAFFE"),
    ]
}

// ---------------------------------------------------------------------------
// Tests

#[test]
fn camt053_versions_02_and_08_are_well_formed_and_read_alike() {
    for version in [2, 8] {
        let env = ledger();
        let xml = camt("053", version, &november());
        assert_eq!(
            well_formed(&xml),
            format!("urn:iso:std:iso:20022:tech:xsd:camt.053.001.{version:02}")
        );
        let file = write(&env, "statement.xml", &xml);
        let rows = bank_json(&env, &[&file], &["--dry-run"]);
        assert_eq!(
            verdicts(&rows),
            ["certain", "certain", "probable", "unmatched"],
            "v{version}"
        );
        let keys: Vec<&str> = rows[0].as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            [
                "date", "amount", "currency", "payer", "text", "match", "invoices", "recorded", "reason"
            ]
        );
        assert_eq!(rows[0]["date"], "2026-11-28");
        assert_eq!(rows[0]["amount"], "1200.00");
        assert_eq!(rows[0]["currency"], "SEK");
        assert_eq!(rows[0]["payer"], "ACME AB");
        assert_eq!(rows[0]["invoices"][0]["number"], "2026-014");
        assert_eq!(rows[0]["invoices"][0]["balance_after"], "0.00");
        assert_eq!(rows[0]["recorded"], false);
        assert_eq!(numbers(&rows[2]), ["2026-021"]);
        assert!(numbers(&rows[3]).is_empty());
    }
}

#[test]
fn certain_matches_are_recorded_with_yes_and_close_the_invoice() {
    let env = ledger();
    let file = write(&env, "statement.xml", &camt("053", 8, &november()));
    let rows = bank_json(&env, &[&file], &["--yes"]);
    let recorded: Vec<bool> = rows.iter().map(|r| r["recorded"].as_bool().unwrap()).collect();
    assert_eq!(recorded, [true, true, false, false]);
    assert_eq!(balance(&env, "2026-014"), "paid 0.00");
    assert_eq!(balance(&env, "2026-019"), "paid 0.00");
    assert_eq!(
        balance(&env, "2026-021"),
        "overdue 700.00",
        "probable needs consent"
    );
    // The payment went through dun pay's path: dated the booking day, by bank.
    let show = env.ok(&["invoice", "show", "2026-014"]);
    assert!(
        show.contains("2026-11-28  payment    1,200.00 SEK by bank · ACME AB: RF972026014"),
        "{show}"
    );
    assert!(show.contains("2026-11-28  closed     paid"), "{show}");
}

#[test]
fn probable_matches_need_accept_probable() {
    let env = ledger();
    let file = write(&env, "statement.xml", &camt("053", 2, &november()));
    let r = bank(&env, &[&file], &["--yes"]);
    r.ok();
    assert!(
        r.stderr
            .contains("1 probable match not recorded: add --accept-probable"),
        "{}",
        r.stderr
    );
    assert_eq!(balance(&env, "2026-021"), "overdue 700.00");
    // The certain ones are recorded before; now the probable one is taken.
    let rows = bank_json(&env, &[&file], &["--yes", "--accept-probable"]);
    assert_eq!(
        verdicts(&rows),
        ["recorded before", "recorded before", "probable", "unmatched"]
    );
    assert_eq!(rows[2]["recorded"], true);
    assert_eq!(balance(&env, "2026-021"), "paid 0.00");
}

#[test]
fn every_way_of_naming_an_invoice_is_certain() {
    let env = ledger();
    let entries = vec![
        // A structured creditor reference, spaced as printed.
        Ntry::credit("A1", "2026-11-28", "200.00").reference("RF97 2026 014"),
        // The reference in the free text, lower case, with dashes.
        Ntry::credit("A2", "2026-11-28", "100.00").text("betalning rf97-2026-014"),
        // The number with its separator, without, and with a space.
        Ntry::credit("A3", "2026-11-28", "100.00").text("Invoice 2026-014"),
        Ntry::credit("A4", "2026-11-28", "100.00").text("Faktura 2026014"),
        Ntry::credit("A5", "2026-11-28", "100.00").text("ref 2026 014 tack"),
        // Not a whole token: no match.
        Ntry::credit("A6", "2026-11-28", "100.00").text("X2026014"),
    ];
    let file = write(&env, "s.xml", &camt("053", 8, &entries));
    let rows = bank_json(&env, &[&file], &["--yes"]);
    assert_eq!(
        verdicts(&rows),
        ["certain", "certain", "certain", "certain", "certain", "unmatched"]
    );
    // Partial payments count down: 1200 − 600.
    assert_eq!(rows[4]["invoices"][0]["balance_after"], "600.00");
    assert_eq!(balance(&env, "2026-014"), "overdue 600.00");
}

#[test]
fn one_credit_naming_two_invoices_is_split_when_their_balances_add_up() {
    let env = ledger();
    let entries = vec![
        Ntry::credit("S1", "2026-11-28", "1000.00")
            .payer("FJORD MEDIA")
            .text("Fakturor 2026-021, 2026-022"),
        Ntry::credit("S2", "2026-11-28", "999.00")
            .payer("NORDLYS AB")
            .text("2026-019 och 2026-014"),
    ];
    let file = write(&env, "s.xml", &camt("053", 8, &entries));
    let rows = bank_json(&env, &[&file], &["--yes"]);
    assert_eq!(verdicts(&rows), ["certain", "review"]);
    assert_eq!(numbers(&rows[0]), ["2026-021", "2026-022"]);
    assert_eq!(rows[0]["invoices"][0]["amount"], "700.00");
    assert_eq!(rows[0]["invoices"][1]["amount"], "300.00");
    assert!(
        rows[1]["reason"].as_str().unwrap().contains("add up to"),
        "{}",
        rows[1]
    );
    assert_eq!(balance(&env, "2026-021"), "paid 0.00");
    assert_eq!(balance(&env, "2026-022"), "paid 0.00");
    assert_eq!(balance(&env, "2026-019"), "overdue 450.00");
    // One entry, two payments, one identity: the table says so.
    let again = bank(&env, &[&file], &["--dry-run"]);
    let out = again.ok();
    assert!(out.contains("recorded before  2026-021"), "{out}");
    assert!(out.contains("2026-022"), "{out}");
}

#[test]
fn review_cases_are_listed_and_never_recorded() {
    let env = ledger();
    let mut eur_for_sek = Ntry::credit("R1", "2026-11-28", "1200.00").text("2026-014");
    eur_for_sek.ccy = "EUR";
    let entries = vec![
        eur_for_sek,
        Ntry::credit("R2", "2026-11-28", "1300.00").text("2026-014"),
        Ntry::credit("R3", "2026-12-02", "450.00").text("2026-019"),
    ];
    let file = write(&env, "s.xml", &camt("053", 8, &entries));
    let before = env.db_bytes();
    let rows = bank_json(&env, &[&file], &["--yes", "--accept-probable"]);
    assert_eq!(verdicts(&rows), ["review", "review", "review"]);
    let reasons: Vec<&str> = rows.iter().map(|r| r["reason"].as_str().unwrap()).collect();
    assert!(reasons[0].contains("in SEK, the payment in EUR"), "{reasons:?}");
    assert!(
        reasons[1].contains("more than the balance 1200.00 SEK"),
        "{reasons:?}"
    );
    assert!(reasons[2].contains("after today"), "{reasons:?}");
    assert!(rows.iter().all(|r| r["recorded"] == false));
    assert_eq!(
        env.db_bytes(),
        before,
        "a run that records nothing writes nothing"
    );
    // The table explains each.
    let out = bank(&env, &[&file], &["--dry-run"]);
    assert!(
        out.ok().contains("review: 1300.00 SEK is more than the balance"),
        "{}",
        out.stdout
    );
}

#[test]
fn debits_pending_and_reversed_entries_are_left_out() {
    let env = ledger();
    let mut debit = Ntry::credit("I1", "2026-11-28", "1200.00").text("2026-014");
    debit.cdi = "DBIT";
    let mut pending = Ntry::credit("I2", "2026-11-28", "1200.00").text("2026-014");
    pending.status = "PDNG";
    let mut info = Ntry::credit("I3", "2026-11-28", "1200.00").text("2026-014");
    info.status = "INFO";
    let mut reversal = Ntry::credit("I4", "2026-11-28", "1200.00").text("2026-014");
    reversal.reversal = true;
    let entries = vec![
        debit,
        pending,
        info,
        reversal,
        Ntry::credit("I5", "2026-11-28", "42.00").payer("KAFFE"),
    ];
    for version in [2, 8] {
        let file = write(&env, "s.xml", &camt("053", version, &entries));
        let r = bank(&env, &[&file], &["--format", "json", "--dry-run"]);
        let rows = r.json();
        assert_eq!(rows.as_array().unwrap().len(), 1, "{rows}");
        assert!(
            r.stderr
                .contains("1 credit (1 debit, 1 reversal, 2 pending entries left out)"),
            "{}",
            r.stderr
        );
    }
}

#[test]
fn camt054_notifications_are_read_and_the_same_entry_is_recorded_once() {
    let env = ledger();
    let entries = november();
    let n054 = camt("054", 4, &entries);
    assert_eq!(
        well_formed(&n054),
        "urn:iso:std:iso:20022:tech:xsd:camt.054.001.04"
    );
    let f054 = write(&env, "n.xml", &n054);
    let rows = bank_json(&env, &[&f054], &["--yes"]);
    assert_eq!(verdicts(&rows), ["certain", "certain", "probable", "unmatched"]);
    let paid = payment_count(&env);
    assert_eq!(paid, 2);
    // The day's statement, in another version, holds the same entries.
    let f053 = write(&env, "s.xml", &camt("053", 2, &entries));
    let rows = bank_json(&env, &[&f053], &["--yes"]);
    assert_eq!(
        verdicts(&rows),
        ["recorded before", "recorded before", "probable", "unmatched"]
    );
    assert_eq!(payment_count(&env), paid);
}

#[test]
fn reimporting_the_same_or_an_overlapping_statement_records_nothing_twice() {
    let env = ledger();
    let all = november();
    let first = write(&env, "week1.xml", &camt("053", 8, &all[..2]));
    bank(&env, &[&first], &["--yes"]).ok();
    assert_eq!(payment_count(&env), 2);
    let before = env.db_bytes();
    // The same file again: nothing new, nothing written.
    let rows = bank_json(&env, &[&first], &["--yes"]);
    assert_eq!(verdicts(&rows), ["recorded before", "recorded before"]);
    assert_eq!(env.db_bytes(), before);
    // An overlapping statement (.02 this time) and the first again, in one run.
    let mut more = all[1..].to_vec();
    more.push(Ntry::credit("SVC-5", "2026-11-30", "100.00").text("2026-022"));
    let second = write(&env, "week2.xml", &camt("053", 2, &more));
    let r = bank(&env, &[&second, &first], &["--yes", "--format", "json"]);
    let rows = r.json();
    assert!(
        r.stderr.contains("1 entry appeared in more than one file"),
        "{}",
        r.stderr
    );
    assert_eq!(
        verdicts(rows.as_array().unwrap()),
        [
            "recorded before",
            "recorded before",
            "probable",
            "unmatched",
            "certain"
        ]
    );
    assert_eq!(payment_count(&env), 3);
}

#[test]
fn entries_with_several_transactions_are_one_credit_each() {
    let env = ledger();
    let batch = Ntry {
        amount: "1650.00",
        ccy: "SEK",
        cdi: "CRDT",
        status: "BOOK",
        reversal: false,
        booked: "2026-11-28",
        svc_ref: Some("BATCH-1"),
        ntry_ref: None,
        txs: vec![
            Tx {
                amount: Some("1200.00"),
                payer: Some("ACME AB"),
                ustrd: vec!["2026-014"],
                end_to_end: Some("E2E-1"),
                ..Tx::default()
            },
            Tx {
                amount: Some("450.00"),
                payer: Some("NORDLYS AB"),
                ustrd: vec!["2026-019"],
                ..Tx::default()
            },
        ],
    };
    // Without amounts per transaction the entry is one credit naming both.
    let mut lump = batch.clone();
    lump.svc_ref = Some("BATCH-2");
    lump.amount = "1000.00";
    lump.txs = vec![
        Tx {
            ustrd: vec!["2026-021"],
            ..Tx::default()
        },
        Tx {
            ustrd: vec!["2026-022"],
            ..Tx::default()
        },
    ];
    for version in [2, 8] {
        let env = ledger();
        let file = write(
            &env,
            "s.xml",
            &camt("053", version, &[batch.clone(), lump.clone()]),
        );
        let rows = bank_json(&env, &[&file], &["--yes"]);
        assert_eq!(verdicts(&rows), ["certain", "certain", "certain"], "v{version}");
        assert_eq!(rows[0]["amount"], "1200.00");
        assert_eq!(rows[1]["amount"], "450.00");
        assert_eq!(numbers(&rows[2]), ["2026-021", "2026-022"]);
        assert_eq!(payment_count(&env), 4);
        // Again: each transaction is known.
        let rows = bank_json(&env, &[&file], &["--yes"]);
        assert!(verdicts(&rows).iter().all(|v| v == "recorded before"));
    }
    drop(env);
}

#[test]
fn ofx_1_sgml_and_2_xml_are_read() {
    let trns = [
        Trn {
            kind: "CREDIT",
            posted: "2026-11-28",
            amount: "1200.00",
            fitid: "F1",
            name: "ACME AB",
            memo: "Faktura 2026-014",
        },
        Trn {
            kind: "CREDIT",
            posted: "2026-11-29",
            amount: "700.00",
            fitid: "F2",
            name: "FJORD MEDIA",
            memo: "",
        },
        Trn {
            kind: "DEBIT",
            posted: "2026-11-29",
            amount: "-99.00",
            fitid: "F3",
            name: "Office & Co",
            memo: "Paper",
        },
    ];
    let pending = [Trn {
        kind: "CREDIT",
        posted: "2026-11-30",
        amount: "450.00",
        fitid: "P1",
        name: "NORDLYS AB",
        memo: "2026-019",
    }];
    for (name, text) in [
        ("v1.ofx", ofx1(&trns, &pending)),
        ("v2.ofx", ofx2(&trns, &pending)),
    ] {
        let env = ledger();
        if name == "v2.ofx" {
            roxmltree::Document::parse(text.split_once("?>\n").unwrap().1)
                .unwrap_or_else(|e| panic!("OFX 2 is XML: {e}"));
        }
        let file = write(&env, name, &text);
        let r = bank(
            &env,
            &[&file],
            &["--format", "json", "--yes", "--accept-probable"],
        );
        let rows = r.json();
        let rows = rows.as_array().unwrap();
        assert_eq!(verdicts(rows), ["certain", "probable"], "{name}");
        assert_eq!(rows[0]["payer"], "ACME AB");
        assert_eq!(rows[0]["text"], "Faktura 2026-014");
        assert!(
            r.stderr.contains("2 credits (1 debit, 1 pending entry left out)"),
            "{}",
            r.stderr
        );
        assert_eq!(balance(&env, "2026-014"), "paid 0.00");
        assert_eq!(balance(&env, "2026-021"), "paid 0.00");
        // FITIDs make the second read a no-op.
        let rows = bank_json(&env, &[&file], &["--yes"]);
        assert_eq!(verdicts(&rows), ["recorded before", "recorded before"]);
    }
}

const SWEDISH_CSV: &str = "[defaults]
currency = \"SEK\"
[bank.csv]
date = \"Bokföringsdag\"
amount = \"Belopp\"
text = \"Referens\"
payer = \"Avsändare\"
id = \"Verifikationsnummer\"
date_format = \"%Y-%m-%d\"
decimal = \",\"
delimiter = \";\"
";

#[test]
fn csv_exports_shaped_like_three_banks() {
    // Swedish: ';', decimal comma, a line before the header, Windows-1252.
    let env = ledger();
    env.write_config(SWEDISH_CSV);
    let sv = "Kontoutdrag 5000-58398257466\n\
              Bokföringsdag;Valutadag;Verifikationsnummer;Avsändare;Referens;Belopp;Saldo\n\
              2026-11-28;2026-11-28;5484381424;ACME AB;RF972026014;1 200,00;11 200,00\n\
              2026-11-29;2026-11-29;5484381425;Åhléns;Kortköp;-99,50;11 100,50\n\
              2026-11-30;2026-11-30;5484381426;FJORD MEDIA;;700,00;11 800,50\n";
    let latin1: Vec<u8> = sv.chars().map(|c| u8::try_from(u32::from(c)).unwrap()).collect();
    let file = env.dir.path().join("sv.csv");
    std::fs::write(&file, latin1).unwrap();
    let r = bank(
        &env,
        &[&file],
        &["--format", "json", "--yes", "--accept-probable"],
    );
    let rows = r.json();
    assert_eq!(verdicts(rows.as_array().unwrap()), ["certain", "probable"]);
    assert!(
        r.stderr.contains("CSV, 2 credits (1 debit left out)"),
        "{}",
        r.stderr
    );
    assert_eq!(balance(&env, "2026-014"), "paid 0.00");

    // British: Date,Description,Amount,Balance; no id column, so rows are hashed.
    let env = ledger();
    env.write_config(
        "[defaults]\ncurrency = \"SEK\"\n[bank.csv]\ndate = \"Date\"\namount = \"Amount\"\ntext = \"Description\"\ndate_format = \"%d/%m/%Y\"\n",
    );
    let gb = "Date,Description,Amount,Balance\n\
              28/11/2026,\"BACS ACME AB, INV 2026-014\",1200.00,11200.00\n\
              29/11/2026,CARD PAYMENT TESCO,-45.10,11154.90\n\
              30/11/2026,NORDLYS AB 2026 019,450.00,11604.90\n";
    let file = write(&env, "gb.csv", gb);
    let rows = bank_json(&env, &[&file], &["--yes"]);
    assert_eq!(verdicts(&rows), ["certain", "certain"]);
    let rows = bank_json(&env, &[&file], &["--yes"]);
    assert_eq!(verdicts(&rows), ["recorded before", "recorded before"]);

    // German: Buchungstag;Verwendungszweck;Betrag, DD.MM.YYYY, 1.200,00.
    let env = ledger();
    env.write_config(
        "[defaults]\ncurrency = \"SEK\"\n[bank.csv]\ndate = \"Buchungstag\"\namount = \"Betrag\"\ntext = \"Verwendungszweck\"\ndate_format = \"%d.%m.%Y\"\ndecimal = \",\"\ndelimiter = \";\"\n",
    );
    let de = "Buchungstag;Verwendungszweck;Betrag\n\
              28.11.2026;Rechnung 2026-014;1.200,00\n\
              29.11.2026;Miete Dezember;-850,00\n";
    let file = write(&env, "de.csv", de);
    let rows = bank_json(&env, &[&file], &["--yes"]);
    assert_eq!(verdicts(&rows), ["certain"]);
    assert_eq!(rows[0]["date"], "2026-11-28");
    assert_eq!(balance(&env, "2026-014"), "paid 0.00");
}

#[test]
fn a_truncated_file_records_nothing_and_names_the_line() {
    let env = ledger();
    let xml = camt("053", 8, &november());
    let cut = &xml[..xml.len() * 2 / 3];
    let good = write(&env, "good.xml", &camt("053", 8, &november()[..1]));
    let bad = write(&env, "cut.xml", cut);
    let before = env.db_bytes();
    // The good file comes first: still nothing is recorded.
    let r = bank(&env, &[&good, &bad], &["--yes"]);
    let err = r.fails(1);
    assert!(
        err.contains("cut.xml") && err.contains("line ") && err.contains("cut short"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
    assert_eq!(env.db_bytes(), before);
    assert_eq!(payment_count(&env), 0);

    let ofx = ofx1(
        &[Trn {
            kind: "CREDIT",
            posted: "2026-11-28",
            amount: "1200.00",
            fitid: "F1",
            name: "ACME AB",
            memo: "2026-014",
        }],
        &[],
    );
    let bad = write(&env, "cut.ofx", &ofx[..ofx.len() - 60]);
    let err = bank(&env, &[&bad], &["--yes"]).fails(1).to_string();
    assert!(err.contains("cut.ofx") && err.contains("cut short"), "{err}");
    assert_eq!(env.db_bytes(), before);
}

#[test]
fn an_xxe_attempt_records_nothing_and_leaks_nothing() {
    let env = ledger();
    let secret = env.dir.path().join("secret.txt");
    std::fs::write(&secret, "TOP-SECRET-PASSWORD").unwrap();
    let xml = camt("053", 8, &november()).replacen(
        "<Document",
        &format!(
            "<!DOCTYPE Document [<!ENTITY xxe SYSTEM \"file://{}\">]>\n<Document",
            secret.display()
        ),
        1,
    );
    let xml = xml.replacen("RF972026014", "&xxe;", 1);
    let file = write(&env, "xxe.xml", &xml);
    let laughs = camt("053", 8, &november()).replacen(
        "<Document",
        "<!DOCTYPE Document [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">]>\n<Document",
        1,
    );
    let laughs = write(&env, "laughs.xml", &laughs.replacen("RF972026014", "&b;", 1));
    // An undeclared entity in a document without a DOCTYPE is refused too.
    let bare = write(
        &env,
        "bare.xml",
        &camt("053", 8, &november()).replacen("RF972026014", "&xxe;", 1),
    );
    let ofx = ofx2(&[], &[]).replacen(
        "<OFX>",
        &format!(
            "<!DOCTYPE OFX [<!ENTITY xxe SYSTEM \"file://{}\">]>\n<OFX>",
            secret.display()
        ),
        1,
    );
    let ofx = write(&env, "xxe.ofx", &ofx);
    let before = env.db_bytes();
    for (f, word) in [
        (&file, "entities"),
        (&laughs, "entities"),
        (&bare, "entity"),
        (&ofx, "entities"),
    ] {
        for extra in [&["--yes"][..], &["--dry-run", "--format", "json"][..]] {
            let r = bank(&env, &[f], extra);
            let err = r.fails(1);
            assert!(err.contains(word), "{err}");
            assert!(!r.stdout.contains("TOP-SECRET") && !r.stderr.contains("TOP-SECRET"));
        }
    }
    assert_eq!(env.db_bytes(), before);
}

#[test]
fn bad_input_is_one_line_and_changes_nothing() {
    let env = ledger();
    let good = write(&env, "s.xml", &camt("053", 8, &november()));
    let before = env.db_bytes();
    let missing = env.dir.path().join("nosuch.xml");
    let big = env.dir.path().join("big.xml");
    std::fs::File::create(&big)
        .unwrap()
        .set_len(51 * 1024 * 1024)
        .unwrap();
    let csv = write(&env, "x.csv", "Datum;Text;Summa\n2026-11-28;2026-014;1200,00\n");
    let html = write(&env, "page.html", "<html><body>not a statement</body></html>");
    // Files, arguments, the config, the exit code, what the error says.
    type Case<'a> = (Vec<&'a Path>, Vec<&'a str>, Option<&'a str>, i32, Vec<&'a str>);
    let cases: Vec<Case> = vec![
        (vec![&missing], vec!["--yes"], None, 1, vec!["nosuch.xml"]),
        (vec![env.dir.path()], vec!["--yes"], None, 1, vec!["is a folder"]),
        (
            vec![&big],
            vec!["--yes"],
            None,
            1,
            vec!["big.xml", "larger than 50 MiB"],
        ),
        (vec![&good], vec!["--as", "mt940"], None, 2, vec!["mt940"]),
        (
            vec![&good],
            vec!["--as", "ofx", "--yes"],
            None,
            1,
            vec!["s.xml", "<OFX>"],
        ),
        (
            vec![&csv],
            vec!["--yes"],
            Some(SWEDISH_CSV),
            1,
            vec!["x.csv", "\"Bokföringsdag\" ([bank.csv] date)"],
        ),
        (vec![&csv], vec!["--yes"], None, 1, vec!["x.csv", "[bank.csv]"]),
        (
            vec![&html],
            vec!["--yes"],
            None,
            1,
            vec!["page.html", "neither a camt"],
        ),
        (
            vec![&good],
            vec!["--yes"],
            Some("[bank.csv]\ndate = \"D\"\namount = \"A\"\ntext = \"T\"\ncolumn = \"x\"\n"),
            1,
            vec!["column", "line 5"],
        ),
        (
            vec![&good],
            vec!["--yes"],
            Some("[bank.csv]\ndate = \"D\"\namount = \"A\"\ntext = \"T\"\ndecimal = \";\"\n"),
            1,
            vec!["decimal", "line 5"],
        ),
        (
            vec![&good],
            vec!["--yes"],
            Some("[bank.csv]\ndate = \"D\"\namount = \"A\"\ntext = \"T\"\ndate_format = \"%Y\"\n"),
            1,
            vec!["date_format", "line 5"],
        ),
        (
            vec![&good],
            vec!["--yes"],
            Some("[bank.csv]\ndate = \"D\"\n"),
            1,
            vec!["[bank.csv] needs amount"],
        ),
        (
            vec![&good],
            vec!["--yes"],
            Some("[sender]\nreference = \"iban\"\n"),
            1,
            vec!["reference", "line 2"],
        ),
    ];
    for (files, extra, config, code, needles) in cases {
        match config {
            Some(c) => env.write_config(c),
            None => {
                let _ = std::fs::remove_file(env.config());
            }
        }
        let r = bank(&env, &files, &extra);
        let err = r.fails(code);
        for n in &needles {
            assert!(err.contains(n), "{extra:?} {config:?}: {err}");
        }
        if code == 1 {
            assert_eq!(err.lines().count(), 1, "{err}");
        }
        assert_eq!(env.db_bytes(), before, "{needles:?}");
    }
}

#[test]
fn without_a_terminal_and_without_yes_nothing_is_recorded() {
    let env = ledger();
    let file = write(&env, "s.xml", &camt("053", 8, &november()));
    let before = env.db_bytes();
    let r = bank(&env, &[&file], &[]);
    let err = r.fails(2);
    assert!(err.contains("--yes"), "{err}");
    assert!(r.stdout.contains("certain"), "the table is shown: {}", r.stdout);
    assert_eq!(env.db_bytes(), before);
    // --dry-run needs neither a terminal nor --yes.
    let r = bank(&env, &[&file], &["--dry-run"]);
    let out = r.ok();
    assert!(
        out.contains("dry run: nothing recorded (2 certain, 1 probable)"),
        "{out}"
    );
    assert_eq!(env.db_bytes(), before);
    // Nothing to consent to: exit 0 without --yes.
    let kaffe = write(&env, "k.xml", &camt("053", 8, &november()[3..]));
    assert!(bank(&env, &[&kaffe], &[]).ok().contains("nothing to record"));
    assert_eq!(env.db_bytes(), before);
}

#[test]
fn the_table_fits_80_columns_with_totals() {
    let env = ledger();
    let mut entries = november();
    entries.push(
        Ntry::credit("L1", "2026-11-30", "5.00")
            .payer("A VERY LONG PAYER NAME THAT NO TABLE CAN HOLD AB")
            .text("A remittance text that goes on and on and on well past the edge of any terminal"),
    );
    let file = write(&env, "s.xml", &camt("053", 8, &entries));
    // Not a terminal: nothing is cut; the columns are there.
    let out = bank(&env, &[&file], &["--dry-run"]).ok().to_string();
    let head = out.lines().next().unwrap();
    for col in [
        "date",
        "amount",
        "payer",
        "text",
        "match",
        "invoice",
        "balance after",
    ] {
        assert!(head.contains(col), "{head}");
    }
    assert!(out.contains("2026-11-28  1,200.00 SEK  ACME AB"), "{out}");
    assert!(
        out.contains("Total 2,397.00 SEK in 5 credits: 2 certain, 1 probable, 2 unmatched"),
        "{out}"
    );
    // On an 80-column terminal every line fits.
    let screen = on_terminal(&env, &format!("bank {} --dry-run", file.display()), "");
    for line in screen.lines() {
        assert!(
            line.chars().count() <= 80,
            "{} columns: {line}",
            line.chars().count()
        );
    }
    assert!(screen.contains('…'), "{screen}");
    assert!(screen.contains("2026-11-30"), "{screen}");
}

/// Runs dun on a pseudo-terminal of 80 columns (util-linux `script`) with
/// `input` typed in; returns what the terminal showed.
fn on_terminal(env: &Env, args: &str, input: &str) -> String {
    let script = which("script");
    let bin = env!("CARGO_BIN_EXE_dun");
    let cmd = format!("stty cols 80 rows 50 2>/dev/null; {bin} {args}");
    let mut child = std::process::Command::new(script)
        .args(["-qec", &cmd, "/dev/null"])
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", env.dir.path())
        .env("DUN_DB", env.db())
        .env("DUN_CONFIG", env.config())
        .env("DUN_TODAY", &env.today)
        .env("NO_COLOR", "1")
        .env("TERM", "dumb")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("script starts");
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().unwrap();
        for line in input.lines() {
            std::thread::sleep(std::time::Duration::from_millis(300));
            stdin.write_all(format!("{line}\n").as_bytes()).unwrap();
        }
        std::thread::sleep(std::time::Duration::from_millis(300));
    }
    let out = child.wait_with_output().unwrap();
    String::from_utf8_lossy(&out.stdout).replace("\r\n", "\n")
}

fn which(tool: &str) -> PathBuf {
    std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
        .map(|d| d.join(tool))
        .find(|p| p.exists())
        .unwrap_or_else(|| panic!("this test needs `{tool}` (util-linux) on PATH"))
}

#[test]
fn at_the_prompt_certain_ones_are_asked_together_and_probable_ones_one_by_one() {
    let env = ledger();
    let mut entries = november();
    entries.push(
        Ntry::credit("SVC-6", "2026-11-30", "500.00")
            .payer("Brume")
            .text(""),
    );
    entries[4].ccy = "EUR";
    let file = write(&env, "s.xml", &camt("053", 8, &entries));
    let screen = on_terminal(&env, &format!("bank {}", file.display()), "y\nn\ny\n");
    assert!(screen.contains("record 2 certain payments? [y/N]"), "{screen}");
    assert!(
        screen.contains("record 700.00 SEK from FJORD MEDIA on invoice 2026-021 (Fjord Media AS)? [y/N]"),
        "{screen}"
    );
    assert!(
        screen.contains("record 500.00 EUR from Brume on invoice 2026-023 (Brume SARL)? [y/N]"),
        "{screen}"
    );
    assert!(
        screen.contains("recorded 3 payments on 3 invoices (3 now paid in full"),
        "{screen}"
    );
    assert_eq!(balance(&env, "2026-014"), "paid 0.00");
    assert_eq!(balance(&env, "2026-021"), "overdue 700.00", "answered no");
    assert_eq!(balance(&env, "2026-023"), "paid 0.00");
}

#[test]
fn references_are_made_when_invoices_are_added_and_shown() {
    let env = ledger();
    let show = env.ok(&["invoice", "show", "2026-014"]);
    assert!(show.contains("  reference    RF97 2026 014\n"), "{show}");
    let list: Value = serde_json::from_str(&env.ok(&["invoice", "list", "--format", "json"])).unwrap();
    assert_eq!(list[0]["reference"], "RF972026014");
    let overdue: Value = serde_json::from_str(&env.ok(&["overdue", "--format", "json"])).unwrap();
    let keys: Vec<&str> = overdue[0]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys.last(), Some(&"reference"));
    assert_eq!(overdue[0]["reference"], "RF972026014");

    // A number that reads the same to a bank gets a reference of its own.
    env.ok(&["invoice", "add", "2026/014", "--client", "acme", "--amount", "10"]);
    let v: Value =
        serde_json::from_str(&env.ok(&["invoice", "show", "2026/014", "--format", "json"])).unwrap();
    let r = v["reference"].as_str().unwrap();
    assert!(r.starts_with("RF") && r.contains("DUN"), "{r}");
    // OCR, and none.
    env.write_config("[sender]\nreference = \"ocr\"\n");
    env.ok(&["invoice", "add", "2026-030", "--client", "acme", "--amount", "10"]);
    let v: Value =
        serde_json::from_str(&env.ok(&["invoice", "show", "2026-030", "--format", "json"])).unwrap();
    // 2026030, the length digit 9 (7 digits + 2), the Luhn check digit 8.
    assert_eq!(v["reference"], "202603098");
    env.write_config("[sender]\nreference = \"none\"\n");
    env.ok(&["invoice", "add", "2026-031", "--client", "acme", "--amount", "10"]);
    let show = env.ok(&["invoice", "show", "2026-031"]);
    assert!(!show.contains("reference"), "{show}");
    // The old references stay, and dun bank still knows them.
    let file = write(
        &env,
        "s.xml",
        &camt(
            "053",
            8,
            &[Ntry::credit("X1", "2026-11-28", "1200.00").reference("RF97 2026 014")],
        ),
    );
    let rows = bank_json(&env, &[&file], &["--yes"]);
    assert_eq!(verdicts(&rows), ["certain"]);
}

#[test]
fn a_credit_quoting_a_paid_invoice_is_for_review() {
    let env = ledger();
    env.ok(&["pay", "2026-014"]);
    let file = write(
        &env,
        "s.xml",
        &camt(
            "053",
            8,
            &[Ntry::credit("X1", "2026-11-28", "1200.00").reference("RF972026014")],
        ),
    );
    let rows = bank_json(&env, &[&file], &["--yes"]);
    assert_eq!(verdicts(&rows), ["review"]);
    assert_eq!(rows[0]["reason"], "invoice 2026-014 is already paid");
}

/// The loop closed: a reminder is due; the statement records the payment;
/// `dun send` right after sends nothing for that invoice (and still sends
/// the reminder of the one nobody paid), over a real SMTP server.
#[test]
fn after_the_statement_no_reminder_goes_to_the_client_who_paid() {
    use crate::smtp_server::SmtpServer;
    let server = SmtpServer::start();
    let mut env = Env::new();
    env.set_today("2026-12-01");
    env.write_config(&format!(
        "[sender]\nname = \"Fia Freelance\"\nemail = \"fia@example.org\"\n\n[defaults]\ncurrency = \"SEK\"\n\n{}",
        server.smtp_section()
    ));
    for (name, handle) in [("Acme AB", "acme"), ("Nordlys AB", "nordlys")] {
        env.ok(&[
            "client",
            "add",
            name,
            "--handle",
            handle,
            "--email",
            &format!("ap@{handle}.example"),
        ]);
    }
    for (number, client) in [("2026-014", "acme"), ("2026-019", "nordlys")] {
        env.ok(&[
            "invoice",
            "add",
            number,
            "--client",
            client,
            "--amount",
            "1200.00",
            "--issued",
            "2026-11-01",
            "--due",
            "2026-12-01",
        ]);
    }
    let due = env.ok(&["due"]);
    assert!(due.contains("2026-014") && due.contains("2026-019"), "{due}");
    // The reminder that would go out quotes the reference.
    // (The reference is held together by no-break spaces.)
    let preview = env.ok(&["preview", "2026-014"]).replace('\u{a0}', " ");
    assert!(
        preview.contains("Please quote the reference RF97 2026 014 with your payment."),
        "{preview}"
    );

    let file = write(
        &env,
        "s.xml",
        &camt(
            "053",
            8,
            &[Ntry::credit("E1", "2026-11-30", "1200.00")
                .payer("ACME AB")
                .text("RF97 2026 014")],
        ),
    );
    let out = bank(&env, &[&file], &["--yes"]).ok().to_string();
    assert!(
        out.contains("recorded 1 payment on 1 invoice (1 now paid in full, off the ladder)"),
        "{out}"
    );

    let r = env.run(&["send", "--yes"]);
    r.ok();
    let sent = server.messages();
    assert_eq!(sent.len(), 1, "{}", r.stdout);
    assert_eq!(sent[0].to, ["ap@nordlys.example"]);
    assert!(!sent[0].text().contains("2026-014"));
    assert!(
        sent[0]
            .body()
            .replace('\u{a0}', " ")
            .contains("Please quote the reference RF59 2026 019 with your payment."),
        "{}",
        sent[0].text()
    );
}

/// A database from before references (schema 3, with invoices) gets an RF
/// reference for each invoice on upgrade, in the same transaction; two
/// numbers that read alike get distinct references.
#[test]
fn an_upgraded_database_gets_references_for_its_invoices() {
    let env = Env::new();
    std::fs::create_dir_all(env.db().parent().unwrap()).unwrap();
    {
        let conn = rusqlite::Connection::open(env.db()).unwrap();
        for sql in [
            include_str!("../../migrations/0001_ledger.sql"),
            include_str!("../../migrations/0002_scan_index.sql"),
            include_str!("../../migrations/0003_foundation.sql"),
        ] {
            conn.execute_batch(sql).unwrap();
        }
        conn.execute_batch(&format!(
            "PRAGMA application_id = {}; PRAGMA user_version = 3;
             INSERT INTO client (handle, name, emails, lang, created_at)
                 VALUES ('acme', 'Acme AB', 'ap@acme.example', 'sv', '2026-11-01T00:00:00Z');
             INSERT INTO invoice (number, client_id, issued, due, amount, currency, entered_on, created_at)
                 VALUES ('2026-014', 1, '2026-11-01', '2026-12-01', 120000, 'SEK', '2026-11-01', '2026-11-01T00:00:00Z'),
                        ('2026/014', 1, '2026-11-01', '2026-12-01', 5000, 'SEK', '2026-11-01', '2026-11-01T00:00:00Z'),
                        ('---', 1, '2026-11-01', '2026-12-01', 5000, 'SEK', '2026-11-01', '2026-11-01T00:00:00Z');",
            dun::store::APPLICATION_ID
        ))
        .unwrap();
    }
    let r = env.run(&["invoice", "list", "--format", "json"]);
    assert!(r.stderr.contains("upgraded"), "{}", r.stderr);
    let list: Value = serde_json::from_str(r.ok()).unwrap();
    let reference = |number: &str| -> &'static str {
        let row = list
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["number"] == number)
            .unwrap();
        row["reference"].as_str().unwrap().to_string().leak()
    };
    assert_eq!(reference("2026-014"), "RF972026014");
    assert!(reference("2026/014").contains("DUN2"), "{list}");
    assert!(reference("---").contains("DUN3"), "{list}");
    let refs = [reference("---")];
    let file = write(
        &env,
        "s.xml",
        &camt(
            "053",
            8,
            &[Ntry::credit("U1", "2026-11-30", "50.00").reference(refs[0])],
        ),
    );
    let rows = bank_json(&env, &[&file], &["--yes"]);
    assert_eq!(numbers(&rows[0]), ["---"]);
}
