//! Advisories the clearinghouse writes from its validated cases (issue 18):
//! drafted from what the case knows, edited by an analyst, moved draft →
//! interim → final, and published — to the case's parties while the case is
//! embargoed, then publicly at the marking chosen for publication, which
//! the scheduler does when the embargo ends ([`release_due`]).
//!
//! Called "publications" because `/api/v1/advisories` and
//! [`crate::advisories`] are the imported OSV advisories the matching
//! engine reads.
//!
//! Who may know an advisory is the policy's, through two resources: before
//! it is public, the advisory is its case (`record.read` on the case: the
//! parties only while the embargo runs); once public, it is a Record of kind
//! `advisory` at its publication marking, owned by the clearinghouse, with
//! no embargo ([`crate::resources::advisory_resource`]). Changing one is
//! `case.manage`.
//!
//! Every published revision's documents (CSAF, OSV, and CSAF VEX and
//! OpenVEX when a product is known not affected) are written once, when it
//! is published, and kept with it: serving never regenerates them, so what
//! was signed and hashed stays what is served.

pub mod writers;

use std::collections::HashMap;

use bulwark_authz::{Action, Resource};
use bulwark_core::{CaseState, Principal, Tlp};
use bulwark_distribution::model::{
    Acknowledgment, Advisory, AdvisoryContent, Product, Publisher, Reference, ReferenceCategory,
    Remediation, Revision, Status, Tracking, Vulnerability, VulnerabilityId,
};
use bulwark_store::{
    Actor, AdvisoryChange, AdvisoryDocuments, Case, NewAdvisoryRevision, NewCaseAdvisory,
    StoredCaseAdvisory,
};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::resources::{advisory_resource, case_resource, readable_case};
use crate::{Acting, App, AppError, AppResult, ErrorKind, not_found_as, parse_word, ts};

/// The lease the scheduler's publication pass runs under.
pub const RELEASE_LEASE: &str = "advisories:release-due";

/// Who publishes: the provider settings' publisher (part E's
/// `ProviderSettings`, from the server's settings).
pub fn publisher(app: &App) -> Publisher {
    app.config.provider.publisher.clone()
}

/// The case's remediations for a draft: vendor fixes, accepted patches,
/// workarounds and mitigations (`crate::cases::patches::remediations`).
///
/// A published document names absolute URLs (CSAF's and OSV's `url` are
/// URIs): a path of this server's own, such as a patch file's, is made
/// absolute with the public base URL.
pub async fn remediations_for(app: &App, case_id: Uuid) -> AppResult<Vec<Remediation>> {
    let mut remediations = crate::cases::patches::remediations(app, case_id).await?;
    let base = app.config.provider.base_url.trim_end_matches('/');
    for r in &mut remediations {
        if let Some(url) = &mut r.url
            && url.starts_with('/')
        {
            *url = format!("{base}{url}");
        }
    }
    Ok(remediations)
}

/// Called whenever an advisory becomes visible beyond the clearinghouse:
/// released to the case's parties, made public, or revised once released.
/// The provider's listings are rebuilt and the public document signed
/// ([`crate::provider::on_published`]), and the organizations whose stored
/// SBOMs hold an affected version are told
/// ([`crate::notices::notify_affected`], which only adds what is new, so a
/// revision repeats nothing). A failure of either is logged, never undoes
/// the release.
pub async fn on_released(app: &App, advisory_id: Uuid) -> AppResult<()> {
    tracing::info!(advisory = %advisory_id, "advisory released");
    crate::provider::on_published(app, advisory_id).await;
    let a = app.store.case_advisory(advisory_id).await?;
    let Some(osv) = a.osv.as_deref() else {
        return Ok(());
    };
    let content: AdvisoryContent = serde_json::from_str(&a.content).map_err(|e| {
        AppError::new(
            ErrorKind::Internal,
            format!("advisory {advisory_id}: content: {e}"),
        )
    })?;
    let osv: serde_json::Value = serde_json::from_str(osv).map_err(|e| {
        AppError::new(
            ErrorKind::Internal,
            format!("advisory {advisory_id}: OSV record: {e}"),
        )
    })?;
    let affected = crate::notices::AffectedAdvisory {
        advisory_id,
        tracking_id: a.tracking_id.clone(),
        title: content.title.clone(),
        osv,
        fix: fix_in_words(&content),
    };
    match crate::notices::notify_affected(app, &affected).await {
        Ok(s) => tracing::info!(
            advisory = %a.tracking_id,
            organizations = s.organizations,
            new_notices = s.new_notices,
            "notices of those affected"
        ),
        Err(e) => tracing::warn!(
            advisory = %a.tracking_id,
            error = %e.detail,
            "notifying those affected failed"
        ),
    }
    Ok(())
}

/// What fixes the advisory's products, in words for a notice: each
/// product's fixed versions, then the vendor fixes' details.
pub fn fix_in_words(content: &AdvisoryContent) -> String {
    let mut parts: Vec<String> = content
        .products
        .iter()
        .filter(|p| !p.fixed_versions.is_empty())
        .map(|p| format!("upgrade {} to {}", p.name, p.fixed_versions.join(" or ")))
        .collect();
    for v in &content.vulnerabilities {
        for r in &v.remediations {
            if r.category == bulwark_distribution::model::RemediationCategory::VendorFix
                && !parts.contains(&r.details)
            {
                parts.push(r.details.clone());
            }
        }
    }
    if parts.is_empty() {
        "no fix is known yet; see the advisory".to_owned()
    } else {
        parts.join("; ")
    }
}

// ---------------------------------------------------------------------------
// Answers
// ---------------------------------------------------------------------------

/// Where an advisory is in its life, as the publication queue sorts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// Not released, status draft.
    Draft,
    /// Not released, status interim or final: ready to publish.
    Ready,
    /// Released to the case's parties; public when the embargo ends.
    Embargoed,
    /// Public at its publication marking.
    Published,
}

impl Stage {
    pub const ALL: [Stage; 4] = [
        Stage::Draft,
        Stage::Ready,
        Stage::Embargoed,
        Stage::Published,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Draft => "draft",
            Stage::Ready => "ready",
            Stage::Embargoed => "embargoed",
            Stage::Published => "published",
        }
    }

    fn of(a: &StoredCaseAdvisory) -> Stage {
        match (a.released_at, a.published_at) {
            (_, Some(_)) => Stage::Published,
            (Some(_), None) => Stage::Embargoed,
            (None, None) if a.status == "draft" => Stage::Draft,
            (None, None) => Stage::Ready,
        }
    }
}

impl std::str::FromStr for Stage {
    type Err = AppError;
    fn from_str(s: &str) -> AppResult<Stage> {
        Stage::ALL
            .into_iter()
            .find(|t| t.as_str() == s)
            .ok_or_else(|| {
                AppError::validation(format!(
                    "stage must be one of draft, ready, embargoed, published, not {s:?}"
                ))
            })
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PublicationSummary {
    pub id: Uuid,
    pub case_id: Uuid,
    pub tracking_id: String,
    pub title: String,
    /// `draft`, `interim` or `final` (CSAF tracking status).
    pub status: String,
    /// `draft`, `ready`, `embargoed` or `published`.
    pub stage: Stage,
    /// The TLP 2.0 marking it is (or will be) public at.
    pub tlp: String,
    pub version: u32,
    pub released_at: Option<String>,
    pub published_at: Option<String>,
    pub updated_at: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PublicationOut {
    #[serde(flatten)]
    pub summary: PublicationSummary,
    /// The advisory's content (`bulwark_distribution::model::AdvisoryContent`).
    #[schema(value_type = Object)]
    pub content: serde_json::Value,
    /// Its tracking (`bulwark_distribution::model::Tracking`).
    #[schema(value_type = Object)]
    pub tracking: serde_json::Value,
    /// The case's embargo end (RFC 3339), while one runs.
    pub embargo_until: Option<String>,
    /// Whether a CSAF VEX and an OpenVEX document were published with it.
    pub has_vex: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RevisionOut {
    pub number: u32,
    pub at: String,
    pub summary: String,
    pub status: String,
    /// Whether this revision was published (its documents kept).
    pub published: bool,
    pub by_user: Option<Uuid>,
}

/// A problem found in a generated document.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DocumentProblem {
    /// `csaf`, `vex` or `osv`.
    pub document: String,
    /// CSAF 2.0 §6 test number, or `schema`.
    pub test: String,
    /// A JSON pointer into that document.
    pub path: String,
    pub message: String,
}

/// What publishing the advisory as it stands would publish.
#[derive(Debug, Serialize, ToSchema)]
pub struct PreviewOut {
    #[schema(value_type = Object)]
    pub csaf: serde_json::Value,
    /// Absent when the OSV record cannot be written (see `problems`).
    #[schema(value_type = Option<Object>)]
    pub osv: Option<serde_json::Value>,
    #[schema(value_type = Option<Object>)]
    pub vex: Option<serde_json::Value>,
    #[schema(value_type = Option<Object>)]
    pub openvex: Option<serde_json::Value>,
    /// Empty when it may be published.
    pub problems: Vec<DocumentProblem>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct QueueCounts {
    pub draft: usize,
    pub ready: usize,
    pub embargoed: usize,
    pub published: usize,
}

// ---------------------------------------------------------------------------
// Inputs
// ---------------------------------------------------------------------------

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DraftIn {
    /// The marking it will be published at: `CLEAR` (default), `GREEN`,
    /// `AMBER` or `AMBER+STRICT`.
    pub tlp: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EditIn {
    /// The whole new content (`AdvisoryContent`: title, summary, details,
    /// products, vulnerabilities, references, acknowledgments).
    #[schema(value_type = Object)]
    #[serde(deserialize_with = "json_object")]
    pub content: serde_json::Value,
    /// What changed: required once the advisory was released (the edit is
    /// then a new revision, published at once).
    pub summary: Option<String>,
}

/// A JSON object, refused as the body's shape (before any lookup) when it
/// is anything else.
fn json_object<'de, D: serde::Deserializer<'de>>(d: D) -> Result<serde_json::Value, D::Error> {
    let map = serde_json::Map::deserialize(d)?;
    Ok(serde_json::Value::Object(map))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransitionIn {
    /// `interim` or `final`; never back.
    pub to: String,
    /// The revision's summary, once released (default: the move).
    pub summary: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PublishIn {
    /// The publication marking (default: the one chosen at drafting).
    pub tlp: Option<String>,
    /// The first revision's summary, e.g. `Initial public release`.
    pub summary: String,
}

#[derive(Debug, Default, Deserialize, ToSchema, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// `draft`, `ready`, `embargoed` or `published`.
    pub stage: Option<String>,
    /// Only this case's.
    pub case: Option<Uuid>,
}

// ---------------------------------------------------------------------------
// Reading
// ---------------------------------------------------------------------------

fn parse_content(s: &str) -> AppResult<AdvisoryContent> {
    serde_json::from_str(s).map_err(|e| {
        tracing::error!(error = %e, "stored advisory content does not parse");
        AppError::internal()
    })
}

fn parse_tracking(s: &str) -> AppResult<Tracking> {
    serde_json::from_str(s).map_err(|e| {
        tracing::error!(error = %e, "stored advisory tracking does not parse");
        AppError::internal()
    })
}

fn json_text<T: Serialize>(v: &T) -> AppResult<String> {
    serde_json::to_string(v).map_err(|e| {
        tracing::error!(error = %e, "advisory does not serialize");
        AppError::internal()
    })
}

fn version(t: &Tracking) -> u32 {
    t.revision_history.last().map_or(1, |r| r.number)
}

fn summary_of(a: &StoredCaseAdvisory) -> AppResult<PublicationSummary> {
    let content = parse_content(&a.content)?;
    let tracking = parse_tracking(&a.tracking)?;
    Ok(PublicationSummary {
        id: a.id,
        case_id: a.case_id,
        tracking_id: a.tracking_id.clone(),
        title: content.title,
        status: a.status.clone(),
        stage: Stage::of(a),
        tlp: a.publication_tlp.as_str().to_owned(),
        version: version(&tracking),
        released_at: a.released_at.map(ts),
        published_at: a.published_at.map(ts),
        updated_at: ts(a.updated_at),
    })
}

/// Whether `who` may read `a` (of `case`): its case's readers always, and
/// the publication marking's once it is public.
fn may_read(
    app: &App,
    who: &Principal,
    a: &StoredCaseAdvisory,
    case: &Case,
    parties: &[Uuid],
) -> bool {
    (a.published_at.is_some()
        && app.permits(
            who,
            Action::RecordRead,
            &advisory_resource(a, parties.to_vec()),
        ))
        || app.permits(
            who,
            Action::RecordRead,
            &case_resource(case, parties.to_vec()),
        )
}

/// The advisory and its case, if `who` may read it; else "not found".
async fn readable(app: &App, who: &Principal, id: Uuid) -> AppResult<(StoredCaseAdvisory, Case)> {
    let a = app
        .store
        .case_advisory(id)
        .await
        .map_err(not_found_as("advisory"))?;
    let case = app.store.case(a.case_id).await?;
    let parties = app.store.case_parties(a.case_id).await?;
    if !may_read(app, who, &a, &case, &parties) {
        return Err(AppError::not_found("advisory"));
    }
    Ok((a, case))
}

/// An advisory `who` may read and change (the clearinghouse's writers):
/// "not found" before "forbidden".
async fn managed(app: &App, who: &Principal, id: Uuid) -> AppResult<(StoredCaseAdvisory, Case)> {
    let found = readable(app, who, id).await?;
    app.authorize(who, Action::CaseManage, &Resource::Program)?;
    Ok(found)
}

fn out(app: &App, a: &StoredCaseAdvisory, case: &Case) -> AppResult<PublicationOut> {
    Ok(PublicationOut {
        summary: summary_of(a)?,
        content: serde_json::from_str(&a.content).map_err(|_| AppError::internal())?,
        tracking: serde_json::from_str(&a.tracking).map_err(|_| AppError::internal())?,
        embargo_until: case
            .embargo
            .filter(|e| e.until > app.now())
            .map(|e| e.utc()),
        has_vex: a.vex.is_some(),
    })
}

/// One advisory; "not found" when `who` may not read it.
pub async fn get(app: &App, who: &Principal, id: Uuid) -> AppResult<PublicationOut> {
    let (a, case) = readable(app, who, id).await?;
    out(app, &a, &case)
}

/// The advisory of a case, if it has one and `who` may read it.
pub async fn of_case(
    app: &App,
    who: &Principal,
    case_id: Uuid,
) -> AppResult<Option<PublicationSummary>> {
    match app.store.case_advisory_of_case(case_id).await? {
        Some(a) => match readable(app, who, a.id).await {
            Ok((a, _)) => Ok(Some(summary_of(&a)?)),
            Err(e) if e.kind == ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        },
        None => Ok(None),
    }
}

/// The publication queue: the advisories `who` may read, newest first,
/// of one stage or case when asked.
pub async fn list(app: &App, who: &Principal, q: &ListQuery) -> AppResult<Vec<PublicationSummary>> {
    let stage: Option<Stage> = q.stage.as_deref().map(str::parse).transpose()?;
    let wanted: Vec<_> = app
        .store
        .case_advisories()
        .await?
        .into_iter()
        .filter(|a| {
            stage.is_none_or(|s| s == Stage::of(a)) && q.case.is_none_or(|c| c == a.case_id)
        })
        .collect();
    let mut ids: Vec<Uuid> = wanted.iter().map(|a| a.case_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let cases: HashMap<Uuid, (Case, Vec<Uuid>)> = app
        .store
        .cases_with_parties(&ids)
        .await?
        .into_iter()
        .map(|(c, p)| (c.id, (c, p)))
        .collect();
    let mut items = Vec::new();
    for a in wanted {
        let Some((case, parties)) = cases.get(&a.case_id) else {
            continue;
        };
        if may_read(app, who, &a, case, parties) {
            items.push(summary_of(&a)?);
        }
    }
    Ok(items)
}

/// How many advisories `who` may read are in each stage.
pub async fn counts(app: &App, who: &Principal) -> AppResult<QueueCounts> {
    let all = list(app, who, &ListQuery::default()).await?;
    let n = |s: Stage| all.iter().filter(|a| a.stage == s).count();
    Ok(QueueCounts {
        draft: n(Stage::Draft),
        ready: n(Stage::Ready),
        embargoed: n(Stage::Embargoed),
        published: n(Stage::Published),
    })
}

/// An advisory's revisions, oldest first.
pub async fn revisions(app: &App, who: &Principal, id: Uuid) -> AppResult<Vec<RevisionOut>> {
    readable(app, who, id).await?;
    Ok(app
        .store
        .case_advisory_revisions(id)
        .await?
        .into_iter()
        .map(|r| RevisionOut {
            number: r.number,
            at: ts(r.at),
            summary: r.summary,
            status: r.status,
            published: r.csaf.is_some(),
            by_user: r.by_user,
        })
        .collect())
}

/// The published forms, as kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    Csaf,
    Osv,
    Vex,
    OpenVex,
}

impl Form {
    pub fn as_str(self) -> &'static str {
        match self {
            Form::Csaf => "CSAF",
            Form::Osv => "OSV",
            Form::Vex => "CSAF VEX",
            Form::OpenVex => "OpenVEX",
        }
    }
}

/// One published form of the last released revision, exactly as it was
/// published; "not found" before release, or for a VEX form when no product
/// is known not affected.
pub async fn document(app: &App, who: &Principal, id: Uuid, form: Form) -> AppResult<String> {
    let (a, _) = readable(app, who, id).await?;
    let doc = match form {
        Form::Csaf => a.csaf,
        Form::Osv => a.osv,
        Form::Vex => a.vex,
        Form::OpenVex => a.openvex,
    };
    doc.ok_or_else(|| AppError::not_found(&format!("published {} document", form.as_str())))
}

// ---------------------------------------------------------------------------
// Documents
// ---------------------------------------------------------------------------

struct Written {
    preview: PreviewOut,
}

fn has_not_affected(c: &AdvisoryContent) -> bool {
    c.products
        .iter()
        .any(|p| !p.not_affected_versions.is_empty())
}

/// Every form of one revision, and what is wrong with them.
fn write_documents(
    app: &App,
    content: &AdvisoryContent,
    tracking: &Tracking,
    tlp: Tlp,
    at: OffsetDateTime,
) -> Written {
    let publisher = publisher(app);
    let a = Advisory {
        content,
        tracking,
        tlp,
        publisher: &publisher,
    };
    let problem = |document: &str, p: writers::Problem| DocumentProblem {
        document: document.to_owned(),
        test: p.test,
        path: p.path,
        message: p.message,
    };
    let csaf = writers::security_advisory(&a);
    let mut problems: Vec<DocumentProblem> = writers::validate(&csaf)
        .into_iter()
        .map(|p| problem("csaf", p))
        .collect();
    let osv = match writers::osv_record(&a, at) {
        Ok(v) => Some(v),
        Err(ps) => {
            problems.extend(ps.into_iter().map(|p| problem("osv", p)));
            None
        }
    };
    let (vex, openvex) = if has_not_affected(content) {
        let vex = writers::vex(&a);
        problems.extend(
            writers::validate(&vex)
                .into_iter()
                .map(|p| problem("vex", p)),
        );
        (Some(vex), Some(writers::openvex(&a, at)))
    } else {
        (None, None)
    };
    Written {
        preview: PreviewOut {
            csaf,
            osv,
            vex,
            openvex,
            problems,
        },
    }
}

/// The problems as a 422 naming each JSON path (also in a `problems`
/// extension); nothing was written.
fn refuse(problems: &[DocumentProblem]) -> AppError {
    let list = problems
        .iter()
        .map(|p| format!("{} {}: {}", p.document, p.path, p.message))
        .collect::<Vec<_>>()
        .join("; ");
    AppError::validation(format!("the advisory would not be valid: {list}")).with_extension(
        "problems",
        serde_json::to_value(problems).unwrap_or_default(),
    )
}

fn bytes(v: &serde_json::Value) -> String {
    String::from_utf8_lossy(&writers::to_bytes(v)).into_owned()
}

/// The documents to keep, or the 422 refusing them.
fn documents_for(w: Written) -> AppResult<AdvisoryDocuments> {
    if !w.preview.problems.is_empty() {
        return Err(refuse(&w.preview.problems));
    }
    let Some(osv) = &w.preview.osv else {
        return Err(refuse(&w.preview.problems));
    };
    Ok(AdvisoryDocuments {
        csaf: bytes(&w.preview.csaf),
        osv: bytes(osv),
        vex: w.preview.vex.as_ref().map(bytes),
        openvex: w.preview.openvex.as_ref().map(bytes),
    })
}

/// What publishing the advisory now would publish, with its problems.
pub async fn preview(app: &App, who: &Principal, id: Uuid) -> AppResult<PreviewOut> {
    let (a, _) = readable(app, who, id).await?;
    let content = parse_content(&a.content)?;
    let mut tracking = parse_tracking(&a.tracking)?;
    let now = app.now();
    if a.released_at.is_none() {
        tracking.initial_release_date = now;
    }
    tracking.current_release_date = now;
    Ok(write_documents(app, &content, &tracking, a.publication_tlp, now).preview)
}

// ---------------------------------------------------------------------------
// Changes
// ---------------------------------------------------------------------------

fn publication_tlp(s: &str) -> AppResult<Tlp> {
    let tlp: Tlp = parse_word(s)?;
    if tlp == Tlp::Red {
        return Err(AppError::validation(
            "tlp: an advisory is not published at TLP:RED, which names individuals, not organizations",
        ));
    }
    Ok(tlp)
}

/// The versionless purl, vendor, name and version of a purl target.
fn purl_product(locator: &str) -> Option<Product> {
    let purl = bulwark_versions::Purl::parse(locator).ok()?;
    let vendor = purl.namespace().unwrap_or(purl.ty()).to_owned();
    Some(Product {
        key: purl.name().to_owned(),
        vendor,
        name: purl.name().to_owned(),
        purl: Some(purl.package().to_string()),
        affected_versions: purl.version().map(str::to_owned).into_iter().collect(),
        ..Product::default()
    })
}

/// The product a case's target names: a package by purl, a product by its
/// CPE 2.3 name, a repository by its address.
fn target_product(case: &Case) -> Option<Product> {
    let target = case.target.as_ref()?;
    let locator = target.locator();
    match target.kind() {
        bulwark_core::TargetKind::Purl => purl_product(locator),
        bulwark_core::TargetKind::Cpe => {
            let parts: Vec<&str> = locator.split(':').collect();
            let field = |i: usize| {
                parts
                    .get(i)
                    .filter(|s| !matches!(**s, "*" | "-" | ""))
                    .map(|s| (*s).to_owned())
            };
            Some(Product {
                key: field(4).unwrap_or_else(|| "product".into()),
                vendor: field(3).unwrap_or_default(),
                name: field(4).unwrap_or_else(|| locator.to_owned()),
                cpe: Some(locator.to_owned()),
                affected_versions: field(5).into_iter().collect(),
                ..Product::default()
            })
        }
        bulwark_core::TargetKind::Repo => Some(Product {
            key: "repository".into(),
            vendor: String::new(),
            name: locator.to_owned(),
            ..Product::default()
        }),
    }
}

/// The CVSS v3.1 vector of a stored CVE record: the CNA's, else CISA ADP's.
fn cvss_v31(record: &bulwark_store::StoredCveRecord) -> Option<String> {
    [&record.record.cna_cvss, &record.record.adp_cvss]
        .into_iter()
        .filter_map(|s| serde_json::from_str::<Vec<serde_json::Value>>(s).ok())
        .flatten()
        .find(|m| m["version"].as_str() == Some("3.1"))
        .and_then(|m| m["vector"].as_str().map(str::to_owned))
}

/// The content a case gives a new advisory.
async fn drafted_content(app: &App, case: &Case) -> AppResult<AdvisoryContent> {
    let reports = app.store.case_reports(case.id).await?;
    let cve = app
        .store
        .case_assessment(case.id)
        .await?
        .and_then(|a| a.assessment.cve);
    let record = match &cve {
        Some(id) => app.store.cve_record(id).await?,
        None => None,
    };
    let products: Vec<Product> = target_product(case).into_iter().collect();
    let mut details = String::from("Reported to the clearinghouse:\n");
    for r in &reports {
        details.push_str(&format!(
            "\n- {}{}{}",
            r.title,
            r.rule_id
                .as_ref()
                .map(|x| format!(" (rule `{x}`)"))
                .unwrap_or_default(),
            r.location
                .as_ref()
                .map(|x| format!(" at `{x}`"))
                .unwrap_or_default(),
        ));
    }
    let where_ = reports.iter().find_map(|r| r.location.clone());
    // The case's title is often a sentence already (SARIF messages are).
    let what = case.title.trim().trim_end_matches('.');
    let summary = match (&products.first(), where_) {
        (Some(p), Some(loc)) => format!("{what} in {} ({loc}).", p.name),
        (Some(p), None) => format!("{what} in {}.", p.name),
        (None, Some(loc)) => format!("{what} ({loc})."),
        (None, None) => format!("{what}."),
    };
    let first_org = app.store.organization(case.first_reporter_org).await.ok();
    let vulnerability = Vulnerability {
        cve: cve.clone(),
        ids: vec![VulnerabilityId {
            system_name: "Bulwark case".into(),
            text: case.id.to_string(),
        }],
        // Stored CVE records keep no CWE; the analyst adds it.
        cwe: None,
        title: case.rule_id.clone().or_else(|| Some(case.title.clone())),
        description: record
            .as_ref()
            .and_then(|r| r.record.description.clone())
            .or_else(|| reports.first().map(|r| r.title.clone())),
        cvss_v3: record.as_ref().and_then(cvss_v31),
        products: Vec::new(),
        remediations: remediations_for(app, case.id).await?,
        discovery_date: Some(case.first_reported_at),
    };
    let references = cve
        .iter()
        .map(|c| Reference {
            url: format!("https://www.cve.org/CVERecord?id={c}"),
            summary: c.clone(),
            category: ReferenceCategory::External,
        })
        .collect();
    Ok(AdvisoryContent {
        title: case.title.clone(),
        summary,
        details: Some(details),
        products,
        vulnerabilities: vec![vulnerability],
        references,
        acknowledgments: first_org
            .map(|o| Acknowledgment {
                names: Vec::new(),
                organization: Some(o.name),
                summary: Some("first to report the vulnerability".into()),
            })
            .into_iter()
            .collect(),
    })
}

/// Drafts the advisory of a validated case (a conflict otherwise, and when
/// it has one): content from the case, its reports, the assessment's CVE
/// and that CVE's stored record, crediting the first reporter; status
/// draft, revision 1, published at TLP:CLEAR unless asked otherwise.
pub async fn draft(
    app: &App,
    who: &Acting,
    case_id: Uuid,
    body: DraftIn,
) -> AppResult<PublicationOut> {
    let (case, _) = readable_case(app, &who.principal, case_id).await?;
    app.authorize(&who.principal, Action::CaseManage, &Resource::Program)?;
    if case.state != CaseState::Validated {
        return Err(AppError::new(
            ErrorKind::Conflict,
            format!(
                "the case is {}: an advisory is drafted from a validated case",
                case.state.as_str()
            ),
        ));
    }
    let tlp = publication_tlp(body.tlp.as_deref().unwrap_or("CLEAR"))?;
    let content = drafted_content(app, &case).await?;
    let now = app.now();
    let summary = "Initial draft".to_owned();
    let new = NewCaseAdvisory {
        case_id,
        owner_org: who.principal.org_id,
        content: json_text(&content)?,
        publication_tlp: tlp,
        summary: summary.clone(),
    };
    let tracking = |id: &str| {
        serde_json::to_string(&Tracking {
            id: id.to_owned(),
            status: Status::Draft,
            initial_release_date: now,
            current_release_date: now,
            revision_history: vec![Revision {
                number: 1,
                date: now,
                summary: summary.clone(),
            }],
        })
        .unwrap_or_default()
    };
    let a = app
        .store
        .create_case_advisory(&who.actor, &new, tracking, now)
        .await?;
    out(app, &a, &case)
}

fn status_of(a: &StoredCaseAdvisory) -> AppResult<Status> {
    match a.status.as_str() {
        "draft" => Ok(Status::Draft),
        "interim" => Ok(Status::Interim),
        "final" => Ok(Status::Final),
        other => {
            tracing::error!(status = other, "stored advisory status unknown");
            Err(AppError::internal())
        }
    }
}

fn base_change(a: &StoredCaseAdvisory, event: &'static str) -> AdvisoryChange {
    AdvisoryChange {
        event,
        expected_updated_at: a.updated_at,
        status: a.status.clone(),
        content: a.content.clone(),
        tracking: a.tracking.clone(),
        publication_tlp: a.publication_tlp,
        revision: None,
        documents: None,
        released_at: None,
        published_at: None,
    }
}

/// A new published revision of a released advisory: number + 1, dated now,
/// its documents written (or the 422 naming what is wrong).
fn next_revision(
    app: &App,
    a: &StoredCaseAdvisory,
    content: &AdvisoryContent,
    mut tracking: Tracking,
    status: Status,
    summary: String,
    event: &'static str,
) -> AppResult<AdvisoryChange> {
    let now = app.now();
    let number = version(&tracking) + 1;
    tracking.status = status;
    tracking.current_release_date = now;
    tracking.revision_history.push(Revision {
        number,
        date: now,
        summary: summary.clone(),
    });
    let docs = documents_for(write_documents(
        app,
        content,
        &tracking,
        a.publication_tlp,
        now,
    ))?;
    Ok(AdvisoryChange {
        status: status.as_str().to_owned(),
        content: json_text(content)?,
        tracking: json_text(&tracking)?,
        revision: Some(NewAdvisoryRevision {
            number,
            at: now,
            summary,
            csaf: Some(docs.csaf.clone()),
            osv: Some(docs.osv.clone()),
        }),
        documents: Some(docs),
        ..base_change(a, event)
    })
}

/// Replaces the content, checked by writing and validating every form it
/// would be published as (a 422 naming each JSON path; nothing written).
/// Once released, an edit is a new revision published at once, and needs a
/// summary.
pub async fn edit(app: &App, who: &Acting, id: Uuid, body: EditIn) -> AppResult<PublicationOut> {
    let (a, case) = managed(app, &who.principal, id).await?;
    let content: AdvisoryContent =
        serde_path_to_error::deserialize(&body.content).map_err(|e| {
            AppError::validation(format!("content{}: {}", pointer(e.path()), e.inner()))
                .with_extension("path", format!("/content{}", pointer(e.path())).into())
        })?;
    let tracking = parse_tracking(&a.tracking)?;
    let change = if a.released_at.is_some() {
        let summary = body
            .summary
            .filter(|s| !s.trim().is_empty())
            .ok_or_else(|| {
                AppError::validation(
                    "summary: an edit of a released advisory is a new revision; say what changed",
                )
            })?;
        next_revision(
            app,
            &a,
            &content,
            tracking,
            status_of(&a)?,
            summary,
            "advisory.revise",
        )?
    } else {
        let written = write_documents(app, &content, &tracking, a.publication_tlp, app.now());
        if !written.preview.problems.is_empty() {
            return Err(refuse(&written.preview.problems));
        }
        AdvisoryChange {
            content: json_text(&content)?,
            ..base_change(&a, "advisory.edit")
        }
    };
    let saved = app
        .store
        .save_case_advisory(&who.actor, id, &change, app.now())
        .await?;
    if saved.released_at.is_some() {
        on_released(app, id).await?;
    }
    out(app, &saved, &case)
}

/// serde_path_to_error's path as a JSON pointer (`/products/0/purl`).
fn pointer(p: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    p.iter()
        .map(|s| match s {
            Segment::Seq { index } => format!("/{index}"),
            Segment::Map { key } => format!("/{key}"),
            Segment::Enum { variant } => format!("/{variant}"),
            Segment::Unknown => "/?".into(),
        })
        .collect()
}

/// Moves the status forward: draft → interim → final (never back). Once
/// released, the move is a new revision published at once.
pub async fn transition(
    app: &App,
    who: &Acting,
    id: Uuid,
    body: TransitionIn,
) -> AppResult<PublicationOut> {
    let (a, case) = managed(app, &who.principal, id).await?;
    let from = status_of(&a)?;
    let to = match body.to.as_str() {
        "draft" => Status::Draft,
        "interim" => Status::Interim,
        "final" => Status::Final,
        other => {
            return Err(AppError::validation(format!(
                "to: one of interim, final, not {other:?}"
            )));
        }
    };
    if to <= from {
        return Err(AppError::new(
            ErrorKind::Conflict,
            format!(
                "the advisory is {}: its status only moves forward (draft → interim → final)",
                from.as_str()
            ),
        ));
    }
    let content = parse_content(&a.content)?;
    let mut tracking = parse_tracking(&a.tracking)?;
    let change = if a.released_at.is_some() {
        let summary = body
            .summary
            .filter(|s| !s.trim().is_empty())
            .unwrap_or_else(|| format!("Status {}", to.as_str()));
        next_revision(
            app,
            &a,
            &content,
            tracking,
            to,
            summary,
            "advisory.transition",
        )?
    } else {
        tracking.status = to;
        AdvisoryChange {
            status: to.as_str().to_owned(),
            tracking: json_text(&tracking)?,
            ..base_change(&a, "advisory.transition")
        }
    };
    let saved = app
        .store
        .save_case_advisory(&who.actor, id, &change, app.now())
        .await?;
    if saved.released_at.is_some() {
        on_released(app, id).await?;
    }
    out(app, &saved, &case)
}

/// Publishes an interim or final advisory: its first revision dated now,
/// every form written and kept. While the case is embargoed it goes to the
/// case's parties only and becomes public when the embargo ends
/// ([`release_due`]); otherwise it is public now.
pub async fn publish(
    app: &App,
    who: &Acting,
    id: Uuid,
    body: PublishIn,
) -> AppResult<PublicationOut> {
    let (a, case) = managed(app, &who.principal, id).await?;
    if a.released_at.is_some() {
        return Err(AppError::new(
            ErrorKind::Conflict,
            "the advisory was released already: an edit or a status change publishes a new revision",
        ));
    }
    let status = status_of(&a)?;
    if !writers::publishable(status) {
        return Err(AppError::new(
            ErrorKind::Conflict,
            "the advisory is a draft: move it to interim or final first",
        ));
    }
    let summary = body.summary.trim().to_owned();
    if summary.is_empty() {
        return Err(AppError::validation(
            "summary: say what this release is, e.g. Initial public release",
        ));
    }
    let tlp = match body.tlp.as_deref() {
        Some(t) => publication_tlp(t)?,
        None => a.publication_tlp,
    };
    let now = app.now();
    let content = parse_content(&a.content)?;
    let mut tracking = parse_tracking(&a.tracking)?;
    tracking.initial_release_date = now;
    tracking.current_release_date = now;
    tracking.revision_history = vec![Revision {
        number: 1,
        date: now,
        summary: summary.clone(),
    }];
    let docs = documents_for(write_documents(app, &content, &tracking, tlp, now))?;
    let embargoed = case.embargo.is_some_and(|e| e.until > now);
    let change = AdvisoryChange {
        tracking: json_text(&tracking)?,
        publication_tlp: tlp,
        revision: Some(NewAdvisoryRevision {
            number: 1,
            at: now,
            summary,
            csaf: Some(docs.csaf.clone()),
            osv: Some(docs.osv.clone()),
        }),
        documents: Some(docs),
        released_at: Some(now),
        published_at: (!embargoed).then_some(now),
        ..base_change(
            &a,
            if embargoed {
                "advisory.release"
            } else {
                "advisory.publish"
            },
        )
    };
    let saved = app
        .store
        .save_case_advisory(&who.actor, id, &change, now)
        .await?;
    on_released(app, id).await?;
    out(app, &saved, &case)
}

/// The scheduler's pass: makes public every released advisory whose case's
/// embargo has ended, under a lease so that several servers do it once.
/// Answers the tracking ids it published.
pub async fn release_due(app: &App, holder: &str) -> AppResult<Vec<String>> {
    let now = app.now();
    let pending = app.store.released_unpublished_advisories().await?;
    if pending.is_empty() {
        return Ok(Vec::new());
    }
    let until = now + time::Duration::minutes(5);
    if let bulwark_store::LeaseOutcome::Held(_) = app
        .store
        .lease_acquire(RELEASE_LEASE, holder, until, now)
        .await?
    {
        return Ok(Vec::new());
    }
    let actor = Actor {
        user: None,
        org: None,
        request_id: Some(format!("scheduler:{holder}")),
    };
    let mut done = Vec::new();
    let result: AppResult<()> = async {
        // Read again under the lease: another server may have just done it.
        for a in app.store.released_unpublished_advisories().await? {
            let case = app.store.case(a.case_id).await?;
            if case.embargo.is_some_and(|e| e.until > now) {
                continue;
            }
            if app.store.make_advisory_public(&actor, a.id, now).await? {
                tracing::info!(advisory = %a.tracking_id, "embargo ended: advisory published");
                on_released(app, a.id).await?;
                done.push(a.tracking_id);
            }
        }
        Ok(())
    }
    .await;
    app.store.lease_release(RELEASE_LEASE, holder).await?;
    result?;
    Ok(done)
}
