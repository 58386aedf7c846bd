//! The reader on files shaped like real exports, and on the edge of each
//! convention it detects.

use super::*;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn problems(text: &str) -> Vec<String> {
    read(text.as_bytes())
        .expect_err("a problem")
        .iter()
        .map(Problem::describe)
        .collect()
}

#[test]
fn a_swedish_export_semicolons_decimal_comma_and_a_bom() {
    let text = "\u{feff}Fakturanummer;Kund;E-post;Fakturadatum;Förfallodatum;Belopp;Valuta\r\n\
                2027-001;Lindqvist Arkitekter AB;ekonomi@lindqvist.example;2026-12-15;2027-01-14;18 500,00;SEK\r\n\
                2027-009;Fåglar i Göteborg AB;;2027-02-01;2027-03-03;1.250,50;SEK\r\n\
                ;;;;;;\r\n";
    let s = read(text.as_bytes()).unwrap();
    assert_eq!(s.conventions.delimiter, b';');
    assert!(s.conventions.bom);
    assert_eq!(s.conventions.decimal, Some(Decimal::Comma));
    assert_eq!(s.conventions.dates, Some(DateStyle::Iso));
    assert_eq!(s.rows.len(), 2, "the blank row is left out");
    let r = &s.rows[0];
    assert_eq!(r.line, 2);
    assert_eq!(r.number.as_deref(), Some("2027-001"));
    assert_eq!(r.client.as_deref(), Some("Lindqvist Arkitekter AB"));
    assert_eq!(r.amount.as_deref(), Some("18500.00"));
    assert_eq!(r.due, Some(d(2027, 1, 14)));
    assert_eq!(s.rows[1].amount.as_deref(), Some("1250.50"));
    assert_eq!(s.rows[1].email, None);
    assert_eq!(
        s.conventions.describe(),
        "delimiter \";\", decimal comma, dates YYYY-MM-DD, a UTF-8 byte-order mark"
    );
}

#[test]
fn a_spreadsheet_with_invoice_hash_and_day_first_slashes() {
    let text = "Invoice #,Customer,Email,Invoice Date,Due Date,Total,Amount Paid,Currency\n\
                INV-0042,Thistle & Pine Ltd,accounts@thistlepine.example,03/02/2027,05/03/2027,\"1,200.00\",600.00,GBP\n\
                INV-0043,Thistle & Pine Ltd,accounts@thistlepine.example,20/02/2027,22/03/2027,850,,GBP\n";
    let s = read(text.as_bytes()).unwrap();
    assert_eq!(s.conventions.delimiter, b',');
    assert_eq!(s.conventions.decimal, Some(Decimal::Point));
    assert_eq!(s.conventions.dates, Some(DateStyle::DaySlashMonth));
    assert_eq!(s.conventions.date_evidence, Some(3));
    assert_eq!(s.rows[0].issued, Some(d(2027, 2, 3)));
    assert_eq!(s.rows[0].due, Some(d(2027, 3, 5)));
    assert_eq!(s.rows[0].amount.as_deref(), Some("1200.00"));
    assert_eq!(s.rows[0].paid.as_deref(), Some("600.00"));
    assert_eq!(s.rows[1].paid, None);
}

#[test]
fn slashes_month_first_when_a_date_says_so_and_day_first_when_none_does() {
    let us = "number,client,due,amount\nA-1,acme,04/25/2027,5\nA-2,acme,05/01/2027,5\n";
    let s = read(us.as_bytes()).unwrap();
    assert_eq!(s.conventions.dates, Some(DateStyle::MonthSlashDay));
    assert_eq!(s.rows[1].due, Some(d(2027, 5, 1)));
    let unclear = "number,client,due,amount\nA-1,acme,04/05/2027,5\n";
    let s = read(unclear.as_bytes()).unwrap();
    assert_eq!(s.conventions.dates, Some(DateStyle::DaySlashMonth));
    assert_eq!(s.conventions.date_evidence, None);
    assert_eq!(s.rows[0].due, Some(d(2027, 5, 4)));
    assert!(s.conventions.describe().contains("assumed"));
    let both = "number,client,due,amount\nA-1,acme,25/04/2027,5\nA-2,acme,04/25/2027,5\n";
    assert_eq!(
        problems(both),
        [
            "row 3, column due: date \"04/25/2027\" puts the month first and \"25/04/2027\" in row 2 the day first; write every date of the file one way"
        ]
    );
}

#[test]
fn russian_turkish_and_romanian_headers() {
    let ru = "Номер счёта\tКонтрагент\tДата счета\tСрок оплаты\tСумма\tВалюта\n\
              15\tООО Ромашка\t01.02.2027\t03.03.2027\t95 000,00\tRUB\n";
    let s = read(ru.as_bytes()).unwrap();
    assert_eq!(s.conventions.delimiter, b'\t');
    assert_eq!(s.conventions.dates, Some(DateStyle::Dotted));
    assert_eq!(s.rows[0].amount.as_deref(), Some("95000.00"));
    assert_eq!(s.rows[0].client.as_deref(), Some("ООО Ромашка"));
    let tr = "Fatura No;Müşteri;Fatura Tarihi;Vade Tarihi;Tutar;Para Birimi\n\
              2027-004;Boğaziçi Yayıncılık A.Ş.;05.02.2027;07.03.2027;48.000,00;TRY\n";
    let s = read(tr.as_bytes()).unwrap();
    assert_eq!(s.rows[0].amount.as_deref(), Some("48000.00"));
    assert_eq!(s.rows[0].issued, Some(d(2027, 2, 5)));
    let ro = "Număr factură;Client;Data emiterii;Data scadenței;Valoare;Monedă\n\
              MS-7;Studio Mureș SRL;10.02.2027;12.03.2027;7.900,00;RON\n";
    let s = read(ro.as_bytes()).unwrap();
    assert_eq!(s.rows[0].amount.as_deref(), Some("7900.00"));
    assert_eq!(s.rows[0].currency.as_deref(), Some("RON"));
}

#[test]
fn an_unknown_column_is_named() {
    assert_eq!(
        problems("number,client,VAT,amount\n1,acme,25,100\n"),
        [
            "row 1, column \"VAT\": dun does not know this column; rename it to one dun reads (dun import --help lists them) or delete it"
        ]
    );
    assert_eq!(
        problems("Belopp,Total\n1,2\n"),
        ["row 1, column \"Total\" (amount): column \"Belopp\" already gives the amount; keep one of the two"]
    );
}

#[test]
fn amounts_one_way_throughout() {
    let mixed = "number;client;amount\n1;a;1200,50\n2;a;1200.50\n";
    assert_eq!(
        problems(mixed),
        [
            "row 3, column amount: \"1200.50\" writes decimals differently from \"1200,50\" in row 2; write every amount of the file one way, like 1200.50 or like 1200,50"
        ]
    );
    // `1,200` alone: thousands.
    let s = read(b"number,client,amount\n1,a,\"1,200\"\n2,a,300\n").unwrap();
    assert!(s.conventions.grouping_assumed);
    assert_eq!(s.rows[0].amount.as_deref(), Some("1200"));
    let s = read(b"number;client;amount\n1;a;1.200\n").unwrap();
    assert_eq!(s.conventions.decimal, Some(Decimal::Comma));
    assert_eq!(s.rows[0].amount.as_deref(), Some("1200"));
    let p = problems("number;client;amount\n1;a;1.200\n2;a;1,500\n");
    assert!(
        p[0].starts_with("row 3, column amount:") && p[0].contains("different signs"),
        "{p:?}"
    );
}

#[test]
fn plain_amounts_from_each_convention() {
    for (cell, dec, want) in [
        ("1200", Decimal::Point, "1200"),
        ("1,200.50", Decimal::Point, "1200.50"),
        ("1 200.50", Decimal::Point, "1200.50"),
        ("1 200,50", Decimal::Comma, "1200.50"),
        ("1\u{a0}200,50", Decimal::Comma, "1200.50"),
        ("1.200.000,5", Decimal::Comma, "1200000.5"),
        ("-5", Decimal::Point, "-5"),
    ] {
        assert_eq!(plain_amount(cell, dec).as_deref(), Ok(want), "{cell:?}");
    }
    for (cell, dec) in [
        ("12,00,0", Decimal::Point),
        ("1,20.5", Decimal::Point),
        ("€1200", Decimal::Point),
        ("1200 kr", Decimal::Comma),
        ("12.", Decimal::Point),
        ("1200,50", Decimal::Point),
        ("abc", Decimal::Comma),
    ] {
        assert!(plain_amount(cell, dec).is_err(), "{cell:?}");
    }
}

#[test]
fn dates_one_way_throughout_and_real() {
    let p = problems("number,client,issued,due,amount\n1,a,2027-01-01,01.02.2027,5\n");
    assert_eq!(
        p,
        [
            "row 2, column due: date \"01.02.2027\" is written differently from \"2027-01-01\" in row 2; write every date of the file one way"
        ]
    );
    let p = problems("number,client,due,amount\n1,a,31.02.2027,5\n");
    assert_eq!(
        p,
        [
            "row 2, column due: date \"31.02.2027\" does not exist in the calendar (read as DD.MM.YYYY); write a real date"
        ]
    );
    let p = problems("number,client,due,amount\n1,a,1 March,5\n");
    assert!(p[0].contains("YYYY-MM-DD, DD.MM.YYYY or DD/MM/YYYY"), "{p:?}");
    let p = problems("number,client,terms,amount\n1,a,30 days,5\n");
    assert!(
        p[0].starts_with("row 2, column terms: terms \"30 days\""),
        "{p:?}"
    );
}

#[test]
fn a_row_of_the_wrong_width_and_text_that_is_not_utf8() {
    let p = problems("number,client,amount\n1,a,5\n2,a,1,5\n");
    assert_eq!(
        p,
        [
            "row 3: the row has 4 cells and the header 3; check for a comma inside a cell that is not in quotes"
        ]
    );
    let mut bytes = b"number,client,amount\n1,a,5\n2,".to_vec();
    bytes.extend_from_slice(&[0xC5, b'k', b'e', b',', b'5', b'\n']);
    let p: Vec<String> = read(&bytes).unwrap_err().iter().map(Problem::describe).collect();
    assert!(p[0].starts_with("row 3: the text is not UTF-8"), "{p:?}");
    assert!(problems("")[0].contains("empty"));
}

#[test]
fn text_cells_stay_as_written() {
    let s = read(b"number,client,description\n1,\"=HYPERLINK(\"\"x\"\")\",\"+1 line\nand two\"\n").unwrap();
    assert_eq!(s.rows[0].client.as_deref(), Some("=HYPERLINK(\"x\")"));
    assert_eq!(s.rows[0].description.as_deref(), Some("+1 line\nand two"));
}
