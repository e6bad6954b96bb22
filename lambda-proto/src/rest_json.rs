//! REST-JSON protocol helpers shared by the generated operations: URI labels, query
//! strings, header members, bodies and error responses.

use http::header::{HeaderName, HeaderValue};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde::de::DeserializeOwned;
use std::time::Duration;
use time::OffsetDateTime;

use crate::endpoint::Endpoint;
use crate::error::{Error, ErrorMetadata, ResponseError, Rule, ServiceError, ValidationError};
use crate::operation::OperationError;

/// Everything but the unreserved characters of RFC 3986 is encoded.
const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// As [`UNRESERVED`], keeping `/` (greedy labels).
const UNRESERVED_SLASH: &AsciiSet = &UNRESERVED.remove(b'/');

/// Percent-encodes `s` the way AWS encodes URI components.
pub fn encode(s: &str) -> String {
    utf8_percent_encode(s, UNRESERVED).to_string()
}

/// Builds one HTTP request from its bound parts.
#[derive(Debug)]
pub struct RequestBuilder {
    operation: &'static str,
    method: http::Method,
    base: String,
    path: String,
    query: String,
    headers: http::HeaderMap,
    body: bytes::Bytes,
}

impl RequestBuilder {
    /// Starts a request of `operation` to `endpoint`.
    pub fn new(operation: &'static str, method: http::Method, endpoint: &Endpoint) -> Self {
        RequestBuilder {
            operation,
            method,
            base: format!("{}://{}", endpoint.scheme(), endpoint.authority()),
            path: endpoint.path_prefix().to_string(),
            query: String::new(),
            headers: http::HeaderMap::new(),
            body: bytes::Bytes::new(),
        }
        .with_host(endpoint.authority())
    }

    fn with_host(mut self, authority: &str) -> Self {
        if let Ok(v) = HeaderValue::from_str(authority) {
            self.headers.insert(http::header::HOST, v);
        }
        self
    }

    /// Appends literal path text from the model's URI template.
    pub fn literal(&mut self, s: &str) {
        self.path.push_str(s);
    }

    /// Appends a URI label, percent-encoded; a greedy label keeps its `/`.
    pub fn label(
        &mut self,
        member: &str,
        value: &str,
        greedy: bool,
    ) -> Result<(), ValidationError> {
        if value.is_empty() {
            return Err(ValidationError::new(
                self.operation,
                member,
                Rule::EmptyLabel,
            ));
        }
        // `.` and `..` are dot segments: servers and the signer remove them, which would
        // send the request to another path.
        let dot_segment = |s: &str| matches!(s, "." | "..");
        if dot_segment(value) || (greedy && value.split('/').any(dot_segment)) {
            return Err(ValidationError::new(
                self.operation,
                member,
                Rule::Custom("must not be `.` or `..` (it would change the URI path)"),
            ));
        }
        let set = if greedy { UNRESERVED_SLASH } else { UNRESERVED };
        self.path.extend(utf8_percent_encode(value, set));
        Ok(())
    }

    /// Appends one query parameter (lists call it once per item).
    pub fn query(&mut self, key: &str, value: &str) {
        self.query
            .push(if self.query.is_empty() { '?' } else { '&' });
        self.query.extend(utf8_percent_encode(key, UNRESERVED));
        self.query.push('=');
        self.query.extend(utf8_percent_encode(value, UNRESERVED));
    }

    /// Sets a header member; values with control characters are refused.
    pub fn header(
        &mut self,
        member: &str,
        name: &'static str,
        value: &str,
    ) -> Result<(), ValidationError> {
        let bad = || ValidationError::new(self.operation, member, Rule::HeaderValue);
        if value.bytes().any(|b| b.is_ascii_control() && b != b'\t') {
            return Err(bad());
        }
        let value = HeaderValue::from_str(value).map_err(|_| bad())?;
        self.headers
            .insert(HeaderName::from_static_lowercase(name), value);
        Ok(())
    }

    /// Sets a JSON body.
    pub fn json_body<T: serde::Serialize>(&mut self, body: &T) -> Result<(), ValidationError> {
        self.body = serde_json::to_vec(body).map(Into::into).map_err(|e| {
            ValidationError::new(self.operation, "", Rule::Custom(json_error_rule(&e)))
        })?;
        self.headers.insert(
            http::header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        Ok(())
    }

    /// Sets a raw (blob) body; no Content-Type, as the protocol sends none. The buffer is
    /// shared, not copied.
    pub fn raw_body(&mut self, body: &bytes::Bytes) {
        self.body = body.clone();
    }

    /// The finished, unsigned request.
    pub fn finish(self) -> Result<http::Request<bytes::Bytes>, ValidationError> {
        let uri = format!("{}{}{}", self.base, self.path, self.query);
        let mut request = http::Request::builder()
            .method(self.method)
            .uri(uri)
            .body(self.body)
            .map_err(|_| {
                ValidationError::new(self.operation, "", Rule::Custom("cannot form a valid URI"))
            })?;
        *request.headers_mut() = self.headers;
        Ok(request)
    }
}

fn json_error_rule(e: &serde_json::Error) -> &'static str {
    if e.is_data() {
        "cannot be written as JSON (non-finite number?)"
    } else {
        "cannot be written as JSON"
    }
}

trait FromStaticLowercase {
    fn from_static_lowercase(name: &'static str) -> HeaderName;
}

impl FromStaticLowercase for HeaderName {
    fn from_static_lowercase(name: &'static str) -> HeaderName {
        HeaderName::from_bytes(name.as_bytes()).expect("model header names are valid")
    }
}

/// Formats a timestamp for a query string as botocore does: `2024-01-02T03:04:05Z`, with
/// six fraction digits when there are sub-seconds (nine when they are not whole
/// microseconds).
pub fn query_timestamp(v: &OffsetDateTime) -> String {
    let v = v.to_offset(time::UtcOffset::UTC);
    let mut out = format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
        v.year(),
        u8::from(v.month()),
        v.day(),
        v.hour(),
        v.minute(),
        v.second()
    );
    match v.nanosecond() {
        0 => {}
        n if n % 1_000 == 0 => out.push_str(&format!(".{:06}", n / 1_000)),
        n => out.push_str(&format!(".{n:09}")),
    }
    out.push('Z');
    out
}

// ---------------------------------------------------------------- responses

/// Refuses a body in a `Content-Encoding` (gzip, br, ...) this client never asks for: it
/// cannot read it, and saying so beats "invalid JSON".
///
/// ```
/// let gzip = http::Response::builder()
///     .header("Content-Encoding", "gzip")
///     .body(vec![0x1f, 0x8b])
///     .unwrap();
/// let err = lambda_proto::rest_json::check_content_encoding(&gzip).unwrap_err();
/// assert!(err.to_string().contains("gzip"), "{err}");
/// ```
pub fn check_content_encoding(response: &http::Response<Vec<u8>>) -> Result<(), ResponseError> {
    let Some(value) = response.headers().get(http::header::CONTENT_ENCODING) else {
        return Ok(());
    };
    let text = String::from_utf8_lossy(value.as_bytes());
    let encoding = text.trim();
    if encoding.is_empty()
        || encoding.eq_ignore_ascii_case("identity")
        || response.body().is_empty()
    {
        return Ok(());
    }
    Err(ResponseError::new(
        response.status().as_u16(),
        format!(
            "the body is {encoding:.40}-encoded (Content-Encoding), which this client did not \
             ask for and does not decode"
        ),
    ))
}

/// Whether the status means success: any 2xx, as real clients accept.
pub fn is_success(status: http::StatusCode) -> bool {
    status.is_success()
}

/// A header as text; absent when missing, an error when not visible ASCII/UTF-8.
pub fn header_str(
    response: &http::Response<Vec<u8>>,
    name: &str,
) -> Result<Option<String>, ResponseError> {
    match response.headers().get(name) {
        None => Ok(None),
        Some(v) => std::str::from_utf8(v.as_bytes())
            .map(|s| Some(s.to_string()))
            .map_err(|_| {
                ResponseError::new(
                    response.status().as_u16(),
                    format!("header {name} is not UTF-8"),
                )
            }),
    }
}

/// A header parsed with `FromStr` (numbers, booleans).
pub fn header_parse<T: std::str::FromStr>(
    response: &http::Response<Vec<u8>>,
    name: &str,
) -> Result<Option<T>, ResponseError> {
    match header_str(response, name)? {
        None => Ok(None),
        Some(s) => s.trim().parse().map(Some).map_err(|_| {
            ResponseError::new(
                response.status().as_u16(),
                format!("header {name} has an invalid value {s:?}"),
            )
        }),
    }
}

/// Parses a JSON body; an empty body reads as `{}`.
pub fn json_body<T: DeserializeOwned>(
    response: &http::Response<Vec<u8>>,
) -> Result<T, ResponseError> {
    let body = response.body();
    let body: &[u8] = if body.iter().all(u8::is_ascii_whitespace) {
        b"{}"
    } else {
        body
    };
    let invalid = |e: &dyn std::fmt::Display| {
        ResponseError::new(
            response.status().as_u16(),
            format!("invalid JSON body: {e}"),
        )
    };
    // One UTF-8 check of the whole body is far cheaper than one per string, which is what
    // parsing from bytes does.
    let text = std::str::from_utf8(body).map_err(|e| invalid(&e))?;
    serde_json::from_str(text).map_err(|e| invalid(&e))
}

/// The error code of an error response: the `x-amzn-ErrorType` header, then the body's
/// `code`/`Code`, then `__type`; each cut at the first `:` and keeping what follows `#`. The
/// first that leaves a non-empty code wins.
pub fn error_code(
    response: &http::Response<Vec<u8>>,
    body: Option<&serde_json::Value>,
) -> Option<String> {
    let normalized = |raw: &str| {
        let cut = raw.split(':').next().unwrap_or("");
        let code = cut.rsplit('#').next().unwrap_or("").trim();
        (!code.is_empty()).then(|| code.to_string())
    };
    let from_header = response
        .headers()
        .get("x-amzn-errortype")
        .and_then(|v| v.to_str().ok())
        .and_then(normalized);
    from_header.or_else(|| {
        let body = body?.as_object()?;
        ["code", "Code", "__type"]
            .iter()
            .find_map(|k| body.get(*k)?.as_str().and_then(normalized))
    })
}

/// The retry hint of a response: `Retry-After` seconds or `x-amz-retry-after` milliseconds;
/// a hint of 10^9 seconds or more is ignored. A `Retry-After` HTTP date counts from the
/// response's `Date` (the server's clock; see [`retry_after_date`] without one).
pub fn retry_after(response: &http::Response<Vec<u8>>) -> Option<Duration> {
    retry_after_seconds(response).or_else(|| {
        let date = crate::retry::server_date_from_headers(response.headers())?;
        retry_after_date(response, date)
    })
}

/// A `Retry-After` given as an HTTP date (`Wed, 21 Oct 2015 07:28:00 GMT`), as the time
/// from `now` until then (zero when it has passed).
///
/// ```
/// let response = http::Response::builder()
///     .status(503)
///     .header("Retry-After", "Mon, 01 Jan 2024 00:00:30 GMT")
///     .body(Vec::new())
///     .unwrap();
/// let now = time::macros::datetime!(2024-01-01 0:00 UTC);
/// assert_eq!(
///     lambda_proto::rest_json::retry_after_date(&response, now),
///     Some(std::time::Duration::from_secs(30))
/// );
/// ```
pub fn retry_after_date(
    response: &http::Response<Vec<u8>>,
    now: OffsetDateTime,
) -> Option<Duration> {
    let value = response.headers().get("retry-after")?.to_str().ok()?;
    let at = crate::retry::parse_http_date(value.trim())?;
    let wait = (at - now).clamp(time::Duration::ZERO, time::Duration::seconds(1_000_000_000));
    Duration::try_from(wait).ok()
}

fn retry_after_seconds(response: &http::Response<Vec<u8>>) -> Option<Duration> {
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    };
    // Hints of 10^9 seconds or more are ignored, in either header.
    if let Some(ms) = header("x-amz-retry-after")
        .and_then(|v| v.parse::<u64>().ok())
        .filter(|ms| *ms < 1_000_000_000_000)
    {
        return Some(Duration::from_millis(ms));
    }
    header("retry-after")
        .and_then(|v| v.parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s >= 0.0 && *s < 1e9)
        .map(Duration::from_secs_f64)
}

/// The request id the service gave the response (`x-amzn-RequestId`), if any.
pub fn request_id(headers: &http::HeaderMap) -> Option<&str> {
    headers
        .get("x-amzn-requestid")
        .and_then(|v| v.to_str().ok())
}

/// The largest XML error body read for its code and message: 64 KiB.
const MAX_XML_ERROR_BODY: usize = 64 * 1024;

/// The `Code` and `Message` of an XML error body (`<ErrorResponse><Error><Code>..`), as a
/// JSON object: what a proxy or a generic AWS front end (and moto, for signature errors)
/// may send in place of Lambda's JSON.
fn xml_error_body(body: &[u8]) -> Option<serde_json::Value> {
    // An error document is small; a large one is not parsed (it stays an unknown error).
    if body.len() > MAX_XML_ERROR_BODY {
        return None;
    }
    let text = std::str::from_utf8(body).ok()?;
    if !text.trim_start().starts_with('<') {
        return None;
    }
    let doc = roxmltree::Document::parse(text).ok()?;
    let error = doc
        .descendants()
        .find(|n| n.is_element() && n.tag_name().name() == "Error")
        .unwrap_or_else(|| doc.root_element());
    let mut out = serde_json::Map::new();
    for name in ["Code", "Message"] {
        let value = error
            .children()
            .find(|n| n.is_element() && n.tag_name().name() == name)
            .and_then(|n| n.text())
            .map(str::trim);
        if let Some(v) = value.filter(|v| !v.is_empty()) {
            out.insert(name.into(), v.into());
        }
    }
    (!out.is_empty()).then_some(serde_json::Value::Object(out))
}

/// Builds the typed service error of an error response (a JSON body, or failing that an
/// XML `Error` element with `Code` and `Message`).
pub fn parse_error<E: OperationError>(response: &http::Response<Vec<u8>>) -> Error<E> {
    let (code, meta) = error_metadata(response);
    let kind = E::from_response(code.as_deref().unwrap_or(""), response);
    Error::Service(ServiceError::new(kind, meta))
}

/// The code (when the answer names one) and the metadata of an error answer: the part of
/// [`parse_error`] that does not depend on the operation, compiled once.
fn error_metadata(response: &http::Response<Vec<u8>>) -> (Option<String>, ErrorMetadata) {
    let status = response.status();
    let text = response.body().trim_ascii();
    // A 5xx with no body or an HTML page came from something in front of the service:
    // the status is the code and its reason phrase the message (as botocore has it).
    let generic = status.is_server_error() && (text.is_empty() || text.starts_with(b"<html>"));
    let body: Option<serde_json::Value> = if generic {
        None
    } else {
        serde_json::from_slice(text)
            .ok()
            .or_else(|| xml_error_body(text))
    };
    let code = error_code(response, body.as_ref());
    let message = if generic {
        status.canonical_reason().unwrap_or_default().to_string()
    } else {
        match &body {
            Some(b) => b
                .as_object()
                .and_then(|b| {
                    ["message", "Message", "errorMessage"]
                        .iter()
                        .find_map(|k| b.get(*k)?.as_str().map(str::to_string))
                })
                .unwrap_or_default(),
            // A body that is neither JSON nor XML is the message itself.
            None => String::from_utf8_lossy(text).into_owned(),
        }
    };
    let meta = ErrorMetadata {
        code: code.clone().unwrap_or_else(|| status.as_u16().to_string()),
        message,
        request_id: request_id(response.headers()).map(str::to_string),
        status: status.as_u16(),
        retry_after: retry_after(response),
    };
    (code, meta)
}

/// Parses the JSON body of a modelled error, falling back to its default when the body
/// is not the expected JSON (the metadata still carries code and message).
pub fn error_body<T: DeserializeOwned + Default>(response: &http::Response<Vec<u8>>) -> T {
    serde_json::from_slice(response.body()).unwrap_or_default()
}
