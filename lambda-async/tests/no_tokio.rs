//! The client without tokio: the crate's `ConnTransport` over async-io sockets, async-io's
//! timer, and futures-executor's `block_on`. CI runs it with `--no-default-features` too.

mod common;

use std::time::Duration;

use futures_executor::block_on;
use futures_util::StreamExt;
use lambda_async::Client;
use lambda_proto::error::TransportErrorKind;
use lambda_proto::operations::{
    CreateFunction, DeleteFunction, GetFunction, Invoke, ListFunctions,
};
use lambda_proto::types::{FunctionCode, Runtime};
use lambda_proto::waiter::function_active_v2;
use test_support::{LoopbackServer, MotoServer, Step};

use common::{sleep, transport};

fn client(endpoint: String) -> Client {
    Client::builder()
        .region("us-east-1")
        .endpoint_url(endpoint)
        .credentials(common::creds())
        .transport(transport())
        .sleep(sleep)
        .build()
        .unwrap()
}

#[test]
fn without_tokio_against_moto() {
    let moto = MotoServer::start();
    let role = moto.create_role("exec");
    let client = client(moto.endpoint_url());
    let zip = test_support::zip::stored_zip("index.py", b"def handler(e, c):\n    return e\n");
    block_on(async {
        let created = client
            .send(
                CreateFunction::new("plain", role, FunctionCode::new().zip_file(zip.clone()))
                    .runtime(Runtime::Python312)
                    .handler("index.handler"),
            )
            .await
            .unwrap();
        assert_eq!(created.code_size, Some(zip.len() as i64));
        client
            .wait(function_active_v2("plain"), Duration::from_secs(30))
            .await
            .unwrap();
        let names: Vec<String> = client
            .items(ListFunctions::new())
            .map(|f| f.unwrap().function_name.unwrap())
            .collect()
            .await;
        assert_eq!(names, ["plain"]);
        let out = client
            .send(Invoke::new("plain").payload(br#"{"x":[1,2]}"#.to_vec()))
            .await
            .unwrap();
        assert_eq!(out.payload.as_deref(), Some(&br#"{"x":[1,2]}"#[..]));
        client.send(DeleteFunction::new("plain")).await.unwrap();
        let gone = client.send(GetFunction::new("plain")).await.unwrap_err();
        assert_eq!(gone.code(), Some("ResourceNotFoundException"));
    });
}

#[test]
fn without_tokio_retries_and_times_out() {
    let server = LoopbackServer::start(vec![
        Step::Reset,
        Step::json(503, r#"{"message":"busy"}"#),
        Step::json(200, common::function_json("f", "Active")),
        Step::Stall(Duration::from_secs(5)),
        Step::Stall(Duration::from_secs(5)),
        Step::Stall(Duration::from_secs(5)),
    ]);
    let client = Client::builder()
        .region("us-east-1")
        .endpoint_url(server.url())
        .credentials(common::creds())
        .transport(transport())
        .sleep(sleep)
        .random(|| 0.01)
        .read_timeout(Duration::from_millis(200))
        .build()
        .unwrap();
    block_on(async {
        let out = client.send(GetFunction::new("f")).await.unwrap();
        assert_eq!(
            out.configuration.unwrap().function_name.as_deref(),
            Some("f")
        );
        assert_eq!(server.request_count(), 3);
        // Three stalls: all attempts time out on async-io's timer.
        let started = std::time::Instant::now();
        let err = client.send(GetFunction::new("f")).await.unwrap_err();
        match err {
            lambda_proto::Error::Transport(t) => assert_eq!(t.kind(), TransportErrorKind::Timeout),
            other => panic!("{other:?}"),
        }
        assert!(started.elapsed() < Duration::from_secs(3));
        assert_eq!(server.request_count(), 6);
    });
}

#[test]
fn without_tokio_connections_are_reused() {
    let server = LoopbackServer::with_handler(|_| {
        test_support::Response::json(200, common::function_json("f", "Active"))
    });
    let client = client(server.url());
    block_on(async {
        for _ in 0..5 {
            let out = client.send(GetFunction::new("f")).await.unwrap();
            assert_eq!(
                out.configuration.unwrap().function_name.as_deref(),
                Some("f")
            );
        }
    });
    assert_eq!(server.request_count(), 5);
    assert_eq!(server.connection_count(), 1, "one kept-alive connection");
    // Without idle connections kept, each request opens its own.
    let server = LoopbackServer::with_handler(|_| {
        test_support::Response::json(200, common::function_json("f", "Active"))
    });
    let client = Client::builder()
        .region("us-east-1")
        .endpoint_url(server.url())
        .credentials(common::creds())
        .transport(transport().max_idle_per_host(0))
        .sleep(sleep)
        .build()
        .unwrap();
    block_on(async {
        for _ in 0..3 {
            client.send(GetFunction::new("f")).await.unwrap();
        }
    });
    assert_eq!(server.connection_count(), 3);
}

/// Credentials from a container endpoint, fetched over `ConnTransport` too: the unsigned
/// credentials request carries `Host` like the signed calls.
#[test]
fn without_tokio_credentials_come_over_the_same_transport() {
    let expiry = "2100-01-01T00:00:00Z";
    let agent = LoopbackServer::with_handler(move |_| {
        test_support::Response::json(
            200,
            format!(
                r#"{{"AccessKeyId": "ASIACONTAINER", "SecretAccessKey": "s", "Token": "t",
                    "Expiration": "{expiry}"}}"#
            ),
        )
    });
    let lambda = LoopbackServer::with_handler(|_| test_support::Response::json(200, "{}"));
    let full_uri = format!("{}/creds", agent.url());
    let env =
        move |name: &str| (name == "AWS_CONTAINER_CREDENTIALS_FULL_URI").then(|| full_uri.clone());
    let source = lambda_proto::credentials::default_chain(
        &lambda_proto::credentials::ChainInput::new(&env, None, None, Some("/nonexistent-home")),
    )
    .unwrap();
    let client = Client::builder()
        .region("us-east-1")
        .endpoint_url(lambda.url())
        .credentials_source(source)
        .transport(transport())
        .sleep(sleep)
        .build()
        .unwrap();
    block_on(client.send(lambda_proto::operations::GetAccountSettings::new())).unwrap();
    let fetched = &agent.requests()[0];
    let authority = agent.url().trim_start_matches("http://").to_string();
    assert_eq!(fetched.header("host"), Some(authority.as_str()));
    let signed = &lambda.requests()[0];
    assert!(signed
        .header("authorization")
        .unwrap()
        .contains("ASIACONTAINER"));
}
