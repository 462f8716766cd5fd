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
use bulwark_store::{Store, StoreError};
use clap::{Args, Parser, Subcommand, ValueEnum};

mod claims;
mod client;
mod findings;
mod frontier;
mod import;
mod matching;
mod partners;
mod reviews;
mod score;
mod versions;

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
    Text,
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
    /// Which components of which SBOMs OSV advisories affect (offline).
    Match(matching::MatchArgs),
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
    /// Who scanned a target, when and with what (API client).
    Coverage {
        target: String,
        /// purl, repo or cpe; read from the target's prefix when absent.
        #[arg(long)]
        kind: Option<String>,
        #[command(flatten)]
        conn: client::Conn,
    },
    /// May a partner use a model now, for a scope? (API client.)
    AccessCheck {
        #[arg(long)]
        partner: String,
        #[arg(long)]
        model: String,
        /// api, weights or evaluation_only.
        #[arg(long)]
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
        #[arg(long, default_value = "Program Office")]
        org_name: String,
        #[arg(long, default_value = "admin")]
        username: String,
        #[arg(long, default_value = "Program administrator")]
        display_name: String,
    },
    /// Set a user's web password, read from the first line of standard input.
    SetPassword {
        #[command(flatten)]
        db: DbArgs,
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
        #[arg(long, value_enum, default_value = "table")]
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

fn main() -> ExitCode {
    let cli = Cli::parse();
    if !matches!(cli.command, Command::Serve { .. }) {
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

async fn open(db: &DbArgs) -> anyhow::Result<Store> {
    let store = Store::connect(&db.database).await.map_err(|e| match e {
        StoreError::UnsupportedUrl(_) => anyhow::Error::new(BadInput(e.to_string())),
        other => anyhow::Error::new(other).context(format!(
            "cannot open the database {}",
            redact_url(&db.database)
        )),
    })?;
    store
        .migrate()
        .await
        .context("cannot migrate the database")?;
    Ok(store)
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
        } => {
            init_tracing(log_format);
            let store = open(&db).await?;
            let settings = bulwark_server::Settings {
                secure_cookies: !insecure_cookies,
                spool_root: spool_dir
                    .unwrap_or_else(|| bulwark_server::spool::SpoolDir::default_root(&db.database)),
                ..Default::default()
            }
            .with_env();
            let state = bulwark_server::state(store.clone(), Arc::new(SystemClock), settings)?;
            bulwark_server::serve(state, listen).await?;
            store.close().await;
            Ok(ExitCode::SUCCESS)
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
        Command::Client(c) => client::run(c).await,
        Command::Frontier { command } => frontier::run(command).await,
        Command::Findings { command } => findings::run(command),
        Command::Score { command } => score::run(command),
        Command::Versions { command } => versions::run(command),
        Command::Match(args) => matching::run(args),
        Command::Partner { command, conn } => partners::partner(command, &conn).await,
        Command::Grant { command, conn } => partners::grant(command, &conn).await,
        Command::Submission { command, conn } => reviews::run(command, &conn).await,
        Command::Claim { command, conn } => claims::claim(command, &conn).await,
        Command::Report { command, conn } => claims::report(command, &conn).await,
        Command::Case { command, conn } => claims::case(command, &conn).await,
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
}
