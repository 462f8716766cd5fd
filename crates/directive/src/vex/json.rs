//! What the three readers share: the read's mode and warnings, optional
//! fields read leniently, JSON paths.

use serde_json::{Map, Value};

use super::{Mode, VexError, VexWarning, VexWarningKind};

pub(crate) struct Ctx {
    mode: Mode,
    pub(crate) warnings: Vec<VexWarning>,
}

impl Ctx {
    pub(crate) fn new(mode: Mode) -> Ctx {
        Ctx {
            mode,
            warnings: Vec::new(),
        }
    }

    /// The document's text: the bytes after a byte order mark, if any.
    pub(crate) fn text<'b>(&mut self, bytes: &'b [u8]) -> Result<&'b [u8], VexError> {
        match bytes.strip_prefix("\u{feff}".as_bytes()) {
            Some(rest) => {
                self.repair(
                    VexWarningKind::ByteOrderMark,
                    "",
                    "a byte order mark before the JSON: skipped",
                )?;
                Ok(rest)
            }
            None => Ok(bytes),
        }
    }

    /// Records a repair of a document that does not conform; strict mode
    /// refuses instead.
    pub(crate) fn repair(
        &mut self,
        kind: VexWarningKind,
        path: &str,
        message: impl Into<String>,
    ) -> Result<(), VexError> {
        let w = VexWarning {
            kind,
            path: path.to_owned(),
            line: None,
            message: message.into(),
        };
        if self.mode == Mode::Strict {
            return Err(VexError::Strict(w));
        }
        self.warnings.push(w);
        Ok(())
    }

    /// Records something worth saying about a conforming document, in
    /// either mode.
    pub(crate) fn note(&mut self, kind: VexWarningKind, path: &str, message: impl Into<String>) {
        self.warnings.push(VexWarning {
            kind,
            path: path.to_owned(),
            line: None,
            message: message.into(),
        });
    }

    /// An optional string field: absent, null or blank is `None`; another
    /// type is ignored with a warning.
    pub(crate) fn opt_str(
        &mut self,
        obj: &Map<String, Value>,
        key: &str,
        path: &str,
    ) -> Result<Option<String>, VexError> {
        match obj.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(non_blank(s)),
            Some(other) => {
                self.repair(
                    VexWarningKind::MalformedField,
                    &field(path, key),
                    format!("{} where a string belongs: ignored", kind(other)),
                )?;
                Ok(None)
            }
        }
    }

    /// An optional array field: absent or null is empty; another type is
    /// ignored with a warning.
    pub(crate) fn opt_array<'a>(
        &mut self,
        obj: &'a Map<String, Value>,
        key: &str,
        path: &str,
    ) -> Result<&'a [Value], VexError> {
        match obj.get(key) {
            None | Some(Value::Null) => Ok(&[]),
            Some(Value::Array(a)) => Ok(a),
            Some(other) => {
                self.repair(
                    VexWarningKind::MalformedField,
                    &field(path, key),
                    format!("{} where an array belongs: ignored", kind(other)),
                )?;
                Ok(&[])
            }
        }
    }

    /// An optional object field: absent or null is `None`; another type is
    /// ignored with a warning.
    pub(crate) fn opt_object<'a>(
        &mut self,
        obj: &'a Map<String, Value>,
        key: &str,
        path: &str,
    ) -> Result<Option<&'a Map<String, Value>>, VexError> {
        match obj.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Object(o)) => Ok(Some(o)),
            Some(other) => {
                self.repair(
                    VexWarningKind::MalformedField,
                    &field(path, key),
                    format!("{} where an object belongs: ignored", kind(other)),
                )?;
                Ok(None)
            }
        }
    }

    /// Strings of an optional array; other members are ignored with a
    /// warning.
    pub(crate) fn strings(
        &mut self,
        obj: &Map<String, Value>,
        key: &str,
        path: &str,
    ) -> Result<Vec<String>, VexError> {
        let at = field(path, key);
        let mut out = Vec::new();
        for (i, v) in self.opt_array(obj, key, path)?.iter().enumerate() {
            match v {
                Value::String(s) => out.extend(non_blank(s)),
                other => self.repair(
                    VexWarningKind::MalformedField,
                    &index(&at, i),
                    format!("{} where a string belongs: ignored", kind(other)),
                )?,
            }
        }
        Ok(out)
    }

    /// A word from a fixed list: exactly, else repaired from another case
    /// or `-`/space for `_` (warning `misspelled`); `None` when it spells
    /// no word of the list.
    pub(crate) fn word<T>(
        &mut self,
        raw: &str,
        path: &str,
        misspelled: VexWarningKind,
        known: impl Fn(&str) -> Option<T>,
    ) -> Result<Option<T>, VexError> {
        if let Some(t) = known(raw) {
            return Ok(Some(t));
        }
        let norm = normalise(raw);
        match known(&norm) {
            Some(t) => {
                self.repair(misspelled, path, format!("{raw:?} read as {norm:?}"))?;
                Ok(Some(t))
            }
            None => Ok(None),
        }
    }
}

/// The text as a JSON value.
pub(crate) fn parse(text: &[u8]) -> Result<Value, VexError> {
    serde_json::from_slice(text).map_err(|e| VexError::NotJson {
        line: e.line(),
        column: e.column(),
        message: strip_position(&e.to_string()),
    })
}

/// Lower case, `_` for `-` and spaces, trimmed: how tools misspell the
/// standards' words.
pub(crate) fn normalise(raw: &str) -> String {
    raw.trim().to_ascii_lowercase().replace(['-', ' '], "_")
}

pub(crate) fn non_blank(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_owned())
}

/// `path.key`, or `key` at the top.
pub(crate) fn field(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}

/// `path[i]`.
pub(crate) fn index(path: &str, i: usize) -> String {
    format!("{path}[{i}]")
}

/// The JSON type of a value, for messages.
pub(crate) fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// serde_json's message without its trailing " at line L column C", which
/// the error gives separately.
fn strip_position(msg: &str) -> String {
    match msg.rfind(" at line ") {
        Some(at) => msg[..at].to_owned(),
        None => msg.to_owned(),
    }
}

/// The object at `path`, or an error naming it.
pub(crate) fn object<'a>(v: &'a Value, path: &str) -> Result<&'a Map<String, Value>, VexError> {
    v.as_object().ok_or_else(|| VexError::Invalid {
        line: None,
        path: path.to_owned(),
        message: format!("{} where an object belongs", kind(v)),
    })
}
