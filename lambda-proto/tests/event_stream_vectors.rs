//! Event-stream frames published by AWS SDK test suites, transcribed as data.
//!
//! Sources (each vector names its own):
//! - [C]  awslabs/aws-c-event-stream, tests/message_serializer_test.c and
//!   tests/message_deserializer_test.c
//! - [JS] aws/aws-sdk-js-v3, packages/eventstream-codec/src/TestVectors.fixture.ts
//! - [PY] awslabs/amazon-transcribe-streaming-sdk, tests/unit/test_eventstream.py
//!   (the byte strings are Python literals; Rust byte strings read them the same way)
//! - [GO] aws/aws-sdk-go, private/protocol/eventstream/testdata/decoded/positive/all_headers
//!   (lengths and prelude CRC of the shared "all_headers" case)

use lambda_proto::event_stream::{
    Decoder, EventStreamError, Header, HeaderValue, Message, ResponseStreamError,
    ResponseStreamEvent,
};

const FOO_BAR: &[u8] = b"{'foo':'bar'}";

fn msg(headers: Vec<(&str, HeaderValue)>, payload: &[u8]) -> Message {
    Message {
        headers: headers
            .into_iter()
            .map(|(name, value)| Header::new(name, value))
            .collect(),
        payload: payload.to_vec(),
    }
}

/// (source, encoded bytes, decoded message)
fn positive_cases() -> Vec<(&'static str, Vec<u8>, Message)> {
    use HeaderValue::*;
    vec![
        (
            "[C] test_incoming_no_op_valid / [JS] empty_message / [PY] EMPTY_MESSAGE",
            vec![
                0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x00, 0x05, 0xc2, 0x48, 0xeb, 0x7d, 0x98,
                0xc8, 0xff,
            ],
            msg(vec![], b""),
        ),
        (
            "[C] test_incoming_application_data_no_headers_valid / [JS] payload_no_headers",
            vec![
                0x00, 0x00, 0x00, 0x1D, 0x00, 0x00, 0x00, 0x00, 0xfd, 0x52, 0x8c, 0x5a, 0x7b, 0x27,
                0x66, 0x6f, 0x6f, 0x27, 0x3a, 0x27, 0x62, 0x61, 0x72, 0x27, 0x7d, 0xc3, 0x65, 0x39,
                0x36,
            ],
            msg(vec![], FOO_BAR),
        ),
        (
            "[C] test_incoming_application_one_compressed_header_pair_valid",
            [
                &[
                    0x00, 0x00, 0x00, 0x3D, 0x00, 0x00, 0x00, 0x20, 0x07, 0xFD, 0x83, 0x96, 0x0C,
                ][..],
                b"content-type",
                &[0x07, 0x00, 0x10],
                b"application/json",
                &[
                    0x7b, 0x27, 0x66, 0x6f, 0x6f, 0x27, 0x3a, 0x27, 0x62, 0x61, 0x72, 0x27, 0x7d,
                ],
                &[0x8D, 0x9C, 0x08, 0xB1],
            ]
            .concat(),
            msg(
                vec![("content-type", String("application/json".into()))],
                FOO_BAR,
            ),
        ),
        (
            "[C] test_incoming_application_int32_header_valid",
            [
                &[
                    0x00, 0x00, 0x00, 0x2B, 0x00, 0x00, 0x00, 0x0E, 0x34, 0x8B, 0xEC, 0x7B, 0x08,
                ][..],
                b"event-id",
                &[0x04, 0x00, 0x00, 0xA0, 0x0C],
                &[
                    0x7b, 0x27, 0x66, 0x6f, 0x6f, 0x27, 0x3a, 0x27, 0x62, 0x61, 0x72, 0x27, 0x7d,
                ],
                &[0xD3, 0x89, 0x02, 0x85],
            ]
            .concat(),
            msg(vec![("event-id", Int32(0x0000_A00C))], FOO_BAR),
        ),
        (
            "[JS] int32_header",
            vec![
                0, 0, 0, 45, 0, 0, 0, 16, 65, 196, 36, 184, 10, 101, 118, 101, 110, 116, 45, 116,
                121, 112, 101, 4, 0, 0, 160, 12, 123, 39, 102, 111, 111, 39, 58, 39, 98, 97, 114,
                39, 125, 54, 244, 128, 160,
            ],
            msg(vec![("event-type", Int32(40972))], FOO_BAR),
        ),
        (
            "[JS] payload_one_str_header",
            vec![
                0, 0, 0, 61, 0, 0, 0, 32, 7, 253, 131, 150, 12, 99, 111, 110, 116, 101, 110, 116,
                45, 116, 121, 112, 101, 7, 0, 16, 97, 112, 112, 108, 105, 99, 97, 116, 105, 111,
                110, 47, 106, 115, 111, 110, 123, 39, 102, 111, 111, 39, 58, 39, 98, 97, 114, 39,
                125, 141, 156, 8, 177,
            ],
            msg(
                vec![("content-type", String("application/json".into()))],
                FOO_BAR,
            ),
        ),
        (
            "[PY] INT8_HEADER",
            b"\x00\x00\x00\x17\x00\x00\x00\x07)\x86\x01X\x04byte\x02\xff\xc2\xf8i\xdc".to_vec(),
            msg(vec![("byte", Byte(-1))], b""),
        ),
        (
            "[PY] INT16_HEADER",
            b"\x00\x00\x00\x19\x00\x00\x00\tq\x0e\x92>\x05short\x03\xff\xff\xb2|\xb6\xcc".to_vec(),
            msg(vec![("short", Int16(-1))], b""),
        ),
        (
            "[PY] INT32_HEADER",
            b"\x00\x00\x00\x1d\x00\x00\x00\r\x83\xe3\xf0\xe7\x07integer\x04\xff\xff\xff\xff\x8b\x8e\x12\xeb"
                .to_vec(),
            msg(vec![("integer", Int32(-1))], b""),
        ),
        (
            "[PY] INT64_HEADER",
            b"\x00\x00\x00\x1e\x00\x00\x00\x0e]J\xdb\x8d\x04long\x05\xff\xff\xff\xff\xff\xff\xff\xffK\xc22\xda"
                .to_vec(),
            msg(vec![("long", Int64(-1))], b""),
        ),
        (
            "[PY] ALL_HEADERS_TYPES",
            [
                &b"\x00\x00\x00\x62\x00\x00\x00\x52\x03\xb5\xcb\x9c"[..],
                b"\x010\x00\x011\x01\x012\x02\x02\x013\x03\x00\x03",
                b"\x014\x04\x00\x00\x00\x04\x015\x05\x00\x00\x00\x00\x00\x00\x00\x05",
                b"\x016\x06\x00\x05bytes\x017\x07\x00\x04utf8",
                b"\x018\x08\x00\x00\x00\x00\x00\x00\x00\x08\x019\x090123456789abcdef",
                b"\x63\x35\x36\x71",
            ]
            .concat(),
            msg(
                vec![
                    ("0", Bool(true)),
                    ("1", Bool(false)),
                    ("2", Byte(2)),
                    ("3", Int16(3)),
                    ("4", Int32(4)),
                    ("5", Int64(5)),
                    ("6", ByteArray(b"bytes".to_vec())),
                    ("7", String("utf8".into())),
                    ("8", Timestamp(8)),
                    ("9", Uuid(*b"0123456789abcdef")),
                ],
                b"",
            ),
        ),
        (
            "[PY] ERROR_EVENT_MESSAGE",
            [
                &b"\x00\x00\x00\x52\x00\x00\x00\x42\xbf\x23\x63\x7e"[..],
                b"\x0d:message-type\x07\x00\x05error",
                b"\x0b:error-code\x07\x00\x04code",
                b"\x0e:error-message\x07\x00\x07message",
                b"\x6b\x6c\xea\x3d",
            ]
            .concat(),
            msg(
                vec![
                    (":message-type", String("error".into())),
                    (":error-code", String("code".into())),
                    (":error-message", String("message".into())),
                ],
                b"",
            ),
        ),
        (
            "[PY] SERIALIZATION_CASES: empty headers with payload",
            b"\x00\x00\x00\x1c\x00\x00\x00\x00\xc02\xa5\xeatest payload\x076E\xf9".to_vec(),
            msg(vec![], b"test payload"),
        ),
        (
            "[PY] SERIALIZATION_CASES: header true value, type 0",
            b"\x00\x00\x00\x16\x00\x00\x00\x06c\xe1\x18~\x04true\x00\xf1\xe7\xbc\xd7".to_vec(),
            msg(vec![("true", Bool(true))], b""),
        ),
        (
            "[PY] SERIALIZATION_CASES: header false value, type 1",
            b"\x00\x00\x00\x17\x00\x00\x00\x07)\x86\x01X\x05false\x01R1~\xf4".to_vec(),
            msg(vec![("false", Bool(false))], b""),
        ),
        (
            "[PY] SERIALIZATION_CASES: header bytes, type 6",
            b"\x00\x00\x00\x1d\x00\x00\x00\r\x83\xe3\xf0\xe7\x05bytes\x06\x00\x04\xde\xad\xbe\xef\x9a\xabK "
                .to_vec(),
            msg(vec![("bytes", ByteArray(vec![0xde, 0xad, 0xbe, 0xef]))], b""),
        ),
        (
            "[PY] SERIALIZATION_CASES: header string, type 7",
            b"\x00\x00\x00 \x00\x00\x00\x10\xb9T\xe0\t\x06string\x07\x00\x06foobarL\xc53(".to_vec(),
            msg(vec![("string", String("foobar".into()))], b""),
        ),
        (
            "[PY] SERIALIZATION_CASES: header timestamp, type 8 (2020-06-26T03:46:47.846Z)",
            b"\x00\x00\x00#\x00\x00\x00\x13g\xfd\xcbc\ttimestamp\x08\x00\x00\x01r\xee\xbc'\xa6\xd4D^\x11"
                .to_vec(),
            msg(vec![("timestamp", Timestamp(1_593_143_207_846))], b""),
        ),
        (
            "[PY] SERIALIZATION_CASES: header UUID, type 9",
            b"\x00\x00\x00&\x00\x00\x00\x16\xdfw\xb0\x9c\x04uuid\t\xde\xad\xbe\xef\xde\xad\xbe\xef\xde\xad\xbe\xef\xde\xad\xbe\xef\xb1g\xd4{"
                .to_vec(),
            msg(vec![("uuid", Uuid([0xde, 0xad, 0xbe, 0xef].repeat(4).try_into().unwrap()))], b""),
        ),
    ]
}

#[test]
fn positive_vectors_decode() {
    for (source, bytes, expected) in positive_cases() {
        let mut decoder = Decoder::new();
        let mut input = &bytes[..];
        let decoded = decoder.decode(&mut input);
        assert_eq!(decoded, Ok(Some(expected)), "{source}");
        assert!(input.is_empty(), "{source}: input left over");
        assert_eq!(decoder.finish(), Ok(()), "{source}");
    }
}

#[test]
fn positive_vectors_decode_byte_by_byte() {
    for (source, bytes, expected) in positive_cases() {
        let mut decoder = Decoder::new();
        let mut got = Vec::new();
        for (i, byte) in bytes.iter().enumerate() {
            let mut input = std::slice::from_ref(byte);
            match decoder.decode(&mut input) {
                Ok(Some(m)) => got.push(m),
                Ok(None) => assert!(
                    decoder.finish().is_err(),
                    "{source}: finish must fail after byte {i}"
                ),
                Err(e) => panic!("{source}: {e}"),
            }
            assert!(input.is_empty());
        }
        assert_eq!(got, vec![expected], "{source}");
        assert_eq!(decoder.finish(), Ok(()));
    }
}

#[test]
fn positive_vectors_encode_to_the_published_bytes() {
    for (source, bytes, message) in positive_cases() {
        assert_eq!(message.encode(), Ok(bytes), "{source}");
    }
}

#[test]
fn all_positive_vectors_in_one_buffer() {
    // As in [PY] test_all_positive_cases: every case back to back in one stream.
    let cases = positive_cases();
    let stream: Vec<u8> = cases.iter().flat_map(|(_, b, _)| b.clone()).collect();
    let mut decoder = Decoder::new();
    let got: Result<Vec<Message>, _> = decoder.feed(&stream).collect();
    let expected: Vec<Message> = cases.into_iter().map(|(_, _, m)| m).collect();
    assert_eq!(got, Ok(expected));
    assert_eq!(decoder.finish(), Ok(()));
}

#[test]
fn go_all_headers_lengths_and_prelude_crc() {
    // [GO] decoded/positive/all_headers: the message as listed there (base64 values decoded;
    // the "byte" value 207 is the byte 0xCF, -49 as i8), with the lengths and prelude CRC
    // given. The listing also gives a message CRC, but only the binary file it was taken from
    // is authoritative for that, and that file is not transcribed here, so it is not checked.
    use HeaderValue::*;
    let message = msg(
        vec![
            ("event-type", Int32(40972)),
            ("content-type", String("application/json".into())),
            ("bool false", Bool(false)),
            ("bool true", Bool(true)),
            ("byte", Byte(-49)),
            ("byte buf", ByteArray(b"I'm a little teapot!".to_vec())),
            ("timestamp", Timestamp(8_675_309)),
            ("int16", Int16(42)),
            ("int64", Int64(42_424_242)),
            (
                "uuid",
                Uuid([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]),
            ),
        ],
        FOO_BAR,
    );
    let bytes = message.encode().unwrap();
    let be = |at: usize| u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap());
    assert_eq!(bytes.len(), 204);
    assert_eq!(be(0), 204, "total_length");
    assert_eq!(be(4), 175, "headers_length");
    assert_eq!(be(8), 263_087_306, "prelude_crc");
    assert_eq!(
        Decoder::new().decode(&mut &bytes[..]),
        Ok(Some(message.clone()))
    );
}

#[test]
fn timestamp_vector_matches_the_published_instant() {
    // [PY] timestamp case: 2020-06-26T03:46:47.846Z.
    let value = HeaderValue::Timestamp(1_593_143_207_846);
    let expected = time::macros::datetime!(2020-06-26 03:46:47.846 UTC);
    assert_eq!(value.as_timestamp(), Some(expected));
}

fn decode_all(bytes: &[u8]) -> Result<Vec<Message>, EventStreamError> {
    let mut decoder = Decoder::new();
    let messages = decoder.feed(bytes).collect::<Result<Vec<_>, _>>()?;
    decoder.finish()?;
    Ok(messages)
}

#[test]
fn negative_vectors() {
    // [JS] corrupted_headers: a payload byte changed ('\'' -> 'a'), CRCs kept.
    let corrupted_headers: &[u8] = &[
        0, 0, 0, 61, 0, 0, 0, 32, 7, 253, 131, 150, 12, 99, 111, 110, 116, 101, 110, 116, 45, 116,
        121, 112, 101, 7, 0, 16, 97, 112, 112, 108, 105, 99, 97, 116, 105, 111, 110, 47, 106, 115,
        111, 110, 123, 97, 102, 111, 111, 39, 58, 39, 98, 97, 114, 39, 125, 141, 156, 8, 177,
    ];
    assert!(matches!(
        decode_all(corrupted_headers),
        Err(EventStreamError::MessageCrcMismatch {
            expected: 0x8D9C_08B1,
            ..
        })
    ));

    // [JS] corrupted_header_len: headers length 32 -> 33, prelude CRC kept.
    let corrupted_header_len: &[u8] = &[
        0, 0, 0, 61, 0, 0, 0, 33, 7, 253, 131, 150, 12, 99, 111, 110, 116, 101, 110, 116, 45, 116,
        121, 112, 101, 7, 0, 16, 97, 112, 112, 108, 105, 99, 97, 116, 105, 111, 110, 47, 106, 115,
        111, 110, 123, 39, 102, 111, 111, 39, 58, 39, 98, 97, 114, 39, 125, 141, 156, 8, 177,
    ];
    assert!(matches!(
        decode_all(corrupted_header_len),
        Err(EventStreamError::PreludeCrcMismatch {
            expected: 0x07FD_8396,
            ..
        })
    ));

    // [JS] corrupted_length: total length 61 -> 62, prelude CRC kept.
    let corrupted_length: &[u8] = &[
        0, 0, 0, 62, 0, 0, 0, 32, 7, 253, 131, 150, 12, 99, 111, 110, 116, 101, 110, 116, 45, 116,
        121, 112, 101, 7, 0, 16, 97, 112, 112, 108, 105, 99, 97, 116, 105, 111, 110, 47, 106, 115,
        111, 110, 123, 39, 102, 111, 111, 39, 58, 39, 98, 97, 114, 39, 125, 141, 156, 8, 177,
    ];
    assert!(matches!(
        decode_all(corrupted_length),
        Err(EventStreamError::PreludeCrcMismatch {
            expected: 0x07FD_8396,
            ..
        })
    ));

    // [JS] corrupted_payload: first payload byte '{' -> '['.
    let corrupted_payload: &[u8] = &[
        0, 0, 0, 29, 0, 0, 0, 0, 253, 82, 140, 90, 91, 39, 102, 111, 111, 39, 58, 39, 98, 97, 114,
        39, 125, 195, 101, 57, 54,
    ];
    assert!(matches!(
        decode_all(corrupted_payload),
        Err(EventStreamError::MessageCrcMismatch {
            expected: 0xC365_3936,
            ..
        })
    ));

    // [PY] CORRUPTED_LENGTH: first length byte 0x00 -> 0x01; the prelude CRC catches it
    // before the (now 16 MiB + 29 byte) length is considered.
    assert!(matches!(
        decode_all(b"\x01\x00\x00\x1d\x00\x00\x00\x00\xfdR\x8cZ{'foo':'bar'}\xc3e96"),
        Err(EventStreamError::PreludeCrcMismatch {
            expected: 0xFD52_8C5A,
            ..
        })
    ));

    // [PY] CORRUPTED_HEADERS: header name "content-type" -> "content+type".
    assert!(matches!(
        decode_all(
            b"\x00\x00\x00=\x00\x00\x00 \x07\xfd\x83\x96\x0ccontent+type\x07\x00\x10application/json{'foo':'bar'}\x8d\x9c\x08\xb1"
        ),
        Err(EventStreamError::MessageCrcMismatch {
            expected: 0x8D9C_08B1,
            ..
        })
    ));

    // [PY] DUPLICATE_HEADER: valid CRCs, header "test" twice (int32 values).
    assert_eq!(
        decode_all(
            b"\x00\x00\x00\x24\x00\x00\x00\x14\x4b\xb9\x82\xd0\x04test\x04asdf\x04test\x04asdf\xf3\xf4\x75\x63"
        ),
        Err(EventStreamError::DuplicateHeader { offset: 22 })
    );
}

#[test]
fn error_event_vector_is_a_typed_error() {
    // [PY] ERROR_EVENT_MESSAGE through the Lambda layer.
    let (_, bytes, _) = positive_cases()
        .into_iter()
        .find(|(s, _, _)| s.contains("ERROR_EVENT_MESSAGE"))
        .unwrap();
    let message = Decoder::new().decode(&mut &bytes[..]).unwrap().unwrap();
    assert_eq!(
        ResponseStreamEvent::from_message(message),
        Err(ResponseStreamError::Error {
            error_code: "code".into(),
            error_message: Some("message".into()),
        })
    );
}

// ------------------------------------------------------------------------ fuzz seeds

/// Published frames that seed the `event_stream` fuzz target: `(file, chunking seed,
/// frames)`, stored in `fuzz/corpus/event_stream/<file>` as the seed byte then the frames.
fn fuzz_seeds() -> Vec<(&'static str, u8, Vec<u8>)> {
    let cases = positive_cases();
    let frame = |source: &str| {
        let (_, bytes, _) = cases
            .iter()
            .find(|(s, _, _)| s.starts_with(source))
            .unwrap_or_else(|| panic!("no vector {source}"));
        bytes.clone()
    };
    vec![
        (
            "aws-empty-message",
            0,
            frame("[C] test_incoming_no_op_valid"),
        ),
        (
            "aws-payload-no-headers",
            3,
            frame("[C] test_incoming_application_data_no_headers_valid"),
        ),
        (
            "aws-int32-header",
            0,
            frame("[C] test_incoming_application_int32_header_valid"),
        ),
        ("aws-all-header-types", 5, frame("[PY] ALL_HEADERS_TYPES")),
        ("aws-error-event", 0, frame("[PY] ERROR_EVENT_MESSAGE")),
        (
            "aws-all-positive-cases",
            11,
            cases.iter().flat_map(|(_, b, _)| b.clone()).collect(),
        ),
    ]
}

fn fuzz_seed_path(file: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fuzz/corpus/event_stream")
        .join(file)
}

/// The committed `aws-*` seeds are exactly the published frames (rewrite them with
/// `cargo test -p lambda-proto --test event_stream_vectors -- --ignored write_fuzz_seeds`).
#[test]
fn fuzz_seeds_are_the_published_frames() {
    for (file, seed, frames) in fuzz_seeds() {
        let committed = std::fs::read(fuzz_seed_path(file))
            .unwrap_or_else(|e| panic!("fuzz/corpus/event_stream/{file}: {e}"));
        assert_eq!(committed[0], seed, "{file}");
        assert_eq!(committed[1..], frames[..], "{file}");
    }
}

#[test]
#[ignore = "writes the aws-* seeds of the event_stream fuzz target"]
fn write_fuzz_seeds() {
    for (file, seed, frames) in fuzz_seeds() {
        std::fs::write(fuzz_seed_path(file), [&[seed][..], &frames].concat()).expect("written");
    }
}
