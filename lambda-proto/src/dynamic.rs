//! All operations by name: build a request from a JSON object of input members and
//! render a parsed output as JSON, with the model's member names.
//!
//! Needs the `dynamic` feature.
//!
//! Blobs are base64 and timestamps RFC 3339 in both directions (epoch seconds are
//! accepted on input too).
//!
//! ```
//! use lambda_proto::{dynamic, endpoint::Endpoint};
//!
//! let op = dynamic::find("get-function").unwrap();
//! assert_eq!(op.name, "GetFunction");
//! let endpoint = Endpoint::parse("http://127.0.0.1:5000").unwrap();
//! let request = op.build(&serde_json::json!({"FunctionName": "f"}), &endpoint).unwrap();
//! assert_eq!(request.uri().path(), "/2015-03-31/functions/f");
//!
//! let missing = op.build(&serde_json::json!({}), &endpoint).unwrap_err();
//! assert_eq!(missing.member(), "FunctionName");
//! ```

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::endpoint::Endpoint;
use crate::error::{Error, Rule, ValidationError};
use crate::operation::Operation;

/// A service error rendered as JSON: the modelled error members keyed by error name.
pub type DynamicError = serde_json::Value;

type BuildFn =
    fn(&serde_json::Value, &Endpoint) -> Result<http::Request<bytes::Bytes>, ValidationError>;
type ReencodeFn = fn(&serde_json::Value) -> Result<serde_json::Value, String>;
type ParseFn = fn(http::Response<Vec<u8>>) -> Result<serde_json::Value, Box<Error<DynamicError>>>;

/// One operation of the table.
#[derive(Clone, Copy)]
pub struct OperationInfo {
    /// The model name (`GetFunction`).
    pub name: &'static str,
    /// The kebab-case name the AWS CLI uses (`get-function`).
    pub cli_name: &'static str,
    /// The HTTP method.
    pub method: &'static str,
    /// The model's URI template.
    pub request_uri: &'static str,
    /// The required input members.
    pub required: &'static [&'static str],
    /// The input member the model marks as an idempotency token (`ClientToken`), if any.
    pub idempotency_token: Option<&'static str>,
    /// For paginated operations, how they page.
    pub paginator: Option<PaginatorInfo>,
    pub(crate) build: BuildFn,
    pub(crate) parse: ParseFn,
    pub(crate) input_json: ReencodeFn,
    pub(crate) output_json: ReencodeFn,
}

impl std::fmt::Debug for OperationInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OperationInfo")
            .field("name", &self.name)
            .field("method", &self.method)
            .field("request_uri", &self.request_uri)
            .finish()
    }
}

impl OperationInfo {
    /// Builds the unsigned request from a JSON object of input members.
    pub fn build(
        &self,
        input: &serde_json::Value,
        endpoint: &Endpoint,
    ) -> Result<http::Request<bytes::Bytes>, ValidationError> {
        (self.build)(input, endpoint)
    }

    /// Parses a response into the output rendered as JSON, or the error.
    pub fn parse(
        &self,
        response: http::Response<Vec<u8>>,
    ) -> Result<serde_json::Value, Box<Error<DynamicError>>> {
        (self.parse)(response)
    }

    /// Reads a JSON object of input members into the typed input and renders it again:
    /// the canonical JSON form of that input (errors name what did not fit).
    pub fn canonical_input(
        &self,
        input: &serde_json::Value,
    ) -> Result<serde_json::Value, ValidationError> {
        let shape = crate::model::operation(self.name)
            .expect("every operation of the table is in the model table")
            .input;
        crate::json_input::check(self.name, shape, input)?;
        (self.input_json)(input).map_err(|e| ValidationError::new(self.name, "", Rule::Type(e)))
    }

    /// As [`canonical_input`](Self::canonical_input), for the output.
    pub fn canonical_output(
        &self,
        output: &serde_json::Value,
    ) -> Result<serde_json::Value, String> {
        (self.output_json)(output)
    }

    /// Fills the idempotency token member of `input` with a UUID v4 made from `random`
    /// when the operation has one and the input leaves it out; returns whether it did.
    /// Send the filled input on every attempt of the call, so that the service can drop
    /// duplicates.
    ///
    /// ```
    /// let op = lambda_proto::dynamic::find("CheckpointDurableExecution").unwrap();
    /// let mut input = serde_json::json!({"DurableExecutionArn": "arn", "CheckpointToken": "t"});
    /// assert!(op.fill_idempotency_token(&mut input, [0; 16]));
    /// assert_eq!(input["ClientToken"], "00000000-0000-4000-8000-000000000000");
    /// assert!(!op.fill_idempotency_token(&mut input, [1; 16])); // the caller's stays
    /// ```
    pub fn fill_idempotency_token(&self, input: &mut serde_json::Value, random: [u8; 16]) -> bool {
        let (Some(member), Some(object)) = (self.idempotency_token, input.as_object_mut()) else {
            return false;
        };
        if object.contains_key(member) {
            return false;
        }
        let token = crate::operation::uuid_v4(random);
        object.insert(member.to_string(), serde_json::Value::String(token));
        true
    }

    /// Whether the operation is paginated.
    pub fn is_paginated(&self) -> bool {
        self.paginator.is_some()
    }
}

/// How a paginated operation pages (its entry of `paginators-1.json`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PaginatorInfo {
    /// The input member naming the page to read (`Marker`).
    pub input_token: &'static str,
    /// The output member naming the next page (`NextMarker`); absent on the last page.
    pub output_token: &'static str,
    /// The output member holding the page's items.
    pub result_key: &'static str,
    /// The input member setting the page size (`MaxItems`), if any.
    pub limit_key: Option<&'static str>,
}

/// Walks the pages of a paginated operation of the table in JSON, by the same rules as
/// [`Paginator`](crate::paginate::Paginator): which input to send next, and when to stop.
///
/// ```
/// use lambda_proto::dynamic::{self, JsonPaginator};
/// use serde_json::json;
///
/// let info = dynamic::find("list-aliases").unwrap();
/// let mut pages = JsonPaginator::new(info, json!({"FunctionName": "f"})).unwrap();
/// let items = pages.on_page(json!({"Aliases": [{"Name": "a"}], "NextMarker": "m1"}));
/// assert_eq!(items, [json!({"Name": "a"})]);
/// assert_eq!(pages.next_request(), Some(&json!({"FunctionName": "f", "Marker": "m1"})));
/// pages.on_page(json!({"Aliases": []})); // no marker: last page
/// assert!(pages.next_request().is_none());
/// ```
#[derive(Clone, Debug)]
pub struct JsonPaginator {
    paginator: PaginatorInfo,
    next: Option<serde_json::Value>,
}

impl JsonPaginator {
    /// Starts at the page the input's token names; `None` when `info` does not page.
    pub fn new(info: &OperationInfo, input: serde_json::Value) -> Option<Self> {
        Some(JsonPaginator {
            paginator: info.paginator?,
            next: Some(input),
        })
    }

    /// How the operation pages.
    pub fn info(&self) -> &PaginatorInfo {
        &self.paginator
    }

    /// The input to send next, or `None` when all pages have been read.
    pub fn next_request(&self) -> Option<&serde_json::Value> {
        self.next.as_ref()
    }

    /// Feeds the output of the input [`next_request`](Self::next_request) gave; returns
    /// the page's items.
    pub fn on_page(&mut self, mut output: serde_json::Value) -> Vec<serde_json::Value> {
        let p = self.paginator;
        let received = output.get(p.output_token).and_then(|t| t.as_str());
        self.next = match self.next.take() {
            Some(mut input) => {
                let sent = input.get(p.input_token).and_then(|t| t.as_str());
                match crate::paginate::next_token(sent, received) {
                    Some(token) if input.is_object() => {
                        input[p.input_token] = serde_json::Value::String(token);
                        Some(input)
                    }
                    _ => None,
                }
            }
            None => None,
        };
        match output.get_mut(p.result_key).map(serde_json::Value::take) {
            Some(serde_json::Value::Array(items)) => items,
            _ => Vec::new(),
        }
    }

    /// Stops paging (for example after an error).
    pub fn stop(&mut self) {
        self.next = None;
    }

    /// Whether there are no more pages.
    pub fn is_done(&self) -> bool {
        self.next.is_none()
    }
}

/// Every operation of the model, sorted by name.
pub fn operations() -> &'static [OperationInfo] {
    crate::generated::dynamic::OPERATIONS
}

/// Finds an operation by model name (`GetFunction`) or CLI name (`get-function`).
pub fn find(name: &str) -> Option<&'static OperationInfo> {
    operations()
        .iter()
        .find(|o| o.name == name || o.cli_name == name)
}

pub(crate) fn build_json<O>(
    input: &serde_json::Value,
    endpoint: &Endpoint,
) -> Result<http::Request<bytes::Bytes>, ValidationError>
where
    O: Operation + DeserializeOwned,
{
    let empty = serde_json::Value::Object(Default::default());
    let input = if input.is_null() { &empty } else { input };
    let shape = crate::model::operation(O::NAME)
        .expect("every operation of the table is in the model table")
        .input;
    crate::json_input::check(O::NAME, shape, input)?;
    let op: O = crate::serde_util::from_value(input)
        .map_err(|e| ValidationError::new(O::NAME, "", Rule::Type(e)))?;
    op.build(endpoint)
}

pub(crate) fn parse_json<O>(
    response: http::Response<Vec<u8>>,
) -> Result<serde_json::Value, Box<Error<DynamicError>>>
where
    O: Operation,
    O::Output: Serialize,
    O::Error: Serialize,
{
    let status = response.status().as_u16();
    match O::parse(response) {
        Ok(out) => match crate::serde_util::to_value(&out) {
            Ok(serde_json::Value::Null) => Ok(serde_json::Value::Object(Default::default())),
            Ok(v) => Ok(v),
            Err(e) => Err(Box::new(Error::Response(crate::ResponseError::new(
                status,
                format!("output cannot be rendered as JSON: {e}"),
            )))),
        },
        Err(e) => Err(Box::new(e.map_service(|kind| {
            crate::serde_util::to_value(&kind).unwrap_or(serde_json::Value::Null)
        }))),
    }
}

pub(crate) fn reencode<T>(value: &serde_json::Value) -> Result<serde_json::Value, String>
where
    T: DeserializeOwned + Serialize,
{
    let typed: T = crate::serde_util::from_value(value)?;
    crate::serde_util::to_value(&typed).map_err(|e| e.to_string())
}

pub(crate) fn reencode_empty(value: &serde_json::Value) -> Result<serde_json::Value, String> {
    match value {
        serde_json::Value::Object(o) if o.is_empty() => Ok(value.clone()),
        serde_json::Value::Null => Ok(serde_json::Value::Object(Default::default())),
        _ => Err("the operation has no output".into()),
    }
}
