//! The files of a CSAF 2.0 trusted provider (§7.1, requirements 1–20), as
//! bytes: `provider-metadata.json`, the directory listings (`index.txt`,
//! `changes.csv`, a folder per year), ROLIE feeds per TLP label with their
//! service and category documents, and the hash files. The documents
//! themselves, their signatures and the OpenPGP key are the caller's: this
//! module only says which path names which document.
//!
//! Layout, relative to `<base>/.well-known/csaf/`:
//!
//! ```text
//! provider-metadata.json                      requirement 7, the entry point
//! service.json                                ROLIE service document (§7.1.16)
//! openpgp/<FINGERPRINT>.asc                   the public key (requirement 19's key)
//! <dir>/feed-tlp-<label>.json                 ROLIE feed of one label (§7.1.15)
//! <dir>/category-vendors.json                 ROLIE category document (§7.1.17)
//! <dir>/index.txt                             §7.1.13
//! <dir>/changes.csv                           §7.1.14, newest first
//! <dir>/<year>/<file>.json[.sha256|.sha512|.asc]
//! <dir>/ and <dir>/<year>/                    HTML directory listings (§7.1.14)
//! ```
//!
//! `<dir>` is the TLP 2.0 word (`clear`, `green`, `amber`, `red`), which is
//! what the program marks with; the labels *inside* the documents are CSAF
//! 2.0's TLP 1.0 ones (`WHITE` for CLEAR), since the provider metadata schema
//! knows only those, and the feed file names follow the standard's examples
//! (`feed-tlp-white.json`). AMBER+STRICT has no CSAF 2.0 label: it is served
//! in the AMBER directory and feed (the policy still decides who reads each
//! document). One directory per label, so a web server or proxy in front can
//! put the restricted ones behind authentication by path (requirement 4
//! wants TLP:CLEAR documents readable without it, the others not).
//!
//! The year folder is the year of `initial_release_date` (requirement 11),
//! so a document's path never moves when it is revised.
//!
//! [`ProviderFiles::build`] is the whole plan for a set of documents. It is
//! meant to be built once per change of the published set and shared (the
//! application caches it): no document is hashed or parsed here, so a
//! regeneration costs the listings only.

use std::collections::{BTreeSet, HashMap};
use std::fmt::Write as _;
use std::sync::Arc;

use bulwark_core::Tlp;
use serde::Serialize;
use serde_json::json;
use sha2::{Digest, Sha256, Sha512};
use time::OffsetDateTime;

use crate::model::Publisher;

/// Where the provider's tree starts, under the server's public base URL.
pub const WELL_KNOWN: &str = "/.well-known/csaf";
/// The CSAF 2.0 JSON schema a feed entry names in `format.schema`.
pub const CSAF_SCHEMA: &str = "https://docs.oasis-open.org/csaf/csaf/v2.0/csaf_json_schema.json";
/// The ROLIE information-type category every CSAF feed carries.
const ROLIE_INFORMATION_TYPE: &str = "urn:ietf:params:rolie:category:information-type";

/// A distribution label: one directory and one ROLIE feed each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Label {
    White,
    Green,
    Amber,
    Red,
}

impl Label {
    /// Every label, least restrictive first.
    pub const ALL: [Label; 4] = [Label::White, Label::Green, Label::Amber, Label::Red];

    /// The label a document marked `tlp` is distributed under.
    pub fn of(tlp: Tlp) -> Label {
        match tlp {
            Tlp::Clear => Label::White,
            Tlp::Green => Label::Green,
            Tlp::Amber | Tlp::AmberStrict => Label::Amber,
            Tlp::Red => Label::Red,
        }
    }

    /// The directory under `/.well-known/csaf/` (the TLP 2.0 word).
    pub fn dir(self) -> &'static str {
        match self {
            Label::White => "clear",
            Label::Green => "green",
            Label::Amber => "amber",
            Label::Red => "red",
        }
    }

    /// The directory name read back, for routing.
    pub fn from_dir(dir: &str) -> Option<Label> {
        Label::ALL.into_iter().find(|l| l.dir() == dir)
    }

    /// CSAF 2.0's (TLP 1.0) spelling, as `tlp_label` and feed titles use it.
    pub fn csaf_label(self) -> &'static str {
        match self {
            Label::White => "WHITE",
            Label::Green => "GREEN",
            Label::Amber => "AMBER",
            Label::Red => "RED",
        }
    }

    /// `feed-tlp-white.json` and so on, as the standard's examples name them.
    pub fn feed_file(self) -> String {
        format!("feed-tlp-{}.json", self.csaf_label().to_ascii_lowercase())
    }

    /// Readable without authentication (requirement 4: TLP:WHITE only).
    pub fn is_public(self) -> bool {
        self == Label::White
    }
}

/// What the provider says about itself; from the server's settings.
#[derive(Debug, Clone)]
pub struct Site {
    /// The public base URL, scheme and authority (and a path prefix if any),
    /// without a trailing slash: `https://bulwark.example.gov`. The standard
    /// wants `https` (requirement 3); `http` is accepted for loopback tests.
    pub base_url: String,
    pub publisher: Publisher,
    /// Fingerprints (40 upper-case hex digits) of the keys documents are
    /// signed with; each is published at `openpgp/<FINGERPRINT>.asc`.
    pub key_fingerprints: Vec<String>,
    /// The labels this provider distributes; each gets a directory and a
    /// feed even while it holds no document, so that provider-metadata does
    /// not change shape when the first one is published.
    pub labels: Vec<Label>,
    pub list_on_aggregators: bool,
    pub mirror_on_aggregators: bool,
}

impl Site {
    /// `<base>/.well-known/csaf/<rel>`.
    pub fn url(&self, rel: &str) -> String {
        format!("{}{WELL_KNOWN}/{rel}", self.base_url)
    }

    /// The URL of the public key with `fingerprint`.
    pub fn key_url(&self, fingerprint: &str) -> String {
        self.url(&format!("openpgp/{fingerprint}.asc"))
    }
}

/// One published CSAF document, as the listings need it (never its bytes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// `/document/tracking/id`.
    pub tracking_id: String,
    /// `/document/title`: the feed entry's title.
    pub title: String,
    pub tlp: Tlp,
    pub initial_release_date: OffsetDateTime,
    pub current_release_date: OffsetDateTime,
    /// Terms for the label's category document (vendor names, say).
    pub categories: Vec<String>,
}

impl Entry {
    /// The file name by CSAF 2.0 §5.1.
    pub fn file_name(&self) -> String {
        filename(&self.tracking_id)
    }

    /// `<year>/<file>.json`: the path within its label's directory.
    pub fn dir_path(&self) -> String {
        format!(
            "{}/{}",
            self.initial_release_date
                .to_offset(time::UtcOffset::UTC)
                .year(),
            self.file_name()
        )
    }

    /// `<dir>/<year>/<file>.json`, relative to `/.well-known/csaf/`.
    pub fn path(&self) -> String {
        format!("{}/{}", Label::of(self.tlp).dir(), self.dir_path())
    }
}

/// The file name of a document (CSAF 2.0 §5.1): [`crate::csaf::filename`].
pub fn filename(tracking_id: &str) -> String {
    crate::csaf::filename(tracking_id)
}

/// Which digest a hash file carries (requirement 18).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HashKind {
    Sha256,
    Sha512,
}

/// A hash file's content as `sha256sum`/`sha512sum` write it:
/// `<hex>  <filename>\n` (two spaces: text mode).
pub fn hash_file(kind: HashKind, data: &[u8], file_name: &str) -> String {
    let hex = match kind {
        HashKind::Sha256 => hex::encode(Sha256::digest(data)),
        HashKind::Sha512 => hex::encode(Sha512::digest(data)),
    };
    format!("{hex}  {file_name}\n")
}

fn rfc3339(t: OffsetDateTime) -> String {
    bulwark_core::rfc3339(t)
}

/// `provider-metadata.json` (requirement 7, §7.1.20; the provider JSON
/// schema): role `csaf_trusted_provider`, one distribution per label with
/// its directory and ROLIE feed, the public keys.
pub fn provider_metadata(site: &Site, last_updated: OffsetDateTime) -> serde_json::Value {
    let distributions: Vec<serde_json::Value> = site
        .labels
        .iter()
        .map(|&label| {
            json!({
                "directory_url": site.url(label.dir()),
                "rolie": {
                    "feeds": [{
                        "summary": format!("All TLP:{} advisories of {}.",
                            label.csaf_label(), site.publisher.name),
                        "tlp_label": label.csaf_label(),
                        "url": site.url(&format!("{}/{}", label.dir(), label.feed_file())),
                    }],
                    "services": [site.url("service.json")],
                    "categories": [site.url(&format!("{}/category-vendors.json", label.dir()))],
                }
            })
        })
        .collect();
    let keys: Vec<serde_json::Value> = site
        .key_fingerprints
        .iter()
        .map(|fp| json!({"fingerprint": fp, "url": site.key_url(fp)}))
        .collect();
    let mut publisher = json!({
        "category": site.publisher.category,
        "name": site.publisher.name,
        "namespace": site.publisher.namespace,
    });
    if let Some(c) = &site.publisher.contact_details {
        publisher["contact_details"] = json!(c);
    }
    if let Some(a) = &site.publisher.issuing_authority {
        publisher["issuing_authority"] = json!(a);
    }
    json!({
        "canonical_url": site.url("provider-metadata.json"),
        "distributions": distributions,
        "last_updated": rfc3339(last_updated),
        "list_on_CSAF_aggregators": site.list_on_aggregators,
        "metadata_version": "2.0",
        "mirror_on_CSAF_aggregators": site.mirror_on_aggregators,
        "public_openpgp_keys": keys,
        "publisher": publisher,
        "role": "csaf_trusted_provider",
    })
}

/// The ROLIE service document (§7.1.16): one collection per label's feed,
/// the public one in its own workspace.
pub fn service_document(site: &Site) -> serde_json::Value {
    let collection = |label: Label| {
        let mut categories = vec![json!({"scheme": ROLIE_INFORMATION_TYPE, "term": "csaf"})];
        if !label.is_public() {
            categories
                .push(json!({"scheme": "https://www.first.org/tlp/", "term": label.csaf_label()}));
        }
        json!({
            "title": feed_title(site, label),
            "href": site.url(&format!("{}/{}", label.dir(), label.feed_file())),
            "categories": {"category": categories},
        })
    };
    let public: Vec<_> = site
        .labels
        .iter()
        .copied()
        .filter(|l| l.is_public())
        .map(collection)
        .collect();
    let private: Vec<_> = site
        .labels
        .iter()
        .copied()
        .filter(|l| !l.is_public())
        .map(collection)
        .collect();
    let mut workspaces = Vec::new();
    if !public.is_empty() {
        workspaces.push(json!({"title": "Public CSAF feed", "collection": public}));
    }
    if !private.is_empty() {
        workspaces.push(json!({"title": "Restricted CSAF feeds (authentication required)", "collection": private}));
    }
    json!({"service": {"workspace": workspaces}})
}

fn feed_title(site: &Site, label: Label) -> String {
    format!(
        "{} CSAF feed (TLP:{})",
        site.publisher.name,
        label.csaf_label()
    )
}

/// A ROLIE category document (§7.1.17): the distinct terms of `entries`.
pub fn category_document<'a>(entries: impl IntoIterator<Item = &'a Entry>) -> serde_json::Value {
    let terms: BTreeSet<&str> = entries
        .into_iter()
        .flat_map(|e| e.categories.iter().map(String::as_str))
        .collect();
    let category: Vec<_> = terms.into_iter().map(|t| json!({"term": t})).collect();
    json!({"categories": {"category": category}})
}

#[derive(Serialize)]
struct Link<'a> {
    rel: &'a str,
    href: String,
}

#[derive(Serialize)]
struct Content {
    #[serde(rename = "type")]
    kind: &'static str,
    src: String,
}

#[derive(Serialize)]
struct Format {
    schema: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct FeedEntry<'a> {
    id: &'a str,
    title: &'a str,
    link: [Link<'a>; 4],
    published: String,
    updated: String,
    content: Content,
    format: Format,
}

#[derive(Serialize)]
struct Category<'a> {
    scheme: &'a str,
    term: &'a str,
}

#[derive(Serialize)]
struct Feed<'a> {
    id: String,
    title: String,
    link: [Link<'a>; 1],
    category: Vec<Category<'a>>,
    updated: String,
    entry: Vec<FeedEntry<'a>>,
}

#[derive(Serialize)]
struct FeedDoc<'a> {
    feed: Feed<'a>,
}

/// A label's ROLIE feed (requirement 15, §7.1.15) over `entries` (all of
/// that label), newest first: each entry with its self, hash (SHA-512) and
/// signature links, `published` = initial and `updated` = current release
/// date, the JSON content and the CSAF 2.0 format. Serialized directly, as
/// this is the one file whose size grows with the published set.
pub fn rolie_feed(
    site: &Site,
    label: Label,
    entries: &[&Entry],
    updated: OffsetDateTime,
) -> Vec<u8> {
    let mut sorted: Vec<&&Entry> = entries.iter().collect();
    sorted.sort_by(|a, b| {
        b.current_release_date
            .cmp(&a.current_release_date)
            .then_with(|| a.tracking_id.cmp(&b.tracking_id))
    });
    let entry = sorted
        .into_iter()
        .map(|e| {
            let src = site.url(&e.path());
            FeedEntry {
                id: &e.tracking_id,
                title: &e.title,
                link: [
                    Link {
                        rel: "self",
                        href: src.clone(),
                    },
                    Link {
                        rel: "hash",
                        href: format!("{src}.sha256"),
                    },
                    Link {
                        rel: "hash",
                        href: format!("{src}.sha512"),
                    },
                    Link {
                        rel: "signature",
                        href: format!("{src}.asc"),
                    },
                ],
                published: rfc3339(e.initial_release_date),
                updated: rfc3339(e.current_release_date),
                content: Content {
                    kind: "application/json",
                    src,
                },
                format: Format {
                    schema: CSAF_SCHEMA,
                    version: "2.0",
                },
            }
        })
        .collect();
    let mut category = vec![Category {
        scheme: ROLIE_INFORMATION_TYPE,
        term: "csaf",
    }];
    if !label.is_public() {
        category.push(Category {
            scheme: "https://www.first.org/tlp/",
            term: label.csaf_label(),
        });
    }
    let doc = FeedDoc {
        feed: Feed {
            id: format!(
                "{}-csaf-feed-tlp-{}",
                host_slug(&site.base_url),
                label.csaf_label().to_ascii_lowercase()
            ),
            title: feed_title(site, label),
            link: [Link {
                rel: "self",
                href: site.url(&format!("{}/{}", label.dir(), label.feed_file())),
            }],
            category,
            updated: rfc3339(updated),
            entry,
        },
    };
    // Serializing plain structs of strings cannot fail.
    serde_json::to_vec(&doc).unwrap_or_default()
}

/// The host of `base_url`, for a feed id that differs between providers.
fn host_slug(base_url: &str) -> String {
    let rest = base_url.split("://").nth(1).unwrap_or(base_url);
    let host = rest.split(['/', ':']).next().unwrap_or(rest);
    host.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect()
}

/// `changes.csv` (requirement 14, §7.1.14): `"<year>/<file>.json","<current
/// release date>"`, newest first (ties by path, so the file is stable).
pub fn changes_csv(entries: &[&Entry]) -> String {
    let mut rows: Vec<(OffsetDateTime, String)> = entries
        .iter()
        .map(|e| (e.current_release_date, e.dir_path()))
        .collect();
    rows.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    let mut out = String::with_capacity(rows.len() * 56);
    for (t, path) in rows {
        // File names hold no `"` (§5.1), so no quoting inside is needed.
        let _ = writeln!(out, "\"{path}\",\"{}\"", rfc3339(t));
    }
    out
}

/// `index.txt` (requirement 13, §7.1.13): every document's path, one a
/// line, in path order.
pub fn index_txt(entries: &[&Entry]) -> String {
    let mut paths: Vec<String> = entries.iter().map(|e| e.dir_path()).collect();
    paths.sort();
    let mut out = String::with_capacity(paths.len() * 28);
    for p in paths {
        out.push_str(&p);
        out.push('\n');
    }
    out
}

/// The listings of one label's directory: `(path relative to
/// /.well-known/csaf/, names)` for `<dir>/` (the generated files and the
/// year folders) and each `<dir>/<year>/` (every document with its hash
/// and signature files), names sorted.
fn listings(label: Label, list: &[&Entry]) -> Vec<(String, Vec<String>)> {
    let dir = label.dir();
    let mut years: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for e in list {
        let (year, name) = e
            .dir_path()
            .split_once('/')
            .map(|(y, n)| (y.to_owned(), n.to_owned()))
            .unwrap_or_default();
        let files = years.entry(year).or_default();
        for suffix in ["", ".asc", ".sha256", ".sha512"] {
            files.push(format!("{name}{suffix}"));
        }
    }
    let mut top: Vec<String> = vec![
        label.feed_file(),
        "category-vendors.json".into(),
        "changes.csv".into(),
        "index.txt".into(),
    ];
    top.extend(years.keys().map(|y| format!("{y}/")));
    top.sort();
    let mut out = vec![(format!("{dir}/"), top)];
    for (year, mut names) in years {
        names.sort();
        out.push((format!("{dir}/{year}/"), names));
    }
    out
}

/// A directory listing as web servers write them (requirement 14 wants the
/// folders browsable): one link per name, relative, HTML-escaped.
pub fn directory_listing(path: &str, names: &[String]) -> String {
    let esc = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
    };
    let mut out = String::with_capacity(200 + names.len() * 80);
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\"><title>Index of {p}</title></head>\n<body>\n<h1>Index of {p}</h1>\n<ul>\n",
        p = esc(path)
    );
    if path.trim_end_matches('/') != WELL_KNOWN {
        out.push_str("<li><a href=\"../\">../</a></li>\n");
    }
    for n in names {
        let n = esc(n);
        let _ = writeln!(out, "<li><a href=\"{n}\">{n}</a></li>");
    }
    out.push_str("</ul>\n</body>\n</html>\n");
    out
}

/// What a path of the provider's tree is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found<'a> {
    /// A generated file: its bytes and media type.
    File {
        bytes: &'a Arc<[u8]>,
        content_type: &'static str,
    },
    /// The document at `index` of the entries given to
    /// [`ProviderFiles::build`], in the form `kind`; the caller has the bytes
    /// (and the stored signature).
    Document { index: usize, kind: DocKind },
    /// The public key with this fingerprint (`openpgp/<FP>.asc`).
    PublicKey { fingerprint: &'a str },
}

/// The forms a document is served in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocKind {
    Json,
    Sha256,
    Sha512,
    /// The detached OpenPGP signature, ASCII-armoured.
    Signature,
}

impl DocKind {
    pub fn content_type(self) -> &'static str {
        match self {
            DocKind::Json => "application/json",
            DocKind::Sha256 | DocKind::Sha512 => "text/plain; charset=utf-8",
            DocKind::Signature => "application/pgp-signature",
        }
    }
}

/// The whole tree for a set of published documents: generated files by
/// path, documents by path. Paths are relative to `/.well-known/csaf/`.
#[derive(Debug, Clone)]
pub struct ProviderFiles {
    files: HashMap<String, (Arc<[u8]>, &'static str)>,
    documents: HashMap<String, usize>,
    fingerprints: Vec<String>,
    /// The newest `current_release_date` (or the fallback): what
    /// `last_updated` and each feed's `updated` say.
    pub last_updated: OffsetDateTime,
}

impl ProviderFiles {
    /// Plans the tree for `entries` (any labels; entries whose label the
    /// site does not distribute are left out). `empty_since` is what
    /// `last_updated` says while nothing is published.
    pub fn build(site: &Site, entries: &[Entry], empty_since: OffsetDateTime) -> ProviderFiles {
        let last_updated = entries
            .iter()
            .map(|e| e.current_release_date)
            .max()
            .unwrap_or(empty_since);
        let mut files: HashMap<String, (Arc<[u8]>, &'static str)> = HashMap::new();
        let mut put = |path: String, bytes: Vec<u8>, ct: &'static str| {
            files.insert(path, (Arc::from(bytes), ct));
        };
        put(
            "provider-metadata.json".into(),
            to_pretty(&provider_metadata(site, last_updated)),
            "application/json",
        );
        put(
            "service.json".into(),
            to_pretty(&service_document(site)),
            "application/json",
        );

        let mut documents = HashMap::with_capacity(entries.len());
        let mut by_label: HashMap<Label, Vec<&Entry>> = HashMap::new();
        for (i, e) in entries.iter().enumerate() {
            let label = Label::of(e.tlp);
            if !site.labels.contains(&label) {
                continue;
            }
            documents.insert(e.path(), i);
            by_label.entry(label).or_default().push(e);
        }
        for &label in &site.labels {
            let list = by_label.get(&label).map(Vec::as_slice).unwrap_or(&[]);
            let dir = label.dir();
            let updated = list
                .iter()
                .map(|e| e.current_release_date)
                .max()
                .unwrap_or(empty_since);
            put(
                format!("{dir}/{}", label.feed_file()),
                rolie_feed(site, label, list, updated),
                "application/json",
            );
            put(
                format!("{dir}/category-vendors.json"),
                to_pretty(&category_document(list.iter().copied())),
                "application/json",
            );
            put(
                format!("{dir}/index.txt"),
                index_txt(list).into_bytes(),
                "text/plain; charset=utf-8",
            );
            put(
                format!("{dir}/changes.csv"),
                changes_csv(list).into_bytes(),
                "text/csv; charset=utf-8",
            );
            for (folder, names) in listings(label, list) {
                let html = directory_listing(&format!("{WELL_KNOWN}/{folder}"), &names);
                put(folder, html.into_bytes(), "text/html; charset=utf-8");
            }
        }
        put(
            String::new(),
            directory_listing(
                &format!("{WELL_KNOWN}/"),
                &std::iter::once("provider-metadata.json".to_owned())
                    .chain(std::iter::once("service.json".to_owned()))
                    .chain(std::iter::once("openpgp/".to_owned()))
                    .chain(site.labels.iter().map(|l| format!("{}/", l.dir())))
                    .collect::<Vec<_>>(),
            )
            .into_bytes(),
            "text/html; charset=utf-8",
        );
        put(
            "openpgp/".into(),
            directory_listing(
                &format!("{WELL_KNOWN}/openpgp/"),
                &site
                    .key_fingerprints
                    .iter()
                    .map(|fp| format!("{fp}.asc"))
                    .collect::<Vec<_>>(),
            )
            .into_bytes(),
            "text/html; charset=utf-8",
        );
        ProviderFiles {
            files,
            documents,
            fingerprints: site.key_fingerprints.clone(),
            last_updated,
        }
    }

    /// What `path` (relative to `/.well-known/csaf/`, no leading slash)
    /// names, if anything.
    pub fn lookup(&self, path: &str) -> Option<Found<'_>> {
        if let Some((bytes, content_type)) = self.files.get(path) {
            return Some(Found::File {
                bytes,
                content_type,
            });
        }
        if let Some(fp) = path
            .strip_prefix("openpgp/")
            .and_then(|p| p.strip_suffix(".asc"))
        {
            return self
                .fingerprints
                .iter()
                .find(|k| k.as_str() == fp)
                .map(|k| Found::PublicKey { fingerprint: k });
        }
        let (base, kind) = if let Some(b) = path.strip_suffix(".sha256") {
            (b, DocKind::Sha256)
        } else if let Some(b) = path.strip_suffix(".sha512") {
            (b, DocKind::Sha512)
        } else if let Some(b) = path.strip_suffix(".asc") {
            (b, DocKind::Signature)
        } else {
            (path, DocKind::Json)
        };
        self.documents
            .get(base)
            .map(|&index| Found::Document { index, kind })
    }

    /// The label whose directory `path` is in, if any (`None` for the
    /// top-level files, which are public).
    pub fn label_of(path: &str) -> Option<Label> {
        path.split_once('/')
            .and_then(|(dir, _)| Label::from_dir(dir))
    }

    /// How many documents the plan names.
    pub fn document_count(&self) -> usize {
        self.documents.len()
    }
}

fn to_pretty(v: &serde_json::Value) -> Vec<u8> {
    serde_json::to_vec_pretty(v).unwrap_or_default()
}

/// The `CSAF:` field of `/.well-known/security.txt` (requirement 8, RFC
/// 9116 §2.5 extension registered by CSAF): the provider-metadata URL.
pub fn security_txt_field(site: &Site) -> String {
    format!("CSAF: {}", site.url("provider-metadata.json"))
}

#[cfg(test)]
mod tests;
