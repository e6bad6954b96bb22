//! AWS credentials and where they come from.
//!
//! [`Credentials`] is the value requests are signed with (see
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv.html>).
//!
//! The rest of this module finds credentials the way the AWS SDKs do, without doing any IO
//! itself:
//!
//! * [`default_chain`] looks at the environment and the shared `config` and `credentials`
//!   files (their text is passed in) and picks the first configured source, in the order of
//!   the AWS SDKs: environment variables, the profile (static keys, `role_arn` with
//!   `source_profile` or `credential_source`, `web_identity_token_file`,
//!   `credential_process`, IAM Identity Center (SSO)), web identity from the environment,
//!   the container endpoint, the EC2 instance metadata service (IMDS).
//! * [`CredentialsSource::provider`] starts a [`Provider`], a state machine that says what
//!   it needs next ([`Action`]: an HTTP request, a file, a process) and is given the result;
//!   a driver runs it to [`Action::Done`].
//! * [`CredentialsCache`] keeps the current credentials and says when to refresh them, so
//!   that many concurrent callers trigger one refresh.
//!
//! ```
//! use lambda_proto::credentials::{default_chain, Action, ChainInput};
//! use time::macros::datetime;
//!
//! let env = |name: &str| match name {
//!     "AWS_PROFILE" => Some("ci".to_string()),
//!     _ => None,
//! };
//! let config = "[profile ci]\ncredential_process = /usr/bin/get-creds --role ci\n";
//! let source = default_chain(&ChainInput::new(&env, Some(config), None, Some("/home/me"))).unwrap();
//! let mut provider = source.provider();
//! let now = datetime!(2024-01-02 03:04:05 UTC);
//! let Action::RunProcess(command) = provider.next(now) else { panic!() };
//! assert_eq!(command.as_str(), "/usr/bin/get-creds --role ci");
//! provider.on_process(Ok(lambda_proto::credentials::ProcessOutput {
//!     exit_code: Some(0),
//!     stdout: br#"{"Version": 1, "AccessKeyId": "AKIDEXAMPLE", "SecretAccessKey": "secret"}"#.to_vec(),
//!     stderr: Vec::new(),
//! }));
//! let Action::Done(Ok(creds)) = provider.next(now) else { panic!() };
//! assert_eq!(creds.access_key_id(), "AKIDEXAMPLE");
//! ```

mod cache;
mod chain;
pub mod container;
mod error;
pub mod imds;
pub mod process;
mod provider;
pub mod sso;
pub mod sts;
#[cfg(test)]
mod tests;

pub use cache::{
    CacheLookup, CredentialsCache, DEFAULT_REFRESH_WINDOW, RETRY_AFTER_FAILURE, STALE_EXTENSION,
};
pub use chain::{default_chain, ChainInput, CredentialsSource, SourceKind};
pub use error::{CredentialsError, CredentialsErrorKind};
pub use provider::{
    retry_delay, Action, CommandLine, ProcessOutput, Provider, StandardRetries, TimeoutHint,
    TransportFailure,
};

use std::fmt;

use time::OffsetDateTime;

/// The text shown in place of a secret by `Debug`.
const REDACTED: &str = "** redacted **";

/// AWS credentials used to sign requests.
///
/// `Debug` shows the access key id but never the secret access key or the session token.
///
/// ```
/// use lambda_proto::credentials::Credentials;
///
/// let creds = Credentials::new("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", None, None);
/// assert_eq!(creds.access_key_id(), "AKIDEXAMPLE");
/// assert!(!format!("{creds:?}").contains("EXAMPLEKEY"));
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    access_key_id: String,
    secret_access_key: String,
    session_token: Option<String>,
    expiry: Option<OffsetDateTime>,
}

impl Credentials {
    /// Creates credentials from an access key pair, an optional session token (for
    /// temporary credentials) and an optional expiry time.
    pub fn new(
        access_key_id: impl Into<String>,
        secret_access_key: impl Into<String>,
        session_token: Option<String>,
        expiry: Option<OffsetDateTime>,
    ) -> Self {
        Self {
            access_key_id: access_key_id.into(),
            secret_access_key: secret_access_key.into(),
            session_token,
            expiry,
        }
    }

    /// The access key id, e.g. `AKIDEXAMPLE`.
    pub fn access_key_id(&self) -> &str {
        &self.access_key_id
    }

    /// The secret access key. Keep it out of logs.
    pub fn secret_access_key(&self) -> &str {
        &self.secret_access_key
    }

    /// The session token of temporary credentials, if any. Keep it out of logs.
    pub fn session_token(&self) -> Option<&str> {
        self.session_token.as_deref()
    }

    /// When these credentials stop being valid, if known.
    pub fn expiry(&self) -> Option<OffsetDateTime> {
        self.expiry
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &REDACTED)
            .field(
                "session_token",
                &self.session_token.as_ref().map(|_| REDACTED),
            )
            .field("expiry", &self.expiry)
            .finish()
    }
}

/// Parses an RFC 3339 time, e.g. `2024-01-02T03:04:05Z` or `2011-07-15T23:28:33.359Z`.
pub(crate) fn parse_rfc3339(s: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(s.trim(), &time::format_description::well_known::Rfc3339).ok()
}

/// A sensitive string (a token) whose `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Secret(pub(crate) String);

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

#[cfg(test)]
mod credentials_tests {
    use super::*;

    const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    const TOKEN: &str = "6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267";

    #[test]
    fn accessors_return_what_was_given() {
        let expiry = time::macros::datetime!(2015-08-30 13:36:00 UTC);
        let c = Credentials::new("AKIDEXAMPLE", SECRET, Some(TOKEN.to_string()), Some(expiry));
        assert_eq!(c.access_key_id(), "AKIDEXAMPLE");
        assert_eq!(c.secret_access_key(), SECRET);
        assert_eq!(c.session_token(), Some(TOKEN));
        assert_eq!(c.expiry(), Some(expiry));
        assert_eq!(c.clone(), c);
        let other = Credentials::new("AKIDEXAMPLE", SECRET, None, Some(expiry));
        assert_ne!(other, c);
    }

    #[test]
    fn debug_redacts_secret_and_token() {
        let c = Credentials::new("AKIDEXAMPLE", SECRET, Some(TOKEN.to_string()), None);
        for s in [format!("{c:?}"), format!("{c:#?}")] {
            assert!(s.contains("AKIDEXAMPLE"), "{s}");
            assert!(!s.contains(SECRET), "{s}");
            assert!(!s.contains("EXAMPLEKEY"), "{s}");
            assert!(!s.contains(TOKEN), "{s}");
            assert!(!s.contains("6e86291e"), "{s}");
            assert!(s.contains(REDACTED), "{s}");
        }
        let no_token = Credentials::new("AKIDEXAMPLE", SECRET, None, None);
        assert!(format!("{no_token:?}").contains("session_token: None"));
    }
}
