//! Released scans as a requirement's evidence: only scans that happened
//! (findings, nothing found), only by the tools named, exactly, from a
//! time on, newest first; on both back-ends.

use bulwark_core::{ClaimOutcome, OrgKind, Target, TargetKind, Technique};
use bulwark_store::{Actor, ClaimAttempt, DEFAULT_CLAIM_LEASE, NewClaim, Store};
use time::{Duration, OffsetDateTime, macros::datetime};
use uuid::Uuid;

use crate::common;

const T0: OffsetDateTime = datetime!(2026-11-26 12:00 UTC);

bulwark_store::both_backends!(only_scans_by_the_named_tools_since_a_time_count);

/// A claim by `org` on `target` with `tool`, released `hours` after T0.
async fn scan(
    store: &Store,
    org: Uuid,
    target: &str,
    tool: &str,
    outcome: ClaimOutcome,
    hours: i64,
) -> Uuid {
    let at = T0 + Duration::hours(hours);
    let new = NewClaim {
        org_id: org,
        target: Target::parse(TargetKind::Purl, target).expect("purl"),
        technique: Technique::StaticAnalysis,
        tool: Some(tool.into()),
        tool_version: None,
        model_name: None,
        model_version: None,
        lease: DEFAULT_CLAIM_LEASE,
        overlap: true,
    };
    let id = match store
        .claim_target(&Actor::cli(), &new, at - Duration::minutes(30))
        .await
        .expect("claim")
    {
        ClaimAttempt::Claimed { claim, .. } => claim.id,
        ClaimAttempt::Refused { holder } => panic!("refused: {holder:?}"),
    };
    let findings = (outcome == ClaimOutcome::Findings).then_some(1);
    store
        .release_claim(&Actor::cli(), id, outcome, findings, None, at)
        .await
        .expect("release");
    id
}

async fn only_scans_by_the_named_tools_since_a_time_count(store: Store) {
    let lab = common::org_of(&store, "Lab", OrgKind::Vendor, T0).await;
    let early = scan(
        &store,
        lab,
        "pkg:npm/lodash@4.17.21",
        "atlantis",
        ClaimOutcome::NothingFound,
        1,
    )
    .await;
    let found = scan(
        &store,
        lab,
        "pkg:npm/lodash@4.17.20",
        "atlantis",
        ClaimOutcome::Findings,
        5,
    )
    .await;
    scan(
        &store,
        lab,
        "pkg:npm/lodash@4.17.21",
        "atlantis",
        ClaimOutcome::Abandoned,
        6,
    )
    .await;
    scan(
        &store,
        lab,
        "pkg:npm/lodash@4.17.21",
        "Atlantis",
        ClaimOutcome::NothingFound,
        7,
    )
    .await;
    let other = scan(
        &store,
        lab,
        "pkg:npm/lodash@4.17.21",
        "plainfuzz",
        ClaimOutcome::NothingFound,
        8,
    )
    .await;
    // An active claim has no outcome yet.
    store
        .claim_target(
            &Actor::cli(),
            &NewClaim {
                org_id: lab,
                target: Target::parse(TargetKind::Purl, "pkg:npm/lodash@4.17.21").expect("purl"),
                technique: Technique::Fuzzing,
                tool: Some("atlantis".into()),
                tool_version: None,
                model_name: None,
                model_version: None,
                lease: DEFAULT_CLAIM_LEASE,
                overlap: true,
            },
            T0 + Duration::hours(9),
        )
        .await
        .expect("active");

    let ids =
        |v: Vec<bulwark_store::ReleasedScan>| v.into_iter().map(|s| s.claim).collect::<Vec<_>>();
    let all = store
        .scans_released_by(&["atlantis".into()], T0)
        .await
        .expect("scans");
    assert_eq!(all[0].released_at, T0 + Duration::hours(5));
    assert_eq!(all[0].outcome, ClaimOutcome::Findings);
    assert_eq!(all[0].target.locator(), "pkg:npm/lodash@4.17.20");
    assert_eq!(ids(all), vec![found, early]);
    let since = store
        .scans_released_by(&["atlantis".into()], T0 + Duration::hours(2))
        .await
        .expect("since");
    assert_eq!(ids(since), vec![found]);
    let both = store
        .scans_released_by(&["atlantis".into(), "plainfuzz".into()], T0)
        .await
        .expect("both");
    assert_eq!(ids(both), vec![other, found, early]);
    assert!(
        store
            .scans_released_by(&[], T0)
            .await
            .expect("none")
            .is_empty()
    );
}
