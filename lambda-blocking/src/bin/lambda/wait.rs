//! `lambda wait <waiter>`: the model's waiters, polled by the client until they end.

use lambda_blocking::{Client, WaitError};
use lambda_proto::operations::{GetFunction, GetFunctionConfiguration};
use lambda_proto::waiter::{self, Waiter, WaiterSpec};
use serde_json::Value;

use crate::exit::Failure;

/// Every waiter of the model.
pub const SPECS: [&WaiterSpec; 6] = [
    &waiter::FUNCTION_ACTIVE,
    &waiter::FUNCTION_ACTIVE_V2,
    &waiter::FUNCTION_EXISTS,
    &waiter::FUNCTION_UPDATED,
    &waiter::FUNCTION_UPDATED_V2,
    &waiter::PUBLISHED_VERSION_ACTIVE,
];

/// A waiter by its command name (`function-active-v2`).
pub fn find(name: &str) -> Option<&'static WaiterSpec> {
    SPECS
        .into_iter()
        .find(|s| crate::args::kebab(s.name) == name)
}

fn failure<E: std::fmt::Debug>(e: WaitError<E>) -> Failure {
    match e {
        WaitError::Call(lambda_proto::Error::Service(s)) => Failure::other(format!(
            "Waiter failed: {}: {} (request id {})",
            s.code(),
            s.message(),
            s.request_id().unwrap_or("none")
        )),
        other => Failure::other(other),
    }
}

/// Polls `spec` with `input` (the polled operation's input) until it ends: `Ok` when the
/// state is reached, a failure (exit 255) with the reason otherwise.
pub fn run(client: &Client, spec: &'static WaiterSpec, input: Value) -> Result<(), Failure> {
    let usage = |e: serde_json::Error| Failure::usage(format!("invalid input: {e}"));
    match spec.operation {
        "GetFunction" => {
            let op: GetFunction = serde_json::from_value(input).map_err(usage)?;
            client
                .wait(Waiter::new(spec, op))
                .map(drop)
                .map_err(failure)
        }
        "GetFunctionConfiguration" => {
            let op: GetFunctionConfiguration = serde_json::from_value(input).map_err(usage)?;
            client
                .wait(Waiter::new(spec, op))
                .map(drop)
                .map_err(failure)
        }
        other => Err(Failure::other(format!("no waiter polls {other}"))),
    }
}
