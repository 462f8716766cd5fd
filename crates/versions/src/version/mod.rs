//! Version order per ecosystem, each from that ecosystem's own rules.
//!
//! A [`Version`] is parsed once ([`Version::parse`]) into a form that
//! compares without allocating, because the matching engine compares the
//! same few versions against each other millions of times. A string the
//! ecosystem itself refuses is a [`VersionError`], never compared as text.
//!
//! | ecosystems | rules | module |
//! |---|---|---|
//! | npm, crates.io, Hex, Go, SwiftURL | SemVer 2.0 (npm: `v` prefix; Go: `v` optional, shorthands, `go1.21.3`) | [`semver`] |
//! | Pub | `pub_semver`: SemVer with build metadata ordered | [`semver::PubVersion`] |
//! | CRAN | R's `package_version` | [`cran`] |
//! | PyPI | PEP 440 | [`pep440`] |
//! | Maven | Maven's `ComparableVersion` | [`maven`] |
//! | NuGet | `NuGetVersion` | [`nuget`] |
//! | RubyGems | `Gem::Version` | [`rubygems`] |
//! | Packagist | Composer (`version_compare` after Composer's syntax check) | [`packagist`] |
//! | Debian, Ubuntu | dpkg | [`dpkg`] |
//! | Red Hat, Rocky Linux, AlmaLinux, openSUSE, SUSE, Mageia, openEuler, RPM | rpm's `rpmvercmp` over epoch, version, release | [`rpm`] |
//! | Alpine, Wolfi, Chainguard | apk-tools | [`alpine`] |
//! | Generic | documented fallback, only when asked for by name | [`generic`] |

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

use thiserror::Error;

pub mod alpine;
pub mod cran;
pub mod dpkg;
pub mod generic;
pub mod maven;
pub mod nuget;
pub(crate) mod num;
pub mod packagist;
pub mod pep440;
pub mod rpm;
pub mod rubygems;
pub mod semver;

/// An ecosystem whose version order Bulwark knows, named as OSV spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Ecosystem {
    Npm,
    CratesIo,
    Go,
    Hex,
    PyPI,
    Maven,
    NuGet,
    RubyGems,
    Packagist,
    Debian,
    /// Ubuntu packages are dpkg packages: Debian's order.
    Ubuntu,
    Alpine,
    RedHat,
    RockyLinux,
    AlmaLinux,
    OpenSuse,
    Suse,
    Mageia,
    OpenEuler,
    /// rpm's order for any other rpm-based distribution.
    Rpm,
    /// apk-based distributions with Alpine's order.
    Wolfi,
    Chainguard,
    /// Dart packages (`pub_semver`).
    Pub,
    /// Swift packages by repository URL (SwiftPM: SemVer 2.0).
    SwiftUrl,
    /// R packages.
    Cran,
    /// The fallback of [`generic`], for ecosystems without rules here; it
    /// is never chosen for an unknown name.
    Generic,
}

/// The comparison rule an ecosystem uses; ecosystems sharing one compare.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Family {
    SemVer,
    Pep440,
    Maven,
    NuGet,
    RubyGems,
    Packagist,
    Dpkg,
    Rpm,
    Alpine,
    Pub,
    Cran,
    Generic,
}

impl Ecosystem {
    pub const ALL: [Ecosystem; 26] = [
        Ecosystem::Npm,
        Ecosystem::CratesIo,
        Ecosystem::Go,
        Ecosystem::Hex,
        Ecosystem::PyPI,
        Ecosystem::Maven,
        Ecosystem::NuGet,
        Ecosystem::RubyGems,
        Ecosystem::Packagist,
        Ecosystem::Debian,
        Ecosystem::Ubuntu,
        Ecosystem::Alpine,
        Ecosystem::RedHat,
        Ecosystem::RockyLinux,
        Ecosystem::AlmaLinux,
        Ecosystem::OpenSuse,
        Ecosystem::Suse,
        Ecosystem::Mageia,
        Ecosystem::OpenEuler,
        Ecosystem::Rpm,
        Ecosystem::Wolfi,
        Ecosystem::Chainguard,
        Ecosystem::Pub,
        Ecosystem::SwiftUrl,
        Ecosystem::Cran,
        Ecosystem::Generic,
    ];

    /// The name as OSV spells it (`crates.io`, `PyPI`, `Red Hat`, …).
    pub fn name(self) -> &'static str {
        match self {
            Ecosystem::Npm => "npm",
            Ecosystem::CratesIo => "crates.io",
            Ecosystem::Go => "Go",
            Ecosystem::Hex => "Hex",
            Ecosystem::PyPI => "PyPI",
            Ecosystem::Maven => "Maven",
            Ecosystem::NuGet => "NuGet",
            Ecosystem::RubyGems => "RubyGems",
            Ecosystem::Packagist => "Packagist",
            Ecosystem::Debian => "Debian",
            Ecosystem::Ubuntu => "Ubuntu",
            Ecosystem::Alpine => "Alpine",
            Ecosystem::RedHat => "Red Hat",
            Ecosystem::RockyLinux => "Rocky Linux",
            Ecosystem::AlmaLinux => "AlmaLinux",
            Ecosystem::OpenSuse => "openSUSE",
            Ecosystem::Suse => "SUSE",
            Ecosystem::Mageia => "Mageia",
            Ecosystem::OpenEuler => "openEuler",
            Ecosystem::Rpm => "RPM",
            Ecosystem::Wolfi => "Wolfi",
            Ecosystem::Chainguard => "Chainguard",
            Ecosystem::Pub => "Pub",
            Ecosystem::SwiftUrl => "SwiftURL",
            Ecosystem::Cran => "CRAN",
            Ecosystem::Generic => "Generic",
        }
    }

    /// An OSV ecosystem string: the name, optionally followed by `:` and
    /// a release (`Debian:12`, `Alpine:v3.20`, `Red Hat:enterprise_linux:9`).
    /// Names match case-insensitively, so `pypi` is PyPI.
    pub fn from_osv(s: &str) -> Result<Ecosystem, VersionError> {
        let name = s.split_once(':').map_or(s, |(name, _)| name).trim();
        Ecosystem::ALL
            .into_iter()
            .find(|e| e.name().eq_ignore_ascii_case(name))
            .ok_or_else(|| VersionError::UnknownEcosystem(s.to_owned()))
    }

    fn family(self) -> Family {
        match self {
            Ecosystem::Npm
            | Ecosystem::CratesIo
            | Ecosystem::Go
            | Ecosystem::Hex
            | Ecosystem::SwiftUrl => Family::SemVer,
            Ecosystem::Pub => Family::Pub,
            Ecosystem::Cran => Family::Cran,
            Ecosystem::PyPI => Family::Pep440,
            Ecosystem::Maven => Family::Maven,
            Ecosystem::NuGet => Family::NuGet,
            Ecosystem::RubyGems => Family::RubyGems,
            Ecosystem::Packagist => Family::Packagist,
            Ecosystem::Debian | Ecosystem::Ubuntu => Family::Dpkg,
            Ecosystem::Alpine | Ecosystem::Wolfi | Ecosystem::Chainguard => Family::Alpine,
            Ecosystem::RedHat
            | Ecosystem::RockyLinux
            | Ecosystem::AlmaLinux
            | Ecosystem::OpenSuse
            | Ecosystem::Suse
            | Ecosystem::Mageia
            | Ecosystem::OpenEuler
            | Ecosystem::Rpm => Family::Rpm,
            Ecosystem::Generic => Family::Generic,
        }
    }
}

impl fmt::Display for Ecosystem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Ecosystem {
    type Err = VersionError;
    fn from_str(s: &str) -> Result<Ecosystem, VersionError> {
        Ecosystem::from_osv(s)
    }
}

/// Why a version cannot be parsed or compared.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum VersionError {
    #[error("unknown ecosystem {0:?}")]
    UnknownEcosystem(String),
    #[error("{version:?} is not a valid {ecosystem} version: {reason}")]
    Invalid {
        ecosystem: Ecosystem,
        version: String,
        reason: &'static str,
    },
    #[error("{0} and {1} versions are not ordered against each other")]
    Mismatch(Ecosystem, Ecosystem),
}

/// The reason a family's parser refuses a string; the ecosystem and the
/// string are added by [`Version::parse`].
pub(crate) type Refusal = &'static str;

#[derive(Debug, Clone)]
enum Repr {
    SemVer(semver::SemVer),
    Pep440(pep440::Pep440),
    Maven(maven::MavenVersion),
    NuGet(nuget::NuGetVersion),
    RubyGems(rubygems::GemVersion),
    Packagist(packagist::ComposerVersion),
    Dpkg(dpkg::DpkgVersion),
    Rpm(rpm::RpmVersion),
    Alpine(alpine::ApkVersion),
    Pub(semver::PubVersion),
    Cran(cran::CranVersion),
    Generic(generic::GenericVersion),
}

/// A version parsed under one ecosystem's rules.
///
/// Equality is the ecosystem's (`1.0 == 1.0.0` in PyPI, Maven, NuGet);
/// [`Version::as_str`] keeps the original text. `Ord` between versions of
/// ecosystems with different rules orders by rule first, so that sorting
/// stays total; [`Version::try_cmp`] refuses such a comparison instead.
#[derive(Debug, Clone)]
pub struct Version {
    ecosystem: Ecosystem,
    raw: Box<str>,
    repr: Repr,
}

impl Version {
    /// Parses `s` under `ecosystem`'s rules.
    pub fn parse(ecosystem: Ecosystem, s: &str) -> Result<Version, VersionError> {
        let invalid = |reason| VersionError::Invalid {
            ecosystem,
            version: s.to_owned(),
            reason,
        };
        let repr = match ecosystem {
            Ecosystem::Npm => Repr::SemVer(semver::SemVer::parse_npm(s).map_err(invalid)?),
            Ecosystem::CratesIo | Ecosystem::Hex | Ecosystem::SwiftUrl => {
                Repr::SemVer(semver::SemVer::parse_strict(s).map_err(invalid)?)
            }
            Ecosystem::Go => Repr::SemVer(semver::SemVer::parse_go(s).map_err(invalid)?),
            Ecosystem::PyPI => Repr::Pep440(pep440::Pep440::parse(s).map_err(invalid)?),
            Ecosystem::Maven => Repr::Maven(maven::MavenVersion::parse(s).map_err(invalid)?),
            Ecosystem::NuGet => Repr::NuGet(nuget::NuGetVersion::parse(s).map_err(invalid)?),
            Ecosystem::RubyGems => Repr::RubyGems(rubygems::GemVersion::parse(s).map_err(invalid)?),
            Ecosystem::Packagist => {
                Repr::Packagist(packagist::ComposerVersion::parse(s).map_err(invalid)?)
            }
            Ecosystem::Debian | Ecosystem::Ubuntu => {
                Repr::Dpkg(dpkg::DpkgVersion::parse(s).map_err(invalid)?)
            }
            Ecosystem::Alpine | Ecosystem::Wolfi | Ecosystem::Chainguard => {
                Repr::Alpine(alpine::ApkVersion::parse(s).map_err(invalid)?)
            }
            Ecosystem::RedHat
            | Ecosystem::RockyLinux
            | Ecosystem::AlmaLinux
            | Ecosystem::OpenSuse
            | Ecosystem::Suse
            | Ecosystem::Mageia
            | Ecosystem::OpenEuler
            | Ecosystem::Rpm => Repr::Rpm(rpm::RpmVersion::parse(s).map_err(invalid)?),
            Ecosystem::Pub => Repr::Pub(semver::PubVersion::parse(s).map_err(invalid)?),
            Ecosystem::Cran => Repr::Cran(cran::CranVersion::parse(s).map_err(invalid)?),
            Ecosystem::Generic => {
                Repr::Generic(generic::GenericVersion::parse(s).map_err(invalid)?)
            }
        };
        Ok(Version {
            ecosystem,
            raw: s.into(),
            repr,
        })
    }

    pub fn ecosystem(&self) -> Ecosystem {
        self.ecosystem
    }

    /// The text the version was parsed from.
    pub fn as_str(&self) -> &str {
        &self.raw
    }

    /// Compares under the shared rules, refusing versions whose ecosystems
    /// order differently (an npm version against a Debian one).
    pub fn try_cmp(&self, other: &Version) -> Result<Ordering, VersionError> {
        if self.ecosystem.family() != other.ecosystem.family() {
            return Err(VersionError::Mismatch(self.ecosystem, other.ecosystem));
        }
        Ok(self.cmp(other))
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.raw)
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Version) -> Ordering {
        match (&self.repr, &other.repr) {
            (Repr::SemVer(a), Repr::SemVer(b)) => a.cmp(b),
            (Repr::Pep440(a), Repr::Pep440(b)) => a.cmp(b),
            (Repr::Maven(a), Repr::Maven(b)) => a.cmp(b),
            (Repr::NuGet(a), Repr::NuGet(b)) => a.cmp(b),
            (Repr::RubyGems(a), Repr::RubyGems(b)) => a.cmp(b),
            (Repr::Packagist(a), Repr::Packagist(b)) => a.cmp(b),
            (Repr::Dpkg(a), Repr::Dpkg(b)) => a.cmp(b),
            (Repr::Rpm(a), Repr::Rpm(b)) => a.cmp(b),
            (Repr::Alpine(a), Repr::Alpine(b)) => a.cmp(b),
            (Repr::Pub(a), Repr::Pub(b)) => a.cmp(b),
            (Repr::Cran(a), Repr::Cran(b)) => a.cmp(b),
            (Repr::Generic(a), Repr::Generic(b)) => a.cmp(b),
            _ => self.ecosystem.family().cmp(&other.ecosystem.family()),
        }
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Version) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Version {
    fn eq(&self, other: &Version) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Version {}

/// Assertions the ecosystems' unit tests share.
#[cfg(test)]
pub(crate) mod testing {
    use std::fmt::Display;

    /// Asserts that every version in `chain` parses and sorts strictly
    /// below the next one.
    pub(crate) fn assert_chain<T: Ord, E: Display>(
        parse: impl Fn(&str) -> Result<T, E>,
        chain: &[&str],
    ) {
        let parsed: Vec<T> = chain
            .iter()
            .map(|s| parse(s).unwrap_or_else(|e| panic!("{s}: {e}")))
            .collect();
        for (w, s) in parsed.windows(2).zip(chain.windows(2)) {
            assert!(w[0] < w[1], "{} < {}", s[0], s[1]);
        }
    }

    /// Asserts that `parse` refuses every string in `bad`.
    pub(crate) fn assert_refused<T, E>(parse: impl Fn(&str) -> Result<T, E>, bad: &[&str]) {
        for s in bad {
            assert!(parse(s).is_err(), "{s:?}");
        }
    }
}

/// Parses both strings under `ecosystem` and compares them.
pub fn compare(ecosystem: Ecosystem, a: &str, b: &str) -> Result<Ordering, VersionError> {
    Ok(Version::parse(ecosystem, a)?.cmp(&Version::parse(ecosystem, b)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ecosystems_by_osv_name() {
        for e in Ecosystem::ALL {
            assert_eq!(Ecosystem::from_osv(e.name()), Ok(e));
        }
        assert_eq!(Ecosystem::from_osv("Debian:12"), Ok(Ecosystem::Debian));
        assert_eq!(Ecosystem::from_osv("Alpine:v3.20"), Ok(Ecosystem::Alpine));
        assert_eq!(
            Ecosystem::from_osv("Red Hat:enterprise_linux:9::appstream"),
            Ok(Ecosystem::RedHat)
        );
        assert_eq!(Ecosystem::from_osv("pypi"), Ok(Ecosystem::PyPI));
        assert_eq!(Ecosystem::from_osv("Wolfi"), Ok(Ecosystem::Wolfi));
        assert_eq!(
            Ecosystem::from_osv("openEuler:22.03-LTS"),
            Ok(Ecosystem::OpenEuler)
        );
        assert!(Ecosystem::from_osv("Hackage").is_err());
    }

    #[test]
    fn mixed_rules_are_refused_but_sort_totally() {
        let a = Version::parse(Ecosystem::Npm, "1.0.0").unwrap();
        let b = Version::parse(Ecosystem::Debian, "1.0.0").unwrap();
        assert!(a.try_cmp(&b).is_err());
        assert_ne!(a.cmp(&b), Ordering::Equal);
        let c = Version::parse(Ecosystem::CratesIo, "1.0.0").unwrap();
        assert_eq!(a.try_cmp(&c), Ok(Ordering::Equal));
    }

    #[test]
    fn errors_name_the_version_and_ecosystem() {
        let e = Version::parse(Ecosystem::PyPI, "not a version").unwrap_err();
        let msg = e.to_string();
        assert!(
            msg.contains("not a version") && msg.contains("PyPI"),
            "{msg}"
        );
    }
}
