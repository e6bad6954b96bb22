//! `lambda invoke-many` against the throttling simulator, a scripted server and moto.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use serde_json::{json, Value};
use test_support::{LoopbackServer, MotoServer, Response, ThrottlingServer};

mod cli_common;

fn lambda(url: &str) -> Command {
    let mut cmd = cli_common::bare(&std::env::temp_dir().join("lambda-invoke-many-no-home"));
    cli_common::with_keys(&mut cmd).args(["--region", "us-east-1", "--endpoint-url", url]);
    cmd
}

/// A payload file of `n` lines `{"n":i}` (and a blank line, which is skipped).
fn payload_file(tag: &str, n: usize) -> PathBuf {
    let path = std::env::temp_dir().join(format!("invoke-many-{}-{tag}.jsonl", std::process::id()));
    let mut text: String = (0..n).map(|i| format!("{{\"n\":{i}}}\n")).collect();
    text.push('\n');
    std::fs::write(&path, text).unwrap();
    path
}

fn lines(out: &Output) -> Vec<Value> {
    String::from_utf8(out.stdout.clone())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

fn check_echoed_in_order(out: &Output, n: usize) {
    assert!(out.status.success(), "{out:?}");
    let lines = lines(out);
    assert_eq!(lines.len(), n);
    for (i, line) in lines.iter().enumerate() {
        assert_eq!(
            line,
            &json!({ "index": i, "StatusCode": 200, "payload": { "n": i } })
        );
    }
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("invoke-many: {n} succeeded, 0 failed")),
        "{stderr}"
    );
}

#[test]
fn ordered_results_against_a_throttling_server() {
    let server = ThrottlingServer::start(10, Duration::from_millis(10));
    let file = payload_file("throttle", 300);
    let out = lambda(&server.url())
        .args([
            "invoke-many",
            "--function-name",
            "f",
            "--concurrency",
            "40",
            "--ordered",
        ])
        .arg("--payloads")
        .arg(&file)
        .output()
        .unwrap();
    check_echoed_in_order(&out, 300);
    assert_eq!(server.invocations(), 300);
    assert!(server.max_concurrent() <= 10);
    let _ = std::fs::remove_file(file);
}

#[test]
fn standard_input_and_per_line_errors() {
    let server = LoopbackServer::with_handler(|r| {
        if r.body_text().contains("bad") {
            Response::json(404, r#"{"Type":"User","Message":"Function not found"}"#)
                .header("x-amzn-ErrorType", "ResourceNotFoundException")
                .header("x-amzn-RequestId", "req-9")
        } else if r.body_text().contains("boom") {
            Response::json(200, r#"{"errorMessage":"boom"}"#)
                .header("X-Amz-Function-Error", "Unhandled")
        } else {
            Response::json(200, r.body_text())
        }
    });
    let mut child = lambda(&server.url())
        .args([
            "invoke-many",
            "--function-name=f",
            "--payloads",
            "-",
            "--ordered",
            "--no-progress",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"{\"a\":1}\r\n\"bad\"\n\"boom\"\n[2]\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(254), "{out:?}");
    assert_eq!(
        lines(&out),
        vec![
            json!({ "index": 0, "StatusCode": 200, "payload": { "a": 1 } }),
            json!({ "index": 1, "error": {
                "code": "ResourceNotFoundException", "message": "Function not found",
                "request_id": "req-9", "status": 404 } }),
            json!({ "index": 2, "StatusCode": 200, "payload": { "errorMessage": "boom" },
                "FunctionError": "Unhandled" }),
            json!({ "index": 3, "StatusCode": 200, "payload": [2] }),
        ]
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("2 succeeded, 2 failed"), "{stderr}");
}

#[test]
fn usage_errors() {
    let out = lambda("http://127.0.0.1:9")
        .args(["invoke-many", "--payloads", "-"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(252));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--function-name is required"));
    let out = lambda("http://127.0.0.1:9")
        .args([
            "invoke-many",
            "--function-name",
            "f",
            "--payloads",
            "-",
            "--concurrency",
            "0",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(252));
    let out = lambda("http://127.0.0.1:9")
        .args([
            "invoke-many",
            "--function-name",
            "f",
            "--payloads",
            "/nonexistent/payloads.jsonl",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(252));
}

#[test]
fn a_thousand_invocations_through_moto_in_order() {
    let moto = MotoServer::start();
    let role = moto.create_role("cli-fanout");
    let zip = test_support::zip::stored_zip(
        "index.py",
        b"def handler(event, context):\n    return event\n",
    );
    let client = lambda_blocking::Client::builder()
        .region(MotoServer::REGION)
        .endpoint_url(moto.endpoint_url())
        .credentials(lambda_proto::credentials::Credentials::new(
            "AKIDEXAMPLE",
            "secret",
            None,
            None,
        ))
        .build()
        .unwrap();
    client
        .send(
            lambda_proto::operations::CreateFunction::new(
                "echo",
                &role,
                lambda_proto::types::FunctionCode::default().zip_file(zip),
            )
            .runtime("python3.12")
            .handler("index.handler"),
        )
        .unwrap();
    let file = payload_file("moto", 1000);
    let out = lambda(&moto.endpoint_url())
        .args([
            "invoke-many",
            "--function-name",
            "echo",
            "--concurrency",
            "8",
            "--ordered",
        ])
        .arg("--payloads")
        .arg(&file)
        .output()
        .unwrap();
    check_echoed_in_order(&out, 1000);
    let _ = std::fs::remove_file(file);
}
