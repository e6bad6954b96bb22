//! Error responses: code, message, request id, status and retry hint, and the typed error.

use std::time::Duration;

use lambda_proto::operations::{GetFunction, GetFunctionError, Invoke, InvokeError};
use lambda_proto::types::ThrottleReason;
use lambda_proto::{Error, Operation};

fn response(status: u16, headers: &[(&str, &str)], body: &str) -> http::Response<Vec<u8>> {
    let mut b = http::Response::builder().status(status);
    for (k, v) in headers {
        b = b.header(*k, *v);
    }
    b.body(body.as_bytes().to_vec()).unwrap()
}

/// `(status, headers, body, code, message)`.
type Case<'a> = (u16, &'a [(&'a str, &'a str)], &'a str, &'a str, &'a str);

/// `(status, headers, body) -> (code, message)`, one line per case. Without a code in the
/// answer, the code is the HTTP status and the message the body text (a bare 5xx page: the
/// reason phrase), as botocore's rest-json parser gives them.
#[test]
fn error_code_and_message() {
    let cases: &[Case] = &[
        (
            404,
            &[("x-amzn-ErrorType", "ResourceNotFoundException")],
            r#"{"Type":"User","Message":"Function not found"}"#,
            "ResourceNotFoundException",
            "Function not found",
        ),
        (
            404,
            &[(
                "x-amzn-ErrorType",
                "ResourceNotFoundException:http://internal.amazon.com/coral/com.amazonaws.lambda/",
            )],
            "{}",
            "ResourceNotFoundException",
            "",
        ),
        (
            400,
            &[],
            r#"{"__type":"com.amazonaws.lambda#InvalidParameterValueException","message":"bad"}"#,
            "InvalidParameterValueException",
            "bad",
        ),
        (
            400,
            &[],
            r#"{"code":"InvalidParameterValueException","Type":"User"}"#,
            "InvalidParameterValueException",
            "",
        ),
        (
            400,
            &[],
            r#"{"Code":"ServiceException"}"#,
            "ServiceException",
            "",
        ),
        (
            400,
            &[("x-amzn-ErrorType", "ServiceException")],
            r#"{"__type":"Other"}"#,
            "ServiceException",
            "",
        ),
        (
            404,
            &[],
            "<html><body>Not Found</body></html>",
            "404",
            "<html><body>Not Found</body></html>",
        ),
        // The body's `code` comes before its `__type`.
        (
            400,
            &[],
            r#"{"code":"TooManyRequestsException","__type":"com.amazonaws.lambda#ServiceException"}"#,
            "TooManyRequestsException",
            "",
        ),
        // A header that gives no code (empty, or only a `:` suffix) defers to the body.
        (
            500,
            &[("x-amzn-ErrorType", "")],
            r#"{"__type":"ServiceException","message":"m"}"#,
            "ServiceException",
            "m",
        ),
        (
            500,
            &[("x-amzn-ErrorType", ":http://internal.amazon.com/")],
            r#"{"Code":"ServiceException"}"#,
            "ServiceException",
            "",
        ),
        // An XML error body (generic AWS front ends, moto's signature check).
        (
            403,
            &[],
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ErrorResponse><Errors><Error>\
             <Code>SignatureDoesNotMatch</Code><Message> The signature does not match. </Message>\
             <RequestID>r1</RequestID></Error></Errors></ErrorResponse>",
            "SignatureDoesNotMatch",
            "The signature does not match.",
        ),
        (
            403,
            &[],
            "<Error><Code>AccessDenied</Code></Error>",
            "AccessDenied",
            "",
        ),
        (
            403,
            &[("x-amzn-ErrorType", "InvalidSignatureException")],
            "<Error><Code>SignatureDoesNotMatch</Code><Message>m</Message></Error>",
            "InvalidSignatureException",
            "m",
        ),
        (
            400,
            &[],
            "<Error><Code></Code></Error>",
            "400",
            "<Error><Code></Code></Error>",
        ),
        (
            400,
            &[],
            "<Error><Code>unclosed",
            "400",
            "<Error><Code>unclosed",
        ),
        (
            403,
            &[],
            r#"{"Message":"User is not authorized"}"#,
            "403",
            "User is not authorized",
        ),
        // Answers without a modelled code (proxies, load balancers, front ends).
        (
            502,
            &[],
            "<html><body><h1>502 Bad Gateway</h1></body></html>",
            "502",
            "Bad Gateway",
        ),
        (500, &[], "", "500", "Internal Server Error"),
        (503, &[], "  \n", "503", "Service Unavailable"),
        (
            413,
            &[],
            "Request Entity Too Large",
            "413",
            "Request Entity Too Large",
        ),
        (
            413,
            &[],
            "<html><body>too large</body></html>",
            "413",
            "<html><body>too large</body></html>",
        ),
        (301, &[("Location", "https://elsewhere/")], "", "301", ""),
        (400, &[], r#"{"Type":"User"}"#, "400", ""),
        (429, &[], r#"{"message":"slow down"}"#, "429", "slow down"),
    ];
    for (status, headers, body, code, message) in cases {
        let err = GetFunction::parse(response(*status, headers, body)).unwrap_err();
        let Error::Service(e) = err else {
            panic!("{body}: not a service error")
        };
        assert_eq!(e.code(), *code, "{body}");
        assert_eq!(e.message(), *message, "{body}");
        assert_eq!(e.status(), *status);
    }
}

#[test]
fn typed_errors_carry_their_members() {
    let err = GetFunction::parse(response(
        404,
        &[
            ("x-amzn-ErrorType", "ResourceNotFoundException"),
            ("x-amzn-RequestId", "req-1"),
        ],
        r#"{"Type":"User","Message":"Function not found: arn:x"}"#,
    ))
    .unwrap_err();
    let e = err.service_error().unwrap();
    assert_eq!(e.request_id(), Some("req-1"));
    match e.kind() {
        GetFunctionError::ResourceNotFoundException(x) => {
            assert_eq!(x.r#type.as_deref(), Some("User"));
            assert_eq!(x.message.as_deref(), Some("Function not found: arn:x"));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        err.to_string(),
        "ResourceNotFoundException (HTTP 404): Function not found: arn:x [request id req-1]"
    );
}

#[test]
fn throttling_binds_retry_after() {
    let err = Invoke::parse(response(
        429,
        &[
            ("x-amzn-ErrorType", "TooManyRequestsException"),
            ("Retry-After", "3"),
        ],
        r#"{"Reason":"ConcurrentInvocationLimitExceeded","Type":"User","message":"Rate exceeded"}"#,
    ))
    .unwrap_err();
    let e = err.service_error().unwrap();
    assert_eq!(e.retry_after(), Some(Duration::from_secs(3)));
    match e.kind() {
        InvokeError::TooManyRequestsException(x) => {
            assert_eq!(x.retry_after_seconds.as_deref(), Some("3"));
            assert_eq!(
                x.reason,
                Some(ThrottleReason::ConcurrentInvocationLimitExceeded)
            );
        }
        other => panic!("{other:?}"),
    }
    let hint = |headers: &[(&str, &str)]| {
        GetFunction::parse(response(429, headers, "{}"))
            .unwrap_err()
            .service_error()
            .unwrap()
            .retry_after()
    };
    assert_eq!(
        hint(&[("x-amz-retry-after", "1500")]),
        Some(Duration::from_millis(1500))
    );
    assert_eq!(hint(&[("Retry-After", "soon")]), None);
    assert_eq!(hint(&[("Retry-After", "-1")]), None);
}

#[test]
fn unknown_codes_are_unknown_variants() {
    let err = GetFunction::parse(response(
        400,
        &[("x-amzn-ErrorType", "BrandNewException")],
        "{}",
    ))
    .unwrap_err();
    assert!(matches!(
        err.service_error().unwrap().kind(),
        GetFunctionError::Unknown
    ));
    assert_eq!(err.code(), Some("BrandNewException"));
}

#[test]
fn function_errors_are_successful_invocations() {
    let out = Invoke::parse(response(
        200,
        &[
            ("X-Amz-Function-Error", "Unhandled"),
            ("X-Amz-Log-Result", "U1RBUlQ="),
            ("X-Amz-Executed-Version", "3"),
        ],
        r#"{"errorMessage":"boom","errorType":"Error"}"#,
    ))
    .unwrap();
    assert_eq!(out.status_code, Some(200));
    assert_eq!(out.function_error.as_deref(), Some("Unhandled"));
    assert_eq!(out.log_result.as_deref(), Some("U1RBUlQ="));
    assert_eq!(out.executed_version.as_deref(), Some("3"));
    assert_eq!(
        out.payload.as_deref(),
        Some(&br#"{"errorMessage":"boom","errorType":"Error"}"#[..])
    );
}

#[test]
fn malformed_success_bodies_are_response_errors() {
    let err = GetFunction::parse(response(200, &[], "{not json")).unwrap_err();
    assert!(matches!(err, Error::Response(_)), "{err:?}");
    let err = GetFunction::parse(response(200, &[], &"[".repeat(10_000))).unwrap_err();
    assert!(matches!(err, Error::Response(_)), "{err:?}");
}

#[test]
fn null_required_members_and_bodiless_outputs_parse() {
    use lambda_proto::operations::{GetFunctionCodeSigningConfig, InvokeAsync};
    let out = GetFunctionCodeSigningConfig::parse(response(
        200,
        &[],
        r#"{"CodeSigningConfigArn":null,"FunctionName":"f"}"#,
    ))
    .unwrap();
    // Absent stays absent: null and a missing member are both `None`, never `""`.
    assert_eq!(out.code_signing_config_arn, None);
    assert_eq!(out.function_name.as_deref(), Some("f"));
    let out = GetFunctionCodeSigningConfig::parse(response(200, &[], "{}")).unwrap();
    assert_eq!(
        (out.code_signing_config_arn, out.function_name),
        (None, None)
    );
    let out = GetFunctionCodeSigningConfig::parse(response(
        200,
        &[],
        r#"{"CodeSigningConfigArn":"","FunctionName":"f"}"#,
    ))
    .unwrap();
    assert_eq!(
        out.code_signing_config_arn.as_deref(),
        Some(""),
        "empty is not absent"
    );
    // InvokeAsync's output has no body members: whatever the body is, the status counts.
    let out = InvokeAsync::parse(response(202, &[], "Simple Lambda happy path OK")).unwrap();
    assert_eq!(out.status, Some(202));
}

#[test]
fn io_errors_classify_for_retries() {
    use lambda_proto::error::TransportErrorKind as T;
    use std::io::ErrorKind as K;
    for (io, kind) in [
        (K::ConnectionRefused, T::Connect),
        (K::NotFound, T::Connect),
        (K::AddrNotAvailable, T::Connect),
        (K::NotConnected, T::Connect),
        (K::ConnectionReset, T::Reset),
        (K::ConnectionAborted, T::Reset),
        (K::BrokenPipe, T::Reset),
        (K::UnexpectedEof, T::Reset),
        (K::TimedOut, T::Timeout),
        (K::WouldBlock, T::Timeout),
        (K::PermissionDenied, T::Io),
    ] {
        assert_eq!(T::from_io(io), kind, "{io:?}");
    }
}

/// An XML error body is read for its code only while it is small (64 KiB).
#[test]
fn large_xml_error_bodies_are_not_parsed() {
    let body = |len: usize| {
        format!(
            "<Error><Code>AccessDenied</Code><Message>{}</Message></Error>",
            "m".repeat(len)
        )
    };
    let code = |body: String| {
        let err = GetFunction::parse(response(403, &[], &body)).unwrap_err();
        let Error::Service(e) = err else {
            panic!("not a service error")
        };
        e.code().to_string()
    };
    assert_eq!(code(body(1000)), "AccessDenied");
    // Too large to parse: the status is the code, as for any answer without one.
    assert_eq!(code(body(70 * 1024)), "403");
}

#[test]
fn retry_after_as_an_http_date_counts_from_the_server_date() {
    let err = GetFunction::parse(response(
        503,
        &[
            ("Retry-After", "Wed, 21 Oct 2015 07:28:00 GMT"),
            ("Date", "Wed, 21 Oct 2015 07:27:45 GMT"),
        ],
        "",
    ))
    .unwrap_err();
    assert_eq!(
        err.service_error().unwrap().retry_after(),
        Some(Duration::from_secs(15))
    );
    // A date already past is "now".
    let err = GetFunction::parse(response(
        503,
        &[
            ("Retry-After", "Wed, 21 Oct 2015 07:27:00 GMT"),
            ("Date", "Wed, 21 Oct 2015 07:27:45 GMT"),
        ],
        "",
    ))
    .unwrap_err();
    assert_eq!(
        err.service_error().unwrap().retry_after(),
        Some(Duration::ZERO)
    );
}

#[test]
fn a_retry_after_date_without_a_server_date_counts_from_the_local_clock() {
    use lambda_proto::call::{Call, ClientConfig, Step};
    let config = ClientConfig::new(
        lambda_proto::endpoint::Endpoint::parse("https://lambda.us-east-1.amazonaws.com").unwrap(),
        "us-east-1",
    );
    let mut call = Call::new(&config, &GetFunction::new("f")).unwrap();
    let creds = lambda_proto::credentials::Credentials::new("AKID", "s", None, None);
    let now = time::macros::datetime!(2015-10-21 07:27:50 UTC);
    call.request(&creds, now).unwrap();
    let busy = response(503, &[("Retry-After", "Wed, 21 Oct 2015 07:28:00 GMT")], "");
    // The hint (10 s) is longer than the backoff (at most 1 s on the first retry).
    match call.on_response(busy, now, 0.5) {
        Step::Retry { after } => assert_eq!(after, Duration::from_secs(10)),
        other => panic!("{other:?}"),
    }
}

#[test]
fn an_encoding_the_client_did_not_ask_for_is_named() {
    for status in [200, 400] {
        let err = GetFunction::parse(response(
            status,
            &[("Content-Encoding", "gzip")],
            "\u{1f}\u{8b}\u{8}",
        ))
        .unwrap_err();
        let Error::Response(e) = &err else {
            panic!("{status}: {err:?}")
        };
        assert!(e.to_string().contains("gzip-encoded"), "{e}");
    }
    // identity is no encoding.
    let out = GetFunction::parse(response(200, &[("Content-Encoding", "identity")], "{}"));
    assert!(out.is_ok());
}
