//! Lambda `InvokeWithResponseStream` events on top of the framing.

use std::fmt;

use super::decoder::{Decoder, Limits};
use super::error::EventStreamError;
use super::frame::Message;

/// One event of an `InvokeWithResponseStream` response.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum ResponseStreamEvent {
    /// `PayloadChunk`: the next bytes of the function's response. Chunks are bytes: a UTF-8
    /// character may be split across two chunks.
    PayloadChunk(Vec<u8>),
    /// `InvokeComplete`: the end of the response, with the function error, if any.
    InvokeComplete {
        /// Function error code, e.g. `Unhandled`.
        error_code: Option<String>,
        /// Details of the function error.
        error_details: Option<String>,
        /// Last 4 KB of the execution log, base64, when `LogType` was `Tail`.
        log_result: Option<String>,
    },
    /// An event type this crate does not know; the message is kept whole.
    Unknown {
        /// The `:event-type` header.
        event_type: String,
        /// The message as received.
        message: Message,
    },
}

/// Why an `InvokeWithResponseStream` response could not be read as events.
#[derive(Clone, PartialEq, Eq, Debug)]
#[non_exhaustive]
pub enum ResponseStreamError {
    /// The bytes are not a valid event stream.
    Frame(EventStreamError),
    /// The service sent an exception message (`:message-type` `exception`).
    Exception {
        /// The `:exception-type` header, e.g. `ServiceException`.
        exception_type: String,
        /// The `message` (or `Message`) member of the JSON payload, if any.
        message: Option<String>,
        /// The payload as received.
        payload: Vec<u8>,
    },
    /// The service sent an error message (`:message-type` `error`).
    Error {
        /// The `:error-code` header.
        error_code: String,
        /// The `:error-message` header, if any.
        error_message: Option<String>,
    },
    /// A required header is missing or is not a string.
    MissingHeader {
        /// Header name, e.g. `:message-type`.
        name: &'static str,
    },
    /// The `:message-type` header is not `event`, `exception` or `error`.
    UnknownMessageType {
        /// The value found.
        message_type: String,
    },
    /// The payload of an `InvokeComplete` event is not the expected JSON object.
    InvalidInvokeComplete {
        /// What the JSON parser reported.
        reason: String,
    },
    /// The stream ended at a message boundary but without an `InvokeComplete` event.
    MissingInvokeComplete,
}

impl fmt::Display for ResponseStreamError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ResponseStreamError::Frame(err) => err.fmt(f),
            ResponseStreamError::Exception {
                exception_type,
                message,
                ..
            } => match message {
                Some(m) => write!(f, "response stream exception {exception_type}: {m}"),
                None => write!(f, "response stream exception {exception_type}"),
            },
            ResponseStreamError::Error {
                error_code,
                error_message,
            } => match error_message {
                Some(m) => write!(f, "response stream error {error_code}: {m}"),
                None => write!(f, "response stream error {error_code}"),
            },
            ResponseStreamError::MissingHeader { name } => {
                write!(
                    f,
                    "response stream: header {name} is missing or not a string"
                )
            }
            ResponseStreamError::UnknownMessageType { message_type } => write!(
                f,
                "response stream: :message-type {message_type:?} is not event, exception or error"
            ),
            ResponseStreamError::InvalidInvokeComplete { reason } => write!(
                f,
                "response stream: InvokeComplete payload is not a JSON object of strings: {reason}"
            ),
            ResponseStreamError::MissingInvokeComplete => {
                f.write_str("response stream: stream ended without an InvokeComplete event")
            }
        }
    }
}

impl std::error::Error for ResponseStreamError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ResponseStreamError::Frame(err) => Some(err),
            _ => None,
        }
    }
}

impl ResponseStreamError {
    /// The error code the service sent: the `:exception-type` of an exception message or
    /// the `:error-code` of an error message (`None` for the other errors).
    pub fn service_code(&self) -> Option<&str> {
        match self {
            ResponseStreamError::Exception { exception_type, .. } => Some(exception_type),
            ResponseStreamError::Error { error_code, .. } => Some(error_code),
            _ => None,
        }
    }

    /// The message the service sent with [`service_code`](Self::service_code), if any.
    pub fn service_message(&self) -> Option<&str> {
        match self {
            ResponseStreamError::Exception { message, .. } => message.as_deref(),
            ResponseStreamError::Error { error_message, .. } => error_message.as_deref(),
            _ => None,
        }
    }
}

impl From<EventStreamError> for ResponseStreamError {
    fn from(err: EventStreamError) -> Self {
        ResponseStreamError::Frame(err)
    }
}

fn required<'m>(message: &'m Message, name: &'static str) -> Result<&'m str, ResponseStreamError> {
    message
        .header_str(name)
        .ok_or(ResponseStreamError::MissingHeader { name })
}

/// The `message` or `Message` string of a JSON object payload.
fn exception_message(payload: &[u8]) -> Option<String> {
    let value: serde_json::Value = serde_json::from_slice(payload).ok()?;
    let object = value.as_object()?;
    object
        .get("message")
        .or_else(|| object.get("Message"))
        .and_then(|m| m.as_str())
        .map(str::to_owned)
}

impl ResponseStreamEvent {
    /// Interprets one decoded message.
    ///
    /// `event` messages become events (unknown event types become
    /// [`ResponseStreamEvent::Unknown`]); `exception` and `error` messages become
    /// [`ResponseStreamError::Exception`] and [`ResponseStreamError::Error`]. An
    /// `InvokeComplete` with an empty payload has all members absent.
    pub fn from_message(message: Message) -> Result<Self, ResponseStreamError> {
        match required(&message, ":message-type")? {
            "event" => {}
            "exception" => {
                let exception_type = required(&message, ":exception-type")?.to_owned();
                return Err(ResponseStreamError::Exception {
                    exception_type,
                    message: exception_message(&message.payload),
                    payload: message.payload,
                });
            }
            "error" => {
                return Err(ResponseStreamError::Error {
                    error_code: required(&message, ":error-code")?.to_owned(),
                    error_message: message.header_str(":error-message").map(str::to_owned),
                })
            }
            other => {
                return Err(ResponseStreamError::UnknownMessageType {
                    message_type: other.to_owned(),
                })
            }
        }
        match required(&message, ":event-type")? {
            "PayloadChunk" => Ok(ResponseStreamEvent::PayloadChunk(message.payload)),
            "InvokeComplete" => {
                if message.payload.is_empty() {
                    return Ok(ResponseStreamEvent::InvokeComplete {
                        error_code: None,
                        error_details: None,
                        log_result: None,
                    });
                }
                let p: crate::types::InvokeWithResponseStreamCompleteEvent =
                    serde_json::from_slice(&message.payload).map_err(|e| {
                        ResponseStreamError::InvalidInvokeComplete {
                            reason: e.to_string(),
                        }
                    })?;
                Ok(ResponseStreamEvent::InvokeComplete {
                    error_code: p.error_code,
                    error_details: p.error_details,
                    log_result: p.log_result,
                })
            }
            other => Ok(ResponseStreamEvent::Unknown {
                event_type: other.to_owned(),
                message,
            }),
        }
    }
}

impl TryFrom<Message> for ResponseStreamEvent {
    type Error = ResponseStreamError;

    fn try_from(message: Message) -> Result<Self, Self::Error> {
        ResponseStreamEvent::from_message(message)
    }
}

/// Incremental decoder of an `InvokeWithResponseStream` response body into
/// [`ResponseStreamEvent`]s.
///
/// It wraps a [`Decoder`] and remembers whether `InvokeComplete` arrived, so that
/// [`ResponseStreamDecoder::finish`] can tell a complete response from a cut one. After
/// any error it stays failed and returns that error again.
///
/// ```
/// use lambda_proto::event_stream::{Message, ResponseStreamDecoder, ResponseStreamEvent};
///
/// let event = |event_type: &str, payload: &[u8]| {
///     Message::new(payload.to_vec())
///         .with_header(":message-type", "event")
///         .with_header(":event-type", event_type)
///         .encode()
/// };
/// let mut body = event("PayloadChunk", "h\u{e9}llo".as_bytes())?;
/// body.extend(event("InvokeComplete", b"{}")?);
///
/// let mut decoder = ResponseStreamDecoder::new();
/// let mut output = Vec::new();
/// for chunk in body.chunks(7) {
///     for event in decoder.feed(chunk) {
///         match event? {
///             ResponseStreamEvent::PayloadChunk(bytes) => output.extend(bytes),
///             ResponseStreamEvent::InvokeComplete { error_code, .. } => assert!(error_code.is_none()),
///             ResponseStreamEvent::Unknown { .. } => {}
///         }
///     }
/// }
/// decoder.finish()?;
/// assert_eq!(String::from_utf8(output).unwrap(), "h\u{e9}llo");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, Default)]
pub struct ResponseStreamDecoder {
    decoder: Decoder,
    complete: bool,
    failed: Option<ResponseStreamError>,
}

impl ResponseStreamDecoder {
    /// A decoder with the default [`Limits`].
    pub fn new() -> Self {
        ResponseStreamDecoder::with_limits(Limits::default())
    }

    /// A decoder with these limits.
    pub fn with_limits(limits: Limits) -> Self {
        ResponseStreamDecoder {
            decoder: Decoder::with_limits(limits),
            complete: false,
            failed: None,
        }
    }

    /// Consumes bytes from the front of `input` until an event is complete or `input` is
    /// empty; see [`Decoder::decode`].
    pub fn decode(
        &mut self,
        input: &mut &[u8],
    ) -> Result<Option<ResponseStreamEvent>, ResponseStreamError> {
        if let Some(err) = &self.failed {
            return Err(err.clone());
        }
        let result = match self.decoder.decode(input) {
            Ok(Some(message)) => ResponseStreamEvent::from_message(message).map(Some),
            Ok(None) => Ok(None),
            Err(err) => Err(ResponseStreamError::Frame(err)),
        };
        match &result {
            Ok(Some(ResponseStreamEvent::InvokeComplete { .. })) => self.complete = true,
            Err(err) => self.failed = Some(err.clone()),
            _ => {}
        }
        result
    }

    /// An iterator over the events completed by `input`; it stops after the first error.
    pub fn feed<'d, 'i>(&'d mut self, input: &'i [u8]) -> Events<'d, 'i> {
        Events {
            decoder: self,
            input,
            done: false,
        }
    }

    /// Whether an `InvokeComplete` event has been returned.
    pub fn is_complete(&self) -> bool {
        self.complete
    }

    /// Checks the end of the body: `Ok` if it ended at a message boundary after
    /// `InvokeComplete`; otherwise the earlier error,
    /// [`EventStreamError::UnexpectedEof`] or [`ResponseStreamError::MissingInvokeComplete`].
    pub fn finish(&self) -> Result<(), ResponseStreamError> {
        if let Some(err) = &self.failed {
            return Err(err.clone());
        }
        self.decoder.finish()?;
        if self.complete {
            Ok(())
        } else {
            Err(ResponseStreamError::MissingInvokeComplete)
        }
    }
}

/// Iterator over the events completed by one input chunk; see
/// [`ResponseStreamDecoder::feed`].
#[derive(Debug)]
pub struct Events<'d, 'i> {
    decoder: &'d mut ResponseStreamDecoder,
    input: &'i [u8],
    done: bool,
}

impl Iterator for Events<'_, '_> {
    type Item = Result<ResponseStreamEvent, ResponseStreamError>;

    fn next(&mut self) -> Option<Self::Item> {
        super::decoder::feed_step(&mut self.done, || self.decoder.decode(&mut self.input))
    }
}

impl std::iter::FusedIterator for Events<'_, '_> {}
