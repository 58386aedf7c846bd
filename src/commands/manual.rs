//! `dun man` (the whole manual page, in roff, from the clap definition) and
//! plain `dun` (a short overview of the daily commands).

use std::io::Write;

use anyhow::Result;
use clap::CommandFactory;

use crate::cli::Cli;
use crate::exit;

/// What plain `dun` prints: the commands of a day and where to read more.
pub const OVERVIEW: &str = "\
dun gets your unpaid invoices paid: clients, invoices and payments in one
local file, a ladder of reminders, e-mails sent exactly once.

Every morning
  dun due                  what to send, whom to call, which letter to write
  dun send                 read the inbox (if set up), then send what is due
  dun bank STATEMENT       record the payments in your bank's export
  dun pay INVOICE          record a payment (no amount: all of it)
  dun log INVOICE call --outcome talked --note \"...\"   after a call
  dun summary              what you are owed, per currency and per client

To begin
  dun demo --db /tmp/dun-demo.db && dun --db /tmp/dun-demo.db due
                           try it on example data
  dun init                 write a config file: your name, SMTP, the inbox
  dun import invoices.csv  bring your open invoices in from a spreadsheet
  dun client add \"Acme AB\" --email ap@acme.example      or one at a time
  dun invoice add 2026-001 --client acme-ab --amount 1200.00 --due 2026-12-31

dun --help lists every command, dun COMMAND --help tells more, dun man prints
the manual page.
";

pub fn overview() -> Result<u8> {
    std::io::stdout().lock().write_all(OVERVIEW.as_bytes())?;
    Ok(exit::OK)
}

pub fn man() -> Result<u8> {
    std::io::stdout().lock().write_all(&manual()?)?;
    Ok(exit::OK)
}

/// The manual page: the main page clap_mangen renders, then one section per
/// command with its synopsis and its own options, then the environment,
/// the files and the exit status.
pub fn manual() -> Result<Vec<u8>> {
    let mut cmd = Cli::command().disable_help_subcommand(true);
    cmd.build();
    let mut out = Vec::new();
    clap_mangen::Man::new(cmd.clone()).render(&mut out)?;
    let mut leaves = Vec::new();
    collect_leaves(&cmd, &mut leaves);
    for sub in leaves {
        // Global options are on the main page; each command lists its own.
        let sub = sub.mut_args(|a| {
            if a.get_help_heading() == Some("Global options") {
                a.hide(true)
            } else {
                a
            }
        });
        let name = sub.get_bin_name().unwrap_or(sub.get_name()).to_string();
        writeln!(out, ".SH \"{}\"", name.to_uppercase())?;
        if let Some(about) = sub.get_long_about().or(sub.get_about()) {
            for line in about.to_string().lines() {
                writeln!(out, "{}", roff_text(line))?;
            }
        }
        let man = clap_mangen::Man::new(sub.clone());
        let mut part = Vec::new();
        man.render_synopsis_section(&mut part)?;
        if sub.get_arguments().any(|a| !a.is_hide_set()) {
            man.render_options_section(&mut part)?;
        }
        let part = String::from_utf8_lossy(&part)
            .replace(".SH SYNOPSIS\n", ".SS Synopsis\n")
            .replace(".SH OPTIONS\n", ".SS Options\n");
        out.extend_from_slice(part.as_bytes());
    }
    out.extend_from_slice(TAIL.as_bytes());
    Ok(out)
}

/// Every command that does something (a group's commands, not the group).
fn collect_leaves(cmd: &clap::Command, leaves: &mut Vec<clap::Command>) {
    for sub in cmd.get_subcommands() {
        if sub.has_subcommands() {
            collect_leaves(sub, leaves);
        } else {
            leaves.push(sub.clone());
        }
    }
}

/// A line of text safe in roff: no leading `.` or `'`, backslashes escaped.
fn roff_text(line: &str) -> String {
    let line = line.replace('\\', "\\e");
    if line.starts_with(['.', '\'']) {
        format!("\\&{line}")
    } else {
        line
    }
}

const TAIL: &str = r#".SH ENVIRONMENT
.TP
\fBDUN_DB\fR
The database file, as \fB\-\-db\fR gives it.
.TP
\fBDUN_CONFIG\fR
The config file, as \fB\-\-config\fR gives it.
.TP
\fBDUN_TODAY\fR
The date every rule is computed for, as \fB\-\-today\fR gives it.
.TP
\fBNO_COLOR\fR
When set and not empty, no colour.
.TP
\fBCOLUMNS\fR
The width tables are fitted to on a terminal, instead of the terminal's own.
.SH FILES
.TP
\fI~/.config/dun/config.toml\fR
The config file on Linux (\fBdun init\fR writes a commented one).
.TP
\fI~/.local/share/dun/dun.db\fR
The database on Linux; created on first use.
.SH "EXIT STATUS"
.TP
0
Done.
.TP
1
A failure or bad input; nothing was changed.
.TP
2
Wrong usage.
.TP
3
\fBdun send\fR: a message could not be sent (the others were).
"#;
