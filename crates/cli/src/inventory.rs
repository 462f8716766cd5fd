//! `bulwark system …`, `bulwark obligation …` and `bulwark compliance`:
//! agencies' inventories under Binding Operational Directives, the
//! obligations they carry, and who is on time (API client).
//!
//! A system is named by its id or its name (as `system list` shows it to
//! the caller); an agency by its id or name, as everywhere. Tables show
//! instants in UTC; `--format json` prints the API's objects, one a line.

use std::collections::HashMap;
use std::io::Write;
use std::process::ExitCode;

use clap::{Args, Subcommand, ValueEnum};
use serde_json::{Value, json};

use crate::client::{Conn, all_pages, json_or_text, org_id, query, request, seg};
use crate::tables::{Table, text, utc};
use crate::words::words;
use crate::{BadInput, Format, Reported};
use bulwark_core::{Answer, ObligationState, RequestKind, Tri};

#[derive(Subcommand)]
pub enum SystemCommand {
    /// Register a system of your agency.
    Create {
        /// Its name, as the agency calls it.
        #[arg(long)]
        name: String,
        /// Its identifier in the agency's FISMA inventory.
        #[arg(long)]
        fisma_id: Option<String>,
        /// Whether it is a high-value asset (default: unknown).
        #[arg(long, value_parser = words(Tri::ALL, Tri::as_str))]
        high_value_asset: Option<String>,
        /// Whether unauthenticated or untrusted parties reach it over public
        /// networks (default: unknown; the directive decides what unknown means).
        #[arg(long, value_parser = words(Tri::ALL, Tri::as_str))]
        publicly_exposed: Option<String>,
        /// It is a national security system (CISA's directives do not bind it).
        #[arg(long)]
        national_security: bool,
        /// Who answers for it (a name or an address); repeat for several.
        #[arg(long = "owner")]
        owners: Vec<String>,
    },
    /// The systems you may see.
    List,
    /// One system with its SBOMs and products.
    Show {
        /// The system: its id or its name.
        system: String,
    },
    /// Change a system; what is not given stays as it is.
    Update {
        /// The system: its id or its name.
        system: String,
        /// A new name.
        #[arg(long)]
        name: Option<String>,
        /// Its FISMA identifier (an empty value clears it).
        #[arg(long)]
        fisma_id: Option<String>,
        /// Whether it is a high-value asset.
        #[arg(long, value_parser = words(Tri::ALL, Tri::as_str))]
        high_value_asset: Option<String>,
        /// Whether it is reachable from public networks.
        #[arg(long, value_parser = words(Tri::ALL, Tri::as_str))]
        publicly_exposed: Option<String>,
        /// Whether it is a national security system: yes or no.
        #[arg(long, value_parser = clap::builder::BoolishValueParser::new())]
        national_security: Option<bool>,
        /// Who answers for it; repeat for several (replaces the list).
        #[arg(long = "owner")]
        owners: Vec<String>,
        /// Clear the list of owners.
        #[arg(long, conflicts_with = "owners")]
        no_owners: bool,
    },
    /// Attach an uploaded SBOM to a system (its components become the
    /// system's): obligations follow at once.
    AttachSbom {
        /// The system: its id or its name.
        system: String,
        /// The SBOM's id (as `POST /api/v1/sboms` answered).
        sbom: String,
        /// The SBOM this one replaces (a new release of the same software).
        #[arg(long)]
        replaces: Option<String>,
    },
    /// Detach an SBOM: obligations for what only it carried close.
    DetachSbom {
        /// The system: its id or its name.
        system: String,
        /// The SBOM's id.
        sbom: String,
    },
    /// Add a product that has no package URL (an appliance, a commercial
    /// product): by vendor and product as KEV names them, or by CPE.
    AddProduct {
        /// The system: its id or its name.
        system: String,
        /// The vendor, as KEV and CVE records name it (e.g. Ivanti).
        #[arg(long, required_unless_present = "cpe", requires = "product")]
        vendor: Option<String>,
        /// The product, as KEV and CVE records name it (e.g. "Connect Secure").
        #[arg(long, required_unless_present = "cpe", requires = "vendor")]
        product: Option<String>,
        /// The version in use.
        #[arg(long, requires = "vendor")]
        version: Option<String>,
        /// A CPE 2.3 name instead of vendor and product.
        #[arg(long, conflicts_with_all = ["vendor", "product", "version"])]
        cpe: Option<String>,
    },
    /// Remove a product from a system.
    RemoveProduct {
        /// The system: its id or its name.
        system: String,
        /// The product's id (as `system show` lists it).
        product: String,
    },
}

/// Output of the obligation commands: `csv` only for `obligation list`.
#[derive(Copy, Clone, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    /// A readable table.
    Table,
    /// One JSON object per line.
    Json,
    /// CSV with a header row (only `obligation list`: the server's export).
    Csv,
}

/// The connection of the obligation commands: [`Conn`]'s options, with a
/// `--format` that also offers CSV.
#[derive(Args, Clone)]
pub struct Remote {
    /// Base URL of the server.
    #[arg(
        long,
        env = "BULWARK_URL",
        default_value = "http://127.0.0.1:8080",
        global = true
    )]
    url: String,
    /// API token (bwk_…).
    #[arg(long, env = "BULWARK_TOKEN", hide_env_values = true, global = true)]
    token: Option<String>,
    /// Output: a readable table, one JSON object per line, or CSV (list only).
    #[arg(
        long,
        value_enum,
        ignore_case = true,
        default_value = "table",
        global = true
    )]
    format: ListFormat,
}

impl Remote {
    /// The connection, for a command without CSV output.
    fn conn(&self) -> anyhow::Result<Conn> {
        let format = match self.format {
            ListFormat::Table => Format::Table,
            ListFormat::Json => Format::Json,
            ListFormat::Csv => {
                return Err(
                    BadInput("--format csv: only `obligation list` writes CSV".into()).into(),
                );
            }
        };
        Ok(Conn::new(self.url.clone(), self.token.clone(), format))
    }
}

#[derive(Subcommand)]
pub enum ObligationCommand {
    /// The obligations you may see (an agency its own; CISA those of the
    /// agencies its directives bind).
    List {
        /// Only open ones past their due date.
        #[arg(long)]
        overdue: bool,
        /// Only open ones due within this many days (not yet overdue).
        #[arg(long, value_name = "DAYS")]
        due_within: Option<u32>,
        /// Only this system's: its id or its name.
        #[arg(long)]
        system: Option<String>,
        /// Only this agency's (CISA): its id or its name.
        #[arg(long)]
        agency: Option<String>,
        /// Only for this vulnerability (CVE-…, GHSA-…).
        #[arg(long)]
        vulnerability: Option<String>,
        /// Only under this directive (its id, e.g. BOD-26-04).
        #[arg(long)]
        directive: Option<String>,
        /// Only open ones, or only closed ones.
        #[arg(long, value_parser = words(ObligationState::ALL, ObligationState::as_str))]
        state: Option<String>,
    },
    /// One obligation: why it exists (the directive's explanation), its
    /// history and its requests.
    Show {
        /// The obligation's id.
        id: String,
    },
    /// Answer an obligation for your agency.
    Answer {
        /// The obligation's id.
        id: String,
        /// Where the agency stands.
        #[arg(long, value_parser = words(Answer::ALL, Answer::as_str))]
        answer: String,
        /// What was done, or why the system is not affected (needed for
        /// remediated and mitigated, unless evidence is given).
        #[arg(long)]
        note: Option<String>,
        /// Evidence: a ticket, a scan, a document's address.
        #[arg(long)]
        evidence: Option<String>,
        /// For not_affected: the VEX justification (component_not_present,
        /// vulnerable_code_not_present, vulnerable_code_not_in_execute_path,
        /// vulnerable_code_cannot_be_controlled_by_adversary,
        /// inline_mitigations_already_exist).
        #[arg(long)]
        justification: Option<String>,
    },
    /// Ask the issuer (CISA) for more time, or for an exception.
    Request {
        /// The obligation's id.
        id: String,
        /// An extension (a later due date) or an exception.
        #[arg(long, value_parser = words(RequestKind::ALL, RequestKind::as_str))]
        kind: String,
        /// For an extension: the due date asked for, RFC 3339
        /// (2027-01-15T00:00:00Z) or a date (midnight UTC).
        #[arg(long)]
        due: Option<String>,
        /// Why.
        #[arg(long)]
        justification: String,
    },
    /// Decide a request (the issuer, CISA).
    Decide {
        /// The request's id (as `obligation show` lists it).
        request: String,
        /// Approve the request.
        #[arg(long, conflicts_with = "deny", required_unless_present = "deny")]
        approve: bool,
        /// Deny the request.
        #[arg(long)]
        deny: bool,
        /// For an approved extension: the new due date, RFC 3339 or a date
        /// (default: the date asked for).
        #[arg(long)]
        due: Option<String>,
        /// Conditions of the approval.
        #[arg(long)]
        conditions: Option<String>,
        /// A note for the record.
        #[arg(long)]
        note: Option<String>,
    },
}

fn json_body(v: Value) -> anyhow::Result<Option<(&'static str, Vec<u8>)>> {
    Ok(Some(("application/json", serde_json::to_vec(&v)?)))
}

/// The answer's body, or the server's refusal (already told) as an error.
async fn fetch(
    conn: &Conn,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> anyhow::Result<Value> {
    let body = match body {
        Some(b) => json_body(b)?,
        None => None,
    };
    match request(conn, method, path, body).await? {
        Ok(bytes) => Ok(json_or_text(&bytes)),
        Err(code) => Err(Reported(code).into()),
    }
}

/// A vulnerability id as a path segment: OSV ids have letters, digits,
/// `-`, `.`, `_` and `:`; nothing else is let into the path.
fn vuln_seg<'a>(option: &str, s: &'a str) -> anyhow::Result<&'a str> {
    let ok = !s.is_empty()
        && s.chars().any(|c| c.is_ascii_alphanumeric())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b':'));
    if ok {
        Ok(s)
    } else {
        Err(BadInput(format!(
            "{option} {s:?} is not a vulnerability id (CVE-…, GHSA-…)"
        ))
        .into())
    }
}

/// A system as the user names it: its id, or its name among the systems
/// the caller may see. The exact name wins, else one that differs only in
/// case; none, or several (CISA sees every agency's), is bad input naming
/// `option` and the candidates.
pub async fn system_id(conn: &Conn, option: &str, given: &str) -> anyhow::Result<String> {
    if let Ok(id) = uuid::Uuid::parse_str(given.trim()) {
        return Ok(id.to_string());
    }
    let systems = all_pages(conn, "/api/v1/systems?limit=500").await?;
    let name = |s: &Value| {
        s.get("name")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned()
    };
    let exact: Vec<&Value> = systems.iter().filter(|s| name(s) == given).collect();
    let candidates = if exact.is_empty() {
        let folded = given.trim().to_lowercase();
        systems
            .iter()
            .filter(|s| name(s).to_lowercase() == folded)
            .collect()
    } else {
        exact
    };
    match candidates.as_slice() {
        [one] => Ok(text(one, "id")),
        [] => Err(BadInput(format!(
            "{option} {given:?}: no system you may see has that name or id (`bulwark system list` lists them)"
        ))
        .into()),
        several => {
            let listed: Vec<String> = several
                .iter()
                .map(|s| format!("{:?} of {} ({})", name(s), text(s, "org_name"), text(s, "id")))
                .collect();
            Err(BadInput(format!(
                "{option} {given:?} fits several systems: {}; give the id",
                listed.join(", ")
            ))
            .into())
        }
    }
}

const SYSTEM_COLUMNS: [&str; 8] = [
    "ID",
    "NAME",
    "AGENCY",
    "FISMA ID",
    "HIGH VALUE",
    "PUBLIC",
    "NATIONAL SECURITY",
    "OWNERS",
];

fn system_row(s: &Value) -> Vec<String> {
    let owners: Vec<&str> = s
        .get("owners")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    vec![
        text(s, "id"),
        text(s, "name"),
        text(s, "org_name"),
        text(s, "fisma_id"),
        text(s, "high_value_asset"),
        text(s, "publicly_exposed"),
        match s.get("national_security").and_then(Value::as_bool) {
            Some(true) => "yes".into(),
            Some(false) => "no".into(),
            None => "-".into(),
        },
        if owners.is_empty() {
            "-".into()
        } else {
            owners.join(", ")
        },
    ]
}

/// Items as the API gave them, one JSON object a line, or a table of
/// `columns` with a row of each.
fn print_items(
    items: &[Value],
    format: Format,
    columns: &[&str],
    row: impl Fn(&Value) -> Vec<String>,
) {
    match format {
        Format::Json => {
            for i in items {
                println!("{i}");
            }
        }
        Format::Table => {
            let mut t = Table::new(columns);
            for i in items {
                t.row(row(i));
            }
            t.print();
        }
    }
}

fn print_systems(items: &[Value], format: Format) {
    print_items(items, format, &SYSTEM_COLUMNS, system_row);
}

/// What a change to an inventory did: the system, then the obligations
/// it created, revised, closed or reopened.
fn print_change(v: &Value, format: Format) {
    if format == Format::Json {
        println!("{v}");
        return;
    }
    if let Some(s) = v.get("system") {
        print_systems(std::slice::from_ref(s), Format::Table);
    }
    if let Some(m) = v.get("obligations") {
        let n = |k: &str| m.get(k).and_then(Value::as_u64).unwrap_or(0);
        println!(
            "obligations: {} created, {} revised, {} closed, {} reopened",
            n("created"),
            n("revised"),
            n("closed"),
            n("reopened")
        );
        for line in m
            .get("moved")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
        {
            println!("  {line}");
        }
    }
}

fn print_system_view(v: &Value, format: Format) {
    if format == Format::Json {
        println!("{v}");
        return;
    }
    if let Some(s) = v.get("system") {
        print_systems(std::slice::from_ref(s), Format::Table);
    }
    let sboms = v.get("sboms").and_then(Value::as_array);
    println!();
    match sboms {
        Some(list) if !list.is_empty() => {
            println!("SBOMs:");
            let mut t = Table::new(&[
                "  SBOM",
                "NAME",
                "COMPONENTS",
                "ATTACHED",
                "DETACHED",
                "REPLACED BY",
            ]);
            for b in list {
                t.row(vec![
                    format!("  {}", text(b, "sbom")),
                    text(b, "name"),
                    text(b, "components"),
                    utc(b.get("attached_at")),
                    utc(b.get("detached_at")),
                    text(b, "replaced_by"),
                ]);
            }
            t.print();
        }
        _ => println!("SBOMs: none"),
    }
    match v.get("products").and_then(Value::as_array) {
        Some(list) if !list.is_empty() => {
            println!("Products:");
            let mut t = Table::new(&[
                "  ID", "VENDOR", "PRODUCT", "VERSION", "CPE", "ADDED", "REMOVED",
            ]);
            for p in list {
                t.row(vec![
                    format!("  {}", text(p, "id")),
                    text(p, "vendor"),
                    text(p, "product"),
                    text(p, "version"),
                    text(p, "cpe"),
                    utc(p.get("added_at")),
                    utc(p.get("removed_at")),
                ]);
            }
            t.print();
        }
        _ => println!("Products: none"),
    }
    let may: Vec<&str> = [
        ("may_update", "update"),
        ("may_answer", "answer obligations"),
    ]
    .iter()
    .filter(|(k, _)| v.get(*k).and_then(Value::as_bool) == Some(true))
    .map(|(_, w)| *w)
    .collect();
    if !may.is_empty() {
        println!("You may: {}.", may.join(", "));
    }
}

pub async fn system(cmd: SystemCommand, conn: &Conn) -> anyhow::Result<ExitCode> {
    let f = conn.format;
    match cmd {
        SystemCommand::Create {
            name,
            fisma_id,
            high_value_asset,
            publicly_exposed,
            national_security,
            owners,
        } => {
            let v = fetch(
                conn,
                "POST",
                "/api/v1/systems",
                Some(json!({
                    "name": name, "fisma_id": fisma_id, "high_value_asset": high_value_asset,
                    "publicly_exposed": publicly_exposed, "national_security": national_security,
                    "owners": owners,
                })),
            )
            .await?;
            print_systems(&[v], f);
        }
        SystemCommand::List => {
            let items = all_pages(conn, "/api/v1/systems?limit=500").await?;
            print_systems(&items, f);
        }
        SystemCommand::Show { system } => {
            let id = system_id(conn, "SYSTEM", &system).await?;
            let v = fetch(conn, "GET", &format!("/api/v1/systems/{}", seg(&id)?), None).await?;
            print_system_view(&v, f);
        }
        SystemCommand::Update {
            system,
            name,
            fisma_id,
            high_value_asset,
            publicly_exposed,
            national_security,
            owners,
            no_owners,
        } => {
            let id = system_id(conn, "SYSTEM", &system).await?;
            let mut patch = serde_json::Map::new();
            let mut put = |k: &str, v: Value| {
                patch.insert(k.to_owned(), v);
            };
            if let Some(v) = name {
                put("name", json!(v));
            }
            if let Some(v) = fisma_id {
                put("fisma_id", json!(v));
            }
            if let Some(v) = high_value_asset {
                put("high_value_asset", json!(v));
            }
            if let Some(v) = publicly_exposed {
                put("publicly_exposed", json!(v));
            }
            if let Some(v) = national_security {
                put("national_security", json!(v));
            }
            if !owners.is_empty() || no_owners {
                put("owners", json!(owners));
            }
            if patch.is_empty() {
                return Err(BadInput(
                    "nothing to change: give --name, --fisma-id, --high-value-asset, --publicly-exposed, --national-security, --owner or --no-owners".into(),
                )
                .into());
            }
            let v = fetch(
                conn,
                "PATCH",
                &format!("/api/v1/systems/{}", seg(&id)?),
                Some(Value::Object(patch)),
            )
            .await?;
            print_change(&v, f);
        }
        SystemCommand::AttachSbom {
            system,
            sbom,
            replaces,
        } => {
            let id = system_id(conn, "SYSTEM", &system).await?;
            if let Some(r) = &replaces {
                seg(r)?;
            }
            let v = fetch(
                conn,
                "PUT",
                &format!("/api/v1/systems/{}/sboms/{}", seg(&id)?, seg(&sbom)?),
                Some(json!({"replaces": replaces})),
            )
            .await?;
            print_change(&v, f);
        }
        SystemCommand::DetachSbom { system, sbom } => {
            let id = system_id(conn, "SYSTEM", &system).await?;
            let v = fetch(
                conn,
                "DELETE",
                &format!("/api/v1/systems/{}/sboms/{}", seg(&id)?, seg(&sbom)?),
                None,
            )
            .await?;
            print_change(&v, f);
        }
        SystemCommand::AddProduct {
            system,
            vendor,
            product,
            version,
            cpe,
        } => {
            let id = system_id(conn, "SYSTEM", &system).await?;
            let v = fetch(
                conn,
                "POST",
                &format!("/api/v1/systems/{}/products", seg(&id)?),
                Some(json!({"vendor": vendor, "product": product, "version": version, "cpe": cpe})),
            )
            .await?;
            print_change(&v, f);
        }
        SystemCommand::RemoveProduct { system, product } => {
            let id = system_id(conn, "SYSTEM", &system).await?;
            let v = fetch(
                conn,
                "DELETE",
                &format!("/api/v1/systems/{}/products/{}", seg(&id)?, seg(&product)?),
                None,
            )
            .await?;
            print_change(&v, f);
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Systems' names and agencies by id, to show obligations by name. A
/// caller who may list no systems gets ids.
async fn system_names(conn: &Conn) -> HashMap<String, (String, String)> {
    // The names are a courtesy: a refused list leaves ids.
    match all_pages(conn, "/api/v1/systems?limit=500").await {
        Ok(items) => items
            .iter()
            .map(|s| (text(s, "id"), (text(s, "name"), text(s, "org_name"))))
            .collect(),
        Err(_) => HashMap::new(),
    }
}

const OBLIGATION_COLUMNS: [&str; 10] = [
    "ID",
    "AGENCY",
    "SYSTEM",
    "SUBJECT",
    "VULNERABILITY",
    "DIRECTIVE",
    "RULE",
    "DUE",
    "STATE",
    "ANSWER",
];

/// `open`, `OVERDUE` or `closed (reason)`: what a reader scans for.
fn state_word(o: &Value) -> String {
    if o.get("overdue").and_then(Value::as_bool) == Some(true) {
        return "OVERDUE".into();
    }
    match (text(o, "state").as_str(), o.get("closed_reason")) {
        ("closed", Some(Value::String(r))) => format!("closed ({r})"),
        (s, _) => s.to_owned(),
    }
}

fn subject(o: &Value) -> String {
    match o.get("subject_version").and_then(Value::as_str) {
        Some(v) => format!("{} {v}", text(o, "subject_name")),
        None => text(o, "subject_name"),
    }
}

fn due(o: &Value) -> String {
    match o.get("due_at") {
        None | Some(Value::Null) => "on upgrade".into(),
        d => utc(d),
    }
}

fn obligation_row(o: &Value, names: &HashMap<String, (String, String)>) -> Vec<String> {
    let sys = text(o, "system");
    let (system, agency) = names
        .get(&sys)
        .cloned()
        .unwrap_or_else(|| (sys.clone(), text(o, "org")));
    vec![
        text(o, "id"),
        agency,
        system,
        subject(o),
        text(o, "vulnerability"),
        text(o, "directive"),
        text(o, "rule"),
        due(o),
        state_word(o),
        text(o, "answer"),
    ]
}

pub async fn obligation(cmd: ObligationCommand, remote: &Remote) -> anyhow::Result<ExitCode> {
    match cmd {
        ObligationCommand::List {
            overdue,
            due_within,
            system,
            agency,
            vulnerability,
            directive,
            state,
        } => {
            // Names are looked up with a connection that cannot print CSV.
            let lookup = Conn::new(remote.url.clone(), remote.token.clone(), Format::Table);
            let system = match system {
                Some(s) => Some(system_id(&lookup, "--system", &s).await?),
                None => None,
            };
            let org = match agency {
                Some(a) => Some(org_id(&lookup, "--agency", &a).await?),
                None => None,
            };
            if let Some(v) = &vulnerability {
                vuln_seg("--vulnerability", v)?;
            }
            let filters = query(&[
                ("org", org),
                ("system", system),
                ("state", state),
                ("vulnerability", vulnerability),
                ("directive", directive),
                ("overdue", overdue.then(|| "true".to_owned())),
                ("due_within_days", due_within.map(|d| d.to_string())),
            ])?;
            let amp = if filters.is_empty() { "" } else { "&" };
            if remote.format == ListFormat::Csv {
                let path = format!("/api/v1/obligations/export?format=csv{amp}{filters}");
                let bytes = match request(&lookup, "GET", &path, None).await? {
                    Ok(b) => b,
                    Err(code) => return Ok(code),
                };
                let mut out = std::io::stdout().lock();
                out.write_all(&bytes)?;
                out.flush()?;
                return Ok(ExitCode::SUCCESS);
            }
            let conn = remote.conn()?;
            let items = all_pages(
                &conn,
                &format!("/api/v1/obligations?limit=500{amp}{filters}"),
            )
            .await?;
            match conn.format {
                Format::Json => {
                    for i in &items {
                        println!("{i}");
                    }
                }
                Format::Table => {
                    let names = system_names(&conn).await;
                    let mut t = Table::new(&OBLIGATION_COLUMNS);
                    for o in &items {
                        t.row(obligation_row(o, &names));
                    }
                    t.print();
                }
            }
        }
        ObligationCommand::Show { id } => {
            let conn = remote.conn()?;
            let v = fetch(
                &conn,
                "GET",
                &format!("/api/v1/obligations/{}", seg(&id)?),
                None,
            )
            .await?;
            match conn.format {
                Format::Json => println!("{v}"),
                Format::Table => print_obligation_view(&v),
            }
        }
        ObligationCommand::Answer {
            id,
            answer,
            note,
            evidence,
            justification,
        } => {
            let conn = remote.conn()?;
            let v = fetch(
                &conn,
                "POST",
                &format!("/api/v1/obligations/{}/answers", seg(&id)?),
                Some(json!({
                    "answer": answer, "note": note, "evidence": evidence,
                    "justification": justification,
                })),
            )
            .await?;
            match conn.format {
                Format::Json => println!("{v}"),
                Format::Table => {
                    let names = system_names(&conn).await;
                    let mut t = Table::new(&OBLIGATION_COLUMNS);
                    t.row(obligation_row(&v, &names));
                    t.print();
                }
            }
        }
        ObligationCommand::Request {
            id,
            kind,
            due,
            justification,
        } => {
            let conn = remote.conn()?;
            let due = due
                .map(|d| crate::reviews::instant_arg("--due", &d))
                .transpose()?;
            let v = fetch(
                &conn,
                "POST",
                &format!("/api/v1/obligations/{}/requests", seg(&id)?),
                Some(json!({"kind": kind, "due": due, "justification": justification})),
            )
            .await?;
            print_requests(&[v], conn.format, "");
        }
        ObligationCommand::Decide {
            request: req,
            approve,
            deny: _,
            due,
            conditions,
            note,
        } => {
            let conn = remote.conn()?;
            let due = due
                .map(|d| crate::reviews::instant_arg("--due", &d))
                .transpose()?;
            let v = fetch(
                &conn,
                "POST",
                &format!("/api/v1/obligation-requests/{}/decision", seg(&req)?),
                Some(json!({
                    "decision": if approve { "approve" } else { "deny" },
                    "due": due, "conditions": conditions, "note": note,
                })),
            )
            .await?;
            print_requests(&[v], conn.format, "");
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn print_requests(items: &[Value], format: Format, indent: &str) {
    if format == Format::Json {
        for i in items {
            println!("{i}");
        }
        return;
    }
    let mut t = Table::new(&[
        &format!("{indent}ID"),
        "KIND",
        "STATE",
        "REQUESTED",
        "DUE ASKED",
        "DECIDED",
        "DUE GRANTED",
        "JUSTIFICATION",
        "CONDITIONS",
        "NOTE",
    ]);
    for r in items {
        t.row(vec![
            format!("{indent}{}", text(r, "id")),
            text(r, "kind"),
            text(r, "state"),
            utc(r.get("requested_at")),
            utc(r.get("requested_due")),
            utc(r.get("decided_at")),
            utc(r.get("decided_due")),
            text(r, "justification"),
            text(r, "conditions"),
            text(r, "decision_note"),
        ]);
    }
    t.print();
}

/// One obligation for a reader: what, where, by when, why (the
/// directive's explanation, each fact with its source), what happened.
fn print_obligation_view(v: &Value) {
    let o = v.get("obligation").unwrap_or(&Value::Null);
    let ev = v.get("evaluation").unwrap_or(&Value::Null);
    let mut t = Table::new(&["", ""]);
    let mut field = |k: &str, val: String| t.row(vec![k.to_owned(), val]);
    field("obligation", text(o, "id"));
    field("agency", text(v, "org_name"));
    field(
        "system",
        format!("{} ({})", text(v, "system_name"), text(o, "system")),
    );
    field(
        "subject",
        format!(
            "{} [{}: {}]",
            subject(o),
            text(o, "subject_kind"),
            text(o, "subject")
        ),
    );
    field("vulnerability", text(o, "vulnerability"));
    field(
        "directive",
        format!("{}, rule {}", text(o, "directive"), text(o, "rule")),
    );
    field(
        "action",
        format!("{} within {}", text(o, "action"), text(o, "timeline")),
    );
    field("since", utc(o.get("trigger_at")));
    let mut due_line = due(o);
    if o.get("extended_due_at").is_some_and(|d| !d.is_null()) {
        due_line = format!(
            "{due_line} (extended; the directive's: {})",
            utc(o.get("directive_due_at"))
        );
    }
    field("due", due_line);
    if o.get("forensic").and_then(Value::as_bool) == Some(true) {
        field(
            "forensic",
            "forensic triage of the asset for compromise".into(),
        );
    }
    let mut state = state_word(o);
    if o.get("closed_at").is_some_and(|c| !c.is_null()) {
        state = format!("{state} at {}", utc(o.get("closed_at")));
    }
    field("state", state);
    field("answer", text(o, "answer"));
    if let Some(report) = ev.get("report").and_then(Value::as_array) {
        let words: Vec<&str> = report.iter().filter_map(Value::as_str).collect();
        if !words.is_empty() {
            field("report", words.join(", "));
        }
    }
    t.print();

    for d in ev
        .get("deadlines")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        println!(
            "deadline: {} by {}",
            text(d, "what"),
            match d.get("due") {
                None | Some(Value::Null) => "the next upgrade".into(),
                due => utc(due),
            }
        );
    }
    println!();
    println!("Why:");
    for line in ev
        .get("explanation")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
    {
        println!("  {line}");
    }
    println!();
    match v.get("history").and_then(Value::as_array) {
        Some(h) if !h.is_empty() => {
            println!("History:");
            let mut t = Table::new(&["  AT", "EVENT", "BY", "DETAIL"]);
            for e in h {
                t.row(vec![
                    format!("  {}", utc(e.get("at"))),
                    text(e, "kind"),
                    text(e, "actor_user"),
                    detail(e.get("detail")),
                ]);
            }
            t.print();
        }
        _ => println!("History: none"),
    }
    match v.get("requests").and_then(Value::as_array) {
        Some(r) if !r.is_empty() => {
            println!("Requests:");
            print_requests(r, Format::Table, "  ");
        }
        _ => println!("Requests: none"),
    }
    let may: Vec<&str> = [("may_answer", "answer"), ("may_decide", "decide requests")]
        .iter()
        .filter(|(k, _)| v.get(*k).and_then(Value::as_bool) == Some(true))
        .map(|(_, w)| *w)
        .collect();
    if !may.is_empty() {
        println!("You may: {}.", may.join(", "));
    }
}

/// An event's detail on one line: `key: value` for what is given.
fn detail(d: Option<&Value>) -> String {
    match d {
        Some(Value::Object(m)) => m
            .iter()
            .filter(|(_, v)| !v.is_null())
            .map(|(k, v)| match v {
                Value::String(s) => format!("{k}: {s}"),
                other => format!("{k}: {other}"),
            })
            .collect::<Vec<_>>()
            .join("; "),
        None | Some(Value::Null) => String::new(),
        Some(other) => other.to_string(),
    }
}

const COUNT_COLUMNS: [&str; 9] = [
    "KEY",
    "NAME",
    "OPEN",
    "DUE SOON",
    "OVERDUE",
    "CLOSED",
    "ON TIME",
    "OLDEST OVERDUE",
    "MEAN HOURS TO CLOSE",
];

fn count_row(c: &Value) -> Vec<String> {
    vec![
        text(c, "key"),
        text(c, "name"),
        text(c, "open"),
        text(c, "due_soon"),
        text(c, "overdue"),
        text(c, "closed"),
        text(c, "closed_on_time"),
        match c.get("oldest_overdue_days").and_then(Value::as_i64) {
            Some(days) => format!("{} ({days} days)", utc(c.get("oldest_overdue"))),
            None => utc(c.get("oldest_overdue")),
        },
        match c.get("mean_hours_to_close").and_then(Value::as_f64) {
            Some(h) => format!("{h:.1}"),
            None => "-".into(),
        },
    ]
}

fn print_counts(items: &[Value], format: Format) {
    print_items(items, format, &COUNT_COLUMNS, count_row);
}

fn as_list(v: Value) -> Vec<Value> {
    match v {
        Value::Array(a) => a,
        Value::Object(ref o) if o.get("items").is_some_and(Value::is_array) => o
            .get("items")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default(),
        Value::Null => Vec::new(),
        other => vec![other],
    }
}

/// `bulwark compliance`: one agency's standing (`--agency`, or the
/// caller's own when it is an agency that issues no directives), every
/// agency's (the issuer, by default), or every agency's for one
/// vulnerability (`--vulnerability`).
pub async fn compliance(
    conn: &Conn,
    agency: Option<&str>,
    vulnerability: Option<&str>,
) -> anyhow::Result<ExitCode> {
    if let Some(vuln) = vulnerability {
        let v = fetch(
            conn,
            "GET",
            &format!(
                "/api/v1/compliance/vulnerabilities/{}",
                vuln_seg("--vulnerability", vuln.trim())?
            ),
            None,
        )
        .await?;
        print_counts(&as_list(v), conn.format);
        return Ok(ExitCode::SUCCESS);
    }
    let org = match agency {
        Some(a) => Some(org_id(conn, "--agency", a).await?),
        None => {
            // An agency's own standing, unless it issues directives.
            let me = fetch(conn, "GET", "/api/v1/me", None).await?;
            let own = text(&me, "org_id");
            let org = fetch(
                conn,
                "GET",
                &format!("/api/v1/organizations/{}", seg(&own)?),
                None,
            )
            .await?;
            let issuer = org.get("issues_directives").and_then(Value::as_bool) == Some(true);
            (!issuer && text(&org, "kind") == "agency").then_some(own)
        }
    };
    match org {
        None => {
            let v = fetch(conn, "GET", "/api/v1/compliance/agencies", None).await?;
            print_counts(&as_list(v), conn.format);
        }
        Some(org) => {
            let v = fetch(
                conn,
                "GET",
                &format!("/api/v1/compliance/agencies/{}", seg(&org)?),
                None,
            )
            .await?;
            if conn.format == Format::Json {
                println!("{v}");
                return Ok(ExitCode::SUCCESS);
            }
            println!("{} ({})", text(&v, "org_name"), text(&v, "org"));
            if let Some(total) = v.get("total").filter(|t| !t.is_null()) {
                print_counts(std::slice::from_ref(total), Format::Table);
            } else {
                println!("no obligations");
            }
            for (key, title) in [("systems", "By system:"), ("directives", "By directive:")] {
                let items = as_list(v.get(key).cloned().unwrap_or(Value::Null));
                if !items.is_empty() {
                    println!();
                    println!("{title}");
                    print_counts(&items, Format::Table);
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vulnerability_ids_are_the_only_path_segments_let_through() {
        assert!(vuln_seg("--vulnerability", "CVE-2024-3400").is_ok());
        assert!(vuln_seg("--vulnerability", "GHSA-xxxx-yyyy-zzzz").is_ok());
        assert!(vuln_seg("--vulnerability", "PYSEC-2021.1_x").is_ok());
        for bad in ["", "..", "CVE/../x", "a b", "x?y=1"] {
            let e = vuln_seg("--vulnerability", bad).unwrap_err();
            assert!(e.to_string().contains("--vulnerability"), "{bad}: {e}");
        }
    }

    #[test]
    fn overdue_is_what_the_state_column_says_first() {
        let o = json!({"state": "open", "overdue": true});
        assert_eq!(state_word(&o), "OVERDUE");
        let c = json!({"state": "closed", "overdue": false, "closed_reason": "remediated"});
        assert_eq!(state_word(&c), "closed (remediated)");
        assert_eq!(due(&json!({"due_at": null})), "on upgrade");
    }
}
