//! `bulwark import kev|epss|cve` as a script would use it: summaries, a
//! second import that changes nothing, bad input that exits 2 naming the
//! file and the place in it, and nothing written when it does.

use crate::common::*;

use std::path::{Path, PathBuf};

use serde_json::Value;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../scoring/tests/fixtures")
}

/// Runs an import with `--format json`; returns its one object.
fn import(db: &str, feed: &str, path: &Path) -> Value {
    let out = bulwark(&[
        "import",
        feed,
        &path.to_string_lossy(),
        "--database",
        db,
        "--format",
        "json",
    ]);
    assert!(
        out.status.success(),
        "{feed} {}: {}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(text.lines().count(), 1, "one object: {text}");
    serde_json::from_str(&text).unwrap()
}

/// The database's audit length (migrating it first: a refused import may
/// never have opened it).
async fn audit_entries(db: &str) -> i64 {
    let store = bulwark_store::Store::connect(db).await.unwrap();
    store.migrate().await.unwrap();
    let v = store.audit_verify().await.unwrap();
    assert!(v.ok());
    store.close().await;
    v.entries
}

async fn counts(db: &str) -> bulwark_store::FeedCounts {
    let store = bulwark_store::Store::connect(db).await.unwrap();
    store.migrate().await.unwrap();
    let c = store.feed_counts().await.unwrap();
    store.close().await;
    c
}

#[tokio::test]
async fn fixtures_import_once_and_a_second_time_change_nothing() {
    let db = temp_db();
    let f = fixtures();
    let kev = import(&db, "kev", &f.join("kev_excerpt.json"));
    assert_eq!(kev["feed"], "kev");
    assert_eq!(kev["catalog_version"], "2026.08.07");
    assert_eq!(
        (kev["added"].as_u64(), kev["unchanged"].as_u64()),
        (Some(4), Some(0))
    );
    let epss = import(&db, "epss", &f.join("epss_excerpt.csv"));
    assert_eq!(epss["model_version"], "v2026.06.15");
    assert_eq!(epss["score_date"], "2026-09-29T12:00:22Z");
    assert_eq!(epss["added"], 19);
    let cve = import(&db, "cve", &f.join("vulnrichment"));
    assert_eq!(
        (cve["records"].as_u64(), cve["added"].as_u64()),
        (Some(5), Some(5))
    );
    let audit = audit_entries(&db).await;
    assert_eq!(audit, 3, "one audit entry an import");
    let first = counts(&db).await;
    assert_eq!(
        (
            first.kev_catalogs,
            first.kev_entries,
            first.epss_scores,
            first.cve_records
        ),
        (1, 4, 19, 5)
    );

    for (feed, path, n) in [
        ("kev", f.join("kev_excerpt.json"), 4),
        ("epss", f.join("epss_excerpt.csv"), 19),
        ("cve", f.join("vulnrichment"), 5),
    ] {
        let again = import(&db, feed, &path);
        assert_eq!(again["added"], 0, "{feed}: {again}");
        assert_eq!(again["updated"], 0, "{feed}: {again}");
        assert_eq!(again["unchanged"], n, "{feed}: {again}");
        assert_eq!(again["changed"], false, "{feed}: {again}");
    }
    assert_eq!(
        audit_entries(&db).await,
        audit,
        "no audit entry for no change"
    );
    assert_eq!(counts(&db).await, first);

    // The table summary says so too.
    let out = bulwark(&[
        "import",
        "cve",
        &f.join("vulnrichment/2024/1xxx/CVE-2024-1708.json")
            .to_string_lossy(),
        "--database",
        &db,
    ]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.starts_with("1 CVE records: 0 added, 0 updated, 1 unchanged (nothing changed)"),
        "{text}"
    );

    // What was stored, as the scoring crate read it.
    let store = bulwark_store::Store::connect(&db).await.unwrap();
    let facts = store.vulnerability_facts("CVE-2024-1708").await.unwrap();
    let kev = facts.kev.unwrap();
    assert_eq!(
        (kev.entry.date_added.as_str(), kev.entry.due_date.as_str()),
        ("2026-04-28", "2026-05-12")
    );
    let record = facts.record.unwrap().record;
    assert_eq!(record.state, "PUBLISHED");
    assert!(record.date_updated.is_some());
    assert!(record.ssvc_exploitation.is_some());
    let r = store
        .cve_record("CVE-2019-7256")
        .await
        .unwrap()
        .unwrap()
        .record;
    // Capitalised SSVC values in the record, normalised in the store.
    assert_eq!(r.ssvc_exploitation.as_deref(), Some("active"));
    let e = store.epss("CVE-1999-0002").await.unwrap().unwrap();
    assert_eq!((e.epss, e.model_version.as_str()), (0.27858, "v2026.06.15"));
    store.close().await;
}

#[tokio::test]
async fn bad_input_exits_2_naming_the_place_and_writes_nothing() {
    let dir = std::env::temp_dir().join(format!("bulwark-import-bad-{}", uuid::Uuid::now_v7()));
    std::fs::create_dir_all(dir.join("records/2024")).unwrap();
    let db = temp_db();

    // EPSS: a bad score on line 5 (after four good rows).
    let epss = dir.join("epss.csv");
    std::fs::write(
        &epss,
        "#model_version:v1,score_date:2026-01-01T00:00:00Z\ncve,epss,percentile\n\
         CVE-2020-0001,0.1,0.2\nCVE-2020-0002,0.1,0.2\nCVE-2020-0003,high,0.2\n",
    )
    .unwrap();
    let out = bulwark(&["import", "epss", &epss.to_string_lossy(), "--database", &db]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("epss.csv: line 5: epss `high`"), "{err}");
    assert!(out.stdout.is_empty());

    // KEV: a due date that is not a string, at its JSON path.
    let text = std::fs::read_to_string(fixtures().join("kev_excerpt.json")).unwrap();
    let bad = text.replacen("\"dueDate\": \"2024-04-15\"", "\"dueDate\": 20240415", 1);
    assert_ne!(bad, text, "the fixture has that due date");
    let kev = dir.join("kev.json");
    std::fs::write(&kev, bad).unwrap();
    let out = bulwark(&["import", "kev", &kev.to_string_lossy(), "--database", &db]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("kev.json: at vulnerabilities[2].dueDate"),
        "{err}"
    );

    // CVE: one good record and one broken one in a directory: nothing of
    // either is written.
    std::fs::copy(
        fixtures().join("vulnrichment/2024/1xxx/CVE-2024-1708.json"),
        dir.join("records/2024/CVE-2024-1708.json"),
    )
    .unwrap();
    std::fs::write(
        dir.join("records/2024/CVE-2024-9999.json"),
        r#"{"cveMetadata":{"cveId":"CVE-2024-9999","state":"PUBLISHED"},
            "containers":{"cna":{"metrics":[{"cvssV3_1":{"vectorString":"CVSS:3.1/AV:N","baseScore":"high"}}]}}}"#,
    )
    .unwrap();
    let out = bulwark(&[
        "import",
        "cve",
        &dir.join("records").to_string_lossy(),
        "--database",
        &db,
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("CVE-2024-9999.json: at containers.cna.metrics[0].cvssV3_1.baseScore"),
        "{err}"
    );

    // A missing file is bad input too.
    let out = bulwark(&[
        "import",
        "kev",
        &dir.join("nope.json").to_string_lossy(),
        "--database",
        &db,
    ]);
    assert_eq!(out.status.code(), Some(2));

    assert_eq!(counts(&db).await, bulwark_store::FeedCounts::default());
    assert_eq!(audit_entries(&db).await, 0);
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test]
#[ignore = "needs the shared data set"]
async fn the_shared_data_set_imports_once() {
    let db = temp_db();
    let data = shared("prioritization");
    let kev_path = data.join("kev.json");
    let stated: Value = serde_json::from_slice(&std::fs::read(&kev_path).unwrap()).unwrap();
    let kev_count = stated["vulnerabilities"].as_array().unwrap().len() as u64;
    assert_eq!(stated["count"].as_u64(), Some(kev_count));
    let epss_path = data.join("epss_scores-2026-09-29_excerpt.csv");
    let epss_rows = std::fs::read_to_string(&epss_path)
        .unwrap()
        .lines()
        .filter(|l| l.starts_with("CVE-"))
        .count() as u64;
    let records = data.join("vulnrichment_sample");

    for round in 0..2 {
        let kev = import(&db, "kev", &kev_path);
        let epss = import(&db, "epss", &epss_path);
        let cve = import(&db, "cve", &records);
        eprintln!(
            "round {round}: kev {}s, epss {}s, cve {}s",
            kev["seconds"], epss["seconds"], cve["seconds"]
        );
        assert_eq!(kev["entries"], kev_count);
        assert_eq!(epss["rows"], epss_rows);
        assert_eq!(cve["records"], 857);
        if round == 0 {
            assert_eq!(kev["added"], kev_count);
            assert_eq!(epss["added"], epss_rows);
            assert_eq!(cve["added"], 857);
        } else {
            for v in [&kev, &epss, &cve] {
                assert_eq!(v["changed"], false, "{v}");
                assert_eq!(
                    (v["added"].as_u64(), v["updated"].as_u64()),
                    (Some(0), Some(0))
                );
            }
        }
    }
    let c = counts(&db).await;
    assert_eq!(
        (c.kev_entries, c.epss_scores, c.cve_records),
        (kev_count, epss_rows, 857)
    );
    assert_eq!(audit_entries(&db).await, 3);
}
