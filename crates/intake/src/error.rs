//! The refusal every reader gives: what kind of problem, where (JSON path,
//! line, column), and why. Format-neutral, so a caller reports a bad SARIF
//! log, OSV record, CSAF document or native findings file the same way.

use std::io::{BufRead, BufReader, Read};

use serde::de::DeserializeSeed;

/// Why a document was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// Not well-formed JSON.
    Syntax,
    /// The document ended early.
    Eof,
    /// The reader failed.
    Io,
    /// Well-formed JSON that is not a document of the format (wrong types,
    /// missing or, for Bulwark's own format, unknown fields).
    Schema,
    /// A document of another version of the format.
    Version,
}

/// A refused document: where and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {message} (line {line}, column {column})")]
pub struct IntakeError {
    pub kind: ErrorKind,
    /// JSON path of the first problem, e.g. `runs[0].results[3].locations` or
    /// `[3].affected[0].package`; `(document)` for the top level.
    pub path: String,
    pub message: String,
    /// Where the parser was when the problem was found (1-based line). For a
    /// problem found after an element was read whole (an OSV record, a CSAF
    /// vulnerability), that element's end.
    pub line: usize,
    pub column: usize,
}

/// The path shown for the top level.
pub(crate) const DOCUMENT: &str = "(document)";

/// Tools on Windows often write a UTF-8 byte order mark; JSON has none.
pub(crate) fn skip_bom<R: Read>(reader: &mut BufReader<R>) -> std::io::Result<()> {
    let buf = reader.fill_buf()?;
    if buf.starts_with(b"\xEF\xBB\xBF") {
        reader.consume(3);
    }
    Ok(())
}

/// State shared by the advisory and native readers' visitors.
pub(crate) struct Ctx<'f, T, E> {
    pub sink: &'f mut dyn FnMut(T) -> Result<(), E>,
    pub handler_error: Option<E>,
    /// Our own refusal (schema or version), classified apart from serde's.
    pub refusal: Option<ErrorKind>,
    /// A path below the one serde tracked (a problem found inside an element
    /// read whole, e.g. `affected[0].package` inside record `[3]`).
    pub inner_path: Option<String>,
}

impl<'f, T, E> Ctx<'f, T, E> {
    pub fn new(sink: &'f mut dyn FnMut(T) -> Result<(), E>) -> Self {
        Ctx {
            sink,
            handler_error: None,
            refusal: None,
            inner_path: None,
        }
    }

    /// Hands `item` to the caller; a handler error stops the read.
    pub fn emit<Er: serde::de::Error>(&mut self, item: T) -> Result<(), Er> {
        match (self.sink)(item) {
            Ok(()) => Ok(()),
            Err(e) => {
                self.handler_error = Some(e);
                Err(Er::custom("handler failed"))
            }
        }
    }

    /// Our own refusal of the current element.
    pub fn refuse<Er: serde::de::Error>(
        &mut self,
        kind: ErrorKind,
        msg: impl std::fmt::Display,
    ) -> Er {
        self.refusal = Some(kind);
        Er::custom(msg)
    }

    /// A problem found by a typed pass over an element already read into a
    /// [`serde_json::Value`]: remembered so the error names the inner path.
    pub fn refuse_inner<Er: serde::de::Error>(
        &mut self,
        e: serde_path_to_error::Error<serde_json::Error>,
    ) -> Er {
        let inner = e.path().to_string();
        if inner != "." {
            self.inner_path = Some(inner);
        }
        self.refuse(ErrorKind::Schema, e.into_inner())
    }
}

/// A document that failed: serde_json's error and the path serde tracked.
pub(crate) struct Failure {
    pub error: serde_json::Error,
    pub path: String,
}

/// Runs `seed` over the JSON in `reader` with path tracking, then checks
/// nothing but whitespace follows.
pub(crate) fn drive<R, S>(reader: R, seed: S) -> Result<(), Failure>
where
    R: Read,
    S: for<'de> DeserializeSeed<'de, Value = ()>,
{
    let mut reader = BufReader::with_capacity(64 * 1024, reader);
    if let Err(e) = skip_bom(&mut reader) {
        return Err(Failure {
            error: serde_json::Error::io(e),
            path: String::new(),
        });
    }
    let mut de = serde_json::Deserializer::from_reader(reader);
    let mut track = serde_path_to_error::Track::new();
    let outcome = seed.deserialize(serde_path_to_error::Deserializer::new(&mut de, &mut track));
    match outcome.and_then(|()| de.end()) {
        Ok(()) => Ok(()),
        Err(error) => {
            let path = track.path().to_string();
            Err(Failure {
                error,
                path: if path == "." { String::new() } else { path },
            })
        }
    }
}

/// Joins an outer (tracked) and inner path: `[3]` + `affected[0]` is
/// `[3].affected[0]`; an empty result is [`DOCUMENT`].
pub(crate) fn join_path(outer: &str, inner: Option<&str>) -> String {
    let mut s = outer.to_owned();
    if let Some(inner) = inner.filter(|i| !i.is_empty()) {
        if !s.is_empty() && !inner.starts_with('[') {
            s.push('.');
        }
        s.push_str(inner);
    }
    if s.is_empty() { DOCUMENT.to_owned() } else { s }
}

/// The error for `f`, classified with the reader's own refusal when serde
/// saw a data error.
/// What a driven read came to: the handler's own error when it stopped the
/// read, else the document's, with its path.
pub(crate) fn settle<E>(
    ctx: &mut Ctx<'_, crate::finding::Finding, E>,
    outcome: Result<(), Failure>,
) -> Result<(), crate::finding::ReadError<E>> {
    use crate::finding::ReadError;
    match outcome {
        Ok(()) => Ok(()),
        Err(f) => match ctx.handler_error.take() {
            Some(h) => Err(ReadError::Handler(h)),
            None => Err(ReadError::Document(to_error(ctx, &f))),
        },
    }
}

pub(crate) fn to_error<T, E>(ctx: &Ctx<'_, T, E>, f: &Failure) -> IntakeError {
    use serde_json::error::Category;
    let e = &f.error;
    let kind = match e.classify() {
        Category::Io => ErrorKind::Io,
        Category::Syntax => ErrorKind::Syntax,
        Category::Eof => ErrorKind::Eof,
        Category::Data => ctx.refusal.unwrap_or(ErrorKind::Schema),
    };
    let full = e.to_string();
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    let message = full.strip_suffix(&suffix).unwrap_or(&full).to_owned();
    IntakeError {
        kind,
        path: join_path(&f.path, ctx.inner_path.as_deref()),
        message,
        line: e.line(),
        column: e.column(),
    }
}
