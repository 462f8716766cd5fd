//! Parsers of a CSAF provider's files (CSAF 2.0 §7.1): provider-metadata.json
//! (requirement 7, schema `provider_json_schema.json`), ROLIE feeds
//! (requirement 15), changes.csv (13), index.txt (12) and the `.sha256` /
//! `.sha512` files (18).
//!
//! Providers bend the standard (a lower-case fingerprint, a feed entry
//! without `content`, a `changes.csv` without quotes), and a reader that
//! refused them would read few providers. So by default ([`Mode::Lenient`])
//! what can be recovered without guessing is read, and each bend becomes a
//! [`Warning`] with its JSON path or line; [`Mode::Strict`] refuses the
//! first bend instead, as a checker must. What cannot be recovered is
//! refused in either mode, with its path or line.

use serde_json::{Map, Value};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Read leniently (repair with warnings) or strictly (refuse any bend).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    #[default]
    Lenient,
    Strict,
}

/// A bend the lenient reader repaired: where (a JSON path such as
/// `public_openpgp_keys[0].fingerprint`, or `line 3`) and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    pub path: String,
    pub message: String,
}

impl std::fmt::Display for Warning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// A file that cannot be read: where and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {message}")]
pub struct ReadError {
    /// A JSON path (`distributions[0].rolie.feeds[1].url`), `line N`, or
    /// `$` for the whole file.
    pub path: String,
    pub message: String,
}

fn err(path: impl Into<String>, message: impl Into<String>) -> ReadError {
    ReadError {
        path: path.into(),
        message: message.into(),
    }
}

/// Collects warnings, or turns the first into an error in strict mode.
struct Bends {
    mode: Mode,
    warnings: Vec<Warning>,
}

impl Bends {
    fn new(mode: Mode) -> Self {
        Bends {
            mode,
            warnings: Vec::new(),
        }
    }

    fn bend(
        &mut self,
        path: impl Into<String>,
        message: impl Into<String>,
    ) -> Result<(), ReadError> {
        let (path, message) = (path.into(), message.into());
        match self.mode {
            Mode::Strict => Err(ReadError { path, message }),
            Mode::Lenient => {
                self.warnings.push(Warning { path, message });
                Ok(())
            }
        }
    }
}

/// The role a provider claims (§7.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    Publisher,
    Provider,
    TrustedProvider,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Publisher => "csaf_publisher",
            Role::Provider => "csaf_provider",
            Role::TrustedProvider => "csaf_trusted_provider",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "csaf_publisher" => Some(Role::Publisher),
            "csaf_provider" => Some(Role::Provider),
            "csaf_trusted_provider" => Some(Role::TrustedProvider),
            _ => None,
        }
    }
}

/// provider-metadata.json, as far as a reader needs it.
#[derive(Debug, Clone, PartialEq)]
pub struct ProviderMetadata {
    pub canonical_url: String,
    pub distributions: Vec<Distribution>,
    pub last_updated: Option<OffsetDateTime>,
    pub list_on_csaf_aggregators: bool,
    pub mirror_on_csaf_aggregators: bool,
    pub metadata_version: String,
    pub public_openpgp_keys: Vec<KeyRef>,
    /// The publisher object (CSAF `document.publisher`), as given.
    pub publisher: Value,
    pub role: Role,
}

impl ProviderMetadata {
    /// The fingerprints the metadata names, upper-case.
    pub fn fingerprints(&self) -> Vec<String> {
        self.public_openpgp_keys
            .iter()
            .filter_map(|k| k.fingerprint.clone())
            .collect()
    }
}

/// One distribution: a directory (with `index.txt` and `changes.csv`), ROLIE
/// feeds, or both.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Distribution {
    pub directory_url: Option<String>,
    pub rolie: Option<Rolie>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Rolie {
    pub feeds: Vec<FeedRef>,
    pub services: Vec<String>,
    pub categories: Vec<String>,
}

/// A ROLIE feed as provider-metadata.json names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedRef {
    /// `UNLABELED`, `WHITE`, `GREEN`, `AMBER` or `RED`.
    pub tlp_label: String,
    pub url: String,
    pub summary: Option<String>,
}

/// A public key's URL and (upper-case) fingerprint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyRef {
    pub fingerprint: Option<String>,
    pub url: String,
}

fn object<'a>(v: &'a Value, path: &str) -> Result<&'a Map<String, Value>, ReadError> {
    v.as_object()
        .ok_or_else(|| err(path, format!("must be an object, not {}", kind(v))))
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn join(parent: &str, key: &str) -> String {
    if parent.is_empty() || parent == "$" {
        key.to_owned()
    } else {
        format!("{parent}.{key}")
    }
}

fn parse_json(bytes: &[u8]) -> Result<Value, ReadError> {
    serde_json::from_slice(bytes).map_err(|e| {
        err(
            format!("line {} column {}", e.line(), e.column()),
            format!("not JSON: {e}"),
        )
    })
}

/// An absolute http(s) URL, or a bend/error.
fn url_at(
    o: &Map<String, Value>,
    parent: &str,
    key: &str,
    b: &mut Bends,
) -> Result<Option<String>, ReadError> {
    let path = join(parent, key);
    match o.get(key) {
        None => Ok(None),
        Some(Value::String(s)) => {
            let t = s.trim();
            if t != s {
                b.bend(&path, "URL has surrounding white space")?;
            }
            if !(t.starts_with("https://") || t.starts_with("http://")) {
                return Err(err(path, format!("{t:?} is not an absolute http(s) URL")));
            }
            Ok(Some(t.to_owned()))
        }
        Some(v) => Err(err(path, format!("must be a URL string, not {}", kind(v)))),
    }
}

/// Reads provider-metadata.json (CSAF 2.0 §7.1.7, the provider JSON schema).
///
/// Lenient repairs: a missing `role` (the schema's default,
/// `csaf_provider`), missing aggregator flags (their default, `true`), a
/// missing or unparsable `last_updated`, an unknown `tlp_label`, a key
/// without fingerprint or with spaces in it, a `metadata_version` other
/// than `2.0`, no `distributions`. Refused in either mode: not JSON, not an
/// object, a missing or non-URL `canonical_url`, a key without `url`, a
/// feed without `url`, an unknown `role`.
pub fn provider_metadata(
    bytes: &[u8],
    mode: Mode,
) -> Result<(ProviderMetadata, Vec<Warning>), ReadError> {
    let v = parse_json(bytes)?;
    let o = object(&v, "$")?;
    let mut b = Bends::new(mode);

    let canonical_url = url_at(o, "", "canonical_url", &mut b)?.ok_or_else(|| {
        err(
            "canonical_url",
            "missing: the provider-metadata.json's own URL",
        )
    })?;
    if !canonical_url.ends_with("/provider-metadata.json") {
        b.bend("canonical_url", "does not end with /provider-metadata.json")?;
    }

    let role = match o.get("role") {
        None => {
            b.bend(
                "role",
                "missing; read as csaf_provider (the schema's default)",
            )?;
            Role::Provider
        }
        Some(Value::String(s)) => Role::parse(s).ok_or_else(|| {
            err(
                "role",
                format!("{s:?} is none of csaf_publisher, csaf_provider, csaf_trusted_provider"),
            )
        })?,
        Some(v) => return Err(err("role", format!("must be a string, not {}", kind(v)))),
    };

    let metadata_version = match o.get("metadata_version") {
        Some(Value::String(s)) if s == "2.0" => s.clone(),
        Some(Value::String(s)) => {
            b.bend("metadata_version", format!("{s:?} is not 2.0"))?;
            s.clone()
        }
        None => {
            b.bend("metadata_version", "missing; read as 2.0")?;
            "2.0".to_owned()
        }
        Some(v) => {
            return Err(err(
                "metadata_version",
                format!("must be a string, not {}", kind(v)),
            ));
        }
    };

    let mut flag = |key: &str| -> Result<bool, ReadError> {
        match o.get(key) {
            Some(Value::Bool(x)) => Ok(*x),
            None => {
                b.bend(key, "missing; read as true (the schema's default)")?;
                Ok(true)
            }
            Some(v) => Err(err(key, format!("must be a boolean, not {}", kind(v)))),
        }
    };
    let list_on_csaf_aggregators = flag("list_on_CSAF_aggregators")?;
    let mirror_on_csaf_aggregators = flag("mirror_on_CSAF_aggregators")?;

    let last_updated = match o.get("last_updated") {
        Some(Value::String(s)) => match OffsetDateTime::parse(s, &Rfc3339) {
            Ok(t) => Some(t),
            Err(e) => {
                b.bend(
                    "last_updated",
                    format!("{s:?} is not an RFC 3339 date-time: {e}"),
                )?;
                None
            }
        },
        None => {
            b.bend("last_updated", "missing")?;
            None
        }
        Some(v) => {
            return Err(err(
                "last_updated",
                format!("must be a string, not {}", kind(v)),
            ));
        }
    };

    let publisher = match o.get("publisher") {
        Some(p @ Value::Object(po)) => {
            for key in ["category", "name", "namespace"] {
                if !po.get(key).is_some_and(Value::is_string) {
                    b.bend(join("publisher", key), "missing or not a string")?;
                }
            }
            p.clone()
        }
        None => {
            b.bend("publisher", "missing")?;
            Value::Null
        }
        Some(v) => {
            return Err(err(
                "publisher",
                format!("must be an object, not {}", kind(v)),
            ));
        }
    };

    let mut public_openpgp_keys = Vec::new();
    match o.get("public_openpgp_keys") {
        None => {}
        Some(Value::Array(keys)) => {
            for (i, k) in keys.iter().enumerate() {
                let path = format!("public_openpgp_keys[{i}]");
                let ko = object(k, &path)?;
                let url = url_at(ko, &path, "url", &mut b)?
                    .ok_or_else(|| err(join(&path, "url"), "missing"))?;
                let fingerprint = match ko.get("fingerprint") {
                    None => {
                        b.bend(
                            join(&path, "fingerprint"),
                            "missing: the key cannot be pinned",
                        )?;
                        None
                    }
                    Some(Value::String(s)) => {
                        let compact: String = s.chars().filter(|c| !c.is_whitespace()).collect();
                        if compact != *s {
                            b.bend(join(&path, "fingerprint"), "has spaces")?;
                        }
                        if compact.len() < 40 || !compact.chars().all(|c| c.is_ascii_hexdigit()) {
                            return Err(err(
                                join(&path, "fingerprint"),
                                format!("{s:?} is not 40 or more hex digits"),
                            ));
                        }
                        Some(compact.to_ascii_uppercase())
                    }
                    Some(v) => {
                        return Err(err(
                            join(&path, "fingerprint"),
                            format!("must be a string, not {}", kind(v)),
                        ));
                    }
                };
                public_openpgp_keys.push(KeyRef { fingerprint, url });
            }
        }
        Some(v) => {
            return Err(err(
                "public_openpgp_keys",
                format!("must be an array, not {}", kind(v)),
            ));
        }
    }

    let mut distributions = Vec::new();
    match o.get("distributions") {
        None => b.bend(
            "distributions",
            "missing: no documents can be found from this file",
        )?,
        Some(Value::Array(ds)) => {
            if ds.is_empty() {
                b.bend("distributions", "empty")?;
            }
            for (i, d) in ds.iter().enumerate() {
                let path = format!("distributions[{i}]");
                distributions.push(distribution(d, &path, &mut b)?);
            }
        }
        Some(v) => {
            return Err(err(
                "distributions",
                format!("must be an array, not {}", kind(v)),
            ));
        }
    }

    Ok((
        ProviderMetadata {
            canonical_url,
            distributions,
            last_updated,
            list_on_csaf_aggregators,
            mirror_on_csaf_aggregators,
            metadata_version,
            public_openpgp_keys,
            publisher,
            role,
        },
        b.warnings,
    ))
}

const TLP_LABELS: [&str; 5] = ["UNLABELED", "WHITE", "GREEN", "AMBER", "RED"];

fn distribution(d: &Value, path: &str, b: &mut Bends) -> Result<Distribution, ReadError> {
    let o = object(d, path)?;
    let directory_url = url_at(o, path, "directory_url", b)?;
    let rolie = match o.get("rolie") {
        None => None,
        Some(r) => {
            let rpath = join(path, "rolie");
            let ro = object(r, &rpath)?;
            let mut feeds = Vec::new();
            match ro.get("feeds") {
                Some(Value::Array(fs)) => {
                    for (i, f) in fs.iter().enumerate() {
                        let fpath = format!("{rpath}.feeds[{i}]");
                        let fo = object(f, &fpath)?;
                        let url = url_at(fo, &fpath, "url", b)?
                            .ok_or_else(|| err(join(&fpath, "url"), "missing"))?;
                        let tlp_label = match fo.get("tlp_label") {
                            Some(Value::String(s)) => {
                                let upper = s.to_ascii_uppercase();
                                if !TLP_LABELS.contains(&upper.as_str()) {
                                    b.bend(
                                        join(&fpath, "tlp_label"),
                                        format!("{s:?} is not a TLP label"),
                                    )?;
                                } else if upper != *s {
                                    b.bend(join(&fpath, "tlp_label"), "not upper-case")?;
                                }
                                upper
                            }
                            None => {
                                b.bend(join(&fpath, "tlp_label"), "missing; read as UNLABELED")?;
                                "UNLABELED".to_owned()
                            }
                            Some(v) => {
                                return Err(err(
                                    join(&fpath, "tlp_label"),
                                    format!("must be a string, not {}", kind(v)),
                                ));
                            }
                        };
                        let summary = fo.get("summary").and_then(Value::as_str).map(str::to_owned);
                        feeds.push(FeedRef {
                            tlp_label,
                            url,
                            summary,
                        });
                    }
                }
                None => b.bend(join(&rpath, "feeds"), "missing")?,
                Some(v) => {
                    return Err(err(
                        join(&rpath, "feeds"),
                        format!("must be an array, not {}", kind(v)),
                    ));
                }
            }
            let mut urls = |key: &str| -> Result<Vec<String>, ReadError> {
                let mut out = Vec::new();
                match ro.get(key) {
                    None => {}
                    Some(Value::Array(xs)) => {
                        for (i, x) in xs.iter().enumerate() {
                            match x.as_str() {
                                Some(s) => out.push(s.trim().to_owned()),
                                None => b.bend(
                                    format!("{rpath}.{key}[{i}]"),
                                    "not a URL string; ignored",
                                )?,
                            }
                        }
                    }
                    Some(v) => {
                        return Err(err(
                            join(&rpath, key),
                            format!("must be an array, not {}", kind(v)),
                        ));
                    }
                }
                Ok(out)
            };
            let services = urls("services")?;
            let categories = urls("categories")?;
            Some(Rolie {
                feeds,
                services,
                categories,
            })
        }
    };
    if directory_url.is_none() && rolie.is_none() {
        b.bend(path, "names neither directory_url nor rolie")?;
    }
    Ok(Distribution {
        directory_url,
        rolie,
    })
}

/// A ROLIE feed (RFC 8322, CSAF 2.0 §7.1.15).
#[derive(Debug, Clone, PartialEq)]
pub struct Feed {
    pub id: String,
    pub title: String,
    /// The feed's `self` link.
    pub self_url: Option<String>,
    pub updated: Option<OffsetDateTime>,
    /// `urn:ietf:params:rolie:category:information-type` is `csaf`.
    pub csaf_category: bool,
    pub entries: Vec<FeedEntry>,
}

/// One document of a feed.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedEntry {
    pub id: String,
    /// The document: `content.src`, else the `self` link.
    pub url: String,
    pub hash_urls: Vec<String>,
    pub signature_url: Option<String>,
    pub published: Option<OffsetDateTime>,
    pub updated: Option<OffsetDateTime>,
}

/// Reads a ROLIE feed. Lenient repairs: an entry without `content.src`
/// (its `self` link is used), an entry whose content and `self` link
/// differ (the content wins), unparsable dates, a missing `id`, `title` or
/// `updated`, no CSAF category. An entry with neither content nor `self`
/// link is skipped with a warning (refused when strict).
pub fn rolie_feed(bytes: &[u8], mode: Mode) -> Result<(Feed, Vec<Warning>), ReadError> {
    let v = parse_json(bytes)?;
    let o = object(&v, "$")?;
    let mut b = Bends::new(mode);
    let f = object(o.get("feed").ok_or_else(|| err("feed", "missing"))?, "feed")?;
    let text = |key: &str, b: &mut Bends| -> Result<String, ReadError> {
        match f.get(key) {
            Some(Value::String(s)) => Ok(s.clone()),
            _ => {
                b.bend(join("feed", key), "missing or not a string")?;
                Ok(String::new())
            }
        }
    };
    let id = text("id", &mut b)?;
    let title = text("title", &mut b)?;
    let updated = date(f.get("updated"), "feed.updated", &mut b)?;
    let self_url = links(f.get("link"), "feed.link", &mut b)?
        .into_iter()
        .find(|(rel, _)| rel == "self")
        .map(|(_, href)| href);
    if self_url.is_none() {
        b.bend("feed.link", "no self link")?;
    }
    let csaf_category = f
        .get("category")
        .and_then(Value::as_array)
        .is_some_and(|cs| {
            cs.iter().any(|c| {
                c.get("scheme").and_then(Value::as_str)
                    == Some("urn:ietf:params:rolie:category:information-type")
                    && c.get("term").and_then(Value::as_str) == Some("csaf")
            })
        });
    if !csaf_category {
        b.bend("feed.category", "no information-type category \"csaf\"")?;
    }
    let mut entries = Vec::new();
    match f.get("entry") {
        None => {}
        Some(Value::Array(es)) => {
            for (i, e) in es.iter().enumerate() {
                let path = format!("feed.entry[{i}]");
                if let Some(entry) = feed_entry(e, &path, &mut b)? {
                    entries.push(entry);
                }
            }
        }
        Some(v) => {
            return Err(err(
                "feed.entry",
                format!("must be an array, not {}", kind(v)),
            ));
        }
    }
    Ok((
        Feed {
            id,
            title,
            self_url,
            updated,
            csaf_category,
            entries,
        },
        b.warnings,
    ))
}

fn feed_entry(e: &Value, path: &str, b: &mut Bends) -> Result<Option<FeedEntry>, ReadError> {
    let o = object(e, path)?;
    let id = match o.get("id").and_then(Value::as_str) {
        Some(s) => s.to_owned(),
        None => {
            b.bend(join(path, "id"), "missing or not a string")?;
            String::new()
        }
    };
    let links = links(o.get("link"), &join(path, "link"), b)?;
    let self_link = links
        .iter()
        .find(|(r, _)| r == "self")
        .map(|(_, h)| h.clone());
    let hash_urls: Vec<String> = links
        .iter()
        .filter(|(r, _)| r == "hash")
        .map(|(_, h)| h.clone())
        .collect();
    let signature_url = links
        .iter()
        .find(|(r, _)| r == "signature")
        .map(|(_, h)| h.clone());
    let content = o
        .get("content")
        .and_then(|c| c.get("src"))
        .and_then(Value::as_str)
        .map(|s| s.trim().to_owned());
    let url = match (content, self_link) {
        (Some(c), Some(s)) => {
            if c != s {
                b.bend(
                    join(path, "content.src"),
                    format!("differs from the self link {s:?}; the content is read"),
                )?;
            }
            c
        }
        (Some(c), None) => c,
        (None, Some(s)) => {
            b.bend(join(path, "content.src"), "missing; the self link is read")?;
            s
        }
        (None, None) => {
            b.bend(path, "has neither content.src nor a self link; skipped")?;
            return Ok(None);
        }
    };
    let published = date(o.get("published"), &join(path, "published"), b)?;
    let updated = date(o.get("updated"), &join(path, "updated"), b)?;
    Ok(Some(FeedEntry {
        id,
        url,
        hash_urls,
        signature_url,
        published,
        updated,
    }))
}

fn links(v: Option<&Value>, path: &str, b: &mut Bends) -> Result<Vec<(String, String)>, ReadError> {
    let mut out = Vec::new();
    let list: Vec<&Value> = match v {
        None => return Ok(out),
        Some(Value::Array(xs)) => xs.iter().collect(),
        // Atom's JSON forms allow one link object.
        Some(o @ Value::Object(_)) => {
            b.bend(path, "one link object rather than an array")?;
            vec![o]
        }
        Some(v) => return Err(err(path, format!("must be an array, not {}", kind(v)))),
    };
    for (i, l) in list.into_iter().enumerate() {
        let mut rel = l.get("rel").and_then(Value::as_str);
        let href = l.get("href").and_then(Value::as_str);
        // CISA's IT feed writes `ref` for `rel`.
        if rel.is_none()
            && let Some(r) = l.get("ref").and_then(Value::as_str)
        {
            b.bend(format!("{path}[{i}].ref"), "\"ref\" read as \"rel\"")?;
            rel = Some(r);
        }
        match (rel, href) {
            (Some(r), Some(h)) => out.push((r.to_owned(), h.trim().to_owned())),
            _ => b.bend(
                format!("{path}[{i}]"),
                "a link without rel or href; ignored",
            )?,
        }
    }
    Ok(out)
}

fn date(v: Option<&Value>, path: &str, b: &mut Bends) -> Result<Option<OffsetDateTime>, ReadError> {
    match v {
        None => {
            b.bend(path, "missing")?;
            Ok(None)
        }
        Some(Value::String(s)) => match OffsetDateTime::parse(s, &Rfc3339) {
            Ok(t) => Ok(Some(t)),
            Err(e) => {
                b.bend(path, format!("{s:?} is not an RFC 3339 date-time: {e}"))?;
                Ok(None)
            }
        },
        Some(v) => Err(err(path, format!("must be a string, not {}", kind(v)))),
    }
}

/// One line of changes.csv: a document's path relative to the directory,
/// and when it last changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub path: String,
    pub updated: OffsetDateTime,
    /// 1-based.
    pub line: usize,
}

/// Reads changes.csv (§7.1.13): `"path","date-time"` per line, newest
/// first. Lenient repairs: fields without quotes, blank lines, a `\r\n`
/// line end, lines not newest first (reported once), a path with a leading
/// `/`. Refused: a line without two fields, an unparsable date-time, a path
/// with `..` (it would leave the directory).
pub fn changes_csv(bytes: &[u8], mode: Mode) -> Result<(Vec<Change>, Vec<Warning>), ReadError> {
    let text = std::str::from_utf8(bytes).map_err(|e| err("$", format!("not UTF-8: {e}")))?;
    let mut b = Bends::new(mode);
    let mut out: Vec<Change> = Vec::new();
    let mut order_reported = false;
    for (i, raw) in text.split('\n').enumerate() {
        let n = i + 1;
        let line = match raw.strip_suffix('\r') {
            Some(l) => {
                b.bend(format!("line {n}"), "ends with CR LF")?;
                l
            }
            None => raw,
        };
        if line.trim().is_empty() {
            if i + 1 != text.split('\n').count() {
                b.bend(format!("line {n}"), "blank line; ignored")?;
            }
            continue;
        }
        let fields = csv_fields(line).map_err(|m| err(format!("line {n}"), m))?;
        if fields.len() != 2 {
            return Err(err(
                format!("line {n}"),
                format!("{} fields; a line is \"path\",\"date-time\"", fields.len()),
            ));
        }
        let (path, quoted_path) = &fields[0];
        let (stamp, quoted_stamp) = &fields[1];
        if !quoted_path || !quoted_stamp {
            b.bend(format!("line {n}"), "fields not in double quotes")?;
        }
        let mut path = path.trim().to_owned();
        if let Some(p) = path.strip_prefix('/') {
            b.bend(format!("line {n}"), "path starts with /; read as relative")?;
            path = p.to_owned();
        }
        if path.is_empty() || path.split('/').any(|s| s == "..") {
            return Err(err(
                format!("line {n}"),
                format!("{path:?} is not a path inside the directory"),
            ));
        }
        let updated = OffsetDateTime::parse(stamp.trim(), &Rfc3339).map_err(|e| {
            err(
                format!("line {n}"),
                format!("{stamp:?} is not an RFC 3339 date-time: {e}"),
            )
        })?;
        if let Some(prev) = out.last()
            && prev.updated < updated
            && !order_reported
        {
            order_reported = true;
            b.bend(format!("line {n}"), "not sorted newest first")?;
        }
        out.push(Change {
            path,
            updated,
            line: n,
        });
    }
    Ok((out, b.warnings))
}

/// RFC 4180 fields of one line: each value, and whether it was quoted.
fn csv_fields(line: &str) -> Result<Vec<(String, bool)>, String> {
    let mut out = Vec::new();
    let mut chars = line.chars().peekable();
    loop {
        let mut value = String::new();
        let quoted = chars.peek() == Some(&'"');
        if quoted {
            chars.next();
            loop {
                match chars.next() {
                    Some('"') if chars.peek() == Some(&'"') => {
                        chars.next();
                        value.push('"');
                    }
                    Some('"') => break,
                    Some(c) => value.push(c),
                    None => return Err("a quoted field is not closed".into()),
                }
            }
            match chars.next() {
                None => {
                    out.push((value, true));
                    return Ok(out);
                }
                Some(',') => out.push((value, true)),
                Some(c) => return Err(format!("{c:?} after a closing quote")),
            }
        } else {
            loop {
                match chars.next() {
                    None => {
                        out.push((value, false));
                        return Ok(out);
                    }
                    Some(',') => break,
                    Some(c) => value.push(c),
                }
            }
            out.push((value, false));
        }
    }
}

/// Reads index.txt (§7.1.12): one document path per line, relative to the
/// directory. Lenient repairs: blank lines, `\r\n`, surrounding spaces, a
/// leading `/`. Refused: a path with `..`, an absolute URL.
pub fn index_txt(bytes: &[u8], mode: Mode) -> Result<(Vec<String>, Vec<Warning>), ReadError> {
    let text = std::str::from_utf8(bytes).map_err(|e| err("$", format!("not UTF-8: {e}")))?;
    let mut b = Bends::new(mode);
    let mut out = Vec::new();
    let count = text.split('\n').count();
    for (i, raw) in text.split('\n').enumerate() {
        let n = i + 1;
        let mut line = raw;
        if let Some(l) = line.strip_suffix('\r') {
            b.bend(format!("line {n}"), "ends with CR LF")?;
            line = l;
        }
        if line.trim().is_empty() {
            if n != count {
                b.bend(format!("line {n}"), "blank line; ignored")?;
            }
            continue;
        }
        if line.trim() != line {
            b.bend(format!("line {n}"), "surrounding white space")?;
        }
        let mut path = line.trim();
        if path.contains("://") {
            return Err(err(
                format!("line {n}"),
                format!("{path:?} is a URL, not a path in the directory"),
            ));
        }
        if let Some(p) = path.strip_prefix('/') {
            b.bend(format!("line {n}"), "path starts with /; read as relative")?;
            path = p;
        }
        if path.split('/').any(|s| s == "..") {
            return Err(err(
                format!("line {n}"),
                format!("{path:?} is not a path inside the directory"),
            ));
        }
        out.push(path.to_owned());
    }
    Ok((out, b.warnings))
}

/// A `.sha256` or `.sha512` file (§7.1.18): the hex digest, then optionally
/// white space (and `*` for binary mode) and the file name, as `sha256sum`
/// writes it. Answers the digest (lower-case) and the name.
pub fn hash_file(bytes: &[u8], hex_len: usize) -> Result<(String, Option<String>), ReadError> {
    let text = std::str::from_utf8(bytes).map_err(|e| err("$", format!("not UTF-8: {e}")))?;
    let line = text
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .trim();
    let (digest, rest) = match line.find(char::is_whitespace) {
        Some(i) => (&line[..i], line[i..].trim()),
        None => (line, ""),
    };
    if digest.len() != hex_len || !digest.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(err(
            "line 1",
            format!("{digest:?} is not a digest of {hex_len} hex digits"),
        ));
    }
    let name = rest.strip_prefix('*').unwrap_or(rest);
    Ok((
        digest.to_ascii_lowercase(),
        (!name.is_empty()).then(|| name.to_owned()),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_quoted_and_not() {
        assert_eq!(
            csv_fields(r#""a/b.json","2024-01-01T00:00:00Z""#).unwrap(),
            vec![
                ("a/b.json".into(), true),
                ("2024-01-01T00:00:00Z".into(), true)
            ]
        );
        assert_eq!(
            csv_fields("a,b").unwrap(),
            vec![("a".into(), false), ("b".into(), false)]
        );
        assert_eq!(csv_fields(r#""a""b",c"#).unwrap()[0].0, "a\"b");
        assert!(csv_fields(r#""open"#).is_err());
    }

    #[test]
    fn hash_file_forms() {
        let d = "a".repeat(64);
        assert_eq!(hash_file(d.as_bytes(), 64).unwrap(), (d.clone(), None));
        assert_eq!(
            hash_file(format!("{}  x.json\n", d.to_uppercase()).as_bytes(), 64).unwrap(),
            (d.clone(), Some("x.json".into()))
        );
        assert_eq!(
            hash_file(format!("{d} *x.json").as_bytes(), 64)
                .unwrap()
                .1
                .unwrap(),
            "x.json"
        );
        assert!(hash_file(b"abc", 64).is_err());
    }
}
