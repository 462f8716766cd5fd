//! End-to-end intake over HTTP into PostgreSQL, deduplicating against a
//! store that already holds `EXISTING` reports. Target (issue 5): 20,000
//! results/s, release build.
//!
//! ```sh
//! BULWARK_BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench \
//!     cargo bench -p bulwark-server --bench intake_http
//! ```
//!
//! The database named must exist; the bench works in a schema of its own
//! (dropped at the start of the next run; with `BULWARK_BENCH_REUSE=1` a
//! schema an earlier run seeded is kept, and only the measured part runs —
//! the logs then add new cases after the earlier runs' ones). Without the variable it says so
//! and exits. Seeding goes through the store in chunks of 10,000 reports; the
//! measured part is the POST of SARIF logs of `PER_LOG` results each, half
//! of whose findings are already known, through the real server (bearer
//! authentication, policy, streaming parse, fingerprints, one transaction per
//! log) on loopback, by `BULWARK_BENCH_CLIENTS` clients at once (default 1).
//! Nothing is asserted: it prints figures, with the CPU time the server and
//! PostgreSQL spent per 100,000 results.

use std::fmt::Write as _;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Instant;

use bulwark_core::{ApiToken, SystemClock};
use bulwark_store::{Actor, Bootstrap, NewReport, Store};

const EXISTING: usize = 1_000_000;
const SEED_CHUNK: usize = 10_000;
const PER_LOG: usize = 20_000;
const LOGS: usize = 5;

/// A SARIF log of the results numbered `ids`: result `i` has its own
/// partial fingerprint, so its fingerprint is a function of `i` alone.
fn log(ids: impl IntoIterator<Item = usize>) -> Vec<u8> {
    let mut s = String::from(
        r#"{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"bench-scanner","version":"1.0"}},"results":["#,
    );
    for (k, i) in ids.into_iter().enumerate() {
        if k > 0 {
            s.push(',');
        }
        let _ = write!(
            s,
            r#"{{"ruleId":"B{r}","message":{{"text":"overflow of buf{i}"}},"locations":[{{"physicalLocation":{{"artifactLocation":{{"uri":"src/f{f}.c"}},"region":{{"startLine":{l},"snippet":{{"text":"memcpy(buf{i}, src, n);"}}}}}}}}],"partialFingerprints":{{"h":"{i:016x}"}}}}"#,
            r = i % 50,
            f = i % 2000,
            l = 10 + i % 900,
        );
    }
    s.push_str("]}]}");
    s.into_bytes()
}

/// The reports a log of results `from..from+n` gives, as the server makes them.
fn reports(from: usize, n: usize) -> Vec<NewReport> {
    let mut out = Vec::with_capacity(n);
    let bytes = log(from..from + n);
    let read = bulwark_intake::sarif::read(&bytes[..], |r| {
        out.push(NewReport {
            fingerprint: bulwark_intake::fingerprint::fingerprint(&r).to_string(),
            target: None,
            rule_id: r.rule_id.clone(),
            title: r.message.clone(),
            location: None,
            tool_name: Some(r.tool.driver.name.clone()),
            tool_version: r.tool.driver.version.clone(),
            ai_model: None,
            ai_model_version: None,
            detail: serde_json::json!({"i": r.index}),
        });
        Ok::<(), std::convert::Infallible>(())
    });
    if let Err(e) = read {
        eprintln!("the bench's own log does not parse: {e}");
        std::process::exit(1);
    }
    out
}

/// CPU seconds used so far by this process and by the PostgreSQL server's
/// processes on this machine (Linux `/proc`; zeros elsewhere). The machine's
/// speed varies from minute to minute, so CPU time per result is the
/// steadier figure to compare changes by.
fn cpu_seconds() -> (f64, f64) {
    // utime + stime, fields 14 and 15 of /proc/PID/stat, in USER_HZ (100 on
    // Linux, fixed by its ABI).
    fn of(stat: &str) -> Option<(String, f64)> {
        let open = stat.find('(')?;
        let close = stat.rfind(')')?;
        let comm = stat.get(open + 1..close)?.to_owned();
        let rest: Vec<&str> = stat.get(close + 2..)?.split(' ').collect();
        let ticks: f64 = rest.get(11)?.parse::<f64>().ok()? + rest.get(12)?.parse::<f64>().ok()?;
        Some((comm, ticks / 100.0))
    }
    let own = std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|s| of(&s))
        .map_or(0.0, |(_, t)| t);
    let mut pg = 0.0;
    if let Ok(dir) = std::fs::read_dir("/proc") {
        for e in dir.flatten() {
            if let Some((comm, t)) = std::fs::read_to_string(e.path().join("stat"))
                .ok()
                .and_then(|s| of(&s))
                && comm.starts_with("postgres")
            {
                pg += t;
            }
        }
    }
    (own, pg)
}

#[tokio::main(flavor = "multi_thread")]
async fn main() -> anyhow::Result<()> {
    let Ok(url) = std::env::var("BULWARK_BENCH_DATABASE_URL") else {
        eprintln!("set BULWARK_BENCH_DATABASE_URL to a PostgreSQL database to run this bench");
        return Ok(());
    };
    let reuse = std::env::var("BULWARK_BENCH_REUSE").is_ok_and(|v| v == "1");
    let admin = Store::connect(&url).await?;
    let seeded_before = reuse
        && admin
            .execute_unchecked("SELECT 1 FROM intake_bench.reports LIMIT 1")
            .await
            .is_ok();
    if !seeded_before {
        admin
            .execute_unchecked("DROP SCHEMA IF EXISTS intake_bench CASCADE")
            .await?;
        admin
            .execute_unchecked("CREATE SCHEMA intake_bench")
            .await?;
    }
    admin.close().await;
    let opts = sqlx::postgres::PgConnectOptions::from_str(&url)?
        .options([("search_path", "intake_bench")]);
    let store = Store::connect_postgres(opts.clone()).await?;
    store.migrate().await?;

    let token = ApiToken::from_random(bulwark_core::secret::TOKEN_PREFIX, {
        let mut b = [0u8; 32];
        getrandom::fill(&mut b).map_err(|e| anyhow::anyhow!("{e}"))?;
        b
    });
    let now = time::OffsetDateTime::now_utc();
    // Logs of a reused schema start after the cases earlier runs added.
    let mut first_new = EXISTING;
    let _org = if seeded_before {
        let (user, _) = store.user_by_username("root").await?;
        store
            .issue_token(&Actor::cli(), user.id, "bench", &token.hash(), None, now)
            .await?;
        let pool = sqlx::PgPool::connect_with(opts).await?;
        let cases: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM cases")
            .fetch_one(&pool)
            .await?;
        pool.close().await;
        first_new = usize::try_from(cases).unwrap_or(EXISTING).max(EXISTING);
        println!("reusing the seeded schema ({cases} cases)");
        user.org_id
    } else {
        let (org, _, _) = store
            .bootstrap(
                &Bootstrap {
                    org_name: "Program Office".into(),
                    username: "root".into(),
                    display_name: "Root".into(),
                    token_hash: token.hash(),
                },
                now,
            )
            .await?;
        // Seed: EXISTING reports, results 0..EXISTING.
        let t = Instant::now();
        for start in (0..EXISTING).step_by(SEED_CHUNK) {
            let batch = reports(start, SEED_CHUNK);
            store
                .ingest_reports(
                    &Actor::cli(),
                    org.id,
                    "application/sarif+json",
                    format!("seed {start}").as_bytes(),
                    &batch,
                    now,
                )
                .await?;
        }
        let seeded = t.elapsed().as_secs_f64();
        println!(
            "seeded {EXISTING} reports in {seeded:.1} s ({:.0} reports/s through the store)",
            EXISTING as f64 / seeded
        );
        org.id
    };

    let state = bulwark_server::state(
        store.clone(),
        Arc::new(SystemClock),
        bulwark_server::Settings {
            secure_cookies: false,
            ..Default::default()
        },
    )?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move { axum::serve(listener, bulwark_server::app(state)).await });
    let http = reqwest::Client::new();

    // Each log: half of its results already known (spread over the seeded
    // ones), half new. BULWARK_BENCH_CLIENTS clients (default 1) post LOGS
    // logs each at the same time, as reporters of a clearinghouse would;
    // the bodies are made before the clock starts.
    let clients: usize = std::env::var("BULWARK_BENCH_CLIENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|n| (1..=16).contains(n))
        .unwrap_or(1);
    let half = PER_LOG / 2;
    let bodies: Vec<Vec<u8>> = (0..LOGS * clients)
        .map(|k| {
            let known = (k * 197_003) % (EXISTING - half);
            let new = first_new + k * half;
            log((known..known + half).chain(new..new + half))
        })
        .collect();
    let queue = Arc::new(std::sync::Mutex::new(bodies.into_iter().enumerate()));
    let url = format!("http://{addr}/api/v1/reports");
    let cpu_before = cpu_seconds();
    let started = Instant::now();
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..clients {
        let (queue, http, url, token) = (
            queue.clone(),
            http.clone(),
            url.clone(),
            token.expose().to_owned(),
        );
        workers.spawn(async move {
            loop {
                let next = queue
                    .lock()
                    .map_err(|_| anyhow::anyhow!("poisoned"))?
                    .next();
                let Some((k, body)) = next else {
                    return Ok::<(), anyhow::Error>(());
                };
                let t = Instant::now();
                let resp = http
                    .post(&url)
                    .bearer_auth(&token)
                    .header("content-type", "application/sarif+json")
                    .body(body)
                    .send()
                    .await?;
                let status = resp.status();
                let v: serde_json::Value = resp.json().await?;
                let secs = t.elapsed().as_secs_f64();
                if !status.is_success() {
                    anyhow::bail!("intake failed: {status} {v}");
                }
                println!(
                    "log {k}: {PER_LOG} results ({} new cases) in {secs:.2} s = {:.0} results/s",
                    v["new_cases"],
                    PER_LOG as f64 / secs
                );
            }
        });
    }
    while let Some(done) = workers.join_next().await {
        done??;
    }
    let elapsed = started.elapsed().as_secs_f64();
    let total = PER_LOG * LOGS * clients;
    println!(
        "intake over HTTP into PostgreSQL with {EXISTING} existing reports, {clients} client(s): {total} results in {elapsed:.2} s = {:.0} results/s",
        total as f64 / elapsed
    );
    let cpu_after = cpu_seconds();
    let per = |a: f64, b: f64| (b - a) / total as f64 * 100_000.0;
    println!(
        "CPU seconds per 100,000 results: this process (client and server) {:.2}, PostgreSQL {:.2}",
        per(cpu_before.0, cpu_after.0),
        per(cpu_before.1, cpu_after.1),
    );
    Ok(())
}
