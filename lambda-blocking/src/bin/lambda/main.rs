//! `lambda`: the AWS Lambda API from the command line, as `aws lambda` (AWS CLI v2) takes
//! it, in one binary that starts in milliseconds.
//!
//! ```text
//! lambda [global options] <operation> [--member-name VALUE ...] [--cli-input-json JSON]
//! lambda invoke --function-name f --cli-binary-format raw-in-base64-out --payload '{"a":1}' out.json
//! lambda wait function-active-v2 --function-name f
//! lambda <operation> help | --generate-cli-skeleton [input|output]
//! lambda completion bash|zsh|fish
//! ```
//!
//! Every operation and option is generated from the model's table
//! ([`lambda_proto::dynamic`], [`lambda_proto::model`]). Exit statuses are the AWS CLI's:
//! 0, 130 (Ctrl-C), 252 usage, 253 configuration, 254 service error (as JSON
//! `{"code","message","request_id","status"}` on standard error), 255 other failures.
//! `--dry-run` prints the signed request instead of sending it; `--signing-time RFC3339`
//! signs every request as of that instant, sent or dry run (a sent request that the service
//! refuses for its time is retried once at the service's time, as without the option).
#![forbid(unsafe_code)]

mod args;
mod blobs;
mod call;
mod debug;
mod exit;
mod extra;
mod help;
mod input;
mod invoke;
mod invoke_many;
mod output;
mod paging;
mod shorthand;
mod wait;

use std::process::ExitCode;
use std::time::Duration;

use clap::ArgMatches;
use lambda_blocking::{Client, ClientBuilder};
use lambda_proto::dynamic::{self, OperationInfo};

use crate::blobs::BinaryFormat;
use crate::exit::{build_failure, Failure, OK};
use crate::output::Output;

fn main() -> ExitCode {
    // Ctrl-C ends the program with the AWS CLI's status.
    let _ = ctrlc::set_handler(|| std::process::exit(exit::INTERRUPTED));
    match run() {
        Ok(status) => ExitCode::from(status),
        Err(f) => {
            eprintln!("{}", f.message);
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

/// `lambda <command> help` is `lambda <command> --help`, as the AWS CLI.
fn help_word(mut argv: Vec<String>) -> Vec<String> {
    let n = argv.len();
    if n >= 2 && argv[n - 1] == "help" {
        let prev = argv[n - 2].as_str();
        if dynamic::find(prev).is_some() || prev == "wait" || wait::find(prev).is_some() {
            argv[n - 1] = "--help".into();
        }
    }
    argv
}

/// The global options.
struct Globals {
    region: Option<String>,
    profile: Option<String>,
    endpoint_url: Option<String>,
    signing_time: Option<time::OffsetDateTime>,
    dry_run: bool,
    no_paginate: bool,
    debug: bool,
    unsigned: bool,
    connect_timeout: Option<Option<Duration>>,
    read_timeout: Option<Option<Duration>>,
    ca_bundle: Option<String>,
    binary: BinaryFormat,
    output: Output,
}

fn seconds(m: &ArgMatches, name: &str) -> Result<Option<Option<Duration>>, Failure> {
    let Some(v) = m.get_one::<String>(name) else {
        return Ok(None);
    };
    let s: f64 = v
        .parse()
        .ok()
        .filter(|s: &f64| s.is_finite() && *s >= 0.0)
        .ok_or_else(|| Failure::usage(format!("--{name} {v:?}: not a number of seconds")))?;
    Ok(Some((s > 0.0).then(|| Duration::from_secs_f64(s))))
}

impl Globals {
    fn new(m: &ArgMatches) -> Result<Self, Failure> {
        let s = |name: &str| m.get_one::<String>(name).cloned();
        let signing_time = match s("signing-time") {
            Some(t) => Some(
                time::OffsetDateTime::parse(&t, &time::format_description::well_known::Rfc3339)
                    .map_err(|e| Failure::usage(format!("--signing-time {t:?}: {e}")))?,
            ),
            None => None,
        };
        Ok(Globals {
            region: s("region"),
            profile: s("profile"),
            endpoint_url: s("endpoint-url"),
            signing_time,
            dry_run: m.get_flag("dry-run"),
            no_paginate: m.get_flag("no-paginate"),
            debug: m.get_flag("debug"),
            unsigned: m.get_flag("no-sign-request"),
            connect_timeout: seconds(m, "cli-connect-timeout")?,
            read_timeout: seconds(m, "cli-read-timeout")?,
            ca_bundle: s("ca-bundle"),
            binary: BinaryFormat::parse(s("cli-binary-format").as_deref().unwrap_or("base64"))?,
            output: Output::new(
                s("output").as_deref(),
                s("query").as_deref(),
                s("color").as_deref(),
            )?,
        })
    }

    /// The client these options describe (each call picks its timeouts by operation).
    fn client(&self) -> Result<Client, Failure> {
        let profile = self.profile.clone();
        let env = move |var: &str| match (var, &profile) {
            ("AWS_PROFILE", Some(p)) => Some(p.clone()),
            _ => std::env::var(var).ok(),
        };
        let mut builder = ClientBuilder::from_env_lookup(&env).map_err(build_failure)?;
        // A profile named on the command line must exist (as the AWS CLI).
        if let (Some(p), Some(config)) = (&self.profile, builder.shared_config()) {
            let prefix = format!("profile `{p}` ");
            if let Some(w) = config.warnings().iter().find(|w| w.starts_with(&prefix)) {
                return Err(Failure::config(format!(
                    "the config profile ({p}) could not be found: {w}"
                )));
            }
        }
        if let Some(region) = &self.region {
            builder = builder.region(region);
        }
        if let Some(url) = &self.endpoint_url {
            builder = builder.endpoint_url(url);
        }
        if let Some(t) = self.connect_timeout {
            builder = builder.connect_timeout(t);
        }
        if let Some(t) = self.read_timeout {
            builder = builder.read_timeout(t).invoke_timeout(t);
        }
        // --ca-bundle wins over AWS_CA_BUNDLE and the profile's ca_bundle (which the
        // builder reads itself).
        if let Some(path) = &self.ca_bundle {
            builder = builder.ca_bundle(path);
        }
        if let Some(t) = self.signing_time {
            builder = builder.signing_clock(move || t);
        }
        if self.debug {
            builder = builder.observe(debug::log);
            debug::install_tracing();
        }
        builder
            .unsigned(self.unsigned)
            .build()
            .map_err(build_failure)
    }
}

/// The deepest subcommand's matches (global options are read there).
fn leaf(m: &ArgMatches) -> &ArgMatches {
    match m.subcommand() {
        Some((_, sub)) => leaf(sub),
        None => m,
    }
}

fn run() -> Result<u8, Failure> {
    let argv = help_word(utf8_args()?);
    let mut cmd = args::command();
    let matches =
        match cmd.try_get_matches_from_mut(std::iter::once("lambda".to_string()).chain(argv)) {
            Ok(m) => m,
            Err(e) if e.kind() == clap::error::ErrorKind::DisplayVersion => {
                print!("{}", e.render());
                return Ok(OK);
            }
            Err(e) => return Err(Failure::usage(e.render().to_string().trim_end())),
        };
    let globals = Globals::new(leaf(&matches))?;
    let Some((name, sub)) = matches.subcommand() else {
        if matches.get_flag("list") {
            for op in dynamic::operations() {
                println!("{}", op.cli_name);
            }
            return Ok(OK);
        }
        if matches.get_flag("help") {
            print!("{}", help::global(&mut cmd));
            return Ok(OK);
        }
        return Err(Failure::usage(
            "usage: lambda [global options] <command> [options]\nmissing a command (`lambda help` lists them)",
        ));
    };
    match name {
        "help" => {
            let topics: Vec<&String> = sub
                .get_many::<String>("topic")
                .into_iter()
                .flatten()
                .collect();
            let text = match topics.as_slice() {
                [] => help::global(&mut cmd),
                [w] if w.as_str() == "wait" => help::wait(None),
                [w, name] if w.as_str() == "wait" => help::wait(Some(name)),
                [op] => match dynamic::find(op) {
                    Some(info) => help::operation(info),
                    None => {
                        return Err(Failure::usage(format!(
                            "no command {op:?} (`lambda help` lists them)"
                        )))
                    }
                },
                _ => return Err(Failure::usage("usage: lambda help [<command>]")),
            };
            print!("{text}");
            Ok(OK)
        }
        "completion" => {
            let shell: clap_complete::Shell = sub
                .get_one::<String>("shell")
                .expect("required")
                .parse()
                .map_err(Failure::usage)?;
            clap_complete::generate(shell, &mut cmd, "lambda", &mut std::io::stdout());
            Ok(OK)
        }
        "wait" => wait_command(&globals, sub),
        _ => match (extra::find(name), dynamic::find(name)) {
            // Extra commands (see extra.rs) get the client and their own arguments.
            (Some(e), _) => {
                let client = globals.client()?;
                let rest: Vec<String> = sub
                    .get_many::<String>("args")
                    .into_iter()
                    .flatten()
                    .cloned()
                    .collect();
                Ok((e.run)(&client, rest))
            }
            (None, Some(info)) => operation(&globals, info, sub),
            (None, None) => Err(Failure::usage(format!("no command {name:?}"))),
        },
    }
}

/// The input of `info` from the options, checked: required members present, every value
/// of the right shape.
fn checked_input(
    info: &OperationInfo,
    m: &ArgMatches,
    g: &Globals,
) -> Result<serde_json::Value, Failure> {
    let input = input::from_matches(info, m, g.binary)?;
    input::check_required(info, &input)?;
    info.canonical_input(&input)
        .map_err(|e| Failure::usage(e.to_string()))?;
    Ok(input)
}

fn wait_command(g: &Globals, m: &ArgMatches) -> Result<u8, Failure> {
    let Some((name, sub)) = m.subcommand() else {
        if m.get_flag("help") {
            print!("{}", help::wait(None));
            return Ok(OK);
        }
        return Err(Failure::usage(help::wait(None)));
    };
    if sub.get_flag("help") {
        print!("{}", help::wait(Some(name)));
        return Ok(OK);
    }
    let spec = wait::find(name).ok_or_else(|| Failure::usage(format!("no waiter {name:?}")))?;
    let info = dynamic::find(spec.operation).expect("waiters poll operations of the table");
    let input = checked_input(info, sub, g)?;
    let client = g.client()?;
    if g.dry_run {
        return dry_run(g, &client, info, input);
    }
    wait::run(&client, spec, input)?;
    Ok(OK)
}

/// Prints the signed request as JSON (never queried or reformatted: its shape is fixed).
fn dry_run(
    g: &Globals,
    client: &Client,
    info: &OperationInfo,
    input: serde_json::Value,
) -> Result<u8, Failure> {
    let time = g.signing_time.unwrap_or_else(time::OffsetDateTime::now_utc);
    let request = call::dry_run(client, info, input, time, g.unsigned)?;
    println!(
        "{}",
        serde_json::to_string_pretty(&request).map_err(Failure::other)?
    );
    Ok(OK)
}

fn operation(g: &Globals, info: &'static OperationInfo, m: &ArgMatches) -> Result<u8, Failure> {
    let output = g.output.clone().titled(info.name);
    if m.get_flag("help") {
        print!("{}", help::operation(info));
        return Ok(OK);
    }
    if let Some(which) = m.get_one::<String>("generate-cli-skeleton") {
        let skeleton = help::operation_skeleton(info, which);
        println!(
            "{}",
            serde_json::to_string_pretty(&skeleton).map_err(Failure::other)?
        );
        return Ok(OK);
    }
    let mut input = checked_input(info, m, g)?;
    let pages = paging::PageOptions::from_matches(m)?;
    let client = g.client()?;
    if g.dry_run {
        paging::prepare(info, &mut input, &pages)?;
        return dry_run(g, &client, info, input);
    }
    let outfile = m
        .try_get_one::<String>("outfile")
        .ok()
        .flatten()
        .map(String::as_str);
    let result = match (info.name, outfile) {
        ("Invoke", Some(path)) => {
            return invoke::invoke(&client, info, input, path, &output).map(|()| OK)
        }
        ("InvokeWithResponseStream", _) => {
            return invoke::stream(&client, &input, outfile, &output).map(|()| OK)
        }
        _ if info.is_paginated() && !g.no_paginate => {
            paging::all_pages(info, input, &pages, |i| call::send(&client, info, i))?
        }
        _ => call::send(&client, info, input)?,
    };
    output.print(result)?;
    Ok(OK)
}
