//! Credentials through the real driver: the default chain against loopback servers speaking
//! the IMDSv2, container and SSO portal protocols, a real `credential_process`, and moto for
//! STS `AssumeRole` and `AssumeRoleWithWebIdentity`.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use lambda_blocking::{BuildError, Client, ClientBuilder};
use lambda_proto::credentials::{CredentialsErrorKind, SourceKind};
use lambda_proto::operations::{GetAccountSettings, ListFunctions};
use lambda_proto::Error;
use test_support::{LoopbackServer, MotoServer, RecordedRequest, Response, Step};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

fn lookup(vars: Vec<(&str, String)>) -> impl Fn(&str) -> Option<String> {
    let map: HashMap<String, String> = vars.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
    move |name| map.get(name).cloned()
}

/// A fresh directory for one test's files.
fn temp_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "lambda-blocking-creds-{}-{tag}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap()
}

/// A Lambda API stand-in answering every request with `{}` (GetAccountSettings).
fn lambda_server() -> LoopbackServer {
    LoopbackServer::with_handler(|_| Response::json(200, "{}"))
}

fn credential_scope_key(r: &RecordedRequest) -> String {
    let auth = r.header("authorization").unwrap_or_default();
    auth.split("Credential=")
        .nth(1)
        .and_then(|s| s.split('/').next())
        .unwrap_or_default()
        .to_string()
}

/// An IMDSv2 server: tokens are `TOKEN-<n>`, the role is `web-role`, and the credentials'
/// key id is `ASIAIMDS<n>` for the n-th credentials request, expiring `lifetime` after the
/// (possibly fake) clock's time.
struct Imds {
    server: LoopbackServer,
    credential_fetches: Arc<AtomicUsize>,
}

fn imds_server(clock: Arc<AtomicI64>, lifetime: time::Duration, stale_first: bool) -> Imds {
    let tokens = Arc::new(AtomicUsize::new(0));
    let fetches = Arc::new(AtomicUsize::new(0));
    let fetches2 = Arc::clone(&fetches);
    let server = LoopbackServer::with_handler(move |r| {
        let current = format!("TOKEN-{}", tokens.load(Ordering::SeqCst));
        match (r.method.as_str(), r.path()) {
            ("PUT", "/latest/api/token") => {
                if r.header("x-aws-ec2-metadata-token-ttl-seconds") != Some("21600") {
                    return Response::new(400);
                }
                let n = tokens.fetch_add(1, Ordering::SeqCst) + 1;
                Response::new(200).body(format!("TOKEN-{n}"))
            }
            _ if r.header("x-aws-ec2-metadata-token") != Some(current.as_str()) => {
                Response::new(401)
            }
            ("GET", "/latest/meta-data/iam/security-credentials/") => {
                if stale_first && tokens.load(Ordering::SeqCst) == 1 {
                    // The first token goes stale at once.
                    return Response::new(401);
                }
                Response::new(200).body("web-role")
            }
            ("GET", "/latest/meta-data/iam/security-credentials/web-role") => {
                let n = fetches2.fetch_add(1, Ordering::SeqCst) + 1;
                let now =
                    OffsetDateTime::from_unix_timestamp(clock.load(Ordering::SeqCst)).unwrap();
                Response::json(
                    200,
                    format!(
                        r#"{{"Code": "Success", "Type": "AWS-HMAC", "AccessKeyId": "ASIAIMDS{n}",
                            "SecretAccessKey": "imds-secret-{n}", "Token": "imds-token-{n}",
                            "Expiration": "{}"}}"#,
                        rfc3339(now + lifetime)
                    ),
                )
            }
            _ => Response::new(404),
        }
    });
    Imds {
        server,
        credential_fetches: fetches,
    }
}

fn imds_env(imds: &Imds, lambda: &LoopbackServer) -> Vec<(&'static str, String)> {
    vec![
        ("AWS_REGION", "us-east-1".into()),
        ("HOME", "/nonexistent-home".into()),
        ("AWS_EC2_METADATA_SERVICE_ENDPOINT", imds.server.url()),
        ("AWS_ENDPOINT_URL_LAMBDA", lambda.url()),
    ]
}

#[test]
fn imds_v2_credentials_sign_requests() {
    let clock = Arc::new(AtomicI64::new(OffsetDateTime::now_utc().unix_timestamp()));
    let imds = imds_server(clock, time::Duration::hours(6), false);
    let lambda = lambda_server();
    let env = lookup(imds_env(&imds, &lambda));
    let client = ClientBuilder::from_env_lookup(&env)
        .unwrap()
        .build()
        .unwrap();
    assert_eq!(client.credentials_source().kind(), SourceKind::Imds);
    client.send(GetAccountSettings::new()).unwrap();
    client.send(GetAccountSettings::new()).unwrap();
    let requests = imds.server.requests();
    let seen: Vec<(String, String)> = requests
        .iter()
        .map(|r| (r.method.clone(), r.path().to_string()))
        .collect();
    assert_eq!(
        seen,
        [
            ("PUT".to_string(), "/latest/api/token".to_string()),
            (
                "GET".into(),
                "/latest/meta-data/iam/security-credentials/".into()
            ),
            (
                "GET".into(),
                "/latest/meta-data/iam/security-credentials/web-role".into()
            ),
        ],
        "credentials are fetched once and cached"
    );
    for r in lambda.requests() {
        assert_eq!(credential_scope_key(&r), "ASIAIMDS1");
        assert_eq!(r.header("x-amz-security-token"), Some("imds-token-1"));
    }
}

#[test]
fn imds_not_answering_fails_the_request_unsent() {
    // A port nothing listens on: take a free one and close it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let lambda = lambda_server();
    let env = lookup(vec![
        ("AWS_REGION", "us-east-1".into()),
        ("HOME", "/nonexistent-home".into()),
        ("AWS_ENDPOINT_URL_LAMBDA", lambda.url()),
        (
            "AWS_EC2_METADATA_SERVICE_ENDPOINT",
            format!("http://127.0.0.1:{port}"),
        ),
    ]);
    let client = ClientBuilder::from_env_lookup(&env)
        .unwrap()
        .build()
        .unwrap();
    let err = client.send(GetAccountSettings::new()).unwrap_err();
    match &err {
        Error::Transport(t) => {
            assert_eq!(
                t.kind(),
                lambda_proto::error::TransportErrorKind::Credentials
            )
        }
        other => panic!("{other:?}"),
    }
    let text = format!("{err} {:?}", std::error::Error::source(&err));
    assert!(text.contains("instance metadata"), "{text}");
    assert_eq!(lambda.request_count(), 0, "nothing is sent unsigned");
}

#[test]
fn imds_stale_token_is_replaced() {
    let clock = Arc::new(AtomicI64::new(OffsetDateTime::now_utc().unix_timestamp()));
    let imds = imds_server(clock, time::Duration::hours(6), true);
    let lambda = lambda_server();
    let env = lookup(imds_env(&imds, &lambda));
    let client = ClientBuilder::from_env_lookup(&env)
        .unwrap()
        .build()
        .unwrap();
    let creds = client.credentials().unwrap();
    assert_eq!(creds.access_key_id(), "ASIAIMDS1");
    let puts = imds
        .server
        .requests()
        .iter()
        .filter(|r| r.method == "PUT")
        .count();
    assert_eq!(puts, 2, "a second token after the 401");
}

/// Expiry with a fake clock through the real driver: 100 concurrent requests fetch
/// credentials once; after the clock passes their expiry, 100 more fetch them once more and
/// are all signed with the new ones.
#[test]
fn expiry_refreshes_once_for_concurrent_requests() {
    let start = OffsetDateTime::now_utc().unix_timestamp();
    let clock = Arc::new(AtomicI64::new(start));
    let imds = imds_server(Arc::clone(&clock), time::Duration::minutes(10), false);
    let lambda = lambda_server();
    let env = lookup(imds_env(&imds, &lambda));
    let fake = Arc::clone(&clock);
    let client = ClientBuilder::from_env_lookup(&env)
        .unwrap()
        .credentials_clock(move || {
            OffsetDateTime::from_unix_timestamp(fake.load(Ordering::SeqCst)).unwrap()
        })
        .build()
        .unwrap();
    let burst = |client: &Client| {
        let barrier = Arc::new(Barrier::new(100));
        let handles: Vec<_> = (0..100)
            .map(|_| {
                let client = client.clone();
                let barrier = Arc::clone(&barrier);
                std::thread::spawn(move || {
                    barrier.wait();
                    client.send(GetAccountSettings::new()).unwrap();
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap();
        }
    };
    burst(&client);
    assert_eq!(imds.credential_fetches.load(Ordering::SeqCst), 1);
    let first: Vec<String> = lambda.requests().iter().map(credential_scope_key).collect();
    assert_eq!(first.len(), 100);
    assert!(first.iter().all(|k| k == "ASIAIMDS1"), "{first:?}");

    clock.fetch_add(11 * 60, Ordering::SeqCst);
    burst(&client);
    assert_eq!(imds.credential_fetches.load(Ordering::SeqCst), 2);
    let second: Vec<String> = lambda.requests()[100..]
        .iter()
        .map(credential_scope_key)
        .collect();
    assert_eq!(second.len(), 100);
    assert!(second.iter().all(|k| k == "ASIAIMDS2"), "{second:?}");
}

#[test]
fn container_endpoint_with_token_file() {
    let dir = temp_dir("container");
    let token_file = dir.join("token");
    std::fs::write(&token_file, "Bearer pod-identity-token\n").unwrap();
    let expiry = rfc3339(OffsetDateTime::now_utc() + time::Duration::hours(1));
    let server = LoopbackServer::with_handler(move |r| {
        if r.path() != "/v1/credentials" {
            return Response::new(404);
        }
        if r.header("authorization") != Some("Bearer pod-identity-token") {
            return Response::json(401, r#"{"code": "Unauthorized", "message": "bad token"}"#);
        }
        Response::json(
            200,
            format!(
                r#"{{"AccessKeyId": "ASIACONTAINER", "SecretAccessKey": "c-secret",
                    "Token": "c-token", "Expiration": "{expiry}"}}"#
            ),
        )
    });
    let lambda = lambda_server();
    let env = lookup(vec![
        ("AWS_REGION", "us-east-1".into()),
        ("HOME", "/nonexistent-home".into()),
        ("AWS_ENDPOINT_URL_LAMBDA", lambda.url()),
        (
            "AWS_CONTAINER_CREDENTIALS_FULL_URI",
            format!("{}/v1/credentials", server.url()),
        ),
        (
            "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
            token_file.display().to_string(),
        ),
    ]);
    let client = ClientBuilder::from_env_lookup(&env)
        .unwrap()
        .build()
        .unwrap();
    assert_eq!(client.credentials_source().kind(), SourceKind::Container);
    client.send(GetAccountSettings::new()).unwrap();
    assert_eq!(credential_scope_key(&lambda.requests()[0]), "ASIACONTAINER");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn container_rejection_is_an_error() {
    let server = LoopbackServer::with_handler(|_| {
        Response::json(
            403,
            r#"{"code": "AccessDenied", "message": "token mismatch"}"#,
        )
    });
    let env = lookup(vec![
        ("AWS_REGION", "us-east-1".into()),
        ("HOME", "/nonexistent-home".into()),
        (
            "AWS_CONTAINER_CREDENTIALS_FULL_URI",
            format!("{}/creds", server.url()),
        ),
        ("AWS_CONTAINER_AUTHORIZATION_TOKEN", "Bearer x".into()),
    ]);
    let client = ClientBuilder::from_env_lookup(&env)
        .unwrap()
        .build()
        .unwrap();
    let err = client.credentials().unwrap_err();
    assert_eq!(err.kind(), CredentialsErrorKind::Rejected);
    assert!(
        err.to_string().contains("AccessDenied: token mismatch"),
        "{err}"
    );
}

const IMDS_CREDENTIALS: &str = r#"{"Code": "Success", "Type": "AWS-HMAC",
    "AccessKeyId": "ASIASCRIPTED", "SecretAccessKey": "s", "Token": "t",
    "Expiration": "2100-01-01T00:00:00Z"}"#;

/// Credentials from an IMDS server that answers with `script`, one step per request.
fn imds_scripted(
    script: Vec<Step>,
) -> (
    LoopbackServer,
    Result<lambda_proto::credentials::Credentials, lambda_proto::credentials::CredentialsError>,
    Duration,
) {
    let imds = LoopbackServer::start(script);
    let env = lookup(vec![
        ("AWS_REGION", "us-east-1".into()),
        ("HOME", "/nonexistent-home".into()),
        ("AWS_EC2_METADATA_SERVICE_ENDPOINT", imds.url()),
    ]);
    let client = ClientBuilder::from_env_lookup(&env)
        .unwrap()
        .build()
        .unwrap();
    let started = Instant::now();
    let result = client.credentials();
    (imds, result, started.elapsed())
}

fn text(status: u16, body: &str) -> Step {
    Step::Respond(Response::new(status).body(body.to_string()))
}

#[test]
fn imds_failure_answers() {
    // No role attached to the instance.
    let (imds, result, _) = imds_scripted(vec![text(200, "TOKEN"), text(404, "")]);
    let err = result.unwrap_err();
    assert!(err.to_string().contains("404"), "{err}");
    assert_eq!(imds.request_count(), 2);

    // Server errors are retried: two 500s, then the answer.
    let (imds, result, _) = imds_scripted(vec![
        text(200, "TOKEN"),
        text(200, "web-role"),
        text(500, ""),
        text(500, ""),
        Step::json(200, IMDS_CREDENTIALS),
    ]);
    assert_eq!(result.unwrap().access_key_id(), "ASIASCRIPTED");
    assert_eq!(imds.request_count(), 5);

    // Three 500s: the source gives up and says why.
    let (imds, result, _) = imds_scripted(vec![
        text(200, "TOKEN"),
        text(200, "web-role"),
        text(500, ""),
        text(500, ""),
        text(500, ""),
    ]);
    let err = result.unwrap_err();
    assert_eq!(err.kind(), CredentialsErrorKind::Rejected);
    assert!(err.to_string().contains("500"), "{err}");
    assert_eq!(imds.request_count(), 5);
}

#[test]
fn imds_that_stalls_times_out() {
    let (imds, result, took) = imds_scripted(vec![
        Step::Stall(Duration::from_secs(30)),
        Step::Stall(Duration::from_secs(30)),
        Step::Stall(Duration::from_secs(30)),
        Step::Stall(Duration::from_secs(30)),
    ]);
    let err = result.unwrap_err();
    assert!(err.to_string().contains("instance metadata"), "{err}");
    assert!(imds.request_count() >= 1);
    // One second per IMDS request, a few tries at most: never the 30 s of the stall.
    assert!(took < Duration::from_secs(10), "took {took:?}");
}

#[test]
fn container_failure_answers() {
    let credentials = |script: Vec<Step>| {
        let server = LoopbackServer::start(script);
        let env = lookup(vec![
            ("AWS_REGION", "us-east-1".into()),
            ("HOME", "/nonexistent-home".into()),
            (
                "AWS_CONTAINER_CREDENTIALS_FULL_URI",
                format!("{}/creds", server.url()),
            ),
        ]);
        let client = ClientBuilder::from_env_lookup(&env)
            .unwrap()
            .build()
            .unwrap();
        let started = Instant::now();
        let result = client.credentials();
        (server, result, started.elapsed())
    };
    let (server, result, _) = credentials(vec![
        Step::json(
            500,
            r#"{"code": "InternalError", "message": "agent failed"}"#,
        );
        4
    ]);
    let err = result.unwrap_err();
    assert!(err.to_string().contains("500"), "{err}");
    assert!(server.request_count() >= 1);

    let (_, result, took) = credentials(vec![Step::Stall(Duration::from_secs(30)); 4]);
    let err = result.unwrap_err();
    assert!(err.to_string().contains("container"), "{err}");
    assert!(took < Duration::from_secs(15), "took {took:?}");
}

#[test]
fn sso_portal_with_cached_token() {
    let home = temp_dir("sso");
    let aws = home.join(".aws");
    std::fs::create_dir_all(aws.join("sso").join("cache")).unwrap();
    std::fs::write(
        aws.join("config"),
        "[profile dev]\nsso_session = corp\nsso_account_id = 123456789012\n\
         sso_role_name = ReadOnly\nregion = eu-west-1\n\
         [sso-session corp]\nsso_region = eu-west-1\n\
         sso_start_url = https://d-abc123.awsapps.com/start\n",
    )
    .unwrap();
    // SHA-1 of "corp", computed independently (Python hashlib).
    let cache = aws
        .join("sso")
        .join("cache")
        .join("ee0bfd2552fbd840c02cc48b6e823320543c450f.json");
    let write_token = |expires: OffsetDateTime| {
        std::fs::write(
            &cache,
            format!(
                r#"{{"accessToken": "sso-access-token", "expiresAt": "{}",
                    "region": "eu-west-1", "startUrl": "https://d-abc123.awsapps.com/start"}}"#,
                rfc3339(expires)
            ),
        )
        .unwrap();
    };
    write_token(OffsetDateTime::now_utc() + time::Duration::hours(1));
    let expiry_ms = (OffsetDateTime::now_utc() + time::Duration::hours(1)).unix_timestamp() * 1000;
    let portal = LoopbackServer::sso_portal("sso-access-token", "ASIASSO", expiry_ms);
    let lambda = lambda_server();
    let env = lookup(vec![
        ("AWS_PROFILE", "dev".into()),
        ("HOME", home.display().to_string()),
        ("AWS_ENDPOINT_URL_SSO", portal.url()),
        ("AWS_ENDPOINT_URL_LAMBDA", lambda.url()),
    ]);
    let client = ClientBuilder::from_env_lookup(&env)
        .unwrap()
        .build()
        .unwrap();
    client.send(GetAccountSettings::new()).unwrap();
    let r = &portal.requests()[0];
    assert_eq!(r.query_param("role_name"), Some("ReadOnly"));
    assert_eq!(r.query_param("account_id"), Some("123456789012"));
    assert_eq!(credential_scope_key(&lambda.requests()[0]), "ASIASSO");

    // An expired token: the error says to log in, and the portal is not asked.
    write_token(OffsetDateTime::now_utc() - time::Duration::minutes(1));
    let client = ClientBuilder::from_env_lookup(&env)
        .unwrap()
        .build()
        .unwrap();
    let err = client.credentials().unwrap_err();
    assert_eq!(err.kind(), CredentialsErrorKind::Expired);
    assert!(
        err.to_string().contains("aws sso login --profile dev"),
        "{err}"
    );
    assert_eq!(portal.request_count(), 1);
    let _ = std::fs::remove_dir_all(home);
}

#[cfg(unix)]
#[test]
fn credential_process_is_run() {
    let home = temp_dir("process");
    let script = home.join("creds.sh");
    std::fs::write(
        &script,
        "#!/bin/sh\necho 'working...' >&2\n\
         printf '%s' '{\"Version\": 1, \"AccessKeyId\": \"AKIDPROCESS\", \"SecretAccessKey\": \"p\"}'\n",
    )
    .unwrap();
    let failing = home.join("fail.sh");
    std::fs::write(&failing, "#!/bin/sh\necho 'not logged in' >&2\nexit 3\n").unwrap();
    let config = home.join("config");
    std::fs::write(
        &config,
        format!(
            "[default]\ncredential_process = sh {}\n[profile bad]\ncredential_process = sh {}\n",
            script.display(),
            failing.display()
        ),
    )
    .unwrap();
    let base = vec![
        ("AWS_REGION", "us-east-1".to_string()),
        ("HOME", home.display().to_string()),
        ("AWS_CONFIG_FILE", config.display().to_string()),
    ];
    let client = ClientBuilder::from_env_lookup(&lookup(base.clone()))
        .unwrap()
        .build()
        .unwrap();
    assert_eq!(client.credentials().unwrap().access_key_id(), "AKIDPROCESS");
    let mut bad = base;
    bad.push(("AWS_PROFILE", "bad".into()));
    let client = ClientBuilder::from_env_lookup(&lookup(bad))
        .unwrap()
        .build()
        .unwrap();
    let err = client.credentials().unwrap_err();
    assert_eq!(err.kind(), CredentialsErrorKind::Io);
    assert!(
        err.to_string().contains("exit status 3: not logged in"),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(home);
}

#[test]
fn configured_source_that_is_broken_fails_the_build() {
    let env = lookup(vec![
        ("AWS_REGION", "us-east-1".into()),
        ("HOME", "/nonexistent-home".into()),
        (
            "AWS_CONTAINER_CREDENTIALS_FULL_URI",
            "http://example.com/creds".into(),
        ),
    ]);
    match ClientBuilder::from_env_lookup(&env).unwrap().build() {
        Err(BuildError::Credentials(e)) => {
            assert_eq!(e.kind(), CredentialsErrorKind::InvalidConfig);
            assert!(e.to_string().contains("must use https"), "{e}");
        }
        other => panic!("{other:?}"),
    }
}

/// STS against moto: AssumeRole signed with a source profile's keys (moto checks the
/// signature), a wrong secret refused, and AssumeRoleWithWebIdentity (unsigned).
#[test]
fn sts_against_moto() {
    let moto = MotoServer::start();
    let home = temp_dir("sts");
    // A role the account's users may assume (moto checks the trust policy).
    let trust = test_support::trust_policy(
        serde_json::json!({"AWS": format!("arn:aws:iam::{}:user/deployer", MotoServer::ACCOUNT_ID)}),
        "sts:AssumeRole",
    );
    moto.create_role_with_trust("cross-account", &trust);
    let role_arn = format!("arn:aws:iam::{}:role/cross-account", MotoServer::ACCOUNT_ID);
    let key =
        moto.create_user_with_policy("deployer", &test_support::allow_policy("sts:AssumeRole"));
    let write_config = |secret: &str| {
        let config = home.join("config");
        std::fs::write(
            &config,
            format!(
                "[profile dev]\nrole_arn = {role_arn}\nsource_profile = base\n\
                 role_session_name = ci-run\nduration_seconds = 900\n\
                 [profile base]\naws_access_key_id = {}\naws_secret_access_key = {secret}\n",
                key.access_key_id
            ),
        )
        .unwrap();
        config
    };
    let env_for = |config: &PathBuf| {
        lookup(vec![
            ("AWS_REGION", MotoServer::REGION.to_string()),
            ("HOME", home.display().to_string()),
            ("AWS_PROFILE", "dev".into()),
            ("AWS_CONFIG_FILE", config.display().to_string()),
            ("AWS_ENDPOINT_URL", moto.endpoint_url()),
        ])
    };
    moto.enable_auth();
    let config = write_config(&key.secret_access_key);
    let client = ClientBuilder::from_env_lookup(&env_for(&config))
        .unwrap()
        .build()
        .unwrap();
    let creds = client
        .credentials()
        .unwrap_or_else(|e| panic!("{e}; moto: {}", moto.stderr_tail()));
    assert!(creds.access_key_id().starts_with("ASIA"), "{creds:?}");
    assert!(creds.session_token().is_some());
    let expiry = creds.expiry().expect("assumed-role credentials expire");
    let lifetime = expiry - OffsetDateTime::now_utc();
    assert!(
        lifetime > time::Duration::minutes(13) && lifetime <= time::Duration::minutes(15),
        "DurationSeconds=900 asked for 15 minutes, got {lifetime}"
    );
    assert!(!format!("{client:?}").contains(&key.secret_access_key));

    let config = write_config("not-the-secret");
    let client = ClientBuilder::from_env_lookup(&env_for(&config))
        .unwrap()
        .build()
        .unwrap();
    let err = client.credentials().unwrap_err();
    assert_eq!(err.kind(), CredentialsErrorKind::Rejected, "{err}");
    assert!(err.to_string().contains("SignatureDoesNotMatch"), "{err}");
    assert!(!err.to_string().contains("not-the-secret"));
    moto.disable_auth();

    // Web identity from the environment; the assumed role then lists functions.
    let token_file = home.join("web-identity-token");
    std::fs::write(&token_file, "eyJhbGciOiJSUzI1NiJ9.secret-web-identity.sig").unwrap();
    let env = lookup(vec![
        ("AWS_REGION", MotoServer::REGION.to_string()),
        ("HOME", home.display().to_string()),
        (
            "AWS_WEB_IDENTITY_TOKEN_FILE",
            token_file.display().to_string(),
        ),
        ("AWS_ROLE_ARN", role_arn.clone()),
        ("AWS_ROLE_SESSION_NAME", "pod-7".into()),
        ("AWS_ENDPOINT_URL", moto.endpoint_url()),
    ]);
    let client = ClientBuilder::from_env_lookup(&env)
        .unwrap()
        .build()
        .unwrap();
    assert_eq!(client.credentials_source().kind(), SourceKind::WebIdentity);
    let creds = client.credentials().unwrap();
    assert!(creds.access_key_id().starts_with("ASIA"), "{creds:?}");
    client.send(ListFunctions::new()).unwrap();
    assert!(!format!("{client:?}").contains("secret-web-identity"));
    let _ = std::fs::remove_dir_all(home);
}

/// The `credential_process` command line may carry secrets in its arguments: no `Debug`
/// shows them (the configuration, the source, its provider and actions, the builder and the
/// client), as aws-config redacts them.
#[test]
fn credential_process_arguments_never_show_in_debug() {
    use lambda_proto::credentials::Action;
    let home = temp_dir("process-debug");
    let config = home.join("config");
    std::fs::write(
        &config,
        "[default]\ncredential_process = helper --secret s3cr3t-arg\n",
    )
    .unwrap();
    let env = lookup(vec![
        ("AWS_REGION", "us-east-1".to_string()),
        ("HOME", home.display().to_string()),
        ("AWS_CONFIG_FILE", config.display().to_string()),
    ]);
    let local = lambda_env::LocalConfig::load(&env).unwrap();
    let source = local.credentials.as_ref().unwrap().clone();
    let mut provider = source.provider();
    let action = provider.next(OffsetDateTime::now_utc());
    let Action::RunProcess(command) = &action else {
        panic!("expected the process to be run, got {action:?}")
    };
    assert_eq!(command.as_str(), "helper --secret s3cr3t-arg");
    let builder = ClientBuilder::from_env_lookup(&env).unwrap();
    let client = ClientBuilder::from_env_lookup(&env)
        .unwrap()
        .build()
        .unwrap();
    for shown in [
        format!("{local:?}"),
        format!("{source:?}"),
        format!("{provider:?}"),
        format!("{action:?}"),
        format!("{builder:?}"),
        format!("{client:?}"),
    ] {
        assert!(!shown.contains("s3cr3t"), "{shown}");
        assert!(!shown.contains("--secret"), "{shown}");
    }
    assert!(format!("{action:?}").contains("helper"));
    let _ = std::fs::remove_dir_all(home);
}
