//! `Client::invoke_many` against the throttling simulator, a scripted loopback server and
//! moto; adaptive retry mode through the driver.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use lambda_blocking::{Client, FanoutOptions};
use lambda_proto::credentials::Credentials;
use lambda_proto::operations::{CreateFunction, Invoke};
use lambda_proto::retry::{RetryConfig, RetryMode};
use lambda_proto::types::FunctionCode;
use test_support::{LoopbackServer, MotoServer, Response, ThrottlingServer};

fn client(url: &str) -> Client {
    Client::builder()
        .region("us-east-1")
        .endpoint_url(url)
        .credentials(Credentials::new("AKIDEXAMPLE", "secret", None, None))
        .build()
        .unwrap()
}

fn payloads(n: u64) -> impl Iterator<Item = Vec<u8>> + Send + 'static {
    (0..n).map(|i| format!(r#"{{"n":{i}}}"#).into_bytes())
}

#[test]
fn ordered_results_against_a_throttling_server() {
    let server = ThrottlingServer::start(10, Duration::from_millis(10));
    let client = client(&server.url());
    let last = Arc::new(Mutex::new(None));
    let seen = Arc::clone(&last);
    let options = FanoutOptions::new(50)
        .ordered(true)
        .on_progress(move |p| *seen.lock().unwrap() = Some(*p));
    let results: Vec<_> = client
        .invoke_many("f", None, payloads(300), options)
        .collect();
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
    // Throttles happen (the limit is probed) but stay a small fraction.
    let throttled = server.throttled();
    assert!(throttled < 60, "{throttled} throttles");
    let p = last.lock().unwrap().unwrap();
    assert_eq!((p.done, p.failed, p.in_flight), (300, 0, 0));
    assert_eq!(p.throttled, throttled);
}

#[test]
fn unordered_results_each_once() {
    let server = ThrottlingServer::start(4, Duration::from_millis(5));
    let client = client(&server.url());
    let mut indices: Vec<u64> = client
        .invoke_many("f", Some("live"), payloads(100), FanoutOptions::new(8))
        .map(|(i, r)| {
            assert!(r.is_ok());
            i
        })
        .collect();
    indices.sort_unstable();
    assert_eq!(indices, (0..100).collect::<Vec<_>>());
}

fn failing_server() -> LoopbackServer {
    LoopbackServer::with_handler(|r| {
        if r.body_text().contains("bad") {
            Response::json(404, r#"{"Type":"User","Message":"no such function"}"#)
                .header("x-amzn-ErrorType", "ResourceNotFoundException")
        } else {
            Response::json(200, r.body_text())
        }
    })
}

#[test]
fn errors_do_not_stop_the_rest_unless_asked() {
    let server = failing_server();
    let client = client(&server.url());
    let input = vec!["1", "bad", "3", "bad", "5"];
    let results: Vec<_> = client
        .invoke_many(
            "f",
            None,
            input.clone(),
            FanoutOptions::new(2).ordered(true),
        )
        .collect();
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

    let many = (0..1000).map(|i| {
        if i == 3 {
            "bad".to_string()
        } else {
            i.to_string()
        }
    });
    let options = FanoutOptions::new(1).ordered(true).stop_on_error(true);
    let results: Vec<_> = client.invoke_many("f", None, many, options).collect();
    assert_eq!(results.len(), 4, "{results:?}");
    assert!(results[3].1.is_err());
}

#[test]
fn cancel_stops_pulling_an_endless_input() {
    let server = ThrottlingServer::start(16, Duration::from_millis(2));
    let client = client(&server.url());
    let pulled = Arc::new(AtomicU64::new(0));
    let counter = Arc::clone(&pulled);
    let endless = (0u64..).map(move |i| {
        counter.fetch_add(1, Ordering::SeqCst);
        i.to_string().into_bytes()
    });
    let mut results = client.invoke_many("f", None, endless, FanoutOptions::new(8).ordered(true));
    let first: Vec<u64> = results.by_ref().take(200).map(|(i, _)| i).collect();
    assert_eq!(first, (0..200).collect::<Vec<_>>());
    results.cancel();
    let rest = results.by_ref().count();
    // Input is pulled only when an invocation may start: at most the window ahead.
    let pulled = pulled.load(Ordering::SeqCst);
    assert!(pulled <= 200 + 8, "pulled {pulled}");
    assert!(rest <= 8);
    drop(results);
}

fn throttle_once_then_echo() -> LoopbackServer {
    let throttle = Response::json(
        429,
        r#"{"Reason":"ConcurrentInvocationLimitExceeded","Type":"User","message":"Rate Exceeded."}"#,
    )
    .header("x-amzn-ErrorType", "TooManyRequestsException");
    LoopbackServer::start_then(vec![test_support::Step::Respond(throttle)], |r| {
        test_support::Step::Respond(Response::json(200, r.body_text()))
    })
}

#[test]
fn adaptive_mode_waits_for_a_token_after_a_throttle() {
    // A throttle right after the start: the measured rate is 0 (no half-second bucket has
    // passed), so the bucket's rate drops to the floor, 0.5/s, with next to no token
    // stored: the retry waits about 1 / 0.5 = 2 s for its token.
    let server = throttle_once_then_echo();
    let client = client_with_mode(&server.url(), RetryMode::Adaptive);
    let start = Instant::now();
    client
        .send(Invoke::new("f").payload(b"1".to_vec()))
        .unwrap();
    let elapsed = start.elapsed();
    assert!(elapsed >= Duration::from_millis(1900), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(4), "{elapsed:?}");
    assert!(client.config().rate_limiter().unwrap().is_enabled());
    assert_eq!(server.request_count(), 2);

    // Standard mode: only the backoff (1 ms here).
    let server = throttle_once_then_echo();
    let client = client_with_mode(&server.url(), RetryMode::Standard);
    let start = Instant::now();
    client
        .send(Invoke::new("f").payload(b"1".to_vec()))
        .unwrap();
    assert!(start.elapsed() < Duration::from_millis(500));
    assert!(client.config().rate_limiter().is_none());
}

fn client_with_mode(url: &str, mode: RetryMode) -> Client {
    Client::builder()
        .region("us-east-1")
        .endpoint_url(url)
        .credentials(Credentials::new("AKIDEXAMPLE", "secret", None, None))
        .retry_config(
            RetryConfig::standard()
                .with_mode(mode)
                .with_initial_backoff(Duration::from_millis(1)),
        )
        .build()
        .unwrap()
}

#[test]
fn a_thousand_invocations_through_moto_in_order() {
    let moto = MotoServer::start();
    let role = moto.create_role("fanout-exec");
    let client = Client::builder()
        .region(MotoServer::REGION)
        .endpoint_url(moto.endpoint_url())
        .credentials(Credentials::new("AKIDEXAMPLE", "secret", None, None))
        .build()
        .unwrap();
    let zip = test_support::zip::stored_zip(
        "index.py",
        b"def handler(event, context):\n    return event\n",
    );
    client
        .send(
            CreateFunction::new("echo", &role, FunctionCode::default().zip_file(zip))
                .runtime("python3.12")
                .handler("index.handler"),
        )
        .unwrap();
    let results: Vec<_> = client
        .invoke_many(
            "echo",
            None,
            payloads(1000),
            FanoutOptions::new(8).ordered(true),
        )
        .collect();
    assert_eq!(results.len(), 1000);
    for (n, (i, r)) in results.iter().enumerate() {
        assert_eq!(*i, n as u64);
        let out = r.as_ref().unwrap_or_else(|e| panic!("{i}: {e}"));
        let echoed: serde_json::Value =
            serde_json::from_slice(out.payload.as_deref().unwrap()).unwrap();
        assert_eq!(echoed, serde_json::json!({ "n": n }));
    }
}

#[test]
fn retry_mode_adaptive_from_the_environment_or_a_profile() {
    let dir = std::env::temp_dir().join(format!("lambda-fanout-mode-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let config_file = dir.join("config");
    std::fs::write(&config_file, "[profile fast]\nretry_mode = adaptive\n").unwrap();
    let build = |vars: &[(&str, &str)]| {
        let mut vars: Vec<(String, String)> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        vars.push(("AWS_ACCESS_KEY_ID".into(), "AKIDEXAMPLE".into()));
        vars.push(("AWS_SECRET_ACCESS_KEY".into(), "secret".into()));
        vars.push(("AWS_REGION".into(), "us-east-1".into()));
        vars.push(("HOME".into(), dir.display().to_string()));
        vars.push(("AWS_CONFIG_FILE".into(), config_file.display().to_string()));
        let lookup = move |name: &str| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
        lambda_blocking::ClientBuilder::from_env_lookup(&lookup)
            .unwrap()
            .build()
            .unwrap()
    };
    assert!(build(&[]).config().rate_limiter().is_none());
    assert!(build(&[("AWS_RETRY_MODE", "adaptive")])
        .config()
        .rate_limiter()
        .is_some());
    assert!(build(&[("AWS_PROFILE", "fast")])
        .config()
        .rate_limiter()
        .is_some());
    assert!(
        build(&[("AWS_PROFILE", "fast"), ("AWS_RETRY_MODE", "standard")])
            .config()
            .rate_limiter()
            .is_none()
    );
    let _ = std::fs::remove_dir_all(&dir);
}
