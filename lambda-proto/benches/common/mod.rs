//! What both benchmarks sign with, and the floor's HMAC pieces.

use std::time::{Duration, Instant};

use hmac::{Hmac, Mac};
use lambda_proto::credentials::Credentials;
use lambda_proto::sigv4::SigningParams;
use sha2::Sha256;
use time::macros::datetime;

pub const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

/// The string-to-sign prefix of the fixed signing time, region and service.
pub const STS_PREFIX: &str =
    "AWS4-HMAC-SHA256\n20240506T070809Z\n20240506/us-east-1/lambda/aws4_request\n";

pub fn credentials() -> Credentials {
    Credentials::new("AKIDEXAMPLE", SECRET, None, None)
}

pub fn params(creds: &Credentials) -> SigningParams<'_> {
    SigningParams::new(
        creds,
        "us-east-1",
        "lambda",
        datetime!(2024-05-06 07:08:09 UTC),
    )
}

pub fn hmac(key: &[u8], data: &[u8]) -> [u8; 32] {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("any key length");
    mac.update(data);
    mac.finalize().into_bytes().into()
}

/// The signing key of the day, region and service (derived once, as the signer does).
pub fn signing_key() -> [u8; 32] {
    let k = hmac(format!("AWS4{SECRET}").as_bytes(), b"20240506");
    let k = hmac(&k, b"us-east-1");
    let k = hmac(&k, b"lambda");
    hmac(&k, b"aws4_request")
}

/// The mean time of `f` over `iterations` runs, after one untimed run.
pub fn mean(iterations: u32, mut f: impl FnMut()) -> Duration {
    f();
    let start = Instant::now();
    for _ in 0..iterations {
        f();
    }
    start.elapsed() / iterations
}
