//! The default credentials chain: which source is configured.

use std::path::PathBuf;

use super::container::{validate_full_uri, ContainerAuth, ContainerConfig, RELATIVE_URI_BASE};
use super::error::{excerpt, CredentialsError, CredentialsErrorKind};
use super::imds::{ImdsConfig, ENDPOINT_IPV4, ENDPOINT_IPV6};
use super::provider::{Base, Plan, Provider};
use super::sso::{cache_file_name, portal_endpoint, SsoConfig};
use super::sts::{regional_endpoint, AssumeRoleParams, WebIdentityConfig};
use super::{parse_rfc3339, Credentials, Secret};
use crate::config::profile::{ProfileSet, Section};

/// The region STS is called in when none is configured.
const DEFAULT_STS_REGION: &str = "us-east-1";

/// Profile keys that make a profile a credentials source.
const CREDENTIAL_KEYS: &[&str] = &[
    "aws_access_key_id",
    "aws_secret_access_key",
    "role_arn",
    "credential_source",
    "source_profile",
    "credential_process",
    "web_identity_token_file",
    "sso_session",
    "sso_start_url",
    "sso_account_id",
    "sso_role_name",
];

/// What [`default_chain`] looks at: the environment (a lookup function), the text of the
/// shared config and credentials files (`None` when a file does not exist; see
/// [`crate::config::shared_file_paths`]) and the home directory (for `~` and the SSO token
/// cache).
pub struct ChainInput<'a> {
    env: &'a dyn Fn(&str) -> Option<String>,
    config_file: Option<&'a str>,
    credentials_file: Option<&'a str>,
    home: Option<&'a str>,
}

impl<'a> ChainInput<'a> {
    /// The chain's input.
    pub fn new(
        env: &'a dyn Fn(&str) -> Option<String>,
        config_file: Option<&'a str>,
        credentials_file: Option<&'a str>,
        home: Option<&'a str>,
    ) -> Self {
        ChainInput {
            env,
            config_file,
            credentials_file,
            home,
        }
    }

    fn var(&self, name: &str) -> Option<String> {
        (self.env)(name)
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    }
}

/// The kind of source a [`CredentialsSource`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SourceKind {
    /// Credentials given by the program.
    Static,
    /// `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY`.
    Environment,
    /// A profile of the shared files (static keys, roles, process, SSO, web identity).
    Profile,
    /// `AWS_WEB_IDENTITY_TOKEN_FILE` and `AWS_ROLE_ARN`.
    WebIdentity,
    /// The container credentials endpoint.
    Container,
    /// The EC2 instance metadata service.
    Imds,
}

/// A configured source of credentials; [`CredentialsSource::provider`] starts a fetch.
///
/// `Debug` shows no secret.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CredentialsSource {
    kind: SourceKind,
    description: String,
    plan: Plan,
}

impl CredentialsSource {
    /// A source that always yields `creds`.
    pub fn from_static(creds: Credentials) -> Self {
        CredentialsSource {
            kind: SourceKind::Static,
            description: "credentials given by the program".into(),
            plan: Plan {
                base: Base::Static {
                    creds,
                    source: "static",
                },
                roles: Vec::new(),
            },
        }
    }

    /// Which kind of source this is.
    pub fn kind(&self) -> SourceKind {
        self.kind
    }

    /// A one-line description, e.g. ``profile `dev`: credential_process``.
    pub fn description(&self) -> &str {
        &self.description
    }

    /// The credentials if they are fixed (static keys without roles), so a driver can skip
    /// the cache machinery.
    pub fn static_credentials(&self) -> Option<&Credentials> {
        match &self.plan.base {
            Base::Static { creds, .. } if self.plan.roles.is_empty() => Some(creds),
            _ => None,
        }
    }

    /// A new fetch of credentials from this source.
    pub fn provider(&self) -> Provider {
        Provider::new(self.plan.clone())
    }
}

/// Finds the first configured source, in the order of the AWS SDKs:
///
/// 1. environment: `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`,
///    `AWS_CREDENTIAL_EXPIRATION` (RFC 3339);
/// 2. the profile (`AWS_PROFILE`, else `default`) when it has a credential setting:
///    `role_arn` with `source_profile` (followed, cycles refused) or `credential_source`
///    (`Environment`, `Ec2InstanceMetadata`, `EcsContainer`) -> STS `AssumeRole`;
///    `role_arn` with `web_identity_token_file` -> `AssumeRoleWithWebIdentity`; `sso_session`
///    or the legacy `sso_start_url`/`sso_region`/`sso_account_id`/`sso_role_name`;
///    `credential_process`; `aws_access_key_id`/`aws_secret_access_key`/`aws_session_token`.
///    `mfa_serial` is refused (there is no way to ask for a code);
/// 3. `AWS_WEB_IDENTITY_TOKEN_FILE` with `AWS_ROLE_ARN` (and `AWS_ROLE_SESSION_NAME`);
/// 4. the container endpoint (`AWS_CONTAINER_CREDENTIALS_RELATIVE_URI` or `_FULL_URI`);
/// 5. the instance metadata service, unless `AWS_EC2_METADATA_DISABLED=true`.
///
/// A source that is configured but broken is an error, not skipped. When nothing is
/// configured (IMDS disabled, or IMDS not answering when it was only the last resort), the
/// error is [`CredentialsErrorKind::NotFound`] and lists everything tried.
///
/// STS is called at `AWS_ENDPOINT_URL_STS`, else `AWS_ENDPOINT_URL`, else
/// `https://sts.{region}.amazonaws.com` with the region of `AWS_REGION`,
/// `AWS_DEFAULT_REGION` or the profile (`us-east-1` without one). The SSO portal likewise
/// honours `AWS_ENDPOINT_URL_SSO`.
pub fn default_chain(input: &ChainInput<'_>) -> Result<CredentialsSource, CredentialsError> {
    let mut tried = Vec::new();

    if let Some(creds) = env_credentials(input)? {
        return Ok(CredentialsSource {
            kind: SourceKind::Environment,
            description: "environment variables AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY".into(),
            plan: Plan {
                base: Base::Static {
                    creds,
                    source: "environment",
                },
                roles: Vec::new(),
            },
        });
    }
    tried
        .push("environment variables (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY not set)".into());

    let set = ProfileSet::parse(input.config_file, input.credentials_file).map_err(|e| {
        CredentialsError::config("profile", format!("cannot parse the shared files: {e}"))
    })?;
    let from_env = input.var("AWS_PROFILE");
    let name = from_env.clone().unwrap_or_else(|| "default".into());
    let ctx = Ctx::new(input, &set, &name);
    match set.profile(&name) {
        None if from_env.is_some() => {
            return Err(CredentialsError::config(
                "profile",
                format!(
                    "AWS_PROFILE names profile `{name}`, which is in neither the shared config \
                     file nor the credentials file"
                ),
            ))
        }
        None => tried.push(format!(
            "profile `{name}` (in neither the shared config nor the credentials file)"
        )),
        Some(p) if !CREDENTIAL_KEYS.iter().any(|k| get(p, k).is_some()) => {
            tried.push(format!("profile `{name}` (no credential settings)"))
        }
        Some(_) => {
            let (plan, description) = ctx.resolve_profile(&name)?;
            return Ok(CredentialsSource {
                kind: SourceKind::Profile,
                description,
                plan,
            });
        }
    }

    match (
        input.var("AWS_WEB_IDENTITY_TOKEN_FILE"),
        input.var("AWS_ROLE_ARN"),
    ) {
        (Some(file), Some(role_arn)) => {
            let description =
                format!("web identity token file from the environment, role {role_arn}");
            return Ok(CredentialsSource {
                kind: SourceKind::WebIdentity,
                description,
                plan: Plan {
                    base: Base::WebIdentity(WebIdentityConfig {
                        token_file: ctx.expand(&file),
                        role_arn,
                        session_name: input.var("AWS_ROLE_SESSION_NAME"),
                        endpoint: ctx.sts_endpoint.clone(),
                    }),
                    roles: Vec::new(),
                },
            });
        }
        (Some(_), None) => {
            return Err(CredentialsError::config(
                "web identity",
                "AWS_WEB_IDENTITY_TOKEN_FILE is set but AWS_ROLE_ARN is not",
            ))
        }
        (None, Some(_)) => {
            return Err(CredentialsError::config(
                "web identity",
                "AWS_ROLE_ARN is set but AWS_WEB_IDENTITY_TOKEN_FILE is not",
            ))
        }
        (None, None) => {
            tried.push("web identity (AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN not set)".into())
        }
    }

    if let Some(config) = container_config(input)? {
        return Ok(CredentialsSource {
            kind: SourceKind::Container,
            description: format!("container credentials endpoint {}", config.uri),
            plan: Plan {
                base: Base::Container(config),
                roles: Vec::new(),
            },
        });
    }
    tried.push(
        "container (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI and AWS_CONTAINER_CREDENTIALS_FULL_URI \
         not set)"
            .into(),
    );

    if imds_disabled(input) {
        tried.push("instance metadata (AWS_EC2_METADATA_DISABLED is true)".into());
        return Err(CredentialsError::new(
            CredentialsErrorKind::NotFound,
            "chain",
            format!("no credentials found; tried: {}", tried.join("; ")),
        ));
    }
    let config = ctx.imds_config(Some(tried))?;
    Ok(CredentialsSource {
        kind: SourceKind::Imds,
        description: format!("instance metadata service {}", config.endpoint),
        plan: Plan {
            base: Base::Imds(config),
            roles: Vec::new(),
        },
    })
}

/// `AWS_EC2_METADATA_DISABLED=true`: no request goes to the instance metadata service.
fn imds_disabled(input: &ChainInput<'_>) -> bool {
    input
        .var("AWS_EC2_METADATA_DISABLED")
        .is_some_and(|v| v.eq_ignore_ascii_case("true"))
}

fn env_credentials(input: &ChainInput<'_>) -> Result<Option<Credentials>, CredentialsError> {
    let bad = |m: &str| CredentialsError::config("environment", m);
    match (
        input.var("AWS_ACCESS_KEY_ID"),
        input.var("AWS_SECRET_ACCESS_KEY"),
    ) {
        (Some(id), Some(secret)) => {
            let expiry = match input.var("AWS_CREDENTIAL_EXPIRATION") {
                None => None,
                Some(v) => Some(parse_rfc3339(&v).ok_or_else(|| {
                    CredentialsError::config(
                        "environment",
                        format!(
                            "AWS_CREDENTIAL_EXPIRATION {:?} is not an RFC 3339 time",
                            excerpt(&v, 40)
                        ),
                    )
                })?),
            };
            Ok(Some(Credentials::new(
                id,
                secret,
                input.var("AWS_SESSION_TOKEN"),
                expiry,
            )))
        }
        (Some(_), None) => Err(bad(
            "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not",
        )),
        (None, Some(_)) => Err(bad(
            "AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not",
        )),
        (None, None) => Ok(None),
    }
}

fn container_config(input: &ChainInput<'_>) -> Result<Option<ContainerConfig>, CredentialsError> {
    let uri = if let Some(relative) = input.var("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI") {
        if !relative.starts_with('/') {
            return Err(CredentialsError::config(
                "container",
                format!(
                    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI {:?} must start with /",
                    excerpt(&relative, 200)
                ),
            ));
        }
        format!("{RELATIVE_URI_BASE}{relative}")
    } else if let Some(full) = input.var("AWS_CONTAINER_CREDENTIALS_FULL_URI") {
        validate_full_uri(&full)?;
        full
    } else {
        return Ok(None);
    };
    let auth = if let Some(file) = input.var("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE") {
        Some(ContainerAuth::File(PathBuf::from(file)))
    } else {
        input
            .var("AWS_CONTAINER_AUTHORIZATION_TOKEN")
            .map(|t| ContainerAuth::Token(Secret(t)))
    };
    Ok(Some(ContainerConfig { uri, auth }))
}

/// A profile property, trimmed; empty counts as unset.
fn get<'a>(section: &'a Section, key: &str) -> Option<&'a str> {
    section.get(key).map(str::trim).filter(|v| !v.is_empty())
}

pub(crate) struct Ctx<'a> {
    input: &'a ChainInput<'a>,
    set: &'a ProfileSet,
    selected: Option<&'a Section>,
    region: String,
    sts_endpoint: String,
}

impl<'a> Ctx<'a> {
    pub(crate) fn new(input: &'a ChainInput<'a>, set: &'a ProfileSet, name: &str) -> Self {
        let selected = set.profile(name);
        let region = input
            .var("AWS_REGION")
            .or_else(|| input.var("AWS_DEFAULT_REGION"))
            .or_else(|| selected.and_then(|p| get(p, "region")).map(str::to_string))
            .unwrap_or_else(|| DEFAULT_STS_REGION.into());
        let sts_endpoint = Self::service_endpoint(input, "AWS_ENDPOINT_URL_STS")
            .unwrap_or_else(|| regional_endpoint(&region));
        Ctx {
            input,
            set,
            selected,
            region,
            sts_endpoint,
        }
    }

    fn service_endpoint(input: &ChainInput<'_>, service_var: &str) -> Option<String> {
        let ignore = input
            .var("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")
            .is_some_and(|v| v.eq_ignore_ascii_case("true"));
        if ignore {
            return None;
        }
        input
            .var(service_var)
            .or_else(|| input.var("AWS_ENDPOINT_URL"))
            .map(|u| u.trim_end_matches('/').to_string())
    }

    /// `~` or `~/...` expanded with the home directory.
    fn expand(&self, path: &str) -> PathBuf {
        match (path.strip_prefix('~'), self.input.home) {
            (Some(rest), Some(home)) if rest.is_empty() || rest.starts_with(['/', '\\']) => {
                let mut out = PathBuf::from(home);
                for part in rest.split(['/', '\\']).filter(|p| !p.is_empty()) {
                    out.push(part);
                }
                out
            }
            _ => PathBuf::from(path),
        }
    }

    fn setting(&self, env: &str, key: &str) -> Option<String> {
        self.input
            .var(env)
            .or_else(|| self.selected.and_then(|p| get(p, key)).map(str::to_string))
    }

    fn imds_config(&self, implicit: Option<Vec<String>>) -> Result<ImdsConfig, CredentialsError> {
        let endpoint = match self.setting(
            "AWS_EC2_METADATA_SERVICE_ENDPOINT",
            "ec2_metadata_service_endpoint",
        ) {
            Some(url) => {
                let ok = url.parse::<http::Uri>().ok().is_some_and(|u| {
                    matches!(u.scheme_str(), Some("http" | "https")) && u.host().is_some()
                });
                if !ok {
                    return Err(CredentialsError::config(
                        "imds",
                        format!(
                            "the instance metadata endpoint {:?} is not an http(s) URL",
                            excerpt(&url, 200)
                        ),
                    ));
                }
                url.trim_end_matches('/').to_string()
            }
            None => match self.setting(
                "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE",
                "ec2_metadata_service_endpoint_mode",
            ) {
                None => ENDPOINT_IPV4.to_string(),
                Some(m) if m.eq_ignore_ascii_case("ipv4") => ENDPOINT_IPV4.to_string(),
                Some(m) if m.eq_ignore_ascii_case("ipv6") => ENDPOINT_IPV6.to_string(),
                Some(m) => {
                    return Err(CredentialsError::config(
                        "imds",
                        format!(
                            "the instance metadata endpoint mode {:?} is neither IPv4 nor IPv6",
                            excerpt(&m, 40)
                        ),
                    ))
                }
            },
        };
        let explicit = self
            .setting(
                "AWS_EC2_METADATA_SERVICE_ENDPOINT",
                "ec2_metadata_service_endpoint",
            )
            .is_some();
        let allow_v1_fallback = self
            .setting("AWS_EC2_METADATA_V1_DISABLED", "ec2_metadata_v1_disabled")
            .is_some_and(|v| v.eq_ignore_ascii_case("false"));
        Ok(ImdsConfig {
            endpoint,
            allow_v1_fallback,
            implicit_tried: if explicit { None } else { implicit },
        })
    }

    fn profile(&self, name: &str, referrer: Option<&str>) -> Result<&'a Section, CredentialsError> {
        self.set.profile(name).ok_or_else(|| {
            let via = referrer
                .map(|r| format!(" (the source_profile of `{r}`)"))
                .unwrap_or_default();
            CredentialsError::config(
                "profile",
                format!("profile `{name}`{via} is in neither the shared config file nor the credentials file"),
            )
        })
    }

    /// The plan of profile `name` and its description.
    pub(crate) fn resolve_profile(&self, name: &str) -> Result<(Plan, String), CredentialsError> {
        let mut roles = Vec::new();
        let mut visited: Vec<String> = Vec::new();
        let mut current = name.to_string();
        let mut referrer: Option<String> = None;
        let (base, base_description) = loop {
            if visited.contains(&current) {
                visited.push(current.clone());
                return Err(CredentialsError::config(
                    "profile",
                    format!(
                        "the source_profile chain loops: {}",
                        visited
                            .iter()
                            .map(|v| format!("`{v}`"))
                            .collect::<Vec<_>>()
                            .join(" -> ")
                    ),
                ));
            }
            let p = self.profile(&current, referrer.as_deref())?;
            visited.push(current.clone());
            let Some(role_arn) = get(p, "role_arn") else {
                break self.leaf(&current, p)?;
            };
            if get(p, "mfa_serial").is_some() {
                return Err(CredentialsError::config(
                    "profile",
                    format!(
                        "profile `{current}` sets mfa_serial: assuming a role that needs an MFA \
                         code is not supported (there is no way to ask for the code); use a \
                         profile without mfa_serial or temporary credentials"
                    ),
                ));
            }
            if let Some(file) = get(p, "web_identity_token_file") {
                break (
                    Base::WebIdentity(WebIdentityConfig {
                        token_file: self.expand(file),
                        role_arn: role_arn.to_string(),
                        session_name: get(p, "role_session_name").map(str::to_string),
                        endpoint: self.sts_endpoint.clone(),
                    }),
                    format!("web identity token file of profile `{current}`, role {role_arn}"),
                );
            }
            let params = self.role_params(&current, p, role_arn)?;
            match (get(p, "source_profile"), get(p, "credential_source")) {
                (Some(_), Some(_)) => {
                    return Err(CredentialsError::config(
                        "profile",
                        format!(
                            "profile `{current}` sets both source_profile and credential_source; \
                             set one"
                        ),
                    ))
                }
                (None, None) => {
                    return Err(CredentialsError::config(
                        "profile",
                        format!(
                            "profile `{current}` sets role_arn but neither source_profile nor \
                             credential_source"
                        ),
                    ))
                }
                (Some(source), None) => {
                    roles.push(params);
                    if source == current {
                        // A profile that is its own source uses its own static keys.
                        match static_keys(&current, p)? {
                            Some(creds) => {
                                break (
                                    Base::Static {
                                        creds,
                                        source: "profile",
                                    },
                                    format!("static keys of profile `{current}`"),
                                )
                            }
                            None => {
                                return Err(CredentialsError::config(
                                    "profile",
                                    format!(
                                        "profile `{current}` is its own source_profile but has \
                                         no aws_access_key_id and aws_secret_access_key"
                                    ),
                                ))
                            }
                        }
                    }
                    referrer = Some(current.clone());
                    current = source.to_string();
                }
                (None, Some(named)) => {
                    roles.push(params);
                    break self.named_source(&current, named)?;
                }
            }
        };
        roles.reverse();
        let mut description = format!("profile `{name}`: {base_description}");
        for role in &roles {
            description.push_str(&format!(" -> AssumeRole {}", role.role_arn));
        }
        Ok((Plan { base, roles }, description))
    }

    fn role_params(
        &self,
        name: &str,
        p: &Section,
        role_arn: &str,
    ) -> Result<AssumeRoleParams, CredentialsError> {
        let duration_seconds = match get(p, "duration_seconds") {
            None => None,
            Some(v) => match v.parse::<u32>() {
                Ok(d) if (900..=43200).contains(&d) => Some(d),
                _ => {
                    return Err(CredentialsError::config(
                        "profile",
                        format!(
                            "duration_seconds {:?} of profile `{name}` must be a whole number \
                             from 900 to 43200",
                            excerpt(v, 40)
                        ),
                    ))
                }
            },
        };
        Ok(AssumeRoleParams {
            role_arn: role_arn.to_string(),
            session_name: get(p, "role_session_name").map(str::to_string),
            external_id: get(p, "external_id").map(str::to_string),
            duration_seconds,
            region: self.region.clone(),
            endpoint: self.sts_endpoint.clone(),
        })
    }

    fn named_source(&self, name: &str, named: &str) -> Result<(Base, String), CredentialsError> {
        match named {
            "Environment" => match env_credentials(self.input)? {
                Some(creds) => Ok((
                    Base::Static {
                        creds,
                        source: "environment",
                    },
                    "environment variables".into(),
                )),
                None => Err(CredentialsError::config(
                    "profile",
                    format!(
                        "profile `{name}` has credential_source = Environment but \
                         AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set"
                    ),
                )),
            },
            "Ec2InstanceMetadata" if imds_disabled(self.input) => Err(CredentialsError::config(
                "profile",
                format!(
                    "profile `{name}` has credential_source = Ec2InstanceMetadata but \
                     AWS_EC2_METADATA_DISABLED is true"
                ),
            )),
            "Ec2InstanceMetadata" => {
                let config = self.imds_config(None)?;
                let d = format!("instance metadata service {}", config.endpoint);
                Ok((Base::Imds(config), d))
            }
            "EcsContainer" => match container_config(self.input)? {
                Some(config) => {
                    let d = format!("container credentials endpoint {}", config.uri);
                    Ok((Base::Container(config), d))
                }
                None => Err(CredentialsError::config(
                    "profile",
                    format!(
                        "profile `{name}` has credential_source = EcsContainer but neither \
                         AWS_CONTAINER_CREDENTIALS_RELATIVE_URI nor \
                         AWS_CONTAINER_CREDENTIALS_FULL_URI is set"
                    ),
                )),
            },
            other => Err(CredentialsError::config(
                "profile",
                format!(
                    "credential_source {:?} of profile `{name}` is not one of Environment, \
                     Ec2InstanceMetadata, EcsContainer",
                    excerpt(other, 40)
                ),
            )),
        }
    }

    /// The base of a profile without `role_arn`.
    fn leaf(&self, name: &str, p: &Section) -> Result<(Base, String), CredentialsError> {
        let sso_keys = [
            "sso_session",
            "sso_start_url",
            "sso_account_id",
            "sso_role_name",
        ];
        if sso_keys.iter().any(|k| get(p, k).is_some()) {
            let config = self.sso_config(name, p)?;
            return Ok((
                Base::Sso(config),
                format!("IAM Identity Center (SSO) of profile `{name}`"),
            ));
        }
        if get(p, "web_identity_token_file").is_some() {
            return Err(CredentialsError::config(
                "profile",
                format!("profile `{name}` sets web_identity_token_file but not role_arn"),
            ));
        }
        if let Some(command) = get(p, "credential_process") {
            return Ok((
                Base::Process {
                    command: super::provider::CommandLine::new(command),
                },
                format!("credential_process of profile `{name}`"),
            ));
        }
        match static_keys(name, p)? {
            Some(creds) => Ok((
                Base::Static {
                    creds,
                    source: "profile",
                },
                format!("static keys of profile `{name}`"),
            )),
            None => Err(CredentialsError::config(
                "profile",
                format!("profile `{name}` has no credentials"),
            )),
        }
    }

    fn sso_config(&self, name: &str, p: &Section) -> Result<SsoConfig, CredentialsError> {
        let missing = |key: &str, place: &str| {
            CredentialsError::config("sso", format!("{place} has no {key}"))
        };
        let place = format!("profile `{name}`");
        let account_id =
            get(p, "sso_account_id").ok_or_else(|| missing("sso_account_id", &place))?;
        let role_name = get(p, "sso_role_name").ok_or_else(|| missing("sso_role_name", &place))?;
        let (region, cache_key) = if let Some(session) = get(p, "sso_session") {
            let section = self.set.sso_session(session).ok_or_else(|| {
                CredentialsError::config(
                    "sso",
                    format!(
                        "profile `{name}` names sso_session `{session}`, but the config file \
                         has no [sso-session {session}] section"
                    ),
                )
            })?;
            let splace = format!("[sso-session {session}]");
            let region =
                get(section, "sso_region").ok_or_else(|| missing("sso_region", &splace))?;
            let start_url =
                get(section, "sso_start_url").ok_or_else(|| missing("sso_start_url", &splace))?;
            for (key, value) in [("sso_region", region), ("sso_start_url", start_url)] {
                if let Some(own) = get(p, key) {
                    if own != value {
                        return Err(CredentialsError::config(
                            "sso",
                            format!(
                                "profile `{name}` sets {key} {own:?}, which differs from \
                                 {value:?} of {splace}"
                            ),
                        ));
                    }
                }
            }
            (region, session)
        } else {
            let region = get(p, "sso_region").ok_or_else(|| missing("sso_region", &place))?;
            let start_url =
                get(p, "sso_start_url").ok_or_else(|| missing("sso_start_url", &place))?;
            (region, start_url)
        };
        let home = self.input.home.ok_or_else(|| {
            CredentialsError::config(
                "sso",
                "no home directory, so the SSO token cache (~/.aws/sso/cache) cannot be found",
            )
        })?;
        let cache_path = PathBuf::from(home)
            .join(".aws")
            .join("sso")
            .join("cache")
            .join(cache_file_name(cache_key));
        let endpoint = Self::service_endpoint(self.input, "AWS_ENDPOINT_URL_SSO")
            .unwrap_or_else(|| portal_endpoint(region));
        Ok(SsoConfig {
            cache_path,
            endpoint,
            account_id: account_id.to_string(),
            role_name: role_name.to_string(),
            login_hint: format!("aws sso login --profile {name}"),
        })
    }
}

fn static_keys(name: &str, p: &Section) -> Result<Option<Credentials>, CredentialsError> {
    match (get(p, "aws_access_key_id"), get(p, "aws_secret_access_key")) {
        (Some(id), Some(secret)) => Ok(Some(Credentials::new(
            id,
            secret,
            get(p, "aws_session_token").map(str::to_string),
            None,
        ))),
        (Some(_), None) => Err(CredentialsError::config(
            "profile",
            format!("profile `{name}` sets aws_access_key_id but not aws_secret_access_key"),
        )),
        (None, Some(_)) => Err(CredentialsError::config(
            "profile",
            format!("profile `{name}` sets aws_secret_access_key but not aws_access_key_id"),
        )),
        (None, None) => Ok(None),
    }
}
