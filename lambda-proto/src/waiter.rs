//! Waiters as state machines: poll an operation until an acceptor of the model matches.
//!
//! ```
//! use std::time::Duration;
//! use lambda_proto::waiter::{Poll, function_active_v2};
//! use lambda_proto::types::{FunctionConfiguration, GetFunctionResponse, State};
//!
//! let mut waiter = function_active_v2("my-fn");
//! let mut response = GetFunctionResponse::default();
//! let mut config = FunctionConfiguration::default();
//! config.state = Some(State::Pending);
//! response.configuration = Some(config.clone());
//! assert!(matches!(waiter.on_response(Ok(&response)), Poll::RetryAfter(_)));
//! config.state = Some(State::Active);
//! response.configuration = Some(config);
//! assert!(matches!(waiter.on_response(Ok(&response)), Poll::Success));
//!
//! // An overall limit: a retry whose delay (1 s) would end past it stops the wait.
//! let mut waiter = function_active_v2("my-fn").time_limit(Some(Duration::from_secs(10)));
//! response.configuration = Some(FunctionConfiguration::default());
//! let poll = waiter.on_response_at(Ok(&response), Duration::from_millis(9_500));
//! assert_eq!(poll, Poll::TimedOut(Duration::from_secs(10)));
//! ```

use std::time::Duration;

use crate::error::Error;
use crate::operation::Operation;

pub use crate::generated::waiters::*;

/// What an acceptor decides when it matches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    /// The wait is over: the resource is in the state wanted.
    Success,
    /// The wait is over: the resource can no longer reach the state wanted.
    Failure,
    /// Poll again.
    Retry,
}

/// What an acceptor looks at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Matcher {
    /// An output member (dotted path of model member names) equals a value.
    Path {
        /// The path, e.g. `Configuration.State`.
        argument: &'static str,
        /// The value wanted.
        expected: &'static str,
    },
    /// The call failed with this error code.
    Error(&'static str),
    /// `true`: the call failed with any error; `false`: the call succeeded.
    AnyError(bool),
}

/// One acceptor of a waiter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Acceptor {
    /// The state when the matcher matches.
    pub state: State,
    /// The matcher.
    pub matcher: Matcher,
}

/// A waiter of the model.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WaiterSpec {
    /// The model name (`FunctionActiveV2`).
    pub name: &'static str,
    /// The operation it polls.
    pub operation: &'static str,
    /// The delay between polls.
    pub delay_seconds: u64,
    /// The largest number of polls.
    pub max_attempts: u32,
    /// The acceptors, in model order.
    pub acceptors: &'static [Acceptor],
}

/// The decision after one poll.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Poll {
    /// Done: a success acceptor matched.
    Success,
    /// Done: a failure acceptor matched (the acceptor's matcher is given).
    Failure(Matcher),
    /// Poll again after this delay.
    RetryAfter(Duration),
    /// Done: an error no acceptor matched (the waiter must give up and report it).
    UnexpectedError,
    /// Done: the attempts of the model (or the caller's) ran out.
    Exhausted,
    /// Done: the next poll would start after the overall time limit (given here).
    TimedOut(Duration),
}

/// A running waiter over operation `O`.
#[derive(Clone, Debug)]
pub struct Waiter<O> {
    spec: &'static WaiterSpec,
    input: O,
    attempts: u32,
    max_attempts: u32,
    delay: Duration,
    limit: Option<Duration>,
}

impl<O> Waiter<O> {
    /// A waiter of `spec` polling with `input`.
    pub fn new(spec: &'static WaiterSpec, input: O) -> Self {
        Waiter {
            spec,
            input,
            attempts: 0,
            max_attempts: spec.max_attempts,
            delay: Duration::from_secs(spec.delay_seconds),
            limit: None,
        }
    }

    /// Changes the delay between polls (tests use short ones).
    pub fn delay(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }

    /// Changes the largest number of polls.
    pub fn max_attempts(mut self, max: u32) -> Self {
        self.max_attempts = max;
        self
    }

    /// Sets an overall time limit (`None`: attempts only): a retry whose delay would end
    /// past it gives [`Poll::TimedOut`] instead (see [`on_response_at`](Self::on_response_at)).
    pub fn time_limit(mut self, limit: Option<Duration>) -> Self {
        self.limit = limit;
        self
    }

    /// The overall time limit, if any.
    pub fn limit(&self) -> Option<Duration> {
        self.limit
    }

    /// The waiter's model facts.
    pub fn spec(&self) -> &'static WaiterSpec {
        self.spec
    }

    /// The request to poll with.
    pub fn request(&self) -> &O {
        &self.input
    }

    /// How many polls have been answered.
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    fn retry(&self, elapsed: Duration) -> Poll {
        match self.limit {
            _ if self.attempts >= self.max_attempts => Poll::Exhausted,
            Some(limit) if elapsed.saturating_add(self.delay) > limit => Poll::TimedOut(limit),
            _ => Poll::RetryAfter(self.delay),
        }
    }
}

impl<O: Operation> Waiter<O>
where
    O::Output: serde::Serialize,
{
    /// Feeds the outcome of one poll, as if no time had passed since the wait began.
    pub fn on_response(&mut self, outcome: Result<&O::Output, &Error<O::Error>>) -> Poll {
        self.on_response_at(outcome, Duration::ZERO)
    }

    /// Feeds the outcome of one poll; `elapsed` is the time since the wait began, on the
    /// driver's clock, and is judged against the [`time_limit`](Self::time_limit).
    pub fn on_response_at(
        &mut self,
        outcome: Result<&O::Output, &Error<O::Error>>,
        elapsed: Duration,
    ) -> Poll {
        self.attempts += 1;
        let json = match outcome {
            Ok(out) => crate::serde_util::to_value(out).ok(),
            Err(_) => None,
        };
        for acceptor in self.spec.acceptors {
            let matched = match (acceptor.matcher, outcome) {
                (Matcher::Path { argument, expected }, Ok(_)) => json
                    .as_ref()
                    .and_then(|j| lookup(j, argument))
                    .is_some_and(|v| v.as_str() == Some(expected)),
                (Matcher::Error(code), Err(e)) => e.code() == Some(code),
                (Matcher::AnyError(want_error), outcome) => outcome.is_err() == want_error,
                _ => false,
            };
            if matched {
                return match acceptor.state {
                    State::Success => Poll::Success,
                    State::Failure => Poll::Failure(acceptor.matcher),
                    State::Retry => self.retry(elapsed),
                };
            }
        }
        if outcome.is_err() {
            return Poll::UnexpectedError;
        }
        self.retry(elapsed)
    }
}

fn lookup<'a>(value: &'a serde_json::Value, path: &str) -> Option<&'a serde_json::Value> {
    path.split('.').try_fold(value, |v, key| v.get(key))
}
