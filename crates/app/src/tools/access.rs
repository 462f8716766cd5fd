//! Agencies' access to the catalogue's tools under a program (issue 20,
//! item 3).
//!
//! An agency's writers ask for one tool under one program for their
//! systems, naming the AI use case of their inventory, the data they will
//! send and the window (`access.request`). Every check runs before anything
//! is written: a tool the program does not offer, data above the tool's
//! marking, a system that is not the agency's — each is refused naming the
//! field, and nothing is kept.
//!
//! The program office decides (`access_request.decide`), adding the
//! conditions, the authorising official and the expiry. For a covered
//! frontier model (the linked model's latest determination under a
//! benchmark set in force is `covered`), the approval proposes the existing
//! early-access grant of the model to the agency, and the developer's
//! answer on the request (`access_request.accept`) decides both at once:
//! one decision, recorded in both places, in one transaction. The grant
//! cannot be concurred on its own (`partners`). Any side revokes at once
//! (`access_request.revoke`), the grant with the request.
//!
//! A request its reader may not read is "not found": an agency never
//! learns of another agency's requests, systems or use.

use std::collections::HashMap;

use bulwark_authz::{Action, Resource};
use bulwark_core::{AgencyTrack, GrantScope, OrgKind, Principal};
use bulwark_store::{
    AccessApproval, GrantProposal, NewAccessRequest, StoreError, StoredAccessRequest, StoredTool,
};
use bulwark_tools::program::{self, AccessState, AccessStatus, Applicant, Approval, Offered};
use bulwark_tools::{DataLimits, ToolKind};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

use super::programs::terms_of;
use super::{invalid, state_of, tlp};
use crate::resources::readable_system;
use crate::{Acting, App, AppError, AppResult, ErrorKind, not_found_as, parse_word, ts};

/// What the agency will send to the tool.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DataIn {
    /// The highest TLP 2.0 marking: `CLEAR`, `GREEN`, `AMBER`, `AMBER+STRICT`.
    pub tlp: String,
    /// Whether it will send data under embargo.
    #[serde(default)]
    pub embargoed: bool,
}

/// An agency's request.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AccessRequestIn {
    pub program: Uuid,
    pub tool: Uuid,
    /// The entry of the agency's AI use-case inventory, e.g. `DOE-0042`.
    pub use_case_id: String,
    /// The agency's systems the tool will cover.
    pub systems: Vec<Uuid>,
    pub data: DataIn,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, example = "2027-01-01T00:00:00Z")]
    pub starts_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, example = "2027-03-01T00:00:00Z")]
    pub ends_at: OffsetDateTime,
    /// The requesting agency; the caller's own when absent.
    #[serde(default)]
    pub agency: Option<Uuid>,
}

/// The program office's decision.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AccessDecisionIn {
    /// `approve` or `deny`.
    pub decision: String,
    /// Required to deny: why.
    #[serde(default)]
    pub reason: Option<String>,
    /// Required to approve: who authorises the use.
    #[serde(default)]
    pub authorising_official: Option<String>,
    /// Conditions beyond the program's own.
    #[serde(default)]
    pub conditions: String,
    /// When the approval ends; the request's end when absent.
    #[serde(default, with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, example = "2027-02-01T00:00:00Z")]
    pub expires_at: Option<OffsetDateTime>,
    /// For a covered frontier model, the early-access grant's scope: `api`
    /// (the default), `weights` or `evaluation_only`.
    #[serde(default)]
    pub scope: Option<String>,
}

/// The developer's answer for a covered frontier model.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AccessAnswerIn {
    pub accept: bool,
    /// Required to decline.
    #[serde(default)]
    pub reason: Option<String>,
}

/// Why access ends.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RevokeIn {
    pub reason: String,
}

/// Filters of the list; every one optional.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct AccessFilter {
    pub agency: Option<Uuid>,
    pub program: Option<Uuid>,
    pub tool: Option<Uuid>,
    /// A status: `requested`, `approved`, `active`, `denied`, `revoked`, `expired`.
    pub status: Option<String>,
}

/// A request as answered.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AccessRequestOut {
    pub id: Uuid,
    pub agency: Uuid,
    pub program: Uuid,
    pub tool: Uuid,
    pub use_case_id: String,
    pub systems: Vec<Uuid>,
    pub data_tlp: String,
    pub embargoed: bool,
    pub starts_at: String,
    pub ends_at: String,
    /// As stored: `requested`, `approved`, `active`, `denied`, `revoked`.
    pub state: String,
    /// Now: the state, or `expired` for an approved or active request past
    /// its expiry.
    pub status: String,
    /// The developer whose agreement the approval waits for.
    pub developer: Option<Uuid>,
    pub conditions: Option<String>,
    pub authorising_official: Option<String>,
    pub reason: Option<String>,
    pub decided_by: Option<Uuid>,
    pub decided_at: Option<String>,
    pub expires_at: Option<String>,
    /// The early-access grant of a covered frontier model.
    pub grant: Option<Uuid>,
    pub created_at: String,
    pub updated_at: String,
}

fn corrupt(what: &str) -> AppError {
    tracing::error!(what, "a stored access request does not read back");
    AppError::internal()
}

fn state_of_request(r: &StoredAccessRequest) -> AppResult<AccessState> {
    r.state
        .parse::<AccessState>()
        .map_err(|_| corrupt("access request state"))
}

fn status_of(r: &StoredAccessRequest, now: OffsetDateTime) -> AppResult<AccessStatus> {
    Ok(state_of_request(r)?.status(r.expires_at, now))
}

fn out(r: StoredAccessRequest, now: OffsetDateTime) -> AppResult<AccessRequestOut> {
    let status = status_of(&r, now)?;
    Ok(AccessRequestOut {
        id: r.id,
        agency: r.agency_org,
        program: r.program_id,
        tool: r.tool_id,
        use_case_id: r.use_case_id,
        systems: r.systems,
        data_tlp: r.data_tlp,
        embargoed: r.embargoed,
        starts_at: ts(r.starts_at),
        ends_at: ts(r.ends_at),
        state: r.state,
        status: status.as_str().to_owned(),
        developer: r.developer_org,
        conditions: r.conditions,
        authorising_official: r.authorising_official,
        reason: r.reason,
        decided_by: r.decided_by,
        decided_at: r.decided_at.map(ts),
        expires_at: r.expires_at.map(ts),
        grant: r.grant_id,
        created_at: ts(r.created_at),
        updated_at: ts(r.updated_at),
    })
}

/// The policy's view of a request: its agency, the tool's provider and,
/// once approved for a covered frontier model, the developer.
pub fn access_request_resource(r: &StoredAccessRequest, provider_org: Uuid) -> Resource {
    Resource::AccessRequest {
        id: r.id,
        agency_org: r.agency_org,
        provider_org,
        developer_org: r.developer_org,
    }
}

/// A request the caller may read, with its policy resource, else "not found".
pub async fn readable_request(
    app: &App,
    who: &Principal,
    id: Uuid,
) -> AppResult<(StoredAccessRequest, Resource)> {
    let r = app
        .store
        .access_request(id)
        .await
        .map_err(not_found_as("access request"))?;
    let tool = app.store.tool(r.tool_id).await?;
    let res = access_request_resource(&r, tool.provider_org);
    if !app.permits(who, Action::AccessRequestRead, &res) {
        return Err(AppError::not_found("access request"));
    }
    Ok((r, res))
}

fn offered(t: &StoredTool) -> AppResult<Offered> {
    Ok(Offered {
        id: t.id,
        state: state_of(t)?,
        limits: DataLimits {
            max_tlp: t
                .fields
                .max_tlp
                .parse()
                .map_err(|_| corrupt("tool max_tlp"))?,
            embargoed: t.fields.embargoed,
        },
    })
}

/// Whether `model` is a covered frontier model now: its latest
/// determination under some benchmark set in force is `covered`.
pub async fn covered_model(app: &App, model: Uuid) -> AppResult<bool> {
    let sets = app.store.benchmark_sets_in_force(app.now()).await?;
    let determinations = app.store.determinations(model).await?;
    Ok(sets.iter().any(|s| {
        determinations
            .iter()
            .find(|d| d.set_id == s.set_id)
            .is_some_and(|d| d.outcome == "covered")
    }))
}

/// The agency as the program's eligibility reads it.
async fn applicant(app: &App, org: Uuid) -> AppResult<Applicant> {
    let o = app.store.organization(org).await?;
    Ok(Applicant {
        org,
        agency: o.kind == OrgKind::Agency,
        civilian: o.agency_track == Some(AgencyTrack::Civilian),
    })
}

/// The domain's request from a stored one, to check it again when decided.
fn domain_request(r: &StoredAccessRequest) -> AppResult<program::Request> {
    Ok(program::Request {
        tool: r.tool_id,
        use_case_id: r.use_case_id.clone(),
        systems: r.systems.clone(),
        data_tlp: r
            .data_tlp
            .parse()
            .map_err(|_| corrupt("access request data_tlp"))?,
        embargoed: r.embargoed,
        starts_at: r.starts_at,
        ends_at: r.ends_at,
    })
}

/// An agency asks for a tool under a program. Refused, with nothing
/// written, when any check fails.
pub async fn request(
    app: &App,
    acting: &Acting,
    input: &AccessRequestIn,
) -> AppResult<AccessRequestOut> {
    let who = &acting.principal;
    let agency = input.agency.unwrap_or(who.org_id);
    let org = app
        .store
        .organization(agency)
        .await
        .map_err(not_found_as("organization"))?;
    app.authorize(
        who,
        Action::AccessRequest,
        &Resource::Organization {
            id: org.id,
            kind: org.kind,
        },
    )?;
    let program = app
        .store
        .program(input.program)
        .await
        .map_err(|e| match e {
            StoreError::NotFound => invalid("program", "no program has this id"),
            other => other.into(),
        })?;
    let terms = terms_of(&program)?;
    // A tool the caller may not read is, to it, one the program does not offer.
    let tool = match super::readable_tool(app, who, input.tool).await {
        Ok(t) => t,
        Err(e) if e.kind == ErrorKind::NotFound => {
            return Err(invalid("tool", "the program does not offer this tool"));
        }
        Err(e) => return Err(e),
    };
    let req = program::Request {
        tool: input.tool,
        use_case_id: input.use_case_id.clone(),
        systems: input.systems.clone(),
        data_tlp: tlp("data.tlp", &input.data.tlp)?,
        embargoed: input.data.embargoed,
        starts_at: input.starts_at,
        ends_at: input.ends_at,
    };
    req.check(
        &terms,
        &applicant(app, agency).await?,
        &offered(&tool)?,
        app.now(),
    )
    .map_err(|e| invalid(&e.field, &e.message))?;
    // Each system is the agency's own and one the caller may read.
    for (i, s) in input.systems.iter().enumerate() {
        let mine = match readable_system(app, who, *s).await {
            Ok((sys, _, _)) => sys.org_id == agency,
            Err(e) if e.kind == ErrorKind::NotFound => false,
            Err(e) => return Err(e),
        };
        if !mine {
            return Err(invalid(
                &format!("systems[{i}]"),
                "no system of the agency has this id",
            ));
        }
    }
    let r = app
        .store
        .request_access(
            &acting.actor,
            &NewAccessRequest {
                agency_org: agency,
                program_id: program.id,
                tool_id: tool.id,
                use_case_id: req.use_case_id,
                systems: req.systems,
                data_tlp: req.data_tlp.as_str().to_owned(),
                embargoed: req.embargoed,
                starts_at: req.starts_at,
                ends_at: req.ends_at,
                requested_by: Some(who.user_id),
            },
            app.now(),
        )
        .await?;
    out(r, app.now())
}

fn text(field: &str, value: Option<&str>, required: bool) -> AppResult<Option<String>> {
    let v = value.map(str::trim).filter(|v| !v.is_empty());
    match v {
        None if required => Err(invalid(field, "must not be empty")),
        None => Ok(None),
        Some(v) => {
            program::check_text(field, v, true).map_err(|e| invalid(&e.field, &e.message))?;
            Ok(Some(v.to_owned()))
        }
    }
}

fn conflict(message: impl Into<String>) -> AppError {
    AppError::new(ErrorKind::Conflict, message)
}

/// The program office approves or denies a request. An approval checks the
/// request again against the program's and the tool's present terms; for a
/// covered frontier model it proposes the early-access grant and waits for
/// the developer, otherwise the access is active at once.
pub async fn decide(
    app: &App,
    acting: &Acting,
    id: Uuid,
    input: &AccessDecisionIn,
) -> AppResult<AccessRequestOut> {
    let who = &acting.principal;
    let (r, res) = readable_request(app, who, id).await?;
    app.authorize(who, Action::AccessRequestDecide, &res)?;
    let state = state_of_request(&r)?;
    if state != AccessState::Requested {
        return Err(conflict(format!(
            "the request is {state}; only a request waiting for the program office is decided"
        )));
    }
    let now = app.now();
    match input.decision.as_str() {
        "deny" => {
            let reason = text("reason", input.reason.as_deref(), true)?.unwrap_or_default();
            let r = app
                .store
                .deny_access(&acting.actor, id, &reason, Some(who.user_id), now)
                .await?;
            out(r, now)
        }
        "approve" => {
            let program = app.store.program(r.program_id).await?;
            let terms = terms_of(&program)?;
            let tool = app.store.tool(r.tool_id).await?;
            let req = domain_request(&r)?;
            req.check(
                &terms,
                &applicant(app, r.agency_org).await?,
                &offered(&tool)?,
                now,
            )
            .map_err(|e| invalid(&e.field, &e.message))?;
            let official = text(
                "authorising_official",
                input.authorising_official.as_deref(),
                true,
            )?
            .unwrap_or_default();
            let extra = text("conditions", Some(&input.conditions), false)?;
            let approval = Approval {
                authorising_official: official,
                conditions: extra.clone().unwrap_or_default(),
                expires_at: input.expires_at.unwrap_or(r.ends_at),
            };
            approval
                .check(&req, now)
                .map_err(|e| invalid(&e.field, &e.message))?;
            let conditions = [Some(terms.conditions.clone()), extra]
                .into_iter()
                .flatten()
                .filter(|c| !c.is_empty())
                .collect::<Vec<_>>()
                .join("\n\n");
            let model = match (tool.fields.kind.parse::<ToolKind>(), tool.fields.model_id) {
                (Ok(ToolKind::FrontierModel), Some(m)) if covered_model(app, m).await? => {
                    Some(app.store.model(m).await?)
                }
                _ => None,
            };
            let grant = match &model {
                Some(m) => Some(GrantProposal {
                    model_id: m.id,
                    developer_org: m.owner_org,
                    scope: match &input.scope {
                        Some(s) => {
                            parse_word::<GrantScope>(s).map_err(|e| invalid("scope", e.detail))?
                        }
                        None => GrantScope::Api,
                    },
                }),
                None if input.scope.is_some() => {
                    return Err(invalid(
                        "scope",
                        "only access to a covered frontier model is an early-access grant with a scope",
                    ));
                }
                None => None,
            };
            let to = program::approved_state(grant.is_some());
            let r = app
                .store
                .approve_access(
                    &acting.actor,
                    id,
                    &AccessApproval {
                        to: to.as_str().to_owned(),
                        conditions,
                        authorising_official: approval.authorising_official,
                        expires_at: approval.expires_at,
                        decided_by: Some(who.user_id),
                        grant,
                    },
                    now,
                )
                .await?;
            out(r, now)
        }
        other => Err(invalid(
            "decision",
            format!("{other:?} is neither \"approve\" nor \"deny\""),
        )),
    }
}

/// The developer of the covered frontier model accepts the approved
/// request (its early-access grant concurred, the request active) or
/// declines it with a reason (the grant objected to, the request denied).
pub async fn answer(
    app: &App,
    acting: &Acting,
    id: Uuid,
    input: &AccessAnswerIn,
) -> AppResult<AccessRequestOut> {
    let who = &acting.principal;
    let (r, res) = readable_request(app, who, id).await?;
    app.authorize(who, Action::AccessRequestAccept, &res)?;
    let now = app.now();
    match status_of(&r, now)? {
        AccessStatus::Approved => {}
        AccessStatus::Expired => {
            return Err(conflict(
                "the approval expired before the developer answered",
            ));
        }
        other => {
            return Err(conflict(format!(
                "the request is {other}; only an approved request waits for the developer"
            )));
        }
    }
    let reason = text("reason", input.reason.as_deref(), !input.accept)?;
    let r = app
        .store
        .answer_access(&acting.actor, id, input.accept, reason.as_deref(), now)
        .await?;
    out(r, now)
}

/// Ends access at once (the agency, the program office or the developer),
/// the early-access grant with it.
pub async fn revoke(
    app: &App,
    acting: &Acting,
    id: Uuid,
    input: &RevokeIn,
) -> AppResult<AccessRequestOut> {
    let who = &acting.principal;
    let (r, res) = readable_request(app, who, id).await?;
    app.authorize(who, Action::AccessRequestRevoke, &res)?;
    revoke_stored(app, acting, &r, &input.reason).await
}

/// Revokes a request the caller was allowed to end (here, or through its
/// grant in `partners`).
pub(crate) async fn revoke_stored(
    app: &App,
    acting: &Acting,
    r: &StoredAccessRequest,
    reason: &str,
) -> AppResult<AccessRequestOut> {
    let state = state_of_request(r)?;
    if !state.may_become(AccessState::Revoked) {
        return Err(conflict(format!(
            "the request is {state}; it cannot be revoked"
        )));
    }
    let reason = text("reason", Some(reason), true)?.unwrap_or_default();
    let now = app.now();
    let r = app
        .store
        .revoke_access(&acting.actor, r.id, state.as_str(), &reason, now)
        .await?;
    out(r, now)
}

/// One request.
pub async fn get(app: &App, who: &Principal, id: Uuid) -> AppResult<AccessRequestOut> {
    let (r, _) = readable_request(app, who, id).await?;
    out(r, app.now())
}

/// The requests `who` may read that pass the filter, oldest first: an
/// agency's own, all of them for the program office and the operator, and
/// those for its tools for a provider or developer.
pub async fn list(
    app: &App,
    who: &Principal,
    filter: &AccessFilter,
) -> AppResult<Vec<AccessRequestOut>> {
    if let Some(s) = &filter.status {
        s.parse::<AccessStatus>()
            .map_err(|e| invalid("status", e))?;
    }
    let now = app.now();
    let mut providers: HashMap<Uuid, Uuid> = HashMap::new();
    let mut items = Vec::new();
    for r in app.store.access_requests(filter.agency).await? {
        if filter.program.is_some_and(|p| p != r.program_id)
            || filter.tool.is_some_and(|t| t != r.tool_id)
        {
            continue;
        }
        let provider = match providers.get(&r.tool_id) {
            Some(p) => *p,
            None => {
                let p = app.store.tool(r.tool_id).await?.provider_org;
                providers.insert(r.tool_id, p);
                p
            }
        };
        if !app.permits(
            who,
            Action::AccessRequestRead,
            &access_request_resource(&r, provider),
        ) {
            continue;
        }
        let o = out(r, now)?;
        if filter.status.as_deref().is_none_or(|s| s == o.status) {
            items.push(o);
        }
    }
    Ok(items)
}

/// What the reader may do to a request now: the policy's answer, offered
/// only where the request's state allows the move.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AccessActions {
    /// Approve or deny (the program office, while requested).
    pub decide: bool,
    /// Accept or decline (the developer, while approved).
    pub answer: bool,
    /// End access (any side, until it ended).
    pub revoke: bool,
}

impl AccessActions {
    pub fn any(&self) -> bool {
        self.decide || self.answer || self.revoke
    }
}

/// A request as its pages show it: the names of what it refers to (a
/// system the reader may not read is left unnamed) and what the reader may
/// do.
#[derive(Debug, Clone)]
pub struct AccessRequestView {
    pub request: AccessRequestOut,
    pub agency_name: String,
    pub program_name: String,
    pub tool_name: String,
    pub developer_name: Option<String>,
    /// Each system with its name, `None` where the reader may not read it.
    pub systems: Vec<(Uuid, Option<String>)>,
    pub actions: AccessActions,
}

/// Names looked up once per list.
#[derive(Default)]
struct Names {
    orgs: HashMap<Uuid, String>,
    programs: HashMap<Uuid, String>,
    tools: HashMap<Uuid, (String, Uuid)>,
}

impl Names {
    async fn org(&mut self, app: &App, id: Uuid) -> AppResult<String> {
        if let Some(n) = self.orgs.get(&id) {
            return Ok(n.clone());
        }
        let n = app.store.organization(id).await?.name;
        self.orgs.insert(id, n.clone());
        Ok(n)
    }

    async fn program(&mut self, app: &App, id: Uuid) -> AppResult<String> {
        if let Some(n) = self.programs.get(&id) {
            return Ok(n.clone());
        }
        let n = app.store.program(id).await?.fields.name;
        self.programs.insert(id, n.clone());
        Ok(n)
    }

    /// The tool's name and its provider.
    async fn tool(&mut self, app: &App, id: Uuid) -> AppResult<(String, Uuid)> {
        if let Some(t) = self.tools.get(&id) {
            return Ok(t.clone());
        }
        let t = app.store.tool(id).await?;
        let v = (t.fields.name, t.provider_org);
        self.tools.insert(id, v.clone());
        Ok(v)
    }
}

async fn view_of(
    app: &App,
    who: &Principal,
    names: &mut Names,
    r: StoredAccessRequest,
    now: OffsetDateTime,
) -> AppResult<AccessRequestView> {
    let (tool_name, provider) = names.tool(app, r.tool_id).await?;
    let res = access_request_resource(&r, provider);
    let state = state_of_request(&r)?;
    let actions = AccessActions {
        decide: state == AccessState::Requested
            && app.permits(who, Action::AccessRequestDecide, &res),
        answer: status_of(&r, now)? == AccessStatus::Approved
            && app.permits(who, Action::AccessRequestAccept, &res),
        revoke: state.may_become(AccessState::Revoked)
            && app.permits(who, Action::AccessRequestRevoke, &res),
    };
    let mut systems = Vec::with_capacity(r.systems.len());
    for s in &r.systems {
        let name = match readable_system(app, who, *s).await {
            Ok((system, _, _)) => Some(system.name),
            Err(e) if e.kind == ErrorKind::NotFound => None,
            Err(e) => return Err(e),
        };
        systems.push((*s, name));
    }
    let developer_name = match r.developer_org {
        Some(d) => Some(names.org(app, d).await?),
        None => None,
    };
    Ok(AccessRequestView {
        agency_name: names.org(app, r.agency_org).await?,
        program_name: names.program(app, r.program_id).await?,
        tool_name,
        developer_name,
        systems,
        actions,
        request: out(r, now)?,
    })
}

/// One request for its page.
pub async fn view(app: &App, who: &Principal, id: Uuid) -> AppResult<AccessRequestView> {
    let (r, _) = readable_request(app, who, id).await?;
    view_of(app, who, &mut Names::default(), r, app.now()).await
}

/// The requests of [`list`] for a page, named, with the reader's actions.
pub async fn views(
    app: &App,
    who: &Principal,
    filter: &AccessFilter,
) -> AppResult<Vec<AccessRequestView>> {
    let wanted: std::collections::HashSet<Uuid> =
        list(app, who, filter).await?.iter().map(|r| r.id).collect();
    let now = app.now();
    let mut names = Names::default();
    let mut out = Vec::with_capacity(wanted.len());
    for r in app.store.access_requests(filter.agency).await? {
        if wanted.contains(&r.id) {
            out.push(view_of(app, who, &mut names, r, now).await?);
        }
    }
    Ok(out)
}

/// Whether `who` may ask for access for its own agency (the program
/// page's form).
pub fn may_request(app: &App, who: &Principal) -> bool {
    app.permits(
        who,
        Action::AccessRequest,
        &Resource::Organization {
            id: who.org_id,
            kind: who.org_kind,
        },
    )
}
