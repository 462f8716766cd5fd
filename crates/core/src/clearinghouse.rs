//! The clearinghouse's words: what a participant scans (a target), how (a
//! technique), what came of it, and where a case stands. No I/O.
//!
//! A target is named canonically so that two participants naming the same
//! thing get the same key and therefore meet at the same lease:
//!
//! - `purl`: a package URL, `pkg:TYPE/NAMESPACE/NAME@VERSION`. The scheme
//!   and type are lowercased, qualifiers and subpath are dropped (they name
//!   a build or a file of the package, not what is scanned). This is the
//!   purl specification's canonical form only as far as deconfliction needs
//!   it; the full parser and its conformance suite belong to the version
//!   engine. A purl without a version names every version of the package,
//!   which is a target of its own: ranges are matched against versions once
//!   there is an ordering per ecosystem.
//! - `repo`: `URL@COMMIT`, an `https://` (or `ssh://`, `git@`) repository
//!   at a full or abbreviated commit id (7 to 64 hexadecimal digits,
//!   lowercased); a trailing `.git` and `/` are dropped.
//! - `cpe`: a CPE 2.3 formatted string, `cpe:2.3:` and eleven fields,
//!   lowercased.

use std::fmt;
use std::str::FromStr;

use crate::ParseError;
use crate::grant::word_enum;

word_enum!(
    /// How a target is named.
    TargetKind, "target kind", "purl, repo, cpe", {
        Purl => "purl",
        Repo => "repo",
        Cpe => "cpe",
    }
);

word_enum!(
    /// How a participant scans: overlap on purpose is usually a different
    /// technique on the same target.
    Technique, "technique", "fuzzing, static_analysis, ai_agent, manual_review", {
        Fuzzing => "fuzzing",
        StaticAnalysis => "static_analysis",
        AiAgent => "ai_agent",
        ManualReview => "manual_review",
    }
);

word_enum!(
    /// What came of a claim when it was released. "Nothing found" is worth
    /// as much to the next scanner as a finding.
    ClaimOutcome, "claim outcome", "findings, nothing_found, abandoned", {
        Findings => "findings",
        NothingFound => "nothing_found",
        Abandoned => "abandoned",
    }
);

/// A target's name that does not follow its kind's form.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind} target {value:?}: {why}")]
pub struct TargetError {
    pub kind: TargetKind,
    pub value: String,
    pub why: &'static str,
}

/// A scan target, canonically named.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Target {
    kind: TargetKind,
    locator: String,
}

impl Target {
    /// Parses and canonicalizes `locator` as a target of `kind`.
    pub fn parse(kind: TargetKind, locator: &str) -> Result<Target, TargetError> {
        let err = |why| TargetError {
            kind,
            value: locator.chars().take(200).collect(),
            why,
        };
        let s = locator.trim();
        if s.is_empty() || s.len() > 2048 {
            return Err(err("must be 1 to 2048 characters"));
        }
        if s.chars().any(|c| c.is_control() || c.is_whitespace()) {
            return Err(err("must not contain spaces or control characters"));
        }
        let locator = match kind {
            TargetKind::Purl => canonical_purl(s).map_err(err)?,
            TargetKind::Repo => canonical_repo(s).map_err(err)?,
            TargetKind::Cpe => canonical_cpe(s).map_err(err)?,
        };
        Ok(Target { kind, locator })
    }

    pub fn kind(&self) -> TargetKind {
        self.kind
    }

    /// The canonical name.
    pub fn locator(&self) -> &str {
        &self.locator
    }

    /// The key under which claims on this target meet: kind and name.
    pub fn key(&self) -> String {
        format!("{}:{}", self.kind, self.locator)
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.locator)
    }
}

fn canonical_purl(s: &str) -> Result<String, &'static str> {
    let rest = s
        .get(..4)
        .filter(|p| p.eq_ignore_ascii_case("pkg:"))
        .map(|_| &s[4..])
        .ok_or("must start with pkg:")?;
    // Qualifiers and subpath name a build or a file: not part of the target.
    let rest = rest.split(['?', '#']).next().unwrap_or_default();
    let rest = rest.trim_start_matches('/');
    let (path, version) = match rest.rsplit_once('@') {
        // An '@' inside the path (npm scopes are percent-encoded as %40) is
        // the version separator only after the last '/'.
        Some((p, v)) if !v.contains('/') => (p, Some(v)),
        _ => (rest, None),
    };
    let (ty, name_path) = path.split_once('/').ok_or("needs a type and a name")?;
    if ty.is_empty()
        || !ty.starts_with(|c: char| c.is_ascii_alphabetic())
        || !ty
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '+' | '-'))
    {
        return Err("the type must be letters, digits, '.', '+' or '-', starting with a letter");
    }
    let segments: Vec<&str> = name_path
        .trim_end_matches('/')
        .split('/')
        .filter(|p| !p.is_empty())
        .collect();
    if segments.is_empty() {
        return Err("needs a name");
    }
    let mut out = format!("pkg:{}/{}", ty.to_ascii_lowercase(), segments.join("/"));
    if let Some(v) = version {
        if v.is_empty() {
            return Err("an '@' must be followed by a version");
        }
        out.push('@');
        out.push_str(v);
    }
    Ok(out)
}

fn canonical_repo(s: &str) -> Result<String, &'static str> {
    let (url, commit) = s.rsplit_once('@').ok_or("must be URL@COMMIT")?;
    if !(url.starts_with("https://") || url.starts_with("ssh://") || url.starts_with("git@")) {
        return Err("the repository must be an https://, ssh:// or git@ address");
    }
    if !(7..=64).contains(&commit.len()) || !commit.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err("the commit must be 7 to 64 hexadecimal digits");
    }
    let url = url.trim_end_matches('/');
    let url = url.strip_suffix(".git").unwrap_or(url);
    if url.ends_with("://") || url.ends_with(':') {
        return Err("the repository address has no path");
    }
    Ok(format!("{url}@{}", commit.to_ascii_lowercase()))
}

fn canonical_cpe(s: &str) -> Result<String, &'static str> {
    let lower = s.to_ascii_lowercase();
    if !lower.starts_with("cpe:2.3:") {
        return Err("must be a CPE 2.3 formatted string (cpe:2.3:…)");
    }
    // Eleven fields after the prefix; a ':' escaped with '\' is inside a field.
    let body = &lower["cpe:2.3:".len()..];
    let mut fields = 1;
    let mut escaped = false;
    for c in body.chars() {
        match (escaped, c) {
            (true, _) => escaped = false,
            (false, '\\') => escaped = true,
            (false, ':') => fields += 1,
            _ => {}
        }
    }
    if fields != 11 {
        return Err("a CPE 2.3 name has eleven fields after cpe:2.3:");
    }
    if !matches!(body.chars().next(), Some('a' | 'o' | 'h' | '*' | '-'))
        || body.as_bytes().get(1) != Some(&b':')
    {
        return Err("the part must be a, o, h, * or -");
    }
    Ok(lower)
}

impl FromStr for Target {
    type Err = TargetError;
    /// `KIND:LOCATOR` is not a thing; a target is parsed with its kind. This
    /// reads the locator and infers the kind from its prefix.
    fn from_str(s: &str) -> Result<Target, TargetError> {
        let lower = s
            .trim_start()
            .get(..4)
            .unwrap_or_default()
            .to_ascii_lowercase();
        let kind = if lower == "pkg:" {
            TargetKind::Purl
        } else if lower == "cpe:" {
            TargetKind::Cpe
        } else {
            TargetKind::Repo
        };
        Target::parse(kind, s)
    }
}

/// Checks a free-text claim field (a tool or model name or version).
pub fn check_label(what: &'static str, s: &str) -> Result<(), ParseError> {
    if s.is_empty() || s.len() > 200 || s.chars().any(char::is_control) {
        return Err(ParseError {
            what,
            value: s.chars().take(200).collect(),
            allowed: "1 to 200 printable characters",
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn purl(s: &str) -> Result<String, TargetError> {
        Target::parse(TargetKind::Purl, s).map(|t| t.locator().to_owned())
    }

    #[test]
    fn purls_are_canonical_for_deconfliction() {
        assert_eq!(
            purl("pkg:npm/lodash@4.17.21").unwrap(),
            "pkg:npm/lodash@4.17.21"
        );
        assert_eq!(
            purl("PKG:NPM/lodash@4.17.21").unwrap(),
            "pkg:npm/lodash@4.17.21"
        );
        assert_eq!(
            purl("pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1?type=jar#src").unwrap(),
            "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1"
        );
        assert_eq!(
            purl("pkg:npm/%40angular/core@16.0.0").unwrap(),
            "pkg:npm/%40angular/core@16.0.0"
        );
        assert_eq!(purl("pkg:pypi/django").unwrap(), "pkg:pypi/django");
        assert_eq!(
            purl("pkg:/golang//github.com/x/net/").unwrap(),
            "pkg:golang/github.com/x/net"
        );
        for bad in [
            "npm/lodash",
            "pkg:npm",
            "pkg:npm/",
            "pkg:1npm/x",
            "pkg:npm/x@",
            "pkg:n_pm/x",
        ] {
            assert!(purl(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_version_less_purl_is_another_target_than_a_version() {
        let all = Target::parse(TargetKind::Purl, "pkg:npm/lodash").unwrap();
        let one = Target::parse(TargetKind::Purl, "pkg:npm/lodash@4.17.21").unwrap();
        assert_ne!(all.key(), one.key());
    }

    #[test]
    fn repositories_at_commits() {
        let t = Target::parse(
            TargetKind::Repo,
            "https://github.com/openssl/openssl.git@ABCDEF1234567",
        )
        .unwrap();
        assert_eq!(
            t.locator(),
            "https://github.com/openssl/openssl@abcdef1234567"
        );
        assert_eq!(
            t.key(),
            "repo:https://github.com/openssl/openssl@abcdef1234567"
        );
        for bad in [
            "https://github.com/openssl/openssl",
            "https://github.com/openssl/openssl@main",
            "https://github.com/openssl/openssl@abc",
            "ftp://x/y@abcdef1",
            "https://@abcdef1",
        ] {
            assert!(Target::parse(TargetKind::Repo, bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn cpes_have_eleven_fields() {
        let t = Target::parse(
            TargetKind::Cpe,
            "cpe:2.3:a:Apache:Log4j:2.14.1:*:*:*:*:*:*:*",
        )
        .unwrap();
        assert_eq!(t.locator(), "cpe:2.3:a:apache:log4j:2.14.1:*:*:*:*:*:*:*");
        let escaped = Target::parse(
            TargetKind::Cpe,
            "cpe:2.3:a:vendor:prod\\:uct:1.0:*:*:*:*:*:*:*",
        );
        assert!(escaped.is_ok(), "{escaped:?}");
        for bad in [
            "cpe:/a:apache:log4j:2.14.1",
            "cpe:2.3:a:apache:log4j",
            "cpe:2.3:x:apache:log4j:2.14.1:*:*:*:*:*:*:*",
        ] {
            assert!(Target::parse(TargetKind::Cpe, bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn blanks_spaces_and_control_characters_are_refused() {
        for kind in TargetKind::ALL {
            for bad in ["", "  ", "pkg:npm/a b", "pkg:npm/a\u{0}"] {
                assert!(Target::parse(*kind, bad).is_err(), "{kind} {bad:?}");
            }
        }
        assert!(check_label("model", "gpt-5.1").is_ok());
        assert!(check_label("model", "").is_err());
        assert!(check_label("model", "a\nb").is_err());
    }

    #[test]
    fn the_kind_is_inferred_from_the_prefix() {
        assert_eq!(
            "pkg:npm/x@1".parse::<Target>().unwrap().kind(),
            TargetKind::Purl
        );
        assert_eq!(
            "cpe:2.3:a:v:p:1:*:*:*:*:*:*:*"
                .parse::<Target>()
                .unwrap()
                .kind(),
            TargetKind::Cpe
        );
        assert_eq!(
            "https://example.org/r@abcdef1"
                .parse::<Target>()
                .unwrap()
                .kind(),
            TargetKind::Repo
        );
    }
}

word_enum!(
    /// Where a clearinghouse case stands. A case folded into another by a
    /// merge is `duplicate`.
    CaseState, "case state", "new, triaged, validating, validated, rejected, duplicate", {
        New => "new",
        Triaged => "triaged",
        Validating => "validating",
        Validated => "validated",
        Rejected => "rejected",
        Duplicate => "duplicate",
    }
);

impl CaseState {
    /// The states a case may move to next by an analyst's decision
    /// (`duplicate` comes only from a merge, and a split undoes it).
    pub fn next(self) -> &'static [CaseState] {
        use CaseState::*;
        match self {
            New => &[Triaged, Rejected],
            Triaged => &[Validating, Rejected],
            Validating => &[Validated, Rejected],
            Validated | Rejected | Duplicate => &[],
        }
    }
}

word_enum!(
    /// What a validation task asks of its validator.
    ValidationKind, "validation kind", "reproduction, vendor_confirmation", {
        Reproduction => "reproduction",
        VendorConfirmation => "vendor_confirmation",
    }
);

word_enum!(
    /// What a validator found.
    ValidationResult, "validation result", "reproduced, not_reproduced, confirmed, disputed", {
        Reproduced => "reproduced",
        NotReproduced => "not_reproduced",
        Confirmed => "confirmed",
        Disputed => "disputed",
    }
);

impl ValidationResult {
    /// The results a kind of validation may give.
    pub fn fits(self, kind: ValidationKind) -> bool {
        matches!(
            (kind, self),
            (
                ValidationKind::Reproduction,
                ValidationResult::Reproduced | ValidationResult::NotReproduced
            ) | (
                ValidationKind::VendorConfirmation,
                ValidationResult::Confirmed | ValidationResult::Disputed
            )
        )
    }
}

/// When a case counts as validated: `reproductions` independent
/// reproductions (by organizations that did not report it), or the vendor's
/// confirmation when `vendor_confirms` is set. The default is one
/// reproduction or the vendor's word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quorum {
    pub reproductions: u32,
    pub vendor_confirms: bool,
}

impl Default for Quorum {
    fn default() -> Self {
        Quorum {
            reproductions: 1,
            vendor_confirms: true,
        }
    }
}

/// One validation as the quorum rule sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Validation<Org> {
    pub kind: ValidationKind,
    pub result: ValidationResult,
    pub org: Org,
}

impl Quorum {
    /// Whether `validations` meet the quorum for a case reported by
    /// `reporters`. A reproduction by a reporter's organization is not
    /// independent and does not count; each organization counts once.
    pub fn is_met<Org: PartialEq + Copy>(
        &self,
        reporters: &[Org],
        validations: &[Validation<Org>],
    ) -> bool {
        let mut independent: Vec<Org> = Vec::new();
        for v in validations {
            if v.kind == ValidationKind::Reproduction
                && v.result == ValidationResult::Reproduced
                && !reporters.contains(&v.org)
                && !independent.contains(&v.org)
            {
                independent.push(v.org);
            }
        }
        let vendor = self.vendor_confirms
            && validations.iter().any(|v| {
                v.kind == ValidationKind::VendorConfirmation
                    && v.result == ValidationResult::Confirmed
            });
        vendor || (self.reproductions > 0 && independent.len() >= self.reproductions as usize)
    }
}

#[cfg(test)]
mod quorum_tests {
    use super::*;

    fn v(kind: ValidationKind, result: ValidationResult, org: u8) -> Validation<u8> {
        Validation { kind, result, org }
    }

    #[test]
    fn one_independent_reproduction_or_the_vendors_word_by_default() {
        use ValidationKind::*;
        use ValidationResult::*;
        let q = Quorum::default();
        let reporters = [1, 2];
        assert!(!q.is_met(&reporters, &[]));
        assert!(
            !q.is_met(&reporters, &[v(Reproduction, Reproduced, 1)]),
            "a reporter is not independent"
        );
        assert!(!q.is_met(&reporters, &[v(Reproduction, NotReproduced, 3)]));
        assert!(q.is_met(&reporters, &[v(Reproduction, Reproduced, 3)]));
        assert!(q.is_met(&reporters, &[v(VendorConfirmation, Confirmed, 9)]));
        assert!(!q.is_met(&reporters, &[v(VendorConfirmation, Disputed, 9)]));
        let strict = Quorum {
            reproductions: 2,
            vendor_confirms: false,
        };
        assert!(!strict.is_met(&reporters, &[v(VendorConfirmation, Confirmed, 9)]));
        assert!(
            !strict.is_met(
                &reporters,
                &[
                    v(Reproduction, Reproduced, 3),
                    v(Reproduction, Reproduced, 3)
                ]
            ),
            "one organization counts once"
        );
        assert!(strict.is_met(
            &reporters,
            &[
                v(Reproduction, Reproduced, 3),
                v(Reproduction, Reproduced, 4)
            ]
        ));
    }

    #[test]
    fn results_fit_their_kind() {
        assert!(ValidationResult::Reproduced.fits(ValidationKind::Reproduction));
        assert!(!ValidationResult::Confirmed.fits(ValidationKind::Reproduction));
        assert!(ValidationResult::Disputed.fits(ValidationKind::VendorConfirmation));
        assert!(!ValidationResult::NotReproduced.fits(ValidationKind::VendorConfirmation));
    }
}
