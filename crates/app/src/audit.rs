//! The audit log: reading it and verifying its hash chain.
//!
//! Reading and verifying are the policy's `audit.read` and `audit.verify`
//! on the program (operator administrators and auditors). The operator on
//! the database's own machine verifies without asking anyone
//! ([`verify_direct`], `bulwark audit verify`).

use std::collections::HashMap;

use bulwark_authz::{Action, Resource};
use bulwark_core::{AuditEntry, Principal};
use bulwark_store::{AuditQuery, AuditVerification, Store};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::identity::for_operator;
use crate::resources::user_resource;
use crate::{App, AppResult, ts};

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEntryOut {
    pub seq: i64,
    pub at: String,
    pub actor_user: Option<Uuid>,
    pub actor_org: Option<Uuid>,
    pub action: String,
    pub resource_type: String,
    pub resource_id: String,
    pub request_id: Option<String>,
    /// The JSON text that was hashed.
    pub detail: String,
    pub prev_hash: String,
    pub hash: String,
}

impl From<AuditEntry> for AuditEntryOut {
    fn from(e: AuditEntry) -> Self {
        AuditEntryOut {
            seq: e.seq,
            at: ts(bulwark_core::from_micros(e.at_us)),
            actor_user: e.actor_user,
            actor_org: e.actor_org,
            action: e.action,
            resource_type: e.resource_type,
            resource_id: e.resource_id,
            request_id: e.request_id,
            detail: e.detail,
            prev_hash: e.prev_hash,
            hash: e.hash,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditPageOut {
    pub items: Vec<AuditEntryOut>,
    /// Pass as `after` for the next page; absent on the last page.
    pub next_after: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ChainBreakOut {
    pub seq: i64,
    pub reason: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditVerifyOut {
    pub ok: bool,
    pub entries: i64,
    pub head_hash: String,
    pub first_break: Option<ChainBreakOut>,
}

impl From<AuditVerification> for AuditVerifyOut {
    fn from(v: AuditVerification) -> Self {
        AuditVerifyOut {
            ok: v.ok(),
            entries: v.entries,
            head_hash: v.head_hash,
            first_break: v.first_break.map(|b| ChainBreakOut {
                seq: b.seq,
                reason: b.reason,
            }),
        }
    }
}

/// Entries after sequence number `after` (default 0: from the start),
/// oldest first, `limit` of them (1 to 1000, default 100).
pub async fn list(
    app: &App,
    who: &Principal,
    after: Option<i64>,
    limit: Option<u32>,
) -> AppResult<AuditPageOut> {
    app.authorize(who, Action::AuditRead, &Resource::Program)?;
    let limit = limit.unwrap_or(100).clamp(1, 1000);
    let items = app
        .store
        .audit_entries(AuditQuery {
            after_seq: after.unwrap_or(0).max(0),
            limit,
        })
        .await?;
    let next_after = (items.len() == limit as usize)
        .then(|| items.last().map(|e| e.seq))
        .flatten();
    Ok(AuditPageOut {
        items: items.into_iter().map(Into::into).collect(),
        next_after,
    })
}

/// An entry among the latest, with the acting user's name when the reader
/// may see that user.
pub struct NamedEntry {
    pub entry: AuditEntryOut,
    /// `None` when the entry has no acting user (the command line) or the
    /// policy does not let the reader see the user; then only its id is known.
    pub actor_username: Option<String>,
}

/// The latest `limit` entries (1 to 1000), newest first, each with its
/// acting user named where the policy lets the reader read that user.
pub async fn latest(app: &App, who: &Principal, limit: u32) -> AppResult<Vec<NamedEntry>> {
    app.authorize(who, Action::AuditRead, &Resource::Program)?;
    let entries = app.store.audit_latest(limit).await?;
    // One look-up and one decision per user, however many entries name them.
    let mut names: HashMap<Uuid, Option<String>> = HashMap::new();
    let mut named = Vec::with_capacity(entries.len());
    for e in entries {
        let actor_username = match e.actor_user {
            None => None,
            Some(id) => {
                if let Some(name) = names.get(&id) {
                    name.clone()
                } else {
                    let name = match app.store.user(id).await {
                        Ok(u) if app.permits(who, Action::UserRead, &user_resource(&u)) => {
                            Some(u.username)
                        }
                        _ => None,
                    };
                    names.insert(id, name.clone());
                    name
                }
            }
        };
        named.push(NamedEntry {
            entry: e.into(),
            actor_username,
        });
    }
    Ok(named)
}

/// Checks the whole hash chain and names the first broken entry.
pub async fn verify(app: &App, who: &Principal) -> AppResult<AuditVerifyOut> {
    app.authorize(who, Action::AuditVerify, &Resource::Program)?;
    Ok(app.store.audit_verify().await?.into())
}

/// Checks the whole hash chain, as the operator on the database directly
/// (`bulwark audit verify`): no policy, and store failures told in full.
pub async fn verify_direct(store: &Store) -> AppResult<AuditVerification> {
    store.audit_verify().await.map_err(for_operator)
}
