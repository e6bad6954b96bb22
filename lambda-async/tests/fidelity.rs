//! What the async driver puts on the wire is what the caller gave: an idempotency token
//! filled once per call and kept on retries, and no body (nor `Content-Length`) on a GET or
//! DELETE.
#![cfg(feature = "tokio")]

mod common;

use common::{creds, RecordingSleep};
use lambda_async::Client;
use lambda_proto::operations::{
    CheckpointDurableExecution, DeleteFunction, GetFunction, PublishVersion,
};
use test_support::{LoopbackServer, Response, Step};

const EXECUTION: &str = "arn:aws:lambda:us-east-1:123456789012:function:f:1/durable-execution/e/1";

fn client(server: &LoopbackServer, sleep: &RecordingSleep) -> Client {
    Client::builder()
        .region("us-east-1")
        .endpoint_url(server.url())
        .credentials(creds())
        .sleep(sleep.clone())
        .clock(sleep.clock())
        .build()
        .unwrap()
}

fn client_token(body: &str) -> String {
    let body: serde_json::Value = serde_json::from_str(body).unwrap();
    body["ClientToken"]
        .as_str()
        .expect("a ClientToken")
        .to_string()
}

#[tokio::test]
async fn an_idempotency_token_is_filled_once_and_kept_on_retries() {
    let server = LoopbackServer::start(vec![
        Step::Respond(Response::new(503).body("busy")),
        Step::json(200, "{}"),
        Step::json(200, "{}"),
    ]);
    let client = client(&server, &RecordingSleep::default());
    let op = CheckpointDurableExecution::new(EXECUTION, "t");
    client.send(op.clone()).await.unwrap();
    client.send(op).await.unwrap();
    let requests = server.requests();
    assert_eq!(requests.len(), 3);
    let token = client_token(&requests[0].body_text());
    assert_eq!(token.len(), 36, "{token}");
    assert_eq!(&token[14..15], "4", "a version 4 UUID: {token}");
    assert_eq!(
        client_token(&requests[1].body_text()),
        token,
        "the retry keeps it"
    );
    assert_ne!(
        client_token(&requests[2].body_text()),
        token,
        "a new call, a new token"
    );
}

#[tokio::test]
async fn gets_and_deletes_send_no_body_and_no_length() {
    let server = LoopbackServer::start(vec![
        Step::json(200, "{}"),
        Step::Respond(Response::new(204)),
        Step::json(201, "{}"),
    ]);
    let client = client(&server, &RecordingSleep::default());
    client.send(GetFunction::new("f")).await.unwrap();
    client.send(DeleteFunction::new("f")).await.unwrap();
    client.send(PublishVersion::new("f")).await.unwrap();
    let requests = server.requests();
    for r in &requests[..2] {
        assert_eq!(r.header("content-length"), None, "{}", r.path());
        assert_eq!(r.header("transfer-encoding"), None, "{}", r.path());
        assert!(r.body_text().is_empty());
    }
    assert_eq!(requests[2].header("content-length"), Some("2"));
}

/// One User-Agent format for both drivers (see the blocking driver's test of the same).
#[tokio::test]
async fn the_user_agent_names_crate_api_os_rust_driver_and_app() {
    let server = LoopbackServer::start(vec![Step::json(200, "{}")]);
    let sleep = RecordingSleep::default();
    Client::builder()
        .region("us-east-1")
        .endpoint_url(server.url())
        .credentials(creds())
        .sleep(sleep.clone())
        .clock(sleep.clock())
        .app_id("billing batch")
        .build()
        .unwrap()
        .send(GetFunction::new("f"))
        .await
        .unwrap();
    let ua = server.requests()[0]
        .header("user-agent")
        .unwrap()
        .to_string();
    let expected = lambda_proto::user_agent::user_agent(
        "lambda-async",
        env!("CARGO_PKG_VERSION"),
        Some("billing batch"),
    );
    assert_eq!(ua, expected);
    assert!(ua.ends_with(" app/billing-batch"), "{ua}");
    assert!(ua.contains(" md/driver#lambda-async_"), "{ua}");
}
