//! The proxy rules of `lambda_proto::proxy` against hyper-util's proxy matcher: thousands of
//! generated proxy variables and target URLs, the same decision (proxy or direct), the
//! same proxy and the same `Proxy-Authorization`.
//!
//! Where the two differ on purpose, the expectation says so: an entry `*` in `no_proxy`
//! matches every host as curl has it (hyper-util's matcher applies it to names, not to IP
//! addresses), and a proxy URL that cannot be used is an error here (hyper-util ignores
//! it). The order in which variables are read (lower case first, as curl) is applied to
//! both: hyper-util's builder is given the value that order picks.

use std::collections::HashMap;

use hyper_util::client::proxy::matcher::Matcher;
use lambda_proto::proxy::ProxyConfig;

/// xorshift64*: reproducible cases without a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

const PROXIES: &[&str] = &[
    "http://proxy.example:3128",
    "proxy.example:8080",
    "http://u:p@10.0.0.1:3128",
    "user@proxy",
    "u:@p:1",
    "http://:pw@p:1",
    "http://us%3Aer:pa%40ss%20w%C3%A9@[::1]:8080/path?q",
    "HTTP://Mixed.Case:1",
    "http://proxy",
    "127.0.0.1:9",
];

const UNUSABLE: &[&str] = &[
    "socks5://u:pw@p:1",
    "https://p:1",
    "http://p:port",
    "/path/only",
];

const NO_PROXY: &[&str] = &[
    "*",
    "example.com",
    ".example.com",
    "EXAMPLE.com",
    "sub.example.com",
    "127.0.0.1",
    "127.0.0.0/8",
    "10.0.0.0/8",
    "10.1.2.3/16",
    "0.0.0.0/0",
    "::/0",
    "::1",
    "fd00::/8",
    "[::1]",
    "localhost",
    "internal",
    ".internal",
    "169.254.169.254",
    "",
    " ",
    "example.com:443",
    "1.2.3.4/33",
    "192.168.0.0/16",
    "com",
    ".",
    "amazonaws.com",
];

const HOSTS: &[&str] = &[
    "example.com",
    "www.example.com",
    "sub.example.com",
    "notexample.com",
    "EXAMPLE.COM",
    "localhost",
    "127.0.0.1",
    "127.1.2.3",
    "10.1.8.7",
    "10.9.8.7",
    "11.0.0.1",
    "[::1]",
    "[fd12::1]",
    "[fe80::1]",
    "169.254.169.254",
    "lambda.us-east-1.amazonaws.com",
    "a.internal",
    "internal",
    "x.com",
];

/// The variables of one case, each name absent, set or empty.
fn generate_env(rng: &mut Rng) -> (HashMap<String, String>, Vec<String>) {
    let mut env = HashMap::new();
    let mut unusable = Vec::new();
    for (lower, upper, is_list) in [
        ("all_proxy", "ALL_PROXY", false),
        ("http_proxy", "HTTP_PROXY", false),
        ("https_proxy", "HTTPS_PROXY", false),
        ("no_proxy", "NO_PROXY", true),
    ] {
        let value = |rng: &mut Rng| {
            if is_list {
                let entries: Vec<&str> = (0..rng.below(5)).map(|_| rng.pick(NO_PROXY)).collect();
                entries.join(if rng.below(2) == 0 { "," } else { ", " })
            } else if rng.below(25) == 0 {
                rng.pick(UNUSABLE).to_string()
            } else {
                rng.pick(PROXIES).to_string()
            }
        };
        let names: &[&str] = match rng.below(6) {
            0 | 1 => &[],
            2 => &[lower],
            3 => &[upper],
            _ => &[lower, upper],
        };
        for name in names {
            let v = if rng.below(10) == 0 {
                String::new()
            } else {
                value(rng)
            };
            if UNUSABLE.contains(&v.as_str()) {
                unusable.push(name.to_string());
            }
            env.insert(name.to_string(), v);
        }
    }
    (env, unusable)
}

/// The value curl reads: lower case first, an empty value counting as unset.
fn curl_value(env: &HashMap<String, String>, lower: &str, upper: &str) -> String {
    [lower, upper]
        .iter()
        .find_map(|n| env.get(*n).filter(|v| !v.is_empty()).cloned())
        .unwrap_or_default()
}

fn has_star(no_proxy: &str) -> bool {
    no_proxy.split(',').any(|e| e.trim() == "*")
}

#[test]
fn same_decisions_as_hyper_util() {
    let mut rng = Rng(0x5EED_1234_ABCD_0001);
    let (mut proxied, mut direct, mut with_auth, mut refused) = (0, 0, 0, 0);
    for case in 0..6000 {
        let (env, unusable) = generate_env(&mut rng);
        let ours = ProxyConfig::from_env_with(|name| env.get(name).cloned());
        let used = |lower: &str, upper: &str| {
            let value = curl_value(&env, lower, upper);
            (!value.is_empty()).then_some(value)
        };
        let chosen: Vec<String> = [
            ("all_proxy", "ALL_PROXY"),
            ("http_proxy", "HTTP_PROXY"),
            ("https_proxy", "HTTPS_PROXY"),
        ]
        .iter()
        .filter_map(|(l, u)| used(l, u))
        .collect();
        if chosen.iter().any(|v| UNUSABLE.contains(&v.as_str())) {
            let err = ours.expect_err(&format!("case {case}: {env:?}"));
            assert!(
                unusable.iter().any(|n| n == err.name()),
                "case {case}: {err} {env:?}"
            );
            refused += 1;
            continue;
        }
        let ours = ours.unwrap_or_else(|e| panic!("case {case}: {e} {env:?}"));
        let no_proxy = curl_value(&env, "no_proxy", "NO_PROXY");
        let oracle = Matcher::builder()
            .all(curl_value(&env, "all_proxy", "ALL_PROXY"))
            .http(curl_value(&env, "http_proxy", "HTTP_PROXY"))
            .https(curl_value(&env, "https_proxy", "HTTPS_PROXY"))
            .no(no_proxy.clone())
            .build();
        for _ in 0..4 {
            let scheme = rng.pick(&["http", "https", "https", "ftp"]);
            let host = rng.pick(HOSTS);
            let port = rng.pick(&["", ":443", ":8080"]);
            let url = format!("{scheme}://{host}{port}/2015-03-31/functions");
            let uri: http::Uri = url.parse().unwrap();
            let want = oracle.intercept(&uri);
            let star_on_ip = has_star(&no_proxy) && host.starts_with(['[', '1']);
            let want = want
                .filter(|_| !star_on_ip)
                .map(|i| (i.uri().to_string(), i.basic_auth().cloned()));
            let got = ours
                .intercept(&uri)
                .map(|p| (p.uri().to_string(), p.basic_auth()));
            assert_eq!(got, want, "case {case}: {url} with {env:?}");
            match &got {
                Some((_, auth)) => {
                    proxied += 1;
                    with_auth += usize::from(auth.is_some());
                }
                None => direct += 1,
            }
        }
    }
    // The cases cover every outcome, many times.
    assert!(
        proxied > 3000 && direct > 3000,
        "{proxied} proxied, {direct} direct"
    );
    assert!(
        with_auth > 500 && refused > 100,
        "{with_auth} with credentials, {refused} refused"
    );
}
