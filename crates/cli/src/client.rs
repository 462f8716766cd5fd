//! A client for the API of a running server: `BULWARK_URL` and `BULWARK_TOKEN`.

use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Subcommand};
use serde_json::{Value, json};

use crate::words::words;
use crate::{BadInput, Format};
use bulwark_core::{AgencyTrack, OrgKind, PrincipalKind, Role, Sector};

#[derive(Args, Clone)]
pub struct Conn {
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
    /// Output: a readable table, or one JSON object per line.
    #[arg(
        long,
        value_enum,
        ignore_case = true,
        default_value = "table",
        global = true
    )]
    pub format: Format,
}

impl Conn {
    /// A connection whose options another command group read (one that
    /// offers more output formats than [`Format`]).
    pub fn new(url: String, token: Option<String>, format: Format) -> Conn {
        Conn { url, token, format }
    }
}

#[derive(Subcommand)]
pub enum ClientCommand {
    /// Show who the token belongs to.
    Me {
        #[command(flatten)]
        conn: Conn,
    },
    /// Organizations in the program.
    Org {
        #[command(subcommand)]
        command: OrgCommand,
        #[command(flatten)]
        conn: Conn,
    },
    /// Users of an organization.
    User {
        #[command(subcommand)]
        command: UserCommand,
        #[command(flatten)]
        conn: Conn,
    },
    /// API tokens.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
        #[command(flatten)]
        conn: Conn,
    },
    /// Any API call: `bulwark api GET /api/v1/me`, `--data JSON` or `--data @FILE`.
    Api {
        /// GET, POST, PUT, PATCH or DELETE.
        method: String,
        /// The path, from /api/v1/…, with its query.
        path: String,
        /// The request's JSON body, or @FILE to read it from a file.
        #[arg(long)]
        data: Option<String>,
        #[command(flatten)]
        conn: Conn,
    },
}

#[derive(Subcommand)]
pub enum OrgCommand {
    /// Every organization in the program.
    List,
    /// Admit an organization (operator administrators).
    Create {
        /// Its name, unique in the program.
        #[arg(long)]
        name: String,
        /// What the organization is in the program.
        #[arg(long, value_parser = words(&OrgKind::ALL, OrgKind::as_str))]
        kind: String,
        /// CISA critical-infrastructure sector (required for partners), as
        /// written here or as CISA writes it ("Financial Services").
        #[arg(long, value_parser = words(&Sector::ALL, Sector::as_str))]
        sector: Option<String>,
        /// Mark an agency as a reviewing agency (Treasury, NSA, CISA).
        #[arg(long)]
        reviewing: bool,
    },
    /// Set whose directives bind an agency, whether it issues them (CISA)
    /// and the time zone its dates are shown in (operator administrators).
    DirectiveProfile {
        /// The agency: its id or its exact name.
        org: String,
        /// `civilian` (CISA's directives bind it) or `national_security`.
        #[arg(long, value_parser = words(AgencyTrack::ALL, AgencyTrack::as_str))]
        track: String,
        /// The agency issues the directives (CISA); absent: it does not.
        #[arg(long)]
        issues_directives: bool,
        /// An IANA time zone, e.g. America/New_York (absent: UTC).
        #[arg(long)]
        time_zone: Option<String>,
    },
}

#[derive(Subcommand)]
pub enum UserCommand {
    /// The users of an organization.
    List {
        /// The organization: its id or its exact name.
        #[arg(long)]
        org: String,
    },
    /// Add a user to an organization.
    Create {
        /// The organization: its id or its exact name.
        #[arg(long)]
        org: String,
        /// The name the user signs in with, unique in the program.
        #[arg(long)]
        username: String,
        /// The name pages show.
        #[arg(long)]
        display_name: String,
        /// A person, or a service that acts through a token.
        #[arg(long, default_value = "human", value_parser = words(&[PrincipalKind::Human, PrincipalKind::Service], PrincipalKind::as_str))]
        kind: String,
        /// A role in the organization; repeat for several.
        #[arg(long = "role", value_parser = words(&Role::ALL, Role::as_str))]
        roles: Vec<String>,
    },
}

#[derive(Subcommand)]
pub enum TokenCommand {
    /// A user's tokens (never their secrets).
    List {
        /// The user's id.
        #[arg(long)]
        user: String,
    },
    /// Issue a token; its secret is printed once.
    Issue {
        /// The user's id.
        #[arg(long)]
        user: String,
        /// What the token is for, e.g. ci or gateway.
        #[arg(long)]
        name: String,
        /// RFC 3339 expiry, e.g. 2027-01-01T00:00:00Z.
        #[arg(long)]
        expires_at: Option<String>,
    },
    /// Revoke a token at once.
    Revoke {
        /// The token's id.
        id: String,
    },
}

pub async fn run(cmd: ClientCommand) -> anyhow::Result<ExitCode> {
    let (conn, method, path, body): (Conn, &str, String, Option<Value>) = match cmd {
        ClientCommand::Me { conn } => (conn, "GET", "/api/v1/me".into(), None),
        ClientCommand::Org { command, conn } => match command {
            OrgCommand::List => (conn, "GET", "/api/v1/organizations?limit=500".into(), None),
            OrgCommand::Create {
                name,
                kind,
                sector,
                reviewing,
            } => (
                conn,
                "POST",
                "/api/v1/organizations".into(),
                Some(json!({"name": name, "kind": kind, "sector": sector, "reviewing": reviewing})),
            ),
            OrgCommand::DirectiveProfile {
                org,
                track,
                issues_directives,
                time_zone,
            } => {
                let org = org_id(&conn, "ORG", &org).await?;
                (
                    conn,
                    "PUT",
                    format!("/api/v1/organizations/{}/directive-profile", seg(&org)?),
                    Some(json!({
                        "agency_track": track,
                        "issues_directives": issues_directives,
                        "time_zone": time_zone,
                    })),
                )
            }
        },
        ClientCommand::User { command, conn } => match command {
            UserCommand::List { org } => {
                let org = org_id(&conn, "--org", &org).await?;
                (
                    conn,
                    "GET",
                    format!("/api/v1/organizations/{}/users?limit=500", seg(&org)?),
                    None,
                )
            }
            UserCommand::Create {
                org,
                username,
                display_name,
                kind,
                roles,
            } => {
                let org = org_id(&conn, "--org", &org).await?;
                (
                    conn,
                    "POST",
                    format!("/api/v1/organizations/{}/users", seg(&org)?),
                    Some(
                        json!({"username": username, "display_name": display_name, "kind": kind, "roles": roles}),
                    ),
                )
            }
        },
        ClientCommand::Token { command, conn } => match command {
            TokenCommand::List { user } => (
                conn,
                "GET",
                format!("/api/v1/users/{}/tokens?limit=500", seg(&user)?),
                None,
            ),
            TokenCommand::Issue {
                user,
                name,
                expires_at,
            } => (
                conn,
                "POST",
                format!("/api/v1/users/{}/tokens", seg(&user)?),
                Some(json!({"name": name, "expires_at": expires_at})),
            ),
            TokenCommand::Revoke { id } => (
                conn,
                "DELETE",
                format!("/api/v1/tokens/{}", seg(&id)?),
                None,
            ),
        },
        ClientCommand::Api {
            method,
            path,
            data,
            conn,
        } => {
            let body = match data {
                None => None,
                Some(d) => {
                    let text = match d.strip_prefix('@') {
                        Some(file) => std::fs::read_to_string(file)
                            .map_err(|e| BadInput(format!("{file}: {e}")))?,
                        None => d,
                    };
                    Some(
                        serde_json::from_str(&text)
                            .map_err(|e| BadInput(format!("--data is not JSON: {e}")))?,
                    )
                }
            };
            let method = method.to_ascii_uppercase();
            let m: &'static str = match method.as_str() {
                "GET" => "GET",
                "POST" => "POST",
                "PUT" => "PUT",
                "PATCH" => "PATCH",
                "DELETE" => "DELETE",
                _ => return Err(BadInput(format!("unknown HTTP method {method}")).into()),
            };
            if !path.starts_with('/') {
                return Err(BadInput(format!("path {path:?} must start with /")).into());
            }
            (conn, m, path, body)
        }
    };
    call(&conn, method, &path, body).await
}

/// An organization as the user names it: its id, or its name as the
/// directory lists it (every principal may read the directory). The exact
/// name wins; else a name that differs only in case, when one organization
/// has it. Several such, or none, is bad input naming `option` and, when
/// several, each candidate with its id.
pub async fn org_id(conn: &Conn, option: &str, given: &str) -> anyhow::Result<String> {
    if let Ok(id) = uuid::Uuid::parse_str(given.trim()) {
        return Ok(id.to_string());
    }
    let orgs = directory(conn).await?;
    if let Some((id, _)) = orgs.iter().find(|(_, name)| name == given) {
        return Ok(id.clone());
    }
    let folded = given.trim().to_lowercase();
    let near: Vec<&(String, String)> = orgs
        .iter()
        .filter(|(_, name)| name.to_lowercase() == folded)
        .collect();
    match near.as_slice() {
        [(id, _)] => Ok(id.clone()),
        [] => Err(BadInput(format!(
            "{option} {given:?}: no organization has that name or id (`bulwark org list` lists them)"
        ))
        .into()),
        several => {
            let listed: Vec<String> = several
                .iter()
                .map(|(id, name)| format!("{name:?} ({id})"))
                .collect();
            Err(BadInput(format!(
                "{option} {given:?} fits several organizations: {}; give the exact name or the id",
                listed.join(", ")
            ))
            .into())
        }
    }
}

/// Every item of a list, page by page: `path` (which may have a query)
/// is asked again with the cursor of each next page, until the last.
pub async fn all_pages(conn: &Conn, path: &str) -> anyhow::Result<Vec<Value>> {
    let mut items = Vec::new();
    let mut cursor: Option<(&str, String)> = None;
    let joiner = if path.contains('?') { '&' } else { '?' };
    loop {
        let page_path = match &cursor {
            None => path.to_owned(),
            Some((name, c)) => {
                let q = reqwest::Url::parse_with_params("http://q.invalid/", [(*name, c)])
                    .context("a list's cursor")?;
                format!("{path}{joiner}{}", q.query().unwrap_or_default())
            }
        };
        let page = match request(conn, "GET", &page_path, None).await? {
            Ok(bytes) => json_or_text(&bytes),
            Err(code) => return Err(crate::Reported(code).into()),
        };
        match page.get("items").and_then(Value::as_array) {
            Some(found) => items.extend(found.iter().cloned()),
            // Not a page: a plain array is the whole list.
            None => match page {
                Value::Array(all) => return Ok(all),
                other => anyhow::bail!("{path}: the server answered no list: {other}"),
            },
        }
        // The API's lists page with `cursor`/`next_cursor`; a list that
        // pages by id (`after`/`next`) is followed too.
        cursor = if let Some(c) = page.get("next_cursor").and_then(Value::as_str) {
            Some(("cursor", c.to_owned()))
        } else {
            page.get("next")
                .and_then(Value::as_str)
                .map(|n| ("after", n.to_owned()))
        };
        if cursor.is_none() {
            return Ok(items);
        }
    }
}

/// Every organization of the directory, as (id, name), page by page.
async fn directory(conn: &Conn) -> anyhow::Result<Vec<(String, String)>> {
    let mut orgs = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            None => "/api/v1/organizations?limit=500".to_owned(),
            Some(c) => {
                let q = reqwest::Url::parse_with_params("http://q.invalid/", [("cursor", c)])
                    .context("the directory's cursor")?;
                format!(
                    "/api/v1/organizations?limit=500&{}",
                    q.query().unwrap_or_default()
                )
            }
        };
        let page = match request(conn, "GET", &path, None).await? {
            Ok(bytes) => json_or_text(&bytes),
            Err(code) => return Err(crate::Reported(code).into()),
        };
        for item in page
            .get("items")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let (Some(id), Some(name)) = (
                item.get("id").and_then(Value::as_str),
                item.get("name").and_then(Value::as_str),
            ) {
                orgs.push((id.to_owned(), name.to_owned()));
            }
        }
        cursor = page
            .get("next_cursor")
            .and_then(Value::as_str)
            .map(str::to_owned);
        if cursor.is_none() {
            return Ok(orgs);
        }
    }
}

/// A path segment from user input: ids only, so nothing can be smuggled into the path.
pub fn seg(s: &str) -> anyhow::Result<&str> {
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        Ok(s)
    } else {
        Err(BadInput(format!("{s:?} is not an id")).into())
    }
}

pub async fn call(
    conn: &Conn,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> anyhow::Result<ExitCode> {
    let body = body
        .map(|b| serde_json::to_vec(&b).map(|v| ("application/json", v)))
        .transpose()?;
    send(conn, method, path, body).await
}

/// Sends a request with an optional body of the given content type and
/// prints the answer; a refused request (4xx) exits 2.
pub async fn send(
    conn: &Conn,
    method: &str,
    path: &str,
    body: Option<(&str, Vec<u8>)>,
) -> anyhow::Result<ExitCode> {
    let bytes = match request(conn, method, path, body).await? {
        Ok(bytes) => bytes,
        Err(code) => return Ok(code),
    };
    print_value(&json_or_text(&bytes), conn.format);
    Ok(ExitCode::SUCCESS)
}

/// A response body as JSON, or as a string when it is not JSON.
pub fn json_or_text(bytes: &[u8]) -> Value {
    let text = String::from_utf8_lossy(bytes);
    if text.trim().is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(bytes).unwrap_or_else(|_| Value::String(text.into_owned()))
    }
}

/// Sends a request and answers the body of a success, or, when the server
/// refused, prints its problem and answers the exit code (2 for a 4xx), so
/// callers that shape their own output share one error path.
pub async fn request(
    conn: &Conn,
    method: &str,
    path: &str,
    body: Option<(&str, Vec<u8>)>,
) -> anyhow::Result<Result<Vec<u8>, ExitCode>> {
    request_body(
        conn,
        method,
        path,
        body.map(|(c, b)| (c, reqwest::Body::from(b))),
    )
    .await
}

/// [`send`] with a body of any kind (a file streamed from disk).
pub async fn send_body(
    conn: &Conn,
    method: &str,
    path: &str,
    body: Option<(&str, reqwest::Body)>,
) -> anyhow::Result<ExitCode> {
    let bytes = match request_body(conn, method, path, body).await? {
        Ok(bytes) => bytes,
        Err(code) => return Ok(code),
    };
    print_value(&json_or_text(&bytes), conn.format);
    Ok(ExitCode::SUCCESS)
}

/// [`request`] with a body of any kind.
pub async fn request_body(
    conn: &Conn,
    method: &str,
    path: &str,
    body: Option<(&str, reqwest::Body)>,
) -> anyhow::Result<Result<Vec<u8>, ExitCode>> {
    let token = conn
        .token
        .as_deref()
        .ok_or_else(|| BadInput("set BULWARK_TOKEN (or --token) to an API token".into()))?;
    let url = format!("{}{}", conn.url.trim_end_matches('/'), path);
    let client = reqwest::Client::new();
    let method = reqwest::Method::from_bytes(method.as_bytes()).context("HTTP method")?;
    let mut req = client.request(method, &url).bearer_auth(token);
    if let Some((ctype, bytes)) = body {
        req = req.header(reqwest::header::CONTENT_TYPE, ctype).body(bytes);
    }
    let resp = req
        .send()
        .await
        .with_context(|| format!("cannot reach {}", conn.url))?;
    let status = resp.status();
    let bytes = resp.bytes().await.context("reading the response")?.to_vec();
    if !status.is_success() {
        let value = json_or_text(&bytes);
        let detail = value.get("detail").and_then(Value::as_str).unwrap_or("");
        let title = value
            .get("title")
            .and_then(Value::as_str)
            .unwrap_or(status.canonical_reason().unwrap_or(""));
        eprintln!("bulwark: {} {title}: {detail}", status.as_u16());
        return Ok(Err(if status.is_client_error() {
            ExitCode::from(2)
        } else {
            ExitCode::FAILURE
        }));
    }
    Ok(Ok(bytes))
}

/// Lists print one line (or JSON object) per item; single objects one.
pub fn print_value(v: &Value, format: Format) {
    let items: Vec<&Value> = match v.get("items").and_then(Value::as_array) {
        Some(items) => items.iter().collect(),
        None if v.is_null() => return,
        None => vec![v],
    };
    match format {
        Format::Json => {
            for i in items {
                println!("{i}");
            }
        }
        Format::Table => print_table(&items),
    }
}

pub fn print_table(items: &[&Value]) {
    for line in table_lines(items) {
        println!("{line}");
    }
}

/// The widest a table cell gets, in characters: longer values are cut with
/// `…` (`--format json` prints everything).
const MAX_CELL: usize = 60;

/// One cell: scalars as written, lists and objects summarised (a count and
/// the first items or keys), everything cut to [`MAX_CELL`].
fn cell_text(v: Option<&Value>) -> String {
    let text = match v {
        None | Some(Value::Null) => "-".to_owned(),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(a)) => {
            let shown: Vec<String> = a
                .iter()
                .take(3)
                .map(|x| match x {
                    Value::String(s) => s.clone(),
                    Value::Object(o) => format!("{{{} fields}}", o.len()),
                    Value::Array(inner) => format!("[{} items]", inner.len()),
                    other => other.to_string(),
                })
                .collect();
            if a.len() > shown.len() {
                format!("{} items: {}, …", a.len(), shown.join(","))
            } else {
                shown.join(",")
            }
        }
        Some(Value::Object(o)) => {
            let keys: Vec<&str> = o.keys().take(3).map(String::as_str).collect();
            let more = if o.len() > keys.len() { ", …" } else { "" };
            format!("{{{}{more}}}", keys.join(", "))
        }
        Some(other) => other.to_string(),
    };
    if text.chars().count() > MAX_CELL {
        let mut cut: String = text.chars().take(MAX_CELL - 1).collect();
        cut.push('…');
        cut
    } else {
        text
    }
}

/// The table's lines: a header of upper-cased keys (those of the first
/// item), then one line per item, columns padded to their widest cell.
pub fn table_lines(items: &[&Value]) -> Vec<String> {
    let Some(first) = items.first().and_then(|v| v.as_object()) else {
        return items.iter().map(|i| i.to_string()).collect();
    };
    let cols: Vec<&String> = first.keys().collect();
    let rows: Vec<Vec<String>> = std::iter::once(cols.iter().map(|c| c.to_uppercase()).collect())
        .chain(
            items
                .iter()
                .map(|i| cols.iter().map(|c| cell_text(i.get(c.as_str()))).collect()),
        )
        .collect();
    let widths: Vec<usize> = (0..cols.len())
        .map(|k| rows.iter().map(|r| r[k].chars().count()).max().unwrap_or(0))
        .collect();
    rows.iter()
        .map(|r| {
            r.iter()
                .zip(&widths)
                // Padded by hand: `format!`'s width is limited to u16.
                .map(|(c, w)| format!("{c}{}", " ".repeat(w - c.chars().count())))
                .collect::<Vec<_>>()
                .join("  ")
                .trim_end()
                .to_owned()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 70,000-character value once panicked in `format!` (issue 16,
    /// item 5); nested values are summarised, not dumped.
    #[test]
    fn tables_never_panic_and_stay_readable() {
        let long = "x".repeat(70_000);
        let sbom = serde_json::json!({
            "id": "a",
            "name": long,
            "components": (0..688).map(|i| serde_json::json!({"purl": format!("pkg:npm/p{i}@1")})).collect::<Vec<_>>(),
            "results": {"hits": [], "indeterminate": [], "unmatchable": [], "extra": 1},
        });
        let lines = table_lines(&[&sbom]);
        assert_eq!(lines.len(), 2);
        assert!(
            lines.iter().all(|l| l.chars().count() < 4 * MAX_CELL),
            "{lines:?}"
        );
        assert!(
            lines[1].contains("688 items: {1 fields},{1 fields},{1 fields}, …"),
            "{}",
            lines[1]
        );
        assert!(
            lines[1].contains("{hits, indeterminate, unmatchable, …}"),
            "{}",
            lines[1]
        );
        assert!(
            lines[1].contains(&format!("{}…", "x".repeat(MAX_CELL - 1))),
            "{}",
            lines[1]
        );
        assert!(lines[0].starts_with("ID  NAME"), "{}", lines[0]);
    }
}

/// A query string (without its `?`) from the pairs whose value is given,
/// form-encoded.
pub fn query(pairs: &[(&str, Option<String>)]) -> anyhow::Result<String> {
    let given: Vec<(&str, &str)> = pairs
        .iter()
        .filter_map(|(k, v)| v.as_deref().map(|v| (*k, v)))
        .collect();
    if given.is_empty() {
        return Ok(String::new());
    }
    let url = reqwest::Url::parse_with_params("http://q.invalid/", given)?;
    Ok(url.query().unwrap_or_default().to_owned())
}

#[cfg(test)]
mod query_tests {
    use super::query;

    #[test]
    fn queries_are_encoded_and_skip_what_is_absent() {
        assert_eq!(
            query(&[
                ("kind", Some("fuzzer".into())),
                ("receives", Some("AMBER+STRICT".into())),
                ("q", None),
                ("provider", Some("a b&c".into())),
            ])
            .expect("query"),
            "kind=fuzzer&receives=AMBER%2BSTRICT&provider=a+b%26c"
        );
        assert_eq!(query(&[("q", None)]).expect("query"), "");
    }
}
