//! Which proxy, if any, carries a request: the rules of curl (and of hyper-util's proxy
//! matcher), shared by both drivers and usable by any transport.
//!
//! [`ProxyConfig::from_env_with`] reads `https_proxy` for `https` URLs, `http_proxy` for
//! `http` ones, `all_proxy` for both when the scheme's own variable is unset, and
//! `no_proxy` (each name lower case first, then upper case, as curl reads them).
//! [`ProxyConfig::intercept`] then decides per request URL.
//!
//! ```
//! use lambda_proto::proxy::{Proxy, ProxyConfig};
//!
//! let env = |name: &str| match name {
//!     "HTTPS_PROXY" => Some("http://user:p%40ss@proxy.corp:3128".to_string()),
//!     "NO_PROXY" => Some("169.254.169.254, .internal, 10.0.0.0/8".to_string()),
//!     _ => None,
//! };
//! let config = ProxyConfig::from_env_with(env)?;
//! let uri = "https://lambda.eu-west-1.amazonaws.com/".parse().unwrap();
//! let proxy = config.intercept(&uri).expect("https goes through the proxy");
//! assert_eq!(proxy.authority(), "proxy.corp:3128");
//! assert_eq!(proxy.credentials(), Some(("user", "p@ss")));
//! // `http_proxy` is unset: plain http goes direct, and so does anything in `no_proxy`.
//! assert!(config.intercept(&"http://example.com/".parse().unwrap()).is_none());
//! assert!(config.intercept(&"https://api.internal/".parse().unwrap()).is_none());
//!
//! // Or explicitly:
//! let config = ProxyConfig::direct()
//!     .https(Proxy::parse("proxy.corp:3128")?)
//!     .no_proxy("localhost");
//! # let _ = config;
//! # Ok::<(), lambda_proto::proxy::ProxyError>(())
//! ```

use std::fmt;
use std::net::IpAddr;

use percent_encoding::percent_decode_str;

use crate::redact::Redacted;

/// One HTTP proxy: its address and the credentials it asks for (Basic).
///
/// `Debug` shows the address only, never the user name or password.
#[derive(Clone, PartialEq, Eq)]
pub struct Proxy {
    uri: http::Uri,
    credentials: Option<(String, String)>,
}

impl Proxy {
    /// Parses a proxy URL as curl takes it: `[http://][user[:password]@]host[:port]`,
    /// user and password percent-decoded, port 80 when absent, any path ignored.
    ///
    /// Only plain `http` proxies are supported (for `https` destinations they tunnel with
    /// `CONNECT`); another scheme (`https://`, `socks5://`) is an error.
    pub fn parse(url: &str) -> Result<Proxy, ProxyError> {
        Self::parse_named(url, "proxy URL")
    }

    fn parse_named(url: &str, name: &str) -> Result<Proxy, ProxyError> {
        let invalid = |reason: String| ProxyError {
            name: name.to_string(),
            reason,
        };
        let uri: http::Uri = url
            .parse()
            .map_err(|e: http::uri::InvalidUri| invalid(format!("not a URL ({e})")))?;
        match uri.scheme_str() {
            None | Some("http") => {}
            Some(other) => {
                // Only well-known schemes are echoed: nothing of an unknown URL's text is
                // shown, since a mistyped URL may put a password anywhere.
                const KNOWN: [&str; 6] = ["https", "socks4", "socks4a", "socks5", "socks5h", "ftp"];
                let scheme = KNOWN
                    .iter()
                    .find(|known| other.eq_ignore_ascii_case(known))
                    .map_or_else(
                        || "unsupported proxy scheme".to_string(),
                        |known| format!("unsupported proxy scheme `{known}`"),
                    );
                return Err(invalid(format!(
                    "{scheme} (only http:// proxies are supported)"
                )));
            }
        }
        let authority = uri
            .authority()
            .ok_or_else(|| invalid("no proxy host".to_string()))?;
        let (credentials, host_port) = match authority.as_str().split_once('@') {
            Some((userinfo, host_port)) => {
                let (user, password) = userinfo.split_once(':').unwrap_or((userinfo, ""));
                let decode = |s: &str| percent_decode_str(s).decode_utf8_lossy().into_owned();
                (Some((decode(user), decode(password))), host_port)
            }
            None => (None, authority.as_str()),
        };
        let uri = http::Uri::builder()
            .scheme("http")
            .authority(host_port)
            .path_and_query("/")
            .build()
            .map_err(|e| invalid(format!("not a URL ({e})")))?;
        if uri.host().map_or(true, str::is_empty) {
            return Err(invalid("no proxy host".to_string()));
        }
        let port = host_port.rsplit_once(':').map(|(_, port)| port);
        if !host_port.ends_with(']') && port.is_some_and(|p| p.parse::<u16>().is_err()) {
            return Err(invalid(
                "the port is not a number from 0 to 65535".to_string(),
            ));
        }
        Ok(Proxy { uri, credentials })
    }

    /// The proxy's URL, `http://host:port/` (without credentials).
    pub fn uri(&self) -> &http::Uri {
        &self.uri
    }

    /// The proxy's host (an IPv6 address in brackets).
    pub fn host(&self) -> &str {
        self.uri.host().unwrap_or_default()
    }

    /// The proxy's port (80 when the URL names none).
    pub fn port(&self) -> u16 {
        self.uri.port_u16().unwrap_or(80)
    }

    /// `host:port` as the URL gave it.
    pub fn authority(&self) -> &str {
        self.uri.authority().map_or("", |a| a.as_str())
    }

    /// The user name and password (empty when the URL gave none after the user name).
    pub fn credentials(&self) -> Option<(&str, &str)> {
        self.credentials
            .as_ref()
            .map(|(user, password)| (user.as_str(), password.as_str()))
    }

    /// The `Proxy-Authorization` value (`Basic base64(user:password)`), marked sensitive.
    pub fn basic_auth(&self) -> Option<http::HeaderValue> {
        use base64::Engine as _;
        let (user, password) = self.credentials()?;
        let token = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
        let mut value = http::HeaderValue::try_from(format!("Basic {token}"))
            .expect("base64 is a valid header value");
        value.set_sensitive(true);
        Some(value)
    }
}

impl fmt::Debug for Proxy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Proxy")
            .field("uri", &self.uri)
            .field("credentials", &Redacted::of(&self.credentials))
            .finish()
    }
}

/// Which proxy carries a request to which URL; see the [module docs](self).
///
/// The default is [`ProxyConfig::direct`]: no proxy.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProxyConfig {
    http: Option<Proxy>,
    https: Option<Proxy>,
    no_proxy: NoProxy,
}

impl ProxyConfig {
    /// No proxy: every request goes direct.
    pub fn direct() -> Self {
        ProxyConfig::default()
    }

    /// Reads the proxy variables through `env` (a name to its value), as curl does:
    /// `https_proxy`/`HTTPS_PROXY` for https URLs, `http_proxy`/`HTTP_PROXY` for http ones,
    /// `all_proxy`/`ALL_PROXY` where the scheme's own is unset, `no_proxy`/`NO_PROXY`
    /// (lower case wins; an empty value counts as unset). `HTTP_PROXY` in upper case is
    /// ignored when `REQUEST_METHOD` is set: in a CGI program a request header could set it.
    ///
    /// Fails with a [`ProxyError`] naming the variable whose URL cannot be used.
    pub fn from_env_with(env: impl Fn(&str) -> Option<String>) -> Result<Self, ProxyError> {
        let cgi = env("REQUEST_METHOD").is_some();
        let read = |names: &[&'static str]| {
            names
                .iter()
                .filter(|name| !(cgi && **name == "HTTP_PROXY"))
                .find_map(|name| env(name).filter(|v| !v.is_empty()).map(|v| (*name, v)))
        };
        let parse = |found: Option<(&str, String)>| {
            found
                .map(|(name, value)| Proxy::parse_named(&value, name))
                .transpose()
        };
        let all = parse(read(&["all_proxy", "ALL_PROXY"]))?;
        let http = parse(read(&["http_proxy", "HTTP_PROXY"]))?;
        let https = parse(read(&["https_proxy", "HTTPS_PROXY"]))?;
        let no_proxy = read(&["no_proxy", "NO_PROXY"]).map(|(_, v)| v);
        Ok(ProxyConfig {
            http: http.or_else(|| all.clone()),
            https: https.or(all),
            no_proxy: NoProxy::parse(no_proxy.as_deref().unwrap_or("")),
        })
    }

    /// The proxy for `http` URLs.
    pub fn http(mut self, proxy: Proxy) -> Self {
        self.http = Some(proxy);
        self
    }

    /// The proxy for `https` URLs (tunnelled with `CONNECT`).
    pub fn https(mut self, proxy: Proxy) -> Self {
        self.https = Some(proxy);
        self
    }

    /// One proxy for `http` and `https` URLs alike.
    pub fn all(self, proxy: Proxy) -> Self {
        self.http(proxy.clone()).https(proxy)
    }

    /// Hosts that go direct, as `no_proxy` lists them: comma-separated `*` (every host),
    /// host names (`example.com` and `.example.com` both match it and its subdomains),
    /// IP addresses and CIDR blocks (`10.0.0.0/8`, `fd00::/8`); case-insensitive; the
    /// port of the URL does not matter. An entry that is none of these never matches.
    pub fn no_proxy(mut self, list: &str) -> Self {
        self.no_proxy = NoProxy::parse(list);
        self
    }

    /// The proxy for `http` URLs, if any.
    pub fn http_proxy(&self) -> Option<&Proxy> {
        self.http.as_ref()
    }

    /// The proxy for `https` URLs, if any.
    pub fn https_proxy(&self) -> Option<&Proxy> {
        self.https.as_ref()
    }

    /// The proxy that carries a request to `uri`, or `None` to go direct (no proxy for its
    /// scheme, a scheme other than `http`/`https`, no host, or a host in `no_proxy`).
    pub fn intercept(&self, uri: &http::Uri) -> Option<&Proxy> {
        let proxy = match uri.scheme_str()? {
            "http" => self.http.as_ref()?,
            "https" => self.https.as_ref()?,
            _ => return None,
        };
        if self.no_proxy.contains(uri.host()?) {
            return None;
        }
        Some(proxy)
    }

    /// As [`intercept`](Self::intercept) for `request`'s URI, except that a request
    /// marked [`Direct`] always goes direct.
    pub fn intercept_request<B>(&self, request: &http::Request<B>) -> Option<&Proxy> {
        if request.extensions().get::<Direct>().is_some() {
            return None;
        }
        self.intercept(request.uri())
    }
}

/// A request extension: this request never goes through a proxy. The container
/// credentials endpoint sets it (a link-local or loopback address, as botocore never
/// proxies it).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Direct;

/// A proxy URL that cannot be used: the variable or field it came from, and why.
///
/// Neither the message nor `Debug` shows the URL (it may carry a password).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProxyError {
    name: String,
    reason: String,
}

impl ProxyError {
    /// An error about the proxy URL of `name` (a variable or field), for `reason`.
    pub fn new(name: impl Into<String>, reason: impl Into<String>) -> Self {
        ProxyError {
            name: name.into(),
            reason: reason.into(),
        }
    }

    /// The variable (`HTTPS_PROXY`, `all_proxy`, ...) or `proxy URL` for
    /// [`Proxy::parse`].
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl fmt::Display for ProxyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid {}: {}", self.name, self.reason)
    }
}

impl std::error::Error for ProxyError {}

/// The hosts of `no_proxy`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct NoProxy {
    everything: bool,
    networks: Vec<(IpAddr, u8)>,
    domains: Vec<String>,
}

impl NoProxy {
    fn parse(list: &str) -> NoProxy {
        let mut out = NoProxy::default();
        for entry in list.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            if entry == "*" {
                out.everything = true;
            } else if let Some(network) = parse_network(entry) {
                out.networks.push(network);
            } else {
                out.domains.push(entry.to_string());
            }
        }
        out
    }

    fn contains(&self, host: &str) -> bool {
        if self.everything {
            return true;
        }
        let bare = host
            .strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .unwrap_or(host);
        match bare.parse::<IpAddr>() {
            Ok(ip) => self
                .networks
                .iter()
                .any(|&(net, len)| in_network(ip, net, len)),
            Err(_) => self.domains.iter().any(|d| domain_matches(d, host)),
        }
    }
}

/// `addr` or `addr/len` (an address alone is a network of one).
fn parse_network(entry: &str) -> Option<(IpAddr, u8)> {
    let (addr, len) = match entry.split_once('/') {
        Some((addr, len)) => (addr, Some(len)),
        None => (entry, None),
    };
    let addr: IpAddr = addr.parse().ok()?;
    let max = if addr.is_ipv4() { 32 } else { 128 };
    let len = match len {
        None => max,
        Some(len) if !len.is_empty() && len.bytes().all(|b| b.is_ascii_digit()) => {
            len.parse().ok().filter(|&l| l <= max)?
        }
        Some(_) => return None,
    };
    Some((addr, len))
}

fn in_network(ip: IpAddr, net: IpAddr, len: u8) -> bool {
    fn prefix_eq(a: u128, b: u128, len: u8, bits: u8) -> bool {
        let shift = bits - len;
        shift >= bits || (a >> shift) == (b >> shift)
    }
    match (ip, net) {
        (IpAddr::V4(a), IpAddr::V4(b)) => {
            prefix_eq(u32::from(a).into(), u32::from(b).into(), len, 32)
        }
        (IpAddr::V6(a), IpAddr::V6(b)) => prefix_eq(u128::from(a), u128::from(b), len, 128),
        _ => false,
    }
}

/// curl's rule (as hyper-util has it): `entry` matches the host itself and its
/// subdomains, with or without a leading dot, ignoring case.
fn domain_matches(entry: &str, host: &str) -> bool {
    if entry.eq_ignore_ascii_case(host)
        || entry
            .strip_prefix('.')
            .is_some_and(|e| e.eq_ignore_ascii_case(host))
    {
        return true;
    }
    let Some(start) = host.len().checked_sub(entry.len()) else {
        return false;
    };
    let tail_matches = host
        .get(start..)
        .is_some_and(|tail| tail.eq_ignore_ascii_case(entry));
    tail_matches && (entry.starts_with('.') || host[..start].ends_with('.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        }
    }

    fn target(config: &ProxyConfig, url: &str) -> Option<String> {
        config
            .intercept(&url.parse().unwrap())
            .map(|p| p.authority().to_string())
    }

    #[test]
    fn each_scheme_has_its_variable_and_all_proxy_fills_in() {
        let c = ProxyConfig::from_env_with(env(&[("HTTP_PROXY", "h:1")])).unwrap();
        assert_eq!(target(&c, "http://a/").as_deref(), Some("h:1"));
        assert_eq!(
            target(&c, "https://a/"),
            None,
            "HTTP_PROXY alone carries no https"
        );

        let c = ProxyConfig::from_env_with(env(&[("ALL_PROXY", "all:1"), ("https_proxy", "s:2")]))
            .unwrap();
        assert_eq!(target(&c, "https://a/").as_deref(), Some("s:2"));
        assert_eq!(target(&c, "http://a/").as_deref(), Some("all:1"));
        assert_eq!(target(&c, "ftp://a/"), None);
    }

    #[test]
    fn lower_case_wins_and_empty_is_unset() {
        let c = ProxyConfig::from_env_with(env(&[
            ("HTTPS_PROXY", "upper:1"),
            ("https_proxy", "lower:2"),
            ("http_proxy", ""),
            ("HTTP_PROXY", "upper:3"),
        ]))
        .unwrap();
        assert_eq!(target(&c, "https://a/").as_deref(), Some("lower:2"));
        assert_eq!(target(&c, "http://a/").as_deref(), Some("upper:3"));
    }

    #[test]
    fn cgi_ignores_upper_case_http_proxy() {
        let vars = [("REQUEST_METHOD", "GET"), ("HTTP_PROXY", "evil:1")];
        let c = ProxyConfig::from_env_with(env(&vars)).unwrap();
        assert_eq!(target(&c, "http://a/"), None);
        let vars = [("REQUEST_METHOD", "GET"), ("http_proxy", "ok:1")];
        let c = ProxyConfig::from_env_with(env(&vars)).unwrap();
        assert_eq!(target(&c, "http://a/").as_deref(), Some("ok:1"));
    }

    #[test]
    fn no_proxy_entries() {
        let c = ProxyConfig::direct()
            .all(Proxy::parse("p:1").unwrap())
            .no_proxy(
            " Example.COM, .corp, 10.0.0.0/8 ,::1, fd00::/8, 192.168.1.7, bad/99, host.local:8080",
        );
        for (url, direct) in [
            ("https://example.com/", true),
            ("https://EXAMPLE.com:8443/", true),
            ("https://a.b.example.com/", true),
            ("https://notexample.com/", false),
            ("https://corp/", true),
            ("https://x.corp/", true),
            ("https://10.200.3.4/", true),
            ("https://11.0.0.1/", false),
            ("http://[::1]:80/", true),
            ("http://[fd12::1]/", true),
            ("http://[fe80::1]/", false),
            ("http://192.168.1.7/", true),
            ("http://192.168.1.8/", false),
            ("http://host.local/", false),
        ] {
            assert_eq!(target(&c, url).is_none(), direct, "{url}");
        }
        let star = ProxyConfig::direct()
            .all(Proxy::parse("p:1").unwrap())
            .no_proxy("x, *");
        assert_eq!(target(&star, "http://127.0.0.1/"), None);
        assert_eq!(target(&star, "https://any.where/"), None);
    }

    #[test]
    fn networks() {
        assert_eq!(
            parse_network("10.1.2.3/0"),
            Some(("10.1.2.3".parse().unwrap(), 0))
        );
        assert!(in_network(
            "1.2.3.4".parse().unwrap(),
            "10.1.2.3".parse().unwrap(),
            0
        ));
        assert!(in_network(
            "10.1.255.1".parse().unwrap(),
            "10.1.0.0".parse().unwrap(),
            16
        ));
        assert!(!in_network(
            "10.2.0.1".parse().unwrap(),
            "10.1.0.0".parse().unwrap(),
            16
        ));
        assert!(!in_network(
            "::ffff:10.1.0.1".parse().unwrap(),
            "10.1.0.0".parse().unwrap(),
            16
        ));
        assert_eq!(parse_network("10.0.0.0/33"), None);
        assert_eq!(parse_network("10.0.0.0/+8"), None);
        assert_eq!(parse_network("::/129"), None);
    }

    #[test]
    fn proxy_urls() {
        let p = Proxy::parse("http://us%3Aer:pa%40ss:w@proxy.example:3128/ignored").unwrap();
        assert_eq!(p.authority(), "proxy.example:3128");
        assert_eq!(p.credentials(), Some(("us:er", "pa@ss:w")));
        assert_eq!(p.uri(), "http://proxy.example:3128/");
        let p = Proxy::parse("user@proxy").unwrap();
        assert_eq!((p.host(), p.port()), ("proxy", 80));
        assert_eq!(p.credentials(), Some(("user", "")));
        assert_eq!(p.basic_auth().unwrap(), "Basic dXNlcjo=");
        assert!(p.basic_auth().unwrap().is_sensitive());
        assert_eq!(Proxy::parse("[::1]:8080").unwrap().host(), "[::1]");
        assert_eq!(Proxy::parse("proxy:1").unwrap().basic_auth(), None);
    }

    #[test]
    fn bad_urls_name_the_variable_and_hide_the_password() {
        for (value, why) in [
            (
                "socks5://u:hunter2@p:1",
                "unsupported proxy scheme `socks5`",
            ),
            ("https://u:hunter2@p:1", "unsupported proxy scheme `https`"),
            (
                "SOCKS5h://u:hunter2@p:1",
                "unsupported proxy scheme `socks5h`",
            ),
            // A mistyped URL whose "scheme" holds the secret: nothing of it is echoed.
            ("hunter2-x://p/@", "unsupported proxy scheme (only http://"),
            ("http://u:hunter2@p:port", "the port is not a number"),
            ("http://u:hunter2@ pr oxy", "not a URL"),
            ("/just/a/path", "no proxy host"),
        ] {
            let err = ProxyConfig::from_env_with(env(&[("no_proxy", "x"), ("HTTPS_PROXY", value)]))
                .unwrap_err();
            assert_eq!(err.name(), "HTTPS_PROXY");
            let shown = format!("{err} {err:?}");
            assert!(
                shown.contains("invalid HTTPS_PROXY: ") && shown.contains(why),
                "{shown}"
            );
            assert!(!shown.contains("hunter2"), "{shown}");
        }
        let err = Proxy::parse("ftp://p").unwrap_err();
        assert_eq!(err.name(), "proxy URL");
    }

    #[test]
    fn debug_hides_credentials() {
        let c =
            ProxyConfig::from_env_with(env(&[("all_proxy", "http://alice:hunter2@p:1")])).unwrap();
        let shown = format!("{c:?}");
        assert!(
            shown.contains("http://p:1/") && shown.contains("redacted"),
            "{shown}"
        );
        assert!(
            !shown.contains("hunter2") && !shown.contains("alice"),
            "{shown}"
        );
    }

    #[test]
    fn direct_marker() {
        let c = ProxyConfig::direct().all(Proxy::parse("p:1").unwrap());
        let mut request = http::Request::get("http://169.254.170.2/creds")
            .body(())
            .unwrap();
        assert!(c.intercept_request(&request).is_some());
        request.extensions_mut().insert(Direct);
        assert!(c.intercept_request(&request).is_none());
    }
}
