//! The client, its builder and the send loop.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use lambda_proto::call::{Call, ClientConfig, Step};
use lambda_proto::config::{self, ConfigError};
use lambda_proto::credentials::{Credentials, CredentialsError, CredentialsSource};
use lambda_proto::endpoint::{self, Endpoint, EndpointError, EndpointParams};
use lambda_proto::error::{TransportError, TransportErrorKind};
use lambda_proto::proxy::{ProxyConfig, ProxyError};
use lambda_proto::retry::RetryConfig;
use lambda_proto::{Error, Operation};

use crate::credentials::{CachedCredentials, Clock, ProviderIo};
use crate::runtime::{RandomSource, Sleeper, ThreadSleeper, XorShiftRandom};
use crate::transport::{Http, Timeouts, Transport, UreqTransport};

/// The default largest response body read into memory: 16 MiB.
pub const DEFAULT_MAX_BODY_SIZE: u64 = 16 * 1024 * 1024;
/// The default time allowed to open a connection.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// The default time allowed for the answer of a control-plane call (head, then body).
pub const DEFAULT_READ_TIMEOUT: Duration = Duration::from_secs(60);
/// The default time allowed for the answer of an invocation (a function may run 15
/// minutes, plus start-up and the network).
pub const DEFAULT_INVOKE_READ_TIMEOUT: Duration = lambda_proto::call::DEFAULT_INVOKE_TIMEOUT;

/// Why a client could not be built.
#[derive(Debug)]
#[non_exhaustive]
pub enum BuildError {
    /// The shared configuration is invalid, or it has no region or credentials (the error
    /// says where they were looked for).
    Config(ConfigError),
    /// The endpoint could not be resolved from the region and settings.
    Endpoint(EndpointError),
    /// A builder without shared configuration was given no region.
    MissingRegion,
    /// A builder without shared configuration was given no credentials.
    MissingCredentials,
    /// No credentials source is configured, or the configured one is invalid (the error
    /// lists what was tried, or names the setting).
    Credentials(CredentialsError),
    /// A shared config or credentials file exists but could not be read.
    ReadFile {
        /// The file.
        path: PathBuf,
        /// The IO error.
        source: std::io::Error,
    },
    /// A root certificate given to [`ClientBuilder::add_root_certificate_pem`] is not valid
    /// PEM, or holds no `CERTIFICATE` section.
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
            BuildError::Config(e) => e.fmt(f),
            BuildError::Endpoint(e) => write!(f, "cannot resolve the endpoint: {e}"),
            BuildError::MissingRegion => f.write_str("no region: call ClientBuilder::region"),
            BuildError::MissingCredentials => {
                f.write_str("no credentials: call ClientBuilder::credentials")
            }
            BuildError::Credentials(e) => e.fmt(f),
            BuildError::ReadFile { path, source } => {
                write!(f, "cannot read {}: {source}", path.display())
            }
            BuildError::InvalidRootCertificate { index, reason } => {
                write!(f, "invalid root certificate PEM #{index}: {reason}")
            }
            BuildError::Proxy(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for BuildError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            BuildError::Config(e) => Some(e),
            BuildError::Endpoint(e) => Some(e),
            BuildError::ReadFile { source, .. } => Some(source),
            BuildError::Credentials(e) => Some(e),
            BuildError::Proxy(e) => Some(e),
            _ => None,
        }
    }
}

impl From<ConfigError> for BuildError {
    fn from(e: ConfigError) -> Self {
        BuildError::Config(e)
    }
}

impl From<EndpointError> for BuildError {
    fn from(e: EndpointError) -> Self {
        BuildError::Endpoint(e)
    }
}

/// What an [`observe`](ClientBuilder::observe) hook sees of each attempt of a call.
#[derive(Debug)]
#[non_exhaustive]
pub enum Exchange<'a> {
    /// The signed request about to be sent.
    Request(&'a http::Request<bytes::Bytes>),
    /// The answer (of a streamed answer, its head only).
    Response(&'a http::Response<Vec<u8>>),
    /// The attempt failed before an answer came.
    Failed(&'a TransportError),
}

/// A hook that sees every exchange (see [`ClientBuilder::observe`]).
#[derive(Clone)]
struct Observer(Arc<dyn Fn(Exchange<'_>) + Send + Sync>);

impl fmt::Debug for Observer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Observer")
    }
}

/// Settings of a [`Client`]; see [`Client::builder`] and [`ClientBuilder::from_env`].
#[derive(Debug, Clone)]
pub struct ClientBuilder {
    shared: Option<config::Config>,
    region: Option<String>,
    endpoint_url: Option<String>,
    use_fips: Option<bool>,
    use_dual_stack: Option<bool>,
    credentials: Option<Credentials>,
    credentials_source: Option<CredentialsSource>,
    chain: Option<Result<CredentialsSource, CredentialsError>>,
    clock: Option<Clock>,
    signing_clock: Option<Clock>,
    retry: Option<RetryConfig>,
    connect_timeout: Option<Duration>,
    read_timeout: Option<Duration>,
    invoke_read_timeout: Option<Duration>,
    max_body_size: u64,
    waiter_timeout: Option<Duration>,
    sleeper: Arc<dyn Sleeper>,
    random: Option<Arc<dyn RandomSource>>,
    app_id: Option<String>,
    ca_bundle: Option<PathBuf>,
    extra_roots: Vec<Vec<u8>>,
    proxy: Option<Result<ProxyConfig, ProxyError>>,
    observer: Option<Observer>,
    unsigned: bool,
    transport: Option<Arc<dyn Transport>>,
}

impl Default for ClientBuilder {
    fn default() -> Self {
        ClientBuilder {
            shared: None,
            region: None,
            endpoint_url: None,
            use_fips: None,
            use_dual_stack: None,
            credentials: None,
            credentials_source: None,
            chain: None,
            clock: None,
            signing_clock: None,
            retry: None,
            connect_timeout: Some(DEFAULT_CONNECT_TIMEOUT),
            read_timeout: Some(DEFAULT_READ_TIMEOUT),
            invoke_read_timeout: Some(DEFAULT_INVOKE_READ_TIMEOUT),
            max_body_size: DEFAULT_MAX_BODY_SIZE,
            waiter_timeout: None,
            sleeper: Arc::new(ThreadSleeper),
            random: None,
            app_id: None,
            ca_bundle: None,
            extra_roots: Vec::new(),
            proxy: None,
            observer: None,
            unsigned: false,
            transport: None,
        }
    }
}

impl ClientBuilder {
    /// A builder with nothing set: region and credentials must be given.
    pub fn new() -> Self {
        ClientBuilder::default()
    }

    /// A builder filled from the process environment and the shared `config` and
    /// `credentials` files (see [`lambda_proto::config`]); setters override it.
    pub fn from_env() -> Result<Self, BuildError> {
        Self::from_env_lookup(&|name| std::env::var(name).ok())
    }

    /// As [`from_env`](Self::from_env) with `env` in place of the process environment
    /// (the home directory is its `HOME`, else `USERPROFILE`).
    pub fn from_env_lookup(env: &dyn Fn(&str) -> Option<String>) -> Result<Self, BuildError> {
        let local = lambda_env::LocalConfig::load(env).map_err(|e| match e {
            lambda_env::LoadError::ReadFile { path, source } => {
                BuildError::ReadFile { path, source }
            }
            lambda_env::LoadError::Config(e) => BuildError::from(e),
        })?;
        Ok(ClientBuilder {
            shared: Some(local.config),
            chain: Some(local.credentials),
            proxy: Some(ProxyConfig::from_env_with(env)),
            ..ClientBuilder::default()
        })
    }

    /// The shared configuration this builder was filled from, if any.
    pub fn shared_config(&self) -> Option<&config::Config> {
        self.shared.as_ref()
    }

    /// The signing region, e.g. `eu-west-1`.
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = Some(region.into());
        self
    }

    /// A custom endpoint URL (e.g. `http://127.0.0.1:5000`) in place of the regional one.
    pub fn endpoint_url(mut self, url: impl Into<String>) -> Self {
        self.endpoint_url = Some(url.into());
        self
    }

    /// Whether to use the FIPS endpoint.
    pub fn use_fips(mut self, yes: bool) -> Self {
        self.use_fips = Some(yes);
        self
    }

    /// Whether to use the dual-stack (IPv4 and IPv6) endpoint.
    pub fn use_dual_stack(mut self, yes: bool) -> Self {
        self.use_dual_stack = Some(yes);
        self
    }

    /// Static credentials to sign with (they win over any source).
    pub fn credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = Some(credentials);
        self
    }

    /// Where credentials come from, in place of the default chain that
    /// [`from_env`](Self::from_env) found (see
    /// [`lambda_proto::credentials::default_chain`]). They are fetched when first needed
    /// and refreshed 5 minutes before they expire.
    pub fn credentials_source(mut self, source: CredentialsSource) -> Self {
        self.credentials_source = Some(source);
        self
    }

    /// The clock credential expiry is judged by (default: the system clock). For tests.
    pub fn credentials_clock(
        mut self,
        clock: impl Fn() -> time::OffsetDateTime + Send + Sync + 'static,
    ) -> Self {
        self.clock = Some(Clock(Arc::new(clock)));
        self
    }

    /// The clock requests are signed by (default: the system clock), e.g. a fixed instant
    /// to sign as of; a clock-skew correction learnt from the service is still added.
    pub fn signing_clock(
        mut self,
        clock: impl Fn() -> time::OffsetDateTime + Send + Sync + 'static,
    ) -> Self {
        self.signing_clock = Some(Clock(Arc::new(clock)));
        self
    }

    /// Retry settings (default: standard mode, 3 attempts, or what the shared config says).
    pub fn retry_config(mut self, retry: RetryConfig) -> Self {
        self.retry = Some(retry);
        self
    }

    /// Time allowed to open a connection (default 3.1 s; `None`: no limit).
    pub fn connect_timeout(mut self, timeout: impl Into<Option<Duration>>) -> Self {
        self.connect_timeout = timeout.into();
        self
    }

    /// Time allowed for the response head, and again for the body, of control-plane calls
    /// (default 60 s; `None`: no limit).
    pub fn read_timeout(mut self, timeout: impl Into<Option<Duration>>) -> Self {
        self.read_timeout = timeout.into();
        self
    }

    /// As [`read_timeout`](Self::read_timeout), for `Invoke`, `InvokeAsync` and
    /// `InvokeWithResponseStream` (default 16 minutes: 15 of the longest function run, one
    /// for start-up and the network).
    pub fn invoke_timeout(mut self, timeout: impl Into<Option<Duration>>) -> Self {
        self.invoke_read_timeout = timeout.into();
        self
    }

    /// The largest response body read into memory (default [`DEFAULT_MAX_BODY_SIZE`]);
    /// a larger one fails with `TransportErrorKind::BodyTooLarge`.
    pub fn max_body_size(mut self, bytes: u64) -> Self {
        self.max_body_size = bytes;
        self
    }

    /// The overall time limit of [`Client::wait`] (default: only the waiter's attempts).
    pub fn waiter_timeout(mut self, timeout: impl Into<Option<Duration>>) -> Self {
        self.waiter_timeout = timeout.into();
        self
    }

    /// What sleeps between attempts and polls (default [`ThreadSleeper`]).
    pub fn sleeper(mut self, sleeper: impl Sleeper + 'static) -> Self {
        self.sleeper = Arc::new(sleeper);
        self
    }

    /// Where the retry jitter comes from (default a [`XorShiftRandom`] seeded at build).
    pub fn random_source(mut self, random: impl RandomSource + 'static) -> Self {
        self.random = Some(Arc::new(random));
        self
    }

    /// The application id the `User-Agent` ends with (`app/<id>`; default
    /// `AWS_SDK_UA_APP_ID` or the profile's `sdk_ua_app_id`). See
    /// [`lambda_proto::user_agent`].
    pub fn app_id(mut self, app_id: impl Into<String>) -> Self {
        self.app_id = Some(app_id.into());
        self
    }

    /// The transport that moves the bytes (default: ureq with rustls, which honours the
    /// timeouts, the CA bundle and the extra root certificates; a transport of your own
    /// does its own TLS). See [`Transport`] and the `testing` module (feature `testing`).
    pub fn transport(mut self, transport: impl Transport) -> Self {
        self.transport = Some(Arc::new(transport));
        self
    }

    /// A PEM file of root certificates trusted besides the built-in ones (default
    /// `AWS_CA_BUNDLE` or the profile's `ca_bundle`). Read by [`build`](Self::build),
    /// which fails with [`BuildError::ReadFile`] or
    /// [`BuildError::InvalidRootCertificate`] if it cannot be read or holds no certificate.
    pub fn ca_bundle(mut self, path: impl Into<PathBuf>) -> Self {
        self.ca_bundle = Some(path.into());
        self
    }

    /// Trusts the certificates in `pem` (one or more `CERTIFICATE` sections) as root
    /// certificates, in addition to the built-in Mozilla (webpki) roots: for a corporate CA or
    /// a local HTTPS endpoint. Checked by [`ClientBuilder::build`], which fails with
    /// [`BuildError::InvalidRootCertificate`] if `pem` holds no certificate or is malformed.
    ///
    /// ```
    /// # fn run(ca_pem: &[u8]) -> Result<(), lambda_blocking::BuildError> {
    /// let client = lambda_blocking::Client::builder()
    ///     .region("eu-west-1")
    ///     .endpoint_url("https://lambda.internal.example:8443")
    ///     .add_root_certificate_pem(ca_pem)
    ///     # .credentials(lambda_blocking::lambda_proto::credentials::Credentials::new("AKID", "SECRET", None, None))
    ///     .build()?;
    /// # let _ = client; Ok(()) }
    /// ```
    pub fn add_root_certificate_pem(mut self, pem: &[u8]) -> Self {
        self.extra_roots.push(pem.to_vec());
        self
    }

    /// Which requests go through which proxy (default: the proxy variables, `https_proxy`,
    /// `http_proxy`, `all_proxy` and `no_proxy`, as curl reads them; from the process
    /// environment, or the lookup given to [`from_env_lookup`](Self::from_env_lookup)).
    /// [`ProxyConfig::direct`] sends everything direct. Used by the default transport only;
    /// a bad proxy URL in a variable fails [`build`](Self::build) with
    /// [`BuildError::Proxy`] naming the variable.
    ///
    /// ```
    /// use lambda_blocking::lambda_proto::proxy::{Proxy, ProxyConfig};
    ///
    /// let proxies = ProxyConfig::direct()
    ///     .https(Proxy::parse("http://user:secret@proxy.corp:3128")?)
    ///     .no_proxy("169.254.169.254, .internal");
    /// let client = lambda_blocking::Client::builder()
    ///     .region("eu-west-1")
    ///     .proxy(proxies)
    ///     # .credentials(lambda_blocking::lambda_proto::credentials::Credentials::new("AKID", "SECRET", None, None))
    ///     .build()?;
    /// # let _ = client; Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn proxy(mut self, proxies: ProxyConfig) -> Self {
        self.proxy = Some(Ok(proxies));
        self
    }

    /// Calls `hook` with every request sent and every answer or transport failure, in
    /// order (for a debug log: the request carries its signature and any session token).
    pub fn observe(mut self, hook: impl Fn(Exchange<'_>) + Send + Sync + 'static) -> Self {
        self.observer = Some(Observer(Arc::new(hook)));
        self
    }

    /// Sends requests without signing them (no `Authorization`, no session token) and
    /// resolves no credentials, as the AWS CLI's `--no-sign-request`.
    pub fn unsigned(mut self, yes: bool) -> Self {
        self.unsigned = yes;
        self
    }

    /// Resolves region, credentials and endpoint, and builds the client.
    pub fn build(mut self) -> Result<Client, BuildError> {
        if self.unsigned {
            self.credentials = Some(Credentials::new("anonymous", "anonymous", None, None));
        }
        let shared = self.shared.as_ref();
        let region = match (&self.region, shared) {
            (Some(r), _) => r.clone(),
            (None, Some(c)) => c.require_region()?.to_string(),
            (None, None) => return Err(BuildError::MissingRegion),
        };
        let source = match (self.credentials, self.credentials_source, self.chain) {
            (Some(c), _, _) => CredentialsSource::from_static(c),
            (None, Some(source), _) => source,
            (None, None, Some(Ok(source))) => source,
            (None, None, Some(Err(e))) => return Err(BuildError::Credentials(e)),
            (None, None, None) => return Err(BuildError::MissingCredentials),
        };
        let mut params = EndpointParams::new(region.clone())
            .with_fips(
                self.use_fips
                    .or(shared.map(|c| c.use_fips()))
                    .unwrap_or(false),
            )
            .with_dual_stack(
                self.use_dual_stack
                    .or(shared.map(|c| c.use_dualstack()))
                    .unwrap_or(false),
            );
        let url = self
            .endpoint_url
            .or_else(|| shared.and_then(|c| c.endpoint_url().map(str::to_string)));
        if let Some(url) = url {
            params = params.with_endpoint(url);
        }
        let endpoint = endpoint::resolve(&params)?;
        let retry = self
            .retry
            .or(shared.map(|c| c.retry_config()))
            .unwrap_or_else(RetryConfig::standard);
        let random = self
            .random
            .unwrap_or_else(|| Arc::new(XorShiftRandom::from_entropy()));
        let mut pems = self.extra_roots;
        let bundle = self
            .ca_bundle
            .or_else(|| shared.and_then(|c| c.ca_bundle()).map(PathBuf::from));
        if let Some(path) = bundle {
            match lambda_env::read_file(&path) {
                Ok(pem) => pems.push(pem.into_bytes()),
                Err(source) => return Err(BuildError::ReadFile { path, source }),
            }
        }
        let roots = crate::transport::parse_root_pems(&pems)
            .map_err(|(index, reason)| BuildError::InvalidRootCertificate { index, reason })?;
        let app_id = self
            .app_id
            .or_else(|| shared.and_then(|c| c.app_id()).map(str::to_string));
        let user_agent = lambda_proto::user_agent::user_agent(
            env!("CARGO_PKG_NAME"),
            env!("CARGO_PKG_VERSION"),
            app_id.as_deref(),
        );
        let transport = Http(match self.transport {
            Some(t) => t,
            None => {
                let proxies = self
                    .proxy
                    .unwrap_or_else(|| ProxyConfig::from_env_with(|name| std::env::var(name).ok()))
                    .map_err(BuildError::Proxy)?;
                let transport =
                    UreqTransport::new(&user_agent, roots, proxies).map_err(BuildError::Proxy)?;
                Arc::new(transport)
            }
        });
        let clock = self
            .clock
            .unwrap_or_else(|| Clock(Arc::new(time::OffsetDateTime::now_utc)));
        let signing_clock = self
            .signing_clock
            .unwrap_or_else(|| Clock(Arc::new(time::OffsetDateTime::now_utc)));
        Ok(Client {
            inner: Arc::new(Inner {
                config: ClientConfig::new(endpoint, region)
                    .with_retry(retry)
                    .with_user_agent(&user_agent),
                origin: Instant::now(),
                credentials: CachedCredentials::new(
                    source,
                    ProviderIo {
                        transport: transport.clone(),
                        clock,
                        sleeper: Arc::clone(&self.sleeper),
                        random: Arc::clone(&random),
                    },
                ),
                transport,
                control_timeouts: Timeouts {
                    connect: self.connect_timeout,
                    read: self.read_timeout,
                    body: self.read_timeout,
                },
                invoke_timeouts: Timeouts {
                    connect: self.connect_timeout,
                    read: self.invoke_read_timeout,
                    body: self.invoke_read_timeout,
                },
                max_body_size: self.max_body_size,
                waiter_timeout: self.waiter_timeout,
                signing_clock,
                sleeper: self.sleeper,
                random,
                observer: self.observer,
                unsigned: self.unsigned,
            }),
        })
    }
}

/// A blocking Lambda client. Cheap to clone: clones share the connection pool, the retry
/// quota and the signing-key cache.
///
/// ```no_run
/// use lambda_blocking::Client;
/// use lambda_proto::operations::{GetFunction, ListFunctions};
///
/// let client = Client::from_env()?;
/// let function = client.send(GetFunction::new("my-fn"))?;
/// println!("{:?}", function.configuration.and_then(|c| c.runtime));
/// for f in client.paginate(ListFunctions::new()).items() {
///     println!("{:?}", f?.function_name);
/// }
/// client.wait(lambda_proto::waiter::function_active_v2("my-fn"))?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct Client {
    pub(crate) inner: Arc<Inner>,
}

#[derive(Debug)]
pub(crate) struct Inner {
    pub(crate) config: ClientConfig,
    /// Where the monotonic clock of the adaptive rate limiter starts.
    pub(crate) origin: Instant,
    pub(crate) credentials: CachedCredentials,
    pub(crate) transport: Http,
    pub(crate) control_timeouts: Timeouts,
    pub(crate) invoke_timeouts: Timeouts,
    pub(crate) max_body_size: u64,
    pub(crate) waiter_timeout: Option<Duration>,
    pub(crate) signing_clock: Clock,
    pub(crate) sleeper: Arc<dyn Sleeper>,
    pub(crate) random: Arc<dyn RandomSource>,
    observer: Option<Observer>,
    unsigned: bool,
}

impl Client {
    /// A builder with nothing set.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::new()
    }

    /// A client configured from the environment and the shared files; missing region or
    /// credentials give a [`BuildError::Config`] saying where they were looked for.
    pub fn from_env() -> Result<Client, BuildError> {
        ClientBuilder::from_env()?.build()
    }

    /// The signing region.
    pub fn region(&self) -> &str {
        self.inner.config.region()
    }

    /// The endpoint requests go to.
    pub fn endpoint(&self) -> &Endpoint {
        self.inner.config.endpoint()
    }

    /// The configuration shared by all calls (retry settings, quota, clock skew).
    pub fn config(&self) -> &ClientConfig {
        &self.inner.config
    }

    /// The credentials requests are signed with now: the cached ones, or freshly fetched
    /// from the source when there are none yet or they are about to expire.
    pub fn credentials(&self) -> Result<Credentials, CredentialsError> {
        self.inner.credentials.get()
    }

    /// Where the credentials come from.
    pub fn credentials_source(&self) -> &CredentialsSource {
        self.inner.credentials.source()
    }

    /// Sends one operation, retrying as the retry settings say.
    ///
    /// Any 2xx answer is parsed as the output; error answers become the operation's typed
    /// service error. An empty idempotency token (`ClientToken`) is filled with a random
    /// UUID, the same for all attempts of the call.
    pub fn send<O: Operation + Clone>(&self, op: O) -> Result<O::Output, Error<O::Error>> {
        self.send_ref(&op)
    }

    /// As [`send`](Self::send), borrowing the input.
    pub fn send_ref<O: Operation + Clone>(&self, op: &O) -> Result<O::Output, Error<O::Error>> {
        let timeouts = self.timeouts_for(op.name());
        let limit = self.inner.max_body_size;
        let transport = &self.inner.transport;
        self.run(op, |request| {
            transport
                .send(request, timeouts, limit)
                .map(|response| (response, ()))
        })
        .map(|(output, ())| output)
    }

    pub(crate) fn timeouts_for(&self, name: &str) -> Timeouts {
        if lambda_proto::call::runs_function(name) {
            self.inner.invoke_timeouts
        } else {
            self.inner.control_timeouts
        }
    }

    pub(crate) fn sleep(&self, duration: Duration) {
        if !duration.is_zero() {
            self.inner.sleeper.sleep(duration);
        }
    }

    /// The retry loop: `exchange` sends one signed request and returns the response with
    /// its body read (plus anything the caller keeps of the last, successful exchange).
    pub(crate) fn run<O: Operation + Clone, X>(
        &self,
        op: &O,
        exchange: impl FnMut(
            http::Request<bytes::Bytes>,
        ) -> Result<(http::Response<Vec<u8>>, X), TransportError>,
    ) -> Result<(O::Output, X), Error<O::Error>> {
        self.run_call(op, false, exchange)
    }

    /// The time since the client was built, the rate limiter's clock.
    pub(crate) fn monotonic(&self) -> Duration {
        self.inner.origin.elapsed()
    }

    /// As [`run`](Self::run); with `throttling_is_final`, a throttling error ends the call
    /// (see [`Call::throttling_is_final`]).
    pub(crate) fn run_call<O: Operation + Clone, X>(
        &self,
        op: &O,
        throttling_is_final: bool,
        mut exchange: impl FnMut(
            http::Request<bytes::Bytes>,
        ) -> Result<(http::Response<Vec<u8>>, X), TransportError>,
    ) -> Result<(O::Output, X), Error<O::Error>> {
        let inner = &*self.inner;
        let span = tracing::debug_span!(
            "lambda",
            operation = op.name(),
            endpoint = inner.config.endpoint().authority(),
        );
        let _entered = span.enter();
        let started = std::time::Instant::now();
        let outcome = self.run_attempts(op, throttling_is_final, &mut exchange);
        tracing::debug!(
            elapsed_ms = started.elapsed().as_millis() as u64,
            ok = outcome.is_ok(),
            "call finished"
        );
        outcome
    }

    fn run_attempts<O: Operation + Clone, X>(
        &self,
        op: &O,
        throttling_is_final: bool,
        exchange: &mut impl FnMut(
            http::Request<bytes::Bytes>,
        ) -> Result<(http::Response<Vec<u8>>, X), TransportError>,
    ) -> Result<(O::Output, X), Error<O::Error>> {
        let inner = &*self.inner;
        let token = lambda_proto::operation::random_bytes(|| inner.random.next_f64());
        let mut call = Call::with_idempotency_token(&inner.config, op, token)?;
        if throttling_is_final {
            call = call.throttling_is_final();
        }
        loop {
            let credentials = inner
                .credentials
                .get()
                .map_err(|e| Error::transport(TransportErrorKind::Credentials, e))?;
            while let Some(delay) = call.send_delay(self.monotonic()) {
                self.sleep(delay);
            }
            let mut request = call.request(&credentials, inner.signing_clock.now())?;
            if inner.unsigned {
                request.headers_mut().remove(http::header::AUTHORIZATION);
                request.headers_mut().remove("x-amz-security-token");
            }
            let observe = |e: Exchange<'_>| {
                if let Some(Observer(hook)) = &inner.observer {
                    hook(e);
                }
            };
            observe(Exchange::Request(&request));
            let result = exchange(request);
            match &result {
                Ok((response, _)) => observe(Exchange::Response(response)),
                Err(e) => observe(Exchange::Failed(e)),
            }
            let (step, extra) = match result {
                Ok((response, extra)) => (
                    call.on_response(response, inner.signing_clock.now(), inner.random.next_f64()),
                    Some(extra),
                ),
                Err(err) => (call.on_transport_error(err, inner.random.next_f64()), None),
            };
            call.record_answer(self.monotonic());
            match step {
                Step::Done(Ok(output)) => match extra {
                    Some(extra) => return Ok((output, extra)),
                    None => unreachable!("a successful step always follows a response"),
                },
                Step::Done(Err(err)) => return Err(err),
                Step::Retry { after } => {
                    tracing::debug!(delay_ms = after.as_millis() as u64, "waiting to retry");
                    self.sleep(after)
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lambda_proto::config::ConfigErrorKind;
    use lambda_proto::credentials::{CredentialsErrorKind, SourceKind};
    use std::collections::HashMap;

    fn lookup(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |name| map.get(name).cloned()
    }

    /// A directory with the given shared files, unique per test.
    fn files(tag: &str, config: &str, credentials: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("lambda-blocking-{}-{tag}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("config"), config).unwrap();
        std::fs::write(dir.join("credentials"), credentials).unwrap();
        dir
    }

    const KEYS: [(&str, &str); 2] = [
        ("AWS_ACCESS_KEY_ID", "AKIDENV"),
        ("AWS_SECRET_ACCESS_KEY", "env-secret"),
    ];

    #[test]
    fn environment_variables_configure_the_client() {
        let env = lookup(&[
            KEYS[0],
            KEYS[1],
            ("AWS_REGION", "eu-north-1"),
            ("HOME", "/nonexistent-home"),
        ]);
        let client = ClientBuilder::from_env_lookup(&env)
            .unwrap()
            .build()
            .unwrap();
        assert_eq!(client.region(), "eu-north-1");
        assert_eq!(
            client.endpoint().url(),
            "https://lambda.eu-north-1.amazonaws.com"
        );
        assert_eq!(client.credentials().unwrap().access_key_id(), "AKIDENV");
        assert_eq!(client.config().retry().max_attempts(), 3);
    }

    #[test]
    fn missing_region_says_where_it_looked() {
        let env = lookup(&[KEYS[0], KEYS[1], ("HOME", "/nonexistent-home")]);
        let err = ClientBuilder::from_env_lookup(&env)
            .unwrap()
            .build()
            .unwrap_err();
        match &err {
            BuildError::Config(e) => {
                assert!(matches!(e.kind(), ConfigErrorKind::MissingRegion { .. }))
            }
            other => panic!("{other:?}"),
        }
        let text = err.to_string();
        assert!(text.contains("AWS_REGION"), "{text}");
        assert!(text.contains("~/.aws/config"), "{text}");
        // A region from the builder is enough.
        let client = ClientBuilder::from_env_lookup(&env)
            .unwrap()
            .region("us-east-2")
            .build()
            .unwrap();
        assert_eq!(client.region(), "us-east-2");
    }

    #[test]
    fn missing_credentials_say_where_they_were_looked_for() {
        let env = lookup(&[
            ("AWS_REGION", "us-east-1"),
            ("HOME", "/nonexistent-home"),
            ("AWS_EC2_METADATA_DISABLED", "true"),
        ]);
        let err = ClientBuilder::from_env_lookup(&env)
            .unwrap()
            .build()
            .unwrap_err();
        match &err {
            BuildError::Credentials(e) => {
                assert_eq!(e.kind(), CredentialsErrorKind::NotFound)
            }
            other => panic!("{other:?}"),
        }
        let text = err.to_string();
        for part in [
            "AWS_ACCESS_KEY_ID",
            "profile `default`",
            "AWS_EC2_METADATA_DISABLED",
        ] {
            assert!(text.contains(part), "{part}: {text}");
        }
        // Without the metadata service turned off, it is the last resort.
        let env = lookup(&[("AWS_REGION", "us-east-1"), ("HOME", "/nonexistent-home")]);
        let client = ClientBuilder::from_env_lookup(&env)
            .unwrap()
            .build()
            .unwrap();
        assert_eq!(client.credentials_source().kind(), SourceKind::Imds);
        assert!(matches!(
            Client::builder().region("us-east-1").build(),
            Err(BuildError::MissingCredentials)
        ));
        assert!(matches!(
            Client::builder()
                .credentials(Credentials::new("a", "b", None, None))
                .build(),
            Err(BuildError::MissingRegion)
        ));
    }

    #[test]
    fn shared_files_and_profiles() {
        let dir = files(
            "profiles",
            "[default]\nregion = us-west-1\n[profile dev]\nregion = sa-east-1\nmax_attempts = 7\n\
             use_fips_endpoint = true\n",
            "[default]\naws_access_key_id = AKIDDEFAULT\naws_secret_access_key = s1\n\
             [dev]\naws_access_key_id = AKIDDEV\naws_secret_access_key = s2\n",
        );
        let config = dir.join("config").display().to_string();
        let credentials = dir.join("credentials").display().to_string();
        let base = [
            ("AWS_CONFIG_FILE", config.as_str()),
            ("AWS_SHARED_CREDENTIALS_FILE", credentials.as_str()),
        ];
        let client = ClientBuilder::from_env_lookup(&lookup(&base))
            .unwrap()
            .build()
            .unwrap();
        assert_eq!(client.region(), "us-west-1");
        assert_eq!(client.credentials().unwrap().access_key_id(), "AKIDDEFAULT");

        let dev = [base[0], base[1], ("AWS_PROFILE", "dev")];
        let client = ClientBuilder::from_env_lookup(&lookup(&dev))
            .unwrap()
            .build()
            .unwrap();
        assert_eq!(client.region(), "sa-east-1");
        assert_eq!(client.credentials().unwrap().access_key_id(), "AKIDDEV");
        assert_eq!(client.config().retry().max_attempts(), 7);
        assert_eq!(
            client.endpoint().url(),
            "https://lambda-fips.sa-east-1.amazonaws.com"
        );
        // Builder settings win over the files.
        let client = ClientBuilder::from_env_lookup(&lookup(&dev))
            .unwrap()
            .use_fips(false)
            .retry_config(RetryConfig::standard().with_max_attempts(2))
            .build()
            .unwrap();
        assert_eq!(
            client.endpoint().url(),
            "https://lambda.sa-east-1.amazonaws.com"
        );
        assert_eq!(client.config().retry().max_attempts(), 2);
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn malformed_files_are_errors() {
        let dir = files("malformed", "[default\nregion = x\n", "");
        let config = dir.join("config").display().to_string();
        let env = lookup(&[KEYS[0], KEYS[1], ("AWS_CONFIG_FILE", config.as_str())]);
        match ClientBuilder::from_env_lookup(&env) {
            Err(BuildError::Config(e)) => {
                assert!(matches!(e.kind(), ConfigErrorKind::Parse { .. }), "{e}")
            }
            other => panic!("{other:?}"),
        }
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn configured_endpoint_url() {
        let env = lookup(&[
            KEYS[0],
            KEYS[1],
            ("AWS_REGION", "us-east-1"),
            ("AWS_ENDPOINT_URL_LAMBDA", "http://127.0.0.1:4566"),
            ("HOME", "/nonexistent-home"),
        ]);
        let client = ClientBuilder::from_env_lookup(&env)
            .unwrap()
            .build()
            .unwrap();
        assert_eq!(client.endpoint().url(), "http://127.0.0.1:4566");
        let bad = Client::builder()
            .region("us-east-1")
            .credentials(Credentials::new("a", "b", None, None))
            .endpoint_url("ftp://example.com")
            .build();
        assert!(matches!(bad, Err(BuildError::Endpoint(_))), "{bad:?}");
    }

    #[test]
    fn invocations_get_the_long_timeout() {
        let client = Client::builder()
            .region("us-east-1")
            .credentials(Credentials::new("a", "b", None, None))
            .read_timeout(Some(Duration::from_secs(5)))
            .build()
            .unwrap();
        // A function may run 900 s: its answer must be waited for longer than that.
        for name in lambda_proto::call::INVOCATIONS {
            let read = client.timeouts_for(name).read.unwrap();
            assert!(read > Duration::from_secs(900), "{name}: {read:?}");
        }
        assert_eq!(
            client.timeouts_for("GetFunction").read,
            Some(Duration::from_secs(5))
        );
    }

    #[test]
    fn debug_hides_the_secret() {
        let client = Client::builder()
            .region("us-east-1")
            .credentials(Credentials::new(
                "AKIDVISIBLE",
                "very-secret-value",
                None,
                None,
            ))
            .build()
            .unwrap();
        let text = format!("{client:?}");
        assert!(text.contains("AKIDVISIBLE"));
        assert!(!text.contains("very-secret-value"));
    }
}
