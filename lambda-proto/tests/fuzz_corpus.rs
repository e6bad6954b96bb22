//! Replays the committed fuzz corpora (`fuzz/corpus/<target>/`) through the fuzz target
//! bodies, so every seed and every crash case added there is checked on stable by
//! `cargo test`.
//!
//! `cargo test -p lambda-proto --test fuzz_corpus -- --ignored write_seed_corpus`
//! regenerates the generated seeds (files named `gen-*`); hand-made seeds and crash cases
//! are left alone.

#[allow(dead_code)]
#[path = "../../fuzz/src/targets.rs"]
mod targets;

use std::path::{Path, PathBuf};

use lambda_proto::event_stream::Message;
use lambda_proto::{dynamic, model};

fn corpus_dir(target: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fuzz/corpus")
        .join(target)
}

fn replay(target: &str) -> usize {
    let (_, run) = targets::TARGETS
        .iter()
        .find(|(name, _)| *name == target)
        .expect("a known target");
    let dir = corpus_dir(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("a directory entry").path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    for file in &files {
        let data = std::fs::read(file).expect("a readable corpus file");
        let outcome = std::panic::catch_unwind(|| run(&data));
        assert!(outcome.is_ok(), "{target}: {} fails", file.display());
    }
    files.len()
}

macro_rules! replay_tests {
    ($($name:ident),*) => {$(
        #[test]
        fn $name() {
            let n = replay(stringify!($name));
            assert!(n >= 5, "{}: only {n} corpus files", stringify!($name));
        }
    )*};
}

replay_tests!(
    parse_response,
    error_response,
    event_stream,
    profile,
    endpoint,
    sigv4,
    json_roundtrip,
    credentials,
    proxy
);

#[test]
fn every_target_has_a_corpus_and_a_fuzz_binary() {
    let manifest = include_str!("../../fuzz/Cargo.toml");
    for (name, _) in targets::TARGETS {
        assert!(corpus_dir(name).is_dir(), "no corpus for {name}");
        assert!(
            manifest.contains(&format!("name = \"{name}\"")),
            "no fuzz binary for {name}"
        );
    }
}

// ------------------------------------------------------------------------ seed generator

fn write(target: &str, name: &str, data: &[u8]) {
    let dir = corpus_dir(target);
    std::fs::create_dir_all(&dir).expect("corpus directory");
    std::fs::write(dir.join(format!("gen-{name}")), data).expect("corpus file written");
}

/// The model's examples with an output, as `(operation, output)`.
fn example_outputs() -> Vec<(String, serde_json::Value)> {
    let text = include_str!("../model/examples-1.json");
    let doc: serde_json::Value = serde_json::from_str(text).expect("examples JSON");
    let mut out = Vec::new();
    for (op, examples) in doc["examples"].as_object().expect("examples object") {
        for example in examples.as_array().into_iter().flatten() {
            if let Some(output) = example.get("output") {
                out.push((op.clone(), output.clone()));
            }
        }
    }
    out
}

fn frame(message: &Message) -> Vec<u8> {
    message.encode().expect("a seed message encodes")
}

#[test]
#[ignore = "writes the generated seed corpus"]
fn write_seed_corpus() {
    // Outputs of the model's examples, encoded as the service sends them.
    for (i, (op, output)) in example_outputs().iter().enumerate() {
        let info = dynamic::find(op).expect("an example's operation exists");
        let Ok(canonical) = info.canonical_output(output) else {
            continue;
        };
        let Ok(response) = model::encode_response(op, &canonical) else {
            continue;
        };
        let index = targets::operation_index(op).expect("an operation index");
        let status = response.status().as_u16() - 100;
        let mut data = vec![index];
        data.extend_from_slice(&status.to_be_bytes());
        data.extend(targets::write_head_and_body(&response));
        write("parse_response", &format!("{i:02}-{op}"), &data);

        let mut json = vec![index];
        json.extend(serde_json::to_vec(&canonical).expect("JSON"));
        write("json_roundtrip", &format!("{i:02}-{op}"), &json);
    }

    // Error responses: the Lambda error shapes, the code in the header or the body.
    let get_function = targets::operation_index("GetFunction").expect("GetFunction");
    let invoke = targets::operation_index("Invoke").expect("Invoke");
    let errors: [(&str, u8, u8, &str); 6] = [
        (
            "not-found-header",
            get_function,
            4,
            "x-amzn-ErrorType: ResourceNotFoundException:http://internal.amazon.com/\n\
             x-amzn-RequestId: 7c2f7b4b-0000-4000-8000-000000000000\n\n\
             {\"Type\":\"User\",\"Message\":\"Function not found: arn:aws:lambda:us-east-1:123456789012:function:f\"}",
        ),
        (
            "throttled-body-type",
            invoke,
            29,
            "retry-after: 2\n\n{\"__type\":\"com.amazonaws.lambda#TooManyRequestsException\",\"message\":\"Rate exceeded\",\"retryAfterSeconds\":\"2\",\"Reason\":\"CallerRateLimitExceeded\"}",
        ),
        (
            "service-exception-code",
            invoke,
            100,
            "x-amz-retry-after: 1500\n\n{\"code\":\"ServiceException\",\"Message\":\"internal\"}",
        ),
        ("empty", invoke, 2, "\n"),
        ("not-json", get_function, 3, "content-type: text/html\n\n<html>Forbidden</html>"),
        (
            "unhandled-invoke",
            invoke,
            2,
            "x-amzn-ErrorType: EC2ThrottledException\n\n{\"Type\":\"Server\",\"message\":5}",
        ),
    ];
    for (name, op, status, rest) in errors {
        let mut data = vec![op, status];
        data.extend_from_slice(rest.as_bytes());
        write("error_response", name, &data);
    }

    // Event streams: Lambda's events, an exception, an error, and broken frames.
    let event = |t: &str, payload: &[u8]| {
        Message::new(payload.to_vec())
            .with_header(":message-type", "event")
            .with_header(":event-type", t)
            .with_header(":content-type", "application/octet-stream")
    };
    let chunk = frame(&event("PayloadChunk", b"{\"hello\":"));
    let chunk2 = frame(&event("PayloadChunk", "\"w\u{f6}rld\"}".as_bytes()));
    let complete = frame(&event(
        "InvokeComplete",
        b"{\"ErrorCode\":\"Unhandled\",\"ErrorDetails\":\"boom\",\"LogResult\":\"U1RBUlQ=\"}",
    ));
    let exception = frame(
        &Message::new(b"{\"message\":\"function timed out\"}".to_vec())
            .with_header(":message-type", "exception")
            .with_header(":exception-type", "ServiceException"),
    );
    let error = frame(
        &Message::new(Vec::new())
            .with_header(":message-type", "error")
            .with_header(":error-code", "InternalFailure")
            .with_header(":error-message", "try again"),
    );
    let all_types = frame(
        &Message::new(b"x".to_vec())
            .with_header("b0", true)
            .with_header("b1", false)
            .with_header("i8", -3i8)
            .with_header("i16", 300i16)
            .with_header("i32", -70_000i32)
            .with_header("i64", 1i64 << 40)
            .with_header("bytes", vec![0u8, 255, 7])
            .with_header("str", "text")
            .with_header(
                "ts",
                lambda_proto::event_stream::HeaderValue::Timestamp(1_700_000_000_000),
            )
            .with_header("uuid", [7u8; 16]),
    );
    let stream = [chunk.clone(), chunk2.clone(), complete.clone()].concat();
    let mut bad_crc = chunk.clone();
    if let Some(last) = bad_crc.last_mut() {
        *last ^= 1;
    }
    let seeds: [(&str, u8, Vec<u8>); 9] = [
        ("stream-whole", 0, stream.clone()),
        ("stream-chunked", 7, stream.clone()),
        ("truncated", 3, stream[..stream.len() - 5].to_vec()),
        ("exception", 1, [chunk.clone(), exception].concat()),
        ("error", 9, error),
        ("all-header-types", 0, all_types),
        ("bad-crc", 0, bad_crc),
        ("empty-message", 2, frame(&Message::new(Vec::new()))),
        ("no-complete", 5, [chunk, chunk2].concat()),
    ];
    for (name, seed, bytes) in seeds {
        let mut data = vec![seed];
        data.extend(bytes);
        write("event_stream", name, &data);
    }
}

/// The hand-made credential seeds are real answers: each good one parses.
#[test]
fn credential_seeds_are_valid_answers() {
    use lambda_proto::credentials::{container, imds, process, sso, sts, ProcessOutput};
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus/credentials");
    let read = |name: &str| {
        let data = std::fs::read(dir.join(name)).expect("seed file");
        let at = data
            .windows(2)
            .position(|w| w == b"\n\n")
            .expect("head and body");
        data[at + 2..].to_vec()
    };
    let ok = |body: Vec<u8>| http::Response::builder().status(200).body(body).unwrap();
    let now = time::macros::datetime!(2024-06-01 12:00 UTC);
    assert!(imds::parse_token(&ok(read("imds-token"))).is_ok());
    assert_eq!(
        imds::parse_role(&ok(read("imds-role"))).unwrap(),
        "my-instance-role"
    );
    for creds in [
        imds::parse_credentials(&ok(read("imds-credentials")), "r").unwrap(),
        container::parse_response(&ok(read("container"))).unwrap(),
        sts::parse_response(&ok(read("sts")), "AssumeRole").unwrap(),
        sso::parse_response(&ok(read("sso-portal")), "aws sso login").unwrap(),
        process::parse_output(
            &ProcessOutput {
                exit_code: Some(0),
                stdout: read("process"),
                stderr: vec![],
            },
            now,
        )
        .unwrap(),
    ] {
        assert_eq!(creds.access_key_id(), "ASIAFUZZEXAMPLE");
        assert_eq!(creds.secret_access_key(), "fuzzsecretvalue");
    }
    let token = String::from_utf8(read("sso-cache")).unwrap();
    assert_eq!(
        sso::parse_cached_token(&token, now, "aws sso login").unwrap(),
        "fuzzaccesstoken"
    );
    let expired = String::from_utf8(read("sso-cache-expired")).unwrap();
    assert!(sso::parse_cached_token(&expired, now, "aws sso login")
        .unwrap_err()
        .to_string()
        .contains("aws sso login"));
}

// ------------------------------------------------------------------------ sigv4 oracle

fn suite_file(case: &str, file: &str) -> Option<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/vectors/sigv4")
        .join(case)
        .join(file);
    let text = std::fs::read_to_string(path).ok()?;
    Some(
        text.replace("\r\n", "\n")
            .trim_end_matches('\n')
            .to_string(),
    )
}

/// A request file of the suite: `(method, target, headers, body)`; a continuation line is
/// joined to its header with a space.
fn suite_request(text: &str) -> (String, String, Vec<(String, String)>, String) {
    let (head, body) = text.split_once("\n\n").unwrap_or((text, ""));
    let mut lines = head.lines();
    let line = lines.next().expect("a request line");
    let line = line.strip_suffix(" HTTP/1.1").unwrap_or(line);
    let (method, target) = line.split_once(' ').expect("method and target");
    let mut headers: Vec<(String, String)> = Vec::new();
    for line in lines {
        if line.starts_with([' ', '\t']) {
            let last = headers.last_mut().expect("a header before a continuation");
            last.1 = format!("{} {line}", last.1);
        } else {
            let (name, value) = line.split_once(':').expect("a header line");
            headers.push((name.to_string(), value.to_string()));
        }
    }
    (method.into(), target.into(), headers, body.into())
}

/// The `sigv4` target's oracle gives the suite's canonical request, string to sign,
/// signature and `Authorization` header for every case a non-S3 service signs (those of
/// `sigv4_vectors.rs`: the normalized ones; `get-space-normalized` contradicts double
/// encoding, and `double-encode-path` disagrees with itself on the time, so only their
/// canonical paths are checked).
#[test]
fn sigv4_oracle_agrees_with_the_suite() {
    use targets::sigv4_oracle;
    const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    let suite = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/sigv4");
    // (case, access key id, secret, region, service, token signed)
    let mut cases: Vec<(String, String, String, String, String, bool)> = Vec::new();
    for entry in std::fs::read_dir(&suite).expect("the suite") {
        let case = entry
            .expect("an entry")
            .file_name()
            .to_string_lossy()
            .into_owned();
        let Some(context) = suite_file(&case, "context.json") else {
            continue;
        };
        let c: serde_json::Value = serde_json::from_str(&context).expect("context JSON");
        if c["normalize"] == false || case == "get-space-normalized" {
            continue;
        }
        let s = |v: &serde_json::Value| v.as_str().expect("a string").to_string();
        cases.push((
            case,
            s(&c["credentials"]["access_key_id"]),
            s(&c["credentials"]["secret_access_key"]),
            s(&c["region"]),
            s(&c["service"]),
            c["omit_session_token"] != true,
        ));
    }
    let lambda = ("AKIDEXAMPLE", SECRET, "us-east-2", "lambda");
    cases.push((
        "double-url-encode".into(),
        lambda.0.into(),
        lambda.1.into(),
        lambda.2.into(),
        lambda.3.into(),
        true,
    ));
    cases.sort();
    assert_eq!(cases.len(), 31, "cases: {cases:?}");

    for (case, akid, secret, region, service, token_signed) in &cases {
        let signed = suite_file(case, "header-signed-request.txt").expect("a signed request");
        let (method, target, headers, body) = suite_request(&signed);
        let (path, query) = target.split_once('?').unwrap_or((&target, ""));
        let find = |name: &str| {
            headers
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.trim().to_string())
        };
        let amz_date = find("x-amz-date").expect("an X-Amz-Date header");
        let request = sigv4_oracle::Request {
            method: &method,
            path,
            query,
            headers: headers
                .iter()
                .filter(|(n, _)| {
                    !n.eq_ignore_ascii_case("authorization")
                        && (*token_signed || !n.eq_ignore_ascii_case("x-amz-security-token"))
                })
                .map(|(n, v)| (n.as_str(), v.as_bytes()))
                .collect(),
            body: body.as_bytes(),
            amz_date: &amz_date,
            access_key_id: akid,
            secret_access_key: secret,
            region,
            service,
        };
        let out = sigv4_oracle::sign(&request).expect("the oracle signs every case");
        let file = |name: &str| suite_file(case, name);
        assert_eq!(
            Some(out.canonical_request),
            file("header-canonical-request.txt"),
            "{case}"
        );
        if let Some(expected) = file("header-string-to-sign.txt") {
            assert_eq!(out.string_to_sign, expected, "{case}");
        }
        if let Some(expected) = file("header-signature.txt") {
            assert_eq!(out.signature, expected.trim(), "{case}");
        }
        assert_eq!(Some(out.authorization), find("authorization"), "{case}");
    }

    let path_line = |case: &str| {
        let creq = suite_file(case, "header-canonical-request.txt").expect("a canonical request");
        creq.lines().nth(1).expect("a path line").to_string()
    };
    // As the original suite had it: a raw space in the path.
    let path = sigv4_oracle::canonical_uri("/example space/");
    assert_eq!(path, path_line("get-space-normalized"));
    let request = suite_file("double-encode-path", "request.txt").expect("a request");
    let (_, target, ..) = suite_request(&request);
    let path = sigv4_oracle::canonical_uri(&target);
    assert_eq!(path, path_line("double-encode-path"));
}

// ------------------------------------------------------------------------ moto seeds

/// The `moto-*` seeds of `parse_response` (written by `scripts/capture-moto-seeds.py`) are
/// real answers of the operation their name says, and parse to what the script set up.
#[test]
fn moto_seeds_are_real_answers() {
    // (file, operation, JSON pointer into the output, text its value contains)
    let answers = [
        (
            "GetFunction",
            "GetFunction",
            "/Configuration/FunctionName",
            "seed-function",
        ),
        (
            "ListFunctions",
            "ListFunctions",
            "/Functions/0/Handler",
            "index.handler",
        ),
        ("GetAlias", "GetAlias", "/Name", "live"),
        ("GetPolicy", "GetPolicy", "/Policy", "seed-permission"),
        ("ListTags", "ListTags", "/Tags/team", "fuzz"),
        ("Invoke", "Invoke", "/StatusCode", "200"),
    ];
    let read = |file: &str| {
        let path = corpus_dir("parse_response").join(format!("moto-{file}"));
        let data = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        targets::parse_response_input(&data).expect("a response")
    };
    for (file, operation, pointer, expected) in answers {
        let (op, response) = read(file);
        assert_eq!(op.name, operation, "{file}");
        let output = op.parse(response).unwrap_or_else(|e| panic!("{file}: {e}"));
        let value = output
            .pointer(pointer)
            .unwrap_or_else(|| panic!("{file}: {output}"));
        assert!(value.to_string().contains(expected), "{file}: {value}");
    }

    let (op, response) = read("GetFunction-not-found");
    assert_eq!(op.name, "GetFunction");
    let err = op.parse(response).unwrap_err();
    let lambda_proto::Error::Service(e) = *err else {
        panic!("not a service error: {err:?}");
    };
    assert_eq!((e.status(), e.code()), (404, "ResourceNotFoundException"));
    assert!(e.message().contains("no-such-function"));
}
