//! The SMTP conversation on the wire: bytes out, replies in, and a deadline
//! for each exchange as a whole (SPEC.md §5). Every read and write of the
//! socket gives up at the deadline of the exchange it belongs to, so a server
//! that trickles one byte a second cannot hold a command, or a message, past
//! `timeout_secs`.
//!
//! lettre formats the commands; this module decides nothing about delivery.
//! It owns the socket so that the caller knows, when an exchange fails,
//! whether the message's final dot had gone out (see `mail::smtp`).

use std::fmt::Display;
use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rustls::pki_types::ServerName;
use rustls::{ClientConfig, ClientConnection, StreamOwned};

/// The longest reply dun reads (RFC 5321 allows 512 octets a line; EHLO
/// lists run to a few hundred bytes).
const MAX_REPLY: usize = 64 * 1024;
const MAX_LINE: usize = 4096;

/// Why an exchange stopped.
#[derive(Debug)]
pub enum WireError {
    /// The deadline of the exchange passed.
    TimedOut,
    /// The server closed the connection.
    Closed,
    Io(io::Error),
    /// The server sent something that is not an SMTP reply.
    Garbled(String),
    /// The server answered, but not with the reply the command needs.
    Refused(Reply),
    Tls(String),
}

impl WireError {
    fn from_io(e: io::Error) -> WireError {
        match e.kind() {
            io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => WireError::TimedOut,
            io::ErrorKind::UnexpectedEof => WireError::Closed,
            io::ErrorKind::InvalidData => match e.get_ref() {
                // rustls reports a bad certificate or handshake this way.
                Some(inner) => WireError::Tls(inner.to_string()),
                None => WireError::Io(e),
            },
            _ => WireError::Io(e),
        }
    }

    pub fn is_timeout(&self) -> bool {
        matches!(self, WireError::TimedOut)
    }
}

/// One SMTP reply: its code and the text of each line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub code: u16,
    pub lines: Vec<String>,
}

impl Reply {
    /// `550 no such user`, on one line.
    pub fn text(&self) -> String {
        let text = self.lines.join(" ");
        let text = text.trim();
        if text.is_empty() {
            self.code.to_string()
        } else {
            format!("{} {text}", self.code)
        }
    }

    /// A 4xx or 5xx: the server said no.
    pub fn is_negative(&self) -> bool {
        (400..600).contains(&self.code)
    }
}

/// A TCP socket whose reads and writes give up at `deadline`.
struct DeadlineSock {
    tcp: TcpStream,
    deadline: Instant,
}

impl DeadlineSock {
    fn left(&self) -> io::Result<Duration> {
        let left = self.deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(io::Error::new(io::ErrorKind::TimedOut, "the deadline passed"));
        }
        Ok(left)
    }
}

impl Read for DeadlineSock {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let left = self.left()?;
        self.tcp.set_read_timeout(Some(left))?;
        self.tcp.read(buf)
    }
}

impl Write for DeadlineSock {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let left = self.left()?;
        self.tcp.set_write_timeout(Some(left))?;
        self.tcp.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.tcp.flush()
    }
}

enum Stream {
    Plain(DeadlineSock),
    Tls(Box<StreamOwned<ClientConnection, DeadlineSock>>),
}

impl Stream {
    fn sock(&mut self) -> &mut DeadlineSock {
        match self {
            Stream::Plain(s) => s,
            Stream::Tls(t) => &mut t.sock,
        }
    }

    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Stream::Plain(s) => s.read(buf),
            Stream::Tls(t) => t.read(buf),
        }
    }

    fn write_all(&mut self, data: &[u8]) -> io::Result<()> {
        match self {
            Stream::Plain(s) => s.write_all(data),
            Stream::Tls(t) => {
                t.write_all(data)?;
                t.flush()
            }
        }
    }
}

/// One connection to an SMTP server.
pub struct Wire {
    stream: Stream,
    timeout: Duration,
    /// Bytes read past the end of the last reply line.
    pending: Vec<u8>,
}

impl Wire {
    /// Wraps a connected socket; `timeout` is the time each exchange gets.
    pub fn new(tcp: TcpStream, timeout: Duration) -> Wire {
        // Commands and the message go out in whole writes; Nagle would only
        // hold the last few bytes until the server's delayed ACK.
        let _ = tcp.set_nodelay(true);
        Wire {
            stream: Stream::Plain(DeadlineSock {
                tcp,
                deadline: Instant::now() + timeout,
            }),
            timeout,
            pending: Vec::new(),
        }
    }

    /// Starts a new exchange: it has `timeout` from now.
    pub fn arm(&mut self) {
        self.stream.sock().deadline = Instant::now() + self.timeout;
    }

    /// Turns the connection into TLS (at once for `tls`, after STARTTLS's 220)
    /// and completes the handshake within one exchange's time.
    pub fn into_tls(self, config: Arc<ClientConfig>, name: ServerName<'static>) -> Result<Wire, WireError> {
        if !self.pending.is_empty() {
            // Anything the server sent before the handshake could be an
            // attacker's, pretending to come from inside TLS.
            return Err(WireError::Garbled(
                "the server sent data before the TLS handshake".into(),
            ));
        }
        let Stream::Plain(mut sock) = self.stream else {
            return Ok(self);
        };
        sock.deadline = Instant::now() + self.timeout;
        let conn = ClientConnection::new(config, name).map_err(|e| WireError::Tls(e.to_string()))?;
        let mut tls = StreamOwned::new(conn, sock);
        while tls.conn.is_handshaking() {
            tls.conn.complete_io(&mut tls.sock).map_err(WireError::from_io)?;
        }
        Ok(Wire {
            stream: Stream::Tls(Box::new(tls)),
            timeout: self.timeout,
            pending: Vec::new(),
        })
    }

    /// Writes bytes within the current exchange.
    pub fn write_all(&mut self, data: &[u8]) -> Result<(), WireError> {
        self.stream.write_all(data).map_err(WireError::from_io)
    }

    /// Reads one whole reply within the current exchange.
    pub fn read_reply(&mut self) -> Result<Reply, WireError> {
        let mut lines = Vec::new();
        let mut total = 0;
        let mut code = None;
        loop {
            let line = self.read_line()?;
            total += line.len();
            if total > MAX_REPLY {
                return Err(WireError::Garbled("a reply longer than 64 KiB".into()));
            }
            let b = line.as_bytes();
            let parsed = (b.len() >= 3 && b[..3].iter().all(u8::is_ascii_digit))
                .then(|| line[..3].parse::<u16>().ok())
                .flatten()
                .filter(|c| (200..600).contains(c));
            let sep = b.get(3).copied();
            let (Some(this), true) = (parsed, matches!(sep, None | Some(b' ') | Some(b'-'))) else {
                return Err(WireError::Garbled(shorten(&line)));
            };
            if code.is_some_and(|c| c != this) {
                return Err(WireError::Garbled(shorten(&line)));
            }
            code = Some(this);
            lines.push(line.get(4..).unwrap_or("").to_string());
            if sep != Some(b'-') {
                return Ok(Reply { code: this, lines });
            }
        }
    }

    fn read_line(&mut self) -> Result<String, WireError> {
        loop {
            if let Some(end) = self.pending.iter().position(|&b| b == b'\n') {
                let mut line: Vec<u8> = self.pending.drain(..=end).collect();
                line.pop();
                if line.last() == Some(&b'\r') {
                    line.pop();
                }
                return Ok(String::from_utf8_lossy(&line).into_owned());
            }
            if self.pending.len() > MAX_LINE {
                return Err(WireError::Garbled("a reply line longer than 4096 bytes".into()));
            }
            let mut chunk = [0u8; 4096];
            let n = self.stream.read(&mut chunk).map_err(WireError::from_io)?;
            if n == 0 {
                return Err(WireError::Closed);
            }
            self.pending.extend_from_slice(&chunk[..n]);
        }
    }

    /// One command and its reply, in one exchange; a reply that `ok` does
    /// not accept is [`WireError::Refused`].
    pub fn command(&mut self, command: impl Display, ok: impl Fn(u16) -> bool) -> Result<Reply, WireError> {
        self.arm();
        self.write_all(command.to_string().as_bytes())?;
        let reply = self.read_reply()?;
        if ok(reply.code) {
            Ok(reply)
        } else {
            Err(WireError::Refused(reply))
        }
    }

    /// Closes the connection without a word (after an error).
    pub fn abort(mut self) {
        let _ = self.stream.sock().tcp.shutdown(std::net::Shutdown::Both);
    }
}

/// A value from the server, cut to a length that fits in an error line.
fn shorten(text: &str) -> String {
    let clean: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    crate::domain::text::cut(&clean, 80)
}

/// The message as DATA carries it: lines that begin with `.` get another
/// (RFC 5321 §4.5.2), then CRLF . CRLF.
pub fn dot_stuffed(message: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(message.len() + message.len() / 64 + 8);
    let mut line_start = true;
    for &b in message {
        if line_start && b == b'.' {
            out.push(b'.');
        }
        out.push(b);
        line_start = b == b'\n';
    }
    // As lettre ends DATA: the message's own last line break stays part of
    // the message, and the dot gets a line of its own.
    out.extend_from_slice(b"\r\n.\r\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dot_stuffing_doubles_leading_dots_and_ends_with_the_dot() {
        assert_eq!(
            dot_stuffed(b"a\r\n.b\r\n.."),
            b"a\r\n..b\r\n...\r\n.\r\n".to_vec()
        );
        assert_eq!(dot_stuffed(b".x\r\n"), b"..x\r\n\r\n.\r\n".to_vec());
    }
}
