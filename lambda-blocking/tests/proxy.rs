//! Proxies: the client against moto through a loopback forward proxy, over plain http
//! and over https (a TLS front end with a test CA, reached with `CONNECT`), with
//! credentials, `no_proxy` and the per-scheme variables.

use lambda_blocking::{BuildError, Client, ClientBuilder};
use lambda_proto::credentials::Credentials;
use lambda_proto::operations::ListFunctions;
use lambda_proto::proxy::ProxyConfig;
use test_support::{HttpProxy, LoopbackServer, MotoServer, Step, TlsProxy};

/// A lookup of the given variables only.
fn env(vars: &[(&str, String)]) -> impl Fn(&str) -> Option<String> {
    let vars: Vec<(String, String)> = vars
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect();
    move |name| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
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

#[test]
fn plain_http_goes_through_the_proxy_with_credentials() {
    let moto = MotoServer::start();
    let proxy = HttpProxy::with_credentials("alice", "p@ss w");
    let url = format!("http://alice:p%40ss%20w@{}", proxy.addr());
    let client = builder(&moto.endpoint_url(), proxies(&[("http_proxy", url)]))
        .build()
        .unwrap();
    let out = client.send(ListFunctions::new()).unwrap();
    assert!(out.functions.unwrap_or_default().is_empty());

    let seen = proxy.requests();
    assert!(!seen.is_empty());
    for request in &seen {
        // ureq tunnels plain http too.
        assert_eq!(request.line, format!("CONNECT {} HTTP/1.1", moto.addr()));
        assert_eq!(request.proxy_authorization.as_deref(), Some(ALICE));
    }
    let shown = format!("{client:?}");
    assert!(
        shown.contains(&proxy.addr().to_string()),
        "the proxy is shown: {shown}"
    );
    for secret in ["p@ss", "p%40ss", ALICE] {
        assert!(!shown.contains(secret), "{shown}");
    }

    // Wrong credentials: the proxy refuses, the error says so and hides the password.
    let url = format!("http://alice:wrong-pw@{}", proxy.addr());
    let client = builder(&moto.endpoint_url(), proxies(&[("HTTP_PROXY", url)]))
        .retry_config(lambda_proto::retry::RetryConfig::standard().with_max_attempts(1))
        .build()
        .unwrap();
    let err = client.send(ListFunctions::new()).unwrap_err();
    let shown = format!("{err} {err:?}");
    assert!(shown.contains("407"), "{shown}");
    assert!(!shown.contains("wrong-pw"), "{shown}");
}

#[test]
fn https_goes_through_a_connect_tunnel_and_http_proxy_alone_does_not_carry_it() {
    let moto = MotoServer::start();
    let tls = TlsProxy::start(moto.addr());
    let proxy = HttpProxy::start();
    let client = builder(&tls.url(), proxies(&[("HTTPS_PROXY", proxy.url())]))
        .add_root_certificate_pem(tls.ca_pem().as_bytes())
        .build()
        .unwrap();
    client.send(ListFunctions::new()).unwrap();
    let seen = proxy.requests();
    assert!(!seen.is_empty());
    for request in &seen {
        let line = format!("CONNECT localhost:{} HTTP/1.1", tls.addr().port());
        assert_eq!(request.line, line);
        assert_eq!(request.proxy_authorization, None);
    }
    assert_eq!(tls.handshake_failures(), 0);

    // `HTTP_PROXY` is for http URLs only: https goes direct.
    let other = HttpProxy::start();
    let client = builder(&tls.url(), proxies(&[("HTTP_PROXY", other.url())]))
        .add_root_certificate_pem(tls.ca_pem().as_bytes())
        .build()
        .unwrap();
    client.send(ListFunctions::new()).unwrap();
    assert_eq!(other.requests(), vec![]);
}

#[test]
fn no_proxy_sends_matching_hosts_direct() {
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
        client.send(ListFunctions::new()).unwrap();
        assert_eq!(
            proxy.requests(),
            vec![],
            "{endpoint} with no_proxy {no_proxy}"
        );
    }
    // The same without a matching entry goes through the proxy.
    let config = proxies(&[("ALL_PROXY", proxy.url()), ("NO_PROXY", "127.0.0.2".into())]);
    let client = builder(&moto.endpoint_url(), config).build().unwrap();
    client.send(ListFunctions::new()).unwrap();
    assert!(!proxy.requests().is_empty());
}

#[test]
fn from_env_reads_the_proxy_variables_and_container_credentials_go_direct() {
    let moto = MotoServer::start();
    let proxy = HttpProxy::start();
    let creds = LoopbackServer::start(vec![Step::json(
        200,
        r#"{"AccessKeyId":"AKIDCONTAINER","SecretAccessKey":"s","Token":"t","Expiration":"2099-01-01T00:00:00Z"}"#,
    )]);
    let vars = [
        ("AWS_REGION", "us-east-1".to_string()),
        ("AWS_ENDPOINT_URL_LAMBDA", moto.endpoint_url()),
        (
            "AWS_CONTAINER_CREDENTIALS_FULL_URI",
            format!("{}/creds", creds.url()),
        ),
        ("all_proxy", proxy.url()),
    ];
    let client = ClientBuilder::from_env_lookup(&env(&vars))
        .unwrap()
        .build()
        .unwrap();
    client.send(ListFunctions::new()).unwrap();
    assert_eq!(
        creds.request_count(),
        1,
        "fetched from the container endpoint"
    );
    let seen = proxy.requests();
    assert!(!seen.is_empty());
    assert!(
        seen.iter()
            .all(|r| r.line.contains(&moto.addr().to_string())),
        "only the Lambda calls went through the proxy: {seen:?}"
    );
}

#[test]
fn an_unusable_proxy_url_fails_the_build_naming_the_variable() {
    let vars = [
        ("AWS_REGION", "us-east-1".to_string()),
        ("AWS_ACCESS_KEY_ID", "AKID".to_string()),
        ("AWS_SECRET_ACCESS_KEY", "secret".to_string()),
        ("HTTPS_PROXY", "socks5://bob:hunter2@proxy:1080".to_string()),
    ];
    let err = ClientBuilder::from_env_lookup(&env(&vars))
        .unwrap()
        .build()
        .unwrap_err();
    let BuildError::Proxy(e) = &err else {
        panic!("expected BuildError::Proxy, got {err:?}");
    };
    assert_eq!(e.name(), "HTTPS_PROXY");
    let shown = format!("{err} {err:?}");
    assert!(
        shown.contains("invalid HTTPS_PROXY: unsupported proxy scheme `socks5`"),
        "{shown}"
    );
    assert!(!shown.contains("hunter2"), "{shown}");
}

/// Runs the ignored test `name` of this binary in a child process with `vars` as its
/// whole environment (so no test here changes the environment of this process).
fn run_child(name: &str, vars: &[(&str, &str)]) {
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
fn the_process_environment_is_the_default() {
    run_child(
        "proxy_variables_of_the_process_environment",
        &[
            ("AWS_REGION", "us-east-1"),
            ("AWS_ACCESS_KEY_ID", "AKID"),
            ("AWS_SECRET_ACCESS_KEY", "secret"),
            ("AWS_CONFIG_FILE", "/nonexistent/config"),
            ("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials"),
            ("HOME", "/nonexistent"),
            ("https_proxy", "http://bob:hunter2@proxy:port"),
        ],
    );
}

#[test]
#[ignore = "run in a child process by the_process_environment_is_the_default"]
fn proxy_variables_of_the_process_environment() {
    assert!(std::env::var_os("PROXY_TEST_CHILD").is_some());
    let check = |err: BuildError| {
        let shown = format!("{err} {err:?}");
        let BuildError::Proxy(e) = err else {
            panic!("expected BuildError::Proxy, got {shown}");
        };
        assert_eq!(e.name(), "https_proxy");
        assert!(!shown.contains("hunter2"), "{shown}");
    };
    let plain = || {
        Client::builder()
            .region("us-east-1")
            .credentials(Credentials::new("AKID", "secret", None, None))
    };
    check(plain().build().unwrap_err());
    check(Client::from_env().unwrap_err());
    // An explicit configuration wins over the environment.
    plain().proxy(ProxyConfig::direct()).build().unwrap();
}
