//! Trusted partners (vetting, attestations) and early-access grants, as stored.
//!
//! A grant's stored state is what the parties decided (`proposed`,
//! `concurred`, `objected`, `revoked`); its status at an instant (a concurred
//! grant is `pending`, `active` or `expired` by its window) is the domain rule
//! [`bulwark_core::grant_status`], never stored. Every change is one
//! transaction with its audit entry and, for grants, its outbox event; every
//! access check is audited with its answer.

use bulwark_core::{
    AttestationKind, AuditEvent, GrantScope, GrantState, GrantStatus, OrgKind, Vetting,
    from_micros, grant_status, rfc3339, to_micros,
};
use serde_json::json;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::audit::append_audit;
use crate::webhooks::publish_in_tx;
use crate::{
    Actor, MIN_ID, Page, PageRequest, Result, Store, StoreError, paginate, parse_col, with_pool,
    write_tx,
};

/// Longest conditions text and vetting reason, in bytes.
const MAX_TEXT: usize = 8 * 1024;

/// One attestation a partner made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attestation {
    pub id: Uuid,
    pub org_id: Uuid,
    pub kind: AttestationKind,
    pub expires_at: OffsetDateTime,
    pub attested_by: Option<Uuid>,
    pub at: OffsetDateTime,
}

/// A partner organization's standing: vetting and attestations (newest first).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartnerStanding {
    pub org_id: Uuid,
    /// `pending` until the agencies vet it.
    pub vetting: Vetting,
    pub vetting_reason: Option<String>,
    pub vetted_by: Option<Uuid>,
    pub updated_at: Option<OffsetDateTime>,
    pub attestations: Vec<Attestation>,
}

impl PartnerStanding {
    /// The attestation kinds not covered by an attestation unexpired at `now`.
    pub fn missing_attestations(&self, now: OffsetDateTime) -> Vec<AttestationKind> {
        AttestationKind::ALL
            .iter()
            .copied()
            .filter(|k| {
                !self
                    .attestations
                    .iter()
                    .any(|a| a.kind == *k && a.expires_at > now)
            })
            .collect()
    }
}

/// An early-access grant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub id: Uuid,
    pub model_id: Uuid,
    pub partner_org: Uuid,
    /// The model's owner, which proposed the grant.
    pub developer_org: Uuid,
    pub scope: GrantScope,
    pub starts_at: OffsetDateTime,
    pub ends_at: OffsetDateTime,
    pub conditions: String,
    pub state: GrantState,
    /// Why it was objected to or revoked (or an optional note on concurrence).
    pub reason: Option<String>,
    pub proposed_by: Option<Uuid>,
    pub decided_by: Option<Uuid>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    /// The lead agency of the model's latest review that has one (not
    /// withdrawn): the government's side of the grant. Read, never stored,
    /// so a later triage takes effect at once.
    pub lead_agency: Option<Uuid>,
}

impl Grant {
    /// The grant's status at `now`.
    pub fn status(&self, now: OffsetDateTime) -> GrantStatus {
        grant_status(self.state, self.starts_at, self.ends_at, now)
    }
}

/// A grant as the developer proposes it.
#[derive(Debug, Clone)]
pub struct NewGrant {
    pub model_id: Uuid,
    pub partner_org: Uuid,
    pub scope: GrantScope,
    pub starts_at: OffsetDateTime,
    pub ends_at: OffsetDateTime,
    pub conditions: String,
}

/// The answer to "may partner P use model M now, for scope S?".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessAnswer {
    pub allowed: bool,
    pub reason: String,
    /// The grant that allows it, when allowed.
    pub grant: Option<Uuid>,
}

#[derive(sqlx::FromRow)]
struct VettingRow {
    status: String,
    reason: Option<String>,
    decided_by: Option<Uuid>,
    updated_at: i64,
}

#[derive(sqlx::FromRow)]
struct AttestationRow {
    id: Uuid,
    org_id: Uuid,
    kind: String,
    expires_at: i64,
    attested_by: Option<Uuid>,
    at: i64,
}

impl TryFrom<AttestationRow> for Attestation {
    type Error = StoreError;
    fn try_from(r: AttestationRow) -> Result<Self> {
        Ok(Attestation {
            id: r.id,
            org_id: r.org_id,
            kind: parse_col("partner_attestations.kind", &r.kind)?,
            expires_at: from_micros(r.expires_at),
            attested_by: r.attested_by,
            at: from_micros(r.at),
        })
    }
}

#[derive(sqlx::FromRow)]
struct GrantRow {
    id: Uuid,
    model_id: Uuid,
    partner_org: Uuid,
    developer_org: Uuid,
    scope: String,
    starts_at: i64,
    ends_at: i64,
    conditions: String,
    state: String,
    reason: Option<String>,
    proposed_by: Option<Uuid>,
    decided_by: Option<Uuid>,
    created_at: i64,
    updated_at: i64,
    lead_agency: Option<Uuid>,
}

impl TryFrom<GrantRow> for Grant {
    type Error = StoreError;
    fn try_from(r: GrantRow) -> Result<Self> {
        Ok(Grant {
            id: r.id,
            model_id: r.model_id,
            partner_org: r.partner_org,
            developer_org: r.developer_org,
            scope: parse_col("grants.scope", &r.scope)?,
            starts_at: from_micros(r.starts_at),
            ends_at: from_micros(r.ends_at),
            conditions: r.conditions,
            state: parse_col("grants.state", &r.state)?,
            reason: r.reason,
            proposed_by: r.proposed_by,
            decided_by: r.decided_by,
            created_at: from_micros(r.created_at),
            updated_at: from_micros(r.updated_at),
            lead_agency: r.lead_agency,
        })
    }
}

const ATTESTATION_COLUMNS: &str = "id, org_id, kind, expires_at, attested_by, at";
const GRANT_COLUMNS: &str = "id, model_id, partner_org, developer_org, scope, starts_at, ends_at, \
     conditions, state, reason, proposed_by, decided_by, created_at, updated_at, \
     (SELECT s.lead_agency FROM submissions s WHERE s.model_id = grants.model_id \
      AND s.lead_agency IS NOT NULL AND s.state <> 'withdrawn' \
      ORDER BY s.created_at DESC, s.id DESC LIMIT 1) AS lead_agency";

fn check_text(what: &str, text: &str) -> Result<()> {
    if text.len() > MAX_TEXT {
        return Err(StoreError::Invalid(format!(
            "{what} is longer than {MAX_TEXT} bytes"
        )));
    }
    if text
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return Err(StoreError::Invalid(format!(
            "{what} contains control characters"
        )));
    }
    Ok(())
}

/// The event a decision publishes.
fn event_for(state: GrantState) -> &'static str {
    match state {
        GrantState::Proposed => "grant.proposed",
        GrantState::Concurred => "grant.concurred",
        GrantState::Objected => "grant.objected",
        GrantState::Revoked => "grant.revoked",
    }
}

/// What an event says: the grant and its state only. Subscribers of every
/// organization receive it; the details are for those the policy lets read
/// the grant (GET /api/v1/grants/{id}).
fn event_payload(id: Uuid, state: GrantState) -> serde_json::Value {
    json!({"grant": id, "state": state.as_str()})
}

impl Store {
    /// Fails with `Invalid` unless `org` is an organization of kind partner.
    async fn require_partner_org(&self, org: Uuid) -> Result<()> {
        match self.organization(org).await {
            Ok(o) if o.kind == OrgKind::Partner => Ok(()),
            Ok(o) => Err(StoreError::Invalid(format!(
                "organization {org} is a {} organization, not a trusted partner",
                o.kind.as_str()
            ))),
            Err(StoreError::NotFound) => Err(StoreError::Invalid(format!(
                "no partner organization {org}"
            ))),
            Err(e) => Err(e),
        }
    }

    /// A partner organization's vetting and attestations. `NotFound` if `org`
    /// is no partner organization.
    pub async fn partner(&self, org: Uuid) -> Result<PartnerStanding> {
        match self.require_partner_org(org).await {
            Ok(()) => {}
            Err(StoreError::Invalid(_)) => return Err(StoreError::NotFound),
            Err(e) => return Err(e),
        }
        let vetting: Option<VettingRow> = with_pool!(self, pool => {
            sqlx::query_as("SELECT status, reason, decided_by, updated_at FROM partner_vetting WHERE org_id = $1")
                .bind(org).fetch_optional(pool).await?
        });
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {ATTESTATION_COLUMNS} FROM partner_attestations WHERE org_id = $1 ORDER BY at DESC, id DESC"
        ));
        let rows: Vec<AttestationRow> = with_pool!(self, pool => {
            sqlx::query_as(sql).bind(org).fetch_all(pool).await?
        });
        let attestations = rows
            .into_iter()
            .map(Attestation::try_from)
            .collect::<Result<Vec<_>>>()?;
        Ok(match vetting {
            Some(v) => PartnerStanding {
                org_id: org,
                vetting: parse_col("partner_vetting.status", &v.status)?,
                vetting_reason: v.reason,
                vetted_by: v.decided_by,
                updated_at: Some(from_micros(v.updated_at)),
                attestations,
            },
            None => PartnerStanding {
                org_id: org,
                vetting: Vetting::Pending,
                vetting_reason: None,
                vetted_by: None,
                updated_at: None,
                attestations,
            },
        })
    }

    /// Sets a partner organization's vetting status.
    pub async fn set_partner_vetting(
        &self,
        actor: &Actor,
        org: Uuid,
        status: Vetting,
        reason: Option<&str>,
        now: OffsetDateTime,
    ) -> Result<PartnerStanding> {
        self.require_partner_org(org).await?;
        if let Some(r) = reason {
            check_text("reason", r)?;
        }
        let at = to_micros(now);
        write_tx!(self, tx => {
            sqlx::query(
                "INSERT INTO partner_vetting (org_id, status, reason, decided_by, updated_at) \
                 VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (org_id) DO UPDATE SET status = excluded.status, reason = excluded.reason, \
                 decided_by = excluded.decided_by, updated_at = excluded.updated_at",
            )
            .bind(org).bind(status.as_str()).bind(reason).bind(actor.user).bind(at)
            .execute(&mut *tx).await?;
            append_audit!(tx, actor, AuditEvent::new("partner.vet", "partner", org.to_string())
                .with_detail(json!({"status": status.as_str(), "reason": reason})), at);
        });
        self.partner(org).await
    }

    /// Records an attestation by a partner organization, valid until `expires_at`.
    pub async fn add_partner_attestation(
        &self,
        actor: &Actor,
        org: Uuid,
        kind: AttestationKind,
        expires_at: OffsetDateTime,
        now: OffsetDateTime,
    ) -> Result<Attestation> {
        self.require_partner_org(org).await?;
        if expires_at <= now {
            return Err(StoreError::Invalid(format!(
                "the attestation must expire in the future, after {}",
                rfc3339(now)
            )));
        }
        let id = Uuid::now_v7();
        let at = to_micros(now);
        write_tx!(self, tx => {
            sqlx::query(
                "INSERT INTO partner_attestations (id, org_id, kind, expires_at, attested_by, at) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(id).bind(org).bind(kind.as_str()).bind(to_micros(expires_at)).bind(actor.user).bind(at)
            .execute(&mut *tx).await?;
            append_audit!(tx, actor, AuditEvent::new("partner.attest", "partner", org.to_string())
                .with_detail(json!({"attestation": id, "kind": kind.as_str(), "expires": rfc3339(expires_at)})), at);
        });
        Ok(Attestation {
            id,
            org_id: org,
            kind,
            expires_at: from_micros(to_micros(expires_at)),
            attested_by: actor.user,
            at: from_micros(at),
        })
    }

    /// Records a developer's proposal. The developer organization is the
    /// model's owner.
    pub async fn propose_grant(
        &self,
        actor: &Actor,
        new: &NewGrant,
        now: OffsetDateTime,
    ) -> Result<Grant> {
        if new.ends_at <= new.starts_at {
            return Err(StoreError::Invalid(
                "the grant must end after it starts".into(),
            ));
        }
        if new.ends_at <= now {
            return Err(StoreError::Invalid(format!(
                "the grant's window has already ended: it must end after {}",
                rfc3339(now)
            )));
        }
        check_text("conditions", &new.conditions)?;
        let model = match self.model(new.model_id).await {
            Ok(m) => m,
            Err(StoreError::NotFound) => {
                return Err(StoreError::Invalid(format!("no model {}", new.model_id)));
            }
            Err(e) => return Err(e),
        };
        self.require_partner_org(new.partner_org).await?;
        let id = Uuid::now_v7();
        let at = to_micros(now);
        write_tx!(self, tx => {
            sqlx::query(
                "INSERT INTO grants (id, model_id, partner_org, developer_org, scope, starts_at, ends_at, \
                 conditions, state, reason, proposed_by, decided_by, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, NULL, $10, NULL, $11, $11)",
            )
            .bind(id).bind(new.model_id).bind(new.partner_org).bind(model.owner_org)
            .bind(new.scope.as_str()).bind(to_micros(new.starts_at)).bind(to_micros(new.ends_at))
            .bind(&new.conditions).bind(GrantState::Proposed.as_str()).bind(actor.user).bind(at)
            .execute(&mut *tx).await?;
            append_audit!(tx, actor, AuditEvent::new("grant.propose", "grant", id.to_string())
                .with_detail(json!({
                    "model": new.model_id, "partner": new.partner_org, "scope": new.scope.as_str(),
                    "starts": rfc3339(new.starts_at), "ends": rfc3339(new.ends_at),
                })), at);
            publish_in_tx!(tx, actor, event_for(GrantState::Proposed), &event_payload(id, GrantState::Proposed), now);
        });
        self.grant(id).await
    }

    /// Moves a grant to `to` (concurred, objected or revoked). A move the
    /// grant's state does not allow is a `Conflict` naming the allowed ones;
    /// objecting and revoking need a reason.
    pub async fn decide_grant(
        &self,
        actor: &Actor,
        id: Uuid,
        to: GrantState,
        reason: Option<&str>,
        now: OffsetDateTime,
    ) -> Result<Grant> {
        let reason = reason.map(str::trim).filter(|r| !r.is_empty());
        if let Some(r) = reason {
            check_text("reason", r)?;
        }
        if matches!(to, GrantState::Objected | GrantState::Revoked) && reason.is_none() {
            return Err(StoreError::Invalid(format!(
                "a reason is required to move a grant to {to}"
            )));
        }
        let at = to_micros(now);
        write_tx!(self, tx => {
            let state: Option<String> = sqlx::query_scalar("SELECT state FROM grants WHERE id = $1")
                .bind(id).fetch_optional(&mut *tx).await?;
            let from: GrantState = parse_col("grants.state", &state.ok_or(StoreError::NotFound)?)?;
            if !from.next().contains(&to) {
                let allowed: Vec<&str> = from.next().iter().map(|s| s.as_str()).collect();
                return Err(StoreError::Conflict(format!(
                    "the grant is {from}; it cannot become {to}; allowed: {}",
                    if allowed.is_empty() { "none".to_owned() } else { allowed.join(", ") }
                )));
            }
            sqlx::query(
                "UPDATE grants SET state = $1, reason = $2, decided_by = $3, updated_at = $4 \
                 WHERE id = $5 AND state = $6",
            )
            .bind(to.as_str()).bind(reason).bind(actor.user).bind(at).bind(id).bind(from.as_str())
            .execute(&mut *tx).await?;
            let action = match to {
                GrantState::Concurred => "grant.concur",
                GrantState::Objected => "grant.object",
                GrantState::Revoked => "grant.revoke",
                GrantState::Proposed => "grant.propose",
            };
            append_audit!(tx, actor, AuditEvent::new(action, "grant", id.to_string())
                .with_detail(json!({"from": from.as_str(), "to": to.as_str(), "reason": reason})), at);
            publish_in_tx!(tx, actor, event_for(to), &event_payload(id, to), now);
        });
        self.grant(id).await
    }

    pub async fn grant(&self, id: Uuid) -> Result<Grant> {
        let sql = sqlx::AssertSqlSafe(format!("SELECT {GRANT_COLUMNS} FROM grants WHERE id = $1"));
        let row: Option<GrantRow> = with_pool!(self, pool => {
            sqlx::query_as(sql).bind(id).fetch_optional(pool).await?
        });
        row.ok_or(StoreError::NotFound)?.try_into()
    }

    /// Every grant, by id (creation order); the caller filters what its reader may see.
    pub async fn grants(&self, page: PageRequest) -> Result<Page<Grant>> {
        let limit = page.effective_limit();
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {GRANT_COLUMNS} FROM grants WHERE id > $1 ORDER BY id LIMIT $2"
        ));
        let rows: Vec<GrantRow> = with_pool!(self, pool => {
            sqlx::query_as(sql).bind(page.after.unwrap_or(MIN_ID)).bind(limit + 1).fetch_all(pool).await?
        });
        let rows = rows
            .into_iter()
            .map(Grant::try_from)
            .collect::<Result<Vec<_>>>()?;
        Ok(paginate(rows, limit, |g| g.id))
    }

    /// The grants of model `model_id` to partner `partner_org`, any scope or
    /// status, oldest first.
    pub async fn grants_to_partner(&self, partner_org: Uuid, model_id: Uuid) -> Result<Vec<Grant>> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {GRANT_COLUMNS} FROM grants WHERE model_id = $1 AND partner_org = $2 ORDER BY id"
        ));
        let rows: Vec<GrantRow> = with_pool!(self, pool => {
            sqlx::query_as(sql).bind(model_id).bind(partner_org).fetch_all(pool).await?
        });
        rows.into_iter().map(Grant::try_from).collect()
    }

    /// May partner `partner_org` use model `model_id` at `now`, for `scope`?
    /// Yes only with a concurred grant for that model, partner and scope whose
    /// window holds `now`, a vetted partner, and every attestation kind
    /// unexpired. The call and its answer are audited.
    pub async fn check_access(
        &self,
        actor: &Actor,
        partner_org: Uuid,
        model_id: Uuid,
        scope: GrantScope,
        now: OffsetDateTime,
    ) -> Result<AccessAnswer> {
        let answer = self
            .access_answer(partner_org, model_id, scope, now)
            .await?;
        let at = to_micros(now);
        write_tx!(self, tx => {
            append_audit!(tx, actor, AuditEvent::new("access.check", "model", model_id.to_string())
                .with_detail(json!({
                    "partner": partner_org, "scope": scope.as_str(),
                    "allowed": answer.allowed, "reason": answer.reason, "grant": answer.grant,
                })), at);
        });
        Ok(answer)
    }

    async fn access_answer(
        &self,
        partner_org: Uuid,
        model_id: Uuid,
        scope: GrantScope,
        now: OffsetDateTime,
    ) -> Result<AccessAnswer> {
        let no = |reason: String| AccessAnswer {
            allowed: false,
            reason,
            grant: None,
        };
        // A trusted partner stands by its vetting and attestations; an
        // agency, by the program office's approval of its access request
        // (the grant's request, active below). Any other organization holds
        // no early access.
        let standing = match self.partner(partner_org).await {
            Ok(s) => Some(s),
            Err(StoreError::NotFound) => match self.organization(partner_org).await {
                Ok(o) if o.kind == OrgKind::Agency => None,
                Ok(_) | Err(StoreError::NotFound) => {
                    return Ok(no(format!(
                        "{partner_org} is not a trusted partner organization"
                    )));
                }
                Err(e) => return Err(e),
            },
            Err(e) => return Err(e),
        };
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {GRANT_COLUMNS} FROM grants WHERE model_id = $1 AND partner_org = $2 AND scope = $3 ORDER BY id"
        ));
        let rows: Vec<GrantRow> = with_pool!(self, pool => {
            sqlx::query_as(sql).bind(model_id).bind(partner_org).bind(scope.as_str()).fetch_all(pool).await?
        });
        let grants = rows
            .into_iter()
            .map(Grant::try_from)
            .collect::<Result<Vec<_>>>()?;
        let Some(grant) = grants.iter().find(|g| g.status(now) == GrantStatus::Active) else {
            let seen: Vec<String> = grants
                .iter()
                .map(|g| format!("{} is {}", g.id, g.status(now)))
                .collect();
            return Ok(no(if seen.is_empty() {
                format!("no grant of this model to this partner for scope {scope}")
            } else {
                format!("no active grant for scope {scope}: {}", seen.join("; "))
            }));
        };
        let Some(standing) = standing else {
            let request = self.access_request_for_grant(grant.id).await?;
            return Ok(match request {
                Some(r) if r.state == "active" => AccessAnswer {
                    allowed: true,
                    reason: format!(
                        "grant {} is active for scope {scope} until {}, under access request {}",
                        grant.id,
                        rfc3339(grant.ends_at),
                        r.id
                    ),
                    grant: Some(grant.id),
                },
                Some(r) => no(format!(
                    "the grant's access request {} is {}",
                    r.id, r.state
                )),
                None => no(format!(
                    "grant {} to an agency answers no access request",
                    grant.id
                )),
            });
        };
        if standing.vetting != Vetting::Vetted {
            return Ok(no(format!(
                "the partner is {}, not vetted",
                standing.vetting
            )));
        }
        let missing = standing.missing_attestations(now);
        if !missing.is_empty() {
            let names: Vec<&str> = missing.iter().map(|k| k.as_str()).collect();
            return Ok(no(format!(
                "the partner has no unexpired attestation of: {}",
                names.join(", ")
            )));
        }
        Ok(AccessAnswer {
            allowed: true,
            reason: format!(
                "grant {} is active for scope {scope} until {}",
                grant.id,
                rfc3339(grant.ends_at)
            ),
            grant: Some(grant.id),
        })
    }
}
