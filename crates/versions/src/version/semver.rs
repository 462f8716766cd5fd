//! Semantic Versioning 2.0.0 (<https://semver.org>), with each ecosystem's
//! own reading of it:
//!
//! - crates.io and Hex: strict SemVer (Cargo's `semver` crate, Elixir's
//!   `Version`): `MAJOR.MINOR.PATCH`, no prefix, no leading zeros, numbers
//!   up to `u64`.
//! - npm: node-semver's strict (non-loose) grammar, which also takes a
//!   leading `v` and surrounding white space, and caps numbers at
//!   `Number.MAX_SAFE_INTEGER`.
//! - Go: `golang.org/x/mod/semver`: numbers of any size, the shorthands
//!   `v1` and `v1.2` for `v1.0.0` and `v1.2.0`; the `v` itself optional,
//!   as OSV's Go records leave it out. Pseudo-versions
//!   (`v0.0.0-20191109021931-daa7c04131f5`) and `+incompatible` need no
//!   special case: they are ordinary pre-release and build parts. Go
//!   toolchain tags (`go1.21.3`, `go1.21rc2`, `go1.20`) are read as the Go
//!   vulnerability database writes them: `1.21.3`, `1.21.0-rc.2`, `1.20.0`.
//!
//! Order: major, minor, patch numerically; a pre-release sorts before its
//! release; pre-release identifiers compare numerically when both are
//! numeric, in ASCII order when both are not, numeric before alphanumeric,
//! and a shorter list first when all else is equal. Build metadata is
//! ignored.

use std::cmp::Ordering;

use super::Refusal;
use super::num::Num;

/// A parsed semantic version; build metadata is dropped.
#[derive(Debug, Clone)]
pub struct SemVer {
    major: Num,
    minor: Num,
    patch: Num,
    pre: Box<[Ident]>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Ident {
    // Declared first: numeric identifiers sort before alphanumeric ones.
    Numeric(Num),
    Alpha(Box<str>),
}

/// node-semver refuses components above `Number.MAX_SAFE_INTEGER`.
const NPM_MAX: u64 = (1 << 53) - 1;

struct Rules {
    v_prefix: bool,
    shorthand: bool,
    max: Option<u64>,
    /// Numbers may have leading zeros (Dart's `int.parse`).
    leading_zeros: bool,
}

/// A Dart package version as `pub_semver` orders it: SemVer 2.0, except
/// that build metadata counts (after everything else; none before some,
/// then identifier by identifier like a pre-release) and numbers may have
/// leading zeros.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PubVersion {
    core: SemVer,
    build: Option<Box<[Ident]>>,
}

impl PubVersion {
    pub fn parse(s: &str) -> Result<PubVersion, Refusal> {
        let (core, build) = parse_parts(
            s,
            &Rules {
                v_prefix: false,
                shorthand: false,
                max: Some(u64::MAX),
                leading_zeros: true,
            },
        )?;
        let build = build.map(|b| b.split('.').map(ident).collect());
        Ok(PubVersion { core, build })
    }
}

impl Ord for PubVersion {
    fn cmp(&self, other: &PubVersion) -> Ordering {
        // `None < Some`: a version without build metadata first.
        self.core
            .cmp(&other.core)
            .then_with(|| self.build.cmp(&other.build))
    }
}

impl PartialOrd for PubVersion {
    fn partial_cmp(&self, other: &PubVersion) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// A dot-separated identifier: a number when all digits.
fn ident(id: &str) -> Ident {
    if id.bytes().all(|b| b.is_ascii_digit()) {
        Ident::Numeric(Num::from_digits(id))
    } else {
        Ident::Alpha(id.into())
    }
}

impl SemVer {
    pub fn parse_strict(s: &str) -> Result<SemVer, Refusal> {
        parse(
            s,
            &Rules {
                v_prefix: false,
                shorthand: false,
                max: Some(u64::MAX),
                leading_zeros: false,
            },
        )
    }

    pub fn parse_npm(s: &str) -> Result<SemVer, Refusal> {
        // node-semver trims surrounding white space before matching.
        parse(
            s.trim(),
            &Rules {
                v_prefix: true,
                shorthand: false,
                max: Some(NPM_MAX),
                leading_zeros: false,
            },
        )
    }

    pub fn parse_go(s: &str) -> Result<SemVer, Refusal> {
        if let Some(tag) = s.strip_prefix("go") {
            return parse_go_toolchain(tag);
        }
        parse(
            s,
            &Rules {
                v_prefix: true,
                shorthand: true,
                max: None,
                leading_zeros: false,
            },
        )
    }
}

fn number(s: &str, rules: &Rules) -> Result<Num, Refusal> {
    let max = rules.max;
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err("major, minor and patch must be numbers");
    }
    if s.len() > 1 && s.starts_with('0') && !rules.leading_zeros {
        return Err("numbers must not have leading zeros");
    }
    let n = Num::from_digits(s);
    if let Some(max) = max
        && n.small().is_none_or(|v| v > max)
    {
        return Err("number too large");
    }
    Ok(n)
}

fn is_ident_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-'
}

fn parse(s: &str, rules: &Rules) -> Result<SemVer, Refusal> {
    parse_parts(s, rules).map(|(v, _)| v)
}

/// The version and its build metadata, if any.
fn parse_parts<'a>(s: &'a str, rules: &Rules) -> Result<(SemVer, Option<&'a str>), Refusal> {
    let body = match s.strip_prefix('v') {
        Some(rest) if rules.v_prefix => rest,
        _ => s,
    };
    let (rest, build) = match body.split_once('+') {
        Some((rest, build)) => (rest, Some(build)),
        None => (body, None),
    };
    if let Some(build) = build
        && build
            .split('.')
            .any(|id| id.is_empty() || !id.bytes().all(is_ident_char))
    {
        return Err("build metadata must be dot-separated [0-9A-Za-z-] identifiers");
    }
    let (core, pre) = match rest.split_once('-') {
        Some((core, pre)) => (core, Some(pre)),
        None => (rest, None),
    };
    let parts: Vec<&str> = core.split('.').collect();
    let (major, minor, patch) = match parts.as_slice() {
        [a, b, c] => (number(a, rules)?, number(b, rules)?, number(c, rules)?),
        [a, b] if rules.shorthand && pre.is_none() && build.is_none() => {
            (number(a, rules)?, number(b, rules)?, Num::ZERO)
        }
        [a] if rules.shorthand && pre.is_none() && build.is_none() => {
            (number(a, rules)?, Num::ZERO, Num::ZERO)
        }
        _ => return Err("expected MAJOR.MINOR.PATCH"),
    };
    let pre = match pre {
        None => Box::default(),
        Some(pre) => {
            let mut ids = Vec::new();
            for id in pre.split('.') {
                if id.is_empty() || !id.bytes().all(is_ident_char) {
                    return Err("pre-release must be dot-separated [0-9A-Za-z-] identifiers");
                }
                if id.bytes().all(|b| b.is_ascii_digit()) {
                    if id.len() > 1 && id.starts_with('0') && !rules.leading_zeros {
                        return Err("numeric pre-release identifiers must not have leading zeros");
                    }
                    ids.push(Ident::Numeric(Num::from_digits(id)));
                } else {
                    ids.push(Ident::Alpha(id.into()));
                }
            }
            ids.into_boxed_slice()
        }
    };
    Ok((
        SemVer {
            major,
            minor,
            patch,
            pre,
        },
        build,
    ))
}

/// `1.21.3`, `1.21rc2`, `1.9beta1`, `1.20` (after `go`).
fn parse_go_toolchain(tag: &str) -> Result<SemVer, Refusal> {
    const BAD: Refusal = "a Go release tag is go1.N, go1.N.P, go1.NrcK or go1.NbetaK";
    let (nums, pre) = match tag.find(|c: char| c.is_ascii_alphabetic()) {
        Some(i) => (&tag[..i], Some(&tag[i..])),
        None => (tag, None),
    };
    let parts: Vec<&str> = nums.split('.').collect();
    let rules = Rules {
        v_prefix: false,
        shorthand: false,
        max: None,
        leading_zeros: false,
    };
    let num = |s: &str| number(s, &rules).map_err(|_| BAD);
    let (major, minor, patch) = match parts.as_slice() {
        [a, b] => (num(a)?, num(b)?, Num::ZERO),
        [a, b, c] if pre.is_none() => (num(a)?, num(b)?, num(c)?),
        _ => return Err(BAD),
    };
    let pre = match pre {
        None => Box::default(),
        Some(p) => {
            let (kind, n) = if let Some(n) = p.strip_prefix("rc") {
                ("rc", n)
            } else if let Some(n) = p.strip_prefix("beta") {
                ("beta", n)
            } else {
                return Err(BAD);
            };
            vec![Ident::Alpha(kind.into()), Ident::Numeric(num(n)?)].into_boxed_slice()
        }
    };
    Ok(SemVer {
        major,
        minor,
        patch,
        pre,
    })
}

impl Ord for SemVer {
    fn cmp(&self, other: &SemVer) -> Ordering {
        self.major
            .cmp(&other.major)
            .then_with(|| self.minor.cmp(&other.minor))
            .then_with(|| self.patch.cmp(&other.patch))
            // A pre-release sorts before its release (SemVer 11.3); then
            // element-wise, shorter first (SemVer 11.4).
            .then_with(|| super::num::cmp_pre_release(&self.pre, &other.pre))
    }
}

super::num::ord_via_cmp!(SemVer);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::version::testing::{assert_chain, assert_refused};

    fn ord(p: fn(&str) -> Result<SemVer, Refusal>, a: &str, b: &str) -> Ordering {
        p(a).unwrap().cmp(&p(b).unwrap())
    }

    #[test]
    fn pub_orders_build_metadata() {
        // pub_semver's Version.compareTo: builds after no build, then
        // compared part by part; pre-releases as in SemVer.
        assert_chain(
            PubVersion::parse,
            &[
                "1.0.0-dev",
                "1.0.0-dev.2",
                "1.0.0",
                "1.0.0+1",
                "1.0.0+2",
                "1.0.0+2.1",
                "1.0.0+build",
                "1.0.1",
            ],
        );
        // Leading zeros are numbers to Dart's int.parse.
        assert_eq!(
            PubVersion::parse("01.2.3").unwrap(),
            PubVersion::parse("1.2.3").unwrap()
        );
        assert_refused(
            PubVersion::parse,
            &["1.2", "v1.2.3", "1.2.3-", "1.2.3+a..b", "x"],
        );
    }

    #[test]
    fn semver_spec_precedence_example() {
        // semver.org, item 11.
        let chain = [
            "1.0.0-alpha",
            "1.0.0-alpha.1",
            "1.0.0-alpha.beta",
            "1.0.0-beta",
            "1.0.0-beta.2",
            "1.0.0-beta.11",
            "1.0.0-rc.1",
            "1.0.0",
            "2.0.0",
            "2.1.0",
            "2.1.1",
        ];
        assert_chain(SemVer::parse_strict, &chain);
        assert_eq!(
            ord(SemVer::parse_strict, "1.0.0+a", "1.0.0+b"),
            Ordering::Equal
        );
    }

    #[test]
    fn strict_refusals() {
        assert_refused(
            SemVer::parse_strict,
            &[
                "v1.0.0",
                "1.0",
                "01.0.0",
                "1.0.0-01",
                "1.0.0-",
                "1.0.0+",
                "1.0.0-a..b",
                "",
            ],
        );
        assert!(SemVer::parse_npm("v1.0.0").is_ok());
        assert!(SemVer::parse_npm("9007199254740992.0.0").is_err());
    }

    #[test]
    fn go_versions() {
        let go = SemVer::parse_go;
        assert_eq!(ord(go, "v1.2.3", "1.2.3"), Ordering::Equal);
        assert_eq!(ord(go, "v1", "v1.0.0"), Ordering::Equal);
        assert_eq!(ord(go, "v2.0.0+incompatible", "v2.0.0"), Ordering::Equal);
        // A pseudo-version sorts before the release it precedes.
        assert_eq!(
            ord(go, "v0.0.0-20191109021931-daa7c04131f5", "v0.0.1"),
            Ordering::Less
        );
        assert_eq!(
            ord(go, "v1.2.4-0.20191109021931-daa7c04131f5", "v1.2.4"),
            Ordering::Less
        );
        assert_eq!(ord(go, "go1.21rc2", "go1.21.0"), Ordering::Less);
        assert_eq!(ord(go, "go1.21.3", "1.21.3"), Ordering::Equal);
        assert_eq!(ord(go, "go1.20", "go1.20.1"), Ordering::Less);
        assert_eq!(ord(go, "go1.9beta1", "go1.9rc1"), Ordering::Less);
        assert!(go("go1.x").is_err());
    }
}
