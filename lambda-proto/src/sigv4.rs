//! AWS Signature Version 4 (SigV4) signing of `http::Request`s, sans IO.
//!
//! The algorithm is described in
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv.html>. Every stage is a
//! public function so it can be checked on its own:
//!
//! 1. [`canonical_request`] (built from [`canonical_uri`], [`canonical_query_string`],
//!    [`canonical_header_value`] and [`payload_hash`]),
//! 2. [`string_to_sign`] (with [`amz_date`] and [`credential_scope`]),
//! 3. [`signing_key`] (the HMAC chain; [`Signer`] caches its result per day),
//! 4. [`signature`] and [`authorization_header`].
//!
//! [`Signer::sign`] runs them all and adds the `host`, `x-amz-date`, `x-amz-security-token`
//! and `authorization` headers; [`Signer::presign`] puts the signature in the query string
//! instead (a presigned URL).
//!
//! The rules implemented are those for services other than S3, which is what Lambda is: the
//! request path is normalized (`.` and `..` segments removed, repeated slashes merged) and
//! each path segment is URI-encoded *again*, so `%3A` on the wire becomes `%253A` in the
//! canonical request.
//!
//! Nothing here reads a clock: the signing time is part of [`SigningParams`].
//!
//! ```
//! use lambda_proto::credentials::Credentials;
//! use lambda_proto::sigv4::{Signer, SigningParams};
//! use time::macros::datetime;
//!
//! let creds = Credentials::new("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", None, None);
//! let signer = Signer::new();
//! let mut request = http::Request::get("https://lambda.us-east-1.amazonaws.com/2015-03-31/functions/")
//!     .body(Vec::new())
//!     .unwrap();
//! let params = SigningParams::new(&creds, "us-east-1", "lambda", datetime!(2024-01-02 03:04:05 UTC));
//! signer.sign(&mut request, &params)?;
//! assert_eq!(request.headers()["x-amz-date"], "20240102T030405Z");
//! assert_eq!(request.headers()["host"], "lambda.us-east-1.amazonaws.com");
//! assert!(request.headers()["authorization"]
//!     .to_str()?
//!     .starts_with("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240102/us-east-1/lambda/aws4_request, "));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod canonical;
mod crypto;
#[cfg(test)]
mod tests;

use std::fmt;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use http::header::{HeaderName, HeaderValue, AUTHORIZATION, HOST};
use http::uri::PathAndQuery;
use time::OffsetDateTime;

use crate::credentials::Credentials;

pub use canonical::{
    canonical_header_value, canonical_query_string, canonical_request, canonical_uri, payload_hash,
    CanonicalRequest, UNSIGNED_HEADERS,
};
pub use crypto::{
    amz_date, authorization_header, credential_scope, signature, signing_key, string_to_sign,
    Signature, SigningKey,
};

/// The algorithm name that starts the string to sign and the `Authorization` header.
pub const ALGORITHM: &str = "AWS4-HMAC-SHA256";

/// The longest validity of a presigned request that AWS accepts: 7 days.
pub const MAX_PRESIGN_EXPIRY: Duration = Duration::from_secs(7 * 24 * 60 * 60);

const X_AMZ_DATE: HeaderName = HeaderName::from_static("x-amz-date");
const X_AMZ_SECURITY_TOKEN: HeaderName = HeaderName::from_static("x-amz-security-token");
const X_AMZ_CONTENT_SHA256: HeaderName = HeaderName::from_static("x-amz-content-sha256");

/// How many derived signing keys a [`Signer`] keeps.
const KEY_CACHE_CAPACITY: usize = 8;

/// What a signature is made with: credentials, scope (region and service) and time.
#[derive(Clone, Copy, Debug)]
pub struct SigningParams<'a> {
    /// The credentials to sign with.
    pub credentials: &'a Credentials,
    /// The region of the endpoint, e.g. `us-east-1`.
    pub region: &'a str,
    /// The signing name of the service, e.g. `lambda`.
    pub service: &'a str,
    /// The signing time (converted to UTC). AWS rejects requests more than 5 minutes off.
    pub time: OffsetDateTime,
    /// Less common choices; the default suits Lambda.
    pub settings: SigningSettings,
}

impl<'a> SigningParams<'a> {
    /// Parameters with the default [`SigningSettings`].
    pub fn new(
        credentials: &'a Credentials,
        region: &'a str,
        service: &'a str,
        time: OffsetDateTime,
    ) -> Self {
        Self {
            credentials,
            region,
            service,
            time,
            settings: SigningSettings::default(),
        }
    }
}

/// Optional signing behaviour. The default (no `x-amz-content-sha256`, session token signed)
/// is what Lambda expects.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct SigningSettings {
    /// Add and sign an `x-amz-content-sha256` header holding the payload hash (header signing
    /// only). S3 requires it; most services, Lambda included, do not.
    pub content_sha256_header: bool,
    /// Whether the session token is signed or only attached after signing.
    pub session_token: SessionTokenMode,
}

/// Whether the session token (`X-Amz-Security-Token`) is part of what is signed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SessionTokenMode {
    /// The token is added before signing and signed (what almost every service expects).
    #[default]
    Signed,
    /// The token is added after signing and not signed.
    Unsigned,
}

/// Where the signature goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignatureLocation {
    /// In the `Authorization` header, with `x-amz-date` (and the session token) as headers.
    Headers,
    /// In the query string (a presigned URL), valid for `expires_in` (whole seconds,
    /// 1 second to [`MAX_PRESIGN_EXPIRY`]).
    QueryString {
        /// How long the presigned request stays valid.
        expires_in: Duration,
    },
}

/// Why a request could not be signed.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SigningError {
    /// The request has no `Host` header and its URI has no host to take one from.
    MissingHost,
    /// A header that would be signed breaks a rule.
    InvalidHeaderValue {
        /// The header's (lowercase) name.
        name: String,
        /// The rule it breaks.
        rule: &'static str,
    },
    /// A signing parameter (credentials, region, service, time, expiry) breaks a rule.
    InvalidParam {
        /// Which parameter.
        field: &'static str,
        /// The rule it breaks.
        rule: &'static str,
    },
    /// The presigned URI could not be built.
    InvalidUri {
        /// The rule it breaks.
        rule: &'static str,
    },
}

impl fmt::Display for SigningError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::MissingHost => {
                f.write_str("cannot sign: no Host header and no host in the request URI")
            }
            Self::InvalidHeaderValue { name, rule } => {
                write!(f, "cannot sign header `{name}`: {rule}")
            }
            Self::InvalidParam { field, rule } => write!(f, "cannot sign: {field} {rule}"),
            Self::InvalidUri { rule } => write!(f, "cannot presign: the URI {rule}"),
        }
    }
}

impl std::error::Error for SigningError {}

/// Signs requests, caching derived signing keys.
///
/// Deriving the signing key takes four HMACs; the key only changes with the secret, the UTC
/// date, the region and the service, so the signer keeps the last few it derived. The cache
/// sits behind a `Mutex`: one `Signer` can be shared by reference between threads.
///
/// `Debug` shows only how many keys are cached, never a key.
pub struct Signer {
    cache: Mutex<Vec<CachedKey>>,
}

struct CachedKey {
    /// The secret the key was derived from: comparing it is cheaper than any digest of it.
    secret: String,
    date: String,
    region: String,
    service: String,
    key: SigningKey,
}

impl Default for Signer {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for Signer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Signer")
            .field("cached_keys", &self.cached_keys())
            .finish()
    }
}

impl Signer {
    /// A signer with an empty key cache.
    pub fn new() -> Self {
        Self {
            cache: Mutex::new(Vec::with_capacity(KEY_CACHE_CAPACITY)),
        }
    }

    /// Signs `request` in place with the signature in the `Authorization` header.
    ///
    /// Adds `host` (from the URI when the request has no `Host` header), `x-amz-date`,
    /// `x-amz-security-token` (when the credentials have a session token) and
    /// `authorization`, replacing any earlier `authorization`, `x-amz-date` and
    /// `x-amz-security-token`. The payload hash is computed from the body. On error the
    /// request is left unchanged.
    pub fn sign<B: AsRef<[u8]>>(
        &self,
        request: &mut http::Request<B>,
        params: &SigningParams<'_>,
    ) -> Result<(), SigningError> {
        let prepared = canonical::prepare(request, params, SignatureLocation::Headers)?;
        let signature = self.sign_prepared(&prepared, params);
        let authorization = authorization_header(
            params.credentials.access_key_id(),
            &prepared.scope,
            prepared.creq.signed_headers(),
            &signature,
        );

        // Build every value first so that an error leaves the request untouched.
        let host = prepared.host.as_deref().map(header_value).transpose()?;
        let date = header_value(&prepared.amz_date)?;
        let token = params
            .credentials
            .session_token()
            .map(header_value)
            .transpose()?
            .map(sensitive);
        let content_sha256 = if params.settings.content_sha256_header {
            Some(header_value(prepared.creq.payload_hash())?)
        } else {
            None
        };
        let authorization = sensitive(header_value(&authorization)?);

        let headers = request.headers_mut();
        headers.remove(AUTHORIZATION);
        headers.remove(X_AMZ_DATE);
        headers.remove(X_AMZ_SECURITY_TOKEN);
        if let Some(host) = host {
            headers.insert(HOST, host);
        }
        headers.insert(X_AMZ_DATE, date);
        if let Some(token) = token {
            headers.insert(X_AMZ_SECURITY_TOKEN, token);
        }
        if let Some(hash) = content_sha256 {
            headers.insert(X_AMZ_CONTENT_SHA256, hash);
        }
        headers.insert(AUTHORIZATION, authorization);
        Ok(())
    }

    /// Presigns `request` in place: the signature and its parameters (`X-Amz-Algorithm`,
    /// `X-Amz-Credential`, `X-Amz-Date`, `X-Amz-SignedHeaders`, `X-Amz-Expires`,
    /// `X-Amz-Security-Token`, `X-Amz-Signature`) are appended to the query string, valid for
    /// `expires_in` (whole seconds, 1 second to [`MAX_PRESIGN_EXPIRY`]).
    ///
    /// A `host` header is added as for [`Signer::sign`]; other headers stay as they are and
    /// those present are signed. On error the request is left unchanged.
    ///
    /// The signature below is the one the public SigV4 test suite gives for this request
    /// (case `get-vanilla`).
    ///
    /// ```
    /// use std::time::Duration;
    /// use lambda_proto::credentials::Credentials;
    /// use lambda_proto::sigv4::{Signer, SigningParams};
    /// use time::macros::datetime;
    ///
    /// let creds = Credentials::new("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", None, None);
    /// let params = SigningParams::new(&creds, "us-east-1", "service", datetime!(2015-08-30 12:36:00 UTC));
    /// let mut request = http::Request::get("https://example.amazonaws.com/").body(Vec::new())?;
    /// Signer::new().presign(&mut request, &params, Duration::from_secs(3600))?;
    /// assert_eq!(
    ///     request.uri().query(),
    ///     Some("X-Amz-Algorithm=AWS4-HMAC-SHA256\
    ///           &X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fus-east-1%2Fservice%2Faws4_request\
    ///           &X-Amz-Date=20150830T123600Z&X-Amz-SignedHeaders=host&X-Amz-Expires=3600\
    ///           &X-Amz-Signature=e93c787ed7f371d5c6b165c1b38ede9550f4dce4144713e844b25b7192d3865d")
    /// );
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn presign<B: AsRef<[u8]>>(
        &self,
        request: &mut http::Request<B>,
        params: &SigningParams<'_>,
        expires_in: Duration,
    ) -> Result<(), SigningError> {
        let location = SignatureLocation::QueryString { expires_in };
        let prepared = canonical::prepare(request, params, location)?;
        let signature = self.sign_prepared(&prepared, params);

        let uri = request.uri();
        let mut path_and_query =
            String::with_capacity(uri.path().len() + uri.query().map_or(0, str::len) + 1024);
        path_and_query.push_str(uri.path());
        path_and_query.push('?');
        if let Some(query) = uri.query().filter(|q| !q.is_empty()) {
            path_and_query.push_str(query);
            path_and_query.push('&');
        }
        for (name, value) in &prepared.query_params {
            path_and_query.push_str(name);
            path_and_query.push('=');
            canonical::uri_encode_into(&mut path_and_query, value.as_bytes());
            path_and_query.push('&');
        }
        path_and_query.push_str("X-Amz-Signature=");
        path_and_query.push_str(signature.as_str());

        let path_and_query =
            PathAndQuery::try_from(path_and_query).map_err(|_| SigningError::InvalidUri {
                rule: "would be too long with the signature added",
            })?;
        let mut parts = uri.clone().into_parts();
        parts.path_and_query = Some(path_and_query);
        let new_uri = http::Uri::from_parts(parts).map_err(|_| SigningError::InvalidUri {
            rule: "could not be rebuilt with the signature added",
        })?;
        let host = prepared.host.as_deref().map(header_value).transpose()?;

        *request.uri_mut() = new_uri;
        if let Some(host) = host {
            request.headers_mut().insert(HOST, host);
        }
        Ok(())
    }

    /// The signing key for `params` (secret, UTC date, region, service), from the cache when
    /// it was derived before.
    pub fn signing_key(&self, params: &SigningParams<'_>) -> Result<SigningKey, SigningError> {
        let amz = amz_date(params.time)?;
        let date = amz.get(..8).unwrap_or_default();
        Ok(self.cached_key(params, date))
    }

    /// How many derived keys are cached (at most 8; the oldest is dropped first).
    pub fn cached_keys(&self) -> usize {
        self.lock().len()
    }

    fn sign_prepared(
        &self,
        prepared: &canonical::Prepared,
        params: &SigningParams<'_>,
    ) -> Signature {
        let sts = string_to_sign(&prepared.amz_date, &prepared.scope, prepared.creq.as_str());
        let date = prepared.amz_date.get(..8).unwrap_or_default();
        let key = self.cached_key(params, date);
        signature(&key, &sts)
    }

    fn cached_key(&self, params: &SigningParams<'_>, date: &str) -> SigningKey {
        let secret = params.credentials.secret_access_key();
        let matches = |e: &CachedKey| {
            e.secret == secret
                && e.date == date
                && e.region == params.region
                && e.service == params.service
        };
        if let Some(entry) = self.lock().iter().rev().find(|e| matches(e)) {
            return entry.key.clone();
        }
        // Derive outside the lock; another thread may do the same work, which is harmless.
        let key = signing_key(secret, date, params.region, params.service);
        let mut cache = self.lock();
        if !cache.iter().any(matches) {
            if cache.len() >= KEY_CACHE_CAPACITY {
                cache.remove(0);
            }
            cache.push(CachedKey {
                secret: secret.to_owned(),
                date: date.to_owned(),
                region: params.region.to_owned(),
                service: params.service.to_owned(),
                key: key.clone(),
            });
        }
        key
    }

    fn lock(&self) -> MutexGuard<'_, Vec<CachedKey>> {
        // The cache holds no invariant a panic could break: keep using it.
        self.cache.lock().unwrap_or_else(|e| e.into_inner())
    }
}

fn header_value(s: &str) -> Result<HeaderValue, SigningError> {
    HeaderValue::from_str(s).map_err(|_| SigningError::InvalidParam {
        field: "signing output",
        rule: "must be a valid header value",
    })
}

fn sensitive(mut value: HeaderValue) -> HeaderValue {
    value.set_sensitive(true);
    value
}
