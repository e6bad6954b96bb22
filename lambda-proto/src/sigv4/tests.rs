use std::time::Duration;

use http::{HeaderValue, Request};
use proptest::prelude::*;
use time::macros::datetime;
use time::OffsetDateTime;

use super::*;

const AKID: &str = "AKIDEXAMPLE";
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
const TOKEN: &str = "6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267";
const T: OffsetDateTime = datetime!(2015-08-30 12:36:00 UTC);

fn plain_creds() -> Credentials {
    Credentials::new(AKID, SECRET, None, None)
}

fn token_creds() -> Credentials {
    Credentials::new(AKID, SECRET, Some(TOKEN.to_owned()), None)
}

fn get(uri: &str) -> Request<Vec<u8>> {
    Request::get(uri).body(Vec::new()).expect("request")
}

fn auth(req: &Request<Vec<u8>>) -> String {
    req.headers()["authorization"]
        .to_str()
        .expect("ASCII")
        .to_owned()
}

fn sign(req: &mut Request<Vec<u8>>, creds: &Credentials) -> Result<(), SigningError> {
    Signer::new().sign(req, &SigningParams::new(creds, "us-east-1", "lambda", T))
}

// ---- canonical URI -------------------------------------------------------------------

#[test]
fn canonical_uri_normalizes_like_rfc3986_remove_dot_segments() {
    // (path, canonical): dot-segment removal per RFC 3986 section 5.2.4, plus merged slashes.
    let cases = [
        ("/", "/"),
        ("", "/"),
        ("//", "/"),
        ("/a/b/c/./../../g", "/a/g"),
        ("/mid/content=5/../6", "/mid/6"),
        ("/a/b/..", "/a/"),
        ("/a/b/.", "/a/b/"),
        ("/a/..", "/"),
        ("/../a", "/a"),
        ("/a//b///c/", "/a/b/c/"),
        ("/a/.b/..c/", "/a/.b/..c/"),
    ];
    for (path, expected) in cases {
        assert_eq!(canonical_uri(path), expected, "{path}");
    }
}

#[test]
fn canonical_uri_encodes_each_segment_again() {
    // Lambda ARNs in paths: `:` is `%3A` on the wire and `%253A` when signed.
    assert_eq!(
        canonical_uri("/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A123%3Afunction%3Af/invocations"),
        "/2015-03-31/functions/arn%253Aaws%253Alambda%253Aus-east-1%253A123%253Afunction%253Af/invocations"
    );
    assert_eq!(canonical_uri("/a b/c+d/é"), "/a%20b/c%2Bd/%C3%A9");
    assert_eq!(canonical_uri("/-_.~AZaz09"), "/-_.~AZaz09");
    assert_eq!(
        canonical_uri("/@:!$&'()*,;="),
        "/%40%3A%21%24%26%27%28%29%2A%2C%3B%3D"
    );
}

// ---- canonical query -----------------------------------------------------------------

#[test]
fn canonical_query_sorts_after_encoding() {
    let cases = [
        ("", ""),
        ("&&", ""),
        ("a", "a="),
        ("a=", "a="),
        ("b=2&a=1", "a=1&b=2"),
        ("a=2&a=1&a=10", "a=1&a=10&a=2"),
        // `%E1..` sorts before `P`, `Param` before `Param-3`, uppercase before lowercase.
        (
            "Param-3=Value3&Param=Value2&%E1%88%B4=Value1",
            "%E1%88%B4=Value1&Param=Value2&Param-3=Value3",
        ),
        ("b=1&B=2&_=3", "B=2&_=3&b=1"),
        // Decoded then encoded again: lowercase hex, `+`, and a stray `%`.
        ("k=%e1%88%b4", "k=%E1%88%B4"),
        ("k=a+b&p=%2B", "k=a%20b&p=%2B"),
        ("k=100%", "k=100%25"),
        ("k=a=b", "k=a%3Db"),
        ("List=ALL&Marker=x%2Fy", "List=ALL&Marker=x%2Fy"),
    ];
    for (query, expected) in cases {
        assert_eq!(canonical_query_string(query), expected, "{query}");
    }
}

// ---- canonical headers ---------------------------------------------------------------

#[test]
fn canonical_header_value_trims_and_folds_spaces() {
    let cases: [(&[u8], &str); 5] = [
        (b"value1", "value1"),
        (b"  value1  ", "value1"),
        (b"\"a   b   c\"", "\"a b c\""),
        (b"   ", ""),
        (b"a b", "a b"),
    ];
    for (value, expected) in cases {
        assert_eq!(canonical_header_value("h", value).as_deref(), Ok(expected));
    }
}

#[test]
fn canonical_header_value_rejects_what_cannot_be_signed() {
    for value in [
        &b"a\r\nb"[..],
        b"a\nb",
        b"a\tb",
        b"caf\xc3\xa9",
        b"\x7f",
        b"\x00",
    ] {
        match canonical_header_value("my-header", value) {
            Err(SigningError::InvalidHeaderValue { name, .. }) => assert_eq!(name, "my-header"),
            other => panic!("{value:?}: {other:?}"),
        }
    }
}

#[test]
fn sign_rejects_a_non_ascii_header_and_leaves_the_request_alone() {
    let mut req = get("https://example.amazonaws.com/");
    req.headers_mut().insert(
        "x-note",
        HeaderValue::from_bytes(b"caf\xc3\xa9").expect("http allows obs-text"),
    );
    let before = req.headers().clone();
    let err = sign(&mut req, &plain_creds()).unwrap_err();
    assert_eq!(
        err,
        SigningError::InvalidHeaderValue {
            name: "x-note".into(),
            rule: "value must be ASCII"
        }
    );
    assert!(err.to_string().contains("x-note"), "{err}");
    assert_eq!(req.headers(), &before);
}

#[test]
fn multiple_values_join_with_commas_in_order() {
    let mut req = get("https://example.amazonaws.com/");
    for v in ["b", " a ", "c  d"] {
        req.headers_mut()
            .append("x-multi", HeaderValue::from_static(v));
    }
    let creds = plain_creds();
    let params = SigningParams::new(&creds, "us-east-1", "lambda", T);
    let creq = canonical_request(&req, &params, SignatureLocation::Headers).unwrap();
    assert!(creq.as_str().contains("\nx-multi:b,a,c d\n"), "{creq:?}");
    assert_eq!(creq.signed_headers(), "host;x-amz-date;x-multi");
}

// ---- stages against documented values ------------------------------------------------

#[test]
fn signing_key_matches_the_aws_documentation_example() {
    // "Examples of how to derive a signing key for Signature Version 4" (AWS General
    // Reference): secret wJalr...EXAMPLEKEY, 20120215, us-east-1, iam.
    let key = signing_key(SECRET, "20120215", "us-east-1", "iam");
    assert_eq!(
        hex::encode(key.as_bytes()),
        "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d"
    );
}

#[test]
fn amz_date_is_utc_and_checks_the_year() {
    assert_eq!(
        amz_date(datetime!(2015-08-30 23:36:00 -11)).unwrap(),
        "20150831T103600Z"
    );
    assert_eq!(
        amz_date(datetime!(0999-01-02 03:04:05 UTC)).unwrap(),
        "09990102T030405Z"
    );
    assert!(matches!(
        amz_date(datetime!(-0001-01-01 0:00 UTC)),
        Err(SigningError::InvalidParam { field: "time", .. })
    ));
}

#[test]
fn payload_hash_is_hex_sha256() {
    // FIPS 180-2 example: SHA-256("abc").
    assert_eq!(
        payload_hash(b"abc"),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
}

// ---- sign -------------------------------------------------------------------------------

#[test]
fn sign_adds_the_documented_headers() {
    let mut req = get("https://lambda.us-east-1.amazonaws.com/2015-03-31/functions/");
    sign(&mut req, &token_creds()).unwrap();
    let h = req.headers();
    assert_eq!(h["host"], "lambda.us-east-1.amazonaws.com");
    assert_eq!(h["x-amz-date"], "20150830T123600Z");
    assert_eq!(h["x-amz-security-token"], TOKEN);
    assert!(h["authorization"].is_sensitive());
    assert!(h["x-amz-security-token"].is_sensitive());
    let a = auth(&req);
    assert!(
        a.starts_with(
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/lambda/aws4_request, \
             SignedHeaders=host;x-amz-date;x-amz-security-token, Signature="
        ),
        "{a}"
    );
    let sig = a.rsplit("Signature=").next().unwrap();
    assert_eq!(sig.len(), 64);
    assert!(sig
        .bytes()
        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)));
}

#[test]
fn sign_equals_the_stages_composed() {
    let mut req = Request::post(
        "https://lambda.us-east-1.amazonaws.com/2015-03-31/functions/f/invocations?Qualifier=live",
    )
    .header("content-type", "application/json")
    .header("x-amz-invocation-type", "Event")
    .body(b"{\"k\":1}".to_vec())
    .unwrap();
    let creds = token_creds();
    let params = SigningParams::new(&creds, "us-east-1", "lambda", T);
    let creq = canonical_request(&req, &params, SignatureLocation::Headers).unwrap();
    let sts = string_to_sign(
        "20150830T123600Z",
        "20150830/us-east-1/lambda/aws4_request",
        creq.as_str(),
    );
    let key = signing_key(SECRET, "20150830", "us-east-1", "lambda");
    let expected = authorization_header(
        AKID,
        "20150830/us-east-1/lambda/aws4_request",
        creq.signed_headers(),
        &signature(&key, &sts),
    );
    Signer::new().sign(&mut req, &params).unwrap();
    assert_eq!(auth(&req), expected);
    assert_eq!(
        creq.signed_headers(),
        "content-type;host;x-amz-date;x-amz-invocation-type;x-amz-security-token"
    );
    assert_eq!(creq.payload_hash(), payload_hash(b"{\"k\":1}"));
}

#[test]
fn signing_again_replaces_the_previous_signature() {
    let mut once = get("https://example.amazonaws.com/x");
    sign(&mut once, &token_creds()).unwrap();
    let mut twice = once.clone();
    sign(&mut twice, &token_creds()).unwrap();
    assert_eq!(once.headers(), twice.headers());
    assert_eq!(twice.headers().get_all("authorization").iter().count(), 1);

    // Re-signed without a token: the old token header goes away.
    sign(&mut twice, &plain_creds()).unwrap();
    assert!(twice.headers().get("x-amz-security-token").is_none());
    assert!(!auth(&twice).contains("x-amz-security-token"));
}

#[test]
fn unsigned_session_token_is_sent_but_not_signed() {
    let creds = token_creds();
    let mut params = SigningParams::new(&creds, "us-east-1", "lambda", T);
    params.settings.session_token = SessionTokenMode::Unsigned;
    let mut req = get("https://example.amazonaws.com/");
    Signer::new().sign(&mut req, &params).unwrap();
    assert_eq!(req.headers()["x-amz-security-token"], TOKEN);
    assert!(auth(&req).contains("SignedHeaders=host;x-amz-date,"));
    let mut plain = get("https://example.amazonaws.com/");
    sign(&mut plain, &plain_creds()).unwrap();
    assert_eq!(auth(&req), auth(&plain));
}

#[test]
fn content_sha256_header_when_asked() {
    let creds = plain_creds();
    let mut params = SigningParams::new(&creds, "us-east-1", "s3", T);
    params.settings.content_sha256_header = true;
    let mut req = Request::put("https://b.s3.amazonaws.com/k")
        .body(b"abc".to_vec())
        .unwrap();
    Signer::new().sign(&mut req, &params).unwrap();
    assert_eq!(
        req.headers()["x-amz-content-sha256"],
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
    assert!(auth(&req).contains("SignedHeaders=host;x-amz-content-sha256;x-amz-date,"));
}

#[test]
fn host_comes_from_the_header_or_the_authority() {
    let cases = [
        ("https://h.example:443/", "h.example"),
        ("http://h.example:80/", "h.example"),
        ("http://127.0.0.1:5000/", "127.0.0.1:5000"),
        ("https://h.example:80/", "h.example:80"),
        ("http://[::1]:8080/", "[::1]:8080"),
        ("https://user@h.example/", "h.example"),
    ];
    for (uri, host) in cases {
        let mut req = get(uri);
        sign(&mut req, &plain_creds()).unwrap();
        assert_eq!(req.headers()["host"], host, "{uri}");
    }
    let mut req = get("https://ignored.example/");
    req.headers_mut()
        .insert("host", HeaderValue::from_static("given.example"));
    sign(&mut req, &plain_creds()).unwrap();
    assert_eq!(req.headers().get_all("host").iter().count(), 1);
    assert_eq!(req.headers()["host"], "given.example");
}

#[test]
fn errors_name_what_is_wrong() {
    let mut no_host = get("/2015-03-31/functions/");
    assert_eq!(
        sign(&mut no_host, &plain_creds()),
        Err(SigningError::MissingHost)
    );
    assert!(no_host.headers().is_empty());

    let mut two_hosts = get("https://example.amazonaws.com/");
    for h in ["a.example", "b.example"] {
        two_hosts
            .headers_mut()
            .append("host", HeaderValue::from_static(h));
    }
    assert!(matches!(
        sign(&mut two_hosts, &plain_creds()),
        Err(SigningError::InvalidHeaderValue { name, .. }) if name == "host"
    ));

    let c = plain_creds();
    for (region, service, field) in [
        ("us east 1", "lambda", "region"),
        ("", "lambda", "region"),
        ("us-east-1", "lam/bda", "service"),
    ] {
        let mut req = get("https://example.amazonaws.com/");
        let err = Signer::new()
            .sign(&mut req, &SigningParams::new(&c, region, service, T))
            .unwrap_err();
        assert!(
            matches!(err, SigningError::InvalidParam { field: f, .. } if f == field),
            "{err}"
        );
    }

    let bad_akid = Credentials::new("AKID/X", SECRET, None, None);
    let bad_token = Credentials::new(AKID, SECRET, Some("a\u{e9}".into()), None);
    for (c, field) in [(bad_akid, "access key id"), (bad_token, "session token")] {
        let mut req = get("https://example.amazonaws.com/");
        let err = sign(&mut req, &c).unwrap_err();
        assert_eq!(
            std::mem::discriminant(&err),
            std::mem::discriminant(&SigningError::InvalidParam {
                field: "",
                rule: ""
            })
        );
        assert!(err.to_string().contains(field), "{err}");
        assert!(!err.to_string().contains(SECRET));
    }

    let params = SigningParams::new(&c, "us-east-1", "lambda", T);
    for expires_in in [Duration::ZERO, MAX_PRESIGN_EXPIRY + Duration::from_secs(1)] {
        let mut req = get("https://example.amazonaws.com/");
        let err = Signer::new()
            .presign(&mut req, &params, expires_in)
            .unwrap_err();
        assert!(
            matches!(
                err,
                SigningError::InvalidParam {
                    field: "expires_in",
                    ..
                }
            ),
            "{err}"
        );
        assert_eq!(req.uri(), "https://example.amazonaws.com/");
    }
}

#[test]
fn unsigned_headers_do_not_change_the_signature() {
    let mut a = get("https://example.amazonaws.com/");
    let mut b = get("https://example.amazonaws.com/");
    b.headers_mut()
        .insert("user-agent", HeaderValue::from_static("x/1"));
    b.headers_mut()
        .insert("x-amzn-trace-id", HeaderValue::from_static("Root=1"));
    sign(&mut a, &plain_creds()).unwrap();
    sign(&mut b, &plain_creds()).unwrap();
    assert_eq!(auth(&a), auth(&b));
}

#[test]
fn presign_appends_the_signature_to_the_query() {
    let creds = token_creds();
    let params = SigningParams::new(&creds, "us-east-1", "lambda", T);
    let mut req = get("https://example.amazonaws.com/p?List=ALL");
    let creq = canonical_request(
        &req,
        &params,
        SignatureLocation::QueryString {
            expires_in: Duration::from_secs(60),
        },
    )
    .unwrap();
    Signer::new()
        .presign(&mut req, &params, Duration::from_secs(60))
        .unwrap();
    let query = req.uri().query().unwrap();
    assert!(
        query.starts_with(
            "List=ALL&X-Amz-Algorithm=AWS4-HMAC-SHA256\
             &X-Amz-Credential=AKIDEXAMPLE%2F20150830%2Fus-east-1%2Flambda%2Faws4_request\
             &X-Amz-Date=20150830T123600Z&X-Amz-SignedHeaders=host&X-Amz-Expires=60\
             &X-Amz-Security-Token="
        ),
        "{query}"
    );
    let sts = string_to_sign(
        "20150830T123600Z",
        "20150830/us-east-1/lambda/aws4_request",
        creq.as_str(),
    );
    let sig = signature(
        &signing_key(SECRET, "20150830", "us-east-1", "lambda"),
        &sts,
    );
    assert!(query.ends_with(&format!("&X-Amz-Signature={}", sig.as_str())));
    assert!(req.headers().get("authorization").is_none());
    assert_eq!(req.headers()["host"], "example.amazonaws.com");
}

// ---- redaction ----------------------------------------------------------------------------

#[test]
fn debug_never_shows_secrets_or_signatures() {
    let creds = token_creds();
    let params = SigningParams::new(&creds, "us-east-1", "lambda", T);
    let req = get("https://example.amazonaws.com/?X-Amz-Security-Token=abc");
    let key = signing_key(SECRET, "20150830", "us-east-1", "lambda");
    let sig = signature(&key, "x");
    let signer = Signer::new();
    let mut signed = get("https://example.amazonaws.com/");
    signer.sign(&mut signed, &params).unwrap();

    let header_creq = canonical_request(&req, &params, SignatureLocation::Headers).unwrap();
    let query_creq = canonical_request(
        &req,
        &params,
        SignatureLocation::QueryString {
            expires_in: Duration::from_secs(1),
        },
    )
    .unwrap();
    assert!(header_creq.as_str().contains(TOKEN));
    assert!(query_creq.as_str().contains(TOKEN));

    let shown = [
        format!("{params:?}"),
        format!("{header_creq:?}"),
        format!("{query_creq:#?}"),
        format!("{key:?}"),
        format!("{sig:?}"),
        format!("{signer:?}"),
        format!("{signed:?}"),
    ];
    for s in &shown {
        assert!(!s.contains(SECRET), "{s}");
        assert!(!s.contains(TOKEN), "{s}");
        assert!(!s.contains(sig.as_str()), "{s}");
        assert!(!s.contains(&hex::encode(key.as_bytes())), "{s}");
        assert!(!s.contains(&auth(&signed)[100..]), "{s}");
    }
    assert!(shown[1].contains("x-amz-security-token:** redacted **"));
    assert!(shown[2].contains("X-Amz-Security-Token=** redacted **"));
    // The request's own `X-Amz-Security-Token=abc` query value is hidden too.
    assert!(!shown[1].contains("=abc"));
}

// ---- key cache ----------------------------------------------------------------------------

#[test]
fn signer_caches_keys_per_secret_date_region_and_service() {
    let signer = Signer::new();
    let a = plain_creds();
    let b = Credentials::new(AKID, "another-secret", None, None);
    let fresh = |c: &Credentials, date, region, service| {
        signing_key(c.secret_access_key(), date, region, service)
    };
    let mut p = SigningParams::new(&a, "us-east-1", "lambda", T);
    assert_eq!(
        signer.signing_key(&p).unwrap(),
        fresh(&a, "20150830", "us-east-1", "lambda")
    );
    p.time = T + Duration::from_secs(3600);
    assert_eq!(
        signer.signing_key(&p).unwrap(),
        fresh(&a, "20150830", "us-east-1", "lambda")
    );
    assert_eq!(signer.cached_keys(), 1);

    p.credentials = &b;
    assert_eq!(
        signer.signing_key(&p).unwrap(),
        fresh(&b, "20150830", "us-east-1", "lambda")
    );
    p.region = "eu-west-1";
    assert_eq!(
        signer.signing_key(&p).unwrap(),
        fresh(&b, "20150830", "eu-west-1", "lambda")
    );
    p.service = "sts";
    assert_eq!(
        signer.signing_key(&p).unwrap(),
        fresh(&b, "20150830", "eu-west-1", "sts")
    );
    p.time = T + Duration::from_secs(86_400);
    assert_eq!(
        signer.signing_key(&p).unwrap(),
        fresh(&b, "20150831", "eu-west-1", "sts")
    );
    assert_eq!(signer.cached_keys(), 5);

    // Signing with a cached key gives what a fresh signer gives.
    let mut x = get("https://example.amazonaws.com/");
    let mut y = get("https://example.amazonaws.com/");
    signer.sign(&mut x, &p).unwrap();
    Signer::new().sign(&mut y, &p).unwrap();
    assert_eq!(auth(&x), auth(&y));

    for day in 0..20 {
        p.time = T + Duration::from_secs(86_400 * day);
        signer.signing_key(&p).unwrap();
    }
    assert_eq!(signer.cached_keys(), 8);
}

#[test]
fn one_signer_serves_many_threads() {
    fn assert_send_sync<S: Send + Sync>() {}
    assert_send_sync::<Signer>();

    let signer = Signer::new();
    let creds = plain_creds();
    let params = SigningParams::new(&creds, "us-east-1", "lambda", T);
    let mut expected = get("https://example.amazonaws.com/");
    Signer::new().sign(&mut expected, &params).unwrap();
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..4)
            .map(|_| {
                s.spawn(|| {
                    let mut req = get("https://example.amazonaws.com/");
                    signer.sign(&mut req, &params).unwrap();
                    auth(&req)
                })
            })
            .collect();
        for h in handles {
            assert_eq!(h.join().unwrap(), auth(&expected));
        }
    });
    assert_eq!(signer.cached_keys(), 1);
}

// ---- properties -------------------------------------------------------------------------

/// Characters `http::Uri` takes raw in a path; everything else is percent-encoded when
/// building a wire path.
fn wire_path(raw: &str) -> String {
    let mut out = String::from("/");
    for c in raw.chars() {
        let keep_raw = !c.is_ascii()
            || matches!(c as u8, 0x21 | 0x24..=0x3B | 0x3D | 0x40..=0x5F | 0x61..=0x7A | 0x7C | 0x7E);
        if keep_raw {
            out.push(c);
        } else {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        }
    }
    out
}

fn is_canonical_path(path: &str) -> bool {
    let bytes = path.as_bytes();
    bytes.iter().enumerate().all(|(i, &b)| match b {
        b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => true,
        b'%' => {
            bytes
                .get(i + 1)
                .is_some_and(|h| h.is_ascii_hexdigit() && !h.is_ascii_lowercase())
                && bytes
                    .get(i + 2)
                    .is_some_and(|h| h.is_ascii_hexdigit() && !h.is_ascii_lowercase())
        }
        _ => false,
    })
}

fn encoded(s: &str) -> String {
    let mut out = String::new();
    canonical::uri_encode_into(&mut out, s.as_bytes());
    out
}

fn arb_header_value() -> impl Strategy<Value = String> {
    "[ -~]{0,24}"
}

#[derive(Clone, Debug)]
struct Parts {
    segments: Vec<String>,
    query: Vec<(String, String)>,
    header: String,
    body: Vec<u8>,
}

fn build(p: &Parts) -> Request<Vec<u8>> {
    let mut uri = String::from("https://lambda.us-east-1.amazonaws.com");
    for s in &p.segments {
        uri.push('/');
        uri.push_str(&encoded(s));
    }
    if p.segments.is_empty() {
        uri.push('/');
    }
    for (i, (k, v)) in p.query.iter().enumerate() {
        uri.push(if i == 0 { '?' } else { '&' });
        uri.push_str(&encoded(k));
        uri.push('=');
        uri.push_str(&encoded(v));
    }
    Request::post(uri)
        .header("x-custom", p.header.as_str())
        .body(p.body.clone())
        .expect("valid request")
}

fn arb_segment() -> impl Strategy<Value = String> {
    "\\PC{1,8}".prop_filter("dot segments are normalized away", |s| {
        s != "." && s != ".."
    })
}

fn arb_parts() -> impl Strategy<Value = Parts> {
    (
        prop::collection::vec(arb_segment(), 0..4),
        prop::collection::vec(("[a-zA-Z0-9]{1,6}", "\\PC{0,8}"), 1..4),
        arb_header_value(),
        prop::collection::vec(any::<u8>(), 0..64),
    )
        .prop_map(|(segments, query, header, body)| Parts {
            segments,
            query,
            header,
            body,
        })
}

fn signed_auth(req: &Request<Vec<u8>>, signer: &Signer) -> String {
    let creds = token_creds();
    let params = SigningParams::new(&creds, "us-east-1", "lambda", T);
    let mut req = req.clone();
    signer.sign(&mut req, &params).expect("signs");
    auth(&req)
}

proptest! {
    #[test]
    fn signing_is_deterministic(parts in arb_parts()) {
        let req = build(&parts);
        let cached = Signer::new();
        let first = signed_auth(&req, &cached);
        prop_assert_eq!(&first, &signed_auth(&req, &cached));
        prop_assert_eq!(&first, &signed_auth(&req, &Signer::new()));
    }

    #[test]
    fn changing_a_signed_header_changes_the_signature(
        parts in arb_parts(),
        other in arb_header_value(),
    ) {
        prop_assume!(
            canonical_header_value("x-custom", parts.header.as_bytes())
                != canonical_header_value("x-custom", other.as_bytes())
        );
        let signer = Signer::new();
        let a = signed_auth(&build(&parts), &signer);
        let b = signed_auth(&build(&Parts { header: other, ..parts }), &signer);
        prop_assert_ne!(a, b);
    }

    #[test]
    fn changing_the_body_changes_the_signature(
        parts in arb_parts(),
        other in prop::collection::vec(any::<u8>(), 0..64),
    ) {
        prop_assume!(parts.body != other);
        let signer = Signer::new();
        let a = signed_auth(&build(&parts), &signer);
        let b = signed_auth(&build(&Parts { body: other, ..parts }), &signer);
        prop_assert_ne!(a, b);
    }

    #[test]
    fn changing_the_path_changes_the_signature(
        parts in arb_parts(),
        other in prop::collection::vec(arb_segment(), 0..4),
    ) {
        prop_assume!(parts.segments != other);
        let signer = Signer::new();
        let a = signed_auth(&build(&parts), &signer);
        let b = signed_auth(&build(&Parts { segments: other, ..parts }), &signer);
        prop_assert_ne!(a, b);
    }

    #[test]
    fn changing_a_query_value_changes_the_signature(
        parts in arb_parts(),
        other in "\\PC{0,8}",
    ) {
        prop_assume!(parts.query[0].1 != other);
        let signer = Signer::new();
        let a = signed_auth(&build(&parts), &signer);
        let mut query = parts.query.clone();
        query[0].1 = other;
        let b = signed_auth(&build(&Parts { query, ..parts }), &signer);
        prop_assert_ne!(a, b);
    }

    #[test]
    fn canonical_uri_only_has_unreserved_characters_percent_and_slash(raw in any::<String>()) {
        let path = canonical_uri(&raw);
        prop_assert!(is_canonical_path(&path), "{:?} -> {:?}", raw, path);
    }

    #[test]
    fn canonical_request_path_line_is_encoded(raw in any::<String>()) {
        let uri = format!("https://example.amazonaws.com{}", wire_path(&raw));
        let req = Request::get(uri.as_str()).body(Vec::new());
        prop_assert!(req.is_ok(), "{}", uri);
        let req = req.unwrap();
        let creds = plain_creds();
        let params = SigningParams::new(&creds, "us-east-1", "lambda", T);
        let creq = canonical_request(&req, &params, SignatureLocation::Headers).unwrap();
        let path_line = creq.as_str().lines().nth(1).unwrap_or_default();
        prop_assert!(is_canonical_path(path_line), "{:?} -> {:?}", uri, path_line);
    }

    #[test]
    fn canonical_query_only_has_encoded_pairs(raw in "[ -~\u{80}-\u{10ffff}]{0,40}") {
        let q = canonical_query_string(&raw);
        for pair in q.split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').expect("every pair has `=`");
            prop_assert!(is_canonical_path(k) && !k.contains('/'), "{:?}", q);
            prop_assert!(is_canonical_path(v) && !v.contains('/'), "{:?}", q);
        }
    }

    #[test]
    fn header_values_are_signed_or_rejected_never_panicking(value in prop::collection::vec(any::<u8>(), 0..32)) {
        if let Ok(value) = HeaderValue::from_bytes(&value) {
            let mut req = get("https://example.amazonaws.com/");
            req.headers_mut().insert("x-any", value.clone());
            match sign(&mut req, &plain_creds()) {
                Ok(()) => prop_assert!(value.as_bytes().iter().all(|b| (0x20..=0x7e).contains(b))),
                Err(SigningError::InvalidHeaderValue { name, .. }) => prop_assert_eq!(name, "x-any"),
                Err(e) => prop_assert!(false, "unexpected {}", e),
            }
        }
    }
}
