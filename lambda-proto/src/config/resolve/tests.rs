use super::*;
use proptest::prelude::*;
use std::path::Path;

fn run(config: &str, credentials: &str, env: &[(&str, &str)]) -> Result<Config, ConfigError> {
    let lookup = |name: &str| {
        env.iter()
            .rev()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.to_string())
    };
    let file = |t: &str| (!t.is_empty()).then_some(t.to_string());
    resolve(
        &lookup,
        file(config).as_deref(),
        file(credentials).as_deref(),
    )
}

/// Test-only view of the credentials as plain strings.
trait Keys {
    fn keys(&self) -> Option<(&str, &str, Option<&str>)>;
}

impl Keys for Config {
    fn keys(&self) -> Option<(&str, &str, Option<&str>)> {
        self.credentials()
            .map(|c| (c.access_key_id(), c.secret_access_key(), c.session_token()))
    }
}

/// `case!(config text, credentials text, [ENV = value, ...] => method: expected, ...)`
macro_rules! case {
    ($cfg:expr, $creds:expr, [$($k:literal = $v:literal),*] => $($m:ident: $want:expr),+) => {{
        let env: &[(&str, &str)] = &[$(($k, $v)),*];
        let c = run($cfg, $creds, env)
            .unwrap_or_else(|e| panic!("{} | {} | {:?}: {e}", $cfg, $creds, env));
        $( assert_eq!(c.$m(), $want, "{}: {} | {} | {:?}", stringify!($m), $cfg, $creds, env); )+
    }};
}

/// `fails!(config text, credentials text, [ENV = value, ...] => "substring", ...)`
macro_rules! fails {
    ($cfg:expr, $creds:expr, [$($k:literal = $v:literal),*] => $($want:literal),+) => {{
        let e = run($cfg, $creds, &[$(($k, $v)),*]).expect_err($cfg).to_string();
        $( assert!(e.contains($want), "missing {:?} in: {e}", $want); )+
    }};
}

const SK: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

#[test]
fn profile_selection() {
    case!("", "", [] => profile: "default");
    case!("", "", ["AWS_PROFILE" = "dev"] => profile: "dev");
    case!("", "", ["AWS_PROFILE" = " dev \t"] => profile: "dev");
    case!("", "", ["AWS_PROFILE" = ""] => profile: "default");
}

#[test]
fn region() {
    let cfg = "[default]\nregion = eu-west-3\n[profile p]\nregion = ap-south-1";
    case!(cfg, "", ["AWS_REGION" = "us-west-2", "AWS_DEFAULT_REGION" = "eu-west-1"] => region: Some("us-west-2"));
    case!(cfg, "", ["AWS_DEFAULT_REGION" = "eu-west-1"] => region: Some("eu-west-1"));
    case!(cfg, "", [] => region: Some("eu-west-3"));
    case!(cfg, "", ["AWS_REGION" = ""] => region: Some("eu-west-3"));
    case!(cfg, "", ["AWS_PROFILE" = "p"] => region: Some("ap-south-1"));
    case!(cfg, "", ["AWS_PROFILE" = "missing"] => region: None);
    case!("", "[default]\nregion = ca-central-1", [] => region: Some("ca-central-1"));
    case!(cfg, "[default]\nregion = ca-central-1", [] => region: Some("ca-central-1"));
    case!("[default]\nregion =", "", [] => region: None);
    case!("[profile default]\nregion = a\n[default]\nregion = b", "", [] => region: Some("a"));
    case!("[default]\nregion = a # comment", "", [] => region: Some("a"));
}

#[test]
fn missing_region_says_where_it_looked() {
    let c = run("[default]\noutput = json", "", &[]).unwrap();
    let e = c.require_region().unwrap_err();
    assert!(matches!(
        e.kind(),
        ConfigErrorKind::MissingRegion {
            profile_found: true,
            ..
        }
    ));
    let e = e.to_string();
    for part in [
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
        "profile `default`",
        "`region`",
        "~/.aws/config",
    ] {
        assert!(e.contains(part), "{part}: {e}");
    }
    let c = run(
        "",
        "",
        &[("AWS_PROFILE", "dev"), ("AWS_CONFIG_FILE", "/etc/aws.conf")],
    )
    .unwrap();
    let e = c.require_region().unwrap_err().to_string();
    assert!(
        e.contains("no profile `dev`") && e.contains("/etc/aws.conf"),
        "{e}"
    );
}

#[test]
fn credentials() {
    let creds = "[default]\naws_access_key_id = AKIDFILE\naws_secret_access_key = SFILE\naws_session_token = TFILE\n[dev]\naws_access_key_id = AKIDDEV\naws_secret_access_key = SDEV";
    case!("", "", ["AWS_ACCESS_KEY_ID" = "AKIDENV", "AWS_SECRET_ACCESS_KEY" = "SENV"] => keys: Some(("AKIDENV", "SENV", None)));
    case!("", "", ["AWS_ACCESS_KEY_ID" = "AKIDENV", "AWS_SECRET_ACCESS_KEY" = "SENV", "AWS_SESSION_TOKEN" = "TENV"] => keys: Some(("AKIDENV", "SENV", Some("TENV"))));
    case!("", creds, ["AWS_ACCESS_KEY_ID" = "AKIDENV", "AWS_SECRET_ACCESS_KEY" = "SENV"] => keys: Some(("AKIDENV", "SENV", None)));
    case!("", creds, [] => keys: Some(("AKIDFILE", "SFILE", Some("TFILE"))));
    case!("", creds, ["AWS_PROFILE" = "dev"] => keys: Some(("AKIDDEV", "SDEV", None)));
    case!("", creds, ["AWS_PROFILE" = "nope"] => keys: None);
    case!("[profile dev]\naws_access_key_id = AKIDCFG\naws_secret_access_key = SCFG", "", ["AWS_PROFILE" = "dev"] => keys: Some(("AKIDCFG", "SCFG", None)));
    case!("[profile dev]\naws_access_key_id = AKIDCFG\naws_secret_access_key = SCFG", creds, ["AWS_PROFILE" = "dev"] => keys: Some(("AKIDDEV", "SDEV", None)));
    case!("[default]\naws_session_token = TCFG", "[default]\naws_access_key_id = A\naws_secret_access_key = S", [] => keys: Some(("A", "S", Some("TCFG"))));
    case!("", creds, ["AWS_SESSION_TOKEN" = "TENV"] => keys: Some(("AKIDFILE", "SFILE", Some("TFILE"))));
    case!("", "", ["AWS_ACCESS_KEY_ID" = "", "AWS_SECRET_ACCESS_KEY" = ""] => keys: None);
    case!("", "", [] => keys: None);
}

#[test]
fn incomplete_credentials_are_errors() {
    fails!("", "", ["AWS_ACCESS_KEY_ID" = "AKID"] => "environment variable AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not");
    fails!("", "", ["AWS_SECRET_ACCESS_KEY" = "S"] => "environment variable AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not");
    fails!("", "[default]\n\naws_access_key_id = AKID", [] => "`aws_access_key_id` in profile `default` of the credentials file (~/.aws/credentials), line 3", "aws_secret_access_key is not");
    fails!("[profile d]\naws_secret_access_key = S", "", ["AWS_PROFILE" = "d"] => "`aws_secret_access_key` in profile `d` of the config file", "aws_access_key_id is not");
}

#[test]
fn missing_credentials_say_where_they_looked() {
    let c = run(
        "[default]\nregion = us-east-1",
        "",
        &[("AWS_SHARED_CREDENTIALS_FILE", "/srv/creds")],
    )
    .unwrap();
    let e = c.require_credentials().unwrap_err().to_string();
    for part in [
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "profile `default`",
        "/srv/creds",
        "~/.aws/config",
    ] {
        assert!(e.contains(part), "{part}: {e}");
    }
    let c = run(
        "[profile ops]\nrole_arn = arn:aws:iam::123456789012:role/ops\nsource_profile = default",
        "",
        &[("AWS_PROFILE", "ops")],
    )
    .unwrap();
    let e = c.require_credentials().unwrap_err();
    assert!(matches!(
        e.kind(),
        ConfigErrorKind::MissingCredentials {
            other_source: Some("role_arn"),
            profile_found: true,
            ..
        }
    ));
    assert!(e.to_string().contains("`role_arn`"), "{e}");
    let c = run("", "", &[("AWS_PROFILE", "ghost")]).unwrap();
    let e = c.require_credentials().unwrap_err().to_string();
    assert!(e.contains("there is no profile `ghost`"), "{e}");
    assert_eq!(c.warnings().len(), 1);
    assert!(c.warnings()[0].contains("`ghost` (AWS_PROFILE)"));
}

#[test]
fn endpoint_url() {
    let svc = "[default]\nendpoint_url = http://profile:1\nservices = mine\n[services mine]\nlambda =\n  endpoint_url = http://services:2\ns3 =\n  endpoint_url = http://s3:3";
    case!(svc, "", ["AWS_ENDPOINT_URL_LAMBDA" = "http://lambda-env:4", "AWS_ENDPOINT_URL" = "http://global-env:5"] => endpoint_url: Some("http://lambda-env:4"));
    case!(svc, "", ["AWS_ENDPOINT_URL" = "http://global-env:5"] => endpoint_url: Some("http://global-env:5"));
    case!(svc, "", ["AWS_ENDPOINT_URL_S3" = "http://s3-env:6"] => endpoint_url: Some("http://services:2"));
    case!(svc, "", [] => endpoint_url: Some("http://services:2"));
    case!("[default]\nendpoint_url = http://profile:1", "", [] => endpoint_url: Some("http://profile:1"));
    case!("[default]\nendpoint_url = http://profile:1\nservices = mine\n[services mine]\ns3 =\n  endpoint_url = http://s3:3", "", [] => endpoint_url: Some("http://profile:1"));
    case!("[default]\nservices = mine\n[services mine]\nLambda =\n  Endpoint_URL = http://services:2", "", [] => endpoint_url: Some("http://services:2"));
    case!(svc, "", ["AWS_IGNORE_CONFIGURED_ENDPOINT_URLS" = "true", "AWS_ENDPOINT_URL_LAMBDA" = "http://lambda-env:4"] => endpoint_url: None);
    case!(svc, "", ["AWS_IGNORE_CONFIGURED_ENDPOINT_URLS" = "TRUE"] => endpoint_url: None);
    case!("[default]\nignore_configured_endpoint_urls = true\nendpoint_url = http://profile:1", "", ["AWS_ENDPOINT_URL" = "http://global-env:5"] => endpoint_url: None);
    case!("[default]\nignore_configured_endpoint_urls = true\nendpoint_url = http://profile:1", "", ["AWS_IGNORE_CONFIGURED_ENDPOINT_URLS" = "false"] => endpoint_url: Some("http://profile:1"));
    case!("[default]\nignore_configured_endpoint_urls = false\nendpoint_url = http://profile:1", "", [] => endpoint_url: Some("http://profile:1"));
    case!("", "", ["AWS_ENDPOINT_URL" = "https://lambda.example.com/prefix"] => endpoint_url: Some("https://lambda.example.com/prefix"));
    case!("", "", [] => endpoint_url: None);
}

#[test]
fn endpoint_url_errors_and_warnings() {
    fails!("", "", ["AWS_ENDPOINT_URL_LAMBDA" = "localhost:5000"] => "environment variable AWS_ENDPOINT_URL_LAMBDA", "\"localhost:5000\" is not valid", "http or https");
    fails!("[default]\nendpoint_url = ftp://x", "", [] => "`endpoint_url` in profile `default` of the config file (~/.aws/config), line 2");
    fails!("[default]\nservices = s\n[services s]\nlambda =\n  endpoint_url = nope", "", [] => "`endpoint_url` of `lambda` in [services s] of the config file (~/.aws/config), line 4");
    fails!("[default]\nignore_configured_endpoint_urls = yes", "", [] => "`ignore_configured_endpoint_urls`", "must be true or false");
    // An invalid URL is not looked at when endpoints are ignored.
    case!("", "", ["AWS_IGNORE_CONFIGURED_ENDPOINT_URLS" = "true", "AWS_ENDPOINT_URL" = "nope"] => endpoint_url: None);
    // A `services` reference to a missing section falls through, with a warning.
    let c = run(
        "[default]\nservices = gone\nendpoint_url = http://profile:1",
        "",
        &[],
    )
    .unwrap();
    assert_eq!(c.endpoint_url(), Some("http://profile:1"));
    assert!(
        c.warnings().iter().any(|w| w.contains("[services gone]")),
        "{:?}",
        c.warnings()
    );
}

#[test]
fn fips_and_dualstack() {
    case!("", "", [] => use_fips: false, use_dualstack: false);
    case!("", "", ["AWS_USE_FIPS_ENDPOINT" = "true"] => use_fips: true, use_dualstack: false);
    case!("", "", ["AWS_USE_FIPS_ENDPOINT" = "True", "AWS_USE_DUALSTACK_ENDPOINT" = "TRUE"] => use_fips: true, use_dualstack: true);
    case!("[default]\nuse_fips_endpoint = true\nuse_dualstack_endpoint = true", "", [] => use_fips: true, use_dualstack: true);
    case!("[default]\nuse_fips_endpoint = true", "", ["AWS_USE_FIPS_ENDPOINT" = "false"] => use_fips: false);
    case!("[default]\nuse_dualstack_endpoint = false", "", [] => use_dualstack: false);
    fails!("", "", ["AWS_USE_FIPS_ENDPOINT" = "1"] => "environment variable AWS_USE_FIPS_ENDPOINT: \"1\" is not valid: must be true or false");
    fails!("[profile x]\n\nuse_fips_endpoint = maybe", "", ["AWS_PROFILE" = "x"] => "`use_fips_endpoint` in profile `x` of the config file (~/.aws/config), line 3: \"maybe\" is not valid: must be true or false");
    fails!("", "[default]\nuse_dualstack_endpoint = yes", [] => "`use_dualstack_endpoint` in profile `default` of the credentials file");
}

#[test]
fn retry_settings() {
    case!("", "", [] => max_attempts: None, retry_mode: None);
    case!("", "", ["AWS_MAX_ATTEMPTS" = "5"] => max_attempts: Some(5));
    case!("[default]\nmax_attempts = 7", "", [] => max_attempts: Some(7));
    case!("[default]\nmax_attempts = 7", "", ["AWS_MAX_ATTEMPTS" = "2"] => max_attempts: Some(2));
    case!("", "", ["AWS_RETRY_MODE" = "adaptive"] => retry_mode: Some(RetryMode::Adaptive));
    case!("[default]\nretry_mode = standard", "", [] => retry_mode: Some(RetryMode::Standard));
    case!("[default]\nretry_mode = standard", "", ["AWS_RETRY_MODE" = "adaptive"] => retry_mode: Some(RetryMode::Adaptive));
    case!("[default]\nretry_mode = legacy", "", [] => retry_mode: Some(RetryMode::Standard));
    fails!("", "", ["AWS_MAX_ATTEMPTS" = "abc"] => "environment variable AWS_MAX_ATTEMPTS: \"abc\" is not valid: must be a whole number greater than 0");
    fails!("", "", ["AWS_MAX_ATTEMPTS" = "0"] => "AWS_MAX_ATTEMPTS: \"0\"");
    fails!("", "", ["AWS_MAX_ATTEMPTS" = "-1"] => "AWS_MAX_ATTEMPTS: \"-1\"");
    fails!("[default]\nmax_attempts = 3.5", "", [] => "`max_attempts` in profile `default` of the config file (~/.aws/config), line 2");
    fails!("", "", ["AWS_RETRY_MODE" = "turbo"] => "environment variable AWS_RETRY_MODE: \"turbo\" is not valid: must be standard, adaptive or legacy");

    let c = run(
        "[default]\nmax_attempts = 6\nretry_mode = adaptive",
        "",
        &[],
    )
    .unwrap();
    assert_eq!(
        c.retry_config(),
        RetryConfig::standard()
            .with_max_attempts(6)
            .with_mode(RetryMode::Adaptive)
    );
    assert_eq!(
        run("", "", &[]).unwrap().retry_config(),
        RetryConfig::standard()
    );
}

#[test]
fn parse_errors_name_the_file() {
    fails!("[default]\nregion", "", [] => "config file, line 2", "(~/.aws/config)");
    fails!("", "[default]\nx\n", ["AWS_SHARED_CREDENTIALS_FILE" = "/tmp/c"] => "credentials file, line 2", "(/tmp/c)");
    let e = run("oops", "", &[]).unwrap_err();
    assert!(matches!(e.kind(), ConfigErrorKind::Parse { .. }));
    assert!(std::error::Error::source(&e).is_some());
}

#[test]
fn file_warnings_reach_the_config() {
    let c = run("[dev]\nregion = x", "", &[]).unwrap();
    assert_eq!(c.warnings().len(), 1);
    assert!(
        c.warnings()[0].contains("config file, line 1"),
        "{:?}",
        c.warnings()
    );
}

#[test]
fn debug_never_shows_secrets() {
    let c = run(
        "",
        "",
        &[
            ("AWS_ACCESS_KEY_ID", "AKIDSHOWN"),
            ("AWS_SECRET_ACCESS_KEY", SK),
            ("AWS_SESSION_TOKEN", "TOKENSECRET"),
        ],
    )
    .unwrap();
    let dbg = format!("{c:?}");
    assert!(dbg.contains("AKIDSHOWN"), "{dbg}");
    assert!(!dbg.contains(SK) && !dbg.contains("TOKENSECRET"), "{dbg}");
    let c = c.credentials().unwrap();
    let parts = (
        c.access_key_id().to_string(),
        c.secret_access_key().to_string(),
        c.session_token().map(str::to_string),
    );
    assert_eq!(
        parts,
        ("AKIDSHOWN".into(), SK.into(), Some("TOKENSECRET".into()))
    );
}

#[test]
fn shared_file_locations() {
    fn paths(env: &[(&str, &str)], home: Option<&str>) -> (String, String, bool, bool) {
        let lookup = |n: &str| {
            env.iter()
                .find(|(k, _)| *k == n)
                .map(|(_, v)| v.to_string())
        };
        let p = shared_file_paths(&lookup, home);
        (
            p.config.to_string_lossy().into_owned(),
            p.credentials.to_string_lossy().into_owned(),
            p.config_from_env,
            p.credentials_from_env,
        )
    }
    let s = |a: &str, b: &str, x: bool, y: bool| (a.to_string(), b.to_string(), x, y);
    if cfg!(windows) {
        return;
    }
    assert_eq!(
        paths(&[], Some("/home/u")),
        s(
            "/home/u/.aws/config",
            "/home/u/.aws/credentials",
            false,
            false
        )
    );
    assert_eq!(
        paths(&[], Some("/home/u/")),
        s(
            "/home/u/.aws/config",
            "/home/u/.aws/credentials",
            false,
            false
        )
    );
    assert_eq!(
        paths(&[], None),
        s("~/.aws/config", "~/.aws/credentials", false, false)
    );
    assert_eq!(
        paths(&[("AWS_CONFIG_FILE", "/etc/aws/config")], Some("/home/u")),
        s("/etc/aws/config", "/home/u/.aws/credentials", true, false)
    );
    assert_eq!(
        paths(
            &[("AWS_SHARED_CREDENTIALS_FILE", "~/creds/main")],
            Some("/home/u")
        ),
        s("/home/u/.aws/config", "/home/u/creds/main", false, true)
    );
    assert_eq!(
        paths(&[("AWS_CONFIG_FILE", "~")], Some("/home/u")),
        s("/home/u", "/home/u/.aws/credentials", true, false)
    );
    assert_eq!(
        paths(&[("AWS_CONFIG_FILE", "~other/config")], Some("/home/u")),
        s("~other/config", "/home/u/.aws/credentials", true, false)
    );
    assert_eq!(
        paths(&[("AWS_CONFIG_FILE", "relative/config")], Some("/home/u")),
        s("relative/config", "/home/u/.aws/credentials", true, false)
    );
    assert_eq!(
        paths(&[("AWS_CONFIG_FILE", "")], Some("/home/u")),
        s(
            "/home/u/.aws/config",
            "/home/u/.aws/credentials",
            false,
            false
        )
    );
    assert_eq!(expand_home("~/a//b", Some("/h")), Path::new("/h/a/b"));
}

proptest! {
    #[test]
    fn resolve_never_panics(
        config in "\\PC{0,120}",
        creds in "\\PC{0,80}",
        value in "\\PC{0,20}",
        which in 0usize..8,
    ) {
        let names = [
            "AWS_REGION", "AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_USE_FIPS_ENDPOINT",
            "AWS_MAX_ATTEMPTS", "AWS_RETRY_MODE", "AWS_ACCESS_KEY_ID",
            "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
        ];
        let env = [(names[which], value.as_str())];
        if let Ok(c) = run(&config, &creds, &env) {
            let _ = c.require_region().map_err(|e| e.to_string());
            let _ = c.require_credentials().map_err(|e| e.to_string());
        }
    }
}

#[test]
fn app_id_and_ca_bundle_come_from_the_environment_then_the_profile() {
    let profile = "[default]\nsdk_ua_app_id = from-profile\nca_bundle = /etc/profile-ca.pem\n";
    case!(profile, "", [] => app_id: Some("from-profile"), ca_bundle: Some("/etc/profile-ca.pem"));
    case!(profile, "", ["AWS_SDK_UA_APP_ID" = "from-env", "AWS_CA_BUNDLE" = "/env-ca.pem"]
        => app_id: Some("from-env"), ca_bundle: Some("/env-ca.pem"));
    case!("", "", [] => app_id: None, ca_bundle: None);
    case!("", "", ["AWS_SDK_UA_APP_ID" = ""] => app_id: None);
}
