//! `file://` and `fileb://` arguments, read with a bound, and blob values as the AWS CLI v2
//! takes them (base64 by default, raw with `--cli-binary-format raw-in-base64-out`).

use std::io::Read;

use base64::Engine as _;

use crate::exit::Failure;

/// The largest file read for one argument: Lambda's own largest upload (an unzipped
/// deployment package) is 250 MB.
pub const MAX_FILE_BYTES: u64 = 250 * 1024 * 1024;

/// How blob arguments given as text are read (`--cli-binary-format`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinaryFormat {
    /// The text is base64 (the AWS CLI v2 default).
    Base64,
    /// The text is the bytes themselves.
    Raw,
}

impl BinaryFormat {
    /// Parses the option's value.
    pub fn parse(text: &str) -> Result<Self, Failure> {
        match text {
            "base64" => Ok(BinaryFormat::Base64),
            "raw-in-base64-out" => Ok(BinaryFormat::Raw),
            other => Err(Failure::usage(format!(
                "--cli-binary-format {other:?}: must be one of: base64, raw-in-base64-out"
            ))),
        }
    }
}

/// Reads at most [`MAX_FILE_BYTES`] of `path` (more is an error: `/dev/zero` stops there).
pub fn read_bounded(path: &str) -> Result<Vec<u8>, Failure> {
    read_limited(path, MAX_FILE_BYTES)
}

fn read_limited(path: &str, limit: u64) -> Result<Vec<u8>, Failure> {
    let file = std::fs::File::open(path)
        .map_err(|e| Failure::usage(format!("cannot read {path}: {e}")))?;
    let mut bytes = Vec::new();
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Failure::usage(format!("cannot read {path}: {e}")))?;
    if bytes.len() as u64 > limit {
        return Err(Failure::usage(format!(
            "{path} is larger than {limit} bytes, the most one argument may read"
        )));
    }
    Ok(bytes)
}

/// The text of an argument: `file://PATH` reads the file as UTF-8 text, anything else is
/// the text itself.
pub fn text_arg(arg: &str) -> Result<String, Failure> {
    match arg.strip_prefix("file://") {
        Some(path) => String::from_utf8(read_bounded(path)?)
            .map_err(|_| Failure::usage(format!("{path} is not UTF-8 text (use fileb://)"))),
        None => Ok(arg.to_string()),
    }
}

/// A blob argument as the base64 text the dynamic table takes: `fileb://` raw bytes,
/// `file://` the file's text, otherwise the text as `format` says.
pub fn blob_arg(arg: &str, format: BinaryFormat) -> Result<String, Failure> {
    let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
    if let Some(path) = arg.strip_prefix("fileb://") {
        return Ok(b64(&read_bounded(path)?));
    }
    let text = text_arg(arg)?;
    match format {
        BinaryFormat::Raw => Ok(b64(text.as_bytes())),
        BinaryFormat::Base64 => {
            base64::engine::general_purpose::STANDARD
                .decode(text.trim())
                .map_err(|e| {
                    Failure::usage(format!(
                        "invalid base64 {text:?}: {e} (give --cli-binary-format raw-in-base64-out for raw text, or fileb:// for a file)"
                    ))
                })?;
            Ok(text.trim().to_string())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_stop_at_the_limit() {
        let err = read_limited("/dev/zero", 1024).unwrap_err();
        assert!(
            err.message.contains("larger than 1024 bytes"),
            "{}",
            err.message
        );
    }

    #[test]
    fn blobs_follow_the_binary_format() {
        assert_eq!(
            blob_arg("eyJhIjoxfQ==", BinaryFormat::Base64).unwrap(),
            "eyJhIjoxfQ=="
        );
        assert_eq!(
            blob_arg(r#"{"a":1}"#, BinaryFormat::Raw).unwrap(),
            "eyJhIjoxfQ=="
        );
        assert_eq!(
            blob_arg(r#"{"a":1}"#, BinaryFormat::Base64)
                .unwrap_err()
                .status,
            252
        );
    }
}
