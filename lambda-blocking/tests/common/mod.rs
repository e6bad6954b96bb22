//! Shared pieces of the integration tests.
#![allow(dead_code)]

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use lambda_blocking::{Client, ClientBuilder, FixedRandom, Sleeper};
use lambda_proto::credentials::Credentials;

/// A sleeper that records the delays and advances a fake clock instead of sleeping.
#[derive(Debug, Clone)]
pub struct RecordingSleeper {
    start: Instant,
    slept: Arc<Mutex<Vec<Duration>>>,
}

impl Default for RecordingSleeper {
    fn default() -> Self {
        RecordingSleeper {
            start: Instant::now(),
            slept: Arc::default(),
        }
    }
}

impl RecordingSleeper {
    /// The delays asked for, in order.
    pub fn delays(&self) -> Vec<Duration> {
        self.slept.lock().unwrap().clone()
    }
}

impl Sleeper for RecordingSleeper {
    fn sleep(&self, duration: Duration) {
        self.slept.lock().unwrap().push(duration);
    }

    fn now(&self) -> Instant {
        self.start + self.slept.lock().unwrap().iter().sum::<Duration>()
    }
}

/// A builder for `url` with test credentials, a recording sleeper and a fixed random.
pub fn builder(url: &str, sleeper: &RecordingSleeper, random: f64) -> ClientBuilder {
    Client::builder()
        .region("us-east-1")
        .endpoint_url(url)
        .credentials(Credentials::new("AKIDEXAMPLE", "secret", None, None))
        .sleeper(sleeper.clone())
        .random_source(FixedRandom(random))
}

/// A JSON error answer of the service.
pub fn error_response(status: u16, code: &str, message: &str) -> test_support::Response {
    test_support::Response::json(
        status,
        format!(r#"{{"Type":"User","Message":"{message}"}}"#),
    )
    .header("x-amzn-ErrorType", code)
    .header("x-amzn-RequestId", "req-1")
}
