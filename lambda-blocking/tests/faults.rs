//! Retries, timeouts and limits against a scripted loopback server.

mod common;

use std::time::Duration;

use common::{builder, error_response, RecordingSleeper};
use lambda_proto::error::TransportErrorKind;
use lambda_proto::operations::GetFunction;
use lambda_proto::retry::RetryConfig;
use lambda_proto::Error;
use test_support::{LoopbackServer, Response, Step};

const FUNCTION: &str = r#"{"Configuration":{"FunctionName":"f","Runtime":"python3.12"}}"#;

fn ok() -> Step {
    Step::json(200, FUNCTION)
}

fn secs(s: f64) -> Duration {
    Duration::from_secs_f64(s)
}

/// The standard mode backoff (botocore, AWS SDK for Rust): min(random * 2^(n-1) s, 20 s).
fn standard_backoff(attempt: u32, random: f64) -> Duration {
    secs((random * 2f64.powi(attempt as i32 - 1)).min(20.0))
}

fn transport_kind<E: std::fmt::Debug>(err: &Error<E>) -> TransportErrorKind {
    match err {
        Error::Transport(t) => t.kind(),
        other => panic!("expected a transport error, got {other:?}"),
    }
}

#[test]
fn server_errors_then_success_are_retried() {
    let server = LoopbackServer::start(vec![
        Step::Respond(error_response(500, "ServiceException", "boom")),
        Step::Respond(Response::new(503).body("Service Unavailable")),
        ok(),
    ]);
    let sleeper = RecordingSleeper::default();
    let client = builder(&server.url(), &sleeper, 0.5).build().unwrap();
    let out = client.send(GetFunction::new("f")).unwrap();
    assert_eq!(
        out.configuration.unwrap().function_name.as_deref(),
        Some("f")
    );
    assert_eq!(server.request_count(), 3);
    assert_eq!(
        sleeper.delays(),
        vec![standard_backoff(1, 0.5), standard_backoff(2, 0.5)]
    );
    // Each attempt is signed again.
    for r in server.requests() {
        assert!(r
            .header("authorization")
            .unwrap()
            .starts_with("AWS4-HMAC-SHA256 "));
        assert_eq!(r.path(), "/2015-03-31/functions/f");
    }
}

#[test]
fn too_many_requests_honours_retry_after() {
    let server = LoopbackServer::start(vec![
        Step::Respond(
            error_response(429, "TooManyRequestsException", "slow down").header("Retry-After", "3"),
        ),
        ok(),
    ]);
    let sleeper = RecordingSleeper::default();
    let client = builder(&server.url(), &sleeper, 0.5).build().unwrap();
    client.send(GetFunction::new("f")).unwrap();
    assert_eq!(server.request_count(), 2);
    // The jittered backoff would be 0.5 s; the server asked for 3 s.
    assert_eq!(sleeper.delays(), vec![Duration::from_secs(3)]);
}

#[test]
fn retry_after_shorter_than_backoff_keeps_backoff() {
    let server = LoopbackServer::start(vec![
        Step::Respond(
            error_response(429, "TooManyRequestsException", "slow down").header("Retry-After", "0"),
        ),
        ok(),
    ]);
    let sleeper = RecordingSleeper::default();
    let client = builder(&server.url(), &sleeper, 0.9).build().unwrap();
    client.send(GetFunction::new("f")).unwrap();
    assert_eq!(sleeper.delays(), vec![standard_backoff(1, 0.9)]);
}

#[test]
fn throttling_code_with_400_is_retried() {
    let server = LoopbackServer::start(vec![
        Step::Respond(error_response(400, "ThrottlingException", "Rate exceeded")),
        ok(),
    ]);
    let sleeper = RecordingSleeper::default();
    let client = builder(&server.url(), &sleeper, 0.25).build().unwrap();
    client.send(GetFunction::new("f")).unwrap();
    assert_eq!(server.request_count(), 2);
    assert_eq!(sleeper.delays(), vec![standard_backoff(1, 0.25)]);
}

#[test]
fn client_error_is_not_retried() {
    let server = LoopbackServer::start(vec![
        Step::Respond(error_response(
            400,
            "InvalidParameterValueException",
            "bad value",
        )),
        ok(),
    ]);
    let sleeper = RecordingSleeper::default();
    let client = builder(&server.url(), &sleeper, 0.5).build().unwrap();
    let err = client.send(GetFunction::new("f")).unwrap_err();
    let service = err.service_error().expect("a service error");
    assert_eq!(service.code(), "InvalidParameterValueException");
    assert_eq!(service.status(), 400);
    assert_eq!(service.message(), "bad value");
    assert_eq!(service.request_id(), Some("req-1"));
    assert_eq!(server.request_count(), 1);
    assert!(sleeper.delays().is_empty());
}

#[test]
fn not_found_is_typed() {
    let server = LoopbackServer::start(vec![Step::Respond(error_response(
        404,
        "ResourceNotFoundException",
        "Function not found",
    ))]);
    let sleeper = RecordingSleeper::default();
    let client = builder(&server.url(), &sleeper, 0.5).build().unwrap();
    let err = client.send(GetFunction::new("f")).unwrap_err();
    assert_eq!(err.code(), Some("ResourceNotFoundException"));
    assert_eq!(server.request_count(), 1);
}

#[test]
fn attempts_exhausted_gives_the_last_error() {
    let server = LoopbackServer::start(vec![
        Step::Respond(error_response(503, "ServiceException", "one")),
        Step::Respond(error_response(503, "ServiceException", "two")),
        Step::Respond(error_response(503, "ServiceException", "three")),
        ok(),
    ]);
    let sleeper = RecordingSleeper::default();
    let client = builder(&server.url(), &sleeper, 0.5).build().unwrap();
    let err = client.send(GetFunction::new("f")).unwrap_err();
    assert_eq!(err.code(), Some("ServiceException"));
    assert_eq!(err.service_error().unwrap().message(), "three");
    assert_eq!(server.request_count(), 3, "standard mode makes 3 attempts");
    assert_eq!(sleeper.delays().len(), 2);
}

#[test]
fn delays_follow_the_standard_formula() {
    let attempts = 7;
    let server = LoopbackServer::start(Vec::new());
    for random in [0.01, 0.3, 0.75, 0.999] {
        let sleeper = RecordingSleeper::default();
        let client = builder(&server.url(), &sleeper, random)
            .retry_config(RetryConfig::standard().with_max_attempts(attempts))
            .build()
            .unwrap();
        server.push_steps(
            (0..attempts).map(|_| Step::Respond(error_response(500, "ServiceException", "x"))),
        );
        let err = client.send(GetFunction::new("f")).unwrap_err();
        assert_eq!(err.service_error().unwrap().status(), 500);
        let want: Vec<Duration> = (1..attempts).map(|n| standard_backoff(n, random)).collect();
        let got = sleeper.delays();
        assert_eq!(got.len(), want.len());
        for (g, w) in got.iter().zip(&want) {
            let diff = g.as_secs_f64() - w.as_secs_f64();
            assert!(
                diff.abs() < 1e-6,
                "random {random}: got {got:?}, want {want:?}"
            );
        }
    }
    assert_eq!(server.request_count(), 4 * attempts as usize);
    // The cap: attempt 6 would be 32 s uncapped; the jitter scales the uncapped delay.
    assert_eq!(standard_backoff(6, 1.0), Duration::from_secs(20));
    assert_eq!(standard_backoff(6, 0.3), secs(0.3 * 32.0));
}

#[test]
fn connection_reset_is_retried() {
    let server = LoopbackServer::start(vec![Step::Reset, ok()]);
    let sleeper = RecordingSleeper::default();
    let client = builder(&server.url(), &sleeper, 0.5).build().unwrap();
    client.send(GetFunction::new("f")).unwrap();
    assert_eq!(server.request_count(), 2);
    assert_eq!(sleeper.delays().len(), 1);
}

#[test]
fn stall_hits_the_read_timeout_and_is_retried() {
    let server = LoopbackServer::start(vec![Step::Stall(Duration::from_secs(3)), ok()]);
    let sleeper = RecordingSleeper::default();
    let client = builder(&server.url(), &sleeper, 0.5)
        .read_timeout(Some(Duration::from_millis(300)))
        .build()
        .unwrap();
    let started = std::time::Instant::now();
    client.send(GetFunction::new("f")).unwrap();
    assert!(started.elapsed() < Duration::from_secs(3));
    assert_eq!(server.request_count(), 2);
}

#[test]
fn stalls_until_attempts_run_out_give_a_timeout() {
    let server = LoopbackServer::start(vec![
        Step::Stall(Duration::from_secs(2)),
        Step::Stall(Duration::from_secs(2)),
    ]);
    let sleeper = RecordingSleeper::default();
    let client = builder(&server.url(), &sleeper, 0.5)
        .read_timeout(Some(Duration::from_millis(200)))
        .retry_config(RetryConfig::standard().with_max_attempts(2))
        .build()
        .unwrap();
    let err = client.send(GetFunction::new("f")).unwrap_err();
    assert_eq!(transport_kind(&err), TransportErrorKind::Timeout);
    assert_eq!(server.request_count(), 2);
}

#[test]
fn truncated_body_is_retried() {
    let full = Response::json(200, FUNCTION);
    let server = LoopbackServer::start(vec![
        Step::Truncate {
            bytes: full.to_bytes(false).len() - 10,
            response: full,
        },
        ok(),
    ]);
    let sleeper = RecordingSleeper::default();
    let client = builder(&server.url(), &sleeper, 0.5).build().unwrap();
    client.send(GetFunction::new("f")).unwrap();
    assert_eq!(server.request_count(), 2);
}

#[test]
fn refused_connection_is_a_connect_error() {
    // Bind and drop a listener to get a port nobody listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let sleeper = RecordingSleeper::default();
    let client = builder(&format!("http://127.0.0.1:{port}"), &sleeper, 0.5)
        .build()
        .unwrap();
    let err = client.send(GetFunction::new("f")).unwrap_err();
    assert_eq!(transport_kind(&err), TransportErrorKind::Connect);
    assert_eq!(sleeper.delays().len(), 2, "connection errors are retried");
}

#[test]
fn connect_timeout_bounds_a_hanging_handshake() {
    let hanging = test_support::HangingListener::start();
    let sleeper = RecordingSleeper::default();
    let client = builder(&hanging.url(), &sleeper, 0.5)
        .connect_timeout(Some(Duration::from_millis(200)))
        .build()
        .unwrap();
    let started = std::time::Instant::now();
    let err = client.send(GetFunction::new("f")).unwrap_err();
    assert_eq!(transport_kind(&err), TransportErrorKind::Timeout);
    assert_eq!(sleeper.delays().len(), 2, "timeouts are retried");
    // Three attempts of 200 ms (the recording sleeper does not sleep).
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn body_over_the_limit_is_refused_and_not_retried() {
    let big = format!(
        r#"{{"Configuration":{{"FunctionName":"{}"}}}}"#,
        "f".repeat(200)
    );
    let server = LoopbackServer::start(vec![Step::json(200, big.clone()), Step::json(200, big)]);
    let sleeper = RecordingSleeper::default();
    let client = builder(&server.url(), &sleeper, 0.5)
        .max_body_size(100)
        .build()
        .unwrap();
    let err = client.send(GetFunction::new("f")).unwrap_err();
    assert_eq!(transport_kind(&err), TransportErrorKind::BodyTooLarge);
    assert_eq!(server.request_count(), 1);

    // Without a Content-Length (chunked), the limit still holds.
    let chunked = LoopbackServer::start(vec![Step::Respond(
        Response::new(200)
            .header("Transfer-Encoding", "chunked")
            .body(format!("{:x}\r\n{}\r\n0\r\n\r\n", 300, "x".repeat(300))),
    )]);
    let client = builder(&chunked.url(), &sleeper, 0.5)
        .max_body_size(100)
        .build()
        .unwrap();
    let err = client.send(GetFunction::new("f")).unwrap_err();
    assert_eq!(transport_kind(&err), TransportErrorKind::BodyTooLarge);
}

/// The documented default limit on response bodies (README, Resource bounds).
const DEFAULT_LIMIT: usize = 16 * 1024 * 1024;

/// At the default limit, the largest synchronous Invoke answer (6 MB) and a body of exactly
/// the limit pass; one byte more is refused, and not retried.
#[test]
fn default_body_limit_passes_the_largest_invoke_answer() {
    use lambda_proto::operations::Invoke;
    assert_eq!(lambda_blocking::DEFAULT_MAX_BODY_SIZE, DEFAULT_LIMIT as u64);
    let (six_mb, script) = Step::body_limit_script(DEFAULT_LIMIT);
    let server = LoopbackServer::start(script);
    let sleeper = RecordingSleeper::default();
    let client = builder(&server.url(), &sleeper, 0.5).build().unwrap();
    let out = client.send(Invoke::new("f")).unwrap();
    assert!(out.payload.as_deref() == Some(&six_mb[..]), "6 MB payload");
    let out = client.send(Invoke::new("f")).unwrap();
    assert_eq!(out.payload.map(|p| p.len()), Some(DEFAULT_LIMIT));
    let err = client.send(Invoke::new("f")).unwrap_err();
    assert_eq!(transport_kind(&err), TransportErrorKind::BodyTooLarge);
    assert_eq!(server.request_count(), 3);
}

#[test]
fn connections_are_reused() {
    let server = LoopbackServer::start(vec![ok(), ok(), ok()]);
    let sleeper = RecordingSleeper::default();
    let client = builder(&server.url(), &sleeper, 0.5).build().unwrap();
    for _ in 0..3 {
        client.send(GetFunction::new("f")).unwrap();
    }
    assert_eq!(server.request_count(), 3);
    assert_eq!(server.connection_count(), 1);
}

#[test]
fn validation_fails_before_sending() {
    let server = LoopbackServer::start(vec![ok()]);
    let sleeper = RecordingSleeper::default();
    let client = builder(&server.url(), &sleeper, 0.5).build().unwrap();
    let err = client.send(GetFunction::new("")).unwrap_err();
    match err {
        Error::Validation(v) => assert_eq!(v.member(), "FunctionName"),
        other => panic!("{other:?}"),
    }
    assert_eq!(server.request_count(), 0);
}

#[test]
fn the_signed_request_is_sent_as_signed() {
    let server = LoopbackServer::start(vec![ok()]);
    let sleeper = RecordingSleeper::default();
    let client = builder(&server.url(), &sleeper, 0.5).build().unwrap();
    client
        .send(GetFunction::new("f").qualifier("live"))
        .unwrap();
    let r = &server.requests()[0];
    assert_eq!(r.method, "GET");
    assert_eq!(r.target, "/2015-03-31/functions/f?Qualifier=live");
    let hosts: Vec<_> = r
        .headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case("host"))
        .collect();
    assert_eq!(hosts.len(), 1, "{:?}", r.headers);
    assert_eq!(hosts[0].1, server.addr().to_string());
    let auth = r.header("authorization").unwrap();
    assert!(auth.contains("Credential=AKIDEXAMPLE/"), "{auth}");
    assert!(auth.contains("/us-east-1/lambda/aws4_request"), "{auth}");
    assert!(r.header("x-amz-date").is_some());
}

#[test]
fn invocations_wait_longer_than_control_calls() {
    use lambda_proto::operations::Invoke;
    let slow = || Step::Delay(Duration::from_millis(600), Response::new(200).body("{}"));
    let server = LoopbackServer::start(vec![slow(), slow()]);
    let sleeper = RecordingSleeper::default();
    let client = builder(&server.url(), &sleeper, 0.5)
        .read_timeout(Some(Duration::from_millis(200)))
        .invoke_timeout(Duration::from_secs(5))
        .retry_config(RetryConfig::standard().with_max_attempts(1))
        .build()
        .unwrap();
    let out = client.send(Invoke::new("f")).unwrap();
    assert_eq!(out.status_code, Some(200));
    let err = client.send(GetFunction::new("f")).unwrap_err();
    assert_eq!(transport_kind(&err), TransportErrorKind::Timeout);
}

#[test]
fn clock_skew_is_corrected_from_the_server_date() {
    // The server's clock is an hour ahead: it rejects the signature and sends its time in
    // `Date`; the retry is signed with the corrected time.
    let server_time = time::OffsetDateTime::now_utc() + time::Duration::hours(1);
    let date = server_time
        .format(&time::format_description::well_known::Rfc2822)
        .unwrap()
        .replace("+0000", "GMT");
    let server = LoopbackServer::start(vec![
        Step::Respond(
            error_response(403, "InvalidSignatureException", "Signature expired")
                .header("Date", date),
        ),
        ok(),
    ]);
    let sleeper = RecordingSleeper::default();
    let client = builder(&server.url(), &sleeper, 0.5).build().unwrap();
    client.send(GetFunction::new("f")).unwrap();
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    let amz_date = |r: &test_support::RecordedRequest| {
        time::PrimitiveDateTime::parse(
            r.header("x-amz-date").unwrap(),
            time::macros::format_description!("[year][month][day]T[hour][minute][second]Z"),
        )
        .unwrap()
        .assume_utc()
    };
    let first = amz_date(&requests[0]);
    let second = amz_date(&requests[1]);
    let shift = second - first;
    assert!(
        shift > time::Duration::minutes(59) && shift < time::Duration::minutes(61),
        "first {first}, second {second}"
    );
    assert!(client.config().clock_skew() > time::Duration::minutes(59));
}
