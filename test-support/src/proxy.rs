//! A loopback forward HTTP proxy: `CONNECT` tunnels and absolute-form requests, each
//! recorded with its `Proxy-Authorization`.

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::Duration;

const POLL: Duration = Duration::from_millis(20);
const MAX_HEAD: usize = 64 * 1024;

/// One request the proxy received.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProxiedRequest {
    /// The request line, e.g. `CONNECT localhost:443 HTTP/1.1` or
    /// `GET http://127.0.0.1:5000/path HTTP/1.1`.
    pub line: String,
    /// The `Proxy-Authorization` header, if sent.
    pub proxy_authorization: Option<String>,
}

#[derive(Default)]
struct Shared {
    shutdown: AtomicBool,
    requests: Mutex<Vec<ProxiedRequest>>,
}

/// A forward HTTP proxy on `127.0.0.1`: tunnels `CONNECT host:port` (bytes both ways) and
/// forwards absolute-form requests (`GET http://host:port/path`) to the origin, relaying
/// the answer (then closing the connection). With [`HttpProxy::with_credentials`] a request
/// without the right `Proxy-Authorization: Basic` gets `407`. Stopped when dropped.
///
/// ```
/// use std::io::{Read, Write};
///
/// let proxy = test_support::HttpProxy::start();
/// let mut tcp = std::net::TcpStream::connect(proxy.addr()).unwrap();
/// tcp.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
/// let mut answer = String::new();
/// tcp.read_to_string(&mut answer).unwrap();
/// assert!(answer.starts_with("HTTP/1.1 400"), "origin-form is not a proxy request");
/// assert_eq!(proxy.requests()[0].line, "GET / HTTP/1.1");
/// ```
pub struct HttpProxy {
    addr: SocketAddr,
    shared: Arc<Shared>,
    accept_thread: Option<JoinHandle<()>>,
}

impl HttpProxy {
    /// Starts a proxy that asks for no credentials.
    pub fn start() -> HttpProxy {
        Self::spawn(None)
    }

    /// Starts a proxy that answers `407` unless `Proxy-Authorization` is
    /// `Basic base64(user:password)`.
    pub fn with_credentials(user: &str, password: &str) -> HttpProxy {
        Self::spawn(Some(format!(
            "Basic {}",
            base64_encode(format!("{user}:{password}").as_bytes())
        )))
    }

    fn spawn(expected_auth: Option<String>) -> HttpProxy {
        let listener = TcpListener::bind("127.0.0.1:0")
            .unwrap_or_else(|e| panic!("HTTP proxy: cannot bind 127.0.0.1:0: {e}"));
        let addr = listener
            .local_addr()
            .unwrap_or_else(|e| panic!("HTTP proxy: no local address: {e}"));
        listener
            .set_nonblocking(true)
            .unwrap_or_else(|e| panic!("HTTP proxy: cannot set non-blocking: {e}"));
        let shared = Arc::new(Shared::default());
        let thread_shared = Arc::clone(&shared);
        let accept_thread = thread::Builder::new()
            .name(format!("http-proxy-{}", addr.port()))
            .spawn(move || accept_loop(listener, expected_auth, thread_shared))
            .unwrap_or_else(|e| panic!("HTTP proxy: cannot spawn a thread: {e}"));
        HttpProxy {
            addr,
            shared,
            accept_thread: Some(accept_thread),
        }
    }

    /// The address the proxy listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The proxy URL, `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The requests received so far, in order.
    pub fn requests(&self) -> Vec<ProxiedRequest> {
        self.shared
            .requests
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

impl Drop for HttpProxy {
    fn drop(&mut self) {
        self.shared.shutdown.store(true, Ordering::SeqCst);
        if let Some(t) = self.accept_thread.take() {
            let _ = t.join();
        }
    }
}

fn accept_loop(listener: TcpListener, expected_auth: Option<String>, shared: Arc<Shared>) {
    let mut workers = Vec::new();
    while !shared.shutdown.load(Ordering::SeqCst) {
        match listener.accept() {
            Ok((tcp, _)) => {
                let shared = Arc::clone(&shared);
                let expected = expected_auth.clone();
                workers.push(thread::spawn(move || {
                    let _ = serve(tcp, expected.as_deref(), &shared);
                }));
            }
            Err(_) => thread::sleep(POLL),
        }
    }
    for w in workers {
        let _ = w.join();
    }
}

/// Reads from `stream`, waking up to check for shutdown; `Ok(0)` is the end.
fn read_some(stream: &mut TcpStream, buf: &mut [u8], shared: &Shared) -> io::Result<usize> {
    loop {
        if shared.shutdown.load(Ordering::SeqCst) {
            return Err(io::ErrorKind::Interrupted.into());
        }
        match stream.read(buf) {
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) => {}
            other => return other,
        }
    }
}

/// A request or response head: its lines, and the bytes read after it.
struct Head {
    lines: Vec<String>,
    rest: Vec<u8>,
}

impl Head {
    fn header(&self, name: &str) -> Option<&str> {
        self.lines[1..].iter().find_map(|line| {
            let (k, v) = line.split_once(':')?;
            k.trim().eq_ignore_ascii_case(name).then(|| v.trim())
        })
    }
}

fn read_head(stream: &mut TcpStream, shared: &Shared) -> io::Result<Option<Head>> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let text = String::from_utf8_lossy(&buf[..end]).into_owned();
            return Ok(Some(Head {
                lines: text.split("\r\n").map(str::to_string).collect(),
                rest: buf[end + 4..].to_vec(),
            }));
        }
        if buf.len() > MAX_HEAD {
            return Err(io::ErrorKind::InvalidData.into());
        }
        match read_some(stream, &mut chunk, shared)? {
            0 if buf.is_empty() => return Ok(None),
            0 => return Err(io::ErrorKind::UnexpectedEof.into()),
            n => buf.extend_from_slice(&chunk[..n]),
        }
    }
}

fn answer(client: &mut TcpStream, status: &str, extra: &str) -> io::Result<()> {
    write!(
        client,
        "HTTP/1.1 {status}\r\n{extra}Content-Length: 0\r\nConnection: close\r\n\r\n"
    )
}

fn serve(mut client: TcpStream, expected_auth: Option<&str>, shared: &Shared) -> io::Result<()> {
    client.set_read_timeout(Some(POLL * 5))?;
    // One request a connection: a tunnel, or a forwarded request and its answer.
    let Some(head) = read_head(&mut client, shared)? else {
        return Ok(());
    };
    let auth = head.header("proxy-authorization").map(str::to_string);
    shared
        .requests
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push(ProxiedRequest {
            line: head.lines[0].clone(),
            proxy_authorization: auth.clone(),
        });
    if expected_auth.is_some_and(|want| auth.as_deref() != Some(want)) {
        return answer(
            &mut client,
            "407 Proxy Authentication Required",
            "Proxy-Authenticate: Basic realm=\"test\"\r\n",
        );
    }
    let mut parts = head.lines[0].split(' ');
    let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    if method == "CONNECT" {
        let Ok(origin) = TcpStream::connect(target) else {
            return answer(&mut client, "502 Bad Gateway", "");
        };
        client.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")?;
        return tunnel(client, origin, &head.rest, shared);
    }
    let Some(rest) = target.strip_prefix("http://") else {
        return answer(&mut client, "400 Bad Request", "");
    };
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let Ok(origin) = TcpStream::connect(authority) else {
        return answer(&mut client, "502 Bad Gateway", "");
    };
    forward(client, origin, &head, method, path, shared)
}

/// Sends the request in origin form (no proxy headers, `Connection: close`), then relays
/// the answer with `Connection: close` and closes.
fn forward(
    mut client: TcpStream,
    mut origin: TcpStream,
    head: &Head,
    method: &str,
    path: &str,
    shared: &Shared,
) -> io::Result<()> {
    let path = if path.is_empty() { "/" } else { path };
    let version = head.lines[0].rsplit(' ').next().unwrap_or("HTTP/1.1");
    let mut out = format!("{method} {path} {version}\r\n");
    for line in &head.lines[1..] {
        let name = line
            .split(':')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        if !matches!(
            name.as_str(),
            "proxy-authorization" | "proxy-connection" | "connection"
        ) {
            out.push_str(line);
            out.push_str("\r\n");
        }
    }
    out.push_str("Connection: close\r\n\r\n");
    origin.write_all(out.as_bytes())?;
    let length: usize = head
        .header("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let mut body = head.rest.clone();
    let mut chunk = [0u8; 8192];
    while body.len() < length {
        match read_some(&mut client, &mut chunk, shared)? {
            0 => return Err(io::ErrorKind::UnexpectedEof.into()),
            n => body.extend_from_slice(&chunk[..n]),
        }
    }
    origin.write_all(&body[..length])?;
    origin.set_read_timeout(Some(POLL * 5))?;
    let Some(answer_head) = read_head(&mut origin, shared)? else {
        return Err(io::ErrorKind::UnexpectedEof.into());
    };
    let mut out = String::new();
    for line in &answer_head.lines {
        if !line.to_ascii_lowercase().starts_with("connection:") {
            out.push_str(line);
            out.push_str("\r\n");
        }
    }
    out.push_str("Connection: close\r\n\r\n");
    client.write_all(out.as_bytes())?;
    client.write_all(&answer_head.rest)?;
    loop {
        match read_some(&mut origin, &mut chunk, shared)? {
            0 => break,
            n => client.write_all(&chunk[..n])?,
        }
    }
    client.shutdown(Shutdown::Both)
}

/// Copies bytes both ways until either side closes.
fn tunnel(
    mut client: TcpStream,
    mut origin: TcpStream,
    early: &[u8],
    shared: &Shared,
) -> io::Result<()> {
    origin.write_all(early)?;
    origin.set_read_timeout(Some(POLL * 5))?;
    let (mut client2, mut origin2) = (client.try_clone()?, origin.try_clone()?);
    thread::scope(|s| {
        s.spawn(|| {
            let _ = pipe(&mut origin2, &mut client2, shared);
            let _ = client2.shutdown(Shutdown::Write);
        });
        let _ = pipe(&mut client, &mut origin, shared);
        let _ = origin.shutdown(Shutdown::Write);
    });
    Ok(())
}

fn pipe(from: &mut TcpStream, to: &mut TcpStream, shared: &Shared) -> io::Result<()> {
    let mut chunk = [0u8; 16 * 1024];
    loop {
        match read_some(from, &mut chunk, shared)? {
            0 => return Ok(()),
            n => to.write_all(&chunk[..n])?,
        }
    }
}

fn base64_encode(input: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for group in input.chunks(3) {
        let b = [
            group[0],
            *group.get(1).unwrap_or(&0),
            *group.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= group.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i)) as usize & 63] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn base64_matches_rfc_4648() {
        for (input, want) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("Aladdin:open sesame", "QWxhZGRpbjpvcGVuIHNlc2FtZQ=="),
        ] {
            assert_eq!(super::base64_encode(input.as_bytes()), want);
        }
    }
}
