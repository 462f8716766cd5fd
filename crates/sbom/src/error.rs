//! Why a document was refused. Every variant says where (JSON path, XML
//! element, line) or names the reason, so that a refusal can be shown to
//! the submitter as is.

use thiserror::Error;

/// A document that could not be read as an SBOM.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SbomError {
    /// The content is recognisably something else (or nothing at all).
    #[error("not an SBOM: {0}")]
    NotSbom(String),
    /// An SBOM format or version this crate does not read.
    #[error("unsupported SBOM: {0}")]
    Unsupported(String),
    /// A compressed format other than gzip, or gzip inside gzip: the caller
    /// decompresses.
    #[error("compressed ({0}): decompress before parsing")]
    Compressed(&'static str),
    /// A gzip stream that does not decompress, or decompresses past
    /// [`crate::MAX_DECOMPRESSED`] bytes.
    #[error("gzip: {0}")]
    Gzip(String),
    /// Bytes that are not UTF-8 where the format requires it.
    #[error("not UTF-8 at byte {offset}")]
    NotUtf8 { offset: usize },
    /// Malformed JSON or a field of the wrong shape.
    #[error("{format} JSON at `{path}` (line {line}, column {column}): {message}")]
    Json {
        format: &'static str,
        path: String,
        line: usize,
        column: usize,
        message: String,
    },
    /// Malformed XML or an unexpected element.
    #[error("CycloneDX XML at {element} (byte {offset}): {message}")]
    Xml {
        element: String,
        offset: u64,
        message: String,
    },
    /// A malformed SPDX tag-value line.
    #[error("SPDX tag-value line {line}: {message}")]
    TagValue { line: usize, message: String },
    /// Components nested deeper than [`crate::MAX_DEPTH`]: refused rather
    /// than walked, so a hostile document cannot exhaust the stack.
    #[error("components nested deeper than {limit} levels at {path}")]
    TooDeep { path: String, limit: usize },
}

impl SbomError {
    /// A short, stable name of the kind of refusal, for counting and logs.
    pub fn kind(&self) -> &'static str {
        match self {
            SbomError::NotSbom(_) => "not an SBOM",
            SbomError::Unsupported(_) => "unsupported",
            SbomError::Compressed(_) => "compressed",
            SbomError::Gzip(_) => "bad gzip",
            SbomError::NotUtf8 { .. } => "not UTF-8",
            SbomError::Json { .. } => "invalid JSON",
            SbomError::Xml { .. } => "invalid XML",
            SbomError::TagValue { .. } => "invalid tag-value",
            SbomError::TooDeep { .. } => "too deep",
        }
    }
}
