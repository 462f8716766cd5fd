//! Clearinghouse intake: the reports taken from a raw document, folded into
//! cases by fingerprint.
//!
//! An intake is one transaction: the raw document (see `documents.rs`),
//! every report taken from it, the cases opened for fingerprints never seen
//! before, the sources behind them (see `reliability.rs`) and one audit
//! entry naming the document. A file that fails half-way therefore commits
//! nothing, and the audit entry with the kept document says exactly what was
//! ingested without an entry per result. Kept apart from the cases it opens
//! because it is the one writer that streams: reports arrive batch by batch
//! while the document is still being read.
//!
//! Deduplication is exact: `case_fingerprints` maps each fingerprint to one
//! case. A case is credited to its first reporter, the organization of its
//! earliest report: the earliest *arrival* (the time the interface received
//! the request, which each report keeps), not the first intake to commit.
//! Intakes commit in any order (a large document sent first commits after
//! a small one sent later), so an intake that adds reports to a case first
//! reported after its own arrival moves the credit to itself, in its
//! transaction, just before it commits (see `Tx::settle_first_reports`).

use std::collections::{BTreeSet, HashMap, HashSet};

use bulwark_core::{AuditEvent, ContentAddress, Target, to_micros};
use serde_json::json;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::audit::append_audit;
use crate::bulk::{Batch, Bulk, CHUNK, NewCaseRow, NewReportRow};
use crate::documents::{DocumentRow, RawDocument, keep_in_pieces};
use crate::reliability::{
    SourceDeltas, add_source_stats, record_case_sources_with_tools, report_sources,
};
use crate::tool_evidence::{
    ToolCounts, ToolDeltas, ToolPairs, add_delta, add_tool_stats, resettle_tool_versions, tool_key,
};
use crate::tx::Tx;
use crate::{Actor, Result, Store, StoreError, write_tx};

/// Longest case title kept, in characters; a report's message is cut to it.
const MAX_TITLE: usize = 300;

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
    /// the raw document (kept in chunks of [`DOCUMENT_CHUNK`](crate::DOCUMENT_CHUNK) bytes), then
    /// each batch of reports deduplicated against the index and inserted as
    /// it arrives, so neither the document nor its reports are ever held
    /// whole. The intake commits only when the sender says
    /// [`IntakeItem::Done`]; a sender that stops without it (its parse
    /// failed) rolls everything back. The caller hashed the document (it
    /// spooled it); the store trusts that digest as the document's address.
    ///
    /// On SQLite the transaction holds the write lock while the document is
    /// read (from its first batch on): other writers wait their turn (up to
    /// 10 s) behind a large intake. PostgreSQL only locks the rows written.
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
        let credited: u64;
        // The first batch before the write: a document of up to a batch is
        // then parsed whole before this intake's turn to write, so that on
        // SQLite the other writers wait for its writes only, not its parse.
        let mut first = items.recv().await;
        write_tx!(self, tx => {
            let row = DocumentRow { sha256: &sha, media_type: &media_type, size, first_org: org, at };
            keep_in_pieces(&mut *tx, &row, &mut doc.content).await?;

            let batch_of = Batch { org, submitted_by: actor.user, document: &sha, at };
            let mut stats = SourceDeltas::new();
            // The same for the tool versions (`tool_evidence.rs`), with the
            // cases whose tool versions' duplicates it settles at its end.
            let mut tool_stats = ToolDeltas::new();
            let mut tools_unsettled: BTreeSet<Uuid> = BTreeSet::new();
            // Cases other intakes opened whose first report this one must
            // settle at its end (see `Tx::settle_first_reports`): few, except
            // when an organization re-sends many findings others reported.
            let mut unsettled: BTreeSet<Uuid> = BTreeSet::new();
            let mut targets: HashMap<String, Uuid> = HashMap::new();
            let mut done = false;
            while let Some(item) = match first.take() {
                Some(item) => Some(item),
                None => items.recv().await,
            } {
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
                    let won: HashSet<String> = won.into_iter().collect();
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
                let mut pairs = BTreeSet::new();
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
                // Every report of this intake arrived at `at`.
                let mut tools = ToolPairs::new();
                for (r, case) in reports.iter().zip(&ids) {
                    if let Some((name, version)) = tool_key(r.tool_name.as_deref(), r.tool_version.as_deref()) {
                        add_delta(&mut tool_stats, (name.clone(), version.clone()), ToolCounts { reports: 1, ..ToolCounts::default() });
                        tools.insert((*case, name, version), at);
                    }
                }
                let recorded = record_case_sources_with_tools(&mut *tx, &pairs, &tools, Some(at)).await?;
                for (source, (n, v)) in recorded.deltas {
                    let d = stats.entry(source).or_insert((0, 0));
                    d.0 += n;
                    d.1 += v;
                }
                for (key, d) in recorded.tool_deltas {
                    add_delta(&mut tool_stats, key, d);
                }
                unsettled.extend(recorded.unsettled);
                tools_unsettled.extend(recorded.tools_unsettled);
                let room = RECEIPT_CASES.saturating_sub(case_per_report.len());
                case_per_report.extend(ids.into_iter().take(room));
            }
            if !done {
                return Err(StoreError::Invalid(
                    "the intake ended before its document was read to the end".into(),
                ));
            }
            // Last, holding no case's lock until now: the credit of the cases
            // first reported after this intake arrived moves to it.
            let unsettled: Vec<Uuid> = std::mem::take(&mut unsettled).into_iter().collect();
            credited = tx.settle_first_reports(&unsettled, org, at).await?;
            add_source_stats(&mut *tx, stats).await?;
            // With their first report settled, the tool versions that were
            // first on cases this intake reported earlier are duplicates.
            let tools_unsettled: Vec<Uuid> = tools_unsettled.into_iter().collect();
            for (key, d) in resettle_tool_versions(&mut *tx, &tools_unsettled).await? {
                add_delta(&mut tool_stats, key, d);
            }
            add_tool_stats(&mut *tx, tool_stats).await?;
            append_audit!(tx, actor, AuditEvent::new("intake.ingest", "raw_document", sha.clone())
                .with_detail(json!({
                    "org": org,
                    "media_type": media_type,
                    "size": size,
                    "reports": total,
                    "new_cases": new_cases,
                    "credited_earlier": credited,
                })), at);
        });
        Ok(IntakeReceipt {
            document: sha,
            reports: total,
            new_cases,
            cases: case_per_report,
        })
    }
}
