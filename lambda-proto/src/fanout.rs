//! Fan-out: one function invoked over many payloads, as a sans-IO controller.
//!
//! A [`Fanout`] decides when the driver may start another invocation, keeps the payloads
//! of throttled invocations until they may be sent again, puts results in input order
//! (or hands them out as they complete) and counts progress. Drivers pull payloads from
//! their input only when [`Fanout::next`] says [`Next::TakeInput`], so memory stays
//! bounded whatever the input's length.
//!
//! **Concurrency** adapts to throttling (AIMD with slow start, one decrease per window
//! as TCP does): the limit starts at [`FanoutConfig::initial_concurrency`], grows by one
//! per success up to the slow-start threshold (doubling per round trip), then by
//! `1 / limit` per success (one per round trip), never above
//! [`FanoutConfig::max_concurrency`]. A throttling error from an invocation started after
//! the last decrease multiplies the limit by [`DECREASE`] (at least 1) and makes that the
//! threshold; throttling errors of invocations started before it change nothing, since
//! they answer for the old limit.
//!
//! **Throttled invocations** are not errors: the payload is queued and sent again, before
//! new input, after `min(MAX_RETRY_DELAY, FIRST_RETRY_DELAY * 2^(n-1))` for its `n`th
//! throttle, up to [`FanoutConfig::max_throttle_retries`] times; then its result is the
//! throttling error.
//!
//! **Ordered results** (`ordered`): a result is held until every earlier one has been
//! handed out; no input is taken more than `max_concurrency` positions after the oldest
//! result not yet handed out, so at most that many results are held.
//!
//! ```
//! use std::time::Duration;
//! use lambda_proto::fanout::{Fanout, FanoutConfig, Finish, Next};
//!
//! let mut fanout: Fanout<&str, String> = Fanout::new(FanoutConfig::new(2).ordered(true));
//! let now = Duration::ZERO;
//! let Next::TakeInput = fanout.next(now) else { panic!() };
//! let a = fanout.start_input();
//! let Next::TakeInput = fanout.next(now) else { panic!() };
//! let b = fanout.start_input();
//! assert!(matches!(fanout.next(now), Next::Wait(None))); // the initial limit is 2
//! fanout.finish(b, Finish::Done { ok: true, result: "b".into() }, now);
//! assert_eq!(fanout.pop_result(), None); // held until "a" is out
//! fanout.finish(a, Finish::Done { ok: true, result: "a".into() }, now);
//! assert_eq!(fanout.pop_result(), Some((0, "a".to_string())));
//! assert_eq!(fanout.pop_result(), Some((1, "b".to_string())));
//! ```

use std::collections::{BTreeMap, VecDeque};
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::error::Error;
use crate::retry::THROTTLING_ERROR_CODES;

/// Whether `error` is a throttling error (HTTP 429 or a code of
/// [`THROTTLING_ERROR_CODES`]), which a fan-out sends again as [`Finish::Throttled`].
pub fn is_throttling<E>(error: &Error<E>) -> bool {
    error
        .service_error()
        .is_some_and(|e| e.status() == 429 || THROTTLING_ERROR_CODES.contains(&e.code()))
}

/// The factor applied to the concurrency limit on throttling.
pub const DECREASE: f64 = 0.9;
/// The delay before a payload's first retry after a throttling error.
pub const FIRST_RETRY_DELAY: Duration = Duration::from_millis(25);
/// The longest delay before a throttled payload is sent again.
pub const MAX_RETRY_DELAY: Duration = Duration::from_secs(5);

/// Settings of a fan-out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FanoutConfig {
    max_concurrency: usize,
    initial_concurrency: usize,
    ordered: bool,
    stop_on_error: bool,
    max_throttle_retries: u32,
}

impl FanoutConfig {
    /// At most `max_concurrency` invocations at a time (at least 1), starting at
    /// `min(max_concurrency, 8)`; results as they complete; errors do not stop the rest;
    /// a payload is retried up to 20 times when throttled.
    pub fn new(max_concurrency: usize) -> Self {
        let max = max_concurrency.max(1);
        FanoutConfig {
            max_concurrency: max,
            initial_concurrency: max.min(8),
            ordered: false,
            stop_on_error: false,
            max_throttle_retries: 20,
        }
    }

    /// Results in input order (default: as they complete).
    pub fn ordered(mut self, yes: bool) -> Self {
        self.ordered = yes;
        self
    }

    /// Stop taking input after the first failed invocation (default: go on).
    pub fn stop_on_error(mut self, yes: bool) -> Self {
        self.stop_on_error = yes;
        self
    }

    /// The concurrency limit at the start (clamped to `1..=max_concurrency`).
    pub fn initial_concurrency(mut self, n: usize) -> Self {
        self.initial_concurrency = n.clamp(1, self.max_concurrency);
        self
    }

    /// How often one payload is sent again after throttling errors.
    pub fn max_throttle_retries(mut self, n: u32) -> Self {
        self.max_throttle_retries = n;
        self
    }

    /// The most invocations at a time.
    pub fn max_concurrency(&self) -> usize {
        self.max_concurrency
    }

    /// Whether results come in input order.
    pub fn is_ordered(&self) -> bool {
        self.ordered
    }
}

/// A progress callback.
pub type ProgressFn = Arc<dyn Fn(&Progress) + Send + Sync>;

/// Settings of a driver's `invoke_many`: a [`FanoutConfig`] plus a progress callback.
#[derive(Clone)]
pub struct FanoutOptions {
    config: FanoutConfig,
    progress: Option<ProgressFn>,
}

impl fmt::Debug for FanoutOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FanoutOptions")
            .field("config", &self.config)
            .field("progress", &self.progress.is_some())
            .finish()
    }
}

impl FanoutOptions {
    /// At most `concurrency` invocations at a time; see [`FanoutConfig::new`].
    pub fn new(concurrency: usize) -> Self {
        Self::from_config(FanoutConfig::new(concurrency))
    }

    /// Options with this controller configuration.
    pub fn from_config(config: FanoutConfig) -> Self {
        FanoutOptions {
            config,
            progress: None,
        }
    }

    /// Results in input order (default: as they complete).
    pub fn ordered(mut self, yes: bool) -> Self {
        self.config = self.config.ordered(yes);
        self
    }

    /// Stop after the first failed invocation (default: go on).
    pub fn stop_on_error(mut self, yes: bool) -> Self {
        self.config = self.config.stop_on_error(yes);
        self
    }

    /// Called after every attempt with the counters (by the blocking driver on a worker
    /// thread, by the async one inside `poll_next`).
    pub fn on_progress(mut self, f: impl Fn(&Progress) + Send + Sync + 'static) -> Self {
        self.progress = Some(Arc::new(f));
        self
    }

    /// The controller's configuration.
    pub fn config(&self) -> &FanoutConfig {
        &self.config
    }

    /// The progress callback.
    pub fn progress_fn(&self) -> Option<ProgressFn> {
        self.progress.clone()
    }
}

/// Counters of a fan-out.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Progress {
    /// Invocations finished successfully.
    pub done: u64,
    /// Invocations finished with an error.
    pub failed: u64,
    /// Invocations running now.
    pub in_flight: usize,
    /// Throttling errors seen (each retried, or the final error of a payload).
    pub throttled: u64,
    /// Payloads waiting to be sent again after a throttling error.
    pub waiting: usize,
    /// The current concurrency limit.
    pub limit: usize,
    /// Finished invocations per second since the fan-out began.
    pub rate: f64,
}

/// What the driver does next.
#[derive(Debug, PartialEq, Eq)]
pub enum Next<P> {
    /// Pull the next payload from the input and call [`Fanout::start_input`]
    /// (or [`Fanout::input_exhausted`] if there is none).
    TakeInput,
    /// Send this throttled payload again; `ticket` names the attempt for [`Fanout::finish`].
    Retry {
        /// The payload's position in the input.
        index: u64,
        /// The payload.
        payload: P,
        /// The attempt.
        ticket: Ticket,
    },
    /// Nothing may start now: wait for an invocation to finish, or at most this long (a
    /// throttled payload becomes due).
    Wait(Option<Duration>),
    /// Every invocation is over (all results may not have been popped yet).
    Finished,
}

/// One attempt of one payload.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ticket {
    index: u64,
    seq: u64,
    throttles: u32,
}

impl Ticket {
    /// The payload's position in the input.
    pub fn index(&self) -> u64 {
        self.index
    }
}

/// How an attempt ended.
#[derive(Debug)]
pub enum Finish<P, T> {
    /// Throttled: the payload is sent again later unless it was throttled too often, in
    /// which case `result` is its result.
    Throttled {
        /// The payload, to send again.
        payload: P,
        /// The result if no retry is left.
        result: T,
    },
    /// Finished with this result; `ok` when it is a success.
    Done {
        /// Whether the invocation succeeded.
        ok: bool,
        /// The result.
        result: T,
    },
}

/// The fan-out controller. `P` is a payload, `T` a result.
#[derive(Debug)]
pub struct Fanout<P, T> {
    config: FanoutConfig,
    limit: f64,
    threshold: f64,
    seq: u64,
    recover_seq: u64,
    next_index: u64,
    next_emit: u64,
    held: BTreeMap<u64, T>,
    ready: VecDeque<(u64, T)>,
    retries: VecDeque<(Duration, u64, P, u32)>,
    in_flight: usize,
    done: u64,
    failed: u64,
    throttled: u64,
    input_done: bool,
    stopped: bool,
    started_at: Option<Duration>,
    last_at: Duration,
}

impl<P, T> Fanout<P, T> {
    /// A fan-out with nothing started.
    pub fn new(config: FanoutConfig) -> Self {
        Fanout {
            config,
            limit: config.initial_concurrency as f64,
            threshold: config.max_concurrency as f64,
            seq: 0,
            recover_seq: 0,
            next_index: 0,
            next_emit: 0,
            held: BTreeMap::new(),
            ready: VecDeque::new(),
            retries: VecDeque::new(),
            in_flight: 0,
            done: 0,
            failed: 0,
            throttled: 0,
            input_done: false,
            stopped: false,
            started_at: None,
            last_at: Duration::ZERO,
        }
    }

    /// The current concurrency limit.
    pub fn limit(&self) -> usize {
        (self.limit.floor() as usize).clamp(1, self.config.max_concurrency)
    }

    /// What may happen now (`now`: the driver's monotonic clock).
    pub fn next(&mut self, now: Duration) -> Next<P> {
        self.started_at.get_or_insert(now);
        self.last_at = self.last_at.max(now);
        if self.stopped {
            self.retries.clear();
            return if self.in_flight == 0 {
                Next::Finished
            } else {
                Next::Wait(None)
            };
        }
        if self.in_flight >= self.limit() {
            return Next::Wait(None);
        }
        // Throttled payloads first, in the order they became due.
        let due = self
            .retries
            .iter()
            .enumerate()
            .filter(|(_, r)| r.0 <= now)
            .min_by_key(|(_, r)| r.0)
            .map(|(i, _)| i);
        if let Some((_, index, payload, throttles)) = due.and_then(|i| self.retries.remove(i)) {
            let ticket = self.ticket(index, throttles);
            return Next::Retry {
                index,
                payload,
                ticket,
            };
        }
        let in_window = !self.config.ordered
            || self.next_index < self.next_emit + self.config.max_concurrency as u64;
        if !self.input_done && in_window {
            return Next::TakeInput;
        }
        let soonest = self.retries.iter().map(|r| r.0).min();
        if self.in_flight == 0 && self.retries.is_empty() && self.input_done {
            Next::Finished
        } else {
            Next::Wait(soonest.map(|t| t.saturating_sub(now)))
        }
    }

    fn ticket(&mut self, index: u64, throttles: u32) -> Ticket {
        self.in_flight += 1;
        self.seq += 1;
        Ticket {
            index,
            seq: self.seq,
            throttles,
        }
    }

    /// A payload was taken from the input after [`Next::TakeInput`]: it is the next index.
    pub fn start_input(&mut self) -> Ticket {
        let index = self.next_index;
        self.next_index += 1;
        self.ticket(index, 0)
    }

    /// The input has no more payloads.
    pub fn input_exhausted(&mut self) {
        self.input_done = true;
    }

    /// Take no more input and send no throttled payload again; invocations in flight
    /// still finish and their results are handed out, and then [`Next::Finished`].
    pub fn cancel(&mut self) {
        self.stopped = true;
        self.retries.clear();
    }

    /// Whether every invocation is over: nothing runs, and no payload waits for a retry
    /// or is left in the input (results may still wait in [`pop_result`](Self::pop_result)).
    pub fn is_finished(&self) -> bool {
        self.in_flight == 0 && (self.stopped || (self.input_done && self.retries.is_empty()))
    }

    /// Whether [`cancel`](Self::cancel) was called or an error stopped the fan-out.
    pub fn is_stopped(&self) -> bool {
        self.stopped
    }

    /// An attempt ended at `now`.
    pub fn finish(&mut self, ticket: Ticket, finish: Finish<P, T>, now: Duration) {
        self.in_flight = self.in_flight.saturating_sub(1);
        self.last_at = self.last_at.max(now);
        let max = self.config.max_concurrency as f64;
        match finish {
            Finish::Throttled { payload, result } => {
                self.throttled += 1;
                if ticket.seq > self.recover_seq {
                    self.limit = (self.limit * DECREASE).max(1.0);
                    self.threshold = self.limit;
                    self.recover_seq = self.seq;
                }
                let throttles = ticket.throttles + 1;
                if throttles > self.config.max_throttle_retries || self.stopped {
                    self.record(ticket.index, false, result);
                } else {
                    let exp = (throttles - 1).min(16);
                    let delay = FIRST_RETRY_DELAY
                        .saturating_mul(1u32 << exp)
                        .min(MAX_RETRY_DELAY);
                    self.retries
                        .push_back((now + delay, ticket.index, payload, throttles));
                }
            }
            Finish::Done { ok, result } => {
                if ok {
                    let step = if self.limit < self.threshold {
                        1.0
                    } else {
                        1.0 / self.limit
                    };
                    self.limit = (self.limit + step).min(max);
                }
                self.record(ticket.index, ok, result);
            }
        }
    }

    fn record(&mut self, index: u64, ok: bool, result: T) {
        if ok {
            self.done += 1;
        } else {
            self.failed += 1;
            if self.config.stop_on_error {
                self.stopped = true;
                self.retries.clear();
            }
        }
        if self.config.ordered {
            self.held.insert(index, result);
        } else {
            self.ready.push_back((index, result));
        }
    }

    /// The next result to hand out, with its input index.
    ///
    /// In ordered mode after a stop, results skip the positions that will never finish.
    pub fn pop_result(&mut self) -> Option<(u64, T)> {
        if !self.config.ordered {
            return self.ready.pop_front();
        }
        if self.stopped && self.in_flight == 0 {
            if let Some((&first, _)) = self.held.iter().next() {
                self.next_emit = self.next_emit.max(first);
            }
        }
        let result = self.held.remove(&self.next_emit)?;
        let index = self.next_emit;
        self.next_emit += 1;
        Some((index, result))
    }

    /// Results finished but not yet handed out.
    pub fn held(&self) -> usize {
        self.held.len() + self.ready.len()
    }

    /// The counters; `rate` is measured up to the latest `now` seen.
    pub fn progress(&self) -> Progress {
        let elapsed = self
            .started_at
            .map(|s| self.last_at.saturating_sub(s).as_secs_f64())
            .unwrap_or(0.0);
        let finished = (self.done + self.failed) as f64;
        Progress {
            done: self.done,
            failed: self.failed,
            in_flight: self.in_flight,
            throttled: self.throttled,
            waiting: self.retries.len(),
            limit: self.limit(),
            rate: if elapsed > 0.0 {
                finished / elapsed
            } else {
                0.0
            },
        }
    }
}

#[cfg(test)]
mod tests;
