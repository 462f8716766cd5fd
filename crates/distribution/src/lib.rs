//! What leaves the clearinghouse, and what it reads from other publishers.
//!
//! - [`model`]: an advisory's content and tracking, the one source of every
//!   published form.
//! - [`openpgp`]: signing our documents, verifying other providers'.
//! - [`provider`]: other CSAF providers read, checked and taken over.
//!
//! **Architecture Invariant:** no I/O. Writers return bytes or JSON values;
//! readers take bytes; whatever must fetch (a provider check, a sync) does so
//! through a trait the caller implements.

pub mod model;
pub mod openpgp;
pub mod provider;
