//! Running credential providers with std and ureq, behind a single-flight cache.

use std::fmt;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use lambda_proto::credentials::{
    retry_delay, Action, CacheLookup, Credentials, CredentialsCache, CredentialsError,
    CredentialsSource, Provider, SourceKind, StandardRetries, TimeoutHint, TransportFailure,
};
use time::OffsetDateTime;

use crate::runtime::{RandomSource, Sleeper};
use crate::transport::{Http, Timeouts};

/// Largest answer of a credentials endpoint read.
const MAX_ANSWER: u64 = 1024 * 1024;
/// Timeouts of provider requests without a hint (STS, SSO portal).
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// Where the current time comes from (a test can fake it).
#[derive(Clone)]
pub(crate) struct Clock(pub(crate) Arc<dyn Fn() -> OffsetDateTime + Send + Sync>);

impl Clock {
    pub(crate) fn now(&self) -> OffsetDateTime {
        (self.0)()
    }
}

impl fmt::Debug for Clock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Clock")
    }
}

/// Credentials from a [`CredentialsSource`], cached until 5 minutes before they expire.
///
/// Many threads asking at once while the cache is empty or expired cause one fetch: the
/// others wait for it (a `Mutex` and a `Condvar`). While credentials are still valid but
/// due for refresh, one thread refreshes and the others go on with the current ones.
pub(crate) struct CachedCredentials {
    source: CredentialsSource,
    state: Mutex<CredentialsCache>,
    refreshed: Condvar,
    io: ProviderIo,
}

/// What running a provider needs: HTTP, the clock, and for retried requests a sleeper and
/// the jitter.
#[derive(Clone)]
pub(crate) struct ProviderIo {
    pub(crate) transport: Http,
    pub(crate) clock: Clock,
    pub(crate) sleeper: Arc<dyn Sleeper>,
    pub(crate) random: Arc<dyn RandomSource>,
}

impl fmt::Debug for CachedCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CachedCredentials")
            .field("source", &self.source.description())
            .field("cache", &*self.lock())
            .finish()
    }
}

/// Clears the refreshing flag if the refresher unwinds, so waiters do not hang.
struct RefreshGuard<'a> {
    owner: &'a CachedCredentials,
    armed: bool,
}

impl Drop for RefreshGuard<'_> {
    fn drop(&mut self) {
        if self.armed {
            self.owner.lock().abandon();
            self.owner.refreshed.notify_all();
        }
    }
}

impl CachedCredentials {
    /// Credentials from `source`, fetched with `transport` when needed.
    pub(crate) fn new(source: CredentialsSource, io: ProviderIo) -> Self {
        let now = io.clock.now();
        let cache = match source.static_credentials() {
            Some(c) if c.expiry().is_none() => CredentialsCache::with_credentials(c.clone(), now),
            // The metadata endpoints of instances and containers get static stability.
            _ => CredentialsCache::new().with_static_stability(matches!(
                source.kind(),
                SourceKind::Imds | SourceKind::Container
            )),
        };
        CachedCredentials {
            source,
            state: Mutex::new(cache),
            refreshed: Condvar::new(),
            io,
        }
    }

    fn lock(&self) -> MutexGuard<'_, CredentialsCache> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The source the credentials come from.
    pub(crate) fn source(&self) -> &CredentialsSource {
        &self.source
    }

    /// Valid credentials, fetching them first if needed.
    pub(crate) fn get(&self) -> Result<Credentials, CredentialsError> {
        let mut cache = self.lock();
        loop {
            match cache.lookup(self.io.clock.now()) {
                CacheLookup::Fresh(c) => return Ok(c),
                CacheLookup::Wait => {
                    cache = self
                        .refreshed
                        .wait(cache)
                        .unwrap_or_else(PoisonError::into_inner);
                }
                CacheLookup::Refresh => {
                    drop(cache);
                    let mut guard = RefreshGuard {
                        owner: self,
                        armed: true,
                    };
                    let span =
                        tracing::debug_span!("credentials", source = self.source.description());
                    let result = span.in_scope(|| {
                        tracing::debug!("refreshing credentials");
                        run_provider(self.source.provider(), &self.io)
                    });
                    guard.armed = false;
                    let now = self.io.clock.now();
                    let jitter = self.io.random.next_f64();
                    let result =
                        span.in_scope(|| self.lock().complete_with_jitter(result, now, jitter));
                    self.refreshed.notify_all();
                    return result;
                }
            }
        }
    }
}

/// Runs `provider` to the end: HTTP with `transport`, files with `std::fs`, processes
/// through the platform shell.
pub(crate) fn run_provider(
    mut provider: Provider,
    io: &ProviderIo,
) -> Result<Credentials, CredentialsError> {
    loop {
        match provider.next(io.clock.now()) {
            Action::Done(result) => return result,
            Action::Http(request) => {
                let timeout = request
                    .extensions()
                    .get::<TimeoutHint>()
                    .map_or(DEFAULT_TIMEOUT, |h| h.0);
                let timeouts = Timeouts {
                    connect: Some(timeout),
                    read: Some(timeout),
                    body: Some(timeout),
                };
                let retried = request.extensions().get::<StandardRetries>().is_some();
                let mut attempt = 1;
                let result = loop {
                    let result = io
                        .transport
                        .send(
                            request.clone().map(bytes::Bytes::from),
                            timeouts,
                            MAX_ANSWER,
                        )
                        .map_err(|e| TransportFailure::new(e.kind(), e.to_string()));
                    let delay = retried
                        .then(|| retry_delay(&result, attempt, io.random.next_f64()))
                        .flatten();
                    match delay {
                        Some(delay) => {
                            tracing::debug!(attempt, ?delay, "retrying a credentials request");
                            io.sleeper.sleep(delay);
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
            Action::RunProcess(command) => {
                provider.on_process(lambda_env::run_process(command.as_str()).map_err(|e| e.kind()))
            }
        }
    }
}
