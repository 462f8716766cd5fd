//! What the application layer's test binaries share: organizations and
//! members made through the store, as a test's world needs them.
#![allow(dead_code)] // each binary uses what it needs

use bulwark_app::Acting;
use bulwark_core::{AgencyTrack, OrgKind, PrincipalKind, Role, RoleSet};
use bulwark_store::{Actor, NewOrganization, NewUser, Store};
use time::OffsetDateTime;
use uuid::Uuid;

pub async fn org(store: &Store, name: &str, kind: OrgKind, at: OffsetDateTime) -> Uuid {
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
        .expect("org")
        .id
}

pub async fn member(
    store: &Store,
    org: Uuid,
    username: &str,
    role: Role,
    at: OffsetDateTime,
) -> Acting {
    let u = store
        .create_user(
            &Actor::cli(),
            &NewUser {
                org_id: org,
                username: username.into(),
                display_name: username.into(),
                kind: PrincipalKind::Human,
                roles: RoleSet::new([role]),
            },
            at,
        )
        .await
        .expect("user");
    let p = store
        .principal(u.id)
        .await
        .expect("principal")
        .expect("one");
    Acting::new(p, None)
}

/// CISA: an agency that reviews models and issues the directives.
pub async fn cisa(store: &Store, at: OffsetDateTime) -> Uuid {
    let id = store
        .create_organization(
            &Actor::cli(),
            &NewOrganization {
                name: "CISA".into(),
                kind: OrgKind::Agency,
                sector: None,
                reviewing: true,
            },
            at,
        )
        .await
        .expect("cisa")
        .id;
    store
        .set_directive_profile(&Actor::cli(), id, AgencyTrack::Civilian, true, None, at)
        .await
        .expect("issuer");
    id
}

/// An agency on the national security track (CISA's directives do not
/// bind it).
pub async fn national_security_agency(store: &Store, name: &str, at: OffsetDateTime) -> Uuid {
    let id = org(store, name, OrgKind::Agency, at).await;
    store
        .set_directive_profile(
            &Actor::cli(),
            id,
            AgencyTrack::NationalSecurity,
            false,
            None,
            at,
        )
        .await
        .expect("track");
    id
}
