//! The only place that speaks SQL. Opening a file checks that it is dun's
//! (or new), refuses a newer schema, backs up and migrates an older one, and
//! sets WAL, foreign keys and a busy timeout on every connection.
//!
//! Nothing here decides a business rule; it stores and fetches facts.

mod bank;
mod charges;
mod clients;
mod delivery;
mod inbox;
mod invoices;
mod plans;
mod runs;
mod scan;
mod state;
mod summary;

pub use bank::*;
pub use charges::*;
pub use clients::*;
pub use delivery::*;
pub use inbox::*;
pub use invoices::*;
pub use plans::*;
pub use runs::*;
pub use scan::*;
pub use state::*;
pub use summary::*;

use std::fs::OpenOptions;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context as _, Result, anyhow, bail};
use rusqlite::{Connection, OpenFlags, Transaction, TransactionBehavior};

/// Marks a SQLite file as dun's (`PRAGMA application_id`): "DUN!".
pub const APPLICATION_ID: i32 = 0x4455_4E21;

/// The schema, one migration per version, in order. Never edit a shipped one.
const MIGRATIONS: &[(&str, &str)] = &[
    ("0001_ledger", include_str!("../../migrations/0001_ledger.sql")),
    (
        "0002_scan_index",
        include_str!("../../migrations/0002_scan_index.sql"),
    ),
    (
        "0003_foundation",
        include_str!("../../migrations/0003_foundation.sql"),
    ),
    ("0004_bank", include_str!("../../migrations/0004_bank.sql")),
    ("0005_inbox", include_str!("../../migrations/0005_inbox.sql")),
    ("0006_plans", include_str!("../../migrations/0006_plans.sql")),
    (
        "0007_kept_state",
        include_str!("../../migrations/0007_kept_state.sql"),
    ),
    (
        "0008_send_runs",
        include_str!("../../migrations/0008_send_runs.sql"),
    ),
];

/// The schema version this dun writes.
pub const SCHEMA_VERSION: i32 = MIGRATIONS.len() as i32;

/// An open dun database.
pub struct Store {
    conn: Connection,
    path: PathBuf,
}

impl Store {
    /// Opens (creating it, its folder and the schema if new) the database at `path`.
    pub fn open(path: &Path) -> Result<Store> {
        let fresh = !path.exists();
        if fresh {
            create_private(path)?;
        }
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .with_context(|| format!("cannot open database {}", path.display()))?;
        conn.busy_timeout(Duration::from_secs(10))?;

        let not_dun = || {
            anyhow!(
                "{} is not a dun database (it belongs to another program); dun left it untouched. Give another file with --db or DUN_DB",
                path.display()
            )
        };
        // Reading the header is the first thing that fails on a file that is not SQLite.
        let app_id: i32 = conn
            .query_row("PRAGMA application_id", [], |r| r.get(0))
            .map_err(|_| not_dun())?;
        let version: i32 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        let has_tables: bool = conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM sqlite_schema WHERE type = 'table')",
            [],
            |r| r.get(0),
        )?;
        let empty = app_id == 0 && version == 0 && !has_tables;
        if !empty && app_id != APPLICATION_ID {
            return Err(not_dun());
        }
        if version > SCHEMA_VERSION {
            bail!(
                "{} was written by a newer dun (schema {version}; this dun knows up to {SCHEMA_VERSION}); install the newer dun to use it",
                path.display()
            );
        }
        conn.pragma_update(None, "foreign_keys", "ON")?;
        // The kept ladder state's triggers sort a few rows on every write
        // (migration 0007): in memory, not in a temporary file each time.
        conn.pragma_update(None, "temp_store", "MEMORY")?;
        let mut store = Store {
            conn,
            path: path.to_path_buf(),
        };
        if version < SCHEMA_VERSION {
            if !empty {
                store.backup(version)?;
            }
            store.migrate(version)?;
        }
        let mode: String = store
            .conn
            .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            bail!("cannot switch {} to WAL mode (got {mode})", path.display());
        }
        store.conn.pragma_update(None, "synchronous", "FULL")?;
        Ok(store)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A consistent copy next to the file, before a migration touches it.
    fn backup(&self, version: i32) -> Result<()> {
        let mut target = self.path.clone().into_os_string();
        target.push(format!(".v{version}.backup"));
        let mut target = PathBuf::from(target);
        let mut n = 1;
        while target.exists() {
            n += 1;
            let mut t = self.path.clone().into_os_string();
            t.push(format!(".v{version}.backup{n}"));
            target = PathBuf::from(t);
        }
        self.conn
            .execute("VACUUM INTO ?1", [target.to_string_lossy()])
            .with_context(|| format!("cannot back up {} before upgrading it", self.path.display()))?;
        set_private(&target)?;
        eprintln!(
            "dun: upgraded the database schema from {version} to {SCHEMA_VERSION}; the old file is kept at {}",
            target.display()
        );
        Ok(())
    }

    /// Applies each migration after `from` in its own transaction, with the
    /// version bumped inside it: a crash leaves a version that some dun knows.
    fn migrate(&mut self, from: i32) -> Result<()> {
        for (i, (name, sql)) in MIGRATIONS.iter().enumerate().skip(from as usize) {
            let tx = self
                .conn
                .transaction_with_behavior(TransactionBehavior::Exclusive)?;
            if i == 0 {
                tx.pragma_update(None, "application_id", APPLICATION_ID)?;
            }
            tx.execute_batch(sql)
                .and_then(|()| after_migration(&tx, name))
                .with_context(|| format!("migration {name} failed; the database is unchanged"))?;
            tx.pragma_update(None, "user_version", i as i32 + 1)?;
            tx.commit()?;
        }
        Ok(())
    }

    /// Runs `f` in one write transaction: all of it lands, or none of it.
    pub fn write<T>(&mut self, f: impl FnOnce(&Transaction) -> Result<T>) -> Result<T> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .context("the database is busy (another dun is writing); try again")?;
        let value = f(&tx)?;
        tx.commit()?;
        Ok(value)
    }

    /// Runs `f` in a write transaction and rolls it back: every check a
    /// write would make, and nothing written (`--dry-run`).
    pub fn trial<T>(&mut self, f: impl FnOnce(&Transaction) -> Result<T>) -> Result<T> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .context("the database is busy (another dun is writing); try again")?;
        let value = f(&tx)?;
        tx.rollback()?;
        Ok(value)
    }

    /// The connection, for reads.
    pub fn conn(&self) -> &Connection {
        &self.conn
    }
}

/// What a migration needs that SQL cannot compute, in its transaction.
fn after_migration(tx: &Transaction, name: &str) -> rusqlite::Result<()> {
    // Matched by name, not number: the number may change when branches merge.
    if name.ends_with("_bank") {
        bank::backfill_references(tx)?;
    }
    Ok(())
}

/// Creates `path` (and its folder) readable by the owner only.
fn create_private(path: &Path) -> Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
        && !dir.exists()
    {
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder
            .create(dir)
            .with_context(|| format!("cannot create the folder {}", dir.display()))?;
    }
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options
        .open(path)
        .with_context(|| format!("cannot create the database {}", path.display()))?;
    Ok(())
}

fn set_private(path: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    }
    let _ = path;
    Ok(())
}
