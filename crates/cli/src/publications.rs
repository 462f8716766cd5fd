//! `bulwark advisory …`: the API client for the advisories the
//! clearinghouse writes from its cases (`/api/v1/publications`). An edit's
//! file that is not JSON exits 2 naming its line and column; an edit the
//! server refuses (a document it would make is invalid) exits 2 with the
//! server's message, which names each JSON path.

use std::process::ExitCode;

use clap::Subcommand;
use serde_json::{Value, json};

use crate::BadInput;
use crate::client::{Conn, call, request, seg};

#[derive(Subcommand)]
pub enum AdvisoryCommand {
    /// Draft the advisory of a validated case.
    Draft {
        /// The case's id.
        case: String,
        /// The marking it will be published at (default CLEAR).
        #[arg(long)]
        tlp: Option<String>,
    },
    /// One advisory, or one of its published documents as published.
    Show {
        /// The advisory\'s id.
        id: String,
        /// Print the published CSAF 2.0 document.
        #[arg(long, group = "form")]
        csaf: bool,
        /// Print the published OSV record.
        #[arg(long, group = "form")]
        osv: bool,
        /// Print the published CSAF VEX document.
        #[arg(long, group = "form")]
        vex: bool,
        /// Print the published OpenVEX document.
        #[arg(long, group = "form")]
        openvex: bool,
        /// Print what publishing it now would publish, with its problems.
        #[arg(long, group = "form")]
        preview: bool,
    },
    /// Replace an advisory's content with FILE's (an AdvisoryContent object).
    Edit {
        /// The advisory\'s id.
        id: String,
        /// The content as JSON.
        file: String,
        /// What changed: required once the advisory was released.
        #[arg(long)]
        summary: Option<String>,
    },
    /// Move an advisory's status forward (interim, final).
    Transition {
        /// The advisory\'s id.
        id: String,
        /// `interim` or `final`.
        to: String,
        /// What changed: required once the advisory was released.
        #[arg(long)]
        summary: Option<String>,
    },
    /// Publish an interim or final advisory: to the case's parties while its
    /// case is embargoed, public when the embargo ends; else public now.
    Publish {
        /// The advisory\'s id.
        id: String,
        /// The publication marking (default: the one chosen at drafting).
        #[arg(long)]
        tlp: Option<String>,
        /// The first revision's summary, e.g. "Initial public release".
        #[arg(long)]
        summary: String,
    },
    /// The publication queue.
    List {
        /// draft, ready, embargoed or published.
        #[arg(long)]
        stage: Option<String>,
        /// Only this case's.
        #[arg(long)]
        case: Option<String>,
    },
    /// An advisory's revisions, oldest first.
    Revisions {
        /// The advisory's id.
        id: String,
    },
}

/// The content of an edit, from `file`: JSON, or exit 2 naming where not.
fn content_of(file: &str) -> anyhow::Result<Value> {
    let text = std::fs::read_to_string(file).map_err(|e| BadInput(format!("{file}: {e}")))?;
    serde_json::from_str(&text)
        .map_err(|e| BadInput(format!("{file}:{}:{}: not JSON: {e}", e.line(), e.column())).into())
}

pub async fn advisory(cmd: AdvisoryCommand, conn: &Conn) -> anyhow::Result<ExitCode> {
    match cmd {
        AdvisoryCommand::Draft { case, tlp } => {
            let path = format!("/api/v1/cases/{}/advisory", seg(&case)?);
            call(conn, "POST", &path, Some(json!({"tlp": tlp}))).await
        }
        AdvisoryCommand::Show {
            id,
            csaf,
            osv,
            vex,
            openvex,
            preview,
        } => {
            let base = format!("/api/v1/publications/{}", seg(&id)?);
            let form = [
                (csaf, "csaf"),
                (osv, "osv"),
                (vex, "vex"),
                (openvex, "openvex"),
            ]
            .into_iter()
            .find_map(|(on, f)| on.then_some(f));
            match form {
                // The document exactly as published: the bytes, not a re-rendering.
                Some(f) => match request(conn, "GET", &format!("{base}/{f}"), None).await? {
                    Ok(bytes) => {
                        use std::io::Write;
                        std::io::stdout().write_all(&bytes)?;
                        println!();
                        Ok(ExitCode::SUCCESS)
                    }
                    Err(code) => Ok(code),
                },
                None if preview => call(conn, "GET", &format!("{base}/preview"), None).await,
                None => call(conn, "GET", &base, None).await,
            }
        }
        AdvisoryCommand::Edit { id, file, summary } => {
            let content = content_of(&file)?;
            let path = format!("/api/v1/publications/{}", seg(&id)?);
            call(
                conn,
                "PUT",
                &path,
                Some(json!({"content": content, "summary": summary})),
            )
            .await
        }
        AdvisoryCommand::Transition { id, to, summary } => {
            let path = format!("/api/v1/publications/{}/transition", seg(&id)?);
            call(
                conn,
                "POST",
                &path,
                Some(json!({"to": to, "summary": summary})),
            )
            .await
        }
        AdvisoryCommand::Publish { id, tlp, summary } => {
            let path = format!("/api/v1/publications/{}/publish", seg(&id)?);
            call(
                conn,
                "POST",
                &path,
                Some(json!({"tlp": tlp, "summary": summary})),
            )
            .await
        }
        AdvisoryCommand::List { stage, case } => {
            let mut q = Vec::new();
            if let Some(s) = stage {
                q.push(format!("stage={}", seg(&s)?));
            }
            if let Some(c) = case {
                q.push(format!("case={}", seg(&c)?));
            }
            let path = if q.is_empty() {
                "/api/v1/publications".to_owned()
            } else {
                format!("/api/v1/publications?{}", q.join("&"))
            };
            call(conn, "GET", &path, None).await
        }
        AdvisoryCommand::Revisions { id } => {
            let path = format!("/api/v1/publications/{}/revisions", seg(&id)?);
            call(conn, "GET", &path, None).await
        }
    }
}
