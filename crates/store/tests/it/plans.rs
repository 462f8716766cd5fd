//! The query plans of the hot reads: every query behind a read path that
//! runs per request (a kept document and its senders, a case and its
//! reports, the case list, the triage queue's entries, advisories, SBOMs)
//! finds its rows through an index, on both back-ends. A full scan there
//! grows with every report: `GET /api/v1/documents/{sha256}` once took
//! 76–236 ms per read at 30,000–137,000 reports because `reports` had no
//! index on `document`.
//!
//! SQLite: `EXPLAIN QUERY PLAN` names a lookup `SEARCH t USING …` and a
//! read of a whole table (or of a whole index) `SCAN t …`.
//! PostgreSQL: `EXPLAIN` with `enable_seqscan = off`, so that the plan
//! takes an index wherever one applies even on the test's empty tables;
//! a `Seq Scan` left is a table without one.

use bulwark_store::Store;
use bulwark_store::testing::{postgres_pool, sqlite_pool};
use uuid::Uuid;

bulwark_store::both_backends!(hot_reads_use_an_index);

/// A sample value for a query's parameter (the plan depends on its type,
/// not its value).
#[derive(Clone, Copy)]
enum Sample {
    Text(&'static str),
    Id,
    Int(i64),
}

const SHA: Sample =
    Sample::Text("0000000000000000000000000000000000000000000000000000000000000000");

/// Each hot read as its store method writes it: (method, SQL, parameters).
fn hot_reads() -> Vec<(&'static str, String, Vec<Sample>)> {
    use Sample::{Id, Int, Text};
    let case_select = "SELECT c.id, c.state, c.title, c.rule_id, t.kind, t.locator, \
     c.first_reporter_org, c.first_reported_at, c.merged_into, c.quorum_reproductions, \
     c.quorum_vendor, c.tlp, c.embargo_until, c.embargo_offset_minutes, c.vendor_org, \
     c.vendor_notified_at, c.created_at, c.updated_at \
     FROM cases c LEFT JOIN scan_targets t ON t.id = c.target_id";
    let report_select = "SELECT id, case_id, org_id, submitted_by, fingerprint, document, \
     rule_id, title, location, tool_name, tool_version, ai_model, ai_model_version, detail, \
     reported_at FROM reports";
    let advisory_columns = "id, modified, modified_at, published, withdrawn, summary, \
     raw_json, raw_sha256, imported_at, updated_at";
    let sbom_columns = "s.id, s.org_id, s.uploaded_by, s.name, s.format, s.spec_version, \
     s.document, s.tlp, s.components, s.unmatchable, s.created_at";
    let component_columns = "c.sbom_id, c.seq, c.name, c.purl, c.ecosystem, c.release, \
     c.package, c.source_package, c.version, c.unmatchable";
    vec![
        // GET /api/v1/documents/{sha256}
        (
            "raw_document_info",
            "SELECT media_type, size, (SELECT COUNT(*) FROM raw_document_chunks c WHERE c.sha256 = d.sha256) \
             FROM raw_documents d WHERE sha256 = $1"
                .into(),
            vec![SHA],
        ),
        (
            "raw_document_info (senders)",
            "SELECT org_id FROM reports WHERE document = $1 \
             UNION SELECT org_id FROM case_validations WHERE evidence = $1 \
             UNION SELECT first_org FROM raw_documents WHERE sha256 = $1 AND first_org IS NOT NULL \
             ORDER BY 1"
                .into(),
            vec![SHA],
        ),
        (
            "raw_document_piece",
            "SELECT bytes FROM raw_document_chunks WHERE sha256 = $1 AND seq = $2".into(),
            vec![SHA, Int(0)],
        ),
        (
            "org_documents",
            "SELECT r.document, d.media_type, d.size, COUNT(*), MIN(r.reported_at) \
             FROM reports r JOIN raw_documents d ON d.sha256 = r.document \
             WHERE r.org_id = $1 GROUP BY r.document, d.media_type, d.size \
             ORDER BY MIN(r.reported_at) DESC, r.document LIMIT $2"
                .into(),
            vec![Id, Int(50)],
        ),
        // GET /api/v1/cases/{id}
        ("case", format!("{case_select} WHERE c.id = $1"), vec![Id]),
        (
            "case_reports",
            format!("{report_select} WHERE case_id = $1 ORDER BY reported_at, id"),
            vec![Id],
        ),
        (
            "case_fingerprints",
            "SELECT fingerprint FROM case_fingerprints WHERE case_id = $1 ORDER BY fingerprint"
                .into(),
            vec![Id],
        ),
        (
            "case_parties",
            "SELECT org_id FROM reports WHERE case_id = $1 \
             UNION SELECT org_id FROM case_tasks WHERE case_id = $1 \
             UNION SELECT vendor_org FROM cases WHERE id = $1 AND vendor_notified_at IS NOT NULL \
             UNION SELECT org_id FROM case_participants WHERE case_id = $1 ORDER BY 1"
                .into(),
            vec![Id],
        ),
        (
            "case_validations",
            "SELECT id, case_id, kind, result, org_id, validated_by, evidence, note, at \
             FROM case_validations WHERE case_id = $1 ORDER BY at, id"
                .into(),
            vec![Id],
        ),
        (
            "case_tasks",
            "SELECT kind, org_id, assigned_by, at FROM case_tasks WHERE case_id = $1 ORDER BY at, kind, org_id"
                .into(),
            vec![Id],
        ),
        // GET /api/v1/cases
        (
            "cases",
            format!("{case_select} WHERE c.id > $1 AND c.merged_into IS NULL ORDER BY c.id LIMIT $2"),
            vec![Id, Int(51)],
        ),
        // GET /api/v1/triage (the entries of a page of the queue)
        (
            "triage entries (cases)",
            "SELECT c.id, c.state, c.title, c.first_reporter_org, o.name AS first_reporter_name, \
             c.first_reported_at FROM cases c JOIN organizations o ON o.id = c.first_reporter_org \
             WHERE c.id IN ($1, $2)"
                .into(),
            vec![Id, Id],
        ),
        (
            "triage entries (reports)",
            "SELECT case_id, COUNT(*) FROM reports WHERE case_id IN ($1, $2) GROUP BY case_id"
                .into(),
            vec![Id, Id],
        ),
        (
            "triage entries (sources)",
            "SELECT cs.case_id, s.kind, s.source, s.validated, s.submitted, \
             CAST(CASE s.kind WHEN 'org' THEN 0 WHEN 'tool' THEN 1 ELSE 2 END AS BIGINT) AS kind_rank, \
             CAST(s.validated + 1 AS DOUBLE PRECISION) / CAST(s.submitted + 1 AS DOUBLE PRECISION) AS score \
             FROM case_sources cs JOIN source_stats s ON s.kind = cs.kind AND s.source = cs.source \
             WHERE cs.pending_at IS NOT NULL AND (s.kind = 'org' OR s.submitted > 1) \
             AND cs.case_id IN ($1, $2) \
             ORDER BY cs.case_id, score DESC, kind_rank, s.source"
                .into(),
            vec![Id, Id],
        ),
        // GET /api/v1/advisories, /advisories/{id}, by package
        (
            "advisories",
            format!("SELECT {advisory_columns} FROM advisories WHERE id > $1 ORDER BY id LIMIT $2"),
            vec![Text(""), Int(51)],
        ),
        (
            "advisory",
            format!(
                "SELECT {advisory_columns} FROM advisories WHERE id IN \
                 (SELECT advisory_id FROM advisory_aliases WHERE alias = $1) ORDER BY id"
            ),
            vec![Text("GHSA-xxxx-xxxx-xxxx")],
        ),
        (
            "advisories_for_package",
            format!(
                "SELECT {advisory_columns} FROM advisories WHERE id IN \
                 (SELECT advisory_id FROM advisory_packages WHERE ecosystem = $1 AND name = $2) \
                 ORDER BY id"
            ),
            vec![Text("npm"), Text("left-pad")],
        ),
        // GET /api/v1/sboms, /sboms/{id}
        (
            "sbom",
            format!("SELECT {sbom_columns} FROM sboms s WHERE s.id = $1"),
            vec![Id],
        ),
        (
            "org_sboms",
            format!(
                "SELECT {sbom_columns} FROM sboms s WHERE s.org_id = $1 AND s.id > $2 ORDER BY s.id LIMIT $3"
            ),
            vec![Id, Id, Int(51)],
        ),
        (
            "sbom_components",
            format!("SELECT {component_columns} FROM sbom_components c WHERE c.sbom_id = $1 ORDER BY c.seq"),
            vec![Id],
        ),
    ]
}

/// The plan of `sql` with `params` on `store`'s back-end, one step a line.
async fn plan(store: &Store, sql: &str, params: &[Sample]) -> Vec<String> {
    macro_rules! bind_all {
        ($q:expr) => {{
            let mut q = $q;
            for p in params {
                q = match *p {
                    Sample::Text(s) => q.bind(s),
                    Sample::Id => q.bind(Uuid::nil()),
                    Sample::Int(n) => q.bind(n),
                };
            }
            q
        }};
    }
    if let Some(pool) = sqlite_pool(store) {
        let sql = sqlx::AssertSqlSafe(format!("EXPLAIN QUERY PLAN {sql}"));
        let rows: Vec<(i64, i64, i64, String)> = bind_all!(sqlx::query_as(sql))
            .fetch_all(pool)
            .await
            .expect("EXPLAIN QUERY PLAN");
        return rows.into_iter().map(|r| r.3).collect();
    }
    let pool = postgres_pool(store).expect("a SQLite or PostgreSQL store");
    let mut tx = pool.begin().await.expect("begin");
    sqlx::query("SET LOCAL enable_seqscan = off")
        .execute(&mut *tx)
        .await
        .expect("enable_seqscan");
    let sql = sqlx::AssertSqlSafe(format!("EXPLAIN {sql}"));
    let lines: Vec<String> = bind_all!(sqlx::query_scalar(sql))
        .fetch_all(&mut *tx)
        .await
        .expect("EXPLAIN");
    lines
}

/// A step of a plan that reads a whole table.
fn full_scan(backend: &str, step: &str) -> bool {
    let step = step.trim();
    match backend {
        // `SCAN t` reads every row of t, in index order too (`SCAN t
        // USING INDEX i`: a walk of the whole index); an `AUTOMATIC` index
        // is one SQLite builds for the query from a full scan. `SCAN
        // CONSTANT ROW` and the scan of a subquery's result read no table.
        "sqlite" => {
            (step.starts_with("SCAN ")
                && !step.starts_with("SCAN CONSTANT ROW")
                && !step.contains("SUBQUERY"))
                || step.contains("AUTOMATIC")
        }
        _ => step.contains("Seq Scan"),
    }
}

async fn hot_reads_use_an_index(store: Store) {
    let backend = store.backend_name();
    let mut scans = Vec::new();
    for (method, sql, params) in hot_reads() {
        let steps = plan(&store, &sql, &params).await;
        for step in steps.iter().filter(|s| full_scan(backend, s)) {
            scans.push(format!("{method}: {}", step.trim()));
        }
    }
    assert!(
        scans.is_empty(),
        "hot reads that scan a whole table on {backend}:\n{}",
        scans.join("\n")
    );
}
