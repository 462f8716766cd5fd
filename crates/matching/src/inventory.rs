//! Known targets, kept to answer "what does this new advisory hit?" fast.
//!
//! An estate's components are reduced to distinct [`Target`]s, each with a
//! count of the component instances that map to it, and filed by package
//! ([`PackageKey`]: ecosystem key and normalised name). A new advisory is
//! then evaluated only against the targets of the packages it names, each
//! target's version parsed once for all of the advisory's entries, instead
//! of scanning every known target as [`crate::advisory_affects`] does. The
//! answers are the same as `advisory_affects` over [`Inventory::targets`].

use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};

use crate::ecosystem::{PackageKey, Target, release_matches, split_ecosystem};
use crate::engine::{Finding, Shared, decide};
use crate::eval::{Evaluator, Subject};
use crate::hash::ByHash;
use crate::osv::Advisory;

/// Distinct targets with their instance counts, filed by package.
#[derive(Debug, Clone, Default)]
pub struct Inventory {
    targets: Vec<Target>,
    instances: Vec<u64>,
    by_package: HashMap<PackageKey, Vec<u32>>,
    /// Hash of a target → its id; targets whose hash was taken by another
    /// target go to `collided`.
    by_hash: ByHash<u32>,
    collided: Vec<u32>,
    hasher: RandomState,
}

impl Inventory {
    pub fn new() -> Inventory {
        Inventory::default()
    }

    /// Adds `instances` component instances of `target`; its id (the same
    /// for the same target whenever it is added).
    pub fn add(&mut self, target: Target, instances: u64) -> usize {
        let hash = self.hasher.hash_one(&target);
        let found = match self.by_hash.get(&hash) {
            Some(&id) if self.targets[id as usize] == target => Some(id),
            Some(_) => self
                .collided
                .iter()
                .copied()
                .find(|&id| self.targets[id as usize] == target),
            None => None,
        };
        if let Some(id) = found {
            self.instances[id as usize] += instances;
            return id as usize;
        }
        let id = u32::try_from(self.targets.len()).expect("fewer than 2^32 targets");
        match self.by_hash.entry(hash) {
            std::collections::hash_map::Entry::Vacant(v) => {
                v.insert(id);
            }
            std::collections::hash_map::Entry::Occupied(_) => self.collided.push(id),
        }
        for name in &target.names {
            self.by_package
                .entry(PackageKey {
                    ecosystem: target.ecosystem.clone(),
                    name: name.clone(),
                })
                .or_default()
                .push(id);
        }
        self.targets.push(target);
        self.instances.push(instances);
        id as usize
    }

    /// The distinct targets; a target's id indexes this.
    pub fn targets(&self) -> &[Target] {
        &self.targets
    }

    /// Component instances of target `id`.
    pub fn instances(&self, id: usize) -> u64 {
        self.instances[id]
    }

    /// All component instances.
    pub fn total_instances(&self) -> u64 {
        self.instances.iter().sum()
    }

    /// Which targets a (new) advisory affects or may affect, as
    /// [`crate::advisory_affects`] over [`Inventory::targets`] would say
    /// (same findings, in target order); a withdrawn advisory affects
    /// none. `target` in each finding is a target id.
    pub fn affected_by(&self, advisory: &Advisory) -> Vec<Finding> {
        if advisory.is_withdrawn() {
            return Vec::new();
        }
        // The advisory's entries for known packages (position, release,
        // evaluator), and (target id, entry) for each of their targets.
        let mut evaluators: Vec<(usize, Option<String>, Evaluator)> = Vec::new();
        let mut candidates: Vec<(u32, usize)> = Vec::new();
        for (i, affected) in advisory.affected.iter().enumerate() {
            let Some(p) = &affected.package else {
                continue;
            };
            let Some(ids) = self.by_package.get(&PackageKey::new(&p.ecosystem, &p.name)) else {
                continue;
            };
            let (_, release) = split_ecosystem(&p.ecosystem);
            evaluators.push((i, release, Evaluator::new(affected)));
            let at = evaluators.len() - 1;
            candidates.extend(ids.iter().map(|&id| (id, at)));
        }
        // By target, then by entry position (evaluators are in entry order).
        candidates.sort_unstable();
        candidates.dedup();
        let shared = Shared::of(advisory);
        let mut out = Vec::new();
        let mut entries: Vec<(usize, &Evaluator)> = Vec::new();
        for group in candidates.chunk_by(|a, b| a.0 == b.0) {
            let id = group[0].0 as usize;
            let target = &self.targets[id];
            entries.clear();
            for &(_, at) in group {
                let (position, release, ev) = &evaluators[at];
                if release_matches(release.as_deref(), target.release.as_deref()) {
                    entries.push((*position, ev));
                }
            }
            if entries.is_empty() {
                continue;
            }
            let subject = Subject::for_osv(&target.ecosystem, target.version.as_deref());
            if let Some(f) = decide(id, &shared, &entries, &subject) {
                out.push(f);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ecosystem::target_of;
    use crate::engine::advisory_affects;
    use crate::osv::parse_json;
    use bulwark_versions::Purl;

    fn target(s: &str) -> Target {
        target_of(&Purl::parse(s).unwrap()).unwrap()
    }

    #[test]
    fn same_answers_as_a_scan() {
        let purls = [
            "pkg:pypi/django@4.2.0",
            "pkg:pypi/Django@4.2.0",
            "pkg:pypi/django@4.2.1",
            "pkg:pypi/django@5.0",
            "pkg:pypi/django",
            "pkg:pypi/django@not!a!version",
            "pkg:pypi/requests@2.0",
            "pkg:cargo/smallvec@1.6.0",
            "pkg:deb/debian/libssl3@3.0.11-1~deb12u1?distro=debian-12&upstream=openssl",
            "pkg:deb/debian/openssl@1.1.1n-0+deb11u1?distro=debian-11",
            "pkg:deb/debian/openssl@3.0.11-1~deb12u2",
            "pkg:rpm/redhat/openssl-libs@3.0.7-16.el9?upstream=openssl-3.0.7-16.el9.src.rpm",
            "pkg:rpm/redhat/openssl@3.0.7-18.el9",
        ];
        let mut inv = Inventory::new();
        for (i, p) in purls.iter().enumerate() {
            inv.add(target(p), i as u64 + 1);
        }
        // The two Django spellings are one target.
        assert_eq!(inv.targets().len(), purls.len() - 1);
        assert_eq!(inv.instances(0), 1 + 2);
        assert_eq!(inv.total_instances(), (1..=purls.len() as u64).sum::<u64>());
        let advisories = [
            r#"{"id":"A-1","modified":"2024-01-01T00:00:00Z","affected":[
              {"package":{"ecosystem":"PyPI","name":"Django"},
               "ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"4.0"},{"fixed":"4.2.1"}]}]},
              {"package":{"ecosystem":"PyPI","name":"django"},"versions":["5.0.0"]},
              {"package":{"ecosystem":"crates.io","name":"smallvec"},
               "ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"1.6.1"}]}]},
              {"package":{"ecosystem":"npm","name":"nothing-known"},"versions":["1.0.0"]}]}"#,
            r#"{"id":"D-1","modified":"2024-01-01T00:00:00Z","affected":[
              {"package":{"ecosystem":"Debian:12","name":"openssl"},
               "ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"3.0.11-1~deb12u2"}]}]},
              {"package":{"ecosystem":"Debian:11","name":"openssl"},
               "ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"1.1.1w-0+deb11u1"}]}]},
              {"package":{"ecosystem":"Red Hat:enterprise_linux:9","name":"openssl"},
               "ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"1:3.0.7-17.el9"}]}]}]}"#,
            r#"{"id":"W-1","modified":"2024-01-01T00:00:00Z","withdrawn":"2024-02-01T00:00:00Z",
              "affected":[{"package":{"ecosystem":"PyPI","name":"django"},"versions":["4.2.0"]}]}"#,
        ];
        for json in advisories {
            let a = parse_json(json.as_bytes()).unwrap();
            let fast = inv.affected_by(&a);
            assert_eq!(fast, advisory_affects(&a, inv.targets()), "{}", a.id);
            if a.id != "W-1" {
                assert!(fast.len() >= 3, "{}: {fast:?}", a.id);
            }
        }
    }
}
