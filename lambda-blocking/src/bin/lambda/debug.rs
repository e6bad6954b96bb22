//! `--debug`: each request line and headers, and each answer's status and headers, on
//! standard error, with the signature, session token and any secret redacted.

use std::io::Write;

use lambda_blocking::Exchange;

/// A header value as `--debug` prints it.
pub fn redact(name: &str, value: &str) -> String {
    match name.to_ascii_lowercase().as_str() {
        "authorization" => match value.find("Signature=") {
            Some(i) => format!("{}Signature=<redacted>", &value[..i]),
            None => "<redacted>".into(),
        },
        "x-amz-security-token" | "x-amz-client-context" => "<redacted>".into(),
        _ => value.to_string(),
    }
}

fn headers(out: &mut impl Write, prefix: &str, map: &http::HeaderMap) {
    for (name, value) in map {
        let value = String::from_utf8_lossy(value.as_bytes());
        let _ = writeln!(out, "{prefix} {}: {}", name, redact(name.as_str(), &value));
    }
}

/// Writes one exchange to standard error.
pub fn log(exchange: Exchange<'_>) {
    let mut err = std::io::stderr().lock();
    match exchange {
        Exchange::Request(r) => {
            let _ = writeln!(
                err,
                "> {} {} ({} body bytes)",
                r.method(),
                r.uri(),
                r.body().len()
            );
            headers(&mut err, ">", r.headers());
        }
        Exchange::Response(r) => {
            let _ = writeln!(err, "< {} ({} body bytes)", r.status(), r.body().len());
            headers(&mut err, "<", r.headers());
        }
        Exchange::Failed(e) => {
            let _ = writeln!(err, "! {e}");
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_and_tokens_are_redacted() {
        let auth = "AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/lambda/aws4_request, SignedHeaders=host, Signature=abcdef";
        assert_eq!(
            redact("Authorization", auth),
            "AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/lambda/aws4_request, SignedHeaders=host, Signature=<redacted>"
        );
        assert_eq!(redact("X-Amz-Security-Token", "tok"), "<redacted>");
        assert_eq!(
            redact("content-type", "application/json"),
            "application/json"
        );
    }
}
