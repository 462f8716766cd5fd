//! The set the priority order ranks: CVEs with a stored record or a KEV
//! entry, each once, in id order; an EPSS score alone does not add one.
//! On both back-ends.

use bulwark_store::{
    Actor, FACTS_CHUNK, KevCatalogInfo, MAX_KNOWN_CVES, NewCveRecord, NewEpssScore, NewKevEntry,
    PriorityKey, RankedAt, Store, document_address,
};
use time::{OffsetDateTime, macros::datetime};

const T0: OffsetDateTime = datetime!(2026-11-27 12:00 UTC);

bulwark_store::both_backends!(
    known_cves_are_records_and_kev_entries,
    known_cves_is_bounded,
    facts_of_many_equal_facts_of_each,
    imports_mark_keys_stale_and_the_order_reads_the_keys,
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

fn key(
    cve: &str,
    mark: i64,
    ssvc: Option<u8>,
    kev: bool,
    epss: Option<f64>,
    cvss: f64,
) -> PriorityKey {
    PriorityKey {
        cve: cve.into(),
        mark,
        in_kev: kev,
        ssvc: [ssvc, ssvc, ssvc],
        epss: epss.map(|e| (e, "v2025.03.14".to_owned())),
        cvss: Some(cvss),
    }
}

async fn imports_mark_keys_stale_and_the_order_reads_the_keys(store: Store) {
    let ids = ["CVE-2025-10001", "CVE-2025-10002", "CVE-2025-10003"];
    store
        .import_cves(
            &Actor::cli(),
            ids.iter().map(|id| record(id)).collect::<Vec<_>>(),
            T0,
        )
        .await
        .unwrap();
    // New records: known, stale, at their first mark.
    let stale = store.stale_priority_keys(10).await.unwrap();
    assert_eq!(
        stale,
        ids.iter().map(|id| (id.to_string(), 1)).collect::<Vec<_>>()
    );
    // An EPSS score of a CVE nobody else knows adds nothing; one of a
    // known CVE marks it again.
    let scores = [ids[0], "CVE-1999-0001"].map(|id| NewEpssScore {
        cve: id.into(),
        epss: 0.5,
        percentile: 0.9,
    });
    store
        .import_epss(&Actor::cli(), "v2025.03.14", "2026-09-29", scores, T0)
        .await
        .unwrap();
    let stale = store.stale_priority_keys(10).await.unwrap();
    assert_eq!(stale[0], (ids[0].to_string(), 2));
    assert_eq!(stale.len(), 3, "{stale:?}");
    assert_eq!(store.ranked_cves_summary().await.unwrap(), (3, false));

    // Keys written at the marks read: none stale any more, and the order
    // is SSVC, KEV, EPSS, CVSS, id (unknowns last).
    let keys = [
        key(ids[0], 2, Some(0), false, Some(0.5), 9.8),
        key(ids[1], 1, Some(3), false, None, 5.0),
        key(ids[2], 1, None, true, None, 10.0),
    ];
    assert_eq!(store.set_priority_keys(&keys).await.unwrap(), 3);
    assert!(store.stale_priority_keys(10).await.unwrap().is_empty());
    assert_eq!(
        store
            .ranked_cves(RankedAt::High, true, 0, 10)
            .await
            .unwrap(),
        [ids[1], ids[0], ids[2]]
    );
    assert_eq!(
        store.ranked_cves(RankedAt::High, true, 1, 1).await.unwrap(),
        [ids[0]]
    );

    // A KEV listing marks the CVE again; a key computed at the older mark
    // is refused and the CVE stays stale.
    let info = KevCatalogInfo {
        catalog_version: "2026.11.27".into(),
        date_released: "2026-11-27T12:00:00.000Z".into(),
        count: 1,
    };
    store
        .import_kev(&Actor::cli(), &info, &[kev_entry(ids[0])], T0)
        .await
        .unwrap();
    assert_eq!(
        store.stale_priority_keys(10).await.unwrap(),
        [(ids[0].to_string(), 3)]
    );
    assert_eq!(
        store
            .set_priority_keys(&[key(ids[0], 2, Some(3), true, Some(0.5), 9.8)])
            .await
            .unwrap(),
        0
    );
    assert_eq!(store.stale_priority_keys(10).await.unwrap().len(), 1);
    // Scores of two model versions: EPSS is left out of the order.
    let mut mixed = key(ids[1], 1, Some(3), false, Some(0.1), 5.0);
    mixed.epss = Some((0.1, "v2023.03.01".into()));
    store
        .set_priority_keys(&[key(ids[0], 3, Some(3), true, Some(0.5), 9.8), mixed])
        .await
        .unwrap();
    assert_eq!(store.ranked_cves_summary().await.unwrap(), (3, true));
    assert_eq!(
        store
            .ranked_cves(RankedAt::High, false, 0, 10)
            .await
            .unwrap(),
        [ids[0], ids[1], ids[2]]
    );
}
