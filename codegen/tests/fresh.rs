//! The committed generated code must be what the generator writes from the model.

#[test]
fn generated_code_is_current() {
    let root = codegen::workspace_root();
    let files = codegen::generate(&root);
    let stale = codegen::stale_files(&root, &files);
    assert!(
        stale.is_empty(),
        "stale generated files {stale:?}: run `cargo run -p codegen`"
    );
}
