//! Every integration test of `bulwark-distribution`, in one binary: the
//! writers and the CSAF validator, OpenPGP, reading other providers.
//!
//! `cargo test -p bulwark-distribution --test it`; the ignored ones need
//! GnuPG (`gpg`), Python's `jsonschema`, `BULWARK_CSAF_OUT` or
//! `../shared/data`: `… -- --ignored`.

mod common;
mod csaf_out;
mod csaf_validate;
mod csaf_write;
mod openpgp;
mod openvex;
mod osv;
mod provider;
mod shared_data;
