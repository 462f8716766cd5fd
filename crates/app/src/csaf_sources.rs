//! Other CSAF providers the clearinghouse subscribes to, read on a timer
//! (issue 18, item 4).
//!
//! The operator's writers (the policy's `csaf_source.manage` on the
//! program) add a provider's provider-metadata.json or ROLIE feed URL with
//! an interval (default 6 hours, at least 15 minutes) and, optionally,
//! public keys of their own choosing accepted besides the provider's (a
//! mirror, a feed without metadata); they list, show, change, remove and
//! run them. The server's scheduler calls [`sync_due`]: each enabled
//! source whose time has come is read under a lease (several servers on
//! one database run it once), through `bulwark_distribution`'s sync
//! (hashes and signature verified before anything else), and what
//! verified is filed as the operator organization's documents by the same
//! loop `bulwark csaf sync` uses ([`import_documents`]). A run records its
//! counts, its error and each document's state: the digest taken, so that
//! a document whose published hash still says so is not fetched again, or
//! why it was refused. One source failing never stops the others.
//!
//! How documents are fetched is the caller's ([`MakeFetch`]): the server
//! reads over HTTPS, tests from memory. The URL is `https`, or `http` on a
//! loopback address only (a provider on the same machine, a test).

use std::collections::{BTreeMap, HashMap, HashSet};

use bulwark_authz::{Action, Resource};
use bulwark_core::{Clock, Principal};
use bulwark_distribution::openpgp::PublicKeys;
use bulwark_distribution::provider::Fetch;
use bulwark_distribution::provider::read::Mode;
use bulwark_distribution::provider::sync::{self, Status};
use bulwark_intake::finding::Format;
use bulwark_store::{
    Actor, CsafRunCounts, CsafSourceDocument, CsafSourceRun, CsafSourceUpdate, LeaseOutcome,
    NewCsafSource, Store, StoreError, StoredCsafSource,
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::cases::intake::{DirectIntake, ingest_direct_as, operator_org};
use crate::{Acting, App, AppError, AppResult, ErrorKind, not_found_as, ts};

/// The interval of a source added without one: four runs a day.
pub const DEFAULT_INTERVAL_SECS: i64 = 6 * 3600;
/// The shortest interval: a provider is not polled more often.
pub const MIN_INTERVAL_SECS: i64 = bulwark_store::MIN_CSAF_INTERVAL_SECS;
/// The longest interval: a subscription read less than monthly is none.
pub const MAX_INTERVAL_SECS: i64 = 30 * 24 * 3600;

/// Largest pinned key text accepted (a few keys are kilobytes).
const MAX_KEYS_BYTES: usize = 1024 * 1024;
/// Longest URL accepted.
const MAX_URL: usize = 2048;
/// How long a run may hold its source before another server may take it
/// over (a server that died mid-run); a run releases it when it ends.
const LEASE: time::Duration = time::Duration::hours(2);
/// Refused documents listed by [`get`].
const REFUSED_SHOWN: usize = 100;
/// Provider warnings logged per run.
const WARNINGS_LOGGED: usize = 20;

/// Makes the transport a run reads a provider through, given the source's
/// URL; called on the async side, used on a blocking thread. An error is
/// recorded as the run's.
pub type MakeFetch = dyn Fn(&str) -> Result<Box<dyn Fetch + Send>, String> + Send + Sync;

// ------------------------------------------------------------------ import

/// What became of one document a sync found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Taken {
    /// Verified and filed: new cases or reports on known ones.
    Imported {
        sha256: String,
        signer: String,
        reports: usize,
        new_cases: usize,
        /// The CSAF reader's repairs, each with its JSON path.
        warnings: Vec<String>,
    },
    /// The digest the previous run took (`signer` absent: not fetched), or
    /// bytes verified and received before (`signer` present).
    Unchanged {
        sha256: String,
        signer: Option<String>,
    },
    /// Not taken, and why.
    Refused { reason: String },
}

/// One document and what became of it.
#[derive(Debug, Clone)]
pub struct TakenDocument {
    pub url: String,
    /// Relative to the distribution it came from, as the sync gives it.
    pub path: String,
    pub taken: Taken,
}

/// Files each verified document of a sync as the operator organization's
/// (audited as `actor`), in order, and hands every document's outcome to
/// `each` as it goes; answers the counts. The one loop behind both
/// `bulwark csaf sync` and the subscribed sources. A document the intake
/// cannot read is refused with the reason; no operator organization, or a
/// store that fails, ends the loop with that error.
pub async fn import_documents(
    store: &Store,
    actor: &Actor,
    documents: Vec<sync::Document>,
    clock: &dyn Clock,
    mut each: impl FnMut(TakenDocument),
) -> AppResult<CsafRunCounts> {
    let mut counts = CsafRunCounts::default();
    let mut org_checked = false;
    for d in documents {
        let taken = match d.status {
            Status::Refused { reason } => Taken::Refused { reason },
            Status::Unchanged { sha256 } => Taken::Unchanged {
                sha256,
                signer: None,
            },
            Status::Verified {
                bytes,
                sha256,
                signer,
            } => {
                if !org_checked {
                    operator_org(store).await?;
                    org_checked = true;
                }
                match ingest_direct_as(store, actor, Format::Csaf, bytes, clock.now()).await {
                    Ok(DirectIntake::Unchanged { .. }) => Taken::Unchanged {
                        sha256,
                        signer: Some(signer),
                    },
                    Ok(DirectIntake::Imported {
                        reports,
                        new_cases,
                        warnings,
                        ..
                    }) => Taken::Imported {
                        sha256,
                        signer,
                        reports,
                        new_cases,
                        warnings,
                    },
                    Err(e) if matches!(e.kind, ErrorKind::Internal | ErrorKind::Unavailable) => {
                        return Err(e);
                    }
                    Err(e) => Taken::Refused {
                        reason: format!("intake: {}", e.detail),
                    },
                }
            }
        };
        match &taken {
            Taken::Imported { .. } => counts.imported += 1,
            Taken::Unchanged { .. } => counts.unchanged += 1,
            Taken::Refused { .. } => counts.refused += 1,
        }
        each(TakenDocument {
            url: d.url,
            path: d.path,
            taken,
        });
    }
    Ok(counts)
}

// ------------------------------------------------------------------ bodies

/// A provider to subscribe to.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CsafSourceIn {
    /// The provider's provider-metadata.json or one ROLIE feed: `https`
    /// (`http` only on a loopback address).
    pub url: String,
    /// Seconds between runs, 900 (15 minutes) to 2592000 (30 days);
    /// 21600 (6 hours) when absent.
    #[serde(default)]
    pub interval: Option<i64>,
    /// ASCII-armoured OpenPGP public keys whose signatures are accepted
    /// besides the provider's own, checked by the operator some other way.
    #[serde(default)]
    pub keys: Option<String>,
}

/// A change to a source: what is absent stays.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CsafSourcePatch {
    /// Off: the scheduler skips it (it can still be run by hand).
    #[serde(default)]
    pub enabled: Option<bool>,
    /// Seconds between runs, 900 to 2592000; the next run is one interval
    /// after the last.
    #[serde(default)]
    pub interval: Option<i64>,
}

/// A subscribed provider and how its last run went.
#[derive(Debug, Serialize, ToSchema)]
pub struct CsafSourceOut {
    pub id: Uuid,
    pub url: String,
    pub enabled: bool,
    /// Seconds between runs.
    pub interval: i64,
    pub next_run_at: String,
    /// Absent before the first run.
    pub last_run_at: Option<String>,
    pub last_imported: Option<i64>,
    pub last_unchanged: Option<i64>,
    pub last_refused: Option<i64>,
    /// Why the last run could not read the provider, if it could not.
    pub last_error: Option<String>,
    /// The fingerprints of the keys pinned besides the provider's own.
    pub key_fingerprints: Vec<String>,
    pub added_by: Option<Uuid>,
    pub created_at: String,
}

fn source_out(s: StoredCsafSource) -> CsafSourceOut {
    let key_fingerprints = s
        .keys
        .as_deref()
        .and_then(|k| PublicKeys::from_armored(k).ok())
        .map(|k| k.fingerprints())
        .unwrap_or_default();
    CsafSourceOut {
        id: s.id,
        url: s.url,
        enabled: s.enabled,
        interval: s.interval_secs,
        next_run_at: ts(s.next_run_at),
        last_run_at: s.last_run_at.map(ts),
        last_imported: s.last_counts.map(|c| c.imported),
        last_unchanged: s.last_counts.map(|c| c.unchanged),
        last_refused: s.last_counts.map(|c| c.refused),
        last_error: s.last_error,
        key_fingerprints,
        added_by: s.added_by,
        created_at: ts(s.created_at),
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CsafSourceList {
    pub items: Vec<CsafSourceOut>,
}

/// A document the last run refused.
#[derive(Debug, Serialize, ToSchema)]
pub struct CsafRefusedDocument {
    pub url: String,
    pub reason: String,
    /// When a run first refused it for this reason.
    pub since: String,
}

/// A source with what its runs know of its documents.
#[derive(Debug, Serialize, ToSchema)]
pub struct CsafSourceDetail {
    #[serde(flatten)]
    pub source: CsafSourceOut,
    /// Documents the runs know of (taken or refused).
    pub documents: usize,
    /// Those the last run refused (at most 100), by URL.
    pub refused: Vec<CsafRefusedDocument>,
}

// ------------------------------------------------------------------ checks

fn field_error(field: &str, message: impl std::fmt::Display) -> AppError {
    AppError::validation(format!("{field}: {message}")).with_extension("field", json!(field))
}

/// The URL as kept: `https`, or `http` on loopback; no credentials (they
/// would be shown in every list), no fragment.
fn check_url(raw: &str) -> AppResult<String> {
    let raw = raw.trim();
    if raw.len() > MAX_URL {
        return Err(field_error("url", format!("longer than {MAX_URL} bytes")));
    }
    let mut u = url::Url::parse(raw).map_err(|e| field_error("url", format!("not a URL: {e}")))?;
    let Some(host) = u.host() else {
        return Err(field_error("url", "names no host"));
    };
    let loopback = match host {
        url::Host::Domain(d) => d.eq_ignore_ascii_case("localhost"),
        url::Host::Ipv4(ip) => ip.is_loopback(),
        url::Host::Ipv6(ip) => ip.is_loopback(),
    };
    match u.scheme() {
        "https" => {}
        "http" if loopback => {}
        "http" => {
            return Err(field_error(
                "url",
                "a provider is read over https (CSAF requirement 3); http only on a loopback address",
            ));
        }
        other => return Err(field_error("url", format!("{other}: not https"))),
    }
    if !u.username().is_empty() || u.password().is_some() {
        return Err(field_error(
            "url",
            "holds credentials, which every list would show",
        ));
    }
    u.set_fragment(None);
    Ok(u.to_string())
}

fn check_interval(secs: i64) -> AppResult<i64> {
    if (MIN_INTERVAL_SECS..=MAX_INTERVAL_SECS).contains(&secs) {
        Ok(secs)
    } else {
        Err(field_error(
            "interval",
            format!(
                "{secs} seconds: from {MIN_INTERVAL_SECS} (15 minutes) to {MAX_INTERVAL_SECS} (30 days)"
            ),
        ))
    }
}

fn check_keys(text: &str) -> AppResult<()> {
    if text.len() > MAX_KEYS_BYTES {
        return Err(field_error(
            "keys",
            format!("larger than {MAX_KEYS_BYTES} bytes"),
        ));
    }
    PublicKeys::from_armored(text).map_err(|e| field_error("keys", e))?;
    Ok(())
}

fn may_manage(app: &App, who: &Principal) -> AppResult<()> {
    app.authorize(who, Action::CsafSourceManage, &Resource::Program)
}

async fn source(app: &App, id: Uuid) -> AppResult<StoredCsafSource> {
    app.store
        .csaf_source(id)
        .await
        .map_err(not_found_as("CSAF source"))
}

// ------------------------------------------------------------------ use cases

/// Subscribes to a provider; its first run is due at once.
pub async fn add(app: &App, who: &Acting, body: CsafSourceIn) -> AppResult<CsafSourceOut> {
    may_manage(app, &who.principal)?;
    let url = check_url(&body.url)?;
    let interval = check_interval(body.interval.unwrap_or(DEFAULT_INTERVAL_SECS))?;
    if let Some(k) = &body.keys {
        check_keys(k)?;
    }
    let s = app
        .store
        .create_csaf_source(
            &who.actor,
            &NewCsafSource {
                url,
                added_by: Some(who.principal.user_id),
                interval_secs: interval,
                keys: body.keys,
            },
            app.now(),
        )
        .await?;
    Ok(source_out(s))
}

/// Every subscribed provider, oldest first.
pub async fn list(app: &App, who: &Principal) -> AppResult<CsafSourceList> {
    may_manage(app, who)?;
    let items = app.store.csaf_sources().await?;
    Ok(CsafSourceList {
        items: items.into_iter().map(source_out).collect(),
    })
}

/// One source, with the documents its last run refused.
pub async fn get(app: &App, who: &Principal, id: Uuid) -> AppResult<CsafSourceDetail> {
    may_manage(app, who)?;
    detail(app, source(app, id).await?).await
}

async fn detail(app: &App, s: StoredCsafSource) -> AppResult<CsafSourceDetail> {
    let docs = app.store.csaf_source_documents(s.id).await?;
    let refused = docs
        .iter()
        .filter_map(|d| {
            d.refused.as_ref().map(|r| CsafRefusedDocument {
                url: d.url.clone(),
                reason: r.clone(),
                since: ts(d.checked_at),
            })
        })
        .take(REFUSED_SHOWN)
        .collect();
    Ok(CsafSourceDetail {
        source: source_out(s),
        documents: docs.len(),
        refused,
    })
}

/// Turns a source on or off, changes its interval.
pub async fn update(
    app: &App,
    who: &Acting,
    id: Uuid,
    body: CsafSourcePatch,
) -> AppResult<CsafSourceOut> {
    may_manage(app, &who.principal)?;
    if body.enabled.is_none() && body.interval.is_none() {
        return Err(AppError::validation(
            "nothing to change: give enabled or interval",
        ));
    }
    let interval = body.interval.map(check_interval).transpose()?;
    source(app, id).await?;
    let s = app
        .store
        .update_csaf_source(
            &who.actor,
            id,
            &CsafSourceUpdate {
                enabled: body.enabled,
                interval_secs: interval,
            },
            app.now(),
        )
        .await
        .map_err(not_found_as("CSAF source"))?;
    Ok(source_out(s))
}

/// Unsubscribes: the source and what its runs saw are gone; the documents
/// it imported stay, as the clearinghouse's.
pub async fn remove(app: &App, who: &Acting, id: Uuid) -> AppResult<()> {
    may_manage(app, &who.principal)?;
    app.store
        .delete_csaf_source(&who.actor, id, app.now())
        .await
        .map_err(not_found_as("CSAF source"))
}

/// Runs a source now, enabled or not, as the caller (the imports' audit
/// entries name it), and answers how it went. A `Conflict` while another
/// run of it is under way. Takes as long as the provider does.
pub async fn run(
    app: &App,
    who: &Acting,
    id: Uuid,
    make_fetch: &MakeFetch,
) -> AppResult<CsafSourceDetail> {
    may_manage(app, &who.principal)?;
    let s = source(app, id).await?;
    let holder = format!("run-{}", Uuid::now_v7());
    let key = lease_key(id);
    let now = app.now();
    if let LeaseOutcome::Held(_) = app
        .store
        .lease_acquire(&key, &holder, now + LEASE, now)
        .await?
    {
        return Err(AppError::new(
            ErrorKind::Conflict,
            "a run of this source is under way; try again when it ends",
        ));
    }
    let result = run_source(app, &who.actor, &s, make_fetch).await;
    app.store.lease_release(&key, &holder).await?;
    detail(app, result.map_err(not_found_as("CSAF source"))?).await
}

/// The scheduler's pass: runs every enabled source that is due, each
/// under a lease so that several servers run it once; answers the sources
/// it ran, as their runs left them. A source that fails has its error
/// recorded (or logged, when even that fails) and the others still run.
pub async fn sync_due(
    app: &App,
    holder: &str,
    make_fetch: &MakeFetch,
) -> AppResult<Vec<CsafSourceOut>> {
    let now = app.now();
    let due = app.store.csaf_sources_due(now).await?;
    let actor = Actor {
        user: None,
        org: None,
        request_id: Some(format!("scheduler:{holder}")),
    };
    let mut done = Vec::new();
    for s in due {
        let key = lease_key(s.id);
        match app
            .store
            .lease_acquire(&key, holder, now + LEASE, now)
            .await
        {
            Ok(LeaseOutcome::Acquired(_)) => {}
            Ok(LeaseOutcome::Held(_)) => continue,
            Err(e) => {
                tracing::warn!(source = %s.url, error = %e, "cannot take the CSAF source's lease; tried next pass");
                continue;
            }
        }
        // Read again under the lease: another server may have just run it,
        // or it was disabled or removed meanwhile.
        let result = match app.store.csaf_source(s.id).await {
            Ok(current) if current.enabled && current.next_run_at <= now => {
                run_source(app, &actor, &current, make_fetch)
                    .await
                    .map(Some)
            }
            Ok(_) | Err(StoreError::NotFound) => Ok(None),
            Err(e) => Err(e),
        };
        if let Err(e) = app.store.lease_release(&key, holder).await {
            tracing::warn!(source = %s.url, error = %e, "cannot release the CSAF source's lease; it lapses");
        }
        match result {
            Ok(Some(after)) => {
                let c = after.last_counts.unwrap_or_default();
                match &after.last_error {
                    None => tracing::info!(source = %after.url, imported = c.imported,
                        unchanged = c.unchanged, refused = c.refused, "CSAF source synced"),
                    Some(e) => tracing::warn!(source = %after.url, error = %e,
                        "CSAF source could not be read; tried again at its next run"),
                }
                done.push(source_out(after));
            }
            Ok(None) => {}
            Err(e) => {
                tracing::warn!(source = %s.url, error = %e, "CSAF source run not recorded; retried when due");
            }
        }
    }
    Ok(done)
}

fn lease_key(id: Uuid) -> String {
    format!("csaf_source:{id}")
}

/// Reads one source and records the run: counts, error, the documents'
/// changed state and the next run (one interval after this one started).
/// Only a failure to record is an error.
async fn run_source(
    app: &App,
    actor: &Actor,
    s: &StoredCsafSource,
    make_fetch: &MakeFetch,
) -> Result<StoredCsafSource, StoreError> {
    let started = app.now();
    let known = app.store.csaf_source_documents(s.id).await?;
    let previous: BTreeMap<String, String> = known
        .iter()
        .filter_map(|d| d.sha256.clone().map(|sha| (d.url.clone(), sha)))
        .collect();
    let run = match read_and_import(app, actor, s, make_fetch, previous).await {
        Ok((counts, seen)) => {
            let (changed, removed) = state_changes(&known, seen, app.now());
            CsafSourceRun {
                ran_at: started,
                next_run_at: started + time::Duration::seconds(s.interval_secs),
                counts,
                error: None,
                changed,
                removed,
            }
        }
        Err(error) => CsafSourceRun {
            ran_at: started,
            next_run_at: started + time::Duration::seconds(s.interval_secs),
            counts: CsafRunCounts::default(),
            error: Some(error),
            changed: Vec::new(),
            removed: Vec::new(),
        },
    };
    app.store
        .record_csaf_source_run(actor, s.id, &run, app.now())
        .await
}

/// The sync and the imports; an error is the run's, in words.
async fn read_and_import(
    app: &App,
    actor: &Actor,
    s: &StoredCsafSource,
    make_fetch: &MakeFetch,
    previous: BTreeMap<String, String>,
) -> Result<(CsafRunCounts, Vec<TakenDocument>), String> {
    let keys = match &s.keys {
        Some(text) => {
            Some(PublicKeys::from_armored(text).map_err(|e| format!("the pinned keys: {e}"))?)
        }
        None => None,
    };
    let mut fetch = make_fetch(&s.url)?;
    let options = sync::Options {
        keys,
        previous,
        mode: Mode::Lenient,
    };
    let url = s.url.clone();
    let report = tokio::task::spawn_blocking(move || sync::sync(fetch.as_mut(), &url, &options))
        .await
        .map_err(|_| "the sync stopped".to_owned())?
        .map_err(|e| e.to_string())?;
    for w in report.warnings.iter().take(WARNINGS_LOGGED) {
        tracing::info!(source = %s.url, warning = %w, "CSAF provider");
    }
    let mut seen = Vec::new();
    let counts = import_documents(
        &app.store,
        actor,
        report.documents,
        app.clock.as_ref(),
        |d| seen.push(d),
    )
    .await
    .map_err(|e| e.detail)?;
    Ok((counts, seen))
}

/// What a run changes in the documents' state: each document whose digest
/// or refusal differs from what was known (a refused document keeps the
/// digest taken before), and the URLs the provider no longer lists.
fn state_changes(
    known: &[CsafSourceDocument],
    seen: Vec<TakenDocument>,
    now: OffsetDateTime,
) -> (Vec<CsafSourceDocument>, Vec<String>) {
    let by_url: HashMap<&str, &CsafSourceDocument> =
        known.iter().map(|d| (d.url.as_str(), d)).collect();
    let mut listed = HashSet::new();
    let mut changed = Vec::new();
    for d in seen {
        let before = by_url.get(d.url.as_str());
        let (sha256, refused) = match d.taken {
            Taken::Imported { sha256, .. } | Taken::Unchanged { sha256, .. } => {
                (Some(sha256), None)
            }
            Taken::Refused { reason } => (before.and_then(|b| b.sha256.clone()), Some(reason)),
        };
        if before.is_none_or(|b| b.sha256 != sha256 || b.refused != refused) {
            changed.push(CsafSourceDocument {
                url: d.url.clone(),
                sha256,
                refused,
                checked_at: now,
            });
        }
        listed.insert(d.url);
    }
    let removed = known
        .iter()
        .filter(|k| !listed.contains(&k.url))
        .map(|k| k.url.clone())
        .collect();
    (changed, removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_https_or_loopback_http() {
        assert_eq!(
            check_url(" https://a.example/.well-known/csaf/provider-metadata.json#x ").unwrap(),
            "https://a.example/.well-known/csaf/provider-metadata.json"
        );
        for ok in [
            "http://127.0.0.1:8080/feed.json",
            "http://[::1]/feed.json",
            "http://localhost/x.json",
        ] {
            assert!(check_url(ok).is_ok(), "{ok}");
        }
        for bad in [
            "http://a.example/feed.json",
            "http://10.0.0.1/feed.json",
            "ftp://a.example/x",
            "https://user:pw@a.example/x",
            "a.example/provider-metadata.json",
            "file:///etc/passwd",
        ] {
            let e = check_url(bad).unwrap_err();
            assert_eq!(e.kind, ErrorKind::Validation, "{bad}");
            assert!(e.detail.starts_with("url: "), "{bad}: {}", e.detail);
            assert_eq!(e.extensions["field"], "url");
        }
    }

    #[test]
    fn intervals_are_bounded() {
        assert!(check_interval(899).is_err());
        assert_eq!(check_interval(900).unwrap(), 900);
        assert_eq!(
            check_interval(MAX_INTERVAL_SECS).unwrap(),
            MAX_INTERVAL_SECS
        );
        let e = check_interval(MAX_INTERVAL_SECS + 1).unwrap_err();
        assert_eq!(e.extensions["field"], "interval");
    }

    #[test]
    fn a_refused_document_keeps_its_digest_and_unlisted_ones_go() {
        let t = OffsetDateTime::UNIX_EPOCH;
        let known = vec![
            CsafSourceDocument {
                url: "a".into(),
                sha256: Some("1".into()),
                refused: None,
                checked_at: t,
            },
            CsafSourceDocument {
                url: "b".into(),
                sha256: Some("2".into()),
                refused: None,
                checked_at: t,
            },
        ];
        let seen = vec![
            TakenDocument {
                url: "a".into(),
                path: "a".into(),
                taken: Taken::Refused {
                    reason: "bad".into(),
                },
            },
            TakenDocument {
                url: "c".into(),
                path: "c".into(),
                taken: Taken::Unchanged {
                    sha256: "3".into(),
                    signer: Some("F".into()),
                },
            },
        ];
        let (changed, removed) = state_changes(&known, seen, t);
        assert_eq!(removed, vec!["b".to_owned()]);
        assert_eq!(changed.len(), 2);
        assert_eq!(
            (changed[0].sha256.as_deref(), changed[0].refused.as_deref()),
            (Some("1"), Some("bad"))
        );
        assert_eq!(changed[1].sha256.as_deref(), Some("3"));
        // The same state again changes nothing.
        let again = vec![TakenDocument {
            url: "a".into(),
            path: "a".into(),
            taken: Taken::Unchanged {
                sha256: "1".into(),
                signer: None,
            },
        }];
        let (changed, _) = state_changes(&known[..1], again, t);
        assert!(changed.is_empty());
    }
}
