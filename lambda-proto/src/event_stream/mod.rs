//! The AWS event-stream binary format, as used by `InvokeWithResponseStream`.
//!
//! A message is a 12-byte prelude (total length, headers length, both big-endian `u32`, and
//! the CRC32 of those 8 bytes), the headers, the payload, and the CRC32 of everything before
//! it. A header is a name (length `u8`, UTF-8), a type code `u8` (0-9) and a value.
//! See <https://docs.aws.amazon.com/transcribe/latest/dg/event-stream.html>.
//!
//! Layers, from the bytes up:
//! - [`Decoder`]: incremental framing decoder. Feed it body chunks of any size; it returns
//!   [`Message`]s, checks both CRCs and the [`Limits`] before allocating, and reports every
//!   violation as an [`EventStreamError`].
//! - [`Message::encode`]: the encoder, for tests and test servers.
//! - [`ResponseStreamDecoder`]: Lambda's events ([`ResponseStreamEvent`]) on top of the
//!   decoder, with exceptions and errors sent by the service as [`ResponseStreamError`]s.
//!
//! Everything here is sans-IO: bytes in, values out.

mod decoder;
mod error;
mod frame;
mod lambda;

pub use decoder::{Decoder, Limits, Messages};
pub use error::{EventStreamError, HeaderPart};
pub use frame::{Header, HeaderValue, Message};
pub use lambda::{Events, ResponseStreamDecoder, ResponseStreamError, ResponseStreamEvent};

/// Largest total message length of the format: 16 MiB.
pub const MAX_MESSAGE_LEN: u32 = 16 * 1024 * 1024;
/// Largest headers section of the format: 128 KiB.
pub const MAX_HEADERS_LEN: u32 = 128 * 1024;
/// Bytes of a message that are not headers or payload: prelude (12) and message CRC (4).
pub const MESSAGE_OVERHEAD: usize = 16;
/// Longest header name the encoder writes (the decoder accepts up to 255).
pub const MAX_ENCODED_HEADER_NAME_LEN: usize = 127;
/// Longest byte-array or string header value the encoder writes (the decoder accepts up to
/// 65,535).
pub const MAX_ENCODED_HEADER_VALUE_LEN: usize = 32_767;

const PRELUDE_LEN: usize = 12;
const CRC_LEN: usize = 4;
