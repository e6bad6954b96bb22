//! A scriptable HTTP/1.1 server on `127.0.0.1` for fault and paging tests.
//!
//! The server answers each request with the next [`Step`] of its script; once the script
//! is used up it asks the handler given at start (if any), otherwise it answers 500 with
//! the error type `LoopbackScriptExhausted`. Every request is recorded before it is
//! answered, so after a client call returns, [`LoopbackServer::requests`] holds it.
//!
//! Connections are kept alive (several requests on one connection) unless the request or
//! the response says `Connection: close`, the request is HTTP/1.0, or the step closes the
//! connection. Each connection is served by its own thread; all of them and the accept
//! thread are stopped and joined when the server is dropped.

use std::collections::VecDeque;
use std::fmt;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use crate::http::{find, find_header};

/// How often blocked reads, writes, sleeps and the accept loop look at the shutdown flag.
const POLL: Duration = Duration::from_millis(10);
/// Longest request head accepted.
const MAX_HEAD: usize = 1024 * 1024;
/// Largest request body accepted.
const MAX_BODY: usize = 64 * 1024 * 1024;

/// A response the loopback server sends.
///
/// `Content-Length` is added from the body unless the headers already have one (so a
/// test can send a wrong length on purpose).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Response {
    /// Status code.
    pub status: u16,
    /// Header fields, sent in this order.
    pub headers: Vec<(String, String)>,
    /// Body bytes.
    pub body: Vec<u8>,
}

impl Response {
    /// A response with `status`, no headers and an empty body.
    pub fn new(status: u16) -> Self {
        Response {
            status,
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    /// A response with `status`, `Content-Type: application/json` and `body`.
    pub fn json(status: u16, body: impl Into<String>) -> Self {
        Response::new(status)
            .header("Content-Type", "application/json")
            .body(body.into())
    }

    /// Adds a header field.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Replaces the body.
    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = body.into();
        self
    }

    /// The bytes sent on the wire for this response; `head_only` leaves out the body
    /// (answers to `HEAD`).
    pub fn to_bytes(&self, head_only: bool) -> Vec<u8> {
        let mut head = format!("HTTP/1.1 {} {}\r\n", self.status, reason(self.status));
        for (name, value) in &self.headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        let bodyless = self.status < 200 || self.status == 204 || self.status == 304;
        // A chunked body (written by the caller) carries no length.
        let sized = find_header(&self.headers, "content-length").is_some()
            || find_header(&self.headers, "transfer-encoding").is_some();
        if !bodyless && !sized {
            head.push_str(&format!("Content-Length: {}\r\n", self.body.len()));
        }
        head.push_str("\r\n");
        let mut out = head.into_bytes();
        if !head_only && !bodyless {
            out.extend_from_slice(&self.body);
        }
        out
    }

    fn closes(&self) -> bool {
        find_header(&self.headers, "connection").is_some_and(|v| v.eq_ignore_ascii_case("close"))
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "No Content",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        409 => "Conflict",
        413 => "Payload Too Large",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Status",
    }
}

/// What the server does with one request.
#[derive(Clone, Debug)]
pub enum Step {
    /// Answers with the response.
    Respond(Response),
    /// Waits, then answers.
    Delay(Duration, Response),
    /// Sends the response in pieces of `chunk_size` bytes (head included), pausing
    /// `pause` before each piece.
    RespondSlowly {
        /// The response to send.
        response: Response,
        /// Bytes per piece (at least 1).
        chunk_size: usize,
        /// Pause before each piece.
        pause: Duration,
    },
    /// Sends only the first `bytes` bytes of the response, then closes the connection.
    Truncate {
        /// The response to cut.
        response: Response,
        /// How many bytes of it are sent.
        bytes: usize,
    },
    /// Sends the first `bytes` bytes of the response (head included), waits `pause`, then
    /// sends the rest.
    Pause {
        /// The response to send.
        response: Response,
        /// How many bytes go before the pause.
        bytes: usize,
        /// The pause.
        pause: Duration,
    },
    /// Sends nothing for the given time, then closes the connection.
    Stall(Duration),
    /// Closes the connection without answering.
    Reset,
}

impl Step {
    /// Shorthand for `Step::Respond` with the given status, headers and body.
    pub fn respond(status: u16, headers: &[(&str, &str)], body: impl Into<Vec<u8>>) -> Step {
        let mut response = Response::new(status).body(body);
        for (name, value) in headers {
            response = response.header(*name, *value);
        }
        Step::Respond(response)
    }

    /// Three 200 answers for a client whose body limit is `limit`: a 6 MiB body (the
    /// largest synchronous Invoke answer), one of exactly `limit` bytes, and one a byte
    /// over. Returns the 6 MiB body too, to compare with.
    pub fn body_limit_script(limit: usize) -> (Vec<u8>, Vec<Step>) {
        let digits = |len: usize| -> Vec<u8> { (0..len).map(|i| b"0123456789"[i % 10]).collect() };
        let six_mb = digits(6 * 1024 * 1024);
        let steps = vec![
            Step::respond(200, &[], six_mb.clone()),
            Step::respond(200, &[], digits(limit)),
            Step::respond(200, &[], digits(limit + 1)),
        ];
        (six_mb, steps)
    }

    /// Shorthand for `Step::Respond(Response::json(status, body))`.
    pub fn json(status: u16, body: impl Into<String>) -> Step {
        Step::Respond(Response::json(status, body))
    }
}

impl From<Response> for Step {
    fn from(response: Response) -> Step {
        Step::Respond(response)
    }
}

/// A request as the loopback server received it.
#[derive(Clone, PartialEq, Eq)]
pub struct RecordedRequest {
    /// Method, e.g. `GET`.
    pub method: String,
    /// Request target: path and query as sent, e.g. `/2015-03-31/functions/?Marker=x`.
    pub target: String,
    /// Header fields in the order received (names as sent).
    pub headers: Vec<(String, String)>,
    /// The body (`Content-Length` bytes).
    pub body: Vec<u8>,
    /// Index of the connection it came on (0 for the first connection accepted).
    pub connection: usize,
}

impl RecordedRequest {
    /// The path part of the target (before `?`).
    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or_default()
    }

    /// The query part of the target (after `?`), if any.
    pub fn query(&self) -> Option<&str> {
        self.target.split_once('?').map(|(_, q)| q)
    }

    /// The raw (still percent-encoded) value of query parameter `name`, if present.
    pub fn query_param(&self, name: &str) -> Option<&str> {
        self.query()?.split('&').find_map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (k == name).then_some(v)
        })
    }

    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        find_header(&self.headers, name)
    }

    /// The body as text (invalid UTF-8 replaced).
    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

impl fmt::Debug for RecordedRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RecordedRequest")
            .field("method", &self.method)
            .field("target", &self.target)
            .field("headers", &self.headers)
            .field("body", &self.body_text())
            .field("connection", &self.connection)
            .finish()
    }
}

type Handler = Box<dyn Fn(&RecordedRequest) -> Step + Send + Sync>;

struct Shared {
    shutdown: AtomicBool,
    script: Mutex<VecDeque<Step>>,
    handler: Option<Handler>,
    requests: Mutex<Vec<RecordedRequest>>,
    connections: AtomicUsize,
    bytes_sent: AtomicUsize,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A scriptable HTTP/1.1 server on `127.0.0.1` (a free port), running in background
/// threads until dropped.
///
/// ```
/// use test_support::{LoopbackServer, Step};
/// use std::time::Duration;
///
/// let server = LoopbackServer::start(vec![
///     Step::Stall(Duration::from_millis(50)),
///     Step::json(200, r#"{"Functions":[]}"#),
/// ]);
/// let base = server.url(); // http://127.0.0.1:PORT
/// # let _ = base;
/// // ... point a client at `base`, then:
/// assert_eq!(server.requests().len(), 0);
/// ```
pub struct LoopbackServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    accept_thread: Option<JoinHandle<()>>,
}

impl LoopbackServer {
    /// Starts a server that answers requests with `script`, one step per request in order.
    pub fn start(script: Vec<Step>) -> LoopbackServer {
        Self::spawn(script, None)
    }

    /// Starts a server that answers every request with `handler`'s response.
    pub fn with_handler<F>(handler: F) -> LoopbackServer
    where
        F: Fn(&RecordedRequest) -> Response + Send + Sync + 'static,
    {
        Self::spawn(
            Vec::new(),
            Some(Box::new(move |r: &RecordedRequest| {
                Step::Respond(handler(r))
            })),
        )
    }

    /// Starts a server that answers every request with the step `handler` returns.
    pub fn with_step_handler<F>(handler: F) -> LoopbackServer
    where
        F: Fn(&RecordedRequest) -> Step + Send + Sync + 'static,
    {
        Self::spawn(Vec::new(), Some(Box::new(handler)))
    }

    /// Starts a server that answers with `script` first, then with `handler`.
    pub fn start_then<F>(script: Vec<Step>, handler: F) -> LoopbackServer
    where
        F: Fn(&RecordedRequest) -> Step + Send + Sync + 'static,
    {
        Self::spawn(script, Some(Box::new(handler)))
    }

    fn spawn(script: Vec<Step>, handler: Option<Handler>) -> LoopbackServer {
        let listener = TcpListener::bind("127.0.0.1:0")
            .unwrap_or_else(|e| panic!("loopback server: cannot bind 127.0.0.1:0: {e}"));
        let addr = listener
            .local_addr()
            .unwrap_or_else(|e| panic!("loopback server: no local address: {e}"));
        listener
            .set_nonblocking(true)
            .unwrap_or_else(|e| panic!("loopback server: cannot set non-blocking: {e}"));
        let shared = Arc::new(Shared {
            shutdown: AtomicBool::new(false),
            script: Mutex::new(script.into()),
            handler,
            requests: Mutex::new(Vec::new()),
            connections: AtomicUsize::new(0),
            bytes_sent: AtomicUsize::new(0),
        });
        let thread_shared = Arc::clone(&shared);
        let accept_thread = thread::Builder::new()
            .name(format!("loopback-accept-{}", addr.port()))
            .spawn(move || accept_loop(listener, thread_shared))
            .unwrap_or_else(|e| panic!("loopback server: cannot spawn a thread: {e}"));
        LoopbackServer {
            addr,
            shared,
            accept_thread: Some(accept_thread),
        }
    }

    /// An AWS SSO portal answering `GET /federation/credentials` for the bearer token
    /// `access_token` with role credentials `key_id` expiring at `expiry_ms` (Unix
    /// milliseconds); 401 for any other token or path.
    pub fn sso_portal(access_token: &str, key_id: &str, expiry_ms: i64) -> LoopbackServer {
        let (token, key) = (access_token.to_string(), key_id.to_string());
        Self::with_handler(move |r| {
            if r.path() != "/federation/credentials"
                || r.header("x-amz-sso_bearer_token") != Some(token.as_str())
            {
                return Response::json(401, r#"{"message": "Session token not found or invalid"}"#);
            }
            Response::json(
                200,
                format!(
                    r#"{{"roleCredentials": {{"accessKeyId": "{key}", "secretAccessKey": "s",
                        "sessionToken": "sso-session", "expiration": {expiry_ms}}}}}"#
                ),
            )
        })
    }

    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The base URL, `http://127.0.0.1:PORT` (no trailing slash).
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Every request received so far, in the order they were read.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.shared.requests).clone()
    }

    /// How many requests were received so far.
    pub fn request_count(&self) -> usize {
        lock(&self.shared.requests).len()
    }

    /// How many connections were accepted so far.
    pub fn connection_count(&self) -> usize {
        self.shared.connections.load(Ordering::SeqCst)
    }

    /// How many bytes of responses were written to the connections so far (accepted by
    /// the kernel: a client that stops reading stops this count once the socket buffers
    /// are full).
    pub fn bytes_sent(&self) -> usize {
        self.shared.bytes_sent.load(Ordering::SeqCst)
    }

    /// How many scripted steps are still unused.
    pub fn remaining_steps(&self) -> usize {
        lock(&self.shared.script).len()
    }

    /// Appends steps to the script.
    pub fn push_steps(&self, steps: impl IntoIterator<Item = Step>) {
        lock(&self.shared.script).extend(steps);
    }
}

impl fmt::Debug for LoopbackServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoopbackServer")
            .field("addr", &self.addr)
            .field("requests", &self.request_count())
            .field("connections", &self.connection_count())
            .finish()
    }
}

impl Drop for LoopbackServer {
    fn drop(&mut self) {
        self.shared.shutdown.store(true, Ordering::SeqCst);
        if let Some(thread) = self.accept_thread.take() {
            // The accept thread joins the connection threads before it ends.
            let _ = thread.join();
        }
    }
}

fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    let mut workers: Vec<JoinHandle<()>> = Vec::new();
    while !shared.shutdown.load(Ordering::SeqCst) {
        match listener.accept() {
            Ok((stream, _)) => {
                let index = shared.connections.fetch_add(1, Ordering::SeqCst);
                let conn_shared = Arc::clone(&shared);
                let spawned = thread::Builder::new()
                    .name(format!("loopback-conn-{index}"))
                    .spawn(move || serve_connection(stream, index, &conn_shared));
                if let Ok(handle) = spawned {
                    workers.push(handle);
                }
                workers.retain(|w| !w.is_finished());
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => thread::sleep(POLL / 5),
            Err(_) => thread::sleep(POLL),
        }
    }
    drop(listener);
    for worker in workers {
        let _ = worker.join();
    }
}

/// A connection whose blocking operations give up when the server shuts down.
struct Conn<'a> {
    stream: TcpStream,
    buffer: Vec<u8>,
    shared: &'a Shared,
}

/// Why no request could be read.
enum ReadEnd {
    /// The peer closed the connection, an IO error happened or the server shuts down.
    Closed,
    /// The request is malformed or unsupported: answer with this status and close.
    Bad(u16, &'static str),
}

impl Conn<'_> {
    fn stopping(&self) -> bool {
        self.shared.shutdown.load(Ordering::SeqCst)
    }

    /// Reads more bytes into the buffer; false when the connection ended.
    fn fill(&mut self) -> bool {
        let mut chunk = [0u8; 16 * 1024];
        loop {
            if self.stopping() {
                return false;
            }
            match self.stream.read(&mut chunk) {
                Ok(0) => return false,
                Ok(n) => {
                    self.buffer.extend_from_slice(&chunk[..n]);
                    return true;
                }
                Err(e) if is_timeout(&e) || e.kind() == io::ErrorKind::Interrupted => {}
                Err(_) => return false,
            }
        }
    }

    fn read_request(&mut self, connection: usize) -> Result<(RecordedRequest, bool), ReadEnd> {
        let head_end = loop {
            if let Some(i) = find(&self.buffer, b"\r\n\r\n") {
                break i;
            }
            if self.buffer.len() > MAX_HEAD {
                return Err(ReadEnd::Bad(431, "request head too large"));
            }
            if !self.fill() {
                return Err(ReadEnd::Closed);
            }
        };
        let head = String::from_utf8_lossy(&self.buffer[..head_end]).into_owned();
        let mut lines = head.split("\r\n");
        let request_line = lines.next().unwrap_or_default();
        let mut parts = request_line.split(' ');
        let (Some(method), Some(target), Some(version), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(ReadEnd::Bad(400, "bad request line"));
        };
        if !version.starts_with("HTTP/1.") {
            return Err(ReadEnd::Bad(505, "only HTTP/1.x"));
        }
        let mut headers = Vec::new();
        for line in lines {
            let Some((name, value)) = line.split_once(':') else {
                return Err(ReadEnd::Bad(400, "bad header line"));
            };
            headers.push((name.trim().to_owned(), value.trim().to_owned()));
        }
        if find_header(&headers, "transfer-encoding").is_some() {
            return Err(ReadEnd::Bad(
                501,
                "chunked request bodies are not supported",
            ));
        }
        let length = match find_header(&headers, "content-length") {
            None => 0,
            Some(v) => match v.parse::<usize>() {
                Ok(n) if n <= MAX_BODY => n,
                _ => return Err(ReadEnd::Bad(400, "bad or too large Content-Length")),
            },
        };
        let body_start = head_end + 4;
        while self.buffer.len() < body_start + length {
            if !self.fill() {
                return Err(ReadEnd::Closed);
            }
        }
        let body = self.buffer[body_start..body_start + length].to_vec();
        self.buffer.drain(..body_start + length);
        let request = RecordedRequest {
            method: method.to_owned(),
            target: target.to_owned(),
            headers,
            body,
            connection,
        };
        Ok((request, version == "HTTP/1.0"))
    }

    /// Writes all of `data`; false when the connection failed or the server shuts down.
    fn write_all(&mut self, mut data: &[u8]) -> bool {
        while !data.is_empty() {
            if self.stopping() {
                return false;
            }
            match self.stream.write(data) {
                Ok(0) => return false,
                Ok(n) => {
                    self.shared.bytes_sent.fetch_add(n, Ordering::SeqCst);
                    data = &data[n..];
                }
                Err(e) if is_timeout(&e) || e.kind() == io::ErrorKind::Interrupted => {}
                Err(_) => return false,
            }
        }
        self.stream.flush().is_ok()
    }

    /// Sleeps for `duration`; false when the server shuts down meanwhile.
    fn sleep(&self, duration: Duration) -> bool {
        let deadline = Instant::now() + duration;
        loop {
            if self.stopping() {
                return false;
            }
            let now = Instant::now();
            if now >= deadline {
                return true;
            }
            thread::sleep(POLL.min(deadline - now));
        }
    }
}

fn is_timeout(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}

fn serve_connection(stream: TcpStream, index: usize, shared: &Shared) {
    // Accepted sockets may inherit the listener's non-blocking mode on some platforms.
    if stream.set_nonblocking(false).is_err()
        || stream.set_read_timeout(Some(POLL)).is_err()
        || stream.set_write_timeout(Some(POLL)).is_err()
    {
        return;
    }
    let _ = stream.set_nodelay(true);
    let mut conn = Conn {
        stream,
        buffer: Vec::new(),
        shared,
    };
    loop {
        let (request, http10) = match conn.read_request(index) {
            Ok(read) => read,
            Err(ReadEnd::Closed) => return,
            Err(ReadEnd::Bad(status, message)) => {
                let answer = Response::new(status)
                    .header("Connection", "close")
                    .body(message);
                conn.write_all(&answer.to_bytes(false));
                return;
            }
        };
        lock(&shared.requests).push(request.clone());
        let step = next_step(shared, &request);
        if !run_step(&mut conn, &request, step) || http10 {
            return;
        }
    }
}

fn next_step(shared: &Shared, request: &RecordedRequest) -> Step {
    if let Some(step) = lock(&shared.script).pop_front() {
        return step;
    }
    match &shared.handler {
        Some(handler) => match catch_unwind(AssertUnwindSafe(|| handler(request))) {
            Ok(step) => step,
            Err(panic) => {
                let message = panic
                    .downcast_ref::<&str>()
                    .map(|s| (*s).to_owned())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_default();
                Step::Respond(
                    Response::new(500)
                        .header("x-amzn-ErrorType", "LoopbackHandlerPanicked")
                        .body(format!("loopback handler panicked: {message}")),
                )
            }
        },
        None => Step::Respond(
            Response::json(
                500,
                r#"{"message":"the loopback server's script is used up"}"#,
            )
            .header("x-amzn-ErrorType", "LoopbackScriptExhausted"),
        ),
    }
}

/// Runs one step; true when the connection stays open for another request.
fn run_step(conn: &mut Conn<'_>, request: &RecordedRequest, step: Step) -> bool {
    let head_only = request.method.eq_ignore_ascii_case("HEAD");
    let client_closes = request
        .header("connection")
        .is_some_and(|v| v.eq_ignore_ascii_case("close"));
    let keep = |response: &Response| !client_closes && !response.closes();
    match step {
        Step::Respond(response) => conn.write_all(&response.to_bytes(head_only)) && keep(&response),
        Step::Delay(pause, response) => {
            conn.sleep(pause) && conn.write_all(&response.to_bytes(head_only)) && keep(&response)
        }
        Step::RespondSlowly {
            response,
            chunk_size,
            pause,
        } => {
            let bytes = response.to_bytes(head_only);
            for piece in bytes.chunks(chunk_size.max(1)) {
                if !(conn.sleep(pause) && conn.write_all(piece)) {
                    return false;
                }
            }
            keep(&response)
        }
        Step::Pause {
            response,
            bytes,
            pause,
        } => {
            let all = response.to_bytes(head_only);
            let (before, after) = all.split_at(bytes.min(all.len()));
            conn.write_all(before) && conn.sleep(pause) && conn.write_all(after) && keep(&response)
        }
        Step::Truncate { response, bytes } => {
            let all = response.to_bytes(head_only);
            conn.write_all(&all[..bytes.min(all.len())]);
            false
        }
        Step::Stall(pause) => {
            conn.sleep(pause);
            false
        }
        Step::Reset => false,
    }
}

/// A loopback listener that never accepts, its queue filled up: a new connection to it
/// hangs in the TCP handshake, as one to a host that drops packets does. For connect
/// timeout tests; closed when dropped.
pub struct HangingListener {
    listener: TcpListener,
    _queued: Vec<TcpStream>,
}

impl HangingListener {
    /// Binds `127.0.0.1` on a free port and fills the listener's accept queue.
    pub fn start() -> HangingListener {
        let listener = TcpListener::bind("127.0.0.1:0")
            .unwrap_or_else(|e| panic!("hanging listener: cannot bind 127.0.0.1:0: {e}"));
        let addr = listener
            .local_addr()
            .unwrap_or_else(|e| panic!("hanging listener: no local address: {e}"));
        let mut queued = Vec::new();
        // Until one connection does not complete: the queue is full from then on.
        while queued.len() < 4096 {
            match TcpStream::connect_timeout(&addr, Duration::from_millis(100)) {
                Ok(stream) => queued.push(stream),
                Err(_) => break,
            }
        }
        assert!(
            queued.len() < 4096,
            "hanging listener: the accept queue did not fill up"
        );
        HangingListener {
            listener,
            _queued: queued,
        }
    }

    /// The base URL, `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        let addr = self.listener.local_addr().map(|a| a.to_string());
        format!("http://{}", addr.unwrap_or_default())
    }
}

impl fmt::Debug for HangingListener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HangingListener").finish_non_exhaustive()
    }
}
