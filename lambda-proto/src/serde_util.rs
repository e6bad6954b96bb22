//! Serde adapters for the model's blob and timestamp types.
//!
//! JSON renderings use base64 for blobs. Timestamps are written as RFC 3339 in the
//! public JSON rendering and as epoch seconds on the wire; both forms are read.

use serde::de::{self, Deserializer, Visitor};
use serde::ser::Serializer;
use std::fmt;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

pub(crate) const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

mod shapes;
pub(crate) use shapes::{AsBase64, AsEpoch, AsRfc3339, Base64, Member, Timestamp, Unknown};

/// Blob as base64 text.
pub mod blob {
    use super::*;

    /// Serializes bytes as base64.
    pub fn serialize<S: Serializer, B: AsRef<[u8]> + ?Sized>(
        v: &B,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        serde::Serialize::serialize(&AsBase64(v.as_ref()), s)
    }

    /// Reads base64 text.
    pub fn deserialize<'de, D: Deserializer<'de>, B: From<Vec<u8>>>(d: D) -> Result<B, D::Error> {
        let Base64(bytes) = serde::Deserialize::deserialize(d)?;
        Ok(B::from(bytes))
    }
}

/// Optional blob as base64 text.
pub mod opt_blob {
    use super::*;

    /// Serializes bytes as base64.
    pub fn serialize<S: Serializer, B: AsRef<[u8]>>(
        v: &Option<B>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        serde::Serialize::serialize(&v.as_ref().map(|v| AsBase64(v.as_ref())), s)
    }

    /// Reads base64 text or null.
    pub fn deserialize<'de, D: Deserializer<'de>, B: From<Vec<u8>>>(
        d: D,
    ) -> Result<Option<B>, D::Error> {
        let bytes: Option<Base64> = serde::Deserialize::deserialize(d)?;
        Ok(bytes.map(|Base64(b)| B::from(b)))
    }
}

struct TimestampVisitor;

impl Visitor<'_> for TimestampVisitor {
    type Value = OffsetDateTime;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("epoch seconds or an RFC 3339 date-time")
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        OffsetDateTime::from_unix_timestamp(v).map_err(E::custom)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        let v = i64::try_from(v).map_err(E::custom)?;
        self.visit_i64(v)
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        epoch_from_f64(v).ok_or_else(|| E::custom("timestamp out of range"))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        OffsetDateTime::parse(v, &Rfc3339).map_err(E::custom)
    }
}

/// Converts fractional epoch seconds, keeping microseconds (the precision of an `f64`
/// near today's epoch, and what botocore keeps).
pub(crate) fn epoch_from_f64(v: f64) -> Option<OffsetDateTime> {
    if !v.is_finite() || v.abs() > 1e13 {
        return None;
    }
    let micros = (v * 1e6).round() as i128;
    OffsetDateTime::from_unix_timestamp_nanos(micros * 1_000).ok()
}

/// Epoch seconds (with a fraction when there are sub-seconds), as sent on the wire.
///
/// The fraction is written from the exact decimal of whole seconds and nanoseconds, read
/// once as the nearest `f64`: `2024-02-04T16:13:43.026Z` is `1707063223.026`, never the
/// twice-rounded `1707063223.0259998`.
pub(crate) fn epoch_seconds(v: &OffsetDateTime) -> serde_json::Number {
    let nanos = v.unix_timestamp_nanos();
    if nanos % 1_000_000_000 == 0 {
        return serde_json::Number::from(v.unix_timestamp());
    }
    let sign = if nanos < 0 { "-" } else { "" };
    let (whole, fraction) = (nanos.abs() / 1_000_000_000, nanos.abs() % 1_000_000_000);
    let decimal = format!("{sign}{whole}.{fraction:09}");
    decimal
        .parse::<f64>()
        .ok()
        .and_then(serde_json::Number::from_f64)
        .unwrap_or_else(|| v.unix_timestamp().into())
}

/// Formats RFC 3339 (`2024-01-02T03:04:05Z`).
pub(crate) fn rfc3339(v: &OffsetDateTime) -> String {
    v.format(&Rfc3339)
        .unwrap_or_else(|_| v.unix_timestamp().to_string())
}

/// Timestamp: RFC 3339 out, epoch seconds or RFC 3339 in.
pub mod timestamp {
    use super::*;

    /// Writes RFC 3339.
    pub fn serialize<S: Serializer>(v: &OffsetDateTime, s: S) -> Result<S::Ok, S::Error> {
        serde::Serialize::serialize(&AsRfc3339(v), s)
    }

    /// Reads epoch seconds or RFC 3339.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<OffsetDateTime, D::Error> {
        d.deserialize_any(TimestampVisitor)
    }
}

/// Optional timestamp: RFC 3339 out, epoch seconds or RFC 3339 in.
pub mod opt_timestamp {
    use super::*;

    /// Writes RFC 3339.
    pub fn serialize<S: Serializer>(v: &Option<OffsetDateTime>, s: S) -> Result<S::Ok, S::Error> {
        serde::Serialize::serialize(&v.as_ref().map(AsRfc3339), s)
    }

    /// Reads epoch seconds, RFC 3339 or null.
    pub fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<OffsetDateTime>, D::Error> {
        let t: Option<Timestamp> = serde::Deserialize::deserialize(d)?;
        Ok(t.map(|Timestamp(t)| t))
    }
}

/// Defines an enum of the model: known values as variants, anything else as `Unknown`.
macro_rules! model_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $value:literal,)* }) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum $name {
            $($(#[$vmeta])* #[doc = concat!("`", $value, "`")] $variant,)*
            /// A value this version of the model does not know.
            Unknown(String),
        }

        impl $name {
            /// Every value the model knows, in model order.
            pub const VALUES: &'static [&'static str] = &[$($value,)*];

            /// The value as sent on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    $(Self::$variant => $value,)*
                    Self::Unknown(s) => s,
                }
            }

            /// Whether the value is one the model knows.
            pub fn is_known(&self) -> bool {
                !matches!(self, Self::Unknown(_))
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                match s {
                    $($value => Self::$variant,)*
                    other => Self::Unknown(other.to_owned()),
                }
            }
        }

        impl From<String> for $name {
            fn from(s: String) -> Self {
                match Self::from(s.as_str()) {
                    Self::Unknown(_) => Self::Unknown(s),
                    known => known,
                }
            }
        }

        impl std::str::FromStr for $name {
            type Err = std::convert::Infallible;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Ok(Self::from(s))
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s: std::borrow::Cow<'de, str> = serde::Deserialize::deserialize(d)?;
                Ok(Self::from(s.as_ref()))
            }
        }
    };
}
pub(crate) use model_enum;

/// Wire forms of borrowed values (request bodies send timestamps as epoch seconds).
pub mod wire {
    use super::*;

    /// Blob as base64.
    pub fn blob<S: Serializer>(v: &&Vec<u8>, s: S) -> Result<S::Ok, S::Error> {
        super::blob::serialize(v, s)
    }

    /// Optional blob as base64.
    pub fn opt_blob<S: Serializer>(v: &Option<&Vec<u8>>, s: S) -> Result<S::Ok, S::Error> {
        serde::Serialize::serialize(&v.map(|v| AsBase64(v)), s)
    }

    /// Timestamp as epoch seconds.
    pub fn timestamp<S: Serializer>(v: &&OffsetDateTime, s: S) -> Result<S::Ok, S::Error> {
        serde::Serialize::serialize(&AsEpoch(v), s)
    }

    /// Optional timestamp as epoch seconds.
    pub fn opt_timestamp<S: Serializer>(
        v: &Option<&OffsetDateTime>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        serde::Serialize::serialize(&v.map(AsEpoch), s)
    }
}

/// [`serde_json::to_value`] through JSON text.
///
/// Every shape's `Serialize` code is then instantiated for one serializer, the one request
/// bodies use, instead of a second time for `Value`: a large share of this crate's build.
/// The paths that need a `Value` (the JSON table, waiters, the testing kit) are not hot.
pub(crate) fn to_value<T: serde::Serialize + ?Sized>(
    value: &T,
) -> Result<serde_json::Value, serde_json::Error> {
    serde_json::from_slice(&serde_json::to_vec(value)?)
}

/// [`serde_json::from_value`] through JSON text, for the reason of [`to_value`]: every
/// shape's `Deserialize` code is instantiated once, for the reader answers are parsed with.
/// The message is the one `from_value` gives (no position in a text the caller never saw).
#[cfg(feature = "dynamic")]
pub(crate) fn from_value<T: serde::de::DeserializeOwned>(
    value: &serde_json::Value,
) -> Result<T, String> {
    serde_json::from_str(&value.to_string()).map_err(without_position)
}

/// The message of a text error as a `Value` error would give it: without the position.
#[cfg(feature = "dynamic")]
fn without_position(e: serde_json::Error) -> String {
    let message = e.to_string();
    let position = format!(" at line {} column {}", e.line(), e.column());
    match message.strip_suffix(&position) {
        Some(stripped) => stripped.to_string(),
        None => message,
    }
}

#[cfg(all(test, feature = "dynamic"))]
mod through_text {
    use super::{from_value, to_value};
    use crate::operations::{CreateEventSourceMapping, Invoke};
    use crate::types::{FunctionConfiguration, GetFunctionResponse};
    use serde_json::{json, Value};

    /// Each document read as `T` through text and by `serde_json::from_value`: the same
    /// value or the same message, and the same JSON back.
    fn same_as_serde_json<T>(docs: &[Value])
    where
        T: serde::de::DeserializeOwned + serde::Serialize + PartialEq + std::fmt::Debug,
    {
        for doc in docs {
            let ours = from_value::<T>(doc);
            let theirs = serde_json::from_value::<T>(doc.clone()).map_err(|e| e.to_string());
            assert_eq!(ours, theirs, "{doc}");
            if let Ok(typed) = ours {
                assert_eq!(
                    to_value(&typed).unwrap(),
                    serde_json::to_value(&typed).unwrap(),
                    "{doc}"
                );
            }
        }
    }

    #[test]
    fn outputs_read_and_render_as_serde_json_does() {
        same_as_serde_json::<FunctionConfiguration>(&[
            json!({"FunctionName": "f", "MemorySize": 128, "Timeout": 3,
                   "LastModified": "2024-01-01T00:00:00.000+0000",
                   "Environment": {"Variables": {"A": "1", "B": "é\u{1F600}\"\\"}},
                   "Layers": [{"Arn": "arn:aws:lambda:us-east-1:1:layer:l:1", "CodeSize": 9}]}),
            json!({"MemorySize": "128"}),
            json!({"MemorySize": 1e300}),
            json!({"Layers": {}}),
            json!({"NoSuchMember": 1}),
            json!([]),
            json!(null),
        ]);
        same_as_serde_json::<GetFunctionResponse>(&[
            json!({"Configuration": {"FunctionName": "f"}, "Tags": {"k": "v"},
                   "Concurrency": {"ReservedConcurrentExecutions": 5}}),
            json!({"Configuration": 7}),
        ]);
    }

    #[test]
    fn inputs_with_blobs_and_timestamps_read_as_serde_json_does() {
        same_as_serde_json::<Invoke>(&[
            json!({"FunctionName": "f", "Payload": "eyJhIjoxfQ=="}),
            json!({"FunctionName": "f", "Payload": "not base64!"}),
            json!({"Payload": "e30="}),
        ]);
        same_as_serde_json::<CreateEventSourceMapping>(&[
            json!({"FunctionName": "f", "StartingPositionTimestamp": 1.5e9}),
            json!({"FunctionName": "f", "StartingPositionTimestamp": "2024-01-01T00:00:00Z"}),
            json!({"FunctionName": "f", "StartingPositionTimestamp": 1700000000.123456}),
            json!({"FunctionName": "f", "StartingPositionTimestamp": true}),
        ]);
    }
}
