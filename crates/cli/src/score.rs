//! `bulwark score …`: prioritisation offline, no server needed.
//!
//! - `cvss VECTOR` or `cvss --file FILE` (`-` for standard input): the
//!   CVSS v3.0/v3.1/v4.0 score of each vector. A file is read line by line
//!   and answered line for line, in order, through one buffered writer, so
//!   a million vectors stream; a vector that cannot be scored gets an
//!   `error` line in its place and the exit code is 2 at the end.
//! - `ssvc`: CISA's SSVC decision for four decision-point values.
//! - `bod2604`: the BOD 26-04 remediation timeline for an asset.

use std::io::{BufRead, BufReader, BufWriter, Write};
use std::process::ExitCode;

use bulwark_scoring::bod2604;
use bulwark_scoring::cvss::{self, CvssError, Score, Version};
use bulwark_scoring::ssvc::{self, Automatable, Exploitation, MissionWellbeing, TechnicalImpact};
use clap::{Subcommand, ValueEnum};
use serde_json::json;

use crate::{BadInput, Format};

#[derive(Subcommand)]
pub enum ScoreCommand {
    /// Score a CVSS v3.0, v3.1 or v4.0 vector, or every line of --file.
    Cvss {
        /// The vector, e.g. CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H.
        #[arg(required_unless_present = "file", conflicts_with = "file")]
        vector: Option<String>,
        /// A file of vectors, one per line (`-` for standard input); blank
        /// lines are skipped.
        #[arg(long)]
        file: Option<String>,
        /// Output: a readable table, or one JSON object per line.
        #[arg(long, value_enum, ignore_case = true, default_value = "table")]
        format: Format,
    },
    /// CISA's SSVC decision (Track, Track*, Attend, Act).
    Ssvc {
        /// State of exploitation: none, a public proof of concept, or active.
        #[arg(long, value_name = "none|poc|active")]
        exploitation: Exploitation,
        /// Can an attacker automate steps 1-4 of the kill chain?
        #[arg(long, value_name = "yes|no")]
        automatable: Automatable,
        /// How much control over the affected system exploitation gives.
        #[arg(long, value_name = "partial|total")]
        technical_impact: TechnicalImpact,
        /// Mission and well-being impact of the affected system.
        #[arg(long, value_name = "low|medium|high")]
        mission_wellbeing: MissionWellbeing,
        /// Output: a readable table, or one JSON object per line.
        #[arg(long, value_enum, ignore_case = true, default_value = "table")]
        format: Format,
    },
    /// The BOD 26-04 remediation timeline for a vulnerability on an asset.
    Bod2604 {
        /// Is the vulnerability in CISA's KEV catalog?
        #[arg(long, value_enum, ignore_case = true)]
        kev: YesNo,
        /// Is the asset reachable from public networks?
        #[arg(long, value_enum, ignore_case = true)]
        exposed: YesNo,
        /// Can an attacker automate steps 1-4 of the kill chain?
        #[arg(long, value_name = "yes|no")]
        automatable: Automatable,
        /// How much control over the affected system exploitation gives.
        #[arg(long, value_name = "partial|total")]
        technical_impact: TechnicalImpact,
        /// Output: a readable table, or one JSON object per line.
        #[arg(long, value_enum, ignore_case = true, default_value = "table")]
        format: Format,
    },
}

#[derive(Copy, Clone, PartialEq, Eq, ValueEnum)]
pub enum YesNo {
    Yes,
    No,
}

pub fn run(cmd: ScoreCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        ScoreCommand::Cvss {
            vector: Some(vector),
            format,
            ..
        } => {
            let s = cvss::score(&vector).map_err(|e| BadInput(format!("{vector}: {e}")))?;
            let mut line = Vec::new();
            write_score(&mut line, &s, format)?;
            std::io::stdout().write_all(&line)?;
            Ok(ExitCode::SUCCESS)
        }
        ScoreCommand::Cvss {
            file: Some(file),
            format,
            ..
        } => cvss_file(&file, format),
        ScoreCommand::Cvss { .. } => Err(BadInput("give a VECTOR or --file FILE".into()).into()),
        ScoreCommand::Ssvc {
            exploitation,
            automatable,
            technical_impact,
            mission_wellbeing,
            format,
        } => {
            let d = ssvc::decide(
                exploitation,
                automatable,
                technical_impact,
                mission_wellbeing,
            );
            match format {
                Format::Json => println!("{}", json!({ "decision": d })),
                Format::Table => println!("{d}"),
            }
            Ok(ExitCode::SUCCESS)
        }
        ScoreCommand::Bod2604 {
            kev,
            exposed,
            automatable,
            technical_impact,
            format,
        } => {
            let t = bod2604::timeline(
                kev == YesNo::Yes,
                exposed == YesNo::Yes,
                automatable,
                technical_impact,
            );
            match format {
                Format::Json => println!(
                    "{}",
                    json!({
                        "timeline_days": t.days,
                        "forensic_investigation": t.forensic_investigation,
                        "on_upgrade": t.on_upgrade,
                    })
                ),
                Format::Table => println!("{t}"),
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn cvss_file(file: &str, format: Format) -> anyhow::Result<ExitCode> {
    let stdout = std::io::stdout();
    let mut out = BufWriter::with_capacity(64 * 1024, stdout.lock());
    let (total, failed) = if file == "-" {
        cvss_lines(std::io::stdin().lock(), &mut out, format)?
    } else {
        let f = std::fs::File::open(file).map_err(|e| BadInput(format!("{file}: {e}")))?;
        cvss_lines(BufReader::with_capacity(64 * 1024, f), &mut out, format)?
    };
    out.flush()?;
    if failed > 0 {
        return Err(BadInput(format!("{failed} of {total} vectors could not be scored")).into());
    }
    Ok(ExitCode::SUCCESS)
}

/// Answers each non-blank line; returns (vectors, failures).
fn cvss_lines<R: BufRead, W: Write>(
    mut reader: R,
    out: &mut W,
    format: Format,
) -> std::io::Result<(u64, u64)> {
    let mut buf = Vec::with_capacity(256);
    let (mut total, mut failed) = (0, 0);
    loop {
        buf.clear();
        if reader.read_until(b'\n', &mut buf)? == 0 {
            return Ok((total, failed));
        }
        let (text, result) = match std::str::from_utf8(&buf) {
            Ok(t) if t.trim().is_empty() => continue,
            Ok(t) => (t.trim(), cvss::score(t)),
            Err(_) => ("", Err(CvssError::Invalid("the line is not UTF-8".into()))),
        };
        total += 1;
        match result {
            Ok(s) => write_score(out, &s, format)?,
            Err(e) => {
                failed += 1;
                let error = e.to_string();
                match format {
                    Format::Json => {
                        out.write_all(br#"{"vector":"#)?;
                        serde_json::to_writer(&mut *out, text)?;
                        out.write_all(br#","error":"#)?;
                        serde_json::to_writer(&mut *out, &error)?;
                        out.write_all(b"}\n")?;
                    }
                    Format::Table => writeln!(out, "   -  error     {text}: {error}")?,
                }
            }
        }
    }
}

/// One line: JSON `{"vector","version","score","severity"}` (and `kind`
/// for v4.0, whose scores must carry their CVSS-B/BT/BE/BTE label), or a
/// readable row.
fn write_score<W: Write>(out: &mut W, s: &Score, format: Format) -> std::io::Result<()> {
    match format {
        Format::Json => {
            out.write_all(br#"{"vector":"#)?;
            serde_json::to_writer(&mut *out, &s.vector)?;
            write!(
                out,
                r#","version":"{}","score":{:.1},"severity":"{}""#,
                s.version, s.score, s.severity
            )?;
            if s.version == Version::V4_0 {
                write!(out, r#","kind":"{}""#, s.kind)?;
            }
            out.write_all(b"}\n")
        }
        Format::Table => {
            let label = match s.version {
                Version::V4_0 => s.kind.as_str(),
                _ => "base",
            };
            writeln!(
                out,
                "{:>4.1}  {:<8}  CVSS {} {:<8}  {}",
                s.score,
                s.severity.as_str(),
                s.version,
                label,
                s.vector
            )
        }
    }
}
