//! What leaves the clearinghouse, and what it reads from other publishers.
//!
//! - [`model`]: an advisory's content and tracking, the one source of every
//!   published form.
//! - [`csaf`]: CSAF 2.0 documents (`csaf_security_advisory`, `csaf_vex`),
//!   their validator, file names and published bytes.
//! - [`openvex`]: OpenVEX v0.2.0 documents.
//! - [`osv`]: OSV records.
//! - [`provider::publish`]: the files of a CSAF 2.0 trusted provider.
//! - [`osv_feed`]: the published OSV records as OSV.dev imports them.
//! - [`openpgp`]: signing our documents, verifying other providers'.
//! - [`provider`]: other CSAF providers read, checked and taken over.
//!
//! **Architecture Invariant:** no I/O. Writers return bytes or JSON values;
//! readers take bytes; whatever must fetch (a provider check, a sync) does so
//! through a trait the caller implements.

pub mod csaf;
pub mod model;
pub mod openpgp;
pub mod openvex;
pub mod osv;
pub mod osv_feed;
pub mod provider;
