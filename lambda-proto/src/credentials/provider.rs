//! The provider state machine a driver runs.

use std::fmt;
use std::io;
use std::path::PathBuf;
use std::time::Duration;

use time::OffsetDateTime;

use super::container::{ContainerConfig, ContainerMachine};
use super::error::{CredentialsError, CredentialsErrorKind};
use super::imds::{ImdsConfig, ImdsMachine};
use super::sso::{SsoConfig, SsoMachine};
use super::sts::{self, AssumeRoleParams, WebIdentityConfig};
use super::{process, Credentials, Secret};
use crate::error::TransportErrorKind;
use crate::sigv4::Signer;

/// What a [`Provider`] needs next.
///
/// `Debug` shows an HTTP request's method and URI only: its headers and body may hold
/// tokens.
pub enum Action {
    /// Send this request and pass the response (body read fully) to
    /// [`Provider::on_http`]. A [`TimeoutHint`] in the request's extensions suggests a
    /// timeout (the metadata services answer fast or not at all).
    Http(http::Request<Vec<u8>>),
    /// Read this file as UTF-8 text and pass it to [`Provider::on_file`].
    ReadFile(PathBuf),
    /// Run this command line through the platform shell (`sh -c` on Unix, `cmd /C` on
    /// Windows) with the caller's environment and pass the result to
    /// [`Provider::on_process`]. Standard error should be passed back, not shown.
    RunProcess(CommandLine),
    /// The provider is finished.
    Done(Result<Credentials, CredentialsError>),
}

impl fmt::Debug for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Action::Http(r) => f
                .debug_tuple("Http")
                .field(&format_args!("{} {}", r.method(), r.uri()))
                .finish(),
            Action::ReadFile(p) => f.debug_tuple("ReadFile").field(p).finish(),
            Action::RunProcess(c) => f.debug_tuple("RunProcess").field(c).finish(),
            Action::Done(r) => f.debug_tuple("Done").field(r).finish(),
        }
    }
}

/// A `credential_process` command line. Its arguments may hold secrets (`helper --token
/// ...`), so `Debug` shows the program alone, as aws-config does.
///
/// ```
/// use lambda_proto::credentials::CommandLine;
///
/// let command = CommandLine::new("helper --secret s3cr3t");
/// assert_eq!(command.as_str(), "helper --secret s3cr3t");
/// assert_eq!(format!("{command:?}"), r#""helper ** arguments redacted **""#);
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct CommandLine(String);

impl CommandLine {
    /// A command line, run through the platform shell.
    pub fn new(command: impl Into<String>) -> Self {
        CommandLine(command.into())
    }

    /// The whole command line, to run it.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for CommandLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let trimmed = self.0.trim();
        match trimmed.split_once(char::is_whitespace) {
            Some((program, _)) => write!(f, "\"{program} ** arguments redacted **\""),
            None => write!(f, "{trimmed:?}"),
        }
    }
}

/// Marks an [`Action::Http`] request (in its extensions) that gets the standard retries:
/// the STS and SSO calls. The metadata endpoints retry on their own terms and are not
/// marked. Drivers send a marked request again while [`retry_delay`] says so.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StandardRetries;

/// For a request marked [`StandardRetries`] whose `attempt`-th try (from 1) ended with
/// `result`: how long to wait before sending it again, or `None` to pass the result to the
/// provider. Transient failures (connect, reset, time-out, I/O) and answers 429 or 5xx are
/// retried up to 3 attempts in all, with the standard backoff `random * 2^(attempt - 1)`
/// seconds (at most 20).
///
/// ```
/// use lambda_proto::credentials::retry_delay;
/// use std::time::Duration;
///
/// let busy = Ok(http::Response::builder().status(503).body(Vec::new()).unwrap());
/// assert_eq!(retry_delay(&busy, 1, 0.5), Some(Duration::from_millis(500)));
/// assert_eq!(retry_delay(&busy, 3, 0.5), None);
/// let denied = Ok(http::Response::builder().status(403).body(Vec::new()).unwrap());
/// assert_eq!(retry_delay(&denied, 1, 0.5), None);
/// ```
pub fn retry_delay(
    result: &Result<http::Response<Vec<u8>>, TransportFailure>,
    attempt: u32,
    random: f64,
) -> Option<Duration> {
    const MAX_ATTEMPTS: u32 = 3;
    let transient = match result {
        Ok(response) => {
            let status = response.status();
            status.is_server_error() || status == http::StatusCode::TOO_MANY_REQUESTS
        }
        Err(failure) => matches!(
            failure.kind,
            TransportErrorKind::Connect
                | TransportErrorKind::Reset
                | TransportErrorKind::Timeout
                | TransportErrorKind::Io
        ),
    };
    if !transient || attempt >= MAX_ATTEMPTS {
        return None;
    }
    let seconds = random.clamp(0.0, 1.0) * f64::from(1u32 << (attempt - 1).min(20));
    Some(Duration::from_secs_f64(seconds.min(20.0)))
}

/// A timeout suggested for an [`Action::Http`] request, found in its extensions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TimeoutHint(pub Duration);

/// Why an HTTP request got no response.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TransportFailure {
    /// What kind of failure.
    pub kind: TransportErrorKind,
    /// The driver's description (no secrets: the request is not quoted).
    pub message: String,
}

impl TransportFailure {
    /// A failure of `kind` described by `message`.
    pub fn new(kind: TransportErrorKind, message: impl Into<String>) -> Self {
        TransportFailure {
            kind,
            message: message.into(),
        }
    }
}

impl fmt::Display for TransportFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}: {}", self.kind, self.message)
    }
}

/// What a process run for [`Action::RunProcess`] produced.
#[derive(Clone, PartialEq, Eq)]
pub struct ProcessOutput {
    /// The exit code; `None` when the process was ended by a signal.
    pub exit_code: Option<i32>,
    /// Standard output (holds the secret).
    pub stdout: Vec<u8>,
    /// Standard error.
    pub stderr: Vec<u8>,
}

impl fmt::Debug for ProcessOutput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProcessOutput")
            .field("exit_code", &self.exit_code)
            .field("stdout", &format_args!("<{} bytes>", self.stdout.len()))
            .field("stderr", &format_args!("<{} bytes>", self.stderr.len()))
            .finish()
    }
}

/// A driver's answer to an action. `Debug` shows no content (it may hold secrets).
pub(crate) enum Input {
    Http(Result<http::Response<Vec<u8>>, TransportFailure>),
    File(Result<String, io::ErrorKind>),
    Process(Result<ProcessOutput, io::ErrorKind>),
}

impl fmt::Debug for Input {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Input::Http(Ok(r)) => write!(f, "Http(HTTP {}, {} bytes)", r.status(), r.body().len()),
            Input::Http(Err(e)) => write!(f, "Http({e})"),
            Input::File(Ok(t)) => write!(f, "File({} bytes)", t.len()),
            Input::File(Err(k)) => write!(f, "File({k})"),
            Input::Process(r) => f.debug_tuple("Process").field(r).finish(),
        }
    }
}

/// One provider's state machine. `input` is the answer to the action it returned last.
pub(crate) trait Machine: fmt::Debug + Send {
    fn step(&mut self, now: OffsetDateTime, input: Option<Input>) -> Action;
}

pub(crate) fn done(result: Result<Credentials, CredentialsError>) -> Action {
    Action::Done(result)
}

fn wrong_input(source: &'static str, wanted: &str) -> CredentialsError {
    CredentialsError::new(
        CredentialsErrorKind::Io,
        source,
        format!("the driver did not pass the {wanted} result this provider asked for"),
    )
}

pub(crate) fn expect_http(
    input: Option<Input>,
    source: &'static str,
) -> Result<Result<http::Response<Vec<u8>>, TransportFailure>, CredentialsError> {
    match input {
        Some(Input::Http(r)) => Ok(r),
        _ => Err(wrong_input(source, "HTTP")),
    }
}

pub(crate) fn expect_file(
    input: Option<Input>,
    source: &'static str,
    path: &str,
) -> Result<String, CredentialsError> {
    match input {
        Some(Input::File(Ok(text))) => Ok(text),
        Some(Input::File(Err(kind))) => Err(CredentialsError::new(
            CredentialsErrorKind::Io,
            source,
            format!("cannot read {path}: {kind}"),
        )),
        _ => Err(wrong_input(source, "file")),
    }
}

/// Where a chain's credentials come from before any role is assumed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Base {
    /// Static keys (environment or profile).
    Static {
        creds: Credentials,
        source: &'static str,
    },
    /// `credential_process`.
    Process { command: CommandLine },
    /// IAM Identity Center.
    Sso(SsoConfig),
    /// `AssumeRoleWithWebIdentity` with a token file.
    WebIdentity(WebIdentityConfig),
    /// The container endpoint.
    Container(ContainerConfig),
    /// The instance metadata service.
    Imds(ImdsConfig),
}

/// A resolved source: a base and the roles assumed from it, in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Plan {
    pub(crate) base: Base,
    pub(crate) roles: Vec<AssumeRoleParams>,
}

/// A running provider: call [`Provider::next`] and answer each action until
/// [`Action::Done`].
///
/// ```
/// use lambda_proto::credentials::{Action, CredentialsSource, Credentials};
/// use time::macros::datetime;
///
/// let source = CredentialsSource::from_static(Credentials::new("AKID", "secret", None, None));
/// let mut provider = source.provider();
/// match provider.next(datetime!(2024-01-01 0:00 UTC)) {
///     Action::Done(Ok(creds)) => assert_eq!(creds.access_key_id(), "AKID"),
///     other => panic!("{other:?}"),
/// }
/// ```
#[derive(Debug)]
pub struct Provider {
    plan: Plan,
    base: Option<Box<dyn Machine>>,
    role_index: usize,
    role_waiting: bool,
    current: Option<Credentials>,
    input: Option<Input>,
    finished: Option<Result<Credentials, CredentialsError>>,
    signer: Signer,
}

impl Provider {
    pub(crate) fn new(plan: Plan) -> Self {
        let base: Box<dyn Machine> = match &plan.base {
            Base::Static { creds, source } => Box::new(StaticMachine {
                creds: creds.clone(),
                source,
            }),
            Base::Process { command } => Box::new(ProcessMachine {
                command: command.clone(),
                started: false,
            }),
            Base::Sso(c) => Box::new(SsoMachine::new(c.clone())),
            Base::WebIdentity(c) => Box::new(WebIdentityMachine {
                config: c.clone(),
                state: WebState::Start,
            }),
            Base::Container(c) => Box::new(ContainerMachine::new(c.clone())),
            Base::Imds(c) => Box::new(ImdsMachine::new(c.clone())),
        };
        Provider {
            plan,
            base: Some(base),
            role_index: 0,
            role_waiting: false,
            current: None,
            input: None,
            finished: None,
            signer: Signer::new(),
        }
    }

    /// What to do next; `now` is the current UTC time (signing, expiry checks).
    pub fn next(&mut self, now: OffsetDateTime) -> Action {
        if let Some(r) = &self.finished {
            return Action::Done(r.clone());
        }
        let mut input = self.input.take();
        if let Some(machine) = &mut self.base {
            match machine.step(now, input.take()) {
                Action::Done(Ok(creds)) => {
                    self.base = None;
                    self.current = Some(creds);
                }
                Action::Done(Err(e)) => return self.finish(Err(e)),
                action => return action,
            }
        }
        while let Some(role) = self.plan.roles.get(self.role_index) {
            let Some(current) = &self.current else {
                break;
            };
            if !self.role_waiting {
                match sts::assume_role_request(role, current, now, &self.signer) {
                    Ok(request) => {
                        self.role_waiting = true;
                        return Action::Http(request);
                    }
                    Err(e) => return self.finish(Err(e)),
                }
            }
            self.role_waiting = false;
            let result = match expect_http(input.take(), "sts") {
                Ok(Ok(response)) => sts::parse_response(&response, "AssumeRole"),
                Ok(Err(failure)) => Err(CredentialsError::new(
                    CredentialsErrorKind::Unavailable,
                    "sts",
                    format!("AssumeRole of {} got no answer: {failure}", role.role_arn),
                )),
                Err(e) => Err(e),
            };
            match result {
                Ok(creds) => {
                    self.current = Some(creds);
                    self.role_index += 1;
                }
                Err(e) => return self.finish(Err(e)),
            }
        }
        match self.current.take() {
            Some(creds) => self.finish(Ok(creds)),
            None => self.finish(Err(wrong_input("provider", "expected"))),
        }
    }

    fn finish(&mut self, result: Result<Credentials, CredentialsError>) -> Action {
        self.finished = Some(result.clone());
        Action::Done(result)
    }

    /// The answer to [`Action::Http`]: the response with its whole body, or why there is
    /// none.
    pub fn on_http(&mut self, result: Result<http::Response<Vec<u8>>, TransportFailure>) {
        self.input = Some(Input::Http(result));
    }

    /// The answer to [`Action::ReadFile`]: the file's text, or the IO error's kind.
    pub fn on_file(&mut self, result: Result<String, io::ErrorKind>) {
        self.input = Some(Input::File(result));
    }

    /// The answer to [`Action::RunProcess`]: what the process produced, or the IO error's
    /// kind when it could not be started.
    pub fn on_process(&mut self, result: Result<ProcessOutput, io::ErrorKind>) {
        self.input = Some(Input::Process(result));
    }
}

#[derive(Debug)]
struct StaticMachine {
    creds: Credentials,
    source: &'static str,
}

impl Machine for StaticMachine {
    fn step(&mut self, now: OffsetDateTime, _input: Option<Input>) -> Action {
        match self.creds.expiry() {
            Some(at) if at <= now => done(Err(CredentialsError::new(
                CredentialsErrorKind::Expired,
                self.source,
                format!("the static credentials expired at {at}"),
            ))),
            _ => done(Ok(self.creds.clone())),
        }
    }
}

#[derive(Debug)]
struct ProcessMachine {
    command: CommandLine,
    started: bool,
}

impl Machine for ProcessMachine {
    fn step(&mut self, now: OffsetDateTime, input: Option<Input>) -> Action {
        if !self.started {
            self.started = true;
            return Action::RunProcess(self.command.clone());
        }
        done(match input {
            Some(Input::Process(Ok(output))) => process::parse_output(&output, now),
            Some(Input::Process(Err(io::ErrorKind::TimedOut))) => Err(CredentialsError::new(
                CredentialsErrorKind::Io,
                "process",
                "credential_process ran past its time limit and was stopped",
            )),
            Some(Input::Process(Err(kind))) => Err(CredentialsError::new(
                CredentialsErrorKind::Io,
                "process",
                format!("cannot run credential_process: {kind}"),
            )),
            _ => Err(wrong_input("process", "process")),
        })
    }
}

#[derive(Debug)]
enum WebState {
    Start,
    ReadingToken,
    Waiting,
}

#[derive(Debug)]
struct WebIdentityMachine {
    config: WebIdentityConfig,
    state: WebState,
}

impl Machine for WebIdentityMachine {
    fn step(&mut self, now: OffsetDateTime, input: Option<Input>) -> Action {
        match self.state {
            WebState::Start => {
                self.state = WebState::ReadingToken;
                Action::ReadFile(self.config.token_file.clone())
            }
            WebState::ReadingToken => {
                let path = self.config.token_file.display().to_string();
                let token = match expect_file(input, "web identity", &path) {
                    Ok(t) => Secret(t.trim().to_string()),
                    Err(e) => return done(Err(e)),
                };
                if token.0.is_empty() {
                    return done(Err(CredentialsError::config(
                        "web identity",
                        format!("the web identity token file {path} is empty"),
                    )));
                }
                let session = self
                    .config
                    .session_name
                    .clone()
                    .unwrap_or_else(|| sts::default_session_name(now));
                match sts::web_identity_request(
                    &self.config.endpoint,
                    &self.config.role_arn,
                    &session,
                    &token.0,
                ) {
                    Ok(r) => {
                        self.state = WebState::Waiting;
                        Action::Http(r)
                    }
                    Err(e) => done(Err(e)),
                }
            }
            WebState::Waiting => done(match expect_http(input, "sts") {
                Ok(Ok(r)) => sts::parse_response(&r, "AssumeRoleWithWebIdentity"),
                Ok(Err(failure)) => Err(CredentialsError::new(
                    CredentialsErrorKind::Unavailable,
                    "sts",
                    format!(
                        "AssumeRoleWithWebIdentity of {} got no answer: {failure}",
                        self.config.role_arn
                    ),
                )),
                Err(e) => Err(e),
            }),
        }
    }
}
