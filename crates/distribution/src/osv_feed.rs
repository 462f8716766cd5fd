//! The published OSV records as a feed others import from, in the two shapes
//! OSV.dev reads:
//!
//! - its data dumps' layout: `<ecosystem>/all.zip` (every record of the
//!   ecosystem, one `<id>.json` each), `<ecosystem>/<id>.json`, and
//!   `modified_id.csv` (`<modified>,<ecosystem>/<id>` at the top,
//!   `<modified>,<id>` inside an ecosystem's folder), newest first;
//! - a REST source: `all.json`, an array of `{"id", "modified"}`, and each
//!   record at `<id>.json`.
//!
//! A record is in the folder of every ecosystem its `affected` packages
//! name (the part before `:`, as the dumps name folders: `Debian:12` is in
//! `Debian`). Records come in as the bytes the application stored at
//! publication, so what is served is exactly what was published.

use std::collections::{BTreeMap, HashMap};
use std::io::Write as _;
use std::sync::Arc;

use serde::Serialize;
use time::OffsetDateTime;

/// One published OSV record, as the listings need it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OsvEntry {
    pub id: String,
    pub modified: OffsetDateTime,
    /// Folder names ([`ecosystem_dir`]) of the ecosystems it affects.
    pub ecosystems: Vec<String>,
}

/// Why a record cannot be listed or zipped.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum OsvFeedError {
    #[error("OSV record: {path}: {message}")]
    Record { path: String, message: String },
    #[error("zip archive: {0}")]
    Zip(String),
}

/// The folder an ecosystem's records go in: the name before any `:`
/// suffix, if it is a safe single path segment (letters, digits, `.`,
/// `-`, `_`, space; not `.` or `..`).
pub fn ecosystem_dir(ecosystem: &str) -> Option<String> {
    let base = ecosystem.split(':').next().unwrap_or(ecosystem).trim();
    let safe = !base.is_empty()
        && base != "."
        && base != ".."
        && base
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ' '));
    safe.then(|| base.to_owned())
}

/// Reads what the listings need from a record: `id`, `modified` and the
/// ecosystems of `affected[].package.ecosystem`. Errors name the JSON path.
pub fn entry_of(record: &serde_json::Value) -> Result<OsvEntry, OsvFeedError> {
    let bad = |path: &str, message: &str| OsvFeedError::Record {
        path: path.to_owned(),
        message: message.to_owned(),
    };
    let id = record
        .get("id")
        .and_then(|v| v.as_str())
        .filter(|s| is_safe_id(s))
        .ok_or_else(|| bad("/id", "missing, or not a safe file name"))?;
    let modified = record
        .get("modified")
        .and_then(|v| v.as_str())
        .ok_or_else(|| bad("/modified", "missing"))?;
    let modified = OffsetDateTime::parse(modified, &time::format_description::well_known::Rfc3339)
        .map_err(|e| bad("/modified", &format!("not RFC 3339: {e}")))?;
    let mut ecosystems: Vec<String> = Vec::new();
    if let Some(affected) = record.get("affected").and_then(|v| v.as_array()) {
        for (i, a) in affected.iter().enumerate() {
            let Some(eco) = a.pointer("/package/ecosystem").and_then(|v| v.as_str()) else {
                continue;
            };
            let dir = ecosystem_dir(eco).ok_or_else(|| {
                bad(
                    &format!("/affected/{i}/package/ecosystem"),
                    "not an ecosystem name that can be a folder",
                )
            })?;
            if !ecosystems.contains(&dir) {
                ecosystems.push(dir);
            }
        }
    }
    ecosystems.sort();
    Ok(OsvEntry {
        id: id.to_owned(),
        modified,
        ecosystems,
    })
}

/// An id that is safe as a file name: letters, digits, `-`, `_`, `.`, `:`
/// and not starting with a dot.
pub fn is_safe_id(id: &str) -> bool {
    !id.is_empty()
        && !id.starts_with('.')
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':'))
}

#[derive(Serialize)]
struct IdModified<'a> {
    id: &'a str,
    modified: String,
}

/// `all.json` of the REST source: `[{"id", "modified"}]`, by id.
pub fn all_json(entries: &[&OsvEntry]) -> Vec<u8> {
    let mut rows: Vec<IdModified<'_>> = entries
        .iter()
        .map(|e| IdModified {
            id: &e.id,
            modified: bulwark_core::rfc3339(e.modified),
        })
        .collect();
    rows.sort_by(|a, b| a.id.cmp(b.id));
    serde_json::to_vec(&rows).unwrap_or_default()
}

/// `modified_id.csv`, newest first (ties by path). At the top (`ecosystem`
/// `None`) each line is `<modified>,<ecosystem>/<id>`, one per ecosystem
/// of a record; inside an ecosystem's folder it is `<modified>,<id>` for
/// that ecosystem's records.
pub fn modified_id_csv(entries: &[&OsvEntry], ecosystem: Option<&str>) -> String {
    let mut rows: Vec<(OffsetDateTime, String)> = Vec::with_capacity(entries.len());
    for e in entries {
        match ecosystem {
            None => {
                for eco in &e.ecosystems {
                    rows.push((e.modified, format!("{eco}/{}", e.id)));
                }
            }
            Some(want) => {
                if e.ecosystems.iter().any(|x| x == want) {
                    rows.push((e.modified, e.id.clone()));
                }
            }
        }
    }
    rows.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    let mut out = String::with_capacity(rows.len() * 48);
    for (t, path) in rows {
        out.push_str(&bulwark_core::rfc3339(t));
        out.push(',');
        out.push_str(&path);
        out.push('\n');
    }
    out
}

/// `all.zip` of one ecosystem: each record as `<id>.json`, deflated, in id
/// order. `records` are (id, the record's bytes).
pub fn zip_records<'a>(
    records: impl IntoIterator<Item = (&'a str, &'a [u8])>,
) -> Result<Vec<u8>, OsvFeedError> {
    let mut sorted: Vec<(&str, &[u8])> = records.into_iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(b.0));
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        // A fixed time, so the same records give the same archive.
        .last_modified_time(zip::DateTime::default());
    for (id, bytes) in sorted {
        if !is_safe_id(id) {
            return Err(OsvFeedError::Record {
                path: "/id".into(),
                message: format!("{id:?} is not a safe file name"),
            });
        }
        zip.start_file(format!("{id}.json"), options)
            .map_err(|e| OsvFeedError::Zip(e.to_string()))?;
        zip.write_all(bytes)
            .map_err(|e| OsvFeedError::Zip(e.to_string()))?;
    }
    let cursor = zip.finish().map_err(|e| OsvFeedError::Zip(e.to_string()))?;
    Ok(cursor.into_inner())
}

/// The feed's listings for a set of records (the records' bytes stay with
/// the caller): built once per change of the published set.
#[derive(Debug, Clone)]
pub struct OsvFeed {
    /// `all.json`.
    pub all_json: Arc<[u8]>,
    /// The top-level `modified_id.csv`.
    pub modified_id_csv: Arc<[u8]>,
    /// Per ecosystem folder: its `modified_id.csv` and the indexes (into the
    /// entries given to [`OsvFeed::build`]) of its records.
    pub ecosystems: BTreeMap<String, (Arc<[u8]>, Vec<usize>)>,
    by_id: HashMap<String, usize>,
}

impl OsvFeed {
    pub fn build(entries: &[OsvEntry]) -> OsvFeed {
        let refs: Vec<&OsvEntry> = entries.iter().collect();
        let mut ecosystems: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        let mut by_id = HashMap::with_capacity(entries.len());
        for (i, e) in entries.iter().enumerate() {
            by_id.insert(e.id.clone(), i);
            for eco in &e.ecosystems {
                ecosystems.entry(eco.clone()).or_default().push(i);
            }
        }
        let ecosystems = ecosystems
            .into_iter()
            .map(|(eco, idx)| {
                let list: Vec<&OsvEntry> = idx.iter().map(|&i| &entries[i]).collect();
                let csv = modified_id_csv(&list, Some(&eco));
                (eco, (Arc::from(csv.into_bytes()), idx))
            })
            .collect();
        OsvFeed {
            all_json: Arc::from(all_json(&refs)),
            modified_id_csv: Arc::from(modified_id_csv(&refs, None).into_bytes()),
            ecosystems,
            by_id,
        }
    }

    /// The index of the record with `id`.
    pub fn record(&self, id: &str) -> Option<usize> {
        self.by_id.get(id).copied()
    }

    /// The index of the record with `id` if it is in `ecosystem`'s folder.
    pub fn record_in(&self, ecosystem: &str, id: &str) -> Option<usize> {
        let i = self.record(id)?;
        self.ecosystems
            .get(ecosystem)
            .filter(|(_, idx)| idx.contains(&i))
            .map(|_| i)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use time::macros::datetime;

    fn e(id: &str, modified: OffsetDateTime, eco: &[&str]) -> OsvEntry {
        OsvEntry {
            id: id.into(),
            modified,
            ecosystems: eco.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn entry_reads_id_modified_and_ecosystem_folders() {
        let r = json!({"id": "BWK-2026-0001", "modified": "2026-11-02T10:00:00Z",
            "affected": [{"package": {"ecosystem": "Debian:12", "name": "x"}},
                         {"package": {"ecosystem": "PyPI", "name": "y"}},
                         {"package": {"ecosystem": "Debian:11", "name": "x"}}]});
        let got = entry_of(&r).expect("entry");
        assert_eq!(got.id, "BWK-2026-0001");
        assert_eq!(got.modified, datetime!(2026-11-02 10:00 UTC));
        assert_eq!(got.ecosystems, vec!["Debian", "PyPI"]);
        let bad = json!({"id": "../x", "modified": "2026-11-02T10:00:00Z"});
        assert!(matches!(entry_of(&bad), Err(OsvFeedError::Record { path, .. }) if path == "/id"));
        let bad = json!({"id": "A-1", "modified": "2026-11-02T10:00:00Z",
            "affected": [{"package": {"ecosystem": "../../etc", "name": "y"}}]});
        assert!(
            matches!(entry_of(&bad), Err(OsvFeedError::Record { path, .. }) if path == "/affected/0/package/ecosystem")
        );
    }

    #[test]
    fn listings_are_sorted_as_osv_dev_reads_them() {
        let list = [
            e("BWK-1", datetime!(2026-01-01 0:00 UTC), &["PyPI"]),
            e("BWK-3", datetime!(2026-03-01 0:00 UTC), &["PyPI", "npm"]),
            e("BWK-2", datetime!(2026-02-01 0:00 UTC), &["npm"]),
        ];
        let feed = OsvFeed::build(&list);
        assert_eq!(
            std::str::from_utf8(&feed.modified_id_csv).expect("utf8"),
            "2026-03-01T00:00:00Z,PyPI/BWK-3\n2026-03-01T00:00:00Z,npm/BWK-3\n\
             2026-02-01T00:00:00Z,npm/BWK-2\n2026-01-01T00:00:00Z,PyPI/BWK-1\n"
        );
        let (npm_csv, npm_idx) = &feed.ecosystems["npm"];
        assert_eq!(
            std::str::from_utf8(npm_csv).expect("utf8"),
            "2026-03-01T00:00:00Z,BWK-3\n2026-02-01T00:00:00Z,BWK-2\n"
        );
        assert_eq!(npm_idx, &vec![1, 2]);
        let all: serde_json::Value = serde_json::from_slice(&feed.all_json).expect("json");
        assert_eq!(
            all,
            json!([{"id": "BWK-1", "modified": "2026-01-01T00:00:00Z"},
                   {"id": "BWK-2", "modified": "2026-02-01T00:00:00Z"},
                   {"id": "BWK-3", "modified": "2026-03-01T00:00:00Z"}])
        );
        assert_eq!(feed.record_in("npm", "BWK-3"), Some(1));
        assert_eq!(feed.record_in("npm", "BWK-1"), None);
        assert_eq!(feed.record("BWK-9"), None);
    }

    #[test]
    fn zip_holds_each_record_under_its_id() {
        let bytes = zip_records([
            ("B-2", &b"{\"id\":\"B-2\"}"[..]),
            ("A-1", &b"{\"id\":\"A-1\"}"[..]),
        ])
        .expect("zip");
        let mut archive =
            zip::ZipArchive::new(std::io::Cursor::new(bytes.clone())).expect("archive");
        assert_eq!(archive.len(), 2);
        let mut names: Vec<String> = archive
            .file_names()
            .map(|n| n.expect("name").into_owned())
            .collect();
        names.sort();
        assert_eq!(names, ["A-1.json", "B-2.json"]);
        let mut text = String::new();
        std::io::Read::read_to_string(&mut archive.by_name("B-2.json").expect("b"), &mut text)
            .expect("read");
        assert_eq!(text, "{\"id\":\"B-2\"}");
        // Deterministic: the same records give the same bytes.
        let again = zip_records([
            ("A-1", &b"{\"id\":\"A-1\"}"[..]),
            ("B-2", &b"{\"id\":\"B-2\"}"[..]),
        ])
        .expect("zip");
        assert_eq!(bytes, again);
        assert!(zip_records([("../x", &b"{}"[..])]).is_err());
    }
}
