//! A real SMTP server inside the tests (mailin-embedded, see STACK.md): it
//! listens on 127.0.0.1 on a free port, keeps every message it accepts, and
//! can offer STARTTLS with a self-signed certificate, require AUTH, or refuse
//! what it is sent, as a mail provider would.
//!
//! Also the small decoders a test needs to read what arrived: unfolded
//! headers, RFC 2047 encoded words, quoted-printable and base64 bodies.

#![allow(dead_code)]

use std::io;
use std::net::{IpAddr, TcpListener};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use mailin_embedded::{AuthMechanism, Handler, Response, Server, SslConfig, response};
use tempfile::TempDir;

/// The login the server accepts when AUTH is on.
pub const USER: &str = "fia@example.org";
pub const PASSWORD: &str = "secret-7Qx9";

/// How the server answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    Accept,
    /// `RCPT TO` answered with `code text`: for every recipient, or only `only`.
    RefuseRecipient {
        code: u16,
        text: &'static str,
        only: Option<&'static str>,
    },
    /// The message refused after its data was sent (`code text` to the final dot).
    RefuseData {
        code: u16,
        text: &'static str,
    },
    /// After this many messages the server goes away: `421` to every command
    /// and every new connection, which it then closes.
    GoneAfter(usize),
    /// Each message waits at its final dot until [`SmtpServer::release`].
    Hold,
}

/// What the server was asked to do before it starts.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// Offer STARTTLS with a fresh self-signed certificate for 127.0.0.1.
    pub starttls: bool,
    /// Offer AUTH PLAIN and LOGIN (after STARTTLS) and accept only USER/PASSWORD.
    pub auth: bool,
}

/// One message the server accepted.
#[derive(Debug, Clone)]
pub struct Received {
    /// The envelope: `MAIL FROM` and every `RCPT TO`.
    pub from: String,
    pub to: Vec<String>,
    /// The message as it came over the wire, dot-unstuffing undone.
    pub data: Vec<u8>,
}

#[derive(Default)]
struct State {
    messages: Mutex<Vec<Received>>,
    mode: Mutex<Option<Mode>>,
    hellos: AtomicUsize,
    logins: AtomicUsize,
    failed_logins: AtomicUsize,
    /// Messages waiting at their final dot (Mode::Hold), and the gate.
    held: AtomicUsize,
    released: Mutex<bool>,
    gate: Condvar,
}

/// One handler per connection (mailin clones it), sharing the state.
#[derive(Clone)]
struct Capture {
    state: Arc<State>,
    from: String,
    to: Vec<String>,
    data: Vec<u8>,
    /// This connection's message was refused at its final dot (see `data`).
    refused_data: bool,
}

impl Capture {
    fn mode(&self) -> Mode {
        self.state.mode.lock().unwrap().clone().unwrap_or(Mode::Accept)
    }

    fn login(&self, user: &str, password: &str) -> Response {
        if user == USER && password == PASSWORD {
            self.state.logins.fetch_add(1, Ordering::SeqCst);
            response::AUTH_OK
        } else {
            self.state.failed_logins.fetch_add(1, Ordering::SeqCst);
            response::INVALID_CREDENTIALS
        }
    }

    /// `421` once the server is gone (Mode::GoneAfter).
    fn gone(&self) -> Option<Response> {
        match self.mode() {
            Mode::GoneAfter(n) if self.state.messages.lock().unwrap().len() >= n => {
                Some(Response::custom(421, "4.3.2 service shutting down".into()))
            }
            _ => None,
        }
    }
}

impl Handler for Capture {
    fn helo(&mut self, _ip: IpAddr, _domain: &str) -> Response {
        self.state.hellos.fetch_add(1, Ordering::SeqCst);
        self.gone().unwrap_or(response::OK)
    }

    fn mail(&mut self, _ip: IpAddr, _domain: &str, _from: &str) -> Response {
        self.gone().unwrap_or(response::OK)
    }

    fn rcpt(&mut self, to: &str) -> Response {
        match self.mode() {
            Mode::RefuseRecipient { code, text, only } if only.is_none_or(|o| to.contains(o)) => {
                Response::custom(code, text.to_string())
            }
            _ => response::OK,
        }
    }

    fn data_start(&mut self, _domain: &str, from: &str, _is8bit: bool, to: &[String]) -> Response {
        self.from = from.to_string();
        self.to = to.to_vec();
        self.data.clear();
        response::OK
    }

    fn data(&mut self, buf: &[u8]) -> io::Result<()> {
        // mailin stays in DATA after an error reply to the final dot, so the
        // client's next command (lettre's QUIT) would be taken for data and
        // never answered; an error here makes mailin answer it (554).
        if self.refused_data {
            return Err(io::Error::other("the message was refused"));
        }
        self.data.extend_from_slice(buf);
        Ok(())
    }

    fn data_end(&mut self) -> Response {
        match self.mode() {
            Mode::RefuseData { code, text } => {
                self.refused_data = true;
                return Response::custom(code, text.to_string());
            }
            Mode::Hold => {
                self.state.held.fetch_add(1, Ordering::SeqCst);
                let released = self.state.released.lock().unwrap();
                drop(self.state.gate.wait_while(released, |r| !*r).unwrap());
                self.state.held.fetch_sub(1, Ordering::SeqCst);
            }
            _ => {}
        }
        self.state.messages.lock().unwrap().push(Received {
            from: std::mem::take(&mut self.from),
            to: std::mem::take(&mut self.to),
            data: std::mem::take(&mut self.data),
        });
        response::OK
    }

    fn auth_plain(&mut self, _authorization_id: &str, authentication_id: &str, password: &str) -> Response {
        self.login(authentication_id, password)
    }

    fn auth_login(&mut self, username: &str, password: &str) -> Response {
        self.login(username, password)
    }
}

/// A running server. It runs until the test process ends.
pub struct SmtpServer {
    pub port: u16,
    state: Arc<State>,
    /// The certificate (PEM) to trust, for `DUN_SMTP_CA_FILE`, with STARTTLS.
    pub ca_file: Option<PathBuf>,
    _certs: TempDir,
}

/// A port on 127.0.0.1 where nothing listens (bound, then released).
pub fn free_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

impl SmtpServer {
    /// Plain SMTP, no login: a local relay.
    pub fn start() -> SmtpServer {
        SmtpServer::with(Options::default())
    }

    pub fn with(options: Options) -> SmtpServer {
        SmtpServer::on("127.0.0.1:0", options)
    }

    /// Listens on `addr` (e.g. `0.0.0.0:0`) instead of 127.0.0.1.
    pub fn on(addr: &str, options: Options) -> SmtpServer {
        // lettre (in dun) uses ring, mailin's rustls would pick aws-lc-rs: one
        // provider for the whole test process, whichever test comes first.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let state = Arc::new(State::default());
        let certs = tempfile::tempdir().unwrap();
        let listener = TcpListener::bind(addr).unwrap();
        let port = listener.local_addr().unwrap().port();
        let mut server = Server::new(Capture {
            state: state.clone(),
            from: String::new(),
            to: Vec::new(),
            data: Vec::new(),
            refused_data: false,
        });
        server.with_name("mx.test").with_tcp_listener(listener);
        let mut ca_file = None;
        if options.starttls {
            let key =
                rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_string(), "localhost".to_string()])
                    .unwrap();
            let cert_path = certs.path().join("cert.pem");
            let key_path = certs.path().join("key.pem");
            std::fs::write(&cert_path, key.cert.pem()).unwrap();
            std::fs::write(&key_path, key.signing_key.serialize_pem()).unwrap();
            server
                .with_ssl(SslConfig::SelfSigned {
                    cert_path: cert_path.display().to_string(),
                    key_path: key_path.display().to_string(),
                })
                .unwrap();
            ca_file = Some(cert_path);
        }
        if options.auth {
            server
                .with_auth(AuthMechanism::Plain)
                .with_auth(AuthMechanism::Login);
        }
        std::thread::spawn(move || {
            let _ = server.serve();
        });
        SmtpServer {
            port,
            state,
            ca_file,
            _certs: certs,
        }
    }

    pub fn set_mode(&self, mode: Mode) {
        *self.state.mode.lock().unwrap() = Some(mode);
    }

    /// Every message accepted so far, in order.
    pub fn messages(&self) -> Vec<Received> {
        self.state.messages.lock().unwrap().clone()
    }

    pub fn count(&self) -> usize {
        self.state.messages.lock().unwrap().len()
    }

    /// Forgets the messages received so far; returns them.
    pub fn take(&self) -> Vec<Received> {
        std::mem::take(&mut *self.state.messages.lock().unwrap())
    }

    /// EHLO/HELO commands seen: 0 means no client ever got as far as saying hello.
    pub fn hellos(&self) -> usize {
        self.state.hellos.load(Ordering::SeqCst)
    }

    /// Waits (up to 20 s) until a message is held at its final dot (Mode::Hold).
    pub fn wait_for_held(&self) {
        let start = Instant::now();
        while self.state.held.load(Ordering::SeqCst) == 0 {
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "no message arrived to hold"
            );
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// Lets held messages (and every later one) through.
    pub fn release(&self) {
        *self.state.released.lock().unwrap() = true;
        self.state.gate.notify_all();
    }

    pub fn logins(&self) -> usize {
        self.state.logins.load(Ordering::SeqCst)
    }

    pub fn failed_logins(&self) -> usize {
        self.state.failed_logins.load(Ordering::SeqCst)
    }

    /// The `[smtp]` section that reaches this server over plain SMTP.
    pub fn smtp_section(&self) -> String {
        format!(
            "[smtp]\nhost = \"127.0.0.1\"\nport = {}\nsecurity = \"none\"\ntimeout_secs = 10\n",
            self.port
        )
    }
}

impl Received {
    /// The raw message as text (it must be valid UTF-8; dun sends 7-bit).
    pub fn text(&self) -> String {
        String::from_utf8(self.data.clone()).expect("the message is UTF-8")
    }

    /// The header block and the body, split at the first empty line.
    fn parts(&self) -> (String, String) {
        let text = self.text();
        let (head, body) = text.split_once("\r\n\r\n").expect("a header block and a body");
        (head.to_string(), body.to_string())
    }

    /// Every header, unfolded, as (name, raw value).
    pub fn headers(&self) -> Vec<(String, String)> {
        let (head, _) = self.parts();
        let mut out: Vec<(String, String)> = Vec::new();
        for line in head.split("\r\n") {
            if line.starts_with([' ', '\t']) {
                let last = out.last_mut().expect("a continuation line follows a header");
                last.1.push(' ');
                last.1.push_str(line.trim());
            } else {
                let (name, value) = line
                    .split_once(':')
                    .unwrap_or_else(|| panic!("not a header: {line:?}"));
                out.push((name.to_string(), value.trim().to_string()));
            }
        }
        out
    }

    /// The raw value of header `name` (case-insensitive), if present.
    pub fn raw_header(&self, name: &str) -> Option<String> {
        self.headers()
            .into_iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    }

    /// The value of header `name`, RFC 2047 encoded words decoded.
    pub fn header(&self, name: &str) -> Option<String> {
        self.raw_header(name).map(|v| decode_words(&v))
    }

    /// The body, its Content-Transfer-Encoding undone, as UTF-8 with `\n` line ends.
    pub fn body(&self) -> String {
        let (_, body) = self.parts();
        // lettre writes CRLF.CRLF after the message, whose last line already
        // ends in CRLF: one empty line more on the wire than in the message.
        let body = body.strip_suffix("\r\n").unwrap_or(&body).to_string();
        let encoding = self
            .raw_header("Content-Transfer-Encoding")
            .unwrap_or_else(|| "7bit".into())
            .to_ascii_lowercase();
        let bytes = match encoding.as_str() {
            "quoted-printable" => decode_quoted_printable(&body),
            "base64" => decode_base64(&body),
            "7bit" | "8bit" => body.into_bytes(),
            other => panic!("unexpected Content-Transfer-Encoding {other}"),
        };
        String::from_utf8(bytes)
            .expect("the body is valid UTF-8")
            .replace("\r\n", "\n")
    }

    pub fn subject(&self) -> String {
        self.header("Subject").expect("a Subject header")
    }

    pub fn message_id(&self) -> String {
        self.header("Message-ID").expect("a Message-ID header")
    }
}

/// Decodes the RFC 2047 encoded words (`=?utf-8?b?…?=`, `=?utf-8?q?…?=`) in
/// a header value; the space between two adjacent encoded words goes.
pub fn decode_words(value: &str) -> String {
    let mut out: Vec<u8> = Vec::new();
    let mut rest = value;
    let mut after_word = false;
    while let Some(start) = rest.find("=?") {
        let (before, word) = rest.split_at(start);
        match parse_word(word) {
            Some((bytes, len)) => {
                if !(after_word && before.trim().is_empty()) {
                    out.extend_from_slice(before.as_bytes());
                }
                out.extend(bytes);
                rest = &word[len..];
                after_word = true;
            }
            None => {
                out.extend_from_slice(&rest.as_bytes()[..start + 2]);
                rest = &word[2..];
                after_word = false;
            }
        }
    }
    out.extend_from_slice(rest.as_bytes());
    String::from_utf8(out).expect("encoded words decode to UTF-8")
}

/// One encoded word at the start of `s`: its bytes and its length in `s`.
fn parse_word(s: &str) -> Option<(Vec<u8>, usize)> {
    let inner = s.strip_prefix("=?")?;
    let (charset, rest) = inner.split_once('?')?;
    let (encoding, rest) = rest.split_once('?')?;
    let end = rest.find("?=")?;
    let text = &rest[..end];
    if text.contains(char::is_whitespace) {
        return None;
    }
    assert!(charset.eq_ignore_ascii_case("utf-8"), "charset {charset} in {s}");
    let bytes = match encoding {
        "b" | "B" => decode_base64(text),
        "q" | "Q" => decode_quoted_printable(&text.replace('_', " ")),
        _ => return None,
    };
    let len = 2 + charset.len() + 1 + encoding.len() + 1 + end + 2;
    Some((bytes, len))
}

pub fn decode_base64(text: &str) -> Vec<u8> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = Vec::new();
    let (mut acc, mut bits) = (0u32, 0);
    for c in text.bytes().filter(|c| !c.is_ascii_whitespace() && *c != b'=') {
        let v = ALPHABET
            .iter()
            .position(|&a| a == c)
            .unwrap_or_else(|| panic!("not base64: {c:?}"));
        acc = (acc << 6) | v as u32;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    out
}

pub fn decode_quoted_printable(text: &str) -> Vec<u8> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'=' if bytes[i + 1..].starts_with(b"\r\n") => i += 3,
            b'=' if bytes[i + 1..].starts_with(b"\n") => i += 2,
            b'=' => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap();
                out.push(u8::from_str_radix(hex, 16).unwrap_or_else(|_| panic!("bad escape ={hex}")));
                i += 3;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    out
}
