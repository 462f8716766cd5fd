//! Every integration test of `bulwark-distribution`, in one binary.
//!
//! `cargo test -p bulwark-distribution --test it`; the ignored ones need
//! GnuPG (`gpg`) or `../shared/data`: `… -- --ignored`.

mod openpgp;
