//! Moving bytes with ureq: one shared connection pool, per-request timeouts, a bounded
//! body read, and ureq's errors mapped to [`TransportErrorKind`].

use std::io::{self, Read};
use std::time::Duration;

use lambda_proto::error::{Error, TransportError, TransportErrorKind};
use lambda_proto::proxy::{Proxy, ProxyConfig, ProxyError};

/// A transport failure with its kind.
pub(crate) fn transport_error(
    kind: TransportErrorKind,
    source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
) -> TransportError {
    match Error::<()>::transport(kind, source) {
        Error::Transport(e) => e,
        _ => unreachable!("Error::transport builds Error::Transport"),
    }
}

/// Whether `err` or one of its sources is a TLS failure (handshake, certificate): one that
/// trying again does not mend.
pub(crate) fn is_tls_failure(err: &(dyn std::error::Error + 'static)) -> bool {
    let mut next = Some(err);
    while let Some(e) = next {
        if e.is::<rustls::Error>() {
            return true;
        }
        // An I/O error's `source` skips the error it wraps: look inside it too.
        if let Some(inner) = e.downcast_ref::<io::Error>().and_then(io::Error::get_ref) {
            if is_tls_failure(inner) {
                return true;
            }
        }
        next = e.source();
    }
    false
}

/// Maps an error of ureq.
pub(crate) fn from_ureq(err: ureq::Error) -> TransportError {
    let kind = match &err {
        ureq::Error::Tls(_) | ureq::Error::Rustls(_) => TransportErrorKind::Tls,
        ureq::Error::Io(e) if e.get_ref().is_some_and(|inner| is_tls_failure(inner)) => {
            TransportErrorKind::Tls
        }
        ureq::Error::Timeout(_) => TransportErrorKind::Timeout,
        ureq::Error::Io(e) => io_kind(e),
        ureq::Error::HostNotFound | ureq::Error::ConnectionFailed => TransportErrorKind::Connect,
        ureq::Error::Protocol(_) => TransportErrorKind::Reset,
        ureq::Error::BodyExceedsLimit(_) => TransportErrorKind::BodyTooLarge,
        _ => TransportErrorKind::Other,
    };
    transport_error(kind, err)
}

/// Maps an IO error (ureq errors wrapped in IO errors are unwrapped first).
pub(crate) fn from_io(err: io::Error) -> TransportError {
    from_ureq(ureq::Error::from(err))
}

fn io_kind(e: &io::Error) -> TransportErrorKind {
    TransportErrorKind::from_io(e.kind())
}

/// Parses PEM root certificates; an error names the index of the bad input and the reason.
pub(crate) fn parse_root_pems(
    pems: &[Vec<u8>],
) -> Result<Vec<ureq::tls::Certificate<'static>>, (usize, String)> {
    use rustls_pki_types::pem::PemObject;
    use rustls_pki_types::CertificateDer;
    let mut out = Vec::new();
    for (index, pem) in pems.iter().enumerate() {
        let before = out.len();
        for cert in CertificateDer::pem_slice_iter(pem) {
            let cert = cert.map_err(|e| (index, e.to_string()))?;
            out.push(ureq::tls::Certificate::from_der(cert.as_ref()).to_owned());
        }
        if out.len() == before {
            return Err((index, "no CERTIFICATE section found".to_string()));
        }
    }
    Ok(out)
}

/// Timeouts of one request (`None`: no limit).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Timeouts {
    /// Opening the connection.
    pub connect: Option<Duration>,
    /// Waiting for the response head.
    pub read: Option<Duration>,
    /// Reading the whole body (`None` for a streamed body, read as it comes).
    pub body: Option<Duration>,
}

impl Timeouts {
    /// Timeouts of each part of an exchange.
    pub fn new(connect: Option<Duration>, read: Option<Duration>, body: Option<Duration>) -> Self {
        Timeouts {
            connect,
            read,
            body,
        }
    }
}

/// How the blocking client moves bytes: send one signed request, return the response
/// head and a reader of its body. The default is ureq with rustls; give another with
/// [`ClientBuilder::transport`](crate::ClientBuilder::transport) (another HTTP stack, a
/// proxy of your own, or a stub: see the `testing` module, feature `testing`). The client
/// reads bodies within its `max_body_size` and maps nothing else: classify failures with
/// [`TransportErrorKind`] so retries can tell transient from fatal.
///
/// ```
/// use std::io::Read;
/// use lambda_blocking::{Timeouts, Transport};
/// use lambda_proto::error::TransportError;
///
/// /// Answers every request with `{}`.
/// #[derive(Debug)]
/// struct Empty;
///
/// impl Transport for Empty {
///     fn send(
///         &self,
///         _request: http::Request<bytes::Bytes>,
///         _timeouts: &Timeouts,
///     ) -> Result<http::Response<Box<dyn Read + Send>>, TransportError> {
///         let body: Box<dyn Read + Send> = Box::new(std::io::Cursor::new(b"{}".to_vec()));
///         Ok(http::Response::new(body))
///     }
/// }
/// ```
pub trait Transport: Send + Sync + std::fmt::Debug + 'static {
    /// Sends `request` (signed, complete) within `timeouts`; returns the response head
    /// and its body as a reader.
    fn send(
        &self,
        request: http::Request<bytes::Bytes>,
        timeouts: &Timeouts,
    ) -> Result<http::Response<Box<dyn Read + Send>>, TransportError>;
}

/// The transport the client holds: any [`Transport`], with a bounded whole-body read.
#[derive(Debug, Clone)]
pub(crate) struct Http(pub(crate) std::sync::Arc<dyn Transport>);

impl Http {
    /// Sends `request`; returns the response head and the unread body.
    pub(crate) fn start(
        &self,
        request: http::Request<bytes::Bytes>,
        timeouts: Timeouts,
    ) -> Result<http::Response<Box<dyn Read + Send>>, TransportError> {
        self.0.send(request, &timeouts)
    }

    /// Sends `request` and reads the whole body, at most `limit` bytes.
    pub(crate) fn send(
        &self,
        request: http::Request<bytes::Bytes>,
        timeouts: Timeouts,
        limit: u64,
    ) -> Result<http::Response<Vec<u8>>, TransportError> {
        let response = self.start(request, timeouts)?;
        let (parts, body) = response.into_parts();
        let body = read_limited(body, body_len_hint(&parts.headers), limit)?;
        Ok(http::Response::from_parts(parts, body))
    }
}

/// The default transport: ureq with rustls, one agent (connection pool) for direct
/// connections and one per proxy, chosen per request URL by the [`ProxyConfig`].
#[derive(Debug, Clone)]
pub(crate) struct UreqTransport {
    direct: ureq::Agent,
    proxies: ProxyConfig,
    via: Vec<(Proxy, ureq::Agent)>,
}

impl Transport for UreqTransport {
    fn send(
        &self,
        request: http::Request<bytes::Bytes>,
        timeouts: &Timeouts,
    ) -> Result<http::Response<Box<dyn Read + Send>>, TransportError> {
        let response = self.start(request, *timeouts)?;
        Ok(response.map(|body| Box::new(body.into_reader()) as Box<dyn Read + Send>))
    }
}

impl UreqTransport {
    /// `extra_roots`: DER root certificates trusted besides the webpki roots. `proxies` says
    /// which requests go through which proxy; ureq reads no proxy variable itself.
    pub(crate) fn new(
        user_agent: &str,
        extra_roots: Vec<ureq::tls::Certificate<'static>>,
        proxies: ProxyConfig,
    ) -> Result<Self, ProxyError> {
        // One copy of the webpki roots in the tree (as certificates, which ureq takes), read
        // once per connection pool at its first TLS connection; rustls on ring, as in the
        // rest of the crate.
        let webpki = webpki_root_certs::TLS_SERVER_ROOT_CERTS
            .iter()
            .map(|der| ureq::tls::Certificate::from_der(der.as_ref()));
        let tls = ureq::tls::TlsConfig::builder()
            .root_certs(ureq::tls::RootCerts::from(webpki.chain(extra_roots)))
            .unversioned_rustls_crypto_provider(std::sync::Arc::new(
                rustls::crypto::ring::default_provider(),
            ))
            .build();
        let agent = |proxy: Option<ureq::Proxy>| {
            let config = ureq::Agent::config_builder()
                .tls_config(tls.clone())
                .proxy(proxy)
                .http_status_as_error(false)
                .max_redirects(0)
                // Keep connections for fan-outs of many invocations at a time.
                .max_idle_connections(256)
                .max_idle_connections_per_host(256)
                .max_redirects_will_error(false)
                .user_agent(user_agent)
                .build();
            ureq::Agent::new_with_config(config)
        };
        let mut via: Vec<(Proxy, ureq::Agent)> = Vec::new();
        for proxy in [proxies.http_proxy(), proxies.https_proxy()]
            .into_iter()
            .flatten()
        {
            if !via.iter().any(|(p, _)| p == proxy) {
                via.push((proxy.clone(), agent(Some(ureq_proxy(proxy)?))));
            }
        }
        Ok(UreqTransport {
            direct: agent(None),
            proxies,
            via,
        })
    }

    /// The agent for `request`: through its proxy, or direct.
    fn agent_for<B>(&self, request: &http::Request<B>) -> &ureq::Agent {
        match self.proxies.intercept_request(request) {
            Some(proxy) => self
                .via
                .iter()
                .find_map(|(p, agent)| (p == proxy).then_some(agent))
                .unwrap_or(&self.direct),
            None => &self.direct,
        }
    }

    /// Sends `request`; returns the response head and the unread body.
    pub(crate) fn start(
        &self,
        request: http::Request<bytes::Bytes>,
        timeouts: Timeouts,
    ) -> Result<http::Response<ureq::Body>, TransportError> {
        let (parts, body) = request.into_parts();
        // A request without a body sends none: no `Content-Length: 0` on a GET or
        // DELETE (botocore sends none either). A POST or PUT says its length, even 0.
        let bodiless = body.is_empty()
            && matches!(
                parts.method,
                http::Method::GET | http::Method::HEAD | http::Method::DELETE
            );
        if bodiless {
            self.run(http::Request::from_parts(parts, ()), timeouts)
        } else {
            self.run(http::Request::from_parts(parts, &body[..]), timeouts)
        }
    }

    fn run(
        &self,
        request: http::Request<impl ureq::AsSendBody>,
        timeouts: Timeouts,
    ) -> Result<http::Response<ureq::Body>, TransportError> {
        let agent = self.agent_for(&request);
        let request = agent
            .configure_request(request)
            .timeout_connect(timeouts.connect)
            .timeout_recv_response(timeouts.read)
            .timeout_recv_body(timeouts.body)
            .build();
        agent.run(request).map_err(from_ureq)
    }
}

/// ureq's form of `proxy` (`CONNECT` for every scheme: ureq has no absolute-form).
fn ureq_proxy(proxy: &Proxy) -> Result<ureq::Proxy, ProxyError> {
    let host = proxy.host();
    let host = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    let mut builder = ureq::Proxy::builder(ureq::ProxyProtocol::Http)
        .host(host)
        .port(proxy.port());
    if let Some((user, password)) = proxy.credentials() {
        builder = builder.username(user).password(password);
    }
    builder
        .build()
        .map_err(|e| ProxyError::new(format!("proxy {}", proxy.authority()), e.to_string()))
}

fn body_len_hint(headers: &http::HeaderMap) -> Option<u64> {
    headers
        .get(http::header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()
}

/// Reads `reader` to its end; more than `limit` bytes is [`TransportErrorKind::BodyTooLarge`].
pub(crate) fn read_limited(
    reader: impl Read,
    content_length: Option<u64>,
    limit: u64,
) -> Result<Vec<u8>, TransportError> {
    let too_large = |n: &dyn std::fmt::Display| {
        transport_error(
            TransportErrorKind::BodyTooLarge,
            format!("response body of {n} bytes is over the limit of {limit} bytes"),
        )
    };
    if let Some(len) = content_length {
        if len > limit {
            return Err(too_large(&len));
        }
    }
    let mut reader = reader.take(limit.saturating_add(1));
    let mut body = Vec::new();
    if let Some(len) = content_length.and_then(|n| usize::try_from(n).ok()) {
        // The announced length (within the limit) in one zeroed allocation: large ones
        // come from the allocator already zeroed, so the body is neither zero-filled as
        // it is read nor moved as it grows.
        body = vec![0u8; len];
        let mut filled = 0;
        while filled < len {
            match reader.read(&mut body[filled..]) {
                Ok(0) => break,
                Ok(n) => filled += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(from_io(e)),
            }
        }
        body.truncate(filled);
    }
    // Whatever is left (all of it without a Content-Length): the vector grows only as
    // bytes arrive.
    reader.read_to_end(&mut body).map_err(from_io)?;
    if body.len() as u64 > limit {
        return Err(too_large(&format_args!("more than {limit}")));
    }
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limit_is_inclusive() {
        let data = [7u8; 100];
        assert_eq!(read_limited(&data[..], None, 100).unwrap().len(), 100);
        let err = read_limited(&data[..], None, 99).unwrap_err();
        assert_eq!(err.kind(), TransportErrorKind::BodyTooLarge);
        let err = read_limited(&data[..0], Some(1000), 999).unwrap_err();
        assert_eq!(err.kind(), TransportErrorKind::BodyTooLarge);
    }

    #[test]
    fn content_length_is_a_hint_not_a_promise() {
        let data: Vec<u8> = (0..=255u8).cycle().take(3000).collect();
        // (bytes sent, Content-Length, limit): the body read is what was sent, whatever
        // the header said, unless it is over the limit.
        for (sent, announced, limit) in [
            (1000, Some(1000), 5000),
            (500, Some(1000), 5000),
            (1500, Some(1000), 5000),
            (1500, None, 5000),
            (0, Some(0), 5000),
        ] {
            let body = read_limited(&data[..sent], announced, limit).unwrap();
            assert_eq!(body, &data[..sent], "{sent} sent, {announced:?} announced");
        }
        let err = read_limited(&data[..1500], Some(1000), 1200).unwrap_err();
        assert_eq!(err.kind(), TransportErrorKind::BodyTooLarge);
    }

    #[test]
    fn io_errors_map_to_kinds() {
        let cases = [
            (
                io::ErrorKind::ConnectionRefused,
                TransportErrorKind::Connect,
            ),
            (io::ErrorKind::ConnectionReset, TransportErrorKind::Reset),
            (io::ErrorKind::UnexpectedEof, TransportErrorKind::Reset),
            (io::ErrorKind::TimedOut, TransportErrorKind::Timeout),
            (io::ErrorKind::PermissionDenied, TransportErrorKind::Io),
        ];
        for (io_kind, want) in cases {
            assert_eq!(
                from_io(io::Error::new(io_kind, "x")).kind(),
                want,
                "{io_kind:?}"
            );
        }
        let t = from_ureq(ureq::Error::Timeout(ureq::Timeout::RecvResponse));
        assert_eq!(t.kind(), TransportErrorKind::Timeout);
    }
}
