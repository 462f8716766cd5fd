//! Deconflicted scanning: claims on scan targets under a lease, and the
//! coverage of a target.
//!
//! A claim on a target somebody else holds is refused with a conflict whose
//! `holder` extension names the holder (organization, technique, expiry),
//! unless the claimant asks for `overlap`: then both claims stand and the
//! answer lists the others as `alongside`. Who may claim, renew, release
//! and see outcomes is the policy's (`claim.*`, `coverage.read`).

use bulwark_authz::{Action, Resource};
use bulwark_core::{ClaimOutcome, Principal, Target, TargetKind};
use bulwark_store::{ClaimAttempt, DEFAULT_CLAIM_LEASE, NewClaim, ScanClaim};
use serde::{Deserialize, Serialize};
use time::Duration;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::resources::{claim_resource, own_org_resource};
use crate::{Acting, App, AppError, AppResult, ErrorKind, not_found_as, parse_word, ts};

/// A target given as `kind` and `target`, or as `target` alone with the
/// kind read from its prefix (`pkg:`, `cpe:`, else a repository).
pub fn target(kind: Option<&str>, locator: &str) -> AppResult<Target> {
    let parsed = match kind {
        Some(k) => Target::parse(parse_word::<TargetKind>(k)?, locator),
        None => locator.parse(),
    };
    parsed.map_err(|e| AppError::validation(e.to_string()))
}

fn lease(days: Option<u32>) -> Duration {
    days.map_or(DEFAULT_CLAIM_LEASE, |d| Duration::days(i64::from(d)))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ClaimOut {
    pub id: Uuid,
    /// `purl`, `repo` or `cpe`.
    pub target_kind: String,
    /// The canonical name of the target.
    pub target: String,
    pub org: Uuid,
    pub org_name: String,
    pub technique: String,
    pub tool: Option<String>,
    /// The tool's version, as its reports give it: the claim counts in that
    /// version's evidence.
    pub tool_version: Option<String>,
    pub model_name: Option<String>,
    pub model_version: Option<String>,
    /// Holds the target; false for a claim made beside the holder on purpose.
    pub exclusive: bool,
    pub active: bool,
    pub created_at: String,
    pub expires_at: String,
    pub released_at: Option<String>,
    /// `findings`, `nothing_found` or `abandoned`; shown to the claimant
    /// organization and the operator only.
    pub outcome: Option<String>,
    pub findings: Option<i64>,
    pub note: Option<String>,
}

/// `c` as `who` may see it: its outcome, findings and note cleared unless
/// the policy's `claim.read_outcome` shows them (what came of a scan is the
/// claimant's to share).
pub fn seen(app: &App, who: &Principal, mut c: ScanClaim) -> ScanClaim {
    if !app.permits(who, Action::ClaimReadOutcome, &claim_resource(&c)) {
        c.outcome = None;
        c.findings = None;
        c.note = None;
    }
    c
}

async fn claim_out(app: &App, who: &Principal, c: ScanClaim) -> AppResult<ClaimOut> {
    seen_out(app, seen(app, who, c)).await
}

/// A claim already [`seen`] by the caller, as the API answers it.
async fn seen_out(app: &App, c: ScanClaim) -> AppResult<ClaimOut> {
    let org_name = app.store.organization(c.org_id).await?.name;
    let active = c.is_active(app.now());
    Ok(ClaimOut {
        id: c.id,
        target_kind: c.target.kind().as_str().to_owned(),
        target: c.target.locator().to_owned(),
        org: c.org_id,
        org_name,
        technique: c.technique.as_str().to_owned(),
        tool: c.tool,
        tool_version: c.tool_version,
        model_name: c.model_name,
        model_version: c.model_version,
        exclusive: c.exclusive,
        active,
        created_at: ts(c.created_at),
        expires_at: ts(c.expires_at),
        released_at: c.released_at.map(ts),
        outcome: c.outcome.map(|o| o.as_str().to_owned()),
        findings: c.findings,
        note: c.note,
    })
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClaimIn {
    /// `purl`, `repo` or `cpe`; read from the target's prefix when absent.
    pub target_kind: Option<String>,
    /// A package URL (`pkg:npm/lodash@4.17.21`), a repository at a commit
    /// (`https://host/repo@1a2b3c4`) or a CPE 2.3 name.
    pub target: String,
    /// `fuzzing`, `static_analysis`, `ai_agent` or `manual_review`.
    pub technique: String,
    /// The tool, as its reports name it (a catalogue entry's `reports_as`).
    pub tool: Option<String>,
    /// The tool's version, as its reports give it, so that the claim counts
    /// in the same version's evidence (needs `tool`).
    #[serde(default)]
    pub tool_version: Option<String>,
    /// Required for `ai_agent`: the model that drives the agent.
    pub model_name: Option<String>,
    pub model_version: Option<String>,
    /// The lease, in days (default 7, at most 30); renew to keep it.
    pub lease_days: Option<u32>,
    /// Stand beside an active holder on purpose (e.g. another technique)
    /// instead of being refused.
    #[serde(default)]
    pub overlap: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ClaimedOut {
    pub claim: ClaimOut,
    /// The other active claims on the target.
    pub alongside: Vec<ClaimOut>,
}

/// Claims a scan target for `who`'s organization, under a lease. A target
/// another claim holds is a conflict naming the holder (in words and in
/// the `holder` extension, as a [`ClaimOut`]), unless `overlap` was asked.
pub async fn create(app: &App, who: &Acting, body: ClaimIn) -> AppResult<ClaimedOut> {
    let p = &who.principal;
    app.authorize(p, Action::ClaimCreate, &own_org_resource(p))?;
    let new = NewClaim {
        org_id: p.org_id,
        target: target(body.target_kind.as_deref(), &body.target)?,
        technique: parse_word(&body.technique)?,
        tool: body.tool,
        tool_version: body.tool_version,
        model_name: body.model_name,
        model_version: body.model_version,
        lease: lease(body.lease_days),
        overlap: body.overlap,
    };
    match app.store.claim_target(&who.actor, &new, app.now()).await? {
        ClaimAttempt::Claimed { claim, alongside } => {
            let claim = claim_out(app, p, claim).await?;
            let mut others = Vec::new();
            for c in alongside {
                others.push(claim_out(app, p, c).await?);
            }
            Ok(ClaimedOut {
                claim,
                alongside: others,
            })
        }
        ClaimAttempt::Refused { holder } => {
            let holder = claim_out(app, p, holder).await?;
            Err(AppError::new(
                ErrorKind::Conflict,
                format!(
                    "{} is claimed by {} ({}) until {}; ask for overlap to scan it beside them",
                    holder.target, holder.org_name, holder.technique, holder.expires_at
                ),
            )
            .with_extension(
                "holder",
                serde_json::to_value(&holder).map_err(|_| AppError::internal())?,
            ))
        }
    }
}

/// One claim, for those who may read coverage.
pub async fn get(app: &App, who: &Principal, id: Uuid) -> AppResult<ClaimOut> {
    app.authorize(who, Action::CoverageRead, &Resource::Program)?;
    let c = app
        .store
        .scan_claim(id)
        .await
        .map_err(not_found_as("claim"))?;
    claim_out(app, who, c).await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RenewIn {
    /// Days from now (default 7, at most 30).
    pub lease_days: Option<u32>,
}

/// Renews an active claim's lease.
pub async fn renew(app: &App, who: &Acting, id: Uuid, body: RenewIn) -> AppResult<ClaimOut> {
    let c = updatable(app, &who.principal, id).await?;
    let c = app
        .store
        .renew_claim(&who.actor, c.id, lease(body.lease_days), app.now())
        .await?;
    claim_out(app, &who.principal, c).await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReleaseIn {
    /// `findings`, `nothing_found` or `abandoned`.
    pub outcome: String,
    /// How many findings, for `findings`.
    pub findings: Option<i64>,
    /// What was done (harnesses, hours, configuration).
    pub note: Option<String>,
}

/// Releases a claim with what came of it; the target is free at once.
pub async fn release(app: &App, who: &Acting, id: Uuid, body: ReleaseIn) -> AppResult<ClaimOut> {
    let c = updatable(app, &who.principal, id).await?;
    let outcome: ClaimOutcome = parse_word(&body.outcome)?;
    let c = app
        .store
        .release_claim(
            &who.actor,
            c.id,
            outcome,
            body.findings,
            body.note.as_deref(),
            app.now(),
        )
        .await?;
    // A scan by an approved tool may meet a directive's requirement on the
    // systems holding the target. The release stands either way.
    if let Err(e) = crate::directives::requirements::on_claim_released(app, &who.actor, &c).await {
        tracing::error!(claim = %c.id, error = %e, "requirement obligations not re-evaluated after a release");
    }
    claim_out(app, &who.principal, c).await
}

/// A claim the principal may renew or release.
async fn updatable(app: &App, who: &Principal, id: Uuid) -> AppResult<ScanClaim> {
    app.authorize(who, Action::CoverageRead, &Resource::Program)?;
    let c = app
        .store
        .scan_claim(id)
        .await
        .map_err(not_found_as("claim"))?;
    app.authorize(who, Action::ClaimUpdate, &claim_resource(&c))?;
    Ok(c)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CoverageOut {
    pub target_kind: String,
    pub target: String,
    /// Whether an active claim holds the target now.
    pub held: bool,
    /// Every claim ever made on it, newest first: who scanned it, when, with
    /// what, and (for your own claims) what came of it.
    pub claims: Vec<ClaimOut>,
}

/// Whether `who` may read coverage (claims and who scanned what).
pub fn may_read_coverage(app: &App, who: &Principal) -> bool {
    app.permits(who, Action::CoverageRead, &Resource::Program)
}

/// A target's coverage as `who` may see it: every claim ever made on it,
/// newest first, each [`seen`] by `who`, and whether an active claim holds
/// it now.
pub async fn coverage_of(app: &App, who: &Principal, t: &Target) -> AppResult<Coverage> {
    app.authorize(who, Action::CoverageRead, &Resource::Program)?;
    claims_on(app, who, t).await
}

/// [`coverage_of`] once the policy has been asked.
async fn claims_on(app: &App, who: &Principal, t: &Target) -> AppResult<Coverage> {
    let now = app.now();
    let mut claims = Vec::new();
    let mut held = false;
    for c in app.store.coverage(t).await? {
        held |= c.exclusive && c.is_active(now);
        claims.push(seen(app, who, c));
    }
    Ok(Coverage { held, claims })
}

/// The claims on one target (see [`coverage_of`]).
pub struct Coverage {
    /// An active claim holds the target now.
    pub held: bool,
    /// Newest first.
    pub claims: Vec<ScanClaim>,
}

/// Who scanned a target, when, with what: the target given as for a
/// claim (`kind` read from the prefix when absent).
pub async fn coverage(
    app: &App,
    who: &Principal,
    kind: Option<&str>,
    locator: &str,
) -> AppResult<CoverageOut> {
    app.authorize(who, Action::CoverageRead, &Resource::Program)?;
    let t = target(kind, locator)?;
    let found = claims_on(app, who, &t).await?;
    let mut claims = Vec::with_capacity(found.claims.len());
    for c in found.claims {
        claims.push(seen_out(app, c).await?);
    }
    Ok(CoverageOut {
        target_kind: t.kind().as_str().to_owned(),
        target: t.locator().to_owned(),
        held: found.held,
        claims,
    })
}

/// The latest `limit` claims of `who`'s own organization, each [`seen`] by
/// `who`, for those who may read coverage.
pub async fn own_org_claims(app: &App, who: &Principal, limit: u32) -> AppResult<Vec<ScanClaim>> {
    app.authorize(who, Action::CoverageRead, &Resource::Program)?;
    Ok(app
        .store
        .org_claims(who.org_id, limit)
        .await?
        .into_iter()
        .map(|c| seen(app, who, c))
        .collect())
}

/// The claims active now, the soonest to end first (at most `limit`), each
/// [`seen`] by `who`, for those who may read coverage.
pub async fn active(app: &App, who: &Principal, limit: u32) -> AppResult<Vec<ScanClaim>> {
    app.authorize(who, Action::CoverageRead, &Resource::Program)?;
    Ok(app
        .store
        .active_claims(app.now(), limit)
        .await?
        .into_iter()
        .map(|c| seen(app, who, c))
        .collect())
}

/// Whether `who` may claim targets for its organization (`claim.create`),
/// for showing the form that does.
pub fn may_claim(app: &App, who: &Principal) -> bool {
    app.permits(who, Action::ClaimCreate, &own_org_resource(who))
}

/// Whether `who` may renew or release `c` (`claim.update`), for showing
/// the forms that do.
pub fn may_update(app: &App, who: &Principal, c: &ScanClaim) -> bool {
    app.permits(who, Action::ClaimUpdate, &claim_resource(c))
}
