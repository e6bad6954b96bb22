//! Code shared by the integration tests.
#![allow(dead_code)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::future::BoxFuture;
use lambda_async::{BoxError, ProvideCredentials};
use lambda_proto::credentials::Credentials;
use std::sync::atomic::{AtomicUsize, Ordering};
use time::OffsetDateTime;

/// Delays from this length on are taken for timeouts by [`RecordingSleep`].
pub const TIMEOUT_THRESHOLD: Duration = Duration::from_secs(60);

/// A fixed instant the test clocks start at.
pub const T0: OffsetDateTime = time::macros::datetime!(2026-01-01 12:00 UTC);

/// A timer that records every delay shorter than [`TIMEOUT_THRESHOLD`] and completes it at
/// once (backoff and waiter delays); longer ones are timeouts, which never fire. With it, a
/// clock that advances by the recorded delays.
#[derive(Clone, Default)]
pub struct RecordingSleep {
    pub delays: Arc<Mutex<Vec<Duration>>>,
}

impl RecordingSleep {
    pub fn delays(&self) -> Vec<Duration> {
        self.delays.lock().unwrap().clone()
    }

    /// A clock that starts at [`T0`] and moves by the recorded delays.
    pub fn clock(&self) -> impl Fn() -> OffsetDateTime + Send + Sync + 'static {
        let delays = self.delays.clone();
        move || {
            let slept: Duration = delays.lock().unwrap().iter().sum();
            T0 + slept
        }
    }
}

impl lambda_async::Sleep for RecordingSleep {
    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()> {
        if duration >= TIMEOUT_THRESHOLD {
            return Box::pin(futures_util::future::pending());
        }
        self.delays.lock().unwrap().push(duration);
        Box::pin(async {})
    }
}

/// Static credentials that count how often they are asked for.
#[derive(Clone, Default)]
pub struct CountingCredentials {
    pub lookups: Arc<AtomicUsize>,
}

impl CountingCredentials {
    pub fn lookups(&self) -> usize {
        self.lookups.load(Ordering::SeqCst)
    }
}

impl ProvideCredentials for CountingCredentials {
    fn provide(&self) -> BoxFuture<'_, Result<Credentials, BoxError>> {
        self.lookups.fetch_add(1, Ordering::SeqCst);
        Box::pin(async { Ok(Credentials::new("AKIDTEST", "secret", None, None)) })
    }
}

/// Test credentials.
pub fn creds() -> Credentials {
    Credentials::new(
        "AKIAIOSFODNN7EXAMPLE",
        "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
        None,
        None,
    )
}

/// A builder for the loopback server at `url`: test credentials, the recording timer and
/// its clock.
pub fn loopback_builder(url: &str, sleep: &RecordingSleep) -> lambda_async::ClientBuilder {
    lambda_async::Client::builder()
        .region("us-east-1")
        .endpoint_url(url)
        .credentials(creds())
        .sleep(sleep.clone())
        .clock(sleep.clock())
}

/// A GetFunction answer for `name`.
pub fn function_json(name: &str, state: &str) -> String {
    serde_json::json!({
        "Configuration": {
            "FunctionName": name,
            "FunctionArn": format!("arn:aws:lambda:us-east-1:123456789012:function:{name}"),
            "State": state,
        }
    })
    .to_string()
}

/// async-io sockets through the crate's own pooled `ConnTransport`; each connection's
/// task runs on a thread of its own (a runtime would spawn it as a task). No tokio.
pub fn transport() -> lambda_async::ConnTransport<impl lambda_async::Connect> {
    use async_io::Async;
    use std::io;
    use std::net::TcpStream;
    type Stream = lambda_async::FuturesIo<Async<TcpStream>>;
    let connect = |uri: &http::Uri| -> BoxFuture<'static, io::Result<Stream>> {
        let authority = uri.authority().map(|a| a.to_string()).unwrap_or_default();
        Box::pin(async move {
            let addr = std::net::ToSocketAddrs::to_socket_addrs(&authority)?
                .next()
                .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "no address"))?;
            Ok(lambda_async::FuturesIo(
                Async::<TcpStream>::connect(addr).await?,
            ))
        })
    };
    let spawn = |task: BoxFuture<'static, ()>| {
        std::thread::spawn(move || futures_executor::block_on(task));
    };
    lambda_async::ConnTransport::new(connect, spawn)
}

/// An async-io timer (no tokio).
pub fn sleep(duration: Duration) -> BoxFuture<'static, ()> {
    Box::pin(async move {
        async_io::Timer::after(duration).await;
    })
}
