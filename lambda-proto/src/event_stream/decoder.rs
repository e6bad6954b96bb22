//! The incremental decoder.

use std::fmt;

use super::error::EventStreamError;
use super::frame::{parse_headers, Message};
use super::{CRC_LEN, MAX_HEADERS_LEN, MAX_MESSAGE_LEN, MESSAGE_OVERHEAD, PRELUDE_LEN};

/// Size limits a [`Decoder`] enforces before it allocates.
///
/// The defaults are the format's maxima: 16 MiB per message, 128 KiB of headers, and at
/// most 256 headers per message. Limits can be lowered, never raised above the maxima.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash)]
pub struct Limits {
    max_message_len: u32,
    max_headers_len: u32,
    max_header_count: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_message_len: MAX_MESSAGE_LEN,
            max_headers_len: MAX_HEADERS_LEN,
            max_header_count: Limits::DEFAULT_MAX_HEADER_COUNT,
        }
    }
}

impl Limits {
    /// Default limit on the number of headers in one message.
    pub const DEFAULT_MAX_HEADER_COUNT: usize = 256;

    /// Largest total message length accepted, capped at 16 MiB.
    pub fn max_message_len(mut self, bytes: u32) -> Self {
        self.max_message_len = bytes.min(MAX_MESSAGE_LEN);
        self
    }

    /// Largest headers section accepted, capped at 128 KiB.
    pub fn max_headers_len(mut self, bytes: u32) -> Self {
        self.max_headers_len = bytes.min(MAX_HEADERS_LEN);
        self
    }

    /// Largest number of headers accepted in one message.
    pub fn max_header_count(mut self, count: usize) -> Self {
        self.max_header_count = count;
        self
    }

    /// The total message length limit in force.
    pub fn message_len_limit(&self) -> u32 {
        self.max_message_len
    }

    /// The headers length limit in force.
    pub fn headers_len_limit(&self) -> u32 {
        self.max_headers_len
    }

    /// The header count limit in force.
    pub fn header_count_limit(&self) -> usize {
        self.max_header_count
    }
}

/// The part of a message after its prelude, filled as bytes arrive.
#[derive(Clone)]
struct Body {
    total_len: u32,
    headers: Vec<u8>,
    headers_len: usize,
    payload: Vec<u8>,
    payload_len: usize,
    crc: [u8; CRC_LEN],
    crc_filled: usize,
    /// CRC32 of every byte of the message received so far, excluding the message CRC.
    hasher: crc32fast::Hasher,
}

impl Body {
    fn received(&self) -> usize {
        PRELUDE_LEN + self.headers.len() + self.payload.len() + self.crc_filled
    }
}

impl fmt::Debug for Body {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Body")
            .field("total_len", &self.total_len)
            .field("received", &self.received())
            .finish_non_exhaustive()
    }
}

#[derive(Clone, Debug)]
enum State {
    Prelude {
        buf: [u8; PRELUDE_LEN],
        filled: usize,
    },
    Body(Body),
    Failed(EventStreamError),
}

const FRESH: State = State::Prelude {
    buf: [0; PRELUDE_LEN],
    filled: 0,
};

/// Incremental decoder of event-stream messages.
///
/// Feed it the response body in chunks of any size with [`Decoder::decode`]; it consumes
/// bytes from the front of the slice and returns each message as soon as its last byte
/// arrives. Payload bytes are copied once, straight into the message's payload; header
/// bytes twice (into a buffer, then into the parsed values). The buffers are allocated only
/// after the prelude passed its CRC and the size checks. After an error the decoder stays
/// failed and returns the same error again. Call [`Decoder::finish`] at the end of the body
/// to tell a clean end from a truncated one.
///
/// ```
/// use lambda_proto::event_stream::{Decoder, Message};
///
/// let mut wire = Message::new(b"one".to_vec()).encode()?;
/// wire.extend(Message::new(b"two".to_vec()).encode()?);
///
/// let mut decoder = Decoder::new();
/// let mut payloads = Vec::new();
/// for chunk in wire.chunks(5) {
///     let mut chunk = chunk;
///     while let Some(message) = decoder.decode(&mut chunk)? {
///         payloads.push(message.payload);
///     }
/// }
/// decoder.finish()?; // the body ended at a message boundary
/// assert_eq!(payloads, [b"one".to_vec(), b"two".to_vec()]);
/// # Ok::<(), lambda_proto::event_stream::EventStreamError>(())
/// ```
#[derive(Clone, Debug)]
pub struct Decoder {
    limits: Limits,
    state: State,
}

impl Default for Decoder {
    fn default() -> Self {
        Decoder::new()
    }
}

impl Decoder {
    /// A decoder with the default [`Limits`].
    pub fn new() -> Self {
        Decoder::with_limits(Limits::default())
    }

    /// A decoder with these limits.
    pub fn with_limits(limits: Limits) -> Self {
        Decoder {
            limits,
            state: FRESH,
        }
    }

    /// The limits in force.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// Consumes bytes from the front of `input` until a message is complete or `input` is
    /// empty.
    ///
    /// Returns `Ok(Some(message))` when a message was completed (bytes after it stay in
    /// `input`), `Ok(None)` when all of `input` was consumed without completing one.
    pub fn decode(&mut self, input: &mut &[u8]) -> Result<Option<Message>, EventStreamError> {
        if let State::Failed(err) = self.state {
            return Err(err);
        }
        match self.step(input) {
            Ok(message) => Ok(message),
            Err(err) => {
                self.state = State::Failed(err);
                Err(err)
            }
        }
    }

    /// An iterator over the messages completed by `input`; it stops after the first error.
    pub fn feed<'d, 'i>(&'d mut self, input: &'i [u8]) -> Messages<'d, 'i> {
        Messages {
            decoder: self,
            input,
            done: false,
        }
    }

    /// Whether no partial message is buffered (and the decoder has not failed).
    pub fn is_at_boundary(&self) -> bool {
        matches!(self.state, State::Prelude { filled: 0, .. })
    }

    /// Checks the end of the stream: `Ok` if it ended at a message boundary,
    /// [`EventStreamError::UnexpectedEof`] if a message is unfinished, or the earlier error.
    pub fn finish(&self) -> Result<(), EventStreamError> {
        match &self.state {
            State::Failed(err) => Err(*err),
            State::Prelude { filled: 0, .. } => Ok(()),
            State::Prelude { filled, .. } => Err(EventStreamError::UnexpectedEof {
                received: u32::try_from(*filled).unwrap_or(u32::MAX),
                total_len: None,
            }),
            State::Body(body) => Err(EventStreamError::UnexpectedEof {
                received: u32::try_from(body.received()).unwrap_or(u32::MAX),
                total_len: Some(body.total_len),
            }),
        }
    }

    fn step(&mut self, input: &mut &[u8]) -> Result<Option<Message>, EventStreamError> {
        loop {
            match &mut self.state {
                State::Failed(err) => return Err(*err),
                State::Prelude { buf, filled } => {
                    let rest = buf.get_mut(*filled..).unwrap_or_default();
                    let n = copy_prefix(rest, input);
                    *filled += n;
                    if *filled < PRELUDE_LEN {
                        return Ok(None);
                    }
                    let prelude = *buf;
                    self.state = State::Body(start_body(&prelude, &self.limits)?);
                }
                State::Body(body) => {
                    if !fill_vec(&mut body.headers, body.headers_len, input, &mut body.hasher)
                        || !fill_vec(&mut body.payload, body.payload_len, input, &mut body.hasher)
                    {
                        return Ok(None);
                    }
                    let rest = body.crc.get_mut(body.crc_filled..).unwrap_or_default();
                    body.crc_filled += copy_prefix(rest, input);
                    if body.crc_filled < CRC_LEN {
                        return Ok(None);
                    }
                    if let State::Body(body) = std::mem::replace(&mut self.state, FRESH) {
                        return finish_body(body, &self.limits).map(Some);
                    }
                    return Ok(None);
                }
            }
        }
    }
}

/// Copies as much of `input` as fits into `dst`, advancing `input`; returns the count.
fn copy_prefix(dst: &mut [u8], input: &mut &[u8]) -> usize {
    let n = dst.len().min(input.len());
    let (head, tail) = input.split_at(n);
    if let Some(d) = dst.get_mut(..n) {
        d.copy_from_slice(head);
    }
    *input = tail;
    n
}

/// Moves bytes from `input` into `dst` until it holds `want` bytes; true once it does.
fn fill_vec(
    dst: &mut Vec<u8>,
    want: usize,
    input: &mut &[u8],
    hasher: &mut crc32fast::Hasher,
) -> bool {
    let n = want.saturating_sub(dst.len()).min(input.len());
    let (head, tail) = input.split_at(n);
    hasher.update(head);
    dst.extend_from_slice(head);
    *input = tail;
    dst.len() == want
}

/// Validates a complete prelude and allocates the body, in that order.
fn start_body(prelude: &[u8; PRELUDE_LEN], limits: &Limits) -> Result<Body, EventStreamError> {
    let [t0, t1, t2, t3, h0, h1, h2, h3, c0, c1, c2, c3] = *prelude;
    let total_len = u32::from_be_bytes([t0, t1, t2, t3]);
    let headers_len = u32::from_be_bytes([h0, h1, h2, h3]);
    let expected = u32::from_be_bytes([c0, c1, c2, c3]);
    let actual = crc32fast::hash(&[t0, t1, t2, t3, h0, h1, h2, h3]);
    if expected != actual {
        return Err(EventStreamError::PreludeCrcMismatch { expected, actual });
    }
    const OVERHEAD: u32 = MESSAGE_OVERHEAD as u32;
    if total_len < OVERHEAD {
        return Err(EventStreamError::MessageTooShort { total_len });
    }
    if total_len > limits.max_message_len {
        return Err(EventStreamError::MessageTooLarge {
            total_len: u64::from(total_len),
            max: limits.max_message_len,
        });
    }
    let Some(payload_len) = (total_len - OVERHEAD).checked_sub(headers_len) else {
        return Err(EventStreamError::HeadersLengthExceedsMessage {
            headers_len,
            total_len,
        });
    };
    if headers_len > limits.max_headers_len {
        return Err(EventStreamError::HeadersTooLarge {
            headers_len: u64::from(headers_len),
            max: limits.max_headers_len,
        });
    }
    // Both lengths are now bounded by the limits (at most 16 MiB).
    let headers_len = headers_len as usize;
    let payload_len = payload_len as usize;
    let mut hasher = crc32fast::Hasher::new();
    hasher.update(prelude);
    Ok(Body {
        total_len,
        headers: Vec::with_capacity(headers_len),
        headers_len,
        payload: Vec::with_capacity(payload_len),
        payload_len,
        crc: [0; CRC_LEN],
        crc_filled: 0,
        hasher,
    })
}

/// Checks the message CRC, then parses the headers.
fn finish_body(body: Body, limits: &Limits) -> Result<Message, EventStreamError> {
    let expected = u32::from_be_bytes(body.crc);
    let actual = body.hasher.finalize();
    if expected != actual {
        return Err(EventStreamError::MessageCrcMismatch { expected, actual });
    }
    let headers = parse_headers(&body.headers, PRELUDE_LEN, limits.max_header_count)?;
    Ok(Message {
        headers,
        payload: body.payload,
    })
}

/// Iterator over the messages completed by one input chunk; see [`Decoder::feed`].
#[derive(Debug)]
pub struct Messages<'d, 'i> {
    decoder: &'d mut Decoder,
    input: &'i [u8],
    done: bool,
}

impl Iterator for Messages<'_, '_> {
    type Item = Result<Message, EventStreamError>;

    fn next(&mut self) -> Option<Self::Item> {
        feed_step(&mut self.done, || self.decoder.decode(&mut self.input))
    }
}

impl std::iter::FusedIterator for Messages<'_, '_> {}

/// One step of a feed iterator: the next decoded item, or the end (no complete item left in
/// the chunk, or an error, which is yielded once).
pub(crate) fn feed_step<T, E>(
    done: &mut bool,
    decode: impl FnOnce() -> Result<Option<T>, E>,
) -> Option<Result<T, E>> {
    if *done {
        return None;
    }
    match decode() {
        Ok(Some(item)) => Some(Ok(item)),
        Ok(None) => {
            *done = true;
            None
        }
        Err(err) => {
            *done = true;
            Some(Err(err))
        }
    }
}
