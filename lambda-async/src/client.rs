//! The client: shared configuration, the send loop of every operation, body limits and
//! timeouts.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use http_body_util::BodyExt;
use lambda_proto::call::{runs_function, Call, ClientConfig, Step, DEFAULT_INVOKE_TIMEOUT};
use lambda_proto::config::ConfigError;
use lambda_proto::credentials::{Credentials, CredentialsError, CredentialsSource, SourceKind};
use lambda_proto::endpoint::{Endpoint, EndpointError, EndpointParams};
use lambda_proto::error::{Error, TransportError, TransportErrorKind};
use lambda_proto::proxy::{ProxyConfig, ProxyError};
use lambda_proto::retry::RetryConfig;
use lambda_proto::Operation;
use time::OffsetDateTime;
use tracing::Instrument;

use crate::credentials::{CredentialsCache, ProvideCredentials, SourceProvider};
use crate::limit::{Limiter, Permit};
use crate::rt::{self, Clock, Random, Sleep};
use crate::transport::{error_kind, transport_error, Body, Transport};

/// Default limit of a response body read into memory: 16 MiB.
pub const DEFAULT_MAX_BODY_SIZE: usize = 16 * 1024 * 1024;
/// Default number of requests in flight at once (and so of connections to the endpoint).
pub const DEFAULT_MAX_CONCURRENCY: usize = 64;
/// Default time for one control-plane attempt (send and read the whole response).
pub const DEFAULT_READ_TIMEOUT: Duration = Duration::from_secs(60);

/// An AWS Lambda client.
///
/// Cheap to clone (an `Arc` inside) and to share between tasks: all clones share the
/// connection pool, the credentials cache, the retry quota and the learnt clock skew.
/// Every operation of [`lambda_proto::operations`] goes through [`Client::send`].
///
/// ```no_run
/// # #[cfg(feature = "tokio")]
/// # async fn example() -> Result<(), Box<dyn std::error::Error>> {
/// use lambda_async::Client;
/// use lambda_proto::operations::{GetFunction, Invoke};
///
/// let client = Client::from_env().await?;
/// let function = client.send(GetFunction::new("my-fn")).await?;
/// println!("{:?}", function.configuration.and_then(|c| c.state));
/// let answer = client.send(Invoke::new("my-fn").payload(b"{}".to_vec())).await?;
/// println!("{:?}", answer.payload);
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Client {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) config: ClientConfig,
    /// Where the monotonic clock of the adaptive rate limiter starts.
    pub(crate) origin: std::time::Instant,
    pub(crate) transport: Arc<dyn Transport>,
    pub(crate) sleep: Arc<dyn Sleep>,
    pub(crate) clock: Arc<Clock>,
    pub(crate) random: Arc<Random>,
    pub(crate) credentials: CredentialsCache,
    pub(crate) limiter: Arc<Limiter>,
    pub(crate) max_body_size: usize,
    pub(crate) read_timeout: Option<Duration>,
    pub(crate) invoke_timeout: Option<Duration>,
    pub(crate) operation_timeout: Option<Duration>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("endpoint", &self.inner.config.endpoint().url())
            .field("region", &self.inner.config.region())
            .field("max_body_size", &self.inner.max_body_size)
            .field("read_timeout", &self.inner.read_timeout)
            .field("invoke_timeout", &self.inner.invoke_timeout)
            .field("operation_timeout", &self.inner.operation_timeout)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A builder; `region`, `credentials`, and (without the `tokio` feature) `transport`
    /// and `sleep` must be given.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// The settings of the environment and the shared files, as `Client::from_env` uses
    /// them (region, credentials chain, endpoint URL, FIPS, dual-stack, retries), in a
    /// builder so more can be set. Needs no runtime: without the `tokio` feature, give it
    /// a transport and a timer before building.
    pub fn builder_from_env() -> Result<ClientBuilder, BuildError> {
        ClientBuilder::from_env()
    }

    /// The shared call configuration (endpoint, region, retry settings, clock skew).
    pub fn config(&self) -> &ClientConfig {
        &self.inner.config
    }

    /// Sends one operation: builds and validates it, signs each attempt, retries as the
    /// standard retry mode says, and parses the answer.
    ///
    /// Each attempt is bounded by the read timeout (invocations: the invoke timeout); all
    /// operations by the operation timeout, retries included. Response bodies larger
    /// than the body limit fail with [`TransportErrorKind::BodyTooLarge`]. An empty
    /// idempotency token (`ClientToken`) is filled with a random UUID, the same for all
    /// attempts of the call.
    pub async fn send<O>(&self, op: O) -> Result<O::Output, Error<O::Error>>
    where
        O: Operation + Clone + Sync,
    {
        self.send_ref(&op).await
    }

    /// As [`send`](Self::send), borrowing the operation (to send it again later).
    pub async fn send_ref<O>(&self, op: &O) -> Result<O::Output, Error<O::Error>>
    where
        O: Operation + Clone + Sync,
    {
        self.send_call(op, false).await
    }

    /// As [`send_ref`](Self::send_ref); with `throttling_is_final` a throttling error
    /// ends the call (see [`Call::throttling_is_final`]).
    pub(crate) async fn send_call<O>(
        &self,
        op: &O,
        throttling_is_final: bool,
    ) -> Result<O::Output, Error<O::Error>>
    where
        O: Operation + Clone + Sync,
    {
        let inner = &*self.inner;
        let limit = inner.operation_timeout;
        let span = tracing::debug_span!(
            "lambda",
            operation = op.name(),
            endpoint = inner.config.endpoint().authority(),
        );
        let started = std::time::Instant::now();
        let call = rt::timeout(
            &*inner.sleep,
            limit,
            self.send_unbounded(op, throttling_is_final),
        );
        let outcome = match call.instrument(span.clone()).await {
            Some(result) => result,
            None => Err(operation_timed_out(limit)),
        };
        span.in_scope(|| {
            tracing::debug!(
                elapsed_ms = started.elapsed().as_millis() as u64,
                ok = outcome.is_ok(),
                "call finished"
            )
        });
        outcome
    }

    /// The time since the client was built, the rate limiter's clock.
    pub(crate) fn monotonic(&self) -> Duration {
        self.inner.origin.elapsed()
    }

    /// Adaptive mode: waits until the rate limiter gives a token.
    pub(crate) async fn pace<O: Operation>(&self, call: &Call<'_, O>) {
        while let Some(delay) = call.send_delay(self.monotonic()) {
            self.pause(delay).await;
        }
    }

    async fn send_unbounded<O>(
        &self,
        op: &O,
        throttling_is_final: bool,
    ) -> Result<O::Output, Error<O::Error>>
    where
        O: Operation + Clone + Sync,
    {
        let inner = &*self.inner;
        let read_timeout = if runs_function(op.name()) {
            inner.invoke_timeout
        } else {
            inner.read_timeout
        };
        let mut call = Call::with_idempotency_token(&inner.config, op, self.random_bytes())?;
        if throttling_is_final {
            call = call.throttling_is_final();
        }
        loop {
            let credentials = self.credentials().await?;
            self.pace(&call).await;
            let request = call.request(&credentials, (inner.clock)())?;
            let step = match self.attempt(request, read_timeout).await {
                Ok(response) => call.on_response(response, (inner.clock)(), (inner.random)()),
                Err(err) => call.on_transport_error(err, (inner.random)()),
            };
            call.record_answer(self.monotonic());
            match step {
                Step::Done(result) => return result,
                Step::Retry { after } => {
                    tracing::debug!(delay_ms = after.as_millis() as u64, "waiting to retry");
                    self.pause(after).await
                }
            }
        }
    }

    /// 16 bytes from the random source.
    pub(crate) fn random_bytes(&self) -> [u8; 16] {
        lambda_proto::operation::random_bytes(|| (self.inner.random)())
    }

    /// Sleeps (no timer for a zero delay).
    pub(crate) async fn pause(&self, after: Duration) {
        if !after.is_zero() {
            self.inner.sleep.sleep(after).await;
        }
    }

    /// The cached credentials.
    pub(crate) async fn credentials<E>(&self) -> Result<Credentials, Error<E>> {
        let now = (self.inner.clock)();
        self.inner
            .credentials
            .get(now)
            .await
            .map_err(|e| Error::transport(TransportErrorKind::Credentials, e))
    }

    /// The current time of the client's clock.
    pub(crate) fn now(&self) -> OffsetDateTime {
        (self.inner.clock)()
    }

    /// Waits for a free request slot.
    pub(crate) async fn permit(&self) -> Permit {
        self.inner.limiter.acquire().await
    }

    /// One attempt: send, read the whole body within the limit, all within `read_timeout`.
    async fn attempt(
        &self,
        request: http::Request<bytes::Bytes>,
        read_timeout: Option<Duration>,
    ) -> Result<http::Response<Vec<u8>>, TransportError> {
        let _permit = self.permit().await;
        let inner = &*self.inner;
        let exchange = async {
            let response = inner.transport.send(request).await?;
            let (head, body) = response.into_parts();
            let bytes = collect(body, &head.headers, inner.max_body_size).await?;
            Ok(http::Response::from_parts(head, bytes))
        };
        match rt::timeout(&*inner.sleep, read_timeout, exchange).await {
            Some(result) => result,
            None => Err(read_timed_out(read_timeout)),
        }
    }
}

pub(crate) fn operation_timed_out<E>(limit: Option<Duration>) -> Error<E> {
    Error::transport(
        TransportErrorKind::Timeout,
        format!("operation timeout: no result within {limit:?}"),
    )
}

pub(crate) fn read_timed_out(limit: Option<Duration>) -> TransportError {
    transport_error(
        TransportErrorKind::Timeout,
        format!("read timeout: no complete response within {limit:?}"),
    )
}

/// Reads a whole body, failing with `BodyTooLarge` past `limit` bytes (checked against
/// `Content-Length` first, then as the bytes arrive).
pub(crate) async fn collect(
    mut body: Body,
    headers: &http::HeaderMap,
    limit: usize,
) -> Result<Vec<u8>, TransportError> {
    let declared = headers
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if let Some(len) = declared {
        if len > limit as u64 {
            return Err(too_large(limit));
        }
    }
    // The announced length (at most `limit`) is reserved up front, so the body is copied
    // once, from the connection's buffer, and never moved as it grows. A server that
    // announces more than it sends costs only address space: large allocations are
    // mapped lazily, and nothing is touched before bytes arrive.
    let initial = declared.map_or(0, |len| len as usize);
    let mut bytes = Vec::with_capacity(initial);
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| {
            let kind = error_kind(&*e);
            transport_error(kind, e)
        })?;
        if let Ok(data) = frame.into_data() {
            if bytes.len().saturating_add(data.len()) > limit {
                return Err(too_large(limit));
            }
            bytes.extend_from_slice(&data);
        }
    }
    Ok(bytes)
}

fn too_large(limit: usize) -> TransportError {
    transport_error(
        TransportErrorKind::BodyTooLarge,
        format!("response body is larger than the limit of {limit} bytes"),
    )
}

/// Why a client could not be built.
#[derive(Debug)]
#[non_exhaustive]
pub enum BuildError {
    /// No region was given or found.
    MissingRegion,
    /// No credentials were given or found.
    MissingCredentials,
    /// No credentials source is configured, or the configured one is invalid (the error
    /// lists what was tried, or names the setting).
    Credentials(CredentialsError),
    /// No transport was given (and the `tokio` feature, which has a default, is off).
    MissingTransport,
    /// No timer was given (and the `tokio` feature, which has a default, is off).
    MissingSleep,
    /// The endpoint could not be resolved or parsed.
    Endpoint(EndpointError),
    /// The shared configuration is invalid (environment or files).
    Config(ConfigError),
    /// A configuration file exists but could not be read.
    ReadFile {
        /// The file.
        path: std::path::PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// A root certificate given to `add_root_certificate_pem` is not valid PEM, holds no
    /// `CERTIFICATE` section, or is not a usable X.509 certificate.
    InvalidRootCertificate {
        /// Which call of `add_root_certificate_pem` (0 is the first).
        index: usize,
        /// What is wrong with it.
        reason: String,
    },
    /// A proxy URL (from [`ClientBuilder::proxy`] or a proxy variable) cannot be used; the
    /// error names the variable.
    Proxy(ProxyError),
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BuildError::MissingRegion => f.write_str("no region configured"),
            BuildError::MissingCredentials => f.write_str("no credentials configured"),
            BuildError::Credentials(e) => e.fmt(f),
            BuildError::MissingTransport => f.write_str("no transport configured"),
            BuildError::MissingSleep => f.write_str("no timer configured"),
            BuildError::Endpoint(e) => write!(f, "endpoint: {e}"),
            BuildError::Config(e) => write!(f, "configuration: {e}"),
            BuildError::ReadFile { path, source } => {
                write!(f, "cannot read {}: {source}", path.display())
            }
            BuildError::Proxy(e) => e.fmt(f),
            BuildError::InvalidRootCertificate { index, reason } => {
                write!(f, "invalid root certificate PEM #{index}: {reason}")
            }
        }
    }
}

impl std::error::Error for BuildError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            BuildError::Endpoint(e) => Some(e),
            BuildError::Config(e) => Some(e),
            BuildError::Credentials(e) => Some(e),
            BuildError::Proxy(e) => Some(e),
            BuildError::ReadFile { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// Builds a [`Client`].
///
/// ```
/// use std::time::Duration;
/// use lambda_async::Client;
/// use lambda_proto::credentials::Credentials;
///
/// # #[cfg(feature = "tokio")] {
/// let client = Client::builder()
///     .region("eu-west-1")
///     .credentials(Credentials::new("AKID", "secret", None, None))
///     .read_timeout(Duration::from_secs(10))
///     .build()
///     .unwrap();
/// assert_eq!(client.config().endpoint().url(), "https://lambda.eu-west-1.amazonaws.com");
/// # }
/// ```
#[derive(Default)]
#[must_use]
pub struct ClientBuilder {
    region: Option<String>,
    endpoint_url: Option<String>,
    use_fips: bool,
    use_dual_stack: bool,
    retry: Option<RetryConfig>,
    credentials: Option<Box<dyn ProvideCredentials>>,
    credentials_source: Option<CredentialsSource>,
    transport: Option<Box<dyn Transport>>,
    sleep: Option<Box<dyn Sleep>>,
    clock: Option<Box<Clock>>,
    random: Option<Box<Random>>,
    max_body_size: Option<usize>,
    max_concurrency: Option<usize>,
    read_timeout: Option<Option<Duration>>,
    invoke_timeout: Option<Option<Duration>>,
    operation_timeout: Option<Duration>,
    pub(crate) connect_timeout: Option<Option<Duration>>,
    root_certificates: Vec<Vec<u8>>,
    app_id: Option<String>,
    ca_bundle: Option<std::path::PathBuf>,
    proxy: Option<Result<ProxyConfig, ProxyError>>,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("region", &self.region)
            .field("endpoint_url", &self.endpoint_url)
            .finish_non_exhaustive()
    }
}

impl ClientBuilder {
    /// The settings of the environment and the shared files (region, credentials chain,
    /// endpoint URL, FIPS, dual-stack, retries, application id, CA bundle), so more can be
    /// set. Needs no runtime: without the `tokio` feature, give it a transport and a timer
    /// before building.
    pub fn from_env() -> Result<Self, BuildError> {
        let local =
            lambda_env::LocalConfig::load(&lambda_env::process_env).map_err(|e| match e {
                lambda_env::LoadError::ReadFile { path, source } => {
                    BuildError::ReadFile { path, source }
                }
                lambda_env::LoadError::Config(e) => BuildError::Config(e),
            })?;
        let config = local.config;
        let region = config.require_region().map_err(BuildError::Config)?;
        let source = local.credentials.map_err(BuildError::Credentials)?;
        let mut builder = ClientBuilder::default()
            .region(region)
            .credentials_source(source)
            .use_fips(config.use_fips())
            .use_dual_stack(config.use_dualstack())
            .retry_config(config.retry_config());
        if let Some(url) = config.endpoint_url() {
            builder = builder.endpoint_url(url);
        }
        if let Some(app_id) = config.app_id() {
            builder = builder.app_id(app_id);
        }
        if let Some(path) = config.ca_bundle() {
            builder = builder.ca_bundle(path);
        }
        builder.proxy = Some(ProxyConfig::from_env_with(lambda_env::process_env));
        Ok(builder)
    }

    /// The signing region (and, without an endpoint URL, the region of the endpoint).
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = Some(region.into());
        self
    }

    /// A custom endpoint, e.g. `http://127.0.0.1:5000` for a local server.
    pub fn endpoint_url(mut self, url: impl Into<String>) -> Self {
        self.endpoint_url = Some(url.into());
        self
    }

    /// Uses the FIPS endpoint of the region.
    pub fn use_fips(mut self, on: bool) -> Self {
        self.use_fips = on;
        self
    }

    /// Uses the dual-stack (IPv6) endpoint of the region.
    pub fn use_dual_stack(mut self, on: bool) -> Self {
        self.use_dual_stack = on;
        self
    }

    /// Retry settings (default: standard mode, 3 attempts, or what the shared config says).
    pub fn retry_config(mut self, retry: RetryConfig) -> Self {
        self.retry = Some(retry);
        self
    }

    /// Static credentials to sign with (they win over any source).
    pub fn credentials(self, credentials: Credentials) -> Self {
        self.credentials_provider(credentials)
    }

    /// A credentials provider of your own; looked up once and cached until near expiry.
    /// It wins over [`credentials_source`](Self::credentials_source).
    pub fn credentials_provider(mut self, provider: impl ProvideCredentials) -> Self {
        self.credentials = Some(Box::new(provider));
        self
    }

    /// Credentials from a configured source (see
    /// [`lambda_proto::credentials::default_chain`]), fetched over this client's transport
    /// and cached until near expiry. [`credentials`](Self::credentials) wins over it.
    pub fn credentials_source(mut self, source: CredentialsSource) -> Self {
        self.credentials_source = Some(source);
        self
    }

    /// The transport (default with the `tokio` feature: `HyperTransport`).
    pub fn transport(mut self, transport: impl Transport) -> Self {
        self.transport = Some(Box::new(transport));
        self
    }

    /// The timer (default with the `tokio` feature: `TokioSleep`).
    pub fn sleep(mut self, sleep: impl Sleep) -> Self {
        self.sleep = Some(Box::new(sleep));
        self
    }

    /// The wall clock used for signing (default: the system clock).
    pub fn clock(mut self, clock: impl Fn() -> OffsetDateTime + Send + Sync + 'static) -> Self {
        self.clock = Some(Box::new(clock));
        self
    }

    /// The random source of the retry jitter, uniform in `[0, 1)` (default: a xorshift
    /// generator seeded from the clock).
    pub fn random(mut self, random: impl Fn() -> f64 + Send + Sync + 'static) -> Self {
        self.random = Some(Box::new(random));
        self
    }

    /// The largest response body read into memory (default 16 MiB).
    pub fn max_body_size(mut self, bytes: usize) -> Self {
        self.max_body_size = Some(bytes);
        self
    }

    /// The most requests in flight at once; further calls wait for a slot (default 64).
    /// With HTTP/1.1 this also bounds the connections the client opens, up to a few more
    /// that the pool may open when a request starts just before a finished connection is
    /// back in the pool (it keeps at most this many idle).
    pub fn max_concurrency(mut self, requests: usize) -> Self {
        self.max_concurrency = Some(requests);
        self
    }

    /// The time one attempt of a control-plane operation may take, from sending to the
    /// last body byte (default 60 s; `None` for no limit). Invocations have their own,
    /// [`invoke_timeout`](Self::invoke_timeout).
    pub fn read_timeout(mut self, limit: impl Into<Option<Duration>>) -> Self {
        self.read_timeout = Some(limit.into());
        self
    }

    /// The time an invocation may wait for its answer (default 16 minutes: the longest
    /// function run and one more; `None` for no limit). For `Invoke` and `InvokeAsync` it
    /// bounds each attempt like the read timeout; for `InvokeWithResponseStream` the wait
    /// for the response head and then each wait for more of the stream.
    pub fn invoke_timeout(mut self, limit: impl Into<Option<Duration>>) -> Self {
        self.invoke_timeout = Some(limit.into());
        self
    }

    /// The time a whole call may take, retries included (default: no limit).
    pub fn operation_timeout(mut self, limit: Duration) -> Self {
        self.operation_timeout = Some(limit);
        self
    }

    /// The time to open a connection, used by the default transport (default 10 s;
    /// `None`: no limit).
    pub fn connect_timeout(mut self, limit: impl Into<Option<Duration>>) -> Self {
        self.connect_timeout = Some(limit.into());
        self
    }

    /// The application id the `User-Agent` ends with (`app/<id>`; default
    /// `AWS_SDK_UA_APP_ID` or the profile's `sdk_ua_app_id` with
    /// [`from_env`](Self::from_env)). See [`lambda_proto::user_agent`].
    pub fn app_id(mut self, app_id: impl Into<String>) -> Self {
        self.app_id = Some(app_id.into());
        self
    }

    /// A PEM file of root certificates trusted besides the built-in ones, for the default
    /// transport (default `AWS_CA_BUNDLE` or the profile's `ca_bundle` with
    /// [`from_env`](Self::from_env)). Read by [`build`](Self::build), which fails with
    /// [`BuildError::ReadFile`] or [`BuildError::InvalidRootCertificate`].
    pub fn ca_bundle(mut self, path: impl Into<std::path::PathBuf>) -> Self {
        self.ca_bundle = Some(path.into());
        self
    }

    /// Trusts the certificates in `pem` as root certificates besides the webpki roots, in
    /// the default transport of the `tokio` feature (see
    /// `HyperTransportBuilder::add_root_certificate_pem`). Like
    /// [`ClientBuilder::connect_timeout`], unused when a transport is given.
    pub fn add_root_certificate_pem(mut self, pem: &[u8]) -> Self {
        self.root_certificates.push(pem.to_vec());
        self
    }

    /// Which requests go through which proxy, for the default transport (default: the
    /// proxy variables, `https_proxy`, `http_proxy`, `all_proxy` and `no_proxy`, as curl
    /// reads them). [`ProxyConfig::direct`] sends everything direct. A bad proxy URL in a
    /// variable fails [`build`](Self::build) with [`BuildError::Proxy`] naming the
    /// variable. A transport of your own can follow the same rules with
    /// [`ProxyConfig::intercept_request`].
    ///
    /// ```
    /// use lambda_async::lambda_proto::proxy::{Proxy, ProxyConfig};
    ///
    /// let proxies = ProxyConfig::direct()
    ///     .https(Proxy::parse("http://user:secret@proxy.corp:3128")?)
    ///     .no_proxy("169.254.169.254, .internal");
    /// let builder = lambda_async::Client::builder()
    ///     .region("eu-west-1")
    ///     .proxy(proxies);
    /// # let _ = builder; Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn proxy(mut self, proxies: ProxyConfig) -> Self {
        self.proxy = Some(Ok(proxies));
        self
    }

    /// Builds the client.
    pub fn build(self) -> Result<Client, BuildError> {
        let region = self.region.ok_or(BuildError::MissingRegion)?;
        if self.credentials.is_none() && self.credentials_source.is_none() {
            return Err(BuildError::MissingCredentials);
        }
        let endpoint = match &self.endpoint_url {
            Some(url) => Endpoint::parse(url),
            None => lambda_proto::endpoint::resolve(
                &EndpointParams::new(region.clone())
                    .with_fips(self.use_fips)
                    .with_dual_stack(self.use_dual_stack),
            ),
        }
        .map_err(BuildError::Endpoint)?;
        let user_agent = lambda_proto::user_agent::user_agent(
            env!("CARGO_PKG_NAME"),
            env!("CARGO_PKG_VERSION"),
            self.app_id.as_deref(),
        );
        let mut config = ClientConfig::new(endpoint, region).with_user_agent(&user_agent);
        let mut root_certificates = self.root_certificates;
        if let Some(path) = self.ca_bundle {
            match lambda_env::read_file(&path) {
                Ok(pem) => root_certificates.push(pem.into_bytes()),
                Err(source) => return Err(BuildError::ReadFile { path, source }),
            }
        }
        if let Some(retry) = self.retry {
            config = config.with_retry(retry);
        }
        let concurrency = self
            .max_concurrency
            .unwrap_or(DEFAULT_MAX_CONCURRENCY)
            .max(1);
        let transport: Arc<dyn Transport> = match self.transport {
            Some(t) => Arc::from(t),
            None => Arc::from(default_transport(
                self.connect_timeout,
                concurrency,
                &root_certificates,
                self.proxy,
            )?),
        };
        let sleep: Arc<dyn Sleep> = match self.sleep {
            Some(s) => Arc::from(s),
            None => Arc::from(default_sleep()?),
        };
        let clock: Arc<Clock> = match self.clock {
            Some(c) => Arc::from(c),
            None => Arc::new(rt::system_clock),
        };
        // The metadata endpoints of instances and containers get static stability.
        let static_stability = self.credentials.is_none()
            && self
                .credentials_source
                .as_ref()
                .is_some_and(|s| matches!(s.kind(), SourceKind::Imds | SourceKind::Container));
        let description = match (&self.credentials, &self.credentials_source) {
            (Some(_), _) => "the client's credentials provider".to_string(),
            (None, Some(source)) => source.description().to_string(),
            (None, None) => String::new(),
        };
        let random: Arc<Random> = match self.random {
            Some(r) => Arc::from(r),
            None => Arc::new(rt::default_random()),
        };
        let credentials: Box<dyn ProvideCredentials> =
            match (self.credentials, self.credentials_source) {
                (Some(provider), _) => provider,
                (None, Some(source)) => Box::new(SourceProvider {
                    source,
                    transport: Arc::clone(&transport),
                    sleep: Arc::clone(&sleep),
                    clock: Arc::clone(&clock),
                    random: Arc::clone(&random),
                }),
                (None, None) => return Err(BuildError::MissingCredentials),
            };
        let credentials = CredentialsCache::new(
            credentials,
            description,
            Arc::clone(&clock),
            static_stability,
            Arc::clone(&random),
        );
        Ok(Client {
            inner: Arc::new(Inner {
                config,
                origin: std::time::Instant::now(),
                transport,
                sleep,
                clock,
                random,
                credentials,
                limiter: Limiter::new(concurrency),
                max_body_size: self.max_body_size.unwrap_or(DEFAULT_MAX_BODY_SIZE),
                read_timeout: self.read_timeout.unwrap_or(Some(DEFAULT_READ_TIMEOUT)),
                invoke_timeout: self.invoke_timeout.unwrap_or(Some(DEFAULT_INVOKE_TIMEOUT)),
                operation_timeout: self.operation_timeout,
            }),
        })
    }
}

#[cfg(feature = "tokio")]
fn default_transport(
    connect_timeout: Option<Option<Duration>>,
    max_idle: usize,
    roots: &[Vec<u8>],
    proxies: Option<Result<ProxyConfig, ProxyError>>,
) -> Result<Box<dyn Transport>, BuildError> {
    let mut transport = crate::tokio_rt::HyperTransport::builder();
    if let Some(proxies) = proxies {
        transport = transport.proxy(proxies.map_err(BuildError::Proxy)?);
    }
    if let Some(limit) = connect_timeout {
        transport = transport.connect_timeout(limit);
    }
    for pem in roots {
        transport = transport.add_root_certificate_pem(pem);
    }
    Ok(Box::new(transport.max_idle_per_host(max_idle).build()?))
}

#[cfg(not(feature = "tokio"))]
fn default_transport(
    _connect_timeout: Option<Option<Duration>>,
    _max_idle: usize,
    _roots: &[Vec<u8>],
    _proxies: Option<Result<ProxyConfig, ProxyError>>,
) -> Result<Box<dyn Transport>, BuildError> {
    Err(BuildError::MissingTransport)
}

#[cfg(feature = "tokio")]
fn default_sleep() -> Result<Box<dyn Sleep>, BuildError> {
    Ok(Box::new(crate::tokio_rt::TokioSleep))
}

#[cfg(not(feature = "tokio"))]
fn default_sleep() -> Result<Box<dyn Sleep>, BuildError> {
    Err(BuildError::MissingSleep)
}
