//! `bulwark directive …`: Binding Operational Directives offline, for
//! agencies' own pipelines.
//!
//! - `evaluate --directive FILE --facts FILE.json`: the facts file is one
//!   object or an array of them; one answer per input, in order. An input
//!   that cannot be evaluated gets an `error` object in its place (with
//!   its index and JSON path) and the exit code is 2 at the end.
//! - `load FILE`, `list`, `show ID`: the directives a server keeps (API
//!   client). A file the server cannot load exits 2 with its reason.

use std::io::{BufWriter, Write};
use std::process::ExitCode;

use bulwark_directive::Directive;
use clap::Subcommand;
use serde_json::{Value, json};

use crate::client::{Conn, print_value, request, seg};
use crate::tables::{Table, utc};
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
    /// Load a directive version (TOML) on a server (CISA's administrators):
    /// every system is evaluated again under it (API client).
    Load {
        /// The directive, as TOML (e.g. directives/bod-26-04.toml).
        file: String,
        #[command(flatten)]
        conn: Conn,
    },
    /// The directive versions a server keeps, and which are in force (API client).
    List {
        #[command(flatten)]
        conn: Conn,
    },
    /// One directive version with its TOML (API client).
    Show {
        /// The directive's id, e.g. BOD-26-04.
        id: String,
        /// The version (default: the one loaded last).
        #[arg(long)]
        version: Option<String>,
        #[command(flatten)]
        conn: Conn,
    },
}

pub async fn run(cmd: DirectiveCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        DirectiveCommand::Evaluate {
            directive,
            facts,
            format,
        } => evaluate(&directive, &facts, format),
        DirectiveCommand::Load { file, conn } => load(&conn, &file).await,
        DirectiveCommand::List { conn } => list(&conn).await,
        DirectiveCommand::Show { id, version, conn } => show(&conn, &id, version.as_deref()).await,
    }
}

/// The columns a directive is listed with.
fn directive_row(d: &Value) -> Vec<String> {
    let s = |k: &str| d.get(k).and_then(Value::as_str).unwrap_or("-").to_owned();
    vec![
        s("id"),
        s("version"),
        s("effective"),
        if d.get("in_force").and_then(Value::as_bool) == Some(true) {
            "in force".into()
        } else {
            "-".into()
        },
        d.get("rules").map_or("-".into(), Value::to_string),
        utc(d.get("loaded_at")),
        s("title"),
    ]
}

const DIRECTIVE_COLUMNS: [&str; 7] = [
    "ID",
    "VERSION",
    "EFFECTIVE",
    "STATE",
    "RULES",
    "LOADED",
    "TITLE",
];

async fn load(conn: &Conn, file: &str) -> anyhow::Result<ExitCode> {
    let text = std::fs::read_to_string(file).map_err(|e| BadInput(format!("{file}: {e}")))?;
    // Refused here with the file's line, before the server says the same
    // without the file's name.
    if let Err(e) = Directive::from_toml(&text) {
        return Err(BadInput(format!("{file}: {e}")).into());
    }
    let body = Some(("application/toml", text.into_bytes()));
    let v = match request(conn, "POST", "/api/v1/directives", body).await? {
        Ok(bytes) => crate::client::json_or_text(&bytes),
        Err(code) => return Ok(code),
    };
    match conn.format {
        Format::Json => print_value(&v, Format::Json),
        Format::Table => {
            let d = v.get("directive").unwrap_or(&Value::Null);
            let new = v.get("new").and_then(Value::as_bool).unwrap_or(false);
            println!(
                "{} {} ({})",
                if new {
                    "loaded"
                } else {
                    "already loaded, unchanged:"
                },
                d.get("citation").and_then(Value::as_str).unwrap_or("-"),
                d.get("title").and_then(Value::as_str).unwrap_or("-"),
            );
            if let Some(m) = v.get("moved") {
                let n = |k: &str| m.get(k).and_then(Value::as_u64).unwrap_or(0);
                println!(
                    "systems evaluated {}: obligations created {}, revised {}, closed {}, reopened {}",
                    n("systems"),
                    n("created"),
                    n("revised"),
                    n("closed"),
                    n("reopened")
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn list(conn: &Conn) -> anyhow::Result<ExitCode> {
    let v = match request(conn, "GET", "/api/v1/directives", None).await? {
        Ok(bytes) => crate::client::json_or_text(&bytes),
        Err(code) => return Ok(code),
    };
    let items: Vec<Value> = match v {
        Value::Array(a) => a,
        Value::Object(ref o) if o.contains_key("items") => o
            .get("items")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default(),
        other => vec![other],
    };
    match conn.format {
        Format::Json => {
            for i in &items {
                println!("{i}");
            }
        }
        Format::Table => {
            let mut t = Table::new(&DIRECTIVE_COLUMNS);
            for d in &items {
                t.row(directive_row(d));
            }
            t.print();
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn show(conn: &Conn, id: &str, version: Option<&str>) -> anyhow::Result<ExitCode> {
    let mut path = format!("/api/v1/directives/{}", seg(id)?);
    if let Some(v) = version {
        let q = reqwest::Url::parse_with_params("http://q.invalid/", [("version", v)])?;
        path.push('?');
        path.push_str(q.query().unwrap_or_default());
    }
    let v = match request(conn, "GET", &path, None).await? {
        Ok(bytes) => crate::client::json_or_text(&bytes),
        Err(code) => return Ok(code),
    };
    match conn.format {
        Format::Json => print_value(&v, Format::Json),
        Format::Table => {
            let d = v.get("directive").unwrap_or(&Value::Null);
            let mut t = Table::new(&DIRECTIVE_COLUMNS);
            t.row(directive_row(d));
            t.print();
            if let Some(src) = v.get("source").and_then(Value::as_str) {
                println!();
                print!("{src}");
                if !src.ends_with('\n') {
                    println!();
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
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
