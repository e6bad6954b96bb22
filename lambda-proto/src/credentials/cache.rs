//! A sans-IO credentials cache with single-flight refresh.

use std::time::Duration;

use time::OffsetDateTime;

use super::error::CredentialsError;
use super::Credentials;

/// How long before expiry credentials are refreshed: 5 minutes.
pub const DEFAULT_REFRESH_WINDOW: Duration = Duration::from_secs(5 * 60);

/// After a failed refresh, how long still-valid credentials are used before the next try.
pub const RETRY_AFTER_FAILURE: Duration = Duration::from_secs(30);

/// With static stability, how long expired credentials are kept when a refresh fails or
/// gives expired ones: 5 minutes plus up to 10 more at random (5-15 minutes, as the AWS
/// SDKs do for the instance metadata service).
pub const STALE_EXTENSION: (Duration, Duration) =
    (Duration::from_secs(5 * 60), Duration::from_secs(10 * 60));

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
    static_stability: bool,
    /// Until when stale credentials are used (static stability), if they are.
    stale_until: Option<OffsetDateTime>,
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
            static_stability: false,
            stale_until: None,
        }
    }

    /// Keeps serving the last credentials, even expired, for a randomized 5-15 minutes
    /// (see [`STALE_EXTENSION`]) when a refresh fails or gives already expired credentials,
    /// and refreshes at most once per such window: what the AWS SDKs do for the instance
    /// metadata service and the container endpoint, so an outage of the endpoint does not
    /// stop the application (the service decides whether it still accepts them).
    ///
    /// ```
    /// use lambda_proto::credentials::{CacheLookup, Credentials, CredentialsCache};
    /// use time::macros::datetime;
    ///
    /// let mut cache = CredentialsCache::new().with_static_stability(true);
    /// let now = datetime!(2024-01-01 12:00 UTC);
    /// let expired = Credentials::new("AKID", "secret", None, Some(now - time::Duration::hours(1)));
    /// assert_eq!(cache.lookup(now), CacheLookup::Refresh);
    /// assert_eq!(cache.complete_with_jitter(Ok(expired.clone()), now, 0.0), Ok(expired.clone()));
    /// assert_eq!(cache.stale_until(), Some(now + time::Duration::minutes(5)));
    /// // No new fetch for the 5 minutes that follow.
    /// let later = now + time::Duration::minutes(4);
    /// assert_eq!(cache.lookup(later), CacheLookup::Fresh(expired));
    /// ```
    pub fn with_static_stability(mut self, on: bool) -> Self {
        self.static_stability = on;
        self
    }

    /// While stale credentials are served (static stability), until when: a driver logs a
    /// warning when a completion sets it.
    pub fn stale_until(&self) -> Option<OffsetDateTime> {
        self.stale_until
    }

    /// A cache holding `creds` (e.g. static credentials given by the user).
    pub fn with_credentials(creds: Credentials, now: OffsetDateTime) -> Self {
        let mut cache = Self::new();
        cache.store(creds, now);
        cache
    }

    /// What the caller should do at `now`; see [`CacheLookup`].
    pub fn lookup(&mut self, now: OffsetDateTime) -> CacheLookup {
        let stale_until = self.stale_until;
        let usable = self.current.as_ref().filter(|c| match stale_until {
            Some(until) => now < until,
            None => c.expiry().map_or(true, |at| now < at),
        });
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
        self.complete_with_jitter(result, now, 0.5)
    }

    /// As [`complete`](Self::complete); with static stability, `random` (in `[0, 1)`) picks
    /// how long stale credentials are kept within [`STALE_EXTENSION`].
    pub fn complete_with_jitter(
        &mut self,
        result: Result<Credentials, CredentialsError>,
        now: OffsetDateTime,
        random: f64,
    ) -> Result<Credentials, CredentialsError> {
        self.refreshing = false;
        let expired = |c: &Credentials| c.expiry().is_some_and(|at| at <= now);
        match result {
            Ok(creds) if self.static_stability && expired(&creds) => {
                tracing::warn!(
                    expired_at = ?creds.expiry(),
                    "the credentials source gave expired credentials"
                );
                Ok(self.keep_stale(creds, now, random))
            }
            Ok(creds) => {
                tracing::debug!(expiry = ?creds.expiry(), "credentials refreshed");
                self.store(creds.clone(), now);
                Ok(creds)
            }
            Err(e) if self.static_stability && self.current.as_ref().is_some_and(expired) => {
                tracing::warn!(error = %e, "refreshing credentials failed");
                let creds = self.current.take().expect("checked above");
                Ok(self.keep_stale(creds, now, random))
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
        self.stale_until = None;
    }

    /// The credentials held, if any (possibly expired).
    pub fn current(&self) -> Option<&Credentials> {
        self.current.as_ref()
    }

    /// Whether a refresh is running.
    pub fn is_refreshing(&self) -> bool {
        self.refreshing
    }

    fn keep_stale(&mut self, creds: Credentials, now: OffsetDateTime, random: f64) -> Credentials {
        let (base, spread) = STALE_EXTENSION;
        let extra = spread.mul_f64(random.clamp(0.0, 1.0));
        let until = now + time::Duration::try_from(base + extra).unwrap_or(time::Duration::ZERO);
        tracing::warn!(
            until = %until,
            "using expired credentials until the source can be reached again (static stability)"
        );
        self.stale_until = Some(until);
        self.refresh_at = Some(until);
        self.current = Some(creds.clone());
        creds
    }

    fn store(&mut self, creds: Credentials, now: OffsetDateTime) {
        self.stale_until = None;
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
