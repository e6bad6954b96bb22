//! HTTP/2 where the endpoint offers it: an HTTPS server of the test's own that speaks only
//! h2 (ALPN), and the default transport multiplexing concurrent calls over one connection.
#![cfg(feature = "tokio")]

mod common;

use std::convert::Infallible;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use common::{creds, function_json};
use http_body_util::Full;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use lambda_async::Client;
use lambda_proto::operations::GetFunction;
use test_support::TestCa;

struct H2Server {
    url: String,
    connections: Arc<AtomicUsize>,
    versions: Arc<Mutex<Vec<http::Version>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for H2Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn h2_server(ca: &TestCa) -> H2Server {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!(
        "https://localhost:{}",
        listener.local_addr().unwrap().port()
    );
    let acceptor = tokio_rustls::TlsAcceptor::from(ca.server_config(vec![b"h2".to_vec()]));
    let connections = Arc::new(AtomicUsize::new(0));
    let versions = Arc::new(Mutex::new(Vec::new()));
    let (count, seen) = (Arc::clone(&connections), Arc::clone(&versions));
    let task = tokio::spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                return;
            };
            count.fetch_add(1, Ordering::SeqCst);
            let (acceptor, seen) = (acceptor.clone(), Arc::clone(&seen));
            tokio::spawn(async move {
                let Ok(tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let service = service_fn(move |request: http::Request<hyper::body::Incoming>| {
                    seen.lock().unwrap().push(request.version());
                    let name = request.uri().path().rsplit('/').next().unwrap_or_default();
                    let body = function_json(name, "Active");
                    async move { Ok::<_, Infallible>(http::Response::new(Full::new(Bytes::from(body)))) }
                });
                let _ = hyper::server::conn::http2::Builder::new(TokioExecutor::new())
                    .serve_connection(TokioIo::new(tls), service)
                    .await;
            });
        }
    });
    H2Server {
        url,
        connections,
        versions,
        task,
    }
}

#[tokio::test]
async fn concurrent_calls_share_one_http2_connection() {
    let ca = TestCa::new();
    let server = h2_server(&ca).await;
    let client = Client::builder()
        .region("us-east-1")
        .endpoint_url(&server.url)
        .credentials(creds())
        .add_root_certificate_pem(ca.ca_pem().as_bytes())
        .build()
        .unwrap();
    // One call first, so that the connection exists and later calls multiplex over it.
    client.send(GetFunction::new("first")).await.unwrap();
    let calls = (0..20).map(|i| {
        let client = client.clone();
        async move {
            let name = format!("fn-{i}");
            let out = client.send(GetFunction::new(name.clone())).await.unwrap();
            assert_eq!(out.configuration.unwrap().function_name, Some(name));
        }
    });
    futures_util::future::join_all(calls).await;
    let versions = server.versions.lock().unwrap().clone();
    assert_eq!(versions.len(), 21);
    assert!(
        versions.iter().all(|v| *v == http::Version::HTTP_2),
        "{versions:?}"
    );
    assert_eq!(server.connections.load(Ordering::SeqCst), 1);
}
