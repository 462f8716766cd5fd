//! Issue 18's figure: publishing one advisory against 10,000
//! organizations' stored SBOMs (1,000,000 component instances) → notices
//! created (target under 1 s).
//!
//! Seeds a fresh store — a SQLite file in the temporary directory, or with
//! `BULWARK_BENCH_DATABASE_URL` a PostgreSQL database (schema
//! `notices_bench`, recreated) — through the store's own methods (one
//! `create_organization` and one `create_sbom` of 100 components an
//! organization, each SBOM's components in multi-row statements, as an
//! upload writes them; no bench-only seeding path): 10,000 organizations,
//! 1,000,000 components over 2,000 npm packages. Package `widget` is held
//! by 30 % of the organizations: 2 % (one in fifty) at a version the
//! advisory affects (`1.0.0` to `1.2.2`), the rest at fixed ones; the
//! other components are of packages the advisory does not name.
//!
//! Then, with the advisory (`BWK-2026-0001`: `widget` from 1.0.0, fixed in
//! 1.2.3) and no webhook subscriptions:
//! 1. `notices::notify_affected` for a new advisory id, several times (each
//!    a new advisory, so each run writes 200 notices and 200 events):
//!    median, min and max;
//! 2. the same call again for an advisory already notified (nothing new to
//!    write: the matching and the read of the existing notices): median.
//!
//! The notices of each run are checked against what the seed implies (200
//! organizations, one component each). Nothing is asserted on time.
//!
//! `BULWARK_BENCH_SCALE` (default 1) scales the organizations (0.01: 100,
//! seconds to run). `BULWARK_BENCH_SQLITE=FILE` seeds FILE (kept) and, when
//! an earlier run of the same scale seeded it, uses it as it is.
//!
//! Measured on 2026-12-06, release build (`cargo bench`), 2 cores shared
//! with two other builds (load average about 4), 10,000 organizations,
//! 1,000,000 components, 200 affected:
//! - SQLite: (1) median 73.3 ms (min 55.5, max 106.6; 7 runs); (2) median
//!   52.7 ms. Seeding took 148 s.
//! - PostgreSQL 15 on the same machine: (1) median 92.3 ms (min 51.8, max
//!   102.4); (2) median 52.1 ms. Seeding took 135 s.
//!
//! (The debug profile, for comparison: (1) median 205 ms on SQLite.)
//! Before `package_holdings` read each index in its own arm (an `OR`
//! across two columns), the read of the package alone took 12 s.
//!
//! `cargo bench -p bulwark-app --bench notices`
//! `BULWARK_BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench cargo bench -p bulwark-app --bench notices`

use std::str::FromStr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bulwark_app::notices::{self, AffectedAdvisory};
use bulwark_app::{App, Config};
use bulwark_authz::Authorizer;
use bulwark_core::{FixedClock, OrgKind, Tlp};
use bulwark_store::{Actor, NewOrganization, NewSbom, NewSbomComponent, Store};
use serde_json::json;
use time::OffsetDateTime;
use time::macros::datetime;
use uuid::Uuid;

const SCHEMA: &str = "notices_bench";
const ORGS: f64 = 10_000.0;
const COMPONENTS_EACH: usize = 100;
const PACKAGES: usize = 2_000;
/// One organization in this many holds `widget`…
const HOLDS_EVERY: usize = 10;
/// …at three of every ten; and one in fifty at an affected version.
const AFFECTED_EVERY: usize = 50;
const RUNS: usize = 7;
const NOW: OffsetDateTime = datetime!(2026-12-06 12:00 UTC);

type BoxError = Box<dyn std::error::Error>;

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

fn times(v: &[Duration]) -> String {
    let mut s = v.to_vec();
    s.sort();
    format!(
        "median {} (min {}, max {}; {} runs)",
        ms(s[s.len() / 2]),
        ms(s[0]),
        ms(s[s.len() - 1]),
        s.len()
    )
}

fn advisory(id: Uuid) -> AffectedAdvisory {
    AffectedAdvisory {
        advisory_id: id,
        tracking_id: "BWK-2026-0001".into(),
        title: "Prototype pollution in widget".into(),
        osv: json!({
            "schema_version": "1.6.0",
            "id": "BWK-2026-0001",
            "modified": "2026-12-06T12:00:00Z",
            "aliases": ["CVE-2026-99999"],
            "affected": [{
                "package": {"ecosystem": "npm", "name": "widget", "purl": "pkg:npm/widget"},
                "ranges": [{"type": "SEMVER", "events": [{"introduced": "1.0.0"}, {"fixed": "1.2.3"}]}]
            }]
        }),
        fix: "Upgrade widget to 1.2.3 or later.".into(),
    }
}

fn component(package: &str, version: &str) -> NewSbomComponent {
    NewSbomComponent {
        name: package.into(),
        purl: Some(format!("pkg:npm/{package}@{version}")),
        ecosystem: Some("npm".into()),
        package: Some(package.into()),
        version: Some(version.into()),
        ..Default::default()
    }
}

/// Organization `i`'s SBOM: `widget` first when it holds it (affected for
/// one in fifty, else a fixed version), then other packages.
fn components(i: usize) -> Vec<NewSbomComponent> {
    let mut out = Vec::with_capacity(COMPONENTS_EACH);
    if i.is_multiple_of(AFFECTED_EVERY) {
        out.push(component(
            "widget",
            &format!("1.{}.0", (i / AFFECTED_EVERY) % 3),
        ));
    } else if i % HOLDS_EVERY < 3 {
        out.push(component("widget", ["1.2.3", "1.3.0", "2.0.1"][i % 3]));
    }
    let mut k = 0;
    while out.len() < COMPONENTS_EACH {
        let p = (i * 7919 + k * 104_729) % PACKAGES;
        out.push(component(
            &format!("pkg-{p:04}"),
            &format!("{}.{}.0", k % 5, i % 7),
        ));
        k += 1;
    }
    out
}

async fn store() -> Result<(Store, String), BoxError> {
    match std::env::var("BULWARK_BENCH_DATABASE_URL") {
        Ok(url) => {
            let admin = Store::connect(&url).await?;
            admin
                .execute_unchecked(&format!(
                    "DROP SCHEMA IF EXISTS {SCHEMA} CASCADE; CREATE SCHEMA {SCHEMA}"
                ))
                .await?;
            admin.close().await;
            let opts = sqlx::postgres::PgConnectOptions::from_str(&url)?
                .options([("search_path", SCHEMA)]);
            let store = Store::connect_postgres(opts).await?;
            store.migrate().await?;
            Ok((store, "PostgreSQL".into()))
        }
        Err(_) => {
            let path = match std::env::var_os("BULWARK_BENCH_SQLITE") {
                Some(p) => std::path::PathBuf::from(p),
                None => std::env::temp_dir()
                    .join(format!("bulwark-notices-bench-{}.db", Uuid::now_v7())),
            };
            let store = Store::connect(&path.to_string_lossy()).await?;
            store.migrate().await?;
            Ok((store, format!("SQLite ({})", path.display())))
        }
    }
}

async fn seed(store: &Store, orgs: usize) -> Result<(usize, usize), BoxError> {
    let started = Instant::now();
    let (mut components_total, mut affected) = (0usize, 0usize);
    for i in 0..orgs {
        let org = store
            .create_organization(
                &Actor::cli(),
                &NewOrganization {
                    name: format!("Organization {i:05}"),
                    kind: OrgKind::Vendor,
                    sector: None,
                    reviewing: false,
                },
                NOW,
            )
            .await?
            .id;
        let components = components(i);
        components_total += components.len();
        affected += usize::from(i.is_multiple_of(AFFECTED_EVERY));
        store
            .create_sbom(
                &Actor::cli(),
                &NewSbom {
                    org_id: org,
                    name: format!("estate {i:05}"),
                    format: "cyclonedx-json".into(),
                    spec_version: "1.5".into(),
                    media_type: "application/vnd.cyclonedx+json".into(),
                    document: format!("{{\"bomFormat\":\"CycloneDX\",\"serial\":{i}}}")
                        .into_bytes(),
                    tlp: Tlp::Amber,
                    components,
                },
                NOW,
            )
            .await?;
        if (i + 1).is_multiple_of(1000) {
            eprintln!(
                "  seeded {} organizations in {:.0} s",
                i + 1,
                started.elapsed().as_secs_f64()
            );
        }
    }
    Ok((components_total, affected))
}

async fn run() -> Result<(), BoxError> {
    let scale: f64 = std::env::var("BULWARK_BENCH_SCALE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1.0);
    let orgs = ((ORGS * scale).round() as usize).max(AFFECTED_EVERY);
    let (store, backend) = store().await?;
    println!("notices bench on {backend}: {orgs} organizations × {COMPONENTS_EACH} components");
    let started = Instant::now();
    // `BULWARK_BENCH_SQLITE` names a file an earlier run of the same scale
    // may have seeded (kept, not removed): then it is used as it is.
    let (components, affected) = if std::env::var_os("BULWARK_BENCH_SQLITE").is_some()
        && store.sboms(Default::default()).await?.next.is_some()
    {
        (orgs * COMPONENTS_EACH, orgs.div_ceil(AFFECTED_EVERY))
    } else {
        seed(&store, orgs).await?
    };
    println!(
        "seeded {components} component instances in {:.1} s; {affected} organizations hold an affected version",
        started.elapsed().as_secs_f64()
    );
    let app = App::new(
        store.clone(),
        Authorizer::new()?,
        Arc::new(FixedClock::new(NOW)),
        Config::default(),
    );
    let mut fresh = Vec::new();
    let mut first = None;
    for _ in 0..RUNS {
        let id = Uuid::now_v7();
        let t = Instant::now();
        let s = notices::notify_affected(&app, &advisory(id)).await?;
        fresh.push(t.elapsed());
        assert_eq!(s.organizations as usize, affected, "{s:?}");
        assert_eq!(s.components as usize, affected, "{s:?}");
        assert_eq!(s.new_notices as usize, affected, "{s:?}");
        first.get_or_insert(id);
    }
    println!(
        "1. notify_affected, a new advisory ({affected} notices and events written): {}",
        times(&fresh)
    );
    let id = first.ok_or("no run")?;
    let mut again = Vec::new();
    for _ in 0..RUNS {
        let t = Instant::now();
        let s = notices::notify_affected(&app, &advisory(id)).await?;
        again.push(t.elapsed());
        assert_eq!(s.new_notices + s.grown_notices, 0, "{s:?}");
    }
    println!("2. notify_affected again, nothing new: {}", times(&again));
    Ok(())
}

fn main() {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("no runtime: {e}");
            std::process::exit(1);
        }
    };
    if let Err(e) = runtime.block_on(run()) {
        eprintln!("notices bench failed: {e}");
        std::process::exit(1);
    }
}
