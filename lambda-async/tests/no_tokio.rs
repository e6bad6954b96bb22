//! The client without tokio: a transport of the test's own (async-io sockets, hyper's
//! `client::conn::http1` handshake, one connection per request), async-io's timer, and
//! futures-executor's `block_on`. Runs the same way with `--no-default-features`.

mod common;

use std::io;
use std::net::TcpStream;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use async_io::{Async, Timer};
use bytes::Bytes;
use futures_executor::block_on;
use futures_io::{AsyncRead, AsyncWrite};
use futures_util::future::BoxFuture;
use futures_util::StreamExt;
use http_body_util::Full;
use lambda_async::{boxed_body, error_kind, io_kind, transport_error, Body, Client};
use lambda_proto::error::{TransportError, TransportErrorKind};
use lambda_proto::operations::{
    CreateFunction, DeleteFunction, GetFunction, Invoke, ListFunctions,
};
use lambda_proto::types::{FunctionCode, Runtime};
use lambda_proto::waiter::function_active_v2;
use test_support::{LoopbackServer, MotoServer, Step};

/// An async-io socket as hyper's I/O traits.
struct Io(Async<TcpStream>);

impl hyper::rt::Read for Io {
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

impl hyper::rt::Write for Io {
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

/// One HTTP/1.1 connection per request; the connection task runs on its own thread.
async fn send(request: http::Request<Vec<u8>>) -> Result<http::Response<Body>, TransportError> {
    let authority = request
        .uri()
        .authority()
        .map(|a| a.to_string())
        .ok_or_else(|| transport_error(TransportErrorKind::Other, "no authority"))?;
    let addr = std::net::ToSocketAddrs::to_socket_addrs(&authority)
        .map_err(|e| transport_error(io_kind(e.kind()), e))?
        .next()
        .ok_or_else(|| transport_error(TransportErrorKind::Connect, "no address"))?;
    let stream = Async::<TcpStream>::connect(addr)
        .await
        .map_err(|e| transport_error(TransportErrorKind::Connect, e))?;
    let (mut sender, connection) = hyper::client::conn::http1::handshake(Io(stream))
        .await
        .map_err(|e| transport_error(error_kind(&e), e))?;
    std::thread::spawn(move || block_on(connection));

    // Origin form on the wire; the Host header is already there (it is signed).
    let (mut head, body) = request.into_parts();
    head.uri = head
        .uri
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or("/")
        .parse()
        .map_err(|e| transport_error(TransportErrorKind::Other, e))?;
    let request = http::Request::from_parts(head, Full::new(Bytes::from(body)));
    let response = sender
        .send_request(request)
        .await
        .map_err(|e| transport_error(error_kind(&e), e))?;
    Ok(response.map(boxed_body))
}

fn transport(
    request: http::Request<Vec<u8>>,
) -> BoxFuture<'static, Result<http::Response<Body>, TransportError>> {
    Box::pin(send(request))
}

fn sleep(duration: Duration) -> BoxFuture<'static, ()> {
    Box::pin(async move {
        Timer::after(duration).await;
    })
}

fn client(endpoint: String) -> Client {
    Client::builder()
        .region("us-east-1")
        .endpoint_url(endpoint)
        .credentials(common::creds())
        .transport(transport)
        .sleep(sleep)
        .build()
        .unwrap()
}

#[test]
fn without_tokio_against_moto() {
    let moto = MotoServer::start();
    let role = moto.create_role("exec");
    let client = client(moto.endpoint_url());
    let zip = test_support::zip::stored_zip("index.py", b"def handler(e, c):\n    return e\n");
    block_on(async {
        let created = client
            .send(
                CreateFunction::new("plain", role, FunctionCode::new().zip_file(zip.clone()))
                    .runtime(Runtime::Python312)
                    .handler("index.handler"),
            )
            .await
            .unwrap();
        assert_eq!(created.code_size, Some(zip.len() as i64));
        client
            .wait(function_active_v2("plain"), Duration::from_secs(30))
            .await
            .unwrap();
        let names: Vec<String> = client
            .items(ListFunctions::new())
            .map(|f| f.unwrap().function_name.unwrap())
            .collect()
            .await;
        assert_eq!(names, ["plain"]);
        let out = client
            .send(Invoke::new("plain").payload(br#"{"x":[1,2]}"#.to_vec()))
            .await
            .unwrap();
        assert_eq!(out.payload.as_deref(), Some(&br#"{"x":[1,2]}"#[..]));
        client.send(DeleteFunction::new("plain")).await.unwrap();
        let gone = client.send(GetFunction::new("plain")).await.unwrap_err();
        assert_eq!(gone.code(), Some("ResourceNotFoundException"));
    });
}

#[test]
fn without_tokio_retries_and_times_out() {
    let server = LoopbackServer::start(vec![
        Step::Reset,
        Step::json(503, r#"{"message":"busy"}"#),
        Step::json(200, common::function_json("f", "Active")),
        Step::Stall(Duration::from_secs(5)),
        Step::Stall(Duration::from_secs(5)),
        Step::Stall(Duration::from_secs(5)),
    ]);
    let client = Client::builder()
        .region("us-east-1")
        .endpoint_url(server.url())
        .credentials(common::creds())
        .transport(transport)
        .sleep(sleep)
        .random(|| 0.01)
        .read_timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    block_on(async {
        let out = client.send(GetFunction::new("f")).await.unwrap();
        assert_eq!(
            out.configuration.unwrap().function_name.as_deref(),
            Some("f")
        );
        assert_eq!(server.request_count(), 3);
        // Three stalls: all attempts time out on async-io's timer.
        let started = std::time::Instant::now();
        let err = client.send(GetFunction::new("f")).await.unwrap_err();
        match err {
            lambda_proto::Error::Transport(t) => assert_eq!(t.kind(), TransportErrorKind::Timeout),
            other => panic!("{other:?}"),
        }
        assert!(started.elapsed() < Duration::from_secs(3));
        assert_eq!(server.request_count(), 6);
    });
}
