//! The `lambda` program as AWS CLI users type it: the documented `aws lambda` examples
//! through `--dry-run` against the request botocore builds for the same input, and end to
//! end against moto; help, skeletons and completions for every operation; global options.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

use base64::Engine as _;
use serde_json::{json, Value};
use test_support::MotoServer;

const BIN: &str = env!("CARGO_BIN_EXE_lambda");
/// An empty zip archive.
const ZIP: &[u8] = b"PK\x05\x06\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0";

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// A fresh, empty directory.
fn temp_dir() -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "lambda-cli-aws-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The program with a clean environment, keys and a region, run in `dir`.
fn lambda(dir: &Path) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.env_clear()
        .current_dir(dir)
        .env("HOME", dir)
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
        .env("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
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
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

/// The Python with botocore (as test-support finds it).
fn python() -> PathBuf {
    match std::env::var_os("LAMBDA_TEST_PYTHON").filter(|p| !p.is_empty()) {
        Some(p) => PathBuf::from(p),
        None => workspace_root().join(".venv-moto/bin/python"),
    }
}

/// The same JSON-lines protocol as `scripts/botocore_oracle.py`, used while that script is
/// not in the tree: stdin `{"kind":"request","operation","input"}` (blobs base64), stdout
/// botocore's request `{"method","url","headers","body_base64"}`.
const ORACLE: &str = r#"
import base64, json, sys
import botocore.session
from botocore import serialize
from botocore.awsrequest import create_request_object, prepare_request_dict
model = botocore.session.get_session().get_service_model("lambda")
ser = serialize.create_serializer("rest-json", include_validation=True)
def unblob(shape, v):
    t = shape.type_name
    if t == "blob": return base64.b64decode(v)
    if t == "structure": return {k: unblob(shape.members[k], x) for k, x in v.items()}
    if t == "list": return [unblob(shape.member, x) for x in v]
    if t == "map": return {k: unblob(shape.value, x) for k, x in v.items()}
    return v
for line in sys.stdin:
    q = json.loads(line)
    op = model.operation_model(q["operation"])
    params = unblob(op.input_shape, q["input"]) if op.input_shape else {}
    d = ser.serialize_to_request(params, op)
    prepare_request_dict(d, endpoint_url="https://lambda.us-east-1.amazonaws.com")
    r = create_request_object(d)
    body = r.body or b""
    if isinstance(body, str): body = body.encode()
    print(json.dumps({"method": r.method, "url": r.url,
                      "headers": {k.lower(): v for k, v in r.headers.items()},
                      "body_base64": base64.b64encode(body).decode()}), flush=True)
"#;

/// botocore's requests for `(operation, input)` queries, through the project's oracle
/// script when it is there, else the same protocol inline.
fn botocore(queries: &[(&str, Value)]) -> Vec<Value> {
    let script = workspace_root().join("scripts/botocore_oracle.py");
    let mut cmd = Command::new(python());
    if script.exists() {
        cmd.arg(script);
    } else {
        cmd.args(["-c", ORACLE]);
    }
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("python with botocore (bash scripts/install-test-deps.sh)");
    let mut stdin = child.stdin.take().unwrap();
    for (op, input) in queries {
        let line = json!({"kind": "request", "operation": op, "input": input});
        writeln!(stdin, "{line}").unwrap();
    }
    drop(stdin);
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// What must agree between two requests: method, URL, the `x-amz-*` and content-type
/// headers the input sets, and the body (as JSON when it is JSON: botocore adds spaces).
fn comparable(request: &Value) -> Value {
    let body = base64::engine::general_purpose::STANDARD
        .decode(request["body_base64"].as_str().unwrap())
        .unwrap();
    let headers: serde_json::Map<String, Value> = request["headers"]
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
    let body = match serde_json::from_slice::<Value>(&body) {
        Ok(v) if request["headers"]["content-type"] == "application/json" => json!({"json": v}),
        _ => json!({"raw": b64(&body)}),
    };
    json!({
        "method": request["method"],
        "url": request["url"],
        "headers": headers,
        "body": body,
    })
}

/// The `aws lambda` examples of the AWS CLI's reference pages, each with the input
/// botocore gets from the same command line.
fn examples() -> Vec<(Vec<&'static str>, &'static str, Value)> {
    let zip = b64(ZIP);
    vec![
        (
            vec!["create-function", "--function-name", "my-function", "--runtime", "nodejs18.x",
                 "--zip-file", "fileb://my-function.zip", "--handler", "my-function.handler",
                 "--role", "arn:aws:iam::123456789012:role/service-role/MyTestFunction-role-tges6bf4"],
            "CreateFunction",
            json!({"FunctionName": "my-function", "Runtime": "nodejs18.x", "Code": {"ZipFile": zip},
                   "Handler": "my-function.handler",
                   "Role": "arn:aws:iam::123456789012:role/service-role/MyTestFunction-role-tges6bf4"}),
        ),
        (
            vec!["invoke", "--function-name", "my-function", "--cli-binary-format",
                 "raw-in-base64-out", "--payload", r#"{ "name": "Bob" }"#, "response.json"],
            "Invoke",
            json!({"FunctionName": "my-function", "Payload": b64(br#"{ "name": "Bob" }"#)}),
        ),
        (
            vec!["invoke", "--function-name", "my-function", "--invocation-type", "Event",
                 "--payload", "eyJrIjoidiJ9", "response.json"],
            "Invoke",
            json!({"FunctionName": "my-function", "InvocationType": "Event", "Payload": b64(br#"{"k":"v"}"#)}),
        ),
        (
            vec!["invoke", "--function-name", "my-function", "--log-type", "Tail", "out"],
            "Invoke",
            json!({"FunctionName": "my-function", "LogType": "Tail"}),
        ),
        (
            vec!["update-function-code", "--function-name", "my-function", "--zip-file",
                 "fileb://my-function.zip", "--publish"],
            "UpdateFunctionCode",
            json!({"FunctionName": "my-function", "ZipFile": zip, "Publish": true}),
        ),
        (
            vec!["add-permission", "--function-name", "my-function", "--action",
                 "lambda:InvokeFunction", "--statement-id", "sns", "--principal",
                 "sns.amazonaws.com", "--source-arn", "arn:aws:sns:us-east-2:123456789012:my-topic"],
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
            vec!["create-alias", "--function-name", "my-function", "--description",
                 "alias for live version of function", "--function-version", "1", "--name", "LIVE"],
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
            vec!["wait", "function-active-v2", "--function-name", "my-function"],
            "GetFunction",
            json!({"FunctionName": "my-function"}),
        ),
        (
            vec!["tag-resource", "--resource", "arn:aws:lambda:us-west-2:123456789012:function:my-function",
                 "--tags", "DEPARTMENT=Department A,team=x"],
            "TagResource",
            json!({"Resource": "arn:aws:lambda:us-west-2:123456789012:function:my-function",
                   "Tags": {"DEPARTMENT": "Department A", "team": "x"}}),
        ),
        (
            vec!["untag-resource", "--resource", "arn:aws:lambda:us-west-2:123456789012:function:my-function",
                 "--tag-keys", "DEPARTMENT", "team"],
            "UntagResource",
            json!({"Resource": "arn:aws:lambda:us-west-2:123456789012:function:my-function",
                   "TagKeys": ["DEPARTMENT", "team"]}),
        ),
        (
            vec!["update-function-configuration", "--function-name", "my-function",
                 "--memory-size", "512", "--environment", "Variables={A=1,B=2}",
                 "--vpc-config", "SubnetIds=a,b,SecurityGroupIds=c", "--architectures-unused"],
            "",
            json!(null),
        ),
        (
            vec!["update-function-configuration", "--function-name", "my-function",
                 "--memory-size", "512", "--environment", "Variables={A=1,B=2}",
                 "--vpc-config", "SubnetIds=a,b,SecurityGroupIds=c", "--timeout", "30"],
            "UpdateFunctionConfiguration",
            json!({"FunctionName": "my-function", "MemorySize": 512, "Timeout": 30,
                   "Environment": {"Variables": {"A": "1", "B": "2"}},
                   "VpcConfig": {"SubnetIds": ["a", "b"], "SecurityGroupIds": ["c"]}}),
        ),
        (
            vec!["update-function-code", "--function-name", "my-function", "--image-uri",
                 "123456789012.dkr.ecr.us-east-1.amazonaws.com/x:latest", "--architectures", "arm64",
                 "--no-publish"],
            "UpdateFunctionCode",
            json!({"FunctionName": "my-function", "Architectures": ["arm64"], "Publish": false,
                   "ImageUri": "123456789012.dkr.ecr.us-east-1.amazonaws.com/x:latest"}),
        ),
        (
            vec!["put-function-concurrency", "--function-name", "my-function",
                 "--reserved-concurrent-executions", "100"],
            "PutFunctionConcurrency",
            json!({"FunctionName": "my-function", "ReservedConcurrentExecutions": 100}),
        ),
        (
            vec!["update-alias", "--function-name", "my-function", "--name", "LIVE",
                 "--routing-config", r#"{"AdditionalVersionWeights": {"2": 0.05}}"#],
            "UpdateAlias",
            json!({"FunctionName": "my-function", "Name": "LIVE",
                   "RoutingConfig": {"AdditionalVersionWeights": {"2": 0.05}}}),
        ),
        (
            vec!["create-event-source-mapping", "--function-name", "my-function", "--batch-size", "5",
                 "--event-source-arn", "arn:aws:sqs:us-west-2:123456789012:mySQSqueue"],
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
        assert_eq!(comparable(&got), comparable(want), "{op}: lambda {}", args.join(" "));
    }
    // The one example with a misspelt option: a usage error naming it.
    let (args, _, _) = examples().into_iter().find(|c| c.1.is_empty()).unwrap();
    let out = lambda(&dir).arg("--dry-run").args(&args).output().unwrap();
    assert_eq!(out.status.code(), Some(252));
    assert!(stderr(&out).contains("--architectures-unused"), "{}", stderr(&out));
    let _ = std::fs::remove_dir_all(&dir);
}
