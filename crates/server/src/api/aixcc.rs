//! The AI Cyber Challenge's competition API v0.4, served under
//! `/api/v1/tools/{tool}/aixcc`: a cyber-reasoning system given that URL
//! as its competition API base submits unchanged (the paths, bodies and
//! answers are the API's; [`bulwark_app::aixcc`] says what each becomes).
//! `{task_id}` is a scan claim's id; `{tool}` is the tool's catalogue
//! entry (its id or the name it reports as), which the caller's
//! organization provides, and the optional `Bulwark-Tool-Version` header
//! its version. Authentication is
//! HTTP Basic with an API token as the password (the username is not
//! checked), or a bearer token. Refusals are problem documents: a body
//! the API's schema does not take is a 422 whose `path` names the field.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use bulwark_app::ErrorKind as Kind;
use bulwark_app::aixcc::{
    self, BundleOut, BundleVerboseOut, PatchOut, PovOut, SarifOut, SubmittingTool,
};
use uuid::Uuid;

use crate::extract::{ApiPath, BasicOrBearer};
use crate::problem::{ApiError, ApiResult, Problem};
use crate::state::AppState;

/// The largest body taken: a pov's 2 MiB testcase in base64 with room for
/// its fields, and SARIF logs of some size.
pub const AIXCC_BODY_LIMIT: usize = 16 * 1024 * 1024;

/// The header a CRS may name its version in.
pub const TOOL_VERSION_HEADER: &str = "bulwark-tool-version";

async fn tool(
    state: &AppState,
    caller: &BasicOrBearer,
    name: &str,
    headers: &HeaderMap,
) -> ApiResult<SubmittingTool> {
    let version = headers
        .get(TOOL_VERSION_HEADER)
        .map(|v| {
            v.to_str().map(str::to_owned).map_err(|_| {
                ApiError::new(Kind::MalformedRequest, "Bulwark-Tool-Version: not text")
            })
        })
        .transpose()?;
    Ok(aixcc::resolve_tool(state, &caller.principal, name, version).await?)
}

/// Submit a proof of vulnerability (the competition API's `POVSubmission`:
/// `testcase` in base64, `fuzzer_name`, `sanitizer`, `architecture`).
/// Filed as a report about the task's (claim's) target.
#[utoipa::path(post, path = "/api/v1/tools/{tool}/aixcc/v1/task/{task_id}/pov/",
    operation_id = "aixcc_pov_submit", tag = "clearinghouse",
    security(("basic" = []), ("bearer" = [])),
    params(("tool" = String, Path, description = "The submitting tool: its catalogue id or the name it reports as"),
        ("task_id" = Uuid, Path, description = "The scan claim the CRS works under")),
    request_body(content = serde_json::Value, content_type = "application/json",
        description = "The competition API v0.4's POVSubmission"),
    responses((status = 200, body = PovOut), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 413, body = Problem),
        (status = 422, body = Problem, description = "not a POVSubmission (`path` names the field)")))]
pub async fn submit_pov(
    State(state): State<AppState>,
    caller: BasicOrBearer,
    ApiPath((name, task)): ApiPath<(String, Uuid)>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<PovOut>> {
    let t = tool(&state, &caller, &name, &headers).await?;
    Ok(Json(
        aixcc::submit_pov(&state, &caller, &t, task, body.to_vec()).await?,
    ))
}

/// A proof of vulnerability's status.
#[utoipa::path(get, path = "/api/v1/tools/{tool}/aixcc/v1/task/{task_id}/pov/{pov_id}/",
    operation_id = "aixcc_pov_status", tag = "clearinghouse",
    security(("basic" = []), ("bearer" = [])),
    params(("tool" = String, Path, description = "The submitting tool: its catalogue id or the name it reports as"),
        ("task_id" = Uuid, Path, description = "The scan claim"),
        ("pov_id" = Uuid, Path, description = "The pov")),
    responses((status = 200, body = PovOut), (status = 401, body = Problem),
        (status = 404, body = Problem)))]
pub async fn pov_status(
    State(state): State<AppState>,
    caller: BasicOrBearer,
    ApiPath((_, task, id)): ApiPath<(String, Uuid, Uuid)>,
) -> ApiResult<Json<PovOut>> {
    Ok(Json(
        aixcc::pov_status(&state, &caller.principal, task, id).await?,
    ))
}

/// Submit a patch (`PatchSubmission`: `patch`, base64 of a unified diff of
/// at most 100 KiB). Kept until a bundle files it on a case.
#[utoipa::path(post, path = "/api/v1/tools/{tool}/aixcc/v1/task/{task_id}/patch/",
    operation_id = "aixcc_patch_submit", tag = "clearinghouse",
    security(("basic" = []), ("bearer" = [])),
    params(("tool" = String, Path, description = "The submitting tool: its catalogue id or the name it reports as"),
        ("task_id" = Uuid, Path, description = "The scan claim the CRS works under")),
    request_body(content = serde_json::Value, content_type = "application/json",
        description = "The competition API v0.4's PatchSubmission"),
    responses((status = 200, body = PatchOut), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 413, body = Problem),
        (status = 422, body = Problem, description = "not base64 of a unified diff")))]
pub async fn submit_patch(
    State(state): State<AppState>,
    caller: BasicOrBearer,
    ApiPath((name, task)): ApiPath<(String, Uuid)>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<PatchOut>> {
    let t = tool(&state, &caller, &name, &headers).await?;
    Ok(Json(
        aixcc::submit_patch(&state, &caller, &t, task, body.to_vec()).await?,
    ))
}

/// A patch's status, with whether its tests were found to pass.
#[utoipa::path(get, path = "/api/v1/tools/{tool}/aixcc/v1/task/{task_id}/patch/{patch_id}/",
    operation_id = "aixcc_patch_status", tag = "clearinghouse",
    security(("basic" = []), ("bearer" = [])),
    params(("tool" = String, Path, description = "The submitting tool: its catalogue id or the name it reports as"),
        ("task_id" = Uuid, Path, description = "The scan claim"),
        ("patch_id" = Uuid, Path, description = "The patch")),
    responses((status = 200, body = PatchOut), (status = 401, body = Problem),
        (status = 404, body = Problem)))]
pub async fn patch_status(
    State(state): State<AppState>,
    caller: BasicOrBearer,
    ApiPath((_, task, id)): ApiPath<(String, Uuid, Uuid)>,
) -> ApiResult<Json<PatchOut>> {
    Ok(Json(
        aixcc::patch_status(&state, &caller.principal, task, id).await?,
    ))
}

/// Submit a CRS's own SARIF log (`SARIFSubmission`: `sarif`, each result
/// with its `ruleId`). Kept until a bundle files its findings on a case.
#[utoipa::path(post, path = "/api/v1/tools/{tool}/aixcc/v1/task/{task_id}/submitted-sarif/",
    operation_id = "aixcc_sarif_submit", tag = "clearinghouse",
    security(("basic" = []), ("bearer" = [])),
    params(("tool" = String, Path, description = "The submitting tool: its catalogue id or the name it reports as"),
        ("task_id" = Uuid, Path, description = "The scan claim the CRS works under")),
    request_body(content = serde_json::Value, content_type = "application/json",
        description = "The competition API v0.4's SARIFSubmission"),
    responses((status = 200, body = SarifOut), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 413, body = Problem),
        (status = 422, body = Problem, description = "not a SARIF 2.1.0 log (`path` names where)")))]
pub async fn submit_sarif(
    State(state): State<AppState>,
    caller: BasicOrBearer,
    ApiPath((name, task)): ApiPath<(String, Uuid)>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<SarifOut>> {
    let t = tool(&state, &caller, &name, &headers).await?;
    Ok(Json(
        aixcc::submit_sarif(&state, &caller, &t, task, body.to_vec()).await?,
    ))
}

/// Submit a bundle (`BundleSubmission`: ids of earlier submissions of the
/// task, at least two, and a description). Its parts are filed into one
/// case: the pov's report, the SARIF's findings, the patch as a proposed
/// patch remediation.
#[utoipa::path(post, path = "/api/v1/tools/{tool}/aixcc/v1/task/{task_id}/bundle/",
    operation_id = "aixcc_bundle_submit", tag = "clearinghouse",
    security(("basic" = []), ("bearer" = [])),
    params(("tool" = String, Path, description = "The submitting tool: its catalogue id or the name it reports as"),
        ("task_id" = Uuid, Path, description = "The scan claim the CRS works under")),
    request_body(content = serde_json::Value, content_type = "application/json",
        description = "The competition API v0.4's BundleSubmission"),
    responses((status = 200, body = BundleOut), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem, description = "a part was filed by another bundle"),
        (status = 422, body = Problem, description = "parts that do not belong together, or fewer than two")))]
pub async fn submit_bundle(
    State(state): State<AppState>,
    caller: BasicOrBearer,
    ApiPath((name, task)): ApiPath<(String, Uuid)>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<BundleOut>> {
    let t = tool(&state, &caller, &name, &headers).await?;
    Ok(Json(
        aixcc::submit_bundle(&state, &caller, &t, task, body.to_vec()).await?,
    ))
}

/// A bundle, as the API shows it, with the case it was filed into.
#[utoipa::path(get, path = "/api/v1/tools/{tool}/aixcc/v1/task/{task_id}/bundle/{bundle_id}/",
    operation_id = "aixcc_bundle_get", tag = "clearinghouse",
    security(("basic" = []), ("bearer" = [])),
    params(("tool" = String, Path, description = "The submitting tool: its catalogue id or the name it reports as"),
        ("task_id" = Uuid, Path, description = "The scan claim"),
        ("bundle_id" = Uuid, Path, description = "The bundle")),
    responses((status = 200, body = BundleVerboseOut), (status = 401, body = Problem),
        (status = 404, body = Problem)))]
pub async fn get_bundle(
    State(state): State<AppState>,
    caller: BasicOrBearer,
    ApiPath((_, task, id)): ApiPath<(String, Uuid, Uuid)>,
) -> ApiResult<Json<BundleVerboseOut>> {
    Ok(Json(
        aixcc::bundle(&state, &caller.principal, task, id).await?,
    ))
}
