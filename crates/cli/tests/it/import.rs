//! `bulwark import kev|epss|cve` as a script would use it: summaries, a
//! second import that changes nothing, bad records named (file and place
//! in it) and skipped with exit 2 at the end, as `import osv` does, and
//! nothing written with `--strict`.

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

/// Bad input of each source, in a fresh directory: an EPSS file with a bad
/// score on line 5 and a repeated CVE on line 6; a KEV catalog whose third
/// entry's due date is not a string; a directory of CVE records with one
/// good record, one broken record and one JSON file that is no CVE record.
fn bad_inputs() -> (PathBuf, PathBuf, PathBuf, PathBuf) {
    let dir = std::env::temp_dir().join(format!("bulwark-import-bad-{}", uuid::Uuid::now_v7()));
    std::fs::create_dir_all(dir.join("records/2024")).unwrap();
    let epss = dir.join("epss.csv");
    std::fs::write(
        &epss,
        "#model_version:v1,score_date:2026-01-01T00:00:00Z\ncve,epss,percentile\n\
         CVE-2020-0001,0.1,0.2\nCVE-2020-0002,0.1,0.2\nCVE-2020-0003,high,0.2\n\
         CVE-2020-0001,0.3,0.4\nCVE-2020-0004,0.1,0.2\n",
    )
    .unwrap();
    let text = std::fs::read_to_string(fixtures().join("kev_excerpt.json")).unwrap();
    let bad = text.replacen("\"dueDate\": \"2024-04-15\"", "\"dueDate\": 20240415", 1);
    assert_ne!(bad, text, "the fixture has that due date");
    let kev = dir.join("kev.json");
    std::fs::write(&kev, bad).unwrap();
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
    std::fs::write(
        dir.join("records/0-package.json"),
        r#"{"name": "not-a-cve"}"#,
    )
    .unwrap();
    let records = dir.join("records");
    (dir, epss, kev, records)
}

/// `bulwark import FEED PATH --format json` and any `extra` flags.
fn import_with(db: &str, feed: &str, path: &Path, extra: &[&str]) -> std::process::Output {
    let path = path.to_string_lossy();
    let mut args = vec!["import", feed, &path, "--database", db, "--format", "json"];
    args.extend_from_slice(extra);
    bulwark(&args)
}

#[tokio::test]
async fn bad_records_are_named_and_skipped_the_rest_imported_and_exit_2() {
    let (dir, epss, kev, records) = bad_inputs();
    let db = temp_db();

    let out = import_with(&db, "epss", &epss, &[]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let err = stderr(&out);
    assert!(err.contains("epss.csv: line 5: epss `high`"), "{err}");
    assert!(
        err.contains("epss.csv: line 6: "),
        "the repeated CVE: {err}"
    );
    assert!(err.contains("2 bad rows skipped"), "{err}");
    let v: Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    assert_eq!(
        (v["rows"].as_u64(), v["skipped"].as_u64()),
        (Some(3), Some(2))
    );
    assert_eq!(v["added"], 3);

    let out = import_with(&db, "kev", &kev, &[]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let err = stderr(&out);
    assert!(
        err.contains("kev.json: at vulnerabilities[2].dueDate"),
        "{err}"
    );
    assert!(err.contains("1 bad entry skipped"), "{err}");
    let v: Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    assert_eq!(
        (v["entries"].as_u64(), v["skipped"].as_u64()),
        (Some(3), Some(1))
    );

    let out = import_with(&db, "cve", &records, &[]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let err = stderr(&out);
    assert!(
        err.contains("CVE-2024-9999.json: at containers.cna.metrics[0].cvssV3_1.baseScore"),
        "{err}"
    );
    assert!(
        err.contains("0-package.json: "),
        "the file that is no CVE record: {err}"
    );
    assert!(err.contains("2 bad records skipped"), "{err}");
    let v: Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    assert_eq!(
        (v["records"].as_u64(), v["skipped"].as_u64()),
        (Some(1), Some(2))
    );

    let c = counts(&db).await;
    assert_eq!(
        (c.epss_scores, c.kev_catalogs, c.kev_entries, c.cve_records),
        (3, 1, 3, 1),
        "the good rows, entries and records are imported"
    );
    assert_eq!(audit_entries(&db).await, 3);
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test]
async fn strict_writes_nothing_when_anything_is_bad() {
    let (dir, epss, kev, records) = bad_inputs();
    let db = temp_db();
    for (feed, path, named) in [
        ("epss", &epss, "epss.csv: line 5"),
        ("kev", &kev, "kev.json: at vulnerabilities[2].dueDate"),
        ("cve", &records, "CVE-2024-9999.json: at containers"),
    ] {
        let out = import_with(&db, feed, path, &["--strict"]);
        assert_eq!(out.status.code(), Some(2), "{feed}: {out:?}");
        let err = stderr(&out);
        assert!(err.contains(named), "{feed}: {err}");
        assert!(err.contains("nothing imported (--strict)"), "{feed}: {err}");
        assert!(out.stdout.is_empty(), "{feed}");
    }

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

/// Importing KEV re-evaluates the obligations of the systems that run a
/// product it newly lists, and only those; the same catalog again moves
/// nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn importing_kev_creates_the_obligations_of_the_systems_that_run_the_product() {
    use bulwark_app::directives::{self, systems};
    let db = temp_db();
    let store = bulwark_store::Store::connect(&db).await.unwrap();
    store.migrate().await.unwrap();
    let now = time::OffsetDateTime::now_utc();
    let mut agencies = Vec::new();
    for name in ["Department of the Interior", "Department of Energy"] {
        let org = store
            .create_organization(
                &bulwark_store::Actor::cli(),
                &bulwark_store::NewOrganization {
                    name: name.into(),
                    kind: bulwark_core::OrgKind::Agency,
                    sector: None,
                    reviewing: false,
                },
                now,
            )
            .await
            .unwrap();
        let user = store
            .create_user(
                &bulwark_store::Actor::cli(),
                &bulwark_store::NewUser {
                    org_id: org.id,
                    username: format!("u{}", agencies.len()),
                    display_name: "analyst".into(),
                    kind: bulwark_core::PrincipalKind::Human,
                    roles: bulwark_core::RoleSet::new([bulwark_core::Role::Analyst]),
                },
                now,
            )
            .await
            .unwrap();
        let p = store.principal(user.id).await.unwrap().unwrap();
        agencies.push(bulwark_app::Acting::new(p, None));
    }
    let app = bulwark_app::App::with_policy(
        store.clone(),
        std::sync::Arc::new(bulwark_core::SystemClock),
        bulwark_app::Config::default(),
    )
    .unwrap();
    assert!(directives::ensure_default(&app).await.unwrap());
    // Interior runs PAN-OS (listed in the KEV excerpt); Energy runs
    // ScreenConnect's neighbour, a product KEV does not list.
    for (who, vendor, product) in [
        (&agencies[0], "Palo Alto Networks", "PAN-OS"),
        (&agencies[1], "Acme", "Widget Server"),
    ] {
        let s = systems::create(
            &app,
            who,
            serde_json::from_value(serde_json::json!({"name": "edge", "publicly_exposed": "yes"}))
                .unwrap(),
        )
        .await
        .unwrap();
        systems::add_product(
            &app,
            who,
            s.id,
            serde_json::from_value(serde_json::json!({"vendor": vendor, "product": product}))
                .unwrap(),
        )
        .await
        .unwrap();
    }
    store.close().await;
    let first = import(&db, "kev", &fixtures().join("kev_excerpt.json"));
    assert_eq!(first["obligations"]["systems"], 1, "{first}");
    assert_eq!(first["obligations"]["created"], 1, "{first}");
    let again = import(&db, "kev", &fixtures().join("kev_excerpt.json"));
    assert_eq!(again["obligations"], Value::Null, "{again}");
    let store = bulwark_store::Store::connect(&db).await.unwrap();
    let all = store
        .obligations(
            &bulwark_store::ObligationFilter::default(),
            bulwark_store::PageRequest::default(),
        )
        .await
        .unwrap();
    assert_eq!(all.items.len(), 1);
    assert_eq!(all.items[0].vulnerability, "CVE-2022-0028");
    assert_eq!(all.items[0].org_id, agencies[0].principal.org_id);
    store.close().await;
}
