//! Every integration test of `bulwark-cli`, in one binary: each file
//! is a module, so the dependencies (sqlx, axum, Cedar …) are linked once
//! per crate instead of once per file.

mod common;

mod access;
mod cli;
mod crash;
mod csaf;
mod demo;
mod directive;
mod first_contact;
mod import;
mod import_osv;
mod matching;
mod obligations;
mod patches;
mod publications;
mod score;
mod versions;
