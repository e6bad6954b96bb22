//! Pagination, waiters and response streams against a loopback server.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{builder, error_response, RecordingSleeper};
use lambda_blocking::{StreamError, WaitError};
use lambda_proto::event_stream::{Message, ResponseStreamError, ResponseStreamEvent};
use lambda_proto::operations::{InvokeWithResponseStream, ListFunctions};
use lambda_proto::waiter::{function_active_v2, function_exists, Matcher};
use serde_json::json;
use test_support::{LoopbackServer, RecordedRequest, Response, Step};

/// A `Response` of the loopback server from what the service codec encodes.
fn encoded(operation: &str, output: serde_json::Value) -> Response {
    let http = lambda_proto::model::encode_response(operation, &output).unwrap();
    let mut response = Response::new(http.status().as_u16()).body(http.body().clone());
    for (name, value) in http.headers() {
        response = response.header(name.as_str(), value.to_str().unwrap());
    }
    response
}

/// A ListFunctions server over `total` functions named `fn-000`...; markers are offsets.
fn list_functions_server(total: usize) -> LoopbackServer {
    LoopbackServer::with_handler(move |r: &RecordedRequest| {
        assert_eq!(r.path(), "/2015-03-31/functions");
        let start: usize = r
            .query_param("Marker")
            .map(|m| m.trim_start_matches("m-").parse().unwrap())
            .unwrap_or(0);
        let size: usize = r
            .query_param("MaxItems")
            .map(|m| m.parse().unwrap())
            .unwrap_or(50);
        let end = (start + size).min(total);
        let functions: Vec<_> = (start..end)
            .map(|i| json!({"FunctionName": format!("fn-{i:03}")}))
            .collect();
        let mut out = json!({ "Functions": functions });
        if end < total {
            out["NextMarker"] = json!(format!("m-{end}"));
        }
        encoded("ListFunctions", out)
    })
}

#[test]
fn pages_follow_the_markers() {
    let server = list_functions_server(95);
    let sleeper = RecordingSleeper::default();
    let client = builder(&server.url(), &sleeper, 0.5).build().unwrap();
    let pages: Vec<_> = client
        .paginate(ListFunctions::new())
        .page_size(10)
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(pages.len(), 10);
    assert_eq!(pages[0].functions.as_ref().unwrap().len(), 10);
    assert_eq!(pages[9].functions.as_ref().unwrap().len(), 5);
    assert_eq!(pages[9].next_marker, None);
    let requests = server.requests();
    assert_eq!(requests.len(), 10);
    assert_eq!(requests[0].query_param("Marker"), None);
    assert_eq!(requests[0].query_param("MaxItems"), Some("10"));
    assert_eq!(requests[3].query_param("Marker"), Some("m-30"));
}

#[test]
fn items_flatten_all_pages_in_order() {
    let server = list_functions_server(237);
    let sleeper = RecordingSleeper::default();
    let client = builder(&server.url(), &sleeper, 0.5).build().unwrap();
    let names: Vec<String> = client
        .paginate(ListFunctions::new())
        .items()
        .map(|f| f.unwrap().function_name.unwrap())
        .collect();
    let want: Vec<String> = (0..237).map(|i| format!("fn-{i:03}")).collect();
    assert_eq!(names, want);
    assert_eq!(
        server.request_count(),
        5,
        "pages of 50 (the server default)"
    );
}

#[test]
fn an_error_ends_the_items() {
    let calls = Arc::new(AtomicUsize::new(0));
    let seen = calls.clone();
    let server = LoopbackServer::with_handler(move |_r: &RecordedRequest| {
        let n = seen.fetch_add(1, Ordering::SeqCst);
        if n == 2 {
            return error_response(400, "InvalidParameterValueException", "bad marker");
        }
        encoded(
            "ListFunctions",
            json!({"Functions": [{"FunctionName": format!("p{n}")}], "NextMarker": format!("m{n}")}),
        )
    });
    let sleeper = RecordingSleeper::default();
    let client = builder(&server.url(), &sleeper, 0.5).build().unwrap();
    let mut items = client.paginate(ListFunctions::new()).items();
    assert_eq!(
        items.next().unwrap().unwrap().function_name.as_deref(),
        Some("p0")
    );
    assert_eq!(
        items.next().unwrap().unwrap().function_name.as_deref(),
        Some("p1")
    );
    let err = items.next().unwrap().unwrap_err();
    assert_eq!(err.code(), Some("InvalidParameterValueException"));
    assert!(items.next().is_none());
    assert_eq!(calls.load(Ordering::SeqCst), 3);
}

#[test]
fn a_repeated_marker_stops_the_pages() {
    let server = LoopbackServer::with_handler(|_r: &RecordedRequest| {
        encoded(
            "ListFunctions",
            json!({"Functions": [{"FunctionName": "same"}], "NextMarker": "again"}),
        )
    });
    let sleeper = RecordingSleeper::default();
    let client = builder(&server.url(), &sleeper, 0.5).build().unwrap();
    let pages = client.paginate(ListFunctions::new()).count();
    assert_eq!(pages, 2);
    assert_eq!(server.request_count(), 2);
}

fn get_function_in_state(state: &str) -> Step {
    Step::Respond(encoded(
        "GetFunction",
        json!({"Configuration": {"FunctionName": "f", "State": state}}),
    ))
}

#[test]
fn waiter_polls_until_active() {
    let server = LoopbackServer::start(vec![
        get_function_in_state("Pending"),
        get_function_in_state("Pending"),
        get_function_in_state("Active"),
    ]);
    let sleeper = RecordingSleeper::default();
    let client = builder(&server.url(), &sleeper, 0.5).build().unwrap();
    let out = client.wait(function_active_v2("f")).unwrap();
    assert_eq!(
        out.configuration
            .unwrap()
            .state
            .map(|s| s.as_str().to_string()),
        Some("Active".to_string())
    );
    assert_eq!(server.request_count(), 3);
    // FunctionActiveV2 polls every second.
    assert_eq!(sleeper.delays(), vec![Duration::from_secs(1); 2]);
}

#[test]
fn waiter_failure_state_ends_the_wait() {
    let server = LoopbackServer::start(vec![
        get_function_in_state("Pending"),
        get_function_in_state("Failed"),
    ]);
    let sleeper = RecordingSleeper::default();
    let client = builder(&server.url(), &sleeper, 0.5).build().unwrap();
    match client.wait(function_active_v2("f")).unwrap_err() {
        WaitError::Failure { waiter, matcher } => {
            assert_eq!(waiter, "FunctionActiveV2");
            assert_eq!(
                matcher,
                Matcher::Path {
                    argument: "Configuration.State",
                    expected: "Failed"
                }
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn waiter_overall_timeout() {
    let server =
        LoopbackServer::with_step_handler(|_r: &RecordedRequest| get_function_in_state("Pending"));
    let sleeper = RecordingSleeper::default();
    let client = builder(&server.url(), &sleeper, 0.5)
        .waiter_timeout(Some(Duration::from_secs(5)))
        .build()
        .unwrap();
    match client.wait(function_active_v2("f")).unwrap_err() {
        WaitError::Timeout {
            attempts, limit, ..
        } => {
            // Polls at 0, 1, 2, 3, 4 and 5 s; a seventh would come after the limit.
            assert_eq!(attempts, 6);
            assert_eq!(limit, Duration::from_secs(5));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        sleeper.delays().iter().sum::<Duration>(),
        Duration::from_secs(5)
    );
    assert_eq!(server.request_count(), 6);
}

#[test]
fn waiter_attempts_run_out() {
    let server =
        LoopbackServer::with_step_handler(|_r: &RecordedRequest| get_function_in_state("Pending"));
    let sleeper = RecordingSleeper::default();
    let client = builder(&server.url(), &sleeper, 0.5).build().unwrap();
    let waiter = function_active_v2("f")
        .max_attempts(4)
        .delay(Duration::from_millis(10));
    match client.wait(waiter).unwrap_err() {
        WaitError::Exhausted { attempts, .. } => assert_eq!(attempts, 4),
        other => panic!("{other:?}"),
    }
    assert_eq!(sleeper.delays(), vec![Duration::from_millis(10); 3]);
}

#[test]
fn function_exists_retries_not_found_and_reports_other_errors() {
    let server = LoopbackServer::start(vec![
        Step::Respond(error_response(404, "ResourceNotFoundException", "no")),
        get_function_in_state("Pending"),
    ]);
    let sleeper = RecordingSleeper::default();
    let client = builder(&server.url(), &sleeper, 0.5).build().unwrap();
    client.wait(function_exists("f")).unwrap();
    assert_eq!(server.request_count(), 2);

    let denied = LoopbackServer::start(vec![Step::Respond(error_response(
        403,
        "AccessDeniedException",
        "no access",
    ))]);
    let client = builder(&denied.url(), &sleeper, 0.5).build().unwrap();
    match client.wait(function_exists("f")).unwrap_err() {
        WaitError::Call(e) => assert_eq!(e.code(), Some("AccessDeniedException")),
        other => panic!("{other:?}"),
    }
}

fn event(event_type: &str, payload: &[u8]) -> Vec<u8> {
    Message::new(payload.to_vec())
        .with_header(":message-type", "event")
        .with_header(":event-type", event_type)
        .with_header(":content-type", "application/octet-stream")
        .encode()
        .unwrap()
}

fn stream_response(body: Vec<u8>) -> Response {
    Response::new(200)
        .header("Content-Type", "application/vnd.amazon.eventstream")
        .header("X-Amz-Executed-Version", "$LATEST")
        .body(body)
}

#[test]
fn response_stream_events_in_order() {
    let mut body = Vec::new();
    for part in ["hel", "lo, ", "world"] {
        body.extend(event("PayloadChunk", part.as_bytes()));
    }
    body.extend(event("InvokeComplete", br#"{"LogResult":"bG9n"}"#));
    let server = LoopbackServer::start(vec![Step::RespondSlowly {
        response: stream_response(body),
        chunk_size: 17,
        pause: Duration::from_millis(1),
    }]);
    let sleeper = RecordingSleeper::default();
    let client = builder(&server.url(), &sleeper, 0.5).build().unwrap();
    let stream = client
        .invoke_with_response_stream(InvokeWithResponseStream::new("f"))
        .unwrap();
    assert_eq!(stream.output().status_code, Some(200));
    assert_eq!(stream.output().executed_version.as_deref(), Some("$LATEST"));
    let events: Vec<_> = stream.collect::<Result<_, _>>().unwrap();
    let mut payload: Vec<u8> = Vec::new();
    for e in &events[..3] {
        match e {
            ResponseStreamEvent::PayloadChunk(bytes) => payload.extend(bytes),
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(payload, b"hello, world");
    assert_eq!(
        events[3],
        ResponseStreamEvent::InvokeComplete {
            error_code: None,
            error_details: None,
            log_result: Some("bG9n".into())
        }
    );
    assert_eq!(events.len(), 4);
    let r = &server.requests()[0];
    assert_eq!(
        r.path(),
        "/2021-11-15/functions/f/response-streaming-invocations"
    );
}

#[test]
fn response_stream_is_read_incrementally() {
    // 20 chunks of 1 KiB sent in pieces of 512 bytes, 20 ms apart: about 0.8 s in all.
    let mut body = Vec::new();
    for i in 0..20u8 {
        body.extend(event("PayloadChunk", &[b'a' + i; 1024]));
    }
    body.extend(event("InvokeComplete", b""));
    let server = LoopbackServer::start(vec![Step::RespondSlowly {
        response: stream_response(body),
        chunk_size: 512,
        pause: Duration::from_millis(20),
    }]);
    let sleeper = RecordingSleeper::default();
    let client = builder(&server.url(), &sleeper, 0.5).build().unwrap();
    let started = Instant::now();
    let mut stream = client
        .invoke_with_response_stream(InvokeWithResponseStream::new("f"))
        .unwrap();
    let first = stream.next().unwrap().unwrap();
    let first_at = started.elapsed();
    assert_eq!(first, ResponseStreamEvent::PayloadChunk(vec![b'a'; 1024]));
    let rest: Vec<_> = stream.collect::<Result<_, _>>().unwrap();
    let all_at = started.elapsed();
    assert_eq!(rest.len(), 20);
    assert!(
        first_at * 3 < all_at,
        "first event at {first_at:?}, all at {all_at:?}: the body was buffered"
    );
}

#[test]
fn response_stream_cut_short_is_an_error() {
    let mut body = event("PayloadChunk", b"partial");
    let complete = event("InvokeComplete", b"");
    body.extend(&complete[..complete.len() / 2]);
    let server = LoopbackServer::start(vec![Step::Respond(stream_response(body))]);
    let sleeper = RecordingSleeper::default();
    let client = builder(&server.url(), &sleeper, 0.5).build().unwrap();
    let mut stream = client
        .invoke_with_response_stream(InvokeWithResponseStream::new("f"))
        .unwrap();
    assert_eq!(
        stream.next().unwrap().unwrap(),
        ResponseStreamEvent::PayloadChunk(b"partial".to_vec())
    );
    assert!(matches!(stream.next(), Some(Err(StreamError::Decode(_)))));
    assert!(stream.next().is_none());
}

#[test]
fn response_stream_exception_event() {
    let mut body = event("PayloadChunk", b"x");
    body.extend(
        Message::new(br#"{"message":"function crashed"}"#.to_vec())
            .with_header(":message-type", "exception")
            .with_header(":exception-type", "ServiceException")
            .encode()
            .unwrap(),
    );
    let server = LoopbackServer::start(vec![Step::Respond(stream_response(body))]);
    let sleeper = RecordingSleeper::default();
    let client = builder(&server.url(), &sleeper, 0.5).build().unwrap();
    let events: Vec<_> = client
        .invoke_with_response_stream(InvokeWithResponseStream::new("f"))
        .unwrap()
        .collect();
    assert_eq!(events.len(), 2);
    match &events[1] {
        Err(StreamError::Decode(ResponseStreamError::Exception {
            exception_type,
            message,
            ..
        })) => {
            assert_eq!(exception_type, "ServiceException");
            assert_eq!(message.as_deref(), Some("function crashed"));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn response_stream_error_answers_are_retried() {
    let mut body = event("PayloadChunk", b"ok");
    body.extend(event("InvokeComplete", b""));
    let server = LoopbackServer::start(vec![
        Step::Respond(error_response(429, "TooManyRequestsException", "busy")),
        Step::Respond(stream_response(body)),
    ]);
    let sleeper = RecordingSleeper::default();
    let client = builder(&server.url(), &sleeper, 0.5).build().unwrap();
    let events: Vec<_> = client
        .invoke_with_response_stream(InvokeWithResponseStream::new("f"))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(events.len(), 2);
    assert_eq!(server.request_count(), 2);
    assert_eq!(sleeper.delays().len(), 1);

    let missing = LoopbackServer::start(vec![Step::Respond(error_response(
        404,
        "ResourceNotFoundException",
        "Function not found",
    ))]);
    let client = builder(&missing.url(), &sleeper, 0.5).build().unwrap();
    let err = client
        .invoke_with_response_stream(InvokeWithResponseStream::new("f"))
        .unwrap_err();
    assert_eq!(err.code(), Some("ResourceNotFoundException"));
}
