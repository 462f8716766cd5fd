//! `bulwark demo`: a new database seeded by `bulwark_app::demo` (every job's
//! records in each state, a sign-in for each role), then served as `serve`
//! serves one. A database that is not empty is refused before anything is
//! written to it.

use std::net::SocketAddr;
use std::sync::Arc;

use bulwark_core::SystemClock;
use bulwark_store::{Location, Store};

use crate::{BadInput, Format, dossier_key, open_quietly};

/// What `bulwark demo` is told.
pub struct DemoArgs {
    pub database: String,
    pub listen: SocketAddr,
    pub format: Format,
}

/// Refuses an SQLite file that already holds something (before opening
/// it, so nothing is written to it).
fn refuse_existing_file(database: &str) -> anyhow::Result<()> {
    if let Ok(Location::Sqlite(path)) = Location::of(database)
        && path != ":memory:"
    {
        let file = std::path::Path::new(path);
        if std::fs::metadata(file).is_ok_and(|m| m.is_file() && m.len() > 0) {
            let shown = std::path::absolute(file).unwrap_or_else(|_| file.to_owned());
            return Err(BadInput(format!(
                "the database {} is not empty: the demo seeds a new database only \
                 (name a new file with --database)",
                shown.display()
            ))
            .into());
        }
    }
    Ok(())
}

pub async fn run(args: DemoArgs) -> anyhow::Result<std::process::ExitCode> {
    // Quiet unless asked (RUST_LOG): the sign-ins are what a person reads.
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
    refuse_existing_file(&args.database)?;
    // The address first: a busy port stops the start before anything is
    // created; port 0 gets the address the system chose.
    let listener = bulwark_server::bind(args.listen).await?;
    let address = listener.local_addr()?;
    let (store, opened) = open_quietly(&crate::DbArgs {
        database: args.database.clone(),
    })
    .await?;
    tracing::info!("{opened}");
    let result = serve(store.clone(), listener, address, &args).await;
    store.close().await;
    result
}

async fn serve(
    store: Store,
    listener: tokio::net::TcpListener,
    address: SocketAddr,
    args: &DemoArgs,
) -> anyhow::Result<std::process::ExitCode> {
    let location = Location::of(&args.database).map_err(|e| BadInput(e.to_string()))?;
    let (master_key, key_source) = dossier_key::choose(location)?;
    dossier_key::announce(&key_source);
    let url = format!("http://{address}");
    let mut settings = bulwark_server::Settings {
        // Plain HTTP on this machine: cookies without `Secure`.
        secure_cookies: false,
        spool_root: bulwark_server::spool::SpoolDir::default_root(&args.database),
        ..Default::default()
    };
    settings.provider.base_url = url.clone();
    settings.master_key = master_key;
    let state = bulwark_server::state(store, Arc::new(SystemClock), settings)?;
    if !bulwark_app::demo::is_empty(&state).await? {
        return Err(BadInput(format!(
            "the database {} is not empty: the demo seeds a new database only \
             (name a new one with --database)",
            crate::redact_url(&args.database)
        ))
        .into());
    }
    eprintln!("bulwark: seeding the demo (a minute at most) …");
    let seeded = bulwark_app::demo::seed(&state).await?;
    match args.format {
        Format::Json => {
            let logins: Vec<_> = seeded
                .logins
                .iter()
                .map(|l| {
                    serde_json::json!({
                        "role": l.role,
                        "organization": l.organization,
                        "username": l.username,
                        "password": l.password,
                        "token": l.token,
                    })
                })
                .collect();
            let line = serde_json::json!({"url": url, "logins": logins});
            println!("{line}");
            eprint!("{}", people(&url, &seeded.logins));
        }
        Format::Table => print!("{}", people(&url, &seeded.logins)),
    }
    bulwark_server::serve_on(state, listener).await?;
    Ok(std::process::ExitCode::SUCCESS)
}

/// The address and a sign-in for each role, for a person.
fn people(url: &str, logins: &[bulwark_app::demo::Login]) -> String {
    let mut out = format!(
        "\nBulwark demo at {url}\nSign in at {url}/login as any of these (passwords and tokens are new each run):\n\n"
    );
    let rows: Vec<Vec<String>> = logins
        .iter()
        .map(|l| {
            vec![
                l.username.clone(),
                l.password.clone(),
                l.role.clone(),
                format!("{} ({})", l.organization, l.org_kind),
            ]
        })
        .collect();
    let headers = ["username", "password", "role", "organization"];
    let widths: Vec<usize> = (0..headers.len())
        .map(|i| {
            rows.iter()
                .map(|r| r[i].chars().count())
                .chain([headers[i].len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: Vec<String>| {
        let mut s = String::from("  ");
        for (i, c) in cells.iter().enumerate() {
            s.push_str(&format!("{c:<w$}  ", w = widths[i]));
        }
        s.trim_end().to_owned() + "\n"
    };
    out.push_str(&line(headers.iter().map(|h| h.to_string()).collect()));
    for r in rows {
        out.push_str(&line(r));
    }
    out.push_str(
        "\nAPI tokens: bulwark demo --format json prints each user's. Stop with Ctrl-C.\n",
    );
    out
}
