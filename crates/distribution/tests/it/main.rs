//! Integration tests of the distribution crate's writers and validator.

mod common;
mod csaf_validate;
mod csaf_write;
mod shared_data;
