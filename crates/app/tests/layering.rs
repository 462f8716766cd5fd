//! The layering of the workspace, checked rather than only written down
//! (`ARCHITECTURE.md`, "Invariants").
//!
//! Each crate has a rank; a crate may depend only on crates of a lower
//! rank (domain crates also on each other: cargo already refuses cycles).
//! Domain crates (ranks 0 and 1) do no I/O: they depend on no database,
//! HTTP or async runtime crate, and their sources name no file, socket or
//! process API. The dependency graph comes from `cargo metadata`, so a new
//! `[dependencies]` line is seen the moment it is written.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

/// The rank of each workspace crate: foundations, domain, store,
/// application, interfaces, the binary.
const RANKS: &[(&str, u8)] = &[
    ("bulwark-core", 0),
    ("bulwark-versions", 0),
    ("bulwark-authz", 1),
    ("bulwark-frontier", 1),
    ("bulwark-intake", 1),
    ("bulwark-scoring", 1),
    ("bulwark-matching", 1),
    ("bulwark-sbom", 1),
    ("bulwark-directive", 1),
    ("bulwark-distribution", 1),
    ("bulwark-tools", 1),
    ("bulwark-store", 2),
    ("bulwark-app", 3),
    ("bulwark-server", 4),
    ("bulwark-cli", 5),
];

/// The store knows the shared vocabulary and nothing of the domain's
/// rules or the policy.
const STORE_MAY_USE: &[&str] = &["bulwark-core"];

/// Crates that mean I/O: a domain crate depending on one is a layering
/// break.
const IO_CRATES: &[&str] = &[
    "sqlx",
    "axum",
    "tokio",
    "reqwest",
    "hyper",
    "tower",
    "tower-http",
    "mio",
    "socket2",
];

/// Paths in a domain crate's sources that mean I/O.
const IO_PATHS: &[&str] = &[
    "tokio::fs",
    "std::fs",
    "std::net",
    "reqwest",
    "std::process",
];

/// One workspace crate and its normal (not dev, not build) dependencies.
struct Package {
    name: String,
    dependencies: Vec<String>,
    src: Option<std::path::PathBuf>,
}

fn rank(name: &str) -> Option<u8> {
    RANKS.iter().find(|(n, _)| *n == name).map(|(_, r)| *r)
}

/// What breaks the layering among `packages`, one line each.
fn dependency_violations(packages: &[Package]) -> Vec<String> {
    let mut out = Vec::new();
    for p in packages {
        let Some(own) = rank(&p.name) else {
            out.push(format!(
                "{} has no rank: add it to RANKS (and to ARCHITECTURE.md)",
                p.name
            ));
            continue;
        };
        for d in &p.dependencies {
            if let Some(theirs) = rank(d) {
                let allowed = if p.name == "bulwark-store" {
                    STORE_MAY_USE.contains(&d.as_str())
                } else {
                    theirs < own || (own <= 1 && theirs <= 1)
                };
                if !allowed {
                    out.push(format!(
                        "{} (rank {own}) depends on {d} (rank {theirs})",
                        p.name
                    ));
                }
            } else if own <= 1 && IO_CRATES.contains(&d.as_str()) {
                out.push(format!("domain crate {} depends on {d}", p.name));
            }
        }
    }
    out
}

/// Uses of I/O paths in the sources of the domain crates.
fn source_violations(packages: &[Package]) -> Vec<String> {
    let mut out = Vec::new();
    for p in packages {
        if rank(&p.name).is_none_or(|r| r > 1) {
            continue;
        }
        let Some(src) = &p.src else { continue };
        let mut files = Vec::new();
        rust_files(src, &mut files);
        for f in files {
            let text = std::fs::read_to_string(&f).unwrap_or_default();
            for (n, line) in text.lines().enumerate() {
                let code = line.split("//").next().unwrap_or("");
                for path in IO_PATHS {
                    if code.contains(path) {
                        out.push(format!(
                            "{}:{}: domain crate {} uses {path}",
                            f.display(),
                            n + 1,
                            p.name
                        ));
                    }
                }
            }
        }
    }
    out
}

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let path = e.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|x| x == "rs") {
            out.push(path);
        }
    }
}

/// The workspace's crates as `cargo metadata` sees them.
fn workspace() -> Vec<Package> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let output = Command::new(cargo)
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--offline",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo metadata runs");
    assert!(
        output.status.success(),
        "cargo metadata failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let meta: serde_json::Value = serde_json::from_slice(&output.stdout).expect("metadata is JSON");
    meta["packages"]
        .as_array()
        .expect("packages")
        .iter()
        .map(|p| {
            let manifest = Path::new(p["manifest_path"].as_str().expect("manifest path"));
            Package {
                name: p["name"].as_str().expect("name").to_owned(),
                dependencies: p["dependencies"]
                    .as_array()
                    .expect("dependencies")
                    .iter()
                    .filter(|d| d["kind"].is_null())
                    .map(|d| d["name"].as_str().expect("dependency name").to_owned())
                    .collect(),
                src: manifest.parent().map(|d| d.join("src")),
            }
        })
        .collect()
}

#[test]
fn every_crate_depends_only_on_lower_layers() {
    let packages = workspace();
    assert!(
        packages.len() >= RANKS.len(),
        "cargo metadata listed {} crates",
        packages.len()
    );
    let names: BTreeMap<_, _> = packages.iter().map(|p| (p.name.as_str(), ())).collect();
    for (name, _) in RANKS {
        assert!(
            names.contains_key(name),
            "{name} is ranked but not in the workspace"
        );
    }
    let broken = dependency_violations(&packages);
    assert!(broken.is_empty(), "layering broken:\n{}", broken.join("\n"));
}

#[test]
fn domain_crates_do_no_io() {
    let broken = source_violations(&workspace());
    assert!(
        broken.is_empty(),
        "I/O in domain crates:\n{}",
        broken.join("\n")
    );
}

#[test]
fn the_checks_catch_what_they_are_for() {
    let pkg = |name: &str, deps: &[&str]| Package {
        name: name.into(),
        dependencies: deps.iter().map(|d| (*d).to_owned()).collect(),
        src: None,
    };
    let broken = dependency_violations(&[
        pkg("bulwark-core", &["bulwark-store"]),
        pkg("bulwark-scoring", &["sqlx"]),
        pkg("bulwark-store", &["bulwark-authz"]),
        pkg("bulwark-app", &["bulwark-server"]),
        pkg("bulwark-server", &["bulwark-app", "axum"]),
        pkg("bulwark-matching", &["bulwark-versions", "bulwark-core"]),
        pkg("bulwark-new", &[]),
    ]);
    assert_eq!(
        broken,
        [
            "bulwark-core (rank 0) depends on bulwark-store (rank 2)",
            "domain crate bulwark-scoring depends on sqlx",
            "bulwark-store (rank 2) depends on bulwark-authz (rank 1)",
            "bulwark-app (rank 3) depends on bulwark-server (rank 4)",
            "bulwark-new has no rank: add it to RANKS (and to ARCHITECTURE.md)",
        ]
    );
    let dir = std::env::temp_dir().join(format!("bulwark-layering-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("src")).expect("temp dir");
    std::fs::write(
        dir.join("src/lib.rs"),
        "// std::fs in a comment is fine\nuse std::net::TcpStream;\n",
    )
    .expect("write");
    let found = source_violations(&[Package {
        name: "bulwark-intake".into(),
        dependencies: Vec::new(),
        src: Some(dir.join("src")),
    }]);
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].ends_with(":2: domain crate bulwark-intake uses std::net"),
        "{found:?}"
    );
}
