//! Where the client gets its credentials, and the cache in front of the source.

use futures_util::future::BoxFuture;
use futures_util::lock::Mutex;
use lambda_proto::credentials::Credentials;
use time::OffsetDateTime;

use crate::transport::BoxError;

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

/// The cache: one lookup at a time, shared by all clones of a client.
pub(crate) struct CredentialsCache {
    source: Box<dyn ProvideCredentials>,
    cached: Mutex<Option<Credentials>>,
}

impl CredentialsCache {
    pub(crate) fn new(source: Box<dyn ProvideCredentials>) -> Self {
        CredentialsCache {
            source,
            cached: Mutex::new(None),
        }
    }

    /// Cached credentials, or fresh ones when there are none or they expire soon.
    pub(crate) async fn get(&self, now: OffsetDateTime) -> Result<Credentials, BoxError> {
        let mut cached = self.cached.lock().await;
        if let Some(creds) = cached.as_ref() {
            let fresh = creds
                .expiry()
                .map_or(true, |expiry| expiry - REFRESH_BEFORE_EXPIRY > now);
            if fresh {
                return Ok(creds.clone());
            }
        }
        let creds = self.source.provide().await?;
        *cached = Some(creds.clone());
        Ok(creds)
    }
}

impl std::fmt::Debug for CredentialsCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CredentialsCache").finish_non_exhaustive()
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
