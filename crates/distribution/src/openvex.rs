//! OpenVEX v0.2.0 (<https://github.com/openvex/spec>): an advisory's
//! statements about listed product versions, for tools that read VEX
//! rather than CSAF.
//!
//! One statement per vulnerability and status, products by versioned purl:
//!
//! - `not_affected`: the products' `not_affected_versions`, with an
//!   `impact_statement` saying the publisher states it. The model does not
//!   record why a version is not affected, so no `justification` is
//!   claimed (the spec asks for one of the two).
//! - `fixed`: the `fixed_versions`.
//! - `affected`: the listed `affected_versions`, with an `action_statement`
//!   from the remediations (the spec requires one).
//!
//! Affected *ranges* cannot be said in OpenVEX (a product is one
//! identifier): they are in the CSAF and OSV documents, not here. A
//! product without a purl is named by its CPE, and left out without one.

use std::collections::BTreeSet;

use bulwark_versions::Purl;
use serde_json::{Map, Value, json};
use time::OffsetDateTime;

use crate::csaf::write_date as date;
use crate::model::{Advisory, Product, Vulnerability};

/// The spec version this writer follows.
pub const CONTEXT: &str = "https://openvex.dev/ns/v0.2.0";

/// The OpenVEX document of an advisory, issued at `timestamp`.
///
/// `@id` is `{publisher namespace}/openvex/{tracking id}`, the same for
/// every revision; `version` is the last revision's number (at least 1, as
/// the spec counts from 1).
pub fn document(a: &Advisory<'_>, timestamp: OffsetDateTime) -> Value {
    let version = a
        .tracking
        .revision_history
        .last()
        .map_or(1, |r| r.number.max(1));
    let mut statements = Vec::new();
    for v in &a.content.vulnerabilities {
        let products: Vec<&Product> = if v.products.is_empty() {
            a.content.products.iter().collect()
        } else {
            a.content
                .products
                .iter()
                .filter(|p| v.products.contains(&p.key))
                .collect()
        };
        let Some(vulnerability) = vulnerability(v) else {
            continue;
        };
        let pick = |f: &dyn Fn(&Product) -> Vec<String>| -> Vec<Value> {
            let mut seen = BTreeSet::new();
            let mut out = Vec::new();
            for p in &products {
                for version in f(p) {
                    if let Some(prod) = product(p, &version)
                        && seen.insert(prod.to_string())
                    {
                        out.push(prod);
                    }
                }
            }
            out
        };
        let not_affected = pick(&|p| {
            p.not_affected_versions
                .iter()
                .filter(|v| !p.fixed_versions.contains(v))
                .cloned()
                .collect()
        });
        let fixed = pick(&|p| p.fixed_versions.clone());
        let affected = pick(&|p| p.affected_versions.clone());
        if !not_affected.is_empty() {
            statements.push(json!({
                "vulnerability": vulnerability,
                "products": not_affected,
                "status": "not_affected",
                "impact_statement": "The publisher states that these product versions are not affected by this vulnerability.",
            }));
        }
        if !fixed.is_empty() {
            statements.push(json!({
                "vulnerability": vulnerability,
                "products": fixed,
                "status": "fixed",
            }));
        }
        if !affected.is_empty() {
            let action = if v.remediations.is_empty() {
                "No remediation is known at the time of this revision.".to_owned()
            } else {
                v.remediations
                    .iter()
                    .map(|r| match &r.url {
                        Some(url) => format!("{} ({url})", r.details),
                        None => r.details.clone(),
                    })
                    .collect::<Vec<_>>()
                    .join(" ")
            };
            statements.push(json!({
                "vulnerability": vulnerability,
                "products": affected,
                "status": "affected",
                "action_statement": action,
            }));
        }
    }
    let namespace = a.publisher.namespace.trim_end_matches('/');
    json!({
        "@context": CONTEXT,
        "@id": format!("{namespace}/openvex/{}", a.tracking.id),
        "author": a.publisher.name,
        "timestamp": date(timestamp),
        "version": version,
        "tooling": format!("Bulwark {}", env!("CARGO_PKG_VERSION")),
        "statements": statements,
    })
}

/// `{name, @id?, aliases?}`: the CVE when there is one, else the first
/// other id; the rest are aliases.
fn vulnerability(v: &Vulnerability) -> Option<Value> {
    let mut names: Vec<&str> = v.cve.iter().map(String::as_str).collect();
    names.extend(v.ids.iter().map(|i| i.text.as_str()));
    let (name, aliases) = names.split_first()?;
    let mut m = Map::new();
    m.insert("name".into(), json!(name));
    if v.cve.as_deref() == Some(*name) {
        m.insert(
            "@id".into(),
            json!(format!("https://www.cve.org/CVERecord?id={name}")),
        );
    }
    if !aliases.is_empty() {
        m.insert("aliases".into(), json!(aliases));
    }
    Some(Value::Object(m))
}

/// One product at one version: `@id` the versioned purl (or the CPE at
/// that version, for a product without one), with the identifiers.
fn product(p: &Product, version: &str) -> Option<Value> {
    let purl = p
        .purl
        .as_deref()
        .and_then(|s| Purl::parse(s).ok())
        .map(|purl| purl.with_version(Some(version)).to_string());
    let cpe = p.cpe.as_deref().and_then(|c| cpe_at(c, version));
    let mut identifiers = Map::new();
    if let Some(purl) = &purl {
        identifiers.insert("purl".into(), json!(purl));
    }
    if let Some(cpe) = &cpe {
        identifiers.insert("cpe23".into(), json!(cpe));
    }
    let id = purl.or(cpe)?;
    let mut m = Map::new();
    m.insert("@id".into(), json!(id));
    m.insert("identifiers".into(), Value::Object(identifiers));
    Some(Value::Object(m))
}

/// A CPE 2.3 formatted string with its version component set to
/// `version`: when the CPE leaves the version open (`*` or `-`) or names
/// that very version, and the version needs no CPE escaping. Otherwise
/// none (the statement would be about other versions than it says).
fn cpe_at(cpe: &str, version: &str) -> Option<String> {
    if !cpe.starts_with("cpe:2.3:") || cpe.contains('\\') {
        return None;
    }
    if !version
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
    {
        return None;
    }
    let mut parts: Vec<&str> = cpe.split(':').collect();
    if parts.len() != 13 {
        return None;
    }
    match parts[5] {
        "*" | "-" => parts[5] = version,
        v if v == version => {}
        _ => return None,
    }
    Some(parts.join(":"))
}
