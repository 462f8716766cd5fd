//! Programs of the program office and agencies' access requests to the
//! catalogue's tools (migration 0037).
//!
//! The store keeps a program's eligibility as the application's JSON and a
//! request's state as a word; which moves are allowed is the application's
//! (`bulwark_tools::program`). Every change is one transaction with its
//! audit entry and its event (`program.created`, `program.updated`,
//! `access.requested`, `access.approved`, `access.activated`,
//! `access.denied`, `access.revoked`). A move is a compare-and-set on the
//! state the caller read: a request that moved meanwhile is a `Conflict`.
//!
//! For a covered frontier model the program office's approval also
//! proposes an early-access grant of the model to the agency, and the
//! developer's answer on the request decides the grant in the same
//! transaction: one decision, kept in both places. Revoking the request
//! revokes its grant with it.

use bulwark_core::{AuditEvent, GrantScope, GrantState, from_micros, rfc3339, to_micros};
use serde_json::json;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::audit::append_audit;
use crate::webhooks::publish_in_tx;
use crate::{Actor, Result, Store, StoreError, with_pool, write_tx};

/// A program as the program office writes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProgramFields {
    pub name: String,
    pub summary: String,
    /// JSON, as the application writes it.
    pub eligibility: String,
    pub max_days: i64,
    pub conditions: String,
    /// The catalogue entries offered.
    pub tools: Vec<Uuid>,
}

/// A program as kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredProgram {
    pub id: Uuid,
    pub fields: ProgramFields,
    pub created_by: Option<Uuid>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

/// An agency's request, as checked by the application.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAccessRequest {
    pub agency_org: Uuid,
    pub program_id: Uuid,
    pub tool_id: Uuid,
    pub use_case_id: String,
    pub systems: Vec<Uuid>,
    pub data_tlp: String,
    pub embargoed: bool,
    pub starts_at: OffsetDateTime,
    pub ends_at: OffsetDateTime,
    pub requested_by: Option<Uuid>,
}

/// A request as kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredAccessRequest {
    pub id: Uuid,
    pub agency_org: Uuid,
    pub program_id: Uuid,
    pub tool_id: Uuid,
    pub use_case_id: String,
    pub systems: Vec<Uuid>,
    pub data_tlp: String,
    pub embargoed: bool,
    pub starts_at: OffsetDateTime,
    pub ends_at: OffsetDateTime,
    pub state: String,
    /// The developer whose agreement the approval waits for (the owner of
    /// a covered frontier model); set by the approval.
    pub developer_org: Option<Uuid>,
    pub conditions: Option<String>,
    pub authorising_official: Option<String>,
    /// Why it was denied or revoked.
    pub reason: Option<String>,
    pub decided_by: Option<Uuid>,
    pub decided_at: Option<OffsetDateTime>,
    pub expires_at: Option<OffsetDateTime>,
    /// The early-access grant proposed with the approval.
    pub grant_id: Option<Uuid>,
    pub requested_by: Option<Uuid>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

/// The early-access grant an approval proposes: the model, its owner and
/// the scope; the grantee is the agency, the window the request's start to
/// the approval's expiry, the conditions the approval's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantProposal {
    pub model_id: Uuid,
    pub developer_org: Uuid,
    pub scope: GrantScope,
}

/// What the program office's approval records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessApproval {
    /// `approved` (waits for the developer) or `active`.
    pub to: String,
    pub conditions: String,
    pub authorising_official: String,
    pub expires_at: OffsetDateTime,
    pub decided_by: Option<Uuid>,
    /// For a covered frontier model.
    pub grant: Option<GrantProposal>,
}

#[derive(sqlx::FromRow)]
struct ProgramRow {
    id: Uuid,
    name: String,
    summary: String,
    eligibility: String,
    max_days: i64,
    conditions: String,
    created_by: Option<Uuid>,
    created_at: i64,
    updated_at: i64,
}

#[derive(sqlx::FromRow)]
struct RequestRow {
    id: Uuid,
    agency_org: Uuid,
    program_id: Uuid,
    tool_id: Uuid,
    use_case_id: String,
    data_tlp: String,
    embargoed: bool,
    starts_at: i64,
    ends_at: i64,
    state: String,
    developer_org: Option<Uuid>,
    conditions: Option<String>,
    authorising_official: Option<String>,
    reason: Option<String>,
    decided_by: Option<Uuid>,
    decided_at: Option<i64>,
    expires_at: Option<i64>,
    grant_id: Option<Uuid>,
    requested_by: Option<Uuid>,
    created_at: i64,
    updated_at: i64,
}

impl RequestRow {
    fn into_stored(self, systems: Vec<Uuid>) -> StoredAccessRequest {
        StoredAccessRequest {
            id: self.id,
            agency_org: self.agency_org,
            program_id: self.program_id,
            tool_id: self.tool_id,
            use_case_id: self.use_case_id,
            systems,
            data_tlp: self.data_tlp,
            embargoed: self.embargoed,
            starts_at: from_micros(self.starts_at),
            ends_at: from_micros(self.ends_at),
            state: self.state,
            developer_org: self.developer_org,
            conditions: self.conditions,
            authorising_official: self.authorising_official,
            reason: self.reason,
            decided_by: self.decided_by,
            decided_at: self.decided_at.map(from_micros),
            expires_at: self.expires_at.map(from_micros),
            grant_id: self.grant_id,
            requested_by: self.requested_by,
            created_at: from_micros(self.created_at),
            updated_at: from_micros(self.updated_at),
        }
    }
}

const PROGRAM_COLUMNS: &str =
    "id, name, summary, eligibility, max_days, conditions, created_by, created_at, updated_at";
const REQUEST_COLUMNS: &str = "id, agency_org, program_id, tool_id, use_case_id, data_tlp, \
     embargoed, starts_at, ends_at, state, developer_org, conditions, authorising_official, reason, \
     decided_by, decided_at, expires_at, grant_id, requested_by, created_at, updated_at";

/// The event a request's new state publishes.
fn access_event(state: &str) -> String {
    match state {
        "active" => "access.activated".to_owned(),
        other => format!("access.{other}"),
    }
}

/// What every access event says: the request, its agency, tool and state.
/// Subscribers read the rest where the policy lets them.
fn access_payload(r: &StoredAccessRequest, state: &str) -> serde_json::Value {
    json!({"access_request": r.id, "agency": r.agency_org, "tool": r.tool_id,
           "program": r.program_id, "state": state})
}

fn name_taken(e: StoreError, name: &str) -> StoreError {
    match e {
        StoreError::Conflict(_) => {
            StoreError::Conflict(format!("a program named {name:?} already exists"))
        }
        other => other,
    }
}

/// Writes the tools a program offers, its audit entry (`program.{verb}`)
/// and its event (`program.{verb}d`), in the writing transaction.
macro_rules! offer_and_record {
    ($tx:ident, $actor:expr, $id:expr, $fields:expr, $verb:literal, $now:expr) => {{
        for t in &$fields.tools {
            sqlx::query("INSERT INTO program_tools (program_id, tool_id) VALUES ($1, $2)")
                .bind($id).bind(t).execute(&mut *$tx).await?;
        }
        append_audit!($tx, $actor, AuditEvent::new(concat!("program.", $verb), "program", $id)
            .with_detail(json!({"name": $fields.name, "tools": $fields.tools,
                                "max_days": $fields.max_days})), to_micros($now));
        publish_in_tx!($tx, $actor, concat!("program.", $verb, "d"),
            &json!({"program": $id, "name": $fields.name}), $now);
    }};
}

/// The request moved out of `from` (one row updated), else it changed
/// under the caller.
fn moved(affected: u64, from: &str) -> Result<()> {
    if affected == 0 {
        return Err(StoreError::Conflict(format!(
            "the request is no longer {from}; read it again"
        )));
    }
    Ok(())
}

/// The audit entry and the event of a request's move, in its transaction.
macro_rules! record_move {
    ($tx:ident, $actor:expr, $r:expr, $action:expr, $detail:expr, $to:expr, $now:expr) => {{
        append_audit!(
            $tx,
            $actor,
            AuditEvent::new($action, "access_request", $r.id).with_detail($detail),
            to_micros($now)
        );
        publish_in_tx!(
            $tx,
            $actor,
            &access_event($to),
            &access_payload(&$r, $to),
            $now
        );
    }};
}

/// Moves a request's early-access grant from one of `from` to `to` with
/// its audit entry and event; evaluates to whether it moved.
macro_rules! move_grant {
    ($tx:ident, $actor:expr, $gid:expr, $from:expr, $to:expr, $reason:expr, $request:expr, $now:expr) => {{
        let (from, to): ([GrantState; 2], GrantState) = ($from, $to);
        let at = to_micros($now);
        let done = sqlx::query(
            "UPDATE grants SET state = $1, reason = $2, decided_by = $3, updated_at = $4 \
             WHERE id = $5 AND state IN ($6, $7)")
            .bind(to.as_str()).bind($reason).bind($actor.user).bind(at).bind($gid)
            .bind(from[0].as_str()).bind(from[1].as_str())
            .execute(&mut *$tx).await?;
        let moved = done.rows_affected() == 1;
        if moved {
            let action = match to {
                GrantState::Concurred => "grant.concur",
                GrantState::Objected => "grant.object",
                _ => "grant.revoke",
            };
            append_audit!($tx, $actor, AuditEvent::new(action, "grant", $gid.to_string())
                .with_detail(json!({"to": to.as_str(), "reason": $reason, "access_request": $request})), at);
            publish_in_tx!($tx, $actor, &format!("grant.{}", to.as_str()),
                &json!({"grant": $gid, "state": to.as_str()}), $now);
        }
        moved
    }};
}

impl Store {
    /// Adds a program with the tools it offers.
    pub async fn create_program(
        &self,
        actor: &Actor,
        fields: &ProgramFields,
        now: OffsetDateTime,
    ) -> Result<StoredProgram> {
        let id = Uuid::now_v7();
        let at = to_micros(now);
        let written: Result<()> = async {
            write_tx!(self, tx => {
                sqlx::query(
                    "INSERT INTO programs (id, name, summary, eligibility, max_days, conditions, \
                     created_by, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)")
                    .bind(id).bind(&fields.name).bind(&fields.summary).bind(&fields.eligibility)
                    .bind(fields.max_days).bind(&fields.conditions).bind(actor.user).bind(at)
                    .execute(&mut *tx).await?;
                offer_and_record!(tx, actor, id, fields, "create", now);
            });
            Ok(())
        }
        .await;
        written.map_err(|e| name_taken(e, &fields.name))?;
        self.program(id).await
    }

    /// Rewrites a program's terms and the tools it offers. Requests made
    /// under the earlier terms keep what they were decided on.
    pub async fn update_program(
        &self,
        actor: &Actor,
        id: Uuid,
        fields: &ProgramFields,
        now: OffsetDateTime,
    ) -> Result<StoredProgram> {
        let at = to_micros(now);
        let written: Result<()> = async {
            write_tx!(self, tx => {
                let done = sqlx::query(
                    "UPDATE programs SET name = $1, summary = $2, eligibility = $3, max_days = $4, \
                     conditions = $5, updated_at = $6 WHERE id = $7")
                    .bind(&fields.name).bind(&fields.summary).bind(&fields.eligibility)
                    .bind(fields.max_days).bind(&fields.conditions).bind(at).bind(id)
                    .execute(&mut *tx).await?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::NotFound);
                }
                sqlx::query("DELETE FROM program_tools WHERE program_id = $1")
                    .bind(id).execute(&mut *tx).await?;
                offer_and_record!(tx, actor, id, fields, "update", now);
            });
            Ok(())
        }
        .await;
        written.map_err(|e| name_taken(e, &fields.name))?;
        self.program(id).await
    }

    /// One program with its tools.
    pub async fn program(&self, id: Uuid) -> Result<StoredProgram> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {PROGRAM_COLUMNS} FROM programs WHERE id = $1"
        ));
        let row: Option<ProgramRow> = with_pool!(self, pool => {
            sqlx::query_as(sql).bind(id).fetch_optional(pool).await?
        });
        let row = row.ok_or(StoreError::NotFound)?;
        let tools: Vec<(Uuid,)> = with_pool!(self, pool => {
            sqlx::query_as("SELECT tool_id FROM program_tools WHERE program_id = $1 ORDER BY tool_id")
                .bind(id).fetch_all(pool).await?
        });
        Ok(StoredProgram {
            id: row.id,
            fields: ProgramFields {
                name: row.name,
                summary: row.summary,
                eligibility: row.eligibility,
                max_days: row.max_days,
                conditions: row.conditions,
                tools: tools.into_iter().map(|(t,)| t).collect(),
            },
            created_by: row.created_by,
            created_at: from_micros(row.created_at),
            updated_at: from_micros(row.updated_at),
        })
    }

    /// Every program, by name. The program office runs a handful.
    pub async fn programs(&self) -> Result<Vec<StoredProgram>> {
        let ids: Vec<(Uuid,)> = with_pool!(self, pool => {
            sqlx::query_as("SELECT id FROM programs ORDER BY name, id").fetch_all(pool).await?
        });
        let mut out = Vec::with_capacity(ids.len());
        for (id,) in ids {
            out.push(self.program(id).await?);
        }
        Ok(out)
    }

    /// Records an agency's request, `requested`.
    pub async fn request_access(
        &self,
        actor: &Actor,
        new: &NewAccessRequest,
        now: OffsetDateTime,
    ) -> Result<StoredAccessRequest> {
        let id = Uuid::now_v7();
        let at = to_micros(now);
        write_tx!(self, tx => {
            sqlx::query(
                "INSERT INTO access_requests (id, agency_org, program_id, tool_id, use_case_id, data_tlp, \
                 embargoed, starts_at, ends_at, state, requested_by, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'requested', $10, $11, $11)")
                .bind(id).bind(new.agency_org).bind(new.program_id).bind(new.tool_id)
                .bind(&new.use_case_id).bind(&new.data_tlp).bind(new.embargoed)
                .bind(to_micros(new.starts_at)).bind(to_micros(new.ends_at))
                .bind(new.requested_by).bind(at)
                .execute(&mut *tx).await?;
            for s in &new.systems {
                sqlx::query("INSERT INTO access_request_systems (request_id, system_id) VALUES ($1, $2)")
                    .bind(id).bind(s).execute(&mut *tx).await?;
            }
            append_audit!(tx, actor, AuditEvent::new("access.request", "access_request", id)
                .with_detail(json!({"agency": new.agency_org, "program": new.program_id,
                    "tool": new.tool_id, "use_case_id": new.use_case_id, "systems": new.systems,
                    "data_tlp": new.data_tlp, "embargoed": new.embargoed,
                    "starts": rfc3339(new.starts_at), "ends": rfc3339(new.ends_at)})), at);
            publish_in_tx!(tx, actor, "access.requested",
                &json!({"access_request": id, "agency": new.agency_org, "tool": new.tool_id,
                        "program": new.program_id, "state": "requested"}), now);
        });
        self.access_request(id).await
    }

    /// The program office's approval of a `requested` request: `to` is
    /// `active`, or `approved` with a grant proposed to the agency for the
    /// developer to accept.
    pub async fn approve_access(
        &self,
        actor: &Actor,
        id: Uuid,
        approval: &AccessApproval,
        now: OffsetDateTime,
    ) -> Result<StoredAccessRequest> {
        let r = self.access_request(id).await?;
        let at = to_micros(now);
        let grant_id = approval.grant.as_ref().map(|_| Uuid::now_v7());
        write_tx!(self, tx => {
            if let (Some(g), Some(gid)) = (&approval.grant, grant_id) {
                sqlx::query(
                    "INSERT INTO grants (id, model_id, partner_org, developer_org, scope, starts_at, ends_at, \
                     conditions, state, reason, proposed_by, decided_by, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, NULL, $10, NULL, $11, $11)")
                    .bind(gid).bind(g.model_id).bind(r.agency_org).bind(g.developer_org)
                    .bind(g.scope.as_str()).bind(to_micros(r.starts_at))
                    .bind(to_micros(approval.expires_at)).bind(&approval.conditions)
                    .bind(GrantState::Proposed.as_str()).bind(actor.user).bind(at)
                    .execute(&mut *tx).await?;
                append_audit!(tx, actor, AuditEvent::new("grant.propose", "grant", gid.to_string())
                    .with_detail(json!({"model": g.model_id, "partner": r.agency_org,
                        "scope": g.scope.as_str(), "starts": rfc3339(r.starts_at),
                        "ends": rfc3339(approval.expires_at), "access_request": id})), at);
                publish_in_tx!(tx, actor, "grant.proposed",
                    &json!({"grant": gid, "state": GrantState::Proposed.as_str()}), now);
            }
            let done = sqlx::query(
                "UPDATE access_requests SET state = $1, conditions = $2, authorising_official = $3, \
                 expires_at = $4, decided_by = $5, decided_at = $6, developer_org = $7, grant_id = $8, \
                 updated_at = $6 WHERE id = $9 AND state = 'requested'")
                .bind(&approval.to).bind(&approval.conditions).bind(&approval.authorising_official)
                .bind(to_micros(approval.expires_at)).bind(approval.decided_by).bind(at)
                .bind(approval.grant.as_ref().map(|g| g.developer_org)).bind(grant_id).bind(id)
                .execute(&mut *tx).await?;
            moved(done.rows_affected(), "requested")?;
            record_move!(tx, actor, r, "access.approve",
                json!({"to": approval.to, "official": approval.authorising_official,
                    "expires": rfc3339(approval.expires_at), "grant": grant_id}), &approval.to, now);
        });
        self.access_request(id).await
    }

    /// The developer's answer on an `approved` request: accepting activates
    /// the request and concurs its grant; declining denies the request and
    /// objects to the grant, with the reason. One transaction.
    pub async fn answer_access(
        &self,
        actor: &Actor,
        id: Uuid,
        accept: bool,
        reason: Option<&str>,
        now: OffsetDateTime,
    ) -> Result<StoredAccessRequest> {
        let r = self.access_request(id).await?;
        let at = to_micros(now);
        let (to, grant_to, action) = if accept {
            ("active", GrantState::Concurred, "access.accept")
        } else {
            ("denied", GrantState::Objected, "access.decline")
        };
        write_tx!(self, tx => {
            let done = sqlx::query(
                "UPDATE access_requests SET state = $1, reason = $2, updated_at = $3 \
                 WHERE id = $4 AND state = 'approved'")
                .bind(to).bind(reason).bind(at).bind(id)
                .execute(&mut *tx).await?;
            moved(done.rows_affected(), "approved")?;
            if let Some(gid) = r.grant_id {
                let proposed = [GrantState::Proposed, GrantState::Proposed];
                if !move_grant!(tx, actor, gid, proposed, grant_to, reason, id, now) {
                    return Err(StoreError::Conflict(
                        "the request's early-access grant is no longer proposed".into()));
                }
            }
            record_move!(tx, actor, r, action,
                json!({"to": to, "reason": reason, "grant": r.grant_id}), to, now);
        });
        self.access_request(id).await
    }

    /// The program office denies a `requested` request, with the reason.
    pub async fn deny_access(
        &self,
        actor: &Actor,
        id: Uuid,
        reason: &str,
        decided_by: Option<Uuid>,
        now: OffsetDateTime,
    ) -> Result<StoredAccessRequest> {
        let r = self.access_request(id).await?;
        let at = to_micros(now);
        write_tx!(self, tx => {
            let done = sqlx::query(
                "UPDATE access_requests SET state = 'denied', reason = $1, decided_by = $2, \
                 decided_at = $3, updated_at = $3 WHERE id = $4 AND state = 'requested'")
                .bind(reason).bind(decided_by).bind(at).bind(id)
                .execute(&mut *tx).await?;
            moved(done.rows_affected(), "requested")?;
            record_move!(tx, actor, r, "access.deny", json!({"reason": reason}), "denied", now);
        });
        self.access_request(id).await
    }

    /// Revokes a request in state `from` at once, and its early-access grant
    /// with it (unless the grant already ended), in one transaction.
    pub async fn revoke_access(
        &self,
        actor: &Actor,
        id: Uuid,
        from: &str,
        reason: &str,
        now: OffsetDateTime,
    ) -> Result<StoredAccessRequest> {
        let r = self.access_request(id).await?;
        let at = to_micros(now);
        write_tx!(self, tx => {
            let done = sqlx::query(
                "UPDATE access_requests SET state = 'revoked', reason = $1, updated_at = $2 \
                 WHERE id = $3 AND state = $4")
                .bind(reason).bind(at).bind(id).bind(from)
                .execute(&mut *tx).await?;
            moved(done.rows_affected(), from)?;
            if let Some(gid) = r.grant_id {
                // A grant that already ended stays as it ended.
                let live = [GrantState::Proposed, GrantState::Concurred];
                move_grant!(tx, actor, gid, live, GrantState::Revoked, reason, id, now);
            }
            record_move!(tx, actor, r, "access.revoke",
                json!({"from": from, "reason": reason, "grant": r.grant_id}), "revoked", now);
        });
        self.access_request(id).await
    }

    async fn request_systems(&self, id: Uuid) -> Result<Vec<Uuid>> {
        let rows: Vec<(Uuid,)> = with_pool!(self, pool => {
            sqlx::query_as("SELECT system_id FROM access_request_systems WHERE request_id = $1 ORDER BY system_id")
                .bind(id).fetch_all(pool).await?
        });
        Ok(rows.into_iter().map(|(s,)| s).collect())
    }

    async fn with_systems(&self, rows: Vec<RequestRow>) -> Result<Vec<StoredAccessRequest>> {
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let systems = self.request_systems(row.id).await?;
            out.push(row.into_stored(systems));
        }
        Ok(out)
    }

    /// One request with its systems.
    pub async fn access_request(&self, id: Uuid) -> Result<StoredAccessRequest> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {REQUEST_COLUMNS} FROM access_requests WHERE id = $1"
        ));
        let row: Option<RequestRow> = with_pool!(self, pool => {
            sqlx::query_as(sql).bind(id).fetch_optional(pool).await?
        });
        let row = row.ok_or(StoreError::NotFound)?;
        let systems = self.request_systems(id).await?;
        Ok(row.into_stored(systems))
    }

    /// The request whose approval proposed grant `grant`, if any.
    pub async fn access_request_for_grant(
        &self,
        grant: Uuid,
    ) -> Result<Option<StoredAccessRequest>> {
        let id: Option<(Uuid,)> = with_pool!(self, pool => {
            sqlx::query_as("SELECT id FROM access_requests WHERE grant_id = $1")
                .bind(grant).fetch_optional(pool).await?
        });
        match id {
            Some((id,)) => Ok(Some(self.access_request(id).await?)),
            None => Ok(None),
        }
    }

    /// An agency's requests, oldest first; every agency's when `agency` is
    /// `None` (the caller filters what its reader may see).
    pub async fn access_requests(&self, agency: Option<Uuid>) -> Result<Vec<StoredAccessRequest>> {
        let rows: Vec<RequestRow> = match agency {
            Some(org) => {
                let sql = sqlx::AssertSqlSafe(format!(
                    "SELECT {REQUEST_COLUMNS} FROM access_requests WHERE agency_org = $1 ORDER BY id"
                ));
                with_pool!(self, pool => { sqlx::query_as(sql).bind(org).fetch_all(pool).await? })
            }
            None => {
                let sql = sqlx::AssertSqlSafe(format!(
                    "SELECT {REQUEST_COLUMNS} FROM access_requests ORDER BY id"
                ));
                with_pool!(self, pool => { sqlx::query_as(sql).fetch_all(pool).await? })
            }
        };
        self.with_systems(rows).await
    }
}
