//! Remediation artefacts as stored: vendor fixes accepted as given, patches
//! proposed until their quorum of independent organizations passed every
//! check, tasks making the asked organizations parties, a failure holding a
//! patch back, the quorum change that accepts, and per-source patch
//! acceptance kept in step with a recount. On both back-ends.

use bulwark_core::{
    OrgKind, PatchCheck, PatchCheckResult, PatchQuorum, RemediationKind, RemediationState, Target,
    TargetKind,
};
use bulwark_store::{
    Actor, AuditQuery, NewPatchFile, NewPatchValidation, NewRemediation, NewReport, Store,
    StoreError,
};
use time::{Duration, OffsetDateTime, macros::datetime};
use uuid::Uuid;

use crate::common;

const T0: OffsetDateTime = datetime!(2026-12-01 09:00 UTC);

bulwark_store::both_backends!(
    a_patch_is_accepted_by_two_independent_organizations,
    remediations_refuse_what_they_cannot_be,
    lowering_the_quorum_accepts_a_patch_that_meets_it,
);

async fn case_by(store: &Store, org: Uuid) -> Uuid {
    let report = NewReport {
        fingerprint: "bwk1:patchcase".into(),
        target: Some(Target::parse(TargetKind::Purl, "pkg:cargo/check@1.0.0").unwrap()),
        rule_id: Some("rust/out-of-bounds".into()),
        title: "index past the buffer's end".into(),
        location: Some("src/main.rs:2".into()),
        tool_name: None,
        tool_version: None,
        ai_model: None,
        ai_model_version: None,
        detail: serde_json::json!({}),
    };
    store
        .ingest_reports(
            &Actor::cli(),
            org,
            "application/json",
            b"{\"r\":1}",
            &[report],
            T0,
        )
        .await
        .unwrap()
        .cases[0]
}

fn patch(org: Uuid, model: Option<&str>) -> NewRemediation {
    NewRemediation {
        kind: RemediationKind::Patch,
        summary: "check the index".into(),
        details: None,
        fixed_versions: vec![],
        url: None,
        patch: Some(NewPatchFile {
            media_type: "text/x-diff".into(),
            bytes: b"--- a/f\n+++ b/f\n@@ -1 +1 @@\n-a\n+b\n".to_vec(),
            diffstat: serde_json::json!({"files": [{"path": "f", "added": 1, "removed": 1}]}),
        }),
        author: Some("Ada Example <ada@example.org>".into()),
        org_id: org,
        tool_name: model.map(|_| "patchbot".into()),
        tool_version: None,
        ai_model: model.map(str::to_owned),
        ai_model_version: model.map(|_| "2026-10".into()),
    }
}

fn check(check: PatchCheck, result: PatchCheckResult, org: Uuid) -> NewPatchValidation {
    NewPatchValidation {
        check,
        result,
        org_id: org,
        evidence: Some((
            "text/plain".into(),
            format!("{check} {result}").into_bytes(),
        )),
        note: None,
    }
}

async fn assert_counters_in_step(store: &Store) {
    let kept = store.patch_source_reliability().await.unwrap();
    let recount = store.recount_patch_reliability().await.unwrap();
    assert_eq!(kept, recount, "patch_source_stats out of step");
}

async fn a_patch_is_accepted_by_two_independent_organizations(store: Store) {
    let a = common::org_of(&store, "Reporter A", OrgKind::Researcher, T0).await;
    let v = common::org_of(&store, "Vendor V", OrgKind::Vendor, T0).await;
    let b = common::org_of(&store, "Checker B", OrgKind::Researcher, T0).await;
    let c = common::org_of(&store, "Checker C", OrgKind::Researcher, T0).await;
    let d = common::org_of(&store, "Outsider D", OrgKind::Researcher, T0).await;
    let case = case_by(&store, a).await;

    let fix = store
        .submit_remediation(
            &Actor::cli(),
            case,
            &NewRemediation {
                kind: RemediationKind::VendorFix,
                summary: "fixed in 1.0.1".into(),
                details: None,
                fixed_versions: vec!["1.0.1".into()],
                url: Some("https://example.org/check/releases/1.0.1".into()),
                patch: None,
                author: None,
                org_id: v,
                tool_name: None,
                tool_version: None,
                ai_model: None,
                ai_model_version: None,
            },
            T0,
        )
        .await
        .unwrap();
    assert_eq!(fix.state, RemediationState::Accepted);
    assert_eq!(fix.fixed_versions, ["1.0.1"]);

    let p = store
        .submit_remediation(&Actor::cli(), case, &patch(a, Some("gpt-x")), T0)
        .await
        .unwrap();
    assert_eq!(p.state, RemediationState::Proposed);
    let sha = p.document.clone().unwrap();
    let (media, bytes) = store.raw_document(&sha).await.unwrap();
    assert_eq!(media, "text/x-diff");
    assert!(bytes.starts_with(b"--- a/f"));
    assert_eq!(p.diffstat.as_ref().unwrap()["files"][0]["added"], 1);
    assert_counters_in_step(&store).await;

    // The submitter's organization does not check its own patch.
    let e = store
        .assign_patch_task(&Actor::cli(), case, p.id, PatchCheck::Applies, a, T0)
        .await
        .unwrap_err();
    assert!(matches!(e, StoreError::Invalid(_)), "{e:?}");
    // A vendor fix takes no tasks.
    let e = store
        .assign_patch_task(&Actor::cli(), case, fix.id, PatchCheck::Applies, b, T0)
        .await
        .unwrap_err();
    assert!(matches!(e, StoreError::Invalid(_)), "{e:?}");
    // Another case's id: not found.
    let e = store
        .assign_patch_task(
            &Actor::cli(),
            Uuid::now_v7(),
            p.id,
            PatchCheck::Applies,
            b,
            T0,
        )
        .await
        .unwrap_err();
    assert!(matches!(e, StoreError::NotFound), "{e:?}");

    assert!(!store.case_parties(case).await.unwrap().contains(&b));
    for org in [b, c] {
        for k in [
            PatchCheck::Applies,
            PatchCheck::Fixes,
            PatchCheck::TestsPass,
        ] {
            store
                .assign_patch_task(&Actor::cli(), case, p.id, k, org, T0)
                .await
                .unwrap();
        }
    }
    // Asking again is harmless.
    store
        .assign_patch_task(&Actor::cli(), case, p.id, PatchCheck::Fixes, b, T0)
        .await
        .unwrap();
    assert_eq!(store.patch_tasks(case).await.unwrap().len(), 6);
    let parties = store.case_parties(case).await.unwrap();
    assert!(
        parties.contains(&b) && parties.contains(&c),
        "tasks make parties"
    );

    let e = store
        .record_patch_validation(
            &Actor::cli(),
            case,
            p.id,
            &check(PatchCheck::Applies, PatchCheckResult::Passed, d),
            T0,
        )
        .await
        .unwrap_err();
    assert!(
        matches!(e, StoreError::Conflict(_)),
        "without a task: {e:?}"
    );

    let mut at = T0;
    let mut record = async |k, r, org| {
        at += Duration::minutes(1);
        store
            .record_patch_validation(&Actor::cli(), case, p.id, &check(k, r, org), at)
            .await
            .unwrap()
            .1
            .state
    };
    use PatchCheck::*;
    use PatchCheckResult::*;
    for k in [Applies, Fixes, TestsPass] {
        assert_eq!(record(k, Passed, b).await, RemediationState::Proposed);
    }
    assert_eq!(record(Applies, Passed, c).await, RemediationState::Proposed);
    assert_eq!(record(Fixes, Passed, c).await, RemediationState::Proposed);
    assert_eq!(
        record(TestsPass, Failed, c).await,
        RemediationState::Proposed,
        "a failure holds it back"
    );
    assert_eq!(
        record(TestsPass, Passed, c).await,
        RemediationState::Accepted,
        "the second independent organization passing every check accepts it"
    );
    let accepted = store.remediation(p.id).await.unwrap();
    assert_eq!(accepted.accepted_at, Some(at));

    let e = store
        .record_patch_validation(&Actor::cli(), case, p.id, &check(Applies, Failed, b), at)
        .await
        .unwrap_err();
    assert!(matches!(e, StoreError::Conflict(_)), "{e:?}");

    let stats = store.patch_source_reliability().await.unwrap();
    let model = stats.iter().find(|s| s.kind == "model").unwrap();
    assert_eq!(
        (model.source.as_str(), model.submitted, model.accepted),
        ("gpt-x 2026-10", 1, 1)
    );
    let org = stats.iter().find(|s| s.kind == "org").unwrap();
    assert_eq!((org.source.clone(), org.accepted), (a.to_string(), 1));
    assert_counters_in_step(&store).await;

    let actions: Vec<(String, String)> = store
        .audit_entries(AuditQuery {
            after_seq: 0,
            limit: 1000,
        })
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action.starts_with("case.patch") || e.action == "case.remediation")
        .map(|e| (e.action, e.resource_id))
        .collect();
    assert_eq!(
        actions.iter().filter(|a| a.0 == "case.remediation").count(),
        2
    );
    assert_eq!(
        actions.iter().filter(|a| a.0 == "case.patch_task").count(),
        6
    );
    assert_eq!(
        actions
            .iter()
            .filter(|a| a.0 == "case.patch_validation")
            .count(),
        7
    );
    assert_eq!(
        actions.last().unwrap(),
        &("case.patch_accepted".to_owned(), case.to_string())
    );
    assert!(store.audit_verify().await.unwrap().first_break.is_none());
}

async fn remediations_refuse_what_they_cannot_be(store: Store) {
    let a = common::org_of(&store, "Reporter A", OrgKind::Researcher, T0).await;
    let case = case_by(&store, a).await;
    let before = store.audit_verify().await.unwrap().entries;
    let mut no_file = patch(a, None);
    no_file.patch = None;
    let mut not_diff_media = patch(a, None);
    not_diff_media.patch.as_mut().unwrap().media_type = "application/json".into();
    let mut workaround_with_file = patch(a, None);
    workaround_with_file.kind = RemediationKind::Workaround;
    let mut fix_without_anything = patch(a, None);
    fix_without_anything.kind = RemediationKind::VendorFix;
    fix_without_anything.patch = None;
    let mut bad_url = patch(a, None);
    bad_url.url = Some("javascript:alert(1)".into());
    let mut blank = patch(a, None);
    blank.summary = " ".into();
    let mut version_alone = patch(a, None);
    version_alone.ai_model_version = Some("1".into());
    for bad in [
        no_file,
        not_diff_media,
        workaround_with_file,
        fix_without_anything,
        bad_url,
        blank,
        version_alone,
    ] {
        let e = store
            .submit_remediation(&Actor::cli(), case, &bad, T0)
            .await
            .unwrap_err();
        assert!(matches!(e, StoreError::Invalid(_)), "{bad:?}: {e:?}");
    }
    let e = store
        .submit_remediation(&Actor::cli(), Uuid::now_v7(), &patch(a, None), T0)
        .await
        .unwrap_err();
    assert!(matches!(e, StoreError::NotFound), "{e:?}");
    assert_eq!(
        store.audit_verify().await.unwrap().entries,
        before,
        "nothing written"
    );
    assert!(store.case_remediations(case).await.unwrap().is_empty());
    for n in [0, 11] {
        let e = store
            .set_patch_quorum(&Actor::cli(), case, PatchQuorum { organizations: n }, T0)
            .await
            .unwrap_err();
        assert!(matches!(e, StoreError::Invalid(_)), "{e:?}");
    }
    assert_eq!(
        store.patch_quorum(case).await.unwrap(),
        PatchQuorum::default()
    );
}

async fn lowering_the_quorum_accepts_a_patch_that_meets_it(store: Store) {
    let a = common::org_of(&store, "Reporter A", OrgKind::Researcher, T0).await;
    let b = common::org_of(&store, "Checker B", OrgKind::Researcher, T0).await;
    let case = case_by(&store, a).await;
    let p = store
        .submit_remediation(&Actor::cli(), case, &patch(a, None), T0)
        .await
        .unwrap();
    for k in [
        PatchCheck::Applies,
        PatchCheck::Fixes,
        PatchCheck::TestsPass,
    ] {
        store
            .assign_patch_task(&Actor::cli(), case, p.id, k, b, T0)
            .await
            .unwrap();
        let (_, r) = store
            .record_patch_validation(
                &Actor::cli(),
                case,
                p.id,
                &check(k, PatchCheckResult::Passed, b),
                T0,
            )
            .await
            .unwrap();
        assert_eq!(r.state, RemediationState::Proposed, "one of two");
    }
    store
        .set_patch_quorum(&Actor::cli(), case, PatchQuorum { organizations: 1 }, T0)
        .await
        .unwrap();
    assert_eq!(store.patch_quorum(case).await.unwrap().organizations, 1);
    assert_eq!(
        store.remediation(p.id).await.unwrap().state,
        RemediationState::Accepted
    );
    assert_eq!(store.patch_validations(case).await.unwrap().len(), 3);
    assert_counters_in_step(&store).await;
}
