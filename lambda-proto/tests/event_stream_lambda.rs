//! Lambda `InvokeWithResponseStream` events on top of the event-stream framing.
//!
//! Expected values come from the Lambda model (event names `PayloadChunk` and
//! `InvokeComplete`, members `ErrorCode`, `ErrorDetails`, `LogResult`) and the event-stream
//! conventions for `:message-type` `event`, `exception` and `error`.

use lambda_proto::event_stream::{
    EventStreamError, HeaderValue, Message, ResponseStreamDecoder, ResponseStreamError,
    ResponseStreamEvent,
};

fn event(event_type: &str, payload: &[u8]) -> Message {
    Message::new(payload.to_vec())
        .with_header(":event-type", event_type)
        .with_header(":content-type", "application/octet-stream")
        .with_header(":message-type", "event")
}

fn complete(json: &str) -> Result<ResponseStreamEvent, ResponseStreamError> {
    ResponseStreamEvent::from_message(event("InvokeComplete", json.as_bytes()))
}

fn invoke_complete(
    code: Option<&str>,
    details: Option<&str>,
    log: Option<&str>,
) -> ResponseStreamEvent {
    ResponseStreamEvent::InvokeComplete {
        error_code: code.map(Into::into),
        error_details: details.map(Into::into),
        log_result: log.map(Into::into),
    }
}

#[test]
fn payload_chunk_is_the_raw_payload() {
    let bytes = vec![0, 0xff, b'{', 0xc3];
    assert_eq!(
        ResponseStreamEvent::from_message(event("PayloadChunk", &bytes)),
        Ok(ResponseStreamEvent::PayloadChunk(bytes))
    );
}

#[test]
fn invoke_complete_members_each_optional() {
    assert_eq!(
        complete(r#"{"ErrorCode":"Unhandled","ErrorDetails":"boom","LogResult":"U1RBUlQ="}"#),
        Ok(invoke_complete(
            Some("Unhandled"),
            Some("boom"),
            Some("U1RBUlQ=")
        ))
    );
    assert_eq!(complete("{}"), Ok(invoke_complete(None, None, None)));
    assert_eq!(complete(""), Ok(invoke_complete(None, None, None)));
    assert_eq!(
        complete(r#"{"LogResult":"bG9n"}"#),
        Ok(invoke_complete(None, None, Some("bG9n")))
    );
    assert_eq!(
        complete(r#"{"ErrorCode":null,"ErrorDetails":"d","Other":1}"#),
        Ok(invoke_complete(None, Some("d"), None))
    );
    assert!(matches!(
        complete("not json"),
        Err(ResponseStreamError::InvalidInvokeComplete { .. })
    ));
    assert!(matches!(
        complete(r#"{"ErrorCode":5}"#),
        Err(ResponseStreamError::InvalidInvokeComplete { .. })
    ));
}

#[test]
fn unknown_event_type_is_kept() {
    let m = event("SomethingNew", b"data");
    assert_eq!(
        ResponseStreamEvent::from_message(m.clone()),
        Ok(ResponseStreamEvent::Unknown {
            event_type: "SomethingNew".into(),
            message: m,
        })
    );
}

#[test]
fn exception_message() {
    let exception = |payload: &[u8]| {
        Message::new(payload.to_vec())
            .with_header(":message-type", "exception")
            .with_header(":exception-type", "ServiceException")
            .with_header(":content-type", "application/json")
    };
    for (payload, message) in [
        (&br#"{"message":"boom"}"#[..], Some("boom")),
        (br#"{"Message":"Boom"}"#, Some("Boom")),
        (br#"{"Type":"Service"}"#, None),
        (b"<html>", None),
        (b"", None),
    ] {
        assert_eq!(
            ResponseStreamEvent::from_message(exception(payload)),
            Err(ResponseStreamError::Exception {
                exception_type: "ServiceException".into(),
                message: message.map(Into::into),
                payload: payload.to_vec(),
            })
        );
    }
    let no_type = Message::new(b"{}".to_vec()).with_header(":message-type", "exception");
    assert_eq!(
        ResponseStreamEvent::from_message(no_type),
        Err(ResponseStreamError::MissingHeader {
            name: ":exception-type"
        })
    );
}

#[test]
fn error_message() {
    let m = Message::new(vec![])
        .with_header(":message-type", "error")
        .with_header(":error-code", "InternalFailure");
    assert_eq!(
        ResponseStreamEvent::from_message(m),
        Err(ResponseStreamError::Error {
            error_code: "InternalFailure".into(),
            error_message: None,
        })
    );
    let m = Message::new(vec![]).with_header(":message-type", "error");
    assert_eq!(
        ResponseStreamEvent::from_message(m),
        Err(ResponseStreamError::MissingHeader {
            name: ":error-code"
        })
    );
}

#[test]
fn message_type_rules() {
    assert_eq!(
        ResponseStreamEvent::from_message(Message::new(vec![])),
        Err(ResponseStreamError::MissingHeader {
            name: ":message-type"
        })
    );
    // Present but not a string.
    let m = Message::new(vec![]).with_header(":message-type", HeaderValue::Int32(1));
    assert_eq!(
        ResponseStreamEvent::from_message(m),
        Err(ResponseStreamError::MissingHeader {
            name: ":message-type"
        })
    );
    let m = Message::new(vec![]).with_header(":message-type", "gossip");
    assert_eq!(
        ResponseStreamEvent::from_message(m),
        Err(ResponseStreamError::UnknownMessageType {
            message_type: "gossip".into()
        })
    );
    let m = Message::new(vec![]).with_header(":message-type", "event");
    assert_eq!(
        ResponseStreamEvent::from_message(m),
        Err(ResponseStreamError::MissingHeader {
            name: ":event-type"
        })
    );
}

/// A response body: "hé" + "llo wörld" in chunks that split the UTF-8 of "é", then complete.
fn body() -> Vec<u8> {
    let text = "h\u{e9}llo w\u{f6}rld".as_bytes();
    // Cut inside the two-byte "é" (bytes 1 and 2).
    let (a, b) = text.split_at(2);
    [
        event("PayloadChunk", a).encode().unwrap(),
        event("PayloadChunk", b).encode().unwrap(),
        event("InvokeComplete", br#"{"LogResult":"bG9n"}"#)
            .encode()
            .unwrap(),
    ]
    .concat()
}

#[test]
fn response_stream_in_chunks_of_every_size() {
    let body = body();
    for size in 1..=body.len() {
        let mut decoder = ResponseStreamDecoder::new();
        let mut chunks = Vec::new();
        let mut completes = Vec::new();
        for piece in body.chunks(size) {
            for ev in decoder.feed(piece) {
                match ev.unwrap() {
                    ResponseStreamEvent::PayloadChunk(bytes) => chunks.push(bytes),
                    other => completes.push(other),
                }
            }
        }
        assert_eq!(decoder.finish(), Ok(()), "chunk size {size}");
        assert!(decoder.is_complete());
        assert_eq!(chunks.len(), 2);
        assert!(
            std::str::from_utf8(&chunks[0]).is_err(),
            "first chunk ends mid-character"
        );
        assert_eq!(
            String::from_utf8(chunks.concat()).unwrap(),
            "h\u{e9}llo w\u{f6}rld"
        );
        assert_eq!(completes, vec![invoke_complete(None, None, Some("bG9n"))]);
    }
}

#[test]
fn response_stream_end_checks() {
    let body = body();
    let without_complete_len = body.len()
        - event("InvokeComplete", br#"{"LogResult":"bG9n"}"#)
            .encode()
            .unwrap()
            .len();

    let mut d = ResponseStreamDecoder::new();
    assert_eq!(d.finish(), Err(ResponseStreamError::MissingInvokeComplete));
    d.feed(&body[..without_complete_len]).for_each(|e| {
        e.unwrap();
    });
    assert!(!d.is_complete());
    assert_eq!(d.finish(), Err(ResponseStreamError::MissingInvokeComplete));

    let mut d = ResponseStreamDecoder::new();
    d.feed(&body[..body.len() - 1]).for_each(|e| {
        e.unwrap();
    });
    assert!(matches!(
        d.finish(),
        Err(ResponseStreamError::Frame(
            EventStreamError::UnexpectedEof { .. }
        ))
    ));
}

#[test]
fn response_stream_errors_stick() {
    let exception = Message::new(br#"{"message":"slow down"}"#.to_vec())
        .with_header(":message-type", "exception")
        .with_header(":exception-type", "ThrottlingException")
        .encode()
        .unwrap();
    let ok = event("PayloadChunk", b"x").encode().unwrap();
    let mut d = ResponseStreamDecoder::new();
    let first = d.decode(&mut &exception[..]).unwrap_err();
    assert_eq!(
        first.to_string(),
        "response stream exception ThrottlingException: slow down"
    );
    assert_eq!(d.decode(&mut &ok[..]), Err(first.clone()));
    assert_eq!(d.finish(), Err(first));

    let mut corrupt = ok.clone();
    corrupt[13] ^= 1;
    let mut d = ResponseStreamDecoder::new();
    let err = d.decode(&mut &corrupt[..]).unwrap_err();
    assert!(matches!(
        err,
        ResponseStreamError::Frame(EventStreamError::MessageCrcMismatch { .. })
    ));
    assert!(std::error::Error::source(&err).is_some());
    assert_eq!(d.decode(&mut &ok[..]), Err(err));
}
