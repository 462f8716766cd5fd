//! The "Actions" beside a case's facts, and the forms they post: moving
//! the case through its workflow, its quorum, marking and embargo, merging
//! it into another case, splitting reports off, validation tasks, the
//! vendor's notification, participants, and a validation by an
//! organization that was asked for one.
//!
//! Each form posts to the use case its API route calls
//! ([`bulwark_app::cases`]: `transition`, `quorum`, `marking`, `merge`,
//! `split`, `assign`, `notify_vendor`, `add_participant`, `validate`), which
//! asks the policy and audits the change; a control is shown only where the
//! policy would take it (`case.manage` on the program; `validation.record`
//! on the case for the organizations asked). After a change the visitor is
//! sent back (303) to the page, which shows the new state.

use std::collections::BTreeMap;

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect};
use bulwark_app::cases::{
    self, CaseFile, CaseStateIn, MarkingIn, MergeIn, OrgIn, QuorumIn, SplitIn, TaskIn, ValidationIn,
};
use bulwark_app::identity;
use bulwark_authz::Action;
use bulwark_core::{CaseState, OrgKind, Tlp, ValidationKind, ValidationResult};
use bulwark_store::PageRequest;
use serde::Deserialize;
use uuid::Uuid;

use super::clearinghouse::page_error;
use super::session::{CsrfField, Posted, SignedIn};
use super::{PageError, PageResult, words};
use crate::state::AppState;

/// An organization offered in a form's select.
pub(super) struct OrgChoice {
    pub id: Uuid,
    pub label: String,
}

/// A report's fingerprint offered for a split, with what it is.
pub(super) struct FingerprintChoice {
    pub fingerprint: String,
    pub label: String,
}

/// The controls the case page shows, each only where the policy allows it.
#[derive(Default)]
pub(super) struct CaseActions {
    /// The clearinghouse's writers (`case.manage`): every control but the
    /// validation.
    pub may_manage: bool,
    /// The states the workflow allows next: (state, button label).
    pub transitions: Vec<(&'static str, String)>,
    /// Not a duplicate already: it may be merged into another case.
    pub may_merge: bool,
    /// Fingerprints that may go to a new case (when there are two or more).
    pub fingerprints: Vec<FingerprintChoice>,
    pub orgs: Vec<OrgChoice>,
    pub vendors: Vec<OrgChoice>,
    /// Markings a case may take, and whether each is the current one.
    pub tlps: Vec<(&'static str, bool)>,
    /// The embargo end as it was set, for the form (empty: none).
    pub embargo: String,
    pub reproductions: u32,
    pub vendor_confirms: bool,
    /// The validations the visitor's organization was asked for and may
    /// record: (kind, label).
    pub my_tasks: Vec<(&'static str, String)>,
    /// Results a validation may give: (result, label).
    pub results: Vec<(&'static str, String)>,
}

impl CaseActions {
    /// Whether the "Actions" section has anything to show.
    pub fn any(&self) -> bool {
        self.may_manage || !self.my_tasks.is_empty()
    }
}

/// Every organization of the directory the visitor may list, by name (the
/// selects of the task, vendor and participant forms).
async fn directory(state: &AppState, who: &SignedIn) -> PageResult<Vec<identity::OrganizationOut>> {
    let mut out = Vec::new();
    let mut after = None;
    loop {
        let page = identity::list_organizations(
            state,
            &who.principal,
            PageRequest {
                after,
                limit: PageRequest::MAX_LIMIT,
            },
        )
        .await
        .map_err(|e| PageError::refused(e, "organization"))?;
        out.extend(page.items);
        match page.next {
            Some(n) => after = Some(n),
            None => break,
        }
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

/// The controls for a case the visitor has read (`file`).
pub(super) async fn view(
    state: &AppState,
    who: &SignedIn,
    file: &CaseFile,
) -> PageResult<CaseActions> {
    let c = &file.case;
    let mut out = CaseActions::default();
    let (_, resource) = bulwark_app::resources::readable_case(state, &who.principal, c.id)
        .await
        .map_err(page_error)?;
    if state.permits(&who.principal, Action::ValidationRecord, &resource) {
        for t in file
            .tasks
            .iter()
            .filter(|t| t.org_id == who.principal.org_id)
        {
            let kind = t.kind.as_str();
            if !out.my_tasks.iter().any(|(k, _)| *k == kind) {
                out.my_tasks.push((kind, words(kind)));
            }
        }
        out.results = ValidationResult::ALL
            .iter()
            .map(|r| (r.as_str(), words(r.as_str())))
            .collect();
    }
    out.may_manage = cases::may_manage(state, &who.principal);
    if !out.may_manage {
        return Ok(out);
    }
    out.transitions = c
        .state
        .next()
        .iter()
        .map(|s| (s.as_str(), format!("Move to {}", words(s.as_str()))))
        .collect();
    out.may_merge = c.state != CaseState::Duplicate;
    let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
    for r in &file.reports {
        *seen.entry(r.fingerprint.as_str()).or_default() += 1;
    }
    if seen.len() > 1 {
        for (fp, n) in seen {
            let at = file
                .reports
                .iter()
                .find(|r| r.fingerprint == fp)
                .and_then(|r| r.location.clone())
                .unwrap_or_default();
            let short: String = fp.chars().take(20).collect();
            out.fingerprints.push(FingerprintChoice {
                fingerprint: fp.to_owned(),
                label: format!(
                    "{short}… {at} ({n} report{})",
                    if n == 1 { "" } else { "s" }
                ),
            });
        }
    }
    for o in directory(state, who).await? {
        let choice = OrgChoice {
            id: o.id,
            label: format!("{} ({})", o.name, o.kind.as_str()),
        };
        if o.kind == OrgKind::Vendor {
            out.vendors.push(OrgChoice {
                id: o.id,
                label: o.name.clone(),
            });
        }
        out.orgs.push(choice);
    }
    out.tlps = Tlp::ALL
        .iter()
        .filter(|t| **t != Tlp::Red)
        .map(|t| (t.as_str(), *t == c.tlp))
        .collect();
    out.embargo = c.embargo.as_ref().map(|e| e.as_set()).unwrap_or_default();
    out.reproductions = c.quorum.reproductions;
    out.vendor_confirms = c.quorum.vendor_confirms;
    Ok(out)
}

// ---------------------------------------------------------------------------
// The forms
// ---------------------------------------------------------------------------

/// A case's forms: each field has a default, so a missing CSRF token is a
/// 403 and a missing field the use case's 422 page naming it.
#[derive(Debug, Default, Deserialize)]
pub struct CaseForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    into: String,
    #[serde(default)]
    org: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    result: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    evidence: String,
    #[serde(default)]
    tlp: String,
    #[serde(default)]
    embargo_until: String,
    #[serde(default)]
    reproductions: String,
    #[serde(default)]
    vendor_confirms: String,
}

impl CsrfField for CaseForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// The split form: the CSRF token and the checked fingerprints, each in a
/// field of its own (`fingerprint.N`), as forms send check boxes.
#[derive(Debug, Default, Deserialize)]
pub struct SplitForm {
    #[serde(default)]
    csrf: String,
    #[serde(flatten)]
    fields: BTreeMap<String, String>,
}

impl CsrfField for SplitForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

fn case_id(id: &str) -> PageResult<Uuid> {
    Uuid::parse_str(id).map_err(|_| PageError::not_found("case"))
}

fn org_id(value: &str) -> PageResult<Uuid> {
    Uuid::parse_str(value.trim()).map_err(|_| PageError::bad_field("org", "choose an organization"))
}

fn back(id: Uuid, anchor: &str) -> PageResult {
    Ok(Redirect::to(&format!("/clearinghouse/cases/{id}#{anchor}")).into_response())
}

/// `POST /clearinghouse/cases/{id}/transition`: as `POST
/// /api/v1/cases/{id}/transition`.
pub async fn transition(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Posted { who, form }: Posted<CaseForm>,
) -> PageResult {
    let fail = |e: PageError| e.for_user(&who, &state);
    let id = case_id(&id).map_err(fail)?;
    if form.to.trim().is_empty() {
        return Err(fail(PageError::bad_field(
            "to",
            "choose the state to move to",
        )));
    }
    cases::transition(&state, &who, id, CaseStateIn { to: form.to })
        .await
        .map_err(|e| fail(page_error(e)))?;
    back(id, "actions")
}

/// `POST /clearinghouse/cases/{id}/quorum`: as `PUT
/// /api/v1/cases/{id}/quorum`.
pub async fn quorum(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Posted { who, form }: Posted<CaseForm>,
) -> PageResult {
    let fail = |e: PageError| e.for_user(&who, &state);
    let id = case_id(&id).map_err(fail)?;
    let reproductions = form.reproductions.trim().parse::<u32>().map_err(|_| {
        fail(PageError::bad_field(
            "reproductions",
            "a whole number from 0 to 10",
        ))
    })?;
    let body = QuorumIn {
        reproductions,
        vendor_confirms: !form.vendor_confirms.is_empty(),
    };
    cases::quorum(&state, &who, id, body)
        .await
        .map_err(|e| fail(page_error(e)))?;
    back(id, "actions")
}

/// `POST /clearinghouse/cases/{id}/marking`: as `PUT
/// /api/v1/cases/{id}/marking`; an empty embargo lifts it.
pub async fn marking(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Posted { who, form }: Posted<CaseForm>,
) -> PageResult {
    let fail = |e: PageError| e.for_user(&who, &state);
    let id = case_id(&id).map_err(fail)?;
    let embargo = form.embargo_until.trim();
    let body = MarkingIn {
        tlp: form.tlp,
        embargo_until: (!embargo.is_empty()).then(|| embargo.to_owned()),
    };
    cases::marking(&state, &who, id, body)
        .await
        .map_err(|e| fail(page_error(e)))?;
    back(id, "actions")
}

/// `POST /clearinghouse/cases/{id}/merge`: folds this case into the case
/// named by `into` (as `POST /api/v1/cases/{into}/merge` with this one as
/// `from`); this case becomes its duplicate.
pub async fn merge(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Posted { who, form }: Posted<CaseForm>,
) -> PageResult {
    let fail = |e: PageError| e.for_user(&who, &state);
    let id = case_id(&id).map_err(fail)?;
    let into = Uuid::parse_str(form.into.trim())
        .map_err(|_| fail(PageError::bad_field("into", "give the other case's id")))?;
    if into == id {
        return Err(fail(PageError::bad_field(
            "into",
            "a case cannot be merged into itself",
        )));
    }
    cases::merge(&state, &who, into, MergeIn { from: id })
        .await
        .map_err(|e| fail(page_error(e)))?;
    back(id, "actions")
}

/// `POST /clearinghouse/cases/{id}/split`: the checked fingerprints, with
/// their reports, to a new case (as `POST /api/v1/cases/{id}/split`); on
/// to the new case's page.
pub async fn split(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Posted { who, form }: Posted<SplitForm>,
) -> PageResult {
    let fail = |e: PageError| e.for_user(&who, &state);
    let id = case_id(&id).map_err(fail)?;
    let fingerprints: Vec<String> = form
        .fields
        .into_iter()
        .filter(|(k, _)| k.starts_with("fingerprint."))
        .map(|(_, v)| v)
        .collect();
    if fingerprints.is_empty() {
        return Err(fail(PageError::bad_field(
            "fingerprints",
            "check the reports to move to a new case",
        )));
    }
    let new = cases::split(&state, &who, id, SplitIn { fingerprints })
        .await
        .map_err(|e| fail(page_error(e)))?;
    Ok(Redirect::to(&format!("/clearinghouse/cases/{}", new.id)).into_response())
}

/// `POST /clearinghouse/cases/{id}/tasks`: as `POST
/// /api/v1/cases/{id}/tasks`.
pub async fn assign(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Posted { who, form }: Posted<CaseForm>,
) -> PageResult {
    let fail = |e: PageError| e.for_user(&who, &state);
    let id = case_id(&id).map_err(fail)?;
    let org = org_id(&form.org).map_err(fail)?;
    cases::assign(
        &state,
        &who,
        id,
        TaskIn {
            kind: form.kind,
            org,
        },
    )
    .await
    .map_err(|e| fail(page_error(e)))?;
    back(id, "tasks")
}

/// `POST /clearinghouse/cases/{id}/vendor`: as `POST
/// /api/v1/cases/{id}/vendor`.
pub async fn notify_vendor(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Posted { who, form }: Posted<CaseForm>,
) -> PageResult {
    let fail = |e: PageError| e.for_user(&who, &state);
    let id = case_id(&id).map_err(fail)?;
    let org = org_id(&form.org).map_err(fail)?;
    cases::notify_vendor(&state, &who, id, OrgIn { org })
        .await
        .map_err(|e| fail(page_error(e)))?;
    back(id, "actions")
}

/// `POST /clearinghouse/cases/{id}/participants`: as `POST
/// /api/v1/cases/{id}/participants`.
pub async fn add_participant(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Posted { who, form }: Posted<CaseForm>,
) -> PageResult {
    let fail = |e: PageError| e.for_user(&who, &state);
    let id = case_id(&id).map_err(fail)?;
    let org = org_id(&form.org).map_err(fail)?;
    cases::add_participant(&state, &who, id, OrgIn { org })
        .await
        .map_err(|e| fail(page_error(e)))?;
    back(id, "actions")
}

/// `POST /clearinghouse/cases/{id}/validations`: the visitor's
/// organization's validation, as `POST /api/v1/cases/{id}/validations`.
pub async fn validate(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Posted { who, form }: Posted<CaseForm>,
) -> PageResult {
    let fail = |e: PageError| e.for_user(&who, &state);
    let id = case_id(&id).map_err(fail)?;
    if form.kind.parse::<ValidationKind>().is_err() {
        return Err(fail(PageError::bad_field(
            "kind",
            "choose one of your validation tasks",
        )));
    }
    let text = |s: String| Some(s).filter(|s| !s.trim().is_empty());
    let body = ValidationIn {
        kind: form.kind,
        result: form.result,
        note: text(form.note),
        evidence: text(form.evidence),
        evidence_media_type: None,
    };
    cases::validate(&state, &who, id, body)
        .await
        .map_err(|e| fail(page_error(e)))?;
    back(id, "validations")
}
