//! SPDX 2.x tag-value: `Tag: value` lines, `#` comments, and values that
//! span lines between `<text>` and `</text>`. A line ends at LF, CRLF or a
//! CR alone, as some generators write them.
//!
//! A package starts at `PackageName:` and ends at the next package, file,
//! snippet or licence section; of its tags only `SPDXID`,
//! `PackageVersion` and `ExternalRef` are kept.

use std::collections::HashSet;

use crate::json::is_purl_ref;
use crate::{Builder, Format, Found, Sbom, SbomError, spdx2_version};

/// Tags that open a section other than a package.
const SECTION_TAGS: [&str; 3] = ["FileName", "SnippetSPDXID", "LicenseID"];

pub(crate) fn parse(bytes: &[u8]) -> Result<Sbom, SbomError> {
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err(SbomError::Unsupported(
            "UTF-16 text: SBOMs are read as UTF-8".into(),
        ));
    }
    let text = std::str::from_utf8(bytes).map_err(|e| SbomError::NotUtf8 {
        offset: e.valid_up_to(),
    })?;
    let mut lines = lines(text).enumerate().map(|(i, l)| (i + 1, l));
    let mut version = None;
    let mut package: Option<Found> = None;
    let mut b = Builder::default();
    let mut described = HashSet::new();
    let mut seen_tag = false;

    while let Some((n, line)) = lines.next() {
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let Some((tag, value)) = trimmed.split_once(':') else {
            if !seen_tag {
                return Err(not_tag_value());
            }
            return Err(SbomError::TagValue {
                line: n,
                message: "expected `Tag: value`".into(),
            });
        };
        let tag = tag.trim();
        if !seen_tag {
            // The first tag says whether this is SPDX at all.
            if tag != "SPDXVersion" {
                return Err(not_tag_value());
            }
            seen_tag = true;
        }
        let mut value = value.trim().to_owned();
        if let Some(rest) = value.strip_prefix("<text>") {
            value = match rest.find("</text>") {
                Some(end) => rest[..end].to_owned(),
                None => {
                    let mut out = rest.to_owned();
                    loop {
                        let Some((_, next)) = lines.next() else {
                            return Err(SbomError::TagValue {
                                line: n,
                                message: format!("<text> of {tag} is never closed"),
                            });
                        };
                        out.push('\n');
                        if let Some(end) = next.find("</text>") {
                            out.push_str(&next[..end]);
                            break;
                        }
                        out.push_str(next);
                    }
                    out
                }
            };
        }
        match tag {
            "SPDXVersion" if version.is_none() => {
                version = Some(spdx2_version(&value)?);
            }
            "PackageName" => {
                if let Some(p) = package.take() {
                    b.push(p);
                }
                package = Some(Found {
                    name: value,
                    group: None,
                    version: None,
                    purls: Vec::new(),
                    id: None,
                    path: format!("line {n}"),
                    parent: None,
                    subject: false,
                });
            }
            "SPDXID" => {
                if let Some(p) = package.as_mut().filter(|p| p.id.is_none()) {
                    p.id = Some(value);
                }
            }
            "PackageVersion" => {
                if let Some(p) = package.as_mut() {
                    p.version = Some(value);
                }
            }
            "ExternalRef" => {
                if let Some(p) = package.as_mut() {
                    let mut parts = value.split_whitespace();
                    match (parts.next(), parts.next(), parts.next()) {
                        (Some(category), Some(ty), Some(locator)) => {
                            if is_purl_ref(category, ty) {
                                p.purls.push(locator.to_owned());
                            }
                        }
                        _ => {
                            return Err(SbomError::TagValue {
                                line: n,
                                message: "ExternalRef needs `CATEGORY TYPE LOCATOR`".into(),
                            });
                        }
                    }
                }
            }
            "Relationship" => {
                let mut parts = value.split_whitespace();
                if let (Some(a), Some(rel), Some(c)) = (parts.next(), parts.next(), parts.next()) {
                    if a == "SPDXRef-DOCUMENT" && rel.eq_ignore_ascii_case("DESCRIBES") {
                        described.insert(c.to_owned());
                    } else if c == "SPDXRef-DOCUMENT" && rel.eq_ignore_ascii_case("DESCRIBED_BY") {
                        described.insert(a.to_owned());
                    }
                }
            }
            t if SECTION_TAGS.contains(&t) => {
                if let Some(p) = package.take() {
                    b.push(p);
                }
            }
            _ => {}
        }
    }
    if let Some(p) = package.take() {
        b.push(p);
    }
    let Some(version) = version else {
        return Err(not_tag_value());
    };
    b.mark_subjects(&described);
    Ok(b.finish(Format::SpdxTagValue, version))
}

/// The lines of `text`, each ending at `\n`, `\r\n` or `\r`.
fn lines(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = Some(text);
    std::iter::from_fn(move || {
        let r = rest?;
        match r.find(['\n', '\r']) {
            Some(i) => {
                let skip = if r[i..].starts_with("\r\n") { 2 } else { 1 };
                rest = Some(&r[i + skip..]).filter(|s| !s.is_empty());
                Some(&r[..i])
            }
            None => {
                rest = None;
                Some(r)
            }
        }
    })
}

fn not_tag_value() -> SbomError {
    SbomError::NotSbom(
        "neither JSON, XML nor SPDX tag-value (which starts with `SPDXVersion:`)".into(),
    )
}
