//! Where the data is, and a reader for its plain CSV (no quoted fields).
#![allow(dead_code)]

use std::collections::HashMap;
use std::path::PathBuf;

/// A file of the shared data set (`shared/` beside the repository).
pub fn shared(name: &str) -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/data/prioritization/"
    ))
    .join(name)
}

/// A committed fixture.
pub fn fixture(name: &str) -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/")).join(name)
}

pub fn read(path: &PathBuf) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Rows as header → value maps, with their 1-based line numbers.
pub fn csv(path: &PathBuf) -> Vec<(usize, HashMap<String, String>)> {
    let text = read(path);
    let mut lines = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty());
    let header: Vec<String> = match lines.next() {
        Some((_, h)) => h.split(',').map(|s| s.trim().to_owned()).collect(),
        None => return Vec::new(),
    };
    lines
        .map(|(i, l)| {
            let cells: Vec<&str> = l.split(',').collect();
            assert_eq!(
                cells.len(),
                header.len(),
                "{}:{}: {l}",
                path.display(),
                i + 1
            );
            let row = header
                .iter()
                .cloned()
                .zip(cells.iter().map(|c| c.trim().to_owned()))
                .collect();
            (i + 1, row)
        })
        .collect()
}
