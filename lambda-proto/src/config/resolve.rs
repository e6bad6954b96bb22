//! Resolution of the settings a Lambda client needs, environment first, then the profile.

use crate::credentials::Credentials;
use std::fmt;
use std::path::PathBuf;

use super::profile::{FileKind, ParseError, ProfileSet, Property, Section};
use crate::endpoint::Endpoint;
use crate::retry::{RetryConfig, RetryMode};

/// Default location of the config file, below the home directory.
const DEFAULT_CONFIG_PATH: &str = "~/.aws/config";
/// Default location of the credentials file, below the home directory.
const DEFAULT_CREDENTIALS_PATH: &str = "~/.aws/credentials";

/// Profile keys of credential sources that are not static keys; named in the
/// missing-credentials error when a profile uses one.
const OTHER_CREDENTIAL_KEYS: &[&str] = &[
    "role_arn",
    "credential_source",
    "credential_process",
    "sso_session",
    "sso_start_url",
    "web_identity_token_file",
    "login_session",
];

/// The files the driver should read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SharedFilePaths {
    /// The config file: `AWS_CONFIG_FILE`, else `~/.aws/config`.
    pub config: PathBuf,
    /// The credentials file: `AWS_SHARED_CREDENTIALS_FILE`, else `~/.aws/credentials`.
    pub credentials: PathBuf,
    /// Whether `config` came from `AWS_CONFIG_FILE` (a missing file is then worth a warning).
    pub config_from_env: bool,
    /// Whether `credentials` came from `AWS_SHARED_CREDENTIALS_FILE`.
    pub credentials_from_env: bool,
}

/// Which files to read: `AWS_CONFIG_FILE` and `AWS_SHARED_CREDENTIALS_FILE` override the
/// defaults `~/.aws/config` and `~/.aws/credentials`. A leading `~` (alone or followed by
/// `/`, or `\` on Windows) is replaced with `home`; without a home directory the path is left
/// as it is. A missing file reads as an empty one (pass `None` to [`resolve`]).
pub fn shared_file_paths(
    env: &dyn Fn(&str) -> Option<String>,
    home: Option<&str>,
) -> SharedFilePaths {
    let pick = |name: &str, default: &str| match var(env, name) {
        Some(path) => (expand_home(&path, home), true),
        None => (expand_home(default, home), false),
    };
    let (config, config_from_env) = pick("AWS_CONFIG_FILE", DEFAULT_CONFIG_PATH);
    let (credentials, credentials_from_env) =
        pick("AWS_SHARED_CREDENTIALS_FILE", DEFAULT_CREDENTIALS_PATH);
    SharedFilePaths {
        config,
        credentials,
        config_from_env,
        credentials_from_env,
    }
}

fn expand_home(path: &str, home: Option<&str>) -> PathBuf {
    let Some(home) = home else {
        return PathBuf::from(path);
    };
    let is_sep = |c: char| c == '/' || (cfg!(windows) && c == '\\');
    let rest = match path.strip_prefix('~') {
        Some("") => "",
        Some(rest) if rest.starts_with(is_sep) => rest,
        _ => return PathBuf::from(path),
    };
    let mut out = PathBuf::from(home);
    for part in rest.split(is_sep).filter(|p| !p.is_empty()) {
        out.push(part);
    }
    out
}

/// An environment value, trimmed; empty counts as unset.
fn var(env: &dyn Fn(&str) -> Option<String>, name: &str) -> Option<String> {
    env(name)
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

/// Where a setting's value came from.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ValueSource {
    /// An environment variable.
    Env(&'static str),
    /// A property of the selected profile.
    Profile {
        /// The file.
        file: FileKind,
        /// The file's path as configured (`~/.aws/config` or the environment override).
        path: String,
        /// The profile.
        profile: String,
        /// The property key.
        key: &'static str,
        /// The line, from 1.
        line: usize,
    },
    /// A sub-property of a service in a `[services name]` section of the config file.
    Services {
        /// The config file's path as configured.
        path: String,
        /// The `services` section's name.
        section: String,
        /// The service key (`lambda`).
        service: &'static str,
        /// The sub-property key.
        key: &'static str,
        /// The line of the service's property, from 1.
        line: usize,
    },
}

impl fmt::Display for ValueSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ValueSource::Env(name) => write!(f, "environment variable {name}"),
            ValueSource::Profile {
                file,
                path,
                profile,
                key,
                line,
            } => write!(
                f,
                "`{key}` in profile `{profile}` of the {file} ({path}), line {line}"
            ),
            ValueSource::Services {
                path,
                section,
                service,
                key,
                line,
            } => write!(
                f,
                "`{key}` of `{service}` in [services {section}] of the config file ({path}), \
                 line {line}"
            ),
        }
    }
}

/// Why configuration could not be resolved; see [`ConfigError::kind`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    kind: Box<ConfigErrorKind>,
}

impl ConfigError {
    /// What went wrong, with the details.
    pub fn kind(&self) -> &ConfigErrorKind {
        &self.kind
    }
}

impl From<ConfigErrorKind> for ConfigError {
    fn from(kind: ConfigErrorKind) -> Self {
        ConfigError {
            kind: Box::new(kind),
        }
    }
}

/// The kinds of [`ConfigError`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConfigErrorKind {
    /// A shared file is malformed.
    #[non_exhaustive]
    Parse {
        /// The file's path as configured.
        path: String,
        /// The line and what is wrong with it.
        error: ParseError,
    },
    /// A setting has a value outside its rule.
    #[non_exhaustive]
    InvalidValue {
        /// Where the value came from.
        source: ValueSource,
        /// The value (at most 64 characters of it).
        value: String,
        /// The rule it breaks.
        rule: &'static str,
    },
    /// One half of a key pair is set without the other.
    #[non_exhaustive]
    IncompleteCredentials {
        /// The half that is set.
        present: ValueSource,
        /// The variable or key that is missing.
        missing: &'static str,
    },
    /// No region anywhere.
    #[non_exhaustive]
    MissingRegion {
        /// The profile that was looked at.
        profile: String,
        /// Whether that profile exists in either file.
        profile_found: bool,
        /// The config file's path as configured.
        config_path: String,
    },
    /// No static credentials anywhere.
    #[non_exhaustive]
    MissingCredentials {
        /// The profile that was looked at.
        profile: String,
        /// Whether that profile exists in either file.
        profile_found: bool,
        /// The config file's path as configured.
        config_path: String,
        /// The credentials file's path as configured.
        credentials_path: String,
        /// A key of another credential source the profile sets (e.g. `role_arn`): static
        /// keys are not all there is; `credentials::default_chain` resolves those sources.
        other_source: Option<&'static str>,
    },
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.kind, f)
    }
}

impl fmt::Display for ConfigErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigErrorKind::Parse { path, error } => write!(f, "{error} ({path})"),
            ConfigErrorKind::InvalidValue {
                source,
                value,
                rule,
            } => write!(f, "{source}: {value:?} is not valid: {rule}"),
            ConfigErrorKind::IncompleteCredentials { present, missing } => {
                write!(f, "{present} is set but {missing} is not")
            }
            ConfigErrorKind::MissingRegion {
                profile,
                profile_found,
                config_path,
            } => {
                write!(
                    f,
                    "no region: AWS_REGION and AWS_DEFAULT_REGION are not set, and "
                )?;
                if *profile_found {
                    write!(
                        f,
                        "profile `{profile}` has no `region` in the config file ({config_path})"
                    )
                } else {
                    write!(
                        f,
                        "there is no profile `{profile}` in the config file ({config_path})"
                    )
                }
            }
            ConfigErrorKind::MissingCredentials {
                profile,
                profile_found,
                config_path,
                credentials_path,
                other_source,
            } => {
                write!(
                    f,
                    "no credentials: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set, and "
                )?;
                if *profile_found {
                    write!(
                        f,
                        "profile `{profile}` has no `aws_access_key_id` and \
                         `aws_secret_access_key`"
                    )?;
                } else {
                    write!(f, "there is no profile `{profile}`")?;
                }
                write!(
                    f,
                    " in the credentials file ({credentials_path}) or the config file \
                     ({config_path})"
                )?;
                if let Some(key) = other_source {
                    write!(
                        f,
                        "; the profile sets `{key}`, a source of temporary credentials that \
                         the default credentials chain resolves, not static keys"
                    )?;
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for ConfigError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &*self.kind {
            ConfigErrorKind::Parse { error, .. } => Some(error),
            _ => None,
        }
    }
}

/// The resolved settings of a Lambda client.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    profile: String,
    profile_found: bool,
    region: Option<String>,
    credentials: Option<Credentials>,
    other_credential_source: Option<&'static str>,
    endpoint_url: Option<String>,
    use_fips: bool,
    use_dualstack: bool,
    max_attempts: Option<u32>,
    retry_mode: Option<RetryMode>,
    app_id: Option<String>,
    ca_bundle: Option<String>,
    config_path: String,
    credentials_path: String,
    warnings: Vec<String>,
}

impl Config {
    /// The profile used: `AWS_PROFILE`, else `default`.
    pub fn profile(&self) -> &str {
        &self.profile
    }

    /// The region: `AWS_REGION`, else `AWS_DEFAULT_REGION`, else the profile's `region`.
    pub fn region(&self) -> Option<&str> {
        self.region.as_deref()
    }

    /// The region, or an error saying where it was looked for.
    pub fn require_region(&self) -> Result<&str, ConfigError> {
        self.region().ok_or_else(|| {
            ConfigErrorKind::MissingRegion {
                profile: self.profile.clone(),
                profile_found: self.profile_found,
                config_path: self.config_path.clone(),
            }
            .into()
        })
    }

    /// Static credentials: `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and
    /// `AWS_SESSION_TOKEN`, else the profile's `aws_access_key_id`, `aws_secret_access_key`
    /// and `aws_session_token`.
    pub fn credentials(&self) -> Option<&Credentials> {
        self.credentials.as_ref()
    }

    /// The credentials, or an error saying where they were looked for.
    pub fn require_credentials(&self) -> Result<&Credentials, ConfigError> {
        self.credentials().ok_or_else(|| {
            ConfigErrorKind::MissingCredentials {
                profile: self.profile.clone(),
                profile_found: self.profile_found,
                config_path: self.config_path.clone(),
                credentials_path: self.credentials_path.clone(),
                other_source: self.other_credential_source,
            }
            .into()
        })
    }

    /// A configured endpoint URL, unless `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS` /
    /// `ignore_configured_endpoint_urls` is true: `AWS_ENDPOINT_URL_LAMBDA`, else
    /// `AWS_ENDPOINT_URL`, else `endpoint_url` of `lambda` in the profile's `services`
    /// section, else the profile's `endpoint_url`.
    pub fn endpoint_url(&self) -> Option<&str> {
        self.endpoint_url.as_deref()
    }

    /// `AWS_USE_FIPS_ENDPOINT`, else `use_fips_endpoint`, else false.
    pub fn use_fips(&self) -> bool {
        self.use_fips
    }

    /// `AWS_USE_DUALSTACK_ENDPOINT`, else `use_dualstack_endpoint`, else false.
    pub fn use_dualstack(&self) -> bool {
        self.use_dualstack
    }

    /// `AWS_MAX_ATTEMPTS`, else `max_attempts`, if set.
    pub fn max_attempts(&self) -> Option<u32> {
        self.max_attempts
    }

    /// `AWS_RETRY_MODE`, else `retry_mode`, if set.
    pub fn retry_mode(&self) -> Option<RetryMode> {
        self.retry_mode
    }

    /// The application id for the User-Agent: `AWS_SDK_UA_APP_ID`, else `sdk_ua_app_id`.
    pub fn app_id(&self) -> Option<&str> {
        self.app_id.as_deref()
    }

    /// A PEM file of extra trusted root certificates: `AWS_CA_BUNDLE`, else `ca_bundle`.
    pub fn ca_bundle(&self) -> Option<&str> {
        self.ca_bundle.as_deref()
    }

    /// Standard retry settings with the configured mode and attempts.
    pub fn retry_config(&self) -> RetryConfig {
        let c = RetryConfig::standard().with_mode(self.retry_mode.unwrap_or_default());
        match self.max_attempts {
            Some(n) => c.with_max_attempts(n),
            None => c,
        }
    }

    /// Things that were ignored (sections, keys, a missing profile or `services` section),
    /// for the driver to log.
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }
}

/// Reads settings from the environment and the selected profile.
struct Lookup<'a> {
    env: &'a dyn Fn(&str) -> Option<String>,
    profile_name: &'a str,
    profile: Option<&'a Section>,
    config_path: &'a str,
    credentials_path: &'a str,
}

impl<'a> Lookup<'a> {
    fn path(&self, file: FileKind) -> &str {
        match file {
            FileKind::Config => self.config_path,
            FileKind::Credentials => self.credentials_path,
        }
    }

    fn env(&self, name: &'static str) -> Option<(String, ValueSource)> {
        var(self.env, name).map(|v| (v, ValueSource::Env(name)))
    }

    fn source_of(&self, key: &'static str, p: &Property) -> ValueSource {
        ValueSource::Profile {
            file: p.file(),
            path: self.path(p.file()).to_string(),
            profile: self.profile_name.to_string(),
            key,
            line: p.line(),
        }
    }

    fn profile(&self, key: &'static str) -> Option<(String, ValueSource)> {
        let p = self.profile?.property(key)?;
        let value = p.value().trim();
        (!value.is_empty()).then(|| (value.to_string(), self.source_of(key, p)))
    }

    fn setting(&self, env: &'static str, key: &'static str) -> Option<(String, ValueSource)> {
        self.env(env).or_else(|| self.profile(key))
    }

    fn bool_setting(&self, env: &'static str, key: &'static str) -> Result<bool, ConfigError> {
        match self.setting(env, key) {
            None => Ok(false),
            Some((v, source)) => {
                if v.eq_ignore_ascii_case("true") {
                    Ok(true)
                } else if v.eq_ignore_ascii_case("false") {
                    Ok(false)
                } else {
                    Err(invalid(source, &v, "must be true or false"))
                }
            }
        }
    }

    /// The `endpoint_url` of `lambda` in the profile's `services` section.
    fn services_endpoint(
        &self,
        warnings: &mut Vec<String>,
        set: &ProfileSet,
    ) -> Option<(String, ValueSource)> {
        let (name, _) = self.profile("services")?;
        let Some(section) = set.services(&name) else {
            warnings.push(format!(
                "profile `{}` refers to [services {}], which is not in the config file ({})",
                self.profile_name, name, self.config_path
            ));
            return None;
        };
        let service = section.property("lambda")?;
        let url = service.sub_property("endpoint_url")?;
        (!url.is_empty()).then(|| {
            (
                url.to_string(),
                ValueSource::Services {
                    path: self.config_path.to_string(),
                    section: name.clone(),
                    service: "lambda",
                    key: "endpoint_url",
                    line: service.line(),
                },
            )
        })
    }
}

fn invalid(source: ValueSource, value: &str, rule: &'static str) -> ConfigError {
    ConfigErrorKind::InvalidValue {
        source,
        value: value.chars().take(64).collect(),
        rule,
    }
    .into()
}

/// Resolves the configuration of a Lambda client.
///
/// `env` looks up an environment variable (values are trimmed; empty counts as unset).
/// `config_file` and `credentials_file` are the texts of the files named by
/// [`shared_file_paths`], `None` when a file does not exist. Environment variables win over
/// the profile; the credentials file wins over the config file.
///
/// A missing region or missing credentials are not errors here (another source may supply
/// them); [`Config::require_region`] and [`Config::require_credentials`] turn them into
/// errors that say where they were looked for. Malformed files, invalid values and half key
/// pairs are errors.
pub fn resolve(
    env: &dyn Fn(&str) -> Option<String>,
    config_file: Option<&str>,
    credentials_file: Option<&str>,
) -> Result<Config, ConfigError> {
    let config_path = var(env, "AWS_CONFIG_FILE").unwrap_or_else(|| DEFAULT_CONFIG_PATH.into());
    let credentials_path =
        var(env, "AWS_SHARED_CREDENTIALS_FILE").unwrap_or_else(|| DEFAULT_CREDENTIALS_PATH.into());
    let set = ProfileSet::parse(config_file, credentials_file).map_err(|error| {
        let path = match error.file() {
            FileKind::Config => config_path.clone(),
            FileKind::Credentials => credentials_path.clone(),
        };
        ConfigError::from(ConfigErrorKind::Parse { path, error })
    })?;
    let mut warnings: Vec<String> = set.warnings().iter().map(ToString::to_string).collect();

    let profile_from_env = var(env, "AWS_PROFILE");
    let profile_name = profile_from_env.clone().unwrap_or_else(|| "default".into());
    let profile = set.profile(&profile_name);
    if profile.is_none() && profile_from_env.is_some() {
        warnings.push(format!(
            "profile `{profile_name}` (AWS_PROFILE) is in neither the config file ({config_path}) \
             nor the credentials file ({credentials_path})"
        ));
    }
    let look = Lookup {
        env,
        profile_name: &profile_name,
        profile,
        config_path: &config_path,
        credentials_path: &credentials_path,
    };

    let region = look
        .env("AWS_REGION")
        .or_else(|| look.env("AWS_DEFAULT_REGION"))
        .or_else(|| look.profile("region"))
        .map(|(v, _)| v);

    let credentials = resolve_credentials(&look, &mut warnings)?;
    let other_credential_source = match (&credentials, profile) {
        (None, Some(p)) => OTHER_CREDENTIAL_KEYS
            .iter()
            .copied()
            .find(|k| p.get(k).is_some()),
        _ => None,
    };

    let ignore_endpoints = look.bool_setting(
        "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
        "ignore_configured_endpoint_urls",
    )?;
    let endpoint_url = if ignore_endpoints {
        None
    } else {
        let found = look
            .env("AWS_ENDPOINT_URL_LAMBDA")
            .or_else(|| look.env("AWS_ENDPOINT_URL"))
            .or_else(|| look.services_endpoint(&mut warnings, &set))
            .or_else(|| look.profile("endpoint_url"));
        match found {
            Some((url, source)) => {
                Endpoint::parse(&url).map_err(|_| {
                    invalid(
                        source,
                        &url,
                        "must be an http or https URL with a host, without user information \
                         or query",
                    )
                })?;
                Some(url)
            }
            None => None,
        }
    };

    let use_fips = look.bool_setting("AWS_USE_FIPS_ENDPOINT", "use_fips_endpoint")?;
    let use_dualstack =
        look.bool_setting("AWS_USE_DUALSTACK_ENDPOINT", "use_dualstack_endpoint")?;

    let max_attempts = match look.setting("AWS_MAX_ATTEMPTS", "max_attempts") {
        None => None,
        Some((v, source)) => match v.parse::<u32>() {
            Ok(n) if n > 0 => Some(n),
            _ => return Err(invalid(source, &v, "must be a whole number greater than 0")),
        },
    };
    let retry_mode = match look.setting("AWS_RETRY_MODE", "retry_mode") {
        None => None,
        Some((v, source)) => Some(
            v.parse::<RetryMode>()
                .map_err(|_| invalid(source, &v, "must be standard, adaptive or legacy"))?,
        ),
    };

    let app_id = look
        .setting("AWS_SDK_UA_APP_ID", "sdk_ua_app_id")
        .map(|(v, _)| v)
        .filter(|v| !v.is_empty());
    let ca_bundle = look
        .setting("AWS_CA_BUNDLE", "ca_bundle")
        .map(|(v, _)| v)
        .filter(|v| !v.is_empty());

    Ok(Config {
        profile_found: profile.is_some(),
        profile: profile_name.clone(),
        region,
        credentials,
        other_credential_source,
        endpoint_url,
        use_fips,
        use_dualstack,
        max_attempts,
        retry_mode,
        app_id,
        ca_bundle,
        config_path: config_path.clone(),
        credentials_path: credentials_path.clone(),
        warnings,
    })
}

fn resolve_credentials(
    look: &Lookup<'_>,
    warnings: &mut Vec<String>,
) -> Result<Option<Credentials>, ConfigError> {
    let pair = |id: Option<(String, ValueSource)>,
                secret: Option<(String, ValueSource)>,
                id_name: &'static str,
                secret_name: &'static str| match (id, secret) {
        (Some((id, _)), Some((secret, _))) => Ok(Some((id, secret))),
        (Some((_, present)), None) => {
            Err(ConfigError::from(ConfigErrorKind::IncompleteCredentials {
                present,
                missing: secret_name,
            }))
        }
        (None, Some((_, present))) => {
            Err(ConfigError::from(ConfigErrorKind::IncompleteCredentials {
                present,
                missing: id_name,
            }))
        }
        (None, None) => Ok(None),
    };
    let env_pair = pair(
        look.env("AWS_ACCESS_KEY_ID"),
        look.env("AWS_SECRET_ACCESS_KEY"),
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
    )?;
    if let Some((id, secret)) = env_pair {
        let token = look.env("AWS_SESSION_TOKEN").map(|(t, _)| t);
        return Ok(Some(Credentials::new(id, secret, token, None)));
    }
    if look.env("AWS_SESSION_TOKEN").is_some() {
        warnings.push(
            "AWS_SESSION_TOKEN ignored: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set"
                .into(),
        );
    }
    let profile_pair = pair(
        look.profile("aws_access_key_id"),
        look.profile("aws_secret_access_key"),
        "aws_access_key_id",
        "aws_secret_access_key",
    )?;
    Ok(profile_pair.map(|(id, secret)| {
        let token = look.profile("aws_session_token").map(|(t, _)| t);
        Credentials::new(id, secret, token, None)
    }))
}

#[cfg(test)]
mod tests;
