//! What the blocking driver logs (through `tracing`), credentials that stay available when
//! their endpoint does not (static stability), and retried STS calls.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use common::{builder, RecordingSleeper};
use lambda_blocking::{ClientBuilder, FixedRandom};
use lambda_proto::credentials::Credentials;
use lambda_proto::operations::GetFunction;
use test_support::trace::{capture, serial};
use test_support::{LoopbackServer, Response, Step};
use time::OffsetDateTime;

const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
const TOKEN: &str = "session-token-that-must-not-show";

#[test]
fn calls_log_attempts_status_request_id_retries_and_time_without_secrets() {
    let _serial = serial();
    let server = LoopbackServer::start(vec![
        Step::Respond(
            Response::new(503)
                .body("busy")
                .header("x-amzn-RequestId", "req-1"),
        ),
        Step::Respond(Response::json(200, "{}").header("x-amzn-RequestId", "req-2")),
    ]);
    let sleeper = RecordingSleeper::default();
    let client = builder(&server.url(), &sleeper, 0.5)
        .credentials(Credentials::new(
            "AKIDEXAMPLE",
            SECRET,
            Some(TOKEN.into()),
            None,
        ))
        .build()
        .unwrap();
    let (result, events) = capture(|| client.send(GetFunction::new("f")).is_ok());
    assert!(result);
    let events: Vec<_> = events
        .into_iter()
        .filter(|e| e.target.starts_with("lambda"))
        .collect();
    let messages: Vec<&str> = events.iter().map(|e| e.message.as_str()).collect();
    assert_eq!(
        messages,
        [
            "sending",
            "error answer",
            "waiting to retry",
            "sending",
            "answered",
            "call finished"
        ],
        "{events:#?}"
    );
    for e in &events {
        assert_eq!(e.field("operation"), Some("GetFunction"), "{e:?}");
        assert!(
            e.field("endpoint")
                .is_some_and(|a| a.starts_with("127.0.0.1:")),
            "{e:?}"
        );
        let text = e.text();
        for secret in [SECRET, TOKEN, "Signature="] {
            assert!(!text.contains(secret), "{secret} in {text}");
        }
    }
    assert_eq!(events[0].field("attempt"), Some("1"));
    assert_eq!(events[1].field("status"), Some("503"));
    assert_eq!(events[1].field("request_id"), Some("req-1"));
    assert!(events[1].field("decision").unwrap().contains("RetryAfter"));
    assert_eq!(events[2].field("delay_ms"), Some("500"));
    assert_eq!(events[3].field("attempt"), Some("2"));
    assert_eq!(events[4].field("request_id"), Some("req-2"));
    assert_eq!(events[5].field("ok"), Some("true"));
    assert!(events[5].field("elapsed_ms").is_some());

    // Nothing is printed without a subscriber: the same call runs with none installed.
    client.send(GetFunction::new("f")).unwrap_err();
}

/// An IMDSv2 endpoint whose credentials are already expired, counting its requests.
fn expired_imds(requests: Arc<AtomicUsize>) -> LoopbackServer {
    LoopbackServer::with_handler(move |r| {
        requests.fetch_add(1, Ordering::SeqCst);
        match (r.method.as_str(), r.path()) {
            ("PUT", "/latest/api/token") => Response::new(200).body("TOKEN"),
            ("GET", "/latest/meta-data/iam/security-credentials/") => {
                Response::new(200).body("role")
            }
            ("GET", "/latest/meta-data/iam/security-credentials/role") => {
                let expired = OffsetDateTime::now_utc() - time::Duration::hours(1);
                let expired = expired
                    .format(&time::format_description::well_known::Rfc3339)
                    .unwrap();
                Response::json(
                    200,
                    format!(
                        r#"{{"Code":"Success","AccessKeyId":"ASIASTALE","SecretAccessKey":"s",
                            "Token":"t","Expiration":"{expired}"}}"#
                    ),
                )
            }
            _ => Response::new(404),
        }
    })
}

#[test]
fn expired_metadata_credentials_are_kept_a_while_not_fetched_per_call() {
    let _serial = serial();
    let imds_requests = Arc::new(AtomicUsize::new(0));
    let imds = expired_imds(Arc::clone(&imds_requests));
    let lambda = LoopbackServer::with_handler(|_| Response::json(200, "{}"));
    let vars = [
        ("AWS_REGION", "us-east-1".to_string()),
        ("HOME", "/nonexistent-home".into()),
        ("AWS_EC2_METADATA_SERVICE_ENDPOINT", imds.url()),
        ("AWS_ENDPOINT_URL_LAMBDA", lambda.url()),
    ];
    let env = |name: &str| {
        vars.iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.clone())
    };
    let client = ClientBuilder::from_env_lookup(&env)
        .unwrap()
        .build()
        .unwrap();
    let (_, events) = capture(|| {
        for _ in 0..20 {
            client.send(GetFunction::new("f")).unwrap();
        }
    });
    // One fetch (token, role, credentials) for all 20 calls, each signed with the stale key.
    assert_eq!(imds_requests.load(Ordering::SeqCst), 3);
    assert_eq!(lambda.request_count(), 20);
    for r in lambda.requests() {
        assert!(r
            .header("authorization")
            .unwrap()
            .contains("Credential=ASIASTALE/"));
    }
    let warnings: Vec<_> = events
        .iter()
        .filter(|e| e.level == tracing::Level::WARN)
        .collect();
    assert!(!warnings.is_empty(), "{events:#?}");
    assert!(warnings.iter().all(|w| w
        .field("source")
        .is_some_and(|s| s.contains("instance metadata"))
        || w.spans.iter().any(|(name, _)| name == "credentials")));
}

const STS_OK: &str = r#"<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleResult><Credentials>
    <AccessKeyId>ASIAROLE</AccessKeyId><SecretAccessKey>role-secret</SecretAccessKey>
    <SessionToken>role-token</SessionToken><Expiration>2099-01-02T04:04:05Z</Expiration>
  </Credentials></AssumeRoleResult>
</AssumeRoleResponse>"#;

#[test]
fn sts_calls_get_the_standard_retries() {
    let _serial = serial();
    let sts = LoopbackServer::start(vec![
        Step::Respond(Response::new(503).body("busy")),
        Step::Respond(Response::new(500).body("oops")),
        Step::Respond(Response::new(200).body(STS_OK)),
    ]);
    let lambda = LoopbackServer::with_handler(|_| Response::json(200, "{}"));
    let dir = std::env::temp_dir().join(format!("lambda-sts-retry-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("config");
    std::fs::write(
        &config,
        "[default]\nrole_arn = arn:aws:iam::123456789012:role/dev\nsource_profile = base\n\
         [profile base]\naws_access_key_id = AKIDBASE\naws_secret_access_key = base-secret\n",
    )
    .unwrap();
    let vars = [
        ("AWS_REGION", "us-east-1".to_string()),
        ("HOME", dir.display().to_string()),
        ("AWS_CONFIG_FILE", config.display().to_string()),
        ("AWS_ENDPOINT_URL_STS", sts.url()),
        ("AWS_ENDPOINT_URL_LAMBDA", lambda.url()),
    ];
    let env = |name: &str| {
        vars.iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.clone())
    };
    let sleeper = RecordingSleeper::default();
    let client = ClientBuilder::from_env_lookup(&env)
        .unwrap()
        .sleeper(sleeper.clone())
        .random_source(FixedRandom(0.5))
        .build()
        .unwrap();
    client.send(GetFunction::new("f")).unwrap();
    assert_eq!(sts.request_count(), 3);
    assert_eq!(
        sleeper.delays(),
        [Duration::from_millis(500), Duration::from_secs(1)]
    );
    let auth = lambda.requests()[0]
        .header("authorization")
        .unwrap()
        .to_string();
    assert!(auth.contains("Credential=ASIAROLE/"), "{auth}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Through a proxy with credentials: the proxy is used, and no event names the password.
#[test]
fn proxied_calls_log_no_proxy_credentials() {
    let _serial = serial();
    let server = LoopbackServer::start(vec![Step::json(200, "{}")]);
    let proxy = test_support::HttpProxy::with_credentials("alice", "hunter2-pw");
    let proxies = lambda_proto::proxy::ProxyConfig::direct().all(
        lambda_proto::proxy::Proxy::parse(&format!("alice:hunter2-pw@{}", proxy.addr())).unwrap(),
    );
    let sleeper = RecordingSleeper::default();
    let client = builder(&server.url(), &sleeper, 0.5)
        .proxy(proxies)
        .build()
        .unwrap();
    let (result, events) = capture(|| client.send(GetFunction::new("f")).is_ok());
    assert!(result);
    assert_eq!(proxy.requests().len(), 1);
    let logged: String = events.iter().map(|e| e.text()).collect();
    assert!(
        logged.contains("sending") && logged.contains("answered"),
        "{logged}"
    );
    // `Basic base64(alice:hunter2-pw)`.
    for secret in ["hunter2-pw", "YWxpY2U6aHVudGVyMi1wdw"] {
        assert!(!logged.contains(secret), "{logged}");
    }
}
