//! The catalogue of AI-enabled defensive tools (migration 0034): entries as
//! their providers wrote them, their state in the program office's workflow,
//! and their versions.
//!
//! The store keeps the words as text and the lists and FedRAMP record as
//! JSON; what they mean and which moves are allowed is the application's
//! (`bulwark_tools`). Every change is audited; a change of state is also an
//! event (`tool.submitted`, `tool.approved`, `tool.rejected`,
//! `tool.withdrawn`, `tool.draft`), published in the same transaction.

use bulwark_core::{AuditEvent, from_micros, to_micros};
use serde_json::json;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::audit::append_audit;
use crate::webhooks::publish_in_tx;
use crate::{Actor, Result, Store, StoreError, with_pool, write_tx};

/// An entry's fields as its provider writes them.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolFields {
    pub name: String,
    pub kind: String,
    pub reports_as: String,
    pub ai_enabled: bool,
    pub summary: String,
    /// JSON array of deployment words.
    pub deployment: String,
    /// JSON array of artefact words.
    pub consumes: String,
    pub produces: String,
    pub max_tlp: String,
    pub embargoed: bool,
    /// JSON object, when the tool has a FedRAMP record.
    pub fedramp: Option<String>,
    pub model_id: Option<Uuid>,
}

/// A new entry: its provider and its fields; it starts as a draft.
#[derive(Debug, Clone)]
pub struct NewTool {
    pub provider_org: Uuid,
    pub created_by: Option<Uuid>,
    pub fields: ToolFields,
}

/// An entry as kept.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredTool {
    pub id: Uuid,
    pub provider_org: Uuid,
    pub fields: ToolFields,
    pub state: String,
    /// The program office's reason for its last decision, or the provider's
    /// for a withdrawal.
    pub state_reason: Option<String>,
    pub decided_by: Option<Uuid>,
    pub decided_at: Option<OffsetDateTime>,
    pub created_by: Option<Uuid>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

/// One version of a tool.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToolVersion {
    pub version: String,
    /// ISO 8601 date, as the provider gave it.
    pub released_on: Option<String>,
    pub note: Option<String>,
    pub added_by: Option<Uuid>,
    pub added_at: OffsetDateTime,
}

#[derive(sqlx::FromRow)]
struct ToolRow {
    id: Uuid,
    provider_org: Uuid,
    name: String,
    kind: String,
    reports_as: String,
    ai_enabled: bool,
    summary: String,
    deployment: String,
    consumes: String,
    produces: String,
    max_tlp: String,
    embargoed: bool,
    fedramp: Option<String>,
    model_id: Option<Uuid>,
    state: String,
    state_reason: Option<String>,
    decided_by: Option<Uuid>,
    decided_at: Option<i64>,
    created_by: Option<Uuid>,
    created_at: i64,
    updated_at: i64,
}

impl From<ToolRow> for StoredTool {
    fn from(r: ToolRow) -> Self {
        StoredTool {
            id: r.id,
            provider_org: r.provider_org,
            fields: ToolFields {
                name: r.name,
                kind: r.kind,
                reports_as: r.reports_as,
                ai_enabled: r.ai_enabled,
                summary: r.summary,
                deployment: r.deployment,
                consumes: r.consumes,
                produces: r.produces,
                max_tlp: r.max_tlp,
                embargoed: r.embargoed,
                fedramp: r.fedramp,
                model_id: r.model_id,
            },
            state: r.state,
            state_reason: r.state_reason,
            decided_by: r.decided_by,
            decided_at: r.decided_at.map(from_micros),
            created_by: r.created_by,
            created_at: from_micros(r.created_at),
            updated_at: from_micros(r.updated_at),
        }
    }
}

const TOOL_COLUMNS: &str = "id, provider_org, name, kind, reports_as, ai_enabled, summary, \
     deployment, consumes, produces, max_tlp, embargoed, fedramp, model_id, state, state_reason, \
     decided_by, decided_at, created_by, created_at, updated_at";

/// An update that found the entry moved since the caller read it.
const STALE: &str = "the entry changed meanwhile; read it again";

/// Which uniqueness rule a write broke, in the words of the API.
fn conflict(e: StoreError, f: &ToolFields) -> StoreError {
    match e {
        StoreError::Conflict(m) if m == STALE => StoreError::Conflict(m),
        StoreError::Conflict(_) => StoreError::Conflict(format!(
            "a tool named {:?} by this provider, or one that reports as {:?}, is already in the catalogue",
            f.name, f.reports_as
        )),
        other => other,
    }
}

/// A state change's event type.
fn state_event(state: &str) -> String {
    format!("tool.{state}")
}

impl Store {
    /// Adds a draft entry. A `Conflict` when the provider already has a
    /// tool of that name or another entry reports as the same name.
    pub async fn create_tool(
        &self,
        actor: &Actor,
        new: &NewTool,
        now: OffsetDateTime,
    ) -> Result<StoredTool> {
        let id = Uuid::now_v7();
        let at = to_micros(now);
        let f = &new.fields;
        let written: Result<()> = async {
            write_tx!(self, tx => {
                sqlx::query(
                    "INSERT INTO tools (id, provider_org, name, kind, reports_as, ai_enabled, summary, \
                     deployment, consumes, produces, max_tlp, embargoed, fedramp, model_id, state, \
                     created_by, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, 'draft', $15, $16, $16)")
                    .bind(id).bind(new.provider_org).bind(&f.name).bind(&f.kind).bind(&f.reports_as)
                    .bind(f.ai_enabled).bind(&f.summary).bind(&f.deployment).bind(&f.consumes)
                    .bind(&f.produces).bind(&f.max_tlp).bind(f.embargoed).bind(&f.fedramp)
                    .bind(f.model_id).bind(new.created_by).bind(at)
                    .execute(&mut *tx).await?;
                append_audit!(tx, actor, AuditEvent::new("tool.create", "tool", id)
                    .with_detail(json!({"name": f.name, "kind": f.kind, "reports_as": f.reports_as,
                                        "provider_org": new.provider_org})), at);
            });
            Ok(())
        }
        .await;
        written.map_err(|e| conflict(e, f))?;
        self.tool(id).await
    }

    /// Rewrites an entry's fields and puts it in `state` (the application
    /// decides: a change to what an approved tool may receive sends it back
    /// to the program office). `expected` is the state the caller read: a
    /// `Conflict` if the entry moved meanwhile.
    pub async fn update_tool(
        &self,
        actor: &Actor,
        id: Uuid,
        expected: &str,
        fields: &ToolFields,
        state: &str,
        now: OffsetDateTime,
    ) -> Result<StoredTool> {
        let at = to_micros(now);
        let written: Result<()> = async {
            write_tx!(self, tx => {
                let done = sqlx::query(
                    "UPDATE tools SET name = $1, kind = $2, reports_as = $3, ai_enabled = $4, summary = $5, \
                     deployment = $6, consumes = $7, produces = $8, max_tlp = $9, embargoed = $10, \
                     fedramp = $11, model_id = $12, state = $13, updated_at = $14 \
                     WHERE id = $15 AND state = $16")
                    .bind(&fields.name).bind(&fields.kind).bind(&fields.reports_as)
                    .bind(fields.ai_enabled).bind(&fields.summary).bind(&fields.deployment)
                    .bind(&fields.consumes).bind(&fields.produces).bind(&fields.max_tlp)
                    .bind(fields.embargoed).bind(&fields.fedramp).bind(fields.model_id)
                    .bind(state).bind(at).bind(id).bind(expected)
                    .execute(&mut *tx).await?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::Conflict(STALE.into()));
                }
                append_audit!(tx, actor, AuditEvent::new("tool.update", "tool", id)
                    .with_detail(json!({"name": fields.name, "state": state, "was": expected})), at);
                if state != expected {
                    publish_in_tx!(tx, actor, &state_event(state),
                        &json!({"tool": id, "state": state, "name": fields.name}), now);
                }
            });
            Ok(())
        }
        .await;
        written.map_err(|e| conflict(e, fields))?;
        self.tool(id).await
    }

    /// Moves an entry from `from` to `to` with a reason; `decided_by` is
    /// set for the program office's decisions. A `Conflict` when the entry
    /// is no longer in `from`.
    #[allow(clippy::too_many_arguments)]
    pub async fn set_tool_state(
        &self,
        actor: &Actor,
        id: Uuid,
        from: &str,
        to: &str,
        reason: Option<&str>,
        decided_by: Option<Uuid>,
        now: OffsetDateTime,
    ) -> Result<StoredTool> {
        let at = to_micros(now);
        write_tx!(self, tx => {
            let done = sqlx::query(
                "UPDATE tools SET state = $1, state_reason = $2, \
                 decided_by = COALESCE($3, decided_by), \
                 decided_at = CASE WHEN $3 IS NULL THEN decided_at ELSE $4 END, updated_at = $4 \
                 WHERE id = $5 AND state = $6")
                .bind(to).bind(reason).bind(decided_by).bind(at).bind(id).bind(from)
                .execute(&mut *tx).await?;
            if done.rows_affected() == 0 {
                return Err(StoreError::Conflict(format!(
                    "the entry is no longer {from}; read it again"
                )));
            }
            publish_in_tx!(tx, actor, &state_event(to),
                &json!({"tool": id, "state": to, "from": from, "reason": reason}), now);
        });
        self.tool(id).await
    }

    /// Adds a version. A `Conflict` when the tool already lists it.
    pub async fn add_tool_version(
        &self,
        actor: &Actor,
        tool: Uuid,
        version: &ToolVersion,
    ) -> Result<()> {
        let at = to_micros(version.added_at);
        write_tx!(self, tx => {
            let exists: Option<(String,)> = sqlx::query_as(
                "SELECT version FROM tool_versions WHERE tool_id = $1 AND version = $2")
                .bind(tool).bind(&version.version).fetch_optional(&mut *tx).await?;
            if exists.is_some() {
                return Err(StoreError::Conflict(format!(
                    "version {:?} is already listed", version.version
                )));
            }
            sqlx::query(
                "INSERT INTO tool_versions (tool_id, version, released_on, note, added_by, added_at) \
                 VALUES ($1, $2, $3, $4, $5, $6)")
                .bind(tool).bind(&version.version).bind(&version.released_on).bind(&version.note)
                .bind(version.added_by).bind(at)
                .execute(&mut *tx).await?;
            sqlx::query("UPDATE tools SET updated_at = $1 WHERE id = $2")
                .bind(at).bind(tool).execute(&mut *tx).await?;
            append_audit!(tx, actor, AuditEvent::new("tool.version.add", "tool", tool)
                .with_detail(json!({"version": version.version})), at);
        });
        Ok(())
    }

    /// One entry.
    pub async fn tool(&self, id: Uuid) -> Result<StoredTool> {
        let sql = sqlx::AssertSqlSafe(format!("SELECT {TOOL_COLUMNS} FROM tools WHERE id = $1"));
        let row: Option<ToolRow> = with_pool!(self, pool => {
            sqlx::query_as(sql).bind(id).fetch_optional(pool).await?
        });
        row.map(Into::into).ok_or(StoreError::NotFound)
    }

    /// The entry that reports as `name` (the key of the evidence).
    pub async fn tool_reporting_as(&self, name: &str) -> Result<StoredTool> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {TOOL_COLUMNS} FROM tools WHERE reports_as = $1"
        ));
        let row: Option<ToolRow> = with_pool!(self, pool => {
            sqlx::query_as(sql).bind(name).fetch_optional(pool).await?
        });
        row.map(Into::into).ok_or(StoreError::NotFound)
    }

    /// Every entry, by name; only those in `state` when it is given. The
    /// catalogue holds hundreds to a few thousand entries: the application
    /// filters and pages them after the policy has said which it may show.
    pub async fn tools(&self, state: Option<&str>) -> Result<Vec<StoredTool>> {
        let rows: Vec<ToolRow> = match state {
            Some(state) => {
                let sql = sqlx::AssertSqlSafe(format!(
                    "SELECT {TOOL_COLUMNS} FROM tools WHERE state = $1 ORDER BY name, id"
                ));
                with_pool!(self, pool => {
                    sqlx::query_as(sql).bind(state).fetch_all(pool).await?
                })
            }
            None => {
                let sql = sqlx::AssertSqlSafe(format!(
                    "SELECT {TOOL_COLUMNS} FROM tools ORDER BY name, id"
                ));
                with_pool!(self, pool => { sqlx::query_as(sql).fetch_all(pool).await? })
            }
        };
        Ok(rows.into_iter().map(Into::into).collect())
    }

    /// A tool's versions, newest first.
    pub async fn tool_versions(&self, tool: Uuid) -> Result<Vec<ToolVersion>> {
        type Row = (String, Option<String>, Option<String>, Option<Uuid>, i64);
        let rows: Vec<Row> = with_pool!(self, pool => {
            sqlx::query_as(
                "SELECT version, released_on, note, added_by, added_at FROM tool_versions \
                 WHERE tool_id = $1 ORDER BY added_at DESC, version DESC")
                .bind(tool).fetch_all(pool).await?
        });
        Ok(rows
            .into_iter()
            .map(
                |(version, released_on, note, added_by, added_at)| ToolVersion {
                    version,
                    released_on,
                    note,
                    added_by,
                    added_at: from_micros(added_at),
                },
            )
            .collect())
    }
}
