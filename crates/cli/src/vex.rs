//! `bulwark vex import FILE`: an agency's VEX document (OpenVEX, CycloneDX
//! VEX or CSAF VEX) sent to the server as answers to its obligations; the
//! statements that answered, and those that matched nothing with why.

use std::process::ExitCode;

use clap::Subcommand;
use serde_json::Value;

use crate::client::{Conn, json_or_text, print_value, request};
use crate::tables::Table;
use crate::{BadInput, Format};

#[derive(Subcommand)]
pub enum VexCommand {
    /// Answer the agency's obligations with a VEX document: `not_affected`
    /// statements answer "not affected", `fixed` ones "remediated";
    /// statements that match no open obligation are listed.
    Import {
        /// The VEX document (JSON).
        file: String,
        /// Refuse a document that bends its format instead of repairing it.
        #[arg(long)]
        strict: bool,
        /// Only say what the document would answer; write nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

pub async fn run(command: VexCommand, conn: &Conn) -> anyhow::Result<ExitCode> {
    let VexCommand::Import {
        file,
        strict,
        dry_run,
    } = command;
    let bytes = std::fs::read(&file).map_err(|e| BadInput(format!("{file}: {e}")))?;
    let path = format!("/api/v1/vex?strict={strict}&dry_run={dry_run}");
    let v = match request(conn, "POST", &path, Some(("application/json", bytes))).await? {
        Ok(bytes) => json_or_text(&bytes),
        Err(code) => return Ok(code),
    };
    if conn.format == Format::Json {
        print_value(&v, Format::Json);
        return Ok(ExitCode::SUCCESS);
    }
    let text = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).unwrap_or("-").to_owned();
    let list = |k: &str| {
        v.get(k)
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
    };
    let matched = list("matched");
    let unmatched = list("unmatched");
    println!(
        "{file}: {} document, {} statements; {} obligations {}, {} statements matched nothing",
        text(&v, "format"),
        v.get("statements").and_then(Value::as_u64).unwrap_or(0),
        matched.len(),
        if dry_run {
            "would be answered"
        } else {
            "answered"
        },
        unmatched.len(),
    );
    for w in list("warnings") {
        eprintln!("bulwark: warning: {file}: {}", w.as_str().unwrap_or("-"));
    }
    if !matched.is_empty() {
        let mut t = Table::new(&[
            "STATEMENT",
            "VULNERABILITY",
            "SUBJECT",
            "STATUS",
            "ANSWER",
            "OBLIGATION",
        ]);
        for m in &matched {
            t.row(vec![
                text(m, "statement"),
                text(m, "vulnerability"),
                text(m, "subject"),
                text(m, "status"),
                text(m, "answer"),
                text(m, "obligation"),
            ]);
        }
        t.print();
    }
    if !unmatched.is_empty() {
        println!("matched nothing:");
        let mut t = Table::new(&["STATEMENT", "VULNERABILITY", "STATUS", "PRODUCTS", "WHY"]);
        for u in &unmatched {
            let products: Vec<String> = u
                .get("products")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|p| p.as_str().map(str::to_owned))
                .collect();
            t.row(vec![
                text(u, "statement"),
                text(u, "vulnerability"),
                text(u, "status"),
                products.join(" "),
                text(u, "reason"),
            ]);
        }
        t.print();
    }
    Ok(ExitCode::SUCCESS)
}
