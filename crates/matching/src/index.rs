//! Advisories in memory, keyed for lookup by package and by name.
//!
//! Records are held in their compiled form ([`crate::compiled`]), one
//! after another in one buffer: inserting a parsed record compiles it, and
//! an index file or the store's compiled rows are taken as they are,
//! without parsing JSON or YAML. What a lookup returns is decoded from that
//! form on first use and kept; each `affected[]` entry's [`Evaluator`]
//! (its versions parsed, its events sorted) is made the first time a
//! component of its package is matched, so that loading the whole OSV
//! database costs reading the packages and names, not parsing every
//! version of every range.
//!
//! Each `affected[]` entry with a package is filed under its [`PackageKey`]
//! (ecosystem without release, normalised name: see [`crate::ecosystem`]),
//! keeping its release to be checked against the component's. Entries
//! without a package (repository-only `GIT` data) cannot be found by
//! package and are not filed. Withdrawn records are counted and kept out.
//! Of two records with one id the one modified last stays (RFC 3339
//! instants written in one form compare as text; a record without
//! `modified` is the oldest).

use std::collections::HashMap;
use std::sync::OnceLock;

use crate::compiled::{self, CompiledError, Head};
use crate::ecosystem::{PackageKey, Target, normalize_name, release_matches, split_ecosystem};
use crate::engine::Shared;
use crate::eval::Evaluator;
use crate::osv::Advisory;

/// One filed `affected[]` entry.
#[derive(Debug, Clone)]
pub struct Entry {
    /// Index into the index's records ([`Index::advisory`]).
    pub advisory: usize,
    /// Index into the advisory's `affected`.
    pub affected: usize,
    /// The release part of the ecosystem (`12` of `Debian:12`).
    pub release: Option<String>,
    /// Made on first use ([`Index::evaluator`]).
    evaluator: OnceLock<Box<Evaluator>>,
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

/// One record: where its compiled form is, and what was decoded of it.
#[derive(Debug, Clone)]
struct Record {
    start: usize,
    end: usize,
    /// `false` once replaced by a newer record with its id.
    live: bool,
    decoded: OnceLock<Box<Advisory>>,
    shared: OnceLock<Shared>,
}

impl Record {
    fn new(start: usize, end: usize) -> Record {
        Record {
            start,
            end,
            live: true,
            decoded: OnceLock::new(),
            shared: OnceLock::new(),
        }
    }
}

/// The advisory index.
#[derive(Debug, Clone, Default)]
pub struct Index {
    /// The records' compiled forms (for an index read from a file, the
    /// whole file: the records' positions skip its header).
    image: Vec<u8>,
    records: Vec<Record>,
    entries: Vec<Entry>,
    /// Ecosystem key → normalised name → package number (nested so that a
    /// lookup borrows the target's strings instead of building a key).
    by_package: HashMap<String, HashMap<String, usize>>,
    /// Package number → its entries.
    packages: Vec<Vec<usize>>,
    /// Upper-cased id or alias → records.
    by_name: HashMap<String, Vec<usize>>,
    live: usize,
    withdrawn: usize,
    /// Buffers filing reuses from record to record.
    scratch: Scratch,
}

/// What [`Index::file`] reuses from record to record.
#[derive(Debug, Clone, Default)]
struct Scratch {
    head: Head,
    upper: String,
    /// The head of a held record with the same name.
    old: Head,
}

/// `name` upper-cased into `out` (as `str::to_uppercase`, without a new
/// allocation each time).
fn upper_into(out: &mut String, name: &str) {
    out.clear();
    if name.is_ascii() {
        out.push_str(name);
        out.make_ascii_uppercase();
    } else {
        out.extend(name.chars().flat_map(char::to_uppercase));
    }
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

    /// Reads an index file ([`Index::to_file`]); its records are filed in
    /// order, as [`Index::insert`] would.
    ///
    /// A file [`Index::to_file`] wrote holds each id once and no withdrawn
    /// record, so the names and the packages are filed on two threads side
    /// by side; a file that does not (made some other way) is filed record
    /// by record, with the same outcome.
    pub fn from_file(file: Vec<u8>) -> Result<Index, CompiledError> {
        let spans = compiled::read_file(&file)?;
        let (names, filed) = std::thread::scope(|s| {
            let names = s.spawn(|| names_of(&file, &spans));
            let filed = packages_of(&file, &spans);
            (names.join(), filed)
        });
        // A thread that panicked (it does not) leaves it to the filing
        // record by record below.
        if let Ok(names) = names
            && let (Some(by_name), (records, entries, by_package, packages)) = (names?, filed?)
        {
            return Ok(Index {
                image: file,
                live: records.len(),
                records,
                entries,
                by_package,
                packages,
                by_name,
                withdrawn: 0,
                scratch: Scratch::default(),
            });
        }
        let mut index = Index {
            image: file,
            ..Index::default()
        };
        index.records.reserve(spans.len());
        index.by_name.reserve(spans.len() * 2);
        for (start, end) in spans {
            index.file(start, end)?;
        }
        Ok(index)
    }

    /// The index file of the live records, in the order they were filed.
    pub fn to_file(&self) -> Vec<u8> {
        let live: Vec<&[u8]> = self
            .records
            .iter()
            .filter(|r| r.live)
            .map(|r| &self.image[r.start..r.end])
            .collect();
        compiled::write_file(live.into_iter())
    }

    /// Makes room for `records` more records of about `bytes` compiled
    /// bytes in all, so that filing a store's worth does not grow (copy,
    /// and fault in afresh) the buffers again and again.
    pub fn reserve(&mut self, records: usize, bytes: usize) {
        self.image.reserve(bytes);
        self.records.reserve(records);
        self.entries.reserve(records);
        self.by_name.reserve(records * 2);
    }

    /// Adds one record.
    pub fn insert(&mut self, advisory: Advisory) -> Inserted {
        if advisory.is_withdrawn() {
            self.withdrawn += 1;
            return Inserted::Withdrawn;
        }
        let start = self.image.len();
        compiled::encode(&advisory, &mut self.image);
        let end = self.image.len();
        // What was just written reads back; were it ever not to, the
        // record is left out rather than half filed.
        self.file(start, end).unwrap_or_else(|_| {
            self.image.truncate(start);
            Inserted::Older
        })
    }

    /// Adds one record in its compiled form (as the store keeps it);
    /// refused, with nothing added, when it does not read.
    pub fn insert_compiled(&mut self, record: &[u8]) -> Result<Inserted, CompiledError> {
        let start = self.image.len();
        self.image.extend_from_slice(record);
        let end = self.image.len();
        self.file(start, end).inspect_err(|_| {
            self.image.truncate(start);
        })
    }

    /// Files the compiled record at `start..end` of the image. A record
    /// that is withdrawn or older than the one held is not kept (its bytes
    /// are dropped when they are the image's last).
    fn file(&mut self, start: usize, end: usize) -> Result<Inserted, CompiledError> {
        let Index {
            image,
            records,
            entries,
            by_package,
            packages,
            by_name,
            live,
            withdrawn,
            scratch,
        } = self;
        let Scratch { head, upper, old } = scratch;
        let record = &image[start..end];
        head.read(record)?;
        let text = |span| compiled::text(record, span);
        let drop_bytes = |image: &mut Vec<u8>| {
            if image.len() == end {
                image.truncate(start);
            }
        };
        if head.withdrawn {
            *withdrawn += 1;
            drop_bytes(image);
            return Ok(Inserted::Withdrawn);
        }
        let id = text(head.id);
        upper_into(upper, id);
        let mut outcome = Inserted::Added;
        // A live record with this very id (names ignore case; ids do not).
        let same = held_with_id(by_name, upper, id, old, |i| {
            let r = &records[i];
            r.live.then(|| &image[r.start..r.end])
        });
        if let Some((i, held_modified)) = same {
            let modified = head.modified.map(text).unwrap_or("");
            if modified < held_modified.unwrap_or("") {
                drop_bytes(image);
                return Ok(Inserted::Older);
            }
            records[i].live = false;
            *live -= 1;
            outcome = Inserted::Replaced;
        }
        let at = records.len();
        file_packages(record, head, at, entries, by_package, packages);
        // The id's upper-case form is in `upper` already.
        file_names(record, head, at, by_name, upper);
        records.push(Record::new(start, end));
        *live += 1;
        Ok(outcome)
    }

    fn bytes(&self, at: usize) -> &[u8] {
        self.records
            .get(at)
            .map_or(&[][..], |r| &self.image[r.start..r.end])
    }

    /// Live (not withdrawn, not superseded) records.
    pub fn len(&self) -> usize {
        self.live
    }

    pub fn is_empty(&self) -> bool {
        self.live == 0
    }

    /// Withdrawn records that were offered and left out.
    pub fn withdrawn(&self) -> usize {
        self.withdrawn
    }

    /// Live records (decoded from their compiled form, which leaves out
    /// what matching does not read: see [`crate::compiled`]).
    pub fn advisories(&self) -> impl Iterator<Item = &Advisory> {
        (0..self.records.len())
            .filter(|&i| self.records[i].live)
            .filter_map(|i| self.advisory(i))
    }

    /// A record by its position (as in [`Entry::advisory`]), decoded on
    /// first use.
    pub fn advisory(&self, at: usize) -> Option<&Advisory> {
        let r = self.records.get(at)?;
        Some(r.decoded.get_or_init(|| {
            let bytes = &self.image[r.start..r.end];
            Box::new(compiled::decode(bytes).unwrap_or_else(|_| unreadable(bytes)))
        }))
    }

    /// A record's id and aliases as findings share them.
    pub(crate) fn shared(&self, at: usize) -> Option<&Shared> {
        let r = self.records.get(at)?;
        Some(r.shared.get_or_init(|| {
            let bytes = &self.image[r.start..r.end];
            let mut head = Head::default();
            // Read once already when the record was filed.
            let _ = head.read(bytes);
            let aliases: Vec<&str> = head
                .aliases
                .iter()
                .map(|&a| compiled::text(bytes, a))
                .collect();
            Shared::of_names(compiled::text(bytes, head.id), &aliases)
        }))
    }

    /// The entry's compiled ranges and versions, made on first use.
    pub fn evaluator<'a>(&'a self, entry: &'a Entry) -> &'a Evaluator {
        entry.evaluator.get_or_init(|| {
            Box::new(
                match compiled::decode_affected_at(self.bytes(entry.advisory), entry.affected) {
                    Ok(affected) => Evaluator::new(&affected),
                    Err(e) => Evaluator::unreadable(e.to_string()),
                },
            )
        })
    }

    /// Records whose id or one of whose aliases is `name`, ignoring case
    /// (`CVE-2021-44228`, `GHSA-…`, `GO-2022-0001`, `RUSTSEC-…`, `PYSEC-…`).
    pub fn lookup(&self, name: &str) -> Vec<&Advisory> {
        self.by_name
            .get(&name.trim().to_uppercase())
            .into_iter()
            .flatten()
            .filter(|&&i| self.records[i].live)
            .filter_map(|&i| self.advisory(i))
            .collect()
    }

    /// Live records naming the package `target` maps to (any version),
    /// each once, in insertion order.
    pub fn advisories_for(&self, target: &Target) -> Vec<&Advisory> {
        let mut at: Vec<usize> = target
            .names
            .iter()
            .flat_map(|name| {
                self.entries_of(&target.ecosystem, name, target.release.as_deref())
                    .map(|e| e.advisory)
                    .collect::<Vec<_>>()
            })
            .collect();
        at.sort_unstable();
        at.dedup();
        at.into_iter().filter_map(|i| self.advisory(i)).collect()
    }

    /// Every live entry.
    pub fn all_entries(&self) -> impl Iterator<Item = &Entry> {
        self.entries
            .iter()
            .filter(|e| self.records[e.advisory].live)
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
            .filter(move |(_, e)| self.records[e.advisory].live)
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

/// Files the packages of record `at` (its head read into `head`).
fn file_packages(
    record: &[u8],
    head: &Head,
    at: usize,
    entries: &mut Vec<Entry>,
    by_package: &mut HashMap<String, HashMap<String, usize>>,
    packages: &mut Vec<Vec<usize>>,
) {
    let text = |span| compiled::text(record, span);
    for (i, package) in head.packages.iter().enumerate() {
        let Some((ecosystem, name)) = *package else {
            continue;
        };
        let (key, release) = split_ecosystem(text(ecosystem));
        let name = normalize_name(&key, text(name));
        let names = match by_package.get_mut(key.as_str()) {
            Some(names) => names,
            None => by_package.entry(key).or_default(),
        };
        let next = packages.len();
        let number = *names.entry(name).or_insert(next);
        if number == next {
            packages.push(Vec::new());
        }
        packages[number].push(entries.len());
        entries.push(Entry {
            advisory: at,
            affected: i,
            release,
            evaluator: OnceLock::new(),
        });
    }
}

/// Files the id and aliases of record `at` (its head read into `head`)
/// by their upper-case forms; `upper` holds the id's on entry.
fn file_names(
    record: &[u8],
    head: &Head,
    at: usize,
    by_name: &mut HashMap<String, Vec<usize>>,
    upper: &mut String,
) {
    let names = head.aliases.iter().map(|&a| compiled::text(record, a));
    for (n, name) in std::iter::once("").chain(names).enumerate() {
        if n > 0 {
            upper_into(upper, name);
        }
        match by_name.get_mut(upper.as_str()) {
            Some(list) => {
                if !list.contains(&at) {
                    list.push(at);
                }
            }
            None => {
                by_name.insert(upper.clone(), vec![at]);
            }
        }
    }
}

/// Of the records filed under the upper-case name `upper`, the one whose
/// id is exactly `id` (among those `bytes_of` gives bytes for), with its
/// `modified`; `head` is scratch.
fn held_with_id<'a>(
    by_name: &HashMap<String, Vec<usize>>,
    upper: &str,
    id: &str,
    head: &mut Head,
    bytes_of: impl Fn(usize) -> Option<&'a [u8]>,
) -> Option<(usize, Option<&'a str>)> {
    by_name.get(upper)?.iter().find_map(|&i| {
        let held = bytes_of(i)?;
        (head.read(held).is_ok() && compiled::text(held, head.id) == id)
            .then(|| (i, head.modified.map(|m| compiled::text(held, m))))
    })
}

type Filed = (
    Vec<Record>,
    Vec<Entry>,
    HashMap<String, HashMap<String, usize>>,
    Vec<Vec<usize>>,
);

/// The records and their packages of an index file, filed in order.
fn packages_of(file: &[u8], spans: &[(usize, usize)]) -> Result<Filed, CompiledError> {
    let mut records = Vec::with_capacity(spans.len());
    let mut entries = Vec::with_capacity(spans.len());
    let mut by_package = HashMap::new();
    let mut packages = Vec::new();
    let mut head = Head::default();
    for (at, &(start, end)) in spans.iter().enumerate() {
        let record = &file[start..end];
        head.read(record)?;
        file_packages(
            record,
            &head,
            at,
            &mut entries,
            &mut by_package,
            &mut packages,
        );
        records.push(Record::new(start, end));
    }
    Ok((records, entries, by_package, packages))
}

/// The names of an index file's records, filed in order; `None` when a
/// record is withdrawn or an id comes twice (then the file is filed record
/// by record, as [`Index::insert`] would).
fn names_of(
    file: &[u8],
    spans: &[(usize, usize)],
) -> Result<Option<HashMap<String, Vec<usize>>>, CompiledError> {
    let mut by_name: HashMap<String, Vec<usize>> = HashMap::with_capacity(spans.len() * 2);
    let mut head = Head::default();
    let mut other = Head::default();
    let mut upper = String::new();
    for (at, &(start, end)) in spans.iter().enumerate() {
        let record = &file[start..end];
        head.read(record)?;
        if head.withdrawn {
            return Ok(None);
        }
        let id = compiled::text(record, head.id);
        upper_into(&mut upper, id);
        if held_with_id(&by_name, &upper, id, &mut other, |i| {
            spans.get(i).map(|&(s, e)| &file[s..e])
        })
        .is_some()
        {
            return Ok(None);
        }
        file_names(record, &head, at, &mut by_name, &mut upper);
    }
    Ok(Some(by_name))
}

/// A record whose compiled form was filed but does not decode (a file
/// damaged in a way its checksum missed): its names, nothing to match.
fn unreadable(bytes: &[u8]) -> Advisory {
    let mut head = Head::default();
    let _ = head.read(bytes);
    let text = |span| compiled::text(bytes, span).to_owned();
    Advisory {
        schema_version: None,
        id: text(head.id),
        modified: head.modified.map(text),
        published: None,
        withdrawn: None,
        aliases: head.aliases.iter().map(|&a| text(a)).collect(),
        related: Vec::new(),
        upstream: Vec::new(),
        summary: None,
        details: None,
        severity: Vec::new(),
        affected: Vec::new(),
        references: Vec::new(),
        credits: Vec::new(),
        database_specific: None,
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

    /// Everything a match reads of an index: live records with their
    /// names, and the entries filed under each package.
    fn shape(ix: &Index) -> Vec<String> {
        let mut out: Vec<String> = ix
            .advisories()
            .map(|a| format!("{} {:?} {:?}", a.id, a.modified, a.aliases))
            .collect();
        for (eco, names) in &ix.by_package {
            for (name, &n) in names {
                let live: Vec<String> = ix
                    .entries_of_package(n, None)
                    .chain(ix.entries_of_package(n, Some("debian-11")))
                    .map(|(_, e)| {
                        let a = ix.advisory(e.advisory).unwrap();
                        format!("{}#{} {:?}", a.id, e.affected, e.release)
                    })
                    .collect();
                out.push(format!("{eco}/{name}: {live:?}"));
            }
        }
        out.sort();
        out
    }

    #[test]
    fn an_index_file_reads_back_as_the_index_it_was_written_from() {
        let mut ix = Index::new();
        ix.insert(record("DSA-1", "2020-01-02T00:00:00Z", ""));
        ix.insert(record("DSA-1", "2020-01-03T00:00:00Z", ""));
        ix.insert(record("DSA-3", "2020-01-01T00:00:00Z", ""));
        ix.insert(record(
            "DSA-2",
            "2020-01-03T00:00:00Z",
            r#""withdrawn":"2020-02-01T00:00:00Z","#,
        ));
        let back = Index::from_file(ix.to_file()).unwrap();
        assert_eq!(back.len(), 2);
        assert_eq!(shape(&back), shape(&ix));
        assert_eq!(back.lookup("cve-2020-1").len(), 2);
        assert_eq!(
            back.lookup("DSA-1")[0].modified.as_deref(),
            Some("2020-01-03T00:00:00Z")
        );
        // Filed alike on two threads and record by record.
        let mut one_by_one = Index::new();
        for r in &back.records {
            one_by_one
                .insert_compiled(&back.image[r.start..r.end])
                .unwrap();
        }
        assert_eq!(shape(&one_by_one), shape(&back));
    }

    #[test]
    fn a_file_with_an_id_twice_or_a_withdrawn_record_is_filed_as_inserted() {
        let old = compiled::to_bytes(&record("DSA-1", "2020-01-02T00:00:00Z", ""));
        let new = compiled::to_bytes(&record("DSA-1", "2020-01-03T00:00:00Z", ""));
        let gone = compiled::to_bytes(&record(
            "DSA-2",
            "2020-01-03T00:00:00Z",
            r#""withdrawn":"2020-02-01T00:00:00Z","#,
        ));
        let file =
            compiled::write_file([new.as_slice(), old.as_slice(), gone.as_slice()].into_iter());
        let ix = Index::from_file(file).unwrap();
        assert_eq!(ix.len(), 1);
        assert_eq!(ix.withdrawn(), 1);
        assert_eq!(
            ix.lookup("DSA-1")[0].modified.as_deref(),
            Some("2020-01-03T00:00:00Z"),
            "the older copy after the newer one is kept out"
        );
        assert!(ix.lookup("DSA-2").is_empty());
    }
}
