//! Every integration test of `bulwark-versions`, in one binary: each file
//! is a module, so the dependencies (sqlx, axum, Cedar …) are linked once
//! per crate instead of once per file.

mod ecosystem_rules;
mod purl_suite;
mod robustness;
mod version_vectors;
