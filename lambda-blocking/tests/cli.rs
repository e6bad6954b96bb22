//! The `lambda` program against moto, and its dry run.

use std::path::{Path, PathBuf};
use std::process::Output;

use base64::Engine as _;
use serde_json::{json, Value};
use test_support::MotoServer;

mod cli_common;

use cli_common::{bare as lambda, with_keys};

/// A fresh, empty directory for one test's home and shared files.
fn temp_dir() -> PathBuf {
    cli_common::temp_dir("cli-test")
}

fn stdout_json(out: &Output) -> Value {
    assert!(
        out.status.success(),
        "status {:?}, stderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!("{e}: {}", String::from_utf8_lossy(&out.stdout));
    })
}

#[test]
fn create_get_list_and_errors_against_moto() {
    let moto = MotoServer::start();
    let role = moto.create_role("cli-role");
    let home = temp_dir();
    let url = moto.endpoint_url();
    let zip = base64::engine::general_purpose::STANDARD
        .encode(b"PK\x05\x06\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0");

    for name in ["one", "two"] {
        let input = json!({
            "FunctionName": name,
            "Role": role,
            "Runtime": "python3.12",
            "Handler": "index.handler",
            "Code": {"ZipFile": zip},
        });
        let out = with_keys(&mut lambda(&home))
            .args([
                "--region",
                "us-east-1",
                "--endpoint-url",
                &url,
                "create-function",
            ])
            .args(["--cli-input-json", &input.to_string()])
            .output()
            .unwrap();
        let created = stdout_json(&out);
        assert_eq!(created["FunctionName"], name);
        assert_eq!(created["Runtime"], "python3.12");
    }

    // Input from a file.
    let input_file = home.join("get.json");
    std::fs::write(&input_file, r#"{"FunctionName": "one"}"#).unwrap();
    let out = with_keys(&mut lambda(&home))
        .args([
            "get-function",
            "--region",
            "us-east-1",
            "--endpoint-url",
            &url,
        ])
        .arg("--cli-input-json")
        .arg(format!("file://{}", input_file.display()))
        .output()
        .unwrap();
    let got = stdout_json(&out);
    assert_eq!(got["Configuration"]["FunctionName"], "one");
    assert_eq!(got["Configuration"]["Role"], role.as_str());

    let out = with_keys(&mut lambda(&home))
        .env("AWS_REGION", "us-east-1")
        .args(["--endpoint-url", &url, "list-functions"])
        .output()
        .unwrap();
    let listed = stdout_json(&out);
    let mut names: Vec<&str> = listed["Functions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["FunctionName"].as_str().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, ["one", "two"]);
    assert!(listed.get("NextMarker").is_none());

    // A service error: JSON on standard error, exit status 254.
    let out = with_keys(&mut lambda(&home))
        .args([
            "--region",
            "us-east-1",
            "--endpoint-url",
            &url,
            "get-function",
        ])
        .args(["--cli-input-json", r#"{"FunctionName":"missing"}"#])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(254));
    assert!(out.stdout.is_empty());
    let err: Value = serde_json::from_slice(&out.stderr).unwrap();
    assert_eq!(err["code"], "ResourceNotFoundException");
    assert_eq!(err["status"], 404);
    let message = err["message"].as_str().expect("a message");
    assert!(message.contains(":function:missing"), "{message}");
    let request_id = err["request_id"].as_str().expect("a request id");
    assert!(!request_id.is_empty());

    // Invoke echoes the payload (base64 in and out).
    let payload = base64::engine::general_purpose::STANDARD.encode(br#"{"n":1}"#);
    let out = with_keys(&mut lambda(&home))
        .args(["--region", "us-east-1", "--endpoint-url", &url, "invoke"])
        .args([
            "--cli-input-json",
            &json!({"FunctionName": "one", "Payload": payload}).to_string(),
        ])
        .output()
        .unwrap();
    let invoked = stdout_json(&out);
    assert_eq!(invoked["StatusCode"], 200);
    assert_eq!(invoked["Payload"], payload.as_str());
    let _ = std::fs::remove_dir_all(&home);
}

fn dry_run(home: &Path, extra: &[&str]) -> Output {
    with_keys(&mut lambda(home))
        .args(["--region", "eu-west-1", "--dry-run"])
        .args(extra)
        .output()
        .unwrap()
}

#[test]
fn dry_run_is_deterministic_with_a_signing_time() {
    let home = temp_dir();
    let args = [
        "--signing-time",
        "2024-01-02T03:04:05Z",
        "invoke",
        "--cli-input-json",
        r#"{"FunctionName":"my-fn","Qualifier":"live","Payload":"eyJhIjoxfQ=="}"#,
    ];
    let first = stdout_json(&dry_run(&home, &args));
    let second = stdout_json(&dry_run(&home, &args));
    assert_eq!(first, second);
    assert_eq!(first["method"], "POST");
    assert_eq!(
        first["url"],
        "https://lambda.eu-west-1.amazonaws.com/2015-03-31/functions/my-fn/invocations?Qualifier=live"
    );
    assert_eq!(first["body_base64"], "eyJhIjoxfQ==");
    let headers = &first["headers"];
    assert_eq!(headers["x-amz-date"], "20240102T030405Z");
    assert_eq!(headers["host"], "lambda.eu-west-1.amazonaws.com");
    let auth = headers["authorization"].as_str().unwrap();
    assert!(
        auth.starts_with(
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240102/eu-west-1/lambda/aws4_request, SignedHeaders="
        ),
        "{auth}"
    );
    let signature = auth.rsplit("Signature=").next().unwrap();
    assert_eq!(signature.len(), 64);
    assert!(signature.bytes().all(|b| b.is_ascii_hexdigit()));

    // Another time gives another signature.
    let mut later = args;
    later[1] = "2024-01-02T03:04:06Z";
    let third = stdout_json(&dry_run(&home, &later));
    assert_ne!(third["headers"]["authorization"], headers["authorization"]);
    let _ = std::fs::remove_dir_all(&home);
}

#[test]
fn profiles_come_from_the_shared_files() {
    let home = temp_dir();
    std::fs::create_dir_all(home.join(".aws")).unwrap();
    std::fs::write(
        home.join(".aws/config"),
        "[profile dev]\nregion = ap-southeast-2\n",
    )
    .unwrap();
    std::fs::write(
        home.join(".aws/credentials"),
        "[dev]\naws_access_key_id = AKIDPROFILE\naws_secret_access_key = profile-secret\n",
    )
    .unwrap();
    let out = lambda(&home)
        .args([
            "--profile",
            "dev",
            "--dry-run",
            "--signing-time",
            "2024-01-01T00:00:00Z",
        ])
        .args(["get-account-settings"])
        .output()
        .unwrap();
    let req = stdout_json(&out);
    assert_eq!(
        req["url"],
        "https://lambda.ap-southeast-2.amazonaws.com/2016-08-19/account-settings"
    );
    assert!(req["headers"]["authorization"]
        .as_str()
        .unwrap()
        .contains("Credential=AKIDPROFILE/20240101/ap-southeast-2/lambda/aws4_request"));

    // Without the profile there is no region: a usage error that says where it looked.
    let out = lambda(&home)
        .args(["--dry-run", "list-functions"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(252));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("no region"), "{stderr}");
    assert!(stderr.contains("default"), "{stderr}");
    let _ = std::fs::remove_dir_all(&home);
}

#[test]
fn usage_errors() {
    let home = temp_dir();
    let out = with_keys(&mut lambda(&home))
        .args(["--region", "us-east-1", "no-such-operation"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(252));
    let out = with_keys(&mut lambda(&home))
        .args([
            "--region",
            "us-east-1",
            "--dry-run",
            "get-function",
            "--cli-input-json",
            "{}",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(252));
    assert!(String::from_utf8_lossy(&out.stderr).contains("FunctionName"));
    let out = with_keys(&mut lambda(&home))
        .args(["get-function", "--cli-input-json", "[1]"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(252));
    let out = lambda(&home).arg("--list").output().unwrap();
    let list = String::from_utf8(out.stdout).unwrap();
    assert!(list.lines().any(|l| l == "invoke-with-response-stream"));
    assert_eq!(
        list.lines().count(),
        lambda_proto::dynamic::operations().len()
    );
    let _ = std::fs::remove_dir_all(&home);
}

/// A loopback server paging operation `op` three items at a time over `total`: the items
/// are `{member: "<prefix><i>"}` in the output member `key`.
fn paging_server(
    total: usize,
    op: &'static str,
    key: &'static str,
    member: &'static str,
    prefix: &'static str,
) -> test_support::LoopbackServer {
    test_support::LoopbackServer::with_handler(move |r: &test_support::RecordedRequest| {
        let start: usize = r.query_param("Marker").map_or(0, |m| m.parse().unwrap());
        let end = (start + 3).min(total);
        let items: Vec<_> = (start..end)
            .map(|i| json!({ member: format!("{prefix}{i}") }))
            .collect();
        let mut out = json!({ key: items });
        if end < total {
            out["NextMarker"] = json!(end.to_string());
        }
        let http = lambda_proto::model::encode_response(op, &out).unwrap();
        test_support::Response::new(http.status().as_u16()).body(http.body().clone())
    })
}

#[test]
fn list_operations_follow_all_pages_unless_told_not_to() {
    let server = paging_server(10, "ListFunctions", "Functions", "FunctionName", "f");
    let home = temp_dir();
    let out = with_keys(&mut lambda(&home))
        .args([
            "--region",
            "us-east-1",
            "--endpoint-url",
            &server.url(),
            "list-functions",
        ])
        .output()
        .unwrap();
    let all = stdout_json(&out);
    let names: Vec<&str> = all["Functions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["FunctionName"].as_str().unwrap())
        .collect();
    let want: Vec<String> = (0..10).map(|i| format!("f{i}")).collect();
    assert_eq!(names, want);
    assert!(all.get("NextMarker").is_none());
    assert_eq!(server.request_count(), 4);

    let out = with_keys(&mut lambda(&home))
        .args(["--region", "us-east-1", "--endpoint-url", &server.url()])
        .args([
            "--no-paginate",
            "list-functions",
            "--cli-input-json",
            r#"{"Marker":"3"}"#,
        ])
        .output()
        .unwrap();
    let page = stdout_json(&out);
    assert_eq!(page["Functions"].as_array().unwrap().len(), 3);
    assert_eq!(page["Functions"][0]["FunctionName"], "f3");
    assert_eq!(page["NextMarker"], "6");
    assert_eq!(server.request_count(), 5);
    let _ = std::fs::remove_dir_all(&home);
}

/// The CLI's `invoke-with-response-stream` against a server answering with the event-stream
/// `body` and `headers`.
fn invoke_with_response_stream(body: Vec<u8>, headers: &[(&str, &str)]) -> Output {
    let mut response = test_support::Response::new(200)
        .header("Content-Type", "application/vnd.amazon.eventstream")
        .body(body);
    for (name, value) in headers {
        response = response.header(*name, *value);
    }
    let server = test_support::LoopbackServer::start(vec![test_support::Step::Respond(response)]);
    let home = temp_dir();
    let out = with_keys(&mut lambda(&home))
        .args(["--region", "us-east-1", "--endpoint-url", &server.url()])
        .args([
            "invoke-with-response-stream",
            "--cli-input-json",
            r#"{"FunctionName":"f"}"#,
        ])
        .output()
        .unwrap();
    let _ = std::fs::remove_dir_all(&home);
    out
}

#[test]
fn streamed_invocation_prints_one_line_per_event() {
    let event = cli_common::stream_event;
    let mut body = event("PayloadChunk", b"hello ");
    body.extend(event("PayloadChunk", b"world"));
    body.extend(event("InvokeComplete", br#"{"ErrorCode":"Unhandled"}"#));
    let out = invoke_with_response_stream(body, &[("X-Amz-Executed-Version", "7")]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
    assert_eq!(
        lines,
        vec![
            // The head: the members the answer had, no invented nulls.
            json!({
                "StatusCode": 200,
                "ExecutedVersion": "7",
                "ResponseStreamContentType": "application/vnd.amazon.eventstream",
            }),
            json!({"PayloadChunk": {"Payload": b64(b"hello ")}}),
            json!({"PayloadChunk": {"Payload": b64(b"world")}}),
            json!({"InvokeComplete": {"ErrorCode": "Unhandled"}}),
        ]
    );
}

#[test]
fn list_aliases_follows_its_pages_through_the_core_paginator() {
    let server = paging_server(7, "ListAliases", "Aliases", "Name", "a");
    let home = temp_dir();
    let out = with_keys(&mut lambda(&home))
        .args(["--region", "us-east-1", "--endpoint-url", &server.url()])
        .args([
            "list-aliases",
            "--cli-input-json",
            r#"{"FunctionName":"f"}"#,
        ])
        .output()
        .unwrap();
    let all = stdout_json(&out);
    let names: Vec<&str> = all["Aliases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["Name"].as_str().unwrap())
        .collect();
    let want: Vec<String> = (0..7).map(|i| format!("a{i}")).collect();
    assert_eq!(names, want);
    assert!(all.get("NextMarker").is_none());
    // Each page after the first asked for the marker the previous page gave.
    let markers: Vec<Option<String>> = server
        .requests()
        .iter()
        .map(|r| r.query_param("Marker").map(str::to_string))
        .collect();
    assert_eq!(markers, [None, Some("3".into()), Some("6".into())]);
    assert!(server
        .requests()
        .iter()
        .all(|r| r.path() == "/2015-03-31/functions/f/aliases"));
    let _ = std::fs::remove_dir_all(&home);
}

#[test]
fn service_errors_carry_code_message_and_request_id() {
    let server = test_support::LoopbackServer::start(vec![test_support::Step::Respond(
        test_support::Response::json(404, r#"{"Type":"User","Message":"Function not found: f"}"#)
            .header("x-amzn-ErrorType", "ResourceNotFoundException")
            .header("x-amzn-RequestId", "req-42"),
    )]);
    let home = temp_dir();
    let out = with_keys(&mut lambda(&home))
        .args(["--region", "us-east-1", "--endpoint-url", &server.url()])
        .args([
            "get-function",
            "--cli-input-json",
            r#"{"FunctionName":"f"}"#,
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(254));
    assert!(out.stdout.is_empty());
    let err: Value = serde_json::from_slice(&out.stderr).unwrap();
    assert_eq!(
        err,
        json!({
            "code": "ResourceNotFoundException",
            "message": "Function not found: f",
            "request_id": "req-42",
            "status": 404,
        })
    );
    let _ = std::fs::remove_dir_all(&home);
}

#[test]
fn timestamps_print_as_rfc3339_and_the_signing_time_applies_to_sends() {
    use time::format_description::well_known::Rfc3339;
    const UUID: &str = "6d2f2b1e-0b1c-4c54-9f3b-1a2b3c4d5e6f";
    let input = json!({ "UUID": UUID }).to_string();
    // GetEventSourceMapping's LastModified is a timestamp shape: epoch seconds on the wire.
    let last_modified = 1_704_164_645.5;
    let server =
        test_support::LoopbackServer::with_handler(move |_: &test_support::RecordedRequest| {
            test_support::Response::json(
                200,
                json!({"UUID": UUID, "LastModified": last_modified, "State": "Enabled"})
                    .to_string(),
            )
        });
    let home = temp_dir();
    let args = [
        "--region",
        "us-east-1",
        "--endpoint-url",
        &server.url(),
        "--signing-time",
        "2024-01-02T03:04:05Z",
        "get-event-source-mapping",
        "--cli-input-json",
        &input,
    ];
    let out = with_keys(&mut lambda(&home)).args(args).output().unwrap();
    let got = stdout_json(&out);
    assert_eq!(got["UUID"], UUID);
    let printed = got["LastModified"].as_str().expect("a string");
    let parsed = time::OffsetDateTime::parse(printed, &Rfc3339)
        .unwrap_or_else(|e| panic!("{printed:?} is not RFC 3339: {e}"));
    assert_eq!(parsed.unix_timestamp_nanos(), 1_704_164_645_500_000_000);

    // The request was signed as of --signing-time, exactly as the dry run signs it.
    let sent = server.requests();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].header("x-amz-date"), Some("20240102T030405Z"));
    let auth = sent[0].header("authorization").unwrap();
    assert!(
        auth.contains("Credential=AKIDEXAMPLE/20240102/us-east-1/lambda/aws4_request"),
        "{auth}"
    );
    let mut dry = args.to_vec();
    dry.insert(0, "--dry-run");
    let dry = stdout_json(&with_keys(&mut lambda(&home)).args(&dry).output().unwrap());
    assert_eq!(dry["headers"]["authorization"], auth);

    // A malformed time is a usage error, sent or not.
    let mut bad = args.to_vec();
    bad[5] = "yesterday";
    let out = with_keys(&mut lambda(&home)).args(&bad).output().unwrap();
    assert_eq!(out.status.code(), Some(252));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--signing-time"));
    assert_eq!(server.request_count(), 1);
    let _ = std::fs::remove_dir_all(&home);
}

#[test]
fn an_exception_event_is_a_service_error() {
    use lambda_proto::event_stream::Message;
    let mut body = cli_common::stream_event("PayloadChunk", b"partial");
    body.extend(
        Message::new(br#"{"message":"the function ran out of memory"}"#.to_vec())
            .with_header(":message-type", "exception")
            .with_header(":exception-type", "ServiceException")
            .encode()
            .unwrap(),
    );
    let out = invoke_with_response_stream(body, &[("x-amzn-RequestId", "req-stream-7")]);
    assert_eq!(out.status.code(), Some(254));
    // The head and the chunk before the exception were printed.
    let stdout = String::from_utf8(out.stdout).unwrap();
    let b64 = base64::engine::general_purpose::STANDARD.encode(b"partial");
    let lines: Vec<Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2, "{stdout}");
    assert_eq!(lines[0]["StatusCode"], 200);
    assert_eq!(lines[1], json!({"PayloadChunk": {"Payload": b64}}));
    let err: Value = serde_json::from_slice(&out.stderr).unwrap();
    assert_eq!(
        err,
        json!({
            "code": "ServiceException",
            "message": "the function ran out of memory",
            "request_id": "req-stream-7",
            "status": null,
        })
    );
}

/// The program's dry run of `op` with `input`: its exit status, stdout JSON and stderr.
fn dry_run_input(op: &str, input: &str) -> (Option<i32>, Value, String) {
    let home = temp_dir();
    let out = with_keys(&mut lambda(&home))
        .args([
            "--region",
            "us-east-1",
            "--dry-run",
            op,
            "--cli-input-json",
            input,
        ])
        .output()
        .unwrap();
    let _ = std::fs::remove_dir_all(&home);
    let stdout = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (
        out.status.code(),
        stdout,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn sent_body(dry_run: &Value) -> Value {
    let body = base64::engine::general_purpose::STANDARD
        .decode(dry_run["body_base64"].as_str().unwrap())
        .unwrap();
    serde_json::from_slice(&body).unwrap()
}

#[test]
fn unknown_members_are_usage_errors_that_name_them() {
    let (status, _, stderr) =
        dry_run_input("get-function", r#"{"FunctionName":"f","Qualifer":"1"}"#);
    assert_eq!(status, Some(252), "{stderr}");
    assert!(
        stderr.contains(r#""Qualifer", must be one of: FunctionName, Qualifier"#),
        "{stderr}"
    );
    let (status, _, stderr) = dry_run_input(
        "update-function-configuration",
        r#"{"FunctionName":"f","Memorysize":512}"#,
    );
    assert_eq!(status, Some(252), "{stderr}");
    assert!(stderr.contains("Memorysize"), "{stderr}");
    let (status, _, stderr) = dry_run_input(
        "create-function",
        r#"{"FunctionName":"f","Role":"r","Code":{},"AcceleratorConfig":{}}"#,
    );
    assert_eq!(status, Some(252), "{stderr}");
    assert!(
        stderr.contains("AcceleratorConfig.AcceleratorMemorySize"),
        "{stderr}"
    );
}

#[test]
fn dry_runs_send_what_was_given_and_fill_idempotency_tokens() {
    let (status, out, stderr) = dry_run_input(
        "update-function-configuration",
        r#"{"FunctionName":"f","Runtime":"python9.99"}"#,
    );
    assert_eq!(status, Some(0), "{stderr}");
    assert_eq!(sent_body(&out), json!({"Runtime": "python9.99"}));

    let input = r#"{"DurableExecutionArn":"arn:aws:lambda:us-east-1:1:function:f:1/durable-execution/e/1","CheckpointToken":"t"}"#;
    let token = |out: &Value| sent_body(out)["ClientToken"].as_str().unwrap().to_string();
    let (status, first, stderr) = dry_run_input("checkpoint-durable-execution", input);
    assert_eq!(status, Some(0), "{stderr}");
    let (_, second, _) = dry_run_input("checkpoint-durable-execution", input);
    let (a, b) = (token(&first), token(&second));
    assert_eq!(a.len(), 36, "{a}");
    assert_eq!(&a[14..15], "4", "a version 4 UUID: {a}");
    assert_ne!(a, b, "each call its own token");

    // A GET carries no body and says no length.
    let (status, out, stderr) = dry_run_input("get-function", r#"{"FunctionName":"f"}"#);
    assert_eq!(status, Some(0), "{stderr}");
    assert!(out["headers"].get("content-length").is_none(), "{out}");
    assert_eq!(out["body_base64"], "");
}

#[test]
fn bad_arguments_and_regions_are_usage_errors() {
    use std::os::unix::ffi::OsStrExt;
    let home = temp_dir();
    let out = with_keys(&mut lambda(&home))
        .args(["--region", "us-east-1", "get-function", "--cli-input-json"])
        .arg(std::ffi::OsStr::from_bytes(b"{\"FunctionName\":\"\xff\"}"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(252), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("UTF-8"));

    // No region anywhere.
    let out = with_keys(&mut lambda(&home))
        .args([
            "--dry-run",
            "get-function",
            "--cli-input-json",
            r#"{"FunctionName":"f"}"#,
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(252), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("region"));
    // A region that is not one.
    let out = with_keys(&mut lambda(&home))
        .args(["--region", "us east 1", "--dry-run", "get-function"])
        .args(["--cli-input-json", r#"{"FunctionName":"f"}"#])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(252), "{out:?}");
    let _ = std::fs::remove_dir_all(&home);
}
