//! `bulwark patch …`: remediation on a case, as an API client. A patch
//! file is read here first with the server's own reader, so a file that is
//! not a diff exits 2 naming its line without a request; the server reads
//! it again (it trusts no client).

use std::process::ExitCode;

use clap::Subcommand;
use serde_json::json;

use crate::BadInput;
use crate::client::{Conn, seg, send};
use crate::words::words;
use bulwark_core::{PatchCheck, PatchCheckResult, RemediationKind};
use bulwark_intake::Mode;
use bulwark_intake::patch;

#[derive(Subcommand)]
pub enum PatchCommand {
    /// Submit a patch file (a unified diff or a `git format-patch` mail) to
    /// a case; it is proposed until its quorum of independent organizations
    /// passed it on every check.
    Submit {
        /// The case's id.
        case: String,
        /// The patch file (`-` for standard input).
        file: String,
        /// One line; the mail's subject when absent.
        #[arg(long)]
        summary: Option<String>,
        /// Who wrote it; the mail's `From:` when absent.
        #[arg(long)]
        author: Option<String>,
        /// The tool that wrote it (for an AI-generated patch, the agent).
        #[arg(long)]
        tool: Option<String>,
        /// The tool's version.
        #[arg(long)]
        tool_version: Option<String>,
        /// The AI model that wrote it.
        #[arg(long)]
        model: Option<String>,
        /// The AI model's version.
        #[arg(long)]
        model_version: Option<String>,
        /// Refuse a file that needs a repair (CRLF, a blank context line …).
        #[arg(long)]
        strict: bool,
    },
    /// Submit a vendor fix, a workaround or a mitigation to a case.
    Offer {
        /// The case's id.
        case: String,
        /// What it is: `vendor_fix`, `workaround` or `mitigation`.
        #[arg(long, value_parser = words(&[RemediationKind::VendorFix, RemediationKind::Workaround, RemediationKind::Mitigation], RemediationKind::as_str))]
        kind: String,
        /// One line: what it is.
        #[arg(long)]
        summary: String,
        /// What to do, in full.
        #[arg(long)]
        details: Option<String>,
        /// A fixed version (repeat for several).
        #[arg(long = "fixed-version")]
        fixed_versions: Vec<String>,
        /// A commit or release URL.
        #[arg(long)]
        url: Option<String>,
    },
    /// A case's remediations: vendor fixes, patches with their checks and
    /// quorum, workarounds.
    List {
        /// The case's id.
        case: String,
    },
    /// Ask an organization to check a patch (the clearinghouse).
    Assign {
        /// The case's id.
        case: String,
        /// The patch's id.
        patch: String,
        /// The organization asked.
        #[arg(long)]
        org: String,
        /// A check (repeat for several); all three when absent.
        #[arg(long = "check", value_parser = words(PatchCheck::ALL, PatchCheck::as_str))]
        checks: Vec<String>,
    },
    /// Record what your organization found for one of its checks of a patch.
    Validate {
        /// The case's id.
        case: String,
        /// The patch's id.
        patch: String,
        /// The check: `applies`, `fixes` or `tests_pass`.
        #[arg(long, value_parser = words(PatchCheck::ALL, PatchCheck::as_str))]
        check: String,
        /// `passed` or `failed`.
        #[arg(long, value_parser = words(PatchCheckResult::ALL, PatchCheckResult::as_str))]
        result: String,
        /// What was seen, in a line.
        #[arg(long)]
        note: Option<String>,
        /// A text file of evidence (a build log, the reproduction's output).
        #[arg(long)]
        evidence: Option<String>,
    },
    /// Set how many independent organizations must pass a patch (the
    /// clearinghouse).
    Quorum {
        /// The case's id.
        case: String,
        /// Organizations (other than the author's) that must pass it, 1 to 10.
        #[arg(long)]
        organizations: u32,
    },
}

fn json_body(v: serde_json::Value) -> anyhow::Result<Option<(&'static str, Vec<u8>)>> {
    Ok(Some(("application/json", serde_json::to_vec(&v)?)))
}

fn read_file(file: &str) -> anyhow::Result<Vec<u8>> {
    let bytes = if file == "-" {
        let mut b = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin(), &mut b)
            .map_err(|e| BadInput(format!("standard input: {e}")))?;
        b
    } else {
        std::fs::read(file).map_err(|e| BadInput(format!("{file}: {e}")))?
    };
    if bytes.is_empty() {
        return Err(BadInput(format!("{file}: the file is empty")).into());
    }
    Ok(bytes)
}

pub async fn run(cmd: PatchCommand, conn: &Conn) -> anyhow::Result<ExitCode> {
    match cmd {
        PatchCommand::Submit {
            case,
            file,
            summary,
            author,
            tool,
            tool_version,
            model,
            model_version,
            strict,
        } => {
            let bytes = read_file(&file)?;
            let mode = if strict { Mode::Strict } else { Mode::Repair };
            let parsed =
                patch::parse(&bytes, mode).map_err(|e| BadInput(format!("{file}: {e}")))?;
            // A mail is a format-patch; anything else a plain diff.
            let media = if parsed.mail.is_some() {
                "text/x-patch"
            } else {
                "text/x-diff"
            };
            let mut params: Vec<(&str, String)> = Vec::new();
            for (name, v) in [
                ("summary", summary),
                ("author", author),
                ("tool_name", tool),
                ("tool_version", tool_version),
                ("ai_model", model),
                ("ai_model_version", model_version),
            ] {
                if let Some(v) = v {
                    params.push((name, v));
                }
            }
            if strict {
                params.push(("strict", "true".into()));
            }
            let mut path = format!("/api/v1/cases/{}/remediations", seg(&case)?);
            if !params.is_empty() {
                let url = reqwest::Url::parse_with_params("http://query.invalid/", &params)
                    .map_err(|e| BadInput(format!("a parameter cannot be put in a URL: {e}")))?;
                path.push('?');
                path.push_str(url.query().unwrap_or_default());
            }
            send(conn, "POST", &path, Some((media, bytes))).await
        }
        PatchCommand::Offer {
            case,
            kind,
            summary,
            details,
            fixed_versions,
            url,
        } => {
            let b = json_body(json!({"kind": kind, "summary": summary, "details": details,
                "fixed_versions": fixed_versions, "url": url}))?;
            send(
                conn,
                "POST",
                &format!("/api/v1/cases/{}/remediations", seg(&case)?),
                b,
            )
            .await
        }
        PatchCommand::List { case } => {
            send(
                conn,
                "GET",
                &format!("/api/v1/cases/{}/remediations", seg(&case)?),
                None,
            )
            .await
        }
        PatchCommand::Assign {
            case,
            patch,
            org,
            checks,
        } => {
            let checks = (!checks.is_empty()).then_some(checks);
            let b = json_body(json!({"org": org, "checks": checks}))?;
            send(
                conn,
                "POST",
                &format!(
                    "/api/v1/cases/{}/remediations/{}/tasks",
                    seg(&case)?,
                    seg(&patch)?
                ),
                b,
            )
            .await
        }
        PatchCommand::Validate {
            case,
            patch,
            check,
            result,
            note,
            evidence,
        } => {
            let evidence = evidence
                .map(|f| -> anyhow::Result<String> {
                    let bytes = read_file(&f)?;
                    String::from_utf8(bytes)
                        .map_err(|_| BadInput(format!("{f}: evidence is UTF-8 text")).into())
                })
                .transpose()?;
            let b = json_body(json!({"check": check, "result": result, "note": note,
                "evidence": evidence}))?;
            send(
                conn,
                "POST",
                &format!(
                    "/api/v1/cases/{}/remediations/{}/validations",
                    seg(&case)?,
                    seg(&patch)?
                ),
                b,
            )
            .await
        }
        PatchCommand::Quorum {
            case,
            organizations,
        } => {
            let b = json_body(json!({"organizations": organizations}))?;
            send(
                conn,
                "PUT",
                &format!("/api/v1/cases/{}/patch-quorum", seg(&case)?),
                b,
            )
            .await
        }
    }
}
