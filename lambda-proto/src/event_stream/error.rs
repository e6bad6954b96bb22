//! Framing errors of the event-stream format.

use std::fmt;

/// The part of a header that an error refers to.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash)]
pub enum HeaderPart {
    /// The 1-byte header name length.
    NameLength,
    /// The header name (UTF-8).
    Name,
    /// The 1-byte value type code.
    ValueType,
    /// The 2-byte length of a byte-array or string value.
    ValueLength,
    /// The header value.
    Value,
}

impl fmt::Display for HeaderPart {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            HeaderPart::NameLength => "header name length",
            HeaderPart::Name => "header name",
            HeaderPart::ValueType => "header value type",
            HeaderPart::ValueLength => "header value length",
            HeaderPart::Value => "header value",
        })
    }
}

/// Why an event-stream message could not be decoded or encoded.
///
/// Offsets count bytes from the start of the message (the first byte of its prelude).
/// For the CRC variants, `expected` is the checksum carried in the message and `actual` the
/// CRC32 computed over the bytes received.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash)]
#[non_exhaustive]
pub enum EventStreamError {
    /// The prelude CRC does not match the CRC32 of the total and headers length fields.
    PreludeCrcMismatch {
        /// Prelude CRC carried in the message.
        expected: u32,
        /// CRC32 computed over the first 8 bytes.
        actual: u32,
    },
    /// The message CRC does not match the CRC32 of everything before it.
    MessageCrcMismatch {
        /// Message CRC carried in the message.
        expected: u32,
        /// CRC32 computed over the prelude, headers and payload.
        actual: u32,
    },
    /// The total length is below the 16 bytes of prelude and checksums.
    MessageTooShort {
        /// Total length from the prelude.
        total_len: u32,
    },
    /// The total length is above the limit (at most 16 MiB).
    MessageTooLarge {
        /// Total length from the prelude, or of the message being encoded.
        total_len: u64,
        /// The limit in force.
        max: u32,
    },
    /// The headers length is above the limit (at most 128 KiB).
    HeadersTooLarge {
        /// Headers length from the prelude, or of the headers being encoded.
        headers_len: u64,
        /// The limit in force.
        max: u32,
    },
    /// The headers length does not fit in the total length minus the 16 bytes of overhead.
    HeadersLengthExceedsMessage {
        /// Headers length from the prelude.
        headers_len: u32,
        /// Total length from the prelude.
        total_len: u32,
    },
    /// The message has more headers than the limit allows.
    TooManyHeaders {
        /// The limit in force.
        max: usize,
    },
    /// A header runs past the end of the headers section.
    TruncatedHeader {
        /// Offset of the part that does not fit.
        offset: u32,
        /// Which part of the header is cut.
        part: HeaderPart,
    },
    /// A header value type code is not one of 0-9.
    UnknownHeaderType {
        /// Offset of the type byte.
        offset: u32,
        /// The type code found.
        type_code: u8,
    },
    /// A header name or string value is not valid UTF-8.
    InvalidUtf8 {
        /// Offset of the name or value.
        offset: u32,
        /// [`HeaderPart::Name`] or [`HeaderPart::Value`].
        part: HeaderPart,
    },
    /// A header name appears twice in one message (each may appear only once).
    DuplicateHeader {
        /// Offset of the second occurrence.
        offset: u32,
    },
    /// Encoding: a header name is longer than 127 bytes.
    HeaderNameTooLong {
        /// Length of the name in bytes.
        len: usize,
    },
    /// Encoding: a byte-array or string header value is longer than 32,767 bytes.
    HeaderValueTooLong {
        /// Length of the value in bytes.
        len: usize,
    },
    /// The stream ended inside a message.
    UnexpectedEof {
        /// Bytes of the unfinished message received.
        received: u32,
        /// Total length of the unfinished message, once its prelude was complete.
        total_len: Option<u32>,
    },
}

impl fmt::Display for EventStreamError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use EventStreamError::*;
        match *self {
            PreludeCrcMismatch { expected, actual } => write!(
                f,
                "event stream: prelude CRC mismatch: message carries {expected:#010x}, computed {actual:#010x}"
            ),
            MessageCrcMismatch { expected, actual } => write!(
                f,
                "event stream: message CRC mismatch: message carries {expected:#010x}, computed {actual:#010x}"
            ),
            MessageTooShort { total_len } => write!(
                f,
                "event stream: total length {total_len} is below the minimum of 16 bytes"
            ),
            MessageTooLarge { total_len, max } => write!(
                f,
                "event stream: total length {total_len} exceeds the limit of {max} bytes"
            ),
            HeadersTooLarge { headers_len, max } => write!(
                f,
                "event stream: headers length {headers_len} exceeds the limit of {max} bytes"
            ),
            HeadersLengthExceedsMessage {
                headers_len,
                total_len,
            } => write!(
                f,
                "event stream: headers length {headers_len} does not fit in total length {total_len} minus 16 bytes of overhead"
            ),
            TooManyHeaders { max } => {
                write!(f, "event stream: more than {max} headers in one message")
            }
            TruncatedHeader { offset, part } => write!(
                f,
                "event stream: {part} at offset {offset} runs past the end of the headers"
            ),
            UnknownHeaderType { offset, type_code } => write!(
                f,
                "event stream: unknown header value type {type_code} at offset {offset} (must be 0-9)"
            ),
            InvalidUtf8 { offset, part } => {
                write!(f, "event stream: {part} at offset {offset} is not valid UTF-8")
            }
            DuplicateHeader { offset } => write!(
                f,
                "event stream: header at offset {offset} repeats an earlier header name"
            ),
            HeaderNameTooLong { len } => write!(
                f,
                "event stream: header name of {len} bytes exceeds the limit of 127 bytes"
            ),
            HeaderValueTooLong { len } => write!(
                f,
                "event stream: header value of {len} bytes exceeds the limit of 32767 bytes"
            ),
            UnexpectedEof {
                received,
                total_len: Some(total),
            } => write!(
                f,
                "event stream: stream ended inside a message ({received} of {total} bytes received)"
            ),
            UnexpectedEof {
                received,
                total_len: None,
            } => write!(
                f,
                "event stream: stream ended inside a message prelude ({received} of 12 bytes received)"
            ),
        }
    }
}

impl std::error::Error for EventStreamError {}
