//! Packagist: Composer's order. Composer normalises every version with
//! composer/semver's `VersionParser::normalize` and compares the
//! normalised strings with PHP's `version_compare`
//! (`Constraint::versionCompare`); both steps are rebuilt here from their
//! sources (`src/VersionParser.php`, php-src `ext/standard/versioning.c`),
//! each rule with vectors in `tests/fixtures/ecosystem-rules/packagist.txt`.
//!
//! `normalize`, in order: white space around is trimmed; `A as B` is `A`
//! and a stability flag (`@dev`) is dropped; `dev-…` branches (and
//! `master`, `trunk`, `default`) are refused, since Composer does not
//! order a branch against a version; build metadata after `+` is dropped.
//! Then a classical version — an optional `v`, a major of at most five
//! digits and up to three more `.N` — is padded to four numbers (`1.0` is
//! `1.0.0.0`), or else a date (`YYYY` then pairs of digits, separated by
//! `.`, `:`, `-` or nothing: `2010-01-02`, `20100102-203040`) keeps its
//! parts, each separator a `.`. Either may end in a stability (`stable`,
//! `beta`/`b`, `RC`, `alpha`/`a`, `patch`/`pl`/`p`, any case, after `-`,
//! `_`, `.` or nothing, with numbers after it) and a `-dev`, normalised
//! to `-alpha1`, `-RC2-dev` …; `stable` is the release itself. A numeric
//! branch `1.2.x-dev` is `1.2.9999999.9999999-dev`. Anything else is
//! refused (`1.0.0-meh`, five numbers, constraints).
//!
//! `version_compare`: `-`, `_`, `+` and other separators become `.`, and
//! a `.` is put between digits and letters; the parts then compare left
//! to right, numbers numerically, words by their "special form", matched
//! by prefix and case-sensitively: `dev` < `alpha` = `a` < `beta` = `b` <
//! `RC` = `rc` < (a number) < `pl` = `p`; any other word sorts below
//! `dev`. When one side runs out, a remaining number makes the longer one
//! greater, a remaining word is compared with the number's place (so
//! `1.0.0.0-RC1 < 1.0.0.0`). Numbers are compared at any size, where PHP's
//! `strtol` would saturate.

use std::cmp::Ordering;

use super::Refusal;
use super::num::{self, Num};

#[derive(Debug, Clone)]
pub struct ComposerVersion {
    parts: Box<[Part]>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Num(Num),
    /// The special-form order of a word; -1 for an unknown word.
    Word(i8),
}

/// A number's place among the special forms (`#N#` in php-src).
const NUMBER: i8 = 4;

fn special_form(word: &str) -> i8 {
    const FORMS: [(&str, i8); 10] = [
        ("dev", 0),
        ("alpha", 1),
        ("a", 1),
        ("beta", 2),
        ("b", 2),
        ("RC", 3),
        ("rc", 3),
        ("#", 4),
        ("pl", 5),
        ("p", 5),
    ];
    FORMS
        .iter()
        .find(|(name, _)| word.starts_with(name))
        .map_or(-1, |&(_, order)| order)
}

impl ComposerVersion {
    pub fn parse(s: &str) -> Result<ComposerVersion, Refusal> {
        let normalized = normalize(s)?;
        let parts = num::runs(&normalized)
            .filter_map(|run| match run {
                num::Run::Digits(d) => Some(Part::Num(Num::from_digits(d))),
                num::Run::Letters(w) => Some(Part::Word(special_form(w))),
                num::Run::Other(_) => None,
            })
            .collect();
        Ok(ComposerVersion { parts })
    }
}

const BRANCH: Refusal = "a dev- branch has no order in Composer";
const INVALID: Refusal =
    "not a Composer version (composer/semver's VersionParser::normalize refuses it)";

/// `VersionParser::normalize`: the string Composer compares.
fn normalize(version: &str) -> Result<String, Refusal> {
    // PHP's trim: space, tab, new line, carriage return, NUL, vertical tab.
    let mut v = version.trim_matches([' ', '\t', '\n', '\r', '\0', '\x0B']);
    // `A as B` (an inline alias): A.
    if let Some((a, b)) = v.split_once(" as ") {
        let (a, b) = (a.trim_end_matches(' '), b.trim_start_matches(' '));
        let plain = |x: &str| !x.is_empty() && !x.contains(|c: char| c == ',' || is_space(c));
        if plain(a) && plain(b) {
            v = a;
        }
    }
    // A stability flag: `1.0.0@dev`.
    if let Some((rest, flag)) = v.rsplit_once('@')
        && ["stable", "RC", "beta", "alpha", "dev"]
            .iter()
            .any(|f| f.eq_ignore_ascii_case(flag))
    {
        v = rest;
    }
    if matches!(v, "master" | "trunk" | "default")
        || v.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("dev-"))
    {
        return Err(BRANCH);
    }
    // Build metadata: `1.0.0+foo`.
    if let Some((a, meta)) = v.split_once('+')
        && !a.is_empty()
        && !a.contains(|c: char| c == ',' || is_space(c))
        && !meta.is_empty()
        && !meta.contains(is_space)
    {
        v = a;
    }
    let body = v.strip_prefix(['v', 'V']).unwrap_or(v);
    if let Some(n) = classical(body).or_else(|| date(body)) {
        return Ok(n);
    }
    // A numeric branch, `1.2.x-dev`.
    let lower = v.to_ascii_lowercase();
    if let Some(stem) = lower.strip_suffix("dev") {
        let stem = &v[..stem.len()];
        // The shortest stem: a `.` or `-` before `dev` is not part of it.
        let stem = stem.strip_suffix(['.', '-']).unwrap_or(stem);
        if let Some(n) = numeric_branch(stem.trim_matches([' ', '\t', '\n', '\r', '\0', '\x0B'])) {
            return Ok(n);
        }
    }
    Err(INVALID)
}

/// PCRE's `\s`.
fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r' | '\x0B' | '\x0C')
}

fn digits_len(s: &str) -> usize {
    s.bytes().take_while(u8::is_ascii_digit).count()
}

/// `^v?(\d{1,5}+)(\.\d++)?(\.\d++)?(\.\d++)?` and the modifiers, the
/// numbers padded to four.
fn classical(body: &str) -> Option<String> {
    let major = digits_len(body);
    if major == 0 || major > 5 {
        return None;
    }
    let mut out = body[..major].to_owned();
    let mut rest = &body[major..];
    let mut parts = 1;
    while parts < 4 {
        let Some(after) = rest.strip_prefix('.') else {
            break;
        };
        let n = digits_len(after);
        if n == 0 {
            break;
        }
        out.push_str(&rest[..=n]);
        rest = &after[n..];
        parts += 1;
    }
    for _ in parts..4 {
        out.push_str(".0");
    }
    modifiers(out, rest)
}

/// `^v?(\d{4}(?:[.:-]?\d{2}){1,6}(?:[.:-]?\d{1,3}){0,2})` and the
/// modifiers, every separator of the date a `.`.
fn date(body: &str) -> Option<String> {
    // The date ends at the last digit of the leading run of digits and
    // separators: the modifiers never start with a digit.
    let run = body
        .bytes()
        .take_while(|b| b.is_ascii_digit() || matches!(b, b'.' | b':' | b'-'))
        .count();
    let end = body[..run].rfind(|c: char| c.is_ascii_digit())? + 1;
    let (stamp, rest) = body.split_at(end);
    // Each group of digits between separators; two separators in a row
    // cannot match.
    let groups: Vec<usize> = stamp.split(['.', ':', '-']).map(str::len).collect();
    if groups.contains(&0) || !date_units(&groups) {
        return None;
    }
    let out = stamp.replace(['.', ':', '-'], ".");
    modifiers(out, rest)
}

/// Whether digit groups of these lengths can be cut into units of 4, then
/// 1 to 6 of 2, then 0 to 2 of 1 to 3 digits, no unit spanning a
/// separator.
fn date_units(groups: &[usize]) -> bool {
    /// `phase`: 0 before the four digits, then the count of 2-digit units
    /// (1..=6), then 10 + the count of short units.
    fn go(groups: &[usize], left_in_group: usize, twos: usize, shorts: usize) -> bool {
        if left_in_group == 0 {
            return match groups.split_first() {
                None => twos >= 1,
                Some((&g, rest)) => go(rest, g, twos, shorts),
            };
        }
        let two = shorts == 0
            && twos < 6
            && left_in_group >= 2
            && go(groups, left_in_group - 2, twos + 1, 0);
        two || (twos >= 1
            && shorts < 2
            && (1..=3.min(left_in_group)).any(|n| go(groups, left_in_group - n, twos, shorts + 1)))
    }
    match groups.split_first() {
        Some((&first, rest)) if first >= 4 && groups.iter().sum::<usize>() <= 30 => {
            go(rest, first - 4, 0, 0)
        }
        _ => false,
    }
}

/// `[._-]?(?:(stable|beta|b|RC|alpha|a|patch|pl|p)((?:[.-]?\d+)*+)?)?([.-]?dev)?$`
/// (any case) after `version`, and what normalize makes of it.
fn modifiers(mut version: String, rest: &str) -> Option<String> {
    const STABILITIES: [&str; 9] = [
        "stable", "beta", "b", "RC", "alpha", "a", "patch", "pl", "p",
    ];
    let skips: &[usize] = if rest.starts_with(['.', '_', '-']) {
        &[1, 0]
    } else {
        &[0]
    };
    for &skip in skips {
        let s = &rest[skip..];
        for word in STABILITIES {
            let Some(head) = s.get(..word.len()).filter(|h| h.eq_ignore_ascii_case(word)) else {
                continue;
            };
            let after = &s[word.len()..];
            let numbers = stability_numbers(after);
            let Some(dev) = dev_suffix(&after[numbers.len()..]) else {
                continue;
            };
            if head == "stable" {
                return Some(version);
            }
            version.push('-');
            version.push_str(&expand_stability(head));
            version.push_str(numbers.trim_start_matches(['.', '-']));
            if dev {
                version.push_str("-dev");
            }
            return Some(version);
        }
        if let Some(dev) = dev_suffix(s) {
            if dev {
                version.push_str("-dev");
            }
            return Some(version);
        }
    }
    None
}

/// `(?:[.-]?\d+)*+`: the longest such prefix.
fn stability_numbers(s: &str) -> &str {
    let mut end = 0;
    loop {
        let rest = &s[end..];
        let sep = usize::from(rest.starts_with(['.', '-']));
        let n = digits_len(&rest[sep..]);
        if n == 0 {
            return &s[..end];
        }
        end += sep + n;
    }
}

/// `([.-]?dev)?$`: `Some(true)` for a `dev`, `Some(false)` for nothing.
fn dev_suffix(s: &str) -> Option<bool> {
    if s.is_empty() {
        return Some(false);
    }
    let s = s.strip_prefix(['.', '-']).unwrap_or(s);
    s.eq_ignore_ascii_case("dev").then_some(true)
}

/// `expandStability`.
fn expand_stability(word: &str) -> String {
    match word.to_ascii_lowercase().as_str() {
        "a" => "alpha".into(),
        "b" => "beta".into(),
        "p" | "pl" => "patch".into(),
        "rc" => "RC".into(),
        other => other.into(),
    }
}

/// `normalizeBranch` for a numeric branch:
/// `^v?(\d++)(\.(?:\d++|[xX*]))?(\.(?:\d++|[xX*]))?(\.(?:\d++|[xX*]))?$`,
/// each `x` (or `*`, or a missing part) as 9999999.
fn numeric_branch(name: &str) -> Option<String> {
    let body = name.strip_prefix(['v', 'V']).unwrap_or(name);
    let major = digits_len(body);
    if major == 0 {
        return None;
    }
    let mut out = body[..major].to_owned();
    let mut rest = &body[major..];
    let mut parts = 1;
    while let Some(after) = rest.strip_prefix('.') {
        if parts == 4 {
            return None;
        }
        let n = digits_len(after);
        if n > 0 {
            out.push_str(&rest[..=n]);
            rest = &after[n..];
        } else if after.starts_with(['x', 'X', '*']) {
            out.push_str(".9999999");
            rest = &after[1..];
        } else {
            return None;
        }
        parts += 1;
    }
    if !rest.is_empty() {
        return None;
    }
    for _ in parts..4 {
        out.push_str(".9999999");
    }
    out.push_str("-dev");
    Some(out)
}

fn cmp_part(a: &Part, b: &Part) -> Ordering {
    match (a, b) {
        (Part::Num(x), Part::Num(y)) => x.cmp(y),
        (Part::Num(_), Part::Word(w)) => NUMBER.cmp(w),
        (Part::Word(w), Part::Num(_)) => w.cmp(&NUMBER),
        (Part::Word(x), Part::Word(y)) => x.cmp(y),
    }
}

/// What the first part left over on the longer side says.
fn leftover(p: &Part) -> Ordering {
    match p {
        Part::Num(_) => Ordering::Greater,
        Part::Word(w) => w.cmp(&NUMBER),
    }
}

impl Ord for ComposerVersion {
    fn cmp(&self, other: &ComposerVersion) -> Ordering {
        num::cmp_then_leftover(&self.parts, &other.parts, cmp_part, leftover)
    }
}

super::num::ord_via_cmp!(ComposerVersion);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::version::testing::{assert_chain, assert_refused};

    fn c(s: &str) -> ComposerVersion {
        ComposerVersion::parse(s).unwrap()
    }

    #[test]
    fn normalised_then_compared_as_php_does() {
        // The PHP manual's version_compare page, after normalize; every
        // rule in tests/fixtures/ecosystem-rules/packagist.txt.
        let chain = ["1.0-dev", "1.0a1", "1.0b1", "1.0RC1", "1.0", "1.0pl1"];
        assert_chain(ComposerVersion::parse, &chain);
        assert_eq!(c("5.2"), c("5.2.0"));
        assert!(c("1.0rc1") < c("1.0"));
        assert_eq!(c("1.0RC1"), c("1.0rc1"));
        assert_eq!(c("v1.0.0"), c("1.0.0"));
        assert_eq!(c("1.25.0-beta2.1"), c("1.25.0-b.2.1"));
        assert_eq!(c(" 1.0.0"), c("1.0.0 "));
        assert_eq!(c("1.0.0 as 2.0"), c("1.0"));
        assert_eq!(c("1.0.0+foo@dev"), c("1.0"));
        assert_eq!(normalize("1.0.0.RC.15-dev"), Ok("1.0.0.0-RC15-dev".into()));
        assert_eq!(
            normalize("2010-01-02-10-20-30.5"),
            Ok("2010.01.02.10.20.30.5".into())
        );
        assert_eq!(
            normalize("v1.x-dev"),
            Ok("1.9999999.9999999.9999999-dev".into())
        );
        assert_refused(
            ComposerVersion::parse,
            &[
                "dev-main",
                "foo",
                "1.2.3.#",
                "1.0-x",
                "",
                "1.0.0-é",
                "2010-01--02",
            ],
        );
    }
}
