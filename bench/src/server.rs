//! A plain-HTTP/1.1 keep-alive server answering canned Lambda REST-JSON by path.
//!
//! - `GET /2015-03-31/functions/` or `/2015-03-31/functions` (any query): ListFunctions,
//!   50 functions;
//! - `GET /2015-03-31/functions/{name}` (any query): GetFunction of `name`;
//! - `POST /2015-03-31/functions/{name}/invocations`: Invoke, echoing the payload;
//! - anything else: 404 `ResourceNotFoundException`.
//!
//! Answers carry `Date`, `Content-Type`, `Content-Length` and `x-amzn-RequestId` like the
//! real service (Invoke adds `X-Amz-Executed-Version` and `X-Amzn-Trace-Id`). One thread
//! per connection, the answer written with one `write`, `TCP_NODELAY` on: the server
//! does little work per call and runs in its own process, so that the client's CPU time
//! and instruction counts are the client's only. Request bodies may come with
//! `Content-Length` or chunked; `Expect: 100-continue` is honoured.

use std::io::{self, BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use crate::{bodies, FUNCTION_NAME};

const PREFIX: &str = "/2015-03-31/functions/";
/// ListFunctions' path without the model's trailing slash (as clients normalize it).
const LIST_PATH: &str = "/2015-03-31/functions";

/// The canned bodies, made once.
struct Canned {
    get: Vec<u8>,
    list: Vec<u8>,
}

/// A bound server; [`Server::run`] serves it.
pub struct Server {
    listener: TcpListener,
    canned: Arc<Canned>,
}

impl Server {
    /// Binds `addr` (use `127.0.0.1:0` for a free port) and makes the canned bodies.
    pub fn bind(addr: SocketAddr) -> io::Result<Self> {
        Ok(Server {
            listener: TcpListener::bind(addr)?,
            canned: Arc::new(Canned {
                get: bodies::get_function(FUNCTION_NAME),
                list: bodies::list_functions(),
            }),
        })
    }

    /// The bound address.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves connections until accepting fails, one thread each.
    pub fn run(self) -> io::Result<()> {
        let connections = AtomicU64::new(0);
        for stream in self.listener.incoming() {
            let stream = stream?;
            let canned = Arc::clone(&self.canned);
            let id = connections.fetch_add(1, Ordering::Relaxed);
            std::thread::spawn(move || {
                // A client closing its connection is its business.
                let _ = serve(stream, &canned, id);
            });
        }
        Ok(())
    }

    /// Serves on a background thread (for tests); returns the `http://` endpoint URL.
    pub fn spawn(self) -> io::Result<String> {
        let url = format!("http://{}", self.local_addr()?);
        std::thread::spawn(move || self.run());
        Ok(url)
    }
}

/// A request's line and what the server needs of its headers.
struct Head {
    method: String,
    target: String,
    content_length: usize,
    chunked: bool,
    expect_continue: bool,
    close: bool,
}

fn read_head(reader: &mut impl BufRead, line: &mut String) -> io::Result<Option<Head>> {
    line.clear();
    if reader.read_line(line)? == 0 {
        return Ok(None);
    }
    let mut parts = line.split_ascii_whitespace();
    let (Some(method), Some(target)) = (parts.next(), parts.next()) else {
        return Err(io::Error::new(io::ErrorKind::InvalidData, "request line"));
    };
    let mut head = Head {
        method: method.to_string(),
        target: target.to_string(),
        content_length: 0,
        chunked: false,
        expect_continue: false,
        close: false,
    };
    loop {
        line.clear();
        if reader.read_line(line)? == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        let header = line.trim_end();
        if header.is_empty() {
            return Ok(Some(head));
        }
        let Some((name, value)) = header.split_once(':') else {
            continue;
        };
        let value = value.trim();
        if name.eq_ignore_ascii_case("content-length") {
            head.content_length = value
                .parse()
                .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "Content-Length"))?;
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            head.chunked = value.eq_ignore_ascii_case("chunked");
        } else if name.eq_ignore_ascii_case("expect") {
            head.expect_continue = value.eq_ignore_ascii_case("100-continue");
        } else if name.eq_ignore_ascii_case("connection") {
            head.close = value.eq_ignore_ascii_case("close");
        }
    }
}

fn read_body(
    reader: &mut impl BufRead,
    head: &Head,
    line: &mut String,
    body: &mut Vec<u8>,
) -> io::Result<()> {
    body.clear();
    if !head.chunked {
        body.resize(head.content_length, 0);
        return reader.read_exact(body);
    }
    loop {
        line.clear();
        reader.read_line(line)?;
        let size = line.trim_end().split(';').next().unwrap_or("");
        let size = usize::from_str_radix(size, 16)
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "chunk size"))?;
        if size == 0 {
            // Trailers, then the empty line.
            loop {
                line.clear();
                if reader.read_line(line)? == 0 || line.trim_end().is_empty() {
                    return Ok(());
                }
            }
        }
        let start = body.len();
        body.resize(start + size, 0);
        reader.read_exact(&mut body[start..])?;
        line.clear();
        reader.read_line(line)?;
    }
}

fn http_date() -> String {
    let format = time::macros::format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    time::OffsetDateTime::now_utc()
        .format(&format)
        .unwrap_or_default()
}

fn serve(stream: TcpStream, canned: &Canned, connection: u64) -> io::Result<()> {
    stream.set_nodelay(true)?;
    let mut reader = BufReader::with_capacity(256 * 1024, stream.try_clone()?);
    let mut writer = stream;
    let (mut line, mut body, mut out) = (String::new(), Vec::new(), Vec::new());
    for call in 0u64.. {
        let Some(head) = read_head(&mut reader, &mut line)? else {
            return Ok(());
        };
        if head.expect_continue {
            writer.write_all(b"HTTP/1.1 100 Continue\r\n\r\n")?;
        }
        read_body(&mut reader, &head, &mut line, &mut body)?;
        let request_id = format!("{connection:08x}-0000-4000-8000-{call:012x}");
        let path = head.target.split('?').next().unwrap_or("");
        let scratch;
        let name = if path == LIST_PATH {
            Some("")
        } else {
            path.strip_prefix(PREFIX)
        };
        let (status, extra, answer): (&str, String, &[u8]) = match (head.method.as_str(), name) {
            ("GET", Some("")) => ("200 OK", String::new(), &canned.list),
            ("GET", Some(n)) if !n.contains('/') => {
                if n == FUNCTION_NAME {
                    ("200 OK", String::new(), &canned.get)
                } else {
                    scratch = bodies::get_function(n);
                    ("200 OK", String::new(), &scratch)
                }
            }
            ("POST", Some(n)) if n.ends_with("/invocations") => (
                "200 OK",
                format!(
                    "X-Amz-Executed-Version: $LATEST\r\n\
                     x-amzn-Remapped-Content-Length: 0\r\n\
                     X-Amzn-Trace-Id: Root=1-66389a59-{call:024x};Parent={connection:016x};Sampled=0;Lineage=1:2a3b4c5d:0\r\n"
                ),
                &body,
            ),
            _ => {
                scratch = format!(
                    "{{\"Type\":\"User\",\"message\":\"Function not found: {}\"}}",
                    path.escape_default()
                )
                .into_bytes();
                (
                    "404 Not Found",
                    "x-amzn-ErrorType: ResourceNotFoundException\r\n".to_string(),
                    &scratch,
                )
            }
        };
        out.clear();
        write!(
            out,
            "HTTP/1.1 {status}\r\nDate: {}\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\nConnection: keep-alive\r\nx-amzn-RequestId: {request_id}\r\n{extra}\r\n",
            http_date(),
            answer.len()
        )?;
        out.extend_from_slice(answer);
        writer.write_all(&out)?;
        if head.close {
            return Ok(());
        }
    }
    Ok(())
}
