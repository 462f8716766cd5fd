//! The triage queue with a million pending cases, on PostgreSQL.
//!
//! Given `BULWARK_BENCH_DATABASE_URL` (a PostgreSQL database; without it the
//! bench says so and exits), it recreates the schema `triage_bench` there,
//! migrates it, and seeds by bulk SQL 1,000,000 pending cases (one report
//! each) from 20 organizations (one with half of them), a few tools (one on
//! 60%, one on five cases with the best record, one named once) and two
//! models, plus ~100,000 validated and rejected cases that give the sources
//! different records. `case_sources` and `source_stats` are written as the
//! store keeps them and checked against the store's recount. Then it times
//! `triage_queue(50)`, `triage_page(1000, 50)` and `triage_page(10000, 50)`
//! and prints medians, and runs the queue's first statement (which scored
//! every pending case) once at offsets 0 and 10,000, for comparison and to
//! check that the orders agree. Nothing is asserted on time.
//!
//! Seeding takes minutes; with `BULWARK_BENCH_REUSE` set, a complete
//! earlier seeding of the schema is kept instead (and checked again).
//!
//! `BULWARK_BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench \
//!  cargo bench -p bulwark-store --bench triage`

use std::str::FromStr;
use std::time::{Duration, Instant};

use bulwark_core::OrgKind;
use bulwark_store::{Actor, NewOrganization, Store};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use time::macros::datetime;

const SCHEMA: &str = "triage_bench";
const RUNS: usize = 11;

/// 2026-01-01 in microseconds; pending cases follow, three to a second.
const T0: i64 = 1_767_225_600_000_000;

/// Seeds through a staging table: one row per case, then every table the
/// store keeps for it, derived the way the store derives them.
const SEED: &str = r#"
CREATE TABLE bench_orgs AS
    SELECT CAST(row_number() OVER (ORDER BY name) - 1 AS INT) AS idx, id
    FROM organizations WHERE name LIKE 'Bench Org %';

CREATE TABLE bench_seed (
    g BIGINT PRIMARY KEY, id UUID NOT NULL, state TEXT NOT NULL, org_idx INT NOT NULL,
    tool TEXT, model TEXT, version TEXT, at BIGINT NOT NULL
);

-- 1,000,000 pending cases: half from organization 0, the rest over 19;
-- BigScan on 60%, MidScan 20%, SmallScan 20%, RareScan on five, OneOffScan
-- on one (no record: it counts for nothing); gpt-x 1 on 30%, claude-y 2 on
-- ~3,000. Three cases to a first-report second (ties go to the case id).
INSERT INTO bench_seed
SELECT g, CAST(md5('bench case ' || g) AS UUID),
    CASE WHEN g % 7 = 0 THEN 'triaged' ELSE 'new' END,
    CASE WHEN g % 2 = 0 THEN 0 ELSE CAST(1 + (g / 2) % 19 AS INT) END,
    CASE WHEN g % 200000 = 17 THEN 'RareScan' WHEN g = 123457 THEN 'OneOffScan'
         WHEN g % 10 < 6 THEN 'BigScan' WHEN g % 10 < 8 THEN 'MidScan' ELSE 'SmallScan' END,
    CASE WHEN g % 333 = 5 THEN 'claude-y' WHEN g % 10 IN (1, 4, 7) THEN 'gpt-x' END,
    CASE WHEN g % 333 = 5 THEN '2' WHEN g % 10 IN (1, 4, 7) THEN '1' END,
    __T0__ + (g / 3) * 1000000
FROM generate_series(CAST(1 AS BIGINT), 1000000) AS g;

-- Records: cases decided before the pending ones were reported.
-- RareScan 20 validated; claude-y 2 2,000 validated; BigScan 50,000
-- validated; gpt-x 1 20,000 validated; MidScan 5,000 and SmallScan 2,000
-- rejected; organization i 200·i validated and 1,000 rejected.
INSERT INTO bench_seed
SELECT 2000000 + g, CAST(md5('bench case ' || (2000000 + g)) AS UUID),
    CASE WHEN g <= 72020 THEN 'validated' ELSE 'rejected' END,
    CAST(g % 20 AS INT),
    CASE WHEN g <= 20 THEN 'RareScan' WHEN g <= 2020 THEN NULL WHEN g <= 52020 THEN 'BigScan'
         WHEN g <= 72020 THEN NULL WHEN g <= 77020 THEN 'MidScan' ELSE 'SmallScan' END,
    CASE WHEN g BETWEEN 21 AND 2020 THEN 'claude-y' WHEN g BETWEEN 52021 AND 72020 THEN 'gpt-x' END,
    CASE WHEN g BETWEEN 21 AND 2020 THEN '2' WHEN g BETWEEN 52021 AND 72020 THEN '1' END,
    __T0__ - 86400000000 - g * 1000000
FROM generate_series(CAST(1 AS BIGINT), 79020) AS g;
INSERT INTO bench_seed
SELECT 3000000 + n, CAST(md5('bench case ' || (3000000 + n)) AS UUID),
    CASE WHEN k <= 200 * i THEN 'validated' ELSE 'rejected' END,
    i, NULL, NULL, NULL,
    __T0__ - 172800000000 - n * 1000000
FROM (
    SELECT i, k, row_number() OVER (ORDER BY i, k) AS n
    FROM generate_series(0, 19) AS i, generate_series(1, 4800) AS k
    WHERE k <= 200 * i + 1000
) AS per_org;

INSERT INTO raw_documents (sha256, media_type, size, content, first_org, at)
    SELECT 'bench', 'application/sarif+json', 0, '\x', id, __T0__ FROM bench_orgs WHERE idx = 0;

INSERT INTO cases (id, state, title, rule_id, target_id, first_reporter_org, first_reported_at,
        created_at, updated_at)
    SELECT s.id, s.state, 'finding ' || s.g, 'c/overflow', NULL, o.id, s.at, s.at, s.at
    FROM bench_seed s JOIN bench_orgs o ON o.idx = s.org_idx;

INSERT INTO case_fingerprints (fingerprint, case_id)
    SELECT 'bwk1:bench' || g, id FROM bench_seed;

INSERT INTO reports (id, case_id, org_id, submitted_by, fingerprint, document, rule_id, title,
        location, tool_name, tool_version, ai_model, ai_model_version, detail, reported_at)
    SELECT CAST(md5('bench report ' || s.g) AS UUID), s.id, o.id, NULL, 'bwk1:bench' || s.g,
        'bench', 'c/overflow', 'finding ' || s.g, 'src/lib.c:10', s.tool,
        CASE WHEN s.tool IS NOT NULL THEN '1.0' END, s.model, s.version, '{}', s.at
    FROM bench_seed s JOIN bench_orgs o ON o.idx = s.org_idx;

-- As the store derives them (migration 0014, then 0015's pending_at).
INSERT INTO case_sources (case_id, kind, source)
    SELECT DISTINCT case_id, 'org', replace(CAST(org_id AS TEXT), '-', '') FROM reports;
INSERT INTO case_sources (case_id, kind, source)
    SELECT DISTINCT case_id, 'tool', tool_name FROM reports WHERE tool_name IS NOT NULL;
INSERT INTO case_sources (case_id, kind, source)
    SELECT DISTINCT case_id, 'model', rtrim(ai_model || ' ' || COALESCE(ai_model_version, ''))
    FROM reports WHERE ai_model IS NOT NULL;
UPDATE case_sources cs SET pending_at = c.first_reported_at
    FROM cases c
    WHERE c.id = cs.case_id AND c.state IN ('new', 'triaged') AND c.merged_into IS NULL;
INSERT INTO source_stats (kind, source, submitted, validated)
    SELECT cs.kind, cs.source, COUNT(*), SUM(CASE WHEN c.state = 'validated' THEN 1 ELSE 0 END)
    FROM case_sources cs JOIN cases c ON c.id = cs.case_id
    GROUP BY cs.kind, cs.source;

DROP TABLE bench_seed;
DROP TABLE bench_orgs;
"#;

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

/// Seeds the cases (see [`SEED`]) and leaves a mark that they are complete.
async fn seed(store: &Store, pool: &sqlx::PgPool) -> Result<(), Box<dyn std::error::Error>> {
    for i in 0..20 {
        store
            .create_organization(
                &Actor::cli(),
                &NewOrganization {
                    name: format!("Bench Org {i:02}"),
                    kind: OrgKind::Researcher,
                    sector: None,
                    reviewing: false,
                },
                datetime!(2026-01-01 00:00 UTC),
            )
            .await?;
    }
    sqlx::raw_sql(sqlx::AssertSqlSafe(SEED.replace("__T0__", &T0.to_string())))
        .execute(pool)
        .await?;
    // As autovacuum would have by then (statistics, visibility map).
    sqlx::raw_sql("VACUUM ANALYZE").execute(pool).await?;
    sqlx::raw_sql("CREATE TABLE bench_seeded (at BIGINT)")
        .execute(pool)
        .await?;
    Ok(())
}

async fn run(url: &str) -> Result<(), Box<dyn std::error::Error>> {
    let admin = PgPoolOptions::new()
        .max_connections(1)
        .connect_with(PgConnectOptions::from_str(url)?)
        .await?;
    // A fresh schema each run, unless BULWARK_BENCH_REUSE asks to keep the
    // cases a complete earlier run seeded (seeding takes minutes).
    let (seeded,): (bool,) = sqlx::query_as(
        "SELECT EXISTS (SELECT 1 FROM information_schema.tables \
         WHERE table_schema = $1 AND table_name = 'bench_seeded')",
    )
    .bind(SCHEMA)
    .fetch_one(&admin)
    .await?;
    let reuse = seeded && std::env::var_os("BULWARK_BENCH_REUSE").is_some();
    if !reuse {
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
            "DROP SCHEMA IF EXISTS {SCHEMA} CASCADE; CREATE SCHEMA {SCHEMA}"
        )))
        .execute(&admin)
        .await?;
    }
    admin.close().await;
    let opts = PgConnectOptions::from_str(url)?.options([("search_path", SCHEMA)]);
    let pool = PgPoolOptions::new()
        .max_connections(2)
        .connect_with(opts.clone())
        .await?;
    let store = Store::connect_postgres(opts).await?;
    store.migrate().await?;

    let started = Instant::now();
    if reuse {
        println!("reusing the cases seeded in {SCHEMA} (BULWARK_BENCH_REUSE)");
    } else {
        seed(&store, &pool).await?;
    }
    let (pending,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM cases WHERE state IN ('new', 'triaged') AND merged_into IS NULL",
    )
    .fetch_one(&pool)
    .await?;
    let (all,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM cases")
        .fetch_one(&pool)
        .await?;
    println!(
        "{pending} pending cases ({all} in all), ready in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    // The counters as the store keeps them: equal to its recount.
    let mut kept = store.source_reliability().await?;
    let mut recount = store.recount_source_reliability().await?;
    let key = |s: &bulwark_store::SourceReliability| (s.kind, s.source.clone());
    kept.sort_by_key(key);
    recount.sort_by_key(key);
    assert_eq!(kept, recount, "seeded source_stats out of step");
    let (stale,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM case_sources cs JOIN cases c ON c.id = cs.case_id \
         WHERE cs.pending_at IS DISTINCT FROM (CASE WHEN c.state IN ('new', 'triaged') \
         AND c.merged_into IS NULL THEN c.first_reported_at END)",
    )
    .fetch_one(&pool)
    .await?;
    assert_eq!(stale, 0, "case_sources.pending_at out of step");
    println!(
        "counters equal the store's recount; {} sources:",
        kept.len()
    );
    for s in &kept {
        let score = (s.validated + 1) as f64 / (s.submitted + 1) as f64;
        println!(
            "  {:5} {:36} submitted {:7} validated {:6} score {score:.4}",
            s.kind, s.source, s.submitted, s.validated
        );
    }

    for (offset, limit) in [(0u32, 50u32), (1000, 50), (10_000, 50)] {
        let first = store.triage_page(offset, limit).await?;
        assert_eq!(first.len(), limit as usize);
        let mut times = Vec::new();
        for _ in 0..RUNS {
            let t = Instant::now();
            let page = store.triage_page(offset, limit).await?;
            times.push(t.elapsed());
            assert_eq!(page, first);
        }
        let name = if offset == 0 {
            format!("triage_queue({limit})")
        } else {
            format!("triage_page({offset}, {limit})")
        };
        println!(
            "{name:24} median {} (min {}, max {}; {RUNS} runs); first: {} {:.4} via {} {}",
            ms(median(times.clone())),
            ms(*times.iter().min().unwrap()),
            ms(*times.iter().max().unwrap()),
            first[0].case_id,
            first[0].score,
            first[0].basis.as_ref().map_or("-", |b| b.kind),
            first[0].basis.as_ref().map_or("", |b| b.source.as_str()),
        );
    }

    for offset in [0i64, 10_000] {
        let t = Instant::now();
        let old: Vec<(uuid::Uuid,)> = sqlx::query_as(bulwark_store::testing::TRIAGE_REFERENCE_SQL)
            .bind(50i64)
            .bind(offset)
            .fetch_all(&pool)
            .await?;
        let took = t.elapsed();
        let new: Vec<uuid::Uuid> = store
            .triage_page(offset as u32, 50)
            .await?
            .iter()
            .map(|e| e.case_id)
            .collect();
        let old: Vec<uuid::Uuid> = old.into_iter().map(|(id,)| id).collect();
        println!(
            "old statement (every pending case scored), offset {offset}: {} once; same page: {}",
            ms(took),
            if old == new { "yes" } else { "NO" }
        );
        assert_eq!(old, new, "the new queue differs from the old statement");
    }
    store.close().await;
    pool.close().await;
    Ok(())
}

fn main() {
    let Ok(url) = std::env::var("BULWARK_BENCH_DATABASE_URL") else {
        println!(
            "triage bench: set BULWARK_BENCH_DATABASE_URL to a PostgreSQL database \
             (e.g. postgres://postgres@127.0.0.1:5432/bench) to run it; skipped"
        );
        return;
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    if let Err(e) = rt.block_on(run(&url)) {
        eprintln!("triage bench: {e}");
        std::process::exit(1);
    }
}
