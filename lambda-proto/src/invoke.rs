//! Helpers for `Invoke` and `InvokeWithResponseStream` that the model states only in prose.
//!
//! `X-Amz-Client-Context` is base64 of a JSON object of at most 3,583 bytes once encoded;
//! callers often pass the JSON itself. [`Invoke::client_context_json`] encodes it and
//! checks the limit, and `build` refuses a context that is not base64 of JSON.
//!
//! ```
//! use lambda_proto::operations::Invoke;
//!
//! let op = Invoke::new("my-fn")
//!     .client_context_json(&serde_json::json!({"custom": {"tenant": "a"}}))
//!     .unwrap();
//! assert_eq!(op.client_context.as_deref(), Some("eyJjdXN0b20iOnsidGVuYW50IjoiYSJ9fQ=="));
//!
//! let raw = Invoke::new("my-fn").client_context(r#"{"custom":{}}"#);
//! let err = raw.validate_client_context().unwrap_err();
//! assert_eq!(err.member(), "ClientContext");
//! ```

use base64::Engine as _;

use crate::error::{Rule, ValidationError};
use crate::operations::{Invoke, InvokeWithResponseStream};
use crate::serde_util::B64;

/// The largest `X-Amz-Client-Context` header value Lambda accepts, in bytes (base64 text).
pub const MAX_CLIENT_CONTEXT_LEN: usize = 3583;

fn encode(operation: &'static str, context: &serde_json::Value) -> Result<String, ValidationError> {
    let json = serde_json::to_vec(context).map_err(|_| {
        ValidationError::new(operation, "ClientContext", Rule::Custom("must be JSON"))
    })?;
    let encoded = B64.encode(json);
    check(operation, Some(&encoded))?;
    Ok(encoded)
}

fn check(operation: &'static str, value: Option<&str>) -> Result<(), ValidationError> {
    let Some(value) = value else { return Ok(()) };
    if value.len() > MAX_CLIENT_CONTEXT_LEN {
        return Err(ValidationError::new(
            operation,
            "ClientContext",
            Rule::MaxLength {
                max: MAX_CLIENT_CONTEXT_LEN as i64,
                actual: value.len(),
            },
        ));
    }
    let decoded = B64.decode(value).ok();
    let is_json = decoded
        .as_deref()
        .is_some_and(|d| serde_json::from_slice::<serde_json::Value>(d).is_ok());
    if !is_json {
        return Err(ValidationError::new(
            operation,
            "ClientContext",
            Rule::Custom("must be base64 of a JSON object (use client_context_json to encode it)"),
        ));
    }
    Ok(())
}

macro_rules! client_context {
    ($op:ident) => {
        impl $op {
            /// Sets `ClientContext` from JSON, base64-encoding it; errors when the encoded
            /// context is over [`MAX_CLIENT_CONTEXT_LEN`] bytes.
            pub fn client_context_json(
                self,
                context: &serde_json::Value,
            ) -> Result<Self, ValidationError> {
                let encoded = encode(stringify!($op), context)?;
                Ok(self.client_context(encoded))
            }

            /// Checks that `ClientContext` is base64 of JSON and within the size limit.
            pub fn validate_client_context(&self) -> Result<(), ValidationError> {
                check(stringify!($op), self.client_context.as_deref())
            }
        }
    };
}

client_context!(Invoke);
client_context!(InvokeWithResponseStream);
