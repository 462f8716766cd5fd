//! Whether a version is affected, exactly as the OSV schema's evaluation
//! section defines it.
//!
//! For each `SEMVER` or `ECOSYSTEM` range the events are sorted by version
//! (`introduced: "0"` first, `limit: "*"` last; the sort is stable) and
//! walked in order: an `introduced` at or below the version makes it
//! affected, a `fixed` at or below it (exclusive end) or a `last_affected`
//! below it (inclusive end) makes it unaffected again, so several
//! introduced/fixed pairs in one range are all honoured. When a range has
//! `limit` events the version must also be below one of them. A version
//! listed in `versions` is affected whatever the ranges say; the list is
//! compared after parsing both sides under the ecosystem's rules (`1.0` is
//! `1.0.0` in PyPI). `GIT` ranges are commits, not versions: they are
//! answered from the `versions` list only.
//!
//! `SEMVER` ranges use SemVer 2.0 order whatever the ecosystem. Their
//! versions are read strictly first and then with Go's reading (a leading
//! `v`, `1.2` shorthands), which orders the same, because Go modules and
//! several databases write them so. `introduced: "0"` is not a SemVer
//! version and is never parsed: it means "from the very first".
//!
//! What cannot be decided is [`Outcome::Indeterminate`], never silently
//! unaffected: no version, a version the ecosystem rejects, an event
//! version the ecosystem rejects, an ecosystem without known order, a
//! range type the schema does not define.

use std::cmp::Ordering;
use std::fmt;
use std::sync::{Arc, OnceLock};

use bulwark_versions::{Ecosystem, Version, VersionError};

use crate::osv::{Affected, Event, RangeType};

/// The answer for one version against one `affected[]` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Affected(Why),
    NotAffected,
    /// Cannot be decided; the reason says why.
    Indeterminate(String),
}

/// What made a version affected. Its strings are shared with the
/// compiled entry ([`Evaluator`]), so that a finding costs no copies.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Why {
    /// Inside range `range` (index into `ranges`), opened by `introduced`
    /// and closed by `end` (a `fixed` or `last_affected`, if any).
    Range {
        range: usize,
        kind: RangeType,
        introduced: Arc<str>,
        end: Option<Arc<Event>>,
        /// The smallest `limit` above the version, when the range has any.
        limit: Option<Arc<str>>,
    },
    /// Equal to `version` in the `versions` list.
    Listed { version: Arc<str> },
}

impl fmt::Display for Why {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Why::Range {
                introduced,
                end,
                limit,
                ..
            } => {
                write!(f, "introduced {introduced}")?;
                match end {
                    Some(e) => write!(f, ", {e}")?,
                    None => f.write_str(", no fix")?,
                }
                if let Some(l) = limit {
                    write!(f, ", limit {l}")?;
                }
                Ok(())
            }
            Why::Listed { version } if version.is_empty() => f.write_str("listed in versions"),
            Why::Listed { version } => write!(f, "listed in versions ({version})"),
        }
    }
}

/// A point on a range's axis.
#[derive(Debug, Clone)]
enum Point {
    /// `introduced: "0"`.
    Zero,
    At(Version),
    /// `limit: "*"`.
    Unlimited,
}

impl Point {
    fn cmp_version(&self, v: &Version) -> Ordering {
        match self {
            Point::Zero => Ordering::Less,
            Point::At(p) => p.cmp(v),
            Point::Unlimited => Ordering::Greater,
        }
    }

    fn rank(&self) -> u8 {
        match self {
            Point::Zero => 0,
            Point::At(_) => 1,
            Point::Unlimited => 2,
        }
    }
}

impl PartialEq for Point {
    fn eq(&self, other: &Point) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Point {}
impl PartialOrd for Point {
    fn partial_cmp(&self, other: &Point) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Point {
    fn cmp(&self, other: &Point) -> Ordering {
        match (self, other) {
            (Point::At(a), Point::At(b)) => a.cmp(b),
            _ => self.rank().cmp(&other.rank()),
        }
    }
}

/// How a range's versions are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Order {
    SemVer,
    Of(Ecosystem),
}

impl Order {
    fn parse(self, s: &str) -> Result<Version, VersionError> {
        match self {
            Order::Of(e) => Version::parse(e, s),
            Order::SemVer => parse_semver(s),
        }
    }
}

/// SemVer 2.0, strictly, else as Go writes it (same order).
fn parse_semver(s: &str) -> Result<Version, VersionError> {
    Version::parse(Ecosystem::CratesIo, s).or_else(|strict| {
        Version::parse(Ecosystem::Go, s).map_err(|_| match strict {
            VersionError::Invalid {
                version, reason, ..
            } => VersionError::Invalid {
                ecosystem: Ecosystem::CratesIo,
                version,
                reason,
            },
            other => other,
        })
    })
}

/// One event of a compiled range: as written (shared with findings),
/// its version as written, and its place on the axis.
#[derive(Debug, Clone)]
struct CompiledEvent {
    /// The event's kind, kept inline for the walk.
    kind: Kind,
    point: Point,
    event: Arc<Event>,
    version: Arc<str>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Introduced,
    Fixed,
    LastAffected,
    Limit,
}

#[derive(Debug, Clone)]
struct CompiledRange {
    index: usize,
    kind: RangeType,
    /// Sorted events, or why the range cannot be read.
    events: Result<(Order, Vec<CompiledEvent>), String>,
}

#[derive(Debug, Clone)]
struct Listed {
    raw: Arc<str>,
    parsed: Option<Version>,
}

/// One `affected[]` entry with its versions parsed and its events sorted
/// once, to be evaluated against many versions.
#[derive(Debug, Clone)]
pub struct Evaluator {
    ecosystem: Option<Ecosystem>,
    ranges: Vec<CompiledRange>,
    versions: Vec<Listed>,
    /// Positions in `versions` of the entries that parse, by version and
    /// then position (several databases list hundreds of versions).
    by_version: Vec<usize>,
    /// Positions in `versions` of the entries that do not parse.
    unparsed: Vec<usize>,
}

impl Evaluator {
    /// Compiles `affected`; nothing here fails; what cannot be read is
    /// kept as the reason a later evaluation is indeterminate.
    pub fn new(affected: &Affected) -> Evaluator {
        let ecosystem_name = affected
            .package
            .as_ref()
            .map(|p| p.ecosystem.clone())
            .unwrap_or_default();
        let ecosystem = Ecosystem::from_osv(&ecosystem_name).ok();
        let ranges = affected
            .ranges
            .iter()
            .enumerate()
            .map(|(index, r)| {
                let order = match (&r.kind, ecosystem) {
                    (RangeType::Semver, _) => Ok(Order::SemVer),
                    (RangeType::Ecosystem, Some(e)) => Ok(Order::Of(e)),
                    (RangeType::Ecosystem, None) => Err(no_order(&ecosystem_name)),
                    (RangeType::Git, _) => Err(String::new()),
                    (RangeType::Other(t), _) => Err(format!("range type {t:?} is not defined")),
                };
                let events = order.and_then(|order| {
                    let mut events = Vec::with_capacity(r.events.len());
                    for e in &r.events {
                        let point =
                            match e {
                                Event::Introduced(v) if v == "0" => Point::Zero,
                                Event::Limit(v) if v == "*" => Point::Unlimited,
                                _ => Point::At(order.parse(e.version()).map_err(|err| {
                                    format!("ranges[{index}] {}: {err}", e.kind())
                                })?),
                            };
                        events.push(CompiledEvent {
                            kind: match e {
                                Event::Introduced(_) => Kind::Introduced,
                                Event::Fixed(_) => Kind::Fixed,
                                Event::LastAffected(_) => Kind::LastAffected,
                                Event::Limit(_) => Kind::Limit,
                            },
                            event: Arc::new(e.clone()),
                            version: Arc::from(e.version()),
                            point,
                        });
                    }
                    events.sort_by(|a, b| a.point.cmp(&b.point));
                    Ok((order, events))
                });
                CompiledRange {
                    index,
                    kind: r.kind.clone(),
                    events,
                }
            })
            .collect();
        let versions = affected
            .versions
            .iter()
            .map(|raw| Listed {
                raw: Arc::from(raw.as_str()),
                parsed: ecosystem.and_then(|e| Version::parse(e, raw).ok()),
            })
            .collect::<Vec<Listed>>();
        let (mut by_version, unparsed): (Vec<usize>, Vec<usize>) =
            (0..versions.len()).partition(|&i| versions[i].parsed.is_some());
        by_version.sort_by(|&a, &b| versions[a].parsed.cmp(&versions[b].parsed).then(a.cmp(&b)));
        Evaluator {
            ecosystem,
            ranges,
            versions,
            by_version,
            unparsed,
        }
    }

    /// An entry whose compiled form could not be read: every evaluation
    /// is indeterminate, saying why.
    pub(crate) fn unreadable(reason: String) -> Evaluator {
        Evaluator {
            ecosystem: None,
            ranges: vec![CompiledRange {
                index: 0,
                kind: RangeType::Other(String::new()),
                events: Err(reason),
            }],
            versions: Vec::new(),
            by_version: Vec::new(),
            unparsed: Vec::new(),
        }
    }

    /// Why ranges of this entry cannot be read (bad event versions, an
    /// ecosystem without known order, an undefined range type): each makes
    /// an evaluation that no other range or list decides indeterminate.
    pub fn problems(&self) -> impl Iterator<Item = &str> {
        self.ranges.iter().filter_map(|r| match &r.events {
            Err(reason) if !reason.is_empty() => Some(reason.as_str()),
            _ => None,
        })
    }

    /// Evaluates `version` (`None`: the component did not say).
    pub fn evaluate(&self, version: Option<&str>) -> Outcome {
        self.evaluate_subject(&Subject::new(self.ecosystem, version))
    }

    /// Evaluates a version parsed once ([`Subject`]) for many entries.
    /// A subject parsed under another ecosystem than this entry's is
    /// parsed again under this one.
    pub fn evaluate_subject(&self, subject: &Subject) -> Outcome {
        match self.evaluate_at(subject) {
            Found::Affected(at) => Outcome::Affected(self.why(at)),
            Found::NotAffected => Outcome::NotAffected,
            Found::Indeterminate(reason) => Outcome::Indeterminate(reason),
        }
    }

    /// [`Evaluator::evaluate_subject`], saying where the version was
    /// found instead of copying out why ([`Evaluator::why`] does that), so
    /// that the engine's workers write small findings and touch no shared
    /// reference counts.
    pub(crate) fn evaluate_at(&self, subject: &Subject) -> Found {
        if subject.ecosystem != self.ecosystem {
            let again = Subject::new(self.ecosystem, subject.raw.as_deref());
            return self.evaluate_at(&again);
        }
        let Some(version) = subject.raw.as_deref() else {
            return Found::Indeterminate("the component has no version".into());
        };
        let mut reasons: Vec<String> = Vec::new();
        let native = subject.native.as_ref();
        for (position, r) in self.ranges.iter().enumerate() {
            let (order, events) = match &r.events {
                Ok(ok) => ok,
                Err(reason) => {
                    if !reason.is_empty() {
                        reasons.push(reason.clone());
                    }
                    continue;
                }
            };
            let v = match order {
                Order::SemVer => subject.semver.get_or_init(|| parse_semver(version)),
                Order::Of(_) => match native {
                    Some(v) => v,
                    None => continue,
                },
            };
            match v {
                Ok(v) => {
                    if let Some((introduced, end, limit)) = walk(events, v) {
                        return Found::Affected(At::Range {
                            range: position,
                            introduced,
                            end,
                            limit,
                        });
                    }
                }
                Err(e) => reasons.push(e.to_string()),
            }
        }
        if let Some(hit) = self.listed_at(version, native) {
            return Found::Affected(At::Listed(hit));
        }
        match reasons.is_empty() {
            true => Found::NotAffected,
            false => {
                reasons.dedup();
                Found::Indeterminate(reasons.join("; "))
            }
        }
    }

    /// Why, from where [`Evaluator::evaluate_at`] found a version: the
    /// strings shared with this compiled entry, not copied.
    pub(crate) fn why(&self, at: At) -> Why {
        match at {
            At::Range {
                range,
                introduced,
                end,
                limit,
            } => {
                let r = &self.ranges[range];
                let events: &[CompiledEvent] = match &r.events {
                    Ok((_, events)) => events,
                    Err(_) => &[],
                };
                let version = |i: usize| events.get(i).map(|e| Arc::clone(&e.version));
                Why::Range {
                    range: r.index,
                    kind: r.kind.clone(),
                    introduced: version(introduced).unwrap_or_else(|| Arc::from("")),
                    end: end
                        .and_then(|i| events.get(i))
                        .map(|e| Arc::clone(&e.event)),
                    limit: limit.and_then(version),
                }
            }
            At::Listed(i) => Why::Listed {
                version: Arc::clone(&self.versions[i].raw),
            },
        }
    }

    /// The first entry of `versions` (in list order) equal to the version:
    /// by the ecosystem's equality when both sides parse, else as text.
    #[cfg(test)]
    fn listed(&self, raw: &str, native: Option<&Result<Version, VersionError>>) -> Option<&str> {
        self.listed_at(raw, native).map(|i| &*self.versions[i].raw)
    }

    /// [`Evaluator::listed`]'s position in `versions`.
    fn listed_at(
        &self,
        raw: &str,
        native: Option<&Result<Version, VersionError>>,
    ) -> Option<usize> {
        let Some(Ok(v)) = native else {
            return self.versions.iter().position(|l| &*l.raw == raw);
        };
        // Parsed entries by binary search (the first equal one in list
        // order), unparsed ones as text.
        let from = self
            .by_version
            .partition_point(|&i| self.versions[i].parsed.as_ref().is_some_and(|p| p < v));
        let parsed = self.by_version.get(from).copied().filter(|&i| {
            self.versions[i]
                .parsed
                .as_ref()
                .is_some_and(|p| p.cmp(v) == Ordering::Equal)
        });
        let unparsed = self
            .unparsed
            .iter()
            .copied()
            .find(|&i| &*self.versions[i].raw == raw);
        let first = match (parsed, unparsed) {
            (Some(a), Some(b)) => a.min(b),
            (a, b) => a.or(b)?,
        };
        Some(first)
    }
}

/// A component's version parsed once, to be evaluated against every
/// entry of its package ([`Evaluator::evaluate_subject`]): under its
/// ecosystem's rules now, and under SemVer's the first time a `SEMVER`
/// range asks.
#[derive(Debug, Clone)]
pub struct Subject {
    ecosystem: Option<Ecosystem>,
    /// Trimmed; `None` when absent or blank.
    raw: Option<String>,
    native: Option<Result<Version, VersionError>>,
    semver: OnceLock<Result<Version, VersionError>>,
}

impl Subject {
    /// `version` (`None`: the component did not say) under `ecosystem`
    /// (`None`: an ecosystem without known order).
    pub fn new(ecosystem: Option<Ecosystem>, version: Option<&str>) -> Subject {
        let raw = version
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned);
        let native = match (ecosystem, &raw) {
            (Some(e), Some(v)) => Some(Version::parse(e, v)),
            _ => None,
        };
        Subject {
            ecosystem,
            raw,
            native,
            semver: OnceLock::new(),
        }
    }

    /// For a version in the OSV ecosystem (key) `ecosystem`.
    pub fn for_osv(ecosystem: &str, version: Option<&str>) -> Subject {
        Subject::new(Ecosystem::from_osv(ecosystem).ok(), version)
    }
}

fn no_order(ecosystem: &str) -> String {
    format!("no version order is known for ecosystem {ecosystem:?}")
}

/// The schema's walk over sorted events; `Some` when `v` is inside, with
/// the positions of the opening `introduced`, the event that closes the
/// range after it (a `fixed` or `last_affected`, if any) and the smallest
/// `limit` above `v` (when the range has limits).
fn walk(events: &[CompiledEvent], v: &Version) -> Option<(usize, Option<usize>, Option<usize>)> {
    let mut opened: Option<usize> = None;
    for (i, e) in events.iter().enumerate() {
        match e.kind {
            Kind::Introduced if e.point.cmp_version(v) != Ordering::Greater => opened = Some(i),
            Kind::Fixed if e.point.cmp_version(v) != Ordering::Greater => opened = None,
            Kind::LastAffected if e.point.cmp_version(v) == Ordering::Less => opened = None,
            _ => {}
        }
    }
    let start = opened?;
    let mut limits = events
        .iter()
        .enumerate()
        .filter(|(_, e)| e.kind == Kind::Limit)
        .peekable();
    let limit = if limits.peek().is_some() {
        let (above, _) = limits.find(|(_, e)| e.point.cmp_version(v) == Ordering::Greater)?;
        Some(above)
    } else {
        None
    };
    let end = events[start + 1..]
        .iter()
        .position(|e| matches!(e.kind, Kind::Fixed | Kind::LastAffected))
        .map(|p| start + 1 + p);
    Some((start, end, limit))
}

/// Where a version was found affected in a compiled entry: positions of
/// the range and its events, or of the `versions` entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum At {
    Range {
        /// Position in the compiled ranges (the same as in `ranges`).
        range: usize,
        introduced: usize,
        end: Option<usize>,
        limit: Option<usize>,
    },
    Listed(usize),
}

/// [`Outcome`] with [`At`] in place of [`Why`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Found {
    Affected(At),
    NotAffected,
    Indeterminate(String),
}

/// Evaluates `version` against one `affected[]` entry (compiling it first;
/// use [`Evaluator`] to evaluate many versions).
pub fn evaluate(affected: &Affected, version: Option<&str>) -> Outcome {
    Evaluator::new(affected).evaluate(version)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::osv::{Package, Range};

    fn affected(eco: &str, ranges: Vec<(RangeType, Vec<Event>)>, versions: &[&str]) -> Affected {
        Affected {
            package: Some(Package {
                ecosystem: eco.into(),
                name: "p".into(),
                purl: None,
            }),
            severity: vec![],
            ranges: ranges
                .into_iter()
                .map(|(kind, events)| Range {
                    kind,
                    repo: None,
                    events,
                    database_specific: None,
                })
                .collect(),
            versions: versions.iter().map(|v| v.to_string()).collect(),
            ecosystem_specific: None,
            database_specific: None,
        }
    }

    fn i(v: &str) -> Event {
        Event::Introduced(v.into())
    }
    fn f(v: &str) -> Event {
        Event::Fixed(v.into())
    }
    fn la(v: &str) -> Event {
        Event::LastAffected(v.into())
    }
    fn lim(v: &str) -> Event {
        Event::Limit(v.into())
    }

    fn why(a: &Affected, v: &str) -> Option<String> {
        match evaluate(a, Some(v)) {
            Outcome::Affected(w) => Some(w.to_string()),
            Outcome::NotAffected => None,
            Outcome::Indeterminate(r) => panic!("indeterminate for {v}: {r}"),
        }
    }

    #[test]
    fn several_pairs_in_one_range_in_any_order() {
        // Written out of order on purpose: the schema sorts before walking.
        let a = affected(
            "crates.io",
            vec![(
                RangeType::Ecosystem,
                vec![f("2.1.0"), i("2.0.0"), i("1.0.0"), f("1.2.3")],
            )],
            &[],
        );
        assert_eq!(why(&a, "0.9.0"), None);
        assert_eq!(
            why(&a, "1.0.0").as_deref(),
            Some("introduced 1.0.0, fixed 1.2.3")
        );
        assert_eq!(
            why(&a, "1.2.2").as_deref(),
            Some("introduced 1.0.0, fixed 1.2.3")
        );
        assert_eq!(why(&a, "1.2.3"), None);
        assert_eq!(why(&a, "1.9.9"), None);
        assert_eq!(
            why(&a, "2.0.5").as_deref(),
            Some("introduced 2.0.0, fixed 2.1.0")
        );
        assert_eq!(why(&a, "2.1.0"), None);
        // A pre-release of the fix is still affected.
        assert!(why(&a, "2.1.0-rc.1").is_some());
    }

    #[test]
    fn last_affected_is_inclusive() {
        let a = affected(
            "PyPI",
            vec![(RangeType::Ecosystem, vec![i("0"), la("2.1")])],
            &[],
        );
        assert_eq!(
            why(&a, "2.1").as_deref(),
            Some("introduced 0, last_affected 2.1")
        );
        assert_eq!(
            why(&a, "2.1.0").as_deref(),
            Some("introduced 0, last_affected 2.1")
        );
        assert_eq!(
            why(&a, "0.0.1").as_deref(),
            Some("introduced 0, last_affected 2.1")
        );
        assert_eq!(why(&a, "2.1.post1"), None);
        assert_eq!(why(&a, "2.2"), None);
    }

    #[test]
    fn introduced_zero_and_no_fix() {
        let a = affected("npm", vec![(RangeType::Semver, vec![i("0")])], &[]);
        assert_eq!(why(&a, "0.0.0").as_deref(), Some("introduced 0, no fix"));
        assert_eq!(why(&a, "99.0.0").as_deref(), Some("introduced 0, no fix"));
    }

    #[test]
    fn limit_bounds_the_range() {
        let a = affected(
            "Go",
            vec![(RangeType::Semver, vec![i("1.0.0"), lim("1.5.0")])],
            &[],
        );
        assert_eq!(
            why(&a, "1.4.9").as_deref(),
            Some("introduced 1.0.0, no fix, limit 1.5.0")
        );
        assert_eq!(why(&a, "1.5.0"), None);
        assert_eq!(why(&a, "2.0.0"), None);
        let star = affected(
            "Go",
            vec![(RangeType::Semver, vec![i("1.0.0"), lim("*")])],
            &[],
        );
        assert!(why(&star, "9.0.0").is_some());
    }

    #[test]
    fn versions_list_after_normalisation() {
        let a = affected("PyPI", vec![], &["1.0", "2.0rc1"]);
        assert_eq!(
            why(&a, "1.0.0").as_deref(),
            Some("listed in versions (1.0)")
        );
        assert_eq!(why(&a, "1.0").as_deref(), Some("listed in versions (1.0)"));
        assert_eq!(
            why(&a, "2.0.0-rc.1").as_deref(),
            Some("listed in versions (2.0rc1)")
        );
        assert_eq!(why(&a, "1.0.1"), None);
        // Without a known order the list is compared as written.
        let b = affected("Hackage", vec![], &["1.0.0"]);
        assert!(why(&b, "1.0.0").is_some());
        assert!(why(&b, "1.0").is_none());
    }

    #[test]
    fn ecosystems_ordered_by_a_relative() {
        // Pub: pub_semver (a build after its release); CRAN: R's
        // package_version; Wolfi and Chainguard: apk; openEuler: rpm.
        let cases = [
            ("Pub", "1.0.0", "1.0.0+1", true),
            ("Pub", "1.0.0+1", "1.0.0+1", false),
            ("CRAN", "1.2-3", "1.2-4", true),
            ("CRAN", "1.2.4", "1.2-4", false),
            ("SwiftURL", "5.4.2", "5.4.3", true),
            ("Wolfi", "3.0.11-r0", "3.0.11-r1", true),
            ("Chainguard", "3.0.11-r1", "3.0.11-r1", false),
            (
                "openEuler:22.03-LTS",
                "1:2.3-4.oe2203",
                "1:2.3-5.oe2203",
                true,
            ),
            ("Mageia:9", "2.3-4.mga9", "2.3-5.mga9", true),
        ];
        for (eco, version, fixed, hit) in cases {
            let a = affected(
                eco,
                vec![(RangeType::Ecosystem, vec![i("0"), f(fixed)])],
                &[],
            );
            let outcome = evaluate(&a, Some(version));
            assert_eq!(
                matches!(outcome, Outcome::Affected(_)),
                hit,
                "{eco} {version} < {fixed}: {outcome:?}"
            );
        }
        // A version the ecosystem refuses stays indeterminate.
        let a = affected(
            "CRAN",
            vec![(RangeType::Ecosystem, vec![i("0"), f("1.2-4")])],
            &[],
        );
        assert!(matches!(
            evaluate(&a, Some("1.2-rc1")),
            Outcome::Indeterminate(_)
        ));
    }

    #[test]
    fn long_versions_lists_answer_as_a_scan_would() {
        // Out of order, with equal spellings and an entry PyPI refuses:
        // the first equal entry in list order is the one named.
        let listed: Vec<String> = (0..300)
            .rev()
            .map(|i| format!("1.{i}"))
            .chain(["0.9.0", "1.5.0", "0.9", "not a version", "2.0"].map(String::from))
            .collect();
        let refs: Vec<&str> = listed.iter().map(String::as_str).collect();
        let a = affected("PyPI", vec![], &refs);
        assert_eq!(why(&a, "1.5").as_deref(), Some("listed in versions (1.5)"));
        assert_eq!(
            why(&a, "0.9").as_deref(),
            Some("listed in versions (0.9.0)")
        );
        assert_eq!(why(&a, "2").as_deref(), Some("listed in versions (2.0)"));
        assert_eq!(why(&a, "1.300"), None);
        assert_eq!(why(&a, "0.8"), None);
        let ev = Evaluator::new(&a);
        for v in ["1.0", "1.299", "1.150.0", "0.9", "3", "0.0.1"] {
            let native = Version::parse(Ecosystem::PyPI, v).unwrap();
            let scan = refs
                .iter()
                .find(|l| Version::parse(Ecosystem::PyPI, l).is_ok_and(|l| l == native))
                .copied();
            assert_eq!(ev.listed(v, Some(&Ok(native))), scan, "{v}");
        }
        // A version PyPI refuses is compared as written.
        assert_eq!(
            evaluate(&a, Some("not a version")),
            Outcome::Affected(Why::Listed {
                version: "not a version".into()
            })
        );
    }

    #[test]
    fn git_ranges_answer_from_versions_only() {
        let a = affected(
            "Go",
            vec![(RangeType::Git, vec![i("0"), f("a1b2c3d4")])],
            &["v1.2.0"],
        );
        assert_eq!(
            evaluate(&a, Some("v1.2.0")),
            Outcome::Affected(Why::Listed {
                version: "v1.2.0".into()
            })
        );
        assert_eq!(evaluate(&a, Some("v1.3.0")), Outcome::NotAffected);
        let bare = affected("", vec![(RangeType::Git, vec![i("0"), f("abc")])], &[]);
        assert_eq!(evaluate(&bare, Some("abc")), Outcome::NotAffected);
    }

    #[test]
    fn semver_ranges_in_a_non_semver_ecosystem() {
        // PEP 440 would put 1.0.0-alpha after 1.0.0a0 … SemVer order
        // rules here: the range type decides, not the ecosystem.
        let a = affected(
            "PyPI",
            vec![(RangeType::Semver, vec![i("1.0.0"), f("1.10.0")])],
            &[],
        );
        assert!(why(&a, "1.9.0").is_some());
        assert!(why(&a, "1.10.0").is_none());
        assert!(why(&a, "1.10.0-rc.1").is_some());
        // Julia and DHI have no order of their own; SEMVER still decides.
        let j = affected(
            "Julia",
            vec![(RangeType::Semver, vec![i("0"), f("1.10.17")])],
            &[],
        );
        assert!(why(&j, "1.10.16").is_some());
        assert!(why(&j, "1.10.17").is_none());
        // Go writes a leading v.
        let g = affected(
            "Go",
            vec![(RangeType::Semver, vec![i("0"), f("1.2.3")])],
            &[],
        );
        assert!(why(&g, "v1.2.2").is_some());
        assert!(why(&g, "v1.2.3").is_none());
    }

    #[test]
    fn indeterminate_never_unaffected() {
        let a = affected(
            "npm",
            vec![(RangeType::Semver, vec![i("0"), f("1.0.0")])],
            &[],
        );
        assert!(matches!(evaluate(&a, None), Outcome::Indeterminate(_)));
        assert!(matches!(evaluate(&a, Some(" ")), Outcome::Indeterminate(_)));
        let Outcome::Indeterminate(r) = evaluate(&a, Some("not-a-version")) else {
            panic!()
        };
        assert!(r.contains("not-a-version"), "{r}");
        let unknown = affected(
            "Hackage",
            vec![(RangeType::Ecosystem, vec![i("0"), f("1.0.0")])],
            &[],
        );
        assert!(matches!(
            evaluate(&unknown, Some("0.5.0")),
            Outcome::Indeterminate(_)
        ));
        let bad_event = affected(
            "PyPI",
            vec![(RangeType::Ecosystem, vec![i("0"), f("not a version")])],
            &[],
        );
        assert!(matches!(
            evaluate(&bad_event, Some("1.0")),
            Outcome::Indeterminate(_)
        ));
        // A list hit decides even when a range cannot be read.
        let listed = affected(
            "Hackage",
            vec![(RangeType::Ecosystem, vec![i("0"), f("1.0.0")])],
            &["0.5.0"],
        );
        assert!(matches!(
            evaluate(&listed, Some("0.5.0")),
            Outcome::Affected(_)
        ));
        let other = affected(
            "npm",
            vec![(RangeType::Other("DATE".into()), vec![i("0")])],
            &[],
        );
        assert!(matches!(
            evaluate(&other, Some("1.0.0")),
            Outcome::Indeterminate(_)
        ));
    }

    #[test]
    fn debian_versions() {
        let a = affected(
            "Debian:12",
            vec![(RangeType::Ecosystem, vec![i("0"), f("3.0.11-1~deb12u2")])],
            &[],
        );
        assert!(why(&a, "3.0.11-1~deb12u1").is_some());
        assert!(why(&a, "3.0.11-1~deb12u2").is_none());
        assert!(why(&a, "3.0.11-1").is_none());
    }
}
