//! Reading and verifying the audit log: the HTTP face of
//! [`bulwark_app::audit`].

use axum::Json;
use axum::extract::State;
use bulwark_app::audit::{self, AuditPageOut, AuditVerifyOut};
use serde::Deserialize;

use crate::extract::{ApiQuery, Caller};
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AuditParams {
    /// List entries after this sequence number (default 0: from the start).
    pub after: Option<i64>,
    /// Entries per page, 1 to 1000 (default 100).
    pub limit: Option<u32>,
}

/// Audit entries, oldest first (operator administrators and auditors).
#[utoipa::path(get, path = "/api/v1/audit",
    operation_id = "audit_list", tag = "audit", params(AuditParams),
    responses((status = 200, body = AuditPageOut), (status = 403, body = Problem)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<AuditParams>,
) -> ApiResult<Json<AuditPageOut>> {
    Ok(Json(
        audit::list(&state, &caller.principal, q.after, q.limit).await?,
    ))
}

/// Check the whole hash chain and name the first broken entry.
#[utoipa::path(get, path = "/api/v1/audit/verify", tag = "audit",
    responses((status = 200, body = AuditVerifyOut), (status = 403, body = Problem)))]
pub async fn verify(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<AuditVerifyOut>> {
    Ok(Json(audit::verify(&state, &caller.principal).await?))
}
