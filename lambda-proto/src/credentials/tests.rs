//! Tests of the credential providers, the default chain and the cache.

use std::collections::HashMap;
use std::io;

use time::macros::datetime;
use time::OffsetDateTime;

use super::chain::ChainInput;
use super::*;
use crate::error::TransportErrorKind;

/// The clock of every test: 2024-01-02T03:04:05Z, unix time 1704164645.
const NOW: OffsetDateTime = datetime!(2024-01-02 03:04:05 UTC);
const HOME: &str = "/home/u";
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
const TOKEN: &str = "SESSIONTOKENxyz123";

fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    move |name: &str| map.get(name).cloned()
}

fn chain(
    env: &[(&str, &str)],
    config: Option<&str>,
    credentials: Option<&str>,
) -> Result<CredentialsSource, CredentialsError> {
    let env = env_of(env);
    default_chain(&ChainInput::new(&env, config, credentials, Some(HOME)))
}

/// A one-line description of an action, with the headers that matter to these tests.
fn describe(action: &Action) -> String {
    match action {
        Action::Http(r) => {
            let mut s = format!("{} {}", r.method(), r.uri());
            for name in [
                "x-aws-ec2-metadata-token-ttl-seconds",
                "x-aws-ec2-metadata-token",
                "x-amz-sso_bearer_token",
            ] {
                if let Some(v) = r.headers().get(name) {
                    s.push_str(&format!(" {name}={}", v.to_str().unwrap()));
                }
            }
            if let Some(v) = r.headers().get("authorization") {
                let v = v.to_str().unwrap();
                // Signed requests: the credential scope only (the signature depends on time).
                let shown = v.split(", ").next().unwrap_or(v);
                s.push_str(&format!(" authorization={shown}"));
            }
            if !r.body().is_empty() {
                s.push_str(&format!(" body={}", String::from_utf8_lossy(r.body())));
            }
            s
        }
        Action::ReadFile(p) => format!("read {}", p.display()),
        Action::RunProcess(c) => format!("run {}", c.as_str()),
        Action::Done(Ok(c)) => format!("done {}", c.access_key_id()),
        Action::Done(Err(e)) => format!("error {:?} {e}", e.kind()),
    }
}

fn first(source: &CredentialsSource) -> String {
    describe(&source.provider().next(NOW))
}

enum Expect {
    Source(SourceKind, &'static str),
    Error(CredentialsErrorKind, &'static [&'static str]),
}

struct Case {
    name: &'static str,
    env: &'static [(&'static str, &'static str)],
    config: Option<&'static str>,
    credentials: Option<&'static str>,
    expect: Expect,
}

const IMDS_TOKEN: &str =
    "PUT http://169.254.169.254/latest/api/token x-aws-ec2-metadata-token-ttl-seconds=21600";
const ROLE_DEV: &str = "arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fdev";

fn cases() -> Vec<Case> {
    use CredentialsErrorKind as K;
    use Expect::{Error, Source};
    use SourceKind as S;
    vec![
        Case {
            name: "environment keys win over everything",
            env: &[
                ("AWS_ACCESS_KEY_ID", "AKIDENV"),
                ("AWS_SECRET_ACCESS_KEY", SECRET),
                ("AWS_PROFILE", "p"),
                ("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/creds"),
            ],
            config: Some("[profile p]\naws_access_key_id = AKIDPROFILE\naws_secret_access_key = x\n"),
            credentials: None,
            expect: Source(S::Environment, "done AKIDENV"),
        },
        Case {
            name: "environment: only the key id",
            env: &[("AWS_ACCESS_KEY_ID", "AKIDENV")],
            config: None,
            credentials: None,
            expect: Error(K::InvalidConfig, &["AWS_SECRET_ACCESS_KEY is not"]),
        },
        Case {
            name: "environment: only the secret",
            env: &[("AWS_SECRET_ACCESS_KEY", SECRET)],
            config: None,
            credentials: None,
            expect: Error(K::InvalidConfig, &["AWS_ACCESS_KEY_ID is not"]),
        },
        Case {
            name: "environment: AWS_CREDENTIAL_EXPIRATION must be RFC 3339",
            env: &[
                ("AWS_ACCESS_KEY_ID", "AKIDENV"),
                ("AWS_SECRET_ACCESS_KEY", SECRET),
                ("AWS_CREDENTIAL_EXPIRATION", "tomorrow"),
            ],
            config: None,
            credentials: None,
            expect: Error(K::InvalidConfig, &["AWS_CREDENTIAL_EXPIRATION", "tomorrow"]),
        },
        Case {
            name: "environment: expired AWS_CREDENTIAL_EXPIRATION",
            env: &[
                ("AWS_ACCESS_KEY_ID", "AKIDENV"),
                ("AWS_SECRET_ACCESS_KEY", SECRET),
                ("AWS_CREDENTIAL_EXPIRATION", "2024-01-02T03:00:00Z"),
            ],
            config: None,
            credentials: None,
            expect: Source(S::Environment, "error Expired"),
        },
        Case {
            name: "default profile, static keys in the credentials file",
            env: &[],
            config: None,
            credentials: Some("[default]\naws_access_key_id = AKIDDEFAULT\naws_secret_access_key = s\n"),
            expect: Source(S::Profile, "done AKIDDEFAULT"),
        },
        Case {
            name: "AWS_PROFILE selects the profile",
            env: &[("AWS_PROFILE", "b")],
            config: None,
            credentials: Some(
                "[default]\naws_access_key_id = AKIDA\naws_secret_access_key = s\n\
                 [b]\naws_access_key_id = AKIDB\naws_secret_access_key = s\n",
            ),
            expect: Source(S::Profile, "done AKIDB"),
        },
        Case {
            name: "AWS_PROFILE naming a missing profile is an error",
            env: &[("AWS_PROFILE", "nope")],
            config: None,
            credentials: None,
            expect: Error(K::InvalidConfig, &["`nope`", "AWS_PROFILE"]),
        },
        Case {
            name: "profile with one half of a key pair",
            env: &[],
            config: None,
            credentials: Some("[default]\naws_access_key_id = AKIDA\n"),
            expect: Error(K::InvalidConfig, &["aws_access_key_id but not aws_secret_access_key"]),
        },
        Case {
            name: "profile without credential settings falls through to IMDS",
            env: &[],
            config: Some("[default]\nregion = eu-west-1\n"),
            credentials: None,
            expect: Source(S::Imds, IMDS_TOKEN),
        },
        Case {
            name: "role_arn + source_profile with static keys: AssumeRole signed with them",
            env: &[("AWS_PROFILE", "dev")],
            config: Some(
                "[profile dev]\nrole_arn = arn:aws:iam::123456789012:role/dev\n\
                 source_profile = base\nregion = eu-west-1\nexternal_id = ext-1\n\
                 duration_seconds = 1800\nrole_session_name = me\n\
                 [profile base]\naws_access_key_id = AKIDBASE\naws_secret_access_key = s\n",
            ),
            credentials: None,
            expect: Source(
                S::Profile,
                "POST https://sts.eu-west-1.amazonaws.com/ \
                 authorization=AWS4-HMAC-SHA256 Credential=AKIDBASE/20240102/eu-west-1/sts/aws4_request \
                 body=Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fdev\
                 &RoleSessionName=me&ExternalId=ext-1&DurationSeconds=1800",
            ),
        },
        Case {
            name: "default session name, us-east-1 without a region, AWS_ENDPOINT_URL_STS",
            env: &[("AWS_ENDPOINT_URL_STS", "http://127.0.0.1:4566/")],
            config: Some(
                "[default]\nrole_arn = arn:aws:iam::123456789012:role/dev\nsource_profile = base\n\
                 [profile base]\naws_access_key_id = AKIDBASE\naws_secret_access_key = s\n",
            ),
            credentials: None,
            expect: Source(
                S::Profile,
                "POST http://127.0.0.1:4566/ \
                 authorization=AWS4-HMAC-SHA256 Credential=AKIDBASE/20240102/us-east-1/sts/aws4_request \
                 body=Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fdev\
                 &RoleSessionName=lambda-rs-1704164645",
            ),
        },
        Case {
            name: "AWS_DEFAULT_REGION and AWS_ENDPOINT_URL for every service",
            env: &[
                ("AWS_DEFAULT_REGION", "ap-south-1"),
                ("AWS_ENDPOINT_URL", "http://localhost:5000"),
            ],
            config: Some(
                "[default]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = b\n\
                 [profile b]\naws_access_key_id = AKIDB\naws_secret_access_key = s\n",
            ),
            credentials: None,
            expect: Source(
                S::Profile,
                "POST http://localhost:5000/ \
                 authorization=AWS4-HMAC-SHA256 Credential=AKIDB/20240102/ap-south-1/sts/aws4_request",
            ),
        },
        Case {
            name: "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS drops the STS override",
            env: &[
                ("AWS_ENDPOINT_URL_STS", "http://localhost:5000"),
                ("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true"),
            ],
            config: Some(
                "[default]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = b\n\
                 region = eu-south-2\n\
                 [profile b]\naws_access_key_id = AKIDB\naws_secret_access_key = s\n",
            ),
            credentials: None,
            expect: Source(S::Profile, "POST https://sts.eu-south-2.amazonaws.com/ "),
        },
        Case {
            name: "AWS_REGION decides the STS endpoint",
            env: &[("AWS_REGION", "cn-north-1")],
            config: Some(
                "[default]\nrole_arn = arn:aws-cn:iam::123456789012:role/dev\nsource_profile = default\n\
                 aws_access_key_id = AKIDSELF\naws_secret_access_key = s\nregion = eu-west-1\n",
            ),
            credentials: None,
            expect: Source(
                S::Profile,
                "POST https://sts.cn-north-1.amazonaws.com.cn/ \
                 authorization=AWS4-HMAC-SHA256 Credential=AKIDSELF/20240102/cn-north-1/sts/aws4_request \
                 body=Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws-cn%3Aiam%3A%3A123456789012%3Arole%2Fdev\
                 &RoleSessionName=lambda-rs-1704164645",
            ),
        },
        Case {
            name: "source_profile naming itself without keys",
            env: &[],
            config: Some("[default]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = default\n"),
            credentials: None,
            expect: Error(K::InvalidConfig, &["its own source_profile"]),
        },
        Case {
            name: "source_profile cycle",
            env: &[("AWS_PROFILE", "a")],
            config: Some(
                "[profile a]\nrole_arn = arn:aws:iam::1:role/a\nsource_profile = b\n\
                 [profile b]\nrole_arn = arn:aws:iam::1:role/b\nsource_profile = c\n\
                 [profile c]\nrole_arn = arn:aws:iam::1:role/c\nsource_profile = a\n",
            ),
            credentials: None,
            expect: Error(K::InvalidConfig, &["loops", "`a` -> `b` -> `c` -> `a`"]),
        },
        Case {
            name: "source_profile that does not exist",
            env: &[],
            config: Some("[default]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = gone\n"),
            credentials: None,
            expect: Error(K::InvalidConfig, &["`gone`", "source_profile of `default`"]),
        },
        Case {
            name: "role_arn with neither source",
            env: &[],
            config: Some("[default]\nrole_arn = arn:aws:iam::1:role/r\n"),
            credentials: None,
            expect: Error(K::InvalidConfig, &["neither source_profile nor credential_source"]),
        },
        Case {
            name: "role_arn with both sources",
            env: &[],
            config: Some(
                "[default]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = x\n\
                 credential_source = Environment\n",
            ),
            credentials: None,
            expect: Error(K::InvalidConfig, &["both source_profile and credential_source"]),
        },
        Case {
            name: "mfa_serial is refused",
            env: &[],
            config: Some(
                "[default]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = b\n\
                 mfa_serial = arn:aws:iam::1:mfa/me\n\
                 [profile b]\naws_access_key_id = A\naws_secret_access_key = s\n",
            ),
            credentials: None,
            expect: Error(K::InvalidConfig, &["mfa_serial", "MFA"]),
        },
        Case {
            name: "duration_seconds out of range",
            env: &[],
            config: Some(
                "[default]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = b\n\
                 duration_seconds = 60\n\
                 [profile b]\naws_access_key_id = A\naws_secret_access_key = s\n",
            ),
            credentials: None,
            expect: Error(K::InvalidConfig, &["duration_seconds", "900 to 43200"]),
        },
        Case {
            name: "credential_source = Ec2InstanceMetadata",
            env: &[],
            config: Some(
                "[default]\nrole_arn = arn:aws:iam::1:role/r\ncredential_source = Ec2InstanceMetadata\n",
            ),
            credentials: None,
            expect: Source(S::Profile, IMDS_TOKEN),
        },
        Case {
            name: "credential_source = Ec2InstanceMetadata with the metadata service disabled",
            env: &[("AWS_EC2_METADATA_DISABLED", "true")],
            config: Some(
                "[default]\nrole_arn = arn:aws:iam::1:role/r\ncredential_source = Ec2InstanceMetadata\n",
            ),
            credentials: None,
            expect: Error(K::InvalidConfig, &["Ec2InstanceMetadata", "AWS_EC2_METADATA_DISABLED"]),
        },
        Case {
            name: "credential_source = EcsContainer",
            env: &[("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/credentials/abc")],
            config: Some(
                "[default]\nrole_arn = arn:aws:iam::1:role/r\ncredential_source = EcsContainer\n",
            ),
            credentials: None,
            expect: Source(S::Profile, "GET http://169.254.170.2/v2/credentials/abc"),
        },
        Case {
            name: "credential_source = EcsContainer without the container variables",
            env: &[],
            config: Some(
                "[default]\nrole_arn = arn:aws:iam::1:role/r\ncredential_source = EcsContainer\n",
            ),
            credentials: None,
            expect: Error(K::InvalidConfig, &["EcsContainer", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"]),
        },
        Case {
            name: "credential_source = Environment without the variables",
            env: &[],
            config: Some(
                "[default]\nrole_arn = arn:aws:iam::1:role/r\ncredential_source = Environment\n",
            ),
            credentials: None,
            expect: Error(K::InvalidConfig, &["credential_source = Environment"]),
        },
        Case {
            name: "unknown credential_source",
            env: &[],
            config: Some("[default]\nrole_arn = arn:aws:iam::1:role/r\ncredential_source = Laptop\n"),
            credentials: None,
            expect: Error(K::InvalidConfig, &["\"Laptop\"", "Ec2InstanceMetadata"]),
        },
        Case {
            name: "profile web identity: the token file is read first (~ expanded)",
            env: &[],
            config: Some(
                "[default]\nrole_arn = arn:aws:iam::1:role/r\n\
                 web_identity_token_file = ~/tokens/web.jwt\n",
            ),
            credentials: None,
            expect: Source(S::Profile, "read /home/u/tokens/web.jwt"),
        },
        Case {
            name: "web_identity_token_file without role_arn",
            env: &[],
            config: Some("[default]\nweb_identity_token_file = /t\n"),
            credentials: None,
            expect: Error(K::InvalidConfig, &["web_identity_token_file but not role_arn"]),
        },
        Case {
            name: "credential_process",
            env: &[],
            config: Some("[default]\ncredential_process = /opt/bin/creds --json \"a b\"\n"),
            credentials: None,
            expect: Source(S::Profile, "run /opt/bin/creds --json \"a b\""),
        },
        Case {
            name: "sso_session: token cache named by the SHA-1 of the session name",
            env: &[],
            config: Some(
                "[default]\nsso_session = my-sso\nsso_account_id = 123456789012\n\
                 sso_role_name = Admin\n\
                 [sso-session my-sso]\nsso_region = eu-west-1\n\
                 sso_start_url = https://d-abc123.awsapps.com/start\n",
            ),
            credentials: None,
            expect: Source(
                S::Profile,
                "read /home/u/.aws/sso/cache/0ad374308c5a4e22f723adf10145eafad7c4031c.json",
            ),
        },
        Case {
            name: "legacy SSO keys: token cache named by the SHA-1 of the start URL",
            env: &[],
            config: Some(
                "[default]\nsso_start_url = https://d-abc123.awsapps.com/start\n\
                 sso_region = eu-west-1\nsso_account_id = 123456789012\nsso_role_name = Admin\n",
            ),
            credentials: None,
            expect: Source(
                S::Profile,
                "read /home/u/.aws/sso/cache/40a89917e3175433e361b710a9d43528d7f1890a.json",
            ),
        },
        Case {
            name: "sso_session section missing",
            env: &[],
            config: Some(
                "[default]\nsso_session = gone\nsso_account_id = 1\nsso_role_name = Admin\n",
            ),
            credentials: None,
            expect: Error(K::InvalidConfig, &["[sso-session gone]"]),
        },
        Case {
            name: "sso_session without sso_region",
            env: &[],
            config: Some(
                "[default]\nsso_session = s\nsso_account_id = 1\nsso_role_name = Admin\n\
                 [sso-session s]\nsso_start_url = https://x/start\n",
            ),
            credentials: None,
            expect: Error(K::InvalidConfig, &["[sso-session s] has no sso_region"]),
        },
        Case {
            name: "profile sso_region differing from its sso-session",
            env: &[],
            config: Some(
                "[default]\nsso_session = s\nsso_account_id = 1\nsso_role_name = Admin\n\
                 sso_region = us-east-1\n\
                 [sso-session s]\nsso_start_url = https://x/start\nsso_region = eu-west-1\n",
            ),
            credentials: None,
            expect: Error(K::InvalidConfig, &["sso_region", "differs"]),
        },
        Case {
            name: "legacy SSO without sso_role_name",
            env: &[],
            config: Some(
                "[default]\nsso_start_url = https://x/start\nsso_region = eu-west-1\n\
                 sso_account_id = 1\n",
            ),
            credentials: None,
            expect: Error(K::InvalidConfig, &["has no sso_role_name"]),
        },
        Case {
            name: "web identity from the environment",
            env: &[
                ("AWS_WEB_IDENTITY_TOKEN_FILE", "/var/run/secrets/token"),
                ("AWS_ROLE_ARN", "arn:aws:iam::1:role/r"),
                ("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/creds"),
            ],
            config: None,
            credentials: None,
            expect: Source(S::WebIdentity, "read /var/run/secrets/token"),
        },
        Case {
            name: "web identity: token file without role",
            env: &[("AWS_WEB_IDENTITY_TOKEN_FILE", "/t")],
            config: None,
            credentials: None,
            expect: Error(K::InvalidConfig, &["set but AWS_ROLE_ARN is not"]),
        },
        Case {
            name: "web identity: role without token file",
            env: &[("AWS_ROLE_ARN", "arn:aws:iam::1:role/r")],
            config: None,
            credentials: None,
            expect: Error(K::InvalidConfig, &["set but AWS_WEB_IDENTITY_TOKEN_FILE is not"]),
        },
        Case {
            name: "container: relative URI wins over full URI",
            env: &[
                ("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/credentials/x"),
                ("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1:9/creds"),
            ],
            config: None,
            credentials: None,
            expect: Source(S::Container, "GET http://169.254.170.2/v2/credentials/x"),
        },
        Case {
            name: "container: relative URI must start with /",
            env: &[("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "v2/x")],
            config: None,
            credentials: None,
            expect: Error(K::InvalidConfig, &["must start with /"]),
        },
        Case {
            name: "container: full URI on loopback with a token",
            env: &[
                ("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1:9/creds"),
                ("AWS_CONTAINER_AUTHORIZATION_TOKEN", "Basic abc"),
            ],
            config: None,
            credentials: None,
            expect: Source(S::Container, "GET http://127.0.0.1:9/creds authorization=Basic abc"),
        },
        Case {
            name: "container: token file wins over the token",
            env: &[
                ("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://169.254.170.23/v1/credentials"),
                ("AWS_CONTAINER_AUTHORIZATION_TOKEN", "Basic abc"),
                ("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", "/var/run/eks/token"),
            ],
            config: None,
            credentials: None,
            expect: Source(S::Container, "read /var/run/eks/token"),
        },
        Case {
            name: "container: EKS IPv6 address over http",
            env: &[("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://[fd00:ec2::23]/v1/credentials")],
            config: None,
            credentials: None,
            expect: Source(S::Container, "GET http://[fd00:ec2::23]/v1/credentials"),
        },
        Case {
            name: "container: https to any host",
            env: &[("AWS_CONTAINER_CREDENTIALS_FULL_URI", "https://creds.example.com/c")],
            config: None,
            credentials: None,
            expect: Source(S::Container, "GET https://creds.example.com/c"),
        },
        Case {
            name: "container: http to another host is refused",
            env: &[("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://creds.example.com/c")],
            config: None,
            credentials: None,
            expect: Error(K::InvalidConfig, &["must use https"]),
        },
        Case {
            name: "container: http to 169.254.169.254 is refused",
            env: &[("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://169.254.169.254/c")],
            config: None,
            credentials: None,
            expect: Error(K::InvalidConfig, &["must use https"]),
        },
        Case {
            name: "IMDS is the last resort",
            env: &[],
            config: None,
            credentials: None,
            expect: Source(S::Imds, IMDS_TOKEN),
        },
        Case {
            name: "IMDS IPv6 mode",
            env: &[("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", "IPv6")],
            config: None,
            credentials: None,
            expect: Source(
                S::Imds,
                "PUT http://[fd00:ec2::254]/latest/api/token x-aws-ec2-metadata-token-ttl-seconds=21600",
            ),
        },
        Case {
            name: "IMDS mode from the profile",
            env: &[],
            config: Some("[default]\nec2_metadata_service_endpoint_mode = ipv6\n"),
            credentials: None,
            expect: Source(
                S::Imds,
                "PUT http://[fd00:ec2::254]/latest/api/token x-aws-ec2-metadata-token-ttl-seconds=21600",
            ),
        },
        Case {
            name: "IMDS endpoint from the profile",
            env: &[],
            config: Some("[default]\nec2_metadata_service_endpoint = http://169.254.1.1:80\n"),
            credentials: None,
            expect: Source(
                S::Imds,
                "PUT http://169.254.1.1:80/latest/api/token x-aws-ec2-metadata-token-ttl-seconds=21600",
            ),
        },
        Case {
            name: "IMDS endpoint override wins over the mode",
            env: &[
                ("AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:1338/"),
                ("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", "IPv6"),
            ],
            config: None,
            credentials: None,
            expect: Source(
                S::Imds,
                "PUT http://127.0.0.1:1338/latest/api/token x-aws-ec2-metadata-token-ttl-seconds=21600",
            ),
        },
        Case {
            name: "IMDS bad mode",
            env: &[("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", "IPv5")],
            config: None,
            credentials: None,
            expect: Error(K::InvalidConfig, &["\"IPv5\"", "neither IPv4 nor IPv6"]),
        },
        Case {
            name: "IMDS bad endpoint",
            env: &[("AWS_EC2_METADATA_SERVICE_ENDPOINT", "ftp://x")],
            config: None,
            credentials: None,
            expect: Error(K::InvalidConfig, &["not an http(s) URL"]),
        },
        Case {
            name: "nothing configured and IMDS disabled: everything tried is listed",
            env: &[("AWS_EC2_METADATA_DISABLED", "true")],
            config: Some("[default]\nregion = eu-west-1\n"),
            credentials: None,
            expect: Error(
                K::NotFound,
                &[
                    "no credentials found",
                    "environment variables",
                    "profile `default` (no credential settings)",
                    "web identity",
                    "container",
                    "AWS_EC2_METADATA_DISABLED",
                ],
            ),
        },
        Case {
            name: "a malformed config file is an error",
            env: &[],
            config: Some("[default\nregion = x\n"),
            credentials: None,
            expect: Error(K::InvalidConfig, &["cannot parse the shared files"]),
        },
    ]
}

#[test]
fn chain_table() {
    let cases = cases();
    assert!(cases.len() >= 50, "{}", cases.len());
    let mut failures = Vec::new();
    for case in cases {
        let result = chain(case.env, case.config, case.credentials);
        match (&case.expect, result) {
            (Expect::Source(kind, want), Ok(source)) => {
                let got = first(&source);
                if source.kind() != *kind || !got.starts_with(want) {
                    failures.push(format!(
                        "{}: got {:?} `{got}`, want {kind:?} `{want}`",
                        case.name,
                        source.kind()
                    ));
                }
            }
            (Expect::Error(kind, parts), Err(e)) => {
                let text = e.to_string();
                if e.kind() != *kind || !parts.iter().all(|p| text.contains(p)) {
                    failures.push(format!(
                        "{}: got {:?} `{text}`, want {kind:?} with {parts:?}",
                        case.name,
                        e.kind()
                    ));
                }
            }
            (_, Ok(source)) => failures.push(format!(
                "{}: want an error, got {:?} `{}`",
                case.name,
                source.kind(),
                first(&source)
            )),
            (_, Err(e)) => failures.push(format!("{}: unexpected error `{e}`", case.name)),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn environment_credentials_carry_token_and_expiry() {
    let source = chain(
        &[
            ("AWS_ACCESS_KEY_ID", "AKIDENV"),
            ("AWS_SECRET_ACCESS_KEY", SECRET),
            ("AWS_SESSION_TOKEN", TOKEN),
            ("AWS_CREDENTIAL_EXPIRATION", "2024-01-02T04:00:00Z"),
        ],
        None,
        None,
    )
    .unwrap();
    let Action::Done(Ok(c)) = source.provider().next(NOW) else {
        panic!()
    };
    assert_eq!(c.secret_access_key(), SECRET);
    assert_eq!(c.session_token(), Some(TOKEN));
    assert_eq!(c.expiry(), Some(datetime!(2024-01-02 04:00 UTC)));
    // Temporary environment credentials are not "static": they expire.
    assert!(source.static_credentials().is_some());
}

#[test]
fn profile_session_token_is_kept() {
    let source = chain(
        &[],
        None,
        Some(&format!(
            "[default]\naws_access_key_id = AKID\naws_secret_access_key = {SECRET}\n\
             aws_session_token = {TOKEN}\n"
        )),
    )
    .unwrap();
    let c = source.static_credentials().unwrap();
    assert_eq!(c.session_token(), Some(TOKEN));
    assert_eq!(c.expiry(), None);
}

/// `credential_source = Environment` can only be reached when the environment keys are
/// set, where the environment provider comes first; so check the profile step directly.
#[test]
fn credential_source_environment_signs_with_environment_keys() {
    let env = env_of(&[
        ("AWS_ACCESS_KEY_ID", "AKIDENV"),
        ("AWS_SECRET_ACCESS_KEY", SECRET),
    ]);
    let config = "[default]\nrole_arn = arn:aws:iam::1:role/r\ncredential_source = Environment\n";
    let input = ChainInput::new(&env, Some(config), None, Some(HOME));
    let set = crate::config::profile::ProfileSet::parse(Some(config), None).unwrap();
    let ctx = chain::Ctx::new(&input, &set, "default");
    let (plan, description) = ctx.resolve_profile("default").unwrap();
    assert_eq!(plan.roles.len(), 1);
    assert!(
        description.contains("environment variables -> AssumeRole"),
        "{description}"
    );
    let mut p = Provider::new(plan);
    let got = describe(&p.next(NOW));
    assert!(
        got.contains("Credential=AKIDENV/20240102/us-east-1/sts/aws4_request"),
        "{got}"
    );
}

// ---- scripted runs -------------------------------------------------------------------

fn response(status: u16, body: &str) -> Result<http::Response<Vec<u8>>, TransportFailure> {
    Ok(http::Response::builder()
        .status(status)
        .body(body.as_bytes().to_vec())
        .unwrap())
}

fn refused() -> Result<http::Response<Vec<u8>>, TransportFailure> {
    Err(TransportFailure::new(
        TransportErrorKind::Connect,
        "connection refused",
    ))
}

enum Answer {
    Http(Result<http::Response<Vec<u8>>, TransportFailure>),
    File(Result<String, io::ErrorKind>),
    Process(Result<ProcessOutput, io::ErrorKind>),
}

/// Runs `provider`, answering each action with the next scripted answer; returns the
/// actions seen (described) and the result.
fn run(
    provider: &mut Provider,
    answers: Vec<Answer>,
) -> (Vec<String>, Result<Credentials, CredentialsError>) {
    let mut seen = Vec::new();
    let mut answers = answers.into_iter();
    for _ in 0..50 {
        let action = provider.next(NOW);
        if let Action::Done(r) = action {
            assert!(answers.next().is_none(), "unused answers after {seen:?}");
            return (seen, r);
        }
        seen.push(describe(&action));
        match answers.next() {
            Some(Answer::Http(r)) => provider.on_http(r),
            Some(Answer::File(r)) => provider.on_file(r),
            Some(Answer::Process(r)) => provider.on_process(r),
            None => panic!("no answer for {seen:?}"),
        }
    }
    panic!("the provider did not finish: {seen:?}");
}

const IMDS_CREDS: &str = r#"{"Code": "Success", "LastUpdated": "2024-01-02T02:00:00Z",
  "Type": "AWS-HMAC", "AccessKeyId": "ASIAIMDS", "SecretAccessKey": "imds-secret",
  "Token": "imds-token", "Expiration": "2024-01-02T09:00:00Z"}"#;

fn imds_source(env: &[(&str, &str)]) -> CredentialsSource {
    let source = chain(env, None, None).unwrap();
    assert_eq!(source.kind(), SourceKind::Imds);
    source
}

#[test]
fn imds_v2_flow() {
    let (seen, result) = run(
        &mut imds_source(&[]).provider(),
        vec![
            Answer::Http(response(200, "TOKEN-1")),
            Answer::Http(response(200, "my-role\n")),
            Answer::Http(response(200, IMDS_CREDS)),
        ],
    );
    assert_eq!(
        seen,
        [
            IMDS_TOKEN,
            "GET http://169.254.169.254/latest/meta-data/iam/security-credentials/ x-aws-ec2-metadata-token=TOKEN-1",
            "GET http://169.254.169.254/latest/meta-data/iam/security-credentials/my-role x-aws-ec2-metadata-token=TOKEN-1",
        ]
    );
    let c = result.unwrap();
    assert_eq!(c.access_key_id(), "ASIAIMDS");
    assert_eq!(c.secret_access_key(), "imds-secret");
    assert_eq!(c.session_token(), Some("imds-token"));
    assert_eq!(c.expiry(), Some(datetime!(2024-01-02 09:00 UTC)));
}

#[test]
fn imds_requests_carry_a_timeout_hint() {
    let mut p = imds_source(&[]).provider();
    let Action::Http(r) = p.next(NOW) else {
        panic!()
    };
    assert_eq!(
        r.extensions().get::<TimeoutHint>(),
        Some(&TimeoutHint(std::time::Duration::from_secs(1)))
    );
}

#[test]
fn imds_stale_token_is_fetched_again_once() {
    let (seen, result) = run(
        &mut imds_source(&[]).provider(),
        vec![
            Answer::Http(response(200, "OLD")),
            Answer::Http(response(200, "my-role")),
            Answer::Http(response(401, "")),
            Answer::Http(response(200, "NEW")),
            Answer::Http(response(200, "my-role")),
            Answer::Http(response(200, IMDS_CREDS)),
        ],
    );
    assert!(result.is_ok(), "{result:?}");
    assert_eq!(seen[3], IMDS_TOKEN);
    assert!(
        seen[5].ends_with("my-role x-aws-ec2-metadata-token=NEW"),
        "{}",
        seen[5]
    );

    // A second 401 is an error.
    let (_, result) = run(
        &mut imds_source(&[]).provider(),
        vec![
            Answer::Http(response(200, "OLD")),
            Answer::Http(response(401, "")),
            Answer::Http(response(200, "NEW")),
            Answer::Http(response(401, "")),
        ],
    );
    let e = result.unwrap_err();
    assert_eq!(e.kind(), CredentialsErrorKind::Rejected);
    assert!(e.to_string().contains("401"), "{e}");
}

#[test]
fn imds_no_role_and_unknown_role() {
    let (_, result) = run(
        &mut imds_source(&[]).provider(),
        vec![
            Answer::Http(response(200, "T")),
            Answer::Http(response(404, "")),
        ],
    );
    let e = result.unwrap_err();
    assert!(e.to_string().contains("no IAM role"), "{e}");
    let (_, result) = run(
        &mut imds_source(&[]).provider(),
        vec![
            Answer::Http(response(200, "T")),
            Answer::Http(response(200, "r")),
            Answer::Http(response(404, "")),
        ],
    );
    let e = result.unwrap_err();
    assert!(
        e.to_string().contains("role r") && e.to_string().contains("404"),
        "{e}"
    );
}

#[test]
fn imds_retries_server_errors_three_times() {
    let (seen, result) = run(
        &mut imds_source(&[]).provider(),
        vec![
            Answer::Http(response(200, "T")),
            Answer::Http(response(500, "")),
            Answer::Http(response(503, "")),
            Answer::Http(response(200, "r")),
            Answer::Http(response(200, IMDS_CREDS)),
        ],
    );
    assert!(result.is_ok(), "{result:?}");
    assert_eq!(seen.len(), 5);
    let (seen, result) = run(
        &mut imds_source(&[]).provider(),
        vec![
            Answer::Http(response(200, "T")),
            Answer::Http(response(500, "")),
            Answer::Http(response(500, "")),
            Answer::Http(response(500, "")),
        ],
    );
    assert_eq!(seen.len(), 4);
    let e = result.unwrap_err();
    assert_eq!(e.kind(), CredentialsErrorKind::Rejected);
    assert!(e.to_string().contains("500"), "{e}");
}

#[test]
fn imds_v1_fallback_only_when_enabled() {
    // Default: no fallback.
    let (_, result) = run(
        &mut imds_source(&[]).provider(),
        vec![Answer::Http(response(404, ""))],
    );
    let e = result.unwrap_err();
    assert!(
        e.to_string().contains("AWS_EC2_METADATA_V1_DISABLED=false"),
        "{e}"
    );
    // `true` is no fallback either.
    let (_, result) = run(
        &mut imds_source(&[("AWS_EC2_METADATA_V1_DISABLED", "true")]).provider(),
        vec![Answer::Http(response(405, ""))],
    );
    assert!(result.is_err());
    // Explicitly `false`: the same GETs without a token.
    let (seen, result) = run(
        &mut imds_source(&[("AWS_EC2_METADATA_V1_DISABLED", "false")]).provider(),
        vec![
            Answer::Http(response(404, "")),
            Answer::Http(response(200, "r")),
            Answer::Http(response(200, IMDS_CREDS)),
        ],
    );
    assert!(result.is_ok(), "{result:?}");
    assert_eq!(
        seen[1],
        "GET http://169.254.169.254/latest/meta-data/iam/security-credentials/"
    );
    // The profile key works the same way.
    let source = chain(
        &[],
        Some("[default]\nregion = eu-west-1\nec2_metadata_v1_disabled = false\n"),
        None,
    )
    .unwrap();
    let (seen, result) = run(
        &mut source.provider(),
        vec![
            Answer::Http(response(405, "")),
            Answer::Http(response(200, "r")),
            Answer::Http(response(200, IMDS_CREDS)),
        ],
    );
    assert!(result.is_ok(), "{result:?}");
    assert!(
        !seen[2].contains("x-aws-ec2-metadata-token="),
        "{}",
        seen[2]
    );
    // A 403 on the token request is not a reason to fall back.
    let (_, result) = run(
        &mut imds_source(&[("AWS_EC2_METADATA_V1_DISABLED", "false")]).provider(),
        vec![Answer::Http(response(403, ""))],
    );
    assert!(result.unwrap_err().to_string().contains("403"));
}

#[test]
fn imds_unreachable_as_last_resort_is_not_found_listing_everything() {
    let (_, result) = run(
        &mut imds_source(&[]).provider(),
        vec![Answer::Http(refused())],
    );
    let e = result.unwrap_err();
    assert_eq!(e.kind(), CredentialsErrorKind::NotFound);
    let text = e.to_string();
    for part in [
        "environment variables",
        "profile `default`",
        "web identity",
        "container",
        "instance metadata (no answer from http://169.254.169.254",
    ] {
        assert!(text.contains(part), "{part}: {text}");
    }
    // An endpoint configured on purpose that does not answer is an error of its own.
    let (_, result) = run(
        &mut imds_source(&[("AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:9")]).provider(),
        vec![Answer::Http(refused())],
    );
    assert_eq!(
        result.unwrap_err().kind(),
        CredentialsErrorKind::Unavailable
    );
}

#[test]
fn imds_answer_parsers() {
    let ok = |body: &str| {
        http::Response::builder()
            .status(200)
            .body(body.as_bytes().to_vec())
            .unwrap()
    };
    assert!(imds::parse_token(&ok("")).is_err());
    assert!(imds::parse_token(&ok("bad\ntoken")).is_err());
    assert!(imds::parse_role(&ok("../../etc")).is_err());
    assert!(imds::parse_role(&ok("\n\n")).is_err());
    assert_eq!(
        imds::parse_role(&ok("\nrole-a\nrole-b\n")).unwrap(),
        "role-a"
    );
    let failed = r#"{"Code": "AssumeRoleUnauthorizedAccess", "Message": "nope"}"#;
    let e = imds::parse_credentials(&ok(failed), "r").unwrap_err();
    assert_eq!(e.kind(), CredentialsErrorKind::Rejected);
    assert!(
        e.to_string().contains("AssumeRoleUnauthorizedAccess"),
        "{e}"
    );
    let e = imds::parse_credentials(&ok("{not json"), "r").unwrap_err();
    assert_eq!(e.kind(), CredentialsErrorKind::Malformed);
    let no_token = r#"{"Code": "Success", "AccessKeyId": "A", "SecretAccessKey": "S", "Expiration": "2024-01-02T09:00:00Z"}"#;
    assert!(imds::parse_credentials(&ok(no_token), "r")
        .unwrap_err()
        .to_string()
        .contains("Token"));
    let bad_time =
        r#"{"AccessKeyId": "A", "SecretAccessKey": "S", "Token": "T", "Expiration": "soon"}"#;
    assert!(imds::parse_credentials(&ok(bad_time), "r")
        .unwrap_err()
        .to_string()
        .contains("Expiration"));
}

fn container_source(env: &[(&str, &str)]) -> CredentialsSource {
    let source = chain(env, None, None).unwrap();
    assert_eq!(source.kind(), SourceKind::Container);
    source
}

const CONTAINER_CREDS: &str = r#"{"AccessKeyId": "ASIACONT", "SecretAccessKey": "cont-secret",
  "Token": "cont-token", "Expiration": "2024-01-02T10:00:00Z", "RoleArn": "arn:aws:iam::1:role/task"}"#;

#[test]
fn container_token_file_flow() {
    let (seen, result) = run(
        &mut container_source(&[
            (
                "AWS_CONTAINER_CREDENTIALS_FULL_URI",
                "http://localhost:8080/creds",
            ),
            ("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", "/t/token"),
        ])
        .provider(),
        vec![
            Answer::File(Ok("Bearer from-file\n".into())),
            Answer::Http(response(200, CONTAINER_CREDS)),
        ],
    );
    assert_eq!(
        seen,
        [
            "read /t/token",
            "GET http://localhost:8080/creds authorization=Bearer from-file"
        ]
    );
    let c = result.unwrap();
    assert_eq!(c.access_key_id(), "ASIACONT");
    assert_eq!(c.session_token(), Some("cont-token"));
    assert_eq!(c.expiry(), Some(datetime!(2024-01-02 10:00 UTC)));
}

#[test]
fn container_failures() {
    let env = [("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/creds")];
    // Missing token file.
    let (_, result) = run(
        &mut container_source(&[
            ("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/creds"),
            ("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", "/t/none"),
        ])
        .provider(),
        vec![Answer::File(Err(io::ErrorKind::NotFound))],
    );
    let e = result.unwrap_err();
    assert_eq!(e.kind(), CredentialsErrorKind::Io);
    assert!(e.to_string().contains("/t/none"), "{e}");
    // Token with a line break is refused before sending.
    let (_, result) = run(
        &mut container_source(&[
            ("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/creds"),
            ("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", "/t/token"),
        ])
        .provider(),
        vec![Answer::File(Ok("abc\r\nX-Evil: 1".into()))],
    );
    assert_eq!(
        result.unwrap_err().kind(),
        CredentialsErrorKind::InvalidConfig
    );
    // 4xx with the service's error body.
    let (seen, result) = run(
        &mut container_source(&env).provider(),
        vec![Answer::Http(response(
            403,
            r#"{"code": "AccessDenied", "message": "token mismatch"}"#,
        ))],
    );
    assert_eq!(seen.len(), 1);
    let e = result.unwrap_err();
    assert_eq!(e.kind(), CredentialsErrorKind::Rejected);
    assert!(
        e.to_string().contains("403: AccessDenied: token mismatch"),
        "{e}"
    );
    // 5xx and transport failures are retried, 3 attempts in all.
    let (seen, result) = run(
        &mut container_source(&env).provider(),
        vec![
            Answer::Http(response(500, "")),
            Answer::Http(refused()),
            Answer::Http(response(200, CONTAINER_CREDS)),
        ],
    );
    assert_eq!(seen.len(), 3);
    assert!(result.is_ok());
    let (_, result) = run(
        &mut container_source(&env).provider(),
        vec![
            Answer::Http(refused()),
            Answer::Http(refused()),
            Answer::Http(refused()),
        ],
    );
    assert_eq!(
        result.unwrap_err().kind(),
        CredentialsErrorKind::Unavailable
    );
    // Malformed JSON.
    let (_, result) = run(
        &mut container_source(&env).provider(),
        vec![Answer::Http(response(200, "{\"AccessKeyId\": "))],
    );
    assert_eq!(result.unwrap_err().kind(), CredentialsErrorKind::Malformed);
}

const STS_OK: &str = r#"<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleResult>
    <AssumedRoleUser><Arn>arn:aws:sts::123456789012:assumed-role/dev/me</Arn><AssumedRoleId>AROA:me</AssumedRoleId></AssumedRoleUser>
    <Credentials>
      <AccessKeyId>ASIAROLE1</AccessKeyId>
      <SecretAccessKey>role1-secret</SecretAccessKey>
      <SessionToken>role1-token</SessionToken>
      <Expiration>2024-01-02T04:04:05.123Z</Expiration>
    </Credentials>
  </AssumeRoleResult>
  <ResponseMetadata><RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId></ResponseMetadata>
</AssumeRoleResponse>"#;

const STS_DENIED: &str = r#"<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <Error><Type>Sender</Type><Code>AccessDenied</Code>
  <Message>User: arn:aws:iam::123456789012:user/base is not authorized to perform: sts:AssumeRole</Message></Error>
  <RequestId>4bc7ffbc-a0a5-4b08-8b3e-7a1d6b1e4d5f</RequestId>
</ErrorResponse>"#;

#[test]
fn role_chain_signs_each_step_with_the_previous_credentials() {
    let config = "[profile outer]\nrole_arn = arn:aws:iam::1:role/outer\nsource_profile = inner\n\
                  [profile inner]\nrole_arn = arn:aws:iam::1:role/inner\nsource_profile = base\n\
                  [profile base]\naws_access_key_id = AKIDBASE\naws_secret_access_key = s\n";
    let source = chain(&[("AWS_PROFILE", "outer")], Some(config), None).unwrap();
    assert_eq!(
        source.description(),
        "profile `outer`: static keys of profile `base` -> AssumeRole arn:aws:iam::1:role/inner \
         -> AssumeRole arn:aws:iam::1:role/outer"
    );
    let mut p = source.provider();
    let Action::Http(first) = p.next(NOW) else {
        panic!()
    };
    assert!(String::from_utf8_lossy(first.body()).contains("role%2Finner"));
    assert!(first.headers()["authorization"]
        .to_str()
        .unwrap()
        .contains("Credential=AKIDBASE/"));
    assert!(first.headers().get("x-amz-security-token").is_none());
    assert_eq!(
        first.headers()["content-type"],
        "application/x-www-form-urlencoded; charset=utf-8"
    );
    p.on_http(response(200, STS_OK));
    let Action::Http(second) = p.next(NOW) else {
        panic!()
    };
    assert!(String::from_utf8_lossy(second.body()).contains("role%2Fouter"));
    assert!(second.headers()["authorization"]
        .to_str()
        .unwrap()
        .contains("Credential=ASIAROLE1/"));
    assert_eq!(second.headers()["x-amz-security-token"], "role1-token");
    p.on_http(response(200, &STS_OK.replace("ASIAROLE1", "ASIAROLE2")));
    let Action::Done(Ok(c)) = p.next(NOW) else {
        panic!()
    };
    assert_eq!(c.access_key_id(), "ASIAROLE2");
    assert_eq!(c.expiry(), Some(datetime!(2024-01-02 04:04:05.123 UTC)));
    // Finished providers keep answering Done.
    assert!(matches!(p.next(NOW), Action::Done(Ok(_))));
}

#[test]
fn sts_answers() {
    let r = |status: u16, body: &str| {
        http::Response::builder()
            .status(status)
            .body(body.as_bytes().to_vec())
            .unwrap()
    };
    let c = sts::parse_response(&r(200, STS_OK), "AssumeRole").unwrap();
    assert_eq!(c.secret_access_key(), "role1-secret");
    let e = sts::parse_response(&r(403, STS_DENIED), "AssumeRole").unwrap_err();
    assert_eq!(e.kind(), CredentialsErrorKind::Rejected);
    assert!(
        e.to_string()
            .contains("HTTP 403: AccessDenied: User: arn:aws:iam::123456789012:user/base"),
        "{e}"
    );
    let e = sts::parse_response(&r(500, "<html>oops"), "AssumeRole").unwrap_err();
    assert!(e.to_string().contains("HTTP 500: (no error code)"), "{e}");
    let e =
        sts::parse_response(&r(200, "<AssumeRoleResponse><unclosed>"), "AssumeRole").unwrap_err();
    assert_eq!(e.kind(), CredentialsErrorKind::Malformed);
    let e = sts::parse_response(&r(200, "<AssumeRoleResponse/>"), "AssumeRole").unwrap_err();
    assert!(e.to_string().contains("no Credentials"), "{e}");
    let no_token = STS_OK.replace("<SessionToken>role1-token</SessionToken>", "");
    let e = sts::parse_response(&r(200, &no_token), "AssumeRole").unwrap_err();
    assert!(e.to_string().contains("Credentials/SessionToken"), "{e}");
    let bad_time = STS_OK.replace("2024-01-02T04:04:05.123Z", "yesterday");
    let e = sts::parse_response(&r(200, &bad_time), "AssumeRole").unwrap_err();
    assert!(e.to_string().contains("Expiration"), "{e}");
    // No DTDs (no entity expansion).
    let dtd = "<?xml version=\"1.0\"?><!DOCTYPE a [<!ENTITY x \"y\">]><a>&x;</a>";
    assert_eq!(
        sts::parse_response(&r(200, dtd), "AssumeRole")
            .unwrap_err()
            .kind(),
        CredentialsErrorKind::Malformed
    );
}

#[test]
fn form_encoding() {
    assert_eq!(
        sts::form_encode(&[("a b", "x/y=z&w~._-"), ("k", "")]),
        "a%20b=x%2Fy%3Dz%26w~._-&k="
    );
}

#[test]
fn web_identity_flow_is_unsigned_and_sends_the_token() {
    let source = chain(
        &[
            ("AWS_WEB_IDENTITY_TOKEN_FILE", "/t/web"),
            ("AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/dev"),
            ("AWS_ROLE_SESSION_NAME", "pod-1"),
            ("AWS_REGION", "eu-central-1"),
        ],
        None,
        None,
    )
    .unwrap();
    let (seen, result) = run(
        &mut source.provider(),
        vec![
            Answer::File(Ok("eyJhbGciOiJSUzI1NiJ9.web.token\n".into())),
            Answer::Http(response(
                200,
                &STS_OK
                    .replace("AssumeRoleResponse", "AssumeRoleWithWebIdentityResponse")
                    .replace("AssumeRoleResult", "AssumeRoleWithWebIdentityResult"),
            )),
        ],
    );
    assert_eq!(
        seen[1],
        format!(
            "POST https://sts.eu-central-1.amazonaws.com/ body=Action=AssumeRoleWithWebIdentity\
             &Version=2011-06-15&RoleArn={ROLE_DEV}&RoleSessionName=pod-1\
             &WebIdentityToken=eyJhbGciOiJSUzI1NiJ9.web.token"
        )
    );
    assert_eq!(result.unwrap().access_key_id(), "ASIAROLE1");
    // Empty token file.
    let (_, result) = run(&mut source.provider(), vec![Answer::File(Ok(" \n".into()))]);
    assert!(result.unwrap_err().to_string().contains("is empty"));
    // STS refuses the token.
    let (_, result) = run(
        &mut source.provider(),
        vec![
            Answer::File(Ok("tok".into())),
            Answer::Http(response(
                400,
                "<ErrorResponse><Error><Code>InvalidIdentityToken</Code><Message>expired</Message></Error></ErrorResponse>",
            )),
        ],
    );
    assert!(result
        .unwrap_err()
        .to_string()
        .contains("InvalidIdentityToken: expired"));
}

fn process_output(code: Option<i32>, stdout: &str, stderr: &str) -> ProcessOutput {
    ProcessOutput {
        exit_code: code,
        stdout: stdout.as_bytes().to_vec(),
        stderr: stderr.as_bytes().to_vec(),
    }
}

#[test]
fn process_answers() {
    let ok = format!(
        r#"{{"Version": 1, "AccessKeyId": "AKIDPROC", "SecretAccessKey": "{SECRET}",
            "SessionToken": "{TOKEN}", "Expiration": "2024-01-02T05:00:00Z"}}"#
    );
    let c = process::parse_output(&process_output(Some(0), &ok, ""), NOW).unwrap();
    assert_eq!(c.access_key_id(), "AKIDPROC");
    assert_eq!(c.session_token(), Some(TOKEN));
    assert_eq!(c.expiry(), Some(datetime!(2024-01-02 05:00 UTC)));
    let long_term = r#"{"Version": 1, "AccessKeyId": "A", "SecretAccessKey": "S"}"#;
    let c = process::parse_output(&process_output(Some(0), long_term, ""), NOW).unwrap();
    assert_eq!((c.session_token(), c.expiry()), (None, None));

    let cases: &[(ProcessOutput, CredentialsErrorKind, &str)] = &[
        (
            process_output(Some(2), &ok, "profile not found"),
            CredentialsErrorKind::Io,
            "exit status 2: profile not found",
        ),
        (
            process_output(None, "", ""),
            CredentialsErrorKind::Io,
            "killed by a signal",
        ),
        (
            process_output(Some(0), &ok.replace("\"Version\": 1", "\"Version\": 2"), ""),
            CredentialsErrorKind::Malformed,
            "\"Version\": 1",
        ),
        (
            process_output(Some(0), &ok.replace("AccessKeyId", "KeyId"), ""),
            CredentialsErrorKind::Malformed,
            "no AccessKeyId",
        ),
        (
            process_output(
                Some(0),
                &ok.replace("2024-01-02T05:00:00Z", "2024-01-02T03:00:00Z"),
                "",
            ),
            CredentialsErrorKind::Expired,
            "expired at",
        ),
        (
            process_output(Some(0), &ok.replace("2024-01-02T05:00:00Z", "never"), ""),
            CredentialsErrorKind::Malformed,
            "Expiration",
        ),
        (
            process_output(Some(0), &format!("{SECRET} is not json"), ""),
            CredentialsErrorKind::Malformed,
            "not JSON",
        ),
        (
            process_output(Some(0), "[1, 2]", ""),
            CredentialsErrorKind::Malformed,
            "not a JSON object",
        ),
        (
            process_output(Some(0), &ok.replace(&format!("\"{SECRET}\""), "12345"), ""),
            CredentialsErrorKind::Malformed,
            "SecretAccessKey must be a non-empty string",
        ),
    ];
    for (output, kind, part) in cases {
        let e = process::parse_output(output, NOW).unwrap_err();
        let text = e.to_string();
        assert_eq!(e.kind(), *kind, "{text}");
        assert!(text.contains(part), "{part}: {text}");
        assert!(!text.contains(SECRET) && !text.contains(TOKEN), "{text}");
    }
    // The process could not be started.
    let source = chain(&[], Some("[default]\ncredential_process = nope\n"), None).unwrap();
    let (seen, result) = run(
        &mut source.provider(),
        vec![Answer::Process(Err(io::ErrorKind::NotFound))],
    );
    assert_eq!(seen, ["run nope"]);
    assert_eq!(result.unwrap_err().kind(), CredentialsErrorKind::Io);
    // The driver stopped it at its time limit.
    let (_, result) = run(
        &mut source.provider(),
        vec![Answer::Process(Err(io::ErrorKind::TimedOut))],
    );
    let e = result.unwrap_err();
    assert_eq!(e.kind(), CredentialsErrorKind::Io);
    assert!(e.to_string().contains("time limit"), "{e}");
}

const SSO_CONFIG: &str = "[profile dev]\nsso_session = my-sso\nsso_account_id = 123456789012\n\
                          sso_role_name = Admin Role\n\
                          [sso-session my-sso]\nsso_region = eu-west-1\n\
                          sso_start_url = https://d-abc123.awsapps.com/start\n";
const SSO_PORTAL_OK: &str = r#"{"roleCredentials": {"accessKeyId": "ASIASSO",
  "secretAccessKey": "sso-secret", "sessionToken": "sso-session-token",
  "expiration": 1704171845000}}"#;

fn sso_token(expires: &str) -> String {
    format!(
        r#"{{"startUrl": "https://d-abc123.awsapps.com/start", "region": "eu-west-1",
            "accessToken": "SSO-ACCESS-TOKEN", "expiresAt": "{expires}",
            "refreshToken": "SSO-REFRESH"}}"#
    )
}

#[test]
fn sso_flow() {
    let source = chain(&[("AWS_PROFILE", "dev")], Some(SSO_CONFIG), None).unwrap();
    let (seen, result) = run(
        &mut source.provider(),
        vec![
            Answer::File(Ok(sso_token("2024-01-02T08:00:00Z"))),
            Answer::Http(response(200, SSO_PORTAL_OK)),
        ],
    );
    assert_eq!(
        seen[1],
        "GET https://portal.sso.eu-west-1.amazonaws.com/federation/credentials?\
         role_name=Admin%20Role&account_id=123456789012 x-amz-sso_bearer_token=SSO-ACCESS-TOKEN"
    );
    let c = result.unwrap();
    assert_eq!(c.access_key_id(), "ASIASSO");
    assert_eq!(c.session_token(), Some("sso-session-token"));
    // 1704171845000 ms = 2024-01-02T05:04:05Z.
    assert_eq!(c.expiry(), Some(datetime!(2024-01-02 05:04:05 UTC)));
}

#[test]
fn sso_failures_tell_the_user_to_log_in() {
    let source = chain(&[("AWS_PROFILE", "dev")], Some(SSO_CONFIG), None).unwrap();
    let login = "aws sso login --profile dev";
    // Expired token: no request is made.
    let (seen, result) = run(
        &mut source.provider(),
        vec![Answer::File(Ok(sso_token("2024-01-02T03:00:00Z")))],
    );
    assert_eq!(seen.len(), 1);
    let e = result.unwrap_err();
    assert_eq!(e.kind(), CredentialsErrorKind::Expired);
    assert!(e.to_string().contains(login), "{e}");
    // No cached token.
    let (_, result) = run(
        &mut source.provider(),
        vec![Answer::File(Err(io::ErrorKind::NotFound))],
    );
    let e = result.unwrap_err();
    assert!(e.to_string().contains(login), "{e}");
    // Malformed cache file.
    let (_, result) = run(&mut source.provider(), vec![Answer::File(Ok("{".into()))]);
    let e = result.unwrap_err();
    assert_eq!(e.kind(), CredentialsErrorKind::Malformed);
    assert!(e.to_string().contains(login), "{e}");
    // The portal no longer accepts the token.
    let (_, result) = run(
        &mut source.provider(),
        vec![
            Answer::File(Ok(sso_token("2024-01-02T08:00:00Z"))),
            Answer::Http(response(
                401,
                r#"{"message": "Session token not found or invalid"}"#,
            )),
        ],
    );
    let e = result.unwrap_err();
    assert_eq!(e.kind(), CredentialsErrorKind::Rejected);
    assert!(
        e.to_string().contains("HTTP 401: Session token not found"),
        "{e}"
    );
    assert!(e.to_string().contains(login), "{e}");
    // Malformed portal answer.
    let (_, result) = run(
        &mut source.provider(),
        vec![
            Answer::File(Ok(sso_token("2024-01-02T08:00:00Z"))),
            Answer::Http(response(
                200,
                r#"{"roleCredentials": {"accessKeyId": "A"}}"#,
            )),
        ],
    );
    assert_eq!(result.unwrap_err().kind(), CredentialsErrorKind::Malformed);
}

// ---- secrets stay out of Debug and errors ---------------------------------------------

#[test]
fn secrets_never_in_debug_or_errors() {
    let secrets = [
        SECRET,
        TOKEN,
        "cont-secret",
        "CONTAINER-AUTH",
        "WEB-IDENTITY-JWT",
        "SSO-ACCESS-TOKEN",
        "role1-secret",
        "role1-token",
    ];
    let check = |what: &str, text: &str| {
        for s in secrets {
            assert!(!text.contains(s), "{what} shows {s}: {text}");
        }
    };
    let env_source = chain(
        &[
            ("AWS_ACCESS_KEY_ID", "AKID"),
            ("AWS_SECRET_ACCESS_KEY", SECRET),
            ("AWS_SESSION_TOKEN", TOKEN),
        ],
        None,
        None,
    )
    .unwrap();
    check("env source", &format!("{env_source:?}"));
    check("env provider", &format!("{:?}", env_source.provider()));

    let profile = chain(
        &[],
        Some(&format!(
            "[default]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = b\n\
             [profile b]\naws_access_key_id = AKID\naws_secret_access_key = {SECRET}\n\
             aws_session_token = {TOKEN}\n"
        )),
        None,
    )
    .unwrap();
    check("profile source", &format!("{profile:?}"));
    let mut p = profile.provider();
    let action = p.next(NOW);
    check("AssumeRole request", &format!("{action:?}"));
    p.on_http(response(200, STS_OK));
    check("role provider with the STS answer", &format!("{p:?}"));
    let _ = p.next(NOW);
    check("role provider after STS", &format!("{p:?}"));

    let container = chain(
        &[
            ("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/c"),
            ("AWS_CONTAINER_AUTHORIZATION_TOKEN", "CONTAINER-AUTH"),
        ],
        None,
        None,
    )
    .unwrap();
    check("container source", &format!("{container:?}"));
    let mut p = container.provider();
    let action = p.next(NOW);
    check("container request", &format!("{action:?}"));
    check("container provider", &format!("{p:?}"));
    p.on_http(response(
        200,
        &CONTAINER_CREDS.replace("ASIACONT", "CONTAINER-AUTH"),
    ));
    check("container provider with answer", &format!("{p:?}"));

    let web = chain(
        &[
            ("AWS_WEB_IDENTITY_TOKEN_FILE", "/t"),
            ("AWS_ROLE_ARN", "arn:aws:iam::1:role/r"),
        ],
        None,
        None,
    )
    .unwrap();
    let mut p = web.provider();
    let _ = p.next(NOW);
    p.on_file(Ok("WEB-IDENTITY-JWT".into()));
    check(
        "web identity provider with the token file",
        &format!("{p:?}"),
    );
    let action = p.next(NOW);
    assert!(matches!(action, Action::Http(_)));
    check("web identity request", &format!("{action:?}"));
    check("web identity provider", &format!("{p:?}"));
    p.on_http(response(
        400,
        "<ErrorResponse><Error><Code>InvalidIdentityToken</Code></Error></ErrorResponse>",
    ));
    let Action::Done(Err(e)) = p.next(NOW) else {
        panic!()
    };
    check("web identity error", &format!("{e} {e:?}"));

    let sso = chain(&[("AWS_PROFILE", "dev")], Some(SSO_CONFIG), Some("")).unwrap();
    let mut p = sso.provider();
    let _ = p.next(NOW);
    p.on_file(Ok(sso_token("2024-01-02T08:00:00Z")));
    check("sso provider with the token file", &format!("{p:?}"));
    let action = p.next(NOW);
    check("sso request", &format!("{action:?}"));
    check("sso provider", &format!("{p:?}"));
    p.on_http(response(403, r#"{"message": "no"}"#));
    let Action::Done(Err(e)) = p.next(NOW) else {
        panic!()
    };
    check("sso error", &format!("{e} {e:?}"));
    let mut p = sso.provider();
    let _ = p.next(NOW);
    p.on_file(Ok(sso_token("2020-01-01T00:00:00Z")));
    let Action::Done(Err(e)) = p.next(NOW) else {
        panic!()
    };
    check("sso expired error", &format!("{e} {e:?}"));

    let out = process_output(
        Some(0),
        &format!("{{\"Version\": 1, \"AccessKeyId\": \"A\", \"SecretAccessKey\": \"{SECRET}\"}}"),
        "",
    );
    check("process output", &format!("{out:?}"));

    let mut cache = CredentialsCache::new();
    let _ = cache.lookup(NOW);
    let _ = cache.complete(
        Ok(Credentials::new("AKID", SECRET, Some(TOKEN.into()), None)),
        NOW,
    );
    check("cache", &format!("{cache:?} {:?}", cache.lookup(NOW)));
}

// ---- the cache -------------------------------------------------------------------------

fn temp_creds(id: &str, expiry: OffsetDateTime) -> Credentials {
    Credentials::new(id, "s", Some("t".into()), Some(expiry))
}

#[test]
fn static_credentials_never_refresh() {
    let mut cache = CredentialsCache::new();
    assert_eq!(cache.lookup(NOW), CacheLookup::Refresh);
    let c = Credentials::new("AKID", "s", None, None);
    assert_eq!(cache.complete(Ok(c.clone()), NOW), Ok(c.clone()));
    let far = NOW + time::Duration::days(3650);
    assert_eq!(cache.lookup(far), CacheLookup::Fresh(c));
}

#[test]
fn refresh_window_is_five_minutes_before_expiry() {
    let expiry = NOW + time::Duration::hours(1);
    let mut cache = CredentialsCache::new();
    assert_eq!(cache.lookup(NOW), CacheLookup::Refresh);
    let c = temp_creds("A", expiry);
    cache.complete(Ok(c.clone()), NOW).unwrap();
    let before = expiry - time::Duration::minutes(5) - time::Duration::seconds(1);
    assert_eq!(cache.lookup(before), CacheLookup::Fresh(c.clone()));
    let inside = expiry - time::Duration::minutes(5);
    assert_eq!(cache.lookup(inside), CacheLookup::Refresh);
    // While that refresh runs, others keep using the still-valid credentials.
    assert_eq!(cache.lookup(inside), CacheLookup::Fresh(c.clone()));
    // The refresh fails while the credentials are still valid: the refresher gets them
    // too, and the next try is 30 seconds later.
    let err = CredentialsError::new(CredentialsErrorKind::Unavailable, "imds", "down");
    assert_eq!(cache.complete(Err(err.clone()), inside), Ok(c.clone()));
    let retry_at = inside + time::Duration::seconds(30);
    assert_eq!(
        cache.lookup(retry_at - time::Duration::seconds(1)),
        CacheLookup::Fresh(c.clone())
    );
    assert_eq!(cache.lookup(retry_at), CacheLookup::Refresh);
    // After expiry with a refresh running, callers wait; a failure then is an error.
    assert_eq!(cache.lookup(expiry), CacheLookup::Wait);
    assert_eq!(cache.complete(Err(err.clone()), expiry), Err(err));
    assert_eq!(cache.lookup(expiry), CacheLookup::Refresh);
    cache.abandon();
    assert_eq!(cache.lookup(expiry), CacheLookup::Refresh);
}

#[test]
fn short_lived_credentials_refresh_half_way() {
    let mut cache = CredentialsCache::new();
    let _ = cache.lookup(NOW);
    let c = temp_creds("A", NOW + time::Duration::minutes(2));
    cache.complete(Ok(c.clone()), NOW).unwrap();
    assert_eq!(
        cache.lookup(NOW + time::Duration::seconds(59)),
        CacheLookup::Fresh(c)
    );
    assert_eq!(
        cache.lookup(NOW + time::Duration::seconds(60)),
        CacheLookup::Refresh
    );
}

#[test]
fn invalidate_forces_a_refresh() {
    let mut cache = CredentialsCache::with_credentials(Credentials::new("A", "s", None, None), NOW);
    assert!(matches!(cache.lookup(NOW), CacheLookup::Fresh(_)));
    cache.invalidate();
    assert_eq!(cache.lookup(NOW), CacheLookup::Refresh);
    assert!(cache.is_refreshing());
}

/// The blocking driver's design: Mutex + Condvar around the cache, the provider run
/// outside the lock. 100 concurrent requests before and 100 after expiry (fake clock) call
/// the provider exactly twice, and the requests after expiry get the new credentials.
#[test]
fn single_flight_with_a_fake_clock() {
    use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};
    use std::sync::{Arc, Barrier, Condvar, Mutex};

    struct Shared {
        cache: Mutex<CredentialsCache>,
        cond: Condvar,
        clock: AtomicI64,
        calls: AtomicUsize,
    }
    impl Shared {
        fn now(&self) -> OffsetDateTime {
            OffsetDateTime::from_unix_timestamp(self.clock.load(Ordering::SeqCst)).unwrap()
        }
        /// A provider of 10-minute credentials named after the call number.
        fn provide(&self) -> Result<Credentials, CredentialsError> {
            let n = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
            std::thread::sleep(std::time::Duration::from_millis(20));
            Ok(temp_creds(
                &format!("KEY{n}"),
                self.now() + time::Duration::minutes(10),
            ))
        }
        fn credentials(&self) -> Result<Credentials, CredentialsError> {
            let mut cache = self.cache.lock().unwrap();
            loop {
                match cache.lookup(self.now()) {
                    CacheLookup::Fresh(c) => return Ok(c),
                    CacheLookup::Wait => cache = self.cond.wait(cache).unwrap(),
                    CacheLookup::Refresh => {
                        drop(cache);
                        let result = self.provide();
                        let mut cache = self.cache.lock().unwrap();
                        let result = cache.complete(result, self.now());
                        self.cond.notify_all();
                        return result;
                    }
                }
            }
        }
    }
    let shared = Arc::new(Shared {
        cache: Mutex::new(CredentialsCache::new()),
        cond: Condvar::new(),
        clock: AtomicI64::new(NOW.unix_timestamp()),
        calls: AtomicUsize::new(0),
    });
    let burst = |shared: &Arc<Shared>| -> Vec<String> {
        let barrier = Arc::new(Barrier::new(100));
        let handles: Vec<_> = (0..100)
            .map(|_| {
                let shared = Arc::clone(shared);
                let barrier = Arc::clone(&barrier);
                std::thread::spawn(move || {
                    barrier.wait();
                    shared.credentials().unwrap().access_key_id().to_string()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    };
    let first = burst(&shared);
    assert!(first.iter().all(|k| k == "KEY1"), "{first:?}");
    assert_eq!(shared.calls.load(Ordering::SeqCst), 1);
    // Past expiry: the old credentials are unusable.
    shared.clock.fetch_add(11 * 60, Ordering::SeqCst);
    let second = burst(&shared);
    assert!(second.iter().all(|k| k == "KEY2"), "{second:?}");
    assert_eq!(shared.calls.load(Ordering::SeqCst), 2);
}

mod no_panic {
    use super::*;
    use proptest::prelude::*;

    fn resp(status: u16, body: Vec<u8>) -> http::Response<Vec<u8>> {
        http::Response::builder().status(status).body(body).unwrap()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        /// Untrusted answers never panic any parser.
        #[test]
        fn parsers_take_any_answer(status in 100u16..600, body in proptest::collection::vec(any::<u8>(), 0..512)) {
            let r = resp(status, body.clone());
            let _ = sts::parse_response(&r, "AssumeRole");
            let _ = container::parse_response(&r);
            let _ = imds::parse_token(&r);
            let _ = imds::parse_role(&r);
            let _ = imds::parse_credentials(&r, "role");
            let _ = sso::parse_response(&r, "aws sso login");
            let _ = process::parse_json(&body, NOW);
            let text = String::from_utf8_lossy(&body);
            let _ = sso::parse_cached_token(&text, NOW, "aws sso login");
        }

        /// Any config file text and profile name: the chain answers without panicking,
        /// and a provider runs to an end when every answer is a failure.
        #[test]
        fn chain_takes_any_config(config in "[\\[\\]a-z_ =\n/:.~0-9-]{0,300}", profile in "[a-z]{0,6}") {
            let env = [("AWS_PROFILE", profile.as_str())];
            let env: &[(&str, &str)] = if profile.is_empty() { &[] } else { &env };
            if let Ok(source) = chain(env, Some(&config), None) {
                let mut p = source.provider();
                let mut done = false;
                for _ in 0..20 {
                    match p.next(NOW) {
                        Action::Done(_) => { done = true; break; }
                        Action::Http(_) => p.on_http(refused()),
                        Action::ReadFile(_) => p.on_file(Err(io::ErrorKind::NotFound)),
                        Action::RunProcess(_) => p.on_process(Err(io::ErrorKind::NotFound)),
                    }
                }
                prop_assert!(done);
            }
        }
    }
}
