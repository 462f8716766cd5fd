//! Integration tests of the distribution crate's writers and validator.

mod common;
mod csaf_out;
mod csaf_validate;
mod csaf_write;
mod openvex;
mod osv;
mod shared_data;
