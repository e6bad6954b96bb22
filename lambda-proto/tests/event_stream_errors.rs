//! Every framing rule of the event-stream decoder and encoder, one case each.

use lambda_proto::event_stream::{
    Decoder, EventStreamError, HeaderPart, HeaderValue, Limits, Message, MAX_MESSAGE_LEN,
};

/// Builds a frame from raw headers and payload bytes with correct lengths and CRCs, written
/// from the format description independently of the encoder under test.
fn frame(headers: &[u8], payload: &[u8]) -> Vec<u8> {
    let total = (16 + headers.len() + payload.len()) as u32;
    let mut out = Vec::new();
    out.extend(total.to_be_bytes());
    out.extend((headers.len() as u32).to_be_bytes());
    out.extend(crc32fast::hash(&out).to_be_bytes());
    out.extend(headers);
    out.extend(payload);
    out.extend(crc32fast::hash(&out).to_be_bytes());
    out
}

/// A prelude with a correct CRC for these lengths.
fn prelude(total_len: u32, headers_len: u32) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend(total_len.to_be_bytes());
    out.extend(headers_len.to_be_bytes());
    out.extend(crc32fast::hash(&out).to_be_bytes());
    out
}

fn decode_one(bytes: &[u8]) -> Result<Option<Message>, EventStreamError> {
    Decoder::new().decode(&mut &bytes[..])
}

use EventStreamError::*;
use HeaderPart::*;

#[test]
fn header_rules() {
    #[rustfmt::skip]
    let cases: &[(&str, &[u8], EventStreamError)] = &[
        ("name cut",            &[5, b'a'],                         TruncatedHeader { offset: 13, part: Name }),
        ("type missing",        &[3, b'a', b'b', b'c'],             TruncatedHeader { offset: 16, part: ValueType }),
        ("int32 cut",           &[1, b'a', 4, 0, 0],                TruncatedHeader { offset: 15, part: Value }),
        ("int8 missing",        &[1, b'a', 2],                      TruncatedHeader { offset: 15, part: Value }),
        ("int64 cut",           &[1, b'a', 5, 0, 0, 0, 0, 0, 0, 0], TruncatedHeader { offset: 15, part: Value }),
        ("timestamp cut",       &[1, b'a', 8, 0],                   TruncatedHeader { offset: 15, part: Value }),
        ("uuid cut",            &[1, b'a', 9, 1, 2, 3],             TruncatedHeader { offset: 15, part: Value }),
        ("string length cut",   &[1, b'a', 7, 0],                   TruncatedHeader { offset: 15, part: ValueLength }),
        ("string cut",          &[1, b'a', 7, 0, 3, b'x'],          TruncatedHeader { offset: 17, part: Value }),
        ("bytes cut",           &[1, b'a', 6, 0xff, 0xff, 1, 2],    TruncatedHeader { offset: 17, part: Value }),
        ("type 10",             &[1, b'a', 10],                     UnknownHeaderType { offset: 14, type_code: 10 }),
        ("type 255",            &[0, 255],                          UnknownHeaderType { offset: 13, type_code: 255 }),
        ("name not UTF-8",      &[2, 0xc3, 0x28, 0],                InvalidUtf8 { offset: 13, part: Name }),
        ("string not UTF-8",    &[1, b'a', 7, 0, 1, 0xff],          InvalidUtf8 { offset: 17, part: Value }),
        ("duplicate",           &[1, b'a', 0, 1, b'b', 0, 1, b'a', 1], DuplicateHeader { offset: 18 }),
    ];
    for (what, headers, expected) in cases {
        assert_eq!(decode_one(&frame(headers, b"p")), Err(*expected), "{what}");
    }
}

#[test]
fn edge_headers_that_are_valid() {
    // Empty name, 255-byte name, empty string, empty bytes, UTF-8 split nowhere.
    let long_name = vec![b'n'; 255];
    let mut headers = vec![0, 0];
    headers.push(255);
    headers.extend(&long_name);
    headers.extend([7, 0, 0]);
    headers.extend([1, b'b', 6, 0, 0]);
    headers.extend([1, b'u', 7, 0, 2, 0xc3, 0xa9]);
    let m = decode_one(&frame(&headers, b"")).unwrap().unwrap();
    assert_eq!(m.header(""), Some(&HeaderValue::Bool(true)));
    assert_eq!(
        m.header_str(std::str::from_utf8(&long_name).unwrap()),
        Some("")
    );
    assert_eq!(m.header("b").and_then(HeaderValue::as_bytes), Some(&[][..]));
    assert_eq!(m.header_str("u"), Some("\u{e9}"));
    assert_eq!(m.header("missing"), None);
}

#[test]
fn header_count_limit() {
    let mut headers = Vec::new();
    for i in 0..=Limits::DEFAULT_MAX_HEADER_COUNT {
        let name = format!("h{i}");
        headers.push(name.len() as u8);
        headers.extend(name.as_bytes());
        headers.push(0);
    }
    let bytes = frame(&headers, b"");
    assert_eq!(decode_one(&bytes), Err(TooManyHeaders { max: 256 }));

    let three = frame(&[1, b'a', 0, 1, b'b', 0, 1, b'c', 0], b"");
    let mut d = Decoder::with_limits(Limits::default().max_header_count(2));
    assert_eq!(d.decode(&mut &three[..]), Err(TooManyHeaders { max: 2 }));
    let mut d = Decoder::with_limits(Limits::default().max_header_count(3));
    assert_eq!(d.decode(&mut &three[..]).unwrap().unwrap().headers.len(), 3);
}

#[test]
fn prelude_rules() {
    assert_eq!(
        decode_one(&prelude(15, 0)),
        Err(MessageTooShort { total_len: 15 })
    );
    assert_eq!(
        decode_one(&prelude(0, 0)),
        Err(MessageTooShort { total_len: 0 })
    );
    assert_eq!(
        decode_one(&prelude(16, 1)),
        Err(HeadersLengthExceedsMessage {
            headers_len: 1,
            total_len: 16
        })
    );
    assert_eq!(
        decode_one(&prelude(100, u32::MAX)),
        Err(HeadersLengthExceedsMessage {
            headers_len: u32::MAX,
            total_len: 100
        })
    );
    assert_eq!(
        decode_one(&prelude(200 * 1024, 128 * 1024 + 1)),
        Err(HeadersTooLarge {
            headers_len: 128 * 1024 + 1,
            max: 128 * 1024
        })
    );
    assert_eq!(
        decode_one(&prelude(u32::MAX, 0)),
        Err(MessageTooLarge {
            total_len: u32::MAX as u64,
            max: MAX_MESSAGE_LEN
        })
    );
    let mut bad_crc = prelude(16, 0);
    bad_crc[11] ^= 1;
    let actual = crc32fast::hash(&bad_crc[..8]);
    assert_eq!(
        decode_one(&bad_crc),
        Err(PreludeCrcMismatch {
            expected: actual ^ 1,
            actual
        })
    );
}

#[test]
fn oversized_message_is_rejected_from_its_prelude_alone() {
    // 16 MiB + 1: rejected as soon as the 12 prelude bytes are in, with no body sent.
    let p = prelude(16 * 1024 * 1024 + 1, 0);
    let mut decoder = Decoder::new();
    let mut input = &p[..];
    assert_eq!(
        decoder.decode(&mut input),
        Err(MessageTooLarge {
            total_len: 16 * 1024 * 1024 + 1,
            max: 16 * 1024 * 1024
        })
    );
    assert!(input.is_empty());
}

#[test]
fn largest_message_roundtrips_and_one_more_byte_is_refused() {
    let max = MAX_MESSAGE_LEN as usize;
    let m = Message::new(vec![0xa5; max - 16]);
    let bytes = m.encode().unwrap();
    assert_eq!(bytes.len(), max);
    let mut decoder = Decoder::new();
    let mut got = None;
    for chunk in bytes.chunks(1 << 20) {
        let mut input = chunk;
        if let Some(msg) = decoder.decode(&mut input).unwrap() {
            got = Some(msg);
        }
    }
    assert!(got == Some(m));
    assert_eq!(
        Message::new(vec![0; max - 15]).encode(),
        Err(MessageTooLarge {
            total_len: max as u64 + 1,
            max: MAX_MESSAGE_LEN
        })
    );
}

#[test]
fn lowered_message_limit() {
    let limits = Limits::default().max_message_len(100);
    let fits = Message::new(vec![1; 84]).encode().unwrap();
    let over = Message::new(vec![1; 85]).encode().unwrap();
    assert_eq!(fits.len(), 100);
    assert!(Decoder::with_limits(limits)
        .decode(&mut &fits[..])
        .unwrap()
        .is_some());
    assert_eq!(
        Decoder::with_limits(limits).decode(&mut &over[..]),
        Err(MessageTooLarge {
            total_len: 101,
            max: 100
        })
    );
    // Limits cannot be raised above the format's maxima.
    assert_eq!(
        Limits::default()
            .max_message_len(u32::MAX)
            .message_len_limit(),
        MAX_MESSAGE_LEN
    );
    assert_eq!(
        Limits::default()
            .max_headers_len(u32::MAX)
            .headers_len_limit(),
        128 * 1024
    );
    let small_headers = Limits::default().max_headers_len(4);
    let five = frame(&[1, b'a', 2, 7], b"");
    assert!(Decoder::with_limits(small_headers)
        .decode(&mut &five[..])
        .unwrap()
        .is_some());
    let six = frame(&[2, b'a', b'b', 2, 7], b"");
    assert_eq!(
        Decoder::with_limits(small_headers).decode(&mut &six[..]),
        Err(HeadersTooLarge {
            headers_len: 5,
            max: 4
        })
    );
}

#[test]
fn failed_decoder_stays_failed() {
    let mut bad = Message::new(b"abc".to_vec()).encode().unwrap();
    let n = bad.len();
    bad[n - 1] ^= 0xff;
    let good = Message::new(b"abc".to_vec()).encode().unwrap();
    let mut decoder = Decoder::new();
    let err = decoder.decode(&mut &bad[..]).unwrap_err();
    assert!(matches!(err, MessageCrcMismatch { .. }));
    assert_eq!(decoder.decode(&mut &good[..]), Err(err));
    assert_eq!(decoder.decode(&mut &[][..]), Err(err));
    assert_eq!(decoder.finish(), Err(err));
    assert!(!decoder.is_at_boundary());
    let mut it = decoder.feed(&good);
    assert_eq!(it.next(), Some(Err(err)));
    assert_eq!(it.next(), None);
}

#[test]
fn end_of_stream() {
    let bytes = Message::new(b"abc".to_vec()).encode().unwrap();
    let mut decoder = Decoder::new();
    assert_eq!(decoder.finish(), Ok(()));
    assert_eq!(decoder.decode(&mut &bytes[..5]), Ok(None));
    assert_eq!(
        decoder.finish(),
        Err(UnexpectedEof {
            received: 5,
            total_len: None
        })
    );
    assert_eq!(decoder.decode(&mut &bytes[5..14]), Ok(None));
    assert_eq!(
        decoder.finish(),
        Err(UnexpectedEof {
            received: 14,
            total_len: Some(19)
        })
    );
    assert_eq!(decoder.decode(&mut &bytes[14..18]), Ok(None));
    assert_eq!(
        decoder.finish(),
        Err(UnexpectedEof {
            received: 18,
            total_len: Some(19)
        })
    );
    assert!(decoder.decode(&mut &bytes[18..]).unwrap().is_some());
    assert_eq!(decoder.finish(), Ok(()));
    assert!(decoder.is_at_boundary());
}

#[test]
fn decode_leaves_the_next_message_in_the_input() {
    let a = Message::new(b"a".to_vec()).encode().unwrap();
    let b = Message::new(b"b".to_vec()).encode().unwrap();
    let stream = [a.clone(), b.clone()].concat();
    let mut decoder = Decoder::new();
    let mut input = &stream[..];
    assert_eq!(decoder.decode(&mut input).unwrap().unwrap().payload, b"a");
    assert_eq!(input, &b[..]);
    assert_eq!(decoder.decode(&mut input).unwrap().unwrap().payload, b"b");
    assert!(input.is_empty());
    assert_eq!(decoder.decode(&mut input), Ok(None));
}

#[test]
fn encoder_rules() {
    let ok_name = "n".repeat(127);
    assert!(Message::new(vec![])
        .with_header(ok_name.as_str(), true)
        .encode()
        .is_ok());
    assert_eq!(
        Message::new(vec![])
            .with_header("n".repeat(128), true)
            .encode(),
        Err(HeaderNameTooLong { len: 128 })
    );
    assert!(Message::new(vec![])
        .with_header("s", "x".repeat(32_767))
        .encode()
        .is_ok());
    assert_eq!(
        Message::new(vec![])
            .with_header("s", "x".repeat(32_768))
            .encode(),
        Err(HeaderValueTooLong { len: 32_768 })
    );
    assert_eq!(
        Message::new(vec![])
            .with_header("b", vec![0u8; 32_768])
            .encode(),
        Err(HeaderValueTooLong { len: 32_768 })
    );
    assert_eq!(
        Message::new(vec![])
            .with_header("a", true)
            .with_header("b", 1i32)
            .with_header("a", false)
            .encode(),
        Err(DuplicateHeader { offset: 12 + 3 + 7 })
    );
    // Five 30,000-byte values: about 150 KB of headers, over the 128 KiB limit.
    let mut m = Message::new(vec![]);
    for name in ["a", "b", "c", "d", "e"] {
        m = m.with_header(name, vec![b'a'; 30_000]);
    }
    assert_eq!(
        m.encode(),
        Err(HeadersTooLarge {
            headers_len: 5 * (1 + 1 + 1 + 2 + 30_000),
            max: 128 * 1024
        })
    );
}

#[test]
fn value_helpers() {
    assert_eq!(HeaderValue::Byte(-2).as_i64(), Some(-2));
    assert_eq!(HeaderValue::Int16(-300).as_i64(), Some(-300));
    assert_eq!(HeaderValue::Int32(70_000).as_i64(), Some(70_000));
    assert_eq!(HeaderValue::Int64(i64::MIN).as_i64(), Some(i64::MIN));
    assert_eq!(HeaderValue::Timestamp(5).as_i64(), None);
    assert_eq!(HeaderValue::Bool(false).as_bool(), Some(false));
    assert_eq!(HeaderValue::String("x".into()).as_bytes(), None);
    assert_eq!(
        HeaderValue::Timestamp(0).as_timestamp(),
        Some(time::OffsetDateTime::UNIX_EPOCH)
    );
    assert_eq!(HeaderValue::Timestamp(i64::MAX).as_timestamp(), None);
    let codes: Vec<u8> = [
        HeaderValue::Bool(true),
        HeaderValue::Bool(false),
        HeaderValue::Byte(0),
        HeaderValue::Int16(0),
        HeaderValue::Int32(0),
        HeaderValue::Int64(0),
        HeaderValue::ByteArray(vec![]),
        HeaderValue::String(String::new()),
        HeaderValue::Timestamp(0),
        HeaderValue::Uuid([0; 16]),
    ]
    .iter()
    .map(HeaderValue::type_code)
    .collect();
    assert_eq!(codes, (0..10).collect::<Vec<u8>>());
}

#[test]
fn errors_say_what_was_wrong() {
    let cases: &[(EventStreamError, &str)] = &[
        (
            PreludeCrcMismatch {
                expected: 1,
                actual: 2,
            },
            "prelude CRC mismatch: message carries 0x00000001, computed 0x00000002",
        ),
        (
            MessageTooLarge {
                total_len: 16_777_217,
                max: 16_777_216,
            },
            "total length 16777217 exceeds the limit of 16777216 bytes",
        ),
        (
            TruncatedHeader {
                offset: 13,
                part: Name,
            },
            "header name at offset 13 runs past the end of the headers",
        ),
        (
            UnknownHeaderType {
                offset: 14,
                type_code: 10,
            },
            "unknown header value type 10 at offset 14",
        ),
        (
            InvalidUtf8 {
                offset: 17,
                part: Value,
            },
            "header value at offset 17 is not valid UTF-8",
        ),
        (
            UnexpectedEof {
                received: 5,
                total_len: None,
            },
            "inside a message prelude (5 of 12 bytes received)",
        ),
    ];
    for (err, text) in cases {
        assert!(err.to_string().contains(text), "{err}");
    }
}
