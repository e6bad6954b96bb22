//! A throttling Lambda simulator: a loopback HTTP/1.1 server that runs at most `capacity`
//! invocations at a time, each taking `service_time` and echoing its payload, and answers
//! any request beyond that at once with `429 TooManyRequestsException`, as Lambda does
//! when a function reaches its concurrency limit (`Retry-After` seconds, the `Reason`
//! field, `x-amzn-ErrorType`).
//!
//! Connections are kept alive; nothing is recorded but counters, so memory stays flat
//! however many requests it answers.
//!
//! ```
//! use std::time::Duration;
//! use test_support::ThrottlingServer;
//!
//! let server = ThrottlingServer::start(2, Duration::from_millis(10));
//! let target = "/2015-03-31/functions/f/invocations";
//! let answer = test_support::http::send(server.addr(), "POST", target, &[], b"{}", Duration::from_secs(5));
//! assert_eq!(answer.unwrap().body, b"{}");
//! assert_eq!(server.invocations(), 1);
//! ```

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::Duration;

/// The `Reason` Lambda gives when the account's concurrency is exhausted.
pub const REASON: &str = "ConcurrentInvocationLimitExceeded";

const POLL: Duration = Duration::from_millis(50);
const MAX_HEAD: usize = 64 * 1024;
const MAX_BODY: usize = 8 * 1024 * 1024;

#[derive(Debug, Default)]
struct Counters {
    running: AtomicUsize,
    max_running: AtomicUsize,
    invocations: AtomicU64,
    throttled: AtomicU64,
    connections: AtomicU64,
}

/// The simulator; stops (and joins its threads) when dropped.
#[derive(Debug)]
pub struct ThrottlingServer {
    addr: SocketAddr,
    shutdown: Arc<AtomicBool>,
    counters: Arc<Counters>,
    accept_thread: Option<JoinHandle<()>>,
}

impl ThrottlingServer {
    /// Starts a simulator on `127.0.0.1` running at most `capacity` invocations at a time,
    /// each `service_time` long.
    pub fn start(capacity: usize, service_time: Duration) -> ThrottlingServer {
        let listener = TcpListener::bind("127.0.0.1:0")
            .unwrap_or_else(|e| panic!("throttling server: cannot bind 127.0.0.1:0: {e}"));
        let addr = listener
            .local_addr()
            .unwrap_or_else(|e| panic!("throttling server: no local address: {e}"));
        listener
            .set_nonblocking(true)
            .unwrap_or_else(|e| panic!("throttling server: cannot set non-blocking: {e}"));
        let shutdown = Arc::new(AtomicBool::new(false));
        let counters = Arc::new(Counters::default());
        let (s, c) = (Arc::clone(&shutdown), Arc::clone(&counters));
        let accept_thread = thread::Builder::new()
            .name(format!("throttle-accept-{}", addr.port()))
            .spawn(move || accept_loop(listener, s, c, capacity, service_time))
            .unwrap_or_else(|e| panic!("throttling server: cannot spawn a thread: {e}"));
        ThrottlingServer {
            addr,
            shutdown,
            counters,
            accept_thread: Some(accept_thread),
        }
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Invocations run (answered 200).
    pub fn invocations(&self) -> u64 {
        self.counters.invocations.load(Ordering::SeqCst)
    }

    /// Requests answered 429.
    pub fn throttled(&self) -> u64 {
        self.counters.throttled.load(Ordering::SeqCst)
    }

    /// The most invocations that ran at the same time.
    pub fn max_concurrent(&self) -> usize {
        self.counters.max_running.load(Ordering::SeqCst)
    }

    /// Connections accepted.
    pub fn connections(&self) -> u64 {
        self.counters.connections.load(Ordering::SeqCst)
    }
}

impl Drop for ThrottlingServer {
    fn drop(&mut self) {
        self.shutdown.store(true, Ordering::SeqCst);
        if let Some(thread) = self.accept_thread.take() {
            let _ = thread.join();
        }
    }
}

fn accept_loop(
    listener: TcpListener,
    shutdown: Arc<AtomicBool>,
    counters: Arc<Counters>,
    capacity: usize,
    service_time: Duration,
) {
    let workers: Mutex<Vec<JoinHandle<()>>> = Mutex::new(Vec::new());
    while !shutdown.load(Ordering::SeqCst) {
        match listener.accept() {
            Ok((stream, _)) => {
                counters.connections.fetch_add(1, Ordering::SeqCst);
                let (s, c) = (Arc::clone(&shutdown), Arc::clone(&counters));
                let spawned = thread::Builder::new()
                    .name("throttle-conn".into())
                    .spawn(move || serve(stream, &s, &c, capacity, service_time));
                let mut w = workers.lock().unwrap_or_else(|e| e.into_inner());
                w.retain(|h| !h.is_finished());
                if let Ok(handle) = spawned {
                    w.push(handle);
                }
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => thread::sleep(POLL / 25),
            Err(_) => thread::sleep(POLL),
        }
    }
    drop(listener);
    for worker in workers.into_inner().unwrap_or_else(|e| e.into_inner()) {
        let _ = worker.join();
    }
}

/// Reads requests off one connection and answers them until it closes or the server stops.
fn serve(
    mut stream: TcpStream,
    shutdown: &AtomicBool,
    counters: &Counters,
    capacity: usize,
    service_time: Duration,
) {
    let _ = stream.set_nonblocking(false);
    let _ = stream.set_nodelay(true);
    let _ = stream.set_read_timeout(Some(POLL));
    let mut buffer: Vec<u8> = Vec::new();
    loop {
        let Some((body, close)) = read_request(&mut stream, &mut buffer, shutdown) else {
            return;
        };
        let answer = answer(body, counters, capacity, service_time);
        if stream.write_all(&answer).is_err() || close {
            return;
        }
    }
}

fn answer(body: Vec<u8>, counters: &Counters, capacity: usize, service_time: Duration) -> Vec<u8> {
    let running = counters.running.fetch_add(1, Ordering::SeqCst) + 1;
    if running > capacity {
        counters.running.fetch_sub(1, Ordering::SeqCst);
        counters.throttled.fetch_add(1, Ordering::SeqCst);
        let json = format!(r#"{{"Reason":"{REASON}","Type":"User","message":"Rate Exceeded."}}"#);
        return response(
            "429 Too Many Requests",
            &[
                ("Retry-After", "1"),
                ("x-amzn-ErrorType", "TooManyRequestsException"),
                ("Content-Type", "application/json"),
            ],
            json.as_bytes(),
        );
    }
    counters.max_running.fetch_max(running, Ordering::SeqCst);
    thread::sleep(service_time);
    // The function has ended: its slot is free before the answer is on its way.
    counters.running.fetch_sub(1, Ordering::SeqCst);
    counters.invocations.fetch_add(1, Ordering::SeqCst);
    response(
        "200 OK",
        &[
            ("X-Amz-Executed-Version", "$LATEST"),
            ("Content-Type", "application/json"),
        ],
        &body,
    )
}

fn response(status: &str, headers: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
    let mut out = format!("HTTP/1.1 {status}\r\nContent-Length: {}\r\n", body.len());
    for (name, value) in headers {
        out.push_str(&format!("{name}: {value}\r\n"));
    }
    out.push_str("x-amzn-RequestId: 00000000-0000-0000-0000-000000000000\r\n\r\n");
    let mut out = out.into_bytes();
    out.extend_from_slice(body);
    out
}

/// The next request's body and whether the client asked to close; `None` when the
/// connection ended.
fn read_request(
    stream: &mut TcpStream,
    buffer: &mut Vec<u8>,
    shutdown: &AtomicBool,
) -> Option<(Vec<u8>, bool)> {
    let head_end = loop {
        if let Some(i) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
        if buffer.len() > MAX_HEAD || !fill(stream, buffer, shutdown) {
            return None;
        }
    };
    let head = String::from_utf8_lossy(&buffer[..head_end]).to_ascii_lowercase();
    let mut length = 0usize;
    let mut close = false;
    for line in head.split("\r\n").skip(1) {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        match name.trim() {
            "content-length" => length = value.trim().parse().ok()?,
            "connection" => close = value.trim() == "close",
            _ => {}
        }
    }
    if length > MAX_BODY {
        return None;
    }
    let start = head_end + 4;
    while buffer.len() < start + length {
        if !fill(stream, buffer, shutdown) {
            return None;
        }
    }
    let body = buffer[start..start + length].to_vec();
    buffer.drain(..start + length);
    Some((body, close))
}

fn fill(stream: &mut TcpStream, buffer: &mut Vec<u8>, shutdown: &AtomicBool) -> bool {
    let mut chunk = [0u8; 16 * 1024];
    loop {
        if shutdown.load(Ordering::SeqCst) {
            return false;
        }
        match stream.read(&mut chunk) {
            Ok(0) => return false,
            Ok(n) => {
                buffer.extend_from_slice(&chunk[..n]);
                return true;
            }
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock
                        | io::ErrorKind::TimedOut
                        | io::ErrorKind::Interrupted
                ) => {}
            Err(_) => return false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn throttles_beyond_capacity_as_lambda_does() {
        let server = ThrottlingServer::start(2, Duration::from_millis(300));
        let addr = server.addr();
        let threads: Vec<_> = (0..3)
            .map(|i| {
                thread::spawn(move || {
                    thread::sleep(Duration::from_millis(50 * i));
                    let body = format!("{{\"n\":{i}}}");
                    let target = "/2015-03-31/functions/f/invocations";
                    crate::http::send(
                        addr,
                        "POST",
                        target,
                        &[],
                        body.as_bytes(),
                        Duration::from_secs(5),
                    )
                    .unwrap()
                })
            })
            .collect();
        let answers: Vec<_> = threads.into_iter().map(|h| h.join().unwrap()).collect();
        assert_eq!(answers[0].status, 200);
        assert_eq!(answers[0].text(), r#"{"n":0}"#);
        assert_eq!(answers[1].text(), r#"{"n":1}"#);
        let third = &answers[2];
        assert_eq!(third.status, 429);
        assert_eq!(third.header("retry-after"), Some("1"));
        assert_eq!(
            third.header("x-amzn-errortype"),
            Some("TooManyRequestsException")
        );
        let json: serde_json::Value = serde_json::from_slice(&third.body).unwrap();
        assert_eq!(json["Reason"], "ConcurrentInvocationLimitExceeded");
        assert_eq!((server.invocations(), server.throttled()), (2, 1));
        assert_eq!(server.max_concurrent(), 2);
        // The slots are free again once the invocations ended.
        let again =
            crate::http::send(addr, "POST", "/x", &[], b"1", Duration::from_secs(5)).unwrap();
        assert_eq!(again.status, 200);
    }
}
