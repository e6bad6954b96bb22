//! Help from the model (HTTP binding, members with types, required flags, limits, enum
//! values, API reference link) and `--generate-cli-skeleton` templates.

use std::fmt::Write as _;

use lambda_proto::dynamic::{self, OperationInfo};
use lambda_proto::model::{self, Location, MemberInfo, ShapeKind};
use serde_json::{json, Map, Value};

use crate::args::{kebab, option_members, type_name, OUTFILE_OPERATIONS};

/// The API reference page of an operation.
pub fn reference_url(name: &str) -> String {
    format!("https://docs.aws.amazon.com/lambda/latest/api/API_{name}.html")
}

/// The program's help: usage, global options, commands.
pub fn global(cmd: &mut clap::Command) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "usage: lambda [global options] <command> [options]\n");
    let _ = writeln!(
        out,
        "Call any operation of the AWS Lambda API as `aws lambda` does."
    );
    let _ = writeln!(
        out,
        "`lambda <command> help` describes a command.\n\nGlobal options:"
    );
    for arg in cmd.get_arguments() {
        if let Some(long) = arg.get_long() {
            let value = arg
                .get_value_names()
                .and_then(|v| v.first())
                .map(|v| format!(" <{v}>"))
                .unwrap_or_default();
            let help = arg.get_help().map(ToString::to_string).unwrap_or_default();
            let _ = writeln!(out, "  --{long}{value}\n      {help}");
        }
    }
    let _ = writeln!(out, "  --version\n      Print the version\n\nCommands:");
    for op in dynamic::operations() {
        let _ = writeln!(
            out,
            "  {:<45} {} {}",
            op.cli_name, op.method, op.request_uri
        );
    }
    let _ = writeln!(
        out,
        "  {:<45} wait until a resource reaches a state (`lambda wait help`)",
        "wait"
    );
    let _ = writeln!(
        out,
        "  {:<45} shell completions: bash, zsh, fish, elvish, powershell",
        "completion"
    );
    for extra in crate::extra::EXTRA {
        let _ = writeln!(out, "  {:<45} {}", extra.name, extra.about);
    }
    out
}

fn location(m: &MemberInfo) -> String {
    match m.location {
        Location::Body => "body".into(),
        Location::Uri => format!("path label {{{}}}", m.location_name),
        Location::Query => format!("query ?{}=", m.location_name),
        Location::Header => format!("header {}", m.location_name),
        Location::StatusCode => "status code".into(),
    }
}

fn limits(shape: &str) -> String {
    let Some(s) = model::shape(shape) else {
        return String::new();
    };
    let what = if matches!(
        s.kind,
        ShapeKind::Integer | ShapeKind::Long | ShapeKind::Double | ShapeKind::Float
    ) {
        "value"
    } else {
        "length"
    };
    let mut parts = Vec::new();
    if let Some(min) = s.min {
        parts.push(format!("{what} >= {min}"));
    }
    if let Some(max) = s.max {
        parts.push(format!("{what} <= {max}"));
    }
    if let ShapeKind::Enum(values) = s.kind {
        parts.push(format!("one of: {}", values.join(", ")));
    }
    if s.sensitive {
        parts.push("sensitive".into());
    }
    parts.join("; ")
}

/// One member's help lines.
fn member(out: &mut String, m: &MemberInfo) {
    let long = kebab(m.name);
    let flag = if matches!(
        model::shape(m.shape).map(|s| s.kind),
        Some(ShapeKind::Boolean)
    ) {
        format!("--{long} | --no-{long}")
    } else {
        format!("--{long} <{}>", type_name(m.shape))
    };
    let required = if m.required { "required" } else { "optional" };
    let _ = writeln!(
        out,
        "  {flag}\n      {} ({required}, {})",
        m.name,
        location(m)
    );
    let l = limits(m.shape);
    if !l.is_empty() {
        let _ = writeln!(out, "      {l}");
    }
}

/// An operation's help.
pub fn operation(info: &OperationInfo) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{} ({})\n", info.cli_name, info.name);
    let _ = writeln!(out, "HTTP: {} {}", info.method, info.request_uri);
    let _ = writeln!(out, "API reference: {}\n", reference_url(info.name));
    let outfile = if OUTFILE_OPERATIONS.contains(&info.name) {
        " [OUTFILE]"
    } else {
        ""
    };
    let _ = writeln!(
        out,
        "usage: lambda {} [options]{outfile}\n\nOptions:",
        info.cli_name
    );
    for m in option_members(info) {
        member(&mut out, m);
    }
    let _ = writeln!(out, "  --cli-input-json <JSON|file://PATH>\n      the input as a JSON object of member names (options win over it)");
    let _ = writeln!(
        out,
        "  --generate-cli-skeleton [input|output]\n      print a JSON template and exit"
    );
    if let Some(p) = info.paginator {
        let _ = writeln!(
            out,
            "\nPagination ({} -> {}, items in {}):",
            p.input_token, p.output_token, p.result_key
        );
        let _ = writeln!(
            out,
            "  --max-items <N>        total items to print (then NextToken)"
        );
        let _ = writeln!(out, "  --starting-token <T>   resume from a NextToken");
        let _ = writeln!(
            out,
            "  --page-size <N>        items per call{}",
            p.limit_key.map(|k| format!(" ({k})")).unwrap_or_default()
        );
        let _ = writeln!(out, "  --no-paginate          the first page only");
    }
    if !outfile.is_empty() {
        let _ = writeln!(
            out,
            "\nOUTFILE: where the payload goes (- for standard output)."
        );
        let _ = writeln!(out, "Blobs are base64 unless --cli-binary-format raw-in-base64-out; fileb://PATH reads bytes.");
    }
    if let Some(output) = model::operation(info.name).and_then(|o| o.output) {
        let _ = writeln!(out, "\nOutput ({output}):");
        for m in model::shape(output).map(|s| s.members()).unwrap_or(&[]) {
            let _ = writeln!(out, "  {} <{}>", m.name, type_name(m.shape));
        }
    }
    out
}

/// The help of `wait` or of one waiter.
pub fn wait(name: Option<&str>) -> String {
    let mut out = String::new();
    match name.and_then(crate::wait::find) {
        Some(spec) => {
            let info = dynamic::find(spec.operation).expect("waiters poll operations of the table");
            let _ = writeln!(out, "wait {} ({})\n", kebab(spec.name), spec.name);
            let _ = writeln!(out, "Polls {} every {} s, {} times at most; exit 0 when the state is reached, 255 otherwise.\n", spec.operation, spec.delay_seconds, spec.max_attempts);
            let _ = writeln!(out, "Options:");
            for m in option_members(info) {
                member(&mut out, m);
            }
        }
        None => {
            let _ = writeln!(out, "usage: lambda wait <waiter> [options]\n\nWaiters:");
            for spec in crate::wait::SPECS {
                let _ = writeln!(out, "  {:<28} polls {}", kebab(spec.name), spec.operation);
            }
        }
    }
    out
}

/// A JSON template of a shape: every member with a placeholder of its type.
pub fn skeleton(shape: &str, depth: usize) -> Value {
    let Some(s) = model::shape(shape) else {
        return Value::Null;
    };
    if depth > 8 {
        return json!({});
    }
    match s.kind {
        ShapeKind::String | ShapeKind::Blob | ShapeKind::Timestamp => json!(""),
        ShapeKind::Enum(values) => json!(values.first().copied().unwrap_or("")),
        ShapeKind::Integer | ShapeKind::Long => json!(0),
        ShapeKind::Double | ShapeKind::Float => json!(0.0),
        ShapeKind::Boolean => json!(true),
        ShapeKind::List(item) => json!([skeleton(item, depth + 1)]),
        ShapeKind::Map(_, item) => json!({ "KeyName": skeleton(item, depth + 1) }),
        ShapeKind::Structure(members) => Value::Object(
            members
                .iter()
                .map(|m| (m.name.to_string(), skeleton(m.shape, depth + 1)))
                .collect::<Map<String, Value>>(),
        ),
    }
}

/// `--generate-cli-skeleton input|output` of an operation.
pub fn operation_skeleton(info: &OperationInfo, which: &str) -> Value {
    let shapes = model::operation(info.name).expect("every operation is in the model");
    let shape = if which == "output" {
        shapes.output
    } else {
        Some(shapes.input)
    };
    shape.map_or_else(|| json!({}), |s| skeleton(s, 0))
}
