//! The `lambda` program as AWS CLI users type it: the documented `aws lambda` examples
//! through `--dry-run` against the request botocore builds for the same input, and end to
//! end against moto; help, skeletons and completions for every operation; global options.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use base64::Engine as _;
use serde_json::{json, Value};
use test_support::MotoServer;

mod cli_common;

/// An empty zip archive.
const ZIP: &[u8] = b"PK\x05\x06\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0";

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// A fresh, empty directory.
fn temp_dir() -> PathBuf {
    cli_common::temp_dir("cli-aws")
}

/// The program with a clean environment, keys and a region, run in `dir`.
fn lambda(dir: &Path) -> Command {
    let mut cmd = cli_common::bare(dir);
    cli_common::with_keys(&mut cmd)
        .current_dir(dir)
        .env("AWS_REGION", "us-east-1");
    cmd
}

fn run(dir: &Path, args: &[&str]) -> Output {
    lambda(dir).args(args).output().unwrap()
}

fn ok_json(out: &Output) -> Value {
    assert!(
        out.status.success(),
        "status {:?}, stderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)))
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// The Python with botocore (as test-support finds it).
fn python() -> PathBuf {
    match std::env::var_os("LAMBDA_TEST_PYTHON").filter(|p| !p.is_empty()) {
        Some(p) => PathBuf::from(p),
        None => workspace_root().join(".venv-moto/bin/python"),
    }
}

/// botocore's requests for `(operation, input)` queries (blobs base64), from the project's
/// oracle (`scripts/botocore_oracle.py`), in order.
fn botocore(queries: &[(&str, Value)]) -> Vec<Value> {
    let script = workspace_root().join("scripts").join("botocore_oracle.py");
    let mut input = String::new();
    for (id, (op, query)) in queries.iter().enumerate() {
        let line = json!({"id": id, "kind": "request", "operation": op, "input": query});
        input.push_str(&format!("{line}\n"));
    }
    let mut child = Command::new(python())
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("python with botocore (bash scripts/install-test-deps.sh)");
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    let mut lines = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .collect::<Vec<_>>();
    let ready = lines.remove(0);
    assert_eq!(ready["ready"], true, "{ready}");
    assert_eq!(ready["botocore"], "1.44.5");
    for (id, answer) in lines.iter().enumerate() {
        assert_eq!(answer["id"], id);
        assert_eq!(
            answer["valid"], true,
            "botocore refused {:?}: {answer}",
            queries[id]
        );
    }
    lines
}

/// What must agree between our dry run and botocore's request: method, path and query,
/// the `x-amz-*` headers the input sets, and the body (as JSON when it is JSON: botocore
/// adds spaces).
fn comparable(
    method: &Value,
    path_query: &str,
    headers: &Value,
    content_type: Option<&str>,
    body: &[u8],
) -> Value {
    let headers: serde_json::Map<String, Value> = headers
        .as_object()
        .unwrap()
        .iter()
        .filter(|(k, _)| {
            k.starts_with("x-amz-")
                && !["x-amz-date", "x-amz-security-token", "x-amz-content-sha256"]
                    .contains(&k.as_str())
        })
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let body = match serde_json::from_slice::<Value>(body) {
        Ok(v) if content_type == Some("application/json") => json!({"json": v}),
        _ => json!({"raw": b64(body)}),
    };
    json!({"method": method, "url": path_query, "headers": headers, "body": body})
}

/// Our `--dry-run` output, comparable.
fn ours(dry_run: &Value) -> Value {
    let url = dry_run["url"].as_str().unwrap();
    let path_query = url
        .strip_prefix("https://lambda.us-east-1.amazonaws.com")
        .unwrap();
    let body = base64::engine::general_purpose::STANDARD
        .decode(dry_run["body_base64"].as_str().unwrap())
        .unwrap();
    comparable(
        &dry_run["method"],
        path_query,
        &dry_run["headers"],
        dry_run["headers"]["content-type"].as_str(),
        &body,
    )
}

/// botocore's answer, comparable.
fn theirs(answer: &Value) -> Value {
    let query: Vec<String> = answer["query"]
        .as_array()
        .unwrap()
        .iter()
        .map(|kv| format!("{}={}", kv[0].as_str().unwrap(), kv[1].as_str().unwrap()))
        .collect();
    let mut path_query = answer["path"].as_str().unwrap().to_string();
    if !query.is_empty() {
        path_query = format!("{path_query}?{}", query.join("&"));
    }
    let body = base64::engine::general_purpose::STANDARD
        .decode(answer["body_b64"].as_str().unwrap())
        .unwrap();
    comparable(
        &answer["method"],
        &path_query,
        &answer["headers"],
        answer["content_type"].as_str(),
        &body,
    )
}

/// The `aws lambda` examples of the AWS CLI's reference pages, each with the input
/// botocore gets from the same command line.
fn examples() -> Vec<(Vec<&'static str>, &'static str, Value)> {
    let zip = b64(ZIP);
    vec![
        (
            vec![
                "create-function",
                "--function-name",
                "my-function",
                "--runtime",
                "nodejs18.x",
                "--zip-file",
                "fileb://my-function.zip",
                "--handler",
                "my-function.handler",
                "--role",
                "arn:aws:iam::123456789012:role/service-role/MyTestFunction-role-tges6bf4",
            ],
            "CreateFunction",
            json!({"FunctionName": "my-function", "Runtime": "nodejs18.x", "Code": {"ZipFile": zip},
                   "Handler": "my-function.handler",
                   "Role": "arn:aws:iam::123456789012:role/service-role/MyTestFunction-role-tges6bf4"}),
        ),
        (
            vec![
                "invoke",
                "--function-name",
                "my-function",
                "--cli-binary-format",
                "raw-in-base64-out",
                "--payload",
                r#"{ "name": "Bob" }"#,
                "response.json",
            ],
            "Invoke",
            json!({"FunctionName": "my-function", "Payload": b64(br#"{ "name": "Bob" }"#)}),
        ),
        (
            vec![
                "invoke",
                "--function-name",
                "my-function",
                "--invocation-type",
                "Event",
                "--payload",
                "eyJrIjoidiJ9",
                "response.json",
            ],
            "Invoke",
            json!({"FunctionName": "my-function", "InvocationType": "Event", "Payload": b64(br#"{"k":"v"}"#)}),
        ),
        (
            vec![
                "invoke",
                "--function-name",
                "my-function",
                "--log-type",
                "Tail",
                "out",
            ],
            "Invoke",
            json!({"FunctionName": "my-function", "LogType": "Tail"}),
        ),
        (
            vec![
                "update-function-code",
                "--function-name",
                "my-function",
                "--zip-file",
                "fileb://my-function.zip",
                "--publish",
            ],
            "UpdateFunctionCode",
            json!({"FunctionName": "my-function", "ZipFile": zip, "Publish": true}),
        ),
        (
            vec![
                "add-permission",
                "--function-name",
                "my-function",
                "--action",
                "lambda:InvokeFunction",
                "--statement-id",
                "sns",
                "--principal",
                "sns.amazonaws.com",
                "--source-arn",
                "arn:aws:sns:us-east-2:123456789012:my-topic",
            ],
            "AddPermission",
            json!({"FunctionName": "my-function", "Action": "lambda:InvokeFunction",
                   "StatementId": "sns", "Principal": "sns.amazonaws.com",
                   "SourceArn": "arn:aws:sns:us-east-2:123456789012:my-topic"}),
        ),
        (
            vec!["publish-version", "--function-name", "my-function"],
            "PublishVersion",
            json!({"FunctionName": "my-function"}),
        ),
        (
            vec![
                "create-alias",
                "--function-name",
                "my-function",
                "--description",
                "alias for live version of function",
                "--function-version",
                "1",
                "--name",
                "LIVE",
            ],
            "CreateAlias",
            json!({"FunctionName": "my-function", "Description": "alias for live version of function",
                   "FunctionVersion": "1", "Name": "LIVE"}),
        ),
        (
            vec!["list-functions", "--query", "Functions[].FunctionName"],
            "ListFunctions",
            json!({}),
        ),
        (
            vec!["list-functions", "--page-size", "10", "--max-items", "20"],
            "ListFunctions",
            json!({"MaxItems": 10}),
        ),
        (
            vec![
                "wait",
                "function-active-v2",
                "--function-name",
                "my-function",
            ],
            "GetFunction",
            json!({"FunctionName": "my-function"}),
        ),
        (
            vec![
                "tag-resource",
                "--resource",
                "arn:aws:lambda:us-west-2:123456789012:function:my-function",
                "--tags",
                "DEPARTMENT=Department A,team=x",
            ],
            "TagResource",
            json!({"Resource": "arn:aws:lambda:us-west-2:123456789012:function:my-function",
                   "Tags": {"DEPARTMENT": "Department A", "team": "x"}}),
        ),
        (
            vec![
                "untag-resource",
                "--resource",
                "arn:aws:lambda:us-west-2:123456789012:function:my-function",
                "--tag-keys",
                "DEPARTMENT",
                "team",
            ],
            "UntagResource",
            json!({"Resource": "arn:aws:lambda:us-west-2:123456789012:function:my-function",
                   "TagKeys": ["DEPARTMENT", "team"]}),
        ),
        (
            vec![
                "update-function-configuration",
                "--function-name",
                "my-function",
                "--memory-size",
                "512",
                "--environment",
                "Variables={A=1,B=2}",
                "--vpc-config",
                "SubnetIds=a,b,SecurityGroupIds=c",
                "--architectures-unused",
            ],
            "",
            json!(null),
        ),
        (
            vec![
                "update-function-configuration",
                "--function-name",
                "my-function",
                "--memory-size",
                "512",
                "--environment",
                "Variables={A=1,B=2}",
                "--vpc-config",
                "SubnetIds=a,b,SecurityGroupIds=c",
                "--timeout",
                "30",
            ],
            "UpdateFunctionConfiguration",
            json!({"FunctionName": "my-function", "MemorySize": 512, "Timeout": 30,
                   "Environment": {"Variables": {"A": "1", "B": "2"}},
                   "VpcConfig": {"SubnetIds": ["a", "b"], "SecurityGroupIds": ["c"]}}),
        ),
        (
            vec![
                "update-function-code",
                "--function-name",
                "my-function",
                "--image-uri",
                "123456789012.dkr.ecr.us-east-1.amazonaws.com/x:latest",
                "--architectures",
                "arm64",
                "--no-publish",
            ],
            "UpdateFunctionCode",
            json!({"FunctionName": "my-function", "Architectures": ["arm64"], "Publish": false,
                   "ImageUri": "123456789012.dkr.ecr.us-east-1.amazonaws.com/x:latest"}),
        ),
        (
            vec![
                "put-function-concurrency",
                "--function-name",
                "my-function",
                "--reserved-concurrent-executions",
                "100",
            ],
            "PutFunctionConcurrency",
            json!({"FunctionName": "my-function", "ReservedConcurrentExecutions": 100}),
        ),
        (
            vec![
                "update-alias",
                "--function-name",
                "my-function",
                "--name",
                "LIVE",
                "--routing-config",
                r#"{"AdditionalVersionWeights": {"2": 0.05}}"#,
            ],
            "UpdateAlias",
            json!({"FunctionName": "my-function", "Name": "LIVE",
                   "RoutingConfig": {"AdditionalVersionWeights": {"2": 0.05}}}),
        ),
        (
            vec![
                "create-event-source-mapping",
                "--function-name",
                "my-function",
                "--batch-size",
                "5",
                "--event-source-arn",
                "arn:aws:sqs:us-west-2:123456789012:mySQSqueue",
            ],
            "CreateEventSourceMapping",
            json!({"FunctionName": "my-function", "BatchSize": 5,
                   "EventSourceArn": "arn:aws:sqs:us-west-2:123456789012:mySQSqueue"}),
        ),
    ]
}

#[test]
fn documented_examples_send_what_botocore_sends() {
    let dir = temp_dir();
    std::fs::write(dir.join("my-function.zip"), ZIP).unwrap();
    let cases: Vec<_> = examples().into_iter().filter(|c| !c.1.is_empty()).collect();
    let queries: Vec<(&str, Value)> = cases.iter().map(|c| (c.1, c.2.clone())).collect();
    let oracle = botocore(&queries);
    assert_eq!(oracle.len(), cases.len());
    for ((args, op, _), want) in cases.iter().zip(&oracle) {
        let out = lambda(&dir).arg("--dry-run").args(args).output().unwrap();
        let got = ok_json(&out);
        assert_eq!(ours(&got), theirs(want), "{op}: lambda {}", args.join(" "));
    }
    // The one example with a misspelt option: a usage error naming it.
    let (args, _, _) = examples().into_iter().find(|c| c.1.is_empty()).unwrap();
    let out = lambda(&dir).arg("--dry-run").args(&args).output().unwrap();
    assert_eq!(out.status.code(), Some(252));
    assert!(
        stderr(&out).contains("--architectures-unused"),
        "{}",
        stderr(&out)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn documented_examples_against_moto() {
    let moto = MotoServer::start();
    let role = moto.create_role("cli-aws-role");
    let url = moto.endpoint_url();
    let dir = temp_dir();
    std::fs::write(dir.join("fn.zip"), ZIP).unwrap();
    let cli = |args: &[&str]| {
        lambda(&dir)
            .args(["--endpoint-url", &url])
            .args(args)
            .output()
            .unwrap()
    };
    for name in ["my-function", "other"] {
        let created = ok_json(&cli(&[
            "create-function",
            "--function-name",
            name,
            "--runtime",
            "python3.12",
            "--role",
            &role,
            "--handler",
            "index.handler",
            "--zip-file",
            "fileb://fn.zip",
            "--tags",
            "team=a",
            "--memory-size",
            "256",
        ]));
        assert_eq!(created["FunctionName"], name);
        assert_eq!(created["MemorySize"], 256);
    }
    // wait: exit 0 once the state is reached, nothing printed.
    let out = cli(&[
        "wait",
        "function-active-v2",
        "--function-name",
        "my-function",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(out.stdout.is_empty());
    // invoke: the payload to the outfile, the rest printed.
    let out = cli(&[
        "invoke",
        "--function-name",
        "my-function",
        "--cli-binary-format",
        "raw-in-base64-out",
        "--payload",
        r#"{"a":1}"#,
        "out.json",
    ]);
    let printed = ok_json(&out);
    assert_eq!(printed["StatusCode"], 200);
    assert!(printed.get("Payload").is_none(), "{printed}");
    assert_eq!(std::fs::read(dir.join("out.json")).unwrap(), br#"{"a":1}"#);
    // `-` writes the payload to standard output, before the printed members.
    let out = cli(&[
        "invoke",
        "--function-name",
        "my-function",
        "--log-type",
        "Tail",
        "--payload",
        &b64(br#"{"b":2}"#),
        "-",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        out.stdout.starts_with(br#"{"b":2}"#),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    // update-function-code, add-permission, publish-version, create-alias.
    let updated = ok_json(&cli(&[
        "update-function-code",
        "--function-name",
        "my-function",
        "--zip-file",
        "fileb://fn.zip",
    ]));
    assert_eq!(updated["FunctionName"], "my-function");
    let permission = ok_json(&cli(&[
        "add-permission",
        "--function-name",
        "my-function",
        "--action",
        "lambda:InvokeFunction",
        "--statement-id",
        "sns",
        "--principal",
        "sns.amazonaws.com",
        "--source-arn",
        "arn:aws:sns:us-east-1:123456789012:my-topic",
    ]));
    assert!(
        permission["Statement"].as_str().unwrap().contains("sns"),
        "{permission}"
    );
    let version = ok_json(&cli(&["publish-version", "--function-name", "my-function"]));
    let version = version["Version"].as_str().unwrap().to_string();
    let alias = ok_json(&cli(&[
        "create-alias",
        "--function-name",
        "my-function",
        "--description",
        "alias for live version of function",
        "--function-version",
        &version,
        "--name",
        "LIVE",
    ]));
    assert_eq!(alias["Name"], "LIVE");
    assert_eq!(alias["FunctionVersion"], version.as_str());
    // list-functions --query, --output text.
    let names = ok_json(&cli(&[
        "list-functions",
        "--query",
        "sort(Functions[].FunctionName)",
    ]));
    assert_eq!(names, json!(["my-function", "other"]));
    let out = cli(&[
        "list-functions",
        "--query",
        "sort(Functions[].FunctionName)",
        "--output",
        "text",
    ]);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "my-function\tother\n");
    // --max-items then --starting-token: the other function, then nothing left.
    let first = ok_json(&cli(&["list-functions", "--max-items", "1"]));
    assert_eq!(first["Functions"].as_array().unwrap().len(), 1);
    let token = first["NextToken"]
        .as_str()
        .expect("a NextToken")
        .to_string();
    let rest = ok_json(&cli(&["list-functions", "--starting-token", &token]));
    assert_eq!(rest["Functions"].as_array().unwrap().len(), 1);
    assert_ne!(
        rest["Functions"][0]["FunctionName"],
        first["Functions"][0]["FunctionName"]
    );
    assert!(rest.get("NextToken").is_none());
    // tag-resource with the shorthand, then list-tags.
    let arn = alias["AliasArn"]
        .as_str()
        .unwrap()
        .rsplit_once(':')
        .unwrap()
        .0
        .to_string();
    let out = cli(&[
        "tag-resource",
        "--resource",
        &arn,
        "--tags",
        "DEPARTMENT=Department A,cost=1",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let tags = ok_json(&cli(&["list-tags", "--resource", &arn]));
    assert_eq!(tags["Tags"]["DEPARTMENT"], "Department A");
    assert_eq!(tags["Tags"]["cost"], "1");
    assert_eq!(tags["Tags"]["team"], "a");
    // A table.
    let out = cli(&[
        "get-function-configuration",
        "--function-name",
        "other",
        "--output",
        "table",
    ]);
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(
        table.contains("| FunctionName ") && table.contains("| other"),
        "{table}"
    );
    assert!(table.contains("GetFunctionConfiguration"), "{table}");
    // A waiter on a function that is not there: 255 with the reason.
    let out = cli(&["wait", "function-active-v2", "--function-name", "missing"]);
    assert_eq!(out.status.code(), Some(255));
    assert!(
        stderr(&out).contains("ResourceNotFoundException"),
        "{}",
        stderr(&out)
    );
    // A service error: 254, JSON.
    let out = cli(&["get-function", "--function-name", "missing"]);
    assert_eq!(out.status.code(), Some(254));
    let err: Value = serde_json::from_slice(&out.stderr).unwrap();
    assert_eq!(err["code"], "ResourceNotFoundException");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn help_skeletons_and_completions_cover_every_operation() {
    let dir = temp_dir();
    let ops = lambda_proto::dynamic::operations();
    assert_eq!(ops.len(), 91);
    let global = run(&dir, &["help"]);
    assert!(global.status.success());
    let global = String::from_utf8(global.stdout).unwrap();
    let completions: Vec<String> = ["bash", "zsh", "fish"]
        .iter()
        .map(|shell| {
            let out = run(&dir, &["completion", shell]);
            assert!(out.status.success(), "{shell}: {}", stderr(&out));
            String::from_utf8(out.stdout).unwrap()
        })
        .collect();
    for op in ops {
        assert!(global.contains(op.cli_name), "{}", op.cli_name);
        let shapes = lambda_proto::model::operation(op.name).unwrap();
        let input = lambda_proto::model::shape(shapes.input).unwrap();
        for (i, help) in [
            run(&dir, &[op.cli_name, "help"]),
            run(&dir, &[op.cli_name, "--help"]),
        ]
        .iter()
        .enumerate()
        {
            assert!(
                help.status.success(),
                "{} {i}: {}",
                op.cli_name,
                stderr(help)
            );
            let text = String::from_utf8_lossy(&help.stdout);
            assert!(text.contains(&format!("API_{}.html", op.name)), "{text}");
            assert!(
                text.contains(&format!("{} {}", op.method, op.request_uri)),
                "{text}"
            );
            for required in op.required {
                assert!(
                    text.contains(&format!("{required} (required")),
                    "{}: {required}\n{text}",
                    op.cli_name
                );
            }
        }
        let skeleton = ok_json(&run(&dir, &[op.cli_name, "--generate-cli-skeleton"]));
        let keys: Vec<&str> = skeleton
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        let mut members: Vec<&str> = input.members().iter().map(|m| m.name).collect();
        members.sort();
        assert_eq!(keys, members, "{}", op.cli_name);
        let output = ok_json(&run(
            &dir,
            &[op.cli_name, "--generate-cli-skeleton", "output"],
        ));
        assert!(output.is_object(), "{}", op.cli_name);
        for (shell, script) in ["bash", "zsh", "fish"].iter().zip(&completions) {
            assert!(script.contains(op.cli_name), "{shell}: {}", op.cli_name);
        }
    }
    // Enum values and limits are listed.
    let help = String::from_utf8(run(&dir, &["invoke", "help"]).stdout).unwrap();
    assert!(
        help.contains("one of: Event, RequestResponse, DryRun"),
        "{help}"
    );
    assert!(help.contains("length <= 256"), "{help}");
    let help = String::from_utf8(run(&dir, &["wait", "help"]).stdout).unwrap();
    for waiter in [
        "function-active",
        "function-active-v2",
        "function-exists",
        "function-updated",
        "function-updated-v2",
        "published-version-active",
    ] {
        assert!(help.contains(waiter), "{help}");
        let out = run(&dir, &["wait", waiter, "help"]);
        assert!(
            out.status.success()
                && String::from_utf8_lossy(&out.stdout).contains("--function-name")
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn usage_errors_name_what_is_wrong() {
    let dir = temp_dir();
    // No command: the usage, 252.
    let out = run(&dir, &[]);
    assert_eq!(out.status.code(), Some(252));
    assert!(stderr(&out).contains("usage: lambda"), "{}", stderr(&out));
    // The first thing every tutorial types works (here as a dry run).
    let out = run(
        &dir,
        &[
            "--dry-run",
            "invoke",
            "--function-name",
            "f",
            "--payload",
            "eyJhIjoxfQ==",
            "out.json",
        ],
    );
    assert_eq!(ok_json(&out)["body_base64"], "eyJhIjoxfQ==");
    for (args, names) in [
        (
            vec!["get-function", "--function-nam", "f"],
            vec!["--function-nam"],
        ),
        (
            vec!["create-alias", "--function-name", "f"],
            vec!["--name (Name)", "--function-version (FunctionVersion)"],
        ),
        (
            vec![
                "update-function-configuration",
                "--function-name",
                "f",
                "--memory-size",
                "big",
            ],
            vec!["--memory-size", "not an integer"],
        ),
        (
            vec![
                "update-function-configuration",
                "--function-name",
                "f",
                "--environment",
                "Variabls={A=1}",
            ],
            vec!["Variabls", "must be one of: Variables"],
        ),
        (
            vec!["invoke", "--function-name", "f", "--payload", "{\"a\":1}"],
            vec!["raw-in-base64-out"],
        ),
        (
            vec![
                "update-function-code",
                "--function-name",
                "f",
                "--zip-file",
                "fileb:///dev/zero",
            ],
            vec!["larger than 262144000 bytes"],
        ),
        (
            vec![
                "update-function-code",
                "--function-name",
                "f",
                "--zip-file",
                "fileb://no-such.zip",
            ],
            vec!["no-such.zip"],
        ),
        (vec!["list-functions", "--output", "yaml"], vec!["--output"]),
        (
            vec!["list-functions", "--query", "Functions[?"],
            vec!["--query"],
        ),
        (
            vec!["list-functions", "--starting-token", "nope"],
            vec!["--starting-token"],
        ),
        (
            vec!["--cli-binary-format", "hex", "list-functions"],
            vec!["--cli-binary-format"],
        ),
        (
            vec!["wait", "function-gone", "--function-name", "f"],
            vec!["function-gone"],
        ),
    ] {
        let out = lambda(&dir).arg("--dry-run").args(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(252), "{args:?}: {}", stderr(&out));
        for name in names {
            assert!(
                stderr(&out).contains(name),
                "{args:?}: {name}: {}",
                stderr(&out)
            );
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn options_win_over_cli_input_json_and_read_files() {
    let dir = temp_dir();
    std::fs::write(dir.join("desc.txt"), "from a file").unwrap();
    std::fs::write(
        dir.join("in.json"),
        r#"{"FunctionName":"a","Description":"d","Name":"n","FunctionVersion":"1"}"#,
    )
    .unwrap();
    let out = run(
        &dir,
        &[
            "--dry-run",
            "create-alias",
            "--cli-input-json",
            "file://in.json",
            "--function-name",
            "b",
            "--description",
            "file://desc.txt",
        ],
    );
    let req = ok_json(&out);
    assert!(
        req["url"]
            .as_str()
            .unwrap()
            .ends_with("/functions/b/aliases"),
        "{req}"
    );
    let body: Value = serde_json::from_slice(
        &base64::engine::general_purpose::STANDARD
            .decode(req["body_base64"].as_str().unwrap())
            .unwrap(),
    )
    .unwrap();
    assert_eq!(
        body,
        json!({"Description": "from a file", "Name": "n", "FunctionVersion": "1"})
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn global_options_debug_unsigned_color_timeouts_and_exit_statuses() {
    let server = test_support::LoopbackServer::with_handler(|_: &test_support::RecordedRequest| {
        test_support::Response::json(200, r#"{"Functions":[{"FunctionName":"f"}]}"#)
            .header("x-amzn-RequestId", "req-1")
    });
    let dir = temp_dir();
    // --debug: request and answer heads on stderr, no secret.
    let out = lambda(&dir)
        .env("AWS_SESSION_TOKEN", "session-token-secret")
        .args(["--debug", "--endpoint-url", &server.url(), "list-functions"])
        .output()
        .unwrap();
    let log = stderr(&out);
    assert!(out.status.success(), "{log}");
    assert!(
        log.contains("> GET http://127.0.0.1:") && log.contains("< 200"),
        "{log}"
    );
    // The clients' tracing events too: attempts and answers with their request id.
    assert!(
        log.contains("lambda_proto::call: sending operation=ListFunctions attempt=1"),
        "{log}"
    );
    assert!(log.contains("request_id=req-1"), "{log}");
    assert!(
        log.contains("Signature=<redacted>") && log.contains("x-amz-security-token: <redacted>"),
        "{log}"
    );
    let signature = server.requests()[0]
        .header("authorization")
        .unwrap()
        .rsplit("Signature=")
        .next()
        .unwrap()
        .to_string();
    for secret in ["session-token-secret", "wJalrXUtnFEMI", signature.as_str()] {
        assert!(!log.contains(secret), "{secret} in {log}");
    }
    // --no-sign-request: no credentials needed, none sent.
    let out = lambda(&dir)
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .args([
            "--no-sign-request",
            "--endpoint-url",
            &server.url(),
            "list-functions",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let last = server.requests().pop().unwrap();
    assert!(last.header("authorization").is_none());
    // Color only when asked (standard output is a pipe here).
    let plain = run(&dir, &["--endpoint-url", &server.url(), "list-functions"]);
    assert!(!plain.stdout.contains(&0x1b));
    let colored = run(
        &dir,
        &[
            "--color",
            "on",
            "--endpoint-url",
            &server.url(),
            "list-functions",
        ],
    );
    assert!(colored.stdout.contains(&0x1b));
    // --version.
    let out = run(&dir, &["--version"]);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        format!("lambda {}", env!("CARGO_PKG_VERSION"))
    );
    // Configuration errors: 253.
    let out = run(&dir, &["--profile", "nope", "list-functions"]);
    assert_eq!(out.status.code(), Some(253), "{}", stderr(&out));
    let out = run(
        &dir,
        &[
            "--ca-bundle",
            "no-such.pem",
            "--endpoint-url",
            &server.url(),
            "list-functions",
        ],
    );
    assert_eq!(out.status.code(), Some(253), "{}", stderr(&out));
    // A connect time-out: 255, quickly.
    let hanging = test_support::HangingListener::start();
    let started = std::time::Instant::now();
    let out = run(
        &dir,
        &[
            "--cli-connect-timeout",
            "0.2",
            "--endpoint-url",
            &hanging.url(),
            "list-functions",
        ],
    );
    assert_eq!(out.status.code(), Some(255), "{}", stderr(&out));
    assert!(started.elapsed() < std::time::Duration::from_secs(20));
    // Ctrl-C: 130.
    let mut child = lambda(&dir)
        .args([
            "--cli-connect-timeout",
            "60",
            "--endpoint-url",
            &hanging.url(),
            "list-functions",
        ])
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(500));
    let killed = Command::new("sh")
        .args(["-c", &format!("kill -INT {}", child.id())])
        .status()
        .unwrap();
    assert!(killed.success());
    assert_eq!(child.wait().unwrap().code(), Some(130));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn streamed_invocation_writes_chunks_to_the_outfile() {
    let event = cli_common::stream_event;
    let mut body = event("PayloadChunk", b"hello ");
    body.extend(event("PayloadChunk", b"world"));
    body.extend(event("InvokeComplete", br#"{"LogResult":"bG9n"}"#));
    let server = test_support::LoopbackServer::start(vec![test_support::Step::Respond(
        test_support::Response::new(200)
            .header("Content-Type", "application/vnd.amazon.eventstream")
            .header("X-Amz-Executed-Version", "3")
            .body(body),
    )]);
    let dir = temp_dir();
    let out = run(
        &dir,
        &[
            "--endpoint-url",
            &server.url(),
            "--output",
            "text",
            "invoke-with-response-stream",
            "--function-name",
            "f",
            "stream.out",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        std::fs::read(dir.join("stream.out")).unwrap(),
        b"hello world"
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "3\tapplication/vnd.amazon.eventstream\t200\nINVOKECOMPLETE\tbG9n\n"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn ca_bundle_trusts_a_private_ca() {
    let server = test_support::LoopbackServer::with_handler(|_: &test_support::RecordedRequest| {
        test_support::Response::json(200, r#"{"Functions":[]}"#)
    });
    let proxy = test_support::TlsProxy::start(server.addr());
    let dir = temp_dir();
    std::fs::write(dir.join("ca.pem"), proxy.ca_pem()).unwrap();
    // Without the CA: the certificate is refused (255, nothing retried into success).
    let out = run(&dir, &["--endpoint-url", &proxy.url(), "list-functions"]);
    assert_eq!(out.status.code(), Some(255), "{}", stderr(&out));
    // With --ca-bundle, and with AWS_CA_BUNDLE.
    let out = run(
        &dir,
        &[
            "--ca-bundle",
            "ca.pem",
            "--endpoint-url",
            &proxy.url(),
            "list-functions",
        ],
    );
    assert_eq!(ok_json(&out), json!({"Functions": []}));
    let out = lambda(&dir)
        .env("AWS_CA_BUNDLE", dir.join("ca.pem"))
        .args(["--endpoint-url", &proxy.url(), "list-functions"])
        .output()
        .unwrap();
    assert_eq!(ok_json(&out), json!({"Functions": []}));
    assert_eq!(server.request_count(), 2);
    let _ = std::fs::remove_dir_all(&dir);
}
