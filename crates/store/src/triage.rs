//! The clearinghouse's triage queue, ordered by how reliable the sources
//! behind each case have been, and the small reads the clearinghouse pages
//! need (a case's tasks, an organization's recent claims).
//!
//! The server puts the cases analysts assessed ahead of this order, ranked
//! by their priority (its `triage` module; the store does not rank by
//! priority): it reads their entries with [`Store::triage_entries`] and the
//! rest of the queue, without them, with [`Store::triage_page_excluding`].
//!
//! # The ordering rule
//!
//! A case waiting for triage (`new` or `triaged`, not merged away) ranks as
//! high as the most reliable source behind it. A source's reliability is
//! its record on *other* cases, Laplace-smoothed: `(validated + 1) ÷
//! (submitted + 2)`, so a source with no record at all ranks 0.5, one whose
//! other cases were all validated tends to 1, one whose reports were never
//! borne out tends to 0. The case itself is left out of its sources' record
//! (it is pending, so it would only count against them) and a source is
//! judged the same for each of its pending cases.
//!
//! The sources considered are every organization that reported the case
//! (they are authenticated, created by the operator), and the tools and AI
//! models named in its reports once they have a record on at least one other
//! case. Tool and model names are self-declared in the SARIF: a reporter
//! with a poor record must not lift its cases by naming a new tool, so a
//! name with no record counts for nothing rather than for 0.5.
//!
//! Ties go to the earliest first report, then to the case id. Among equally
//! reliable sources of one case, the basis shown is an organization before
//! a tool before a model, then the first by name.
//!
//! # How a page is found
//!
//! The records are the counters the store keeps with every intake, state
//! change, merge and split (`case_sources`, `source_stats`). Because a
//! pending case is in each of its sources' `submitted` and never in their
//! `validated`, a source's score, `(validated + 1) ÷ (submitted + 1)` of its
//! kept counters, is the same for all its pending cases. So the queue is not
//! computed by scoring every pending case:
//!
//! 1. The sources that count (every organization; a tool or model with
//!    `submitted > 1`) and that have a pending case are ranked once, best
//!    score first (a small table: organizations, tool and model names).
//!    Sources of equal score form a level.
//! 2. Levels are walked from the top. A case belongs to the level of its
//!    best source. Each source's pending cases are read in queue order
//!    from one index (`case_sources.pending_at`: the case's first report
//!    time while it is pending, NULL otherwise; with the case id), a chunk
//!    at a time, the streams of many sources in one statement. A level is
//!    walked only after every better one has been read to its end, so a
//!    case of its streams that has a better source is simply one already
//!    placed, and is skipped. The level's cases are the sorted union of
//!    its sources' streams, so each stream is read only until it has
//!    given as many unplaced cases as the page still needs (or ends).
//! 3. The walk stops once `offset + limit` cases are placed; the page is
//!    the tail of that prefix, read with its states, titles, counts and
//!    names.
//!
//! A page therefore reads about `offset + limit` index entries plus, per
//! level it reaches, the cases of better levels it skips, whatever the
//! number of pending cases: the first pages and offsets of a few thousand
//! are cheap, deep offsets cost in proportion (and hold that many ids in
//! memory). All statements of a page run in one read-only transaction (a
//! repeatable-read snapshot on PostgreSQL), so a page is consistent. Every
//! pending case has at least its reporting organization as a source, so
//! every entry has a basis. `benches/triage.rs` times it with a million
//! pending cases.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::ops::Range;

use bulwark_core::{CaseState, ValidationKind, from_micros};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::{Result, Store, StoreError, parse_col, with_pool};

/// The longest triage page one call returns.
pub const MAX_TRIAGE_PAGE: u32 = 1000;

/// What a triage entry's score rests on: the best source behind the case
/// and its record on the other cases it reported.
#[derive(Debug, Clone, PartialEq)]
pub struct TriageBasis {
    /// `org`, `tool` or `model`.
    pub kind: &'static str,
    /// The organization, for `org`.
    pub org: Option<Uuid>,
    /// The organization's name, the tool's name, or `model version`.
    pub source: String,
    /// Its other cases (this one left out) that were validated.
    pub validated: i64,
    /// Its other cases (this one left out).
    pub submitted: i64,
}

/// One case of the triage queue, with why it ranks where it does.
#[derive(Debug, Clone, PartialEq)]
pub struct TriageEntry {
    pub case_id: Uuid,
    pub state: CaseState,
    pub title: String,
    pub first_reporter_org: Uuid,
    pub first_reporter_name: String,
    pub first_reported_at: OffsetDateTime,
    /// Reports folded into the case.
    pub reports: i64,
    /// Distinct organizations that reported it.
    pub reporting_orgs: i64,
    /// `(validated + 1) ÷ (submitted + 2)` of the basis; 0.5 without one.
    pub score: f64,
    /// The source that gave the score. The store always names one (a
    /// pending case has at least its reporting organization); `None` would
    /// stand for the prior, 0.5, with no source at all.
    pub basis: Option<TriageBasis>,
}

/// A validation task on a case: who was asked for what, and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseTask {
    pub kind: ValidationKind,
    pub org_id: Uuid,
    pub assigned_by: Option<Uuid>,
    pub at: OffsetDateTime,
}

/// The sources that count and have a pending case, best first: every
/// organization, a tool or model only with a record on another case. The
/// order within a score (organization, tool, model, then name) is the
/// database's, as it picks a case's basis.
const SOURCES_SQL: &str = "\
SELECT s.kind, s.source, s.validated, s.submitted,
    CAST(CASE s.kind WHEN 'org' THEN 0 WHEN 'tool' THEN 1 ELSE 2 END AS BIGINT) AS kind_rank,
    CAST(s.validated + 1 AS DOUBLE PRECISION) / CAST(s.submitted + 1 AS DOUBLE PRECISION) AS score
FROM source_stats s
WHERE (s.kind = 'org' OR s.submitted > 1)
    AND EXISTS (
        SELECT 1 FROM case_sources cs
        WHERE cs.kind = s.kind AND cs.source = s.source AND cs.pending_at IS NOT NULL
    )
ORDER BY score DESC, kind_rank, s.source";

/// Source streams read in one statement (a `UNION ALL` of index range reads).
const STREAMS_PER_STATEMENT: usize = 100;
/// The most pending cases read from one source stream in one statement.
const MAX_STREAM_CHUNK: usize = 50_000;

/// A ranked source: `source_stats` counters with the score they give.
#[derive(sqlx::FromRow)]
struct RankedSource {
    kind: String,
    source: String,
    validated: i64,
    submitted: i64,
    kind_rank: i64,
    score: f64,
}

/// A pending case's source, ranked.
#[derive(sqlx::FromRow)]
struct CaseSource {
    case_id: Uuid,
    #[sqlx(flatten)]
    source: RankedSource,
}

/// Case ids per statement of [`Store::triage_entries`].
const ENTRIES_PER_STATEMENT: usize = 500;

/// A case of the page as the `cases` table has it.
#[derive(sqlx::FromRow)]
struct CaseRow {
    id: Uuid,
    state: String,
    title: String,
    first_reporter_org: Uuid,
    first_reporter_name: String,
    first_reported_at: i64,
}

/// Where a source's stream of pending cases has been read to.
struct Cursor {
    /// The last (first report, case id) read.
    after: (i64, Uuid),
    /// The stream has no more cases.
    done: bool,
    /// Cases read from it that belong to the level being walked.
    kept: usize,
}

/// A read-only transaction, so that the statements of one page see one
/// snapshot.
enum ReadTx {
    Sqlite(sqlx::Transaction<'static, sqlx::Sqlite>),
    Postgres(sqlx::Transaction<'static, sqlx::Postgres>),
}

/// Runs `$body` with `$conn` bound to the transaction's connection; the
/// body is compiled once for each back-end.
macro_rules! on_tx {
    ($tx:expr, $conn:ident => $body:expr) => {
        match $tx {
            ReadTx::Sqlite(t) => {
                let $conn: &mut sqlx::SqliteConnection = &mut **t;
                $body
            }
            ReadTx::Postgres(t) => {
                let $conn: &mut sqlx::PgConnection = &mut **t;
                $body
            }
        }
    };
}

impl ReadTx {
    async fn begin(store: &Store) -> Result<ReadTx> {
        Ok(match &store.backend {
            crate::Backend::Sqlite(pool) => ReadTx::Sqlite(pool.begin().await?),
            crate::Backend::Postgres(pool) => ReadTx::Postgres(
                pool.begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                    .await?,
            ),
        })
    }

    async fn finish(self) -> Result<()> {
        match self {
            ReadTx::Sqlite(t) => t.commit().await?,
            ReadTx::Postgres(t) => t.commit().await?,
        }
        Ok(())
    }

    async fn ranked_sources(&mut self) -> Result<Vec<RankedSource>> {
        Ok(on_tx!(self, c => sqlx::query_as(SOURCES_SQL).fetch_all(c).await?))
    }

    /// The next pending cases of each asked source in queue order: per ask
    /// (index into `sources`, read after, at most this many), rows of (ask's
    /// position, first report, case).
    async fn streams(
        &mut self,
        sources: &[RankedSource],
        asks: &[(usize, (i64, Uuid), usize)],
    ) -> Result<Vec<(i64, i64, Uuid)>> {
        let mut out = Vec::new();
        for (c, chunk) in asks.chunks(STREAMS_PER_STATEMENT).enumerate() {
            let parts: Vec<String> = chunk
                .iter()
                .enumerate()
                .map(|(n, (_, _, lim))| {
                    let pos = c * STREAMS_PER_STATEMENT + n;
                    let p = 4 * n;
                    format!(
                        "SELECT * FROM (SELECT CAST({pos} AS BIGINT) AS pos, pending_at, case_id \
                         FROM case_sources WHERE kind = ${} AND source = ${} \
                         AND pending_at IS NOT NULL AND (pending_at, case_id) > (${}, ${}) \
                         ORDER BY pending_at, case_id LIMIT {lim}) AS s{n}",
                        p + 1,
                        p + 2,
                        p + 3,
                        p + 4
                    )
                })
                .collect();
            let sql = sqlx::AssertSqlSafe(parts.join(" UNION ALL "));
            let rows: Vec<(i64, i64, Uuid)> = on_tx!(self, conn => {
                let mut q = sqlx::query_as(sql);
                for (i, (at, id), _) in chunk {
                    q = q
                        .bind(sources[*i].kind.as_str())
                        .bind(sources[*i].source.as_str())
                        .bind(*at)
                        .bind(*id);
                }
                q.fetch_all(conn).await?
            });
            out.extend(rows);
        }
        Ok(out)
    }
}

/// The first `need` cases of the queue (fewer when the queue is shorter),
/// each with the index in `sources` of its basis, by walking the levels of
/// `sources` (see the module's doc).
///
/// A level is walked only once every better level has been read to its
/// end, so a case of a level's stream that has a better source is one
/// already placed. The level's first `want` cases are among the first
/// `want` cases not yet placed of each of its streams, so each stream is
/// read until it has given that many or ends; and a case placed from the
/// level has been passed by every stream of the level it is in, so its
/// basis is the best of the streams it came from.
///
/// The cases of `placed` are taken as already placed before the walk: they
/// are skipped wherever they come up and never returned.
async fn queue_prefix(
    tx: &mut ReadTx,
    sources: &[RankedSource],
    need: usize,
    mut placed: HashSet<Uuid>,
) -> Result<Vec<(Uuid, usize)>> {
    let mut levels: Vec<Range<usize>> = Vec::new();
    for (i, s) in sources.iter().enumerate() {
        match levels.last_mut() {
            Some(l) if sources[l.start].score == s.score => l.end = i + 1,
            _ => levels.push(i..i + 1),
        }
    }
    let mut out: Vec<(Uuid, usize)> = Vec::new();
    for level in levels {
        if out.len() >= need {
            break;
        }
        let want = need - out.len();
        let mut cursors: Vec<Cursor> = level
            .clone()
            .map(|_| Cursor {
                after: (i64::MIN, Uuid::nil()),
                done: false,
                kept: 0,
            })
            .collect();
        // The level's cases read so far, in queue order, with their basis.
        let mut found: BTreeMap<(i64, Uuid), usize> = BTreeMap::new();
        loop {
            let asks: Vec<(usize, (i64, Uuid), usize)> = cursors
                .iter()
                .enumerate()
                .filter(|(_, c)| !c.done && c.kept < want)
                .map(|(j, c)| {
                    let rest = want - c.kept;
                    let chunk = (rest + rest / 8 + 8).min(MAX_STREAM_CHUNK);
                    (level.start + j, c.after, chunk)
                })
                .collect();
            if asks.is_empty() {
                break;
            }
            let mut got = vec![0usize; asks.len()];
            for (pos, at, case) in tx.streams(sources, &asks).await? {
                let Some(&(i, _, _)) = usize::try_from(pos).ok().and_then(|p| asks.get(p)) else {
                    return Err(StoreError::Corrupt(format!("triage stream {pos}")));
                };
                got[pos as usize] += 1;
                let cursor = &mut cursors[i - level.start];
                cursor.after = cursor.after.max((at, case));
                if placed.contains(&case) {
                    continue; // a better source, or the caller, placed it
                }
                let basis = found.entry((at, case)).or_insert(i);
                *basis = (*basis).min(i);
                cursor.kept += 1;
            }
            for ((i, _, chunk), n) in asks.iter().zip(got) {
                if n < *chunk {
                    cursors[i - level.start].done = true;
                }
            }
        }
        for ((_, case), basis) in found.into_iter().take(want) {
            placed.insert(case);
            out.push((case, basis));
        }
    }
    Ok(out)
}

/// The page's cases, counts and names, read for the page's rows only,
/// each with the source that placed it.
async fn entries(tx: &mut ReadTx, page: Vec<(Uuid, &RankedSource)>) -> Result<Vec<TriageEntry>> {
    if page.is_empty() {
        return Ok(Vec::new());
    }
    // The cases, counts and names for the page's rows only.
    let ids: Vec<Uuid> = page.iter().map(|(id, _)| *id).collect();
    let basis_orgs: Vec<Uuid> = page
        .iter()
        .map(|(_, s)| *s)
        .filter(|s| s.kind_rank == 0)
        .filter_map(|s| Uuid::parse_str(&s.source).ok())
        .collect();
    let in_list = |head: &str, tail: &str, n: usize| {
        let marks: Vec<String> = (1..=n).map(|i| format!("${i}")).collect();
        sqlx::AssertSqlSafe(format!("{head}{}{tail}", marks.join(", ")))
    };
    let cases_sql = in_list(
        "SELECT c.id, c.state, c.title, c.first_reporter_org, o.name AS first_reporter_name, \
         c.first_reported_at FROM cases c JOIN organizations o ON o.id = c.first_reporter_org \
         WHERE c.id IN (",
        ")",
        ids.len(),
    );
    let reports_sql = in_list(
        "SELECT case_id, COUNT(*) FROM reports WHERE case_id IN (",
        ") GROUP BY case_id",
        ids.len(),
    );
    let orgs_sql = in_list(
        "SELECT case_id, COUNT(*) FROM case_sources WHERE kind = 'org' AND case_id IN (",
        ") GROUP BY case_id",
        ids.len(),
    );
    let names_sql = in_list(
        "SELECT id, name FROM organizations WHERE id IN (",
        ")",
        basis_orgs.len().max(1),
    );
    type Counts = Vec<(Uuid, i64)>;
    let (cases, reports, orgs, names): (Vec<CaseRow>, Counts, Counts, Vec<(Uuid, String)>) = on_tx!(tx, c => {
        let mut q = sqlx::query_as(cases_sql);
        for id in &ids {
            q = q.bind(*id);
        }
        let cases = q.fetch_all(&mut *c).await?;
        let mut q = sqlx::query_as(reports_sql);
        for id in &ids {
            q = q.bind(*id);
        }
        let reports = q.fetch_all(&mut *c).await?;
        let mut q = sqlx::query_as(orgs_sql);
        for id in &ids {
            q = q.bind(*id);
        }
        let orgs = q.fetch_all(&mut *c).await?;
        let mut q = sqlx::query_as(names_sql);
        for id in &basis_orgs {
            q = q.bind(*id);
        }
        if basis_orgs.is_empty() {
            q = q.bind(Uuid::nil());
        }
        (cases, reports, orgs, q.fetch_all(&mut *c).await?)
    });
    let mut cases: HashMap<Uuid, CaseRow> = cases.into_iter().map(|c| (c.id, c)).collect();
    let reports: HashMap<Uuid, i64> = reports.into_iter().collect();
    let orgs: HashMap<Uuid, i64> = orgs.into_iter().collect();
    let names: HashMap<Uuid, String> = names.into_iter().collect();
    page.into_iter()
        .map(|(id, s)| {
            let r = cases
                .remove(&id)
                .ok_or_else(|| StoreError::Corrupt(format!("triage case {id} vanished")))?;
            let (kind, org, source) = match s.kind_rank {
                0 => {
                    let org = Uuid::parse_str(&s.source).map_err(|_| {
                        StoreError::Corrupt(format!("case_sources org {:?}", s.source))
                    })?;
                    let name = names.get(&org).cloned().unwrap_or_else(|| org.to_string());
                    ("org", Some(org), name)
                }
                1 => ("tool", None, s.source.clone()),
                2 => ("model", None, s.source.clone()),
                other => {
                    return Err(StoreError::Corrupt(format!("triage kind rank {other}")));
                }
            };
            Ok(TriageEntry {
                case_id: r.id,
                state: parse_col("cases.state", &r.state)?,
                title: r.title,
                first_reporter_org: r.first_reporter_org,
                first_reporter_name: r.first_reporter_name,
                first_reported_at: from_micros(r.first_reported_at),
                reports: reports.get(&r.id).copied().unwrap_or(0),
                reporting_orgs: orgs.get(&r.id).copied().unwrap_or(0),
                score: s.score,
                basis: Some(TriageBasis {
                    kind,
                    org,
                    source,
                    validated: s.validated,
                    // This case left out of its record.
                    submitted: s.submitted - 1,
                }),
            })
        })
        .collect()
}

impl Store {
    /// The first `limit` (at most [`MAX_TRIAGE_PAGE`]) cases of the triage
    /// queue, in the order of the module's rule. Callers filter by the
    /// policy.
    pub async fn triage_queue(&self, limit: u32) -> Result<Vec<TriageEntry>> {
        self.triage_page(0, limit).await
    }

    /// The triage queue from position `offset` on, `limit` (at most
    /// [`MAX_TRIAGE_PAGE`]) entries: for callers who filter and need more.
    /// The cost grows with `offset + limit`, not with the queue's length.
    pub async fn triage_page(&self, offset: u32, limit: u32) -> Result<Vec<TriageEntry>> {
        self.triage_page_excluding(&HashSet::new(), offset, limit)
            .await
    }

    /// The triage queue without the cases of `excluded`, from position
    /// `offset` on, `limit` (at most [`MAX_TRIAGE_PAGE`]) entries: the
    /// order of the module's rule among the remaining pending cases. The
    /// excluded cases are skipped as the walk meets them (they cost what
    /// reading them costs), so a page still costs about `offset + limit`
    /// plus the excluded cases, not the queue's length. The server ranks
    /// the cases analysts assessed first and passes them here.
    pub async fn triage_page_excluding(
        &self,
        excluded: &HashSet<Uuid>,
        offset: u32,
        limit: u32,
    ) -> Result<Vec<TriageEntry>> {
        let limit = limit.clamp(1, MAX_TRIAGE_PAGE) as usize;
        let offset = offset as usize;
        let mut tx = ReadTx::begin(self).await?;
        let sources = tx.ranked_sources().await?;
        let page: Vec<(Uuid, &RankedSource)> =
            queue_prefix(&mut tx, &sources, offset + limit, excluded.clone())
                .await?
                .into_iter()
                .skip(offset)
                .map(|(id, b)| (id, &sources[b]))
                .collect();
        let out = entries(&mut tx, page).await?;
        tx.finish().await?;
        Ok(out)
    }

    /// The triage entries (state, title, counts, score and its basis, as
    /// the queue shows them) of those of `ids` that are pending, in the
    /// order of `ids`; the others are left out. A case's basis is its best
    /// source by the module's rule, as in the queue.
    pub async fn triage_entries(&self, ids: &[Uuid]) -> Result<Vec<TriageEntry>> {
        let mut tx = ReadTx::begin(self).await?;
        let mut out = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(ENTRIES_PER_STATEMENT) {
            let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let sql = sqlx::AssertSqlSafe(format!(
                "SELECT cs.case_id, s.kind, s.source, s.validated, s.submitted, \
                 CAST(CASE s.kind WHEN 'org' THEN 0 WHEN 'tool' THEN 1 ELSE 2 END AS BIGINT) AS kind_rank, \
                 CAST(s.validated + 1 AS DOUBLE PRECISION) / CAST(s.submitted + 1 AS DOUBLE PRECISION) AS score \
                 FROM case_sources cs JOIN source_stats s ON s.kind = cs.kind AND s.source = cs.source \
                 WHERE cs.pending_at IS NOT NULL AND (s.kind = 'org' OR s.submitted > 1) \
                 AND cs.case_id IN ({}) \
                 ORDER BY cs.case_id, score DESC, kind_rank, s.source",
                marks.join(", ")
            ));
            let rows: Vec<CaseSource> = on_tx!(&mut tx, c => {
                let mut q = sqlx::query_as(sql);
                for id in chunk {
                    q = q.bind(*id);
                }
                q.fetch_all(c).await?
            });
            // The first row of each case is its best source.
            let mut best: HashMap<Uuid, RankedSource> = HashMap::new();
            for r in rows {
                best.entry(r.case_id).or_insert(r.source);
            }
            let page: Vec<(Uuid, &RankedSource)> = chunk
                .iter()
                .filter_map(|id| best.get(id).map(|s| (*id, s)))
                .collect();
            out.extend(entries(&mut tx, page).await?);
        }
        tx.finish().await?;
        Ok(out)
    }

    /// The validation tasks on a case, oldest first.
    pub async fn case_tasks(&self, case: Uuid) -> Result<Vec<CaseTask>> {
        let rows: Vec<(String, Uuid, Option<Uuid>, i64)> = with_pool!(self, pool => {
            sqlx::query_as(
                "SELECT kind, org_id, assigned_by, at FROM case_tasks WHERE case_id = $1 ORDER BY at, kind, org_id",
            ).bind(case).fetch_all(pool).await?
        });
        rows.into_iter()
            .map(|(kind, org_id, assigned_by, at)| {
                Ok(CaseTask {
                    kind: parse_col("case_tasks.kind", &kind)?,
                    org_id,
                    assigned_by,
                    at: from_micros(at),
                })
            })
            .collect()
    }
}
