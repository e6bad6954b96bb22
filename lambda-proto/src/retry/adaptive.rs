//! The client-side rate limiter of the "adaptive" retry mode, as botocore 1.44.5 builds it
//! (`botocore/retries/adaptive.py`, `throttling.py`, `bucket.py`), without its clock.
//!
//! Three parts, each a transcription of its botocore class:
//!
//! - [`TokenBucket`] (`bucket.TokenBucket`): a bucket refilled at `max_rate` tokens per
//!   second (never below [`MIN_FILL_RATE`], 0.5), holding at most `max(max_rate, 1)`
//!   tokens; a request takes one token.
//! - [`RateClocker`] (`adaptive.RateClocker`): the measured send rate, recomputed once per
//!   [`TIME_BUCKET_RANGE`] (0.5 s) and smoothed with [`SMOOTHING`] (0.8).
//! - [`CubicCalculator`] (`throttling.CubicCalculator`): the CUBIC rate adjustment: on a
//!   throttling error the rate drops to `rate * BETA` (0.7) and `w_max` becomes the rate at
//!   the failure; after it, the rate is `SCALE_CONSTANT * (t - k)^3 + w_max` (0.4, with
//!   `k = cbrt(w_max * (1 - BETA) / SCALE_CONSTANT)`), `t` the time since the failure.
//!
//! [`ClientRateLimiter`] (`adaptive.ClientRateLimiter`) ties them together: the bucket is
//! only consulted after the first throttling error; every response updates the measured
//! rate and sets the bucket's rate to `min(cubic rate, 2 * measured rate)`.
//!
//! Time is passed in: `now` is the time elapsed since an origin the driver chose (a
//! monotonic clock), the same origin for every call on one limiter. botocore blocks in
//! `acquire` until a token is there; here [`ClientRateLimiter::acquire`] returns how long to
//! wait, and the driver sleeps that long and asks again.
//!
//! ```
//! use std::time::Duration;
//! use lambda_proto::retry::adaptive::ClientRateLimiter;
//!
//! let mut limiter = ClientRateLimiter::new(Duration::ZERO);
//! // Before any throttling error, requests are never delayed.
//! assert_eq!(limiter.acquire(Duration::from_millis(10)), None);
//! limiter.on_response(Duration::from_millis(20), true); // throttled: the bucket is on
//! // The bucket starts empty: the next request waits for a token.
//! assert!(limiter.acquire(Duration::from_millis(20)).is_some());
//! ```

use std::time::Duration;

/// The lowest fill rate of the bucket, in tokens per second (`TokenBucket._MIN_RATE`).
pub const MIN_FILL_RATE: f64 = 0.5;
/// The multiplicative decrease of the rate on a throttling error (`CubicCalculator._BETA`).
pub const BETA: f64 = 0.7;
/// The CUBIC scale constant (`CubicCalculator._SCALE_CONSTANT`).
pub const SCALE_CONSTANT: f64 = 0.4;
/// The weight of the newest measured rate (`RateClocker._DEFAULT_SMOOTHING`).
pub const SMOOTHING: f64 = 0.8;
/// The measured rate is recomputed once per this many seconds (`RateClocker._TIME_BUCKET_RANGE`).
pub const TIME_BUCKET_RANGE: f64 = 0.5;
/// The bucket's rate never exceeds this multiple of the measured rate
/// (`ClientRateLimiter._MAX_RATE_ADJUST_SCALE`).
pub const MAX_RATE_ADJUST_SCALE: f64 = 2.0;

fn secs(now: Duration) -> f64 {
    now.as_secs_f64()
}

/// A token bucket with a settable fill rate (`botocore.retries.bucket.TokenBucket`).
#[derive(Clone, Debug, PartialEq)]
pub struct TokenBucket {
    fill_rate: f64,
    max_capacity: f64,
    current_capacity: f64,
    last_timestamp: Option<f64>,
}

impl TokenBucket {
    /// An empty bucket filling at `max_rate` tokens per second from `now`.
    pub fn new(max_rate: f64, now: Duration) -> Self {
        let mut bucket = TokenBucket {
            fill_rate: MIN_FILL_RATE,
            max_capacity: 1.0,
            current_capacity: 0.0,
            last_timestamp: None,
        };
        bucket.set_max_rate(max_rate, now);
        bucket
    }

    /// The fill rate, tokens per second.
    pub fn max_rate(&self) -> f64 {
        self.fill_rate
    }

    /// The most tokens the bucket holds.
    pub fn max_capacity(&self) -> f64 {
        self.max_capacity
    }

    /// Tokens in the bucket as of the last refill.
    pub fn available_capacity(&self) -> f64 {
        self.current_capacity
    }

    /// Sets the fill rate (at least [`MIN_FILL_RATE`]) after crediting the tokens earned at
    /// the old rate; the capacity becomes `max(value, 1)`.
    pub fn set_max_rate(&mut self, value: f64, now: Duration) {
        self.refill(now);
        self.fill_rate = value.max(MIN_FILL_RATE);
        self.max_capacity = if value >= 1.0 { value } else { 1.0 };
        self.current_capacity = self.current_capacity.min(self.max_capacity);
    }

    /// Takes `amount` tokens if the bucket holds them; otherwise the time until it will.
    pub fn try_acquire(&mut self, amount: f64, now: Duration) -> Result<(), Duration> {
        self.refill(now);
        if amount <= self.current_capacity {
            self.current_capacity -= amount;
            Ok(())
        } else {
            let wait = (amount - self.current_capacity) / self.fill_rate;
            // Rounded up to a microsecond so that sleeping it always makes progress.
            let micros = (wait * 1e6).ceil().clamp(1.0, u64::MAX as f64) as u64;
            Err(Duration::from_micros(micros))
        }
    }

    fn refill(&mut self, now: Duration) {
        let t = secs(now);
        let Some(last) = self.last_timestamp else {
            self.last_timestamp = Some(t);
            return;
        };
        // A clock that went back earns nothing (botocore trusts its clock).
        let fill = (t - last).max(0.0) * self.fill_rate;
        self.current_capacity = self.max_capacity.min(self.current_capacity + fill);
        self.last_timestamp = Some(t.max(last));
    }
}

/// The measured send rate (`botocore.retries.adaptive.RateClocker`).
#[derive(Clone, Debug, PartialEq)]
pub struct RateClocker {
    measured_rate: f64,
    last_bucket: f64,
    count: f64,
}

impl RateClocker {
    /// A clocker started at `now` (its first bucket is `floor(now)` seconds, as botocore's).
    pub fn new(now: Duration) -> Self {
        RateClocker {
            measured_rate: 0.0,
            last_bucket: secs(now).floor(),
            count: 0.0,
        }
    }

    /// Counts `amount` requests at `now`; returns the measured rate (requests per second).
    pub fn record(&mut self, now: Duration, amount: f64) -> f64 {
        let scale = 1.0 / TIME_BUCKET_RANGE;
        let bucket = (secs(now) * scale).floor() / scale;
        self.count += amount;
        if bucket > self.last_bucket {
            let current_rate = self.count / (bucket - self.last_bucket);
            self.measured_rate = current_rate * SMOOTHING + self.measured_rate * (1.0 - SMOOTHING);
            self.count = 0.0;
            self.last_bucket = bucket;
        }
        self.measured_rate
    }

    /// The last measured rate.
    pub fn measured_rate(&self) -> f64 {
        self.measured_rate
    }
}

/// The CUBIC rate calculator (`botocore.retries.throttling.CubicCalculator`).
#[derive(Clone, Debug, PartialEq)]
pub struct CubicCalculator {
    w_max: f64,
    k: f64,
    last_fail: f64,
}

impl CubicCalculator {
    /// A calculator whose last failure is `now` at rate `starting_max_rate`.
    pub fn new(starting_max_rate: f64, now: Duration) -> Self {
        CubicCalculator {
            w_max: starting_max_rate,
            k: zero_point(starting_max_rate),
            last_fail: secs(now),
        }
    }

    /// The rate after a success at `now`: `SCALE_CONSTANT * (t - k)^3 + w_max`.
    pub fn success_received(&self, now: Duration) -> f64 {
        let dt = secs(now) - self.last_fail;
        SCALE_CONSTANT * (dt - self.k).powi(3) + self.w_max
    }

    /// The rate after a throttling error at `now` while sending at `current_rate`:
    /// `current_rate * BETA`; `current_rate` becomes `w_max`.
    pub fn error_received(&mut self, current_rate: f64, now: Duration) -> f64 {
        self.w_max = current_rate;
        self.k = zero_point(current_rate);
        self.last_fail = secs(now);
        current_rate * BETA
    }

    /// `w_max`: the rate at the last failure.
    pub fn w_max(&self) -> f64 {
        self.w_max
    }

    /// `k`: the time after a failure at which the rate is back to `w_max`.
    pub fn k(&self) -> f64 {
        self.k
    }
}

fn zero_point(w_max: f64) -> f64 {
    (w_max * (1.0 - BETA) / SCALE_CONSTANT).cbrt()
}

/// The adaptive mode's limiter for one client (`botocore.retries.adaptive.ClientRateLimiter`).
#[derive(Clone, Debug, PartialEq)]
pub struct ClientRateLimiter {
    cubic: CubicCalculator,
    clocker: RateClocker,
    bucket: TokenBucket,
    enabled: bool,
}

impl ClientRateLimiter {
    /// A limiter created at `now`: CUBIC from rate 0, a bucket of rate 1, not yet enabled.
    pub fn new(now: Duration) -> Self {
        ClientRateLimiter {
            cubic: CubicCalculator::new(0.0, now),
            clocker: RateClocker::new(now),
            bucket: TokenBucket::new(1.0, now),
            enabled: false,
        }
    }

    /// Before sending: `None` to send now (a token was taken, or the limiter is not yet
    /// enabled), or how long to wait before asking again.
    pub fn acquire(&mut self, now: Duration) -> Option<Duration> {
        if !self.enabled {
            return None;
        }
        self.bucket.try_acquire(1.0, now).err()
    }

    /// After every answer (or transport failure) at `now`; `throttled` when it was a
    /// throttling error.
    pub fn on_response(&mut self, now: Duration, throttled: bool) {
        let measured_rate = self.clocker.record(now, 1.0);
        let new_rate = if !throttled {
            self.cubic.success_received(now)
        } else {
            let rate_to_use = if self.enabled {
                measured_rate.min(self.bucket.max_rate())
            } else {
                measured_rate
            };
            self.enabled = true;
            self.cubic.error_received(rate_to_use, now)
        };
        self.bucket
            .set_max_rate(new_rate.min(MAX_RATE_ADJUST_SCALE * measured_rate), now);
    }

    /// Whether a throttling error has switched the bucket on.
    pub fn is_enabled(&self) -> bool {
        self.enabled
    }

    /// The bucket's rate, requests per second.
    pub fn send_rate(&self) -> f64 {
        self.bucket.max_rate()
    }

    /// The measured send rate, requests per second.
    pub fn measured_rate(&self) -> f64 {
        self.clocker.measured_rate()
    }

    /// The token bucket.
    pub fn bucket(&self) -> &TokenBucket {
        &self.bucket
    }

    /// The CUBIC calculator.
    pub fn cubic(&self) -> &CubicCalculator {
        &self.cubic
    }
}

#[cfg(test)]
mod tests;
