//! `bulwark frontier …`: offline classification and compute estimation, and
//! the API client for benchmark sets, the registry and the pre-check.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use bulwark_frontier::{BenchmarkSet, Row, compute};
use clap::{Args, Subcommand};
use serde_json::json;

use crate::client::Conn;
use crate::{BadInput, Format};

#[derive(Subcommand)]
pub enum FrontierCommand {
    /// Classify model profiles against a benchmark set, offline.
    Classify {
        /// The benchmark set (TOML; see docs/benchmarks.md).
        #[arg(long)]
        benchmarks: PathBuf,
        /// Profiles: Epoch AI's CSV layout (.csv) or a JSON array of profiles (.json).
        #[arg(long)]
        models: PathBuf,
        /// Output: a readable table, or one JSON object per line.
        #[arg(long, value_enum, ignore_case = true, default_value = "table")]
        format: Format,
    },
    /// Estimate training compute from parameters and tokens, or from hardware, or both.
    Estimate(EstimateArgs),
    /// Benchmark sets on a server.
    Benchmarks {
        #[command(subcommand)]
        command: BenchmarksCommand,
        #[command(flatten)]
        conn: Conn,
    },
    /// The model registry on a server.
    Models {
        #[command(subcommand)]
        command: ModelsCommand,
        #[command(flatten)]
        conn: Conn,
    },
    /// Ask a server whether a model would qualify, without registering it.
    Precheck {
        /// One profile, as JSON.
        file: PathBuf,
        #[command(flatten)]
        conn: Conn,
    },
}

#[derive(Subcommand)]
pub enum BenchmarksCommand {
    /// Load a new version of a benchmark set; if it is in force, the registry is re-determined.
    Load {
        /// The set's TOML file (see docs/benchmarks.md).
        file: PathBuf,
    },
    /// List every version of every set.
    List,
}

#[derive(Subcommand)]
pub enum ModelsCommand {
    /// Import profiles (Epoch AI CSV or a JSON array); rows that are not models are skipped and listed.
    Import {
        /// Epoch AI's CSV layout (.csv) or a JSON array of profiles.
        file: PathBuf,
        /// Refuse the whole file at the first row that is not a model.
        #[arg(long)]
        strict: bool,
        /// Owning organization, by id or exact name (default: yours).
        #[arg(long)]
        owner_org: Option<String>,
        /// TLP marking of the imported profiles (default AMBER+STRICT).
        #[arg(long, value_parser = crate::words::words(&bulwark_core::Tlp::ALL, bulwark_core::Tlp::as_str))]
        tlp: Option<String>,
    },
    /// The profiles you may read.
    List,
    /// One model with its determinations.
    Show {
        /// The model's id.
        id: String,
    },
    /// Attach the headline score of an Inspect AI log (.json or .eval) as `evals.NAME`.
    Evals {
        /// The model's id.
        id: String,
        /// The Inspect AI log (.json or .eval).
        file: PathBuf,
        /// The evaluation's name in the profile, e.g. cybench.
        #[arg(long)]
        name: String,
    },
}

#[derive(Args)]
pub struct EstimateArgs {
    /// Parameters (N); with --tokens: 6·N·D.
    #[arg(long, requires = "tokens")]
    params: Option<f64>,
    /// Training tokens (D).
    #[arg(long, requires = "params")]
    tokens: Option<f64>,
    /// Active parameters per token, for mixture-of-experts models (used as N).
    #[arg(long, requires = "params")]
    active_params: Option<f64>,
    /// Number of accelerator chips; with --chip-flops, --hours, --utilization.
    #[arg(long, requires_all = ["chip_flops", "hours", "utilization"])]
    chips: Option<f64>,
    /// Peak FLOP/s per chip.
    #[arg(long, requires = "chips")]
    chip_flops: Option<f64>,
    /// Training time in hours.
    #[arg(long, requires = "chips")]
    hours: Option<f64>,
    /// Utilisation, in (0, 1].
    #[arg(long, requires = "chips")]
    utilization: Option<f64>,
    /// Output: a readable table, or one JSON object per line.
    #[arg(long, value_enum, ignore_case = true, default_value = "table")]
    format: Format,
}

pub async fn run(cmd: FrontierCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        FrontierCommand::Classify {
            benchmarks,
            models,
            format,
        } => classify(&benchmarks, &models, format),
        FrontierCommand::Estimate(args) => estimate(&args),
        FrontierCommand::Benchmarks { command, conn } => match command {
            BenchmarksCommand::Load { file } => {
                let text = read(&file)?;
                crate::client::send(
                    &conn,
                    "POST",
                    "/api/v1/benchmarks",
                    Some(("application/toml", text.into_bytes())),
                )
                .await
            }
            BenchmarksCommand::List => {
                crate::client::send(&conn, "GET", "/api/v1/benchmarks", None).await
            }
        },
        FrontierCommand::Models { command, conn } => match command {
            ModelsCommand::Import {
                file,
                strict,
                owner_org,
                tlp,
            } => {
                let bytes = std::fs::read(&file)
                    .map_err(|e| BadInput(format!("{}: {e}", file.display())))?;
                let ctype = if is_csv(&file, &bytes) {
                    "text/csv"
                } else {
                    "application/json"
                };
                let mut query = Vec::new();
                if let Some(o) = owner_org {
                    let o = crate::client::org_id(&conn, "--owner-org", &o).await?;
                    query.push(format!("owner_org={}", crate::client::seg(&o)?));
                }
                if let Some(t) = tlp {
                    query.push(format!("tlp={}", t.replace('+', "%2B")));
                }
                if strict {
                    query.push("strict=true".to_owned());
                }
                let path = if query.is_empty() {
                    "/api/v1/models/import".to_owned()
                } else {
                    format!("/api/v1/models/import?{}", query.join("&"))
                };
                crate::client::send(&conn, "POST", &path, Some((ctype, bytes))).await
            }
            ModelsCommand::List => {
                crate::client::send(&conn, "GET", "/api/v1/models?limit=500", None).await
            }
            ModelsCommand::Evals { id, file, name } => {
                let bytes = std::fs::read(&file)
                    .map_err(|e| BadInput(format!("{}: {e}", file.display())))?;
                let ctype = if bytes.starts_with(b"PK") {
                    "application/zip"
                } else {
                    "application/json"
                };
                if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
                {
                    return Err(
                        BadInput(format!("--name {name:?}: use letters, digits and '_'")).into(),
                    );
                }
                let path = format!(
                    "/api/v1/models/{}/evals?name={name}",
                    crate::client::seg(&id)?
                );
                crate::client::send(&conn, "POST", &path, Some((ctype, bytes))).await
            }
            ModelsCommand::Show { id } => {
                crate::client::send(
                    &conn,
                    "GET",
                    &format!("/api/v1/models/{}", crate::client::seg(&id)?),
                    None,
                )
                .await
            }
        },
        FrontierCommand::Precheck { file, conn } => {
            let text = read(&file)?;
            let profile: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
                BadInput(format!(
                    "{}: line {}, column {}: {e}",
                    file.display(),
                    e.line(),
                    e.column()
                ))
            })?;
            let body = serde_json::to_vec(&json!({ "profile": profile }))?;
            crate::client::send(
                &conn,
                "POST",
                "/api/v1/precheck",
                Some(("application/json", body)),
            )
            .await
        }
    }
}

fn read(path: &Path) -> anyhow::Result<String> {
    std::fs::read_to_string(path).map_err(|e| BadInput(format!("{}: {e}", path.display())).into())
}

/// CSV by extension, else by content: a JSON document starts with `[` or `{`.
fn is_csv(path: &Path, bytes: &[u8]) -> bool {
    match path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("csv") => true,
        Some("json") => false,
        _ => !matches!(
            bytes.iter().find(|b| !b.is_ascii_whitespace()),
            Some(b'[') | Some(b'{')
        ),
    }
}

/// Reads the rows of a CSV (Epoch AI layout) or JSON file; a file that is
/// not one of them is refused whole, naming the file.
pub fn read_rows(path: &Path) -> anyhow::Result<Vec<Row>> {
    let bytes = std::fs::read(path).map_err(|e| BadInput(format!("{}: {e}", path.display())))?;
    let parsed = if is_csv(path, &bytes) {
        bulwark_frontier::import::epoch_csv_rows(&bytes[..])
    } else {
        bulwark_frontier::import::profiles_json_rows(&bytes)
    };
    parsed.map_err(|e| BadInput(format!("{}: {e}", path.display())).into())
}

/// One line per row of `models`, in order: the determination, or for a row
/// that is not a model `{"row": N, "error": …}` (N counts data rows from 1,
/// the header not counted; the error names the CSV line or the JSON path).
/// Such rows make the exit code 2, once every row is answered.
fn classify(benchmarks: &Path, models: &Path, format: Format) -> anyhow::Result<ExitCode> {
    let text = read(benchmarks)?;
    let set = BenchmarkSet::from_toml(&text)
        .map_err(|e| BadInput(format!("{}: {e}", benchmarks.display())))?;
    let rows = read_rows(models)?;
    let now = time::OffsetDateTime::now_utc();
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    if format == Format::Table {
        writeln!(
            out,
            "{:<40}  {:<24}  {:<13}  MISSING",
            "MODEL", "ORGANIZATION", "OUTCOME"
        )?;
    }
    let mut failed = 0usize;
    for row in &rows {
        match (&row.profile, format) {
            (Ok(p), Format::Json) => {
                let d = set.determine(p, now);
                serde_json::to_writer(&mut out, &d.record(p))?;
                out.write_all(b"\n")?;
            }
            (Ok(p), Format::Table) => {
                let d = set.determine(p, now);
                writeln!(
                    out,
                    "{:<40}  {:<24}  {:<13}  {}",
                    clip(&p.name, 40),
                    clip(p.organization.as_deref().unwrap_or("-"), 24),
                    d.outcome.as_str(),
                    if d.missing.is_empty() {
                        "-".to_owned()
                    } else {
                        d.missing.join(",")
                    }
                )?;
            }
            (Err(e), Format::Json) => {
                failed += 1;
                serde_json::to_writer(&mut out, &json!({"row": row.row, "error": e.to_string()}))?;
                out.write_all(b"\n")?;
            }
            (Err(e), Format::Table) => {
                failed += 1;
                writeln!(
                    out,
                    "{:<40}  {:<24}  {:<13}  {e}",
                    format!("(row {})", row.row),
                    "-",
                    "error"
                )?;
            }
        }
    }
    if format == Format::Table {
        writeln!(
            out,
            "({} models{}, benchmark {})",
            rows.len() - failed,
            if failed > 0 {
                format!(", {failed} rows not models")
            } else {
                String::new()
            },
            set.label()
        )?;
    }
    out.flush().context("writing the output")?;
    if failed > 0 {
        return Err(BadInput(format!(
            "{}: {failed} of {} rows are not models",
            models.display(),
            rows.len()
        ))
        .into());
    }
    Ok(ExitCode::SUCCESS)
}

fn clip(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_owned()
    } else {
        let mut t: String = s.chars().take(n.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

fn estimate(a: &EstimateArgs) -> anyhow::Result<ExitCode> {
    let bad = |e: compute::ComputeError| anyhow::Error::new(BadInput(e.to_string()));
    let by_params = match (a.params, a.tokens) {
        (Some(n), Some(d)) => Some(compute::from_params(n, d, a.active_params).map_err(bad)?),
        _ => None,
    };
    let by_hardware = match (a.chips, a.chip_flops, a.hours, a.utilization) {
        (Some(c), Some(f), Some(h), Some(u)) => {
            Some(compute::from_hardware(c, f, h, u).map_err(bad)?)
        }
        _ => None,
    };
    if by_params.is_none() && by_hardware.is_none() {
        return Err(BadInput("give --params and --tokens, or --chips, --chip-flops, --hours and --utilization (or both)".into()).into());
    }
    let comparison = match (by_params, by_hardware) {
        (Some(p), Some(h)) => Some(compute::compare(p, h).map_err(bad)?),
        _ => None,
    };
    let lines: Vec<serde_json::Value> = [
        by_params.map(|f| json!({"method": "parameters", "flop": f, "display": compute::two_sig(f)})),
        by_hardware.map(|f| json!({"method": "hardware", "flop": f, "display": compute::two_sig(f)})),
        comparison.map(|c| json!({"method": "comparison", "ratio": c.ratio, "display": compute::two_sig(c.ratio), "differs": c.differs})),
    ]
    .into_iter()
    .flatten()
    .collect();
    for l in &lines {
        match a.format {
            Format::Json => println!("{l}"),
            Format::Table => match l["method"].as_str() {
                Some("comparison") => println!(
                    "hardware / parameters = {}{}",
                    l["display"].as_str().unwrap_or(""),
                    if l["differs"] == true {
                        "  (the estimates differ by more than 30%)"
                    } else {
                        ""
                    }
                ),
                Some(m) => println!("{m:<10}  {} FLOP", l["display"].as_str().unwrap_or("")),
                None => {}
            },
        }
    }
    Ok(ExitCode::SUCCESS)
}
