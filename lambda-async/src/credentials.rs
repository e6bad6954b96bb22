//! Where the client gets its credentials, and the cache in front of the source.

use std::sync::Arc;
use std::time::Duration;

use futures_util::future::BoxFuture;
use futures_util::lock::Mutex;
use lambda_proto::credentials::{
    Action, CacheLookup, Credentials, CredentialsError, CredentialsErrorKind, CredentialsSource,
    TimeoutHint, TransportFailure,
};
use lambda_proto::error::TransportErrorKind;
use time::OffsetDateTime;

use crate::client::collect;
use crate::rt::{self, Clock, Sleep};
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

/// The cache: one refresh at a time, shared by all clones of a client.
///
/// The timing (refresh 5 minutes before expiry, still-valid credentials kept when a refresh
/// fails) is [`lambda_proto::credentials::CredentialsCache`]'s; an async lock held across
/// the refresh makes concurrent callers wait for one lookup instead of starting their own.
pub(crate) struct CredentialsCache {
    source: Box<dyn ProvideCredentials>,
    cached: Mutex<lambda_proto::credentials::CredentialsCache>,
}

impl CredentialsCache {
    pub(crate) fn new(source: Box<dyn ProvideCredentials>) -> Self {
        CredentialsCache {
            source,
            cached: Mutex::new(lambda_proto::credentials::CredentialsCache::new()),
        }
    }

    /// Cached credentials, or fresh ones when there are none or they expire soon.
    pub(crate) async fn get(&self, now: OffsetDateTime) -> Result<Credentials, CredentialsError> {
        let mut cache = self.cached.lock().await;
        match cache.lookup(now) {
            CacheLookup::Fresh(creds) => return Ok(creds),
            CacheLookup::Refresh => {}
            CacheLookup::Wait => {
                // A refresher was cancelled while holding the lock: take over.
                cache.abandon();
                if let CacheLookup::Fresh(creds) = cache.lookup(now) {
                    return Ok(creds);
                }
            }
        }
        let result = self.source.provide().await.map_err(into_credentials_error);
        cache.complete(result, now)
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
}

impl SourceProvider {
    async fn exchange(
        &self,
        request: http::Request<Vec<u8>>,
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
                        let result = self.exchange(request).await;
                        provider.on_http(result);
                    }
                    Action::ReadFile(path) => {
                        provider.on_file(lambda_env::read_file(&path).map_err(|e| e.kind()))
                    }
                    Action::RunProcess(command) => {
                        provider.on_process(lambda_env::run_process(&command).map_err(|e| e.kind()))
                    }
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    struct Counting {
        calls: Arc<AtomicUsize>,
        expiry: Option<OffsetDateTime>,
    }

    impl ProvideCredentials for Counting {
        fn provide(&self) -> BoxFuture<'_, Result<Credentials, BoxError>> {
            let n = self.calls.fetch_add(1, Ordering::SeqCst);
            let expiry = self.expiry;
            Box::pin(async move { Ok(Credentials::new(format!("AK{n}"), "s", None, expiry)) })
        }
    }

    #[test]
    fn cached_until_five_minutes_before_expiry() {
        let t0 = time::macros::datetime!(2024-01-01 0:00 UTC);
        let calls = Arc::new(AtomicUsize::new(0));
        let cache = CredentialsCache::new(Box::new(Counting {
            calls: calls.clone(),
            expiry: Some(t0 + time::Duration::minutes(10)),
        }));
        let get = |now| futures_executor::block_on(cache.get(now)).unwrap();
        assert_eq!(get(t0).access_key_id(), "AK0");
        assert_eq!(get(t0 + time::Duration::minutes(4)).access_key_id(), "AK0");
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        // Inside the refresh window: looked up again.
        assert_eq!(get(t0 + time::Duration::minutes(6)).access_key_id(), "AK1");
        assert_eq!(calls.load(Ordering::SeqCst), 2);
    }

    #[test]
    fn without_expiry_looked_up_once() {
        let calls = Arc::new(AtomicUsize::new(0));
        let cache = CredentialsCache::new(Box::new(Counting {
            calls: calls.clone(),
            expiry: None,
        }));
        let now = time::macros::datetime!(2030-01-01 0:00 UTC);
        for _ in 0..5 {
            futures_executor::block_on(cache.get(now)).unwrap();
        }
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }
}
