//! `cargo run -p codegen [-- --check]`: regenerate (or check) lambda-proto/src/generated.

fn main() {
    let root = codegen::workspace_root();
    let files = codegen::generate(&root);
    let check = std::env::args().any(|a| a == "--check");
    let stale = codegen::stale_files(&root, &files);
    if check {
        if stale.is_empty() {
            println!("generated code is current ({} files)", files.len());
            return;
        }
        eprintln!("stale generated files: {stale:?}; run `cargo run -p codegen`");
        std::process::exit(1);
    }
    let dir = codegen::output_dir(&root);
    if dir.exists() {
        std::fs::remove_dir_all(&dir).expect("remove old generated code");
    }
    std::fs::create_dir_all(&dir).expect("create output dir");
    for (name, code) in &files {
        std::fs::write(dir.join(name), code).expect("write generated file");
    }
    println!("wrote {} files to {}", files.len(), dir.display());
}
