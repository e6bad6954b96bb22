//! The client side of the benchmark: one scenario per run.
//!
//! ```text
//! bench-client <scenario> <iterations> [--endpoint http://127.0.0.1:PORT]
//! bench-client --list
//! ```
//!
//! Each scenario makes one warm-up call whose typed output is checked in full (the
//! echoed payload equals the one sent, 50 functions listed, ...), then `iterations` calls
//! with a cheap check each, and prints one line:
//!
//! ```text
//! scenario=blocking-get iterations=1000 wall_us=... cpu_us=... thread_cpu_us=...
//! ```
//!
//! with the wall time, process CPU time (user + system) and calling thread's CPU time per
//! call, in microseconds (`-` where `/proc` is missing). Static credentials, region
//! us-east-1, retries off (one attempt), the endpoint URL of the loopback server.
//!
//! Three scenarios ignore `iterations` and report one call: `startup-first` and
//! `async-startup-first` build the first client of the process (one-time initialization
//! included) and `noop` does nothing, so that the difference of their instruction counts
//! is the cost of the first client.
#![forbid(unsafe_code)]

use std::error::Error;
use std::hint::black_box;
use std::time::{Duration, Instant};

use lambda_bench::raw::{self, RawClient};
use lambda_bench::{cpu, credentials, payload, FUNCTION_NAME, REGION};
use lambda_proto::endpoint::Endpoint;
use lambda_proto::operations::{GetFunction, Invoke, ListFunctions};
use lambda_proto::retry::RetryConfig;
use lambda_proto::sigv4::{canonical_request, SignatureLocation, Signer, SigningParams};
use lambda_proto::types::{GetFunctionResponse, InvocationResponse, ListFunctionsResponse};
use lambda_proto::Operation;

type Res<T> = Result<T, Box<dyn Error>>;

const SCENARIOS: &[&str] = &[
    "raw-get",
    "raw-list",
    "raw-invoke-1k",
    "raw-invoke-1m",
    "blocking-get",
    "blocking-list",
    "blocking-invoke-1k",
    "blocking-invoke-1m",
    "async-get",
    "async-list",
    "async-invoke-1k",
    "async-invoke-1m",
    "sign",
    "sign-floor",
    "sha256-1m",
    "startup",
    "async-startup",
    "startup-first",
    "async-startup-first",
    "noop",
];

const KIB: usize = 1024;
const MIB: usize = 1024 * 1024;

/// Times from the start of the measured loop.
struct Timer {
    wall: Instant,
    cpu: Option<Duration>,
    thread: Option<Duration>,
}

impl Timer {
    fn start() -> Self {
        Timer {
            cpu: cpu::process(),
            thread: cpu::thread(),
            wall: Instant::now(),
        }
    }

    /// The per-call figures of `iterations` calls.
    fn finish(self, scenario: &str, iterations: u32) -> String {
        let wall = self.wall.elapsed();
        let per_call = |d: Option<Duration>| {
            d.map_or("-".to_string(), |d| {
                format!("{:.3}", d.as_secs_f64() * 1e6 / f64::from(iterations))
            })
        };
        let since = |now: Option<Duration>, then: Option<Duration>| Some(now? - then?);
        format!(
            "scenario={scenario} iterations={iterations} wall_us={} cpu_us={} thread_cpu_us={}",
            per_call(Some(wall)),
            per_call(since(cpu::process(), self.cpu)),
            per_call(since(cpu::thread(), self.thread)),
        )
    }
}

fn ensure(ok: bool, what: &str) -> Res<()> {
    if ok {
        Ok(())
    } else {
        Err(format!("check failed: {what}").into())
    }
}

fn check_get(out: &GetFunctionResponse, full: bool) -> Res<()> {
    let config = out.configuration.as_ref();
    ensure(config.is_some(), "GetFunction has a configuration")?;
    if full {
        let config = config.expect("checked");
        ensure(
            config.function_name.as_deref() == Some(FUNCTION_NAME),
            "GetFunction names the function",
        )?;
        ensure(
            config.layers.as_ref().map(Vec::len) == Some(2),
            "two layers",
        )?;
        ensure(out.tags.as_ref().map(|t| t.len()) == Some(5), "five tags")?;
        ensure(
            out.code
                .as_ref()
                .and_then(|c| c.location.as_ref())
                .is_some(),
            "a code location",
        )?;
    }
    Ok(())
}

fn check_list(out: &ListFunctionsResponse, full: bool) -> Res<()> {
    let functions = out.functions.as_deref().unwrap_or_default();
    ensure(functions.len() == 50, "50 functions listed")?;
    if full {
        ensure(
            functions[49].function_name.as_deref() == Some("orders-processor-49"),
            "the last function's name",
        )?;
        ensure(out.next_marker.is_none(), "no next page")?;
    }
    Ok(())
}

fn check_invoke(out: &InvocationResponse, sent: &[u8], full: bool) -> Res<()> {
    let echoed = out.payload.as_deref().unwrap_or_default();
    ensure(echoed.len() == sent.len(), "the echoed payload's length")?;
    if full {
        ensure(echoed == sent, "the echoed payload equals the one sent")?;
        ensure(out.status_code == Some(200), "status code 200")?;
        ensure(
            out.executed_version.as_deref() == Some("$LATEST"),
            "executed version $LATEST",
        )?;
        ensure(out.function_error.is_none(), "no function error")?;
    }
    Ok(())
}

fn endpoint_of(endpoint: Option<&str>) -> Res<&str> {
    endpoint.ok_or_else(|| "this scenario needs --endpoint http://127.0.0.1:PORT".into())
}

fn raw(
    scenario: &str,
    endpoint: &str,
    iterations: u32,
    request: Vec<u8>,
    expect: usize,
) -> Res<String> {
    let mut client = RawClient::connect(raw::authority(endpoint)?, 2 * MIB + 64 * KIB)?;
    let len = client.call(&request)?.len();
    ensure(len == expect, "the answer's length")?;
    let timer = Timer::start();
    for _ in 0..iterations {
        let body = client.call(black_box(&request))?;
        ensure(body.len() == expect, "the answer's length")?;
    }
    Ok(timer.finish(scenario, iterations))
}

fn blocking_client(endpoint: &str) -> Res<lambda_blocking::Client> {
    Ok(lambda_blocking::Client::builder()
        .region(REGION)
        .endpoint_url(endpoint)
        .credentials(credentials())
        .retry_config(RetryConfig::disabled())
        .build()?)
}

fn async_client(endpoint: &str) -> Res<lambda_async::Client> {
    Ok(lambda_async::Client::builder()
        .region(REGION)
        .endpoint_url(endpoint)
        .credentials(credentials())
        .retry_config(RetryConfig::disabled())
        .build()?)
}

fn runtime() -> Res<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?)
}

/// What a driver scenario sends.
enum Call {
    Get(GetFunction),
    List(ListFunctions),
    Invoke(Invoke, Vec<u8>),
}

impl Call {
    fn of(what: &str) -> Self {
        let invoke = |len| {
            let sent = payload(len);
            Call::Invoke(Invoke::new(FUNCTION_NAME).payload(sent.clone()), sent)
        };
        match what {
            "get" => Call::Get(GetFunction::new(FUNCTION_NAME)),
            "list" => Call::List(ListFunctions::new().max_items(50)),
            "invoke-1k" => invoke(KIB),
            _ => invoke(MIB),
        }
    }
}

fn blocking(scenario: &str, what: &str, endpoint: &str, iterations: u32) -> Res<String> {
    let client = blocking_client(endpoint)?;
    let call = Call::of(what);
    let once = |full: bool| -> Res<()> {
        match &call {
            Call::Get(op) => check_get(&client.send_ref(op)?, full),
            Call::List(op) => check_list(&client.send_ref(op)?, full),
            Call::Invoke(op, sent) => check_invoke(&client.send_ref(op)?, sent, full),
        }
    };
    once(true)?;
    let timer = Timer::start();
    for _ in 0..iterations {
        once(false)?;
    }
    Ok(timer.finish(scenario, iterations))
}

fn asynchronous(scenario: &str, what: &str, endpoint: &str, iterations: u32) -> Res<String> {
    let rt = runtime()?;
    let client = {
        let _in_runtime = rt.enter();
        async_client(endpoint)?
    };
    let call = Call::of(what);
    let once = |full: bool| {
        let (client, call) = (&client, &call);
        async move {
            match call {
                Call::Get(op) => check_get(&client.send_ref(op).await?, full),
                Call::List(op) => check_list(&client.send_ref(op).await?, full),
                Call::Invoke(op, sent) => check_invoke(&client.send_ref(op).await?, sent, full),
            }
        }
    };
    rt.block_on(async {
        once(true).await?;
        let timer = Timer::start();
        for _ in 0..iterations {
            once(false).await?;
        }
        Ok(timer.finish(scenario, iterations))
    })
}

/// The GetFunction request the drivers sign, for the real endpoint.
fn get_function_request() -> Res<http::Request<bytes::Bytes>> {
    let endpoint = Endpoint::parse("https://lambda.us-east-1.amazonaws.com")?;
    Ok(GetFunction::new(FUNCTION_NAME).build(&endpoint)?)
}

fn signing_time() -> time::OffsetDateTime {
    time::macros::datetime!(2024-05-06 07:08:09 UTC)
}

/// SigV4 signing of a GetFunction request as the drivers do it ([`Signer::sign`] through
/// `lambda_proto::call::Call::request`), in place: the signing key is cached, as in a
/// client (the signer derives it once per day, region and service).
fn sign(scenario: &str, iterations: u32) -> Res<String> {
    let mut request = get_function_request()?;
    let creds = credentials();
    let params = SigningParams::new(&creds, REGION, "lambda", signing_time());
    let signer = Signer::new();
    signer.sign(&mut request, &params)?;
    ensure(
        request.headers().contains_key("authorization"),
        "signed request has an Authorization header",
    )?;
    let timer = Timer::start();
    for _ in 0..iterations {
        signer.sign(black_box(&mut request), black_box(&params))?;
    }
    Ok(timer.finish(scenario, iterations))
}

fn hmac(key: &[u8], data: &[u8]) -> [u8; 32] {
    let tag = ring::hmac::sign(&ring::hmac::Key::new(ring::hmac::HMAC_SHA256, key), data);
    let mut out = [0u8; 32];
    out.copy_from_slice(tag.as_ref());
    out
}

fn sha256(data: &[u8]) -> ring::digest::Digest {
    ring::digest::digest(&ring::digest::SHA256, data)
}

/// The floor of `sign`: the cryptography a signature cannot avoid, with the implementation
/// the signer uses (ring): SHA-256 of the real canonical request, the hex string to sign
/// and its HMAC with the signing key derived once (the signer caches it, with its HMAC
/// state). The SHA-256 of an empty body is a constant, so it is not part of the floor.
fn sign_floor(scenario: &str, iterations: u32) -> Res<String> {
    let request = get_function_request()?;
    let creds = credentials();
    let params = SigningParams::new(&creds, REGION, "lambda", signing_time());
    let creq = canonical_request(&request, &params, SignatureLocation::Headers)?
        .as_str()
        .to_owned();
    let key = {
        let k = hmac(
            format!("AWS4{}", lambda_bench::SECRET_ACCESS_KEY).as_bytes(),
            b"20240506",
        );
        let k = hmac(&k, REGION.as_bytes());
        let k = hmac(&k, b"lambda");
        ring::hmac::Key::new(ring::hmac::HMAC_SHA256, &hmac(&k, b"aws4_request"))
    };
    let prefix = "AWS4-HMAC-SHA256\n20240506T070809Z\n20240506/us-east-1/lambda/aws4_request\n";
    let once = || {
        let creq_hash = sha256(black_box(creq.as_bytes()));
        let sts = format!("{prefix}{}", hex::encode(creq_hash));
        black_box(ring::hmac::sign(&key, sts.as_bytes()));
    };
    once();
    let timer = Timer::start();
    for _ in 0..iterations {
        once();
    }
    Ok(timer.finish(scenario, iterations))
}

/// The bare SHA-256 of a 1 MiB payload (with ring, as the signer computes it): what
/// signing an Invoke of 1 MiB must hash.
fn sha256_1m(scenario: &str, iterations: u32) -> Res<String> {
    let data = payload(MIB);
    black_box(sha256(&data));
    let timer = Timer::start();
    for _ in 0..iterations {
        black_box(sha256(black_box(&data)));
    }
    Ok(timer.finish(scenario, iterations))
}

/// Builds (and drops) one client per iteration.
fn startup(scenario: &str, endpoint: &str, iterations: u32) -> Res<String> {
    black_box(blocking_client(endpoint)?);
    let timer = Timer::start();
    for _ in 0..iterations {
        black_box(blocking_client(black_box(endpoint))?);
    }
    Ok(timer.finish(scenario, iterations))
}

/// Builds the first client of the process, without warm-up: the one-time costs
/// (lazily made tables, TLS configuration, ...) included. `iterations` is ignored (the
/// figure is for one client); compare with `noop` for its instructions.
fn startup_first(scenario: &str, endpoint: &str) -> Res<String> {
    let timer = Timer::start();
    black_box(blocking_client(black_box(endpoint))?);
    Ok(timer.finish(scenario, 1))
}

/// As [`startup_first`], for the async client, in a tokio runtime made beforehand (whose
/// making is in the instructions of the run, not in the CPU times).
fn async_startup_first(scenario: &str, endpoint: &str) -> Res<String> {
    let rt = runtime()?;
    let _in_runtime = rt.enter();
    let timer = Timer::start();
    black_box(async_client(black_box(endpoint))?);
    Ok(timer.finish(scenario, 1))
}

fn async_startup(scenario: &str, endpoint: &str, iterations: u32) -> Res<String> {
    let rt = runtime()?;
    let _in_runtime = rt.enter();
    black_box(async_client(endpoint)?);
    let timer = Timer::start();
    for _ in 0..iterations {
        black_box(async_client(black_box(endpoint))?);
    }
    Ok(timer.finish(scenario, iterations))
}

fn run(scenario: &str, iterations: u32, endpoint: Option<&str>) -> Res<String> {
    let invoke = |len: usize| -> Res<(Vec<u8>, usize)> {
        let authority = raw::authority(endpoint_of(endpoint)?)?;
        Ok((raw::invoke_request(authority, &payload(len)), len))
    };
    match scenario {
        "raw-get" | "raw-list" | "raw-invoke-1k" | "raw-invoke-1m" => {
            let endpoint = endpoint_of(endpoint)?;
            let authority = raw::authority(endpoint)?;
            let (request, expect) = match scenario {
                "raw-get" => (
                    raw::get_request(authority),
                    lambda_bench::bodies::get_function(FUNCTION_NAME).len(),
                ),
                "raw-list" => (
                    raw::list_request(authority),
                    lambda_bench::bodies::list_functions().len(),
                ),
                "raw-invoke-1k" => invoke(KIB)?,
                _ => invoke(MIB)?,
            };
            raw(scenario, endpoint, iterations, request, expect)
        }
        s if s.starts_with("blocking-") => blocking(
            s,
            &s["blocking-".len()..],
            endpoint_of(endpoint)?,
            iterations,
        ),
        s if s.starts_with("async-") && !s.starts_with("async-startup") => {
            asynchronous(s, &s["async-".len()..], endpoint_of(endpoint)?, iterations)
        }
        "sign" => sign(scenario, iterations),
        "sign-floor" => sign_floor(scenario, iterations),
        "sha256-1m" => sha256_1m(scenario, iterations),
        "startup" => startup(
            scenario,
            endpoint.unwrap_or("http://127.0.0.1:9"),
            iterations,
        ),
        "async-startup" => async_startup(
            scenario,
            endpoint.unwrap_or("http://127.0.0.1:9"),
            iterations,
        ),
        "startup-first" => startup_first(scenario, endpoint.unwrap_or("http://127.0.0.1:9")),
        "async-startup-first" => {
            async_startup_first(scenario, endpoint.unwrap_or("http://127.0.0.1:9"))
        }
        "noop" => Ok(Timer::start().finish(scenario, 1)),
        _ => Err(format!(
            "unknown scenario {scenario}; one of: {}",
            SCENARIOS.join(" ")
        )
        .into()),
    }
}

fn usage() -> ! {
    eprintln!(
        "usage: bench-client <scenario> <iterations> [--endpoint http://127.0.0.1:PORT]\n       \
         bench-client --list\nscenarios: {}",
        SCENARIOS.join(" ")
    );
    std::process::exit(2)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--list") {
        println!("{}", SCENARIOS.join("\n"));
        return;
    }
    let (scenario, iterations, endpoint) = match args.as_slice() {
        [s, n] => (s, n, None),
        [s, n, flag, url] if flag == "--endpoint" => (s, n, Some(url.as_str())),
        _ => usage(),
    };
    let Ok(iterations) = iterations.parse::<u32>() else {
        usage()
    };
    if iterations == 0 || !SCENARIOS.contains(&scenario.as_str()) {
        usage()
    }
    match run(scenario, iterations, endpoint) {
        Ok(line) => println!("{line}"),
        Err(e) => {
            eprintln!("bench-client {scenario}: {e}");
            std::process::exit(1);
        }
    }
}
