//! `bulwark directive …`: Binding Operational Directives offline, for
//! agencies' own pipelines.
//!
//! - `evaluate --directive FILE --facts FILE.json`: the facts file is one
//!   object or an array of them; one answer per input, in order. An input
//!   that cannot be evaluated gets an `error` object in its place (with
//!   its index and JSON path) and the exit code is 2 at the end.

use std::io::{BufWriter, Write};
use std::process::ExitCode;

use bulwark_directive::Directive;
use clap::Subcommand;
use serde_json::{Value, json};

use crate::{BadInput, Format};

#[derive(Subcommand)]
pub enum DirectiveCommand {
    /// What a directive requires for each set of facts in a JSON file.
    Evaluate {
        /// The directive, as TOML (e.g. directives/bod-26-04.toml).
        #[arg(long)]
        directive: String,
        /// One JSON object of facts, or an array of them (`-` for standard input).
        #[arg(long)]
        facts: String,
        /// Output: a readable table, or one JSON object per line.
        #[arg(long, value_enum, ignore_case = true, default_value = "table")]
        format: Format,
    },
}

pub fn run(cmd: DirectiveCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        DirectiveCommand::Evaluate {
            directive,
            facts,
            format,
        } => evaluate(&directive, &facts, format),
    }
}

fn evaluate(directive_file: &str, facts_file: &str, format: Format) -> anyhow::Result<ExitCode> {
    let text = std::fs::read_to_string(directive_file)
        .map_err(|e| BadInput(format!("{directive_file}: {e}")))?;
    let directive =
        Directive::from_toml(&text).map_err(|e| BadInput(format!("{directive_file}: {e}")))?;
    let facts_text = if facts_file == "-" {
        std::io::read_to_string(std::io::stdin())
    } else {
        std::fs::read_to_string(facts_file)
    }
    .map_err(|e| BadInput(format!("{facts_file}: {e}")))?;
    let facts: Value =
        serde_json::from_str(&facts_text).map_err(|e| BadInput(format!("{facts_file}: {e}")))?;
    let inputs: Vec<(String, &Value)> = match &facts {
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, v)| (format!("$[{i}]"), v))
            .collect(),
        v => vec![("$".to_owned(), v)],
    };

    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let mut failed = 0usize;
    for (index, (path, input)) in inputs.iter().enumerate() {
        match directive.facts_from_json(input, path) {
            Ok(f) => {
                let e = directive.evaluate(&f);
                match format {
                    Format::Json => {
                        serde_json::to_writer(&mut out, &e)?;
                        out.write_all(b"\n")?;
                    }
                    Format::Table => {
                        let due = e.due.map_or("-".to_owned(), |d| {
                            d.format(&time::format_description::well_known::Rfc3339)
                                .unwrap_or_else(|_| d.to_string())
                        });
                        writeln!(
                            out,
                            "{index:>4}  {}  {}  {}  due {due}{}",
                            e.directive,
                            e.rule,
                            e.timeline,
                            if e.forensic { "  forensic triage" } else { "" }
                        )?;
                        for line in &e.explanation {
                            writeln!(out, "        {line}")?;
                        }
                    }
                }
            }
            Err(err) => {
                failed += 1;
                match format {
                    Format::Json => {
                        serde_json::to_writer(
                            &mut out,
                            &json!({"index": index, "path": err.path, "error": err.to_string()}),
                        )?;
                        out.write_all(b"\n")?;
                    }
                    Format::Table => writeln!(out, "{index:>4}  error  {err}")?,
                }
            }
        }
    }
    out.flush()?;
    if failed > 0 {
        return Err(BadInput(format!(
            "{facts_file}: {failed} of {} inputs could not be evaluated",
            inputs.len()
        ))
        .into());
    }
    Ok(ExitCode::SUCCESS)
}
