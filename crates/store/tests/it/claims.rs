//! Deconflicted scanning: claims on targets under a lease, on both back-ends
//! (SQLite always, PostgreSQL when `BULWARK_TEST_DATABASE_URL` names a
//! server, as in `.ci/run`).

use bulwark_core::{ClaimOutcome, OrgKind, Target, TargetKind, Technique};
use bulwark_store::{
    Actor, AuditQuery, ClaimAttempt, DEFAULT_CLAIM_LEASE, NewClaim, Store, StoreError,
};
use time::{Duration, OffsetDateTime, macros::datetime};
use uuid::Uuid;

use crate::common;

const T0: OffsetDateTime = datetime!(2026-11-26 12:00 UTC);

bulwark_store::both_backends!(
    an_overlapping_claim_is_refused_naming_the_holder,
    overlap_on_purpose_stands_beside_the_holder,
    a_lapsed_lease_ends_the_claim_by_itself,
    release_records_the_outcome_and_frees_the_target,
    concurrent_claims_give_exactly_one_holder,
    bad_claims_write_nothing,
);

async fn org(store: &Store, name: &str, kind: OrgKind) -> Uuid {
    common::org_of(store, name, kind, T0).await
}

fn target(s: &str) -> Target {
    Target::parse(TargetKind::Purl, s).expect("purl")
}

fn fuzzing(org: Uuid, t: &Target) -> NewClaim {
    NewClaim {
        org_id: org,
        target: t.clone(),
        technique: Technique::Fuzzing,
        tool: Some("AFL++ 4.21c".into()),
        tool_version: None,
        model_name: None,
        model_version: None,
        lease: DEFAULT_CLAIM_LEASE,
        overlap: false,
    }
}

fn claimed(a: ClaimAttempt) -> (bulwark_store::ScanClaim, Vec<bulwark_store::ScanClaim>) {
    match a {
        ClaimAttempt::Claimed { claim, alongside } => (claim, alongside),
        ClaimAttempt::Refused { holder } => panic!("refused: held by {holder:?}"),
    }
}

async fn an_overlapping_claim_is_refused_naming_the_holder(store: Store) {
    let vendor = org(&store, "Vendor", OrgKind::Vendor).await;
    let lab = org(&store, "Lab", OrgKind::Developer).await;
    let t = target("pkg:npm/lodash@4.17.21");
    let (first, alongside) = claimed(
        store
            .claim_target(&Actor::cli(), &fuzzing(vendor, &t), T0)
            .await
            .unwrap(),
    );
    assert!(alongside.is_empty());
    assert!(first.exclusive);
    assert_eq!(first.expires_at, T0 + Duration::days(7));
    // The same target spelt differently is the same target.
    let again = target("PKG:npm/lodash@4.17.21?arch=x64");
    match store
        .claim_target(
            &Actor::cli(),
            &fuzzing(lab, &again),
            T0 + Duration::hours(1),
        )
        .await
        .unwrap()
    {
        ClaimAttempt::Refused { holder } => {
            assert_eq!(holder.id, first.id);
            assert_eq!(holder.org_id, vendor);
            assert_eq!(holder.expires_at, T0 + Duration::days(7));
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    // Another version is another target.
    let other = target("pkg:npm/lodash@4.17.20");
    claimed(
        store
            .claim_target(&Actor::cli(), &fuzzing(lab, &other), T0)
            .await
            .unwrap(),
    );
    assert_eq!(store.coverage(&t).await.unwrap().len(), 1);
}

async fn overlap_on_purpose_stands_beside_the_holder(store: Store) {
    let vendor = org(&store, "Vendor", OrgKind::Vendor).await;
    let lab = org(&store, "Lab", OrgKind::Developer).await;
    let t = target("pkg:pypi/django@5.0.1");
    let (holder, _) = claimed(
        store
            .claim_target(&Actor::cli(), &fuzzing(vendor, &t), T0)
            .await
            .unwrap(),
    );
    // An AI agent must name its model.
    let mut agent = NewClaim {
        technique: Technique::AiAgent,
        overlap: true,
        ..fuzzing(lab, &t)
    };
    let e = store
        .claim_target(&Actor::cli(), &agent, T0)
        .await
        .unwrap_err();
    assert!(matches!(e, StoreError::Invalid(_)), "{e:?}");
    agent.model_name = Some("hunter".into());
    agent.model_version = Some("2026-10".into());
    let (beside, alongside) = claimed(store.claim_target(&Actor::cli(), &agent, T0).await.unwrap());
    assert!(!beside.exclusive);
    assert_eq!(
        alongside.iter().map(|c| c.id).collect::<Vec<_>>(),
        [holder.id]
    );
    assert_eq!(beside.model_name.as_deref(), Some("hunter"));
    // Both see each other in the coverage.
    let cov = store.coverage(&t).await.unwrap();
    assert_eq!(cov.len(), 2);
    assert!(cov.iter().all(|c| c.is_active(T0)));
}

async fn a_lapsed_lease_ends_the_claim_by_itself(store: Store) {
    let vendor = org(&store, "Vendor", OrgKind::Vendor).await;
    let lab = org(&store, "Lab", OrgKind::Developer).await;
    let t = target("pkg:cargo/openssl@0.10.60");
    let (first, _) = claimed(
        store
            .claim_target(&Actor::cli(), &fuzzing(vendor, &t), T0)
            .await
            .unwrap(),
    );
    // Renewed before it runs out: still held a week later.
    let renewed = store
        .renew_claim(
            &Actor::cli(),
            first.id,
            Duration::days(7),
            T0 + Duration::days(6),
        )
        .await
        .unwrap();
    assert_eq!(renewed.expires_at, T0 + Duration::days(13));
    let at = T0 + Duration::days(10);
    assert!(matches!(
        store
            .claim_target(&Actor::cli(), &fuzzing(lab, &t), at)
            .await
            .unwrap(),
        ClaimAttempt::Refused { .. }
    ));
    // Past its end, nothing had to sweep: the next claimant takes it.
    let later = T0 + Duration::days(13);
    let (second, alongside) = claimed(
        store
            .claim_target(&Actor::cli(), &fuzzing(lab, &t), later)
            .await
            .unwrap(),
    );
    assert!(second.exclusive);
    assert!(alongside.is_empty(), "{alongside:?}");
    // The lapsed claim can no longer be renewed.
    let e = store
        .renew_claim(&Actor::cli(), first.id, Duration::days(7), later)
        .await
        .unwrap_err();
    assert!(matches!(e, StoreError::Conflict(_)), "{e:?}");
}

async fn release_records_the_outcome_and_frees_the_target(store: Store) {
    let vendor = org(&store, "Vendor", OrgKind::Vendor).await;
    let lab = org(&store, "Lab", OrgKind::Developer).await;
    let t = target("pkg:golang/golang.org/x/net@v0.17.0");
    let (first, _) = claimed(
        store
            .claim_target(&Actor::cli(), &fuzzing(vendor, &t), T0)
            .await
            .unwrap(),
    );
    for (outcome, findings) in [
        (ClaimOutcome::Findings, None),
        (ClaimOutcome::Findings, Some(0)),
        (ClaimOutcome::NothingFound, Some(2)),
    ] {
        let e = store
            .release_claim(&Actor::cli(), first.id, outcome, findings, None, T0)
            .await
            .unwrap_err();
        assert!(matches!(e, StoreError::Invalid(_)), "{e:?}");
    }
    let done = store
        .release_claim(
            &Actor::cli(),
            first.id,
            ClaimOutcome::NothingFound,
            None,
            Some("48 CPU-hours, 3 harnesses"),
            T0 + Duration::days(2),
        )
        .await
        .unwrap();
    assert_eq!(done.outcome, Some(ClaimOutcome::NothingFound));
    assert!(!done.is_active(T0 + Duration::days(2)));
    let e = store
        .release_claim(
            &Actor::cli(),
            first.id,
            ClaimOutcome::Abandoned,
            None,
            None,
            T0,
        )
        .await
        .unwrap_err();
    assert!(matches!(e, StoreError::Conflict(_)), "{e:?}");
    // Released early: the target is free at once.
    let (second, _) = claimed(
        store
            .claim_target(&Actor::cli(), &fuzzing(lab, &t), T0 + Duration::days(2))
            .await
            .unwrap(),
    );
    assert!(second.exclusive);
    let cov = store.coverage(&t).await.unwrap();
    assert_eq!(cov.len(), 2);
    assert_eq!(cov[1].note.as_deref(), Some("48 CPU-hours, 3 harnesses"));
    let actions: Vec<String> = store
        .audit_entries(AuditQuery {
            after_seq: 0,
            limit: 1000,
        })
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .filter(|a| a.starts_with("claim.") || a.starts_with("target."))
        .collect();
    assert_eq!(
        actions,
        [
            "target.register",
            "claim.create",
            "claim.release",
            "claim.create"
        ]
    );
}

async fn concurrent_claims_give_exactly_one_holder(store: Store) {
    let mut orgs = Vec::new();
    for i in 0..8 {
        orgs.push(org(&store, &format!("Scanner {i}"), OrgKind::Researcher).await);
    }
    for round in 0..5 {
        let t = target(&format!("pkg:npm/contested@1.0.{round}"));
        let tasks: Vec<_> = orgs
            .iter()
            .map(|o| {
                let store = store.clone();
                let claim = fuzzing(*o, &t);
                tokio::spawn(async move { store.claim_target(&Actor::cli(), &claim, T0).await })
            })
            .collect();
        let mut winners = Vec::new();
        let mut refused_by = Vec::new();
        for h in tasks {
            match h.await.expect("join").expect("claim") {
                ClaimAttempt::Claimed { claim, .. } => winners.push(claim.id),
                ClaimAttempt::Refused { holder } => refused_by.push(holder.id),
            }
        }
        assert_eq!(winners.len(), 1, "round {round}: {winners:?}");
        assert_eq!(refused_by.len(), orgs.len() - 1);
        assert!(
            refused_by.iter().all(|h| *h == winners[0]),
            "refusals name the winner"
        );
        assert_eq!(store.coverage(&t).await.unwrap().len(), 1);
    }
}

async fn bad_claims_write_nothing(store: Store) {
    let vendor = org(&store, "Vendor", OrgKind::Vendor).await;
    let t = target("pkg:npm/left-pad@1.3.0");
    let before = store.audit_verify().await.unwrap().entries;
    for bad in [
        NewClaim {
            lease: Duration::ZERO,
            ..fuzzing(vendor, &t)
        },
        NewClaim {
            lease: Duration::days(31),
            ..fuzzing(vendor, &t)
        },
        NewClaim {
            tool: Some(String::new()),
            ..fuzzing(vendor, &t)
        },
        NewClaim {
            model_name: Some("a\u{7}b".into()),
            ..fuzzing(vendor, &t)
        },
    ] {
        let e = store
            .claim_target(&Actor::cli(), &bad, T0)
            .await
            .unwrap_err();
        assert!(matches!(e, StoreError::Invalid(_)), "{e:?}");
    }
    assert_eq!(store.audit_verify().await.unwrap().entries, before);
    assert!(store.coverage(&t).await.unwrap().is_empty());
    let e = store
        .renew_claim(&Actor::cli(), Uuid::now_v7(), Duration::days(1), T0)
        .await
        .unwrap_err();
    assert!(matches!(e, StoreError::NotFound), "{e:?}");
}
