//! Properties of the event-stream encoder and decoder over generated messages and bytes.

use lambda_proto::event_stream::{Decoder, EventStreamError, Header, HeaderValue, Limits, Message};
use proptest::prelude::*;
use proptest::sample::Index;

fn header_value() -> impl Strategy<Value = HeaderValue> {
    prop_oneof![
        any::<bool>().prop_map(HeaderValue::Bool),
        any::<i8>().prop_map(HeaderValue::Byte),
        any::<i16>().prop_map(HeaderValue::Int16),
        any::<i32>().prop_map(HeaderValue::Int32),
        any::<i64>().prop_map(HeaderValue::Int64),
        prop::collection::vec(any::<u8>(), 0..300).prop_map(HeaderValue::ByteArray),
        "\\PC{0,60}".prop_map(HeaderValue::String),
        any::<i64>().prop_map(HeaderValue::Timestamp),
        any::<[u8; 16]>().prop_map(HeaderValue::Uuid),
    ]
}

fn header_name() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z:-]{0,20}",
        // Any characters, cut to the 127-byte limit of the encoder.
        "\\PC{0,40}".prop_map(|s| {
            let mut s: String = s;
            while s.len() > 127 {
                s.pop();
            }
            s
        }),
    ]
}

fn message() -> impl Strategy<Value = Message> {
    (
        prop::collection::vec((header_name(), header_value()), 0..12),
        prop::collection::vec(any::<u8>(), 0..4096),
    )
        .prop_map(|(headers, payload)| {
            let mut seen = std::collections::BTreeSet::new();
            let headers = headers
                .into_iter()
                .filter(|(name, _)| seen.insert(name.clone()))
                .map(|(name, value)| Header { name, value })
                .collect();
            Message { headers, payload }
        })
}

/// Splits `bytes` at the given points (in any order, repeats allowed).
fn split<'a>(bytes: &'a [u8], points: &[Index]) -> Vec<&'a [u8]> {
    let mut cuts: Vec<usize> = points.iter().map(|i| i.index(bytes.len() + 1)).collect();
    cuts.push(0);
    cuts.push(bytes.len());
    cuts.sort_unstable();
    cuts.windows(2).map(|w| &bytes[w[0]..w[1]]).collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn encode_split_decode_roundtrip(
        messages in prop::collection::vec(message(), 1..4),
        points in prop::collection::vec(any::<Index>(), 0..24),
    ) {
        let mut stream = Vec::new();
        for m in &messages {
            let bytes = m.encode().unwrap();
            // The prelude describes the frame (checked against the format, not the decoder).
            prop_assert_eq!(u32::from_be_bytes(bytes[0..4].try_into().unwrap()) as usize, bytes.len());
            prop_assert_eq!(crc32fast::hash(&bytes[0..8]), u32::from_be_bytes(bytes[8..12].try_into().unwrap()));
            let n = bytes.len();
            prop_assert_eq!(crc32fast::hash(&bytes[..n - 4]), u32::from_be_bytes(bytes[n - 4..].try_into().unwrap()));
            stream.extend(bytes);
        }
        let mut decoder = Decoder::new();
        let mut decoded = Vec::new();
        for chunk in split(&stream, &points) {
            let mut input = chunk;
            while let Some(m) = decoder.decode(&mut input).unwrap() {
                decoded.push(m);
            }
            prop_assert!(input.is_empty());
        }
        prop_assert_eq!(decoder.finish(), Ok(()));
        prop_assert_eq!(decoded, messages);
    }

    #[test]
    fn truncated_stream_is_reported_by_finish(
        m in message(),
        cut in any::<Index>(),
    ) {
        let bytes = m.encode().unwrap();
        let cut = 1 + cut.index(bytes.len() - 1); // at least one byte, not all of them
        let mut decoder = Decoder::new();
        let mut input = &bytes[..cut];
        prop_assert_eq!(decoder.decode(&mut input), Ok(None));
        let expected_total = if cut >= 12 { Some(bytes.len() as u32) } else { None };
        prop_assert_eq!(
            decoder.finish(),
            Err(EventStreamError::UnexpectedEof { received: cut as u32, total_len: expected_total })
        );
        prop_assert!(!decoder.is_at_boundary());
    }

    #[test]
    fn any_single_byte_change_is_a_crc_error(
        m in message(),
        at in any::<Index>(),
        mask in 1u8..=255,
        points in prop::collection::vec(any::<Index>(), 0..8),
    ) {
        // CRC32 detects every error confined to 32 consecutive bits, so any one changed byte
        // is caught: by the prelude CRC in the first 12 bytes, by the message CRC after.
        let mut bytes = m.encode().unwrap();
        let at = at.index(bytes.len());
        bytes[at] ^= mask;
        let mut decoder = Decoder::new();
        let mut result = Ok(None);
        for chunk in split(&bytes, &points) {
            let mut input = chunk;
            result = decoder.decode(&mut input);
            if result.is_err() {
                break;
            }
        }
        let err = result.unwrap_err();
        if at < 12 {
            prop_assert!(matches!(err, EventStreamError::PreludeCrcMismatch { .. }), "{err:?}");
        } else {
            prop_assert!(matches!(err, EventStreamError::MessageCrcMismatch { .. }), "{err:?}");
        }
        // A failed decoder stays failed, even when given a valid message.
        let valid = Message::new(b"x".to_vec()).encode().unwrap();
        prop_assert_eq!(decoder.decode(&mut &valid[..]), Err(err));
        prop_assert_eq!(decoder.finish(), Err(err));
    }

    #[test]
    fn arbitrary_bytes_never_panic(
        bytes in prop::collection::vec(any::<u8>(), 0..2048),
        points in prop::collection::vec(any::<Index>(), 0..16),
    ) {
        let mut decoder = Decoder::new();
        let mut failed = None;
        for chunk in split(&bytes, &points) {
            let results: Vec<_> = decoder.feed(chunk).collect();
            if let Some(Err(e)) = results.last() {
                failed = Some(*e);
            }
        }
        match failed {
            // The error sticks.
            Some(e) => prop_assert_eq!(decoder.finish(), Err(e)),
            None => { let _ = decoder.finish(); }
        }
    }

    #[test]
    fn arbitrary_body_after_a_valid_prelude_never_panics(
        total_len in 0u32..4096,
        headers_len in 0u32..4096,
        body in prop::collection::vec(any::<u8>(), 0..4096),
        fix_message_crc in any::<bool>(),
    ) {
        // A prelude with a correct CRC, then arbitrary headers and payload bytes; optionally
        // with a correct message CRC too, so that header parsing sees arbitrary input.
        let mut bytes = Vec::new();
        bytes.extend(total_len.to_be_bytes());
        bytes.extend(headers_len.to_be_bytes());
        bytes.extend(crc32fast::hash(&bytes).to_be_bytes());
        bytes.extend(&body);
        if fix_message_crc && total_len >= 16 && bytes.len() >= total_len as usize {
            bytes.truncate(total_len as usize - 4);
            bytes.extend(crc32fast::hash(&bytes).to_be_bytes());
        }
        let mut decoder = Decoder::with_limits(Limits::default().max_message_len(4096));
        let results: Vec<_> = decoder.feed(&bytes).collect();
        for m in results.iter().flatten() {
            // Whatever decodes re-encodes to a frame that decodes to the same message,
            // unless it has a header name over 127 bytes (accepted, never written).
            if let Ok(again) = m.encode() {
                prop_assert_eq!(Decoder::new().decode(&mut &again[..]), Ok(Some(m.clone())));
            }
        }
    }
}

/// One-byte chunks of a 1 MiB message: linear work (a decoder that re-scanned or re-copied
/// its buffer on every chunk would do about 5 * 10^11 byte operations here and not finish).
#[test]
fn one_byte_chunks_of_a_large_message() {
    let payload: Vec<u8> = (0..1 << 20).map(|i: u32| (i % 251) as u8).collect();
    let m = Message::new(payload).with_header(":event-type", "PayloadChunk");
    let bytes = m.encode().unwrap();
    let mut decoder = Decoder::new();
    let mut got = Vec::new();
    for byte in &bytes {
        let mut input = std::slice::from_ref(byte);
        if let Some(msg) = decoder.decode(&mut input).unwrap() {
            got.push(msg);
        }
    }
    assert_eq!(got, vec![m]);
}
