//! Components × advisories.
//!
//! An SBOM names the same package at the same version many times (one per
//! image layer, per lockfile, per SBOM in a batch), so components are first
//! reduced to distinct [`Target`]s (ecosystem, release, names, version),
//! each target is evaluated once against the index, and the findings are
//! then fanned out to every component that mapped to it.
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

use bulwark_versions::{Purl, PurlError};

use crate::ecosystem::{
    PackageKey, Target, UnsupportedPurl, release_matches, split_ecosystem, target_of,
};
use crate::eval::{Evaluator, Outcome, Subject, Why};
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
    /// Indexes of the components that mapped to the target.
    pub components: Vec<usize>,
    pub advisory_id: String,
    pub aliases: Vec<String>,
    /// Index of the `affected[]` entry that decided.
    pub affected: usize,
    pub why: Why,
}

/// An advisory names the package, but whether it applies cannot be told.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Indeterminate {
    pub target: usize,
    pub components: Vec<usize>,
    pub advisory_id: String,
    pub aliases: Vec<String>,
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
    pub components_of: Vec<Vec<usize>>,
    pub hits: Vec<Hit>,
    pub indeterminate: Vec<Indeterminate>,
    pub unsupported: Vec<Unsupported>,
}

/// A finding for one target, before fan-out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Finding {
    Hit {
        target: usize,
        advisory_id: String,
        aliases: Vec<String>,
        affected: usize,
        why: Why,
    },
    Indeterminate {
        target: usize,
        advisory_id: String,
        aliases: Vec<String>,
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
        // Hash of a target → its position; a target whose hash another
        // target took is looked for in `collided`. (Keeps each target once
        // in memory instead of also as a map key.)
        let hasher = RandomState::new();
        let mut seen: HashMap<u64, usize> = HashMap::new();
        let mut collided: Vec<usize> = Vec::new();
        for (i, c) in components.iter().enumerate() {
            match target_of(&c.parsed) {
                Ok(t) => {
                    let hash = hasher.hash_one(&t);
                    let found = match seen.get(&hash) {
                        Some(&at) if report.targets[at] == t => Some(at),
                        Some(_) => collided.iter().copied().find(|&at| report.targets[at] == t),
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
                            report.components_of.push(Vec::new());
                            at
                        }
                    };
                    report.components_of[at].push(i);
                }
                Err(reason) => report.unsupported.push(Unsupported {
                    component: i,
                    reason,
                }),
            }
        }
        drop(seen);
        // Each part's findings are fanned out and its buffer freed before
        // the next, so that they are not all held twice.
        let parts = self.match_parts(&report.targets);
        let hits = parts
            .iter()
            .flatten()
            .filter(|f| matches!(f, Finding::Hit { .. }))
            .count();
        report.hits.reserve_exact(hits);
        for finding in parts.into_iter().flatten() {
            match finding {
                Finding::Hit {
                    target,
                    advisory_id,
                    aliases,
                    affected,
                    why,
                } => report.hits.push(Hit {
                    target,
                    components: report.components_of[target].clone(),
                    advisory_id,
                    aliases,
                    affected,
                    why,
                }),
                Finding::Indeterminate {
                    target,
                    advisory_id,
                    aliases,
                    reason,
                } => report.indeterminate.push(Indeterminate {
                    target,
                    components: report.components_of[target].clone(),
                    advisory_id,
                    aliases,
                    reason,
                }),
            }
        }
        report
    }

    /// Evaluates each target against the index once; the targets are
    /// shared out over the available cores, the findings come back in
    /// target order.
    pub fn match_targets(&self, targets: &[Target]) -> Vec<Finding> {
        self.match_parts(targets).concat()
    }

    /// The findings for consecutive parts of `targets`, one part a core.
    fn match_parts(&self, targets: &[Target]) -> Vec<Vec<Finding>> {
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
    fn match_range(&self, targets: &[Target], first: usize) -> Vec<Finding> {
        let mut out = Vec::new();
        // (advisory position, entry position, evaluator) in the order found.
        let mut found: Vec<(usize, usize, &Evaluator)> = Vec::new();
        let mut entries: Vec<(usize, &Evaluator)> = Vec::new();
        for (t, target) in targets.iter().enumerate() {
            found.clear();
            for name in &target.names {
                for e in self
                    .index
                    .entries_of(&target.ecosystem, name, target.release.as_deref())
                {
                    found.push((e.advisory, e.affected, &e.evaluator));
                }
            }
            if found.is_empty() {
                continue;
            }
            // By advisory; stable, so each advisory's entries stay in the
            // order found.
            found.sort_by_key(|(a, _, _)| *a);
            // Parsed once for all the package's advisories.
            let subject = Subject::for_osv(&target.ecosystem, target.version.as_deref());
            for group in found.chunk_by(|x, y| x.0 == y.0) {
                let Some(advisory) = self.index.advisory(group[0].0) else {
                    continue;
                };
                entries.clear();
                for &(_, i, ev) in group {
                    // An entry found under two of an rpm's names counts once.
                    if !entries.iter().any(|(a, _)| *a == i) {
                        entries.push((i, ev));
                    }
                }
                if let Some(f) = decide(first + t, advisory, &entries, &subject) {
                    out.push(f);
                }
            }
        }
        out
    }
}

/// One finding from an advisory's entries for one target, or none.
pub(crate) fn decide(
    target: usize,
    advisory: &Advisory,
    entries: &[(usize, &Evaluator)],
    subject: &Subject,
) -> Option<Finding> {
    let mut reasons: Vec<String> = Vec::new();
    for (affected, ev) in entries {
        match ev.evaluate_subject(subject) {
            Outcome::Affected(why) => {
                return Some(Finding::Hit {
                    target,
                    advisory_id: advisory.id.clone(),
                    aliases: advisory.aliases.clone(),
                    affected: *affected,
                    why,
                });
            }
            Outcome::NotAffected => {}
            Outcome::Indeterminate(r) => {
                if !reasons.contains(&r) {
                    reasons.push(r);
                }
            }
        }
    }
    (!reasons.is_empty()).then(|| Finding::Indeterminate {
        target,
        advisory_id: advisory.id.clone(),
        aliases: advisory.aliases.clone(),
        reason: reasons.join("; "),
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
        if let Some(f) = decide(t, advisory, &entries, &subject) {
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
        assert_eq!(hit.components, [0, 1]);
        assert_eq!(hit.advisory_id, "A-1");
        assert_eq!(hit.aliases, ["CVE-A-1"]);
        assert_eq!(hit.why.to_string(), "introduced 0, fixed 4.2.1");
        // The versionless component is indeterminate against both records.
        assert_eq!(report.indeterminate.len(), 2);
        assert!(report.indeterminate.iter().all(|i| i.components == [3]));
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
            .map(|h| (h.advisory_id.as_str(), h.components.as_slice()))
            .collect();
        // With its release said, only Debian 12's record applies; without
        // it, every release's record is checked (and 3.0.11 is past 1.1.1w).
        assert_eq!(ids, [("DSA-12", &[0][..]), ("DSA-12", &[1][..])]);
        assert!(report.indeterminate.is_empty());
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
