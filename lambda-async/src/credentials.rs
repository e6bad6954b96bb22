//! Where the client gets its credentials, and the cache in front of the source.

use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex as StdMutex, MutexGuard, PoisonError};
use std::time::Duration;

use futures_util::future::{BoxFuture, FutureExt, Shared};
use lambda_proto::credentials::{
    retry_delay, Action, CacheLookup, Credentials, CredentialsError, CredentialsErrorKind,
    CredentialsSource, StandardRetries, TimeoutHint, TransportFailure,
};
use lambda_proto::error::TransportErrorKind;
use time::OffsetDateTime;
use tracing::Instrument;

use crate::client::collect;
use crate::rt::{self, Clock, Random, Sleep};
use crate::transport::{BoxError, Transport};
/// How long before their expiry cached credentials are fetched again.
pub const REFRESH_BEFORE_EXPIRY: time::Duration = time::Duration::minutes(5);

/// A source of credentials (static keys, a profile, a metadata service...).
///
/// The client asks it once and caches the answer until five minutes before its expiry
/// (credentials without an expiry are kept for the client's life).
pub trait ProvideCredentials: Send + Sync + 'static {
    /// Fetches credentials.
    fn provide(&self) -> BoxFuture<'_, Result<Credentials, BoxError>>;
}

impl ProvideCredentials for Credentials {
    fn provide(&self) -> BoxFuture<'_, Result<Credentials, BoxError>> {
        let creds = self.clone();
        Box::pin(async move { Ok(creds) })
    }
}

/// The result of one refresh, shared by every caller that waits for it.
type Refresh = Shared<BoxFuture<'static, Result<Credentials, CredentialsError>>>;

/// The cache: one refresh at a time, shared by all clones of a client.
///
/// The timing (refresh 5 minutes before expiry, still-valid credentials kept when a refresh
/// fails) is [`lambda_proto::credentials::CredentialsCache`]'s, behind a lock that is never
/// held across an `.await`. The provider runs as one shared future: the caller that starts
/// a refresh awaits it, callers without usable credentials await the same future instead of
/// starting their own, and callers that still have valid ones go on without waiting. Any
/// caller awaiting the refresh drives it, so a cancelled refresher does not strand the
/// others; when the last of them is dropped, the refresh is abandoned and the next caller
/// starts a new one. A provider that panics fails that refresh with an error.
pub(crate) struct CredentialsCache {
    source: Arc<dyn ProvideCredentials>,
    /// Where the credentials come from, for the log.
    description: String,
    clock: Arc<Clock>,
    random: Arc<Random>,
    state: Arc<StdMutex<CacheState>>,
}

struct CacheState {
    cache: lambda_proto::credentials::CredentialsCache,
    refresh: Option<Refresh>,
}

fn lock(state: &StdMutex<CacheState>) -> MutexGuard<'_, CacheState> {
    state.lock().unwrap_or_else(PoisonError::into_inner)
}

impl CredentialsCache {
    pub(crate) fn new(
        source: Box<dyn ProvideCredentials>,
        description: String,
        clock: Arc<Clock>,
        static_stability: bool,
        random: Arc<Random>,
    ) -> Self {
        let cache = lambda_proto::credentials::CredentialsCache::new()
            .with_static_stability(static_stability);
        CredentialsCache {
            source: Arc::from(source),
            description,
            clock,
            random,
            state: Arc::new(StdMutex::new(CacheState {
                cache,
                refresh: None,
            })),
        }
    }

    /// Cached credentials, or fresh ones when there are none or they expire soon.
    pub(crate) async fn get(&self, now: OffsetDateTime) -> Result<Credentials, CredentialsError> {
        let refresh = {
            let mut state = lock(&self.state);
            match state.cache.lookup(now) {
                CacheLookup::Fresh(creds) => return Ok(creds),
                CacheLookup::Wait if state.refresh.is_some() => state.refresh.clone(),
                // `Wait` without a refresh cannot happen (both change under this lock);
                // starting one is the safe answer anyway.
                CacheLookup::Refresh | CacheLookup::Wait => None,
            }
            .unwrap_or_else(|| {
                let refresh = self.start_refresh();
                state.refresh = Some(refresh.clone());
                refresh
            })
        };
        let mut waiting = Waiting {
            refresh,
            state: &self.state,
        };
        (&mut waiting.refresh).await
    }

    /// The provider call, completing the sans-IO cache when it ends.
    fn start_refresh(&self) -> Refresh {
        let source = Arc::clone(&self.source);
        let clock = Arc::clone(&self.clock);
        let random = Arc::clone(&self.random);
        let state = Arc::clone(&self.state);
        let span = tracing::debug_span!("credentials", source = %self.description);
        async move {
            tracing::debug!("refreshing credentials");
            // A provider that panics fails this refresh, not every later one.
            let provided = AssertUnwindSafe(source.provide()).catch_unwind().await;
            let result = match provided {
                Ok(result) => result.map_err(into_credentials_error),
                Err(_) => Err(CredentialsError::new(
                    CredentialsErrorKind::Unavailable,
                    "provider",
                    "the credentials provider panicked",
                )),
            };
            let mut state = lock(&state);
            state.refresh = None;
            state.cache.complete_with_jitter(result, clock(), random())
        }
        .instrument(span)
        .boxed()
        .shared()
    }
}

/// One caller awaiting a refresh. Dropped unfinished as the last one, it abandons the
/// refresh (the cache's handle does not count: nobody would drive it).
struct Waiting<'a> {
    refresh: Refresh,
    state: &'a StdMutex<CacheState>,
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        let mut state = lock(self.state);
        let ours = state
            .refresh
            .as_ref()
            .is_some_and(|r| r.ptr_eq(&self.refresh));
        // Two handles left: the cache's and this one.
        let last = Shared::strong_count(&self.refresh) == Some(2);
        if ours && last {
            state.refresh = None;
            state.cache.abandon();
        }
    }
}

fn into_credentials_error(e: BoxError) -> CredentialsError {
    match e.downcast::<CredentialsError>() {
        Ok(e) => *e,
        Err(other) => CredentialsError::new(
            CredentialsErrorKind::Unavailable,
            "provider",
            other.to_string(),
        ),
    }
}

impl std::fmt::Debug for CredentialsCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CredentialsCache").finish_non_exhaustive()
    }
}

/// Largest answer of a credentials endpoint read.
const MAX_ANSWER: usize = 1024 * 1024;
/// Time allowed for a provider request without a hint (STS, SSO portal).
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// Runs a [`CredentialsSource`]'s providers over the client's transport and timer.
///
/// Files are read and `credential_process` is run with `std` on the calling task's
/// thread (they are small and quick; a slow credentials process blocks that thread).
pub(crate) struct SourceProvider {
    pub(crate) source: CredentialsSource,
    pub(crate) transport: Arc<dyn Transport>,
    pub(crate) sleep: Arc<dyn Sleep>,
    pub(crate) clock: Arc<Clock>,
    pub(crate) random: Arc<Random>,
}

impl SourceProvider {
    async fn exchange(
        &self,
        request: http::Request<bytes::Bytes>,
    ) -> Result<http::Response<Vec<u8>>, TransportFailure> {
        let limit = request
            .extensions()
            .get::<TimeoutHint>()
            .map_or(DEFAULT_TIMEOUT, |h| h.0);
        let exchange = async {
            let response = self.transport.send(request).await?;
            let (head, body) = response.into_parts();
            let bytes = collect(body, &head.headers, MAX_ANSWER).await?;
            Ok::<_, lambda_proto::error::TransportError>(http::Response::from_parts(head, bytes))
        };
        match rt::timeout(&*self.sleep, Some(limit), exchange).await {
            Some(Ok(response)) => Ok(response),
            Some(Err(e)) => Err(TransportFailure::new(e.kind(), e.to_string())),
            None => Err(TransportFailure::new(
                TransportErrorKind::Timeout,
                format!("no answer within {limit:?}"),
            )),
        }
    }
}

impl ProvideCredentials for SourceProvider {
    fn provide(&self) -> BoxFuture<'_, Result<Credentials, BoxError>> {
        Box::pin(async move {
            let mut provider = self.source.provider();
            loop {
                match provider.next((self.clock)()) {
                    Action::Done(result) => return result.map_err(|e| Box::new(e) as BoxError),
                    Action::Http(request) => {
                        let retried = request.extensions().get::<StandardRetries>().is_some();
                        let mut attempt = 1;
                        let result = loop {
                            let result =
                                self.exchange(request.clone().map(bytes::Bytes::from)).await;
                            let delay = retried
                                .then(|| retry_delay(&result, attempt, (self.random)()))
                                .flatten();
                            match delay {
                                Some(delay) => {
                                    tracing::debug!(
                                        attempt,
                                        ?delay,
                                        "retrying a credentials request"
                                    );
                                    self.sleep.sleep(delay).await;
                                    attempt += 1;
                                }
                                None => break result,
                            }
                        };
                        provider.on_http(result);
                    }
                    Action::ReadFile(path) => {
                        provider.on_file(lambda_env::read_file(&path).map_err(|e| e.kind()))
                    }
                    Action::RunProcess(command) => provider.on_process(
                        lambda_env::run_process(command.as_str()).map_err(|e| e.kind()),
                    ),
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::future::Future;
    use std::pin::Pin;
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    use std::task::{Context, Poll, Waker};

    use time::macros::datetime;

    const T0: OffsetDateTime = datetime!(2024-01-01 0:00 UTC);

    /// Answers `AK<n>` for its n-th call, valid `life` from `T0`; calls whose number is in
    /// `gated` wait until the gate opens.
    struct Provider {
        calls: AtomicUsize,
        life: Option<time::Duration>,
        gated: Vec<usize>,
        gate: Arc<Gate>,
    }

    #[derive(Default)]
    struct Gate {
        open: AtomicBool,
        wakers: StdMutex<Vec<Waker>>,
    }

    impl Gate {
        fn open(&self) {
            self.open.store(true, Ordering::SeqCst);
            for waker in self.wakers.lock().unwrap().drain(..) {
                waker.wake();
            }
        }

        async fn passed(&self) {
            std::future::poll_fn(|cx| {
                if self.open.load(Ordering::SeqCst) {
                    return Poll::Ready(());
                }
                self.wakers.lock().unwrap().push(cx.waker().clone());
                Poll::Pending
            })
            .await
        }
    }

    impl ProvideCredentials for Provider {
        fn provide(&self) -> BoxFuture<'_, Result<Credentials, BoxError>> {
            let n = self.calls.fetch_add(1, Ordering::SeqCst);
            let expiry = self.life.map(|life| T0 + life);
            Box::pin(async move {
                if self.gated.contains(&n) {
                    self.gate.passed().await;
                }
                Ok(Credentials::new(format!("AK{n}"), "s", None, expiry))
            })
        }
    }

    struct Fixture {
        cache: CredentialsCache,
        provider: Arc<Provider>,
        now: Arc<StdMutex<OffsetDateTime>>,
    }

    impl ProvideCredentials for Arc<Provider> {
        fn provide(&self) -> BoxFuture<'_, Result<Credentials, BoxError>> {
            (**self).provide()
        }
    }

    fn fixture(life: Option<time::Duration>, gated: &[usize]) -> Fixture {
        let provider = Arc::new(Provider {
            calls: AtomicUsize::new(0),
            life,
            gated: gated.to_vec(),
            gate: Arc::default(),
        });
        let now = Arc::new(StdMutex::new(T0));
        let clock_now = Arc::clone(&now);
        let clock: Arc<Clock> = Arc::new(move || *clock_now.lock().unwrap());
        Fixture {
            cache: CredentialsCache::new(
                Box::new(Arc::clone(&provider)),
                "test".into(),
                clock,
                false,
                Arc::new(|| 0.5),
            ),
            provider,
            now,
        }
    }

    impl Fixture {
        fn at(&self, minutes: i64) -> OffsetDateTime {
            let now = T0 + time::Duration::minutes(minutes);
            *self.now.lock().unwrap() = now;
            now
        }

        fn calls(&self) -> usize {
            self.provider.calls.load(Ordering::SeqCst)
        }

        fn key(&self, minutes: i64) -> String {
            let now = self.at(minutes);
            let creds = futures_executor::block_on(self.cache.get(now)).unwrap();
            creds.access_key_id().to_string()
        }
    }

    type Call<'a> = Pin<Box<dyn Future<Output = Result<Credentials, CredentialsError>> + 'a>>;

    /// Polls once; `None` while it is still waiting.
    fn poll_once(call: &mut Call<'_>) -> Option<String> {
        let mut cx = Context::from_waker(futures_util::task::noop_waker_ref());
        match call.as_mut().poll(&mut cx) {
            Poll::Ready(result) => Some(result.unwrap().access_key_id().to_string()),
            Poll::Pending => None,
        }
    }

    #[test]
    fn cached_until_five_minutes_before_expiry() {
        let f = fixture(Some(time::Duration::minutes(10)), &[]);
        assert_eq!(f.key(0), "AK0");
        assert_eq!(f.key(4), "AK0");
        assert_eq!(f.calls(), 1);
        // Inside the refresh window: looked up again.
        assert_eq!(f.key(6), "AK1");
        assert_eq!(f.calls(), 2);
    }

    #[test]
    fn without_expiry_looked_up_once() {
        let f = fixture(None, &[]);
        for minute in 0..5 {
            assert_eq!(f.key(minute * 1000), "AK0");
        }
        assert_eq!(f.calls(), 1);
    }

    #[test]
    fn callers_keep_valid_credentials_while_one_refreshes() {
        let f = fixture(Some(time::Duration::minutes(10)), &[1]);
        assert_eq!(f.key(0), "AK0");
        let now = f.at(6);
        let mut refresher: Call = Box::pin(f.cache.get(now));
        assert_eq!(
            poll_once(&mut refresher),
            None,
            "the refresh waits at the gate"
        );
        // Others get the still-valid credentials at once, without a second lookup.
        for _ in 0..10 {
            let mut other: Call = Box::pin(f.cache.get(now));
            assert_eq!(poll_once(&mut other).as_deref(), Some("AK0"));
        }
        assert_eq!(f.calls(), 2);
        f.provider.gate.open();
        assert_eq!(poll_once(&mut refresher).as_deref(), Some("AK1"));
        assert_eq!(f.key(7), "AK1");
        assert_eq!(f.calls(), 2);
    }

    #[test]
    fn a_cancelled_refresh_is_started_again_by_the_next_caller() {
        let f = fixture(Some(time::Duration::minutes(10)), &[1]);
        assert_eq!(f.key(0), "AK0");
        let now = f.at(6);
        let mut refresher: Call = Box::pin(f.cache.get(now));
        assert_eq!(poll_once(&mut refresher), None);
        drop(refresher);
        // Without a refresher the next caller refreshes (call 2 is not gated).
        assert_eq!(f.key(6), "AK2");
        assert_eq!(f.calls(), 3);
    }

    struct Panicking(AtomicUsize);

    impl ProvideCredentials for Panicking {
        fn provide(&self) -> BoxFuture<'_, Result<Credentials, BoxError>> {
            let n = self.0.fetch_add(1, Ordering::SeqCst);
            Box::pin(async move {
                if n == 0 {
                    panic!("provider bug");
                }
                Ok(Credentials::new("AK-after", "s", None, None))
            })
        }
    }

    #[test]
    fn a_panicking_provider_fails_one_refresh_only() {
        let clock: Arc<Clock> = Arc::new(|| T0);
        let cache = CredentialsCache::new(
            Box::new(Panicking(AtomicUsize::new(0))),
            "test".into(),
            clock,
            false,
            Arc::new(|| 0.5),
        );
        let err = futures_executor::block_on(cache.get(T0)).unwrap_err();
        assert!(err.to_string().contains("panicked"), "{err}");
        let creds = futures_executor::block_on(cache.get(T0)).unwrap();
        assert_eq!(creds.access_key_id(), "AK-after");
    }

    #[test]
    fn waiters_drive_the_refresh_when_the_refresher_is_cancelled() {
        let f = fixture(Some(time::Duration::minutes(10)), &[0]);
        let now = f.at(0);
        let mut first: Call = Box::pin(f.cache.get(now));
        let mut second: Call = Box::pin(f.cache.get(now));
        assert_eq!(poll_once(&mut first), None);
        assert_eq!(poll_once(&mut second), None, "no credentials yet: it waits");
        drop(first);
        f.provider.gate.open();
        assert_eq!(poll_once(&mut second).as_deref(), Some("AK0"));
        assert_eq!(f.calls(), 1, "the waiter finished the one refresh");
    }
}
