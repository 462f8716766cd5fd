//! CSAF 2.0 (OASIS, <https://docs.oasis-open.org/csaf/csaf/v2.0/os/csaf-v2.0-os.html>):
//! the writers of our two profiles ([`security_advisory`], [`vex`]), the
//! validator of any publisher's document ([`validate`]), the file name
//! rule ([`filename`]) and the one serialisation that is published, hashed
//! and signed ([`to_bytes`]).

mod validate;
mod write;

use serde_json::Value;

pub use validate::validate;
pub(crate) use write::{date as write_date, implied_ranges};
pub use write::{security_advisory, vex};

/// One thing wrong with a CSAF document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The mandatory test that found it (`"6.1.1"`, `"6.1.27.9"`), or
    /// `"schema"` for the JSON schema's structure.
    pub test: String,
    /// A JSON pointer (RFC 6901) to the offending value (`""` is the root).
    pub path: String,
    pub message: String,
}

impl Problem {
    pub fn new(test: &str, path: impl Into<String>, message: impl Into<String>) -> Problem {
        Problem {
            test: test.to_owned(),
            path: path.into(),
            message: message.into(),
        }
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let path = if self.path.is_empty() {
            "/"
        } else {
            &self.path
        };
        write!(f, "{} at {}: {}", self.test, path, self.message)
    }
}

/// The file name of a document with this tracking id (CSAF 2.0 §5.1):
/// lower case, every *sequence* of characters other than `+`, `-`, `a`–`z`
/// and `0`–`9` replaced by one `_`, then `.json`. The provider's directory
/// layout, the ROLIE feed and the provider check all use it.
pub fn filename(tracking_id: &str) -> String {
    let mut name = String::with_capacity(tracking_id.len() + 5);
    let mut in_run = false;
    for c in tracking_id.chars().flat_map(char::to_lowercase) {
        if matches!(c, 'a'..='z' | '0'..='9' | '+' | '-') {
            name.push(c);
            in_run = false;
        } else if !in_run {
            name.push('_');
            in_run = true;
        }
    }
    name.push_str(".json");
    name
}

/// The exact bytes that are published, hashed (`.sha256`, `.sha512`) and
/// signed (`.asc`): pretty-printed JSON (two-space indent) with object keys
/// in sorted order, ending in one newline.
///
/// Pretty rather than compact because people read published advisories
/// (CSAF's own examples are indented and providers serve them so), and the
/// size difference is small beside what a provider serves. Keys are sorted
/// here rather than left to `serde_json`'s map, because whether that map
/// keeps insertion order depends on a cargo feature another crate of the
/// workspace may switch on: the bytes of one document must not depend on
/// which binary wrote them.
pub fn to_bytes(doc: &Value) -> Vec<u8> {
    let mut bytes = serde_json::to_vec_pretty(&sorted(doc))
        // Serialising a `Value` to a Vec fails only on non-string map
        // keys, which a `Value` cannot hold.
        .unwrap_or_default();
    bytes.push(b'\n');
    bytes
}

fn sorted(v: &Value) -> Value {
    match v {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            let mut out = serde_json::Map::new();
            for k in keys {
                out.insert(k.clone(), sorted(&map[k]));
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(sorted).collect()),
        other => other.clone(),
    }
}

/// RFC 6901 escaping of one reference token.
pub(crate) fn escape_token(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filename_follows_section_5_1() {
        assert_eq!(filename("BWK-2026-0001"), "bwk-2026-0001.json");
        assert_eq!(
            filename("Example Company - 2019-YH3234"),
            "example_company_-_2019-yh3234.json"
        );
        assert_eq!(filename("RHBA-2019:0024"), "rhba-2019_0024.json");
        assert_eq!(filename("a+b/c.d"), "a+b_c_d.json");
        // A sequence becomes one underscore, not one per character.
        assert_eq!(
            filename("Example Co: SA 2021/01"),
            "example_co_sa_2021_01.json"
        );
    }

    #[test]
    fn to_bytes_is_independent_of_insertion_order() {
        let a = serde_json::json!({"b": 1, "a": {"d": [1, {"z": 0, "y": 1}], "c": 2}});
        let b = serde_json::json!({"a": {"c": 2, "d": [1, {"y": 1, "z": 0}]}, "b": 1});
        assert_eq!(to_bytes(&a), to_bytes(&b));
        let text = String::from_utf8(to_bytes(&a)).unwrap();
        assert!(text.starts_with("{\n  \"a\": {\n    \"c\": 2"), "{text}");
        assert!(text.ends_with("}\n"));
    }
}
