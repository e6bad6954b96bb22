//! The crate's error types: validation before a request is built, malformed
//! responses, and typed service errors.

use std::fmt;
use std::time::Duration;

/// What went wrong on a call, with `E` the operation's typed service error.
///
/// Drivers add their transport failures through [`Error::transport`].
#[derive(Debug)]
#[non_exhaustive]
pub enum Error<E> {
    /// The input broke a rule of the model; nothing was sent.
    Validation(ValidationError),
    /// The service answered with an error.
    Service(ServiceError<E>),
    /// The response could not be understood.
    Response(ResponseError),
    /// The request could not be sent or its answer not read (driver-specific).
    Transport(TransportError),
}

impl<E> Error<E> {
    /// Wraps a transport failure of a driver.
    pub fn transport(
        kind: TransportErrorKind,
        source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Self {
        Error::Transport(TransportError {
            kind,
            source: source.into(),
        })
    }

    /// The typed service error, if the service answered with one.
    pub fn service_error(&self) -> Option<&ServiceError<E>> {
        match self {
            Error::Service(e) => Some(e),
            _ => None,
        }
    }

    /// The error code of a service error (`ResourceNotFoundException`, ...).
    pub fn code(&self) -> Option<&str> {
        self.service_error().map(ServiceError::code)
    }

    /// Maps the typed service error (used by generic drivers and the dynamic table).
    pub fn map_service<F>(self, f: impl FnOnce(E) -> F) -> Error<F> {
        match self {
            Error::Validation(e) => Error::Validation(e),
            Error::Service(e) => Error::Service(e.map(f)),
            Error::Response(e) => Error::Response(e),
            Error::Transport(e) => Error::Transport(e),
        }
    }
}

impl<E: fmt::Debug> fmt::Display for Error<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Validation(e) => e.fmt(f),
            Error::Service(e) => e.fmt(f),
            Error::Response(e) => e.fmt(f),
            Error::Transport(e) => e.fmt(f),
        }
    }
}

impl<E: fmt::Debug> std::error::Error for Error<E> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Transport(e) => Some(e),
            _ => None,
        }
    }
}

impl<E> From<ValidationError> for Error<E> {
    fn from(e: ValidationError) -> Self {
        Error::Validation(e)
    }
}

impl<E> From<ResponseError> for Error<E> {
    fn from(e: ResponseError) -> Self {
        Error::Response(e)
    }
}

/// A rule of the model that an input broke.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Rule {
    /// A required member is missing.
    Required,
    /// A string, blob, list or map is shorter than the model allows.
    MinLength {
        /// The smallest allowed length.
        min: i64,
        /// The length given.
        actual: usize,
    },
    /// A string, blob, list or map is longer than the model allows.
    MaxLength {
        /// The largest allowed length.
        max: i64,
        /// The length given.
        actual: usize,
    },
    /// A number is below the model's minimum.
    Min {
        /// The smallest allowed value.
        min: f64,
        /// The value given.
        actual: f64,
    },
    /// A number is above the model's maximum.
    Max {
        /// The largest allowed value.
        max: f64,
        /// The value given.
        actual: f64,
    },
    /// A member the model does not have (a typo would otherwise be dropped silently).
    UnknownMember {
        /// The member given.
        name: String,
        /// The members the structure has.
        valid: Vec<&'static str>,
    },
    /// A URI label that is empty (it would change the request path).
    EmptyLabel,
    /// A header value with characters HTTP does not allow (CR, LF, other controls).
    HeaderValue,
    /// A rule of an operation that the model states in prose only.
    Custom(&'static str),
    /// The input JSON of the dynamic table does not match the member's type.
    Type(String),
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Rule::Required => f.write_str("is required"),
            Rule::MinLength { min, actual } => {
                write!(f, "must have length >= {min} (got {actual})")
            }
            Rule::MaxLength { max, actual } => {
                write!(f, "must have length <= {max} (got {actual})")
            }
            Rule::Min { min, actual } => write!(f, "must be >= {min} (got {actual})"),
            Rule::Max { max, actual } => write!(f, "must be <= {max} (got {actual})"),
            Rule::UnknownMember { name, valid } => write!(
                f,
                "has an unknown parameter {name:?}, must be one of: {}",
                valid.join(", ")
            ),
            Rule::EmptyLabel => f.write_str("must not be empty (it is part of the URI path)"),
            Rule::HeaderValue => {
                f.write_str("must not contain control characters (it is sent as a header)")
            }
            Rule::Custom(rule) => f.write_str(rule),
            Rule::Type(expected) => write!(f, "has the wrong type: {expected}"),
        }
    }
}

/// An input that breaks a rule of the model, found before anything is sent.
#[derive(Clone, Debug, PartialEq)]
pub struct ValidationError {
    operation: &'static str,
    member: String,
    rule: Rule,
}

impl ValidationError {
    /// A new error for `member` (a dotted path such as `Environment.Variables`).
    pub fn new(operation: &'static str, member: impl Into<String>, rule: Rule) -> Self {
        ValidationError {
            operation,
            member: member.into(),
            rule,
        }
    }

    /// The operation whose input was checked (`CreateFunction`).
    pub fn operation(&self) -> &'static str {
        self.operation
    }

    /// The member that broke the rule, as a dotted path of model member names.
    pub fn member(&self) -> &str {
        &self.member
    }

    /// The rule that was broken.
    pub fn rule(&self) -> &Rule {
        &self.rule
    }
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.member.is_empty() {
            write!(f, "invalid {} input: {}", self.operation, self.rule)
        } else {
            write!(
                f,
                "invalid {} input: {} {}",
                self.operation, self.member, self.rule
            )
        }
    }
}

impl std::error::Error for ValidationError {}

/// A response that could not be understood (not a service error).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResponseError {
    status: u16,
    what: String,
}

impl ResponseError {
    /// A new error for a response with HTTP `status`.
    pub fn new(status: u16, what: impl Into<String>) -> Self {
        ResponseError {
            status,
            what: what.into(),
        }
    }

    /// The HTTP status of the response.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// What was wrong with it.
    pub fn what(&self) -> &str {
        &self.what
    }
}

impl fmt::Display for ResponseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "malformed response (HTTP {}): {}",
            self.status, self.what
        )
    }
}

impl std::error::Error for ResponseError {}

/// An error answer of the service, with `E` the operation's typed error.
#[derive(Clone, Debug, PartialEq)]
pub struct ServiceError<E> {
    kind: E,
    meta: ErrorMetadata,
}

/// What every service error carries, whatever its type.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct ErrorMetadata {
    /// The error code (`ResourceNotFoundException`); when the answer names none, the HTTP
    /// status (`502`), as botocore has it.
    pub code: String,
    /// The message, from `message` or `Message`; a body that is not JSON is the message
    /// itself, and a bare 5xx page gives the status's reason phrase. Empty when none.
    pub message: String,
    /// The `x-amzn-RequestId` of the response.
    pub request_id: Option<String>,
    /// The HTTP status.
    pub status: u16,
    /// The server's hint of when to retry (`Retry-After` seconds or `x-amz-retry-after` ms).
    pub retry_after: Option<Duration>,
}

impl<E> ServiceError<E> {
    /// A new service error.
    pub fn new(kind: E, meta: ErrorMetadata) -> Self {
        ServiceError { kind, meta }
    }

    /// The typed error.
    pub fn kind(&self) -> &E {
        &self.kind
    }

    /// Consumes the error, giving the typed error.
    pub fn into_kind(self) -> E {
        self.kind
    }

    /// All of the error's metadata.
    pub fn meta(&self) -> &ErrorMetadata {
        &self.meta
    }

    /// The error code.
    pub fn code(&self) -> &str {
        &self.meta.code
    }

    /// The message (empty when the answer had none).
    pub fn message(&self) -> &str {
        &self.meta.message
    }

    /// The request id, if one was sent.
    pub fn request_id(&self) -> Option<&str> {
        self.meta.request_id.as_deref()
    }

    /// The HTTP status.
    pub fn status(&self) -> u16 {
        self.meta.status
    }

    /// The server's retry hint.
    pub fn retry_after(&self) -> Option<Duration> {
        self.meta.retry_after
    }

    /// Maps the typed error.
    pub fn map<F>(self, f: impl FnOnce(E) -> F) -> ServiceError<F> {
        ServiceError {
            kind: f(self.kind),
            meta: self.meta,
        }
    }
}

impl<E> fmt::Display for ServiceError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (HTTP {})", self.meta.code, self.meta.status)?;
        if !self.meta.message.is_empty() {
            write!(f, ": {}", self.meta.message)?;
        }
        if let Some(id) = &self.meta.request_id {
            write!(f, " [request id {id}]")?;
        }
        Ok(())
    }
}

impl<E: fmt::Debug> std::error::Error for ServiceError<E> {}

/// What kind of transport failure a driver met; retry decisions use it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransportErrorKind {
    /// The connection could not be made.
    Connect,
    /// The connection was reset or closed early.
    Reset,
    /// A timeout elapsed.
    Timeout,
    /// Another I/O error while sending or receiving.
    Io,
    /// The response body was larger than the configured limit.
    BodyTooLarge,
    /// The request was refused before sending (for example by the credentials provider).
    Credentials,
    /// The TLS handshake failed or the server's certificate is not trusted: not transient,
    /// so never retried.
    Tls,
    /// Anything else.
    Other,
}

impl TransportErrorKind {
    /// Classifies an I/O error of a driver's transport, for the retry policy: refused or
    /// unreachable is `Connect`, reset, aborted, broken or cut short is `Reset`, timed out
    /// is `Timeout`, anything else `Io`.
    pub fn from_io(kind: std::io::ErrorKind) -> Self {
        use std::io::ErrorKind as K;
        match kind {
            K::ConnectionRefused | K::NotFound | K::AddrNotAvailable | K::NotConnected => {
                TransportErrorKind::Connect
            }
            K::ConnectionReset | K::ConnectionAborted | K::BrokenPipe | K::UnexpectedEof => {
                TransportErrorKind::Reset
            }
            K::TimedOut | K::WouldBlock => TransportErrorKind::Timeout,
            _ => TransportErrorKind::Io,
        }
    }
}

/// A transport failure of a driver.
#[derive(Debug)]
pub struct TransportError {
    kind: TransportErrorKind,
    source: Box<dyn std::error::Error + Send + Sync>,
}

impl TransportError {
    /// What kind of failure it was.
    pub fn kind(&self) -> TransportErrorKind {
        self.kind
    }
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "transport error ({:?}): {}", self.kind, self.source)
    }
}

impl std::error::Error for TransportError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&*self.source)
    }
}
