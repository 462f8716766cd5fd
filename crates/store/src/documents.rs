//! Raw documents as they were sent: intake documents, validation evidence
//! and SBOMs, content-addressed by SHA-256 and kept once however often they
//! are sent.
//!
//! Kept apart from intake because intake is only one of their writers:
//! SBOMs keep their documents here in the same pieces, validations their
//! evidence, and all of them are read back through the same methods.
//! Documents of any size are kept in pieces of [`DOCUMENT_CHUNK`] bytes, so
//! none is ever bound to one statement whole; evidence, small, in its row.

use bulwark_core::from_micros;
use time::OffsetDateTime;
use tokio::io::{AsyncRead, AsyncReadExt};
use uuid::Uuid;

use crate::tx::Tx;
use crate::{Result, Store, StoreError, with_pool};

/// Bytes per stored piece of a raw document: a document is never bound to
/// one statement whole, so its size is not limited by memory.
pub const DOCUMENT_CHUNK: usize = 1024 * 1024;

/// A raw document for [`Store::ingest_stream`]: its address, computed by
/// the caller, and a reader of its bytes.
pub struct RawDocument<R> {
    pub media_type: String,
    /// Lowercase hex SHA-256 of the content.
    pub sha256: String,
    pub size: u64,
    pub content: R,
}

/// A kept document, without its content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawDocumentInfo {
    pub sha256: String,
    pub media_type: String,
    pub size: u64,
    /// Pieces it is kept in; 0 when kept whole in its row.
    pub pieces: u64,
    /// The organizations that sent it or gave it as evidence.
    pub orgs: Vec<Uuid>,
}

/// A document as one organization sent it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentDocument {
    pub sha256: String,
    pub media_type: String,
    pub size: u64,
    /// Reports the organization filed from it (over all its sendings).
    pub reports: u64,
    pub first_sent_at: OffsetDateTime,
}

/// A raw document's row, without its content.
pub(crate) struct DocumentRow<'a> {
    /// Lowercase hex SHA-256 of the content.
    pub sha256: &'a str,
    pub media_type: &'a str,
    pub size: i64,
    /// The organization that first sent it or gave it as evidence.
    pub first_org: Uuid,
    pub at: i64,
}

/// Keeps a document read from `content` in pieces of [`DOCUMENT_CHUNK`]
/// bytes, unless one with its address is kept already (then `content` is
/// not read). True when this call kept it.
pub(crate) async fn keep_in_pieces<R>(
    tx: &mut impl Tx,
    row: &DocumentRow<'_>,
    content: &mut R,
) -> Result<bool>
where
    R: AsyncRead + Unpin + Send,
{
    if !tx.insert_raw_document(row, &[]).await? {
        return Ok(false);
    }
    let mut seq: i64 = 0;
    let mut buf = vec![0u8; DOCUMENT_CHUNK];
    loop {
        let mut filled = 0;
        while filled < buf.len() {
            let n = content
                .read(&mut buf[filled..])
                .await
                .map_err(|e| StoreError::Invalid(format!("reading the document: {e}")))?;
            if n == 0 {
                break;
            }
            filled += n;
        }
        if filled == 0 {
            break;
        }
        tx.insert_document_piece(row.sha256, seq, &buf[..filled])
            .await?;
        seq += 1;
        if filled < buf.len() {
            break;
        }
    }
    Ok(true)
}

impl Store {
    /// A raw document as it was sent, with its media type.
    pub async fn raw_document(&self, sha256: &str) -> Result<(String, Vec<u8>)> {
        let ((media_type, mut content), chunks): ((String, Vec<u8>), Vec<Vec<u8>>) = with_pool!(self, pool => {
            (
                sqlx::query_as("SELECT media_type, content FROM raw_documents WHERE sha256 = $1")
                    .bind(sha256).fetch_one(pool).await?,
                sqlx::query_scalar("SELECT bytes FROM raw_document_chunks WHERE sha256 = $1 ORDER BY seq")
                    .bind(sha256).fetch_all(pool).await?,
            )
        });
        // Intake documents are kept in chunks, evidence in the row itself.
        for c in chunks {
            content.extend_from_slice(&c);
        }
        Ok((media_type, content))
    }

    /// A raw document's media type, size and how many pieces it is kept in
    /// (0: kept whole in its row), and the organizations that sent it or
    /// gave it as evidence — the ones it may be shown to besides the
    /// clearinghouse. `NotFound` when there is none.
    pub async fn raw_document_info(&self, sha256: &str) -> Result<RawDocumentInfo> {
        let (info, orgs): ((String, i64, i64), Vec<Uuid>) = with_pool!(self, pool => {
            (
                sqlx::query_as(
                    "SELECT media_type, size, (SELECT COUNT(*) FROM raw_document_chunks c WHERE c.sha256 = d.sha256) \
                     FROM raw_documents d WHERE sha256 = $1",
                ).bind(sha256).fetch_one(pool).await?,
                sqlx::query_scalar(
                    "SELECT org_id FROM reports WHERE document = $1 \
                     UNION SELECT org_id FROM case_validations WHERE evidence = $1 \
                     UNION SELECT org_id FROM patch_validations WHERE evidence = $1 \
                     UNION SELECT first_org FROM raw_documents WHERE sha256 = $1 AND first_org IS NOT NULL \
                     ORDER BY 1",
                ).bind(sha256).fetch_all(pool).await?,
            )
        });
        Ok(RawDocumentInfo {
            sha256: sha256.to_owned(),
            media_type: info.0,
            size: u64::try_from(info.1).unwrap_or(0),
            pieces: u64::try_from(info.2).unwrap_or(0),
            orgs,
        })
    }

    /// The documents an organization sent, newest first: each with its
    /// media type, size, the reports the organization filed from it and
    /// when it first sent it.
    pub async fn org_documents(&self, org: Uuid, limit: u32) -> Result<Vec<SentDocument>> {
        let limit = i64::from(limit.clamp(1, 500));
        let rows: Vec<(String, String, i64, i64, i64)> = with_pool!(self, pool => {
            sqlx::query_as(
                "SELECT r.document, d.media_type, d.size, COUNT(*), MIN(r.reported_at) \
                 FROM reports r JOIN raw_documents d ON d.sha256 = r.document \
                 WHERE r.org_id = $1 GROUP BY r.document, d.media_type, d.size \
                 ORDER BY MIN(r.reported_at) DESC, r.document LIMIT $2",
            ).bind(org).bind(limit).fetch_all(pool).await?
        });
        Ok(rows
            .into_iter()
            .map(|(sha256, media_type, size, reports, at)| SentDocument {
                sha256,
                media_type,
                size: u64::try_from(size).unwrap_or(0),
                reports: u64::try_from(reports).unwrap_or(0),
                first_sent_at: from_micros(at),
            })
            .collect())
    }

    /// Piece `seq` of a document kept in pieces, or the whole content of one
    /// kept in its row (`seq` 0, no pieces).
    pub async fn raw_document_piece(&self, sha256: &str, seq: u64) -> Result<Vec<u8>> {
        let seq = i64::try_from(seq).map_err(|_| StoreError::NotFound)?;
        Ok(with_pool!(self, pool => {
            match sqlx::query_scalar("SELECT bytes FROM raw_document_chunks WHERE sha256 = $1 AND seq = $2")
                .bind(sha256).bind(seq).fetch_optional(pool).await?
            {
                Some(b) => b,
                None if seq == 0 => sqlx::query_scalar("SELECT content FROM raw_documents WHERE sha256 = $1")
                    .bind(sha256).fetch_one(pool).await?,
                None => return Err(StoreError::NotFound),
            }
        }))
    }
}
