//! Clearinghouse intake and cases: SARIF logs in, reports folded into cases
//! by fingerprint, and the operator's triage (state, merge, split).
//!
//! A case is a marked record to the policy (`record.read`): TLP:AMBER, owned
//! by its first reporter, with every reporting organization a party and the
//! operator (the clearinghouse) party to all. Anyone else gets 404: an
//! unpatched vulnerability must not be learnt from its case's existence.
//!
//! The body of an intake is read into memory up to [`INTAKE_LIMIT`] and the
//! SARIF in it parsed as a stream (results one at a time, never the whole
//! tree); the raw document is kept next to the reports.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use bulwark_authz::{Action, RecordFacts, Resource};
use bulwark_core::{
    CaseState, ParseError, Principal, Quorum, Target, Tlp, ValidationKind, ValidationResult,
};
use bulwark_intake::fingerprint::fingerprint;
use bulwark_intake::sarif::{self, NormalizedResult, ReadError};
use bulwark_store::{Case, CaseValidation, NewReport, NewValidation, Report};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::{List, ts};
use crate::extract::{ApiJson, ApiPath, ApiQuery, Caller, PageParams};
use crate::problem::{ApiError, ApiResult, Problem, not_found_as};
use crate::state::AppState;

/// Largest intake document accepted over HTTP.
pub const INTAKE_LIMIT: usize = 256 * 1024 * 1024;

fn parse<T: std::str::FromStr<Err = ParseError>>(s: &str) -> ApiResult<T> {
    s.parse()
        .map_err(|e: ParseError| ApiError::validation(e.to_string()))
}

/// The policy's view of a case: an AMBER record whose parties are its
/// reporters and the organizations asked to validate it.
pub(crate) fn case_resource(c: &Case, parties: Vec<Uuid>) -> Resource {
    Resource::Record(RecordFacts {
        kind: "case".into(),
        id: c.id.to_string(),
        owner_org: c.first_reporter_org,
        // No individual created a case: it opened with a fingerprint.
        creator: Uuid::nil(),
        tlp: Tlp::Amber,
        embargo_until: None,
        participant_orgs: parties,
        recipient_users: Vec::new(),
    })
}

/// A case the principal may read, else 404; with the policy's view of it.
async fn readable(state: &AppState, who: &Principal, id: Uuid) -> ApiResult<(Case, Resource)> {
    let c = state.store.case(id).await.map_err(not_found_as("case"))?;
    let resource = case_resource(&c, state.store.case_parties(id).await?);
    if !state.permits(who, Action::RecordRead, &resource) {
        return Err(ApiError::not_found("case"));
    }
    Ok((c, resource))
}

/// A normalized SARIF result as a report.
fn report(r: NormalizedResult, target: &Option<Target>) -> ApiResult<NewReport> {
    let location = r.primary_location().and_then(|l| {
        l.path.as_ref().map(|p| match l.start_line {
            Some(line) => format!("{p}:{line}"),
            None => p.clone(),
        })
    });
    let driver = &r.tool.driver;
    Ok(NewReport {
        fingerprint: fingerprint(&r).to_string(),
        target: target.clone(),
        rule_id: r.rule_id.clone(),
        title: r.message.clone(),
        location,
        tool_name: Some(driver.name.clone()),
        tool_version: driver
            .version
            .clone()
            .or_else(|| driver.semantic_version.clone()),
        ai_model: r.tool.ai_model.as_ref().map(|m| m.name.clone()),
        ai_model_version: r.tool.ai_model.as_ref().and_then(|m| m.version.clone()),
        detail: serde_json::to_value(&r).map_err(|_| ApiError::internal())?,
    })
}

#[derive(Debug, Deserialize, ToSchema, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct IntakeQuery {
    /// What the findings are about (a package URL, a repository at a commit,
    /// or a CPE 2.3 name); registered when nobody had.
    pub target: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct IntakeOut {
    /// The raw document's SHA-256 (kept, content-addressed).
    pub document: String,
    pub reports: usize,
    /// Cases opened by this document: findings nobody had reported.
    pub new_cases: usize,
    /// The distinct cases its reports folded into, in document order.
    pub cases: Vec<Uuid>,
}

/// Submit a SARIF 2.1.0 log (the raw bytes as the body): each result becomes
/// a report, folded into the case of its fingerprint. All or nothing.
#[utoipa::path(post, path = "/api/v1/reports", tag = "clearinghouse", params(IntakeQuery),
    request_body(content = Vec<u8>, content_type = "application/sarif+json"),
    responses((status = 201, body = IntakeOut),
        (status = 400, body = Problem, description = "not a SARIF 2.1.0 log; `detail` names the JSON path"),
        (status = 403, body = Problem), (status = 413, body = Problem), (status = 422, body = Problem)))]
pub async fn submit(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<IntakeQuery>,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<IntakeOut>)> {
    let who = &caller.principal;
    state.authorize(
        who,
        Action::ReportSubmit,
        &Resource::Organization {
            id: who.org_id,
            kind: who.org_kind,
        },
    )?;
    let target = q
        .target
        .as_deref()
        .map(|t| t.parse::<Target>())
        .transpose()
        .map_err(|e| ApiError::validation(e.to_string()))?;
    // Parsing is CPU work: off the async workers.
    let parsed = tokio::task::spawn_blocking({
        let body = body.clone();
        let target = target.clone();
        move || {
            let mut reports = Vec::new();
            let read = sarif::read(&body[..], |r| {
                reports.push(report(r, &target)?);
                Ok::<(), ApiError>(())
            });
            read.map(|_| reports)
        }
    })
    .await
    .map_err(|_| ApiError::internal())?;
    let reports = match parsed {
        Ok(r) => r,
        Err(ReadError::Sarif(e)) => {
            return Err(ApiError::malformed(format!("not a SARIF 2.1.0 log: {e}")));
        }
        Err(ReadError::Handler(e)) => return Err(e),
    };
    let receipt = state
        .store
        .ingest_reports(
            &caller.actor,
            who.org_id,
            "application/sarif+json",
            &body,
            &reports,
            state.now(),
        )
        .await?;
    let mut cases = Vec::new();
    for c in receipt.cases {
        if !cases.contains(&c) {
            cases.push(c);
        }
    }
    Ok((
        StatusCode::CREATED,
        Json(IntakeOut {
            document: receipt.document,
            reports: receipt.reports,
            new_cases: receipt.new_cases,
            cases,
        }),
    ))
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
    pub fingerprints: Vec<String>,
    /// Earliest first.
    pub reports: Vec<ReportOut>,
    /// Independent reproductions needed (or the vendor's confirmation, when
    /// `quorum_vendor_confirms`).
    pub quorum_reproductions: u32,
    pub quorum_vendor_confirms: bool,
    /// Oldest first.
    pub validations: Vec<ValidationOut>,
    pub created_at: String,
    pub updated_at: String,
}

async fn case_out(state: &AppState, c: Case) -> ApiResult<CaseOut> {
    let reports = state.store.case_reports(c.id).await?;
    let fingerprints = state.store.case_fingerprints(c.id).await?;
    let validations = state.store.case_validations(c.id).await?;
    Ok(CaseOut {
        id: c.id,
        state: c.state.as_str().to_owned(),
        title: c.title,
        rule_id: c.rule_id,
        target: c.target.map(|t| t.locator().to_owned()),
        first_reporter: c.first_reporter_org,
        first_reported_at: ts(c.first_reported_at),
        merged_into: c.merged_into,
        fingerprints,
        reports: reports.into_iter().map(report_out).collect(),
        quorum_reproductions: c.quorum.reproductions,
        quorum_vendor_confirms: c.quorum.vendor_confirms,
        validations: validations.into_iter().map(validation_out).collect(),
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
    let (c, _) = readable(&state, &caller.principal, id).await?;
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
    readable(&state, &caller.principal, id).await?;
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
    readable(&state, &caller.principal, id).await?;
    readable(&state, &caller.principal, body.from).await?;
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
    readable(&state, &caller.principal, id).await?;
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
    readable(&state, &caller.principal, id).await?;
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
    let (_, resource) = readable(&state, &caller.principal, id).await?;
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
    readable(&state, &caller.principal, id).await?;
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
