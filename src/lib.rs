//! dun: chase unpaid invoices from the command line.
//!
//! `run` takes the parsed command line, resolves the context once and hands
//! it to the command. Nothing below here exits the process.

pub mod bank;
pub mod cli;
pub mod commands;
pub mod config;
pub mod context;
pub mod domain;
pub mod import;
pub mod mail;
pub mod paper;
pub mod report;
pub mod store;

use anyhow::Result;

/// Exit codes (SPEC.md §4).
pub mod exit {
    pub const OK: u8 = 0;
    pub const FAILURE: u8 = 1;
    pub const USAGE: u8 = 2;
    pub const SEND_FAILED: u8 = 3;
}

/// An error that is the user's way of calling dun, not their data: exit 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// Runs one command; returns the exit code for outcomes that are not errors.
pub fn run(cli: cli::Cli) -> Result<u8> {
    commands::dispatch(cli)
}

/// The exit code for an error that ended a command.
pub fn exit_code(err: &anyhow::Error) -> u8 {
    if err.downcast_ref::<UsageError>().is_some() {
        exit::USAGE
    } else {
        exit::FAILURE
    }
}

/// An error line a person can read: one that quotes a huge value somewhere
/// (a 100 KB argument) keeps its beginning and its end, where the advice is.
pub fn readable(message: &str) -> String {
    let n = message.chars().count();
    if n <= 1000 {
        return message.to_string();
    }
    let head: String = message.chars().take(500).collect();
    let tail: String = message.chars().skip(n - 300).collect();
    format!("{head} … ({} characters left out) … {tail}", n - 800)
}

/// `dun overdue | head` closes the pipe early: that is not a failure.
pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    use std::io::ErrorKind::BrokenPipe;
    err.chain().any(|e| {
        e.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == BrokenPipe)
            || e.downcast_ref::<serde_json::Error>()
                .is_some_and(|j| j.io_error_kind() == Some(BrokenPipe))
    })
}
