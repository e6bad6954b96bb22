//! Endpoints: where requests go.
//!
//! (Placeholder: the resolver from the model's rule set and partitions lands here.)

use std::fmt;

/// A resolved endpoint: scheme, authority and an optional path prefix.
///
/// Operations append their request path to [`Endpoint::path_prefix`].
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Endpoint {
    scheme: String,
    authority: String,
    path_prefix: String,
}

/// Why an endpoint could not be resolved or parsed.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct EndpointError {
    message: String,
}

impl fmt::Display for EndpointError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for EndpointError {}

impl Endpoint {
    /// Parses an `http` or `https` URL such as `https://lambda.us-east-1.amazonaws.com`
    /// or `http://127.0.0.1:5000/prefix`.
    pub fn parse(url: &str) -> Result<Self, EndpointError> {
        let err = |m: &str| EndpointError {
            message: format!("endpoint URL {url:?}: {m}"),
        };
        let uri: http::Uri = url.parse().map_err(|_| err("not a valid URL"))?;
        let scheme = uri.scheme_str().ok_or_else(|| err("missing scheme"))?;
        if scheme != "http" && scheme != "https" {
            return Err(err("scheme must be http or https"));
        }
        let authority = uri.authority().ok_or_else(|| err("missing host"))?;
        if authority.as_str().contains('@') {
            return Err(err("user information is not allowed"));
        }
        if uri.query().is_some() {
            return Err(err("a query string is not allowed"));
        }
        let path_prefix = uri.path().trim_end_matches('/').to_string();
        Ok(Endpoint {
            scheme: scheme.to_string(),
            authority: authority.as_str().to_ascii_lowercase(),
            path_prefix,
        })
    }

    /// `http` or `https`.
    pub fn scheme(&self) -> &str {
        &self.scheme
    }

    /// Host and optional port, as sent in the `Host` header.
    pub fn authority(&self) -> &str {
        &self.authority
    }

    /// Path prepended to every operation's path; empty or starting with `/`, never ending with `/`.
    pub fn path_prefix(&self) -> &str {
        &self.path_prefix
    }

    /// The endpoint as a URL string.
    pub fn url(&self) -> String {
        format!("{}://{}{}", self.scheme, self.authority, self.path_prefix)
    }
}
