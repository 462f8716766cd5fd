//! Validations: a case's reproductions by organizations that did not report
//! it and its vendor's confirmation, the per-case quorum they must meet, and
//! the analysts' moves of a case through its workflow that the quorum gates.
//!
//! Kept apart from the other case operations because they are the rule
//! that decides whether a case is `validated`, which is what the source
//! counters (`reliability.rs`) measure. A validation is only taken from an
//! organization the clearinghouse asked for it (a task, which makes the
//! organization a party to the case); when the quorum is met the case
//! becomes `validated` in the same transaction.

use bulwark_core::{
    AuditEvent, CaseState, Quorum, Validation, ValidationKind, ValidationResult, from_micros,
    to_micros,
};
use serde_json::json;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::Case;
use crate::audit::append_audit;
use crate::cases::known_org;
use crate::documents::DocumentRow;
use crate::reliability::{apply_sources, unapply_sources};
use crate::tx::Tx;
use crate::{Actor, Result, Store, StoreError, parse_col, with_pool, write_tx};

/// A validation to record: a reproduction by an organization that did not
/// report the case, or the vendor's confirmation.
#[derive(Debug, Clone)]
pub struct NewValidation {
    pub kind: ValidationKind,
    pub result: ValidationResult,
    /// The validating organization.
    pub org_id: Uuid,
    /// Evidence (a log, a proof of concept, a vendor advisory): media type
    /// and bytes, kept content-addressed like intake documents.
    pub evidence: Option<(String, Vec<u8>)>,
    pub note: Option<String>,
}

/// A validation as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseValidation {
    pub id: Uuid,
    pub case_id: Uuid,
    pub kind: ValidationKind,
    pub result: ValidationResult,
    pub org_id: Uuid,
    pub validated_by: Option<Uuid>,
    /// The evidence document's SHA-256.
    pub evidence: Option<String>,
    pub note: Option<String>,
    pub at: OffsetDateTime,
}

#[derive(sqlx::FromRow)]
struct ValidationRow {
    id: Uuid,
    case_id: Uuid,
    kind: String,
    result: String,
    org_id: Uuid,
    validated_by: Option<Uuid>,
    evidence: Option<String>,
    note: Option<String>,
    at: i64,
}

impl TryFrom<ValidationRow> for CaseValidation {
    type Error = StoreError;
    fn try_from(r: ValidationRow) -> Result<Self> {
        Ok(CaseValidation {
            id: r.id,
            case_id: r.case_id,
            kind: parse_col("case_validations.kind", &r.kind)?,
            result: parse_col("case_validations.result", &r.result)?,
            org_id: r.org_id,
            validated_by: r.validated_by,
            evidence: r.evidence,
            note: r.note,
            at: from_micros(r.at),
        })
    }
}

/// A case's quorum and validations, as the quorum rule sees them.
async fn quorum_and_validations(
    tx: &mut impl Tx,
    case: Uuid,
) -> Result<(Quorum, Vec<Validation<Uuid>>)> {
    let (reps, vendor) = tx.case_quorum(case).await?;
    let rows = tx.case_validation_results(case).await?;
    let mut validations = Vec::with_capacity(rows.len());
    for (k, r, o) in rows {
        validations.push(Validation {
            kind: parse_col("case_validations.kind", &k)?,
            result: parse_col("case_validations.result", &r)?,
            org: o,
        });
    }
    let quorum = Quorum {
        reproductions: u32::try_from(reps).unwrap_or(u32::MAX),
        vendor_confirms: vendor,
    };
    Ok((quorum, validations))
}

impl Store {
    /// Moves a case by an analyst's decision (`new → triaged → validating →
    /// validated | rejected`). `validated` needs the quorum met; a move the
    /// workflow does not allow is a `Conflict` naming the allowed ones.
    pub async fn set_case_state(
        &self,
        actor: &Actor,
        id: Uuid,
        to: CaseState,
        now: OffsetDateTime,
    ) -> Result<Case> {
        let at = to_micros(now);
        write_tx!(self, tx => {
            let state: String = sqlx::query_scalar("SELECT state FROM cases WHERE id = $1")
                .bind(id).fetch_one(&mut *tx).await?;
            let from: CaseState = parse_col("cases.state", &state)?;
            if !from.next().contains(&to) {
                let allowed: Vec<&str> = from.next().iter().map(|s| s.as_str()).collect();
                return Err(StoreError::Conflict(format!(
                    "a {from} case cannot become {to}; allowed: {}",
                    if allowed.is_empty() { "none".to_owned() } else { allowed.join(", ") }
                )));
            }
            if to == CaseState::Validated {
                let reporters = tx.case_reporters(id).await?;
                let (quorum, validations) = quorum_and_validations(&mut *tx, id).await?;
                if !quorum.is_met(&reporters, &validations) {
                    return Err(StoreError::Conflict(format!(
                        "the quorum is not met: {} independent reproduction(s){} needed",
                        quorum.reproductions,
                        if quorum.vendor_confirms { " or the vendor's confirmation" } else { "" }
                    )));
                }
            }
            unapply_sources(&mut *tx, &[id]).await?;
            sqlx::query("UPDATE cases SET state = $1, updated_at = $2 WHERE id = $3")
                .bind(to.as_str()).bind(at).bind(id).execute(&mut *tx).await?;
            if to == CaseState::Validated {
                // The instant a tool's time to a validated finding ends.
                sqlx::query("UPDATE cases SET validated_at = $1 WHERE id = $2")
                    .bind(at).bind(id).execute(&mut *tx).await?;
            }
            apply_sources(&mut *tx, &[id]).await?;
            append_audit!(tx, actor, AuditEvent::new("case.transition", "case", id.to_string())
                .with_detail(json!({"from": from.as_str(), "to": to.as_str()})), at);
        });
        self.case(id).await
    }

    /// Sets what validates a case.
    pub async fn set_case_quorum(
        &self,
        actor: &Actor,
        id: Uuid,
        quorum: Quorum,
        now: OffsetDateTime,
    ) -> Result<Case> {
        if quorum.reproductions == 0 && !quorum.vendor_confirms {
            return Err(StoreError::Invalid(
                "a quorum needs reproductions or the vendor's confirmation".into(),
            ));
        }
        if quorum.reproductions > 10 {
            return Err(StoreError::Invalid("at most 10 reproductions".into()));
        }
        let at = to_micros(now);
        write_tx!(self, tx => {
            let n = sqlx::query("UPDATE cases SET quorum_reproductions = $1, quorum_vendor = $2, updated_at = $3 WHERE id = $4")
                .bind(i64::from(quorum.reproductions)).bind(quorum.vendor_confirms).bind(at).bind(id)
                .execute(&mut *tx).await?.rows_affected();
            if n != 1 {
                return Err(StoreError::NotFound);
            }
            append_audit!(tx, actor, AuditEvent::new("case.quorum", "case", id.to_string())
                .with_detail(json!({"reproductions": quorum.reproductions, "vendor_confirms": quorum.vendor_confirms})), at);
        });
        self.case(id).await
    }

    /// Records a validation of a case in `triaged` (which moves it to
    /// `validating`) or `validating`. A reproduction by an organization that
    /// reported the case is refused: it is not independent. When the quorum
    /// is met, the case becomes `validated` in the same transaction.
    pub async fn record_validation(
        &self,
        actor: &Actor,
        case: Uuid,
        new: &NewValidation,
        now: OffsetDateTime,
    ) -> Result<(CaseValidation, Case)> {
        if !new.result.fits(new.kind) {
            return Err(StoreError::Invalid(format!(
                "a {} gives {}, not {}",
                new.kind,
                match new.kind {
                    ValidationKind::Reproduction => "reproduced or not_reproduced",
                    ValidationKind::VendorConfirmation => "confirmed or disputed",
                },
                new.result
            )));
        }
        if let Some(n) = &new.note
            && (n.len() > 4096 || n.chars().any(|c| c.is_control() && c != '\n'))
        {
            return Err(StoreError::Invalid(
                "a note is at most 4096 bytes without control characters".into(),
            ));
        }
        let evidence = match &new.evidence {
            Some((media, bytes)) => {
                if bytes.is_empty() || media.is_empty() || media.len() > 100 {
                    return Err(StoreError::Invalid(
                        "evidence needs a media type and some bytes".into(),
                    ));
                }
                Some((
                    media.as_str(),
                    bytes.as_slice(),
                    crate::document_address(bytes),
                ))
            }
            None => None,
        };
        let id = Uuid::now_v7();
        let at = to_micros(now);
        write_tx!(self, tx => {
            let state: String = sqlx::query_scalar("SELECT state FROM cases WHERE id = $1")
                .bind(case).fetch_one(&mut *tx).await?;
            let from: CaseState = parse_col("cases.state", &state)?;
            if !matches!(from, CaseState::Triaged | CaseState::Validating) {
                return Err(StoreError::Conflict(format!(
                    "a {from} case takes no validation; triage it first"
                )));
            }
            let task: Option<i64> = sqlx::query_scalar(
                "SELECT at FROM case_tasks WHERE case_id = $1 AND kind = $2 AND org_id = $3",
            ).bind(case).bind(new.kind.as_str()).bind(new.org_id).fetch_optional(&mut *tx).await?;
            if task.is_none() {
                return Err(StoreError::Conflict(format!(
                    "the organization has no {} task for this case: the clearinghouse assigns them",
                    new.kind
                )));
            }
            let reporters = tx.case_reporters(case).await?;
            if new.kind == ValidationKind::Reproduction && reporters.contains(&new.org_id) {
                return Err(StoreError::Invalid(
                    "a reproduction must come from an organization that did not report the case".into(),
                ));
            }
            if let Some((media, bytes, sha)) = &evidence {
                let size = i64::try_from(bytes.len()).unwrap_or(i64::MAX);
                let row = DocumentRow { sha256: sha, media_type: media, size, first_org: new.org_id, at };
                // Evidence is small: kept whole in its row.
                tx.insert_raw_document(&row, bytes).await?;
            }
            sqlx::query(
                "INSERT INTO case_validations (id, case_id, kind, result, org_id, validated_by, evidence, note, at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            )
            .bind(id).bind(case).bind(new.kind.as_str()).bind(new.result.as_str()).bind(new.org_id)
            .bind(actor.user).bind(evidence.as_ref().map(|e| e.2.clone())).bind(&new.note).bind(at)
            .execute(&mut *tx).await?;
            append_audit!(tx, actor, AuditEvent::new("case.validation", "case", case.to_string())
                .with_detail(json!({"validation": id, "kind": new.kind.as_str(), "result": new.result.as_str(), "org": new.org_id})), at);
            let (quorum, validations) = quorum_and_validations(&mut *tx, case).await?;
            let to = if quorum.is_met(&reporters, &validations) { CaseState::Validated } else { CaseState::Validating };
            if to != from {
                unapply_sources(&mut *tx, &[case]).await?;
                sqlx::query("UPDATE cases SET state = $1, updated_at = $2 WHERE id = $3")
                    .bind(to.as_str()).bind(at).bind(case).execute(&mut *tx).await?;
                if to == CaseState::Validated {
                    sqlx::query("UPDATE cases SET validated_at = $1 WHERE id = $2")
                        .bind(at).bind(case).execute(&mut *tx).await?;
                }
                apply_sources(&mut *tx, &[case]).await?;
                append_audit!(tx, actor, AuditEvent::new("case.transition", "case", case.to_string())
                    .with_detail(json!({"from": from.as_str(), "to": to.as_str(), "by": "quorum"})), at);
            }
        });
        let v = self
            .case_validations(case)
            .await?
            .into_iter()
            .find(|v| v.id == id)
            .ok_or(StoreError::NotFound)?;
        Ok((v, self.case(case).await?))
    }

    /// Asks `org` to validate a case (`kind`): it becomes a party to the
    /// case. A reproduction is never asked of a reporter (not independent).
    /// Asking again is harmless.
    pub async fn assign_validation(
        &self,
        actor: &Actor,
        case: Uuid,
        kind: ValidationKind,
        org: Uuid,
        now: OffsetDateTime,
    ) -> Result<()> {
        let at = to_micros(now);
        write_tx!(self, tx => {
            let state: Option<String> = sqlx::query_scalar("SELECT state FROM cases WHERE id = $1")
                .bind(case).fetch_optional(&mut *tx).await?;
            let state: CaseState = match state {
                None => return Err(StoreError::NotFound),
                Some(s) => parse_col("cases.state", &s)?,
            };
            if !matches!(state, CaseState::New | CaseState::Triaged | CaseState::Validating) {
                return Err(StoreError::Conflict(format!(
                    "a {state} case is not validated any more"
                )));
            }
            known_org(&mut *tx, org).await?;
            let reporters = tx.case_reporters(case).await?;
            if kind == ValidationKind::Reproduction && reporters.contains(&org) {
                return Err(StoreError::Invalid(
                    "a reproduction is asked of an organization that did not report the case".into(),
                ));
            }
            let fresh = sqlx::query(
                "INSERT INTO case_tasks (case_id, kind, org_id, assigned_by, at) VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT DO NOTHING",
            )
            .bind(case).bind(kind.as_str()).bind(org).bind(actor.user).bind(at)
            .execute(&mut *tx).await?.rows_affected() == 1;
            if fresh {
                append_audit!(tx, actor, AuditEvent::new("case.task", "case", case.to_string())
                    .with_detail(json!({"kind": kind.as_str(), "org": org})), at);
            }
        });
        Ok(())
    }

    /// A case's validations, oldest first.
    pub async fn case_validations(&self, case: Uuid) -> Result<Vec<CaseValidation>> {
        let rows: Vec<ValidationRow> = with_pool!(self, pool => {
            sqlx::query_as(
                "SELECT id, case_id, kind, result, org_id, validated_by, evidence, note, at \
                 FROM case_validations WHERE case_id = $1 ORDER BY at, id",
            ).bind(case).fetch_all(pool).await?
        });
        rows.into_iter().map(CaseValidation::try_from).collect()
    }
}
