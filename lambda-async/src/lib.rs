//! An async AWS Lambda client on hyper 1.
//!
//! The core is runtime-agnostic: a [`Client`] sends every operation of
//! [`lambda_proto::operations`] over a [`Transport`] (any HTTP stack that can carry an
//! `http::Request<bytes::Bytes>` and stream back the response) and sleeps with a [`Sleep`]
//! timer. Building, signing, retries, clock-skew correction, pagination, waiters and
//! event-stream decoding are decided by [`lambda_proto`]; this crate moves the bytes.
//!
//! The `tokio` feature (on by default) adds `HyperTransport` (hyper-util's pooled
//! client with rustls), `TokioSleep` and `Client::from_env`.
//!
//! ```no_run
//! # #[cfg(feature = "tokio")]
//! # async fn example() -> Result<(), Box<dyn std::error::Error>> {
//! use futures_util::StreamExt;
//! use lambda_async::Client;
//! use lambda_proto::operations::{Invoke, ListFunctions};
//!
//! let client = Client::from_env().await?;
//! let mut functions = std::pin::pin!(client.items(ListFunctions::new()));
//! while let Some(function) = functions.next().await {
//!     println!("{:?}", function?.function_name);
//! }
//! let answer = client.send(Invoke::new("my-fn").payload(br#"{"a":1}"#.to_vec())).await?;
//! assert_eq!(answer.status_code, Some(200));
//! # Ok(()) }
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod client;
mod conn;
mod credentials;
mod fanout;
mod limit;
mod paginate;
mod rt;
mod stream;
#[cfg(feature = "testing")]
pub mod testing;
mod transport;
mod wait;

#[cfg(feature = "tokio")]
mod proxy_connect;
#[cfg(feature = "tokio")]
mod tokio_rt;

pub use client::{
    BuildError, Client, ClientBuilder, DEFAULT_MAX_BODY_SIZE, DEFAULT_MAX_CONCURRENCY,
    DEFAULT_READ_TIMEOUT,
};
pub use conn::{ConnTransport, Connect, FuturesIo, Spawn};
pub use credentials::{ProvideCredentials, REFRESH_BEFORE_EXPIRY};
pub use fanout::{Canceller, InvokeMany, InvokeResult};
pub use lambda_proto::fanout::{FanoutConfig, FanoutOptions, Progress};
pub use rt::{Clock, Random, Sleep};
pub use stream::{ResponseStream, StreamError};
pub use transport::{boxed_body, error_kind, io_kind, transport_error, Body, BoxError, Transport};
pub use wait::WaitError;

// The crates whose types this one's API takes, so callers need not depend on them.
pub use http;
pub use lambda_proto;
pub use time;

#[cfg(feature = "tokio")]
pub use tokio_rt::{
    HyperTransport, HyperTransportBuilder, TokioSleep, DEFAULT_CONNECT_TIMEOUT, POOL_IDLE_TIMEOUT,
};

#[cfg(test)]
mod tests {
    use futures_util::future::BoxFuture;
    use lambda_proto::credentials::Credentials;
    use lambda_proto::error::{TransportError, TransportErrorKind};

    use crate::{transport_error, Body, Client};

    fn is_send<T: Send>(_: &T) {}

    #[test]
    fn client_and_its_futures_can_move_between_threads() {
        fn shared<T: Clone + Send + Sync + 'static>() {}
        shared::<Client>();

        let refuse = |_: http::Request<bytes::Bytes>| -> BoxFuture<'static, Result<http::Response<Body>, TransportError>> {
            Box::pin(async { Err(transport_error(TransportErrorKind::Connect, "refused")) })
        };
        let client = Client::builder()
            .region("us-east-1")
            .credentials(Credentials::new("AKID", "secret", None, None))
            .transport(refuse)
            .sleep(|_| -> BoxFuture<'static, ()> { Box::pin(async {}) })
            .build()
            .unwrap();
        let op = lambda_proto::operations::GetFunction::new("f");
        let call = client.send(op);
        is_send(&call);
        let pages = client.items(lambda_proto::operations::ListFunctions::new());
        is_send(&pages);
        // With a transport that always refuses, the call ends after the standard attempts.
        let err = futures_executor::block_on(call).unwrap_err();
        match err {
            lambda_proto::Error::Transport(t) => assert_eq!(t.kind(), TransportErrorKind::Connect),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn builder_requires_region_and_credentials() {
        let err = Client::builder().build().unwrap_err();
        assert!(matches!(err, crate::BuildError::MissingRegion));
        let err = Client::builder().region("us-east-1").build().unwrap_err();
        assert!(matches!(err, crate::BuildError::MissingCredentials));
        let err = Client::builder()
            .region("us-east-1")
            .endpoint_url("ftp://x")
            .credentials(Credentials::new("AKID", "secret", None, None))
            .build()
            .unwrap_err();
        assert!(matches!(err, crate::BuildError::Endpoint(_)), "{err}");
    }
}
