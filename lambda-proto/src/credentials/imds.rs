//! The EC2 instance metadata service (IMDS) credential provider.
//!
//! See <https://docs.aws.amazon.com/sdkref/latest/guide/feature-imds-credentials.html> and
//! <https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/instancedata-data-retrieval.html>.
//!
//! IMDSv2: `PUT /latest/api/token` with `x-aws-ec2-metadata-token-ttl-seconds`, then with
//! the token in `x-aws-ec2-metadata-token`: `GET /latest/meta-data/iam/security-credentials/`
//! (the role name), then `GET /latest/meta-data/iam/security-credentials/<role>`.
//! A `401` (stale token) fetches a new token once; `5xx` answers and transport failures after
//! the token are tried up to 3 times.
//!
//! IMDSv1 (the same GETs without a token) is used only when the token request is answered
//! `404`/`405`/`400` *and* the fallback is switched on explicitly with
//! `AWS_EC2_METADATA_V1_DISABLED=false` (or `ec2_metadata_v1_disabled = false` in the
//! profile). Unset or `true`, there is no IMDSv1 fallback: this is stricter than the SDKs,
//! whose default is to fall back.

use std::time::Duration;

use time::OffsetDateTime;

use super::container::parse_credentials_json;
use super::error::{excerpt, CredentialsError, CredentialsErrorKind};
use super::provider::{done, expect_http, Action, Input, Machine, TimeoutHint, TransportFailure};
use super::{Credentials, Secret};

/// The IPv4 endpoint (`AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE=IPv4`, the default).
pub const ENDPOINT_IPV4: &str = "http://169.254.169.254";
/// The IPv6 endpoint (`AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE=IPv6`).
pub const ENDPOINT_IPV6: &str = "http://[fd00:ec2::254]";
/// The token lifetime asked for, in seconds (6 hours).
pub const TOKEN_TTL_SECONDS: u32 = 21600;
/// The path of the role list and, with the role appended, of the credentials.
pub const CREDENTIALS_PATH: &str = "/latest/meta-data/iam/security-credentials/";
/// The path of the token request.
pub const TOKEN_PATH: &str = "/latest/api/token";

const TOKEN_TTL_HEADER: &str = "x-aws-ec2-metadata-token-ttl-seconds";
const TOKEN_HEADER: &str = "x-aws-ec2-metadata-token";
const TIMEOUT: Duration = Duration::from_secs(1);
const MAX_ATTEMPTS: u32 = 3;
const MAX_TOKEN: usize = 4096;

fn request(
    method: http::Method,
    endpoint: &str,
    path: &str,
    header: Option<(&'static str, &str)>,
) -> Result<http::Request<Vec<u8>>, CredentialsError> {
    let uri = format!("{}{path}", endpoint.trim_end_matches('/'));
    let mut builder = http::Request::builder().method(method).uri(uri.as_str());
    if let Some((name, value)) = header {
        builder = builder.header(name, value);
    }
    let mut request = builder.body(Vec::new()).map_err(|_| {
        CredentialsError::config(
            "imds",
            format!(
                "the instance metadata URL {:?} is not valid",
                excerpt(&uri, 200)
            ),
        )
    })?;
    request.extensions_mut().insert(TimeoutHint(TIMEOUT));
    Ok(request)
}

/// `PUT /latest/api/token` asking for a token valid [`TOKEN_TTL_SECONDS`].
pub fn token_request(endpoint: &str) -> Result<http::Request<Vec<u8>>, CredentialsError> {
    let ttl = TOKEN_TTL_SECONDS.to_string();
    request(
        http::Method::PUT,
        endpoint,
        TOKEN_PATH,
        Some((TOKEN_TTL_HEADER, &ttl)),
    )
}

/// `GET /latest/meta-data/iam/security-credentials/`, with the token (IMDSv2) or without
/// (IMDSv1).
pub fn role_request(
    endpoint: &str,
    token: Option<&str>,
) -> Result<http::Request<Vec<u8>>, CredentialsError> {
    request(
        http::Method::GET,
        endpoint,
        CREDENTIALS_PATH,
        token.map(|t| (TOKEN_HEADER, t)),
    )
}

/// `GET /latest/meta-data/iam/security-credentials/<role>`.
pub fn credentials_request(
    endpoint: &str,
    role: &str,
    token: Option<&str>,
) -> Result<http::Request<Vec<u8>>, CredentialsError> {
    request(
        http::Method::GET,
        endpoint,
        &format!("{CREDENTIALS_PATH}{role}"),
        token.map(|t| (TOKEN_HEADER, t)),
    )
}

fn status_error(what: &str, status: http::StatusCode) -> CredentialsError {
    CredentialsError::new(
        CredentialsErrorKind::Rejected,
        "imds",
        format!("{what} was answered HTTP {}", status.as_u16()),
    )
}

/// The token from a 2xx answer to [`token_request`].
pub fn parse_token(response: &http::Response<Vec<u8>>) -> Result<String, CredentialsError> {
    if !response.status().is_success() {
        return Err(status_error("the IMDSv2 token request", response.status()));
    }
    let token = std::str::from_utf8(response.body())
        .ok()
        .map(str::trim)
        .filter(|t| !t.is_empty() && t.len() <= MAX_TOKEN && http::HeaderValue::from_str(t).is_ok())
        .ok_or_else(|| {
            CredentialsError::malformed("imds", "the IMDSv2 token answer is not a valid token")
        })?;
    Ok(token.to_string())
}

/// The role name from a 2xx answer to [`role_request`] (its first line). A 404 means the
/// instance has no IAM role.
pub fn parse_role(response: &http::Response<Vec<u8>>) -> Result<String, CredentialsError> {
    let status = response.status();
    if status == http::StatusCode::NOT_FOUND {
        return Err(CredentialsError::new(
            CredentialsErrorKind::Rejected,
            "imds",
            "this instance has no IAM role (no instance profile is attached): the role list \
             was answered HTTP 404",
        ));
    }
    if !status.is_success() {
        return Err(status_error("the IAM role list", status));
    }
    let role = std::str::from_utf8(response.body())
        .ok()
        .and_then(|t| t.lines().map(str::trim).find(|l| !l.is_empty()))
        .ok_or_else(|| CredentialsError::malformed("imds", "the IAM role list is empty"))?;
    let valid = role.len() <= 128
        && role
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+=,.@_-".contains(c));
    if !valid {
        return Err(CredentialsError::malformed(
            "imds",
            format!(
                "the IAM role list names {:?}, which is not a role name",
                excerpt(role, 64)
            ),
        ));
    }
    Ok(role.to_string())
}

/// The credentials from the answer to [`credentials_request`] for `role`: `Code` must be
/// `Success`, with `AccessKeyId`, `SecretAccessKey`, `Token` and `Expiration`.
pub fn parse_credentials(
    response: &http::Response<Vec<u8>>,
    role: &str,
) -> Result<Credentials, CredentialsError> {
    let status = response.status();
    if status == http::StatusCode::NOT_FOUND {
        return Err(CredentialsError::new(
            CredentialsErrorKind::Rejected,
            "imds",
            format!(
                "the credentials of role {role} were answered HTTP 404 (the role is not \
                 attached to this instance)"
            ),
        ));
    }
    if !status.is_success() {
        return Err(status_error(
            &format!("the credentials of role {role}"),
            status,
        ));
    }
    parse_credentials_json(response.body(), "imds")
}

/// The IMDS provider's settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ImdsConfig {
    pub(crate) endpoint: String,
    pub(crate) allow_v1_fallback: bool,
    /// When IMDS is only the chain's last resort (nothing configured it), the other
    /// sources that were looked at: a transport failure then means "no credentials found".
    pub(crate) implicit_tried: Option<Vec<String>>,
}

#[derive(Debug)]
enum State {
    Start,
    Token {
        attempt: u32,
    },
    Role {
        token: Option<Secret>,
        attempt: u32,
    },
    Creds {
        token: Option<Secret>,
        role: String,
        attempt: u32,
    },
}

/// The IMDS provider's state machine.
#[derive(Debug)]
pub(crate) struct ImdsMachine {
    config: ImdsConfig,
    state: State,
    refetched_token: bool,
}

impl ImdsMachine {
    pub(crate) fn new(config: ImdsConfig) -> Self {
        ImdsMachine {
            config,
            state: State::Start,
            refetched_token: false,
        }
    }

    fn send(
        &mut self,
        request: Result<http::Request<Vec<u8>>, CredentialsError>,
        next: State,
    ) -> Action {
        match request {
            Ok(r) => {
                self.state = next;
                Action::Http(r)
            }
            Err(e) => done(Err(e)),
        }
    }

    fn send_role(&mut self, token: Option<Secret>, attempt: u32) -> Action {
        let r = role_request(&self.config.endpoint, token.as_ref().map(|t| t.0.as_str()));
        self.send(r, State::Role { token, attempt })
    }

    fn send_creds(&mut self, token: Option<Secret>, role: String, attempt: u32) -> Action {
        let r = credentials_request(
            &self.config.endpoint,
            &role,
            token.as_ref().map(|t| t.0.as_str()),
        );
        self.send(
            r,
            State::Creds {
                token,
                role,
                attempt,
            },
        )
    }

    fn unreachable(&self, failure: &TransportFailure) -> CredentialsError {
        match &self.config.implicit_tried {
            Some(tried) => {
                let mut all = tried.clone();
                all.push(format!(
                    "instance metadata (no answer from {}: {failure})",
                    self.config.endpoint
                ));
                CredentialsError::new(
                    CredentialsErrorKind::NotFound,
                    "chain",
                    format!("no credentials found; tried: {}", all.join("; ")),
                )
            }
            None => CredentialsError::new(
                CredentialsErrorKind::Unavailable,
                "imds",
                format!(
                    "no answer from the instance metadata service at {}: {failure}",
                    self.config.endpoint
                ),
            ),
        }
    }

    /// A stale token (401) with IMDSv2: start over with a new token, once.
    fn stale(&mut self, token: &Option<Secret>, status: http::StatusCode) -> Option<Action> {
        if status == http::StatusCode::UNAUTHORIZED && token.is_some() && !self.refetched_token {
            self.refetched_token = true;
            let r = token_request(&self.config.endpoint);
            return Some(self.send(r, State::Token { attempt: 1 }));
        }
        None
    }
}

impl Machine for ImdsMachine {
    fn step(&mut self, _now: OffsetDateTime, input: Option<Input>) -> Action {
        match std::mem::replace(&mut self.state, State::Start) {
            State::Start => {
                let r = token_request(&self.config.endpoint);
                self.send(r, State::Token { attempt: 1 })
            }
            State::Token { attempt } => {
                let response = match expect_http(input, "imds") {
                    Ok(Ok(r)) => r,
                    Ok(Err(failure)) => return done(Err(self.unreachable(&failure))),
                    Err(e) => return done(Err(e)),
                };
                let status = response.status();
                if status.is_success() {
                    match parse_token(&response) {
                        Ok(t) => self.send_role(Some(Secret(t)), 1),
                        Err(e) => done(Err(e)),
                    }
                } else if status.is_server_error() && attempt < MAX_ATTEMPTS {
                    let r = token_request(&self.config.endpoint);
                    self.send(
                        r,
                        State::Token {
                            attempt: attempt + 1,
                        },
                    )
                } else if matches!(status.as_u16(), 400 | 404 | 405) {
                    if self.config.allow_v1_fallback {
                        self.send_role(None, 1)
                    } else {
                        done(Err(CredentialsError::new(
                            CredentialsErrorKind::Rejected,
                            "imds",
                            format!(
                                "the IMDSv2 token request was answered HTTP {} and IMDSv1 \
                                 fallback is off (set AWS_EC2_METADATA_V1_DISABLED=false to \
                                 allow it)",
                                status.as_u16()
                            ),
                        )))
                    }
                } else if status == http::StatusCode::FORBIDDEN {
                    done(Err(CredentialsError::new(
                        CredentialsErrorKind::Rejected,
                        "imds",
                        "the IMDSv2 token request was answered HTTP 403 (the instance \
                         metadata service is turned off for this instance?)",
                    )))
                } else {
                    done(Err(status_error("the IMDSv2 token request", status)))
                }
            }
            State::Role { token, attempt } => {
                let response = match expect_http(input, "imds") {
                    Ok(r) => r,
                    Err(e) => return done(Err(e)),
                };
                match response {
                    Err(failure) if attempt >= MAX_ATTEMPTS => {
                        done(Err(self.unreachable_after_token(&failure)))
                    }
                    Err(_) => self.send_role(token, attempt + 1),
                    Ok(r) if r.status().is_server_error() && attempt < MAX_ATTEMPTS => {
                        self.send_role(token, attempt + 1)
                    }
                    Ok(r) => {
                        if let Some(action) = self.stale(&token, r.status()) {
                            return action;
                        }
                        match parse_role(&r) {
                            Ok(role) => self.send_creds(token, role, 1),
                            Err(e) => done(Err(e)),
                        }
                    }
                }
            }
            State::Creds {
                token,
                role,
                attempt,
            } => {
                let response = match expect_http(input, "imds") {
                    Ok(r) => r,
                    Err(e) => return done(Err(e)),
                };
                match response {
                    Err(failure) if attempt >= MAX_ATTEMPTS => {
                        done(Err(self.unreachable_after_token(&failure)))
                    }
                    Err(_) => self.send_creds(token, role, attempt + 1),
                    Ok(r) if r.status().is_server_error() && attempt < MAX_ATTEMPTS => {
                        self.send_creds(token, role, attempt + 1)
                    }
                    Ok(r) => {
                        if let Some(action) = self.stale(&token, r.status()) {
                            return action;
                        }
                        done(parse_credentials(&r, &role))
                    }
                }
            }
        }
    }
}

impl ImdsMachine {
    fn unreachable_after_token(&self, failure: &TransportFailure) -> CredentialsError {
        CredentialsError::new(
            CredentialsErrorKind::Unavailable,
            "imds",
            format!(
                "the instance metadata service at {} stopped answering after {MAX_ATTEMPTS} \
                 attempts: {failure}",
                self.config.endpoint
            ),
        )
    }
}
