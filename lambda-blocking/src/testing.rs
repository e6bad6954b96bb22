//! Unit-testing code that calls Lambda, without a network: [`StubResponses`] is a
//! transport that answers from canned typed outputs and errors and records the requests,
//! while the client runs its real build, validate, sign, retry and parse path.
//!
//! Needs the `testing` feature.
//!
//! ```
//! use lambda_blocking::testing::{stub_client, StubResponses};
//! use lambda_proto::operations::{GetFunction, Invoke};
//! use lambda_proto::types::{FunctionConfiguration, GetFunctionResponse};
//!
//! /// The code under test.
//! fn runtime_of(client: &lambda_blocking::Client, name: &str) -> Option<String> {
//!     let function = client.send(GetFunction::new(name)).ok()?;
//!     Some(function.configuration?.runtime?.as_str().to_string())
//! }
//!
//! let mut configuration = FunctionConfiguration::default();
//! configuration.runtime = Some("python3.12".into());
//! let mut answer = GetFunctionResponse::default();
//! answer.configuration = Some(configuration);
//! let (client, stub) = stub_client(
//!     StubResponses::new()
//!         .error::<GetFunction>(429, "TooManyRequestsException", "slow down") // retried
//!         .output::<GetFunction>(&answer),
//! );
//! assert_eq!(runtime_of(&client, "my-fn").as_deref(), Some("python3.12"));
//! let requests = stub.requests();
//! assert_eq!(requests.len(), 2);
//! assert_eq!(requests[1].input["FunctionName"], "my-fn");
//! assert!(requests[1].request.headers().contains_key("authorization"));
//! ```

use std::io::{Cursor, Read};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use lambda_proto::credentials::Credentials;
use lambda_proto::error::TransportError;
pub use lambda_proto::testing::{StubRequest, StubResponses, STUB_MISMATCH};

use crate::{Client, Sleeper, Timeouts, Transport};

/// The stub is a [`Transport`]: give it to [`ClientBuilder::transport`](crate::ClientBuilder::transport)
/// (or use [`stub_client`]).
impl Transport for StubResponses {
    fn send(
        &self,
        request: http::Request<bytes::Bytes>,
        _timeouts: &Timeouts,
    ) -> Result<http::Response<Box<dyn Read + Send>>, TransportError> {
        let response = self.answer(request);
        Ok(response.map(|body| Box::new(Cursor::new(body)) as Box<dyn Read + Send>))
    }
}

/// A [`Sleeper`] that does not sleep: its clock moves forward by the time asked for, so
/// retries and waiters run at once and still see their delays pass.
#[derive(Debug, Clone)]
pub struct NoSleep {
    start: Instant,
    slept: Arc<Mutex<Duration>>,
}

impl Default for NoSleep {
    fn default() -> Self {
        NoSleep {
            start: Instant::now(),
            slept: Arc::default(),
        }
    }
}

impl Sleeper for NoSleep {
    fn sleep(&self, duration: Duration) {
        *self.slept.lock().unwrap_or_else(|e| e.into_inner()) += duration;
    }

    fn now(&self) -> Instant {
        self.start + *self.slept.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A client in `us-east-1` with test credentials that answers from `responses` and does
/// not sleep between retries; the returned handle gives the recorded requests.
pub fn stub_client(responses: StubResponses) -> (Client, StubResponses) {
    let client = Client::builder()
        .region("us-east-1")
        .credentials(Credentials::new("AKIDSTUB", "stub-secret", None, None))
        .transport(responses.clone())
        .sleeper(NoSleep::default())
        .build()
        .expect("a stub client builds");
    (client, responses)
}
