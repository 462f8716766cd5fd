//! Every integration test of `bulwark-matching`, in one binary: each file
//! is a module, so the dependencies (sqlx, axum, Cedar …) are linked once
//! per crate instead of once per file.

mod fixtures;
mod product;
mod shared_data;
