//! VEX answers: an agency imports an OpenVEX, CycloneDX VEX or CSAF VEX
//! document; each statement is matched to the agency's open obligations by
//! vulnerability (its id or an alias) and product (the obligation's
//! component purl, by `bulwark-directive`'s rules), and answers them:
//!
//! - `not_affected` → the answer "not affected" with the statement's
//!   justification (or, lacking one, its impact statement);
//! - `fixed` → "remediated", the statement as evidence;
//! - `affected` and `under_investigation` confirm the obligation and
//!   change nothing.
//!
//! Statements that match no obligation are listed, never dropped. A
//! `not_affected` statement with neither a justification nor an impact
//! statement answers nothing (CISA's minimum elements require one) and is
//! listed with that reason.

use std::collections::BTreeSet;

use bulwark_authz::Action;
use bulwark_core::{Answer, ObligationState};
use bulwark_directive::vex::{Mode, VexDocument, VexStatement, VexStatus};
use bulwark_store::{ObligationFilter, PageRequest, StoredObligation};
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::resources::system_resource;
use crate::{Acting, App, AppError, AppResult};

/// A statement that answered (or would answer) an obligation.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct VexMatch {
    /// The statement's JSON path in the document.
    pub statement: String,
    pub vulnerability: String,
    pub obligation: Uuid,
    pub system: Uuid,
    pub subject: String,
    /// The VEX status.
    pub status: String,
    /// The answer given (`not_affected`, `remediated`), or null when the
    /// status changes nothing (affected, under investigation).
    pub answer: Option<String>,
}

/// A statement that answered nothing, and why.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct VexUnmatched {
    pub statement: String,
    pub vulnerability: String,
    pub status: String,
    /// The products as the statement names them (purl, CPE or name).
    pub products: Vec<String>,
    pub reason: String,
}

/// What an import did.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct VexImportOut {
    /// `openvex`, `cyclonedx` or `csaf`.
    pub format: String,
    pub document_id: Option<String>,
    pub statements: u64,
    /// Nothing was written (`dry_run`).
    pub dry_run: bool,
    pub matched: Vec<VexMatch>,
    pub unmatched: Vec<VexUnmatched>,
    /// What was repaired in the document, each with its JSON path.
    pub warnings: Vec<String>,
}

fn product_names(s: &VexStatement) -> Vec<String> {
    s.products
        .iter()
        .map(|p| {
            p.purl
                .clone()
                .or_else(|| p.cpe.clone())
                .or_else(|| p.name.clone())
                .or_else(|| p.id.clone())
                .unwrap_or_else(|| "(unnamed)".into())
        })
        .collect()
}

/// The statement's vulnerability and aliases, as obligations name them.
fn names(s: &VexStatement) -> BTreeSet<String> {
    std::iter::once(&s.vulnerability)
        .chain(&s.aliases)
        .map(|v| v.trim().to_ascii_uppercase())
        .filter(|v| !v.is_empty())
        .collect()
}

/// Whether the statement speaks of the obligation's subject.
fn about(s: &VexStatement, o: &StoredObligation) -> bool {
    match o.subject.strip_prefix("purl:") {
        Some(purl) => s.matches_component(purl),
        None => false,
    }
}

/// Reads a VEX document and answers the caller's agency's obligations it
/// speaks of (under `obligation.answer` on each system). `strict` refuses a
/// document that needed repairs; `dry_run` only reports.
pub async fn import(
    app: &App,
    who: &Acting,
    bytes: &[u8],
    strict: bool,
    dry_run: bool,
) -> AppResult<VexImportOut> {
    let mode = if strict { Mode::Strict } else { Mode::Repair };
    let doc = VexDocument::parse(bytes, mode).map_err(|e| {
        AppError::validation(format!("not a VEX document Bulwark reads: {e}"))
            .with_extension("path", json!(e.path()))
            .with_extension("line", json!(e.line()))
    })?;
    let sha = bulwark_store::document_address(bytes);
    let mut out = VexImportOut {
        format: doc.format.as_str().to_owned(),
        document_id: doc.id.clone(),
        statements: doc.statements.len() as u64,
        dry_run,
        matched: Vec::new(),
        unmatched: Vec::new(),
        warnings: doc.warnings.iter().map(ToString::to_string).collect(),
    };
    let mut systems: std::collections::HashMap<Uuid, bool> = std::collections::HashMap::new();
    let mut answered: BTreeSet<Uuid> = BTreeSet::new();
    for s in &doc.statements {
        let unmatched = |reason: &str| VexUnmatched {
            statement: s.path.clone(),
            vulnerability: s.vulnerability.clone(),
            status: s.status.as_str().to_owned(),
            products: product_names(s),
            reason: reason.to_owned(),
        };
        if s.products.is_empty() {
            out.unmatched.push(unmatched(
                "the statement names no product Bulwark could read",
            ));
            continue;
        }
        let mut found: Vec<StoredObligation> = Vec::new();
        for v in names(s) {
            let mut after = None;
            loop {
                let page = app
                    .store
                    .obligations(
                        &ObligationFilter {
                            org: Some(who.principal.org_id),
                            vulnerability: Some(v.clone()),
                            state: Some(ObligationState::Open),
                            ..ObligationFilter::default()
                        },
                        PageRequest {
                            after,
                            limit: PageRequest::MAX_LIMIT,
                        },
                    )
                    .await?;
                found.extend(page.items.into_iter().filter(|o| about(s, o)));
                match page.next {
                    Some(n) => after = Some(n),
                    None => break,
                }
            }
        }
        let mut any = false;
        for o in found {
            let may = match systems.get(&o.system_id) {
                Some(m) => *m,
                None => {
                    let sys = app.store.system(o.system_id).await?;
                    let org = app.store.organization(sys.org_id).await?;
                    let m = app.permits(
                        &who.principal,
                        Action::ObligationAnswer,
                        &system_resource(&sys, &org),
                    );
                    systems.insert(o.system_id, m);
                    m
                }
            };
            if !may || !answered.insert(o.id) {
                continue;
            }
            any = true;
            let answer = match s.status {
                VexStatus::NotAffected => Some(Answer::NotAffected),
                VexStatus::Fixed => Some(Answer::Remediated),
                VexStatus::Affected | VexStatus::UnderInvestigation => None,
            };
            if answer == Some(Answer::NotAffected)
                && s.justification.is_none()
                && s.impact_statement
                    .as_deref()
                    .is_none_or(|i| i.trim().is_empty())
            {
                out.unmatched.push(unmatched(
                    "not_affected without a justification or an impact statement answers nothing",
                ));
                continue;
            }
            if let (Some(a), false) = (answer, dry_run) {
                let detail = json!({
                    "source": "VEX",
                    "format": doc.format.as_str(),
                    "document": sha,
                    "document_id": doc.id,
                    "statement": s.path,
                    "justification": s.justification.map(|j| j.as_str()),
                    "impact_statement": s.impact_statement,
                    "action_statement": s.action_statement,
                });
                app.store
                    .answer_obligation(&who.actor, o.id, a, &detail, app.now())
                    .await?;
            }
            out.matched.push(VexMatch {
                statement: s.path.clone(),
                vulnerability: o.vulnerability.clone(),
                obligation: o.id,
                system: o.system_id,
                subject: o.subject.clone(),
                status: s.status.as_str().to_owned(),
                answer: answer.map(|a| a.as_str().to_owned()),
            });
        }
        if !any {
            out.unmatched.push(unmatched(
                "no open obligation of the agency has this vulnerability on these products",
            ));
        }
    }
    Ok(out)
}
