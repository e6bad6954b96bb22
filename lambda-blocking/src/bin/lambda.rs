//! `lambda`: call any operation of the Lambda API from the command line.
//!
//! ```text
//! lambda [--region R] [--profile P] [--endpoint-url URL] [--dry-run]
//!        [--signing-time RFC3339] [--no-paginate] <operation> [--cli-input-json JSON|file://PATH]
//! ```
//!
//! `<operation>` is the kebab-case name (`get-function`); the input is a JSON object of the
//! model's member names, as the AWS CLI's `--cli-input-json` takes it. The output is printed
//! as JSON; paginated operations follow all pages (unless `--no-paginate`) and print them
//! merged. Service errors, and exception events of a streamed invocation, go to standard
//! error as `{"code","message","request_id","status"}` (`status` is null for an event) with
//! exit status 254; usage errors exit with 252, other failures with 255. `--signing-time`
//! signs every request as of that instant, sent or dry run (a sent request that the service
//! refuses for its time is retried once at the service's time, as without the option).
#![forbid(unsafe_code)]

#[path = "lambda/invoke_many.rs"]
mod invoke_many;

use std::io::Write;
use std::process::ExitCode;

use base64::Engine as _;
use lambda_blocking::{Client, ClientBuilder, StreamError};
use lambda_proto::dynamic::{self, JsonPaginator, OperationInfo};
use lambda_proto::endpoint::Endpoint;
use lambda_proto::error::ValidationError;
use lambda_proto::event_stream::ResponseStreamEvent;
use lambda_proto::operations::InvokeWithResponseStream;
use lambda_proto::sigv4::{Signer, SigningParams};
use lambda_proto::{Error, Operation, OperationError};
use serde_json::{json, Map, Value};

/// Exit status of usage errors (as the AWS CLI).
const USAGE: u8 = 252;
/// Exit status of service errors (as the AWS CLI).
const SERVICE: u8 = 254;
/// Exit status of other failures.
const FAILURE: u8 = 255;

const HELP: &str = "usage: lambda [--region R] [--profile P] [--endpoint-url URL] [--dry-run]
              [--signing-time RFC3339] [--no-paginate] <operation>
              [--cli-input-json JSON|file://PATH]

<operation> is a kebab-case Lambda operation name (get-function, list-functions, ...);
`lambda --list` prints them all.";

#[derive(Debug, Default)]
struct Args {
    region: Option<String>,
    profile: Option<String>,
    endpoint_url: Option<String>,
    dry_run: bool,
    signing_time: Option<String>,
    no_paginate: bool,
    operation: Option<String>,
    input: Option<String>,
    list: bool,
    help: bool,
    /// The arguments after `invoke-many`, which parses its own.
    rest: Vec<String>,
}

fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Args, String> {
    let mut out = Args::default();
    while let Some(arg) = args.next() {
        if arg == "invoke-many" && out.operation.is_none() {
            (out.operation, out.rest) = (Some(arg), args.collect());
            break;
        }
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
            _ => (arg.clone(), None),
        };
        let mut value = |name: &str| {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or_else(|| format!("{name} needs a value"))
        };
        match flag.as_str() {
            "--region" => out.region = Some(value("--region")?),
            "--profile" => out.profile = Some(value("--profile")?),
            "--endpoint-url" => out.endpoint_url = Some(value("--endpoint-url")?),
            "--signing-time" => out.signing_time = Some(value("--signing-time")?),
            "--cli-input-json" => out.input = Some(value("--cli-input-json")?),
            "--dry-run" => out.dry_run = true,
            "--no-paginate" => out.no_paginate = true,
            "--list" => out.list = true,
            "--help" | "-h" | "help" => out.help = true,
            other if other.starts_with('-') => return Err(format!("unknown option {other}")),
            other => {
                if out.operation.is_some() {
                    return Err(format!("unexpected argument {other}"));
                }
                out.operation = Some(other.to_string());
            }
        }
    }
    Ok(out)
}

/// Why the program stops, with its exit status.
struct Failure {
    status: u8,
    message: String,
}

impl Failure {
    fn usage(message: impl Into<String>) -> Self {
        Failure {
            status: USAGE,
            message: message.into(),
        }
    }

    fn other(message: impl std::fmt::Display) -> Self {
        Failure {
            status: FAILURE,
            message: message.to_string(),
        }
    }

    /// A call's error: service errors as JSON, the rest as text.
    fn call<E>(err: &Error<E>) -> Self
    where
        E: std::fmt::Debug,
    {
        match err {
            Error::Service(e) => {
                Failure::service(e.code(), e.message(), e.request_id(), Some(e.status()))
            }
            Error::Validation(e) => Failure::usage(e.to_string()),
            other => Failure::other(other),
        }
    }

    /// A service error as JSON: `{"code","message","request_id","status"}`.
    fn service(code: &str, message: &str, request_id: Option<&str>, status: Option<u16>) -> Self {
        Failure {
            status: SERVICE,
            message: json!({
                "code": code,
                "message": message,
                "request_id": request_id,
                "status": status,
            })
            .to_string(),
        }
    }
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            let _ = writeln!(std::io::stderr(), "{}", f.message);
            ExitCode::from(f.status)
        }
    }
}

/// The command line as text: an argument that is not UTF-8 is a usage error.
fn utf8_args() -> Result<Vec<String>, Failure> {
    std::env::args_os()
        .skip(1)
        .map(|a| {
            a.into_string()
                .map_err(|a| Failure::usage(format!("argument {a:?} is not valid UTF-8 text")))
        })
        .collect()
}

/// Building the client failed: a missing or invalid region is a usage error (the user
/// fixes it with `--region`), anything else a failure.
fn build_failure(e: lambda_blocking::BuildError) -> Failure {
    use lambda_blocking::BuildError;
    use lambda_proto::config::ConfigErrorKind;
    let region = match &e {
        BuildError::Endpoint(_) | BuildError::MissingRegion => true,
        BuildError::Config(c) => matches!(c.kind(), ConfigErrorKind::MissingRegion { .. }),
        _ => false,
    };
    if region {
        Failure::usage(format!("{e} (give one with --region)"))
    } else {
        Failure::other(e)
    }
}

/// 16 random bytes for an idempotency token, from the standard library's per-process
/// random hash keys.
fn random_token_bytes() -> [u8; 16] {
    use std::hash::{BuildHasher, Hasher};
    let mut bytes = [0u8; 16];
    for (i, chunk) in bytes.chunks_mut(8).enumerate() {
        let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
        hasher.write_usize(i);
        chunk.copy_from_slice(&hasher.finish().to_be_bytes());
    }
    bytes
}

/// A client builder from the environment and the global options.
fn client_builder(args: &Args) -> Result<ClientBuilder, Failure> {
    let profile = args.profile.clone();
    let env = move |var: &str| match (var, &profile) {
        ("AWS_PROFILE", Some(p)) => Some(p.clone()),
        _ => std::env::var(var).ok(),
    };
    let mut builder = ClientBuilder::from_env_lookup(&env).map_err(build_failure)?;
    if let Some(region) = &args.region {
        builder = builder.region(region);
    }
    if let Some(url) = &args.endpoint_url {
        builder = builder.endpoint_url(url);
    }
    Ok(builder)
}

fn run() -> Result<(), Failure> {
    let args = parse_args(utf8_args()?.into_iter()).map_err(Failure::usage)?;
    if args.help {
        println!("{HELP}");
        return Ok(());
    }
    if args.list {
        for op in dynamic::operations() {
            println!("{}", op.cli_name);
        }
        return Ok(());
    }
    let name = args
        .operation
        .as_deref()
        .ok_or_else(|| Failure::usage(HELP))?;
    if name == "invoke-many" {
        let builder =
            client_builder(&args)?.read_timeout(Some(lambda_blocking::DEFAULT_INVOKE_READ_TIMEOUT));
        let client = builder.build().map_err(build_failure)?;
        std::process::exit(i32::from(invoke_many::run(&client, &args.rest)));
    }
    let info = dynamic::find(name)
        .ok_or_else(|| Failure::usage(format!("unknown operation {name:?} (see lambda --list)")))?;
    let mut input = read_input(args.input.as_deref())?;
    // Check the input's shape early: errors name the member that does not fit.
    info.canonical_input(&input)
        .map_err(|e| Failure::usage(e.to_string()))?;

    let mut builder = client_builder(&args)?;
    if info.name.starts_with("Invoke") {
        builder = builder.read_timeout(Some(lambda_blocking::DEFAULT_INVOKE_READ_TIMEOUT));
    }
    let signing_time = match &args.signing_time {
        Some(t) => Some(
            time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339)
                .map_err(|e| Failure::usage(format!("--signing-time {t:?}: {e}")))?,
        ),
        None => None,
    };
    if let Some(t) = signing_time {
        builder = builder.signing_clock(move || t);
    }
    let client = builder.build().map_err(build_failure)?;

    if args.dry_run {
        // The request as it would be sent: with the idempotency token a send fills in.
        info.fill_idempotency_token(&mut input, random_token_bytes());
        let time = signing_time.unwrap_or_else(time::OffsetDateTime::now_utc);
        return dry_run(&client, info, &input, time);
    }
    if info.name == InvokeWithResponseStream::NAME {
        return stream(&client, &input);
    }
    let output = if info.is_paginated() && !args.no_paginate {
        all_pages(&client, info, input)?
    } else {
        send(&client, info, input)?
    };
    print_json(&output);
    Ok(())
}

fn read_input(arg: Option<&str>) -> Result<Value, Failure> {
    let text = match arg {
        None => return Ok(Value::Object(Map::new())),
        Some(a) => match a.strip_prefix("file://") {
            Some(path) => std::fs::read_to_string(path)
                .map_err(|e| Failure::usage(format!("cannot read {path}: {e}")))?,
            None => a.to_string(),
        },
    };
    let value: Value = serde_json::from_str(&text)
        .map_err(|e| Failure::usage(format!("--cli-input-json is not valid JSON: {e}")))?;
    if !value.is_object() {
        return Err(Failure::usage("--cli-input-json must be a JSON object"));
    }
    Ok(value)
}

fn print_json(value: &Value) {
    let text = serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string());
    println!("{text}");
}

/// Prints the signed request without sending it.
fn dry_run(
    client: &Client,
    info: &OperationInfo,
    input: &Value,
    time: time::OffsetDateTime,
) -> Result<(), Failure> {
    let mut request = info
        .build(input, client.endpoint())
        .map_err(|e| Failure::usage(e.to_string()))?;
    let credentials = client.credentials().map_err(Failure::other)?;
    let params = SigningParams::new(
        &credentials,
        client.region(),
        lambda_proto::call::SIGNING_NAME,
        time,
    );
    Signer::new()
        .sign(&mut request, &params)
        .map_err(Failure::other)?;
    let mut headers = Map::new();
    for (name, value) in request.headers() {
        let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
        headers.insert(name.as_str().to_string(), Value::String(value));
    }
    print_json(&json!({
        "method": request.method().as_str(),
        "url": request.uri().to_string(),
        "headers": headers,
        "body_base64": base64::engine::general_purpose::STANDARD.encode(request.body()),
    }));
    Ok(())
}

/// One operation of the dynamic table sent through the typed retry loop: the output is the
/// raw 2xx response, which the table then renders as JSON.
#[derive(Clone)]
struct DynamicCall {
    info: &'static OperationInfo,
    input: Value,
}

/// The service error of a [`DynamicCall`]: its code (the message and request id are in the
/// error's metadata).
#[derive(Debug)]
struct DynamicError;

impl OperationError for DynamicError {
    fn from_response(_code: &str, _response: &http::Response<Vec<u8>>) -> Self {
        DynamicError
    }
}

impl Operation for DynamicCall {
    const NAME: &'static str = "Dynamic";
    type Output = http::Response<Vec<u8>>;
    type Error = DynamicError;

    fn validate(&self) -> Result<(), ValidationError> {
        self.info.canonical_input(&self.input).map(|_| ())
    }

    fn needs_idempotency_token(&self) -> bool {
        self.info
            .idempotency_token
            .is_some_and(|member| self.input.get(member).is_none())
    }

    fn fill_idempotency_token(&mut self, token: &str) -> bool {
        match (self.info.idempotency_token, self.input.as_object_mut()) {
            (Some(member), Some(object)) if !object.contains_key(member) => {
                object.insert(member.to_string(), Value::String(token.to_string()));
                true
            }
            _ => false,
        }
    }

    fn build(&self, endpoint: &Endpoint) -> Result<http::Request<Vec<u8>>, ValidationError> {
        self.info.build(&self.input, endpoint)
    }

    fn parse(response: http::Response<Vec<u8>>) -> Result<Self::Output, Error<Self::Error>> {
        if lambda_proto::rest_json::is_success(response.status()) {
            Ok(response)
        } else {
            Err(lambda_proto::rest_json::parse_error(&response))
        }
    }
}

fn send(client: &Client, info: &'static OperationInfo, input: Value) -> Result<Value, Failure> {
    let response = client
        .send(DynamicCall { info, input })
        .map_err(|e| Failure::call(&e))?;
    info.parse(response).map_err(|e| Failure::call(&e))
}

/// Follows all pages the model's way (the core's [`JsonPaginator`]) and merges them as the
/// AWS CLI does: the first page with the items of all pages and no next token.
fn all_pages(
    client: &Client,
    info: &'static OperationInfo,
    input: Value,
) -> Result<Value, Failure> {
    let Some(mut pages) = JsonPaginator::new(info, input.clone()) else {
        return send(client, info, input);
    };
    let p = *pages.info();
    let mut merged: Option<Value> = None;
    let mut items = Vec::new();
    while let Some(input) = pages.next_request().cloned() {
        let page = send(client, info, input)?;
        if merged.is_none() {
            merged = Some(page.clone());
        }
        items.extend(pages.on_page(page));
    }
    let mut merged = merged.unwrap_or_else(|| Value::Object(Map::new()));
    if let Value::Object(o) = &mut merged {
        o.remove(p.output_token);
        o.insert(p.result_key.to_string(), Value::Array(items));
    }
    Ok(merged)
}

/// Prints one JSON line per event of a streamed invocation.
fn stream(client: &Client, input: &Value) -> Result<(), Failure> {
    let op: InvokeWithResponseStream = serde_json::from_value(input.clone())
        .map_err(|e| Failure::usage(format!("invalid input: {e}")))?;
    let events = client
        .invoke_with_response_stream(op)
        .map_err(|e| Failure::call(&e))?;
    let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
    let request_id = events.request_id().map(str::to_string);
    let mut stdout = std::io::stdout().lock();
    // The head first (StatusCode, ExecutedVersion, ResponseStreamContentType: those the
    // answer had), then one line per event.
    let head = serde_json::to_value(events.output()).map_err(Failure::other)?;
    let _ = writeln!(stdout, "{head}");
    for event in events {
        let line = match event {
            Ok(ResponseStreamEvent::PayloadChunk(bytes)) => {
                json!({"PayloadChunk": {"Payload": b64(&bytes)}})
            }
            Ok(ResponseStreamEvent::InvokeComplete {
                error_code,
                error_details,
                log_result,
            }) => {
                // Only the members the event had: absent is not null.
                let members = [
                    ("ErrorCode", error_code),
                    ("ErrorDetails", error_details),
                    ("LogResult", log_result),
                ];
                let present: Map<String, Value> = members
                    .into_iter()
                    .filter_map(|(k, v)| Some((k.to_string(), Value::String(v?))))
                    .collect();
                json!({ "InvokeComplete": present })
            }
            Ok(ResponseStreamEvent::Unknown {
                event_type,
                message,
            }) => {
                json!({ event_type: {"Payload": b64(&message.payload)} })
            }
            // An exception or error event is a service error (the head said 200).
            Err(StreamError::Decode(e)) => {
                return Err(match e.service_code() {
                    Some(code) => Failure::service(
                        code,
                        e.service_message().unwrap_or_default(),
                        request_id.as_deref(),
                        None,
                    ),
                    None => Failure::other(e),
                })
            }
            Err(e) => return Err(Failure::other(e)),
        };
        let _ = writeln!(stdout, "{line}");
        let _ = stdout.flush();
    }
    Ok(())
}
