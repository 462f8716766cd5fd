//! The CSAF sources the clearinghouse subscribes to and what their runs saw
//! (migration 0029), on both back-ends.

use bulwark_store::{
    Actor, CsafRunCounts, CsafSourceDocument, CsafSourceRun, CsafSourceUpdate, NewCsafSource,
    Store, StoreError,
};
use time::{Duration, OffsetDateTime, macros::datetime};

const T0: OffsetDateTime = datetime!(2026-12-07 09:00 UTC);
const URL: &str = "https://provider.example/.well-known/csaf/provider-metadata.json";

bulwark_store::both_backends!(
    sources_are_added_changed_and_removed,
    a_run_records_its_counts_and_the_documents_state,
);

fn new(url: &str, interval_secs: i64) -> NewCsafSource {
    NewCsafSource {
        url: url.into(),
        added_by: None,
        interval_secs,
        keys: None,
    }
}

fn doc(
    url: &str,
    sha: Option<&str>,
    refused: Option<&str>,
    at: OffsetDateTime,
) -> CsafSourceDocument {
    CsafSourceDocument {
        url: url.into(),
        sha256: sha.map(str::to_owned),
        refused: refused.map(str::to_owned),
        checked_at: at,
    }
}

async fn sources_are_added_changed_and_removed(store: Store) {
    let actor = Actor::cli();
    let a = store
        .create_csaf_source(
            &actor,
            &NewCsafSource {
                keys: Some("-----BEGIN PGP PUBLIC KEY BLOCK-----".into()),
                ..new(URL, 6 * 3600)
            },
            T0,
        )
        .await
        .expect("add");
    assert_eq!(a.url, URL);
    assert!(a.enabled);
    assert_eq!(a.interval_secs, 6 * 3600);
    assert_eq!(a.next_run_at, T0, "due at once");
    assert_eq!(
        (a.last_run_at, a.last_counts, a.last_error.clone()),
        (None, None, None)
    );
    assert!(
        a.keys
            .as_deref()
            .is_some_and(|k| k.starts_with("-----BEGIN"))
    );

    // The same URL twice, and an interval under 15 minutes, are refused.
    match store.create_csaf_source(&actor, &new(URL, 3600), T0).await {
        Err(StoreError::Conflict(m)) => assert!(m.contains("CSAF source"), "{m}"),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        store
            .create_csaf_source(&actor, &new("https://other.example/feed.json", 899), T0)
            .await,
        Err(StoreError::Invalid(_))
    ));
    let b = store
        .create_csaf_source(&actor, &new("https://other.example/feed.json", 900), T0)
        .await
        .expect("at the minimum");
    let ids: Vec<_> = store
        .csaf_sources()
        .await
        .expect("list")
        .iter()
        .map(|s| s.id)
        .collect();
    assert_eq!(ids, vec![a.id, b.id]);

    // Due: both at T0, none a second before.
    assert_eq!(store.csaf_sources_due(T0).await.expect("due").len(), 2);
    assert!(
        store
            .csaf_sources_due(T0 - Duration::seconds(1))
            .await
            .expect("due")
            .is_empty()
    );

    // Disabled: never due. Enabled again before any run: due when it was.
    let off = store
        .update_csaf_source(
            &actor,
            a.id,
            &CsafSourceUpdate {
                enabled: Some(false),
                interval_secs: None,
            },
            T0,
        )
        .await
        .expect("disable");
    assert!(!off.enabled);
    let due: Vec<_> = store
        .csaf_sources_due(T0 + Duration::days(30))
        .await
        .expect("due")
        .iter()
        .map(|s| s.id)
        .collect();
    assert_eq!(due, vec![b.id]);
    let on = store
        .update_csaf_source(
            &actor,
            a.id,
            &CsafSourceUpdate {
                enabled: Some(true),
                interval_secs: None,
            },
            T0 + Duration::hours(1),
        )
        .await
        .expect("enable");
    assert_eq!(on.next_run_at, T0);
    assert_eq!(on.updated_at, T0 + Duration::hours(1));

    // After a run, a new interval counts from the run.
    store
        .record_csaf_source_run(
            &actor,
            a.id,
            &CsafSourceRun {
                ran_at: T0,
                next_run_at: T0 + Duration::hours(6),
                counts: CsafRunCounts::default(),
                error: None,
                changed: Vec::new(),
                removed: Vec::new(),
            },
            T0,
        )
        .await
        .expect("run");
    let changed = store
        .update_csaf_source(
            &actor,
            a.id,
            &CsafSourceUpdate {
                enabled: None,
                interval_secs: Some(3600),
            },
            T0,
        )
        .await
        .expect("interval");
    assert_eq!(changed.interval_secs, 3600);
    assert_eq!(changed.next_run_at, T0 + Duration::hours(1));
    assert!(matches!(
        store
            .update_csaf_source(
                &actor,
                a.id,
                &CsafSourceUpdate {
                    enabled: None,
                    interval_secs: Some(60),
                },
                T0,
            )
            .await,
        Err(StoreError::Invalid(_))
    ));
    assert!(matches!(
        store
            .update_csaf_source(
                &actor,
                uuid::Uuid::now_v7(),
                &CsafSourceUpdate::default(),
                T0
            )
            .await,
        Err(StoreError::NotFound)
    ));

    // Removed: gone, with its documents' state; a second removal is NotFound.
    store
        .delete_csaf_source(&actor, a.id, T0)
        .await
        .expect("remove");
    assert!(matches!(
        store.csaf_source(a.id).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        store.delete_csaf_source(&actor, a.id, T0).await,
        Err(StoreError::NotFound)
    ));
    // The URL is free again.
    store
        .create_csaf_source(&actor, &new(URL, 3600), T0)
        .await
        .expect("re-add");

    let actions: Vec<String> = store
        .audit_latest(100)
        .await
        .expect("audit")
        .into_iter()
        .map(|e| e.action)
        .filter(|a| a.starts_with("csaf_source."))
        .collect();
    for want in [
        "csaf_source.add",
        "csaf_source.update",
        "csaf_source.run",
        "csaf_source.remove",
    ] {
        assert!(actions.iter().any(|a| a == want), "{want} in {actions:?}");
    }
    assert_eq!(
        actions.iter().filter(|a| *a == "csaf_source.add").count(),
        3,
        "refused additions leave no entry: {actions:?}"
    );
}

async fn a_run_records_its_counts_and_the_documents_state(store: Store) {
    let actor = Actor::cli();
    let s = store
        .create_csaf_source(&actor, &new(URL, 3600), T0)
        .await
        .expect("add");
    let (d1, d2, d3) = (
        "https://provider.example/2026/a.json",
        "https://provider.example/2026/b.json",
        "https://provider.example/2026/c.json",
    );
    let first = store
        .record_csaf_source_run(
            &actor,
            s.id,
            &CsafSourceRun {
                ran_at: T0,
                next_run_at: T0 + Duration::hours(1),
                counts: CsafRunCounts {
                    imported: 2,
                    unchanged: 0,
                    refused: 1,
                },
                error: None,
                changed: vec![
                    doc(d1, Some(&"a".repeat(64)), None, T0),
                    doc(d2, Some(&"b".repeat(64)), None, T0),
                    doc(d3, None, Some("signature: not made by any of the keys"), T0),
                ],
                removed: Vec::new(),
            },
            T0,
        )
        .await
        .expect("record");
    assert_eq!(first.last_run_at, Some(T0));
    assert_eq!(first.next_run_at, T0 + Duration::hours(1));
    assert_eq!(
        first.last_counts,
        Some(CsafRunCounts {
            imported: 2,
            unchanged: 0,
            refused: 1
        })
    );
    // Not due until the next run; due then.
    assert!(
        store
            .csaf_sources_due(T0 + Duration::minutes(59))
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        store
            .csaf_sources_due(T0 + Duration::hours(1))
            .await
            .unwrap()
            .len(),
        1
    );
    let docs = store.csaf_source_documents(s.id).await.expect("documents");
    assert_eq!(docs.len(), 3);
    assert_eq!(
        docs[2].refused.as_deref(),
        Some("signature: not made by any of the keys")
    );

    // The second run: b refused now (its digest kept), c taken, a gone from
    // the provider; and the provider's metadata failed to parse in a third.
    let t1 = T0 + Duration::hours(1);
    store
        .record_csaf_source_run(
            &actor,
            s.id,
            &CsafSourceRun {
                ran_at: t1,
                next_run_at: t1 + Duration::hours(1),
                counts: CsafRunCounts {
                    imported: 1,
                    unchanged: 0,
                    refused: 1,
                },
                error: None,
                changed: vec![
                    doc(
                        d2,
                        Some(&"b".repeat(64)),
                        Some("SHA-256 does not match"),
                        t1,
                    ),
                    doc(d3, Some(&"c".repeat(64)), None, t1),
                ],
                removed: vec![d1.to_owned()],
            },
            t1,
        )
        .await
        .expect("record");
    let docs = store.csaf_source_documents(s.id).await.expect("documents");
    assert_eq!(
        docs,
        vec![
            doc(
                d2,
                Some(&"b".repeat(64)),
                Some("SHA-256 does not match"),
                t1
            ),
            doc(d3, Some(&"c".repeat(64)), None, t1),
        ]
    );
    let t2 = t1 + Duration::hours(1);
    let failed = store
        .record_csaf_source_run(
            &actor,
            s.id,
            &CsafSourceRun {
                ran_at: t2,
                next_run_at: t2 + Duration::hours(1),
                counts: CsafRunCounts::default(),
                error: Some("provider-metadata.json: HTTP 503".into()),
                changed: Vec::new(),
                removed: Vec::new(),
            },
            t2,
        )
        .await
        .expect("record");
    assert_eq!(
        failed.last_error.as_deref(),
        Some("provider-metadata.json: HTTP 503")
    );
    assert_eq!(failed.last_counts, Some(CsafRunCounts::default()));
    assert_eq!(store.csaf_source_documents(s.id).await.unwrap().len(), 2);

    // Removing the source forgets its documents; recording a run for it
    // then is NotFound and writes nothing.
    store
        .delete_csaf_source(&actor, s.id, t2)
        .await
        .expect("remove");
    assert!(store.csaf_source_documents(s.id).await.unwrap().is_empty());
    let entries = store.audit_latest(1000).await.unwrap().len();
    assert!(matches!(
        store
            .record_csaf_source_run(
                &actor,
                s.id,
                &CsafSourceRun {
                    ran_at: t2,
                    next_run_at: t2,
                    counts: CsafRunCounts::default(),
                    error: None,
                    changed: vec![doc(d1, None, None, t2)],
                    removed: Vec::new(),
                },
                t2,
            )
            .await,
        Err(StoreError::NotFound)
    ));
    assert_eq!(store.audit_latest(1000).await.unwrap().len(), entries);
    assert_eq!(store.audit_verify().await.map(|v| v.ok()).ok(), Some(true));
}
