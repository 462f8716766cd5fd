//! Remediation on a case through the use cases, on both back-ends: who may
//! submit (the case's parties' writers; an outsider learns nothing), a
//! file that is not a diff refused with its line and nothing kept, a
//! patch accepted by two organizations other than its author's, and what
//! an advisory draft takes from the case (`patches::remediations`): the
//! vendor's fix, an accepted third-party patch as a mitigation pointing at
//! its file, the vendor's own accepted patch as a vendor fix, nothing
//! proposed.

mod common;

use std::sync::Arc;

use bulwark_app::cases::patches::{self, PatchIn, PatchTaskIn, PatchValidationIn, RemediationIn};
use bulwark_app::{Acting, App, Config, ErrorKind};
use bulwark_authz::Authorizer;
use bulwark_core::{FixedClock, OrgKind, Role, Target, TargetKind};
use bulwark_distribution::model::RemediationCategory;
use bulwark_store::{Actor, NewReport, Store};
use time::OffsetDateTime;
use time::macros::datetime;
use uuid::Uuid;

const T0: OffsetDateTime = datetime!(2026-12-01 09:00 UTC);
/// `git format-patch` output (see the intake crate's fixtures README).
const FORMAT_PATCH: &[u8] =
    include_bytes!("../../intake/tests/fixtures/patch/git-format-patch.patch");
const PLAIN: &[u8] = include_bytes!("../../intake/tests/fixtures/patch/plain-diff-u.diff");

bulwark_store::both_backends!(remediation_from_submission_to_an_advisory_draft);

async fn org(store: &Store, name: &str, kind: OrgKind) -> Uuid {
    common::org(store, name, kind, T0).await
}

async fn member(store: &Store, org: Uuid, username: &str, role: Role) -> Acting {
    common::member(store, org, username, role, T0).await
}

fn all_passed(check: &str) -> PatchValidationIn {
    PatchValidationIn {
        check: check.into(),
        result: "passed".into(),
        note: None,
        evidence: Some(format!("{check}: ok")),
        evidence_media_type: None,
    }
}

async fn remediation_from_submission_to_an_advisory_draft(store: Store) {
    let app = App::new(
        store.clone(),
        Authorizer::new().expect("policy"),
        Arc::new(FixedClock::new(T0)),
        Config::default(),
    );
    let operator = org(&store, "Clearinghouse", OrgKind::Operator).await;
    let r = org(&store, "Uni R", OrgKind::Researcher).await;
    let v = org(&store, "Vendor V", OrgKind::Vendor).await;
    let b = org(&store, "Lab B", OrgKind::Researcher).await;
    let c = org(&store, "Lab C", OrgKind::Researcher).await;
    let d = org(&store, "Lab D", OrgKind::Researcher).await;
    let op = member(&store, operator, "op", Role::Analyst).await;
    let reporter = member(&store, r, "r1", Role::Analyst).await;
    let reporter_viewer = member(&store, r, "r2", Role::Viewer).await;
    let vendor = member(&store, v, "v1", Role::Analyst).await;
    let lab_b = member(&store, b, "b1", Role::Analyst).await;
    let lab_c = member(&store, c, "c1", Role::Analyst).await;
    let outsider = member(&store, d, "d1", Role::Admin).await;

    let report = NewReport {
        fingerprint: "bwk1:app-patch".into(),
        target: Some(Target::parse(TargetKind::Purl, "pkg:cargo/check@1.0.0").unwrap()),
        rule_id: None,
        title: "index past the end".into(),
        location: None,
        tool_name: None,
        tool_version: None,
        ai_model: None,
        ai_model_version: None,
        detail: serde_json::json!({}),
    };
    let case = store
        .ingest_reports(&Actor::cli(), r, "application/json", b"{}", &[report], T0)
        .await
        .unwrap()
        .cases[0];
    store
        .notify_vendor(&Actor::cli(), case, v, T0)
        .await
        .unwrap();

    let meta = || PatchIn {
        ai_model: Some("gpt-x".into()),
        ..PatchIn::default()
    };
    // Who may submit.
    let e = patches::submit_patch(
        &app,
        &outsider,
        case,
        meta(),
        "text/x-patch",
        FORMAT_PATCH.to_vec(),
    )
    .await
    .unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotFound, "an outsider learns nothing");
    let e = patches::submit_patch(
        &app,
        &reporter_viewer,
        case,
        meta(),
        "text/x-patch",
        FORMAT_PATCH.to_vec(),
    )
    .await
    .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Forbidden);
    // Not a diff: refused with its line, nothing kept.
    let before = store.audit_verify().await.unwrap().entries;
    let e = patches::submit_patch(
        &app,
        &reporter,
        case,
        meta(),
        "text/x-diff",
        b"+++ b/x\n".to_vec(),
    )
    .await
    .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Validation);
    assert!(
        e.detail.starts_with("patch: line 1: not a diff"),
        "{}",
        e.detail
    );
    assert_eq!(e.extensions["line"], 1);
    assert_eq!(store.audit_verify().await.unwrap().entries, before);
    let e = patches::submit(
        &app,
        &reporter,
        case,
        RemediationIn {
            kind: "patch".into(),
            summary: "x".into(),
            details: None,
            fixed_versions: vec![],
            url: None,
        },
    )
    .await
    .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Validation, "a patch comes as its file");

    let third_party = patches::submit_patch(
        &app,
        &reporter,
        case,
        meta(),
        "text/x-patch",
        FORMAT_PATCH.to_vec(),
    )
    .await
    .unwrap();
    let vendors_patch = patches::submit_patch(
        &app,
        &vendor,
        case,
        PatchIn {
            summary: Some("Bounds check".into()),
            ..PatchIn::default()
        },
        "text/x-diff",
        PLAIN.to_vec(),
    )
    .await
    .unwrap();
    let fix = patches::submit(
        &app,
        &vendor,
        case,
        RemediationIn {
            kind: "vendor_fix".into(),
            summary: "Upgrade.".into(),
            details: None,
            fixed_versions: vec!["1.0.1".into()],
            url: Some("https://example.org/check/1.0.1".into()),
        },
    )
    .await
    .unwrap();
    assert_eq!(fix.state, "accepted");

    // Tasks are the clearinghouse's.
    let ask = |org| PatchTaskIn { org, checks: None };
    let e = patches::assign(&app, &vendor, case, third_party.id, ask(b))
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Forbidden);
    for org in [b, c] {
        patches::assign(&app, &op, case, third_party.id, ask(org))
            .await
            .unwrap();
    }
    patches::assign(&app, &op, case, vendors_patch.id, ask(b))
        .await
        .unwrap();
    let mut last = None;
    for who in [&lab_b, &lab_c] {
        for check in ["applies", "fixes", "tests_pass"] {
            last = Some(
                patches::validate(&app, who, case, third_party.id, all_passed(check))
                    .await
                    .unwrap(),
            );
        }
    }
    let accepted = last.unwrap();
    assert_eq!(accepted.state, "accepted");
    assert_eq!(accepted.quorum.as_ref().unwrap().passed, vec![b, c]);

    // The draft takes the vendor's fix and the accepted patch, not the
    // vendor's proposed one.
    let rems = patches::remediations(&app, case).await.unwrap();
    assert_eq!(rems.len(), 2, "{rems:?}");
    let mitigation = rems
        .iter()
        .find(|r| r.category == RemediationCategory::Mitigation)
        .expect("the third party's patch");
    assert_eq!(
        mitigation.url.as_deref(),
        Some(patches::patch_path(case, third_party.id).as_str())
    );
    let vendor_fix = rems
        .iter()
        .find(|r| r.category == RemediationCategory::VendorFix)
        .expect("the vendor's fix");
    assert!(
        vendor_fix.details.contains("Fixed in: 1.0.1"),
        "{vendor_fix:?}"
    );

    // A quorum of one accepts the vendor's patch, which is a vendor fix.
    for check in ["applies", "fixes", "tests_pass"] {
        patches::validate(&app, &lab_b, case, vendors_patch.id, all_passed(check))
            .await
            .unwrap();
    }
    let out = patches::set_quorum(&app, &op, case, patches::PatchQuorumIn { organizations: 1 })
        .await
        .unwrap();
    assert!(out.items.iter().all(|i| i.state == "accepted"));
    let rems = patches::remediations(&app, case).await.unwrap();
    assert_eq!(
        rems.iter()
            .filter(|r| r.category == RemediationCategory::VendorFix)
            .count(),
        2
    );
}
