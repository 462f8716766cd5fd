//! `bulwark import kev|epss|cve|osv`: the prioritisation feeds, read by
//! `bulwark-scoring`, and OSV advisories, written straight to the database
//! (direct access, like `db` and `admin`; the audit entries name no user).
//!
//! Every source is read and checked before anything is written, and
//! written in one transaction. Feeds are large and come from many hands,
//! so every import treats a bad record alike (what users of osv-scanner
//! expect): a KEV entry, EPSS row, CVE record file or OSV record that
//! cannot be read is named on standard error (its file and the JSON path
//! or CSV line), skipped, and the rest is imported; the exit code is then
//! 2 at the end, with the count of what was skipped. A CVE (or KEV, EPSS)
//! listed twice is bad too: the first copy is kept. `--strict` writes
//! nothing when anything is bad. What cannot be read at all (a missing
//! file, a catalog without its version, an EPSS file without its header)
//! exits 2 and writes nothing. Importing the same data again changes
//! nothing and writes no audit entry; the summary says `0 added, 0
//! updated`.
//!
//! For OSV, files that are JSON or YAML but no OSV record (lockfiles and
//! configurations in test-data trees) are counted, not errors. An id met
//! twice keeps the copy modified last (the later file on a tie), as
//! `bulwark match` does; the store then keeps a stored copy that is newer
//! than the one imported.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use bulwark_matching::load::{self, Tally};
use bulwark_matching::osv::Format as OsvFormat;
use bulwark_scoring::feeds::FeedError;
use bulwark_scoring::feeds::epss::EpssReader;
use bulwark_scoring::feeds::kev::KevCatalog;
use bulwark_store::{Actor, ImportReceipt, NewAdvisory, StoreError};
use clap::Subcommand;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde_json::json;
use time::OffsetDateTime;

use crate::matching::read_osv_source;
use crate::{BadInput, DbArgs, Format, open};

/// Rows (or files) from which a progress bar is drawn on a terminal.
const PROGRESS_FROM: usize = 10_000;

#[derive(Subcommand)]
pub enum ImportCommand {
    /// CISA's Known Exploited Vulnerabilities catalog (the JSON feed). A
    /// catalog version already imported changes nothing. Bad entries are
    /// named and skipped, and the exit code is then 2.
    Kev {
        /// The catalog file (`known_exploited_vulnerabilities.json`).
        path: PathBuf,
        /// Import nothing when any entry is bad.
        #[arg(long)]
        strict: bool,
        #[command(flatten)]
        db: DbArgs,
        /// Output: a readable table, or one JSON object per line.
        #[arg(long, value_enum, ignore_case = true, default_value = "table")]
        format: Format,
    },
    /// FIRST's EPSS scores (CSV, uncompressed), kept per model version.
    /// Bad rows are named and skipped, and the exit code is then 2.
    Epss {
        /// The CSV file (`epss_scores-YYYY-MM-DD.csv`, gunzipped).
        path: PathBuf,
        /// The model version, when the file has no `#model_version:` line.
        #[arg(long)]
        model_version: Option<String>,
        /// The score date, when the file has no `score_date:` comment.
        #[arg(long)]
        score_date: Option<String>,
        /// Import nothing when any row is bad.
        #[arg(long)]
        strict: bool,
        #[command(flatten)]
        db: DbArgs,
        /// Output: a readable table, or one JSON object per line.
        #[arg(long, value_enum, ignore_case = true, default_value = "table")]
        format: Format,
    },
    /// CVE JSON 5 records (with CISA's ADP enrichment): one record file, or
    /// a directory searched recursively for `*.json`. Files that are no
    /// readable CVE record are named and skipped, and the exit code is then
    /// 2; the rest is imported in one transaction.
    Cve {
        /// A record file, or a directory of them (CVEProject's cvelistV5,
        /// CISA's vulnrichment).
        path: PathBuf,
        /// Import nothing when any file is bad.
        #[arg(long)]
        strict: bool,
        #[command(flatten)]
        db: DbArgs,
        /// Output: a readable table, or one JSON object per line.
        #[arg(long, value_enum, ignore_case = true, default_value = "table")]
        format: Format,
    },
    /// OSV advisories: a directory (walked recursively for .json, .yaml and
    /// .yml files), one such file, or a .zip archive of them (as osv.dev
    /// publishes them). Broken records are named and skipped, and the exit
    /// code is then 2; the rest is imported in one transaction.
    Osv {
        /// A directory, a .json, .yaml or .yml record, or a .zip archive.
        path: PathBuf,
        /// Import nothing when any record is broken.
        #[arg(long)]
        strict: bool,
        #[command(flatten)]
        db: DbArgs,
        /// Output: a readable table, or one JSON object per line.
        #[arg(long, value_enum, ignore_case = true, default_value = "table")]
        format: Format,
    },
}

pub async fn run(cmd: ImportCommand) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let mut exit = ExitCode::SUCCESS;
    let (format, what, receipt, mut extra) = match cmd {
        ImportCommand::Kev {
            path,
            strict,
            db,
            format,
        } => {
            let bytes = read(&path)?;
            let (catalog, broken) = KevCatalog::parse_entries(&bytes).map_err(|e| bad(&path, e))?;
            let mut skipped = Skipped::new(&path, "entry", "entries");
            for e in &broken {
                skipped.name(e);
            }
            let stated = catalog.count;
            let (info, mut entries) = bulwark_app::feeds::kev_rows(catalog);
            let mut seen = HashSet::new();
            entries.retain(|e| {
                let first = seen.insert(e.cve_id.clone());
                if !first {
                    skipped.name(format_args!(
                        "{} is listed again; the first entry is kept",
                        e.cve_id
                    ));
                }
                first
            });
            if broken.is_empty() && stated != entries.len() as u64 {
                eprintln!(
                    "bulwark: warning: {}: the catalog states count {} but lists {} entries",
                    path.display(),
                    stated,
                    entries.len()
                );
            }
            skipped.settle(strict, entries.is_empty())?;
            let store = open(&db).await?;
            let listed = |s: &bulwark_store::Store| {
                let s = s.clone();
                async move {
                    s.kev_entries_all().await.map(|all| {
                        all.into_iter()
                            .map(|k| k.entry.cve_id)
                            .collect::<BTreeSet<String>>()
                    })
                }
            };
            let before = listed(&store).await.map_err(|e| store_error(&path, e))?;
            let r = store
                .import_kev(&Actor::cli(), &info, &entries, OffsetDateTime::now_utc())
                .await
                .map_err(|e| store_error(&path, e))?;
            let after = listed(&store).await.map_err(|e| store_error(&path, e))?;
            let moved: BTreeSet<String> = before.symmetric_difference(&after).cloned().collect();
            let obligations = reevaluate(
                &store,
                &moved,
                &format!("KEV catalog {} imported", info.catalog_version),
            )
            .await?;
            rerank(&store).await?;
            store.close().await;
            let what = format!(
                "KEV catalog {} ({} entries)",
                info.catalog_version,
                entries.len()
            );
            let extra = json!({
                "feed": "kev",
                "catalog_version": info.catalog_version,
                "date_released": info.date_released,
                "entries": entries.len(),
                "skipped": skipped.count,
                "obligations": obligations,
            });
            if skipped.report() {
                eprintln!(
                    "bulwark: note: catalog {} now counts as imported: a corrected copy of the \
                     same version changes nothing (use --strict to import nothing while any \
                     entry is bad)",
                    info.catalog_version
                );
                exit = ExitCode::from(2);
            }
            (format, what, r, extra)
        }
        ImportCommand::Epss {
            path,
            model_version,
            score_date,
            strict,
            db,
            format,
        } => {
            let file = std::fs::File::open(&path)
                .map_err(|e| BadInput(format!("{}: {e}", path.display())))?;
            let reader = EpssReader::new(BufReader::new(file)).map_err(|e| bad(&path, e))?;
            let model = reader.model().clone();
            let model_version = model_version.or(model.model_version).ok_or_else(|| {
                BadInput(format!(
                    "{}: no `#model_version:` line; name it with --model-version",
                    path.display()
                ))
            })?;
            let score_date = score_date.or(model.score_date).ok_or_else(|| {
                BadInput(format!(
                    "{}: no `score_date:` in the comment line; give it with --score-date",
                    path.display()
                ))
            })?;
            let mut skipped = Skipped::new(&path, "row", "rows");
            let mut first_line: HashMap<String, u64> = HashMap::new();
            let mut rows = Vec::new();
            let mut reader = reader;
            while let Some(row) = reader.next() {
                let line = reader.line();
                match row {
                    Ok(r) => {
                        if let Some(first) = first_line.get(&r.cve) {
                            skipped.name(format_args!(
                                "line {line}: {} is listed again (first on line {first}); the first row is kept",
                                r.cve
                            ));
                            continue;
                        }
                        first_line.insert(r.cve.clone(), line);
                        rows.push(bulwark_app::feeds::epss_row(r));
                    }
                    // A file that cannot be read further is no bad row.
                    Err(e @ FeedError::Io { .. }) => return Err(bad(&path, e)),
                    Err(e) => skipped.name(e),
                }
            }
            skipped.settle(strict, rows.is_empty())?;
            let n = rows.len();
            let store = open(&db).await?;
            let bar = bar(n as u64, "rows");
            let progress = bar.clone();
            let r = store
                .import_epss(
                    &Actor::cli(),
                    &model_version,
                    &score_date,
                    rows.into_iter().inspect(move |_| progress.inc(1)),
                    OffsetDateTime::now_utc(),
                )
                .await
                .map_err(|e| store_error(&path, e));
            bar.finish_and_clear();
            let r = r?;
            rerank(&store).await?;
            store.close().await;
            let what = format!("EPSS model {model_version} of {score_date} ({n} rows)");
            let extra = json!({
                "feed": "epss",
                "model_version": model_version,
                "score_date": score_date,
                "rows": n,
                "skipped": skipped.count,
            });
            if skipped.report() {
                exit = ExitCode::from(2);
            }
            (format, what, r, extra)
        }
        ImportCommand::Cve {
            path,
            strict,
            db,
            format,
        } => {
            let files = json_files(&path)?;
            let bar = bar(files.len() as u64, "files");
            let mut skipped = Skipped::new(&path, "record", "records");
            let mut records = Vec::with_capacity(files.len());
            let mut first_file: HashMap<String, usize> = HashMap::new();
            for (i, file) in files.iter().enumerate() {
                bar.inc(1);
                let record = match read(file)
                    .and_then(|bytes| bulwark_app::feeds::cve_row(&bytes).map_err(|e| bad(file, e)))
                {
                    Ok(r) => r,
                    Err(e) => {
                        bar.suspend(|| skipped.name_whole(e));
                        continue;
                    }
                };
                if let Some(&first) = first_file.get(&record.id) {
                    bar.suspend(|| {
                        skipped.name_whole(format_args!(
                            "{}: {} is also in {}; that copy is kept",
                            file.display(),
                            record.id,
                            files[first].display()
                        ))
                    });
                    continue;
                }
                first_file.insert(record.id.clone(), i);
                records.push(record);
            }
            bar.finish_and_clear();
            skipped.settle(strict, records.is_empty())?;
            let n = records.len();
            let store = open(&db).await?;
            let ids: Vec<String> = records.iter().map(|r| r.id.clone()).collect();
            let before = ssvc_points(&store, &ids)
                .await
                .map_err(|e| store_error(&path, e))?;
            let r = store
                .import_cves(&Actor::cli(), records, OffsetDateTime::now_utc())
                .await
                .map_err(|e| store_error(&path, e))?;
            let after = ssvc_points(&store, &ids)
                .await
                .map_err(|e| store_error(&path, e))?;
            let moved: BTreeSet<String> = after
                .iter()
                .filter(|(id, points)| before.get(*id) != Some(*points))
                .map(|(id, _)| id.clone())
                .collect();
            let obligations = reevaluate(&store, &moved, "CVE records imported").await?;
            rerank(&store).await?;
            store.close().await;
            let what = format!("{n} CVE records");
            let extra = json!({"feed": "cve", "records": n, "skipped": skipped.count, "obligations": obligations});
            if skipped.report() {
                exit = ExitCode::from(2);
            }
            (format, what, r, extra)
        }
        ImportCommand::Osv {
            path,
            strict,
            db,
            format,
        } => {
            let read = read_osv(&path)?;
            let refused = read.tally.refused_total();
            if refused > 0 && strict {
                return Err(BadInput(format!(
                    "{}: {refused} broken OSV records (named above); nothing imported (--strict)",
                    path.display()
                ))
                .into());
            }
            if read.records.is_empty() && refused == 0 {
                return Err(BadInput(format!("{}: no OSV records", path.display())).into());
            }
            let distinct = read.records.len();
            let named: BTreeSet<String> = read
                .records
                .iter()
                .flat_map(|r| std::iter::once(&r.id).chain(&r.aliases))
                .map(|n| n.trim().to_ascii_uppercase())
                .collect();
            let store = open(&db).await?;
            let bar = bar(distinct as u64, "records");
            let progress = bar.clone();
            let r = store
                .import_advisories(
                    &Actor::cli(),
                    read.records.into_iter().inspect(move |_| progress.inc(1)),
                    OffsetDateTime::now_utc(),
                )
                .await
                .map_err(|e| store_error(&path, e));
            bar.finish_and_clear();
            let r = r?;
            let obligations = if r.added + r.updated > 0 {
                reevaluate(&store, &named, "OSV advisories imported").await?
            } else {
                None
            };
            store.close().await;
            let tally = &read.tally;
            let mut what = format!("{} OSV records ({distinct} distinct ids)", tally.parsed);
            if r.older > 0 {
                what += &format!(", {} older than the stored copy and kept out", r.older);
            }
            let extra = json!({
                "feed": "osv",
                "files": read.files,
                "records": tally.parsed,
                "distinct": distinct,
                "duplicates": tally.parsed - distinct,
                "withdrawn": read.withdrawn,
                "not_osv": tally.not_osv_total(),
                "skipped": tally.skipped,
                "refused": refused,
                "older": r.older,
                "obligations": obligations,
            });
            if refused > 0 {
                eprintln!(
                    "bulwark: {}: {refused} broken OSV records skipped (named above)",
                    path.display()
                );
                exit = ExitCode::from(2);
            }
            let receipt = ImportReceipt {
                added: r.added,
                updated: r.updated,
                unchanged: r.unchanged,
            };
            (format, what, receipt, extra)
        }
    };
    let seconds = started.elapsed().as_secs_f64();
    match format {
        Format::Json => {
            if let Some(o) = extra.as_object_mut() {
                o.insert("added".into(), receipt.added.into());
                o.insert("updated".into(), receipt.updated.into());
                o.insert("unchanged".into(), receipt.unchanged.into());
                o.insert("changed".into(), receipt.changed().into());
                o.insert("seconds".into(), json!((seconds * 1000.0).round() / 1000.0));
            }
            println!("{}", serde_json::to_string(&extra)?);
        }
        Format::Table => println!("{what}: {} in {seconds:.2} s", summary(&receipt)),
    }
    Ok(exit)
}

/// Re-evaluates the obligations of the systems that may hold these
/// vulnerabilities, and says on standard error what moved.
async fn reevaluate(
    store: &bulwark_store::Store,
    vulns: &BTreeSet<String>,
    reason: &str,
) -> anyhow::Result<Option<bulwark_app::directives::obligations::EvaluationOut>> {
    let out = bulwark_app::directives::after_feed_change(store, vulns, reason)
        .await
        .map_err(|e| anyhow::anyhow!("re-evaluating obligations: {e}"))?;
    if let Some(o) = &out
        && o.systems > 0
    {
        eprintln!(
            "bulwark: obligations of {} systems re-evaluated: {} created, {} revised, {} closed, {} reopened",
            o.systems, o.created, o.revised, o.closed, o.reopened
        );
    }
    Ok(out)
}

/// Computes the priority keys the import changed, so that the first
/// ranking after it does not pay for them.
async fn rerank(store: &bulwark_store::Store) -> anyhow::Result<()> {
    bulwark_app::priorities::refresh_keys(store)
        .await
        .map_err(|e| anyhow::anyhow!("ranking the imported CVEs: {e}"))?;
    Ok(())
}

/// CISA's SSVC points of these CVEs as stored, by id.
async fn ssvc_points(
    store: &bulwark_store::Store,
    ids: &[String],
) -> Result<HashMap<String, [Option<String>; 3]>, StoreError> {
    let mut out = HashMap::new();
    for chunk in ids.chunks(bulwark_store::FACTS_CHUNK) {
        for f in store.vulnerability_facts_of(chunk).await? {
            if let Some(r) = f.record {
                let r = r.record;
                out.insert(
                    f.cve,
                    [
                        r.ssvc_exploitation,
                        r.ssvc_automatable,
                        r.ssvc_technical_impact,
                    ],
                );
            }
        }
    }
    Ok(out)
}

/// The bad records of one import: each named on standard error as it is
/// met, counted, and the import then settled in one of three ways.
struct Skipped<'a> {
    path: &'a Path,
    one: &'static str,
    many: &'static str,
    count: usize,
}

impl<'a> Skipped<'a> {
    fn new(path: &'a Path, one: &'static str, many: &'static str) -> Skipped<'a> {
        Skipped {
            path,
            one,
            many,
            count: 0,
        }
    }

    fn noun(&self) -> &'static str {
        if self.count == 1 { self.one } else { self.many }
    }

    /// A bad record of the file, `what` saying where and why.
    fn name(&mut self, what: impl std::fmt::Display) {
        eprintln!("bulwark: {}: {what}", self.path.display());
        self.count += 1;
    }

    /// A bad record whose message names its own file.
    fn name_whole(&mut self, what: impl std::fmt::Display) {
        eprintln!("bulwark: {what}");
        self.count += 1;
    }

    /// Refuses the import (nothing written) under `--strict` when anything
    /// was bad, or when nothing is left to import.
    fn settle(&self, strict: bool, nothing_left: bool) -> anyhow::Result<()> {
        let (n, noun) = (self.count, self.noun());
        if n > 0 && strict {
            return Err(BadInput(format!(
                "{}: {n} bad {noun} (named above); nothing imported (--strict)",
                self.path.display()
            ))
            .into());
        }
        if n > 0 && nothing_left {
            return Err(BadInput(format!(
                "{}: {n} bad {noun} (named above) and nothing else; nothing imported",
                self.path.display()
            ))
            .into());
        }
        Ok(())
    }

    /// After the import: says how many were skipped; true if any were.
    fn report(&self) -> bool {
        if self.count > 0 {
            eprintln!(
                "bulwark: {}: {} bad {} skipped (named above); the rest is imported",
                self.path.display(),
                self.count,
                self.noun()
            );
        }
        self.count > 0
    }
}

fn summary(r: &ImportReceipt) -> String {
    let tail = if r.changed() {
        ""
    } else {
        " (nothing changed)"
    };
    format!(
        "{} added, {} updated, {} unchanged{tail}",
        r.added, r.updated, r.unchanged
    )
}

fn bad(path: &Path, e: impl std::fmt::Display) -> anyhow::Error {
    BadInput(format!("{}: {e}", path.display())).into()
}

/// Refusals of the store (a duplicate id, an older KEV catalog) are bad
/// input; anything else is a failure.
fn store_error(path: &Path, e: StoreError) -> anyhow::Error {
    match e {
        StoreError::Invalid(_) | StoreError::Conflict(_) => bad(path, e),
        other => anyhow::Error::new(other).context(format!("cannot import {}", path.display())),
    }
}

fn read(path: &Path) -> anyhow::Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| BadInput(format!("{}: {e}", path.display())).into())
}

fn bar(len: u64, unit: &str) -> ProgressBar {
    if len < PROGRESS_FROM as u64 {
        return ProgressBar::hidden();
    }
    ProgressBar::new(len).with_style(style(unit))
}

fn style(unit: &str) -> ProgressStyle {
    ProgressStyle::with_template(&format!(
        "{{pos}}/{{len}} {unit} {{wide_bar}} {{per_sec}}, {{eta}} left"
    ))
    .unwrap_or_else(|_| ProgressStyle::default_bar())
}

/// `path` itself if it is a file, else every `*.json` under it, in path
/// order (so that the same directory imports the same way every time).
fn json_files(path: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let out: Vec<PathBuf> = crate::matching::files(path)
        .map_err(|e| BadInput(format!("{}: {e}", path.display())))?
        .into_iter()
        .filter(|p| !path.is_dir() || p.extension().is_some_and(|e| e == "json"))
        .collect();
    if out.is_empty() {
        return Err(BadInput(format!("{}: no *.json files", path.display())).into());
    }
    Ok(out)
}

/// What `bulwark import osv` read from its source.
struct OsvRead {
    files: usize,
    tally: Tally,
    withdrawn: usize,
    /// One record an id, in the order first met.
    records: Vec<NewAdvisory>,
}

/// Reads every OSV record under `path`, naming each broken one on standard
/// error; of two records with one id keeps the one modified last (`modified`
/// as text, a record without it the oldest; the later one on a tie).
fn read_osv(path: &Path) -> anyhow::Result<OsvRead> {
    let mut tally = Tally::default();
    let mut records: Vec<NewAdvisory> = Vec::new();
    let mut at: HashMap<String, usize> = HashMap::new();
    let mut files = 0usize;
    let bar = ProgressBar::hidden();
    read_osv_source(
        path,
        |n| {
            files = n;
            if n >= PROGRESS_FROM {
                bar.set_style(style("files"));
                bar.set_draw_target(ProgressDrawTarget::stderr());
            }
            bar.set_length(n as u64);
        },
        |name, bytes, read| {
            bar.inc(1);
            if let load::Read::Refused(e) = &read {
                bar.suspend(|| eprintln!("bulwark: {name}: {e}"));
            }
            let Some(advisory) = tally.count(read) else {
                return Ok(());
            };
            let json = OsvFormat::from_file_name(name) == Some(OsvFormat::Json);
            let record = bulwark_app::advisories::advisory_row(advisory, json.then_some(bytes))?;
            match at.get(&record.id) {
                None => {
                    at.insert(record.id.clone(), records.len());
                    records.push(record);
                }
                Some(&i) => {
                    let stored = records[i].modified.as_deref().unwrap_or("");
                    if record.modified.as_deref().unwrap_or("") >= stored {
                        records[i] = record;
                    }
                }
            }
            Ok(())
        },
    )?;
    bar.finish_and_clear();
    let withdrawn = records.iter().filter(|r| r.withdrawn.is_some()).count();
    Ok(OsvRead {
        files,
        tally,
        withdrawn,
        records,
    })
}
