//! The ranking read from the stored keys (`bulwark_app::priorities::ranking`)
//! is the priority order's full sort (`bulwark_scoring::priority::sort`) of
//! every known CVE's facts, page after page, at each Mission & Well-being:
//! after the first imports, after EPSS scores of a second model version
//! (EPSS then leaves the order), and after records are rewritten and KEV
//! lists more. On both back-ends.

mod common;

use std::sync::Arc;

use bulwark_app::priorities::{priority_of, ranking};
use bulwark_app::{App, Config};
use bulwark_authz::Authorizer;
use bulwark_core::{FixedClock, OrgKind, Principal, Role};
use bulwark_scoring::priority;
use bulwark_scoring::ssvc::MissionWellbeing;
use bulwark_store::{
    Actor, KevCatalogInfo, NewCveRecord, NewEpssScore, NewKevEntry, Store, document_address,
};
use time::OffsetDateTime;
use time::macros::datetime;

const T0: OffsetDateTime = datetime!(2026-11-27 12:00 UTC);
const N: usize = 240;

/// Real vector shapes (scores 9.8, 6.5, 2.0 and a 4.0 vector), and none.
const VECTORS: [Option<(&str, &str)>; 5] = [
    Some(("3.1", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H")),
    Some(("3.1", "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N")),
    Some(("3.1", "CVSS:3.1/AV:L/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N")),
    Some((
        "4.0",
        "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
    )),
    None,
];

fn id(i: usize) -> String {
    format!("CVE-2025-{:05}", 20_000 + i)
}

/// Records of varied decision points and vectors; `turn` shifts them, so a
/// second import rewrites every record.
fn record(i: usize, turn: usize) -> NewCveRecord {
    let j = i + turn;
    let cvss = match VECTORS[j % VECTORS.len()] {
        Some((version, vector)) => format!(r#"[{{"version":"{version}","vector":"{vector}"}}]"#),
        None => "[]".to_owned(),
    };
    let points = !j.is_multiple_of(11);
    let id = id(i);
    NewCveRecord {
        raw_sha256: document_address(format!("{id}/{turn}").as_bytes()),
        id,
        state: "PUBLISHED".into(),
        date_updated: None,
        description: None,
        cna_cvss: cvss,
        adp_cvss: "[]".into(),
        ssvc_exploitation: points.then(|| ["none", "poc", "active"][j % 3].to_owned()),
        ssvc_automatable: points.then(|| ["no", "yes"][(j / 3) % 2].to_owned()),
        ssvc_technical_impact: points.then(|| ["partial", "total"][(j / 6) % 2].to_owned()),
        ssvc_version: points.then(|| "2.0.3".to_owned()),
        adp_kev_date_added: None,
        affected: Vec::new(),
    }
}

fn kev(id: String) -> NewKevEntry {
    NewKevEntry {
        cve_id: id.clone(),
        vendor_project: "Vendor".into(),
        product: "Product".into(),
        vulnerability_name: format!("{id} flaw"),
        date_added: "2026-01-02".into(),
        due_date: "2026-01-23".into(),
        known_ransomware_campaign_use: "Unknown".into(),
        required_action: "Apply mitigations.".into(),
        short_description: "A flaw.".into(),
        notes: String::new(),
        cwes: Vec::new(),
    }
}

async fn import_kev(store: &Store, version: &str, ids: Vec<String>) {
    let entries: Vec<NewKevEntry> = ids.into_iter().map(kev).collect();
    let info = KevCatalogInfo {
        catalog_version: version.into(),
        date_released: format!("{version}T12:00:00.000Z"),
        count: entries.len() as u64,
    };
    store
        .import_kev(&Actor::cli(), &info, &entries, T0)
        .await
        .expect("KEV");
}

async fn import_epss(store: &Store, model: &str, step: usize, salt: usize) {
    // A few KEV-only and unknown CVEs' scores too.
    let scores: Vec<NewEpssScore> = (0..N + 20)
        .step_by(step)
        .map(|i| NewEpssScore {
            cve: id(i),
            epss: ((i * 37 + salt) % 1000) as f64 / 1000.0,
            percentile: 0.5,
        })
        .collect();
    store
        .import_epss(&Actor::cli(), model, "2026-11-01", scores, T0)
        .await
        .expect("EPSS");
}

/// Every page of the ranking at `mw` equals the full sort of every known
/// CVE's facts.
async fn ranking_is_the_full_sort(app: &App, who: &Principal, what: &str) {
    let known: Vec<String> = (0..N + 10).map(id).collect();
    let facts = app
        .store
        .vulnerability_facts_of(&known)
        .await
        .expect("facts");
    for mw in MissionWellbeing::ALL {
        let mut all: Vec<_> = facts
            .iter()
            .filter(|f| f.record.is_some() || f.kev.is_some())
            .map(|f| priority_of(f, mw))
            .collect();
        let skipped = priority::sort(&mut all);
        let expected: Vec<&str> = all.iter().map(|p| p.id.as_str()).collect();
        let mut got: Vec<String> = Vec::new();
        let mut offset = 0;
        loop {
            let page = ranking(app, who, mw, offset, 50).await.expect("ranking");
            assert_eq!(page.total, expected.len() as u64, "{what}");
            assert_eq!(page.epss_skipped, skipped, "{what}");
            if page.items.is_empty() {
                break;
            }
            offset += page.items.len() as u64;
            got.extend(page.items.into_iter().map(|p| p.id));
        }
        assert_eq!(got, expected, "{what}, at {mw:?}");
    }
}

async fn scenario(store: Store) {
    let app = App::new(
        store.clone(),
        Authorizer::new().expect("policy"),
        Arc::new(FixedClock::new(T0)),
        Config::default(),
    );
    let org = common::org(&store, "Uni A", OrgKind::Researcher, T0).await;
    let who = common::member(&store, org, "reader", Role::Viewer, T0)
        .await
        .principal;

    store
        .import_cves(
            &Actor::cli(),
            (0..N).map(|i| record(i, 0)).collect::<Vec<_>>(),
            T0,
        )
        .await
        .expect("records");
    // KEV lists some with records and a few with none.
    import_kev(
        &store,
        "2026.11.01",
        (0..N + 10).step_by(7).map(id).collect(),
    )
    .await;
    import_epss(&store, "v2025.03.14", 2, 0).await;
    ranking_is_the_full_sort(&app, &who, "first imports").await;

    // A second model version for some: the set mixes versions.
    import_epss(&store, "v2026.01.01", 5, 3).await;
    ranking_is_the_full_sort(&app, &who, "two EPSS model versions").await;

    // Every record rewritten, and KEV lists more.
    store
        .import_cves(
            &Actor::cli(),
            (0..N).map(|i| record(i, 1)).collect::<Vec<_>>(),
            T0,
        )
        .await
        .expect("records again");
    import_kev(
        &store,
        "2026.12.01",
        (0..N + 10).step_by(4).map(id).collect(),
    )
    .await;
    ranking_is_the_full_sort(&app, &who, "records rewritten").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_stored_order_is_the_full_sort_on_sqlite() {
    scenario(bulwark_store::testing::sqlite().await.expect("store")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs postgres"]
async fn the_stored_order_is_the_full_sort_on_postgres() {
    scenario(
        bulwark_store::testing::postgres()
            .await
            .expect("PostgreSQL test store"),
    )
    .await;
}
