//! A loopback HTTPS front end: [`TlsProxy`] terminates TLS with a certificate for
//! `localhost` / `127.0.0.1`, issued by a certificate authority made when the proxy starts,
//! and forwards the plain bytes of each connection to a backend (a [`LoopbackServer`] or a
//! moto server). Threads only.
//!
//! [`LoopbackServer`]: crate::LoopbackServer

use std::io::{self, Read, Write};
use std::net::{IpAddr, Ipv4Addr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair,
    KeyUsagePurpose, SanType,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::{ServerConfig, ServerConnection};

/// How long an idle connection loop sleeps between polls.
const POLL: Duration = Duration::from_millis(1);

/// A certificate authority and a server certificate for `localhost` and `127.0.0.1` it
/// issued, made fresh (new keys) by [`TestCa::new`].
pub struct TestCa {
    ca_pem: String,
    server_chain: Vec<CertificateDer<'static>>,
    server_key: Vec<u8>,
}

impl TestCa {
    /// Makes a CA (ECDSA P-256) and a server certificate for `localhost` / `127.0.0.1`.
    pub fn new() -> TestCa {
        let fail = |what: &str, e: rcgen::Error| -> ! { panic!("test CA: {what}: {e}") };
        let ca_key = KeyPair::generate().unwrap_or_else(|e| fail("CA key", e));
        let mut ca_params =
            CertificateParams::new(Vec::<String>::new()).unwrap_or_else(|e| fail("CA params", e));
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(DnType::CommonName, "lambda-rs test CA");
        ca_params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let ca_cert = ca_params
            .self_signed(&ca_key)
            .unwrap_or_else(|e| fail("CA certificate", e));

        let server_key = KeyPair::generate().unwrap_or_else(|e| fail("server key", e));
        let mut params = CertificateParams::new(Vec::<String>::new())
            .unwrap_or_else(|e| fail("server params", e));
        params
            .distinguished_name
            .push(DnType::CommonName, "localhost");
        params.subject_alt_names = vec![
            SanType::DnsName(
                "localhost"
                    .to_string()
                    .try_into()
                    .unwrap_or_else(|e| fail("DNS name", e)),
            ),
            SanType::IpAddress(IpAddr::V4(Ipv4Addr::LOCALHOST)),
        ];
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        let server_cert = params
            .signed_by(&server_key, &ca_cert, &ca_key)
            .unwrap_or_else(|e| fail("server certificate", e));
        TestCa {
            ca_pem: ca_cert.pem(),
            server_chain: vec![server_cert.der().clone()],
            server_key: server_key.serialize_der(),
        }
    }

    /// The CA certificate, PEM: what a client must trust.
    pub fn ca_pem(&self) -> &str {
        &self.ca_pem
    }

    /// A rustls server configuration (ring provider) presenting the server certificate and
    /// offering `alpn` protocols (e.g. `[b"http/1.1".to_vec()]`).
    pub fn server_config(&self, alpn: Vec<Vec<u8>>) -> Arc<ServerConfig> {
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(self.server_key.clone()));
        let mut config =
            ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
                .with_safe_default_protocol_versions()
                .unwrap_or_else(|e| panic!("test CA: protocol versions: {e}"))
                .with_no_client_auth()
                .with_single_cert(self.server_chain.clone(), key)
                .unwrap_or_else(|e| panic!("test CA: server certificate: {e}"));
        config.alpn_protocols = alpn;
        Arc::new(config)
    }
}

impl Default for TestCa {
    fn default() -> Self {
        TestCa::new()
    }
}

#[derive(Default)]
struct Shared {
    shutdown: AtomicBool,
    connections: AtomicUsize,
    handshake_failures: AtomicUsize,
    alpn: Mutex<Vec<Option<String>>>,
}

/// A TLS-terminating proxy on `127.0.0.1`, in front of a plain backend. Each accepted
/// connection, after its handshake, gets its own backend connection; bytes are copied both
/// ways until either side closes. Stops (and joins its accept thread) on drop.
///
/// ```
/// let backend = test_support::LoopbackServer::start(vec![]);
/// let proxy = test_support::TlsProxy::start(backend.addr());
/// assert!(proxy.url().starts_with("https://localhost:"));
/// assert!(proxy.ca_pem().starts_with("-----BEGIN CERTIFICATE-----"));
/// ```
pub struct TlsProxy {
    addr: SocketAddr,
    ca: TestCa,
    shared: Arc<Shared>,
    accept_thread: Option<JoinHandle<()>>,
}

impl TlsProxy {
    /// Starts a proxy to `backend` with a new [`TestCa`], offering ALPN `http/1.1` only.
    pub fn start(backend: SocketAddr) -> TlsProxy {
        let ca = TestCa::new();
        let config = ca.server_config(vec![b"http/1.1".to_vec()]);
        let listener = TcpListener::bind("127.0.0.1:0")
            .unwrap_or_else(|e| panic!("TLS proxy: cannot bind 127.0.0.1:0: {e}"));
        let addr = listener
            .local_addr()
            .unwrap_or_else(|e| panic!("TLS proxy: no local address: {e}"));
        listener
            .set_nonblocking(true)
            .unwrap_or_else(|e| panic!("TLS proxy: cannot set non-blocking: {e}"));
        let shared = Arc::new(Shared::default());
        let thread_shared = Arc::clone(&shared);
        let accept_thread = thread::Builder::new()
            .name(format!("tls-proxy-{}", addr.port()))
            .spawn(move || accept_loop(listener, backend, config, thread_shared))
            .unwrap_or_else(|e| panic!("TLS proxy: cannot spawn a thread: {e}"));
        TlsProxy {
            addr,
            ca,
            shared,
            accept_thread: Some(accept_thread),
        }
    }

    /// The address the proxy listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The base URL, `https://localhost:PORT` (no trailing slash).
    pub fn url(&self) -> String {
        format!("https://localhost:{}", self.addr.port())
    }

    /// The PEM of the CA that issued the proxy's certificate.
    pub fn ca_pem(&self) -> &str {
        self.ca.ca_pem()
    }

    /// Connections accepted so far.
    pub fn connection_count(&self) -> usize {
        self.shared.connections.load(Ordering::SeqCst)
    }

    /// Connections whose TLS handshake failed (e.g. the client rejected the certificate).
    pub fn handshake_failures(&self) -> usize {
        self.shared.handshake_failures.load(Ordering::SeqCst)
    }

    /// The ALPN protocol negotiated on each completed handshake, in order.
    pub fn negotiated_alpn(&self) -> Vec<Option<String>> {
        self.shared
            .alpn
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

impl Drop for TlsProxy {
    fn drop(&mut self) {
        self.shared.shutdown.store(true, Ordering::SeqCst);
        if let Some(t) = self.accept_thread.take() {
            let _ = t.join();
        }
    }
}

fn accept_loop(
    listener: TcpListener,
    backend: SocketAddr,
    config: Arc<ServerConfig>,
    shared: Arc<Shared>,
) {
    let mut workers = Vec::new();
    while !shared.shutdown.load(Ordering::SeqCst) {
        match listener.accept() {
            Ok((tcp, _)) => {
                shared.connections.fetch_add(1, Ordering::SeqCst);
                let config = Arc::clone(&config);
                let shared = Arc::clone(&shared);
                workers.push(thread::spawn(move || {
                    let _ = serve(tcp, backend, config, &shared);
                }));
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => thread::sleep(POLL * 5),
            Err(_) => thread::sleep(POLL * 5),
        }
    }
    for w in workers {
        let _ = w.join();
    }
}

/// Writes all of `buf` to a non-blocking stream.
fn write_all_nb(stream: &mut TcpStream, mut buf: &[u8], shared: &Shared) -> io::Result<()> {
    while !buf.is_empty() {
        if shared.shutdown.load(Ordering::SeqCst) {
            return Err(io::ErrorKind::Interrupted.into());
        }
        match stream.write(buf) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(n) => buf = &buf[n..],
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => thread::sleep(POLL),
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Flushes pending TLS records to the client.
fn flush_tls(conn: &mut ServerConnection, tcp: &mut TcpStream, shared: &Shared) -> io::Result<()> {
    while conn.wants_write() {
        if shared.shutdown.load(Ordering::SeqCst) {
            return Err(io::ErrorKind::Interrupted.into());
        }
        match conn.write_tls(tcp) {
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => thread::sleep(POLL),
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

fn serve(
    mut tcp: TcpStream,
    backend: SocketAddr,
    config: Arc<ServerConfig>,
    shared: &Shared,
) -> io::Result<()> {
    tcp.set_nonblocking(true)?;
    let mut conn = ServerConnection::new(config).map_err(io::Error::other)?;
    let mut upstream: Option<TcpStream> = None;
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        if shared.shutdown.load(Ordering::SeqCst) {
            return Ok(());
        }
        let mut progress = false;
        let was_handshaking = conn.is_handshaking();
        match conn.read_tls(&mut tcp) {
            Ok(0) => {
                if was_handshaking {
                    shared.handshake_failures.fetch_add(1, Ordering::SeqCst);
                }
                if let Some(up) = &upstream {
                    let _ = up.shutdown(Shutdown::Write);
                }
                return Ok(());
            }
            Ok(_) => {
                progress = true;
                if let Err(e) = conn.process_new_packets() {
                    if was_handshaking {
                        shared.handshake_failures.fetch_add(1, Ordering::SeqCst);
                    }
                    let _ = flush_tls(&mut conn, &mut tcp, shared);
                    return Err(io::Error::other(e));
                }
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
            Err(e) => {
                if was_handshaking {
                    shared.handshake_failures.fetch_add(1, Ordering::SeqCst);
                }
                return Err(e);
            }
        }
        if upstream.is_none() && !conn.is_handshaking() {
            let alpn = conn
                .alpn_protocol()
                .map(|p| String::from_utf8_lossy(p).into_owned());
            shared
                .alpn
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(alpn);
            let up = TcpStream::connect(backend)?;
            up.set_nonblocking(true)?;
            upstream = Some(up);
        }
        if let Some(up) = upstream.as_mut() {
            // Client -> backend.
            loop {
                match conn.reader().read(&mut buf) {
                    Ok(0) => {
                        // close_notify: no more requests.
                        let _ = up.shutdown(Shutdown::Write);
                        break;
                    }
                    Ok(n) => {
                        progress = true;
                        write_all_nb(up, &buf[..n], shared)?;
                    }
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                    Err(e) => return Err(e),
                }
            }
            // Backend -> client.
            match up.read(&mut buf) {
                Ok(0) => {
                    conn.send_close_notify();
                    let _ = flush_tls(&mut conn, &mut tcp, shared);
                    let _ = tcp.shutdown(Shutdown::Write);
                    return Ok(());
                }
                Ok(n) => {
                    progress = true;
                    conn.writer().write_all(&buf[..n])?;
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) => {
                    // Backend reset: pass it on as an abrupt close.
                    let _ = tcp.shutdown(Shutdown::Both);
                    return Err(e);
                }
            }
        }
        if conn.wants_write() {
            progress = true;
            flush_tls(&mut conn, &mut tcp, shared)?;
        }
        if !progress {
            thread::sleep(POLL);
        }
    }
}
