//! Checks a JSON input against the model before it is read into the typed input: every
//! member is one the model has, at any depth; required members are there and not `null`;
//! every value has its member's JSON type. Errors name the path and the rule, as the AWS
//! CLI and botocore do (`Unknown parameter in input: "Qualifer", must be one of:
//! FunctionName, Qualifier`).

use serde_json::Value;

use crate::error::{Rule, ValidationError};
use crate::model::{self, ShapeInfo, ShapeKind};

/// Checks `value`, the whole input of `operation` (input shape `shape`).
pub(crate) fn check(
    operation: &'static str,
    shape: &'static str,
    value: &Value,
) -> Result<(), ValidationError> {
    let mut walk = Walk {
        operation,
        path: String::new(),
    };
    walk.value(lookup(shape), value)
}

fn lookup(name: &str) -> &'static ShapeInfo {
    model::shape(name).expect("the model table names only shapes it has")
}

struct Walk {
    operation: &'static str,
    path: String,
}

impl Walk {
    fn fail(&self, rule: Rule) -> ValidationError {
        ValidationError::new(self.operation, self.path.clone(), rule)
    }

    fn wrong(&self, expected: &str, got: &Value) -> ValidationError {
        let got = match got {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Number(_) => "a number",
            Value::String(_) => "a string",
            Value::Array(_) => "a list",
            Value::Object(_) => "an object",
        };
        self.fail(Rule::Type(format!("expected {expected}, got {got}")))
    }

    /// The path one level down: `.member` or `[index]`.
    fn join(&self, step: &str) -> String {
        if self.path.is_empty() || step.starts_with('[') {
            format!("{}{step}", self.path)
        } else {
            format!("{}.{step}", self.path)
        }
    }

    /// Runs `f` one level down.
    fn at(
        &mut self,
        step: &str,
        f: impl FnOnce(&mut Self) -> Result<(), ValidationError>,
    ) -> Result<(), ValidationError> {
        let deeper = self.join(step);
        let saved = std::mem::replace(&mut self.path, deeper);
        let out = f(self);
        self.path = saved;
        out
    }

    fn value(&mut self, shape: &'static ShapeInfo, value: &Value) -> Result<(), ValidationError> {
        match (shape.kind, value) {
            (_, Value::Null) => Err(self.fail(Rule::Type(
                "null is not a value (leave the member out instead)".into(),
            ))),
            (ShapeKind::Structure(_), Value::Object(object)) => self.structure(shape, object),
            (ShapeKind::List(item), Value::Array(items)) => {
                let item = lookup(item);
                for (i, v) in items.iter().enumerate() {
                    self.at(&format!("[{i}]"), |w| w.value(item, v))?;
                }
                Ok(())
            }
            (ShapeKind::Map(_, item), Value::Object(entries)) => {
                let item = lookup(item);
                for (k, v) in entries {
                    self.at(&format!("[{k}]"), |w| w.value(item, v))?;
                }
                Ok(())
            }
            (ShapeKind::String | ShapeKind::Enum(_) | ShapeKind::Blob, Value::String(_)) => Ok(()),
            (ShapeKind::Timestamp, Value::String(_) | Value::Number(_)) => Ok(()),
            (ShapeKind::Boolean, Value::Bool(_)) => Ok(()),
            (ShapeKind::Integer, Value::Number(n)) => match n.as_i64() {
                Some(v) if i32::try_from(v).is_ok() => Ok(()),
                _ => Err(self.fail(Rule::Type(format!("expected a 32-bit integer, got {n}")))),
            },
            (ShapeKind::Long, Value::Number(n)) => match n.as_i64() {
                Some(_) => Ok(()),
                None => Err(self.fail(Rule::Type(format!("expected a 64-bit integer, got {n}")))),
            },
            (ShapeKind::Double | ShapeKind::Float, Value::Number(_)) => Ok(()),
            (kind, v) => Err(self.wrong(expected(kind), v)),
        }
    }

    fn structure(
        &mut self,
        shape: &'static ShapeInfo,
        object: &serde_json::Map<String, Value>,
    ) -> Result<(), ValidationError> {
        let members = shape.members();
        for (key, v) in object {
            let Some(member) = members.iter().find(|m| m.name == key) else {
                return Err(self.fail(Rule::UnknownMember {
                    name: key.clone(),
                    valid: members.iter().map(|m| m.name).collect(),
                }));
            };
            self.at(key, |w| w.value(lookup(member.shape), v))?;
        }
        match members
            .iter()
            .find(|m| m.required && !object.contains_key(m.name))
        {
            Some(m) => Err(ValidationError::new(
                self.operation,
                self.join(m.name),
                Rule::Required,
            )),
            None => Ok(()),
        }
    }
}

fn expected(kind: ShapeKind) -> &'static str {
    match kind {
        ShapeKind::Structure(_) | ShapeKind::Map(..) => "an object",
        ShapeKind::List(_) => "a list",
        ShapeKind::String | ShapeKind::Enum(_) => "a string",
        ShapeKind::Blob => "base64 text",
        ShapeKind::Timestamp => "an RFC 3339 date-time or epoch seconds",
        ShapeKind::Boolean => "a boolean",
        ShapeKind::Integer | ShapeKind::Long => "an integer",
        ShapeKind::Double | ShapeKind::Float => "a number",
    }
}
