//! Prioritisation feeds as stored: KEV catalogs imported incrementally by
//! version with dates kept as published, EPSS scores kept per model
//! version, CVE records rewritten only when their bytes change, and a
//! re-import that changes nothing writes nothing (not even an audit entry).
//! On both back-ends.
//!
//! The fixtures are the scoring crate's; this crate does not depend on it,
//! so they are read here with `serde_json` and by splitting lines.

use bulwark_store::{
    Actor, ImportReceipt, KevCatalogInfo, NewCveAffected, NewCveRecord, NewEpssScore, NewKevEntry,
    Store, StoreError, document_address,
};
use serde_json::Value;
use time::{Duration, OffsetDateTime, macros::datetime};

const T0: OffsetDateTime = datetime!(2026-11-27 12:00 UTC);

const KEV: &str = include_str!("../../../scoring/tests/fixtures/kev_excerpt.json");
const EPSS: &str = include_str!("../../../scoring/tests/fixtures/epss_excerpt.csv");
const CVES: [&str; 5] = [
    include_str!("../../../scoring/tests/fixtures/vulnrichment/2019/7xxx/CVE-2019-7256.json"),
    include_str!("../../../scoring/tests/fixtures/vulnrichment/2024/1xxx/CVE-2024-1708.json"),
    include_str!("../../../scoring/tests/fixtures/vulnrichment/2024/6xxx/CVE-2024-6716.json"),
    include_str!("../../../scoring/tests/fixtures/vulnrichment/2022/0xxx/CVE-2022-0028.json"),
    include_str!("../../../scoring/tests/fixtures/vulnrichment/2022/35xxx/CVE-2022-35849.json"),
];

bulwark_store::both_backends!(
    kev_is_imported_once_per_version_with_dates_as_published,
    a_changed_kev_entry_is_updated_and_an_older_catalog_refused,
    epss_model_versions_are_kept_apart,
    cve_records_are_rewritten_only_when_their_bytes_change,
    bad_rows_write_nothing,
    large_epss_imports_span_many_statements,
    affected_rows_follow_their_record,
    affected_rows_are_filled_in_for_records_imported_without_them,
    bad_affected_rows_write_nothing,
    every_kev_entry_in_order,
);

fn s(v: &Value, k: &str) -> String {
    v[k].as_str().unwrap_or_default().to_owned()
}

fn kev(text: &str) -> (KevCatalogInfo, Vec<NewKevEntry>) {
    let v: Value = serde_json::from_str(text).unwrap();
    let info = KevCatalogInfo {
        catalog_version: s(&v, "catalogVersion"),
        date_released: s(&v, "dateReleased"),
        count: v["count"].as_u64().unwrap(),
    };
    let entries = v["vulnerabilities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| NewKevEntry {
            cve_id: s(e, "cveID"),
            vendor_project: s(e, "vendorProject"),
            product: s(e, "product"),
            vulnerability_name: s(e, "vulnerabilityName"),
            date_added: s(e, "dateAdded"),
            due_date: s(e, "dueDate"),
            known_ransomware_campaign_use: s(e, "knownRansomwareCampaignUse"),
            required_action: s(e, "requiredAction"),
            short_description: s(e, "shortDescription"),
            notes: s(e, "notes"),
            cwes: e["cwes"]
                .as_array()
                .map(|a| a.iter().map(|c| c.as_str().unwrap().to_owned()).collect())
                .unwrap_or_default(),
        })
        .collect();
    (info, entries)
}

fn epss_rows(text: &str) -> Vec<NewEpssScore> {
    text.lines()
        .filter(|l| l.starts_with("CVE-"))
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            NewEpssScore {
                cve: f[0].into(),
                epss: f[1].parse().unwrap(),
                percentile: f[2].parse().unwrap(),
            }
        })
        .collect()
}

fn cve(text: &str) -> NewCveRecord {
    let v: Value = serde_json::from_str(text).unwrap();
    let meta = &v["cveMetadata"];
    NewCveRecord {
        id: s(meta, "cveId"),
        state: s(meta, "state"),
        date_updated: meta["dateUpdated"].as_str().map(str::to_owned),
        description: v["containers"]["cna"]["descriptions"][0]["value"]
            .as_str()
            .map(str::to_owned),
        cna_cvss: "[]".into(),
        adp_cvss: "[]".into(),
        ssvc_exploitation: Some("active".into()),
        ssvc_automatable: Some("no".into()),
        ssvc_technical_impact: Some("total".into()),
        ssvc_version: Some("2.0.3".into()),
        adp_kev_date_added: None,
        raw_sha256: document_address(text.as_bytes()),
        affected: Vec::new(),
    }
}

async fn audit_len(store: &Store) -> usize {
    let v = store.audit_verify().await.unwrap();
    assert!(v.ok());
    usize::try_from(v.entries).unwrap()
}

async fn kev_is_imported_once_per_version_with_dates_as_published(store: Store) {
    let (info, entries) = kev(KEV);
    assert_eq!(entries.len(), 4);
    let before = audit_len(&store).await;
    let r = store
        .import_kev(&Actor::cli(), &info, &entries, T0)
        .await
        .unwrap();
    assert_eq!(
        r,
        ImportReceipt {
            added: 4,
            updated: 0,
            unchanged: 0
        }
    );
    assert_eq!(audit_len(&store).await, before + 1);
    let last = store.audit_latest(1).await.unwrap().remove(0);
    assert_eq!(last.action, "feeds.kev.import");
    assert_eq!(last.resource_id, "2026.08.07");
    assert!(last.detail.contains("\"added\":4"), "{}", last.detail);

    // Dates as published, never recomputed.
    let e = store.kev_entry("CVE-2026-8037").await.unwrap().unwrap();
    assert_eq!(e.entry.date_added, "2026-08-07");
    assert_eq!(e.entry.due_date, "2026-08-10");
    assert_eq!(e.first_catalog_version, "2026.08.07");
    assert_eq!(e.entry, entries[0]);
    let e = store.kev_entry("CVE-2019-7256").await.unwrap().unwrap();
    assert_eq!(e.entry.date_added, "2024-03-25");
    assert_eq!(e.entry.due_date, "2024-04-15");

    // The same catalog again: nothing written, no audit entry.
    let counts = store.feed_counts().await.unwrap();
    let again = store
        .import_kev(&Actor::cli(), &info, &entries, T0 + Duration::hours(1))
        .await
        .unwrap();
    assert_eq!(
        again,
        ImportReceipt {
            added: 0,
            updated: 0,
            unchanged: 4
        }
    );
    assert!(!again.changed());
    assert_eq!(store.feed_counts().await.unwrap(), counts);
    assert_eq!(counts.kev_catalogs, 1);
    assert_eq!(counts.kev_entries, 4);
    assert_eq!(audit_len(&store).await, before + 1);
    assert!(store.audit_verify().await.unwrap().ok());
    assert!(store.kev_entry("CVE-2000-0001").await.unwrap().is_none());
}

async fn a_changed_kev_entry_is_updated_and_an_older_catalog_refused(store: Store) {
    let (info, entries) = kev(KEV);
    store
        .import_kev(&Actor::cli(), &info, &entries, T0)
        .await
        .unwrap();

    // The next catalog: one entry's due date moved, one entry new, the
    // others as they were.
    let next = KevCatalogInfo {
        catalog_version: "2026.08.08".into(),
        date_released: "2026-08-08T15:00:00.0000Z".into(),
        count: 5,
    };
    let mut changed = entries.clone();
    changed[1].due_date = "2026-06-01".into();
    changed[1].notes = "moved by a later directive".into();
    let mut added = entries[0].clone();
    added.cve_id = "CVE-2026-9999".into();
    changed.push(added);
    let t1 = T0 + Duration::days(1);
    let r = store
        .import_kev(&Actor::cli(), &next, &changed, t1)
        .await
        .unwrap();
    assert_eq!(
        r,
        ImportReceipt {
            added: 1,
            updated: 1,
            unchanged: 3
        }
    );
    let e = store.kev_entry(&changed[1].cve_id).await.unwrap().unwrap();
    assert_eq!(e.entry.due_date, "2026-06-01");
    assert_eq!(e.entry.date_added, entries[1].date_added);
    assert_eq!(e.first_catalog_version, "2026.08.07");
    assert_eq!(e.imported_at, T0);
    assert_eq!(e.updated_at, t1);
    // An unchanged entry keeps its times.
    let same = store.kev_entry(&entries[0].cve_id).await.unwrap().unwrap();
    assert_eq!(same.updated_at, T0);
    let new = store.kev_entry("CVE-2026-9999").await.unwrap().unwrap();
    assert_eq!(new.first_catalog_version, "2026.08.08");

    // A new version that lists the same entries changes no entry, but is
    // recorded (and audited) as imported.
    let same_again = KevCatalogInfo {
        catalog_version: "2026.08.09".into(),
        date_released: "2026-08-09T15:00:00.0000Z".into(),
        count: 5,
    };
    let audit = audit_len(&store).await;
    let r = store
        .import_kev(&Actor::cli(), &same_again, &changed, t1)
        .await
        .unwrap();
    assert_eq!(r.unchanged, 5);
    assert!(!r.changed());
    assert_eq!(audit_len(&store).await, audit + 1);
    let catalogs = store.kev_catalogs().await.unwrap();
    assert_eq!(catalogs.len(), 3);
    assert_eq!(catalogs[0].catalog_version, "2026.08.09");

    // An older catalog than the newest imported would roll entries back.
    let old = KevCatalogInfo {
        catalog_version: "2026.08.01".into(),
        date_released: "2026-08-01T15:00:00.0000Z".into(),
        count: 4,
    };
    let err = store
        .import_kev(&Actor::cli(), &old, &entries, t1)
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Invalid(_)), "{err}");
    assert_eq!(audit_len(&store).await, audit + 1);
    assert_eq!(store.feed_counts().await.unwrap().kev_catalogs, 3);
}

async fn epss_model_versions_are_kept_apart(store: Store) {
    let rows = epss_rows(EPSS);
    assert_eq!(rows.len(), 19);
    let before = audit_len(&store).await;
    let r = store
        .import_epss(
            &Actor::cli(),
            "v2026.06.15",
            "2026-09-29T12:00:22Z",
            rows.clone(),
            T0,
        )
        .await
        .unwrap();
    assert_eq!(r.added, 19);
    assert_eq!(audit_len(&store).await, before + 1);
    let again = store
        .import_epss(
            &Actor::cli(),
            "v2026.06.15",
            "2026-09-29T12:00:22Z",
            rows.clone(),
            T0,
        )
        .await
        .unwrap();
    assert_eq!(
        again,
        ImportReceipt {
            added: 0,
            updated: 0,
            unchanged: 19
        }
    );
    assert_eq!(audit_len(&store).await, before + 1);

    // The same CVEs under another model version: new rows, not updates.
    let other: Vec<NewEpssScore> = rows
        .iter()
        .map(|r| NewEpssScore {
            epss: r.epss / 2.0,
            ..r.clone()
        })
        .collect();
    let r = store
        .import_epss(
            &Actor::cli(),
            "v2023.03.01",
            "2024-01-01T00:00:00Z",
            other,
            T0,
        )
        .await
        .unwrap();
    assert_eq!(r.added, 19);
    assert_eq!(r.updated, 0);
    assert_eq!(store.feed_counts().await.unwrap().epss_scores, 38);
    let all = store.epss_all("CVE-1999-0002").await.unwrap();
    assert_eq!(all.len(), 2);
    assert_eq!(all[0].model_version, "v2023.03.01");
    assert_eq!(all[0].epss, 0.27858 / 2.0);
    assert_eq!(all[1].model_version, "v2026.06.15");
    assert_eq!(all[1].epss, 0.27858);
    assert_eq!(all[1].percentile, 0.98037);
    // The newest model version answers.
    let latest = store.epss("CVE-1999-0002").await.unwrap().unwrap();
    assert_eq!(latest.model_version, "v2026.06.15");
    assert_eq!(latest.score_date, "2026-09-29T12:00:22Z");

    // The next day's scores of the same model update its rows only.
    let mut next_day = rows.clone();
    next_day[0].epss = 0.5;
    let r = store
        .import_epss(
            &Actor::cli(),
            "v2026.06.15",
            "2026-09-30T12:00:00Z",
            next_day,
            T0,
        )
        .await
        .unwrap();
    assert_eq!(
        r,
        ImportReceipt {
            added: 0,
            updated: 19,
            unchanged: 0
        }
    );
    assert_eq!(
        store.epss_all("CVE-1999-0001").await.unwrap()[0].epss,
        0.03351 / 2.0
    );
    assert_eq!(
        store.epss("CVE-1999-0001").await.unwrap().unwrap().epss,
        0.5
    );
}

async fn cve_records_are_rewritten_only_when_their_bytes_change(store: Store) {
    let records: Vec<NewCveRecord> = CVES.iter().map(|t| cve(t)).collect();
    let before = audit_len(&store).await;
    let r = store
        .import_cves(&Actor::cli(), records.clone(), T0)
        .await
        .unwrap();
    assert_eq!(r.added, 5);
    assert_eq!(audit_len(&store).await, before + 1);
    let last = store.audit_latest(1).await.unwrap().remove(0);
    assert_eq!(last.action, "feeds.cve.import");
    assert!(last.detail.contains("CVE-2024-1708"), "{}", last.detail);

    let again = store
        .import_cves(&Actor::cli(), records.clone(), T0 + Duration::hours(1))
        .await
        .unwrap();
    assert_eq!(again.unchanged, 5);
    assert!(!again.changed());
    assert_eq!(audit_len(&store).await, before + 1);

    let stored = store.cve_record("CVE-2024-1708").await.unwrap().unwrap();
    assert_eq!(stored.record, records[1]);
    assert_eq!(stored.updated_at, T0);

    // A record whose bytes changed (CISA enriched it again) is rewritten.
    let mut changed = records[1].clone();
    changed.ssvc_exploitation = Some("public poc".into());
    changed.raw_sha256 = document_address(b"a newer record");
    let t1 = T0 + Duration::days(1);
    let r = store
        .import_cves(&Actor::cli(), vec![changed.clone()], t1)
        .await
        .unwrap();
    assert_eq!(
        r,
        ImportReceipt {
            added: 0,
            updated: 1,
            unchanged: 0
        }
    );
    let stored = store.cve_record("CVE-2024-1708").await.unwrap().unwrap();
    assert_eq!(stored.record, changed);
    assert_eq!((stored.imported_at, stored.updated_at), (T0, t1));

    // The facts the priority order combines.
    let (info, entries) = kev(KEV);
    store
        .import_kev(&Actor::cli(), &info, &entries, T0)
        .await
        .unwrap();
    let facts = store.vulnerability_facts("CVE-2024-1708").await.unwrap();
    assert_eq!(facts.kev.unwrap().entry.due_date, "2026-05-12");
    assert!(facts.epss.is_none());
    assert_eq!(facts.record.unwrap().record, changed);
    let none = store.vulnerability_facts("CVE-1900-0001").await.unwrap();
    assert!(none.kev.is_none() && none.epss.is_none() && none.record.is_none());
}

async fn bad_rows_write_nothing(store: Store) {
    let before = audit_len(&store).await;
    // A bad row in the second statement: the first statement's rows go too.
    let mut rows: Vec<NewEpssScore> = (0..700)
        .map(|i| NewEpssScore {
            cve: format!("CVE-2026-{i:05}"),
            epss: 0.1,
            percentile: 0.2,
        })
        .collect();
    rows[650].percentile = 1.5;
    let err = store
        .import_epss(&Actor::cli(), "v1", "2026-01-01", rows.clone(), T0)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("CVE-2026-00650"), "{err}");
    rows[650].percentile = 0.2;
    rows[690].cve = "CVE-2026-00001".into();
    let err = store
        .import_epss(&Actor::cli(), "v1", "2026-01-01", rows, T0)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("twice"), "{err}");

    let (info, mut entries) = kev(KEV);
    entries[3].cve_id = entries[0].cve_id.clone();
    assert!(matches!(
        store.import_kev(&Actor::cli(), &info, &entries, T0).await,
        Err(StoreError::Invalid(_))
    ));
    let mut record = cve(CVES[0]);
    record.cna_cvss = "{not json".into();
    assert!(matches!(
        store.import_cves(&Actor::cli(), vec![record], T0).await,
        Err(StoreError::Invalid(_))
    ));
    let mut record = cve(CVES[0]);
    record.raw_sha256 = "abc".into();
    assert!(matches!(
        store.import_cves(&Actor::cli(), vec![record], T0).await,
        Err(StoreError::Invalid(_))
    ));
    assert_eq!(
        store.feed_counts().await.unwrap(),
        bulwark_store::FeedCounts::default()
    );
    assert_eq!(audit_len(&store).await, before);
}

async fn large_epss_imports_span_many_statements(store: Store) {
    let n = 5 * bulwark_store::FEED_CHUNK + 7;
    let rows = |day: f64| {
        (0..n)
            .map(move |i| NewEpssScore {
                cve: format!("CVE-2025-{i:06}"),
                epss: (i as f64 / n as f64) * day,
                percentile: i as f64 / n as f64,
            })
            .collect::<Vec<_>>()
    };
    let r = store
        .import_epss(&Actor::cli(), "v2", "d1", rows(1.0), T0)
        .await
        .unwrap();
    assert_eq!(r.added as usize, n);
    let r = store
        .import_epss(&Actor::cli(), "v2", "d1", rows(1.0), T0)
        .await
        .unwrap();
    assert_eq!(r.unchanged as usize, n);
    // Every score but row 0's (0 either way) changes: only they are rewritten.
    let r = store
        .import_epss(&Actor::cli(), "v2", "d1", rows(0.5), T0)
        .await
        .unwrap();
    assert_eq!(r.updated as usize, n - 1);
    assert_eq!(r.unchanged, 1);
    assert_eq!(store.feed_counts().await.unwrap().epss_scores as usize, n);
}

fn affected(rows: &[(&str, &str, &str)]) -> Vec<NewCveAffected> {
    rows.iter()
        .map(|(v, p, path)| NewCveAffected {
            vendor_key: (*v).into(),
            product_key: (*p).into(),
            entry: format!(r#"{{"path":"{path}"}}"#),
        })
        .collect()
}

/// Rows as (cve, n, vendor key, product key, entry).
fn rows(
    found: Vec<bulwark_store::StoredCveAffected>,
) -> Vec<(String, i64, String, String, String)> {
    found
        .into_iter()
        .map(|r| (r.cve_id, r.n, r.vendor_key, r.product_key, r.entry))
        .collect()
}

fn row(cve: &str, n: i64, v: &str, p: &str, path: &str) -> (String, i64, String, String, String) {
    (
        cve.into(),
        n,
        v.into(),
        p.into(),
        format!(r#"{{"path":"{path}"}}"#),
    )
}

async fn affected_rows_follow_their_record(store: Store) {
    let mut loadmaster = cve(CVES[0]);
    loadmaster.id = "CVE-2026-8037".into();
    loadmaster.affected = affected(&[
        (
            "progress_software",
            "loadmaster",
            "containers.cna.affected[0]",
        ),
        (
            "progress_software",
            "ecs_connections_manager",
            "containers.cna.affected[1]",
        ),
        // The same entry under a CPE's key pair.
        ("progress", "loadmaster", "containers.cna.affected[0]"),
    ]);
    let mut avalanche = cve(CVES[1]);
    avalanche.affected = affected(&[("ivanti", "avalanche", "containers.cna.affected[0]")]);
    let avalanche_id = avalanche.id.clone();
    store
        .import_cves(
            &Actor::cli(),
            vec![loadmaster.clone(), avalanche.clone()],
            T0,
        )
        .await
        .unwrap();
    assert_eq!(
        rows(
            store
                .cve_affected_for("progress_software", "loadmaster")
                .await
                .unwrap()
        ),
        [row(
            "CVE-2026-8037",
            0,
            "progress_software",
            "loadmaster",
            "containers.cna.affected[0]"
        )]
    );
    assert_eq!(
        rows(
            store
                .cve_affected_for("progress", "loadmaster")
                .await
                .unwrap()
        ),
        [row(
            "CVE-2026-8037",
            2,
            "progress",
            "loadmaster",
            "containers.cna.affected[0]"
        )]
    );
    assert_eq!(
        rows(store.cve_affected_of("CVE-2026-8037").await.unwrap())
            .iter()
            .map(|r| r.1)
            .collect::<Vec<_>>(),
        [0, 1, 2]
    );
    assert_eq!(store.cve_affected_of(&avalanche_id).await.unwrap().len(), 1);
    assert!(
        store
            .cve_affected_for("ivanti", "loadmaster")
            .await
            .unwrap()
            .is_empty()
    );
    // The stored record does not carry its rows.
    let stored = store.cve_record("CVE-2026-8037").await.unwrap().unwrap();
    assert!(stored.record.affected.is_empty());

    // Unchanged: nothing written, no audit entry.
    let before = audit_len(&store).await;
    let again = store
        .import_cves(
            &Actor::cli(),
            vec![loadmaster.clone(), avalanche.clone()],
            T0,
        )
        .await
        .unwrap();
    assert!(!again.changed());
    assert_eq!(audit_len(&store).await, before);
    assert_eq!(
        store.cve_affected_of("CVE-2026-8037").await.unwrap().len(),
        3
    );

    // Changed: its rows are replaced; the other record's stay.
    let mut changed = loadmaster.clone();
    changed.raw_sha256 = document_address(b"LoadMaster, republished");
    changed.affected = affected(&[(
        "progress_software",
        "loadmaster",
        "containers.adp[0].affected[0]",
    )]);
    let r = store
        .import_cves(&Actor::cli(), vec![changed], T0 + Duration::days(1))
        .await
        .unwrap();
    assert_eq!(r.updated, 1);
    assert_eq!(
        rows(store.cve_affected_of("CVE-2026-8037").await.unwrap()),
        [row(
            "CVE-2026-8037",
            0,
            "progress_software",
            "loadmaster",
            "containers.adp[0].affected[0]"
        )]
    );
    assert!(
        store
            .cve_affected_for("progress", "loadmaster")
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(store.cve_affected_of(&avalanche_id).await.unwrap().len(), 1);

    // Changed again, now naming nothing: no rows left.
    let mut emptied = loadmaster;
    emptied.raw_sha256 = document_address(b"LoadMaster, withdrawn products");
    emptied.affected = Vec::new();
    store
        .import_cves(&Actor::cli(), vec![emptied], T0 + Duration::days(2))
        .await
        .unwrap();
    assert!(
        store
            .cve_affected_of("CVE-2026-8037")
            .await
            .unwrap()
            .is_empty()
    );
}

async fn affected_rows_are_filled_in_for_records_imported_without_them(store: Store) {
    // As an older Bulwark imported it: no rows.
    let bare: Vec<NewCveRecord> = CVES.iter().map(|t| cve(t)).collect();
    store
        .import_cves(&Actor::cli(), bare.clone(), T0)
        .await
        .unwrap();
    let mut with_rows = bare.clone();
    with_rows[2].affected = affected(&[("vendor", "product", "containers.cna.affected[0]")]);
    let id = with_rows[2].id.clone();
    let before = audit_len(&store).await;
    let r = store
        .import_cves(&Actor::cli(), with_rows.clone(), T0 + Duration::hours(1))
        .await
        .unwrap();
    // The records are unchanged; their rows are new, and audited.
    assert_eq!(
        r,
        ImportReceipt {
            added: 0,
            updated: 0,
            unchanged: 5
        }
    );
    assert_eq!(
        rows(store.cve_affected_of(&id).await.unwrap()),
        [row(
            &id,
            0,
            "vendor",
            "product",
            "containers.cna.affected[0]"
        )]
    );
    assert_eq!(audit_len(&store).await, before + 1);
    let last = store.audit_latest(1).await.unwrap().remove(0);
    assert!(
        last.detail.contains("\"affected_filled_in\":1"),
        "{}",
        last.detail
    );
    // Once filled in, the same import writes nothing.
    store
        .import_cves(&Actor::cli(), with_rows, T0 + Duration::hours(2))
        .await
        .unwrap();
    assert_eq!(audit_len(&store).await, before + 1);
    assert_eq!(store.cve_affected_of(&id).await.unwrap().len(), 1);
}

async fn bad_affected_rows_write_nothing(store: Store) {
    let before = audit_len(&store).await;
    for bad in [
        affected(&[("", "product", "p")]),
        vec![NewCveAffected {
            vendor_key: "v".into(),
            product_key: "p".into(),
            entry: "[1, 2]".into(),
        }],
    ] {
        let mut records: Vec<NewCveRecord> = CVES.iter().map(|t| cve(t)).collect();
        records[0].affected = affected(&[("v", "p", "fine")]);
        records[4].affected = bad;
        let err = store
            .import_cves(&Actor::cli(), records, T0)
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::Invalid(_)), "{err}");
    }
    assert_eq!(store.feed_counts().await.unwrap().cve_records, 0);
    assert!(store.cve_affected_for("v", "p").await.unwrap().is_empty());
    assert_eq!(audit_len(&store).await, before);
}

async fn every_kev_entry_in_order(store: Store) {
    assert!(store.kev_entries_all().await.unwrap().is_empty());
    let (info, entries) = kev(KEV);
    store
        .import_kev(&Actor::cli(), &info, &entries, T0)
        .await
        .unwrap();
    let all = store.kev_entries_all().await.unwrap();
    let mut want: Vec<&str> = entries.iter().map(|e| e.cve_id.as_str()).collect();
    want.sort_unstable();
    assert_eq!(
        all.iter()
            .map(|e| e.entry.cve_id.as_str())
            .collect::<Vec<_>>(),
        want
    );
    let loadmaster = all
        .iter()
        .find(|e| e.entry.cve_id == "CVE-2026-8037")
        .unwrap();
    assert_eq!(loadmaster.entry, entries[0]);
}
