//! HTTPS: a loopback TLS proxy with a test CA in front of a scripted server.

mod common;

use common::{builder, RecordingSleeper};
use lambda_blocking::BuildError;
use lambda_proto::operations::GetFunction;
use lambda_proto::Error;
use test_support::{LoopbackServer, Step, TlsProxy};

const FUNCTION: &str = r#"{"Configuration":{"FunctionName":"f","Runtime":"python3.12"}}"#;

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

#[test]
fn get_function_over_https_with_the_test_ca() {
    let server = LoopbackServer::start(vec![Step::json(200, FUNCTION)]);
    let proxy = TlsProxy::start(server.addr());
    let sleeper = RecordingSleeper::default();
    let client = builder(&proxy.url(), &sleeper, 0.5)
        .add_root_certificate_pem(proxy.ca_pem().as_bytes())
        .build()
        .unwrap();
    let out = client.send(GetFunction::new("f")).unwrap();
    assert_eq!(
        out.configuration.unwrap().function_name.as_deref(),
        Some("f")
    );
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
    assert!(auth.contains("SignedHeaders="), "{auth}");
    assert!(auth.contains("host"), "{auth}");
    assert_eq!(proxy.handshake_failures(), 0);
    // One connection, one completed handshake.
    assert_eq!(proxy.negotiated_alpn().len(), 1);
}

#[test]
fn untrusted_certificate_is_a_transport_error() {
    let server = LoopbackServer::start(vec![Step::json(200, FUNCTION)]);
    let proxy = TlsProxy::start(server.addr());
    let sleeper = RecordingSleeper::default();
    let client = builder(&proxy.url(), &sleeper, 0.5).build().unwrap();
    let err = client.send(GetFunction::new("f")).unwrap_err();
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
    assert!(sleeper.delays().is_empty(), "{:?}", sleeper.delays());
}

#[test]
fn another_ca_is_not_trusted_either() {
    let server = LoopbackServer::start(vec![Step::json(200, FUNCTION)]);
    let proxy = TlsProxy::start(server.addr());
    let other = test_support::TestCa::new();
    let sleeper = RecordingSleeper::default();
    let client = builder(&proxy.url(), &sleeper, 0.5)
        .add_root_certificate_pem(other.ca_pem().as_bytes())
        .build()
        .unwrap();
    let err = client.send(GetFunction::new("f")).unwrap_err();
    assert!(matches!(err, Error::Transport(_)), "{err:?}");
    assert_eq!(server.request_count(), 0);
}

#[test]
fn invalid_pem_is_a_build_error() {
    let sleeper = RecordingSleeper::default();
    let ca = test_support::TestCa::new();
    let cases: [(&[u8], &str); 3] = [
        (b"not a certificate", "no CERTIFICATE"),
        (
            b"-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n",
            "",
        ),
        (b"-----BEGIN CERTIFICATE-----\nMIIB\n", ""),
    ];
    for (pem, needle) in cases {
        let err = builder("https://localhost:1", &sleeper, 0.5)
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
}

/// `AWS_CA_BUNDLE` (or the profile's `ca_bundle`) adds trusted roots, as in the AWS SDKs.
#[test]
fn the_ca_bundle_of_the_environment_or_profile_is_trusted() {
    let server = LoopbackServer::start(vec![Step::json(200, FUNCTION), Step::json(200, FUNCTION)]);
    let proxy = TlsProxy::start(server.addr());
    let dir = std::env::temp_dir().join(format!("lambda-ca-bundle-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bundle = dir.join("ca.pem");
    std::fs::write(&bundle, proxy.ca_pem()).unwrap();
    let config = dir.join("config");
    std::fs::write(
        &config,
        format!("[default]\nca_bundle = {}\n", bundle.display()),
    )
    .unwrap();
    let base = [
        ("AWS_REGION".to_string(), "us-east-1".to_string()),
        ("AWS_ACCESS_KEY_ID".into(), "AKID".into()),
        ("AWS_SECRET_ACCESS_KEY".into(), "secret".into()),
        ("AWS_ENDPOINT_URL".into(), proxy.url()),
        ("HOME".into(), dir.display().to_string()),
        ("AWS_CONFIG_FILE".into(), "/nonexistent/config".into()),
    ];
    let client_with = |extra: Vec<(String, String)>| {
        let vars: std::collections::HashMap<String, String> =
            base.iter().cloned().chain(extra).collect();
        lambda_blocking::ClientBuilder::from_env_lookup(&|k| vars.get(k).cloned())
            .unwrap()
            .build()
            .unwrap()
    };
    let from_env = client_with(vec![("AWS_CA_BUNDLE".into(), bundle.display().to_string())]);
    from_env.send(GetFunction::new("f")).unwrap();
    let from_profile = client_with(vec![(
        "AWS_CONFIG_FILE".into(),
        config.display().to_string(),
    )]);
    from_profile.send(GetFunction::new("f")).unwrap();
    assert_eq!(server.request_count(), 2);

    // Without it the test CA is not trusted; a bundle that cannot be read fails the build.
    let untrusted = client_with(vec![]);
    assert!(untrusted.send(GetFunction::new("f")).is_err());
    let vars: std::collections::HashMap<String, String> = base
        .iter()
        .cloned()
        .chain([(
            "AWS_CA_BUNDLE".to_string(),
            "/nonexistent/ca.pem".to_string(),
        )])
        .collect();
    let err = lambda_blocking::ClientBuilder::from_env_lookup(&|k| vars.get(k).cloned())
        .unwrap()
        .build()
        .unwrap_err();
    assert!(matches!(err, BuildError::ReadFile { .. }), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}
