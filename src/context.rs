//! Resolves, once, everything a command needs besides its own arguments:
//! the config in force, the database path, *today*, the output format.
//!
//! The clock is read here and nowhere else.

use std::io::IsTerminal;
use std::path::PathBuf;

use anyhow::{Result, anyhow};
use chrono::NaiveDate;

use crate::cli::{Color, Format, Global};
use crate::config::Config;
use crate::domain::dates::parse_date;
use crate::store::Store;

pub struct Context {
    pub db_path: PathBuf,
    pub config_path: PathBuf,
    pub config: Config,
    /// The date every rule is computed for.
    pub today: NaiveDate,
    /// The wall-clock time, for record timestamps only (never for rules).
    pub now: String,
    pub format: Format,
    /// Whether stdout is a terminal and colour is allowed.
    pub color: bool,
    pub stdout_tty: bool,
    /// The width tables are fitted to: the terminal's (or `COLUMNS`); `None`
    /// with `--wide` or when stdout is not a terminal (nothing is cut).
    pub width: Option<usize>,
    pub quiet: bool,
    pub verbose: bool,
}

/// What was typed for an option, else its environment variable (empty is unset).
fn typed_or_env(typed: &Option<PathBuf>, var: &str) -> Option<PathBuf> {
    typed
        .clone()
        .or_else(|| std::env::var_os(var).filter(|v| !v.is_empty()).map(PathBuf::from))
}

/// The width tables are fitted to, read once: none with `--wide` or when
/// stdout is not a terminal; else `COLUMNS` when it is a number, else the
/// terminal's own width (80 if it cannot be asked).
fn table_width(wide: bool, stdout_tty: bool) -> Option<usize> {
    if wide || !stdout_tty {
        return None;
    }
    let columns = std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse::<usize>().ok())
        .filter(|&c| c > 0);
    columns.or_else(|| {
        terminal_size::terminal_size_of(std::io::stdout())
            .map(|(w, _)| usize::from(w.0))
            .or(Some(80))
    })
}

fn project_dirs() -> Option<directories::ProjectDirs> {
    directories::ProjectDirs::from("", "", "dun")
}

/// The config path in force, without reading the file.
pub fn config_path(global: &Global) -> Result<PathBuf> {
    match &typed_or_env(&global.config, "DUN_CONFIG") {
        Some(p) => Ok(p.clone()),
        None => project_dirs()
            .map(|d| d.config_dir().join("config.toml"))
            .ok_or_else(|| {
                anyhow!("cannot find your home folder; give the config file with --config or DUN_CONFIG")
            }),
    }
}

impl Context {
    pub fn resolve(global: &Global) -> Result<Context> {
        let clock = chrono::Local::now().date_naive();
        // Parsed as every date on the command line is (an empty DUN_TODAY is unset).
        let typed_today = global
            .today
            .clone()
            .filter(|t| !t.trim().is_empty())
            .or_else(|| std::env::var("DUN_TODAY").ok().filter(|v| !v.trim().is_empty()));
        let today = match &typed_today {
            Some(t) => parse_date(t, clock).map_err(|e| anyhow!("--today/DUN_TODAY: {e}"))?,
            None => clock,
        };
        let db_path = match &typed_or_env(&global.db, "DUN_DB") {
            Some(p) => p.clone(),
            None => project_dirs()
                .map(|d| d.data_dir().join("dun.db"))
                .ok_or_else(|| {
                    anyhow!("cannot find your home folder; give the database with --db or DUN_DB")
                })?,
        };
        let config_path = config_path(global)?;
        let config = Config::load(&config_path)?;
        let stdout_tty = std::io::stdout().is_terminal();
        let color = match global.color {
            Color::Always => true,
            Color::Never => false,
            Color::Auto => stdout_tty && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
        };
        let width = table_width(global.wide, stdout_tty);
        Ok(Context {
            db_path,
            config_path,
            config,
            today,
            now: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            format: global.format,
            color,
            stdout_tty,
            width,
            quiet: global.quiet,
            verbose: global.verbose,
        })
    }

    pub fn open_store(&self) -> Result<Store> {
        if self.verbose {
            eprintln!("dun: database {}", self.db_path.display());
        }
        Store::open(&self.db_path)
    }

    /// Prints a line for a person on stdout unless `--quiet`.
    pub fn say(&self, line: impl std::fmt::Display) {
        // A closed stdout (`dun … | head`) is not a failure: ignore write errors.
        if !self.quiet {
            use std::io::Write;
            let _ = writeln!(std::io::stdout(), "{line}");
        }
    }

    /// Where tables are shown: the width in force and whether headers are bold.
    pub fn screen(&self) -> crate::report::table::Screen {
        crate::report::table::Screen::new(self.width, self.color)
    }

    /// A line that helps a person but is not the command's data (a hint, a
    /// heading): on stdout on a terminal, on stderr otherwise, never with
    /// `--quiet`; so that `dun … > file` holds only data.
    pub fn hint(&self, line: impl std::fmt::Display) {
        if self.quiet {
            return;
        }
        use std::io::Write;
        if self.stdout_tty {
            let _ = writeln!(std::io::stdout(), "{line}");
        } else {
            let _ = writeln!(std::io::stderr(), "{line}");
        }
    }

    /// `bold` text when colour is on.
    pub fn bold(&self, text: &str) -> String {
        if self.color {
            format!("\x1b[1m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }
}
