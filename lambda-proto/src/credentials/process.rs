//! `credential_process`: the JSON a credentials process prints.
//!
//! See <https://docs.aws.amazon.com/sdkref/latest/guide/feature-process-credentials.html>.
//! The process prints `{"Version": 1, "AccessKeyId": ..., "SecretAccessKey": ...,
//! "SessionToken": ..., "Expiration": "<RFC 3339>"}`; the last two are optional.

use serde_json::Value;
use time::OffsetDateTime;

use super::error::{excerpt, CredentialsError, CredentialsErrorKind};
use super::provider::ProcessOutput;
use super::{parse_rfc3339, Credentials};

/// Largest output parsed.
const MAX_OUTPUT: usize = 64 * 1024;

/// Parses what a credentials process printed, checking its exit status first.
///
/// Errors never quote the standard output (it holds the secret); a failing process's
/// standard error is quoted (at most 300 characters).
///
/// ```
/// use lambda_proto::credentials::{process, ProcessOutput};
/// use time::macros::datetime;
///
/// let out = ProcessOutput {
///     exit_code: Some(0),
///     stdout: br#"{"Version": 1, "AccessKeyId": "AKID", "SecretAccessKey": "s",
///                  "Expiration": "2030-01-01T00:00:00Z"}"#.to_vec(),
///     stderr: vec![],
/// };
/// let creds = process::parse_output(&out, datetime!(2024-01-01 0:00 UTC)).unwrap();
/// assert_eq!(creds.expiry(), Some(datetime!(2030-01-01 0:00 UTC)));
/// ```
pub fn parse_output(
    output: &ProcessOutput,
    now: OffsetDateTime,
) -> Result<Credentials, CredentialsError> {
    if output.exit_code != Some(0) {
        let status = match output.exit_code {
            Some(code) => format!("exit status {code}"),
            None => "no exit status (killed by a signal)".to_string(),
        };
        let stderr = String::from_utf8_lossy(&output.stderr);
        return Err(CredentialsError::new(
            CredentialsErrorKind::Io,
            "process",
            format!(
                "credential_process ended with {status}: {}",
                excerpt(stderr.trim(), 300)
            ),
        ));
    }
    parse_json(&output.stdout, now)
}

/// Parses the JSON document alone (see [`parse_output`]).
pub fn parse_json(stdout: &[u8], now: OffsetDateTime) -> Result<Credentials, CredentialsError> {
    let bad = |m: String| CredentialsError::malformed("process", m);
    if stdout.len() > MAX_OUTPUT {
        return Err(bad(format!(
            "credential_process printed more than {MAX_OUTPUT} bytes"
        )));
    }
    // serde_json's messages may quote values: report only where the error is.
    let value: Value = serde_json::from_slice(stdout).map_err(|e| {
        bad(format!(
            "credential_process output is not JSON (line {}, column {})",
            e.line(),
            e.column()
        ))
    })?;
    let obj = value
        .as_object()
        .ok_or_else(|| bad("credential_process output is not a JSON object".into()))?;
    match obj.get("Version").and_then(Value::as_u64) {
        Some(1) => {}
        _ => {
            return Err(bad(
                "credential_process output must have \"Version\": 1".into()
            ))
        }
    }
    let string = |key: &'static str| -> Result<Option<String>, CredentialsError> {
        match obj.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) if !s.is_empty() => Ok(Some(s.clone())),
            Some(_) => Err(bad(format!(
                "credential_process output: {key} must be a non-empty string"
            ))),
        }
    };
    let required = |key: &'static str| -> Result<String, CredentialsError> {
        string(key)?.ok_or_else(|| bad(format!("credential_process output has no {key}")))
    };
    let access_key_id = required("AccessKeyId")?;
    let secret = required("SecretAccessKey")?;
    let token = string("SessionToken")?;
    let expiry = match string("Expiration")? {
        None => None,
        Some(s) => Some(parse_rfc3339(&s).ok_or_else(|| {
            bad(format!(
                "credential_process output: Expiration {:?} is not an RFC 3339 time",
                excerpt(&s, 40)
            ))
        })?),
    };
    if let Some(at) = expiry {
        if at <= now {
            return Err(CredentialsError::new(
                CredentialsErrorKind::Expired,
                "process",
                format!("credential_process returned credentials that expired at {at}"),
            ));
        }
    }
    Ok(Credentials::new(access_key_id, secret, token, expiry))
}
