//! The transport the client sends requests over: a small trait, so that any HTTP stack
//! (hyper-util's pooled client, a `hyper::client::conn` sender, a test double) can carry
//! the signed requests.

use std::error::Error as StdError;
use std::io;

use bytes::Bytes;
use futures_util::future::BoxFuture;
use http_body_util::combinators::UnsyncBoxBody;
use http_body_util::BodyExt;
use lambda_proto::error::{Error, TransportError, TransportErrorKind};

/// A boxed error of a transport or a response body.
pub type BoxError = Box<dyn StdError + Send + Sync>;

/// A streaming response body, as a transport returns it.
pub type Body = UnsyncBoxBody<Bytes, BoxError>;

/// Sends one signed request and returns the response head with its body still streaming.
///
/// Implementations classify their failures with [`transport_error`] (timeouts, refused
/// connections, resets), because the retry rules depend on the kind.
pub trait Transport: Send + Sync + 'static {
    /// Sends `request`; the body of the answer is read by the client as it needs it.
    fn send(
        &self,
        request: http::Request<bytes::Bytes>,
    ) -> BoxFuture<'static, Result<http::Response<Body>, TransportError>>;
}

impl<F> Transport for F
where
    F: Fn(
            http::Request<bytes::Bytes>,
        ) -> BoxFuture<'static, Result<http::Response<Body>, TransportError>>
        + Send
        + Sync
        + 'static,
{
    fn send(
        &self,
        request: http::Request<bytes::Bytes>,
    ) -> BoxFuture<'static, Result<http::Response<Body>, TransportError>> {
        self(request)
    }
}

/// Boxes any body whose errors are errors (such as `hyper::body::Incoming`) into a [`Body`].
pub fn boxed_body<B>(body: B) -> Body
where
    B: hyper::body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    body.map_err(Into::into).boxed_unsync()
}

/// A transport failure of the given kind.
pub fn transport_error(kind: TransportErrorKind, source: impl Into<BoxError>) -> TransportError {
    match Error::<()>::transport(kind, source) {
        Error::Transport(err) => err,
        // `Error::transport` always builds the `Transport` variant.
        _ => unreachable!("Error::transport builds a transport error"),
    }
}

/// Classifies an error by walking its source chain: I/O errors by their kind, hyper's
/// timeouts and early closes; `Other` when nothing in the chain says more.
pub fn error_kind(err: &(dyn StdError + 'static)) -> TransportErrorKind {
    let mut current: Option<&(dyn StdError + 'static)> = Some(err);
    let mut found = TransportErrorKind::Other;
    while let Some(e) = current {
        if is_tls(e) {
            return TransportErrorKind::Tls;
        }
        if let Some(io) = e.downcast_ref::<io::Error>() {
            return io_kind(io.kind());
        }
        if let Some(h) = e.downcast_ref::<hyper::Error>() {
            if h.is_timeout() {
                return TransportErrorKind::Timeout;
            }
            if h.is_incomplete_message() || h.is_canceled() || h.is_closed() {
                found = TransportErrorKind::Reset;
            } else if found == TransportErrorKind::Other {
                found = TransportErrorKind::Io;
            }
        }
        current = e.source();
    }
    found
}

/// Whether `e` is a TLS failure (handshake, certificate) of the default transport's TLS
/// stack, possibly inside I/O errors (hyper-rustls wraps tokio-rustls's I/O error, which
/// wraps rustls's): not transient.
fn is_tls(e: &(dyn StdError + 'static)) -> bool {
    #[cfg(feature = "tokio")]
    if e.is::<rustls::Error>() {
        return true;
    }
    match e.downcast_ref::<io::Error>().and_then(io::Error::get_ref) {
        Some(inner) => is_tls(inner),
        None => false,
    }
}

/// Classifies an I/O error kind.
pub fn io_kind(kind: io::ErrorKind) -> TransportErrorKind {
    TransportErrorKind::from_io(kind)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn io_errors_are_classified_through_the_chain() {
        #[derive(Debug)]
        struct Wrap(io::Error);
        impl std::fmt::Display for Wrap {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("wrapped")
            }
        }
        impl StdError for Wrap {
            fn source(&self) -> Option<&(dyn StdError + 'static)> {
                Some(&self.0)
            }
        }
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
        for (kind, want) in cases {
            let err = Wrap(io::Error::new(kind, "x"));
            assert_eq!(error_kind(&err), want, "{kind:?}");
        }
        let plain = io::Error::other("x");
        assert_eq!(error_kind(&Wrap(plain)), TransportErrorKind::Io);
        let fmt_err = std::fmt::Error;
        assert_eq!(error_kind(&fmt_err), TransportErrorKind::Other);
    }

    #[test]
    fn transport_error_keeps_kind_and_source() {
        let err = transport_error(TransportErrorKind::BodyTooLarge, "too big");
        assert_eq!(err.kind(), TransportErrorKind::BodyTooLarge);
        assert!(err.to_string().contains("too big"));
    }
}
