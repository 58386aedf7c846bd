//! Reading a Maildir (mbsync, offlineimap, fetchmail…): the files of `new/`
//! and `cur/`, opened for reading only. Nothing is renamed, moved, written
//! or deleted, so the mail program's flags stay as they are. Bytes in,
//! nothing decided.

use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, bail};
use chrono::{DateTime, Local, NaiveDateTime};

/// The most of a file read to find its header.
const MAX_HEADER: usize = 1024 * 1024;

/// One message file.
#[derive(Debug, Clone)]
pub struct Entry {
    pub path: PathBuf,
    /// `new/NAME` or `cur/NAME`, for messages.
    pub name: String,
    pub size: u64,
    /// The file's modification time, in local time: when it arrived.
    pub modified: Option<NaiveDateTime>,
}

/// Checks that `dir` is a Maildir: a folder holding `new/` and `cur/`.
pub fn check(dir: &Path) -> Result<()> {
    for sub in ["new", "cur"] {
        if !dir.join(sub).is_dir() {
            bail!(
                "[maildir] path {} is not a Maildir (it has no {sub}/ folder); give the folder that holds new/ and cur/, like ~/Mail/INBOX",
                dir.display()
            );
        }
    }
    Ok(())
}

/// Every message file in `new/` and `cur/`, in name order.
pub fn list(dir: &Path) -> Result<Vec<Entry>> {
    check(dir)?;
    let mut out = Vec::new();
    for sub in ["new", "cur"] {
        let folder = dir.join(sub);
        let entries =
            std::fs::read_dir(&folder).with_context(|| format!("cannot read {}", folder.display()))?;
        for e in entries {
            let e = e.with_context(|| format!("cannot read {}", folder.display()))?;
            let name = e.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') {
                continue;
            }
            // A file moved away between listing and reading is skipped.
            let Ok(meta) = e.metadata() else { continue };
            if !meta.is_file() {
                continue;
            }
            out.push(Entry {
                path: e.path(),
                name: format!("{sub}/{name}"),
                size: meta.len(),
                modified: meta
                    .modified()
                    .ok()
                    .map(|t| DateTime::<Local>::from(t).naive_local()),
            });
        }
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

/// The header of a message file (up to its blank line, at most 1 MiB);
/// `None` when the file is gone (the mail program moved it meanwhile).
pub fn read_header(e: &Entry) -> Result<Option<Vec<u8>>> {
    let Some(file) = open(e)? else { return Ok(None) };
    let mut out = Vec::new();
    let mut reader = std::io::BufReader::new(file);
    loop {
        let mut line = Vec::new();
        let n = std::io::BufRead::read_until(&mut reader, b'\n', &mut line)
            .with_context(|| format!("cannot read {}", e.path.display()))?;
        out.extend_from_slice(&line);
        if n == 0 || line == b"\n" || line == b"\r\n" || out.len() >= MAX_HEADER {
            break;
        }
    }
    Ok(Some(out))
}

/// A whole message file, at most `limit` bytes; `None` when it is gone.
pub fn read(e: &Entry, limit: u64) -> Result<Option<Vec<u8>>> {
    let Some(file) = open(e)? else { return Ok(None) };
    let mut out = Vec::new();
    file.take(limit)
        .read_to_end(&mut out)
        .with_context(|| format!("cannot read {}", e.path.display()))?;
    Ok(Some(out))
}

fn open(e: &Entry) -> Result<Option<std::fs::File>> {
    match std::fs::File::open(&e.path) {
        Ok(f) => Ok(Some(f)),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(err) => Err(err).with_context(|| format!("cannot read {}", e.path.display())),
    }
}
