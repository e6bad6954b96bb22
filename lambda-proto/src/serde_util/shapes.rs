//! What the generated shapes' `Serialize` and `Deserialize` impls share.
//!
//! The code generator writes those impls out instead of deriving them: no proc-macro crates
//! in the build, and one member-name reader for every shape instead of one per shape.

use serde::de::{self, DeserializeSeed, Deserializer, Visitor};
use serde::ser::{Serialize, Serializer};
use std::fmt;
use time::OffsetDateTime;

use super::{epoch_seconds, rfc3339, TimestampVisitor, B64};
use base64::Engine as _;

/// Reads a member (or event) name as its index in a shape, without allocating. `index` is
/// the shape's name table.
#[derive(Clone, Copy)]
pub(crate) struct Member {
    pub(crate) index: fn(&str) -> Option<usize>,
    pub(crate) unknown: Unknown,
}

/// What a name the shape does not have gives.
#[derive(Clone, Copy)]
pub(crate) enum Unknown {
    /// `None`: the member is skipped (shapes the service sends may grow).
    Skip,
    /// An unknown-field error listing these members (input-only shapes: a member the model
    /// does not have is a typo).
    Refuse(&'static [&'static str]),
    /// An unknown-variant error listing these events.
    Variant(&'static [&'static str]),
}

impl<'de> DeserializeSeed<'de> for Member {
    type Value = Option<usize>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_identifier(self)
    }
}

impl Visitor<'_> for Member {
    type Value = Option<usize>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a member name")
    }

    fn visit_str<E: de::Error>(self, name: &str) -> Result<Self::Value, E> {
        match ((self.index)(name), self.unknown) {
            (None, Unknown::Refuse(known)) => Err(E::unknown_field(name, known)),
            (None, Unknown::Variant(known)) => Err(E::unknown_variant(name, known)),
            (index, _) => Ok(index),
        }
    }

    fn visit_bytes<E: de::Error>(self, name: &[u8]) -> Result<Self::Value, E> {
        self.visit_str(&String::from_utf8_lossy(name))
    }
}

/// A timestamp read from epoch seconds or RFC 3339.
pub(crate) struct Timestamp(pub(crate) OffsetDateTime);

impl<'de> serde::Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(TimestampVisitor).map(Timestamp)
    }
}

/// A timestamp written as RFC 3339: the public JSON rendering.
pub(crate) struct AsRfc3339<'a>(pub(crate) &'a OffsetDateTime);

impl Serialize for AsRfc3339<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&rfc3339(self.0))
    }
}

/// A timestamp written as epoch seconds: the wire.
pub(crate) struct AsEpoch<'a>(pub(crate) &'a OffsetDateTime);

impl Serialize for AsEpoch<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        epoch_seconds(self.0).serialize(s)
    }
}

/// Bytes read from base64 text.
pub(crate) struct Base64(pub(crate) Vec<u8>);

impl<'de> serde::Deserialize<'de> for Base64 {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Text;
        impl Visitor<'_> for Text {
            type Value = Vec<u8>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("base64 text")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                B64.decode(v.as_bytes())
                    .map_err(|e| E::custom(format!("invalid base64: {e}")))
            }
        }
        d.deserialize_str(Text).map(Base64)
    }
}

/// Bytes written as base64 text.
pub(crate) struct AsBase64<'a>(pub(crate) &'a [u8]);

impl Serialize for AsBase64<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&B64.encode(self.0))
    }
}
