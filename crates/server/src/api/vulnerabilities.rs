//! The prioritisation feeds over the API: one CVE's facts with the SSVC
//! decision and BOD 26-04 timeline Bulwark derives from them, and the known
//! CVEs ranked by the one priority order, the use cases of
//! [`bulwark_app::priorities`]. Nothing here changes state.

use axum::Json;
use axum::extract::State;
use bulwark_app::priorities::{RankingOut, VulnerabilityOut};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::extract::{ApiPath, ApiQuery, Caller};
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;

#[derive(Debug, Deserialize, ToSchema, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct VulnerabilityQuery {
    /// SSVC Mission & Well-being impact to decide at: `low`, `medium` or
    /// `high` (default `high`).
    pub mission_wellbeing: Option<String>,
    /// `yes` or `no`: whether the asset is exposed to the internet; when
    /// given, the BOD 26-04 remediation timeline is computed.
    pub exposed: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct RankingQuery {
    /// Entries, 1 to 500 (default 50).
    pub limit: Option<u32>,
    /// Entries of the ranking to skip (default 0).
    pub offset: Option<u32>,
    /// SSVC Mission & Well-being impact to decide at: `low`, `medium` or
    /// `high` (default `high`).
    pub mission_wellbeing: Option<String>,
}

/// What Bulwark knows about one CVE and the priority it derives.
///
/// Mission & Well-being is the deployer's side of the SSVC tree, which no
/// feed can know; it defaults to `high` because a national clearinghouse
/// answers for the most critical deployments (federal and critical
/// infrastructure), where under-rating a vulnerability costs more than
/// over-rating it. Ask at `low` or `medium` for other missions.
///
/// With `?exposed=yes|no`, the BOD 26-04 remediation timeline: Automatable
/// and Technical Impact from SSVC, KEV from the catalog.
#[utoipa::path(get, path = "/api/v1/vulnerabilities/{cve}",
    operation_id = "vulnerabilities_get_one", tag = "prioritisation",
    params(("cve" = String, Path, description = "A CVE id, CVE-YYYY-NNNN"), VulnerabilityQuery),
    responses((status = 200, body = VulnerabilityOut), (status = 400, body = Problem),
        (status = 401, body = Problem), (status = 404, body = Problem)))]
pub async fn get_one(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(cve): ApiPath<String>,
    ApiQuery(q): ApiQuery<VulnerabilityQuery>,
) -> ApiResult<Json<VulnerabilityOut>> {
    Ok(Json(
        bulwark_app::priorities::vulnerability(
            &state,
            &caller.principal,
            &cve,
            q.mission_wellbeing.as_deref(),
            q.exposed.as_deref(),
        )
        .await?,
    ))
}

/// The CVEs the store knows (those with a CVE record or a KEV entry; an
/// EPSS score alone does not list one), ranked by the one priority order
/// (SSVC decision, KEV, EPSS of one model version, CVSS, identifier), each
/// with its rank and reasons.
///
/// How it scales: the ranking is computed on every request, in memory,
/// over the whole known set (read one CVE at a time), then the page is cut
/// from it. That is fine for the clearinghouse's sets (KEV has some 1,500
/// entries); the set is capped at the first 10,000 CVEs by id
/// (`truncated` says when more are stored), and a page at 500 entries.
#[utoipa::path(get, path = "/api/v1/vulnerabilities", tag = "prioritisation",
    params(RankingQuery),
    responses((status = 200, body = RankingOut), (status = 400, body = Problem),
        (status = 401, body = Problem)))]
pub async fn ranked(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<RankingQuery>,
) -> ApiResult<Json<RankingOut>> {
    Ok(Json(
        bulwark_app::priorities::ranked(
            &state,
            &caller.principal,
            q.limit,
            q.offset,
            q.mission_wellbeing.as_deref(),
        )
        .await?,
    ))
}
