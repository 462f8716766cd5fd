//! How package names and OSV ecosystems are keyed, and how a package URL
//! maps onto them.
//!
//! ## Ecosystem keys
//!
//! An OSV ecosystem string is split at its first `:` into the ecosystem and
//! a release (`Debian:12` → `Debian` + `12`; `Red Hat:enterprise_linux:9` →
//! `Red Hat` + `enterprise_linux:9`). Ecosystems Bulwark can order
//! ([`Ecosystem::from_osv`]) are keyed by OSV's spelling; any other is keyed
//! by its name in lower case, so `Hackage` and `hackage` are one key.
//!
//! ## Releases
//!
//! A release is reduced to its numbers (`v3.18` → 3.18, `22.04:LTS` →
//! 22.4, `enterprise_linux:9::appstream` → 9); Debian and Ubuntu code names
//! stand for their numbers (`bookworm` → 12, `jammy` → 22.04). An
//! advisory's release and a component's release match when one list of
//! numbers begins with the other (`Alpine:v3.18` matches `alpine-3.18.4`,
//! `Debian:11` does not match `debian-12`). When either side names no
//! release, or one without numbers (`openSUSE:Tumbleweed`), they match:
//! a component that does not say its distribution is checked against every
//! release's advisories, since a missed vulnerability costs more than a
//! finding to dismiss.
//!
//! ## Names
//!
//! | ecosystem | rule | why |
//! |---|---|---|
//! | PyPI | PEP 503: lower case, runs of `-`, `_`, `.` → `-` | the index treats them as one project |
//! | npm, crates.io, NuGet, Packagist, Hex, Pub, Debian, Ubuntu | lower case | the registries ignore case (npm and the purl spec lower-case names; crates.io refuses names differing only in case but keeps `-` and `_` distinct) |
//! | Go | lower case | Go module paths are case-sensitive, but the purl spec lower-cases a `golang` namespace, so a purl cannot carry the case |
//! | Maven | `group:artifact`, case kept | Maven coordinates are case-sensitive |
//! | RubyGems, Alpine, rpm-based, others | as written | case-sensitive package names |

use bulwark_versions::{Ecosystem, Purl, pep503};
use thiserror::Error;

/// An OSV ecosystem key and a normalised package name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PackageKey {
    pub ecosystem: String,
    pub name: String,
}

impl PackageKey {
    /// The key for `name` in the OSV ecosystem string `ecosystem` (its
    /// release, if any, is dropped; see [`split_ecosystem`]).
    pub fn new(ecosystem: &str, name: &str) -> PackageKey {
        let (eco, _) = split_ecosystem(ecosystem);
        let name = normalize_name(&eco, name);
        PackageKey {
            ecosystem: eco,
            name,
        }
    }
}

/// Splits an OSV ecosystem string into its key and its release.
pub fn split_ecosystem(osv: &str) -> (String, Option<String>) {
    let (name, release) = match osv.split_once(':') {
        Some((n, r)) => (n.trim(), Some(r.trim()).filter(|r| !r.is_empty())),
        None => (osv.trim(), None),
    };
    let key = match Ecosystem::from_osv(name) {
        Ok(e) => e.name().to_owned(),
        Err(_) => name.to_lowercase(),
    };
    (key, release.map(str::to_owned))
}

/// Normalises `name` under the rules of the ecosystem key `ecosystem`.
pub fn normalize_name(ecosystem: &str, name: &str) -> String {
    let name = name.trim();
    match ecosystem {
        "PyPI" => pep503(name),
        "npm" | "crates.io" | "NuGet" | "Packagist" | "Hex" | "Pub" | "Debian" | "Ubuntu"
        | "Go" => name.to_lowercase(),
        _ => name.to_owned(),
    }
}

/// Whether an advisory's release and a component's release can be the
/// same distribution release (module documentation: "Releases").
pub fn release_matches(advisory: Option<&str>, component: Option<&str>) -> bool {
    let (Some(a), Some(c)) = (advisory, component) else {
        return true;
    };
    let (a, c) = (release_numbers(a), release_numbers(c));
    if a.is_empty() || c.is_empty() {
        return true;
    }
    let n = a.len().min(c.len());
    a[..n] == c[..n]
}

/// Debian's and Ubuntu's code names, for `distro=bookworm` and the like.
const CODE_NAMES: &[(&str, &[u64])] = &[
    ("buster", &[10]),
    ("bullseye", &[11]),
    ("bookworm", &[12]),
    ("trixie", &[13]),
    ("forky", &[14]),
    ("stretch", &[9]),
    ("jessie", &[8]),
    ("wheezy", &[7]),
    ("trusty", &[14, 4]),
    ("xenial", &[16, 4]),
    ("bionic", &[18, 4]),
    ("focal", &[20, 4]),
    ("jammy", &[22, 4]),
    ("kinetic", &[22, 10]),
    ("lunar", &[23, 4]),
    ("mantic", &[23, 10]),
    ("noble", &[24, 4]),
    ("oracular", &[24, 10]),
    ("plucky", &[25, 4]),
    ("questing", &[25, 10]),
];

fn release_numbers(release: &str) -> Vec<u64> {
    let lower = release.to_ascii_lowercase();
    for word in lower.split(|c: char| !c.is_ascii_alphabetic()) {
        if let Some((_, nums)) = CODE_NAMES.iter().find(|(n, _)| *n == word) {
            return nums.to_vec();
        }
    }
    lower
        .split(|c: char| !c.is_ascii_digit())
        .filter(|s| !s.is_empty())
        .filter_map(|s| s.parse().ok())
        .collect()
}

/// Why a package URL cannot be looked up in OSV data.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum UnsupportedPurl {
    #[error("no OSV ecosystem for purl type `{0}`")]
    Type(String),
    #[error("no OSV ecosystem for purl type `{ty}` with namespace {namespace:?}")]
    Namespace {
        ty: String,
        namespace: Option<String>,
    },
}

/// What a package URL is looked up as: an ecosystem key, the release the
/// component says it is from, the names it may be listed under, and the
/// version to evaluate.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Target {
    pub ecosystem: String,
    pub release: Option<String>,
    /// Normalised names; more than one only for rpm (binary and source).
    pub names: Vec<String>,
    pub version: Option<String>,
}

/// Maps a package URL onto an OSV ecosystem and package name.
///
/// Distribution packages (`deb`, `apk`, `rpm`): the ecosystem comes from
/// the namespace and the release from the `distro` qualifier. Debian's and
/// Alpine's OSV records name source packages, so the `upstream` qualifier's
/// source name (and its version, `name@version` or `name (version)`, when
/// given) is used in place of the binary one; without `upstream` the binary
/// name is taken to be the source name, as it is for most packages. rpm
/// advisories name binary packages, so an rpm is looked up under both its
/// own name and the source rpm's. An rpm's `epoch` qualifier is prefixed to
/// its version (`1:2.3-4`), as rpm-based OSV records write it.
pub fn target_of(purl: &Purl) -> Result<Target, UnsupportedPurl> {
    let ty = purl.ty();
    let ns = purl.namespace();
    let name = purl.name();
    let joined = |sep: &str| match ns {
        Some(ns) => format!("{ns}{sep}{name}"),
        None => name.to_owned(),
    };
    let unsupported_ns = || UnsupportedPurl::Namespace {
        ty: ty.to_owned(),
        namespace: ns.map(str::to_owned),
    };
    let mut version = purl.version().map(str::to_owned);
    let mut release = None;
    let (ecosystem, names): (&str, Vec<String>) = match ty {
        "npm" => ("npm", vec![joined("/")]),
        "pypi" => ("PyPI", vec![name.to_owned()]),
        "maven" => ("Maven", vec![joined(":")]),
        "cargo" => ("crates.io", vec![name.to_owned()]),
        "golang" => ("Go", vec![joined("/")]),
        "nuget" => ("NuGet", vec![name.to_owned()]),
        "gem" => ("RubyGems", vec![name.to_owned()]),
        "composer" => ("Packagist", vec![joined("/")]),
        "hex" => ("Hex", vec![name.to_owned()]),
        "pub" => ("Pub", vec![name.to_owned()]),
        "swift" => ("SwiftURL", vec![joined("/")]),
        "hackage" => ("Hackage", vec![name.to_owned()]),
        "cran" => ("CRAN", vec![name.to_owned()]),
        "conan" => ("ConanCenter", vec![name.to_owned()]),
        "bitnami" => ("Bitnami", vec![name.to_owned()]),
        "julia" => ("Julia", vec![name.to_owned()]),
        "deb" | "apk" => {
            let eco = match (ty, ns.map(str::to_ascii_lowercase).as_deref()) {
                ("deb", Some("debian")) => "Debian",
                ("deb", Some("ubuntu")) => "Ubuntu",
                ("apk", Some("alpine")) => "Alpine",
                ("apk", Some("wolfi")) => "Wolfi",
                ("apk", Some("chainguard")) => "Chainguard",
                _ => return Err(unsupported_ns()),
            };
            release = purl.qualifier("distro").map(str::to_owned);
            let source = purl.qualifier("upstream").map(split_upstream);
            let name = match source {
                Some((src, src_version)) => {
                    if src_version.is_some() {
                        version = src_version;
                    }
                    src
                }
                None => name.to_owned(),
            };
            (eco, vec![name])
        }
        "rpm" => {
            let eco = match ns.map(str::to_ascii_lowercase).as_deref() {
                Some("redhat") => "Red Hat",
                Some("rocky") | Some("rockylinux") => "Rocky Linux",
                Some("almalinux") | Some("alma") => "AlmaLinux",
                Some("opensuse") => "openSUSE",
                Some("suse") | Some("sles") => "SUSE",
                Some("mageia") => "Mageia",
                Some("openeuler") => "openEuler",
                _ => return Err(unsupported_ns()),
            };
            release = purl.qualifier("distro").map(str::to_owned);
            let mut names = vec![name.to_owned()];
            if let Some(src) = purl.qualifier("upstream").and_then(source_rpm_name) {
                names.push(src);
            }
            if let (Some(epoch), Some(v)) = (purl.qualifier("epoch"), &version)
                && epoch != "0"
                && !v.contains(':')
            {
                version = Some(format!("{epoch}:{v}"));
            }
            (eco, names)
        }
        other => return Err(UnsupportedPurl::Type(other.to_owned())),
    };
    let (ecosystem, _) = split_ecosystem(ecosystem);
    let mut names: Vec<String> = names
        .iter()
        .map(|n| normalize_name(&ecosystem, n))
        .collect();
    names.sort();
    names.dedup();
    Ok(Target {
        ecosystem,
        release,
        names,
        version,
    })
}

/// `openssl`, `openssl@3.0.11-1` or `openssl (3.0.11-1)`.
fn split_upstream(s: &str) -> (String, Option<String>) {
    let s = s.trim();
    if let Some((n, v)) = s.split_once('@') {
        return (n.trim().to_owned(), Some(v.trim().to_owned()));
    }
    if let Some((n, rest)) = s.split_once(" (") {
        let v = rest.trim_end_matches(')').trim();
        return (
            n.trim().to_owned(),
            Some(v.to_owned()).filter(|v| !v.is_empty()),
        );
    }
    (s.to_owned(), None)
}

/// The package name in a source rpm's file name
/// (`openssl-3.0.7-1.el9.src.rpm` → `openssl`), or the name itself.
fn source_rpm_name(s: &str) -> Option<String> {
    let s = s.trim();
    let base = s
        .strip_suffix(".src.rpm")
        .or_else(|| s.strip_suffix(".nosrc.rpm"));
    match base {
        Some(b) => {
            let mut parts = b.rsplitn(3, '-');
            let (_release, _version, name) = (parts.next()?, parts.next()?, parts.next()?);
            Some(name.to_owned()).filter(|n| !n.is_empty())
        }
        None => Some(s.to_owned()).filter(|n| !n.is_empty()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(s: &str) -> Target {
        target_of(&Purl::parse(s).unwrap()).unwrap()
    }

    #[test]
    fn names_normalise_per_ecosystem() {
        assert_eq!(PackageKey::new("PyPI", "Foo__Bar.baz").name, "foo-bar-baz");
        assert_eq!(PackageKey::new("crates.io", "Foo_bar").name, "foo_bar");
        assert_eq!(PackageKey::new("RubyGems", "Rails").name, "Rails");
        assert_eq!(
            PackageKey::new("Maven", "org.Apache:x").name,
            "org.Apache:x"
        );
        assert_eq!(PackageKey::new("Debian:12", "openssl").ecosystem, "Debian");
        assert_eq!(PackageKey::new("pub", "X").ecosystem, "Pub");
        assert_eq!(PackageKey::new("Pub", "X").name, "x");
        assert_eq!(PackageKey::new("hackage", "X").ecosystem, "hackage");
        assert_eq!(PackageKey::new("Hackage", "X").ecosystem, "hackage");
    }

    #[test]
    fn releases() {
        assert!(release_matches(Some("12"), Some("debian-12.5")));
        assert!(!release_matches(Some("11"), Some("debian-12")));
        assert!(release_matches(Some("12"), Some("bookworm")));
        assert!(!release_matches(Some("11"), Some("bookworm")));
        assert!(release_matches(Some("v3.18"), Some("alpine-3.18.4")));
        assert!(!release_matches(Some("v3.1"), Some("alpine-3.18.4")));
        assert!(release_matches(Some("22.04:LTS"), Some("ubuntu-22.04")));
        assert!(release_matches(Some("Pro:22.04:LTS"), Some("jammy")));
        assert!(release_matches(
            Some("enterprise_linux:9::appstream"),
            Some("rhel-9.2")
        ));
        assert!(release_matches(Some("11"), None));
        assert!(release_matches(None, Some("debian-12")));
        assert!(release_matches(Some("Tumbleweed"), Some("opensuse-15.5")));
    }

    #[test]
    fn purls_map_to_osv() {
        let t = target("pkg:pypi/Django_Rest@3.0");
        assert_eq!(
            (t.ecosystem.as_str(), t.names[0].as_str()),
            ("PyPI", "django-rest")
        );
        let t = target("pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1");
        assert_eq!(t.names, ["org.apache.logging.log4j:log4j-core"]);
        let t = target("pkg:npm/%40babel/core@7.0.0");
        assert_eq!(t.names, ["@babel/core"]);
        let t = target("pkg:golang/github.com/BurntSushi/toml@v1.0.0");
        assert_eq!(
            (t.ecosystem.as_str(), t.names[0].as_str()),
            ("Go", "github.com/burntsushi/toml")
        );
        let t = target(
            "pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64&distro=debian-12&upstream=openssl",
        );
        assert_eq!(t.ecosystem, "Debian");
        assert_eq!(t.names, ["openssl"]);
        assert_eq!(t.release.as_deref(), Some("debian-12"));
        assert_eq!(t.version.as_deref(), Some("3.0.11-1~deb12u2"));
        let t = target("pkg:deb/debian/libc6@2.36-9+b1?upstream=glibc%402.36-9");
        assert_eq!(
            (t.names[0].as_str(), t.version.as_deref()),
            ("glibc", Some("2.36-9"))
        );
        let t = target(
            "pkg:rpm/redhat/openssl-libs@3.0.7-16.el9?epoch=1&upstream=openssl-3.0.7-16.el9.src.rpm",
        );
        assert_eq!(t.ecosystem, "Red Hat");
        assert_eq!(t.names, ["openssl", "openssl-libs"]);
        assert_eq!(t.version.as_deref(), Some("1:3.0.7-16.el9"));
        let t = target("pkg:apk/alpine/libcrypto3@3.1.4-r0?upstream=openssl&distro=alpine-3.18.4");
        assert_eq!(
            (t.ecosystem.as_str(), t.names[0].as_str()),
            ("Alpine", "openssl")
        );
        assert!(target_of(&Purl::parse("pkg:generic/x@1").unwrap()).is_err());
        assert!(target_of(&Purl::parse("pkg:deb/raspbian/x@1").unwrap()).is_err());
    }
}
