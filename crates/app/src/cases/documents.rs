//! The kept intake documents (and validation evidence), as they were sent:
//! content-addressed, in 1 MiB pieces. Their senders and the
//! clearinghouse may read them ([`crate::resources::document_resource`]);
//! every read is audited.

use bulwark_authz::Action;
use bulwark_core::{AuditEvent, Principal};
use bulwark_store::{RawDocumentInfo, SentDocument, Store};

use crate::resources::document_resource;
use crate::{Acting, App, AppError, AppResult, not_found_as};

/// A kept document `who` may read, its read audited: what it is, and its
/// pieces to hand out one by one (a document may be gigabytes, so it is
/// never read whole). Cheap to clone, for a stream that outlives the call.
#[derive(Clone)]
pub struct OpenDocument {
    pub info: RawDocumentInfo,
    store: Store,
}

impl OpenDocument {
    /// Pieces to read, at least one (a document kept whole in its row is
    /// read as piece 0).
    pub fn pieces(&self) -> u64 {
        self.info.pieces.max(1)
    }

    /// The piece at `seq` (from 0).
    pub async fn piece(&self, seq: u64) -> AppResult<Vec<u8>> {
        Ok(self
            .store
            .raw_document_piece(&self.info.sha256, seq)
            .await?)
    }
}

/// Opens the document of SHA-256 `sha256` (hex, any case) for `who`: "not
/// found" when it is not kept or `who` may not read it; the read is
/// audited before anything is handed out.
pub async fn document(app: &App, who: &Acting, sha256: &str) -> AppResult<OpenDocument> {
    let Ok(sha) = bulwark_core::ContentAddress::parse(sha256).map(|a| a.to_string()) else {
        return Err(AppError::not_found("document"));
    };
    let info = app
        .store
        .raw_document_info(&sha)
        .await
        .map_err(not_found_as("document"))?;
    if !app.permits(
        &who.principal,
        Action::RecordRead,
        &document_resource(&info),
    ) {
        return Err(AppError::not_found("document"));
    }
    app.store
        .audit(
            &who.actor,
            AuditEvent::new("document.read", "raw_document", sha),
            bulwark_core::to_micros(app.now()),
        )
        .await?;
    Ok(OpenDocument {
        info,
        store: app.store.clone(),
    })
}

/// The latest `limit` documents `who`'s organization sent, newest first.
/// An organization's own sendings are its own to see: no policy decision.
pub async fn own_documents(app: &App, who: &Principal, limit: u32) -> AppResult<Vec<SentDocument>> {
    Ok(app.store.org_documents(who.org_id, limit).await?)
}
