//! The line a JSON path starts on, for errors and warnings: the readers
//! work on a parsed value, which has no lines, so the text is walked again
//! once, only when there is something to report.

use std::collections::{HashMap, HashSet};

/// The 1-based line of each path's value in `text` (valid JSON); a path
/// naming nothing (a missing field) gets the line of its nearest parent.
pub(crate) fn lines<'p>(
    text: &[u8],
    paths: impl IntoIterator<Item = &'p str>,
) -> HashMap<String, usize> {
    let paths: Vec<&str> = paths.into_iter().collect();
    let mut want = HashSet::new();
    for p in &paths {
        let mut p = *p;
        loop {
            want.insert(p.to_owned());
            match parent(p) {
                Some(up) => p = up,
                None => break,
            }
        }
    }
    let mut walk = Walk {
        b: text,
        i: 0,
        line: 1,
        want: &want,
        found: HashMap::new(),
    };
    let mut path = String::new();
    walk.value(&mut path, 0);
    let mut out = HashMap::new();
    for p in paths {
        let mut at = Some(p);
        while let Some(q) = at {
            if let Some(line) = walk.found.get(q) {
                out.insert(p.to_owned(), *line);
                break;
            }
            at = parent(q);
        }
    }
    out
}

/// `a.b[2]` → `a.b` → `a` → `` → none.
fn parent(p: &str) -> Option<&str> {
    if p.is_empty() {
        return None;
    }
    Some(match p.rfind(['.', '[']) {
        Some(cut) => &p[..cut],
        None => "",
    })
}

struct Walk<'a> {
    b: &'a [u8],
    i: usize,
    line: usize,
    want: &'a HashSet<String>,
    found: HashMap<String, usize>,
}

/// serde_json's own nesting limit: deeper text did not parse.
const MAX_DEPTH: usize = 128;

impl Walk<'_> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn ws(&mut self) {
        while let Some(c) = self.peek() {
            match c {
                b'\n' => self.line += 1,
                b' ' | b'\t' | b'\r' => {}
                _ => return,
            }
            self.i += 1;
        }
    }

    fn value(&mut self, path: &mut String, depth: usize) {
        self.ws();
        if self.want.contains(path.as_str()) {
            self.found.entry(path.clone()).or_insert(self.line);
        }
        if depth > MAX_DEPTH {
            return;
        }
        match self.peek() {
            Some(b'{') => {
                self.i += 1;
                loop {
                    self.ws();
                    match self.peek() {
                        Some(b'}') => {
                            self.i += 1;
                            return;
                        }
                        Some(b'"') => {}
                        _ => return,
                    }
                    let key = self.string();
                    self.ws();
                    if self.peek() != Some(b':') {
                        return;
                    }
                    self.i += 1;
                    let len = path.len();
                    if !path.is_empty() {
                        path.push('.');
                    }
                    path.push_str(&key);
                    self.value(path, depth + 1);
                    path.truncate(len);
                    if !self.next_member(b'}') {
                        return;
                    }
                }
            }
            Some(b'[') => {
                self.i += 1;
                self.ws();
                if self.peek() == Some(b']') {
                    self.i += 1;
                    return;
                }
                let mut index = 0usize;
                loop {
                    let len = path.len();
                    path.push('[');
                    path.push_str(&index.to_string());
                    path.push(']');
                    self.value(path, depth + 1);
                    path.truncate(len);
                    index += 1;
                    if !self.next_member(b']') {
                        return;
                    }
                }
            }
            Some(b'"') => {
                self.string();
            }
            Some(_) => {
                while let Some(c) = self.peek() {
                    if matches!(c, b',' | b'}' | b']' | b' ' | b'\t' | b'\r' | b'\n') {
                        break;
                    }
                    self.i += 1;
                }
            }
            None => {}
        }
    }

    /// After a member: `true` at `,` (consumed), `false` at the closing
    /// bracket (consumed) or anything else.
    fn next_member(&mut self, close: u8) -> bool {
        self.ws();
        match self.peek() {
            Some(b',') => {
                self.i += 1;
                true
            }
            Some(c) if c == close => {
                self.i += 1;
                false
            }
            _ => false,
        }
    }

    /// A string at `"`, decoded; the position moves past it.
    fn string(&mut self) -> String {
        let start = self.i;
        self.i += 1;
        while let Some(c) = self.peek() {
            self.i += 1;
            match c {
                b'\\' => self.i += 1,
                b'"' => break,
                _ => {}
            }
        }
        let end = self.i.min(self.b.len());
        self.b
            .get(start..end)
            .and_then(|s| serde_json::from_slice(s).ok())
            .unwrap_or_default()
    }
}
