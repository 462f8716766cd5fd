//! The clearinghouse's activity since an instant: cases as opened and
//! validations as recorded, newest first, bounded. On both back-ends.

use bulwark_core::{CaseState, OrgKind, ValidationKind, ValidationResult};
use bulwark_store::{Actor, NewReport, NewValidation, Store};
use time::{Duration, OffsetDateTime, macros::datetime};
use uuid::Uuid;

use crate::common;

const T0: OffsetDateTime = datetime!(2026-11-26 12:00 UTC);

bulwark_store::both_backends!(cases_and_validations_since_an_instant);

fn report(fp: &str) -> NewReport {
    NewReport {
        fingerprint: fp.into(),
        target: None,
        rule_id: Some("c/overflow".into()),
        title: format!("finding {fp}"),
        location: Some("src/lib.c:10".into()),
        tool_name: Some("scan".into()),
        tool_version: Some("1.0".into()),
        ai_model: None,
        ai_model_version: None,
        detail: serde_json::json!({}),
    }
}

async fn ingest(store: &Store, org: Uuid, fp: &str, at: OffsetDateTime) -> Uuid {
    store
        .ingest_reports(
            &Actor::cli(),
            org,
            "application/sarif+json",
            fp.as_bytes(),
            &[report(fp)],
            at,
        )
        .await
        .expect("ingest")
        .cases[0]
}

async fn cases_and_validations_since_an_instant(store: Store) {
    let lab = common::org_of(&store, "Lab", OrgKind::Researcher, T0).await;
    let other = common::org_of(&store, "Other", OrgKind::Researcher, T0).await;
    let old = ingest(&store, lab, "a", T0 - Duration::weeks(20)).await;
    let mid = ingest(&store, lab, "b", T0 - Duration::weeks(3)).await;
    let new = ingest(&store, lab, "c", T0 - Duration::days(2)).await;
    // A validation of the old case, recorded recently.
    let a = Actor::cli();
    let at = T0 - Duration::days(1);
    store
        .set_case_state(&a, old, CaseState::Triaged, at)
        .await
        .expect("triage");
    store
        .assign_validation(&a, old, ValidationKind::Reproduction, other, at)
        .await
        .expect("task");
    store
        .record_validation(
            &a,
            old,
            &NewValidation {
                kind: ValidationKind::Reproduction,
                result: ValidationResult::Reproduced,
                org_id: other,
                evidence: None,
                note: None,
            },
            at,
        )
        .await
        .expect("validation");

    let since = T0 - Duration::weeks(12);
    let opened = store.cases_opened_since(since, 100).await.expect("cases");
    assert_eq!(
        opened.iter().map(|(id, _)| *id).collect::<Vec<_>>(),
        vec![new, mid],
        "the old case is before the window; newest first"
    );
    assert_eq!(opened[1].1, T0 - Duration::weeks(3));
    let latest = store.cases_opened_since(since, 1).await.expect("one");
    assert_eq!(latest, vec![(new, T0 - Duration::days(2))]);
    let validations = store
        .validations_since(since, 100)
        .await
        .expect("validations");
    assert_eq!(validations, vec![(old, at)]);
    assert!(
        store
            .validations_since(T0, 100)
            .await
            .expect("none")
            .is_empty()
    );
}
