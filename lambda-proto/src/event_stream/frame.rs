//! Messages, headers and the encoder.

use std::collections::BTreeSet;

use super::error::{EventStreamError, HeaderPart};
use super::{
    MAX_ENCODED_HEADER_NAME_LEN, MAX_ENCODED_HEADER_VALUE_LEN, MAX_HEADERS_LEN, MAX_MESSAGE_LEN,
    MESSAGE_OVERHEAD, PRELUDE_LEN,
};

/// A header value: one of the ten wire types (codes 0 and 1 are both [`HeaderValue::Bool`]).
#[derive(Clone, PartialEq, Eq, Debug, Hash)]
pub enum HeaderValue {
    /// Type 0 (`true`) or 1 (`false`); no value bytes.
    Bool(bool),
    /// Type 2: one signed byte.
    Byte(i8),
    /// Type 3: big-endian `i16`.
    Int16(i16),
    /// Type 4: big-endian `i32`.
    Int32(i32),
    /// Type 5: big-endian `i64`.
    Int64(i64),
    /// Type 6: bytes with a `u16` length prefix.
    ByteArray(Vec<u8>),
    /// Type 7: UTF-8 with a `u16` length prefix.
    String(String),
    /// Type 8: milliseconds since the Unix epoch, big-endian `i64`.
    Timestamp(i64),
    /// Type 9: 16 bytes.
    Uuid([u8; 16]),
}

impl HeaderValue {
    /// The wire type code (0-9) of this value.
    pub fn type_code(&self) -> u8 {
        match self {
            HeaderValue::Bool(true) => 0,
            HeaderValue::Bool(false) => 1,
            HeaderValue::Byte(_) => 2,
            HeaderValue::Int16(_) => 3,
            HeaderValue::Int32(_) => 4,
            HeaderValue::Int64(_) => 5,
            HeaderValue::ByteArray(_) => 6,
            HeaderValue::String(_) => 7,
            HeaderValue::Timestamp(_) => 8,
            HeaderValue::Uuid(_) => 9,
        }
    }

    /// The string, if this is a [`HeaderValue::String`].
    pub fn as_str(&self) -> Option<&str> {
        match self {
            HeaderValue::String(s) => Some(s),
            _ => None,
        }
    }

    /// The bytes, if this is a [`HeaderValue::ByteArray`].
    pub fn as_bytes(&self) -> Option<&[u8]> {
        match self {
            HeaderValue::ByteArray(b) => Some(b),
            _ => None,
        }
    }

    /// The boolean, if this is a [`HeaderValue::Bool`].
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            HeaderValue::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// The integer, widened, if this is a `Byte`, `Int16`, `Int32` or `Int64`.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            HeaderValue::Byte(v) => Some(i64::from(*v)),
            HeaderValue::Int16(v) => Some(i64::from(*v)),
            HeaderValue::Int32(v) => Some(i64::from(*v)),
            HeaderValue::Int64(v) => Some(*v),
            _ => None,
        }
    }

    /// The instant, if this is a [`HeaderValue::Timestamp`] within the range of
    /// [`time::OffsetDateTime`].
    pub fn as_timestamp(&self) -> Option<time::OffsetDateTime> {
        match self {
            HeaderValue::Timestamp(ms) => {
                time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(*ms) * 1_000_000).ok()
            }
            _ => None,
        }
    }

    /// Bytes this value takes on the wire, type byte included.
    fn encoded_len(&self) -> Result<usize, EventStreamError> {
        Ok(1 + match self {
            HeaderValue::Bool(_) => 0,
            HeaderValue::Byte(_) => 1,
            HeaderValue::Int16(_) => 2,
            HeaderValue::Int32(_) => 4,
            HeaderValue::Int64(_) | HeaderValue::Timestamp(_) => 8,
            HeaderValue::ByteArray(b) => 2 + checked_value_len(b.len())?,
            HeaderValue::String(s) => 2 + checked_value_len(s.len())?,
            HeaderValue::Uuid(_) => 16,
        })
    }

    fn encode_into(&self, out: &mut Vec<u8>) {
        out.push(self.type_code());
        match self {
            HeaderValue::Bool(_) => {}
            HeaderValue::Byte(v) => out.extend_from_slice(&v.to_be_bytes()),
            HeaderValue::Int16(v) => out.extend_from_slice(&v.to_be_bytes()),
            HeaderValue::Int32(v) => out.extend_from_slice(&v.to_be_bytes()),
            HeaderValue::Int64(v) | HeaderValue::Timestamp(v) => {
                out.extend_from_slice(&v.to_be_bytes())
            }
            HeaderValue::ByteArray(b) => put_u16_prefixed(out, b),
            HeaderValue::String(s) => put_u16_prefixed(out, s.as_bytes()),
            HeaderValue::Uuid(u) => out.extend_from_slice(u),
        }
    }
}

fn checked_value_len(len: usize) -> Result<usize, EventStreamError> {
    if len > MAX_ENCODED_HEADER_VALUE_LEN {
        Err(EventStreamError::HeaderValueTooLong { len })
    } else {
        Ok(len)
    }
}

/// Writes a `u16` length and the bytes; the length was checked by `encoded_len`.
fn put_u16_prefixed(out: &mut Vec<u8>, bytes: &[u8]) {
    let len = u16::try_from(bytes.len()).unwrap_or(u16::MAX);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(bytes);
}

impl From<bool> for HeaderValue {
    fn from(v: bool) -> Self {
        HeaderValue::Bool(v)
    }
}
impl From<i8> for HeaderValue {
    fn from(v: i8) -> Self {
        HeaderValue::Byte(v)
    }
}
impl From<i16> for HeaderValue {
    fn from(v: i16) -> Self {
        HeaderValue::Int16(v)
    }
}
impl From<i32> for HeaderValue {
    fn from(v: i32) -> Self {
        HeaderValue::Int32(v)
    }
}
impl From<i64> for HeaderValue {
    fn from(v: i64) -> Self {
        HeaderValue::Int64(v)
    }
}
impl From<Vec<u8>> for HeaderValue {
    fn from(v: Vec<u8>) -> Self {
        HeaderValue::ByteArray(v)
    }
}
impl From<String> for HeaderValue {
    fn from(v: String) -> Self {
        HeaderValue::String(v)
    }
}
impl From<&str> for HeaderValue {
    fn from(v: &str) -> Self {
        HeaderValue::String(v.to_owned())
    }
}
impl From<[u8; 16]> for HeaderValue {
    fn from(v: [u8; 16]) -> Self {
        HeaderValue::Uuid(v)
    }
}

/// One header: a UTF-8 name and a typed value.
#[derive(Clone, PartialEq, Eq, Debug, Hash)]
pub struct Header {
    /// Header name, e.g. `:event-type`.
    pub name: String,
    /// Header value.
    pub value: HeaderValue,
}

impl Header {
    /// A header from a name and a value.
    pub fn new(name: impl Into<String>, value: impl Into<HeaderValue>) -> Self {
        Header {
            name: name.into(),
            value: value.into(),
        }
    }
}

/// One event-stream message: headers in wire order and the payload bytes.
///
/// ```
/// use lambda_proto::event_stream::{Decoder, Message};
///
/// let msg = Message::new(b"hello".to_vec())
///     .with_header(":message-type", "event")
///     .with_header(":event-type", "PayloadChunk");
/// let bytes = msg.encode()?;
///
/// let mut decoder = Decoder::new();
/// let mut input = &bytes[..];
/// let decoded = decoder.decode(&mut input)?;
/// assert_eq!(decoded.as_ref(), Some(&msg));
/// assert_eq!(msg.header_str(":event-type"), Some("PayloadChunk"));
/// # Ok::<(), lambda_proto::event_stream::EventStreamError>(())
/// ```
#[derive(Clone, PartialEq, Eq, Debug, Default, Hash)]
pub struct Message {
    /// Headers, in the order they appear on the wire; names are unique.
    pub headers: Vec<Header>,
    /// Payload bytes.
    pub payload: Vec<u8>,
}

impl Message {
    /// A message with this payload and no headers.
    pub fn new(payload: impl Into<Vec<u8>>) -> Self {
        Message {
            headers: Vec::new(),
            payload: payload.into(),
        }
    }

    /// Adds a header (builder style).
    pub fn with_header(mut self, name: impl Into<String>, value: impl Into<HeaderValue>) -> Self {
        self.headers.push(Header::new(name, value));
        self
    }

    /// The value of the first header with this name.
    pub fn header(&self, name: &str) -> Option<&HeaderValue> {
        self.headers
            .iter()
            .find(|h| h.name == name)
            .map(|h| &h.value)
    }

    /// The value of the header with this name, if it is a string.
    pub fn header_str(&self, name: &str) -> Option<&str> {
        self.header(name).and_then(HeaderValue::as_str)
    }

    /// Encodes this message as one frame: prelude, prelude CRC, headers, payload, message CRC.
    ///
    /// Fails if a header name exceeds 127 bytes, a string or byte-array value 32,767 bytes,
    /// the headers 128 KiB or the message 16 MiB, or if two headers share a name.
    pub fn encode(&self) -> Result<Vec<u8>, EventStreamError> {
        let mut headers_len: usize = 0;
        let mut seen = BTreeSet::new();
        for header in &self.headers {
            let name_len = header.name.len();
            if name_len > MAX_ENCODED_HEADER_NAME_LEN {
                return Err(EventStreamError::HeaderNameTooLong { len: name_len });
            }
            if !seen.insert(header.name.as_str()) {
                let offset = PRELUDE_LEN.saturating_add(headers_len);
                return Err(EventStreamError::DuplicateHeader {
                    offset: u32::try_from(offset).unwrap_or(u32::MAX),
                });
            }
            headers_len = headers_len.saturating_add(1 + name_len + header.value.encoded_len()?);
        }
        let headers_len_u32 = u32::try_from(headers_len)
            .ok()
            .filter(|&n| n <= MAX_HEADERS_LEN)
            .ok_or(EventStreamError::HeadersTooLarge {
                headers_len: headers_len as u64,
                max: MAX_HEADERS_LEN,
            })?;
        let total_len = headers_len
            .saturating_add(self.payload.len())
            .saturating_add(MESSAGE_OVERHEAD);
        let total_len_u32 = u32::try_from(total_len)
            .ok()
            .filter(|&n| n <= MAX_MESSAGE_LEN)
            .ok_or(EventStreamError::MessageTooLarge {
                total_len: total_len as u64,
                max: MAX_MESSAGE_LEN,
            })?;

        let mut out = Vec::with_capacity(total_len);
        out.extend_from_slice(&total_len_u32.to_be_bytes());
        out.extend_from_slice(&headers_len_u32.to_be_bytes());
        let prelude_crc = crc32fast::hash(&out);
        out.extend_from_slice(&prelude_crc.to_be_bytes());
        for header in &self.headers {
            // The name length was checked against 127 above.
            out.push(u8::try_from(header.name.len()).unwrap_or(u8::MAX));
            out.extend_from_slice(header.name.as_bytes());
            header.value.encode_into(&mut out);
        }
        out.extend_from_slice(&self.payload);
        let message_crc = crc32fast::hash(&out);
        out.extend_from_slice(&message_crc.to_be_bytes());
        debug_assert_eq!(out.len(), total_len);
        Ok(out)
    }
}

/// Reads headers from a complete headers section without panicking on any input.
struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
    /// Offset of `buf` within the message, for error reports.
    base: usize,
}

impl<'a> Reader<'a> {
    fn offset(&self, pos: usize) -> u32 {
        u32::try_from(self.base.saturating_add(pos)).unwrap_or(u32::MAX)
    }

    fn take(&mut self, n: usize, part: HeaderPart) -> Result<&'a [u8], EventStreamError> {
        let start = self.pos;
        let bytes = start
            .checked_add(n)
            .and_then(|end| self.buf.get(start..end))
            .ok_or(EventStreamError::TruncatedHeader {
                offset: self.offset(start),
                part,
            })?;
        self.pos = start + n;
        Ok(bytes)
    }

    fn take_array<const N: usize>(
        &mut self,
        part: HeaderPart,
    ) -> Result<[u8; N], EventStreamError> {
        let start = self.pos;
        let bytes = self.take(N, part)?;
        bytes
            .try_into()
            .map_err(|_| EventStreamError::TruncatedHeader {
                offset: self.offset(start),
                part,
            })
    }

    fn take_str(&mut self, n: usize, part: HeaderPart) -> Result<String, EventStreamError> {
        let start = self.pos;
        let bytes = self.take(n, part)?;
        match std::str::from_utf8(bytes) {
            Ok(s) => Ok(s.to_owned()),
            Err(_) => Err(EventStreamError::InvalidUtf8 {
                offset: self.offset(start),
                part,
            }),
        }
    }

    fn u16_len(&mut self) -> Result<usize, EventStreamError> {
        Ok(usize::from(u16::from_be_bytes(
            self.take_array(HeaderPart::ValueLength)?,
        )))
    }
}

/// Parses a headers section. `base` is its offset in the message (12), used in errors.
pub(crate) fn parse_headers(
    buf: &[u8],
    base: usize,
    max_count: usize,
) -> Result<Vec<Header>, EventStreamError> {
    let mut r = Reader { buf, pos: 0, base };
    let mut headers: Vec<Header> = Vec::new();
    let mut starts: Vec<u32> = Vec::new();
    while r.pos < buf.len() {
        if headers.len() >= max_count {
            return Err(EventStreamError::TooManyHeaders { max: max_count });
        }
        starts.push(r.offset(r.pos));
        let [name_len] = r.take_array::<1>(HeaderPart::NameLength)?;
        let name = r.take_str(usize::from(name_len), HeaderPart::Name)?;
        let type_pos = r.pos;
        let [type_code] = r.take_array::<1>(HeaderPart::ValueType)?;
        let value = match type_code {
            0 => HeaderValue::Bool(true),
            1 => HeaderValue::Bool(false),
            2 => HeaderValue::Byte(i8::from_be_bytes(r.take_array(HeaderPart::Value)?)),
            3 => HeaderValue::Int16(i16::from_be_bytes(r.take_array(HeaderPart::Value)?)),
            4 => HeaderValue::Int32(i32::from_be_bytes(r.take_array(HeaderPart::Value)?)),
            5 => HeaderValue::Int64(i64::from_be_bytes(r.take_array(HeaderPart::Value)?)),
            6 => {
                let len = r.u16_len()?;
                HeaderValue::ByteArray(r.take(len, HeaderPart::Value)?.to_vec())
            }
            7 => {
                let len = r.u16_len()?;
                HeaderValue::String(r.take_str(len, HeaderPart::Value)?)
            }
            8 => HeaderValue::Timestamp(i64::from_be_bytes(r.take_array(HeaderPart::Value)?)),
            9 => HeaderValue::Uuid(r.take_array(HeaderPart::Value)?),
            type_code => {
                return Err(EventStreamError::UnknownHeaderType {
                    offset: r.offset(type_pos),
                    type_code,
                })
            }
        };
        headers.push(Header { name, value });
    }
    let mut seen = BTreeSet::new();
    for (header, &start) in headers.iter().zip(&starts) {
        if !seen.insert(header.name.as_str()) {
            return Err(EventStreamError::DuplicateHeader { offset: start });
        }
    }
    Ok(headers)
}
