//! `Client::invoke_many` on a runtime that is not tokio (async-io sockets and timer,
//! futures-executor), against the throttling simulator, a scripted loopback server and
//! moto; adaptive retry mode through the driver. CI runs it with `--no-default-features`
//! too.

mod common;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_executor::block_on;
use futures_util::{stream, StreamExt};
use lambda_async::{Client, FanoutOptions};
use lambda_proto::operations::{CreateFunction, Invoke};
use lambda_proto::retry::{RetryConfig, RetryMode};
use lambda_proto::types::{FunctionCode, Runtime};
use test_support::{LoopbackServer, MotoServer, Response, Step, ThrottlingServer};

use common::{sleep, transport};

fn client_with(endpoint: String, retry: RetryConfig) -> Client {
    Client::builder()
        .region("us-east-1")
        .endpoint_url(endpoint)
        .credentials(common::creds())
        .transport(transport())
        .sleep(sleep)
        .retry_config(retry)
        .build()
        .unwrap()
}

fn client(endpoint: String) -> Client {
    client_with(endpoint, RetryConfig::standard())
}

fn payloads(n: u64) -> impl futures_core::Stream<Item = Vec<u8>> + Send + 'static {
    stream::iter((0..n).map(|i| format!(r#"{{"n":{i}}}"#).into_bytes()))
}

#[test]
fn ordered_results_against_a_throttling_server() {
    let server = ThrottlingServer::start(10, Duration::from_millis(10));
    let client = client(server.url());
    let last = Arc::new(Mutex::new(None));
    let seen = Arc::clone(&last);
    let options = FanoutOptions::new(50)
        .ordered(true)
        .on_progress(move |p| *seen.lock().unwrap() = Some(*p));
    let results: Vec<_> = block_on(
        client
            .invoke_many("f", None, payloads(300), options)
            .collect(),
    );
    let indices: Vec<u64> = results.iter().map(|r| r.0).collect();
    assert_eq!(indices, (0..300).collect::<Vec<_>>());
    for (i, result) in &results {
        let out = result.as_ref().unwrap();
        assert_eq!(out.status_code, Some(200));
        assert_eq!(
            out.payload.as_deref(),
            Some(format!(r#"{{"n":{i}}}"#).as_bytes())
        );
    }
    assert_eq!(server.invocations(), 300);
    assert!(server.max_concurrent() <= 10);
    let throttled = server.throttled();
    assert!(throttled < 60, "{throttled} throttles");
    let p = last.lock().unwrap().unwrap();
    assert_eq!(
        (p.done, p.failed, p.in_flight, p.throttled),
        (300, 0, 0, throttled)
    );
}

#[test]
fn unordered_results_each_once() {
    let server = ThrottlingServer::start(4, Duration::from_millis(5));
    let client = client(server.url());
    let results: Vec<_> = block_on(
        client
            .invoke_many("f", Some("live"), payloads(100), FanoutOptions::new(8))
            .collect(),
    );
    let mut indices: Vec<u64> = results
        .iter()
        .map(|(i, r)| {
            assert!(r.is_ok());
            *i
        })
        .collect();
    indices.sort_unstable();
    assert_eq!(indices, (0..100).collect::<Vec<_>>());
}

#[test]
fn errors_do_not_stop_the_rest_unless_asked() {
    let server = LoopbackServer::with_handler(|r| {
        if r.body_text().contains("bad") {
            Response::json(404, r#"{"Type":"User","Message":"no such function"}"#)
                .header("x-amzn-ErrorType", "ResourceNotFoundException")
        } else {
            Response::json(200, r.body_text())
        }
    });
    let client = client(server.url());
    let input = vec!["1", "bad", "3", "bad", "5"];
    let options = FanoutOptions::new(2).ordered(true);
    let results: Vec<_> = block_on(
        client
            .invoke_many("f", None, stream::iter(input.clone()), options)
            .collect(),
    );
    assert_eq!(results.len(), 5);
    for (i, r) in &results {
        match input[*i as usize] {
            "bad" => assert_eq!(
                r.as_ref().unwrap_err().code(),
                Some("ResourceNotFoundException")
            ),
            p => assert_eq!(r.as_ref().unwrap().payload.as_deref(), Some(p.as_bytes())),
        }
    }
    let many = stream::iter((0..1000).map(|i| {
        if i == 3 {
            "bad".to_string()
        } else {
            i.to_string()
        }
    }));
    let options = FanoutOptions::new(1).ordered(true).stop_on_error(true);
    let results: Vec<_> = block_on(client.invoke_many("f", None, many, options).collect());
    assert_eq!(results.len(), 4, "{results:?}");
    assert!(results[3].1.is_err());
}

#[test]
fn cancel_stops_pulling_an_endless_input() {
    let server = ThrottlingServer::start(16, Duration::from_millis(2));
    let client = client(server.url());
    let pulled = Arc::new(AtomicU64::new(0));
    let counter = Arc::clone(&pulled);
    let endless = stream::iter((0u64..).map(move |i| {
        counter.fetch_add(1, Ordering::SeqCst);
        i.to_string().into_bytes()
    }));
    let mut results = client.invoke_many("f", None, endless, FanoutOptions::new(8).ordered(true));
    let canceller = results.canceller();
    block_on(async {
        let first: Vec<u64> = results.by_ref().take(200).map(|(i, _)| i).collect().await;
        assert_eq!(first, (0..200).collect::<Vec<_>>());
        canceller.cancel();
        let rest = results.by_ref().count().await;
        assert!(rest <= 8);
    });
    let pulled = pulled.load(Ordering::SeqCst);
    assert!(pulled <= 200 + 8, "pulled {pulled}");
}

fn throttle_once_then_echo() -> LoopbackServer {
    let throttle = Response::json(
        429,
        r#"{"Reason":"ConcurrentInvocationLimitExceeded","Type":"User","message":"Rate Exceeded."}"#,
    )
    .header("x-amzn-ErrorType", "TooManyRequestsException");
    LoopbackServer::start_then(vec![Step::Respond(throttle)], |r| {
        Step::Respond(Response::json(200, r.body_text()))
    })
}

#[test]
fn adaptive_mode_waits_for_a_token_after_a_throttle() {
    // As in the blocking driver: a throttle at once drops the bucket's rate to the floor,
    // 0.5/s, with next to no token stored: the retry waits about 2 s.
    let retry = |mode| {
        RetryConfig::standard()
            .with_mode(mode)
            .with_initial_backoff(Duration::from_millis(1))
    };
    let server = throttle_once_then_echo();
    let client = client_with(server.url(), retry(RetryMode::Adaptive));
    let start = Instant::now();
    block_on(client.send(Invoke::new("f").payload(b"1".to_vec()))).unwrap();
    let elapsed = start.elapsed();
    assert!(elapsed >= Duration::from_millis(1900), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(4), "{elapsed:?}");
    assert!(client.config().rate_limiter().unwrap().is_enabled());

    let server = throttle_once_then_echo();
    let client = client_with(server.url(), retry(RetryMode::Standard));
    let start = Instant::now();
    block_on(client.send(Invoke::new("f").payload(b"1".to_vec()))).unwrap();
    assert!(start.elapsed() < Duration::from_millis(500));
    assert!(client.config().rate_limiter().is_none());
}

#[test]
fn a_thousand_invocations_through_moto_in_order() {
    let moto = MotoServer::start();
    let role = moto.create_role("fanout-exec");
    let client = client(moto.endpoint_url());
    let zip = test_support::zip::stored_zip(
        "index.py",
        b"def handler(event, context):\n    return event\n",
    );
    block_on(async {
        client
            .send(
                CreateFunction::new("echo", role, FunctionCode::new().zip_file(zip))
                    .runtime(Runtime::Python312)
                    .handler("index.handler"),
            )
            .await
            .unwrap();
        let results: Vec<_> = client
            .invoke_many(
                "echo",
                None,
                payloads(1000),
                FanoutOptions::new(8).ordered(true),
            )
            .collect()
            .await;
        assert_eq!(results.len(), 1000);
        for (n, (i, r)) in results.iter().enumerate() {
            assert_eq!(*i, n as u64);
            let out = r.as_ref().unwrap_or_else(|e| panic!("{i}: {e}"));
            let echoed: serde_json::Value =
                serde_json::from_slice(out.payload.as_deref().unwrap()).unwrap();
            assert_eq!(echoed, serde_json::json!({ "n": n }));
        }
    });
}
