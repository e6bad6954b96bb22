//! `lambda invoke-many`: one function invoked over a file of JSON payloads.
//!
//! ```text
//! lambda [global options] invoke-many --function-name F --payloads FILE|-
//!        [--qualifier Q] [--concurrency N] [--ordered] [--stop-on-error] [--no-progress]
//! ```
//!
//! Reads one JSON payload per line (blank lines skipped) and writes one JSON object per
//! line: `index` (the payload's line among the non-blank ones, from 0), then what the
//! service answered: `StatusCode`, `payload` (the function's answer, as JSON when it is
//! JSON, else as text), `FunctionError`, or `error` (`code`, `message`, `request_id`,
//! `status`). Members the service did not send are left out. A progress bar goes to
//! standard error when it is a terminal, a summary line at the end. Exit status: 0 when
//! every invocation succeeded, 254 when some failed (service or function errors), 252 for
//! usage errors, 255 when the payloads could not be read or the output not written.

use std::fs::File;
use std::io::{self, BufRead, BufReader, IsTerminal, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine as _;
use indicatif::{ProgressBar, ProgressStyle};
use lambda_blocking::{Client, FanoutOptions, InvokeResult};
use lambda_proto::Error;
use serde_json::{json, Map, Value};

const USAGE: u8 = 252;
const SERVICE: u8 = 254;
const FAILURE: u8 = 255;

/// The default number of invocations at a time.
const DEFAULT_CONCURRENCY: usize = 32;

const HELP: &str = "usage: lambda [global options] invoke-many --function-name F --payloads FILE|-
              [--qualifier Q] [--concurrency N] [--ordered] [--stop-on-error] [--no-progress]

Invokes F once per line of FILE (one JSON payload per line; - for standard input), at most
N at a time (default 32; fewer while Lambda throttles), and prints one JSON result per line.";

#[derive(Debug)]
struct Args {
    function: String,
    qualifier: Option<String>,
    payloads: String,
    concurrency: usize,
    ordered: bool,
    stop_on_error: bool,
    progress: bool,
}

fn parse(args: &[String]) -> Result<Option<Args>, String> {
    let (mut function, mut qualifier, mut payloads) = (None, None, None);
    let mut concurrency = DEFAULT_CONCURRENCY;
    let (mut ordered, mut stop_on_error, mut progress) = (false, false, true);
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f, Some(v.to_string())),
            _ => (arg.as_str(), None),
        };
        let mut value = || {
            inline
                .clone()
                .or_else(|| it.next().cloned())
                .ok_or_else(|| format!("{flag} needs a value"))
        };
        match flag {
            "--function-name" => function = Some(value()?),
            "--qualifier" => qualifier = Some(value()?),
            "--payloads" => payloads = Some(value()?),
            "--concurrency" => {
                let v = value()?;
                concurrency = match v.parse::<usize>() {
                    Ok(n) if (1..=4096).contains(&n) => n,
                    _ => return Err(format!("--concurrency {v:?}: a number from 1 to 4096")),
                };
            }
            "--ordered" => ordered = true,
            "--stop-on-error" => stop_on_error = true,
            "--no-progress" => progress = false,
            "--help" | "-h" => return Ok(None),
            other => return Err(format!("invoke-many: unknown argument {other}\n\n{HELP}")),
        }
    }
    let need = |v: Option<String>, name: &str| {
        v.ok_or_else(|| format!("invoke-many: {name} is required\n\n{HELP}"))
    };
    Ok(Some(Args {
        function: need(function, "--function-name")?,
        qualifier,
        payloads: need(payloads, "--payloads")?,
        concurrency,
        ordered,
        stop_on_error,
        progress,
    }))
}

/// Runs `invoke-many` with its own arguments (those after the command name) on `client`;
/// returns the exit status.
pub fn run(client: &Client, args: &[String]) -> u8 {
    let args = match parse(args) {
        Ok(Some(args)) => args,
        Ok(None) => {
            println!("{HELP}");
            return 0;
        }
        Err(message) => {
            eprintln!("{message}");
            return USAGE;
        }
    };
    let reader: Box<dyn BufRead + Send> = if args.payloads == "-" {
        Box::new(BufReader::new(io::stdin()))
    } else {
        match File::open(&args.payloads) {
            Ok(f) => Box::new(BufReader::new(f)),
            Err(e) => {
                eprintln!("invoke-many: cannot open {}: {e}", args.payloads);
                return USAGE;
            }
        }
    };
    let read_error = Arc::new(Mutex::new(None::<String>));
    let payloads = lines(reader, Arc::clone(&read_error));

    let bar = (args.progress && io::stderr().is_terminal()).then(|| {
        let bar = ProgressBar::new_spinner();
        if let Ok(style) = ProgressStyle::with_template("{spinner} {pos} done {msg} [{elapsed}]") {
            bar.set_style(style);
        }
        bar.enable_steady_tick(Duration::from_millis(120));
        bar
    });
    let mut options = FanoutOptions::new(args.concurrency)
        .ordered(args.ordered)
        .stop_on_error(args.stop_on_error);
    if let Some(bar) = bar.clone() {
        options = options.on_progress(move |p| {
            bar.set_position(p.done + p.failed);
            bar.set_message(format!(
                "({} failed), {} in flight, {} throttled, {:.0}/s",
                p.failed, p.in_flight, p.throttled, p.rate
            ));
        });
    }

    let start = Instant::now();
    let results = client.invoke_many(&args.function, args.qualifier.as_deref(), payloads, options);
    let mut out = io::BufWriter::new(io::stdout().lock());
    let mut write_failed = None;
    let mut results = results;
    for (index, result) in results.by_ref() {
        let line = result_json(index, &result).to_string();
        if let Err(e) = writeln!(out, "{line}") {
            write_failed = Some(e);
            results.cancel();
            break;
        }
    }
    let progress = results.progress();
    drop(results);
    let flushed = out.flush();
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    let elapsed = start.elapsed().as_secs_f64();
    let finished = progress.done + progress.failed;
    eprintln!(
        "invoke-many: {} succeeded, {} failed, {} throttled (retried), {:.1} s, {:.0}/s",
        progress.done,
        progress.failed,
        progress.throttled,
        elapsed,
        if elapsed > 0.0 {
            finished as f64 / elapsed
        } else {
            0.0
        }
    );
    if let Some(e) = write_failed.or(flushed.err()) {
        eprintln!("invoke-many: cannot write the results: {e}");
        return FAILURE;
    }
    if let Some(e) = read_error.lock().unwrap_or_else(|e| e.into_inner()).take() {
        eprintln!("invoke-many: cannot read {}: {e}", args.payloads);
        return FAILURE;
    }
    if progress.failed > 0 {
        SERVICE
    } else {
        0
    }
}

/// The non-blank lines of `reader`; a read error ends them and is kept in `error`.
fn lines(
    reader: Box<dyn BufRead + Send>,
    error: Arc<Mutex<Option<String>>>,
) -> impl Iterator<Item = Vec<u8>> + Send + 'static {
    reader
        .split(b'\n')
        .map_while(move |line| match line {
            Ok(line) => Some(line),
            Err(e) => {
                *error.lock().unwrap_or_else(|e| e.into_inner()) = Some(e.to_string());
                None
            }
        })
        .map(|mut line| {
            if line.last() == Some(&b'\r') {
                line.pop();
            }
            line
        })
        .filter(|line| !line.iter().all(u8::is_ascii_whitespace))
}

/// One output line.
fn result_json(index: u64, result: &InvokeResult) -> Value {
    let mut obj = Map::new();
    obj.insert("index".into(), json!(index));
    match result {
        Ok(out) => {
            if let Some(code) = out.status_code {
                obj.insert("StatusCode".into(), json!(code));
            }
            if let Some(payload) = &out.payload {
                let value = serde_json::from_slice::<Value>(payload).unwrap_or_else(|_| {
                    match std::str::from_utf8(payload) {
                        Ok(text) => Value::String(text.to_string()),
                        Err(_) => json!({
                            "base64": base64::engine::general_purpose::STANDARD.encode(payload)
                        }),
                    }
                });
                obj.insert("payload".into(), value);
            }
            if let Some(fe) = &out.function_error {
                obj.insert("FunctionError".into(), json!(fe));
            }
        }
        Err(err) => {
            let error = match err {
                Error::Service(e) => json!({
                    "code": e.code(),
                    "message": e.message(),
                    "request_id": e.request_id(),
                    "status": e.status(),
                }),
                other => json!({ "message": other.to_string() }),
            };
            obj.insert("error".into(), error);
        }
    }
    Value::Object(obj)
}
