//! `bulwark match --advisories DIR --sbom PATH…`: which components of which
//! SBOMs the OSV advisories affect, offline.
//!
//! Advisories come from a directory (walked recursively; files read and
//! parsed over every core), one file, or a zip archive (as osv.dev
//! publishes them per ecosystem); or from a compiled index file (`--index`,
//! written by `bulwark advisories compile`, loaded without parsing) or the
//! compiled records of a Bulwark database (`--database`). SBOMs come from
//! files or directories. Components of every SBOM go to the engine together, so a
//! package at a version that many SBOMs hold is evaluated once.
//!
//! Output: one line per (component, advisory) hit, in SBOM order, then
//! component order, then advisory id. Components an advisory names but
//! whose version cannot be decided (no version, a version the ecosystem
//! refuses) are counted on standard error and, with `--indeterminate`,
//! printed too. A file named on the command line that is not an SBOM, or a
//! broken SBOM met anywhere, makes the exit code 2 once everything else is
//! printed; files a directory walk meets that are not SBOMs at all are only
//! noted on standard error.

use std::collections::HashSet;
use std::io::{BufWriter, Read as _, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use bulwark_matching::engine::{Component, Engine};
use bulwark_matching::index::Index;
use bulwark_matching::load::{self, Tally};
use bulwark_matching::parallel::map_in_order;

use bulwark_sbom::{Sbom, SbomError};
use serde_json::json;

use crate::{BadInput, Format};

#[derive(clap::Args)]
#[command(group(clap::ArgGroup::new("source").required(true).args(["advisories", "index", "database"])))]
pub struct MatchArgs {
    /// OSV advisories: a directory (walked recursively for .json, .yaml and
    /// .yml files), one such file, or a .zip archive of them; repeatable.
    #[arg(long)]
    advisories: Vec<PathBuf>,
    /// A compiled advisory index (`bulwark advisories compile`): loads in
    /// milliseconds, matches exactly as the records it was compiled from.
    #[arg(long, conflicts_with_all = ["advisories", "database"])]
    index: Option<PathBuf>,
    /// The advisories a Bulwark database holds (their compiled forms):
    /// SQLite file path (or sqlite://PATH) or postgres://… URL.
    #[arg(long, conflicts_with = "advisories")]
    database: Option<String>,
    /// An SBOM (CycloneDX JSON or XML, SPDX JSON or tag-value) or a
    /// directory of them; repeatable.
    #[arg(long, required = true)]
    sbom: Vec<PathBuf>,
    /// Print the components whose version cannot be decided as well.
    #[arg(long)]
    indeterminate: bool,
    /// Output: a readable table, or one JSON object per line.
    #[arg(long, value_enum, ignore_case = true, default_value = "table")]
    format: Format,
}

/// Files below `path` in name order (a file is itself), so that output is
/// the same from run to run. `bulwark import` walks with it too.
pub(crate) fn files(path: &Path) -> std::io::Result<Vec<PathBuf>> {
    if !path.is_dir() {
        return Ok(vec![path.to_owned()]);
    }
    let mut out = Vec::new();
    let mut entries: Vec<PathBuf> = std::fs::read_dir(path)?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()?;
    entries.sort();
    for e in entries {
        if e.is_dir() {
            out.extend(files(&e)?);
        } else {
            out.push(e);
        }
    }
    Ok(out)
}

/// Hands every entry of a .zip archive of advisories (as osv.dev publishes
/// them) to `each`, in archive order, named `ARCHIVE:ENTRY`, with its
/// bytes; `total` is told the number of entries first.
fn zip_entries(
    path: &Path,
    total: impl FnOnce(usize),
    mut each: impl FnMut(String, Vec<u8>) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let shown = path.display();
    let file = std::fs::File::open(path).map_err(|e| BadInput(format!("{shown}: {e}")))?;
    let mut zip = zip::ZipArchive::new(std::io::BufReader::new(file))
        .map_err(|e| BadInput(format!("{shown}: not a zip archive: {e}")))?;
    total(zip.len());
    for i in 0..zip.len() {
        let mut entry = zip
            .by_index(i)
            .map_err(|e| BadInput(format!("{shown}: entry {i}: {e}")))?;
        if entry.is_dir() {
            continue;
        }
        let name = entry
            .name()
            .map_err(|e| BadInput(format!("{shown}: entry {i}: {e}")))?
            .into_owned();
        let mut bytes = Vec::with_capacity(usize::try_from(entry.size()).unwrap_or(0));
        entry
            .read_to_end(&mut bytes)
            .map_err(|e| BadInput(format!("{shown}: {name}: {e}")))?;
        each(format!("{shown}:{name}"), bytes)?;
    }
    Ok(())
}

/// Files read from a source at once and parsed over the cores.
const BATCH: usize = 1024;

/// Hands every file of an advisory source to `each`, with a name to show,
/// its bytes, and what [`load::read`] made of it (which files are OSV
/// records is its decision, by the name's extension): a directory's files
/// (walked recursively, in name order), one file, or a .zip archive's
/// entries (in archive order, shown as `ARCHIVE:ENTRY`). `total` is told
/// the number of files first. A batch of files at a time is read and
/// parsed over every core (a zip archive's entries are inflated in order,
/// then parsed over the cores), then handed to `each` in the walk's order, so that what the caller does with them (and so its
/// output) does not depend on the number of cores. Shared by `bulwark
/// match`, `bulwark advisories compile` and `bulwark import osv`.
pub(crate) fn read_osv_source(
    path: &Path,
    total: impl FnOnce(usize),
    mut each: impl FnMut(&str, &[u8], load::Read) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let is_zip = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("zip"));
    if !is_zip {
        let shown = path.display();
        let all = files(path).map_err(|e| BadInput(format!("{shown}: {e}")))?;
        total(all.len());
        for batch in all.chunks(BATCH) {
            let read = map_in_order(batch, 16, |f| {
                let name = f.to_string_lossy().into_owned();
                std::fs::read(f)
                    .map(|bytes| {
                        let read = load::read(&name, &bytes);
                        (name, bytes, read)
                    })
                    .map_err(|e| format!("{}: {e}", f.display()))
            });
            for r in read {
                let (name, bytes, read) = r.map_err(BadInput)?;
                each(&name, &bytes, read)?;
            }
        }
        return Ok(());
    }
    let mut batch: Vec<(String, Vec<u8>)> = Vec::with_capacity(BATCH);
    let mut flush = |batch: &mut Vec<(String, Vec<u8>)>| -> anyhow::Result<()> {
        let reads = map_in_order(batch, 16, |(n, b)| load::read(n, b));
        for ((name, bytes), read) in batch.drain(..).zip(reads) {
            each(&name, &bytes, read)?;
        }
        Ok(())
    };
    zip_entries(path, total, |name, bytes| {
        batch.push((name, bytes));
        if batch.len() >= BATCH {
            flush(&mut batch)?;
        }
        Ok(())
    })?;
    flush(&mut batch)
}

/// Reads every advisory under `path` into `index`.
pub(crate) fn load_advisories(
    path: &Path,
    index: &mut Index,
    tally: &mut Tally,
) -> anyhow::Result<()> {
    read_osv_source(
        path,
        |_| {},
        |_, _, read| {
            if let Some(a) = tally.count(read) {
                index.insert(a);
            }
            Ok(())
        },
    )
}

/// Reads a compiled index file.
pub(crate) fn read_index(path: &Path) -> anyhow::Result<Index> {
    let shown = path.display();
    let bytes = std::fs::read(path).map_err(|e| BadInput(format!("{shown}: {e}")))?;
    Ok(Index::from_file(bytes).map_err(|e| BadInput(format!("{shown}: {e}")))?)
}

/// Whether an SBOM refusal is "this file is no SBOM" (a directory walk
/// meets many such files) rather than "this SBOM is broken".
fn not_an_sbom(e: &SbomError) -> bool {
    matches!(
        e,
        SbomError::NotSbom(_) | SbomError::Unsupported(_) | SbomError::Compressed(_)
    )
}

pub async fn run(args: MatchArgs) -> anyhow::Result<ExitCode> {
    let started = std::time::Instant::now();
    let index = if let Some(path) = &args.index {
        let index = read_index(path)?;
        eprintln!(
            "advisories: {} from the compiled index {} in {:.1} ms",
            index.len(),
            path.display(),
            started.elapsed().as_secs_f64() * 1e3
        );
        index
    } else if let Some(database) = &args.database {
        let store = crate::open(&crate::DbArgs {
            database: database.clone(),
        })
        .await?;
        let (index, unreadable) = bulwark_app::advisories::index_from_store(&store).await?;
        store.close().await;
        eprintln!(
            "advisories: {} from the database, {unreadable} stored records unreadable",
            index.len()
        );
        index
    } else {
        let mut index = Index::new();
        let mut tally = Tally::default();
        for a in &args.advisories {
            load_advisories(a, &mut index, &mut tally)?;
        }
        eprintln!(
            "advisories: {} read, {} not OSV records, {} refused, {} withdrawn, in {:.1} ms",
            tally.parsed,
            tally.not_osv_total(),
            tally.refused_total(),
            index.withdrawn(),
            started.elapsed().as_secs_f64() * 1e3
        );
        index
    };

    // Every SBOM's matchable components, with where each came from.
    let mut failed = false;
    let mut sboms: Vec<String> = Vec::new();
    let mut components: Vec<Component> = Vec::new();
    let mut owner: Vec<usize> = Vec::new();
    // The SBOM component (counted across SBOMs) each looked-up purl is of:
    // a package with several purls is one component, reported once.
    let mut package_of: Vec<usize> = Vec::new();
    let mut packages = 0usize;
    let mut unmatchable = 0usize;
    for root in &args.sbom {
        let named = !root.is_dir();
        let all = files(root).map_err(|e| BadInput(format!("{}: {e}", root.display())))?;
        for f in all {
            let shown = f.display().to_string();
            let bytes = match std::fs::read(&f) {
                Ok(b) => b,
                Err(e) => {
                    eprintln!("{shown}: {e}");
                    failed = true;
                    continue;
                }
            };
            let sbom = match Sbom::parse(&bytes) {
                Ok(s) => s,
                Err(e) => {
                    if named || !not_an_sbom(&e) {
                        eprintln!("{shown}: refused: {e}");
                        failed = true;
                    } else {
                        eprintln!("{shown}: skipped: {e}");
                    }
                    continue;
                }
            };
            let at = sboms.len();
            sboms.push(shown);
            unmatchable += sbom.unmatchable.len();
            for c in &sbom.components {
                for purl in c.purls() {
                    // The first purl as written; the others as parsed.
                    let written = c.purl.clone().filter(|_| c.parsed.as_ref() == Some(purl));
                    components.push(Component {
                        purl: written.unwrap_or_else(|| purl.to_string()),
                        parsed: purl.clone(),
                    });
                    owner.push(at);
                    package_of.push(packages);
                }
                packages += usize::from(c.parsed.is_some() || !c.other_parsed.is_empty());
            }
        }
    }

    let engine = Engine::new(index);
    let report = engine.match_components(&components);

    // (component, line) pairs, sorted by component so that output follows
    // the SBOMs' order.
    let mut lines: Vec<(usize, serde_json::Value)> = Vec::new();
    // Each (package, advisory) once, under the first of its purls that hit.
    let mut reported: HashSet<(usize, &str)> = HashSet::new();
    let mut affected = 0usize;
    for h in &report.hits {
        for &c in h.components.iter() {
            if !reported.insert((package_of[c], &*h.advisory_id)) {
                continue;
            }
            affected += 1;
            lines.push((
                c,
                json!({
                    "sbom": sboms[owner[c]],
                    "purl": components[c].purl,
                    "advisory": &*h.advisory_id,
                    "aliases": &*h.aliases,
                    "why": h.why.to_string(),
                }),
            ));
        }
    }
    let mut undecided = 0usize;
    for i in &report.indeterminate {
        for &c in i.components.iter() {
            if !reported.insert((package_of[c], &*i.advisory_id)) {
                continue;
            }
            undecided += 1;
            if args.indeterminate {
                lines.push((
                    c,
                    json!({
                        "sbom": sboms[owner[c]],
                        "purl": components[c].purl,
                        "advisory": &*i.advisory_id,
                        "indeterminate": i.reason,
                    }),
                ));
            }
        }
    }
    // Within a component, hits before indeterminate lines, each by
    // advisory id: the same lines in the same order whether the advisories
    // came from files (in path order), an index file or a database (in id
    // order).
    lines.sort_by(|(a, x), (b, y)| {
        let key = |v: &serde_json::Value| {
            (
                v["indeterminate"].is_string(),
                v["advisory"].as_str().map(str::to_owned),
            )
        };
        a.cmp(b).then_with(|| key(x).cmp(&key(y)))
    });

    let out = std::io::stdout();
    let mut out = BufWriter::new(out.lock());
    for (_, v) in &lines {
        match args.format {
            Format::Json => writeln!(out, "{v}")?,
            Format::Table => {
                let s = |k: &str| v[k].as_str().unwrap_or("").to_owned();
                let what = if v["indeterminate"].is_string() {
                    format!("indeterminate: {}", s("indeterminate"))
                } else {
                    s("why")
                };
                writeln!(
                    out,
                    "{}\t{}\t{}\t{}",
                    s("sbom"),
                    s("purl"),
                    s("advisory"),
                    what
                )?;
            }
        }
    }
    out.flush()?;
    eprintln!(
        "{} SBOMs, {} components ({} distinct package versions), {} affected (component, advisory) pairs; \
         {} indeterminate, {} components without a usable purl, {} of a type no OSV ecosystem covers",
        sboms.len(),
        packages,
        report.targets.len(),
        affected,
        undecided,
        unmatchable,
        report.unsupported.len(),
    );
    // The process ends here: freeing the index's millions of allocations
    // one by one would only add to the wall time (a tenth of it with the
    // whole OSV database).
    std::mem::forget(engine);
    Ok(if failed {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    })
}
