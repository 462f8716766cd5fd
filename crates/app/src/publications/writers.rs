//! The one place the advisories' use cases call the document writers.
//!
//! The writers are `bulwark_distribution::csaf`, `::osv` and `::openvex`
//! (issue 18, part A, branch `i18-docs`), which were not on `main` when this
//! module was written. Until they are merged, the functions here are small
//! stand-ins with the agreed signatures: they write the documents' outline
//! and check what the use cases rely on (a title, products, known product
//! keys, a CVSS v3.1 vector, a package for OSV), so that drafting, editing
//! and publishing work end to end. At merge each body becomes a call of the
//! real writer (the `MERGE:` line above each says which); nothing outside
//! this file changes.

use bulwark_distribution::model::{Advisory, Status};
use serde_json::{Value, json};
use time::OffsetDateTime;

/// One thing wrong with a document: the test (CSAF 2.0 §6 number, or
/// `schema`), where (a JSON pointer into the document), and what.
/// MERGE: `pub use bulwark_distribution::csaf::Problem;`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub test: String,
    pub path: String,
    pub message: String,
}

fn problem(test: &str, path: impl Into<String>, message: impl Into<String>) -> Problem {
    Problem {
        test: test.to_owned(),
        path: path.into(),
        message: message.into(),
    }
}

fn rfc3339(t: OffsetDateTime) -> String {
    bulwark_core::rfc3339(t)
}

fn product_id(key: &str) -> String {
    format!("BWK-P-{key}")
}

/// The CSAF 2.0 TLP 1.0 label a TLP 2.0 marking is distributed under.
fn csaf_tlp(tlp: bulwark_core::Tlp) -> &'static str {
    match tlp {
        bulwark_core::Tlp::Clear => "WHITE",
        bulwark_core::Tlp::Green => "GREEN",
        bulwark_core::Tlp::Amber | bulwark_core::Tlp::AmberStrict => "AMBER",
        bulwark_core::Tlp::Red => "RED",
    }
}

fn document(a: &Advisory<'_>, category: &str) -> Value {
    let t = a.tracking;
    let c = a.content;
    let mut notes = vec![json!({"category": "summary", "text": c.summary, "title": "Summary"})];
    if let Some(d) = &c.details {
        notes.push(json!({"category": "details", "text": d, "title": "Details"}));
    }
    json!({
        "category": category,
        "csaf_version": "2.0",
        "title": c.title,
        "lang": "en",
        "publisher": {
            "category": a.publisher.category,
            "name": a.publisher.name,
            "namespace": a.publisher.namespace,
        },
        "distribution": {"tlp": {"label": csaf_tlp(a.tlp)}},
        "notes": notes,
        "references": c.references.iter().map(|r| json!({"url": r.url, "summary": r.summary})).collect::<Vec<_>>(),
        "acknowledgments": c.acknowledgments.iter().map(|k| json!({"names": k.names, "organization": k.organization, "summary": k.summary})).collect::<Vec<_>>(),
        "tracking": {
            "id": t.id,
            "status": t.status.as_str(),
            "version": t.revision_history.last().map_or(1, |r| r.number).to_string(),
            "initial_release_date": rfc3339(t.initial_release_date),
            "current_release_date": rfc3339(t.current_release_date),
            "revision_history": t.revision_history.iter().map(|r| json!({
                "number": r.number.to_string(), "date": rfc3339(r.date), "summary": r.summary,
            })).collect::<Vec<_>>(),
        },
    })
}

fn product_tree(a: &Advisory<'_>) -> Value {
    let full = a
        .content
        .products
        .iter()
        .map(|p| {
            let mut helper = serde_json::Map::new();
            if let Some(purl) = &p.purl {
                helper.insert("purl".into(), purl.clone().into());
            }
            if let Some(cpe) = &p.cpe {
                helper.insert("cpe".into(), cpe.clone().into());
            }
            json!({
                "product_id": product_id(&p.key),
                "name": format!("{} {}", p.vendor, p.name).trim().to_owned(),
                "product_identification_helper": helper,
            })
        })
        .collect::<Vec<_>>();
    json!({"full_product_names": full})
}

fn vulnerabilities(a: &Advisory<'_>, vex: bool) -> Vec<Value> {
    let all: Vec<String> = a.content.products.iter().map(|p| p.key.clone()).collect();
    a.content
        .vulnerabilities
        .iter()
        .map(|v| {
            let keys = if v.products.is_empty() { &all } else { &v.products };
            let ids: Vec<String> = keys.iter().map(|k| product_id(k)).collect();
            let mut o = json!({
                "title": v.title,
                "notes": v.description.iter().map(|d| json!({"category": "description", "text": d})).collect::<Vec<_>>(),
                "ids": v.ids.iter().map(|i| json!({"system_name": i.system_name, "text": i.text})).collect::<Vec<_>>(),
                "product_status": if vex {
                    json!({"known_not_affected": ids})
                } else {
                    json!({"known_affected": ids})
                },
                "remediations": v.remediations.iter().map(|r| json!({
                    "category": r.category, "details": r.details, "url": r.url,
                    "product_ids": if r.products.is_empty() { ids.clone() } else { r.products.iter().map(|k| product_id(k)).collect() },
                })).collect::<Vec<_>>(),
            });
            if let Some(cve) = &v.cve {
                o["cve"] = cve.clone().into();
            }
            if let Some(cwe) = &v.cwe {
                o["cwe"] = json!({"id": cwe.id, "name": cwe.name});
            }
            if let Some(vector) = &v.cvss_v3 {
                o["scores"] = json!([{"products": ids, "cvss_v3": {"version": "3.1", "vectorString": vector}}]);
            }
            o
        })
        .collect()
}

/// MERGE: `bulwark_distribution::csaf::security_advisory(a)`.
pub fn security_advisory(a: &Advisory<'_>) -> Value {
    json!({
        "document": document(a, "csaf_security_advisory"),
        "product_tree": product_tree(a),
        "vulnerabilities": vulnerabilities(a, false),
    })
}

/// MERGE: `bulwark_distribution::csaf::vex(a)`.
pub fn vex(a: &Advisory<'_>) -> Value {
    json!({
        "document": document(a, "csaf_vex"),
        "product_tree": product_tree(a),
        "vulnerabilities": vulnerabilities(a, true),
    })
}

/// MERGE: `bulwark_distribution::csaf::validate(doc)`. The stand-in checks
/// what a reader of the use cases can get wrong: an empty title or
/// summary, no product, a vulnerability or remediation naming an unknown
/// product, a CVSS vector that is not v3.1.
pub fn validate(doc: &Value) -> Vec<Problem> {
    let mut out = Vec::new();
    if doc["document"]["title"]
        .as_str()
        .is_none_or(|t| t.trim().is_empty())
    {
        out.push(problem("schema", "/document/title", "the title is empty"));
    }
    let summary_empty = doc["document"]["notes"]
        .as_array()
        .and_then(|n| n.first())
        .and_then(|n| n["text"].as_str())
        .is_none_or(|t| t.trim().is_empty());
    if summary_empty {
        out.push(problem(
            "schema",
            "/document/notes/0/text",
            "the summary is empty",
        ));
    }
    let known: Vec<&str> = doc["product_tree"]["full_product_names"]
        .as_array()
        .map(|a| a.iter().filter_map(|p| p["product_id"].as_str()).collect())
        .unwrap_or_default();
    if known.is_empty() {
        out.push(problem(
            "schema",
            "/product_tree/full_product_names",
            "no product: name at least one affected product",
        ));
    }
    for (i, v) in doc["vulnerabilities"]
        .as_array()
        .into_iter()
        .flatten()
        .enumerate()
    {
        for (j, r) in v["remediations"]
            .as_array()
            .into_iter()
            .flatten()
            .enumerate()
        {
            for (k, id) in r["product_ids"]
                .as_array()
                .into_iter()
                .flatten()
                .enumerate()
            {
                if !id.as_str().is_some_and(|id| known.contains(&id)) {
                    out.push(problem(
                        "6.1.1",
                        format!("/vulnerabilities/{i}/remediations/{j}/product_ids/{k}"),
                        format!("{id} is not a product of the advisory"),
                    ));
                }
            }
        }
        if let Some(s) = v["scores"][0]["cvss_v3"]["vectorString"].as_str()
            && !s.starts_with("CVSS:3.1/")
        {
            out.push(problem(
                "6.1.8",
                format!("/vulnerabilities/{i}/scores/0/cvss_v3/vectorString"),
                format!("{s:?} is not a CVSS v3.1 vector"),
            ));
        }
    }
    out
}

/// MERGE: `bulwark_distribution::csaf::to_bytes(doc)`.
pub fn to_bytes(doc: &Value) -> Vec<u8> {
    serde_json::to_vec_pretty(doc).unwrap_or_default()
}

/// MERGE: `bulwark_distribution::osv::record(a, modified)`.
pub fn osv_record(a: &Advisory<'_>, modified: OffsetDateTime) -> Result<Value, Vec<Problem>> {
    let affected: Vec<Value> = a
        .content
        .products
        .iter()
        .filter_map(|p| {
            let purl = p.purl.as_ref()?;
            Some(json!({
                "package": {"purl": purl},
                "versions": p.affected_versions,
                "ranges": p.affected.iter().map(|r| json!({
                    "type": "ECOSYSTEM",
                    "events": [
                        {"introduced": r.introduced.clone().unwrap_or_else(|| "0".into())},
                        match (&r.fixed, &r.last_affected) {
                            (Some(f), _) => json!({"fixed": f}),
                            (None, Some(l)) => json!({"last_affected": l}),
                            (None, None) => json!({}),
                        },
                    ],
                })).collect::<Vec<_>>(),
            }))
        })
        .collect();
    if affected.is_empty() {
        return Err(vec![problem(
            "osv",
            "/affected",
            "OSV needs a package: give at least one product a purl",
        )]);
    }
    let aliases: Vec<&String> = a
        .content
        .vulnerabilities
        .iter()
        .filter_map(|v| v.cve.as_ref())
        .collect();
    Ok(json!({
        "schema_version": "1.6.0",
        "id": osv_id(&a.tracking.id),
        "modified": rfc3339(modified),
        "published": rfc3339(a.tracking.initial_release_date),
        "aliases": aliases,
        "summary": a.content.title,
        "details": a.content.details.clone().unwrap_or_else(|| a.content.summary.clone()),
        "affected": affected,
        "references": a.content.references.iter().map(|r| json!({"type": "WEB", "url": r.url})).collect::<Vec<_>>(),
        "withdrawn": Value::Null,
    }))
}

/// MERGE: `bulwark_distribution::osv::id(tracking_id)`.
pub fn osv_id(tracking_id: &str) -> String {
    tracking_id.to_owned()
}

/// MERGE: `bulwark_distribution::openvex::document(a, timestamp)`.
pub fn openvex(a: &Advisory<'_>, timestamp: OffsetDateTime) -> Value {
    let statements: Vec<Value> = a
        .content
        .vulnerabilities
        .iter()
        .flat_map(|v| {
            let name = v.cve.clone().unwrap_or_else(|| a.tracking.id.clone());
            a.content
                .products
                .iter()
                .filter(|p| !p.not_affected_versions.is_empty())
                .map(move |p| {
                    json!({
                        "vulnerability": {"name": name},
                        "products": p.not_affected_versions.iter().map(|ver| json!({
                            "@id": p.purl.as_ref().map_or_else(|| p.name.clone(), |u| format!("{u}@{ver}")),
                        })).collect::<Vec<_>>(),
                        "status": "not_affected",
                        "justification": "vulnerable_code_not_present",
                    })
                })
        })
        .collect();
    json!({
        "@context": "https://openvex.dev/ns/v0.2.0",
        "@id": format!("{}/vex/{}", a.publisher.namespace, a.tracking.id),
        "author": a.publisher.name,
        "timestamp": rfc3339(timestamp),
        "version": a.tracking.revision_history.last().map_or(1, |r| r.number),
        "statements": statements,
    })
}

/// Whether `status` may be published as is (CSAF: a draft is not).
pub fn publishable(status: Status) -> bool {
    status != Status::Draft
}
