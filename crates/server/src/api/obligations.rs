//! Obligations over HTTP: the lists (and their exports), one obligation
//! with its explanation and history, the agency's answers and requests,
//! the issuer's decisions, and the compliance counts. The use cases are
//! [`bulwark_app::directives::obligations`]'s; what the caller may see is
//! theirs to decide, so an export holds exactly what the lists show.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bulwark_app::directives::obligations::{
    self, AgencyCompliance, AnswerIn, CountsOut, DecisionIn, ListQuery, ObligationOut,
    ObligationView, RequestIn, RequestOut,
};
use serde::Deserialize;
use uuid::Uuid;

use super::List;
use super::bodies::RawBytes;
use crate::export;
use crate::extract::{ApiJson, ApiPath, ApiQuery, Caller, PageParams};
use crate::problem::{ApiError, ApiResult, Problem};
use crate::state::AppState;

/// The list's filters as the use case reads them; blank text is no filter.
#[allow(clippy::too_many_arguments)]
fn list_query(
    org: Option<Uuid>,
    system: Option<Uuid>,
    state: Option<String>,
    vulnerability: Option<String>,
    directive: Option<String>,
    overdue: Option<bool>,
    due_within_days: Option<u32>,
) -> ListQuery {
    let text = |v: Option<String>| v.filter(|v| !v.trim().is_empty());
    ListQuery {
        org,
        system,
        state: text(state),
        vulnerability: text(vulnerability),
        directive: text(directive),
        overdue: overdue.unwrap_or(false),
        due_within_days,
    }
}

/// A page of a filtered list.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// An agency's id (the issuer may name any; an agency only itself).
    pub org: Option<Uuid>,
    /// A system's id.
    pub system: Option<Uuid>,
    /// `open` or `closed`.
    pub state: Option<String>,
    /// A vulnerability id, e.g. `CVE-2024-3400`.
    pub vulnerability: Option<String>,
    /// A directive id, e.g. `BOD-26-04`.
    pub directive: Option<String>,
    /// Only open ones past their date in force.
    pub overdue: Option<bool>,
    /// Only open ones due within this many days (not yet overdue).
    pub due_within_days: Option<u32>,
    /// Opaque cursor from a previous page's `next_cursor`.
    pub cursor: Option<String>,
    /// Items per page, 1 to 500 (default 50).
    pub limit: Option<u32>,
}

impl ListParams {
    /// The filters and the page. (serde's `flatten` would read every
    /// query value as text, so the two are spelt out and split here.)
    fn split(self) -> (ListQuery, PageParams) {
        (
            list_query(
                self.org,
                self.system,
                self.state,
                self.vulnerability,
                self.directive,
                self.overdue,
                self.due_within_days,
            ),
            PageParams {
                cursor: self.cursor,
                limit: self.limit,
            },
        )
    }
}

/// The obligations the caller may read: an agency its own, the directives'
/// issuer those of the systems its directives bind.
#[utoipa::path(get, path = "/api/v1/obligations",
    operation_id = "obligations_list", tag = "directives", params(ListParams),
    responses((status = 200, body = List<ObligationOut>), (status = 400, body = Problem),
        (status = 422, body = Problem)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<ListParams>,
) -> ApiResult<Json<List<ObligationOut>>> {
    let (query, page) = q.split();
    let page = obligations::list(&state, &caller.principal, &query, page.to_request()?).await?;
    Ok(Json(List::from_page(page, |o| o)))
}

/// The list's filters and the export's format.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ExportParams {
    /// `csv` (the default) or `json`.
    pub format: Option<String>,
    /// As the list's.
    pub org: Option<Uuid>,
    pub system: Option<Uuid>,
    pub state: Option<String>,
    pub vulnerability: Option<String>,
    pub directive: Option<String>,
    pub overdue: Option<bool>,
    pub due_within_days: Option<u32>,
}

/// Every obligation the caller may read that matches the filters, not
/// paged: CSV (a header row, then one row each) or a JSON array.
#[utoipa::path(get, path = "/api/v1/obligations/export",
    operation_id = "obligations_export", tag = "directives", params(ExportParams),
    responses(
        (status = 200, description = "The obligations", content(
            (Vec<ObligationOut> = "application/json"),
            (inline(RawBytes) = "text/csv"))),
        (status = 400, body = Problem), (status = 422, body = Problem)))]
pub async fn export(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<ExportParams>,
) -> ApiResult<Response> {
    let format = q
        .format
        .as_deref()
        .map(|f| f.trim().to_ascii_lowercase())
        .unwrap_or_else(|| "csv".to_owned());
    if format != "csv" && format != "json" {
        return Err(ApiError::malformed(format!(
            "format {format:?} is not one of: csv, json"
        )));
    }
    let query = list_query(
        q.org,
        q.system,
        q.state,
        q.vulnerability,
        q.directive,
        q.overdue,
        q.due_within_days,
    );
    let items = export::all_matching(&state, &caller.principal, &query).await?;
    if format == "json" {
        return Ok(Json(items).into_response());
    }
    let mut resp = export::csv(&items).into_response();
    let headers = resp.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8; header=present"),
    );
    headers.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"obligations.csv\""),
    );
    Ok(resp)
}

/// One obligation: the directive's evaluation with every input and its
/// source, the history, the requests, and what the caller may do.
#[utoipa::path(get, path = "/api/v1/obligations/{id}",
    operation_id = "obligations_get_one", tag = "directives",
    params(("id" = Uuid, Path, description = "The obligation's id")),
    responses((status = 200, body = ObligationView), (status = 404, body = Problem)))]
pub async fn get_one(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<ObligationView>> {
    Ok(Json(obligations::get(&state, &caller.principal, id).await?))
}

/// The agency's answer: in progress, remediated or mitigated (with a note
/// or evidence), not affected (with a VEX justification).
#[utoipa::path(post, path = "/api/v1/obligations/{id}/answers",
    operation_id = "obligations_answer", tag = "directives",
    params(("id" = Uuid, Path, description = "The obligation's id")), request_body = AnswerIn,
    responses((status = 200, body = ObligationOut), (status = 400, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn answer(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<AnswerIn>,
) -> ApiResult<Json<ObligationOut>> {
    Ok(Json(obligations::answer(&state, &caller, id, body).await?))
}

/// Ask the issuer for an extension (a later due date) or an exception.
#[utoipa::path(post, path = "/api/v1/obligations/{id}/requests",
    operation_id = "obligations_request", tag = "directives",
    params(("id" = Uuid, Path, description = "The obligation's id")), request_body = RequestIn,
    responses((status = 201, body = RequestOut), (status = 400, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn request(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<RequestIn>,
) -> ApiResult<(StatusCode, Json<RequestOut>)> {
    Ok((
        StatusCode::CREATED,
        Json(obligations::request(&state, &caller, id, body).await?),
    ))
}

/// The issuer's decision on a request; an approved extension moves the
/// obligation's due date.
#[utoipa::path(post, path = "/api/v1/obligation-requests/{id}/decision",
    operation_id = "obligations_decide", tag = "directives",
    params(("id" = Uuid, Path, description = "The request's id")), request_body = DecisionIn,
    responses((status = 200, body = RequestOut), (status = 400, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn decide(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<DecisionIn>,
) -> ApiResult<Json<RequestOut>> {
    Ok(Json(obligations::decide(&state, &caller, id, body).await?))
}

/// Every agency side by side, most overdue first (the directives' issuer).
#[utoipa::path(get, path = "/api/v1/compliance/agencies",
    operation_id = "compliance_agencies", tag = "directives",
    responses((status = 200, body = Vec<CountsOut>), (status = 403, body = Problem)))]
pub async fn government_wide(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<Vec<CountsOut>>> {
    Ok(Json(
        obligations::government_wide(&state, &caller.principal).await?,
    ))
}

/// One agency's compliance, per system and per directive (the agency
/// itself, or the issuer).
#[utoipa::path(get, path = "/api/v1/compliance/agencies/{org}",
    operation_id = "compliance_agency", tag = "directives",
    params(("org" = Uuid, Path, description = "The agency's id")),
    responses((status = 200, body = AgencyCompliance), (status = 404, body = Problem)))]
pub async fn agency(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(org): ApiPath<Uuid>,
) -> ApiResult<Json<AgencyCompliance>> {
    Ok(Json(
        obligations::agency_compliance(&state, &caller.principal, org).await?,
    ))
}

/// Who is still exposed to one vulnerability, agency by agency, over the
/// systems the caller may read.
#[utoipa::path(get, path = "/api/v1/compliance/vulnerabilities/{id}",
    operation_id = "compliance_vulnerability", tag = "directives",
    params(("id" = String, Path, description = "The vulnerability's id, e.g. `CVE-2024-3400`")),
    responses((status = 200, body = Vec<CountsOut>), (status = 400, body = Problem)))]
pub async fn vulnerability(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<Vec<CountsOut>>> {
    Ok(Json(
        obligations::vulnerability_view(&state, &caller.principal, &id).await?,
    ))
}

/// Which trend to draw.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct TrendQuery {
    /// One agency (an agency may name only itself); default: the caller's
    /// own, or for the issuer every civilian agency.
    pub org: Option<Uuid>,
    /// Weeks, 1 to 104 (default 12).
    pub weeks: Option<u32>,
}

/// Obligations per week: created, closed, and open and overdue at the
/// week's end, over the systems the caller may see.
#[utoipa::path(get, path = "/api/v1/compliance/trend",
    operation_id = "compliance_trend", tag = "directives", params(TrendQuery),
    responses((status = 200, body = Vec<bulwark_app::directives::trend::TrendPointOut>),
        (status = 401, body = Problem), (status = 404, body = Problem),
        (status = 422, body = Problem)))]
pub async fn trend(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<TrendQuery>,
) -> ApiResult<Json<Vec<bulwark_app::directives::trend::TrendPointOut>>> {
    Ok(Json(
        bulwark_app::directives::trend::trend(
            &state,
            &caller.principal,
            q.org,
            q.weeks.unwrap_or(12),
        )
        .await?,
    ))
}
