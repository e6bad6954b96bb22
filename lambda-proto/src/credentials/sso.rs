//! IAM Identity Center (SSO) credentials: the cached token of `aws sso login` and the
//! portal's `GetRoleCredentials`.
//!
//! See <https://docs.aws.amazon.com/sdkref/latest/guide/feature-sso-credentials.html>.
//! The token is read from `~/.aws/sso/cache/<sha1>.json`, where `<sha1>` is the lowercase
//! hex SHA-1 of the `sso_session` name (or, for the legacy profile keys, of
//! `sso_start_url`). An expired token is an error telling the user to run `aws sso login`;
//! this client does not refresh tokens itself. The credentials come from
//! `GET https://portal.sso.{region}.amazonaws.com/federation/credentials?role_name=..&account_id=..`
//! with the token in `x-amz-sso_bearer_token`.

use std::path::PathBuf;

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde_json::Value;
use time::OffsetDateTime;

use super::error::{excerpt, CredentialsError, CredentialsErrorKind};
use super::provider::{done, expect_file, expect_http, Action, Input, Machine};
use super::{parse_rfc3339, Credentials, Secret};

/// The header carrying the access token.
pub const BEARER_HEADER: &str = "x-amz-sso_bearer_token";
const MAX_BODY: usize = 64 * 1024;
const QUERY: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// The file name of the cached token for `key` (the `sso_session` name, or the start URL
/// of a legacy profile): lowercase hex SHA-1 plus `.json`.
///
/// ```
/// // SHA-1 of "abc" is the FIPS 180 test vector.
/// assert_eq!(
///     lambda_proto::credentials::sso::cache_file_name("abc"),
///     "a9993e364706816aba3e25717850c26c9cd0d89d.json"
/// );
/// ```
pub fn cache_file_name(key: &str) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, key.as_bytes());
    let mut name = crate::lowerhex::encode(digest.as_ref());
    name.push_str(".json");
    name
}

/// The portal endpoint of `region`: `https://portal.sso.{region}.amazonaws.com`.
pub fn portal_endpoint(region: &str) -> String {
    let suffix = if region.starts_with("cn-") {
        "amazonaws.com.cn"
    } else {
        "amazonaws.com"
    };
    format!("https://portal.sso.{region}.{suffix}")
}

/// The access token from a cached token file, if it has not expired at `now`.
/// `login_hint` is the command to suggest (e.g. `aws sso login --profile dev`).
pub fn parse_cached_token(
    text: &str,
    now: OffsetDateTime,
    login_hint: &str,
) -> Result<String, CredentialsError> {
    let bad = |m: String| CredentialsError::malformed("sso", format!("{m}; run `{login_hint}`"));
    if text.len() > MAX_BODY {
        return Err(bad("the cached SSO token file is too large".into()));
    }
    let value: Value = serde_json::from_str(text).map_err(|e| {
        bad(format!(
            "the cached SSO token file is not JSON (line {}, column {})",
            e.line(),
            e.column()
        ))
    })?;
    let token = value
        .get("accessToken")
        .and_then(Value::as_str)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| bad("the cached SSO token file has no accessToken".into()))?;
    let expires = value
        .get("expiresAt")
        .and_then(Value::as_str)
        .ok_or_else(|| bad("the cached SSO token file has no expiresAt".into()))?;
    let expires = parse_rfc3339(expires).ok_or_else(|| {
        bad(format!(
            "expiresAt {:?} in the cached SSO token file is not an RFC 3339 time",
            excerpt(expires, 40)
        ))
    })?;
    if expires <= now {
        return Err(CredentialsError::new(
            CredentialsErrorKind::Expired,
            "sso",
            format!("the SSO token expired at {expires}; run `{login_hint}` to sign in again"),
        ));
    }
    Ok(token.to_string())
}

/// `GET {endpoint}/federation/credentials?role_name=..&account_id=..` with the token.
pub fn credentials_request(
    endpoint: &str,
    account_id: &str,
    role_name: &str,
    token: &str,
) -> Result<http::Request<Vec<u8>>, CredentialsError> {
    let uri = format!(
        "{}/federation/credentials?role_name={}&account_id={}",
        endpoint.trim_end_matches('/'),
        utf8_percent_encode(role_name, QUERY),
        utf8_percent_encode(account_id, QUERY)
    );
    let value = http::HeaderValue::from_str(token).map_err(|_| {
        CredentialsError::malformed(
            "sso",
            "the cached SSO token has characters not allowed in a header",
        )
    })?;
    http::Request::get(uri.as_str())
        .header(BEARER_HEADER, value)
        .extension(super::StandardRetries)
        .body(Vec::new())
        .map_err(|_| {
            CredentialsError::config(
                "sso",
                format!("the SSO portal URL {:?} is not valid", excerpt(&uri, 200)),
            )
        })
}

/// The credentials from the portal's answer: `{"roleCredentials": {"accessKeyId",
/// "secretAccessKey", "sessionToken", "expiration": <epoch milliseconds>}}`. A 401/403
/// means the token is no longer accepted.
pub fn parse_response(
    response: &http::Response<Vec<u8>>,
    login_hint: &str,
) -> Result<Credentials, CredentialsError> {
    let status = response.status();
    let body = response.body();
    if body.len() > MAX_BODY {
        return Err(CredentialsError::malformed(
            "sso",
            "the SSO portal answer is too large",
        ));
    }
    let value: Option<Value> = serde_json::from_slice(body).ok();
    if !status.is_success() {
        let message = value
            .as_ref()
            .and_then(|v| v.get("message").or_else(|| v.get("Message")))
            .and_then(Value::as_str)
            .unwrap_or("(no message)");
        let hint = if matches!(status.as_u16(), 401 | 403) {
            format!("; run `{login_hint}` to sign in again")
        } else {
            String::new()
        };
        return Err(CredentialsError::new(
            CredentialsErrorKind::Rejected,
            "sso",
            format!(
                "the SSO portal answered HTTP {}: {}{hint}",
                status.as_u16(),
                excerpt(message, 300)
            ),
        ));
    }
    let bad = |m: &str| CredentialsError::malformed("sso", format!("the SSO portal answer {m}"));
    let value = value.ok_or_else(|| bad("is not JSON"))?;
    let rc = value
        .get("roleCredentials")
        .and_then(Value::as_object)
        .ok_or_else(|| bad("has no roleCredentials"))?;
    let field = |k: &'static str| -> Result<String, CredentialsError> {
        rc.get(k)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .ok_or_else(|| bad(&format!("has no roleCredentials.{k}")))
    };
    let access_key_id = field("accessKeyId")?;
    let secret = field("secretAccessKey")?;
    let token = field("sessionToken")?;
    let millis = rc
        .get("expiration")
        .and_then(Value::as_i64)
        .ok_or_else(|| bad("has no numeric roleCredentials.expiration"))?;
    let expiry = OffsetDateTime::from_unix_timestamp_nanos(i128::from(millis) * 1_000_000)
        .map_err(|_| bad("has an out-of-range roleCredentials.expiration"))?;
    Ok(Credentials::new(
        access_key_id,
        secret,
        Some(token),
        Some(expiry),
    ))
}

/// The SSO provider's settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct SsoConfig {
    pub(crate) cache_path: PathBuf,
    pub(crate) endpoint: String,
    pub(crate) account_id: String,
    pub(crate) role_name: String,
    pub(crate) login_hint: String,
}

#[derive(Debug)]
enum State {
    Start,
    ReadingToken,
    Waiting,
}

/// The SSO provider's state machine.
#[derive(Debug)]
pub(crate) struct SsoMachine {
    config: SsoConfig,
    state: State,
}

impl SsoMachine {
    pub(crate) fn new(config: SsoConfig) -> Self {
        SsoMachine {
            config,
            state: State::Start,
        }
    }
}

impl Machine for SsoMachine {
    fn step(&mut self, now: OffsetDateTime, input: Option<Input>) -> Action {
        match self.state {
            State::Start => {
                self.state = State::ReadingToken;
                Action::ReadFile(self.config.cache_path.clone())
            }
            State::ReadingToken => {
                let path = self.config.cache_path.display().to_string();
                let text = match expect_file(input, "sso", &path) {
                    Ok(t) => t,
                    Err(e) => {
                        return done(Err(CredentialsError::new(
                            e.kind(),
                            "sso",
                            format!(
                                "{}; run `{}` to sign in",
                                e.message(),
                                self.config.login_hint
                            ),
                        )))
                    }
                };
                let token = match parse_cached_token(&text, now, &self.config.login_hint) {
                    Ok(t) => Secret(t),
                    Err(e) => return done(Err(e)),
                };
                match credentials_request(
                    &self.config.endpoint,
                    &self.config.account_id,
                    &self.config.role_name,
                    &token.0,
                ) {
                    Ok(r) => {
                        self.state = State::Waiting;
                        Action::Http(r)
                    }
                    Err(e) => done(Err(e)),
                }
            }
            State::Waiting => done(match expect_http(input, "sso") {
                Ok(Ok(r)) => parse_response(&r, &self.config.login_hint),
                Ok(Err(failure)) => Err(CredentialsError::new(
                    CredentialsErrorKind::Unavailable,
                    "sso",
                    format!(
                        "no answer from the SSO portal {}: {failure}",
                        self.config.endpoint
                    ),
                )),
                Err(e) => Err(e),
            }),
        }
    }
}
