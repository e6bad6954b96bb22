//! Retries, timeouts, limits and cancellation against a scripted loopback server.
#![cfg(feature = "tokio")]

mod common;

use std::time::Duration;

use common::{creds, function_json, RecordingSleep};
use lambda_async::{Client, ClientBuilder};
use lambda_proto::error::{Error, TransportErrorKind};
use lambda_proto::operations::{GetFunction, GetFunctionError, Invoke};
use test_support::{LoopbackServer, Response, Step};

const RANDOM: f64 = 0.5;

/// A builder for `server` that sleeps for real (the default timer).
fn real_time(server: &LoopbackServer) -> ClientBuilder {
    Client::builder()
        .region("us-east-1")
        .endpoint_url(server.url())
        .credentials(creds())
}

fn client(server: &LoopbackServer, sleep: &RecordingSleep) -> Client {
    Client::builder()
        .region("us-east-1")
        .endpoint_url(server.url())
        .credentials(creds())
        .sleep(sleep.clone())
        .clock(sleep.clock())
        .random(|| RANDOM)
        .build()
        .unwrap()
}

/// Standard mode (botocore, AWS SDK for Rust): `min(random * 1 s * 2^(attempt - 1), 20 s)`.
fn standard_backoff(attempt: u32) -> Duration {
    Duration::from_secs_f64(f64::min(RANDOM * 2f64.powi(attempt as i32 - 1), 20.0))
}

fn ok(name: &str) -> Step {
    Step::json(200, function_json(name, "Active"))
}

fn error(status: u16, code: &str) -> Step {
    Step::Respond(
        Response::json(
            status,
            format!(r#"{{"Type":"Service","Message":"{code}"}}"#),
        )
        .header("x-amzn-ErrorType", code),
    )
}

fn expect_transport<E: std::fmt::Debug>(err: &Error<E>) -> TransportErrorKind {
    match err {
        Error::Transport(t) => t.kind(),
        other => panic!("expected a transport error, got {other:?}"),
    }
}

#[tokio::test]
async fn transient_errors_are_retried_with_standard_backoff() {
    let server = LoopbackServer::start(vec![
        error(500, "ServiceException"),
        error(503, "ServiceException"),
        ok("f"),
    ]);
    let sleep = RecordingSleep::default();
    let out = client(&server, &sleep)
        .send(GetFunction::new("f"))
        .await
        .unwrap();
    assert_eq!(
        out.configuration.unwrap().function_name.as_deref(),
        Some("f")
    );
    assert_eq!(server.request_count(), 3);
    assert_eq!(
        sleep.delays(),
        vec![standard_backoff(1), standard_backoff(2)]
    );
    // Each attempt is signed again.
    let requests = server.requests();
    assert!(requests.iter().all(|r| r
        .header("authorization")
        .is_some_and(|a| a.starts_with("AWS4-HMAC-SHA256"))));
}

#[tokio::test]
async fn gives_up_after_three_attempts() {
    let server = LoopbackServer::start(vec![
        error(503, "ServiceException"),
        error(503, "ServiceException"),
        error(503, "ServiceException"),
        ok("never"),
    ]);
    let sleep = RecordingSleep::default();
    let err = client(&server, &sleep)
        .send(GetFunction::new("f"))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("ServiceException"));
    assert_eq!(err.service_error().unwrap().status(), 503);
    assert_eq!(server.request_count(), 3);
    assert_eq!(
        sleep.delays(),
        vec![standard_backoff(1), standard_backoff(2)]
    );
}

#[tokio::test]
async fn throttling_honours_retry_after() {
    let server = LoopbackServer::start(vec![
        Step::Respond(
            Response::json(429, r#"{"Type":"User","message":"Rate exceeded"}"#)
                .header("x-amzn-ErrorType", "TooManyRequestsException")
                .header("Retry-After", "3"),
        ),
        error(400, "ThrottlingException"),
        ok("f"),
    ]);
    let sleep = RecordingSleep::default();
    client(&server, &sleep)
        .send(GetFunction::new("f"))
        .await
        .unwrap();
    assert_eq!(server.request_count(), 3);
    // The hint (3 s) is longer than the jitter (0.5 s); the second throttle has no hint.
    assert_eq!(
        sleep.delays(),
        vec![Duration::from_secs(3), standard_backoff(2)]
    );
}

#[tokio::test]
async fn client_errors_are_not_retried() {
    let server = LoopbackServer::start(vec![error(404, "ResourceNotFoundException")]);
    let sleep = RecordingSleep::default();
    let err = client(&server, &sleep)
        .send(GetFunction::new("missing"))
        .await
        .unwrap_err();
    assert!(matches!(
        err.service_error().unwrap().kind(),
        GetFunctionError::ResourceNotFoundException(_)
    ));
    assert_eq!(server.request_count(), 1);
    assert!(sleep.delays().is_empty());
}

#[tokio::test]
async fn connection_reset_is_retried_on_a_new_connection() {
    let server = LoopbackServer::start(vec![Step::Reset, ok("f")]);
    let sleep = RecordingSleep::default();
    client(&server, &sleep)
        .send(GetFunction::new("f"))
        .await
        .unwrap();
    assert_eq!(server.request_count(), 2);
    assert_eq!(server.connection_count(), 2);
    assert_eq!(sleep.delays(), vec![standard_backoff(1)]);
}

#[tokio::test]
async fn truncated_body_is_a_reset() {
    let full = Response::json(200, function_json("f", "Active"));
    let server = LoopbackServer::start(vec![
        Step::Truncate {
            response: full.clone(),
            bytes: 80,
        },
        Step::Truncate {
            response: full.clone(),
            bytes: 80,
        },
        Step::Truncate {
            response: full,
            bytes: 80,
        },
    ]);
    let sleep = RecordingSleep::default();
    let err = client(&server, &sleep)
        .send(GetFunction::new("f"))
        .await
        .unwrap_err();
    assert_eq!(expect_transport(&err), TransportErrorKind::Reset);
    assert_eq!(server.request_count(), 3);
}

#[tokio::test]
async fn stalled_attempt_times_out_and_is_retried() {
    let server = LoopbackServer::start(vec![Step::Stall(Duration::from_secs(5)), ok("f")]);
    let client = real_time(&server)
        .read_timeout(Duration::from_millis(200))
        .random(|| 0.1)
        .build()
        .unwrap();
    let started = std::time::Instant::now();
    client.send(GetFunction::new("f")).await.unwrap();
    assert!(started.elapsed() < Duration::from_secs(3));
    assert_eq!(server.request_count(), 2);
}

#[tokio::test]
async fn operation_timeout_bounds_the_whole_call() {
    let server = LoopbackServer::start_then(vec![], |_| Step::Stall(Duration::from_secs(5)));
    let client = real_time(&server)
        .read_timeout(None)
        .operation_timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let started = std::time::Instant::now();
    let err = client.send(GetFunction::new("f")).await.unwrap_err();
    assert_eq!(expect_transport(&err), TransportErrorKind::Timeout);
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[tokio::test]
async fn invoke_is_exempt_from_the_read_timeout() {
    let server = LoopbackServer::start(vec![Step::Delay(
        Duration::from_millis(600),
        Response::json(200, r#"{"ok":true}"#),
    )]);
    let client = real_time(&server)
        .read_timeout(Duration::from_millis(100))
        .build()
        .unwrap();
    let out = client.send(Invoke::new("f")).await.unwrap();
    assert_eq!(out.payload.as_deref(), Some(&br#"{"ok":true}"#[..]));
    assert_eq!(server.request_count(), 1);
}

#[tokio::test]
async fn invoke_is_bounded_by_the_invoke_timeout() {
    let server = LoopbackServer::start_then(vec![], |_| Step::Stall(Duration::from_secs(5)));
    let client = real_time(&server)
        .read_timeout(None)
        .invoke_timeout(Duration::from_millis(200))
        .random(|| 0.1)
        .build()
        .unwrap();
    let started = std::time::Instant::now();
    let err = client.send(Invoke::new("f")).await.unwrap_err();
    match err {
        Error::Transport(t) => assert_eq!(t.kind(), TransportErrorKind::Timeout),
        other => panic!("expected a timeout, got {other:?}"),
    }
    // Timeouts are transient: three attempts, each cut at the invoke timeout.
    assert_eq!(server.request_count(), 3);
    assert!(started.elapsed() < Duration::from_secs(3));
}

#[tokio::test]
async fn body_over_the_limit_is_refused() {
    let big = format!(
        r#"{{"Configuration":{{"Description":"{}"}}}}"#,
        "x".repeat(4096)
    );
    // Once with Content-Length, once streamed in chunks without it.
    let server = LoopbackServer::start(vec![
        Step::json(200, big.clone()),
        Step::Respond(
            Response::new(200)
                .header("Transfer-Encoding", "chunked")
                .body(format!("{:x}\r\n{big}\r\n0\r\n\r\n", big.len())),
        ),
    ]);
    let sleep = RecordingSleep::default();
    let client = Client::builder()
        .region("us-east-1")
        .endpoint_url(server.url())
        .credentials(creds())
        .sleep(sleep.clone())
        .max_body_size(1024)
        .build()
        .unwrap();
    for _ in 0..2 {
        let err = client.send(GetFunction::new("f")).await.unwrap_err();
        assert_eq!(expect_transport(&err), TransportErrorKind::BodyTooLarge);
    }
    // Not retried.
    assert_eq!(server.request_count(), 2);
}

/// The documented default limit on response bodies (README, Resource bounds).
const DEFAULT_LIMIT: usize = 16 * 1024 * 1024;

/// At the default limit, the largest synchronous Invoke answer (6 MB) and a body of exactly
/// the limit pass; one byte more is refused, and not retried.
#[tokio::test]
async fn default_body_limit_passes_the_largest_invoke_answer() {
    assert_eq!(lambda_async::DEFAULT_MAX_BODY_SIZE, DEFAULT_LIMIT);
    let (six_mb, script) = Step::body_limit_script(DEFAULT_LIMIT);
    let server = LoopbackServer::start(script);
    let sleep = RecordingSleep::default();
    let client = client(&server, &sleep);
    let out = client.send(Invoke::new("f")).await.unwrap();
    assert!(out.payload.as_deref() == Some(&six_mb[..]), "6 MB payload");
    let out = client.send(Invoke::new("f")).await.unwrap();
    assert_eq!(out.payload.map(|p| p.len()), Some(DEFAULT_LIMIT));
    let err = client.send(Invoke::new("f")).await.unwrap_err();
    assert_eq!(expect_transport(&err), TransportErrorKind::BodyTooLarge);
    assert_eq!(server.request_count(), 3);
}

#[tokio::test]
async fn dropping_a_call_mid_request_leaves_the_client_usable() {
    let server = LoopbackServer::start_then(vec![Step::Stall(Duration::from_secs(3))], |_| ok("f"));
    // One request slot: a leaked slot would block the next call forever.
    let client = Client::builder()
        .region("us-east-1")
        .endpoint_url(server.url())
        .credentials(creds())
        .max_concurrency(1)
        .build()
        .unwrap();
    let op = GetFunction::new("f");
    let dropped = tokio::time::timeout(Duration::from_millis(200), client.send_ref(&op)).await;
    assert!(dropped.is_err(), "the stalled call should still be running");
    let out = tokio::time::timeout(Duration::from_secs(5), client.send_ref(&op))
        .await
        .expect("the client is stuck")
        .unwrap();
    assert_eq!(
        out.configuration.unwrap().function_name.as_deref(),
        Some("f")
    );
    assert_eq!(server.request_count(), 2);
}

#[tokio::test]
async fn validation_errors_send_nothing() {
    let server = LoopbackServer::start(vec![]);
    let sleep = RecordingSleep::default();
    let err = client(&server, &sleep)
        .send(GetFunction::new(""))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Validation(_)), "{err:?}");
    assert_eq!(server.request_count(), 0);
}

#[tokio::test]
async fn clock_skew_is_corrected_and_retried_at_once() {
    // The server's clock is one hour ahead of the client's.
    let server_now = common::T0 + time::Duration::hours(1);
    let date = server_now
        .format(&time::format_description::well_known::Rfc2822)
        .unwrap()
        .replace("+0000", "GMT");
    let server = LoopbackServer::start(vec![
        Step::Respond(
            Response::json(403, r#"{"message":"Signature expired"}"#)
                .header("x-amzn-ErrorType", "InvalidSignatureException")
                .header("Date", date),
        ),
        ok("f"),
        ok("g"),
    ]);
    let sleep = RecordingSleep::default();
    let client = client(&server, &sleep);
    client.send(GetFunction::new("f")).await.unwrap();
    assert!(
        sleep.delays().is_empty(),
        "no backoff for a clock-skew retry"
    );
    let dates: Vec<String> = server
        .requests()
        .iter()
        .map(|r| r.header("x-amz-date").unwrap().to_string())
        .collect();
    assert_eq!(dates, ["20260101T120000Z", "20260101T130000Z"]);
    // The correction is kept for later calls of the client.
    client.send(GetFunction::new("g")).await.unwrap();
    assert_eq!(
        server.requests()[2].header("x-amz-date"),
        Some("20260101T130000Z")
    );
}

#[tokio::test]
async fn idempotency_token_is_filled_once_per_call() {
    use lambda_proto::operations::PauseDurableExecution;
    let arn = "arn:aws:lambda:us-east-1:123456789012:function:f:1/durable-execution/e/1";
    let server = LoopbackServer::start(vec![
        error(503, "ServiceException"),
        Step::json(200, "{}"),
        Step::json(200, "{}"),
    ]);
    let sleep = RecordingSleep::default();
    let client = client(&server, &sleep);
    client.send(PauseDurableExecution::new(arn)).await.unwrap();
    client
        .send(PauseDurableExecution::new(arn).client_token("mine"))
        .await
        .unwrap();
    let tokens: Vec<String> = server
        .requests()
        .iter()
        .map(|r| {
            let body: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
            body["ClientToken"].as_str().unwrap().to_string()
        })
        .collect();
    // Four draws of 0.5 give the bytes 80 00 00 00 (x4); a version 4 UUID sets the
    // version nibble (byte 6) to 4 and the variant bits (byte 8) to 10.
    let generated = "80000000-8000-4000-8000-000080000000";
    assert_eq!(tokens, [generated, generated, "mine"]);
}

#[tokio::test]
async fn refused_connection_is_a_connect_error_and_is_retried() {
    // A port that was free a moment ago: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let sleep = RecordingSleep::default();
    let client = Client::builder()
        .region("us-east-1")
        .endpoint_url(format!("http://127.0.0.1:{port}"))
        .credentials(creds())
        .sleep(sleep.clone())
        .random(|| RANDOM)
        .build()
        .unwrap();
    let err = client.send(GetFunction::new("f")).await.unwrap_err();
    assert_eq!(expect_transport(&err), TransportErrorKind::Connect);
    assert_eq!(
        sleep.delays(),
        vec![standard_backoff(1), standard_backoff(2)]
    );
}

#[tokio::test]
async fn connect_timeout_bounds_a_hanging_handshake() {
    let hanging = test_support::HangingListener::start();
    let sleep = RecordingSleep::default();
    let client = Client::builder()
        .region("us-east-1")
        .endpoint_url(hanging.url())
        .credentials(creds())
        .sleep(sleep.clone())
        .random(|| RANDOM)
        .connect_timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    let started = std::time::Instant::now();
    let err = client.send(GetFunction::new("f")).await.unwrap_err();
    assert_eq!(expect_transport(&err), TransportErrorKind::Timeout);
    assert_eq!(sleep.delays().len(), 2, "timeouts are retried");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
}
