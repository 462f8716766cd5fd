//! Scorecards for 1,000 tools over 10,000,000 reports: the catalogue page's
//! read of every tool's counters (target: under 200 ms), and one tool's
//! page (claim-to-validation samples, weekly history).
//!
//! On PostgreSQL when `BULWARK_BENCH_DATABASE_URL` names a database (the
//! schema `tool_evidence_bench` is recreated there), else on a SQLite file
//! (`BULWARK_BENCH_SQLITE`, default `tool_evidence_bench.sqlite` in the
//! system's temporary directory, recreated). Sizes: `BULWARK_BENCH_REPORTS`
//! (default 10,000,000) and `BULWARK_BENCH_TOOLS` (default 1,000).
//!
//! Seeding is bulk SQL: half as many cases as reports (two reports each,
//! from two tools, the second a microsecond later: a duplicate; case `c`'s
//! first tool is `7919·c mod tools`, so every tool is used; its state is
//! `(c / tools + c) mod 10`, so that one tool's cases are not all alike), 40%
//! validated three days after, 10% rejected; three versions per tool (one
//! of them no version at all); a claim for every tenth report, an hour
//! before it, released with findings, nothing found or abandoned. The
//! counters are then derived by migration 0035's own backfill statements
//! (so this also runs them over a large table) and, up to 1,000,000
//! reports or with `BULWARK_BENCH_CHECK` set, checked against the store's
//! recount. A catalogue entry per tool name (approved, `tool-N`) is added
//! for the pages' timing (`scripts/bench-pages.sh` with
//! `BULWARK_BENCH_TOOLS_PAGE=1`). Then it times `tool_evidence` for every tool name,
//! `tool_claim_to_validation` and `tool_history` for one tool, and prints
//! medians. Nothing is asserted on time.
//!
//! `BULWARK_BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench \
//!  cargo bench -p bulwark-store --bench tool_evidence`
//! `BULWARK_BENCH_REPORTS=20000 cargo bench -p bulwark-store --bench tool_evidence`

use std::str::FromStr;
use std::time::{Duration, Instant};

use bulwark_core::OrgKind;
use bulwark_store::{Actor, NewOrganization, Store};
use sqlx::postgres::PgConnectOptions;
use time::macros::datetime;

const SCHEMA: &str = "tool_evidence_bench";
const RUNS: usize = 11;
/// 2026-01-01 in microseconds; case `c` is first reported `c` seconds after.
const T0: i64 = 1_767_225_600_000_000;
/// Targets the cases spread over.
const TARGETS: i64 = 50_000;

/// PostgreSQL: raw rows from series, ids from md5.
const SEED_PG: &str = r#"
CREATE TABLE bench_orgs AS
    SELECT CAST(row_number() OVER (ORDER BY name) - 1 AS INT) AS idx, id
    FROM organizations WHERE name LIKE 'Bench Org %';
INSERT INTO raw_documents (sha256, media_type, size, content, first_org, at)
    SELECT 'bench', 'application/json', 0, '\x', id, __T0__ FROM bench_orgs WHERE idx = 0;
INSERT INTO scan_targets (id, kind, locator, created_at)
    SELECT CAST(md5('bench target ' || t) AS UUID), 'purl', 'pkg:npm/bench-' || t || '@1.0.0', __T0__
    FROM generate_series(0, __TARGETS__ - 1) AS t;
INSERT INTO cases (id, state, title, target_id, first_reporter_org, first_reported_at,
        created_at, updated_at, validated_at)
    SELECT CAST(md5('bench case ' || c) AS UUID),
        CASE WHEN (c / __TOOLS__ + c) % 10 < 4 THEN 'validated' WHEN (c / __TOOLS__ + c) % 10 = 4 THEN 'rejected' ELSE 'new' END,
        'finding ' || c, CAST(md5('bench target ' || (c % __TARGETS__)) AS UUID), o.id,
        __T0__ + c * 1000000, __T0__ + c * 1000000, __T0__ + c * 1000000,
        CASE WHEN (c / __TOOLS__ + c) % 10 < 4 THEN __T0__ + c * 1000000 + 259200000000 END
    FROM generate_series(CAST(0 AS BIGINT), __R__ / 2 - 1) AS c
    JOIN bench_orgs o ON o.idx = (2 * c) % 20;
INSERT INTO reports (id, case_id, org_id, fingerprint, document, title, tool_name,
        tool_version, detail, reported_at)
    SELECT CAST(md5('bench report ' || g) AS UUID), CAST(md5('bench case ' || (g / 2)) AS UUID),
        o.id, 'bwk1:bench' || (g / 2), 'bench', 'finding',
        'tool-' || (((g / 2) * 7919 + (g % 2) * 3) % __TOOLS__),
        CASE g % 3 WHEN 0 THEN '1.0' WHEN 1 THEN '2.0' END, '{}',
        __T0__ + (g / 2) * 1000000 + g % 2
    FROM generate_series(CAST(0 AS BIGINT), __R__ - 1) AS g
    JOIN bench_orgs o ON o.idx = g % 20;
INSERT INTO scan_claims (id, target_id, org_id, technique, tool, tool_version, exclusive,
        created_at, expires_at, released_at, outcome, findings)
    SELECT CAST(md5('bench claim ' || g) AS UUID),
        CAST(md5('bench target ' || ((g / 2) % __TARGETS__)) AS UUID), o.id, 'fuzzing',
        'tool-' || (((g / 2) * 7919 + (g % 2) * 3) % __TOOLS__), CASE g % 3 WHEN 0 THEN '1.0' WHEN 1 THEN '2.0' END,
        FALSE, __T0__ + (g / 2) * 1000000 - 3600000000, __T0__ + (g / 2) * 1000000 + 3600000000,
        __T0__ + (g / 2) * 1000000 + 3600000000,
        CASE g % 30 WHEN 0 THEN 'findings' WHEN 10 THEN 'nothing_found' ELSE 'abandoned' END,
        CASE g % 30 WHEN 0 THEN 1 END
    FROM generate_series(CAST(0 AS BIGINT), __R__ - 1, 10) AS g
    JOIN bench_orgs o ON o.idx = g % 20;
-- The catalogue: one approved entry per tool name, for the pages' timing
-- (scripts/bench-pages.sh tools).
INSERT INTO tools (id, provider_org, name, kind, reports_as, ai_enabled, summary, deployment,
        consumes, produces, max_tlp, embargoed, state, created_at, updated_at, decided_at)
    SELECT CAST(md5('bench tool ' || i) AS UUID), o.id, 'Bench tool ' || i,
        CASE i % 3 WHEN 0 THEN 'fuzzer' WHEN 1 THEN 'scanner' ELSE 'static_analyzer' END,
        'tool-' || i, i % 2 = 0, '', '["on_premises"]', '["source_code"]', '["sarif"]',
        'AMBER', FALSE, 'approved', __T0__, __T0__, __T0__
    FROM generate_series(0, __TOOLS__ - 1) AS i JOIN bench_orgs o ON o.idx = i % 20;
DROP TABLE bench_orgs;
"#;

/// SQLite: the same rows; ids are random, kept in staging tables to join.
const SEED_SQLITE: &str = r#"
CREATE TABLE bench_orgs AS
    SELECT row_number() OVER (ORDER BY name) - 1 AS idx, id
    FROM organizations WHERE name LIKE 'Bench Org %';
INSERT INTO raw_documents (sha256, media_type, size, content, first_org, at)
    SELECT 'bench', 'application/json', 0, x'', id, __T0__ FROM bench_orgs WHERE idx = 0;
CREATE TABLE bench_targets (t INTEGER PRIMARY KEY, id BLOB NOT NULL);
WITH RECURSIVE s(t) AS (SELECT 0 UNION ALL SELECT t + 1 FROM s WHERE t + 1 < __TARGETS__)
    INSERT INTO bench_targets SELECT t, randomblob(16) FROM s;
INSERT INTO scan_targets (id, kind, locator, created_at)
    SELECT id, 'purl', 'pkg:npm/bench-' || t || '@1.0.0', __T0__ FROM bench_targets;
CREATE TABLE bench_cases (c INTEGER PRIMARY KEY, id BLOB NOT NULL);
WITH RECURSIVE s(c) AS (SELECT 0 UNION ALL SELECT c + 1 FROM s WHERE c + 1 < __R__ / 2)
    INSERT INTO bench_cases SELECT c, randomblob(16) FROM s;
INSERT INTO cases (id, state, title, target_id, first_reporter_org, first_reported_at,
        created_at, updated_at, validated_at)
    SELECT b.id,
        CASE WHEN (b.c / __TOOLS__ + b.c) % 10 < 4 THEN 'validated' WHEN (b.c / __TOOLS__ + b.c) % 10 = 4 THEN 'rejected' ELSE 'new' END,
        'finding ' || b.c, t.id, o.id,
        __T0__ + b.c * 1000000, __T0__ + b.c * 1000000, __T0__ + b.c * 1000000,
        CASE WHEN (b.c / __TOOLS__ + b.c) % 10 < 4 THEN __T0__ + b.c * 1000000 + 259200000000 END
    FROM bench_cases b JOIN bench_targets t ON t.t = b.c % __TARGETS__
    JOIN bench_orgs o ON o.idx = (2 * b.c) % 20;
WITH RECURSIVE s(g) AS (SELECT 0 UNION ALL SELECT g + 1 FROM s WHERE g + 1 < __R__)
INSERT INTO reports (id, case_id, org_id, fingerprint, document, title, tool_name,
        tool_version, detail, reported_at)
    SELECT randomblob(16), b.id, o.id, 'bwk1:bench' || (s.g / 2), 'bench', 'finding',
        'tool-' || (((s.g / 2) * 7919 + (s.g % 2) * 3) % __TOOLS__),
        CASE s.g % 3 WHEN 0 THEN '1.0' WHEN 1 THEN '2.0' END, '{}',
        __T0__ + (s.g / 2) * 1000000 + s.g % 2
    FROM s JOIN bench_cases b ON b.c = s.g / 2 JOIN bench_orgs o ON o.idx = s.g % 20;
WITH RECURSIVE s(g) AS (SELECT 0 UNION ALL SELECT g + 10 FROM s WHERE g + 10 < __R__)
INSERT INTO scan_claims (id, target_id, org_id, technique, tool, tool_version, exclusive,
        created_at, expires_at, released_at, outcome, findings)
    SELECT randomblob(16), t.id, o.id, 'fuzzing',
        'tool-' || (((s.g / 2) * 7919 + (s.g % 2) * 3) % __TOOLS__), CASE s.g % 3 WHEN 0 THEN '1.0' WHEN 1 THEN '2.0' END,
        0, __T0__ + (s.g / 2) * 1000000 - 3600000000, __T0__ + (s.g / 2) * 1000000 + 3600000000,
        __T0__ + (s.g / 2) * 1000000 + 3600000000,
        CASE s.g % 30 WHEN 0 THEN 'findings' WHEN 10 THEN 'nothing_found' ELSE 'abandoned' END,
        CASE s.g % 30 WHEN 0 THEN 1 END
    FROM s JOIN bench_targets t ON t.t = (s.g / 2) % __TARGETS__ JOIN bench_orgs o ON o.idx = s.g % 20;
DROP TABLE bench_targets;
DROP TABLE bench_cases;
WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s WHERE i + 1 < __TOOLS__)
INSERT INTO tools (id, provider_org, name, kind, reports_as, ai_enabled, summary, deployment,
        consumes, produces, max_tlp, embargoed, state, created_at, updated_at, decided_at)
    SELECT randomblob(16), o.id, 'Bench tool ' || s.i,
        CASE s.i % 3 WHEN 0 THEN 'fuzzer' WHEN 1 THEN 'scanner' ELSE 'static_analyzer' END,
        'tool-' || s.i, s.i % 2 = 0, '', '["on_premises"]', '["source_code"]', '["sarif"]',
        'AMBER', 0, 'approved', __T0__, __T0__, __T0__
    FROM s JOIN bench_orgs o ON o.idx = s.i % 20;
DROP TABLE bench_orgs;
"#;

/// Migration 0035's backfill: every statement from its first derivation of
/// `case_tool_versions` on.
fn backfill(migration: &str) -> Result<&str, String> {
    migration
        .find("INSERT INTO case_tool_versions")
        .map(|at| &migration[at..])
        .ok_or_else(|| "migration 0035 has no backfill".to_owned())
}

fn env_number(name: &str, default: i64) -> Result<i64, String> {
    match std::env::var(name) {
        Err(_) => Ok(default),
        Ok(v) => v
            .replace('_', "")
            .parse()
            .ok()
            .filter(|n: &i64| *n >= 2)
            .ok_or_else(|| format!("{name}={v:?} is not a number of at least 2")),
    }
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

/// Runs `f` [`RUNS`] times; prints and returns its median.
async fn time<T, F, Fut>(name: &str, mut f: F) -> Result<(Duration, T), Box<dyn std::error::Error>>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bulwark_store::Result<T>>,
{
    let first = f().await?;
    let mut times = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        let t = Instant::now();
        f().await?;
        times.push(t.elapsed());
    }
    let (min, max) = (
        *times.iter().min().unwrap_or(&Duration::ZERO),
        *times.iter().max().unwrap_or(&Duration::ZERO),
    );
    let m = median(times);
    println!(
        "{name:40} median {} (min {}, max {}; {RUNS} runs)",
        ms(m),
        ms(min),
        ms(max)
    );
    Ok((m, first))
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let reports = env_number("BULWARK_BENCH_REPORTS", 10_000_000)?;
    let tools = env_number("BULWARK_BENCH_TOOLS", 1_000)?;
    let pg = std::env::var("BULWARK_BENCH_DATABASE_URL").ok();
    let store = match &pg {
        Some(url) => {
            let admin = Store::connect_postgres(PgConnectOptions::from_str(url)?).await?;
            if let Some(pool) = bulwark_store::testing::postgres_pool(&admin) {
                sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                    "DROP SCHEMA IF EXISTS {SCHEMA} CASCADE; CREATE SCHEMA {SCHEMA}"
                )))
                .execute(pool)
                .await?;
            }
            admin.close().await;
            let opts = PgConnectOptions::from_str(url)?.options([("search_path", SCHEMA)]);
            Store::connect_postgres(opts).await?
        }
        None => {
            let path = std::env::var("BULWARK_BENCH_SQLITE").unwrap_or_else(|_| {
                std::env::temp_dir()
                    .join("tool_evidence_bench.sqlite")
                    .to_string_lossy()
                    .into_owned()
            });
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{path}{suffix}"));
            }
            println!("SQLite file {path}");
            Store::connect(&path).await?
        }
    };
    store.migrate().await?;
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

    let started = Instant::now();
    let fill = |sql: &str| {
        sql.replace("__T0__", &T0.to_string())
            .replace("__TARGETS__", &TARGETS.to_string())
            .replace("__TOOLS__", &tools.to_string())
            .replace("__R__", &reports.to_string())
    };
    if let Some(pool) = bulwark_store::testing::postgres_pool(&store) {
        sqlx::raw_sql(sqlx::AssertSqlSafe(fill(SEED_PG)))
            .execute(pool)
            .await?;
        println!("seeded in {:.1} s", started.elapsed().as_secs_f64());
        let backfilled = Instant::now();
        let b = backfill(include_str!(
            "../migrations/postgres/0035_tool_evidence.sql"
        ))?;
        sqlx::raw_sql(sqlx::AssertSqlSafe(b.to_owned()))
            .execute(pool)
            .await?;
        println!(
            "migration 0035's backfill in {:.1} s",
            backfilled.elapsed().as_secs_f64()
        );
        sqlx::raw_sql("VACUUM ANALYZE").execute(pool).await?;
    } else if let Some(pool) = bulwark_store::testing::sqlite_pool(&store) {
        sqlx::raw_sql(sqlx::AssertSqlSafe(fill(SEED_SQLITE)))
            .execute(pool)
            .await?;
        println!("seeded in {:.1} s", started.elapsed().as_secs_f64());
        let backfilled = Instant::now();
        let b = backfill(include_str!("../migrations/sqlite/0035_tool_evidence.sql"))?;
        sqlx::raw_sql(sqlx::AssertSqlSafe(b.to_owned()))
            .execute(pool)
            .await?;
        println!(
            "migration 0035's backfill in {:.1} s",
            backfilled.elapsed().as_secs_f64()
        );
        sqlx::raw_sql("ANALYZE").execute(pool).await?;
    }
    println!(
        "{reports} reports, {} cases, {tools} tools × 3 versions, {} claims; counters derived, ready in {:.1} s",
        reports / 2,
        (reports + 9) / 10,
        started.elapsed().as_secs_f64()
    );

    let kept = store.all_tool_evidence().await?;
    if reports <= 1_000_000 || std::env::var_os("BULWARK_BENCH_CHECK").is_some() {
        let recount = store.recount_tool_evidence().await?;
        if let Some((k, r)) = kept.iter().zip(&recount).find(|(k, r)| k != r) {
            return Err(
                format!("the backfilled counters differ from the recount: {k:?} ≠ {r:?}").into(),
            );
        }
        if kept.len() != recount.len() {
            return Err(
                format!("{} versions kept, {} recounted", kept.len(), recount.len()).into(),
            );
        }
        println!("the backfilled counters equal the store's recount");
    }
    let total: i64 = kept.iter().map(|e| e.counts.reports).sum();
    assert_eq!(total, reports, "every report counted once");

    let names: Vec<String> = (0..tools).map(|i| format!("tool-{i}")).collect();
    let (page, rows) = time(&format!("tool_evidence({tools} names)"), || {
        store.tool_evidence(&names)
    })
    .await?;
    println!(
        "  {} rows; the catalogue's target is 200 ms: {}",
        rows.len(),
        if page < Duration::from_millis(200) {
            "met"
        } else {
            "NOT met"
        }
    );
    let (_, samples) = time("tool_claim_to_validation(tool-0)", || {
        store.tool_claim_to_validation("tool-0")
    })
    .await?;
    println!("  {} samples", samples.len());
    let since = time::OffsetDateTime::from_unix_timestamp(T0 / 1_000_000)?;
    let until = since + time::Duration::weeks(52);
    let (_, weeks) = time("tool_history(tool-0, 52 weeks)", || {
        store.tool_history("tool-0", since, until)
    })
    .await?;
    println!(
        "  {} weeks, {} reports, {} validated",
        weeks.len(),
        weeks.iter().map(|w| w.reports).sum::<i64>(),
        weeks.iter().map(|w| w.validated).sum::<i64>()
    );
    store.close().await;
    Ok(())
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    if let Err(e) = rt.block_on(run()) {
        eprintln!("tool_evidence bench: {e}");
        std::process::exit(1);
    }
}
