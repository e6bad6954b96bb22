//! `--debug`: each request line and headers, and each answer's status and headers, on
//! standard error, with the signature, session token and any secret redacted; and the
//! clients' `tracing` events (attempts, retry decisions, credential refreshes), which carry
//! no secret.

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

/// Prints the `tracing` events of this client (`lambda_*` targets) on standard error:
/// `* <target>: <message> field=value ...`, inside the names of their spans.
pub fn install_tracing() {
    let _ = tracing::subscriber::set_global_default(StderrEvents::default());
}

#[derive(Default)]
struct StderrEvents {
    next_id: std::sync::atomic::AtomicU64,
    spans: std::sync::Mutex<std::collections::BTreeMap<u64, String>>,
}

/// The fields of a span or event as `name=value` text (the message first, bare).
#[derive(Default)]
struct Line(String);

impl tracing::field::Visit for Line {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            self.0.insert_str(0, &format!("{value:?} "));
        } else {
            self.0.push_str(&format!("{}={value:?} ", field.name()));
        }
    }

    fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
        if field.name() == "message" {
            self.0.insert_str(0, &format!("{value} "));
        } else {
            self.0.push_str(&format!("{}={value} ", field.name()));
        }
    }
}

impl tracing::Subscriber for StderrEvents {
    fn enabled(&self, metadata: &tracing::Metadata<'_>) -> bool {
        metadata.target().starts_with("lambda")
    }

    fn new_span(&self, span: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        let id = self
            .next_id
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
            + 1;
        let mut line = Line::default();
        span.record(&mut line);
        let text = format!("{}{{{}}}", span.metadata().name(), line.0.trim_end());
        self.spans
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(id, text);
        tracing::span::Id::from_u64(id)
    }

    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}

    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}

    fn event(&self, event: &tracing::Event<'_>) {
        let mut line = Line::default();
        event.record(&mut line);
        let _ = writeln!(
            std::io::stderr().lock(),
            "* {} {}: {}",
            event.metadata().level(),
            event.metadata().target(),
            line.0.trim_end()
        );
    }

    fn enter(&self, _: &tracing::span::Id) {}

    fn exit(&self, _: &tracing::span::Id) {}
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
