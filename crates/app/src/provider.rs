//! Serving what the clearinghouse published (issue 18): the CSAF 2.0 trusted
//! provider's tree under `/.well-known/csaf/` and the OSV feed, both over
//! the advisories [`Store::published_advisories`] lists.
//!
//! - **What is served** is planned by `bulwark_distribution`
//!   ([`ProviderFiles`], [`OsvFeed`]) over every published advisory, once per
//!   change of the published set, and kept in [`ProviderCache`] (a snapshot
//!   behind an `Arc`); [`invalidate`] drops it, [`sign_published`] does so
//!   after signing. Another server's publication is seen within
//!   [`ProviderSettings::snapshot_recheck`]: after that the snapshot is kept
//!   only while the store's published generation is the one it was built at. A regeneration hashes nothing and parses a document only
//!   the first time its revision is seen (titles, vendors and OSV ids are
//!   kept per advisory and release date).
//! - **Who may read it** is the policy's: a TLP:CLEAR document (and the
//!   listings of CLEAR documents, the OSV feed) through
//!   `publication.download` with the anonymous principal
//!   ([`bulwark_authz::Authorizer::decide_anonymous`]); GREEN and AMBER ones
//!   through `record.read` of the advisory's record
//!   ([`crate::resources::advisory_resource`]) by a signed-in caller, their
//!   listings filtered to what the caller may read. What may not be read is
//!   "not found".
//! - **Signatures** (`.asc`, requirement 19) are made once per exact bytes
//!   and key, kept in the store (migration 0030), and never per request:
//!   [`sign_published`] signs at publication (the lead wires it into the
//!   publication flow), and a document published without it is signed at its
//!   first download and kept.
//! - **The key** is the server's own OpenPGP key, generated at first start
//!   ([`ensure_signing_key`]) and kept sealed under the master key. Rotation
//!   is not built: it would retire the active row (`retired_at`) and create
//!   a new one; retired keys stay published so old signatures verify, and
//!   documents are re-signed lazily with the new key.
//! - **The base URL** ([`ProviderSettings::base_url`], `BULWARK_PUBLIC_URL`)
//!   must be `https` in production (CSAF requirement 3); `http` is accepted
//!   so tests can run on loopback.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use bulwark_authz::{Action, RecordFacts, Resource};
use bulwark_core::Principal;
use bulwark_distribution::model::Publisher;
use bulwark_distribution::openpgp::SigningKey;
use bulwark_distribution::osv_feed::{self, OsvEntry, OsvFeed};
use bulwark_distribution::provider::publish::{
    self, DocKind, Entry, Found, HashKind, Label, ProviderFiles, Site,
};
use bulwark_store::{Actor, NewSigningKey, PublishedAdvisory, SecretKeyText, StoreError};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::resources::advisory_resource;
use crate::{App, AppError, AppResult, DOSSIER_KEY_VAR, ErrorKind};

/// The purpose the CSAF signing key is kept under.
pub const CSAF_KEY_PURPOSE: &str = "csaf";

/// What the operator says about the provider (server settings).
#[derive(Debug, Clone)]
pub struct ProviderSettings {
    /// Scheme, host and port (and a path prefix if any), no trailing slash.
    pub base_url: String,
    pub publisher: Publisher,
    /// `Contact:` of security.txt (RFC 9116: a `mailto:` or `https:` URI).
    pub contact: String,
    /// The OpenPGP user id of a generated key.
    pub key_user_id: String,
    pub list_on_aggregators: bool,
    pub mirror_on_aggregators: bool,
    /// How long a snapshot of the published set is served before the store
    /// is asked whether it changed (another server published): the bound on
    /// how stale this server's tree may be.
    pub snapshot_recheck: std::time::Duration,
}

impl Default for ProviderSettings {
    fn default() -> Self {
        ProviderSettings {
            base_url: "http://127.0.0.1:8080".into(),
            publisher: Publisher {
                category: "coordinator".into(),
                name: "Bulwark clearinghouse".into(),
                namespace: "https://bulwark.example.gov".into(),
                contact_details: None,
                issuing_authority: None,
            },
            contact: "mailto:security@bulwark.example.gov".into(),
            key_user_id: "Bulwark clearinghouse <security@bulwark.example.gov>".into(),
            list_on_aggregators: true,
            mirror_on_aggregators: true,
            snapshot_recheck: std::time::Duration::from_secs(5),
        }
    }
}

/// Per advisory revision, what the listings need from its documents.
#[derive(Debug, Clone)]
struct Meta {
    current_release_date: i64,
    title: String,
    vendors: Vec<String>,
    osv: Option<OsvEntry>,
}

/// What the server keeps between requests: the snapshot of the published
/// set, the documents' metadata by revision, the signing key.
#[derive(Default)]
pub struct ProviderCache {
    snapshot: Mutex<Option<Cached>>,
    meta: Mutex<HashMap<Uuid, Meta>>,
    key: Mutex<Option<Arc<SigningKey>>>,
}

impl std::fmt::Debug for ProviderCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ProviderCache")
    }
}

/// A snapshot with the published generation it was built at.
struct Cached {
    snapshot: Arc<Snapshot>,
    generation: (i64, Option<i64>),
    checked: std::time::Instant,
}

/// The published set as served: documents, the provider's plan over all
/// of them, the OSV feed over the CLEAR ones.
pub struct Snapshot {
    advisories: Vec<PublishedAdvisory>,
    /// Owner organization per advisory (the policy's fact).
    owners: HashMap<Uuid, Uuid>,
    entries: Vec<Entry>,
    files: ProviderFiles,
    site: Site,
    osv: OsvFeed,
    /// Index into `advisories` of each OSV feed entry, and its id.
    osv_docs: Vec<usize>,
    osv_ids: Vec<String>,
    zips: Mutex<HashMap<String, Arc<[u8]>>>,
    /// The sha256 of each document's bytes, computed when first needed.
    digests: Vec<OnceLock<String>>,
}

/// A file to answer with.
#[derive(Debug, Clone)]
pub struct Served {
    pub bytes: Arc<[u8]>,
    pub content_type: &'static str,
}

impl Served {
    fn new(bytes: impl Into<Arc<[u8]>>, content_type: &'static str) -> Served {
        Served {
            bytes: bytes.into(),
            content_type,
        }
    }
}

/// Drops the snapshot: the next request builds it again. Call after the
/// published set changed (publication, a new revision).
pub fn invalidate(app: &App) {
    *app.provider
        .snapshot
        .lock()
        .unwrap_or_else(|e| e.into_inner()) = None;
}

fn master_key(app: &App) -> AppResult<[u8; 32]> {
    app.config
        .master_key
        .as_ref()
        .map(|k| *k.expose())
        .ok_or_else(|| {
            AppError::new(
                ErrorKind::Unavailable,
                format!(
                    "document signing is not configured: set {DOSSIER_KEY_VAR} to 64 hex digits"
                ),
            )
        })
}

fn internal(what: &str, e: impl std::fmt::Display) -> AppError {
    tracing::error!(error = %e, "{what}");
    AppError::internal()
}

/// The server's CSAF signing key: the kept one, or a new one generated and
/// kept (sealed) when there is none. At start, and on first use.
pub async fn ensure_signing_key(app: &App) -> AppResult<Arc<SigningKey>> {
    if let Some(k) = app
        .provider
        .key
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clone()
    {
        return Ok(k);
    }
    let master = master_key(app)?;
    let kept = match app
        .store
        .active_signing_key(CSAF_KEY_PURPOSE, &master)
        .await?
    {
        Some(k) => k,
        None => {
            let user_id = app.config.provider.key_user_id.clone();
            let key = tokio::task::spawn_blocking(move || SigningKey::generate(&user_id))
                .await
                .map_err(|e| internal("key generation panicked", e))?
                .map_err(|e| internal("cannot generate the signing key", e))?;
            let new = NewSigningKey {
                purpose: CSAF_KEY_PURPOSE.into(),
                fingerprint: key.fingerprint(),
                public_key: key
                    .public_key_armored()
                    .map_err(|e| internal("cannot encode the public key", e))?,
                secret: SecretKeyText::new(
                    key.to_armored()
                        .map_err(|e| internal("cannot encode the signing key", e))?,
                ),
            };
            match app
                .store
                .create_signing_key(&Actor::cli(), &new, &master, app.now())
                .await
            {
                Ok(k) => {
                    tracing::info!(fingerprint = %k.fingerprint, "generated the CSAF signing key")
                }
                // Another server made one first: use that one.
                Err(StoreError::Conflict(_)) => {}
                Err(e) => return Err(e.into()),
            }
            app.store
                .active_signing_key(CSAF_KEY_PURPOSE, &master)
                .await?
                .ok_or_else(|| internal("signing key", "kept key not found"))?
        }
    };
    let key = SigningKey::from_armored(kept.secret.expose())
        .map_err(|e| internal("the kept signing key does not load", e))?;
    let key = Arc::new(key);
    *app.provider.key.lock().unwrap_or_else(|e| e.into_inner()) = Some(Arc::clone(&key));
    invalidate(app);
    Ok(key)
}

/// The site as the settings and the kept keys describe it.
async fn site(app: &App) -> AppResult<Site> {
    let s = &app.config.provider;
    let keys = app.store.signing_keys(CSAF_KEY_PURPOSE).await?;
    Ok(Site {
        base_url: s.base_url.trim_end_matches('/').to_owned(),
        publisher: s.publisher.clone(),
        key_fingerprints: keys.into_iter().map(|k| k.fingerprint).collect(),
        labels: vec![Label::White, Label::Green, Label::Amber],
        list_on_aggregators: s.list_on_aggregators,
        mirror_on_aggregators: s.mirror_on_aggregators,
    })
}

fn meta_of(pa: &PublishedAdvisory) -> Meta {
    #[derive(serde::Deserialize)]
    struct Doc {
        document: DocHead,
        #[serde(default)]
        product_tree: Option<Tree>,
    }
    #[derive(serde::Deserialize)]
    struct DocHead {
        title: String,
    }
    #[derive(serde::Deserialize)]
    struct Tree {
        #[serde(default)]
        branches: Vec<Branch>,
    }
    #[derive(serde::Deserialize)]
    struct Branch {
        category: String,
        name: String,
    }
    let (title, vendors) = match serde_json::from_str::<Doc>(&pa.csaf) {
        Ok(d) => (
            d.document.title,
            d.product_tree
                .map(|t| {
                    t.branches
                        .into_iter()
                        .filter(|b| b.category == "vendor")
                        .map(|b| b.name)
                        .collect()
                })
                .unwrap_or_default(),
        ),
        Err(e) => {
            tracing::warn!(advisory = %pa.id, error = %e, "published CSAF without a readable title");
            (pa.tracking_id.clone(), Vec::new())
        }
    };
    let osv = serde_json::from_str::<serde_json::Value>(&pa.osv)
        .map_err(|e| e.to_string())
        .and_then(|v| osv_feed::entry_of(&v).map_err(|e| e.to_string()))
        .map_err(|e| tracing::warn!(advisory = %pa.id, error = %e, "published OSV record left out of the feed"))
        .ok();
    Meta {
        current_release_date: pa.current_release_date,
        title,
        vendors,
        osv,
    }
}

/// The current snapshot: the cached one while it is fresh (checked within
/// [`ProviderSettings::snapshot_recheck`], or its generation still the
/// store's), else built again.
pub async fn snapshot(app: &App) -> AppResult<Arc<Snapshot>> {
    let cached = {
        let guard = app
            .provider
            .snapshot
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        guard
            .as_ref()
            .map(|c| (Arc::clone(&c.snapshot), c.generation, c.checked))
    };
    if let Some((snap, _, checked)) = &cached
        && checked.elapsed() < app.config.provider.snapshot_recheck
    {
        return Ok(Arc::clone(snap));
    }
    let generation = app.store.published_generation().await?;
    if let Some((snap, built_at, _)) = cached
        && built_at == generation
    {
        if let Some(c) = app
            .provider
            .snapshot
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_mut()
        {
            c.checked = std::time::Instant::now();
        }
        return Ok(snap);
    }
    let advisories = app.store.published_advisories().await?;
    let owners: HashMap<Uuid, Uuid> = app
        .store
        .case_advisories()
        .await?
        .into_iter()
        .filter(|a| a.published_at.is_some())
        .map(|a| (a.id, a.owner_org))
        .collect();
    let site = site(app).await?;
    let now = app.now();
    let built = {
        let mut metas = app.provider.meta.lock().unwrap_or_else(|e| e.into_inner());
        let metas_vec: Vec<Meta> = advisories
            .iter()
            .map(|pa| match metas.get(&pa.id) {
                Some(m) if m.current_release_date == pa.current_release_date => m.clone(),
                _ => {
                    let m = meta_of(pa);
                    metas.insert(pa.id, m.clone());
                    m
                }
            })
            .collect();
        build_snapshot(app, advisories, owners, metas_vec, site, now)
    };
    let built = Arc::new(built);
    *app.provider
        .snapshot
        .lock()
        .unwrap_or_else(|e| e.into_inner()) = Some(Cached {
        snapshot: Arc::clone(&built),
        generation,
        checked: std::time::Instant::now(),
    });
    Ok(built)
}

fn build_snapshot(
    app: &App,
    advisories: Vec<PublishedAdvisory>,
    owners: HashMap<Uuid, Uuid>,
    metas: Vec<Meta>,
    site: Site,
    now: OffsetDateTime,
) -> Snapshot {
    let entries: Vec<Entry> = advisories
        .iter()
        .zip(&metas)
        .map(|(pa, m)| Entry {
            tracking_id: pa.tracking_id.clone(),
            title: m.title.clone(),
            tlp: pa.tlp,
            initial_release_date: bulwark_core::from_micros(pa.initial_release_date),
            current_release_date: bulwark_core::from_micros(pa.current_release_date),
            categories: m.vendors.clone(),
        })
        .collect();
    let files = ProviderFiles::build(&site, &entries, now);
    // The public OSV feed: what anyone may download.
    let mut osv_entries = Vec::new();
    let mut osv_docs = Vec::new();
    for (i, (pa, m)) in advisories.iter().zip(&metas).enumerate() {
        let Some(osv) = &m.osv else { continue };
        let owner = owners.get(&pa.id).copied().unwrap_or_default();
        if anonymous_may(app, pa, owner) {
            osv_entries.push(osv.clone());
            osv_docs.push(i);
        }
    }
    let digests = advisories.iter().map(|_| OnceLock::new()).collect();
    Snapshot {
        osv: OsvFeed::build(&osv_entries),
        osv_ids: osv_entries.into_iter().map(|e| e.id).collect(),
        osv_docs,
        advisories,
        owners,
        entries,
        files,
        site,
        zips: Mutex::default(),
        digests,
    }
}

/// The policy's view of a published advisory for the anonymous decision.
/// Its parties are left out: the anonymous principal is nobody's party, so
/// no rule it can pass depends on them.
fn public_resource(pa: &PublishedAdvisory, owner: Uuid) -> Resource {
    Resource::Record(RecordFacts {
        kind: "advisory".into(),
        id: pa.id.to_string(),
        owner_org: owner,
        creator: Uuid::nil(),
        tlp: pa.tlp,
        embargo_until: None,
        participant_orgs: Vec::new(),
        recipient_users: Vec::new(),
    })
}

fn anonymous_may(app: &App, pa: &PublishedAdvisory, owner: Uuid) -> bool {
    app.authz
        .decide_anonymous(
            Action::PublicationDownload,
            &public_resource(pa, owner),
            app.now(),
        )
        .allowed
}

/// Whether `who` may read the published advisory (`record.read` of its
/// record, with the case's parties).
async fn caller_may(app: &App, who: &Principal, pa: &PublishedAdvisory) -> AppResult<bool> {
    let stored = app.store.case_advisory(pa.id).await?;
    let parties = app.store.case_parties(stored.case_id).await?;
    Ok(app.permits(
        who,
        Action::RecordRead,
        &advisory_resource(&stored, parties),
    ))
}

impl Snapshot {
    fn digest(&self, index: usize) -> &str {
        self.digests[index]
            .get_or_init(|| hex::encode(Sha256::digest(self.advisories[index].csaf.as_bytes())))
    }

    fn owner(&self, index: usize) -> Uuid {
        self.owners
            .get(&self.advisories[index].id)
            .copied()
            .unwrap_or_default()
    }

    /// How many documents are published.
    pub fn len(&self) -> usize {
        self.advisories.len()
    }

    pub fn is_empty(&self) -> bool {
        self.advisories.is_empty()
    }
}

/// What the publication flow calls when an advisory is released or made
/// public (`publications::on_released`): the listings are rebuilt and, if
/// it is public, its document is signed now rather than at its first
/// download. Never fails the publication: a signing failure is logged and
/// the signature made on first download instead.
pub async fn on_published(app: &App, advisory_id: Uuid) {
    invalidate(app);
    match sign_published(app, advisory_id).await {
        Ok(_) => {}
        // Released to the parties only: nothing public to sign yet.
        Err(e) if e.kind == ErrorKind::NotFound => {}
        Err(e) => {
            tracing::warn!(advisory = %advisory_id, error = %e.detail, "not signed at publication; signed on first download")
        }
    }
}

/// Signs the published advisory's current CSAF bytes with the server's
/// key, once, and keeps the signature; then drops the snapshot so the
/// listings show the new revision. For the publication flow: the lead wires
/// it in beside `publications::on_released` when an advisory becomes
/// public or is revised. Returns the armoured signature.
pub async fn sign_published(app: &App, advisory_id: Uuid) -> AppResult<String> {
    invalidate(app);
    let snap = snapshot(app).await?;
    let index = snap
        .advisories
        .iter()
        .position(|a| a.id == advisory_id)
        .ok_or_else(|| AppError::not_found("published advisory"))?;
    signature_of(app, &snap, index).await
}

/// The kept signature of document `index`, made (and kept) if there is none
/// for the active key yet.
async fn signature_of(app: &App, snap: &Snapshot, index: usize) -> AppResult<String> {
    let key = ensure_signing_key(app).await?;
    let fingerprint = key.fingerprint();
    let sha = snap.digest(index).to_owned();
    if let Some(sig) = app.store.document_signature(&sha, &fingerprint).await? {
        return Ok(sig);
    }
    let bytes = snap.advisories[index].csaf.clone();
    let signer = Arc::clone(&key);
    let sig = tokio::task::spawn_blocking(move || signer.sign_detached(bytes.as_bytes()))
        .await
        .map_err(|e| internal("signing panicked", e))?
        .map_err(|e| internal("cannot sign a published document", e))?;
    Ok(app
        .store
        .put_document_signature(
            &Actor::cli(),
            snap.advisories[index].id,
            &sha,
            &fingerprint,
            &sig,
            app.now(),
        )
        .await?)
}

/// A file of the provider's tree, `path` relative to `/.well-known/csaf/`,
/// for `who` (`None`: anonymous). Anything `who` may not read is "not
/// found", as is anything that does not exist.
pub async fn csaf_file(app: &App, who: Option<&Principal>, path: &str) -> AppResult<Served> {
    let snap = snapshot(app).await?;
    let label = ProviderFiles::label_of(path);
    let public = label.is_none_or(Label::is_public);
    if !public && who.is_none() {
        return Err(AppError::unauthorized());
    }
    match snap.files.lookup(path) {
        None => Err(AppError::not_found("file")),
        Some(Found::PublicKey { fingerprint }) => {
            let keys = app.store.signing_keys(CSAF_KEY_PURPOSE).await?;
            keys.into_iter()
                .find(|k| k.fingerprint == fingerprint)
                .map(|k| Served::new(k.public_key.into_bytes(), "application/pgp-keys"))
                .ok_or_else(|| AppError::not_found("key"))
        }
        Some(Found::File {
            bytes,
            content_type,
        }) => match (label, who) {
            (Some(l), Some(p)) if !l.is_public() => restricted_listing(app, &snap, p, path).await,
            _ => Ok(Served::new(Arc::clone(bytes), content_type)),
        },
        Some(Found::Document { index, kind }) => {
            let pa = &snap.advisories[index];
            let allowed = match who {
                _ if public => anonymous_may(app, pa, snap.owner(index)),
                Some(p) => caller_may(app, p, pa).await?,
                None => false,
            };
            if !allowed {
                return Err(AppError::not_found("file"));
            }
            let name = snap.entries[index].file_name();
            Ok(match kind {
                DocKind::Json => Served::new(pa.csaf.clone().into_bytes(), kind.content_type()),
                DocKind::Sha256 => Served::new(
                    publish::hash_file(HashKind::Sha256, pa.csaf.as_bytes(), &name).into_bytes(),
                    kind.content_type(),
                ),
                DocKind::Sha512 => Served::new(
                    publish::hash_file(HashKind::Sha512, pa.csaf.as_bytes(), &name).into_bytes(),
                    kind.content_type(),
                ),
                DocKind::Signature => Served::new(
                    signature_of(app, &snap, index).await?.into_bytes(),
                    kind.content_type(),
                ),
            })
        }
    }
}

/// A listing of a restricted directory, over the documents `who` may read.
async fn restricted_listing(
    app: &App,
    snap: &Snapshot,
    who: &Principal,
    path: &str,
) -> AppResult<Served> {
    let label = ProviderFiles::label_of(path);
    let mut mine = Vec::new();
    for (i, pa) in snap.advisories.iter().enumerate() {
        if Some(Label::of(pa.tlp)) == label && caller_may(app, who, pa).await? {
            mine.push(snap.entries[i].clone());
        }
    }
    let files = ProviderFiles::build(&snap.site, &mine, snap.files.last_updated);
    match files.lookup(path) {
        Some(Found::File {
            bytes,
            content_type,
        }) => Ok(Served::new(Arc::clone(bytes), content_type)),
        _ => Err(AppError::not_found("file")),
    }
}

/// `/.well-known/security.txt` (RFC 9116): Contact, Expires (360 days
/// ahead: the RFC advises less than a year), the CSAF field (requirement
/// 8) and Canonical.
pub async fn security_txt(app: &App) -> AppResult<Served> {
    let s = &app.config.provider;
    let site = site(app).await?;
    let expires = app.now() + time::Duration::days(360);
    let text = format!(
        "Contact: {}\nExpires: {}\n{}\nCanonical: {}/.well-known/security.txt\n",
        s.contact,
        bulwark_core::rfc3339(expires.replace_nanosecond(0).unwrap_or(expires)),
        publish::security_txt_field(&site),
        site.base_url,
    );
    Ok(Served::new(text.into_bytes(), "text/plain; charset=utf-8"))
}

/// A file of the public OSV feed, `path` relative to `/osv/`: `all.json`,
/// `modified_id.csv`, `<id>.json`, `<ecosystem>/all.zip`,
/// `<ecosystem>/modified_id.csv`, `<ecosystem>/<id>.json`. Only what anyone
/// may download is in it.
pub async fn osv_file(app: &App, path: &str) -> AppResult<Served> {
    let snap = snapshot(app).await?;
    let record = |i: usize| {
        let pa = &snap.advisories[snap.osv_docs[i]];
        Served::new(pa.osv.clone().into_bytes(), "application/json")
    };
    match path.split_once('/') {
        None => match path {
            "all.json" => Ok(Served::new(
                Arc::clone(&snap.osv.all_json),
                "application/json",
            )),
            "modified_id.csv" => Ok(Served::new(
                Arc::clone(&snap.osv.modified_id_csv),
                "text/csv; charset=utf-8",
            )),
            _ => path
                .strip_suffix(".json")
                .and_then(|id| snap.osv.record(id))
                .map(record)
                .ok_or_else(|| AppError::not_found("OSV record")),
        },
        Some((eco, rest)) => {
            let Some((csv, members)) = snap.osv.ecosystems.get(eco) else {
                return Err(AppError::not_found("ecosystem"));
            };
            match rest {
                "modified_id.csv" => Ok(Served::new(Arc::clone(csv), "text/csv; charset=utf-8")),
                "all.zip" => {
                    if let Some(z) = snap.zips.lock().unwrap_or_else(|e| e.into_inner()).get(eco) {
                        return Ok(Served::new(Arc::clone(z), "application/zip"));
                    }
                    let records: Vec<(&str, &[u8])> = members
                        .iter()
                        .map(|&i| {
                            let pa = &snap.advisories[snap.osv_docs[i]];
                            let id = osv_id(&snap, i);
                            (id, pa.osv.as_bytes())
                        })
                        .collect();
                    let zip: Arc<[u8]> = osv_feed::zip_records(records)
                        .map_err(|e| internal("cannot zip the OSV records", e))?
                        .into();
                    snap.zips
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .insert(eco.to_owned(), Arc::clone(&zip));
                    Ok(Served::new(zip, "application/zip"))
                }
                _ => rest
                    .strip_suffix(".json")
                    .and_then(|id| snap.osv.record_in(eco, id))
                    .map(record)
                    .ok_or_else(|| AppError::not_found("OSV record")),
            }
        }
    }
}

/// The OSV id of feed entry `i`.
fn osv_id(snap: &Snapshot, i: usize) -> &str {
    &snap.osv_ids[i]
}
