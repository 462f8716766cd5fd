//! Trusted partners and early-access grants: vetting and attestations of
//! partner organizations, grants proposed by developers and decided by the
//! reviewing agencies (proposed, concurred, active, revoked), and the
//! audited access check that developers' gateways call.
//!
//! Who may do what is the policy's (`partner.*`, `grant.*`, `access.check`);
//! a grant the caller may not read is "not found", so other developers
//! cannot learn that it exists.

use bulwark_authz::Action;
use bulwark_core::{AttestationKind, GrantScope, GrantState, OrgKind, Principal, Vetting};
use bulwark_store::{Grant, NewGrant, Page, PageRequest, PartnerStanding};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::resources::{
    grant_resource, model_resource, partner_resource, readable_grant, readable_model,
};
use crate::{Acting, App, AppResult, not_found_as, parse_word, ts};

async fn standing(app: &App, org: Uuid) -> AppResult<PartnerStanding> {
    app.store
        .partner(org)
        .await
        .map_err(not_found_as("partner organization"))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AttestationOut {
    pub id: Uuid,
    /// `confidentiality`, `insider_risk` or `security_controls`.
    pub kind: String,
    pub expires_at: String,
    /// Unexpired now.
    pub valid: bool,
    pub attested_by: Option<Uuid>,
    pub at: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PartnerOut {
    pub org: Uuid,
    /// `pending`, `vetted` or `suspended`.
    pub vetting: String,
    pub vetting_reason: Option<String>,
    pub vetted_by: Option<Uuid>,
    pub updated_at: Option<String>,
    /// Attestation kinds with no unexpired attestation now.
    pub missing_attestations: Vec<String>,
    pub attestations: Vec<AttestationOut>,
}

fn partner_out(p: PartnerStanding, now: OffsetDateTime) -> PartnerOut {
    PartnerOut {
        org: p.org_id,
        vetting: p.vetting.as_str().to_owned(),
        missing_attestations: p
            .missing_attestations(now)
            .iter()
            .map(|k| k.as_str().to_owned())
            .collect(),
        vetting_reason: p.vetting_reason,
        vetted_by: p.vetted_by,
        updated_at: p.updated_at.map(ts),
        attestations: p
            .attestations
            .into_iter()
            .map(|a| AttestationOut {
                id: a.id,
                kind: a.kind.as_str().to_owned(),
                expires_at: ts(a.expires_at),
                valid: a.expires_at > now,
                attested_by: a.attested_by,
                at: ts(a.at),
            })
            .collect(),
    }
}

/// A partner organization's vetting and attestations.
pub async fn partner(app: &App, who: &Principal, org: Uuid) -> AppResult<PartnerOut> {
    let p = standing(app, org).await?;
    app.authorize(who, Action::PartnerRead, &partner_resource(&p))?;
    Ok(partner_out(p, app.now()))
}

/// A partner in the registry, with its name and what the caller may do
/// about it (for pages, which show only the controls the policy allows).
#[derive(Debug)]
pub struct RegistryEntry {
    pub name: String,
    pub sector: Option<String>,
    pub partner: PartnerOut,
    /// `partner.vet`: the reviewing agencies' writers, the operator's admins.
    pub may_vet: bool,
    /// `partner.attest`: the partner's own admins.
    pub may_attest: bool,
}

/// The registry of trusted partners the caller may read: every partner
/// organization, by name, with its vetting and attestations.
pub async fn registry(app: &App, who: &Principal) -> AppResult<Vec<RegistryEntry>> {
    let mut out = Vec::new();
    let mut after = None;
    loop {
        let page = app
            .store
            .organizations(PageRequest {
                after,
                limit: PageRequest::MAX_LIMIT,
            })
            .await?;
        for org in page.items.iter().filter(|o| o.kind == OrgKind::Partner) {
            let p = standing(app, org.id).await?;
            let resource = partner_resource(&p);
            if !app.permits(who, Action::PartnerRead, &resource) {
                continue;
            }
            out.push(RegistryEntry {
                name: org.name.clone(),
                sector: org.sector.map(|s| s.as_str().to_owned()),
                may_vet: app.permits(who, Action::PartnerVet, &resource),
                may_attest: app.permits(who, Action::PartnerAttest, &resource),
                partner: partner_out(p, app.now()),
            });
        }
        match page.next {
            Some(n) => after = Some(n),
            None => break,
        }
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VettingIn {
    /// `pending`, `vetted` or `suspended`.
    pub status: String,
    pub reason: Option<String>,
}

/// Sets a partner's vetting status (reviewing agencies, operator admins).
pub async fn set_vetting(
    app: &App,
    who: &Acting,
    org: Uuid,
    body: VettingIn,
) -> AppResult<PartnerOut> {
    let p = standing(app, org).await?;
    app.authorize(&who.principal, Action::PartnerVet, &partner_resource(&p))?;
    let status: Vetting = parse_word(&body.status)?;
    let now = app.now();
    let p = app
        .store
        .set_partner_vetting(&who.actor, org, status, body.reason.as_deref(), now)
        .await?;
    Ok(partner_out(p, now))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AttestationIn {
    /// `confidentiality`, `insider_risk` or `security_controls`.
    pub kind: String,
    /// RFC 3339, in the future.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, example = "2027-01-01T00:00:00Z")]
    pub expires_at: OffsetDateTime,
}

/// Records an attestation for a partner organization (its admins); answers
/// the standing with it.
pub async fn attest(
    app: &App,
    who: &Acting,
    org: Uuid,
    body: AttestationIn,
) -> AppResult<PartnerOut> {
    let p = standing(app, org).await?;
    app.authorize(&who.principal, Action::PartnerAttest, &partner_resource(&p))?;
    let kind: AttestationKind = parse_word(&body.kind)?;
    let now = app.now();
    app.store
        .add_partner_attestation(&who.actor, org, kind, body.expires_at, now)
        .await?;
    let p = standing(app, org).await?;
    Ok(partner_out(p, now))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct GrantOut {
    pub id: Uuid,
    pub model: Uuid,
    pub partner_org: Uuid,
    pub developer_org: Uuid,
    /// `api`, `weights` or `evaluation_only`.
    pub scope: String,
    pub starts_at: String,
    pub ends_at: String,
    pub conditions: String,
    /// What the parties decided: `proposed`, `concurred`, `objected`, `revoked`.
    pub state: String,
    /// Now: `proposed`, `objected`, `revoked`, or for a concurred grant
    /// `pending`, `active` or `expired` by its window.
    pub status: String,
    pub reason: Option<String>,
    pub proposed_by: Option<Uuid>,
    pub decided_by: Option<Uuid>,
    pub created_at: String,
    pub updated_at: String,
}

/// A grant as answered, with its status at `now`.
pub fn grant_out(g: Grant, now: OffsetDateTime) -> GrantOut {
    GrantOut {
        id: g.id,
        status: g.status(now).as_str().to_owned(),
        model: g.model_id,
        partner_org: g.partner_org,
        developer_org: g.developer_org,
        scope: g.scope.as_str().to_owned(),
        starts_at: ts(g.starts_at),
        ends_at: ts(g.ends_at),
        conditions: g.conditions,
        state: g.state.as_str().to_owned(),
        reason: g.reason,
        proposed_by: g.proposed_by,
        decided_by: g.decided_by,
        created_at: ts(g.created_at),
        updated_at: ts(g.updated_at),
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GrantIn {
    pub model: Uuid,
    pub partner_org: Uuid,
    /// `api`, `weights` or `evaluation_only`.
    pub scope: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, example = "2027-01-01T00:00:00Z")]
    pub starts_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, example = "2027-02-01T00:00:00Z")]
    pub ends_at: OffsetDateTime,
    #[serde(default)]
    pub conditions: String,
}

/// Proposes early access to one of `who`'s models for a trusted partner.
pub async fn propose(app: &App, who: &Acting, body: GrantIn) -> AppResult<GrantOut> {
    let model = readable_model(app, &who.principal, body.model).await?;
    app.authorize(
        &who.principal,
        Action::GrantPropose,
        &model_resource(&model),
    )?;
    let scope: GrantScope = parse_word(&body.scope)?;
    let now = app.now();
    let g = app
        .store
        .propose_grant(
            &who.actor,
            &NewGrant {
                model_id: model.id,
                partner_org: body.partner_org,
                scope,
                starts_at: body.starts_at,
                ends_at: body.ends_at,
                conditions: body.conditions,
            },
            now,
        )
        .await?;
    Ok(grant_out(g, now))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionIn {
    /// Required to object and to revoke.
    pub reason: Option<String>,
}

async fn decide(
    app: &App,
    who: &Acting,
    id: Uuid,
    to: GrantState,
    body: DecisionIn,
) -> AppResult<GrantOut> {
    let g = readable_grant(app, &who.principal, id).await?;
    let action = if to == GrantState::Revoked {
        Action::GrantRevoke
    } else {
        Action::GrantDecide
    };
    app.authorize(&who.principal, action, &grant_resource(&g))?;
    // A grant proposed by the program office's approval of an agency's
    // access request is the developer's to accept there, in one decision
    // with the request; revoking it here ends the request with it.
    if let Some(r) = app.store.access_request_for_grant(id).await? {
        if to != GrantState::Revoked {
            return Err(crate::AppError::new(
                crate::ErrorKind::Conflict,
                format!(
                    "this grant answers access request {}: its developer accepts or declines it there",
                    r.id
                ),
            ));
        }
        crate::tools::access::revoke_stored(app, who, &r, body.reason.as_deref().unwrap_or(""))
            .await?;
        return Ok(grant_out(app.store.grant(id).await?, app.now()));
    }
    let now = app.now();
    let g = app
        .store
        .decide_grant(&who.actor, id, to, body.reason.as_deref(), now)
        .await?;
    Ok(grant_out(g, now))
}

/// Concurs with a proposed grant (reviewing agencies).
pub async fn concur(app: &App, who: &Acting, id: Uuid, body: DecisionIn) -> AppResult<GrantOut> {
    decide(app, who, id, GrantState::Concurred, body).await
}

/// Objects to a proposed grant, with a reason (reviewing agencies).
pub async fn object(app: &App, who: &Acting, id: Uuid, body: DecisionIn) -> AppResult<GrantOut> {
    decide(app, who, id, GrantState::Objected, body).await
}

/// Revokes a grant, with a reason (the developer or a reviewing agency).
pub async fn revoke(app: &App, who: &Acting, id: Uuid, body: DecisionIn) -> AppResult<GrantOut> {
    decide(app, who, id, GrantState::Revoked, body).await
}

/// A grant, with its status now.
pub async fn grant(app: &App, who: &Principal, id: Uuid) -> AppResult<GrantOut> {
    let g = readable_grant(app, who, id).await?;
    Ok(grant_out(g, app.now()))
}

/// One store page of grants, those `who` may not read left out (the next
/// page starts after the store's page, so a page may come back short).
pub async fn list_grants(
    app: &App,
    who: &Principal,
    page: PageRequest,
) -> AppResult<Page<GrantOut>> {
    let page = app.store.grants(page).await?;
    let now = app.now();
    let items = page
        .items
        .into_iter()
        .filter(|g| app.permits(who, Action::GrantRead, &grant_resource(g)))
        .map(|g| grant_out(g, now))
        .collect();
    Ok(Page {
        items,
        next: page.next,
    })
}

/// Every grant `who` may read, a store page at a time (for the dashboards,
/// which order and count them by their dates).
pub async fn readable_grants(app: &App, who: &Principal) -> AppResult<Vec<Grant>> {
    let mut out = Vec::new();
    let mut after = None;
    loop {
        let page = app
            .store
            .grants(PageRequest {
                after,
                limit: PageRequest::MAX_LIMIT,
            })
            .await?;
        out.extend(
            page.items
                .into_iter()
                .filter(|g| app.permits(who, Action::GrantRead, &grant_resource(g))),
        );
        match page.next {
            Some(n) => after = Some(n),
            None => return Ok(out),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AccessOut {
    pub allowed: bool,
    pub reason: String,
    /// The grant that allows it, when allowed.
    pub grant: Option<Uuid>,
}

/// May `partner` use `model` now, for `scope` (a [`GrantScope`] word)? For
/// the model owner's gateways, the operator, and the partner itself on
/// its own grants; every call is audited with its answer.
pub async fn access_check(
    app: &App,
    who: &Acting,
    partner: Uuid,
    model: Uuid,
    scope: &str,
) -> AppResult<AccessOut> {
    let p = &who.principal;
    let scope: GrantScope = parse_word(scope)?;
    // The model's side (its owner's gateways, the operator) asks on the
    // model; the partner asks on a grant of the model made to it, so it
    // needs neither to read the model nor to learn of models it holds no
    // grant for. Failing both, the model's side's refusal stands.
    let on_model = match readable_model(app, p, model).await {
        Ok(m) => app.authorize(p, Action::AccessCheck, &model_resource(&m)),
        Err(e) => Err(e),
    };
    if let Err(refused) = on_model {
        let grants = app.store.grants_to_partner(partner, model).await?;
        let own = grants
            .iter()
            .any(|g| app.permits(p, Action::AccessCheck, &grant_resource(g)));
        if !own {
            return Err(refused);
        }
    }
    let answer = app
        .store
        .check_access(&who.actor, partner, model, scope, app.now())
        .await?;
    Ok(AccessOut {
        allowed: answer.allowed,
        reason: answer.reason,
        grant: answer.grant,
    })
}

/// The models `who` may propose grants of (`grant.propose`): (id, name),
/// by name, for the form that proposes one.
pub async fn proposable_models(app: &App, who: &Principal) -> AppResult<Vec<(Uuid, String)>> {
    crate::resources::models_permitting(app, who, Action::GrantPropose).await
}

/// What `who` may do with grant `g` now: (concur or object, revoke), each
/// as the policy decides and the grant's state allows.
pub fn grant_controls(app: &App, who: &Principal, g: &Grant) -> (bool, bool) {
    let next = g.state.next();
    let resource = grant_resource(g);
    (
        next.contains(&GrantState::Concurred) && app.permits(who, Action::GrantDecide, &resource),
        next.contains(&GrantState::Revoked) && app.permits(who, Action::GrantRevoke, &resource),
    )
}
