//! HTTPS: a loopback TLS proxy with a test CA in front of a scripted server.
#![cfg(feature = "tokio")]

mod common;

use common::{creds, function_json, RecordingSleep};
use lambda_async::{BuildError, Client, ClientBuilder, HyperTransport};
use lambda_proto::error::Error;
use lambda_proto::operations::GetFunction;
use test_support::{LoopbackServer, Step, TestCa, TlsProxy};

fn builder(proxy: &TlsProxy, sleep: &RecordingSleep) -> ClientBuilder {
    Client::builder()
        .region("us-east-1")
        .endpoint_url(proxy.url())
        .credentials(creds())
        .sleep(sleep.clone())
        .clock(sleep.clock())
        .random(|| 0.5)
}

/// The messages of `err` and its sources, joined.
fn chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut out = err.to_string();
    let mut next = err.source();
    while let Some(e) = next {
        out.push_str(" / ");
        out.push_str(&e.to_string());
        next = e.source();
    }
    out
}

fn check_signed_request(server: &LoopbackServer, proxy: &TlsProxy) {
    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    assert_eq!(request.path(), "/2015-03-31/functions/f");
    assert_eq!(
        request.header("host"),
        Some(format!("localhost:{}", proxy.addr().port()).as_str())
    );
    let auth = request.header("authorization").unwrap();
    assert!(auth.starts_with("AWS4-HMAC-SHA256 "), "{auth}");
    assert!(auth.contains("host"), "{auth}");
}

#[tokio::test]
async fn get_function_over_https_with_a_transport_trusting_the_test_ca() {
    let server = LoopbackServer::start(vec![Step::json(200, function_json("f", "Active"))]);
    let proxy = TlsProxy::start(server.addr());
    let transport = HyperTransport::builder()
        .add_root_certificate_pem(proxy.ca_pem().as_bytes())
        .build()
        .unwrap();
    let sleep = RecordingSleep::default();
    let client = builder(&proxy, &sleep)
        .transport(transport)
        .build()
        .unwrap();
    let out = client.send(GetFunction::new("f")).await.unwrap();
    assert_eq!(
        out.configuration.unwrap().function_name.as_deref(),
        Some("f")
    );
    check_signed_request(&server, &proxy);
    // hyper-rustls offers h2 and http/1.1; the proxy offers only http/1.1.
    assert_eq!(proxy.negotiated_alpn(), vec![Some("http/1.1".to_string())]);
    assert_eq!(proxy.handshake_failures(), 0);
}

#[tokio::test]
async fn client_builder_root_certificate_reaches_the_default_transport() {
    let server = LoopbackServer::start(vec![Step::json(200, function_json("f", "Active"))]);
    let proxy = TlsProxy::start(server.addr());
    let sleep = RecordingSleep::default();
    let client = builder(&proxy, &sleep)
        .add_root_certificate_pem(proxy.ca_pem().as_bytes())
        .build()
        .unwrap();
    client.send(GetFunction::new("f")).await.unwrap();
    check_signed_request(&server, &proxy);
}

#[tokio::test]
async fn untrusted_certificate_is_a_transport_error() {
    let server = LoopbackServer::start(vec![Step::json(200, function_json("f", "Active"))]);
    let proxy = TlsProxy::start(server.addr());
    let sleep = RecordingSleep::default();
    // Default transport: webpki roots only.
    let client = builder(&proxy, &sleep).build().unwrap();
    let err = client.send(GetFunction::new("f")).await.unwrap_err();
    let Error::Transport(t) = &err else {
        panic!("expected a transport error, got {err:?}");
    };
    let text = chain(t).to_lowercase();
    assert!(text.contains("certificate"), "{text}");
    // A certificate failure is not transient: one handshake, no retry.
    assert_eq!(
        t.kind(),
        lambda_proto::error::TransportErrorKind::Tls,
        "{text}"
    );
    assert_eq!(server.request_count(), 0);
    // The proxy records the failed handshake once the client has hung up.
    let waited = std::time::Instant::now();
    while proxy.handshake_failures() == 0 && waited.elapsed() < std::time::Duration::from_secs(2) {
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    assert_eq!(proxy.handshake_failures(), 1);
    assert!(sleep.delays().is_empty(), "{:?}", sleep.delays());

    // A root of another CA does not help.
    let other = TestCa::new();
    let client = builder(&proxy, &sleep)
        .add_root_certificate_pem(other.ca_pem().as_bytes())
        .build()
        .unwrap();
    let err = client.send(GetFunction::new("f")).await.unwrap_err();
    assert!(matches!(err, Error::Transport(_)), "{err:?}");
    assert_eq!(server.request_count(), 0);
}

#[test]
fn invalid_pem_is_a_build_error() {
    let ca = TestCa::new();
    let cases: [(&[u8], &str); 3] = [
        (b"not a certificate", "no CERTIFICATE"),
        (
            b"-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n",
            "",
        ),
        // Valid base64, not a certificate.
        (
            b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
            "",
        ),
    ];
    for (pem, needle) in cases {
        let err = HyperTransport::builder()
            .add_root_certificate_pem(ca.ca_pem().as_bytes())
            .add_root_certificate_pem(pem)
            .build()
            .unwrap_err();
        match &err {
            BuildError::InvalidRootCertificate { index, reason } => {
                assert_eq!(*index, 1, "{err}");
                assert!(reason.contains(needle), "{reason}");
            }
            other => panic!("expected InvalidRootCertificate, got {other:?}"),
        }
        assert!(err.to_string().contains("root certificate"), "{err}");
    }
    // The client builder reports it the same way.
    let err = Client::builder()
        .region("us-east-1")
        .credentials(creds())
        .add_root_certificate_pem(b"nope")
        .build()
        .unwrap_err();
    assert!(
        matches!(err, BuildError::InvalidRootCertificate { index: 0, .. }),
        "{err:?}"
    );
}

/// A CA bundle file (the builder's `ca_bundle`, which `from_env` fills from
/// `AWS_CA_BUNDLE` or the profile's `ca_bundle`) adds trusted roots.
#[tokio::test]
async fn a_ca_bundle_file_is_trusted() {
    let server = LoopbackServer::start(vec![Step::json(200, function_json("f", "Active"))]);
    let proxy = TlsProxy::start(server.addr());
    let dir = std::env::temp_dir().join(format!("lambda-async-ca-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bundle = dir.join("ca.pem");
    std::fs::write(&bundle, proxy.ca_pem()).unwrap();
    let sleep = RecordingSleep::default();
    let client = builder(&proxy, &sleep).ca_bundle(&bundle).build().unwrap();
    client.send(GetFunction::new("f")).await.unwrap();
    assert_eq!(server.request_count(), 1);
    let err = builder(&proxy, &sleep)
        .ca_bundle(dir.join("missing.pem"))
        .build()
        .unwrap_err();
    assert!(matches!(err, BuildError::ReadFile { .. }), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}
