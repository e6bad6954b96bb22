//! AWS STS `AssumeRole` and `AssumeRoleWithWebIdentity` (query protocol): requests and the
//! parsing of their XML answers.
//!
//! See <https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html> and
//! <https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRoleWithWebIdentity.html>.
//!
//! ```
//! use lambda_proto::credentials::sts;
//!
//! let body = r#"<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
//!   <AssumeRoleResult><Credentials>
//!     <AccessKeyId>ASIAEXAMPLE</AccessKeyId><SecretAccessKey>secret</SecretAccessKey>
//!     <SessionToken>token</SessionToken><Expiration>2011-07-15T23:28:33.359Z</Expiration>
//!   </Credentials></AssumeRoleResult></AssumeRoleResponse>"#;
//! let response = http::Response::builder().status(200).body(body.as_bytes().to_vec()).unwrap();
//! let creds = sts::parse_response(&response, "AssumeRole").unwrap();
//! assert_eq!(creds.access_key_id(), "ASIAEXAMPLE");
//! assert_eq!(creds.session_token(), Some("token"));
//! ```

use http::header::CONTENT_TYPE;
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use time::OffsetDateTime;

use super::error::{excerpt, CredentialsError, CredentialsErrorKind};
use super::{parse_rfc3339, Credentials};
use crate::sigv4::{Signer, SigningParams};

/// The STS API version sent with every request.
pub const API_VERSION: &str = "2011-06-15";
/// The content type of query-protocol request bodies.
pub const FORM_CONTENT_TYPE: &str = "application/x-www-form-urlencoded; charset=utf-8";
/// Largest STS answer parsed.
const MAX_BODY: usize = 256 * 1024;

/// Characters percent-encoded in a form body: all but `A-Z a-z 0-9 - . _ ~`.
const FORM: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Encodes `pairs` as an `application/x-www-form-urlencoded` body.
pub fn form_encode(pairs: &[(&str, &str)]) -> String {
    let mut out = String::new();
    for (i, (k, v)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        out.extend(utf8_percent_encode(k, FORM));
        out.push('=');
        out.extend(utf8_percent_encode(v, FORM));
    }
    out
}

/// The STS endpoint of `region`: `https://sts.{region}.amazonaws.com` (`.amazonaws.com.cn`
/// in the China regions).
pub fn regional_endpoint(region: &str) -> String {
    let suffix = if region.starts_with("cn-") {
        "amazonaws.com.cn"
    } else {
        "amazonaws.com"
    };
    format!("https://sts.{region}.{suffix}")
}

/// A default role session name: `lambda-rs-<unix seconds>`.
pub fn default_session_name(now: OffsetDateTime) -> String {
    format!("lambda-rs-{}", now.unix_timestamp())
}

/// What an `AssumeRole` call needs besides the source credentials.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AssumeRoleParams {
    /// The role to assume.
    pub role_arn: String,
    /// `RoleSessionName`; [`default_session_name`] when `None`.
    pub session_name: Option<String>,
    /// `ExternalId`, when the role's trust policy asks for one.
    pub external_id: Option<String>,
    /// `DurationSeconds` (900 to 43200).
    pub duration_seconds: Option<u32>,
    /// The signing region.
    pub region: String,
    /// The endpoint URL (scheme and host, optionally a port and a path), no trailing `/`.
    pub endpoint: String,
}

fn build_post(endpoint: &str, body: String) -> Result<http::Request<Vec<u8>>, CredentialsError> {
    let uri = format!("{}/", endpoint.trim_end_matches('/'));
    http::Request::post(uri.as_str())
        .header(CONTENT_TYPE, FORM_CONTENT_TYPE)
        .extension(super::StandardRetries)
        .body(body.into_bytes())
        .map_err(|_| {
            CredentialsError::config(
                "sts",
                format!(
                    "the STS endpoint {:?} is not a valid URL",
                    excerpt(endpoint, 100)
                ),
            )
        })
}

/// The signed `AssumeRole` request, made with `source` credentials at `now`.
pub fn assume_role_request(
    params: &AssumeRoleParams,
    source: &Credentials,
    now: OffsetDateTime,
    signer: &Signer,
) -> Result<http::Request<Vec<u8>>, CredentialsError> {
    let session = params
        .session_name
        .clone()
        .unwrap_or_else(|| default_session_name(now));
    let duration = params.duration_seconds.map(|d| d.to_string());
    let mut pairs = vec![
        ("Action", "AssumeRole"),
        ("Version", API_VERSION),
        ("RoleArn", params.role_arn.as_str()),
        ("RoleSessionName", session.as_str()),
    ];
    if let Some(id) = &params.external_id {
        pairs.push(("ExternalId", id));
    }
    if let Some(d) = &duration {
        pairs.push(("DurationSeconds", d));
    }
    let mut request = build_post(&params.endpoint, form_encode(&pairs))?;
    let signing = SigningParams::new(source, &params.region, "sts", now);
    signer.sign(&mut request, &signing).map_err(|e| {
        CredentialsError::config("sts", format!("cannot sign the AssumeRole request: {e}"))
    })?;
    Ok(request)
}

/// The (unsigned) `AssumeRoleWithWebIdentity` request.
pub fn web_identity_request(
    endpoint: &str,
    role_arn: &str,
    session_name: &str,
    token: &str,
) -> Result<http::Request<Vec<u8>>, CredentialsError> {
    let body = form_encode(&[
        ("Action", "AssumeRoleWithWebIdentity"),
        ("Version", API_VERSION),
        ("RoleArn", role_arn),
        ("RoleSessionName", session_name),
        ("WebIdentityToken", token),
    ]);
    build_post(endpoint, body)
}

/// Parses the answer to `action` (`AssumeRole` or `AssumeRoleWithWebIdentity`).
///
/// A 2xx answer must hold `Credentials` with `AccessKeyId`, `SecretAccessKey`,
/// `SessionToken` and `Expiration`; any other status is a
/// [`CredentialsErrorKind::Rejected`] error naming the STS error code and message.
pub fn parse_response(
    response: &http::Response<Vec<u8>>,
    action: &str,
) -> Result<Credentials, CredentialsError> {
    let body = response.body();
    if body.len() > MAX_BODY {
        return Err(CredentialsError::malformed(
            "sts",
            format!("the {action} answer is larger than {MAX_BODY} bytes"),
        ));
    }
    let status = response.status();
    let text = std::str::from_utf8(body).map_err(|_| {
        CredentialsError::malformed("sts", format!("the {action} answer is not UTF-8"))
    })?;
    let doc = roxmltree::Document::parse(text);
    if !status.is_success() {
        let (code, message) = match &doc {
            Ok(doc) => (element_text(doc, "Code"), element_text(doc, "Message")),
            Err(_) => (None, None),
        };
        return Err(CredentialsError::new(
            CredentialsErrorKind::Rejected,
            "sts",
            format!(
                "{action} failed with HTTP {}: {}: {}",
                status.as_u16(),
                excerpt(code.unwrap_or("(no error code)"), 64),
                excerpt(message.unwrap_or("(no message)"), 300)
            ),
        ));
    }
    let doc = doc.map_err(|e| {
        CredentialsError::malformed("sts", format!("the {action} answer is not XML: {e}"))
    })?;
    let creds = doc
        .descendants()
        .find(|n| n.is_element() && n.tag_name().name() == "Credentials")
        .ok_or_else(|| {
            CredentialsError::malformed("sts", format!("the {action} answer has no Credentials"))
        })?;
    let field = |name: &'static str| -> Result<String, CredentialsError> {
        creds
            .children()
            .find(|n| n.is_element() && n.tag_name().name() == name)
            .and_then(|n| n.text())
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_string)
            .ok_or_else(|| {
                CredentialsError::malformed(
                    "sts",
                    format!("the {action} answer has no Credentials/{name}"),
                )
            })
    };
    let access_key_id = field("AccessKeyId")?;
    let secret = field("SecretAccessKey")?;
    let token = field("SessionToken")?;
    let expiration = field("Expiration")?;
    let expiry = parse_rfc3339(&expiration).ok_or_else(|| {
        CredentialsError::malformed(
            "sts",
            format!(
                "Credentials/Expiration {:?} is not an RFC 3339 time",
                excerpt(&expiration, 40)
            ),
        )
    })?;
    Ok(Credentials::new(
        access_key_id,
        secret,
        Some(token),
        Some(expiry),
    ))
}

fn element_text<'a>(doc: &'a roxmltree::Document<'_>, name: &str) -> Option<&'a str> {
    doc.descendants()
        .find(|n| n.is_element() && n.tag_name().name() == name)
        .and_then(|n| n.text())
        .map(str::trim)
}

/// `AssumeRoleWithWebIdentity` settings: the token file is read on every refresh.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct WebIdentityConfig {
    pub(crate) token_file: std::path::PathBuf,
    pub(crate) role_arn: String,
    pub(crate) session_name: Option<String>,
    pub(crate) endpoint: String,
}
