//! Paginators, waiters and response streams against a loopback server.
#![cfg(feature = "tokio")]

mod common;

use std::time::Duration;

use common::{creds, function_json, loopback_builder, RecordingSleep};
use futures_util::StreamExt;
use lambda_async::{Client, StreamError, WaitError};
use lambda_proto::event_stream::{Message, ResponseStreamError, ResponseStreamEvent};
use lambda_proto::operations::{InvokeWithResponseStream, ListFunctions};
use lambda_proto::waiter::{function_active_v2, Matcher};
use test_support::{LoopbackServer, Response, Step};

fn client(server: &LoopbackServer, sleep: &RecordingSleep) -> Client {
    loopback_builder(&server.url(), sleep)
        .random(|| 0.5)
        .build()
        .unwrap()
}

/// Pages of ListFunctions: markers "m1", "m2", then the last page.
fn paging_server() -> LoopbackServer {
    LoopbackServer::with_handler(|request| {
        let (names, next): (&[&str], Option<&str>) = match request.query_param("Marker") {
            None => (&["a", "b"], Some("m1")),
            Some("m1") => (&["c"], Some("m2")),
            Some("m2") => (&["d", "e"], None),
            Some(other) => panic!("unexpected marker {other}"),
        };
        let functions: Vec<_> = names
            .iter()
            .map(|n| serde_json::json!({ "FunctionName": n }))
            .collect();
        let mut body = serde_json::json!({ "Functions": functions });
        if let Some(next) = next {
            body["NextMarker"] = next.into();
        }
        Response::json(200, body.to_string())
    })
}

#[tokio::test]
async fn items_stream_walks_all_pages() {
    let server = paging_server();
    let client = client(&server, &RecordingSleep::default());
    let names: Vec<String> = client
        .items(ListFunctions::new().max_items(2))
        .map(|f| f.unwrap().function_name.unwrap())
        .collect()
        .await;
    assert_eq!(names, ["a", "b", "c", "d", "e"]);
    let requests = server.requests();
    let markers: Vec<_> = requests.iter().map(|r| r.query_param("Marker")).collect();
    assert_eq!(markers, [None, Some("m1"), Some("m2")]);
    assert!(requests
        .iter()
        .all(|r| r.query_param("MaxItems") == Some("2")));
}

#[tokio::test]
async fn pages_stream_is_lazy_and_ends_after_the_last_page() {
    let server = paging_server();
    let client = client(&server, &RecordingSleep::default());
    let mut pages = std::pin::pin!(client.pages(ListFunctions::new()));
    let first = pages.next().await.unwrap().unwrap();
    assert_eq!(first.next_marker.as_deref(), Some("m1"));
    assert_eq!(server.request_count(), 1, "one page fetched per poll");
    let rest: Vec<_> = pages.collect().await;
    assert_eq!(rest.len(), 2);
    assert_eq!(server.request_count(), 3);
}

#[tokio::test]
async fn pages_stream_stops_after_an_error() {
    let server = LoopbackServer::start(vec![
        Step::json(200, r#"{"Functions":[],"NextMarker":"m1"}"#),
        Step::Respond(
            Response::json(400, r#"{"message":"bad"}"#)
                .header("x-amzn-ErrorType", "InvalidParameterValueException"),
        ),
    ]);
    let client = client(&server, &RecordingSleep::default());
    let pages: Vec<_> = client.pages(ListFunctions::new()).collect().await;
    assert_eq!(pages.len(), 2);
    assert!(pages[0].is_ok());
    assert_eq!(
        pages[1].as_ref().unwrap_err().code(),
        Some("InvalidParameterValueException")
    );
}

#[tokio::test]
async fn waiter_polls_until_active() {
    let server = LoopbackServer::start(vec![
        Step::json(200, function_json("f", "Pending")),
        Step::json(200, function_json("f", "Pending")),
        Step::json(200, function_json("f", "Active")),
    ]);
    let sleep = RecordingSleep::default();
    let out = client(&server, &sleep)
        .wait(function_active_v2("f"), Duration::from_secs(60))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        out.configuration.unwrap().state,
        Some(lambda_proto::types::State::Active)
    );
    assert_eq!(server.request_count(), 3);
    // FunctionActiveV2 polls every second (model value).
    assert_eq!(sleep.delays(), vec![Duration::from_secs(1); 2]);
}

#[tokio::test]
async fn waiter_failure_and_timeout() {
    let server = LoopbackServer::start(vec![Step::json(200, function_json("f", "Failed"))]);
    let sleep = RecordingSleep::default();
    let err = client(&server, &sleep)
        .wait(function_active_v2("f"), Duration::from_secs(60))
        .await
        .unwrap_err();
    match err {
        WaitError::Failure { matcher, attempts } => {
            assert_eq!(attempts, 1);
            assert!(matches!(
                matcher,
                Matcher::Path {
                    expected: "Failed",
                    ..
                }
            ));
        }
        other => panic!("{other:?}"),
    }

    let server =
        LoopbackServer::start_then(vec![], |_| Step::json(200, function_json("f", "Pending")));
    let sleep = RecordingSleep::default();
    let err = client(&server, &sleep)
        .wait(function_active_v2("f"), Duration::from_secs(2))
        .await
        .unwrap_err();
    // Polls at 0 s and 1 s sleep; at 2 s another 1 s delay would pass the limit.
    match err {
        WaitError::TimedOut { attempts, limit } => {
            assert_eq!(attempts, 3);
            assert_eq!(limit, Duration::from_secs(2));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(sleep.delays(), vec![Duration::from_secs(1); 2]);
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
        .header("x-amzn-RequestId", "stream-request-1")
        .body(body)
}

#[tokio::test]
async fn response_stream_events_arrive_as_frames_arrive() {
    let mut body = event("PayloadChunk", b"hello ");
    body.extend(event("PayloadChunk", b"world"));
    body.extend(event("InvokeComplete", br#"{"LogResult":"bG9n"}"#));
    let server = LoopbackServer::start(vec![
        Step::Respond(
            Response::json(503, r#"{"message":"busy"}"#)
                .header("x-amzn-ErrorType", "ServiceException"),
        ),
        Step::RespondSlowly {
            response: stream_response(body),
            chunk_size: 7,
            pause: Duration::from_millis(1),
        },
    ]);
    let sleep = RecordingSleep::default();
    let stream = client(&server, &sleep)
        .invoke_with_response_stream(&InvokeWithResponseStream::new("f"))
        .await
        .unwrap();
    assert_eq!(stream.output().executed_version.as_deref(), Some("$LATEST"));
    assert_eq!(stream.request_id(), Some("stream-request-1"));
    let events: Vec<_> = stream.map(Result::unwrap).collect().await;
    assert_eq!(
        events,
        vec![
            ResponseStreamEvent::PayloadChunk(b"hello ".to_vec()),
            ResponseStreamEvent::PayloadChunk(b"world".to_vec()),
            ResponseStreamEvent::InvokeComplete {
                error_code: None,
                error_details: None,
                log_result: Some("bG9n".into()),
            },
        ]
    );
    assert_eq!(server.request_count(), 2, "the 503 was retried");
    assert_eq!(
        server.requests()[1].path(),
        "/2021-11-15/functions/f/response-streaming-invocations"
    );
}

#[tokio::test]
async fn response_stream_cut_before_invoke_complete_is_an_error() {
    let server = LoopbackServer::start(vec![Step::Respond(stream_response(event(
        "PayloadChunk",
        b"partial",
    )))]);
    let client = client(&server, &RecordingSleep::default());
    let events: Vec<_> = client
        .invoke_with_response_stream(&InvokeWithResponseStream::new("f"))
        .await
        .unwrap()
        .collect()
        .await;
    assert_eq!(events.len(), 2);
    assert_eq!(
        events[0].as_ref().unwrap(),
        &ResponseStreamEvent::PayloadChunk(b"partial".to_vec())
    );
    assert!(matches!(
        events[1],
        Err(StreamError::Decode(
            ResponseStreamError::MissingInvokeComplete
        ))
    ));
    // The request slot is given back when the stream is dropped.
    drop(events);
}

#[tokio::test]
async fn response_stream_corrupt_frame_is_an_error() {
    let mut body = event("PayloadChunk", b"abc");
    let last = body.len() - 1;
    body[last] ^= 0xff; // breaks the message CRC
    let server = LoopbackServer::start(vec![Step::Respond(stream_response(body))]);
    let client = client(&server, &RecordingSleep::default());
    let events: Vec<_> = client
        .invoke_with_response_stream(&InvokeWithResponseStream::new("f"))
        .await
        .unwrap()
        .collect()
        .await;
    assert_eq!(events.len(), 1);
    assert!(matches!(
        events[0],
        Err(StreamError::Decode(ResponseStreamError::Frame(_)))
    ));
}

/// A stream whose body pauses after the first event: the head and that event, then
/// nothing for `pause`, then the rest.
fn pausing_stream(pause: Duration) -> Step {
    let first = event("PayloadChunk", b"first");
    let mut body = first.clone();
    body.extend(event("PayloadChunk", b"second"));
    body.extend(event("InvokeComplete", b"{}"));
    let response = stream_response(body.clone());
    let head = response.to_bytes(false).len() - body.len();
    Step::Pause {
        response,
        bytes: head + first.len(),
        pause,
    }
}

#[tokio::test]
async fn response_stream_yields_events_before_the_body_ends() {
    let server = LoopbackServer::start(vec![pausing_stream(Duration::from_secs(2))]);
    let started = std::time::Instant::now();
    let mut stream = client(&server, &RecordingSleep::default())
        .invoke_with_response_stream(&InvokeWithResponseStream::new("f"))
        .await
        .unwrap();
    let first = stream.next().await.unwrap().unwrap();
    assert_eq!(first, ResponseStreamEvent::PayloadChunk(b"first".to_vec()));
    assert!(
        started.elapsed() < Duration::from_millis(1500),
        "the first event waited for the rest of the body: {:?}",
        started.elapsed()
    );
    let second = stream.next().await.unwrap().unwrap();
    assert_eq!(
        second,
        ResponseStreamEvent::PayloadChunk(b"second".to_vec())
    );
    assert!(started.elapsed() >= Duration::from_secs(2));
    assert!(matches!(
        stream.next().await,
        Some(Ok(ResponseStreamEvent::InvokeComplete { .. }))
    ));
    assert!(stream.next().await.is_none());
}

#[tokio::test]
async fn a_silent_stream_ends_at_the_invoke_timeout() {
    let server = LoopbackServer::start(vec![pausing_stream(Duration::from_secs(10))]);
    let client = Client::builder()
        .region("us-east-1")
        .endpoint_url(server.url())
        .credentials(creds())
        .invoke_timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let started = std::time::Instant::now();
    let mut stream = client
        .invoke_with_response_stream(&InvokeWithResponseStream::new("f"))
        .await
        .unwrap();
    assert!(matches!(stream.next().await, Some(Ok(_))));
    match stream.next().await {
        Some(Err(StreamError::Transport(e))) => {
            assert_eq!(e.kind(), lambda_proto::error::TransportErrorKind::Timeout)
        }
        other => panic!("expected a timeout, got {other:?}"),
    }
    assert!(stream.next().await.is_none(), "nothing after the timeout");
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn an_unread_stream_stops_the_sender() {
    // 32 MiB of events: far more than the socket buffers and hyper's read buffer hold.
    let chunk = vec![b'x'; 1024 * 1024];
    let mut body = Vec::new();
    for _ in 0..32 {
        body.extend(event("PayloadChunk", &chunk));
    }
    body.extend(event("InvokeComplete", b"{}"));
    let total = body.len();
    let server = LoopbackServer::start(vec![Step::Respond(stream_response(body))]);
    let mut stream = client(&server, &RecordingSleep::default())
        .invoke_with_response_stream(&InvokeWithResponseStream::new("f"))
        .await
        .unwrap();
    assert!(matches!(stream.next().await, Some(Ok(_))));
    tokio::time::sleep(Duration::from_millis(500)).await;
    let sent = server.bytes_sent();
    assert!(
        sent < total / 2,
        "{sent} of {total} bytes were sent while nobody read the stream"
    );
    let mut chunks = 1;
    while let Some(event) = stream.next().await {
        if let ResponseStreamEvent::PayloadChunk(bytes) = event.unwrap() {
            assert_eq!(bytes.len(), chunk.len());
            chunks += 1;
        }
    }
    assert_eq!(chunks, 32);
}
