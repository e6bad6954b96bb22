//! [`Client::invoke_many`]: one function invoked over many payloads on a bounded pool of
//! threads, driven by the core's [`lambda_proto::fanout::Fanout`] controller.

use std::fmt;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use lambda_proto::error::Error;
use lambda_proto::fanout::{
    is_throttling, Fanout, FanoutOptions, Finish, Next, Progress, ProgressFn,
};
use lambda_proto::operations::{Invoke, InvokeError};
use lambda_proto::types::InvocationResponse;

use crate::Client;

/// The result of one invocation of a fan-out.
pub type InvokeResult = Result<InvocationResponse, Error<InvokeError>>;

struct State {
    fanout: Fanout<bytes::Bytes, InvokeResult>,
    input: Box<dyn Iterator<Item = bytes::Bytes> + Send>,
}

struct Shared {
    state: Mutex<State>,
    changed: Condvar,
    origin: Instant,
    progress: Option<ProgressFn>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn wait<'a>(
        &self,
        guard: MutexGuard<'a, State>,
        limit: Option<Duration>,
    ) -> MutexGuard<'a, State> {
        let limit = limit
            .unwrap_or(Duration::from_secs(1))
            .min(Duration::from_secs(1));
        self.changed
            .wait_timeout(guard, limit)
            .unwrap_or_else(PoisonError::into_inner)
            .0
    }

    fn now(&self) -> Duration {
        self.origin.elapsed()
    }
}

/// The results of [`Client::invoke_many`]: `(input index, result)`, in input order or as
/// they complete. Dropping it cancels the rest and waits for the running invocations.
pub struct InvokeMany {
    shared: Arc<Shared>,
    workers: Vec<JoinHandle<()>>,
}

impl fmt::Debug for InvokeMany {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InvokeMany")
            .field("progress", &self.progress())
            .finish()
    }
}

/// Cancels a fan-out from anywhere: no new invocation starts; running ones finish and
/// their results are still handed out.
#[derive(Clone)]
pub struct Canceller(Arc<Shared>);

impl fmt::Debug for Canceller {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Canceller")
    }
}

impl Canceller {
    /// Cancels the fan-out.
    pub fn cancel(&self) {
        self.0.lock().fanout.cancel();
        self.0.changed.notify_all();
    }
}

impl InvokeMany {
    /// A handle that cancels this fan-out (e.g. from another thread).
    pub fn canceller(&self) -> Canceller {
        Canceller(Arc::clone(&self.shared))
    }

    /// Cancels the fan-out (see [`Canceller::cancel`]).
    pub fn cancel(&self) {
        self.canceller().cancel();
    }

    /// The counters now.
    pub fn progress(&self) -> Progress {
        self.shared.lock().fanout.progress()
    }
}

impl Iterator for InvokeMany {
    type Item = (u64, InvokeResult);

    fn next(&mut self) -> Option<Self::Item> {
        let shared = &*self.shared;
        let mut state = shared.lock();
        loop {
            if let Some(item) = state.fanout.pop_result() {
                // An ordered window may have opened.
                shared.changed.notify_all();
                return Some(item);
            }
            if state.fanout.is_finished() {
                return None;
            }
            state = shared.wait(state, None);
        }
    }
}

impl Drop for InvokeMany {
    fn drop(&mut self) {
        self.cancel();
        for worker in self.workers.drain(..) {
            let _ = worker.join();
        }
    }
}

impl Client {
    /// Invokes `function` (at `qualifier`, if given) once per payload, at most
    /// `options`' concurrency at a time on as many threads, adapting the concurrency to
    /// throttling (see [`lambda_proto::fanout`]).
    ///
    /// Payloads are pulled from `payloads` only when an invocation may start. A throttled
    /// invocation is sent again later, without using the retry quota; other errors are
    /// the item's result and stop nothing unless [`FanoutOptions::stop_on_error`]. An
    /// invocation counts as failed when it returns an error or a `FunctionError`.
    ///
    /// ```no_run
    /// use lambda_blocking::{Client, FanoutOptions};
    ///
    /// let client = Client::from_env()?;
    /// let payloads = (0..1000).map(|i| format!(r#"{{"n":{i}}}"#).into_bytes());
    /// for (index, result) in client.invoke_many("my-fn", None, payloads, FanoutOptions::new(64).ordered(true)) {
    ///     let output = result?;
    ///     println!("{index}: {:?}", output.payload);
    /// }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn invoke_many<I>(
        &self,
        function: impl Into<String>,
        qualifier: Option<&str>,
        payloads: I,
        options: FanoutOptions,
    ) -> InvokeMany
    where
        I: IntoIterator,
        I::Item: Into<bytes::Bytes> + 'static,
        I::IntoIter: Send + 'static,
    {
        let threads = options.config().max_concurrency();
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                fanout: Fanout::new(*options.config()),
                input: Box::new(payloads.into_iter().map(Into::into)),
            }),
            changed: Condvar::new(),
            origin: Instant::now(),
            progress: options.progress_fn(),
        });
        let mut template = Invoke::new(function);
        if let Some(q) = qualifier {
            template = template.qualifier(q);
        }
        let mut workers = Vec::with_capacity(threads);
        for i in 0..threads {
            let (client, shared, template) = (self.clone(), Arc::clone(&shared), template.clone());
            let spawned = std::thread::Builder::new()
                .name(format!("invoke-many-{i}"))
                .spawn(move || work(&client, &shared, template));
            match spawned {
                Ok(handle) => workers.push(handle),
                // Fewer threads than asked for still make progress.
                Err(_) if !workers.is_empty() => break,
                Err(e) => panic!("invoke_many: cannot spawn a thread: {e}"),
            }
        }
        InvokeMany { shared, workers }
    }
}

fn work(client: &Client, shared: &Shared, mut op: Invoke) {
    loop {
        let (ticket, payload) = {
            let mut state = shared.lock();
            loop {
                match state.fanout.next(shared.now()) {
                    Next::TakeInput => match state.input.next() {
                        Some(payload) => break (state.fanout.start_input(), payload),
                        None => {
                            state.fanout.input_exhausted();
                            shared.changed.notify_all();
                        }
                    },
                    Next::Retry {
                        payload, ticket, ..
                    } => break (ticket, payload),
                    Next::Wait(limit) => state = shared.wait(state, limit),
                    Next::Finished => {
                        shared.changed.notify_all();
                        return;
                    }
                }
            }
        };
        op.payload = Some(payload);
        let result = client
            .run_call(&op, true, |request| {
                let timeouts = client.timeouts_for("Invoke");
                client
                    .inner
                    .transport
                    .send(request, timeouts, client.inner.max_body_size)
                    .map(|response| (response, ()))
            })
            .map(|(output, ())| output);
        let payload = op.payload.take().unwrap_or_default();
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
        let progress = {
            let mut state = shared.lock();
            state.fanout.finish(ticket, finish, shared.now());
            shared.changed.notify_all();
            state.fanout.progress()
        };
        if let Some(report) = &shared.progress {
            report(&progress);
        }
    }
}
