//! Without default features the crate pulls in no async runtime.
//!
//! hyper 1 itself always depends on tokio with only its `sync` feature (channel
//! primitives, no runtime, reactor, timer or I/O), so what is checked is that nothing more
//! of tokio, and none of the tokio-based crates, are in the tree.

use std::process::Command;

fn tree(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO"))
        .args(["tree", "-p", "lambda-async", "--prefix", "none"])
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo tree runs");
    assert!(
        out.status.success(),
        "cargo tree failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

fn crate_names(tree: &str) -> Vec<&str> {
    tree.lines()
        .filter_map(|line| line.split_whitespace().next())
        .collect()
}

/// The features of tokio enabled in the normal dependency tree.
fn tokio_features(extra: &[&str]) -> Vec<String> {
    let mut args = vec!["-e", "normal,features", "-i", "tokio"];
    args.extend_from_slice(extra);
    let mut features: Vec<String> = tree(&args)
        .lines()
        .filter_map(|l| l.strip_prefix("tokio feature \""))
        .filter_map(|l| l.split('"').next())
        .map(str::to_string)
        .collect();
    features.sort();
    features.dedup();
    features
}

#[test]
fn no_default_features_has_no_runtime() {
    let without = tree(&["-e", "normal", "--no-default-features"]);
    let names = crate_names(&without);
    assert!(names.contains(&"hyper"), "hyper missing from:\n{without}");
    for banned in [
        "hyper-util",
        "hyper-rustls",
        "rustls",
        "tokio-rustls",
        "h2",
        "mio",
        "socket2",
    ] {
        assert!(
            !names.contains(&banned),
            "{banned} is in the tree without default features:\n{without}"
        );
    }
    let features = tokio_features(&["--no-default-features"]);
    assert!(
        features.iter().all(|f| f == "sync" || f == "default"),
        "tokio features without default features: {features:?}"
    );
    // The check can fail: with the default features the runtime is there.
    let with = tokio_features(&[]);
    for wanted in ["rt", "net", "time"] {
        assert!(with.iter().any(|f| f == wanted), "{with:?}");
    }
}
