//! Scorecards and a tool's history through the application layer, on both
//! back-ends: rates with their Wilson intervals from the kept counters, the
//! weekly series and the median time from a claim to a validated finding.

mod common;

use std::sync::Arc;

use bulwark_app::tool_evidence::{self, ClaimToValidationOut};
use bulwark_app::{App, Config};
use bulwark_authz::Authorizer;
use bulwark_core::{
    CaseState, FixedClock, OrgKind, Target, TargetKind, Technique, ValidationKind, ValidationResult,
};
use bulwark_store::{Actor, DEFAULT_CLAIM_LEASE, NewClaim, NewReport, NewValidation, Store};
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

const T0: OffsetDateTime = datetime!(2026-12-01 00:00 UTC);
const T1: &str = "pkg:npm/one@1.0.0";

bulwark_store::both_backends!(a_scorecard_and_a_history_from_what_was_seen);

async fn a_scorecard_and_a_history_from_what_was_seen(store: Store) {
    let now = T0 + Duration::days(8);
    let app = App::new(
        store.clone(),
        Authorizer::new().expect("policy"),
        Arc::new(FixedClock::new(now)),
        Config::default(),
    );
    let a = common::org(&store, "Lab A", OrgKind::Researcher, T0).await;
    let c = common::org(&store, "Checker C", OrgKind::Researcher, T0).await;
    let target = Target::parse(TargetKind::Purl, T1).unwrap();
    store
        .claim_target(
            &Actor::cli(),
            &NewClaim {
                org_id: a,
                target: target.clone(),
                technique: Technique::AiAgent,
                tool: Some("Hunter".into()),
                tool_version: Some("1".into()),
                model_name: Some("m".into()),
                model_version: None,
                lease: DEFAULT_CLAIM_LEASE,
                overlap: false,
            },
            T0 - Duration::hours(1),
        )
        .await
        .unwrap();
    let reports: Vec<NewReport> = (0..10)
        .map(|i| NewReport {
            fingerprint: format!("bwk1:h{i}"),
            target: Some(target.clone()),
            rule_id: None,
            title: format!("finding {i}"),
            location: None,
            tool_name: Some("Hunter".into()),
            tool_version: Some("1".into()),
            ai_model: None,
            ai_model_version: None,
            detail: serde_json::json!({}),
        })
        .collect();
    let cases = store
        .ingest_reports(&Actor::cli(), a, "application/json", b"h", &reports, T0)
        .await
        .unwrap()
        .cases;
    // Eight validated, at T0+1h … T0+8h; two rejected.
    for (i, case) in cases.iter().enumerate() {
        let at = T0 + Duration::hours(i as i64 + 1);
        if i >= 8 {
            store
                .set_case_state(&Actor::cli(), *case, CaseState::Rejected, at)
                .await
                .unwrap();
            continue;
        }
        store
            .set_case_state(&Actor::cli(), *case, CaseState::Triaged, at)
            .await
            .unwrap();
        store
            .assign_validation(&Actor::cli(), *case, ValidationKind::Reproduction, c, at)
            .await
            .unwrap();
        store
            .record_validation(
                &Actor::cli(),
                *case,
                &NewValidation {
                    kind: ValidationKind::Reproduction,
                    result: ValidationResult::Reproduced,
                    org_id: c,
                    evidence: None,
                    note: None,
                },
                at,
            )
            .await
            .unwrap();
    }

    let cards = tool_evidence::scorecards(&app, &["Hunter".into(), "Other".into()])
        .await
        .unwrap();
    assert_eq!(cards.len(), 1);
    let card = &cards[0];
    assert_eq!((card.name.as_str(), card.version.as_str()), ("Hunter", "1"));
    assert_eq!((card.counts.reports, card.counts.cases), (10, 10));
    assert_eq!((card.counts.found_first, card.counts.duplicate), (10, 0));
    // 8 of 10 decided: Wilson 0.490 to 0.943 (Newcombe 1998).
    let v = &card.validation;
    assert_eq!((v.k, v.n, v.too_few), (8, 10, false));
    assert!(
        (v.lower - 0.4902).abs() < 1e-4 && (v.upper - 0.9433).abs() < 1e-4,
        "{v:?}"
    );
    assert_eq!(v.rate, Some(0.8));
    // No patches: 0 of 0, the whole range, flagged.
    let p = &card.patch_acceptance;
    assert_eq!(
        (p.n, p.rate, p.lower, p.upper, p.too_few),
        (0, None, 0.0, 1.0, true)
    );
    // One claim, not released: no outcome to share yet.
    assert_eq!((card.counts.claims, card.nothing_found.n), (1, 0));

    let history = tool_evidence::tool_history(&app, "Hunter", T0)
        .await
        .unwrap();
    let weeks: Vec<(i64, i64)> = history
        .weeks
        .iter()
        .map(|w| (w.reports, w.validated))
        .collect();
    assert_eq!(weeks, [(10, 8), (0, 0)]);
    assert_eq!(history.weeks[1].start, "2026-12-08T00:00:00Z");
    // From the claim at T0-1h to validations at T0+1h … T0+8h: 2h … 9h,
    // median 5.5 h.
    assert_eq!(
        history.claim_to_validation,
        [
            ClaimToValidationOut {
                version: None,
                samples: 8,
                median_seconds: Some(19_800)
            },
            ClaimToValidationOut {
                version: Some("1".into()),
                samples: 8,
                median_seconds: Some(19_800)
            },
        ]
    );
    let e = tool_evidence::tool_history(&app, "Hunter", now + Duration::days(1))
        .await
        .unwrap_err();
    assert_eq!(e.kind, bulwark_app::ErrorKind::Validation);
}
