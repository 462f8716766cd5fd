//! `bulwark partner …`, `bulwark grant …` and `bulwark access-check`: the API
//! client for trusted partners and early-access grants.

use std::process::ExitCode;

use clap::Subcommand;
use serde_json::json;

use crate::client::{Conn, org_id, seg, send};
use crate::words::words;
use bulwark_core::{AttestationKind, GrantScope, Vetting};

#[derive(Subcommand)]
pub enum PartnerCommand {
    /// A partner's vetting status and attestations.
    Show {
        /// The partner organization: its id or its exact name.
        org: String,
    },
    /// Set a partner's vetting status (operator admins, reviewing agencies).
    Vet {
        /// The partner organization: its id or its exact name.
        org: String,
        /// The partner's vetting status.
        #[arg(long, value_parser = words(Vetting::ALL, Vetting::as_str))]
        status: String,
        /// Why, for the record.
        #[arg(long)]
        reason: Option<String>,
    },
    /// Record an attestation (the partner's admins).
    Attest {
        /// The partner organization: its id or its exact name.
        org: String,
        /// What the partner attests.
        #[arg(long, value_parser = words(AttestationKind::ALL, AttestationKind::as_str))]
        kind: String,
        /// RFC 3339, e.g. 2027-06-30T00:00:00Z.
        #[arg(long)]
        expires_at: String,
    },
}

#[derive(Subcommand)]
pub enum GrantCommand {
    /// Grants you may read.
    List,
    /// One grant with its status.
    Show {
        /// The grant's id.
        id: String,
    },
    /// Propose early access to a model for a partner (the model's developer).
    Propose {
        /// The registered model's id.
        #[arg(long)]
        model: String,
        /// The partner organization: its id or its exact name.
        #[arg(long)]
        partner: String,
        /// What the grant lets the partner do with the model.
        #[arg(long, value_parser = words(GrantScope::ALL, GrantScope::as_str))]
        scope: String,
        /// RFC 3339.
        #[arg(long)]
        starts_at: String,
        /// RFC 3339.
        #[arg(long)]
        ends_at: String,
        /// Conditions of use the partner agrees to, in words.
        #[arg(long, default_value = "")]
        conditions: String,
    },
    /// Concur with a proposed grant (a reviewing agency).
    Concur {
        /// The grant's id.
        id: String,
    },
    /// Object to a proposed grant, with a reason.
    Object {
        /// The grant's id.
        id: String,
        /// Why, for the record.
        #[arg(long)]
        reason: String,
    },
    /// Revoke a grant, with a reason.
    Revoke {
        /// The grant's id.
        id: String,
        /// Why, for the record.
        #[arg(long)]
        reason: String,
    },
}

fn json_body(v: serde_json::Value) -> anyhow::Result<Option<(&'static str, Vec<u8>)>> {
    Ok(Some(("application/json", serde_json::to_vec(&v)?)))
}

pub async fn partner(cmd: PartnerCommand, conn: &Conn) -> anyhow::Result<ExitCode> {
    match cmd {
        PartnerCommand::Show { org } => {
            let org = org_id(conn, "partner", &org).await?;
            send(
                conn,
                "GET",
                &format!("/api/v1/partners/{}", seg(&org)?),
                None,
            )
            .await
        }
        PartnerCommand::Vet {
            org,
            status,
            reason,
        } => {
            let org = org_id(conn, "partner", &org).await?;
            let body = json_body(json!({"status": status, "reason": reason}))?;
            send(
                conn,
                "PUT",
                &format!("/api/v1/partners/{}/vetting", seg(&org)?),
                body,
            )
            .await
        }
        PartnerCommand::Attest {
            org,
            kind,
            expires_at,
        } => {
            let org = org_id(conn, "partner", &org).await?;
            let body = json_body(json!({"kind": kind, "expires_at": expires_at}))?;
            send(
                conn,
                "POST",
                &format!("/api/v1/partners/{}/attestations", seg(&org)?),
                body,
            )
            .await
        }
    }
}

pub async fn grant(cmd: GrantCommand, conn: &Conn) -> anyhow::Result<ExitCode> {
    match cmd {
        GrantCommand::List => send(conn, "GET", "/api/v1/grants?limit=500", None).await,
        GrantCommand::Show { id } => {
            send(conn, "GET", &format!("/api/v1/grants/{}", seg(&id)?), None).await
        }
        GrantCommand::Propose {
            model,
            partner,
            scope,
            starts_at,
            ends_at,
            conditions,
        } => {
            let partner = org_id(conn, "--partner", &partner).await?;
            let body = json_body(json!({
                "model": seg(&model)?, "partner_org": seg(&partner)?, "scope": scope,
                "starts_at": starts_at, "ends_at": ends_at, "conditions": conditions,
            }))?;
            send(conn, "POST", "/api/v1/grants", body).await
        }
        GrantCommand::Concur { id } => {
            send(
                conn,
                "POST",
                &format!("/api/v1/grants/{}/concur", seg(&id)?),
                json_body(json!({}))?,
            )
            .await
        }
        GrantCommand::Object { id, reason } => {
            send(
                conn,
                "POST",
                &format!("/api/v1/grants/{}/object", seg(&id)?),
                json_body(json!({"reason": reason}))?,
            )
            .await
        }
        GrantCommand::Revoke { id, reason } => {
            send(
                conn,
                "POST",
                &format!("/api/v1/grants/{}/revoke", seg(&id)?),
                json_body(json!({"reason": reason}))?,
            )
            .await
        }
    }
}

/// May partner P use model M now, for scope S? Exit 0 with the answer either
/// way; a gateway reads `allowed` from `--format json`.
pub async fn access_check(
    conn: &Conn,
    partner: &str,
    model: &str,
    scope: &str,
) -> anyhow::Result<ExitCode> {
    let partner = org_id(conn, "--partner", partner).await?;
    let path = format!(
        "/api/v1/access-check?partner={}&model={}&scope={scope}",
        seg(&partner)?,
        seg(model)?
    );
    send(conn, "GET", &path, None).await
}
