//! Reading a ledger from a CSV file (SPEC.md §14): the bytes of a
//! spreadsheet's or another tool's export become rows of named text cells,
//! with the file's conventions found out once for the whole file: the
//! delimiter, a byte-order mark, the decimal separator and the date order.
//!
//! Decides nothing about clients or invoices: which client a row means,
//! whether an invoice is new, and every check of a value against what dun
//! accepts belong to `commands::import`. Amounts come out as plain decimals
//! (`1200.50`) and dates as dates; text cells exactly as written (never
//! evaluated).

pub mod columns;

use chrono::NaiveDate;

pub use columns::Field;

/// Where a problem is: the row as a spreadsheet numbers it (the header is
/// row 1) and the column's header as the file writes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub row: usize,
    /// The header as in the file, and the field it names (if it names one).
    pub column: Option<(String, Option<Field>)>,
    pub message: String,
}

impl Problem {
    fn at(row: usize, column: Option<(String, Option<Field>)>, message: impl Into<String>) -> Problem {
        Problem {
            row,
            column,
            message: message.into(),
        }
    }

    /// `row 7, column "Belopp" (amount): …`
    pub fn describe(&self) -> String {
        match &self.column {
            Some((h, Some(f))) if columns::normalize(h) == columns::normalize(f.name()) => {
                format!("row {}, column {h}: {}", self.row, self.message)
            }
            Some((h, Some(f))) => format!(
                "row {}, column \"{h}\" ({}): {}",
                self.row,
                f.name(),
                self.message
            ),
            Some((h, None)) => format!("row {}, column \"{h}\": {}", self.row, self.message),
            None => format!("row {}: {}", self.row, self.message),
        }
    }
}

/// How the file writes decimals.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decimal {
    /// `1200.50`, `1,200.50`
    Point,
    /// `1200,50`, `1 200,50`, `1.200,50`
    Comma,
}

/// How the file writes dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateStyle {
    Iso,
    /// `DD.MM.YYYY`
    Dotted,
    /// `DD/MM/YYYY`
    DaySlashMonth,
    /// `MM/DD/YYYY`
    MonthSlashDay,
}

impl DateStyle {
    pub fn as_str(self) -> &'static str {
        match self {
            DateStyle::Iso => "YYYY-MM-DD",
            DateStyle::Dotted => "DD.MM.YYYY",
            DateStyle::DaySlashMonth => "DD/MM/YYYY",
            DateStyle::MonthSlashDay => "MM/DD/YYYY",
        }
    }
}

/// What was found out about the file, for the user to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conventions {
    pub delimiter: u8,
    pub bom: bool,
    /// `None`: no amount told (only whole numbers).
    pub decimal: Option<Decimal>,
    /// Set when a separator followed by three digits was read as grouping
    /// for want of anything else to go by (`1,200` → 1200).
    pub grouping_assumed: bool,
    /// `None`: no dates in the file.
    pub dates: Option<DateStyle>,
    /// Why the slash order was chosen: `Some(row)` of a date that tells it,
    /// `None` when no date told (day first assumed).
    pub date_evidence: Option<usize>,
}

impl Conventions {
    /// `delimiter ";", decimal comma, dates DD.MM.YYYY, a UTF-8 byte-order mark`
    pub fn describe(&self) -> String {
        let delim = match self.delimiter {
            b'\t' => "tab".to_string(),
            d => format!("\"{}\"", d as char),
        };
        let mut parts = vec![format!("delimiter {delim}")];
        match self.decimal {
            Some(Decimal::Comma) => parts.push("decimal comma".into()),
            Some(Decimal::Point) => parts.push("decimal point".into()),
            None => {}
        }
        if self.grouping_assumed {
            parts.push("\"1,200\" and \"1.200\" read as 1200 (thousands)".into());
        }
        match (self.dates, self.date_evidence) {
            (Some(s @ (DateStyle::DaySlashMonth | DateStyle::MonthSlashDay)), Some(row)) => parts.push(
                format!("dates {} (a day above 12 in row {row} tells)", s.as_str()),
            ),
            (Some(DateStyle::DaySlashMonth), None) => {
                parts.push("dates DD/MM/YYYY (assumed: no day above 12 tells day from month)".into())
            }
            (Some(s), _) => parts.push(format!("dates {}", s.as_str())),
            (None, _) => {}
        }
        if self.bom {
            parts.push("a UTF-8 byte-order mark".into());
        }
        parts.join(", ")
    }
}

/// One row of the file, cells by field, as read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Row {
    /// As a spreadsheet numbers it: the header is row 1.
    pub line: usize,
    pub number: Option<String>,
    pub client: Option<String>,
    pub client_name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub lang: Option<String>,
    pub address: Option<String>,
    /// As written; `commands::import` checks it as `client add --country` is.
    pub country: Option<String>,
    pub org_number: Option<String>,
    /// As written (`yes`, `nej`, `да` …); checked by `commands::import`.
    pub consumer: Option<String>,
    pub issued: Option<NaiveDate>,
    pub due: Option<NaiveDate>,
    pub terms: Option<u32>,
    /// Plain decimals (`1200.50`), as the file's convention was undone.
    pub amount: Option<String>,
    pub currency: Option<String>,
    pub paid: Option<String>,
    pub paid_on: Option<NaiveDate>,
    pub balance: Option<String>,
    pub description: Option<String>,
    pub pay_link: Option<String>,
    pub step: Option<String>,
}

/// The file, read.
#[derive(Debug, Clone)]
pub struct Sheet {
    pub conventions: Conventions,
    /// The columns in file order: the header as written and its field.
    pub columns: Vec<(String, Field)>,
    pub rows: Vec<Row>,
}

impl Sheet {
    /// The header the file uses for `field`, for messages.
    pub fn header(&self, field: Field) -> (String, Option<Field>) {
        let h = self
            .columns
            .iter()
            .find(|(_, f)| *f == field)
            .map(|(h, _)| h.clone())
            .unwrap_or_else(|| field.name().to_string());
        (h, Some(field))
    }

    pub fn has(&self, field: Field) -> bool {
        self.columns.iter().any(|(_, f)| *f == field)
    }
}

/// The most rows one file may hold: far above any ledger, low enough that
/// a stray multi-gigabyte file is refused rather than read into memory.
pub const MAX_ROWS: usize = 2_000_000;

/// Reads a whole file. Every problem found is returned (in file order), not
/// only the first; an empty list never comes with `Err`.
pub fn read(bytes: &[u8]) -> Result<Sheet, Vec<Problem>> {
    let (bom, body) = match bytes.strip_prefix(b"\xEF\xBB\xBF") {
        Some(rest) => (true, rest),
        None => (false, bytes),
    };
    let text = std::str::from_utf8(body).map_err(|e| {
        let line = body[..e.valid_up_to()].iter().filter(|b| **b == b'\n').count() + 1;
        vec![Problem::at(
            line,
            None,
            "the text is not UTF-8; save the file as CSV UTF-8 (most spreadsheets offer it under Save as)",
        )]
    })?;
    if text.trim().is_empty() {
        return Err(vec![Problem::at(
            1,
            None,
            "the file is empty; it needs a header row and a row per invoice",
        )]);
    }
    let delimiter = detect_delimiter(text);
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut records = reader.records();
    let header = match records.next() {
        Some(Ok(h)) => h,
        Some(Err(e)) => return Err(vec![csv_problem(1, &e)]),
        None => return Err(vec![Problem::at(1, None, "the file has no header row")]),
    };
    let mut problems = Vec::new();
    let mut columns: Vec<(String, Option<Field>)> = Vec::new();
    for h in header.iter() {
        let h = h.trim().to_string();
        let field = Field::from_header(&h);
        if h.is_empty() {
            problems.push(Problem::at(
                1,
                None,
                format!(
                    "column {} has no header; name it (dun import --help lists the names) or delete the column",
                    columns.len() + 1
                ),
            ));
        } else if field.is_none() {
            problems.push(Problem::at(
                1,
                Some((h.clone(), None)),
                "dun does not know this column; rename it to one dun reads (dun import --help lists them) or delete it",
            ));
        } else if let Some((other, _)) = columns.iter().find(|(_, f)| *f == field) {
            problems.push(Problem::at(
                1,
                Some((h.clone(), field)),
                format!(
                    "column \"{other}\" already gives the {}; keep one of the two",
                    field.map(Field::name).unwrap_or("?")
                ),
            ));
        }
        columns.push((h, field));
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let columns: Vec<(String, Field)> = columns
        .into_iter()
        .map(|(h, f)| (h, f.expect("checked above")))
        .collect();

    // Every cell as text first: the conventions are decided by the whole file.
    let mut raw: Vec<(usize, Vec<String>)> = Vec::new();
    for (i, rec) in records.enumerate() {
        let line = i + 2;
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                problems.push(csv_problem(line, &e));
                break;
            }
        };
        if rec.iter().all(|c| c.trim().is_empty()) {
            continue; // a blank row, as spreadsheets leave at the end
        }
        if rec.len() != columns.len() {
            problems.push(Problem::at(
                line,
                None,
                format!(
                    "the row has {} cells and the header {}; check for a {} inside a cell that is not in quotes",
                    rec.len(),
                    columns.len(),
                    delimiter_word(delimiter)
                ),
            ));
            continue;
        }
        if raw.len() == MAX_ROWS {
            problems.push(Problem::at(
                line,
                None,
                format!("the file has more than {MAX_ROWS} rows; split it"),
            ));
            break;
        }
        raw.push((line, rec.iter().map(|c| c.trim().to_string()).collect()));
    }
    let index = |field: Field| columns.iter().position(|(_, f)| *f == field);
    let header_of = |i: usize| Some((columns[i].0.clone(), Some(columns[i].1)));

    let money: Vec<usize> = [Field::Amount, Field::Paid, Field::Balance]
        .into_iter()
        .filter_map(index)
        .collect();
    let dates: Vec<usize> = [Field::Issued, Field::Due, Field::PaidOn]
        .into_iter()
        .filter_map(index)
        .collect();
    // When the file's conventions cannot be told, that is the one problem
    // to report for those cells, not one per cell.
    let (decimal, grouping_assumed, amounts_readable) = match decide_decimal(&raw, &money, &header_of) {
        Ok((d, g)) => (d, g, true),
        Err(p) => {
            problems.push(p);
            (None, false, false)
        }
    };
    let (date_style, date_evidence) = match decide_dates(&raw, &dates, &header_of) {
        Ok(d) => d,
        Err(p) => {
            problems.push(p);
            (None, None)
        }
    };

    let mut rows = Vec::with_capacity(raw.len());
    for (line, cells) in &raw {
        let mut row = Row {
            line: *line,
            ..Row::default()
        };
        for (i, (_, field)) in columns.iter().enumerate() {
            let cell = &cells[i];
            if cell.is_empty() {
                continue;
            }
            let fail = |m: String| Problem::at(*line, header_of(i), m);
            let text = || Some(cell.clone());
            match field {
                Field::Number => row.number = text(),
                Field::Client => row.client = text(),
                Field::ClientName => row.client_name = text(),
                Field::Email => row.email = text(),
                Field::Phone => row.phone = text(),
                Field::Lang => row.lang = text(),
                Field::Address => row.address = text(),
                Field::Country => row.country = text(),
                Field::OrgNumber => row.org_number = text(),
                Field::Consumer => row.consumer = text(),
                Field::Currency => row.currency = text(),
                Field::Description => row.description = text(),
                Field::PayLink => row.pay_link = text(),
                Field::Step => row.step = text(),
                Field::Terms => match cell.parse::<u32>() {
                    Ok(t) => row.terms = Some(t),
                    Err(_) => problems.push(fail(format!(
                        "terms \"{}\" is not a number of days; write it like 30",
                        clip(cell)
                    ))),
                },
                Field::Amount | Field::Paid | Field::Balance => {
                    if !amounts_readable {
                        continue;
                    }
                    match plain_amount(cell, decimal.unwrap_or(Decimal::Point)) {
                        Ok(a) => match field {
                            Field::Amount => row.amount = Some(a),
                            Field::Paid => row.paid = Some(a),
                            _ => row.balance = Some(a),
                        },
                        Err(m) => problems.push(fail(m)),
                    }
                }
                Field::Issued | Field::Due | Field::PaidOn => {
                    let Some(style) = date_style else { continue };
                    match parse_date(cell, style) {
                        Ok(d) => match field {
                            Field::Issued => row.issued = Some(d),
                            Field::Due => row.due = Some(d),
                            _ => row.paid_on = Some(d),
                        },
                        Err(m) => problems.push(fail(m)),
                    }
                }
            }
        }
        rows.push(row);
    }
    if !problems.is_empty() {
        problems.sort_by_key(|p| p.row);
        return Err(problems);
    }
    Ok(Sheet {
        conventions: Conventions {
            delimiter,
            bom,
            decimal,
            grouping_assumed,
            dates: date_style,
            date_evidence,
        },
        columns,
        rows,
    })
}

fn clip(s: &str) -> String {
    crate::domain::text::clip(s)
}

fn delimiter_word(d: u8) -> &'static str {
    match d {
        b';' => "semicolon",
        b'\t' => "tab",
        _ => "comma",
    }
}

fn csv_problem(line: usize, e: &csv::Error) -> Problem {
    let line = e.position().map(|p| p.record() as usize + 1).unwrap_or(line);
    Problem::at(
        line,
        None,
        format!("the row cannot be read as CSV ({e}); check its quotes"),
    )
}

/// The delimiter the header row uses most, outside quotes: `,`, `;` or tab.
fn detect_delimiter(text: &str) -> u8 {
    let header = text.lines().next().unwrap_or("");
    let mut counts = [(b',', 0usize), (b';', 0), (b'\t', 0)];
    let mut quoted = false;
    for b in header.bytes() {
        if b == b'"' {
            quoted = !quoted;
        } else if !quoted {
            for (d, n) in counts.iter_mut() {
                if b == *d {
                    *n += 1;
                }
            }
        }
    }
    // Ties go to the order above; a header of one column reads the same either way.
    counts
        .iter()
        .fold((b',', 0), |best, &(d, n)| if n > best.1 { (d, n) } else { best })
        .0
}

/// What one amount cell says about the decimal separator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Evidence {
    /// No separator at all.
    None,
    Point,
    Comma,
    /// One separator followed by exactly three digits: `1,200` or `1.200`.
    Grouping(u8),
}

/// Spaces a number may be grouped with: space, no-break space, narrow
/// no-break space, thin space.
fn is_group_space(c: char) -> bool {
    matches!(c, ' ' | '\u{a0}' | '\u{202f}' | '\u{2009}')
}

fn evidence(cell: &str) -> Evidence {
    let s: String = cell.chars().filter(|c| !is_group_space(*c)).collect();
    let commas = s.matches(',').count();
    let points = s.matches('.').count();
    let after = |sep: char| s.rsplit(sep).next().map(str::len).unwrap_or(0);
    match (commas, points) {
        (0, 0) => Evidence::None,
        (_, 0) if commas > 1 => Evidence::Point,
        (0, _) if points > 1 => Evidence::Comma,
        (1, 0) if after(',') == 3 => Evidence::Grouping(b','),
        (1, 0) => Evidence::Comma,
        (0, 1) if after('.') == 3 => Evidence::Grouping(b'.'),
        (0, 1) => Evidence::Point,
        _ => {
            if s.rfind(',') > s.rfind('.') {
                Evidence::Comma
            } else {
                Evidence::Point
            }
        }
    }
}

type HeaderOf<'a> = dyn Fn(usize) -> Option<(String, Option<Field>)> + 'a;

/// The file's decimal separator, decided by every amount cell: one that only
/// a comma decimal explains (`1200,50`, `1.200,50`) and one that only a point
/// explains (`1200.50`, `1,200.50`) in one file is an error; `1,200` or
/// `1.200` alone reads as grouping (1200).
fn decide_decimal(
    raw: &[(usize, Vec<String>)],
    money: &[usize],
    header_of: &HeaderOf,
) -> Result<(Option<Decimal>, bool), Problem> {
    let mut point: Option<(usize, usize)> = None;
    let mut comma: Option<(usize, usize)> = None;
    let mut grouping: [Option<(usize, usize)>; 2] = [None, None];
    for (line, cells) in raw {
        for &i in money {
            let slot = match evidence(&cells[i]) {
                Evidence::None => continue,
                Evidence::Point => &mut point,
                Evidence::Comma => &mut comma,
                Evidence::Grouping(b',') => &mut grouping[0],
                Evidence::Grouping(_) => &mut grouping[1],
            };
            slot.get_or_insert((*line, i));
        }
    }
    let cell = |(line, i): (usize, usize)| -> String {
        raw.iter()
            .find(|(l, _)| *l == line)
            .map(|(_, c)| c[i].clone())
            .unwrap_or_default()
    };
    match (point, comma) {
        (Some(p), Some(c)) => {
            let (first, second) = if p.0 < c.0 { (p, c) } else { (c, p) };
            Err(Problem::at(
                second.0,
                header_of(second.1),
                format!(
                    "\"{}\" writes decimals differently from \"{}\" in row {}; write every amount of the file one way, like 1200.50 or like 1200,50",
                    cell(second),
                    cell(first),
                    first.0
                ),
            ))
        }
        (Some(_), None) => Ok((Some(Decimal::Point), false)),
        (None, Some(_)) => Ok((Some(Decimal::Comma), false)),
        (None, None) => match grouping {
            [Some(a), Some(b)] => {
                let (first, second) = if a.0 < b.0 { (a, b) } else { (b, a) };
                Err(Problem::at(
                    second.0,
                    header_of(second.1),
                    format!(
                        "\"{}\" and \"{}\" in row {} group thousands with different signs, so dun cannot tell which is the decimal sign; write amounts without thousands separators, like 1200.50",
                        cell(second),
                        cell(first),
                        first.0
                    ),
                ))
            }
            // `1,200`: grouping in a point file; `1.200`: grouping in a comma file.
            [Some(_), None] => Ok((Some(Decimal::Point), true)),
            [None, Some(_)] => Ok((Some(Decimal::Comma), true)),
            [None, None] => Ok((None, false)),
        },
    }
}

/// An amount as the file writes it → a plain decimal (`1 200,50` → `1200.50`).
/// The sign, the decimals and the size are for `parse_amount` to judge.
pub fn plain_amount(cell: &str, decimal: Decimal) -> Result<String, String> {
    let (dec, group) = match decimal {
        Decimal::Point => ('.', ','),
        Decimal::Comma => (',', '.'),
    };
    let bad = || {
        format!(
            "amount \"{}\" is not a number; write only the figure, like {} (the currency goes in its own column)",
            clip(cell),
            if decimal == Decimal::Comma {
                "1 200,50"
            } else {
                "1200.50"
            }
        )
    };
    let s = cell.trim();
    let (sign, body) = match s.strip_prefix('-') {
        Some(rest) => ("-", rest.trim_start()),
        None => ("", s),
    };
    let (whole, frac) = match body.rsplit_once(dec) {
        Some((w, f)) => (w, Some(f)),
        None => (body, None),
    };
    if frac.is_some_and(|f| f.is_empty() || !f.bytes().all(|b| b.is_ascii_digit())) {
        return Err(bad());
    }
    // Groups of the whole part: by spaces or the grouping sign, 3 digits after the first.
    let groups: Vec<&str> = whole.split(|c: char| c == group || is_group_space(c)).collect();
    let grouped = groups.len() > 1;
    let ok = !groups.is_empty()
        && groups
            .iter()
            .all(|g| !g.is_empty() && g.bytes().all(|b| b.is_ascii_digit()))
        && (!grouped || (groups[0].len() <= 3 && groups[1..].iter().all(|g| g.len() == 3)));
    if !ok {
        return Err(bad());
    }
    let mut out = String::from(sign);
    out.push_str(&groups.concat());
    if let Some(f) = frac {
        out.push('.');
        out.push_str(f);
    }
    Ok(out)
}

/// The shape of one date cell.
fn date_shape(cell: &str) -> Option<DateStyle> {
    let b = cell.as_bytes();
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    if b.len() == 10 && b[4] == b'-' && b[7] == b'-' && digits(0..4) && digits(5..7) && digits(8..10) {
        return Some(DateStyle::Iso);
    }
    for (sep, style) in [(b'.', DateStyle::Dotted), (b'/', DateStyle::DaySlashMonth)] {
        let parts: Vec<&str> = cell.split(sep as char).collect();
        if parts.len() == 3
            && (1..=2).contains(&parts[0].len())
            && (1..=2).contains(&parts[1].len())
            && parts[2].len() == 4
            && parts.iter().all(|p| p.bytes().all(|c| c.is_ascii_digit()))
        {
            return Some(style);
        }
    }
    None
}

/// The file's date style, decided by every date cell: one style throughout;
/// for slashes, day first unless a date with a second part above 12 says
/// month first (and both in one file is an error).
fn decide_dates(
    raw: &[(usize, Vec<String>)],
    dates: &[usize],
    header_of: &HeaderOf,
) -> Result<(Option<DateStyle>, Option<usize>), Problem> {
    let mut style: Option<(DateStyle, usize, String)> = None;
    let mut day_first: Option<(usize, String, usize)> = None;
    let mut month_first: Option<(usize, String, usize)> = None;
    for (line, cells) in raw {
        for &i in dates {
            let cell = &cells[i];
            if cell.is_empty() {
                continue;
            }
            let Some(shape) = date_shape(cell) else {
                return Err(Problem::at(
                    *line,
                    header_of(i),
                    format!(
                        "date \"{}\" is not a date dun reads; write YYYY-MM-DD, DD.MM.YYYY or DD/MM/YYYY, one way throughout the file",
                        clip(cell)
                    ),
                ));
            };
            match &style {
                None => style = Some((shape, *line, cell.clone())),
                Some((s, l, first)) if *s != shape => {
                    return Err(Problem::at(
                        *line,
                        header_of(i),
                        format!(
                            "date \"{cell}\" is written differently from \"{first}\" in row {l}; write every date of the file one way"
                        ),
                    ));
                }
                Some(_) => {}
            }
            if shape == DateStyle::DaySlashMonth {
                let mut parts = cell.split('/').map(|p| p.parse::<u32>().unwrap_or(0));
                let (a, b) = (parts.next().unwrap_or(0), parts.next().unwrap_or(0));
                if a > 12 {
                    day_first.get_or_insert((*line, cell.clone(), i));
                }
                if b > 12 {
                    month_first.get_or_insert((*line, cell.clone(), i));
                }
            }
        }
    }
    let Some((s, _, _)) = style else {
        return Ok((None, None));
    };
    if s != DateStyle::DaySlashMonth {
        return Ok((Some(s), None));
    }
    match (day_first, month_first) {
        (Some((dl, dc, di)), Some((ml, mc, mi))) => {
            let (row, here, here_first, there, other, there_first, i) = if dl > ml {
                (dl, dc, "day", mc, ml, "month", di)
            } else {
                (ml, mc, "month", dc, dl, "day", mi)
            };
            Err(Problem::at(
                row,
                header_of(i),
                format!(
                    "date \"{here}\" puts the {here_first} first and \"{there}\" in row {other} the {there_first} first; write every date of the file one way"
                ),
            ))
        }
        (None, Some((l, _, _))) => Ok((Some(DateStyle::MonthSlashDay), Some(l))),
        (Some((l, _, _)), None) => Ok((Some(DateStyle::DaySlashMonth), Some(l))),
        (None, None) => Ok((Some(DateStyle::DaySlashMonth), None)),
    }
}

/// A date cell in the file's style.
pub fn parse_date(cell: &str, style: DateStyle) -> Result<NaiveDate, String> {
    let nums: Vec<u32> = cell
        .split(['-', '.', '/'])
        .map(|p| p.parse().unwrap_or(0))
        .collect();
    let (y, m, d) = match (style, nums.as_slice()) {
        (DateStyle::Iso, [y, m, d]) => (*y, *m, *d),
        (DateStyle::Dotted | DateStyle::DaySlashMonth, [d, m, y]) => (*y, *m, *d),
        (DateStyle::MonthSlashDay, [m, d, y]) => (*y, *m, *d),
        _ => (0, 0, 0),
    };
    NaiveDate::from_ymd_opt(y as i32, m, d).ok_or_else(|| {
        format!(
            "date \"{}\" does not exist in the calendar (read as {}); write a real date",
            clip(cell),
            style.as_str()
        )
    })
}

#[cfg(test)]
mod tests;
