//! `bulwark findings fingerprint FILE.sarif`: the clearinghouse's fingerprint
//! of every result in a SARIF log, offline, so that a scanner can tell before
//! submitting which of its results the clearinghouse will take for one.
//!
//! Results are printed as they are read (the log is streamed, never held
//! whole), in document order. A log that breaks half-way has printed the
//! results before the break; the error names the JSON path and the exit code
//! is 2, so a script never mistakes a partial listing for a whole one.
//!
//! As at intake, only findings are listed (results of kind `pass`,
//! `notApplicable` and `informational` are counted), and what tools bend is
//! repaired, each repair a warning on standard error with its JSON path;
//! `--strict` refuses such a log instead (exit 2), as the server does with
//! `strict=true`.

use std::io::{BufWriter, Write};
use std::path::Path;
use std::process::ExitCode;

use bulwark_intake::fingerprint::fingerprint;
use bulwark_intake::sarif::{self, NormalizedResult, ReadError, Summary};
use bulwark_intake::{Mode, ReadOptions};
use clap::Subcommand;
use serde_json::json;

use crate::{BadInput, Format};

#[derive(Subcommand)]
pub enum FindingsCommand {
    /// Print the fingerprint of every result of a SARIF 2.1.0 log (`-` for
    /// standard input), one per line in document order.
    Fingerprint {
        /// The SARIF log, or `-` for standard input.
        file: String,
        /// Output: a readable table, or one JSON object per line.
        #[arg(long, value_enum, ignore_case = true, default_value = "table")]
        format: Format,
        /// Refuse a log that needs a repair (a fingerprint value that is not
        /// a string, a result without a message, a tool without a name)
        /// instead of repairing it with a warning.
        #[arg(long)]
        strict: bool,
    },
}

/// Warnings printed whole; the rest are counted.
const PRINTED_WARNINGS: usize = 1000;

pub fn run(cmd: FindingsCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        FindingsCommand::Fingerprint {
            file,
            format,
            strict,
        } => {
            let options = ReadOptions {
                mode: if strict { Mode::Strict } else { Mode::Repair },
                keep_warnings: PRINTED_WARNINGS,
            };
            let out = std::io::stdout();
            let mut out = BufWriter::new(out.lock());
            let read = if file == "-" {
                print_fingerprints(std::io::stdin().lock(), &mut out, format, options)
            } else {
                let f = std::fs::File::open(Path::new(&file))
                    .map_err(|e| BadInput(format!("{file}: {e}")))?;
                print_fingerprints(f, &mut out, format, options)
            };
            out.flush()?;
            match read {
                Ok(summary) => {
                    print_warnings(&file, &summary);
                    if format == Format::Table {
                        eprintln!("({})", tally(&summary));
                    }
                    Ok(ExitCode::SUCCESS)
                }
                Err(ReadError::Sarif(e)) => {
                    Err(BadInput(format!("{file}: not a SARIF 2.1.0 log: {e}")).into())
                }
                Err(ReadError::Handler(e)) => Err(e.into()),
            }
        }
    }
}

/// `path:line`, `path`, or nothing, from the primary location.
fn location(r: &NormalizedResult) -> Option<String> {
    let l = r.primary_location()?;
    let path = l.path.as_deref()?;
    Some(match l.start_line {
        Some(line) => format!("{path}:{line}"),
        None => path.to_owned(),
    })
}

fn print_fingerprints<R: std::io::Read, W: Write>(
    reader: R,
    out: &mut W,
    format: Format,
    options: ReadOptions,
) -> Result<Summary, ReadError<std::io::Error>> {
    // Each line is made on the thread that parsed its result.
    sarif::read_map_with(
        reader,
        options,
        |r| line(&r, format),
        |line| out.write_all(line.as_bytes()),
    )
}

/// Each repair on standard error, `warning: FILE: PATH: what (kind)`.
fn print_warnings(file: &str, summary: &Summary) {
    let w = &summary.warnings;
    for warning in &w.first {
        eprintln!("warning: {file}: {warning}");
    }
    let more = w.total() - w.first.len();
    if more > 0 {
        eprintln!("warning: {file}: {more} more repairs not listed");
    }
}

/// `7 results: 4 findings, 3 not findings (pass 1, …); 2 warnings (…)`.
fn tally(s: &Summary) -> String {
    let mut out = format!("{} results", s.results);
    if s.findings != s.results {
        let k = &s.skipped;
        out.push_str(&format!(
            ": {} findings, {} not findings (pass {}, notApplicable {}, informational {})",
            s.findings,
            k.total(),
            k.pass,
            k.not_applicable,
            k.informational
        ));
    }
    if !s.warnings.is_empty() {
        let kinds: Vec<String> = s
            .warnings
            .counts
            .iter()
            .map(|(k, n)| format!("{k} {n}"))
            .collect();
        out.push_str(&format!(
            "; {} warnings ({})",
            s.warnings.total(),
            kinds.join(", ")
        ));
    }
    out
}

/// The line printed for one result, newline included.
fn line(r: &NormalizedResult, format: Format) -> String {
    let fp = fingerprint(r).to_string();
    let loc = location(r);
    match format {
        Format::Json => {
            let line = json!({
                "run": r.run, "result": r.index, "rule": r.rule_id,
                "location": loc, "fingerprint": fp,
            });
            format!("{line}\n")
        }
        Format::Table => format!(
            "{:>3} {:>6}  {:<24}  {:<48}  {fp}\n",
            r.run,
            r.index,
            r.rule_id.as_deref().unwrap_or("-"),
            loc.as_deref().unwrap_or("-"),
        ),
    }
}
