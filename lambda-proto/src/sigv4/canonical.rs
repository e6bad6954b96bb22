//! Stage 1: the canonical request.

use std::borrow::Cow;
use std::fmt;
use std::ops::Range;

use http::{HeaderMap, Uri};
use percent_encoding::{percent_decode, percent_encode, AsciiSet, NON_ALPHANUMERIC};

use super::{
    amz_date, credential_scope, SessionTokenMode, SignatureLocation, SigningError, SigningParams,
    ALGORITHM, MAX_PRESIGN_EXPIRY,
};

/// Everything but the SigV4 unreserved characters `A-Z a-z 0-9 - _ . ~` is encoded.
const SIGV4_ENCODE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// Headers never signed: `authorization` (it carries the signature) and headers that
/// proxies, tracing or HTTP stacks commonly add or rewrite after signing.
pub const UNSIGNED_HEADERS: &[&str] = &[
    "authorization",
    "connection",
    "expect",
    "transfer-encoding",
    "user-agent",
    "x-amzn-trace-id",
];

const REDACTED: &str = "** redacted **";

/// Appends `bytes` URI-encoded the SigV4 way: unreserved characters as they are, every other
/// byte as `%XX` (uppercase hex).
pub(crate) fn uri_encode_into(out: &mut String, bytes: &[u8]) {
    for chunk in percent_encode(bytes, SIGV4_ENCODE) {
        out.push_str(chunk);
    }
}

fn uri_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    uri_encode_into(&mut out, bytes);
    out
}

/// The canonical URI of a request path, by the rules for services other than S3.
///
/// The path is normalized (empty and `.` segments dropped, `..` removes the segment before
/// it, a trailing slash kept) and each segment is URI-encoded, `%` included: a path that is
/// already percent-encoded on the wire is thereby encoded a second time.
///
/// ```
/// use lambda_proto::sigv4::canonical_uri;
///
/// assert_eq!(canonical_uri("//example/./a/../b/"), "/example/b/");
/// assert_eq!(
///     canonical_uri("/2015-03-31/functions/arn%3Aaws%3Alambda/invocations"),
///     "/2015-03-31/functions/arn%253Aaws%253Alambda/invocations"
/// );
/// ```
pub fn canonical_uri(path: &str) -> String {
    let mut segments: Vec<&str> = Vec::new();
    let mut trailing_slash = false;
    for segment in path.split('/') {
        trailing_slash = matches!(segment, "" | "." | "..");
        match segment {
            "" | "." => {}
            ".." => {
                segments.pop();
            }
            s => segments.push(s),
        }
    }
    let mut out = String::with_capacity(path.len() + 8);
    out.push('/');
    for (i, segment) in segments.iter().enumerate() {
        if i > 0 {
            out.push('/');
        }
        uri_encode_into(&mut out, segment.as_bytes());
    }
    if trailing_slash && !segments.is_empty() {
        out.push('/');
    }
    out
}

/// Splits a raw query into URI-encoded `(name, value)` pairs: each name and value is
/// percent-decoded (`+` read as a space, as form encoding and AWS do) and encoded again the
/// SigV4 way. A name without `=` gets an empty value; empty pieces between `&` are skipped.
fn encoded_query_pairs(query: &str) -> Vec<(Cow<'_, str>, Cow<'_, str>)> {
    query
        .split('&')
        .filter(|piece| !piece.is_empty())
        .map(|piece| {
            let (name, value) = piece.split_once('=').unwrap_or((piece, ""));
            (reencode(name), reencode(value))
        })
        .collect()
}

fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~')
}

fn reencode(raw: &str) -> Cow<'_, str> {
    if raw.bytes().all(is_unreserved) {
        return Cow::Borrowed(raw);
    }
    let plus_as_space: Cow<'_, [u8]> = if raw.contains('+') {
        Cow::Owned(raw.replace('+', " ").into_bytes())
    } else {
        Cow::Borrowed(raw.as_bytes())
    };
    let decoded: Cow<'_, [u8]> = percent_decode(&plus_as_space).into();
    Cow::Owned(uri_encode(&decoded))
}

/// The canonical query string of a raw query (the part after `?`, without it).
///
/// Names and values are decoded and URI-encoded again (unreserved `A-Z a-z 0-9 - _ . ~` kept,
/// everything else `%XX`), the pairs sorted by encoded name and then value, a name with no
/// value written `name=`, and the pairs joined with `&`.
///
/// ```
/// use lambda_proto::sigv4::canonical_query_string;
///
/// assert_eq!(canonical_query_string("b=2&a&c=x y"), "a=&b=2&c=x%20y");
/// ```
pub fn canonical_query_string(query: &str) -> String {
    let mut pairs = encoded_query_pairs(query);
    pairs.sort_unstable();
    let mut out = String::with_capacity(query.len() + 8);
    for (i, (name, value)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        out.push_str(name);
        out.push('=');
        out.push_str(value);
    }
    out
}

/// The canonical form of one header value: leading and trailing spaces removed and runs of
/// spaces folded into one.
///
/// Only visible ASCII and spaces can be signed: any other byte (control characters such as
/// CR, LF or TAB, or non-ASCII bytes) is an [`SigningError::InvalidHeaderValue`] naming
/// `name`.
///
/// ```
/// use lambda_proto::sigv4::canonical_header_value;
///
/// assert_eq!(canonical_header_value("my-header2", b"  \"a   b   c\" ").unwrap(), "\"a b c\"");
/// assert!(canonical_header_value("my-header1", b"a\r\nb").is_err());
/// ```
pub fn canonical_header_value(name: &str, value: &[u8]) -> Result<String, SigningError> {
    canonical_value(name, value).map(Cow::into_owned)
}

fn canonical_value<'a>(name: &str, value: &'a [u8]) -> Result<Cow<'a, str>, SigningError> {
    let already_canonical = value.first() != Some(&b' ')
        && value.last() != Some(&b' ')
        && value.iter().all(|&b| (0x20..=0x7e).contains(&b))
        && !value.windows(2).any(|w| w == b"  ");
    if already_canonical {
        if let Ok(s) = std::str::from_utf8(value) {
            return Ok(Cow::Borrowed(s));
        }
    }
    let mut out = String::with_capacity(value.len());
    let mut pending_space = false;
    for &b in value {
        match b {
            b' ' => pending_space = !out.is_empty(),
            0x21..=0x7e => {
                if pending_space {
                    out.push(' ');
                    pending_space = false;
                }
                out.push(char::from(b));
            }
            _ => {
                return Err(SigningError::InvalidHeaderValue {
                    name: name.to_owned(),
                    rule: if b.is_ascii() {
                        "value must not contain control characters (CR, LF, TAB, ...)"
                    } else {
                        "value must be ASCII"
                    },
                })
            }
        }
    }
    Ok(Cow::Owned(out))
}

/// The payload hash: lowercase hex SHA-256 of the body.
///
/// ```
/// use lambda_proto::sigv4::payload_hash;
///
/// assert_eq!(payload_hash(b""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
/// ```
pub fn payload_hash(body: &[u8]) -> String {
    if body.is_empty() {
        return EMPTY_PAYLOAD_HASH.to_owned();
    }
    crate::lowerhex::encode(ring::digest::digest(&ring::digest::SHA256, body).as_ref())
}

/// The SHA-256 of no bytes, the payload hash of every bodiless request.
const EMPTY_PAYLOAD_HASH: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/// A canonical request: the text that is hashed into the string to sign.
///
/// `Debug` hides the session token the text may hold.
#[derive(Clone, PartialEq, Eq)]
pub struct CanonicalRequest {
    text: String,
    signed_headers: String,
    payload_hash: String,
    /// Where the text holds the session token, for `Debug` to hide it.
    secret_ranges: Vec<Range<usize>>,
}

impl CanonicalRequest {
    /// The canonical request text. It contains the session token when one is signed.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The signed header names, lowercase, sorted and joined with `;`.
    pub fn signed_headers(&self) -> &str {
        &self.signed_headers
    }

    /// The payload hash (last line of the canonical request).
    pub fn payload_hash(&self) -> &str {
        &self.payload_hash
    }
}

impl fmt::Debug for CanonicalRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut shown = String::with_capacity(self.text.len());
        let mut at = 0;
        for range in &self.secret_ranges {
            shown.push_str(self.text.get(at..range.start).unwrap_or_default());
            shown.push_str(REDACTED);
            at = range.end;
        }
        shown.push_str(self.text.get(at..).unwrap_or_default());
        f.debug_struct("CanonicalRequest")
            .field("text", &shown)
            .field("signed_headers", &self.signed_headers)
            .field("payload_hash", &self.payload_hash)
            .finish()
    }
}

/// The canonical request of `request` as it will be signed with `params` at `location`.
///
/// This is exactly what [`Signer::sign`](super::Signer::sign) (for
/// [`SignatureLocation::Headers`]) and [`Signer::presign`](super::Signer::presign) (for
/// [`SignatureLocation::QueryString`]) sign: it includes the headers and query parameters
/// they add (`host`, `x-amz-date`, `x-amz-security-token`, `X-Amz-Credential`, ...).
///
/// ```
/// use lambda_proto::credentials::Credentials;
/// use lambda_proto::sigv4::{canonical_request, SignatureLocation, SigningParams};
/// use time::macros::datetime;
///
/// let creds = Credentials::new("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", None, None);
/// let params = SigningParams::new(&creds, "us-east-1", "service", datetime!(2015-08-30 12:36:00 UTC));
/// let request = http::Request::get("https://example.amazonaws.com/?Param2=value2&Param1=value1")
///     .body(Vec::new())?;
/// let creq = canonical_request(&request, &params, SignatureLocation::Headers)?;
/// assert_eq!(
///     creq.as_str(),
///     "GET\n/\nParam1=value1&Param2=value2\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n\
///      host;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn canonical_request<B: AsRef<[u8]>>(
    request: &http::Request<B>,
    params: &SigningParams<'_>,
    location: SignatureLocation,
) -> Result<CanonicalRequest, SigningError> {
    prepare(request, params, location).map(|p| p.creq)
}

/// The canonical request and what signing needs besides it.
pub(crate) struct Prepared {
    pub(crate) creq: CanonicalRequest,
    /// `YYYYMMDDTHHMMSSZ`.
    pub(crate) amz_date: String,
    /// `YYYYMMDD/region/service/aws4_request`.
    pub(crate) scope: String,
    /// The `host` header to add, when the request has none.
    pub(crate) host: Option<String>,
    /// Presigning only: the query parameters to append before `X-Amz-Signature`, in order,
    /// not yet encoded.
    pub(crate) query_params: Vec<(&'static str, String)>,
}

pub(crate) fn prepare<B: AsRef<[u8]>>(
    request: &http::Request<B>,
    params: &SigningParams<'_>,
    location: SignatureLocation,
) -> Result<Prepared, SigningError> {
    validate(params)?;
    let expires_in = match location {
        SignatureLocation::Headers => None,
        SignatureLocation::QueryString { expires_in } => {
            if expires_in.as_secs() == 0 || expires_in > MAX_PRESIGN_EXPIRY {
                return Err(SigningError::InvalidParam {
                    field: "expires_in",
                    rule: "must be between 1 second and 7 days",
                });
            }
            Some(expires_in.as_secs())
        }
    };
    let amz_date = amz_date(params.time)?;
    let date = amz_date.get(..8).unwrap_or_default();
    let scope = credential_scope(date, params.region, params.service);
    let payload_hash = payload_hash(request.body().as_ref());
    let token = params.credentials.session_token();
    let token_signed = params.settings.session_token == SessionTokenMode::Signed;

    // Headers: (name, canonical value), one entry per name.
    let headers = request.headers();
    let mut entries: Vec<(&str, Cow<'_, str>)> = Vec::with_capacity(headers.keys_len() + 4);
    let replaced: &[&str] = if expires_in.is_none() {
        &["x-amz-date", "x-amz-security-token", "x-amz-content-sha256"]
    } else {
        &[]
    };
    for name in headers.keys() {
        let name = name.as_str();
        if UNSIGNED_HEADERS.contains(&name) {
            continue;
        }
        if replaced.contains(&name)
            && (name != "x-amz-content-sha256" || params.settings.content_sha256_header)
        {
            continue;
        }
        entries.push((name, joined_values(headers, name)?));
    }
    let host = if headers.contains_key(http::header::HOST) {
        if headers.get_all(http::header::HOST).iter().count() > 1 {
            return Err(SigningError::InvalidHeaderValue {
                name: "host".to_owned(),
                rule: "must appear once",
            });
        }
        None
    } else {
        let host = host_from_uri(request.uri()).ok_or(SigningError::MissingHost)?;
        Some(host)
    };
    if let Some(host) = &host {
        entries.push(("host", Cow::Borrowed(host.as_str())));
    }
    if expires_in.is_none() {
        entries.push(("x-amz-date", Cow::Borrowed(amz_date.as_str())));
        if let (Some(token), true) = (token, token_signed) {
            entries.push(("x-amz-security-token", Cow::Borrowed(token)));
        }
        if params.settings.content_sha256_header {
            entries.push(("x-amz-content-sha256", Cow::Borrowed(payload_hash.as_str())));
        }
    }
    entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
    let mut signed_headers = String::with_capacity(entries.len() * 16);
    for (i, (name, _)) in entries.iter().enumerate() {
        if i > 0 {
            signed_headers.push(';');
        }
        signed_headers.push_str(name);
    }

    // Query: the request's pairs plus, when presigning, the signing parameters.
    let mut query_params = Vec::new();
    let mut pairs = encoded_query_pairs(request.uri().query().unwrap_or_default());
    if let Some(expires_in) = expires_in {
        let credential = format!("{}/{}", params.credentials.access_key_id(), scope);
        query_params.push(("X-Amz-Algorithm", ALGORITHM.to_owned()));
        query_params.push(("X-Amz-Credential", credential));
        query_params.push(("X-Amz-Date", amz_date.clone()));
        query_params.push(("X-Amz-SignedHeaders", signed_headers.clone()));
        query_params.push(("X-Amz-Expires", expires_in.to_string()));
        for (name, value) in &query_params {
            pairs.push((
                Cow::Borrowed(*name),
                Cow::Owned(uri_encode(value.as_bytes())),
            ));
        }
        if let Some(token) = token {
            if token_signed {
                pairs.push((
                    Cow::Borrowed("X-Amz-Security-Token"),
                    Cow::Owned(uri_encode(token.as_bytes())),
                ));
            }
            query_params.push(("X-Amz-Security-Token", token.to_owned()));
        }
    }
    pairs.sort_unstable();

    // The text.
    let path = request.uri().path();
    let mut text = String::with_capacity(
        path.len() * 3 / 2
            + 256
            + pairs.len() * 32
            + entries.len() * 48
            + token.map_or(0, |t| 3 * t.len()),
    );
    let mut secret_ranges = Vec::new();
    text.push_str(request.method().as_str());
    text.push('\n');
    text.push_str(&canonical_uri(path));
    text.push('\n');
    for (i, (name, value)) in pairs.iter().enumerate() {
        if i > 0 {
            text.push('&');
        }
        text.push_str(name);
        text.push('=');
        let start = text.len();
        text.push_str(value);
        if name == "X-Amz-Security-Token" {
            secret_ranges.push(start..text.len());
        }
    }
    text.push('\n');
    for (name, value) in &entries {
        text.push_str(name);
        text.push(':');
        let start = text.len();
        text.push_str(value);
        if *name == "x-amz-security-token" {
            secret_ranges.push(start..text.len());
        }
        text.push('\n');
    }
    text.push('\n');
    text.push_str(&signed_headers);
    text.push('\n');
    text.push_str(&payload_hash);

    Ok(Prepared {
        creq: CanonicalRequest {
            text,
            signed_headers,
            payload_hash,
            secret_ranges,
        },
        amz_date,
        scope,
        host,
        query_params,
    })
}

/// All values of header `name`, each canonicalized, joined with `,` in order.
fn joined_values<'a>(headers: &'a HeaderMap, name: &str) -> Result<Cow<'a, str>, SigningError> {
    let mut values = headers.get_all(name).iter();
    let first = match values.next() {
        Some(v) => canonical_value(name, v.as_bytes())?,
        None => return Ok(Cow::Borrowed("")),
    };
    let mut joined = first;
    for value in values {
        let joined = joined.to_mut();
        joined.push(',');
        joined.push_str(&canonical_value(name, value.as_bytes())?);
    }
    Ok(joined)
}

/// The `Host` header value for a URI: its host, with the port unless it is the scheme's
/// default (80 for http, 443 for https).
fn host_from_uri(uri: &Uri) -> Option<String> {
    let authority = uri.authority()?;
    let host = authority.host();
    if host.is_empty() {
        return None;
    }
    match authority.port() {
        Some(port) => {
            let default = matches!(
                (uri.scheme_str(), port.as_str()),
                (Some("http"), "80") | (Some("https"), "443")
            );
            if default {
                Some(host.to_owned())
            } else {
                Some(format!("{host}:{port}"))
            }
        }
        None => Some(host.to_owned()),
    }
}

fn validate(params: &SigningParams<'_>) -> Result<(), SigningError> {
    let invalid = |field, rule| Err(SigningError::InvalidParam { field, rule });
    let akid = params.credentials.access_key_id();
    if akid.is_empty()
        || !akid
            .bytes()
            .all(|b| b.is_ascii_graphic() && !matches!(b, b'/' | b',' | b'='))
    {
        return invalid(
            "access key id",
            "must be non-empty visible ASCII without `/`, `,` or `=`",
        );
    }
    for (field, value) in [("region", params.region), ("service", params.service)] {
        if value.is_empty()
            || !value
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        {
            return invalid(
                field,
                "must be non-empty and only contain A-Z a-z 0-9 - _ .",
            );
        }
    }
    if let Some(token) = params.credentials.session_token() {
        if token.is_empty() || !token.bytes().all(|b| b.is_ascii_graphic()) {
            return invalid("session token", "must be non-empty visible ASCII");
        }
    }
    Ok(())
}
