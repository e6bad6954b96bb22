//! The bodies of the fuzz targets, one function per target.
//!
//! Each function takes the raw fuzzer input, must never panic on it, and panics (with a
//! message saying which property failed) when an oracle is violated. The same functions
//! are run by `cargo fuzz run <target>` and by the `fuzz_corpus` test of `lambda-proto`,
//! which replays every file of `fuzz/corpus/<target>/`.
//!
//! Input layouts (so that corpus files can be written by hand):
//!
//! | target           | layout |
//! |------------------|--------|
//! | `parse_response` | `[op][status hi][status lo]` then an HTTP head: `name: value` lines, an empty line, the body |
//! | `error_response` | `[op][status]` (400 + status % 200) then head and body as above |
//! | `event_stream`   | `[chunking seed]` then the event-stream bytes |
//! | `profile`        | config file `\0` credentials file `\0` environment (`KEY=value` lines) |
//! | `endpoint`       | `[flags]` then region `\n` custom endpoint URL (flags: 1 FIPS, 2 dual-stack, 4 use the URL) |
//! | `sigv4`          | `[flags]` then `METHOD path?query` line, `name: value` lines, an empty line, the body (flags: bit 0 session token, bits 1-7 the time in seconds, bits 5-7 also the region) |
//! | `json_roundtrip` | `[op]` then a JSON document (an output of that operation) |
//! | `credentials`    | `[parser][status]` then head and body as above (the parser byte picks IMDS token/role/credentials, container, STS, SSO portal, SSO token cache, process) |
//!
//! `[op]` is an index into `lambda_proto::dynamic::operations()`, taken modulo its length.

use std::collections::BTreeMap;

use lambda_proto::config;
use lambda_proto::config::profile::ProfileSet;
use lambda_proto::credentials::Credentials;
use lambda_proto::dynamic::{self, OperationInfo};
use lambda_proto::endpoint::{self, Endpoint, EndpointParams};
use lambda_proto::event_stream::{
    Decoder, EventStreamError, Message, ResponseStreamDecoder, ResponseStreamError,
    ResponseStreamEvent,
};
use lambda_proto::sigv4::{self, SignatureLocation, Signer, SigningParams};
use lambda_proto::{model, Error, Operation};

#[path = "sigv4_oracle.rs"]
pub mod sigv4_oracle;

/// The secret access key the `sigv4` target signs with.
pub const SECRET_ACCESS_KEY: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
/// The session token the `sigv4` target signs with when its flag bit 0 is set.
pub const SESSION_TOKEN: &str = "IQoJb3JpZ2luX2VjEFuzzSessionTokenExample0123456789abcdef";
const ACCESS_KEY_ID: &str = "AKIDEXAMPLE";

// ------------------------------------------------------------------------ input helpers

/// The operation picked by an input byte.
pub fn operation_at(byte: u8) -> &'static OperationInfo {
    let ops = dynamic::operations();
    &ops[usize::from(byte) % ops.len()]
}

/// The index byte of the operation named `name` (the inverse of [`operation_at`]).
pub fn operation_index(name: &str) -> Option<u8> {
    dynamic::operations()
        .iter()
        .position(|o| o.name == name)
        .and_then(|i| u8::try_from(i).ok())
}

/// Splits `data` at the first `delim`: `(before, after)`; `after` is empty when there is none.
fn split_at_byte(data: &[u8], delim: u8) -> (&[u8], &[u8]) {
    match data.iter().position(|&b| b == delim) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &[]),
    }
}

/// Splits an HTTP-like head from its body at the first empty line.
fn split_head(data: &[u8]) -> (&[u8], &[u8]) {
    match data.windows(2).position(|w| w == b"\n\n") {
        Some(i) => (&data[..i], &data[i + 2..]),
        None => (data, &[]),
    }
}

/// `name: value` lines; lines that are not a valid header are skipped.
fn headers_of(head: &[u8]) -> Vec<(http::HeaderName, http::HeaderValue)> {
    head.split(|&b| b == b'\n')
        .filter_map(|line| {
            let i = line.iter().position(|&b| b == b':')?;
            let name = http::HeaderName::from_bytes(line[..i].trim_ascii()).ok()?;
            let raw = &line[i + 1..];
            let raw = raw.strip_prefix(b" ").unwrap_or(raw);
            let value = http::HeaderValue::from_bytes(raw).ok()?;
            Some((name, value))
        })
        .collect()
}

fn response(status: u16, head: &[u8], body: &[u8]) -> Option<http::Response<Vec<u8>>> {
    let mut response = http::Response::builder()
        .status(status)
        .body(body.to_vec())
        .ok()?;
    for (name, value) in headers_of(head) {
        response.headers_mut().append(name, value);
    }
    Some(response)
}

/// Writes a response in the layout `headers_of` and `split_head` read (for seeds).
pub fn write_head_and_body(response: &http::Response<Vec<u8>>) -> Vec<u8> {
    let mut out = Vec::new();
    for (name, value) in response.headers() {
        out.extend_from_slice(name.as_str().as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value.as_bytes());
        out.push(b'\n');
    }
    out.push(b'\n');
    out.extend_from_slice(response.body());
    out
}

// ------------------------------------------------------------------------ parse_response

/// A `parse_response` input read: the operation and the response (`None` when the input
/// is too short or its head makes no response).
pub fn parse_response_input(
    data: &[u8],
) -> Option<(&'static OperationInfo, http::Response<Vec<u8>>)> {
    let [op, hi, lo, rest @ ..] = data else {
        return None;
    };
    let status = 100 + u16::from_be_bytes([*hi, *lo]) % 900;
    let (head, body) = split_head(rest);
    Some((operation_at(*op), response(status, head, body)?))
}

/// Any response through an operation's parser: no panic; a non-2xx status is an error; a
/// 2xx status is the output or a malformed-response error (never a service error), and a
/// parsed output is already in canonical form.
pub fn parse_response(data: &[u8]) {
    let Some((op, response)) = parse_response_input(data) else {
        return;
    };
    let status = response.status().as_u16();
    let result = op.parse(response);
    let success = (200..300).contains(&status);
    match result {
        Ok(output) => {
            assert!(success, "{}: HTTP {status} parsed as an output", op.name);
            assert!(
                output.is_object(),
                "{}: output {output} is not an object",
                op.name
            );
            let canonical = op.canonical_output(&output);
            assert_eq!(
                canonical.as_ref(),
                Ok(&output),
                "{}: parsed output is not canonical",
                op.name
            );
        }
        Err(err) => {
            let _ = err.to_string();
            match *err {
                Error::Response(e) => assert_eq!(e.status(), status),
                Error::Service(e) => {
                    assert!(
                        !success,
                        "{}: HTTP {status} read as a service error",
                        op.name
                    );
                    assert_eq!(e.status(), status);
                }
                other => panic!("{}: unexpected error kind {other:?}", op.name),
            }
        }
    }
}

// ------------------------------------------------------------------------ error_response

/// Any 4xx/5xx response: always a service error carrying the status, a code that is
/// `Unknown` or a trimmed name without `:` or `#`, and a sane retry hint.
pub fn error_response(data: &[u8]) {
    let [op, status, rest @ ..] = data else {
        return;
    };
    let op = operation_at(*op);
    let status = 400 + u16::from(*status) % 200;
    let (head, body) = split_head(rest);
    let Some(response) = response(status, head, body) else {
        return;
    };
    let request_id = response
        .headers()
        .get("x-amzn-requestid")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let err = match op.parse(response) {
        Ok(out) => panic!("{}: HTTP {status} parsed as output {out}", op.name),
        Err(err) => err,
    };
    let _ = err.to_string();
    let Error::Service(e) = *err else {
        panic!("{}: HTTP {status} is not a service error: {err:?}", op.name);
    };
    assert_eq!(e.status(), status);
    let code = e.code();
    assert!(!code.is_empty(), "empty error code");
    assert_eq!(code, code.trim(), "error code not trimmed");
    assert!(!code.contains(':') && !code.contains('#'), "code {code:?}");
    if let Some(id) = request_id {
        assert_eq!(e.request_id(), Some(id.as_str()));
    }
    if let Some(after) = e.retry_after() {
        assert!(after.as_secs() < 1_000_000_000, "retry hint {after:?}");
    }
    let _ = e.to_string();
}

// ------------------------------------------------------------------------ event_stream

/// Chunk lengths from a seed: 0 means the whole input at once, otherwise a small
/// deterministic sequence of lengths from 1 to 64.
fn chunks(seed: u8, data: &[u8]) -> Vec<&[u8]> {
    if seed == 0 {
        return vec![data];
    }
    let mut state = u32::from(seed);
    let mut out = Vec::new();
    let mut rest = data;
    while !rest.is_empty() {
        state = state.wrapping_mul(1_103_515_245).wrapping_add(12_345);
        let len = 1 + (state >> 16) as usize % 64;
        let (chunk, tail) = rest.split_at(len.min(rest.len()));
        out.push(chunk);
        rest = tail;
    }
    out
}

/// Messages with the exact bytes each came from, and how the stream ended.
type Decoded<'a> = (Vec<(Message, &'a [u8])>, Result<(), EventStreamError>);

/// Whole-input decoding: the messages, the exact bytes each came from, and the end state.
fn decode_whole(data: &[u8]) -> Decoded<'_> {
    let mut decoder = Decoder::new();
    let mut input = data;
    let mut out = Vec::new();
    loop {
        let before = input;
        match decoder.decode(&mut input) {
            Ok(Some(message)) => {
                let used = before.len() - input.len();
                out.push((message, &before[..used]));
            }
            Ok(None) => return (out, decoder.finish()),
            Err(e) => return (out, Err(e)),
        }
    }
}

/// Any bytes through the framing decoder and the Lambda event decoder, whole and in chunks:
/// chunking changes nothing; every decoded message re-encodes to the bytes it came from
/// (unless it uses sizes only the decoder accepts) and decodes back to itself; the event
/// decoder agrees with the framing decoder message by message.
pub fn event_stream(data: &[u8]) {
    let [seed, bytes @ ..] = data else {
        return;
    };
    let (whole, whole_end) = decode_whole(bytes);

    // Chunked framing decode gives the same messages and the same end.
    let mut decoder = Decoder::new();
    let mut chunked = Vec::new();
    let mut chunked_err = None;
    'outer: for chunk in chunks(*seed, bytes) {
        for item in decoder.feed(chunk) {
            match item {
                Ok(m) => chunked.push(m),
                Err(e) => {
                    chunked_err = Some(e);
                    break 'outer;
                }
            }
        }
    }
    let chunked_end = match chunked_err {
        Some(e) => Err(e),
        None => decoder.finish(),
    };
    let whole_messages: Vec<&Message> = whole.iter().map(|(m, _)| m).collect();
    let chunked_messages: Vec<&Message> = chunked.iter().collect();
    assert_eq!(
        whole_messages, chunked_messages,
        "chunking changed the messages"
    );
    assert_eq!(
        whole_end, chunked_end,
        "chunking changed the end of the stream"
    );
    if let Err(e) = &whole_end {
        let _ = e.to_string();
    }

    // Re-encoding.
    for (message, frame) in &whole {
        match message.encode() {
            Ok(encoded) => {
                assert_eq!(&encoded[..], *frame, "re-encoding differs from the input");
                let mut again = Decoder::new();
                let mut input = &encoded[..];
                let decoded = again
                    .decode(&mut input)
                    .expect("re-encoded message decodes");
                assert_eq!(
                    decoded.as_ref(),
                    Some(message),
                    "re-decoded message differs"
                );
                assert!(input.is_empty() && again.finish().is_ok());
            }
            Err(EventStreamError::HeaderNameTooLong { len }) => assert!(len > 127),
            Err(EventStreamError::HeaderValueTooLong { len }) => assert!(len > 32_767),
            Err(e) => panic!("decoded message does not encode: {e}"),
        }
    }

    // The event decoder maps each message with `from_message` and stops at the first error.
    let mut expected: Vec<Result<ResponseStreamEvent, ResponseStreamError>> = Vec::new();
    let mut complete = false;
    for (message, _) in &whole {
        let event = ResponseStreamEvent::from_message(message.clone());
        let stop = event.is_err();
        complete |= matches!(event, Ok(ResponseStreamEvent::InvokeComplete { .. }));
        expected.push(event);
        if stop {
            break;
        }
    }
    let no_event_error = expected.iter().all(Result::is_ok);
    if no_event_error {
        if let Err(e) = whole_end {
            expected.push(Err(ResponseStreamError::Frame(e)));
        }
    }
    let mut events = ResponseStreamDecoder::new();
    let mut got = Vec::new();
    'events: for chunk in chunks(seed.rotate_left(3), bytes) {
        for item in events.feed(chunk) {
            let stop = item.is_err();
            got.push(item);
            if stop {
                break 'events;
            }
        }
    }
    if got.last().is_some_and(Result::is_err) {
        // The final item already is the error that `finish` repeats.
    } else if let Err(ResponseStreamError::Frame(e)) = events.finish() {
        got.push(Err(ResponseStreamError::Frame(e)));
    }
    assert_eq!(
        got, expected,
        "event decoder disagrees with the framing decoder"
    );
    assert_eq!(events.is_complete(), complete);
    for e in got.iter().filter_map(|r| r.as_ref().err()) {
        let _ = e.to_string();
    }
}

// ------------------------------------------------------------------------ profile

/// Any config and credentials files and environment through the profile parser and
/// `config::resolve`: no panic; every listed profile can be looked up; `Debug` of resolved
/// credentials never shows the secret key or the session token.
pub fn profile(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut parts = text.splitn(3, '\0');
    let config_file = parts.next();
    let credentials_file = parts.next();
    let env: BTreeMap<String, String> = parts
        .next()
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();

    match ProfileSet::parse(config_file, credentials_file) {
        Ok(set) => {
            let names: Vec<String> = set.profile_names().map(str::to_string).collect();
            for name in &names {
                let section = set.profile(name).expect("a listed profile is found");
                for (key, property) in section.properties() {
                    assert_eq!(section.get(key), Some(property.value()));
                    let _ = property.sub_properties().count();
                }
            }
            let _ = format!("{set:?}");
            for w in set.warnings() {
                let _ = w.to_string();
            }
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }

    let lookup = |name: &str| env.get(name).cloned();
    match config::resolve(&lookup, config_file, credentials_file) {
        Ok(config) => {
            let _ = config.retry_config();
            let _ = config.require_region().map_err(|e| e.to_string());
            if let Some(creds) = config.credentials() {
                assert_secrets_hidden(creds);
            }
            let _ = config.require_credentials().map_err(|e| e.to_string());
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
}

fn assert_secrets_hidden(creds: &Credentials) {
    let shown = format!("{creds:?}");
    // What Debug shows with the secrets emptied: a secret that is part of it anyway (e.g.
    // equal to the access key id) cannot be told apart and is not checked.
    let skeleton = format!(
        "{:?}",
        Credentials::new(
            creds.access_key_id(),
            "",
            creds.session_token().map(|_| String::new()),
            creds.expiry(),
        )
    );
    let secrets = [Some(creds.secret_access_key()), creds.session_token()];
    for secret in secrets.into_iter().flatten() {
        if !secret.is_empty() && !skeleton.contains(secret) {
            assert!(!shown.contains(secret), "a secret shows in {shown}");
        }
    }
}

// ------------------------------------------------------------------------ endpoint

fn check_endpoint(e: &Endpoint) {
    assert!(
        matches!(e.scheme(), "http" | "https"),
        "scheme {}",
        e.scheme()
    );
    assert!(!e.authority().is_empty(), "empty authority");
    assert!(
        !e.authority().contains('@'),
        "userinfo in {}",
        e.authority()
    );
    let prefix = e.path_prefix();
    assert!(
        prefix.is_empty() || prefix.starts_with('/'),
        "prefix {prefix:?}"
    );
    assert!(!prefix.ends_with('/'), "prefix {prefix:?}");
    let url = e.url();
    let uri: http::Uri = url.parse().expect("an endpoint URL is a URI");
    assert_eq!(uri.scheme_str(), Some(e.scheme()));
    assert!(uri.query().is_none(), "query in {url}");
    assert_eq!(
        Endpoint::parse(&url).as_ref(),
        Ok(e),
        "endpoint URL does not parse back"
    );
    // Every endpoint can carry a request.
    let request = lambda_proto::operations::GetFunction::new("f")
        .build(e)
        .expect("a request builds for any endpoint");
    assert_eq!(
        request
            .uri()
            .authority()
            .map(|a| a.as_str().to_ascii_lowercase()),
        Some(e.authority().to_string())
    );
}

/// Any region and URL through `Endpoint::parse` and `endpoint::resolve`: no panic; any
/// endpoint is http(s), without user information, and parses back from its URL.
pub fn endpoint(data: &[u8]) {
    let [flags, rest @ ..] = data else {
        return;
    };
    let text = String::from_utf8_lossy(rest);
    let (region, url) = text.split_once('\n').unwrap_or((&text, ""));
    if let Ok(e) = Endpoint::parse(url) {
        check_endpoint(&e);
    }
    let mut params = EndpointParams::new(region)
        .with_fips(flags & 1 != 0)
        .with_dual_stack(flags & 2 != 0);
    if flags & 4 != 0 {
        params = params.with_endpoint(url);
    }
    let _ = format!("{params:?}");
    match endpoint::resolve(&params) {
        Ok(e) => check_endpoint(&e),
        Err(e) => {
            let _ = e.to_string();
        }
    }
}

// ------------------------------------------------------------------------ sigv4

/// Headers the signer never signs (as `sigv4::UNSIGNED_HEADERS` documents).
const UNSIGNED: &[&str] = &[
    "authorization",
    "connection",
    "expect",
    "transfer-encoding",
    "user-agent",
    "x-amzn-trace-id",
];
/// Headers signing replaces.
const REPLACED: &[&str] = &["authorization", "x-amz-date", "x-amz-security-token"];

/// Any request signed: the `Authorization` header equals the one [`sigv4_oracle`] computes
/// for the signed request's headers; the signer adds `host`, `x-amz-date` and the session
/// token and leaves every other header alone; its `Debug` shows neither the signature nor
/// the secrets. A request fails to sign only when the oracle cannot sign a header value,
/// `Host` is given twice, or there is no host at all; it is then left unchanged.
pub fn sigv4(data: &[u8]) {
    let [flags, rest @ ..] = data else {
        return;
    };
    let (head, body) = split_head(rest);
    let (line, header_lines) = split_at_byte(head, b'\n');
    let Ok(line) = std::str::from_utf8(line) else {
        return;
    };
    let (method, target) = line.split_once(' ').unwrap_or((line, "/"));
    let Ok(method) = http::Method::from_bytes(method.as_bytes()) else {
        return;
    };
    let uri = format!("https://lambda.us-east-1.amazonaws.com{target}");
    let Ok(mut request) = http::Request::builder()
        .method(method)
        .uri(uri)
        .body(body.to_vec())
    else {
        return;
    };
    for (name, value) in headers_of(header_lines) {
        request.headers_mut().append(name, value);
    }

    let token = (flags & 1 != 0).then(|| SESSION_TOKEN.to_string());
    let creds = Credentials::new(ACCESS_KEY_ID, SECRET_ACCESS_KEY, token.clone(), None);
    let seconds = 20 + u32::from(flags >> 1);
    let time = time::OffsetDateTime::from_unix_timestamp(1_700_000_000 + i64::from(flags >> 1))
        .expect("a valid time");
    // 1_700_000_000 is 2023-11-14 22:13:20 UTC.
    let amz_date = format!("20231114T22{:02}{:02}Z", 13 + seconds / 60, seconds % 60);
    let regions = ["us-east-1", "eu-west-1", "cn-north-1", "us-gov-west-1"];
    let region = regions[usize::from(flags >> 5) % regions.len()];
    let params = SigningParams::new(&creds, region, "lambda", time);

    let original = request.clone();
    let creq = sigv4::canonical_request(&original, &params, SignatureLocation::Headers);
    let signer = Signer::new();
    match signer.sign(&mut request, &params) {
        Err(e) => {
            assert_eq!(
                creq.err(),
                Some(e.clone()),
                "sign and canonical_request disagree"
            );
            let signed = |name: &str| !UNSIGNED.contains(&name) && !REPLACED.contains(&name);
            let unsignable = original.headers().iter().any(|(name, value)| {
                signed(name.as_str()) && sigv4_oracle::canonical_value(value.as_bytes()).is_none()
            });
            let hosts = original.headers().get_all("host").iter().count();
            let uri_host = original.uri().host().is_some_and(|h| !h.is_empty());
            assert!(
                unsignable || hosts > 1 || (hosts == 0 && !uri_host),
                "a signable request failed: {e}"
            );
            assert_eq!(
                request.headers(),
                original.headers(),
                "failed signing changed headers"
            );
            assert_eq!(request.uri(), original.uri());
            let _ = e.to_string();
        }
        Ok(()) => {
            let creq = creq.expect("canonical_request succeeds when signing does");
            let headers = request.headers();

            // What signing adds, and that it keeps everything else.
            assert_eq!(headers["x-amz-date"], amz_date.as_str());
            assert_eq!(
                headers.get("x-amz-security-token").map(|v| v.as_bytes()),
                token.as_deref().map(str::as_bytes)
            );
            if !original.headers().contains_key("host") {
                let authority = original.uri().authority().expect("an authority");
                let host = match authority.port().filter(|p| p.as_str() != "443") {
                    Some(port) => format!("{}:{port}", authority.host()),
                    None => authority.host().to_string(),
                };
                assert_eq!(headers["host"], host.as_str(), "added host");
            }
            for name in original.headers().keys() {
                if !REPLACED.contains(&name.as_str()) {
                    let before: Vec<_> = original.headers().get_all(name).iter().collect();
                    let after: Vec<_> = headers.get_all(name).iter().collect();
                    assert_eq!(before, after, "signing changed {name}");
                }
            }

            // The signature, computed again by the oracle from the signed request.
            let oracle = sigv4_oracle::Request {
                method: original.method().as_str(),
                path: original.uri().path(),
                query: original.uri().query().unwrap_or(""),
                headers: headers
                    .iter()
                    .filter(|(name, _)| !UNSIGNED.contains(&name.as_str()))
                    .map(|(name, value)| (name.as_str(), value.as_bytes()))
                    .collect(),
                body: original.body(),
                amz_date: &amz_date,
                access_key_id: ACCESS_KEY_ID,
                secret_access_key: SECRET_ACCESS_KEY,
                region,
                service: "lambda",
            };
            let expected = sigv4_oracle::sign(&oracle).expect("the oracle signs it too");
            assert_eq!(
                creq.as_str(),
                expected.canonical_request,
                "canonical requests differ"
            );
            assert_eq!(
                headers["authorization"].to_str().ok(),
                Some(expected.authorization.as_str())
            );

            // Signing the signed request again gives the same canonical request.
            let again = sigv4::canonical_request(&request, &params, SignatureLocation::Headers)
                .expect("a signed request signs again");
            assert_eq!(
                again.as_str(),
                creq.as_str(),
                "re-signing changes the request"
            );

            // Debug of the signed request hides the signature and the secrets.
            let shown = format!("{request:?}");
            assert!(!shown.contains(&expected.signature), "signature in Debug");
            if !contains(data, SECRET_ACCESS_KEY.as_bytes()) {
                assert!(!shown.contains(SECRET_ACCESS_KEY), "secret in Debug");
            }
            if !contains(data, SESSION_TOKEN.as_bytes()) {
                assert!(!shown.contains(SESSION_TOKEN), "session token in Debug");
            }
        }
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

// ------------------------------------------------------------------------ json_roundtrip

/// Any JSON as an operation's output: its canonical form, encoded as the service would
/// send it, parses back to the canonical form.
pub fn json_roundtrip(data: &[u8]) {
    let [op, json @ ..] = data else {
        return;
    };
    let op = operation_at(*op);
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(json) else {
        return;
    };
    let Ok(canonical) = op.canonical_output(&value) else {
        return;
    };
    assert_eq!(
        op.canonical_output(&canonical).as_ref(),
        Ok(&canonical),
        "{}: canonical form is not stable",
        op.name
    );
    // Values a response cannot carry (a header value with a line break, a status code out
    // of range) make the encoder refuse.
    let Ok(response) = model::encode_response(op.name, &canonical) else {
        return;
    };
    if !response.status().is_success() {
        // A status-code member outside 2xx: the response is an error response.
        return;
    }
    // A member bound to the status code is always read back: absent, it reads as the
    // status the encoder chose.
    // A blob payload that is absent is an empty body, which reads back as empty.
    let mut expected = canonical.clone();
    let shape = model::operation(op.name)
        .and_then(|o| o.output)
        .and_then(model::shape);
    if let (Some(shape), Some(object)) = (shape, expected.as_object_mut()) {
        for m in shape.members() {
            if m.location == model::Location::StatusCode {
                object
                    .entry(m.name)
                    .or_insert_with(|| response.status().as_u16().into());
            }
            let blob = model::shape(m.shape).map(|s| s.kind) == Some(model::ShapeKind::Blob);
            if shape.payload == Some(m.name) && blob {
                object.entry(m.name).or_insert_with(|| "".into());
            }
        }
    }
    match op.parse(response) {
        Ok(parsed) => assert!(
            same_output(&parsed, &expected),
            "{}: roundtrip differs\n parsed: {parsed}\n expected: {expected}",
            op.name
        ),
        Err(e) => panic!("{}: encoded output does not parse: {e}", op.name),
    }
}

/// Equality of outputs, except that timestamps agree to the millisecond: the wire carries
/// epoch seconds as a JSON number, which cannot hold every nanosecond.
fn same_output(a: &serde_json::Value, b: &serde_json::Value) -> bool {
    use serde_json::Value;
    match (a, b) {
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same_output(x, y))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| same_output(v, w)))
        }
        (Value::String(x), Value::String(y)) if x != y => {
            let rfc3339 = &time::format_description::well_known::Rfc3339;
            match (
                time::OffsetDateTime::parse(x, rfc3339),
                time::OffsetDateTime::parse(y, rfc3339),
            ) {
                (Ok(x), Ok(y)) => (x - y).abs() <= time::Duration::milliseconds(1),
                _ => false,
            }
        }
        _ => a == b,
    }
}

// ------------------------------------------------------------------------ credentials

/// What the `credentials` target puts in place of every secret of an answer, to see where
/// the secrets end up.
const MARKER: &str = "fuzz-marked-secret";
/// The JSON members that hold secrets in the answers (any depth, any parser).
const SECRET_MEMBERS: &[&str] = &[
    "SecretAccessKey",
    "Token",
    "SessionToken",
    "secretAccessKey",
    "sessionToken",
    "accessToken",
];
/// The STS XML elements that hold secrets.
const SECRET_ELEMENTS: &[&str] = &["SecretAccessKey", "SessionToken"];

type Answer = Result<Option<Credentials>, lambda_proto::credentials::CredentialsError>;

fn parse_answer(parser: u8, response: &http::Response<Vec<u8>>) -> Answer {
    use lambda_proto::credentials::{container, imds, process, sso, sts, ProcessOutput};
    let now = time::OffsetDateTime::from_unix_timestamp(1_717_243_200).expect("a valid time");
    let body = response.body();
    match parser % 8 {
        0 => imds::parse_token(response).map(|_| None),
        1 => imds::parse_role(response).map(|_| None),
        2 => imds::parse_credentials(response, "role").map(Some),
        3 => container::parse_response(response).map(Some),
        4 => sts::parse_response(response, "AssumeRole").map(Some),
        5 => sso::parse_response(response, "aws sso login").map(Some),
        6 => {
            let text = std::str::from_utf8(body).unwrap_or("");
            sso::parse_cached_token(text, now, "aws sso login").map(|_| None)
        }
        _ => process::parse_output(
            &ProcessOutput {
                exit_code: Some(i32::from(response.status() != 200)),
                stdout: body.clone(),
                stderr: Vec::new(),
            },
            now,
        )
        .map(Some),
    }
}

/// The answer's body with every secret replaced by [`MARKER`], when it holds one: JSON
/// members rewritten in the parsed document, STS XML element texts rewritten and kept only
/// if the marker then is the text of secret elements and of nothing else.
fn mark_secrets(parser: u8, body: &[u8]) -> Option<Vec<u8>> {
    match parser % 8 {
        // The IMDS token and role list are not documents (and the role list is quoted).
        0 | 1 => None,
        4 => mark_xml_secrets(std::str::from_utf8(body).ok()?),
        _ => {
            let mut value: serde_json::Value = serde_json::from_slice(body).ok()?;
            mark_json_secrets(&mut value).then(|| serde_json::to_vec(&value).ok())?
        }
    }
}

fn mark_json_secrets(value: &mut serde_json::Value) -> bool {
    use serde_json::Value;
    let mut marked = false;
    match value {
        Value::Object(map) => {
            for (key, v) in map.iter_mut() {
                if SECRET_MEMBERS.contains(&key.as_str()) && v.is_string() {
                    *v = MARKER.into();
                    marked = true;
                } else {
                    marked |= mark_json_secrets(v);
                }
            }
        }
        Value::Array(items) => {
            for v in items {
                marked |= mark_json_secrets(v);
            }
        }
        _ => {}
    }
    marked
}

fn mark_xml_secrets(text: &str) -> Option<Vec<u8>> {
    let mut text = text.to_string();
    for tag in SECRET_ELEMENTS {
        let (open, close) = (format!("<{tag}>"), format!("</{tag}>"));
        let Some(start) = text.find(&open).map(|i| i + open.len()) else {
            continue;
        };
        if let Some(len) = text[start..].find(&close) {
            text.replace_range(start..start + len, MARKER);
        }
    }
    let doc = roxmltree::Document::parse(&text).ok()?;
    let mut marked = 0;
    for node in doc.descendants() {
        if node.attributes().any(|a| a.value().contains(MARKER)) {
            return None;
        }
        if node.is_text() && node.text().is_some_and(|t| t.contains(MARKER)) {
            let parent = node.parent_element().map(|p| p.tag_name().name());
            if !parent.is_some_and(|p| SECRET_ELEMENTS.contains(&p)) {
                return None;
            }
            marked += 1;
        }
    }
    (marked > 0).then(|| text.into_bytes())
}

/// Credentials' `Debug` shows neither the secret nor the session token (unless the access
/// key id, which it shows, holds the same text).
fn assert_debug_redacts(creds: &Credentials) {
    let debug = format!("{creds:?}");
    let hidden = |value: &str| value.is_empty() || creds.access_key_id().contains(value);
    let secret = creds.secret_access_key();
    if !hidden(secret) {
        assert!(!debug.contains(secret), "Debug shows the secret");
    }
    if let Some(token) = creds.session_token().filter(|t| !hidden(t)) {
        assert!(!debug.contains(token), "Debug shows the session token");
    }
}

/// The credential-provider answer parsers: each gives credentials or a typed error; the
/// credentials' `Debug` hides the secrets. The answer is parsed again with its secrets
/// replaced by a marker (where its body is JSON or STS XML holding secrets, and the input
/// does not hold the marker already): neither the error's message nor its `Debug` may
/// then show the marker.
pub fn credentials(data: &[u8]) {
    let [parser, status, rest @ ..] = data else {
        return;
    };
    let status = if *status < 128 {
        200
    } else {
        200 + u16::from(*status) % 400
    };
    let (head, body) = split_head(rest);
    let Some(response) = response(status, head, body) else {
        return;
    };
    match parse_answer(*parser, &response) {
        Ok(Some(creds)) => assert_debug_redacts(&creds),
        Ok(None) => {}
        Err(e) => {
            let _ = (e.kind(), e.to_string(), format!("{e:?}"));
        }
    }

    if contains(data, MARKER.as_bytes()) {
        return;
    }
    let Some(marked) = mark_secrets(*parser, body) else {
        return;
    };
    let mut response = response;
    *response.body_mut() = marked;
    match parse_answer(*parser, &response) {
        Ok(Some(creds)) => assert_debug_redacts(&creds),
        Ok(None) => {}
        Err(e) => {
            let shown = format!("{e} {e:?}");
            assert!(!shown.contains(MARKER), "an error shows a secret: {shown}");
        }
    }
}

/// A target body.
pub type Target = fn(&[u8]);

/// Proxy variables (`https_proxy`, `http_proxy`, `all_proxy`, `no_proxy`, then a target
/// URL, one a line): a configuration or an error naming one of the variables; deciding for
/// the URL never panics; a proxy password holding [`MARKER`] (found once in the input)
/// shows neither in the configuration's `Debug` nor in the error.
pub fn proxy(data: &[u8]) {
    use lambda_proto::proxy::{Proxy, ProxyConfig};
    const VARS: [&str; 4] = ["https_proxy", "http_proxy", "all_proxy", "no_proxy"];
    let text = String::from_utf8_lossy(data);
    let mut lines = text.split('\n');
    let values: Vec<&str> = VARS.iter().map(|_| lines.next().unwrap_or("")).collect();
    let target = lines.next().unwrap_or("");
    let env = |name: &str| {
        VARS.iter()
            .position(|v| *v == name)
            .map(|i| values[i].to_string())
    };
    let secret = text.matches(MARKER).count() == 1
        && values[..3].iter().any(|v| {
            // A URL that parses holds a secret only in its password (the marker in a host
            // or a path is shown, as it should be); one that does not parse may hold it
            // anywhere, and nothing of it may show.
            match Proxy::parse(v) {
                Ok(p) => p.credentials().is_some_and(|(_, pw)| pw.contains(MARKER)),
                Err(_) => v.contains(MARKER) && v.contains('@'),
            }
        });
    let shown = match ProxyConfig::from_env_with(env) {
        Ok(config) => {
            if let Ok(uri) = target.parse::<http::Uri>() {
                if let Some(proxy) = config.intercept(&uri) {
                    let _ = (proxy.basic_auth(), proxy.port(), proxy.host());
                }
            }
            format!("{config:?}")
        }
        Err(e) => {
            assert!(VARS.contains(&e.name()), "the error names {}", e.name());
            format!("{e} {e:?}")
        }
    };
    if secret {
        assert!(!shown.contains(MARKER), "a proxy password shows: {shown}");
    }
}

/// Every target by name, for the corpus replay.
pub const TARGETS: &[(&str, Target)] = &[
    ("parse_response", parse_response),
    ("error_response", error_response),
    ("event_stream", event_stream),
    ("profile", profile),
    ("endpoint", endpoint),
    ("sigv4", sigv4),
    ("json_roundtrip", json_roundtrip),
    ("credentials", credentials),
    ("proxy", proxy),
];
