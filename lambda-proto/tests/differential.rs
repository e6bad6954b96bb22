//! Differential test against botocore 1.44.5, for every operation of the model, in both
//! directions.
//!
//! A seeded generator walks the model table (`lambda_proto::model`) and writes, for every
//! operation, inputs (all member kinds, constraint edges, characters that need
//! percent-encoding, absent optionals, known and unknown enum values, nested structures,
//! lists and maps, and one mutation per case that breaks a rule: a missing required
//! member, a value below a minimum or above a maximum, an unknown member) and responses
//! (all members, absent members, required members absent or `null`, empty values,
//! timestamps with microseconds, header members, unknown extra members, modelled errors
//! with their code in each place the protocol allows, and unmodelled errors: HTML 502,
//! plain-text 413, 301/302 and 500 with empty bodies, JSON without a code).
//!
//! Everything goes through ONE Python process running `scripts/botocore_oracle.py`
//! (botocore's own validator, idempotency-token handler, serializer and parser), and the
//! answers are compared with `OperationInfo::build` / `OperationInfo::parse`. All
//! mismatches are collected and reported at the end, grouped by category.
//!
//! The interpreter is `LAMBDA_TEST_PYTHON`, else `<workspace>/.venv-moto/bin/python`
//! (installed by `scripts/install-test-deps.sh`). Without one the test prints a note and
//! passes, unless `LAMBDA_REQUIRE_ORACLE` is set. `DIFF_SEED` changes the seed and
//! `DIFF_CASES` the number of inputs per operation (default 30).
//!
//! Not compared: the output of `InvokeWithResponseStream` (an event stream; the decoder
//! has its own tests), and `User-Agent` / `Content-Length`, which the drivers set.
//!
//! Normalized (known, intended differences): JSON key order and whitespace (bodies are
//! compared as JSON, numbers by value); `User-Agent` and `Content-Length` (not compared,
//! except that a `Content-Length` the crate sets itself must be botocore's); an empty body
//! and `{}` for an input with no body members set (listed as a note). Idempotency-token
//! values are random on both sides: only their presence is compared. A JSON `null` in the
//! crate's output rendering means absent, as a missing key does; botocore's error
//! `Message` of `""` means no message.
//!
//! Validation: botocore's validator checks required members, unknown members, types and
//! minimums (string and list lengths, numbers); the crate must refuse what it refuses. The
//! crate must accept what botocore accepts, except values that break a rule of the model
//! that botocore's validator does not check (maximums, map and blob lengths): those are
//! listed as notes, not failures.
//!
//! Values this generator deliberately does not produce, because the crate refuses them by
//! rules of its own (not of the model) that protect the request: empty or `.`/`..` URI
//! labels (botocore would send a request to another path), header values with control
//! characters (no HTTP stack sends them), and an `X-Amz-Client-Context` that is not base64
//! of a JSON object (the service's documented format).

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Read, Write};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use base64::Engine as _;
use lambda_proto::dynamic::{self, OperationInfo};
use lambda_proto::endpoint::Endpoint;
use lambda_proto::model::{self, Location, ShapeInfo, ShapeKind};
use percent_encoding::percent_decode_str;
use serde_json::{json, Map, Value};

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;
const ENDPOINT: &str = "https://lambda.us-east-1.amazonaws.com";
const DEFAULT_SEED: u64 = 0x1a2b_3c4d_5e6f_7788;
const DEFAULT_CASES: usize = 30;
/// Examples printed per category.
const EXAMPLES: usize = 3;

// ------------------------------------------------------------------ random numbers

/// xorshift64* : small, seeded, deterministic.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Rng(seed ^ 0x9e37_79b9_7f4a_7c15 | 1)
    }

    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A number in `0..n` (0 when `n` is 0).
    fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            self.next() % n
        }
    }

    /// A number in `lo..=hi`.
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        if hi <= lo {
            return lo;
        }
        let span = (hi as i128 - lo as i128 + 1) as u128;
        (lo as i128 + (self.next() as u128 % span) as i128) as i64
    }

    fn percent(&mut self, p: u64) -> bool {
        self.below(100) < p
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

// ------------------------------------------------------------------ model helpers

fn shape(name: &str) -> &'static ShapeInfo {
    model::shape(name).unwrap_or_else(|| panic!("model has no shape {name}"))
}

fn bound(v: Option<f64>) -> Option<i64> {
    v.map(|v| v as i64)
}

/// Where a value travels: it decides which characters the generator may use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Place {
    Body,
    Label,
    Query,
    Header,
}

fn place_of(location: Location) -> Option<Place> {
    match location {
        Location::Body => Some(Place::Body),
        Location::Uri => Some(Place::Label),
        Location::Query => Some(Place::Query),
        Location::Header => Some(Place::Header),
        Location::StatusCode => None,
    }
}

// ------------------------------------------------------------------ value generation

/// Characters that need percent-encoding in a URI, or are multi-byte in UTF-8.
const URI_SPECIAL: &[&str] = &[
    " ", "/", ":", "%", "+", "é", "😀", "?", "#", "&", "=", "~", ".", "-", "_", "*", "'", "@",
    "中", "$", "!", ",", ";", "[", "]",
];
/// Anything JSON can carry.
const BODY_SPECIAL: &[&str] = &[
    " ", "/", ":", "%", "+", "é", "😀", "\"", "\\", "\n", "\t", "\u{0}", "\u{7f}", "<", ">", "&",
    "中", "\u{2028}", "\u{fffd}", "'", "{", "}",
];
/// Visible ASCII a header value can carry.
const HEADER_SPECIAL: &[&str] = &[
    " ", "/", ":", "%", "+", "?", "#", "&", "=", "~", ".", "-", "_", "*", ";", ",", "(", ")", "\"",
    "'", "!", "@",
];
const ALNUM: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

struct Gen {
    rng: Rng,
}

/// How an output (response) is generated.
#[derive(Clone, Copy, Debug)]
struct OutStyle {
    /// Chance (percent) that an optional member is present.
    optional: u64,
    /// Chance that a required member is left out.
    required_absent: u64,
    /// Chance that a present member is `null`.
    null: u64,
    /// Empty strings, lists and maps.
    empty: bool,
    /// Unknown extra members in every structure.
    unknown: bool,
}

impl Gen {
    fn chars(&mut self, n: usize, place: Place) -> String {
        let special = match place {
            Place::Body => BODY_SPECIAL,
            Place::Label | Place::Query => URI_SPECIAL,
            Place::Header => HEADER_SPECIAL,
        };
        let mut out = String::new();
        for i in 0..n {
            let edge = i == 0 || i + 1 == n;
            if self.rng.percent(30) && !(place == Place::Header && edge) {
                let c: &str = special[self.rng.below(special.len() as u64) as usize];
                out.push_str(c);
            } else {
                out.push(*self.rng.pick(ALNUM) as char);
            }
        }
        // A label of `.` or `..` is refused by a rule of the crate (see the module docs).
        if place == Place::Label && (out == "." || out == "..") {
            return "a".repeat(n);
        }
        out
    }

    /// A length in `min..=max`, often at an edge.
    fn length(&mut self, min: usize, max: Option<usize>, soft_cap: usize) -> usize {
        let hi = max.unwrap_or(min + soft_cap).max(min);
        match self.rng.below(5) {
            0 => min,
            1 if hi <= min + 512 => hi,
            _ => self.rng.range(min as i64, hi.min(min + soft_cap) as i64) as usize,
        }
    }

    fn string(&mut self, s: &ShapeInfo, place: Place) -> String {
        let mut min = bound(s.min).unwrap_or(0).max(0) as usize;
        if place == Place::Label {
            min = min.max(1); // empty labels: see the module docs
        }
        let max = bound(s.max).map(|m| m.max(0) as usize);
        let n = self.length(min, max, 24);
        self.chars(n, place)
    }

    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.rng.next() as u8).collect()
    }

    /// A timestamp in RFC 3339: whole seconds, milliseconds or microseconds.
    fn timestamp(&mut self) -> String {
        let secs = self.rng.range(0, 4_102_444_799);
        let micros = match self.rng.below(4) {
            0 => 0,
            1 => self.rng.range(0, 999) * 1000,
            _ => self.rng.range(0, 999_999),
        };
        let t = time::OffsetDateTime::from_unix_timestamp_nanos(
            secs as i128 * 1_000_000_000 + micros as i128 * 1000,
        )
        .unwrap();
        t.format(&time::format_description::well_known::Rfc3339)
            .unwrap()
    }

    fn number(&mut self, s: &ShapeInfo) -> Value {
        let (lo_default, hi_default) = match s.kind {
            ShapeKind::Integer => (i32::MIN as i64, i32::MAX as i64),
            _ => (i64::MIN, i64::MAX),
        };
        let lo = bound(s.min).unwrap_or(lo_default);
        let hi = bound(s.max).unwrap_or(hi_default);
        let v = match self.rng.below(6) {
            0 => lo,
            1 => hi,
            2 if lo <= 0 && hi >= 0 => 0,
            // 2^53 + 1: not representable as a double.
            3 if lo <= 9_007_199_254_740_993 && hi >= 9_007_199_254_740_993 => {
                9_007_199_254_740_993
            }
            _ => self.rng.range(
                lo.max(-100_000),
                hi.min(lo.max(-100_000).saturating_add(100_000)),
            ),
        };
        json!(v)
    }

    fn double(&mut self, s: &ShapeInfo) -> Value {
        let lo = s.min.unwrap_or(-1e12);
        let hi = s.max.unwrap_or(1e12);
        let candidates = [lo, hi, 0.1, 0.25, 1e-7, 0.3333333333333333, 12345.678, 1.0];
        let v = *self.rng.pick(&candidates);
        let v = if v < lo || v > hi {
            lo + (hi - lo) * (self.rng.below(1000) as f64 / 1000.0)
        } else {
            v
        };
        json!(v)
    }

    /// A valid input value of shape `name`; `optional` is the chance of optional members.
    fn input(&mut self, name: &str, place: Place, depth: usize, optional: u64) -> Value {
        let s = shape(name);
        match s.kind {
            ShapeKind::String => {
                if name == "String" && place == Place::Header {
                    // `ClientContext` (the only `String` header): base64 of a JSON object.
                    let ctx = json!({"custom": {"k": self.chars(4, Place::Body)}});
                    return Value::String(B64.encode(ctx.to_string()));
                }
                Value::String(self.string(s, place))
            }
            ShapeKind::Enum(values) => Value::String(self.rng.pick(values).to_string()),
            ShapeKind::Integer | ShapeKind::Long => self.number(s),
            ShapeKind::Double | ShapeKind::Float => self.double(s),
            ShapeKind::Boolean => Value::Bool(self.rng.percent(50)),
            ShapeKind::Blob => {
                let min = bound(s.min).unwrap_or(0) as usize;
                let n = self.length(min, bound(s.max).map(|m| m as usize), 16);
                Value::String(B64.encode(self.bytes(n)))
            }
            ShapeKind::Timestamp => Value::String(self.timestamp()),
            ShapeKind::List(item) => {
                let min = bound(s.min).unwrap_or(0) as usize;
                let n = if depth > 4 {
                    min
                } else {
                    self.length(min, bound(s.max).map(|m| m as usize), 3)
                        .min(min + 6)
                };
                Value::Array(
                    (0..n)
                        .map(|_| self.input(item, place, depth + 1, optional))
                        .collect(),
                )
            }
            ShapeKind::Map(key, value) => {
                let min = bound(s.min).unwrap_or(0) as usize;
                let n = if depth > 4 {
                    min
                } else {
                    self.length(min, bound(s.max).map(|m| m as usize), 3)
                        .min(min + 6)
                };
                let mut map = Map::new();
                let mut tries = 0;
                while map.len() < n && tries < 100 {
                    tries += 1;
                    let k = match self.input(key, Place::Body, depth + 1, optional) {
                        Value::String(k) => k,
                        other => other.to_string(),
                    };
                    let v = self.input(value, place, depth + 1, optional);
                    map.insert(k, v);
                }
                Value::Object(map)
            }
            ShapeKind::Structure(members) => {
                let mut map = Map::new();
                for m in members {
                    let Some(p) = place_of(m.location) else {
                        continue;
                    };
                    let p = if depth == 0 { p } else { place };
                    // Timestamps and floats are rare in the model: give them more chances.
                    let chance = match shape(m.shape).kind {
                        ShapeKind::Timestamp | ShapeKind::Double | ShapeKind::Float => {
                            optional.max(75)
                        }
                        _ => optional,
                    };
                    let present = m.required || (depth <= 4 && self.rng.percent(chance));
                    if present {
                        map.insert(m.name.into(), self.input(m.shape, p, depth + 1, optional));
                    }
                }
                Value::Object(map)
            }
        }
    }

    /// An output value of shape `name` in its wire form (timestamps as epoch seconds).
    fn wire(&mut self, name: &str, depth: usize, style: OutStyle) -> Value {
        let s = shape(name);
        match s.kind {
            ShapeKind::String if style.empty => Value::String(String::new()),
            ShapeKind::String => {
                let n = self.length(0, Some(12), 12);
                Value::String(self.chars(n, Place::Body))
            }
            ShapeKind::Enum(values) => {
                if self.rng.percent(15) {
                    Value::String("FUTURE_VALUE_9.99".into())
                } else {
                    Value::String(self.rng.pick(values).to_string())
                }
            }
            ShapeKind::Integer | ShapeKind::Long => self.number(s),
            ShapeKind::Double | ShapeKind::Float => self.double(s),
            ShapeKind::Boolean => Value::Bool(self.rng.percent(50)),
            ShapeKind::Blob => {
                let n = if style.empty {
                    0
                } else {
                    self.length(0, Some(12), 12)
                };
                Value::String(B64.encode(self.bytes(n)))
            }
            ShapeKind::Timestamp => {
                let secs = self.rng.range(0, 4_102_444_799);
                let text = match self.rng.below(3) {
                    0 => secs.to_string(),
                    1 => format!("{secs}.{:03}", self.rng.range(0, 999)),
                    _ => format!("{secs}.{:06}", self.rng.range(0, 999_999)),
                };
                let number: serde_json::Number = serde_json::from_str(&text).unwrap();
                Value::Number(number)
            }
            ShapeKind::List(item) => {
                let n = if style.empty || depth > 4 {
                    0
                } else {
                    self.rng.below(3) as usize
                };
                Value::Array((0..n).map(|_| self.wire(item, depth + 1, style)).collect())
            }
            ShapeKind::Map(_, value) => {
                let n = if style.empty || depth > 4 {
                    0
                } else {
                    self.rng.below(3) as usize
                };
                let mut map = Map::new();
                for i in 0..n {
                    let k = format!("{}{i}", self.chars(3, Place::Body));
                    map.insert(k, self.wire(value, depth + 1, style));
                }
                Value::Object(map)
            }
            ShapeKind::Structure(members) => {
                let mut map = Map::new();
                for m in members.iter().filter(|m| m.location == Location::Body) {
                    let present = if m.required {
                        !self.rng.percent(style.required_absent)
                    } else {
                        depth <= 4 && self.rng.percent(style.optional)
                    };
                    if !present {
                        continue;
                    }
                    let v = if self.rng.percent(style.null) {
                        Value::Null
                    } else {
                        self.wire(m.shape, depth + 1, style)
                    };
                    map.insert(m.location_name.into(), v);
                }
                if style.unknown {
                    map.insert(
                        "UnknownExtraMember".into(),
                        json!({"Nested": [1, 2.5, "x", null], "Flag": true}),
                    );
                    map.insert("unknownScalar".into(), json!("surprise"));
                }
                Value::Object(map)
            }
        }
    }
}

// ------------------------------------------------------------------ input mutations

#[derive(Clone, Debug)]
enum Seg {
    Key(String),
    Idx(usize),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Mutation {
    /// A required member of the input structure left out.
    DropRequired,
    /// A required member of a nested structure left out.
    DropNestedRequired,
    /// A member the model does not have.
    UnknownMember,
    /// A string, list, map or blob shorter than the model's minimum.
    TooShort,
    /// A string, list, map or blob longer than the model's maximum.
    TooLong,
    /// A number below the model's minimum.
    BelowMin,
    /// A number above the model's maximum.
    AboveMax,
    /// A value the enum does not know (the service may add it: enums are open).
    UnknownEnum,
}

impl Mutation {
    fn name(self) -> &'static str {
        match self {
            Mutation::DropRequired => "required member missing",
            Mutation::DropNestedRequired => "nested required member missing",
            Mutation::UnknownMember => "unknown member",
            Mutation::TooShort => "shorter than the model's min",
            Mutation::TooLong => "longer than the model's max",
            Mutation::BelowMin => "below the model's min",
            Mutation::AboveMax => "above the model's max",
            Mutation::UnknownEnum => "unknown enum value",
        }
    }
}

#[derive(Clone, Debug)]
struct Site {
    path: Vec<Seg>,
    mutation: Mutation,
    shape: &'static ShapeInfo,
    place: Place,
    /// For `DropRequired`: the member to remove from the structure at `path`.
    member: Option<&'static str>,
}

fn path_text(path: &[Seg]) -> String {
    let mut out = String::new();
    for seg in path {
        match seg {
            Seg::Key(k) if out.is_empty() => out.push_str(k),
            Seg::Key(k) => {
                out.push('.');
                out.push_str(k);
            }
            Seg::Idx(i) => out.push_str(&format!("[{i}]")),
        }
    }
    out
}

/// Every place in `value` (of shape `name`) where a mutation applies.
fn sites(name: &str, value: &Value, path: &mut Vec<Seg>, place: Place, out: &mut Vec<Site>) {
    let s = shape(name);
    let mut push = |mutation, member| {
        out.push(Site {
            path: path.clone(),
            mutation,
            shape: s,
            place,
            member,
        })
    };
    let len_min = bound(s.min).filter(|m| *m >= 1);
    let len_max = bound(s.max);
    match (&s.kind, value) {
        (ShapeKind::String, Value::String(_)) => {
            if len_min.is_some() {
                push(Mutation::TooShort, None);
            }
            if len_max.is_some_and(|m| m <= 2048) {
                push(Mutation::TooLong, None);
            }
        }
        (ShapeKind::Blob, Value::String(_)) => {
            if len_min.is_some() {
                push(Mutation::TooShort, None);
            }
            if len_max.is_some_and(|m| m <= 2048) {
                push(Mutation::TooLong, None);
            }
        }
        (ShapeKind::Enum(_), _) => push(Mutation::UnknownEnum, None),
        (ShapeKind::Integer | ShapeKind::Long | ShapeKind::Double | ShapeKind::Float, _) => {
            if s.min.is_some() {
                push(Mutation::BelowMin, None);
            }
            if s.max.is_some() {
                push(Mutation::AboveMax, None);
            }
        }
        (ShapeKind::List(item), Value::Array(items)) => {
            if len_min.is_some() {
                push(Mutation::TooShort, None);
            }
            if len_max.is_some_and(|m| m <= 64) {
                push(Mutation::TooLong, None);
            }
            for (i, v) in items.iter().enumerate() {
                path.push(Seg::Idx(i));
                sites(item, v, path, place, out);
                path.pop();
            }
        }
        (ShapeKind::Map(_, value_shape), Value::Object(entries)) => {
            if len_min.is_some() {
                push(Mutation::TooShort, None);
            }
            if len_max.is_some_and(|m| m <= 64) {
                push(Mutation::TooLong, None);
            }
            for (k, v) in entries {
                path.push(Seg::Key(k.clone()));
                sites(value_shape, v, path, place, out);
                path.pop();
            }
        }
        (ShapeKind::Structure(members), Value::Object(entries)) => {
            push(Mutation::UnknownMember, None);
            for m in members.iter() {
                if m.required && entries.contains_key(m.name) {
                    let kind = if path.is_empty() {
                        Mutation::DropRequired
                    } else {
                        Mutation::DropNestedRequired
                    };
                    push(kind, Some(m.name));
                }
            }
            for m in members.iter() {
                if let Some(v) = entries.get(m.name) {
                    let p = if path.is_empty() {
                        place_of(m.location).unwrap_or(Place::Body)
                    } else {
                        place
                    };
                    path.push(Seg::Key(m.name.into()));
                    sites(m.shape, v, path, p, out);
                    path.pop();
                }
            }
        }
        _ => {}
    }
}

fn at_mut<'a>(value: &'a mut Value, path: &[Seg]) -> &'a mut Value {
    let mut v = value;
    for seg in path {
        v = match seg {
            Seg::Key(k) => v.get_mut(k.as_str()).expect("path"),
            Seg::Idx(i) => v.get_mut(*i).expect("path"),
        };
    }
    v
}

fn apply(gen: &mut Gen, input: &mut Value, site: &Site) {
    let s = site.shape;
    let target = at_mut(input, &site.path);
    let min = bound(s.min).unwrap_or(0);
    let max = bound(s.max).unwrap_or(0);
    match site.mutation {
        Mutation::DropRequired | Mutation::DropNestedRequired => {
            target.as_object_mut().unwrap().remove(site.member.unwrap());
        }
        Mutation::UnknownMember => {
            target
                .as_object_mut()
                .unwrap()
                .insert("NotAModelMember".into(), json!("x"));
        }
        Mutation::UnknownEnum => *target = json!("python9.99"),
        Mutation::BelowMin | Mutation::AboveMax => {
            let below = site.mutation == Mutation::BelowMin;
            *target = match s.kind {
                ShapeKind::Double | ShapeKind::Float => {
                    let v = if below {
                        s.min.unwrap() - 0.5
                    } else {
                        s.max.unwrap() + 0.5
                    };
                    json!(v)
                }
                _ if below => json!(min - 1),
                _ => json!(max + 1),
            };
        }
        Mutation::TooShort | Mutation::TooLong => {
            let n = if site.mutation == Mutation::TooShort {
                (min - 1) as usize
            } else {
                (max + 1) as usize
            };
            match (&s.kind, target) {
                (ShapeKind::String, t) => *t = Value::String(gen.chars(n, site.place)),
                (ShapeKind::Blob, t) => *t = Value::String(B64.encode(gen.bytes(n))),
                (ShapeKind::List(item), Value::Array(items)) => {
                    items.truncate(n);
                    while items.len() < n {
                        items.push(gen.input(item, site.place, 3, 0));
                    }
                }
                (ShapeKind::Map(key, value), Value::Object(entries)) => {
                    while entries.len() > n {
                        let k = entries.keys().next().unwrap().clone();
                        entries.remove(&k);
                    }
                    let mut tries = 0;
                    while entries.len() < n && tries < 1000 {
                        tries += 1;
                        let k = match gen.input(key, Place::Body, 3, 0) {
                            Value::String(k) => k,
                            other => other.to_string(),
                        };
                        let v = gen.input(value, site.place, 3, 0);
                        entries.insert(k, v);
                    }
                }
                _ => {}
            }
        }
    }
}

/// Whether botocore's validator checks the rule the mutation breaks (it checks required
/// members, unknown members, types and minimums of strings, lists and numbers; not
/// maximums, map or blob lengths).
fn botocore_checks(site: &Site) -> bool {
    match site.mutation {
        Mutation::DropRequired
        | Mutation::DropNestedRequired
        | Mutation::UnknownMember
        | Mutation::BelowMin => true,
        Mutation::TooShort => matches!(site.shape.kind, ShapeKind::String | ShapeKind::List(_)),
        Mutation::TooLong | Mutation::AboveMax | Mutation::UnknownEnum => false,
    }
}

/// Whether the model forbids the mutated value (enums are open: an unknown value is not
/// forbidden).
fn model_forbids(site: &Site) -> bool {
    site.mutation != Mutation::UnknownEnum
}

// ------------------------------------------------------------------ mismatches

struct Mismatch {
    category: String,
    operation: String,
    case: String,
    path: String,
    ours: String,
    theirs: String,
}

#[derive(Default)]
struct Report {
    mismatches: Vec<Mismatch>,
    /// Differences that are not failures (printed for information).
    notes: Vec<Mismatch>,
    /// How many cases ended how.
    outcomes: BTreeMap<&'static str, usize>,
}

impl Report {
    fn count(&mut self, outcome: &'static str) {
        *self.outcomes.entry(outcome).or_default() += 1;
    }

    fn add(
        &mut self,
        category: &str,
        operation: &str,
        case: &str,
        path: &str,
        ours: impl ToString,
        theirs: impl ToString,
    ) {
        self.mismatches.push(Mismatch {
            category: category.into(),
            operation: operation.into(),
            case: case.into(),
            path: path.into(),
            ours: ours.to_string(),
            theirs: theirs.to_string(),
        });
    }

    fn note(&mut self, category: &str, operation: &str, case: &str, path: &str, what: String) {
        self.notes.push(Mismatch {
            category: category.into(),
            operation: operation.into(),
            case: case.into(),
            path: path.into(),
            ours: what,
            theirs: String::new(),
        });
    }
}

fn short(s: &str) -> String {
    let s: String = s.chars().take(300).collect();
    s.replace('\n', "\\n")
}

fn print_groups(title: &str, items: &[Mismatch]) -> String {
    let mut groups: BTreeMap<&str, Vec<&Mismatch>> = BTreeMap::new();
    for m in items {
        groups.entry(&m.category).or_default().push(m);
    }
    let mut out = format!("{title}: {} in {} categories\n", items.len(), groups.len());
    for (category, ms) in &groups {
        let ops: BTreeSet<&str> = ms.iter().map(|m| m.operation.as_str()).collect();
        out.push_str(&format!(
            "\n[{}] {} cases, {} operations\n",
            category,
            ms.len(),
            ops.len()
        ));
        for m in ms.iter().take(EXAMPLES) {
            out.push_str(&format!(
                "  {} / {} / {}\n    ours:     {}\n    botocore: {}\n",
                m.operation,
                short(&m.case),
                m.path,
                short(&m.ours),
                short(&m.theirs)
            ));
        }
    }
    out
}

// ------------------------------------------------------------------ the oracle process

fn workspace_root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().unwrap_or(manifest).to_path_buf()
}

/// The interpreter: `LAMBDA_TEST_PYTHON`, else the workspace's `.venv-moto` (the same
/// rule as the test harness's moto server).
fn python() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("LAMBDA_TEST_PYTHON").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(p));
    }
    let venv = workspace_root()
        .join(".venv-moto")
        .join("bin")
        .join("python");
    venv.exists().then_some(venv)
}

/// Runs all requests through one oracle process; `Err` (why) when there is no interpreter
/// with botocore.
fn run_oracle(lines: &[String]) -> Result<Vec<Value>, String> {
    let python = python().ok_or_else(|| {
        "no Python: set LAMBDA_TEST_PYTHON or run scripts/install-test-deps.sh".to_string()
    })?;
    let script = workspace_root().join("scripts").join("botocore_oracle.py");
    let mut child = Command::new(&python)
        .arg(&script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run {}: {e}", python.display()))?;
    let mut stdin = child.stdin.take().unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let err_thread = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr.read_to_string(&mut s);
        s
    });
    let mut reader = BufReader::new(stdout);
    let mut first = String::new();
    reader
        .read_line(&mut first)
        .map_err(|e| format!("oracle: {e}"))?;
    let ready: Value = serde_json::from_str(&first).unwrap_or(Value::Null);
    if ready["ready"] != json!(true) {
        drop(stdin);
        let _ = child.wait();
        let stderr = err_thread.join().unwrap_or_default();
        return Err(format!(
            "the oracle did not start ({}): {}{}",
            python.display(),
            ready["error"].as_str().unwrap_or(first.trim()),
            short(&stderr)
        ));
    }
    assert_eq!(
        ready["botocore"], "1.44.5",
        "the oracle needs botocore 1.44.5"
    );
    let input: Vec<u8> =
        lines
            .iter()
            .flat_map(|l| [l.as_bytes(), b"\n"])
            .fold(Vec::new(), |mut acc, part| {
                acc.extend_from_slice(part);
                acc
            });
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&input);
        // Dropping stdin closes it: the oracle ends after the last answer.
    });
    let mut answers = Vec::with_capacity(lines.len());
    for line in reader.lines() {
        let line = line.map_err(|e| format!("oracle output: {e}"))?;
        answers.push(serde_json::from_str(&line).map_err(|e| format!("oracle output: {e}"))?);
    }
    let _ = writer.join();
    let status = child.wait().map_err(|e| e.to_string())?;
    let stderr = err_thread.join().unwrap_or_default();
    if answers.len() != lines.len() {
        panic!(
            "the oracle answered {} of {} requests ({status}); its standard error:\n{stderr}",
            answers.len(),
            lines.len()
        );
    }
    Ok(answers)
}

// ------------------------------------------------------------------ JSON comparison

/// Numbers compare by value: integers exactly, anything else as the same double.
fn numbers_equal(a: &serde_json::Number, b: &serde_json::Number) -> bool {
    match (a.as_i64(), b.as_i64(), a.as_u64(), b.as_u64()) {
        (Some(x), Some(y), _, _) => x == y,
        (_, _, Some(x), Some(y)) => x == y,
        _ => a.as_f64() == b.as_f64(),
    }
}

/// JSON equality where key order and number spelling do not matter.
fn json_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => numbers_equal(x, y),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| json_equal(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| json_equal(v, w)))
        }
        _ => a == b,
    }
}

/// The first differences between two JSON values (for the report).
fn json_diff(
    a: Option<&Value>,
    b: Option<&Value>,
    path: &str,
    out: &mut Vec<(String, String, String)>,
) {
    let show = |v: Option<&Value>| v.map_or("<absent>".to_string(), |v| v.to_string());
    match (a, b) {
        (Some(Value::Object(x)), Some(Value::Object(y))) => {
            let keys: BTreeSet<&String> = x.keys().chain(y.keys()).collect();
            for k in keys {
                json_diff(x.get(k), y.get(k), &format!("{path}.{k}"), out);
            }
        }
        (Some(Value::Array(x)), Some(Value::Array(y))) if x.len() == y.len() => {
            for (i, (a, b)) in x.iter().zip(y).enumerate() {
                json_diff(Some(a), Some(b), &format!("{path}[{i}]"), out);
            }
        }
        (Some(x), Some(y)) if json_equal(x, y) => {}
        (None, None) => {}
        _ => out.push((path.to_string(), show(a), show(b))),
    }
}

fn decode(s: &str) -> String {
    percent_decode_str(s).decode_utf8_lossy().into_owned()
}

fn rfc3339_nanos(s: &str) -> Option<i128> {
    time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
        .ok()
        .map(|t| t.unix_timestamp_nanos())
}

// ------------------------------------------------------------------ requests

struct InputCase {
    op: &'static OperationInfo,
    label: String,
    input: Value,
    site: Option<Site>,
}

fn input_cases(gen: &mut Gen, per_op: usize) -> Vec<InputCase> {
    let mut out = Vec::new();
    for op in dynamic::operations() {
        let shapes = model::operation(op.name).expect("operation in the model table");
        for i in 0..per_op {
            let optional = match i {
                0 => 0,
                1 => 100,
                _ => gen.rng.below(101),
            };
            let mut input = gen.input(shapes.input, Place::Body, 0, optional);
            let mut site = None;
            // Cases 0 and 1 stay valid; later ones break one rule in one case of two.
            if i >= 2 && gen.rng.percent(50) {
                let mut all = Vec::new();
                sites(shapes.input, &input, &mut Vec::new(), Place::Body, &mut all);
                // Pick a kind of mutation first, so rare kinds get their share.
                let kinds: BTreeSet<Mutation> = all.iter().map(|s| s.mutation).collect();
                let kinds: Vec<Mutation> = kinds.into_iter().collect();
                if !kinds.is_empty() {
                    let kind = *gen.rng.pick(&kinds);
                    let of_kind: Vec<&Site> = all.iter().filter(|s| s.mutation == kind).collect();
                    let chosen = (*gen.rng.pick(&of_kind)).clone();
                    apply(gen, &mut input, &chosen);
                    site = Some(chosen);
                }
            }
            let label = match &site {
                Some(s) => format!(
                    "input #{i} ({} at {}{})",
                    s.mutation.name(),
                    path_text(&s.path),
                    s.member.map(|m| format!(".{m}")).unwrap_or_default()
                ),
                None => format!("input #{i}"),
            };
            out.push(InputCase {
                op,
                label: format!("{label}: {}", short(&input.to_string())),
                input,
                site,
            });
        }
    }
    out
}

fn query_pairs(query: Option<&str>) -> Vec<(String, String)> {
    let mut pairs: Vec<(String, String)> = query
        .unwrap_or("")
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (k.to_string(), v.to_string())
        })
        .collect();
    pairs.sort();
    pairs
}

/// The text of an error message, whether the crate gives `&str` or `Option<&str>`
/// (`None` and botocore's `""` both mean "no message").
trait MessageText {
    fn text(self) -> String;
}

impl MessageText for &str {
    fn text(self) -> String {
        self.to_string()
    }
}

impl MessageText for Option<&str> {
    fn text(self) -> String {
        self.unwrap_or("").to_string()
    }
}

fn top_member(path: &str) -> &str {
    path.split(['.', '[', ' ']).next().unwrap_or("")
}

fn check_request(case: &InputCase, answer: &Value, endpoint: &Endpoint, report: &mut Report) {
    let op = case.op.name;
    let label = case.label.as_str();
    if let Some(e) = answer.get("oracle_error") {
        report.add("oracle error (request)", op, label, "", "", e);
        return;
    }
    // As the drivers and the CLI do for each call (botocore's client does the same before
    // it validates): an idempotency token the input leaves out is filled with a UUID.
    let mut input = case.input.clone();
    case.op.fill_idempotency_token(&mut input, [0x5a; 16]);
    let built = catch_unwind(AssertUnwindSafe(|| case.op.build(&input, endpoint)));
    let built = match built {
        Ok(b) => b,
        Err(_) => {
            report.add("request: the crate panicked", op, label, "", "panic", "");
            return;
        }
    };
    let botocore_valid = answer["valid"] == json!(true);
    report.count(match (&built, botocore_valid) {
        (Err(_), false) => "requests: both refuse",
        (Ok(_), false) => "requests: botocore refuses, the crate builds",
        (Err(_), true) => "requests: the crate refuses, botocore accepts",
        (Ok(_), true) => "requests: both build (compared)",
    });
    match (built, botocore_valid) {
        (Err(e), false) => {
            // Both refuse: the crate names the first rule broken, botocore all of them.
            let theirs: Vec<&str> = answer["errors"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|e| e["name"].as_str())
                .collect();
            let ours = top_member(e.member());
            if !ours.is_empty() && !theirs.iter().any(|t| top_member(t) == ours) {
                report.add(
                    "validation: both refuse, for different members",
                    op,
                    label,
                    e.member(),
                    e.to_string(),
                    answer["report"].as_str().unwrap_or(""),
                );
            }
        }
        (Ok(req), false) => {
            let what = case
                .site
                .as_ref()
                .map_or("valid input", |s| s.mutation.name());
            report.add(
                &format!("validation: botocore refuses, the crate builds ({what})"),
                op,
                label,
                &case
                    .site
                    .as_ref()
                    .map(|s| {
                        let member = s.member.map(|m| format!(".{m}")).unwrap_or_default();
                        format!("{}{member}", path_text(&s.path))
                    })
                    .unwrap_or_default(),
                format!("{} {}", req.method(), req.uri()),
                answer["report"].as_str().unwrap_or(""),
            );
        }
        (Err(e), true) => match &case.site {
            Some(site) if model_forbids(site) && !botocore_checks(site) => report.note(
                &format!(
                    "the crate enforces a model limit botocore's validator does not check ({})",
                    site.mutation.name()
                ),
                op,
                label,
                e.member(),
                e.to_string(),
            ),
            _ => {
                let rule = e
                    .rule()
                    .to_string()
                    .split(['(', '"'])
                    .next()
                    .unwrap_or("")
                    .trim()
                    .to_string();
                report.add(
                    &format!("validation: the crate refuses what botocore accepts ({rule})"),
                    op,
                    label,
                    e.member(),
                    e.to_string(),
                    "accepted",
                );
            }
        },
        (Ok(req), true) => compare_request(case, &req, answer, report),
    }
}

fn compare_request(
    case: &InputCase,
    req: &http::Request<bytes::Bytes>,
    theirs: &Value,
    report: &mut Report,
) {
    let op = case.op.name;
    let label = case.label.as_str();
    let input_shape = shape(model::operation(op).unwrap().input);

    // Method.
    if req.method().as_str() != theirs["method"] {
        report.add(
            "request: method",
            op,
            label,
            "method",
            req.method(),
            &theirs["method"],
        );
    }

    // Path, raw and decoded.
    let our_path = req.uri().path();
    let their_path = theirs["path"].as_str().unwrap_or("");
    if our_path != their_path {
        let category = if decode(our_path) == decode(their_path) {
            "request: path percent-encoding (same decoded path)"
        } else {
            "request: path"
        };
        report.add(category, op, label, "path", our_path, their_path);
    }

    // Query, as a multiset of raw pairs.
    let ours_q = query_pairs(req.uri().query());
    let mut theirs_q: Vec<(String, String)> = theirs["query"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| {
            (
                p[0].as_str().unwrap().to_string(),
                p[1].as_str().unwrap().to_string(),
            )
        })
        .collect();
    theirs_q.sort();
    if ours_q != theirs_q {
        let dec = |q: &[(String, String)]| {
            let mut d: Vec<(String, String)> =
                q.iter().map(|(k, v)| (decode(k), decode(v))).collect();
            d.sort();
            d
        };
        let (d_ours, d_theirs) = (dec(&ours_q), dec(&theirs_q));
        // The same instant written with another number of fraction digits.
        let same_instants = d_ours.len() == d_theirs.len()
            && d_ours.iter().zip(&d_theirs).all(|((k1, v1), (k2, v2))| {
                k1 == k2
                    && (v1 == v2
                        || rfc3339_nanos(v1).is_some() && rfc3339_nanos(v1) == rfc3339_nanos(v2))
            });
        let category = if d_ours == d_theirs {
            "request: query percent-encoding (same decoded pairs)"
        } else if same_instants {
            "request: query timestamp written differently (same instant)"
        } else {
            "request: query"
        };
        report.add(
            category,
            op,
            label,
            "query",
            format!("{ours_q:?}"),
            format!("{theirs_q:?}"),
        );
    }

    // Idempotency tokens botocore filled: the crate must fill them too (any value).
    let filled: Vec<&str> = theirs["filled"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    let mut our_body_json: Option<Value> = None;
    let mut their_body_json = theirs.get("body_json").cloned().filter(|v| !v.is_null());
    let our_ct = req
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok());
    let their_ct = theirs["content_type"].as_str();
    if our_ct == Some("application/json") && !req.body().is_empty() {
        match serde_json::from_slice::<Value>(req.body()) {
            Ok(v) => our_body_json = Some(v),
            Err(e) => report.add("request: body is not JSON", op, label, "body", e, ""),
        }
    }
    for name in &filled {
        let m = input_shape
            .members()
            .iter()
            .find(|m| m.name == *name)
            .unwrap();
        let ours_has = match m.location {
            Location::Body => our_body_json
                .as_ref()
                .and_then(|b| b.get(m.location_name))
                .and_then(Value::as_str)
                .is_some_and(|s| !s.is_empty()),
            Location::Header => req.headers().contains_key(m.location_name),
            Location::Query => ours_q.iter().any(|(k, _)| k == m.location_name),
            _ => true,
        };
        if !ours_has {
            report.add(
                "request: idempotency token not filled in",
                op,
                label,
                name,
                "<absent>",
                "a fresh UUID",
            );
        }
        // The values are random on both sides: not compared.
        for body in [&mut our_body_json, &mut their_body_json]
            .into_iter()
            .flatten()
        {
            if let Some(o) = body.as_object_mut() {
                o.remove(m.location_name);
            }
        }
    }

    // Member headers (lowercase names). Not compared: Host, User-Agent, Content-Length
    // (set by the HTTP stack of each side; botocore's sender adds User-Agent and
    // Content-Length itself).
    let skip = ["host", "user-agent", "content-length", "content-type"];
    let ours_h: BTreeMap<String, String> = req
        .headers()
        .iter()
        .filter(|(k, _)| !skip.contains(&k.as_str()))
        .map(|(k, v)| {
            (
                k.to_string(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    let theirs_h: BTreeMap<String, String> = theirs["headers"]
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(k, _)| !skip.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.as_str().unwrap_or("").to_string()))
        .collect();
    if ours_h != theirs_h {
        report.add(
            "request: member headers",
            op,
            label,
            "headers",
            format!("{ours_h:?}"),
            format!("{theirs_h:?}"),
        );
    }
    // Content-Length: the crate leaves it to the driver; if it sets one, it must be what
    // botocore sends (none on GET).
    if let Some(cl) = req.headers().get("content-length") {
        let ours = cl.to_str().unwrap_or("");
        if theirs["content_length"].as_str() != Some(ours) {
            report.add(
                "request: Content-Length",
                op,
                label,
                "content-length",
                ours,
                &theirs["content_length"],
            );
        }
    }

    // Body. Known, intended difference (normalized here): when the input structure has
    // body members but none is set, botocore sends `{}` with Content-Type
    // application/json where the crate may send nothing; and vice versa. Both mean "no
    // body members". A structure PAYLOAD left out is not covered: botocore sends `{}`.
    let their_body = B64
        .decode(theirs["body_b64"].as_str().unwrap_or(""))
        .unwrap_or_default();
    let no_body_members = input_shape.payload.is_none()
        && !input_shape
            .members()
            .iter()
            .any(|m| m.location == Location::Body && case.input.get(m.name).is_some());
    // (Idempotency tokens botocore filled in were taken out of both bodies above.)
    let empty =
        |raw: &[u8], parsed: &Option<Value>| raw.is_empty() || parsed.as_ref() == Some(&json!({}));
    if no_body_members && empty(req.body(), &our_body_json) && empty(&their_body, &their_body_json)
    {
        if req.body().is_empty() != their_body.is_empty() {
            report.note(
                "normalized: empty body and `{}` for an input with no body members set",
                op,
                label,
                "body",
                format!(
                    "ours {:?}, botocore {:?}",
                    String::from_utf8_lossy(req.body()),
                    String::from_utf8_lossy(&their_body)
                ),
            );
        }
        return;
    }
    if our_ct != their_ct {
        report.add(
            "request: Content-Type",
            op,
            label,
            "content-type",
            format!("{our_ct:?}"),
            format!("{their_ct:?}"),
        );
    }
    match (&our_body_json, &their_body_json) {
        (Some(a), Some(b)) => {
            if !json_equal(a, b) {
                let mut diffs = Vec::new();
                json_diff(Some(a), Some(b), "body", &mut diffs);
                for (path, o, t) in diffs {
                    let category = body_diff_category(input_shape, &path, &o, &t);
                    report.add(&category, op, label, &path, o, t);
                }
            }
        }
        _ => {
            if req.body() != their_body.as_slice() {
                report.add(
                    "request: body bytes",
                    op,
                    label,
                    "body",
                    format!("{:?}", short(&String::from_utf8_lossy(req.body()))),
                    format!("{:?}", short(&String::from_utf8_lossy(&their_body))),
                );
            }
        }
    }
}

/// The shape at a dotted body path such as `body.Environment.Variables.k` (for naming
/// categories).
fn shape_at(root: &'static ShapeInfo, path: &str) -> Option<&'static ShapeInfo> {
    let mut s = root;
    let rest = path.strip_prefix("body")?;
    let mut segs: Vec<String> = Vec::new();
    for part in rest.split('.').filter(|p| !p.is_empty()) {
        let (name, idx) = match part.split_once('[') {
            Some((n, i)) => (n, Some(i)),
            None => (part, None),
        };
        segs.push(name.to_string());
        if let Some(i) = idx {
            for _ in i.split('[') {
                segs.push("[]".into());
            }
        }
    }
    for seg in segs {
        s = match s.kind {
            ShapeKind::Structure(members) => {
                let m = members
                    .iter()
                    .find(|m| m.location_name == seg || m.name == seg)?;
                shape(m.shape)
            }
            ShapeKind::List(item) => shape(item),
            ShapeKind::Map(_, v) => shape(v),
            _ => return None,
        };
    }
    Some(s)
}

fn body_diff_category(root: &'static ShapeInfo, path: &str, ours: &str, theirs: &str) -> String {
    let kind = shape_at(root, path).map(|s| s.kind);
    match kind {
        Some(ShapeKind::Timestamp) => "request: body timestamp value".into(),
        _ if ours == "<absent>" => "request: body member botocore sends, the crate does not".into(),
        _ if theirs == "<absent>" => {
            "request: body member the crate sends, botocore does not".into()
        }
        Some(ShapeKind::Double | ShapeKind::Float) => "request: body float value".into(),
        _ => "request: body value".into(),
    }
}

// ------------------------------------------------------------------ responses

struct OutputCase {
    op: &'static OperationInfo,
    label: String,
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    /// Whether this is an error response.
    error: bool,
}

fn output_cases(gen: &mut Gen) -> Vec<OutputCase> {
    let mut out = Vec::new();
    let styles = [
        (
            "all members",
            OutStyle {
                optional: 100,
                required_absent: 0,
                null: 0,
                empty: false,
                unknown: false,
            },
        ),
        (
            "required members only",
            OutStyle {
                optional: 0,
                required_absent: 0,
                null: 0,
                empty: false,
                unknown: false,
            },
        ),
        (
            "empty strings, lists and maps",
            OutStyle {
                optional: 100,
                required_absent: 0,
                null: 0,
                empty: true,
                unknown: false,
            },
        ),
        (
            "required members absent",
            OutStyle {
                optional: 60,
                required_absent: 100,
                null: 0,
                empty: false,
                unknown: false,
            },
        ),
        (
            "members null",
            OutStyle {
                optional: 60,
                required_absent: 0,
                null: 50,
                empty: false,
                unknown: false,
            },
        ),
        (
            "unknown extra members",
            OutStyle {
                optional: 70,
                required_absent: 0,
                null: 0,
                empty: false,
                unknown: true,
            },
        ),
        (
            "random",
            OutStyle {
                optional: 50,
                required_absent: 20,
                null: 10,
                empty: false,
                unknown: true,
            },
        ),
        (
            "random",
            OutStyle {
                optional: 50,
                required_absent: 0,
                null: 0,
                empty: false,
                unknown: false,
            },
        ),
        (
            "random",
            OutStyle {
                optional: 80,
                required_absent: 10,
                null: 10,
                empty: false,
                unknown: false,
            },
        ),
    ];
    for op in dynamic::operations() {
        let shapes = model::operation(op.name).unwrap();
        // Success responses.
        match shapes.output {
            None => out.push(OutputCase {
                op,
                label: "no output".into(),
                status: shapes.response_code,
                headers: vec![("x-amzn-RequestId".into(), "rid".into())],
                body: Vec::new(),
                error: false,
            }),
            Some(output) => {
                let s = shape(output);
                let streams = s.members().iter().any(|m| shape(m.shape).event_stream);
                // The event-stream output is not compared (see the module docs).
                if !streams {
                    for (name, style) in styles {
                        out.push(success_case(gen, op, s, name, style, shapes.response_code));
                    }
                    out.push(OutputCase {
                        op,
                        label: "empty body".into(),
                        status: shapes.response_code,
                        headers: vec![],
                        body: Vec::new(),
                        error: false,
                    });
                }
            }
        }
        // Modelled errors: every error the operation lists, the code in a random place.
        for error in shapes.errors {
            out.push(modelled_error(gen, op, error));
        }
        // Unmodelled errors.
        let plain: [(&str, u16, &str, &[u8]); 9] = [
            (
                "HTML 502",
                502,
                "text/html",
                b"<html><body><h1>502 Bad Gateway</h1></body></html>",
            ),
            (
                "HTML 503, whitespace first",
                503,
                "text/html",
                b"\n  <html><body>Service Unavailable</body></html>",
            ),
            (
                "plain-text 413",
                413,
                "text/plain",
                b"Request Entity Too Large",
            ),
            ("301 empty", 301, "", b""),
            ("302 empty", 302, "", b""),
            ("500 empty", 500, "", b""),
            (
                "400 JSON without code (message)",
                400,
                "application/json",
                br#"{"message":"something broke"}"#,
            ),
            (
                "404 JSON without code (Message)",
                404,
                "application/json",
                br#"{"Message":"not here"}"#,
            ),
            (
                "429 JSON without code or message",
                429,
                "application/json",
                br#"{"Reason":"X"}"#,
            ),
        ];
        for (name, status, ct, body) in plain {
            let mut headers = vec![("x-amzn-RequestId".to_string(), "rid".to_string())];
            if !ct.is_empty() {
                headers.push(("Content-Type".into(), ct.into()));
            }
            if status == 301 || status == 302 {
                headers.push(("Location".into(), "https://elsewhere.example/".into()));
            }
            out.push(OutputCase {
                op,
                label: format!("unmodelled error: {name}"),
                status,
                headers,
                body: body.to_vec(),
                error: true,
            });
        }
    }
    out
}

fn success_case(
    gen: &mut Gen,
    op: &'static OperationInfo,
    s: &'static ShapeInfo,
    name: &str,
    style: OutStyle,
    response_code: u16,
) -> OutputCase {
    let mut status = response_code;
    let mut headers = vec![("x-amzn-RequestId".to_string(), "rid".to_string())];
    let mut body = Vec::new();
    let mut json_body = Map::new();
    let mut wire_desc = Map::new();
    for m in s.members() {
        let present = if m.required {
            !gen.rng.percent(style.required_absent)
        } else {
            gen.rng.percent(style.optional)
        };
        match m.location {
            Location::StatusCode => {
                status = *gen.rng.pick(&[response_code, 200, 202, 204]);
            }
            Location::Header if present => {
                let n = gen.length(if style.empty { 0 } else { 1 }, Some(16), 16);
                let v = gen.chars(n, Place::Header);
                wire_desc.insert(m.location_name.into(), json!(v));
                headers.push((m.location_name.into(), v));
            }
            _ if s.payload == Some(m.name) && present => {
                let n = gen.rng.below(24) as usize;
                body = gen.bytes(n);
                if gen.rng.percent(50) {
                    body = br#"{"result":"caf\u00e9","n":1.5}"#.to_vec();
                }
            }
            Location::Body if present => {
                let v = if gen.rng.percent(style.null) {
                    Value::Null
                } else {
                    gen.wire(m.shape, 1, style)
                };
                json_body.insert(m.location_name.into(), v);
            }
            _ => {}
        }
    }
    if s.payload.is_none() {
        if style.unknown {
            json_body.insert("TopLevelUnknown".into(), json!({"a": [1, {"b": null}]}));
        }
        body = serde_json::to_vec(&Value::Object(json_body.clone())).unwrap();
        headers.push(("Content-Type".into(), "application/json".into()));
    }
    wire_desc.extend(json_body);
    OutputCase {
        op,
        label: format!(
            "output ({name}), HTTP {status}: {}",
            short(&Value::Object(wire_desc).to_string())
        ),
        status,
        headers,
        body,
        error: false,
    }
}

fn modelled_error(gen: &mut Gen, op: &'static OperationInfo, error: &str) -> OutputCase {
    let s = shape(error);
    let style = OutStyle {
        optional: 100,
        required_absent: 0,
        null: 0,
        empty: false,
        unknown: false,
    };
    let mut body = Map::new();
    let mut headers = vec![("x-amzn-RequestId".to_string(), "rid".to_string())];
    for m in s.members() {
        match m.location {
            Location::Header => {
                let v = gen.rng.range(1, 120).to_string();
                headers.push((m.location_name.into(), v));
            }
            Location::Body => {
                let v = if m.name.eq_ignore_ascii_case("message") {
                    json!(format!("{error} happened: {}", gen.chars(6, Place::Body)))
                } else {
                    gen.wire(m.shape, 1, style)
                };
                body.insert(m.location_name.into(), v);
            }
            _ => {}
        }
    }
    let variant = gen.rng.below(5);
    let how = match variant {
        0 => {
            headers.push((
                "x-amzn-ErrorType".into(),
                format!("{error}:http://internal.amazon.com/coral/com.amazonaws.awsgirafferpc/"),
            ));
            "x-amzn-ErrorType header"
        }
        1 => {
            body.insert("__type".into(), json!(error));
            "__type"
        }
        2 => {
            body.insert(
                "__type".into(),
                json!(format!("com.amazonaws.lambda#{error}:extra")),
            );
            "__type with namespace"
        }
        3 => {
            body.insert("code".into(), json!(error));
            "code"
        }
        _ => {
            headers.push(("x-amzn-ErrorType".into(), error.into()));
            body.insert("__type".into(), json!("SomethingElse"));
            "header over __type"
        }
    };
    headers.push(("Content-Type".into(), "application/json".into()));
    let status = *gen.rng.pick(&[400u16, 403, 404, 409, 429, 500, 502]);
    let body = Value::Object(body);
    OutputCase {
        op,
        label: format!(
            "modelled error {error} via {how}, HTTP {status}: {}",
            short(&body.to_string())
        ),
        status,
        headers,
        body: serde_json::to_vec(&body).unwrap(),
        error: true,
    }
}

fn response_of(case: &OutputCase) -> http::Response<Vec<u8>> {
    let mut b = http::Response::builder().status(case.status);
    for (k, v) in &case.headers {
        b = b.header(k.as_str(), v.as_str());
    }
    b.body(case.body.clone()).unwrap()
}

/// Compares the crate's JSON rendering of a value of shape `name` with botocore's (blobs
/// base64 on both sides; timestamps RFC 3339 in ours, epoch microseconds in botocore's;
/// a JSON `null` in ours means absent).
fn compare_value(
    name: &str,
    ours: Option<&Value>,
    theirs: Option<&Value>,
    path: &str,
    required: bool,
    out: &mut Vec<(String, String, String, String)>,
) {
    let ours = ours.filter(|v| !v.is_null());
    let theirs = theirs.filter(|v| !v.is_null());
    let show = |v: Option<&Value>| v.map_or("<absent>".to_string(), |v| v.to_string());
    let s = shape(name);
    match (ours, theirs) {
        (None, None) => {}
        (Some(o), None) => {
            let category = if required {
                "output: the crate invents a required member botocore leaves absent"
            } else {
                "output: the crate has a member botocore leaves absent"
            };
            out.push((
                category.into(),
                path.into(),
                show(Some(o)),
                "<absent>".into(),
            ));
        }
        (None, Some(t)) => out.push((
            "output: botocore has a member the crate leaves absent".into(),
            path.into(),
            "<absent>".into(),
            show(Some(t)),
        )),
        (Some(o), Some(t)) => match (&s.kind, o, t) {
            (ShapeKind::Structure(members), Value::Object(om), Value::Object(tm)) => {
                for m in members.iter() {
                    compare_value(
                        m.shape,
                        om.get(m.name),
                        tm.get(m.name),
                        &format!("{path}.{}", m.name),
                        m.required,
                        out,
                    );
                }
                for k in om.keys().filter(|k| !members.iter().any(|m| m.name == *k)) {
                    out.push((
                        "output: the crate has a member the model does not".into(),
                        format!("{path}.{k}"),
                        show(om.get(k)),
                        "<absent>".into(),
                    ));
                }
            }
            (ShapeKind::List(item), Value::Array(oa), Value::Array(ta)) if oa.len() == ta.len() => {
                for (i, (a, b)) in oa.iter().zip(ta).enumerate() {
                    compare_value(item, Some(a), Some(b), &format!("{path}[{i}]"), false, out);
                }
            }
            (ShapeKind::Map(_, v), Value::Object(om), Value::Object(tm))
                if om.keys().eq(tm.keys()) =>
            {
                for (k, a) in om {
                    compare_value(v, Some(a), tm.get(k), &format!("{path}[{k}]"), false, out);
                }
            }
            (ShapeKind::Timestamp, _, _) => {
                let ours_ns = o.as_str().and_then(rfc3339_nanos);
                let theirs_ns = t.as_i64().map(|us| us as i128 * 1000);
                if ours_ns.is_none() || ours_ns != theirs_ns {
                    let theirs_text = theirs_ns
                        .and_then(|ns| time::OffsetDateTime::from_unix_timestamp_nanos(ns).ok())
                        .and_then(|t| {
                            t.format(&time::format_description::well_known::Rfc3339)
                                .ok()
                        })
                        .unwrap_or_else(|| t.to_string());
                    out.push((
                        "output: timestamp value".into(),
                        path.into(),
                        show(Some(o)),
                        theirs_text,
                    ));
                }
            }
            _ => {
                if !json_equal(o, t) {
                    let category = match s.kind {
                        ShapeKind::Double | ShapeKind::Float => "output: float value",
                        ShapeKind::Blob => "output: blob value",
                        _ => "output: value",
                    };
                    out.push((category.into(), path.into(), show(Some(o)), show(Some(t))));
                }
            }
        },
    }
}

fn check_response(case: &OutputCase, answer: &Value, report: &mut Report) {
    let op = case.op.name;
    let label = case.label.as_str();
    if let Some(e) = answer.get("oracle_error") {
        report.add("oracle error (response)", op, label, "", "", e);
        return;
    }
    if answer.get("skipped").is_some() {
        return;
    }
    let parsed = catch_unwind(AssertUnwindSafe(|| case.op.parse(response_of(case))));
    let parsed = match parsed {
        Ok(p) => p,
        Err(_) => {
            report.add("response: the crate panicked", op, label, "", "panic", "");
            return;
        }
    };
    let shapes = model::operation(op).unwrap();
    match (parsed, answer.get("output"), answer.get("error")) {
        (Ok(ours), Some(theirs), _) => {
            report.count("responses: both parse an output (compared)");
            let mut diffs = Vec::new();
            match shapes.output {
                Some(output) => compare_value(
                    output,
                    Some(&ours),
                    Some(theirs),
                    "output",
                    false,
                    &mut diffs,
                ),
                None => {
                    if !json_equal(&ours, &json!({})) || !json_equal(theirs, &json!({})) {
                        diffs.push((
                            "output: value".into(),
                            "output".into(),
                            ours.to_string(),
                            theirs.to_string(),
                        ));
                    }
                }
            }
            for (category, path, o, t) in diffs {
                report.add(&category, op, label, &path, o, t);
            }
        }
        (Err(e), Some(theirs), _) => {
            report.add(
                "response: the crate fails where botocore parses",
                op,
                label,
                "",
                e,
                theirs,
            );
        }
        (Ok(ours), None, Some(theirs)) => {
            report.add(
                "response: the crate parses an error response as success",
                op,
                label,
                "",
                ours,
                theirs,
            );
        }
        (Err(e), None, Some(theirs)) => {
            report.count("responses: both give an error (compared)");
            let Some(se) = e.service_error() else {
                report.add(
                    "error: the crate gives no service error",
                    op,
                    label,
                    "",
                    &e,
                    theirs,
                );
                return;
            };
            let their_code = theirs["code"].as_str().unwrap_or("");
            let their_msg = theirs["message"].as_str().unwrap_or("");
            let modelled = if case.label.starts_with("modelled") {
                "modelled"
            } else {
                "unmodelled"
            };
            if se.code() != their_code {
                report.add(
                    &format!("error: code ({modelled})"),
                    op,
                    label,
                    "code",
                    se.code(),
                    their_code,
                );
            }
            // botocore's error always has a Message; "" is its "no message".
            let our_msg = se.message().text();
            if our_msg != their_msg {
                report.add(
                    &format!("error: message ({modelled})"),
                    op,
                    label,
                    "message",
                    format!("{our_msg:?}"),
                    format!("{their_msg:?}"),
                );
            }
            // Modelled members, when both agree on the code.
            if se.code() == their_code
                && model::shape(their_code).is_some()
                && shapes.errors.contains(&their_code)
            {
                let ours = se.kind().get(their_code);
                let theirs_m = theirs.get("modeled");
                let mut diffs = Vec::new();
                compare_value(
                    their_code,
                    ours.or(Some(&json!({}))),
                    theirs_m,
                    "error",
                    false,
                    &mut diffs,
                );
                for (category, path, o, t) in diffs {
                    report.add(
                        &category.replacen("output", "error members", 1),
                        op,
                        label,
                        &path,
                        o,
                        t,
                    );
                }
            }
        }
        (_, None, None) => report.add("oracle answered nothing", op, label, "", "", answer),
    }
}

// ------------------------------------------------------------------ the test

#[test]
fn every_operation_matches_botocore() {
    let started = Instant::now();
    let seed = std::env::var("DIFF_SEED")
        .ok()
        .and_then(|s| s.parse::<u64>().ok())
        .unwrap_or(DEFAULT_SEED);
    let per_op = std::env::var("DIFF_CASES")
        .ok()
        .and_then(|s| s.parse::<usize>().ok())
        .unwrap_or(DEFAULT_CASES);
    let mut gen = Gen {
        rng: Rng::new(seed),
    };
    let inputs = input_cases(&mut gen, per_op);
    let outputs = output_cases(&mut gen);

    let mut lines = Vec::with_capacity(inputs.len() + outputs.len());
    for (id, case) in inputs.iter().enumerate() {
        lines.push(
            json!({"id": id, "kind": "request", "operation": case.op.name, "input": case.input})
                .to_string(),
        );
    }
    for (i, case) in outputs.iter().enumerate() {
        let headers: Map<String, Value> = case
            .headers
            .iter()
            .map(|(k, v)| (k.clone(), json!(v)))
            .collect();
        lines.push(
            json!({
                "id": inputs.len() + i,
                "kind": "response",
                "operation": case.op.name,
                "status": case.status,
                "headers": headers,
                "body_b64": B64.encode(&case.body),
            })
            .to_string(),
        );
    }

    let answers = match run_oracle(&lines) {
        Ok(a) => a,
        Err(why) if std::env::var_os("LAMBDA_REQUIRE_ORACLE").is_none() => {
            eprintln!("note: differential test skipped, no botocore oracle: {why}");
            return;
        }
        Err(why) => panic!("LAMBDA_REQUIRE_ORACLE is set but the oracle is missing: {why}"),
    };
    let oracle_done = started.elapsed();

    let endpoint = Endpoint::parse(ENDPOINT).unwrap();
    let mut report = Report::default();
    for (i, case) in inputs.iter().enumerate() {
        check_request(case, &answers[i], &endpoint, &mut report);
    }
    for (i, case) in outputs.iter().enumerate() {
        check_response(case, &answers[inputs.len() + i], &mut report);
    }

    let ops: BTreeSet<&str> = inputs.iter().map(|c| c.op.name).collect();
    eprintln!(
        "differential (seed {seed}): {} operations, {} request cases, {} response cases \
         ({} errors); oracle {:.1?}, total {:.1?}",
        ops.len(),
        inputs.len(),
        outputs.len(),
        outputs.iter().filter(|c| c.error).count(),
        oracle_done,
        started.elapsed()
    );
    assert_eq!(
        ops.len(),
        model::operations().len(),
        "every operation is covered"
    );
    eprintln!("outcomes: {:#?}", report.outcomes);
    if !report.notes.is_empty() {
        eprintln!("{}", print_groups("notes (not failures)", &report.notes));
    }
    if !report.mismatches.is_empty() {
        panic!(
            "{}\n(seed {seed}; rerun with DIFF_SEED={seed})",
            print_groups("mismatches with botocore 1.44.5", &report.mismatches)
        );
    }
}
