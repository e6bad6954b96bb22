//! Sending one operation of the dynamic table through the client's retry loop, and the
//! dry run that prints the signed request instead.

use base64::Engine as _;
use lambda_blocking::Client;
use lambda_proto::dynamic::OperationInfo;
use lambda_proto::endpoint::Endpoint;
use lambda_proto::error::ValidationError;
use lambda_proto::sigv4::{Signer, SigningParams};
use lambda_proto::{Error, Operation, OperationError};
use serde_json::{json, Map, Value};

use crate::exit::Failure;

/// One operation of the dynamic table: the output is the raw 2xx response, which the
/// table then renders as JSON.
#[derive(Clone)]
struct DynamicCall {
    info: &'static OperationInfo,
    input: Value,
}

/// The service error of a [`DynamicCall`] (code, message and request id are in the
/// error's metadata).
#[derive(Debug)]
struct DynamicError;

impl OperationError for DynamicError {
    fn from_response(_code: &str, _response: &http::Response<Vec<u8>>) -> Self {
        DynamicError
    }
}

impl Operation for DynamicCall {
    const NAME: &'static str = "Dynamic";
    type Output = http::Response<Vec<u8>>;
    type Error = DynamicError;

    fn name(&self) -> &'static str {
        self.info.name
    }

    fn validate(&self) -> Result<(), ValidationError> {
        self.info.canonical_input(&self.input).map(|_| ())
    }

    fn needs_idempotency_token(&self) -> bool {
        self.info
            .idempotency_token
            .is_some_and(|member| self.input.get(member).is_none())
    }

    fn fill_idempotency_token(&mut self, token: &str) -> bool {
        match (self.info.idempotency_token, self.input.as_object_mut()) {
            (Some(member), Some(object)) if !object.contains_key(member) => {
                object.insert(member.to_string(), Value::String(token.to_string()));
                true
            }
            _ => false,
        }
    }

    fn build(&self, endpoint: &Endpoint) -> Result<http::Request<bytes::Bytes>, ValidationError> {
        self.info.build(&self.input, endpoint)
    }

    fn parse(response: http::Response<Vec<u8>>) -> Result<Self::Output, Error<Self::Error>> {
        if lambda_proto::rest_json::is_success(response.status()) {
            Ok(response)
        } else {
            Err(lambda_proto::rest_json::parse_error(&response))
        }
    }
}

/// Sends `input` and renders the answer as JSON.
pub fn send(client: &Client, info: &'static OperationInfo, input: Value) -> Result<Value, Failure> {
    let response = client
        .send(DynamicCall { info, input })
        .map_err(|e| Failure::call(&e))?;
    info.parse(response).map_err(|e| Failure::call(&e))
}

/// 16 random bytes for an idempotency token, from the standard library's per-process
/// random hash keys.
pub fn random_token_bytes() -> [u8; 16] {
    use std::hash::{BuildHasher, Hasher};
    let mut bytes = [0u8; 16];
    for (i, chunk) in bytes.chunks_mut(8).enumerate() {
        let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
        hasher.write_usize(i);
        chunk.copy_from_slice(&hasher.finish().to_be_bytes());
    }
    bytes
}

/// The signed request as JSON `{method, url, headers, body_base64}`, not sent; the
/// idempotency token is filled as a send fills it.
pub fn dry_run(
    client: &Client,
    info: &OperationInfo,
    mut input: Value,
    time: time::OffsetDateTime,
    unsigned: bool,
) -> Result<Value, Failure> {
    info.fill_idempotency_token(&mut input, random_token_bytes());
    let mut request = info
        .build(&input, client.endpoint())
        .map_err(|e| Failure::usage(e.to_string()))?;
    if !unsigned {
        let credentials = client.credentials().map_err(Failure::config)?;
        let params = SigningParams::new(
            &credentials,
            client.region(),
            lambda_proto::call::SIGNING_NAME,
            time,
        );
        Signer::new()
            .sign(&mut request, &params)
            .map_err(Failure::other)?;
    }
    let mut headers = Map::new();
    for (name, value) in request.headers() {
        let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
        headers.insert(name.as_str().to_string(), Value::String(value));
    }
    Ok(json!({
        "method": request.method().as_str(),
        "url": request.uri().to_string(),
        "headers": headers,
        "body_base64": base64::engine::general_purpose::STANDARD.encode(request.body()),
    }))
}
