//! Why a database file cannot be used, in words that name the file and say
//! what would help: a read-only file or folder, a full disk, a damaged or
//! truncated file, a file that is not SQLite at all, one that is busy.
//!
//! SQLite's own message ("unable to open database file", "disk I/O error")
//! names no file and often misleads; the code it comes with, and a look at
//! the file and its folder, tell the cases apart. Looking never writes.

use std::ffi::CString;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use anyhow::anyhow;
use rusqlite::ErrorCode;

/// The first bytes of every SQLite 3 file.
const MAGIC: &[u8; 16] = b"SQLite format 3\0";

/// Whether this process may write `path` (access(2): no file is opened, so
/// SQLite's locks on the database are never disturbed).
fn writable(path: &Path) -> bool {
    let Ok(c) = CString::new(path.as_os_str().as_bytes()) else {
        return false;
    };
    // SAFETY: `c` is a valid NUL-terminated string that outlives the call.
    unsafe { libc::access(c.as_ptr(), libc::W_OK) == 0 }
}

/// Whether the file system holding `path` has (next to) no room left.
/// SQLite reports a full disk as an I/O error when it is the -shm file that
/// cannot grow.
fn disk_full(path: &Path) -> bool {
    let Ok(c) = CString::new(folder(path).as_os_str().as_bytes()) else {
        return false;
    };
    // SAFETY: `c` is a valid NUL-terminated string; `st` is a plain C struct
    // that statvfs(3) fills in, and it is read only when the call succeeded.
    let (ok, st) = unsafe {
        let mut st: libc::statvfs = std::mem::zeroed();
        (libc::statvfs(c.as_ptr(), &mut st) == 0, st)
    };
    // SAFETY: geteuid(2) cannot fail and touches no memory.
    let root = unsafe { libc::geteuid() } == 0;
    let blocks = if root { st.f_bfree } else { st.f_bavail };
    ok && u128::from(blocks) * u128::from(st.f_frsize) < 64 * 1024
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

fn folder(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// What is wrong with a file SQLite called damaged, as read from its
/// header: `is truncated: …`, `has a damaged header: …`, or `is damaged`.
fn damage(path: &Path) -> String {
    let Ok(bytes) = std::fs::read(path) else {
        return "is damaged".into();
    };
    let len = bytes.len();
    if len < MAGIC.len() || &bytes[..MAGIC.len()] != MAGIC {
        return "is damaged: its SQLite header is gone".into();
    }
    if len < 100 {
        return format!("is truncated: it is only {len} bytes long");
    }
    let page_size = match u16::from_be_bytes([bytes[16], bytes[17]]) {
        1 => 65536,
        n => usize::from(n),
    };
    let pages = u32::from_be_bytes([bytes[28], bytes[29], bytes[30], bytes[31]]) as usize;
    let valid_for = u32::from_be_bytes([bytes[92], bytes[93], bytes[94], bytes[95]]);
    let change = u32::from_be_bytes([bytes[24], bytes[25], bytes[26], bytes[27]]);
    if !page_size.is_power_of_two() || !(512..=65536).contains(&page_size) {
        return format!("has a damaged header: its page size reads {page_size}");
    }
    let claimed = pages.saturating_mul(page_size);
    if valid_for == change && pages > 0 && len < claimed {
        // A cut-short file keeps a size it once had; a damaged header says
        // anything, most often far more than any dun database (1 TiB).
        if claimed > 1 << 40 {
            return format!("has a damaged header: it gives a size of {claimed} bytes for a file of {len}");
        }
        return format!("is truncated: it holds {len} of the {claimed} bytes its header gives");
    }
    if len % page_size != 0 {
        return format!("is truncated: {len} bytes is not a whole number of its {page_size}-byte pages");
    }
    "is damaged".into()
}

/// Turns a SQLite error about the database at `path` into one a person can act on.
pub fn explain(err: &rusqlite::Error, path: &Path) -> anyhow::Error {
    let shown = path.display();
    let restore = "restore it from a backup (dun keeps one as dun.db.vN.backup before each upgrade); dun left it untouched";
    let Some(code) = err.sqlite_error_code() else {
        return anyhow!("database {shown}: {err}");
    };
    match code {
        ErrorCode::NotADatabase => {
            let begins = std::fs::read(path)
                .map(|b| b.len() >= MAGIC.len() && &b[..MAGIC.len()] == MAGIC)
                .unwrap_or(false);
            if begins {
                let what = match damage(path) {
                    d if d == "is damaged" => "has a damaged header".to_string(),
                    d => d,
                };
                anyhow!("{shown} {what} (SQLite: {err}); {restore}")
            } else {
                anyhow!(
                    "{shown} is not an SQLite file, so not a database dun can read (if it was dun's, its first bytes are damaged: restore it from a backup); dun left it untouched"
                )
            }
        }
        ErrorCode::DatabaseCorrupt => anyhow!("{shown} {} (SQLite: {err}); {restore}", damage(path)),
        ErrorCode::DiskFull => full(path),
        _ if disk_full(path) => full(path),
        ErrorCode::ReadOnly | ErrorCode::PermissionDenied | ErrorCode::CannotOpen => {
            read_only(err, path).unwrap_or_else(|| anyhow!("cannot open {shown}: {err}"))
        }
        ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked => anyhow!(
            "{shown} is busy: another program (another dun writing, or creating or upgrading it) has held it for 10 s; try again"
        ),
        ErrorCode::SystemIoFailure => match read_only(err, path) {
            Some(e) => e,
            None => anyhow!("cannot read or write {shown}: a disk or file-system error (SQLite: {err})"),
        },
        _ if err.to_string().contains("unsupported file format") => {
            anyhow!(
                "{shown} has a damaged header, or was written by a much newer SQLite (SQLite: {err}); {restore}"
            )
        }
        _ => anyhow!("database {shown}: {err}"),
    }
}

fn full(path: &Path) -> anyhow::Error {
    anyhow!(
        "the disk holding {} is full; free some space and run the command again (what failed was not written)",
        path.display()
    )
}

/// The read-only cases, told apart: the file, its folder, its -wal or -shm.
fn read_only(err: &rusqlite::Error, path: &Path) -> Option<anyhow::Error> {
    let shown = path.display();
    let dir = folder(path);
    let (wal, shm) = (with_suffix(path, "-wal"), with_suffix(path, "-shm"));
    if path.is_dir() {
        return Some(anyhow!(
            "{shown} is a folder, not a database file; give a file with --db or DUN_DB"
        ));
    }
    if path.exists() && !writable(path) {
        return Some(anyhow!(
            "{shown} is read-only for you, and this command writes to it (chmod u+w {shown})"
        ));
    }
    for side in [&shm, &wal] {
        if side.exists() && !writable(side) {
            return Some(anyhow!(
                "{} is read-only for you, and SQLite needs to write it to use {shown}; make it writable (chmod u+w {})",
                side.display(),
                side.display()
            ));
        }
    }
    if !writable(&dir) && (!shm.exists() || !wal.exists()) {
        return Some(anyhow!(
            "the folder {} is read-only for you; SQLite needs to create {} there to use {shown} (make the folder writable)",
            dir.display(),
            shm.file_name()?.to_string_lossy()
        ));
    }
    let _ = err;
    None
}

/// Checks, before SQLite opens it, that `path` can be a database file at all.
pub fn check_path(path: &Path) -> anyhow::Result<()> {
    let shown = path.display();
    let link = std::fs::symlink_metadata(path);
    let meta = std::fs::metadata(path);
    match (&link, &meta) {
        (Ok(l), Err(_)) if l.file_type().is_symlink() => {
            let target = std::fs::read_link(path)
                .map(|t| t.display().to_string())
                .unwrap_or_default();
            Err(anyhow!(
                "{shown} is a symbolic link to {target}, which does not exist; fix the link or give the database's real path"
            ))
        }
        (_, Ok(m)) if m.is_dir() => Err(anyhow!(
            "{shown} is a folder, not a database file; give a file with --db or DUN_DB"
        )),
        (_, Ok(m)) if !m.is_file() => Err(anyhow!(
            "{shown} is not a regular file (a device, a pipe or a socket); give dun's database file with --db or DUN_DB"
        )),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dangling_link_a_folder_and_a_device_are_named_for_what_they_are() {
        let dir = tempfile::tempdir().unwrap();
        let link = dir.path().join("link.db");
        std::os::unix::fs::symlink(dir.path().join("gone.db"), &link).unwrap();
        let e = check_path(&link).unwrap_err().to_string();
        assert!(e.contains("symbolic link") && e.contains("gone.db"), "{e}");
        let e = check_path(dir.path()).unwrap_err().to_string();
        assert!(e.contains("a folder"), "{e}");
        let e = check_path(Path::new("/dev/null")).unwrap_err().to_string();
        assert!(e.contains("not a regular file"), "{e}");
        assert!(check_path(&dir.path().join("new.db")).is_ok());
    }
}
