//! Every integration test of `bulwark-frontier`, in one binary: each file
//! is a module, so the dependencies (sqlx, axum, Cedar …) are linked once
//! per crate instead of once per file.

mod benchmark_sets;
mod compute;
mod import;
mod inspect;
mod shared_data;
