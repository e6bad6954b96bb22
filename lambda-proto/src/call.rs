//! One call of an operation as a state machine: build once, sign each attempt with the
//! time the driver gives, classify each answer, and say when to retry.
//!
//! Drivers send what [`Call::request`] returns, sleep for what [`Step::Retry`] says, and
//! stop at [`Step::Done`]. Everything they share lives here.
//!
//! ```
//! use lambda_proto::call::{Call, ClientConfig, Step};
//! use lambda_proto::credentials::Credentials;
//! use lambda_proto::endpoint::Endpoint;
//! use lambda_proto::operations::GetFunction;
//!
//! let config = ClientConfig::new(Endpoint::parse("http://127.0.0.1:9").unwrap(), "us-east-1");
//! let creds = Credentials::new("AKID", "secret", None, None);
//! let mut call = Call::new(&config, &GetFunction::new("f")).unwrap();
//! let now = time::macros::datetime!(2024-01-01 0:00 UTC);
//! let request = call.request(&creds, now).unwrap();
//! assert!(request.headers().contains_key("authorization"));
//!
//! let busy = http::Response::builder().status(503).body(Vec::new()).unwrap();
//! assert!(matches!(call.on_response(busy, now, 0.5), Step::Retry { .. }));
//! let ok = http::Response::builder().status(200)
//!     .body(br#"{"Configuration":{"FunctionName":"f"}}"#.to_vec()).unwrap();
//! match call.on_response(ok, now, 0.5) {
//!     Step::Done(Ok(out)) => assert_eq!(out.configuration.unwrap().function_name.as_deref(), Some("f")),
//!     other => panic!("{other:?}"),
//! }
//! ```

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use time::OffsetDateTime;

use crate::credentials::Credentials;
use crate::endpoint::Endpoint;
use crate::error::{Error, TransportError};
use crate::operation::Operation;
use crate::retry::adaptive::ClientRateLimiter;
use crate::retry::{
    classify, Decision, Outcome, RetryConfig, RetryKind, RetryMode, RetryQuota, RetryState,
};
use crate::sigv4::{Signer, SigningParams};

/// The signing name of Lambda.
pub const SIGNING_NAME: &str = "lambda";

/// The operations whose answer waits for a function to run: a function runs for up to
/// 15 minutes, so drivers give these [`DEFAULT_INVOKE_TIMEOUT`], not the control-plane
/// read timeout.
pub const INVOCATIONS: [&str; 3] = ["Invoke", "InvokeAsync", "InvokeWithResponseStream"];

/// The default time an invocation may wait for its answer: the longest function run
/// (15 minutes) plus one minute for start-up and the network.
pub const DEFAULT_INVOKE_TIMEOUT: Duration = Duration::from_secs(16 * 60);

/// Whether the operation named `name` (the model's name) runs a function.
///
/// ```
/// assert!(lambda_proto::call::runs_function("Invoke"));
/// assert!(!lambda_proto::call::runs_function("GetFunction"));
/// ```
pub fn runs_function(name: &str) -> bool {
    INVOCATIONS.contains(&name)
}

/// What every call of a client shares: endpoint, region, retry settings and quota, the
/// signing-key cache, the clock-skew correction learnt from the service and, in adaptive
/// mode, the client-side rate limiter.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    endpoint: Endpoint,
    region: String,
    retry: RetryConfig,
    quota: Arc<RetryQuota>,
    signer: Arc<Signer>,
    skew_nanos: Arc<AtomicI64>,
    user_agent: Option<http::HeaderValue>,
    limiter: Option<Arc<Mutex<ClientRateLimiter>>>,
}

impl ClientConfig {
    /// A configuration with standard retries.
    pub fn new(endpoint: Endpoint, region: impl Into<String>) -> Self {
        ClientConfig {
            endpoint,
            region: region.into(),
            retry: RetryConfig::standard(),
            quota: Arc::new(RetryQuota::default()),
            signer: Arc::new(Signer::new()),
            skew_nanos: Arc::new(AtomicI64::new(0)),
            user_agent: None,
            limiter: None,
        }
    }

    /// Sets the `User-Agent` every request carries (see [`crate::user_agent`]); a value
    /// that is not a valid header value is ignored.
    pub fn with_user_agent(mut self, user_agent: &str) -> Self {
        self.user_agent = http::HeaderValue::from_str(user_agent).ok();
        self
    }

    /// The `User-Agent` requests carry, if set.
    pub fn user_agent(&self) -> Option<&str> {
        self.user_agent.as_ref().and_then(|v| v.to_str().ok())
    }

    /// Sets the retry settings. Mode [`RetryMode::Adaptive`] gives the client a fresh rate
    /// limiter whose clock starts at zero: drivers measure the `now` they pass to
    /// [`Call::send_delay`] and [`Call::record_answer`] from when they call this.
    pub fn with_retry(mut self, retry: RetryConfig) -> Self {
        self.retry = retry;
        self.limiter = (retry.mode() == RetryMode::Adaptive)
            .then(|| Arc::new(Mutex::new(ClientRateLimiter::new(Duration::ZERO))));
        self
    }

    /// The adaptive mode's rate limiter (a copy of its state), if the mode is adaptive.
    pub fn rate_limiter(&self) -> Option<ClientRateLimiter> {
        self.limiter.as_ref().map(|l| lock(l).clone())
    }

    /// The endpoint.
    pub fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    /// The signing region.
    pub fn region(&self) -> &str {
        &self.region
    }

    /// The retry settings.
    pub fn retry(&self) -> &RetryConfig {
        &self.retry
    }

    /// The retry quota shared by all calls.
    pub fn quota(&self) -> &Arc<RetryQuota> {
        &self.quota
    }

    /// The clock correction learnt from a clock-skew error (added to the local clock).
    pub fn clock_skew(&self) -> time::Duration {
        time::Duration::nanoseconds(self.skew_nanos.load(Ordering::Relaxed))
    }

    fn set_clock_skew(&self, skew: time::Duration) {
        let nanos = i64::try_from(skew.whole_nanoseconds()).unwrap_or(0);
        self.skew_nanos.store(nanos, Ordering::Relaxed);
    }
}

fn lock(limiter: &Mutex<ClientRateLimiter>) -> std::sync::MutexGuard<'_, ClientRateLimiter> {
    limiter
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// What the driver does next.
#[derive(Debug)]
pub enum Step<T, E> {
    /// The call is over.
    Done(Result<T, Error<E>>),
    /// Sleep this long, then send [`Call::request`] again.
    Retry {
        /// How long to wait.
        after: Duration,
    },
}

/// One call of operation `O`.
#[derive(Debug)]
pub struct Call<'c, O: Operation> {
    config: &'c ClientConfig,
    unsigned: http::Request<bytes::Bytes>,
    retry: RetryState,
    sent_at: Option<OffsetDateTime>,
    /// The operation's name, for the log.
    name: &'static str,
    throttled: Option<bool>,
    throttling_is_final: bool,
    _op: std::marker::PhantomData<fn() -> O>,
}

impl<'c, O: Operation> Call<'c, O> {
    /// Validates and builds the request; nothing is signed or sent yet.
    pub fn new(config: &'c ClientConfig, op: &O) -> Result<Self, Error<O::Error>> {
        let unsigned = op.build(&config.endpoint)?;
        Ok(Call {
            config,
            unsigned,
            retry: RetryState::new(config.retry, config.quota.clone()),
            sent_at: None,
            name: op.name(),
            throttled: None,
            throttling_is_final: false,
            _op: std::marker::PhantomData,
        })
    }

    /// As [`Call::new`], first filling an empty idempotency token (`ClientToken`) with a
    /// UUID made from `random`; the token then stays the same across retries.
    pub fn with_idempotency_token(
        config: &'c ClientConfig,
        op: &O,
        random: [u8; 16],
    ) -> Result<Self, Error<O::Error>>
    where
        O: Clone,
    {
        if !op.needs_idempotency_token() {
            return Self::new(config, op);
        }
        let mut op = op.clone();
        op.fill_idempotency_token(&crate::operation::uuid_v4(random));
        Self::new(config, &op)
    }

    /// Throttling errors end the call (as [`Step::Done`]) instead of being retried, and
    /// take nothing from the retry quota: for callers with their own flow control, such as
    /// [`crate::fanout`], which retry a throttled request when they have room for it.
    pub fn throttling_is_final(mut self) -> Self {
        self.throttling_is_final = true;
        self
    }

    /// Whether the last answer was a throttling error (`None` before any answer).
    pub fn last_throttled(&self) -> Option<bool> {
        self.throttled
    }

    /// Before each attempt, in adaptive mode: `None` to send now (a token of the rate
    /// limiter was taken), or how long to sleep before asking again. Always `None` in
    /// standard mode. `now` is the driver's monotonic clock (see
    /// [`ClientConfig::with_retry`]).
    pub fn send_delay(&self, now: Duration) -> Option<Duration> {
        self.config
            .limiter
            .as_ref()
            .and_then(|l| lock(l).acquire(now))
    }

    /// After each answer or transport failure, in adaptive mode: tells the rate limiter
    /// whether it was a throttling error. Does nothing in standard mode or before an
    /// answer.
    pub fn record_answer(&self, now: Duration) {
        if let (Some(limiter), Some(throttled)) = (&self.config.limiter, self.throttled) {
            lock(limiter).on_response(now, throttled);
        }
    }

    /// How many attempts have been answered.
    pub fn attempts(&self) -> u32 {
        self.retry.attempts()
    }

    /// The signed request of the next attempt, signed as of `now` (the local clock; the
    /// learnt clock skew is added).
    pub fn request(
        &mut self,
        credentials: &Credentials,
        now: OffsetDateTime,
    ) -> Result<http::Request<bytes::Bytes>, Error<O::Error>> {
        // The body is shared with the unsigned request: a retry copies no payload.
        let mut request = self.unsigned.clone();
        if let Some(ua) = &self.config.user_agent {
            // Not signed (SigV4 leaves User-Agent out), so proxies may change it.
            request
                .headers_mut()
                .insert(http::header::USER_AGENT, ua.clone());
        }
        let time = now + self.config.clock_skew();
        let params = SigningParams::new(credentials, &self.config.region, SIGNING_NAME, time);
        self.config
            .signer
            .sign(&mut request, &params)
            .map_err(|e| Error::transport(crate::error::TransportErrorKind::Credentials, e))?;
        self.sent_at = Some(now);
        tracing::debug!(
            operation = self.name,
            attempt = self.retry.attempts() + 1,
            method = %request.method(),
            uri = %request.uri(),
            "sending"
        );
        Ok(request)
    }

    /// Feeds the response of the last attempt (its body read in full); `now` is the local
    /// clock when it arrived, `random` a number in `[0, 1)` for the backoff jitter.
    pub fn on_response(
        &mut self,
        response: http::Response<Vec<u8>>,
        now: OffsetDateTime,
        random: f64,
    ) -> Step<O::Output, O::Error> {
        let status = response.status().as_u16();
        let request_id = crate::rest_json::request_id(response.headers()).map(str::to_string);
        if response.status().is_success() {
            self.throttled = Some(false);
            let _ = self.retry.on_outcome(Outcome::Success, random);
            tracing::debug!(
                operation = self.name,
                attempt = self.retry.attempts(),
                status,
                request_id = request_id.as_deref(),
                "answered"
            );
            return Step::Done(O::parse(response));
        }
        let server_date = crate::retry::server_date_from_headers(response.headers());
        let err = crate::rest_json::parse_error::<O::Error>(&response);
        let (code, retry_after) = match &err {
            Error::Service(e) => (Some(e.code().to_string()), e.retry_after()),
            _ => (None, None),
        };
        // A `Retry-After` date without a `Date` to count from counts from our clock.
        let retry_after =
            retry_after.or_else(|| crate::rest_json::retry_after_date(&response, now));
        let outcome = Outcome::ServiceError {
            status: response.status().as_u16(),
            code: code.as_deref(),
            retry_after,
            server_date,
            sent_at: self.sent_at.unwrap_or(now),
        };
        let throttled = classify(&outcome) == Some(RetryKind::Throttling);
        self.throttled = Some(throttled);
        if throttled && self.throttling_is_final {
            tracing::debug!(
                operation = self.name,
                status,
                request_id = request_id.as_deref(),
                "throttled; the caller retries"
            );
            return Step::Done(Err(err));
        }
        let decision = self.retry.on_outcome(outcome, random);
        tracing::debug!(
            operation = self.name,
            attempt = self.retry.attempts(),
            status,
            request_id = request_id.as_deref(),
            code = code.as_deref(),
            decision = ?decision,
            "error answer"
        );
        match decision {
            Decision::RetryAfter(after) => Step::Retry { after },
            Decision::RetryWithClockSkew { offset } => {
                tracing::info!(
                    operation = self.name,
                    offset_seconds = offset.whole_seconds(),
                    "the local clock is off; signing with the service's time"
                );
                self.config.set_clock_skew(offset);
                Step::Retry {
                    after: Duration::ZERO,
                }
            }
            Decision::Done | Decision::GiveUp(_) => Step::Done(Err(err)),
        }
    }

    /// Feeds a transport failure of the last attempt.
    pub fn on_transport_error(
        &mut self,
        error: TransportError,
        random: f64,
    ) -> Step<O::Output, O::Error> {
        self.throttled = Some(false);
        let decision = self
            .retry
            .on_outcome(Outcome::Transport(error.kind()), random);
        tracing::debug!(
            operation = self.name,
            attempt = self.retry.attempts(),
            kind = ?error.kind(),
            error = %error,
            decision = ?decision,
            "transport failure"
        );
        match decision {
            Decision::RetryAfter(after) => Step::Retry { after },
            Decision::RetryWithClockSkew { .. } => Step::Retry {
                after: Duration::ZERO,
            },
            Decision::Done | Decision::GiveUp(_) => Step::Done(Err(Error::Transport(error))),
        }
    }
}
