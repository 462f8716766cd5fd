//! Trusted partners and early-access grants, on both back-ends: SQLite always,
//! PostgreSQL when `BULWARK_TEST_DATABASE_URL` names a server (`.ci/run`).

use bulwark_core::{
    AttestationKind, GrantScope, GrantState, GrantStatus, OrgKind, Sector, Vetting,
};
use bulwark_store::{Actor, AuditQuery, NewGrant, NewModel, NewOrganization, Store, StoreError};
use time::{Duration, OffsetDateTime, macros::datetime};
use uuid::Uuid;

const T0: OffsetDateTime = datetime!(2026-11-26 12:00 UTC);

bulwark_store::both_backends!(
    grants_move_through_their_states_with_audit_and_events,
    access_needs_an_active_grant_a_vetted_partner_and_attestations,
    bad_input_is_refused_and_nothing_is_written,
);

async fn org(store: &Store, name: &str, kind: OrgKind) -> Uuid {
    store
        .create_organization(
            &Actor::cli(),
            &NewOrganization {
                name: name.into(),
                kind,
                sector: (kind == OrgKind::Partner).then_some(Sector::Energy),
                reviewing: false,
            },
            T0,
        )
        .await
        .expect("create organization")
        .id
}

async fn model(store: &Store, owner: Uuid) -> Uuid {
    store
        .upsert_models(
            &Actor::cli(),
            owner,
            &[NewModel {
                name: "frontier-1".into(),
                tlp: bulwark_core::Tlp::Amber,
                profile: "{}".into(),
            }],
            T0,
        )
        .await
        .expect("model")[0]
}

async fn audit_actions(store: &Store) -> Vec<String> {
    store
        .audit_entries(AuditQuery {
            after_seq: 0,
            limit: 1000,
        })
        .await
        .expect("audit")
        .into_iter()
        .map(|e| e.action)
        .collect()
}

struct World {
    partner: Uuid,
    model: Uuid,
    developer: Uuid,
}

async fn world(store: &Store) -> World {
    let developer = org(store, "Lab", OrgKind::Developer).await;
    let partner = org(store, "Grid", OrgKind::Partner).await;
    let model = model(store, developer).await;
    World {
        partner,
        model,
        developer,
    }
}

fn proposal(w: &World, scope: GrantScope) -> NewGrant {
    NewGrant {
        model_id: w.model,
        partner_org: w.partner,
        scope,
        starts_at: T0 + Duration::days(1),
        ends_at: T0 + Duration::days(31),
        conditions: "no fine-tuning".into(),
    }
}

async fn grants_move_through_their_states_with_audit_and_events(store: Store) {
    let w = world(&store).await;
    let a = Actor::cli();
    let g = store
        .propose_grant(&a, &proposal(&w, GrantScope::Api), T0)
        .await
        .expect("propose");
    assert_eq!(g.developer_org, w.developer);
    assert_eq!(g.state, GrantState::Proposed);
    assert_eq!(g.status(T0 + Duration::days(2)), GrantStatus::Proposed);

    let g = store
        .decide_grant(&a, g.id, GrantState::Concurred, None, T0)
        .await
        .expect("concur");
    assert_eq!(g.status(T0), GrantStatus::Pending);
    assert_eq!(g.status(T0 + Duration::days(1)), GrantStatus::Active);
    assert_eq!(g.status(T0 + Duration::days(31)), GrantStatus::Expired);

    // Concurred: only revocation is left, and it takes a reason.
    let again = store
        .decide_grant(&a, g.id, GrantState::Objected, Some("late"), T0)
        .await
        .expect_err("no objection after concurrence");
    assert!(
        matches!(&again, StoreError::Conflict(m) if m.contains("allowed: revoked")),
        "{again:?}"
    );
    let no_reason = store
        .decide_grant(&a, g.id, GrantState::Revoked, Some("  "), T0)
        .await
        .expect_err("reason required");
    assert!(matches!(no_reason, StoreError::Invalid(_)));
    let g = store
        .decide_grant(&a, g.id, GrantState::Revoked, Some("partner breach"), T0)
        .await
        .expect("revoke");
    assert_eq!(g.status(T0 + Duration::days(2)), GrantStatus::Revoked);
    assert_eq!(g.reason.as_deref(), Some("partner breach"));

    let other = store
        .propose_grant(&a, &proposal(&w, GrantScope::Weights), T0)
        .await
        .expect("propose");
    let other = store
        .decide_grant(
            &a,
            other.id,
            GrantState::Objected,
            Some("weights too risky"),
            T0,
        )
        .await
        .expect("object");
    assert_eq!(other.state, GrantState::Objected);
    let err = store
        .decide_grant(&a, other.id, GrantState::Concurred, None, T0)
        .await
        .expect_err("objected is final");
    assert!(
        matches!(&err, StoreError::Conflict(m) if m.contains("none")),
        "{err:?}"
    );
    assert!(matches!(
        store
            .decide_grant(&a, Uuid::now_v7(), GrantState::Concurred, None, T0)
            .await,
        Err(StoreError::NotFound)
    ));

    let actions = audit_actions(&store).await;
    for expected in [
        "grant.propose",
        "grant.concur",
        "grant.revoke",
        "grant.object",
    ] {
        assert!(
            actions.iter().any(|x| x == expected),
            "{expected} in {actions:?}"
        );
    }
    // Four changes of state published four events, plus the second proposal.
    assert_eq!(actions.iter().filter(|x| *x == "event.publish").count(), 5);
    assert_eq!(
        store
            .grants(Default::default())
            .await
            .expect("grants")
            .items
            .len(),
        2
    );
}

async fn access_needs_an_active_grant_a_vetted_partner_and_attestations(store: Store) {
    let w = world(&store).await;
    let a = Actor::cli();
    let inside = T0 + Duration::days(2);
    let ask = |scope, now| {
        let store = store.clone();
        let (p, m) = (w.partner, w.model);
        async move {
            store
                .check_access(&Actor::cli(), p, m, scope, now)
                .await
                .expect("check")
        }
    };
    let answer = ask(GrantScope::Api, inside).await;
    assert!(!answer.allowed);
    assert!(answer.reason.contains("no grant"), "{}", answer.reason);

    let g = store
        .propose_grant(&a, &proposal(&w, GrantScope::Api), T0)
        .await
        .expect("propose");
    store
        .decide_grant(&a, g.id, GrantState::Concurred, Some("fine"), T0)
        .await
        .expect("concur");
    let answer = ask(GrantScope::Api, inside).await;
    assert!(!answer.allowed);
    assert!(
        answer.reason.contains("pending, not vetted"),
        "{}",
        answer.reason
    );

    store
        .set_partner_vetting(&a, w.partner, Vetting::Vetted, None, T0)
        .await
        .expect("vet");
    let answer = ask(GrantScope::Api, inside).await;
    assert!(!answer.allowed);
    assert!(
        answer.reason.contains("confidentiality"),
        "{}",
        answer.reason
    );

    for kind in AttestationKind::ALL {
        let expires = if *kind == AttestationKind::InsiderRisk {
            T0 + Duration::days(10)
        } else {
            T0 + Duration::days(365)
        };
        store
            .add_partner_attestation(&a, w.partner, *kind, expires, T0)
            .await
            .expect("attest");
    }
    let answer = ask(GrantScope::Api, inside).await;
    assert!(answer.allowed, "{}", answer.reason);
    assert_eq!(answer.grant, Some(g.id));
    assert!(!ask(GrantScope::Weights, inside).await.allowed);
    assert!(!ask(GrantScope::Api, T0).await.allowed, "before the window");
    let lapsed = ask(GrantScope::Api, T0 + Duration::days(11)).await;
    assert!(!lapsed.allowed);
    assert!(lapsed.reason.contains("insider_risk"), "{}", lapsed.reason);
    let after = ask(GrantScope::Api, T0 + Duration::days(40)).await;
    assert!(after.reason.contains("expired"), "{}", after.reason);

    let standing = store.partner(w.partner).await.expect("standing");
    assert_eq!(standing.vetting, Vetting::Vetted);
    assert_eq!(standing.attestations.len(), 3);
    store
        .set_partner_vetting(&a, w.partner, Vetting::Suspended, Some("incident"), T0)
        .await
        .expect("suspend");
    let answer = ask(GrantScope::Api, inside).await;
    assert!(!answer.allowed);
    assert!(answer.reason.contains("suspended"), "{}", answer.reason);

    let checks = audit_actions(&store)
        .await
        .into_iter()
        .filter(|x| x == "access.check")
        .count();
    assert_eq!(checks, 9, "every check is audited");
}

async fn bad_input_is_refused_and_nothing_is_written(store: Store) {
    let w = world(&store).await;
    let a = Actor::cli();
    let before = audit_actions(&store).await.len();
    let mut backwards = proposal(&w, GrantScope::Api);
    backwards.ends_at = backwards.starts_at;
    assert!(matches!(
        store.propose_grant(&a, &backwards, T0).await,
        Err(StoreError::Invalid(_))
    ));
    let mut not_partner = proposal(&w, GrantScope::Api);
    not_partner.partner_org = w.developer;
    assert!(matches!(
        store.propose_grant(&a, &not_partner, T0).await,
        Err(StoreError::Invalid(m)) if m.contains("not a trusted partner")
    ));
    let mut no_model = proposal(&w, GrantScope::Api);
    no_model.model_id = Uuid::now_v7();
    assert!(matches!(
        store.propose_grant(&a, &no_model, T0).await,
        Err(StoreError::Invalid(_))
    ));
    assert!(matches!(
        store
            .set_partner_vetting(&a, w.developer, Vetting::Vetted, None, T0)
            .await,
        Err(StoreError::Invalid(_))
    ));
    assert!(matches!(
        store
            .add_partner_attestation(&a, w.partner, AttestationKind::Confidentiality, T0, T0)
            .await,
        Err(StoreError::Invalid(_))
    ));
    assert!(matches!(
        store.partner(w.developer).await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(audit_actions(&store).await.len(), before);
    assert!(
        store
            .grants(Default::default())
            .await
            .expect("grants")
            .items
            .is_empty()
    );
}
