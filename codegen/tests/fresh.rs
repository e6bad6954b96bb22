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

/// Every shape of the model has a Rust item: a structure or enum in `types`, an operation
/// in `operations` (with a `types` alias named after its input shape), or an alias.
#[test]
fn every_shape_is_represented() {
    let root = codegen::workspace_root();
    let files = codegen::generate(&root);
    let all: String = files.values().map(String::as_str).collect();
    let service: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root.join("lambda-proto/model/service-2.json")).unwrap(),
    )
    .unwrap();
    let shapes = service["shapes"].as_object().unwrap();
    assert_eq!(shapes.len(), 612);
    let mut missing = Vec::new();
    for name in shapes.keys() {
        let forms = [
            format!("pub struct {name} {{"),
            format!("pub enum {name} {{"),
            format!("pub type {name} ="),
            format!("    {name} {{\n"),
        ];
        if !forms.iter().any(|f| all.contains(f.as_str())) {
            missing.push(name.clone());
        }
    }
    assert!(
        missing.is_empty(),
        "shapes without a Rust item: {missing:?}"
    );
    let operations = service["operations"].as_object().unwrap();
    assert_eq!(operations.len(), 91);
    for name in operations.keys() {
        assert!(
            all.contains(&format!("impl Operation for {name} {{")),
            "operation {name} has no Operation impl"
        );
    }
}
