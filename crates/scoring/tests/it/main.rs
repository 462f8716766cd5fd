//! Every integration test of `bulwark-scoring`, in one binary: each file
//! is a module, so the dependencies (sqlx, axum, Cedar …) are linked once
//! per crate instead of once per file.

mod common;

mod alloc_free;
mod bod2604_data;
mod cvss_data;
mod feeds_data;
mod ssvc_data;
