//! The only place that speaks SQL. Opening a file checks that it is dun's
//! (or new), refuses a newer schema, backs up and migrates an older one, and
//! sets WAL, foreign keys and a busy timeout on every connection.
//!
//! Nothing here decides a business rule; it stores and fetches facts.

mod bank;
mod charges;
mod clients;
mod delivery;
mod diagnose;
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

/// What the first page says about whose file this is.
struct Identity {
    app_id: i32,
    version: i32,
    has_tables: bool,
}

impl Identity {
    /// One statement, so one snapshot: another dun creating the file at the
    /// same moment cannot be seen half-way.
    fn read(conn: &Connection) -> rusqlite::Result<Identity> {
        conn.query_row(
            "SELECT (SELECT application_id FROM pragma_application_id()),
                    (SELECT user_version FROM pragma_user_version()),
                    EXISTS (SELECT 1 FROM sqlite_schema WHERE type = 'table')",
            [],
            |r| {
                Ok(Identity {
                    app_id: r.get(0)?,
                    version: r.get(1)?,
                    has_tables: r.get(2)?,
                })
            },
        )
    }

    /// A new file, or one whose creator stopped before writing anything.
    fn empty(&self) -> bool {
        self.app_id == 0 && self.version == 0 && !self.has_tables
    }

    /// Refuses what is not dun's, or not at a version this dun can use.
    fn check(&self, path: &Path) -> Result<()> {
        if !self.empty() && self.app_id != APPLICATION_ID {
            bail!(
                "{} is not a dun database: it is an SQLite file of another program (application id {}); dun left it untouched. Give dun's database with --db or DUN_DB",
                path.display(),
                self.app_id
            );
        }
        if self.version < 0 {
            bail!(
                "{} is marked as dun's but its schema version ({}) is one no dun ever wrote; the header is damaged, so dun left it untouched: restore it from a backup",
                path.display(),
                self.version
            );
        }
        if self.version > SCHEMA_VERSION {
            bail!(
                "{} was written by a newer dun (schema {}; this dun knows up to {SCHEMA_VERSION}); install the newer dun to use it",
                path.display(),
                self.version
            );
        }
        Ok(())
    }
}

impl Store {
    /// Opens (creating it, its folder and the schema if new) the database at `path`.
    pub fn open(path: &Path) -> Result<Store> {
        diagnose::check_path(path)?;
        if !path.exists() {
            create_private(path)?;
        }
        let explain = |e: rusqlite::Error| diagnose::explain(&e, path);
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(explain)?;
        conn.busy_timeout(Duration::from_secs(10)).map_err(explain)?;
        let identity = Identity::read(&conn).map_err(explain)?;
        identity.check(path)?;
        conn.pragma_update(None, "foreign_keys", "ON").map_err(explain)?;
        // The kept ladder state's triggers sort a few rows on every write
        // (migration 0007): in memory, not in a temporary file each time.
        conn.pragma_update(None, "temp_store", "MEMORY")
            .map_err(explain)?;
        let mut store = Store {
            conn,
            path: path.to_path_buf(),
        };
        if identity.version < SCHEMA_VERSION {
            store.upgrade()?;
        }
        let mode: String = store
            .conn
            .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
            .map_err(explain)?;
        if !mode.eq_ignore_ascii_case("wal") {
            bail!("cannot switch {} to WAL mode (got {mode})", path.display());
        }
        store
            .conn
            .pragma_update(None, "synchronous", "FULL")
            .map_err(explain)?;
        Ok(store)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Says what a SQLite error means for this database, naming the file.
    pub fn explain(&self, e: &rusqlite::Error) -> anyhow::Error {
        diagnose::explain(e, &self.path)
    }

    /// Brings an older or new file to this dun's schema. One dun at a time
    /// does it (a lock file beside the database); the others wait, then find
    /// it done, so several duns on a new machine all start, and a file is
    /// backed up once.
    fn upgrade(&mut self) -> Result<()> {
        let _lock = migration_lock(&self.path)?;
        let identity = Identity::read(&self.conn).map_err(|e| self.explain(&e))?;
        identity.check(&self.path)?;
        if identity.version >= SCHEMA_VERSION {
            return Ok(());
        }
        if identity.empty() {
            // WAL from the first write: the migrations never block readers.
            self.conn
                .query_row("PRAGMA journal_mode = WAL", [], |r| r.get::<_, String>(0))
                .map_err(|e| self.explain(&e))?;
            return self.migrate();
        }
        let backup = self.backup(identity.version)?;
        self.migrate()?;
        eprintln!(
            "dun: upgraded the database schema from {} to {SCHEMA_VERSION}; the old file is kept at {}",
            identity.version,
            backup.display()
        );
        Ok(())
    }

    /// A consistent copy next to the file, before a migration touches it.
    /// Written under a temporary name and renamed when whole, so a run
    /// stopped halfway leaves no half backup that looks like a real one.
    fn backup(&self, version: i32) -> Result<PathBuf> {
        let named = |suffix: String| {
            let mut t = self.path.clone().into_os_string();
            t.push(suffix);
            PathBuf::from(t)
        };
        let mut target = named(format!(".v{version}.backup"));
        let mut n = 1;
        while target.exists() {
            n += 1;
            target = named(format!(".v{version}.backup{n}"));
        }
        let partial = named(format!(".v{version}.backup.partial"));
        for leftover in [
            partial.clone(),
            named(format!(".v{version}.backup.partial-journal")),
        ] {
            match std::fs::remove_file(&leftover) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                    return Err(e).with_context(|| {
                        format!("cannot remove the unfinished backup {}", leftover.display())
                    });
                }
                _ => {}
            }
        }
        self.conn
            .execute("VACUUM INTO ?1", [partial.to_string_lossy()])
            .map_err(|e| self.explain(&e))
            .with_context(|| format!("cannot back up {} before upgrading it", self.path.display()))?;
        set_private(&partial)?;
        std::fs::rename(&partial, &target)
            .with_context(|| format!("cannot name the backup {}", target.display()))?;
        Ok(target)
    }

    /// Applies each migration the file lacks, in its own EXCLUSIVE
    /// transaction with the version bumped inside it, so a crash leaves a
    /// version some dun knows. The version is read again inside each
    /// transaction: several duns opening a new file at once each find the
    /// work of the one before them done.
    fn migrate(&mut self) -> Result<()> {
        let path = self.path.clone();
        let explain = |e: rusqlite::Error| diagnose::explain(&e, &path);
        for (i, (name, sql)) in MIGRATIONS.iter().enumerate() {
            let tx = self
                .conn
                .transaction_with_behavior(TransactionBehavior::Exclusive)
                .map_err(explain)?;
            let now = Identity::read(&tx).map_err(explain)?;
            now.check(&path)?;
            if now.version > i as i32 {
                continue;
            }
            if i == 0 {
                tx.pragma_update(None, "application_id", APPLICATION_ID)
                    .map_err(explain)?;
            }
            tx.execute_batch(sql)
                .and_then(|()| after_migration(&tx, name))
                .map_err(|e| match e.sqlite_error_code() {
                    Some(rusqlite::ErrorCode::DiskFull | rusqlite::ErrorCode::ReadOnly) => explain(e),
                    _ => anyhow!(e),
                })
                .with_context(|| format!("migration {name} failed; the database is unchanged"))?;
            tx.pragma_update(None, "user_version", i as i32 + 1)
                .map_err(explain)?;
            tx.commit().map_err(explain)?;
        }
        Ok(())
    }

    /// Runs `f` in one write transaction: all of it lands, or none of it.
    pub fn write<T>(&mut self, f: impl FnOnce(&Transaction) -> Result<T>) -> Result<T> {
        let path = self.path.clone();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| diagnose::explain(&e, &path))?;
        let value = f(&tx)?;
        tx.commit().map_err(|e| diagnose::explain(&e, &path))?;
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

/// Rewrites an error that came from SQLite so that it names the database
/// file and says what would help (see [`diagnose::explain`]); others pass.
pub fn name_the_file(err: anyhow::Error, path: &Path) -> anyhow::Error {
    let shown = path.display().to_string();
    if err.to_string().contains(&shown) || format!("{err:#}").contains(&shown) {
        return err;
    }
    match err.chain().find_map(|e| e.downcast_ref::<rusqlite::Error>()) {
        Some(sqlite) if sqlite.sqlite_error_code().is_some() => {
            let explained = diagnose::explain(sqlite, path);
            let outer = err.to_string();
            if outer == sqlite.to_string() {
                explained
            } else {
                explained.context(outer)
            }
        }
        _ => err,
    }
}

/// Holds the lock that lets one dun at a time create or upgrade the schema
/// of the database at `path` (by its real path): `<db>.migrate.lock`.
fn migration_lock(path: &Path) -> Result<std::fs::File> {
    let real = std::fs::canonicalize(path).with_context(|| format!("cannot find {}", path.display()))?;
    let mut lock = real.into_os_string();
    lock.push(".migrate.lock");
    let lock = PathBuf::from(lock);
    let mut options = OpenOptions::new();
    options.create(true).truncate(false).write(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let file = options
        .open(&lock)
        .with_context(|| format!("cannot create {} to upgrade the database", lock.display()))?;
    file.lock()
        .with_context(|| format!("cannot take the lock {}", lock.display()))?;
    Ok(file)
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
    match options.open(path) {
        Ok(_) => Ok(()),
        // Another dun created it a moment ago: open theirs.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => {
            let dir = path
                .parent()
                .filter(|d| !d.as_os_str().is_empty())
                .unwrap_or(Path::new("."));
            let why = match e.kind() {
                std::io::ErrorKind::PermissionDenied | std::io::ErrorKind::ReadOnlyFilesystem => {
                    format!("the folder {} is read-only for you", dir.display())
                }
                std::io::ErrorKind::StorageFull => "the disk is full".to_string(),
                _ => e.to_string(),
            };
            bail!("cannot create the database {}: {why}", path.display())
        }
    }
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
