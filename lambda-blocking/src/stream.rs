//! `InvokeWithResponseStream`: events decoded as the body arrives.

use std::collections::VecDeque;
use std::fmt;
use std::io::Read;

use lambda_proto::error::TransportError;
use lambda_proto::event_stream::{ResponseStreamDecoder, ResponseStreamError, ResponseStreamEvent};
use lambda_proto::operations::InvokeWithResponseStream;
use lambda_proto::types::InvokeWithResponseStreamResponse;
use lambda_proto::{rest_json, Error, Operation};

use crate::transport::{from_io, read_limited};
use crate::Client;

/// Bytes read from the body per decoder feed.
const CHUNK: usize = 8 * 1024;

/// The typed error of `InvokeWithResponseStream`.
pub type InvokeWithResponseStreamError = <InvokeWithResponseStream as Operation>::Error;

/// Why the event stream broke off.
#[derive(Debug)]
#[non_exhaustive]
pub enum StreamError {
    /// The bytes are not a valid event stream, or the service sent an error event.
    Decode(ResponseStreamError),
    /// Reading the body failed.
    Transport(TransportError),
}

impl fmt::Display for StreamError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StreamError::Decode(e) => write!(f, "response stream: {e}"),
            StreamError::Transport(e) => write!(f, "response stream: {e}"),
        }
    }
}

impl std::error::Error for StreamError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            StreamError::Decode(e) => Some(e),
            StreamError::Transport(e) => Some(e),
        }
    }
}

impl Client {
    /// Starts a streamed invocation; returns once the response head has arrived.
    ///
    /// Error answers are retried like any call. The events are then read from the
    /// connection as the function sends them; nothing buffers the whole stream.
    // The error is the core's typed error, as `send` returns it.
    #[allow(clippy::result_large_err)]
    pub fn invoke_with_response_stream(
        &self,
        op: InvokeWithResponseStream,
    ) -> Result<EventStream, Error<InvokeWithResponseStreamError>> {
        let timeouts = self.timeouts_for(InvokeWithResponseStream::NAME);
        let limit = self.inner.max_body_size;
        let transport = &self.inner.transport;
        let (output, (body, request_id)) = self.run(&op, |request| {
            let response = transport.start(request, timeouts)?;
            let (parts, body) = response.into_parts();
            let request_id = rest_json::request_id(&parts.headers).map(str::to_string);
            if parts.status.is_success() {
                // The head alone is parsed; the body is the event stream.
                let head = http::Response::from_parts(parts, Vec::new());
                Ok((head, (Some(body), request_id)))
            } else {
                let bytes = read_limited(body, None, limit)?;
                Ok((http::Response::from_parts(parts, bytes), (None, request_id)))
            }
        })?;
        let reader: Box<dyn Read + Send> = match body {
            Some(body) => body,
            None => Box::new(std::io::empty()),
        };
        let mut stream = EventStream::new(output, reader);
        stream.request_id = request_id;
        Ok(stream)
    }
}

/// The events of a streamed invocation, read incrementally from the connection.
///
/// It yields each event as soon as its last byte arrives and ends after the stream's end
/// (an error if the stream ended without an `InvokeComplete` event).
pub struct EventStream {
    output: InvokeWithResponseStreamResponse,
    request_id: Option<String>,
    reader: Box<dyn Read + Send>,
    decoder: ResponseStreamDecoder,
    ready: VecDeque<ResponseStreamEvent>,
    buffer: Vec<u8>,
    pending_error: Option<StreamError>,
    done: bool,
}

impl fmt::Debug for EventStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EventStream")
            .field("output", &self.output)
            .field("done", &self.done)
            .finish_non_exhaustive()
    }
}

impl EventStream {
    /// A stream of the events in `reader` (the body of a 2xx answer).
    pub fn new(output: InvokeWithResponseStreamResponse, reader: Box<dyn Read + Send>) -> Self {
        EventStream {
            output,
            request_id: None,
            reader,
            decoder: ResponseStreamDecoder::new(),
            ready: VecDeque::new(),
            buffer: vec![0; CHUNK],
            pending_error: None,
            done: false,
        }
    }

    /// The response head: status code, executed version, content type.
    pub fn output(&self) -> &InvokeWithResponseStreamResponse {
        &self.output
    }

    /// The request id of the response head (`x-amzn-RequestId`), if the service sent one.
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }

    fn fail(&mut self, err: StreamError) -> Option<Result<ResponseStreamEvent, StreamError>> {
        self.done = true;
        Some(Err(err))
    }
}

impl Iterator for EventStream {
    type Item = Result<ResponseStreamEvent, StreamError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(event) = self.ready.pop_front() {
                return Some(Ok(event));
            }
            // Events completed before an error are delivered first.
            if let Some(err) = self.pending_error.take() {
                return Some(Err(err));
            }
            if self.done {
                return None;
            }
            let n = match self.reader.read(&mut self.buffer) {
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return self.fail(StreamError::Transport(from_io(e))),
            };
            if n == 0 {
                self.done = true;
                return match self.decoder.finish() {
                    Ok(()) => None,
                    Err(e) => Some(Err(StreamError::Decode(e))),
                };
            }
            let chunk = self.buffer.get(..n).unwrap_or_default();
            for event in self.decoder.feed(chunk) {
                match event {
                    Ok(event) => self.ready.push_back(event),
                    Err(e) => {
                        self.done = true;
                        self.pending_error = Some(StreamError::Decode(e));
                    }
                }
            }
        }
    }
}

impl std::iter::FusedIterator for EventStream {}
