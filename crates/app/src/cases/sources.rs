//! How often each source's reports were borne out: per reporting
//! organization, tool and AI model, validated ÷ submitted, kept as counters
//! by the store; and how often its patches were accepted (accepted ÷
//! patches submitted). Reliability data is the clearinghouse's to read
//! (`case.manage` on the program), as it orders the triage queue.

use bulwark_authz::{Action, Resource};
use bulwark_core::Principal;
use serde::Serialize;
use utoipa::ToSchema;

use crate::{App, AppResult};

#[derive(Debug, Serialize, ToSchema)]
pub struct SourceOut {
    /// `org`, `tool` or `model`.
    pub kind: String,
    /// The organization id, the tool's name, or the model and its version.
    pub source: String,
    /// Cases it reported.
    pub submitted: i64,
    /// Of those, validated.
    pub validated: i64,
    /// validated ÷ submitted.
    pub reliability: f64,
    /// Patches it wrote or submitted (a case's remediation).
    pub patches_submitted: i64,
    /// Of those, accepted by their quorum.
    pub patches_accepted: i64,
    /// patches accepted ÷ patches submitted (0 with none).
    pub patch_acceptance: f64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SourcesOut {
    /// Most reliable first, then most submitted.
    pub items: Vec<SourceOut>,
}

/// Every source with a record, most reliable first, then most submitted,
/// then by name.
pub async fn sources(app: &App, who: &Principal) -> AppResult<SourcesOut> {
    app.authorize(who, Action::CaseManage, &Resource::Program)?;
    let mut items: Vec<SourceOut> = app
        .store
        .source_reliability()
        .await?
        .into_iter()
        .map(|s| SourceOut {
            reliability: s.ratio(),
            kind: s.kind.to_owned(),
            source: s.source,
            submitted: s.submitted,
            validated: s.validated,
            patches_submitted: 0,
            patches_accepted: 0,
            patch_acceptance: 0.0,
        })
        .collect();
    for p in app.store.patch_source_reliability().await? {
        let ratio = if p.submitted == 0 {
            0.0
        } else {
            p.accepted as f64 / p.submitted as f64
        };
        let found = items
            .iter_mut()
            .find(|s| s.kind == p.kind && s.source == p.source);
        let s = match found {
            Some(s) => s,
            None => {
                items.push(SourceOut {
                    kind: p.kind.clone(),
                    source: p.source.clone(),
                    submitted: 0,
                    validated: 0,
                    reliability: 0.0,
                    patches_submitted: 0,
                    patches_accepted: 0,
                    patch_acceptance: 0.0,
                });
                items.last_mut().ok_or_else(crate::AppError::internal)?
            }
        };
        s.patches_submitted = p.submitted;
        s.patches_accepted = p.accepted;
        s.patch_acceptance = ratio;
    }
    items.sort_by(|a, b| {
        b.reliability
            .total_cmp(&a.reliability)
            .then(b.submitted.cmp(&a.submitted))
            .then(a.source.cmp(&b.source))
    });
    Ok(SourcesOut { items })
}
