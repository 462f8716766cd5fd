//! Every integration test of `bulwark-server`, in one binary: each file
//! is a module, so the dependencies (sqlx, axum, Cedar …) are linked once
//! per crate instead of once per file.

mod common;
mod webdriver;

mod access;
mod action_browser;
mod action_pages;
mod aixcc;
mod api;
mod assessments;
mod browser;
mod claims;
mod clearinghouse_pages;
mod csaf_sources;
mod dash_pages;
mod dashboards;
mod directive_pages;
mod directives;
mod distribution;
mod embargo;
mod facts_pages;
mod frontier;
mod intake;
mod intake_formats;
mod json_bodies;
mod matching;
mod notices;
mod partners;
mod patches;
mod pipeline;
mod priorities;
mod provider;
mod publications;
mod readme;
mod requirement_pages;
mod reviews;
mod tools;
mod tools_scenario;
mod web;
mod webhooks;
