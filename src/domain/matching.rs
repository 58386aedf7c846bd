//! Which invoices a bank credit pays (SPEC.md §11): certain (a reference, or
//! invoice numbers as whole tokens of the text, split across several named
//! invoices when their balances add up to it), probable (the balance of
//! exactly one open invoice of a client whose name resembles the payer's),
//! review (another currency, more than the balance, a closed invoice, a date
//! after today) or unmatched.
//!
//! Pure: the command loads the invoices once and passes them in; nothing here
//! reads a file or the database. Credits are taken in the order given, and a
//! balance one credit pays is not there for the next one, so that whatever
//! subset of the certain and probable matches is recorded, no invoice is
//! ever paid more than its balance.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;

use super::money::{Currency, format_plain};
use super::reference::{compact, is_reference};

/// One incoming payment, as a statement gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credit {
    /// The booking date.
    pub date: NaiveDate,
    /// Minor units of `currency`, above zero.
    pub amount: i64,
    pub currency: String,
    pub payer: Option<String>,
    /// The remittance text, as the bank shows it.
    pub text: String,
    /// A structured creditor reference (camt `Strd/CdtrRefInf/Ref`).
    pub reference: Option<String>,
    /// What identifies the entry at its bank, for exactly-once recording.
    pub identity: String,
}

/// An invoice as matching needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BookInvoice {
    pub number: String,
    /// The compact reference (`RF972026014`), if it has one.
    pub reference: Option<String>,
    pub client_name: String,
    pub currency: String,
    /// What is left to pay; only open invoices have one.
    pub balance: i64,
    /// Why it is off the ladder (`paid`, `void` …); `None` while open.
    pub closed: Option<String>,
}

/// The invoices a run can match against, indexed once.
#[derive(Debug, Default)]
pub struct Book {
    invoices: Vec<BookInvoice>,
    by_reference: HashMap<String, usize>,
    /// Open invoices by their number's letters and digits, upper-cased.
    by_number: HashMap<String, Vec<usize>>,
    /// The longest compact number or reference, to bound the token search.
    longest: usize,
}

/// How many consecutive tokens of a text may together spell one number
/// (`2026 014`, `INV 2026 014 A`).
const MAX_TOKENS: usize = 6;

impl Book {
    pub fn new(invoices: Vec<BookInvoice>) -> Book {
        let mut book = Book::default();
        for (i, inv) in invoices.iter().enumerate() {
            if let Some(r) = &inv.reference {
                book.longest = book.longest.max(r.len());
                book.by_reference.insert(r.clone(), i);
            }
            if inv.closed.is_none() {
                let key = compact(&inv.number);
                if !key.is_empty() {
                    book.longest = book.longest.max(key.len());
                    book.by_number.entry(key).or_default().push(i);
                }
            }
        }
        book.invoices = invoices;
        book
    }

    pub fn invoices(&self) -> &[BookInvoice] {
        &self.invoices
    }

    pub fn invoice(&self, i: usize) -> &BookInvoice {
        &self.invoices[i]
    }
}

/// The letters-and-digits runs of `text`, upper-cased.
fn tokens(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
        .map(|t| t.chars().flat_map(char::to_uppercase).collect())
        .collect()
}

/// Every run of up to [`MAX_TOKENS`] consecutive tokens, joined, no longer
/// than `longest`, longest first from each start: what a text could name.
fn spans(tokens: &[String], longest: usize, mut each: impl FnMut(&str) -> bool) {
    let mut i = 0;
    while i < tokens.len() {
        let mut step = 1;
        let mut joined = String::new();
        let mut candidates = Vec::new();
        for t in tokens.iter().skip(i).take(MAX_TOKENS) {
            joined.push_str(t);
            if joined.len() > longest.max(1) {
                break;
            }
            candidates.push(joined.clone());
        }
        for (k, c) in candidates.iter().enumerate().rev() {
            if each(c) {
                step = k + 1;
                break;
            }
        }
        i += step;
    }
}

/// The reference-looking spans of a credit (valid RF or OCR check digits):
/// the command asks the store for closed invoices that carry them.
pub fn reference_candidates(credit: &Credit) -> Vec<String> {
    let mut out = Vec::new();
    let mut texts = vec![credit.text.as_str()];
    if let Some(r) = &credit.reference {
        texts.push(r);
    }
    for text in texts {
        let toks = tokens(text);
        spans(&toks, 25, |s| {
            if is_reference(s) {
                out.push(s.to_string());
                true
            } else {
                false
            }
        });
    }
    out.sort();
    out.dedup();
    out
}

/// What a credit names: invoices found, and tokens that fit several open invoices.
#[derive(Debug, Default)]
struct Names {
    invoices: Vec<usize>,
    ambiguous: Vec<Vec<usize>>,
}

fn names(book: &Book, credit: &Credit) -> Names {
    let mut n = Names::default();
    let mut seen = HashSet::new();
    let mut add = |i: usize, n: &mut Names| {
        if seen.insert(i) {
            n.invoices.push(i);
        }
    };
    let mut texts = Vec::new();
    if let Some(r) = &credit.reference {
        match book.by_reference.get(&compact(r)) {
            Some(&i) => add(i, &mut n),
            // A structured field holding an invoice number, or some other text.
            None => texts.push(r.as_str()),
        }
    }
    texts.push(&credit.text);
    for text in texts {
        let toks = tokens(text);
        spans(&toks, book.longest, |s| {
            if let Some(&i) = book.by_reference.get(s) {
                add(i, &mut n);
                return true;
            }
            match book.by_number.get(s).map(Vec::as_slice) {
                Some([i]) => {
                    add(*i, &mut n);
                    true
                }
                Some(several) => {
                    n.ambiguous.push(several.to_vec());
                    true
                }
                None => false,
            }
        });
    }
    n
}

/// The verdict on one credit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Certain,
    Probable,
    Review,
    Unmatched,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Certain => "certain",
            Verdict::Probable => "probable",
            Verdict::Review => "review",
            Verdict::Unmatched => "unmatched",
        }
    }
}

/// A part of a credit paid on one invoice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Allocation {
    /// Index into the book.
    pub invoice: usize,
    pub amount: i64,
    /// The invoice's balance once this is recorded.
    pub balance_after: i64,
}

/// What matching made of a credit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Match {
    pub verdict: Verdict,
    /// For certain and probable: what to record. Their amounts add up to the credit.
    pub allocations: Vec<Allocation>,
    /// For review: the invoices the credit seems to be about.
    pub named: Vec<usize>,
    /// Why it is for review, or why it stayed unmatched, for a person.
    pub reason: Option<String>,
}

impl Match {
    fn unmatched(reason: Option<String>) -> Match {
        Match {
            verdict: Verdict::Unmatched,
            allocations: Vec::new(),
            named: Vec::new(),
            reason,
        }
    }

    fn review(named: Vec<usize>, reason: String) -> Match {
        Match {
            verdict: Verdict::Review,
            allocations: Vec::new(),
            named,
            reason: Some(reason),
        }
    }

    /// The invoices this credit is shown against.
    pub fn invoices(&self) -> Vec<usize> {
        if self.allocations.is_empty() {
            self.named.clone()
        } else {
            self.allocations.iter().map(|a| a.invoice).collect()
        }
    }
}

fn money(minor: i64, code: &str) -> String {
    match Currency::from_code(code) {
        Some(c) => format!("{} {code}", format_plain(minor, c)),
        None => format!("{minor} {code}"),
    }
}

/// Matches every credit, in order, against the book, for `today`.
pub fn match_credits(credits: &[Credit], book: &Book, today: NaiveDate) -> Vec<Match> {
    let mut left: Vec<i64> = book
        .invoices
        .iter()
        .map(|i| if i.closed.is_none() { i.balance.max(0) } else { 0 })
        .collect();
    let mut out: Vec<Option<Match>> = vec![None; credits.len()];

    // Certain (and review) first: a credit that names its invoice has the
    // first claim on that invoice's balance.
    for (k, c) in credits.iter().enumerate() {
        let n = names(book, c);
        if n.invoices.is_empty() && n.ambiguous.is_empty() {
            continue;
        }
        out[k] = Some(named_match(book, c, n, &mut left, today));
    }

    // Probable: the rest, by amount and payer, against what is left.
    let mut by_amount: HashMap<(&str, i64), Vec<usize>> = HashMap::new();
    for (i, inv) in book.invoices.iter().enumerate() {
        if inv.closed.is_none() && left[i] > 0 {
            by_amount
                .entry((inv.currency.as_str(), left[i]))
                .or_default()
                .push(i);
        }
    }
    for (k, c) in credits.iter().enumerate() {
        if out[k].is_some() {
            continue;
        }
        out[k] = Some(probable_match(book, c, &by_amount, &mut left, today));
    }
    out.into_iter()
        .map(|m| m.expect("every credit is matched above"))
        .collect()
}

fn named_match(book: &Book, c: &Credit, n: Names, left: &mut [i64], today: NaiveDate) -> Match {
    let inv = |i: usize| book.invoice(i);
    let list = |is: &[usize]| {
        is.iter()
            .map(|&i| inv(i).number.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    if let Some(several) = n.ambiguous.first() {
        let mut named = n.invoices.clone();
        named.extend(several);
        return Match::review(
            named,
            format!("the text could name any of invoices {}", list(several)),
        );
    }
    let named = n.invoices;
    if let Some(&i) = named.iter().find(|&&i| inv(i).currency != c.currency) {
        return Match::review(
            named.clone(),
            format!(
                "invoice {} is in {}, the payment in {}",
                inv(i).number,
                inv(i).currency,
                c.currency
            ),
        );
    }
    if c.date > today {
        return Match::review(named, format!("booked on {}, after today ({today})", c.date));
    }
    let open: Vec<usize> = named.iter().copied().filter(|&i| left[i] > 0).collect();
    if open.is_empty() {
        let i = named[0];
        let why = match &inv(i).closed {
            Some(state) => format!("invoice {} is already {state}", inv(i).number),
            None => format!(
                "nothing is left to pay on invoice {} after the payments above",
                inv(i).number
            ),
        };
        return Match::review(named, why);
    }
    let total: i128 = open.iter().map(|&i| i128::from(left[i])).sum();
    let amount = i128::from(c.amount);
    let fits = if open.len() == 1 {
        amount <= total
    } else {
        amount == total
    };
    if !fits {
        let why = if open.len() == 1 {
            format!(
                "{} is more than the balance {} of invoice {}",
                money(c.amount, &c.currency),
                money(left[open[0]], &c.currency),
                inv(open[0]).number
            )
        } else {
            format!(
                "{} is not the {} that invoices {} add up to",
                money(c.amount, &c.currency),
                money(i64::try_from(total).unwrap_or(i64::MAX), &c.currency),
                list(&open)
            )
        };
        return Match::review(named, why);
    }
    let allocations = if open.len() == 1 {
        let i = open[0];
        left[i] -= c.amount;
        vec![Allocation {
            invoice: i,
            amount: c.amount,
            balance_after: left[i],
        }]
    } else {
        open.iter()
            .map(|&i| {
                let a = Allocation {
                    invoice: i,
                    amount: left[i],
                    balance_after: 0,
                };
                left[i] = 0;
                a
            })
            .collect()
    };
    Match {
        verdict: Verdict::Certain,
        allocations,
        named,
        reason: None,
    }
}

fn probable_match(
    book: &Book,
    c: &Credit,
    by_amount: &HashMap<(&str, i64), Vec<usize>>,
    left: &mut [i64],
    today: NaiveDate,
) -> Match {
    let Some(payer) = c.payer.as_deref().filter(|p| !p.trim().is_empty()) else {
        return Match::unmatched(None);
    };
    let candidates: Vec<usize> = by_amount
        .get(&(c.currency.as_str(), c.amount))
        .into_iter()
        .flatten()
        .copied()
        .filter(|&i| left[i] == c.amount && resembles(&book.invoice(i).client_name, payer))
        .collect();
    match candidates.as_slice() {
        [] => Match::unmatched(None),
        [i] if c.date > today => {
            Match::review(vec![*i], format!("booked on {}, after today ({today})", c.date))
        }
        [i] => {
            left[*i] = 0;
            Match {
                verdict: Verdict::Probable,
                allocations: vec![Allocation {
                    invoice: *i,
                    amount: c.amount,
                    balance_after: 0,
                }],
                named: Vec::new(),
                reason: None,
            }
        }
        several => Match::unmatched(Some(format!(
            "{} open invoices of {} have this balance ({})",
            several.len(),
            book.invoice(several[0]).client_name,
            several
                .iter()
                .map(|&i| book.invoice(i).number.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

/// Words that say what kind of company a name is, not which one: left out
/// when names are compared (after lower-casing and dropping dots).
const LEGAL_FORMS: &[&str] = &[
    // Sweden, Norway, Denmark, Finland
    "ab",
    "abp",
    "hb",
    "kb",
    "as",
    "asa",
    "aps",
    "oy",
    "oyj",
    "aktiebolag",
    "aktiebolaget",
    // English-speaking countries
    "ltd",
    "limited",
    "plc",
    "llp",
    "llc",
    "lp",
    "inc",
    "incorporated",
    "corp",
    "corporation",
    "co",
    "company", // German-speaking countries
    "gmbh",
    "mbh",
    "ag",
    "kg",
    "ohg",
    "ug",
    "ev",
    "eg",
    "gbr",
    "kgaa", // Romance languages
    "sa",
    "sas",
    "sarl",
    "sl",
    "spa",
    "srl",
    "srld",
    "sc",
    "pfa",
    "ii",
    "if",
    "snc",
    "scs",
    // Benelux
    "bv",
    "nv",
    "vof", // Turkey: A.Ş., Ltd. Şti. (folded: as, sti)
    "sti",
    "ltdsti", // Russia and its neighbours
    "ооо",
    "оао",
    "зао",
    "пао",
    "ао",
    "ип",
    "тоо",
    "чп",
];

/// A letter without its accent, as banks often print names (`Şeker Gıda`
/// arrives as `SEKER GIDA`); lower case already.
fn fold(c: char) -> Option<&'static str> {
    Some(match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ă' | 'ā' => "a",
        'æ' => "ae",
        'ç' | 'č' | 'ć' => "c",
        'è' | 'é' | 'ê' | 'ë' | 'ě' | 'ē' => "e",
        'ì' | 'í' | 'î' | 'ï' | 'ı' | 'ī' => "i",
        'ñ' | 'ń' => "n",
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ő' => "o",
        'ù' | 'ú' | 'û' | 'ü' | 'ű' | 'ů' => "u",
        'ý' | 'ÿ' => "y",
        'ş' | 'ș' | 'š' | 'ś' => "s",
        'ţ' | 'ț' | 'ť' => "t",
        'ğ' => "g",
        'ž' | 'ź' | 'ż' => "z",
        'ř' => "r",
        'ł' => "l",
        'ß' => "ss",
        _ => return None,
    })
}

/// The words of a name that tell which company it is.
fn name_words(name: &str) -> HashSet<String> {
    let mut lower = String::with_capacity(name.len());
    for c in name.chars().flat_map(char::to_lowercase) {
        match c {
            '.' | '\'' | '’' | '"' | '«' | '»' => {}
            // Combining accents (`İ` lower-cases to `i` and a dot above).
            '\u{300}'..='\u{36f}' => {}
            c => match fold(c) {
                Some(f) => lower.push_str(f),
                None => lower.push(c),
            },
        }
    }
    lower
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty() && !LEGAL_FORMS.contains(w))
        .map(str::to_string)
        .collect()
}

/// Whether a payer's name resembles a client's: case, punctuation and
/// legal-form words ignored, the words of one are all in the other.
pub fn resembles(client: &str, payer: &str) -> bool {
    let a = name_words(client);
    let b = name_words(payer);
    !a.is_empty() && !b.is_empty() && (a.is_subset(&b) || b.is_subset(&a))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn inv(number: &str, client: &str, currency: &str, balance: i64) -> BookInvoice {
        BookInvoice {
            number: number.into(),
            reference: super::super::reference::from_number(
                number,
                super::super::reference::ReferenceKind::Rf,
            )
            .map(|r| r.into_string()),
            client_name: client.into(),
            currency: currency.into(),
            balance,
            closed: None,
        }
    }

    fn credit(amount: i64, payer: &str, text: &str) -> Credit {
        Credit {
            date: d("2026-11-28"),
            amount,
            currency: "SEK".into(),
            payer: Some(payer.into()).filter(|p: &String| !p.is_empty()),
            text: text.into(),
            reference: None,
            identity: format!("t:{text}:{amount}"),
        }
    }

    fn book() -> Book {
        Book::new(vec![
            inv("2026-014", "Acme AB", "SEK", 120_000),
            inv("2026-019", "Nordlys AB", "SEK", 45_000),
            inv("2026-021", "Fjord Media AS", "SEK", 70_000),
            inv("2026-022", "Fjord Media AS", "SEK", 30_000),
            inv("2026-023", "Brume SARL", "EUR", 50_000),
        ])
    }

    const TODAY: &str = "2026-12-01";

    fn one(c: Credit) -> Match {
        match_credits(&[c], &book(), d(TODAY)).remove(0)
    }

    fn numbers(b: &Book, m: &Match) -> Vec<String> {
        m.invoices()
            .iter()
            .map(|&i| b.invoice(i).number.clone())
            .collect()
    }

    #[test]
    fn a_reference_in_the_text_is_certain() {
        for text in [
            "RF972026014",
            "RF97 2026 014",
            "rf97-2026-014",
            "Betalning RF97 2026 014 tack",
        ] {
            let m = one(credit(120_000, "", text));
            assert_eq!(m.verdict, Verdict::Certain, "{text}");
            assert_eq!(numbers(&book(), &m), ["2026-014"]);
            assert_eq!(m.allocations[0].balance_after, 0);
        }
    }

    #[test]
    fn a_structured_reference_is_certain() {
        let mut c = credit(50_000, "", "");
        c.reference = Some("RF97 2026 014".into());
        let m = one(c);
        assert_eq!(m.verdict, Verdict::Certain);
        assert_eq!(m.allocations[0].balance_after, 70_000, "a partial payment");
    }

    #[test]
    fn invoice_numbers_as_whole_tokens() {
        for text in ["2026-014", "2026 014", "Faktura 2026014", "inv. 2026/014, thanks"] {
            let m = one(credit(120_000, "", text));
            assert_eq!(m.verdict, Verdict::Certain, "{text}");
        }
        for text in ["X2026014", "2026-0145", "20260140", "Order 12026014"] {
            let m = one(credit(120_000, "", text));
            assert_ne!(m.verdict, Verdict::Certain, "{text}");
        }
    }

    #[test]
    fn several_named_invoices_split_when_their_balances_add_up() {
        let b = book();
        let m = match_credits(&[credit(100_000, "", "2026-021 och 2026-022")], &b, d(TODAY)).remove(0);
        assert_eq!(m.verdict, Verdict::Certain);
        assert_eq!(numbers(&b, &m), ["2026-021", "2026-022"]);
        assert_eq!(
            m.allocations.iter().map(|a| a.amount).collect::<Vec<_>>(),
            [70_000, 30_000]
        );
        let m = one(credit(90_000, "", "2026-021 och 2026-022"));
        assert_eq!(m.verdict, Verdict::Review);
        assert!(m.reason.unwrap().contains("add up to"));
    }

    #[test]
    fn more_than_the_balance_or_another_currency_is_for_review() {
        let m = one(credit(130_000, "", "2026-014"));
        assert_eq!(m.verdict, Verdict::Review);
        assert!(
            m.reason
                .as_deref()
                .unwrap()
                .contains("more than the balance 1200.00 SEK"),
            "{m:?}"
        );
        let m = one(credit(50_000, "", "2026-023"));
        assert_eq!(m.verdict, Verdict::Review);
        assert!(m.reason.as_deref().unwrap().contains("in EUR"), "{m:?}");
    }

    #[test]
    fn a_credit_after_today_is_for_review() {
        let mut c = credit(120_000, "", "2026-014");
        c.date = d("2026-12-02");
        let m = one(c);
        assert_eq!(m.verdict, Verdict::Review);
        assert!(m.reason.unwrap().contains("after today"));
    }

    #[test]
    fn a_closed_invoice_named_by_reference_is_for_review() {
        let mut invoices = book().invoices;
        invoices[0].closed = Some("paid".into());
        invoices[0].balance = 0;
        let b = Book::new(invoices);
        let m = match_credits(&[credit(120_000, "", "RF972026014")], &b, d(TODAY)).remove(0);
        assert_eq!(m.verdict, Verdict::Review);
        assert_eq!(m.reason.as_deref(), Some("invoice 2026-014 is already paid"));
        // Its number alone names nothing: only open invoices are looked up by number.
        let m = match_credits(&[credit(120_000, "", "2026-014")], &b, d(TODAY)).remove(0);
        assert_eq!(m.verdict, Verdict::Unmatched);
    }

    #[test]
    fn probable_needs_the_balance_of_exactly_one_invoice_of_a_resembling_payer() {
        let m = one(credit(70_000, "FJORD MEDIA", ""));
        assert_eq!(m.verdict, Verdict::Probable);
        assert_eq!(numbers(&book(), &m), ["2026-021"]);
        assert_eq!(one(credit(70_000, "KAFFE", "")).verdict, Verdict::Unmatched);
        assert_eq!(one(credit(70_000, "", "")).verdict, Verdict::Unmatched);
        assert_eq!(one(credit(70_001, "Fjord Media", "")).verdict, Verdict::Unmatched);
        let mut eur = credit(50_000, "Brume", "");
        eur.currency = "EUR".into();
        assert_eq!(one(eur.clone()).verdict, Verdict::Probable);
        eur.currency = "SEK".into();
        assert_eq!(one(eur).verdict, Verdict::Unmatched, "another currency");
    }

    #[test]
    fn two_invoices_with_the_balance_leave_it_unmatched() {
        let b = Book::new(vec![
            inv("A-1", "Fjord Media AS", "SEK", 70_000),
            inv("A-2", "Fjord Media AS", "SEK", 70_000),
        ]);
        let m = match_credits(&[credit(70_000, "Fjord Media", "")], &b, d(TODAY)).remove(0);
        assert_eq!(m.verdict, Verdict::Unmatched);
        assert!(m.reason.unwrap().contains("2 open invoices"));
    }

    #[test]
    fn a_balance_paid_once_is_not_there_for_the_next_credit() {
        let b = book();
        let ms = match_credits(
            &[
                credit(120_000, "", "2026-014"),
                credit(120_000, "", "2026-014"),
                credit(70_000, "Fjord Media", ""),
                credit(70_000, "Fjord Media", ""),
            ],
            &b,
            d(TODAY),
        );
        let verdicts: Vec<_> = ms.iter().map(|m| m.verdict).collect();
        assert_eq!(
            verdicts,
            [
                Verdict::Certain,
                Verdict::Review,
                Verdict::Probable,
                Verdict::Unmatched
            ]
        );
        assert!(ms[1].reason.as_deref().unwrap().contains("nothing is left"));
    }

    #[test]
    fn an_ambiguous_number_is_for_review() {
        let b = Book::new(vec![
            inv("2026-014", "A", "SEK", 100),
            inv("2026/014", "B", "SEK", 100),
        ]);
        let m = match_credits(&[credit(100, "", "2026014")], &b, d(TODAY)).remove(0);
        assert_eq!(m.verdict, Verdict::Review);
        assert!(m.reason.unwrap().contains("any of invoices 2026-014, 2026/014"));
    }

    #[test]
    fn names_resemble() {
        for (a, b) in [
            ("Acme AB", "ACME AB"),
            ("Acme AB", "acme"),
            ("Fjord Media AS", "FJORD MEDIA"),
            ("Şeker Gıda A.Ş.", "SEKER GIDA"),
            ("Şeker Gıda A.Ş.", "ŞEKER GIDA LTD. ŞTİ."),
            ("ООО Ромашка", "Ромашка"),
            ("Brume S.R.L.", "BRUME SRL"),
            ("Müller GmbH", "Müller"),
            ("O'Brien Ltd", "OBrien"),
        ] {
            assert!(resembles(a, b), "{a} / {b}");
        }
        assert!(!resembles("Acme AB", "Acne AB"));
        assert!(!resembles("AB", "AB"), "nothing but a legal form names nobody");
        assert!(!resembles("Nordlys AB", "Fjord Media"));
    }

    #[test]
    fn reference_candidates_are_the_checked_ones() {
        let c = credit(1, "", "RF97 2026 014 and 12345 and 1234574");
        assert_eq!(reference_candidates(&c), ["1234574", "RF972026014"]);
    }

    fn arb_book() -> impl Strategy<Value = Vec<BookInvoice>> {
        prop::collection::vec(
            (
                0u32..30,
                0usize..4,
                prop::bool::ANY,
                1i64..2_000,
                prop::bool::weighted(0.1),
            ),
            1..25,
        )
        .prop_map(|rows| {
            let clients = ["Acme AB", "Nordlys AB", "Fjord Media AS", "Brume SARL"];
            let mut seen = HashSet::new();
            rows.into_iter()
                .filter(|r| seen.insert(r.0))
                .map(|(n, client, eur, balance, closed)| {
                    let mut i = inv(
                        &format!("2026-{n:03}"),
                        clients[client],
                        if eur { "EUR" } else { "SEK" },
                        balance,
                    );
                    if closed {
                        i.closed = Some("paid".into());
                        i.balance = 0;
                    }
                    i
                })
                .collect()
        })
    }

    fn arb_credits() -> impl Strategy<Value = Vec<Credit>> {
        prop::collection::vec(
            (
                1i64..4_000,
                prop::bool::ANY,
                prop::collection::vec(0u32..30, 0..4),
                0usize..5,
                prop::bool::ANY,
            ),
            0..30,
        )
        .prop_map(|rows| {
            let payers = ["ACME", "NORDLYS", "FJORD MEDIA", "BRUME", ""];
            rows.into_iter()
                .enumerate()
                .map(|(k, (amount, eur, named, payer, by_ref))| {
                    let text = named
                        .iter()
                        .map(|n| {
                            let number = format!("2026-{n:03}");
                            if by_ref {
                                super::super::reference::from_number(
                                    &number,
                                    super::super::reference::ReferenceKind::Rf,
                                )
                                .unwrap()
                                .grouped()
                            } else {
                                number
                            }
                        })
                        .collect::<Vec<_>>()
                        .join(" ");
                    let mut c = credit(amount, payers[payer], &text);
                    c.currency = if eur { "EUR" } else { "SEK" }.into();
                    c.identity = format!("{k}");
                    c
                })
                .collect()
        })
    }

    proptest! {
        #[test]
        fn no_credit_pays_more_than_its_amount_nor_an_invoice_more_than_its_balance(
            invoices in arb_book(),
            credits in arb_credits(),
            // Which certain and probable matches the user accepts.
            accept in prop::collection::vec(prop::bool::ANY, 30),
        ) {
            let book = Book::new(invoices);
            let matches = match_credits(&credits, &book, d(TODAY));
            prop_assert_eq!(matches.len(), credits.len());
            let mut paid = vec![0i64; book.invoices().len()];
            for (k, (c, m)) in credits.iter().zip(&matches).enumerate() {
                let total: i64 = m.allocations.iter().map(|a| a.amount).sum();
                match m.verdict {
                    Verdict::Certain | Verdict::Probable => {
                        prop_assert_eq!(total, c.amount);
                        for a in &m.allocations {
                            let inv = book.invoice(a.invoice);
                            prop_assert!(a.amount > 0);
                            prop_assert_eq!(&inv.currency, &c.currency);
                            prop_assert!(inv.closed.is_none());
                        }
                        if accept[k] {
                            for a in &m.allocations {
                                paid[a.invoice] += a.amount;
                            }
                        }
                    }
                    Verdict::Review | Verdict::Unmatched => prop_assert_eq!(total, 0),
                }
            }
            for (i, inv) in book.invoices().iter().enumerate() {
                prop_assert!(paid[i] <= inv.balance, "invoice {} paid {} of {}", inv.number, paid[i], inv.balance);
            }
        }

        #[test]
        fn balances_after_count_down_to_what_is_left(
            invoices in arb_book(),
            credits in arb_credits(),
        ) {
            let book = Book::new(invoices);
            let mut left: Vec<i64> = book.invoices().iter().map(|i| i.balance).collect();
            // Named credits claim their invoices first, then the probable ones.
            let mut matches = match_credits(&credits, &book, d(TODAY));
            matches.sort_by_key(|m| m.verdict == Verdict::Probable);
            for m in matches {
                for a in &m.allocations {
                    left[a.invoice] -= a.amount;
                    prop_assert_eq!(left[a.invoice], a.balance_after);
                    prop_assert!(a.balance_after >= 0);
                }
            }
        }
    }
}
