//! The adaptive retry mode through `Call`: the rate limiter's delays and feedback, and
//! throttling errors left to the caller.

use std::time::Duration;

use lambda_proto::call::{Call, ClientConfig, Step};
use lambda_proto::credentials::Credentials;
use lambda_proto::endpoint::Endpoint;
use lambda_proto::operations::Invoke;
use lambda_proto::retry::{RetryConfig, RetryMode, INITIAL_RETRY_TOKENS};

fn config(mode: RetryMode) -> ClientConfig {
    ClientConfig::new(Endpoint::parse("http://127.0.0.1:9").unwrap(), "us-east-1")
        .with_retry(RetryConfig::standard().with_mode(mode))
}

fn throttle() -> http::Response<Vec<u8>> {
    http::Response::builder()
        .status(429)
        .header("x-amzn-ErrorType", "TooManyRequestsException")
        .header("Retry-After", "1")
        .body(br#"{"Reason":"ConcurrentInvocationLimitExceeded","Type":"User","message":"Rate Exceeded."}"#.to_vec())
        .unwrap()
}

fn ok() -> http::Response<Vec<u8>> {
    http::Response::builder()
        .status(200)
        .body(b"{}".to_vec())
        .unwrap()
}

const NOW: time::OffsetDateTime = time::macros::datetime!(2026-01-01 0:00 UTC);

fn secs(s: f64) -> Duration {
    Duration::from_secs_f64(s)
}

#[test]
fn standard_mode_never_delays() {
    let config = config(RetryMode::Standard);
    assert!(config.rate_limiter().is_none());
    let mut call = Call::new(&config, &Invoke::new("f")).unwrap();
    let creds = Credentials::new("AKID", "secret", None, None);
    for _ in 0..2 {
        assert_eq!(call.send_delay(secs(0.1)), None);
        call.request(&creds, NOW).unwrap();
        let _ = call.on_response(throttle(), NOW, 0.5);
        call.record_answer(secs(0.1));
        assert_eq!(call.last_throttled(), Some(true));
    }
}

#[test]
fn adaptive_mode_waits_for_a_token_after_a_throttle() {
    let config = config(RetryMode::Adaptive);
    let creds = Credentials::new("AKID", "secret", None, None);
    let mut call = Call::new(&config, &Invoke::new("f")).unwrap();
    // Not enabled before a throttle: no delay.
    assert_eq!(call.send_delay(secs(0.1)), None);
    call.request(&creds, NOW).unwrap();
    assert!(matches!(
        call.on_response(throttle(), NOW, 0.5),
        Step::Retry { .. }
    ));
    call.record_answer(secs(0.1));
    // The throttle at 0.1 s: measured rate 0, so the rate drops to the 0.5/s floor; the
    // bucket earned 0.1 token at its first rate (1/s) before: (1 - 0.1) / 0.5 = 1.8 s.
    let limiter = config.rate_limiter().unwrap();
    assert!(limiter.is_enabled());
    assert_eq!(call.send_delay(secs(0.1)), Some(secs(1.8)));
    assert_eq!(call.send_delay(secs(1.0)), Some(secs(0.9)));
    assert_eq!(call.send_delay(secs(1.9)), None);
    // The limiter is the client's: a new call of the same client waits too.
    let other = Call::new(&config, &Invoke::new("g")).unwrap();
    assert!(other.send_delay(secs(1.9)).is_some());
    // A success is recorded as one.
    call.request(&creds, NOW).unwrap();
    assert!(matches!(
        call.on_response(ok(), NOW, 0.5),
        Step::Done(Ok(_))
    ));
    assert_eq!(call.last_throttled(), Some(false));
}

#[test]
fn throttling_left_to_the_caller_ends_the_call_without_quota() {
    let config = config(RetryMode::Standard);
    let creds = Credentials::new("AKID", "secret", None, None);
    let mut call = Call::new(&config, &Invoke::new("f"))
        .unwrap()
        .throttling_is_final();
    call.request(&creds, NOW).unwrap();
    match call.on_response(throttle(), NOW, 0.5) {
        Step::Done(Err(e)) => {
            assert_eq!(e.code(), Some("TooManyRequestsException"));
            assert!(lambda_proto::fanout::is_throttling(&e));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(config.quota().available(), INITIAL_RETRY_TOKENS);
    // Other errors still follow the standard rules.
    let mut call = Call::new(&config, &Invoke::new("f"))
        .unwrap()
        .throttling_is_final();
    call.request(&creds, NOW).unwrap();
    let busy = http::Response::builder()
        .status(503)
        .body(Vec::new())
        .unwrap();
    assert!(matches!(
        call.on_response(busy, NOW, 0.5),
        Step::Retry { .. }
    ));
}
