//! The model's shapes and HTTP bindings as data, and a generic codec over them for the
//! server side of the protocol (decode a request, encode a response).
//!
//! Needs the `dynamic` feature.
//!
//! The client never needs this: the typed operations are generated code. It serves test
//! servers, fuzz targets and property tests, which check the generated code against this
//! independent reading of the same bindings.
//!
//! ```
//! use lambda_proto::model;
//!
//! let shape = model::shape("FunctionName").unwrap();
//! assert_eq!((shape.min, shape.max), (Some(1.0), Some(140.0)));
//! assert_eq!(model::operation("Invoke").unwrap().input, "InvocationRequest");
//! ```

use base64::Engine as _;
use percent_encoding::percent_decode_str;
use serde_json::{Map, Value};

use crate::generated::model_table::{OPERATION_SHAPES, SHAPES};
use crate::serde_util::B64;

/// Where a member travels in the HTTP message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Location {
    /// A member of the JSON body (or the payload).
    Body,
    /// A URI label.
    Uri,
    /// A query parameter.
    Query,
    /// A header.
    Header,
    /// The HTTP status code.
    StatusCode,
}

/// A member of a structure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MemberInfo {
    /// The member name.
    pub name: &'static str,
    /// The target shape.
    pub shape: &'static str,
    /// Where it travels.
    pub location: Location,
    /// Its name on the wire (label, query key, header name, JSON key).
    pub location_name: &'static str,
    /// Whether the model requires it.
    pub required: bool,
}

/// The type of a shape.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ShapeKind {
    /// Text.
    String,
    /// Text limited to these values.
    Enum(&'static [&'static str]),
    /// 32-bit integer.
    Integer,
    /// 64-bit integer.
    Long,
    /// Boolean.
    Boolean,
    /// 64-bit float.
    Double,
    /// 32-bit float.
    Float,
    /// Bytes.
    Blob,
    /// A point in time.
    Timestamp,
    /// A list of the named shape.
    List(&'static str),
    /// A map from the first named shape to the second.
    Map(&'static str, &'static str),
    /// A structure with these members.
    Structure(&'static [MemberInfo]),
}

/// A shape of the model.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ShapeInfo {
    /// The shape name.
    pub name: &'static str,
    /// Its type.
    pub kind: ShapeKind,
    /// The smallest length or value.
    pub min: Option<f64>,
    /// The largest length or value.
    pub max: Option<f64>,
    /// Whether values are secret.
    pub sensitive: bool,
    /// For structures, the member that is the whole HTTP payload.
    pub payload: Option<&'static str>,
    /// Whether the structure is an event stream.
    pub event_stream: bool,
}

impl ShapeInfo {
    /// The members of a structure (empty for other shapes).
    pub fn members(&self) -> &'static [MemberInfo] {
        match self.kind {
            ShapeKind::Structure(m) => m,
            _ => &[],
        }
    }
}

/// The shapes of one operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OperationShapes {
    /// The operation name.
    pub name: &'static str,
    /// The input structure.
    pub input: &'static str,
    /// The output structure, if any.
    pub output: Option<&'static str>,
    /// The errors the model lists.
    pub errors: &'static [&'static str],
    /// The model's success status code.
    pub response_code: u16,
}

/// Every shape, sorted by name.
pub fn shapes() -> &'static [ShapeInfo] {
    SHAPES
}

/// A shape by name.
pub fn shape(name: &str) -> Option<&'static ShapeInfo> {
    SHAPES
        .binary_search_by(|s| s.name.cmp(name))
        .ok()
        .map(|i| &SHAPES[i])
}

/// An operation's shapes by name.
pub fn operation(name: &str) -> Option<&'static OperationShapes> {
    OPERATION_SHAPES
        .binary_search_by(|o| o.name.cmp(name))
        .ok()
        .map(|i| &OPERATION_SHAPES[i])
}

/// Every operation's shapes, sorted by name.
pub fn operations() -> &'static [OperationShapes] {
    OPERATION_SHAPES
}

fn shape_of(name: &str) -> Result<&'static ShapeInfo, String> {
    shape(name).ok_or_else(|| format!("unknown shape {name}"))
}

/// Converts text from a label, query or header to the JSON value of `shape`.
fn scalar(shape_name: &str, text: &str) -> Result<Value, String> {
    let s = shape_of(shape_name)?;
    Ok(match s.kind {
        ShapeKind::String | ShapeKind::Enum(_) | ShapeKind::Timestamp => Value::String(text.into()),
        ShapeKind::Integer | ShapeKind::Long => Value::from(
            text.parse::<i64>()
                .map_err(|_| format!("{shape_name}: not an integer: {text:?}"))?,
        ),
        ShapeKind::Double | ShapeKind::Float => {
            let f: f64 = text
                .parse()
                .map_err(|_| format!("{shape_name}: not a number: {text:?}"))?;
            serde_json::Number::from_f64(f)
                .map(Value::Number)
                .ok_or_else(|| format!("{shape_name}: not finite"))?
        }
        ShapeKind::Boolean => match text {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            _ => return Err(format!("{shape_name}: not a boolean: {text:?}")),
        },
        _ => return Err(format!("{shape_name}: not a scalar")),
    })
}

/// Decodes a request of operation `name` into the JSON object of its input members (the
/// form [`crate::dynamic`] builds from): what a server reads from the request.
pub fn decode_request(
    name: &str,
    request: &http::Request<impl AsRef<[u8]>>,
) -> Result<Value, String> {
    let info = crate::dynamic::find(name).ok_or_else(|| format!("unknown operation {name}"))?;
    let op = operation(name).ok_or_else(|| format!("unknown operation {name}"))?;
    let input = shape_of(op.input)?;
    let mut out = Map::new();

    // Path: match the template segment by segment.
    let (template, fixed_query) = match info.request_uri.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (info.request_uri, None),
    };
    let path = request.uri().path();
    let t_segs: Vec<&str> = template.split('/').collect();
    let p_segs: Vec<&str> = path.split('/').collect();
    if t_segs.len() != p_segs.len() {
        return Err(format!("path {path} does not match {template}"));
    }
    for (t, p) in t_segs.iter().zip(&p_segs) {
        match t.strip_prefix('{').and_then(|t| t.strip_suffix('}')) {
            Some(label) => {
                let label = label.trim_end_matches('+');
                let m = input
                    .members()
                    .iter()
                    .find(|m| m.location == Location::Uri && m.location_name == label)
                    .ok_or_else(|| format!("no member for label {label}"))?;
                let text = percent_decode_str(p)
                    .decode_utf8()
                    .map_err(|_| format!("label {label} is not UTF-8"))?;
                out.insert(m.name.into(), scalar(m.shape, &text)?);
            }
            None if t == p => {}
            None => return Err(format!("path {path} does not match {template}")),
        }
    }

    // Query.
    let mut fixed: Vec<(String, String)> = Vec::new();
    if let Some(q) = request.uri().query() {
        for pair in q.split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let k = percent_decode_str(k)
                .decode_utf8()
                .map_err(|e| e.to_string())?;
            let v = percent_decode_str(v)
                .decode_utf8()
                .map_err(|e| e.to_string())?;
            let member = input
                .members()
                .iter()
                .find(|m| m.location == Location::Query && m.location_name == k);
            match member {
                Some(m) => {
                    let s = shape_of(m.shape)?;
                    if let ShapeKind::List(item) = s.kind {
                        let list = out
                            .entry(m.name.to_string())
                            .or_insert_with(|| Value::Array(Vec::new()));
                        if let Value::Array(items) = list {
                            items.push(scalar(item, &v)?);
                        }
                    } else if out.insert(m.name.into(), scalar(m.shape, &v)?).is_some() {
                        return Err(format!("query parameter {k} repeated"));
                    }
                }
                None => fixed.push((k.into_owned(), v.into_owned())),
            }
        }
    }
    // A list with no items has no query parameters: a required one reads as empty.
    for m in input
        .members()
        .iter()
        .filter(|m| m.location == Location::Query && m.required)
    {
        if matches!(shape_of(m.shape)?.kind, ShapeKind::List(_)) {
            out.entry(m.name.to_string())
                .or_insert_with(|| Value::Array(Vec::new()));
        }
    }
    let expected_fixed: Vec<(String, String)> = fixed_query
        .map(|q| {
            q.split('&')
                .map(|p| {
                    let (k, v) = p.split_once('=').unwrap_or((p, ""));
                    (k.to_string(), v.to_string())
                })
                .collect()
        })
        .unwrap_or_default();
    if fixed != expected_fixed {
        return Err(format!("unexpected query parameters {fixed:?}"));
    }

    // Headers.
    for m in input
        .members()
        .iter()
        .filter(|m| m.location == Location::Header)
    {
        if let Some(v) = request.headers().get(m.location_name) {
            let text = v
                .to_str()
                .map_err(|_| format!("header {} not text", m.location_name))?;
            out.insert(m.name.into(), scalar(m.shape, text)?);
        }
    }

    // Body.
    let body: &[u8] = request.body().as_ref();
    if let Some(payload) = input.payload {
        let m = input
            .members()
            .iter()
            .find(|m| m.name == payload)
            .ok_or("payload member")?;
        if !body.is_empty() {
            let value = match shape_of(m.shape)?.kind {
                ShapeKind::Blob => Value::String(B64.encode(body)),
                _ => serde_json::from_slice(body).map_err(|e| e.to_string())?,
            };
            out.insert(m.name.into(), value);
        }
    } else if !body.is_empty() {
        let v: Value = serde_json::from_slice(body).map_err(|e| format!("body: {e}"))?;
        let Value::Object(members) = v else {
            return Err("body is not a JSON object".into());
        };
        for (k, v) in members {
            let known = input
                .members()
                .iter()
                .any(|m| m.location == Location::Body && m.name == k);
            if !known {
                return Err(format!("unknown body member {k}"));
            }
            out.insert(k, v);
        }
    }
    Ok(Value::Object(out))
}

/// Encodes the JSON rendering of an output of operation `name` as the service would send
/// it: header and status members bound, the rest in the JSON body (or the payload).
pub fn encode_response(name: &str, output: &Value) -> Result<http::Response<Vec<u8>>, String> {
    let op = operation(name).ok_or_else(|| format!("unknown operation {name}"))?;
    let mut builder = http::Response::builder();
    let mut status = op.response_code;
    let Some(out_shape) = op.output else {
        return builder
            .status(status)
            .body(Vec::new())
            .map_err(|e| e.to_string());
    };
    let shape = shape_of(out_shape)?;
    let fields = output.as_object().cloned().unwrap_or_default();
    let mut body = Map::new();
    let mut raw: Option<Vec<u8>> = None;
    for (k, v) in fields {
        let m = shape
            .members()
            .iter()
            .find(|m| m.name == k)
            .ok_or_else(|| format!("unknown output member {k}"))?;
        let text = || match &v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        match m.location {
            Location::Header => builder = builder.header(m.location_name, text()),
            Location::StatusCode => {
                status = v
                    .as_u64()
                    .and_then(|s| u16::try_from(s).ok())
                    .ok_or("status code member")?;
            }
            _ if shape.payload == Some(m.name) => {
                raw = Some(match shape_of(m.shape)?.kind {
                    ShapeKind::Blob => B64
                        .decode(v.as_str().unwrap_or_default())
                        .map_err(|e| e.to_string())?,
                    _ => serde_json::to_vec(&v).map_err(|e| e.to_string())?,
                });
            }
            _ => {
                body.insert(k, to_wire(m.shape, v)?);
            }
        }
    }
    let body = match raw {
        Some(raw) => raw,
        // An absent payload member is an empty body, not an empty JSON object.
        None if shape.payload.is_some() => Vec::new(),
        None => serde_json::to_vec(&Value::Object(body)).map_err(|e| e.to_string())?,
    };
    builder
        .status(status)
        .header("x-amzn-RequestId", "00000000-0000-0000-0000-000000000000")
        .body(body)
        .map_err(|e| e.to_string())
}

/// Converts the public JSON rendering of a value of `shape` to its wire form: timestamps
/// as epoch seconds.
fn to_wire(shape_name: &str, value: Value) -> Result<Value, String> {
    let s = shape_of(shape_name)?;
    Ok(match (s.kind, value) {
        (ShapeKind::Timestamp, Value::String(text)) => {
            let t =
                time::OffsetDateTime::parse(&text, &time::format_description::well_known::Rfc3339)
                    .map_err(|e| format!("{shape_name}: {e}"))?;
            Value::Number(crate::serde_util::epoch_seconds(&t))
        }
        (ShapeKind::List(item), Value::Array(items)) => Value::Array(
            items
                .into_iter()
                .map(|v| to_wire(item, v))
                .collect::<Result<_, _>>()?,
        ),
        (ShapeKind::Map(_, item), Value::Object(entries)) => Value::Object(
            entries
                .into_iter()
                .map(|(k, v)| Ok((k, to_wire(item, v)?)))
                .collect::<Result<_, String>>()?,
        ),
        (ShapeKind::Structure(members), Value::Object(entries)) => Value::Object(
            entries
                .into_iter()
                .map(|(k, v)| {
                    let m = members
                        .iter()
                        .find(|m| m.name == k)
                        .ok_or_else(|| format!("unknown member {k} of {shape_name}"))?;
                    Ok((k, to_wire(m.shape, v)?))
                })
                .collect::<Result<_, String>>()?,
        ),
        (_, v) => v,
    })
}
