//! Advisories in memory, keyed for lookup by package and by name.
//!
//! Each `affected[]` entry with a package is compiled once
//! ([`Evaluator`]) and filed under its [`PackageKey`] (ecosystem without
//! release, normalised name: see [`crate::ecosystem`]), keeping its
//! release to be checked against the component's. Entries without a
//! package (repository-only `GIT` data) cannot be found by package and are
//! not filed. Withdrawn records are counted and kept out. Of two records
//! with one id the one modified last stays (RFC 3339 instants written in
//! one form compare as text; a record without `modified` is the oldest).

use std::collections::HashMap;

use crate::ecosystem::{PackageKey, Target, release_matches, split_ecosystem};
use crate::engine::Shared;
use crate::eval::Evaluator;
use crate::osv::Advisory;

/// One filed `affected[]` entry.
#[derive(Debug, Clone)]
pub struct Entry {
    /// Index into [`Index::advisories`].
    pub advisory: usize,
    /// Index into the advisory's `affected`.
    pub affected: usize,
    /// The release part of the ecosystem (`12` of `Debian:12`).
    pub release: Option<String>,
    pub evaluator: Evaluator,
}

/// What [`Index::insert`] did with a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Inserted {
    Added,
    /// Replaced an older record with the same id.
    Replaced,
    /// A record with the same id modified later is already there.
    Older,
    Withdrawn,
}

/// The advisory index.
#[derive(Debug, Clone, Default)]
pub struct Index {
    advisories: Vec<Advisory>,
    /// Each record's id and aliases, shared by its findings.
    shared: Vec<Shared>,
    /// `false` once a record was replaced by a newer one with its id.
    live: Vec<bool>,
    entries: Vec<Entry>,
    /// Ecosystem key → normalised name → package number (nested so that a
    /// lookup borrows the target's strings instead of building a key).
    by_package: HashMap<String, HashMap<String, usize>>,
    /// Package number → its entries.
    packages: Vec<Vec<usize>>,
    /// Upper-cased id or alias → advisories.
    by_name: HashMap<String, Vec<usize>>,
    by_id: HashMap<String, usize>,
    withdrawn: usize,
}

impl Index {
    pub fn new() -> Index {
        Index::default()
    }

    /// Builds an index from records (see [`Index::insert`]).
    pub fn from_advisories(advisories: impl IntoIterator<Item = Advisory>) -> Index {
        let mut index = Index::new();
        for a in advisories {
            index.insert(a);
        }
        index
    }

    /// Adds one record.
    pub fn insert(&mut self, advisory: Advisory) -> Inserted {
        if advisory.is_withdrawn() {
            self.withdrawn += 1;
            return Inserted::Withdrawn;
        }
        let mut outcome = Inserted::Added;
        if let Some(&old) = self.by_id.get(&advisory.id) {
            let older = self.advisories[old].modified.as_deref().unwrap_or("");
            if advisory.modified.as_deref().unwrap_or("") < older {
                return Inserted::Older;
            }
            self.live[old] = false;
            outcome = Inserted::Replaced;
        }
        let at = self.advisories.len();
        for (i, affected) in advisory.affected.iter().enumerate() {
            let Some(package) = &affected.package else {
                continue;
            };
            let (_, release) = split_ecosystem(&package.ecosystem);
            let key = PackageKey::new(&package.ecosystem, &package.name);
            let next = self.packages.len();
            let number = *self
                .by_package
                .entry(key.ecosystem)
                .or_default()
                .entry(key.name)
                .or_insert(next);
            if number == next {
                self.packages.push(Vec::new());
            }
            self.packages[number].push(self.entries.len());
            self.entries.push(Entry {
                advisory: at,
                affected: i,
                release,
                evaluator: Evaluator::new(affected),
            });
        }
        for name in advisory.names() {
            let list = self.by_name.entry(name.to_uppercase()).or_default();
            if !list.contains(&at) {
                list.push(at);
            }
        }
        self.by_id.insert(advisory.id.clone(), at);
        self.shared.push(Shared::of(&advisory));
        self.advisories.push(advisory);
        self.live.push(true);
        outcome
    }

    /// Live (not withdrawn, not superseded) records.
    pub fn len(&self) -> usize {
        self.live.iter().filter(|l| **l).count()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Withdrawn records that were offered and left out.
    pub fn withdrawn(&self) -> usize {
        self.withdrawn
    }

    /// Live records.
    pub fn advisories(&self) -> impl Iterator<Item = &Advisory> {
        self.advisories
            .iter()
            .zip(&self.live)
            .filter_map(|(a, l)| l.then_some(a))
    }

    /// A record by its position (as in [`Entry::advisory`]).
    pub fn advisory(&self, at: usize) -> Option<&Advisory> {
        self.advisories.get(at)
    }

    /// A record's id and aliases as findings share them.
    pub(crate) fn shared(&self, at: usize) -> Option<&Shared> {
        self.shared.get(at)
    }

    /// Records whose id or one of whose aliases is `name`, ignoring case
    /// (`CVE-2021-44228`, `GHSA-…`, `GO-2022-0001`, `RUSTSEC-…`, `PYSEC-…`).
    pub fn lookup(&self, name: &str) -> Vec<&Advisory> {
        self.by_name
            .get(&name.trim().to_uppercase())
            .into_iter()
            .flatten()
            .filter(|&&i| self.live[i])
            .map(|&i| &self.advisories[i])
            .collect()
    }

    /// Live records naming the package `target` maps to (any version),
    /// each once, in insertion order.
    pub fn advisories_for(&self, target: &Target) -> Vec<&Advisory> {
        let mut at: Vec<usize> = target
            .names
            .iter()
            .flat_map(|name| {
                let key = PackageKey {
                    ecosystem: target.ecosystem.clone(),
                    name: name.clone(),
                };
                self.entries(&key, target.release.as_deref())
                    .map(|e| e.advisory)
                    .collect::<Vec<_>>()
            })
            .collect();
        at.sort_unstable();
        at.dedup();
        at.into_iter().map(|i| &self.advisories[i]).collect()
    }

    /// Every live entry.
    pub fn all_entries(&self) -> impl Iterator<Item = &Entry> {
        self.entries.iter().filter(|e| self.live[e.advisory])
    }

    /// Live entries filed under `key` whose release can be `release`.
    pub fn entries<'a>(
        &'a self,
        key: &PackageKey,
        release: Option<&'a str>,
    ) -> impl Iterator<Item = &'a Entry> + 'a {
        self.entries_of(&key.ecosystem, &key.name, release)
    }

    /// A number for the package (ecosystem key, normalised name), the same
    /// for every lookup of it; `None` when no entry is filed under it.
    pub(crate) fn package_number(&self, ecosystem: &str, name: &str) -> Option<usize> {
        self.by_package
            .get(ecosystem)
            .and_then(|names| names.get(name))
            .copied()
    }

    /// Live entries of package number `package` whose release can be
    /// `release`, with their positions (see [`Index::entry`]).
    pub(crate) fn entries_of_package<'a>(
        &'a self,
        package: usize,
        release: Option<&'a str>,
    ) -> impl Iterator<Item = (usize, &'a Entry)> + 'a {
        self.packages
            .get(package)
            .into_iter()
            .flatten()
            .map(|&i| (i, &self.entries[i]))
            .filter(move |(_, e)| self.live[e.advisory])
            .filter(move |(_, e)| release_matches(e.release.as_deref(), release))
    }

    /// An entry by its position.
    pub(crate) fn entry(&self, at: usize) -> Option<&Entry> {
        self.entries.get(at)
    }

    /// [`Index::entries`] by an ecosystem key and a normalised name.
    pub fn entries_of<'a>(
        &'a self,
        ecosystem: &str,
        name: &str,
        release: Option<&'a str>,
    ) -> impl Iterator<Item = &'a Entry> + 'a {
        let package = self.package_number(ecosystem, name).unwrap_or(usize::MAX);
        self.entries_of_package(package, release).map(|(_, e)| e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::osv::parse_json;

    fn record(id: &str, modified: &str, extra: &str) -> Advisory {
        parse_json(
            format!(
                r#"{{"id":"{id}","modified":"{modified}","aliases":["CVE-2020-1"],{extra}
                "affected":[{{"package":{{"ecosystem":"Debian:11","name":"OpenSSL"}},
                "ranges":[{{"type":"ECOSYSTEM","events":[{{"introduced":"0"}}]}}]}}]}}"#
            )
            .as_bytes(),
        )
        .unwrap()
    }

    #[test]
    fn newest_record_wins_and_withdrawn_are_left_out() {
        let mut ix = Index::new();
        assert_eq!(
            ix.insert(record("DSA-1", "2020-01-02T00:00:00Z", "")),
            Inserted::Added
        );
        assert_eq!(
            ix.insert(record("DSA-1", "2020-01-01T00:00:00Z", "")),
            Inserted::Older
        );
        assert_eq!(
            ix.insert(record("DSA-1", "2020-01-03T00:00:00Z", "")),
            Inserted::Replaced
        );
        assert_eq!(
            ix.insert(record(
                "DSA-2",
                "2020-01-03T00:00:00Z",
                r#""withdrawn":"2020-02-01T00:00:00Z","#
            )),
            Inserted::Withdrawn
        );
        assert_eq!(ix.len(), 1);
        assert_eq!(ix.withdrawn(), 1);
        assert_eq!(ix.lookup("cve-2020-1").len(), 1);
        assert_eq!(
            ix.lookup("DSA-1")[0].modified.as_deref(),
            Some("2020-01-03T00:00:00Z")
        );
        assert!(ix.lookup("DSA-2").is_empty());
        let key = PackageKey::new("Debian", "openssl");
        assert_eq!(ix.entries(&key, None).count(), 1);
        assert_eq!(ix.entries(&key, Some("debian-11")).count(), 1);
        assert_eq!(ix.entries(&key, Some("debian-12")).count(), 0);
        let purl = bulwark_versions::Purl::parse("pkg:deb/debian/openssl?distro=bullseye").unwrap();
        let target = crate::ecosystem::target_of(&purl).unwrap();
        assert_eq!(ix.advisories_for(&target).len(), 1);
    }
}
