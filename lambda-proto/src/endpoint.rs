//! Endpoints: where requests go.
//!
//! [`resolve`] turns [`EndpointParams`] (region, FIPS, dual-stack, custom endpoint URL) into
//! an [`Endpoint`] by interpreting Lambda's endpoint rule set with the AWS partition data,
//! both taken from the service model and embedded in the crate:
//!
//! - `https://lambda.{region}.{dnsSuffix}`, e.g. `https://lambda.cn-north-1.amazonaws.com.cn`;
//! - `lambda-fips.` with FIPS, e.g. `https://lambda-fips.us-gov-west-1.amazonaws.com`;
//! - the partition's dual-stack suffix with dual-stack, e.g. `https://lambda.us-east-1.api.aws`;
//! - a custom endpoint URL as given (its path becomes the [`Endpoint::path_prefix`]).
//!
//! ```
//! use lambda_proto::endpoint::{resolve, EndpointParams};
//!
//! let endpoint = resolve(&EndpointParams::new("us-east-1"))?;
//! assert_eq!(endpoint.url(), "https://lambda.us-east-1.amazonaws.com");
//!
//! let fips = resolve(&EndpointParams::new("us-gov-west-1").with_fips(true))?;
//! assert_eq!(fips.authority(), "lambda-fips.us-gov-west-1.amazonaws.com");
//!
//! let local = resolve(&EndpointParams::default().with_endpoint("http://127.0.0.1:9001/lambda"))?;
//! assert_eq!(local.path_prefix(), "/lambda");
//! # Ok::<(), lambda_proto::endpoint::EndpointError>(())
//! ```

use std::fmt;
use std::sync::OnceLock;

mod partition;
mod regex;
mod rules;

pub use partition::Partition;

use partition::LazyPartitions;
use rules::{Outcome, RuleSet};

/// Lambda's endpoint rule set, from the service model.
const RULE_SET_JSON: &str = include_str!("../model/endpoint-rule-set-1.json");
/// The AWS partition data, from the service model.
const PARTITIONS_JSON: &str = include_str!("../model/partitions.json");

/// Longest region name accepted: one DNS label.
const MAX_REGION_LEN: usize = 63;

/// A resolved endpoint: scheme, authority and an optional path prefix.
///
/// Operations append their request path to [`Endpoint::path_prefix`].
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Endpoint {
    scheme: String,
    authority: String,
    path_prefix: String,
}

/// What kind of problem an [`EndpointError`] reports.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[non_exhaustive]
pub enum EndpointErrorKind {
    /// An `error` rule of the rule set matched, e.g. FIPS together with a custom endpoint;
    /// the message is the rule's own.
    Rule,
    /// The region is not a valid DNS host label.
    InvalidRegion,
    /// The URL (custom endpoint or resolved) is not an acceptable `http`/`https` URL.
    InvalidUrl,
    /// The rule set or partition data is malformed or uses an unsupported feature.
    InvalidRuleSet,
}

/// Why an endpoint could not be resolved or parsed.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct EndpointError {
    kind: EndpointErrorKind,
    message: String,
}

impl EndpointError {
    fn new(kind: EndpointErrorKind, message: String) -> Self {
        EndpointError { kind, message }
    }

    /// What kind of problem this is.
    pub fn kind(&self) -> EndpointErrorKind {
        self.kind
    }

    /// The message; for [`EndpointErrorKind::Rule`] exactly the rule set's error text.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for EndpointError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for EndpointError {}

/// Whether `host` is a DNS name (letters, digits, `-`, `_`, `.`) or a bracketed IPv6 literal.
fn valid_host(host: &str) -> bool {
    if let Some(inner) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        return inner.parse::<std::net::Ipv6Addr>().is_ok();
    }
    !host.is_empty()
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

impl Endpoint {
    /// Parses an `http` or `https` URL such as `https://lambda.us-east-1.amazonaws.com`
    /// or `http://127.0.0.1:5000/prefix`.
    ///
    /// Rejected: other schemes, user information (`user:pass@`), a query string or
    /// fragment, an empty or malformed host, a port that is not a number up to 65535.
    /// Messages never repeat the URL, which could hold a secret.
    ///
    /// ```
    /// use lambda_proto::endpoint::Endpoint;
    ///
    /// let e = Endpoint::parse("http://localhost:9001/base/")?;
    /// assert_eq!((e.scheme(), e.authority(), e.path_prefix()), ("http", "localhost:9001", "/base"));
    /// assert!(Endpoint::parse("https://user:secret@example.com").is_err());
    /// # Ok::<(), lambda_proto::endpoint::EndpointError>(())
    /// ```
    pub fn parse(url: &str) -> Result<Self, EndpointError> {
        let err = |m: &str| {
            EndpointError::new(EndpointErrorKind::InvalidUrl, format!("endpoint URL: {m}"))
        };
        if url.contains('#') {
            return Err(err("a fragment (#...) is not allowed"));
        }
        let uri: http::Uri = url.parse().map_err(|_| err("not a valid URL"))?;
        let scheme = uri
            .scheme_str()
            .ok_or_else(|| err("missing scheme, expected http:// or https://"))?;
        if scheme != "http" && scheme != "https" {
            return Err(err("scheme must be http or https"));
        }
        let authority = uri.authority().ok_or_else(|| err("missing host"))?;
        if authority.as_str().contains('@') {
            return Err(err("user information (user:password@) is not allowed"));
        }
        if uri.query().is_some() {
            return Err(err("a query string is not allowed"));
        }
        let host = authority.host();
        if !valid_host(host) {
            return Err(err(
                "host must be a DNS name (letters, digits, '-', '_', '.') or a bracketed IPv6 address",
            ));
        }
        let rest = authority.as_str().get(host.len()..).unwrap_or_default();
        if let Some(port) = rest.strip_prefix(':') {
            let digits_ok = !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit());
            if !digits_ok || port.parse::<u16>().is_err() {
                return Err(err("port must be a number from 0 to 65535"));
            }
        } else if !rest.is_empty() {
            return Err(err("malformed host"));
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

/// Inputs of endpoint resolution: the rule set's built-in parameters.
///
/// ```
/// use lambda_proto::endpoint::EndpointParams;
///
/// let p = EndpointParams::new("eu-west-1").with_dual_stack(true);
/// assert_eq!(p.region.as_deref(), Some("eu-west-1"));
/// assert!(p.use_dual_stack && !p.use_fips && p.endpoint.is_none());
/// ```
#[derive(Clone, PartialEq, Eq, Default)]
pub struct EndpointParams {
    /// AWS region, e.g. `us-east-1` (`AWS::Region`). Must be a DNS host label.
    pub region: Option<String>,
    /// Use the FIPS endpoint (`AWS::UseFIPS`).
    pub use_fips: bool,
    /// Use the dual-stack (IPv4 and IPv6) endpoint (`AWS::UseDualStack`).
    pub use_dual_stack: bool,
    /// Custom endpoint URL overriding the regional one (`SDK::Endpoint`).
    pub endpoint: Option<String>,
}

impl fmt::Debug for EndpointParams {
    /// Like the derived form, but a custom endpoint with user information is not shown.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let endpoint = self.endpoint.as_deref().map(|url| {
            if url.contains('@') {
                "<redacted: has user information>"
            } else {
                url
            }
        });
        f.debug_struct("EndpointParams")
            .field("region", &self.region)
            .field("use_fips", &self.use_fips)
            .field("use_dual_stack", &self.use_dual_stack)
            .field("endpoint", &endpoint)
            .finish()
    }
}

impl EndpointParams {
    /// Parameters for `region`, without FIPS, dual-stack or custom endpoint.
    pub fn new(region: impl Into<String>) -> Self {
        EndpointParams {
            region: Some(region.into()),
            ..Self::default()
        }
    }

    /// Sets [`EndpointParams::use_fips`].
    pub fn with_fips(mut self, use_fips: bool) -> Self {
        self.use_fips = use_fips;
        self
    }

    /// Sets [`EndpointParams::use_dual_stack`].
    pub fn with_dual_stack(mut self, use_dual_stack: bool) -> Self {
        self.use_dual_stack = use_dual_stack;
        self
    }

    /// Sets the custom endpoint URL, e.g. `http://localhost:9001`.
    pub fn with_endpoint(mut self, url: impl Into<String>) -> Self {
        self.endpoint = Some(url.into());
        self
    }
}

/// A region name is accepted if it is one DNS label (RFC 1123): 1 to 63 ASCII letters,
/// digits and hyphens, starting and ending with a letter or digit.
fn check_region(region: &str) -> Result<(), EndpointError> {
    let b = region.as_bytes();
    let ok = (1..=MAX_REGION_LEN).contains(&b.len())
        && b.first().is_some_and(u8::is_ascii_alphanumeric)
        && b.last().is_some_and(u8::is_ascii_alphanumeric)
        && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'-');
    if ok {
        return Ok(());
    }
    let shown: String = region.chars().take(MAX_REGION_LEN + 1).collect();
    let ellipsis = if shown.len() < region.len() {
        "..."
    } else {
        ""
    };
    Err(EndpointError::new(
        EndpointErrorKind::InvalidRegion,
        format!(
            "region {shown:?}{ellipsis}: must be 1 to {MAX_REGION_LEN} letters, digits and \
             hyphens, starting and ending with a letter or digit"
        ),
    ))
}

/// Resolves [`EndpointParams`] to an [`Endpoint`] with a rule set and partition data.
///
/// Build it once ([`EndpointResolver::new`] for the embedded Lambda model) and reuse it;
/// [`resolve`] does that for you.
pub struct EndpointResolver {
    rules: RuleSet,
    partitions: LazyPartitions,
}

impl fmt::Debug for EndpointResolver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EndpointResolver").finish_non_exhaustive()
    }
}

impl EndpointResolver {
    /// A resolver for Lambda's rule set and the partition data embedded in this crate.
    ///
    /// Fails only if the embedded data were malformed (its tests make sure it is not).
    ///
    /// The embedded rules and partitions are parsed as evaluation needs them (a client with
    /// a custom endpoint URL never parses the partitions); the crate's tests parse them all.
    pub fn new() -> Result<Self, EndpointError> {
        Ok(EndpointResolver {
            rules: RuleSet::from_json_lazy(RULE_SET_JSON)?,
            partitions: LazyPartitions::new(PARTITIONS_JSON),
        })
    }

    /// A resolver from an `endpoint-rule-set-1.json` and a `partitions.json` document,
    /// e.g. newer copies than the embedded ones.
    pub fn from_json(rule_set: &str, partitions: &str) -> Result<Self, EndpointError> {
        let partitions = LazyPartitions::new(partitions);
        partitions.get()?;
        Ok(EndpointResolver {
            rules: RuleSet::from_json(rule_set)?,
            partitions,
        })
    }

    /// Resolves `params` to an endpoint, or the error the rule set (or a check) gives.
    ///
    /// A region that is not a DNS host label is refused before the rules run, so nothing
    /// from it can reach the URL beyond a plain label.
    ///
    /// ```
    /// use lambda_proto::endpoint::{EndpointErrorKind, EndpointParams, EndpointResolver};
    ///
    /// let resolver = EndpointResolver::new()?;
    /// let e = resolver.resolve(&EndpointParams::new("cn-north-1").with_dual_stack(true))?;
    /// assert_eq!(e.url(), "https://lambda.cn-north-1.api.amazonwebservices.com.cn");
    ///
    /// let err = resolver
    ///     .resolve(&EndpointParams::new("us-east-1").with_fips(true).with_endpoint("https://example.com"))
    ///     .unwrap_err();
    /// assert_eq!(err.kind(), EndpointErrorKind::Rule);
    /// assert_eq!(err.message(), "Invalid Configuration: FIPS and custom endpoint are not supported");
    /// # Ok::<(), lambda_proto::endpoint::EndpointError>(())
    /// ```
    pub fn resolve(&self, params: &EndpointParams) -> Result<Endpoint, EndpointError> {
        if let Some(region) = &params.region {
            check_region(region)?;
        }
        match self.rules.evaluate(params, &self.partitions)? {
            Outcome::Endpoint(url) => Endpoint::parse(&url),
            Outcome::Error(message) => Err(EndpointError::new(EndpointErrorKind::Rule, message)),
        }
    }

    /// The partition `region` belongs to: the partition listing it, else the first whose
    /// region pattern matches, else `aws`. `None` only if the data has no `aws` partition.
    pub fn partition(&self, region: &str) -> Option<Partition> {
        self.partitions.get().ok()?.resolve(region)
    }
}

/// The resolver for the embedded model, built on first use and shared.
pub fn default_resolver() -> Result<&'static EndpointResolver, EndpointError> {
    static RESOLVER: OnceLock<Result<EndpointResolver, EndpointError>> = OnceLock::new();
    RESOLVER
        .get_or_init(EndpointResolver::new)
        .as_ref()
        .map_err(Clone::clone)
}

/// Resolves `params` with the shared resolver for the embedded Lambda model.
///
/// ```
/// use lambda_proto::endpoint::{resolve, EndpointParams};
///
/// let endpoint = resolve(&EndpointParams::new("us-east-1"))?;
/// assert_eq!(endpoint.url(), "https://lambda.us-east-1.amazonaws.com");
/// # Ok::<(), lambda_proto::endpoint::EndpointError>(())
/// ```
pub fn resolve(params: &EndpointParams) -> Result<Endpoint, EndpointError> {
    default_resolver()?.resolve(params)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_model_loads() {
        assert!(EndpointResolver::new().is_ok());
        assert!(default_resolver().is_ok());
        // Every embedded rule and the partitions parse (`new` leaves them for later).
        EndpointResolver::from_json(RULE_SET_JSON, PARTITIONS_JSON).expect("embedded model");
    }

    #[test]
    fn parse_accepts() {
        let cases = [
            ("https://example.com", "https", "example.com", ""),
            ("https://example.com/", "https", "example.com", ""),
            (
                "http://127.0.0.1:5000/prefix",
                "http",
                "127.0.0.1:5000",
                "/prefix",
            ),
            ("http://[::1]:8080/a/b/", "http", "[::1]:8080", "/a/b"),
            ("HTTPS://Example.COM/P", "https", "example.com", "/P"),
            ("http://my_host:65535", "http", "my_host:65535", ""),
        ];
        for (url, scheme, authority, prefix) in cases {
            let e = Endpoint::parse(url).unwrap_or_else(|e| panic!("{url}: {e}"));
            assert_eq!(
                (e.scheme(), e.authority(), e.path_prefix()),
                (scheme, authority, prefix)
            );
        }
    }

    #[test]
    fn parse_rejects() {
        let cases = [
            ("ftp://example.com", "scheme"),
            ("example.com", "scheme"),
            ("/just/a/path", "scheme"),
            ("https://user:secret@example.com", "user information"),
            ("https://a@b@c", "user information"),
            ("https://example.com?x=1", "query"),
            ("https://example.com/?", "query"),
            ("https://example.com#frag", "fragment"),
            ("https://example.com/p#", "fragment"),
            ("https://", "not a valid URL"),
            ("https://exa mple.com", "not a valid URL"),
            ("https://:80", "host"),
            ("https://ex!ample.com", "host"),
            ("https://[zz]:1", "host"),
            ("https://example.com:", "port"),
            ("https://example.com:abc", "port"),
            ("https://example.com:99999", "port"),
        ];
        for (url, reason) in cases {
            match Endpoint::parse(url) {
                Ok(e) => panic!("{url} accepted as {e:?}"),
                Err(e) => {
                    assert_eq!(e.kind(), EndpointErrorKind::InvalidUrl, "{url}");
                    assert!(e.message().contains(reason), "{url}: {e}");
                    assert!(!e.message().contains("secret"), "{url}: {e}");
                }
            }
        }
    }

    #[test]
    fn region_checks() {
        for good in ["us-east-1", "a", "x1", &"a".repeat(63)] {
            assert!(check_region(good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "-us",
            "us-",
            "us_east_1",
            "us.east.1",
            "us-east-1/x",
            "a@b",
            "é",
            &"a".repeat(64),
        ] {
            let e = check_region(bad).expect_err(bad);
            assert_eq!(e.kind(), EndpointErrorKind::InvalidRegion);
        }
    }

    #[test]
    fn invalid_region_is_refused_before_the_rules() {
        let e = resolve(&EndpointParams::new("evil.com/")).expect_err("refused");
        assert_eq!(e.kind(), EndpointErrorKind::InvalidRegion);
        // Even when a custom endpoint would make the region unused.
        let e = resolve(&EndpointParams::new("a b").with_endpoint("https://example.com"))
            .expect_err("refused");
        assert_eq!(e.kind(), EndpointErrorKind::InvalidRegion);
    }

    #[test]
    fn debug_hides_user_information() {
        let p = EndpointParams::new("us-east-1").with_endpoint("https://me:hunter2@example.com");
        let shown = format!("{p:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("us-east-1"), "{shown}");
        let p = EndpointParams::default().with_endpoint("http://localhost:9001");
        assert!(format!("{p:?}").contains("http://localhost:9001"));
    }

    #[test]
    fn custom_endpoint_url_is_checked() {
        let e = resolve(&EndpointParams::default().with_endpoint("https://u:p@example.com"))
            .expect_err("refused");
        assert_eq!(e.kind(), EndpointErrorKind::InvalidUrl);
    }
}
