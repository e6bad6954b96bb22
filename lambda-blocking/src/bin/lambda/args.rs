//! The command line as a `clap` command built from the model: global options, one
//! subcommand per operation with one option per input member, `wait`, `help`, `completion`.

use clap::{Arg, ArgAction, Command};
use lambda_proto::dynamic::{self, OperationInfo};
use lambda_proto::model::{self, MemberInfo, ShapeKind};

use crate::extra;

/// Global options that take a value: (long name, value name, help).
const GLOBAL_VALUES: &[(&str, &str, &str)] = &[
    ("region", "REGION", "The region to call"),
    (
        "profile",
        "PROFILE",
        "The profile of the shared files to use",
    ),
    (
        "endpoint-url",
        "URL",
        "Call this URL instead of the region's endpoint",
    ),
    (
        "output",
        "FORMAT",
        "Output format: json (default), text or table",
    ),
    (
        "query",
        "JMESPATH",
        "A JMESPath query applied to the output (after pagination)",
    ),
    (
        "color",
        "WHEN",
        "Color of JSON output: on, off or auto (default: auto, off when not a terminal)",
    ),
    (
        "cli-binary-format",
        "FORMAT",
        "How blob arguments are read: base64 (default) or raw-in-base64-out",
    ),
    (
        "cli-connect-timeout",
        "SECONDS",
        "Connect timeout in seconds (0: none)",
    ),
    (
        "cli-read-timeout",
        "SECONDS",
        "Read timeout in seconds (0: none)",
    ),
    (
        "ca-bundle",
        "PATH",
        "PEM file of extra trusted root certificates (or AWS_CA_BUNDLE)",
    ),
    (
        "signing-time",
        "RFC3339",
        "Sign every request as of this instant",
    ),
];

/// Global flags: (long name, help).
const GLOBAL_FLAGS: &[(&str, &str)] = &[
    (
        "debug",
        "Print each request and response head on standard error (secrets redacted)",
    ),
    ("no-paginate", "Print the first page only"),
    (
        "no-sign-request",
        "Do not sign requests (no credentials are read)",
    ),
    ("dry-run", "Print the signed request instead of sending it"),
    (
        "no-cli-pager",
        "Accepted for the AWS CLI's sake: output is never paged",
    ),
    ("list", "List the operations"),
];

/// The AWS CLI's `--zip-file` options: (operation, structure member, its blob member).
pub const ZIP_FILE: &[(&str, &str, &str)] = &[
    ("CreateFunction", "Code", "ZipFile"),
    ("PublishLayerVersion", "Content", "ZipFile"),
];

/// The operations with an outfile argument, as the AWS CLI.
pub const OUTFILE_OPERATIONS: &[&str] = &["Invoke", "InvokeWithResponseStream"];

/// `FunctionName` -> `function-name`, `KMSKeyArn` -> `kms-key-arn` (the AWS CLI's names).
pub fn kebab(name: &str) -> String {
    let name = name.replace("IPv6", "Ipv6");
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                let prev = chars[i - 1];
                let next_lower = chars.get(i + 1).is_some_and(|n| n.is_ascii_lowercase());
                if prev.is_ascii_lowercase()
                    || prev.is_ascii_digit()
                    || (prev.is_ascii_uppercase() && next_lower)
                {
                    out.push('-');
                }
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// Whether `long` is a global option's name.
fn is_global(long: &str) -> bool {
    GLOBAL_VALUES.iter().any(|g| g.0 == long)
        || GLOBAL_FLAGS.iter().any(|g| g.0 == long)
        || ["help", "version"].contains(&long)
}

/// The input members an operation takes as options: all but the paginator's token and
/// page size, which `--starting-token` and `--page-size` replace (as the AWS CLI).
pub fn option_members(info: &OperationInfo) -> Vec<&'static MemberInfo> {
    let input = model::operation(info.name)
        .and_then(|o| model::shape(o.input))
        .map(|s| s.members())
        .unwrap_or(&[]);
    input
        .iter()
        .filter(|m| match info.paginator {
            Some(p) => m.name != p.input_token && Some(m.name) != p.limit_key,
            None => true,
        })
        .filter(|m| !is_global(&kebab(m.name)))
        .collect()
}

/// The short type name of a shape for help and value names.
pub fn type_name(shape: &str) -> String {
    match model::shape(shape).map(|s| s.kind) {
        Some(ShapeKind::String) => "string".into(),
        Some(ShapeKind::Enum(_)) => "enum".into(),
        Some(ShapeKind::Integer) => "integer".into(),
        Some(ShapeKind::Long) => "long".into(),
        Some(ShapeKind::Boolean) => "boolean".into(),
        Some(ShapeKind::Double | ShapeKind::Float) => "double".into(),
        Some(ShapeKind::Blob) => "blob".into(),
        Some(ShapeKind::Timestamp) => "timestamp".into(),
        Some(ShapeKind::List(item)) => format!("list of {}", type_name(item)),
        Some(ShapeKind::Map(..)) => "map".into(),
        Some(ShapeKind::Structure(_)) => "structure".into(),
        None => "value".into(),
    }
}

/// The clap id of a member's option (`--no-X` of a boolean: [`no_id`]).
pub fn member_id(member: &str) -> String {
    format!("m:{member}")
}

/// The clap id of a boolean member's `--no-X`.
pub fn no_id(member: &str) -> String {
    format!("no:{member}")
}

fn member_args(m: &MemberInfo) -> Vec<Arg> {
    let long = kebab(m.name);
    let shape = model::shape(m.shape);
    let required = if m.required { " (required)" } else { "" };
    let help = format!("{} {}{required}", m.name, type_name(m.shape));
    match shape.map(|s| s.kind) {
        Some(ShapeKind::Boolean) => vec![
            Arg::new(member_id(m.name))
                .long(long.clone())
                .action(ArgAction::SetTrue)
                .help(help),
            Arg::new(no_id(m.name))
                .long(format!("no-{long}"))
                .action(ArgAction::SetTrue)
                .conflicts_with(member_id(m.name))
                .help(format!("{} false", m.name)),
        ],
        Some(ShapeKind::List(_)) => vec![Arg::new(member_id(m.name))
            .long(long)
            .num_args(1..)
            .action(ArgAction::Append)
            .value_name(type_name(m.shape).to_uppercase().replace(' ', "_"))
            .help(help)],
        _ => vec![Arg::new(member_id(m.name))
            .long(long)
            .action(ArgAction::Set)
            .value_name(type_name(m.shape).to_uppercase())
            .help(help)],
    }
}

/// The subcommand of one operation.
pub fn operation_command(info: &'static OperationInfo) -> Command {
    let mut cmd = Command::new(info.cli_name)
        .about(format!(
            "{} {} ({})",
            info.method, info.request_uri, info.name
        ))
        .disable_help_flag(true);
    for m in option_members(info) {
        cmd = cmd.args(member_args(m));
    }
    cmd = cmd
        .arg(
            Arg::new("cli-input-json")
                .long("cli-input-json")
                .value_name("JSON|file://PATH")
                .help("The input as a JSON object of member names (options win over it)"),
        )
        .arg(
            Arg::new("generate-cli-skeleton")
                .long("generate-cli-skeleton")
                .num_args(0..=1)
                .default_missing_value("input")
                .value_parser(["input", "output"])
                .help("Print a JSON template of the input (or output) and exit"),
        );
    if ZIP_FILE.iter().any(|z| z.0 == info.name) {
        cmd = cmd.arg(
            Arg::new("zip-file")
                .long("zip-file")
                .value_name("fileb://PATH")
                .help("The zip archive (its ZipFile member)"),
        );
    }
    if info.is_paginated() {
        cmd = cmd
            .arg(
                Arg::new("max-items")
                    .long("max-items")
                    .value_name("N")
                    .help("Total items to print"),
            )
            .arg(
                Arg::new("starting-token")
                    .long("starting-token")
                    .value_name("TOKEN")
                    .help("Resume where a NextToken left off"),
            )
            .arg(
                Arg::new("page-size")
                    .long("page-size")
                    .value_name("N")
                    .help("Items per service call"),
            );
    }
    if OUTFILE_OPERATIONS.contains(&info.name) {
        cmd = cmd.arg(
            Arg::new("outfile")
                .value_name("OUTFILE")
                .help("Where the payload goes (- for standard output)"),
        );
    }
    cmd
}

/// The `wait` command with one subcommand per waiter of the model.
fn wait_command() -> Command {
    let mut cmd = Command::new("wait")
        .about("Wait until a resource reaches a state (the model's waiters)")
        .disable_help_flag(true);
    for spec in crate::wait::SPECS {
        let info = dynamic::find(spec.operation).expect("waiters poll operations of the table");
        let mut sub = Command::new(kebab(spec.name))
            .about(format!(
                "Polls {} every {} s, {} times at most",
                spec.operation, spec.delay_seconds, spec.max_attempts
            ))
            .disable_help_flag(true);
        for m in option_members(info) {
            sub = sub.args(member_args(m));
        }
        sub = sub.arg(
            Arg::new("cli-input-json")
                .long("cli-input-json")
                .value_name("JSON|file://PATH"),
        );
        cmd = cmd.subcommand(sub);
    }
    cmd
}

/// The whole command line.
pub fn command() -> Command {
    let mut root = Command::new("lambda")
        .version(env!("CARGO_PKG_VERSION"))
        .about("Call any operation of the AWS Lambda API, as `aws lambda` does")
        .disable_help_flag(true)
        .disable_help_subcommand(true);
    for (long, value, help) in GLOBAL_VALUES {
        root = root.arg(
            Arg::new(*long)
                .long(*long)
                .value_name(*value)
                .help(*help)
                .global(true),
        );
    }
    for (long, help) in GLOBAL_FLAGS {
        root = root.arg(
            Arg::new(*long)
                .long(*long)
                .action(ArgAction::SetTrue)
                .help(*help)
                .global(true),
        );
    }
    root = root.arg(
        Arg::new("help")
            .long("help")
            .short('h')
            .action(ArgAction::SetTrue)
            .help("Print help")
            .global(true),
    );
    for info in dynamic::operations() {
        root = root.subcommand(operation_command(info));
    }
    root.subcommand(wait_command())
        .subcommand(
            Command::new("help")
                .about("Help on the program or on one command")
                .disable_help_flag(true)
                .arg(Arg::new("topic").num_args(0..)),
        )
        .subcommand(
            Command::new("completion")
                .about("Print a shell completion script")
                .disable_help_flag(true)
                .arg(Arg::new("shell").required(true).value_parser([
                    "bash",
                    "zsh",
                    "fish",
                    "elvish",
                    "powershell",
                ])),
        )
        .subcommands(extra::commands())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_is_well_formed() {
        command().debug_assert();
    }

    #[test]
    fn names_as_the_aws_cli() {
        for (model, cli) in [
            ("FunctionName", "function-name"),
            ("KMSKeyArn", "kms-key-arn"),
            ("S3Bucket", "s3-bucket"),
            ("IPv6AllowedForDualStack", "ipv6-allowed-for-dual-stack"),
            ("FunctionActiveV2", "function-active-v2"),
        ] {
            assert_eq!(kebab(model), cli);
        }
    }
}
