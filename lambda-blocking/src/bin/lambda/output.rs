//! Printing results: `--query` (JMESPath) first, then `--output json|text|table`, JSON in
//! color only on a terminal (or with `--color on`).

use std::io::{IsTerminal, Write};

use serde_json::Value;

use crate::exit::Failure;

/// The output settings of the global options.
#[derive(Clone, Debug)]
pub struct Output {
    format: Format,
    query: Option<String>,
    color: bool,
    title: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Format {
    Json,
    Text,
    Table,
}

impl Output {
    /// From `--output`, `--query` and `--color`.
    pub fn new(
        format: Option<&str>,
        query: Option<&str>,
        color: Option<&str>,
    ) -> Result<Self, Failure> {
        let format = match format.unwrap_or("json") {
            "json" => Format::Json,
            "text" => Format::Text,
            "table" => Format::Table,
            other => {
                return Err(Failure::usage(format!(
                    "--output {other:?}: must be one of: json, text, table"
                )))
            }
        };
        let color = match color.unwrap_or("auto") {
            "on" => true,
            "off" => false,
            "auto" => std::io::stdout().is_terminal(),
            other => {
                return Err(Failure::usage(format!(
                    "--color {other:?}: must be one of: on, off, auto"
                )))
            }
        };
        if let Some(q) = query {
            jmespath::compile(q).map_err(|e| Failure::usage(format!("--query: {e}")))?;
        }
        Ok(Output {
            format,
            query: query.map(str::to_string),
            color,
            title: "Result".into(),
        })
    }

    /// The title of `--output table` (the operation's name).
    pub fn titled(mut self, title: &str) -> Self {
        self.title = title.to_string();
        self
    }

    /// Applies the query to `value`.
    pub fn query(&self, value: Value) -> Result<Value, Failure> {
        let Some(q) = &self.query else {
            return Ok(value);
        };
        let expr = jmespath::compile(q).map_err(|e| Failure::usage(format!("--query: {e}")))?;
        let found = expr
            .search(value)
            .map_err(|e| Failure::usage(format!("--query: {e}")))?;
        serde_json::to_value(&*found).map_err(Failure::other)
    }

    /// Queries and prints `value` on standard output.
    pub fn print(&self, value: Value) -> Result<(), Failure> {
        let value = self.query(value)?;
        let text = match self.format {
            Format::Json if value.is_null() && self.query.is_some() => return Ok(()),
            Format::Json if self.color => color_json(&value, 0),
            Format::Json => serde_json::to_string_pretty(&value).map_err(Failure::other)?,
            Format::Text => text(&value),
            Format::Table => table(&value, &self.title),
        };
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{}", text.trim_end_matches('\n'));
        Ok(())
    }
}

fn scalar_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => "None".into(),
        other => other.to_string(),
    }
}

fn is_scalar(v: &Value) -> bool {
    !matches!(v, Value::Array(_) | Value::Object(_))
}

/// The AWS CLI's text format: the scalars of an object on one tab-separated line (sorted
/// by key, after the object's name in capitals when nested), then its lists and objects.
pub fn text(value: &Value) -> String {
    let mut out = String::new();
    text_into(value, None, &mut out);
    out
}

fn text_into(value: &Value, name: Option<&str>, out: &mut String) {
    match value {
        Value::Object(o) => {
            let mut keys: Vec<&String> = o.keys().collect();
            keys.sort();
            let scalars: Vec<String> = keys
                .iter()
                .filter(|k| is_scalar(&o[**k]))
                .map(|k| scalar_text(&o[*k]))
                .collect();
            if !scalars.is_empty() {
                let mut line: Vec<String> = name.map(|n| n.to_uppercase()).into_iter().collect();
                line.extend(scalars);
                out.push_str(&line.join("\t"));
                out.push('\n');
            }
            for k in keys.iter().filter(|k| !is_scalar(&o[**k])) {
                text_into(&o[*k], Some(k), out);
            }
        }
        Value::Array(items) if items.iter().all(is_scalar) => {
            let mut line: Vec<String> = name.map(|n| n.to_uppercase()).into_iter().collect();
            line.extend(items.iter().map(scalar_text));
            out.push_str(&line.join("\t"));
            out.push('\n');
        }
        Value::Array(items) => {
            for item in items {
                text_into(item, name, out);
            }
        }
        scalar => {
            out.push_str(&scalar_text(scalar));
            out.push('\n');
        }
    }
}

/// A table: an object's scalars as key | value rows, a list of objects as columns of
/// their scalar members, nested values as sections below.
pub fn table(value: &Value, title: &str) -> String {
    let mut out = String::new();
    table_into(value, title, &mut out);
    out
}

fn draw(title: &str, header: Option<&[String]>, rows: &[Vec<String>], out: &mut String) {
    let cols = header.map_or_else(|| rows.first().map_or(1, Vec::len), <[String]>::len);
    let mut widths = vec![0usize; cols];
    for row in header
        .into_iter()
        .map(<[String]>::to_vec)
        .chain(rows.iter().cloned())
    {
        for (i, cell) in row.iter().enumerate().take(cols) {
            widths[i] = widths[i].max(cell.chars().count());
        }
    }
    let inner = widths.iter().sum::<usize>() + 3 * cols - 1;
    let inner = inner.max(title.chars().count() + 2);
    let line = format!("+{}+\n", "-".repeat(inner));
    out.push_str(&line);
    out.push_str(&format!("|{:^inner$}|\n", title));
    out.push_str(&line);
    let row_line = |row: &[String], out: &mut String| {
        let cells: Vec<String> = (0..cols)
            .map(|i| {
                format!(
                    " {:<w$} ",
                    row.get(i).map_or("", String::as_str),
                    w = widths[i]
                )
            })
            .collect();
        let joined = cells.join("|");
        let pad = inner.saturating_sub(joined.chars().count());
        out.push_str(&format!("|{joined}{}|\n", " ".repeat(pad)));
    };
    if let Some(h) = header {
        row_line(h, out);
        out.push_str(&line);
    }
    for row in rows {
        row_line(row, out);
    }
    out.push_str(&line);
}

fn table_into(value: &Value, title: &str, out: &mut String) {
    match value {
        Value::Object(o) => {
            let mut keys: Vec<&String> = o.keys().collect();
            keys.sort();
            let rows: Vec<Vec<String>> = keys
                .iter()
                .filter(|k| is_scalar(&o[**k]))
                .map(|k| vec![k.to_string(), scalar_text(&o[*k])])
                .collect();
            if !rows.is_empty() {
                draw(title, None, &rows, out);
            }
            for k in keys.iter().filter(|k| !is_scalar(&o[**k])) {
                table_into(&o[*k], k, out);
            }
        }
        Value::Array(items) if items.iter().all(Value::is_object) && !items.is_empty() => {
            let mut header: Vec<String> = Vec::new();
            for item in items {
                for (k, v) in item.as_object().into_iter().flatten() {
                    if is_scalar(v) && !header.contains(k) {
                        header.push(k.clone());
                    }
                }
            }
            header.sort();
            let rows: Vec<Vec<String>> = items
                .iter()
                .map(|item| {
                    header
                        .iter()
                        .map(|h| item.get(h).map(scalar_text).unwrap_or_default())
                        .collect()
                })
                .collect();
            draw(title, Some(&header), &rows, out);
        }
        Value::Array(items) => {
            let rows: Vec<Vec<String>> = items
                .iter()
                .map(|v| {
                    vec![if is_scalar(v) {
                        scalar_text(v)
                    } else {
                        v.to_string()
                    }]
                })
                .collect();
            draw(title, None, &rows, out);
        }
        scalar => draw(title, None, &[vec![scalar_text(scalar)]], out),
    }
}

/// Pretty JSON with ANSI colors: keys blue, strings green, other scalars yellow.
fn color_json(value: &Value, indent: usize) -> String {
    const KEY: &str = "\x1b[34m";
    const STR: &str = "\x1b[32m";
    const LIT: &str = "\x1b[33m";
    const END: &str = "\x1b[0m";
    let pad = "    ".repeat(indent + 1);
    let close = "    ".repeat(indent);
    match value {
        Value::Object(o) if !o.is_empty() => {
            let items: Vec<String> = o
                .iter()
                .map(|(k, v)| {
                    format!(
                        "{pad}{KEY}{}{END}: {}",
                        Value::String(k.clone()),
                        color_json(v, indent + 1)
                    )
                })
                .collect();
            format!("{{\n{}\n{close}}}", items.join(",\n"))
        }
        Value::Array(a) if !a.is_empty() => {
            let items: Vec<String> = a
                .iter()
                .map(|v| format!("{pad}{}", color_json(v, indent + 1)))
                .collect();
            format!("[\n{}\n{close}]", items.join(",\n"))
        }
        Value::String(_) => format!("{STR}{value}{END}"),
        Value::Object(_) | Value::Array(_) => value.to_string(),
        _ => format!("{LIT}{value}{END}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn text_as_the_aws_cli() {
        let v = json!({"Functions": [{"FunctionName": "a", "MemorySize": 128}, {"FunctionName": "b", "MemorySize": 256}]});
        assert_eq!(text(&v), "FUNCTIONS\ta\t128\nFUNCTIONS\tb\t256\n");
        assert_eq!(text(&json!(["a", "b"])), "a\tb\n");
    }

    #[test]
    fn tables_have_a_column_per_member() {
        let t = table(&json!([{"Name": "a", "Version": "1"}]), "ListVersions");
        assert!(t.contains("ListVersions"), "{t}");
        assert!(t.contains("| Name | Version |"), "{t}");
        assert!(t.contains("| a    | 1       |"), "{t}");
    }

    #[test]
    fn colors_only_when_asked() {
        let plain = Output::new(None, None, Some("off")).unwrap();
        assert!(!plain.color);
        assert!(color_json(&json!({"a": "b"}), 0).contains("\x1b[34m"));
    }
}
