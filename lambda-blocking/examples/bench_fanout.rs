//! Fan-out benchmark: `invoke_many` against the throttling simulator beside a naive loop.
//!
//! ```text
//! cargo run --release -p lambda-blocking --example bench_fanout -- [N] [K] [MS] [NAIVE]
//! ```
//!
//! The simulator runs at most K invocations at a time, MS milliseconds each, and throttles
//! the rest (429 TooManyRequestsException, Retry-After: 1). The ideal wall time is
//! `N / K * MS`. Both contenders may run up to NAIVE (default 500) invocations at a time:
//! `invoke_many` adapts below that; the naive loop runs NAIVE threads that each call
//! `send` with standard retries and send an item again until it succeeds. Defaults:
//! N = 10,000, K = 100, MS = 50. Memory: the peak resident size of the process during
//! each fan-out (reset before each run), with N and N / 10 inputs.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use lambda_blocking::{Client, FanoutOptions};
use lambda_proto::credentials::Credentials;
use lambda_proto::operations::Invoke;
use test_support::ThrottlingServer;

/// What one run measured.
#[derive(Debug, Clone, Copy)]
pub struct Run {
    /// Wall time.
    pub wall: Duration,
    /// 429 answers of the simulator.
    pub throttled: u64,
    /// Invocations that ended in success.
    pub succeeded: u64,
    /// Peak resident memory during the run, KiB (Linux; 0 elsewhere).
    pub peak_kib: u64,
}

fn client(url: &str) -> Client {
    Client::builder()
        .region("us-east-1")
        .endpoint_url(url)
        .credentials(Credentials::new("AKIDEXAMPLE", "secret", None, None))
        .build()
        .expect("client")
}

fn payload(i: u64) -> Vec<u8> {
    format!(r#"{{"n":{i}}}"#).into_bytes()
}

/// Resets the peak resident size (Linux `clear_refs` 5); false where unsupported.
fn reset_peak() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// The peak resident size since the last reset, KiB.
fn peak_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// `n` invocations through `invoke_many` with at most `max` at a time.
pub fn fanout(n: u64, k: usize, service: Duration, max: usize) -> Run {
    let server = ThrottlingServer::start(k, service);
    let client = client(&server.url());
    reset_peak();
    let start = Instant::now();
    let mut succeeded = 0;
    for (_, result) in client.invoke_many("f", None, (0..n).map(payload), FanoutOptions::new(max)) {
        if result.is_ok() {
            succeeded += 1;
        }
    }
    Run {
        wall: start.elapsed(),
        throttled: server.throttled(),
        succeeded,
        peak_kib: peak_kib(),
    }
}

/// `n` invocations on `threads` threads, each `send` with standard retries, each item
/// sent again until it succeeds.
pub fn naive(n: u64, k: usize, service: Duration, threads: usize) -> Run {
    let server = ThrottlingServer::start(k, service);
    let client = client(&server.url());
    let next = Arc::new(AtomicU64::new(0));
    let succeeded = Arc::new(AtomicU64::new(0));
    reset_peak();
    let start = Instant::now();
    let workers: Vec<_> = (0..threads)
        .map(|_| {
            let (client, next, succeeded) = (client.clone(), next.clone(), succeeded.clone());
            std::thread::spawn(move || loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                if i >= n {
                    return;
                }
                while client.send(Invoke::new("f").payload(payload(i))).is_err() {}
                succeeded.fetch_add(1, Ordering::SeqCst);
            })
        })
        .collect();
    for w in workers {
        let _ = w.join();
    }
    Run {
        wall: start.elapsed(),
        throttled: server.throttled(),
        succeeded: succeeded.load(Ordering::SeqCst),
        peak_kib: peak_kib(),
    }
}

/// The ideal wall time: `n / k` rounds of `service`.
pub fn ideal(n: u64, k: usize, service: Duration) -> Duration {
    service.mul_f64(n as f64 / k as f64)
}

#[allow(dead_code)]
fn main() {
    let arg = |i: usize, default: u64| {
        std::env::args()
            .nth(i)
            .map(|a| a.parse().expect("a number"))
            .unwrap_or(default)
    };
    let (n, k, ms, max) = (
        arg(1, 10_000),
        arg(2, 100) as usize,
        arg(3, 50),
        arg(4, 500) as usize,
    );
    let service = Duration::from_millis(ms);
    let ideal = ideal(n, k, service);
    println!(
        "{n} invocations, simulator K = {k}, {ms} ms each; ideal {:.2} s",
        ideal.as_secs_f64()
    );
    let report = |name: &str, r: Run| {
        println!(
            "{name:<28} wall {:>7.2} s ({:.2}x ideal)  429s {:>7}  ok {:>6}  peak RSS {:>7} KiB",
            r.wall.as_secs_f64(),
            r.wall.as_secs_f64() / ideal.as_secs_f64(),
            r.throttled,
            r.succeeded,
            r.peak_kib
        );
    };
    let small = fanout(n / 10, k, service, max);
    report(&format!("invoke_many, {} inputs", n / 10), small);
    let f = fanout(n, k, service, max);
    report(&format!("invoke_many, {n} inputs"), f);
    let naive = naive(n, k, service, max);
    report(&format!("naive loop, {max} threads"), naive);
    println!(
        "429s: naive / invoke_many = {:.1}",
        naive.throttled as f64 / f.throttled.max(1) as f64
    );
}
