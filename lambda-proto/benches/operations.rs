//! Build + sign + parse of whole operations against the floor of the cryptography they
//! must do (SHA-256 of the body and of the real canonical request, the signature's HMAC
//! with the key derived once, as the signer caches it), and against a bare
//! `serde_json::Value` parse of the same response body.
//!
//! Criterion measures each; the run ends by timing them again over a fixed number of
//! iterations in the same process and printing the ratios.

mod common;

use std::hint::black_box;
use std::time::{Duration, Instant};

use common::{credentials, hmac, mean, params, signing_key, STS_PREFIX};
use criterion::{BatchSize, Criterion};
use lambda_proto::endpoint::Endpoint;
use lambda_proto::operations::{GetFunction, Invoke, ListFunctions};
use lambda_proto::sigv4::{canonical_request, SignatureLocation, Signer};
use lambda_proto::Operation;
use sha2::{Digest, Sha256};

fn function_json(i: usize) -> serde_json::Value {
    serde_json::json!({
        "FunctionName": format!("function-{i}"),
        "FunctionArn": format!("arn:aws:lambda:us-east-1:123456789012:function:function-{i}"),
        "Runtime": "python3.12", "Role": "arn:aws:iam::123456789012:role/lambda-role",
        "Handler": "app.handler", "CodeSize": 1024 + i, "Description": "benchmark function",
        "Timeout": 30, "MemorySize": 256, "LastModified": "2024-05-06T07:08:09.000+0000",
        "CodeSha256": "hD9Ne4s1Yx8Mnb7Ysg1M8oj0n0LHeM3Hc6ZN2x8Xbdw=", "Version": "$LATEST",
        "Environment": {"Variables": {"STAGE": "prod", "LOG_LEVEL": "info"}},
        "TracingConfig": {"Mode": "PassThrough"}, "RevisionId": "5a3e0f3c-0000-4000-8000-000000000000",
        "State": "Active", "LastUpdateStatus": "Successful", "PackageType": "Zip",
        "Architectures": ["x86_64"], "EphemeralStorage": {"Size": 512},
        "SnapStart": {"ApplyOn": "None", "OptimizationStatus": "Off"},
        "LoggingConfig": {"LogFormat": "Text", "LogGroup": format!("/aws/lambda/function-{i}")}
    })
}

/// What one run consumes: made before the timer starts, so that copying a 1 MiB payload
/// into the operation and into the response is not counted as its work.
struct Inputs {
    payload: Vec<u8>,
    response: http::Response<Vec<u8>>,
}

/// Build, sign and parse once.
type Run = dyn Fn(&Signer, Inputs) -> usize;

struct Case {
    name: &'static str,
    /// A fresh set of inputs.
    prepare: Box<dyn Fn() -> Inputs>,
    run: Box<Run>,
    /// The unavoidable SHA-256 and HMAC work for the same request.
    floor: Box<dyn Fn() -> usize>,
    /// A bare JSON parse of the response body.
    json: Box<dyn Fn() -> usize>,
}

/// The cryptography signing `request` cannot avoid: SHA-256 of its body and of its real
/// canonical request, and the HMAC of the string to sign. The key is derived beforehand:
/// the signer derives it once per day, region and service too.
fn crypto_floor(request: &http::Request<bytes::Bytes>) -> impl Fn() -> usize {
    let creds = credentials();
    let creq = canonical_request(request, &params(&creds), SignatureLocation::Headers)
        .expect("canonical request")
        .as_str()
        .to_owned();
    let body = request.body().clone();
    let key = signing_key();
    move || {
        let body_hash = Sha256::digest(&body);
        let creq_hash = Sha256::digest(creq.as_bytes());
        let sts = format!("{STS_PREFIX}{}", hex::encode(creq_hash));
        let sig = hmac(&key, sts.as_bytes());
        black_box((body_hash, sig)).1[0] as usize
    }
}

fn sign(signer: &Signer, request: &mut http::Request<bytes::Bytes>) {
    let creds = credentials();
    signer.sign(request, &params(&creds)).expect("signs");
}

fn response(body: Vec<u8>) -> http::Response<Vec<u8>> {
    http::Response::builder()
        .status(200)
        .header("x-amzn-RequestId", "5a3e0f3c-0000-4000-8000-000000000000")
        .body(body)
        .expect("response")
}

fn inputs(payload: &[u8], body: &[u8]) -> impl Fn() -> Inputs {
    let (payload, body) = (payload.to_vec(), body.to_vec());
    move || Inputs {
        payload: payload.clone(),
        response: response(body.clone()),
    }
}

fn json_parse(body: Vec<u8>) -> impl Fn() -> usize {
    move || {
        let v: serde_json::Value = serde_json::from_slice(&body).expect("json");
        v.as_object().map_or(0, |o| o.len())
    }
}

fn cases() -> Vec<Case> {
    let endpoint = Endpoint::parse("https://lambda.us-east-1.amazonaws.com").expect("endpoint");
    let get_body = serde_json::to_vec(&serde_json::json!({
        "Configuration": function_json(0),
        "Code": {"RepositoryType": "S3", "Location": "https://example.com/code.zip"},
        "Tags": {"team": "a"}
    }))
    .expect("json");
    let list_body = serde_json::to_vec(&serde_json::json!({
        "Functions": (0..50).map(function_json).collect::<Vec<_>>(),
        "NextMarker": "next"
    }))
    .expect("json");
    let payload = vec![b'x'; 1 << 20];

    let get = GetFunction::new("my-fn").qualifier("live");
    let list = ListFunctions::new().max_items(50);
    let invoke = Invoke::new("my-fn");
    let (e1, e2, e3) = (endpoint.clone(), endpoint.clone(), endpoint.clone());
    vec![
        Case {
            name: "GetFunction",
            prepare: Box::new(inputs(b"", &get_body)),
            floor: Box::new(crypto_floor(&get.build(&endpoint).expect("build"))),
            run: Box::new(move |signer, inputs| {
                let mut req = get.build(&e1).expect("build");
                sign(signer, &mut req);
                let out = GetFunction::parse(inputs.response).expect("parse");
                req.headers().len() + out.tags.map_or(0, |t| t.len())
            }),
            json: Box::new(json_parse(get_body)),
        },
        Case {
            name: "ListFunctions (50 items)",
            prepare: Box::new(inputs(b"", &list_body)),
            floor: Box::new(crypto_floor(&list.build(&endpoint).expect("build"))),
            run: Box::new(move |signer, inputs| {
                let mut req = list.build(&e2).expect("build");
                sign(signer, &mut req);
                let out = ListFunctions::parse(inputs.response).expect("parse");
                req.headers().len() + out.functions.map_or(0, |f| f.len())
            }),
            json: Box::new(json_parse(list_body)),
        },
        Case {
            name: "Invoke (1 MiB)",
            prepare: Box::new(inputs(&payload, &payload)),
            floor: Box::new(crypto_floor(
                &invoke
                    .clone()
                    .payload(payload.clone())
                    .build(&endpoint)
                    .expect("build"),
            )),
            run: Box::new(move |signer, inputs| {
                let mut req = invoke
                    .clone()
                    .payload(inputs.payload)
                    .build(&e3)
                    .expect("build");
                sign(signer, &mut req);
                let out = Invoke::parse(inputs.response).expect("parse");
                req.body().len() + out.payload.map_or(0, |p| p.len())
            }),
            json: Box::new(|| 0),
        },
    ]
}

/// The mean time of `run` over inputs prepared before the timer starts.
fn mean_run(case: &Case, signer: &Signer, iterations: u32) -> Duration {
    black_box((case.run)(signer, (case.prepare)()));
    let prepared: Vec<Inputs> = (0..iterations).map(|_| (case.prepare)()).collect();
    let start = Instant::now();
    for inputs in prepared {
        black_box((case.run)(signer, inputs));
    }
    start.elapsed() / iterations
}

fn main() {
    let benching = std::env::args().any(|a| a == "--bench");
    let cases = cases();
    let signer = Signer::new();
    let mut c = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1))
        .configure_from_args();
    for case in &cases {
        let mut group = c.benchmark_group(case.name);
        group.bench_function("build+sign+parse", |b| {
            b.iter_batched(
                || (case.prepare)(),
                |inputs| black_box((case.run)(&signer, inputs)),
                BatchSize::LargeInput,
            )
        });
        group.bench_function("sha256+hmac floor", |b| {
            b.iter(|| black_box((case.floor)()))
        });
        group.finish();
    }
    c.final_summary();
    for case in &cases {
        let iterations = match (benching, case.name.starts_with("Invoke")) {
            (false, _) => 1,
            (true, false) => 2_000,
            (true, true) => 30,
        };
        let run = mean_run(case, &signer, iterations);
        let floor = mean(iterations, || {
            black_box((case.floor)());
        });
        let json = mean(iterations, || {
            black_box((case.json)());
        });
        eprintln!(
            "{}: build+sign+parse {:?}; sha256+hmac floor {:?} (ratio {:.2}); bare JSON parse {:?}",
            case.name,
            run,
            floor,
            run.as_secs_f64() / floor.as_secs_f64().max(1e-12),
            json,
        );
    }
}
