//! The container credential provider (Amazon ECS task roles, Amazon EKS Pod Identity).
//!
//! See <https://docs.aws.amazon.com/sdkref/latest/guide/feature-container-credentials.html>:
//! `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI` is a path below `http://169.254.170.2`;
//! `AWS_CONTAINER_CREDENTIALS_FULL_URI` is a whole URL, which over plain `http` must name a
//! loopback address, `169.254.170.2`, `169.254.170.23` or `fd00:ec2::23` (any host over
//! `https`). `AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE` (read on every refresh) or else
//! `AWS_CONTAINER_AUTHORIZATION_TOKEN` is sent as the `Authorization` header.

use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

use serde_json::Value;
use time::OffsetDateTime;

use super::error::{excerpt, CredentialsError, CredentialsErrorKind};
use super::provider::{
    done, expect_file, expect_http, Action, Input, Machine, TimeoutHint, TransportFailure,
};
use super::{parse_rfc3339, Credentials, Secret};

/// The host of `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI`.
pub const RELATIVE_URI_BASE: &str = "http://169.254.170.2";
/// Attempts per refresh on a 5xx answer or a transport failure.
const MAX_ATTEMPTS: u32 = 3;
/// The timeout suggested to drivers for each request.
const TIMEOUT: Duration = Duration::from_secs(2);
/// Largest answer parsed.
const MAX_BODY: usize = 64 * 1024;

/// Checks that `AWS_CONTAINER_CREDENTIALS_FULL_URI` may be used: an `https` URL with any
/// host, or an `http` URL whose host is a loopback address (`localhost`, `127.0.0.0/8`,
/// `::1`), `169.254.170.2`, `169.254.170.23` or `fd00:ec2::23`.
pub fn validate_full_uri(uri: &str) -> Result<(), CredentialsError> {
    let bad = |rule: &str| {
        CredentialsError::config(
            "container",
            format!(
                "AWS_CONTAINER_CREDENTIALS_FULL_URI {:?} {rule}",
                excerpt(uri, 200)
            ),
        )
    };
    let parsed: http::Uri = uri.parse().map_err(|_| bad("is not a URL"))?;
    let host = parsed.host().ok_or_else(|| bad("has no host"))?;
    match parsed.scheme_str() {
        Some("https") => Ok(()),
        Some("http") => {
            if allowed_http_host(host) {
                Ok(())
            } else {
                Err(bad(
                    "must use https, or name a loopback address, 169.254.170.2, \
                     169.254.170.23 or fd00:ec2::23 over http",
                ))
            }
        }
        _ => Err(bad("must be an http or https URL")),
    }
}

fn allowed_http_host(host: &str) -> bool {
    if host.eq_ignore_ascii_case("localhost") {
        return true;
    }
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    match bare.parse::<IpAddr>() {
        Ok(IpAddr::V4(v4)) => {
            v4.is_loopback()
                || v4.octets() == [169, 254, 170, 2]
                || v4.octets() == [169, 254, 170, 23]
        }
        Ok(IpAddr::V6(v6)) => {
            v6.is_loopback() || v6.segments() == [0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x23]
        }
        Err(_) => false,
    }
}

/// The GET request for credentials, with `Authorization: <token>` when there is a token.
/// A token holding a line break is refused. The request is marked
/// [`Direct`](crate::proxy::Direct): it never goes through a proxy.
pub fn credentials_request(
    uri: &str,
    token: Option<&str>,
) -> Result<http::Request<Vec<u8>>, CredentialsError> {
    let mut builder = http::Request::get(uri).header(http::header::ACCEPT, "application/json");
    if let Some(token) = token {
        let token = token.trim();
        let value = http::HeaderValue::from_str(token).map_err(|_| {
            CredentialsError::config(
                "container",
                "the container authorization token has characters not allowed in a header \
                 (a line break?)",
            )
        })?;
        builder = builder.header(http::header::AUTHORIZATION, value);
    }
    let mut request = builder.body(Vec::new()).map_err(|_| {
        CredentialsError::config(
            "container",
            format!(
                "the container credentials URL {:?} is not valid",
                excerpt(uri, 200)
            ),
        )
    })?;
    request.extensions_mut().insert(TimeoutHint(TIMEOUT));
    // A link-local or loopback address: never through a proxy (as botocore).
    request.extensions_mut().insert(crate::proxy::Direct);
    Ok(request)
}

/// Parses the container endpoint's answer: on 2xx a JSON object with `AccessKeyId`,
/// `SecretAccessKey`, `Token` and `Expiration`; otherwise a
/// [`CredentialsErrorKind::Rejected`] error with the `code` and `message` it sent.
pub fn parse_response(response: &http::Response<Vec<u8>>) -> Result<Credentials, CredentialsError> {
    let status = response.status();
    if !status.is_success() {
        let (code, message) = error_fields(response.body());
        return Err(CredentialsError::new(
            CredentialsErrorKind::Rejected,
            "container",
            format!(
                "the container credentials endpoint answered HTTP {}: {}: {}",
                status.as_u16(),
                excerpt(&code, 64),
                excerpt(&message, 300)
            ),
        ));
    }
    parse_credentials_json(response.body(), "container")
}

fn error_fields(body: &[u8]) -> (String, String) {
    let value: Option<Value> = serde_json::from_slice(body).ok();
    let get = |keys: &[&str]| {
        keys.iter()
            .find_map(|k| value.as_ref()?.get(*k)?.as_str().map(str::to_string))
    };
    (
        get(&["code", "Code"]).unwrap_or_else(|| "(no error code)".into()),
        get(&["message", "Message"]).unwrap_or_else(|| "(no message)".into()),
    )
}

/// Parses `{"AccessKeyId", "SecretAccessKey", "Token", "Expiration"}` (the container and
/// IMDS shape). A `Code` other than `Success` is an error.
pub(crate) fn parse_credentials_json(
    body: &[u8],
    source: &'static str,
) -> Result<Credentials, CredentialsError> {
    let bad = |m: String| CredentialsError::malformed(source, m);
    if body.len() > MAX_BODY {
        return Err(bad(format!("the answer is larger than {MAX_BODY} bytes")));
    }
    let value: Value = serde_json::from_slice(body).map_err(|e| {
        bad(format!(
            "the answer is not JSON (line {}, column {})",
            e.line(),
            e.column()
        ))
    })?;
    let obj = value
        .as_object()
        .ok_or_else(|| bad("the answer is not a JSON object".into()))?;
    if let Some(code) = obj.get("Code") {
        if code.as_str() != Some("Success") {
            let code = code.as_str().unwrap_or("(not a string)");
            let message = obj.get("Message").and_then(Value::as_str).unwrap_or("");
            return Err(CredentialsError::new(
                CredentialsErrorKind::Rejected,
                source,
                format!(
                    "the answer has Code {:?}: {}",
                    excerpt(code, 64),
                    excerpt(message, 300)
                ),
            ));
        }
    }
    let field = |key: &'static str| -> Result<String, CredentialsError> {
        match obj.get(key) {
            Some(Value::String(s)) if !s.is_empty() => Ok(s.clone()),
            _ => Err(bad(format!("the answer has no {key} string"))),
        }
    };
    let access_key_id = field("AccessKeyId")?;
    let secret = field("SecretAccessKey")?;
    let token = field("Token")?;
    let expiration = field("Expiration")?;
    let expiry = parse_rfc3339(&expiration).ok_or_else(|| {
        bad(format!(
            "Expiration {:?} is not an RFC 3339 time",
            excerpt(&expiration, 40)
        ))
    })?;
    Ok(Credentials::new(
        access_key_id,
        secret,
        Some(token),
        Some(expiry),
    ))
}

/// Where the container authorization token comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum ContainerAuth {
    File(PathBuf),
    Token(Secret),
}

/// The container provider's settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ContainerConfig {
    pub(crate) uri: String,
    pub(crate) auth: Option<ContainerAuth>,
}

#[derive(Debug)]
enum State {
    Start,
    ReadingToken,
    Send { token: Option<Secret>, attempt: u32 },
    Waiting { token: Option<Secret>, attempt: u32 },
}

/// The container provider's state machine.
#[derive(Debug)]
pub(crate) struct ContainerMachine {
    config: ContainerConfig,
    state: State,
}

impl ContainerMachine {
    pub(crate) fn new(config: ContainerConfig) -> Self {
        ContainerMachine {
            config,
            state: State::Start,
        }
    }
}

impl Machine for ContainerMachine {
    fn step(&mut self, _now: OffsetDateTime, input: Option<Input>) -> Action {
        let mut input = input;
        loop {
            match std::mem::replace(&mut self.state, State::Start) {
                State::Start => match &self.config.auth {
                    Some(ContainerAuth::File(path)) => {
                        self.state = State::ReadingToken;
                        return Action::ReadFile(path.clone());
                    }
                    Some(ContainerAuth::Token(t)) => {
                        self.state = State::Send {
                            token: Some(t.clone()),
                            attempt: 1,
                        }
                    }
                    None => {
                        self.state = State::Send {
                            token: None,
                            attempt: 1,
                        }
                    }
                },
                State::ReadingToken => {
                    let path = match &self.config.auth {
                        Some(ContainerAuth::File(p)) => p.display().to_string(),
                        _ => String::new(),
                    };
                    match expect_file(input.take(), "container", &path) {
                        Ok(text) => {
                            self.state = State::Send {
                                token: Some(Secret(text.trim().to_string())),
                                attempt: 1,
                            };
                            continue;
                        }
                        Err(e) => return done(Err(e)),
                    }
                }
                State::Send { token, attempt } => {
                    let request =
                        credentials_request(&self.config.uri, token.as_ref().map(|t| t.0.as_str()));
                    return match request {
                        Ok(r) => {
                            self.state = State::Waiting { token, attempt };
                            Action::Http(r)
                        }
                        Err(e) => done(Err(e)),
                    };
                }
                State::Waiting { token, attempt } => {
                    let response = match expect_http(input.take(), "container") {
                        Ok(r) => r,
                        Err(e) => return done(Err(e)),
                    };
                    let retry = match &response {
                        Ok(r) => r.status().is_server_error(),
                        Err(_) => true,
                    };
                    if retry && attempt < MAX_ATTEMPTS {
                        self.state = State::Send {
                            token,
                            attempt: attempt + 1,
                        };
                        continue;
                    }
                    return done(match response {
                        Ok(r) => parse_response(&r),
                        Err(failure) => Err(unreachable_error(&self.config.uri, &failure)),
                    });
                }
            }
        }
    }
}

fn unreachable_error(uri: &str, failure: &TransportFailure) -> CredentialsError {
    CredentialsError::new(
        CredentialsErrorKind::Unavailable,
        "container",
        format!(
            "no answer from the container credentials endpoint {} after {MAX_ATTEMPTS} \
             attempts: {}",
            excerpt(uri, 200),
            failure
        ),
    )
}
