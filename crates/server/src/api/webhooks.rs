//! Webhook subscriptions: an organization's admins subscribe a URL to event
//! types, list and end their subscriptions, watch the deliveries and ask for
//! a dead-lettered one again.
//!
//! Who may is the policy's `webhook.manage` on the owning organization. A
//! subscription of an organization the caller may not manage is a 404. A
//! subscription acts for the user who made it: the worker delivers an event
//! only if that user may read what it is about (see [`crate::webhooks`]).
//! The secret is sealed under a sub-key of the configured master key
//! (`BULWARK_DOSSIER_KEY`); without one, creating answers 503. The target
//! must be a public https URL unless the operator allows private targets.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use bulwark_authz::{Action, Resource};
use bulwark_core::Principal;
use bulwark_store::{
    NewWebhookSubscription, WebhookAttempt, WebhookDelivery, WebhookSecret, WebhookSubscription,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::ts;
use crate::extract::{ApiJson, ApiPath, Caller};
use crate::problem::{ApiError, ApiResult, Kind, Problem, not_found_as};
use crate::state::AppState;

/// Deliveries shown per subscription, newest first.
const DELIVERY_PAGE: i64 = 100;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubscriptionIn {
    /// Where to POST: a public `https` URL.
    pub url: String,
    /// The HMAC-SHA256 key for `Bulwark-Signature`, 16 to 512 bytes. Never shown again.
    pub secret: String,
    /// Exact types (`submission.concluded`), prefixes (`submission.*`) or `*`.
    pub event_types: Vec<String>,
}

/// A subscription, never with its secret.
#[derive(Debug, Serialize, ToSchema)]
pub struct SubscriptionOut {
    pub id: Uuid,
    pub owner_org: Uuid,
    /// The user events are delivered on behalf of.
    pub created_by: Option<Uuid>,
    pub url: String,
    pub event_types: Vec<String>,
    pub active: bool,
    pub created_at: String,
}

fn subscription_out(s: WebhookSubscription) -> SubscriptionOut {
    SubscriptionOut {
        id: s.id,
        owner_org: s.owner_org,
        created_by: s.created_by,
        url: s.url,
        event_types: s.event_types,
        active: s.active,
        created_at: ts(s.created_at),
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SubscriptionList {
    pub items: Vec<SubscriptionOut>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AttemptOut {
    pub attempt: i32,
    pub at: String,
    /// The receiver's HTTP status, when it answered.
    pub status_code: Option<i32>,
    pub error: Option<String>,
    /// `delivered`, `retry`, `dead` or `dropped`.
    pub outcome: String,
}

fn attempt_out(a: WebhookAttempt) -> AttemptOut {
    AttemptOut {
        attempt: a.attempt,
        at: ts(a.at),
        status_code: a.status_code,
        error: a.error,
        outcome: a.outcome,
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryOut {
    pub id: Uuid,
    pub event_id: Uuid,
    pub subscription_id: Uuid,
    /// `pending`, `delivered`, `dead` (redeliverable) or `dropped` (the
    /// subscriber may not read what the event is about).
    pub state: String,
    /// Attempts in the current round (a redelivery starts a new one).
    pub attempts: i32,
    pub next_attempt_at: String,
    pub last_error: Option<String>,
    /// Every attempt, oldest first, across rounds.
    pub history: Vec<AttemptOut>,
}

async fn delivery_out(state: &AppState, d: WebhookDelivery) -> ApiResult<DeliveryOut> {
    let history = state.store.webhook_attempts(d.id).await?;
    let word = serde_json::to_value(d.state)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default();
    Ok(DeliveryOut {
        id: d.id,
        event_id: d.event_id,
        subscription_id: d.subscription_id,
        state: word,
        attempts: d.attempts,
        next_attempt_at: ts(d.next_attempt_at),
        last_error: d.last_error,
        history: history.into_iter().map(attempt_out).collect(),
    })
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryList {
    pub items: Vec<DeliveryOut>,
}

/// The policy's view of the organization that owns (or will own) subscriptions.
async fn owner_resource(state: &AppState, org: Uuid) -> ApiResult<Resource> {
    let o = state
        .store
        .organization(org)
        .await
        .map_err(not_found_as("organization"))?;
    Ok(crate::state::org_resource(&o))
}

/// A subscription the principal may manage, else 404.
async fn managed(state: &AppState, who: &Principal, id: Uuid) -> ApiResult<WebhookSubscription> {
    let s = state
        .store
        .webhook_subscription(id)
        .await
        .map_err(not_found_as("webhook subscription"))?;
    let owner = owner_resource(state, s.owner_org).await?;
    if !state.permits(who, Action::WebhookManage, &owner) {
        return Err(ApiError::not_found("webhook subscription"));
    }
    Ok(s)
}

/// Subscribe your organization to events. The subscription acts for you:
/// each event is delivered only if you may read what it is about.
#[utoipa::path(post, path = "/api/v1/webhooks", tag = "webhooks", request_body = SubscriptionIn,
    responses((status = 201, body = SubscriptionOut), (status = 403, body = Problem),
        (status = 422, body = Problem), (status = 503, body = Problem)))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<SubscriptionIn>,
) -> ApiResult<(StatusCode, Json<SubscriptionOut>)> {
    let who = &caller.principal;
    state.authorize(
        who,
        Action::WebhookManage,
        &crate::state::own_org_resource(who),
    )?;
    let key = state.settings.master_key.as_ref().ok_or_else(|| {
        ApiError::new(
            Kind::Unavailable,
            format!(
                "webhook secrets cannot be stored: set {} to 64 hex digits",
                bulwark_app::DOSSIER_KEY_VAR
            ),
        )
    })?;
    crate::webhooks::check_target_url(&body.url, state.settings.webhook_allow_private)
        .map_err(ApiError::validation)?;
    let secret = WebhookSecret::new(body.secret)?;
    let s = state
        .store
        .create_webhook_subscription(
            &caller.actor,
            &NewWebhookSubscription {
                owner_org: who.org_id,
                created_by: who.user_id,
                url: body.url,
                secret,
                event_types: body.event_types,
            },
            key.expose(),
            state.now(),
        )
        .await?;
    Ok((StatusCode::CREATED, Json(subscription_out(s))))
}

/// Your organization's subscriptions, oldest first.
#[utoipa::path(get, path = "/api/v1/webhooks", tag = "webhooks",
    responses((status = 200, body = SubscriptionList), (status = 403, body = Problem)))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<SubscriptionList>> {
    let who = &caller.principal;
    state.authorize(
        who,
        Action::WebhookManage,
        &crate::state::own_org_resource(who),
    )?;
    let items = state.store.webhook_subscriptions(who.org_id).await?;
    Ok(Json(SubscriptionList {
        items: items.into_iter().map(subscription_out).collect(),
    }))
}

/// One subscription.
#[utoipa::path(get, path = "/api/v1/webhooks/{id}", tag = "webhooks",
    params(("id" = Uuid, Path)),
    responses((status = 200, body = SubscriptionOut), (status = 404, body = Problem)))]
pub async fn get_one(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<SubscriptionOut>> {
    let s = managed(&state, &caller.principal, id).await?;
    Ok(Json(subscription_out(s)))
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
    managed(&state, &caller.principal, id).await?;
    state
        .store
        .set_webhook_subscription_active(&caller.actor, id, false, state.now())
        .await?;
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
    managed(&state, &caller.principal, id).await?;
    let found = state
        .store
        .webhook_deliveries_for_subscription(id, DELIVERY_PAGE)
        .await?;
    let mut items = Vec::with_capacity(found.len());
    for d in found {
        items.push(delivery_out(&state, d).await?);
    }
    Ok(Json(DeliveryList { items }))
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
    let d = state
        .store
        .webhook_delivery(id)
        .await
        .map_err(not_found_as("webhook delivery"))?;
    managed(&state, &caller.principal, d.subscription_id).await?;
    let d = state
        .store
        .webhook_redeliver(&caller.actor, id, state.now())
        .await?;
    Ok(Json(delivery_out(&state, d).await?))
}
