//! `dun letter`: text and PDF letters (SPEC.md §13), read back with the real
//! `pdftotext`, `pdfinfo` and `pdffonts` of poppler-utils.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use crate::common::{Env, mode};

const TODAY: &str = "2026-12-10";

const CONFIG: &str = r#"
[sender]
name = "Fia Freelance"
email = "fia@example.org"
address = """
Storgatan 1
111 22 Stockholm
"""
org_number = "559123-4567"
vat_number = "SE559123456701"
payment_instructions = "Bankgiro 123-4567"

[fees]
flat_fee = "40.00"
interest_percent = 8.0
"#;

/// The return line the PDF prints above the address: not part of the text letter.
const RETURN_LINE: &str = "Fia Freelance · Storgatan 1 · 111 22 Stockholm";

/// One client per language, with the letters each language needs to survive.
struct Case {
    lang: &'static str,
    number: &'static str,
    name: &'static str,
    address: &'static str,
    currency: &'static str,
    letters: &'static [&'static str],
}

const CASES: &[Case] = &[
    Case {
        lang: "en",
        number: "2026-101",
        name: "Harbour & Co Ltd",
        address: "12 Quay Street | Bristol BS1 4DJ | UNITED KINGDOM",
        currency: "GBP",
        letters: &["–", "Harbour & Co Ltd"],
    },
    Case {
        lang: "sv",
        number: "2026-102",
        name: "Åkesson & Söner AB",
        address: "Kungsvägen 5 | 411 38 Göteborg",
        currency: "SEK",
        letters: &["å", "ä", "ö", "Å"],
    },
    Case {
        lang: "tr",
        number: "2026-103",
        name: "Güneş Çiçekçilik A.Ş.",
        address: "İstiklal Caddesi No 12 | 34433 Beyoğlu/İstanbul | TÜRKİYE",
        currency: "TRY",
        letters: &["ç", "ğ", "ı", "İ", "ş"],
    },
    Case {
        lang: "ru",
        number: "2026-104",
        name: "ООО «Жёлтый Дом»",
        address: "ул. Тверская, д. 7 | Москва, 125009 | РОССИЯ",
        currency: "RUB",
        letters: &["Ж", "ё", "Требование", "Москва"],
    },
    Case {
        lang: "ro",
        number: "2026-105",
        name: "Țesătoria Câmpina SRL",
        address: "Strada Mărășești 5 | 100001 Ploiești | ROMÂNIA",
        currency: "RON",
        letters: &["ă", "â", "î", "ș", "ț", "Ț", "Î"],
    },
];

/// Fails with a clear message when poppler-utils is missing: never a silent pass.
fn poppler(tool: &str, args: &[&str]) -> String {
    let out = Command::new(tool).args(args).output().unwrap_or_else(|e| {
        panic!("{tool} is needed for this test and could not run ({e}); install poppler-utils (apt-get install poppler-utils)")
    });
    assert!(
        out.status.success(),
        "{tool} {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("poppler prints UTF-8")
}

fn pdftotext(pdf: &Path, mode: Option<&str>) -> String {
    let p = pdf.to_str().unwrap();
    match mode {
        Some(m) => poppler("pdftotext", &[m, p, "-"]),
        None => poppler("pdftotext", &[p, "-"]),
    }
}

fn words(text: &str) -> Vec<String> {
    text.split_whitespace().map(String::from).collect()
}

fn bag(words: &[String]) -> BTreeMap<&str, usize> {
    let mut m = BTreeMap::new();
    for w in words {
        *m.entry(w.as_str()).or_default() += 1;
    }
    m
}

/// "page 2 of 3" in `lang`.
fn page_label(lang: &str, page: usize, pages: usize) -> String {
    match lang {
        "sv" => format!("sida {page} av {pages}"),
        "tr" => format!("sayfa {page} / {pages}"),
        "ru" => format!("страница {page} из {pages}"),
        "ro" => format!("pagina {page} din {pages}"),
        _ => format!("page {page} of {pages}"),
    }
}

/// What pdftotext read, less the lines the PDF adds for the paper: the
/// return line, the page labels and the continuation headers (which end in
/// a page label).
fn letter_words(extracted: &str, lang: &str) -> Vec<String> {
    let paper_line = |t: &str| {
        (1..=9).any(|n| {
            (1..=n).any(|p| {
                let label = page_label(lang, p, n);
                t == label || t.ends_with(&format!(" · {label}"))
            })
        })
    };
    let kept: Vec<&str> = extracted
        .lines()
        .filter(|l| {
            let t = l.trim();
            t != RETURN_LINE && !paper_line(t)
        })
        .collect();
    words(&kept.join("\n"))
}

fn env() -> Env {
    let mut env = Env::new();
    env.set_today(TODAY);
    env.write_config(CONFIG);
    env
}

/// A client of `case` with one invoice whose demand letter is due today
/// (due 40 days ago; the earlier steps done elsewhere), one unanswered call
/// on file and a part payment.
fn add_case(env: &Env, case: &Case) {
    let handle = format!("c-{}", case.lang);
    env.ok(&[
        "client",
        "add",
        "--handle",
        &handle,
        "--email",
        &format!("ap@{}.example", case.lang),
        "--lang",
        case.lang,
        "--address",
        case.address,
        "--org-number",
        "556677-8899",
        "--",
        case.name,
    ]);
    env.ok(&[
        "invoice",
        "add",
        case.number,
        "--client",
        &handle,
        "--amount",
        "12000.00",
        "--currency",
        case.currency,
        "--issued",
        "2026-10-01",
        "--due",
        "2026-10-31",
        "--description",
        "Design",
        "--step",
        "demand",
    ]);
    env.ok(&[
        "log",
        case.number,
        "call",
        "--outcome",
        "no-answer",
        "--on",
        "2026-11-20",
    ]);
    env.ok(&["pay", case.number, "2000", "--on", "2026-11-25"]);
}

#[test]
fn the_pdf_carries_the_words_of_the_text_letter_in_five_languages() {
    let env = env();
    for case in CASES {
        add_case(&env, case);
        let text = env.ok(&["letter", case.number]);
        let pdf = env.dir.path().join(format!("{}.pdf", case.lang));
        env.ok(&["letter", case.number, "--pdf", "--out", pdf.to_str().unwrap()]);
        assert_eq!(mode(&pdf), 0o600, "{}: the letter is private", case.lang);

        // In reading order (-raw follows the page's drawing order), word by word.
        let raw = pdftotext(&pdf, Some("-raw"));
        assert!(
            raw.contains(RETURN_LINE),
            "{}: the return line:\n{raw}",
            case.lang
        );
        assert_eq!(
            letter_words(&raw, case.lang),
            words(&text),
            "{}: pdftotext -raw differs from the text letter\n--- pdf\n{raw}\n--- text\n{text}",
            case.lang
        );
        // As a user runs it: the same words (pdftotext may read a table
        // column by column).
        let plain = pdftotext(&pdf, None);
        assert_eq!(
            bag(&letter_words(&plain, case.lang)),
            bag(&words(&text)),
            "{}: pdftotext differs from the text letter\n--- pdf\n{plain}\n--- text\n{text}",
            case.lang
        );
        for l in case
            .letters
            .iter()
            .chain(&[case.name, "Fia Freelance", "556677-8899"])
        {
            assert!(plain.contains(l), "{}: {l:?} is not intact:\n{plain}", case.lang);
        }
        // The recipient's address lines are in the letter, one per line.
        for line in case.address.split(" | ") {
            assert!(
                plain.lines().any(|l| l.trim() == line),
                "{}: address line {line:?}:\n{plain}",
                case.lang
            );
        }
        // The recipient's company number under its address, labelled as the
        // sender's is ("Org.nr 556677-8899"), not in the sender's block.
        let last = case.address.split(" | ").last().unwrap();
        let lines: Vec<&str> = text.lines().map(str::trim).collect();
        let at = lines.iter().position(|l| *l == last).unwrap();
        assert!(
            lines[at + 1].ends_with(" 556677-8899") && !lines[at + 1].contains("Ert"),
            "{}: the company number under the address:\n{text}",
            case.lang
        );

        let fonts = poppler("pdffonts", &[pdf.to_str().unwrap()]);
        let rows: Vec<&str> = fonts.lines().skip(2).collect();
        assert!(!rows.is_empty(), "{fonts}");
        for row in &rows {
            // name: a subset tag ABCDEF+; emb, sub and uni all "yes".
            let name = row.split_whitespace().next().unwrap();
            assert!(
                name.len() > 7 && name.as_bytes()[6] == b'+' && name.contains("DejaVuSerif"),
                "not a subset of DejaVu Serif: {row}"
            );
            assert!(
                row.contains("yes yes yes"),
                "embedded, subset, with ToUnicode: {row}"
            );
        }
    }
}

/// Every word's box in a `pdftotext -bbox` page, in millimetres from the
/// top-left corner: (page, text, x_min, y_min, x_max, y_max).
fn boxes(pdf: &Path) -> Vec<(usize, String, f64, f64, f64, f64)> {
    let xml = poppler("pdftotext", &["-bbox", pdf.to_str().unwrap(), "-"]);
    let attr = |tag: &str, name: &str| -> f64 {
        let start = tag.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
        let end = start + tag[start..].find('"').unwrap();
        tag[start..end].parse::<f64>().unwrap() * 25.4 / 72.0
    };
    let mut page = 0;
    let mut out = Vec::new();
    for line in xml.lines().map(str::trim) {
        if line.starts_with("<page ") {
            page += 1;
        }
        if let Some(rest) = line.strip_prefix("<word ") {
            let (tag, word) = rest.split_once('>').unwrap();
            let word = word.trim_end_matches("</word>").replace("&amp;", "&");
            out.push((
                page,
                word,
                attr(tag, "xMin"),
                attr(tag, "yMin"),
                attr(tag, "xMax"),
                attr(tag, "yMax"),
            ));
        }
    }
    out
}

/// The box around the first run of words on page 1 that spells `line`.
fn line_box(b: &[(usize, String, f64, f64, f64, f64)], line: &str) -> (f64, f64, f64, f64) {
    let want = words(line);
    let i = (0..b.len())
        .find(|&i| b[i].0 == 1 && b[i..].iter().take(want.len()).map(|w| &w.1).eq(want.iter()))
        .unwrap_or_else(|| panic!("{line:?} is not on page 1: {b:?}"));
    let run = &b[i..i + want.len()];
    (
        run.iter().map(|w| w.2).fold(f64::MAX, f64::min),
        run.iter().map(|w| w.3).fold(f64::MAX, f64::min),
        run.iter().map(|w| w.4).fold(0.0, f64::max),
        run.iter().map(|w| w.5).fold(0.0, f64::max),
    )
}

#[test]
fn the_address_shows_in_the_window_on_a4_and_on_us_letter() {
    let env = env();
    let case = &CASES[1];
    add_case(&env, case);
    let a4 = env.dir.path().join("a4.pdf");
    env.ok(&["letter", case.number, "--out", a4.to_str().unwrap()]);
    assert!(
        std::fs::read(&a4).unwrap().starts_with(b"%PDF-"),
        "--out x.pdf writes a PDF"
    );
    let size = poppler("pdfinfo", &[a4.to_str().unwrap()]);
    assert!(size.contains("595.276 x 841.89 pts (A4)"), "{size}");
    let b = boxes(&a4);
    let address: Vec<&str> = std::iter::once(case.name)
        .chain(case.address.split(" | "))
        .collect();
    for line in &address {
        let (x0, y0, x1, y1) = line_box(&b, line);
        // DIN 5008 form B: the address zone of the field 20–105 mm from the
        // left and 45–90 mm from the top; its lower 27.3 mm (62.7–90 mm) hold
        // the address, and show in a DL or C5/6 window (90 × 45 mm, 20 mm
        // from the left, 15 mm from the bottom) with the sheet folded at 105 mm.
        assert!(
            x0 >= 20.0 && x1 <= 105.0 && y0 >= 62.7 && y1 <= 90.0,
            "{line:?} at x {x0:.1}–{x1:.1} mm, y {y0:.1}–{y1:.1} mm: outside the window"
        );
    }
    // The return line sits above it, inside the field.
    let (_, y0, _, y1) = line_box(&b, RETURN_LINE);
    assert!(y0 >= 45.0 && y1 <= 62.7, "return line at y {y0:.1}–{y1:.1} mm");

    env.write_config(&format!("{CONFIG}\n[letters]\npaper = \"letter\"\n"));
    let us = env.dir.path().join("us.pdf");
    env.ok(&["letter", case.number, "--pdf", "--out", us.to_str().unwrap()]);
    let size = poppler("pdfinfo", &[us.to_str().unwrap()]);
    assert!(size.contains("612 x 792 pts (letter)"), "{size}");
    let b = boxes(&us);
    for line in &address {
        let (x0, y0, x1, y1) = line_box(&b, line);
        // A #10 window envelope: the window 4.5 × 1.125 in, 7/8 in from the
        // left and 1/2 in from the bottom of a 4.125 in envelope, the sheet
        // folded in thirds: 22.2–136.5 mm across, 63.5–92.1 mm down.
        assert!(
            x0 >= 22.2 && x1 <= 136.5 && y0 >= 63.5 && y1 <= 92.1,
            "{line:?} at x {x0:.1}–{x1:.1} mm, y {y0:.1}–{y1:.1} mm: outside the #10 window"
        );
    }
}

#[test]
fn a_long_letter_numbers_its_pages_and_carries_a_header_from_page_two() {
    let env = env();
    let case = &CASES[0];
    add_case(&env, case);
    for day in 1..=28 {
        env.ok(&["pay", case.number, "10", "--on", &format!("2026-11-{day:02}")]);
    }
    for day in 1..=20 {
        env.ok(&["log", case.number, "email", "--on", &format!("2026-10-{day:02}")]);
    }
    let text = env.ok(&["letter", case.number]);
    let pdf = env.dir.path().join("long.pdf");
    env.ok(&["letter", case.number, "--pdf", "--out", pdf.to_str().unwrap()]);
    let info = poppler("pdfinfo", &[pdf.to_str().unwrap()]);
    let pages: usize = info
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert!(pages >= 2, "{info}");
    let subject = text
        .lines()
        .find(|l| l.starts_with("Final demand for payment"))
        .unwrap();
    let header = format!("{} · {subject} · 10 December 2026", case.name);
    for p in 1..=pages {
        let label = page_label("en", p, pages);
        let one = poppler(
            "pdftotext",
            &[
                "-f",
                &p.to_string(),
                "-l",
                &p.to_string(),
                "-raw",
                pdf.to_str().unwrap(),
                "-",
            ],
        );
        assert!(
            one.lines().any(|l| l.trim() == label),
            "page {p} has no {label:?}:\n{one}"
        );
        if p > 1 {
            let head = format!("{header} · {label}");
            assert!(
                one.lines().next().is_some_and(|l| l.trim() == head),
                "page {p} starts without the header {head:?}:\n{one}"
            );
        }
    }
    let raw = pdftotext(&pdf, Some("-raw"));
    assert_eq!(
        letter_words(&raw, "en"),
        words(&text),
        "--- pdf\n{raw}\n--- text\n{text}"
    );
    // A one-page letter has no page numbers.
    env.ok(&[
        "client",
        "add",
        "--handle",
        "kort",
        "--lang",
        "sv",
        "--address",
        "Box 1 | 111 11 Stockholm",
        "Kort AB",
    ]);
    env.ok(&[
        "invoice",
        "add",
        "2026-300",
        "--client",
        "kort",
        "--amount",
        "100",
        "--currency",
        "SEK",
        "--issued",
        "2026-10-01",
        "--due",
        "2026-10-31",
        "--step",
        "demand",
    ]);
    let short = env.dir.path().join("short.pdf");
    env.ok(&["letter", "2026-300", "--out", short.to_str().unwrap()]);
    let info = poppler("pdfinfo", &[short.to_str().unwrap()]);
    assert!(
        info.lines().any(|l| l.split_whitespace().eq(["Pages:", "1"])),
        "{info}"
    );
    let one = pdftotext(&short, None);
    assert!(!one.contains("sida 1"), "{one}");
}

#[test]
fn the_same_day_gives_the_same_bytes_and_the_metadata_names_the_letter() {
    let mut env = env();
    add_case(&env, &CASES[2]);
    let a = env.dir.path().join("a.pdf");
    let b = env.dir.path().join("b.pdf");
    env.ok(&["letter", "2026-103", "--out", a.to_str().unwrap()]);
    env.ok(&["letter", "2026-103", "--out", b.to_str().unwrap()]);
    assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
    let info = poppler("pdfinfo", &[a.to_str().unwrap()]);
    for needle in [
        "Title:           Ödeme ihtarı – 2026-103 numaralı fatura",
        "Author:          Fia Freelance",
        "Subject:         2026-103 – Güneş Çiçekçilik A.Ş.",
        "CreationDate:    Thu Dec 10 00:00:00 2026",
    ] {
        assert!(info.contains(needle), "{needle:?}:\n{info}");
    }
    env.set_today("2026-12-11");
    let c = env.dir.path().join("c.pdf");
    env.ok(&["letter", "2026-103", "--out", c.to_str().unwrap()]);
    assert_ne!(std::fs::read(&a).unwrap(), std::fs::read(&c).unwrap());
}

/// The letter rows of `dun due`.
fn due_letters(env: &Env) -> Vec<(String, String)> {
    let rows = env.run(&["due", "--format", "json"]).json();
    rows.as_array()
        .unwrap()
        .iter()
        .filter(|r| r["action"] == "letter")
        .map(|r| {
            (
                r["invoice"].as_str().unwrap().into(),
                r["step"].as_str().unwrap().into(),
            )
        })
        .collect()
}

#[test]
fn due_writes_one_file_per_letter_and_log_takes_them_off_the_agenda() {
    let env = env();
    add_case(&env, &CASES[0]);
    add_case(&env, &CASES[3]);
    assert_eq!(
        due_letters(&env),
        [
            ("2026-101".into(), "demand".into()),
            ("2026-104".into(), "demand".into())
        ]
    );
    let dir = env.dir.path().join("letters");

    // Without --log: files written, nothing logged.
    let out = env.ok(&["letter", "--due", "--out", dir.to_str().unwrap()]);
    let txt = dir.join("2026-101-demand.txt");
    assert!(
        out.contains(&format!("wrote 2 letters to {}:", dir.display()))
            && out.contains("  2026-101-demand.txt  Harbour & Co Ltd"),
        "{out}"
    );
    assert!(
        std::fs::read_to_string(&txt)
            .unwrap()
            .contains("Harbour & Co Ltd")
    );
    assert_eq!(due_letters(&env).len(), 2);

    let out = env.ok(&[
        "letter",
        "--due",
        "--pdf",
        "--out",
        dir.to_str().unwrap(),
        "--log",
    ]);
    for name in ["2026-101-demand.pdf", "2026-104-demand.pdf"] {
        let path = dir.join(name);
        assert!(out.contains(&format!("  {name}  ")), "{out}");
        assert!(std::fs::read(&path).unwrap().starts_with(b"%PDF-"));
        assert_eq!(mode(&path), 0o600);
    }
    assert!(pdftotext(&dir.join("2026-104-demand.pdf"), None).contains("ООО «Жёлтый Дом»"));
    assert!(
        out.contains("logged 2 letters on 2026-12-10; they ask for payment by 2026-12-24"),
        "{out}"
    );
    assert_eq!(due_letters(&env), []);
    // Logged as `dun log NUMBER letter` logs, with the deadline the letter gave.
    let conn = rusqlite::Connection::open(env.db()).unwrap();
    let logged: Vec<(String, String, String, String)> = conn
        .prepare(
            "SELECT i.number, l.step, l.on_date, l.deadline FROM contact_log l JOIN invoice i ON i.id = l.invoice_id
             WHERE l.channel = 'letter' ORDER BY i.number",
        )
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(
        logged,
        ["2026-101", "2026-104"].map(|n| (n.into(), "demand".into(), TODAY.into(), "2026-12-24".into()))
    );

    // Nothing due: nothing written.
    let out = env.ok(&[
        "letter",
        "--due",
        "--out",
        env.dir.path().join("none").to_str().unwrap(),
    ]);
    assert!(out.contains("no letters are due"), "{out}");
    assert!(!env.dir.path().join("none").exists());
}

#[test]
fn a_reminder_letter_on_day_15_and_the_demand_on_day_30_are_different_letters() {
    let mut env = Env::new();
    env.write_config(&format!(
        "{CONFIG}
[[ladder]]
name = \"reminder-letter\"
day = 15
action = \"letter\"
template = \"reminder-letter\"

[[ladder]]
name = \"demand\"
day = 30
action = \"letter\"
"
    ));
    env.set_today("2026-11-01");
    env.ok(&[
        "client",
        "add",
        "--handle",
        "acme",
        "--address",
        "Box 1 | 111 11 Stockholm",
        "Acme AB",
    ]);
    env.ok(&[
        "invoice",
        "add",
        "2026-014",
        "--client",
        "acme",
        "--amount",
        "1200",
        "--currency",
        "SEK",
        "--due",
        "2026-11-01",
    ]);
    let dir = env.dir.path().join("out");
    env.set_today("2026-11-16");
    assert_eq!(due_letters(&env), [("2026-014".into(), "reminder-letter".into())]);
    env.ok(&["letter", "--due", "--out", dir.to_str().unwrap(), "--log"]);
    let first = std::fs::read_to_string(dir.join("2026-014-reminder-letter.txt"))
        .unwrap()
        .replace('\u{a0}', " ");
    assert!(first.contains("Payment reminder – invoice 2026-014"), "{first}");
    assert!(
        first.contains("If you have already paid, thank you, and please disregard this letter"),
        "{first}"
    );
    assert!(first.contains("by 30 November 2026"), "{first}");

    env.set_today("2026-11-30");
    assert_eq!(due_letters(&env), []);
    env.set_today("2026-12-01");
    assert_eq!(due_letters(&env), [("2026-014".into(), "demand".into())]);
    env.ok(&["letter", "--due", "--out", dir.to_str().unwrap(), "--log"]);
    let second = std::fs::read_to_string(dir.join("2026-014-demand.txt"))
        .unwrap()
        .replace('\u{a0}', " ");
    assert!(
        second.contains("Final demand for payment – invoice 2026-014"),
        "{second}"
    );
    assert!(
        second.contains("16 November 2026:  payment reminder by post"),
        "the demand lists the reminder letter:\n{second}"
    );
    assert_ne!(first, second);
    // --step prints a step's letter on demand.
    let again = env.ok(&["letter", "2026-014", "--step", "reminder-letter"]);
    assert!(again.contains("Payment reminder"), "{again}");
}

#[test]
fn a_held_invoice_or_one_not_at_a_letter_step_still_prints_with_a_warning() {
    let env = env();
    add_case(&env, &CASES[0]);
    env.ok(&["pause", "2026-101"]);
    let r = env.run(&["letter", "2026-101"]);
    assert!(r.ok().contains("Final demand for payment"));
    assert!(
        r.stderr
            .contains("warning: invoice 2026-101 is on hold: it is paused (dun resume 2026-101 ends that)"),
        "{}",
        r.stderr
    );

    env.ok(&["client", "add", "--handle", "new", "New Ltd"]);
    env.ok(&[
        "invoice",
        "add",
        "2026-200",
        "--client",
        "new",
        "--amount",
        "100",
        "--due",
        "2026-12-20",
    ]);
    let r = env.run(&["letter", "2026-200"]);
    assert!(r.ok().contains("Final demand for payment"));
    assert!(
        r.stderr
            .contains("warning: invoice 2026-200 is not at a letter step (the next step is \"reminder\""),
        "{}",
        r.stderr
    );
}

#[test]
fn bad_input_is_one_line_and_changes_nothing() {
    let env = env();
    add_case(&env, &CASES[0]);
    let dir = env.dir.path().join("ro");
    std::fs::create_dir(&dir).unwrap();
    crate::common::set_mode(&dir, 0o500);
    let unwritable = dir.join("x.pdf");
    let missing = env.dir.path().join("no/such/folder/x.pdf");
    let file = env.dir.path().join("a-file");
    std::fs::write(&file, "not a folder").unwrap();
    let cases: Vec<(Vec<&str>, i32, &str)> = vec![
        (
            vec!["letter", "2026-101", "--out", missing.to_str().unwrap(), "--log"],
            1,
            "cannot write",
        ),
        (vec!["letter", "--due", "--log"], 2, "--out"),
        (
            vec!["letter", "--due", "--out", file.to_str().unwrap(), "--log"],
            1,
            "is a file",
        ),
        (
            vec!["letter", "2026-101", "--out", dir.to_str().unwrap()],
            1,
            "is a folder",
        ),
        (vec!["letter", "2026-101", "--step", "call"], 1, "not a letter"),
        (
            vec!["letter", "2026-101", "--step", "fax"],
            1,
            "not on the ladder",
        ),
        (vec!["letter", "2026-999"], 1, "not found"),
    ];
    // Root can write anywhere: the read-only folder is a case only for others.
    let root = std::fs::write(dir.join("probe"), "").is_ok();
    let mut cases = cases;
    if !root {
        cases.push((
            vec![
                "letter",
                "2026-101",
                "--out",
                unwritable.to_str().unwrap(),
                "--log",
            ],
            1,
            "cannot write",
        ));
    } else {
        let _ = std::fs::remove_file(dir.join("probe"));
    }
    for (args, code, needle) in &cases {
        let before = env.db_bytes();
        let r = env.run(args);
        let err = r.fails(*code);
        assert!(err.contains(needle), "{args:?}: {err}");
        if *code == 1 {
            assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        }
        assert_eq!(env.db_bytes(), before, "{args:?} changed the database");
        assert!(!missing.exists() && !unwritable.exists());
    }
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "not a folder");

    env.write_config(&format!("{CONFIG}\n[letters]\npaper = \"a5\"\n"));
    let before = env.db_bytes();
    let out = env.dir.path().join("a5.pdf");
    let err = env
        .run(&["letter", "2026-101", "--out", out.to_str().unwrap()])
        .fails(1)
        .to_string();
    assert!(
        err.contains("paper = \"a5\"") && err.contains("line 18") && err.contains("\"letter\""),
        "{err}"
    );
    assert!(!out.exists());
    assert_eq!(env.db_bytes(), before);
}
