//! Every integration test of `bulwark-store`, in one binary: each file
//! is a module, so the dependencies (sqlx, axum, Cedar …) are linked once
//! per crate instead of once per file.

mod common;

mod activity;
mod advisories;
mod assessments;
mod case_advisories;
mod cases;
mod claims;
mod csaf_sources;
mod feeds;
mod notices;
mod obligation_batches;
mod obligations;
mod partners;
mod patches;
mod plans;
mod priorities;
mod programs;
mod reviews;
mod sboms;
mod scan_evidence;
mod signing;
mod suite;
mod tool_evidence;
mod tools;
mod triage;
mod webhooks;
