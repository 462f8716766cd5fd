//! Taking over another provider's documents (CSAF 2.0 §7.1, as a reader):
//! from its provider-metadata.json (or one ROLIE feed), find every
//! document, fetch what changed since the caller's previous state, and
//! verify each — its `.sha256`/`.sha512` and its `.asc` signature against
//! the provider's public keys — before anything else is done with it.
//! The answer is per document: its verified bytes, unchanged, or refused
//! with the reason. Importing is the caller's business.
//!
//! Keys: the provider's `public_openpgp_keys`, each fetched from its URL
//! and kept only when its fingerprint is the one the metadata states (a
//! key the metadata states no fingerprint for is used, with a warning: it
//! came from the provider's own site). The caller's own keys
//! ([`Options::keys`], the CLI's `--key FILE`) are added to them: that is
//! how documents of a provider whose keys are not reachable (a mirror, a
//! tree without its keys, a feed without metadata) can be taken over
//! after the operator checked the key some other way. With no key at all,
//! every document is refused ("no public key of the provider to verify its
//! signature"), since a document whose origin cannot be verified must not
//! enter the clearinghouse.
//!
//! Hashes: every hash file the feed links (or that sits beside a directory
//! document) must match; a document with none is still taken when its
//! signature verifies (only a trusted provider must publish them, and the
//! signature covers the bytes anyway), with a note.

use std::collections::{BTreeMap, BTreeSet};

use sha2::{Digest, Sha256, Sha512};

use super::read::{self, Mode, ProviderMetadata};
use super::{Fetch, Fetched, get_following, resolve};
use crate::openpgp::{self, PublicKeys};

/// What the caller brings to a sync.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The caller's own keys, accepted besides the provider's.
    pub keys: Option<PublicKeys>,
    /// The previous state: document URL → SHA-256 (lower-case hex) of the
    /// bytes taken then. A document whose published `.sha256` (or whose
    /// fetched bytes) still has that digest is [`Status::Unchanged`].
    pub previous: BTreeMap<String, String>,
    /// How the provider's files are read.
    pub mode: Mode,
}

/// Why a sync could not start: the starting file is unusable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SyncError {
    #[error("{url}: {message}")]
    Fetch { url: String, message: String },
    #[error("{url}: {error}")]
    Read { url: String, error: read::ReadError },
    #[error("{url}: neither provider-metadata.json nor a ROLIE feed")]
    Unknown { url: String },
}

/// One document's outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    pub url: String,
    /// The URL relative to the distribution it came from (`2024/x.json`),
    /// or the URL when it lies elsewhere.
    pub path: String,
    /// The feed's TLP label (`WHITE`, …) for a ROLIE document.
    pub tlp_label: Option<String>,
    pub status: Status,
    /// What was checked, or what was missing but not required.
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    /// Hashes and signature verified: these bytes may be imported.
    Verified {
        bytes: Vec<u8>,
        sha256: String,
        /// The signer's primary fingerprint.
        signer: String,
    },
    /// The same digest as in the previous state.
    Unchanged {
        sha256: String,
    },
    Refused {
        reason: String,
    },
}

/// Everything a sync found.
#[derive(Debug, Clone)]
pub struct Report {
    /// The provider's metadata, when the sync started from it.
    pub metadata: Option<ProviderMetadata>,
    /// The fingerprints of the keys signatures were checked against.
    pub keys: Vec<String>,
    /// Bends in the provider's files and unusable keys or feeds, each
    /// naming its file.
    pub warnings: Vec<String>,
    pub documents: Vec<Document>,
}

impl Report {
    pub fn refused(&self) -> usize {
        self.documents
            .iter()
            .filter(|d| matches!(d.status, Status::Refused { .. }))
            .count()
    }
}

/// A document to look at, and where its companions are.
struct Listed {
    url: String,
    path: String,
    tlp_label: Option<String>,
    hash_urls: Vec<String>,
    /// Whether the hash URLs were linked (a feed) or guessed (a directory).
    hashes_linked: bool,
    signature_url: String,
}

/// Runs a sync from `start`: a provider-metadata.json URL or a ROLIE feed
/// URL.
pub fn sync(fetch: &mut dyn Fetch, start: &str, options: &Options) -> Result<Report, SyncError> {
    let body = get_ok(fetch, start).map_err(|message| SyncError::Fetch {
        url: start.to_owned(),
        message,
    })?;
    let value: serde_json::Value = serde_json::from_slice(&body).map_err(|e| SyncError::Read {
        url: start.to_owned(),
        error: read::ReadError {
            path: format!("line {} column {}", e.line(), e.column()),
            message: format!("not JSON: {e}"),
        },
    })?;
    let mut warnings = Vec::new();
    let mut listed = Vec::new();
    let mut metadata = None;
    let mut keys: Option<PublicKeys> = None;
    if value.get("canonical_url").is_some() || value.get("distributions").is_some() {
        let (pmd, w) =
            read::provider_metadata(&body, options.mode).map_err(|error| SyncError::Read {
                url: start.to_owned(),
                error,
            })?;
        warnings.extend(w.into_iter().map(|w| format!("{start}: {w}")));
        keys = provider_keys(fetch, &pmd, &mut warnings);
        list_distributions(fetch, &pmd, options.mode, &mut listed, &mut warnings);
        metadata = Some(pmd);
    } else if value.get("feed").is_some() {
        list_feed(fetch, start, None, options.mode, &mut listed, &mut warnings).map_err(
            |e| match e {
                FeedFailure::Fetch(message) => SyncError::Fetch {
                    url: start.to_owned(),
                    message,
                },
                FeedFailure::Read(error) => SyncError::Read {
                    url: start.to_owned(),
                    error,
                },
            },
        )?;
    } else {
        return Err(SyncError::Unknown {
            url: start.to_owned(),
        });
    }
    if let Some(own) = &options.keys {
        match &mut keys {
            Some(k) => k.merge(own.clone()),
            None => keys = Some(own.clone()),
        }
    }

    let mut seen = BTreeSet::new();
    let mut documents = Vec::new();
    for l in listed {
        if !seen.insert(l.url.clone()) {
            continue;
        }
        documents.push(one_document(fetch, l, keys.as_ref(), options));
    }
    Ok(Report {
        metadata,
        keys: keys.map(|k| k.fingerprints()).unwrap_or_default(),
        warnings,
        documents,
    })
}

/// The body of a 2xx answer (redirects followed), or why not.
fn get_ok(fetch: &mut dyn Fetch, url: &str) -> Result<Vec<u8>, String> {
    let (f, _) = get_following(fetch, url)?;
    if f.ok() {
        Ok(f.body)
    } else {
        Err(format!("HTTP {}", f.status))
    }
}

/// The provider's keys whose fingerprints the metadata states.
fn provider_keys(
    fetch: &mut dyn Fetch,
    pmd: &ProviderMetadata,
    warnings: &mut Vec<String>,
) -> Option<PublicKeys> {
    let mut all: Option<PublicKeys> = None;
    for (i, k) in pmd.public_openpgp_keys.iter().enumerate() {
        let at = format!("public_openpgp_keys[{i}] ({})", k.url);
        let text = match get_ok(fetch, &k.url) {
            Ok(b) => String::from_utf8_lossy(&b).into_owned(),
            Err(e) => {
                warnings.push(format!("{at}: cannot be fetched: {e}"));
                continue;
            }
        };
        let parsed = match PublicKeys::from_armored(&text) {
            Ok(p) => p,
            Err(e) => {
                warnings.push(format!("{at}: {e}"));
                continue;
            }
        };
        let kept = match &k.fingerprint {
            Some(fp) => match parsed.only(std::slice::from_ref(fp)) {
                Some(p) => p,
                None => {
                    warnings.push(format!(
                        "{at}: holds {:?}, not the stated fingerprint {fp}; not used",
                        parsed.fingerprints()
                    ));
                    continue;
                }
            },
            None => {
                warnings.push(format!(
                    "{at}: no fingerprint stated; the key is used as served ({:?})",
                    parsed.fingerprints()
                ));
                parsed
            }
        };
        match &mut all {
            Some(a) => a.merge(kept),
            None => all = Some(kept),
        }
    }
    all
}

fn list_distributions(
    fetch: &mut dyn Fetch,
    pmd: &ProviderMetadata,
    mode: Mode,
    listed: &mut Vec<Listed>,
    warnings: &mut Vec<String>,
) {
    for (i, d) in pmd.distributions.iter().enumerate() {
        if let Some(rolie) = &d.rolie {
            for (j, feed) in rolie.feeds.iter().enumerate() {
                if let Err(e) = list_feed(
                    fetch,
                    &feed.url,
                    Some(&feed.tlp_label),
                    mode,
                    listed,
                    warnings,
                ) {
                    let why = match e {
                        FeedFailure::Fetch(m) => m,
                        FeedFailure::Read(e) => e.to_string(),
                    };
                    warnings.push(format!(
                        "distributions[{i}].rolie.feeds[{j}] ({}): {why}; its documents are not read",
                        feed.url
                    ));
                }
            }
        }
        if let Some(dir) = &d.directory_url {
            list_directory(fetch, dir, mode, listed, warnings);
        }
    }
}

enum FeedFailure {
    Fetch(String),
    Read(read::ReadError),
}

fn list_feed(
    fetch: &mut dyn Fetch,
    url: &str,
    tlp_label: Option<&str>,
    mode: Mode,
    listed: &mut Vec<Listed>,
    warnings: &mut Vec<String>,
) -> Result<(), FeedFailure> {
    let body = get_ok(fetch, url).map_err(FeedFailure::Fetch)?;
    let (feed, w) = read::rolie_feed(&body, mode).map_err(FeedFailure::Read)?;
    warnings.extend(w.into_iter().map(|w| format!("{url}: {w}")));
    let base = dir_of(url);
    for e in feed.entries {
        let Some(doc) = resolve(url, &e.url) else {
            warnings.push(format!("{url}: entry {:?}: {:?} is not a URL", e.id, e.url));
            continue;
        };
        let hash_urls: Vec<String> = e.hash_urls.iter().filter_map(|h| resolve(url, h)).collect();
        let signature_url = e
            .signature_url
            .as_deref()
            .and_then(|s| resolve(url, s))
            .unwrap_or_else(|| format!("{doc}.asc"));
        listed.push(Listed {
            path: relative(&base, &doc),
            hashes_linked: !hash_urls.is_empty(),
            hash_urls: if hash_urls.is_empty() {
                vec![format!("{doc}.sha256"), format!("{doc}.sha512")]
            } else {
                hash_urls
            },
            url: doc,
            tlp_label: tlp_label.map(str::to_owned),
            signature_url,
        });
    }
    Ok(())
}

/// A directory distribution: changes.csv, else index.txt.
fn list_directory(
    fetch: &mut dyn Fetch,
    dir: &str,
    mode: Mode,
    listed: &mut Vec<Listed>,
    warnings: &mut Vec<String>,
) {
    let dir = if dir.ends_with('/') {
        dir.to_owned()
    } else {
        format!("{dir}/")
    };
    let changes_url = format!("{dir}changes.csv");
    let paths: Vec<String> = match get_ok(fetch, &changes_url) {
        Ok(body) => match read::changes_csv(&body, mode) {
            Ok((changes, w)) => {
                warnings.extend(w.into_iter().map(|w| format!("{changes_url}: {w}")));
                changes.into_iter().map(|c| c.path).collect()
            }
            Err(e) => {
                warnings.push(format!("{changes_url}: {e}; index.txt is read instead"));
                index_paths(fetch, &dir, mode, warnings)
            }
        },
        Err(e) => {
            warnings.push(format!("{changes_url}: {e}; index.txt is read instead"));
            index_paths(fetch, &dir, mode, warnings)
        }
    };
    for p in paths {
        let Some(doc) = resolve(&dir, &p) else {
            continue;
        };
        listed.push(Listed {
            path: p,
            tlp_label: None,
            hash_urls: vec![format!("{doc}.sha256"), format!("{doc}.sha512")],
            hashes_linked: false,
            signature_url: format!("{doc}.asc"),
            url: doc,
        });
    }
}

fn index_paths(
    fetch: &mut dyn Fetch,
    dir: &str,
    mode: Mode,
    warnings: &mut Vec<String>,
) -> Vec<String> {
    let url = format!("{dir}index.txt");
    match get_ok(fetch, &url).map(|b| read::index_txt(&b, mode)) {
        Ok(Ok((paths, w))) => {
            warnings.extend(w.into_iter().map(|w| format!("{url}: {w}")));
            paths
        }
        Ok(Err(e)) => {
            warnings.push(format!(
                "{url}: {e}; the directory's documents are not read"
            ));
            Vec::new()
        }
        Err(e) => {
            warnings.push(format!(
                "{url}: {e}; the directory's documents are not read"
            ));
            Vec::new()
        }
    }
}

fn dir_of(url: &str) -> String {
    match url.rfind('/') {
        Some(i) => url[..=i].to_owned(),
        None => url.to_owned(),
    }
}

fn relative(base: &str, url: &str) -> String {
    url.strip_prefix(base).unwrap_or(url).to_owned()
}

fn refused(l: Listed, notes: Vec<String>, reason: String) -> Document {
    Document {
        url: l.url,
        path: l.path,
        tlp_label: l.tlp_label,
        status: Status::Refused { reason },
        notes,
    }
}

fn one_document(
    fetch: &mut dyn Fetch,
    l: Listed,
    keys: Option<&PublicKeys>,
    options: &Options,
) -> Document {
    let mut notes = Vec::new();
    let previous = options.previous.get(&l.url).map(|s| s.to_ascii_lowercase());

    // A published SHA-256 equal to the previous state's: nothing to fetch.
    if let Some(prev) = &previous
        && let Some(sha_url) = l.hash_urls.iter().find(|u| u.ends_with(".sha256"))
        && let Ok(body) = get_ok(fetch, sha_url)
        && let Ok((digest, _)) = read::hash_file(&body, 64)
        && digest == *prev
    {
        return Document {
            url: l.url,
            path: l.path,
            tlp_label: l.tlp_label,
            status: Status::Unchanged { sha256: digest },
            notes,
        };
    }

    let Some(keys) = keys else {
        return refused(
            l,
            notes,
            "no public key of the provider to verify its signature (the provider's keys could not \
             be had; give one with --key)"
                .into(),
        );
    };

    let bytes = match get_following(fetch, &l.url) {
        Ok((f, _)) if f.ok() => f.body,
        Ok((f, _)) => return refused(l, notes, format!("the document: HTTP {}", f.status)),
        Err(e) => return refused(l, notes, format!("the document: {e}")),
    };
    let sha256 = hex::encode(Sha256::digest(&bytes));

    // Hashes, before the signature: cheap, and they name a changed byte.
    let mut hashes_checked = 0;
    for url in l.hash_urls.clone() {
        let algorithm = if url.ends_with(".sha512") {
            Algorithm::Sha512
        } else if url.ends_with(".sha256") {
            Algorithm::Sha256
        } else {
            // A linked hash file of unknown kind: tell by its length.
            Algorithm::Unknown
        };
        let body = match get_following(fetch, &url) {
            Ok((f, _)) if f.ok() => f.body,
            Ok((f, _)) if l.hashes_linked => {
                return refused(
                    l,
                    notes,
                    format!("the linked hash file {url}: HTTP {}", f.status),
                );
            }
            Ok(_) => continue,
            Err(e) => return refused(l, notes, format!("the hash file {url}: {e}")),
        };
        match check_hash(algorithm, &body, &bytes, &sha256) {
            Ok(name) => {
                hashes_checked += 1;
                notes.push(format!("{name} matches"));
            }
            Err(why) => return refused(l, notes, format!("{url}: {why}")),
        }
    }
    if hashes_checked == 0 {
        notes.push("no .sha256 or .sha512 published".into());
    }

    let signature = match get_following(fetch, &l.signature_url) {
        Ok((f, _)) if f.ok() => f.body,
        Ok((f, _)) => {
            let reason = format!(
                "no signature: {} answers HTTP {}",
                l.signature_url, f.status
            );
            return refused(l, notes, reason);
        }
        Err(e) => {
            let reason = format!("no signature: {}: {e}", l.signature_url);
            return refused(l, notes, reason);
        }
    };
    let signer = match openpgp::verify_detached(keys, &bytes, &signature) {
        Ok(s) => s,
        Err(e) => {
            let reason = format!("signature {}: {e}", l.signature_url);
            return refused(l, notes, reason);
        }
    };
    notes.push(format!("signed by {signer}"));

    if let Err(why) = minimal_csaf(&bytes) {
        return refused(l, notes, why);
    }
    if previous.as_deref() == Some(sha256.as_str()) {
        return Document {
            url: l.url,
            path: l.path,
            tlp_label: l.tlp_label,
            status: Status::Unchanged { sha256 },
            notes,
        };
    }
    Document {
        url: l.url,
        path: l.path,
        tlp_label: l.tlp_label,
        status: Status::Verified {
            bytes,
            sha256,
            signer,
        },
        notes,
    }
}

#[derive(Clone, Copy)]
enum Algorithm {
    Sha256,
    Sha512,
    Unknown,
}

/// Checks a hash file against the bytes; answers the algorithm's name.
fn check_hash(
    algorithm: Algorithm,
    file: &[u8],
    bytes: &[u8],
    sha256: &str,
) -> Result<&'static str, String> {
    let trimmed = String::from_utf8_lossy(file);
    let first = trimmed.split_whitespace().next().unwrap_or("");
    let algorithm = match algorithm {
        Algorithm::Unknown if first.len() == 128 => Algorithm::Sha512,
        Algorithm::Unknown => Algorithm::Sha256,
        a => a,
    };
    let (name, len, actual) = match algorithm {
        Algorithm::Sha512 => ("SHA-512", 128, hex::encode(Sha512::digest(bytes))),
        _ => ("SHA-256", 64, sha256.to_owned()),
    };
    let (stated, _) = read::hash_file(file, len).map_err(|e| e.to_string())?;
    if stated == actual {
        Ok(name)
    } else {
        Err(format!(
            "{name} does not match: the file states {stated}, the document's is {actual}"
        ))
    }
}

/// The least a document must be to be taken: JSON naming CSAF 2.0.
fn minimal_csaf(bytes: &[u8]) -> Result<(), String> {
    let v: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|e| format!("not JSON: {e} (line {})", e.line()))?;
    match v.pointer("/document/csaf_version").and_then(|x| x.as_str()) {
        Some("2.0") => Ok(()),
        Some(other) => Err(format!("/document/csaf_version is {other:?}, not 2.0")),
        None => Err("/document/csaf_version is missing: not a CSAF document".into()),
    }
}

/// A [`Fetch`] over a map of URL → body, for tests and for callers that
/// hold a provider's files in memory; anything else answers 404.
#[derive(Debug, Default, Clone)]
pub struct MemoryFetch {
    pub files: BTreeMap<String, Vec<u8>>,
    /// Every URL asked for, in order.
    pub asked: Vec<String>,
}

impl Fetch for MemoryFetch {
    fn get(&mut self, url: &str) -> Result<Fetched, String> {
        self.asked.push(url.to_owned());
        Ok(match self.files.get(url) {
            Some(body) => Fetched {
                status: 200,
                body: body.clone(),
                final_url: url.to_owned(),
                tls: url.starts_with("https://"),
                ..Default::default()
            },
            None => Fetched {
                status: 404,
                final_url: url.to_owned(),
                tls: url.starts_with("https://"),
                ..Default::default()
            },
        })
    }
}
