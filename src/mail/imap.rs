//! Reading an IMAP mailbox, read-only: mailboxes are opened with EXAMINE and
//! messages read with `BODY.PEEK`, so no flag changes and nothing moves. No
//! STORE, EXPUNGE, COPY or MOVE is ever sent. Bytes in, nothing decided.
//!
//! TLS (or STARTTLS) with rustls, certificates verified against the web's
//! roots and `DUN_IMAP_CA_FILE`; plain IMAP only to a loopback address
//! unless the config allows it. Every exchange with the server has a
//! deadline as a whole (not per read), so a server that trickles cannot
//! hold a run.

use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, anyhow, bail};
use chrono::{Local, NaiveDateTime};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use rustls::{ClientConfig, ClientConnection, StreamOwned};

use super::smtp::{is_loopback, resolve_password};
use crate::config::{Imap, Security};

/// An extra trusted CA certificate (PEM), for servers with a private CA.
pub const CA_FILE_ENV: &str = "DUN_IMAP_CA_FILE";
pub const PASSWORD_ENV: &str = "DUN_IMAP_PASSWORD";

/// Messages per FETCH of headers.
const HEADER_BATCH: usize = 500;
/// The longest line dun reads before TLS starts (greeting, STARTTLS answer).
const MAX_PLAIN_LINE: usize = 64 * 1024;

/// The port in force: the configured one, else 993 for tls and 143 otherwise.
pub fn port(cfg: &Imap) -> u16 {
    cfg.port.unwrap_or(match cfg.security {
        Security::Tls => 993,
        Security::StartTls | Security::None => 143,
    })
}

/// `user@host:port`: whose mailboxes these are, for the stored positions.
pub fn account(cfg: &Imap) -> String {
    format!("{}@{}:{}", cfg.username, cfg.host, port(cfg))
}

/// Checks what can be checked without the network.
pub fn check(cfg: &Imap) -> Result<()> {
    if cfg.security == Security::None && !is_loopback(&cfg.host) && !cfg.allow_insecure {
        bail!(
            "[imap] security = \"none\" would send your password and mail unencrypted to {}; use tls or starttls, or set allow_insecure = true if you really mean it",
            cfg.host
        );
    }
    Ok(())
}

/// The deadline of the exchange under way, shared by the socket wrapper.
#[derive(Clone)]
struct Clock(Arc<Mutex<Instant>>);

impl Clock {
    fn arm(&self, within: Duration) {
        if let Ok(mut d) = self.0.lock() {
            *d = Instant::now() + within;
        }
    }

    fn left(&self) -> std::io::Result<Duration> {
        let until = self.0.lock().map(|d| *d).unwrap_or_else(|_| Instant::now());
        let left = until.saturating_duration_since(Instant::now());
        if left.is_zero() {
            Err(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                "deadline passed",
            ))
        } else {
            Ok(left)
        }
    }
}

/// A TCP stream whose every read and write ends by the exchange's deadline.
struct Timed {
    tcp: TcpStream,
    clock: Clock,
}

fn timed_out(e: std::io::Error) -> std::io::Error {
    if e.kind() == std::io::ErrorKind::WouldBlock {
        std::io::Error::new(std::io::ErrorKind::TimedOut, "deadline passed")
    } else {
        e
    }
}

impl Read for Timed {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.tcp.set_read_timeout(Some(self.clock.left()?))?;
        self.tcp.read(buf).map_err(timed_out)
    }
}

impl Write for Timed {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.tcp.set_write_timeout(Some(self.clock.left()?))?;
        self.tcp.write(buf).map_err(timed_out)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.tcp.flush()
    }
}

enum Stream {
    Plain(Timed),
    Tls(Box<StreamOwned<ClientConnection, Timed>>),
}

impl Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self {
            Stream::Plain(s) => s.read(buf),
            Stream::Tls(s) => s.read(buf),
        }
    }
}

impl Write for Stream {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            Stream::Plain(s) => s.write(buf),
            Stream::Tls(s) => s.write(buf),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Stream::Plain(s) => s.flush(),
            Stream::Tls(s) => s.flush(),
        }
    }
}

/// A mailbox opened read-only.
#[derive(Debug, Clone)]
pub struct Opened {
    pub exists: u32,
    pub uid_validity: u32,
    pub uid_next: Option<u32>,
}

/// A message in the listing: its UID, size and the day the server got it.
#[derive(Debug, Clone)]
pub struct Listed {
    pub uid: u32,
    pub size: u64,
    /// INTERNALDATE, in local time.
    pub arrival: Option<NaiveDateTime>,
}

/// A logged-in connection.
pub struct Connection {
    session: imap::Session<Stream>,
    clock: Clock,
    timeout: Duration,
    /// `host:port`, for messages.
    pub server: String,
}

fn tls_config() -> Result<Arc<ClientConfig>> {
    let mut roots = rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    if let Some(path) = std::env::var_os(CA_FILE_ENV).filter(|p| !p.is_empty()) {
        let shown = path.to_string_lossy().into_owned();
        let bytes =
            std::fs::read(&path).with_context(|| format!("cannot read {CA_FILE_ENV} file {shown}"))?;
        let mut n = 0;
        for cert in CertificateDer::pem_slice_iter(&bytes) {
            let cert =
                cert.map_err(|e| anyhow!("{CA_FILE_ENV} file {shown}: not a PEM certificate ({e})"))?;
            roots
                .add(cert)
                .map_err(|e| anyhow!("{CA_FILE_ENV} file {shown}: {e}"))?;
            n += 1;
        }
        if n == 0 {
            bail!("{CA_FILE_ENV} file {shown} holds no PEM certificate");
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

/// One line from the server before TLS, read a byte at a time so that
/// nothing sent after it (before the handshake) is taken as trusted.
fn plain_line(s: &mut Timed) -> std::io::Result<String> {
    let mut line = Vec::new();
    let mut byte = [0u8; 1];
    while line.len() < MAX_PLAIN_LINE {
        if s.read(&mut byte)? == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        line.push(byte[0]);
        if byte[0] == b'\n' {
            break;
        }
    }
    Ok(String::from_utf8_lossy(&line).trim_end().to_string())
}

/// What an IMAP error means to a person; a timeout says so.
fn describe(e: &imap::Error, server: &str, timeout: Duration) -> String {
    match e {
        imap::Error::Io(io) if io.kind() == std::io::ErrorKind::TimedOut => format!(
            "the IMAP server {server} did not answer within {} s (timeout_secs)",
            timeout.as_secs()
        ),
        imap::Error::Io(io) => format!("the connection to the IMAP server {server} failed: {io}"),
        imap::Error::ConnectionLost => format!("the IMAP server {server} closed the connection"),
        imap::Error::No(no) => no.information.trim().to_string(),
        imap::Error::Bad(bad) => format!("the server said BAD: {}", bad.information.trim()),
        imap::Error::Bye(bye) => format!("the server said BYE: {}", bye.information.trim()),
        other => format!("{other}"),
    }
}

/// "TLS", "STARTTLS", "no encryption".
pub fn security_words(s: Security) -> &'static str {
    match s {
        Security::Tls => "TLS",
        Security::StartTls => "STARTTLS",
        Security::None => "no encryption",
    }
}

fn io_describe(e: &std::io::Error, server: &str, timeout: Duration) -> String {
    if e.kind() == std::io::ErrorKind::TimedOut {
        format!(
            "the IMAP server {server} did not answer within {} s (timeout_secs)",
            timeout.as_secs()
        )
    } else {
        format!("the connection to the IMAP server {server} failed: {e}")
    }
}

impl Connection {
    /// Connects (TLS, STARTTLS or plain on loopback) and logs in.
    pub fn open(cfg: &Imap, verbose: bool) -> Result<Connection> {
        check(cfg)?;
        let port = port(cfg);
        let server = format!("{}:{port}", cfg.host);
        let timeout = Duration::from_secs(cfg.timeout_secs);
        let host = cfg.host.trim_start_matches('[').trim_end_matches(']');
        let addrs: Vec<_> = (host, port)
            .to_socket_addrs()
            .with_context(|| format!("cannot find the IMAP server {server}"))?
            .collect();
        if verbose {
            eprintln!(
                "dun: connecting to the IMAP server {server} ({})",
                security_words(cfg.security)
            );
        }
        let mut last = None;
        let tcp = addrs
            .iter()
            .find_map(|a| match TcpStream::connect_timeout(a, timeout) {
                Ok(t) => Some(t),
                Err(e) => {
                    last = Some(e);
                    None
                }
            })
            .ok_or_else(|| {
                let why = last.map_or("no address found".to_string(), |e| tls_error(&e, timeout));
                anyhow!("cannot connect to the IMAP server {server}: {why}")
            })?;
        let _ = tcp.set_nodelay(true);
        let clock = Clock(Arc::new(Mutex::new(Instant::now() + timeout)));
        let mut timed = Timed {
            tcp,
            clock: clock.clone(),
        };
        let tls = |timed: Timed| -> Result<Stream> {
            let name = ServerName::try_from(host.to_string())
                .map_err(|_| anyhow!("[imap] host \"{}\" is not a name TLS can check", cfg.host))?;
            let conn = ClientConnection::new(tls_config()?, name)
                .map_err(|e| anyhow!("cannot set up TLS with {server}: {e}"))?;
            let mut s = StreamOwned::new(conn, timed);
            clock.arm(timeout);
            while s.conn.is_handshaking() {
                s.conn.complete_io(&mut s.sock).map_err(|e| {
                    anyhow!(
                        "TLS with the IMAP server {server} failed: {}",
                        tls_error(&e, timeout)
                    )
                })?;
            }
            Ok(Stream::Tls(Box::new(s)))
        };
        let stream = match cfg.security {
            Security::Tls => tls(timed)?,
            Security::StartTls => {
                let greeting =
                    plain_line(&mut timed).map_err(|e| anyhow!(io_describe(&e, &server, timeout)))?;
                if !greeting.starts_with("* OK") {
                    bail!("the IMAP server {server} did not greet dun: {greeting}");
                }
                clock.arm(timeout);
                timed
                    .write_all(b"s0 STARTTLS\r\n")
                    .map_err(|e| anyhow!(io_describe(&e, &server, timeout)))?;
                loop {
                    let line =
                        plain_line(&mut timed).map_err(|e| anyhow!(io_describe(&e, &server, timeout)))?;
                    if line.starts_with("s0 OK") {
                        break;
                    }
                    if line.starts_with("s0 ") {
                        bail!(
                            "the IMAP server {server} does not offer STARTTLS ({line}); dun will not log in in the clear (security = \"tls\" for port 993?)"
                        );
                    }
                }
                tls(timed)?
            }
            Security::None => Stream::Plain(timed),
        };
        let mut client = imap::Client::new(stream);
        clock.arm(timeout);
        if cfg.security != Security::StartTls {
            let greeting = client
                .read_greeting()
                .map_err(|e| anyhow!(describe(&e, &server, timeout)))?;
            if !greeting.starts_with(b"* OK") {
                bail!(
                    "the IMAP server {server} did not greet dun: {}",
                    String::from_utf8_lossy(&greeting).trim()
                );
            }
        }
        let password = resolve_password(
            "imap",
            cfg.password_command.as_deref(),
            PASSWORD_ENV,
            cfg.password.as_deref(),
            timeout,
        )?
        .ok_or_else(|| {
            anyhow!("[imap] has no password: set password_command, or {PASSWORD_ENV}, or password in an owner-only config file")
        })?;
        clock.arm(timeout);
        let session = client.login(&cfg.username, &password).map_err(|(e, _)| match e {
            imap::Error::No(no) => anyhow!(
                "the IMAP server {server} refused the login for {}: {}; check [imap] username and the password",
                cfg.username,
                no.information.trim()
            ),
            other => anyhow!(describe(&other, &server, timeout)),
        })?;
        Ok(Connection {
            session,
            clock,
            timeout,
            server,
        })
    }

    fn fail(&self, e: imap::Error) -> anyhow::Error {
        anyhow!(describe(&e, &self.server, self.timeout))
    }

    /// Opens `mailbox` read-only (EXAMINE).
    pub fn examine(&mut self, mailbox: &str) -> Result<Opened> {
        self.clock.arm(self.timeout);
        let m = self.session.examine(mailbox).map_err(|e| match e {
            imap::Error::No(no) => anyhow!(
                "mailbox \"{mailbox}\" cannot be opened on {}: {}; [imap] mailboxes lists the folders to read",
                self.server,
                no.information.trim()
            ),
            other => self.fail(other),
        })?;
        let uid_validity = m.uid_validity.ok_or_else(|| {
            anyhow!(
                "mailbox \"{mailbox}\" on {} has no UIDVALIDITY; dun cannot keep its place in it",
                self.server
            )
        })?;
        Ok(Opened {
            exists: m.exists,
            uid_validity,
            uid_next: m.uid_next,
        })
    }

    /// The messages with a UID of `from` or more: UID, size, arrival.
    pub fn list(&mut self, from: u32, expected: u32) -> Result<Vec<Listed>> {
        // Some time for a long listing: a second per 20,000 messages.
        self.clock
            .arm(self.timeout + Duration::from_millis(u64::from(expected) / 20));
        let fetches = self
            .session
            .uid_fetch(format!("{from}:*"), "(UID RFC822.SIZE INTERNALDATE)")
            .map_err(|e| self.fail(e))?;
        let mut out: Vec<Listed> = fetches
            .iter()
            .filter_map(|f| {
                let uid = f.uid?;
                // `n:*` names the last message even when its UID is below n.
                (uid >= from).then(|| Listed {
                    uid,
                    size: u64::from(f.size.unwrap_or(0)),
                    arrival: f.internal_date().map(|d| d.with_timezone(&Local).naive_local()),
                })
            })
            .collect();
        out.sort_by_key(|l| l.uid);
        out.dedup_by_key(|l| l.uid);
        Ok(out)
    }

    /// The headers of these messages, by UID.
    pub fn headers(&mut self, uids: &[u32]) -> Result<Vec<(u32, Vec<u8>)>> {
        let mut out = Vec::new();
        for chunk in uids.chunks(HEADER_BATCH) {
            self.clock
                .arm(self.timeout + Duration::from_millis(chunk.len() as u64 * 2));
            let fetches = self
                .session
                .uid_fetch(uid_set(chunk), "(UID BODY.PEEK[HEADER])")
                .map_err(|e| self.fail(e))?;
            out.extend(
                fetches
                    .iter()
                    .filter_map(|f| Some((f.uid?, f.header()?.to_vec()))),
            );
        }
        Ok(out)
    }

    /// The whole messages, by UID; `bytes` is what their sizes add up to,
    /// which extends the deadline at a floor of 1 MiB a second.
    pub fn bodies(&mut self, uids: &[u32], bytes: u64) -> Result<Vec<(u32, Vec<u8>)>> {
        self.clock
            .arm(self.timeout + Duration::from_secs(bytes / (1024 * 1024)));
        let fetches = self
            .session
            .uid_fetch(uid_set(uids), "(UID BODY.PEEK[])")
            .map_err(|e| self.fail(e))?;
        Ok(fetches
            .iter()
            .filter_map(|f| Some((f.uid?, f.body()?.to_vec())))
            .collect())
    }

    /// Says goodbye; errors do not matter any more.
    pub fn logout(mut self) {
        self.clock.arm(self.timeout);
        let _ = self.session.logout();
    }
}

fn tls_error(e: &std::io::Error, timeout: Duration) -> String {
    if e.kind() == std::io::ErrorKind::TimedOut {
        format!("no answer within {} s (timeout_secs)", timeout.as_secs())
    } else {
        // rustls puts its certificate errors inside the io::Error.
        let why = e
            .get_ref()
            .map_or_else(|| e.to_string(), |inner| inner.to_string());
        if why.contains("certificate") {
            format!("{why} (for a server with a private CA, set {CA_FILE_ENV} to its certificate)")
        } else {
            why
        }
    }
}

/// `1:3,7,9:10` for [1, 2, 3, 7, 9, 10] (sorted, no repeats).
pub fn uid_set(uids: &[u32]) -> String {
    let mut out = String::new();
    let mut i = 0;
    while i < uids.len() {
        let start = uids[i];
        let mut end = start;
        while i + 1 < uids.len() && uids[i + 1] == end + 1 {
            i += 1;
            end = uids[i];
        }
        if !out.is_empty() {
            out.push(',');
        }
        if start == end {
            out.push_str(&start.to_string());
        } else {
            out.push_str(&format!("{start}:{end}"));
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uid_sets_join_runs() {
        assert_eq!(uid_set(&[1, 2, 3, 7, 9, 10]), "1:3,7,9:10");
        assert_eq!(uid_set(&[5]), "5");
        assert_eq!(uid_set(&[]), "");
    }
}
