//! The set the priority order ranks: CVEs with a stored record or a KEV
//! entry, each once, in id order; an EPSS score alone does not add one.
//! On both back-ends.

use bulwark_store::{
    Actor, FACTS_CHUNK, KevCatalogInfo, MAX_KNOWN_CVES, NewCveRecord, NewEpssScore, NewKevEntry,
    Store, document_address,
};
use time::{OffsetDateTime, macros::datetime};

const T0: OffsetDateTime = datetime!(2026-11-27 12:00 UTC);

bulwark_store::both_backends!(
    known_cves_are_records_and_kev_entries,
    known_cves_is_bounded,
    facts_of_many_equal_facts_of_each,
);

fn kev_entry(id: &str) -> NewKevEntry {
    NewKevEntry {
        cve_id: id.into(),
        vendor_project: "Vendor".into(),
        product: "Product".into(),
        vulnerability_name: format!("{id} flaw"),
        date_added: "2024-02-22".into(),
        due_date: "2024-02-29".into(),
        known_ransomware_campaign_use: "Known".into(),
        required_action: "Apply mitigations.".into(),
        short_description: "A flaw.".into(),
        notes: String::new(),
        cwes: vec!["CWE-22".into()],
    }
}

fn record(id: &str) -> NewCveRecord {
    NewCveRecord {
        id: id.into(),
        state: "PUBLISHED".into(),
        date_updated: None,
        description: Some("A flaw.".into()),
        cna_cvss: "[]".into(),
        adp_cvss: "[]".into(),
        ssvc_exploitation: Some("none".into()),
        ssvc_automatable: Some("no".into()),
        ssvc_technical_impact: Some("total".into()),
        ssvc_version: Some("2.0.3".into()),
        adp_kev_date_added: None,
        raw_sha256: document_address(id.as_bytes()),
        affected: Vec::new(),
    }
}

async fn known_cves_are_records_and_kev_entries(store: Store) {
    assert!(store.known_cves(10).await.unwrap().is_empty());
    let info = KevCatalogInfo {
        catalog_version: "2026.11.27".into(),
        date_released: "2026-11-27T12:00:00.000Z".into(),
        count: 2,
    };
    let kev = [kev_entry("CVE-2024-1708"), kev_entry("CVE-2026-8037")];
    store
        .import_kev(&Actor::cli(), &info, &kev, T0)
        .await
        .unwrap();
    store
        .import_cves(
            &Actor::cli(),
            [record("CVE-2024-1708"), record("CVE-2022-35849")],
            T0,
        )
        .await
        .unwrap();
    store
        .import_epss(
            &Actor::cli(),
            "v2026.06.15",
            "2026-09-29",
            [NewEpssScore {
                cve: "CVE-1999-0001".into(),
                epss: 0.03351,
                percentile: 0.88255,
            }],
            T0,
        )
        .await
        .unwrap();
    assert_eq!(
        store.known_cves(10).await.unwrap(),
        ["CVE-2022-35849", "CVE-2024-1708", "CVE-2026-8037"]
    );
}

async fn known_cves_is_bounded(store: Store) {
    let records: Vec<NewCveRecord> = (0..5)
        .map(|i| record(&format!("CVE-2025-{:05}", 10_000 + i)))
        .collect();
    store.import_cves(&Actor::cli(), records, T0).await.unwrap();
    assert_eq!(
        store.known_cves(2).await.unwrap(),
        ["CVE-2025-10000", "CVE-2025-10001"]
    );
    // Clamped: zero means one, more than the maximum means the maximum.
    assert_eq!(store.known_cves(0).await.unwrap().len(), 1);
    assert_eq!(store.known_cves(MAX_KNOWN_CVES + 1).await.unwrap().len(), 5);
}

async fn facts_of_many_equal_facts_of_each(store: Store) {
    // More ids than one statement takes; records, KEV entries and EPSS
    // scores (two model versions for some) on different subsets.
    let ids: Vec<String> = (0..FACTS_CHUNK + 20)
        .map(|i| format!("CVE-2025-{:05}", 10_000 + i))
        .collect();
    let records: Vec<NewCveRecord> = ids.iter().step_by(2).map(|id| record(id)).collect();
    store.import_cves(&Actor::cli(), records, T0).await.unwrap();
    let kev: Vec<NewKevEntry> = ids.iter().step_by(3).map(|id| kev_entry(id)).collect();
    let info = KevCatalogInfo {
        catalog_version: "2026.11.27".into(),
        date_released: "2026-11-27T12:00:00.000Z".into(),
        count: kev.len() as u64,
    };
    store
        .import_kev(&Actor::cli(), &info, &kev, T0)
        .await
        .unwrap();
    for (version, step, score) in [("v2023.03.01", 5, 0.5), ("v2025.03.14", 7, 0.25)] {
        let scores: Vec<NewEpssScore> = ids
            .iter()
            .step_by(step)
            .map(|id| NewEpssScore {
                cve: id.clone(),
                epss: score,
                percentile: 0.9,
            })
            .collect();
        store
            .import_epss(&Actor::cli(), version, "2026-09-29", scores, T0)
            .await
            .unwrap();
    }
    let mut asked = ids.clone();
    asked.push("CVE-1999-0001".into());
    asked.push(ids[0].clone());
    let many = store.vulnerability_facts_of(&asked).await.unwrap();
    assert_eq!(many.len(), asked.len());
    for (id, facts) in asked.iter().zip(&many) {
        assert_eq!(facts, &store.vulnerability_facts(id).await.unwrap(), "{id}");
    }
    // The newest model version wins where a CVE has two.
    let both = &many[0];
    assert_eq!(both.epss.as_ref().unwrap().model_version, "v2025.03.14");
    assert!(both.kev.is_some() && both.record.is_some());
    let none = &many[ids.len()];
    assert!(none.kev.is_none() && none.epss.is_none() && none.record.is_none());
}
