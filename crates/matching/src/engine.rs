//! Components × advisories.
//!
//! An SBOM names the same package at the same version many times (one per
//! image layer, per lockfile, per SBOM in a batch), so components are first
//! reduced to distinct [`Target`]s (ecosystem, release, names, version),
//! each target is evaluated once against the index, and the findings are
//! then fanned out to every component that mapped to it. Targets are made
//! over the cores and evaluated package by package (the package's compiled
//! entries stay in cache); findings share their advisory's id and aliases,
//! the entry's event versions ([`Why`]) and the target's component list
//! (`Arc`s), so that a finding copies no strings.
//!
//! Per target and advisory there is at most one finding: a hit when any of
//! the advisory's entries for the package says affected, otherwise an
//! indeterminate finding when any says it cannot decide. A component
//! without a version is indeterminate against every advisory naming its
//! package; one no advisory names is not reported at all.
//!
//! The same evaluation runs the other way round for a new advisory
//! ([`advisory_affects`]): given the targets already known (stored from
//! earlier SBOMs), which of them does it hit.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::hash::{BuildHasher, RandomState};
use std::sync::Arc;

use bulwark_versions::{Ecosystem, Purl, PurlError};

use crate::ecosystem::{
    PackageKey, Target, UnsupportedPurl, release_matches, split_ecosystem, target_of,
};
use crate::eval::{At, Evaluator, Found, Subject, Why};
use crate::hash::ByHash;
use crate::index::Index;
use crate::osv::Advisory;

/// One component: its package URL as written and parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Component {
    pub purl: String,
    pub parsed: Purl,
}

impl Component {
    /// Parses `purl` (leniently: upper-case qualifier keys are accepted,
    /// as SBOM tools write them).
    pub fn parse(purl: &str) -> Result<Component, PurlError> {
        Ok(Component {
            purl: purl.to_owned(),
            parsed: Purl::parse_lenient(purl)?,
        })
    }
}

/// An advisory that affects a target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    /// Index into [`MatchReport::targets`].
    pub target: usize,
    /// Indexes of the components that mapped to the target (shared with
    /// [`MatchReport::components_of`] and the target's other findings).
    pub components: Arc<[usize]>,
    /// Shared by every finding of the advisory.
    pub advisory_id: Arc<str>,
    pub aliases: Arc<[String]>,
    /// Index of the `affected[]` entry that decided.
    pub affected: usize,
    pub why: Why,
}

/// An advisory names the package, but whether it applies cannot be told.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Indeterminate {
    pub target: usize,
    pub components: Arc<[usize]>,
    pub advisory_id: Arc<str>,
    pub aliases: Arc<[String]>,
    pub reason: String,
}

/// A component that cannot be looked up in OSV data at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unsupported {
    pub component: usize,
    pub reason: UnsupportedPurl,
}

/// The result of [`Engine::match_components`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MatchReport {
    /// The distinct targets, in order of first appearance.
    pub targets: Vec<Target>,
    /// For each target, the components that mapped to it.
    pub components_of: Vec<Arc<[usize]>>,
    pub hits: Vec<Hit>,
    pub indeterminate: Vec<Indeterminate>,
    pub unsupported: Vec<Unsupported>,
}

/// A finding for one target, before fan-out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Finding {
    Hit {
        target: usize,
        advisory_id: Arc<str>,
        aliases: Arc<[String]>,
        affected: usize,
        why: Why,
    },
    Indeterminate {
        target: usize,
        advisory_id: Arc<str>,
        aliases: Arc<[String]>,
        reason: String,
    },
}

/// The matching engine over one index.
#[derive(Debug, Clone, Default)]
pub struct Engine {
    index: Index,
}

impl Engine {
    pub fn new(index: Index) -> Engine {
        Engine { index }
    }

    pub fn index(&self) -> &Index {
        &self.index
    }

    /// Matches components: distinct targets are evaluated once each.
    pub fn match_components(&self, components: &[Component]) -> MatchReport {
        let mut report = MatchReport::default();
        // Each component's target, `NONE` for an unsupported one; made into
        // each target's component list once all are known.
        const NONE: usize = usize::MAX;
        let mut of: Vec<usize> = Vec::with_capacity(components.len());
        // Hash of a target → its position; a target whose hash another
        // target took is looked for in `collided`. (Keeps each target once
        // in memory instead of also as a map key.)
        let hasher = RandomState::new();
        let mut seen: ByHash<usize> = ByHash::default();
        seen.reserve(components.len());
        report.targets.reserve(components.len());
        let mut collided: Vec<usize> = Vec::new();
        // Targets are made (and hashed) over the cores a block at a time,
        // then deduplicated in component order on this thread.
        const BLOCK: usize = 1 << 16;
        for (b, block) in components.chunks(BLOCK).enumerate() {
            let made = crate::parallel::map_in_order(block, 1024, |c| {
                target_of(&c.parsed).map(|t| (hasher.hash_one(&t), t))
            });
            for (j, made) in made.into_iter().enumerate() {
                let i = b * BLOCK + j;
                match made {
                    Ok((hash, t)) => {
                        let targets = &report.targets;
                        let found = match seen.get(&hash) {
                            Some(&at) if targets[at] == t => Some(at),
                            Some(_) => collided.iter().copied().find(|&at| targets[at] == t),
                            None => None,
                        };
                        let at = match found {
                            Some(at) => at,
                            None => {
                                let at = report.targets.len();
                                match seen.entry(hash) {
                                    Entry::Occupied(_) => collided.push(at),
                                    Entry::Vacant(v) => {
                                        v.insert(at);
                                    }
                                }
                                report.targets.push(t);
                                at
                            }
                        };
                        of.push(at);
                    }
                    Err(reason) => {
                        of.push(NONE);
                        report.unsupported.push(Unsupported {
                            component: i,
                            reason,
                        });
                    }
                }
            }
        }
        drop(seen);
        report.targets.shrink_to_fit();
        // Each target's components, in component order: counted, then
        // placed (one flat list cut into one shared slice per target).
        let mut start = vec![0usize; report.targets.len() + 1];
        for &t in of.iter().filter(|&&t| t != NONE) {
            start[t + 1] += 1;
        }
        for t in 1..start.len() {
            start[t] += start[t - 1];
        }
        let mut flat = vec![0usize; start[report.targets.len()]];
        let mut next = start.clone();
        for (i, &t) in of.iter().enumerate().filter(|(_, t)| **t != NONE) {
            flat[next[t]] = i;
            next[t] += 1;
        }
        drop((of, next));
        report.components_of = start
            .windows(2)
            .map(|w| Arc::from(&flat[w[0]..w[1]]))
            .collect();
        drop(flat);
        // Each part's findings are fanned out on its own core, its buffer
        // freed as it goes, its hits written straight into its own stretch
        // of the one vector (parts are consecutive targets, so the hits
        // are in target order), so that they are never held twice.
        let parts = self.match_parts(&report.targets);
        let counts: Vec<usize> = parts.iter().map(Part::hits).collect();
        let total: usize = counts.iter().sum();
        let mut hits: Vec<Hit> = Vec::with_capacity(total);
        let components_of = &report.components_of;
        let index = &self.index;
        let written: Vec<(usize, Vec<Indeterminate>)> = std::thread::scope(|s| {
            let mut rest = &mut hits.spare_capacity_mut()[..total];
            let handles: Vec<_> = parts
                .into_iter()
                .zip(&counts)
                .map(|(part, &count)| {
                    let (mine, tail) = std::mem::take(&mut rest).split_at_mut(count);
                    rest = tail;
                    s.spawn(move || {
                        let mut n = 0;
                        let mut indeterminate = Vec::new();
                        part.in_target_order(index, |finding| match finding {
                            Finding::Hit {
                                target,
                                advisory_id,
                                aliases,
                                affected,
                                why,
                            } => {
                                if let Some(slot) = mine.get_mut(n) {
                                    slot.write(Hit {
                                        target,
                                        components: Arc::clone(&components_of[target]),
                                        advisory_id,
                                        aliases,
                                        affected,
                                        why,
                                    });
                                }
                                n += 1;
                            }
                            Finding::Indeterminate {
                                target,
                                advisory_id,
                                aliases,
                                reason,
                            } => indeterminate.push(Indeterminate {
                                target,
                                components: Arc::clone(&components_of[target]),
                                advisory_id,
                                aliases,
                                reason,
                            }),
                        });
                        (n, indeterminate)
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("fanning out does not panic"))
                .collect()
        });
        // `Part::hits` counts what `in_target_order` hands out as hits, so
        // this holds by construction; were it ever broken, the hits
        // written would be leaked, never read uninitialised.
        assert!(
            written
                .iter()
                .zip(&counts)
                .all(|((n, _), count)| n == count),
            "each part wrote the hits it counted"
        );
        // SAFETY: the first `total` slots of the spare capacity were split
        // into one disjoint stretch per part, `counts[k]` long, and part k
        // wrote each slot of its stretch exactly once (checked just above),
        // so all `total` are initialised.
        unsafe { hits.set_len(total) };
        report.hits = hits;
        for (_, mut indeterminate) in written {
            report.indeterminate.append(&mut indeterminate);
        }
        report
    }

    /// Evaluates each target against the index once; the targets are
    /// shared out over the available cores, the findings come back in
    /// target order.
    pub fn match_targets(&self, targets: &[Target]) -> Vec<Finding> {
        let mut out = Vec::new();
        for part in self.match_parts(targets) {
            part.in_target_order(&self.index, |f| out.push(f));
        }
        out
    }

    /// The findings for consecutive parts of `targets`, one part a core.
    fn match_parts(&self, targets: &[Target]) -> Vec<Part> {
        let threads = std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .min(targets.len() / 1024 + 1);
        if threads <= 1 {
            return vec![self.match_range(targets, 0)];
        }
        let chunk = targets.len().div_ceil(threads);
        std::thread::scope(|s| {
            let parts: Vec<_> = targets
                .chunks(chunk)
                .enumerate()
                .map(|(n, part)| s.spawn(move || self.match_range(part, n * chunk)))
                .collect();
            parts
                .into_iter()
                .map(|p| p.join().expect("matching does not panic"))
                .collect()
        })
    }

    /// [`Engine::match_targets`] over `targets`, the first numbered `first`.
    /// Targets are evaluated package by package (so that the package's
    /// compiled entries stay in cache), each target's findings in
    /// advisory order.
    fn match_range(&self, targets: &[Target], first: usize) -> Part {
        // In target order (the targets' memory in the order it was
        // written): each target's package number and version, the
        // versions copied into one buffer. Then by package: evaluating a
        // package's targets together keeps its compiled entries in cache,
        // and what each target needs is in `order` and `versions`, not
        // scattered over the targets' own allocations.
        let mut versions = String::new();
        let mut order: Vec<Job> = targets
            .iter()
            .enumerate()
            .filter_map(|(t, target)| {
                let package = target
                    .names
                    .iter()
                    .filter_map(|n| self.index.package_number(&target.ecosystem, n))
                    .min()?;
                let version = target.version.as_deref().map(|v| {
                    let start = versions.len();
                    versions.push_str(v);
                    start..versions.len()
                });
                Some(Job {
                    package,
                    t,
                    version,
                    release: target.release.as_deref(),
                    one_name: target.names.len() == 1,
                })
            })
            .collect();
        order.sort_unstable_by_key(|j| (j.package, j.t));
        let mut part = Part::default();
        // About one and a half findings a target named by an advisory.
        part.findings.reserve(order.len() + order.len() / 2);
        part.spans.reserve(order.len());
        // (advisory position, entry position in the index, evaluator) in
        // the order found.
        let mut found: Vec<(usize, usize, &Evaluator)> = Vec::new();
        let mut entries: Vec<(usize, &Evaluator)> = Vec::new();
        // The ecosystem's rules, looked up once per package.
        let mut rules: Option<(usize, Option<Ecosystem>)> = None;
        for job in order {
            let Job {
                package,
                t,
                version,
                release,
                one_name,
            } = job;
            let ecosystem = match rules {
                Some((p, e)) if p == package => e,
                _ => {
                    let e = Ecosystem::from_osv(&targets[t].ecosystem).ok();
                    rules = Some((package, e));
                    e
                }
            };
            found.clear();
            if one_name {
                for (i, e) in self.index.entries_of_package(package, release) {
                    found.push((e.advisory, i, self.index.evaluator(e)));
                }
            } else {
                for name in &targets[t].names {
                    let Some(package) = self.index.package_number(&targets[t].ecosystem, name)
                    else {
                        continue;
                    };
                    for (i, e) in self.index.entries_of_package(package, release) {
                        found.push((e.advisory, i, self.index.evaluator(e)));
                    }
                }
            }
            if found.is_empty() {
                continue;
            }
            // By advisory; stable, so each advisory's entries stay in the
            // order found.
            found.sort_by_key(|(a, _, _)| *a);
            // Parsed once for all the package's advisories.
            let subject = Subject::new(ecosystem, version.and_then(|v| versions.get(v)));
            let start = part.findings.len();
            for group in found.chunk_by(|x, y| x.0 == y.0) {
                entries.clear();
                for &(_, i, ev) in group {
                    // An entry found under two of an rpm's names counts once.
                    if !entries.iter().any(|(a, _)| *a == i) {
                        entries.push((i, ev));
                    }
                }
                let slim = match decide_at(&entries, &subject) {
                    Some(Ok((entry, _, at))) => Slim::pack(entry, at),
                    Some(Err(reason)) => self.index.shared(group[0].0).map(|advisory| {
                        Slim::Other(Box::new(Finding::Indeterminate {
                            target: first + t,
                            advisory_id: Arc::clone(&advisory.id),
                            aliases: Arc::clone(&advisory.aliases),
                            reason,
                        }))
                    }),
                    None => None,
                };
                if let Some(slim) = slim {
                    part.findings.push(slim);
                }
            }
            if part.findings.len() > start {
                part.spans.push((first + t, start..part.findings.len()));
            }
        }
        part.spans.sort_unstable_by_key(|(t, _)| *t);
        part
    }
}

/// A target to evaluate, as [`Engine::match_range`] orders them.
struct Job<'a> {
    package: usize,
    t: usize,
    /// Where its version is in the part's buffer of versions.
    version: Option<std::ops::Range<usize>>,
    release: Option<&'a str>,
    /// All but rpm's: found under its package number alone.
    one_name: bool,
}

/// A finding as the engine's workers write it: where in which index entry
/// the target was found affected (positions, no strings and no reference
/// counts), turned into a [`Finding`] only when handed out. A million
/// targets give about one and a half million findings, so their size
/// matters: 24 bytes here against 120 for a [`Finding`].
#[derive(Debug)]
enum Slim {
    Hit {
        entry: u32,
        /// `range`, `introduced`, `end`, `limit` of [`At::Range`]
        /// (`NO` for none), or `NO` and the position of [`At::Listed`].
        at: [u32; 4],
    },
    /// A hit whose positions do not fit in `u32`s.
    Wide(Box<(usize, At)>),
    /// An indeterminate finding.
    Other(Box<Finding>),
}

const NO: u32 = u32::MAX;

impl Slim {
    fn pack(entry: usize, at: At) -> Option<Slim> {
        let small = |i: usize| u32::try_from(i).ok().filter(|&i| i != NO);
        let packed = match at {
            At::Range {
                range,
                introduced,
                end,
                limit,
            } => {
                let opt = |i: Option<usize>| i.map_or(Some(NO), small);
                match (small(range), small(introduced), opt(end), opt(limit)) {
                    (Some(r), Some(i), Some(e), Some(l)) => Some([r, i, e, l]),
                    _ => None,
                }
            }
            At::Listed(i) => small(i).map(|i| [NO, i, NO, NO]),
        };
        match (small(entry), packed) {
            (Some(entry), Some(at)) => Some(Slim::Hit { entry, at }),
            // Never with real data (it takes four billion ranges, events or
            // entries); kept whole rather than refused.
            _ => Some(Slim::Wide(Box::new((entry, at)))),
        }
    }
}

/// One part's findings in the order they were made, and where each
/// target's are, by target.
#[derive(Debug, Default)]
struct Part {
    findings: Vec<Slim>,
    spans: Vec<(usize, std::ops::Range<usize>)>,
}

impl Part {
    fn hits(&self) -> usize {
        self.findings
            .iter()
            .filter(|f| match f {
                Slim::Hit { .. } | Slim::Wide(_) => true,
                Slim::Other(f) => matches!(**f, Finding::Hit { .. }),
            })
            .count()
    }

    /// Hands each finding to `each`, in target order.
    fn in_target_order(self, index: &Index, mut each: impl FnMut(Finding)) {
        let Part { findings, spans } = self;
        let mut findings: Vec<Option<Slim>> = findings.into_iter().map(Some).collect();
        for (target, span) in spans {
            for f in &mut findings[span] {
                let Some(f) = f.take() else { continue };
                let (entry, at) = match f {
                    Slim::Other(f) => {
                        each(*f);
                        continue;
                    }
                    Slim::Hit { entry, at } => (entry as usize, unpack(at)),
                    Slim::Wide(wide) => *wide,
                };
                let Some(e) = index.entry(entry) else {
                    continue;
                };
                let Some(advisory) = index.shared(e.advisory) else {
                    continue;
                };
                each(Finding::Hit {
                    target,
                    advisory_id: Arc::clone(&advisory.id),
                    aliases: Arc::clone(&advisory.aliases),
                    affected: e.affected,
                    why: index.evaluator(e).why(at),
                });
            }
        }
    }
}

fn unpack(at: [u32; 4]) -> At {
    let opt = |i: u32| (i != NO).then_some(i as usize);
    match at {
        [NO, i, _, _] => At::Listed(i as usize),
        [range, introduced, end, limit] => At::Range {
            range: range as usize,
            introduced: introduced as usize,
            end: opt(end),
            limit: opt(limit),
        },
    }
}

/// The first of an advisory's entries (in order) that says the subject is
/// affected, with where; else why it cannot be told, if any entry cannot;
/// else `None`.
fn decide_at<'e>(
    entries: &[(usize, &'e Evaluator)],
    subject: &Subject,
) -> Option<Result<(usize, &'e Evaluator, At), String>> {
    let mut reasons: Vec<String> = Vec::new();
    for &(entry, ev) in entries {
        match ev.evaluate_at(subject) {
            Found::Affected(at) => return Some(Ok((entry, ev, at))),
            Found::NotAffected => {}
            Found::Indeterminate(r) => {
                if !reasons.contains(&r) {
                    reasons.push(r);
                }
            }
        }
    }
    (!reasons.is_empty()).then(|| Err(reasons.join("; ")))
}

/// An advisory's id and aliases, made once and shared by its findings.
#[derive(Debug, Clone)]
pub(crate) struct Shared {
    pub(crate) id: Arc<str>,
    pub(crate) aliases: Arc<[String]>,
}

impl Shared {
    pub(crate) fn of(advisory: &Advisory) -> Shared {
        Shared {
            id: Arc::from(advisory.id.as_str()),
            aliases: Arc::from(advisory.aliases.as_slice()),
        }
    }

    pub(crate) fn of_names(id: &str, aliases: &[&str]) -> Shared {
        Shared {
            id: Arc::from(id),
            aliases: aliases.iter().map(|a| (*a).to_owned()).collect(),
        }
    }
}

/// One finding from an advisory's entries for one target, or none.
pub(crate) fn decide(
    target: usize,
    advisory: &Shared,
    entries: &[(usize, &Evaluator)],
    subject: &Subject,
) -> Option<Finding> {
    Some(match decide_at(entries, subject)? {
        Ok((affected, ev, at)) => Finding::Hit {
            target,
            advisory_id: Arc::clone(&advisory.id),
            aliases: Arc::clone(&advisory.aliases),
            affected,
            why: ev.why(at),
        },
        Err(reason) => Finding::Indeterminate {
            target,
            advisory_id: Arc::clone(&advisory.id),
            aliases: Arc::clone(&advisory.aliases),
            reason,
        },
    })
}

/// Which of `targets` a (new) advisory affects or may affect; a withdrawn
/// advisory affects none. `target` in each finding indexes `targets`.
pub fn advisory_affects(advisory: &Advisory, targets: &[Target]) -> Vec<Finding> {
    if advisory.is_withdrawn() {
        return Vec::new();
    }
    // (key, release) → entries, compiled once for all targets.
    let mut filed: HashMap<PackageKey, Vec<(Option<String>, usize, Evaluator)>> = HashMap::new();
    for (i, affected) in advisory.affected.iter().enumerate() {
        let Some(p) = &affected.package else {
            continue;
        };
        let (_, release) = split_ecosystem(&p.ecosystem);
        filed
            .entry(PackageKey::new(&p.ecosystem, &p.name))
            .or_default()
            .push((release, i, Evaluator::new(affected)));
    }
    let shared = Shared::of(advisory);
    let mut out = Vec::new();
    for (t, target) in targets.iter().enumerate() {
        let mut entries: Vec<(usize, &Evaluator)> = Vec::new();
        for name in &target.names {
            let key = PackageKey {
                ecosystem: target.ecosystem.clone(),
                name: name.clone(),
            };
            for (release, i, ev) in filed.get(&key).into_iter().flatten() {
                if release_matches(release.as_deref(), target.release.as_deref())
                    && !entries.iter().any(|(a, _)| a == i)
                {
                    entries.push((*i, ev));
                }
            }
        }
        if entries.is_empty() {
            continue;
        }
        entries.sort_by_key(|(i, _)| *i);
        let subject = Subject::for_osv(&target.ecosystem, target.version.as_deref());
        if let Some(f) = decide(t, &shared, &entries, &subject) {
            out.push(f);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::osv::parse_json;

    fn advisory(id: &str, eco: &str, name: &str, events: &str) -> Advisory {
        parse_json(
            format!(
                r#"{{"id":"{id}","modified":"2024-01-01T00:00:00Z","aliases":["CVE-{id}"],
                "affected":[{{"package":{{"ecosystem":"{eco}","name":"{name}"}},
                "ranges":[{{"type":"ECOSYSTEM","events":{events}}}]}}]}}"#
            )
            .as_bytes(),
        )
        .unwrap()
    }

    fn components(purls: &[&str]) -> Vec<Component> {
        purls.iter().map(|p| Component::parse(p).unwrap()).collect()
    }

    #[test]
    fn dedupes_then_fans_out() {
        let index = Index::from_advisories([
            advisory(
                "A-1",
                "PyPI",
                "Django",
                r#"[{"introduced":"0"},{"fixed":"4.2.1"}]"#,
            ),
            advisory("A-2", "PyPI", "django", r#"[{"introduced":"5.0"}]"#),
        ]);
        let engine = Engine::new(index);
        let report = engine.match_components(&components(&[
            "pkg:pypi/django@4.2.0",
            "pkg:pypi/Django@4.2.0",
            "pkg:pypi/django@4.2.1",
            "pkg:pypi/django",
            "pkg:generic/thing@1",
            "pkg:pypi/requests@1.0",
        ]));
        assert_eq!(report.targets.len(), 4);
        assert_eq!(report.hits.len(), 1);
        let hit = &report.hits[0];
        assert_eq!(*hit.components, [0, 1]);
        assert_eq!(&*hit.advisory_id, "A-1");
        assert_eq!(*hit.aliases, ["CVE-A-1"]);
        assert_eq!(hit.why.to_string(), "introduced 0, fixed 4.2.1");
        // The versionless component is indeterminate against both records.
        assert_eq!(report.indeterminate.len(), 2);
        assert!(report.indeterminate.iter().all(|i| *i.components == [3]));
        assert_eq!(report.unsupported.len(), 1);
        assert_eq!(report.unsupported[0].component, 4);
    }

    #[test]
    fn distro_packages_by_source_and_release() {
        let index = Index::from_advisories([
            advisory(
                "DSA-11",
                "Debian:11",
                "openssl",
                r#"[{"introduced":"0"},{"fixed":"1.1.1w-0+deb11u1"}]"#,
            ),
            advisory(
                "DSA-12",
                "Debian:12",
                "openssl",
                r#"[{"introduced":"0"},{"fixed":"3.0.11-1~deb12u2"}]"#,
            ),
        ]);
        let engine = Engine::new(index);
        let report = engine.match_components(&components(&[
            "pkg:deb/debian/libssl3@3.0.11-1~deb12u1?distro=debian-12&upstream=openssl",
            "pkg:deb/debian/libssl3@3.0.11-1~deb12u1?upstream=openssl",
            "pkg:deb/debian/openssl@3.0.11-1~deb12u2?distro=bookworm",
        ]));
        let ids: Vec<(&str, &[usize])> = report
            .hits
            .iter()
            .map(|h| (&*h.advisory_id, &*h.components))
            .collect();
        // With its release said, only Debian 12's record applies; without
        // it, every release's record is checked (and 3.0.11 is past 1.1.1w).
        assert_eq!(ids, [("DSA-12", &[0][..]), ("DSA-12", &[1][..])]);
        assert!(report.indeterminate.is_empty());
    }

    #[test]
    fn many_targets_over_several_parts_agree_with_a_scan() {
        // Enough targets for one part per core (1,024 or more each), two
        // packages interleaved, duplicates and a versionless one: the
        // parallel fan-out must give what evaluating each target alone
        // gives, in target order.
        let index = Index::from_advisories([
            advisory(
                "A-1",
                "crates.io",
                "alpha",
                r#"[{"introduced":"0.0.100"},{"fixed":"0.0.2500"}]"#,
            ),
            advisory("B-1", "npm", "beta", r#"[{"introduced":"0.0.3000"}]"#),
        ]);
        let mut purls = Vec::new();
        for i in 0..4000 {
            purls.push(format!("pkg:cargo/alpha@0.0.{i}"));
            purls.push(format!("pkg:npm/beta@0.0.{i}"));
            if i % 7 == 0 {
                purls.push(format!("pkg:cargo/alpha@0.0.{i}"));
            }
        }
        purls.push("pkg:npm/beta".to_owned());
        let refs: Vec<&str> = purls.iter().map(String::as_str).collect();
        let engine = Engine::new(index);
        let report = engine.match_components(&components(&refs));
        assert_eq!(report.targets.len(), 8001);
        // alpha 100..2500 and beta 3000..4000.
        assert_eq!(report.hits.len(), 2400 + 1000);
        assert!(report.hits.windows(2).all(|w| w[0].target < w[1].target));
        let scan: Vec<(usize, String, String)> = ["A-1", "B-1"]
            .iter()
            .flat_map(|id| {
                let a = engine.index().lookup(id)[0].clone();
                advisory_affects(&a, &report.targets)
            })
            .filter_map(|f| match f {
                Finding::Hit {
                    target,
                    advisory_id,
                    why,
                    ..
                } => Some((target, advisory_id.to_string(), why.to_string())),
                Finding::Indeterminate { .. } => None,
            })
            .collect();
        let mut scan = scan;
        scan.sort();
        let got: Vec<(usize, String, String)> = report
            .hits
            .iter()
            .map(|h| (h.target, h.advisory_id.to_string(), h.why.to_string()))
            .collect();
        assert_eq!(got, scan);
        // Each hit carries every component of its target.
        for h in &report.hits {
            assert_eq!(h.components, report.components_of[h.target]);
            for &c in h.components.iter() {
                assert_eq!(
                    target_of(&Component::parse(refs[c]).unwrap().parsed).unwrap(),
                    report.targets[h.target]
                );
            }
        }
        let doubled = report
            .hits
            .iter()
            .filter(|h| h.components.len() == 2)
            .count();
        // alpha versions divisible by 7 within 100..2500.
        assert_eq!(doubled, (100..2500).filter(|i| i % 7 == 0).count());
        assert_eq!(report.indeterminate.len(), 1);
        assert_eq!(report.indeterminate[0].target, 8000);
    }

    #[test]
    fn a_new_advisory_finds_known_targets() {
        let targets: Vec<Target> = components(&[
            "pkg:cargo/smallvec@1.6.0",
            "pkg:cargo/smallvec@1.6.1",
            "pkg:cargo/smallvec",
        ])
        .iter()
        .map(|c| target_of(&c.parsed).unwrap())
        .collect();
        let a = advisory(
            "RUSTSEC-2021-0003",
            "crates.io",
            "smallvec",
            r#"[{"introduced":"1.6.0"},{"fixed":"1.6.1"}]"#,
        );
        let found = advisory_affects(&a, &targets);
        assert!(matches!(found[0], Finding::Hit { target: 0, .. }));
        assert!(matches!(found[1], Finding::Indeterminate { target: 2, .. }));
        assert_eq!(found.len(), 2);
        let mut withdrawn = a.clone();
        withdrawn.withdrawn = Some("2024-01-01T00:00:00Z".into());
        assert!(advisory_affects(&withdrawn, &targets).is_empty());
    }
}
