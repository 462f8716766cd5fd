//! Fresh, empty, migrated stores for tests of this crate and the crates above
//! it. Not for production use.

use std::str::FromStr;

use uuid::Uuid;

use crate::{Result, Store};

/// The environment variable that names the PostgreSQL database tests may use;
/// `.ci/run` creates a fresh database and sets it.
pub const PG_URL_VAR: &str = "BULWARK_TEST_DATABASE_URL";

/// A new SQLite file in the temporary directory.
pub async fn sqlite() -> Result<Store> {
    let path = std::env::temp_dir().join(format!("bulwark-test-{}.db", Uuid::now_v7()));
    let store = Store::connect(&path.to_string_lossy()).await?;
    store.migrate().await?;
    Ok(store)
}

/// A new schema of its own in the PostgreSQL database named by
/// [`PG_URL_VAR`], so tests can run side by side.
pub async fn postgres() -> Result<Store> {
    let url = std::env::var(PG_URL_VAR).map_err(|_| {
        crate::StoreError::Invalid(format!(
            "{PG_URL_VAR} must name a PostgreSQL database (see .ci/run)"
        ))
    })?;
    let schema = format!("t_{}", Uuid::now_v7().simple());
    let admin = Store::connect(&url).await?;
    admin
        .execute_unchecked(&format!("CREATE SCHEMA {schema}"))
        .await?;
    admin.close().await;
    let opts = sqlx::postgres::PgConnectOptions::from_str(&url)
        .map_err(crate::StoreError::Database)?
        .options([("search_path", schema.as_str())]);
    let store = Store::connect_postgres(opts).await?;
    store.migrate().await?;
    Ok(store)
}

/// Declares each named `async fn NAME(store: Store)` as two tests: one on a
/// fresh SQLite store (`sqlite::NAME`, always run) and one on a fresh
/// PostgreSQL schema (`postgres::NAME`, ignored unless asked for, as
/// `.ci/run` does). One suite, both back-ends.
#[macro_export]
macro_rules! both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                async fn $name() {
                    super::$name($crate::testing::sqlite().await.expect("SQLite test store")).await
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
                #[ignore = "needs PostgreSQL: set BULWARK_TEST_DATABASE_URL (.ci/run does)"]
                async fn $name() {
                    super::$name($crate::testing::postgres().await.expect("PostgreSQL test store")).await
                }
            )*
        }
    };
}

/// The SQLite pool behind `store`, if that is its back-end: for tests that
/// compare the store's answers with a reference query of their own.
pub fn sqlite_pool(store: &Store) -> Option<&sqlx::SqlitePool> {
    match &store.backend {
        crate::Backend::Sqlite(pool) => Some(pool),
        crate::Backend::Postgres(_) => None,
    }
}

/// The PostgreSQL pool behind `store`, if that is its back-end.
pub fn postgres_pool(store: &Store) -> Option<&sqlx::PgPool> {
    match &store.backend {
        crate::Backend::Postgres(pool) => Some(pool),
        crate::Backend::Sqlite(_) => None,
    }
}

/// The queue as it was first computed, and still defined: every pending case
/// scored through its sources with a window function, then sorted. The
/// reference the store's walk over the ranked sources must agree with (in
/// the tests) and is timed against (in `benches/triage.rs`).
pub const TRIAGE_REFERENCE_SQL: &str = "\
WITH queue AS (
    SELECT id, state, title, first_reporter_org, first_reported_at FROM cases
    WHERE state IN ('new', 'triaged') AND merged_into IS NULL
),
cand AS (
    SELECT cs.case_id,
        CAST(CASE cs.kind WHEN 'org' THEN 0 WHEN 'tool' THEN 1 ELSE 2 END AS BIGINT) AS kind_rank,
        cs.source, s.validated, s.submitted - 1 AS other,
        CAST(s.validated + 1 AS DOUBLE PRECISION) / CAST(s.submitted + 1 AS DOUBLE PRECISION) AS score
    FROM queue q
    JOIN case_sources cs ON cs.case_id = q.id
    JOIN source_stats s ON s.kind = cs.kind AND s.source = cs.source
    WHERE cs.kind = 'org' OR s.submitted > 1
),
best AS (
    SELECT case_id, kind_rank, source, validated, other, score,
        ROW_NUMBER() OVER (PARTITION BY case_id ORDER BY score DESC, kind_rank, source) AS rn
    FROM cand
)
SELECT q.id, q.first_reported_at, COALESCE(b.score, 0.5) AS score, b.kind_rank,
    b.source AS basis_source, b.validated AS basis_validated, b.other AS basis_submitted
FROM queue q
JOIN organizations o ON o.id = q.first_reporter_org
LEFT JOIN best b ON b.case_id = q.id AND b.rn = 1
ORDER BY COALESCE(b.score, 0.5) DESC, q.first_reported_at, q.id
LIMIT $1 OFFSET $2";
