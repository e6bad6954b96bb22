//! Every waiter of `waiters-2.json`, read at test time, against the generated waiter state
//! machines: delay, attempts, operation, and what each acceptor does to a response built to
//! match it (and to one that matches none).

use std::time::Duration;

use lambda_proto::operations::{GetFunction, GetFunctionConfiguration};
use lambda_proto::waiter::{self, Matcher, Poll, State, Waiter, WaiterSpec};
use lambda_proto::{Error, Operation};
use serde_json::{json, Value};

fn model() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/model/waiters-2.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// A response of the model: output JSON to encode as the service would, or an error code.
#[derive(Clone, Debug)]
enum Response {
    Output(Value),
    Error(String),
}

/// `{"A": {"B": value}}` for the path `A.B`.
fn nested(path: &str, value: &str) -> Value {
    path.rsplit('.')
        .fold(json!(value), |inner, key| json!({ key: inner }))
}

fn lookup<'a>(value: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(value, |v, key| v.get(key))
}

/// What the model says about `response`: the state of the first acceptor that matches, if
/// any (read from the model's JSON, not from the generated specs).
fn model_state(acceptors: &[Value], response: &Response) -> Option<String> {
    acceptors
        .iter()
        .find(|a| {
            let expected = &a["expected"];
            match (a["matcher"].as_str().unwrap(), response) {
                ("path", Response::Output(out)) => {
                    lookup(out, a["argument"].as_str().unwrap()) == Some(expected)
                }
                ("error", Response::Error(code)) => {
                    expected.as_str() == Some(code.as_str()) || expected == &json!(true)
                }
                ("error", Response::Output(_)) => expected == &json!(false),
                ("path", Response::Error(_)) => false,
                (other, _) => panic!("matcher {other} is not covered by this test"),
            }
        })
        .map(|a| a["state"].as_str().unwrap().to_string())
}

/// The HTTP response the service would send, parsed by operation `O`.
fn parsed<O: Operation>(response: &Response) -> Result<O::Output, Error<O::Error>> {
    let http = match response {
        Response::Output(out) => lambda_proto::model::encode_response(O::NAME, out).unwrap(),
        Response::Error(code) => http::Response::builder()
            .status(400)
            .header("x-amzn-ErrorType", code.as_str())
            .header("x-amzn-RequestId", "req-1")
            .body(br#"{"Type":"User","Message":"synthetic"}"#.to_vec())
            .unwrap(),
    };
    O::parse(http)
}

/// The responses that exercise `acceptors`: one matching each acceptor, one output that
/// matches no path acceptor and one error code no acceptor names.
fn responses(acceptors: &[Value]) -> Vec<Response> {
    let mut out = Vec::new();
    for a in acceptors {
        match (a["matcher"].as_str().unwrap(), &a["expected"]) {
            ("path", Value::String(expected)) => {
                out.push(Response::Output(nested(
                    a["argument"].as_str().unwrap(),
                    expected,
                )));
                out.push(Response::Output(nested(
                    a["argument"].as_str().unwrap(),
                    &format!("Not{expected}"),
                )));
            }
            ("error", Value::String(code)) => out.push(Response::Error(code.clone())),
            ("error", Value::Bool(_)) => {}
            other => panic!("acceptor {other:?} is not covered by this test"),
        }
    }
    out.push(Response::Output(json!({})));
    out.push(Response::Error("SomeOtherException".into()));
    out
}

fn check<O>(model: &Value, spec: &'static WaiterSpec, new: fn(String) -> Waiter<O>)
where
    O: Operation + serde::Serialize,
    O::Output: serde::Serialize,
{
    let name = spec.name;
    let delay = model["delay"].as_u64().unwrap();
    let max_attempts = model["maxAttempts"].as_u64().unwrap();
    assert_eq!(spec.delay_seconds, delay, "{name}");
    assert_eq!(u64::from(spec.max_attempts), max_attempts, "{name}");
    assert_eq!(spec.operation, model["operation"], "{name}");
    assert_eq!(O::NAME, model["operation"], "{name}: the operation polled");
    let acceptors = model["acceptors"].as_array().unwrap();
    assert_eq!(spec.acceptors.len(), acceptors.len(), "{name}");

    let waiter = new("my-fn".into());
    assert!(std::ptr::eq(waiter.spec(), spec), "{name}");
    let request = serde_json::to_value(waiter.request()).unwrap();
    assert_eq!(request["FunctionName"], "my-fn", "{name}");

    let mut states_seen = Vec::new();
    for response in responses(acceptors) {
        let mut waiter = new("my-fn".into());
        let poll = waiter.on_response(parsed::<O>(&response).as_ref());
        let want = model_state(acceptors, &response);
        let ok = match (want.as_deref(), &poll, &response) {
            (Some("success"), Poll::Success, _) => true,
            (Some("failure"), Poll::Failure(_), _) => true,
            (Some("retry"), Poll::RetryAfter(d), _) => *d == Duration::from_secs(delay),
            // No acceptor matched: a success output polls again, an error ends the wait.
            (None, Poll::RetryAfter(d), Response::Output(_)) => *d == Duration::from_secs(delay),
            (None, Poll::UnexpectedError, Response::Error(_)) => true,
            _ => false,
        };
        assert!(
            ok,
            "{name}: {response:?} gave {poll:?}, the model says {want:?}"
        );
        assert_eq!(waiter.attempts(), 1);
        states_seen.extend(want);
    }
    // Each acceptor's state was reached by some response.
    for a in acceptors {
        let state = a["state"].as_str().unwrap();
        assert!(
            states_seen.iter().any(|s| s == state),
            "{name}: state {state}"
        );
    }

    // The generated acceptors are the model's, in order; a failure names its matcher.
    for (a, generated) in acceptors.iter().zip(spec.acceptors) {
        let state = match a["state"].as_str().unwrap() {
            "success" => State::Success,
            "failure" => State::Failure,
            "retry" => State::Retry,
            other => panic!("{other}"),
        };
        assert_eq!(generated.state, state, "{name}");
        let same = match (
            a["matcher"].as_str().unwrap(),
            &a["expected"],
            generated.matcher,
        ) {
            ("path", Value::String(e), Matcher::Path { argument, expected }) => {
                a["argument"] == argument && e == expected
            }
            ("error", Value::String(code), Matcher::Error(c)) => code == c,
            ("error", Value::Bool(b), Matcher::AnyError(any)) => *b == any,
            _ => false,
        };
        assert!(same, "{name}: {a} vs {:?}", generated.matcher);
        let matcher = generated.matcher;
        if state == State::Failure {
            if let Matcher::Path { argument, expected } = matcher {
                let mut waiter = new("my-fn".into());
                let response = Response::Output(nested(argument, expected));
                let poll = waiter.on_response(parsed::<O>(&response).as_ref());
                assert_eq!(poll, Poll::Failure(matcher), "{name}");
            }
        }
    }

    // The model's attempts: a response that keeps the waiter retrying is polled
    // `maxAttempts` times, the last one ending the wait.
    let retrying = responses(acceptors)
        .into_iter()
        .find(|r| model_state(acceptors, r).as_deref() == Some("retry"))
        .expect("every waiter of the model has a retry acceptor");
    let mut waiter = new("my-fn".into());
    for attempt in 1..=max_attempts {
        let poll = waiter.on_response(parsed::<O>(&retrying).as_ref());
        if attempt < max_attempts {
            assert_eq!(poll, Poll::RetryAfter(Duration::from_secs(delay)), "{name}");
        } else {
            assert_eq!(poll, Poll::Exhausted, "{name} after {attempt} polls");
        }
    }

    // An overall time limit: the retry whose delay would end past it stops the wait.
    let limit = Duration::from_secs(delay * 3);
    let mut waiter = new("my-fn".into()).time_limit(Some(limit));
    let at = |secs: u64| Duration::from_secs(secs);
    let outcome = parsed::<O>(&retrying);
    assert_eq!(
        waiter.on_response_at(outcome.as_ref(), at(0)),
        Poll::RetryAfter(at(delay))
    );
    assert_eq!(
        waiter.on_response_at(outcome.as_ref(), limit - at(delay)),
        Poll::RetryAfter(at(delay)),
        "{name}: ending exactly at the limit is allowed"
    );
    assert_eq!(
        waiter.on_response_at(
            outcome.as_ref(),
            limit - at(delay) + Duration::from_millis(1)
        ),
        Poll::TimedOut(limit),
        "{name}"
    );
    // Success and failure are not held back by the limit.
    let success = responses(acceptors)
        .into_iter()
        .find(|r| model_state(acceptors, r).as_deref() == Some("success"))
        .unwrap();
    let mut waiter = new("my-fn".into()).time_limit(Some(limit));
    assert_eq!(
        waiter.on_response_at(parsed::<O>(&success).as_ref(), limit * 2),
        Poll::Success
    );
}

#[test]
fn every_waiter_behaves_as_the_model_says() {
    let model = model();
    let waiters = model["waiters"].as_object().unwrap();
    let mut checked = Vec::new();
    for (name, w) in waiters {
        match name.as_str() {
            "FunctionActive" => check::<GetFunctionConfiguration>(
                w,
                &waiter::FUNCTION_ACTIVE,
                waiter::function_active,
            ),
            "FunctionActiveV2" => {
                check::<GetFunction>(w, &waiter::FUNCTION_ACTIVE_V2, waiter::function_active_v2)
            }
            "FunctionExists" => {
                check::<GetFunction>(w, &waiter::FUNCTION_EXISTS, waiter::function_exists)
            }
            "FunctionUpdated" => check::<GetFunctionConfiguration>(
                w,
                &waiter::FUNCTION_UPDATED,
                waiter::function_updated,
            ),
            "FunctionUpdatedV2" => {
                check::<GetFunction>(w, &waiter::FUNCTION_UPDATED_V2, waiter::function_updated_v2)
            }
            "PublishedVersionActive" => check::<GetFunctionConfiguration>(
                w,
                &waiter::PUBLISHED_VERSION_ACTIVE,
                waiter::published_version_active,
            ),
            other => panic!("waiter {other} of the model has no generated waiter in this test"),
        }
        checked.push(name.as_str());
    }
    assert_eq!(checked.len(), 6, "{checked:?}");
}

#[test]
fn the_generated_specs_carry_the_model_names() {
    for (spec, name) in [
        (&waiter::FUNCTION_ACTIVE, "FunctionActive"),
        (&waiter::FUNCTION_ACTIVE_V2, "FunctionActiveV2"),
        (&waiter::FUNCTION_EXISTS, "FunctionExists"),
        (&waiter::FUNCTION_UPDATED, "FunctionUpdated"),
        (&waiter::FUNCTION_UPDATED_V2, "FunctionUpdatedV2"),
        (&waiter::PUBLISHED_VERSION_ACTIVE, "PublishedVersionActive"),
    ] {
        assert_eq!(spec.name, name);
        assert!(model()["waiters"].get(name).is_some(), "{name}");
    }
}
