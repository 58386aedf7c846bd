//! One SMTP connection for a whole run, opened on first use: TLS or STARTTLS
//! with certificates verified, plain SMTP only to a loopback address unless
//! the config allows it, a timeout on every network step.
//!
//! The password is resolved when the connection opens (password_command,
//! DUN_SMTP_PASSWORD, or the owner-only config file) and never printed.

use std::io::Read;
use std::net::{IpAddr, ToSocketAddrs};
use std::process::{Command, Stdio};
use std::time::Duration;

use anyhow::{Context as _, Result, anyhow, bail};
use lettre::Message;
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{Certificate, SmtpConnection, TlsParameters};
use lettre::transport::smtp::extension::ClientId;

use crate::config::{Security, Smtp};

/// An extra trusted CA certificate (PEM), for servers with a private CA.
pub const CA_FILE_ENV: &str = "DUN_SMTP_CA_FILE";
pub const PASSWORD_ENV: &str = "DUN_SMTP_PASSWORD";

pub fn is_loopback(host: &str) -> bool {
    let h = host.trim_start_matches('[').trim_end_matches(']');
    h.eq_ignore_ascii_case("localhost") || h.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// The port in force: the configured one, else the usual one for the security.
pub fn port(cfg: &Smtp) -> u16 {
    cfg.port.unwrap_or(match cfg.security {
        Security::StartTls => 587,
        Security::Tls => 465,
        Security::None => 25,
    })
}

/// Checks what can be checked without the network.
pub fn check(cfg: &Smtp) -> Result<()> {
    if cfg.security == Security::None && !is_loopback(&cfg.host) && !cfg.allow_insecure {
        bail!(
            "[smtp] security = \"none\" would send your password and mail unencrypted to {}; use starttls or tls, or set allow_insecure = true if you really mean it",
            cfg.host
        );
    }
    Ok(())
}

/// Runs `[section] password_command` with stdin closed; its first line is the password.
fn run_password_command(section: &str, cmd: &str) -> Result<String> {
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(cmd)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("cannot run [{section}] password_command"))?;
    let mut out = String::new();
    let mut err = String::new();
    if let Some(mut o) = child.stdout.take() {
        o.read_to_string(&mut out)
            .with_context(|| format!("cannot read the output of [{section}] password_command"))?;
    }
    if let Some(mut e) = child.stderr.take() {
        let _ = e.read_to_string(&mut err);
    }
    let status = child.wait()?;
    if !status.success() {
        bail!(
            "[{section}] password_command failed ({status}): {}",
            err.lines().next().unwrap_or("no message").trim()
        );
    }
    let password = out.lines().next().unwrap_or("").to_string();
    if password.is_empty() {
        bail!("[{section}] password_command printed nothing; it should print the password on its first line");
    }
    Ok(password)
}

/// The password of a `[section]` (smtp, imap) by the rules of SPEC.md §5:
/// its `password_command`, else the environment variable `env`, else the
/// `password` in the (owner-only) config file.
pub fn resolve_password(
    section: &str,
    command: Option<&str>,
    env: &str,
    inline: Option<&str>,
) -> Result<Option<String>> {
    if let Some(cmd) = command {
        return run_password_command(section, cmd).map(Some);
    }
    if let Some(p) = std::env::var_os(env).filter(|p| !p.is_empty()) {
        return Ok(Some(p.to_string_lossy().into_owned()));
    }
    Ok(inline.map(String::from))
}

fn password(cfg: &Smtp) -> Result<Option<String>> {
    resolve_password(
        "smtp",
        cfg.password_command.as_deref(),
        PASSWORD_ENV,
        cfg.password.as_deref(),
    )
}

fn tls_parameters(host: &str) -> Result<TlsParameters> {
    let mut b = TlsParameters::builder(host.to_string());
    if let Some(path) = std::env::var_os(CA_FILE_ENV).filter(|p| !p.is_empty()) {
        let pem = std::fs::read(&path)
            .with_context(|| format!("cannot read {CA_FILE_ENV} file {}", path.to_string_lossy()))?;
        let cert = Certificate::from_pem(&pem)
            .map_err(|e| anyhow!("{CA_FILE_ENV} file {}: {e}", path.to_string_lossy()))?;
        b = b.add_root_certificate(cert);
    }
    b.build_rustls().map_err(|e| anyhow!("cannot set up TLS: {e}"))
}

/// What the server said to one message.
pub type Outcome = Result<String, String>;

/// A lazily opened SMTP connection, reopened once if the server dropped it.
pub struct Mailer {
    cfg: Smtp,
    conn: Option<SmtpConnection>,
    credentials: Option<Option<Credentials>>,
    /// After a failed connect the server is taken to be gone for this run.
    unreachable: Option<String>,
    pub verbose: bool,
}

impl Mailer {
    pub fn new(cfg: &Smtp, verbose: bool) -> Result<Mailer> {
        check(cfg)?;
        Ok(Mailer {
            cfg: cfg.clone(),
            conn: None,
            credentials: None,
            unreachable: None,
            verbose,
        })
    }

    /// Opens the connection: TCP, TLS or STARTTLS, EHLO, AUTH.
    pub fn connect(&mut self) -> Result<()> {
        if self.conn.as_ref().is_some_and(|c| !c.has_broken()) {
            return Ok(());
        }
        if let Some(why) = &self.unreachable {
            bail!("{why}");
        }
        let result = self.open();
        match result {
            Ok(conn) => {
                self.conn = Some(conn);
                Ok(())
            }
            Err(e) => {
                self.unreachable = Some(format!("{e:#}"));
                Err(e)
            }
        }
    }

    fn open(&mut self) -> Result<SmtpConnection> {
        let cfg = &self.cfg;
        let port = port(cfg);
        let timeout = Some(Duration::from_secs(cfg.timeout_secs));
        let addrs: Vec<_> = (cfg.host.as_str(), port)
            .to_socket_addrs()
            .with_context(|| format!("cannot find the SMTP server {}:{port}", cfg.host))?
            .collect();
        let hello = ClientId::default();
        let where_ = format!("{}:{port}", cfg.host);
        if self.verbose {
            eprintln!("dun: connecting to {where_} ({:?})", cfg.security);
        }
        let mut conn = match cfg.security {
            Security::Tls => {
                let tls = tls_parameters(&cfg.host)?;
                SmtpConnection::connect(&addrs[..], timeout, &hello, Some(&tls), None)
            }
            Security::StartTls | Security::None => {
                SmtpConnection::connect(&addrs[..], timeout, &hello, None, None)
            }
        }
        .map_err(|e| anyhow!("cannot connect to the SMTP server {where_}: {e}"))?;
        if cfg.security == Security::StartTls {
            if !conn.can_starttls() {
                conn.abort();
                bail!(
                    "the SMTP server {where_} does not offer STARTTLS; dun will not send in the clear (security = \"tls\" for port 465?)"
                );
            }
            let tls = tls_parameters(&cfg.host)?;
            conn.starttls(&tls, &hello)
                .map_err(|e| anyhow!("STARTTLS with {where_} failed: {e}"))?;
        }
        if self.credentials.is_none() {
            let creds = match &cfg.username {
                Some(user) => {
                    let pw = password(cfg)?.ok_or_else(|| {
                        anyhow!("[smtp] username is set but there is no password: set password_command, or {PASSWORD_ENV}")
                    })?;
                    Some(Credentials::new(user.clone(), pw))
                }
                None => None,
            };
            self.credentials = Some(creds);
        }
        if let Some(Some(creds)) = &self.credentials {
            conn.auth(&[Mechanism::Plain, Mechanism::Login], creds)
                .map_err(|e| {
                    anyhow!(
                        "the SMTP server {where_} refused the login for {}: {e}",
                        cfg.username.as_deref().unwrap_or("")
                    )
                })?;
        }
        Ok(conn)
    }

    /// Sends one message; `Err` carries the server's (or the network's) reason.
    pub fn send(&mut self, message: &Message) -> Outcome {
        if let Err(e) = self.connect() {
            return Err(format!("{e:#}"));
        }
        let conn = self.conn.as_mut().expect("connected above");
        match send_one(conn, message.envelope(), &message.formatted()) {
            Ok(resp) => Ok(resp.message().collect::<Vec<_>>().join(" ")),
            Err(e) => Err(e.to_string()),
        }
    }

    /// Says goodbye to the server, if connected.
    pub fn quit(&mut self) {
        if let Some(mut c) = self.conn.take()
            && !c.has_broken()
        {
            let _ = c.quit();
        }
    }
}

/// `SmtpConnection::send`, except that the message and its final dot go out
/// in one write: lettre writes them separately on a socket without
/// TCP_NODELAY, and Nagle then holds the 5-byte `.` until the server's
/// delayed ACK, 40 ms a message on Linux.
fn send_one(
    conn: &mut SmtpConnection,
    envelope: &lettre::address::Envelope,
    email: &[u8],
) -> Result<lettre::transport::smtp::response::Response, lettre::transport::smtp::Error> {
    use lettre::transport::smtp::commands::{Data, Mail, Rcpt};
    let ascii = |a: &lettre::Address| AsRef::<str>::as_ref(a).is_ascii();
    if !email.is_ascii() || !envelope.from().is_none_or(ascii) || !envelope.to().iter().all(ascii) {
        return conn.send(envelope, email);
    }
    let mut exchange = || {
        conn.command(Mail::new(envelope.from().cloned(), vec![]))?;
        for to in envelope.to() {
            conn.command(Rcpt::new(to.clone(), vec![]))?;
        }
        conn.command(Data)?;
        conn.command(DotStuffed(email))
    };
    let result = exchange();
    if result.is_err() {
        conn.abort();
    }
    result
}

/// The message as DATA carries it: dot-stuffed, then CRLF . CRLF.
struct DotStuffed<'a>(&'a [u8]);

impl std::fmt::Display for DotStuffed<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let text = std::str::from_utf8(self.0).map_err(|_| std::fmt::Error)?;
        for (i, line) in text.split("\r\n").enumerate() {
            if i > 0 {
                f.write_str("\r\n")?;
            }
            if line.starts_with('.') {
                f.write_str(".")?;
            }
            f.write_str(line)?;
        }
        f.write_str("\r\n.\r\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_hosts() {
        for h in ["localhost", "127.0.0.1", "127.5.5.5", "::1", "[::1]"] {
            assert!(is_loopback(h), "{h}");
        }
        for h in ["smtp.example.org", "10.0.0.1", "192.168.1.1"] {
            assert!(!is_loopback(h), "{h}");
        }
    }
}
