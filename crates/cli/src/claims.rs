//! `bulwark claim …` and `bulwark coverage`: the API client for deconflicted
//! scanning. A claim refused because another holds the target exits 2 with
//! the server's message, which names the holder and its expiry.

use std::process::ExitCode;

use clap::Subcommand;
use serde_json::json;

use crate::BadInput;
use crate::client::{Conn, seg, send};

#[derive(Subcommand)]
pub enum ClaimCommand {
    /// Claim a target for your organization under a lease.
    Create {
        /// A package URL (pkg:npm/lodash@4.17.21), a repository at a commit
        /// (https://host/repo@1a2b3c4) or a CPE 2.3 name.
        target: String,
        /// fuzzing, static_analysis, ai_agent or manual_review.
        #[arg(long)]
        technique: String,
        /// purl, repo or cpe; read from the target's prefix when absent.
        #[arg(long)]
        kind: Option<String>,
        #[arg(long)]
        tool: Option<String>,
        /// For ai_agent: the model that drives the agent.
        #[arg(long)]
        model_name: Option<String>,
        #[arg(long)]
        model_version: Option<String>,
        /// Days (default 7, at most 30).
        #[arg(long)]
        lease_days: Option<u32>,
        /// Stand beside an active holder on purpose instead of being refused.
        #[arg(long)]
        overlap: bool,
    },
    /// One claim.
    Show { id: String },
    /// Renew a claim's lease.
    Renew {
        id: String,
        #[arg(long)]
        lease_days: Option<u32>,
    },
    /// Release a claim with what came of it.
    Release {
        id: String,
        /// findings, nothing_found or abandoned.
        #[arg(long)]
        outcome: String,
        /// How many, for findings.
        #[arg(long)]
        findings: Option<i64>,
        #[arg(long)]
        note: Option<String>,
    },
}

fn body(v: serde_json::Value) -> anyhow::Result<Option<(&'static str, Vec<u8>)>> {
    Ok(Some(("application/json", serde_json::to_vec(&v)?)))
}

pub async fn claim(cmd: ClaimCommand, conn: &Conn) -> anyhow::Result<ExitCode> {
    match cmd {
        ClaimCommand::Create {
            target,
            technique,
            kind,
            tool,
            model_name,
            model_version,
            lease_days,
            overlap,
        } => {
            let b = body(json!({
                "target": target, "target_kind": kind, "technique": technique, "tool": tool,
                "model_name": model_name, "model_version": model_version,
                "lease_days": lease_days, "overlap": overlap,
            }))?;
            send(conn, "POST", "/api/v1/claims", b).await
        }
        ClaimCommand::Show { id } => {
            send(conn, "GET", &format!("/api/v1/claims/{}", seg(&id)?), None).await
        }
        ClaimCommand::Renew { id, lease_days } => {
            let b = body(json!({"lease_days": lease_days}))?;
            send(
                conn,
                "POST",
                &format!("/api/v1/claims/{}/renew", seg(&id)?),
                b,
            )
            .await
        }
        ClaimCommand::Release {
            id,
            outcome,
            findings,
            note,
        } => {
            let b = body(json!({"outcome": outcome, "findings": findings, "note": note}))?;
            send(
                conn,
                "POST",
                &format!("/api/v1/claims/{}/release", seg(&id)?),
                b,
            )
            .await
        }
    }
}

/// Who scanned a target, when and with what.
pub async fn coverage(conn: &Conn, target: &str, kind: Option<&str>) -> anyhow::Result<ExitCode> {
    if target.trim().is_empty() {
        return Err(BadInput("the target is empty".into()).into());
    }
    let mut params = vec![("target", target)];
    if let Some(k) = kind {
        params.push(("kind", k));
    }
    // The query is percent-encoded by the URL parser: a purl carries '@',
    // '?' and '#', which must not end the path or the query.
    let url = reqwest::Url::parse_with_params("http://query.invalid/", &params)
        .map_err(|e| BadInput(format!("the target cannot be put in a URL: {e}")))?;
    let query = url.query().unwrap_or_default();
    send(conn, "GET", &format!("/api/v1/coverage?{query}"), None).await
}
