//! `InvokeWithResponseStream`: the events of the response, decoded as body frames arrive.

use std::collections::VecDeque;
use std::fmt;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use futures_core::Stream;
use futures_util::future::BoxFuture;
use hyper::body::Body as _;
use lambda_proto::call::{Call, Step};
use lambda_proto::error::{Error, ResponseError, TransportError};
use lambda_proto::event_stream::{ResponseStreamDecoder, ResponseStreamError, ResponseStreamEvent};
use lambda_proto::operations::{InvokeWithResponseStream, InvokeWithResponseStreamError};
use lambda_proto::rest_json;
use lambda_proto::types::InvokeWithResponseStreamResponse;

use crate::client::{collect, operation_timed_out, read_timed_out, Client};
use crate::limit::Permit;
use crate::rt::{self, Sleep};
use crate::transport::{error_kind, transport_error, Body};

/// Why the event stream of a response ended early.
#[derive(Debug)]
#[non_exhaustive]
pub enum StreamError {
    /// The connection failed while the body was read.
    Transport(TransportError),
    /// The bytes were not a valid event stream, or the service sent an error event.
    Decode(ResponseStreamError),
}

impl fmt::Display for StreamError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StreamError::Transport(e) => e.fmt(f),
            StreamError::Decode(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for StreamError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            StreamError::Transport(e) => Some(e),
            StreamError::Decode(e) => Some(e),
        }
    }
}

/// The answer of `InvokeWithResponseStream`: the response head, and a [`Stream`] of its
/// events, decoded as the body arrives. Memory use is bounded by one body frame and one
/// event-stream message (at most 16 MiB by the format's limit).
///
/// The stream ends after `InvokeComplete` and the end of the body; a body that ends
/// without `InvokeComplete`, a broken frame, or an error event is the last item, as an
/// error. The request slot of the client is held until the stream is dropped.
pub struct ResponseStream {
    output: InvokeWithResponseStreamResponse,
    request_id: Option<String>,
    body: Body,
    idle: IdleTimer,
    decoder: ResponseStreamDecoder,
    pending: VecDeque<Result<ResponseStreamEvent, ResponseStreamError>>,
    done: bool,
    _permit: Permit,
}

impl fmt::Debug for ResponseStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResponseStream")
            .field("output", &self.output)
            .field("done", &self.done)
            .finish_non_exhaustive()
    }
}

impl ResponseStream {
    /// The response head: status code, executed version, content type.
    pub fn output(&self) -> &InvokeWithResponseStreamResponse {
        &self.output
    }

    /// The request id of the response head (`x-amzn-RequestId`), if the service sent one:
    /// what to quote about an exception event, which carries none.
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }
}

impl Stream for ResponseStream {
    type Item = Result<ResponseStreamEvent, StreamError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        loop {
            if let Some(event) = this.pending.pop_front() {
                return Poll::Ready(Some(event.map_err(|e| {
                    this.done = true;
                    this.pending.clear();
                    StreamError::Decode(e)
                })));
            }
            if this.done {
                return Poll::Ready(None);
            }
            match Pin::new(&mut this.body).poll_frame(cx) {
                Poll::Pending => {
                    if this.idle.expired(cx) {
                        this.done = true;
                        return Poll::Ready(Some(Err(StreamError::Transport(read_timed_out(
                            this.idle.limit,
                        )))));
                    }
                    return Poll::Pending;
                }
                Poll::Ready(Some(Ok(frame))) => {
                    this.idle.reset();
                    if let Ok(data) = frame.into_data() {
                        let events = this.decoder.feed(&data);
                        this.pending.extend(events);
                    }
                }
                Poll::Ready(Some(Err(e))) => {
                    this.done = true;
                    let kind = error_kind(&*e);
                    return Poll::Ready(Some(Err(StreamError::Transport(transport_error(
                        kind, e,
                    )))));
                }
                Poll::Ready(None) => {
                    this.done = true;
                    if let Err(e) = this.decoder.finish() {
                        return Poll::Ready(Some(Err(StreamError::Decode(e))));
                    }
                }
            }
        }
    }
}

/// The longest wait for more of the stream: a timer started when the body has nothing to
/// give and dropped when it gives a frame.
struct IdleTimer {
    limit: Option<Duration>,
    sleep: Arc<dyn Sleep>,
    running: Option<BoxFuture<'static, ()>>,
}

impl IdleTimer {
    /// Whether the limit has passed since the body last gave a frame (starting the timer
    /// on the first wait).
    fn expired(&mut self, cx: &mut Context<'_>) -> bool {
        let Some(limit) = self.limit else {
            return false;
        };
        let timer = self.running.get_or_insert_with(|| self.sleep.sleep(limit));
        timer.as_mut().poll(cx).is_ready()
    }

    fn reset(&mut self) {
        self.running = None;
    }
}

type StreamResult = Result<ResponseStream, Error<InvokeWithResponseStreamError>>;

impl Client {
    /// Sends `InvokeWithResponseStream` and returns the events as a stream.
    ///
    /// Retries apply until a 2xx head arrives; the operation timeout bounds the wait for
    /// that head, not the reading of the stream. The invoke timeout bounds each attempt's
    /// wait for the head, then each wait for more of the stream.
    ///
    /// ```no_run
    /// # async fn example(client: lambda_async::Client) -> Result<(), Box<dyn std::error::Error>> {
    /// use futures_util::StreamExt;
    /// use lambda_proto::event_stream::ResponseStreamEvent;
    /// use lambda_proto::operations::InvokeWithResponseStream;
    ///
    /// let mut events = client
    ///     .invoke_with_response_stream(&InvokeWithResponseStream::new("my-fn"))
    ///     .await?;
    /// while let Some(event) = events.next().await {
    ///     if let ResponseStreamEvent::PayloadChunk(bytes) = event? {
    ///         print!("{}", String::from_utf8_lossy(&bytes));
    ///     }
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn invoke_with_response_stream(&self, op: &InvokeWithResponseStream) -> StreamResult {
        let limit = self.inner.operation_timeout;
        match rt::timeout(&*self.inner.sleep, limit, self.open_stream(op)).await {
            Some(result) => result,
            None => Err(operation_timed_out(limit)),
        }
    }

    async fn open_stream(&self, op: &InvokeWithResponseStream) -> StreamResult {
        let inner = &*self.inner;
        let mut call = Call::new(&inner.config, op)?;
        loop {
            let credentials = self.credentials().await?;
            self.pace(&call).await;
            let request = call.request(&credentials, self.now())?;
            let permit = self.permit().await;
            let limit = inner.invoke_timeout;
            let sent = match rt::timeout(&*inner.sleep, limit, inner.transport.send(request)).await
            {
                Some(sent) => sent,
                None => Err(read_timed_out(limit)),
            };
            let step = match sent {
                Err(err) => call.on_transport_error(err, (inner.random)()),
                Ok(response) if response.status().is_success() => {
                    let (head, body) = response.into_parts();
                    let status = head.status.as_u16();
                    let request_id = rest_json::request_id(&head.headers).map(str::to_string);
                    let empty = http::Response::from_parts(head, Vec::new());
                    let step = call.on_response(empty, self.now(), (inner.random)());
                    call.record_answer(self.monotonic());
                    return match step {
                        Step::Done(Ok(output)) => Ok(ResponseStream {
                            output,
                            request_id,
                            body,
                            idle: IdleTimer {
                                limit,
                                sleep: Arc::clone(&inner.sleep),
                                running: None,
                            },
                            decoder: ResponseStreamDecoder::new(),
                            pending: VecDeque::new(),
                            done: false,
                            _permit: permit,
                        }),
                        Step::Done(Err(e)) => Err(e),
                        Step::Retry { .. } => Err(Error::Response(ResponseError::new(
                            status,
                            "a success response was classified as retryable",
                        ))),
                    };
                }
                Ok(response) => {
                    let (head, body) = response.into_parts();
                    match collect(body, &head.headers, inner.max_body_size).await {
                        Ok(bytes) => call.on_response(
                            http::Response::from_parts(head, bytes),
                            self.now(),
                            (inner.random)(),
                        ),
                        Err(err) => call.on_transport_error(err, (inner.random)()),
                    }
                }
            };
            call.record_answer(self.monotonic());
            drop(permit);
            match step {
                Step::Done(Err(e)) => return Err(e),
                Step::Done(Ok(_)) => {
                    return Err(Error::Response(ResponseError::new(
                        0,
                        "an error response was parsed as a success",
                    )))
                }
                Step::Retry { after } => self.pause(after).await,
            }
        }
    }
}
