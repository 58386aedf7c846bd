//! The pure core of dun: money, dates, contact records, the ladder and fees.
//!
//! Nothing here does I/O, reads the clock or speaks SQL; commands fetch the
//! facts and pass them in, so every rule is a plain function of its inputs.

pub mod contact;
pub mod dates;
pub mod fees;
pub mod inbound;
pub mod ladder;
pub mod law;
pub mod matching;
pub mod money;
pub mod naming;
pub mod party;
pub mod plan;
pub mod reference;
pub mod status;
pub mod story;
pub mod summary;
pub mod text;
pub mod totals;
