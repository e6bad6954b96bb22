//! SigV4 signing cost against its floor.
//!
//! The floor is the cryptography signing cannot avoid: SHA-256 of the body, SHA-256 of the
//! canonical request and the HMAC of the string to sign. The four HMACs that derive the
//! signing key are not in it: the signer derives the key once per day, region and service,
//! and so does this benchmark's floor.
//! Criterion measures each; the run ends by timing both again over a fixed number of
//! iterations and printing signing / floor.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::Criterion;
use hmac::{Hmac, Mac};
use lambda_proto::credentials::Credentials;
use lambda_proto::sigv4::{canonical_request, SignatureLocation, Signer, SigningParams};
use sha2::{Digest, Sha256};
use time::macros::datetime;

const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

struct Case {
    name: &'static str,
    request: http::Request<Vec<u8>>,
    creq: String,
    sts: String,
    key: [u8; 32],
}

fn credentials() -> Credentials {
    Credentials::new("AKIDEXAMPLE", SECRET, None, None)
}

fn params(creds: &Credentials) -> SigningParams<'_> {
    SigningParams::new(
        creds,
        "us-east-1",
        "lambda",
        datetime!(2024-05-06 07:08:09 UTC),
    )
}

fn cases() -> Vec<Case> {
    let get = http::Request::get(
        "https://lambda.us-east-1.amazonaws.com/2015-03-31/functions/my-fn?Qualifier=live",
    )
    .body(Vec::new())
    .expect("GET");
    let post = http::Request::post(
        "https://lambda.us-east-1.amazonaws.com/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012%3Afunction%3Amy-fn/invocations",
    )
    .header("content-type", "application/json")
    .header("x-amz-invocation-type", "RequestResponse")
    .body(vec![b'x'; 1 << 20])
    .expect("POST");
    let creds = credentials();
    let p = params(&creds);
    [("small GET", get), ("1 MiB POST", post)]
        .into_iter()
        .map(|(name, request)| {
            let creq = canonical_request(&request, &p, SignatureLocation::Headers)
                .expect("canonical request")
                .as_str()
                .to_owned();
            let sts = format!(
                "AWS4-HMAC-SHA256\n20240506T070809Z\n20240506/us-east-1/lambda/aws4_request\n{}",
                hex::encode(Sha256::digest(creq.as_bytes()))
            );
            Case {
                name,
                request,
                creq,
                sts,
                key: signing_key(),
            }
        })
        .collect()
}

fn hmac(key: &[u8], data: &[u8]) -> [u8; 32] {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("any key length");
    mac.update(data);
    mac.finalize().into_bytes().into()
}

/// The signing key of the day, region and service (derived once, as the signer does).
fn signing_key() -> [u8; 32] {
    let k = hmac(format!("AWS4{SECRET}").as_bytes(), b"20240506");
    let k = hmac(&k, b"us-east-1");
    let k = hmac(&k, b"lambda");
    hmac(&k, b"aws4_request")
}

/// The unavoidable work of one request: the two hashes and the signature's HMAC.
fn floor(case: &Case) -> [u8; 32] {
    let body_hash = Sha256::digest(case.request.body());
    let creq_hash = Sha256::digest(case.creq.as_bytes());
    black_box((body_hash, creq_hash));
    hmac(&case.key, case.sts.as_bytes())
}

fn bench(c: &mut Criterion, cases: &mut [Case]) {
    let creds = credentials();
    let p = params(&creds);
    let signer = Signer::new();
    for case in cases.iter_mut() {
        let mut group = c.benchmark_group(case.name);
        if case.request.body().len() > 1024 {
            group.throughput(criterion::Throughput::Bytes(
                case.request.body().len() as u64
            ));
        }
        group.bench_function("sign", |b| {
            b.iter(|| {
                signer
                    .sign(black_box(&mut case.request), &p)
                    .expect("signs")
            })
        });
        group.bench_function("floor", |b| b.iter(|| floor(black_box(case))));
        group.finish();
    }
}

fn mean(iterations: u32, mut f: impl FnMut()) -> Duration {
    f();
    let start = Instant::now();
    for _ in 0..iterations {
        f();
    }
    start.elapsed() / iterations
}

fn ratios(cases: &mut [Case], benching: bool) {
    let creds = credentials();
    let p = params(&creds);
    let signer = Signer::new();
    for case in cases.iter_mut() {
        let iterations = match (benching, case.request.body().len() > 1024) {
            (false, _) => 1,
            (true, false) => 20_000,
            (true, true) => 50,
        };
        let floor_time = mean(iterations, || {
            black_box(floor(black_box(case)));
        });
        let sign_time = mean(iterations, || {
            signer
                .sign(black_box(&mut case.request), &p)
                .expect("signs");
        });
        eprintln!(
            "sigv4 {}: sign {:?}, floor {:?}, sign/floor = {:.2} (mean of {} runs)",
            case.name,
            sign_time,
            floor_time,
            sign_time.as_secs_f64() / floor_time.as_secs_f64().max(1e-12),
            iterations
        );
    }
}

fn main() {
    let benching = std::env::args().any(|a| a == "--bench");
    let mut cases = cases();
    let mut c = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1))
        .configure_from_args();
    bench(&mut c, &mut cases);
    c.final_summary();
    ratios(&mut cases, benching);
}
