//! Deconflicted scanning: claims on scan targets, under a lease.
//!
//! The exclusive claim on a target holds the lease `scan:<kind>:<locator>`,
//! taken with the foundation's lease statement inside the claim's own
//! transaction, so the claim row, its lease and its audit entry commit
//! together, and of many concurrent claimants exactly one wins on either
//! back-end (one atomic upsert). A claimant who asks for overlap on purpose
//! (another technique, say) gets a claim beside the holder's, holding no
//! lease; both then see each other. A lease that runs out ends the claim by
//! itself: nothing has to sweep. The claim rows stay, with their outcomes:
//! that is the target's coverage, "nothing found" included. Claims that
//! name their tool are counted per tool version in the same transactions
//! (`tool_evidence.rs`).

use bulwark_core::{
    AuditEvent, ClaimOutcome, Target, TargetKind, Technique, from_micros, rfc3339, to_micros,
};
use serde_json::json;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use crate::audit::append_audit;
use crate::lease::LEASE_UPSERT;
use crate::tool_evidence::{ToolCounts, tool_key};
use crate::tx::Tx;
use crate::{Actor, Result, Store, StoreError, parse_col, with_pool, write_tx};

/// A claim's lease when the claimant names none.
pub const DEFAULT_CLAIM_LEASE: Duration = Duration::days(7);
/// The longest lease a claim may ask for at once (renewals extend it).
pub const MAX_CLAIM_LEASE: Duration = Duration::days(30);

/// A claim to make.
#[derive(Debug, Clone)]
pub struct NewClaim {
    pub org_id: Uuid,
    pub target: Target,
    pub technique: Technique,
    /// The scanner, e.g. `AFL++`.
    pub tool: Option<String>,
    /// The scanner's version, e.g. `4.21c`: the tool's scorecard counts
    /// claims per (tool, version), the empty version when none is given.
    pub tool_version: Option<String>,
    /// For an AI agent: the model that drives it.
    pub model_name: Option<String>,
    pub model_version: Option<String>,
    pub lease: Duration,
    /// Stand beside an active holder instead of being refused.
    pub overlap: bool,
}

/// A claim as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScanClaim {
    pub id: Uuid,
    pub target: Target,
    pub org_id: Uuid,
    pub claimed_by: Option<Uuid>,
    pub technique: Technique,
    pub tool: Option<String>,
    pub tool_version: Option<String>,
    pub model_name: Option<String>,
    pub model_version: Option<String>,
    /// Holds the target's lease; false for an overlap on purpose.
    pub exclusive: bool,
    pub created_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
    pub released_at: Option<OffsetDateTime>,
    pub outcome: Option<ClaimOutcome>,
    pub findings: Option<i64>,
    pub note: Option<String>,
}

impl ScanClaim {
    /// Not released and its lease not run out.
    pub fn is_active(&self, now: OffsetDateTime) -> bool {
        self.released_at.is_none() && self.expires_at > now
    }
}

/// What a claim attempt gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClaimAttempt {
    /// The claim stands; `alongside` are the other active claims on the
    /// target (empty for an uncontested exclusive claim).
    Claimed {
        claim: ScanClaim,
        alongside: Vec<ScanClaim>,
    },
    /// Another claim holds the target and overlap was not asked for.
    Refused { holder: ScanClaim },
}

#[derive(sqlx::FromRow)]
struct ClaimRow {
    id: Uuid,
    kind: String,
    locator: String,
    org_id: Uuid,
    claimed_by: Option<Uuid>,
    technique: String,
    tool: Option<String>,
    tool_version: Option<String>,
    model_name: Option<String>,
    model_version: Option<String>,
    exclusive: bool,
    created_at: i64,
    expires_at: i64,
    released_at: Option<i64>,
    outcome: Option<String>,
    findings: Option<i64>,
    note: Option<String>,
}

impl TryFrom<ClaimRow> for ScanClaim {
    type Error = StoreError;
    fn try_from(r: ClaimRow) -> Result<Self> {
        let kind: TargetKind = parse_col("scan_targets.kind", &r.kind)?;
        let target = Target::parse(kind, &r.locator)
            .map_err(|e| StoreError::Corrupt(format!("scan_targets.locator: {e}")))?;
        Ok(ScanClaim {
            id: r.id,
            target,
            org_id: r.org_id,
            claimed_by: r.claimed_by,
            technique: parse_col("scan_claims.technique", &r.technique)?,
            tool: r.tool,
            tool_version: r.tool_version,
            model_name: r.model_name,
            model_version: r.model_version,
            exclusive: r.exclusive,
            created_at: from_micros(r.created_at),
            expires_at: from_micros(r.expires_at),
            released_at: r.released_at.map(from_micros),
            outcome: r
                .outcome
                .as_deref()
                .map(|o| parse_col("scan_claims.outcome", o))
                .transpose()?,
            findings: r.findings,
            note: r.note,
        })
    }
}

impl Store {
    /// An organization's latest `limit` claims (at most 500), newest first.
    pub async fn org_claims(&self, org: Uuid, limit: u32) -> Result<Vec<ScanClaim>> {
        let limit = i64::from(limit.clamp(1, 500));
        let sql = sqlx::AssertSqlSafe(format!(
            "{CLAIM_SELECT} WHERE c.org_id = $1 ORDER BY c.created_at DESC, c.id DESC LIMIT $2"
        ));
        let rows: Vec<ClaimRow> = with_pool!(self, pool => {
            sqlx::query_as(sql).bind(org).bind(limit).fetch_all(pool).await?
        });
        rows.into_iter().map(ScanClaim::try_from).collect()
    }

    /// The claims active at `now` (not released, lease not run out), the
    /// soonest to end first, at most `limit` (at most 500).
    pub async fn active_claims(&self, now: OffsetDateTime, limit: u32) -> Result<Vec<ScanClaim>> {
        let limit = i64::from(limit.clamp(1, 500));
        let sql = sqlx::AssertSqlSafe(format!(
            "{CLAIM_SELECT} WHERE c.released_at IS NULL AND c.expires_at > $1 \
             ORDER BY c.expires_at, c.id LIMIT $2"
        ));
        let rows: Vec<ClaimRow> = with_pool!(self, pool => {
            sqlx::query_as(sql).bind(to_micros(now)).bind(limit).fetch_all(pool).await?
        });
        rows.into_iter().map(ScanClaim::try_from).collect()
    }
}

const CLAIM_SELECT: &str = "SELECT c.id, t.kind, t.locator, c.org_id, c.claimed_by, c.technique, \
     c.tool, c.tool_version, c.model_name, c.model_version, c.exclusive, c.created_at, c.expires_at, c.released_at, \
     c.outcome, c.findings, c.note FROM scan_claims c JOIN scan_targets t ON t.id = c.target_id";

fn lease_key(target: &Target) -> String {
    format!("scan:{}", target.key())
}

fn check_lease(lease: Duration) -> Result<()> {
    if lease <= Duration::ZERO || lease > MAX_CLAIM_LEASE {
        return Err(StoreError::Invalid(format!(
            "a claim's lease is more than zero and at most {} days",
            MAX_CLAIM_LEASE.whole_days()
        )));
    }
    Ok(())
}

fn check_label(what: &'static str, v: &Option<String>) -> Result<()> {
    match v {
        Some(s) => bulwark_core::clearinghouse::check_label(what, s)
            .map_err(|e| StoreError::Invalid(e.to_string())),
        None => Ok(()),
    }
}

impl Store {
    /// Claims a target (registering it if nobody had). Refused while another
    /// claim holds it, unless `overlap` is asked for.
    pub async fn claim_target(
        &self,
        actor: &Actor,
        new: &NewClaim,
        now: OffsetDateTime,
    ) -> Result<ClaimAttempt> {
        check_lease(new.lease)?;
        check_label("tool", &new.tool)?;
        check_label("tool version", &new.tool_version)?;
        if new.tool.is_none() && new.tool_version.is_some() {
            return Err(StoreError::Invalid(
                "a tool version needs the tool's name".into(),
            ));
        }
        check_label("model name", &new.model_name)?;
        check_label("model version", &new.model_version)?;
        if new.technique == Technique::AiAgent && new.model_name.is_none() {
            return Err(StoreError::Invalid(
                "an ai_agent claim names the model that drives it (model_name)".into(),
            ));
        }
        let id = Uuid::now_v7();
        let key = lease_key(&new.target);
        let (at, until) = (to_micros(now), to_micros(now + new.lease));
        let taken: std::result::Result<Option<i64>, String> = write_tx!(self, tx => {
            let registered = sqlx::query(
                "INSERT INTO scan_targets (id, kind, locator, created_at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (kind, locator) DO NOTHING",
            )
            .bind(Uuid::now_v7()).bind(new.target.kind().as_str()).bind(new.target.locator()).bind(at)
            .execute(&mut *tx).await?.rows_affected() == 1;
            let target_id: Uuid = sqlx::query_scalar(
                "SELECT id FROM scan_targets WHERE kind = $1 AND locator = $2",
            )
            .bind(new.target.kind().as_str()).bind(new.target.locator())
            .fetch_one(&mut *tx).await?;
            if registered {
                append_audit!(tx, actor, AuditEvent::new("target.register", "scan_target", target_id.to_string())
                    .with_detail(json!({"target": new.target.key()})), at);
            }
            let won: Option<(String, String, i64, i64)> = sqlx::query_as(LEASE_UPSERT)
                .bind(&key).bind(id.to_string()).bind(at).bind(until)
                .fetch_optional(&mut *tx).await?;
            let fence = won.map(|(_, _, _, fence)| fence);
            if fence.is_none() && !new.overlap {
                let holder: Option<String> = sqlx::query_scalar(
                    "SELECT holder FROM leases WHERE lease_key = $1",
                ).bind(&key).fetch_optional(&mut *tx).await?;
                // Nothing written: the transaction ends without a claim.
                Err(holder.unwrap_or_default())
            } else {
                sqlx::query(
                    "INSERT INTO scan_claims (id, target_id, org_id, claimed_by, technique, tool, model_name, \
                     model_version, exclusive, fence, created_at, expires_at, tool_version) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
                )
                .bind(id).bind(target_id).bind(new.org_id).bind(actor.user)
                .bind(new.technique.as_str()).bind(&new.tool).bind(&new.model_name)
                .bind(&new.model_version).bind(fence.is_some()).bind(fence).bind(at).bind(until)
                .bind(&new.tool_version)
                .execute(&mut *tx).await?;
                if let Some(key) = tool_key(new.tool.as_deref(), new.tool_version.as_deref()) {
                    tx.add_tool_counts(&[(key, ToolCounts { claims: 1, ..ToolCounts::default() })]).await?;
                }
                append_audit!(tx, actor, AuditEvent::new("claim.create", "scan_claim", id.to_string())
                    .with_detail(json!({
                        "target": new.target.key(),
                        "technique": new.technique.as_str(),
                        "model": new.model_name,
                        "exclusive": fence.is_some(),
                        "expires_at": rfc3339(now + new.lease),
                    })), at);
                Ok(fence)
            }
        });
        match taken {
            Ok(_) => {
                let claim = self.scan_claim(id).await?;
                let alongside = self
                    .coverage(&new.target)
                    .await?
                    .into_iter()
                    .filter(|c| c.id != id && c.is_active(now))
                    .collect();
                Ok(ClaimAttempt::Claimed { claim, alongside })
            }
            Err(holder) => {
                let holder_id = Uuid::parse_str(&holder).map_err(|_| {
                    StoreError::Corrupt(format!("lease {key} is held by {holder:?}, not a claim"))
                })?;
                Ok(ClaimAttempt::Refused {
                    holder: self.scan_claim(holder_id).await?,
                })
            }
        }
    }

    /// One claim. `NotFound` when there is none.
    pub async fn scan_claim(&self, id: Uuid) -> Result<ScanClaim> {
        let sql = sqlx::AssertSqlSafe(format!("{CLAIM_SELECT} WHERE c.id = $1"));
        let row: ClaimRow = with_pool!(self, pool => {
            sqlx::query_as(sql).bind(id).fetch_one(pool).await?
        });
        row.try_into()
    }

    /// Every claim ever made on a target, newest first: who scanned it, when,
    /// with what, and what came of it. Empty for a target nobody claimed.
    pub async fn coverage(&self, target: &Target) -> Result<Vec<ScanClaim>> {
        let sql = sqlx::AssertSqlSafe(format!(
            "{CLAIM_SELECT} WHERE t.kind = $1 AND t.locator = $2 ORDER BY c.created_at DESC, c.id DESC"
        ));
        let rows: Vec<ClaimRow> = with_pool!(self, pool => {
            sqlx::query_as(sql)
                .bind(target.kind().as_str()).bind(target.locator())
                .fetch_all(pool).await?
        });
        rows.into_iter().map(ScanClaim::try_from).collect()
    }

    /// Extends an active claim to `now + lease`. `Conflict` when it was
    /// released or its lease ran out (then claim anew).
    pub async fn renew_claim(
        &self,
        actor: &Actor,
        id: Uuid,
        lease: Duration,
        now: OffsetDateTime,
    ) -> Result<ScanClaim> {
        check_lease(lease)?;
        let claim = self.scan_claim(id).await?;
        if !claim.is_active(now) {
            return Err(StoreError::Conflict(
                "the claim is no longer active (released or lapsed): claim the target anew".into(),
            ));
        }
        let (at, until) = (to_micros(now), to_micros(now + lease));
        let key = lease_key(&claim.target);
        write_tx!(self, tx => {
            if claim.exclusive {
                let n = sqlx::query(
                    "UPDATE leases SET expires_at = $1 WHERE lease_key = $2 AND holder = $3 AND expires_at > $4",
                )
                .bind(until).bind(&key).bind(id.to_string()).bind(at)
                .execute(&mut *tx).await?.rows_affected();
                if n != 1 {
                    return Err(StoreError::Conflict(
                        "the claim's lease ran out: claim the target anew".into(),
                    ));
                }
            }
            sqlx::query("UPDATE scan_claims SET expires_at = $1 WHERE id = $2 AND released_at IS NULL")
                .bind(until).bind(id).execute(&mut *tx).await?;
            append_audit!(tx, actor, AuditEvent::new("claim.renew", "scan_claim", id.to_string())
                .with_detail(json!({"expires_at": rfc3339(now + lease)})), at);
        });
        self.scan_claim(id).await
    }

    /// Ends a claim with what came of it, giving its lease up at once. A
    /// lapsed claim may still be released, to record its outcome.
    pub async fn release_claim(
        &self,
        actor: &Actor,
        id: Uuid,
        outcome: ClaimOutcome,
        findings: Option<i64>,
        note: Option<&str>,
        now: OffsetDateTime,
    ) -> Result<ScanClaim> {
        match (outcome, findings) {
            (ClaimOutcome::Findings, Some(n)) if n > 0 => {}
            (ClaimOutcome::Findings, _) => {
                return Err(StoreError::Invalid(
                    "an outcome of findings gives their number (at least 1)".into(),
                ));
            }
            (_, Some(n)) if n != 0 => {
                return Err(StoreError::Invalid(format!(
                    "an outcome of {outcome} has no findings"
                )));
            }
            _ => {}
        }
        if let Some(n) = note
            && (n.len() > 4096 || n.chars().any(|c| c.is_control() && c != '\n'))
        {
            return Err(StoreError::Invalid(
                "a note is at most 4096 bytes without control characters".into(),
            ));
        }
        let claim = self.scan_claim(id).await?;
        if claim.released_at.is_some() {
            return Err(StoreError::Conflict(
                "the claim was already released".into(),
            ));
        }
        let at = to_micros(now);
        let key = lease_key(&claim.target);
        write_tx!(self, tx => {
            let n = sqlx::query(
                "UPDATE scan_claims SET released_at = $1, outcome = $2, findings = $3, note = $4 \
                 WHERE id = $5 AND released_at IS NULL",
            )
            .bind(at).bind(outcome.as_str()).bind(findings).bind(note).bind(id)
            .execute(&mut *tx).await?.rows_affected();
            if n != 1 {
                return Err(StoreError::Conflict("the claim was already released".into()));
            }
            sqlx::query("DELETE FROM leases WHERE lease_key = $1 AND holder = $2")
                .bind(&key).bind(id.to_string()).execute(&mut *tx).await?;
            if let Some((name, version)) = tool_key(claim.tool.as_deref(), claim.tool_version.as_deref()) {
                let mut c = ToolCounts::default();
                match outcome {
                    ClaimOutcome::Findings => c.claims_findings = 1,
                    ClaimOutcome::NothingFound => c.claims_nothing_found = 1,
                    ClaimOutcome::Abandoned => c.claims_abandoned = 1,
                }
                if outcome != ClaimOutcome::Abandoned {
                    // A target scanned again by the same version counts once.
                    let covered = sqlx::query(
                        "INSERT INTO tool_claim_targets (tool_name, tool_version, target_id) \
                         SELECT $1, $2, target_id FROM scan_claims WHERE id = $3 ON CONFLICT DO NOTHING",
                    )
                    .bind(&name).bind(&version).bind(id)
                    .execute(&mut *tx).await?.rows_affected();
                    c.targets = i64::try_from(covered).unwrap_or(0);
                }
                tx.add_tool_counts(&[((name, version), c)]).await?;
            }
            append_audit!(tx, actor, AuditEvent::new("claim.release", "scan_claim", id.to_string())
                .with_detail(json!({"outcome": outcome.as_str(), "findings": findings})), at);
        });
        self.scan_claim(id).await
    }
}
