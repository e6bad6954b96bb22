//! Sans-IO core of an AWS Lambda client.
//!
//! Every operation of the Lambda API (model version 2015-03-31) is a type named as the
//! model names it, in [`operations`]. Its [`Operation::build`] returns the unsigned
//! [`http::Request`]; [`sigv4`] signs it; [`Operation::parse`] turns the
//! [`http::Response`] into the typed output or the typed error.
//!
//! # The contract
//! Nothing in this crate does IO, reads the clock or the environment, or draws random
//! numbers: time, credentials, file contents and random numbers are arguments. Drivers
//! (a blocking one on `ureq`, an async one on `hyper`) move bytes, sleep and read the
//! clock; every decision - retries (and the adaptive rate limiter), fan-out concurrency,
//! pagination, waiters, event-stream decoding, endpoint resolution, configuration - is
//! made here, so both drivers share it.
//!
//! ```
//! use lambda_proto::{endpoint::Endpoint, operations::Invoke, types::InvocationType, Operation};
//!
//! let endpoint = Endpoint::parse("https://lambda.eu-west-1.amazonaws.com").unwrap();
//! let request = Invoke::new("my-fn")
//!     .invocation_type(InvocationType::Event)
//!     .payload(&br#"{"hello":"world"}"#[..])
//!     .build(&endpoint)
//!     .unwrap();
//! assert_eq!(request.uri().path(), "/2015-03-31/functions/my-fn/invocations");
//! assert_eq!(request.headers()["x-amz-invocation-type"], "Event");
//! assert_eq!(request.body().as_ref(), br#"{"hello":"world"}"#);
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod call;
pub mod config;
pub mod credentials;
#[cfg(feature = "dynamic")]
pub mod dynamic;
pub mod endpoint;
pub mod error;
pub mod event_stream;
pub mod fanout;
pub mod invoke;
#[cfg(feature = "dynamic")]
mod json_input;
#[cfg(feature = "dynamic")]
pub mod model;
pub mod operation;
pub mod paginate;
pub mod proxy;
pub mod rest_json;
pub mod retry;
pub mod serde_util;
pub mod sigv4;
#[cfg(feature = "testing")]
pub mod testing;
pub mod user_agent;
pub mod validate;
pub mod waiter;

mod generated;
mod lowerhex;
mod redact;

pub use error::{Error, ErrorMetadata, ResponseError, Rule, ServiceError, ValidationError};
pub use generated::aliases;
pub use generated::operations;
pub use generated::types;
pub use operation::{Operation, OperationError};
pub use redact::Redacted;
