//! The triage queue over the API: the cases waiting for the clearinghouse
//! (`new`, `triaged`), most urgent first, each with its priority and its
//! reasons, and the reliability score that orders it among equals, for
//! callers who may read sources' records. The order and what each caller
//! sees are [`bulwark_app::triage`]'s.

use axum::Json;
use axum::extract::State;
use bulwark_app::triage::TriageOut;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::extract::{ApiQuery, Caller};
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;

#[derive(Debug, Deserialize, ToSchema, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct TriageQuery {
    /// Entries, 1 to 500 (default 50).
    pub limit: Option<u32>,
}

/// The triage queue: the pending cases you may read, most urgent first,
/// each with its priority and the priority's reasons, and (for the
/// clearinghouse) the reliability score and its reason.
///
/// The order: the cases an analyst assessed (`PUT
/// /api/v1/cases/{id}/assessment`) first, by the one priority order (SSVC
/// decision Act, Attend, Track*, Track; then KEV; then EPSS of one model
/// version; then CVSS; then federal exposure when known), ties by the
/// reliability score, then the earliest first report, then the case id;
/// then the unassessed cases (SSVC unknown ranks last), by the reliability
/// score, then the earliest first report, then the case id. A case's
/// decision points are the analyst's, else its linked CVE's CISA ADP
/// values, else the defaults (Exploitation none, Automatable no, Technical
/// Impact partial, Mission & Well-being high); the linked CVE's KEV
/// listing forces Exploitation to active.
#[utoipa::path(get, path = "/api/v1/triage", tag = "clearinghouse", params(TriageQuery),
    responses((status = 200, body = TriageOut), (status = 400, body = Problem)))]
pub async fn queue(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<TriageQuery>,
) -> ApiResult<Json<TriageOut>> {
    Ok(Json(
        bulwark_app::triage::queue(&state, &caller.principal, q.limit).await?,
    ))
}
