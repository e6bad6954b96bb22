//! Unit-testing code that calls Lambda, without a network or a runtime of its own: a
//! [`StubTransport`] answers from canned typed outputs and errors ([`StubResponses`]) and
//! records the requests, while the client runs its real build, validate, sign, retry and
//! parse path.
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
//! assert_eq!(stub.responses().requests().len(), 2);
//! assert_eq!(stub.responses().requests()[1].input["Payload"], "WzEsMl0=");
//! ```

use std::sync::Arc;

use bytes::Bytes;
use futures_util::future::BoxFuture;
use lambda_proto::credentials::Credentials;
use lambda_proto::error::TransportError;
pub use lambda_proto::testing::{StubRequest, StubResponses, STUB_MISMATCH};

use crate::transport::{boxed_body, Body, Transport};
use crate::Client;

/// A [`Transport`] that answers from a [`StubResponses`].
#[derive(Debug, Clone)]
pub struct StubTransport(Arc<StubResponses>);

impl StubTransport {
    /// A transport answering from `responses`.
    pub fn new(responses: StubResponses) -> Self {
        StubTransport(Arc::new(responses))
    }

    /// The canned answers and the requests answered so far.
    pub fn responses(&self) -> &StubResponses {
        &self.0
    }
}

impl Transport for StubTransport {
    fn send(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> BoxFuture<'static, Result<http::Response<Body>, TransportError>> {
        let response = self.0.answer(request);
        let response = response.map(|b| boxed_body(http_body_util::Full::new(Bytes::from(b))));
        Box::pin(async move { Ok(response) })
    }
}

/// A client in `us-east-1` with test credentials that answers from `responses`, does not
/// sleep between retries and needs no runtime; the transport gives the recorded requests.
pub fn stub_client(responses: StubResponses) -> (Client, StubTransport) {
    let transport = StubTransport::new(responses);
    let client = Client::builder()
        .region("us-east-1")
        .credentials(Credentials::new("AKIDSTUB", "stub-secret", None, None))
        .transport(transport.clone())
        .sleep(|_| -> BoxFuture<'static, ()> { Box::pin(async {}) })
        .build()
        .expect("a stub client builds");
    (client, transport)
}
