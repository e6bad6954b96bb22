//! A sans-IO credentials cache with single-flight refresh.

use std::time::Duration;

use time::OffsetDateTime;

use super::error::CredentialsError;
use super::Credentials;

/// How long before expiry credentials are refreshed: 5 minutes.
pub const DEFAULT_REFRESH_WINDOW: Duration = Duration::from_secs(5 * 60);

/// After a failed refresh, how long still-valid credentials are used before the next try.
pub const RETRY_AFTER_FAILURE: Duration = Duration::from_secs(30);

/// What a caller of [`CredentialsCache::lookup`] should do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CacheLookup {
    /// Use these credentials.
    Fresh(Credentials),
    /// This caller is now the one refresher: run the provider and pass its result to
    /// [`CredentialsCache::complete`] (or call [`CredentialsCache::abandon`] if it gives
    /// up), then wake the waiters.
    Refresh,
    /// Another caller is refreshing and there are no usable credentials: wait until it
    /// completes, then look up again.
    Wait,
}

/// The current credentials, when to refresh them, and whether a refresh is running.
///
/// Credentials without an expiry (static keys) never need refreshing. Others are
/// refreshed [`DEFAULT_REFRESH_WINDOW`] before they expire (or half-way through their
/// life, if that is shorter). While one caller refreshes, the others keep using the
/// current credentials as long as they have not expired, and wait otherwise, so many
/// concurrent callers trigger one refresh. A failed refresh does not fail callers while the
/// current credentials are still valid (see [`CredentialsCache::complete`]).
///
/// Drivers keep the cache behind a lock: the blocking driver a `Mutex` with a `Condvar`
/// (waiters wait on the condvar, the refresher notifies all after `complete`); an async
/// driver an async mutex or a notification primitive, the same way. The provider is run
/// *outside* the lock.
///
/// ```
/// use lambda_proto::credentials::{CacheLookup, Credentials, CredentialsCache};
/// use time::macros::datetime;
///
/// let mut cache = CredentialsCache::new();
/// let t0 = datetime!(2024-01-01 12:00 UTC);
/// assert_eq!(cache.lookup(t0), CacheLookup::Refresh);
/// assert_eq!(cache.lookup(t0), CacheLookup::Wait); // a second caller waits
/// let creds = Credentials::new("AKID", "secret", None, Some(datetime!(2024-01-01 13:00 UTC)));
/// cache.complete(Ok(creds.clone()), t0).unwrap();
/// assert_eq!(cache.lookup(t0), CacheLookup::Fresh(creds.clone()));
/// // Within 5 minutes of expiry: one caller refreshes, the others go on with the old ones.
/// let late = datetime!(2024-01-01 12:56 UTC);
/// assert_eq!(cache.lookup(late), CacheLookup::Refresh);
/// assert_eq!(cache.lookup(late), CacheLookup::Fresh(creds));
/// ```
#[derive(Debug)]
pub struct CredentialsCache {
    current: Option<Credentials>,
    refresh_at: Option<OffsetDateTime>,
    refreshing: bool,
    window: Duration,
}

impl Default for CredentialsCache {
    fn default() -> Self {
        Self::new()
    }
}

impl CredentialsCache {
    /// An empty cache with the default refresh window.
    pub fn new() -> Self {
        Self::with_refresh_window(DEFAULT_REFRESH_WINDOW)
    }

    /// An empty cache refreshing `window` before expiry.
    pub fn with_refresh_window(window: Duration) -> Self {
        CredentialsCache {
            current: None,
            refresh_at: None,
            refreshing: false,
            window,
        }
    }

    /// A cache holding `creds` (e.g. static credentials given by the user).
    pub fn with_credentials(creds: Credentials, now: OffsetDateTime) -> Self {
        let mut cache = Self::new();
        cache.store(creds, now);
        cache
    }

    /// What the caller should do at `now`; see [`CacheLookup`].
    pub fn lookup(&mut self, now: OffsetDateTime) -> CacheLookup {
        let usable = self
            .current
            .as_ref()
            .filter(|c| c.expiry().map_or(true, |at| now < at));
        let due = self.refresh_at.is_some_and(|at| now >= at);
        match usable {
            Some(c) if !due || self.refreshing => CacheLookup::Fresh(c.clone()),
            _ if self.refreshing => CacheLookup::Wait,
            _ => {
                self.refreshing = true;
                CacheLookup::Refresh
            }
        }
    }

    /// Ends the refresh started by a [`CacheLookup::Refresh`] and returns the credentials
    /// to use: the new ones (obtained at about `now`), kept until their refresh time.
    ///
    /// When the refresh failed but the current credentials are still valid at `now`, they
    /// are returned instead of the error and the next refresh is tried after
    /// [`RETRY_AFTER_FAILURE`] (or half their remaining life, if shorter); otherwise the
    /// error is returned.
    pub fn complete(
        &mut self,
        result: Result<Credentials, CredentialsError>,
        now: OffsetDateTime,
    ) -> Result<Credentials, CredentialsError> {
        self.refreshing = false;
        match result {
            Ok(creds) => {
                self.store(creds.clone(), now);
                Ok(creds)
            }
            Err(e) => {
                let still_valid = self.current.as_ref().and_then(|c| match c.expiry() {
                    Some(at) if now < at => Some((c.clone(), at)),
                    _ => None,
                });
                match still_valid {
                    Some((creds, expiry)) => {
                        let retry = time::Duration::try_from(RETRY_AFTER_FAILURE)
                            .unwrap_or(time::Duration::MAX)
                            .min((expiry - now) / 2);
                        self.refresh_at = Some(now + retry);
                        Ok(creds)
                    }
                    None => Err(e),
                }
            }
        }
    }

    /// Ends a refresh without a result (the refresher was cancelled), so that the next
    /// lookup starts another one.
    pub fn abandon(&mut self) {
        self.refreshing = false;
    }

    /// Forgets the current credentials (e.g. after the service rejected them as expired).
    pub fn invalidate(&mut self) {
        self.current = None;
        self.refresh_at = None;
    }

    /// The credentials held, if any (possibly expired).
    pub fn current(&self) -> Option<&Credentials> {
        self.current.as_ref()
    }

    /// Whether a refresh is running.
    pub fn is_refreshing(&self) -> bool {
        self.refreshing
    }

    fn store(&mut self, creds: Credentials, now: OffsetDateTime) {
        self.refresh_at = creds.expiry().map(|expiry| {
            let life = expiry - now;
            let window = time::Duration::try_from(self.window).unwrap_or(time::Duration::MAX);
            let margin = if life.is_positive() {
                window.min(life / 2)
            } else {
                time::Duration::ZERO
            };
            expiry - margin
        });
        self.current = Some(creds);
    }
}
