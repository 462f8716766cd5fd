//! CycloneDX JSON and SPDX 2.x JSON.
//!
//! A first pass reads only the fields that say which format (and version)
//! the document is, skipping everything else without storing it; the
//! second deserialises just the fields kept, with the format's own
//! structs, so that an error names the right JSON path. Two scans of the
//! bytes cost less than holding a `serde_json::Value` of a large SBOM.

use std::collections::HashSet;

use serde::Deserialize;
use serde::de::{DeserializeOwned, IgnoredAny};

use crate::{Builder, Format, Found, MAX_DEPTH, SbomError, check_cyclonedx_version, spdx2_version};

/// Just what tells the format.
#[derive(Deserialize)]
struct Peek {
    #[serde(rename = "bomFormat")]
    bom_format: Option<String>,
    #[serde(rename = "specVersion")]
    spec_version: Option<String>,
    #[serde(rename = "spdxVersion")]
    spdx_version: Option<String>,
    #[serde(rename = "@context")]
    context: Option<IgnoredAny>,
    #[serde(rename = "@graph")]
    graph: Option<IgnoredAny>,
}

pub(crate) fn parse(bytes: &[u8]) -> Result<crate::Sbom, SbomError> {
    let peek: Peek = read(bytes, "SBOM")?;
    if let Some(format) = peek.bom_format {
        if format != "CycloneDX" {
            return Err(SbomError::NotSbom(format!(
                "JSON with bomFormat {format:?}, not \"CycloneDX\""
            )));
        }
        let version = peek
            .spec_version
            .ok_or_else(|| SbomError::Unsupported("CycloneDX JSON without specVersion".into()))?;
        check_cyclonedx_version(&version, "JSON")?;
        let bom: CdxBom = read(bytes, "CycloneDX")?;
        return cyclonedx(bom, version);
    }
    if let Some(version) = peek.spdx_version {
        let version = spdx2_version(&version)?;
        let doc: SpdxDoc = read(bytes, "SPDX")?;
        return Ok(spdx(doc, version));
    }
    if peek.context.is_some() || peek.graph.is_some() {
        return Err(SbomError::Unsupported(
            "JSON-LD (SPDX 3.0 or another linked-data document): read are CycloneDX and SPDX 2.x"
                .into(),
        ));
    }
    Err(SbomError::NotSbom(
        "JSON without bomFormat or spdxVersion".into(),
    ))
}

/// Deserialises the whole document, refusing trailing data, with the JSON
/// path of the first error.
fn read<T: DeserializeOwned>(bytes: &[u8], format: &'static str) -> Result<T, SbomError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        json_error(format, path, e.into_inner())
    })?;
    de.end().map_err(|e| json_error(format, ".".into(), e))?;
    Ok(value)
}

fn json_error(format: &'static str, path: String, e: serde_json::Error) -> SbomError {
    let mut message = e.to_string();
    // serde_json appends the position, which is reported separately.
    if let Some(at) = message.rfind(" at line ") {
        message.truncate(at);
    }
    SbomError::Json {
        format,
        path,
        line: e.line(),
        column: e.column(),
        message,
    }
}

#[derive(Deserialize)]
struct CdxBom {
    metadata: Option<CdxMetadata>,
    components: Option<Vec<CdxComponent>>,
}

#[derive(Deserialize)]
struct CdxMetadata {
    component: Option<CdxComponent>,
}

#[derive(Deserialize)]
struct CdxComponent {
    name: Option<String>,
    group: Option<String>,
    version: Option<String>,
    purl: Option<String>,
    #[serde(rename = "bom-ref")]
    bom_ref: Option<String>,
    components: Option<Vec<CdxComponent>>,
}

fn cyclonedx(bom: CdxBom, version: String) -> Result<crate::Sbom, SbomError> {
    let mut b = Builder::default();
    if let Some(c) = bom.metadata.and_then(|m| m.component) {
        add(&mut b, c, "metadata.component".into(), None, 0, true)?;
    }
    for (i, c) in bom.components.unwrap_or_default().into_iter().enumerate() {
        add(&mut b, c, format!("components[{i}]"), None, 0, false)?;
    }
    Ok(b.finish(Format::CycloneDxJson, version))
}

/// Adds a component, then its children; recursion is bounded by
/// [`MAX_DEPTH`] (and, before that, by serde_json's own nesting limit).
fn add(
    b: &mut Builder,
    c: CdxComponent,
    path: String,
    parent: Option<usize>,
    depth: usize,
    subject: bool,
) -> Result<(), SbomError> {
    if depth >= MAX_DEPTH {
        return Err(SbomError::TooDeep {
            path,
            limit: MAX_DEPTH,
        });
    }
    let children = c.components.unwrap_or_default();
    let index = b.push(Found {
        name: c.name.unwrap_or_default(),
        group: c.group,
        version: c.version,
        purls: c.purl.into_iter().collect(),
        id: c.bom_ref,
        path: path.clone(),
        parent,
        subject,
    });
    for (i, child) in children.into_iter().enumerate() {
        add(
            b,
            child,
            format!("{path}.components[{i}]"),
            Some(index),
            depth + 1,
            false,
        )?;
    }
    Ok(())
}

#[derive(Deserialize)]
struct SpdxDoc {
    packages: Option<Vec<SpdxPackage>>,
    #[serde(rename = "documentDescribes")]
    document_describes: Option<Vec<String>>,
    relationships: Option<Vec<SpdxRelationship>>,
}

#[derive(Deserialize)]
struct SpdxPackage {
    #[serde(rename = "SPDXID")]
    spdx_id: Option<String>,
    name: Option<String>,
    #[serde(rename = "versionInfo")]
    version_info: Option<String>,
    #[serde(rename = "externalRefs")]
    external_refs: Option<Vec<SpdxExternalRef>>,
}

#[derive(Deserialize)]
struct SpdxExternalRef {
    #[serde(rename = "referenceCategory")]
    category: Option<String>,
    #[serde(rename = "referenceType")]
    ty: Option<String>,
    #[serde(rename = "referenceLocator")]
    locator: Option<String>,
}

#[derive(Deserialize)]
struct SpdxRelationship {
    #[serde(rename = "spdxElementId")]
    element: Option<String>,
    #[serde(rename = "relationshipType")]
    ty: Option<String>,
    #[serde(rename = "relatedSpdxElement")]
    related: Option<String>,
}

/// True for an SPDX external reference that carries a purl.
pub(crate) fn is_purl_ref(category: &str, ty: &str) -> bool {
    let category = category.trim();
    ty.trim().eq_ignore_ascii_case("purl")
        && (category.eq_ignore_ascii_case("PACKAGE-MANAGER")
            || category.eq_ignore_ascii_case("PACKAGE_MANAGER"))
}

fn spdx(doc: SpdxDoc, version: String) -> crate::Sbom {
    let mut b = Builder::default();
    for (i, p) in doc.packages.unwrap_or_default().into_iter().enumerate() {
        let purls = p
            .external_refs
            .unwrap_or_default()
            .into_iter()
            .filter(|r| {
                is_purl_ref(
                    r.category.as_deref().unwrap_or(""),
                    r.ty.as_deref().unwrap_or(""),
                )
            })
            .filter_map(|r| r.locator)
            .collect();
        b.push(Found {
            name: p.name.unwrap_or_default(),
            group: None,
            version: p.version_info,
            purls,
            id: p.spdx_id,
            path: format!("packages[{i}]"),
            parent: None,
            subject: false,
        });
    }
    let mut described: HashSet<String> = doc
        .document_describes
        .unwrap_or_default()
        .into_iter()
        .collect();
    for r in doc.relationships.unwrap_or_default() {
        if let (Some(e), Some(t), Some(rel)) = (r.element, r.ty, r.related) {
            if e == "SPDXRef-DOCUMENT" && t.eq_ignore_ascii_case("DESCRIBES") {
                described.insert(rel);
            } else if rel == "SPDXRef-DOCUMENT" && t.eq_ignore_ascii_case("DESCRIBED_BY") {
                described.insert(e);
            }
        }
    }
    b.mark_subjects(&described);
    b.finish(Format::SpdxJson, version)
}
