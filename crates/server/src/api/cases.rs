//! Clearinghouse intake and cases: SARIF logs, OSV records, CSAF documents
//! and Bulwark's findings JSON in, reports folded into cases
//! by fingerprint, and the operator's triage (state, merge, split, the
//! analysts' SSVC assessment that sets a case's priority, see
//! [`bulwark_app::triage`]).
//!
//! A case is a marked record to the policy (`record.read`): TLP:AMBER, owned
//! by its first reporter, with every reporting organization a party and the
//! operator (the clearinghouse) party to all. Anyone else gets 404: an
//! unpatched vulnerability must not be learnt from its case's existence.
//!
//! The body of an intake is spooled to a temporary file up to
//! [`INTAKE_LIMIT`] (hashed on the way), parsed from there as a stream, and
//! its reports written in batches as they are read, so memory stays flat
//! whatever the document's size; the raw document is kept, in pieces, next
//! to the reports.

use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::http::StatusCode;
use bulwark_app::resources::{case_resource, document_resource, readable_case};
use bulwark_authz::{Action, Resource};
use bulwark_core::{
    CaseState, Embargo, OrgKind, ParseError, Quorum, Target, Tlp, ValidationKind, ValidationResult,
};
use bulwark_intake::finding::{self, Finding, Format, ReadError};
use bulwark_scoring::ssvc::{Automatable, Exploitation, MissionWellbeing, TechnicalImpact};
use bulwark_store::{
    Assessment, Case, CaseAssessment, CaseValidation, IntakeItem, NewReport, NewValidation,
    RawDocument, Report,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::triage::{CasePriorityOut, case_priority_out};
use super::{List, ts};
use crate::extract::{ApiJson, ApiPath, ApiQuery, Caller, PageParams};
use crate::problem::{ApiError, ApiResult, Kind, Problem, not_found_as};
use crate::spool::{self, Spool};
use crate::state::AppState;

pub use crate::state::INTAKE_LIMIT;

fn parse<T: std::str::FromStr<Err = ParseError>>(s: &str) -> ApiResult<T> {
    s.parse()
        .map_err(|e: ParseError| ApiError::validation(e.to_string()))
}

/// A finding as a report about `target` (the query's, else the document's).
fn report(f: Finding, target: &Option<Target>) -> ApiResult<NewReport> {
    let target = match (target, &f.target) {
        (Some(t), _) => Some(t.clone()),
        (None, Some(t)) => Some(
            t.parse::<Target>()
                .map_err(|e| ApiError::validation(format!("the document's target {t:?}: {e}")))?,
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

/// Cases an intake's answer lists at most.
const RECEIPT_LIST: usize = 10_000;

/// Reports per batch handed from the parser to the store.
const BATCH: usize = 500;

/// Why the parser stopped early: its own handler failed, or the store went
/// away (its error is the one to answer).
enum Stop {
    Api(ApiError),
    StoreGone,
}

#[derive(Debug, Deserialize, ToSchema, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct IntakeQuery {
    /// What the findings are about (a package URL, a repository at a commit,
    /// or a CPE 2.3 name); registered when nobody had. Without it, an
    /// advisory's own package URL is used.
    pub target: Option<String>,
}

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
}

/// The format a document is in: its media type says, or, for a generic
/// JSON type, its first bytes.
async fn format_of(media_type: Option<&str>, doc: &Spool) -> ApiResult<Format> {
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
        return Err(ApiError::new(
            Kind::UnsupportedMediaType,
            format!(
                "{media} is not an intake format: send application/sarif+json, application/osv+json, \
                 application/csaf+json or application/vnd.bulwark.findings+json"
            ),
        ));
    }
    let head = doc
        .head(64 * 1024)
        .await
        .map_err(|_| ApiError::internal())?;
    Format::sniff(&head).ok_or_else(|| {
        ApiError::malformed(
            "the document is not recognisably SARIF 2.1.0, OSV, CSAF or Bulwark findings JSON; \
             name its media type in Content-Type",
        )
    })
}

/// Submit findings: a SARIF 2.1.0 log, OSV records, a CSAF document or
/// Bulwark's findings JSON, as the raw body (format by `Content-Type`, or by
/// content for `application/json`). Each finding becomes a report, folded
/// into the case of its fingerprint. The body is spooled to disk and parsed
/// as a stream; all or nothing.
#[utoipa::path(post, path = "/api/v1/reports", tag = "clearinghouse", params(IntakeQuery),
    request_body(content = Vec<u8>, content_type = "application/sarif+json"),
    responses((status = 201, body = IntakeOut),
        (status = 400, body = Problem, description = "not a document of its format; `detail` names the JSON path"),
        (status = 403, body = Problem), (status = 413, body = Problem), (status = 415, body = Problem),
        (status = 422, body = Problem)))]
pub async fn submit(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<IntakeQuery>,
    headers: HeaderMap,
    body: axum::body::Body,
) -> ApiResult<(StatusCode, Json<IntakeOut>)> {
    let who = &caller.principal;
    state.authorize(
        who,
        Action::ReportSubmit,
        &crate::state::own_org_resource(who),
    )?;
    let target = q
        .target
        .as_deref()
        .map(|t| t.parse::<Target>())
        .transpose()
        .map_err(|e| ApiError::validation(e.to_string()))?;
    let doc = spool::spool(body, state.settings.intake_limit).await?;
    let media = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    let out = ingest(&state, &caller, target, media, doc).await?;
    Ok((StatusCode::CREATED, Json(out)))
}

/// Ingests a spooled document as the caller's organization: the format from
/// `media_type` (else the content), the parser on a blocking thread handing
/// batches to [`bulwark_store::Store::ingest_stream`]. The caller has
/// checked `report.submit`.
pub(crate) async fn ingest(
    state: &AppState,
    caller: &Caller,
    target: Option<Target>,
    media_type: Option<&str>,
    doc: Spool,
) -> ApiResult<IntakeOut> {
    let who = &caller.principal;
    let format = format_of(media_type, &doc).await?;

    // The parser (CPU work, off the async workers) hands batches of reports
    // to the store, which writes them in one transaction as they come; the
    // transaction commits only if the parser reaches the end.
    let (tx, rx) = tokio::sync::mpsc::channel::<IntakeItem>(4);
    let parser = tokio::task::spawn_blocking({
        let path = doc.path().to_owned();
        move || {
            let file = std::fs::File::open(&path)
                .map_err(|_| ReadError::Handler(Stop::Api(ApiError::internal())))?;
            let mut batch = Vec::with_capacity(BATCH);
            finding::read(format, file, |f| {
                batch.push(report(f, &target).map_err(Stop::Api)?);
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
            Ok::<(), ReadError<Stop>>(())
        }
    });
    let content = tokio::fs::File::open(doc.path())
        .await
        .map_err(|_| ApiError::internal())?;
    let raw = RawDocument {
        media_type: format.media_type().to_owned(),
        sha256: doc.sha256.clone(),
        size: doc.size,
        content: tokio::io::BufReader::with_capacity(256 * 1024, content),
    };
    let stored = state
        .store
        .ingest_stream(&caller.actor, who.org_id, raw, rx, state.now())
        .await;
    let parsed = parser.await.map_err(|_| ApiError::internal())?;
    let receipt = match (parsed, stored) {
        (Err(ReadError::Document(e)), _) => {
            return Err(ApiError::malformed(format!(
                "not a {} document: {e}",
                format_name(format)
            )));
        }
        (Err(ReadError::Handler(Stop::Api(e))), _) => return Err(e),
        (_, Err(e)) => return Err(e.into()),
        (Err(ReadError::Handler(Stop::StoreGone)), Ok(_)) => return Err(ApiError::internal()),
        (Ok(()), Ok(receipt)) => receipt,
    };
    let listed_all = receipt.cases.len() == receipt.reports;
    let mut seen = std::collections::HashSet::new();
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
    })
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReportOut {
    pub id: Uuid,
    pub org: Uuid,
    pub fingerprint: String,
    /// The raw document it came from (SHA-256).
    pub document: String,
    pub rule_id: Option<String>,
    pub title: String,
    pub location: Option<String>,
    pub tool_name: Option<String>,
    pub tool_version: Option<String>,
    pub ai_model: Option<String>,
    pub ai_model_version: Option<String>,
    pub reported_at: String,
}

fn report_out(r: Report) -> ReportOut {
    ReportOut {
        id: r.id,
        org: r.org_id,
        fingerprint: r.fingerprint,
        document: r.document,
        rule_id: r.rule_id,
        title: r.title,
        location: r.location,
        tool_name: r.tool_name,
        tool_version: r.tool_version,
        ai_model: r.ai_model,
        ai_model_version: r.ai_model_version,
        reported_at: ts(r.reported_at),
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CaseOut {
    pub id: Uuid,
    /// `new`, `triaged`, `validating`, `validated`, `rejected` or `duplicate`.
    pub state: String,
    pub title: String,
    pub rule_id: Option<String>,
    pub target: Option<String>,
    /// Credited: the organization of the earliest report, and when.
    pub first_reporter: Uuid,
    pub first_reported_at: String,
    pub merged_into: Option<Uuid>,
    /// TLP 2.0 label, `AMBER+STRICT` unless re-marked.
    pub tlp: String,
    /// The embargo end in UTC (RFC 3339, `Z`), while one is set.
    pub embargo_until: Option<String>,
    /// The same instant in the UTC offset it was set in.
    pub embargo_as_set: Option<String>,
    /// The affected vendor, once notified, and when.
    pub vendor: Option<Uuid>,
    pub vendor_notified_at: Option<String>,
    pub fingerprints: Vec<String>,
    /// Earliest first.
    pub reports: Vec<ReportOut>,
    /// Independent reproductions needed (or the vendor's confirmation, when
    /// `quorum_vendor_confirms`).
    pub quorum_reproductions: u32,
    pub quorum_vendor_confirms: bool,
    /// Oldest first.
    pub validations: Vec<ValidationOut>,
    /// What the clearinghouse's analysts judged (`PUT
    /// /api/v1/cases/{id}/assessment`); absent until one is set.
    pub assessment: Option<AssessmentOut>,
    /// The case's priority: the SSVC decision from the assessment, the
    /// linked CVE's CISA ADP decision points and the defaults, with the KEV
    /// override; KEV, EPSS and CVSS of the linked CVE; the reasons.
    pub priority: CasePriorityOut,
    pub created_at: String,
    pub updated_at: String,
}

async fn case_out(state: &AppState, c: Case) -> ApiResult<CaseOut> {
    let reports = state.store.case_reports(c.id).await?;
    let fingerprints = state.store.case_fingerprints(c.id).await?;
    let validations = state.store.case_validations(c.id).await?;
    let assessment = state.store.case_assessment(c.id).await?;
    let priority = bulwark_app::triage::case_priority(state, c.id, assessment.as_ref()).await?;
    Ok(CaseOut {
        id: c.id,
        state: c.state.as_str().to_owned(),
        title: c.title,
        rule_id: c.rule_id,
        target: c.target.map(|t| t.locator().to_owned()),
        first_reporter: c.first_reporter_org,
        first_reported_at: ts(c.first_reported_at),
        merged_into: c.merged_into,
        tlp: c.tlp.as_str().to_owned(),
        embargo_until: c.embargo.map(|e| e.utc()),
        embargo_as_set: c.embargo.map(|e| e.as_set()),
        vendor: c.vendor.map(|v| v.0),
        vendor_notified_at: c.vendor.map(|v| ts(v.1)),
        fingerprints,
        reports: reports.into_iter().map(report_out).collect(),
        quorum_reproductions: c.quorum.reproductions,
        quorum_vendor_confirms: c.quorum.vendor_confirms,
        validations: validations.into_iter().map(validation_out).collect(),
        assessment: assessment.map(assessment_out),
        priority: case_priority_out(&priority),
        created_at: ts(c.created_at),
        updated_at: ts(c.updated_at),
    })
}

/// One case with its reports.
#[utoipa::path(get, path = "/api/v1/cases/{id}", tag = "clearinghouse",
    responses((status = 200, body = CaseOut), (status = 404, body = Problem)))]
pub async fn get_one(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<CaseOut>> {
    let (c, _) = readable_case(&state, &caller.principal, id).await?;
    Ok(Json(case_out(&state, c).await?))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CaseSummary {
    pub id: Uuid,
    pub state: String,
    pub title: String,
    pub target: Option<String>,
    pub first_reporter: Uuid,
    pub first_reported_at: String,
}

/// The cases you may read (merged-away duplicates left out).
#[utoipa::path(get, path = "/api/v1/cases", tag = "clearinghouse", params(PageParams),
    responses((status = 200, body = List<CaseSummary>)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(page): ApiQuery<PageParams>,
) -> ApiResult<Json<List<CaseSummary>>> {
    let page = state.store.cases(page.to_request()?).await?;
    let mut items = Vec::new();
    for c in page.items {
        let parties = state.store.case_parties(c.id).await?;
        if state.permits(
            &caller.principal,
            Action::RecordRead,
            &case_resource(&c, parties),
        ) {
            items.push(CaseSummary {
                id: c.id,
                state: c.state.as_str().to_owned(),
                title: c.title,
                target: c.target.map(|t| t.locator().to_owned()),
                first_reporter: c.first_reporter_org,
                first_reported_at: ts(c.first_reported_at),
            });
        }
    }
    Ok(Json(List {
        items,
        next_cursor: page.next.map(crate::extract::encode_cursor),
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CaseStateIn {
    /// `triaged`, `validating`, `validated` (needs the quorum met) or `rejected`.
    pub to: String,
}

/// Move a case (the clearinghouse's writers); a move the workflow does not
/// allow is a 409 naming the allowed ones.
#[utoipa::path(post, path = "/api/v1/cases/{id}/transition", tag = "clearinghouse", request_body = CaseStateIn,
    responses((status = 200, body = CaseOut), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn transition(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<CaseStateIn>,
) -> ApiResult<Json<CaseOut>> {
    readable_case(&state, &caller.principal, id).await?;
    state.authorize(&caller.principal, Action::CaseManage, &Resource::Program)?;
    let to: CaseState = parse(&body.to)?;
    let c = state
        .store
        .set_case_state(&caller.actor, id, to, state.now())
        .await?;
    Ok(Json(case_out(&state, c).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MergeIn {
    /// The case to fold into this one (it becomes `duplicate`).
    pub from: Uuid,
}

/// Merge another case into this one (the clearinghouse's writers). Refused
/// for two cases once split apart.
#[utoipa::path(post, path = "/api/v1/cases/{id}/merge", tag = "clearinghouse", request_body = MergeIn,
    responses((status = 200, body = CaseOut), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn merge(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<MergeIn>,
) -> ApiResult<Json<CaseOut>> {
    readable_case(&state, &caller.principal, id).await?;
    readable_case(&state, &caller.principal, body.from).await?;
    state.authorize(&caller.principal, Action::CaseManage, &Resource::Program)?;
    let c = state
        .store
        .merge_cases(&caller.actor, id, body.from, state.now())
        .await?;
    Ok(Json(case_out(&state, c).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SplitIn {
    /// Fingerprints to move, with all their reports, into a new case.
    pub fingerprints: Vec<String>,
}

/// Split fingerprints off into a new case (the clearinghouse's writers); the
/// two are never merged again. Answers the new case.
#[utoipa::path(post, path = "/api/v1/cases/{id}/split", tag = "clearinghouse", request_body = SplitIn,
    responses((status = 201, body = CaseOut), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn split(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<SplitIn>,
) -> ApiResult<(StatusCode, Json<CaseOut>)> {
    readable_case(&state, &caller.principal, id).await?;
    state.authorize(&caller.principal, Action::CaseManage, &Resource::Program)?;
    let c = state
        .store
        .split_case(&caller.actor, id, &body.fingerprints, state.now())
        .await?;
    Ok((StatusCode::CREATED, Json(case_out(&state, c).await?)))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ValidationOut {
    pub id: Uuid,
    /// `reproduction` or `vendor_confirmation`.
    pub kind: String,
    /// `reproduced`, `not_reproduced`, `confirmed` or `disputed`.
    pub result: String,
    pub org: Uuid,
    /// The evidence document's SHA-256, when one was given.
    pub evidence: Option<String>,
    pub note: Option<String>,
    pub at: String,
}

fn validation_out(v: CaseValidation) -> ValidationOut {
    ValidationOut {
        id: v.id,
        kind: v.kind.as_str().to_owned(),
        result: v.result.as_str().to_owned(),
        org: v.org_id,
        evidence: v.evidence,
        note: v.note,
        at: ts(v.at),
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TaskIn {
    /// `reproduction` (never of a reporter) or `vendor_confirmation`.
    pub kind: String,
    /// The organization asked; it becomes a party to the case.
    pub org: Uuid,
}

/// Ask an organization to validate a case (the clearinghouse's writers).
#[utoipa::path(post, path = "/api/v1/cases/{id}/tasks", tag = "clearinghouse", request_body = TaskIn,
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn assign(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<TaskIn>,
) -> ApiResult<StatusCode> {
    readable_case(&state, &caller.principal, id).await?;
    state.authorize(&caller.principal, Action::CaseManage, &Resource::Program)?;
    let kind: ValidationKind = parse(&body.kind)?;
    state
        .store
        .assign_validation(&caller.actor, id, kind, body.org, state.now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ValidationIn {
    /// `reproduction` or `vendor_confirmation`: one of your tasks.
    pub kind: String,
    /// `reproduced` / `not_reproduced`, or `confirmed` / `disputed`.
    pub result: String,
    pub note: Option<String>,
    /// Evidence as text (a log, a proof of concept), kept content-addressed.
    pub evidence: Option<String>,
    /// Its media type; `text/plain` when absent.
    pub evidence_media_type: Option<String>,
}

/// Record what your organization found for one of its tasks on a case; the
/// case is validated when its quorum is met.
#[utoipa::path(post, path = "/api/v1/cases/{id}/validations", tag = "clearinghouse", request_body = ValidationIn,
    responses((status = 201, body = CaseOut), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn validate(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<ValidationIn>,
) -> ApiResult<(StatusCode, Json<CaseOut>)> {
    let (_, resource) = readable_case(&state, &caller.principal, id).await?;
    state.authorize(&caller.principal, Action::ValidationRecord, &resource)?;
    let new = NewValidation {
        kind: parse(&body.kind)?,
        result: parse::<ValidationResult>(&body.result)?,
        org_id: caller.principal.org_id,
        evidence: body.evidence.map(|e| {
            (
                body.evidence_media_type
                    .unwrap_or_else(|| "text/plain".to_owned()),
                e.into_bytes(),
            )
        }),
        note: body.note,
    };
    let (_, c) = state
        .store
        .record_validation(&caller.actor, id, &new, state.now())
        .await?;
    Ok((StatusCode::CREATED, Json(case_out(&state, c).await?)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuorumIn {
    /// Independent reproductions needed (0 to 10).
    pub reproductions: u32,
    /// Whether the vendor's confirmation alone validates.
    pub vendor_confirms: bool,
}

/// Set what validates a case (the clearinghouse's writers).
#[utoipa::path(put, path = "/api/v1/cases/{id}/quorum", tag = "clearinghouse", request_body = QuorumIn,
    responses((status = 200, body = CaseOut), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 422, body = Problem)))]
pub async fn quorum(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<QuorumIn>,
) -> ApiResult<Json<CaseOut>> {
    readable_case(&state, &caller.principal, id).await?;
    state.authorize(&caller.principal, Action::CaseManage, &Resource::Program)?;
    let c = state
        .store
        .set_case_quorum(
            &caller.actor,
            id,
            Quorum {
                reproductions: body.reproductions,
                vendor_confirms: body.vendor_confirms,
            },
            state.now(),
        )
        .await?;
    Ok(Json(case_out(&state, c).await?))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssessmentIn {
    /// SSVC Exploitation: `none`, `public_poc` (also `poc`, `Public PoC`)
    /// or `active`; case-insensitive. Absent or empty: not judged (the
    /// linked CVE's CISA ADP value, else `none`).
    pub exploitation: Option<String>,
    /// SSVC Automatable: `yes` or `no`. Not judged: the CVE's, else `no`.
    pub automatable: Option<String>,
    /// SSVC Technical Impact: `partial` or `total`. Not judged: the CVE's,
    /// else `partial`.
    pub technical_impact: Option<String>,
    /// SSVC Mission & Well-being: `low`, `medium` or `high`. Not judged:
    /// `high`.
    pub mission_wellbeing: Option<String>,
    /// The CVE the case is about, `CVE-YYYY-NNNN` (case-insensitive): its
    /// KEV listing, EPSS, CVSS and CISA ADP decision points count.
    pub cve: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AssessmentOut {
    /// `none`, `public_poc` or `active`; absent when not judged.
    pub exploitation: Option<String>,
    /// `yes` or `no`.
    pub automatable: Option<String>,
    /// `partial` or `total`.
    pub technical_impact: Option<String>,
    /// `low`, `medium` or `high`.
    pub mission_wellbeing: Option<String>,
    pub cve: Option<String>,
    /// Who set it (absent at the command line), for which organization,
    /// and when.
    pub set_by: Option<Uuid>,
    pub set_by_org: Option<Uuid>,
    pub set_at: String,
}

pub(crate) fn assessment_out(a: CaseAssessment) -> AssessmentOut {
    AssessmentOut {
        exploitation: a.assessment.exploitation,
        automatable: a.assessment.automatable,
        technical_impact: a.assessment.technical_impact,
        mission_wellbeing: a.assessment.mission_wellbeing,
        cve: a.assessment.cve,
        set_by: a.set_by,
        set_by_org: a.set_by_org,
        set_at: ts(a.set_at),
    }
}

/// A raw value of `field` normalised by `parse` (the scoring crate's SSVC
/// parsing); absent or blank is not judged; a value it refuses is a 400
/// naming the field.
fn point<T, E: std::fmt::Display>(
    field: &str,
    raw: Option<&str>,
    parse: impl Fn(&str) -> Result<T, E>,
    word: impl Fn(T) -> String,
) -> ApiResult<Option<String>> {
    match raw.map(str::trim).filter(|r| !r.is_empty()) {
        None => Ok(None),
        Some(r) => parse(r).map(|v| Some(word(v))).map_err(|e| {
            ApiError::malformed(format!("{field}: {e}"))
                .with_extension("field", serde_json::json!(field))
        }),
    }
}

/// The assessment as the store keeps it: every value normalised, the CVE
/// id upper-cased; the first bad value is a 400 naming its JSON field.
pub(crate) fn parse_assessment(body: &AssessmentIn) -> ApiResult<Assessment> {
    let cve = match body.cve.as_deref().map(str::trim).filter(|r| !r.is_empty()) {
        None => None,
        Some(raw) => Some(bulwark_core::CveId::parse(raw).map_err(|_| {
            ApiError::malformed(format!("cve: {raw:?} is not a CVE id (CVE-YYYY-NNNN)"))
                .with_extension("field", serde_json::json!("cve"))
        })?),
    };
    Ok(Assessment {
        exploitation: point(
            "exploitation",
            body.exploitation.as_deref(),
            str::parse::<Exploitation>,
            |e| bulwark_app::triage::exploitation_word(e).to_owned(),
        )?,
        automatable: point(
            "automatable",
            body.automatable.as_deref(),
            str::parse::<Automatable>,
            |v| v.to_string(),
        )?,
        technical_impact: point(
            "technical_impact",
            body.technical_impact.as_deref(),
            str::parse::<TechnicalImpact>,
            |v| v.to_string(),
        )?,
        mission_wellbeing: point(
            "mission_wellbeing",
            body.mission_wellbeing.as_deref(),
            str::parse::<MissionWellbeing>,
            |v| v.to_string(),
        )?,
        cve: cve.map(String::from),
    })
}

/// Set a case's SSVC assessment (the clearinghouse's writers): the decision
/// points an analyst judged and the CVE the case is about, each optional;
/// it replaces the one the case had (an empty body removes it). Raw values
/// are normalised (`poc` and `Public PoC` are `public_poc`; any case); a
/// value that is not one of the point's is a 400 naming the field (also in
/// the problem's `field` member). Setting the assessment the case already
/// has changes nothing. Answers the case with its assessment and priority.
#[utoipa::path(put, path = "/api/v1/cases/{id}/assessment", tag = "clearinghouse", request_body = AssessmentIn,
    responses((status = 200, body = CaseOut),
        (status = 400, body = Problem, description = "a value that is not one of its point's; `field` names it"),
        (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn assess(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<AssessmentIn>,
) -> ApiResult<Json<CaseOut>> {
    let (c, _) = readable_case(&state, &caller.principal, id).await?;
    state.authorize(&caller.principal, Action::CaseManage, &Resource::Program)?;
    let assessment = parse_assessment(&body)?;
    let (_, changed) = state
        .store
        .set_case_assessment(&caller.actor, id, &assessment, state.now())
        .await?;
    let c = if changed {
        state.store.case(id).await?
    } else {
        c
    };
    Ok(Json(case_out(&state, c).await?))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SourceOut {
    /// `org`, `tool` or `model`.
    pub kind: String,
    /// The organization id, the tool's name, or the model and its version.
    pub source: String,
    /// Cases it reported.
    pub submitted: i64,
    /// Of those, validated.
    pub validated: i64,
    /// validated ÷ submitted.
    pub reliability: f64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SourcesOut {
    /// Most reliable first, then most submitted.
    pub items: Vec<SourceOut>,
}

/// How often each source's reports were borne out (the clearinghouse).
#[utoipa::path(get, path = "/api/v1/sources", tag = "clearinghouse",
    responses((status = 200, body = SourcesOut), (status = 403, body = Problem)))]
pub async fn sources(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<SourcesOut>> {
    state.authorize(&caller.principal, Action::CaseManage, &Resource::Program)?;
    let mut items: Vec<SourceOut> = state
        .store
        .source_reliability()
        .await?
        .into_iter()
        .map(|s| SourceOut {
            reliability: s.ratio(),
            kind: s.kind.to_owned(),
            source: s.source,
            submitted: s.submitted,
            validated: s.validated,
        })
        .collect();
    items.sort_by(|a, b| {
        b.reliability
            .total_cmp(&a.reliability)
            .then(b.submitted.cmp(&a.submitted))
            .then(a.source.cmp(&b.source))
    });
    Ok(Json(SourcesOut { items }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MarkingIn {
    /// `CLEAR`, `GREEN`, `AMBER` or `AMBER+STRICT` (RED is refused: a case
    /// has no individual creator).
    pub tlp: String,
    /// The embargo end, RFC 3339 with its offset (e.g.
    /// `2026-12-01T09:00:00-05:00`); null lifts the embargo.
    pub embargo_until: Option<String>,
}

/// Re-mark a case and set or lift its embargo (the clearinghouse's writers).
/// While an embargo runs only the case's parties may know of it, whatever
/// its marking.
#[utoipa::path(put, path = "/api/v1/cases/{id}/marking", tag = "clearinghouse", request_body = MarkingIn,
    responses((status = 200, body = CaseOut), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 422, body = Problem)))]
pub async fn marking(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<MarkingIn>,
) -> ApiResult<Json<CaseOut>> {
    readable_case(&state, &caller.principal, id).await?;
    state.authorize(&caller.principal, Action::CaseManage, &Resource::Program)?;
    let tlp: Tlp = parse(&body.tlp)?;
    let embargo = body
        .embargo_until
        .as_deref()
        .map(Embargo::parse)
        .transpose()
        .map_err(|e| ApiError::validation(format!("embargo_until: {e}")))?;
    if let Some(e) = embargo
        && e.until <= state.now()
    {
        return Err(ApiError::validation(format!(
            "embargo_until: {} is not in the future",
            e.utc()
        )));
    }
    let c = state
        .store
        .set_case_marking(&caller.actor, id, tlp, embargo, state.now())
        .await?;
    Ok(Json(case_out(&state, c).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrgIn {
    pub org: Uuid,
}

/// Record that the affected vendor (an organization of kind `vendor`) was
/// notified: it becomes a party to the case (the clearinghouse's writers).
#[utoipa::path(post, path = "/api/v1/cases/{id}/vendor", tag = "clearinghouse", request_body = OrgIn,
    responses((status = 200, body = CaseOut), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 422, body = Problem)))]
pub async fn notify_vendor(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<OrgIn>,
) -> ApiResult<Json<CaseOut>> {
    readable_case(&state, &caller.principal, id).await?;
    state.authorize(&caller.principal, Action::CaseManage, &Resource::Program)?;
    let org = state
        .store
        .organization(body.org)
        .await
        .map_err(|_| ApiError::validation(format!("org: no organization {}", body.org)))?;
    if org.kind != OrgKind::Vendor {
        return Err(ApiError::validation(format!(
            "org: {} is a {} organization, not a vendor",
            org.name,
            org.kind.as_str()
        )));
    }
    let c = state
        .store
        .notify_vendor(&caller.actor, id, body.org, state.now())
        .await?;
    Ok(Json(case_out(&state, c).await?))
}

/// Name an organization participant in a case, so that it may read it (the
/// clearinghouse's writers).
#[utoipa::path(post, path = "/api/v1/cases/{id}/participants", tag = "clearinghouse", request_body = OrgIn,
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 422, body = Problem)))]
pub async fn add_participant(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<OrgIn>,
) -> ApiResult<StatusCode> {
    readable_case(&state, &caller.principal, id).await?;
    state.authorize(&caller.principal, Action::CaseManage, &Resource::Program)?;
    state
        .store
        .add_case_participant(&caller.actor, id, body.org, state.now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A kept intake document (or validation evidence), as it was sent, streamed
/// piece by piece. Its senders and the clearinghouse may read it; every read
/// is audited.
#[utoipa::path(get, path = "/api/v1/documents/{sha256}", tag = "clearinghouse",
    responses((status = 200, content_type = "application/octet-stream", body = Vec<u8>),
        (status = 404, body = Problem)))]
pub async fn document(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(sha256): ApiPath<String>,
) -> ApiResult<axum::response::Response> {
    use axum::response::IntoResponse;
    let Ok(sha) = bulwark_core::ContentAddress::parse(&sha256).map(|a| a.to_string()) else {
        return Err(ApiError::not_found("document"));
    };
    let info = state
        .store
        .raw_document_info(&sha)
        .await
        .map_err(not_found_as("document"))?;
    if !state.permits(
        &caller.principal,
        Action::RecordRead,
        &document_resource(&info),
    ) {
        return Err(ApiError::not_found("document"));
    }
    state
        .store
        .audit(
            &caller.actor,
            bulwark_core::AuditEvent::new("document.read", "raw_document", sha.clone()),
            bulwark_core::to_micros(state.now()),
        )
        .await?;
    let pieces = info.pieces.max(1);
    let store = state.store.clone();
    let stream = futures_util::stream::unfold(0u64, move |seq| {
        let store = store.clone();
        let sha = sha.clone();
        async move {
            if seq >= pieces {
                return None;
            }
            let piece = store
                .raw_document_piece(&sha, seq)
                .await
                .map_err(|e| std::io::Error::other(e.to_string()));
            Some((piece, seq + 1))
        }
    });
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, info.media_type.clone()),
            (axum::http::header::CONTENT_LENGTH, info.size.to_string()),
        ],
        axum::body::Body::from_stream(stream),
    )
        .into_response())
}
