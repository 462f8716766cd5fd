//! The "Actions" beside a submission's facts, and the forms they post:
//! the workflow's moves (submit, triage → in review → findings issued),
//! the triage (lead and supporting agencies), the conclusion, a new plan
//! of dates, a dossier document, and the developer's withdrawal.
//!
//! Each form posts to the use case its API route calls
//! ([`bulwark_app::reviews`]: `transition`, `triage`, `conclude`,
//! `reschedule`, `upload`, `withdraw`), which asks the policy and audits the change;
//! a control is shown only where the policy would take it on this
//! submission, and only for a move its state allows.

use std::collections::BTreeMap;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use bulwark_app::identity;
use bulwark_app::resources::submission_resource;
use bulwark_app::reviews::{self, ConcludeIn, RescheduleIn, TransitionIn, TriageIn, WithdrawIn};
use bulwark_authz::Action;
use bulwark_core::review::MAX_DOCUMENT_BYTES;
use bulwark_core::{Conclusion, DocumentKind, OrgKind, SubmissionState};
use bulwark_store::{PageRequest, Submission};
use serde::Deserialize;
use time::OffsetDateTime;
use uuid::Uuid;

use super::case_actions::OrgChoice;
use super::session::{CsrfField, Posted, SignedIn};
use super::{PageError, PageResult, words};
use crate::state::AppState;

/// The controls the submission page shows, each only where the policy
/// allows it.
#[derive(Default)]
pub(super) struct ReviewActions {
    /// Moves by button: (state, label).
    pub transitions: Vec<(&'static str, String)>,
    pub may_triage: bool,
    /// The reviewing agencies, and whether each is the lead / supporting now.
    pub agencies: Vec<(OrgChoice, bool, bool)>,
    pub may_conclude: bool,
    pub conclusions: Vec<(&'static str, String)>,
    pub may_reschedule: bool,
    /// The planned dates as the form presets them (YYYY-MM-DD).
    pub partner_date: String,
    pub public_date: String,
    pub may_withdraw: bool,
    /// The developer's writers add dossier documents (`dossier.upload`).
    pub may_upload: bool,
    pub document_kinds: Vec<(&'static str, String)>,
}

impl ReviewActions {
    /// Whether the "Actions" section has anything to show.
    pub fn any(&self) -> bool {
        !self.transitions.is_empty()
            || self.may_triage
            || self.may_conclude
            || self.may_reschedule
            || self.may_withdraw
            || self.may_upload
    }
}

fn day(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!("{:04}-{:02}-{:02}", t.year(), u8::from(t.month()), t.day())
}

/// The controls for a submission the visitor has read.
pub(super) async fn view(
    state: &AppState,
    who: &SignedIn,
    s: &Submission,
) -> PageResult<ReviewActions> {
    let resource = submission_resource(s);
    let may = |a: Action| state.permits(&who.principal, a, &resource);
    let next = s.state.next();
    let mut out = ReviewActions::default();
    for to in next {
        let (action, label) = match to {
            // Their own forms: a reason, a conclusion.
            SubmissionState::Withdrawn | SubmissionState::Concluded => continue,
            SubmissionState::Submitted => {
                (Action::SubmissionSubmit, "Submit for review".to_owned())
            }
            other => (
                Action::SubmissionTransition,
                format!("Move to {}", words(other.as_str())),
            ),
        };
        if may(action) {
            out.transitions.push((to.as_str(), label));
        }
    }
    out.may_conclude =
        next.contains(&SubmissionState::Concluded) && may(Action::SubmissionConclude);
    out.conclusions = Conclusion::ALL
        .iter()
        .map(|c| (c.as_str(), words(c.as_str())))
        .collect();
    out.may_withdraw =
        next.contains(&SubmissionState::Withdrawn) && may(Action::SubmissionWithdraw);
    out.may_reschedule = !s.state.is_final() && may(Action::SubmissionReschedule);
    out.may_upload = !s.state.is_final() && may(Action::DossierUpload);
    out.document_kinds = DocumentKind::ALL
        .iter()
        .map(|k| (k.as_str(), words(k.as_str())))
        .collect();
    out.partner_date = day(s.planned_partner_release);
    out.public_date = s.planned_public_release.map(day).unwrap_or_default();
    // The store assigns a submitted one (moving it to triage) or one in triage.
    out.may_triage = matches!(
        s.state,
        SubmissionState::Submitted | SubmissionState::Triage
    ) && may(Action::SubmissionTriage);
    if out.may_triage {
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
            for o in page.items {
                if o.kind == OrgKind::Agency && o.reviewing {
                    let lead = s.lead_agency == Some(o.id);
                    let supporting = s.supporting_agencies.contains(&o.id);
                    out.agencies.push((
                        OrgChoice {
                            id: o.id,
                            label: o.name,
                        },
                        lead,
                        supporting,
                    ));
                }
            }
            match page.next {
                Some(n) => after = Some(n),
                None => break,
            }
        }
        out.agencies.sort_by(|a, b| a.0.label.cmp(&b.0.label));
    }
    Ok(out)
}

// ---------------------------------------------------------------------------
// The forms
// ---------------------------------------------------------------------------

/// A submission's forms: every field has a default, so a missing CSRF
/// token is a 403 and a missing field a 422 page naming it. Check boxes
/// (`supporting.N`) arrive among `rest`.
#[derive(Debug, Default, Deserialize)]
pub struct ReviewForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    lead_agency: String,
    #[serde(default)]
    conclusion: String,
    #[serde(default)]
    summary: String,
    #[serde(default)]
    planned_partner_release: String,
    #[serde(default)]
    planned_public_release: String,
    #[serde(default)]
    model: String,
    #[serde(flatten)]
    rest: BTreeMap<String, String>,
}

impl CsrfField for ReviewForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

fn submission_id(id: &str) -> PageResult<Uuid> {
    Uuid::parse_str(id).map_err(|_| PageError::not_found("submission"))
}

fn back(id: Uuid) -> PageResult {
    Ok(Redirect::to(&format!("/reviews/{id}#actions")).into_response())
}

/// `POST /reviews/{id}/transition`: as `POST
/// /api/v1/submissions/{id}/transition`.
pub async fn transition(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Posted { who, form }: Posted<ReviewForm>,
) -> PageResult {
    let fail = |e: PageError| e.for_user(&who, &state);
    let id = submission_id(&id).map_err(fail)?;
    if form.to.trim().is_empty() {
        return Err(fail(PageError::bad_field(
            "to",
            "choose the state to move to",
        )));
    }
    reviews::transition(
        &state,
        &who,
        id,
        TransitionIn {
            to: form.to,
            reason: None,
        },
    )
    .await
    .map_err(|e| fail(PageError::refused(e, "submission")))?;
    back(id)
}

/// `POST /reviews/{id}/withdraw`: as `POST /api/v1/submissions/{id}/withdraw`.
pub async fn withdraw(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Posted { who, form }: Posted<ReviewForm>,
) -> PageResult {
    let fail = |e: PageError| e.for_user(&who, &state);
    let id = submission_id(&id).map_err(fail)?;
    if form.reason.trim().is_empty() {
        return Err(fail(PageError::bad_field(
            "reason",
            "say why the submission is withdrawn",
        )));
    }
    reviews::withdraw(
        &state,
        &who,
        id,
        WithdrawIn {
            reason: form.reason,
        },
    )
    .await
    .map_err(|e| fail(PageError::refused(e, "submission")))?;
    back(id)
}

/// `POST /reviews/{id}/triage`: as `POST /api/v1/submissions/{id}/triage`;
/// the named reviewers are kept.
pub async fn triage(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Posted { who, form }: Posted<ReviewForm>,
) -> PageResult {
    let fail = |e: PageError| e.for_user(&who, &state);
    let id = submission_id(&id).map_err(fail)?;
    let lead = Uuid::parse_str(form.lead_agency.trim()).map_err(|_| {
        fail(PageError::bad_field(
            "lead_agency",
            "choose the lead agency",
        ))
    })?;
    let mut supporting = Vec::new();
    for (k, v) in &form.rest {
        if k.starts_with("supporting.") {
            let org = Uuid::parse_str(v.trim())
                .map_err(|_| fail(PageError::bad_field("supporting_agencies", "not an agency")))?;
            if org != lead {
                supporting.push(org);
            }
        }
    }
    let current = bulwark_app::resources::readable_submission(&state, &who.principal, id)
        .await
        .map_err(|e| fail(PageError::refused(e, "submission")))?;
    reviews::triage(
        &state,
        &who,
        id,
        TriageIn {
            lead_agency: lead,
            supporting_agencies: supporting,
            reviewers: current.reviewers,
        },
    )
    .await
    .map_err(|e| fail(PageError::refused(e, "submission")))?;
    back(id)
}

/// `POST /reviews/{id}/conclusion`: as `POST
/// /api/v1/submissions/{id}/conclude`.
pub async fn conclude(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Posted { who, form }: Posted<ReviewForm>,
) -> PageResult {
    let fail = |e: PageError| e.for_user(&who, &state);
    let id = submission_id(&id).map_err(fail)?;
    if form.summary.trim().is_empty() {
        return Err(fail(PageError::bad_field(
            "summary",
            "summarise the conclusion",
        )));
    }
    reviews::conclude(
        &state,
        &who,
        id,
        ConcludeIn {
            conclusion: form.conclusion,
            summary: form.summary,
        },
    )
    .await
    .map_err(|e| fail(PageError::refused(e, "submission")))?;
    back(id)
}

/// `POST /reviews/{id}/schedule`: as `POST
/// /api/v1/submissions/{id}/reschedule`.
pub async fn reschedule(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Posted { who, form }: Posted<ReviewForm>,
) -> PageResult {
    let fail = |e: PageError| e.for_user(&who, &state);
    let id = submission_id(&id).map_err(fail)?;
    let partner = super::form_instant("planned_partner_release", &form.planned_partner_release)
        .map_err(fail)?;
    let public = match form.planned_public_release.trim() {
        "" => None,
        v => Some(super::form_instant("planned_public_release", v).map_err(fail)?),
    };
    if form.reason.trim().is_empty() {
        return Err(fail(PageError::bad_field(
            "reason",
            "say why the plan changed",
        )));
    }
    reviews::reschedule(
        &state,
        &who,
        id,
        RescheduleIn {
            planned_partner_release: partner,
            planned_public_release: public,
            reason: form.reason,
        },
    )
    .await
    .map_err(|e| fail(PageError::refused(e, "submission")))?;
    back(id)
}

/// `POST /reviews` (`model`, `planned_partner_release`, optionally
/// `planned_public_release`): starts a submission in `draft`, as `POST
/// /api/v1/submissions` does; on success, to its page.
pub async fn create(
    State(state): State<AppState>,
    Posted { who, form }: Posted<ReviewForm>,
) -> PageResult {
    let fail = |e: PageError| e.for_user(&who, &state);
    let model = Uuid::parse_str(form.model.trim())
        .map_err(|_| fail(PageError::bad_field("model", "choose one of your models")))?;
    let partner = super::form_instant("planned_partner_release", &form.planned_partner_release)
        .map_err(fail)?;
    let public = match form.planned_public_release.trim() {
        "" => None,
        v => Some(super::form_instant("planned_public_release", v).map_err(fail)?),
    };
    let out = reviews::create(
        &state,
        &who,
        reviews::SubmissionIn {
            model,
            planned_partner_release: partner,
            planned_public_release: public,
            requested_partners: Vec::new(),
        },
    )
    .await
    .map_err(|e| fail(PageError::refused(e, "model")))?;
    Ok(Redirect::to(&format!("/reviews/{}", out.id)).into_response())
}

/// `POST /reviews/{id}/documents` (multipart: the CSRF token, `kind`, then
/// `file`): a dossier document, sealed and kept as `POST
/// /api/v1/submissions/{id}/documents` keeps it. Nothing is read of a
/// forged form.
pub async fn upload(
    State(state): State<AppState>,
    Path(id): Path<String>,
    who: SignedIn,
    mut form: axum::extract::Multipart,
) -> PageResult {
    let fail = |e: PageError| e.for_user(&who, &state);
    let id = submission_id(&id).map_err(fail)?;
    let done = super::upload_form(&mut form, &who, &["kind"], async |field, texts| {
        let kind = texts.into_iter().next().unwrap_or_default();
        let mut field = std::pin::pin!(field);
        let mut bytes = Vec::new();
        while let Some(chunk) = futures_util::StreamExt::next(&mut field).await {
            let chunk = chunk.map_err(|e| PageError::bad_request(e.body_text()))?;
            bytes.extend_from_slice(&chunk);
            if bytes.len() > MAX_DOCUMENT_BYTES {
                return Err(PageError::bad_field(
                    "file",
                    format!("larger than {} MiB", MAX_DOCUMENT_BYTES / (1024 * 1024)),
                ));
            }
        }
        if bytes.is_empty() {
            return Err(PageError::bad_field("file", "choose a document to upload"));
        }
        reviews::upload(&state, &who, id, &kind, &bytes)
            .await
            .map_err(|e| match e.kind {
                bulwark_app::ErrorKind::Unavailable => PageError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "Dossier storage is not configured",
                    "The server has no key for dossier documents. Nothing was changed.",
                ),
                _ => PageError::refused(e, "submission"),
            })
    })
    .await
    .map_err(fail)?;
    match done {
        None => Err(fail(PageError::bad_field(
            "file",
            "choose a document to upload",
        ))),
        Some(Err(e)) => Err(fail(e)),
        Some(Ok(_)) => Ok(Redirect::to(&format!("/reviews/{id}#dossier")).into_response()),
    }
}
