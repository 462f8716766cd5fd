//! Advisory notices as stored, on both back-ends: one notice per
//! (advisory, organization); a second write with what is already recorded
//! changes nothing (no event, no notice); new components grow a notice and
//! make it unread; one `advisory.affects_you` event per notice created or
//! grown, naming only that organization; one `advisory.notify` audit entry
//! per batch; the advisory kept among those that notify; components found
//! by package across SBOMs with their owners; an organization's list newest
//! first and paginated.

use bulwark_core::{OrgKind, Tlp};
use bulwark_store::{
    Actor, NOTICE_EVENT, NewNotice, NewSbom, NewSbomComponent, NoticeAdvisory, NoticeComponent,
    PageRequest, Store, StoreError,
};
use time::{Duration, OffsetDateTime, macros::datetime};
use uuid::Uuid;

use crate::common;

const T0: OffsetDateTime = datetime!(2026-12-01 12:00 UTC);

bulwark_store::both_backends!(
    notices_are_one_per_organization_and_idempotent,
    holdings_are_found_by_package_with_their_owner,
    lists_are_newest_first_and_paginated,
);

fn advisory(id: Uuid) -> NoticeAdvisory {
    NoticeAdvisory {
        advisory_id: id,
        tracking_id: "BWK-2026-0001".into(),
        title: "Prototype pollution in widget".into(),
        osv: r#"{"id":"BWK-2026-0001","modified":"2026-12-01T12:00:00Z"}"#.into(),
        fix: "Upgrade widget to 1.2.3.".into(),
    }
}

fn component(sbom: Uuid, seq: u64, version: &str) -> NoticeComponent {
    NoticeComponent {
        sbom,
        sbom_name: "portal".into(),
        component: seq,
        name: "widget".into(),
        purl: format!("pkg:npm/widget@{version}"),
        version: Some(version.into()),
        systems: Vec::new(),
    }
}

async fn events(store: &Store) -> Vec<serde_json::Value> {
    // Events are read back through the outbox by the ids the audit names.
    let mut out = Vec::new();
    for e in audit(store).await {
        if e.action == "event.publish" {
            let id = Uuid::parse_str(&e.resource_id).expect("event id");
            let (kind, payload, _) = store.outbox_event(id).await.expect("event");
            assert_eq!(kind, NOTICE_EVENT);
            out.push(serde_json::from_str(&payload).expect("json"));
        }
    }
    out
}

async fn audit(store: &Store) -> Vec<bulwark_core::AuditEntry> {
    store
        .audit_entries(bulwark_store::AuditQuery {
            after_seq: 0,
            limit: 1000,
        })
        .await
        .expect("audit")
}

async fn notify_actions(store: &Store) -> usize {
    audit(store)
        .await
        .iter()
        .filter(|e| e.action == "advisory.notify")
        .count()
}

async fn notices_are_one_per_organization_and_idempotent(store: Store) {
    let a = common::org_of(&store, "Alpha", OrgKind::Vendor, T0).await;
    let b = common::org_of(&store, "Beta", OrgKind::Vendor, T0).await;
    let id = Uuid::now_v7();
    let (sa, sb) = (Uuid::now_v7(), Uuid::now_v7());
    let first = vec![
        NewNotice {
            org_id: a,
            components: vec![component(sa, 3, "1.2.0")],
        },
        NewNotice {
            org_id: b,
            components: vec![component(sb, 0, "1.1.0"), component(sb, 0, "1.1.0")],
        },
    ];
    let w = store
        .record_notices(&Actor::cli(), &advisory(id), &first, "test", T0)
        .await
        .expect("write");
    assert_eq!(
        (w.created.len(), w.grown.len(), w.new_components),
        (2, 0, 2)
    );
    let kept = store
        .notice_advisory(id)
        .await
        .expect("read")
        .expect("kept");
    assert_eq!(kept, advisory(id));
    assert_eq!(
        store.advisory_osv_records_released().await.expect("all"),
        vec![advisory(id)]
    );
    let all = store.notices_of_advisory(id).await.expect("notices");
    assert_eq!(all.len(), 2);
    let of_b = all.iter().find(|n| n.org_id == b).expect("b");
    assert_eq!(
        of_b.components,
        vec![component(sb, 0, "1.1.0")],
        "deduplicated"
    );
    // One event per organization, each naming only its own components.
    let ev = events(&store).await;
    assert_eq!(ev.len(), 2);
    for e in &ev {
        let org = Uuid::parse_str(e["org"].as_str().expect("org")).expect("uuid");
        let text = e["components"].to_string();
        if org == a {
            assert!(text.contains("1.2.0") && !text.contains("1.1.0"), "{text}");
        } else {
            assert!(text.contains("1.1.0") && !text.contains("1.2.0"), "{text}");
        }
    }
    assert_eq!(notify_actions(&store).await, 1);

    // The same again: nothing new, no event; still one audit entry a batch.
    let w = store
        .record_notices(&Actor::cli(), &advisory(id), &first, "test", T0)
        .await
        .expect("again");
    assert_eq!(
        (w.created.len(), w.grown.len(), w.new_components),
        (0, 0, 0)
    );
    assert_eq!(events(&store).await.len(), 2);
    assert_eq!(notify_actions(&store).await, 2);

    // Read, then grown: unread again, one more event (Alpha's).
    let na = all.iter().find(|n| n.org_id == a).expect("a").clone();
    let read = store
        .mark_advisory_notice_read(&Actor::cli(), na.id, T0 + Duration::hours(1))
        .await
        .expect("read");
    assert_eq!(read.read_at, Some(T0 + Duration::hours(1)));
    assert_eq!(store.unread_advisory_notices(a).await.expect("n"), 0);
    let later = T0 + Duration::hours(2);
    let w = store
        .record_notices(
            &Actor::cli(),
            &advisory(id),
            &[NewNotice {
                org_id: a,
                components: vec![component(sa, 3, "1.2.0"), component(sa, 9, "1.0.0")],
            }],
            "test",
            later,
        )
        .await
        .expect("grow");
    assert_eq!(w.grown, vec![(a, na.id)]);
    assert_eq!(w.new_components, 1);
    let grown = store.advisory_notice(na.id).await.expect("notice");
    assert_eq!(grown.components.len(), 2);
    assert_eq!(grown.read_at, None);
    assert_eq!(grown.updated_at, later);
    assert_eq!(grown.created_at, T0);
    assert_eq!(store.unread_advisory_notices(a).await.expect("n"), 1);
    assert_eq!(events(&store).await.len(), 3);

    // Refused: an OSV record that is not JSON; nothing written.
    let mut bad = advisory(Uuid::now_v7());
    bad.osv = "not json".into();
    let e = store
        .record_notices(&Actor::cli(), &bad, &first, "test", T0)
        .await
        .expect_err("bad");
    assert!(matches!(e, StoreError::Invalid(_)), "{e:?}");
    assert!(
        store
            .notice_advisory(bad.advisory_id)
            .await
            .expect("read")
            .is_none()
    );
    assert!(matches!(
        store.advisory_notice(Uuid::now_v7()).await,
        Err(StoreError::NotFound)
    ));
    assert!(store.audit_verify().await.expect("verify").ok());
}

fn sbom(org: Uuid, name: &str, purls: &[(&str, &str)]) -> NewSbom {
    NewSbom {
        org_id: org,
        name: name.into(),
        format: "cyclonedx-json".into(),
        spec_version: "1.5".into(),
        media_type: "application/vnd.cyclonedx+json".into(),
        document: name.as_bytes().to_vec(),
        tlp: Tlp::Amber,
        components: purls
            .iter()
            .map(|(package, version)| NewSbomComponent {
                name: (*package).into(),
                purl: Some(format!("pkg:npm/{package}@{version}")),
                ecosystem: Some("npm".into()),
                package: Some((*package).into()),
                version: Some((*version).into()),
                ..Default::default()
            })
            .collect(),
    }
}

async fn holdings_are_found_by_package_with_their_owner(store: Store) {
    let a = common::org_of(&store, "Alpha", OrgKind::Vendor, T0).await;
    let b = common::org_of(&store, "Beta", OrgKind::Vendor, T0).await;
    let sa = store
        .create_sbom(
            &Actor::cli(),
            &sbom(a, "a", &[("lodash", "4.0.0"), ("widget", "1.2.0")]),
            T0,
        )
        .await
        .expect("a");
    let sb = store
        .create_sbom(&Actor::cli(), &sbom(b, "b", &[("widget", "1.3.0")]), T0)
        .await
        .expect("b");
    let mut held = store.package_holdings("npm", "widget").await.expect("held");
    held.sort_by_key(|h| h.org_id == b);
    assert_eq!(held.len(), 2);
    assert_eq!(
        (
            held[0].org_id,
            held[0].sbom_id,
            held[0].seq,
            held[0].purl.as_str()
        ),
        (a, sa.id, 1, "pkg:npm/widget@1.2.0")
    );
    assert_eq!((held[1].org_id, held[1].sbom_id), (b, sb.id));
    assert!(
        store
            .package_holdings("npm", "nothing")
            .await
            .expect("none")
            .is_empty()
    );
}

async fn lists_are_newest_first_and_paginated(store: Store) {
    let a = common::org_of(&store, "Alpha", OrgKind::Vendor, T0).await;
    let b = common::org_of(&store, "Beta", OrgKind::Vendor, T0).await;
    let s = Uuid::now_v7();
    let mut ids = Vec::new();
    for i in 0..5 {
        let adv = Uuid::now_v7();
        store
            .record_notices(
                &Actor::cli(),
                &advisory(adv),
                &[NewNotice {
                    org_id: a,
                    components: vec![component(s, i, "1.0.0")],
                }],
                "test",
                T0,
            )
            .await
            .expect("write");
        ids.push(store.notices_of_advisory(adv).await.expect("n")[0].id);
    }
    ids.reverse();
    let first = store
        .org_advisory_notices(
            a,
            PageRequest {
                after: None,
                limit: 2,
            },
        )
        .await
        .expect("page");
    assert_eq!(
        first.items.iter().map(|n| n.id).collect::<Vec<_>>(),
        ids[..2]
    );
    let second = store
        .org_advisory_notices(
            a,
            PageRequest {
                after: first.next,
                limit: 10,
            },
        )
        .await
        .expect("page");
    assert_eq!(
        second.items.iter().map(|n| n.id).collect::<Vec<_>>(),
        ids[2..]
    );
    assert!(second.next.is_none());
    assert!(
        store
            .org_advisory_notices(b, PageRequest::default())
            .await
            .expect("b")
            .items
            .is_empty()
    );
    assert_eq!(store.unread_advisory_notices(a).await.expect("n"), 5);
}
