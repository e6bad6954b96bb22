//! A runtime-agnostic limit on requests in flight (and so on connections opened).

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll, Waker};

/// Counts free slots; waiters are woken all at once when one frees (they race for it).
#[derive(Debug)]
pub(crate) struct Limiter {
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    free: usize,
    waiters: Vec<Waker>,
}

/// A slot, given back on drop.
#[derive(Debug)]
pub(crate) struct Permit {
    limiter: Arc<Limiter>,
}

impl Limiter {
    pub(crate) fn new(slots: usize) -> Arc<Self> {
        Arc::new(Limiter {
            state: Mutex::new(State {
                free: slots.max(1),
                waiters: Vec::new(),
            }),
        })
    }

    pub(crate) fn acquire(self: &Arc<Self>) -> Acquire {
        Acquire {
            limiter: Arc::clone(self),
        }
    }
}

/// The future of [`Limiter::acquire`].
pub(crate) struct Acquire {
    limiter: Arc<Limiter>,
}

impl Future for Acquire {
    type Output = Permit;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Permit> {
        let mut state = self
            .limiter
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if state.free > 0 {
            state.free -= 1;
            return Poll::Ready(Permit {
                limiter: Arc::clone(&self.limiter),
            });
        }
        if !state.waiters.iter().any(|w| w.will_wake(cx.waker())) {
            state.waiters.push(cx.waker().clone());
        }
        Poll::Pending
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        let waiters = {
            let mut state = self
                .limiter
                .state
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            state.free += 1;
            std::mem::take(&mut state.waiters)
        };
        for waker in waiters {
            waker.wake();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::FutureExt;

    #[test]
    fn slots_are_bounded_and_returned() {
        let limiter = Limiter::new(2);
        let a = limiter.acquire().now_or_never().expect("free slot");
        let b = limiter.acquire().now_or_never().expect("free slot");
        let mut third = Box::pin(limiter.acquire());
        assert!((&mut third).now_or_never().is_none());
        drop(a);
        let c = third.now_or_never().expect("slot after release");
        drop((b, c));
        // A dropped waiter does not leak a slot.
        let x = limiter.acquire().now_or_never().unwrap();
        let y = limiter.acquire().now_or_never().unwrap();
        let waiting = Box::pin(limiter.acquire());
        drop(waiting);
        drop((x, y));
        assert!(limiter.acquire().now_or_never().is_some());
    }
}
