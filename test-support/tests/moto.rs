//! The local Lambda API server: start, control calls, setup methods, stop on drop.
//! Needs the Python packages of `scripts/install-test-deps.sh`.

use std::time::Instant;

use test_support::{is_listening, MotoServer};

/// An `Authorization` header that routes a request to moto's Lambda backend; the
/// signature is not valid, which only matters with auth on.
fn lambda_routing_auth(key_id: &str) -> String {
    format!(
        "AWS4-HMAC-SHA256 Credential={key_id}/20200101/us-east-1/lambda/aws4_request, \
         SignedHeaders=host;x-amz-date, Signature=00"
    )
}

fn get_function(moto: &MotoServer, key_id: &str, name: &str) -> test_support::HttpResponse {
    let auth = lambda_routing_auth(key_id);
    moto.request(
        "GET",
        &format!("/2015-03-31/functions/{name}"),
        &[("Authorization", &auth), ("X-Amz-Date", "20200101T000000Z")],
        b"",
    )
}

fn create_function(moto: &MotoServer, role_arn: &str, name: &str) -> test_support::HttpResponse {
    let body = serde_json::json!({
        "FunctionName": name,
        "Runtime": "python3.12",
        "Role": role_arn,
        "Handler": "index.handler",
        // "hello" as a (not really zipped) code blob: moto's simple backend only stores it.
        "Code": {"ZipFile": "aGVsbG8="},
    })
    .to_string();
    let auth = lambda_routing_auth("AKIAIOSFODNN7EXAMPLE");
    moto.request(
        "POST",
        "/2015-03-31/functions",
        &[
            ("Authorization", &auth),
            ("Content-Type", "application/json"),
        ],
        body.as_bytes(),
    )
}

#[test]
fn starts_answers_config_and_stops_on_drop() {
    let started = Instant::now();
    let moto = MotoServer::start();
    eprintln!("moto server answered after {:?}", started.elapsed());
    let url = moto.endpoint_url();
    assert_eq!(url, format!("http://127.0.0.1:{}", moto.port()));

    let config = moto.request("GET", "/moto-api/config", &[], b"");
    assert!((200..300).contains(&config.status), "{config:?}");
    let config: serde_json::Value = serde_json::from_slice(&config.body).unwrap();
    assert_eq!(config["lambda"]["use_docker"], serde_json::json!(false));

    let addr = moto.addr();
    assert!(is_listening(addr));
    drop(moto);
    assert!(!is_listening(addr), "moto still listens after drop");
}

#[test]
fn create_role_enables_create_function_and_reset_drops_state() {
    let moto = MotoServer::start();
    let role = moto.create_role("lambda-exec");
    assert_eq!(role, "arn:aws:iam::123456789012:role/lambda-exec");

    let created = create_function(&moto, &role, "f1");
    assert!(
        (200..300).contains(&created.status),
        "CreateFunction: {created:?}"
    );
    let got = get_function(&moto, "AKIAIOSFODNN7EXAMPLE", "f1");
    assert_eq!(got.status, 200, "{got:?}");
    let got: serde_json::Value = serde_json::from_slice(&got.body).unwrap();
    assert_eq!(got["Configuration"]["Role"], serde_json::json!(role));

    moto.reset();
    let gone = get_function(&moto, "AKIAIOSFODNN7EXAMPLE", "f1");
    assert_eq!(gone.status, 404, "{gone:?}");
    assert_eq!(
        gone.header("x-amzn-ErrorType"),
        Some("ResourceNotFoundException")
    );
    // The role is gone too: CreateFunction with it fails now.
    let again = create_function(&moto, &role, "f1");
    assert!(!(200..300).contains(&again.status), "{again:?}");
}

#[test]
fn queued_invoke_results_come_back_in_order() {
    let moto = MotoServer::start();
    moto.queue_invoke_results(&[r#"{"n":1}"#, "two"]);
    let auth = lambda_routing_auth("AKIAIOSFODNN7EXAMPLE");
    let invoke = |payload: &[u8]| {
        moto.request(
            "POST",
            "/2015-03-31/functions/any/invocations",
            &[
                ("Authorization", &auth),
                ("Content-Type", "application/json"),
            ],
            payload,
        )
    };
    assert_eq!(invoke(b"{}").body, br#"{"n":1}"#);
    assert_eq!(invoke(b"{}").body, b"two");
    // Queue used up: the simple backend echoes the payload.
    assert_eq!(invoke(br#"{"echo":true}"#).body, br#"{"echo":true}"#);
}

#[test]
fn create_sqs_queue_returns_the_queue_arn() {
    let moto = MotoServer::start();
    let arn = moto.create_sqs_queue("events");
    assert_eq!(arn, "arn:aws:sqs:us-east-1:123456789012:events");
}

#[test]
fn auth_rejects_bad_signatures_and_setup_methods_still_work() {
    let moto = MotoServer::start();
    let key = moto.create_user_with_lambda_access("tester");
    assert!(key.access_key_id.starts_with("AKIA"), "{key:?}");
    assert!(!key.secret_access_key.is_empty());

    // Auth off: any key passes.
    assert_eq!(
        get_function(&moto, "AKIAUNKNOWN000000000", "nope").status,
        404
    );

    moto.enable_auth();
    let unknown = get_function(&moto, "AKIAUNKNOWN000000000", "nope");
    assert_eq!(unknown.status, 403, "{unknown:?}");
    assert!(
        unknown.text().contains("InvalidClientTokenId"),
        "{unknown:?}"
    );
    // The created key is known, but this signature is wrong.
    let wrong = get_function(&moto, &key.access_key_id, "nope");
    assert_eq!(wrong.status, 403, "{wrong:?}");
    assert!(wrong.text().contains("SignatureDoesNotMatch"), "{wrong:?}");

    // Setup methods work with auth on, and leave it on.
    let role = moto.create_role("made-while-checked");
    assert!(role.ends_with(":role/made-while-checked"));
    assert_eq!(
        get_function(&moto, "AKIAUNKNOWN000000000", "nope").status,
        403
    );

    moto.disable_auth();
    assert_eq!(
        get_function(&moto, "AKIAUNKNOWN000000000", "nope").status,
        404
    );
}
