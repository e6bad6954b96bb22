//! The local side of AWS configuration, shared by the drivers: it reads what
//! [`lambda_proto::config`] and [`lambda_proto::credentials`] decide on (environment
//! variables, the shared `config` and `credentials` files, token files, the output of a
//! `credential_process`), with std only and with size limits on everything it reads.
//!
//! ```no_run
//! let local = lambda_env::LocalConfig::load(&|name| std::env::var(name).ok()).unwrap();
//! println!("region: {:?}", local.config.region());
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use lambda_proto::config::{self, Config, ConfigError};
use lambda_proto::credentials::{
    default_chain, ChainInput, CredentialsError, CredentialsSource, ProcessOutput,
};

/// Largest file read (shared files, token files, the SSO token cache).
pub const MAX_FILE: u64 = 1024 * 1024;
/// Largest output of a `credential_process` kept (the rest is drained and dropped).
pub const MAX_PROCESS_OUTPUT: u64 = 1024 * 1024;

/// The process environment as a lookup function.
pub fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

/// What the environment and the shared files configure.
#[derive(Debug)]
pub struct LocalConfig {
    /// Region, endpoint, FIPS/dual-stack and retry settings.
    pub config: Config,
    /// The credentials source of the default chain (or why none could be chosen).
    pub credentials: Result<CredentialsSource, CredentialsError>,
}

/// A shared file that could not be read.
#[derive(Debug)]
pub enum LoadError {
    /// The file exists but reading it failed.
    ReadFile {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The files or the environment hold invalid settings.
    Config(ConfigError),
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoadError::ReadFile { path, source } => {
                write!(f, "cannot read {}: {source}", path.display())
            }
            LoadError::Config(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for LoadError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            LoadError::ReadFile { source, .. } => Some(source),
            LoadError::Config(e) => Some(e),
        }
    }
}

impl From<ConfigError> for LoadError {
    fn from(e: ConfigError) -> Self {
        LoadError::Config(e)
    }
}

impl LocalConfig {
    /// Reads the shared files the environment `env` points at (`AWS_CONFIG_FILE`,
    /// `AWS_SHARED_CREDENTIALS_FILE`, else under `HOME` / `USERPROFILE`) and resolves the
    /// configuration and the default credentials chain from them.
    pub fn load(env: &dyn Fn(&str) -> Option<String>) -> Result<Self, LoadError> {
        let home = env("HOME")
            .filter(|h| !h.is_empty())
            .or_else(|| env("USERPROFILE").filter(|h| !h.is_empty()));
        let paths = config::shared_file_paths(env, home.as_deref());
        let config_text = read_optional(&paths.config)?;
        let credentials_text = read_optional(&paths.credentials)?;
        let config = config::resolve(env, config_text.as_deref(), credentials_text.as_deref())?;
        let credentials = default_chain(&ChainInput::new(
            env,
            config_text.as_deref(),
            credentials_text.as_deref(),
            home.as_deref(),
        ));
        Ok(LocalConfig {
            config,
            credentials,
        })
    }
}

/// The text of a file, `None` when it does not exist.
fn read_optional(path: &Path) -> Result<Option<String>, LoadError> {
    match read_file(path) {
        Ok(text) => Ok(Some(text)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(LoadError::ReadFile {
            path: path.to_path_buf(),
            source,
        }),
    }
}

/// Reads a text file of at most [`MAX_FILE`] bytes (longer files are an error).
pub fn read_file(path: &Path) -> std::io::Result<String> {
    let file = std::fs::File::open(path)?;
    let mut text = String::new();
    file.take(MAX_FILE + 1).read_to_string(&mut text)?;
    if text.len() as u64 > MAX_FILE {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("{} is larger than {MAX_FILE} bytes", path.display()),
        ));
    }
    Ok(text)
}

/// How long a `credential_process` may run before it is killed: one minute.
pub const PROCESS_TIMEOUT: Duration = Duration::from_secs(60);

/// Runs a `credential_process` command through the shell (`sh -c`, `cmd /C` on Windows),
/// keeping at most [`MAX_PROCESS_OUTPUT`] (+1, so that overflow shows) bytes of each output,
/// and killing it after [`PROCESS_TIMEOUT`].
pub fn run_process(command: &str) -> std::io::Result<ProcessOutput> {
    run_process_within(command, PROCESS_TIMEOUT)
}

/// As [`run_process`], with another time limit. Past `limit` the shell is killed (not
/// processes the command left running in the background) and the error is of kind
/// [`TimedOut`](std::io::ErrorKind::TimedOut).
pub fn run_process_within(command: &str, limit: Duration) -> std::io::Result<ProcessOutput> {
    let deadline = Instant::now() + limit;
    let mut cmd = if cfg!(windows) {
        let mut c = Command::new("cmd");
        c.arg("/C").arg(command);
        c
    } else {
        let mut c = Command::new("sh");
        c.arg("-c").arg(command);
        c
    };
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    // Both outputs are read on threads, so a chatty process cannot block on a full pipe and
    // a silent one cannot block this thread past the deadline.
    let stdout = child
        .stdout
        .take()
        .map(|out| read_bounded(out, MAX_PROCESS_OUTPUT + 1));
    let stderr = child
        .stderr
        .take()
        .map(|err| read_bounded(err, MAX_PROCESS_OUTPUT));
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            let _ = child.kill();
            let _ = child.wait();
            return Err(timed_out(limit));
        }
        std::thread::sleep(left.min(Duration::from_millis(5)));
    };
    // A process that left a child holding its outputs open is not waited for past the
    // deadline either.
    let collect = |reader: Option<mpsc::Receiver<std::io::Result<Vec<u8>>>>| match reader {
        None => Ok(Vec::new()),
        Some(rx) => rx
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            .map_err(|_| timed_out(limit))?,
    };
    let stdout = collect(stdout)?;
    let stderr = collect(stderr).unwrap_or_default();
    Ok(ProcessOutput {
        exit_code: status.code(),
        stdout,
        stderr,
    })
}

/// Reads at most `max` bytes of `source` on a thread (draining the rest).
fn read_bounded(
    mut source: impl Read + Send + 'static,
    max: u64,
) -> mpsc::Receiver<std::io::Result<Vec<u8>>> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut buf = Vec::new();
        let result = (&mut source).take(max).read_to_end(&mut buf).map(|_| buf);
        let _ = std::io::copy(&mut source, &mut std::io::sink());
        let _ = tx.send(result);
    });
    rx
}

fn timed_out(limit: Duration) -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::TimedOut,
        format!("credential_process did not finish within {limit:?}"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("lambda-env-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn loads_the_files_the_environment_names() {
        let dir = temp_dir("load");
        let config = dir.join("config");
        let credentials = dir.join("credentials");
        std::fs::write(&config, "[profile dev]\nregion = eu-west-3\n").unwrap();
        std::fs::write(
            &credentials,
            "[dev]\naws_access_key_id = AKIDDEV\naws_secret_access_key = devsecret\n",
        )
        .unwrap();
        let env = |name: &str| match name {
            "AWS_CONFIG_FILE" => Some(config.display().to_string()),
            "AWS_SHARED_CREDENTIALS_FILE" => Some(credentials.display().to_string()),
            "AWS_PROFILE" => Some("dev".to_string()),
            _ => None,
        };
        let local = LocalConfig::load(&env).unwrap();
        assert_eq!(local.config.region(), Some("eu-west-3"));
        let source = local.credentials.unwrap();
        let creds = source.static_credentials().unwrap();
        assert_eq!(creds.access_key_id(), "AKIDDEV");
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn missing_files_are_no_files() {
        let env = |name: &str| match name {
            "HOME" => Some("/nonexistent-home-for-a-test".to_string()),
            "AWS_REGION" => Some("us-east-1".to_string()),
            _ => None,
        };
        let local = LocalConfig::load(&env).unwrap();
        assert_eq!(local.config.region(), Some("us-east-1"));
    }

    #[test]
    fn large_files_are_refused() {
        let dir = temp_dir("large");
        let path = dir.join("big");
        std::fs::write(&path, vec![b'a'; MAX_FILE as usize + 1]).unwrap();
        let err = read_file(&path).unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::InvalidData);
        std::fs::write(&path, vec![b'a'; 10]).unwrap();
        assert_eq!(read_file(&path).unwrap().len(), 10);
        std::fs::remove_dir_all(&dir).ok();
    }

    #[cfg(unix)]
    #[test]
    fn process_output_is_bounded() {
        let out = run_process("head -c 3000000 /dev/zero; echo err >&2; exit 3").unwrap();
        assert_eq!(out.exit_code, Some(3));
        assert_eq!(out.stdout.len() as u64, MAX_PROCESS_OUTPUT + 1);
        assert_eq!(out.stderr, b"err\n");
    }

    #[cfg(unix)]
    #[test]
    fn a_process_past_its_time_limit_is_killed() {
        let started = Instant::now();
        let err = run_process_within("sleep 30", Duration::from_millis(200)).unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::TimedOut);
        assert!(started.elapsed() < Duration::from_secs(10));
        // A child left holding the output open does not hold the caller either.
        let started = Instant::now();
        let err = run_process_within("sleep 30 & echo {}", Duration::from_millis(300));
        assert_eq!(err.unwrap_err().kind(), std::io::ErrorKind::TimedOut);
        assert!(started.elapsed() < Duration::from_secs(10));
        // A quick one within the limit is answered.
        let out = run_process_within("echo ok", Duration::from_secs(20)).unwrap();
        assert_eq!(out.stdout, b"ok\n");
    }
}
