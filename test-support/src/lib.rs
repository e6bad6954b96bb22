//! Test harness shared by the integration tests of the Lambda clients.
//!
//! * [`MotoServer`]: a real local Lambda API server (moto in server mode, one process per
//!   value, stopped on drop) with setup methods for the resources Lambda calls need (IAM role,
//!   IAM user with an access key, SQS queue) and for scripting Invoke results.
//!   Needs the Python packages installed by `bash scripts/install-test-deps.sh`.
//! * [`LoopbackServer`]: a scriptable HTTP/1.1 server for fault, retry, timeout and
//!   paging tests, recording every request it receives.
//!
//! * [`HttpProxy`]: a loopback forward proxy (`CONNECT` and absolute-form requests) that
//!   records what it carried and can ask for credentials.
//! * [`TlsProxy`] (feature `tls`): a loopback HTTPS front end for either server, with a
//!   certificate for `localhost` issued by a fresh test CA ([`TestCa`]).
//!
//! Without the `tls` feature only the standard library (and `serde_json`) is used: the control calls go over plain
//! [`std::net::TcpStream`] HTTP/1.1.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod http;
mod loopback;
mod moto;
mod proxy;
mod throttle;
#[cfg(feature = "tls")]
mod tls;
pub mod trace;
pub mod zip;

pub use http::HttpResponse;
pub use loopback::{HangingListener, LoopbackServer, RecordedRequest, Response, Step};
pub use moto::{allow_policy, is_listening, trust_policy, AccessKey, MotoServer};
pub use proxy::{HttpProxy, ProxiedRequest};
pub use throttle::ThrottlingServer;
#[cfg(feature = "tls")]
pub use tls::{TestCa, TlsProxy};
