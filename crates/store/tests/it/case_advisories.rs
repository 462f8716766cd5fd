//! Case advisories: tracking ids from the year's counter (unique and
//! gap-free, also when drafted concurrently), one advisory per case, changes
//! applied only to the row the caller read, revisions, released and public
//! instants kept once set, public only once, and `published_advisories`.
//! Every change audited. On both back-ends.

use std::collections::BTreeSet;

use bulwark_core::{OrgKind, Tlp};
use bulwark_store::{
    Actor, AdvisoryChange, AdvisoryDocuments, NewAdvisoryRevision, NewCaseAdvisory, NewReport,
    Store, StoreError, StoredCaseAdvisory,
};
use time::{Duration, OffsetDateTime, macros::datetime};
use uuid::Uuid;

use crate::common;

const T0: OffsetDateTime = datetime!(2026-11-27 12:00 UTC);

bulwark_store::both_backends!(
    tracking_ids_count_per_year_and_one_advisory_per_case,
    concurrent_drafts_take_distinct_consecutive_ids,
    a_change_applies_to_the_row_read_and_publication_happens_once,
);

async fn case(store: &Store, org: Uuid, fp: &str) -> Uuid {
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
            T0,
        )
        .await
        .expect("ingest")
        .cases[0]
}

fn new(case_id: Uuid, owner_org: Uuid) -> NewCaseAdvisory {
    NewCaseAdvisory {
        case_id,
        owner_org,
        content: r#"{"title":"t","summary":"s"}"#.into(),
        publication_tlp: Tlp::Clear,
        summary: "Initial draft".into(),
    }
}

fn tracking(id: &str) -> String {
    format!(r#"{{"id":"{id}"}}"#)
}

async fn audit_len(store: &Store) -> i64 {
    let v = store.audit_verify().await.expect("verify");
    assert!(v.first_break.is_none(), "{:?}", v.first_break);
    v.entries
}

async fn tracking_ids_count_per_year_and_one_advisory_per_case(store: Store) {
    let op = common::org_of(&store, "Clearinghouse", OrgKind::Researcher, T0).await;
    let c1 = case(&store, op, "bwk1:a").await;
    let c2 = case(&store, op, "bwk1:b").await;
    let c3 = case(&store, op, "bwk1:c").await;
    let before = audit_len(&store).await;
    let a1 = store
        .create_case_advisory(&Actor::cli(), &new(c1, op), tracking, T0)
        .await
        .unwrap();
    assert_eq!(a1.tracking_id, "BWK-2026-0001");
    assert_eq!(a1.tracking, r#"{"id":"BWK-2026-0001"}"#);
    assert_eq!(a1.status, "draft");
    assert_eq!(a1.released_at, None);
    let a2 = store
        .create_case_advisory(&Actor::cli(), &new(c2, op), tracking, T0)
        .await
        .unwrap();
    assert_eq!(a2.tracking_id, "BWK-2026-0002");
    // A new year starts at 1.
    let next_year = datetime!(2027-01-01 00:00 UTC);
    let a3 = store
        .create_case_advisory(&Actor::cli(), &new(c3, op), tracking, next_year)
        .await
        .unwrap();
    assert_eq!(a3.tracking_id, "BWK-2027-0001");
    assert_eq!(audit_len(&store).await, before + 3);
    // One per case; the refusal takes no number.
    let again = store
        .create_case_advisory(&Actor::cli(), &new(c1, op), tracking, T0)
        .await;
    assert!(
        matches!(again, Err(StoreError::Conflict(ref m)) if m.contains("BWK-2026-0001")),
        "{again:?}"
    );
    let unknown = store
        .create_case_advisory(&Actor::cli(), &new(Uuid::now_v7(), op), tracking, T0)
        .await;
    assert!(matches!(unknown, Err(StoreError::NotFound)), "{unknown:?}");
    let c4 = case(&store, op, "bwk1:d").await;
    let a4 = store
        .create_case_advisory(&Actor::cli(), &new(c4, op), tracking, T0)
        .await
        .unwrap();
    assert_eq!(a4.tracking_id, "BWK-2026-0003");
    // RED is refused.
    let c5 = case(&store, op, "bwk1:e").await;
    let red = NewCaseAdvisory {
        publication_tlp: Tlp::Red,
        ..new(c5, op)
    };
    assert!(matches!(
        store
            .create_case_advisory(&Actor::cli(), &red, tracking, T0)
            .await,
        Err(StoreError::Invalid(_))
    ));
    let revs = store.case_advisory_revisions(a1.id).await.unwrap();
    assert_eq!(revs.len(), 1);
    assert_eq!(
        (
            revs[0].number,
            revs[0].summary.as_str(),
            revs[0].csaf.as_deref()
        ),
        (1, "Initial draft", None)
    );
    assert_eq!(
        store.case_advisory_of_case(c1).await.unwrap().map(|a| a.id),
        Some(a1.id)
    );
    assert_eq!(store.case_advisories().await.unwrap().len(), 4);
}

async fn concurrent_drafts_take_distinct_consecutive_ids(store: Store) {
    let op = common::org_of(&store, "Clearinghouse", OrgKind::Researcher, T0).await;
    let mut cases = Vec::new();
    for i in 0..6 {
        cases.push(case(&store, op, &format!("bwk1:{i}")).await);
    }
    let mut tasks = Vec::new();
    for c in cases {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            loop {
                match store
                    .create_case_advisory(&Actor::cli(), &new(c, op), tracking, T0)
                    .await
                {
                    Ok(a) => return a.tracking_id,
                    // A concurrent writer got in the way: nothing written, retry.
                    Err(StoreError::Contention(_)) => continue,
                    Err(e) => panic!("{e}"),
                }
            }
        }));
    }
    let mut ids = BTreeSet::new();
    for t in tasks {
        ids.insert(t.await.unwrap());
    }
    let expected: BTreeSet<String> = (1..=6).map(|n| format!("BWK-2026-{n:04}")).collect();
    assert_eq!(ids, expected);
}

fn change(a: &StoredCaseAdvisory, event: &'static str) -> AdvisoryChange {
    AdvisoryChange {
        event,
        expected_updated_at: a.updated_at,
        status: a.status.clone(),
        content: a.content.clone(),
        tracking: a.tracking.clone(),
        publication_tlp: a.publication_tlp,
        revision: None,
        documents: None,
        released_at: None,
        published_at: None,
    }
}

async fn a_change_applies_to_the_row_read_and_publication_happens_once(store: Store) {
    let op = common::org_of(&store, "Clearinghouse", OrgKind::Researcher, T0).await;
    let c = case(&store, op, "bwk1:a").await;
    let a = store
        .create_case_advisory(&Actor::cli(), &new(c, op), tracking, T0)
        .await
        .unwrap();
    let t1 = T0 + Duration::minutes(1);
    let edited = store
        .save_case_advisory(
            &Actor::cli(),
            a.id,
            &AdvisoryChange {
                content: r#"{"title":"t2"}"#.into(),
                ..change(&a, "advisory.edit")
            },
            t1,
        )
        .await
        .unwrap();
    assert_eq!(edited.content, r#"{"title":"t2"}"#);
    // A change computed from the row before that edit is refused, and writes nothing.
    let before = audit_len(&store).await;
    let stale = store
        .save_case_advisory(
            &Actor::cli(),
            a.id,
            &AdvisoryChange {
                content: "{}".into(),
                ..change(&a, "advisory.edit")
            },
            t1,
        )
        .await;
    assert!(matches!(stale, Err(StoreError::Conflict(_))), "{stale:?}");
    assert_eq!(audit_len(&store).await, before);
    assert_eq!(
        store.case_advisory(a.id).await.unwrap().content,
        r#"{"title":"t2"}"#
    );
    assert!(store.published_advisories().await.unwrap().is_empty());

    // Released under embargo: documents written, revision 1 rewritten, not public.
    let t2 = T0 + Duration::minutes(2);
    let released = store
        .save_case_advisory(
            &Actor::cli(),
            a.id,
            &AdvisoryChange {
                status: "interim".into(),
                revision: Some(NewAdvisoryRevision {
                    number: 1,
                    at: t2,
                    summary: "Initial release".into(),
                    csaf: Some("C1".into()),
                    osv: Some("O1".into()),
                }),
                documents: Some(AdvisoryDocuments {
                    csaf: "C1".into(),
                    osv: "O1".into(),
                    vex: Some("V1".into()),
                    openvex: None,
                }),
                released_at: Some(t2),
                ..change(&edited, "advisory.release")
            },
            t2,
        )
        .await
        .unwrap();
    assert_eq!(
        (
            released.csaf.as_deref(),
            released.osv.as_deref(),
            released.vex.as_deref()
        ),
        (Some("C1"), Some("O1"), Some("V1"))
    );
    assert_eq!(
        (released.released_at, released.published_at),
        (Some(t2), None)
    );
    assert_eq!(
        store.released_unpublished_advisories().await.unwrap().len(),
        1
    );
    assert!(store.published_advisories().await.unwrap().is_empty());

    // Two concurrent publishers: one does it.
    let t3 = T0 + Duration::minutes(3);
    let cli = Actor::cli();
    let (x, y) = tokio::join!(
        store.make_advisory_public(&cli, a.id, t3),
        store.make_advisory_public(&cli, a.id, t3)
    );
    let wins = [x, y].into_iter().filter(|r| matches!(r, Ok(true))).count();
    assert_eq!(wins, 1);
    assert!(
        store
            .released_unpublished_advisories()
            .await
            .unwrap()
            .is_empty()
    );

    // A new revision: documents replaced, first release date kept.
    let public = store.case_advisory(a.id).await.unwrap();
    let t4 = T0 + Duration::minutes(4);
    store
        .save_case_advisory(
            &Actor::cli(),
            a.id,
            &AdvisoryChange {
                status: "final".into(),
                revision: Some(NewAdvisoryRevision {
                    number: 2,
                    at: t4,
                    summary: "Final".into(),
                    csaf: Some("C2".into()),
                    osv: Some("O2".into()),
                }),
                documents: Some(AdvisoryDocuments {
                    csaf: "C2".into(),
                    osv: "O2".into(),
                    vex: None,
                    openvex: None,
                }),
                released_at: Some(t4),
                published_at: Some(t4),
                ..change(&public, "advisory.revise")
            },
            t4,
        )
        .await
        .unwrap();
    let after = store.case_advisory(a.id).await.unwrap();
    assert_eq!(
        (after.released_at, after.published_at, after.vex.as_deref()),
        (Some(t2), Some(t3), None)
    );
    let published = store.published_advisories().await.unwrap();
    assert_eq!(published.len(), 1);
    let p = &published[0];
    assert_eq!(
        (
            p.tracking_id.as_str(),
            p.tlp,
            p.csaf.as_str(),
            p.osv.as_str()
        ),
        ("BWK-2026-0001", Tlp::Clear, "C2", "O2")
    );
    assert_eq!(
        (p.initial_release_date, p.current_release_date),
        (bulwark_core::to_micros(t2), bulwark_core::to_micros(t4))
    );
    let revs = store.case_advisory_revisions(a.id).await.unwrap();
    assert_eq!(
        revs.iter()
            .map(|r| (r.number, r.status.as_str()))
            .collect::<Vec<_>>(),
        vec![(1, "interim"), (2, "final")]
    );
    audit_len(&store).await;
}
