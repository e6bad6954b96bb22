//! Credentials through the async driver: the default chain against loopback servers
//! speaking IMDSv2, the container protocol and the SSO portal (with their failure answers
//! and stalls), a real `credential_process`, and moto for STS `AssumeRole` and
//! `AssumeRoleWithWebIdentity`; expiry with a fake clock under 100 concurrent calls.
#![cfg(feature = "tokio")]

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use lambda_async::Client;
use lambda_proto::credentials::{
    default_chain, ChainInput, CredentialsErrorKind, CredentialsSource, SourceKind,
};
use lambda_proto::operations::{GetAccountSettings, ListFunctions};
use lambda_proto::Error;
use test_support::{LoopbackServer, MotoServer, RecordedRequest, Response, Step};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

fn source(vars: &[(&str, String)], config: Option<&str>) -> CredentialsSource {
    let map: HashMap<String, String> = vars
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect();
    let env = move |name: &str| map.get(name).cloned();
    default_chain(&ChainInput::new(
        &env,
        config,
        None,
        Some("/nonexistent-home"),
    ))
    .unwrap()
}

fn temp_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("lambda-async-creds-{}-{tag}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn key_of(r: &RecordedRequest) -> String {
    let auth = r.header("authorization").unwrap_or_default();
    auth.split("Credential=")
        .nth(1)
        .and_then(|s| s.split('/').next())
        .unwrap_or_default()
        .to_string()
}

fn lambda_server() -> LoopbackServer {
    LoopbackServer::with_handler(|_| Response::json(200, "{}"))
}

/// IMDSv2 with keys `ASIAIMDS<n>` valid `lifetime` from the shared (fake) clock.
fn imds_server(
    clock: Arc<AtomicI64>,
    lifetime: time::Duration,
    fetches: Arc<AtomicUsize>,
) -> LoopbackServer {
    LoopbackServer::with_handler(move |r| match (r.method.as_str(), r.path()) {
        ("PUT", "/latest/api/token") => Response::new(200).body("TOKEN"),
        _ if r.header("x-aws-ec2-metadata-token") != Some("TOKEN") => Response::new(401),
        ("GET", "/latest/meta-data/iam/security-credentials/") => Response::new(200).body("role"),
        ("GET", "/latest/meta-data/iam/security-credentials/role") => {
            let n = fetches.fetch_add(1, Ordering::SeqCst) + 1;
            let now = OffsetDateTime::from_unix_timestamp(clock.load(Ordering::SeqCst)).unwrap();
            let expiry = (now + lifetime).format(&Rfc3339).unwrap();
            Response::json(
                200,
                format!(
                    r#"{{"Code": "Success", "AccessKeyId": "ASIAIMDS{n}", "SecretAccessKey": "s{n}",
                        "Token": "t{n}", "Expiration": "{expiry}"}}"#
                ),
            )
        }
        _ => Response::new(404),
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn expiry_refreshes_once_for_100_concurrent_calls() {
    let clock = Arc::new(AtomicI64::new(OffsetDateTime::now_utc().unix_timestamp()));
    let fetches = Arc::new(AtomicUsize::new(0));
    let imds = imds_server(
        Arc::clone(&clock),
        time::Duration::minutes(10),
        Arc::clone(&fetches),
    );
    let lambda = lambda_server();
    let source = source(&[("AWS_EC2_METADATA_SERVICE_ENDPOINT", imds.url())], None);
    assert_eq!(source.kind(), SourceKind::Imds);
    let fake = Arc::clone(&clock);
    let client = Client::builder()
        .region("us-east-1")
        .endpoint_url(lambda.url())
        .credentials_source(source)
        .clock(move || OffsetDateTime::from_unix_timestamp(fake.load(Ordering::SeqCst)).unwrap())
        .build()
        .unwrap();
    let burst = |client: &Client| {
        let calls: Vec<_> = (0..100)
            .map(|_| {
                let client = client.clone();
                tokio::spawn(async move { client.send(GetAccountSettings::new()).await.unwrap() })
            })
            .collect();
        async move {
            for c in calls {
                c.await.unwrap();
            }
        }
    };
    burst(&client).await;
    assert_eq!(fetches.load(Ordering::SeqCst), 1);
    assert!(lambda.requests().iter().all(|r| key_of(r) == "ASIAIMDS1"));
    assert_eq!(lambda.request_count(), 100);

    clock.fetch_add(11 * 60, Ordering::SeqCst);
    burst(&client).await;
    assert_eq!(fetches.load(Ordering::SeqCst), 2);
    let second: Vec<String> = lambda.requests()[100..].iter().map(key_of).collect();
    assert_eq!(second.len(), 100);
    assert!(second.iter().all(|k| k == "ASIAIMDS2"), "{second:?}");
}

#[tokio::test]
async fn container_rejection_fails_the_call_unsent() {
    let server = LoopbackServer::with_handler(|r| {
        if r.header("authorization") == Some("Bearer right") {
            let expiry = (OffsetDateTime::now_utc() + time::Duration::hours(1))
                .format(&Rfc3339)
                .unwrap();
            Response::json(
                200,
                format!(
                    r#"{{"AccessKeyId": "ASIACONTAINER", "SecretAccessKey": "s", "Token": "t",
                        "Expiration": "{expiry}"}}"#
                ),
            )
        } else {
            Response::json(
                403,
                r#"{"code": "AccessDenied", "message": "token mismatch"}"#,
            )
        }
    });
    let lambda = lambda_server();
    for (token, ok) in [("Bearer right", true), ("Bearer wrong", false)] {
        let client = Client::builder()
            .region("us-east-1")
            .endpoint_url(lambda.url())
            .credentials_source(source(
                &[
                    (
                        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
                        format!("{}/creds", server.url()),
                    ),
                    ("AWS_CONTAINER_AUTHORIZATION_TOKEN", token.to_string()),
                ],
                None,
            ))
            .build()
            .unwrap();
        let result = client.send(GetAccountSettings::new()).await;
        if ok {
            result.unwrap();
            assert_eq!(key_of(&lambda.requests()[0]), "ASIACONTAINER");
        } else {
            match result.unwrap_err() {
                Error::Transport(t) => {
                    assert_eq!(
                        t.kind(),
                        lambda_proto::error::TransportErrorKind::Credentials
                    );
                    let text = format!("{t} {:?}", std::error::Error::source(&t));
                    assert!(text.contains("AccessDenied"), "{text}");
                }
                other => panic!("{other:?}"),
            }
            assert_eq!(
                lambda.request_count(),
                1,
                "nothing sent without credentials"
            );
        }
    }
}

#[cfg(unix)]
#[tokio::test]
async fn credential_process_is_run() {
    let dir = temp_dir("process");
    let script = dir.join("creds.sh");
    std::fs::write(
        &script,
        "#!/bin/sh\nprintf '%s' '{\"Version\": 1, \"AccessKeyId\": \"AKIDPROCESS\", \"SecretAccessKey\": \"p\"}'\n",
    )
    .unwrap();
    let lambda = lambda_server();
    let config = format!("[default]\ncredential_process = sh {}\n", script.display());
    let client = Client::builder()
        .region("us-east-1")
        .endpoint_url(lambda.url())
        .credentials_source(source(&[], Some(&config)))
        .build()
        .unwrap();
    client.send(GetAccountSettings::new()).await.unwrap();
    assert_eq!(key_of(&lambda.requests()[0]), "AKIDPROCESS");
    let _ = std::fs::remove_dir_all(dir);
}

/// AssumeRole through a profile against moto with signature checking on, then a Lambda call
/// signed with the assumed role's credentials.
#[tokio::test]
async fn assume_role_against_moto() {
    let moto = MotoServer::start();
    let trust = test_support::trust_policy(
        serde_json::json!({"AWS": format!("arn:aws:iam::{}:user/ci", MotoServer::ACCOUNT_ID)}),
        "sts:AssumeRole",
    );
    moto.create_role_with_trust("deploy", &trust);
    let policy = test_support::allow_policy("lambda:*");
    moto.put_role_policy("deploy", "lambda", &policy);
    let key = moto.create_user_with_policy("ci", &test_support::allow_policy("sts:AssumeRole"));
    let config = format!(
        "[default]\nrole_arn = arn:aws:iam::{}:role/deploy\nsource_profile = ci\n\
         [profile ci]\naws_access_key_id = {}\naws_secret_access_key = {}\n",
        MotoServer::ACCOUNT_ID,
        key.access_key_id,
        key.secret_access_key
    );
    let source = source(
        &[
            ("AWS_REGION", MotoServer::REGION.to_string()),
            ("AWS_ENDPOINT_URL_STS", moto.endpoint_url()),
        ],
        Some(&config),
    );
    moto.enable_auth();
    let client = moto_client(&moto, source);
    // moto checks both signatures: AssumeRole's with the user's key, then ListFunctions'
    // with the role's temporary key and session token (allowed by the role's policy).
    client.send(ListFunctions::new()).await.unwrap();
    moto.disable_auth();

    // A wrong secret: STS refuses the AssumeRole signature.
    let bad = config.replace(&key.secret_access_key, "wrong-secret");
    let source_bad = source_with(&moto, &bad);
    moto.enable_auth();
    let client = moto_client(&moto, source_bad);
    match client.send(ListFunctions::new()).await.unwrap_err() {
        Error::Transport(t) => {
            let text = format!("{:?}", std::error::Error::source(&t));
            assert!(text.contains("SignatureDoesNotMatch"), "{text}");
            assert!(
                text.contains(&format!("{:?}", CredentialsErrorKind::Rejected)),
                "{text}"
            );
            assert!(!text.contains("wrong-secret"), "{text}");
        }
        other => panic!("{other:?}"),
    }
}

/// A client of moto's Lambda API with credentials from `source`.
fn moto_client(moto: &MotoServer, source: CredentialsSource) -> Client {
    Client::builder()
        .region(MotoServer::REGION)
        .endpoint_url(moto.endpoint_url())
        .credentials_source(source)
        .build()
        .unwrap()
}

fn source_with(moto: &MotoServer, config: &str) -> CredentialsSource {
    source(
        &[
            ("AWS_REGION", MotoServer::REGION.to_string()),
            ("AWS_ENDPOINT_URL_STS", moto.endpoint_url()),
        ],
        Some(config),
    )
}

/// A client whose credentials come from `source`, calling a Lambda stand-in.
fn client_for(source: CredentialsSource, lambda: &LoopbackServer) -> Client {
    Client::builder()
        .region("us-east-1")
        .endpoint_url(lambda.url())
        .credentials_source(source)
        .build()
        .unwrap()
}

/// The text of a credentials failure of a call (its message and its source's).
fn credentials_failure<E: std::fmt::Debug>(err: Error<E>) -> String {
    match err {
        Error::Transport(t) => {
            assert_eq!(
                t.kind(),
                lambda_proto::error::TransportErrorKind::Credentials
            );
            format!("{t} {:?}", std::error::Error::source(&t))
        }
        other => panic!("expected a credentials failure, got {other:?}"),
    }
}

fn text(status: u16, body: &str) -> Step {
    Step::Respond(Response::new(status).body(body.to_string()))
}

const IMDS_CREDENTIALS: &str = r#"{"Code": "Success", "Type": "AWS-HMAC",
    "AccessKeyId": "ASIASCRIPTED", "SecretAccessKey": "s", "Token": "t",
    "Expiration": "2100-01-01T00:00:00Z"}"#;

/// One call with credentials from an IMDS server answering `script`.
async fn with_scripted_imds(
    script: Vec<Step>,
) -> (LoopbackServer, LoopbackServer, Result<(), String>, Duration) {
    let imds = LoopbackServer::start(script);
    let lambda = lambda_server();
    let client = client_for(
        source(&[("AWS_EC2_METADATA_SERVICE_ENDPOINT", imds.url())], None),
        &lambda,
    );
    let started = Instant::now();
    let result = client
        .send(GetAccountSettings::new())
        .await
        .map(|_| ())
        .map_err(credentials_failure);
    (imds, lambda, result, started.elapsed())
}

#[tokio::test]
async fn imds_failure_answers() {
    // No role attached to the instance.
    let (imds, lambda, result, _) = with_scripted_imds(vec![text(200, "T"), text(404, "")]).await;
    let err = result.unwrap_err();
    assert!(err.contains("404"), "{err}");
    assert_eq!((imds.request_count(), lambda.request_count()), (2, 0));

    // Two 500s are retried, then the credentials sign the call.
    let (imds, lambda, result, _) = with_scripted_imds(vec![
        text(200, "T"),
        text(200, "role"),
        text(500, ""),
        text(500, ""),
        Step::json(200, IMDS_CREDENTIALS),
    ])
    .await;
    result.unwrap();
    assert_eq!(imds.request_count(), 5);
    assert_eq!(key_of(&lambda.requests()[0]), "ASIASCRIPTED");

    // Three: the source gives up and says why.
    let (_, lambda, result, _) = with_scripted_imds(vec![
        text(200, "T"),
        text(200, "role"),
        text(500, ""),
        text(500, ""),
        text(500, ""),
    ])
    .await;
    let err = result.unwrap_err();
    assert!(err.contains("500"), "{err}");
    assert_eq!(lambda.request_count(), 0);
}

#[tokio::test]
async fn imds_that_stalls_times_out() {
    let (_, lambda, result, took) =
        with_scripted_imds(vec![Step::Stall(Duration::from_secs(30)); 4]).await;
    let err = result.unwrap_err();
    assert!(err.contains("instance metadata"), "{err}");
    assert_eq!(lambda.request_count(), 0);
    assert!(took < Duration::from_secs(10), "took {took:?}");
}

#[tokio::test]
async fn imds_stale_token_is_replaced() {
    let tokens = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&tokens);
    let imds = LoopbackServer::with_handler(move |r| match (r.method.as_str(), r.path()) {
        ("PUT", "/latest/api/token") => {
            let n = counter.fetch_add(1, Ordering::SeqCst) + 1;
            Response::new(200).body(format!("TOKEN-{n}"))
        }
        // The first token is stale at once.
        _ if r.header("x-aws-ec2-metadata-token") != Some("TOKEN-2") => Response::new(401),
        ("GET", "/latest/meta-data/iam/security-credentials/") => Response::new(200).body("role"),
        ("GET", "/latest/meta-data/iam/security-credentials/role") => {
            Response::json(200, IMDS_CREDENTIALS)
        }
        _ => Response::new(404),
    });
    let lambda = lambda_server();
    let client = client_for(
        source(&[("AWS_EC2_METADATA_SERVICE_ENDPOINT", imds.url())], None),
        &lambda,
    );
    client.send(GetAccountSettings::new()).await.unwrap();
    assert_eq!(
        tokens.load(Ordering::SeqCst),
        2,
        "a second token after the 401"
    );
    assert_eq!(key_of(&lambda.requests()[0]), "ASIASCRIPTED");
}

#[tokio::test]
async fn container_failure_answers() {
    let lambda = lambda_server();
    let call = |script: Vec<Step>| {
        let server = LoopbackServer::start(script);
        let client = client_for(
            source(
                &[(
                    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
                    format!("{}/creds", server.url()),
                )],
                None,
            ),
            &lambda,
        );
        async move {
            let started = Instant::now();
            let err = client.send(GetAccountSettings::new()).await.unwrap_err();
            (server, credentials_failure(err), started.elapsed())
        }
    };
    let (_, err, _) = call(vec![
        Step::json(
            500,
            r#"{"code": "InternalError", "message": "agent failed"}"#
        );
        4
    ])
    .await;
    assert!(err.contains("500"), "{err}");
    let (_, err, took) = call(vec![Step::Stall(Duration::from_secs(30)); 4]).await;
    assert!(err.contains("container"), "{err}");
    assert!(took < Duration::from_secs(15), "took {took:?}");
    assert_eq!(lambda.request_count(), 0);
}

#[tokio::test]
async fn sso_portal_with_cached_token() {
    let home = temp_dir("sso");
    let cache_dir = home.join(".aws").join("sso").join("cache");
    std::fs::create_dir_all(&cache_dir).unwrap();
    let config = "[profile dev]\nsso_session = corp\nsso_account_id = 123456789012\n\
                  sso_role_name = ReadOnly\n\
                  [sso-session corp]\nsso_region = eu-west-1\n\
                  sso_start_url = https://d-abc123.awsapps.com/start\n";
    // SHA-1 of "corp", computed independently (Python hashlib).
    let cache = cache_dir.join("ee0bfd2552fbd840c02cc48b6e823320543c450f.json");
    let write_token = |expires: OffsetDateTime| {
        let expires = expires.format(&Rfc3339).unwrap();
        let token = format!(
            r#"{{"accessToken": "sso-access-token", "expiresAt": "{expires}",
                "region": "eu-west-1", "startUrl": "https://d-abc123.awsapps.com/start"}}"#
        );
        std::fs::write(&cache, token).unwrap();
    };
    let expiry_ms = (OffsetDateTime::now_utc() + time::Duration::hours(1)).unix_timestamp() * 1000;
    let portal = LoopbackServer::sso_portal("sso-access-token", "ASIASSO", expiry_ms);
    let sso_source = || {
        let vars: HashMap<&str, String> = [
            ("AWS_PROFILE", "dev".to_string()),
            ("AWS_ENDPOINT_URL_SSO", portal.url()),
        ]
        .into_iter()
        .collect();
        let env = move |name: &str| vars.get(name).cloned();
        let home = home.display().to_string();
        default_chain(&ChainInput::new(&env, Some(config), None, Some(&home))).unwrap()
    };
    let lambda = lambda_server();

    write_token(OffsetDateTime::now_utc() + time::Duration::hours(1));
    let client = client_for(sso_source(), &lambda);
    client.send(GetAccountSettings::new()).await.unwrap();
    let r = &portal.requests()[0];
    assert_eq!(r.query_param("role_name"), Some("ReadOnly"));
    assert_eq!(r.query_param("account_id"), Some("123456789012"));
    assert_eq!(key_of(&lambda.requests()[0]), "ASIASSO");

    // An expired token: the error says to log in, and the portal is not asked.
    write_token(OffsetDateTime::now_utc() - time::Duration::minutes(1));
    let client = client_for(sso_source(), &lambda);
    let err = credentials_failure(client.send(GetAccountSettings::new()).await.unwrap_err());
    assert!(err.contains("aws sso login --profile dev"), "{err}");
    assert_eq!(portal.request_count(), 1);
    let _ = std::fs::remove_dir_all(home);
}

/// Web identity from the environment (EKS IRSA) against moto's STS, then a call to moto
/// signed with the role's temporary credentials.
#[tokio::test]
async fn web_identity_against_moto() {
    let moto = MotoServer::start();
    let trust = test_support::trust_policy(
        serde_json::json!({"Federated": "arn:aws:iam::123456789012:oidc-provider/example.com"}),
        "sts:AssumeRoleWithWebIdentity",
    );
    let role_arn = moto.create_role_with_trust("pod-role", &trust);
    let dir = temp_dir("web-identity");
    let token_file = dir.join("token");
    std::fs::write(&token_file, "eyJhbGciOiJSUzI1NiJ9.secret-web-identity.sig").unwrap();
    let source = source(
        &[
            ("AWS_REGION", MotoServer::REGION.to_string()),
            (
                "AWS_WEB_IDENTITY_TOKEN_FILE",
                token_file.display().to_string(),
            ),
            ("AWS_ROLE_ARN", role_arn),
            ("AWS_ROLE_SESSION_NAME", "pod-7".to_string()),
            ("AWS_ENDPOINT_URL_STS", moto.endpoint_url()),
        ],
        None,
    );
    assert_eq!(source.kind(), SourceKind::WebIdentity);
    assert!(!format!("{source:?}").contains("secret-web-identity"));
    let client = moto_client(&moto, source);
    let out = client.send(ListFunctions::new()).await.unwrap();
    assert_eq!(out.functions.map(|f| f.len()), Some(0));
    assert!(!format!("{client:?}").contains("secret-web-identity"));
    let _ = std::fs::remove_dir_all(dir);
}
