//! The policy's resource facts: what Cedar is told about each kind of
//! record. Every use case, page and worker asks about a record through
//! these builders, so the facts a decision rests on are stated once.

use bulwark_authz::Resource;
use bulwark_core::Principal;

/// The caller's own organization (what it submits, uploads or subscribes
/// to on its own behalf).
pub fn own_org_resource(who: &Principal) -> Resource {
    Resource::Organization {
        id: who.org_id,
        kind: who.org_kind,
    }
}

/// An organization.
pub fn org_resource(org: &bulwark_store::Organization) -> Resource {
    Resource::Organization {
        id: org.id,
        kind: org.kind,
    }
}

/// A user.
pub fn user_resource(user: &bulwark_store::User) -> Resource {
    Resource::User {
        id: user.id,
        org: user.org_id,
    }
}
