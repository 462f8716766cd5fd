//! `bulwark`: the server, its administration, a client for its API, and
//! offline commands that work on files.
//!
//! Exit codes: 0 success; 1 failure (server unreachable, broken audit chain,
//! internal error); 2 bad input (a usage error, a refused request).

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use bulwark_app::ErrorKind;
use bulwark_core::SystemClock;
use bulwark_store::{Location, Store};
use clap::{Args, Parser, Subcommand, ValueEnum};

/// See the dependency's note in `Cargo.toml`.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod access;
mod advisories;
mod claims;
mod client;
mod csaf;
mod demo;
mod directive;
mod dossier_key;
mod findings;
mod frontier;
mod import;
mod inventory;
mod matching;
mod notices;
mod partners;
mod patches;
mod publications;
mod reviews;
mod score;
mod tables;
mod tools;
mod versions;
mod vex;
mod words;

#[derive(Parser)]
#[command(
    name = "bulwark",
    version,
    about = "Bulwark: the national program for the cybersecurity of frontier AI"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Args, Clone)]
struct DbArgs {
    /// SQLite file path (or sqlite://PATH) or postgres://… URL.
    #[arg(long, env = "BULWARK_DATABASE", default_value = "sqlite://bulwark.db")]
    database: String,
}

#[derive(Copy, Clone, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// A readable table.
    Table,
    /// One JSON object per line.
    Json,
}

#[derive(Copy, Clone, PartialEq, Eq, ValueEnum)]
enum LogFormat {
    /// Lines for a person.
    Text,
    /// One JSON object a line, for a log collector.
    Json,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server (creates and migrates the database when needed).
    Serve {
        #[command(flatten)]
        db: DbArgs,
        /// Address to listen on.
        #[arg(long, env = "BULWARK_LISTEN", default_value = "127.0.0.1:8080")]
        listen: SocketAddr,
        /// Log lines as JSON objects instead of text.
        #[arg(long, env = "BULWARK_LOG_FORMAT", value_enum, default_value = "text")]
        log_format: LogFormat,
        /// Send session cookies without `Secure` (only for plain-HTTP development;
        /// browsers treat http://localhost as secure, so this is rarely needed).
        #[arg(long)]
        insecure_cookies: bool,
        /// Directory for uploads while they are received (this server takes a
        /// directory of its own in it and, at start, removes what servers no
        /// longer running left there). Default: bulwark-spool-HASH in the
        /// temporary directory, HASH naming the database.
        #[arg(long, env = "BULWARK_SPOOL_DIR")]
        spool_dir: Option<std::path::PathBuf>,
        /// Serve HTTPS with this PEM certificate chain (leaf first); needs
        /// --tls-key. Without it the server speaks plain HTTP, for a proxy
        /// that terminates TLS in front.
        #[arg(
            long,
            env = "BULWARK_TLS_CERT",
            value_name = "FILE",
            requires = "tls_key"
        )]
        tls_cert: Option<std::path::PathBuf>,
        /// The PEM private key of --tls-cert.
        #[arg(
            long,
            env = "BULWARK_TLS_KEY",
            value_name = "FILE",
            requires = "tls_cert"
        )]
        tls_key: Option<std::path::PathBuf>,
    },
    /// A demo: a new database seeded with sample data (organizations of
    /// every kind, a user for each role, every job's records in each state),
    /// served like `serve`, with a sign-in for each role printed.
    Demo {
        /// SQLite file path (or sqlite://PATH) or postgres://… URL; must be
        /// new or empty.
        #[arg(long, default_value = "sqlite://bulwark-demo.db")]
        database: String,
        /// Address to listen on (port 0: one the system chooses; the address
        /// printed is the real one).
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: SocketAddr,
        /// `json`: the first line of standard output is one JSON object,
        /// `{"url", "logins": [{role, organization, username, password,
        /// token}]}`, and the text for people goes to standard error.
        #[arg(long, value_enum, ignore_case = true, default_value = "table")]
        format: Format,
    },
    /// Database maintenance.
    Db {
        #[command(subcommand)]
        command: DbCommand,
    },
    /// Administration on the machine that holds the database.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
    /// The audit log.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Import the prioritisation feeds (KEV, EPSS, CVE JSON 5 records) and OSV advisories straight into the database.
    Import {
        #[command(subcommand)]
        command: import::ImportCommand,
    },
    /// Other CSAF providers: check one against CSAF 2.0's requirements,
    /// take over its documents after verifying their signatures, or have the
    /// server subscribe to it and read it on a timer.
    Csaf {
        #[command(subcommand)]
        command: csaf::CsafCommand,
    },
    /// Frontier benchmarks: classify and estimate offline; benchmark sets, registry and pre-check on a server.
    Frontier {
        #[command(subcommand)]
        command: frontier::FrontierCommand,
    },
    /// Trusted partners: vetting and attestations (API client).
    Partner {
        #[command(subcommand)]
        command: partners::PartnerCommand,
        #[command(flatten)]
        conn: client::Conn,
    },
    /// The program office's programs for AI-enabled defensive tools (API client).
    Program {
        #[command(subcommand)]
        command: access::ProgramCommand,
        #[command(flatten)]
        conn: client::Conn,
    },
    /// Agencies' access requests to the tools under a program (API client).
    Access {
        #[command(subcommand)]
        command: access::AccessCommand,
        #[command(flatten)]
        conn: client::Conn,
    },
    /// The catalogue of AI-enabled defensive tools: describe, submit,
    /// approve, list (API client).
    Tool {
        #[command(subcommand)]
        command: tools::ToolCommand,
        #[command(flatten)]
        conn: client::Conn,
    },
    /// Early-access grants (API client).
    Grant {
        #[command(subcommand)]
        command: partners::GrantCommand,
        #[command(flatten)]
        conn: client::Conn,
    },
    /// Voluntary-review submissions: dossier, triage, findings, conclusion (API client).
    Submission {
        #[command(subcommand)]
        command: reviews::SubmissionCommand,
        #[command(flatten)]
        conn: client::Conn,
    },
    /// Findings files offline: the clearinghouse's fingerprint of each result.
    Findings {
        #[command(subcommand)]
        command: findings::FindingsCommand,
    },
    /// Prioritisation offline: CVSS scores, SSVC decisions, BOD 26-04 timelines.
    Score {
        #[command(subcommand)]
        command: score::ScoreCommand,
    },
    /// Binding Operational Directives: what a directive requires, by when
    /// (offline); the directives a server keeps (API client).
    Directive {
        #[command(subcommand)]
        command: directive::DirectiveCommand,
    },
    /// VEX documents as an agency's answers to its obligations (API client).
    Vex {
        #[command(subcommand)]
        command: vex::VexCommand,
        #[command(flatten)]
        conn: client::Conn,
    },
    /// An agency's systems: what runs on them (SBOMs, products), their
    /// exposure (API client).
    System {
        #[command(subcommand)]
        command: inventory::SystemCommand,
        #[command(flatten)]
        conn: client::Conn,
    },
    /// Obligations under the directives: list, explain, answer, request
    /// more time, decide (API client).
    Obligation {
        #[command(subcommand)]
        command: inventory::ObligationCommand,
        #[command(flatten)]
        remote: inventory::Remote,
    },
    /// Who is on time: an agency's obligations counted by system and
    /// directive, every agency's (CISA), or every agency's for one
    /// vulnerability (API client).
    Compliance {
        /// One agency: its id or its name (default: your own agency, or
        /// every agency when yours issues the directives).
        #[arg(long, conflicts_with = "vulnerability")]
        agency: Option<String>,
        /// Every agency's obligations for one vulnerability (CVE-…, GHSA-…).
        #[arg(long)]
        vulnerability: Option<String>,
        #[command(flatten)]
        conn: client::Conn,
    },
    /// Advisory notices: your organization's, and how far an advisory
    /// reaches (API client).
    Notice {
        #[command(subcommand)]
        command: notices::NoticeCommand,
        #[command(flatten)]
        conn: client::Conn,
    },
    /// Which components of which SBOMs OSV advisories affect (offline).
    Match(matching::MatchArgs),
    /// OSV advisories offline: compile them into an index file that
    /// `bulwark match --index` loads in milliseconds.
    Advisories {
        #[command(subcommand)]
        command: advisories::AdvisoriesCommand,
    },
    /// Versions offline: how two versions order under an ecosystem's own rules.
    Versions {
        #[command(subcommand)]
        command: versions::VersionsCommand,
    },
    /// Claims on scan targets: deconflicted scanning (API client).
    Claim {
        #[command(subcommand)]
        command: claims::ClaimCommand,
        #[command(flatten)]
        conn: client::Conn,
    },
    /// Submit findings to the clearinghouse (API client).
    Report {
        #[command(subcommand)]
        command: claims::ReportCommand,
        #[command(flatten)]
        conn: client::Conn,
    },
    /// Clearinghouse cases: read them; triage, merge and split (API client).
    Case {
        #[command(subcommand)]
        command: claims::CaseCommand,
        #[command(flatten)]
        conn: client::Conn,
    },
    /// Remediation on a case: patches, vendor fixes, workarounds; patch
    /// validation (API client).
    Patch {
        #[command(subcommand)]
        command: patches::PatchCommand,
        #[command(flatten)]
        conn: client::Conn,
    },
    /// Advisories from cases: draft, edit, publish, list (API client).
    Advisory {
        #[command(subcommand)]
        command: publications::AdvisoryCommand,
        #[command(flatten)]
        conn: client::Conn,
    },
    /// Who scanned a target, when and with what (API client).
    Coverage {
        /// A package URL, a repository at a commit, or a CPE 2.3 name.
        target: String,
        /// The target's kind; read from the target's prefix when absent.
        #[arg(long, value_parser = words::words(bulwark_core::TargetKind::ALL, bulwark_core::TargetKind::as_str))]
        kind: Option<String>,
        #[command(flatten)]
        conn: client::Conn,
    },
    /// May a partner use a model now, for a scope? (API client.)
    AccessCheck {
        /// The partner organization: its id or its exact name.
        #[arg(long)]
        partner: String,
        /// The registered model's id.
        #[arg(long)]
        model: String,
        /// What the partner would do with the model.
        #[arg(long, value_parser = words::words(bulwark_core::GrantScope::ALL, bulwark_core::GrantScope::as_str))]
        scope: String,
        #[command(flatten)]
        conn: client::Conn,
    },
    /// Print the OpenAPI document of the HTTP API.
    Openapi,
    /// Call the API of a running server (BULWARK_URL, BULWARK_TOKEN).
    #[command(flatten)]
    Client(client::ClientCommand),
}

#[derive(Subcommand)]
enum DbCommand {
    /// Apply pending migrations.
    Migrate {
        #[command(flatten)]
        db: DbArgs,
    },
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Create the first operator organization and administrator; print its API
    /// token alone on the last line of stdout. Refused once done.
    Bootstrap {
        #[command(flatten)]
        db: DbArgs,
        /// The operator organization's name.
        #[arg(long, default_value = "Program Office")]
        org_name: String,
        /// The administrator's user name.
        #[arg(long, default_value = "admin")]
        username: String,
        /// The administrator's name as pages show it.
        #[arg(long, default_value = "Program administrator")]
        display_name: String,
    },
    /// Set a user's web password, read from the first line of standard input.
    SetPassword {
        #[command(flatten)]
        db: DbArgs,
        /// The user whose password is set.
        #[arg(long)]
        username: String,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Check the hash chain; name the first broken entry (exit 1 when broken).
    Verify {
        #[command(flatten)]
        db: DbArgs,
        /// Output: a readable table, or one JSON object per line.
        #[arg(long, value_enum, ignore_case = true, default_value = "table")]
        format: Format,
    },
}

/// An error the user can fix by changing the input: exit code 2.
#[derive(Debug)]
pub struct BadInput(pub String);

impl std::fmt::Display for BadInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for BadInput {}

/// A failure already told on standard error (the server's refusal, as
/// `client::request` prints it): exit with this code, saying nothing more.
#[derive(Debug)]
pub struct Reported(pub ExitCode);

impl std::fmt::Display for Reported {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("reported above")
    }
}

impl std::error::Error for Reported {}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if !matches!(cli.command, Command::Serve { .. } | Command::Demo { .. }) {
        quiet_on_closed_pipe();
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("bulwark: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            if let Some(Reported(code)) = e.downcast_ref::<Reported>() {
                return *code;
            }
            let bad_input = e.chain().any(|c| c.is::<BadInput>());
            eprintln!("bulwark: {e:#}");
            if bad_input {
                ExitCode::from(2)
            } else {
                ExitCode::FAILURE
            }
        }
    }
}

/// Opens and migrates the database, and says on standard error which one
/// (and that it was created, when it was).
async fn open(db: &DbArgs) -> anyhow::Result<Store> {
    let (store, opened) = open_quietly(db).await?;
    eprintln!("bulwark: {opened}");
    Ok(store)
}

/// [`open`], with the sentence to say left to the caller (`serve` logs it).
async fn open_quietly(db: &DbArgs) -> anyhow::Result<(Store, String)> {
    let location = Location::of(&db.database).map_err(|e| BadInput(e.to_string()))?;
    let (name, created) = match location {
        Location::Postgres => (redact_url(&db.database), false),
        Location::Sqlite(path) if path == ":memory:" => (path.to_owned(), true),
        Location::Sqlite(path) => sqlite_file(path)?,
    };
    let store = Store::connect(&db.database)
        .await
        .map_err(|e| anyhow::anyhow!("cannot open the database {name}: {}", root_cause(&e)))?;
    if let Err(e) = store.migrate().await {
        store.close().await;
        anyhow::bail!("cannot migrate the database {name}: {}", root_cause(&e));
    }
    let opened = match (location, created) {
        (Location::Postgres, _) => format!("opened the PostgreSQL database {name}"),
        (Location::Sqlite(_), true) => format!("created the SQLite database {name}"),
        (Location::Sqlite(_), false) => format!("opened the SQLite database {name}"),
    };
    Ok((store, opened))
}

/// A SQLite file's absolute path and whether opening it creates it; a
/// folder, or a file in a folder that does not exist, is bad input named
/// in one line, before SQLite says "unable to open database file".
fn sqlite_file(path: &str) -> anyhow::Result<(String, bool)> {
    let file = std::path::Path::new(path);
    let shown = std::path::absolute(file)
        .unwrap_or_else(|_| file.to_owned())
        .display()
        .to_string();
    if file.is_dir() {
        return Err(BadInput(format!(
            "cannot open the database {shown}: it is a folder, not a database file"
        ))
        .into());
    }
    let folder = match file.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => std::path::Path::new("."),
    };
    if !folder.is_dir() {
        return Err(BadInput(format!(
            "cannot open the database {shown}: no such folder {}",
            folder.display()
        ))
        .into());
    }
    Ok((shown, !file.exists()))
}

/// The innermost cause of an error: what went wrong, said once (the layers
/// above it repeat it in their own `Display`).
fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = e;
    while let Some(next) = cause.source() {
        cause = next;
    }
    cause.to_string()
}

/// A direct-to-database use case's failure: bad input (exit 2) when its
/// kind is one of `bad_input`, else a failure (exit 1), its detail either way.
fn direct_error(e: bulwark_app::AppError, bad_input: &[ErrorKind]) -> anyhow::Error {
    if bad_input.contains(&e.kind) {
        anyhow::Error::new(BadInput(e.detail))
    } else {
        anyhow::anyhow!(e.detail)
    }
}

/// A closed standard output (`bulwark openapi | head`) ends the program
/// quietly, as it ends every Unix tool, instead of a panic in `print!`:
/// SIGPIPE back to its default action, which Rust's runtime sets to
/// "ignore". Not for `serve`: a server must outlive a peer that went away
/// (its sockets write with MSG_NOSIGNAL anyway, but the server has nothing
/// to gain from the default).
fn quiet_on_closed_pipe() {
    #[cfg(unix)]
    // SAFETY: called once, at start, before any other thread exists;
    // installs the default disposition of one signal.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

/// A database URL without its password, for messages.
fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..s + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

fn init_tracing(format: LogFormat) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_http=info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Json => builder.json().flatten_event(true).init(),
        LogFormat::Text => builder.init(),
    }
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Serve {
            db,
            listen,
            log_format,
            insecure_cookies,
            spool_dir,
            tls_cert,
            tls_key,
        } => {
            init_tracing(log_format);
            // The certificate before anything else: a wrong file stops the
            // start before the port is taken or the database created.
            let tls = match (&tls_cert, &tls_key) {
                (Some(c), Some(k)) => Some(
                    bulwark_server::tls::Tls::from_pem_files(c, k)
                        .map_err(|e| BadInput(format!("{e:#}")))?,
                ),
                _ => None,
            };
            // The address first: a busy port stops the start before
            // anything is created.
            let listener = bulwark_server::bind(listen).await?;
            let (store, opened) = open_quietly(&db).await?;
            tracing::info!("{opened}");
            let location = Location::of(&db.database).map_err(|e| BadInput(e.to_string()))?;
            let (master_key, key_source) = dossier_key::choose(location)?;
            dossier_key::announce(&key_source);
            let mut settings = bulwark_server::Settings {
                secure_cookies: !insecure_cookies,
                spool_root: spool_dir
                    .unwrap_or_else(|| bulwark_server::spool::SpoolDir::default_root(&db.database)),
                ..Default::default()
            };
            // The provider's base URL defaults to the listen address;
            // BULWARK_PUBLIC_URL (read next) names the public one.
            let scheme = if tls.is_some() { "https" } else { "http" };
            settings.provider.base_url = format!("{scheme}://{listen}");
            let mut settings = settings.with_env();
            settings.master_key = master_key;
            let state = bulwark_server::state(store.clone(), Arc::new(SystemClock), settings)?;
            match &tls {
                Some(tls) => bulwark_server::serve_tls_on(state, listener, tls).await?,
                None => bulwark_server::serve_on(state, listener).await?,
            }
            store.close().await;
            Ok(ExitCode::SUCCESS)
        }
        Command::Demo {
            database,
            listen,
            format,
        } => {
            demo::run(demo::DemoArgs {
                database,
                listen,
                format,
            })
            .await
        }
        Command::Db {
            command: DbCommand::Migrate { db },
        } => {
            let store = open(&db).await?;
            println!("migrated ({})", store.backend_name());
            store.close().await;
            Ok(ExitCode::SUCCESS)
        }
        Command::Admin {
            command:
                AdminCommand::Bootstrap {
                    db,
                    org_name,
                    username,
                    display_name,
                },
        } => {
            let store = open(&db).await?;
            let result = bulwark_app::identity::bootstrap(
                &store,
                org_name,
                username,
                display_name,
                time::OffsetDateTime::now_utc(),
            )
            .await;
            store.close().await;
            let done = result
                .map_err(|e| direct_error(e, &[ErrorKind::Conflict, ErrorKind::Validation]))?;
            println!("operator organization {} ({})", done.org.name, done.org.id);
            println!("administrator {} ({})", done.user.username, done.user.id);
            println!("API token (shown once; store it now):");
            println!("{}", done.token.expose());
            Ok(ExitCode::SUCCESS)
        }
        Command::Admin {
            command: AdminCommand::SetPassword { db, username },
        } => {
            let mut line = String::new();
            std::io::stdin()
                .read_line(&mut line)
                .context("cannot read the password from standard input")?;
            let password = line.trim_end_matches(['\r', '\n']).to_owned();
            let store = open(&db).await?;
            bulwark_app::identity::set_password_direct(
                &store,
                &username,
                password,
                time::OffsetDateTime::now_utc(),
            )
            .await
            .map_err(|e| direct_error(e, &[ErrorKind::NotFound, ErrorKind::Validation]))?;
            store.close().await;
            println!("password set for {username}");
            Ok(ExitCode::SUCCESS)
        }
        Command::Audit {
            command: AuditCommand::Verify { db, format },
        } => {
            let store = open(&db).await?;
            let v = bulwark_app::audit::verify_direct(&store)
                .await
                .map_err(|e| direct_error(e, &[]))?;
            store.close().await;
            match format {
                Format::Json => println!("{}", serde_json::to_string(&v)?),
                Format::Table => match &v.first_break {
                    None => println!(
                        "audit chain intact: {} entries, head {}",
                        v.entries, v.head_hash
                    ),
                    Some(b) => println!(
                        "audit chain BROKEN at entry {}: {} ({} entries verified before it)",
                        b.seq, b.reason, v.entries
                    ),
                },
            }
            Ok(if v.ok() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        Command::Openapi => {
            print!("{}", bulwark_server::openapi::document_json());
            Ok(ExitCode::SUCCESS)
        }
        Command::Import { command } => import::run(command).await,
        Command::Csaf { command } => csaf::run(command).await,
        Command::Client(c) => client::run(c).await,
        Command::Frontier { command } => frontier::run(command).await,
        Command::Findings { command } => findings::run(command),
        Command::Score { command } => score::run(command),
        Command::Directive { command } => directive::run(command).await,
        Command::System { command, conn } => inventory::system(command, &conn).await,
        Command::Vex { command, conn } => vex::run(command, &conn).await,
        Command::Obligation { command, remote } => inventory::obligation(command, &remote).await,
        Command::Compliance {
            agency,
            vulnerability,
            conn,
        } => inventory::compliance(&conn, agency.as_deref(), vulnerability.as_deref()).await,
        Command::Versions { command } => versions::run(command),
        Command::Match(args) => matching::run(args).await,
        Command::Advisories { command } => advisories::run(command),
        Command::Partner { command, conn } => partners::partner(command, &conn).await,
        Command::Grant { command, conn } => partners::grant(command, &conn).await,
        Command::Tool { command, conn } => tools::run(command, &conn).await,
        Command::Submission { command, conn } => reviews::run(command, &conn).await,
        Command::Notice { command, conn } => notices::run(command, &conn).await,
        Command::Program { command, conn } => access::program(command, &conn).await,
        Command::Access { command, conn } => access::access(command, &conn).await,
        Command::Claim { command, conn } => claims::claim(command, &conn).await,
        Command::Report { command, conn } => claims::report(command, &conn).await,
        Command::Case { command, conn } => claims::case(command, &conn).await,
        Command::Patch { command, conn } => patches::run(command, &conn).await,
        Command::Advisory { command, conn } => publications::advisory(command, &conn).await,
        Command::Coverage { target, kind, conn } => {
            claims::coverage(&conn, &target, kind.as_deref()).await
        }
        Command::AccessCheck {
            partner,
            model,
            scope,
            conn,
        } => partners::access_check(&conn, &partner, &model, &scope).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_redacted() {
        assert_eq!(
            redact_url("postgres://bulwark:s3cret@db:5432/x"),
            "postgres://bulwark:***@db:5432/x"
        );
        assert_eq!(
            redact_url("postgres://bulwark@db/x"),
            "postgres://bulwark@db/x"
        );
        assert_eq!(redact_url("bulwark.db"), "bulwark.db");
    }

    #[test]
    fn cli_definition_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }

    /// Every subcommand says what it does and every argument what it takes
    /// (issue 16, item 5): `--help` is the manual.
    #[test]
    fn every_command_and_argument_has_help() {
        use clap::CommandFactory;
        fn walk(cmd: &clap::Command, path: &str, missing: &mut Vec<String>) {
            if cmd.get_about().is_none() {
                missing.push(format!("{path}: no about"));
            }
            for arg in cmd.get_arguments() {
                let id = arg.get_id().as_str();
                if matches!(id, "help" | "version") {
                    continue;
                }
                if arg.get_help().is_none() && arg.get_long_help().is_none() {
                    missing.push(format!("{path} {id}: no help"));
                }
            }
            for sub in cmd.get_subcommands() {
                if sub.get_name() == "help" {
                    continue;
                }
                walk(sub, &format!("{path} {}", sub.get_name()), missing);
            }
        }
        let mut cli = Cli::command();
        cli.build();
        let mut missing = Vec::new();
        walk(&cli, "bulwark", &mut missing);
        assert!(missing.is_empty(), "{}", missing.join("\n"));
    }
}
