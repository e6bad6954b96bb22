//! Behaviour of the scriptable loopback server, observed through raw TCP clients.

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use test_support::{is_listening, LoopbackServer, Response, Step};

/// Sends one request on `stream`.
fn send(stream: &mut TcpStream, method: &str, target: &str, extra: &[(&str, &str)], body: &[u8]) {
    let mut head = format!(
        "{method} {target} HTTP/1.1\r\nHost: test\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (n, v) in extra {
        head.push_str(&format!("{n}: {v}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(body).unwrap();
}

/// Reads a response head, byte by byte so nothing after it is consumed.
fn read_head(stream: &mut TcpStream) -> String {
    let mut buf = Vec::new();
    let mut byte = [0u8; 1];
    while !buf.ends_with(b"\r\n\r\n") {
        let n = stream.read(&mut byte).unwrap();
        assert_eq!(n, 1, "connection closed inside the response head: {buf:?}");
        buf.push(byte[0]);
    }
    String::from_utf8(buf).unwrap()
}

/// Reads one response with a Content-Length body: (status, head text, body).
fn read_response(stream: &mut TcpStream) -> (u16, String, Vec<u8>) {
    let head = read_head(stream);
    let status: u16 = head[9..12].parse().unwrap();
    let len: usize = head
        .lines()
        .find_map(|l| {
            let (n, v) = l.split_once(':')?;
            n.eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse().unwrap())
        })
        .unwrap_or(0);
    let mut body = vec![0u8; len];
    stream.read_exact(&mut body).unwrap();
    (status, head, body)
}

fn connect(server: &LoopbackServer) -> TcpStream {
    let s = TcpStream::connect(server.addr()).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s
}

/// Reads until the peer closes; returns the bytes received (a reset counts as closed).
fn read_until_closed(stream: &mut TcpStream) -> Vec<u8> {
    let mut out = Vec::new();
    let mut chunk = [0u8; 1024];
    loop {
        match stream.read(&mut chunk) {
            Ok(0) => return out,
            Ok(n) => out.extend_from_slice(&chunk[..n]),
            Err(e) if e.kind() == ErrorKind::ConnectionReset => return out,
            Err(e) => panic!("unexpected read error {e:?}"),
        }
    }
}

#[test]
fn answers_script_in_order_on_one_keep_alive_connection_and_records_requests() {
    let server = LoopbackServer::start(vec![
        Step::json(200, r#"{"first":true}"#),
        Step::respond(
            404,
            &[("x-amzn-ErrorType", "ResourceNotFoundException")],
            "gone",
        ),
    ]);
    let mut s = connect(&server);
    send(
        &mut s,
        "POST",
        "/2015-03-31/functions",
        &[("X-Test", "one")],
        b"{\"a\":1}",
    );
    let (status, head, body) = read_response(&mut s);
    assert_eq!(status, 200);
    assert!(head.contains("Content-Type: application/json"));
    assert_eq!(body, br#"{"first":true}"#);

    send(
        &mut s,
        "GET",
        "/2015-03-31/functions/?Marker=abc&MaxItems=2",
        &[],
        b"",
    );
    let (status, head, body) = read_response(&mut s);
    assert_eq!(status, 404);
    assert!(head.contains("x-amzn-ErrorType: ResourceNotFoundException"));
    assert_eq!(body, b"gone");

    assert_eq!(server.connection_count(), 1);
    assert_eq!(server.remaining_steps(), 0);
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[0].method, "POST");
    assert_eq!(requests[0].target, "/2015-03-31/functions");
    assert_eq!(requests[0].header("x-test"), Some("one"));
    assert_eq!(requests[0].body, b"{\"a\":1}");
    assert_eq!(requests[1].method, "GET");
    assert_eq!(requests[1].path(), "/2015-03-31/functions/");
    assert_eq!(requests[1].query(), Some("Marker=abc&MaxItems=2"));
    assert_eq!(requests[1].query_param("MaxItems"), Some("2"));
    assert_eq!(requests[1].connection, 0);
    assert!(requests[1].body.is_empty());
}

#[test]
fn exhausted_script_answers_500_with_an_error_type() {
    let server = LoopbackServer::start(vec![]);
    let mut s = connect(&server);
    send(&mut s, "GET", "/", &[], b"");
    let (status, head, _) = read_response(&mut s);
    assert_eq!(status, 500);
    assert!(head.contains("x-amzn-ErrorType: LoopbackScriptExhausted"));
}

#[test]
fn connection_close_in_request_or_response_closes_the_connection() {
    let server = LoopbackServer::start(vec![
        Step::Respond(Response::new(200).header("Connection", "close").body("a")),
        Step::json(200, "{}"),
    ]);
    let mut s = connect(&server);
    send(&mut s, "GET", "/", &[], b"");
    let (status, _, body) = read_response(&mut s);
    assert_eq!((status, body.as_slice()), (200, &b"a"[..]));
    assert!(read_until_closed(&mut s).is_empty());

    let mut s = connect(&server);
    send(&mut s, "GET", "/", &[("Connection", "close")], b"");
    let (status, _, _) = read_response(&mut s);
    assert_eq!(status, 200);
    assert!(read_until_closed(&mut s).is_empty());
    assert_eq!(server.connection_count(), 2);
}

#[test]
fn stall_sends_nothing_for_its_duration_then_closes() {
    let stall = Duration::from_millis(600);
    let server = LoopbackServer::start(vec![Step::Stall(stall)]);
    let mut s = connect(&server);
    let started = Instant::now();
    send(&mut s, "GET", "/slow", &[], b"");
    s.set_read_timeout(Some(Duration::from_millis(300)))
        .unwrap();
    let mut buf = [0u8; 16];
    let early = s.read(&mut buf);
    assert!(
        matches!(&early, Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut)),
        "expected a read timeout during the stall, got {early:?}"
    );
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    assert!(read_until_closed(&mut s).is_empty());
    assert!(started.elapsed() >= stall);
    assert_eq!(server.requests()[0].path(), "/slow");
}

#[test]
fn reset_closes_without_answering() {
    let server = LoopbackServer::start(vec![Step::Reset, Step::json(200, "{}")]);
    let mut s = connect(&server);
    send(&mut s, "DELETE", "/2015-03-31/functions/f", &[], b"");
    assert!(read_until_closed(&mut s).is_empty());
    // The request was recorded, and the next connection gets the next step.
    assert_eq!(server.requests()[0].method, "DELETE");
    let mut s = connect(&server);
    send(&mut s, "GET", "/", &[], b"");
    assert_eq!(read_response(&mut s).0, 200);
    assert_eq!(server.connection_count(), 2);
}

#[test]
fn truncate_sends_part_of_the_response_then_closes() {
    let response = Response::json(200, r#"{"Functions":[1,2,3]}"#);
    let full = response.to_bytes(false);
    let server = LoopbackServer::start(vec![Step::Truncate {
        response,
        bytes: full.len() - 5,
    }]);
    let mut s = connect(&server);
    send(&mut s, "GET", "/", &[], b"");
    let got = read_until_closed(&mut s);
    assert_eq!(got, full[..full.len() - 5]);
}

#[test]
fn respond_slowly_spreads_the_response_over_time() {
    let response = Response::json(200, "0123456789");
    let total = response.to_bytes(false).len();
    let pause = Duration::from_millis(40);
    let chunk_size = total.div_ceil(5);
    let server = LoopbackServer::start(vec![Step::RespondSlowly {
        response,
        chunk_size,
        pause,
    }]);
    let mut s = connect(&server);
    let started = Instant::now();
    send(&mut s, "GET", "/", &[], b"");
    let (status, _, body) = read_response(&mut s);
    assert_eq!((status, body.as_slice()), (200, &b"0123456789"[..]));
    assert!(started.elapsed() >= pause * 5, "{:?}", started.elapsed());
}

#[test]
fn delay_answers_after_the_pause() {
    let pause = Duration::from_millis(300);
    let server = LoopbackServer::start(vec![Step::Delay(pause, Response::new(204))]);
    let mut s = connect(&server);
    let started = Instant::now();
    send(&mut s, "GET", "/", &[], b"");
    assert_eq!(read_response(&mut s).0, 204);
    assert!(started.elapsed() >= pause);
}

#[test]
fn handler_answers_dynamically_for_paging() {
    let server = LoopbackServer::with_handler(|req| match req.query_param("Marker") {
        None => Response::json(
            200,
            r#"{"Functions":[{"FunctionName":"a"}],"NextMarker":"m1"}"#,
        ),
        Some("m1") => Response::json(200, r#"{"Functions":[{"FunctionName":"b"}]}"#),
        Some(other) => Response::json(400, format!(r#"{{"message":"bad marker {other}"}}"#)),
    });
    let mut s = connect(&server);
    send(&mut s, "GET", "/2015-03-31/functions/", &[], b"");
    let (_, _, first) = read_response(&mut s);
    assert!(String::from_utf8(first)
        .unwrap()
        .contains("\"NextMarker\":\"m1\""));
    send(&mut s, "GET", "/2015-03-31/functions/?Marker=m1", &[], b"");
    let (status, _, second) = read_response(&mut s);
    assert_eq!(status, 200);
    assert!(!String::from_utf8(second).unwrap().contains("NextMarker"));
    assert_eq!(server.request_count(), 2);
}

#[test]
fn script_runs_before_the_step_handler() {
    let calls = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&calls);
    let server = LoopbackServer::start_then(vec![Step::json(503, "{}")], move |_| {
        counted.fetch_add(1, Ordering::SeqCst);
        Step::json(200, "{}")
    });
    let mut s = connect(&server);
    send(&mut s, "GET", "/", &[], b"");
    assert_eq!(read_response(&mut s).0, 503);
    send(&mut s, "GET", "/", &[], b"");
    assert_eq!(read_response(&mut s).0, 200);
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

#[test]
fn handler_panic_becomes_a_500_answer() {
    let server = LoopbackServer::with_step_handler(|_| panic!("boom"));
    let mut s = connect(&server);
    send(&mut s, "GET", "/", &[], b"");
    let (status, head, body) = read_response(&mut s);
    assert_eq!(status, 500);
    assert!(head.contains("LoopbackHandlerPanicked"));
    assert!(String::from_utf8(body).unwrap().contains("boom"));
}

#[test]
fn serves_concurrent_connections() {
    let server = LoopbackServer::with_handler(|req| Response::new(200).body(req.body.clone()));
    // Open the first connection and leave it idle while the second is served.
    let mut idle = connect(&server);
    let mut busy = connect(&server);
    send(&mut busy, "POST", "/", &[], b"second");
    assert_eq!(read_response(&mut busy).2, b"second");
    send(&mut idle, "POST", "/", &[], b"first");
    assert_eq!(read_response(&mut idle).2, b"first");
    assert_eq!(server.connection_count(), 2);
}

#[test]
fn head_request_gets_no_body() {
    let server = LoopbackServer::start(vec![Step::json(200, "{}"), Step::json(200, "{}")]);
    let mut s = connect(&server);
    send(&mut s, "HEAD", "/", &[], b"");
    let head = read_head(&mut s);
    assert!(head.contains("Content-Length: 2"));
    // The next response starts right after the head: no body bytes in between.
    send(&mut s, "GET", "/", &[], b"");
    let (status, _, body) = read_response(&mut s);
    assert_eq!((status, body.as_slice()), (200, &b"{}"[..]));
}

#[test]
fn drop_stops_the_server_even_during_a_stall() {
    let server = LoopbackServer::start(vec![Step::Stall(Duration::from_secs(60))]);
    let addr = server.addr();
    let mut s = connect(&server);
    send(&mut s, "GET", "/", &[], b"");
    // Wait until the stalling step has the request.
    let deadline = Instant::now() + Duration::from_secs(10);
    while server.request_count() == 0 {
        assert!(Instant::now() < deadline, "request never arrived");
        thread::sleep(Duration::from_millis(5));
    }
    let started = Instant::now();
    drop(server);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "drop took {:?}",
        started.elapsed()
    );
    assert!(!is_listening(addr), "port still accepts after drop");
    assert!(read_until_closed(&mut s).is_empty());
}
