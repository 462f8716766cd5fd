//! Intake: SARIF logs, OSV records, CSAF documents and Bulwark's findings
//! JSON in, each finding a report folded into the case of its fingerprint.
//!
//! A document may be gigabytes, so it is never held in memory: the
//! interface receives it whole into a file first (the server spools a
//! request body to a temporary file, hashing it on the way) and hands over
//! where it is ([`ReceivedDocument`]). Here it is parsed from there as a
//! stream, on a blocking thread, and its reports handed to the store in
//! batches as they are read; the store writes them in one transaction with
//! the raw document (kept, in pieces, next to the reports) and commits only
//! when the parser reached the end: all or nothing.
//!
//! Intake is the one use case in two steps, because whether the caller may
//! submit (and whether the target it names parses) must be known before
//! the interface reads a body of any size: [`open_intake`] decides and
//! hands out an [`IntakeTicket`], which [`ingest`] takes with the document.
//!
//! Documents as tools really write them bend the standard (SARIF
//! fingerprints that are objects, results without a message, `pass`
//! results): by default the readers repair what can be recovered and the
//! receipt lists each repair as a warning with its JSON path, and counts
//! the results that are not findings; a strict ticket
//! ([`IntakeTicket::strict`]) refuses such a document instead, naming the
//! first bend. What cannot be recovered is refused either way.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use bulwark_authz::Action;
use bulwark_core::{Principal, Target};
use bulwark_intake::finding::{self, Finding, Format, ReadError, Summary};
use bulwark_intake::{ReadOptions, Warnings};
use bulwark_store::{IntakeItem, NewReport, RawDocument};
use serde::Serialize;
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::resources::own_org_resource;
use crate::{Acting, App, AppError, AppResult, ErrorKind};

/// Cases an intake's answer lists at most.
const RECEIPT_LIST: usize = 10_000;

/// Reports per batch handed from the parser to the store.
const BATCH: usize = 500;

/// How much of a document is read to tell its format by content.
const SNIFF: u64 = 64 * 1024;

#[derive(Debug, Serialize, ToSchema)]
pub struct IntakeOut {
    /// The raw document's SHA-256 (kept, content-addressed).
    pub document: String,
    /// `SARIF 2.1.0`, `OSV`, `CSAF` or `Bulwark findings`.
    pub format: String,
    pub reports: usize,
    /// Cases opened by this document: findings nobody had reported.
    pub new_cases: usize,
    /// The distinct cases its reports folded into, in document order (of
    /// the first 100,000 reports, at most 10,000 cases).
    pub cases: Vec<Uuid>,
    /// Whether `cases` lists every case the document's reports folded into.
    pub cases_complete: bool,
    /// What intake repaired to read the document (SARIF as tools really
    /// write it); empty for a document that needed no repair.
    pub warnings: IntakeWarnings,
    /// Results read but not filed because they are not findings (SARIF
    /// `kind` `pass`, `notApplicable` or `informational`).
    pub skipped: SkippedResults,
}

/// The repairs made to a document: each counted by kind, the first ones
/// with their JSON paths.
#[derive(Debug, Default, Serialize, ToSchema)]
pub struct IntakeWarnings {
    /// Every repair.
    pub total: usize,
    /// Repairs by kind: `non_string_fingerprint`, `missing_message`,
    /// `malformed_message`, `empty_message`, `missing_tool_name`,
    /// `malformed_stack`.
    pub counts: BTreeMap<String, usize>,
    /// The first ones (at most 20), in document order.
    pub first: Vec<IntakeWarning>,
}

/// One repair.
#[derive(Debug, Serialize, ToSchema)]
pub struct IntakeWarning {
    pub kind: String,
    /// Where, as refusals name it: `runs[0].results[3].message`.
    pub path: String,
    /// What was wrong and what was done.
    pub message: String,
}

impl From<Warnings> for IntakeWarnings {
    fn from(w: Warnings) -> Self {
        IntakeWarnings {
            total: w.total(),
            counts: w
                .counts
                .iter()
                .map(|(k, n)| (k.as_str().to_owned(), *n))
                .collect(),
            first: w
                .first
                .into_iter()
                .map(|w| IntakeWarning {
                    kind: w.kind.as_str().to_owned(),
                    path: w.path,
                    message: w.message,
                })
                .collect(),
        }
    }
}

/// Results that are not findings, by SARIF `kind` (§3.27.9).
#[derive(Debug, Default, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SkippedResults {
    pub pass: usize,
    pub not_applicable: usize,
    pub informational: usize,
}

impl SkippedResults {
    pub fn total(&self) -> usize {
        self.pass + self.not_applicable + self.informational
    }
}

/// A document the interface received whole into a file: where it is, its
/// SHA-256 (lowercase hex) and its size. The file must stay until
/// [`ingest`] returns.
#[derive(Debug, Clone, Copy)]
pub struct ReceivedDocument<'a> {
    pub path: &'a Path,
    pub sha256: &'a str,
    pub size: u64,
}

/// Leave to ingest one document: `report.submit` granted to one principal
/// for its organization, and the target it named parsed. Only
/// [`open_intake`] makes one.
#[derive(Debug)]
pub struct IntakeTicket {
    user: Uuid,
    org: Uuid,
    target: Option<Target>,
    strict: bool,
    /// When the request arrived, before its body was read: the time its
    /// reports keep, and the one that decides who reported a finding first
    /// (a large document sent first is still read when a small one sent
    /// later is done).
    arrived: OffsetDateTime,
}

impl IntakeTicket {
    /// Refuse a document that needs a repair (the caller asked for strict
    /// reading) instead of repairing it with warnings.
    pub fn strict(mut self, strict: bool) -> Self {
        self.strict = strict;
        self
    }
}

/// Whether `who` may submit documents (findings, SBOMs) for its
/// organization, for showing or hiding an upload form.
pub fn may_submit(app: &App, who: &Principal) -> bool {
    app.permits(who, Action::ReportSubmit, &own_org_resource(who))
}

/// The first step of an intake, before any of the document is read:
/// `report.submit` for `who`'s organization, and the target the findings
/// are about (a package URL, a repository at a commit, or a CPE 2.3 name;
/// registered when nobody had; without it, an advisory's own package URL
/// is used).
pub fn open_intake(app: &App, who: &Principal, target: Option<&str>) -> AppResult<IntakeTicket> {
    app.authorize(who, Action::ReportSubmit, &own_org_resource(who))?;
    let target = target
        .map(|t| t.parse::<Target>())
        .transpose()
        .map_err(|e| AppError::validation(e.to_string()))?;
    Ok(IntakeTicket {
        user: who.user_id,
        org: who.org_id,
        target,
        strict: false,
        arrived: app.now(),
    })
}

/// A finding as a report about `target` (the intake's, else the document's).
fn report(f: Finding, target: &Option<Target>) -> AppResult<NewReport> {
    let target = match (target, &f.target) {
        (Some(t), _) => Some(t.clone()),
        (None, Some(t)) => Some(
            t.parse::<Target>()
                .map_err(|e| AppError::validation(format!("the document's target {t:?}: {e}")))?,
        ),
        (None, None) => None,
    };
    Ok(NewReport {
        fingerprint: f.fingerprint.to_string(),
        target,
        rule_id: f.rule_id,
        title: f.title,
        location: f.location,
        tool_name: f.tool_name,
        tool_version: f.tool_version,
        ai_model: f.ai_model,
        ai_model_version: f.ai_model_version,
        detail: f.detail,
    })
}

/// The format's short name, as the receipt and errors give it.
fn format_name(f: Format) -> &'static str {
    match f {
        Format::Sarif => "SARIF 2.1.0",
        Format::Osv => "OSV",
        Format::Csaf => "CSAF",
        Format::Native => "Bulwark findings",
    }
}

/// Why the parser stopped early: its own handler failed, or the store went
/// away (its error is the one to answer).
enum Stop {
    App(AppError),
    StoreGone,
}

/// The first `n` bytes of a file, to tell a document's format by content.
async fn head(path: &Path, n: u64) -> std::io::Result<Vec<u8>> {
    use tokio::io::AsyncReadExt;
    let f = tokio::fs::File::open(path).await?;
    let mut buf = Vec::new();
    f.take(n).read_to_end(&mut buf).await?;
    Ok(buf)
}

/// The format a document is in: its media type says, or, for a generic
/// JSON type (or none), its first bytes.
async fn format_of(media_type: Option<&str>, doc: &ReceivedDocument<'_>) -> AppResult<Format> {
    let media = media_type
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .unwrap_or_default();
    if let Some(f) = Format::from_media_type(&media) {
        return Ok(f);
    }
    let generic = matches!(
        media.as_str(),
        "" | "application/json" | "application/octet-stream"
    );
    if !generic {
        return Err(AppError::new(
            ErrorKind::UnsupportedMediaType,
            format!(
                "{media} is not an intake format: send application/sarif+json, application/osv+json, \
                 application/csaf+json or application/vnd.bulwark.findings+json"
            ),
        ));
    }
    let head = head(doc.path, SNIFF)
        .await
        .map_err(|_| AppError::internal())?;
    Format::sniff(&head).ok_or_else(|| {
        AppError::malformed(
            "the document is not recognisably SARIF 2.1.0, OSV, CSAF or Bulwark findings JSON; \
             name its media type in Content-Type",
        )
    })
}

/// Ingests a received document as `who`'s organization, under the ticket
/// [`open_intake`] gave `who`: the format from `media_type` (else the
/// content), the parser on a blocking thread handing batches to
/// [`bulwark_store::Store::ingest_stream`]. Answers the receipt: the
/// document's address, its reports and the cases they folded into.
pub async fn ingest(
    app: &App,
    who: &Acting,
    ticket: IntakeTicket,
    media_type: Option<&str>,
    doc: ReceivedDocument<'_>,
) -> AppResult<IntakeOut> {
    let p = &who.principal;
    if (ticket.user, ticket.org) != (p.user_id, p.org_id) {
        return Err(AppError::forbidden(Action::ReportSubmit));
    }
    let (target, arrived) = (ticket.target, ticket.arrived);
    let options = if ticket.strict {
        ReadOptions::strict()
    } else {
        ReadOptions::default()
    };
    let format = format_of(media_type, &doc).await?;

    // The parser (CPU work, off the async workers) hands batches of reports
    // to the store, which writes them in one transaction as they come; the
    // transaction commits only if the parser reaches the end.
    let (tx, rx) = tokio::sync::mpsc::channel::<IntakeItem>(4);
    let parser = tokio::task::spawn_blocking({
        let path = doc.path.to_owned();
        move || {
            let file = std::fs::File::open(&path)
                .map_err(|_| ReadError::Handler(Stop::App(AppError::internal())))?;
            let mut batch = Vec::with_capacity(BATCH);
            let summary = finding::read_with(format, file, options, |f| {
                batch.push(report(f, &target).map_err(Stop::App)?);
                if batch.len() == BATCH {
                    tx.blocking_send(IntakeItem::Reports(std::mem::take(&mut batch)))
                        .map_err(|_| Stop::StoreGone)?;
                }
                Ok(())
            })?;
            if !batch.is_empty() {
                tx.blocking_send(IntakeItem::Reports(batch))
                    .map_err(|_| ReadError::Handler(Stop::StoreGone))?;
            }
            tx.blocking_send(IntakeItem::Done)
                .map_err(|_| ReadError::Handler(Stop::StoreGone))?;
            Ok::<Summary, ReadError<Stop>>(summary)
        }
    });
    let content = tokio::fs::File::open(doc.path)
        .await
        .map_err(|_| AppError::internal())?;
    let raw = RawDocument {
        media_type: format.media_type().to_owned(),
        sha256: doc.sha256.to_owned(),
        size: doc.size,
        content: tokio::io::BufReader::with_capacity(256 * 1024, content),
    };
    let stored = app
        .store
        .ingest_stream(&who.actor, p.org_id, raw, rx, arrived)
        .await;
    let parsed = parser.await.map_err(|_| AppError::internal())?;
    let (receipt, summary) = match (parsed, stored) {
        (Err(ReadError::Document(e)), _) => {
            return Err(AppError::malformed(format!(
                "not a {} document: {e}",
                format_name(format)
            )));
        }
        (Err(ReadError::Handler(Stop::App(e))), _) => return Err(e),
        (_, Err(e)) => return Err(e.into()),
        (Err(ReadError::Handler(Stop::StoreGone)), Ok(_)) => return Err(AppError::internal()),
        (Ok(summary), Ok(receipt)) => (receipt, summary),
    };
    let listed_all = receipt.cases.len() == receipt.reports;
    let mut seen = HashSet::new();
    let mut cases: Vec<Uuid> = receipt
        .cases
        .into_iter()
        .filter(|c| seen.insert(*c))
        .collect();
    let cases_complete = listed_all && cases.len() <= RECEIPT_LIST;
    cases.truncate(RECEIPT_LIST);
    Ok(IntakeOut {
        document: receipt.document,
        format: format_name(format).to_owned(),
        reports: receipt.reports,
        new_cases: receipt.new_cases,
        cases,
        cases_complete,
        warnings: summary.warnings.into(),
        skipped: SkippedResults {
            pass: summary.skipped.pass,
            not_applicable: summary.skipped.not_applicable,
            informational: summary.skipped.informational,
        },
    })
}

/// What [`ingest_direct`] did with a document.
#[derive(Debug, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum DirectIntake {
    /// The same bytes were received before (documents are kept by their
    /// SHA-256): nothing was written.
    Unchanged { document: String },
    /// Read and filed as the operator organization's.
    Imported {
        document: String,
        reports: usize,
        new_cases: usize,
        /// The reader's repairs, each with its JSON path.
        warnings: Vec<String>,
    },
}

/// Ingests a document already in memory straight into the database, as
/// the operator organization's, with no acting user (the audit entry
/// names none, like the other commands run on the machine that holds the
/// database): how `bulwark csaf sync` files the documents it took over
/// from other providers after verifying them. Same reader and the same
/// one transaction as [`ingest`]; a document whose bytes were received
/// before is [`DirectIntake::Unchanged`] and writes nothing. The operator
/// organization must exist (`bulwark admin bootstrap`).
pub async fn ingest_direct(
    store: &bulwark_store::Store,
    format: Format,
    bytes: Vec<u8>,
    now: OffsetDateTime,
) -> AppResult<DirectIntake> {
    ingest_direct_as(store, &bulwark_store::Actor::cli(), format, bytes, now).await
}

/// [`ingest_direct`] with the audit entry naming `actor`: the scheduler's
/// sync of a subscribed CSAF source, or the user who ran one
/// (`crate::csaf_sources`). The documents are still the operator
/// organization's.
pub async fn ingest_direct_as(
    store: &bulwark_store::Store,
    actor: &bulwark_store::Actor,
    format: Format,
    bytes: Vec<u8>,
    now: OffsetDateTime,
) -> AppResult<DirectIntake> {
    let sha256 = bulwark_core::document_address(&bytes);
    match store.raw_document_info(&sha256).await {
        Ok(_) => return Ok(DirectIntake::Unchanged { document: sha256 }),
        Err(bulwark_store::StoreError::NotFound) => {}
        Err(e) => return Err(e.into()),
    }
    let org = operator_org(store).await?;

    // Parse whole first (these documents are small: a provider's advisory),
    // then hand the batches to the store.
    let parsed = tokio::task::spawn_blocking({
        let bytes = bytes.clone();
        move || {
            let mut reports = Vec::new();
            let summary = finding::read_with(format, &bytes[..], ReadOptions::default(), |f| {
                reports.push(report(f, &None)?);
                Ok::<(), AppError>(())
            });
            (reports, summary)
        }
    })
    .await
    .map_err(|_| AppError::internal())?;
    let (reports, summary) = match parsed {
        (r, Ok(s)) => (r, s),
        (_, Err(ReadError::Document(e))) => {
            return Err(AppError::malformed(format!(
                "not a {} document: {e}",
                format_name(format)
            )));
        }
        (_, Err(ReadError::Handler(e))) => return Err(e),
    };
    let (tx, rx) = tokio::sync::mpsc::channel::<IntakeItem>(4);
    let size = bytes.len() as u64;
    let raw = RawDocument {
        media_type: format.media_type().to_owned(),
        sha256: sha256.clone(),
        size,
        content: &bytes[..],
    };
    let feed = async move {
        for batch in reports.chunks(BATCH) {
            if tx.send(IntakeItem::Reports(batch.to_vec())).await.is_err() {
                return;
            }
        }
        let _ = tx.send(IntakeItem::Done).await;
    };
    let (stored, ()) = tokio::join!(store.ingest_stream(actor, org, raw, rx, now), feed);
    let receipt = stored?;
    let warnings = IntakeWarnings::from(summary.warnings)
        .first
        .into_iter()
        .map(|w| format!("{}: {}", w.path, w.message))
        .collect();
    Ok(DirectIntake::Imported {
        document: receipt.document,
        reports: receipt.reports,
        new_cases: receipt.new_cases,
        warnings,
    })
}

/// The operator organization (made by `bulwark admin bootstrap`).
pub(crate) async fn operator_org(store: &bulwark_store::Store) -> AppResult<Uuid> {
    let mut page = bulwark_store::PageRequest {
        after: None,
        limit: bulwark_store::PageRequest::MAX_LIMIT,
    };
    loop {
        let orgs = store.organizations(page).await?;
        if let Some(o) = orgs
            .items
            .iter()
            .find(|o| o.kind == bulwark_core::OrgKind::Operator)
        {
            return Ok(o.id);
        }
        match orgs.next {
            Some(next) => page.after = Some(next),
            None => {
                return Err(AppError::validation(
                    "there is no operator organization to file the documents as: run \
                     `bulwark admin bootstrap` first",
                ));
            }
        }
    }
}
