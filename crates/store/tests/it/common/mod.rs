//! What the store's test files share (each uses part of it).
#![allow(dead_code)]

use bulwark_core::OrgKind;
use bulwark_store::{Actor, NewOrganization, Store};
use time::OffsetDateTime;
use uuid::Uuid;

/// Creates an organization named `name` of `kind` at `at`; its id.
pub async fn org_of(store: &Store, name: &str, kind: OrgKind, at: OffsetDateTime) -> Uuid {
    store
        .create_organization(
            &Actor::cli(),
            &NewOrganization {
                name: name.into(),
                kind,
                sector: None,
                reviewing: false,
            },
            at,
        )
        .await
        .expect("create organization")
        .id
}
