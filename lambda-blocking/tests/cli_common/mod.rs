//! What the tests of the `lambda` program share: the binary, scratch directories and a
//! clean environment.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The `lambda` program under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_lambda");

/// A fresh, empty directory for one test (`tag` tells the test files apart).
pub fn temp_dir(tag: &str) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "lambda-{tag}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The program with a clean environment: no AWS variables, `home` as the home directory.
pub fn bare(home: &Path) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.env_clear()
        .env("HOME", home)
        .env("PATH", std::env::var("PATH").unwrap_or_default());
    cmd
}

/// Adds the test access key to `cmd`.
pub fn with_keys(cmd: &mut Command) -> &mut Command {
    cmd.env("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE").env(
        "AWS_SECRET_ACCESS_KEY",
        "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
    )
}

/// One event-stream message of a streamed invocation: `event_type` (`PayloadChunk`,
/// `InvokeComplete`) with `payload`.
pub fn stream_event(event_type: &str, payload: &[u8]) -> Vec<u8> {
    lambda_proto::event_stream::Message::new(payload.to_vec())
        .with_header(":message-type", "event")
        .with_header(":event-type", event_type)
        .encode()
        .unwrap()
}
