//! Notice to exactly those affected (issue 18, item 6), through the use
//! cases, on both back-ends: three organizations — Alpha's SBOM holds an
//! affected version, Beta's the fixed one, Gamma's nothing of the package —
//! and an advisory released: only Alpha is notified, its notice names only
//! its components, the `advisory.affects_you` event reaches only Alpha's
//! subscriber (not Beta's, not the operator's), Beta cannot read Alpha's
//! notice, the operator and CISA see counts without names; a second run
//! changes nothing; later uploads holding an affected version (Beta's new
//! SBOM, a second one of Alpha's) notify too.
//!
//! The OSV record is written by hand for the test (an advisory of the
//! program's own, `BWK-2026-0001`), with the package's ranges in SEMVER.

mod common;

use std::sync::Arc;

use bulwark_app::notices::{self, AffectedAdvisory};
use bulwark_app::{Acting, App, Config, ErrorKind};
use bulwark_authz::Authorizer;
use bulwark_core::{FixedClock, OrgKind, Role};
use bulwark_store::{Actor, NewWebhookSubscription, PageRequest, Store, WebhookSecret};
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::macros::datetime;
use uuid::Uuid;

const T0: OffsetDateTime = datetime!(2026-12-01 12:00 UTC);
const KEY: [u8; 32] = [7; 32];

fn osv() -> Value {
    json!({
        "schema_version": "1.6.0",
        "id": "BWK-2026-0001",
        "modified": "2026-12-01T12:00:00Z",
        "published": "2026-12-01T12:00:00Z",
        "aliases": ["CVE-2026-99999"],
        "summary": "Prototype pollution in widget",
        "affected": [{
            "package": {"ecosystem": "npm", "name": "widget", "purl": "pkg:npm/widget"},
            "ranges": [{"type": "SEMVER", "events": [{"introduced": "1.0.0"}, {"fixed": "1.2.3"}]}]
        }]
    })
}

fn advisory(id: Uuid) -> AffectedAdvisory {
    AffectedAdvisory {
        advisory_id: id,
        tracking_id: "BWK-2026-0001".into(),
        title: "Prototype pollution in widget".into(),
        osv: osv(),
        fix: "Upgrade widget to 1.2.3 or later.".into(),
    }
}

async fn org(store: &Store, name: &str, kind: OrgKind) -> Uuid {
    common::org(store, name, kind, T0).await
}

async fn member(store: &Store, org: Uuid, username: &str, role: Role) -> Acting {
    common::member(store, org, username, role, T0).await
}

fn cyclonedx(components: &[(&str, &str)]) -> Vec<u8> {
    let components: Vec<Value> = components
        .iter()
        .map(|(n, p)| json!({"type": "library", "name": n, "purl": p}))
        .collect();
    json!({"bomFormat": "CycloneDX", "specVersion": "1.4", "version": 1, "components": components})
        .to_string()
        .into_bytes()
}

async fn upload(app: &App, who: &Acting, name: &str, components: &[(&str, &str)]) -> Uuid {
    bulwark_app::sboms::store_upload(app, who, Some(name.into()), cyclonedx(components))
        .await
        .expect("sbom")
        .id
}

async fn subscribe(store: &Store, who: &Acting) -> Uuid {
    store
        .create_webhook_subscription(
            &Actor::cli(),
            &NewWebhookSubscription {
                owner_org: who.principal.org_id,
                created_by: who.principal.user_id,
                url: "https://hooks.example.org/in".into(),
                secret: WebhookSecret::new("0123456789abcdef0123").expect("secret"),
                event_types: vec!["advisory.*".into()],
            },
            &KEY,
            T0,
        )
        .await
        .expect("subscription")
        .id
}

/// The deliveries of a subscription and whether each may go, with the
/// event's payload.
async fn deliveries(app: &App, sub: Uuid) -> Vec<(bool, Value)> {
    let mut out = Vec::new();
    for d in app
        .store
        .webhook_deliveries_for_subscription(sub, None, 100)
        .await
        .expect("deliveries")
    {
        let target = app
            .store
            .webhook_delivery_target(d.id, &KEY)
            .await
            .expect("target");
        assert_eq!(target.event_type, "advisory.affects_you");
        let refused = bulwark_app::webhooks::refusal(app, &target)
            .await
            .expect("refusal");
        out.push((
            refused.is_none(),
            serde_json::from_str(&target.payload).expect("payload"),
        ));
    }
    out
}

async fn scenario(store: Store) {
    let app = App::new(
        store.clone(),
        Authorizer::new().expect("policy"),
        Arc::new(FixedClock::new(T0)),
        Config::default(),
    );
    let alpha_org = org(&store, "Alpha Utilities", OrgKind::Vendor).await;
    let beta_org = org(&store, "Beta Water", OrgKind::Agency).await;
    let gamma_org = org(&store, "Gamma Grid", OrgKind::Vendor).await;
    let operator_org = org(&store, "Clearinghouse", OrgKind::Operator).await;
    let cisa_org = org(&store, "CISA", OrgKind::Agency).await;
    store
        .set_directive_profile(
            &Actor::cli(),
            cisa_org,
            bulwark_core::AgencyTrack::Civilian,
            true,
            None,
            T0,
        )
        .await
        .expect("issuer");
    let alpha = member(&store, alpha_org, "alpha-analyst", Role::Analyst).await;
    let alpha_viewer = member(&store, alpha_org, "alpha-viewer", Role::Viewer).await;
    let beta = member(&store, beta_org, "beta-analyst", Role::Analyst).await;
    let gamma = member(&store, gamma_org, "gamma-analyst", Role::Analyst).await;
    let operator = member(&store, operator_org, "op-admin", Role::Admin).await;
    let cisa = member(&store, cisa_org, "cisa-viewer", Role::Viewer).await;

    let alpha_sbom = upload(
        &app,
        &alpha,
        "alpha-portal",
        &[
            ("widget", "pkg:npm/widget@1.2.0"),
            ("lodash", "pkg:npm/lodash@4.17.21"),
        ],
    )
    .await;
    upload(
        &app,
        &beta,
        "beta-scada",
        &[("widget", "pkg:npm/widget@1.2.3")],
    )
    .await;
    upload(
        &app,
        &gamma,
        "gamma-hmi",
        &[("express", "pkg:npm/express@4.18.2")],
    )
    .await;
    let alpha_sub = subscribe(&store, &alpha).await;
    let beta_sub = subscribe(&store, &beta).await;
    let operator_sub = subscribe(&store, &operator).await;

    // Released: only Alpha is affected.
    let id = Uuid::now_v7();
    let s = notices::notify_affected(&app, &advisory(id))
        .await
        .expect("notify");
    assert_eq!(
        (
            s.organizations,
            s.components,
            s.new_notices,
            s.grown_notices
        ),
        (1, 1, 1, 0)
    );
    let mine = notices::list(&app, &alpha.principal, PageRequest::default())
        .await
        .expect("list");
    assert_eq!(mine.items.len(), 1);
    let notice = &mine.items[0];
    assert_eq!(notice.tracking_id, "BWK-2026-0001");
    assert_eq!(notice.fix, "Upgrade widget to 1.2.3 or later.");
    assert_eq!(notice.components.len(), 1, "{:?}", notice.components);
    let c = &notice.components[0];
    assert_eq!(
        (c.sbom, c.purl.as_str(), c.version.as_deref()),
        (alpha_sbom, "pkg:npm/widget@1.2.0", Some("1.2.0"))
    );
    assert!(notice.read_at.is_none());
    for who in [&beta, &gamma] {
        let theirs = notices::list(&app, &who.principal, PageRequest::default())
            .await
            .expect("list");
        assert!(theirs.items.is_empty(), "{}", who.principal.username);
    }
    // Nobody else may open it: the same 404 as a notice that does not exist.
    for who in [&beta, &operator, &cisa] {
        let e = notices::get(&app, &who.principal, notice.id)
            .await
            .expect_err("not theirs");
        assert_eq!(e.kind, ErrorKind::NotFound, "{}", who.principal.username);
    }
    assert_eq!(
        notices::get(&app, &alpha_viewer.principal, notice.id)
            .await
            .expect("own")
            .id,
        notice.id
    );

    // One event, only for Alpha, naming only Alpha's component; Beta's and
    // the operator's subscribers get theirs dropped.
    let a = deliveries(&app, alpha_sub).await;
    assert_eq!(a.len(), 1);
    assert!(a[0].0, "Alpha's subscriber may receive it");
    assert_eq!(a[0].1["notice"], json!(notice.id));
    assert_eq!(a[0].1["components"].as_array().map(Vec::len), Some(1));
    assert!(!a[0].1.to_string().contains("beta"));
    for sub in [beta_sub, operator_sub] {
        let d = deliveries(&app, sub).await;
        assert_eq!(d.len(), 1);
        assert!(!d[0].0, "another organization's notice is not delivered");
    }

    // Counts for the operator and CISA, names for no one; not for Alpha.
    for who in [&operator, &cisa] {
        let e = notices::exposure(&app, &who.principal, id)
            .await
            .expect("exposure");
        assert_eq!((e.organizations, e.components, e.read), (1, 1, 0));
        assert!(e.names.is_none());
        let text = serde_json::to_string(&e).expect("json");
        assert!(!text.contains("Alpha"), "{text}");
    }
    let e = notices::exposure(&app, &alpha.principal, id)
        .await
        .expect_err("not Alpha's business");
    assert_eq!(e.kind, ErrorKind::Forbidden);
    let e = notices::exposure(&app, &operator.principal, Uuid::now_v7())
        .await
        .expect_err("unknown");
    assert_eq!(e.kind, ErrorKind::NotFound);

    // The same advisory again (a new revision): nothing new.
    let s = notices::notify_affected(&app, &advisory(id))
        .await
        .expect("again");
    assert_eq!(
        (
            s.organizations,
            s.components,
            s.new_notices,
            s.grown_notices
        ),
        (1, 1, 0, 0)
    );
    assert_eq!(deliveries(&app, alpha_sub).await.len(), 1);

    // Read: a viewer may not mark it, a writer may.
    let e = notices::mark_read(&app, &alpha_viewer, notice.id)
        .await
        .expect_err("viewer");
    assert_eq!(e.kind, ErrorKind::Forbidden);
    let e = notices::mark_read(&app, &beta, notice.id)
        .await
        .expect_err("not Beta's");
    assert_eq!(e.kind, ErrorKind::NotFound);
    let read = notices::mark_read(&app, &alpha, notice.id)
        .await
        .expect("read");
    assert!(read.read_at.is_some());
    assert_eq!(
        notices::unread(&app, &alpha.principal).await.expect("n"),
        Some(0)
    );
    assert_eq!(
        notices::unread(&app, &operator.principal).await.expect("n"),
        Some(0)
    );

    // Later uploads: Beta now runs an affected version too; Alpha a second one.
    upload(
        &app,
        &beta,
        "beta-billing",
        &[("widget", "pkg:npm/widget@1.1.0")],
    )
    .await;
    let theirs = notices::list(&app, &beta.principal, PageRequest::default())
        .await
        .expect("list");
    assert_eq!(theirs.items.len(), 1);
    assert_eq!(theirs.items[0].components.len(), 1);
    assert_eq!(theirs.items[0].components[0].purl, "pkg:npm/widget@1.1.0");
    upload(
        &app,
        &gamma,
        "gamma-fixed",
        &[("widget", "pkg:npm/widget@2.0.0")],
    )
    .await;
    assert!(
        notices::list(&app, &gamma.principal, PageRequest::default())
            .await
            .expect("list")
            .items
            .is_empty()
    );
    upload(
        &app,
        &alpha,
        "alpha-intranet",
        &[("widget", "pkg:npm/widget@1.0.0")],
    )
    .await;
    let mine = notices::list(&app, &alpha.principal, PageRequest::default())
        .await
        .expect("list");
    assert_eq!(mine.items.len(), 1, "still one notice");
    assert_eq!(mine.items[0].components.len(), 2);
    assert!(mine.items[0].read_at.is_none(), "unread again: it grew");
    // Every subscription gets a delivery row per event (the store knows no
    // policy); those that may go to Alpha's subscriber are Alpha's two.
    let alpha_events: Vec<Value> = deliveries(&app, alpha_sub)
        .await
        .into_iter()
        .filter_map(|(may, payload)| may.then_some(payload))
        .collect();
    assert_eq!(alpha_events.len(), 2);
    assert!(alpha_events.iter().all(|p| p["org"] == json!(alpha_org)));
    assert_eq!(alpha_events[1]["new_components"], json!(1));
    let beta_events = deliveries(&app, beta_sub).await;
    assert_eq!(
        beta_events.iter().filter(|(may, _)| *may).count(),
        1,
        "Beta's own notice reaches Beta"
    );
    let e = notices::exposure(&app, &cisa.principal, id)
        .await
        .expect("exposure");
    assert_eq!((e.organizations, e.components), (2, 3));

    // A record that does not read is refused with its path; nothing written.
    let mut bad = advisory(Uuid::now_v7());
    bad.osv["affected"][0]["ranges"] = json!("no");
    let e = notices::notify_affected(&app, &bad)
        .await
        .expect_err("bad OSV");
    assert_eq!(e.kind, ErrorKind::Validation);
    assert!(e.detail.contains("affected"), "{}", e.detail);
    assert!(
        store
            .notice_advisory(bad.advisory_id)
            .await
            .expect("read")
            .is_none()
    );

    assert!(store.audit_verify().await.expect("verify").ok());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notices_scenario_on_sqlite() {
    scenario(bulwark_store::testing::sqlite().await.expect("store")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL: set BULWARK_TEST_DATABASE_URL (.ci/run does)"]
async fn notices_scenario_on_postgres() {
    scenario(bulwark_store::testing::postgres().await.expect("store")).await;
}
