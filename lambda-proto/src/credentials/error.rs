//! Why credentials could not be had.

use std::fmt;

/// Why credentials could not be had. The message names the source and the rule or answer;
/// it never holds a secret, a session token or a web identity token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CredentialsError {
    kind: CredentialsErrorKind,
    source: &'static str,
    message: String,
}

/// The kinds of [`CredentialsError`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CredentialsErrorKind {
    /// No source is configured; the message lists everything that was tried.
    NotFound,
    /// A source is configured wrongly (a missing or invalid setting, a profile cycle,
    /// `mfa_serial`).
    InvalidConfig,
    /// The source could not be reached (connection, timeout).
    Unavailable,
    /// The source answered with an error (an HTTP error status, an STS error).
    Rejected,
    /// The source's answer could not be understood.
    Malformed,
    /// The credentials or the token they come from have expired.
    Expired,
    /// A file could not be read or a process could not be run or failed.
    Io,
}

impl CredentialsError {
    /// An error of `kind` from `source` (a short name such as `sts` or the name of a custom
    /// provider) with an explanation that must not hold secrets.
    pub fn new(
        kind: CredentialsErrorKind,
        source: &'static str,
        message: impl Into<String>,
    ) -> Self {
        CredentialsError {
            kind,
            source,
            message: message.into(),
        }
    }

    pub(crate) fn config(source: &'static str, message: impl Into<String>) -> Self {
        Self::new(CredentialsErrorKind::InvalidConfig, source, message)
    }

    pub(crate) fn malformed(source: &'static str, message: impl Into<String>) -> Self {
        Self::new(CredentialsErrorKind::Malformed, source, message)
    }

    /// What went wrong.
    pub fn kind(&self) -> CredentialsErrorKind {
        self.kind
    }

    /// The source that failed, e.g. `sts`, `imds`, `container`, `profile`.
    pub fn source_name(&self) -> &'static str {
        self.source
    }

    /// The explanation (also what `Display` shows after the source).
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for CredentialsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "credentials ({}): {}", self.source, self.message)
    }
}

impl std::error::Error for CredentialsError {}

/// At most `max` characters of `s`, for quoting untrusted text in messages.
pub(crate) fn excerpt(s: &str, max: usize) -> String {
    let mut out: String = s
        .chars()
        .take(max)
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if s.chars().count() > max {
        out.push_str("...");
    }
    out
}
