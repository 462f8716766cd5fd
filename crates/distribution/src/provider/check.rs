//! Judging a provider against CSAF 2.0 §7.1's requirements 1–20, and its
//! claimed role against §7.2's groups of them:
//!
//! - `csaf_publisher`: 1–4;
//! - `csaf_provider`: the publisher's, 5–7, one of 8–10, and either the
//!   directory requirements 11–14 or the ROLIE ones 15–17;
//! - `csaf_trusted_provider`: the provider's and 18–20.
//!
//! Each requirement answers pass, fail or not applicable (a directory
//! requirement of a provider that distributes by ROLIE only, TLP:AMBER
//! access control when there are no such documents), with messages saying
//! what was checked, as a person fixing their provider needs. The names and
//! the judgement of a requirement nobody can check from outside follow the
//! BSI's `csaf_checker` (the reference implementation of the standard's
//! checks): ROLIE service and category documents are optional for a ROLIE
//! provider (a warning when absent), and "one of 8–10" is satisfied by any
//! one of them.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use sha2::{Digest, Sha256, Sha512};

use super::read::{self, Mode, ProviderMetadata, Role};
use super::{Fetch, Fetched, host, resolve};
use crate::openpgp::{self, PublicKeys};

/// The requirements' numbers and names, as §7.1 titles them.
pub const REQUIREMENTS: [(u8, &str); 20] = [
    (1, "Valid CSAF document"),
    (2, "Filename"),
    (3, "TLS"),
    (4, "TLP:WHITE"),
    (5, "TLP:AMBER and TLP:RED"),
    (6, "No redirects"),
    (7, "provider-metadata.json"),
    (8, "security.txt"),
    (9, "Well-known URL for provider-metadata.json"),
    (10, "DNS path"),
    (11, "One folder per year"),
    (12, "index.txt"),
    (13, "changes.csv"),
    (14, "Directory listings"),
    (15, "ROLIE feed"),
    (16, "ROLIE service document"),
    (17, "ROLIE category document"),
    (18, "Integrity"),
    (19, "Signatures"),
    (20, "Public OpenPGP Key"),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Pass,
    Fail,
    NotApplicable,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Pass => "pass",
            Outcome::Fail => "fail",
            Outcome::NotApplicable => "not_applicable",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Info,
    Warning,
    Error,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Message {
    pub level: Level,
    pub text: String,
}

/// One requirement's result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Requirement {
    pub number: u8,
    pub name: &'static str,
    pub outcome: Outcome,
    /// Whether the claimed role needs it (in a one-of group: whether the
    /// group is needed).
    pub required: bool,
    pub messages: Vec<Message>,
}

/// The whole check.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// Where the provider-metadata.json was looked for.
    pub metadata_url: String,
    /// The role provider-metadata.json claims.
    pub role: Option<&'static str>,
    /// Whether every requirement of that role (§7.2) passed.
    pub role_satisfied: bool,
    pub documents_checked: usize,
    pub requirements: Vec<Requirement>,
}

impl Report {
    pub fn requirement(&self, number: u8) -> &Requirement {
        &self.requirements[usize::from(number - 1)]
    }
}

/// What the caller tunes.
#[derive(Debug, Clone)]
pub struct Options {
    /// Documents fetched at most (a provider may publish tens of
    /// thousands); the rest are not looked at, and the report says so.
    pub max_documents: usize,
    /// Whether the caller's transport sends a credential to the provider
    /// (restricted distributions are then read, and a TLP:AMBER document
    /// that comes back is no evidence against requirement 5).
    pub authenticated: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            max_documents: 10_000,
            authenticated: false,
        }
    }
}

/// Requirement 1's document check. Part A's `crate::csaf::validate` is
/// the full one (schema and mandatory tests); until it is wired, the
/// document must be JSON naming CSAF 2.0 with a tracking id.
/// The problems of a document as requirement 1 sees them: the schema's
/// structure and the mandatory tests (`crate::csaf::validate`).
pub fn validate_document(doc: &serde_json::Value) -> Vec<String> {
    crate::csaf::validate(doc)
        .into_iter()
        .map(|p| p.to_string())
        .collect()
}

/// CSAF 2.0 §5.1's file name of a document whose tracking id is `id`.
pub fn expected_filename(id: &str) -> String {
    crate::csaf::filename(id)
}

/// Collects each requirement's messages while the check runs.
struct Findings {
    messages: BTreeMap<u8, Vec<Message>>,
    /// Requirements something was checked for.
    touched: BTreeSet<u8>,
    not_applicable: BTreeSet<u8>,
    /// Restricted distributions that refused an anonymous request, by TLP
    /// label (requirement 5's evidence when the label is AMBER or RED).
    protected: Vec<(String, String)>,
}

impl Findings {
    fn new() -> Self {
        Findings {
            messages: BTreeMap::new(),
            touched: BTreeSet::new(),
            not_applicable: BTreeSet::new(),
            protected: Vec::new(),
        }
    }

    /// A distribution's file at `url` answered 401 or 403. For a TLP:WHITE
    /// distribution that breaks requirement 4; otherwise it is access
    /// protection working (requirement 5), and the distribution's own
    /// requirement `n` is recorded as not checked from outside.
    fn protected(&mut self, n: u8, label: Option<&str>, url: &str, status: u16) {
        match label {
            Some("WHITE" | "CLEAR") => self.error(
                4,
                format!("{url}: HTTP {status} without authentication, yet TLP:WHITE"),
            ),
            Some(l) => {
                self.info(
                    n,
                    format!(
                        "{url}: HTTP {status}: the TLP:{l} distribution is access-protected; \
                         its contents are checked only with a credential"
                    ),
                );
                self.protected.push((l.to_owned(), url.to_owned()));
            }
            None => self.warn(
                n,
                format!(
                    "{url}: HTTP {status}, and no feed says which TLP label this distribution holds"
                ),
            ),
        }
    }
    fn add(&mut self, n: u8, level: Level, text: impl Into<String>) {
        self.touched.insert(n);
        self.messages.entry(n).or_default().push(Message {
            level,
            text: text.into(),
        });
    }
    fn info(&mut self, n: u8, text: impl Into<String>) {
        self.add(n, Level::Info, text);
    }
    fn warn(&mut self, n: u8, text: impl Into<String>) {
        self.add(n, Level::Warning, text);
    }
    fn error(&mut self, n: u8, text: impl Into<String>) {
        self.add(n, Level::Error, text);
    }
    fn has_error(&self, n: u8) -> bool {
        self.messages
            .get(&n)
            .is_some_and(|m| m.iter().any(|m| m.level == Level::Error))
    }
}

/// Every fetch of the check goes through here: requirements 3 (TLS) and 6
/// (redirects) see all of them.
struct Fetcher<'a> {
    fetch: &'a mut dyn Fetch,
    non_tls: BTreeSet<String>,
    redirects: Vec<String>,
    fetched: usize,
}

impl Fetcher<'_> {
    fn get(&mut self, url: &str) -> Result<Fetched, String> {
        let mut current = url.to_owned();
        for _ in 0..=5 {
            let f = self.fetch.get(&current)?;
            self.fetched += 1;
            if !f.tls {
                self.non_tls.insert(current.clone());
            }
            if (300..400).contains(&f.status)
                && let Some(loc) = f.header("location")
                && let Some(next) = resolve(&current, loc)
            {
                self.redirects.push(format!("{current} -> {next}"));
                current = next;
                continue;
            }
            return Ok(f);
        }
        Err(format!("too many redirects from {url}"))
    }

    /// The body of a 2xx answer; `Err(Some(status))` for 401 and 403 (the
    /// caller decides whether that is access protection), `Err(None)` after
    /// recording any other failure as an error of requirement `n`.
    fn guarded(&mut self, f: &mut Findings, n: u8, url: &str) -> Result<Vec<u8>, Option<u16>> {
        match self.get(url) {
            Ok(a) if a.ok() => Ok(a.body),
            Ok(a) if matches!(a.status, 401 | 403) => Err(Some(a.status)),
            Ok(a) => {
                f.error(n, format!("{url}: HTTP {}", a.status));
                Err(None)
            }
            Err(e) => {
                f.error(n, format!("{url}: {e}"));
                Err(None)
            }
        }
    }

    /// The body of a 2xx answer, or a sentence saying why not.
    fn body(&mut self, url: &str) -> Result<Vec<u8>, String> {
        match self.get(url) {
            Ok(f) if f.ok() => Ok(f.body),
            Ok(f) => Err(format!("{url}: HTTP {}", f.status)),
            Err(e) => Err(format!("{url}: {e}")),
        }
    }
}

/// A document found in a distribution.
struct Found {
    url: String,
    /// Relative to the directory (`2024/x.json`), for a directory document.
    dir_path: Option<String>,
    feed_label: Option<String>,
    hash_urls: Vec<String>,
    signature_url: String,
}

/// Checks the provider whose provider-metadata.json is at `url` (or, for a
/// bare domain such as `example.com` or `https://example.com/`, at its
/// `/.well-known/csaf/provider-metadata.json`).
///
/// Returns `Err` only when there is no provider to check: the metadata
/// cannot be fetched or is not JSON.
pub fn check(fetch: &mut dyn Fetch, url: &str, options: &Options) -> Result<Report, String> {
    let metadata_url = metadata_url(url)?;
    let mut f = Findings::new();
    let mut net = Fetcher {
        fetch,
        non_tls: BTreeSet::new(),
        redirects: Vec::new(),
        fetched: 0,
    };

    // 7: the metadata, strictly (the lenient read goes on, so that the other
    // requirements are still checked).
    let body = net.body(&metadata_url)?;
    let pmd = match read::provider_metadata(&body, Mode::Strict) {
        Ok((pmd, _)) => {
            f.info(7, format!("{metadata_url} is valid provider metadata"));
            pmd
        }
        Err(strict) => match read::provider_metadata(&body, Mode::Lenient) {
            Ok((pmd, _)) => {
                f.error(7, format!("{metadata_url}: {strict}"));
                pmd
            }
            Err(e) => return Err(format!("{metadata_url}: {e}")),
        },
    };
    if !pmd.canonical_url.eq_ignore_ascii_case(&metadata_url) {
        f.warn(
            7,
            format!(
                "canonical_url is {}, but the file was read at {metadata_url}",
                pmd.canonical_url
            ),
        );
    }

    let domain = host(&metadata_url).unwrap_or_default().to_owned();
    let origin = super::split_origin(&metadata_url)
        .map(|(o, _)| o.to_owned())
        .unwrap_or_default();
    check_discovery(&mut net, &mut f, &origin, &domain, &metadata_url);

    // 20: the keys.
    let keys = check_keys(&mut net, &mut f, &pmd);

    // Distributions: 11–14, 15–17; and the documents they list.
    let mut found: Vec<Found> = Vec::new();
    let has_directory = pmd.distributions.iter().any(|d| d.directory_url.is_some());
    let has_rolie = pmd.distributions.iter().any(|d| d.rolie.is_some());
    for d in &pmd.distributions {
        if let Some(dir) = &d.directory_url {
            // A directory's label is its feed's, when the distribution has
            // exactly one feed (the metadata says nothing else about it).
            let label = match d.rolie.as_ref().map(|r| r.feeds.as_slice()) {
                Some([one]) => Some(one.tlp_label.as_str()),
                _ => None,
            };
            check_directory(&mut net, &mut f, dir, label, &mut found);
        }
        if let Some(rolie) = &d.rolie {
            check_rolie(&mut net, &mut f, rolie, &mut found);
        }
    }
    if !has_directory {
        for n in 11..=14 {
            f.not_applicable.insert(n);
            f.info(n, "no directory_url distribution");
        }
    }
    if !has_rolie {
        for n in 15..=17 {
            f.not_applicable.insert(n);
            f.info(n, "no ROLIE distribution");
        }
    }
    if pmd.distributions.is_empty() {
        f.error(7, "no distributions: no document can be found");
    }

    // The documents.
    let mut seen = BTreeSet::new();
    found.retain(|d| seen.insert(d.url.clone()));
    if found.len() > options.max_documents {
        f.warn(
            1,
            format!(
                "{} documents listed; the first {} checked",
                found.len(),
                options.max_documents
            ),
        );
        found.truncate(options.max_documents);
    }
    let mut counts = DocCounts::default();
    for d in &found {
        check_document(&mut net, &mut f, d, keys.as_ref(), options, &mut counts);
    }
    summarise_documents(&mut f, &counts, found.len());

    // 3 and 6, over every fetch.
    if net.non_tls.is_empty() {
        f.info(3, format!("all {} requests were HTTPS", net.fetched));
    } else {
        let list: Vec<String> = net.non_tls.iter().take(10).cloned().collect();
        f.error(
            3,
            format!(
                "{} URLs were not fetched over HTTPS, e.g. {}",
                net.non_tls.len(),
                list.join(", ")
            ),
        );
    }
    if net.redirects.is_empty() {
        f.info(6, "no redirects");
    } else {
        for r in net.redirects.iter().take(20) {
            f.error(6, format!("redirect {r}"));
        }
    }

    Ok(finish(f, metadata_url, pmd.role, found.len()))
}

fn metadata_url(url: &str) -> Result<String, String> {
    let url = url.trim();
    if url.ends_with(".json") && (url.starts_with("https://") || url.starts_with("http://")) {
        return Ok(url.to_owned());
    }
    let with_scheme = if url.contains("://") {
        url.to_owned()
    } else {
        format!("https://{url}")
    };
    let (origin, _) = super::split_origin(&with_scheme)
        .filter(|_| host(&with_scheme).is_some())
        .ok_or_else(|| format!("{url:?} is neither a URL nor a domain"))?;
    Ok(format!("{origin}/.well-known/csaf/provider-metadata.json"))
}

/// 8, 9, 10: how the metadata is found.
fn check_discovery(
    net: &mut Fetcher<'_>,
    f: &mut Findings,
    origin: &str,
    domain: &str,
    metadata_url: &str,
) {
    // 9
    let well_known = format!("{origin}/.well-known/csaf/provider-metadata.json");
    match net.body(&well_known) {
        Ok(b) if read::provider_metadata(&b, Mode::Lenient).is_ok() => {
            f.info(9, format!("{well_known} serves the provider metadata"));
        }
        Ok(_) => f.error(9, format!("{well_known} is not provider metadata")),
        Err(e) => f.error(9, e),
    }
    // 8
    let security = format!("{origin}/.well-known/security.txt");
    match net.body(&security) {
        Ok(b) => {
            let text = String::from_utf8_lossy(&b);
            let csaf: Vec<&str> = text
                .lines()
                .filter_map(|l| {
                    let (k, v) = l.split_once(':')?;
                    k.trim().eq_ignore_ascii_case("CSAF").then_some(v.trim())
                })
                .collect();
            if csaf.is_empty() {
                f.error(8, format!("{security} has no CSAF: field"));
            } else if csaf.iter().any(|u| u.eq_ignore_ascii_case(metadata_url)) || csaf.len() == 1 {
                f.info(8, format!("{security} names {}", csaf.join(", ")));
            } else {
                f.warn(
                    8,
                    format!(
                        "{security} names {} but not {metadata_url}",
                        csaf.join(", ")
                    ),
                );
            }
        }
        Err(e) => f.error(8, e),
    }
    // 10
    let dns = format!("https://csaf.data.security.{domain}");
    match net.body(&dns) {
        Ok(b) if read::provider_metadata(&b, Mode::Lenient).is_ok() => {
            f.info(10, format!("{dns} serves the provider metadata"));
        }
        Ok(_) => f.error(10, format!("{dns} does not serve the provider metadata")),
        Err(e) => f.error(10, e),
    }
}

/// 20: every listed key is fetchable and has the stated fingerprint.
fn check_keys(
    net: &mut Fetcher<'_>,
    f: &mut Findings,
    pmd: &ProviderMetadata,
) -> Option<PublicKeys> {
    if pmd.public_openpgp_keys.is_empty() {
        f.error(20, "public_openpgp_keys lists no key");
        return None;
    }
    let mut all: Option<PublicKeys> = None;
    for (i, k) in pmd.public_openpgp_keys.iter().enumerate() {
        let at = format!("public_openpgp_keys[{i}] ({})", k.url);
        let text = match net.body(&k.url) {
            Ok(b) => String::from_utf8_lossy(&b).into_owned(),
            Err(e) => {
                f.error(20, format!("{at}: {e}"));
                continue;
            }
        };
        let keys = match PublicKeys::from_armored(&text) {
            Ok(k) => k,
            Err(e) => {
                f.error(20, format!("{at}: {e}"));
                continue;
            }
        };
        let kept = match &k.fingerprint {
            Some(fp) => match keys.only(std::slice::from_ref(fp)) {
                Some(k) => {
                    f.info(20, format!("{at}: key {fp} loaded"));
                    k
                }
                None => {
                    f.error(
                        20,
                        format!("{at}: holds {:?}, not {fp}", keys.fingerprints()),
                    );
                    continue;
                }
            },
            None => {
                f.warn(20, format!("{at}: no fingerprint stated"));
                keys
            }
        };
        match &mut all {
            Some(a) => a.merge(kept),
            None => all = Some(kept),
        }
    }
    all
}

/// 12, 13, 14 and the directory's documents (11 is judged per document).
/// `label` is the distribution's TLP label when its feed names one.
fn check_directory(
    net: &mut Fetcher<'_>,
    f: &mut Findings,
    dir: &str,
    label: Option<&str>,
    found: &mut Vec<Found>,
) {
    let dir = if dir.ends_with('/') {
        dir.to_owned()
    } else {
        format!("{dir}/")
    };
    let mut paths: Vec<String> = Vec::new();
    let index_url = format!("{dir}index.txt");
    match net.guarded(f, 12, &index_url) {
        Ok(b) => match read::index_txt(&b, Mode::Strict) {
            Ok((p, _)) => {
                f.info(12, format!("{index_url}: {} documents listed", p.len()));
                paths.extend(p);
            }
            Err(e) => f.error(12, format!("{index_url}: {e}")),
        },
        Err(Some(status)) => {
            // An access-protected directory: nothing in it is readable.
            f.protected(12, label, &index_url, status);
            return;
        }
        Err(None) => {}
    }
    let changes_url = format!("{dir}changes.csv");
    match net.guarded(f, 13, &changes_url) {
        Ok(b) => match read::changes_csv(&b, Mode::Strict) {
            Ok((c, _)) => {
                f.info(
                    13,
                    format!("{changes_url}: {} changes, newest first", c.len()),
                );
                let listed: BTreeSet<&String> = paths.iter().collect();
                let missing: Vec<&str> = c
                    .iter()
                    .filter(|c| !listed.contains(&c.path))
                    .map(|c| c.path.as_str())
                    .take(5)
                    .collect();
                if !missing.is_empty() && !paths.is_empty() {
                    f.warn(
                        13,
                        format!(
                            "in changes.csv but not in index.txt: {}",
                            missing.join(", ")
                        ),
                    );
                }
                for ch in c {
                    if !paths.contains(&ch.path) {
                        paths.push(ch.path);
                    }
                }
            }
            Err(e) => f.error(13, format!("{changes_url}: {e}")),
        },
        Err(Some(status)) => f.protected(13, label, &changes_url, status),
        Err(None) => {}
    }
    // 14: the directory and its year folders list their content.
    let years: BTreeSet<&str> = paths.iter().filter_map(|p| p.split('/').next()).collect();
    match net.body(&dir) {
        Ok(b) => {
            let listing = String::from_utf8_lossy(&b);
            let unlisted: Vec<&&str> = years.iter().filter(|y| !listing.contains(**y)).collect();
            if unlisted.is_empty() {
                f.info(14, format!("{dir} lists its folders"));
            } else {
                f.error(14, format!("{dir} does not list {unlisted:?}"));
            }
        }
        Err(e) => f.error(14, format!("no directory listing: {e}")),
    }
    for y in &years {
        let folder = format!("{dir}{y}/");
        match net.body(&folder) {
            Ok(b) => {
                let listing = String::from_utf8_lossy(&b);
                let absent: Vec<&str> = paths
                    .iter()
                    .filter(|p| p.starts_with(&format!("{y}/")))
                    .filter_map(|p| p.rsplit('/').next())
                    .filter(|name| !listing.contains(name))
                    .take(5)
                    .collect();
                if !absent.is_empty() {
                    f.error(14, format!("{folder} does not list {}", absent.join(", ")));
                }
            }
            Err(e) => f.error(14, format!("no directory listing: {e}")),
        }
    }
    for p in paths {
        let Some(url) = resolve(&dir, &p) else {
            continue;
        };
        found.push(Found {
            hash_urls: vec![format!("{url}.sha256"), format!("{url}.sha512")],
            signature_url: format!("{url}.asc"),
            dir_path: Some(p),
            feed_label: None,
            url,
        });
    }
}

/// 15, 16, 17 and the feeds' documents.
fn check_rolie(
    net: &mut Fetcher<'_>,
    f: &mut Findings,
    rolie: &read::Rolie,
    found: &mut Vec<Found>,
) {
    let mut labels = BTreeSet::new();
    for feed in &rolie.feeds {
        if !labels.insert(feed.tlp_label.clone()) {
            f.error(15, format!("more than one feed for TLP:{}", feed.tlp_label));
        }
        let body = match net.guarded(f, 15, &feed.url) {
            Ok(b) => b,
            Err(Some(status)) => {
                f.protected(15, Some(&feed.tlp_label), &feed.url, status);
                continue;
            }
            Err(None) => continue,
        };
        let parsed = match read::rolie_feed(&body, Mode::Strict) {
            Ok((p, _)) => p,
            Err(strict) => {
                f.error(15, format!("{}: {strict}", feed.url));
                match read::rolie_feed(&body, Mode::Lenient) {
                    Ok((p, _)) => p,
                    Err(_) => continue,
                }
            }
        };
        f.info(
            15,
            format!("{}: {} entries", feed.url, parsed.entries.len()),
        );
        for e in parsed.entries {
            let Some(url) = resolve(&feed.url, &e.url) else {
                f.error(
                    15,
                    format!("{}: entry {:?} has no usable URL", feed.url, e.id),
                );
                continue;
            };
            if e.hash_urls.is_empty() {
                f.error(18, format!("{}: entry {:?} links no hash", feed.url, e.id));
            }
            if e.signature_url.is_none() {
                f.error(
                    19,
                    format!("{}: entry {:?} links no signature", feed.url, e.id),
                );
            }
            found.push(Found {
                hash_urls: e
                    .hash_urls
                    .iter()
                    .filter_map(|h| resolve(&feed.url, h))
                    .collect(),
                signature_url: e
                    .signature_url
                    .as_deref()
                    .and_then(|s| resolve(&feed.url, s))
                    .unwrap_or_else(|| format!("{url}.asc")),
                dir_path: None,
                feed_label: Some(feed.tlp_label.clone()),
                url,
            });
        }
    }
    if rolie.services.is_empty() {
        f.warn(16, "no ROLIE service document listed");
    }
    for s in &rolie.services {
        match net
            .body(s)
            .map(|b| serde_json::from_slice::<serde_json::Value>(&b))
        {
            Ok(Ok(v))
                if v.pointer("/service/workspace")
                    .is_some_and(|w| w.is_array()) =>
            {
                f.info(16, format!("{s} is a ROLIE service document"));
            }
            Ok(_) => f.error(
                16,
                format!("{s} is not a ROLIE service document (service.workspace)"),
            ),
            Err(e) => f.error(16, e),
        }
    }
    if rolie.categories.is_empty() {
        f.warn(17, "no ROLIE category document listed");
    }
    let label = match rolie.feeds.as_slice() {
        [one] => Some(one.tlp_label.as_str()),
        _ => None,
    };
    for c in &rolie.categories {
        let body = match net.guarded(f, 17, c) {
            Ok(b) => b,
            Err(Some(status)) => {
                f.protected(17, label, c, status);
                continue;
            }
            Err(None) => continue,
        };
        match serde_json::from_slice::<serde_json::Value>(&body) {
            Ok(v)
                if v.pointer("/categories/category")
                    .is_some_and(|w| w.is_array()) =>
            {
                f.info(17, format!("{c} is a ROLIE category document"));
            }
            _ => f.error(
                17,
                format!("{c} is not a ROLIE category document (categories.category)"),
            ),
        }
    }
}

#[derive(Default)]
struct DocCounts {
    fetched: usize,
    valid: usize,
    white: usize,
    amber_red: usize,
    hashed: usize,
    signed: usize,
    /// TLP:AMBER/RED documents read with the caller's credential.
    read_with_credential: usize,
}

fn check_document(
    net: &mut Fetcher<'_>,
    f: &mut Findings,
    d: &Found,
    keys: Option<&PublicKeys>,
    options: &Options,
    counts: &mut DocCounts,
) {
    let answer = match net.get(&d.url) {
        Ok(a) => a,
        Err(e) => {
            f.error(1, format!("{}: {e}", d.url));
            return;
        }
    };
    let label_of_feed = d.feed_label.as_deref().unwrap_or("");
    if !answer.ok() {
        if matches!(answer.status, 401 | 403) {
            if matches!(label_of_feed, "AMBER" | "RED") {
                counts.amber_red += 1;
            } else {
                f.error(
                    4,
                    format!("{}: HTTP {} without authentication", d.url, answer.status),
                );
            }
        } else {
            f.error(1, format!("{}: HTTP {}", d.url, answer.status));
        }
        return;
    }
    counts.fetched += 1;
    let bytes = answer.body;

    // 18 and 19 first: they hold for any bytes.
    let mut any_hash = false;
    for h in &d.hash_urls {
        let (len, actual) = if h.ends_with(".sha512") {
            (128, hex::encode(Sha512::digest(&bytes)))
        } else {
            (64, hex::encode(Sha256::digest(&bytes)))
        };
        match net.get(h) {
            Ok(a) if a.ok() => match read::hash_file(&a.body, len) {
                Ok((stated, _)) if stated == actual => any_hash = true,
                Ok((stated, _)) => f.error(
                    18,
                    format!("{h}: states {stated}, the document's is {actual}"),
                ),
                Err(e) => f.error(18, format!("{h}: {e}")),
            },
            Ok(_) | Err(_) if d.feed_label.is_some() => {
                f.error(18, format!("{h}: linked but not fetched"))
            }
            _ => {}
        }
    }
    if any_hash {
        counts.hashed += 1;
    } else {
        f.error(18, format!("{}: no matching .sha256 or .sha512", d.url));
    }

    // 19
    match net.body(&d.signature_url) {
        Ok(sig) => match keys {
            Some(k) => match openpgp::verify_detached(k, &bytes, &sig) {
                Ok(_) => counts.signed += 1,
                Err(e) => f.error(19, format!("{}: {e}", d.signature_url)),
            },
            None => f.error(
                19,
                format!("{}: no provider key to verify it with", d.signature_url),
            ),
        },
        Err(e) => f.error(19, format!("no signature: {e}")),
    }

    // 1
    let doc: serde_json::Value = match serde_json::from_slice(&bytes) {
        Ok(v) => v,
        Err(e) => {
            f.error(1, format!("{}: not JSON: {e}", d.url));
            return;
        }
    };
    let problems = validate_document(&doc);
    if problems.is_empty() {
        counts.valid += 1;
    } else {
        for p in problems.iter().take(5) {
            f.error(1, format!("{}: {p}", d.url));
        }
    }

    // 2
    let name = d.url.rsplit('/').next().unwrap_or("");
    if let Some(id) = doc
        .pointer("/document/tracking/id")
        .and_then(|v| v.as_str())
    {
        let want = expected_filename(id);
        if name != want {
            f.error(
                2,
                format!(
                    "{}: named {name}, its tracking id {id:?} gives {want}",
                    d.url
                ),
            );
        } else {
            f.touched.insert(2);
        }
    }

    // 4, 5
    let label = doc
        .pointer("/document/distribution/tlp/label")
        .and_then(|v| v.as_str())
        .unwrap_or("");
    match label {
        "WHITE" | "CLEAR" => counts.white += 1,
        "AMBER" | "RED" if options.authenticated => counts.read_with_credential += 1,
        "AMBER" | "RED" => f.error(
            5,
            format!("{}: TLP:{label}, yet fetched without authentication", d.url),
        ),
        _ => {}
    }
    if d.feed_label.as_deref().is_some_and(|l| l != "UNLABELED")
        && !label.is_empty()
        && label_of_feed != label
    {
        f.error(
            15,
            format!("{}: TLP:{label} in a TLP:{label_of_feed} feed", d.url),
        );
    }

    // 11
    if let Some(p) = &d.dir_path {
        let year = doc
            .pointer("/document/tracking/initial_release_date")
            .and_then(|v| v.as_str())
            .and_then(|s| s.get(..4));
        let folder = p.split('/').next().unwrap_or("");
        match year {
            Some(y) if p.matches('/').count() == 1 && folder == y => {}
            Some(y) => f.error(11, format!("{}: in {folder:?}, released in {y}", d.url)),
            None => f.error(11, format!("{}: no initial_release_date", d.url)),
        }
        f.touched.insert(11);
    }
}

fn summarise_documents(f: &mut Findings, c: &DocCounts, listed: usize) {
    f.info(
        1,
        format!(
            "{} of {listed} listed documents fetched, {} valid",
            c.fetched, c.valid
        ),
    );
    if listed == 0 {
        f.error(1, "no document found in any distribution");
    }
    if c.fetched > 0 {
        f.touched.insert(2);
        if !f.has_error(2) {
            f.info(2, "every file name follows the tracking id");
        }
    }
    if c.white > 0 {
        f.info(
            4,
            format!(
                "{} TLP:WHITE documents fetched without authentication",
                c.white
            ),
        );
    } else if !f.has_error(4) {
        f.info(4, "no TLP:WHITE document found");
    }
    if !f.has_error(5) {
        let protected: Vec<String> = f
            .protected
            .iter()
            .filter(|(l, _)| matches!(l.as_str(), "AMBER" | "RED"))
            .map(|(l, u)| format!("TLP:{l} at {u}"))
            .collect();
        if c.amber_red == 0 && protected.is_empty() {
            if c.read_with_credential > 0 {
                f.info(
                    5,
                    format!(
                        "{} TLP:AMBER/RED documents read with the credential given; \
                         without it they must not be readable (run the check without one to see)",
                        c.read_with_credential
                    ),
                );
            } else {
                f.not_applicable.insert(5);
                f.info(5, "no TLP:AMBER or TLP:RED document found");
            }
        } else {
            if c.amber_red > 0 {
                f.info(
                    5,
                    format!(
                        "{} TLP:AMBER/RED documents were access-protected",
                        c.amber_red
                    ),
                );
            }
            if !protected.is_empty() {
                f.info(
                    5,
                    format!("refused without authentication: {}", protected.join(", ")),
                );
            }
        }
    }
    if f.touched.contains(&11) && !f.has_error(11) {
        f.info(11, "every document is in the folder of its release year");
    }
    if c.fetched > 0 {
        f.info(
            18,
            format!(
                "{} of {} documents with a matching hash",
                c.hashed, c.fetched
            ),
        );
        f.info(
            19,
            format!(
                "{} of {} documents with a verified signature",
                c.signed, c.fetched
            ),
        );
    }
}

fn finish(mut f: Findings, metadata_url: String, role: Role, documents: usize) -> Report {
    let required = |n: u8| -> bool {
        match role {
            Role::Publisher => n <= 4,
            Role::Provider => n <= 17,
            Role::TrustedProvider => true,
        }
    };
    let requirements: Vec<Requirement> = REQUIREMENTS
        .iter()
        .map(|(n, name)| {
            let outcome = if f.has_error(*n) {
                Outcome::Fail
            } else if f.not_applicable.contains(n) {
                Outcome::NotApplicable
            } else {
                Outcome::Pass
            };
            Requirement {
                number: *n,
                name,
                outcome,
                required: required(*n),
                messages: f.messages.remove(n).unwrap_or_default(),
            }
        })
        .collect();
    let pass = |n: u8| requirements[usize::from(n - 1)].outcome == Outcome::Pass;
    let all = |ns: &[u8]| ns.iter().all(|n| pass(*n));
    let publisher = all(&[1, 2, 3, 4]);
    let provider = publisher
        && requirements[4].outcome != Outcome::Fail
        && all(&[6, 7])
        && [8, 9, 10].iter().any(|n| pass(*n))
        && (all(&[11, 12, 13, 14]) || all(&[15, 16, 17]));
    let trusted = provider && all(&[18, 19, 20]);
    let role_satisfied = match role {
        Role::Publisher => publisher,
        Role::Provider => provider,
        Role::TrustedProvider => trusted,
    };
    Report {
        metadata_url,
        role: Some(role.as_str()),
        role_satisfied,
        documents_checked: documents,
        requirements,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filenames_follow_the_tracking_id() {
        assert_eq!(expected_filename("ICSA-24-298-03"), "icsa-24-298-03.json");
        assert_eq!(
            expected_filename("Example Co: SA 2021/01"),
            "example_co_sa_2021_01.json"
        );
        assert_eq!(expected_filename("a+b"), "a+b.json");
    }

    #[test]
    fn metadata_urls() {
        assert_eq!(
            metadata_url("example.com").unwrap(),
            "https://example.com/.well-known/csaf/provider-metadata.json"
        );
        assert_eq!(
            metadata_url("https://x.example/a/provider-metadata.json").unwrap(),
            "https://x.example/a/provider-metadata.json"
        );
        assert!(metadata_url("").is_err());
    }
}
