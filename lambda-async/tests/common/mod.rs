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

/// CRC-32 (IEEE), bit by bit; enough for small test archives.
pub fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xffff_ffffu32;
    for &byte in data {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            let mask = (crc & 1).wrapping_neg();
            crc = (crc >> 1) ^ (0xedb8_8320 & mask);
        }
    }
    !crc
}

/// A zip archive with one file, stored without compression (PKWARE APPNOTE 4.3).
pub fn stored_zip(name: &str, content: &[u8]) -> Vec<u8> {
    let crc = crc32(content);
    let size = content.len() as u32;
    let name_len = name.len() as u16;
    let mut out = Vec::new();
    // Local file header.
    out.extend(0x0403_4b50u32.to_le_bytes());
    out.extend(20u16.to_le_bytes()); // version needed
    out.extend(0u16.to_le_bytes()); // flags
    out.extend(0u16.to_le_bytes()); // method: stored
    out.extend(0u16.to_le_bytes()); // time
    out.extend(0x21u16.to_le_bytes()); // date: 1980-01-01
    out.extend(crc.to_le_bytes());
    out.extend(size.to_le_bytes());
    out.extend(size.to_le_bytes());
    out.extend(name_len.to_le_bytes());
    out.extend(0u16.to_le_bytes()); // extra length
    out.extend(name.as_bytes());
    out.extend(content);
    let central_offset = out.len() as u32;
    // Central directory header.
    out.extend(0x0201_4b50u32.to_le_bytes());
    out.extend(20u16.to_le_bytes()); // version made by
    out.extend(20u16.to_le_bytes()); // version needed
    out.extend(0u16.to_le_bytes());
    out.extend(0u16.to_le_bytes());
    out.extend(0u16.to_le_bytes());
    out.extend(0x21u16.to_le_bytes());
    out.extend(crc.to_le_bytes());
    out.extend(size.to_le_bytes());
    out.extend(size.to_le_bytes());
    out.extend(name_len.to_le_bytes());
    out.extend(0u16.to_le_bytes()); // extra
    out.extend(0u16.to_le_bytes()); // comment
    out.extend(0u16.to_le_bytes()); // disk
    out.extend(0u16.to_le_bytes()); // internal attributes
    out.extend(0u32.to_le_bytes()); // external attributes
    out.extend(0u32.to_le_bytes()); // local header offset
    out.extend(name.as_bytes());
    let central_size = out.len() as u32 - central_offset;
    // End of central directory.
    out.extend(0x0605_4b50u32.to_le_bytes());
    out.extend(0u16.to_le_bytes());
    out.extend(0u16.to_le_bytes());
    out.extend(1u16.to_le_bytes());
    out.extend(1u16.to_le_bytes());
    out.extend(central_size.to_le_bytes());
    out.extend(central_offset.to_le_bytes());
    out.extend(0u16.to_le_bytes());
    out
}
