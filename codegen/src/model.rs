//! The subset of the Smithy/botocore JSON model that the generator reads.

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// A shape of the model.
#[derive(Debug)]
pub struct Shape {
    pub name: String,
    pub kind: Kind,
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub sensitive: bool,
    pub enum_values: Vec<String>,
    pub error: Option<ErrorTrait>,
    pub payload: Option<String>,
    pub streaming: bool,
    pub event_stream: bool,
    pub event: bool,
    pub deprecated: bool,
}

#[derive(Debug)]
pub struct ErrorTrait {
    pub status: u16,
    pub fault: bool,
}

#[derive(Debug)]
pub enum Kind {
    String,
    Integer,
    Long,
    Boolean,
    Double,
    Float,
    Blob,
    Timestamp,
    List {
        member: String,
    },
    Map {
        key: String,
        value: String,
    },
    Structure {
        members: Vec<Member>,
        required: Vec<String>,
    },
}

/// A member of a structure with its HTTP binding.
#[derive(Debug)]
pub struct Member {
    pub name: String,
    pub shape: String,
    pub location: Location,
    pub location_name: Option<String>,
    pub idempotency_token: bool,
    pub event_payload: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    Body,
    Uri,
    Query,
    Header,
    StatusCode,
}

/// One operation.
#[derive(Debug)]
pub struct Operation {
    pub name: String,
    pub method: String,
    pub request_uri: String,
    pub response_code: u16,
    pub input: String,
    pub output: Option<String>,
    pub errors: Vec<String>,
    pub deprecated: bool,
    pub idempotent: bool,
}

#[derive(Debug)]
pub struct Paginator {
    pub input_token: String,
    pub output_token: String,
    pub limit_key: Option<String>,
    pub result_key: String,
}

#[derive(Debug)]
pub struct Waiter {
    pub name: String,
    pub operation: String,
    pub delay: u64,
    pub max_attempts: u32,
    pub acceptors: Vec<Acceptor>,
}

#[derive(Debug)]
pub struct Acceptor {
    pub matcher: String,
    pub argument: Option<String>,
    pub state: String,
    pub expected: Value,
}

pub struct Model {
    pub shapes: BTreeMap<String, Shape>,
    pub operations: Vec<Operation>,
    pub paginators: BTreeMap<String, Paginator>,
    pub waiters: Vec<Waiter>,
}

fn s(v: &Value, k: &str) -> Option<String> {
    v.get(k).and_then(Value::as_str).map(str::to_string)
}

fn b(v: &Value, k: &str) -> bool {
    v.get(k).and_then(Value::as_bool).unwrap_or(false)
}

impl Model {
    pub fn load(service: &str, paginators: &str, waiters: &str) -> Model {
        let service: Value = serde_json::from_str(service).expect("service-2.json");
        let mut shapes = BTreeMap::new();
        for (name, v) in service["shapes"].as_object().expect("shapes") {
            shapes.insert(name.clone(), parse_shape(name, v));
        }
        let mut operations: Vec<Operation> = service["operations"]
            .as_object()
            .expect("operations")
            .values()
            .map(|o| Operation {
                name: s(o, "name").expect("name"),
                method: s(&o["http"], "method").expect("method"),
                request_uri: s(&o["http"], "requestUri").expect("requestUri"),
                response_code: o["http"]["responseCode"].as_u64().unwrap_or(200) as u16,
                input: s(&o["input"], "shape").expect("every operation has an input"),
                output: o.get("output").and_then(|v| s(v, "shape")),
                errors: o["errors"]
                    .as_array()
                    .map(|a| a.iter().filter_map(|e| s(e, "shape")).collect())
                    .unwrap_or_default(),
                deprecated: b(o, "deprecated"),
                idempotent: b(o, "idempotent"),
            })
            .collect();
        operations.sort_by(|a, b| a.name.cmp(&b.name));

        let pag: Value = serde_json::from_str(paginators).expect("paginators-1.json");
        let paginators = pag["pagination"]
            .as_object()
            .expect("pagination")
            .iter()
            .map(|(k, v)| {
                (
                    k.clone(),
                    Paginator {
                        input_token: s(v, "input_token").expect("input_token"),
                        output_token: s(v, "output_token").expect("output_token"),
                        limit_key: s(v, "limit_key"),
                        result_key: s(v, "result_key").expect("single result_key"),
                    },
                )
            })
            .collect();

        let w: Value = serde_json::from_str(waiters).expect("waiters-2.json");
        let waiters = w["waiters"]
            .as_object()
            .expect("waiters")
            .iter()
            .map(|(k, v)| Waiter {
                name: k.clone(),
                operation: s(v, "operation").expect("operation"),
                delay: v["delay"].as_u64().expect("delay"),
                max_attempts: v["maxAttempts"].as_u64().expect("maxAttempts") as u32,
                acceptors: v["acceptors"]
                    .as_array()
                    .expect("acceptors")
                    .iter()
                    .map(|a| Acceptor {
                        matcher: s(a, "matcher").expect("matcher"),
                        argument: s(a, "argument"),
                        state: s(a, "state").expect("state"),
                        expected: a["expected"].clone(),
                    })
                    .collect(),
            })
            .collect();
        Model {
            shapes,
            operations,
            paginators,
            waiters,
        }
    }

    pub fn shape(&self, name: &str) -> &Shape {
        self.shapes
            .get(name)
            .unwrap_or_else(|| panic!("unknown shape {name}"))
    }

    pub fn members(&self, name: &str) -> &[Member] {
        match &self.shape(name).kind {
            Kind::Structure { members, .. } => members,
            _ => panic!("{name} is not a structure"),
        }
    }

    /// The position of a required member in the model's `required` list (the order of
    /// `new`'s arguments).
    pub fn required_position(&self, structure: &str, member: &str) -> usize {
        match &self.shape(structure).kind {
            Kind::Structure { required, .. } => required
                .iter()
                .position(|r| r == member)
                .unwrap_or(usize::MAX),
            _ => usize::MAX,
        }
    }

    pub fn is_required(&self, structure: &str, member: &str) -> bool {
        match &self.shape(structure).kind {
            Kind::Structure { required, .. } => required.iter().any(|r| r == member),
            _ => false,
        }
    }

    /// Shapes reachable from `roots` through members, list items and map keys/values.
    pub fn reachable(&self, roots: impl IntoIterator<Item = String>) -> BTreeSet<String> {
        let mut seen = BTreeSet::new();
        let mut stack: Vec<String> = roots.into_iter().collect();
        while let Some(n) = stack.pop() {
            if !seen.insert(n.clone()) {
                continue;
            }
            match &self.shape(&n).kind {
                Kind::Structure { members, .. } => {
                    stack.extend(members.iter().map(|m| m.shape.clone()))
                }
                Kind::List { member } => stack.push(member.clone()),
                Kind::Map { key, value } => {
                    stack.push(key.clone());
                    stack.push(value.clone());
                }
                _ => {}
            }
        }
        seen
    }
}

fn parse_shape(name: &str, v: &Value) -> Shape {
    let ty = s(v, "type").expect("type");
    let kind = match ty.as_str() {
        "string" => Kind::String,
        "integer" => Kind::Integer,
        "long" => Kind::Long,
        "boolean" => Kind::Boolean,
        "double" => Kind::Double,
        "float" => Kind::Float,
        "blob" => Kind::Blob,
        "timestamp" => Kind::Timestamp,
        "list" => Kind::List {
            member: s(&v["member"], "shape").expect("list member"),
        },
        "map" => Kind::Map {
            key: s(&v["key"], "shape").expect("map key"),
            value: s(&v["value"], "shape").expect("map value"),
        },
        "structure" => {
            let mut members = Vec::new();
            for (mname, m) in v["members"].as_object().expect("members") {
                let location = match m.get("location").and_then(Value::as_str) {
                    None => Location::Body,
                    Some("uri") => Location::Uri,
                    Some("querystring") => Location::Query,
                    Some("header") => Location::Header,
                    Some("statusCode") => Location::StatusCode,
                    Some(other) => panic!("unsupported location {other} on {name}.{mname}"),
                };
                members.push(Member {
                    name: mname.clone(),
                    shape: s(m, "shape").expect("member shape"),
                    location,
                    location_name: s(m, "locationName"),
                    idempotency_token: b(m, "idempotencyToken"),
                    event_payload: b(m, "eventpayload"),
                });
            }
            let required = v
                .get("required")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(|x| x.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default();
            Kind::Structure { members, required }
        }
        other => panic!("unsupported shape type {other} ({name})"),
    };
    Shape {
        name: name.to_string(),
        kind,
        min: v.get("min").and_then(Value::as_f64),
        max: v.get("max").and_then(Value::as_f64),
        sensitive: b(v, "sensitive"),
        enum_values: v
            .get("enum")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default(),
        error: v.get("error").map(|e| ErrorTrait {
            status: e["httpStatusCode"].as_u64().unwrap_or(400) as u16,
            fault: b(v, "fault"),
        }),
        payload: s(v, "payload"),
        streaming: b(v, "streaming"),
        event_stream: b(v, "eventstream"),
        event: b(v, "event"),
        deprecated: b(v, "deprecated"),
    }
}
