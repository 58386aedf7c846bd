//! A counting SMTP sink for the send benchmark (`benches/send.sh`,
//! SPEC.md §8): a real SMTP server (mailin-embedded) on 127.0.0.1 that
//! accepts every message and keeps nothing but the count.
//!
//! ```text
//! cargo run --release --example smtp_sink -- PORT [N]
//! ```
//!
//! PORT 0 picks a free port. The first line on stdout is `port P`; the last
//! is `received C messages over K connection(s) in S s` (S: from the first
//! message's MAIL FROM to the last one's final dot), printed when N messages
//! have arrived or on SIGTERM or SIGINT, after which the sink exits.

use std::net::{IpAddr, TcpListener};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use mailin_embedded::{Handler, Response, Server, response};

static STOP: AtomicBool = AtomicBool::new(false);

extern "C" fn on_signal(_: i32) {
    STOP.store(true, Ordering::SeqCst);
}

unsafe extern "C" {
    /// libc's `signal(2)`; std links libc on every Unix.
    fn signal(signum: i32, handler: extern "C" fn(i32)) -> usize;
}

const SIGINT: i32 = 2;
const SIGTERM: i32 = 15;

#[derive(Default)]
struct Counts {
    messages: AtomicUsize,
    connections: AtomicUsize,
    first: Mutex<Option<Instant>>,
    last: Mutex<Option<Instant>>,
}

#[derive(Clone)]
struct Count(Arc<Counts>);

impl Handler for Count {
    fn helo(&mut self, _ip: IpAddr, _domain: &str) -> Response {
        self.0.connections.fetch_add(1, Ordering::SeqCst);
        response::OK
    }

    fn mail(&mut self, _ip: IpAddr, _domain: &str, _from: &str) -> Response {
        self.0.first.lock().unwrap().get_or_insert_with(Instant::now);
        response::OK
    }

    fn data_end(&mut self) -> Response {
        *self.0.last.lock().unwrap() = Some(Instant::now());
        self.0.messages.fetch_add(1, Ordering::SeqCst);
        response::OK
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let usage = "usage: smtp_sink PORT [N]";
    let port: u16 = args.next().and_then(|p| p.parse().ok()).expect(usage);
    let limit: usize = args.next().map_or(0, |n| n.parse().expect(usage));

    // SAFETY: the handler only stores to an atomic, which is async-signal-safe.
    unsafe {
        signal(SIGTERM, on_signal);
        signal(SIGINT, on_signal);
    }

    let listener = TcpListener::bind(("127.0.0.1", port)).expect("the port is free");
    println!("port {}", listener.local_addr().unwrap().port());
    let counts = Arc::new(Counts::default());
    let mut server = Server::new(Count(counts.clone()));
    server.with_name("sink.test").with_tcp_listener(listener);
    std::thread::spawn(move || {
        if let Err(e) = server.serve() {
            eprintln!("smtp_sink: {e}");
            std::process::exit(1);
        }
    });

    loop {
        let n = counts.messages.load(Ordering::SeqCst);
        if STOP.load(Ordering::SeqCst) || (limit > 0 && n >= limit) {
            let first = *counts.first.lock().unwrap();
            let last = *counts.last.lock().unwrap();
            let secs = match (first, last) {
                (Some(f), Some(l)) => l.duration_since(f).as_secs_f64(),
                _ => 0.0,
            };
            let connections = counts.connections.load(Ordering::SeqCst);
            println!("received {n} messages over {connections} connection(s) in {secs:.3} s");
            std::process::exit(0);
        }
        std::thread::sleep(Duration::from_millis(2));
    }
}
