//! Waiters: poll until the resource reaches the state wanted.

use std::fmt;
use std::time::Duration;

use lambda_proto::operations::{GetFunction, GetFunctionConfiguration};
use lambda_proto::waiter::{Matcher, Poll, Waiter};
use lambda_proto::{Error, Operation};

use crate::Client;

/// Why a wait ended without success.
#[derive(Debug)]
#[non_exhaustive]
pub enum WaitError<E> {
    /// A failure acceptor matched: the resource cannot reach the state wanted.
    Failure {
        /// The waiter (`FunctionActiveV2`).
        waiter: &'static str,
        /// The acceptor's matcher.
        matcher: Matcher,
    },
    /// A call failed with an error no acceptor expects.
    Call(Error<E>),
    /// The waiter's largest number of polls was reached.
    Exhausted {
        /// The waiter.
        waiter: &'static str,
        /// Polls made.
        attempts: u32,
    },
    /// The overall time limit would be passed before the next poll.
    Timeout {
        /// The waiter.
        waiter: &'static str,
        /// Polls made.
        attempts: u32,
        /// The limit.
        limit: Duration,
    },
}

impl<E: fmt::Debug> fmt::Display for WaitError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WaitError::Failure { waiter, matcher } => {
                write!(f, "waiter {waiter} failed: {matcher:?} matched")
            }
            WaitError::Call(e) => write!(f, "waiter call failed: {e}"),
            WaitError::Exhausted { waiter, attempts } => {
                write!(f, "waiter {waiter} gave up after {attempts} polls")
            }
            WaitError::Timeout {
                waiter,
                attempts,
                limit,
            } => write!(
                f,
                "waiter {waiter} timed out after {attempts} polls (limit {limit:?})"
            ),
        }
    }
}

impl<E: fmt::Debug> std::error::Error for WaitError<E> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            WaitError::Call(e) => e.source(),
            _ => None,
        }
    }
}

mod sealed {
    pub trait Sealed {}
}

/// An operation the model's waiters poll (`GetFunction`, `GetFunctionConfiguration`).
pub trait Pollable: Operation + Clone + sealed::Sealed + Sized {
    /// Feeds one poll's outcome to the waiter, `elapsed` after the wait began.
    fn poll(
        waiter: &mut Waiter<Self>,
        outcome: Result<&Self::Output, &Error<Self::Error>>,
        elapsed: Duration,
    ) -> Poll;
    /// The waiter's model name.
    fn waiter_name(waiter: &Waiter<Self>) -> &'static str;
    /// The request the waiter polls with.
    fn poll_request(waiter: &Waiter<Self>) -> &Self;
    /// Polls answered so far.
    fn polls(waiter: &Waiter<Self>) -> u32;
}

macro_rules! pollable {
    ($($op:ty),*) => {$(
        impl sealed::Sealed for $op {}
        impl Pollable for $op {
            fn poll(
                waiter: &mut Waiter<Self>,
                outcome: Result<&Self::Output, &Error<Self::Error>>,
                elapsed: Duration,
            ) -> Poll {
                waiter.on_response_at(outcome, elapsed)
            }
            fn waiter_name(waiter: &Waiter<Self>) -> &'static str {
                waiter.spec().name
            }
            fn poll_request(waiter: &Waiter<Self>) -> &Self {
                waiter.request()
            }
            fn polls(waiter: &Waiter<Self>) -> u32 {
                waiter.attempts()
            }
        }
    )*};
}

pollable!(GetFunction, GetFunctionConfiguration);

impl Client {
    /// Polls until the waiter succeeds; returns the output of the successful poll.
    ///
    /// Gives up after the waiter's attempts or its [`time_limit`](Waiter::time_limit)
    /// (default: the client's [`waiter_timeout`](crate::ClientBuilder::waiter_timeout)),
    /// whichever comes first.
    pub fn wait<O: Pollable>(&self, waiter: Waiter<O>) -> Result<O::Output, WaitError<O::Error>> {
        let limit = waiter.limit().or(self.inner.waiter_timeout);
        self.wait_timeout(waiter, limit)
    }

    /// As [`wait`](Self::wait) with an overall time limit (`None`: attempts only).
    pub fn wait_timeout<O: Pollable>(
        &self,
        waiter: Waiter<O>,
        limit: Option<Duration>,
    ) -> Result<O::Output, WaitError<O::Error>> {
        let mut waiter = waiter.time_limit(limit);
        let sleeper = &self.inner.sleeper;
        let start = sleeper.now();
        let name = O::waiter_name(&waiter);
        loop {
            let result = self.send_ref(O::poll_request(&waiter));
            let elapsed = sleeper.now().saturating_duration_since(start);
            match O::poll(&mut waiter, result.as_ref(), elapsed) {
                Poll::Success => return result.map_err(WaitError::Call),
                Poll::Failure(matcher) => {
                    return Err(WaitError::Failure {
                        waiter: name,
                        matcher,
                    })
                }
                Poll::UnexpectedError => {
                    return Err(match result {
                        Err(e) => WaitError::Call(e),
                        Ok(_) => WaitError::Exhausted {
                            waiter: name,
                            attempts: O::polls(&waiter),
                        },
                    })
                }
                Poll::Exhausted => {
                    return Err(WaitError::Exhausted {
                        waiter: name,
                        attempts: O::polls(&waiter),
                    })
                }
                Poll::TimedOut(limit) => {
                    return Err(WaitError::Timeout {
                        waiter: name,
                        attempts: O::polls(&waiter),
                        limit,
                    })
                }
                Poll::RetryAfter(delay) => self.sleep(delay),
            }
        }
    }
}
