//! Unit-testing code that calls Lambda, without a network or a runtime of its own:
//! [`StubResponses`] is a transport that answers from canned typed outputs and errors and
//! records the requests, while the client runs its real build, validate, sign, retry and
//! parse path.
//!
//! Needs the `testing` feature.
//!
//! ```
//! use lambda_async::testing::{stub_client, StubResponses};
//! use lambda_proto::operations::Invoke;
//! use lambda_proto::types::InvocationResponse;
//!
//! let mut answer = InvocationResponse::default();
//! answer.payload = Some(br#"{"sum":3}"#.to_vec());
//! let (client, stub) = stub_client(
//!     StubResponses::new()
//!         .error::<Invoke>(503, "ServiceException", "try again") // retried
//!         .output::<Invoke>(&answer),
//! );
//! let out = futures_executor::block_on(client.send(Invoke::new("adder").payload(b"[1,2]".to_vec())))
//!     .unwrap();
//! assert_eq!(out.payload.as_deref(), Some(&br#"{"sum":3}"#[..]));
//! assert_eq!(stub.requests().len(), 2);
//! assert_eq!(stub.requests()[1].input["Payload"], "WzEsMl0=");
//! ```

use bytes::Bytes;
use futures_util::future::BoxFuture;
use lambda_proto::credentials::Credentials;
use lambda_proto::error::TransportError;
pub use lambda_proto::testing::{StubRequest, StubResponses, STUB_MISMATCH};

use crate::transport::{boxed_body, Body, Transport};
use crate::Client;

/// The stub is a [`Transport`]: give it to [`ClientBuilder::transport`](crate::ClientBuilder::transport)
/// (or use [`stub_client`]).
impl Transport for StubResponses {
    fn send(
        &self,
        request: http::Request<bytes::Bytes>,
    ) -> BoxFuture<'static, Result<http::Response<Body>, TransportError>> {
        let response = self.answer(request);
        let response = response.map(|b| boxed_body(http_body_util::Full::new(Bytes::from(b))));
        Box::pin(async move { Ok(response) })
    }
}

/// A client in `us-east-1` with test credentials that answers from `responses`, does not
/// sleep between retries and needs no runtime; the returned handle gives the recorded
/// requests.
pub fn stub_client(responses: StubResponses) -> (Client, StubResponses) {
    let client = Client::builder()
        .region("us-east-1")
        .credentials(Credentials::new("AKIDSTUB", "stub-secret", None, None))
        .transport(responses.clone())
        .sleep(|_| -> BoxFuture<'static, ()> { Box::pin(async {}) })
        .build()
        .expect("a stub client builds");
    (client, responses)
}
