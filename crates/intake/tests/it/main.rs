//! Every integration test of `bulwark-intake`, in one binary: each file
//! is a module, so the dependencies (sqlx, axum, Cedar …) are linked once
//! per crate instead of once per file.

mod advisories;
mod aixcc;
mod patches;
mod repairs;
mod sarif;
mod shared_data;
