//! A real Dovecot IMAP server for the tests (Debian's dovecot-imapd), one
//! for the whole test run, started on first use: plain IMAP and STARTTLS on
//! one loopback port, IMAP over TLS on another, with a certificate made by
//! rcgen (trusted through DUN_IMAP_CA_FILE). Each test takes an account of
//! its own, so tests never see each other's mail.
//!
//! The recipe (../shared/STACK.md): a passwd-file whose users map to the
//! dovecot system user, folders the dovecot user can traverse, base_dir,
//! state_dir and log_path in the temp folder, output to a file (not a
//! pipe). A watchdog stops it with `doveadm stop` when the test process
//! ends, however it ends.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use super::smtp_server::free_port;

/// Accounts made at start; each test takes the next.
const ACCOUNTS: usize = 80;

pub struct Dovecot {
    root: PathBuf,
    conf: PathBuf,
    /// Plain IMAP and STARTTLS.
    pub port: u16,
    /// IMAP over TLS.
    pub tls_port: u16,
    /// The certificate to trust (DUN_IMAP_CA_FILE).
    pub ca_file: PathBuf,
    uid: u32,
    gid: u32,
    next: AtomicUsize,
}

/// One user's mailbox on the server.
pub struct Account {
    pub user: String,
    pub password: String,
    home: PathBuf,
    server: &'static Dovecot,
}

fn dovecot_ids() -> (u32, u32) {
    let out = Command::new("id").args(["-u", "dovecot"]).output();
    let uid = out
        .ok()
        .filter(|o| o.status.success())
        .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
        .expect("the dovecot system user is missing: install Debian's dovecot-imapd (apt-get install dovecot-imapd)");
    let out = Command::new("id").args(["-g", "dovecot"]).output().unwrap();
    let gid = String::from_utf8_lossy(&out.stdout).trim().parse().unwrap();
    (uid, gid)
}

fn chown(path: &Path, uid: u32, gid: u32) {
    std::os::unix::fs::chown(path, Some(uid), Some(gid)).unwrap();
}

fn mkdir_owned(path: &Path, uid: u32, gid: u32) {
    std::fs::create_dir_all(path).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
    chown(path, uid, gid);
}

/// The server, started on first use. Fails (never skips) when Dovecot is
/// not installed.
pub fn server() -> &'static Dovecot {
    static SERVER: OnceLock<Dovecot> = OnceLock::new();
    SERVER.get_or_init(start)
}

fn start() -> Dovecot {
    for tool in ["dovecot", "doveadm"] {
        let found = Command::new("sh")
            .args(["-c", &format!("command -v {tool}")])
            .output()
            .is_ok_and(|o| o.status.success());
        assert!(
            found,
            "{tool} is not installed: the inbox tests need a real Dovecot (apt-get install dovecot-imapd)"
        );
    }
    let (uid, gid) = dovecot_ids();
    let root = tempfile::Builder::new()
        .prefix("dun-dovecot-")
        .tempdir()
        .unwrap()
        .keep();
    std::fs::set_permissions(&root, std::fs::Permissions::from_mode(0o755)).unwrap();
    for d in ["run", "state"] {
        std::fs::create_dir_all(root.join(d)).unwrap();
    }
    mkdir_owned(&root.join("mail"), uid, gid);
    let mut users = String::new();
    for n in 0..ACCOUNTS {
        let home = root.join("mail").join(format!("u{n:02}"));
        mkdir_owned(&home, uid, gid);
        for sub in ["Maildir", "Maildir/cur", "Maildir/new", "Maildir/tmp"] {
            mkdir_owned(&home.join(sub), uid, gid);
        }
        users.push_str(&format!(
            "u{n:02}:{{PLAIN}}pw-{n:02}:{uid}:{gid}::{}\n",
            home.display()
        ));
    }
    std::fs::write(root.join("users"), users).unwrap();
    let key =
        rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_string(), "localhost".to_string()]).unwrap();
    let ca_file = root.join("cert.pem");
    std::fs::write(&ca_file, key.cert.pem()).unwrap();
    std::fs::write(root.join("key.pem"), key.signing_key.serialize_pem()).unwrap();
    let port = free_port();
    let tls_port = free_port();
    let r = root.display();
    let conf = root.join("dovecot.conf");
    std::fs::write(
        &conf,
        format!(
            "base_dir = {r}/run
state_dir = {r}/state
log_path = {r}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = yes
ssl_cert = <{r}/cert.pem
ssl_key = <{r}/key.pem
disable_plaintext_auth = no
auth_mechanisms = plain login
first_valid_uid = 1
mail_location = maildir:~/Maildir
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {r}/users
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {r}/users
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {tls_port}
    ssl = yes
  }}
}}
"
        ),
    )
    .unwrap();
    let out = std::fs::File::create(root.join("start.log")).unwrap();
    let status = Command::new("dovecot")
        .arg("-c")
        .arg(&conf)
        .stdin(Stdio::null())
        .stdout(out.try_clone().unwrap())
        .stderr(out)
        .status()
        .expect("dovecot starts");
    assert!(
        status.success(),
        "dovecot did not start: {}",
        std::fs::read_to_string(root.join("start.log")).unwrap_or_default()
    );
    // Stop it (and clean up) when this test process is gone, however it ends.
    let watchdog = format!(
        "while kill -0 {pid} 2>/dev/null; do sleep 1; done; doveadm -c '{conf}' stop; sleep 1; rm -rf '{r}'",
        pid = std::process::id(),
        conf = conf.display()
    );
    // `setsid -f` forks the watchdog into its own session and returns at once.
    let started = Command::new("setsid")
        .args(["-f", "sh", "-c", &watchdog])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("setsid runs");
    assert!(started.success(), "cannot start the Dovecot watchdog");
    let deadline = Instant::now() + Duration::from_secs(20);
    for p in [port, tls_port] {
        while std::net::TcpStream::connect(("127.0.0.1", p)).is_err() {
            assert!(
                Instant::now() < deadline,
                "dovecot is not listening on {p}: {}",
                std::fs::read_to_string(root.join("dovecot.log")).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
    Dovecot {
        root,
        conf,
        port,
        tls_port,
        ca_file,
        uid,
        gid,
        next: AtomicUsize::new(0),
    }
}

impl Dovecot {
    /// A fresh account with an empty INBOX.
    pub fn account(&'static self) -> Account {
        let n = self.next.fetch_add(1, Ordering::SeqCst);
        assert!(
            n < ACCOUNTS,
            "the Dovecot harness ran out of accounts; raise ACCOUNTS"
        );
        Account {
            user: format!("u{n:02}"),
            password: format!("pw-{n:02}"),
            home: self.root.join("mail").join(format!("u{n:02}")),
            server: self,
        }
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.root.join("dovecot.log")).unwrap_or_default()
    }

    fn doveadm(&self, args: &[&str]) -> String {
        let out = Command::new("doveadm")
            .arg("-c")
            .arg(&self.conf)
            .args(args)
            .stdin(Stdio::null())
            .output()
            .expect("doveadm runs");
        assert!(
            out.status.success(),
            "doveadm {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}

/// What a mailbox holds: each message's UID and flags, and the Maildir's
/// files (name → contents) as Dovecot keeps them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    pub flags: Vec<String>,
    pub files: BTreeMap<String, Vec<u8>>,
}

impl Account {
    /// The `[imap]` section for this account: `security` is none, starttls or tls.
    pub fn imap_section(&self, security: &str) -> String {
        let port = if security == "tls" {
            self.server.tls_port
        } else {
            self.server.port
        };
        format!(
            "[imap]\nhost = \"127.0.0.1\"\nport = {port}\nsecurity = \"{security}\"\nusername = \"{}\"\npassword = \"{}\"\ntimeout_secs = 10\n",
            self.user, self.password
        )
    }

    fn maildir(&self, folder: &str) -> PathBuf {
        if folder == "INBOX" {
            self.home.join("Maildir")
        } else {
            self.home.join("Maildir").join(format!(".{folder}"))
        }
    }

    /// Makes a folder besides INBOX.
    pub fn create_folder(&self, folder: &str) {
        let dir = self.maildir(folder);
        for sub in ["", "cur", "new", "tmp"] {
            mkdir_owned(&dir.join(sub), self.server.uid, self.server.gid);
        }
    }

    /// Puts a message into `folder` the way a delivery agent does: a file in
    /// the Maildir's new/, arrived at `arrived` (Dovecot's INTERNALDATE).
    pub fn deliver(&self, folder: &str, message: &[u8], arrived: std::time::SystemTime) {
        static N: AtomicUsize = AtomicUsize::new(0);
        let n = N.fetch_add(1, Ordering::SeqCst);
        let name = format!("1765{n:08}.M{n}P{}.test", std::process::id());
        let dir = self.maildir(folder);
        let tmp = dir.join("tmp").join(&name);
        std::fs::write(&tmp, message).unwrap();
        let f = std::fs::File::options().write(true).open(&tmp).unwrap();
        f.set_modified(arrived).unwrap();
        drop(f);
        chown(&tmp, self.server.uid, self.server.gid);
        std::fs::rename(&tmp, dir.join("new").join(&name)).unwrap();
    }

    /// Lets Dovecot take in what was delivered (and index it), so that a
    /// snapshot taken now is the mailbox as any client would see it.
    pub fn settle(&self, folder: &str) {
        self.server.doveadm(&["force-resync", "-u", &self.user, folder]);
        self.snapshot(folder);
    }

    pub fn count(&self, folder: &str) -> usize {
        self.snapshot(folder).flags.len()
    }

    pub fn snapshot(&self, folder: &str) -> Snapshot {
        let out = self
            .server
            .doveadm(&["fetch", "-u", &self.user, "uid flags", "mailbox", folder, "all"]);
        let flags: Vec<String> = out
            .split("\u{c}")
            .map(|m| m.split_whitespace().collect::<Vec<_>>().join(" "))
            .filter(|m| !m.is_empty())
            .collect();
        let mut files = BTreeMap::new();
        let dir = self.maildir(folder);
        for sub in ["cur", "new"] {
            for e in std::fs::read_dir(dir.join(sub)).unwrap() {
                let e = e.unwrap();
                files.insert(
                    format!("{sub}/{}", e.file_name().to_string_lossy()),
                    std::fs::read(e.path()).unwrap(),
                );
            }
        }
        Snapshot { flags, files }
    }
}
