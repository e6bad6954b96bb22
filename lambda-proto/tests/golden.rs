//! Golden requests: for one operation of every HTTP binding pattern of the model, the
//! request this crate builds and signs is compared with what botocore 1.44.5 serializes
//! from the same input and with the Authorization botocore's SigV4 signer computes
//! (`scripts/golden-from-botocore.py` wrote `tests/data/golden-botocore.json`).
//!
//! The model has no greedy label; `greedy_labels_keep_slashes` covers that path of the
//! request builder.

use base64::Engine as _;
use lambda_proto::credentials::Credentials;
use lambda_proto::dynamic;
use lambda_proto::endpoint::Endpoint;
use lambda_proto::rest_json::RequestBuilder;
use lambda_proto::sigv4::{Signer, SigningParams};
use serde_json::Value;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

fn sorted_query(uri: &http::Uri) -> Vec<String> {
    let mut pairs: Vec<String> = uri
        .query()
        .unwrap_or("")
        .split('&')
        .filter(|p| !p.is_empty())
        .map(str::to_string)
        .collect();
    pairs.sort();
    pairs
}

#[test]
fn requests_match_botocore() {
    let data: Value =
        serde_json::from_str(include_str!("data/golden-botocore.json")).expect("golden data");
    let cases = data["cases"].as_array().unwrap();
    assert!(cases.len() >= 10);
    let endpoint = Endpoint::parse("https://lambda.us-east-1.amazonaws.com").unwrap();
    let time = time::macros::datetime!(2015-08-30 12:36:00 UTC);
    let signer = Signer::new();
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let op = dynamic::find(case["operation"].as_str().unwrap()).unwrap();
        let mut request = op
            .build(&case["input"], &endpoint)
            .unwrap_or_else(|e| panic!("{name}: {e}"));

        let expected: http::Uri = case["url"].as_str().unwrap().parse().unwrap();
        assert_eq!(request.method().as_str(), case["method"], "{name}");
        assert_eq!(request.uri().scheme(), expected.scheme(), "{name}");
        assert_eq!(request.uri().authority(), expected.authority(), "{name}");
        assert_eq!(request.uri().path(), expected.path(), "{name}");
        assert_eq!(
            sorted_query(request.uri()),
            sorted_query(&expected),
            "{name}"
        );

        let mut ours: Vec<(String, String)> = request
            .headers()
            .iter()
            .filter(|(k, _)| *k != "host")
            .map(|(k, v)| (k.to_string(), v.to_str().unwrap().to_string()))
            .collect();
        ours.sort();
        let mut theirs: Vec<(String, String)> = case["headers"]
            .as_object()
            .unwrap()
            .iter()
            .filter(|(k, _)| *k != "content-length")
            .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
            .collect();
        theirs.sort();
        assert_eq!(ours, theirs, "{name}: headers");

        let body = B64.decode(case["body_base64"].as_str().unwrap()).unwrap();
        if case["body_json"].as_bool().unwrap() {
            let a: Value = serde_json::from_slice(request.body()).unwrap();
            let b: Value = serde_json::from_slice(&body).unwrap();
            assert_eq!(a, b, "{name}: body");
        } else {
            assert_eq!(request.body(), &body, "{name}: body");
        }

        let credentials = Credentials::new(
            "AKIDEXAMPLE",
            "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
            case["session_token"].as_str().map(str::to_string),
            None,
        );
        signer
            .sign(
                &mut request,
                &SigningParams::new(&credentials, "us-east-1", "lambda", time),
            )
            .unwrap();
        assert_eq!(
            request.headers()["authorization"].to_str().unwrap(),
            case["authorization"].as_str().unwrap(),
            "{name}: signature"
        );
        assert_eq!(request.headers()["x-amz-date"], "20150830T123600Z");
        assert_eq!(
            request
                .headers()
                .get("x-amz-security-token")
                .map(|v| v.to_str().unwrap()),
            case["session_token"].as_str(),
            "{name}"
        );
    }
}

#[test]
fn greedy_labels_keep_slashes() {
    let endpoint = Endpoint::parse("http://127.0.0.1:9000/base").unwrap();
    let mut b = RequestBuilder::new("Test", http::Method::GET, &endpoint);
    b.literal("/objects/");
    b.label("Key", "a b/c:d/é", true).unwrap();
    b.literal("/x/");
    b.label("Id", "e/f", false).unwrap();
    let request = b.finish().unwrap();
    assert_eq!(
        request.uri().path(),
        "/base/objects/a%20b/c%3Ad/%C3%A9/x/e%2Ff"
    );
    assert_eq!(request.headers()["host"], "127.0.0.1:9000");
}
