//! Property tests over every operation, driven by the model table:
//! - any valid input builds a request that a server-side decoder (written against the
//!   model's bindings, not the generated code) reads back as the same input;
//! - any output, encoded as the service would send it, parses back to the same value;
//! - parsing never panics on arbitrary responses;
//! - label values with reserved and non-ASCII characters never change the path structure.

use lambda_proto::dynamic::{self, OperationInfo};
use lambda_proto::endpoint::Endpoint;
use lambda_proto::model::{self, Location, ShapeKind};
use proptest::prelude::*;
use serde_json::{Map, Value};

use base64::Engine as _;

#[derive(Clone, Copy, PartialEq)]
enum Wire {
    Body,
    Label,
    Query,
    Header,
}

fn endpoint() -> Endpoint {
    Endpoint::parse("https://lambda.us-east-1.amazonaws.com").unwrap()
}

fn bounds(min: Option<f64>, max: Option<f64>, cap: usize) -> (usize, usize) {
    let lo = min.map(|m| m as usize).unwrap_or(0);
    let hi = max.map(|m| m as usize).unwrap_or(usize::MAX).min(lo + cap);
    (lo, hi.max(lo))
}

fn arb_char(wire: Wire) -> BoxedStrategy<char> {
    match wire {
        Wire::Header => (0x20u8..0x7f).prop_map(char::from).boxed(),
        _ => prop_oneof![
            3 => proptest::char::range('a', 'z'),
            2 => proptest::sample::select(vec!['/', '?', '#', '%', ':', ' ', '&', '=', '+', '.', '~', '"', '\\']),
            1 => proptest::sample::select(vec!['é', 'ß', '日', '𝄞', '\u{7f}', '\n']),
            1 => any::<char>(),
        ]
        .boxed(),
    }
}

fn arb_string(min: Option<f64>, max: Option<f64>, wire: Wire) -> BoxedStrategy<String> {
    let (lo, hi) = bounds(min, max, 12);
    let lo = if wire == Wire::Label { lo.max(1) } else { lo };
    let hi = hi.max(lo);
    proptest::collection::vec(arb_char(wire), lo..=hi)
        .prop_map(move |chars| {
            let s: String = chars.into_iter().collect();
            if wire == Wire::Header {
                // Header values are trimmed by HTTP; keep the ends visible.
                let t = s.trim().to_string();
                if t.len() < lo {
                    "x".repeat(lo.max(1))
                } else {
                    t
                }
            } else if wire == Wire::Label && matches!(s.as_str(), "." | "..") {
                // Dot segments are refused as labels (they would change the path).
                "x".repeat(s.len())
            } else {
                s
            }
        })
        .boxed()
}

fn arb_shape(name: &'static str, depth: u32, wire: Wire) -> BoxedStrategy<Value> {
    let s = model::shape(name).unwrap();
    match s.kind {
        ShapeKind::String => arb_string(s.min, s.max, wire)
            .prop_map(Value::String)
            .boxed(),
        ShapeKind::Enum(values) => proptest::sample::select(values)
            .prop_map(|v| Value::String(v.to_string()))
            .boxed(),
        ShapeKind::Integer => {
            let lo = s.min.map(|m| m as i64).unwrap_or(i32::MIN as i64);
            let hi = s.max.map(|m| m as i64).unwrap_or(i32::MAX as i64);
            (lo..=hi).prop_map(Value::from).boxed()
        }
        ShapeKind::Long => {
            let lo = s.min.map(|m| m as i64).unwrap_or(-(1 << 53));
            let hi = s.max.map(|m| m as i64).unwrap_or(1 << 53);
            (lo..=hi).prop_map(Value::from).boxed()
        }
        ShapeKind::Double | ShapeKind::Float => {
            let lo = s.min.unwrap_or(-1e9);
            let hi = s.max.unwrap_or(1e9);
            (lo..=hi)
                .prop_map(|f| Value::Number(serde_json::Number::from_f64(f).unwrap()))
                .boxed()
        }
        ShapeKind::Boolean => any::<bool>().prop_map(Value::Bool).boxed(),
        ShapeKind::Blob => {
            let (lo, hi) = bounds(s.min, s.max, 24);
            proptest::collection::vec(any::<u8>(), lo..=hi)
                .prop_map(|b| Value::String(base64::engine::general_purpose::STANDARD.encode(b)))
                .boxed()
        }
        ShapeKind::Timestamp => (0i64..4_000_000_000)
            .prop_map(|t| {
                let t = time::OffsetDateTime::from_unix_timestamp(t).unwrap();
                Value::String(
                    t.format(&time::format_description::well_known::Rfc3339)
                        .unwrap(),
                )
            })
            .boxed(),
        ShapeKind::List(item) => {
            let (lo, hi) = bounds(s.min, s.max, if depth > 2 { 1 } else { 3 });
            let item_wire = if wire == Wire::Query {
                Wire::Query
            } else {
                Wire::Body
            };
            proptest::collection::vec(arb_shape(item, depth + 1, item_wire), lo..=hi)
                .prop_map(Value::Array)
                .boxed()
        }
        ShapeKind::Map(key, value) => {
            let (lo, hi) = bounds(s.min, s.max, if depth > 2 { 1 } else { 3 });
            proptest::collection::btree_map(
                arb_shape(key, depth + 1, Wire::Body).prop_map(|k| k.as_str().unwrap().to_string()),
                arb_shape(value, depth + 1, Wire::Body),
                lo..=hi,
            )
            .prop_map(|m| Value::Object(m.into_iter().collect()))
            .boxed()
        }
        ShapeKind::Structure(_) => arb_structure(name, depth, false),
    }
}

/// A structure value; `output` selects the output rules (status code members, payloads).
fn arb_structure(name: &'static str, depth: u32, output: bool) -> BoxedStrategy<Value> {
    let s = model::shape(name).unwrap();
    let mut fields: Vec<BoxedStrategy<Option<(String, Value)>>> = Vec::new();
    for m in s.members() {
        let target = model::shape(m.shape).unwrap();
        if target.event_stream {
            continue;
        }
        let wire = match m.location {
            Location::Uri => Wire::Label,
            Location::Query => Wire::Query,
            Location::Header => Wire::Header,
            _ => Wire::Body,
        };
        let is_payload = s.payload == Some(m.name);
        let value: BoxedStrategy<Value> = if m.name == "ClientContext" && !output {
            // A prose rule: base64 of a JSON object (see lambda_proto::invoke).
            "[a-z]{0,12}"
                .prop_map(|v| {
                    let json = serde_json::json!({ "custom": { "k": v } }).to_string();
                    Value::String(base64::engine::general_purpose::STANDARD.encode(json))
                })
                .boxed()
        } else if m.location == Location::StatusCode {
            proptest::sample::select(vec![200u16, 202, 204])
                .prop_map(Value::from)
                .boxed()
        } else if is_payload && target.kind == ShapeKind::Blob {
            // An absent blob payload and an empty one are the same on the wire.
            proptest::collection::vec(any::<u8>(), 1..=32)
                .prop_map(|b| Value::String(base64::engine::general_purpose::STANDARD.encode(b)))
                .boxed()
        } else {
            arb_shape(m.shape, depth + 1, wire)
        };
        let name = m.name.to_string();
        let always = m.required
            || m.location == Location::Uri
            || (output && m.location == Location::StatusCode)
            || (output && is_payload && target.kind == ShapeKind::Blob);
        if always {
            fields.push(value.prop_map(move |v| Some((name.clone(), v))).boxed());
        } else if depth > 3 {
            continue;
        } else {
            fields.push(
                proptest::option::of(value)
                    .prop_map(move |v| v.map(|v| (name.clone(), v)))
                    .boxed(),
            );
        }
    }
    fields
        .prop_map(|fields| Value::Object(fields.into_iter().flatten().collect::<Map<_, _>>()))
        .boxed()
}

fn op_index() -> impl Strategy<Value = usize> {
    0..dynamic::operations().len()
}

fn info(i: usize) -> &'static OperationInfo {
    &dynamic::operations()[i]
}

fn arb_input() -> impl Strategy<Value = (usize, Value)> {
    op_index().prop_flat_map(|i| {
        let input = model::operation(info(i).name).unwrap().input;
        (Just(i), arb_structure(input, 0, false))
    })
}

fn arb_output() -> impl Strategy<Value = (usize, Value)> {
    op_index().prop_flat_map(|i| {
        let out = model::operation(info(i).name).unwrap().output;
        let strategy = match out {
            Some(out) => arb_structure(out, 0, true),
            None => Just(Value::Object(Map::new())).boxed(),
        };
        (Just(i), strategy)
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1500, ..ProptestConfig::default() })]

    #[test]
    fn every_input_survives_build_and_decode((i, input) in arb_input()) {
        let op = info(i);
        let mut expected = op.canonical_input(&input).map_err(|e| TestCaseError::fail(format!("{}: {e}", op.name)))?;
        // An absent structure payload is sent as `{}`: the server reads an empty structure.
        let shape = model::shape(model::operation(op.name).unwrap().input).unwrap();
        if let Some(payload) = shape.payload {
            let member = shape.members().iter().find(|m| m.name == payload).unwrap();
            if matches!(model::shape(member.shape).unwrap().kind, model::ShapeKind::Structure(_)) {
                expected.as_object_mut().unwrap().entry(payload).or_insert_with(|| Value::Object(Map::new()));
            }
        }
        let request = op.build(&input, &endpoint()).map_err(|e| TestCaseError::fail(format!("{e}")))?;
        let decoded = model::decode_request(op.name, &request)
            .map_err(|e| TestCaseError::fail(format!("{}: {e}; uri {}", op.name, request.uri())))?;
        let actual = op.canonical_input(&decoded).map_err(|e| TestCaseError::fail(format!("{}: {e}", op.name)))?;
        prop_assert_eq!(actual, expected, "{} {}", op.name, request.uri());
    }

    #[test]
    fn every_output_survives_encode_and_parse((i, output) in arb_output()) {
        let op = info(i);
        let expected = op.canonical_output(&output).map_err(|e| TestCaseError::fail(format!("{}: {e}", op.name)))?;
        let response = model::encode_response(op.name, &expected)
            .map_err(|e| TestCaseError::fail(format!("{}: {e}", op.name)))?;
        let parsed = op.parse(response).map_err(|e| TestCaseError::fail(format!("{}: {e}", op.name)))?;
        prop_assert_eq!(parsed, expected, "{}", op.name);
    }

    #[test]
    fn parse_never_panics(
        i in op_index(),
        status in 100u16..600,
        headers in proptest::collection::vec((
            proptest::sample::select(vec!["x-amzn-errortype", "x-amzn-requestid", "retry-after",
                "x-amz-retry-after", "x-amz-function-error", "x-amz-log-result",
                "x-amz-executed-version", "content-type"]),
            "[ -~]{0,40}"), 0..4),
        body in prop_oneof![
            proptest::collection::vec(any::<u8>(), 0..200),
            "\\{(\"[A-Za-z_]{1,12}\":(\"[ -~]{0,10}\"|[0-9]{1,5}|null|\\[\\]|\\{\\}|true),?){0,4}\\}".prop_map(String::into_bytes),
        ],
    ) {
        let mut builder = http::Response::builder().status(status);
        for (k, v) in headers {
            builder = builder.header(k, v);
        }
        let response = builder.body(body).unwrap();
        let _ = info(i).parse(response);
    }

    #[test]
    fn labels_never_change_the_path_structure(name in "[/?#%: a-zé日𝄞.~+&=]{1,40}", qualifier in "[/?#%: a-z&=]{1,20}") {
        let op = dynamic::find("GetFunction").unwrap();
        let built = op.build(&serde_json::json!({"FunctionName": name, "Qualifier": qualifier}), &endpoint());
        if name == "." || name == ".." {
            // A dot segment would change the path: refused.
            let err = built.unwrap_err();
            prop_assert_eq!(err.member(), "FunctionName");
            return Ok(());
        }
        let request = built.unwrap();
        let uri = request.uri();
        prop_assert_eq!(uri.path().split('/').count(), 4, "{}", uri);
        prop_assert!(uri.path().starts_with("/2015-03-31/functions/"));
        prop_assert_eq!(uri.query().map(|q| q.split('&').count()), Some(1), "{}", uri);
        let decoded = model::decode_request("GetFunction", &request).unwrap();
        prop_assert_eq!(&decoded["FunctionName"], &Value::String(name));
    }
}

#[test]
fn every_operation_builds_from_its_required_members() {
    assert_eq!(dynamic::operations().len(), 91);
    for op in dynamic::operations() {
        let shapes = model::operation(op.name).unwrap();
        let input = model::shape(shapes.input).unwrap();
        for m in input.members() {
            assert_eq!(
                op.required.contains(&m.name),
                m.required,
                "{}.{}",
                op.name,
                m.name
            );
        }
        let missing = op.build(&serde_json::json!({}), &endpoint());
        match op.required.first() {
            Some(first) => {
                let err = missing.unwrap_err();
                assert_eq!(err.member(), *first, "{}", op.name);
                assert_eq!(err.rule(), &lambda_proto::Rule::Required);
            }
            None => {
                let request = missing.unwrap();
                assert_eq!(request.method().as_str(), op.method, "{}", op.name);
            }
        }
    }
}
