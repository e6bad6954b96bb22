//! The AWS SDK "standard" retry mode as a pure state machine.
//!
//! The driver sends a request, turns what came back into an [`Outcome`] and asks a
//! per-request [`RetryState`] what to do next. The answer is a [`Decision`]: stop with the
//! result, sleep and send again, re-sign with a corrected clock and send again at once, or
//! give up (with the reason). Nothing here sleeps, reads a clock or draws random numbers:
//! the driver passes a random number in `[0, 1)` with every outcome.
//!
//! What standard mode does (AWS SDKs and Tools reference guide, "Retry behavior"):
//!
//! - **Attempts**: at most [`RetryConfig::max_attempts`] (default 3), counting the first.
//! - **What is retried**: transient errors (connection refused/reset, timeouts, I/O errors,
//!   HTTP 500/502/503/504, the codes `RequestTimeout`, `RequestTimeoutException`,
//!   `PriorRequestNotComplete`) and throttling (HTTP 429 and the throttling error codes listed
//!   in [`THROTTLING_ERROR_CODES`]). Other 4xx errors are not retried.
//! - **Backoff**: full jitter, `min(random * initial_backoff * 2^(attempt - 1), max_backoff)`
//!   with `initial_backoff` 1 s and `max_backoff` 20 s, where `attempt` is the number of
//!   attempts made so far (1 before the first retry). This is the formula of botocore's
//!   standard mode and of the AWS SDK for Rust: the jitter scales the uncapped delay, so
//!   once it passes the cap, most delays are the cap.
//! - **Retry quota**: a token bucket shared by all requests of a client ([`RetryQuota`],
//!   500 tokens). A retry takes 5 tokens, or 10 after a timeout; when the bucket cannot pay,
//!   the request is not retried. A success on the first attempt returns 1 token; a success
//!   after retries returns what the last retry took. The bucket never exceeds its capacity.
//!
//! Two additions that the generic SDK logic handles poorly for Lambda:
//!
//! - **Server hints**: Lambda's `TooManyRequestsException` carries `Retry-After` (seconds);
//!   other services send `x-amz-retry-after` (milliseconds). A hint makes the delay at least
//!   the hint, where the hint is capped at `max_backoff` (20 s by default) so that a wild
//!   value cannot stall a client. A hint never makes a non-retryable error retryable.
//! - **Clock skew**: when the service says the request time is wrong
//!   ([`CLOCK_SKEW_ERROR_CODES`]) and its response carries a `Date` header, the decision is
//!   [`Decision::RetryWithClockSkew`]: re-sign with the local clock moved by `offset` and
//!   send again without delay. This happens at most once per request, counts as an attempt
//!   and costs no quota. The signature errors `InvalidSignatureException`,
//!   `SignatureDoesNotMatch` and `AuthFailure` are treated as clock skew only when the
//!   `Date` header is at least [`CLOCK_SKEW_THRESHOLD`] (4 minutes) away from the send time,
//!   since they usually mean a wrong key.
//!
//! Mode `adaptive` adds botocore's client-side rate limiter ([`adaptive`]): after the first
//! throttling error, every attempt waits for a token of a bucket whose rate follows the
//! measured send rate and a CUBIC curve ([`crate::call::Call::send_delay`]). `legacy` is
//! this client's standard mode.
//!
//! ```
//! use std::time::Duration;
//! use lambda_proto::retry::{Decision, Outcome, RetryConfig, RetryPolicy, TransportErrorKind};
//!
//! let policy = RetryPolicy::new(RetryConfig::standard());
//! let mut state = policy.start();
//! // First attempt: the connection was reset.
//! let d = state.on_outcome(Outcome::Transport(TransportErrorKind::Reset), 0.5);
//! assert_eq!(d, Decision::RetryAfter(Duration::from_millis(500)));
//! // Second attempt succeeds.
//! assert_eq!(state.on_outcome(Outcome::Success, 0.5), Decision::Done);
//! ```

pub mod adaptive;

use std::fmt;
use std::str::FromStr;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

use time::OffsetDateTime;

/// Default number of attempts (the first one included).
pub const DEFAULT_MAX_ATTEMPTS: u32 = 3;
/// Default base of the exponential backoff.
pub const DEFAULT_INITIAL_BACKOFF: Duration = Duration::from_secs(1);
/// Default cap of the backoff, and of a server's retry-after hint.
pub const DEFAULT_MAX_BACKOFF: Duration = Duration::from_secs(20);
/// Tokens in a new retry quota.
pub const INITIAL_RETRY_TOKENS: u32 = 500;
/// Tokens a retry takes.
pub const RETRY_COST: u32 = 5;
/// Tokens a retry after a timeout takes.
pub const TIMEOUT_RETRY_COST: u32 = 10;
/// Tokens returned when a request succeeds without a retry.
pub const NO_RETRY_INCREMENT: u32 = 1;
/// How far the server's `Date` must be from the send time before a signature error is
/// treated as clock skew.
pub const CLOCK_SKEW_THRESHOLD: time::Duration = time::Duration::minutes(4);

/// Error codes that mean "throttled": always retried (when attempts and quota allow).
pub const THROTTLING_ERROR_CODES: &[&str] = &[
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottledException",
    "TooManyRequestsException",
    "ProvisionedThroughputExceededException",
    "TransactionInProgressException",
    "RequestLimitExceeded",
    "BandwidthLimitExceeded",
    "LimitExceededException",
    "RequestThrottled",
    "SlowDown",
    "PriorRequestNotComplete",
    "EC2ThrottledException",
];

/// Error codes that mean a transient failure whatever the HTTP status.
pub const TRANSIENT_ERROR_CODES: &[&str] = &[
    "RequestTimeout",
    "RequestTimeoutException",
    "PriorRequestNotComplete",
];

/// HTTP statuses that mean a transient failure.
pub const TRANSIENT_STATUS_CODES: &[u16] = &[500, 502, 503, 504];

/// Error codes that always mean "the request time is wrong".
pub const CLOCK_SKEW_ERROR_CODES: &[&str] = &[
    "RequestTimeTooSkewed",
    "RequestExpired",
    "RequestInTheFuture",
];

/// Signature errors that mean clock skew only when the server's clock is far from ours
/// (see [`CLOCK_SKEW_THRESHOLD`]).
pub const SIGNATURE_ERROR_CODES: &[&str] = &[
    "InvalidSignatureException",
    "SignatureDoesNotMatch",
    "AuthFailure",
];

/// How retries are decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum RetryMode {
    /// The standard retry rules of the AWS SDKs.
    #[default]
    Standard,
    /// Standard retries plus the client-side rate limiter of [`adaptive`].
    Adaptive,
}

impl RetryMode {
    /// The name as written in `retry_mode` / `AWS_RETRY_MODE`.
    pub fn as_str(self) -> &'static str {
        match self {
            RetryMode::Standard => "standard",
            RetryMode::Adaptive => "adaptive",
        }
    }
}

impl fmt::Display for RetryMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A retry mode name that is not `standard`, `adaptive` or `legacy`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetryModeParseError {
    value: String,
}

impl fmt::Display for RetryModeParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "retry mode {:?}: must be one of standard, adaptive, legacy",
            self.value
        )
    }
}

impl std::error::Error for RetryModeParseError {}

impl FromStr for RetryMode {
    type Err = RetryModeParseError;

    /// Parses `standard`, `adaptive` or `legacy` (ASCII case-insensitive, surrounding
    /// whitespace ignored). `legacy` means "the SDK's own behaviour", which for this client
    /// is standard mode.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        if t.eq_ignore_ascii_case("standard") || t.eq_ignore_ascii_case("legacy") {
            Ok(RetryMode::Standard)
        } else if t.eq_ignore_ascii_case("adaptive") {
            Ok(RetryMode::Adaptive)
        } else {
            Err(RetryModeParseError {
                value: s.chars().take(64).collect(),
            })
        }
    }
}

/// Retry settings for a client.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryConfig {
    max_attempts: u32,
    initial_backoff: Duration,
    max_backoff: Duration,
    mode: RetryMode,
}

impl Default for RetryConfig {
    fn default() -> Self {
        Self::standard()
    }
}

impl RetryConfig {
    /// Standard mode: 3 attempts, backoff base 1 s, cap 20 s.
    pub const fn standard() -> Self {
        RetryConfig {
            max_attempts: DEFAULT_MAX_ATTEMPTS,
            initial_backoff: DEFAULT_INITIAL_BACKOFF,
            max_backoff: DEFAULT_MAX_BACKOFF,
            mode: RetryMode::Standard,
        }
    }

    /// One attempt, no retries.
    pub const fn disabled() -> Self {
        Self::standard().with_max_attempts(1)
    }

    /// Sets the number of attempts, the first one included; `0` is taken as `1`.
    pub const fn with_max_attempts(mut self, max_attempts: u32) -> Self {
        self.max_attempts = if max_attempts == 0 { 1 } else { max_attempts };
        self
    }

    /// Sets the base of the exponential backoff.
    pub const fn with_initial_backoff(mut self, initial_backoff: Duration) -> Self {
        self.initial_backoff = initial_backoff;
        self
    }

    /// Sets the cap of the backoff and of server retry-after hints.
    pub const fn with_max_backoff(mut self, max_backoff: Duration) -> Self {
        self.max_backoff = max_backoff;
        self
    }

    /// Sets the mode.
    pub const fn with_mode(mut self, mode: RetryMode) -> Self {
        self.mode = mode;
        self
    }

    /// Attempts, the first one included (at least 1).
    pub const fn max_attempts(&self) -> u32 {
        self.max_attempts
    }

    /// Base of the exponential backoff.
    pub const fn initial_backoff(&self) -> Duration {
        self.initial_backoff
    }

    /// Cap of the backoff and of server retry-after hints.
    pub const fn max_backoff(&self) -> Duration {
        self.max_backoff
    }

    /// The configured mode.
    pub const fn mode(&self) -> RetryMode {
        self.mode
    }

    /// The jittered delay after `attempts` failed attempts (1 before the first retry):
    /// `min(random * initial_backoff * 2^(attempts - 1), max_backoff)`.
    ///
    /// `random` is clamped to `[0, 1]`; NaN counts as 0.
    pub fn backoff(&self, attempts: u32, random: f64) -> Duration {
        let random = if random.is_nan() {
            0.0
        } else {
            random.clamp(0.0, 1.0)
        };
        let exp = attempts.saturating_sub(1).min(63);
        let factor = 2f64.powi(exp as i32);
        let jittered = random * self.initial_backoff.as_secs_f64() * factor;
        match Duration::try_from_secs_f64(jittered) {
            Ok(d) => d.min(self.max_backoff),
            Err(_) => self.max_backoff,
        }
    }
}

/// The retry token bucket shared by all requests of one client.
///
/// Safe to use from many threads through `&self`.
#[derive(Debug)]
pub struct RetryQuota {
    capacity: u32,
    available: AtomicU32,
}

impl Default for RetryQuota {
    fn default() -> Self {
        Self::new(INITIAL_RETRY_TOKENS)
    }
}

impl RetryQuota {
    /// A full bucket of `capacity` tokens.
    pub const fn new(capacity: u32) -> Self {
        RetryQuota {
            capacity,
            available: AtomicU32::new(capacity),
        }
    }

    /// The most tokens the bucket holds.
    pub fn capacity(&self) -> u32 {
        self.capacity
    }

    /// Tokens available now.
    pub fn available(&self) -> u32 {
        self.available.load(Ordering::Acquire)
    }

    /// Takes `cost` tokens if that many are available; returns whether it did.
    pub fn try_acquire(&self, cost: u32) -> bool {
        self.available
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |a| a.checked_sub(cost))
            .is_ok()
    }

    /// Returns `amount` tokens, never above the capacity.
    pub fn release(&self, amount: u32) {
        let cap = self.capacity;
        // The closure always returns Some, so this cannot fail.
        let _ = self
            .available
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |a| {
                Some(a.saturating_add(amount).min(cap))
            });
    }
}

pub use crate::error::TransportErrorKind;

/// What one attempt produced.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome<'a> {
    /// A successful (2xx) response.
    Success,
    /// An error response from the service.
    ServiceError {
        /// HTTP status.
        status: u16,
        /// The parsed error code (e.g. `TooManyRequestsException`), if any.
        code: Option<&'a str>,
        /// The server's retry-after hint (`Retry-After` seconds or `x-amz-retry-after`
        /// milliseconds; the typed service error carries it, see
        /// [`crate::rest_json::retry_after`]).
        retry_after: Option<Duration>,
        /// The response's `Date` header (see [`server_date_from_headers`]).
        server_date: Option<OffsetDateTime>,
        /// The local, uncorrected clock when the request was sent.
        sent_at: OffsetDateTime,
    },
    /// No response: the transport failed.
    Transport(TransportErrorKind),
}

/// Why a failed outcome is retryable.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RetryKind {
    /// Throttled by the service (429 or a throttling code).
    Throttling,
    /// A transient failure (5xx, transient code, connection error).
    Transient,
    /// A transport timeout: transient, with the higher quota cost.
    Timeout,
    /// The request time was wrong and the server's clock is known.
    ClockSkew,
}

/// Classifies an outcome; `None` for success and for errors that are not retried.
///
/// Order: clock skew (when correctable), throttling, timeout, transient.
pub fn classify(outcome: &Outcome<'_>) -> Option<RetryKind> {
    match *outcome {
        Outcome::Success => None,
        Outcome::Transport(kind) => match kind {
            TransportErrorKind::Timeout => Some(RetryKind::Timeout),
            TransportErrorKind::Connect | TransportErrorKind::Reset | TransportErrorKind::Io => {
                Some(RetryKind::Transient)
            }
            TransportErrorKind::BodyTooLarge
            | TransportErrorKind::Credentials
            | TransportErrorKind::Tls
            | TransportErrorKind::Other => None,
        },
        Outcome::ServiceError {
            status,
            code,
            server_date,
            sent_at,
            ..
        } => {
            if clock_skew_offset(code, server_date, sent_at).is_some() {
                return Some(RetryKind::ClockSkew);
            }
            let code = code.unwrap_or("");
            if status == 429 || THROTTLING_ERROR_CODES.contains(&code) {
                Some(RetryKind::Throttling)
            } else if TRANSIENT_STATUS_CODES.contains(&status)
                || TRANSIENT_ERROR_CODES.contains(&code)
            {
                Some(RetryKind::Transient)
            } else {
                None
            }
        }
    }
}

/// The clock offset to apply if this error is a correctable clock skew error.
fn clock_skew_offset(
    code: Option<&str>,
    server_date: Option<OffsetDateTime>,
    sent_at: OffsetDateTime,
) -> Option<time::Duration> {
    let code = code?;
    let server_date = server_date?;
    let offset = server_date - sent_at;
    if CLOCK_SKEW_ERROR_CODES.contains(&code)
        || (SIGNATURE_ERROR_CODES.contains(&code) && offset.abs() >= CLOCK_SKEW_THRESHOLD)
    {
        Some(offset)
    } else {
        None
    }
}

/// Why a request is not retried.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum GiveUpReason {
    /// The error is not one that standard mode retries.
    NotRetryable,
    /// The configured number of attempts has been made.
    AttemptsExhausted,
    /// The shared retry quota cannot pay for another retry.
    QuotaExhausted,
}

impl fmt::Display for GiveUpReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            GiveUpReason::NotRetryable => "the error is not retryable",
            GiveUpReason::AttemptsExhausted => "the maximum number of attempts was reached",
            GiveUpReason::QuotaExhausted => "the client's retry quota is exhausted",
        })
    }
}

/// What the driver does next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    /// The attempt succeeded: return its result.
    Done,
    /// Sleep this long, then re-sign and send the request again.
    RetryAfter(Duration),
    /// Re-sign with the local clock plus `offset` (server time minus local send time) and
    /// send again now. The driver should keep using the offset for later requests.
    RetryWithClockSkew {
        /// Server time minus local time.
        offset: time::Duration,
    },
    /// Return the error of the last attempt.
    GiveUp(GiveUpReason),
}

/// A client's retry settings and its shared quota; hands out one [`RetryState`] per request.
#[derive(Clone, Debug, Default)]
pub struct RetryPolicy {
    config: RetryConfig,
    quota: Arc<RetryQuota>,
}

impl RetryPolicy {
    /// A policy with a fresh, full quota.
    pub fn new(config: RetryConfig) -> Self {
        Self::with_quota(config, Arc::new(RetryQuota::default()))
    }

    /// A policy drawing on an existing quota (shared with other clients).
    pub fn with_quota(config: RetryConfig, quota: Arc<RetryQuota>) -> Self {
        RetryPolicy { config, quota }
    }

    /// The settings.
    pub fn config(&self) -> &RetryConfig {
        &self.config
    }

    /// The shared quota.
    pub fn quota(&self) -> &Arc<RetryQuota> {
        &self.quota
    }

    /// The state for a new request.
    pub fn start(&self) -> RetryState {
        RetryState::new(self.config, Arc::clone(&self.quota))
    }
}

/// The retry state of one request.
///
/// Feed it the outcome of every attempt, in order. After it has answered
/// [`Decision::Done`] or [`Decision::GiveUp`], further outcomes change nothing and are never
/// retried.
#[derive(Debug)]
pub struct RetryState {
    config: RetryConfig,
    quota: Arc<RetryQuota>,
    attempts: u32,
    last_cost: Option<u32>,
    clock_skew_retried: bool,
    finished: bool,
}

impl RetryState {
    /// State for a request about to make its first attempt.
    pub fn new(config: RetryConfig, quota: Arc<RetryQuota>) -> Self {
        RetryState {
            config,
            quota,
            attempts: 0,
            last_cost: None,
            clock_skew_retried: false,
            finished: false,
        }
    }

    /// Attempts reported so far.
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// Whether a final decision has been made.
    pub fn is_finished(&self) -> bool {
        self.finished
    }

    /// Records the outcome of the latest attempt and decides what to do.
    ///
    /// `random` is a uniformly drawn number in `[0, 1)` used for jitter.
    pub fn on_outcome(&mut self, outcome: Outcome<'_>, random: f64) -> Decision {
        if self.finished {
            return match outcome {
                Outcome::Success => Decision::Done,
                _ => Decision::GiveUp(GiveUpReason::AttemptsExhausted),
            };
        }
        self.attempts = self.attempts.saturating_add(1);
        let decision = self.decide(&outcome, random);
        if matches!(decision, Decision::Done | Decision::GiveUp(_)) {
            self.finished = true;
        }
        decision
    }

    fn decide(&mut self, outcome: &Outcome<'_>, random: f64) -> Decision {
        if let Outcome::Success = outcome {
            self.quota
                .release(self.last_cost.unwrap_or(NO_RETRY_INCREMENT));
            return Decision::Done;
        }
        let kind = match classify(outcome) {
            Some(RetryKind::ClockSkew) if self.clock_skew_retried => {
                return Decision::GiveUp(GiveUpReason::NotRetryable)
            }
            Some(kind) => kind,
            None => return Decision::GiveUp(GiveUpReason::NotRetryable),
        };
        if self.attempts >= self.config.max_attempts {
            return Decision::GiveUp(GiveUpReason::AttemptsExhausted);
        }
        if kind == RetryKind::ClockSkew {
            if let Outcome::ServiceError {
                code,
                server_date,
                sent_at,
                ..
            } = *outcome
            {
                if let Some(offset) = clock_skew_offset(code, server_date, sent_at) {
                    self.clock_skew_retried = true;
                    return Decision::RetryWithClockSkew { offset };
                }
            }
            return Decision::GiveUp(GiveUpReason::NotRetryable);
        }
        let cost = if kind == RetryKind::Timeout {
            TIMEOUT_RETRY_COST
        } else {
            RETRY_COST
        };
        if !self.quota.try_acquire(cost) {
            return Decision::GiveUp(GiveUpReason::QuotaExhausted);
        }
        self.last_cost = Some(cost);
        let mut delay = self.config.backoff(self.attempts, random);
        if let Outcome::ServiceError {
            retry_after: Some(hint),
            ..
        } = *outcome
        {
            delay = delay.max(hint.min(self.config.max_backoff));
        }
        Decision::RetryAfter(delay)
    }
}

/// The response's `Date` header, in the IMF-fixdate form `Sun, 06 Nov 1994 08:49:37 GMT`.
pub fn server_date_from_headers(headers: &http::HeaderMap) -> Option<OffsetDateTime> {
    parse_http_date(headers.get(http::header::DATE)?.to_str().ok()?.trim())
}

/// Parses an IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), the form AWS services send.
pub fn parse_http_date(s: &str) -> Option<OffsetDateTime> {
    const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let b = s.as_bytes();
    if b.len() != 29 || &b[3..5] != b", " || &b[25..] != b" GMT" {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        let part = b.get(r)?;
        if !part.iter().all(u8::is_ascii_digit) {
            return None;
        }
        std::str::from_utf8(part).ok()?.parse().ok()
    };
    let sep = |i: usize, c: u8| b.get(i) == Some(&c);
    if !(sep(7, b' ') && sep(11, b' ') && sep(16, b' ') && sep(19, b':') && sep(22, b':')) {
        return None;
    }
    // The weekday must be a weekday name; it is not checked against the date.
    WEEKDAYS.iter().position(|w| w.as_bytes() == &b[0..3])?;
    let month = MONTHS.iter().position(|m| m.as_bytes() == &b[8..11])?;
    let day = num(5..7)?;
    let year = num(12..16)?;
    let (hour, minute, second) = (num(17..19)?, num(20..22)?, num(23..25)?);
    let month = time::Month::try_from(u8::try_from(month + 1).ok()?).ok()?;
    let date =
        time::Date::from_calendar_date(i32::try_from(year).ok()?, month, u8::try_from(day).ok()?)
            .ok()?;
    let t = time::Time::from_hms(
        u8::try_from(hour).ok()?,
        u8::try_from(minute).ok()?,
        u8::try_from(second).ok()?,
    )
    .ok()?;
    Some(time::PrimitiveDateTime::new(date, t).assume_utc())
}

#[cfg(test)]
mod tests;
