//! Exit statuses (as the AWS CLI) and the failure that carries one.

use lambda_proto::Error;
use serde_json::json;

/// Success.
pub const OK: u8 = 0;
/// Interrupted by Ctrl-C.
pub const INTERRUPTED: i32 = 130;
/// The command line is wrong.
pub const USAGE: u8 = 252;
/// The configuration (profile, region, credentials, files) is wrong.
pub const CONFIG: u8 = 253;
/// The service answered with an error.
pub const SERVICE: u8 = 254;
/// Any other failure (transport, waiter failure or time-out, local files).
pub const FAILURE: u8 = 255;

/// Why the program stops: the exit status and the message for standard error.
#[derive(Debug)]
pub struct Failure {
    /// The exit status.
    pub status: u8,
    /// The message.
    pub message: String,
}

impl Failure {
    /// A usage error (252).
    pub fn usage(message: impl Into<String>) -> Self {
        Failure {
            status: USAGE,
            message: message.into(),
        }
    }

    /// A configuration error (253).
    pub fn config(message: impl std::fmt::Display) -> Self {
        Failure {
            status: CONFIG,
            message: message.to_string(),
        }
    }

    /// Any other failure (255).
    pub fn other(message: impl std::fmt::Display) -> Self {
        Failure {
            status: FAILURE,
            message: message.to_string(),
        }
    }

    /// A call's error: service errors as JSON, validation errors as usage, the rest 255.
    pub fn call<E: std::fmt::Debug>(err: &Error<E>) -> Self {
        match err {
            Error::Service(e) => {
                Failure::service(e.code(), e.message(), e.request_id(), Some(e.status()))
            }
            Error::Validation(e) => Failure::usage(e.to_string()),
            other => Failure::other(other),
        }
    }

    /// A service error as JSON: `{"code","message","request_id","status"}` (254).
    pub fn service(
        code: &str,
        message: &str,
        request_id: Option<&str>,
        status: Option<u16>,
    ) -> Self {
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

/// Building the client failed: a missing or invalid region is a usage error (the user
/// fixes it with `--region`), other configuration problems are configuration errors.
pub fn build_failure(e: lambda_blocking::BuildError) -> Failure {
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
        Failure::config(e)
    }
}
