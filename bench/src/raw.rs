//! The floor: the least a client must do for one call over a kept-alive connection.
//!
//! One `write` of a prebuilt request, then reads into a reused buffer until the header
//! block and exactly `Content-Length` body bytes have arrived. No signing, no JSON, no
//! header map: only finding the end of the headers and the `Content-Length` value.

use std::io::{self, Read, Write};
use std::net::TcpStream;

use crate::FUNCTION_NAME;

/// A kept-alive connection and its read buffer.
pub struct RawClient {
    stream: TcpStream,
    buf: Vec<u8>,
}

/// `host:port` of an `http://host:port[/]` endpoint URL.
pub fn authority(endpoint: &str) -> io::Result<&str> {
    endpoint
        .strip_prefix("http://")
        .map(|a| a.trim_end_matches('/'))
        .filter(|a| !a.is_empty() && !a.contains('/'))
        .ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("expected http://host:port, got {endpoint}"),
            )
        })
}

/// The GetFunction request the floor sends.
pub fn get_request(authority: &str) -> Vec<u8> {
    format!("GET /2015-03-31/functions/{FUNCTION_NAME} HTTP/1.1\r\nHost: {authority}\r\n\r\n")
        .into_bytes()
}

/// The ListFunctions request the floor sends.
pub fn list_request(authority: &str) -> Vec<u8> {
    format!("GET /2015-03-31/functions/?MaxItems=50 HTTP/1.1\r\nHost: {authority}\r\n\r\n")
        .into_bytes()
}

/// The Invoke request the floor sends, `payload` included.
pub fn invoke_request(authority: &str, payload: &[u8]) -> Vec<u8> {
    let mut out = format!(
        "POST /2015-03-31/functions/{FUNCTION_NAME}/invocations HTTP/1.1\r\nHost: {authority}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        payload.len()
    )
    .into_bytes();
    out.extend_from_slice(payload);
    out
}

impl RawClient {
    /// Connects to `authority` (`host:port`) with room for answers of up to
    /// `max_answer` bytes.
    pub fn connect(authority: &str, max_answer: usize) -> io::Result<Self> {
        let stream = TcpStream::connect(authority)?;
        stream.set_nodelay(true)?;
        Ok(RawClient {
            stream,
            buf: vec![0; max_answer],
        })
    }

    /// Sends `request` and reads the answer; returns its body.
    pub fn call(&mut self, request: &[u8]) -> io::Result<&[u8]> {
        self.stream.write_all(request)?;
        let mut filled = 0;
        let mut end: Option<(usize, usize)> = None; // (header end, answer end)
        loop {
            if filled == self.buf.len() {
                return Err(io::Error::other("answer larger than the buffer"));
            }
            let n = self.stream.read(&mut self.buf[filled..])?;
            if n == 0 {
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
            filled += n;
            if end.is_none() {
                if let Some(at) = find(&self.buf[..filled], b"\r\n\r\n") {
                    let head = &self.buf[..at];
                    let len = content_length(head).ok_or_else(|| {
                        io::Error::new(io::ErrorKind::InvalidData, "no Content-Length")
                    })?;
                    if !head.starts_with(b"HTTP/1.1 200 ") {
                        return Err(io::Error::other("status is not 200"));
                    }
                    end = Some((at + 4, at + 4 + len));
                }
            }
            if let Some((body, total)) = end {
                if filled >= total {
                    return Ok(&self.buf[body..total]);
                }
            }
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn content_length(head: &[u8]) -> Option<usize> {
    const NAME: &[u8] = b"\r\ncontent-length:";
    let at = head
        .windows(NAME.len())
        .position(|w| w.eq_ignore_ascii_case(NAME))?;
    let value = &head[at + NAME.len()..];
    let value = &value[..value
        .windows(2)
        .position(|w| w == b"\r\n")
        .unwrap_or(value.len())];
    std::str::from_utf8(value).ok()?.trim().parse().ok()
}

#[cfg(test)]
mod tests {
    #[test]
    fn content_length_is_found_in_any_case() {
        let head = b"HTTP/1.1 200 OK\r\nDate: x\r\nCONTENT-LENGTH: 42\r\nX: y";
        assert_eq!(super::content_length(head), Some(42));
        assert_eq!(super::content_length(b"HTTP/1.1 200 OK\r\nX: y"), None);
    }

    #[test]
    fn authority_of_an_endpoint() {
        assert_eq!(
            super::authority("http://127.0.0.1:80/").unwrap(),
            "127.0.0.1:80"
        );
        assert!(super::authority("https://x").is_err());
    }
}
