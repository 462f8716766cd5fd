//! `bulwark program …` and `bulwark access …`: the API client for the
//! program office's programs and agencies' access requests to the
//! catalogue's tools (issue 20). Bodies of programs and requests come from
//! a JSON file (the API's `ProgramIn` and `AccessRequestIn`); decisions
//! from options.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;
use serde_json::{Value, json};

use crate::BadInput;
use crate::client::{Conn, call, seg};

#[derive(Subcommand)]
pub enum ProgramCommand {
    /// Every program, by name.
    List,
    /// One program.
    Show {
        /// The program's id.
        id: String,
    },
    /// Create a program from a JSON file (the program office).
    Create {
        /// `{"name", "eligibility": {"kind": "federal_civilian"}, "tools": [...], "max_days", "conditions"}`.
        file: PathBuf,
    },
    /// Rewrite a program's terms from a JSON file (the program office).
    Update {
        /// The program's id.
        id: String,
        /// The program's terms as JSON, as for `create`.
        file: PathBuf,
    },
}

#[derive(Subcommand)]
pub enum AccessCommand {
    /// The access requests you may read.
    List {
        /// `requested`, `approved`, `active`, `denied`, `revoked` or `expired`.
        #[arg(long)]
        status: Option<String>,
    },
    /// One request.
    Show {
        /// The request's id.
        id: String,
    },
    /// Ask for a tool under a program, from a JSON file (an agency's writers).
    Request {
        /// `{"program", "tool", "use_case_id", "systems": [...], "data": {"tlp"}, "starts_at", "ends_at"}`.
        file: PathBuf,
    },
    /// Approve a request (the program office).
    Approve {
        /// The request's id.
        id: String,
        /// Who authorises the use.
        #[arg(long)]
        official: String,
        /// Conditions beyond the program's.
        #[arg(long, default_value = "")]
        conditions: String,
        /// RFC 3339; the request's end when absent.
        #[arg(long)]
        expires_at: Option<String>,
        /// For a covered frontier model: the early-access grant's scope.
        #[arg(long)]
        scope: Option<String>,
    },
    /// Deny a request, with the reason (the program office).
    Deny {
        /// The request's id.
        id: String,
        /// Why, for the agency and the record.
        #[arg(long)]
        reason: String,
    },
    /// Accept an approved request for a covered frontier model (its developer).
    Accept {
        /// The request's id.
        id: String,
    },
    /// Decline it, with the reason (its developer).
    Decline {
        /// The request's id.
        id: String,
        /// Why, for the agency and the record.
        #[arg(long)]
        reason: String,
    },
    /// End access at once, with its grant (agency, program office, developer).
    Revoke {
        /// The request's id.
        id: String,
        /// Why, for the record.
        #[arg(long)]
        reason: String,
    },
}

fn json_file(path: &PathBuf) -> anyhow::Result<Value> {
    let bytes = std::fs::read(path).map_err(|e| BadInput(format!("{}: {e}", path.display())))?;
    Ok(serde_json::from_slice(&bytes)
        .map_err(|e| BadInput(format!("{}: not JSON: {e}", path.display())))?)
}

pub async fn program(cmd: ProgramCommand, conn: &Conn) -> anyhow::Result<ExitCode> {
    match cmd {
        ProgramCommand::List => call(conn, "GET", "/api/v1/programs", None).await,
        ProgramCommand::Show { id } => {
            call(
                conn,
                "GET",
                &format!("/api/v1/programs/{}", seg(&id)?),
                None,
            )
            .await
        }
        ProgramCommand::Create { file } => {
            call(conn, "POST", "/api/v1/programs", Some(json_file(&file)?)).await
        }
        ProgramCommand::Update { id, file } => {
            let path = format!("/api/v1/programs/{}", seg(&id)?);
            call(conn, "PUT", &path, Some(json_file(&file)?)).await
        }
    }
}

pub async fn access(cmd: AccessCommand, conn: &Conn) -> anyhow::Result<ExitCode> {
    let on = |id: &str, what: &str| -> anyhow::Result<String> {
        Ok(format!("/api/v1/access-requests/{}/{what}", seg(id)?))
    };
    match cmd {
        AccessCommand::List { status } => {
            let path = match status {
                Some(s) => format!("/api/v1/access-requests?status={}", seg(&s)?),
                None => "/api/v1/access-requests".to_owned(),
            };
            call(conn, "GET", &path, None).await
        }
        AccessCommand::Show { id } => {
            let path = format!("/api/v1/access-requests/{}", seg(&id)?);
            call(conn, "GET", &path, None).await
        }
        AccessCommand::Request { file } => {
            call(
                conn,
                "POST",
                "/api/v1/access-requests",
                Some(json_file(&file)?),
            )
            .await
        }
        AccessCommand::Approve {
            id,
            official,
            conditions,
            expires_at,
            scope,
        } => {
            let body = json!({"decision": "approve", "authorising_official": official,
                              "conditions": conditions, "expires_at": expires_at, "scope": scope});
            call(conn, "POST", &on(&id, "decision")?, Some(body)).await
        }
        AccessCommand::Deny { id, reason } => {
            let body = json!({"decision": "deny", "reason": reason});
            call(conn, "POST", &on(&id, "decision")?, Some(body)).await
        }
        AccessCommand::Accept { id } => {
            call(
                conn,
                "POST",
                &on(&id, "answer")?,
                Some(json!({"accept": true})),
            )
            .await
        }
        AccessCommand::Decline { id, reason } => {
            let body = json!({"accept": false, "reason": reason});
            call(conn, "POST", &on(&id, "answer")?, Some(body)).await
        }
        AccessCommand::Revoke { id, reason } => {
            call(
                conn,
                "POST",
                &on(&id, "revoke")?,
                Some(json!({"reason": reason})),
            )
            .await
        }
    }
}
