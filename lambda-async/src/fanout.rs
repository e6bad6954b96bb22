//! [`Client::invoke_many`]: one function invoked over a stream of payloads, driven by the
//! core's [`lambda_proto::fanout::Fanout`] controller on the caller's executor (the
//! invocations run inside the returned stream's `poll_next`; nothing is spawned).

use std::fmt;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use futures_core::Stream;
use futures_util::future::BoxFuture;
use futures_util::stream::{BoxStream, FuturesUnordered, StreamExt};
use futures_util::FutureExt;
use lambda_proto::error::Error;
use lambda_proto::fanout::{
    is_throttling, Fanout, FanoutOptions, Finish, Next, Progress, ProgressFn, Ticket,
};
use lambda_proto::operations::{Invoke, InvokeError};
use lambda_proto::types::InvocationResponse;

use crate::Client;

/// The result of one invocation of a fan-out.
pub type InvokeResult = Result<InvocationResponse, Error<InvokeError>>;

type Running = BoxFuture<'static, (Ticket, bytes::Bytes, InvokeResult)>;

/// The results of [`Client::invoke_many`]: a [`Stream`] of `(input index, result)`, in
/// input order or as they complete. Dropping it drops the running invocations.
pub struct InvokeMany {
    client: Client,
    template: Invoke,
    input: BoxStream<'static, bytes::Bytes>,
    fanout: Fanout<bytes::Bytes, InvokeResult>,
    running: FuturesUnordered<Running>,
    /// A sleep until a throttled payload is due, and when it ends (since `origin`).
    timer: Option<(BoxFuture<'static, ()>, Duration)>,
    origin: Instant,
    progress: Option<ProgressFn>,
    cancelled: Arc<AtomicBool>,
}

impl fmt::Debug for InvokeMany {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InvokeMany")
            .field("progress", &self.fanout.progress())
            .finish()
    }
}

/// Cancels a fan-out from anywhere: once the stream is polled again, no new invocation
/// starts; running ones finish and their results are still yielded.
#[derive(Clone, Debug)]
pub struct Canceller(Arc<AtomicBool>);

impl Canceller {
    /// Cancels the fan-out.
    pub fn cancel(&self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

impl InvokeMany {
    /// A handle that cancels this fan-out.
    pub fn canceller(&self) -> Canceller {
        Canceller(Arc::clone(&self.cancelled))
    }

    /// The counters now.
    pub fn progress(&self) -> Progress {
        self.fanout.progress()
    }

    fn start(&mut self, ticket: Ticket, payload: bytes::Bytes) {
        let client = self.client.clone();
        let mut op = self.template.clone();
        op.payload = Some(payload);
        self.running.push(Box::pin(async move {
            let result = client.send_call(&op, true).await;
            (ticket, op.payload.take().unwrap_or_default(), result)
        }));
    }

    /// Starts what the controller allows; whether the input is exhausted or pending is
    /// left to the next poll.
    fn start_allowed(&mut self, cx: &mut Context<'_>) {
        loop {
            let now = self.origin.elapsed();
            match self.fanout.next(now) {
                Next::TakeInput => match self.input.poll_next_unpin(cx) {
                    Poll::Ready(Some(payload)) => {
                        let ticket = self.fanout.start_input();
                        self.start(ticket, payload);
                    }
                    Poll::Ready(None) => self.fanout.input_exhausted(),
                    Poll::Pending => return,
                },
                Next::Retry {
                    payload, ticket, ..
                } => self.start(ticket, payload),
                Next::Wait(Some(delay)) => {
                    // A new timer only when none would wake us by then.
                    let due = now + delay;
                    let sooner = match &self.timer {
                        Some((_, end)) => *end > due,
                        None => true,
                    };
                    if sooner {
                        self.timer = Some((self.client.inner.sleep.sleep(delay), due));
                    }
                    return;
                }
                Next::Wait(None) | Next::Finished => return,
            }
        }
    }
}

impl Stream for InvokeMany {
    type Item = (u64, InvokeResult);

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        loop {
            if this.cancelled.load(Ordering::SeqCst) && !this.fanout.is_stopped() {
                this.fanout.cancel();
            }
            if let Some(item) = this.fanout.pop_result() {
                return Poll::Ready(Some(item));
            }
            this.start_allowed(cx);
            if let Poll::Ready(Some((ticket, payload, result))) = this.running.poll_next_unpin(cx) {
                let finish = match result {
                    Err(e) if is_throttling(&e) => Finish::Throttled {
                        payload,
                        result: Err(e),
                    },
                    result => Finish::Done {
                        ok: matches!(&result, Ok(out) if out.function_error.is_none()),
                        result,
                    },
                };
                this.fanout.finish(ticket, finish, this.origin.elapsed());
                if let Some(report) = &this.progress {
                    report(&this.fanout.progress());
                }
                continue;
            }
            if this.fanout.is_finished() {
                return match this.fanout.pop_result() {
                    Some(item) => Poll::Ready(Some(item)),
                    None => Poll::Ready(None),
                };
            }
            if let Some((timer, _)) = &mut this.timer {
                if timer.poll_unpin(cx).is_ready() {
                    this.timer = None;
                    continue;
                }
            }
            return Poll::Pending;
        }
    }
}

impl Client {
    /// Invokes `function` (at `qualifier`, if given) once per payload of `payloads`, at
    /// most `options`' concurrency at a time, adapting the concurrency to throttling
    /// (see [`lambda_proto::fanout`]). Runs on the executor that polls the stream; the
    /// client's own request limit ([`crate::ClientBuilder::max_concurrency`], 64 by default)
    /// also applies.
    ///
    /// Payloads are pulled only when an invocation may start. A throttled invocation is
    /// sent again later without using the retry quota; other errors are the item's
    /// result and stop nothing unless [`FanoutOptions::stop_on_error`]. An invocation
    /// counts as failed when it returns an error or a `FunctionError`.
    ///
    /// ```no_run
    /// # async fn run(client: lambda_async::Client) -> Result<(), Box<dyn std::error::Error>> {
    /// use futures_util::{stream, StreamExt};
    /// use lambda_async::FanoutOptions;
    ///
    /// let payloads = stream::iter((0..1000).map(|i| format!(r#"{{"n":{i}}}"#).into_bytes()));
    /// let mut results = client.invoke_many("my-fn", None, payloads, FanoutOptions::new(64).ordered(true));
    /// while let Some((index, result)) = results.next().await {
    ///     println!("{index}: {:?}", result?.payload);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn invoke_many<S>(
        &self,
        function: impl Into<String>,
        qualifier: Option<&str>,
        payloads: S,
        options: FanoutOptions,
    ) -> InvokeMany
    where
        S: Stream + Send + 'static,
        S::Item: Into<bytes::Bytes>,
    {
        let mut template = Invoke::new(function);
        if let Some(q) = qualifier {
            template = template.qualifier(q);
        }
        InvokeMany {
            client: self.clone(),
            template,
            input: payloads.map(Into::into).boxed(),
            fanout: Fanout::new(*options.config()),
            running: FuturesUnordered::new(),
            timer: None,
            origin: Instant::now(),
            progress: options.progress_fn(),
            cancelled: Arc::new(AtomicBool::new(false)),
        }
    }
}
