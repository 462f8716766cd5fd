//! OSV advisories as stored: a re-import that changes nothing writes
//! nothing (not even an audit entry), an older copy of a record never
//! replaces a newer one, records are found by id or alias ignoring case
//! and by package, and large imports span many statements. On both
//! back-ends.
//!
//! This crate does not depend on `bulwark-matching`; the records here are
//! built by hand, as the CLI builds them from the parsed records.

use bulwark_store::{
    Actor, AdvisoryPackage, AdvisoryReceipt, NewAdvisory, Store, StoreError, document_address,
};
use serde_json::json;
use time::{Duration, OffsetDateTime, macros::datetime};

const T0: OffsetDateTime = datetime!(2026-11-27 12:00 UTC);

bulwark_store::both_backends!(
    a_second_import_changes_nothing,
    an_older_copy_never_replaces_a_newer_one,
    records_are_found_by_id_alias_and_package,
    bad_records_write_nothing,
    large_imports_span_many_statements,
    compiled_forms_are_kept_and_filled_in,
);

fn pkg(ecosystem: &str, release: Option<&str>, name: &str) -> AdvisoryPackage {
    AdvisoryPackage {
        ecosystem: ecosystem.into(),
        release: release.map(Into::into),
        name: name.into(),
    }
}

/// A record as the CLI would pass it: the fields copied out of the JSON.
fn advisory(
    id: &str,
    modified: &str,
    aliases: &[&str],
    packages: &[AdvisoryPackage],
    summary: &str,
) -> NewAdvisory {
    let raw = json!({
        "id": id,
        "modified": modified,
        "aliases": aliases,
        "summary": summary,
        "affected": packages.iter().map(|p| json!({"package": {
            "ecosystem": match &p.release { Some(r) => format!("{}:{r}", p.ecosystem), None => p.ecosystem.clone() },
            "name": p.name,
        }})).collect::<Vec<_>>(),
    });
    NewAdvisory {
        id: id.into(),
        modified: Some(modified.into()),
        published: Some("2021-01-01T00:00:00Z".into()),
        withdrawn: None,
        summary: Some(summary.into()),
        aliases: aliases.iter().map(|a| (*a).to_owned()).collect(),
        packages: packages.to_vec(),
        raw_json: raw.to_string(),
        // Opaque to the store: any bytes that tell the record apart.
        compiled: format!("compiled {id} {modified}").into_bytes(),
    }
}

fn fixtures() -> Vec<NewAdvisory> {
    vec![
        advisory(
            "RUSTSEC-2021-0003",
            "2023-06-13T13:10:24Z",
            &["CVE-2021-25900", "GHSA-43w2-9j62-hq99"],
            &[pkg("crates.io", None, "smallvec")],
            "Buffer overflow in SmallVec::insert_many",
        ),
        advisory(
            "GHSA-43w2-9j62-hq99",
            "2023-06-14T00:00:00Z",
            &["CVE-2021-25900", "RUSTSEC-2021-0003"],
            &[
                pkg("crates.io", None, "smallvec"),
                // Twice: stored once.
                pkg("crates.io", None, "smallvec"),
            ],
            "smallvec buffer overflow",
        ),
        advisory(
            "DEBIAN-CVE-2023-0001",
            "2024-01-01T00:00:00Z",
            &["CVE-2023-0001"],
            &[
                pkg("Debian", Some("11"), "curl"),
                pkg("Debian", Some("12"), "curl"),
            ],
            "curl",
        ),
    ]
}

async fn audit_len(store: &Store) -> u64 {
    let v = store.audit_verify().await.unwrap();
    assert!(v.ok());
    v.entries as u64
}

fn r(added: u64, updated: u64, unchanged: u64, older: u64) -> AdvisoryReceipt {
    AdvisoryReceipt {
        added,
        updated,
        unchanged,
        older,
    }
}

async fn a_second_import_changes_nothing(store: Store) {
    let actor = Actor::cli();
    let first = store
        .import_advisories(&actor, fixtures(), T0)
        .await
        .unwrap();
    assert_eq!(first, r(3, 0, 0, 0));
    assert_eq!(store.advisory_count().await.unwrap(), 3);
    assert_eq!(audit_len(&store).await, 1, "one audit entry an import");

    let again = store
        .import_advisories(&actor, fixtures(), T0 + Duration::hours(1))
        .await
        .unwrap();
    assert_eq!(again, r(0, 0, 3, 0));
    assert!(!again.changed());
    assert_eq!(audit_len(&store).await, 1, "nothing changed: no entry");
    let stored = store.advisory("RUSTSEC-2021-0003").await.unwrap();
    assert_eq!(stored[0].imported_at, T0);
    assert_eq!(stored[0].updated_at, T0);
    assert_eq!(
        stored[0].raw_sha256,
        document_address(fixtures()[0].raw_json.as_bytes())
    );

    // An empty import changes nothing either.
    let none = store
        .import_advisories(&actor, Vec::new(), T0)
        .await
        .unwrap();
    assert_eq!(none, r(0, 0, 0, 0));
    assert_eq!(audit_len(&store).await, 1);
}

async fn an_older_copy_never_replaces_a_newer_one(store: Store) {
    let actor = Actor::cli();
    let smallvec = [pkg("crates.io", None, "smallvec")];
    let newer = advisory(
        "RUSTSEC-2021-0003",
        "2023-06-13T13:10:24Z",
        &["CVE-2021-25900"],
        &smallvec,
        "newer",
    );
    store
        .import_advisories(&actor, [newer.clone()], T0)
        .await
        .unwrap();

    // A mirror's old copy: different bytes, modified earlier.
    let older = advisory(
        "RUSTSEC-2021-0003",
        "2021-01-08T12:00:00Z",
        &["CVE-2021-25900", "CVE-2000-0001"],
        &smallvec,
        "older",
    );
    let rec = store
        .import_advisories(&actor, [older], T0 + Duration::hours(1))
        .await
        .unwrap();
    assert_eq!(rec, r(0, 0, 0, 1));
    assert!(!rec.changed());
    assert_eq!(audit_len(&store).await, 1);
    let stored = &store.advisory("RUSTSEC-2021-0003").await.unwrap()[0];
    assert_eq!(stored.summary.as_deref(), Some("newer"));
    assert_eq!(stored.raw_json, newer.raw_json);
    assert!(store.advisory("CVE-2000-0001").await.unwrap().is_empty());

    // The same instant written another way is not older: a different copy
    // then replaces the stored one.
    let same_instant = advisory(
        "RUSTSEC-2021-0003",
        "2023-06-13T15:10:24+02:00",
        &["CVE-2021-25900"],
        &smallvec,
        "same instant",
    );
    let rec = store
        .import_advisories(&actor, [same_instant], T0 + Duration::hours(2))
        .await
        .unwrap();
    assert_eq!(rec, r(0, 1, 0, 0));

    // A newer copy replaces it, with its names and packages.
    let newest = advisory(
        "RUSTSEC-2021-0003",
        "2024-02-01T00:00:00.5Z",
        &["CVE-2024-9999"],
        &[pkg("crates.io", None, "smallvec2")],
        "newest",
    );
    let rec = store
        .import_advisories(&actor, [newest.clone()], T0 + Duration::hours(3))
        .await
        .unwrap();
    assert_eq!(rec, r(0, 1, 0, 0));
    assert_eq!(audit_len(&store).await, 3);
    let stored = &store.advisory("cve-2024-9999").await.unwrap()[0];
    assert_eq!(stored.id, "RUSTSEC-2021-0003");
    assert_eq!(stored.modified.as_deref(), Some("2024-02-01T00:00:00.5Z"));
    assert_eq!(stored.raw_json, newest.raw_json);
    assert_eq!(stored.imported_at, T0);
    assert_eq!(stored.updated_at, T0 + Duration::hours(3));
    assert!(store.advisory("CVE-2021-25900").await.unwrap().is_empty());
    assert!(
        store
            .advisories_for_package("crates.io", "smallvec")
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        store
            .advisories_for_package("crates.io", "smallvec2")
            .await
            .unwrap()
            .len(),
        1
    );

    // A copy without `modified` is older than any copy with one.
    let mut undated = newest.clone();
    undated.modified = None;
    undated.summary = Some("undated".into());
    undated.raw_json = json!({"id": "RUSTSEC-2021-0003"}).to_string();
    let rec = store
        .import_advisories(&actor, [undated], T0 + Duration::hours(4))
        .await
        .unwrap();
    assert_eq!(rec, r(0, 0, 0, 1));
    assert_eq!(store.advisory_count().await.unwrap(), 1);
}

async fn records_are_found_by_id_alias_and_package(store: Store) {
    let actor = Actor::cli();
    let mut all = fixtures();
    let mut withdrawn = advisory(
        "PYSEC-2020-1",
        "2022-01-01T00:00:00Z",
        &[],
        &[pkg("PyPI", None, "django")],
        "withdrawn",
    );
    withdrawn.withdrawn = Some("2022-01-01T00:00:00Z".into());
    all.push(withdrawn);
    store.import_advisories(&actor, all, T0).await.unwrap();

    // By id, and by alias ignoring case: the record whose id it is first.
    let ids = |v: Vec<bulwark_store::StoredAdvisory>| -> Vec<String> {
        v.into_iter().map(|a| a.id).collect()
    };
    assert_eq!(
        ids(store.advisory("ghsa-43w2-9j62-hq99").await.unwrap()),
        ["GHSA-43w2-9j62-hq99", "RUSTSEC-2021-0003"]
    );
    assert_eq!(
        ids(store.advisory("RUSTSEC-2021-0003").await.unwrap()),
        ["RUSTSEC-2021-0003", "GHSA-43w2-9j62-hq99"]
    );
    assert_eq!(
        ids(store.advisory("cve-2021-25900").await.unwrap()),
        ["GHSA-43w2-9j62-hq99", "RUSTSEC-2021-0003"]
    );
    assert_eq!(
        ids(store.advisory(" CVE-2023-0001 ").await.unwrap()),
        ["DEBIAN-CVE-2023-0001"]
    );
    assert!(store.advisory("CVE-1999-0001").await.unwrap().is_empty());

    // By package: any release, each record once, by id.
    assert_eq!(
        ids(store
            .advisories_for_package("crates.io", "smallvec")
            .await
            .unwrap()),
        ["GHSA-43w2-9j62-hq99", "RUSTSEC-2021-0003"]
    );
    let curl = store
        .advisories_for_package("Debian", "curl")
        .await
        .unwrap();
    assert_eq!(ids(curl.clone()), ["DEBIAN-CVE-2023-0001"]);
    let raw: serde_json::Value = serde_json::from_str(&curl[0].raw_json).unwrap();
    assert_eq!(raw["affected"][1]["package"]["ecosystem"], "Debian:12");
    assert!(
        store
            .advisories_for_package("Debian", "Curl")
            .await
            .unwrap()
            .is_empty(),
        "names are matched as the caller normalised them"
    );
    let django = store
        .advisories_for_package("PyPI", "django")
        .await
        .unwrap();
    assert_eq!(django[0].withdrawn.as_deref(), Some("2022-01-01T00:00:00Z"));
    assert_eq!(store.advisory_count().await.unwrap(), 4);
}

async fn bad_records_write_nothing(store: Store) {
    let actor = Actor::cli();
    let mut twice = fixtures();
    twice.push(fixtures()[0].clone());
    assert!(matches!(
        store.import_advisories(&actor, twice, T0).await,
        Err(StoreError::Invalid(m)) if m.contains("twice")
    ));
    let mut not_json = fixtures();
    not_json[2].raw_json = "[1, 2]".into();
    assert!(matches!(
        store.import_advisories(&actor, not_json, T0).await,
        Err(StoreError::Invalid(m)) if m.contains("DEBIAN-CVE-2023-0001")
    ));
    let mut bad_alias = fixtures();
    bad_alias[1].aliases.push("CVE 2021".into());
    assert!(matches!(
        store.import_advisories(&actor, bad_alias, T0).await,
        Err(StoreError::Invalid(_))
    ));
    assert_eq!(store.advisory_count().await.unwrap(), 0);
    assert_eq!(audit_len(&store).await, 0);
}

async fn large_imports_span_many_statements(store: Store) {
    let actor = Actor::cli();
    let n = 1_234;
    let make = |modified: &str| -> Vec<NewAdvisory> {
        (0..n)
            .map(|i| {
                advisory(
                    &format!("TEST-{i:05}"),
                    modified,
                    &[&format!("CVE-2026-{i:05}"), &format!("ALIAS-{i}")],
                    &[
                        pkg("npm", None, &format!("p{}", i % 7)),
                        pkg("Ubuntu", Some("22.04"), "shared"),
                    ],
                    "x",
                )
            })
            .collect()
    };
    let rec = store
        .import_advisories(&actor, make("2026-01-01T00:00:00Z"), T0)
        .await
        .unwrap();
    assert_eq!(rec, r(n, 0, 0, 0));
    assert_eq!(store.advisory_count().await.unwrap(), n);
    assert_eq!(
        store
            .advisories_for_package("Ubuntu", "shared")
            .await
            .unwrap()
            .len() as u64,
        n
    );
    assert_eq!(
        store.advisory("alias-1233").await.unwrap()[0].id,
        "TEST-01233"
    );

    // Every record replaced: names and packages rewritten, not doubled.
    let rec = store
        .import_advisories(&actor, make("2026-02-01T00:00:00Z"), T0)
        .await
        .unwrap();
    assert_eq!(rec, r(0, n, 0, 0));
    assert_eq!(
        store
            .advisories_for_package("npm", "p3")
            .await
            .unwrap()
            .len(),
        (0..n).filter(|i| i % 7 == 3).count()
    );
    assert_eq!(store.advisory("CVE-2026-00042").await.unwrap().len(), 1);
    assert_eq!(audit_len(&store).await, 2);

    // Paged in id order.
    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = store.all_advisories(after.as_deref(), 500).await.unwrap();
        let Some(last) = page.last() else { break };
        after = Some(last.id.clone());
        seen.extend(page.into_iter().map(|a| a.id));
    }
    assert_eq!(seen.len() as u64, n);
    assert!(seen.windows(2).all(|w| w[0] < w[1]));
    assert_eq!(seen[0], "TEST-00000");
}

/// Every compiled record, then every record without, each by id, a page
/// of two at a time.
async fn compiled_all(store: &Store) -> Vec<bulwark_store::CompiledAdvisory> {
    let mut out = Vec::new();
    for compiled in [true, false] {
        let mut after: Option<String> = None;
        loop {
            let page = if compiled {
                store.compiled_advisories(after.as_deref(), 2).await
            } else {
                store.uncompiled_advisories(after.as_deref(), 2).await
            }
            .unwrap();
            let Some(last) = page.last() else { break };
            after = Some(last.id.clone());
            out.extend(page);
        }
    }
    out
}

async fn compiled_forms_are_kept_and_filled_in(store: Store) {
    let actor = Actor::cli();
    // Imported without a compiled form (as before migration 0039).
    let bare: Vec<NewAdvisory> = fixtures()
        .into_iter()
        .map(|mut a| {
            a.compiled.clear();
            a
        })
        .collect();
    assert_eq!(store.advisory_generation().await.unwrap().0, 0);
    store.import_advisories(&actor, bare, T0).await.unwrap();
    let generation = store.advisory_generation().await.unwrap();
    assert_eq!(generation.0, 3);
    assert_eq!(store.uncompiled_advisory_count().await.unwrap(), 3);
    let rows = compiled_all(&store).await;
    assert_eq!(rows.len(), 3);
    for (row, f) in rows.iter().zip({
        let mut f = fixtures();
        f.sort_by(|a, b| a.id.cmp(&b.id));
        f
    }) {
        assert_eq!(row.id, f.id);
        assert_eq!(row.compiled, None);
        assert_eq!(row.raw_json.as_deref(), Some(f.raw_json.as_str()));
    }
    // The same records again, compiled: unchanged, yet the compiled form
    // is filled in (and no audit entry: the record did not change).
    let before = audit_len(&store).await;
    let again = store
        .import_advisories(&actor, fixtures(), T0 + Duration::hours(1))
        .await
        .unwrap();
    assert_eq!(again, r(0, 0, 3, 0));
    assert_eq!(audit_len(&store).await, before);
    assert_eq!(
        store.advisory_generation().await.unwrap(),
        generation,
        "no record changed"
    );
    assert_eq!(store.uncompiled_advisory_count().await.unwrap(), 0);
    let rows = compiled_all(&store).await;
    assert_eq!(rows.len(), 3);
    for row in &rows {
        let modified = &store.advisory(&row.id).await.unwrap()[0].modified;
        assert_eq!(
            row.compiled.as_deref(),
            Some(format!("compiled {} {}", row.id, modified.as_deref().unwrap_or("")).as_bytes())
        );
        assert_eq!(row.raw_json, None, "JSON only where nothing is compiled");
    }
    // A newer copy replaces the compiled form with its own.
    let mut newer = fixtures().remove(0);
    newer.modified = Some("2030-01-01T00:00:00Z".into());
    newer.raw_json = newer
        .raw_json
        .replace("2023-06-13T13:10:24Z", "2030-01-01T00:00:00Z");
    newer.compiled = b"compiled newer".to_vec();
    let id = newer.id.clone();
    assert_eq!(
        store
            .import_advisories(&actor, vec![newer], T0 + Duration::hours(2))
            .await
            .unwrap(),
        r(0, 1, 0, 0)
    );
    let rows = compiled_all(&store).await;
    let row = rows.iter().find(|r| r.id == id).unwrap();
    assert_eq!(row.compiled.as_deref(), Some(&b"compiled newer"[..]));
    let moved = store.advisory_generation().await.unwrap();
    assert_eq!(moved.0, 3);
    assert!(
        moved.1 > generation.1,
        "a replaced record moves the generation on"
    );
    // A newer copy without a compiled form drops the older one's.
    let mut bare = fixtures().remove(0);
    bare.modified = Some("2031-01-01T00:00:00Z".into());
    bare.raw_json = bare
        .raw_json
        .replace("2023-06-13T13:10:24Z", "2031-01-01T00:00:00Z");
    bare.compiled.clear();
    store
        .import_advisories(&actor, vec![bare.clone()], T0 + Duration::hours(3))
        .await
        .unwrap();
    assert_eq!(store.uncompiled_advisory_count().await.unwrap(), 1);
    let rows = compiled_all(&store).await;
    let row = rows.iter().find(|r| r.id == id).unwrap();
    assert_eq!(
        (row.compiled.as_deref(), row.raw_json.as_deref()),
        (None, Some(bare.raw_json.as_str()))
    );
    // And a new record counts in the generation.
    store
        .import_advisories(
            &actor,
            vec![advisory(
                "GHSA-new1-xxxx-yyyy",
                "2024-01-01T00:00:00Z",
                &[],
                &[],
                "n",
            )],
            T0 + Duration::hours(4),
        )
        .await
        .unwrap();
    assert_eq!(store.advisory_generation().await.unwrap().0, 4);
    assert_eq!(store.advisory_count().await.unwrap(), 4);
}
