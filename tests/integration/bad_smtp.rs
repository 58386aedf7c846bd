//! SMTP servers that misbehave, on raw loopback sockets: the cases of the
//! reliability report (F1, F5) that no well-behaved server produces. Each
//! speaks just enough SMTP for dun to reach the point where it goes wrong,
//! and keeps every message whose final dot it read.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How the server goes wrong.
#[derive(Debug, Clone, Copy)]
pub enum Behaviour {
    /// Reads the whole message, then closes the connection before its 250.
    AcceptThenClose,
    /// Reads the whole message and answers 250 only after this long.
    LateAccept(Duration),
    /// Answers DATA with 354, reads the message, then says nothing at all.
    SilentAfterData,
    /// Closes the connection instead of answering DATA: the message never
    /// starts. (Closing halfway through a message is, seen from dun, the same
    /// as closing after it: the message was written, the answer never came.)
    CloseAtData,
    /// Sends its greeting one byte at a time, one every `Duration`, and
    /// never finishes it.
    Trickle(Duration),
}

pub struct BadServer {
    pub port: u16,
    messages: Arc<Mutex<Vec<String>>>,
    connections: Arc<Mutex<usize>>,
}

impl BadServer {
    pub fn start(behaviour: Behaviour) -> BadServer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let messages = Arc::new(Mutex::new(Vec::new()));
        let connections = Arc::new(Mutex::new(0));
        let (m, c) = (messages.clone(), connections.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                *c.lock().unwrap() += 1;
                let m = m.clone();
                std::thread::spawn(move || {
                    let _ = serve(stream, behaviour, &m);
                });
            }
        });
        BadServer {
            port,
            messages,
            connections,
        }
    }

    /// The messages whose final dot arrived, as text.
    pub fn messages(&self) -> Vec<String> {
        self.messages.lock().unwrap().clone()
    }

    pub fn connections(&self) -> usize {
        *self.connections.lock().unwrap()
    }

    /// An `[smtp]` section for this server with the given timeout.
    pub fn smtp_section(&self, timeout_secs: u64) -> String {
        format!(
            "[smtp]\nhost = \"127.0.0.1\"\nport = {}\nsecurity = \"none\"\ntimeout_secs = {timeout_secs}\n",
            self.port
        )
    }
}

fn serve(stream: TcpStream, behaviour: Behaviour, messages: &Mutex<Vec<String>>) -> std::io::Result<()> {
    let mut out = stream.try_clone()?;
    if let Behaviour::Trickle(every) = behaviour {
        out.write_all(b"2")?;
        loop {
            std::thread::sleep(every);
            out.write_all(b"2")?;
        }
    }
    let mut input = BufReader::new(stream);
    out.write_all(b"220 bad.test ESMTP\r\n")?;
    let mut line = String::new();
    loop {
        line.clear();
        if input.read_line(&mut line)? == 0 {
            return Ok(());
        }
        let verb = line.get(..4).unwrap_or("").to_ascii_uppercase();
        match verb.as_str() {
            "EHLO" | "HELO" => out.write_all(b"250-bad.test\r\n250 8BITMIME\r\n")?,
            "MAIL" | "RCPT" | "RSET" | "NOOP" => out.write_all(b"250 ok\r\n")?,
            "QUIT" => {
                out.write_all(b"221 bye\r\n")?;
                return Ok(());
            }
            "DATA" => {
                if matches!(behaviour, Behaviour::CloseAtData) {
                    return Ok(());
                }
                out.write_all(b"354 go ahead\r\n")?;
                let mut message = String::new();
                loop {
                    line.clear();
                    if input.read_line(&mut line)? == 0 {
                        return Ok(());
                    }
                    if line == ".\r\n" {
                        break;
                    }
                    message.push_str(&line);
                }
                messages.lock().unwrap().push(message);
                match behaviour {
                    Behaviour::AcceptThenClose => return Ok(()),
                    Behaviour::LateAccept(after) => {
                        std::thread::sleep(after);
                        out.write_all(b"250 2.0.0 queued\r\n")?;
                    }
                    Behaviour::SilentAfterData => {
                        // Hold the connection open and never answer.
                        let mut sink = Vec::new();
                        let _ = std::io::Read::read_to_end(&mut input, &mut sink);
                        return Ok(());
                    }
                    _ => out.write_all(b"250 ok\r\n")?,
                }
            }
            _ => out.write_all(b"502 unknown command\r\n")?,
        }
    }
}
