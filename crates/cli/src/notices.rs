//! `bulwark notice …`: the API client for advisory notices. `list` prints
//! the caller's organization's notices (one JSON object a line with
//! `--format json`, else one table row per affected component), `read`
//! marks one read, `exposure` prints how many organizations a released
//! advisory affects (the operator and CISA; names only where the policy
//! allows).

use std::process::ExitCode;

use clap::Subcommand;
use serde_json::Value;

use crate::Format;
use crate::client::{Conn, all_pages, seg, send};
use crate::tables::{Table, text, utc};

#[derive(Subcommand)]
pub enum NoticeCommand {
    /// Your organization's notices, newest first.
    List,
    /// Mark a notice read (your organization's writers).
    Read {
        /// The notice's id.
        id: String,
    },
    /// How many organizations and components an advisory affects.
    Exposure {
        /// The advisory's id.
        advisory: String,
    },
}

/// One row per affected component of each notice.
fn print_notices(items: &[Value]) {
    let mut t = Table::new(&[
        "NOTICE", "ADVISORY", "READ", "SBOM", "SYSTEMS", "PURL", "FIX",
    ]);
    for n in items {
        let read = if n.get("read_at").is_some_and(|v| !v.is_null()) {
            utc(n.get("read_at"))
        } else {
            "unread".to_owned()
        };
        for c in n
            .get("components")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let systems = c
                .get("systems")
                .and_then(Value::as_array)
                .map(|s| {
                    s.iter()
                        .filter_map(Value::as_str)
                        .collect::<Vec<_>>()
                        .join(", ")
                })
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| "-".to_owned());
            t.row(vec![
                text(n, "id"),
                text(n, "tracking_id"),
                read.clone(),
                text(c, "sbom_name"),
                systems,
                text(c, "purl"),
                text(n, "fix"),
            ]);
        }
    }
    t.print();
}

pub async fn run(cmd: NoticeCommand, conn: &Conn) -> anyhow::Result<ExitCode> {
    match cmd {
        NoticeCommand::List => {
            let items = all_pages(conn, "/api/v1/notices?limit=500").await?;
            match conn.format {
                Format::Json => {
                    for n in &items {
                        println!("{n}");
                    }
                }
                Format::Table => {
                    let unread = items
                        .iter()
                        .filter(|n| n.get("read_at").is_none_or(Value::is_null))
                        .count();
                    println!("{unread} unread of {}", items.len());
                    if !items.is_empty() {
                        print_notices(&items);
                    }
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        NoticeCommand::Read { id } => {
            let path = format!("/api/v1/notices/{}/read", seg(&id)?);
            send(conn, "POST", &path, None).await
        }
        NoticeCommand::Exposure { advisory } => {
            let path = format!("/api/v1/publications/{}/exposure", seg(&advisory)?);
            send(conn, "GET", &path, None).await
        }
    }
}
