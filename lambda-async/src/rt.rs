//! What the client needs from a runtime besides sockets: a timer, a clock and random numbers.

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use futures_util::future::{self, BoxFuture, Either};
use time::OffsetDateTime;

/// A timer: a future that completes after `duration`.
///
/// The `tokio` feature provides `TokioSleep`; other runtimes implement
/// it in a line (for example with `async_io::Timer::after`). Tests use a recording timer.
pub trait Sleep: Send + Sync + 'static {
    /// A future that completes after `duration`.
    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()>;
}

impl<F> Sleep for F
where
    F: Fn(Duration) -> BoxFuture<'static, ()> + Send + Sync + 'static,
{
    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()> {
        self(duration)
    }
}

/// The wall clock, for signing and clock-skew detection.
pub type Clock = dyn Fn() -> OffsetDateTime + Send + Sync;

/// A source of uniform random numbers in `[0, 1)` for the retry jitter.
pub type Random = dyn Fn() -> f64 + Send + Sync;

/// The system clock.
pub(crate) fn system_clock() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

/// A small xorshift64* generator seeded from the clock and an address; enough for jitter.
pub(crate) fn default_random() -> impl Fn() -> f64 + Send + Sync {
    let marker = 0u8;
    let address = &marker as *const u8 as usize as u64;
    let nanos = OffsetDateTime::now_utc().unix_timestamp_nanos() as u64;
    let seed = (nanos ^ address.rotate_left(32)) | 1;
    let state = AtomicU64::new(seed);
    move || {
        let mut x = state.load(Ordering::Relaxed);
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        state.store(x, Ordering::Relaxed);
        let bits = x.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 11;
        bits as f64 / (1u64 << 53) as f64
    }
}

/// Runs `fut`, giving up after `limit` (when given): `None` means the time ran out.
pub(crate) async fn timeout<F: Future>(
    sleep: &dyn Sleep,
    limit: Option<Duration>,
    fut: F,
) -> Option<F::Output> {
    match limit {
        None => Some(fut.await),
        Some(limit) => {
            let fut = std::pin::pin!(fut);
            match future::select(fut, sleep.sleep(limit)).await {
                Either::Left((out, _)) => Some(out),
                Either::Right(_) => None,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn default_random_is_in_unit_interval_and_varies() {
        let random = super::default_random();
        let draws: Vec<f64> = (0..1000).map(|_| random()).collect();
        assert!(draws.iter().all(|r| (0.0..1.0).contains(r)));
        let mean = draws.iter().sum::<f64>() / draws.len() as f64;
        assert!((0.4..0.6).contains(&mean), "mean {mean}");
    }
}
