//! Issue 17's figures: obligations under BOD 26-04 for a federal fleet, on
//! PostgreSQL.
//!
//! Given `BULWARK_BENCH_DATABASE_URL` (a PostgreSQL database; without it the
//! bench says so and exits), it recreates the schema `directives_bench`
//! there, migrates it, loads BOD 26-04 and imports the real feeds of the
//! shared data set (`../shared/data` from the workspace root): CISA's KEV
//! catalog, the vulnrichment sample's CVE records (CISA ADP's SSVC points)
//! and every OSV record under `advisories/osv`. Then it seeds, by bulk SQL
//! in the rows the store writes, 100 agencies (one of them CISA, the
//! directives' issuer) with 200 systems each (publicly exposed, not, or
//! unknown; one in fifty a national security system), each system with one
//! attached SBOM of 100 components and 5 products without a purl:
//!
//! - components: package URLs of packages the OSV records name, at versions
//!   the records name; matched once by the engine beforehand, so that each
//!   SBOM holds 5 affected components (by one to three vulnerabilities) and
//!   95 that nothing affects, drawn deterministically;
//! - products: KEV's own vendor and product names, 5 distinct pairs a
//!   system.
//!
//! Then, with the clock at 2026-09-01:
//! 1. `obligations::evaluate_all` from an empty obligations table, once
//!    (the matching engine is built before, as a server holds it);
//! 2. a KEV catalog with one more entry for a product on some systems, then
//!    `obligations::on_vulnerabilities` for it: median over several new
//!    CVEs;
//! 3. the obligations table topped up to 1,000,000 rows by bulk SQL (some
//!    overdue, some closed), then one agency's overdue page
//!    (`obligations::list`, 50) and CISA's government-wide view
//!    (`obligations::government_wide`): medians.
//!
//! Nothing is asserted on time; the obligations on SBOM components are
//! checked against the count the seed implies (products' are shown beside
//! the count KEV's entries give: CVE records' `affected` entries add some).
//!
//! `BULWARK_BENCH_SCALE` (default 1) scales the systems per agency and the
//! obligations of step 3 (0.01: 2 systems an agency, seconds to run).
//! Seeding takes minutes at full scale; with `BULWARK_BENCH_REUSE` set, a
//! complete earlier seeding of the same scale is kept (its obligations are
//! removed first).
//!
//! `BULWARK_BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench \
//!  cargo bench -p bulwark-app --bench directives`
//!
//! Measured on 2026-12-06, 2 cores shared with other work (load average
//! about 1.2), PostgreSQL on the same machine; 381,668 obligations from the
//! seed (132,804 on components, 248,864 on products): (1) 26.1 s; (2)
//! median 49 ms (145 systems each); (3) one agency's overdue page 10 ms,
//! CISA's overdue page 21 ms, CISA's government-wide view 200 ms (the
//! count over 1,000,000 rows alone is about 178 ms: it reads them all).
//! Before the evaluation read systems in batches and the counts had their
//! index (main at d54aaca, load about 4): 57 s, 557 ms, 22 ms, 22 ms and
//! 819 ms.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bulwark_app::directives::{self, obligations};
use bulwark_app::{App, Config};
use bulwark_authz::Authorizer;
use bulwark_core::{AgencyTrack, FixedClock, OrgKind, Principal, PrincipalKind, Role, RoleSet};
use bulwark_matching::load::{Tally, read};
use bulwark_matching::osv::Advisory;
use bulwark_matching::{Component, Engine, Event, Index};
use bulwark_store::{Actor, NewAdvisory, NewOrganization, NewUser, PageRequest, Store};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use time::OffsetDateTime;
use time::macros::datetime;
use uuid::Uuid;

const SCHEMA: &str = "directives_bench";
const AGENCIES: usize = 100;
const SYSTEMS_EACH: f64 = 200.0;
const COMPONENTS_EACH: i64 = 100;
/// Affected components per SBOM; the rest are affected by nothing.
const AFFECTED_EACH: i64 = 5;
const PRODUCTS_EACH: i64 = 5;
const STORED: f64 = 1_000_000.0;
const RUNS: usize = 11;
const NEW_CVES: usize = 7;

/// The bench's "now": after the KEV catalog's release (2026-08-07).
const NOW: OffsetDateTime = datetime!(2026-09-01 00:00 UTC);
const NOW_US: i64 = 1_788_220_800_000_000;
/// Seeding time, in microseconds: SBOMs attached and products added over
/// the 180 days before.
const DAY_US: i64 = 86_400_000_000;

type BoxError = Box<dyn std::error::Error>;

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
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

fn data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data")
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        match e.file_type() {
            Ok(t) if t.is_dir() => walk(&p, out),
            Ok(t) if t.is_file() => out.push(p),
            _ => {}
        }
    }
}

/// Every OSV record of the shared data set, one per id (the one modified
/// last, as `bulwark import osv` keeps), with its row for the store.
fn advisories() -> Result<Vec<(Advisory, NewAdvisory)>, BoxError> {
    let mut files = Vec::new();
    walk(&data().join("advisories/osv"), &mut files);
    files.sort();
    let mut tally = Tally::default();
    let mut out: Vec<(Advisory, NewAdvisory)> = Vec::new();
    let mut at: HashMap<String, usize> = HashMap::new();
    for f in files {
        let name = f.to_string_lossy().into_owned();
        let bytes = std::fs::read(&f)?;
        let Some(a) = tally.count(read(&name, &bytes)) else {
            continue;
        };
        let json = name.ends_with(".json");
        let row = bulwark_app::advisories::advisory_row(a.clone(), json.then_some(&bytes[..]))?;
        match at.get(&row.id) {
            None => {
                at.insert(row.id.clone(), out.len());
                out.push((a, row));
            }
            Some(&i) => {
                if row.modified.as_deref().unwrap_or("")
                    >= out[i].1.modified.as_deref().unwrap_or("")
                {
                    out[i] = (a, row);
                }
            }
        }
    }
    Ok(out)
}

/// `name`@`version` as a package URL in an OSV ecosystem without releases;
/// `None` for the others.
fn purl(ecosystem: &str, name: &str, version: &str) -> Option<String> {
    let enc = |s: &str| -> String {
        s.bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b'~') {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect()
    };
    let path = |name: &str, sep: char| match name.rsplit_once(sep) {
        Some((ns, n)) => format!(
            "{}/{}",
            ns.split('/').map(enc).collect::<Vec<_>>().join("/"),
            enc(n)
        ),
        None => enc(name),
    };
    let (ty, p) = match ecosystem {
        "PyPI" => ("pypi", enc(name)),
        "crates.io" => ("cargo", enc(name)),
        "RubyGems" => ("gem", enc(name)),
        "NuGet" => ("nuget", enc(name)),
        "npm" => ("npm", path(name, '/')),
        "Go" => ("golang", path(name, '/')),
        "Packagist" => ("composer", path(name, '/')),
        "Maven" => {
            let (g, a) = name.split_once(':')?;
            ("maven", format!("{}/{}", enc(g), enc(a)))
        }
        _ => return None,
    };
    (!name.is_empty() && !version.is_empty()).then(|| format!("pkg:{ty}/{p}@{}", enc(version)))
}

/// One component of the pool SBOMs draw from, as the store keeps it.
struct PoolRow {
    affected: bool,
    /// Vulnerabilities it is affected by, as an evaluation names them (the
    /// advisory's CVE aliases, else its id).
    vulns: usize,
    row: bulwark_store::NewSbomComponent,
}

/// Package URLs of the packages the records name, at up to four versions
/// the records name, matched by the engine: those affected by one to three
/// vulnerabilities (and nothing indeterminate), and those affected by
/// nothing; as the store's component rows (through a CycloneDX document
/// and `sbom_rows`, as an upload would be).
fn component_pool(advisories: &[(Advisory, NewAdvisory)]) -> Result<Vec<PoolRow>, BoxError> {
    let mut packages: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    for (a, _) in advisories {
        for x in &a.affected {
            let Some(p) = &x.package else { continue };
            let list = packages
                .entry((p.ecosystem.clone(), p.name.clone()))
                .or_default();
            let named = x
                .ranges
                .iter()
                .flat_map(|r| &r.events)
                .map(Event::version)
                .chain(x.versions.iter().map(String::as_str))
                .filter(|v| *v != "0" && *v != "*");
            for v in named {
                if list.len() < 4 && !list.iter().any(|l| l == v) {
                    list.push(v.to_owned());
                }
            }
        }
    }
    let purls: Vec<String> = packages
        .iter()
        .flat_map(|((e, n), vs)| vs.iter().filter_map(|v| purl(e, n, v)))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let components: Vec<Component> = purls
        .iter()
        .filter_map(|p| Component::parse(p).ok())
        .collect();
    let engine = Engine::new(Index::from_advisories(
        advisories.iter().map(|(a, _)| a.clone()),
    ));
    let report = engine.match_components(&components);
    let mut vulns: Vec<HashSet<String>> = vec![HashSet::new(); components.len()];
    let mut unsure = vec![false; components.len()];
    for h in &report.hits {
        let cves: Vec<&String> = h.aliases.iter().filter(|a| a.starts_with("CVE-")).collect();
        for &c in h.components.iter() {
            if h.advisory_id.starts_with("CVE-") || cves.is_empty() {
                vulns[c].insert(h.advisory_id.to_string());
            } else {
                vulns[c].extend(cves.iter().map(|s| (*s).clone()));
            }
        }
    }
    for i in &report.indeterminate {
        for &c in i.components.iter() {
            unsure[c] = true;
        }
    }
    for u in &report.unsupported {
        unsure[u.component] = true;
    }
    let keep: Vec<usize> = (0..components.len())
        .filter(|&i| !unsure[i] && vulns[i].len() <= 3)
        .collect();
    let doc = serde_json::json!({
        "bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1,
        "components": keep.iter().map(|&i| {
            let p = &components[i].purl;
            let name = p.split('@').next().unwrap_or(p).rsplit('/').next().unwrap_or(p);
            serde_json::json!({"type": "library", "name": name, "purl": p})
        }).collect::<Vec<_>>(),
    });
    let sbom = bulwark_sbom::Sbom::parse(doc.to_string().as_bytes())?;
    let rows = bulwark_app::advisories::sbom_rows(&sbom);
    if rows.len() != keep.len() {
        return Err(format!("{} pool components read as {}", keep.len(), rows.len()).into());
    }
    Ok(keep
        .iter()
        .zip(rows)
        .filter(|(_, row)| row.ecosystem.is_some() && row.other_purls.is_empty())
        .map(|(&i, row)| PoolRow {
            affected: !vulns[i].is_empty(),
            vulns: vulns[i].len(),
            row,
        })
        .collect())
}

/// Bulk rows: SBOMs, their components and attachments, products.
const SEED: &str = r#"
CREATE TABLE bench_orgs AS
    SELECT CAST(row_number() OVER (ORDER BY name) - 1 AS INT) AS idx, id
    FROM organizations WHERE kind = 'agency';

CREATE TABLE bench_systems AS
    SELECT CAST(o.idx * __EACH__ + k AS INT) AS idx, o.id AS org_id,
        CAST(md5('bench system ' || (o.idx * __EACH__ + k)) AS UUID) AS id,
        CAST(md5('bench sbom ' || (o.idx * __EACH__ + k)) AS UUID) AS sbom_id
    FROM bench_orgs o, generate_series(0, __EACH__ - 1) AS k;

INSERT INTO systems (id, org_id, name, fisma_id, high_value_asset, publicly_exposed,
        national_security, owners, created_at, updated_at)
    SELECT id, org_id, 'System ' || idx, 'FISMA-' || idx,
        CASE WHEN idx % 10 = 0 THEN 'yes' WHEN idx % 10 = 1 THEN 'unknown' ELSE 'no' END,
        CASE idx % 3 WHEN 0 THEN 'yes' WHEN 1 THEN 'no' ELSE 'unknown' END,
        idx % 50 = 7, '["isso@example.gov"]', __T0__, __T0__
    FROM bench_systems;

INSERT INTO raw_documents (sha256, media_type, size, content, first_org, at)
    SELECT 'bench-sbom', 'application/vnd.cyclonedx+json', 0, '\x', id, __T0__
    FROM bench_orgs WHERE idx = 0;

INSERT INTO sboms (id, org_id, uploaded_by, name, format, spec_version, document, tlp,
        components, unmatchable, created_at)
    SELECT sbom_id, org_id, NULL, 'SBOM of system ' || idx, 'CycloneDX', '1.5', 'bench-sbom',
        'AMBER', __COMPONENTS__, 0, __T0__
    FROM bench_systems;

-- The first __AFFECTED__ components of each SBOM from the affected pool,
-- the rest from the clean one, each pool walked with its own stride.
INSERT INTO sbom_components (sbom_id, seq, name, purl, ecosystem, release, package,
        source_package, version, unmatchable)
    SELECT s.sbom_id, k, p.name, p.purl, p.ecosystem, p.release, p.package, p.source_package,
        p.version, p.unmatchable
    FROM bench_systems s, generate_series(0, __COMPONENTS__ - 1) AS k, bench_pool p
    WHERE p.affected = (k < __AFFECTED__)
      AND p.i = (CASE WHEN k < __AFFECTED__
                 THEN (CAST(s.idx AS BIGINT) * 7 + k * 131) % __NA__
                 ELSE (CAST(s.idx AS BIGINT) * 97 + k * 1031) % __NC__ END);

INSERT INTO system_sboms (system_id, sbom_id, attached_at)
    SELECT id, sbom_id, __T0__ + (idx % 180) * __DAY__ FROM bench_systems;

INSERT INTO system_products (id, system_id, vendor, product, version, cpe, vendor_key,
        product_key, added_at)
    SELECT CAST(md5('bench product ' || s.idx || ' ' || k) AS UUID), s.id, p.vendor, p.product,
        NULL, NULL, p.vendor_key, p.product_key, __T0__ + ((s.idx + k) % 180) * __DAY__
    FROM bench_systems s, generate_series(0, __PRODUCTS__ - 1) AS k, bench_pairs p
    WHERE p.i = (CAST(s.idx AS BIGINT) * 13 + k * 211) % __NP__;
"#;

/// The obligations of step 3: open ones due from 60 days before now to 30
/// days after (a third overdue), one in five closed (half of those
/// answered remediated), spread over every system; the evaluation text is
/// a real one's.
const TOP_UP: &str = r#"
INSERT INTO obligations (id, org_id, system_id, subject, subject_kind, subject_name,
        subject_version, vulnerability, directive_id, directive_version, rule, action, timeline,
        trigger_at, due_at, directive_due_at, forensic, evaluation, state, answer, closed_at,
        closed_reason, notified, created_at, updated_at)
    SELECT CAST(md5('bench obligation ' || g) AS UUID), s.org_id, s.id,
        'purl:pkg:generic/bench-filler-' || g || '@1.0', 'component', 'bench-filler-' || g, '1.0',
        k.cve_id, 'BOD-26-04', '1.0.0', 'row-08', 'remediate', '14 days',
        __NOW__ - (g % 90 + 14) * __DAY__, __NOW__ + (g % 90 - 60) * __DAY__,
        __NOW__ + (g % 90 - 60) * __DAY__, FALSE, __EVALUATION__,
        CASE WHEN g % 5 = 0 THEN 'closed' ELSE 'open' END,
        CASE WHEN g % 10 = 0 THEN 'remediated' END,
        CASE WHEN g % 5 = 0 THEN __NOW__ - (g % 30) * __DAY__ END,
        CASE WHEN g % 10 = 0 THEN 'answered remediated' WHEN g % 5 = 0 THEN 'bench: no longer on the system' END,
        '', __NOW__ - (g % 90 + 14) * __DAY__, __NOW__ - (g % 90 + 14) * __DAY__
    FROM generate_series(CAST(1 AS BIGINT), __N__) AS g
    JOIN bench_systems s ON s.idx = g % __NS__
    JOIN bench_kev k ON k.i = g % __NK__;
INSERT INTO obligation_events (obligation_id, seq, at, kind, actor_user, detail)
    SELECT id, 1, created_at, 'created', NULL, '{"reason":"bench top-up"}'
    FROM obligations WHERE subject LIKE 'purl:pkg:generic/bench-filler-%';
"#;

struct World {
    store: Store,
    pool: sqlx::PgPool,
    app: App,
    cisa: Principal,
    agency: Principal,
    agency_org: Uuid,
    systems: i64,
    /// (vendor, product) of the KEV pairs on systems, most systems first.
    pairs: Vec<(String, String, i64)>,
}

async fn user(store: &Store, org: Uuid, name: &str) -> Result<Principal, BoxError> {
    let u = store
        .create_user(
            &Actor::cli(),
            &NewUser {
                org_id: org,
                username: name.into(),
                display_name: name.into(),
                kind: PrincipalKind::Human,
                roles: RoleSet::new([Role::Analyst]),
            },
            NOW,
        )
        .await?;
    store
        .principal(u.id)
        .await?
        .ok_or_else(|| "principal missing".into())
}

/// The feeds, the agencies and the inventories (see [`SEED`]).
async fn seed(app: &App, pool: &sqlx::PgPool, each: i64) -> Result<(), BoxError> {
    let store = &app.store;
    let t = Instant::now();
    let kev_bytes = std::fs::read(data().join("prioritization/kev.json"))?;
    let catalog = bulwark_scoring::feeds::kev::KevCatalog::parse(&kev_bytes)?;
    let (info, entries) = bulwark_app::feeds::kev_rows(catalog);
    store
        .import_kev(&Actor::cli(), &info, &entries, NOW)
        .await?;
    let mut cves = Vec::new();
    let mut files = Vec::new();
    walk(
        &data().join("prioritization/vulnrichment_sample"),
        &mut files,
    );
    for f in files
        .iter()
        .filter(|f| f.extension().is_some_and(|e| e == "json"))
    {
        if let Ok(row) = bulwark_app::feeds::cve_row(&std::fs::read(f)?) {
            cves.push(row);
        }
    }
    let ncves = cves.len();
    store.import_cves(&Actor::cli(), cves, NOW).await?;
    let advisories = advisories()?;
    let nadv = advisories.len();
    let pool_rows = component_pool(&advisories)?;
    store
        .import_advisories(
            &Actor::cli(),
            advisories.into_iter().map(|(_, r)| r).collect::<Vec<_>>(),
            NOW,
        )
        .await?;
    println!(
        "feeds: KEV {} entries, {ncves} CVE records, {nadv} OSV records, in {:.1} s",
        entries.len(),
        t.elapsed().as_secs_f64()
    );
    assert!(directives::ensure_default(app).await?, "BOD 26-04 loaded");

    let t = Instant::now();
    for i in 0..AGENCIES {
        let name = if i == 0 {
            "CISA".to_owned()
        } else {
            format!("Bench Agency {i:03}")
        };
        let o = store
            .create_organization(
                &Actor::cli(),
                &NewOrganization {
                    name,
                    kind: OrgKind::Agency,
                    sector: None,
                    reviewing: false,
                },
                NOW,
            )
            .await?;
        if i == 0 {
            store
                .set_directive_profile(
                    &Actor::cli(),
                    o.id,
                    AgencyTrack::Civilian,
                    true,
                    Some("America/New_York"),
                    NOW,
                )
                .await?;
            user(store, o.id, "bench-cisa").await?;
        } else if i == 1 {
            user(store, o.id, "bench-agency").await?;
        }
    }

    // The pool and KEV's vendor/product pairs, in staging tables.
    sqlx::raw_sql(
        "CREATE TABLE bench_pool (i BIGINT NOT NULL, affected BOOLEAN NOT NULL, vulns INT NOT NULL, \
         name TEXT, purl TEXT, ecosystem TEXT, release TEXT, package TEXT, source_package TEXT, \
         version TEXT, unmatchable TEXT); \
         CREATE TABLE bench_pairs (i BIGINT NOT NULL, vendor TEXT, product TEXT, vendor_key TEXT, \
         product_key TEXT, entries INT NOT NULL); \
         CREATE TABLE bench_kev (i BIGINT NOT NULL, cve_id TEXT NOT NULL)",
    )
    .execute(pool)
    .await?;
    let (mut na, mut nc) = (0i64, 0i64);
    for chunk in pool_rows.chunks(500) {
        let mut q = sqlx::QueryBuilder::new(
            "INSERT INTO bench_pool (i, affected, vulns, name, purl, ecosystem, release, package, \
             source_package, version, unmatchable) ",
        );
        q.push_values(chunk, |mut b, p| {
            let i = if p.affected {
                na += 1;
                na - 1
            } else {
                nc += 1;
                nc - 1
            };
            b.push_bind(i)
                .push_bind(p.affected)
                .push_bind(p.vulns as i32)
                .push_bind(p.row.name.clone())
                .push_bind(p.row.purl.clone())
                .push_bind(p.row.ecosystem.clone())
                .push_bind(p.row.release.clone())
                .push_bind(p.row.package.clone())
                .push_bind(p.row.source_package.clone())
                .push_bind(p.row.version.clone())
                .push_bind(p.row.unmatchable.clone());
        });
        q.build().execute(pool).await?;
    }
    let mut pairs: BTreeMap<(String, String), (String, String, i32)> = BTreeMap::new();
    for e in &entries {
        let key = (
            obligations::name_key(&e.vendor_project),
            obligations::name_key(&e.product),
        );
        pairs
            .entry(key)
            .or_insert_with(|| (e.vendor_project.clone(), e.product.clone(), 0))
            .2 += 1;
    }
    let pairs: Vec<_> = pairs.into_iter().collect();
    for (n, chunk) in pairs.chunks(500).enumerate() {
        let mut q = sqlx::QueryBuilder::new(
            "INSERT INTO bench_pairs (i, vendor, product, vendor_key, product_key, entries) ",
        );
        q.push_values(
            chunk.iter().enumerate(),
            |mut b, (i, ((vk, pk), (v, p, c)))| {
                b.push_bind((n * 500 + i) as i64)
                    .push_bind(v.clone())
                    .push_bind(p.clone())
                    .push_bind(vk.clone())
                    .push_bind(pk.clone())
                    .push_bind(*c);
            },
        );
        q.build().execute(pool).await?;
    }
    for (n, chunk) in entries.chunks(500).enumerate() {
        let mut q = sqlx::QueryBuilder::new("INSERT INTO bench_kev (i, cve_id) ");
        q.push_values(chunk.iter().enumerate(), |mut b, (i, e)| {
            b.push_bind((n * 500 + i) as i64)
                .push_bind(e.cve_id.clone());
        });
        q.build().execute(pool).await?;
    }
    let sql = SEED
        .replace("__EACH__", &each.to_string())
        .replace("__T0__", &(NOW_US - 181 * DAY_US).to_string())
        .replace("__DAY__", &DAY_US.to_string())
        .replace("__COMPONENTS__", &COMPONENTS_EACH.to_string())
        .replace("__AFFECTED__", &AFFECTED_EACH.to_string())
        .replace("__PRODUCTS__", &PRODUCTS_EACH.to_string())
        .replace("__NA__", &na.to_string())
        .replace("__NC__", &nc.to_string())
        .replace("__NP__", &pairs.len().to_string());
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
        .execute(pool)
        .await?;
    sqlx::raw_sql("VACUUM ANALYZE").execute(pool).await?;
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "CREATE TABLE bench_seeded (scale BIGINT); INSERT INTO bench_seeded VALUES ({each})"
    )))
    .execute(pool)
    .await?;
    println!(
        "inventories: pool of {na} affected and {nc} clean components, {} KEV vendor/product pairs; seeded in {:.1} s",
        pairs.len(),
        t.elapsed().as_secs_f64()
    );
    Ok(())
}

async fn count(pool: &sqlx::PgPool, sql: &'static str) -> Result<i64, BoxError> {
    let (n,): (i64,) = sqlx::query_as(sql).fetch_one(pool).await?;
    Ok(n)
}

async fn world(url: &str, each: i64) -> Result<World, BoxError> {
    let admin = PgPoolOptions::new()
        .max_connections(1)
        .connect_with(PgConnectOptions::from_str(url)?)
        .await?;
    let seeded: Option<(i64,)> = {
        let (exists,): (bool,) = sqlx::query_as(
            "SELECT EXISTS (SELECT 1 FROM information_schema.tables \
             WHERE table_schema = $1 AND table_name = 'bench_seeded')",
        )
        .bind(SCHEMA)
        .fetch_one(&admin)
        .await?;
        if exists {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT scale FROM {SCHEMA}.bench_seeded"
            )))
            .fetch_optional(&admin)
            .await?
        } else {
            None
        }
    };
    let reuse = seeded == Some((each,)) && std::env::var_os("BULWARK_BENCH_REUSE").is_some();
    if !reuse {
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
            "DROP SCHEMA IF EXISTS {SCHEMA} CASCADE; CREATE SCHEMA {SCHEMA}"
        )))
        .execute(&admin)
        .await?;
    }
    admin.close().await;
    let opts = PgConnectOptions::from_str(url)?.options([("search_path", SCHEMA)]);
    let pool = PgPoolOptions::new()
        .max_connections(2)
        .connect_with(opts.clone())
        .await?;
    let store = Store::connect_postgres(opts).await?;
    store.migrate().await?;
    let app = App::new(
        store.clone(),
        Authorizer::new()?,
        Arc::new(FixedClock::new(NOW)),
        Config::default(),
    );
    if reuse {
        println!("reusing the inventories seeded in {SCHEMA} (BULWARK_BENCH_REUSE)");
        sqlx::raw_sql(
            "TRUNCATE obligation_requests, obligation_events, obligations; \
             DELETE FROM kev_entries WHERE cve_id LIKE 'CVE-2099-%'",
        )
        .execute(&pool)
        .await?;
        sqlx::raw_sql("VACUUM ANALYZE").execute(&pool).await?;
    } else {
        seed(&app, &pool, each).await?;
    }
    let principal = |name: &'static str| {
        let store = store.clone();
        let pool = pool.clone();
        async move {
            let (id,): (Uuid,) = sqlx::query_as("SELECT id FROM users WHERE username = $1")
                .bind(name)
                .fetch_one(&pool)
                .await?;
            store
                .principal(id)
                .await?
                .ok_or_else(|| BoxError::from("principal missing"))
        }
    };
    let cisa = principal("bench-cisa").await?;
    let agency = principal("bench-agency").await?;
    let pairs: Vec<(String, String, i64)> = sqlx::query_as(
        "SELECT MIN(vendor), MIN(product), COUNT(DISTINCT system_id) FROM system_products \
         GROUP BY vendor_key, product_key ORDER BY 3 DESC, 1, 2",
    )
    .fetch_all(&pool)
    .await?;
    let systems = count(&pool, "SELECT COUNT(*) FROM systems").await?;
    println!(
        "{} agencies, {systems} systems ({} national security), {} SBOMs attached, {} component rows, {} products",
        count(
            &pool,
            "SELECT COUNT(*) FROM organizations WHERE kind = 'agency'"
        )
        .await?,
        count(
            &pool,
            "SELECT COUNT(*) FROM systems WHERE national_security"
        )
        .await?,
        count(&pool, "SELECT COUNT(*) FROM system_sboms").await?,
        count(&pool, "SELECT COUNT(*) FROM sbom_components").await?,
        count(&pool, "SELECT COUNT(*) FROM system_products").await?,
    );
    Ok(World {
        agency_org: agency.org_id,
        store,
        pool,
        app,
        cisa,
        agency,
        systems,
        pairs,
    })
}

/// The obligations the seed implies: per system in scope, each distinct
/// affected pool component's vulnerabilities, and each product's KEV
/// entries (CVE records' `affected` entries may add to those).
async fn expected(w: &World) -> Result<(i64, i64), BoxError> {
    let (components, products): (i64, i64) = sqlx::query_as(
        "WITH scope AS (SELECT s.id FROM systems s JOIN organizations o ON o.id = s.org_id \
            WHERE NOT s.national_security AND o.agency_track = 'civilian'), \
         comps AS (SELECT DISTINCT ss.system_id, p.purl, p.vulns FROM system_sboms ss \
            JOIN scope ON scope.id = ss.system_id \
            JOIN sbom_components c ON c.sbom_id = ss.sbom_id \
            JOIN bench_pool p ON p.purl = c.purl WHERE p.affected) \
         SELECT (SELECT COALESCE(SUM(vulns), 0) FROM comps), \
            (SELECT COALESCE(SUM(k.entries), 0) FROM system_products sp \
             JOIN scope ON scope.id = sp.system_id \
             JOIN bench_pairs k ON k.vendor_key = sp.vendor_key AND k.product_key = sp.product_key)",
    )
    .fetch_one(&w.pool)
    .await?;
    Ok((components, products))
}

async fn bench_all(w: &World) -> Result<(), BoxError> {
    let t = Instant::now();
    let snapshot = w.app.matching.current(&w.store).await?;
    println!(
        "matching engine over {} advisories built in {} (before the timing, as a server holds it)",
        snapshot.engine.index().len(),
        ms(t.elapsed())
    );
    let t = Instant::now();
    let out = obligations::evaluate_all(&w.app, &Actor::cli(), "bench").await?;
    let took = t.elapsed();
    let stored = count(&w.pool, "SELECT COUNT(*) FROM obligations").await?;
    let on_components = count(
        &w.pool,
        "SELECT COUNT(*) FROM obligations WHERE subject_kind = 'component'",
    )
    .await?;
    let (components, kev) = expected(w).await?;
    println!(
        "1. evaluate_all: {} systems evaluated, {} obligations created in {:.2} s; \
         {on_components} on components ({components} expected from the seed), {} on products \
         ({kev} from KEV's entries, the rest from CVE records)",
        out.systems,
        out.created,
        took.as_secs_f64(),
        stored - on_components,
    );
    assert_eq!(out.systems as i64, w.systems, "every system evaluated");
    assert_eq!(
        stored, out.created as i64,
        "every obligation created is stored"
    );
    assert_eq!(
        on_components, components,
        "the SBOMs' obligations the seed implies"
    );
    Ok(())
}

async fn bench_new_kev(w: &World) -> Result<(), BoxError> {
    let kev_bytes = std::fs::read(data().join("prioritization/kev.json"))?;
    let catalog = bulwark_scoring::feeds::kev::KevCatalog::parse(&kev_bytes)?;
    let (mut info, mut entries) = bulwark_app::feeds::kev_rows(catalog);
    let template = entries[0].clone();
    let stamp = OffsetDateTime::now_utc().unix_timestamp();
    let mut runs = Vec::new();
    for n in 0..NEW_CVES.min(w.pairs.len()) {
        let (vendor, product, on) = &w.pairs[n];
        let cve = format!("CVE-2099-{:04}", n + 1);
        let mut e = template.clone();
        e.cve_id = cve.clone();
        e.vendor_project = vendor.clone();
        e.product = product.clone();
        e.date_added = "2026-08-31".into();
        e.due_date = "2026-09-21".into();
        entries.push(e);
        info.catalog_version = format!("bench-{stamp}-{n}");
        info.count = entries.len() as u64;
        w.store
            .import_kev(&Actor::cli(), &info, &entries, NOW)
            .await?;
        let vulns = BTreeSet::from([cve.clone()]);
        let t = Instant::now();
        let out = obligations::on_vulnerabilities(
            &w.app,
            &Actor::cli(),
            &vulns,
            "bench: KEV entry added",
        )
        .await?;
        let took = t.elapsed();
        println!(
            "   {cve} for {vendor} {product} (on {on} systems): {} systems evaluated, {} obligations created in {}",
            out.systems,
            out.created,
            ms(took)
        );
        assert!(out.created > 0, "the new entry's product is on systems");
        runs.push(took);
    }
    println!("2. on_vulnerabilities, one new KEV entry: {}", times(&runs));
    Ok(())
}

async fn bench_pages(w: &World, scale: f64) -> Result<(), BoxError> {
    let have = count(&w.pool, "SELECT COUNT(*) FROM obligations").await?;
    let want = (STORED * scale).round() as i64;
    if want > have {
        let evaluation: (String,) =
            sqlx::query_as("SELECT evaluation FROM obligations ORDER BY id LIMIT 1")
                .fetch_one(&w.pool)
                .await?;
        let nk = count(&w.pool, "SELECT COUNT(*) FROM bench_kev").await?;
        let quoted = format!("'{}'", evaluation.0.replace('\'', "''"));
        let sql = TOP_UP
            .replace("__N__", &(want - have).to_string())
            .replace("__NOW__", &NOW_US.to_string())
            .replace("__DAY__", &DAY_US.to_string())
            .replace("__NS__", &w.systems.to_string())
            .replace("__NK__", &nk.to_string())
            .replace("__EVALUATION__", &quoted);
        let t = Instant::now();
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
            .execute(&w.pool)
            .await?;
        for table in ["obligations", "obligation_events"] {
            sqlx::raw_sql(sqlx::AssertSqlSafe(format!("VACUUM ANALYZE {table}")))
                .execute(&w.pool)
                .await?;
        }
        println!(
            "3. topped up with {} obligations in {:.1} s",
            want - have,
            t.elapsed().as_secs_f64()
        );
    }
    println!(
        "   {} obligations stored: {} open ({} overdue), {} of them the agency's ({} overdue)",
        count(&w.pool, "SELECT COUNT(*) FROM obligations").await?,
        count(
            &w.pool,
            "SELECT COUNT(*) FROM obligations WHERE state = 'open'"
        )
        .await?,
        sqlx::query_as::<_, (i64,)>(
            "SELECT COUNT(*) FROM obligations WHERE state = 'open' AND due_at < $1"
        )
        .bind(NOW_US)
        .fetch_one(&w.pool)
        .await?
        .0,
        sqlx::query_as::<_, (i64,)>("SELECT COUNT(*) FROM obligations WHERE org_id = $1")
            .bind(w.agency_org)
            .fetch_one(&w.pool)
            .await?
            .0,
        sqlx::query_as::<_, (i64,)>(
            "SELECT COUNT(*) FROM obligations WHERE org_id = $1 AND state = 'open' AND due_at < $2"
        )
        .bind(w.agency_org)
        .bind(NOW_US)
        .fetch_one(&w.pool)
        .await?
        .0,
    );

    let overdue = obligations::ListQuery {
        overdue: true,
        ..obligations::ListQuery::default()
    };
    let page = PageRequest {
        after: None,
        limit: 50,
    };
    let first = obligations::list(&w.app, &w.agency, &overdue, page).await?;
    assert_eq!(first.items.len(), 50, "a full page of overdue obligations");
    assert!(
        first
            .items
            .iter()
            .all(|o| o.overdue && o.org == w.agency_org)
    );
    let mut runs = Vec::new();
    for _ in 0..RUNS {
        let t = Instant::now();
        let p = obligations::list(&w.app, &w.agency, &overdue, page).await?;
        runs.push(t.elapsed());
        assert_eq!(p.items.len(), first.items.len());
    }
    println!("   the agency's overdue page (list, 50): {}", times(&runs));

    let mut runs = Vec::new();
    for _ in 0..RUNS {
        let t = Instant::now();
        let p = obligations::list(&w.app, &w.cisa, &overdue, page).await?;
        runs.push(t.elapsed());
        assert_eq!(p.items.len(), 50);
    }
    println!(
        "   CISA's overdue page across agencies (list, 50): {}",
        times(&runs)
    );

    let all = obligations::government_wide(&w.app, &w.cisa).await?;
    let mut runs = Vec::new();
    for _ in 0..RUNS {
        let t = Instant::now();
        let v = obligations::government_wide(&w.app, &w.cisa).await?;
        runs.push(t.elapsed());
        assert_eq!(v.len(), all.len());
    }
    println!(
        "   CISA's government-wide view (government_wide, {} agencies, {} overdue): {}",
        all.len(),
        all.iter().map(|c| c.overdue).sum::<u64>(),
        times(&runs)
    );
    Ok(())
}

async fn run(url: &str, scale: f64) -> Result<(), BoxError> {
    let each = ((SYSTEMS_EACH * scale).round() as i64).max(1);
    let started = Instant::now();
    let w = world(url, each).await?;
    println!("ready in {:.1} s", started.elapsed().as_secs_f64());
    bench_all(&w).await?;
    bench_new_kev(&w).await?;
    bench_pages(&w, scale).await?;
    w.store.close().await;
    w.pool.close().await;
    Ok(())
}

fn main() {
    let Ok(url) = std::env::var("BULWARK_BENCH_DATABASE_URL") else {
        println!(
            "directives bench: set BULWARK_BENCH_DATABASE_URL to a PostgreSQL database \
             (e.g. postgres://postgres@127.0.0.1:5432/bench) to run it; skipped"
        );
        return;
    };
    let scale = match std::env::var("BULWARK_BENCH_SCALE") {
        Ok(s) => match s.parse::<f64>() {
            Ok(x) if x > 0.0 && x <= 1.0 => x,
            _ => {
                eprintln!("directives bench: BULWARK_BENCH_SCALE is a number in (0, 1]");
                std::process::exit(2);
            }
        },
        Err(_) => 1.0,
    };
    if !data().join("prioritization/kev.json").is_file() {
        println!(
            "directives bench: no shared data set at {}; skipped",
            data().display()
        );
        return;
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    if let Err(e) = rt.block_on(run(&url, scale)) {
        eprintln!("directives bench: {e}");
        std::process::exit(1);
    }
}
