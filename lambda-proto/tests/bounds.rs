//! Hostile input: resource bounds (nesting depth, large bodies parse in linear time) and
//! security properties (secrets never shown, header and URI injection refused, endpoint
//! URLs restricted to http(s) without user information).

use std::time::{Duration, Instant};

use lambda_proto::config;
use lambda_proto::credentials::Credentials;
use lambda_proto::endpoint::{Endpoint, EndpointErrorKind, EndpointParams};
use lambda_proto::event_stream::{Message, ResponseStreamDecoder, ResponseStreamEvent};
use lambda_proto::operations::{GetFunction, Invoke, InvokeWithResponseStream, ListFunctions};
use lambda_proto::sigv4::{Signer, SigningParams};
use lambda_proto::{dynamic, model, Error, Operation, Rule};
use percent_encoding::percent_decode_str;
use serde_json::{json, Value};

const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
const TOKEN: &str = "IQoJb3JpZ2luX2VjEHYaCXVzLWVhc3QtMSJHMEUCIQDexampletokenvalue0123456789";

fn endpoint() -> Endpoint {
    Endpoint::parse("https://lambda.us-east-1.amazonaws.com").unwrap()
}

fn ok_response(body: Vec<u8>) -> http::Response<Vec<u8>> {
    http::Response::builder().status(200).body(body).unwrap()
}

// ------------------------------------------------------------------------ nesting depth

/// Well-formed JSON nested `depth` levels: `[[[...]]]` or `{"a":{"a":...1}}`.
fn deep(open: &str, close: &str, depth: usize) -> Vec<u8> {
    let leaf = if close == "]" { "" } else { "1" };
    format!("{}{leaf}{}", open.repeat(depth), close.repeat(depth)).into_bytes()
}

fn wrapped(prefix: &str, inner: Vec<u8>, suffix: &str) -> Vec<u8> {
    [prefix.as_bytes(), &inner, suffix.as_bytes()].concat()
}

#[test]
fn deeply_nested_json_is_an_error_not_a_stack_overflow() {
    let arrays = deep("[", "]", 10_000);
    let objects = deep("{\"a\":", "}", 10_000);
    let refused = [
        arrays.clone(),
        wrapped("{\"Functions\":", arrays.clone(), "}"),
    ];
    for body in &refused {
        let shown = String::from_utf8_lossy(&body[..20]).into_owned();
        let typed = ListFunctions::parse(ok_response(body.clone()));
        assert!(
            matches!(typed, Err(Error::Response(_))),
            "typed parse of {shown}...: {typed:?}"
        );
        let op = dynamic::find("ListFunctions").unwrap();
        let dynamic = op.parse(ok_response(body.clone()));
        assert!(dynamic.is_err(), "dynamic parse accepted {shown}...");
    }
    // Unknown members are skipped without building them; deep ones must not crash either.
    for body in [
        objects.clone(),
        wrapped("{\"Unknown\":", arrays.clone(), "}"),
        wrapped("{\"NextMarker\":\"m\",\"Extra\":", objects.clone(), "}"),
    ] {
        let _ = ListFunctions::parse(ok_response(body.clone()));
        let _ = dynamic::find("ListFunctions")
            .unwrap()
            .parse(ok_response(body));
    }
}

#[test]
fn deeply_nested_error_bodies_and_stream_events_are_handled() {
    // Error responses whose body is 10,000 levels deep: still the service error.
    for body in [deep("[", "]", 10_000), deep("{\"message\":", "}", 10_000)] {
        let response = http::Response::builder()
            .status(404)
            .header("x-amzn-ErrorType", "ResourceNotFoundException")
            .body(body)
            .unwrap();
        let err = GetFunction::parse(response).unwrap_err();
        assert_eq!(err.code(), Some("ResourceNotFoundException"));
    }

    // An InvokeComplete event with a 10,000-deep payload: an error, not a crash.
    let message = Message::new(deep("{\"ErrorCode\":", "}", 10_000))
        .with_header(":message-type", "event")
        .with_header(":event-type", "InvokeComplete");
    let bytes = message.encode().unwrap();
    let mut decoder = ResponseStreamDecoder::new();
    let events: Vec<_> = decoder.feed(&bytes).collect();
    assert_eq!(events.len(), 1);
    assert!(events[0].is_err(), "{:?}", events[0]);
}

/// The other side of the bound: nesting well within serde_json's limit (128) parses, in an
/// unknown member of a typed output and in an error body; in the error body (read as a
/// `serde_json::Value`) 10,000 levels make the body unreadable, not the response.
#[test]
fn legal_nesting_depths_still_parse() {
    for (open, close) in [("[", "]"), ("{\"a\":", "}")] {
        let body = wrapped(
            "{\"Functions\":[{\"FunctionName\":\"f\",\"Extra\":",
            deep(open, close, 100),
            "}],\"NextMarker\":\"m\"}",
        );
        let out = ListFunctions::parse(ok_response(body.clone())).unwrap();
        let functions = out.functions.unwrap();
        assert_eq!(functions.len(), 1);
        assert_eq!(functions[0].function_name.as_deref(), Some("f"));
        assert_eq!(out.next_marker.as_deref(), Some("m"));
        let out = dynamic::find("ListFunctions")
            .unwrap()
            .parse(ok_response(body))
            .unwrap();
        assert_eq!(out["Functions"][0]["FunctionName"], "f");

        let error_body = |depth| {
            let body = wrapped(
                "{\"code\":\"Boom\",\"message\":\"m\",\"Extra\":",
                deep(open, close, depth),
                "}",
            );
            let response = http::Response::builder().status(400).body(body).unwrap();
            match GetFunction::parse(response).unwrap_err() {
                Error::Service(e) => {
                    assert_eq!(e.status(), 400);
                    (e.code().to_string(), e.message().to_string())
                }
                other => panic!("not a service error: {other:?}"),
            }
        };
        assert_eq!(error_body(100), ("Boom".into(), "m".into()));
        // Too deep to read as JSON: the status is the code and the text the message.
        let (code, message) = error_body(10_000);
        assert_eq!(code, "400");
        assert!(message.starts_with(r#"{"code":"Boom""#), "{message:.40}");
    }
}

// ------------------------------------------------------------------------ linear time

/// The fastest of a few runs: the least noisy estimate of the cost.
fn best_of<T>(runs: usize, mut f: impl FnMut() -> T) -> Duration {
    (0..runs)
        .map(|_| {
            let start = Instant::now();
            std::hint::black_box(f());
            start.elapsed()
        })
        .min()
        .unwrap()
}

/// Asserts that ten times the input costs at most ten times as long, with a wide slack
/// (so that only super-linear growth fails, never scheduling noise) and a small floor
/// for inputs too fast to time.
fn assert_linear(what: &str, small: Duration, large: Duration) {
    const SLACK: u32 = 5;
    let budget = small * 10 * SLACK + Duration::from_millis(20);
    assert!(
        large <= budget,
        "{what}: 10x input took {large:?}, more than {budget:?} (1x took {small:?})"
    );
}

fn payload(len: usize) -> Vec<u8> {
    (0..len).map(|i| b"{}[]\"ab\\,:0"[i % 11]).collect()
}

#[test]
fn a_6_mb_invoke_payload_parses_in_linear_time() {
    const MB6: usize = 6 * 1024 * 1024;
    let parse = |len: usize| {
        let body = payload(len);
        move || {
            let out = Invoke::parse(ok_response(body.clone())).unwrap();
            assert_eq!(out.payload.as_ref().map(Vec::len), Some(len));
            out
        }
    };
    let small = best_of(5, parse(MB6 / 10));
    let large = best_of(5, parse(MB6));
    assert_linear("Invoke::parse", small, large);

    let op = dynamic::find("Invoke").unwrap();
    let small = best_of(3, || op.parse(ok_response(payload(MB6 / 10))).unwrap());
    let large = best_of(3, || op.parse(ok_response(payload(MB6))).unwrap());
    assert_linear("dynamic Invoke parse", small, large);
}

fn list_functions_body(items: usize) -> Vec<u8> {
    let functions: Vec<Value> = (0..items)
        .map(|i| {
            json!({
                "FunctionName": format!("function-{i}"),
                "FunctionArn": format!("arn:aws:lambda:us-east-1:123456789012:function:function-{i}"),
                "Runtime": "python3.12",
                "MemorySize": 128,
                "LastModified": "2024-01-02T03:04:05.000+0000",
                "Environment": {"Variables": {"K": "V"}},
            })
        })
        .collect();
    serde_json::to_vec(&json!({"Functions": functions, "NextMarker": "m"})).unwrap()
}

#[test]
fn a_100k_item_list_functions_body_parses_in_linear_time() {
    let small_body = list_functions_body(10_000);
    let large_body = list_functions_body(100_000);
    let parse = |body: &Vec<u8>| {
        let out = ListFunctions::parse(ok_response(body.clone())).unwrap();
        out.functions.map(|f| f.len())
    };
    assert_eq!(parse(&large_body), Some(100_000));
    let small = best_of(3, || parse(&small_body));
    let large = best_of(2, || parse(&large_body));
    assert_linear("ListFunctions::parse", small, large);
}

#[test]
fn a_6_mb_stream_chunk_decodes_in_linear_time() {
    let decode = |len: usize| {
        let message = Message::new(payload(len))
            .with_header(":message-type", "event")
            .with_header(":event-type", "PayloadChunk");
        let bytes = message.encode().unwrap();
        move || {
            let mut decoder = ResponseStreamDecoder::new();
            let mut got = 0;
            for piece in bytes.chunks(1024) {
                for event in decoder.feed(piece) {
                    if let Ok(ResponseStreamEvent::PayloadChunk(c)) = event {
                        got += c.len();
                    }
                }
            }
            assert_eq!(got, len);
        }
    };
    let small = best_of(5, decode(600 * 1024));
    let large = best_of(3, decode(6 * 1024 * 1024));
    assert_linear("event-stream decoding in 1 KiB reads", small, large);
}

// ------------------------------------------------------------------------ secrets

fn assert_hidden(what: &str, shown: &str) {
    for secret in [SECRET, "EXAMPLEKEY", TOKEN, "exampletokenvalue"] {
        assert!(!shown.contains(secret), "{what} shows a secret: {shown}");
    }
}

#[test]
fn credentials_debug_hides_the_secret_and_the_token() {
    let creds = Credentials::new("AKIDEXAMPLE", SECRET, Some(TOKEN.into()), None);
    assert_hidden("Credentials Debug", &format!("{creds:?}"));
    assert_hidden("Credentials Debug", &format!("{creds:#?}"));
    assert!(format!("{creds:?}").contains("AKIDEXAMPLE"));
}

fn signed_invoke(token: Option<&str>) -> (http::Request<bytes::Bytes>, String) {
    let creds = Credentials::new("AKIDEXAMPLE", SECRET, token.map(str::to_string), None);
    let time = time::macros::datetime!(2024-01-02 03:04:05 UTC);
    let params = SigningParams::new(&creds, "us-east-1", "lambda", time);
    let mut request = Invoke::new("f")
        .payload(b"{}".to_vec())
        .build(&endpoint())
        .unwrap();
    Signer::new().sign(&mut request, &params).unwrap();
    let auth = request.headers()["authorization"]
        .to_str()
        .unwrap()
        .to_string();
    let signature = auth.rsplit("Signature=").next().unwrap().to_string();
    assert_eq!(signature.len(), 64);
    (request, signature)
}

#[test]
fn a_signed_request_debug_hides_signature_and_token() {
    let (request, signature) = signed_invoke(Some(TOKEN));
    assert!(request.headers()["authorization"].is_sensitive());
    assert!(request.headers()["x-amz-security-token"].is_sensitive());
    for shown in [
        format!("{request:?}"),
        format!("{request:#?}"),
        format!("{:?}", request.headers()),
    ] {
        assert_hidden("signed request Debug", &shown);
        assert!(!shown.contains(&signature), "signature in {shown}");
        assert!(
            shown.contains("x-amz-date"),
            "Debug shows the headers: {shown}"
        );
    }
}

#[test]
fn errors_never_show_the_secret_or_the_token() {
    // Signing with a token HTTP cannot carry.
    let bad_token = format!("{TOKEN}\r\n");
    let creds = Credentials::new("AKIDEXAMPLE", SECRET, Some(bad_token), None);
    let time = time::macros::datetime!(2024-01-02 03:04:05 UTC);
    let params = SigningParams::new(&creds, "us-east-1", "lambda", time);
    let mut request = GetFunction::new("f").build(&endpoint()).unwrap();
    let err = Signer::new().sign(&mut request, &params).unwrap_err();
    assert_hidden("signing error", &format!("{err} {err:?}"));

    // Configuration errors about credentials: half pairs, malformed lines.
    let env_none = |_: &str| None;
    let env_secret = |name: &str| match name {
        "AWS_SECRET_ACCESS_KEY" => Some(SECRET.to_string()),
        "AWS_SESSION_TOKEN" => Some(TOKEN.to_string()),
        _ => None,
    };
    let half_pair = format!("[default]\naws_secret_access_key = {SECRET}\n");
    let no_equals = format!("[default]\naws_secret_access_key {SECRET}\n");
    let bare_token = format!("[default]\n{TOKEN}\n");
    type Env<'a> = &'a dyn Fn(&str) -> Option<String>;
    let cases: [(Env, Option<&str>, Option<&str>); 4] = [
        (&env_none, None, Some(&half_pair)),
        (&env_none, None, Some(&no_equals)),
        (&env_none, Some(&bare_token), None),
        (&env_secret, None, None),
    ];
    for (i, (env, config_file, credentials_file)) in cases.into_iter().enumerate() {
        let err = config::resolve(env, config_file, credentials_file)
            .and_then(|c| c.require_credentials().cloned())
            .expect_err("an incomplete or malformed key pair is an error");
        assert_hidden(&format!("config error {i}"), &format!("{err} {err:?}"));
    }

    // Endpoint URLs with a password in them.
    let err = Endpoint::parse(&format!("https://user:{SECRET}@example.com")).unwrap_err();
    assert_hidden("endpoint error", &format!("{err} {err:?}"));
    let params =
        EndpointParams::new("us-east-1").with_endpoint(format!("https://u:{SECRET}@x.com"));
    assert_hidden("EndpointParams Debug", &format!("{params:?}"));
}

// ------------------------------------------------------------------------ header injection

const BAD_HEADER_VALUES: &[&str] = &[
    "a\r\nb",
    "a\nX-Injected: 1",
    "a\rb",
    "a\0b",
    "a\x7fb",
    "\x1b[31m",
];

#[test]
fn header_values_with_line_breaks_or_controls_are_refused_at_build_time() {
    // `ClientContext` must also be base64 JSON, which no value with a control character
    // is: whichever rule refuses it, the error names the member.
    for bad in BAD_HEADER_VALUES {
        let err = Invoke::new("f")
            .client_context(*bad)
            .build(&endpoint())
            .unwrap_err();
        assert_eq!(
            (err.operation(), err.member()),
            ("Invoke", "ClientContext"),
            "{bad:?}"
        );
        let err = InvokeWithResponseStream::new("f")
            .client_context(*bad)
            .build(&endpoint())
            .unwrap_err();
        assert_eq!(err.member(), "ClientContext", "{bad:?}");
    }
    let request = Invoke::new("f")
        .client_context("eyJhIjoxfQ==")
        .build(&endpoint())
        .unwrap();
    assert_eq!(request.headers()["x-amz-client-context"], "eyJhIjoxfQ==");
}

/// `(operation, member, a valid value, is an enum)` for every string member bound to a
/// header in an operation's input, read from the model file itself rather than the
/// generated tables. An enum member's valid value is its first enum value.
fn string_header_members_of_the_model() -> Vec<(String, String, String, bool)> {
    let text = include_str!("../model/service-2.json");
    let model: Value = serde_json::from_str(text).unwrap();
    let shapes = &model["shapes"];
    let mut out = Vec::new();
    for (op, def) in model["operations"].as_object().unwrap() {
        let Some(input) = def["input"]["shape"].as_str() else {
            continue;
        };
        for (name, member) in shapes[input]["members"].as_object().unwrap() {
            let target = &shapes[member["shape"].as_str().unwrap()];
            if member["location"] == "header" && target["type"] == "string" {
                let value = target["enum"][0].as_str();
                let is_enum = value.is_some();
                let value = value.unwrap_or("value").to_string();
                out.push((op.clone(), name.clone(), value, is_enum));
            }
        }
    }
    out.sort();
    out
}

/// Members whose values follow a rule the model states in prose only, with a valid value:
/// `ClientContext` is base64 of JSON (this is `{"a":1}`).
const FORMATTED_HEADER_MEMBERS: &[(&str, &str)] = &[("ClientContext", "eyJhIjoxfQ==")];

/// Every string header member of every operation refuses CR/LF, naming the member. The
/// members checked are those of the model file, each one or the test fails: none is skipped.
#[test]
fn every_string_header_member_refuses_line_breaks() {
    let expected = string_header_members_of_the_model();
    assert!(
        !expected.is_empty(),
        "no string header member in the model file"
    );
    for (op, member, value, is_enum) in &expected {
        let info = dynamic::find(op).unwrap();
        let input = model::shape(model::operation(op).unwrap().input).unwrap();
        // A minimal valid input: every required member is a string label or header.
        let mut base = serde_json::Map::new();
        for m in input.members().iter().filter(|m| m.required) {
            let kind = model::shape(m.shape).map(|s| s.kind);
            assert_eq!(kind, Some(model::ShapeKind::String), "{op}.{}", m.name);
            base.insert(m.name.into(), json!("x"));
        }
        let m = input.members().iter().find(|m| m.name == member).unwrap();
        assert_eq!(m.location, model::Location::Header, "{op}.{member}");
        let formatted = FORMATTED_HEADER_MEMBERS.iter().find(|(n, _)| n == member);
        let value = formatted.map_or(value.as_str(), |(_, v)| v);

        let mut good = base.clone();
        good.insert(member.clone(), json!(value));
        let request = info
            .build(&Value::Object(good), &endpoint())
            .unwrap_or_else(|e| panic!("{op}.{member} = {value:?}: {e}"));
        assert_eq!(request.headers()[m.location_name], value, "{op}.{member}");

        let mut bad = base.clone();
        bad.insert(member.clone(), json!(format!("{value}\r\nX-Injected: 1")));
        let err = info.build(&Value::Object(bad), &endpoint()).unwrap_err();
        assert_eq!(err.member(), member, "{op}");
        // A rule of the member's own refuses the value first where it has one (base64
        // has no CR or LF); enums are open, so the header rule refuses theirs.
        let _ = is_enum;
        if formatted.is_some() {
            assert!(
                matches!(err.rule(), Rule::Custom(_)),
                "{op}.{member}: {err}"
            );
        } else {
            assert_eq!(err.rule(), &Rule::HeaderValue, "{op}.{member}");
        }
    }

    // The generated tables know the same members (enums are a kind of their own there).
    let mut generated = Vec::new();
    for info in dynamic::operations() {
        let input = model::shape(model::operation(info.name).unwrap().input).unwrap();
        for m in input.members() {
            let kind = model::shape(m.shape).map(|s| s.kind);
            let text = matches!(
                kind,
                Some(model::ShapeKind::String | model::ShapeKind::Enum(_))
            );
            if m.location == model::Location::Header && text {
                generated.push((info.name.to_string(), m.name.to_string()));
            }
        }
    }
    generated.sort();
    let in_model: Vec<(String, String)> = expected
        .into_iter()
        .map(|(op, member, ..)| (op, member))
        .collect();
    assert_eq!(generated, in_model);
}

// ------------------------------------------------------------------------ URI injection

const HOSTILE_LABELS: &[&str] = &[
    "a/b",
    "../../2015-03-31/functions",
    "./.",
    "f?Qualifier=evil",
    "f#frag",
    "f&x=1",
    "f%2F..%2Fg",
    "f;x",
    "f g",
    "f\\g",
    "fé日",
    "//",
    "f\r\nHost: evil",
];

#[test]
fn labels_never_add_path_segments_or_query_parameters() {
    for label in HOSTILE_LABELS {
        for qualifier in ["live", "v1&Marker=x", "a/b?c#d"] {
            let request = GetFunction::new(*label)
                .qualifier(qualifier)
                .build(&endpoint())
                .unwrap();
            let uri = request.uri();
            let segments: Vec<&str> = uri.path().split('/').collect();
            assert_eq!(segments.len(), 4, "{label:?}: path {}", uri.path());
            assert_eq!(segments[..3], ["", "2015-03-31", "functions"], "{label:?}");
            let decoded = percent_decode_str(segments[3]).decode_utf8().unwrap();
            assert_eq!(decoded, *label, "{label:?}: path {}", uri.path());

            let query = uri.query().unwrap_or_default();
            let pairs: Vec<&str> = query.split('&').collect();
            assert_eq!(pairs.len(), 1, "{label:?}/{qualifier:?}: query {query}");
            let (key, value) = pairs[0].split_once('=').unwrap();
            assert_eq!(key, "Qualifier");
            assert_eq!(percent_decode_str(value).decode_utf8().unwrap(), qualifier);
            // What a server reads back is what was given.
            let read = model::decode_request("GetFunction", &request).unwrap();
            assert_eq!(read, json!({"FunctionName": label, "Qualifier": qualifier}));
        }
    }
}

#[test]
fn dot_segment_labels_are_refused() {
    // Servers and the SigV4 canonical URI remove `.` and `..` segments: sent as they are,
    // they would address another resource than the one named.
    for label in [".", ".."] {
        let err = GetFunction::new(label).build(&endpoint()).unwrap_err();
        assert_eq!(err.member(), "FunctionName", "{label:?}");
        let err = dynamic::find("GetFunction")
            .unwrap()
            .build(&json!({"FunctionName": label}), &endpoint())
            .unwrap_err();
        assert_eq!(err.member(), "FunctionName", "{label:?}");
    }
    // Dots inside a label are ordinary characters.
    for label in ["...", ".a", "a..b"] {
        let request = GetFunction::new(label).build(&endpoint()).unwrap();
        assert!(request.uri().path().ends_with(&format!("/{label}")));
    }
}

#[test]
fn empty_labels_are_refused() {
    let err = GetFunction::new("").build(&endpoint()).unwrap_err();
    assert_eq!(err.member(), "FunctionName");
}

// ------------------------------------------------------------------------ endpoint URLs

#[test]
fn endpoint_urls_must_be_http_or_https_without_user_information() {
    let refused = [
        "ftp://example.com",
        "file:///etc/passwd",
        "javascript:alert(1)",
        "ws://example.com",
        "httpx://example.com",
        "//example.com",
        "example.com",
        "https://user@example.com",
        "https://user:password@example.com",
        "http://good.example.com@evil.example.com",
        "HTTPS://a:b@example.com:443/x",
        "https://@example.com",
        "https://example.com?x=1",
        "https://example.com#x",
    ];
    for url in refused {
        let err = Endpoint::parse(url).expect_err(url);
        assert_eq!(err.kind(), EndpointErrorKind::InvalidUrl, "{url}");
        if url.contains('@') {
            assert!(err.message().contains("user information"), "{url}: {err}");
        }
        let resolved =
            lambda_proto::endpoint::resolve(&EndpointParams::default().with_endpoint(url));
        assert!(resolved.is_err(), "{url} resolved to {resolved:?}");
    }
    for url in [
        "http://localhost:9001",
        "https://lambda.example.com/base",
        "HTTP://[::1]:1",
    ] {
        let e = Endpoint::parse(url).expect(url);
        assert!(matches!(e.scheme(), "http" | "https"), "{url}");
    }
}
