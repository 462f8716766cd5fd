//! The triage queue: pending cases ordered by the best record of the sources
//! behind them (Laplace-smoothed, the case itself left out), ties to the
//! earliest report; validated, rejected and merged-away cases left out;
//! tool and model names count only once they have a record. On both
//! back-ends.

use bulwark_core::{CaseState, OrgKind, ValidationKind, ValidationResult};
use bulwark_store::{Actor, NewOrganization, NewReport, NewValidation, Store};
use time::{Duration, OffsetDateTime, macros::datetime};
use uuid::Uuid;

const T0: OffsetDateTime = datetime!(2026-11-26 12:00 UTC);

bulwark_store::both_backends!(
    the_queue_is_ordered_by_the_best_source_record,
    the_queue_pages_and_reads_tasks_and_claims,
);

async fn org(store: &Store, name: &str) -> Uuid {
    store
        .create_organization(
            &Actor::cli(),
            &NewOrganization {
                name: name.into(),
                kind: OrgKind::Researcher,
                sector: None,
                reviewing: false,
            },
            T0,
        )
        .await
        .expect("create organization")
        .id
}

fn report(fp: &str, tool: &str, model: Option<&str>) -> NewReport {
    NewReport {
        fingerprint: fp.into(),
        target: None,
        rule_id: Some("c/overflow".into()),
        title: format!("finding {fp}"),
        location: Some("src/lib.c:10".into()),
        tool_name: Some(tool.into()),
        tool_version: Some("1.0".into()),
        ai_model: model.map(str::to_owned),
        ai_model_version: model.map(|_| "1".to_owned()),
        detail: serde_json::json!({}),
    }
}

/// Ingests one report as `org` at `T0 + minutes`; returns its case.
async fn ingest(store: &Store, org: Uuid, r: NewReport, minutes: i64) -> Uuid {
    let raw = r.fingerprint.clone();
    store
        .ingest_reports(
            &Actor::cli(),
            org,
            "application/sarif+json",
            raw.as_bytes(),
            &[r],
            T0 + Duration::minutes(minutes),
        )
        .await
        .expect("ingest")
        .cases[0]
}

/// Validates `case` by a reproduction from `by` (not a reporter).
async fn validate(store: &Store, case: Uuid, by: Uuid) {
    let a = Actor::cli();
    store
        .set_case_state(&a, case, CaseState::Triaged, T0)
        .await
        .unwrap();
    store
        .assign_validation(&a, case, ValidationKind::Reproduction, by, T0)
        .await
        .unwrap();
    let (_, c) = store
        .record_validation(
            &a,
            case,
            &NewValidation {
                kind: ValidationKind::Reproduction,
                result: ValidationResult::Reproduced,
                org_id: by,
                evidence: None,
                note: None,
            },
            T0,
        )
        .await
        .unwrap();
    assert_eq!(c.state, CaseState::Validated);
}

fn approx(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

async fn the_queue_is_ordered_by_the_best_source_record(store: Store) {
    let good = org(&store, "Good Lab").await;
    let bad = org(&store, "Noisy Scanner").await;
    let fresh = org(&store, "Fresh Uni").await;
    let merger = org(&store, "Merger Co").await;
    let validator = org(&store, "Validator").await;

    // Good Lab's earlier case was validated; Noisy Scanner's was rejected.
    let g0 = ingest(
        &store,
        good,
        report("bwk1:g0", "GoodScan", Some("gpt-x")),
        0,
    )
    .await;
    validate(&store, g0, validator).await;
    let b0 = ingest(&store, bad, report("bwk1:b0", "BadScan", None), 1).await;
    store
        .set_case_state(&Actor::cli(), b0, CaseState::Rejected, T0)
        .await
        .unwrap();

    // The pending cases, oldest first.
    let b1 = ingest(&store, bad, report("bwk1:b1", "BadScan", None), 10).await;
    let f1 = ingest(&store, fresh, report("bwk1:f1", "FreshScan", None), 11).await;
    let g1 = ingest(&store, good, report("bwk1:g1", "GoodScan", None), 12).await;
    store
        .set_case_state(&Actor::cli(), g1, CaseState::Triaged, T0)
        .await
        .unwrap();
    // A new tool name lifts nothing; a model with a record does.
    let b2 = ingest(&store, bad, report("bwk1:b2", "ShinyNewScan", None), 13).await;
    let b3 = ingest(
        &store,
        bad,
        report("bwk1:b3", "ShinyNewScan2", Some("gpt-x")),
        14,
    )
    .await;
    // Merged away: only the surviving case is in the queue, with both reports.
    let m1 = ingest(&store, merger, report("bwk1:m1", "MergeScan", None), 15).await;
    let m2 = ingest(&store, merger, report("bwk1:m2", "MergeScan", None), 16).await;
    store
        .merge_cases(&Actor::cli(), m1, m2, T0 + Duration::minutes(20))
        .await
        .unwrap();

    let q = store.triage_queue(50).await.unwrap();
    let order: Vec<Uuid> = q.iter().map(|e| e.case_id).collect();
    // g1 and b3: 2/3 (Good Lab 1 of 1; gpt-x 1 of 1), g1 reported first;
    // f1 and m1: 0.5 (no record); b1: 1/3 (BadScan 0 of 1 beats Noisy
    // Scanner 0 of 3 = 1/5); b2: 1/5 (Noisy Scanner; the new tool name
    // counts for nothing).
    assert_eq!(order, vec![g1, b3, f1, m1, b1, b2], "{q:#?}");
    for gone in [g0, b0, m2] {
        assert!(!order.contains(&gone));
    }

    let e = |id: Uuid| q.iter().find(|e| e.case_id == id).unwrap();
    let g = e(g1);
    assert!(approx(g.score, 2.0 / 3.0));
    assert_eq!(g.state, CaseState::Triaged);
    assert_eq!(g.first_reporter_org, good);
    assert_eq!(g.first_reporter_name, "Good Lab");
    let basis = g.basis.as_ref().unwrap();
    assert_eq!(
        (basis.kind, basis.org, basis.source.as_str()),
        ("org", Some(good), "Good Lab")
    );
    assert_eq!((basis.validated, basis.submitted), (1, 1));

    let b = e(b3);
    let basis = b.basis.as_ref().unwrap();
    assert_eq!((basis.kind, basis.source.as_str()), ("model", "gpt-x 1"));
    assert_eq!((basis.validated, basis.submitted), (1, 1));

    let f = e(f1);
    assert!(approx(f.score, 0.5));
    let basis = f.basis.as_ref().unwrap();
    assert_eq!(
        (basis.kind, basis.validated, basis.submitted),
        ("org", 0, 0)
    );

    let m = e(m1);
    assert_eq!((m.reports, m.reporting_orgs), (2, 1));

    let b = e(b1);
    assert!(approx(b.score, 1.0 / 3.0));
    let basis = b.basis.as_ref().unwrap();
    assert_eq!((basis.kind, basis.source.as_str()), ("tool", "BadScan"));
    assert_eq!((basis.validated, basis.submitted), (0, 1));

    let b = e(b2);
    assert!(approx(b.score, 1.0 / 5.0));
    let basis = b.basis.as_ref().unwrap();
    assert_eq!(
        (basis.kind, basis.source.as_str()),
        ("org", "Noisy Scanner")
    );
    assert_eq!((basis.validated, basis.submitted), (0, 3));

    // A second reporter with a good record lifts a case.
    ingest(&store, good, report("bwk1:b2", "GoodScan", None), 30).await;
    let q = store.triage_queue(50).await.unwrap();
    let b = q.iter().find(|e| e.case_id == b2).unwrap();
    assert_eq!((b.reports, b.reporting_orgs), (2, 2));
    assert_eq!(b.first_reporter_org, bad, "credit stays with the first");
    assert_eq!(b.basis.as_ref().unwrap().org, Some(good));
    // Good Lab now has g1 and b2 pending besides g0: 2/4 for each.
    assert!(approx(b.score, 0.5));
}

async fn the_queue_pages_and_reads_tasks_and_claims(store: Store) {
    let a = org(&store, "Uni A").await;
    let c = org(&store, "Lab C").await;
    let mut cases = Vec::new();
    for i in 0..5 {
        cases.push(ingest(&store, a, report(&format!("bwk1:p{i}"), "T", None), i).await);
    }
    assert!(
        store.triage_queue(0).await.unwrap().len() == 1,
        "at least one"
    );
    let first = store.triage_page(0, 2).await.unwrap();
    let rest = store.triage_page(2, 10).await.unwrap();
    let all: Vec<Uuid> = first.iter().chain(&rest).map(|e| e.case_id).collect();
    assert_eq!(all, cases, "equal scores: earliest first");

    store
        .assign_validation(&Actor::cli(), cases[0], ValidationKind::Reproduction, c, T0)
        .await
        .unwrap();
    let tasks = store.case_tasks(cases[0]).await.unwrap();
    assert_eq!(tasks.len(), 1);
    assert_eq!(
        (tasks[0].kind, tasks[0].org_id),
        (ValidationKind::Reproduction, c)
    );
    assert!(store.case_tasks(cases[1]).await.unwrap().is_empty());
    assert!(store.org_claims(a, 10).await.unwrap().is_empty());
}
