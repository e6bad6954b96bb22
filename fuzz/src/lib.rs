//! Fuzz targets of `lambda-proto`. The target bodies live in [`targets`], which the
//! `fuzz_corpus` test of `lambda-proto` also compiles to replay the committed corpora.

pub mod targets;
