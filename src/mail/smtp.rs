//! One SMTP connection for a whole run, opened on first use: TLS or STARTTLS
//! with certificates verified, plain SMTP only to a loopback address unless
//! the config allows it, and `timeout_secs` for each exchange as a whole.
//!
//! What a failed message means follows RFC 5321 §4.5.3.2: once the final dot
//! has gone out, the server may have taken the message, so a lost or late
//! answer is [`Delivered::Unknown`], never a failure to retry.
//!
//! The password is resolved when the connection opens (password_command,
//! DUN_SMTP_PASSWORD, or the owner-only config file) and never printed.

use std::io::Read;
use std::net::{IpAddr, SocketAddr, TcpStream, ToSocketAddrs};
use std::process::{Command, Stdio};
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, anyhow, bail};
use lettre::Address;
use lettre::address::Envelope;
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::commands::{Auth, Data, Ehlo, Mail, Quit, Rcpt, Rset, Starttls};
use lettre::transport::smtp::extension::{ClientId, MailBodyParameter, MailParameter};
use rustls::ClientConfig;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};

use super::wire::{Reply, Wire, WireError, dot_stuffed};
use crate::config::{Security, Smtp};

/// An extra trusted CA certificate (PEM), for servers with a private CA.
pub const CA_FILE_ENV: &str = "DUN_SMTP_CA_FILE";
pub const PASSWORD_ENV: &str = "DUN_SMTP_PASSWORD";

/// The most a password_command may print: a password, not a file.
const PASSWORD_OUTPUT_LIMIT: usize = 64 * 1024;

/// The host as a resolver and a certificate check want it: `[::1]` is `::1`.
fn bare_host(host: &str) -> &str {
    host.strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host)
}

pub fn is_loopback(host: &str) -> bool {
    let h = bare_host(host);
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

/// Reads up to `limit` bytes of `reader`, counting (and dropping) the rest.
fn drain(mut reader: impl Read, limit: usize) -> (Vec<u8>, usize) {
    let mut kept = Vec::new();
    let mut total = 0;
    let mut buf = [0u8; 8192];
    loop {
        match reader.read(&mut buf) {
            Ok(0) | Err(_) => return (kept, total),
            Ok(n) => {
                let room = limit.saturating_sub(kept.len()).min(n);
                kept.extend_from_slice(&buf[..room]);
                total += n;
            }
        }
    }
}

/// Stops a password_command and everything it started (its process group).
fn kill_group(child: &mut std::process::Child) {
    if let Ok(pid) = i32::try_from(child.id()) {
        // SAFETY: kill(2) with a negative pid signals the process group the
        // child leads (it was spawned with process_group(0)); no memory is
        // touched.
        unsafe {
            libc::kill(-pid, libc::SIGKILL);
        }
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// Runs `[section] password_command` (smtp, imap) with stdin closed, in its
/// own process group, for at most `timeout`; its first line is the password.
/// stdout and stderr are read at the same time (a chatty helper cannot fill
/// one pipe while dun waits on the other), stdout is bounded, and stderr is
/// only counted: it may hold the secret, so it is never shown.
pub fn run_password_command(section: &str, cmd: &str, timeout: Duration) -> Result<String> {
    use std::os::unix::process::CommandExt;
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(cmd)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .spawn()
        .with_context(|| format!("cannot run [{section}] password_command (with sh -c)"))?;
    let (tx, rx) = mpsc::channel();
    if let Some(out) = child.stdout.take() {
        let tx = tx.clone();
        std::thread::spawn(move || {
            let _ = tx.send((true, drain(out, PASSWORD_OUTPUT_LIMIT)));
        });
    }
    if let Some(err) = child.stderr.take() {
        let tx = tx.clone();
        std::thread::spawn(move || {
            let _ = tx.send((false, drain(err, 0)));
        });
    }
    drop(tx);
    let deadline = Instant::now() + timeout;
    let (mut stdout, mut stderr_len, mut status) = (None, None, None);
    while stdout.is_none() || stderr_len.is_none() || status.is_none() {
        if status.is_none() {
            status = child
                .try_wait()
                .with_context(|| format!("cannot wait for [{section}] password_command"))?;
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            kill_group(&mut child);
            bail!(
                "[{section}] password_command did not finish within {} s (timeout_secs); dun stopped it",
                timeout.as_secs()
            );
        }
        match rx.recv_timeout(left.min(Duration::from_millis(20))) {
            Ok((true, (kept, total))) => stdout = Some((kept, total)),
            Ok((false, (_, total))) => stderr_len = Some(total),
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                stdout.get_or_insert((Vec::new(), 0));
                stderr_len.get_or_insert(0);
            }
        }
    }
    let status = status.expect("the loop ends with a status");
    let (out, out_len) = stdout.expect("the loop ends with stdout");
    let stderr_len = stderr_len.expect("the loop ends with stderr");
    if !status.success() {
        let said = match stderr_len {
            0 => "and wrote nothing on stderr".to_string(),
            n => format!("and wrote {n} byte(s) on stderr, not shown as they may hold the secret"),
        };
        bail!("[{section}] password_command failed ({status}) {said}");
    }
    if out_len > PASSWORD_OUTPUT_LIMIT {
        bail!(
            "[{section}] password_command printed more than 64 KiB; it should print the password on its first line"
        );
    }
    let out = String::from_utf8(out).map_err(|_| {
        anyhow!("[{section}] password_command printed bytes that are not UTF-8; it should print the password")
    })?;
    let password = out.lines().next().unwrap_or("").to_string();
    if password.is_empty() {
        bail!("[{section}] password_command printed nothing; it should print the password on its first line");
    }
    Ok(password)
}

/// The password of a `[section]` (smtp, imap) by the rules of SPEC.md §5:
/// its `password_command` (stopped after `timeout`), else the environment
/// variable `env`, else the `password` in the (owner-only) config file.
pub fn resolve_password(
    section: &str,
    command: Option<&str>,
    env: &str,
    inline: Option<&str>,
    timeout: Duration,
) -> Result<Option<String>> {
    if let Some(cmd) = command {
        return run_password_command(section, cmd, timeout).map(Some);
    }
    if let Some(p) = std::env::var_os(env).filter(|p| !p.is_empty()) {
        let p = p
            .into_string()
            .map_err(|_| anyhow!("{env} is not valid UTF-8; dun will not send a mangled password"))?;
        return Ok(Some(p));
    }
    Ok(inline.map(String::from))
}

fn password(cfg: &Smtp) -> Result<Option<String>> {
    resolve_password(
        "smtp",
        cfg.password_command.as_deref(),
        PASSWORD_ENV,
        cfg.password.as_deref(),
        Duration::from_secs(cfg.timeout_secs),
    )
}

/// The certificates dun trusts: the usual public roots, and the CA in
/// `DUN_SMTP_CA_FILE` if set (which must hold at least one certificate).
fn tls_config() -> Result<Arc<ClientConfig>> {
    let mut roots = rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    if let Some(path) = std::env::var_os(CA_FILE_ENV).filter(|p| !p.is_empty()) {
        let shown = std::path::Path::new(&path).display().to_string();
        let pem = crate::config::read_bounded(std::path::Path::new(&path))
            .with_context(|| format!("cannot read {CA_FILE_ENV} file {shown}"))?;
        let certs: Vec<CertificateDer> = CertificateDer::pem_slice_iter(&pem)
            .collect::<Result<_, _>>()
            .map_err(|e| anyhow!("{CA_FILE_ENV} file {shown} is not PEM: {e}"))?;
        if certs.is_empty() {
            bail!(
                "{CA_FILE_ENV} file {shown} holds no certificate; give a PEM file with a -----BEGIN CERTIFICATE----- block"
            );
        }
        for cert in certs {
            roots
                .add(cert)
                .map_err(|e| anyhow!("{CA_FILE_ENV} file {shown}: a certificate dun cannot use: {e}"))?;
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| anyhow!("cannot set up TLS: {e}"))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

/// What happened to one message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivered {
    /// The server took it: its answer to the final dot.
    Sent(String),
    /// It did not go: the server said no (4xx, 5xx), or the exchange broke
    /// before the whole message was handed over. Safe to try again.
    Failed(String),
    /// The whole message went out but no answer came (a timeout, a dropped
    /// connection): the server may have it. Never retried unasked.
    Unknown(String),
}

/// What the server offers after EHLO.
#[derive(Debug, Default)]
struct Offers {
    starttls: bool,
    eight_bit: bool,
    smtputf8: bool,
    plain: bool,
    login: bool,
}

impl Offers {
    fn from(reply: &Reply) -> Offers {
        let mut o = Offers::default();
        for line in reply.lines.iter().skip(1) {
            let mut words = line.split_whitespace();
            let Some(keyword) = words.next() else { continue };
            match keyword.to_ascii_uppercase().as_str() {
                "STARTTLS" => o.starttls = true,
                "8BITMIME" => o.eight_bit = true,
                "SMTPUTF8" => o.smtputf8 = true,
                "AUTH" => {
                    for m in words {
                        match m.to_ascii_uppercase().as_str() {
                            "PLAIN" => o.plain = true,
                            "LOGIN" => o.login = true,
                            _ => {}
                        }
                    }
                }
                _ => {}
            }
        }
        o
    }
}

struct Session {
    wire: Wire,
    offers: Offers,
}

/// A lazily opened SMTP connection, reopened if the server dropped it.
pub struct Mailer {
    cfg: Smtp,
    session: Option<Session>,
    credentials: Option<Option<Credentials>>,
    /// After a failed connect or a timeout the server is given up on for
    /// this run: the rest fail at once, to be tried on the next run.
    gone: Option<String>,
    pub verbose: bool,
}

impl Mailer {
    pub fn new(cfg: &Smtp, verbose: bool) -> Result<Mailer> {
        check(cfg)?;
        Ok(Mailer {
            cfg: cfg.clone(),
            session: None,
            credentials: None,
            gone: None,
            verbose,
        })
    }

    fn timeout(&self) -> Duration {
        Duration::from_secs(self.cfg.timeout_secs)
    }

    /// `HOST:PORT`, as the user wrote the host.
    fn server(&self) -> String {
        format!("{}:{}", self.cfg.host, port(&self.cfg))
    }

    /// Says what a broken exchange means, in words that name the server.
    fn explain(&self, e: &WireError, doing: &str) -> String {
        let server = self.server();
        match e {
            WireError::TimedOut => format!(
                "timed out after {} s talking to {} ({doing})",
                self.cfg.timeout_secs, self.cfg.host
            ),
            WireError::Closed => format!("the SMTP server {server} closed the connection ({doing})"),
            WireError::Io(io) => format!("lost the connection to the SMTP server {server} ({doing}): {io}"),
            WireError::Garbled(what) => {
                format!("the SMTP server {server} answered something that is not SMTP ({doing}): {what}")
            }
            // The server's words last: the log shows them in brackets.
            WireError::Refused(r) => format!("the SMTP server {server} said, {doing}: {}", r.text()),
            WireError::Tls(t) => format!("TLS with {server} failed ({doing}): {t}"),
        }
    }

    /// Opens the connection: TCP, TLS or STARTTLS, EHLO, AUTH.
    pub fn connect(&mut self) -> Result<()> {
        if self.session.is_some() {
            return Ok(());
        }
        if let Some(why) = &self.gone {
            bail!("{why}");
        }
        match self.open() {
            Ok(session) => {
                self.session = Some(session);
                Ok(())
            }
            Err(e) => {
                self.gone = Some(format!("{e:#}"));
                Err(e)
            }
        }
    }

    fn resolve(&self) -> Result<Vec<SocketAddr>> {
        let host = bare_host(&self.cfg.host).to_string();
        let port = port(&self.cfg);
        if let Ok(ip) = host.parse::<IpAddr>() {
            return Ok(vec![SocketAddr::new(ip, port)]);
        }
        // The system resolver has no timeout of its own: ask on a thread.
        let (tx, rx) = mpsc::channel();
        let h = host.clone();
        std::thread::spawn(move || {
            let _ = tx.send(
                (h.as_str(), port)
                    .to_socket_addrs()
                    .map(Iterator::collect::<Vec<_>>),
            );
        });
        match rx.recv_timeout(self.timeout()) {
            Ok(Ok(addrs)) if !addrs.is_empty() => Ok(addrs),
            Ok(Ok(_)) => bail!("cannot find the SMTP server {}: no address", self.server()),
            Ok(Err(e)) => bail!("cannot find the SMTP server {}: {e}", self.server()),
            Err(_) => bail!(
                "timed out after {} s looking up the SMTP server {}",
                self.cfg.timeout_secs,
                self.cfg.host
            ),
        }
    }

    fn open(&mut self) -> Result<Session> {
        let server = self.server();
        if self.verbose {
            eprintln!("dun: connecting to {server} ({:?})", self.cfg.security);
        }
        let addrs = self.resolve()?;
        let deadline = Instant::now() + self.timeout();
        let mut last = None;
        let mut tcp = None;
        for addr in &addrs {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            match TcpStream::connect_timeout(addr, left) {
                Ok(s) => {
                    tcp = Some(s);
                    break;
                }
                Err(e) => last = Some(e),
            }
        }
        let tcp = tcp.ok_or_else(|| match last {
            Some(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock
                ) =>
            {
                anyhow!(
                    "cannot connect to the SMTP server {server}: timed out after {} s talking to {}",
                    self.cfg.timeout_secs,
                    self.cfg.host
                )
            }
            Some(e) => anyhow!("cannot connect to the SMTP server {server}: {e}"),
            None => anyhow!(
                "cannot connect to the SMTP server {server}: timed out after {} s talking to {}",
                self.cfg.timeout_secs,
                self.cfg.host
            ),
        })?;
        let mut wire = Wire::new(tcp, self.timeout());
        let name = || {
            ServerName::try_from(bare_host(&self.cfg.host).to_string())
                .map_err(|_| anyhow!("[smtp] host \"{}\" is not a name TLS can check", self.cfg.host))
        };
        let fail = |e: WireError, doing: &str| anyhow!("cannot connect: {}", self.explain(&e, doing));
        if self.cfg.security == Security::Tls {
            wire = wire
                .into_tls(tls_config()?, name()?)
                .map_err(|e| fail(e, "TLS handshake"))?;
        }
        wire.arm();
        let greeting = wire
            .read_reply()
            .map_err(|e| fail(e, "waiting for its greeting"))?;
        if greeting.code != 220 {
            return Err(fail(WireError::Refused(greeting), "greeting"));
        }
        let hello = Ehlo::new(ClientId::default());
        let ehlo = wire.command(&hello, |c| c == 250).map_err(|e| fail(e, "EHLO"))?;
        let mut offers = Offers::from(&ehlo);
        if self.cfg.security == Security::StartTls {
            if !offers.starttls {
                wire.abort();
                bail!(
                    "the SMTP server {server} does not offer STARTTLS; dun will not send in the clear (security = \"tls\" for port 465?)"
                );
            }
            wire.command(Starttls, |c| c == 220)
                .map_err(|e| fail(e, "STARTTLS"))?;
            wire = wire.into_tls(tls_config()?, name()?).map_err(|e| {
                anyhow!(
                    "STARTTLS with {server} failed: {}",
                    self.explain(&e, "TLS handshake")
                )
            })?;
            let ehlo = wire
                .command(&hello, |c| c == 250)
                .map_err(|e| fail(e, "EHLO after STARTTLS"))?;
            offers = Offers::from(&ehlo);
        }
        if self.credentials.is_none() {
            let creds = match &self.cfg.username {
                Some(user) => {
                    let pw = password(&self.cfg)?.ok_or_else(|| {
                        anyhow!("[smtp] username is set but there is no password: set password_command, or {PASSWORD_ENV}")
                    })?;
                    Some(Credentials::new(user.clone(), pw))
                }
                None => None,
            };
            self.credentials = Some(creds);
        }
        if let Some(Some(creds)) = &self.credentials {
            let user = self.cfg.username.as_deref().unwrap_or("");
            let refused = |e: WireError| match e {
                WireError::Refused(r) => {
                    anyhow!(
                        "the SMTP server {server} refused the login for {user}: {}",
                        r.text()
                    )
                }
                e => anyhow!("cannot log in: {}", self.explain(&e, "AUTH")),
            };
            let auth = |m: Mechanism, challenge: Option<&str>| {
                Auth::new(m, creds.clone(), challenge.map(str::to_string))
                    .map_err(|e| anyhow!("cannot log in to {server}: {e}"))
            };
            if offers.plain {
                wire.command(auth(Mechanism::Plain, None)?, |c| c == 235)
                    .map_err(refused)?;
            } else if offers.login {
                wire.command(auth(Mechanism::Login, None)?, |c| c == 334)
                    .map_err(refused)?;
                wire.command(auth(Mechanism::Login, Some("Username:"))?, |c| c == 334)
                    .map_err(refused)?;
                wire.command(auth(Mechanism::Login, Some("Password:"))?, |c| c == 235)
                    .map_err(refused)?;
            } else {
                bail!("the SMTP server {server} offers no login dun knows (AUTH PLAIN or LOGIN)");
            }
        }
        Ok(Session { wire, offers })
    }

    /// Gives the connection up after an error; a timeout gives the server up
    /// for the rest of the run.
    fn drop_session(&mut self, e: &WireError, why: &str) {
        if let Some(s) = self.session.take() {
            s.wire.abort();
        }
        if e.is_timeout() {
            self.gone = Some(format!("{why}; dun gave this server up for this run"));
        }
    }

    /// Sends one message (its envelope and its bytes as lettre formats them).
    pub fn send(&mut self, envelope: &Envelope, message: &[u8]) -> Delivered {
        if let Err(e) = self.connect() {
            return Delivered::Failed(format!("{e:#}"));
        }
        let session = self.session.as_mut().expect("connected above");
        let ascii = |a: &Address| AsRef::<str>::as_ref(a).is_ascii();
        let mut params = Vec::new();
        if !envelope.from().is_none_or(ascii) || !envelope.to().iter().all(ascii) {
            if !session.offers.smtputf8 {
                return Delivered::Failed(format!(
                    "the SMTP server {} does not take non-ASCII addresses (no SMTPUTF8)",
                    self.server()
                ));
            }
            params.push(MailParameter::SmtpUtfEight);
        }
        if !message.is_ascii() {
            if !session.offers.eight_bit {
                return Delivered::Failed(format!(
                    "the SMTP server {} does not take 8-bit messages (no 8BITMIME)",
                    self.server()
                ));
            }
            params.push(MailParameter::Body(MailBodyParameter::EightBitMime));
        }
        // Before the final dot: any failure means the server does not have it.
        let wire = &mut session.wire;
        let handover = (|| {
            wire.command(Mail::new(envelope.from().cloned(), params), |c| c == 250)?;
            for to in envelope.to() {
                wire.command(Rcpt::new(to.clone(), vec![]), |c| c == 250 || c == 251)?;
            }
            wire.command(Data, |c| c == 354)?;
            wire.arm();
            wire.write_all(&dot_stuffed(message))
        })();
        if let Err(e) = handover {
            let why = self.explain(&e, "before the message was handed over");
            if matches!(e, WireError::Refused(_)) {
                // The server is fine; it refused this message. Start clean.
                let wire = &mut self.session.as_mut().expect("still connected").wire;
                if let Err(e) = wire.command(Rset, |c| c == 250) {
                    let again = self.explain(&e, "RSET");
                    self.drop_session(&e, &again);
                }
            } else {
                self.drop_session(&e, &why);
            }
            return Delivered::Failed(why);
        }
        // The final dot is out: from here the server may have the message.
        let wire = &mut self.session.as_mut().expect("still connected").wire;
        wire.arm();
        match wire.read_reply() {
            Ok(r) if (200..300).contains(&r.code) => Delivered::Sent(r.text()),
            Ok(r) if r.is_negative() => Delivered::Failed(format!(
                "the SMTP server {} said {} to the message",
                self.server(),
                r.text()
            )),
            Ok(r) => {
                let why = format!(
                    "the SMTP server {} answered {} to the end of the message",
                    self.server(),
                    r.text()
                );
                self.drop_session(&WireError::Closed, &why);
                Delivered::Unknown(why)
            }
            Err(e) => {
                let why = self.explain(&e, "waiting for its answer to the end of the message");
                self.drop_session(&e, &why);
                Delivered::Unknown(why)
            }
        }
    }

    /// Says goodbye to the server, if connected.
    pub fn quit(&mut self) {
        if let Some(mut s) = self.session.take() {
            let _ = s.wire.command(Quit, |_| true);
            s.wire.abort();
        }
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
        for h in [
            "smtp.example.org",
            "10.0.0.1",
            "192.168.1.1",
            "[::ffff:127.0.0.1]",
        ] {
            assert!(!is_loopback(h), "{h}");
        }
        assert_eq!(bare_host("[::1]"), "::1");
    }
}
