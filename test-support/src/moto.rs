//! A local Lambda API server: moto in server mode, one process per [`MotoServer`].
//!
//! The process runs `scripts/moto_server.py` of this repository with the Python of
//! `<workspace>/.venv-moto` (installed by `scripts/install-test-deps.sh`), or the
//! interpreter named by the environment variable `LAMBDA_TEST_PYTHON`. The launcher
//! switches moto's Lambda to its Docker-free backend and fixes moto's signature check for
//! requests without a body. Set `LAMBDA_TEST_MOTO_VERBOSE=1` to see every request moto
//! logs on standard error.
//!
//! moto routes a request to a service by the credential scope of its `Authorization`
//! header, so requests to the Lambda API must carry a SigV4 `Authorization` header with
//! service `lambda` even while signatures are not checked (any key works then). The
//! control calls of this module add such a header themselves.

use std::fmt;
use std::io::Read;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use crate::http::{self, HttpResponse};

/// How long [`MotoServer::start`] waits for the server to answer.
const START_TIMEOUT: Duration = Duration::from_secs(30);
/// Timeout of each control call.
const CALL_TIMEOUT: Duration = Duration::from_secs(30);
/// How much of the server's standard error is kept for error messages.
const STDERR_TAIL: usize = 64 * 1024;
/// Access key id used in the routing-only `Authorization` header of control calls.
const ROUTING_KEY_ID: &str = "AKIAIOSFODNN7EXAMPLE";

/// An IAM access key created in moto.
#[derive(Clone, PartialEq, Eq)]
pub struct AccessKey {
    /// The access key id (`AKIA...`).
    pub access_key_id: String,
    /// The secret access key.
    pub secret_access_key: String,
}

impl fmt::Debug for AccessKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessKey")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"<redacted>")
            .finish()
    }
}

/// A moto server on `127.0.0.1`, stopped (killed and waited for) when dropped.
///
/// ```no_run
/// use test_support::MotoServer;
///
/// let moto = MotoServer::start();
/// let role_arn = moto.create_role("lambda-exec");
/// let endpoint = moto.endpoint_url(); // http://127.0.0.1:PORT
/// // ... create a client for `endpoint` in MotoServer::REGION, call CreateFunction with
/// // `role_arn`, and so on. Between tests:
/// moto.reset();
/// # let _ = endpoint;
/// ```
pub struct MotoServer {
    child: Child,
    stdin: Option<ChildStdin>,
    addr: SocketAddr,
    stderr: Arc<Mutex<Vec<u8>>>,
    drain: Option<JoinHandle<()>>,
    auth_enabled: AtomicBool,
}

impl MotoServer {
    /// The region the setup methods create resources in and moto's default region.
    pub const REGION: &'static str = "us-east-1";
    /// moto's default account id, the account of every resource the setup methods create.
    pub const ACCOUNT_ID: &'static str = "123456789012";

    /// Starts a server on a free port and waits until it answers (at most 30 s).
    ///
    /// # Panics
    /// When no Python with moto is found (the message says to run
    /// `scripts/install-test-deps.sh`), or the server exits or does not answer in time
    /// (the message includes the server's standard error).
    pub fn start() -> MotoServer {
        let python = python();
        let launcher = workspace_root().join("scripts").join("moto_server.py");
        assert!(
            launcher.is_file(),
            "the moto launcher {} is missing",
            launcher.display()
        );
        let mut last_error = String::new();
        // A port picked free can be taken before moto binds it: then try another one.
        for _ in 0..3 {
            let port = free_port();
            let mut server = spawn(&python, &launcher, port);
            match server.wait_ready() {
                Ok(()) => return server,
                Err(e) => {
                    let port_taken = e.contains("Address already in use");
                    drop(server);
                    if !port_taken {
                        panic!("{e}");
                    }
                    last_error = e;
                }
            }
        }
        panic!("{last_error}");
    }

    fn wait_ready(&mut self) -> Result<(), String> {
        let started = Instant::now();
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!(
                    "the moto server exited ({status}) before it answered; its standard error:\n{}",
                    self.finish_stderr()
                ));
            }
            match http::send(
                self.addr,
                "GET",
                "/moto-api/config",
                &[],
                b"",
                Duration::from_secs(5),
            ) {
                Ok(r)
                    if (200..300).contains(&r.status)
                        && r.text().contains(r#""use_docker": false"#) =>
                {
                    return Ok(());
                }
                Ok(r) => {
                    return Err(format!(
                        "{} answered GET /moto-api/config unexpectedly: {r:?}",
                        self.endpoint_url()
                    ));
                }
                Err(_) => {}
            }
            if started.elapsed() > START_TIMEOUT {
                let _ = self.child.kill();
                let _ = self.child.wait();
                return Err(format!(
                    "the moto server did not answer on {} within {:?}; its standard error:\n{}",
                    self.endpoint_url(),
                    START_TIMEOUT,
                    self.finish_stderr()
                ));
            }
            thread::sleep(Duration::from_millis(25));
        }
    }

    /// Waits for the standard error reader to reach the end (the process has ended) and
    /// returns what it kept.
    fn finish_stderr(&mut self) -> String {
        if let Some(drain) = self.drain.take() {
            let _ = drain.join();
        }
        self.stderr_tail()
    }

    /// The server's address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The server's port.
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// The endpoint URL for clients, `http://127.0.0.1:PORT` (no trailing slash).
    pub fn endpoint_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The last 64 KiB the server wrote to standard error (tracebacks of failed requests).
    pub fn stderr_tail(&self) -> String {
        let tail = self.stderr.lock().unwrap_or_else(PoisonError::into_inner);
        String::from_utf8_lossy(&tail).into_owned()
    }

    /// Sends one request to the server and returns the response.
    ///
    /// `target` is path plus query. No `Authorization` header is added.
    ///
    /// # Panics
    /// On a connection or protocol error (the message includes the server's standard error).
    pub fn request(
        &self,
        method: &str,
        target: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> HttpResponse {
        http::send(self.addr, method, target, headers, body, CALL_TIMEOUT).unwrap_or_else(|e| {
            panic!(
                "{method} {}{target} failed: {e}; moto's standard error:\n{}",
                self.endpoint_url(),
                self.stderr_tail()
            )
        })
    }

    fn control(&self, target: &str, content_type: &str, body: &[u8]) -> HttpResponse {
        let response = self.request("POST", target, &[("Content-Type", content_type)], body);
        assert!(
            (200..300).contains(&response.status),
            "POST {target} answered {response:?}"
        );
        response
    }

    /// Drops all state (functions, roles, users, queues, queued invoke results) through
    /// `POST /moto-api/reset`. The signature-check setting and the Docker-free Lambda
    /// backend stay as they are. With signature checking on, the IAM users are gone
    /// too, so every signed request fails until [`MotoServer::disable_auth`] or a new
    /// user is created.
    pub fn reset(&self) {
        self.control("/moto-api/reset", "text/plain", b"");
    }

    /// Turns signature checking on for all later requests (`POST /moto-api/reset-auth`
    /// with body `0`). Then only requests signed with a key from
    /// [`MotoServer::create_user_with_lambda_access`] and allowed by its policy pass.
    pub fn enable_auth(&self) {
        self.set_auth_count("0");
        self.auth_enabled.store(true, Ordering::SeqCst);
    }

    /// Turns signature checking off again (the default).
    pub fn disable_auth(&self) {
        self.set_auth_count("inf");
        self.auth_enabled.store(false, Ordering::SeqCst);
    }

    fn set_auth_count(&self, count: &str) {
        // The body must not be sent as a form, or moto reads it as empty.
        self.control("/moto-api/reset-auth", "text/plain", count.as_bytes());
    }

    /// Runs setup calls with signature checking off, turning it back on afterwards if it
    /// was on. (Requests of other threads in the meantime are not checked either.)
    fn unchecked<T>(&self, calls: impl FnOnce() -> T) -> T {
        let enabled = self.auth_enabled.load(Ordering::SeqCst);
        if enabled {
            self.set_auth_count("inf");
        }
        let result = calls();
        if enabled {
            self.set_auth_count("0");
        }
        result
    }

    /// A query-protocol call (IAM, SQS): form-encoded POST routed to `service`; returns
    /// the XML body.
    fn query(&self, service: &str, params: &[(&str, &str)]) -> String {
        let authorization = routing_authorization(service, Self::REGION);
        let body = http::form_encode(params);
        let response = self.request(
            "POST",
            "/",
            &[
                ("Content-Type", "application/x-www-form-urlencoded"),
                ("Authorization", &authorization),
            ],
            body.as_bytes(),
        );
        assert_eq!(
            response.status,
            200,
            "{service} {params:?} answered {response:?}; moto's standard error:\n{}",
            self.stderr_tail()
        );
        response.text()
    }

    /// Creates an IAM role that Lambda may assume and returns its ARN
    /// (`arn:aws:iam::123456789012:role/NAME`). CreateFunction needs one.
    pub fn create_role(&self, name: &str) -> String {
        let trust = trust_policy(
            serde_json::json!({"Service": "lambda.amazonaws.com"}),
            "sts:AssumeRole",
        );
        self.create_role_with_trust(name, &trust)
    }

    /// Creates an IAM role `name` with the trust policy `trust_policy` (JSON) and returns
    /// its ARN.
    pub fn create_role_with_trust(&self, name: &str, trust_policy: &str) -> String {
        let xml = self.unchecked(|| {
            self.query(
                "iam",
                &[
                    ("Action", "CreateRole"),
                    ("Version", "2010-05-08"),
                    ("RoleName", name),
                    ("AssumeRolePolicyDocument", trust_policy),
                ],
            )
        });
        xml_text(&xml, "Arn").unwrap_or_else(|| panic!("CreateRole answered without an Arn: {xml}"))
    }

    /// Attaches the inline policy `policy` (JSON) named `policy_name` to role `role`.
    pub fn put_role_policy(&self, role: &str, policy_name: &str, policy: &str) {
        self.unchecked(|| {
            self.query(
                "iam",
                &[
                    ("Action", "PutRolePolicy"),
                    ("Version", "2010-05-08"),
                    ("RoleName", role),
                    ("PolicyName", policy_name),
                    ("PolicyDocument", policy),
                ],
            )
        });
    }

    /// Creates an IAM user `user_name` with an inline policy allowing `lambda:*` on all
    /// resources, and an access key for it.
    pub fn create_user_with_lambda_access(&self, user_name: &str) -> AccessKey {
        self.create_user_with_policy(user_name, &allow_policy("lambda:*"))
    }

    /// Creates an IAM user with the inline policy document `policy_json` and an access
    /// key for it (e.g. a user denied some Lambda action, for AccessDenied tests).
    pub fn create_user_with_policy(&self, user_name: &str, policy_json: &str) -> AccessKey {
        let xml = self.unchecked(|| {
            self.query(
                "iam",
                &[
                    ("Action", "CreateUser"),
                    ("Version", "2010-05-08"),
                    ("UserName", user_name),
                ],
            );
            self.query(
                "iam",
                &[
                    ("Action", "PutUserPolicy"),
                    ("Version", "2010-05-08"),
                    ("UserName", user_name),
                    ("PolicyName", "test-policy"),
                    ("PolicyDocument", policy_json),
                ],
            );
            self.query(
                "iam",
                &[
                    ("Action", "CreateAccessKey"),
                    ("Version", "2010-05-08"),
                    ("UserName", user_name),
                ],
            )
        });
        match (
            xml_text(&xml, "AccessKeyId"),
            xml_text(&xml, "SecretAccessKey"),
        ) {
            (Some(access_key_id), Some(secret_access_key)) => AccessKey {
                access_key_id,
                secret_access_key,
            },
            _ => panic!("CreateAccessKey answered without a key"),
        }
    }

    /// Creates an SQS queue in [`MotoServer::REGION`] and returns its ARN (an event
    /// source for CreateEventSourceMapping).
    pub fn create_sqs_queue(&self, name: &str) -> String {
        let xml = self.unchecked(|| {
            let created = self.query(
                "sqs",
                &[
                    ("Action", "CreateQueue"),
                    ("Version", "2012-11-05"),
                    ("QueueName", name),
                ],
            );
            let url = xml_text(&created, "QueueUrl")
                .unwrap_or_else(|| panic!("CreateQueue answered without a QueueUrl: {created}"));
            self.query(
                "sqs",
                &[
                    ("Action", "GetQueueAttributes"),
                    ("Version", "2012-11-05"),
                    ("QueueUrl", &url),
                    ("AttributeName.1", "QueueArn"),
                ],
            )
        });
        xml_text(&xml, "Value")
            .unwrap_or_else(|| panic!("GetQueueAttributes answered without the ARN: {xml}"))
    }

    /// Queues results for the next RequestResponse invocations in
    /// [`MotoServer::REGION`], first in, first out: each later Invoke (of any function)
    /// answers 200 with the next of them as its payload, instead of echoing its input.
    /// [`MotoServer::reset`] drops queued results.
    pub fn queue_invoke_results(&self, results: &[&str]) {
        let body = serde_json::json!({
            "results": results,
            "region": Self::REGION,
            "account_id": Self::ACCOUNT_ID,
        })
        .to_string();
        self.control(
            "/moto-api/static/lambda-simple/response",
            "application/json",
            body.as_bytes(),
        );
    }
}

impl fmt::Debug for MotoServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MotoServer")
            .field("endpoint", &self.endpoint_url())
            .field("pid", &self.child.id())
            .finish()
    }
}

impl Drop for MotoServer {
    fn drop(&mut self) {
        // Closing standard input also stops the launcher if the kill were to fail.
        drop(self.stdin.take());
        let _ = self.child.kill();
        let _ = self.child.wait();
        if let Some(drain) = self.drain.take() {
            let _ = drain.join();
        }
    }
}

/// An `Authorization` header whose credential scope routes a request to `service`
/// inside moto; its signature is not valid (only checked when auth is on).
pub(crate) fn routing_authorization(service: &str, region: &str) -> String {
    format!(
        "AWS4-HMAC-SHA256 Credential={ROUTING_KEY_ID}/20200101/{region}/{service}/aws4_request, \
         SignedHeaders=host, Signature=0000000000000000000000000000000000000000000000000000000000000000"
    )
}

fn workspace_root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().unwrap_or(manifest).to_path_buf()
}

fn python() -> PathBuf {
    if let Some(python) = std::env::var_os("LAMBDA_TEST_PYTHON").filter(|p| !p.is_empty()) {
        return PathBuf::from(python);
    }
    let venv = workspace_root()
        .join(".venv-moto")
        .join("bin")
        .join("python");
    if venv.exists() {
        return venv;
    }
    panic!(
        "no Python with moto for the local Lambda API server: {} does not exist and \
         LAMBDA_TEST_PYTHON is not set. Run `bash scripts/install-test-deps.sh` in the \
         repository root first.",
        venv.display()
    );
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or_else(|e| panic!("cannot find a free port on 127.0.0.1: {e}"))
}

fn spawn(python: &Path, launcher: &Path, port: u16) -> MotoServer {
    let mut command = Command::new(python);
    command
        .arg(launcher)
        .arg("--port")
        .arg(port.to_string())
        .arg("--exit-on-stdin-eof")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .env("PYTHONUNBUFFERED", "1")
        .env("PYTHONDONTWRITEBYTECODE", "1");
    let verbose = std::env::var_os("LAMBDA_TEST_MOTO_VERBOSE").is_some_and(|v| v != "0");
    if verbose {
        command.arg("--verbose");
    }
    let mut child = command.spawn().unwrap_or_else(|e| {
        panic!(
            "cannot run {} for the local Lambda API server: {e}. Run `bash \
             scripts/install-test-deps.sh` in the repository root first.",
            python.display()
        )
    });
    let stderr = Arc::new(Mutex::new(Vec::new()));
    let drain = child.stderr.take().and_then(|mut pipe| {
        let tail = Arc::clone(&stderr);
        thread::Builder::new()
            .name(format!("moto-stderr-{port}"))
            .spawn(move || {
                let mut chunk = [0u8; 8192];
                while let Ok(n) = pipe.read(&mut chunk) {
                    if n == 0 {
                        break;
                    }
                    if verbose {
                        eprint!("{}", String::from_utf8_lossy(&chunk[..n]));
                    }
                    let mut tail = tail.lock().unwrap_or_else(PoisonError::into_inner);
                    tail.extend_from_slice(&chunk[..n]);
                    let excess = tail.len().saturating_sub(STDERR_TAIL);
                    tail.drain(..excess);
                }
            })
            .ok()
    });
    let stdin = child.stdin.take();
    MotoServer {
        child,
        stdin,
        addr: SocketAddr::from(([127, 0, 0, 1], port)),
        stderr,
        drain,
        auth_enabled: AtomicBool::new(false),
    }
}

/// The text of the first `<tag>...</tag>` element in `xml`, with the five predefined
/// entities decoded.
fn xml_text(xml: &str, tag: &str) -> Option<String> {
    let open = format!("<{tag}>");
    let close = format!("</{tag}>");
    let start = xml.find(&open)? + open.len();
    let len = xml[start..].find(&close)?;
    Some(
        xml[start..start + len]
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&apos;", "'")
            .replace("&amp;", "&"),
    )
}

/// Whether something accepts TCP connections on `addr` (used by the tests to see that a
/// stopped server is gone).
pub fn is_listening(addr: SocketAddr) -> bool {
    TcpStream::connect_timeout(&addr, Duration::from_millis(500)).is_ok()
}

/// A trust policy (JSON) letting `principal` (e.g. `{"AWS": "arn:aws:iam::1:user/ci"}`) take
/// `action` (e.g. `sts:AssumeRole`).
pub fn trust_policy(principal: serde_json::Value, action: &str) -> String {
    serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": principal, "Action": action}],
    })
    .to_string()
}

/// A policy (JSON) allowing `action` (e.g. `lambda:*`) on every resource.
pub fn allow_policy(action: &str) -> String {
    serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": action, "Resource": "*"}],
    })
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_text_finds_first_element_and_decodes_entities() {
        let xml = "<R><Arn>arn:a&amp;b</Arn><Arn>second</Arn></R>";
        assert_eq!(xml_text(xml, "Arn").as_deref(), Some("arn:a&b"));
        assert_eq!(xml_text(xml, "Missing"), None);
    }

    #[test]
    fn access_key_debug_hides_the_secret() {
        let key = AccessKey {
            access_key_id: "AKIDEXAMPLE".into(),
            secret_access_key: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY".into(),
        };
        let shown = format!("{key:?}");
        assert!(shown.contains("AKIDEXAMPLE"));
        assert!(!shown.contains("wJalr"));
    }
}
