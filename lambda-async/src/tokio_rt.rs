//! The tokio driver: hyper-util's pooled client with rustls, tokio's timer, and
//! configuration from the environment and the shared files.

use std::time::Duration;

use bytes::Bytes;
use futures_util::future::BoxFuture;
use http_body_util::Full;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use lambda_proto::error::{TransportError, TransportErrorKind};
use lambda_proto::proxy::{Direct, ProxyConfig};
use std::sync::Arc;

use crate::client::{BuildError, Client};
use crate::proxy_connect::ProxyConnector;
use crate::rt::Sleep;
use crate::transport::{boxed_body, error_kind, transport_error, Body, Transport};

/// Default time to open a TCP connection (the TLS handshake after it counts against the
/// attempt's read timeout).
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long an idle pooled connection is kept.
pub const POOL_IDLE_TIMEOUT: Duration = Duration::from_secs(90);

/// tokio's timer.
#[derive(Clone, Copy, Debug, Default)]
pub struct TokioSleep;

impl Sleep for TokioSleep {
    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()> {
        Box::pin(tokio::time::sleep(duration))
    }
}

type Connector = hyper_rustls::HttpsConnector<ProxyConnector>;
type HyperClient = hyper_util::client::legacy::Client<Connector, Full<Bytes>>;

/// The default transport: hyper-util's pooled client (HTTP/1.1 keep-alive, HTTP/2 when
/// the server offers it through ALPN), HTTPS with rustls and the webpki roots, through
/// the proxies of a [`ProxyConfig`] (https in a `CONNECT` tunnel, http in absolute form).
#[derive(Clone, Debug)]
pub struct HyperTransport {
    client: HyperClient,
    /// For requests marked [`Direct`].
    direct: HyperClient,
    proxies: Arc<ProxyConfig>,
}

/// Settings of a [`HyperTransport`].
#[derive(Clone, Debug)]
#[must_use]
pub struct HyperTransportBuilder {
    connect_timeout: Option<Duration>,
    max_idle_per_host: usize,
    root_certificates: Vec<Vec<u8>>,
    proxy: Option<ProxyConfig>,
}

impl HyperTransport {
    /// Settings with the defaults (10 s connect timeout).
    pub fn builder() -> HyperTransportBuilder {
        HyperTransportBuilder {
            connect_timeout: Some(DEFAULT_CONNECT_TIMEOUT),
            max_idle_per_host: crate::client::DEFAULT_MAX_CONCURRENCY,
            root_certificates: Vec::new(),
            proxy: None,
        }
    }
}

impl HyperTransportBuilder {
    /// The time to open a TCP connection.
    pub fn connect_timeout(mut self, limit: impl Into<Option<Duration>>) -> Self {
        self.connect_timeout = limit.into();
        self
    }

    /// How many idle connections per host the pool keeps.
    pub fn max_idle_per_host(mut self, connections: usize) -> Self {
        self.max_idle_per_host = connections;
        self
    }

    /// Trusts the certificates in `pem` (one or more `CERTIFICATE` sections) as root
    /// certificates, in addition to the built-in Mozilla (webpki) roots: for a corporate CA or
    /// a local HTTPS endpoint. Checked by [`HyperTransportBuilder::build`], which fails with
    /// [`BuildError::InvalidRootCertificate`] if `pem` holds no certificate or a malformed one.
    ///
    /// ```
    /// # fn run(ca_pem: &[u8]) -> Result<(), lambda_async::BuildError> {
    /// use lambda_async::HyperTransport;
    ///
    /// let transport = HyperTransport::builder()
    ///     .add_root_certificate_pem(ca_pem)
    ///     .build()?;
    /// let client = lambda_async::Client::builder()
    ///     .region("eu-west-1")
    ///     .endpoint_url("https://lambda.internal.example:8443")
    ///     .transport(transport)
    ///     # .credentials(lambda_proto::credentials::Credentials::new("AKID", "secret", None, None))
    ///     .build()?;
    /// # let _ = client; Ok(()) }
    /// ```
    pub fn add_root_certificate_pem(mut self, pem: &[u8]) -> Self {
        self.root_certificates.push(pem.to_vec());
        self
    }

    /// Which requests go through which proxy (default: the proxy variables of the process
    /// environment, see [`ProxyConfig::from_env_with`]).
    pub fn proxy(mut self, proxies: ProxyConfig) -> Self {
        self.proxy = Some(proxies);
        self
    }

    /// Builds the transport (no connection is opened yet); fails on an invalid root
    /// certificate, or with [`BuildError::Proxy`] on a proxy variable that cannot be used.
    pub fn build(self) -> Result<HyperTransport, BuildError> {
        let proxies = match self.proxy {
            Some(proxies) => proxies,
            None => {
                ProxyConfig::from_env_with(lambda_env::process_env).map_err(BuildError::Proxy)?
            }
        };
        let proxies = Arc::new(proxies);
        let tls_config = match self.root_certificates.is_empty() {
            true => None,
            false => Some(tls_config(&self.root_certificates)?),
        };
        let tls = || {
            let tls = hyper_rustls::HttpsConnectorBuilder::new();
            match &tls_config {
                None => tls.with_webpki_roots(),
                Some(config) => tls.with_tls_config(config.clone()),
            }
        };
        let client = |proxies: Arc<ProxyConfig>| -> HyperClient {
            let mut http = HttpConnector::new();
            http.enforce_http(false);
            http.set_connect_timeout(self.connect_timeout);
            http.set_nodelay(true);
            let https = tls()
                .https_or_http()
                .enable_http1()
                .enable_http2()
                .wrap_connector(ProxyConnector::new(http, proxies));
            hyper_util::client::legacy::Client::builder(TokioExecutor::new())
                .pool_timer(TokioTimer::new())
                .timer(TokioTimer::new())
                .pool_idle_timeout(POOL_IDLE_TIMEOUT)
                .pool_max_idle_per_host(self.max_idle_per_host)
                .build(https)
        };
        Ok(HyperTransport {
            client: client(Arc::clone(&proxies)),
            direct: client(Arc::new(ProxyConfig::direct())),
            proxies,
        })
    }
}

/// A rustls configuration trusting the webpki roots and the certificates in `pems`.
fn tls_config(pems: &[Vec<u8>]) -> Result<rustls::ClientConfig, BuildError> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::CertificateDer;

    let mut roots = rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    for (index, pem) in pems.iter().enumerate() {
        let invalid = |reason: String| BuildError::InvalidRootCertificate { index, reason };
        let mut found = false;
        for cert in CertificateDer::pem_slice_iter(pem) {
            let cert = cert.map_err(|e| invalid(e.to_string()))?;
            roots.add(cert).map_err(|e| invalid(e.to_string()))?;
            found = true;
        }
        if !found {
            return Err(invalid("no CERTIFICATE section found".to_string()));
        }
    }
    Ok(rustls::ClientConfig::builder()
        .with_root_certificates(roots)
        .with_no_client_auth())
}

impl Transport for HyperTransport {
    fn send(
        &self,
        request: http::Request<bytes::Bytes>,
    ) -> BoxFuture<'static, Result<http::Response<Body>, TransportError>> {
        let mut request = request;
        let client = if request.extensions().get::<Direct>().is_some() {
            self.direct.clone()
        } else {
            if request.uri().scheme_str() == Some("http") {
                // Sent to the proxy itself (absolute form): it reads the credentials here.
                let auth = self
                    .proxies
                    .intercept(request.uri())
                    .and_then(|p| p.basic_auth());
                if let Some(auth) = auth {
                    request
                        .headers_mut()
                        .insert(http::header::PROXY_AUTHORIZATION, auth);
                }
            }
            self.client.clone()
        };
        Box::pin(async move {
            let request = request.map(Full::new);
            match client.request(request).await {
                Ok(response) => Ok(response.map(boxed_body)),
                Err(err) => {
                    let mut kind = error_kind(&err);
                    if err.is_connect()
                        && !matches!(kind, TransportErrorKind::Timeout | TransportErrorKind::Tls)
                    {
                        kind = TransportErrorKind::Connect;
                    }
                    Err(transport_error(kind, err))
                }
            }
        })
    }
}

impl Client {
    /// A client configured like the AWS CLI: region, credentials, endpoint URL, FIPS and
    /// dual-stack, retry mode and attempts from the environment (`AWS_REGION`,
    /// `AWS_ACCESS_KEY_ID`, `AWS_PROFILE`, `AWS_ENDPOINT_URL_LAMBDA`, ...) and the shared
    /// config and credentials files. Credentials come from the default chain of the AWS
    /// SDKs (environment, profile with roles, SSO, `credential_process` and web identity,
    /// web identity from the environment, container endpoint, instance metadata; see
    /// [`lambda_proto::credentials::default_chain`]), fetched when first needed and
    /// refreshed before they expire.
    pub async fn from_env() -> Result<Client, BuildError> {
        Self::builder_from_env()?.build()
    }
}
