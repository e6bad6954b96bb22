//! AWS credentials: an access key pair, an optional session token and expiry.
//!
//! Where credentials come from (environment, profiles, instance metadata, ...) is the
//! drivers' business; the core only receives them as values. See
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv.html> for how they are
//! used to sign requests.

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

#[cfg(test)]
mod tests {
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
