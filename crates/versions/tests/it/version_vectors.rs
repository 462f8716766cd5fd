//! Ordered version vectors from osv-scalibr (`semantic/testdata/`, see the
//! data set's README): `a op b` per line, each checked both ways.
//!
//! Where a vector disagrees with the ecosystem's own documented rule, it is
//! listed in [`DISAGREES`] with the reason, and the test checks that it still
//! disagrees (so the list cannot go stale).

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::path::Path;

use bulwark_versions::{Ecosystem, Version};

/// Which ecosystems each upstream file is run against (upstream's
/// `compare_test.go`), limited to the ecosystems Bulwark orders.
fn ecosystems(file: &str) -> &'static [Ecosystem] {
    use Ecosystem::*;
    match file.trim_end_matches(".txt").trim_end_matches("-generated") {
        "alpine-versions" => &[Alpine],
        "debian-versions" => &[Debian, Ubuntu],
        "maven-versions" => &[Maven],
        "nuget-versions" => &[NuGet],
        "packagist-versions" => &[Packagist],
        "pypi-versions" => &[PyPI],
        "redhat-versions" => &[RedHat, Rpm],
        "rubygems-versions" => &[RubyGems],
        "semver-versions" => &[Npm, CratesIo, Go, Hex],
        // CRAN, Hackage and Pub have no rules here (yet).
        _ => &[],
    }
}

/// Why some vectors are not met: each names the ecosystems, which strings
/// or vectors it covers, and the ecosystem's own rule that the vector breaks.
enum Covers {
    /// Vectors where a string for which this is true is refused.
    Refused(fn(&str) -> bool),
    /// One vector, exactly as written, whose order differs.
    Vector(&'static str),
    /// Vectors `a op b` for which this is true: a class of vectors whose
    /// order may differ (those that agree anyway count as passed).
    Vectors(fn(&str, &str) -> bool),
}

struct Disagreement {
    ecosystems: &'static [Ecosystem],
    covers: Covers,
    why: &'static str,
}

/// Not `MAJOR.MINOR.PATCH` (with nothing before it), or a number wider
/// than 64 bits.
fn not_three_numbers(s: &str) -> bool {
    let core = s.split(['-', '+']).next().unwrap_or(s);
    s.starts_with('v') || core.split('.').count() != 3 || core.split('.').any(|n| n.len() > 19)
}

/// A word PEP 440 does not know (`bulbasaur`, `svn`, `fix`, the `t` of a
/// timestamp): a "legacy" version.
fn pep440_unknown_word(s: &str) -> bool {
    const WORDS: [&str; 13] = [
        "a", "alpha", "b", "beta", "c", "rc", "pre", "preview", "post", "rev", "r", "dev", "v",
    ];
    s.split(|c: char| !c.is_ascii_alphabetic())
        .filter(|w| !w.is_empty())
        .any(|w| !WORDS.contains(&w.to_ascii_lowercase().as_str()))
}

const DISAGREES: &[Disagreement] = &[
    Disagreement {
        ecosystems: &[Ecosystem::CratesIo, Ecosystem::Hex],
        covers: Covers::Refused(not_three_numbers),
        why: "Cargo's `semver` and Elixir's `Version` take exactly MAJOR.MINOR.PATCH, \
              without a `v` prefix; osv-scalibr's lenient SemVer reads `v1.2.3`, a bare \
              number and `1.1.3.4.5` (the file's own comment says the extra parts become \
              build metadata), which those ecosystems refuse",
    },
    Disagreement {
        ecosystems: &[Ecosystem::Npm],
        covers: Covers::Refused(|s| s.starts_with("9999999999") || s == "1.1.3.4.5"),
        why: "node-semver (non-loose) needs MAJOR.MINOR.PATCH with each number at most \
              Number.MAX_SAFE_INTEGER (2^53-1): a bare 30-digit number, 30-digit parts \
              and `1.1.3.4.5` are all invalid",
    },
    Disagreement {
        ecosystems: &[Ecosystem::Go],
        covers: Covers::Refused(|s| s == "1.1.3.4.5"),
        why: "golang.org/x/mod/semver: `v1.1.3.4.5` is not valid (IsValid is false); Go \
              only compares it as 'invalid, equal to every other invalid version'",
    },
    Disagreement {
        ecosystems: &[Ecosystem::PyPI],
        covers: Covers::Refused(|s| pep440_unknown_word(s) || s == "a3" || s == "1.0beta6.1"),
        why: "PEP 440 has no such version: these are setuptools-era LegacyVersions \
              (`0.9-doduo`, `2013-01-21T20:33:09+0100`, `0.7.4.svn.r2010`, `a3` without a \
              release number, `1.0beta6.1` with a release part after the pre-release), \
              which packaging removed in version 22 and pip refuses",
    },
    Disagreement {
        ecosystems: &[Ecosystem::Maven],
        covers: Covers::Vector("1-1 = 1-ga-1"),
        why: "the POM reference's version order trims null qualifiers only at the end of \
              each hyphenated part, so `1-ga-1` is [1, [\"\", [1]]] -> [1, [[1]]] and \
              sorts below `1-1` = [1, [1]] (a list before a number), as Maven 3's \
              ComparableVersion says; the vector follows a later combination-item change",
    },
    Disagreement {
        ecosystems: &[Ecosystem::NuGet],
        covers: Covers::Refused(|s| s.starts_with("999999999999999999999999999")),
        why: "NuGetVersion's numeric parts are 32-bit integers; NuGet refuses 30-digit \
              numbers",
    },
    Disagreement {
        ecosystems: &[Ecosystem::RubyGems],
        covers: Covers::Refused(|s| s == "1beta" || s == "1gamma"),
        why: "Gem::Version::ANCHORED_VERSION_PATTERN is `[0-9]+(?>\\.[0-9a-zA-Z]+)*...`: \
              letters need a dot before them, so `1beta` is malformed \
              (ArgumentError in Gem::Version.new)",
    },
    Disagreement {
        ecosystems: &[Ecosystem::Packagist],
        covers: Covers::Refused(|s| s.starts_with("dev-")),
        why: "Composer does not order branches against versions: \
              Constraint::versionCompare answers false for every operator when one side \
              is a `dev-` branch, so neither <, = nor > holds",
    },
    Disagreement {
        ecosystems: &[Ecosystem::Packagist],
        covers: Covers::Refused(|s| s.contains('#')),
        why: "`#` is not a version character (Composer's VersionParser refuses \
              `1.2.3.#`); the vectors are not even consistent with PHP's version_compare, \
              which gives `1.2.3.# < 1.2.3.1`, and are not transitive \
              (`1.2.3.# = 1.2.3`, `1.2.3.# = 1.2.3.1`, `1.2.3 < 1.2.3.1`)",
    },
    Disagreement {
        ecosystems: &[Ecosystem::Packagist],
        covers: Covers::Refused(|s| {
            let words = s.split(|c: char| !c.is_ascii_alphabetic());
            s.starts_with("99999")
                || s.starts_with("4.3-2")
                || words.filter(|w| !w.is_empty() && *w != "v").any(|w| {
                    ["test", "post", "dev"].contains(&w.trim_end_matches(char::is_numeric))
                })
        }),
        why: "composer/semver's VersionParser::normalize refuses these, so Packagist \
              lists no such version: a word that is not a stability (`0.0.1-test1`, \
              `3.1.0.post1`), `dev` followed by a number (`1.5.1.dev100`), a number \
              right after the `-` (`4.3-2RC1`), a major part of more than five digits \
              that is not a date; the vectors compare them with PHP's version_compare \
              alone",
    },
    Disagreement {
        ecosystems: &[Ecosystem::Packagist],
        covers: Covers::Vectors(|a, b| {
            let (x, y) = (release(a), release(b));
            x.len() != y.len() && padded(&x) == padded(&y)
        }),
        why: "Composer pads every version to four numbers before comparing \
              (VersionParser::normalize: `1.0` is `1.0.0.0`), so `1.0.0 = 1.0` and \
              `v3.0 > v3.0.0-beta`; the vectors compare the strings as written with \
              PHP's version_compare, where the shorter one is older",
    },
    Disagreement {
        ecosystems: &[Ecosystem::Packagist],
        covers: Covers::Vectors(|a, b| {
            let words = |s: &str| {
                s.split(|c: char| !c.is_ascii_alphabetic())
                    .filter(|w| !w.is_empty() && *w != "v")
                    .map(str::to_ascii_lowercase)
                    .collect::<Vec<_>>()
            };
            [a, b]
                .iter()
                .any(|s| s.contains("ALPHA") || s.contains("BETA") || s.contains("stable"))
                && words(a) != words(b)
                && padded(&release(a)) == padded(&release(b))
        }),
        why: "VersionParser::normalize reads stabilities in any case and writes them \
              `alpha`, `beta`, and `stable` is the release itself (`5.1.0-stable = \
              5.1.0 > 5.1.0-beta2`, `1.9.0-ALPHA.1 < 1.9.0-BETA.1`); PHP's \
              version_compare alone knows only lower-case words and `RC`, and puts \
              other words below `dev`",
    },
    Disagreement {
        ecosystems: &[Ecosystem::Alpine],
        covers: Covers::Refused(|s| {
            [
                "1-r-0",
                "1-r-1",
                "1.2.0A",
                "1.2.0D",
                "1-ruff",
                "1-r0-1",
                "1-r-2",
                "1-r0-2",
                "1-ruff2",
                "1-ruff1",
                "1--ruff1",
                "1-r0-ruff2",
                "1-r0-ruff1",
                "1.2_blah",
                "1.2_csv2",
                "23_foo",
                "1.0bc",
            ]
            .contains(&s)
        }),
        why: "apk_version_validate rejects these (the file itself calls them invalid: \
              upper-case letters, `-` not followed by `r<digits>`, unknown `_` suffixes, \
              two letters); apk only orders them by a fallback that changed between \
              apk-tools 2 and 3",
    },
    Disagreement {
        ecosystems: &[Ecosystem::Alpine],
        covers: Covers::Refused(|s| {
            s.ends_with("-r")
                || s.contains("..")
                || s.contains(".r")
                || s.starts_with('.')
                || s.starts_with(|c: char| c.is_ascii_lowercase())
        }),
        why: "apk-tools 3 (src/version.c, token_first and token_next) refuses a version \
              that does not start with a number, a `.` not followed by a number \
              (`0..8`, `0.8.21.r2`) and `-r` without a number; the vectors follow \
              apk-tools 2, which read the missing numbers as 0",
    },
];

/// The numbers a Composer version starts with (`v3.0-beta`: 3, 0),
/// without leading zeros.
fn release(s: &str) -> Vec<&str> {
    let s = s.trim_start_matches(['v', 'V']);
    let end = s
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(s.len());
    s[..end]
        .split('.')
        .filter(|p| !p.is_empty())
        .map(|p| p.trim_start_matches('0'))
        .collect()
}

/// [`release`] padded to four numbers, as Composer pads it.
fn padded<'a>(r: &[&'a str]) -> Vec<&'a str> {
    let mut r = r.to_vec();
    r.resize(r.len().max(4), "");
    r
}

fn op(s: &str) -> Option<Ordering> {
    match s {
        "<" => Some(Ordering::Less),
        "=" => Some(Ordering::Equal),
        ">" => Some(Ordering::Greater),
        _ => None,
    }
}

/// Checks one vector; `Err` says what happened instead.
fn check(eco: Ecosystem, a: &str, want: Ordering, b: &str) -> Result<(), String> {
    let va = Version::parse(eco, a).map_err(|e| e.to_string())?;
    let vb = Version::parse(eco, b).map_err(|e| e.to_string())?;
    let (got, back) = (va.cmp(&vb), vb.cmp(&va));
    if got != want || back != want.reverse() {
        return Err(format!("got {got:?} (reversed: {back:?})"));
    }
    Ok(())
}

#[derive(Default)]
struct Tally {
    passed: usize,
    disagreed: usize,
    failures: Vec<String>,
}

fn run_file(path: &Path, tallies: &mut BTreeMap<Ecosystem, Tally>) {
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{name}: {e}"));
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() || line.starts_with("# ") || line.starts_with("// ") {
            continue;
        }
        let fields: Vec<&str> = line.split(' ').collect();
        let [a, o, b] = fields[..] else {
            panic!("{name}:{}: not three fields: {line:?}", n + 1)
        };
        let want = op(o).unwrap_or_else(|| panic!("{name}:{}: bad op {o:?}", n + 1));
        for &eco in ecosystems(&name) {
            let t = tallies.entry(eco).or_default();
            let refused = |s: &str| Version::parse(eco, s).is_err();
            let known = DISAGREES.iter().find(|d| {
                d.ecosystems.contains(&eco)
                    && match d.covers {
                        Covers::Vector(v) => v == line,
                        Covers::Vectors(f) => f(a, b),
                        Covers::Refused(f) => (refused(a) && f(a)) || (refused(b) && f(b)),
                    }
            });
            match (check(eco, a, want, b), known) {
                (Ok(()), None) => t.passed += 1,
                (Err(_), Some(_)) => t.disagreed += 1,
                (
                    Ok(()),
                    Some(Disagreement {
                        covers: Covers::Vectors(_),
                        ..
                    }),
                ) => t.passed += 1,
                (Ok(()), Some(_)) => t.failures.push(format!(
                    "{name}:{} {eco}: {line}: listed as a disagreement but passes",
                    n + 1
                )),
                (Err(e), None) => t
                    .failures
                    .push(format!("{name}:{} {eco}: {line}: {e}", n + 1)),
            }
        }
    }
}

fn report(tallies: &BTreeMap<Ecosystem, Tally>) -> Vec<String> {
    for d in DISAGREES {
        eprintln!("known disagreement for {:?}: {}", d.ecosystems, d.why);
    }
    let mut all = Vec::new();
    for (eco, t) in tallies {
        eprintln!(
            "{eco}: {} passed, {} documented disagreements, {} failed",
            t.passed,
            t.disagreed,
            t.failures.len()
        );
        all.extend(t.failures.iter().cloned());
    }
    all
}

#[test]
fn committed_excerpt() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/version-vectors");
    let mut tallies = BTreeMap::new();
    for e in std::fs::read_dir(&dir).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "txt") {
            run_file(&p, &mut tallies);
        }
    }
    let failures = report(&tallies);
    assert!(failures.is_empty(), "{failures:#?}");
    assert!(tallies.len() >= 12, "every ordered ecosystem has vectors");
}

#[test]
#[ignore = "needs the shared data set"]
fn all_shared_vectors() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data/version-vectors/osv-scalibr");
    let mut tallies = BTreeMap::new();
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    files.sort();
    for p in &files {
        run_file(p, &mut tallies);
    }
    let failures = report(&tallies);
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
