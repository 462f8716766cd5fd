//! VEX documents as an agency's answers to its obligations: OpenVEX,
//! CycloneDX VEX or CSAF VEX as the body; each statement is matched to the
//! agency's open obligations ([`bulwark_app::directives::vex`]), and those
//! that match nothing are listed in the answer.

use axum::Json;
use axum::extract::State;
use bulwark_app::directives::vex::{self, VexImportOut};
use serde::Deserialize;

use super::bodies::RawBytes;
use crate::extract::{ApiQuery, Caller};
use crate::problem::{ApiError, ApiResult, Problem};
use crate::spool;
use crate::state::AppState;

/// The largest VEX document taken: CSAF VEX documents of whole product
/// lines run to tens of megabytes.
pub const VEX_LIMIT: u64 = 64 * 1024 * 1024;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct VexQuery {
    /// Refuse a document that bends its format (a status word in the
    /// wrong case, an unknown product reference …) instead of repairing
    /// it with warnings.
    #[serde(default)]
    pub strict: bool,
    /// Only report what the document would answer; write nothing.
    #[serde(default)]
    pub dry_run: bool,
}

/// Import a VEX document as the caller's agency's answers: `not_affected`
/// statements answer "not affected" (with their justification), `fixed`
/// ones "remediated"; `affected` and `under_investigation` change nothing.
/// Statements that match no open obligation are listed in `unmatched`.
#[utoipa::path(post, path = "/api/v1/vex", tag = "obligations", params(VexQuery),
    request_body(description = "An OpenVEX, CycloneDX VEX (JSON) or CSAF VEX document, sent as it is \
        (whatever its Content-Type); its format judged by its content.",
        content((inline(RawBytes) = "application/octet-stream"),
            (inline(RawBytes) = "application/vnd.cyclonedx+json"),
            (inline(RawBytes) = "application/csaf+json"))),
    responses((status = 200, body = VexImportOut),
        (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 413, body = Problem),
        (status = 422, body = Problem, description = "not a VEX document Bulwark reads; `path` and `line` say where")))]
pub async fn import(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<VexQuery>,
    body: axum::body::Body,
) -> ApiResult<Json<VexImportOut>> {
    let doc = spool::spool(
        &state.spool,
        body,
        VEX_LIMIT.min(state.settings.intake_limit),
    )
    .await?;
    let bytes = tokio::fs::read(doc.path())
        .await
        .map_err(|_| ApiError::internal())?;
    drop(doc);
    Ok(Json(
        vex::import(&state, &caller, &bytes, q.strict, q.dry_run).await?,
    ))
}
