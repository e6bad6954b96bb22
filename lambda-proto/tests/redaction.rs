//! Members the model marks sensitive never appear in `Debug` output.

use lambda_proto::operations::{CreateFunction, Invoke};
use lambda_proto::types::{Environment, FunctionCode};

#[test]
fn sensitive_members_are_redacted() {
    let mut env = Environment::new();
    env.variables = Some([("DB_PASSWORD".to_string(), "hunter2".to_string())].into());
    let op = CreateFunction::new("f", "arn:aws:iam::123456789012:role/r", FunctionCode::new())
        .environment(env);
    let debug = format!("{op:?}");
    assert!(!debug.contains("hunter2"), "{debug}");
    assert!(debug.contains("redacted"), "{debug}");
    assert!(
        debug.contains("\"f\""),
        "non-sensitive members still show: {debug}"
    );

    let invoke = Invoke::new("f").payload(b"card=4111111111111111".to_vec());
    let debug = format!("{invoke:?}");
    assert!(!debug.contains("4111"), "{debug}");
    assert!(!debug.contains("52, 49, 49"), "{debug}");
}

#[test]
fn idempotency_tokens_are_filled_once() {
    use lambda_proto::operations::{CheckpointDurableExecution, GetFunction};
    use lambda_proto::Operation;
    let mut op = CheckpointDurableExecution::new("arn:x", "token-1");
    assert!(op.fill_idempotency_token("11111111-1111-4111-8111-111111111111"));
    assert_eq!(
        op.client_token.as_deref(),
        Some("11111111-1111-4111-8111-111111111111")
    );
    assert!(
        !op.fill_idempotency_token("other"),
        "a caller's token is kept"
    );
    assert!(!GetFunction::new("f").fill_idempotency_token("x"));
}
