//! Inventories and obligations in the store, on both back-ends: systems
//! and their unique names, attaching only the agency's own SBOMs (and the
//! same refusal for none), a batch of changes written once (a create that
//! meets an existing obligation changes nothing), every change an event
//! and each batch one audit entry, answers, an extension kept over a
//! revision, exceptions closing, notices sent once, and counts that agree
//! with the rows.

use bulwark_core::{Answer, ObligationState, OrgKind, RequestKind, Tri};
use bulwark_store::{
    Actor, CountBy, NewObligation, NewSbom, NewSystem, ObligationChange, ObligationFilter,
    PageRequest, Revision, Store, StoreError,
};
use serde_json::json;
use time::macros::datetime;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use crate::common::org_of;

const T0: OffsetDateTime = datetime!(2026-08-10 12:00 UTC);

bulwark_store::both_backends!(
    systems_are_the_agencys_and_take_only_its_sboms,
    obligation_batches_are_written_once_with_their_events,
    answers_requests_and_notices_keep_history,
);

async fn audit_len(store: &Store) -> i64 {
    store.audit_verify().await.expect("verify").entries
}

fn system(org: Uuid, name: &str) -> NewSystem {
    NewSystem {
        org_id: org,
        name: name.into(),
        fisma_id: Some(format!("FISMA-{name}")),
        high_value_asset: Tri::Unknown,
        publicly_exposed: Tri::Yes,
        national_security: false,
        owners: vec!["isso@example.gov".into()],
    }
}

fn sbom(org: Uuid) -> NewSbom {
    NewSbom {
        org_id: org,
        name: "app 1".into(),
        format: "CycloneDX JSON".into(),
        spec_version: "1.4".into(),
        media_type: "application/vnd.cyclonedx+json".into(),
        document: format!(
            "{{\"bomFormat\":\"CycloneDX\",\"serialNumber\":\"{}\"}}",
            Uuid::now_v7()
        )
        .into_bytes(),
        tlp: bulwark_core::Tlp::Amber,
        components: Vec::new(),
    }
}

fn obligation(org: Uuid, system: Uuid, vuln: &str, due_days: i64) -> NewObligation {
    NewObligation {
        org_id: org,
        system_id: system,
        subject: "purl:pkg:cargo/smallvec@1.6.0".into(),
        subject_kind: "component".into(),
        subject_name: "smallvec".into(),
        subject_version: Some("1.6.0".into()),
        vulnerability: vuln.into(),
        directive_id: "BOD-26-04".into(),
        directive_version: "1.0.0".into(),
        rule: "row-09".into(),
        action: "remediate".into(),
        timeline: format!("{due_days} days"),
        trigger_at: T0,
        due_at: Some(T0 + Duration::days(due_days)),
        forensic: false,
        evaluation: json!({"explanation": ["test"]}),
    }
}

async fn systems_are_the_agencys_and_take_only_its_sboms(store: Store) {
    let a = org_of(&store, "Interior", OrgKind::Agency, T0).await;
    let b = org_of(&store, "Energy", OrgKind::Agency, T0).await;
    let org = store.organization(a).await.expect("org");
    assert_eq!(org.agency_track, Some(bulwark_core::AgencyTrack::Civilian));
    let s = store
        .create_system(&Actor::cli(), &system(a, "web"), T0)
        .await
        .expect("system");
    assert_eq!(s.owners, ["isso@example.gov"]);
    let again = store
        .create_system(&Actor::cli(), &system(a, "web"), T0)
        .await;
    assert!(matches!(again, Err(StoreError::Conflict(_))), "{again:?}");
    // Another agency may use the same name.
    store
        .create_system(&Actor::cli(), &system(b, "web"), T0)
        .await
        .expect("other agency");
    let theirs = store
        .create_sbom(&Actor::cli(), &sbom(b), T0)
        .await
        .expect("sbom");
    let ours = store
        .create_sbom(&Actor::cli(), &sbom(a), T0)
        .await
        .expect("sbom");
    let foreign = store
        .attach_sbom(&Actor::cli(), s.id, theirs.id, None, T0)
        .await
        .unwrap_err()
        .to_string();
    let nothing = Uuid::now_v7();
    let missing = store
        .attach_sbom(&Actor::cli(), s.id, nothing, None, T0)
        .await
        .unwrap_err()
        .to_string();
    // The same words for both, but for the id: ids do not leak.
    assert_eq!(
        foreign.replace(&theirs.id.to_string(), "X"),
        missing.replace(&nothing.to_string(), "X")
    );
    store
        .attach_sbom(&Actor::cli(), s.id, ours.id, None, T0)
        .await
        .expect("attach");
    let newer = store
        .create_sbom(&Actor::cli(), &sbom(a), T0)
        .await
        .expect("sbom");
    store
        .attach_sbom(
            &Actor::cli(),
            s.id,
            newer.id,
            Some(ours.id),
            T0 + Duration::hours(1),
        )
        .await
        .expect("replace");
    let attached = store.system_sboms(s.id).await.expect("attached");
    assert_eq!(attached.len(), 2, "the replaced one stays in the history");
    let old = attached.iter().find(|x| x.sbom_id == ours.id).expect("old");
    assert_eq!(old.replaced_by, Some(newer.id));
    assert!(old.detached_at.is_some());
    assert_eq!(store.sbom_systems(newer.id).await.expect("systems"), [s.id]);
    assert!(
        store
            .sbom_systems(ours.id)
            .await
            .expect("systems")
            .is_empty()
    );
}

async fn obligation_batches_are_written_once_with_their_events(store: Store) {
    let a = org_of(&store, "Interior", OrgKind::Agency, T0).await;
    let s = store
        .create_system(&Actor::cli(), &system(a, "web"), T0)
        .await
        .expect("system");
    let before = audit_len(&store).await;
    let batch = vec![
        ObligationChange::Create(obligation(a, s.id, "CVE-2021-25900", 14)),
        ObligationChange::Create(obligation(a, s.id, "CVE-2023-36053", 60)),
    ];
    let applied = store
        .apply_obligation_changes(&Actor::cli(), &batch, "test", T0)
        .await
        .expect("apply");
    assert_eq!(applied.created.len(), 2);
    // Two obligations, one audit entry for the batch, one outbox event per
    // system and kind (audited too).
    assert_eq!(audit_len(&store).await, before + 2);
    // The same creates again: nothing.
    let again = store
        .apply_obligation_changes(&Actor::cli(), &batch, "test", T0)
        .await
        .expect("apply");
    assert!(again.is_empty(), "{again:?}");
    assert_eq!(
        audit_len(&store).await,
        before + 2,
        "nothing changed, nothing audited"
    );
    let first = store.obligation(applied.created[0]).await.expect("one");
    assert_eq!(first.due_at, Some(T0 + Duration::days(14)));
    assert_eq!(first.directive_due_at, first.due_at);
    // A revision moves the date and says why; a close ends it; a reopen
    // brings it back without its answer.
    let revision = Revision {
        directive_version: "1.0.0".into(),
        rule: "row-01".into(),
        action: "remediate".into(),
        timeline: "3 days".into(),
        trigger_at: T0,
        due_at: Some(T0 + Duration::days(3)),
        forensic: true,
        evaluation: json!({"explanation": ["now in KEV"]}),
    };
    store
        .apply_obligation_changes(
            &Actor::cli(),
            &[ObligationChange::Revise {
                id: first.id,
                revision: revision.clone(),
                reason: "KEV 2026.08.02".into(),
            }],
            "KEV 2026.08.02",
            T0,
        )
        .await
        .expect("revise");
    let revised = store.obligation(first.id).await.expect("one");
    assert_eq!(
        (revised.rule.as_str(), revised.due_at),
        ("row-01", Some(T0 + Duration::days(3)))
    );
    let events = store.obligation_events(first.id).await.expect("events");
    let kinds: Vec<_> = events.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(kinds, ["created", "revised"]);
    assert_eq!(events[1].detail["reason"], "KEV 2026.08.02");
    assert_eq!(events[1].detail["before"]["rule"], "row-09");
    store
        .apply_obligation_changes(
            &Actor::cli(),
            &[ObligationChange::Close {
                id: first.id,
                reason: "gone".into(),
            }],
            "SBOM replaced",
            T0,
        )
        .await
        .expect("close");
    let closed = store.obligation(first.id).await.expect("one");
    assert_eq!(
        (closed.state, closed.closed_reason.as_deref()),
        (ObligationState::Closed, Some("gone"))
    );
    store
        .apply_obligation_changes(
            &Actor::cli(),
            &[ObligationChange::Reopen {
                id: first.id,
                revision,
                reason: "back".into(),
            }],
            "SBOM replaced again",
            T0,
        )
        .await
        .expect("reopen");
    let back = store.obligation(first.id).await.expect("one");
    assert_eq!((back.state, back.closed_at), (ObligationState::Open, None));
    // Counts agree with the rows: at T0 + 5 days, the 3-day one is overdue,
    // the 60-day one open and not due soon.
    let now = T0 + Duration::days(5);
    let counts = store
        .obligation_counts(
            CountBy::Org,
            &ObligationFilter::default(),
            now,
            now + Duration::days(7),
        )
        .await
        .expect("counts");
    assert_eq!(counts.len(), 1);
    assert_eq!(counts[0].key, a.to_string());
    assert_eq!(
        (
            counts[0].open,
            counts[0].overdue,
            counts[0].due_soon,
            counts[0].closed
        ),
        (2, 1, 0, 0)
    );
    let late = store
        .obligations(
            &ObligationFilter {
                overdue_at: Some(now),
                ..ObligationFilter::default()
            },
            PageRequest::default(),
        )
        .await
        .expect("overdue");
    assert_eq!(
        late.items.iter().map(|o| o.id).collect::<Vec<_>>(),
        [first.id]
    );
}

async fn answers_requests_and_notices_keep_history(store: Store) {
    let a = org_of(&store, "Interior", OrgKind::Agency, T0).await;
    let s = store
        .create_system(&Actor::cli(), &system(a, "web"), T0)
        .await
        .expect("system");
    let made = store
        .apply_obligation_changes(
            &Actor::cli(),
            &[
                ObligationChange::Create(obligation(a, s.id, "CVE-2021-25900", 2)),
                ObligationChange::Create(obligation(a, s.id, "CVE-2023-36053", 2)),
            ],
            "test",
            T0,
        )
        .await
        .expect("apply");
    let (x, y) = (made.created[0], made.created[1]);
    // An extension asked and approved puts its date in force; the
    // directive's stays.
    let r = store
        .request_on_obligation(
            &Actor::cli(),
            x,
            RequestKind::Extension,
            Some(T0 + Duration::days(30)),
            "vendor patch",
            T0,
        )
        .await
        .expect("request");
    let twice = store
        .request_on_obligation(
            &Actor::cli(),
            x,
            RequestKind::Extension,
            Some(T0 + Duration::days(40)),
            "again",
            T0,
        )
        .await;
    assert!(matches!(twice, Err(StoreError::Conflict(_))), "{twice:?}");
    store
        .decide_request(
            &Actor::cli(),
            r.id,
            true,
            Some(T0 + Duration::days(20)),
            Some("firewall rule"),
            None,
            T0,
        )
        .await
        .expect("decide");
    let o = store.obligation(x).await.expect("one");
    assert_eq!(o.due_at, Some(T0 + Duration::days(20)));
    assert_eq!(o.directive_due_at, Some(T0 + Duration::days(2)));
    let again = store
        .decide_request(&Actor::cli(), r.id, false, None, None, None, T0)
        .await;
    assert!(matches!(again, Err(StoreError::Conflict(_))), "{again:?}");
    // An exception approved closes the other.
    let e = store
        .request_on_obligation(
            &Actor::cli(),
            y,
            RequestKind::Exception,
            None,
            "air-gapped",
            T0,
        )
        .await
        .expect("request");
    store
        .decide_request(&Actor::cli(), e.id, true, None, None, None, T0)
        .await
        .expect("decide");
    let o = store.obligation(y).await.expect("one");
    assert_eq!(
        (o.state, o.closed_reason.as_deref()),
        (ObligationState::Closed, Some("exception approved"))
    );
    // Answers: in progress keeps it open, remediated closes it; both kept.
    store
        .answer_obligation(
            &Actor::cli(),
            x,
            Answer::InProgress,
            &json!({"note": "on it"}),
            T0,
        )
        .await
        .expect("answer");
    store
        .answer_obligation(
            &Actor::cli(),
            x,
            Answer::Remediated,
            &json!({"evidence": "CHG-1"}),
            T0,
        )
        .await
        .expect("answer");
    let o = store.obligation(x).await.expect("one");
    assert_eq!(
        (o.state, o.answer),
        (ObligationState::Closed, Some(Answer::Remediated))
    );
    let kinds: Vec<String> = store
        .obligation_events(x)
        .await
        .expect("events")
        .into_iter()
        .map(|e| e.kind)
        .collect();
    assert_eq!(
        kinds,
        ["created", "requested", "decided", "answered", "answered"]
    );
    // Notices: reopen x by answering in progress again, then mark a stage
    // once; a second mark of the same stage sends nothing.
    store
        .answer_obligation(&Actor::cli(), x, Answer::InProgress, &json!({}), T0)
        .await
        .expect("answer");
    let due = store
        .obligations_for_notice(T0 + Duration::days(30), "7d", 100)
        .await
        .expect("due");
    assert_eq!(due.iter().map(|o| o.id).collect::<Vec<_>>(), [x]);
    store
        .mark_notices(&Actor::cli(), &due, "7d", &[], "obligation.due_soon", T0)
        .await
        .expect("mark");
    store
        .mark_notices(&Actor::cli(), &due, "7d", &[], "obligation.due_soon", T0)
        .await
        .expect("mark again");
    let notices = store
        .obligation_events(x)
        .await
        .expect("events")
        .into_iter()
        .filter(|e| e.kind == "notice")
        .count();
    assert_eq!(notices, 1);
    assert!(
        store
            .obligations_for_notice(T0 + Duration::days(30), "7d", 100)
            .await
            .expect("due")
            .is_empty()
    );
}
