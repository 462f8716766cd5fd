//! `bulwark tool …`: the API client for the catalogue of AI-enabled
//! defensive tools. An entry is written as a JSON file (the body of
//! `POST /api/v1/tools`, see `docs/tools.md`), checked here for JSON syntax
//! so that a typo is named with its line before anything is sent.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Subcommand;
use serde_json::{Value, json};

use crate::BadInput;
use crate::client::{Conn, org_id, query, seg, send};
use crate::words::words;
use bulwark_core::Tlp;
use bulwark_tools::{Deployment, EntryState, FedRampStatus, ToolKind};

#[derive(Subcommand)]
pub enum ToolCommand {
    /// The catalogue: entries you may read, filtered.
    List {
        /// Only entries in this state.
        #[arg(long, value_parser = words(EntryState::ALL, EntryState::as_str))]
        state: Option<String>,
        /// Only tools of this kind.
        #[arg(long, value_parser = words(ToolKind::ALL, ToolKind::as_str))]
        kind: Option<String>,
        /// Only tools that run there.
        #[arg(long, value_parser = words(Deployment::ALL, Deployment::as_str))]
        deployment: Option<String>,
        /// Tools that may receive data marked at least this.
        #[arg(long, value_parser = words(&Tlp::ALL, Tlp::as_str))]
        receives: Option<String>,
        /// Only tools that may receive embargoed data.
        #[arg(long)]
        embargoed: bool,
        /// A FedRAMP status, or `none`.
        #[arg(long)]
        fedramp: Option<String>,
        /// The provider organization: its id or exact name.
        #[arg(long)]
        provider: Option<String>,
        /// Words in the name, reporting name or summary.
        #[arg(long)]
        q: Option<String>,
    },
    /// One entry with its versions.
    Show {
        /// The entry's id.
        id: String,
    },
    /// Describe a tool your organization provides, from a JSON file; a draft.
    Create {
        /// The entry as JSON (the body of `POST /api/v1/tools`).
        #[arg(long)]
        file: PathBuf,
    },
    /// Rewrite an entry from a JSON file.
    Update {
        /// The entry's id.
        id: String,
        /// The entry as JSON (the body of `PUT /api/v1/tools/{id}`).
        #[arg(long)]
        file: PathBuf,
    },
    /// Send a draft or rejected entry to the program office.
    Submit {
        /// The entry's id.
        id: String,
    },
    /// Approve a submitted entry (the program office).
    Approve {
        /// The entry's id.
        id: String,
        /// A note for the record.
        #[arg(long)]
        reason: Option<String>,
    },
    /// Reject a submitted entry, saying what to change (the program office).
    Reject {
        /// The entry's id.
        id: String,
        /// What the provider must change.
        #[arg(long)]
        reason: String,
    },
    /// Take an entry out of the catalogue.
    Withdraw {
        /// The entry's id.
        id: String,
        /// Why, for the record.
        #[arg(long)]
        reason: Option<String>,
    },
    /// Reopen a withdrawn entry as a draft.
    Reopen {
        /// The entry's id.
        id: String,
    },
    /// List a version of the tool.
    Version {
        /// The entry's id.
        id: String,
        /// As the tool writes it in `tool_version`.
        version: String,
        /// YYYY-MM-DD.
        #[arg(long)]
        released_on: Option<String>,
        /// What changed, in words.
        #[arg(long)]
        note: Option<String>,
    },
    /// May this case be sent to this tool? The policy's answer.
    MayReceive {
        /// The entry's id.
        id: String,
        /// The case's id.
        case: String,
    },
}

fn json_body(v: Value) -> anyhow::Result<Option<(&'static str, Vec<u8>)>> {
    Ok(Some(("application/json", serde_json::to_vec(&v)?)))
}

/// The entry file, read and checked for JSON syntax (exit 2 naming the file
/// and line); its fields are the server's to judge.
fn entry_file(path: &Path) -> anyhow::Result<Option<(&'static str, Vec<u8>)>> {
    let bytes = std::fs::read(path).map_err(|e| BadInput(format!("{}: {e}", path.display())))?;
    let value: Value = serde_json::from_slice(&bytes).map_err(|e| {
        BadInput(format!(
            "{}: line {}, column {}: {e}",
            path.display(),
            e.line(),
            e.column()
        ))
    })?;
    if !value.is_object() {
        return Err(BadInput(format!("{}: a tool entry is a JSON object", path.display())).into());
    }
    json_body(value)
}

pub async fn run(cmd: ToolCommand, conn: &Conn) -> anyhow::Result<ExitCode> {
    match cmd {
        ToolCommand::List {
            state,
            kind,
            deployment,
            receives,
            embargoed,
            fedramp,
            provider,
            q,
        } => {
            if let Some(f) = &fedramp
                && f != "none"
            {
                f.parse::<FedRampStatus>().map_err(BadInput)?;
            }
            let provider = match provider {
                Some(p) => Some(org_id(conn, "--provider", &p).await?),
                None => None,
            };
            let q = query(&[
                ("state", state),
                ("kind", kind),
                ("deployment", deployment),
                ("receives", receives),
                ("embargoed", embargoed.then(|| "true".to_owned())),
                ("fedramp", fedramp),
                ("provider", provider),
                ("q", q),
            ])?;
            let path = if q.is_empty() {
                "/api/v1/tools".to_owned()
            } else {
                format!("/api/v1/tools?{q}")
            };
            send(conn, "GET", &path, None).await
        }
        ToolCommand::Show { id } => {
            send(conn, "GET", &format!("/api/v1/tools/{}", seg(&id)?), None).await
        }
        ToolCommand::Create { file } => {
            send(conn, "POST", "/api/v1/tools", entry_file(&file)?).await
        }
        ToolCommand::Update { id, file } => {
            send(
                conn,
                "PUT",
                &format!("/api/v1/tools/{}", seg(&id)?),
                entry_file(&file)?,
            )
            .await
        }
        ToolCommand::Submit { id } => {
            let path = format!("/api/v1/tools/{}/submit", seg(&id)?);
            send(conn, "POST", &path, json_body(json!({}))?).await
        }
        ToolCommand::Approve { id, reason } => {
            let path = format!("/api/v1/tools/{}/decision", seg(&id)?);
            let body = json_body(json!({"decision": "approve", "reason": reason}))?;
            send(conn, "POST", &path, body).await
        }
        ToolCommand::Reject { id, reason } => {
            let path = format!("/api/v1/tools/{}/decision", seg(&id)?);
            let body = json_body(json!({"decision": "reject", "reason": reason}))?;
            send(conn, "POST", &path, body).await
        }
        ToolCommand::Withdraw { id, reason } => {
            let path = format!("/api/v1/tools/{}/withdraw", seg(&id)?);
            send(conn, "POST", &path, json_body(json!({"reason": reason}))?).await
        }
        ToolCommand::Reopen { id } => {
            let path = format!("/api/v1/tools/{}/reopen", seg(&id)?);
            send(conn, "POST", &path, json_body(json!({}))?).await
        }
        ToolCommand::Version {
            id,
            version,
            released_on,
            note,
        } => {
            let path = format!("/api/v1/tools/{}/versions", seg(&id)?);
            let body =
                json_body(json!({"version": version, "released_on": released_on, "note": note}))?;
            send(conn, "POST", &path, body).await
        }
        ToolCommand::MayReceive { id, case } => {
            let path = format!("/api/v1/tools/{}/may-receive/{}", seg(&id)?, seg(&case)?);
            send(conn, "GET", &path, None).await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_file_with_a_typo_names_its_line() {
        let dir = std::env::temp_dir().join(format!("bwk-tool-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let path = dir.join("entry.json");
        std::fs::write(&path, "{\n  \"name\": \"x\",\n  \"kind\": fuzzer\n}\n").expect("write");
        let err = entry_file(&path).expect_err("bad JSON");
        let msg = err.to_string();
        assert!(msg.contains("entry.json: line 3"), "{msg}");
        std::fs::write(&path, "[1]").expect("write");
        assert!(entry_file(&path).is_err());
        std::fs::write(&path, "{\"name\": \"x\"}").expect("write");
        assert!(entry_file(&path).is_ok());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
