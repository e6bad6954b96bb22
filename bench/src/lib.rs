//! End-to-end benchmark of the Lambda clients.
//!
//! Three pieces, used by the `bench-server` and `bench-client` binaries and by
//! `scripts/bench.sh`:
//!
//! - [`bodies`]: the canned Lambda answers (GetFunction, ListFunctions with 50 functions),
//!   generated in code so that they are deterministic and valid for the model;
//! - [`server`]: a plain-HTTP/1.1 keep-alive loopback server answering them by path, and
//!   echoing Invoke payloads;
//! - [`cpu`]: the CPU time of the process and of the calling thread, read from `/proc`
//!   (no `unsafe`, no new dependency), and [`raw`]: the floor, a minimal HTTP/1.1 client
//!   that writes a prebuilt request and reads exactly `Content-Length` bytes back.
#![forbid(unsafe_code)]

pub mod bodies;
pub mod cpu;
pub mod raw;
pub mod server;

/// The function name every scenario asks for.
pub const FUNCTION_NAME: &str = "bench-function";

/// The region every scenario signs for.
pub const REGION: &str = "us-east-1";

/// The access key of the static credentials (the server does not check signatures).
pub const ACCESS_KEY_ID: &str = "AKIDEXAMPLE";

/// The secret key of the static credentials.
pub const SECRET_ACCESS_KEY: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

/// The static credentials of every scenario.
pub fn credentials() -> lambda_proto::credentials::Credentials {
    lambda_proto::credentials::Credentials::new(ACCESS_KEY_ID, SECRET_ACCESS_KEY, None, None)
}

/// A JSON Invoke payload of exactly `len` bytes (`len >= 16`): `{"data":"xxx…"}`.
pub fn payload(len: usize) -> Vec<u8> {
    let filler = len.checked_sub(12).expect("payload of at least 16 bytes");
    let mut out = Vec::with_capacity(len);
    out.extend_from_slice(b"{\"data\":\"");
    out.extend((0..filler).map(|i| b'a' + (i % 26) as u8));
    out.extend_from_slice(b"\"}\n");
    debug_assert_eq!(out.len(), len);
    out
}
