//! Reading and verifying the audit log.

use axum::Json;
use axum::extract::State;
use bulwark_authz::{Action, Resource};
use bulwark_core::AuditEntry;
use bulwark_store::AuditQuery;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

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

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEntryOut {
    pub seq: i64,
    pub at: String,
    pub actor_user: Option<Uuid>,
    pub actor_org: Option<Uuid>,
    pub action: String,
    pub resource_type: String,
    pub resource_id: String,
    pub request_id: Option<String>,
    /// The JSON text that was hashed.
    pub detail: String,
    pub prev_hash: String,
    pub hash: String,
}

impl From<AuditEntry> for AuditEntryOut {
    fn from(e: AuditEntry) -> Self {
        AuditEntryOut {
            seq: e.seq,
            at: super::ts(bulwark_core::from_micros(e.at_us)),
            actor_user: e.actor_user,
            actor_org: e.actor_org,
            action: e.action,
            resource_type: e.resource_type,
            resource_id: e.resource_id,
            request_id: e.request_id,
            detail: e.detail,
            prev_hash: e.prev_hash,
            hash: e.hash,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditPageOut {
    pub items: Vec<AuditEntryOut>,
    /// Pass as `after` for the next page; absent on the last page.
    pub next_after: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ChainBreakOut {
    pub seq: i64,
    pub reason: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditVerifyOut {
    pub ok: bool,
    pub entries: i64,
    pub head_hash: String,
    pub first_break: Option<ChainBreakOut>,
}

/// Audit entries, oldest first (operator administrators and auditors).
#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", params(AuditParams),
    responses((status = 200, body = AuditPageOut), (status = 403, body = Problem)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<AuditParams>,
) -> ApiResult<Json<AuditPageOut>> {
    state.authorize(&caller.principal, Action::AuditRead, &Resource::Program)?;
    let limit = q.limit.unwrap_or(100).clamp(1, 1000);
    let items = state
        .store
        .audit_entries(AuditQuery {
            after_seq: q.after.unwrap_or(0).max(0),
            limit,
        })
        .await?;
    let next_after = (items.len() == limit as usize)
        .then(|| items.last().map(|e| e.seq))
        .flatten();
    Ok(Json(AuditPageOut {
        items: items.into_iter().map(Into::into).collect(),
        next_after,
    }))
}

/// Check the whole hash chain and name the first broken entry.
#[utoipa::path(get, path = "/api/v1/audit/verify", tag = "audit",
    responses((status = 200, body = AuditVerifyOut), (status = 403, body = Problem)))]
pub async fn verify(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<AuditVerifyOut>> {
    state.authorize(&caller.principal, Action::AuditVerify, &Resource::Program)?;
    let v = state.store.audit_verify().await?;
    Ok(Json(AuditVerifyOut {
        ok: v.ok(),
        entries: v.entries,
        head_hash: v.head_hash,
        first_break: v.first_break.map(|b| ChainBreakOut {
            seq: b.seq,
            reason: b.reason,
        }),
    }))
}
