//! Generates `lambda-proto/src/generated/` from the model facts in `lambda-proto/model/`.
//!
//! `cargo run -p codegen` writes the files; `cargo run -p codegen -- --check` (and the
//! test `generated_code_is_current`) fails when they are stale.

pub mod emit;
pub mod model;
pub mod names;

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The workspace root (parent of this crate).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_path_buf()
}

/// Generates every file, formatted with rustfmt, keyed by path under `src/generated/`.
pub fn generate(root: &Path) -> BTreeMap<String, String> {
    let dir = root.join("lambda-proto/model");
    let read = |name: &str| {
        std::fs::read_to_string(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
    };
    let model = model::Model::load(
        &read("service-2.json"),
        &read("paginators-1.json"),
        &read("waiters-2.json"),
    );
    emit::generate(&model)
        .into_iter()
        .map(|(name, code)| (name, rustfmt(&code)))
        .collect()
}

/// The directory the generated files live in.
pub fn output_dir(root: &Path) -> PathBuf {
    root.join("lambda-proto/src/generated")
}

fn rustfmt(code: &str) -> String {
    let mut child = Command::new(std::env::var("RUSTFMT").unwrap_or_else(|_| "rustfmt".into()))
        .args(["--edition", "2021", "--emit", "stdout", "--quiet"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("rustfmt runs");
    let mut stdin = child.stdin.take().expect("stdin");
    let input = code.to_string();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let out = child.wait_with_output().expect("rustfmt output");
    writer.join().expect("writer").expect("write to rustfmt");
    assert!(out.status.success(), "rustfmt failed on generated code");
    String::from_utf8(out.stdout).expect("utf-8")
}

/// Files under the output directory that differ from (or are missing in) `files`.
pub fn stale_files(root: &Path, files: &BTreeMap<String, String>) -> Vec<String> {
    let dir = output_dir(root);
    let mut stale: Vec<String> = files
        .iter()
        .filter(|(name, code)| std::fs::read_to_string(dir.join(name)).ok().as_ref() != Some(code))
        .map(|(name, _)| name.clone())
        .collect();
    if let Ok(entries) = std::fs::read_dir(&dir) {
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().to_string();
            if !files.contains_key(&name) {
                stale.push(name);
            }
        }
    }
    stale
}
