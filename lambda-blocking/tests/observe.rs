//! The client's `observe` hook and unsigned requests, against a loopback server.

use std::sync::{Arc, Mutex};

use lambda_blocking::{Client, Exchange};
use lambda_proto::credentials::Credentials;
use lambda_proto::operations::GetAccountSettings;
use test_support::{LoopbackServer, Response, Step};

#[test]
fn observe_sees_each_attempt_and_unsigned_requests_carry_no_signature() {
    let server = LoopbackServer::start(vec![
        Step::Respond(Response::json(500, r#"{"message":"try again"}"#)),
        Step::Respond(Response::json(200, "{}")),
    ]);
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&seen);
    let client = Client::builder()
        .region("us-east-1")
        .endpoint_url(server.url())
        .observe(move |e| {
            let line = match e {
                Exchange::Request(r) => format!("> {} {}", r.method(), r.uri().path()),
                Exchange::Response(r) => format!("< {}", r.status().as_u16()),
                Exchange::Failed(e) => format!("! {e}"),
                _ => "?".into(),
            };
            log.lock().unwrap().push(line);
        })
        .unsigned(true)
        .build()
        .expect("no credentials are needed unsigned");
    client.send(GetAccountSettings::new()).unwrap();
    assert_eq!(
        *seen.lock().unwrap(),
        [
            "> GET /2016-08-19/account-settings",
            "< 500",
            "> GET /2016-08-19/account-settings",
            "< 200"
        ]
    );
    assert!(server
        .requests()
        .iter()
        .all(|r| r.header("authorization").is_none()));

    // Signed (the default), with a session token: both sent.
    let server = LoopbackServer::start(vec![Step::Respond(Response::json(200, "{}"))]);
    let client = Client::builder()
        .region("us-east-1")
        .endpoint_url(server.url())
        .credentials(Credentials::new(
            "AKID",
            "secret",
            Some("token".into()),
            None,
        ))
        .build()
        .unwrap();
    client.send(GetAccountSettings::new()).unwrap();
    let sent = &server.requests()[0];
    assert!(sent.header("authorization").is_some());
    assert_eq!(sent.header("x-amz-security-token"), Some("token"));
}
