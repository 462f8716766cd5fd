//! Request bodies spooled to a temporary file, hashed on the way.
//!
//! An intake document may be hundreds of megabytes: held in memory, a few
//! concurrent uploads would exhaust the server. It is written to a file in
//! the system's temporary directory (`TMPDIR`) as it arrives, its SHA-256 and
//! size computed at the same time, and read back twice — once by the parser,
//! once by the store that keeps it — from disk. The file is removed when the
//! [`Spool`] is dropped, whatever the outcome.

use std::path::{Path, PathBuf};

use axum::body::Body;
use bulwark_core::ContentHasher;
use futures_util::StreamExt;
use tokio::io::AsyncWriteExt;

use crate::problem::{ApiError, Kind};

/// How much of a body past the limit is read and dropped before the 413
/// is sent, so that a client that sent a little too much reads the answer.
/// Bounded: a larger body is cut off.
const DRAIN_AFTER_LIMIT: u64 = 64 * 1024 * 1024;

/// A spooled body: where it is, its address and its size.
#[derive(Debug)]
pub struct Spool {
    path: PathBuf,
    pub sha256: String,
    pub size: u64,
}

impl Spool {
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The first bytes, to tell a document's format by its content.
    pub async fn head(&self, n: usize) -> std::io::Result<Vec<u8>> {
        use tokio::io::AsyncReadExt;
        let f = tokio::fs::File::open(&self.path).await?;
        let mut buf = Vec::with_capacity(n);
        f.take(n as u64).read_to_end(&mut buf).await?;
        Ok(buf)
    }
}

impl Drop for Spool {
    fn drop(&mut self) {
        // Best effort: a file left behind in TMPDIR is cleaned by the system.
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Writes `body` to a new temporary file, refusing more than `limit` bytes
/// (413) and an empty body (422).
pub async fn spool(body: Body, limit: u64) -> Result<Spool, ApiError> {
    spool_stream(body.into_data_stream(), limit).await
}

/// [`spool`] for any stream of chunks (a request body, a multipart field).
pub async fn spool_stream<S, B, E>(mut stream: S, limit: u64) -> Result<Spool, ApiError>
where
    S: futures_util::Stream<Item = Result<B, E>> + Unpin,
    B: AsRef<[u8]>,
    E: std::fmt::Display,
{
    let mut name = [0u8; 16];
    getrandom::fill(&mut name).map_err(|_| ApiError::internal())?;
    let path = std::env::temp_dir().join(format!("bulwark-intake-{}", hex::encode(name)));
    let file = tokio::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "cannot create a spool file");
            ApiError::internal()
        })?;
    // From here the guard removes the file on every way out.
    let mut spool = Spool {
        path,
        sha256: String::new(),
        size: 0,
    };
    let mut out = tokio::io::BufWriter::with_capacity(256 * 1024, file);
    let mut hasher = ContentHasher::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk
            .map_err(|e| ApiError::malformed(format!("the request body could not be read: {e}")))?;
        let chunk = chunk.as_ref();
        spool.size += chunk.len() as u64;
        if spool.size > limit {
            // Read (and drop) a bounded rest of the body before answering:
            // a client still sending when the connection closes sees a
            // broken pipe instead of this 413 and its reason.
            let mut rest = spool.size - limit;
            while rest < DRAIN_AFTER_LIMIT {
                match stream.next().await {
                    Some(Ok(more)) => rest += more.as_ref().len() as u64,
                    _ => break,
                }
            }
            return Err(ApiError::new(
                Kind::PayloadTooLarge,
                format!("the document exceeds {limit} bytes"),
            ));
        }
        hasher.update(chunk);
        out.write_all(chunk).await.map_err(|e| {
            tracing::error!(error = %e, "cannot write a spool file");
            ApiError::internal()
        })?;
    }
    out.flush().await.map_err(|_| ApiError::internal())?;
    if spool.size == 0 {
        return Err(ApiError::validation("the document is empty"));
    }
    spool.sha256 = hasher.finish().to_string();
    Ok(spool)
}
