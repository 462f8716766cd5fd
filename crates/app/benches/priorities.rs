//! The priority ranking with a million known CVEs, on PostgreSQL.
//!
//! Given `BULWARK_BENCH_DATABASE_URL` (a PostgreSQL database; without it the
//! bench says so and exits), it works in the schema `triage_bench` (the
//! store's triage bench keeps a million cases there; this one adds the
//! CVEs beside them, so the page bench reads both). Unless an earlier run
//! left them, it seeds by bulk SQL 1,000,000 CVE records (varied CISA ADP
//! decision points, one of four real CVSS vector shapes or none), 1,500 KEV
//! entries and 300,000 EPSS scores of one model version, and marks every
//! CVE's priority keys stale as the imports would. Then it times
//! `priorities::refresh_keys` (every key computed with the scoring crate),
//! checks the first page against the full in-memory sort of every CVE, and
//! times `priorities::ranking` at offsets 0, 10,000 and 500,000 and prints
//! medians. Nothing is asserted on time.
//!
//! `BULWARK_BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench \
//!  cargo bench -p bulwark-app --bench priorities`

use std::str::FromStr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bulwark_app::priorities::{priority_of, ranking, refresh_keys};
use bulwark_app::{App, Config};
use bulwark_authz::Authorizer;
use bulwark_core::{OrgKind, PrincipalKind, Role, RoleSet, SystemClock};
use bulwark_scoring::ssvc::MissionWellbeing;
use bulwark_store::{Actor, NewOrganization, NewUser, Store};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use time::macros::datetime;

const SCHEMA: &str = "triage_bench";
const RUNS: usize = 11;
const CVES: i64 = 1_000_000;

/// 1,000,000 records `CVE-2030-0000001` …, decision points and vectors by
/// the number; KEV lists one in 667, EPSS scores three in ten. Every CVE
/// is marked stale, as `import_cves` and `import_kev` mark them.
const SEED: &str = r#"
INSERT INTO cve_records (id, state, date_updated, description, cna_cvss, adp_cvss,
    ssvc_exploitation, ssvc_automatable, ssvc_technical_impact, ssvc_version,
    adp_kev_date_added, raw_sha256, imported_at, updated_at)
SELECT 'CVE-2030-' || lpad(CAST(g AS TEXT), 7, '0'), 'PUBLISHED', NULL, 'A generated flaw.',
    CASE g % 5
        WHEN 0 THEN '[{"version":"3.1","vector":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}]'
        WHEN 1 THEN '[{"version":"3.1","vector":"CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N"}]'
        WHEN 2 THEN '[{"version":"3.1","vector":"CVSS:3.1/AV:L/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N"}]'
        WHEN 3 THEN '[{"version":"4.0","vector":"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"}]'
        ELSE '[]' END,
    '[]',
    CASE WHEN g % 11 = 0 THEN NULL WHEN g % 3 = 0 THEN 'none' WHEN g % 3 = 1 THEN 'poc' ELSE 'active' END,
    CASE WHEN g % 11 = 0 THEN NULL WHEN (g / 3) % 2 = 0 THEN 'no' ELSE 'yes' END,
    CASE WHEN g % 11 = 0 THEN NULL WHEN (g / 6) % 2 = 0 THEN 'partial' ELSE 'total' END,
    CASE WHEN g % 11 = 0 THEN NULL ELSE '2.0.3' END,
    NULL, md5('cve ' || g) || md5('record ' || g), 0, 0
FROM generate_series(CAST(1 AS BIGINT), __CVES__) AS g;

INSERT INTO kev_entries (cve_id, vendor_project, product, vulnerability_name, date_added,
    due_date, known_ransomware_campaign_use, required_action, short_description, notes, cwes,
    first_catalog_version, imported_at, updated_at)
SELECT 'CVE-2030-' || lpad(CAST(g AS TEXT), 7, '0'), 'Vendor ' || (g % 40), 'Product ' || (g % 97),
    'Generated flaw', '2030-01-02', '2030-01-23', 'Unknown', 'Apply mitigations.', 'A flaw.', '', '[]',
    'bench', 0, 0
FROM generate_series(CAST(1 AS BIGINT), __CVES__) AS g WHERE g % 667 = 5;

INSERT INTO epss_scores (cve, model_version, epss, percentile, score_date, updated_at)
SELECT 'CVE-2030-' || lpad(CAST(g AS TEXT), 7, '0'), 'v2025.03.14',
    CAST((g * 7919) % 100000 AS DOUBLE PRECISION) / 100000, 0.5, '2030-01-01', 0
FROM generate_series(CAST(1 AS BIGINT), __CVES__) AS g WHERE g % 10 < 3;

INSERT INTO cve_priority (cve_id)
    SELECT id FROM cve_records UNION SELECT cve_id FROM kev_entries
ON CONFLICT (cve_id) DO UPDATE SET marked = cve_priority.marked + 1;
UPDATE feed_generation SET n = n + 1, known_cves = (SELECT COUNT(*) FROM cve_priority);
"#;

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

async fn run(url: &str) -> Result<(), Box<dyn std::error::Error>> {
    let admin = PgPoolOptions::new()
        .max_connections(1)
        .connect_with(PgConnectOptions::from_str(url)?)
        .await?;
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "CREATE SCHEMA IF NOT EXISTS {SCHEMA}"
    )))
    .execute(&admin)
    .await?;
    admin.close().await;
    let opts = PgConnectOptions::from_str(url)?.options([("search_path", SCHEMA)]);
    let pool = PgPoolOptions::new()
        .max_connections(2)
        .connect_with(opts.clone())
        .await?;
    let store = Store::connect_postgres(opts).await?;
    store.migrate().await?;

    let (held,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM cve_records WHERE id LIKE 'CVE-2030-%'")
            .fetch_one(&pool)
            .await?;
    if held < CVES {
        let t = Instant::now();
        sqlx::raw_sql(sqlx::AssertSqlSafe(
            SEED.replace("__CVES__", &CVES.to_string()),
        ))
        .execute(&pool)
        .await?;
        sqlx::raw_sql("VACUUM ANALYZE").execute(&pool).await?;
        println!(
            "seeded {CVES} CVE records, KEV entries and EPSS scores in {:.1} s",
            t.elapsed().as_secs_f64()
        );
    } else {
        println!("reusing the {held} generated CVE records in {SCHEMA}");
    }

    let t = Instant::now();
    let written = refresh_keys(&store).await?;
    let took = t.elapsed();
    println!(
        "refresh_keys: {written} keys computed and written in {:.1} s ({:.0} keys/s)",
        took.as_secs_f64(),
        written as f64 / took.as_secs_f64().max(1e-9)
    );
    sqlx::raw_sql("ANALYZE cve_priority").execute(&pool).await?;

    let app = App::new(
        store.clone(),
        Authorizer::new()?,
        Arc::new(SystemClock),
        Config::default(),
    );
    let who = match store.user_by_username("bench-ranking").await {
        Ok((u, _)) => u.id,
        Err(_) => {
            let org = store
                .create_organization(
                    &Actor::cli(),
                    &NewOrganization {
                        name: "Bench ranking readers".into(),
                        kind: OrgKind::Researcher,
                        sector: None,
                        reviewing: false,
                    },
                    datetime!(2026-01-01 00:00 UTC),
                )
                .await?;
            store
                .create_user(
                    &Actor::cli(),
                    &NewUser {
                        org_id: org.id,
                        username: "bench-ranking".into(),
                        display_name: "Bench".into(),
                        kind: PrincipalKind::Human,
                        roles: RoleSet::new([Role::Viewer]),
                    },
                    datetime!(2026-01-01 00:00 UTC),
                )
                .await?
                .id
        }
    };
    let who = store.principal(who).await?.ok_or("no principal")?;

    // The first page equals the full sort of every known CVE's facts.
    let t = Instant::now();
    let (total, _) = store.ranked_cves_summary().await?;
    let mut ids: Vec<String> = sqlx::query_scalar("SELECT cve_id FROM cve_priority")
        .fetch_all(&pool)
        .await?;
    ids.sort();
    let mut all = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(10_000) {
        for f in store.vulnerability_facts_of(chunk).await? {
            all.push(priority_of(&f, MissionWellbeing::High));
        }
    }
    bulwark_scoring::priority::sort(&mut all);
    let page = ranking(&app, &who, MissionWellbeing::High, 0, 100).await?;
    let same = page.items.iter().zip(&all).all(|(a, b)| a.id == b.id);
    println!(
        "{total} known CVEs; the full in-memory sort took {:.1} s; first page the same: {}",
        t.elapsed().as_secs_f64(),
        if same { "yes" } else { "NO" }
    );
    assert!(same, "the stored order differs from the full sort");

    for offset in [0u64, 10_000, 500_000] {
        let mut times = Vec::new();
        for _ in 0..RUNS {
            let t = Instant::now();
            let page = ranking(&app, &who, MissionWellbeing::High, offset, 100).await?;
            times.push(t.elapsed());
            assert_eq!(page.items.len(), 100);
        }
        println!(
            "ranking(offset {offset}, 100) median {} (min {}, max {}; {RUNS} runs)",
            ms(median(times.clone())),
            ms(*times.iter().min().ok_or("no runs")?),
            ms(*times.iter().max().ok_or("no runs")?),
        );
    }
    store.close().await;
    pool.close().await;
    Ok(())
}

fn main() {
    let Ok(url) = std::env::var("BULWARK_BENCH_DATABASE_URL") else {
        println!(
            "priorities bench: set BULWARK_BENCH_DATABASE_URL to a PostgreSQL database \
             (e.g. postgres://postgres@127.0.0.1:5432/bench) to run it; skipped"
        );
        return;
    };
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("priorities bench: {e}");
            std::process::exit(1);
        }
    };
    if let Err(e) = rt.block_on(run(&url)) {
        eprintln!("priorities bench: {e}");
        std::process::exit(1);
    }
}
