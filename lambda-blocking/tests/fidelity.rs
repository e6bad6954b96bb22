//! What the blocking driver puts on the wire is what the caller gave: an idempotency token
//! filled once per call and kept on retries, and no body (nor `Content-Length`) on a GET or
//! DELETE.

mod common;

use common::{builder, RecordingSleeper};
use lambda_proto::operations::{
    CheckpointDurableExecution, DeleteFunction, GetFunction, PublishVersion,
};
use test_support::{LoopbackServer, Response, Step};

const EXECUTION: &str = "arn:aws:lambda:us-east-1:123456789012:function:f:1/durable-execution/e/1";

fn client_token(body: &str) -> String {
    let body: serde_json::Value = serde_json::from_str(body).unwrap();
    body["ClientToken"]
        .as_str()
        .expect("a ClientToken")
        .to_string()
}

#[test]
fn an_idempotency_token_is_filled_once_and_kept_on_retries() {
    let server = LoopbackServer::start(vec![
        Step::Respond(Response::new(503).body("busy")),
        Step::json(200, "{}"),
        Step::json(200, "{}"),
    ]);
    let sleeper = RecordingSleeper::default();
    let client = builder(&server.url(), &sleeper, 0.25).build().unwrap();
    client
        .send(CheckpointDurableExecution::new(EXECUTION, "t"))
        .unwrap();
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    let token = client_token(&requests[0].body_text());
    assert_eq!(token.len(), 36, "{token}");
    assert_eq!(&token[14..15], "4", "a version 4 UUID: {token}");
    assert_eq!(
        client_token(&requests[1].body_text()),
        token,
        "the retry keeps it"
    );

    // The caller's own token is sent as given.
    client
        .send(CheckpointDurableExecution::new(EXECUTION, "t").client_token("mine"))
        .unwrap();
    assert_eq!(client_token(&server.requests()[2].body_text()), "mine");
}

#[test]
fn gets_and_deletes_send_no_body_and_no_length() {
    let server = LoopbackServer::start(vec![
        Step::json(200, "{}"),
        Step::Respond(Response::new(204)),
        Step::json(201, "{}"),
    ]);
    let sleeper = RecordingSleeper::default();
    let client = builder(&server.url(), &sleeper, 0.5).build().unwrap();
    client.send(GetFunction::new("f")).unwrap();
    client.send(DeleteFunction::new("f")).unwrap();
    client.send(PublishVersion::new("f")).unwrap();
    let requests = server.requests();
    for r in &requests[..2] {
        assert_eq!(r.header("content-length"), None, "{}", r.path());
        assert_eq!(r.header("transfer-encoding"), None, "{}", r.path());
        assert!(r.body_text().is_empty());
    }
    // A POST says its length.
    assert_eq!(requests[2].header("content-length"), Some("2"));
}

/// One User-Agent format for both drivers: this crate, the API, OS, Rust, the driver and
/// the application id (`AWS_SDK_UA_APP_ID`), as the AWS SDKs send it.
#[test]
fn the_user_agent_names_crate_api_os_rust_driver_and_app() {
    let server = LoopbackServer::start(vec![Step::json(200, "{}"), Step::json(200, "{}")]);
    let sleeper = RecordingSleeper::default();
    builder(&server.url(), &sleeper, 0.5)
        .build()
        .unwrap()
        .send(GetFunction::new("f"))
        .unwrap();
    builder(&server.url(), &sleeper, 0.5)
        .app_id("billing batch")
        .build()
        .unwrap()
        .send(GetFunction::new("f"))
        .unwrap();
    let requests = server.requests();
    let plain = requests[0].header("user-agent").unwrap();
    let expected =
        lambda_proto::user_agent::user_agent("lambda-blocking", env!("CARGO_PKG_VERSION"), None);
    assert_eq!(plain, expected);
    assert!(plain.starts_with("lambda-proto/"), "{plain}");
    assert!(
        plain.contains(&format!(" os/{} lang/rust#", std::env::consts::OS)),
        "{plain}"
    );
    assert!(plain.contains(" md/driver#lambda-blocking_"), "{plain}");
    assert_eq!(
        requests[1].header("user-agent").unwrap(),
        format!("{expected} app/billing-batch")
    );
}
