//! A blocking client for the AWS Lambda API, on [`ureq`].
//!
//! Every operation of [`lambda_proto::operations`] is sent with [`Client::send`]; the
//! protocol (validation, signing, retry decisions, parsing, pagination, waiters, event
//! streams) is [`lambda_proto`]'s, this crate moves the bytes, sleeps and reads the clock.
//!
//! ```no_run
//! use lambda_blocking::Client;
//! use lambda_proto::credentials::Credentials;
//! use lambda_proto::operations::{Invoke, ListFunctions};
//!
//! let client = Client::builder()
//!     .region("eu-west-1")
//!     .credentials(Credentials::new("AKIDEXAMPLE", "secret", None, None))
//!     .build()?;
//! let answer = client.send(Invoke::new("my-fn").payload(br#"{"x":1}"#.to_vec()))?;
//! println!("{:?}", answer.status_code);
//! let names: Vec<_> = client
//!     .paginate(ListFunctions::new())
//!     .items()
//!     .map(|f| f.map(|f| f.function_name))
//!     .collect::<Result<_, _>>()?;
//! println!("{names:?}");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Building a client does no IO except reading the shared files in
//! [`Client::from_env`]:
//!
//! ```
//! use lambda_blocking::Client;
//! use lambda_proto::credentials::Credentials;
//!
//! let client = Client::builder()
//!     .region("us-west-2")
//!     .credentials(Credentials::new("AKIDEXAMPLE", "secret", None, None))
//!     .build()
//!     .unwrap();
//! assert_eq!(client.endpoint().url(), "https://lambda.us-west-2.amazonaws.com");
//! assert!(Client::builder().region("us-west-2").build().is_err());
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod client;
mod credentials;
mod fanout;
mod pages;
mod runtime;
mod stream;
#[cfg(feature = "testing")]
pub mod testing;
mod transport;
mod wait;

pub use client::{
    BuildError, Client, ClientBuilder, Exchange, DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_INVOKE_READ_TIMEOUT, DEFAULT_MAX_BODY_SIZE, DEFAULT_READ_TIMEOUT,
};
pub use fanout::{Canceller, InvokeMany, InvokeResult};
pub use lambda_proto::fanout::{FanoutConfig, FanoutOptions, Progress};
pub use pages::{Items, Pages};
pub use runtime::{FixedRandom, RandomSource, Sleeper, ThreadSleeper, XorShiftRandom};
pub use stream::{EventStream, InvokeWithResponseStreamError, StreamError};
pub use transport::{Timeouts, Transport};
pub use wait::{Pollable, WaitError};

pub use http;
pub use lambda_proto;
pub use time;
