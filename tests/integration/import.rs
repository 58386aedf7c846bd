//! `dun import` (SPEC.md §14) through the real binary, on files shaped like
//! the exports of spreadsheets and of Swedish, British, Turkish, Russian and
//! Romanian invoicing tools; every refusal leaves the database file byte for
//! byte as it was.

use serde_json::Value;

use crate::common::{Env, Run};

/// Writes `name` in the sandbox with these bytes; returns its path.
fn file(env: &Env, name: &str, bytes: &[u8]) -> String {
    let path = env.dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    path.display().to_string()
}

fn import(env: &Env, args: &[&str]) -> Run {
    let mut all = vec!["import"];
    all.extend_from_slice(args);
    env.run(&all)
}

fn show(env: &Env, number: &str) -> Value {
    env.run(&["invoice", "show", number, "--format", "json"]).json()
}

fn statement(env: &Env, handle: &str) -> Value {
    env.run(&["client", "show", handle, "--format", "json"]).json()
}

/// Every run of spaces squeezed to one (a leading indent to one space), so
/// that checks do not depend on column widths.
fn squash(text: &str) -> String {
    text.lines()
        .map(|l| {
            let lead = if l.starts_with(' ') { " " } else { "" };
            format!("{lead}{}", l.split_whitespace().collect::<Vec<_>>().join(" "))
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

fn invoice_count(env: &Env) -> usize {
    env.run(&["invoice", "list", "--format", "json"])
        .json()
        .as_array()
        .map(Vec::len)
        .unwrap_or(0)
}

/// A Swedish tool's export: a byte-order mark, semicolons, CRLF, decimal
/// commas with spaces between thousands, and a blank row at the end.
const SWEDISH: &str = "\u{feff}Fakturanummer;Kund;Kundnamn;E-post;Telefon;Språk;Fakturadatum;Förfallodatum;Belopp;Valuta;Betalt;Betaldatum\r\n\
    2027-001;lindqvist;Lindqvist Arkitekter AB;ekonomi@lindqvist.example;+46 8 555 123 40;sv;2026-12-15;2027-01-14;18 500,00;SEK;;\r\n\
    2027-003;lindqvist;Lindqvist Arkitekter AB;ekonomi@lindqvist.example;+46 8 555 123 40;sv;2027-01-10;2027-02-09;6 250,00;SEK;6 250,00;2027-02-20\r\n\
    2027-009;;Fåglar i Göteborg AB;;;;2027-02-01;2027-03-03;1.250,50;SEK;250,50;\r\n\
    ;;;;;;;;;;;\r\n";

#[test]
fn a_swedish_export_with_a_bom_semicolons_and_decimal_commas() {
    let mut env = Env::new();
    env.set_today("2027-03-01");
    let path = file(&env, "fakturor.csv", SWEDISH.as_bytes());
    let out = import(&env, &[&path]).ok().to_string();
    assert!(
        out.contains(
            "3 invoices\n  delimiter \";\", decimal comma, dates YYYY-MM-DD, a UTF-8 byte-order mark\n"
        ),
        "{out}"
    );
    assert!(
        out.contains("added 2 clients: lindqvist, faglar-i-goteborg-ab"),
        "{out}"
    );
    assert!(out.contains("added 3 invoices, 1 of them paid in full"), "{out}");

    let c = statement(&env, "lindqvist");
    assert_eq!(c["name"], "Lindqvist Arkitekter AB");
    assert_eq!(c["emails"][0], "ekonomi@lindqvist.example");
    assert_eq!(c["phone"], "+46 8 555 123 40");
    assert_eq!(c["lang"], "sv");
    let f = statement(&env, "faglar-i-goteborg-ab");
    assert_eq!(f["name"], "Fåglar i Göteborg AB");
    assert_eq!(f["lang"], "en", "the config's language when the file gives none");

    let a = show(&env, "2027-001");
    assert_eq!(
        (a["amount"].as_str(), a["currency"].as_str()),
        (Some("18500.00"), Some("SEK"))
    );
    assert_eq!(
        (a["issued"].as_str(), a["due"].as_str()),
        (Some("2026-12-15"), Some("2027-01-14"))
    );
    assert_eq!(a["status"], "overdue");
    let paid = show(&env, "2027-003");
    assert_eq!(paid["status"], "paid");
    let events: Vec<String> = paid["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            format!(
                "{} {} {}",
                e["date"].as_str().unwrap(),
                e["kind"].as_str().unwrap(),
                e["detail"].as_str().unwrap()
            )
        })
        .collect();
    assert!(
        events
            .iter()
            .any(|e| e.starts_with("2027-02-20 payment 6,250.00 SEK")),
        "{events:?}"
    );
    // Paid without a date: the day of the import.
    let part = show(&env, "2027-009");
    assert_eq!(
        (part["paid"].as_str(), part["balance"].as_str()),
        (Some("250.50"), Some("1000.00"))
    );
    assert!(
        part["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["kind"] == "payment" && e["date"] == "2027-03-01"),
        "{part}"
    );

    // The same file again: nothing to do, nothing written.
    let before = env.db_bytes();
    let again = import(&env, &[&path]).ok().to_string();
    assert!(
        again.contains("nothing to add or change") && again.contains("3 skipped"),
        "{again}"
    );
    assert_eq!(before, env.db_bytes());
}

/// A spreadsheet saved as CSV in Britain: `Invoice #`, day-first slashes,
/// thousands with commas in quotes.
const SPREADSHEET: &str = "Invoice #,Customer,Client Name,Email,Invoice Date,Due Date,Total,Amount Paid,Currency,Description\n\
    INV-0042,thistle,Thistle & Pine Ltd,accounts@thistlepine.example,03/02/2027,05/03/2027,\"1,200.00\",600.00,GBP,Brand refresh\n\
    INV-0043,thistle,Thistle & Pine Ltd,accounts@thistlepine.example,20/02/2027,22/03/2027,850,,GBP,=HYPERLINK(\"http://x.example\")\n";

#[test]
fn a_spreadsheet_with_invoice_hash_and_day_first_dates() {
    let mut env = Env::new();
    env.set_today("2027-03-08");
    let path = file(&env, "invoices.csv", SPREADSHEET.as_bytes());
    let out = import(&env, &[&path])
        .ok()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        out.contains("delimiter \",\", decimal point, dates DD/MM/YYYY (a day above 12 in row 3 tells)"),
        "{out}"
    );
    let a = show(&env, "INV-0042");
    assert_eq!(
        (a["issued"].as_str(), a["due"].as_str()),
        (Some("2027-02-03"), Some("2027-03-05"))
    );
    assert_eq!(
        (a["amount"].as_str(), a["paid"].as_str()),
        (Some("1200.00"), Some("600.00"))
    );
    assert_eq!(a["client"], "thistle");
    assert_eq!(a["client_name"], "Thistle & Pine Ltd");
    // A text cell is text: stored as written, never evaluated.
    let b = show(&env, "INV-0043");
    assert_eq!(b["description"], "=HYPERLINK(\"http://x.example\")");
    assert_eq!(b["due"], "2027-03-22");
}

#[test]
fn russian_turkish_and_romanian_exports() {
    let mut env = Env::new();
    env.set_today("2027-03-08");
    let ru = "Номер счёта\tКонтрагент\tЭлектронная почта\tДата счета\tСрок оплаты\tСумма\tВалюта\tОплачено\n\
              15\tООО Ромашка\tbuh@romashka.example\t01.02.2027\t03.03.2027\t95 000,00\tRUB\t5 000,00\n";
    let tr = "Fatura No;Müşteri;E-posta;Fatura Tarihi;Vade Tarihi;Tutar;Para Birimi;Açıklama\n\
              2027-004;Boğaziçi Yayıncılık A.Ş.;muhasebe@bogazici.example;05.02.2027;07.03.2027;48.000,00;TRY;Kitap kapağı\n";
    let ro = "Număr factură;Client;Email;Data emiterii;Data scadenței;Valoare;Monedă;Limbă\n\
              MS-7;Studio Mureș SRL;contabil@mures.example;10.02.2027;12.03.2027;7.900,00;RON;ro\n";
    for (name, text) in [("ru.csv", ru), ("tr.csv", tr), ("ro.csv", ro)] {
        let path = file(&env, name, text.as_bytes());
        let out = import(&env, &[&path]).ok().to_string();
        assert!(
            out.contains("dates DD.MM.YYYY") && out.contains("decimal comma"),
            "{name}: {out}"
        );
    }
    let r = show(&env, "15");
    assert_eq!(
        (r["amount"].as_str(), r["paid"].as_str()),
        (Some("95000.00"), Some("5000.00"))
    );
    assert_eq!(r["client"], "ooo-romashka");
    assert_eq!(r["client_name"], "ООО Ромашка");
    let t = show(&env, "2027-004");
    assert_eq!(
        (t["amount"].as_str(), t["currency"].as_str()),
        (Some("48000.00"), Some("TRY"))
    );
    assert_eq!(t["client"], "bogazici-yayincilik-a-s");
    assert_eq!(t["description"], "Kitap kapağı");
    let m = show(&env, "MS-7");
    assert_eq!(
        (m["due"].as_str(), m["amount"].as_str()),
        (Some("2027-03-12"), Some("7900.00"))
    );
    assert_eq!(statement(&env, "studio-mures-srl")["lang"], "ro");
}

/// One bad file against a database holding one client and one invoice.
struct Bad {
    what: &'static str,
    text: &'static str,
    args: &'static [&'static str],
    /// What the one-line error must contain (besides the file's name).
    names: &'static [&'static str],
}

const BAD_FILES: &[Bad] = &[
    Bad {
        what: "an amount that is not a number",
        text: "number;client;due;amount\nA-1;acme;2027-04-01;100,00\nA-2;acme;2027-04-01;12 abc\n",
        args: &[],
        names: &["row 3, column amount:", "\"12 abc\"", "like 1 200,50"],
    },
    Bad {
        what: "an unknown column",
        text: "Invoice #,Customer,VAT,Total\nA-1,acme,25,100\n",
        args: &[],
        names: &[
            "row 1, column \"VAT\"",
            "does not know this column",
            "dun import --help",
        ],
    },
    Bad {
        what: "decimals written two ways",
        text: "number;client;amount\nA-1;acme;1200,50\nA-2;acme;1200.50\n",
        args: &[],
        names: &[
            "row 3, column amount:",
            "\"1200.50\"",
            "\"1200,50\" in row 2",
            "one way",
        ],
    },
    Bad {
        what: "dates written two ways",
        text: "number,client,issued,due,amount\nA-1,acme,2027-01-01,2027-02-01,5\nA-2,acme,01.01.2027,01.02.2027,5\n",
        args: &[],
        names: &[
            "row 3, column issued:",
            "\"01.01.2027\"",
            "\"2027-01-01\" in row 2",
        ],
    },
    Bad {
        what: "a date not in the calendar",
        text: "number,client,due,amount\nA-1,acme,30.02.2027,5\n",
        args: &[],
        names: &["row 2, column due:", "\"30.02.2027\"", "does not exist"],
    },
    Bad {
        what: "a bad e-mail address",
        text: "number,client,email,amount\nA-1,New Client AB,not-an-address,5\n",
        args: &[],
        names: &["row 2, column email:", "\"not-an-address\"", "name@example.org"],
    },
    Bad {
        what: "an unknown currency",
        text: "Fakturanummer;Kund;Belopp;Valuta\nA-1;acme;5;KR\n",
        args: &[],
        names: &["row 2, column \"Valuta\" (currency):", "\"KR\"", "ISO 4217"],
    },
    Bad {
        what: "a country that is not an ISO 3166-1 code",
        text: "Fakturanummer;Kund;Land;Belopp\nA-1;Nova AB;SE;5\nA-2;Nova AB;Sverige;5\n",
        args: &[],
        names: &[
            "row 3, column \"Land\" (country):",
            "\"Sverige\"",
            "ISO 3166-1",
            "like SE",
        ],
    },
    Bad {
        what: "UK for a country",
        text: "number,client,country,amount\nA-1,Nova Ltd,UK,5\n",
        args: &[],
        names: &["row 2, column country:", "\"UK\"", "write GB"],
    },
    Bad {
        what: "a consumer cell that is neither yes nor no",
        text: "number;client;Privatperson;amount\nA-1;Nova AB;ja;5\nA-2;Eva Berg;kanske;5\n",
        args: &[],
        names: &[
            "row 3, column \"Privatperson\" (consumer):",
            "\"kanske\"",
            "yes/true/1/ja/evet/да/da",
            "no/false/0/nej/hayır/нет/nu",
        ],
    },
    Bad {
        what: "a company number longer than a line",
        text: "number,client,org number,amount\nA-1,Nova AB,556677889900112233445566778899001122334455,5\n",
        args: &[],
        names: &["row 2, column org number:", "longer than 40"],
    },
    Bad {
        what: "a client in dun whose country differs",
        text: "number,client,country,amount\nA-1,acme,DE,5\n",
        args: &[],
        names: &[
            "row 2, column country:",
            "client acme has country none in dun",
            "\"DE\"",
            "--update",
        ],
    },
    Bad {
        what: "the rows of one new client disagree on consumer",
        text: "number,client,consumer,amount\nA-1,Eva Berg,yes,5\nA-2,Eva Berg,no,5\n",
        args: &[],
        names: &["row 3, column consumer:", "row 2 gave \"yes\""],
    },
    Bad {
        what: "an invoice number twice",
        text: "number,client,amount\nA-1,acme,5\nA-1,acme,6\n",
        args: &[],
        names: &["row 3, column number:", "A-1", "twice (row 2 too)"],
    },
    Bad {
        what: "more paid than the amount",
        text: "number,client,amount,paid\nA-1,acme,5,6\n",
        args: &[],
        names: &["row 2, column paid:", "6.00", "balance"],
    },
    Bad {
        what: "a zero amount",
        text: "number,client,amount\nA-1,acme,0\n",
        args: &[],
        names: &["row 2, column amount:", "zero"],
    },
    Bad {
        what: "an amount above the bound",
        text: "number,client,amount\nA-1,acme,99999999999999999\n",
        args: &[],
        names: &["row 2, column amount:", "too large"],
    },
    Bad {
        what: "a row with a cell too many",
        text: "number,client,amount\nA-1,acme,5\nA-2,acme,1,5\n",
        args: &[],
        names: &["row 3:", "4 cells", "header 3"],
    },
    Bad {
        what: "no invoice number column",
        text: "client,amount\nacme,5\n",
        args: &[],
        names: &["row 1:", "no invoice number column"],
    },
    Bad {
        what: "a step not on the ladder",
        text: "number,client,amount,step\nA-1,acme,5,lawyer\n",
        args: &[],
        names: &["row 2, column step:", "\"lawyer\"", "reminder"],
    },
    Bad {
        what: "--step not on the ladder",
        text: "number,client,amount\nA-1,acme,5\n",
        args: &["--step", "lawyer"],
        names: &["--step", "\"lawyer\""],
    },
    Bad {
        what: "an invoice in dun that differs",
        text: "number,client,amount,currency\nA-1,acme,5,SEK\n2026-014,acme,1300.00,SEK\n",
        args: &[],
        names: &[
            "row 3, column amount:",
            "invoice 2026-014",
            "1,200.00 SEK → 1,300.00 SEK",
            "--update",
        ],
    },
    Bad {
        what: "a client in dun whose e-mail differs",
        text: "number,client,email,amount\nA-1,acme,other@acme.example,5\n",
        args: &[],
        names: &[
            "row 2, column email:",
            "client acme",
            "\"ap@acme.example\"",
            "--update",
        ],
    },
    Bad {
        what: "the rows of one new client disagree",
        text: "number,client,email,amount\nA-1,Nova AB,a@nova.example,5\nA-2,Nova AB,b@nova.example,5\n",
        args: &[],
        names: &["row 3, column email:", "row 2 gave \"a@nova.example\""],
    },
    Bad {
        what: "due and terms that disagree",
        text: "number,client,issued,due,terms,amount\nA-1,acme,2027-01-01,2027-02-15,30,5\n",
        args: &[],
        names: &["row 2, column due:", "terms of 30 days", "2027-01-31"],
    },
    Bad {
        what: "a file that is not UTF-8",
        text: "number,client,amount\nA-1,\u{0}\u{0}acme,5\n",
        args: &[],
        names: &["row 2"],
    },
];

#[test]
fn a_bad_file_is_refused_naming_file_row_and_column_and_nothing_is_written() {
    let mut failures = Vec::new();
    for case in BAD_FILES {
        let env = Env::new();
        env.with_acme();
        let mut bytes = case.text.as_bytes().to_vec();
        if case.what == "a file that is not UTF-8" {
            // Latin-1 "Å", as an old spreadsheet saves it.
            let at = bytes.iter().position(|b| *b == 0).unwrap();
            bytes.splice(at..at + 2, [0xC5]);
        }
        let path = file(&env, "bad.csv", &bytes);
        let before = env.db_bytes();
        let mut args = vec![path.as_str()];
        args.extend_from_slice(case.args);
        let r = import(&env, &args);
        let err = r.stderr.trim_end();
        let mut wrong = Vec::new();
        if r.code != 1 {
            wrong.push(format!("exit {}", r.code));
        }
        if !err.starts_with("error: ") || err.contains('\n') {
            wrong.push("not one error line".to_string());
        }
        if !case.names.contains(&"--step") && !err.contains(&format!("{path} ")) {
            wrong.push("the file is not named".into());
        }
        for n in case.names {
            if !err.contains(n) {
                wrong.push(format!("{n:?} not named"));
            }
        }
        if !r.stdout.is_empty() {
            wrong.push(format!("stdout {:?}", r.stdout));
        }
        if before != env.db_bytes() {
            wrong.push("the database changed".into());
        }
        if !wrong.is_empty() {
            failures.push(format!("{}: {}\n  {err}", case.what, wrong.join("; ")));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A Swedish export that says who each client is in law: `Land`,
/// `Organisationsnummer` and `Privatperson` columns.
const SWEDISH_PARTIES: &str = "\u{feff}Fakturanummer;Kund;Land;Organisationsnummer;Privatperson;Förfallodatum;Belopp;Valuta\r\n\
    2027-101;Lindqvist Arkitekter AB;se;556677-8899;nej;2027-04-01;18 500,00;SEK\r\n\
    2027-102;Lindqvist Arkitekter AB;SE;556677-8899;;2027-04-15;2 000,00;SEK\r\n\
    2027-103;Eva Berg;SE;;Ja;2027-04-01;1 200,00;SEK\r\n\
    2027-104;Nordic Parts Oy;FI;1234567-8;;2027-04-01;900,00;EUR\r\n";

#[test]
fn a_swedish_export_says_each_client_s_country_company_number_and_consumer() {
    let mut env = Env::new();
    env.set_today("2027-03-01");
    let path = file(&env, "kunder.csv", SWEDISH_PARTIES.as_bytes());
    let out = import(&env, &[&path]).ok().to_string();
    assert!(out.contains("added 3 clients"), "{out}");
    let l = statement(&env, "lindqvist-arkitekter-ab");
    assert_eq!(
        (
            l["country"].as_str(),
            l["org_number"].as_str(),
            l["consumer"].as_bool()
        ),
        (Some("SE"), Some("556677-8899"), Some(false)),
        "{l}"
    );
    let e = statement(&env, "eva-berg");
    assert_eq!(
        (
            e["country"].as_str(),
            e["org_number"].as_str(),
            e["consumer"].as_bool()
        ),
        (Some("SE"), None, Some(true)),
        "{e}"
    );
    let n = statement(&env, "nordic-parts-oy");
    assert_eq!(
        (
            n["country"].as_str(),
            n["org_number"].as_str(),
            n["consumer"].as_bool()
        ),
        (Some("FI"), Some("1234567-8"), Some(false)),
        "{n}"
    );
    // The screen a person reads says it too.
    let shown = squash(env.run(&["client", "show", "eva-berg"]).ok());
    assert!(shown.contains("law SE, consumer"), "{shown}");

    // The same file again: the same facts, nothing written.
    let before = env.db_bytes();
    let again = import(&env, &[&path]).ok().to_string();
    assert!(again.contains("nothing to add or change"), "{again}");
    assert_eq!(before, env.db_bytes());

    // Another country for a client dun has: refused, then taken with --update.
    let moved = file(
        &env,
        "flytt.csv",
        "Fakturanummer;Kund;Land;Privatperson;Belopp;Valuta\n2027-105;Eva Berg;NO;nej;300,00;SEK\n"
            .as_bytes(),
    );
    let err = import(&env, &[&moved]).fails(1).to_string();
    assert!(
        err.contains("row 2, column \"Land\" (country): client eva-berg has country \"SE\" in dun and the file says \"NO\""),
        "{err}"
    );
    assert!(err.contains("and 1 more problem (row 2)"), "{err}");
    assert_eq!(before, env.db_bytes());
    let out = import(&env, &[&moved, "--update"]).ok().to_string();
    assert!(
        out.contains("changed client eva-berg: country \"SE\" → \"NO\", consumer \"yes\" → \"no\""),
        "{out}"
    );
    let e = statement(&env, "eva-berg");
    assert_eq!(
        (e["country"].as_str(), e["consumer"].as_bool()),
        (Some("NO"), Some(false)),
        "{e}"
    );
}

#[test]
fn several_bad_rows_are_counted_in_the_one_line() {
    let env = Env::new();
    env.with_acme();
    let path = file(
        &env,
        "bad.csv",
        b"number,client,amount\nA-1,acme,x\nA-2,acme,5\nA-3,acme,y\nA-4,acme,z\n",
    );
    let before = env.db_bytes();
    let err = import(&env, &[&path]).fails(1).to_string();
    assert!(err.contains("row 2, column amount: amount \"x\""), "{err}");
    assert!(
        err.contains("; and 2 more problems (rows 4, 5); nothing was imported"),
        "{err}"
    );
    assert_eq!(before, env.db_bytes());
    assert_eq!(invoice_count(&env), 1);
}

#[test]
fn update_takes_the_file_s_facts() {
    let mut env = Env::new();
    env.set_today("2026-12-10");
    env.with_acme();
    let path = file(
        &env,
        "update.csv",
        b"number,client,email,amount,currency,paid,paid_on,due\n\
          2026-014,acme,billing@acme.example,1300.00,SEK,500,2026-12-05,2026-12-01\n\
          2026-020,acme,billing@acme.example,99.50,SEK,,,2027-01-15\n",
    );
    let before = env.db_bytes();
    let err = import(&env, &[&path]).fails(1).to_string();
    assert!(err.contains("client acme has e-mail"), "{err}");
    assert_eq!(before, env.db_bytes());

    let dry = squash(import(&env, &[&path, "--update", "--dry-run"]).ok());
    for line in [
        "Invoices to add (1)\nnumber client amount due\n2026-020 acme 99.50 SEK 2027-01-15\n",
        "To change (2)\n client acme: e-mail \"ap@acme.example\" → \"billing@acme.example\"\n",
        " invoice 2026-014: amount 1,200.00 SEK → 1,300.00 SEK, paid 0.00 SEK → 500.00 SEK\n",
        "dry run: nothing written (1 invoice to add; 1 client and 1 invoice to change)",
    ] {
        assert!(dry.contains(line), "{line:?} not in:\n{dry}");
    }
    assert_eq!(before, env.db_bytes(), "--dry-run wrote");

    let out = import(&env, &[&path, "--update"]).ok().to_string();
    assert!(out.contains("changed invoice 2026-014"), "{out}");
    let c = statement(&env, "acme");
    assert_eq!(c["emails"], serde_json::json!(["billing@acme.example"]));
    let a = show(&env, "2026-014");
    assert_eq!(
        (a["amount"].as_str(), a["paid"].as_str()),
        (Some("1300.00"), Some("500.00"))
    );
    assert!(
        a["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["kind"] == "payment" && e["date"] == "2026-12-05"),
        "{a}"
    );
    assert_eq!(invoice_count(&env), 2);
    // Again: the same now, nothing written.
    let before = env.db_bytes();
    let again = import(&env, &[&path, "--update"]).ok().to_string();
    assert!(again.contains("nothing to add or change"), "{again}");
    assert_eq!(before, env.db_bytes());
}

#[test]
fn update_refuses_what_invoice_edit_refuses() {
    let env = Env::new();
    env.with_acme();
    env.ok(&["client", "add", "Beta Oy", "--handle", "beta"]);
    env.ok(&["log", "2026-014", "call", "--outcome", "no-answer"]);
    let path = file(
        &env,
        "move.csv",
        b"number,client,amount,currency\n2026-014,beta,1200.00,SEK\n",
    );
    let before = env.db_bytes();
    let err = import(&env, &[&path, "--update"]).fails(1).to_string();
    assert!(err.contains("row 2: invoice 2026-014"), "{err}");
    assert!(err.contains("1 contact logged with acme"), "{err}");
    assert_eq!(before, env.db_bytes());
    // The same with --dry-run: the same refusal, found by the same checks.
    let err = import(&env, &[&path, "--update", "--dry-run"])
        .fails(1)
        .to_string();
    assert!(err.contains("1 contact logged with acme"), "{err}");
    assert_eq!(before, env.db_bytes());
}

#[test]
fn dry_run_lists_what_would_happen_and_writes_nothing() {
    let mut env = Env::new();
    env.set_today("2027-03-01");
    env.ok(&[
        "client",
        "add",
        "Lindqvist Arkitekter AB",
        "--handle",
        "lindqvist",
        "--email",
        "ekonomi@lindqvist.example",
        "--phone",
        "+46 8 555 123 40",
        "--lang",
        "sv",
    ]);
    env.ok(&[
        "invoice",
        "add",
        "2027-001",
        "--client",
        "lindqvist",
        "--amount",
        "18500",
        "--currency",
        "SEK",
        "--issued",
        "2026-12-15",
        "--due",
        "2027-01-14",
    ]);
    let path = file(&env, "fakturor.csv", SWEDISH.as_bytes());
    let before = env.db_bytes();
    let out = squash(import(&env, &[&path, "--dry-run"]).ok());
    for line in [
        "Clients to add (1)\nhandle name\nfaglar-i-goteborg-ab Fåglar i Göteborg AB\n",
        "\n2027-003 lindqvist 6,250.00 SEK 2027-02-09 6,250.00\n",
        "In dun already, the same: skipped (1)\n 2027-001\n",
        "dry run: nothing written (1 client and 2 invoices to add; 1 invoice to skip)",
    ] {
        assert!(out.contains(line), "{line:?} not in:\n{out}");
    }
    assert!(!out.contains("\nlindqvist Lindqvist"), "{out}");
    assert_eq!(before, env.db_bytes());
    assert_eq!(invoice_count(&env), 1);
}

#[test]
fn step_for_the_whole_file_or_per_row() {
    let mut env = Env::new();
    env.set_today("2027-03-08");
    let path = file(
        &env,
        "steps.csv",
        b"number,client,issued,due,amount,currency,step\n\
          S-1,acme,2027-01-01,2027-01-20,100,EUR,call\n\
          S-2,acme,2027-01-01,2027-01-20,100,EUR,\n",
    );
    import(&env, &[&path, "--step", "follow-up"]).ok();
    assert_eq!(show(&env, "S-1")["next_step"], "call");
    assert_eq!(show(&env, "S-2")["next_step"], "follow-up");
    let conn = rusqlite::Connection::open(env.db()).unwrap();
    let steps: Vec<(String, String)> = conn
        .prepare("SELECT number, start_step FROM invoice ORDER BY number")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    assert_eq!(
        steps,
        [
            ("S-1".to_string(), "call".to_string()),
            ("S-2".to_string(), "follow-up".to_string())
        ]
    );
}

#[test]
fn a_client_is_found_by_handle_then_by_exact_name() {
    let env = Env::new();
    env.ok(&[
        "client",
        "add",
        "Acme AB",
        "--handle",
        "acme",
        "--email",
        "ap@acme.example",
    ]);
    let path = file(
        &env,
        "clients.csv",
        b"number,client,amount\nN-1,acme,5\nN-2,ACME AB,5\nN-3,Acme,5\nN-4,acm,5\n",
    );
    let out = import(&env, &[&path]).ok().to_string();
    // "acm" is not a prefix match here: a file names clients exactly.
    assert!(out.contains("added 1 client: acm"), "{out}");
    let clients: Vec<String> = ["N-1", "N-2", "N-3", "N-4"]
        .iter()
        .map(|n| show(&env, n)["client"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(clients, ["acme", "acme", "acme", "acm"]);
}
