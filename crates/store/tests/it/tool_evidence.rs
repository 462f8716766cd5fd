//! Evidence per tool version as kept: reports, cases (validated, rejected,
//! duplicate), patches and claims counted per (tool, version) in the
//! transactions that change them, checked after every step against a
//! recount and at the end against numbers counted by hand from the
//! scenario; the claim-to-validation samples and the weekly history of one
//! tool. On both back-ends.

use bulwark_core::{
    CaseState, ClaimOutcome, OrgKind, PatchCheck, PatchCheckResult, PatchQuorum, Target,
    TargetKind, Technique, ValidationKind, ValidationResult,
};
use bulwark_store::{
    Actor, ClaimAttempt, ClaimToValidation, DEFAULT_CLAIM_LEASE, NewClaim, NewPatchFile,
    NewPatchValidation, NewRemediation, NewReport, NewValidation, Store, StoreError, ToolCounts,
    ToolVersionEvidence,
};
use time::{Duration, OffsetDateTime, macros::datetime};
use uuid::Uuid;

use crate::common;

const T0: OffsetDateTime = datetime!(2026-12-01 00:00 UTC);

bulwark_store::both_backends!(
    tool_versions_are_counted_in_step_through_a_cases_life,
    concurrent_intakes_keep_tool_versions_in_step,
    tool_evidence_reads_only_the_names_asked,
);

fn target(s: &str) -> Target {
    Target::parse(TargetKind::Purl, s).unwrap()
}

fn report(fp: &str, t: Option<&str>, tool: Option<(&str, Option<&str>)>) -> NewReport {
    NewReport {
        fingerprint: fp.into(),
        target: t.map(target),
        rule_id: None,
        title: format!("finding {fp}"),
        location: None,
        tool_name: tool.map(|t| t.0.to_owned()),
        tool_version: tool.and_then(|t| t.1.map(str::to_owned)),
        ai_model: None,
        ai_model_version: None,
        detail: serde_json::json!({}),
    }
}

async fn ingest(
    store: &Store,
    org: Uuid,
    doc: &[u8],
    reports: &[NewReport],
    at: OffsetDateTime,
) -> Vec<Uuid> {
    store
        .ingest_reports(&Actor::cli(), org, "application/json", doc, reports, at)
        .await
        .unwrap()
        .cases
}

async fn claim(
    store: &Store,
    org: Uuid,
    t: &str,
    tool: (&str, Option<&str>),
    overlap: bool,
    at: OffsetDateTime,
) -> Uuid {
    let new = NewClaim {
        org_id: org,
        target: target(t),
        technique: Technique::Fuzzing,
        tool: Some(tool.0.into()),
        tool_version: tool.1.map(str::to_owned),
        model_name: None,
        model_version: None,
        lease: DEFAULT_CLAIM_LEASE,
        overlap,
    };
    match store.claim_target(&Actor::cli(), &new, at).await.unwrap() {
        ClaimAttempt::Claimed { claim, .. } => claim.id,
        ClaimAttempt::Refused { holder } => panic!("refused: {holder:?}"),
    }
}

async fn release(store: &Store, id: Uuid, outcome: ClaimOutcome, at: OffsetDateTime) {
    let findings = (outcome == ClaimOutcome::Findings).then_some(1);
    store
        .release_claim(&Actor::cli(), id, outcome, findings, None, at)
        .await
        .unwrap();
}

/// Validates `case` by one independent reproduction by `by` at `at`
/// (the default quorum).
async fn validate(store: &Store, case: Uuid, by: Uuid, at: OffsetDateTime) {
    store
        .set_case_state(&Actor::cli(), case, CaseState::Triaged, at)
        .await
        .unwrap();
    store
        .assign_validation(&Actor::cli(), case, ValidationKind::Reproduction, by, at)
        .await
        .unwrap();
    let (_, c) = store
        .record_validation(
            &Actor::cli(),
            case,
            &NewValidation {
                kind: ValidationKind::Reproduction,
                result: ValidationResult::Reproduced,
                org_id: by,
                evidence: None,
                note: None,
            },
            at,
        )
        .await
        .unwrap();
    assert_eq!(c.state, CaseState::Validated);
}

fn patch(org: Uuid, tool: (&str, Option<&str>)) -> NewRemediation {
    NewRemediation {
        kind: bulwark_core::RemediationKind::Patch,
        summary: "bound the index".into(),
        details: None,
        fixed_versions: vec![],
        url: None,
        patch: Some(NewPatchFile {
            media_type: "text/x-diff".into(),
            bytes: format!("--- a/f\n+++ b/f\n@@ -1 +1 @@\n-a\n+{}\n", tool.0).into_bytes(),
            diffstat: serde_json::json!({"files": [{"path": "f", "added": 1, "removed": 1}]}),
        }),
        author: None,
        org_id: org,
        tool_name: Some(tool.0.into()),
        tool_version: tool.1.map(str::to_owned),
        ai_model: None,
        ai_model_version: None,
    }
}

/// The kept counters equal a recount from reports, cases, patches and
/// claims, and the per-source counters still do too.
async fn assert_in_step(store: &Store) {
    let kept = store.all_tool_evidence().await.unwrap();
    let recount = store.recount_tool_evidence().await.unwrap();
    assert_eq!(kept, recount, "tool_version_stats out of step");
    let mut kept = store.source_reliability().await.unwrap();
    let mut recount = store.recount_source_reliability().await.unwrap();
    let key = |s: &bulwark_store::SourceReliability| (s.kind, s.source.clone());
    kept.sort_by_key(key);
    recount.sort_by_key(key);
    assert_eq!(kept, recount, "source_stats out of step");
}

fn row(name: &str, version: &str, counts: ToolCounts) -> ToolVersionEvidence {
    ToolVersionEvidence {
        tool_name: name.into(),
        tool_version: version.into(),
        counts,
    }
}

const T1: &str = "pkg:npm/one@1.0.0";
const T2: &str = "pkg:npm/two@1.0.0";
const H1: (&str, Option<&str>) = ("Hunter", Some("1"));
const H2: (&str, Option<&str>) = ("Hunter", Some("2"));
const SCAN: (&str, Option<&str>) = ("Scan", None);

async fn tool_versions_are_counted_in_step_through_a_cases_life(store: Store) {
    let a = common::org_of(&store, "Lab A", OrgKind::Researcher, T0).await;
    let b = common::org_of(&store, "Vendor B", OrgKind::Vendor, T0).await;
    let c = common::org_of(&store, "Checker C", OrgKind::Researcher, T0).await;
    let h = Duration::hours(1);

    // Claims. Hunter 1 (A): T1 found, T2 abandoned, T1 again found: 3
    // claims, 1 target. Hunter 2 (B): T1 nothing found. Scan (B, no
    // version): T2, never released.
    let a1 = claim(&store, a, T1, H1, false, T0).await;
    let b1 = claim(&store, b, T1, H2, true, T0 + Duration::minutes(10)).await;
    release(&store, a1, ClaimOutcome::Findings, T0 + h).await;
    release(&store, b1, ClaimOutcome::NothingFound, T0 + 2 * h).await;
    let a2 = claim(&store, a, T2, H1, false, T0 + 3 * h).await;
    release(&store, a2, ClaimOutcome::Abandoned, T0 + 4 * h).await;
    let _ = claim(&store, b, T2, SCAN, true, T0 + 3 * h).await;
    let a3 = claim(&store, a, T1, H1, false, T0 + 5 * h).await;
    release(&store, a3, ClaimOutcome::Findings, T0 + 6 * h).await;
    assert_in_step(&store).await;

    // A, Hunter 1, at T0+1h: f1 (twice), f2, f3; f5 without a tool.
    let cases = ingest(
        &store,
        a,
        b"a",
        &[
            report("bwk1:f1", Some(T1), Some(H1)),
            report("bwk1:f2", Some(T1), Some(H1)),
            report("bwk1:f3", Some(T2), Some(H1)),
            report("bwk1:f1", Some(T1), Some(H1)),
            report("bwk1:f5", None, None),
        ],
        T0 + h,
    )
    .await;
    let (c1, c2, c3) = (cases[0], cases[1], cases[2]);
    assert_in_step(&store).await;
    // B at T0+2h: f1 and f4 with Hunter 2, f2 with Scan.
    let cases = ingest(
        &store,
        b,
        b"b",
        &[
            report("bwk1:f1", Some(T1), Some(H2)),
            report("bwk1:f4", Some(T1), Some(H2)),
            report("bwk1:f2", Some(T1), Some(SCAN)),
        ],
        T0 + 2 * h,
    )
    .await;
    assert_eq!(cases[0], c1);
    let c4 = cases[1];
    assert_in_step(&store).await;
    // B's Scan sent f3 at T0+30min, committed only now: it found f3 first,
    // and Hunter 1 becomes a duplicate there.
    ingest(
        &store,
        b,
        b"b-early",
        &[report("bwk1:f3", Some(T2), Some(SCAN))],
        T0 + Duration::minutes(30),
    )
    .await;
    assert_eq!(store.case(c3).await.unwrap().first_reporter_org, b);
    assert_in_step(&store).await;

    // c4 folds into c1 and is validated there; c2 is rejected; f4 is split
    // off again (a new case, c6) and validated a week later.
    store
        .merge_cases(&Actor::cli(), c1, c4, T0 + 9 * h)
        .await
        .unwrap();
    assert_in_step(&store).await;
    validate(&store, c1, c, T0 + 10 * h).await;
    assert_in_step(&store).await;
    store
        .set_case_state(&Actor::cli(), c2, CaseState::Rejected, T0 + 11 * h)
        .await
        .unwrap();
    assert_in_step(&store).await;
    let c6 = store
        .split_case(&Actor::cli(), c1, &["bwk1:f4".into()], T0 + 12 * h)
        .await
        .unwrap()
        .id;
    assert_in_step(&store).await;
    validate(&store, c6, c, T0 + Duration::days(8)).await;
    assert_in_step(&store).await;

    // Patches: A's (Hunter 1) on c1 accepted by C's checks; B's (Hunter 2)
    // on c6 stays proposed.
    let p = store
        .submit_remediation(&Actor::cli(), c1, &patch(a, H1), T0 + 13 * h)
        .await
        .unwrap();
    store
        .submit_remediation(&Actor::cli(), c6, &patch(b, H2), T0 + 13 * h)
        .await
        .unwrap();
    for k in [
        PatchCheck::Applies,
        PatchCheck::Fixes,
        PatchCheck::TestsPass,
    ] {
        store
            .assign_patch_task(&Actor::cli(), c1, p.id, k, c, T0 + 14 * h)
            .await
            .unwrap();
        store
            .record_patch_validation(
                &Actor::cli(),
                c1,
                p.id,
                &NewPatchValidation {
                    check: k,
                    result: PatchCheckResult::Passed,
                    org_id: c,
                    evidence: None,
                    note: None,
                },
                T0 + 14 * h,
            )
            .await
            .unwrap();
    }
    store
        .set_patch_quorum(
            &Actor::cli(),
            c1,
            PatchQuorum { organizations: 1 },
            T0 + 15 * h,
        )
        .await
        .unwrap();
    assert_in_step(&store).await;

    // By hand. Cases at the end: c1 validated (f1: A Hunter 1 first at
    // T0+1h, B Hunter 2 at T0+2h); c2 rejected (A Hunter 1 first, B Scan
    // later); c3 new (B Scan first at T0+30min, A Hunter 1 later); c6
    // validated (B Hunter 2 alone); c4 merged away; f5's case has no tool.
    let want = vec![
        row(
            "Hunter",
            "1",
            ToolCounts {
                reports: 4,
                cases: 3,
                validated: 1,
                rejected: 1,
                duplicate: 1,
                patches: 1,
                patches_accepted: 1,
                claims: 3,
                claims_findings: 2,
                claims_nothing_found: 0,
                claims_abandoned: 1,
                targets: 1,
            },
        ),
        row(
            "Hunter",
            "2",
            ToolCounts {
                reports: 2,
                cases: 2,
                validated: 2,
                rejected: 0,
                duplicate: 1,
                patches: 1,
                patches_accepted: 0,
                claims: 1,
                claims_findings: 0,
                claims_nothing_found: 1,
                claims_abandoned: 0,
                targets: 1,
            },
        ),
        row(
            "Scan",
            "",
            ToolCounts {
                reports: 2,
                cases: 2,
                validated: 0,
                rejected: 1,
                duplicate: 1,
                claims: 1,
                ..ToolCounts::default()
            },
        ),
    ];
    assert_eq!(
        store
            .tool_evidence(&["Scan".into(), "Hunter".into(), "Nobody".into()])
            .await
            .unwrap(),
        want
    );

    // Claim to validation: v1 on c1 from A's claim at T0 to T0+10h; v2 on
    // c1 from B's claim at T0+10min to T0+10h, and on c6 from the same
    // claim to T0+8d. A's claim at T0+5h came after its report.
    let mut samples = store.tool_claim_to_validation("Hunter").await.unwrap();
    samples.sort_by_key(|s| (s.tool_version.clone(), s.micros));
    let us = |d: Duration| d.whole_microseconds() as i64;
    assert_eq!(
        samples,
        [
            ClaimToValidation {
                tool_version: "1".into(),
                micros: us(10 * h)
            },
            ClaimToValidation {
                tool_version: "2".into(),
                micros: us(10 * h - Duration::minutes(10))
            },
            ClaimToValidation {
                tool_version: "2".into(),
                micros: us(Duration::days(8) - Duration::minutes(10))
            },
        ]
    );
    // Scan made its claim on T2 after it reported f3 there: no sample,
    // and no case of Scan's is validated anyway.
    assert!(
        store
            .tool_claim_to_validation("Scan")
            .await
            .unwrap()
            .is_empty()
    );

    // Weekly: Hunter's 6 reports in the first week, c1 validated then and
    // c6 in the second; the third week is empty.
    let weeks = store
        .tool_history("Hunter", T0, T0 + Duration::weeks(2))
        .await
        .unwrap();
    let got: Vec<(OffsetDateTime, i64, i64)> = weeks
        .iter()
        .map(|w| (w.start, w.reports, w.validated))
        .collect();
    assert_eq!(
        got,
        [
            (T0, 6, 1),
            (T0 + Duration::weeks(1), 0, 1),
            (T0 + Duration::weeks(2), 0, 0)
        ]
    );
    let e = store.tool_history("Hunter", T0 + h, T0).await.unwrap_err();
    assert!(matches!(e, StoreError::Invalid(_)), "{e:?}");
}

async fn concurrent_intakes_keep_tool_versions_in_step(store: Store) {
    let orgs = [
        common::org_of(&store, "One", OrgKind::Researcher, T0).await,
        common::org_of(&store, "Two", OrgKind::Researcher, T0).await,
        common::org_of(&store, "Three", OrgKind::Researcher, T0).await,
    ];
    // Three organizations send overlapping findings at once, each with its
    // own tool version and an arrival of its own (the last one earliest).
    let mut tasks = Vec::new();
    for (i, org) in orgs.into_iter().enumerate() {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let version = format!("{i}");
            let reports: Vec<NewReport> = (0..300)
                .map(|n| {
                    report(
                        &format!("bwk1:c{}", n + i * 100),
                        Some(T1),
                        Some(("Racer", Some(version.as_str()))),
                    )
                })
                .collect();
            store
                .ingest_reports(
                    &Actor::cli(),
                    org,
                    "application/json",
                    format!("doc {i}").as_bytes(),
                    &reports,
                    T0 + Duration::minutes(10 - i as i64),
                )
                .await
        }));
    }
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    assert_in_step(&store).await;
    // 500 fingerprints; each version sent 300. Version 2 arrived first: it
    // is first on all its 300 cases; version 1 (next) on the 100 only it and
    // version 0 sent; version 0 (last) on the 100 only it sent.
    let got: Vec<(String, i64, i64, i64)> = store
        .tool_evidence(&["Racer".into()])
        .await
        .unwrap()
        .into_iter()
        .map(|e| {
            (
                e.tool_version,
                e.counts.reports,
                e.counts.cases,
                e.counts.duplicate,
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("0".into(), 300, 300, 200),
            ("1".into(), 300, 300, 200),
            ("2".into(), 300, 300, 0)
        ]
    );
}

async fn tool_evidence_reads_only_the_names_asked(store: Store) {
    let a = common::org_of(&store, "Lab A", OrgKind::Researcher, T0).await;
    ingest(
        &store,
        a,
        b"x",
        &[
            report("bwk1:x1", None, Some(("Alpha", Some("1")))),
            report("bwk1:x2", None, Some(("Beta", None))),
            report("bwk1:x3", None, Some(("alpha", Some("1")))),
        ],
        T0,
    )
    .await;
    let got = store.tool_evidence(&["Alpha".into()]).await.unwrap();
    assert_eq!(got.len(), 1, "names are compared exactly: {got:?}");
    assert_eq!(
        (got[0].tool_version.as_str(), got[0].counts.reports),
        ("1", 1)
    );
    assert!(store.tool_evidence(&[]).await.unwrap().is_empty());
    let many: Vec<String> = (0..=bulwark_store::MAX_TOOL_NAMES)
        .map(|i| format!("t{i}"))
        .collect();
    let e = store.tool_evidence(&many).await.unwrap_err();
    assert!(matches!(e, StoreError::Invalid(_)), "{e:?}");
    // Over the statement's chunk of names, still one row per version.
    let mut names: Vec<String> = (0..1_200).map(|i| format!("t{i}")).collect();
    names.push("Beta".into());
    let got = store.tool_evidence(&names).await.unwrap();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].tool_version, "");
    assert_in_step(&store).await;
}
