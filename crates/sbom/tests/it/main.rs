//! Every integration test of `bulwark-sbom`, in one binary: each file
//! is a module, so the dependencies (sqlx, axum, Cedar …) are linked once
//! per crate instead of once per file.

mod fixtures;
mod shared_data;
