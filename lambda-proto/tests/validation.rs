//! Client-side validation: each broken rule of the model gives an error naming the
//! operation, the member (as a path) and the rule, and nothing is built.

use lambda_proto::endpoint::Endpoint;
use lambda_proto::operations::*;
use lambda_proto::types::*;
use lambda_proto::{Operation, Rule, ValidationError};

fn endpoint() -> Endpoint {
    Endpoint::parse("https://lambda.us-east-1.amazonaws.com").unwrap()
}

fn code() -> FunctionCode {
    let mut code = FunctionCode::new();
    code.zip_file = Some(b"PK\x05\x06".to_vec());
    code
}

fn create() -> CreateFunction {
    CreateFunction::new("f", "arn:aws:iam::123456789012:role/r", code())
}

fn error<O: Operation>(op: O) -> ValidationError {
    op.build(&endpoint()).expect_err("must be refused")
}

/// `case!(input, operation, member, rule)`: one line per broken rule.
macro_rules! case {
    ($input:expr, $op:literal, $member:literal, $rule:pat $(if $guard:expr)?) => {{
        let e = error($input);
        assert_eq!(e.operation(), $op, "{e}");
        assert_eq!(e.member(), $member, "{e}");
        assert!(matches!(e.rule(), $rule $(if $guard)?), "{e}: {:?}", e.rule());
    }};
}

#[test]
fn broken_rules_are_named() {
    case!(create().memory_size(64), "CreateFunction", "MemorySize", Rule::Min { min, actual } if *min == 128.0 && *actual == 64.0);
    case!(
        create().memory_size(40_000),
        "CreateFunction",
        "MemorySize",
        Rule::Max { .. }
    );
    case!(
        create().timeout(0),
        "CreateFunction",
        "Timeout",
        Rule::Min { .. }
    );
    case!(
        create().description("d".repeat(257)),
        "CreateFunction",
        "Description",
        Rule::MaxLength {
            max: 256,
            actual: 257
        }
    );
    case!(
        create().architectures(vec![Architecture::X8664, Architecture::Arm64]),
        "CreateFunction",
        "Architectures",
        Rule::MaxLength { max: 1, actual: 2 }
    );
    case!(
        create().ephemeral_storage(EphemeralStorage::new(100)),
        "CreateFunction",
        "EphemeralStorage.Size",
        Rule::Min { .. }
    );
    case!(
        create().tags(
            [("".to_string(), "v".to_string())]
                .into_iter()
                .collect::<std::collections::BTreeMap<_, _>>()
        ),
        "CreateFunction",
        "Tags[]",
        Rule::MinLength { min: 1, actual: 0 }
    );
    case!(
        CreateFunction::new("", "arn:aws:iam::123456789012:role/r", code()),
        "CreateFunction",
        "FunctionName",
        Rule::MinLength { .. }
    );
    case!(
        GetFunction::new("f").qualifier(""),
        "GetFunction",
        "Qualifier",
        Rule::MinLength { .. }
    );
    case!(
        ListFunctions::new().max_items(0),
        "ListFunctions",
        "MaxItems",
        Rule::Min { .. }
    );
    case!(
        PutFunctionConcurrency::new("f", -1),
        "PutFunctionConcurrency",
        "ReservedConcurrentExecutions",
        Rule::Min { .. }
    );
    case!(
        Invoke::new("f").client_context("not base64 json"),
        "Invoke",
        "ClientContext",
        Rule::Custom(_)
    );
    case!(
        Invoke::new("f").log_type("Tail\r\nX-Injected: 1"),
        "Invoke",
        "LogType",
        Rule::HeaderValue
    );
    case!(
        Invoke::new("f").tenant_id("a\r\nx-injected: 1"),
        "Invoke",
        "TenantId",
        Rule::HeaderValue
    );
}

#[test]
fn nested_map_values_are_checked_with_their_path() {
    let mut weights = std::collections::BTreeMap::new();
    weights.insert("2".to_string(), 1.5);
    let mut routing = AliasRoutingConfiguration::new();
    routing.additional_version_weights = Some(weights);
    let e = error(CreateAlias::new("f", "live", "1").routing_config(routing));
    assert_eq!(e.member(), "RoutingConfig.AdditionalVersionWeights[2]");
    assert!(matches!(e.rule(), Rule::Max { .. }));
    assert_eq!(
        e.to_string(),
        "invalid CreateAlias input: RoutingConfig.AdditionalVersionWeights[2] must be <= 1 (got 1.5)"
    );
}

#[test]
fn valid_inputs_build() {
    let request = create()
        .memory_size(128)
        .timeout(900)
        .runtime(Runtime::Python312)
        .architectures(vec![Architecture::Arm64])
        .build(&endpoint())
        .unwrap();
    let body: serde_json::Value = serde_json::from_slice(request.body()).unwrap();
    assert_eq!(body["MemorySize"], 128);
    assert_eq!(body["Runtime"], "python3.12");
    assert_eq!(body["Code"]["ZipFile"], "UEsFBg==");
    assert_eq!(body["Architectures"], serde_json::json!(["arm64"]));
    assert!(
        body.get("FunctionName").is_some(),
        "FunctionName is a body member of CreateFunction"
    );
}

#[test]
fn dynamic_output_renders_blobs_and_timestamps() {
    let op = lambda_proto::dynamic::find("get-durable-execution").unwrap();
    let response = http::Response::builder()
        .status(200)
        .body(
            br#"{"DurableExecutionArn":"arn:x","DurableExecutionName":"n","FunctionArn":"arn:f","Status":"RUNNING","StartTimestamp":1704164645.5}"#
                .to_vec(),
        )
        .unwrap();
    let out = op.parse(response).unwrap();
    assert_eq!(out["StartTimestamp"], "2024-01-02T03:04:05.5Z");
    assert_eq!(out["Status"], "RUNNING");

    let invoke = lambda_proto::dynamic::find("invoke").unwrap();
    let response = http::Response::builder()
        .status(200)
        .header("X-Amz-Executed-Version", "$LATEST")
        .body(vec![0, 1, 2, 255])
        .unwrap();
    let out = invoke.parse(response).unwrap();
    assert_eq!(out["Payload"], "AAEC/w==");
    assert_eq!(out["StatusCode"], 200);
    assert_eq!(out["ExecutedVersion"], "$LATEST");
}
