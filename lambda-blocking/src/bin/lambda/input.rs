//! The input of an operation from its options: `--cli-input-json` first, then each
//! member's option on top (options win), read by the member's shape.

use clap::ArgMatches;
use lambda_proto::dynamic::OperationInfo;
use lambda_proto::model::{self, ShapeKind};
use serde_json::{Map, Value};

use crate::args::{kebab, member_id, no_id, option_members, ZIP_FILE};
use crate::blobs::{blob_arg, text_arg, BinaryFormat};
use crate::exit::Failure;
use crate::shorthand;

/// Reads `--cli-input-json` (text or `file://`): a JSON object.
pub fn cli_input_json(arg: Option<&String>) -> Result<Value, Failure> {
    let Some(arg) = arg else {
        return Ok(Value::Object(Map::new()));
    };
    let text = text_arg(arg)?;
    let value: Value = serde_json::from_str(&text)
        .map_err(|e| Failure::usage(format!("--cli-input-json is not valid JSON: {e}")))?;
    if !value.is_object() {
        return Err(Failure::usage("--cli-input-json must be a JSON object"));
    }
    Ok(value)
}

/// The scalar value of `text` for a scalar shape (`path` names it in errors).
fn scalar(shape: &str, text: &str, path: &str, format: BinaryFormat) -> Result<Value, String> {
    let kind = model::shape(shape).map(|s| s.kind);
    Ok(match kind {
        Some(ShapeKind::Integer | ShapeKind::Long) => Value::from(
            text.trim()
                .parse::<i64>()
                .map_err(|_| format!("{path}: not an integer: {text:?}"))?,
        ),
        Some(ShapeKind::Double | ShapeKind::Float) => {
            let f: f64 = text
                .trim()
                .parse()
                .map_err(|_| format!("{path}: not a number: {text:?}"))?;
            serde_json::Number::from_f64(f)
                .map(Value::Number)
                .ok_or_else(|| format!("{path}: not a finite number: {text:?}"))?
        }
        Some(ShapeKind::Boolean) => match text.trim() {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            _ => return Err(format!("{path}: not a boolean (true or false): {text:?}")),
        },
        Some(ShapeKind::Blob) => Value::String(blob_arg(text, format).map_err(|f| f.message)?),
        Some(ShapeKind::Timestamp) => match text.trim().parse::<f64>() {
            Ok(n) => {
                serde_json::Number::from_f64(n).map_or(Value::String(text.into()), Value::Number)
            }
            Err(_) => Value::String(text.into()),
        },
        _ => Value::String(text.to_string()),
    })
}

/// A structure, map or list value: JSON when it looks like JSON, else shorthand.
fn compound(shape: &str, text: &str, path: &str, format: BinaryFormat) -> Result<Value, String> {
    let t = text.trim_start();
    if t.starts_with('{') || t.starts_with('[') {
        return serde_json::from_str(t).map_err(|e| format!("{path}: invalid JSON: {e}"));
    }
    let tree = shorthand::pairs(text).map_err(|e| format!("{path}: {e}"))?;
    shorthand::to_json(&tree, shape, path, &|s, t, p| scalar(s, t, p, format))
}

/// One item of a list option.
fn item(shape: &str, text: &str, path: &str, format: BinaryFormat) -> Result<Value, String> {
    match model::shape(shape).map(|s| s.kind) {
        Some(ShapeKind::Structure(_) | ShapeKind::Map(..) | ShapeKind::List(_)) => {
            compound(shape, text, path, format)
        }
        _ => scalar(shape, text, path, format),
    }
}

/// The value of one member from its option's values.
fn member_value(
    shape: &str,
    values: &[String],
    path: &str,
    format: BinaryFormat,
) -> Result<Value, String> {
    let kind = model::shape(shape).map(|s| s.kind);
    // `file://` gives any non-blob value its file's text (blobs read it themselves).
    let text = |v: &String| -> Result<String, String> {
        if matches!(kind, Some(ShapeKind::Blob)) {
            Ok(v.clone())
        } else {
            text_arg(v).map_err(|f| f.message)
        }
    };
    match kind {
        Some(ShapeKind::List(item_shape)) => {
            if let [one] = values {
                let t = text(one)?;
                if t.trim_start().starts_with('[') {
                    return serde_json::from_str(t.trim())
                        .map_err(|e| format!("{path}: invalid JSON: {e}"));
                }
            }
            let items = values
                .iter()
                .map(|v| item(item_shape, &text(v)?, path, format))
                .collect::<Result<_, _>>()?;
            Ok(Value::Array(items))
        }
        Some(ShapeKind::Structure(_) | ShapeKind::Map(..)) => {
            compound(shape, &text(&values[0])?, path, format)
        }
        _ => scalar(shape, &text(&values[0])?, path, format),
    }
}

/// The input object: `--cli-input-json` with every given option set on top.
pub fn from_matches(
    info: &OperationInfo,
    m: &ArgMatches,
    format: BinaryFormat,
) -> Result<Value, Failure> {
    let mut input = cli_input_json(m.get_one::<String>("cli-input-json"))?;
    let object = input.as_object_mut().expect("checked to be an object");
    for member in option_members(info) {
        let option = format!("--{}", kebab(member.name));
        let id = member_id(member.name);
        if matches!(
            model::shape(member.shape).map(|s| s.kind),
            Some(ShapeKind::Boolean)
        ) {
            if m.get_flag(&id) {
                object.insert(member.name.into(), Value::Bool(true));
            } else if m.get_flag(&no_id(member.name)) {
                object.insert(member.name.into(), Value::Bool(false));
            }
            continue;
        }
        if let Some(values) = m.get_many::<String>(&id) {
            let values: Vec<String> = values.cloned().collect();
            let value =
                member_value(member.shape, &values, &option, format).map_err(Failure::usage)?;
            object.insert(member.name.into(), value);
        }
    }
    // `--zip-file` sets the archive inside its structure (as the AWS CLI).
    if let Some((_, outer, inner)) = ZIP_FILE.iter().find(|z| z.0 == info.name) {
        if let Some(arg) = m.get_one::<String>("zip-file") {
            let zip = blob_arg(arg, format)?;
            let entry = object
                .entry(outer.to_string())
                .or_insert_with(|| Value::Object(Map::new()));
            match entry.as_object_mut() {
                Some(o) => {
                    o.insert(inner.to_string(), Value::String(zip));
                }
                None => return Err(Failure::usage(format!("{outer} must be an object"))),
            }
        }
    }
    Ok(input)
}

/// Fails naming the options of the required members `input` lacks.
pub fn check_required(info: &OperationInfo, input: &Value) -> Result<(), Failure> {
    let missing: Vec<String> = info
        .required
        .iter()
        .filter(|r| input.get(**r).is_none())
        .map(|r| format!("--{} ({r})", kebab(r)))
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(Failure::usage(format!(
            "{}: the following required arguments were not provided: {}",
            info.cli_name,
            missing.join(", ")
        )))
    }
}
