//! Configuration from the environment and the AWS shared `config` and `credentials` files.
//!
//! Pure functions: the driver reads the environment and the files and passes them in.
//!
//! 1. [`shared_file_paths`] says which files to read, given the environment and the home
//!    directory.
//! 2. [`resolve`] takes an environment lookup and the two files' text and returns a
//!    [`Config`] for Lambda: profile, region, static credentials, endpoint URL, FIPS and
//!    dual-stack flags, retry settings.
//!
//! ```
//! use lambda_proto::config::{resolve, shared_file_paths};
//!
//! let env = |name: &str| match name {
//!     "AWS_PROFILE" => Some("dev".to_string()),
//!     _ => None,
//! };
//! let paths = shared_file_paths(&env, Some("/home/me"));
//! assert_eq!(paths.config, std::path::Path::new("/home/me/.aws/config"));
//!
//! let config_file = "[profile dev]\nregion = eu-central-1\nmax_attempts = 5\n";
//! let credentials_file = "[dev]\naws_access_key_id = AKIDEXAMPLE\n\
//!                         aws_secret_access_key = wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY\n";
//! let config = resolve(&env, Some(config_file), Some(credentials_file)).unwrap();
//! assert_eq!(config.profile(), "dev");
//! assert_eq!(config.require_region().unwrap(), "eu-central-1");
//! assert_eq!(config.require_credentials().unwrap().access_key_id(), "AKIDEXAMPLE");
//! assert_eq!(config.retry_config().max_attempts(), 5);
//! ```

pub mod profile;
mod resolve;

pub use resolve::{
    resolve, shared_file_paths, Config, ConfigError, ConfigErrorKind, SharedFilePaths, ValueSource,
};
