//! The AWS CLI's shorthand syntax for structures, maps and lists:
//! `Variables={A=1,B=2}`, `A=1,B=2`, `SubnetIds=a,b,SecurityGroupIds=c`, `Key=[a,b]`.
//!
//! Parsing gives an untyped tree; [`to_json`] reads it by the model's shape.

use lambda_proto::model::{self, ShapeKind};
use serde_json::{Map, Value};

/// A parsed shorthand value.
#[derive(Clone, Debug, PartialEq)]
pub enum Sh {
    /// A scalar's text.
    Scalar(String),
    /// `a,b` after a key, or `[a,b]`.
    List(Vec<Sh>),
    /// `K=V,...` or `{K=V,...}`.
    Pairs(Vec<(String, Sh)>),
}

/// Splits `text` at top-level commas (outside brackets, braces and quotes).
fn split_commas(text: &str) -> Result<Vec<String>, String> {
    let mut parts = Vec::new();
    let mut depth = 0i32;
    let mut quote: Option<char> = None;
    let mut current = String::new();
    for c in text.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => {
                quote = None;
                current.push(c);
            }
            (Some(_), c) => current.push(c),
            (None, '"' | '\'') => {
                quote = Some(c);
                current.push(c);
            }
            (None, '{' | '[') => {
                depth += 1;
                current.push(c);
            }
            (None, '}' | ']') => {
                depth -= 1;
                if depth < 0 {
                    return Err(format!("unbalanced {c:?} in {text:?}"));
                }
                current.push(c);
            }
            (None, ',') if depth == 0 => parts.push(std::mem::take(&mut current)),
            (None, c) => current.push(c),
        }
    }
    if quote.is_some() || depth != 0 {
        return Err(format!("unbalanced quotes or brackets in {text:?}"));
    }
    parts.push(current);
    Ok(parts)
}

/// A value: `{...}`, `[...]`, or a scalar (quotes removed).
fn value(text: &str) -> Result<Sh, String> {
    let t = text.trim();
    if let Some(inner) = t.strip_prefix('{').and_then(|t| t.strip_suffix('}')) {
        return pairs(inner);
    }
    if let Some(inner) = t.strip_prefix('[').and_then(|t| t.strip_suffix(']')) {
        if inner.trim().is_empty() {
            return Ok(Sh::List(Vec::new()));
        }
        return Ok(Sh::List(
            split_commas(inner)?
                .iter()
                .map(|v| value(v))
                .collect::<Result<_, _>>()?,
        ));
    }
    Ok(Sh::Scalar(unquote(t)))
}

fn unquote(t: &str) -> String {
    for q in ['"', '\''] {
        if t.len() >= 2 && t.starts_with(q) && t.ends_with(q) {
            return t[1..t.len() - 1].to_string();
        }
    }
    t.to_string()
}

/// The key of a `K=V` part, if it is one (no bracket or quote before the `=`).
fn key_of(part: &str) -> Option<(&str, &str)> {
    let eq = part.find('=')?;
    let key = &part[..eq];
    if key.is_empty() || key.contains(['{', '[', '"', '\'', '}', ']']) {
        return None;
    }
    Some((key.trim(), &part[eq + 1..]))
}

/// Parses `K=V,K2=V2,...`; a part without `K=` continues the previous key's list.
pub fn pairs(text: &str) -> Result<Sh, String> {
    let mut out: Vec<(String, Sh)> = Vec::new();
    if text.trim().is_empty() {
        return Ok(Sh::Pairs(out));
    }
    for part in split_commas(text)? {
        match key_of(&part) {
            Some((key, v)) => out.push((key.to_string(), value(v)?)),
            None => match out.last_mut() {
                Some((_, last)) => {
                    let item = value(&part)?;
                    match last {
                        Sh::List(items) => items.push(item),
                        other => *other = Sh::List(vec![other.clone(), item]),
                    }
                }
                None => return Err(format!("expected KEY=VALUE in {part:?}")),
            },
        }
    }
    Ok(Sh::Pairs(out))
}

/// Reads a shorthand tree as the JSON value of `shape`; `scalar` converts a scalar's text
/// for a scalar shape (numbers, booleans, blobs).
pub fn to_json(
    sh: &Sh,
    shape: &str,
    path: &str,
    scalar: &dyn Fn(&str, &str, &str) -> Result<Value, String>,
) -> Result<Value, String> {
    let info = model::shape(shape).ok_or_else(|| format!("unknown shape {shape}"))?;
    match (info.kind, sh) {
        (ShapeKind::Structure(members), Sh::Pairs(pairs)) => {
            let mut out = Map::new();
            for (k, v) in pairs {
                let m = members.iter().find(|m| m.name == k).ok_or_else(|| {
                    let names: Vec<_> = members.iter().map(|m| m.name).collect();
                    format!(
                        "{path}: unknown member {k:?}, must be one of: {}",
                        names.join(", ")
                    )
                })?;
                out.insert(
                    k.clone(),
                    to_json(v, m.shape, &format!("{path}.{k}"), scalar)?,
                );
            }
            Ok(Value::Object(out))
        }
        (ShapeKind::Map(_, item), Sh::Pairs(pairs)) => {
            let mut out = Map::new();
            for (k, v) in pairs {
                out.insert(k.clone(), to_json(v, item, &format!("{path}.{k}"), scalar)?);
            }
            Ok(Value::Object(out))
        }
        (ShapeKind::List(item), Sh::List(items)) => Ok(Value::Array(
            items
                .iter()
                .map(|v| to_json(v, item, path, scalar))
                .collect::<Result<_, _>>()?,
        )),
        // One value where a list is expected: a list of one.
        (ShapeKind::List(item), one) => Ok(Value::Array(vec![to_json(one, item, path, scalar)?])),
        (ShapeKind::Structure(_) | ShapeKind::Map(..), _) => {
            Err(format!("{path}: expected KEY=VALUE pairs"))
        }
        (_, Sh::Scalar(text)) => scalar(shape, text, path),
        (_, _) => Err(format!("{path}: expected a single value")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(t: &str) -> Sh {
        Sh::Scalar(t.into())
    }

    #[test]
    fn the_common_flat_cases() {
        assert_eq!(
            pairs("Variables={A=1,B=2}").unwrap(),
            Sh::Pairs(vec![(
                "Variables".into(),
                Sh::Pairs(vec![("A".into(), s("1")), ("B".into(), s("2"))])
            )])
        );
        assert_eq!(
            pairs("SubnetIds=a,b,SecurityGroupIds=c").unwrap(),
            Sh::Pairs(vec![
                ("SubnetIds".into(), Sh::List(vec![s("a"), s("b")])),
                ("SecurityGroupIds".into(), s("c")),
            ])
        );
        assert_eq!(
            pairs("K=[x,y],Q='a,b'").unwrap(),
            Sh::Pairs(vec![
                ("K".into(), Sh::List(vec![s("x"), s("y")])),
                ("Q".into(), s("a,b")),
            ])
        );
        assert!(pairs("justtext").is_err());
        assert!(pairs("A={B=1").is_err());
    }
}
