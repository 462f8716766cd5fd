//! `bulwark csaf check|sync|source`: other CSAF providers, from a URL or
//! from a directory holding a copy of a provider's site, and the providers
//! the server subscribes to.
//!
//! Both read through `bulwark_distribution::provider`'s `Fetch`: over HTTP
//! (`bulwark_server::fetch`: redirects not followed, so that requirement 6
//! sees them; no credential unless `--token-file` gives one for the
//! provider's own origin), or over a directory, where URLs are mapped to
//! files (see [`DirFetch`]).
//!
//! `check` prints each requirement's result and exits 0 when the role the
//! provider claims is satisfied, 1 when not, 2 when there is no provider
//! to check (no metadata at the URL, unreadable metadata, no such folder).
//!
//! `sync` prints one line per document (`imported`, `unchanged` or
//! `refused` with the reason) and exits 2 when any was refused, or when the
//! source is unusable. Verified documents go in through intake's CSAF
//! reader as the operator organization's documents; bytes received before
//! are `unchanged` (raw documents are kept by their SHA-256). Signatures
//! are checked against the keys the provider's metadata pins; `--key FILE`
//! adds keys of the operator's own choosing (a provider whose keys are not
//! in the copy, a ROLIE feed without metadata). Without any key every
//! document is refused.
//!
//! `source add|list|show|enable|disable|remove|run` is an API client of
//! `/api/v1/csaf/sources` (`BULWARK_URL`, `BULWARK_TOKEN`): the server
//! reads each subscribed provider on its interval the way `sync` does (the
//! same import loop, `bulwark_app::csaf_sources::import_documents`). A
//! refusal by the server exits 2 with its message; `run` also exits 2 when
//! the run refused a document or could not read the provider.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use bulwark_app::csaf_sources::{self, Taken, TakenDocument};
use bulwark_distribution::openpgp::PublicKeys;
use bulwark_distribution::provider::check::{self, Outcome};
use bulwark_distribution::provider::read::Mode;
use bulwark_distribution::provider::sync;
use bulwark_distribution::provider::{Fetch, Fetched};
use bulwark_server::fetch::{HttpFetch, HttpOptions};
use bulwark_store::CsafRunCounts;
use clap::Subcommand;
use serde_json::json;

use crate::client::{Conn, call, json_or_text, print_value, request, seg};
use crate::{BadInput, DbArgs, Format, open};

#[derive(Subcommand)]
pub enum CsafCommand {
    /// Check a CSAF provider against CSAF 2.0's requirements 1-20 (§7.1)
    /// and its claimed role (§7.2). Exit 0 when the role is satisfied, 1
    /// when not, 2 when there is no provider to check.
    Check {
        /// The provider-metadata.json URL, the provider's domain, or a
        /// directory holding a copy of its site.
        target: String,
        /// Output: a readable list, or one JSON object.
        #[arg(long, value_enum, ignore_case = true, default_value = "table")]
        format: Format,
        /// Documents fetched at most.
        #[arg(long, default_value_t = 10_000)]
        max_documents: usize,
        #[command(flatten)]
        http: HttpArgs,
    },
    /// Take over a CSAF provider's documents: every document of its
    /// distributions, hashes and signature verified first, imported as the
    /// operator organization's. Exit 2 when any was refused.
    Sync {
        /// A provider-metadata.json or ROLIE feed URL, or a directory
        /// holding a copy of the provider's site (its provider-metadata.json,
        /// else its ROLIE feeds, are found in it).
        source: String,
        #[command(flatten)]
        db: DbArgs,
        /// Output: a readable table, or one JSON object per document.
        #[arg(long, value_enum, ignore_case = true, default_value = "table")]
        format: Format,
        /// A file of ASCII-armoured public keys whose signatures are
        /// accepted besides the provider's own (repeatable).
        #[arg(long = "key", value_name = "FILE")]
        keys: Vec<PathBuf>,
        /// Refuse a provider's metadata or feed that bends the standard,
        /// instead of reading what can be recovered.
        #[arg(long)]
        strict: bool,
        #[command(flatten)]
        http: HttpArgs,
    },
    /// The providers the server subscribes to and reads on a timer (API
    /// client): add, list, show, enable, disable, remove, run.
    Source {
        #[command(subcommand)]
        command: SourceCommand,
        #[command(flatten)]
        conn: Conn,
    },
}

#[derive(Subcommand)]
pub enum SourceCommand {
    /// Subscribe to a provider; the server reads it at its next pass, then
    /// every interval, verifying each document before it files it.
    Add {
        /// Its provider-metadata.json or one ROLIE feed URL: https (http
        /// only on a loopback address).
        #[arg(value_name = "URL")]
        provider: String,
        /// Time between runs: seconds, or a number with s, m, h or d
        /// (15m to 30d; 6h when absent).
        #[arg(long, value_parser = parse_interval)]
        interval: Option<i64>,
        /// A file of ASCII-armoured public keys whose signatures are
        /// accepted besides the provider's own (repeatable).
        #[arg(long = "key", value_name = "FILE")]
        keys: Vec<PathBuf>,
    },
    /// Every subscribed provider, with how its last run went.
    List,
    /// One source, with the documents its last run refused and why.
    Show {
        /// The source's id.
        id: String,
    },
    /// Let the scheduler run a source again.
    Enable {
        /// The source's id.
        id: String,
    },
    /// Stop the scheduler running a source (it can still be run by hand).
    Disable {
        /// The source's id.
        id: String,
    },
    /// Unsubscribe; the documents the source brought in stay.
    Remove {
        /// The source's id.
        id: String,
    },
    /// Run a source now and show how it went. Exit 2 when a document was
    /// refused or the provider could not be read.
    Run {
        /// The source's id.
        id: String,
    },
}

/// `900`, `900s`, `15m`, `6h`, `1d`: seconds.
fn parse_interval(s: &str) -> Result<i64, String> {
    let (digits, unit) = match s.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => s.split_at(i),
        None => (s, "s"),
    };
    let n: i64 = digits
        .parse()
        .map_err(|_| format!("{s:?}: a number of seconds, or with s, m, h or d"))?;
    let scale = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return Err(format!("{s:?}: the unit is s, m, h or d")),
    };
    n.checked_mul(scale)
        .ok_or_else(|| format!("{s:?}: too long"))
}

async fn source_command(cmd: SourceCommand, conn: &Conn) -> anyhow::Result<ExitCode> {
    const BASE: &str = "/api/v1/csaf/sources";
    match cmd {
        SourceCommand::Add {
            provider,
            interval,
            keys,
        } => {
            let mut text = String::new();
            for f in &keys {
                let k = std::fs::read_to_string(f)
                    .map_err(|e| BadInput(format!("{}: {e}", f.display())))?;
                PublicKeys::from_armored(&k)
                    .map_err(|e| BadInput(format!("{}: {e}", f.display())))?;
                text.push_str(&k);
                text.push('\n');
            }
            let keys = (!text.is_empty()).then_some(text);
            call(
                conn,
                "POST",
                BASE,
                Some(json!({"url": provider, "interval": interval, "keys": keys})),
            )
            .await
        }
        SourceCommand::List => call(conn, "GET", BASE, None).await,
        SourceCommand::Show { id } => {
            call(conn, "GET", &format!("{BASE}/{}", seg(&id)?), None).await
        }
        SourceCommand::Enable { id } => {
            let path = format!("{BASE}/{}", seg(&id)?);
            call(conn, "PATCH", &path, Some(json!({"enabled": true}))).await
        }
        SourceCommand::Disable { id } => {
            let path = format!("{BASE}/{}", seg(&id)?);
            call(conn, "PATCH", &path, Some(json!({"enabled": false}))).await
        }
        SourceCommand::Remove { id } => {
            call(conn, "DELETE", &format!("{BASE}/{}", seg(&id)?), None).await
        }
        SourceCommand::Run { id } => {
            let path = format!("{BASE}/{}/run", seg(&id)?);
            let body = match request(conn, "POST", &path, None).await? {
                Ok(bytes) => json_or_text(&bytes),
                Err(code) => return Ok(code),
            };
            print_value(&body, conn.format);
            let refused = body
                .get("last_refused")
                .and_then(|v| v.as_i64())
                .unwrap_or(0);
            if let Some(e) = body.get("last_error").and_then(|v| v.as_str()) {
                eprintln!("bulwark: the provider could not be read: {e}");
                return Ok(ExitCode::from(2));
            }
            Ok(if refused > 0 {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            })
        }
    }
}

/// How a provider is reached over HTTPS beyond a plain GET.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct HttpArgs {
    /// A PEM file of CA certificates trusted besides the system's (a
    /// provider whose certificate a private CA issued).
    #[arg(long, value_name = "FILE")]
    pub ca_cert: Option<PathBuf>,
    /// A file holding a bearer token, sent to the provider's own origin
    /// only: its TLP:GREEN and AMBER distributions are then read too.
    #[arg(long, value_name = "FILE")]
    pub token_file: Option<PathBuf>,
    /// HOST:PORT:ADDRESS: connect to ADDRESS, port PORT, whenever HOST is
    /// asked for (repeatable; like curl's --resolve), to check a provider
    /// before its DNS names point at it.
    #[arg(long, value_name = "HOST:PORT:ADDRESS")]
    pub resolve: Vec<String>,
}

impl HttpArgs {
    /// The transport these arguments describe, for a provider at `target`
    /// (the origin a token is sent to). Errors name the file or argument.
    fn fetch(&self, target: &str) -> anyhow::Result<HttpFetch> {
        let mut options = HttpOptions::default();
        if let Some(f) = &self.ca_cert {
            options.extra_roots_pem =
                vec![std::fs::read(f).map_err(|e| BadInput(format!("{}: {e}", f.display())))?];
        }
        if let Some(f) = &self.token_file {
            let token = std::fs::read_to_string(f)
                .map_err(|e| BadInput(format!("{}: {e}", f.display())))?
                .trim()
                .to_owned();
            if token.is_empty() {
                return Err(BadInput(format!("{}: empty", f.display())).into());
            }
            let origin = origin_of_target(target)
                .ok_or_else(|| BadInput(format!("{target}: no origin to send the token to")))?;
            options.bearer = Some((origin, token));
        }
        for r in &self.resolve {
            options.resolve.push(
                parse_resolve(r)
                    .ok_or_else(|| BadInput(format!("--resolve {r}: not HOST:PORT:ADDRESS")))?,
            );
        }
        HttpFetch::new(options).map_err(|e| BadInput(format!("{e:#}")).into())
    }
}

/// `https://host[:port]` of a URL or bare domain.
fn origin_of_target(target: &str) -> Option<String> {
    let with_scheme = if target.contains("://") {
        target.to_owned()
    } else {
        format!("https://{target}")
    };
    let u = reqwest::Url::parse(&with_scheme).ok()?;
    u.host_str()?;
    Some(u.origin().ascii_serialization())
}

/// curl's `HOST:PORT:ADDRESS` (an IPv6 address in brackets).
fn parse_resolve(s: &str) -> Option<(String, std::net::SocketAddr)> {
    let (host, rest) = s.split_once(':')?;
    let (port, addr) = rest.split_once(':')?;
    let port: u16 = port.parse().ok()?;
    let ip: std::net::IpAddr = addr
        .trim_start_matches('[')
        .trim_end_matches(']')
        .parse()
        .ok()?;
    (!host.is_empty()).then(|| (host.to_owned(), std::net::SocketAddr::new(ip, port)))
}

pub async fn run(cmd: CsafCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        CsafCommand::Check {
            target,
            format,
            max_documents,
            http,
        } => run_check(target, format, max_documents, http).await,
        CsafCommand::Sync {
            source,
            db,
            format,
            keys,
            strict,
            http,
        } => run_sync(source, db, format, keys, strict, http).await,
        CsafCommand::Source { command, conn } => source_command(command, &conn).await,
    }
}

/// Where to read from: a transport and the URLs to start at.
struct Source {
    fetch: Box<dyn Fetch + Send>,
    starts: Vec<String>,
    /// For a directory: shown paths are relative to it.
    dir: Option<DirFetch>,
}

fn source(arg: &str, http: &HttpArgs) -> anyhow::Result<Source> {
    let path = Path::new(arg);
    if arg.starts_with("https://") || arg.starts_with("http://") {
        return Ok(Source {
            fetch: Box::new(http.fetch(arg)?),
            starts: vec![arg.to_owned()],
            dir: None,
        });
    }
    if path.is_dir() {
        let (dir, starts) = DirFetch::discover(path)?;
        return Ok(Source {
            fetch: Box::new(dir.clone()),
            starts,
            dir: Some(dir),
        });
    }
    Err(BadInput(format!("{arg}: neither an http(s) URL nor a directory")).into())
}

async fn run_check(
    target: String,
    format: Format,
    max_documents: usize,
    http: HttpArgs,
) -> anyhow::Result<ExitCode> {
    let (mut fetch, start) = if target.starts_with("https://") || target.starts_with("http://") {
        (
            Box::new(http.fetch(&target)?) as Box<dyn Fetch + Send>,
            target.clone(),
        )
    } else if Path::new(&target).is_dir() {
        let (dir, starts) = DirFetch::discover(Path::new(&target))?;
        let start = starts
            .into_iter()
            .find(|s| s.ends_with("provider-metadata.json"))
            .ok_or_else(|| BadInput(format!("{target}: no provider-metadata.json in it")))?;
        (Box::new(dir) as Box<dyn Fetch + Send>, start)
    } else {
        // A bare domain: its well-known URL.
        (
            Box::new(http.fetch(&target)?) as Box<dyn Fetch + Send>,
            target.clone(),
        )
    };
    let options = check::Options {
        max_documents,
        authenticated: http.token_file.is_some(),
    };
    let report =
        tokio::task::spawn_blocking(move || check::check(fetch.as_mut(), &start, &options))
            .await
            .context("the check stopped")?
            .map_err(BadInput)?;
    match format {
        Format::Json => println!("{}", serde_json::to_string(&report)?),
        Format::Table => {
            println!(
                "{} ({})",
                report.metadata_url,
                report.role.unwrap_or("no role")
            );
            for r in &report.requirements {
                let required = if r.required {
                    ""
                } else {
                    " (not required for the role)"
                };
                println!(
                    "{:>2} {:<14} {}{required}",
                    r.number,
                    r.outcome.as_str(),
                    r.name
                );
                for m in &r.messages {
                    let level = match m.level {
                        check::Level::Info => "",
                        check::Level::Warning => "warning: ",
                        check::Level::Error => "error: ",
                    };
                    println!("     {level}{}", m.text);
                }
            }
            let failed: Vec<String> = report
                .requirements
                .iter()
                .filter(|r| r.outcome == Outcome::Fail)
                .map(|r| r.number.to_string())
                .collect();
            println!(
                "role {}: {} ({} documents; failed: {})",
                report.role.unwrap_or("?"),
                if report.role_satisfied {
                    "satisfied"
                } else {
                    "not satisfied"
                },
                report.documents_checked,
                if failed.is_empty() {
                    "none".to_owned()
                } else {
                    failed.join(", ")
                }
            );
        }
    }
    Ok(if report.role_satisfied {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

async fn run_sync(
    arg: String,
    db: DbArgs,
    format: Format,
    key_files: Vec<PathBuf>,
    strict: bool,
    http: HttpArgs,
) -> anyhow::Result<ExitCode> {
    let mut keys: Option<PublicKeys> = None;
    for f in &key_files {
        let text =
            std::fs::read_to_string(f).map_err(|e| BadInput(format!("{}: {e}", f.display())))?;
        let k = PublicKeys::from_armored(&text)
            .map_err(|e| BadInput(format!("{}: {e}", f.display())))?;
        match &mut keys {
            Some(all) => all.merge(k),
            None => keys = Some(k),
        }
    }
    let Source {
        mut fetch,
        starts,
        dir,
    } = source(&arg, &http)?;
    let options = sync::Options {
        keys,
        previous: BTreeMap::new(),
        mode: if strict { Mode::Strict } else { Mode::Lenient },
    };
    let reports = tokio::task::spawn_blocking(move || {
        starts
            .iter()
            .map(|s| sync::sync(fetch.as_mut(), s, &options))
            .collect::<Result<Vec<_>, _>>()
    })
    .await
    .context("the sync stopped")?
    .map_err(|e| BadInput(e.to_string()))?;

    let store = open(&db).await?;
    let mut counts = CsafRunCounts::default();
    let result: anyhow::Result<()> = async {
        for report in reports {
            for w in report.warnings.iter().take(WARNINGS_SHOWN) {
                eprintln!("bulwark: warning: {w}");
            }
            if report.warnings.len() > WARNINGS_SHOWN {
                eprintln!(
                    "bulwark: warning: … and {} more warnings",
                    report.warnings.len() - WARNINGS_SHOWN
                );
            }
            let these = csaf_sources::import_documents(
                &store,
                &bulwark_store::Actor::cli(),
                report.documents,
                &bulwark_core::SystemClock,
                |d| print_taken(&d, dir.as_ref(), format),
            )
            .await
            .map_err(|e| match e.kind {
                bulwark_app::ErrorKind::Validation => anyhow::Error::from(BadInput(e.detail)),
                _ => anyhow::anyhow!("{}", e.detail),
            })?;
            counts.imported += these.imported;
            counts.unchanged += these.unchanged;
            counts.refused += these.refused;
        }
        Ok(())
    }
    .await;
    store.close().await;
    result?;
    eprintln!(
        "bulwark: {} imported, {} unchanged, {} refused",
        counts.imported, counts.unchanged, counts.refused
    );
    Ok(if counts.refused > 0 {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    })
}

/// One line per document: `imported`, `unchanged` or `refused` with the
/// reason (a table), or one JSON object with the digest, signer and what
/// the intake made of it.
fn print_taken(d: &TakenDocument, dir: Option<&DirFetch>, format: Format) {
    let shown = match dir {
        Some(dir) => dir.shown(&d.url),
        None => d.url.clone(),
    };
    let (status, reason, detail) = match &d.taken {
        Taken::Refused { reason } => ("refused", Some(reason.as_str()), json!({})),
        Taken::Unchanged {
            sha256,
            signer: None,
        } => ("unchanged", None, json!({"sha256": sha256})),
        Taken::Unchanged {
            sha256,
            signer: Some(signer),
        } => (
            "unchanged",
            None,
            json!({"sha256": sha256, "signer": signer}),
        ),
        Taken::Imported {
            sha256,
            signer,
            reports,
            new_cases,
            warnings,
        } => (
            "imported",
            None,
            json!({"sha256": sha256, "signer": signer, "reports": reports,
                   "new_cases": new_cases, "warnings": warnings}),
        ),
    };
    match format {
        Format::Json => {
            let mut line = json!({"document": shown, "status": status, "reason": reason});
            if let (Some(o), Some(extra)) = (line.as_object_mut(), detail.as_object()) {
                o.extend(extra.clone());
            }
            println!("{line}");
        }
        Format::Table => match reason {
            Some(r) => println!("{status:<9} {shown}: {r}"),
            None => println!("{status:<9} {shown}"),
        },
    }
}

/// Warnings about a provider's files shown at most (a feed of thousands of
/// entries may bend the same way in each).
const WARNINGS_SHOWN: usize = 50;

/// A provider's site copied into a directory. URLs map to files by
/// prefix: first the prefix under which the starting file (metadata or
/// feed) was found — its URL and its path in the directory share their
/// last segments — then the site's root (the URL's origin) to the
/// directory itself. A URL that maps to a directory answers a listing of
/// it (requirement 14); anything else not in the directory answers 404.
#[derive(Clone)]
pub struct DirFetch {
    root: PathBuf,
    maps: Vec<(String, PathBuf)>,
}

impl DirFetch {
    /// Finds the starting files in `root`: provider-metadata.json (at the
    /// top, in `.well-known/csaf/`, or anywhere within four levels), else
    /// every ROLIE feed (`*.json` with a `feed` object) there.
    fn discover(root: &Path) -> anyhow::Result<(DirFetch, Vec<String>)> {
        let mut files = Vec::new();
        walk(root, 0, &mut files);
        files.sort();
        let mut pmds: Vec<&PathBuf> = files
            .iter()
            .filter(|p| p.file_name().is_some_and(|n| n == "provider-metadata.json"))
            .collect();
        pmds.sort_by_key(|p| p.components().count());
        let mut maps = Vec::new();
        let mut starts = Vec::new();
        if let Some(pmd) = pmds.first() {
            let bytes =
                std::fs::read(pmd).map_err(|e| BadInput(format!("{}: {e}", pmd.display())))?;
            let v: serde_json::Value = serde_json::from_slice(&bytes)
                .map_err(|e| BadInput(format!("{}: not JSON: {e}", pmd.display())))?;
            let url = v
                .get("canonical_url")
                .and_then(|u| u.as_str())
                .ok_or_else(|| BadInput(format!("{}: canonical_url: missing", pmd.display())))?;
            maps.extend(mapping(root, pmd, url));
            starts.push(url.to_owned());
        } else {
            for f in files
                .iter()
                .filter(|p| p.extension().is_some_and(|e| e == "json"))
            {
                let Ok(bytes) = std::fs::read(f) else {
                    continue;
                };
                let Ok(v) = serde_json::from_slice::<serde_json::Value>(&bytes) else {
                    continue;
                };
                let Some(url) = v
                    .pointer("/feed/link")
                    .and_then(|l| l.as_array())
                    .and_then(|ls| {
                        ls.iter()
                            .find(|l| l.get("rel").and_then(|r| r.as_str()) == Some("self"))
                    })
                    .and_then(|l| l.get("href"))
                    .and_then(|h| h.as_str())
                else {
                    continue;
                };
                maps.extend(mapping(root, f, url));
                starts.push(url.to_owned());
            }
        }
        if starts.is_empty() {
            return Err(BadInput(format!(
                "{}: holds no provider-metadata.json and no ROLIE feed",
                root.display()
            ))
            .into());
        }
        // Then each start's origin to the root.
        let origins: Vec<String> = starts
            .iter()
            .filter_map(|s| {
                let after = s.find("://")? + 3;
                let end = s[after..].find('/').map(|i| after + i).unwrap_or(s.len());
                Some(format!("{}/", &s[..end]))
            })
            .collect();
        for o in origins {
            if !maps.iter().any(|(p, _)| *p == o) {
                maps.push((o, root.to_owned()));
            }
        }
        Ok((
            DirFetch {
                root: root.to_owned(),
                maps,
            },
            starts,
        ))
    }

    fn file(&self, url: &str) -> Option<PathBuf> {
        let url = url.split(['?', '#']).next().unwrap_or(url);
        for (prefix, dir) in &self.maps {
            let Some(rest) = url.strip_prefix(prefix.as_str()) else {
                continue;
            };
            let rel = Path::new(rest);
            if rel.components().any(|c| !matches!(c, Component::Normal(_))) {
                return None;
            }
            let p = dir.join(rel);
            if p.exists() {
                return Some(p);
            }
        }
        None
    }

    /// A document's URL as a path in the directory, when it maps to one.
    fn shown(&self, url: &str) -> String {
        match self.file(url) {
            Some(p) => p
                .strip_prefix(&self.root)
                .map(|r| r.display().to_string())
                .unwrap_or_else(|_| p.display().to_string()),
            None => url.to_owned(),
        }
    }
}

/// The prefix mapping that puts `url` at `file`: the longest run of last
/// path segments they share.
fn mapping(root: &Path, file: &Path, url: &str) -> Option<(String, PathBuf)> {
    let rel = file.strip_prefix(root).ok()?;
    let rel_parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    let after = url.find("://")? + 3;
    let path_start = url[after..].find('/').map(|i| after + i)?;
    let url_parts: Vec<&str> = url[path_start + 1..].split('/').collect();
    let shared = rel_parts
        .iter()
        .rev()
        .zip(url_parts.iter().rev())
        .take_while(|(a, b)| a.as_str() == **b)
        .count();
    if shared == 0 {
        return None;
    }
    let url_prefix_parts = &url_parts[..url_parts.len() - shared];
    let mut prefix = url[..path_start + 1].to_owned();
    for p in url_prefix_parts {
        prefix.push_str(p);
        prefix.push('/');
    }
    let mut dir = root.to_owned();
    for p in &rel_parts[..rel_parts.len() - shared] {
        dir.push(p);
    }
    Some((prefix, dir))
}

fn walk(dir: &Path, depth: usize, out: &mut Vec<PathBuf>) {
    if depth > 4 {
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            walk(&p, depth + 1, out);
        } else if depth <= 4 {
            out.push(p);
        }
    }
}

impl Fetch for DirFetch {
    fn get(&mut self, url: &str) -> Result<Fetched, String> {
        let not_found = Fetched {
            status: 404,
            final_url: url.to_owned(),
            tls: url.starts_with("https://"),
            ..Default::default()
        };
        let Some(path) = self.file(url) else {
            return Ok(not_found);
        };
        let body = if path.is_dir() {
            let mut names: Vec<String> = std::fs::read_dir(&path)
                .map_err(|e| format!("{}: {e}", path.display()))?
                .flatten()
                .map(|e| {
                    let name = e.file_name().to_string_lossy().into_owned();
                    if e.path().is_dir() {
                        format!("{name}/")
                    } else {
                        name
                    }
                })
                .collect();
            names.sort();
            let mut html = String::from("<!DOCTYPE html><html><body><ul>\n");
            for n in names {
                html.push_str(&format!("<li><a href=\"{n}\">{n}</a></li>\n"));
            }
            html.push_str("</ul></body></html>\n");
            html.into_bytes()
        } else {
            std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?
        };
        Ok(Fetched {
            status: 200,
            headers: Vec::new(),
            body,
            final_url: url.to_owned(),
            tls: url.starts_with("https://"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals_read_as_people_write_them() {
        assert_eq!(parse_interval("900"), Ok(900));
        assert_eq!(parse_interval("15m"), Ok(900));
        assert_eq!(parse_interval("6h"), Ok(21_600));
        assert_eq!(parse_interval("1d"), Ok(86_400));
        assert!(parse_interval("6 h").is_err());
        assert!(parse_interval("h").is_err());
        assert!(parse_interval("2w").is_err());
        assert!(parse_interval("99999999999999999d").is_err());
    }

    #[test]
    fn mapping_shares_the_last_segments() {
        let root = Path::new("/t");
        assert_eq!(
            mapping(
                root,
                Path::new("/t/csaf_files/OT/white/feed.json"),
                "https://raw.example/cisagov/CSAF/develop/csaf_files/OT/white/feed.json"
            ),
            Some((
                "https://raw.example/cisagov/CSAF/develop/".into(),
                PathBuf::from("/t")
            ))
        );
        assert_eq!(
            mapping(
                root,
                Path::new("/t/csaf/v2/provider-metadata.json"),
                "https://a.example/.well-known/csaf/provider-metadata.json"
            ),
            Some((
                "https://a.example/.well-known/csaf/".into(),
                PathBuf::from("/t/csaf/v2")
            ))
        );
    }
}
