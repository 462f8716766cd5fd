//! The coverage page's active claims (filterable by organization,
//! technique and target) and the claim forms: a new claim, and renewing or
//! releasing a claim with what came of it.
//!
//! Each form posts to the use case its API route calls
//! ([`bulwark_app::claims`]: `create`, `renew`, `release`), which asks the
//! policy and audits the change; a form is shown only where the policy
//! would take it (`claim.create` on the visitor's organization,
//! `claim.update` on the claim).

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect};
use bulwark_app::claims::{self, ClaimIn, ReleaseIn, RenewIn};
use bulwark_core::{ClaimOutcome, Technique};
use serde::Deserialize;
use uuid::Uuid;

use super::clearinghouse::page_error;
use super::session::{CsrfField, Posted, SignedIn};
use super::{OrgNames, PageError, PageResult, Stamp, words};
use crate::state::AppState;

/// Active claims read for the page (the store's limit).
const ACTIVE_ROWS: u32 = 500;

/// One active claim and what the visitor may do with it.
pub(super) struct ActiveRow {
    pub id: Uuid,
    pub target: String,
    pub org: String,
    pub technique: String,
    pub tool: String,
    pub model: String,
    pub until: Stamp,
    pub exclusive: bool,
    pub may_update: bool,
}

/// The active claims the filters keep, and the forms' choices.
#[derive(Default)]
pub(super) struct ActiveView {
    pub rows: Vec<ActiveRow>,
    /// Active claims before filtering.
    pub total: usize,
    /// Organizations holding an active claim: (id, name, selected).
    pub orgs: Vec<(Uuid, String, bool)>,
    /// (technique, label, selected in the filter).
    pub techniques: Vec<(&'static str, String, bool)>,
    pub outcomes: Vec<(&'static str, String)>,
    /// The target filter, as entered.
    pub q: String,
    pub filtered: bool,
    pub may_claim: bool,
}

/// The filters of the active claims' list (query parameters).
#[derive(Debug, Default)]
pub(super) struct Filters {
    pub org: Option<String>,
    pub technique: Option<String>,
    pub q: Option<String>,
}

/// The active claims the visitor may read, filtered.
pub(super) async fn active_view(
    state: &AppState,
    who: &SignedIn,
    f: Filters,
) -> PageResult<ActiveView> {
    let all = claims::active(state, &who.principal, ACTIVE_ROWS)
        .await
        .map_err(page_error)?;
    let org = f
        .org
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .and_then(|s| Uuid::parse_str(s).ok());
    let technique = f
        .technique
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned);
    let q = f.q.unwrap_or_default().trim().to_owned();
    let mut out = ActiveView {
        total: all.len(),
        filtered: org.is_some() || technique.is_some() || !q.is_empty(),
        may_claim: claims::may_claim(state, &who.principal),
        techniques: Technique::ALL
            .iter()
            .map(|t| {
                let selected = technique.as_deref() == Some(t.as_str());
                (t.as_str(), words(t.as_str()), selected)
            })
            .collect(),
        outcomes: ClaimOutcome::ALL
            .iter()
            .map(|o| (o.as_str(), words(o.as_str())))
            .collect(),
        ..ActiveView::default()
    };
    let mut names = OrgNames::default();
    let needle = q.to_lowercase();
    for c in all {
        let name = names.name(state, c.org_id).await?;
        if !out.orgs.iter().any(|(id, _, _)| *id == c.org_id) {
            out.orgs
                .push((c.org_id, name.clone(), org == Some(c.org_id)));
        }
        let keep = org.is_none_or(|o| o == c.org_id)
            && technique
                .as_deref()
                .is_none_or(|t| t == c.technique.as_str())
            && (needle.is_empty() || c.target.locator().to_lowercase().contains(&needle));
        if !keep {
            continue;
        }
        out.rows.push(ActiveRow {
            id: c.id,
            may_update: claims::may_update(state, &who.principal, &c),
            target: c.target.locator().to_owned(),
            org: name,
            technique: words(c.technique.as_str()),
            tool: match (&c.tool, &c.tool_version) {
                (Some(n), Some(v)) => format!("{n} {v}"),
                (Some(n), None) => n.clone(),
                _ => String::new(),
            },
            model: match (&c.model_name, &c.model_version) {
                (Some(n), Some(v)) => format!("{n} {v}"),
                (Some(n), None) => n.clone(),
                _ => String::new(),
            },
            until: Stamp::new(c.expires_at),
            exclusive: c.exclusive,
        });
    }
    out.orgs.sort_by(|a, b| a.1.cmp(&b.1));
    out.q = q;
    Ok(out)
}

// ---------------------------------------------------------------------------
// The forms
// ---------------------------------------------------------------------------

/// The claim forms: every field has a default, so a missing CSRF token is
/// a 403 and a missing field a 422 page naming it.
#[derive(Debug, Default, Deserialize)]
pub struct ClaimForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    target: String,
    #[serde(default)]
    technique: String,
    #[serde(default)]
    tool: String,
    #[serde(default)]
    tool_version: String,
    #[serde(default)]
    model_name: String,
    #[serde(default)]
    model_version: String,
    #[serde(default)]
    lease_days: String,
    #[serde(default)]
    overlap: String,
    #[serde(default)]
    outcome: String,
    #[serde(default)]
    findings: String,
    #[serde(default)]
    note: String,
}

impl CsrfField for ClaimForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

fn text(s: String) -> Option<String> {
    Some(s.trim().to_owned()).filter(|s| !s.is_empty())
}

fn lease_days(value: &str) -> PageResult<Option<u32>> {
    match value.trim() {
        "" => Ok(None),
        v => v
            .parse::<u32>()
            .map(Some)
            .map_err(|_| PageError::bad_field("lease_days", "a whole number of days from 1 to 30")),
    }
}

fn claim_id(id: &str) -> PageResult<Uuid> {
    Uuid::parse_str(id).map_err(|_| PageError::not_found("claim"))
}

/// A use case's refusal on these pages: the claim is what is not found.
fn refused(e: bulwark_app::AppError) -> PageError {
    PageError::refused(e, "claim")
}

/// `POST /clearinghouse/coverage/claims`: as `POST /api/v1/claims`; a
/// target somebody holds is the 409 page naming the holder.
pub async fn create(
    State(state): State<AppState>,
    Posted { who, form }: Posted<ClaimForm>,
) -> PageResult {
    let fail = |e: PageError| e.for_user(&who, &state);
    let target = form.target.trim().to_owned();
    if target.is_empty() {
        return Err(fail(PageError::bad_field(
            "target",
            "name the target to claim",
        )));
    }
    let body = ClaimIn {
        target_kind: None,
        target,
        technique: form.technique,
        tool: text(form.tool),
        tool_version: text(form.tool_version),
        model_name: text(form.model_name),
        model_version: text(form.model_version),
        lease_days: lease_days(&form.lease_days).map_err(fail)?,
        overlap: !form.overlap.is_empty(),
    };
    claims::create(&state, &who, body)
        .await
        .map_err(|e| fail(refused(e)))?;
    Ok(Redirect::to("/clearinghouse/coverage#active").into_response())
}

/// `POST /clearinghouse/coverage/claims/{id}/renew`: as `POST
/// /api/v1/claims/{id}/renew`.
pub async fn renew(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Posted { who, form }: Posted<ClaimForm>,
) -> PageResult {
    let fail = |e: PageError| e.for_user(&who, &state);
    let id = claim_id(&id).map_err(fail)?;
    let body = RenewIn {
        lease_days: lease_days(&form.lease_days).map_err(fail)?,
    };
    claims::renew(&state, &who, id, body)
        .await
        .map_err(|e| fail(refused(e)))?;
    Ok(Redirect::to("/clearinghouse/coverage#active").into_response())
}

/// `POST /clearinghouse/coverage/claims/{id}/release`: as `POST
/// /api/v1/claims/{id}/release`.
pub async fn release(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Posted { who, form }: Posted<ClaimForm>,
) -> PageResult {
    let fail = |e: PageError| e.for_user(&who, &state);
    let id = claim_id(&id).map_err(fail)?;
    let findings = match form.findings.trim() {
        "" => None,
        v => Some(v.parse::<i64>().ok().filter(|n| *n >= 0).ok_or_else(|| {
            fail(PageError::bad_field(
                "findings",
                "a whole number, 0 or more",
            ))
        })?),
    };
    let body = ReleaseIn {
        outcome: form.outcome,
        findings,
        note: text(form.note),
    };
    claims::release(&state, &who, id, body)
        .await
        .map_err(|e| fail(refused(e)))?;
    Ok(Redirect::to("/clearinghouse/coverage#active").into_response())
}
