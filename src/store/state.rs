//! The ladder's kept state (migration 0007): one row per open invoice with
//! what the ladder and the reports read from its log and payments, kept up to
//! date by triggers inside every write. Here: reading its packed columns,
//! and `dun check` (compare with the records) and `--repair` (rebuild).

use anyhow::{Result, bail};

use chrono::NaiveDate;
use rusqlite::{Connection, Transaction};

/// Separates the records of `ladder_state.steps`.
pub const STEP_RECORD_SEP: char = '\u{1e}';
/// Separates the fields of one record of `ladder_state.steps`.
pub const STEP_FIELD_SEP: char = '\u{1f}';

/// What the kept state says about one step name on one invoice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StepState {
    /// Log entries that did the step (outbound, not failed, not bounced).
    pub count: u32,
    pub first: NaiveDate,
    pub last: NaiveDate,
    /// The deadline of the latest letter entry that did the step.
    pub letter_deadline: Option<NaiveDate>,
}

/// Calls `each` for every record of a packed `steps` value. An error means
/// the value is not what the triggers write (damaged by hand).
/// Works on the bytes (the separators are ASCII): a byte loop is much
/// cheaper than `split(char)` on pieces this short, and a name is only
/// compared with the ladder's names, never needed as text.
pub fn parse_steps(packed: &[u8], mut each: impl FnMut(&[u8], StepState)) -> Result<(), String> {
    if packed.is_empty() {
        return Ok(());
    }
    let shown = |b: &[u8]| format!("{:?}", String::from_utf8_lossy(b));
    for record in packed.split(|&b| b == STEP_RECORD_SEP as u8) {
        // One pass over the record, cutting at the field separators.
        let mut f: [&[u8]; 5] = [&[]; 5];
        let (mut n, mut start) = (0, 0);
        for (i, &b) in record.iter().enumerate() {
            if b == STEP_FIELD_SEP as u8 {
                if n == 4 {
                    return Err(format!("a step record with too many fields: {}", shown(record)));
                }
                f[n] = &record[start..i];
                n += 1;
                start = i + 1;
            }
        }
        if n != 4 {
            return Err(format!("a step record with too few fields: {}", shown(record)));
        }
        f[4] = &record[start..];
        let [name, count, first, last, deadline] = f;
        let bad = |what: &str, b: &[u8]| format!("not {what}: {}", shown(b));
        let date = |b: &[u8]| iso_date_bytes(b).ok_or_else(|| bad("a date", b));
        let count = (!count.is_empty() && count.len() <= 9)
            .then(|| {
                count.iter().try_fold(0u32, |n, c| {
                    c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
                })
            })
            .flatten()
            .ok_or_else(|| bad("a count", count))?;
        let state = StepState {
            count,
            first: date(first)?,
            last: date(last)?,
            letter_deadline: if deadline.is_empty() {
                None
            } else {
                Some(date(deadline)?)
            },
        };
        if name.is_empty() || state.count == 0 || state.first > state.last {
            return Err(format!("an impossible step record: {}", shown(record)));
        }
        each(name, state);
    }
    Ok(())
}

/// Calls `each` with (amount, paid on) for every payment of a packed `payments` value.
pub fn parse_payments(packed: &str, mut each: impl FnMut(i64, NaiveDate)) -> Result<(), String> {
    if packed.is_empty() {
        return Ok(());
    }
    for p in packed.split(',') {
        let parsed = p
            .split_once(' ')
            .and_then(|(a, d)| Some((a.parse::<i64>().ok()?, iso_date(d)?)));
        let Some((amount, on)) = parsed else {
            return Err(format!("not a payment: {p:?}"));
        };
        each(amount, on);
    }
    Ok(())
}

/// `YYYY-MM-DD` without chrono's general-purpose parser (the scan reads
/// hundreds of thousands of them).
pub(crate) fn iso_date(s: &str) -> Option<NaiveDate> {
    iso_date_bytes(s.as_bytes())
}

pub(crate) fn iso_date_bytes(b: &[u8]) -> Option<NaiveDate> {
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num = |range: std::ops::Range<usize>| -> Option<u32> {
        b[range].iter().try_fold(0u32, |n, c| {
            c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
        })
    };
    NaiveDate::from_ymd_opt(num(0..4)? as i32, num(5..7)?, num(8..10)?)
}

/// One row of `ladder_state`, or the same row as the records give it (for tests).
#[cfg(test)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeptState {
    pub due: String,
    pub invoice_id: i64,
    pub number: String,
    pub client_id: i64,
    pub client_handle: String,
    pub client_name: String,
    pub client_emails: String,
    pub client_phone: Option<String>,
    pub issued: String,
    pub amount: i64,
    pub currency: String,
    pub start_step: Option<String>,
    pub entered_on: String,
    pub reference: Option<String>,
    pub steps: Option<String>,
    pub last_email: Option<String>,
    pub last_reply: Option<String>,
    pub last_contact: Option<String>,
    pub paid: i64,
    pub payments: String,
}

/// The columns of `ladder_state` and of `ladder_state_from_records`, in order.
const COLUMN_NAMES: [&str; 20] = [
    "due",
    "invoice_id",
    "number",
    "client_id",
    "client_handle",
    "client_name",
    "client_emails",
    "client_phone",
    "issued",
    "amount",
    "currency",
    "start_step",
    "entered_on",
    "reference",
    "steps",
    "last_email",
    "last_reply",
    "last_contact",
    "paid",
    "payments",
];

#[cfg(test)]
fn state_from_row(r: &rusqlite::Row) -> rusqlite::Result<KeptState> {
    Ok(KeptState {
        due: r.get(0)?,
        invoice_id: r.get(1)?,
        number: r.get(2)?,
        client_id: r.get(3)?,
        client_handle: r.get(4)?,
        client_name: r.get(5)?,
        client_emails: r.get(6)?,
        client_phone: r.get(7)?,
        issued: r.get(8)?,
        amount: r.get(9)?,
        currency: r.get(10)?,
        start_step: r.get(11)?,
        entered_on: r.get(12)?,
        reference: r.get(13)?,
        steps: r.get(14)?,
        last_email: r.get(15)?,
        last_reply: r.get(16)?,
        last_contact: r.get(17)?,
        paid: r.get(18)?,
        payments: r.get(19)?,
    })
}

/// Every row of the kept state, by invoice id (for tests).
#[cfg(test)]
pub fn kept_states(conn: &Connection) -> Result<Vec<KeptState>> {
    states(conn, "ladder_state")
}

/// The kept state as the records give it (`ladder_state_from_records`), by invoice id (for tests).
#[cfg(test)]
pub fn states_from_records(conn: &Connection) -> Result<Vec<KeptState>> {
    states(conn, "ladder_state_from_records")
}

#[cfg(test)]
fn states(conn: &Connection, table: &str) -> Result<Vec<KeptState>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {} FROM {table} ORDER BY invoice_id",
        COLUMN_NAMES.join(", ")
    ))?;
    let rows = stmt.query_map([], state_from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Where the kept state and the records disagree about one invoice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateDifference {
    pub invoice_id: i64,
    /// `None` when no invoice has that id (a row left behind).
    pub number: Option<String>,
    pub kind: DifferenceKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DifferenceKind {
    /// An open invoice without a kept row.
    Missing,
    /// A kept row for an invoice that is closed or gone.
    LeftBehind,
    /// The columns that differ: (column, kept, from the records), as text.
    Columns(Vec<(&'static str, String, String)>),
}

/// Any SQLite value as text, for a report (NULL as `NULL`).
fn shown(v: rusqlite::types::ValueRef) -> String {
    use rusqlite::types::ValueRef;
    match v {
        ValueRef::Null => "NULL".into(),
        ValueRef::Integer(i) => i.to_string(),
        ValueRef::Real(f) => format!("{f} (a real number)"),
        ValueRef::Text(t) => format!("{:?}", String::from_utf8_lossy(t)),
        ValueRef::Blob(b) => format!("a blob of {} bytes", b.len()),
    }
}

/// Compares the whole kept state with the records: one pass over the open
/// invoices (their state computed from the records once each) and one over
/// the kept rows for rows left behind; no query per invoice. The invoices
/// that differ, by id.
pub fn state_differences(conn: &Connection) -> Result<Vec<StateDifference>> {
    let cols = |t: &str| COLUMN_NAMES.map(|c| format!("{t}.{c}")).join(", ");
    let differs = COLUMN_NAMES.map(|c| format!("k.{c} IS NOT r.{c}")).join(" OR ");
    let sql = format!(
        "SELECT r.invoice_id, i.number, k.invoice_id IS NOT NULL, 1, {k}, {r}
           FROM ladder_state_from_records r
           JOIN invoice i ON i.id = r.invoice_id
           LEFT JOIN ladder_state k ON k.invoice_id = r.invoice_id
          WHERE k.invoice_id IS NULL OR {differs}
         UNION ALL
         SELECT k.invoice_id, i.number, 1, 0, {k}, {k}
           FROM ladder_state k
           LEFT JOIN invoice i ON i.id = k.invoice_id
          WHERE i.id IS NULL OR i.closed IS NOT NULL
          ORDER BY 1",
        k = cols("k"),
        r = cols("r"),
    );
    let n = COLUMN_NAMES.len();
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt.query_map([], |r| {
        let kind = match (r.get::<_, bool>(2)?, r.get::<_, bool>(3)?) {
            (false, _) => DifferenceKind::Missing,
            (true, false) => DifferenceKind::LeftBehind,
            (true, true) => {
                let mut cols = Vec::new();
                for (j, name) in COLUMN_NAMES.iter().enumerate() {
                    let (k, rec) = (r.get_ref(4 + j)?, r.get_ref(4 + n + j)?);
                    if k != rec {
                        cols.push((*name, shown(k), shown(rec)));
                    }
                }
                DifferenceKind::Columns(cols)
            }
        };
        Ok(StateDifference {
            invoice_id: r.get(0)?,
            number: r.get(1)?,
            kind,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// How many rows the kept state has.
pub fn kept_state_rows(conn: &Connection) -> Result<i64> {
    Ok(conn.query_row("SELECT count(*) FROM ladder_state", [], |r| r.get(0))?)
}

/// SQLite's own check of the file: `ok`, or what is wrong.
pub fn integrity_check(conn: &Connection) -> Result<Vec<String>> {
    let mut stmt = conn.prepare("PRAGMA integrity_check")?;
    let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
    let lines: Vec<String> = rows.collect::<rusqlite::Result<_>>()?;
    if lines.is_empty() {
        bail!("PRAGMA integrity_check returned nothing");
    }
    Ok(lines)
}

/// Builds the kept state again from the records, inside the caller's
/// transaction; returns the number of rows written.
pub fn rebuild_state(tx: &Transaction) -> Result<usize> {
    tx.execute("DELETE FROM ladder_state", [])?;
    let cols = COLUMN_NAMES.join(", ");
    Ok(tx.execute(
        &format!("INSERT INTO ladder_state ({cols}) SELECT {cols} FROM ladder_state_from_records"),
        [],
    )?)
}

#[cfg(test)]
mod drift_tests;

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        iso_date(s).unwrap()
    }

    #[test]
    fn steps_parse_and_reject_what_the_triggers_never_write() {
        let mut seen = Vec::new();
        let packed = "call\u{1f}2\u{1f}2026-01-01\u{1f}2026-01-08\u{1f}\u{1e}demand\u{1f}1\u{1f}2026-02-01\u{1f}2026-02-01\u{1f}2026-02-15";
        parse_steps(packed.as_bytes(), |n, s| {
            seen.push((String::from_utf8(n.to_vec()).unwrap(), s))
        })
        .unwrap();
        assert_eq!(
            seen,
            [
                (
                    "call".to_string(),
                    StepState {
                        count: 2,
                        first: d("2026-01-01"),
                        last: d("2026-01-08"),
                        letter_deadline: None
                    }
                ),
                (
                    "demand".to_string(),
                    StepState {
                        count: 1,
                        first: d("2026-02-01"),
                        last: d("2026-02-01"),
                        letter_deadline: Some(d("2026-02-15"))
                    }
                ),
            ]
        );
        assert!(parse_steps(b"", |_, _| panic!("no record")).is_ok());
        for bad in [
            "call\u{1f}2\u{1f}2026-01-01\u{1f}2026-01-08",
            "call\u{1f}x\u{1f}2026-01-01\u{1f}2026-01-08\u{1f}",
            "call\u{1f}0\u{1f}2026-01-01\u{1f}2026-01-08\u{1f}",
            "call\u{1f}1\u{1f}2026-01-09\u{1f}2026-01-08\u{1f}",
            "call\u{1f}1\u{1f}2026-13-01\u{1f}2026-01-08\u{1f}",
            "\u{1f}1\u{1f}2026-01-01\u{1f}2026-01-08\u{1f}",
        ] {
            assert!(parse_steps(bad.as_bytes(), |_, _| {}).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn payments_parse() {
        let mut seen = Vec::new();
        parse_payments("100 2026-01-01,1000000000000000 2026-02-03", |a, d| {
            seen.push((a, d))
        })
        .unwrap();
        assert_eq!(
            seen,
            [(100, d("2026-01-01")), (1_000_000_000_000_000, d("2026-02-03"))]
        );
        assert!(parse_payments("100", |_, _| {}).is_err());
        assert!(parse_payments("x 2026-01-01", |_, _| {}).is_err());
    }
}
