//! A [`Transport`] on hyper's `client::conn::http1` for any runtime: the caller opens the
//! connections (TCP, TLS, whatever its runtime offers) and spawns their tasks; this keeps
//! the idle ones and reuses them.

use std::collections::HashMap;
use std::fmt;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll};

use bytes::Bytes;
use futures_util::future::BoxFuture;
use http_body_util::Full;
use hyper::body::{Body as HttpBody, Frame, Incoming, SizeHint};
use hyper::client::conn::http1::{self, SendRequest};
use lambda_proto::error::{TransportError, TransportErrorKind};

use crate::transport::{boxed_body, error_kind, io_kind, transport_error, Body};
use crate::Transport;

/// Opens a connection to the host and port of a URI: a plain socket for `http`, a TLS
/// stream for `https` (hyper's I/O traits; wrap a runtime's socket to get them).
pub trait Connect: Send + Sync + 'static {
    /// The connection.
    type Io: hyper::rt::Read + hyper::rt::Write + Send + Unpin + 'static;
    /// Opens a connection to `uri`'s authority.
    fn connect(&self, uri: &http::Uri) -> BoxFuture<'static, io::Result<Self::Io>>;
}

impl<F, Io> Connect for F
where
    F: Fn(&http::Uri) -> BoxFuture<'static, io::Result<Io>> + Send + Sync + 'static,
    Io: hyper::rt::Read + hyper::rt::Write + Send + Unpin + 'static,
{
    type Io = Io;
    fn connect(&self, uri: &http::Uri) -> BoxFuture<'static, io::Result<Io>> {
        self(uri)
    }
}

/// Runs a connection's task (`smol::spawn`, `async_std::task::spawn`, a thread...).
pub type Spawn = dyn Fn(BoxFuture<'static, ()>) + Send + Sync;

type Sender = SendRequest<Full<Bytes>>;

/// HTTP/1.1 over connections the caller opens, kept alive and reused.
///
/// A connection goes back to the pool when the body of its response has been read to the
/// end (a response dropped half-read closes it); at most `max_idle` wait per host.
///
/// ```
/// use futures_util::future::BoxFuture;
/// use lambda_async::{ConnTransport, Spawn};
///
/// # struct Socket;
/// # impl hyper::rt::Read for Socket {
/// #     fn poll_read(self: std::pin::Pin<&mut Self>, _: &mut std::task::Context<'_>, _: hyper::rt::ReadBufCursor<'_>) -> std::task::Poll<std::io::Result<()>> { unimplemented!() }
/// # }
/// # impl hyper::rt::Write for Socket {
/// #     fn poll_write(self: std::pin::Pin<&mut Self>, _: &mut std::task::Context<'_>, _: &[u8]) -> std::task::Poll<std::io::Result<usize>> { unimplemented!() }
/// #     fn poll_flush(self: std::pin::Pin<&mut Self>, _: &mut std::task::Context<'_>) -> std::task::Poll<std::io::Result<()>> { unimplemented!() }
/// #     fn poll_shutdown(self: std::pin::Pin<&mut Self>, _: &mut std::task::Context<'_>) -> std::task::Poll<std::io::Result<()>> { unimplemented!() }
/// # }
/// # async fn open(_: String) -> std::io::Result<Socket> { unimplemented!() }
/// // `open` is the runtime's TCP (or TLS) connect, wrapped in hyper's I/O traits.
/// let connect = |uri: &http::Uri| -> BoxFuture<'static, std::io::Result<Socket>> {
///     let authority = uri.authority().map(|a| a.to_string()).unwrap_or_default();
///     Box::pin(open(authority))
/// };
/// // The runtime's spawn; here a thread per connection.
/// let spawn = |task: BoxFuture<'static, ()>| {
///     std::thread::spawn(move || futures_executor::block_on(task));
/// };
/// let transport = ConnTransport::new(connect, spawn).max_idle_per_host(8);
/// # let _ = transport;
/// ```
pub struct ConnTransport<C: Connect> {
    inner: Arc<Inner<C>>,
}

struct Inner<C> {
    connector: C,
    spawn: Box<Spawn>,
    pool: Arc<Pool>,
}

impl<C: Connect> fmt::Debug for ConnTransport<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConnTransport")
            .field(
                "max_idle_per_host",
                &self.inner.pool.max_idle.load(Ordering::Relaxed),
            )
            .finish_non_exhaustive()
    }
}

impl<C: Connect> ConnTransport<C> {
    /// A transport opening connections with `connector` and running their tasks with
    /// `spawn`; keeps up to 16 idle connections per host.
    pub fn new(
        connector: C,
        spawn: impl Fn(BoxFuture<'static, ()>) + Send + Sync + 'static,
    ) -> Self {
        ConnTransport {
            inner: Arc::new(Inner {
                connector,
                spawn: Box::new(spawn),
                pool: Arc::new(Pool {
                    idle: Mutex::new(HashMap::new()),
                    max_idle: AtomicUsize::new(16),
                }),
            }),
        }
    }

    /// The most idle connections kept per host (0: none are reused).
    pub fn max_idle_per_host(self, max: usize) -> Self {
        self.inner.pool.max_idle.store(max, Ordering::Relaxed);
        self
    }
}

impl<C: Connect> Inner<C> {
    /// A pooled connection that is ready for a request, or a new one.
    async fn sender(&self, host: &str, uri: &http::Uri) -> Result<Sender, TransportError> {
        while let Some(mut sender) = self.pool.take(host) {
            if sender.ready().await.is_ok() {
                return Ok(sender);
            }
        }
        let io = self
            .connector
            .connect(uri)
            .await
            .map_err(|e| transport_error(connect_kind(e.kind()), e))?;
        let (sender, connection) = http1::handshake(io)
            .await
            .map_err(|e| transport_error(error_kind(&e), e))?;
        (self.spawn)(Box::pin(async move {
            let _ = connection.await;
        }));
        Ok(sender)
    }
}

/// A failure to open a connection is a connect error unless it timed out.
fn connect_kind(kind: io::ErrorKind) -> TransportErrorKind {
    match io_kind(kind) {
        TransportErrorKind::Timeout => TransportErrorKind::Timeout,
        _ => TransportErrorKind::Connect,
    }
}

impl<C: Connect> Transport for ConnTransport<C> {
    fn send(
        &self,
        request: http::Request<bytes::Bytes>,
    ) -> BoxFuture<'static, Result<http::Response<Body>, TransportError>> {
        let (mut head, body) = request.into_parts();
        let host = match (head.uri.scheme_str(), head.uri.authority()) {
            (Some(scheme), Some(authority)) => format!("{scheme}://{authority}"),
            _ => {
                let err =
                    transport_error(TransportErrorKind::Other, "the request URI is not absolute");
                return Box::pin(async move { Err(err) });
            }
        };
        let uri = head.uri.clone();
        // Origin form on the wire, so the authority goes in `Host`: signed requests carry it
        // already, credential-endpoint requests (IMDS, container, SSO) get it here.
        if !head.headers.contains_key(http::header::HOST) {
            if let Some(authority) = uri
                .authority()
                .and_then(|a| http::HeaderValue::from_str(a.as_str()).ok())
            {
                head.headers.insert(http::header::HOST, authority);
            }
        }
        head.uri = match uri.path_and_query().map_or("/", |p| p.as_str()).parse() {
            Ok(origin) => origin,
            Err(e) => {
                let err = transport_error(TransportErrorKind::Other, e);
                return Box::pin(async move { Err(err) });
            }
        };
        let request = http::Request::from_parts(head, Full::new(body));
        let inner = Arc::clone(&self.inner);
        Box::pin(async move {
            let mut sender = inner.sender(&host, &uri).await?;
            let pool = Arc::clone(&inner.pool);
            let response = sender
                .send_request(request)
                .await
                .map_err(|e| transport_error(error_kind(&e), e))?;
            Ok(response.map(|body| {
                boxed_body(Returning {
                    body,
                    back: Some((sender, pool, host)),
                })
            }))
        })
    }
}

/// The idle connections per host.
struct Pool {
    idle: Mutex<HashMap<String, Vec<Sender>>>,
    max_idle: AtomicUsize,
}

impl Pool {
    fn lock(&self) -> MutexGuard<'_, HashMap<String, Vec<Sender>>> {
        self.idle.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn take(&self, host: &str) -> Option<Sender> {
        let mut idle = self.lock();
        let senders = idle.get_mut(host)?;
        while let Some(sender) = senders.pop() {
            if !sender.is_closed() {
                return Some(sender);
            }
        }
        None
    }

    fn put(&self, host: String, sender: Sender) {
        if sender.is_closed() {
            return;
        }
        let mut idle = self.lock();
        let senders = idle.entry(host).or_default();
        senders.retain(|s| !s.is_closed());
        if senders.len() < self.max_idle.load(Ordering::Relaxed) {
            senders.push(sender);
        }
    }
}

/// A response body that gives its connection back to the pool once read to the end.
struct Returning {
    body: Incoming,
    back: Option<(Sender, Arc<Pool>, String)>,
}

impl HttpBody for Returning {
    type Data = Bytes;
    type Error = hyper::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, hyper::Error>>> {
        let polled = Pin::new(&mut self.body).poll_frame(cx);
        match &polled {
            Poll::Ready(None) => {
                if let Some((sender, pool, host)) = self.back.take() {
                    pool.put(host, sender);
                }
            }
            Poll::Ready(Some(Err(_))) => self.back = None,
            _ => {}
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

/// A `futures-io` connection (smol's and async-std's sockets, `async-io`'s `Async`, their
/// TLS streams) as hyper's I/O traits, for a [`Connect`] implementation.
#[derive(Debug)]
pub struct FuturesIo<T>(pub T);

impl<T: futures_io::AsyncRead + Unpin> hyper::rt::Read for FuturesIo<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        mut buf: hyper::rt::ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        let mut chunk = [0u8; 16 * 1024];
        let len = buf.remaining().min(chunk.len());
        match Pin::new(&mut self.0).poll_read(cx, &mut chunk[..len]) {
            Poll::Ready(Ok(n)) => {
                buf.put_slice(&chunk[..n]);
                Poll::Ready(Ok(()))
            }
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl<T: futures_io::AsyncWrite + Unpin> hyper::rt::Write for FuturesIo<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_close(cx)
    }
}
