//! The forward proxy, observed through raw TCP clients and a loopback origin.

use std::io::{Read, Write};
use std::net::TcpStream;

use test_support::{HttpProxy, LoopbackServer, Step};

fn read_all(tcp: &mut TcpStream) -> String {
    let mut out = String::new();
    tcp.read_to_string(&mut out).unwrap();
    out
}

#[test]
fn absolute_form_is_forwarded_in_origin_form() {
    let origin = LoopbackServer::start(vec![Step::json(200, r#"{"ok":true}"#)]);
    let proxy = HttpProxy::start();
    let mut tcp = TcpStream::connect(proxy.addr()).unwrap();
    write!(
        tcp,
        "POST {}/a/b?c=1 HTTP/1.1\r\nHost: {}\r\nProxy-Authorization: Basic eDp5\r\nContent-Length: 3\r\n\r\nabc",
        origin.url(),
        origin.addr()
    )
    .unwrap();
    let answer = read_all(&mut tcp);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("Connection: close") && answer.ends_with(r#"{"ok":true}"#));
    let seen = &origin.requests()[0];
    assert_eq!((seen.path(), seen.query()), ("/a/b", Some("c=1")));
    assert_eq!(seen.body_text(), "abc");
    assert_eq!(seen.header("proxy-authorization"), None, "not passed on");
    let line = format!("POST {}/a/b?c=1 HTTP/1.1", origin.url());
    assert_eq!(proxy.requests()[0].line, line);
    assert_eq!(
        proxy.requests()[0].proxy_authorization.as_deref(),
        Some("Basic eDp5")
    );
}

#[test]
fn connect_tunnels_both_ways() {
    let origin = LoopbackServer::start(vec![Step::json(200, "{}")]);
    let proxy = HttpProxy::start();
    let mut tcp = TcpStream::connect(proxy.addr()).unwrap();
    write!(
        tcp,
        "CONNECT {0} HTTP/1.1\r\nHost: {0}\r\n\r\n",
        origin.addr()
    )
    .unwrap();
    let mut head = [0u8; 39];
    tcp.read_exact(&mut head).unwrap();
    assert_eq!(&head[..], b"HTTP/1.1 200 Connection established\r\n\r\n");
    write!(
        tcp,
        "GET /x HTTP/1.1\r\nHost: o\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let answer = read_all(&mut tcp);
    assert!(
        answer.starts_with("HTTP/1.1 200") && answer.ends_with("{}"),
        "{answer}"
    );
    assert_eq!(origin.requests()[0].path(), "/x");
    assert_eq!(
        proxy.requests()[0].line,
        format!("CONNECT {} HTTP/1.1", origin.addr())
    );
}

#[test]
fn credentials_are_required_when_configured() {
    let proxy = HttpProxy::with_credentials("Aladdin", "open sesame");
    for (auth, status) in [
        ("", "407"),
        ("Proxy-Authorization: Basic QWxhZGRpbjpvcGVu\r\n", "407"),
        (
            "Proxy-Authorization: Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==\r\n",
            "502",
        ),
    ] {
        let mut tcp = TcpStream::connect(proxy.addr()).unwrap();
        // Port 1 on loopback: nothing listens, so an accepted request gets 502.
        write!(tcp, "CONNECT 127.0.0.1:1 HTTP/1.1\r\n{auth}\r\n").unwrap();
        let answer = read_all(&mut tcp);
        assert!(
            answer.starts_with(&format!("HTTP/1.1 {status}")),
            "{auth}: {answer}"
        );
        if status == "407" {
            assert!(answer.contains("Proxy-Authenticate: Basic"), "{answer}");
        }
    }
    assert_eq!(proxy.requests().len(), 3);
}
