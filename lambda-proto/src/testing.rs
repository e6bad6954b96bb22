//! Canned answers for unit tests of code that calls Lambda, without a network.
//!
//! Needs the `testing` feature.
//!
//! A [`StubResponses`] holds a queue of answers, each made from a typed output or a typed
//! error of an operation and encoded as the service sends it, and records every request it
//! answers (decoded back to the operation's input members). Both drivers take it as a
//! transport (see `lambda_blocking::testing` and `lambda_async::testing`), so the code under
//! test runs the real build, sign, retry and parse path. Clones share one queue.
//!
//! ```
//! use lambda_proto::operations::{GetFunction, Invoke};
//! use lambda_proto::testing::StubResponses;
//! use lambda_proto::types::{FunctionConfiguration, GetFunctionResponse, InvocationResponse};
//!
//! let mut function = GetFunctionResponse::default();
//! let mut configuration = FunctionConfiguration::default();
//! configuration.function_name = Some("my-fn".into());
//! function.configuration = Some(configuration);
//! let mut answer = InvocationResponse::default();
//! answer.payload = Some(br#"{"ok":true}"#.to_vec());
//! let stub = StubResponses::new()
//!     .output::<GetFunction>(&function)
//!     .error::<Invoke>(429, "TooManyRequestsException", "Rate exceeded")
//!     .output::<Invoke>(&answer);
//!
//! let response = stub.answer(lambda_proto::testing::request_for::<GetFunction>(&GetFunction::new("my-fn")));
//! assert_eq!(response.status(), 200);
//! assert_eq!(stub.requests()[0].operation, "GetFunction");
//! assert_eq!(stub.requests()[0].input["FunctionName"], "my-fn");
//! assert_eq!(stub.remaining(), 2);
//! ```

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, PoisonError};

use serde::Serialize;

use crate::endpoint::Endpoint;
use crate::operation::Operation;

/// The code a [`StubResponses`] answers with when a request is not the one it expected.
pub const STUB_MISMATCH: &str = "StubMismatch";

/// One request the stub answered.
#[derive(Clone, Debug)]
pub struct StubRequest {
    /// The operation the answer was queued for.
    pub operation: &'static str,
    /// The request's input members as JSON (blobs base64, timestamps RFC 3339), decoded
    /// from the request as the service would read it; `Null` if it did not decode.
    pub input: serde_json::Value,
    /// The request as sent (signed).
    pub request: http::Request<bytes::Bytes>,
}

/// An answer queued for an operation.
type Canned = (&'static str, http::Response<Vec<u8>>);

/// A queue of canned answers and the requests they answered; clones share them.
#[derive(Clone, Debug, Default)]
pub struct StubResponses {
    shared: Arc<Shared>,
}

#[derive(Debug, Default)]
struct Shared {
    queue: Mutex<VecDeque<Canned>>,
    requests: Mutex<Vec<StubRequest>>,
}

impl StubResponses {
    /// An empty queue.
    pub fn new() -> Self {
        Self::default()
    }

    /// Queues `output` as the answer to the next request, which must be an `O`.
    ///
    /// # Panics
    /// If the output cannot be encoded as `O`'s answer (a test bug).
    pub fn output<O: Operation>(self, output: &O::Output) -> Self
    where
        O::Output: Serialize,
    {
        let json = crate::serde_util::to_value(output).expect("outputs render as JSON");
        let json = if json.is_null() {
            serde_json::Value::Object(Default::default())
        } else {
            json
        };
        let response = crate::model::encode_response(O::NAME, &json)
            .unwrap_or_else(|e| panic!("cannot encode the {} output: {e}", O::NAME));
        self.response::<O>(response)
    }

    /// Queues a service error answer to the next request, which must be an `O`: `status`,
    /// the error `code` (`x-amzn-ErrorType`) and `message`, as Lambda sends them.
    pub fn error<O: Operation>(self, status: u16, code: &str, message: &str) -> Self {
        let body = serde_json::json!({ "Type": "User", "message": message }).to_string();
        let response = http::Response::builder()
            .status(status)
            .header("x-amzn-ErrorType", code)
            .header("x-amzn-RequestId", "stub-request")
            .body(body.into_bytes())
            .expect("a valid error answer");
        self.response::<O>(response)
    }

    /// Queues a raw answer to the next request, which must be an `O`.
    pub fn response<O: Operation>(self, response: http::Response<Vec<u8>>) -> Self {
        lock(&self.shared.queue).push_back((O::NAME, response));
        self
    }

    /// Answers `request` with the next queued answer and records it. A request that is not
    /// for the operation the answer was queued for, or one past the end of the queue, gets a
    /// 400 [`STUB_MISMATCH`] error naming what was expected, so the test fails with a
    /// service error that says why.
    pub fn answer(&self, request: http::Request<bytes::Bytes>) -> http::Response<Vec<u8>> {
        let next = lock(&self.shared.queue).pop_front();
        let Some((operation, response)) = next else {
            let what = format!(
                "no answer queued for {} {}",
                request.method(),
                request.uri()
            );
            self.record("", &request);
            return mismatch(&what);
        };
        let input = crate::model::decode_request(operation, &request);
        self.record(operation, &request);
        match input {
            Ok(_) => response,
            Err(e) => mismatch(&format!(
                "expected a {operation} request, got {} {}: {e}",
                request.method(),
                request.uri()
            )),
        }
    }

    fn record(&self, operation: &'static str, request: &http::Request<bytes::Bytes>) {
        let input = crate::model::decode_request(operation, request).unwrap_or_default();
        let mut copy = http::Request::new(request.body().clone());
        *copy.method_mut() = request.method().clone();
        *copy.uri_mut() = request.uri().clone();
        *copy.headers_mut() = request.headers().clone();
        lock(&self.shared.requests).push(StubRequest {
            operation,
            input,
            request: copy,
        });
    }

    /// The requests answered so far, in order.
    pub fn requests(&self) -> Vec<StubRequest> {
        lock(&self.shared.requests).clone()
    }

    /// How many queued answers are left.
    pub fn remaining(&self) -> usize {
        lock(&self.shared.queue).len()
    }
}

/// The unsigned request of `op` to a placeholder endpoint (for tests of the stub itself).
///
/// # Panics
/// If `op` does not validate.
pub fn request_for<O: Operation>(op: &O) -> http::Request<bytes::Bytes> {
    let endpoint = Endpoint::parse("https://lambda.us-east-1.amazonaws.com").expect("valid");
    op.build(&endpoint)
        .unwrap_or_else(|e| panic!("{} does not build: {e}", O::NAME))
}

fn mismatch(what: &str) -> http::Response<Vec<u8>> {
    let body = serde_json::json!({ "message": what }).to_string();
    http::Response::builder()
        .status(400)
        .header("x-amzn-ErrorType", STUB_MISMATCH)
        .body(body.into_bytes())
        .expect("a valid error answer")
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}
