//! Connecting through proxies for [`HyperTransport`](crate::HyperTransport): per
//! destination, direct, a `CONNECT` tunnel (https; TLS to the real host follows), or a
//! connection to the proxy marked as proxied (http; hyper then sends absolute-form
//! requests, and the transport adds `Proxy-Authorization`).

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use http::Uri;
use hyper::rt::{Read, ReadBufCursor, Write};
use hyper_util::client::legacy::connect::proxy::Tunnel;
use hyper_util::client::legacy::connect::{Connected, Connection, HttpConnector};
use hyper_util::rt::TokioIo;
use lambda_proto::proxy::ProxyConfig;
use tokio::net::TcpStream;

use crate::transport::BoxError;

/// A connector that follows a [`ProxyConfig`].
#[derive(Clone, Debug)]
pub(crate) struct ProxyConnector {
    http: HttpConnector,
    proxies: Arc<ProxyConfig>,
}

impl ProxyConnector {
    pub(crate) fn new(http: HttpConnector, proxies: Arc<ProxyConfig>) -> Self {
        ProxyConnector { http, proxies }
    }
}

/// A TCP connection, to the destination (perhaps tunnelled) or to a forwarding proxy.
#[derive(Debug)]
pub(crate) struct MaybeProxied {
    io: TokioIo<TcpStream>,
    forwarding: bool,
}

impl tower_service::Service<Uri> for ProxyConnector {
    type Response = MaybeProxied;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<MaybeProxied, BoxError>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        self.http.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, dst: Uri) -> Self::Future {
        let mut http = self.http.clone();
        let proxy = self.proxies.intercept(&dst).cloned();
        Box::pin(async move {
            let (io, forwarding) = match proxy {
                None => (http.call(dst).await?, false),
                Some(proxy) if dst.scheme_str() == Some("https") => {
                    let mut tunnel = Tunnel::new(proxy.uri().clone(), http);
                    if let Some(auth) = proxy.basic_auth() {
                        tunnel = tunnel.with_auth(auth);
                    }
                    (tunnel.call(dst).await?, false)
                }
                Some(proxy) => (http.call(proxy.uri().clone()).await?, true),
            };
            Ok(MaybeProxied { io, forwarding })
        })
    }
}

impl Connection for MaybeProxied {
    fn connected(&self) -> Connected {
        self.io.connected().proxy(self.forwarding)
    }
}

impl Read for MaybeProxied {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_read(cx, buf)
    }
}

impl Write for MaybeProxied {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.io).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.io).poll_write_vectored(cx, bufs)
    }
}
