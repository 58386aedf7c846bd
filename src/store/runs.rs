//! `dun send` runs: a lease kept inside the database, so that one run sends
//! at a time whatever path names the file (a symlink, a hard link, a bind
//! mount), and so that a `pending` e-mail is `unknown` only when the run
//! that wrote it is gone (SPEC.md §5).
//!
//! Whether a run is alive is a question for the kernel, asked here by the
//! process's pid, boot and start time (on Linux, from /proc), never by a
//! clock or a timeout. WAL mode keeps every user of the file on one machine,
//! so a run recorded in another boot is gone.

use std::collections::HashSet;

use anyhow::Result;
use rusqlite::{Connection, named_params};

/// A process, as it can be recognised later.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcessMark {
    pub pid: u32,
    pub boot: String,
    pub started: String,
}

#[cfg(target_os = "linux")]
fn boot_id() -> String {
    std::fs::read_to_string("/proc/sys/kernel/random/boot_id")
        .map(|s| s.trim().to_string())
        .unwrap_or_default()
}

/// The start time (clock ticks after boot) and state of a process, from
/// `/proc/PID/stat`; `None` when there is no such process.
#[cfg(target_os = "linux")]
fn proc_stat(pid: u32) -> Option<(String, char)> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name, in parentheses, may hold spaces: fields follow the last ')'.
    let rest = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let state = fields.first()?.chars().next()?;
    Some((fields.get(19)?.to_string(), state))
}

impl ProcessMark {
    /// This process.
    pub fn current() -> ProcessMark {
        let pid = std::process::id();
        #[cfg(target_os = "linux")]
        {
            ProcessMark {
                pid,
                boot: boot_id(),
                started: proc_stat(pid).map(|(s, _)| s).unwrap_or_default(),
            }
        }
        #[cfg(not(target_os = "linux"))]
        {
            ProcessMark {
                pid,
                boot: String::new(),
                started: String::new(),
            }
        }
    }

    /// Whether this process is still running.
    pub fn is_alive(&self) -> bool {
        #[cfg(target_os = "linux")]
        {
            if self.boot != boot_id() {
                return false;
            }
            match proc_stat(self.pid) {
                Some((started, state)) => started == self.started && state != 'Z' && state != 'X',
                None => false,
            }
        }
        #[cfg(not(target_os = "linux"))]
        {
            let Ok(pid) = i32::try_from(self.pid) else {
                return false;
            };
            // SAFETY: kill(2) with signal 0 only asks whether the process exists.
            let r = unsafe { libc::kill(pid, 0) };
            r == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
        }
    }
}

/// A run that has not ended.
#[derive(Debug, Clone)]
pub struct SendRun {
    pub id: i64,
    pub process: ProcessMark,
    pub at: String,
}

/// Runs that never recorded their end: alive, or stopped by a crash.
pub fn open_runs(conn: &Connection) -> Result<Vec<SendRun>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, pid, boot, started, at FROM send_run WHERE ended_at IS NULL ORDER BY id",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(SendRun {
            id: r.get(0)?,
            process: ProcessMark {
                pid: r.get(1)?,
                boot: r.get(2)?,
                started: r.get(3)?,
            },
            at: r.get(4)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The ids of the runs whose process is still running.
pub fn live_runs(conn: &Connection) -> Result<HashSet<i64>> {
    Ok(open_runs(conn)?
        .into_iter()
        .filter(|r| r.process.is_alive())
        .map(|r| r.id)
        .collect())
}

/// Starts a run for `me`, unless another run is alive: then that run.
/// Call it inside a write transaction, so that two callers are serialised.
pub fn begin_send_run(conn: &Connection, me: &ProcessMark, at: &str) -> Result<Result<i64, SendRun>> {
    if let Some(other) = open_runs(conn)?
        .into_iter()
        .find(|r| r.process.is_alive() && r.process != *me)
    {
        return Ok(Err(other));
    }
    conn.prepare_cached("INSERT INTO send_run (pid, boot, started, at) VALUES (:pid, :boot, :started, :at)")?
        .execute(named_params! {
            ":pid": me.pid,
            ":boot": me.boot,
            ":started": me.started,
            ":at": at,
        })?;
    Ok(Ok(conn.last_insert_rowid()))
}

/// Records that a run ended.
pub fn end_send_run(conn: &Connection, id: i64, at: &str) -> Result<()> {
    conn.prepare_cached("UPDATE send_run SET ended_at = :at WHERE id = :id")?
        .execute(named_params! { ":id": id, ":at": at })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_is_alive_and_a_changed_start_time_is_not() {
        let me = ProcessMark::current();
        assert!(me.is_alive());
        #[cfg(target_os = "linux")]
        {
            assert!(!me.started.is_empty() && !me.boot.is_empty(), "{me:?}");
            let reused = ProcessMark {
                started: format!("{}0", me.started),
                ..me.clone()
            };
            assert!(!reused.is_alive(), "a pid used again is another process");
            let other_boot = ProcessMark {
                boot: "another boot".into(),
                ..me
            };
            assert!(!other_boot.is_alive());
        }
    }
}
