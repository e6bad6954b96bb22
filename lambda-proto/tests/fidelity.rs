//! Fidelity: the client sends exactly what the caller gave and reports exactly what the
//! service said. Each test is one way a client can silently change meaning: dropping an
//! unknown member, defaulting a nested required one, inventing an absent output member,
//! refusing an enum value the service may know, or rounding a timestamp.

use lambda_proto::call::{Call, ClientConfig, Step};
use lambda_proto::credentials::Credentials;
use lambda_proto::dynamic;
use lambda_proto::endpoint::Endpoint;
use lambda_proto::operations::*;
use lambda_proto::types::*;
use lambda_proto::{Operation, Rule, ValidationError};
use serde_json::{json, Value};

fn endpoint() -> Endpoint {
    Endpoint::parse("https://lambda.us-east-1.amazonaws.com").unwrap()
}

fn build_json(op: &str, input: Value) -> Result<http::Request<bytes::Bytes>, ValidationError> {
    dynamic::find(op).unwrap().build(&input, &endpoint())
}

fn body_json(request: &http::Request<bytes::Bytes>) -> Value {
    serde_json::from_slice(request.body()).unwrap()
}

fn response(status: u16, body: &str) -> http::Response<Vec<u8>> {
    http::Response::builder()
        .status(status)
        .body(body.as_bytes().to_vec())
        .unwrap()
}

fn create_function() -> Value {
    json!({
        "FunctionName": "f",
        "Role": "arn:aws:iam::123456789012:role/r",
        "Code": {"ZipFile": "UEsFBg=="},
    })
}

fn with(mut base: Value, member: &str, value: Value) -> Value {
    base[member] = value;
    base
}

// ------------------------------------------------------------------ unknown members

#[test]
fn unknown_members_are_refused_naming_them_and_the_valid_ones() {
    let err = build_json("GetFunction", json!({"FunctionName": "f", "Qualifer": "1"})).unwrap_err();
    assert_eq!(err.member(), "");
    assert_eq!(
        err.rule(),
        &Rule::UnknownMember {
            name: "Qualifer".into(),
            valid: vec!["FunctionName", "Qualifier"],
        }
    );
    assert_eq!(
        err.to_string(),
        "invalid GetFunction input: has an unknown parameter \"Qualifer\", must be one of: \
         FunctionName, Qualifier"
    );

    let err = build_json(
        "UpdateFunctionConfiguration",
        json!({"FunctionName": "f", "Memorysize": 512}),
    )
    .unwrap_err();
    assert!(
        matches!(err.rule(), Rule::UnknownMember { name, valid } if name == "Memorysize" && valid.contains(&"MemorySize")),
        "{err}"
    );
}

#[test]
fn unknown_members_are_refused_at_any_depth() {
    let cases = [
        (
            with(
                create_function(),
                "AcceleratorConfig",
                json!({"AcceleratorMemorySize": 1, "X": 1}),
            ),
            "AcceleratorConfig",
            "X",
        ),
        (
            with(
                create_function(),
                "Code",
                json!({"ZipFile": "UEsFBg==", "Zipfile": "x"}),
            ),
            "Code",
            "Zipfile",
        ),
        (
            with(
                create_function(),
                "FileSystemConfigs",
                json!([{"Arn": "a", "LocalMountPath": "/mnt/a"}, {"Arn": "b", "LocalMountPath": "/mnt/b", "Path": "/"}]),
            ),
            "FileSystemConfigs[1]",
            "Path",
        ),
        (
            with(
                create_function(),
                "Environment",
                json!({"Variables": {"A": "1"}, "Vars": {}}),
            ),
            "Environment",
            "Vars",
        ),
    ];
    for (input, path, name) in cases {
        let err = build_json("CreateFunction", input).unwrap_err();
        assert_eq!(err.member(), path, "{err}");
        assert!(
            matches!(err.rule(), Rule::UnknownMember { name: n, .. } if n == name),
            "{err}"
        );
    }
}

#[test]
fn typed_inputs_read_from_json_refuse_unknown_members_too() {
    let err = serde_json::from_value::<GetFunction>(json!({"FunctionName": "f", "Qualifer": "1"}))
        .unwrap_err();
    assert!(err.to_string().contains("Qualifer"), "{err}");
}

// ------------------------------------------------------------------ nested required

#[test]
fn nested_required_members_are_required_never_defaulted() {
    let missing = [
        (
            "AcceleratorConfig",
            json!({}),
            "AcceleratorConfig.AcceleratorMemorySize",
        ),
        ("DeadLetterConfig", json!({}), "Role"), // not required: must build
        ("VpcConfig", json!({}), "Role"),
    ];
    let (member, value, path) = &missing[0];
    let err = build_json(
        "CreateFunction",
        with(create_function(), member, value.clone()),
    )
    .unwrap_err();
    assert_eq!(
        (err.member(), err.rule()),
        (*path, &Rule::Required),
        "{err}"
    );
    for (member, value, _) in &missing[1..] {
        build_json(
            "CreateFunction",
            with(create_function(), member, value.clone()),
        )
        .unwrap_or_else(|e| panic!("{member}: {e}"));
    }

    // null is not a value: never read as a default.
    let err = build_json(
        "CreateFunction",
        with(
            create_function(),
            "AcceleratorConfig",
            json!({"AcceleratorMemorySize": null}),
        ),
    )
    .unwrap_err();
    assert_eq!(
        err.member(),
        "AcceleratorConfig.AcceleratorMemorySize",
        "{err}"
    );
    assert!(matches!(err.rule(), Rule::Type(_)), "{err}");

    // In a list of structures, with the index in the path.
    let err = build_json(
        "CreateFunction",
        with(
            create_function(),
            "FileSystemConfigs",
            json!([{"Arn": "a"}]),
        ),
    )
    .unwrap_err();
    assert_eq!(
        (err.member(), err.rule()),
        ("FileSystemConfigs[0].LocalMountPath", &Rule::Required)
    );

    // The issue's other reproductions: no SecurityGroupIds, no TargetValue.
    let provider = |vpc: Value, scaling: Value| {
        json!({
            "CapacityProviderName": "p",
            "VpcConfig": vpc,
            "PermissionsConfig": {"CapacityProviderOperatorRoleArn": "arn:aws:iam::123456789012:role/r"},
            "CapacityProviderScalingConfig": scaling,
        })
    };
    let err = build_json(
        "CreateCapacityProvider",
        provider(json!({"SubnetIds": ["s"]}), json!({})),
    )
    .unwrap_err();
    assert_eq!(
        (err.member(), err.rule()),
        ("VpcConfig.SecurityGroupIds", &Rule::Required)
    );
    let err = build_json(
        "CreateCapacityProvider",
        provider(
            json!({"SubnetIds": ["s"], "SecurityGroupIds": ["g"]}),
            json!({"ScalingPolicies": [{"PredefinedMetricType": "LambdaCapacityProviderAverageCPUUtilization"}]}),
        ),
    )
    .unwrap_err();
    assert_eq!(
        (err.member(), err.rule()),
        (
            "CapacityProviderScalingConfig.ScalingPolicies[0].TargetValue",
            &Rule::Required
        )
    );
}

#[test]
fn typed_nested_required_members_are_checked_with_their_path() {
    let code = FunctionCode::new().zip_file(b"PK\x05\x06".to_vec());
    let op = CreateFunction::new("f", "arn:aws:iam::123456789012:role/r", code)
        .accelerator_config(AcceleratorConfig::default());
    let err = op.build(&endpoint()).unwrap_err();
    assert_eq!(
        (err.member(), err.rule()),
        ("AcceleratorConfig.AcceleratorMemorySize", &Rule::Required)
    );
    // Given through `new`, it is sent as given.
    let code = FunctionCode::new().zip_file(b"PK\x05\x06".to_vec());
    let request = CreateFunction::new("f", "arn:aws:iam::123456789012:role/r", code)
        .accelerator_config(AcceleratorConfig::new(4))
        .build(&endpoint())
        .unwrap();
    assert_eq!(
        body_json(&request)["AcceleratorConfig"],
        json!({"AcceleratorMemorySize": 4})
    );
}

// ------------------------------------------------------------------ outputs

#[test]
fn absent_or_null_output_members_stay_absent_in_json() {
    let op = dynamic::find("GetFunctionCodeSigningConfig").unwrap();
    let out = op
        .parse(response(
            200,
            r#"{"FunctionName":"F","CodeSigningConfigArn":null}"#,
        ))
        .unwrap();
    assert_eq!(out, json!({"FunctionName": "F"}));
    let out = op.parse(response(200, "{}")).unwrap();
    assert_eq!(out, json!({}));
    let out = op
        .parse(response(
            200,
            r#"{"FunctionName":"","CodeSigningConfigArn":""}"#,
        ))
        .unwrap();
    assert_eq!(out, json!({"FunctionName": "", "CodeSigningConfigArn": ""}));

    // Nested: a required member of a listed item.
    let op = dynamic::find("ListFunctionEventInvokeConfigs").unwrap();
    let out = op
        .parse(response(
            200,
            r#"{"FunctionEventInvokeConfigs":[{"DestinationConfig":{"OnFailure":{}}}]}"#,
        ))
        .unwrap();
    assert_eq!(
        out,
        json!({"FunctionEventInvokeConfigs": [{"DestinationConfig": {"OnFailure": {}}}]})
    );
}

#[test]
fn typed_outputs_tell_absent_from_empty() {
    let out = GetFunctionCodeSigningConfig::parse(response(200, "{}")).unwrap();
    assert_eq!(out.function_name, None);
    let out = GetDurableExecution::parse(response(200, r#"{"DurableExecutionArn":"a"}"#)).unwrap();
    assert_eq!(out.start_timestamp, None);
    assert_eq!(out.durable_execution_arn.as_deref(), Some("a"));
}

// ------------------------------------------------------------------ open enums

#[test]
fn enum_values_the_model_does_not_know_are_sent_as_given() {
    let request = UpdateFunctionConfiguration::new("f")
        .runtime("python9.99")
        .build(&endpoint())
        .unwrap();
    assert_eq!(body_json(&request)["Runtime"], "python9.99");
    let op = UpdateFunctionConfiguration::new("f").runtime(Runtime::from("python9.99"));
    assert_eq!(op.runtime, Some(Runtime::Unknown("python9.99".into())));

    let request = build_json(
        "UpdateFunctionConfiguration",
        json!({"FunctionName": "f", "Runtime": "python9.99", "TracingConfig": {"Mode": "Sampled"}}),
    )
    .unwrap();
    assert_eq!(
        body_json(&request),
        json!({"Runtime": "python9.99", "TracingConfig": {"Mode": "Sampled"}})
    );
    // Known values are not rewritten either.
    let request = build_json(
        "Invoke",
        json!({"FunctionName": "f", "InvocationType": "SomethingNew", "LogType": "Tail"}),
    )
    .unwrap();
    assert_eq!(request.headers()["x-amz-invocation-type"], "SomethingNew");
    assert_eq!(request.headers()["x-amz-log-type"], "Tail");
    // The output side reads unknown values into `Unknown` and renders them back.
    let out = dynamic::find("GetFunctionConfiguration")
        .unwrap()
        .parse(response(
            200,
            r#"{"Runtime":"python9.99","State":"Hibernating"}"#,
        ))
        .unwrap();
    assert_eq!(
        out,
        json!({"Runtime": "python9.99", "State": "Hibernating"})
    );
}

// ------------------------------------------------------------------ idempotency tokens

fn is_uuid_v4(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.iter().map(|p| p.len()).eq([8, 4, 4, 4, 12])
        && s.chars().all(|c| c == '-' || c.is_ascii_hexdigit())
        && parts[2].starts_with('4')
        && matches!(parts[3].chars().next(), Some('8' | '9' | 'a' | 'b'))
}

#[test]
fn idempotency_tokens_are_filled_once_per_call_and_kept_on_retries() {
    let config = ClientConfig::new(endpoint(), "us-east-1");
    let creds = Credentials::new("AKID", "secret", None, None);
    let now = time::macros::datetime!(2024-01-01 0:00 UTC);
    let op = CheckpointDurableExecution::new(
        "arn:aws:lambda:us-east-1:1:function:f:1/durable-execution/e/1",
        "t",
    );
    assert!(op.needs_idempotency_token());
    let mut call = Call::with_idempotency_token(&config, &op, [7; 16]).unwrap();
    let first = call.request(&creds, now).unwrap();
    let token = body_json(&first)["ClientToken"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(is_uuid_v4(&token), "{token}");
    let busy = response(503, "");
    assert!(matches!(
        call.on_response(busy, now, 0.0),
        Step::Retry { .. }
    ));
    let second = call.request(&creds, now).unwrap();
    assert_eq!(body_json(&second)["ClientToken"], token.as_str());

    // Other calls get other tokens; a caller's token is kept.
    let other = Call::with_idempotency_token(&config, &op, [8; 16])
        .unwrap()
        .request(&creds, now)
        .unwrap();
    assert_ne!(body_json(&other)["ClientToken"], token.as_str());
    let mine = op.clone().client_token("mine");
    assert!(!mine.needs_idempotency_token());
    let request = Call::with_idempotency_token(&config, &mine, [9; 16])
        .unwrap()
        .request(&creds, now)
        .unwrap();
    assert_eq!(body_json(&request)["ClientToken"], "mine");
}

#[test]
fn every_idempotency_token_member_of_the_model_is_filled() {
    let with_token: Vec<&str> = dynamic::operations()
        .iter()
        .filter_map(|o| o.idempotency_token.map(|_| o.name))
        .collect();
    assert_eq!(
        with_token,
        [
            "CheckpointDurableExecution",
            "PauseDurableExecution",
            "ResumeDurableExecution"
        ]
    );
    for name in with_token {
        let op = dynamic::find(name).unwrap();
        let mut input = Value::Object(Default::default());
        assert!(op.fill_idempotency_token(&mut input, [1; 16]));
        assert!(is_uuid_v4(input["ClientToken"].as_str().unwrap()), "{name}");
    }
}

// ------------------------------------------------------------------ payloads

#[test]
fn an_absent_structure_payload_is_sent_as_an_empty_object() {
    for request in [
        SendDurableExecutionCallbackFailure::new("cb")
            .build(&endpoint())
            .unwrap(),
        StopDurableExecution::new("arn:aws:lambda:us-east-1:1:function:f:1/durable-execution/e/1")
            .build(&endpoint())
            .unwrap(),
        build_json(
            "SendDurableExecutionCallbackFailure",
            json!({"CallbackId": "cb"}),
        )
        .unwrap(),
    ] {
        assert_eq!(&request.body()[..], b"{}", "{}", request.uri());
        assert_eq!(request.headers()["content-type"], "application/json");
    }
    let given = SendDurableExecutionCallbackFailure::new("cb")
        .error(ErrorObject::default().error_message("boom"))
        .build(&endpoint())
        .unwrap();
    assert_eq!(body_json(&given), json!({"ErrorMessage": "boom"}));
}

// ------------------------------------------------------------------ timestamps

#[test]
fn epoch_timestamps_keep_their_value() {
    let at = time::macros::datetime!(2024-02-04 16:13:43.026 UTC);
    let request = CreateEventSourceMapping::new("f")
        .starting_position_timestamp(at)
        .build(&endpoint())
        .unwrap();
    let text = String::from_utf8(request.body().to_vec()).unwrap();
    assert!(
        text.contains("\"StartingPositionTimestamp\":1707063223.026"),
        "{text}"
    );

    // Whatever the fraction, the value sent is the nearest double to the exact decimal.
    for micros in [0u32, 1, 999_999, 3691, 500_000, 123_456] {
        let at = time::macros::datetime!(2024-02-04 16:13:43 UTC)
            + time::Duration::microseconds(micros.into());
        let request = CreateEventSourceMapping::new("f")
            .starting_position_timestamp(at)
            .build(&endpoint())
            .unwrap();
        let sent = body_json(&request)["StartingPositionTimestamp"]
            .as_f64()
            .unwrap();
        let exact: f64 = format!("1707063223.{micros:06}").parse().unwrap();
        assert_eq!(sent.to_bits(), exact.to_bits(), "{micros}");
    }

    // Answers keep microseconds.
    let op = dynamic::find("GetDurableExecution").unwrap();
    let out = op
        .parse(response(200, r#"{"StartTimestamp":1707063223.123456}"#))
        .unwrap();
    assert_eq!(out["StartTimestamp"], "2024-02-04T16:13:43.123456Z");
    let typed =
        GetDurableExecution::parse(response(200, r#"{"StartTimestamp":1707063223.000001}"#))
            .unwrap();
    assert_eq!(typed.start_timestamp.unwrap().microsecond(), 1);
}

#[test]
fn query_timestamps_are_written_as_botocore_writes_them() {
    let at = time::macros::datetime!(2024-01-02 03:04:05.5 UTC);
    let request = ListDurableExecutionsByFunction::new("f")
        .started_after(at)
        .started_before(time::macros::datetime!(2024-01-02 03:04:05 UTC))
        .build(&endpoint())
        .unwrap();
    let query = request.uri().query().unwrap();
    assert!(
        query.contains("StartedAfter=2024-01-02T03%3A04%3A05.500000Z"),
        "{query}"
    );
    assert!(
        query.contains("StartedBefore=2024-01-02T03%3A04%3A05Z"),
        "{query}"
    );
}

// ------------------------------------------------------------------ bodies

#[test]
fn requests_without_a_body_have_none() {
    for request in [
        GetFunction::new("f").build(&endpoint()).unwrap(),
        DeleteFunction::new("f").build(&endpoint()).unwrap(),
    ] {
        assert!(request.body().is_empty());
        assert!(!request.headers().contains_key("content-type"));
        assert!(!request.headers().contains_key("content-length"));
    }
}
