//! The matching engine's figures for issue 7, on the shared advisories.
//!
//! Run (release profile, prints figures, asserts nothing):
//!
//! ```text
//! cargo bench -p bulwark-matching --bench engine
//! ```
//!
//! Advisories: every `.json`/`.yaml`/`.yml` file under
//! `../../../shared/data/advisories/osv` from this crate's directory, or
//! under `$BULWARK_BENCH_OSV`; when the directory is missing the bench says
//! so and exits 0. Files are read into memory first; parse figures are
//! from those bytes.
//!
//! - (a) 1,000,000 distinct component versions made from the real
//!   (ecosystem, package) pairs in the advisories: per package, the
//!   versions its events and `versions` lists name, then nearby synthetic
//!   versions (patch and minor steps around them) valid in its ecosystem,
//!   taken round-robin over packages, deterministically, until a million
//!   distinct purls. Time of `Engine::match_components` over them (target:
//!   < 2 s), hits, and peak resident memory (VmHWM, target: < 1 GiB).
//! - (c) full match (advisory bytes → records → index, purl strings →
//!   components → match) over merely parsing the same inputs (advisory
//!   bytes → records, purl strings → `Purl`): target < 2.
//! - (b) an inventory of 10,000,000 component instances (the million
//!   targets × 10 instances each, held as counts) and one new advisory:
//!   of the twenty real advisories whose packages have the most targets
//!   the one that hits most, and the one naming the most packages; median
//!   of 21 runs of
//!   `Inventory::affected_by` (target: < 10 ms), next to a scan of all
//!   targets with `advisory_affects`.
//!
//! Each figure is also given in CPU seconds of this process: on a shared
//! machine wall time alone misleads. Figures measured so far, with the
//! date and the machine's load: `crates/matching/README.md`.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use bulwark_matching::ecosystem::PackageKey;
use bulwark_matching::load::{Tally, read};
use bulwark_matching::{
    Advisory, Component, Engine, Event, Finding, Index, Inventory, advisory_affects,
};
use bulwark_versions::{Ecosystem, Purl, Version};

const COMPONENTS: usize = 1_000_000;
const INSTANCES_EACH: u64 = 10;
const RUNS_B: usize = 21;

fn main() {
    let dir = std::env::var_os("BULWARK_BENCH_OSV")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/advisories/osv")
        });
    if !dir.is_dir() {
        println!(
            "no advisories at {} (set BULWARK_BENCH_OSV): nothing to measure",
            dir.display()
        );
        return;
    }
    println!("advisories: {}", dir.display());

    // ---- read + parse + index ----
    let (t0, c0) = (Instant::now(), cpu_secs());
    let mut files = Vec::new();
    walk(&dir, &mut files);
    files.sort();
    let bytes: Vec<(String, Vec<u8>)> = files
        .iter()
        .filter_map(|p| Some((p.file_name()?.to_str()?.to_owned(), std::fs::read(p).ok()?)))
        .collect();
    let read_time = t0.elapsed();
    let (advisories, tally) = parse_all(&bytes);
    let parse_time = t0.elapsed();
    let cpu = cpu_secs() - c0;
    let (purls, per_package) = make_purls(&advisories, COMPONENTS);
    let news = pick_new(&advisories, &per_package);
    let packages = per_package.len();
    drop(per_package);
    let (t, c) = (Instant::now(), cpu_secs());
    // Moved in: the records are held once.
    let index = Index::from_advisories(advisories);
    let total = parse_time + t.elapsed();
    println!(
        "read {} files ({:.1} MB) in {}; parsed {} records ({} not OSV, {} refused), index of {} live ({} withdrawn): read+parse+index {} ({:.2} s CPU)",
        bytes.len(),
        bytes.iter().map(|(_, b)| b.len()).sum::<usize>() as f64 / 1e6,
        ms(read_time),
        tally.parsed,
        tally.not_osv_total(),
        tally.refused_total(),
        index.len(),
        index.withdrawn(),
        ms(total),
        cpu + cpu_secs() - c,
    );

    // ---- (a) a million distinct component versions ----
    println!(
        "(a) {} distinct purls from {} packages, e.g. {}",
        purls.len(),
        packages,
        purls
            .iter()
            .step_by(250_000)
            .cloned()
            .collect::<Vec<_>>()
            .join(" ")
    );
    let components: Vec<Component> = purls
        .iter()
        .map(|p| Component::parse(p).expect("made purls parse"))
        .collect();
    drop(purls);
    let engine = Engine::new(index);
    println!(
        "(a) before the match: resident {}, peak so far {} (the inputs: records, index, components)",
        resident(),
        peak()
    );
    let (t, c) = (Instant::now(), cpu_secs());
    let report = engine.match_components(&components);
    let match_time = t.elapsed();
    let match_cpu = cpu_secs() - c;
    println!(
        "(a) match_components: {} components → {} targets, {} hits, {} indeterminate, {} unsupported in {} ({:.2} s CPU); peak memory {}",
        components.len(),
        report.targets.len(),
        report.hits.len(),
        report.indeterminate.len(),
        report.unsupported.len(),
        ms(match_time),
        match_cpu,
        peak(),
    );
    // The work (a) had: (target, entry) pairs evaluated.
    let pairs: usize = report
        .targets
        .iter()
        .map(|t| {
            t.names
                .iter()
                .map(|n| {
                    engine
                        .index()
                        .entries_of(&t.ecosystem, n, t.release.as_deref())
                        .count()
                })
                .sum::<usize>()
        })
        .sum();
    println!("(a) {pairs} (target, affected entry) pairs evaluated");
    let targets = report.targets.clone();
    drop(report);
    drop(engine);
    let purls: Vec<String> = components.into_iter().map(|c| c.purl).collect();

    // ---- (c) full match over parse only ----
    let (t, c) = (Instant::now(), cpu_secs());
    let (parsed, _) = parse_all(&bytes);
    let parsed_purls: Vec<Purl> = purls
        .iter()
        .map(|p| Purl::parse_lenient(p).expect("parses"))
        .collect();
    let parse_only = t.elapsed();
    let parse_cpu = cpu_secs() - c;
    black_box((&parsed, &parsed_purls));
    drop((parsed, parsed_purls));
    let (t, c) = (Instant::now(), cpu_secs());
    let (parsed, _) = parse_all(&bytes);
    let engine = Engine::new(Index::from_advisories(parsed));
    let components: Vec<Component> = purls
        .iter()
        .map(|p| Component::parse(p).expect("parses"))
        .collect();
    let report = engine.match_components(&components);
    let full = t.elapsed();
    let full_cpu = cpu_secs() - c;
    black_box(&report);
    println!(
        "(c) parse only {} ({:.2} s CPU); parse + index + match {} ({:.2} s CPU); ratio {:.2} (CPU {:.2})",
        ms(parse_only),
        parse_cpu,
        ms(full),
        full_cpu,
        full.as_secs_f64() / parse_only.as_secs_f64(),
        full_cpu / parse_cpu,
    );
    drop((report, components, engine));

    // ---- (b) one new advisory against ten million instances ----
    let t = Instant::now();
    let mut inventory = Inventory::new();
    for target in targets {
        inventory.add(target, INSTANCES_EACH);
    }
    println!(
        "(b) inventory: {} targets, {} instances, built in {}; peak memory {}",
        inventory.targets().len(),
        inventory.total_instances(),
        ms(t.elapsed()),
        peak(),
    );
    let (popular, broad) = news;
    let popular = popular.into_iter().max_by_key(|a| {
        let hits = summarise(&inventory.affected_by(a), &inventory).0;
        (hits, std::cmp::Reverse(a.id.clone()))
    });
    let news = [("popular package", popular), ("most packages", broad)]
        .into_iter()
        .filter_map(|(l, a)| Some((l, a?)));
    for (label, advisory) in news {
        let mut times = Vec::with_capacity(RUNS_B);
        let mut found = Vec::new();
        for _ in 0..RUNS_B {
            let t = Instant::now();
            found = black_box(inventory.affected_by(&advisory));
            times.push(t.elapsed());
        }
        times.sort();
        let (hits, instances) = summarise(&found, &inventory);
        let t = Instant::now();
        let scan = advisory_affects(&advisory, inventory.targets());
        let scan_time = t.elapsed();
        assert_eq!(scan, found, "the inventory and a scan disagree");
        println!(
            "(b) {label} {} ({} entries, {} packages): {} targets hit, {} indeterminate, {} instances; median {} (min {}, max {}) over {RUNS_B} runs; scan of all targets {}",
            advisory.id,
            advisory.affected.len(),
            packages_of(&advisory).len(),
            hits,
            found.len() - hits,
            instances,
            ms(times[RUNS_B / 2]),
            ms(times[0]),
            ms(times[RUNS_B - 1]),
            ms(scan_time),
        );
    }
    println!("peak memory {}", peak());
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

fn parse_all(bytes: &[(String, Vec<u8>)]) -> (Vec<Advisory>, Tally) {
    let mut tally = Tally::default();
    let advisories = bytes
        .iter()
        .filter_map(|(name, b)| tally.count(read(name, b)))
        .collect();
    (advisories, tally)
}

fn packages_of(a: &Advisory) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = a
        .affected
        .iter()
        .filter_map(|x| x.package.as_ref())
        .map(|p| (p.ecosystem.clone(), p.name.clone()))
        .collect();
    out.sort();
    out.dedup();
    out
}

/// The purl of `name`@`version` in the OSV ecosystem `ecosystem`, for the
/// ecosystems a purl can name; `None` otherwise.
fn purl_for(ecosystem: &str, name: &str, version: &str) -> Option<String> {
    let (eco, release) = match ecosystem.split_once(':') {
        Some((e, r)) => (e, Some(r)),
        None => (ecosystem, None),
    };
    let enc = |s: &str| -> String {
        let mut out = String::with_capacity(s.len());
        for b in s.bytes() {
            if b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b'~') {
                out.push(b as char);
            } else {
                out.push_str(&format!("%{b:02X}"));
            }
        }
        out
    };
    let split_last = |sep: char| -> (Option<&str>, &str) {
        match name.rsplit_once(sep) {
            Some((ns, n)) => (Some(ns), n),
            None => (None, name),
        }
    };
    let (ty, ns, n, qualifiers): (&str, Option<String>, &str, String) = match eco {
        "npm" => {
            let (ns, n) = split_last('/');
            ("npm", ns.map(enc), n, String::new())
        }
        "PyPI" => ("pypi", None, name, String::new()),
        "crates.io" => ("cargo", None, name, String::new()),
        "RubyGems" => ("gem", None, name, String::new()),
        "NuGet" => ("nuget", None, name, String::new()),
        "Hex" => ("hex", None, name, String::new()),
        "Pub" => ("pub", None, name, String::new()),
        "Maven" => {
            let (g, a) = name.split_once(':')?;
            ("maven", Some(enc(g)), a, String::new())
        }
        "Go" => {
            let (ns, n) = split_last('/');
            let ns = ns.map(|ns| ns.split('/').map(enc).collect::<Vec<_>>().join("/"));
            ("golang", ns, n, String::new())
        }
        "Packagist" => {
            let (ns, n) = split_last('/');
            ("composer", ns.map(enc), n, String::new())
        }
        "Debian" | "Ubuntu" | "Alpine" => {
            let (ty, ns, prefix) = match eco {
                "Debian" => ("deb", "debian", "debian-"),
                "Ubuntu" => ("deb", "ubuntu", "ubuntu-"),
                _ => ("apk", "alpine", "alpine-"),
            };
            let q = release
                .map(|r| format!("?distro={prefix}{}", enc(r.trim_start_matches('v'))))
                .unwrap_or_default();
            (ty, Some(ns.to_owned()), name, q)
        }
        _ => return None,
    };
    if n.is_empty() {
        return None;
    }
    let mut s = format!("pkg:{ty}/");
    if let Some(ns) = ns {
        s.push_str(&ns);
        s.push('/');
    }
    s.push_str(&enc(n));
    s.push('@');
    s.push_str(&enc(version));
    s.push_str(&qualifiers);
    Some(s)
}

/// Nearby versions of `v` (its first three numbers stepped), in the
/// ecosystem's usual shape; the caller keeps those the ecosystem accepts.
fn nearby(eco: &str, v: &str, k: u64) -> String {
    let digits: Vec<u64> = v
        .trim_start_matches('v')
        .split(|c: char| !c.is_ascii_digit())
        .take(3)
        .map(|s| s.parse().unwrap_or(0))
        .chain([0, 0, 0])
        .take(3)
        .collect();
    let (major, minor, patch) = (digits[0], digits[1], digits[2]);
    // k = 1, 2, 3, …: patch +1, minor +1, patch +2, minor +2, …; every
    // fifth a step down where there is room.
    let step = k.div_ceil(2);
    let (minor, patch) = match (k.is_multiple_of(5), k % 2) {
        (true, _) if patch >= step => (minor, patch - step),
        (_, 1) => (minor, patch + step),
        _ => (minor + step, patch),
    };
    let base = format!("{major}.{minor}.{patch}");
    match eco {
        "Go" => format!("v{base}"),
        "Debian" | "Ubuntu" => format!("{base}-1"),
        "Alpine" => format!("{base}-r0"),
        _ => base,
    }
}

/// The purls, and how many each package (key) got.
fn make_purls(advisories: &[Advisory], want: usize) -> (Vec<String>, HashMap<PackageKey, usize>) {
    // (ecosystem with release, name) → versions named, in first-seen order.
    let mut packages: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    for a in advisories {
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
                if !list.iter().any(|l| l == v) {
                    list.push(v.to_owned());
                }
            }
        }
    }
    type Package = ((String, String), Vec<String>, Option<Ecosystem>);
    let packages: Vec<Package> = packages
        .into_iter()
        .filter(|((e, n), _)| purl_for(e, n, "1").is_some())
        .map(|((e, n), mut v)| {
            if v.is_empty() {
                v.push("1.0.0".to_owned());
            }
            let eco = Ecosystem::from_osv(&e).ok();
            ((e, n), v, eco)
        })
        .collect();
    let mut seen = HashSet::with_capacity(want);
    let mut out = Vec::with_capacity(want);
    let mut counts: HashMap<PackageKey, usize> = HashMap::new();
    let mut round = 0u64;
    while out.len() < want && round < 100_000 {
        for ((e, n), versions, eco) in &packages {
            if out.len() == want {
                break;
            }
            let r = round as usize;
            let v = if r < versions.len() {
                versions[r].clone()
            } else {
                let k = (r - versions.len()) as u64;
                let base = &versions[(k as usize) % versions.len()];
                nearby(
                    e.split(':').next().unwrap_or(e),
                    base,
                    k / versions.len() as u64 + 1,
                )
            };
            if let Some(eco) = eco
                && Version::parse(*eco, &v).is_err()
            {
                continue;
            }
            let Some(p) = purl_for(e, n, &v) else {
                continue;
            };
            if seen.insert(p.clone()) {
                out.push(p);
                *counts.entry(PackageKey::new(e, n)).or_default() += 1;
            }
        }
        round += 1;
    }
    (out, counts)
}

/// The real advisories to offer as new: the twenty whose packages got the
/// most components (the bench takes the one of them that hits most), and
/// the one naming the most packages.
fn pick_new(
    advisories: &[Advisory],
    per_package: &HashMap<PackageKey, usize>,
) -> (Vec<Advisory>, Option<Advisory>) {
    let live = advisories.iter().filter(|a| !a.is_withdrawn());
    let mut popular: Vec<(usize, &Advisory)> = live
        .clone()
        .map(|a| {
            let best = packages_of(a)
                .iter()
                .map(|(e, n)| {
                    per_package
                        .get(&PackageKey::new(e, n))
                        .copied()
                        .unwrap_or(0)
                })
                .max()
                .unwrap_or(0);
            (best, a)
        })
        .collect();
    popular.sort_by(|x, y| y.0.cmp(&x.0).then_with(|| x.1.id.cmp(&y.1.id)));
    let broad = live
        .max_by_key(|a| (packages_of(a).len(), std::cmp::Reverse(a.id.clone())))
        .cloned();
    (
        popular.iter().take(20).map(|(_, a)| (*a).clone()).collect(),
        broad,
    )
}

fn summarise(found: &[Finding], inventory: &Inventory) -> (usize, u64) {
    let mut hits = 0;
    let mut instances = 0;
    for f in found {
        if let Finding::Hit { target, .. } = f {
            hits += 1;
            instances += inventory.instances(*target);
        }
    }
    (hits, instances)
}

fn ms(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s >= 1.0 {
        format!("{s:.2} s")
    } else if s >= 0.01 {
        format!("{:.1} ms", s * 1e3)
    } else {
        format!("{:.3} ms", s * 1e3)
    }
}

/// CPU seconds used by this process so far, all threads (Linux).
fn cpu_secs() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return 0.0;
    };
    let Some(rest) = stat.rsplit_once(')').map(|(_, r)| r) else {
        return 0.0;
    };
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|s| s.parse::<f64>().ok()).unwrap_or(0.0);
    // utime and stime are fields 14 and 15; after the `)` they are 12 and 13.
    (ticks(11) + ticks(12)) / 100.0
}

/// Peak resident memory (VmHWM, Linux).
fn peak() -> String {
    status_mib("VmHWM:")
}

fn resident() -> String {
    status_mib("VmRSS:")
}

/// A memory figure of this process from `/proc/self/status`.
fn status_mib(field: &str) -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            let line = s.lines().find(|l| l.starts_with(field))?;
            let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
            Some(format!("{:.0} MiB", kb / 1024.0))
        })
        .unwrap_or_else(|| "unknown".to_owned())
}
