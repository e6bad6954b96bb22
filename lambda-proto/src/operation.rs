//! The [`Operation`] trait: a pure build step and a pure parse step per Lambda API operation.

use crate::endpoint::Endpoint;
use crate::error::{Error, ValidationError};

/// One operation of the Lambda API.
///
/// Each operation's input type implements it (`GetFunction`, `Invoke`, ...):
/// [`build`](Operation::build) checks the input against the model and returns the
/// unsigned HTTP request, [`parse`](Operation::parse) turns the HTTP response into the
/// typed output or the typed error. Neither does any IO.
///
/// ```
/// use lambda_proto::{endpoint::Endpoint, operations::GetFunction, Operation};
///
/// let endpoint = Endpoint::parse("https://lambda.us-east-1.amazonaws.com").unwrap();
/// let request = GetFunction::new("my-fn").qualifier("live").build(&endpoint).unwrap();
/// assert_eq!(request.method(), "GET");
/// assert_eq!(
///     request.uri().to_string(),
///     "https://lambda.us-east-1.amazonaws.com/2015-03-31/functions/my-fn?Qualifier=live"
/// );
///
/// let response = http::Response::builder()
///     .status(404)
///     .header("x-amzn-ErrorType", "ResourceNotFoundException")
///     .body(br#"{"Type":"User","Message":"Function not found"}"#.to_vec())
///     .unwrap();
/// let err = GetFunction::parse(response).unwrap_err();
/// assert_eq!(err.code(), Some("ResourceNotFoundException"));
/// ```
pub trait Operation {
    /// The operation's name in the model (`GetFunction`).
    const NAME: &'static str;
    /// The typed output.
    type Output;
    /// The typed service error: one variant per error the model lists, plus `Unknown`.
    type Error: OperationError;

    /// The name of this value's operation: [`NAME`](Self::NAME), except for a wrapper that
    /// sends operations picked at run time (the CLI's), which names the one it holds. Logs
    /// and per-operation timeouts use it.
    fn name(&self) -> &'static str {
        Self::NAME
    }

    /// Checks the input against the model's rules (required, lengths, ranges, enums).
    fn validate(&self) -> Result<(), ValidationError>;

    /// Validates, then builds the unsigned request for `endpoint`.
    fn build(&self, endpoint: &Endpoint) -> Result<http::Request<bytes::Bytes>, ValidationError>;

    /// Parses a response: any 2xx is the output, anything else the typed error.
    ///
    /// For `InvokeWithResponseStream` the success body is the event stream, which the
    /// caller decodes with [`crate::event_stream`]; pass the head with an empty body.
    fn parse(response: http::Response<Vec<u8>>) -> Result<Self::Output, Error<Self::Error>>;

    /// Sets the members the model marks as idempotency tokens (`ClientToken`) that the
    /// caller left empty, to `token`; returns whether one was set. Drivers call it once
    /// per call with a fresh random UUID (see [`uuid_v4`]), so that retries of the call
    /// carry the same token and the service can drop duplicates.
    fn fill_idempotency_token(&mut self, token: &str) -> bool {
        let _ = token;
        false
    }

    /// Whether the operation has an idempotency token member that the caller left empty
    /// (then drivers fill it once per call, see [`fill_idempotency_token`](Self::fill_idempotency_token)).
    fn needs_idempotency_token(&self) -> bool {
        false
    }
}

/// 16 random bytes from a source of uniform draws in `[0, 1)` (32 bits of each of four
/// draws): the input of [`uuid_v4`] for drivers whose randomness is such a source.
///
/// ```
/// let bytes = lambda_proto::operation::random_bytes(|| 0.5);
/// assert_eq!(bytes[..4], [0x80, 0, 0, 0]);
/// ```
pub fn random_bytes(mut draw: impl FnMut() -> f64) -> [u8; 16] {
    let mut bytes = [0u8; 16];
    for chunk in bytes.chunks_mut(4) {
        let scaled = (draw().clamp(0.0, 1.0) * 4_294_967_296.0) as u64;
        let word = u32::try_from(scaled).unwrap_or(u32::MAX);
        chunk.copy_from_slice(&word.to_be_bytes());
    }
    bytes
}

/// Formats 16 random bytes as a version 4 UUID (`xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx`).
///
/// ```
/// assert_eq!(
///     lambda_proto::operation::uuid_v4([0xff; 16]),
///     "ffffffff-ffff-4fff-bfff-ffffffffffff"
/// );
/// ```
pub fn uuid_v4(mut random: [u8; 16]) -> String {
    random[6] = (random[6] & 0x0f) | 0x40;
    random[8] = (random[8] & 0x3f) | 0x80;
    let h = crate::lowerhex::encode(&random);
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    )
}

/// The typed service error of one operation.
pub trait OperationError: Sized + std::fmt::Debug {
    /// Builds the typed error for the error `code` from the error response.
    fn from_response(code: &str, response: &http::Response<Vec<u8>>) -> Self;
}
