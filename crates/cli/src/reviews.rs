//! `bulwark submission …`: the API client for voluntary-review submissions,
//! their dossier documents, triage, findings, responses and conclusion.
//!
//! Human output is a few short lines (state, days remaining, warnings);
//! `--format json` prints the API's objects, one per line.

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Subcommand;
use serde_json::{Value, json};
use time::format_description::well_known::Rfc3339;
use time::{Date, OffsetDateTime, Time};
use uuid::Uuid;

use crate::client::{Conn, json_or_text, org_id, request, seg};
use crate::words::words;
use crate::{BadInput, Format};
use bulwark_core::{Conclusion, DocumentKind, FindingCategory, Severity, SubmissionState, Tlp};

#[derive(Subcommand)]
pub enum SubmissionCommand {
    /// Start a submission (in draft) of one of your models.
    Create {
        /// The registered model's id.
        #[arg(long)]
        model: String,
        /// Planned release to trusted partners: the end of the review window.
        /// RFC 3339, or a date (YYYY-MM-DD) meaning midnight UTC.
        #[arg(long)]
        partner_release: String,
        /// Planned public release (RFC 3339 or YYYY-MM-DD).
        #[arg(long)]
        public_release: Option<String>,
        /// A trusted partner organization you plan to release to, by id or
        /// exact name (repeatable).
        #[arg(long = "partner")]
        partners: Vec<String>,
    },
    /// The submissions you may see, one line each.
    List,
    /// A submission with its documents and findings.
    Show {
        /// The submission's id.
        id: String,
    },
    /// Add a document to the dossier (`-` reads standard input).
    Upload {
        /// The submission's id.
        id: String,
        /// What the document is.
        #[arg(long, value_parser = words(DocumentKind::ALL, DocumentKind::as_str))]
        kind: String,
        /// The document's file, or `-` for standard input.
        file: String,
    },
    /// Read a dossier document; its SHA-256 is checked against the address.
    Download {
        /// The submission's id.
        id: String,
        /// The document's SHA-256, as `submission show` lists it.
        sha256: String,
        /// Write here instead of standard output.
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
    /// Submit a draft for review (the developer).
    Submit {
        /// The submission's id.
        id: String,
    },
    /// Move a submission through the workflow.
    Transition {
        /// The submission's id.
        id: String,
        /// The state to move to.
        #[arg(long, value_parser = words(SubmissionState::ALL, SubmissionState::as_str))]
        to: String,
        /// Why, for the record.
        #[arg(long)]
        reason: Option<String>,
    },
    /// Assign the lead and supporting agencies and named reviewers.
    Triage {
        /// The submission's id.
        id: String,
        /// The lead reviewing agency: its id or its exact name.
        #[arg(long)]
        lead: String,
        /// A supporting reviewing agency, by id or exact name (repeatable).
        #[arg(long = "support")]
        supporting: Vec<String>,
        /// A reviewer's user id (repeatable).
        #[arg(long = "reviewer")]
        reviewers: Vec<String>,
    },
    /// Issue a finding (the assigned agencies).
    Finding {
        /// The submission's id.
        id: String,
        /// How severe the finding is.
        #[arg(long, value_parser = words(Severity::ALL, Severity::as_str))]
        severity: String,
        /// What kind of concern it is.
        #[arg(long, value_parser = words(FindingCategory::ALL, FindingCategory::as_str))]
        category: String,
        /// What the agencies found.
        #[arg(long)]
        text: String,
        /// What the developer should do about it.
        #[arg(long, default_value = "")]
        recommendation: String,
        /// TLP 2.0 label; AMBER when absent.
        #[arg(long, value_parser = words(&Tlp::ALL, Tlp::as_str))]
        tlp: Option<String>,
    },
    /// Respond to a finding (the developer).
    Respond {
        /// The submission's id.
        id: String,
        /// The finding's id.
        finding: String,
        /// The developer's response.
        #[arg(long)]
        text: String,
    },
    /// Conclude the review (the assigned agencies).
    Conclude {
        /// The submission's id.
        id: String,
        /// The agencies' conclusion.
        #[arg(long, value_parser = words(Conclusion::ALL, Conclusion::as_str))]
        conclusion: String,
        /// The conclusion in words, for the developer.
        #[arg(long)]
        summary: String,
    },
    /// Withdraw a submission (the developer), with a reason.
    Withdraw {
        /// The submission's id.
        id: String,
        /// Why, for the record.
        #[arg(long)]
        reason: String,
    },
    /// Change the planned release dates, with a reason.
    Reschedule {
        /// The submission's id.
        id: String,
        /// RFC 3339 or YYYY-MM-DD.
        #[arg(long)]
        partner_release: String,
        /// RFC 3339 or YYYY-MM-DD.
        #[arg(long)]
        public_release: Option<String>,
        /// Why, for the record.
        #[arg(long)]
        reason: String,
    },
}

/// How a command's answer is shown to a person.
#[derive(Clone, Copy)]
enum Shape {
    Submission,
    List,
    Document,
    Finding,
    Response,
}

pub async fn run(cmd: SubmissionCommand, conn: &Conn) -> anyhow::Result<ExitCode> {
    use SubmissionCommand as C;
    let base = "/api/v1/submissions";
    let (path, body, shape) = match cmd {
        C::Create {
            model,
            partner_release,
            public_release,
            partners,
        } => {
            let mut body = json!({
                "model": id_arg("--model", &model)?,
                "planned_partner_release": instant_arg("--partner-release", &partner_release)?,
                "planned_public_release": public_release
                    .map(|p| instant_arg("--public-release", &p))
                    .transpose()?,
            });
            // Sent only when given, so servers without the field still accept the rest.
            if !partners.is_empty() {
                let mut ids = Vec::new();
                for p in &partners {
                    ids.push(org_id(conn, "--partner", p).await?);
                }
                body["requested_partners"] = json!(ids);
            }
            (base.to_owned(), body, Shape::Submission)
        }
        C::List => return get(conn, base, Shape::List).await,
        C::Show { id } => {
            return get(conn, &format!("{base}/{}", seg(&id)?), Shape::Submission).await;
        }
        C::Upload { id, kind, file } => return upload(conn, &id, &kind, &file).await,
        C::Download { id, sha256, output } => {
            return download(conn, &id, &sha256, output).await;
        }
        C::Submit { id } => (
            format!("{base}/{}/transition", seg(&id)?),
            json!({"to": "submitted"}),
            Shape::Submission,
        ),
        C::Transition { id, to, reason } => (
            format!("{base}/{}/transition", seg(&id)?),
            json!({"to": to, "reason": reason}),
            Shape::Submission,
        ),
        C::Triage {
            id,
            lead,
            supporting,
            reviewers,
        } => {
            let lead = org_id(conn, "--lead", &lead).await?;
            let mut support = Vec::new();
            for o in &supporting {
                support.push(org_id(conn, "--support", o).await?);
            }
            let reviewers = reviewers
                .iter()
                .map(|u| id_arg("--reviewer", u))
                .collect::<anyhow::Result<Vec<_>>>()?;
            (
                format!("{base}/{}/triage", seg(&id)?),
                json!({
                    "lead_agency": lead,
                    "supporting_agencies": support,
                    "reviewers": reviewers,
                }),
                Shape::Submission,
            )
        }
        C::Finding {
            id,
            severity,
            category,
            text,
            recommendation,
            tlp,
        } => (
            format!("{base}/{}/findings", seg(&id)?),
            json!({
                "severity": severity,
                "category": category,
                "text": text,
                "recommendation": recommendation,
                "tlp": tlp,
            }),
            Shape::Finding,
        ),
        C::Respond { id, finding, text } => (
            format!("{base}/{}/findings/{}/responses", seg(&id)?, seg(&finding)?),
            json!({"text": text}),
            Shape::Response,
        ),
        C::Conclude {
            id,
            conclusion,
            summary,
        } => (
            format!("{base}/{}/conclude", seg(&id)?),
            json!({"conclusion": conclusion, "summary": summary}),
            Shape::Submission,
        ),
        C::Withdraw { id, reason } => (
            format!("{base}/{}/withdraw", seg(&id)?),
            json!({"reason": reason}),
            Shape::Submission,
        ),
        C::Reschedule {
            id,
            partner_release,
            public_release,
            reason,
        } => (
            format!("{base}/{}/dates", seg(&id)?),
            json!({
                "planned_partner_release": instant_arg("--partner-release", &partner_release)?,
                "planned_public_release": public_release
                    .map(|p| instant_arg("--public-release", &p))
                    .transpose()?,
                "reason": reason,
            }),
            Shape::Submission,
        ),
    };
    let body = Some(("application/json", serde_json::to_vec(&body)?));
    match request(conn, "POST", &path, body).await? {
        Ok(bytes) => show(&json_or_text(&bytes), shape, conn.format),
        Err(code) => Ok(code),
    }
}

async fn get(conn: &Conn, path: &str, shape: Shape) -> anyhow::Result<ExitCode> {
    match request(conn, "GET", path, None).await? {
        Ok(bytes) => show(&json_or_text(&bytes), shape, conn.format),
        Err(code) => Ok(code),
    }
}

/// Reads the whole document first: an unreadable or empty file is refused
/// before anything is sent.
/// `kind` is one of the document kinds' words (clap checked it), so it goes
/// into the query as it is.
async fn upload(conn: &Conn, id: &str, kind: &str, file: &str) -> anyhow::Result<ExitCode> {
    let (name, bytes) = if file == "-" {
        let mut buf = Vec::new();
        std::io::stdin()
            .read_to_end(&mut buf)
            .map_err(|e| BadInput(format!("standard input: {e}")))?;
        ("standard input", buf)
    } else {
        let buf = std::fs::read(file).map_err(|e| BadInput(format!("{file}: {e}")))?;
        (file, buf)
    };
    if bytes.is_empty() {
        return Err(BadInput(format!("{name} is empty; nothing was uploaded")).into());
    }
    let max = bulwark_core::review::MAX_DOCUMENT_BYTES;
    if bytes.len() > max {
        return Err(BadInput(format!(
            "{name} is {} bytes; a document may have at most {max}",
            bytes.len()
        ))
        .into());
    }
    let path = format!("/api/v1/submissions/{}/documents?kind={kind}", seg(id)?);
    match request(
        conn,
        "POST",
        &path,
        Some(("application/octet-stream", bytes)),
    )
    .await?
    {
        Ok(answer) => show(&json_or_text(&answer), Shape::Document, conn.format),
        Err(code) => Ok(code),
    }
}

/// Writes nothing unless the bytes received hash to the address asked for:
/// a document is its SHA-256, so anything else is not the document.
async fn download(
    conn: &Conn,
    id: &str,
    sha256: &str,
    output: Option<PathBuf>,
) -> anyhow::Result<ExitCode> {
    let Ok(address) = bulwark_core::ContentAddress::parse(sha256).map(|a| a.to_string()) else {
        return Err(BadInput(format!("{sha256:?} is not a SHA-256 (64 hex digits)")).into());
    };
    let path = format!("/api/v1/submissions/{}/documents/{address}", seg(id)?);
    let bytes = match request(conn, "GET", &path, None).await? {
        Ok(bytes) => bytes,
        Err(code) => return Ok(code),
    };
    verify(&address, &bytes)?;
    match output {
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(&bytes).context("writing standard output")?;
            out.flush().context("writing standard output")?;
        }
        Some(file) => {
            std::fs::write(&file, &bytes)
                .with_context(|| format!("cannot write {}", file.display()))?;
            match conn.format {
                Format::Json => println!(
                    "{}",
                    json!({"sha256": address, "size": bytes.len(), "path": file})
                ),
                Format::Table => println!(
                    "wrote {} bytes to {} (SHA-256 verified)",
                    bytes.len(),
                    file.display()
                ),
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Fails (exit 1: the server, not the user, is at fault) when `bytes` are
/// not the document at `address`.
fn verify(address: &str, bytes: &[u8]) -> anyhow::Result<()> {
    let got = bulwark_store::document_address(bytes);
    if got != address {
        anyhow::bail!(
            "the {} bytes received hash to {got}, not {address}; nothing was written",
            bytes.len()
        );
    }
    Ok(())
}

/// An instant option: RFC 3339, or a bare date meaning midnight UTC. The
/// answer is RFC 3339 in UTC.
pub(crate) fn instant_arg(option: &str, s: &str) -> anyhow::Result<String> {
    parse_instant(s)
        .map(bulwark_core::rfc3339)
        .ok_or_else(|| {
            BadInput(format!(
                "{option} {s:?} is neither an RFC 3339 instant (2027-01-15T09:00:00Z) nor a date (2027-01-15)"
            ))
            .into()
        })
}

fn parse_instant(s: &str) -> Option<OffsetDateTime> {
    let s = s.trim();
    if let Ok(t) = OffsetDateTime::parse(s, &Rfc3339) {
        return Some(t);
    }
    let date = Date::parse(s, time::macros::format_description!("[year]-[month]-[day]")).ok()?;
    Some(date.with_time(Time::MIDNIGHT).assume_utc())
}

/// An id option, checked here so the message names the option.
fn id_arg(option: &str, s: &str) -> anyhow::Result<Uuid> {
    Uuid::parse_str(s.trim()).map_err(|_| BadInput(format!("{option} {s:?} is not an id")).into())
}

fn show(v: &Value, shape: Shape, format: Format) -> anyhow::Result<ExitCode> {
    match (format, shape) {
        (Format::Json, Shape::List) => {
            for item in v
                .get("items")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                println!("{item}");
            }
        }
        (Format::Json, _) => println!("{v}"),
        (Format::Table, Shape::Submission) => {
            for line in submission_lines(v) {
                println!("{line}");
            }
        }
        (Format::Table, Shape::List) => {
            let items = v.get("items").and_then(Value::as_array);
            if items.is_none_or(|i| i.is_empty()) {
                println!("no submissions");
            }
            for item in items.into_iter().flatten() {
                println!("{}", list_line(item));
            }
        }
        (Format::Table, Shape::Document) => println!(
            "uploaded {} ({}, {} bytes)",
            text(v, "sha256"),
            text(v, "kind"),
            text(v, "size")
        ),
        (Format::Table, Shape::Finding) => println!("{}", finding_line(v)),
        (Format::Table, Shape::Response) => println!(
            "response {} to finding {}",
            text(v, "id"),
            text(v, "finding")
        ),
    }
    Ok(ExitCode::SUCCESS)
}

/// A field as text: strings bare, absent or null as `-`.
fn text(v: &Value, key: &str) -> String {
    match v.get(key) {
        None | Some(Value::Null) => "-".to_owned(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

fn days_phrase(v: &Value) -> Option<String> {
    let days = v.get("days_remaining")?.as_i64()?;
    Some(if days >= 0 {
        format!("{days} days remaining before the release to trusted partners")
    } else {
        format!("the release to trusted partners was {} days ago", -days)
    })
}

fn list_line(v: &Value) -> String {
    let mut line = format!(
        "{}  {}  partner release {}",
        text(v, "id"),
        text(v, "state"),
        text(v, "planned_partner_release")
    );
    if let Some(d) = v.get("days_remaining").and_then(Value::as_i64) {
        line.push_str(&format!("  {d} days"));
    }
    if let Some(w) = v.get("window_warning").and_then(Value::as_str) {
        line.push_str(&format!("  warning: {w}"));
    }
    line
}

fn finding_line(v: &Value) -> String {
    let responses = v
        .get("responses")
        .and_then(Value::as_array)
        .map_or(0, Vec::len);
    format!(
        "finding {}: {} {} (TLP:{}), {responses} responses",
        text(v, "id"),
        text(v, "severity"),
        text(v, "category"),
        text(v, "tlp")
    )
}

fn submission_lines(v: &Value) -> Vec<String> {
    let mut lines = vec![format!(
        "submission {} of model {}: {}",
        text(v, "id"),
        text(v, "model"),
        text(v, "state")
    )];
    let mut dates = format!("partner release {}", text(v, "planned_partner_release"));
    if let Some(p) = v.get("planned_public_release").and_then(Value::as_str) {
        dates.push_str(&format!(", public release {p}"));
    }
    lines.push(dates);
    let partners: Vec<&str> = v
        .get("requested_partners")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    if !partners.is_empty() {
        lines.push(format!(
            "early access requested for {}",
            partners.join(", ")
        ));
    }
    lines.extend(days_phrase(v));
    if let Some(w) = v.get("window_warning").and_then(Value::as_str) {
        lines.push(format!("warning: {w}"));
    }
    if let Some(lead) = v.get("lead_agency").and_then(Value::as_str) {
        let supporting = v
            .get("supporting_agencies")
            .and_then(Value::as_array)
            .map_or(0, Vec::len);
        lines.push(format!("lead agency {lead}, {supporting} supporting"));
    }
    if let Some(c) = v.get("conclusion").and_then(Value::as_str) {
        let timing = match v.get("concluded_in_time").and_then(Value::as_bool) {
            Some(true) => " (in time)",
            Some(false) => " (after the release to trusted partners)",
            None => "",
        };
        lines.push(format!("concluded: {c}{timing}: {}", text(v, "summary")));
    }
    if let Some(r) = v.get("withdrawn_reason").and_then(Value::as_str) {
        lines.push(format!("withdrawn: {r}"));
    }
    for d in v
        .get("documents")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        lines.push(format!(
            "document {} ({}, {} bytes)",
            text(d, "sha256"),
            text(d, "kind"),
            text(d, "size")
        ));
    }
    for f in v
        .get("findings")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        lines.push(finding_line(f));
    }
    let next: Vec<&str> = v
        .get("next")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    if !next.is_empty() {
        lines.push(format!("next: {}", next.join(", ")));
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bare_date_is_midnight_utc() {
        assert_eq!(
            instant_arg("--partner-release", "2027-01-15").unwrap(),
            "2027-01-15T00:00:00Z"
        );
    }

    #[test]
    fn rfc3339_instants_are_sent_in_utc() {
        assert_eq!(
            instant_arg("--partner-release", "2027-01-15T09:30:00Z").unwrap(),
            "2027-01-15T09:30:00Z"
        );
        assert_eq!(
            instant_arg("--public-release", "2027-01-15T01:00:00+02:00").unwrap(),
            "2027-01-14T23:00:00Z"
        );
    }

    #[test]
    fn bad_dates_are_bad_input_naming_the_option() {
        for bad in [
            "2027-02-30",
            "2027-1-15",
            "15/01/2027",
            "2027-01-15T09:00:00",
            "2027-01-15 junk",
            "tomorrow",
            "",
        ] {
            let e = instant_arg("--public-release", bad).unwrap_err();
            assert!(e.is::<BadInput>(), "{bad:?}");
            let msg = e.to_string();
            assert!(msg.starts_with("--public-release "), "{bad:?}: {msg}");
            assert!(msg.contains(&format!("{bad:?}")), "{msg}");
        }
    }

    #[test]
    fn a_download_must_hash_to_its_address() {
        let addr = bulwark_store::document_address(b"model card");
        assert!(verify(&addr, b"model card").is_ok());
        let e = verify(&addr, b"model card!").unwrap_err();
        assert!(!e.is::<BadInput>(), "a server fault, not bad input");
        assert!(e.to_string().contains(&addr), "{e}");
    }

    #[test]
    fn human_lines_show_state_days_and_warning() {
        let v = json!({
            "id": "s1", "model": "m1", "state": "submitted",
            "planned_partner_release": "2027-01-15T00:00:00Z",
            "days_remaining": 4,
            "window_warning": "the window is only 4 days (less than 7)",
            "next": ["triage", "withdrawn"],
        });
        let lines = submission_lines(&v);
        assert_eq!(lines[0], "submission s1 of model m1: submitted");
        assert!(lines.contains(&"4 days remaining before the release to trusted partners".into()));
        assert!(lines.contains(&"warning: the window is only 4 days (less than 7)".into()));
        assert_eq!(lines.last().unwrap(), "next: triage, withdrawn");
        let late = json!({"days_remaining": -2});
        assert_eq!(
            days_phrase(&late).unwrap(),
            "the release to trusted partners was 2 days ago"
        );
    }
}
