//! `bulwark findings fingerprint FILE.sarif`: the clearinghouse's fingerprint
//! of every result in a SARIF log, offline, so that a scanner can tell before
//! submitting which of its results the clearinghouse will take for one.
//!
//! Results are printed as they are read (the log is streamed, never held
//! whole), in document order. A log that breaks half-way has printed the
//! results before the break; the error names the JSON path and the exit code
//! is 2, so a script never mistakes a partial listing for a whole one.

use std::io::{BufWriter, Write};
use std::path::Path;
use std::process::ExitCode;

use bulwark_intake::fingerprint::fingerprint;
use bulwark_intake::sarif::{self, NormalizedResult, ReadError};
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
    },
}

pub fn run(cmd: FindingsCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        FindingsCommand::Fingerprint { file, format } => {
            let out = std::io::stdout();
            let mut out = BufWriter::new(out.lock());
            let read = if file == "-" {
                print_fingerprints(std::io::stdin().lock(), &mut out, format)
            } else {
                let f = std::fs::File::open(Path::new(&file))
                    .map_err(|e| BadInput(format!("{file}: {e}")))?;
                print_fingerprints(f, &mut out, format)
            };
            out.flush()?;
            match read {
                Ok(n) => {
                    if format == Format::Table {
                        eprintln!("({n} results)");
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
) -> Result<usize, ReadError<std::io::Error>> {
    let mut n = 0;
    // Each line is made on the thread that parsed its result.
    sarif::read_map(
        reader,
        |r| line(&r, format),
        |line| {
            n += 1;
            out.write_all(line.as_bytes())
        },
    )?;
    Ok(n)
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
