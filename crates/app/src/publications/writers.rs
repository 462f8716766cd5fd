//! The one place the advisories' use cases call the document writers of
//! `bulwark_distribution` (CSAF 2.0 security advisory and VEX, the CSAF
//! validator, OSV, OpenVEX), so that what is published, and how it is
//! checked, is decided there and only called here.

use bulwark_distribution::model::{Advisory, Status};
use bulwark_distribution::{csaf, openvex as open_vex, osv};
use serde_json::Value;
use time::OffsetDateTime;

pub use bulwark_distribution::csaf::Problem;

pub fn security_advisory(a: &Advisory<'_>) -> Value {
    csaf::security_advisory(a)
}

pub fn vex(a: &Advisory<'_>) -> Value {
    csaf::vex(a)
}

pub fn validate(doc: &Value) -> Vec<Problem> {
    csaf::validate(doc)
}

/// The exact bytes published, hashed and signed.
pub fn to_bytes(doc: &Value) -> Vec<u8> {
    csaf::to_bytes(doc)
}

pub fn osv_record(a: &Advisory<'_>, modified: OffsetDateTime) -> Result<Value, Vec<Problem>> {
    osv::record(a, modified)
}

pub fn osv_id(tracking_id: &str) -> String {
    osv::id(tracking_id)
}

pub fn openvex(a: &Advisory<'_>, timestamp: OffsetDateTime) -> Value {
    open_vex::document(a, timestamp)
}

/// Whether `status` may be published as is: a draft is not (CSAF's
/// `draft` is for documents not yet released).
pub fn publishable(status: Status) -> bool {
    status != Status::Draft
}
