//! Package URLs (ECMA-427, <https://github.com/package-url/purl-spec>):
//! parse, normalise, build and print in canonical form.
//!
//! Written here rather than taken from the `packageurl` crate: its 0.7.1
//! release was run over the pinned conformance suite (`tests/spec`,
//! `tests/types`) and refused 10 of its 349 required parse/validate cases:
//! it accepts upper-case qualifier keys (ECMA-427 5.6.6: a key "shall be
//! composed only of lowercase ASCII letters", and the suite requires a
//! refusal) and demands a namespace for `cpan`, which the suite makes
//! optional (`pkg:cpan/DateTime@1.55?author=DROLSKY`). Neither can be
//! fixed from outside the crate, and the whole algorithm is small.
//!
//! [`Purl::parse`] follows ECMA-427's "shall" rules and the registered type
//! definitions; [`Purl::parse_lenient`] also takes the suite's
//! "recommended" normalisations (upper-case qualifier keys, lower-cased).
//! Both print the canonical form with `Display`, so `parse(p.to_string())`
//! gives `p` back.

use std::fmt;
use std::str::FromStr;

use thiserror::Error;

/// Why a string or a set of components is not a package URL.
///
/// [`PurlError::Type`] is a breach of a type's registered rules (the purl
/// is well formed but not valid for its type); every other variant is a
/// syntax error, as the test suite's documentation asks implementations to
/// keep the two apart.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PurlError {
    #[error("a package URL starts with `pkg:`")]
    MissingScheme,
    #[error("invalid package type {0:?}: a letter, then letters, digits, `.` or `-`")]
    InvalidType(String),
    #[error("a package URL needs a type and a name (`pkg:type/name`)")]
    MissingName,
    #[error("invalid percent-encoding in the {0}")]
    PercentEncoding(&'static str),
    #[error("the {0} is not UTF-8 once percent-decoded")]
    NotUtf8(&'static str),
    #[error("a {0} segment contains `/`")]
    SlashInSegment(&'static str),
    #[error(
        "invalid qualifier key {0:?}: a lower-case letter, then lower-case letters, digits, `.`, `-` or `_`"
    )]
    InvalidQualifierKey(String),
    #[error("qualifier {0:?} has no `=`")]
    QualifierWithoutValue(String),
    #[error("qualifier {0:?} given twice")]
    DuplicateQualifier(String),
    #[error("not a valid `{ty}` package URL: {reason}")]
    Type { ty: String, reason: String },
}

impl PurlError {
    /// True when the purl is well formed but breaks its type's rules.
    pub fn is_type_rule(&self) -> bool {
        matches!(self, PurlError::Type { .. })
    }
}

/// A package URL in canonical form: lower-case type, type-specific case
/// and character normalisation applied, qualifiers sorted by key with empty
/// values dropped, subpath without empty, `.` and `..` segments.
///
/// Components are held decoded, back to back in one string (an SBOM
/// batch holds a million of these: one allocation each instead of six);
/// `Display` prints the canonical string.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Purl {
    /// Type, namespace, name, version, subpath, then each qualifier's key
    /// and value.
    text: Box<str>,
    /// Where type, namespace, name, version and subpath end in `text`.
    ends: [usize; 5],
    /// Bits: namespace, version, subpath present.
    present: u8,
    /// Where each qualifier's key and then its value end in `text`.
    qualifiers: Box<[usize]>,
}

const HAS_NAMESPACE: u8 = 1;
const HAS_VERSION: u8 = 2;
const HAS_SUBPATH: u8 = 4;

/// A purl's components while it is being parsed and normalised.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Fields {
    ty: String,
    namespace: Option<String>,
    name: String,
    version: Option<String>,
    qualifiers: Vec<(String, String)>,
    subpath: Option<String>,
}

impl Fields {
    fn qualifier(&self, key: &str) -> Option<&str> {
        self.qualifiers
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    fn pack(self) -> Purl {
        let len = self.ty.len()
            + self.namespace.as_ref().map_or(0, String::len)
            + self.name.len()
            + self.version.as_ref().map_or(0, String::len)
            + self.subpath.as_ref().map_or(0, String::len)
            + self
                .qualifiers
                .iter()
                .map(|(k, v)| k.len() + v.len())
                .sum::<usize>();
        let mut text = String::with_capacity(len);
        let mut ends = [0; 5];
        let mut present = 0;
        let parts = [
            (Some(&self.ty), 0),
            (self.namespace.as_ref(), HAS_NAMESPACE),
            (Some(&self.name), 0),
            (self.version.as_ref(), HAS_VERSION),
            (self.subpath.as_ref(), HAS_SUBPATH),
        ];
        for (i, (part, bit)) in parts.into_iter().enumerate() {
            if let Some(part) = part {
                text.push_str(part);
                present |= bit;
            }
            ends[i] = text.len();
        }
        let mut qualifiers = Vec::with_capacity(self.qualifiers.len() * 2);
        for (k, v) in &self.qualifiers {
            text.push_str(k);
            qualifiers.push(text.len());
            text.push_str(v);
            qualifiers.push(text.len());
        }
        Purl {
            text: text.into_boxed_str(),
            ends,
            present,
            qualifiers: qualifiers.into_boxed_slice(),
        }
    }
}

/// Decoded components for [`Purl::build`]; absent means not given.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PurlParts {
    pub ty: Option<String>,
    /// Segments separated by `/`; leading and trailing slashes are dropped.
    pub namespace: Option<String>,
    pub name: Option<String>,
    pub version: Option<String>,
    /// Keys are lower-cased; pairs with an empty value are dropped.
    pub qualifiers: Vec<(String, String)>,
    /// Segments separated by `/`; empty, `.` and `..` segments are dropped.
    pub subpath: Option<String>,
}

impl Purl {
    /// Parses under ECMA-427's required rules; the result is normalised.
    pub fn parse(s: &str) -> Result<Purl, PurlError> {
        parse(s, false)
    }

    /// Like [`Purl::parse`], but also repairs what the suite lists as
    /// recommended normalisation: qualifier keys in upper case.
    pub fn parse_lenient(s: &str) -> Result<Purl, PurlError> {
        parse(s, true)
    }

    /// Builds a purl from decoded components, normalising them as parsing
    /// would.
    pub fn build(parts: PurlParts) -> Result<Purl, PurlError> {
        let ty = parts.ty.ok_or(PurlError::MissingName)?;
        let ty = check_type(&ty)?;
        let namespace = parts.namespace.and_then(|ns| {
            let segs: Vec<&str> = ns.split('/').filter(|s| !s.is_empty()).collect();
            (!segs.is_empty()).then(|| segs.join("/"))
        });
        let name = parts
            .name
            .map(|n| {
                if name_is_path(&ty) {
                    let segs: Vec<&str> = n.split('/').filter(|s| !s.is_empty()).collect();
                    segs.join("/")
                } else {
                    n.trim_matches('/').to_owned()
                }
            })
            .filter(|n| !n.is_empty())
            .ok_or(PurlError::MissingName)?;
        let mut qualifiers = Vec::with_capacity(parts.qualifiers.len());
        for (k, v) in parts.qualifiers {
            let k = k.to_ascii_lowercase();
            check_key(&k)?;
            if !v.is_empty() {
                qualifiers.push((k, v));
            }
        }
        let subpath = parts.subpath.and_then(|s| clean_subpath(s.split('/')));
        finish(Fields {
            ty,
            namespace,
            name,
            version: parts.version.filter(|v| !v.is_empty()),
            qualifiers,
            subpath,
        })
    }

    /// The package type, lower case (`npm`, `maven`, `deb`, …).
    pub fn ty(&self) -> &str {
        self.part(0)
    }

    /// The namespace, decoded, segments joined by `/`.
    pub fn namespace(&self) -> Option<&str> {
        (self.present & HAS_NAMESPACE != 0).then(|| self.part(1))
    }

    pub fn name(&self) -> &str {
        self.part(2)
    }

    pub fn version(&self) -> Option<&str> {
        (self.present & HAS_VERSION != 0).then(|| self.part(3))
    }

    /// Qualifiers sorted by key, values decoded.
    pub fn qualifiers(&self) -> impl Iterator<Item = (&str, &str)> {
        (0..self.qualifiers.len() / 2).map(|i| self.qualifier_at(i))
    }

    pub fn qualifier(&self, key: &str) -> Option<&str> {
        let (mut lo, mut hi) = (0, self.qualifiers.len() / 2);
        while lo < hi {
            let mid = (lo + hi) / 2;
            let (k, v) = self.qualifier_at(mid);
            match k.cmp(key) {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => return Some(v),
            }
        }
        None
    }

    /// The subpath, decoded, segments joined by `/`.
    pub fn subpath(&self) -> Option<&str> {
        (self.present & HAS_SUBPATH != 0).then(|| self.part(4))
    }

    /// The same package without version, qualifiers or subpath: the key an
    /// advisory names a package by.
    pub fn package(&self) -> Purl {
        Fields {
            ty: self.ty().to_owned(),
            namespace: self.namespace().map(str::to_owned),
            name: self.name().to_owned(),
            version: None,
            qualifiers: Vec::new(),
            subpath: None,
        }
        .pack()
    }

    /// The same purl with another version (or none).
    pub fn with_version(self, version: Option<&str>) -> Purl {
        let mut f = self.fields();
        f.version = version.filter(|v| !v.is_empty()).map(str::to_owned);
        if f.ty == "huggingface" {
            f.version = f.version.map(|v| v.to_lowercase());
        }
        f.pack()
    }

    /// Part `i` of `text` (see [`Purl::ends`]).
    fn part(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        self.text.get(start..self.ends[i]).unwrap_or_default()
    }

    /// Qualifier `i`'s key and value.
    fn qualifier_at(&self, i: usize) -> (&str, &str) {
        let start = match i {
            0 => self.ends[4],
            _ => self.qualifiers[2 * i - 1],
        };
        let (k, v) = (self.qualifiers[2 * i], self.qualifiers[2 * i + 1]);
        (
            self.text.get(start..k).unwrap_or_default(),
            self.text.get(k..v).unwrap_or_default(),
        )
    }

    fn fields(&self) -> Fields {
        Fields {
            ty: self.ty().to_owned(),
            namespace: self.namespace().map(str::to_owned),
            name: self.name().to_owned(),
            version: self.version().map(str::to_owned),
            qualifiers: self
                .qualifiers()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect(),
            subpath: self.subpath().map(str::to_owned),
        }
    }
}

impl fmt::Debug for Purl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Purl")
            .field("ty", &self.ty())
            .field("namespace", &self.namespace())
            .field("name", &self.name())
            .field("version", &self.version())
            .field("qualifiers", &self.qualifiers().collect::<Vec<_>>())
            .field("subpath", &self.subpath())
            .finish()
    }
}

impl FromStr for Purl {
    type Err = PurlError;
    fn from_str(s: &str) -> Result<Purl, PurlError> {
        Purl::parse(s)
    }
}

impl fmt::Display for Purl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "pkg:{}/", self.ty())?;
        if let Some(ns) = self.namespace() {
            for seg in ns.split('/') {
                write_encoded(f, seg)?;
                f.write_str("/")?;
            }
        }
        if name_is_path(self.ty()) {
            for (i, seg) in self.name().split('/').enumerate() {
                if i > 0 {
                    f.write_str("/")?;
                }
                write_encoded(f, seg)?;
            }
        } else {
            write_encoded(f, self.name())?;
        }
        if let Some(v) = self.version() {
            f.write_str("@")?;
            write_encoded(f, v)?;
        }
        for (i, (k, v)) in self.qualifiers().enumerate() {
            f.write_str(if i == 0 { "?" } else { "&" })?;
            f.write_str(k)?;
            f.write_str("=")?;
            write_encoded(f, v)?;
        }
        if let Some(sp) = self.subpath() {
            f.write_str("#")?;
            for (i, seg) in sp.split('/').enumerate() {
                if i > 0 {
                    f.write_str("/")?;
                }
                write_encoded(f, seg)?;
            }
        }
        Ok(())
    }
}

fn parse(s: &str, lenient: bool) -> Result<Purl, PurlError> {
    // Right to left, as the specification's "how to parse" does; only the
    // qualifiers are found from the left, since a `?` cannot stand unencoded
    // before them but a careless URL value may hold one.
    let (rest, subpath) = match s.rsplit_once('#') {
        Some((rest, sp)) => (rest, Some(sp)),
        None => (s, None),
    };
    let (rest, query) = match rest.split_once('?') {
        Some((rest, q)) => (rest, Some(q)),
        None => (rest, None),
    };
    let (scheme, rest) = rest.split_once(':').ok_or(PurlError::MissingScheme)?;
    if !scheme.eq_ignore_ascii_case("pkg") {
        return Err(PurlError::MissingScheme);
    }
    let rest = rest.trim_start_matches('/');
    let (ty, rest) = rest.split_once('/').ok_or(PurlError::MissingName)?;
    let ty = check_type(ty)?;

    // The version's `@` is the last one after the last `/`: an `@` before a
    // slash belongs to the namespace (`pkg:npm/@babel/core`).
    let last_seg_start = rest.rfind('/').map_or(0, |i| i + 1);
    let (path, version) = match rest[last_seg_start..].rfind('@') {
        Some(at) => {
            let at = last_seg_start + at;
            (&rest[..at], Some(decode(&rest[at + 1..], "version")?))
        }
        None => (rest, None),
    };
    // A slash right before the version (or the end) leaves the name empty
    // (`pkg:swift/github.com/Alamofire/@5.4.3`).
    if path.ends_with('/') {
        return Err(PurlError::MissingName);
    }
    // Empty segments carry nothing (`pkg:git//host/a` is `pkg:git/host/a`).
    let path = path.trim_start_matches('/');
    let split = if name_is_path(&ty) {
        path.split_once('/')
    } else {
        path.rsplit_once('/')
    };
    let (ns, name) = split.unwrap_or(("", path));
    let mut name_segs = Vec::new();
    for seg in name.split('/').filter(|s| !s.is_empty()) {
        let seg = decode(seg, "name")?;
        if name_is_path(&ty) && seg.contains('/') {
            return Err(PurlError::SlashInSegment("name"));
        }
        name_segs.push(seg);
    }
    let name = name_segs.join("/");
    if name.is_empty() {
        return Err(PurlError::MissingName);
    }
    let mut segs = Vec::new();
    for seg in ns.split('/').filter(|s| !s.is_empty()) {
        let seg = decode(seg, "namespace")?;
        if seg.contains('/') {
            return Err(PurlError::SlashInSegment("namespace"));
        }
        segs.push(seg);
    }
    let namespace = (!segs.is_empty()).then(|| segs.join("/"));

    let mut qualifiers = Vec::new();
    if let Some(q) = query {
        for pair in q.split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair
                .split_once('=')
                .ok_or_else(|| PurlError::QualifierWithoutValue(pair.to_owned()))?;
            let k = if lenient {
                k.to_ascii_lowercase()
            } else {
                k.to_owned()
            };
            check_key(&k)?;
            let v = decode(v, "qualifiers")?;
            if !v.is_empty() {
                qualifiers.push((k, v));
            }
        }
    }

    let subpath = match subpath {
        Some(sp) => {
            let mut segs = Vec::new();
            for seg in sp.split('/') {
                let seg = decode(seg, "subpath")?;
                if seg.contains('/') {
                    return Err(PurlError::SlashInSegment("subpath"));
                }
                segs.push(seg);
            }
            clean_subpath(segs.iter().map(String::as_str))
        }
        None => None,
    };

    finish(Fields {
        ty,
        namespace,
        name,
        version: version.filter(|v| !v.is_empty()),
        qualifiers,
        subpath,
    })
}

/// Sorts and de-duplicates qualifiers, then applies the type's rules.
fn finish(mut p: Fields) -> Result<Purl, PurlError> {
    p.qualifiers.sort_by(|a, b| a.0.cmp(&b.0));
    if let Some(w) = p.qualifiers.windows(2).find(|w| w[0].0 == w[1].0) {
        return Err(PurlError::DuplicateQualifier(w[0].0.clone()));
    }
    apply_type_rules(&mut p)?;
    Ok(p.pack())
}

/// Types whose namespace is one segment (a host) and whose name is the
/// rest of the path, slashes included (`pkg:git/codeberg.org/forgejo/forgejo`).
fn name_is_path(ty: &str) -> bool {
    ty == "git"
}

fn clean_subpath<'a>(segs: impl Iterator<Item = &'a str>) -> Option<String> {
    let segs: Vec<&str> = segs
        .filter(|s| !s.is_empty() && *s != "." && *s != "..")
        .collect();
    (!segs.is_empty()).then(|| segs.join("/"))
}

fn check_type(ty: &str) -> Result<String, PurlError> {
    let mut chars = ty.chars();
    let ok = chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-');
    if ok {
        Ok(ty.to_ascii_lowercase())
    } else {
        Err(PurlError::InvalidType(ty.to_owned()))
    }
}

fn check_key(k: &str) -> Result<(), PurlError> {
    let mut chars = k.chars();
    let ok = chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| {
            c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '-' || c == '_'
        });
    if ok {
        Ok(())
    } else {
        Err(PurlError::InvalidQualifierKey(k.to_owned()))
    }
}

fn decode(s: &str, what: &'static str) -> Result<String, PurlError> {
    if !s.contains('%') {
        return Ok(s.to_owned());
    }
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = |c: u8| (c as char).to_digit(16);
            match (
                b.get(i + 1).and_then(|&c| hex(c)),
                b.get(i + 2).and_then(|&c| hex(c)),
            ) {
                (Some(hi), Some(lo)) => out.push((hi * 16 + lo) as u8),
                _ => return Err(PurlError::PercentEncoding(what)),
            }
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| PurlError::NotUtf8(what))
}

/// Percent-encodes all but ASCII letters, digits, `.-_~` and `:` (which
/// ECMA-427 says shall never be encoded).
fn write_encoded(f: &mut fmt::Formatter<'_>, s: &str) -> fmt::Result {
    let keep = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b'~' | b':');
    // Runs of kept (ASCII) bytes are written as slices: a non-empty run
    // starts and ends at char boundaries; every other byte is encoded.
    let mut start = 0;
    for (i, &b) in s.as_bytes().iter().enumerate() {
        if !keep(b) {
            if let Some(run) = s.get(start..i) {
                f.write_str(run)?;
            }
            write!(f, "%{b:02X}")?;
            start = i + 1;
        }
    }
    f.write_str(s.get(start..).unwrap_or_default())
}

/// Whether a type's namespace must, may or must not be present.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Ns {
    Optional,
    Required,
    Prohibited,
}

/// A registered type's rules that the suite checks, from the purl-spec
/// `types/*-definition.json` files (`case_sensitive: false` components are
/// lower-cased; `requirement` on namespace and qualifiers).
struct Rules {
    ns: Ns,
    lower_ns: bool,
    lower_name: bool,
    lower_version: bool,
    required_qualifiers: &'static [&'static str],
}

const DEFAULT: Rules = Rules {
    ns: Ns::Optional,
    lower_ns: false,
    lower_name: false,
    lower_version: false,
    required_qualifiers: &[],
};

fn rules(ty: &str) -> Rules {
    use Ns::*;
    let lower_both = Rules {
        lower_ns: true,
        lower_name: true,
        ..DEFAULT
    };
    match ty {
        "alpm" => lower_both,
        "apk" => Rules {
            lower_ns: true,
            ..DEFAULT
        },
        "bitbucket" | "github" | "git" | "hex" | "deb" | "brew" => lower_both,
        "bitnami" | "cargo" | "chrome-extension" | "cocoapods" | "conda" | "cran" | "gem"
        | "hackage" | "mlflow" | "nuget" | "oci" | "otp" | "pub" | "vcpkg" => Rules {
            ns: Prohibited,
            ..DEFAULT
        },
        "composer" => Rules {
            ns: Required,
            ..lower_both
        },
        "golang" | "qpkg" | "rpm" => Rules {
            lower_ns: true,
            ..DEFAULT
        },
        "huggingface" => Rules {
            ns: Required,
            lower_version: true,
            ..DEFAULT
        },
        "julia" => Rules {
            ns: Prohibited,
            required_qualifiers: &["uuid"],
            ..DEFAULT
        },
        "npm" => Rules {
            lower_name: true,
            lower_ns: true,
            ..DEFAULT
        },
        "pypi" => Rules {
            ns: Prohibited,
            lower_name: true,
            ..DEFAULT
        },
        "swid" => Rules {
            required_qualifiers: &["tag_id"],
            ..DEFAULT
        },
        "swift" | "vscode-extension" => Rules {
            ns: Required,
            ..DEFAULT
        },
        _ => DEFAULT,
    }
}

fn type_error(p: &Fields, reason: impl Into<String>) -> PurlError {
    PurlError::Type {
        ty: p.ty.clone(),
        reason: reason.into(),
    }
}

fn apply_type_rules(p: &mut Fields) -> Result<(), PurlError> {
    let r = rules(&p.ty);
    match (r.ns, &p.namespace) {
        (Ns::Required, None) => return Err(type_error(p, "a namespace is required")),
        (Ns::Prohibited, Some(_)) => return Err(type_error(p, "no namespace is allowed")),
        _ => {}
    }
    for q in r.required_qualifiers {
        if p.qualifier(q).is_none() {
            return Err(type_error(p, format!("the `{q}` qualifier is required")));
        }
    }
    if r.lower_ns {
        p.namespace = p.namespace.take().map(|n| n.to_lowercase());
    }
    if r.lower_name {
        p.name = p.name.to_lowercase();
    }
    if r.lower_version {
        p.version = p.version.take().map(|v| v.to_lowercase());
    }
    if name_is_path(&p.ty) {
        // The host is the first segment of the path, whichever component
        // it was given in: the printed form cannot tell them apart.
        let path = match &p.namespace {
            Some(ns) => format!("{ns}/{}", p.name),
            None => p.name.clone(),
        };
        if let Some((host, rest)) = path.split_once('/') {
            p.namespace = Some(host.to_owned());
            p.name = rest.to_owned();
        }
    }
    match p.ty.as_str() {
        // PyPI names compare as PEP 503 says; the type definition asks for
        // lower case and `_` as `-`.
        "pypi" => p.name = p.name.replace('_', "-"),
        // Databricks' model registry ignores case; others keep it.
        "mlflow"
            if p.qualifier("repository_url")
                .is_some_and(|u| u.contains("databricks")) =>
        {
            p.name = p.name.to_lowercase();
        }
        // A distribution name, never a module name (`URI::PackageURL`).
        "cpan" if p.name.contains("::") => {
            return Err(type_error(
                p,
                "the name is a distribution, not a module (`::`)",
            ));
        }
        // The store's 32-letter id (a to p) and up to four dotted numbers.
        "chrome-extension" => {
            if p.name.len() != 32 || !p.name.bytes().all(|b| (b'a'..=b'p').contains(&b)) {
                return Err(type_error(p, "the name is a 32-letter extension id (a-p)"));
            }
            if let Some(v) = &p.version {
                let ok = v.split('.').count() <= 4
                    && v.split('.')
                        .all(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()));
                if !ok {
                    return Err(type_error(p, "the version is one to four dotted numbers"));
                }
            }
        }
        _ => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_normalises() {
        let p = Purl::parse("pkg:PYPI/Django_package@1.11.1.dev1").unwrap();
        assert_eq!(p.to_string(), "pkg:pypi/django-package@1.11.1.dev1");
        let p = Purl::parse("pkg:npm/%40angular/animation@12.3.1").unwrap();
        assert_eq!(p.namespace(), Some("@angular"));
        assert_eq!(p.to_string(), "pkg:npm/%40angular/animation@12.3.1");
        let p = Purl::parse("pkg:npm/@babel/core#/a/./b/").unwrap();
        assert_eq!(
            (p.name(), p.version(), p.subpath()),
            ("core", None, Some("a/b"))
        );
        let p = Purl::parse("pkg://generic/x?z=1&a=b%20c&empty=").unwrap();
        assert_eq!(p.to_string(), "pkg:generic/x?a=b%20c&z=1");
        assert_eq!(p.package().to_string(), "pkg:generic/x");
    }

    #[test]
    fn non_ascii_and_reserved_characters_are_encoded() {
        let p = Purl::build(PurlParts {
            ty: Some("Generic".into()),
            namespace: Some("/acme/".into()),
            name: Some("café@2".into()),
            version: Some("1.0 Final".into()),
            qualifiers: vec![("Checksum".into(), "sha1:ab,sha256:cd".into())],
            subpath: Some("./a+b/../c/".into()),
        })
        .unwrap();
        let s = "pkg:generic/acme/caf%C3%A9%402@1.0%20Final?checksum=sha1:ab%2Csha256:cd#a%2Bb/c";
        assert_eq!(p.to_string(), s);
        assert_eq!(Purl::parse(s).unwrap(), p);
        let git = Purl::parse("pkg:git/codeberg.org/forgejo/forgejo@a72d2c0").unwrap();
        assert_eq!(
            (git.namespace(), git.name()),
            (Some("codeberg.org"), "forgejo/forgejo")
        );
        assert_eq!(
            git.with_version(None).to_string(),
            "pkg:git/codeberg.org/forgejo/forgejo"
        );
        // Found by the purl_parse fuzz target: an empty first segment.
        let odd = Purl::parse("pkg:git//bourl/puru/x").unwrap();
        assert_eq!(Purl::parse(&odd.to_string()).unwrap(), odd);
        assert_eq!(odd.namespace(), Some("bourl"));
    }

    #[test]
    fn refuses_what_the_standard_refuses() {
        for bad in [
            "npm/foo@1",
            "pkg:3d/foo",
            "pkg:npm",
            "pkg:npm/foo?Key=v",
            "pkg:npm/foo?a=1&a=2",
            "pkg:npm/f%zzo",
            "pkg:npm/f%ffo",
            "pkg:cpan/URI::PackageURL",
            "pkg:swift/Alamofire@5.4.3",
            "pkg:julia/Dates",
        ] {
            assert!(Purl::parse(bad).is_err(), "{bad}");
        }
        assert!(Purl::parse_lenient("pkg:npm/foo?Key=v").is_ok());
        assert!(Purl::parse("pkg:julia/Dates").unwrap_err().is_type_rule());
    }

    #[test]
    fn packed_parts_read_back() {
        let p = Purl::parse(
            "pkg:deb/debian/libssl3@3.0.11-1~deb12u1?distro=debian-12&arch=amd64&upstream=openssl#usr/lib",
        )
        .unwrap();
        assert_eq!(p.ty(), "deb");
        assert_eq!(p.namespace(), Some("debian"));
        assert_eq!(p.name(), "libssl3");
        assert_eq!(p.version(), Some("3.0.11-1~deb12u1"));
        assert_eq!(p.subpath(), Some("usr/lib"));
        let q: Vec<_> = p.qualifiers().collect();
        assert_eq!(
            q,
            [
                ("arch", "amd64"),
                ("distro", "debian-12"),
                ("upstream", "openssl")
            ]
        );
        for (k, v) in q {
            assert_eq!(p.qualifier(k), Some(v));
        }
        assert_eq!(p.qualifier("epoch"), None);
        assert_eq!(p.qualifier("a"), None);
        assert_eq!(p.qualifier("zz"), None);
        // Qualifier order in the input does not matter.
        let same = Purl::parse(
            "pkg:deb/debian/libssl3@3.0.11-1~deb12u1?upstream=openssl&arch=amd64&distro=debian-12#usr/lib",
        )
        .unwrap();
        assert_eq!(p, same);
        // Absent parts are absent, not empty.
        let bare = Purl::parse("pkg:cargo/smallvec").unwrap();
        assert_eq!(
            (bare.namespace(), bare.version(), bare.subpath()),
            (None, None, None)
        );
        assert_eq!(bare.qualifiers().count(), 0);
        let v = bare.clone().with_version(Some("1.6.1"));
        assert_eq!(v.to_string(), "pkg:cargo/smallvec@1.6.1");
        assert_eq!(v.package(), bare);
        assert_eq!(p.package().to_string(), "pkg:deb/debian/libssl3");
        assert_ne!(v, bare);
    }
}
