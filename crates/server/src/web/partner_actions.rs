//! The trusted partners' forms: a partner's vetting and attestations on
//! `/partners`, and on `/grants` the grants' actions (propose, concur,
//! object, revoke).
//!
//! Each form posts to the use case its API route calls
//! ([`bulwark_app::partners`]: `set_vetting`, `attest`, `propose`,
//! `concur`, `object`, `revoke`), which asks the policy and audits the
//! change; a control is shown only where the policy would take it and the
//! grant's state allows it.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect};
use bulwark_app::partners::{self, AttestationIn, DecisionIn, GrantIn, VettingIn};
use bulwark_core::{AttestationKind, GrantScope, Vetting};
use serde::Deserialize;
use uuid::Uuid;

use super::session::{CsrfField, Posted, SignedIn};
use super::{OrgNames, PageError, PageResult, words};
use crate::state::AppState;

/// A grant the visitor may decide on or revoke.
pub(super) struct GrantControl {
    pub id: Uuid,
    pub label: String,
    pub may_decide: bool,
    pub may_revoke: bool,
}

/// The grants page's "Actions".
#[derive(Default)]
pub(super) struct GrantActions {
    /// Models the visitor may propose grants of: (id, name).
    pub models: Vec<(Uuid, String)>,
    /// Partner organizations: (id, name).
    pub partners: Vec<(Uuid, String)>,
    pub scopes: Vec<(&'static str, String)>,
    pub grants: Vec<GrantControl>,
}

impl GrantActions {
    pub fn any(&self) -> bool {
        !self.models.is_empty() || !self.grants.is_empty()
    }
}

/// The words of the partners page's forms: (value, label).
pub(super) fn vetting_choices() -> Vec<(&'static str, String)> {
    Vetting::ALL
        .iter()
        .map(|v| (v.as_str(), words(v.as_str())))
        .collect()
}

pub(super) fn attestation_choices() -> Vec<(&'static str, String)> {
    AttestationKind::ALL
        .iter()
        .map(|k| (k.as_str(), words(k.as_str())))
        .collect()
}

/// The grants page's controls for the visitor.
pub(super) async fn grant_actions(state: &AppState, who: &SignedIn) -> PageResult<GrantActions> {
    let refused = |e| PageError::refused(e, "grant");
    let mut out = GrantActions {
        models: partners::proposable_models(state, &who.principal)
            .await
            .map_err(refused)?,
        scopes: GrantScope::ALL
            .iter()
            .map(|s| (s.as_str(), words(s.as_str())))
            .collect(),
        ..GrantActions::default()
    };
    if !out.models.is_empty() {
        out.partners = partners::registry(state, &who.principal)
            .await
            .map_err(refused)?
            .into_iter()
            .map(|e| (e.partner.org, e.name))
            .collect();
    }
    let mut list = partners::readable_grants(state, &who.principal)
        .await
        .map_err(refused)?;
    list.sort_by_key(|g| (g.ends_at, g.id));
    let mut names = OrgNames::default();
    let mut models = std::collections::HashMap::new();
    for g in list {
        let (may_decide, may_revoke) = partners::grant_controls(state, &who.principal, &g);
        if !may_decide && !may_revoke {
            continue;
        }
        let model = if let Some(n) = models.get(&g.model_id) {
            String::clone(n)
        } else {
            let n = match bulwark_app::resources::readable_model(state, &who.principal, g.model_id)
                .await
            {
                Ok(m) => m.name,
                Err(_) => format!("model {}", g.model_id),
            };
            models.insert(g.model_id, n.clone());
            n
        };
        let partner = names.name(state, g.partner_org).await?;
        out.grants.push(GrantControl {
            id: g.id,
            label: format!(
                "{model} for {partner} ({}, {})",
                words(g.scope.as_str()),
                g.state.as_str()
            ),
            may_decide,
            may_revoke,
        });
    }
    Ok(out)
}

// ---------------------------------------------------------------------------
// The forms
// ---------------------------------------------------------------------------

/// The partner and grant forms: every field has a default, so a missing
/// CSRF token is a 403 and a missing field a 422 page naming it.
#[derive(Debug, Default, Deserialize)]
pub struct PartnerForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    expires_at: String,
    #[serde(default)]
    model: String,
    #[serde(default)]
    partner_org: String,
    #[serde(default)]
    scope: String,
    #[serde(default)]
    starts_at: String,
    #[serde(default)]
    ends_at: String,
    #[serde(default)]
    conditions: String,
}

impl CsrfField for PartnerForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

fn id_of(field: &str, value: &str) -> PageResult<Uuid> {
    Uuid::parse_str(value.trim()).map_err(|_| PageError::bad_field(field, "choose one"))
}

fn text(s: String) -> Option<String> {
    Some(s.trim().to_owned()).filter(|s| !s.is_empty())
}

/// `POST /partners/{org}/vetting`: as `PUT /api/v1/partners/{org}/vetting`.
pub async fn vet(
    State(state): State<AppState>,
    Path(org): Path<String>,
    Posted { who, form }: Posted<PartnerForm>,
) -> PageResult {
    let fail = |e: PageError| e.for_user(&who, &state);
    let org = Uuid::parse_str(&org).map_err(|_| fail(PageError::not_found("partner")))?;
    let body = VettingIn {
        status: form.status,
        reason: text(form.reason),
    };
    partners::set_vetting(&state, &who, org, body)
        .await
        .map_err(|e| fail(PageError::refused(e, "partner")))?;
    Ok(Redirect::to(&format!("/partners#partner-{org}")).into_response())
}

/// `POST /partners/{org}/attestations`: as `POST
/// /api/v1/partners/{org}/attestations`.
pub async fn attest(
    State(state): State<AppState>,
    Path(org): Path<String>,
    Posted { who, form }: Posted<PartnerForm>,
) -> PageResult {
    let fail = |e: PageError| e.for_user(&who, &state);
    let org = Uuid::parse_str(&org).map_err(|_| fail(PageError::not_found("partner")))?;
    let body = AttestationIn {
        kind: form.kind,
        expires_at: super::form_instant("expires_at", &form.expires_at).map_err(fail)?,
    };
    partners::attest(&state, &who, org, body)
        .await
        .map_err(|e| fail(PageError::refused(e, "partner")))?;
    Ok(Redirect::to(&format!("/partners#partner-{org}")).into_response())
}

/// `POST /grants`: as `POST /api/v1/grants`.
pub async fn propose(
    State(state): State<AppState>,
    Posted { who, form }: Posted<PartnerForm>,
) -> PageResult {
    let fail = |e: PageError| e.for_user(&who, &state);
    let body = GrantIn {
        model: id_of("model", &form.model).map_err(fail)?,
        partner_org: id_of("partner_org", &form.partner_org).map_err(fail)?,
        scope: form.scope,
        starts_at: super::form_instant("starts_at", &form.starts_at).map_err(fail)?,
        ends_at: super::form_instant("ends_at", &form.ends_at).map_err(fail)?,
        conditions: form.conditions.trim().to_owned(),
    };
    partners::propose(&state, &who, body)
        .await
        .map_err(|e| fail(PageError::refused(e, "model")))?;
    Ok(Redirect::to("/grants#grants").into_response())
}

/// `POST /grants/{id}/{decision}` (`concur`, `object`, `revoke`): as `POST
/// /api/v1/grants/{id}/{decision}`; objecting and revoking need a reason
/// (the use case says so).
pub async fn decide(
    State(state): State<AppState>,
    Path((id, decision)): Path<(String, String)>,
    Posted { who, form }: Posted<PartnerForm>,
) -> PageResult {
    let fail = |e: PageError| e.for_user(&who, &state);
    let id = Uuid::parse_str(&id).map_err(|_| fail(PageError::not_found("grant")))?;
    let body = DecisionIn {
        reason: text(form.reason),
    };
    let done = match decision.as_str() {
        "concur" => partners::concur(&state, &who, id, body).await,
        "object" => partners::object(&state, &who, id, body).await,
        "revoke" => partners::revoke(&state, &who, id, body).await,
        _ => return Err(fail(PageError::not_found("page"))),
    };
    done.map_err(|e| fail(PageError::refused(e, "grant")))?;
    Ok(Redirect::to("/grants#grants").into_response())
}
