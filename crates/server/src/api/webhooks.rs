//! Webhook subscriptions: the HTTP face of [`bulwark_app::webhooks`]. An
//! organization's admins subscribe a URL to event types, list and end
//! their subscriptions, watch the deliveries and ask for a dead-lettered one
//! again.
//!
//! Who may, and what a subscriber receives, is the app's (see
//! [`bulwark_app::webhooks`]); sending is the delivery worker's
//! ([`crate::webhooks`]). Without a master key (`BULWARK_DOSSIER_KEY`),
//! creating answers 503. The target must be a public https URL unless the
//! operator allows private targets.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use bulwark_app::webhooks::{
    self, DeliveryList, DeliveryOut, SubscriptionIn, SubscriptionList, SubscriptionOut,
};
use uuid::Uuid;

use crate::extract::{ApiJson, ApiPath, Caller};
use crate::problem::{ApiResult, Problem};
use crate::state::AppState;

/// Subscribe your organization to events. The subscription acts for you:
/// each event is delivered only if you may read what it is about.
#[utoipa::path(post, path = "/api/v1/webhooks",
    operation_id = "webhooks_create", tag = "webhooks", request_body = SubscriptionIn,
    responses((status = 201, body = SubscriptionOut), (status = 403, body = Problem),
        (status = 422, body = Problem), (status = 503, body = Problem)))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<SubscriptionIn>,
) -> ApiResult<(StatusCode, Json<SubscriptionOut>)> {
    Ok((
        StatusCode::CREATED,
        Json(webhooks::create(&state, &caller, body).await?),
    ))
}

/// Your organization's subscriptions, oldest first.
#[utoipa::path(get, path = "/api/v1/webhooks",
    operation_id = "webhooks_list", tag = "webhooks",
    responses((status = 200, body = SubscriptionList), (status = 403, body = Problem)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<SubscriptionList>> {
    Ok(Json(webhooks::list(&state, &caller.principal).await?))
}

/// One subscription.
#[utoipa::path(get, path = "/api/v1/webhooks/{id}",
    operation_id = "webhooks_get_one", tag = "webhooks",
    params(("id" = Uuid, Path)),
    responses((status = 200, body = SubscriptionOut), (status = 404, body = Problem)))]
pub async fn get_one(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<SubscriptionOut>> {
    Ok(Json(webhooks::get(&state, &caller.principal, id).await?))
}

/// End a subscription: it gets no new deliveries, and those queued are
/// dead-lettered when they come up. It stays listed, inactive.
#[utoipa::path(delete, path = "/api/v1/webhooks/{id}", tag = "webhooks",
    params(("id" = Uuid, Path)),
    responses((status = 204), (status = 404, body = Problem)))]
pub async fn deactivate(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<StatusCode> {
    webhooks::deactivate(&state, &caller, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A subscription's latest deliveries (at most 100), newest first, with
/// their state and attempts.
#[utoipa::path(get, path = "/api/v1/webhooks/{id}/deliveries", tag = "webhooks",
    params(("id" = Uuid, Path)),
    responses((status = 200, body = DeliveryList), (status = 404, body = Problem)))]
pub async fn deliveries(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<DeliveryList>> {
    Ok(Json(
        webhooks::deliveries(&state, &caller.principal, id).await?,
    ))
}

/// Queue a dead-lettered delivery again, due at once. Whether its user may
/// read the event is decided again when it is sent.
#[utoipa::path(post, path = "/api/v1/webhooks/deliveries/{id}/redeliver", tag = "webhooks",
    params(("id" = Uuid, Path)),
    responses((status = 200, body = DeliveryOut), (status = 404, body = Problem),
        (status = 409, body = Problem)))]
pub async fn redeliver(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<DeliveryOut>> {
    Ok(Json(webhooks::redeliver(&state, &caller, id).await?))
}
