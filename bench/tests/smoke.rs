//! Every scenario of the benchmark runs a few iterations against the canned server (a
//! child process, stopped at the end): the calls succeed and the typed outputs parse (the
//! client checks them: 50 functions listed, the echoed payload equals the one sent, ...),
//! so that the benchmark cannot rot.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

/// The server child, killed when dropped.
struct ServerProcess {
    child: Child,
    endpoint: String,
}

impl ServerProcess {
    fn start() -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_bench-server"))
            .stdout(Stdio::piped())
            .spawn()
            .expect("bench-server starts");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("bench-server prints its address");
        let endpoint = line.trim().to_string();
        assert!(endpoint.starts_with("http://127.0.0.1:"), "{endpoint}");
        ServerProcess { child, endpoint }
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn scenarios() -> Vec<String> {
    let out = Command::new(env!("CARGO_BIN_EXE_bench-client"))
        .arg("--list")
        .output()
        .expect("bench-client runs");
    assert!(out.status.success());
    String::from_utf8(out.stdout)
        .expect("UTF-8")
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn every_scenario_runs_against_the_canned_server() {
    let server = ServerProcess::start();
    let scenarios = scenarios();
    assert!(scenarios.len() >= 17, "{scenarios:?}");
    for scenario in &scenarios {
        let out = Command::new(env!("CARGO_BIN_EXE_bench-client"))
            .args([scenario, "3", "--endpoint", &server.endpoint])
            .output()
            .expect("bench-client runs");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{scenario}: {}{}",
            stdout,
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            stdout.starts_with(&format!("scenario={scenario} iterations=")),
            "{stdout}"
        );
        for field in ["wall_us=", "cpu_us=", "thread_cpu_us="] {
            assert!(stdout.contains(field), "{stdout}");
        }
    }
}

#[test]
fn the_size_probe_does_one_get_function() {
    let server = ServerProcess::start();
    let out = Command::new(env!("CARGO_BIN_EXE_size-probe"))
        .arg(&server.endpoint)
        .output()
        .expect("size-probe runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "arn:aws:lambda:us-east-1:123456789012:function:bench-function"
    );
}

#[test]
fn a_wrong_scenario_is_a_usage_error() {
    let out = Command::new(env!("CARGO_BIN_EXE_bench-client"))
        .args(["no-such-scenario", "3"])
        .output()
        .expect("bench-client runs");
    assert_eq!(out.status.code(), Some(2));
}
