//! What leaves the clearinghouse, and what it reads from other publishers.
//!
//! - [`model`]: an advisory's content and tracking, the one source of every
//!   published form.
//! - [`provider::publish`]: the files of a CSAF 2.0 trusted provider.
//! - [`osv_feed`]: the published OSV records as OSV.dev imports them.
//! - [`openpgp`]: signing our documents, verifying other providers'.
//!
//! **Architecture Invariant:** no I/O. Writers return bytes or JSON values;
//! readers take bytes; whatever must fetch (a provider check, a sync) does so
//! through a trait the caller implements.

pub mod model;
pub mod openpgp;
pub mod osv_feed;
pub mod provider;
