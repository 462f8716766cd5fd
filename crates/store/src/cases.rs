//! Clearinghouse intake as stored: raw documents, reports, and the cases
//! reports fold into by fingerprint.
//!
//! An intake is one transaction: the raw document (content-addressed by
//! SHA-256, kept once however often it is sent), every report taken from it,
//! the cases created for fingerprints never seen before, and one audit entry
//! naming the document. A file that fails half-way therefore commits
//! nothing, and the audit entry with the kept document says exactly what was
//! ingested without an entry per result.
//!
//! Deduplication is exact: `case_fingerprints` maps each fingerprint to one
//! case. A case is credited to its first reporter, the organization of its
//! earliest report. Analysts merge cases (the absorbed one becomes
//! `duplicate`) and split fingerprints off into a new case; a split is kept
//! as a pair that may never be merged again.

use std::collections::HashMap;

use bulwark_core::{
    AuditEvent, CaseState, ContentAddress, Embargo, Quorum, Target, TargetKind, Tlp, Validation,
    ValidationKind, ValidationResult, from_micros, to_micros,
};
use serde_json::json;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::audit::append_audit;
use crate::{Actor, Result, Store, StoreError, parse_col, with_pool, write_tx};

/// Longest case title kept, in characters; a report's message is cut to it.
const MAX_TITLE: usize = 300;

use crate::bulk::{Batch, Bulk, CHUNK, NewCaseRow, NewReportRow};

/// One normalized report to ingest.
#[derive(Debug, Clone)]
pub struct NewReport {
    /// The versioned fingerprint (e.g. `bwk1:…`) that decides its case.
    pub fingerprint: String,
    /// What it is about, when known; registered if nobody had.
    pub target: Option<Target>,
    pub rule_id: Option<String>,
    /// The message, shown as the case's title when it opens a case.
    pub title: String,
    /// Where, for people: `path:line`.
    pub location: Option<String>,
    pub tool_name: Option<String>,
    pub tool_version: Option<String>,
    pub ai_model: Option<String>,
    pub ai_model_version: Option<String>,
    /// The normalized result, unknown properties kept.
    pub detail: serde_json::Value,
}

/// Bytes per stored piece of a raw document: a document is never bound to
/// one statement whole, so its size is not limited by memory.
pub const DOCUMENT_CHUNK: usize = 1024 * 1024;

/// A raw document for [`Store::ingest_stream`]: its address, computed by
/// the caller, and a reader of its bytes.
pub struct RawDocument<R> {
    pub media_type: String,
    /// Lowercase hex SHA-256 of the content.
    pub sha256: String,
    pub size: u64,
    pub content: R,
}

/// A kept document, without its content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawDocumentInfo {
    pub sha256: String,
    pub media_type: String,
    pub size: u64,
    /// Pieces it is kept in; 0 when kept whole in its row.
    pub pieces: u64,
    /// The organizations that sent it or gave it as evidence.
    pub orgs: Vec<Uuid>,
}

/// A document as one organization sent it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentDocument {
    pub sha256: String,
    pub media_type: String,
    pub size: u64,
    /// Reports the organization filed from it (over all its sendings).
    pub reports: u64,
    pub first_sent_at: OffsetDateTime,
}

/// What the reader of a document sends the store, batch by batch.
#[derive(Debug)]
pub enum IntakeItem {
    /// Reports read so far (at most a few hundred at a time keeps memory flat).
    Reports(Vec<NewReport>),
    /// The document was read to its end: commit.
    Done,
}

/// Reports whose cases an [`IntakeReceipt`] lists.
pub const RECEIPT_CASES: usize = 100_000;

/// What one intake did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IntakeReceipt {
    /// The raw document's SHA-256.
    pub document: String,
    pub reports: usize,
    /// Cases opened by this intake (fingerprints never seen before).
    pub new_cases: usize,
    /// Each report's case, in the order given, for the first
    /// [`RECEIPT_CASES`] reports (a receipt stays small however large the
    /// document).
    pub cases: Vec<Uuid>,
}

/// A case: one finding however many reported it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Case {
    pub id: Uuid,
    pub state: CaseState,
    pub title: String,
    pub rule_id: Option<String>,
    pub target: Option<Target>,
    pub first_reporter_org: Uuid,
    pub first_reported_at: OffsetDateTime,
    /// Set when merged into another case (then `duplicate`).
    pub merged_into: Option<Uuid>,
    /// What validates it.
    pub quorum: Quorum,
    /// TLP:AMBER+STRICT unless the clearinghouse re-marked it.
    pub tlp: Tlp,
    /// While it runs, only the case's parties may know the case.
    pub embargo: Option<Embargo>,
    /// The affected vendor, once notified (then a party), and when.
    pub vendor: Option<(Uuid, OffsetDateTime)>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

/// A validation to record: a reproduction by an organization that did not
/// report the case, or the vendor's confirmation.
#[derive(Debug, Clone)]
pub struct NewValidation {
    pub kind: ValidationKind,
    pub result: ValidationResult,
    /// The validating organization.
    pub org_id: Uuid,
    /// Evidence (a log, a proof of concept, a vendor advisory): media type
    /// and bytes, kept content-addressed like intake documents.
    pub evidence: Option<(String, Vec<u8>)>,
    pub note: Option<String>,
}

/// A validation as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseValidation {
    pub id: Uuid,
    pub case_id: Uuid,
    pub kind: ValidationKind,
    pub result: ValidationResult,
    pub org_id: Uuid,
    pub validated_by: Option<Uuid>,
    /// The evidence document's SHA-256.
    pub evidence: Option<String>,
    pub note: Option<String>,
    pub at: OffsetDateTime,
}

/// How often a source's reports were borne out: `validated` of the
/// `submitted` cases it reported.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceReliability {
    /// `org`, `tool` or `model`.
    pub kind: &'static str,
    /// The organization id, the tool's name, or `model version`.
    pub source: String,
    pub submitted: i64,
    pub validated: i64,
}

impl SourceReliability {
    /// validated ÷ submitted; 0 for a source with nothing submitted.
    pub fn ratio(&self) -> f64 {
        if self.submitted == 0 {
            0.0
        } else {
            self.validated as f64 / self.submitted as f64
        }
    }
}

/// A report as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub id: Uuid,
    pub case_id: Uuid,
    pub org_id: Uuid,
    pub submitted_by: Option<Uuid>,
    pub fingerprint: String,
    pub document: String,
    pub rule_id: Option<String>,
    pub title: String,
    pub location: Option<String>,
    pub tool_name: Option<String>,
    pub tool_version: Option<String>,
    pub ai_model: Option<String>,
    pub ai_model_version: Option<String>,
    pub detail: serde_json::Value,
    pub reported_at: OffsetDateTime,
}

#[derive(sqlx::FromRow)]
struct CaseRow {
    id: Uuid,
    state: String,
    title: String,
    rule_id: Option<String>,
    kind: Option<String>,
    locator: Option<String>,
    first_reporter_org: Uuid,
    first_reported_at: i64,
    merged_into: Option<Uuid>,
    quorum_reproductions: i64,
    quorum_vendor: bool,
    tlp: String,
    embargo_until: Option<i64>,
    embargo_offset_minutes: Option<i32>,
    vendor_org: Option<Uuid>,
    vendor_notified_at: Option<i64>,
    created_at: i64,
    updated_at: i64,
}

impl TryFrom<CaseRow> for Case {
    type Error = StoreError;
    fn try_from(r: CaseRow) -> Result<Self> {
        let target = match (r.kind, r.locator) {
            (Some(k), Some(l)) => {
                let kind: TargetKind = parse_col("scan_targets.kind", &k)?;
                Some(
                    Target::parse(kind, &l)
                        .map_err(|e| StoreError::Corrupt(format!("scan_targets.locator: {e}")))?,
                )
            }
            _ => None,
        };
        Ok(Case {
            id: r.id,
            state: parse_col("cases.state", &r.state)?,
            title: r.title,
            rule_id: r.rule_id,
            target,
            first_reporter_org: r.first_reporter_org,
            first_reported_at: from_micros(r.first_reported_at),
            merged_into: r.merged_into,
            quorum: Quorum {
                reproductions: u32::try_from(r.quorum_reproductions).map_err(|_| {
                    StoreError::Corrupt(format!(
                        "cases.quorum_reproductions = {}",
                        r.quorum_reproductions
                    ))
                })?,
                vendor_confirms: r.quorum_vendor,
            },
            tlp: parse_col("cases.tlp", &r.tlp)?,
            embargo: match r.embargo_until {
                None => None,
                Some(until) => Some(
                    Embargo::from_parts(from_micros(until), r.embargo_offset_minutes.unwrap_or(0))
                        .ok_or_else(|| {
                            StoreError::Corrupt(format!(
                                "cases.embargo_offset_minutes = {:?}",
                                r.embargo_offset_minutes
                            ))
                        })?,
                ),
            },
            vendor: match (r.vendor_org, r.vendor_notified_at) {
                (Some(org), Some(at)) => Some((org, from_micros(at))),
                _ => None,
            },
            created_at: from_micros(r.created_at),
            updated_at: from_micros(r.updated_at),
        })
    }
}

#[derive(sqlx::FromRow)]
struct ReportRow {
    id: Uuid,
    case_id: Uuid,
    org_id: Uuid,
    submitted_by: Option<Uuid>,
    fingerprint: String,
    document: String,
    rule_id: Option<String>,
    title: String,
    location: Option<String>,
    tool_name: Option<String>,
    tool_version: Option<String>,
    ai_model: Option<String>,
    ai_model_version: Option<String>,
    detail: String,
    reported_at: i64,
}

impl TryFrom<ReportRow> for Report {
    type Error = StoreError;
    fn try_from(r: ReportRow) -> Result<Self> {
        Ok(Report {
            detail: serde_json::from_str(&r.detail)
                .map_err(|_| StoreError::Corrupt(format!("reports.detail of {}", r.id)))?,
            id: r.id,
            case_id: r.case_id,
            org_id: r.org_id,
            submitted_by: r.submitted_by,
            fingerprint: r.fingerprint,
            document: r.document,
            rule_id: r.rule_id,
            title: r.title,
            location: r.location,
            tool_name: r.tool_name,
            tool_version: r.tool_version,
            ai_model: r.ai_model,
            ai_model_version: r.ai_model_version,
            reported_at: from_micros(r.reported_at),
        })
    }
}

const CASE_SELECT: &str = "SELECT c.id, c.state, c.title, c.rule_id, t.kind, t.locator, \
     c.first_reporter_org, c.first_reported_at, c.merged_into, c.quorum_reproductions, \
     c.quorum_vendor, c.tlp, c.embargo_until, c.embargo_offset_minutes, c.vendor_org, \
     c.vendor_notified_at, c.created_at, c.updated_at \
     FROM cases c LEFT JOIN scan_targets t ON t.id = c.target_id";
const REPORT_SELECT: &str = "SELECT id, case_id, org_id, submitted_by, fingerprint, document, \
     rule_id, title, location, tool_name, tool_version, ai_model, ai_model_version, detail, \
     reported_at FROM reports";

/// Refuses an organization id nobody registered (before a foreign key
/// would, with a message that says which).
macro_rules! known_org {
    ($tx:ident, $org:expr) => {{
        let known: Option<Uuid> = sqlx::query_scalar("SELECT id FROM organizations WHERE id = $1")
            .bind($org)
            .fetch_optional(&mut *$tx)
            .await?;
        if known.is_none() {
            return Err(StoreError::Invalid(format!("no organization {}", $org)));
        }
    }};
}

/// The sources behind a report, as `case_sources` names them: its
/// organization (32 lowercase hex digits), its tool, its AI model with the
/// model's version.
fn report_sources(
    org: Uuid,
    tool: Option<&str>,
    model: Option<&str>,
    version: Option<&str>,
) -> Vec<(&'static str, String)> {
    let mut out = vec![("org", org.simple().to_string())];
    if let Some(t) = tool {
        out.push(("tool", t.to_owned()));
    }
    if let Some(m) = model {
        out.push((
            "model",
            format!("{m} {}", version.unwrap_or(""))
                .trim_end_matches(' ')
                .to_owned(),
        ));
    }
    out
}

fn source_kind(k: &str) -> Result<&'static str> {
    match k {
        "org" => Ok("org"),
        "tool" => Ok("tool"),
        "model" => Ok("model"),
        other => Err(StoreError::Corrupt(format!(
            "case_sources.kind = {other:?}"
        ))),
    }
}

/// Per-source changes to `source_stats`: (submitted, validated) deltas.
type SourceDeltas = std::collections::BTreeMap<(&'static str, String), (i64, i64)>;

/// Adds per-source deltas to `source_stats`, in (kind, source) order so
/// that concurrent writers take the rows' locks in one order.
macro_rules! add_source_stats {
    ($tx:ident, $deltas:expr) => {{
        let deltas: SourceDeltas = $deltas;
        let rows: Vec<_> = deltas.into_iter().filter(|(_, d)| *d != (0, 0)).collect();
        for chunk in rows.chunks(CHUNK) {
            let mut q = sqlx::QueryBuilder::new(
                "INSERT INTO source_stats (kind, source, submitted, validated) ",
            );
            q.push_values(chunk, |mut row, ((kind, source), (n, v))| {
                row.push_bind(*kind)
                    .push_bind(source.clone())
                    .push_bind(*n)
                    .push_bind(*v);
            });
            q.push(
                " ON CONFLICT (kind, source) DO UPDATE SET \
                 submitted = source_stats.submitted + excluded.submitted, \
                 validated = source_stats.validated + excluded.validated",
            );
            q.build().execute(&mut *$tx).await?;
        }
    }};
}

/// Records (case, kind, source) pairs in `case_sources`; each pair not
/// recorded before counts once more for its source in `source_stats`, and
/// as validated when its case is. A pair of a pending case (new or
/// triaged, not merged away) carries the case's first report time
/// (`pending_at`, the triage queue's index); callers record pairs only
/// after the case's state and first report are settled, and every change
/// of those takes the case's pairs away first ([`unapply_sources!`]).
macro_rules! add_case_sources {
    ($tx:ident, $pairs:expr) => {{
        let deltas = record_case_sources!($tx, $pairs);
        add_source_stats!($tx, deltas);
    }};
}

/// The first half of [`add_case_sources!`]: records the pairs and returns
/// what they add to `source_stats` without applying it, so that an intake
/// can apply its batches' sum once, just before it commits. (Every intake
/// of one organization or tool updates the same `source_stats` rows; had
/// each batch updated them, a second intake would wait on those row locks
/// until the first one committed.)
macro_rules! record_case_sources {
    ($tx:ident, $pairs:expr) => {{
        let pairs: Vec<(Uuid, &'static str, String)> = $pairs.into_iter().collect();
        let cases: std::collections::BTreeSet<Uuid> = pairs.iter().map(|(c, _, _)| *c).collect();
        let cases: Vec<Uuid> = cases.into_iter().collect();
        let mut validated = std::collections::HashSet::new();
        let mut pending_at: HashMap<Uuid, i64> = HashMap::new();
        for (id, state, merged_into, at) in $tx.case_states(&cases).await? {
            if state == CaseState::Validated.as_str() {
                validated.insert(id);
            } else if merged_into.is_none()
                && (state == CaseState::New.as_str() || state == CaseState::Triaged.as_str())
            {
                pending_at.insert(id, at);
            }
        }
        let rows: Vec<_> = pairs
            .iter()
            .map(|(case, kind, source)| {
                (*case, *kind, source.as_str(), pending_at.get(case).copied())
            })
            .collect();
        let fresh = $tx.insert_case_sources(&rows).await?;
        let mut deltas = SourceDeltas::new();
        for (case, kind, source) in fresh {
            let d = deltas
                .entry((source_kind(&kind)?, source))
                .or_insert((0, 0));
            d.0 += 1;
            d.1 += i64::from(validated.contains(&case));
        }
        deltas
    }};
}

/// Before a change that may move reports or change states: takes what
/// `cases` count for out of `source_stats` and forgets their sources.
/// [`apply_sources!`] puts them back as they are after the change.
macro_rules! unapply_sources {
    ($tx:ident, $cases:expr) => {{
        let cases: &[Uuid] = $cases;
        let mut q = sqlx::QueryBuilder::new(
            "SELECT cs.kind, cs.source, COUNT(*), \
             SUM(CASE WHEN c.state = 'validated' THEN 1 ELSE 0 END) \
             FROM case_sources cs JOIN cases c ON c.id = cs.case_id WHERE cs.case_id IN (",
        );
        let mut list = q.separated(", ");
        for c in cases {
            list.push_bind(*c);
        }
        q.push(") GROUP BY cs.kind, cs.source");
        let rows: Vec<(String, String, i64, i64)> = q.build_query_as().fetch_all(&mut *$tx).await?;
        let mut deltas = SourceDeltas::new();
        for (kind, source, n, v) in rows {
            deltas.insert((source_kind(&kind)?, source), (-n, -v));
        }
        add_source_stats!($tx, deltas);
        let mut q = sqlx::QueryBuilder::new("DELETE FROM case_sources WHERE case_id IN (");
        let mut list = q.separated(", ");
        for c in cases {
            list.push_bind(*c);
        }
        q.push(")");
        q.build().execute(&mut *$tx).await?;
    }};
}

/// After the change: records the sources of `cases` from their reports and
/// adds what they count for to `source_stats`.
macro_rules! apply_sources {
    ($tx:ident, $cases:expr) => {{
        let cases: &[Uuid] = $cases;
        let mut q = sqlx::QueryBuilder::new(
            "SELECT DISTINCT case_id, org_id, tool_name, ai_model, ai_model_version \
             FROM reports WHERE case_id IN (",
        );
        let mut list = q.separated(", ");
        for c in cases {
            list.push_bind(*c);
        }
        q.push(")");
        type SourceRow = (Uuid, Uuid, Option<String>, Option<String>, Option<String>);
        let rows: Vec<SourceRow> = q.build_query_as().fetch_all(&mut *$tx).await?;
        let mut pairs = std::collections::BTreeSet::new();
        for (case, org, tool, model, version) in &rows {
            for (kind, source) in
                report_sources(*org, tool.as_deref(), model.as_deref(), version.as_deref())
            {
                pairs.insert((*case, kind, source));
            }
        }
        add_case_sources!($tx, pairs);
    }};
}

/// The first `MAX_TITLE` characters of a message, on one line.
fn title(s: &str) -> String {
    let one_line: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
    let t: String = one_line.chars().take(MAX_TITLE).collect();
    if t.is_empty() {
        "(no message)".into()
    } else {
        t
    }
}

fn check_fingerprint(fp: &str) -> Result<()> {
    if fp.is_empty() || fp.len() > 200 || !fp.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(StoreError::Invalid(format!(
            "fingerprint {fp:?} is not 1 to 200 printable ASCII characters"
        )));
    }
    Ok(())
}

/// A pair of cases in a fixed order, so (a, b) and (b, a) are one row.
fn ordered(a: Uuid, b: Uuid) -> (Uuid, Uuid) {
    if a < b { (a, b) } else { (b, a) }
}

impl Store {
    /// Ingests the reports taken from one raw document held in memory, all
    /// or nothing. See [`Store::ingest_stream`], which this feeds.
    pub async fn ingest_reports(
        &self,
        actor: &Actor,
        org: Uuid,
        media_type: &str,
        raw: &[u8],
        reports: &[NewReport],
        now: OffsetDateTime,
    ) -> Result<IntakeReceipt> {
        let chunks = reports.chunks(CHUNK);
        let (tx, rx) = tokio::sync::mpsc::channel(chunks.len() + 1);
        for c in chunks {
            // The channel holds every chunk: sending cannot fail or wait.
            let _ = tx.try_send(IntakeItem::Reports(c.to_vec()));
        }
        let _ = tx.try_send(IntakeItem::Done);
        let doc = RawDocument {
            media_type: media_type.to_owned(),
            sha256: crate::document_address(raw),
            size: raw.len() as u64,
            content: raw,
        };
        self.ingest_stream(actor, org, doc, rx, now).await
    }

    /// Ingests a document's reports as they are read, in one transaction:
    /// the raw document (kept in chunks of [`DOCUMENT_CHUNK`] bytes), then
    /// each batch of reports deduplicated against the index and inserted as
    /// it arrives, so neither the document nor its reports are ever held
    /// whole. The intake commits only when the sender says
    /// [`IntakeItem::Done`]; a sender that stops without it (its parse
    /// failed) rolls everything back. The caller hashed the document (it
    /// spooled it); the store trusts that digest as the document's address.
    ///
    /// On SQLite the transaction holds the write lock while the document is
    /// read: other writers wait (up to the busy timeout) behind a large
    /// intake. PostgreSQL only locks the rows written.
    pub async fn ingest_stream<R>(
        &self,
        actor: &Actor,
        org: Uuid,
        mut doc: RawDocument<R>,
        mut items: tokio::sync::mpsc::Receiver<IntakeItem>,
        now: OffsetDateTime,
    ) -> Result<IntakeReceipt>
    where
        R: tokio::io::AsyncRead + Unpin + Send,
    {
        use tokio::io::AsyncReadExt;
        let media_type = doc.media_type.clone();
        if media_type.is_empty() || media_type.len() > 100 {
            return Err(StoreError::Invalid(
                "media type must be 1 to 100 bytes".into(),
            ));
        }
        let Ok(sha) = ContentAddress::parse(&doc.sha256).map(|a| a.to_string()) else {
            return Err(StoreError::Invalid(
                "a document's SHA-256 is 64 hex digits".into(),
            ));
        };
        let size = i64::try_from(doc.size).unwrap_or(i64::MAX);
        let at = to_micros(now);
        let mut case_per_report: Vec<Uuid> = Vec::new();
        let mut total = 0usize;
        let mut new_cases = 0usize;
        write_tx!(self, tx => {
            let fresh_doc = sqlx::query(
                "INSERT INTO raw_documents (sha256, media_type, size, content, first_org, at) \
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (sha256) DO NOTHING",
            )
            .bind(&sha).bind(&media_type).bind(size).bind(&[][..] as &[u8]).bind(org).bind(at)
            .execute(&mut *tx).await?.rows_affected() == 1;
            if fresh_doc {
                let mut seq: i64 = 0;
                let mut buf = vec![0u8; DOCUMENT_CHUNK];
                loop {
                    let mut filled = 0;
                    while filled < buf.len() {
                        let n = doc.content.read(&mut buf[filled..]).await
                            .map_err(|e| StoreError::Invalid(format!("reading the document: {e}")))?;
                        if n == 0 {
                            break;
                        }
                        filled += n;
                    }
                    if filled == 0 {
                        break;
                    }
                    sqlx::query("INSERT INTO raw_document_chunks (sha256, seq, bytes) VALUES ($1, $2, $3)")
                        .bind(&sha).bind(seq).bind(&buf[..filled])
                        .execute(&mut *tx).await?;
                    seq += 1;
                    if filled < buf.len() {
                        break;
                    }
                }
            }

            let batch_of = Batch { org, submitted_by: actor.user, document: &sha, at };
            let mut stats = SourceDeltas::new();
            let mut targets: HashMap<String, Uuid> = HashMap::new();
            let mut done = false;
            while let Some(item) = items.recv().await {
                let batch = match item {
                    IntakeItem::Reports(r) => r,
                    IntakeItem::Done => {
                        done = true;
                        break;
                    }
                };
                let reports = &batch[..];
                for r in reports {
                    check_fingerprint(&r.fingerprint)?;
                }
                total += reports.len();

                // Targets are few: registered and looked up one by one, once.
                for t in reports.iter().filter_map(|r| r.target.as_ref()) {
                    if targets.contains_key(&t.key()) {
                        continue;
                    }
                    sqlx::query(
                        "INSERT INTO scan_targets (id, kind, locator, created_at) VALUES ($1, $2, $3, $4) \
                         ON CONFLICT (kind, locator) DO NOTHING",
                    )
                    .bind(Uuid::now_v7()).bind(t.kind().as_str()).bind(t.locator()).bind(at)
                    .execute(&mut *tx).await?;
                    let id: Uuid = sqlx::query_scalar(
                        "SELECT id FROM scan_targets WHERE kind = $1 AND locator = $2",
                    )
                    .bind(t.kind().as_str()).bind(t.locator())
                    .fetch_one(&mut *tx).await?;
                    targets.insert(t.key(), id);
                }
                let target_id = |r: &NewReport| r.target.as_ref().and_then(|t| targets.get(&t.key()).copied());

                // Each distinct fingerprint of the batch once, with its first
                // report (whose title, rule and target open a new case).
                // Earlier batches' fingerprints are in the index by now: this
                // transaction sees its own inserts.
                let mut first_of: HashMap<&str, &NewReport> = HashMap::new();
                let mut distinct: Vec<&str> = Vec::new();
                for r in reports {
                    if let std::collections::hash_map::Entry::Vacant(e) = first_of.entry(&r.fingerprint) {
                        e.insert(r);
                        distinct.push(&r.fingerprint);
                    }
                }
                let mut case_of: HashMap<String, Uuid> = HashMap::with_capacity(distinct.len());
                case_of.extend(tx.known_fingerprints(&distinct).await?);

                // New fingerprints open cases. A concurrent intake may open the
                // same one first: its mapping wins (the insert below waits for
                // it and skips), and the case opened here for it is removed.
                let fresh: Vec<(&str, Uuid)> = distinct
                    .iter()
                    .filter(|fp| !case_of.contains_key(**fp))
                    .map(|fp| (*fp, Uuid::now_v7()))
                    .collect();
                if !fresh.is_empty() {
                    let rows: Vec<NewCaseRow<'_>> = fresh
                        .iter()
                        .map(|(fp, id)| {
                            let r = first_of[fp];
                            NewCaseRow {
                                id: *id,
                                title: title(&r.title),
                                rule_id: r.rule_id.as_deref(),
                                target_id: target_id(r),
                            }
                        })
                        .collect();
                    tx.insert_cases(batch_of, &rows).await?;
                    let won = tx.insert_case_fingerprints(&fresh).await?;
                    let won: std::collections::HashSet<String> = won.into_iter().collect();
                    for (fp, id) in &fresh {
                        if won.contains(*fp) {
                            case_of.insert((*fp).to_owned(), *id);
                            new_cases += 1;
                        } else {
                            sqlx::query("DELETE FROM cases WHERE id = $1").bind(*id).execute(&mut *tx).await?;
                            let winner: Uuid = sqlx::query_scalar(
                                "SELECT case_id FROM case_fingerprints WHERE fingerprint = $1",
                            ).bind(*fp).fetch_one(&mut *tx).await?;
                            case_of.insert((*fp).to_owned(), winner);
                        }
                    }
                }

                let mut ids = Vec::with_capacity(reports.len());
                for r in reports {
                    ids.push(case_of.get(&r.fingerprint).copied().ok_or(StoreError::NotFound)?);
                }
                // One multi-row INSERT. (COPY on PostgreSQL was tried and was
                // no faster end to end in benches/intake_http.rs: the time goes
                // to foreign-key checks, index upkeep and WAL.)
                let rows: Vec<NewReportRow<'_>> = reports
                    .iter()
                    .zip(&ids)
                    .map(|(r, case)| NewReportRow {
                        id: Uuid::now_v7(),
                        case_id: *case,
                        fingerprint: &r.fingerprint,
                        rule_id: r.rule_id.as_deref(),
                        title: title(&r.title),
                        location: r.location.as_deref(),
                        tool_name: r.tool_name.as_deref(),
                        tool_version: r.tool_version.as_deref(),
                        ai_model: r.ai_model.as_deref(),
                        ai_model_version: r.ai_model_version.as_deref(),
                        detail: r.detail.to_string(),
                    })
                    .collect();
                tx.insert_reports(batch_of, &rows).await?;

                // The sources behind the cases: new pairs count once more for
                // their source (and as validated when the case already is).
                let mut pairs = std::collections::BTreeSet::new();
                for (r, case) in reports.iter().zip(&ids) {
                    for (kind, source) in report_sources(
                        org,
                        r.tool_name.as_deref(),
                        r.ai_model.as_deref(),
                        r.ai_model_version.as_deref(),
                    ) {
                        pairs.insert((*case, kind, source));
                    }
                }
                for (source, (n, v)) in record_case_sources!(tx, pairs) {
                    let d = stats.entry(source).or_insert((0, 0));
                    d.0 += n;
                    d.1 += v;
                }
                let room = RECEIPT_CASES.saturating_sub(case_per_report.len());
                case_per_report.extend(ids.into_iter().take(room));
            }
            if !done {
                return Err(StoreError::Invalid(
                    "the intake ended before its document was read to the end".into(),
                ));
            }
            add_source_stats!(tx, stats);
            append_audit!(tx, actor, AuditEvent::new("intake.ingest", "raw_document", sha.clone())
                .with_detail(json!({
                    "org": org,
                    "media_type": media_type,
                    "size": size,
                    "reports": total,
                    "new_cases": new_cases,
                })), at);
        });
        Ok(IntakeReceipt {
            document: sha,
            reports: total,
            new_cases,
            cases: case_per_report,
        })
    }

    /// One case. `NotFound` when there is none.
    pub async fn case(&self, id: Uuid) -> Result<Case> {
        let sql = sqlx::AssertSqlSafe(format!("{CASE_SELECT} WHERE c.id = $1"));
        let row: CaseRow = with_pool!(self, pool => {
            sqlx::query_as(sql).bind(id).fetch_one(pool).await?
        });
        row.try_into()
    }

    /// Cases in id order after `page.after`, merged-away duplicates left out
    /// (callers filter by the policy).
    pub async fn cases(&self, page: crate::PageRequest) -> Result<crate::Page<Case>> {
        let limit = page.effective_limit();
        let sql = sqlx::AssertSqlSafe(format!(
            "{CASE_SELECT} WHERE c.id > $1 AND c.merged_into IS NULL ORDER BY c.id LIMIT $2"
        ));
        let rows: Vec<CaseRow> = with_pool!(self, pool => {
            sqlx::query_as(sql).bind(page.after.unwrap_or(crate::MIN_ID)).bind(limit + 1).fetch_all(pool).await?
        });
        let rows = rows
            .into_iter()
            .map(Case::try_from)
            .collect::<Result<Vec<_>>>()?;
        Ok(crate::paginate(rows, limit, |c| c.id))
    }

    /// A case's reports, earliest first.
    pub async fn case_reports(&self, id: Uuid) -> Result<Vec<Report>> {
        let sql = sqlx::AssertSqlSafe(format!(
            "{REPORT_SELECT} WHERE case_id = $1 ORDER BY reported_at, id"
        ));
        let rows: Vec<ReportRow> = with_pool!(self, pool => {
            sqlx::query_as(sql).bind(id).fetch_all(pool).await?
        });
        rows.into_iter().map(Report::try_from).collect()
    }

    /// The fingerprints that fold into a case, sorted.
    pub async fn case_fingerprints(&self, id: Uuid) -> Result<Vec<String>> {
        Ok(with_pool!(self, pool => {
            sqlx::query_scalar("SELECT fingerprint FROM case_fingerprints WHERE case_id = $1 ORDER BY fingerprint")
                .bind(id).fetch_all(pool).await?
        }))
    }

    /// A raw document as it was sent, with its media type.
    pub async fn raw_document(&self, sha256: &str) -> Result<(String, Vec<u8>)> {
        let ((media_type, mut content), chunks): ((String, Vec<u8>), Vec<Vec<u8>>) = with_pool!(self, pool => {
            (
                sqlx::query_as("SELECT media_type, content FROM raw_documents WHERE sha256 = $1")
                    .bind(sha256).fetch_one(pool).await?,
                sqlx::query_scalar("SELECT bytes FROM raw_document_chunks WHERE sha256 = $1 ORDER BY seq")
                    .bind(sha256).fetch_all(pool).await?,
            )
        });
        // Intake documents are kept in chunks, evidence in the row itself.
        for c in chunks {
            content.extend_from_slice(&c);
        }
        Ok((media_type, content))
    }

    /// A raw document's media type, size and how many pieces it is kept in
    /// (0: kept whole in its row), and the organizations that sent it or
    /// gave it as evidence — the ones it may be shown to besides the
    /// clearinghouse. `NotFound` when there is none.
    pub async fn raw_document_info(&self, sha256: &str) -> Result<RawDocumentInfo> {
        let (info, orgs): ((String, i64, i64), Vec<Uuid>) = with_pool!(self, pool => {
            (
                sqlx::query_as(
                    "SELECT media_type, size, (SELECT COUNT(*) FROM raw_document_chunks c WHERE c.sha256 = d.sha256) \
                     FROM raw_documents d WHERE sha256 = $1",
                ).bind(sha256).fetch_one(pool).await?,
                sqlx::query_scalar(
                    "SELECT org_id FROM reports WHERE document = $1 \
                     UNION SELECT org_id FROM case_validations WHERE evidence = $1 \
                     UNION SELECT first_org FROM raw_documents WHERE sha256 = $1 AND first_org IS NOT NULL \
                     ORDER BY 1",
                ).bind(sha256).fetch_all(pool).await?,
            )
        });
        Ok(RawDocumentInfo {
            sha256: sha256.to_owned(),
            media_type: info.0,
            size: u64::try_from(info.1).unwrap_or(0),
            pieces: u64::try_from(info.2).unwrap_or(0),
            orgs,
        })
    }

    /// The documents an organization sent, newest first: each with its
    /// media type, size, the reports the organization filed from it and
    /// when it first sent it.
    pub async fn org_documents(&self, org: Uuid, limit: u32) -> Result<Vec<SentDocument>> {
        let limit = i64::from(limit.clamp(1, 500));
        let rows: Vec<(String, String, i64, i64, i64)> = with_pool!(self, pool => {
            sqlx::query_as(
                "SELECT r.document, d.media_type, d.size, COUNT(*), MIN(r.reported_at) \
                 FROM reports r JOIN raw_documents d ON d.sha256 = r.document \
                 WHERE r.org_id = $1 GROUP BY r.document, d.media_type, d.size \
                 ORDER BY MIN(r.reported_at) DESC, r.document LIMIT $2",
            ).bind(org).bind(limit).fetch_all(pool).await?
        });
        Ok(rows
            .into_iter()
            .map(|(sha256, media_type, size, reports, at)| SentDocument {
                sha256,
                media_type,
                size: u64::try_from(size).unwrap_or(0),
                reports: u64::try_from(reports).unwrap_or(0),
                first_sent_at: from_micros(at),
            })
            .collect())
    }

    /// Piece `seq` of a document kept in pieces, or the whole content of one
    /// kept in its row (`seq` 0, no pieces).
    pub async fn raw_document_piece(&self, sha256: &str, seq: u64) -> Result<Vec<u8>> {
        let seq = i64::try_from(seq).map_err(|_| StoreError::NotFound)?;
        Ok(with_pool!(self, pool => {
            match sqlx::query_scalar("SELECT bytes FROM raw_document_chunks WHERE sha256 = $1 AND seq = $2")
                .bind(sha256).bind(seq).fetch_optional(pool).await?
            {
                Some(b) => b,
                None if seq == 0 => sqlx::query_scalar("SELECT content FROM raw_documents WHERE sha256 = $1")
                    .bind(sha256).fetch_one(pool).await?,
                None => return Err(StoreError::NotFound),
            }
        }))
    }

    /// Folds case `from` into case `into`: its reports and fingerprints move,
    /// `from` becomes `duplicate`, and the credit goes to whichever was
    /// reported first. Refused for a pair once split apart.
    pub async fn merge_cases(
        &self,
        actor: &Actor,
        into: Uuid,
        from: Uuid,
        now: OffsetDateTime,
    ) -> Result<Case> {
        if into == from {
            return Err(StoreError::Invalid(
                "a case cannot be merged into itself".into(),
            ));
        }
        let at = to_micros(now);
        let (a, b) = ordered(into, from);
        write_tx!(self, tx => {
            let rows: Vec<(Uuid, String, Uuid, i64)> = sqlx::query_as(
                "SELECT id, state, first_reporter_org, first_reported_at FROM cases WHERE id = $1 OR id = $2",
            ).bind(into).bind(from).fetch_all(&mut *tx).await?;
            if rows.len() != 2 {
                return Err(StoreError::NotFound);
            }
            for (id, state, _, _) in &rows {
                if state == CaseState::Duplicate.as_str() {
                    return Err(StoreError::Conflict(format!(
                        "case {id} was already merged into another"
                    )));
                }
            }
            let split: Option<i64> = sqlx::query_scalar(
                "SELECT at FROM case_never_merge WHERE case_a = $1 AND case_b = $2",
            ).bind(a).bind(b).fetch_optional(&mut *tx).await?;
            if split.is_some() {
                return Err(StoreError::Conflict(
                    "these cases were split apart: they are never merged again".into(),
                ));
            }
            unapply_sources!(tx, &[into, from]);
            let earliest = rows.iter().min_by_key(|r| (r.3, r.0 != into)).map(|r| (r.2, r.3));
            if let Some((org, first_at)) = earliest {
                sqlx::query("UPDATE cases SET first_reporter_org = $1, first_reported_at = $2, updated_at = $3 WHERE id = $4")
                    .bind(org).bind(first_at).bind(at).bind(into).execute(&mut *tx).await?;
            }
            sqlx::query("UPDATE reports SET case_id = $1 WHERE case_id = $2")
                .bind(into).bind(from).execute(&mut *tx).await?;
            sqlx::query("UPDATE case_fingerprints SET case_id = $1 WHERE case_id = $2")
                .bind(into).bind(from).execute(&mut *tx).await?;
            // Validations and tasks count for the surviving case.
            sqlx::query("UPDATE case_validations SET case_id = $1 WHERE case_id = $2")
                .bind(into).bind(from).execute(&mut *tx).await?;
            sqlx::query(
                "INSERT INTO case_tasks (case_id, kind, org_id, assigned_by, at) \
                 SELECT $1, kind, org_id, assigned_by, at FROM case_tasks WHERE case_id = $2 \
                 ON CONFLICT DO NOTHING",
            ).bind(into).bind(from).execute(&mut *tx).await?;
            sqlx::query("DELETE FROM case_tasks WHERE case_id = $1")
                .bind(from).execute(&mut *tx).await?;
            sqlx::query("UPDATE cases SET state = $1, merged_into = $2, updated_at = $3 WHERE id = $4")
                .bind(CaseState::Duplicate.as_str()).bind(into).bind(at).bind(from)
                .execute(&mut *tx).await?;
            apply_sources!(tx, &[into, from]);
            append_audit!(tx, actor, AuditEvent::new("case.merge", "case", into.to_string())
                .with_detail(json!({"from": from})), at);
        });
        self.case(into).await
    }

    /// Splits `fingerprints` (and all their reports) off `case` into a new
    /// case, remembered as never to be merged with it again. Returns the new
    /// case.
    pub async fn split_case(
        &self,
        actor: &Actor,
        case: Uuid,
        fingerprints: &[String],
        now: OffsetDateTime,
    ) -> Result<Case> {
        let mut fps = fingerprints.to_vec();
        fps.sort();
        fps.dedup();
        if fps.is_empty() {
            return Err(StoreError::Invalid(
                "name the fingerprints to split off".into(),
            ));
        }
        let held = self.case_fingerprints(case).await?;
        if let Some(stray) = fps.iter().find(|f| !held.contains(f)) {
            return Err(StoreError::Invalid(format!(
                "fingerprint {stray} is not in case {case}"
            )));
        }
        if fps.len() == held.len() {
            return Err(StoreError::Invalid(
                "a split leaves at least one fingerprint in the case".into(),
            ));
        }
        let id = Uuid::now_v7();
        let at = to_micros(now);
        write_tx!(self, tx => {
            let state: Option<String> = sqlx::query_scalar("SELECT state FROM cases WHERE id = $1")
                .bind(case).fetch_optional(&mut *tx).await?;
            match state.as_deref() {
                None => return Err(StoreError::NotFound),
                Some(s) if s == CaseState::Duplicate.as_str() => {
                    return Err(StoreError::Conflict(format!("case {case} was merged into another")));
                }
                Some(_) => {}
            }
            unapply_sources!(tx, &[case]);
            // The new case is credited to the earliest of its own reports.
            let mut first: Option<(i64, Uuid, String, Option<String>)> = None;
            for fp in &fps {
                let row: Option<(i64, Uuid, String, Option<String>)> = sqlx::query_as(
                    "SELECT reported_at, org_id, title, rule_id FROM reports WHERE case_id = $1 AND fingerprint = $2 \
                     ORDER BY reported_at, id LIMIT 1",
                ).bind(case).bind(fp).fetch_optional(&mut *tx).await?;
                if let Some((t, o, ti, r)) = row
                    && first.as_ref().is_none_or(|f| t < f.0)
                {
                    first = Some((t, o, ti, r));
                }
            }
            let (first_at, first_org, first_title, rule) = first.ok_or_else(|| {
                StoreError::Invalid("the fingerprints to split off have no reports".into())
            })?;
            let target: Option<Uuid> = sqlx::query_scalar("SELECT target_id FROM cases WHERE id = $1")
                .bind(case).fetch_one(&mut *tx).await?;
            sqlx::query(
                "INSERT INTO cases (id, state, title, rule_id, target_id, first_reporter_org, \
                 first_reported_at, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)",
            )
            .bind(id).bind(CaseState::New.as_str()).bind(&first_title).bind(&rule).bind(target)
            .bind(first_org).bind(first_at).bind(at)
            .execute(&mut *tx).await?;
            for fp in &fps {
                sqlx::query("UPDATE case_fingerprints SET case_id = $1 WHERE fingerprint = $2")
                    .bind(id).bind(fp).execute(&mut *tx).await?;
                sqlx::query("UPDATE reports SET case_id = $1 WHERE case_id = $2 AND fingerprint = $3")
                    .bind(id).bind(case).bind(fp).execute(&mut *tx).await?;
            }
            // What stays keeps the credit of its own earliest report.
            let stays: Option<(i64, Uuid)> = sqlx::query_as(
                "SELECT reported_at, org_id FROM reports WHERE case_id = $1 ORDER BY reported_at, id LIMIT 1",
            ).bind(case).fetch_optional(&mut *tx).await?;
            if let Some((t, o)) = stays {
                sqlx::query("UPDATE cases SET first_reporter_org = $1, first_reported_at = $2, updated_at = $3 WHERE id = $4")
                    .bind(o).bind(t).bind(at).bind(case).execute(&mut *tx).await?;
            }
            apply_sources!(tx, &[case, id]);
            let (a, b) = ordered(case, id);
            sqlx::query("INSERT INTO case_never_merge (case_a, case_b, at) VALUES ($1, $2, $3)")
                .bind(a).bind(b).bind(at).execute(&mut *tx).await?;
            append_audit!(tx, actor, AuditEvent::new("case.split", "case", case.to_string())
                .with_detail(json!({"new_case": id, "fingerprints": fps})), at);
        });
        self.case(id).await
    }
}

#[derive(sqlx::FromRow)]
struct ValidationRow {
    id: Uuid,
    case_id: Uuid,
    kind: String,
    result: String,
    org_id: Uuid,
    validated_by: Option<Uuid>,
    evidence: Option<String>,
    note: Option<String>,
    at: i64,
}

impl TryFrom<ValidationRow> for CaseValidation {
    type Error = StoreError;
    fn try_from(r: ValidationRow) -> Result<Self> {
        Ok(CaseValidation {
            id: r.id,
            case_id: r.case_id,
            kind: parse_col("case_validations.kind", &r.kind)?,
            result: parse_col("case_validations.result", &r.result)?,
            org_id: r.org_id,
            validated_by: r.validated_by,
            evidence: r.evidence,
            note: r.note,
            at: from_micros(r.at),
        })
    }
}

/// The organizations that reported a case: none of them reproduces it
/// independently.
macro_rules! reporters_in_tx {
    ($tx:expr, $case:expr) => {{
        let orgs: Vec<Uuid> =
            sqlx::query_scalar("SELECT DISTINCT org_id FROM reports WHERE case_id = $1")
                .bind($case)
                .fetch_all(&mut *$tx)
                .await?;
        orgs
    }};
}

/// A case's quorum and validations, as the quorum rule sees them.
macro_rules! quorum_in_tx {
    ($tx:expr, $case:expr) => {{
        let (reps, vendor): (i64, bool) =
            sqlx::query_as("SELECT quorum_reproductions, quorum_vendor FROM cases WHERE id = $1")
                .bind($case)
                .fetch_one(&mut *$tx)
                .await?;
        let rows: Vec<(String, String, Uuid)> =
            sqlx::query_as("SELECT kind, result, org_id FROM case_validations WHERE case_id = $1")
                .bind($case)
                .fetch_all(&mut *$tx)
                .await?;
        let mut validations = Vec::with_capacity(rows.len());
        for (k, r, o) in rows {
            validations.push(Validation {
                kind: parse_col("case_validations.kind", &k)?,
                result: parse_col("case_validations.result", &r)?,
                org: o,
            });
        }
        let quorum = Quorum {
            reproductions: u32::try_from(reps).unwrap_or(u32::MAX),
            vendor_confirms: vendor,
        };
        (quorum, validations)
    }};
}

impl Store {
    /// Moves a case by an analyst's decision (`new → triaged → validating →
    /// validated | rejected`). `validated` needs the quorum met; a move the
    /// workflow does not allow is a `Conflict` naming the allowed ones.
    pub async fn set_case_state(
        &self,
        actor: &Actor,
        id: Uuid,
        to: CaseState,
        now: OffsetDateTime,
    ) -> Result<Case> {
        let at = to_micros(now);
        write_tx!(self, tx => {
            let state: String = sqlx::query_scalar("SELECT state FROM cases WHERE id = $1")
                .bind(id).fetch_one(&mut *tx).await?;
            let from: CaseState = parse_col("cases.state", &state)?;
            if !from.next().contains(&to) {
                let allowed: Vec<&str> = from.next().iter().map(|s| s.as_str()).collect();
                return Err(StoreError::Conflict(format!(
                    "a {from} case cannot become {to}; allowed: {}",
                    if allowed.is_empty() { "none".to_owned() } else { allowed.join(", ") }
                )));
            }
            if to == CaseState::Validated {
                let reporters = reporters_in_tx!(tx, id);
                let (quorum, validations) = quorum_in_tx!(tx, id);
                if !quorum.is_met(&reporters, &validations) {
                    return Err(StoreError::Conflict(format!(
                        "the quorum is not met: {} independent reproduction(s){} needed",
                        quorum.reproductions,
                        if quorum.vendor_confirms { " or the vendor's confirmation" } else { "" }
                    )));
                }
            }
            unapply_sources!(tx, &[id]);
            sqlx::query("UPDATE cases SET state = $1, updated_at = $2 WHERE id = $3")
                .bind(to.as_str()).bind(at).bind(id).execute(&mut *tx).await?;
            apply_sources!(tx, &[id]);
            append_audit!(tx, actor, AuditEvent::new("case.transition", "case", id.to_string())
                .with_detail(json!({"from": from.as_str(), "to": to.as_str()})), at);
        });
        self.case(id).await
    }

    /// Sets what validates a case.
    pub async fn set_case_quorum(
        &self,
        actor: &Actor,
        id: Uuid,
        quorum: Quorum,
        now: OffsetDateTime,
    ) -> Result<Case> {
        if quorum.reproductions == 0 && !quorum.vendor_confirms {
            return Err(StoreError::Invalid(
                "a quorum needs reproductions or the vendor's confirmation".into(),
            ));
        }
        if quorum.reproductions > 10 {
            return Err(StoreError::Invalid("at most 10 reproductions".into()));
        }
        let at = to_micros(now);
        write_tx!(self, tx => {
            let n = sqlx::query("UPDATE cases SET quorum_reproductions = $1, quorum_vendor = $2, updated_at = $3 WHERE id = $4")
                .bind(i64::from(quorum.reproductions)).bind(quorum.vendor_confirms).bind(at).bind(id)
                .execute(&mut *tx).await?.rows_affected();
            if n != 1 {
                return Err(StoreError::NotFound);
            }
            append_audit!(tx, actor, AuditEvent::new("case.quorum", "case", id.to_string())
                .with_detail(json!({"reproductions": quorum.reproductions, "vendor_confirms": quorum.vendor_confirms})), at);
        });
        self.case(id).await
    }

    /// Records a validation of a case in `triaged` (which moves it to
    /// `validating`) or `validating`. A reproduction by an organization that
    /// reported the case is refused: it is not independent. When the quorum
    /// is met, the case becomes `validated` in the same transaction.
    pub async fn record_validation(
        &self,
        actor: &Actor,
        case: Uuid,
        new: &NewValidation,
        now: OffsetDateTime,
    ) -> Result<(CaseValidation, Case)> {
        if !new.result.fits(new.kind) {
            return Err(StoreError::Invalid(format!(
                "a {} gives {}, not {}",
                new.kind,
                match new.kind {
                    ValidationKind::Reproduction => "reproduced or not_reproduced",
                    ValidationKind::VendorConfirmation => "confirmed or disputed",
                },
                new.result
            )));
        }
        if let Some(n) = &new.note
            && (n.len() > 4096 || n.chars().any(|c| c.is_control() && c != '\n'))
        {
            return Err(StoreError::Invalid(
                "a note is at most 4096 bytes without control characters".into(),
            ));
        }
        let evidence = match &new.evidence {
            Some((media, bytes)) => {
                if bytes.is_empty() || media.is_empty() || media.len() > 100 {
                    return Err(StoreError::Invalid(
                        "evidence needs a media type and some bytes".into(),
                    ));
                }
                Some((
                    media.as_str(),
                    bytes.as_slice(),
                    crate::document_address(bytes),
                ))
            }
            None => None,
        };
        let id = Uuid::now_v7();
        let at = to_micros(now);
        write_tx!(self, tx => {
            let state: String = sqlx::query_scalar("SELECT state FROM cases WHERE id = $1")
                .bind(case).fetch_one(&mut *tx).await?;
            let from: CaseState = parse_col("cases.state", &state)?;
            if !matches!(from, CaseState::Triaged | CaseState::Validating) {
                return Err(StoreError::Conflict(format!(
                    "a {from} case takes no validation; triage it first"
                )));
            }
            let task: Option<i64> = sqlx::query_scalar(
                "SELECT at FROM case_tasks WHERE case_id = $1 AND kind = $2 AND org_id = $3",
            ).bind(case).bind(new.kind.as_str()).bind(new.org_id).fetch_optional(&mut *tx).await?;
            if task.is_none() {
                return Err(StoreError::Conflict(format!(
                    "the organization has no {} task for this case: the clearinghouse assigns them",
                    new.kind
                )));
            }
            let reporters = reporters_in_tx!(tx, case);
            if new.kind == ValidationKind::Reproduction && reporters.contains(&new.org_id) {
                return Err(StoreError::Invalid(
                    "a reproduction must come from an organization that did not report the case".into(),
                ));
            }
            if let Some((media, bytes, sha)) = &evidence {
                let size = i64::try_from(bytes.len()).unwrap_or(i64::MAX);
                sqlx::query(
                    "INSERT INTO raw_documents (sha256, media_type, size, content, first_org, at) \
                     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (sha256) DO NOTHING",
                )
                .bind(sha).bind(*media).bind(size).bind(*bytes).bind(new.org_id).bind(at)
                .execute(&mut *tx).await?;
            }
            sqlx::query(
                "INSERT INTO case_validations (id, case_id, kind, result, org_id, validated_by, evidence, note, at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            )
            .bind(id).bind(case).bind(new.kind.as_str()).bind(new.result.as_str()).bind(new.org_id)
            .bind(actor.user).bind(evidence.as_ref().map(|e| e.2.clone())).bind(&new.note).bind(at)
            .execute(&mut *tx).await?;
            append_audit!(tx, actor, AuditEvent::new("case.validation", "case", case.to_string())
                .with_detail(json!({"validation": id, "kind": new.kind.as_str(), "result": new.result.as_str(), "org": new.org_id})), at);
            let (quorum, validations) = quorum_in_tx!(tx, case);
            let to = if quorum.is_met(&reporters, &validations) { CaseState::Validated } else { CaseState::Validating };
            if to != from {
                unapply_sources!(tx, &[case]);
                sqlx::query("UPDATE cases SET state = $1, updated_at = $2 WHERE id = $3")
                    .bind(to.as_str()).bind(at).bind(case).execute(&mut *tx).await?;
                apply_sources!(tx, &[case]);
                append_audit!(tx, actor, AuditEvent::new("case.transition", "case", case.to_string())
                    .with_detail(json!({"from": from.as_str(), "to": to.as_str(), "by": "quorum"})), at);
            }
        });
        let v = self
            .case_validations(case)
            .await?
            .into_iter()
            .find(|v| v.id == id)
            .ok_or(StoreError::NotFound)?;
        Ok((v, self.case(case).await?))
    }

    /// Asks `org` to validate a case (`kind`): it becomes a party to the
    /// case. A reproduction is never asked of a reporter (not independent).
    /// Asking again is harmless.
    pub async fn assign_validation(
        &self,
        actor: &Actor,
        case: Uuid,
        kind: ValidationKind,
        org: Uuid,
        now: OffsetDateTime,
    ) -> Result<()> {
        let at = to_micros(now);
        write_tx!(self, tx => {
            let state: Option<String> = sqlx::query_scalar("SELECT state FROM cases WHERE id = $1")
                .bind(case).fetch_optional(&mut *tx).await?;
            let state: CaseState = match state {
                None => return Err(StoreError::NotFound),
                Some(s) => parse_col("cases.state", &s)?,
            };
            if !matches!(state, CaseState::New | CaseState::Triaged | CaseState::Validating) {
                return Err(StoreError::Conflict(format!(
                    "a {state} case is not validated any more"
                )));
            }
            known_org!(tx, org);
            let reporters = reporters_in_tx!(tx, case);
            if kind == ValidationKind::Reproduction && reporters.contains(&org) {
                return Err(StoreError::Invalid(
                    "a reproduction is asked of an organization that did not report the case".into(),
                ));
            }
            let fresh = sqlx::query(
                "INSERT INTO case_tasks (case_id, kind, org_id, assigned_by, at) VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT DO NOTHING",
            )
            .bind(case).bind(kind.as_str()).bind(org).bind(actor.user).bind(at)
            .execute(&mut *tx).await?.rows_affected() == 1;
            if fresh {
                append_audit!(tx, actor, AuditEvent::new("case.task", "case", case.to_string())
                    .with_detail(json!({"kind": kind.as_str(), "org": org})), at);
            }
        });
        Ok(())
    }

    /// The organizations party to a case: its reporters, the organizations
    /// asked to validate it, the vendor once notified and the participants
    /// the clearinghouse named.
    pub async fn case_parties(&self, case: Uuid) -> Result<Vec<Uuid>> {
        Ok(with_pool!(self, pool => {
            sqlx::query_scalar(
                "SELECT org_id FROM reports WHERE case_id = $1 \
                 UNION SELECT org_id FROM case_tasks WHERE case_id = $1 \
                 UNION SELECT vendor_org FROM cases WHERE id = $1 AND vendor_notified_at IS NOT NULL \
                 UNION SELECT org_id FROM case_participants WHERE case_id = $1 ORDER BY 1",
            ).bind(case).fetch_all(pool).await?
        }))
    }

    /// Re-marks a case and sets or lifts its embargo. RED is refused: a case
    /// has no individual creator, so a RED case would be readable by nobody.
    pub async fn set_case_marking(
        &self,
        actor: &Actor,
        case: Uuid,
        tlp: Tlp,
        embargo: Option<Embargo>,
        now: OffsetDateTime,
    ) -> Result<Case> {
        if tlp == Tlp::Red {
            return Err(StoreError::Invalid(
                "a case cannot be TLP:RED: it has no individual creator and would be readable by nobody; use AMBER+STRICT and name participants".into(),
            ));
        }
        let at = to_micros(now);
        let until = embargo.map(|e| to_micros(e.until));
        let offset = embargo.map(|e| e.offset_minutes());
        let detail = json!({
            "tlp": tlp.as_str(),
            "embargo_until": embargo.map(|e| e.utc()),
            "embargo_as_set": embargo.map(|e| e.as_set()),
        });
        write_tx!(self, tx => {
            let n = sqlx::query(
                "UPDATE cases SET tlp = $2, embargo_until = $3, embargo_offset_minutes = $4, updated_at = $5 \
                 WHERE id = $1",
            )
            .bind(case).bind(tlp.as_str()).bind(until).bind(offset).bind(at)
            .execute(&mut *tx).await?.rows_affected();
            if n == 0 {
                return Err(StoreError::NotFound);
            }
            append_audit!(tx, actor, AuditEvent::new("case.marking", "case", case.to_string())
                .with_detail(detail.clone()), at);
        });
        self.case(case).await
    }

    /// Records that the affected vendor was notified: from then on it is a
    /// party to the case. Notifying another vendor later replaces the first
    /// as "the vendor" but keeps it a participant (it has seen the case).
    pub async fn notify_vendor(
        &self,
        actor: &Actor,
        case: Uuid,
        vendor: Uuid,
        now: OffsetDateTime,
    ) -> Result<Case> {
        let at = to_micros(now);
        write_tx!(self, tx => {
            known_org!(tx, vendor);
            let previous: Option<Option<Uuid>> = sqlx::query_scalar(
                "SELECT vendor_org FROM cases WHERE id = $1 AND vendor_notified_at IS NOT NULL",
            ).bind(case).fetch_optional(&mut *tx).await?;
            if let Some(Some(prev)) = previous
                && prev != vendor
            {
                sqlx::query(
                    "INSERT INTO case_participants (case_id, org_id, added_by, at) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT DO NOTHING",
                ).bind(case).bind(prev).bind(actor.user).bind(at).execute(&mut *tx).await?;
            }
            let n = sqlx::query(
                "UPDATE cases SET vendor_org = $2, vendor_notified_at = $3, updated_at = $3 WHERE id = $1",
            ).bind(case).bind(vendor).bind(at).execute(&mut *tx).await?.rows_affected();
            if n == 0 {
                return Err(StoreError::NotFound);
            }
            append_audit!(tx, actor, AuditEvent::new("case.vendor_notified", "case", case.to_string())
                .with_detail(json!({"vendor": vendor})), at);
        });
        self.case(case).await
    }

    /// Names an organization participant in a case (it may then read it).
    pub async fn add_case_participant(
        &self,
        actor: &Actor,
        case: Uuid,
        org: Uuid,
        now: OffsetDateTime,
    ) -> Result<()> {
        let at = to_micros(now);
        write_tx!(self, tx => {
            let exists: Option<Uuid> = sqlx::query_scalar("SELECT id FROM cases WHERE id = $1")
                .bind(case).fetch_optional(&mut *tx).await?;
            if exists.is_none() {
                return Err(StoreError::NotFound);
            }
            known_org!(tx, org);
            let fresh = sqlx::query(
                "INSERT INTO case_participants (case_id, org_id, added_by, at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT DO NOTHING",
            ).bind(case).bind(org).bind(actor.user).bind(at)
            .execute(&mut *tx).await?.rows_affected() == 1;
            if fresh {
                append_audit!(tx, actor, AuditEvent::new("case.participant", "case", case.to_string())
                    .with_detail(json!({"org": org})), at);
            }
        });
        Ok(())
    }

    /// A case's validations, oldest first.
    pub async fn case_validations(&self, case: Uuid) -> Result<Vec<CaseValidation>> {
        let rows: Vec<ValidationRow> = with_pool!(self, pool => {
            sqlx::query_as(
                "SELECT id, case_id, kind, result, org_id, validated_by, evidence, note, at \
                 FROM case_validations WHERE case_id = $1 ORDER BY at, id",
            ).bind(case).fetch_all(pool).await?
        });
        rows.into_iter().map(CaseValidation::try_from).collect()
    }

    /// Reliability of every source: per reporting organization, per tool and
    /// per AI model (with its version), the cases it reported and how many
    /// of them were validated. Merged-away duplicates count with the case
    /// they were folded into. Read from the counters kept with every change
    /// (`source_stats`), not recounted.
    pub async fn source_reliability(&self) -> Result<Vec<SourceReliability>> {
        let rows: Vec<(String, String, i64, i64)> = with_pool!(self, pool => {
            sqlx::query_as(
                "SELECT kind, source, submitted, validated FROM source_stats WHERE submitted > 0 \
                 ORDER BY kind, source",
            ).fetch_all(pool).await?
        });
        rows.into_iter()
            .map(|(kind, source, submitted, validated)| {
                let kind = source_kind(&kind)?;
                let source = if kind == "org" {
                    Uuid::parse_str(&source)
                        .map_err(|_| StoreError::Corrupt(format!("source_stats org {source:?}")))?
                        .to_string()
                } else {
                    source
                };
                Ok(SourceReliability {
                    kind,
                    source,
                    submitted,
                    validated,
                })
            })
            .collect()
    }

    /// The reliability counters recounted from reports and case states, for
    /// checking that the kept ones are in step (tests and diagnostics).
    pub async fn recount_source_reliability(&self) -> Result<Vec<SourceReliability>> {
        /// A report's case, organization, tool, model and version, and the case's state.
        type Row = (
            Uuid,
            Uuid,
            Option<String>,
            Option<String>,
            Option<String>,
            String,
        );
        let rows: Vec<Row> = with_pool!(self, pool => {
            sqlx::query_as(
                "SELECT DISTINCT r.case_id, r.org_id, r.tool_name, r.ai_model, r.ai_model_version, c.state \
                 FROM reports r JOIN cases c ON c.id = r.case_id",
            ).fetch_all(pool).await?
        });
        let mut pairs = std::collections::BTreeMap::new();
        for (case, org, tool, model, version, state) in rows {
            for key in report_sources(org, tool.as_deref(), model.as_deref(), version.as_deref()) {
                pairs.insert((case, key), state == CaseState::Validated.as_str());
            }
        }
        let mut counts = SourceDeltas::new();
        for ((_, key), validated) in pairs {
            let c = counts.entry(key).or_insert((0, 0));
            c.0 += 1;
            c.1 += i64::from(validated);
        }
        Ok(counts
            .into_iter()
            .map(
                |((kind, source), (submitted, validated))| SourceReliability {
                    kind,
                    source: if kind == "org" {
                        Uuid::parse_str(&source)
                            .map(|u| u.to_string())
                            .unwrap_or(source)
                    } else {
                        source
                    },
                    submitted,
                    validated,
                },
            )
            .collect())
    }
}
