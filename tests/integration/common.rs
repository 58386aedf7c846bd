//! The test builder: a temp dir with its own database, config and *today*.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;
use tempfile::TempDir;

/// A sandbox: `DUN_DB`, `DUN_CONFIG` and `DUN_TODAY` point into a temp dir.
pub struct Env {
    pub dir: TempDir,
    pub today: String,
    extra_env: Vec<(String, String)>,
}

/// What one run of dun did.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    fn from(o: Output) -> Run {
        Run {
            code: o.status.code().unwrap_or(-1),
            stdout: String::from_utf8(o.stdout).expect("stdout is UTF-8"),
            stderr: String::from_utf8(o.stderr).expect("stderr is UTF-8"),
        }
    }

    /// Asserts exit 0 and returns stdout.
    #[track_caller]
    pub fn ok(&self) -> &str {
        assert_eq!(
            self.code, 0,
            "expected success\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        &self.stdout
    }

    /// Asserts a failure with this exit code and a one-line stderr; returns it.
    #[track_caller]
    pub fn fails(&self, code: i32) -> &str {
        assert_eq!(
            self.code, code,
            "expected exit {code}\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        self.stderr.trim_end()
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(self.ok()).unwrap_or_else(|e| panic!("not JSON ({e}):\n{}", self.stdout))
    }
}

impl Env {
    pub fn new() -> Env {
        Env {
            dir: tempfile::tempdir().expect("temp dir"),
            today: "2026-12-01".into(),
            extra_env: Vec::new(),
        }
    }

    pub fn db(&self) -> PathBuf {
        self.dir.path().join("data").join("dun.db")
    }

    pub fn config(&self) -> PathBuf {
        self.dir.path().join("config").join("config.toml")
    }

    /// Writes the config file (creating its folder), mode 0600.
    pub fn write_config(&self, text: &str) {
        let path = self.config();
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
        set_mode(&path, 0o600);
    }

    pub fn set_today(&mut self, date: &str) {
        self.today = date.to_string();
    }

    pub fn env(&mut self, key: &str, value: &str) {
        self.extra_env.push((key.into(), value.into()));
    }

    pub fn cmd(&self) -> Command {
        let mut c = Command::cargo_bin("dun").expect("the dun binary");
        c.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.dir.path())
            .env("DUN_DB", self.db())
            .env("DUN_CONFIG", self.config())
            .env("DUN_TODAY", &self.today)
            .env("NO_COLOR", "1");
        for (k, v) in &self.extra_env {
            c.env(k, v);
        }
        c
    }

    /// Runs `dun ARGS…`.
    pub fn run(&self, args: &[&str]) -> Run {
        Run::from(self.cmd().args(args).output().expect("dun runs"))
    }

    /// Runs `dun ARGS…` and asserts success; returns stdout.
    #[track_caller]
    pub fn ok(&self, args: &[&str]) -> String {
        let r = self.run(args);
        r.ok();
        r.stdout
    }

    /// The database file's bytes (after dun has exited and checkpointed).
    pub fn db_bytes(&self) -> Vec<u8> {
        std::fs::read(self.db()).expect("the database exists")
    }

    /// A client `acme` with one SEK invoice `2026-014` of 1200.00, due 2026-12-01.
    pub fn with_acme(&self) {
        self.ok(&[
            "client",
            "add",
            "Acme AB",
            "--handle",
            "acme",
            "--email",
            "ap@acme.example",
            "--phone",
            "+46 8 123 45 67",
        ]);
        self.ok(&[
            "invoice",
            "add",
            "2026-014",
            "--client",
            "acme",
            "--amount",
            "1200.00",
            "--currency",
            "SEK",
            "--issued",
            "2026-11-01",
            "--due",
            "2026-12-01",
        ]);
    }
}

pub fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

pub fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

impl Env {
    /// Runs `dun ARGS…` with stdout a pipe whose reading end is already
    /// closed, as `dun … | head` leaves it; stdout is not captured.
    pub fn run_into_closed_pipe(&self, args: &[&str]) -> Run {
        let (reader, writer) = std::io::pipe().expect("a pipe");
        drop(reader);
        let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_dun"));
        c.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.dir.path())
            .env("DUN_DB", self.db())
            .env("DUN_CONFIG", self.config())
            .env("DUN_TODAY", &self.today)
            .env("NO_COLOR", "1")
            .envs(self.extra_env.iter().map(|(k, v)| (k, v)))
            .args(args)
            .stdin(std::process::Stdio::null())
            .stdout(writer);
        Run::from(c.output().expect("dun runs"))
    }
}

impl Env {
    /// Runs `dun ARGS…` with these extra environment variables for this run only.
    pub fn run_with(&self, vars: &[(&str, &str)], args: &[&str]) -> Run {
        let mut c = self.cmd();
        for (k, v) in vars {
            c.env(k, v);
        }
        Run::from(c.args(args).output().expect("dun runs"))
    }

    /// Starts `dun ARGS…` and returns at once (stdin closed, output captured);
    /// [`finish`] waits for it.
    pub fn spawn(&self, args: &[&str]) -> std::process::Child {
        std::process::Command::new(env!("CARGO_BIN_EXE_dun"))
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.dir.path())
            .env("DUN_DB", self.db())
            .env("DUN_CONFIG", self.config())
            .env("DUN_TODAY", &self.today)
            .env("NO_COLOR", "1")
            .envs(self.extra_env.iter().map(|(k, v)| (k, v)))
            .args(args)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("dun starts")
    }
}

/// Waits for a run started by [`Env::spawn`].
pub fn finish(child: std::process::Child) -> Run {
    Run::from(child.wait_with_output().expect("dun runs"))
}

impl Env {
    /// Runs `dun ARGS…` with stdout a real terminal `columns` wide (a pseudo
    /// terminal made by util-linux `script`, `COLUMNS` giving the width), as a
    /// person at a terminal sees it; returns the screen's text with `\r`
    /// removed.
    pub fn run_on_terminal(&self, columns: usize, args: &[&str]) -> Run {
        let mut line = shell_quote(env!("CARGO_BIN_EXE_dun"));
        for a in args {
            line.push(' ');
            line.push_str(&shell_quote(a));
        }
        let output = std::process::Command::new("script")
            .args(["-q", "-e", "-c", &line, "/dev/null"])
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.dir.path())
            .env("DUN_DB", self.db())
            .env("DUN_CONFIG", self.config())
            .env("DUN_TODAY", &self.today)
            .env("NO_COLOR", "1")
            .env("TERM", "xterm")
            .env("COLUMNS", columns.to_string())
            .envs(self.extra_env.iter().map(|(k, v)| (k, v)))
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap_or_else(|e| {
                panic!("cannot run `script` (util-linux, Debian's bsdutils) for a terminal test: {e}")
            });
        let mut run = Run::from(output);
        run.stdout = run.stdout.replace("\r\n", "\n");
        run
    }
}

/// `text` as one word for `sh -c`.
fn shell_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "'\\''"))
}
/// Waits for a run started by [`Env::spawn`], at most `limit`: a run still
/// going then is a hang, killed and reported as a failure. Output is read
/// while it runs, so a chatty run cannot block on a full pipe.
#[track_caller]
pub fn finish_within(mut child: std::process::Child, limit: std::time::Duration) -> Run {
    use std::io::Read;
    let mut out = child.stdout.take().expect("stdout is piped");
    let mut err = child.stderr.take().expect("stderr is piped");
    let out = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = out.read_to_end(&mut s);
        s
    });
    let err = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = err.read_to_end(&mut s);
        s
    });
    let start = std::time::Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("dun can be waited for") {
            break status;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("dun was still running after {limit:?}: it hangs");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    Run {
        code: status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.join().unwrap()).into_owned(),
        stderr: String::from_utf8_lossy(&err.join().unwrap()).into_owned(),
    }
}

/// A failure report with long values cut, for tables of long inputs.
pub fn cut_for_report(text: &str) -> String {
    if text.chars().count() <= 600 {
        return text.to_string();
    }
    let head: String = text.chars().take(600).collect();
    format!("{head}…")
}

/// Statutory charges, with test figures for 2027 (the shipped table ends in
/// 2026): the `[fees]` of the messages and snapshot tests, after a blank line.
pub const STATUTORY_FEES: &str = r#"
[fees]
statutory = true
[fees.eur_rates]
SEK = 11.25
GBP = 0.86
TRY = 40.50
RUB = 95.00
RON = 4.97
[[fees.reference_rate]]
country = "SE"
from = "2027-01-01"
percent = 2.0
[[fees.reference_rate]]
country = "GB"
from = "2027-01-01"
percent = 3.5
[[fees.reference_rate]]
country = "RO"
from = "2026-02-18"
percent = 6.5
until = "2027-12-31"
[[fees.reference_rate]]
country = "RU"
from = "2026-03-21"
percent = 15.0
until = "2027-12-31"
[[fees.reference_rate]]
country = "TR"
from = "2027-01-01"
percent = 40.0
[[fees.reference_rate]]
country = "EU"
from = "2027-01-01"
percent = 2.4
[[fees.fixed_sum]]
country = "TR"
from = "2027-01-01"
amount = "2500.00"
currency = "TRY"
"#;
