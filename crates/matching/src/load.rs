//! Reading many OSV files: which to read, and a tally of what came of them.
//!
//! The caller walks its directory or archive and hands each file's name
//! and bytes to [`read`]. A file is read when its name ends in `.json`,
//! `.yaml` or `.yml`; anything else is [`Read::Skipped`]. A file that is
//! JSON or YAML but not an OSV record (see [`crate::osv`]: no string `id`,
//! or none of `modified`, `published`, `affected`, `schema_version`) is
//! [`Read::NotOsv`]: advisory trees carry lockfiles, scanner configurations
//! and result files next to their records, and those are not errors.

use std::collections::BTreeMap;

use crate::osv::{self, Advisory, Format, OsvError};

/// What came of one file.
#[derive(Debug, Clone, PartialEq)]
pub enum Read {
    Advisory(Box<Advisory>),
    /// Not a `.json`, `.yaml` or `.yml` file.
    Skipped,
    /// JSON or YAML, but not an OSV record.
    NotOsv(String),
    /// A broken OSV record, or a file that is not well formed.
    Refused(OsvError),
}

/// Reads one file by its name's extension.
pub fn read(file_name: &str, bytes: &[u8]) -> Read {
    let Some(format) = Format::from_file_name(file_name) else {
        return Read::Skipped;
    };
    match osv::parse(bytes, format) {
        Ok(a) => Read::Advisory(Box::new(a)),
        Err(OsvError::NotOsv(why)) => Read::NotOsv(why),
        Err(e) => Read::Refused(e),
    }
}

/// Counts of what a load read, refusals by a short reason.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tally {
    pub parsed: usize,
    pub skipped: usize,
    /// Reason → files.
    pub not_osv: BTreeMap<String, usize>,
    /// Kind of refusal (`JSON syntax`, `YAML syntax`, `invalid at <path>`)
    /// → files.
    pub refused: BTreeMap<String, usize>,
}

impl Tally {
    /// Counts `read` and hands back the advisory, if it is one.
    pub fn count(&mut self, read: Read) -> Option<Advisory> {
        match read {
            Read::Advisory(a) => {
                self.parsed += 1;
                return Some(*a);
            }
            Read::Skipped => self.skipped += 1,
            Read::NotOsv(why) => *self.not_osv.entry(why).or_default() += 1,
            Read::Refused(e) => {
                let kind = match e {
                    OsvError::Syntax { format, .. } => format!("{format} syntax"),
                    OsvError::Invalid { path, .. } => format!("invalid at {}", generic_path(&path)),
                    OsvError::NotOsv(_) => "not OSV".to_owned(),
                };
                *self.refused.entry(kind).or_default() += 1;
            }
        }
        None
    }

    pub fn not_osv_total(&self) -> usize {
        self.not_osv.values().sum()
    }

    pub fn refused_total(&self) -> usize {
        self.refused.values().sum()
    }
}

/// `affected[3].ranges[0]` → `affected[].ranges[]`, so refusals group.
fn generic_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut in_index = false;
    for c in path.chars() {
        match c {
            '[' => {
                in_index = true;
                out.push('[');
            }
            ']' => {
                in_index = false;
                out.push(']');
            }
            _ if in_index => {}
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tallies() {
        let mut t = Tally::default();
        assert!(t.count(read("a.toml", b"x")).is_none());
        assert!(
            t.count(read("package-lock.json", b"{\"lockfileVersion\":3}"))
                .is_none()
        );
        assert!(t.count(read("x.json", b"{")).is_none());
        assert!(
            t.count(read("x.yml", b"id: A\nmodified: x\naffected: 3\n"))
                .is_none()
        );
        assert!(
            t.count(read("A.JSON", b"{\"id\":\"A\",\"modified\":\"x\"}"))
                .is_some()
        );
        assert_eq!(
            (t.parsed, t.skipped, t.not_osv_total(), t.refused_total()),
            (1, 1, 1, 2)
        );
        assert_eq!(t.refused.get("invalid at affected"), Some(&1));
    }
}
