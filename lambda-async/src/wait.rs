//! Waiters: poll an operation until the model's acceptors say the resource is ready.

use std::fmt;
use std::time::Duration;

use lambda_proto::waiter::{Matcher, Poll, Waiter};
use lambda_proto::{Error, Operation};

use crate::client::Client;

/// Why a wait did not succeed.
#[derive(Debug)]
#[non_exhaustive]
pub enum WaitError<E> {
    /// A failure acceptor matched: the resource cannot reach the state wanted.
    Failure {
        /// The matcher of the acceptor.
        matcher: Matcher,
        /// Polls made.
        attempts: u32,
    },
    /// A poll failed with an error no acceptor expects.
    Unexpected(Error<E>),
    /// The waiter's largest number of polls was reached.
    Exhausted {
        /// Polls made.
        attempts: u32,
    },
    /// The overall time given to the wait ran out.
    TimedOut {
        /// Polls made.
        attempts: u32,
        /// The time given.
        limit: Duration,
    },
}

impl<E: fmt::Debug> fmt::Display for WaitError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WaitError::Failure { matcher, attempts } => {
                write!(f, "waiter failed after {attempts} polls: {matcher:?}")
            }
            WaitError::Unexpected(e) => write!(f, "waiter poll failed: {e}"),
            WaitError::Exhausted { attempts } => {
                write!(f, "waiter gave up after {attempts} polls")
            }
            WaitError::TimedOut { attempts, limit } => {
                write!(f, "waiter timed out after {limit:?} ({attempts} polls)")
            }
        }
    }
}

impl<E: fmt::Debug + 'static> std::error::Error for WaitError<E> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            WaitError::Unexpected(e) => Some(e),
            _ => None,
        }
    }
}

impl Client {
    /// Polls with `waiter` until it succeeds, fails, runs out of polls, or `max_wait`
    /// (measured on the client's clock) would be exceeded by the next delay.
    ///
    /// Returns the output of the poll that succeeded (`None` when success was matched
    /// on an error).
    ///
    /// ```no_run
    /// # async fn example(client: lambda_async::Client) -> Result<(), Box<dyn std::error::Error>> {
    /// use std::time::Duration;
    /// use lambda_proto::waiter::function_active_v2;
    ///
    /// client.wait(function_active_v2("my-fn"), Duration::from_secs(300)).await?;
    /// # Ok(()) }
    /// ```
    pub async fn wait<O>(
        &self,
        waiter: Waiter<O>,
        max_wait: Duration,
    ) -> Result<Option<O::Output>, WaitError<O::Error>>
    where
        O: Operation + Clone + Sync,
        O::Output: serde::Serialize,
    {
        let mut waiter = waiter.time_limit(Some(max_wait));
        let start = self.now();
        loop {
            let result = self.send_ref(waiter.request()).await;
            let elapsed = Duration::try_from(self.now() - start).unwrap_or_default();
            let poll = waiter.on_response_at(result.as_ref(), elapsed);
            let attempts = waiter.attempts();
            match poll {
                Poll::Success => return Ok(result.ok()),
                Poll::Failure(matcher) => return Err(WaitError::Failure { matcher, attempts }),
                Poll::UnexpectedError => {
                    return Err(match result {
                        Err(e) => WaitError::Unexpected(e),
                        Ok(_) => WaitError::Exhausted { attempts },
                    })
                }
                Poll::Exhausted => return Err(WaitError::Exhausted { attempts }),
                Poll::TimedOut(limit) => return Err(WaitError::TimedOut { attempts, limit }),
                Poll::RetryAfter(delay) => self.pause(delay).await,
            }
        }
    }
}
