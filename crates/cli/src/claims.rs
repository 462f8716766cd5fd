//! `bulwark claim …`, `bulwark coverage`, `bulwark report …` and `bulwark
//! case …`: the API client for the clearinghouse. A claim refused because
//! another holds the target exits 2 with the server's message, which names
//! the holder and its expiry; a log the server cannot read exits 2 naming
//! the JSON path where it broke.

use std::process::ExitCode;

use clap::Subcommand;
use serde_json::json;

use crate::BadInput;
use crate::client::{Conn, seg, send, send_body};
use crate::words::words;
use bulwark_core::{CaseState, ClaimOutcome, TargetKind, Technique};
use bulwark_intake::finding::Format;
use indicatif::{ProgressBar, ProgressStyle};
use tokio::io::AsyncSeekExt;

#[derive(Subcommand)]
pub enum ClaimCommand {
    /// Claim a target for your organization under a lease.
    Create {
        /// A package URL (pkg:npm/lodash@4.17.21), a repository at a commit
        /// (https://host/repo@1a2b3c4) or a CPE 2.3 name.
        target: String,
        /// How the target is scanned.
        #[arg(long, value_parser = words(Technique::ALL, Technique::as_str))]
        technique: String,
        /// The target's kind; read from the target's prefix when absent.
        #[arg(long, value_parser = words(TargetKind::ALL, TargetKind::as_str))]
        kind: Option<String>,
        /// The scanner or tool, e.g. AFL++ 4.21.
        #[arg(long)]
        tool: Option<String>,
        /// The tool's version as its reports give it (needs --tool): the
        /// claim counts in that version's evidence.
        #[arg(long)]
        tool_version: Option<String>,
        /// For ai_agent: the model that drives the agent.
        #[arg(long)]
        model_name: Option<String>,
        /// For ai_agent: the version of that model.
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
    Show {
        /// The claim's id.
        id: String,
    },
    /// Renew a claim's lease.
    Renew {
        /// The claim's id.
        id: String,
        /// Days from now (default 7, at most 30).
        #[arg(long)]
        lease_days: Option<u32>,
    },
    /// Release a claim with what came of it.
    Release {
        /// The claim's id.
        id: String,
        /// What came of the scan.
        #[arg(long, value_parser = words(ClaimOutcome::ALL, ClaimOutcome::as_str))]
        outcome: String,
        /// How many, for findings.
        #[arg(long)]
        findings: Option<i64>,
        /// What came of it, in words.
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
            tool_version,
            model_name,
            model_version,
            lease_days,
            overlap,
        } => {
            let b = body(json!({
                "target": target, "target_kind": kind, "technique": technique, "tool": tool,
                "tool_version": tool_version, "model_name": model_name, "model_version": model_version,
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

#[derive(Subcommand)]
pub enum ReportCommand {
    /// Submit findings (`-` for standard input): a SARIF 2.1.0 log, OSV
    /// records, a CSAF document or Bulwark's findings JSON. Each finding
    /// becomes a report, folded into the case of its fingerprint. A file is
    /// streamed from disk, with a progress bar on a terminal when it is large.
    Submit {
        /// The findings file, or `-` for standard input.
        file: String,
        /// sarif, osv, csaf or bulwark; told from the content when absent.
        #[arg(long, value_enum, ignore_case = true)]
        r#type: Option<DocType>,
        /// What the findings are about: a package URL, a repository at a
        /// commit, or a CPE 2.3 name.
        #[arg(long)]
        target: Option<String>,
        /// Refuse a document that needs a repair (a SARIF fingerprint value
        /// that is not a string, a result without a message …) instead of
        /// the repairs the receipt's `warnings` list.
        #[arg(long)]
        strict: bool,
    },
}

#[derive(Subcommand)]
pub enum CaseCommand {
    /// The cases you may read.
    List,
    /// One case with its reports.
    Show {
        /// The case's id.
        id: String,
    },
    /// Move a case (the clearinghouse): triaged, validating, validated, rejected.
    Transition {
        /// The case's id.
        id: String,
        /// The state to move to.
        #[arg(long, value_parser = words(CaseState::ALL, CaseState::as_str))]
        to: String,
    },
    /// Fold case FROM into case ID (the clearinghouse).
    Merge {
        /// The case that stays.
        id: String,
        /// The case folded into it.
        #[arg(long)]
        from: String,
    },
    /// Split fingerprints off case ID into a new case (the clearinghouse).
    Split {
        /// The case to split.
        id: String,
        /// A fingerprint to move to the new case (repeatable).
        #[arg(long = "fingerprint", required = true)]
        fingerprints: Vec<String>,
    },
}

/// An intake document's format, as the user names it.
#[derive(Copy, Clone, PartialEq, Eq, clap::ValueEnum)]
pub enum DocType {
    Sarif,
    Osv,
    Csaf,
    Bulwark,
}

impl From<DocType> for Format {
    fn from(t: DocType) -> Format {
        match t {
            DocType::Sarif => Format::Sarif,
            DocType::Osv => Format::Osv,
            DocType::Csaf => Format::Csaf,
            DocType::Bulwark => Format::Native,
        }
    }
}

/// Files at least this large get a progress bar (on a terminal).
const PROGRESS_FROM: u64 = 8 * 1024 * 1024;

/// The media type to send: the one named, else the content's, else plain
/// JSON for the server to tell.
fn media_type(named: Option<DocType>, head: &[u8]) -> &'static str {
    named
        .map(Format::from)
        .or_else(|| Format::sniff(head))
        .map(Format::media_type)
        .unwrap_or("application/json")
}

/// A file as a request body read from disk piece by piece, advancing `bar`.
fn file_body(file: tokio::fs::File, bar: ProgressBar) -> reqwest::Body {
    use tokio::io::AsyncReadExt;
    let stream = futures_util::stream::unfold((file, bar), |(mut file, bar)| async move {
        let mut buf = vec![0u8; 256 * 1024];
        match file.read(&mut buf).await {
            Ok(0) => {
                bar.finish_and_clear();
                None
            }
            Ok(n) => {
                buf.truncate(n);
                bar.inc(n as u64);
                Some((Ok::<_, std::io::Error>(buf), (file, bar)))
            }
            Err(e) => Some((Err(e), (file, bar))),
        }
    });
    reqwest::Body::wrap_stream(stream)
}

pub async fn report(cmd: ReportCommand, conn: &Conn) -> anyhow::Result<ExitCode> {
    match cmd {
        ReportCommand::Submit {
            file,
            r#type,
            target,
            strict,
        } => {
            let (ctype, body) = if file == "-" {
                let mut b = Vec::new();
                std::io::Read::read_to_end(&mut std::io::stdin(), &mut b)
                    .map_err(|e| BadInput(format!("standard input: {e}")))?;
                if b.is_empty() {
                    return Err(BadInput("standard input is empty".into()).into());
                }
                (media_type(r#type, &b), reqwest::Body::from(b))
            } else {
                let mut f = tokio::fs::File::open(&file)
                    .await
                    .map_err(|e| BadInput(format!("{file}: {e}")))?;
                let size = f
                    .metadata()
                    .await
                    .map_err(|e| BadInput(format!("{file}: {e}")))?
                    .len();
                if size == 0 {
                    return Err(BadInput(format!("{file}: the file is empty")).into());
                }
                let mut head = vec![0u8; 64 * 1024];
                let n = {
                    use tokio::io::AsyncReadExt;
                    let n = f
                        .read(&mut head)
                        .await
                        .map_err(|e| BadInput(format!("{file}: {e}")))?;
                    f.rewind()
                        .await
                        .map_err(|e| BadInput(format!("{file}: {e}")))?;
                    n
                };
                let bar = if size >= PROGRESS_FROM {
                    ProgressBar::new(size).with_style(
                        ProgressStyle::with_template(
                            "{bytes}/{total_bytes} {wide_bar} {bytes_per_sec}, {eta} left",
                        )
                        .unwrap_or_else(|_| ProgressStyle::default_bar()),
                    )
                } else {
                    ProgressBar::hidden()
                };
                (media_type(r#type, &head[..n]), file_body(f, bar))
            };
            let mut path = "/api/v1/reports".to_owned();
            let mut params = Vec::new();
            if let Some(t) = target {
                params.push(("target", t));
            }
            if strict {
                params.push(("strict", "true".to_owned()));
            }
            if !params.is_empty() {
                let url = reqwest::Url::parse_with_params("http://query.invalid/", &params)
                    .map_err(|e| BadInput(format!("--target: {e}")))?;
                path.push('?');
                path.push_str(url.query().unwrap_or_default());
            }
            send_body(conn, "POST", &path, Some((ctype, body))).await
        }
    }
}

pub async fn case(cmd: CaseCommand, conn: &Conn) -> anyhow::Result<ExitCode> {
    match cmd {
        CaseCommand::List => send(conn, "GET", "/api/v1/cases?limit=500", None).await,
        CaseCommand::Show { id } => {
            send(conn, "GET", &format!("/api/v1/cases/{}", seg(&id)?), None).await
        }
        CaseCommand::Transition { id, to } => {
            let b = body(json!({"to": to}))?;
            send(
                conn,
                "POST",
                &format!("/api/v1/cases/{}/transition", seg(&id)?),
                b,
            )
            .await
        }
        CaseCommand::Merge { id, from } => {
            let b = body(json!({"from": seg(&from)?}))?;
            send(
                conn,
                "POST",
                &format!("/api/v1/cases/{}/merge", seg(&id)?),
                b,
            )
            .await
        }
        CaseCommand::Split { id, fingerprints } => {
            let b = body(json!({"fingerprints": fingerprints}))?;
            send(
                conn,
                "POST",
                &format!("/api/v1/cases/{}/split", seg(&id)?),
                b,
            )
            .await
        }
    }
}
