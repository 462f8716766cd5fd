//! Readers for the feeds prioritisation draws on: CISA's KEV catalog, FIRST's
//! EPSS scores and CVE JSON 5 records (with CISA's ADP "Vulnrichment"). Each
//! takes bytes or a reader and names where a problem is: the JSON path, or
//! the CSV line.

pub mod cve;
pub mod epss;
pub mod kev;

/// A feed that could not be read.
#[derive(Debug, thiserror::Error)]
pub enum FeedError {
    /// Malformed JSON, or JSON of the wrong shape, at `path`
    /// (`vulnerabilities[3].dueDate`; `.` for the document itself).
    #[error("at {path}: {message}")]
    Json { path: String, message: String },
    /// A CSV line (1-based, comment line included) that is not what the
    /// feed promises.
    #[error("line {line}: {message}")]
    Csv { line: u64, message: String },
    #[error("line {line}: {source}")]
    Io {
        line: u64,
        #[source]
        source: std::io::Error,
    },
}

impl FeedError {
    pub(crate) fn json(e: serde_path_to_error::Error<serde_json::Error>) -> FeedError {
        FeedError::Json {
            path: e.path().to_string(),
            message: e.into_inner().to_string(),
        }
    }
}

/// Deserializes `bytes` as `T`, naming the JSON path of the first problem.
pub(crate) fn from_json<'a, T: serde::Deserialize<'a>>(bytes: &'a [u8]) -> Result<T, FeedError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut de).map_err(FeedError::json)?;
    de.end().map_err(|e| FeedError::Json {
        path: ".".into(),
        message: e.to_string(),
    })?;
    Ok(value)
}
