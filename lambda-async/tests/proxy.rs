//! Proxies on tokio: the client against moto through a loopback forward proxy, over plain
//! http (absolute form) and over https (a TLS front end with a test CA, reached with
//! `CONNECT`), with credentials, `no_proxy` and the per-scheme variables.
#![cfg(feature = "tokio")]

use std::collections::HashMap;

use lambda_async::{BuildError, Client, ClientBuilder};
use lambda_proto::credentials::{default_chain, ChainInput, Credentials};
use lambda_proto::operations::ListFunctions;
use lambda_proto::proxy::ProxyConfig;
use test_support::{HttpProxy, LoopbackServer, MotoServer, Step, TlsProxy};

/// A lookup of the given variables only.
fn env(vars: &[(&str, String)]) -> impl Fn(&str) -> Option<String> {
    let map: HashMap<String, String> = vars
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect();
    move |name| map.get(name).cloned()
}

fn proxies(vars: &[(&str, String)]) -> ProxyConfig {
    ProxyConfig::from_env_with(env(vars)).unwrap()
}

fn builder(endpoint: &str, proxies: ProxyConfig) -> ClientBuilder {
    Client::builder()
        .region(MotoServer::REGION)
        .endpoint_url(endpoint)
        .credentials(Credentials::new("AKIDEXAMPLE", "secret", None, None))
        .proxy(proxies)
}

/// `Basic base64(alice:p@ss w)`.
const ALICE: &str = "Basic YWxpY2U6cEBzcyB3";

#[tokio::test]
async fn plain_http_goes_through_the_proxy_in_absolute_form_with_credentials() {
    let moto = MotoServer::start();
    let proxy = HttpProxy::with_credentials("alice", "p@ss w");
    let url = format!("alice:p%40ss%20w@{}", proxy.addr());
    let client = builder(
        &moto.endpoint_url(),
        proxies(&[("http_proxy", url.clone())]),
    )
    .build()
    .unwrap();
    let out = client.send(ListFunctions::new()).await.unwrap();
    assert!(out.functions.unwrap_or_default().is_empty());
    let seen = proxy.requests();
    assert!(!seen.is_empty());
    for request in &seen {
        let line = format!("GET {}/2015-03-31/functions HTTP/1.1", moto.endpoint_url());
        assert_eq!(request.line, line);
        assert_eq!(request.proxy_authorization.as_deref(), Some(ALICE));
    }
    let transport = lambda_async::HyperTransport::builder()
        .proxy(proxies(&[("http_proxy", url.clone())]))
        .build()
        .unwrap();
    let shown = format!("{client:?} {transport:?}");
    assert!(
        shown.contains(&proxy.addr().to_string()),
        "the proxy is shown: {shown}"
    );
    for secret in ["p@ss", "p%40ss", ALICE] {
        assert!(!shown.contains(secret), "{shown}");
    }

    let url = format!("http://alice:wrong-pw@{}", proxy.addr());
    let client = builder(&moto.endpoint_url(), proxies(&[("HTTP_PROXY", url)]))
        .retry_config(lambda_proto::retry::RetryConfig::standard().with_max_attempts(1))
        .build()
        .unwrap();
    let err = client.send(ListFunctions::new()).await.unwrap_err();
    let shown = format!("{err} {err:?}");
    assert!(shown.contains("407"), "{shown}");
    assert!(!shown.contains("wrong-pw"), "{shown}");
}

#[tokio::test]
async fn https_goes_through_a_connect_tunnel_and_http_proxy_alone_does_not_carry_it() {
    let moto = MotoServer::start();
    let tls = TlsProxy::start(moto.addr());
    let proxy = HttpProxy::with_credentials("alice", "p@ss w");
    let url = format!("http://alice:p%40ss%20w@{}", proxy.addr());
    let client = builder(&tls.url(), proxies(&[("https_proxy", url)]))
        .add_root_certificate_pem(tls.ca_pem().as_bytes())
        .build()
        .unwrap();
    client.send(ListFunctions::new()).await.unwrap();
    let seen = proxy.requests();
    assert!(!seen.is_empty());
    for request in &seen {
        let line = format!("CONNECT localhost:{} HTTP/1.1", tls.addr().port());
        assert_eq!(request.line, line);
        assert_eq!(request.proxy_authorization.as_deref(), Some(ALICE));
    }
    assert_eq!(tls.handshake_failures(), 0);

    let other = HttpProxy::start();
    let client = builder(&tls.url(), proxies(&[("HTTP_PROXY", other.url())]))
        .add_root_certificate_pem(tls.ca_pem().as_bytes())
        .build()
        .unwrap();
    client.send(ListFunctions::new()).await.unwrap();
    assert_eq!(other.requests(), vec![]);
}

#[tokio::test]
async fn no_proxy_sends_matching_hosts_direct() {
    let moto = MotoServer::start();
    let proxy = HttpProxy::start();
    let port = moto.port();
    for (endpoint, no_proxy) in [
        (
            format!("http://127.0.0.1:{port}"),
            "example.com, 127.0.0.0/8",
        ),
        (format!("http://localhost:{port}"), ".example.com,LOCALHOST"),
        (format!("http://127.0.0.1:{port}"), "*"),
    ] {
        let config = proxies(&[("ALL_PROXY", proxy.url()), ("NO_PROXY", no_proxy.into())]);
        let client = builder(&endpoint, config).build().unwrap();
        client.send(ListFunctions::new()).await.unwrap();
        assert_eq!(
            proxy.requests(),
            vec![],
            "{endpoint} with no_proxy {no_proxy}"
        );
    }
    let config = proxies(&[("ALL_PROXY", proxy.url()), ("NO_PROXY", "127.0.0.2".into())]);
    let client = builder(&moto.endpoint_url(), config).build().unwrap();
    client.send(ListFunctions::new()).await.unwrap();
    assert!(!proxy.requests().is_empty());
}

#[tokio::test]
async fn container_credentials_go_direct() {
    let moto = MotoServer::start();
    let proxy = HttpProxy::start();
    let creds = LoopbackServer::start(vec![Step::json(
        200,
        r#"{"AccessKeyId":"AKIDCONTAINER","SecretAccessKey":"s","Token":"t","Expiration":"2099-01-01T00:00:00Z"}"#,
    )]);
    let vars = [(
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        format!("{}/creds", creds.url()),
    )];
    let lookup = env(&vars);
    let source = default_chain(&ChainInput::new(
        &lookup,
        None,
        None,
        Some("/nonexistent-home"),
    ))
    .unwrap();
    let client = Client::builder()
        .region(MotoServer::REGION)
        .endpoint_url(moto.endpoint_url())
        .credentials_source(source)
        .proxy(proxies(&[("all_proxy", proxy.url())]))
        .build()
        .unwrap();
    client.send(ListFunctions::new()).await.unwrap();
    assert_eq!(
        creds.request_count(),
        1,
        "fetched from the container endpoint"
    );
    let seen = proxy.requests();
    assert!(!seen.is_empty());
    assert!(
        seen.iter().all(|r| r.line.contains(&moto.endpoint_url())),
        "only the Lambda calls went through the proxy: {seen:?}"
    );
}

/// Runs the ignored test `name` of this binary in a child process with `vars` as its
/// whole environment (so no test here changes the environment of this process).
pub fn run_child(name: &str, vars: &[(&str, &str)]) {
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args([name, "--exact", "--ignored", "--test-threads=1"])
        .env_clear()
        .envs(vars.iter().copied())
        .env("PROXY_TEST_CHILD", "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("1 passed"),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn the_process_environment_is_the_default_and_a_bad_url_fails_the_build() {
    run_child(
        "bad_proxy_variable_in_the_process_environment",
        &[
            ("AWS_REGION", "us-east-1"),
            ("AWS_ACCESS_KEY_ID", "AKID"),
            ("AWS_SECRET_ACCESS_KEY", "secret"),
            ("AWS_CONFIG_FILE", "/nonexistent/config"),
            ("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials"),
            ("HOME", "/nonexistent"),
            ("ALL_PROXY", "http://bob:hunter2@proxy:port"),
        ],
    );
}

#[test]
#[ignore = "run in a child process by the_process_environment_is_the_default_..."]
fn bad_proxy_variable_in_the_process_environment() {
    assert!(std::env::var_os("PROXY_TEST_CHILD").is_some());
    let check = |err: BuildError| {
        let shown = format!("{err} {err:?}");
        let BuildError::Proxy(e) = err else {
            panic!("expected BuildError::Proxy, got {shown}");
        };
        assert_eq!(e.name(), "ALL_PROXY");
        assert!(
            shown.contains("invalid ALL_PROXY: the port is not a number"),
            "{shown}"
        );
        assert!(!shown.contains("hunter2"), "{shown}");
    };
    let plain = Client::builder()
        .region("us-east-1")
        .credentials(Credentials::new("AKID", "secret", None, None));
    check(plain.build().unwrap_err());
    check(ClientBuilder::from_env().unwrap().build().unwrap_err());
    check(lambda_async::HyperTransport::builder().build().unwrap_err());
    // An explicit configuration wins over the environment.
    let explicit = Client::builder()
        .region("us-east-1")
        .credentials(Credentials::new("AKID", "secret", None, None))
        .proxy(ProxyConfig::direct());
    explicit.build().unwrap();
}
