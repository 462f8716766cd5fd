//! What an evaluation of many systems leans on, on both back-ends: the
//! batched reads give what the per-system reads give, and a batch of
//! obligation changes publishes one event per system and kind (outbox row,
//! deliveries to matching subscriptions, an audit entry each) with the
//! audit chain intact.

use std::collections::BTreeMap;

use bulwark_core::{OrgKind, PrincipalKind, Role, RoleSet, Tlp, Tri};
use bulwark_store::{
    Actor, NewObligation, NewProduct, NewSbom, NewSbomComponent, NewSbomPurl, NewSystem, NewUser,
    NewWebhookSubscription, ObligationChange, Store, WebhookSecret,
};
use serde_json::{Value, json};
use time::{Duration, OffsetDateTime, macros::datetime};
use uuid::Uuid;

use crate::common;

const T0: OffsetDateTime = datetime!(2026-09-01 12:00 UTC);
const KEY: [u8; 32] = [0x42; 32];

bulwark_store::both_backends!(
    batched_reads_equal_the_per_system_reads,
    a_batch_publishes_one_event_per_system_and_kind,
);

async fn system(store: &Store, org: Uuid, name: &str) -> Uuid {
    store
        .create_system(
            &Actor::cli(),
            &NewSystem {
                org_id: org,
                name: name.into(),
                fisma_id: None,
                high_value_asset: Tri::Unknown,
                publicly_exposed: Tri::Yes,
                national_security: false,
                owners: vec!["isso@example.gov".into()],
            },
            T0,
        )
        .await
        .expect("system")
        .id
}

fn component(name: &str, version: &str, others: &[&str]) -> NewSbomComponent {
    NewSbomComponent {
        name: name.into(),
        purl: Some(format!("pkg:npm/{name}@{version}")),
        ecosystem: Some("npm".into()),
        package: Some(name.into()),
        version: Some(version.into()),
        other_purls: others
            .iter()
            .map(|o| NewSbomPurl {
                purl: format!("pkg:npm/{o}@{version}"),
                ecosystem: "npm".into(),
                package: (*o).into(),
                source_package: None,
            })
            .collect(),
        ..NewSbomComponent::default()
    }
}

async fn sbom(store: &Store, org: Uuid, name: &str, components: Vec<NewSbomComponent>) -> Uuid {
    store
        .create_sbom(
            &Actor::cli(),
            &NewSbom {
                org_id: org,
                name: name.into(),
                format: "cyclonedx-json".into(),
                spec_version: "1.5".into(),
                media_type: "application/vnd.cyclonedx+json".into(),
                document: format!("{{\"name\": {name:?}}}").into_bytes(),
                tlp: Tlp::Amber,
                components,
            },
            T0,
        )
        .await
        .expect("sbom")
        .id
}

fn product(vendor: &str, name: &str) -> NewProduct {
    NewProduct {
        vendor: vendor.into(),
        product: name.into(),
        version: None,
        cpe: None,
        vendor_key: vendor.to_lowercase(),
        product_key: name.to_lowercase(),
    }
}

async fn batched_reads_equal_the_per_system_reads(store: Store) {
    let agency = common::org_of(&store, "Agency", OrgKind::Agency, T0).await;
    let a = system(&store, agency, "A").await;
    let b = system(&store, agency, "B").await;
    let c = system(&store, agency, "C").await;
    let old = sbom(
        &store,
        agency,
        "old",
        vec![component("left-pad", "1.0.0", &[])],
    )
    .await;
    let new = sbom(
        &store,
        agency,
        "new",
        vec![
            component("lodash", "4.17.20", &["lodash-es", "lodash.merge"]),
            component("minimist", "1.2.5", &[]),
            component("qs", "6.5.2", &["querystring"]),
        ],
    )
    .await;
    let shared = sbom(
        &store,
        agency,
        "shared",
        vec![component("ws", "7.4.5", &[])],
    )
    .await;
    let later = T0 + Duration::days(1);
    store
        .attach_sbom(&Actor::cli(), a, old, None, T0)
        .await
        .expect("attach");
    store
        .attach_sbom(&Actor::cli(), a, new, Some(old), later)
        .await
        .expect("replace");
    store
        .attach_sbom(&Actor::cli(), a, shared, None, T0)
        .await
        .expect("attach");
    store
        .attach_sbom(&Actor::cli(), b, shared, None, later)
        .await
        .expect("attach");
    let p = store
        .add_product(&Actor::cli(), a, &product("Ivanti", "Connect Secure"), T0)
        .await
        .expect("product");
    store
        .add_product(&Actor::cli(), c, &product("Fortinet", "FortiOS"), T0)
        .await
        .expect("product");
    store
        .add_product(&Actor::cli(), a, &product("Citrix", "NetScaler"), T0)
        .await
        .expect("product");
    store
        .remove_product(&Actor::cli(), p.id, later)
        .await
        .expect("remove");

    let ids = [c, a, b];
    let mut one_by_one = Vec::new();
    let mut products = Vec::new();
    for id in ids {
        one_by_one.extend(store.system_sboms(id).await.expect("sboms"));
        products.extend(store.system_products(id).await.expect("products"));
    }
    let key = |s: &bulwark_store::SystemSbomRow| s.system_id;
    one_by_one.sort_by_key(key);
    products.sort_by_key(|p| p.system_id);
    let batched = store.system_sboms_of(&ids).await.expect("batched sboms");
    assert_eq!(batched, one_by_one);
    assert_eq!(
        batched.len(),
        4,
        "a's two (one detached) and shared on a and b"
    );
    let batched = store
        .products_of_systems(&ids)
        .await
        .expect("batched products");
    assert_eq!(batched, products);
    assert_eq!(batched.len(), 3, "a removed product is still listed");

    let sboms = [new, old, shared, Uuid::now_v7()];
    let components = store.sbom_components_of(&sboms).await.expect("components");
    assert_eq!(components.len(), 3, "no entry for an unknown SBOM");
    for id in &sboms[..3] {
        let each = store.sbom_components(*id).await.expect("components");
        assert_eq!(components.get(id), Some(&each));
    }
    let lodash = &components[&new][0];
    assert_eq!(
        lodash.other_purls,
        ["pkg:npm/lodash-es@4.17.20", "pkg:npm/lodash.merge@4.17.20"]
    );
}

async fn subscribe(store: &Store, owner: Uuid, types: &[&str]) -> Uuid {
    let by = store
        .create_user(
            &Actor::cli(),
            &NewUser {
                org_id: owner,
                username: format!("u{}", Uuid::now_v7().simple()),
                display_name: "admin".into(),
                kind: PrincipalKind::Human,
                roles: RoleSet::new([Role::Admin]),
            },
            T0,
        )
        .await
        .expect("user")
        .id;
    store
        .create_webhook_subscription(
            &Actor::cli(),
            &NewWebhookSubscription {
                owner_org: owner,
                created_by: by,
                url: "https://receiver.example/hook".into(),
                secret: WebhookSecret::new("a-secret-of-some-length").expect("secret"),
                event_types: types.iter().map(|s| (*s).to_owned()).collect(),
            },
            &KEY,
            T0,
        )
        .await
        .expect("subscribe")
        .id
}

fn obligation(org: Uuid, system: Uuid, subject: &str, cve: &str) -> NewObligation {
    NewObligation {
        org_id: org,
        system_id: system,
        subject: format!("purl:{subject}"),
        subject_kind: "component".into(),
        subject_name: subject.into(),
        subject_version: None,
        vulnerability: cve.into(),
        directive_id: "BOD-26-04".into(),
        directive_version: "1.0.0".into(),
        rule: "row-08".into(),
        action: "remediate".into(),
        timeline: "14 days".into(),
        trigger_at: T0,
        due_at: Some(T0 + Duration::days(14)),
        forensic: false,
        evaluation: json!({"rule": "row-08"}),
    }
}

/// Event type → (system → obligations) of the `event.publish` entries
/// after audit sequence `after`; each event's deliveries go to `sub` only.
async fn published(
    store: &Store,
    after: i64,
    sub: Uuid,
) -> BTreeMap<String, BTreeMap<Uuid, usize>> {
    let mut out: BTreeMap<String, BTreeMap<Uuid, usize>> = BTreeMap::new();
    let entries = store.audit_latest(1000).await.expect("audit");
    for e in entries
        .iter()
        .filter(|e| e.seq > after && e.action == "event.publish")
    {
        let id: Uuid = e.resource_id.parse().expect("event id");
        let (kind, payload, at) = store.outbox_event(id).await.expect("outbox row");
        assert_eq!(at, T0);
        let payload: Value = serde_json::from_str(&payload).expect("json");
        let system: Uuid = payload["system"]
            .as_str()
            .expect("system")
            .parse()
            .expect("uuid");
        let n = payload["obligations"].as_array().expect("ids").len();
        assert_eq!(payload["reason"], "evaluation");
        let deliveries = store
            .webhook_deliveries_for_event(id)
            .await
            .expect("deliveries");
        assert_eq!(
            deliveries
                .iter()
                .map(|d| d.subscription_id)
                .collect::<Vec<_>>(),
            [sub]
        );
        let detail: Value = serde_json::from_str(&e.detail).expect("detail");
        assert_eq!(detail, json!({"type": kind, "deliveries": 1}));
        let prev = out.entry(kind).or_default().insert(system, n);
        assert_eq!(prev, None, "one event per system and kind");
    }
    out
}

async fn a_batch_publishes_one_event_per_system_and_kind(store: Store) {
    let agency = common::org_of(&store, "Agency", OrgKind::Agency, T0).await;
    let owner = common::org_of(&store, "Receiver", OrgKind::Vendor, T0).await;
    let sub = subscribe(&store, owner, &["obligation.*"]).await;
    let _cases = subscribe(&store, owner, &["case.opened"]).await;
    let a = system(&store, agency, "A").await;
    let b = system(&store, agency, "B").await;
    let _quiet = system(&store, agency, "C").await;
    let head = |entries: Vec<bulwark_core::AuditEntry>| entries.first().map_or(0, |e| e.seq);
    let before = head(store.audit_latest(1).await.expect("audit"));

    let changes = vec![
        ObligationChange::Create(obligation(agency, a, "pkg:npm/qs@6.5.2", "CVE-2022-24999")),
        ObligationChange::Create(obligation(agency, b, "pkg:npm/ws@7.4.5", "CVE-2021-32640")),
        ObligationChange::Create(obligation(agency, a, "pkg:npm/ws@7.4.5", "CVE-2021-32640")),
    ];
    let applied = store
        .apply_obligation_changes(&Actor::cli(), &changes, "evaluation", T0)
        .await
        .expect("apply");
    assert_eq!(applied.created.len(), 3);
    let seen = published(&store, before, sub).await;
    assert_eq!(
        seen,
        BTreeMap::from([(
            "obligation.created".to_owned(),
            BTreeMap::from([(a, 2), (b, 1)])
        )])
    );
    let evaluate = store.audit_latest(4).await.expect("audit");
    assert_eq!(
        evaluate
            .iter()
            .filter(|e| e.action == "obligation.evaluate")
            .count(),
        1,
        "one entry for the batch, before its events"
    );

    // Closing one of a's and revising b's: one event each.
    let before = head(store.audit_latest(1).await.expect("audit"));
    let on_a = applied.created[0];
    let on_b = applied.created[1];
    let mut revised = obligation(agency, b, "pkg:npm/ws@7.4.5", "CVE-2021-32640");
    revised.rule = "row-04".into();
    revised.due_at = Some(T0 + Duration::days(3));
    let changes = vec![
        ObligationChange::Close {
            id: on_a,
            reason: "gone".into(),
        },
        ObligationChange::Revise {
            id: on_b,
            revision: bulwark_store::Revision {
                directive_version: revised.directive_version,
                rule: revised.rule,
                action: revised.action,
                timeline: "3 days".into(),
                trigger_at: revised.trigger_at,
                due_at: revised.due_at,
                forensic: false,
                evaluation: revised.evaluation,
            },
            reason: "exposure changed".into(),
        },
    ];
    store
        .apply_obligation_changes(&Actor::cli(), &changes, "evaluation", T0)
        .await
        .expect("apply");
    let seen = published(&store, before, sub).await;
    assert_eq!(
        seen,
        BTreeMap::from([
            ("obligation.closed".to_owned(), BTreeMap::from([(a, 1)])),
            ("obligation.revised".to_owned(), BTreeMap::from([(b, 1)])),
        ])
    );
    assert!(store.audit_verify().await.expect("verify").ok());

    // Counts by system, with each system's agency and flag, as the
    // grouped counts give them.
    let soon = T0 + Duration::days(7);
    let filter = bulwark_store::ObligationFilter::default();
    let grouped = store
        .obligation_counts(bulwark_store::CountBy::System, &filter, T0, soon)
        .await
        .expect("counts");
    let joined = store
        .obligation_counts_by_system(&filter, T0, soon)
        .await
        .expect("counts by system");
    assert_eq!(
        joined.iter().map(|c| c.counts.clone()).collect::<Vec<_>>(),
        grouped
    );
    assert_eq!(
        joined
            .iter()
            .map(|c| (c.system, c.org, c.national_security))
            .collect::<Vec<_>>(),
        [(a, agency, false), (b, agency, false)]
    );
    assert_eq!((joined[0].counts.open, joined[0].counts.closed), (1, 1));
}
