//! The catalogue of AI-enabled defensive tools (issue 20): providers
//! describe their tools, the program office (CISA) approves them, everyone
//! in the program browses what is approved, and the policy decides which
//! records may go to a tool (`record.send`, with the tool as principal).
//!
//! The workflow: draft → submitted → approved or rejected; a rejected entry
//! is changed and submitted again; provider or program office withdraw an
//! entry at any time, and a withdrawn one may be reopened as a draft. A
//! change to an approved entry that touches what the program office
//! approved (its kind, name it reports as, where it runs, what it may
//! receive, its FedRAMP record, its model) sends it back for approval; the
//! summary and the lists of artefacts do not.
//!
//! An entry a reader may not read is "not found": a provider's drafts are
//! its own and the program office's.

pub mod access;
pub mod programs;

use std::collections::BTreeMap;

use bulwark_authz::{Action, Resource, ToolFacts};
use bulwark_core::{OrgKind, Principal, Tlp};
use bulwark_store::{NewTool, StoredTool, ToolFields, ToolVersion};
use bulwark_tools::{
    Artefact, DataLimits, Deployment, Entry, EntryState, FedRamp, FedRampStatus, ImpactLevel,
    ToolKind,
};
use serde::{Deserialize, Serialize};
use time::Date;
use utoipa::ToSchema;
use uuid::Uuid;

pub mod scorecards;

use crate::resources::readable_model;
use crate::tool_evidence::ToolScorecardOut;
use crate::{Acting, App, AppError, AppResult, ErrorKind, not_found_as, ts};

/// The longest reason for a decision or withdrawal, in characters.
const REASON_MAX: usize = 2_000;

/// What the data a tool may receive is, as the API spells it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LimitsIn {
    /// The highest TLP 2.0 marking: `CLEAR`, `GREEN`, `AMBER` or `AMBER+STRICT`.
    pub max_tlp: String,
    /// Whether cases under embargo may be sent to it.
    #[serde(default)]
    pub embargoed: bool,
}

/// A FedRAMP Marketplace record.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FedRampIn {
    /// `ready`, `in_process` or `authorized`.
    pub status: String,
    /// `li_saas`, `low`, `moderate` or `high`.
    pub impact: String,
    #[serde(default)]
    pub package_id: Option<String>,
    /// YYYY-MM-DD; required when authorized.
    #[serde(default)]
    pub authorized_on: Option<String>,
    /// The agencies that authorized it or reuse its authorization.
    #[serde(default)]
    pub agencies: Vec<String>,
}

/// A catalogue entry as its provider writes it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ToolIn {
    pub name: String,
    /// `frontier_model`, `cyber_reasoning_system`, `fuzzer`,
    /// `static_analyzer`, `scanner` or `managed_service`.
    pub kind: String,
    /// The name the tool writes in what it submits (SARIF
    /// `tool.driver.name`, a claim's `tool`); its evidence is keyed by it.
    pub reports_as: String,
    #[serde(default)]
    pub ai_enabled: bool,
    #[serde(default)]
    pub summary: String,
    /// Where it runs: `on_premises`, `government_cloud`, `provider_cloud`.
    pub deployment: Vec<String>,
    /// What it takes: `source_code`, `binary`, `sbom`, `sarif`, `osv`,
    /// `csaf`, `patch`, `pov`.
    #[serde(default)]
    pub consumes: Vec<String>,
    /// What it produces, in the same words.
    pub produces: Vec<String>,
    pub limits: LimitsIn,
    #[serde(default)]
    pub fedramp: Option<FedRampIn>,
    /// For a frontier model: its id in the model registry.
    #[serde(default)]
    pub model: Option<Uuid>,
    /// The provider organization; the caller's own when absent.
    #[serde(default)]
    pub provider: Option<Uuid>,
}

/// A version to list.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VersionIn {
    /// As the tool writes it in `tool_version`.
    pub version: String,
    /// YYYY-MM-DD.
    #[serde(default)]
    pub released_on: Option<String>,
    #[serde(default)]
    pub note: Option<String>,
}

/// A version as listed.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct VersionOut {
    pub version: String,
    pub released_on: Option<String>,
    pub note: Option<String>,
    pub added_at: String,
}

/// A catalogue entry.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ToolOut {
    pub id: Uuid,
    pub provider: Uuid,
    pub provider_name: String,
    pub name: String,
    pub kind: String,
    pub reports_as: String,
    pub ai_enabled: bool,
    pub summary: String,
    pub deployment: Vec<String>,
    pub consumes: Vec<String>,
    pub produces: Vec<String>,
    pub limits: LimitsOut,
    pub fedramp: Option<FedRampOut>,
    pub model: Option<Uuid>,
    /// `draft`, `submitted`, `approved`, `rejected` or `withdrawn`.
    pub state: String,
    pub state_reason: Option<String>,
    pub decided_at: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub versions: Vec<VersionOut>,
    /// Every version's evidence together (in lists and on its own page);
    /// absent when nothing was seen of it. `GET /api/v1/tools/{id}/evidence`
    /// gives each version and the history.
    pub evidence: Option<ToolScorecardOut>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LimitsOut {
    pub max_tlp: String,
    pub embargoed: bool,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FedRampOut {
    pub status: String,
    pub impact: String,
    pub package_id: Option<String>,
    pub authorized_on: Option<String>,
    pub agencies: Vec<String>,
}

/// A decision of the program office.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ToolDecisionIn {
    /// `approve` or `reject`.
    pub decision: String,
    /// Required for a rejection: what the provider must change.
    #[serde(default)]
    pub reason: Option<String>,
}

/// Why an entry is withdrawn.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ToolWithdrawIn {
    #[serde(default)]
    pub reason: Option<String>,
}

/// Filters of the catalogue; every one optional.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ToolFilter {
    pub state: Option<String>,
    pub kind: Option<String>,
    pub deployment: Option<String>,
    /// Tools that may receive data marked at least this (`GREEN` finds
    /// those allowed GREEN, AMBER and AMBER+STRICT).
    pub receives: Option<String>,
    /// Only tools that may receive embargoed data.
    pub embargoed: Option<bool>,
    /// `authorized`, `in_process`, `ready`, or `none`.
    pub fedramp: Option<String>,
    pub provider: Option<Uuid>,
    /// Words in the name, the reporting name or the summary.
    pub q: Option<String>,
    /// `name` (the default), `validated` (most validated cases first) or
    /// `validation` (highest lower bound of the validation rate's 95%
    /// interval first: a rate over few cases does not outrank a proven one).
    pub sort: Option<String>,
}

/// The catalogue as a reader may see it, with the counts of what it may see.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Catalogue {
    pub items: Vec<ToolOut>,
    /// Entries matching the filters.
    pub total: usize,
    /// Of what the reader may read (before the filters), by state.
    pub by_state: BTreeMap<String, usize>,
    /// Of the approved entries the reader may read, by kind.
    pub approved_by_kind: BTreeMap<String, usize>,
}

pub(crate) fn invalid(field: &str, message: impl std::fmt::Display) -> AppError {
    AppError::validation(format!("{field}: {message}"))
        .with_extension("field", serde_json::Value::String(field.to_owned()))
}

fn words<T: std::str::FromStr<Err = String>>(field: &str, items: &[String]) -> AppResult<Vec<T>> {
    items
        .iter()
        .enumerate()
        .map(|(i, w)| {
            w.parse::<T>()
                .map_err(|e| invalid(&format!("{field}[{i}]"), e))
        })
        .collect()
}

fn date(field: &str, s: &str) -> AppResult<Date> {
    Date::parse(s, time::macros::format_description!("[year]-[month]-[day]"))
        .map_err(|_| invalid(field, format!("{s:?} is not a date (YYYY-MM-DD)")))
}

pub(crate) fn tlp(field: &str, s: &str) -> AppResult<Tlp> {
    s.trim_start_matches("TLP:")
        .parse::<Tlp>()
        .map_err(|e| invalid(field, e))
}

/// The domain's entry from what the API received, every word checked.
fn entry(input: &ToolIn) -> AppResult<Entry> {
    let fedramp = match &input.fedramp {
        None => None,
        Some(f) => Some(FedRamp {
            status: f
                .status
                .parse::<FedRampStatus>()
                .map_err(|e| invalid("fedramp.status", e))?,
            impact: f
                .impact
                .parse::<ImpactLevel>()
                .map_err(|e| invalid("fedramp.impact", e))?,
            package_id: f.package_id.clone(),
            authorized_on: f
                .authorized_on
                .as_deref()
                .map(|d| date("fedramp.authorized_on", d))
                .transpose()?,
            agencies: f.agencies.clone(),
        }),
    };
    let e = Entry {
        name: input.name.clone(),
        kind: input
            .kind
            .parse::<ToolKind>()
            .map_err(|e| invalid("kind", e))?,
        reports_as: input.reports_as.clone(),
        ai_enabled: input.ai_enabled,
        summary: input.summary.clone(),
        deployment: words::<Deployment>("deployment", &input.deployment)?,
        consumes: words::<Artefact>("consumes", &input.consumes)?,
        produces: words::<Artefact>("produces", &input.produces)?,
        limits: DataLimits {
            max_tlp: tlp("limits.max_tlp", &input.limits.max_tlp)?,
            embargoed: input.limits.embargoed,
        },
        fedramp,
        model: input.model,
    };
    e.check().map_err(|err| invalid(&err.field, &err.message))?;
    Ok(e)
}

fn json_words<T: std::fmt::Display>(items: &[T]) -> String {
    serde_json::Value::Array(
        items
            .iter()
            .map(|w| serde_json::Value::String(w.to_string()))
            .collect(),
    )
    .to_string()
}

fn fields(e: &Entry) -> ToolFields {
    ToolFields {
        name: e.name.clone(),
        kind: e.kind.as_str().to_owned(),
        reports_as: e.reports_as.clone(),
        ai_enabled: e.ai_enabled,
        summary: e.summary.clone(),
        deployment: json_words(&e.deployment),
        consumes: json_words(&e.consumes),
        produces: json_words(&e.produces),
        max_tlp: e.limits.max_tlp.as_str().to_owned(),
        embargoed: e.limits.embargoed,
        fedramp: e.fedramp.as_ref().map(|f| {
            serde_json::json!({
                "status": f.status.as_str(),
                "impact": f.impact.as_str(),
                "package_id": f.package_id,
                "authorized_on": f.authorized_on.map(|d| d.to_string()),
                "agencies": f.agencies,
            })
            .to_string()
        }),
        model_id: e.model,
    }
}

fn corrupt(what: &str) -> AppError {
    tracing::error!(what, "a stored tool does not read back");
    AppError::internal()
}

fn stored_words(text: &str) -> AppResult<Vec<String>> {
    serde_json::from_str(text).map_err(|_| corrupt("tool word list"))
}

/// A stored entry's state.
pub fn state_of(t: &StoredTool) -> AppResult<EntryState> {
    t.state
        .parse::<EntryState>()
        .map_err(|_| corrupt("tool state"))
}

/// The policy's view of an entry.
pub fn tool_facts(t: &StoredTool) -> AppResult<ToolFacts> {
    Ok(ToolFacts {
        id: t.id,
        provider_org: t.provider_org,
        approved: state_of(t)? == EntryState::Approved,
        max_tlp: t
            .fields
            .max_tlp
            .parse::<Tlp>()
            .map_err(|_| corrupt("tool max_tlp"))?,
        embargoed: t.fields.embargoed,
    })
}

/// The entry as a resource of the `tool.*` actions.
pub fn tool_resource(t: &StoredTool) -> AppResult<Resource> {
    Ok(Resource::Tool(tool_facts(t)?))
}

/// An entry the caller may read, else "not found".
pub async fn readable_tool(app: &App, who: &Principal, id: Uuid) -> AppResult<StoredTool> {
    let t = app.store.tool(id).await.map_err(not_found_as("tool"))?;
    if !app.permits(who, Action::ToolRead, &tool_resource(&t)?) {
        return Err(AppError::not_found("tool"));
    }
    Ok(t)
}

async fn out(app: &App, t: StoredTool, versions: Vec<ToolVersion>) -> AppResult<ToolOut> {
    let provider_name = app
        .store
        .organization(t.provider_org)
        .await
        .map(|o| o.name)
        .unwrap_or_default();
    out_named(t, provider_name, versions)
}

fn out_named(
    t: StoredTool,
    provider_name: String,
    versions: Vec<ToolVersion>,
) -> AppResult<ToolOut> {
    let fedramp = match &t.fields.fedramp {
        None => None,
        Some(text) => {
            let v: serde_json::Value =
                serde_json::from_str(text).map_err(|_| corrupt("tool fedramp"))?;
            let s = |k: &str| v.get(k).and_then(|x| x.as_str()).map(str::to_owned);
            Some(FedRampOut {
                status: s("status").unwrap_or_default(),
                impact: s("impact").unwrap_or_default(),
                package_id: s("package_id"),
                authorized_on: s("authorized_on"),
                agencies: v
                    .get("agencies")
                    .and_then(|a| a.as_array())
                    .map(|a| {
                        a.iter()
                            .filter_map(|x| x.as_str().map(str::to_owned))
                            .collect()
                    })
                    .unwrap_or_default(),
            })
        }
    };
    Ok(ToolOut {
        id: t.id,
        provider: t.provider_org,
        provider_name,
        deployment: stored_words(&t.fields.deployment)?,
        consumes: stored_words(&t.fields.consumes)?,
        produces: stored_words(&t.fields.produces)?,
        limits: LimitsOut {
            max_tlp: t.fields.max_tlp.clone(),
            embargoed: t.fields.embargoed,
        },
        fedramp,
        model: t.fields.model_id,
        name: t.fields.name,
        kind: t.fields.kind,
        reports_as: t.fields.reports_as,
        ai_enabled: t.fields.ai_enabled,
        summary: t.fields.summary,
        state: t.state,
        state_reason: t.state_reason,
        decided_at: t.decided_at.map(ts),
        created_at: ts(t.created_at),
        updated_at: ts(t.updated_at),
        versions: versions
            .into_iter()
            .map(|v| VersionOut {
                version: v.version,
                released_on: v.released_on,
                note: v.note,
                added_at: ts(v.added_at),
            })
            .collect(),
        evidence: None,
    })
}

/// A frontier model is linked only to a model of its provider's that the
/// caller may read.
async fn check_model(app: &App, who: &Principal, provider: Uuid, e: &Entry) -> AppResult<()> {
    if let Some(model) = e.model {
        let m = readable_model(app, who, model).await.map_err(|_| {
            invalid(
                "model",
                "no model in the registry that you may read has this id",
            )
        })?;
        if m.owner_org != provider {
            return Err(invalid(
                "model",
                "a frontier model is listed by the developer that owns it",
            ));
        }
    }
    Ok(())
}

/// Describes a new tool, as a draft of its provider's.
pub async fn create(app: &App, acting: &Acting, input: &ToolIn) -> AppResult<ToolOut> {
    let who = &acting.principal;
    let provider = input.provider.unwrap_or(who.org_id);
    let org = app
        .store
        .organization(provider)
        .await
        .map_err(not_found_as("organization"))?;
    app.authorize(
        who,
        Action::ToolCreate,
        &Resource::Organization {
            id: org.id,
            kind: org.kind,
        },
    )?;
    let e = entry(input)?;
    check_model(app, who, provider, &e).await?;
    let t = app
        .store
        .create_tool(
            &acting.actor,
            &NewTool {
                provider_org: provider,
                created_by: Some(who.user_id),
                fields: fields(&e),
            },
            app.now(),
        )
        .await?;
    out_named(t, org.name, Vec::new())
}

/// Whether a change to an approved entry touches what was approved.
fn needs_approval_again(before: &ToolFields, after: &ToolFields) -> bool {
    before.kind != after.kind
        || before.reports_as != after.reports_as
        || before.deployment != after.deployment
        || before.max_tlp != after.max_tlp
        || before.embargoed != after.embargoed
        || before.fedramp != after.fedramp
        || before.model_id != after.model_id
        || before.ai_enabled != after.ai_enabled
        || before.name != after.name
}

/// Rewrites an entry (its provider's writers).
pub async fn update(app: &App, acting: &Acting, id: Uuid, input: &ToolIn) -> AppResult<ToolOut> {
    let who = &acting.principal;
    let t = readable_tool(app, who, id).await?;
    app.authorize(who, Action::ToolUpdate, &tool_resource(&t)?)?;
    if input.provider.is_some_and(|p| p != t.provider_org) {
        return Err(invalid("provider", "an entry stays with its provider"));
    }
    let state = state_of(&t)?;
    if state == EntryState::Withdrawn {
        return Err(AppError::new(
            ErrorKind::Conflict,
            "the entry is withdrawn; reopen it as a draft first",
        ));
    }
    let e = entry(input)?;
    check_model(app, who, t.provider_org, &e).await?;
    let new = fields(&e);
    let next = if state == EntryState::Approved && needs_approval_again(&t.fields, &new) {
        EntryState::Submitted
    } else {
        state
    };
    let t = app
        .store
        .update_tool(
            &acting.actor,
            id,
            state.as_str(),
            &new,
            next.as_str(),
            app.now(),
        )
        .await?;
    if state == EntryState::Approved && next != EntryState::Approved {
        requirements_moved(app, acting, &t, next).await;
    }
    let versions = app.store.tool_versions(id).await?;
    out(app, t, versions).await
}

fn reason(field: &str, r: Option<&str>) -> AppResult<Option<String>> {
    match r.map(str::trim) {
        None | Some("") => Ok(None),
        Some(r) if r.chars().count() > REASON_MAX => Err(invalid(
            field,
            format!("must be at most {REASON_MAX} characters"),
        )),
        Some(r) => Ok(Some(r.to_owned())),
    }
}

async fn move_to(
    app: &App,
    acting: &Acting,
    t: &StoredTool,
    to: EntryState,
    why: Option<String>,
    decided: bool,
) -> AppResult<ToolOut> {
    let from = state_of(t)?;
    if !from.may_become(to) {
        return Err(AppError::new(
            ErrorKind::Conflict,
            format!("an entry that is {from} cannot become {to}"),
        ));
    }
    let moved = app
        .store
        .set_tool_state(
            &acting.actor,
            t.id,
            from.as_str(),
            to.as_str(),
            why.as_deref(),
            decided.then_some(acting.principal.user_id),
            app.now(),
        )
        .await?;
    if from == EntryState::Approved || to == EntryState::Approved {
        requirements_moved(app, acting, &moved, to).await;
    }
    let versions = app.store.tool_versions(t.id).await?;
    out(app, moved, versions).await
}

/// An entry came into or left the approved catalogue: the scans it made
/// start or stop meeting directives' requirements. The change stands
/// either way; a failed re-evaluation is logged and the next one catches up.
async fn requirements_moved(app: &App, acting: &Acting, t: &StoredTool, to: EntryState) {
    let reason = format!("tool {:?} ({}) {to}", t.fields.name, t.fields.reports_as);
    if let Err(e) =
        crate::directives::requirements::on_catalogue_changed(app, &acting.actor, &reason).await
    {
        tracing::error!(tool = %t.id, error = %e, "requirement obligations not re-evaluated after a catalogue change");
    }
}

/// Sends a draft (or a rejected entry) to the program office.
pub async fn submit(app: &App, acting: &Acting, id: Uuid) -> AppResult<ToolOut> {
    let t = readable_tool(app, &acting.principal, id).await?;
    app.authorize(&acting.principal, Action::ToolUpdate, &tool_resource(&t)?)?;
    move_to(app, acting, &t, EntryState::Submitted, None, false).await
}

/// The program office approves or rejects a submitted entry.
pub async fn decide(
    app: &App,
    acting: &Acting,
    id: Uuid,
    input: &ToolDecisionIn,
) -> AppResult<ToolOut> {
    let t = readable_tool(app, &acting.principal, id).await?;
    app.authorize(&acting.principal, Action::ToolApprove, &tool_resource(&t)?)?;
    let why = reason("reason", input.reason.as_deref())?;
    let to = match input.decision.as_str() {
        "approve" => EntryState::Approved,
        "reject" if why.is_none() => {
            return Err(invalid(
                "reason",
                "a rejection says what the provider must change",
            ));
        }
        "reject" => EntryState::Rejected,
        other => {
            return Err(invalid(
                "decision",
                format!("{other:?} is neither \"approve\" nor \"reject\""),
            ));
        }
    };
    move_to(app, acting, &t, to, why, true).await
}

/// Takes an entry out of the catalogue: its provider's writers, or the
/// program office's (recorded as its decision).
pub async fn withdraw(
    app: &App,
    acting: &Acting,
    id: Uuid,
    input: &ToolWithdrawIn,
) -> AppResult<ToolOut> {
    let who = &acting.principal;
    let t = readable_tool(app, who, id).await?;
    let res = tool_resource(&t)?;
    let office = app.permits(who, Action::ToolApprove, &res);
    if !office {
        app.authorize(who, Action::ToolUpdate, &res)?;
    }
    let why = reason("reason", input.reason.as_deref())?;
    move_to(app, acting, &t, EntryState::Withdrawn, why, office).await
}

/// Reopens a withdrawn entry as its provider's draft.
pub async fn reopen(app: &App, acting: &Acting, id: Uuid) -> AppResult<ToolOut> {
    let t = readable_tool(app, &acting.principal, id).await?;
    app.authorize(&acting.principal, Action::ToolUpdate, &tool_resource(&t)?)?;
    move_to(app, acting, &t, EntryState::Draft, None, false).await
}

/// Lists a version (its provider's writers); the state does not change:
/// a version is a fact about the tool, not a new approval.
pub async fn add_version(
    app: &App,
    acting: &Acting,
    id: Uuid,
    input: &VersionIn,
) -> AppResult<ToolOut> {
    let t = readable_tool(app, &acting.principal, id).await?;
    app.authorize(&acting.principal, Action::ToolUpdate, &tool_resource(&t)?)?;
    bulwark_tools::catalogue::check_version(&input.version)
        .map_err(|e| invalid(&e.field, &e.message))?;
    if let Some(d) = &input.released_on {
        date("released_on", d)?;
    }
    let note = reason("note", input.note.as_deref())?;
    app.store
        .add_tool_version(
            &acting.actor,
            id,
            &ToolVersion {
                version: input.version.clone(),
                released_on: input.released_on.clone(),
                note,
                added_by: Some(acting.principal.user_id),
                added_at: app.now(),
            },
        )
        .await?;
    let versions = app.store.tool_versions(id).await?;
    out(app, t, versions).await
}

/// One entry with its versions.
pub async fn get(app: &App, who: &Principal, id: Uuid) -> AppResult<ToolOut> {
    let t = readable_tool(app, who, id).await?;
    let versions = app.store.tool_versions(id).await?;
    let mut o = out(app, t, versions).await?;
    let seen = app
        .store
        .tool_evidence(std::slice::from_ref(&o.reports_as))
        .await?;
    o.evidence = scorecards::combined(&o.reports_as, &seen)?;
    Ok(o)
}

fn matches(filter: &ToolFilter, t: &ToolOut) -> AppResult<bool> {
    if filter.state.as_deref().is_some_and(|s| s != t.state)
        || filter.kind.as_deref().is_some_and(|k| k != t.kind)
        || filter
            .deployment
            .as_deref()
            .is_some_and(|d| !t.deployment.iter().any(|x| x == d))
        || filter.provider.is_some_and(|p| p != t.provider)
        || filter.embargoed.is_some_and(|e| e && !t.limits.embargoed)
    {
        return Ok(false);
    }
    if let Some(r) = &filter.receives {
        let wanted = tlp("receives", r)?;
        let max = tlp("limits.max_tlp", &t.limits.max_tlp)?;
        if max < wanted {
            return Ok(false);
        }
    }
    if let Some(f) = &filter.fedramp {
        let status = t.fedramp.as_ref().map_or("none", |x| x.status.as_str());
        if status != f {
            return Ok(false);
        }
    }
    if let Some(q) = filter.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        let q = q.to_lowercase();
        let hay = format!("{} {} {}", t.name, t.reports_as, t.summary).to_lowercase();
        if !q.split_whitespace().all(|w| hay.contains(w)) {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Checks a filter's words before anything is read, so a misspelt one is a
/// 422 naming it rather than an empty list.
fn check_filter(f: &ToolFilter) -> AppResult<()> {
    if let Some(s) = &f.state {
        s.parse::<EntryState>().map_err(|e| invalid("state", e))?;
    }
    if let Some(k) = &f.kind {
        k.parse::<ToolKind>().map_err(|e| invalid("kind", e))?;
    }
    if let Some(d) = &f.deployment {
        d.parse::<Deployment>()
            .map_err(|e| invalid("deployment", e))?;
    }
    if let Some(r) = &f.receives {
        tlp("receives", r)?;
    }
    if let Some(s) = &f.fedramp
        && s != "none"
    {
        s.parse::<FedRampStatus>()
            .map_err(|e| invalid("fedramp", e))?;
    }
    Ok(())
}

/// The catalogue as `who` may see it: every entry it may read that passes
/// the filter, by name, with counts for the page's numbers.
pub async fn list(app: &App, who: &Principal, filter: &ToolFilter) -> AppResult<Catalogue> {
    check_filter(filter)?;
    let stored = app.store.tools(None).await?;
    let mut names: BTreeMap<Uuid, String> = BTreeMap::new();
    let mut by_state = BTreeMap::new();
    let mut approved_by_kind = BTreeMap::new();
    let mut items = Vec::new();
    for t in stored {
        if !app.permits(who, Action::ToolRead, &tool_resource(&t)?) {
            continue;
        }
        *by_state.entry(t.state.clone()).or_insert(0) += 1;
        if t.state == EntryState::Approved.as_str() {
            *approved_by_kind.entry(t.fields.kind.clone()).or_insert(0) += 1;
        }
        if let std::collections::btree_map::Entry::Vacant(slot) = names.entry(t.provider_org) {
            let name = app
                .store
                .organization(t.provider_org)
                .await
                .map(|o| o.name)
                .unwrap_or_default();
            slot.insert(name);
        }
        let provider_name = names.get(&t.provider_org).cloned().unwrap_or_default();
        let o = out_named(t, provider_name, Vec::new())?;
        if matches(filter, &o)? {
            items.push(o);
        }
    }
    let names: Vec<String> = items.iter().map(|t| t.reports_as.clone()).collect();
    let mut seen = scorecards::combined_by_name(app, &names).await?;
    for t in &mut items {
        t.evidence = seen.remove(&t.reports_as);
    }
    let key = |t: &ToolOut, f: fn(&ToolScorecardOut) -> f64| t.evidence.as_ref().map_or(-1.0, f);
    match filter.sort.as_deref() {
        Some("validated") => items.sort_by(|a, b| {
            key(b, |e| e.counts.validated as f64).total_cmp(&key(a, |e| e.counts.validated as f64))
        }),
        Some("validation") => items.sort_by(|a, b| {
            key(b, |e| e.validation.lower).total_cmp(&key(a, |e| e.validation.lower))
        }),
        _ => {}
    }
    Ok(Catalogue {
        total: items.len(),
        items,
        by_state,
        approved_by_kind,
    })
}

/// Whether a record may be sent to a tool: the policy's answer with the
/// tool as principal (`record.send`), whatever the caller asks for.
pub fn may_send(app: &App, tool: &StoredTool, record: &Resource) -> AppResult<bool> {
    let facts = tool_facts(tool)?;
    Ok(app
        .authz
        .decide_for_tool(&facts, Action::RecordSend, record, app.now())
        .allowed)
}

/// The policy's answer to "may this case go to this tool?", for the
/// provider's gateway and for analysts choosing a tool.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SendCheckOut {
    pub tool: Uuid,
    pub case: Uuid,
    pub allowed: bool,
    /// The case's marking and whether an embargo runs now.
    pub case_tlp: String,
    pub case_embargoed: bool,
    /// What the tool may receive.
    pub limits: LimitsOut,
    pub tool_state: String,
}

/// Whether a case the caller may read may go to a tool it may read; the
/// decision is the policy's `record.send` with the tool as principal.
pub async fn may_receive_case(
    app: &App,
    who: &Principal,
    tool: Uuid,
    case: Uuid,
) -> AppResult<SendCheckOut> {
    let t = readable_tool(app, who, tool).await?;
    let (c, record) = crate::resources::readable_case(app, who, case).await?;
    let (case_tlp, case_embargoed) = match &record {
        Resource::Record(r) => (
            r.tlp,
            r.embargo_until.is_some_and(|until| app.now() < until),
        ),
        _ => return Err(AppError::internal()),
    };
    Ok(SendCheckOut {
        tool: t.id,
        case: c.id,
        allowed: may_send(app, &t, &record)?,
        case_tlp: case_tlp.as_str().to_owned(),
        case_embargoed,
        limits: LimitsOut {
            max_tlp: t.fields.max_tlp.clone(),
            embargoed: t.fields.embargoed,
        },
        tool_state: t.state.clone(),
    })
}

/// Whether the organization can provide tools at all (for offering the
/// form): the policy's answer on its own organization.
pub fn may_provide(app: &App, who: &Principal) -> bool {
    app.permits(
        who,
        Action::ToolCreate,
        &Resource::Organization {
            id: who.org_id,
            kind: who.org_kind,
        },
    )
}

/// The kinds of organization that provide tools, for the pages' words.
pub const PROVIDER_KINDS: [OrgKind; 4] = [
    OrgKind::Developer,
    OrgKind::Vendor,
    OrgKind::Partner,
    OrgKind::Researcher,
];
