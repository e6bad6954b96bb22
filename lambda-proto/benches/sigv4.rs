//! SigV4 signing cost against its floor.
//!
//! The floor is the cryptography signing cannot avoid: SHA-256 of the body, SHA-256 of the
//! canonical request and the HMAC of the string to sign. The four HMACs that derive the
//! signing key are not in it: the signer derives the key once per day, region and service,
//! and so does this benchmark's floor.
//! Criterion measures each; the run ends by timing both again over a fixed number of
//! iterations and printing signing / floor.

mod common;

use std::hint::black_box;
use std::time::Duration;

use common::{credentials, hmac, mean, params, signing_key, STS_PREFIX};
use criterion::Criterion;
use lambda_proto::sigv4::{canonical_request, SignatureLocation, Signer};
use sha2::{Digest, Sha256};

struct Case {
    name: &'static str,
    request: http::Request<Vec<u8>>,
    creq: String,
    sts: String,
    key: [u8; 32],
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
                "{STS_PREFIX}{}",
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
