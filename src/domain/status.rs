//! The status of an invoice, derived from its facts and never stored.

use chrono::NaiveDate;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    Open,
    Overdue,
    OnHold,
    Paid,
    Settled,
    WrittenOff,
    Void,
}

impl Status {
    pub const ALL: &'static [Status] = &[
        Status::Open,
        Status::Overdue,
        Status::OnHold,
        Status::Paid,
        Status::Settled,
        Status::WrittenOff,
        Status::Void,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Open => "open",
            Status::Overdue => "overdue",
            Status::OnHold => "on-hold",
            Status::Paid => "paid",
            Status::Settled => "settled",
            Status::WrittenOff => "written-off",
            Status::Void => "void",
        }
    }

    pub fn parse(input: &str) -> Result<Status, String> {
        Status::ALL
            .iter()
            .copied()
            .find(|s| s.as_str() == input.trim())
            .ok_or_else(|| {
                let names: Vec<_> = Status::ALL.iter().map(|s| s.as_str()).collect();
                format!(
                    "status \"{input}\" is not known; use one of: {}",
                    names.join(", ")
                )
            })
    }

    /// Whether the invoice is still to be paid (open, overdue or on hold).
    pub fn is_outstanding(self) -> bool {
        matches!(self, Status::Open | Status::Overdue | Status::OnHold)
    }
}

/// `closed` is the stored reason an invoice left the ladder, if it did.
pub fn status(closed: Option<&str>, balance: i64, held: bool, due: NaiveDate, today: NaiveDate) -> Status {
    match closed {
        Some("void") => Status::Void,
        Some("written-off") => Status::WrittenOff,
        Some("settled") => Status::Settled,
        Some(_) => Status::Paid,
        None if balance <= 0 => Status::Paid,
        None if held => Status::OnHold,
        None if today > due => Status::Overdue,
        None => Status::Open,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derivation() {
        let due = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        let on_due = due;
        let after = NaiveDate::from_ymd_opt(2026, 12, 2).unwrap();
        assert_eq!(status(None, 100, false, due, on_due), Status::Open);
        assert_eq!(status(None, 100, false, due, after), Status::Overdue);
        assert_eq!(status(None, 100, true, due, after), Status::OnHold);
        assert_eq!(status(None, 0, false, due, after), Status::Paid);
        assert_eq!(status(Some("void"), 100, false, due, after), Status::Void);
        assert_eq!(Status::parse("on-hold"), Ok(Status::OnHold));
        assert!(Status::parse("late").unwrap_err().contains("overdue"));
    }
}
