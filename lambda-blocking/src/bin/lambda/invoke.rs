//! `invoke` and `invoke-with-response-stream` as the AWS CLI: the payload goes to the
//! outfile (`-`: standard output), the rest of the answer is printed.

use std::io::Write;

use base64::Engine as _;
use lambda_blocking::{Client, StreamError};
use lambda_proto::dynamic::OperationInfo;
use lambda_proto::event_stream::ResponseStreamEvent;
use lambda_proto::operations::InvokeWithResponseStream;
use serde_json::{json, Map, Value};

use crate::exit::Failure;
use crate::output::Output;

/// Opens the outfile (`-` is standard output).
fn open(path: &str) -> Result<Box<dyn Write>, Failure> {
    if path == "-" {
        return Ok(Box::new(std::io::stdout()));
    }
    let file = std::fs::File::create(path)
        .map_err(|e| Failure::other(format!("cannot write {path}: {e}")))?;
    Ok(Box::new(file))
}

/// `invoke ... OUTFILE`: the payload to the outfile; StatusCode, ExecutedVersion,
/// FunctionError and LogResult (those the answer had) printed.
pub fn invoke(
    client: &Client,
    info: &'static OperationInfo,
    input: Value,
    outfile: &str,
    output: &Output,
) -> Result<(), Failure> {
    let mut answer = crate::call::send(client, info, input)?;
    let payload = match answer.as_object_mut().and_then(|o| o.remove("Payload")) {
        Some(Value::String(b64)) => base64::engine::general_purpose::STANDARD
            .decode(b64)
            .map_err(Failure::other)?,
        _ => Vec::new(),
    };
    let mut out = open(outfile)?;
    out.write_all(&payload)
        .and_then(|()| out.flush())
        .map_err(|e| Failure::other(format!("cannot write {outfile}: {e}")))?;
    drop(out);
    output.print(answer)
}

/// The completion event's members that it had (absent is not null).
fn complete(
    error_code: Option<String>,
    error_details: Option<String>,
    log_result: Option<String>,
) -> Value {
    let present: Map<String, Value> = [
        ("ErrorCode", error_code),
        ("ErrorDetails", error_details),
        ("LogResult", log_result),
    ]
    .into_iter()
    .filter_map(|(k, v)| Some((k.to_string(), Value::String(v?))))
    .collect();
    json!({ "InvokeComplete": present })
}

/// `invoke-with-response-stream`: with an outfile, the chunks go there as they arrive and
/// the head and completion event are printed; without one, one JSON line per event.
pub fn stream(
    client: &Client,
    input: &Value,
    outfile: Option<&str>,
    output: &Output,
) -> Result<(), Failure> {
    let op: InvokeWithResponseStream = serde_json::from_value(input.clone())
        .map_err(|e| Failure::usage(format!("invalid input: {e}")))?;
    let events = client
        .invoke_with_response_stream(op)
        .map_err(|e| Failure::call(&e))?;
    let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
    let request_id = events.request_id().map(str::to_string);
    let head = serde_json::to_value(events.output()).map_err(Failure::other)?;
    let mut sink = outfile.map(open).transpose()?;
    let mut stdout = std::io::stdout();
    match &sink {
        Some(_) => output.print(head)?,
        None => {
            let _ = writeln!(stdout, "{head}");
        }
    }
    for event in events {
        let line = match event {
            Ok(ResponseStreamEvent::PayloadChunk(bytes)) => match &mut sink {
                Some(out) => {
                    out.write_all(&bytes)
                        .and_then(|()| out.flush())
                        .map_err(|e| Failure::other(format!("cannot write the outfile: {e}")))?;
                    continue;
                }
                None => json!({"PayloadChunk": {"Payload": b64(&bytes)}}),
            },
            Ok(ResponseStreamEvent::InvokeComplete {
                error_code,
                error_details,
                log_result,
            }) => complete(error_code, error_details, log_result),
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
        match &sink {
            Some(_) => output.print(line)?,
            None => {
                let _ = writeln!(stdout, "{line}");
                let _ = stdout.flush();
            }
        }
    }
    Ok(())
}
