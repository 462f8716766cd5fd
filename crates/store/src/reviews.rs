//! Voluntary reviews, as stored: submissions of a registered model, their
//! dossier documents, the reviewers' findings and the developer's responses.
//!
//! The workflow rules are the domain's ([`bulwark_core::SubmissionState`],
//! [`bulwark_core::ReviewWindow`]); this module enforces them before it
//! writes. Every change is one transaction with its audit entry and its
//! outbox event. Dossier documents are content-addressed by the SHA-256 of
//! their plaintext and stored sealed with ChaCha20-Poly1305 under a key the
//! caller supplies (it never enters the database); every read is audited.

use bulwark_core::review::{check_document_size, check_plan};
use bulwark_core::{
    AuditEvent, Conclusion, DocumentKind, FindingCategory, ReviewWindow, Severity, SubmissionState,
    Tlp, document_address, from_micros, rfc3339, to_micros,
};
use serde_json::json;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::audit::append_audit;
use crate::webhooks::publish_in_tx;
use crate::{Actor, Result, Store, StoreError, parse_col, with_pool, write_tx};

/// Longest free text (summary, finding, response, reason), in bytes.
const MAX_TEXT: usize = 64 * 1024;

/// A submission of a model for voluntary review.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submission {
    pub id: Uuid,
    pub model_id: Uuid,
    pub developer_org: Uuid,
    pub state: SubmissionState,
    pub planned_partner_release: OffsetDateTime,
    pub planned_public_release: Option<OffsetDateTime>,
    pub lead_agency: Option<Uuid>,
    pub supporting_agencies: Vec<Uuid>,
    pub reviewers: Vec<Uuid>,
    pub conclusion: Option<Conclusion>,
    pub summary: Option<String>,
    pub concluded_in_time: Option<bool>,
    pub withdrawn_reason: Option<String>,
    pub created_by: Option<Uuid>,
    /// Trusted partners the developer asks to give early access to.
    pub requested_partners: Vec<Uuid>,
    pub created_at: OffsetDateTime,
    pub submitted_at: Option<OffsetDateTime>,
    pub concluded_at: Option<OffsetDateTime>,
    pub updated_at: OffsetDateTime,
}

impl Submission {
    /// The review window, once submitted.
    pub fn window(&self) -> Option<ReviewWindow> {
        self.submitted_at
            .map(|s| ReviewWindow::new(s, self.planned_partner_release))
    }

    /// Whether `org` is the lead or a supporting agency.
    pub fn is_assigned(&self, org: Uuid) -> bool {
        self.lead_agency == Some(org) || self.supporting_agencies.contains(&org)
    }
}

/// A submission as the developer creates it (in `draft`).
#[derive(Debug, Clone)]
pub struct NewSubmission {
    pub model_id: Uuid,
    pub planned_partner_release: OffsetDateTime,
    pub planned_public_release: Option<OffsetDateTime>,
    /// Partner organizations; each must be a registered partner.
    pub requested_partners: Vec<Uuid>,
}

/// A change of the planned dates, with its reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DateChange {
    pub id: Uuid,
    pub submission_id: Uuid,
    pub changed_by: Option<Uuid>,
    pub at: OffsetDateTime,
    pub old_partner_release: OffsetDateTime,
    pub new_partner_release: OffsetDateTime,
    pub old_public_release: Option<OffsetDateTime>,
    pub new_public_release: Option<OffsetDateTime>,
    pub reason: String,
}

#[derive(sqlx::FromRow)]
struct DateChangeRow {
    id: Uuid,
    submission_id: Uuid,
    changed_by: Option<Uuid>,
    at: i64,
    old_partner_release: i64,
    new_partner_release: i64,
    old_public_release: Option<i64>,
    new_public_release: Option<i64>,
    reason: String,
}

impl From<DateChangeRow> for DateChange {
    fn from(r: DateChangeRow) -> Self {
        DateChange {
            id: r.id,
            submission_id: r.submission_id,
            changed_by: r.changed_by,
            at: from_micros(r.at),
            old_partner_release: from_micros(r.old_partner_release),
            new_partner_release: from_micros(r.new_partner_release),
            old_public_release: r.old_public_release.map(from_micros),
            new_public_release: r.new_public_release.map(from_micros),
            reason: r.reason,
        }
    }
}

/// A dossier document's description (never its content).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DossierDocument {
    pub submission_id: Uuid,
    pub sha256: String,
    pub kind: DocumentKind,
    pub size: i64,
    pub uploaded_by: Option<Uuid>,
    pub at: OffsetDateTime,
}

/// A reviewer's finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub id: Uuid,
    pub submission_id: Uuid,
    pub severity: Severity,
    pub category: FindingCategory,
    pub text: String,
    pub recommendation: String,
    pub tlp: Tlp,
    pub issued_by: Option<Uuid>,
    pub at: OffsetDateTime,
}

/// A finding as a reviewer issues it.
#[derive(Debug, Clone)]
pub struct NewFinding {
    pub severity: Severity,
    pub category: FindingCategory,
    pub text: String,
    pub recommendation: String,
    pub tlp: Tlp,
}

/// The developer's response to a finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FindingResponse {
    pub id: Uuid,
    pub finding_id: Uuid,
    pub submission_id: Uuid,
    pub text: String,
    pub posted_by: Option<Uuid>,
    pub at: OffsetDateTime,
}

#[derive(sqlx::FromRow)]
struct SubmissionRow {
    id: Uuid,
    model_id: Uuid,
    developer_org: Uuid,
    state: String,
    planned_partner_release: i64,
    planned_public_release: Option<i64>,
    lead_agency: Option<Uuid>,
    supporting_agencies: String,
    reviewers: String,
    conclusion: Option<String>,
    summary: Option<String>,
    concluded_in_time: Option<bool>,
    withdrawn_reason: Option<String>,
    created_by: Option<Uuid>,
    requested_partners: String,
    created_at: i64,
    submitted_at: Option<i64>,
    concluded_at: Option<i64>,
    updated_at: i64,
}

const SUBMISSION_COLUMNS: &str = "id, model_id, developer_org, state, planned_partner_release, \
     planned_public_release, lead_agency, supporting_agencies, reviewers, conclusion, summary, \
     concluded_in_time, withdrawn_reason, created_by, requested_partners, created_at, submitted_at, \
     concluded_at, updated_at";

fn uuid_list(column: &str, s: &str) -> Result<Vec<Uuid>> {
    serde_json::from_str(s).map_err(|_| StoreError::Corrupt(format!("{column} = {s:?}")))
}

impl TryFrom<SubmissionRow> for Submission {
    type Error = StoreError;
    fn try_from(r: SubmissionRow) -> Result<Self> {
        Ok(Submission {
            id: r.id,
            model_id: r.model_id,
            developer_org: r.developer_org,
            state: parse_col("submissions.state", &r.state)?,
            planned_partner_release: from_micros(r.planned_partner_release),
            planned_public_release: r.planned_public_release.map(from_micros),
            lead_agency: r.lead_agency,
            supporting_agencies: uuid_list(
                "submissions.supporting_agencies",
                &r.supporting_agencies,
            )?,
            reviewers: uuid_list("submissions.reviewers", &r.reviewers)?,
            conclusion: r
                .conclusion
                .as_deref()
                .map(|c| parse_col("submissions.conclusion", c))
                .transpose()?,
            summary: r.summary,
            concluded_in_time: r.concluded_in_time,
            withdrawn_reason: r.withdrawn_reason,
            created_by: r.created_by,
            requested_partners: uuid_list("submissions.requested_partners", &r.requested_partners)?,
            created_at: from_micros(r.created_at),
            submitted_at: r.submitted_at.map(from_micros),
            concluded_at: r.concluded_at.map(from_micros),
            updated_at: from_micros(r.updated_at),
        })
    }
}

#[derive(sqlx::FromRow)]
struct DocumentRow {
    submission_id: Uuid,
    sha256: String,
    kind: String,
    size: i64,
    uploaded_by: Option<Uuid>,
    at: i64,
}

impl TryFrom<DocumentRow> for DossierDocument {
    type Error = StoreError;
    fn try_from(r: DocumentRow) -> Result<Self> {
        Ok(DossierDocument {
            submission_id: r.submission_id,
            sha256: r.sha256,
            kind: parse_col("dossier_documents.kind", &r.kind)?,
            size: r.size,
            uploaded_by: r.uploaded_by,
            at: from_micros(r.at),
        })
    }
}

#[derive(sqlx::FromRow)]
struct FindingRow {
    id: Uuid,
    submission_id: Uuid,
    severity: String,
    category: String,
    text: String,
    recommendation: String,
    tlp: String,
    issued_by: Option<Uuid>,
    at: i64,
}

impl TryFrom<FindingRow> for Finding {
    type Error = StoreError;
    fn try_from(r: FindingRow) -> Result<Self> {
        Ok(Finding {
            id: r.id,
            submission_id: r.submission_id,
            severity: parse_col("review_findings.severity", &r.severity)?,
            category: parse_col("review_findings.category", &r.category)?,
            text: r.text,
            recommendation: r.recommendation,
            tlp: parse_col("review_findings.tlp", &r.tlp)?,
            issued_by: r.issued_by,
            at: from_micros(r.at),
        })
    }
}

#[derive(sqlx::FromRow)]
struct ResponseRow {
    id: Uuid,
    finding_id: Uuid,
    submission_id: Uuid,
    text: String,
    posted_by: Option<Uuid>,
    at: i64,
}

impl From<ResponseRow> for FindingResponse {
    fn from(r: ResponseRow) -> Self {
        FindingResponse {
            id: r.id,
            finding_id: r.finding_id,
            submission_id: r.submission_id,
            text: r.text,
            posted_by: r.posted_by,
            at: from_micros(r.at),
        }
    }
}

fn check_text(what: &str, text: &str, required: bool) -> Result<()> {
    if required && text.trim().is_empty() {
        return Err(StoreError::Invalid(format!("{what} must not be empty")));
    }
    if text.len() > MAX_TEXT {
        return Err(StoreError::Invalid(format!(
            "{what} is longer than {MAX_TEXT} bytes"
        )));
    }
    if text
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r')
    {
        return Err(StoreError::Invalid(format!(
            "{what} contains control characters"
        )));
    }
    Ok(())
}

/// The state check of a move, as a store error: `Conflict` naming the allowed
/// states, or `Invalid` for a missing reason.
fn check_move(from: SubmissionState, to: SubmissionState, reason: Option<&str>) -> Result<()> {
    from.check_transition(to, reason).map_err(|e| match e {
        bulwark_core::review::TransitionError::NotAllowed { .. } => {
            StoreError::Conflict(e.to_string())
        }
        bulwark_core::review::TransitionError::ReasonRequired => StoreError::Invalid(e.to_string()),
    })
}

/// Associated data binding a sealed document to its row.
fn aad(submission: Uuid, sha256: &str) -> Vec<u8> {
    let mut v = submission.as_bytes().to_vec();
    v.extend_from_slice(sha256.as_bytes());
    v
}

/// Seals a document with [`crate::sealing`], bound to its submission and address.
fn seal(key: &[u8; 32], submission: Uuid, sha256: &str, plain: &[u8]) -> Result<Vec<u8>> {
    crate::sealing::seal(key, &aad(submission, sha256), plain)
}

/// Opens a sealed document and checks it against its address.
fn open(key: &[u8; 32], submission: Uuid, sha256: &str, sealed: &[u8]) -> Result<Vec<u8>> {
    let what = format!("dossier document {sha256}");
    let plain = crate::sealing::open(key, &aad(submission, sha256), sealed, &what)?;
    if document_address(&plain) != sha256 {
        return Err(StoreError::Corrupt(format!(
            "dossier document {sha256} does not match its address"
        )));
    }
    Ok(plain)
}

fn event(id: Uuid, state: SubmissionState) -> serde_json::Value {
    json!({"submission": id, "state": state.as_str()})
}

impl Store {
    /// One submission. `NotFound` when there is none.
    pub async fn submission(&self, id: Uuid) -> Result<Submission> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {SUBMISSION_COLUMNS} FROM submissions WHERE id = $1"
        ));
        let row: SubmissionRow = with_pool!(self, pool => {
            sqlx::query_as(sql).bind(id).fetch_one(pool).await?
        });
        row.try_into()
    }

    /// Every submission, oldest first; callers filter by the policy.
    pub async fn submissions(&self) -> Result<Vec<Submission>> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {SUBMISSION_COLUMNS} FROM submissions ORDER BY id"
        ));
        let rows: Vec<SubmissionRow> = with_pool!(self, pool => {
            sqlx::query_as(sql).fetch_all(pool).await?
        });
        rows.into_iter().map(Submission::try_from).collect()
    }

    /// Creates a submission in `draft` for a registered model; the developer
    /// organization is the model's owner. Dates are checked at `now`.
    pub async fn create_submission(
        &self,
        actor: &Actor,
        new: &NewSubmission,
        now: OffsetDateTime,
    ) -> Result<Submission> {
        check_plan(now, new.planned_partner_release, new.planned_public_release)
            .map_err(|e| StoreError::Invalid(e.to_string()))?;
        let model = match self.model(new.model_id).await {
            Ok(m) => m,
            Err(StoreError::NotFound) => {
                return Err(StoreError::Invalid(format!("no model {}", new.model_id)));
            }
            Err(e) => return Err(e),
        };
        let mut partners = new.requested_partners.clone();
        partners.sort();
        partners.dedup();
        if partners.len() > 64 {
            return Err(StoreError::Invalid(
                "requested_partners names more than 64 partners".into(),
            ));
        }
        for org in &partners {
            match self.organization(*org).await {
                Ok(o) if o.kind == bulwark_core::OrgKind::Partner => {}
                Ok(o) => {
                    return Err(StoreError::Invalid(format!(
                        "requested_partners: {} is not a trusted partner organization",
                        o.name
                    )));
                }
                Err(StoreError::NotFound) => {
                    return Err(StoreError::Invalid(format!(
                        "requested_partners: no partner organization {org}"
                    )));
                }
                Err(e) => return Err(e),
            }
        }
        let partners_json =
            serde_json::to_string(&partners).map_err(|e| StoreError::Invalid(e.to_string()))?;
        let id = Uuid::now_v7();
        let at = to_micros(now);
        write_tx!(self, tx => {
            sqlx::query(
                "INSERT INTO submissions (id, model_id, developer_org, state, planned_partner_release, \
                 planned_public_release, lead_agency, supporting_agencies, reviewers, created_by, \
                 requested_partners, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, NULL, '[]', '[]', $7, $8, $9, $9)",
            )
            .bind(id).bind(new.model_id).bind(model.owner_org).bind(SubmissionState::Draft.as_str())
            .bind(to_micros(new.planned_partner_release))
            .bind(new.planned_public_release.map(to_micros))
            .bind(actor.user).bind(&partners_json).bind(at)
            .execute(&mut *tx).await?;
            append_audit!(tx, actor, AuditEvent::new("submission.create", "submission", id.to_string())
                .with_detail(json!({
                    "model": new.model_id,
                    "partner_release": rfc3339(new.planned_partner_release),
                    "public_release": new.planned_public_release.map(rfc3339),
                    "requested_partners": partners,
                })), at);
        });
        self.submission(id).await
    }

    /// Moves a submission to `to` by the workflow (not to `concluded`: see
    /// [`Store::conclude_submission`]). A move the state does not allow is a
    /// `Conflict` naming the allowed ones; withdrawal needs a reason.
    pub async fn transition_submission(
        &self,
        actor: &Actor,
        id: Uuid,
        to: SubmissionState,
        reason: Option<&str>,
        now: OffsetDateTime,
    ) -> Result<Submission> {
        let reason = reason.map(str::trim).filter(|r| !r.is_empty());
        if let Some(r) = reason {
            check_text("reason", r, false)?;
        }
        if to == SubmissionState::Concluded {
            return Err(StoreError::Invalid(
                "a submission is concluded with a conclusion and a summary (POST …/conclude)"
                    .into(),
            ));
        }
        let at = to_micros(now);
        write_tx!(self, tx => {
            let state: String = sqlx::query_scalar("SELECT state FROM submissions WHERE id = $1")
                .bind(id).fetch_one(&mut *tx).await?;
            let from: SubmissionState = parse_col("submissions.state", &state)?;
            check_move(from, to, reason)?;
            if to == SubmissionState::Submitted {
                let release: i64 = sqlx::query_scalar(
                    "SELECT planned_partner_release FROM submissions WHERE id = $1",
                ).bind(id).fetch_one(&mut *tx).await?;
                if from_micros(release) <= now {
                    return Err(StoreError::Invalid(
                        "planned_partner_release has passed: change it before submitting".into(),
                    ));
                }
                sqlx::query("UPDATE submissions SET state = $1, submitted_at = $2, updated_at = $2 WHERE id = $3")
                    .bind(to.as_str()).bind(at).bind(id).execute(&mut *tx).await?;
            } else if to == SubmissionState::Withdrawn {
                sqlx::query("UPDATE submissions SET state = $1, withdrawn_reason = $2, updated_at = $3 WHERE id = $4")
                    .bind(to.as_str()).bind(reason).bind(at).bind(id).execute(&mut *tx).await?;
            } else {
                sqlx::query("UPDATE submissions SET state = $1, updated_at = $2 WHERE id = $3")
                    .bind(to.as_str()).bind(at).bind(id).execute(&mut *tx).await?;
            }
            append_audit!(tx, actor, AuditEvent::new("submission.transition", "submission", id.to_string())
                .with_detail(json!({"from": from.as_str(), "to": to.as_str(), "reason": reason})), at);
            let event_type = match to {
                SubmissionState::Submitted => Some("submission.received"),
                SubmissionState::Withdrawn => Some("submission.withdrawn"),
                _ => None,
            };
            if let Some(t) = event_type {
                publish_in_tx!(tx, actor, t, &event(id, to), now);
            }
        });
        self.submission(id).await
    }

    /// Changes the planned dates, with a reason, while the review is open
    /// (not concluded or withdrawn). The new dates are checked like new
    /// ones; the change is kept with the old dates, audited and published as
    /// `submission.rescheduled`. Reminders count down to the new date.
    pub async fn reschedule_submission(
        &self,
        actor: &Actor,
        id: Uuid,
        partner_release: OffsetDateTime,
        public_release: Option<OffsetDateTime>,
        reason: &str,
        now: OffsetDateTime,
    ) -> Result<Submission> {
        let reason = reason.trim();
        check_text("reason", reason, true)?;
        check_plan(now, partner_release, public_release)
            .map_err(|e| StoreError::Invalid(e.to_string()))?;
        let at = to_micros(now);
        let change = Uuid::now_v7();
        write_tx!(self, tx => {
            let (state, old_partner, old_public): (String, i64, Option<i64>) = sqlx::query_as(
                "SELECT state, planned_partner_release, planned_public_release FROM submissions WHERE id = $1",
            ).bind(id).fetch_one(&mut *tx).await?;
            let state: SubmissionState = parse_col("submissions.state", &state)?;
            if state.is_final() {
                return Err(StoreError::Conflict(format!(
                    "the submission is {state}: its dates no longer change"
                )));
            }
            sqlx::query("UPDATE submissions SET planned_partner_release = $1, planned_public_release = $2, \
                         updated_at = $3 WHERE id = $4")
                .bind(to_micros(partner_release)).bind(public_release.map(to_micros)).bind(at).bind(id)
                .execute(&mut *tx).await?;
            sqlx::query("INSERT INTO submission_date_changes (id, submission_id, changed_by, at, \
                         old_partner_release, new_partner_release, old_public_release, new_public_release, reason) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)")
                .bind(change).bind(id).bind(actor.user).bind(at).bind(old_partner)
                .bind(to_micros(partner_release)).bind(old_public).bind(public_release.map(to_micros))
                .bind(reason)
                .execute(&mut *tx).await?;
            let detail = json!({
                "submission": id,
                "old_partner_release": rfc3339(from_micros(old_partner)),
                "new_partner_release": rfc3339(partner_release),
                "old_public_release": old_public.map(|t| rfc3339(from_micros(t))),
                "new_public_release": public_release.map(rfc3339),
                "reason": reason,
            });
            append_audit!(tx, actor, AuditEvent::new("submission.reschedule", "submission", id.to_string())
                .with_detail(detail.clone()), at);
            publish_in_tx!(tx, actor, "submission.rescheduled", &detail, now);
        });
        self.submission(id).await
    }

    /// The planned-date changes of a submission, oldest first.
    pub async fn date_changes(&self, id: Uuid) -> Result<Vec<DateChange>> {
        let rows: Vec<DateChangeRow> = with_pool!(self, pool => {
            sqlx::query_as(
                "SELECT id, submission_id, changed_by, at, old_partner_release, new_partner_release, \
                 old_public_release, new_public_release, reason FROM submission_date_changes \
                 WHERE submission_id = $1 ORDER BY at, id",
            ).bind(id).fetch_all(pool).await?
        });
        Ok(rows.into_iter().map(DateChange::from).collect())
    }

    /// Assigns the lead agency, supporting agencies and named reviewers. The
    /// submission must be `submitted` (it moves to `triage`) or in `triage`.
    /// Agencies must be reviewing-agency organizations and reviewers their users.
    pub async fn assign_submission(
        &self,
        actor: &Actor,
        id: Uuid,
        lead: Uuid,
        supporting: &[Uuid],
        reviewers: &[Uuid],
        now: OffsetDateTime,
    ) -> Result<Submission> {
        let mut supporting: Vec<Uuid> = supporting.iter().copied().filter(|o| *o != lead).collect();
        supporting.sort();
        supporting.dedup();
        let mut reviewers = reviewers.to_vec();
        reviewers.sort();
        reviewers.dedup();
        for org in std::iter::once(&lead).chain(supporting.iter()) {
            match self.organization(*org).await {
                Ok(o) if o.kind == bulwark_core::OrgKind::Agency && o.reviewing => {}
                Ok(o) => {
                    return Err(StoreError::Invalid(format!(
                        "organization {} is not a reviewing agency",
                        o.name
                    )));
                }
                Err(StoreError::NotFound) => {
                    return Err(StoreError::Invalid(format!("no organization {org}")));
                }
                Err(e) => return Err(e),
            }
        }
        for user in &reviewers {
            match self.user(*user).await {
                Ok(u) if u.org_id == lead || supporting.contains(&u.org_id) => {}
                Ok(_) => {
                    return Err(StoreError::Invalid(format!(
                        "reviewer {user} belongs to no assigned agency"
                    )));
                }
                Err(StoreError::NotFound) => {
                    return Err(StoreError::Invalid(format!("no user {user}")));
                }
                Err(e) => return Err(e),
            }
        }
        let at = to_micros(now);
        let sup_json = serde_json::to_string(&supporting).unwrap_or_else(|_| "[]".into());
        let rev_json = serde_json::to_string(&reviewers).unwrap_or_else(|_| "[]".into());
        write_tx!(self, tx => {
            let state: String = sqlx::query_scalar("SELECT state FROM submissions WHERE id = $1")
                .bind(id).fetch_one(&mut *tx).await?;
            let from: SubmissionState = parse_col("submissions.state", &state)?;
            let to = match from {
                SubmissionState::Submitted => {
                    check_move(from, SubmissionState::Triage, None)?;
                    SubmissionState::Triage
                }
                SubmissionState::Triage => SubmissionState::Triage,
                other => {
                    return Err(StoreError::Conflict(format!(
                        "a submission in state {other} cannot be triaged; allowed in: submitted, triage"
                    )));
                }
            };
            sqlx::query(
                "UPDATE submissions SET state = $1, lead_agency = $2, supporting_agencies = $3, \
                 reviewers = $4, updated_at = $5 WHERE id = $6",
            )
            .bind(to.as_str()).bind(lead).bind(&sup_json).bind(&rev_json).bind(at).bind(id)
            .execute(&mut *tx).await?;
            append_audit!(tx, actor, AuditEvent::new("submission.assign", "submission", id.to_string())
                .with_detail(json!({"lead": lead, "supporting": supporting, "reviewers": reviewers})), at);
            publish_in_tx!(tx, actor, "submission.assigned", &event(id, to), now);
        });
        self.submission(id).await
    }

    /// Concludes a review (from `in_review` or `findings_issued`), recording
    /// whether it concluded within its window. The release is never blocked.
    pub async fn conclude_submission(
        &self,
        actor: &Actor,
        id: Uuid,
        conclusion: Conclusion,
        summary: &str,
        now: OffsetDateTime,
    ) -> Result<Submission> {
        check_text("summary", summary, true)?;
        let at = to_micros(now);
        write_tx!(self, tx => {
            let (state, release): (String, i64) = sqlx::query_as(
                "SELECT state, planned_partner_release FROM submissions WHERE id = $1",
            ).bind(id).fetch_one(&mut *tx).await?;
            let from: SubmissionState = parse_col("submissions.state", &state)?;
            check_move(from, SubmissionState::Concluded, None)?;
            let in_time = now <= from_micros(release);
            sqlx::query(
                "UPDATE submissions SET state = $1, conclusion = $2, summary = $3, concluded_in_time = $4, \
                 concluded_at = $5, updated_at = $5 WHERE id = $6",
            )
            .bind(SubmissionState::Concluded.as_str()).bind(conclusion.as_str()).bind(summary)
            .bind(in_time).bind(at).bind(id)
            .execute(&mut *tx).await?;
            append_audit!(tx, actor, AuditEvent::new("submission.conclude", "submission", id.to_string())
                .with_detail(json!({"conclusion": conclusion.as_str(), "in_time": in_time})), at);
            publish_in_tx!(tx, actor, "submission.concluded", &event(id, SubmissionState::Concluded), now);
        });
        self.submission(id).await
    }

    /// Stores a dossier document sealed under `key`. Refused when empty or
    /// larger than the limit, or once the submission is final. Uploading the
    /// same content again returns the stored description unchanged.
    pub async fn put_document(
        &self,
        actor: &Actor,
        id: Uuid,
        kind: DocumentKind,
        bytes: &[u8],
        key: &[u8; 32],
        now: OffsetDateTime,
    ) -> Result<DossierDocument> {
        check_document_size(bytes.len()).map_err(|e| StoreError::Invalid(e.to_string()))?;
        let sha = document_address(bytes);
        let sealed = seal(key, id, &sha, bytes)?;
        let size = i64::try_from(bytes.len()).unwrap_or(i64::MAX);
        let at = to_micros(now);
        let inserted = write_tx!(self, tx => {
            let state: String = sqlx::query_scalar("SELECT state FROM submissions WHERE id = $1")
                .bind(id).fetch_one(&mut *tx).await?;
            let state: SubmissionState = parse_col("submissions.state", &state)?;
            if state.is_final() {
                return Err(StoreError::Conflict(format!(
                    "the submission is {state}: no more documents"
                )));
            }
            let exists: Option<i64> = sqlx::query_scalar(
                "SELECT size FROM dossier_documents WHERE submission_id = $1 AND sha256 = $2",
            ).bind(id).bind(&sha).fetch_optional(&mut *tx).await?;
            if exists.is_none() {
                sqlx::query(
                    "INSERT INTO dossier_documents (submission_id, sha256, kind, size, sealed, uploaded_by, at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(id).bind(&sha).bind(kind.as_str()).bind(size).bind(&sealed).bind(actor.user).bind(at)
                .execute(&mut *tx).await?;
                append_audit!(tx, actor, AuditEvent::new("dossier.upload", "submission", id.to_string())
                    .with_detail(json!({"sha256": sha, "kind": kind.as_str(), "size": size})), at);
            }
            exists.is_none()
        });
        let _ = inserted;
        self.document(id, &sha).await
    }

    /// A document's description. `NotFound` when the submission has none with that address.
    pub async fn document(&self, id: Uuid, sha256: &str) -> Result<DossierDocument> {
        let row: DocumentRow = with_pool!(self, pool => {
            sqlx::query_as(
                "SELECT submission_id, sha256, kind, size, uploaded_by, at FROM dossier_documents \
                 WHERE submission_id = $1 AND sha256 = $2",
            ).bind(id).bind(sha256).fetch_one(pool).await?
        });
        row.try_into()
    }

    /// The submission's documents, oldest first.
    pub async fn documents(&self, id: Uuid) -> Result<Vec<DossierDocument>> {
        let rows: Vec<DocumentRow> = with_pool!(self, pool => {
            sqlx::query_as(
                "SELECT submission_id, sha256, kind, size, uploaded_by, at FROM dossier_documents \
                 WHERE submission_id = $1 ORDER BY at, sha256",
            ).bind(id).fetch_all(pool).await?
        });
        rows.into_iter().map(DossierDocument::try_from).collect()
    }

    /// Reads and decrypts a document; the read is audited (committed before
    /// the content is returned).
    pub async fn read_document(
        &self,
        actor: &Actor,
        id: Uuid,
        sha256: &str,
        key: &[u8; 32],
        now: OffsetDateTime,
    ) -> Result<(DossierDocument, Vec<u8>)> {
        let doc = self.document(id, sha256).await?;
        let sealed = self.document_ciphertext(id, sha256).await?;
        let plain = open(key, id, sha256, &sealed)?;
        let at = to_micros(now);
        write_tx!(self, tx => {
            append_audit!(tx, actor, AuditEvent::new("dossier.read", "submission", id.to_string())
                .with_detail(json!({"sha256": sha256, "kind": doc.kind.as_str()})), at);
        });
        Ok((doc, plain))
    }

    /// The sealed bytes as stored (nonce ‖ ciphertext); for tests that check
    /// encryption at rest.
    #[doc(hidden)]
    pub async fn document_ciphertext(&self, id: Uuid, sha256: &str) -> Result<Vec<u8>> {
        Ok(with_pool!(self, pool => {
            sqlx::query_scalar::<_, Vec<u8>>(
                "SELECT sealed FROM dossier_documents WHERE submission_id = $1 AND sha256 = $2",
            ).bind(id).bind(sha256).fetch_one(pool).await?
        }))
    }

    /// Issues a finding (in `in_review`, which moves to `findings_issued`, or
    /// in `findings_issued`).
    pub async fn issue_finding(
        &self,
        actor: &Actor,
        id: Uuid,
        new: &NewFinding,
        now: OffsetDateTime,
    ) -> Result<Finding> {
        check_text("text", &new.text, true)?;
        check_text("recommendation", &new.recommendation, false)?;
        let fid = Uuid::now_v7();
        let at = to_micros(now);
        write_tx!(self, tx => {
            let state: String = sqlx::query_scalar("SELECT state FROM submissions WHERE id = $1")
                .bind(id).fetch_one(&mut *tx).await?;
            let from: SubmissionState = parse_col("submissions.state", &state)?;
            match from {
                SubmissionState::InReview => {
                    sqlx::query("UPDATE submissions SET state = $1, updated_at = $2 WHERE id = $3")
                        .bind(SubmissionState::FindingsIssued.as_str()).bind(at).bind(id)
                        .execute(&mut *tx).await?;
                }
                SubmissionState::FindingsIssued => {}
                other => {
                    return Err(StoreError::Conflict(format!(
                        "findings are issued in state in_review or findings_issued, not {other}"
                    )));
                }
            }
            sqlx::query(
                "INSERT INTO review_findings (id, submission_id, severity, category, text, recommendation, \
                 tlp, issued_by, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            )
            .bind(fid).bind(id).bind(new.severity.as_str()).bind(new.category.as_str())
            .bind(&new.text).bind(&new.recommendation).bind(new.tlp.as_str()).bind(actor.user).bind(at)
            .execute(&mut *tx).await?;
            append_audit!(tx, actor, AuditEvent::new("finding.issue", "submission", id.to_string())
                .with_detail(json!({"finding": fid, "severity": new.severity.as_str(),
                    "category": new.category.as_str(), "tlp": new.tlp.as_str()})), at);
            publish_in_tx!(tx, actor, "finding.issued", &json!({"submission": id, "finding": fid}), now);
        });
        Ok(Finding {
            id: fid,
            submission_id: id,
            severity: new.severity,
            category: new.category,
            text: new.text.clone(),
            recommendation: new.recommendation.clone(),
            tlp: new.tlp,
            issued_by: actor.user,
            at: from_micros(at),
        })
    }

    /// The submission's findings, oldest first.
    pub async fn findings(&self, id: Uuid) -> Result<Vec<Finding>> {
        let rows: Vec<FindingRow> = with_pool!(self, pool => {
            sqlx::query_as(
                "SELECT id, submission_id, severity, category, text, recommendation, tlp, issued_by, at \
                 FROM review_findings WHERE submission_id = $1 ORDER BY id",
            ).bind(id).fetch_all(pool).await?
        });
        rows.into_iter().map(Finding::try_from).collect()
    }

    /// Posts the developer's response to a finding of the submission (while
    /// it is in review or has findings issued).
    pub async fn post_response(
        &self,
        actor: &Actor,
        id: Uuid,
        finding: Uuid,
        text: &str,
        now: OffsetDateTime,
    ) -> Result<FindingResponse> {
        check_text("text", text, true)?;
        let rid = Uuid::now_v7();
        let at = to_micros(now);
        write_tx!(self, tx => {
            let state: String = sqlx::query_scalar("SELECT state FROM submissions WHERE id = $1")
                .bind(id).fetch_one(&mut *tx).await?;
            let state: SubmissionState = parse_col("submissions.state", &state)?;
            if !matches!(state, SubmissionState::InReview | SubmissionState::FindingsIssued) {
                return Err(StoreError::Conflict(format!(
                    "responses are posted in state in_review or findings_issued, not {state}"
                )));
            }
            let owner: Uuid = sqlx::query_scalar("SELECT submission_id FROM review_findings WHERE id = $1")
                .bind(finding).fetch_one(&mut *tx).await?;
            if owner != id {
                return Err(StoreError::NotFound);
            }
            sqlx::query(
                "INSERT INTO review_responses (id, finding_id, submission_id, text, posted_by, at) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(rid).bind(finding).bind(id).bind(text).bind(actor.user).bind(at)
            .execute(&mut *tx).await?;
            append_audit!(tx, actor, AuditEvent::new("response.post", "submission", id.to_string())
                .with_detail(json!({"finding": finding, "response": rid})), at);
            publish_in_tx!(tx, actor, "response.posted",
                &json!({"submission": id, "finding": finding, "response": rid}), now);
        });
        Ok(FindingResponse {
            id: rid,
            finding_id: finding,
            submission_id: id,
            text: text.to_owned(),
            posted_by: actor.user,
            at: from_micros(at),
        })
    }

    /// The responses to the submission's findings, oldest first.
    pub async fn responses(&self, id: Uuid) -> Result<Vec<FindingResponse>> {
        let rows: Vec<ResponseRow> = with_pool!(self, pool => {
            sqlx::query_as(
                "SELECT id, finding_id, submission_id, text, posted_by, at FROM review_responses \
                 WHERE submission_id = $1 ORDER BY id",
            ).bind(id).fetch_all(pool).await?
        });
        Ok(rows.into_iter().map(FindingResponse::from).collect())
    }
}
