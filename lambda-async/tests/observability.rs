//! What the async driver logs through `tracing` (every test holds `serial`: callsites
//! cache whether anyone listens, so concurrent tests without a subscriber could hide events).
#![cfg(feature = "tokio")]

mod common;

use common::{creds, loopback_builder, RecordingSleep};
use lambda_async::Client;
use lambda_proto::operations::GetFunction;
use test_support::{LoopbackServer, Response, Step};

fn client(server: &LoopbackServer, sleep: &RecordingSleep) -> Client {
    loopback_builder(&server.url(), sleep).build().unwrap()
}

/// The async driver logs the same events as the blocking one, in a `lambda` span.
#[test]
fn calls_log_attempts_status_and_retries_without_secrets() {
    let _serial = test_support::trace::serial();
    let server = LoopbackServer::start(vec![
        Step::Respond(Response::new(503).body("busy")),
        Step::Respond(Response::json(200, "{}").header("x-amzn-RequestId", "req-2")),
    ]);
    let sleep = RecordingSleep::default();
    let client = client(&server, &sleep);
    let (result, events) = get_function_traced(&client);
    assert!(result);
    // This crate's events and the core's (the HTTP stack logs too).
    let events: Vec<_> = events
        .into_iter()
        .filter(|e| e.target.starts_with("lambda"))
        .collect();
    let messages: Vec<&str> = events.iter().map(|e| e.message.as_str()).collect();
    assert_eq!(
        messages,
        [
            // The client's static credentials go through its credentials cache once.
            "refreshing credentials",
            "credentials refreshed",
            "sending",
            "error answer",
            "waiting to retry",
            "sending",
            "answered",
            "call finished"
        ],
        "{events:#?}"
    );
    for e in &events {
        assert_eq!(e.field("operation"), Some("GetFunction"), "{e:?}");
        assert!(!e.text().contains("Signature="), "{e:?}");
        assert!(!e.text().contains(creds().secret_access_key()), "{e:?}");
    }
    assert_eq!(events[6].field("request_id"), Some("req-2"));
    assert_eq!(
        events[0].field("source"),
        Some("the client's credentials provider")
    );
}

/// Through a proxy with credentials: the proxy is used, and no event names the password.
#[test]
fn proxied_calls_log_no_proxy_credentials() {
    let _serial = test_support::trace::serial();
    let server = LoopbackServer::start(vec![Step::json(200, "{}")]);
    let proxy = test_support::HttpProxy::with_credentials("alice", "hunter2-pw");
    let proxies = lambda_proto::proxy::ProxyConfig::direct().all(
        lambda_proto::proxy::Proxy::parse(&format!("alice:hunter2-pw@{}", proxy.addr())).unwrap(),
    );
    let sleep = RecordingSleep::default();
    let client = loopback_builder(&server.url(), &sleep)
        .proxy(proxies)
        .build()
        .unwrap();
    let (result, events) = get_function_traced(&client);
    assert!(result);
    assert_eq!(proxy.requests().len(), 1);
    let logged: String = events.iter().map(|e| e.text()).collect();
    assert!(
        logged.contains("sending") && logged.contains("answered"),
        "{logged}"
    );
    // `Basic base64(alice:hunter2-pw)`.
    for secret in ["hunter2-pw", "YWxpY2U6aHVudGVyMi1wdw"] {
        assert!(!logged.contains(secret), "{logged}");
    }
}

/// Sends one GetFunction on a fresh current-thread runtime, capturing the events it logs.
fn get_function_traced(client: &Client) -> (bool, Vec<test_support::trace::Captured>) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    test_support::trace::capture(|| runtime.block_on(client.send(GetFunction::new("f"))).is_ok())
}
