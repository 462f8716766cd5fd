//! A case's SSVC assessment: set, replaced, removed, each change audited in
//! its transaction and nothing written when nothing changes; values outside
//! the normalised words refused; the assessments of pending cases only; and
//! the triage queue's two reads for them (entries of given cases, the queue
//! without given cases). On both back-ends.

use std::collections::HashSet;

use bulwark_core::{CaseState, OrgKind};
use bulwark_store::{Actor, Assessment, NewReport, Store, StoreError, TriageEntry};
use time::{Duration, OffsetDateTime, macros::datetime};
use uuid::Uuid;

use crate::common;

const T0: OffsetDateTime = datetime!(2026-11-27 12:00 UTC);

bulwark_store::both_backends!(
    an_assessment_is_set_replaced_and_removed_with_its_audit,
    only_pending_cases_assessments_are_listed,
    the_queue_reads_given_cases_and_skips_excluded_ones,
);

async fn org(store: &Store, name: &str) -> Uuid {
    common::org_of(store, name, OrgKind::Researcher, T0).await
}

/// Ingests one report as `org` at `T0 + minutes`; returns its case.
async fn case(store: &Store, org: Uuid, fp: &str, minutes: i64) -> Uuid {
    let r = NewReport {
        fingerprint: fp.into(),
        target: None,
        rule_id: Some("c/overflow".into()),
        title: format!("finding {fp}"),
        location: None,
        tool_name: Some("Scan".into()),
        tool_version: None,
        ai_model: None,
        ai_model_version: None,
        detail: serde_json::json!({}),
    };
    store
        .ingest_reports(
            &Actor::cli(),
            org,
            "application/sarif+json",
            fp.as_bytes(),
            &[r],
            T0 + Duration::minutes(minutes),
        )
        .await
        .expect("ingest")
        .cases[0]
}

fn assessed(exploitation: &str, cve: Option<&str>) -> Assessment {
    Assessment {
        exploitation: Some(exploitation.into()),
        automatable: Some("yes".into()),
        technical_impact: None,
        mission_wellbeing: Some("medium".into()),
        cve: cve.map(str::to_owned),
    }
}

async fn audit_len(store: &Store) -> i64 {
    let v = store.audit_verify().await.expect("verify");
    assert!(v.first_break.is_none(), "{:?}", v.first_break);
    v.entries
}

async fn an_assessment_is_set_replaced_and_removed_with_its_audit(store: Store) {
    let lab = org(&store, "Lab").await;
    let c = case(&store, lab, "bwk1:a", 0).await;
    let analyst = Actor {
        user: None,
        org: Some(lab),
        request_id: Some("req-1".into()),
    };
    assert_eq!(store.case_assessment(c).await.unwrap(), None);

    // Set: one audit entry, who and when kept.
    let before = audit_len(&store).await;
    let first = assessed("public_poc", Some("CVE-2024-1708"));
    let (got, changed) = store
        .set_case_assessment(&analyst, c, &first, T0 + Duration::hours(1))
        .await
        .unwrap();
    assert!(changed);
    let got = got.expect("an assessment");
    assert_eq!(got.assessment, first);
    assert_eq!(got.set_by_org, Some(lab));
    assert_eq!(got.set_at, T0 + Duration::hours(1));
    assert_eq!(store.case_assessment(c).await.unwrap(), Some(got.clone()));
    assert_eq!(audit_len(&store).await, before + 1);
    let last = store.audit_latest(1).await.unwrap();
    assert_eq!(last[0].action, "case.assessment");
    assert_eq!(last[0].resource_id, c.to_string());
    assert!(last[0].detail.contains("public_poc"), "{}", last[0].detail);

    // The same again: nothing written, not even the time.
    let (same, changed) = store
        .set_case_assessment(&Actor::cli(), c, &first, T0 + Duration::hours(2))
        .await
        .unwrap();
    assert!(!changed);
    assert_eq!(same, Some(got));
    assert_eq!(audit_len(&store).await, before + 1);

    // Replaced: a change, audited, by its new setter at its new time.
    let second = assessed("active", None);
    let (now, changed) = store
        .set_case_assessment(&Actor::cli(), c, &second, T0 + Duration::hours(3))
        .await
        .unwrap();
    assert!(changed);
    let now = now.expect("an assessment");
    assert_eq!(now.assessment, second);
    assert_eq!(now.set_by_org, None);
    assert_eq!(now.set_at, T0 + Duration::hours(3));
    assert_eq!(audit_len(&store).await, before + 2);

    // Removed by an empty assessment; removing again changes nothing.
    let (gone, changed) = store
        .set_case_assessment(&Actor::cli(), c, &Assessment::default(), T0)
        .await
        .unwrap();
    assert!(changed);
    assert_eq!(gone, None);
    assert_eq!(store.case_assessment(c).await.unwrap(), None);
    assert_eq!(audit_len(&store).await, before + 3);
    let (_, changed) = store
        .set_case_assessment(&Actor::cli(), c, &Assessment::default(), T0)
        .await
        .unwrap();
    assert!(!changed);
    assert_eq!(audit_len(&store).await, before + 3);

    // Refusals write nothing: raw words, a malformed CVE, an unknown case.
    for (bad, field) in [
        (assessed("poc", None), "exploitation"),
        (assessed("Active", None), "exploitation"),
        (
            Assessment {
                technical_impact: Some("high".into()),
                ..Assessment::default()
            },
            "technical_impact",
        ),
        (
            Assessment {
                mission_wellbeing: Some("critical".into()),
                ..Assessment::default()
            },
            "mission_wellbeing",
        ),
        (assessed("none", Some("cve-2024-1708")), "cve"),
        (assessed("none", Some("CVE-2024-17")), "cve"),
    ] {
        match store.set_case_assessment(&Actor::cli(), c, &bad, T0).await {
            Err(StoreError::Invalid(msg)) => assert!(msg.starts_with(field), "{msg}"),
            other => panic!("{bad:?} accepted: {other:?}"),
        }
    }
    assert!(matches!(
        store
            .set_case_assessment(&Actor::cli(), Uuid::from_u128(42), &first, T0)
            .await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(store.case_assessment(c).await.unwrap(), None);
    assert_eq!(audit_len(&store).await, before + 3);

    // The database refuses what the store would: the CHECK constraints.
    let hex: String = c.simple().to_string();
    let id_sql = match store.backend_name() {
        "sqlite" => format!("X'{hex}'"),
        _ => format!("'{c}'"),
    };
    for (column, value) in [
        ("exploitation", "'public poc'"),
        ("automatable", "'maybe'"),
        ("cve", "'CVE-2024-17x8'"),
    ] {
        let sql = format!(
            "INSERT INTO case_assessments (case_id, {column}, set_at) VALUES ({id_sql}, {value}, 0)"
        );
        assert!(
            store.execute_unchecked(&sql).await.is_err(),
            "{column} = {value} accepted"
        );
    }
    // ...and takes the normalised words (so the refusals above were the CHECKs').
    let sql = format!(
        "INSERT INTO case_assessments (case_id, exploitation, automatable, cve, set_at) \
         VALUES ({id_sql}, 'public_poc', 'no', 'CVE-2024-1234567', 0)"
    );
    store
        .execute_unchecked(&sql)
        .await
        .expect("normalised words");
    let kept = store.case_assessment(c).await.unwrap().expect("inserted");
    assert_eq!(kept.assessment.cve.as_deref(), Some("CVE-2024-1234567"));
}

async fn only_pending_cases_assessments_are_listed(store: Store) {
    let lab = org(&store, "Lab").await;
    let a = case(&store, lab, "bwk1:a", 0).await;
    let b = case(&store, lab, "bwk1:b", 1).await;
    let rejected = case(&store, lab, "bwk1:r", 2).await;
    let merged = case(&store, lab, "bwk1:m", 3).await;
    let unassessed = case(&store, lab, "bwk1:u", 4).await;
    let actor = Actor::cli();
    for c in [a, b, rejected, merged] {
        store
            .set_case_assessment(&actor, c, &assessed("active", None), T0)
            .await
            .unwrap();
    }
    store
        .set_case_state(&actor, b, CaseState::Triaged, T0)
        .await
        .unwrap();
    store
        .set_case_state(&actor, rejected, CaseState::Rejected, T0)
        .await
        .unwrap();
    store.merge_cases(&actor, a, merged, T0).await.unwrap();

    let listed: HashSet<Uuid> = store
        .pending_case_assessments()
        .await
        .unwrap()
        .into_iter()
        .map(|x| x.case_id)
        .collect();
    assert_eq!(listed, HashSet::from([a, b]));
    assert!(!listed.contains(&unassessed));
    // A case that left the queue keeps its assessment.
    assert!(store.case_assessment(rejected).await.unwrap().is_some());
}

async fn the_queue_reads_given_cases_and_skips_excluded_ones(store: Store) {
    let lab = org(&store, "Lab").await;
    let other = org(&store, "Other").await;
    let mut cases = Vec::new();
    for i in 0..8 {
        let by = if i % 2 == 0 { lab } else { other };
        cases.push(case(&store, by, &format!("bwk1:q{i}"), i).await);
    }
    // Rejected: not pending, so neither listed nor read.
    store
        .set_case_state(&Actor::cli(), cases[7], CaseState::Rejected, T0)
        .await
        .unwrap();
    let full = store.triage_page(0, 100).await.unwrap();
    assert_eq!(full.len(), 7);

    // The entries of given cases are the queue's, in the order asked.
    let asked = [cases[5], cases[7], cases[0], Uuid::from_u128(42), cases[2]];
    let got = store.triage_entries(&asked).await.unwrap();
    let ids: Vec<Uuid> = got.iter().map(|e| e.case_id).collect();
    assert_eq!(ids, [cases[5], cases[0], cases[2]]);
    let in_queue =
        |id: Uuid| -> &TriageEntry { full.iter().find(|e| e.case_id == id).expect("in the queue") };
    for e in &got {
        assert_eq!(e, in_queue(e.case_id));
        assert!(e.basis.is_some());
    }
    assert!(store.triage_entries(&[]).await.unwrap().is_empty());

    // The queue without some cases: the others, in the same order, paged.
    let excluded: HashSet<Uuid> = [cases[0], cases[3], cases[6]].into();
    let rest: Vec<Uuid> = full
        .iter()
        .map(|e| e.case_id)
        .filter(|id| !excluded.contains(id))
        .collect();
    let all = store
        .triage_page_excluding(&excluded, 0, 100)
        .await
        .unwrap();
    assert_eq!(all.iter().map(|e| e.case_id).collect::<Vec<_>>(), rest);
    let page = store.triage_page_excluding(&excluded, 1, 2).await.unwrap();
    assert_eq!(
        page.iter().map(|e| e.case_id).collect::<Vec<_>>(),
        rest[1..3]
    );
}
