//! Helpers for `Invoke` and `InvokeWithResponseStream` that the model states only in prose.
//!
//! `X-Amz-Client-Context` is base64 of a JSON object of at most 3,583 bytes once encoded;
//! callers often pass the JSON itself. [`Invoke::client_context_typed`] takes the context
//! the runtimes expose (`client`, `custom`, `env`) and [`Invoke::client_context_json`] any
//! JSON object; both encode it and check the limit, and `build` refuses a context that is
//! not base64 of a JSON object.
//!
//! ```
//! use lambda_proto::invoke::ClientContext;
//! use lambda_proto::operations::Invoke;
//!
//! let mut context = ClientContext::default();
//! context.custom.insert("tenant".into(), "a".into());
//! let op = Invoke::new("my-fn").client_context_typed(&context).unwrap();
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

/// The client context a function sees (`context.client_context` in the runtimes): who
/// invoked it, custom values, and the caller's environment. Empty parts are left out.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ClientContext {
    /// The calling application.
    pub client: Option<ClientApplication>,
    /// Custom values, passed to the function as they are.
    pub custom: serde_json::Map<String, serde_json::Value>,
    /// The caller's platform.
    pub env: Option<ClientEnvironment>,
}

/// The calling application of a [`ClientContext`].
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ClientApplication {
    /// An id of this installation of the application.
    pub installation_id: String,
    /// The application's title.
    pub app_title: String,
    /// Its version name.
    pub app_version_name: String,
    /// Its version code.
    pub app_version_code: String,
    /// Its package name.
    pub app_package_name: String,
}

/// The caller's platform in a [`ClientContext`].
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ClientEnvironment {
    /// The platform's version.
    pub platform_version: String,
    /// The platform.
    pub platform: String,
    /// The device's maker.
    pub make: String,
    /// The device's model.
    pub model: String,
    /// The locale.
    pub locale: String,
}

impl serde::Serialize for ClientContext {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct as _;
        let len = usize::from(self.client.is_some())
            + usize::from(!self.custom.is_empty())
            + usize::from(self.env.is_some());
        let mut st = s.serialize_struct("ClientContext", len)?;
        if let Some(client) = &self.client {
            st.serialize_field("client", client)?;
        }
        if !self.custom.is_empty() {
            st.serialize_field("custom", &self.custom)?;
        }
        if let Some(env) = &self.env {
            st.serialize_field("env", env)?;
        }
        st.end()
    }
}

/// Writes a struct of string fields, each under its Rust name.
fn string_fields<S: serde::Serializer>(
    s: S,
    name: &'static str,
    fields: [(&'static str, &String); 5],
) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeStruct as _;
    let mut st = s.serialize_struct(name, fields.len())?;
    for (key, value) in fields {
        st.serialize_field(key, value)?;
    }
    st.end()
}

impl serde::Serialize for ClientApplication {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        string_fields(
            s,
            "ClientApplication",
            [
                ("installation_id", &self.installation_id),
                ("app_title", &self.app_title),
                ("app_version_name", &self.app_version_name),
                ("app_version_code", &self.app_version_code),
                ("app_package_name", &self.app_package_name),
            ],
        )
    }
}

impl serde::Serialize for ClientEnvironment {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        string_fields(
            s,
            "ClientEnvironment",
            [
                ("platform_version", &self.platform_version),
                ("platform", &self.platform),
                ("make", &self.make),
                ("model", &self.model),
                ("locale", &self.locale),
            ],
        )
    }
}

/// The largest `X-Amz-Client-Context` header value Lambda accepts, in bytes (base64 text).
pub const MAX_CLIENT_CONTEXT_LEN: usize = 3583;

fn encode(
    operation: &'static str,
    context: &impl serde::Serialize,
) -> Result<String, ValidationError> {
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
    let is_object = decoded.as_deref().is_some_and(|d| {
        serde_json::from_slice::<serde_json::Value>(d).is_ok_and(|v| v.is_object())
    });
    if !is_object {
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
            /// Sets `ClientContext` from a typed context, base64-encoding it; errors when
            /// the encoded context is over [`MAX_CLIENT_CONTEXT_LEN`] bytes.
            pub fn client_context_typed(
                self,
                context: &ClientContext,
            ) -> Result<Self, ValidationError> {
                let encoded = encode(stringify!($op), context)?;
                Ok(self.client_context(encoded))
            }

            /// Sets `ClientContext` from a JSON object, base64-encoding it; errors when it
            /// is not an object or the encoded context is over [`MAX_CLIENT_CONTEXT_LEN`]
            /// bytes.
            pub fn client_context_json(
                self,
                context: &serde_json::Value,
            ) -> Result<Self, ValidationError> {
                let encoded = encode(stringify!($op), context)?;
                Ok(self.client_context(encoded))
            }

            /// Checks that `ClientContext` is base64 of a JSON object and within the size
            /// limit.
            pub fn validate_client_context(&self) -> Result<(), ValidationError> {
                check(stringify!($op), self.client_context.as_deref())
            }
        }
    };
}

client_context!(Invoke);
client_context!(InvokeWithResponseStream);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Operation;

    fn decoded(op: &Invoke) -> serde_json::Value {
        let bytes = B64.decode(op.client_context.as_deref().unwrap()).unwrap();
        serde_json::from_slice(&bytes).unwrap()
    }

    #[test]
    fn typed_context_has_the_runtime_keys() {
        let context = ClientContext {
            client: Some(ClientApplication {
                installation_id: "i-1".into(),
                app_title: "T".into(),
                ..ClientApplication::default()
            }),
            custom: serde_json::json!({"n": 1}).as_object().unwrap().clone(),
            env: Some(ClientEnvironment {
                platform: "linux".into(),
                ..ClientEnvironment::default()
            }),
        };
        let op = Invoke::new("f").client_context_typed(&context).unwrap();
        let json = decoded(&op);
        assert_eq!(json["client"]["installation_id"], "i-1");
        assert_eq!(json["client"]["app_package_name"], "");
        assert_eq!(json["custom"]["n"], 1);
        assert_eq!(json["env"]["platform"], "linux");
        let empty = Invoke::new("f")
            .client_context_typed(&ClientContext::default())
            .unwrap();
        assert_eq!(decoded(&empty), serde_json::json!({}));
    }

    #[test]
    fn the_encoded_limit_is_3583_bytes() {
        // `{"custom":{"k":"…"}}` is 19 bytes around the value; base64 makes 4 of every 3.
        let context = |len: usize| serde_json::json!({"custom": {"k": "x".repeat(len)}});
        let fits = 3583 / 4 * 3 - 19;
        let op = Invoke::new("f")
            .client_context_json(&context(fits))
            .unwrap();
        assert!(op.client_context.as_ref().unwrap().len() <= MAX_CLIENT_CONTEXT_LEN);
        let err = Invoke::new("f")
            .client_context_json(&context(fits + 3))
            .unwrap_err();
        assert!(err.to_string().contains("3583"), "{err}");
        // A raw value over the limit is refused by `build`, before anything is sent.
        let endpoint =
            crate::endpoint::Endpoint::parse("https://lambda.us-east-1.amazonaws.com").unwrap();
        let raw = Invoke::new("f").client_context("e".repeat(3584));
        assert!(raw.build(&endpoint).is_err());
    }

    #[test]
    fn only_a_json_object_is_a_context() {
        for value in [
            serde_json::json!([]),
            serde_json::json!("s"),
            serde_json::json!(1),
        ] {
            let err = Invoke::new("f").client_context_json(&value).unwrap_err();
            assert!(err.to_string().contains("JSON object"), "{value}: {err}");
        }
        let not_base64 = Invoke::new("f").client_context("{}");
        assert!(not_base64.validate_client_context().is_err());
        let base64_of_a_list = Invoke::new("f").client_context(B64.encode("[1]"));
        assert!(base64_of_a_list.validate_client_context().is_err());
        let good = Invoke::new("f").client_context(B64.encode(r#"{"custom":{}}"#));
        assert!(good.validate_client_context().is_ok());
    }
}
