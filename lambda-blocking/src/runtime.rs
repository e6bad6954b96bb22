//! Sleeping, the monotonic clock and jitter: injectable so that tests are deterministic.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Sleeps between attempts and polls, and tells the time waits are measured on.
///
/// The default, [`ThreadSleeper`], blocks the thread. A test can record the delays instead
/// and advance its own clock.
pub trait Sleeper: Send + Sync + fmt::Debug {
    /// Blocks for `duration`.
    fn sleep(&self, duration: Duration);

    /// The monotonic clock overall waiter timeouts are measured on.
    fn now(&self) -> Instant {
        Instant::now()
    }
}

/// A [`Sleeper`] that calls [`std::thread::sleep`].
#[derive(Clone, Copy, Debug, Default)]
pub struct ThreadSleeper;

impl Sleeper for ThreadSleeper {
    fn sleep(&self, duration: Duration) {
        std::thread::sleep(duration);
    }
}

/// A source of uniform random numbers in `[0, 1)` for the retry jitter.
pub trait RandomSource: Send + Sync + fmt::Debug {
    /// The next number, in `[0, 1)`.
    fn next_f64(&self) -> f64;
}

/// Always the same number: handy in tests (`FixedRandom(1.0)` gives the largest backoff).
#[derive(Clone, Copy, Debug)]
pub struct FixedRandom(pub f64);

impl RandomSource for FixedRandom {
    fn next_f64(&self) -> f64 {
        self.0
    }
}

/// A small xorshift64* generator; the default random source.
///
/// Not for cryptography: it only spreads retries of many clients apart.
#[derive(Debug)]
pub struct XorShiftRandom {
    state: AtomicU64,
}

impl XorShiftRandom {
    /// A generator starting from `seed` (0 is replaced by a fixed non-zero value).
    pub fn new(seed: u64) -> Self {
        let seed = if seed == 0 {
            0x9E37_79B9_7F4A_7C15
        } else {
            seed
        };
        XorShiftRandom {
            state: AtomicU64::new(seed),
        }
    }

    /// A generator seeded from the system time and an address.
    pub fn from_entropy() -> Self {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0);
        let local = 0u8;
        let addr = &local as *const u8 as u64;
        XorShiftRandom::new(nanos ^ addr.rotate_left(32))
    }
}

impl RandomSource for XorShiftRandom {
    fn next_f64(&self) -> f64 {
        let step = |mut x: u64| {
            x ^= x >> 12;
            x ^= x << 25;
            x ^= x >> 27;
            x
        };
        let previous = self
            .state
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |x| Some(step(x)))
            .unwrap_or(1);
        let x = step(previous).wrapping_mul(0x2545_F491_4F6C_DD1D);
        // 53 random bits -> [0, 1).
        (x >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xorshift_stays_in_unit_interval_and_varies() {
        let r = XorShiftRandom::new(42);
        let values: Vec<f64> = (0..1000).map(|_| r.next_f64()).collect();
        assert!(values.iter().all(|v| (0.0..1.0).contains(v)));
        let mean = values.iter().sum::<f64>() / values.len() as f64;
        assert!((0.4..0.6).contains(&mean), "mean {mean}");
        let distinct: std::collections::HashSet<u64> = values.iter().map(|v| v.to_bits()).collect();
        assert!(distinct.len() > 990);
    }

    #[test]
    fn zero_seed_is_not_stuck() {
        let r = XorShiftRandom::new(0);
        assert_ne!(r.next_f64(), r.next_f64());
    }
}
