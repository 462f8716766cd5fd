//! SBOM ingest: a CycloneDX or SPDX document in, the list of components
//! with their package URLs out, so that the matcher can set them against
//! advisories.
//!
//! Read: CycloneDX JSON and XML, spec versions 1.2 to 1.6 (components
//! nested in components, and `metadata.component`, the subject of the
//! BOM); SPDX 2.x JSON (2.2 and 2.3 are the same for what is read here) and
//! SPDX tag-value; any of them gzip-compressed. The format is told from the
//! content, never from a file name. Anything else (SPDX 3.0 JSON-LD,
//! CycloneDX 1.1 or 1.7, bzip2, a pom.xml, …) is refused with a named
//! reason ([`SbomError`]).
//!
//! A component without a purl, or with one that does not parse, is kept
//! and also listed in [`Sbom::unmatchable`] with the reason, so that a
//! report can say what it could not check. [`source_package`] maps a
//! Debian, RPM or Alpine binary package to the source package that
//! distribution advisories name.
//!
//! Only what matching needs is kept: name, version, purl, the document's
//! identifier of the component and where it sits. Unknown fields are
//! skipped without being stored, so a large SBOM costs about its
//! components.
//!
//! Pure: no files, sockets or SQL; [`Sbom::parse`] takes bytes.

mod cyclonedx_xml;
mod error;
mod json;
mod source;
mod tagvalue;

use std::fmt;

pub use bulwark_versions::{Purl, PurlError};
pub use error::SbomError;
pub use source::source_package;

/// How deep components may nest (a component inside a component counts
/// one level). Real SBOMs stay in single digits; the limit keeps a hostile
/// document from costing stack or quadratic work.
pub const MAX_DEPTH: usize = 32;

/// The most bytes a gzip-compressed SBOM may decompress to (1 GiB): well
/// above real SBOMs, well below what a small crafted stream could make us
/// allocate.
pub const MAX_DECOMPRESSED: u64 = 1 << 30;

/// The formats read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Format {
    CycloneDxJson,
    CycloneDxXml,
    SpdxJson,
    SpdxTagValue,
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Format::CycloneDxJson => "CycloneDX JSON",
            Format::CycloneDxXml => "CycloneDX XML",
            Format::SpdxJson => "SPDX JSON",
            Format::SpdxTagValue => "SPDX tag-value",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One component (CycloneDX) or package (SPDX) of the document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Component {
    pub name: String,
    /// CycloneDX `group` (Maven group id, npm scope, …); SPDX has none.
    pub group: Option<String>,
    pub version: Option<String>,
    /// The package URL as written in the SBOM (for an SPDX package that
    /// lists several, the first one that parses, else the first).
    pub purl: Option<String>,
    /// Further distinct purls of an SPDX package, as written: Red Hat lists
    /// one per repository a package ships from, and a package may carry
    /// both SPDX 2.2's `PACKAGE-MANAGER` and 2.3's `PACKAGE_MANAGER`
    /// reference, sometimes naming different packages. Each is looked up,
    /// since a wrong first one would otherwise hide a real match.
    pub other_purls: Vec<String>,
    /// [`Component::purl`] parsed (leniently: upper-case qualifier keys are
    /// repaired); `None` when absent or unparsable, and then the component
    /// is also listed in [`Sbom::unmatchable`] with the reason.
    pub parsed: Option<Purl>,
    /// The [`Component::other_purls`] that parse and differ, once parsed,
    /// from [`Component::parsed`] and from each other.
    pub other_parsed: Vec<Purl>,
    /// CycloneDX `bom-ref` or SPDX `SPDXID`.
    pub id: Option<String>,
    /// Where the component is in the document: a JSON path
    /// (`components[3].components[0]`, `metadata.component`,
    /// `packages[12]`), the same shape for XML, or `line N` for tag-value.
    pub path: String,
    /// Index in [`Sbom::components`] of the component this one is nested
    /// in (CycloneDX only).
    pub parent: Option<usize>,
    /// The component the document is about: CycloneDX
    /// `metadata.component`, or an SPDX package the document DESCRIBES.
    pub subject: bool,
}

impl Component {
    /// Every distinct package URL of the component that parses: the first
    /// one, then the others in document order.
    pub fn purls(&self) -> impl Iterator<Item = &Purl> {
        self.parsed.iter().chain(&self.other_parsed)
    }

    /// The source package of a Debian, RPM or Alpine binary package, as
    /// advisories for distributions name it; see [`source_package`].
    pub fn source_package(&self) -> Option<Purl> {
        self.parsed.as_ref().and_then(source_package)
    }
}

/// Why a component cannot be matched against advisories by purl.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UnmatchableReason {
    NoPurl,
    BadPurl { purl: String, error: PurlError },
}

impl fmt::Display for UnmatchableReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UnmatchableReason::NoPurl => f.write_str("no package URL"),
            UnmatchableReason::BadPurl { purl, error } => {
                write!(f, "package URL {purl:?} does not parse: {error}")
            }
        }
    }
}

/// A component the matcher cannot look up, with the reason, so that the
/// report can say what was not checked instead of silently skipping it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unmatchable {
    /// Index in [`Sbom::components`].
    pub index: usize,
    pub name: String,
    pub version: Option<String>,
    pub reason: UnmatchableReason,
}

/// A parsed SBOM.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sbom {
    pub format: Format,
    /// `1.4` for CycloneDX, `2.3` for SPDX (without the `SPDX-` prefix).
    pub spec_version: String,
    /// Every component in document order, parents before their children.
    pub components: Vec<Component>,
    /// The components without a usable purl (indices into `components`).
    pub unmatchable: Vec<Unmatchable>,
}

impl Sbom {
    /// Reads an SBOM, telling the format from the content. A gzip stream
    /// is decompressed first (up to [`MAX_DECOMPRESSED`] bytes); other
    /// compressed formats are refused with their name.
    pub fn parse(bytes: &[u8]) -> Result<Sbom, SbomError> {
        if bytes.starts_with(&GZIP_MAGIC) {
            let inner = gunzip(bytes)?;
            if compression(&inner).is_some() {
                return Err(SbomError::Compressed("gzip inside gzip"));
            }
            return Sbom::parse_plain(&inner);
        }
        Sbom::parse_plain(bytes)
    }

    fn parse_plain(bytes: &[u8]) -> Result<Sbom, SbomError> {
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        if let Some(kind) = compression(bytes) {
            return Err(SbomError::Compressed(kind));
        }
        let start = bytes
            .iter()
            .position(|b| !b.is_ascii_whitespace())
            .ok_or_else(|| SbomError::NotSbom("empty document".into()))?;
        match bytes[start] {
            b'{' => json::parse(bytes),
            b'[' => Err(SbomError::NotSbom(
                "JSON array; an SBOM is a JSON object".into(),
            )),
            b'<' => cyclonedx_xml::parse(bytes),
            _ => tagvalue::parse(bytes),
        }
    }

    /// The components with a parsed purl, with it: a component with
    /// several distinct purls once for each ([`Component::purls`]).
    pub fn matchable(&self) -> impl Iterator<Item = (&Component, &Purl)> {
        self.components
            .iter()
            .flat_map(|c| c.purls().map(move |p| (c, p)))
    }
}

const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// Decompresses a whole gzip stream (all members) in memory, refusing one
/// that grows past [`MAX_DECOMPRESSED`].
fn gunzip(bytes: &[u8]) -> Result<Vec<u8>, SbomError> {
    use std::io::Read;
    let mut out = Vec::new();
    flate2::read::MultiGzDecoder::new(bytes)
        .take(MAX_DECOMPRESSED + 1)
        .read_to_end(&mut out)
        .map_err(|e| SbomError::Gzip(e.to_string()))?;
    if out.len() as u64 > MAX_DECOMPRESSED {
        return Err(SbomError::Gzip(format!(
            "decompresses to more than {MAX_DECOMPRESSED} bytes"
        )));
    }
    Ok(out)
}

/// Names a compressed format by its magic number.
fn compression(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(&GZIP_MAGIC) {
        Some("gzip")
    } else if bytes.starts_with(b"BZh") {
        Some("bzip2")
    } else if bytes.starts_with(&[0xFD, b'7', b'z', b'X', b'Z', 0]) {
        Some("xz")
    } else if bytes.starts_with(b"PK\x03\x04") {
        Some("zip")
    } else if bytes.starts_with(&[0x28, 0xB5, 0x2F, 0xFD]) {
        Some("zstd")
    } else {
        None
    }
}

/// Collects components as a parser finds them and settles each one's purl.
#[derive(Default)]
pub(crate) struct Builder {
    components: Vec<Component>,
    unmatchable: Vec<Unmatchable>,
}

/// A component as read, before its purl is parsed.
pub(crate) struct Found {
    pub name: String,
    pub group: Option<String>,
    pub version: Option<String>,
    pub purls: Vec<String>,
    pub id: Option<String>,
    pub path: String,
    pub parent: Option<usize>,
    pub subject: bool,
}

impl Builder {
    /// Adds a component and returns its index.
    pub(crate) fn push(&mut self, found: Found) -> usize {
        let index = self.reserve();
        self.fill(index, found);
        index
    }

    /// Takes the next index for a component whose fields are still being
    /// read (CycloneDX XML may give children before a parent's purl).
    pub(crate) fn reserve(&mut self) -> usize {
        self.components.push(Component {
            name: String::new(),
            group: None,
            version: None,
            purl: None,
            other_purls: Vec::new(),
            parsed: None,
            other_parsed: Vec::new(),
            id: None,
            path: String::new(),
            parent: None,
            subject: false,
        });
        self.components.len() - 1
    }

    /// Sets a reserved component's fields and settles its purl.
    pub(crate) fn fill(&mut self, index: usize, found: Found) {
        let mut purls: Vec<String> = Vec::new();
        for p in found.purls {
            let p = p.trim();
            if !p.is_empty() && !purls.iter().any(|q| q == p) {
                purls.push(p.to_owned());
            }
        }
        // The first purl that parses leads (a broken first reference does
        // not make a package unmatchable when another one is usable).
        if let Some(i) = purls.iter().position(|p| Purl::parse_lenient(p).is_ok()) {
            let first = purls.remove(i);
            purls.insert(0, first);
        }
        let mut purls = purls.into_iter();
        let purl = purls.next();
        let other_purls: Vec<String> = purls.collect();
        let empty = |v: Option<String>| v.filter(|s| !s.trim().is_empty());
        let version = empty(found.version);
        let parsed = match &purl {
            None => {
                self.unmatchable.push(Unmatchable {
                    index,
                    name: found.name.clone(),
                    version: version.clone(),
                    reason: UnmatchableReason::NoPurl,
                });
                None
            }
            Some(p) => match Purl::parse_lenient(p) {
                Ok(parsed) => Some(parsed),
                Err(error) => {
                    self.unmatchable.push(Unmatchable {
                        index,
                        name: found.name.clone(),
                        version: version.clone(),
                        reason: UnmatchableReason::BadPurl {
                            purl: p.clone(),
                            error,
                        },
                    });
                    None
                }
            },
        };
        // The other purls that parse, each once (as parsed: spellings of
        // one purl differ in case and encoding).
        let mut other_parsed: Vec<Purl> = Vec::new();
        for p in other_purls
            .iter()
            .filter_map(|p| Purl::parse_lenient(p).ok())
        {
            if parsed.as_ref() != Some(&p) && !other_parsed.contains(&p) {
                other_parsed.push(p);
            }
        }
        let component = Component {
            name: found.name,
            group: empty(found.group),
            version,
            purl,
            other_purls,
            parsed,
            other_parsed,
            id: empty(found.id),
            path: found.path,
            parent: found.parent,
            subject: found.subject,
        };
        if let Some(slot) = self.components.get_mut(index) {
            *slot = component;
        }
    }

    /// Marks the components whose id is among `ids` as the subject.
    pub(crate) fn mark_subjects(&mut self, ids: &std::collections::HashSet<String>) {
        if ids.is_empty() {
            return;
        }
        for c in &mut self.components {
            if c.id.as_ref().is_some_and(|id| ids.contains(id)) {
                c.subject = true;
            }
        }
    }

    pub(crate) fn finish(mut self, format: Format, spec_version: String) -> Sbom {
        // Filled out of order when children were read before a parent ended.
        self.unmatchable.sort_by_key(|u| u.index);
        Sbom {
            format,
            spec_version,
            components: self.components,
            unmatchable: self.unmatchable,
        }
    }
}

/// The CycloneDX spec versions read.
pub(crate) const CYCLONEDX_VERSIONS: [&str; 5] = ["1.2", "1.3", "1.4", "1.5", "1.6"];

pub(crate) fn check_cyclonedx_version(v: &str, format: &str) -> Result<(), SbomError> {
    if CYCLONEDX_VERSIONS.contains(&v) {
        Ok(())
    } else {
        Err(SbomError::Unsupported(format!(
            "CycloneDX {format} spec version {v:?} (read: 1.2 to 1.6)"
        )))
    }
}

/// `SPDX-2.3` → `2.3`, refusing what is not SPDX 2.x.
pub(crate) fn spdx2_version(v: &str) -> Result<String, SbomError> {
    let v = v.trim();
    match v.strip_prefix("SPDX-") {
        Some(n @ ("2.0" | "2.1" | "2.2" | "2.3")) => Ok(n.to_owned()),
        _ => Err(SbomError::Unsupported(format!(
            "SPDX version {v:?} (read: SPDX-2.0 to SPDX-2.3)"
        ))),
    }
}
