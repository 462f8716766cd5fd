//! OSV records (<https://ossf.github.io/osv-schema/>, schema 1.6.0) of an
//! advisory: what package-based scanners, and Bulwark's own matching
//! engine, read.
//!
//! Only products with a purl are in the record: OSV keys an affected
//! package by ecosystem and name, which a product known by vendor, name or
//! CPE does not have. Such products are in the CSAF documents only; that is
//! not a problem of the record.
//!
//! Each product with a purl is one `affected` entry: its package (the
//! ecosystem and name the matching engine derives from the purl, so that
//! what we publish is what we match), one range of all its version ranges'
//! events (`introduced` "0" when a range has none; `fixed` or
//! `last_affected`), its listed affected versions, and its vendor and
//! product name in `database_specific`. A product that lists neither a
//! range nor an affected version is affected from the first version on —
//! unless it lists fixed versions: one fixed version ends that range (as
//! in the CSAF document); more than one cannot be placed without ranges
//! and is a [`Problem`].
//!
//! The range type is `SEMVER` for crates.io, Go, npm and Hex when every
//! version of the range is a SemVer 2.0 version (Go's leading `v` dropped,
//! as the Go vulnerability database writes them), and `ECOSYSTEM`
//! otherwise; every version must parse in the ecosystem's own rules where
//! Bulwark knows them, since a version the matcher cannot order matches
//! nothing.

use bulwark_matching::target_of;
use bulwark_versions::{Ecosystem, Purl, Version};
use serde_json::{Map, Value, json};
use time::OffsetDateTime;

use crate::csaf::{Problem, implied_ranges, write_date as date};
use crate::model::{Advisory, ReferenceCategory, VersionRange};

/// The schema version the records follow.
pub const SCHEMA_VERSION: &str = "1.6.0";

/// The most a `summary` may hold (the OSV schema: "ideally less than 120
/// characters").
const SUMMARY_MAX: usize = 120;

/// The OSV id of the advisory with this tracking id: the tracking id
/// itself, which already carries the program's prefix (`BWK-2026-0001`).
/// [`record`] refuses tracking ids that are not of that form
/// ([`is_bulwark_id`]), so that no other database's id is ever claimed.
///
/// Schema 1.6.0 allows any id. Later schemas (1.6.7 on) allow only the
/// prefixes registered with OSV, and (1.7.x) `x_` for a local database
/// (`x_BWK-2026-0001`): until `BWK` is registered, a consumer validating
/// against a current schema refuses these ids. This function is the one
/// place to change should the program choose `x_`.
pub fn id(tracking_id: &str) -> String {
    tracking_id.to_owned()
}

/// `BWK-YYYY-NNNN…`: the program's prefix, a year and a number of at
/// least four digits.
pub fn is_bulwark_id(id: &str) -> bool {
    let Some(rest) = id.strip_prefix("BWK-") else {
        return false;
    };
    let Some((year, number)) = rest.split_once('-') else {
        return false;
    };
    year.len() == 4
        && year.bytes().all(|b| b.is_ascii_digit())
        && number.len() >= 4
        && number.bytes().all(|b| b.is_ascii_digit())
}

/// The OSV record of an advisory, last modified at `modified`, or every
/// reason it cannot be written. Problems have test `"osv"` and a JSON
/// pointer into the advisory model as serialised
/// (`/content/products/2/purl`, `/tracking/id`).
pub fn record(a: &Advisory<'_>, modified: OffsetDateTime) -> Result<Value, Vec<Problem>> {
    let mut problems = Vec::new();
    let c = a.content;
    if !is_bulwark_id(&a.tracking.id) {
        problems.push(Problem::new(
            "osv",
            "/tracking/id",
            format!(
                "`{}` is not a Bulwark advisory id (BWK-YYYY-NNNN): an OSV record must not claim another database's id",
                a.tracking.id
            ),
        ));
    }

    let mut aliases: Vec<String> = Vec::new();
    for v in &c.vulnerabilities {
        if let Some(cve) = &v.cve {
            aliases.push(cve.clone());
        }
        for i in &v.ids {
            if i.text.starts_with("GHSA-") || i.system_name.eq_ignore_ascii_case("GHSA") {
                aliases.push(i.text.clone());
            }
        }
    }
    aliases.sort();
    aliases.dedup();

    let mut affected = Vec::new();
    for (pi, p) in c.products.iter().enumerate() {
        let Some(raw) = &p.purl else { continue };
        let path = format!("/content/products/{pi}");
        let purl = match Purl::parse(raw) {
            Ok(purl) => purl,
            Err(e) => {
                problems.push(Problem::new(
                    "osv",
                    format!("{path}/purl"),
                    format!("`{raw}` is not a package URL: {e}"),
                ));
                continue;
            }
        };
        let target = match target_of(&purl) {
            Ok(t) => t,
            Err(e) => {
                problems.push(Problem::new("osv", format!("{path}/purl"), e.to_string()));
                continue;
            }
        };
        let ecosystem_name = match &target.release {
            Some(r) => format!("{}:{r}", target.ecosystem),
            None => target.ecosystem.clone(),
        };
        let name = target.names.first().cloned().unwrap_or_default();
        let ecosystem = Ecosystem::from_osv(&target.ecosystem).ok();

        let implied = p.affected.is_empty();
        let mut ranges: Vec<VersionRange> = implied_ranges(p);
        if ranges.is_empty() && p.affected_versions.is_empty() {
            if p.fixed_versions.is_empty() {
                ranges.push(VersionRange::default());
            } else {
                problems.push(Problem::new(
                    "osv",
                    format!("{path}/fixed_versions"),
                    "several fixed versions but no affected range: say which range each one ends",
                ));
            }
        }
        let mut events = Vec::new();
        let mut texts: Vec<(String, String)> = Vec::new();
        for (ri, r) in ranges.iter().enumerate() {
            let rp = format!("{path}/affected/{ri}");
            // An implied range's one version is the product's fixed version.
            let fixed_path = if implied {
                format!("{path}/fixed_versions/0")
            } else {
                format!("{rp}/fixed")
            };
            let introduced = r
                .introduced
                .clone()
                .filter(|i| !i.is_empty())
                .unwrap_or_else(|| "0".to_owned());
            if introduced != "0" {
                texts.push((format!("{rp}/introduced"), introduced.clone()));
            }
            events.push(("introduced", introduced));
            match (&r.fixed, &r.last_affected) {
                (Some(_), Some(_)) => problems.push(Problem::new(
                    "osv",
                    rp.clone(),
                    "a range ends either at a fixed version or at a last affected one, not both",
                )),
                (Some(f), None) => {
                    texts.push((fixed_path.clone(), f.clone()));
                    events.push(("fixed", f.clone()));
                }
                (None, Some(l)) => {
                    texts.push((format!("{rp}/last_affected"), l.clone()));
                    events.push(("last_affected", l.clone()));
                }
                (None, None) => {}
            }
        }
        for (vi, v) in p.affected_versions.iter().enumerate() {
            texts.push((format!("{path}/affected_versions/{vi}"), v.clone()));
        }
        if let Some(eco) = ecosystem {
            for (tp, t) in &texts {
                if let Err(e) = Version::parse(eco, t) {
                    problems.push(Problem::new(
                        "osv",
                        tp.clone(),
                        format!("not a {} version: {e}", eco.name()),
                    ));
                }
            }
        }
        let semver_ecosystem = matches!(
            target.ecosystem.as_str(),
            "crates.io" | "Go" | "npm" | "Hex"
        );
        let strip = |v: &str| -> String {
            if target.ecosystem == "Go" {
                v.strip_prefix('v').unwrap_or(v).to_owned()
            } else {
                v.to_owned()
            }
        };
        let semver = semver_ecosystem
            && events
                .iter()
                .all(|(_, v)| v == "0" || Version::parse(Ecosystem::CratesIo, &strip(v)).is_ok());
        let mut entry = Map::new();
        entry.insert(
            "package".into(),
            json!({"ecosystem": ecosystem_name, "name": name, "purl": purl.to_string()}),
        );
        if !events.is_empty() {
            let events: Vec<Value> = events
                .iter()
                .map(|(k, v)| {
                    let v = if semver { strip(v) } else { v.clone() };
                    json!({ *k: v })
                })
                .collect();
            entry.insert(
                "ranges".into(),
                json!([{"type": if semver { "SEMVER" } else { "ECOSYSTEM" }, "events": events}]),
            );
        }
        if !p.affected_versions.is_empty() {
            entry.insert("versions".into(), json!(p.affected_versions));
        }
        entry.insert(
            "database_specific".into(),
            json!({"vendor": p.vendor, "product": p.name, "product_key": p.key}),
        );
        affected.push(Value::Object(entry));
    }

    let mut severity = None;
    for (vi, v) in c.vulnerabilities.iter().enumerate() {
        let Some(vector) = &v.cvss_v3 else { continue };
        match bulwark_scoring::cvss::score(vector) {
            Ok(s) if s.version.as_str().starts_with('3') => {
                if severity.as_ref().is_none_or(|(best, _)| s.score > *best) {
                    severity = Some((s.score, s.vector.clone()));
                }
            }
            Ok(_) => problems.push(Problem::new(
                "osv",
                format!("/content/vulnerabilities/{vi}/cvss_v3"),
                "not a CVSS v3.x vector",
            )),
            Err(e) => problems.push(Problem::new(
                "osv",
                format!("/content/vulnerabilities/{vi}/cvss_v3"),
                e.to_string(),
            )),
        }
    }

    if !problems.is_empty() {
        return Err(problems);
    }

    let mut references = Vec::new();
    for r in &c.references {
        let kind = match r.category {
            ReferenceCategory::SelfRef => "ADVISORY",
            ReferenceCategory::External => "WEB",
        };
        references.push(json!({"type": kind, "url": r.url}));
    }
    for v in &c.vulnerabilities {
        if let Some(cve) = &v.cve {
            references.push(json!({"type": "ADVISORY", "url": format!("https://www.cve.org/CVERecord?id={cve}")}));
        }
        for r in &v.remediations {
            if let Some(url) = &r.url {
                references.push(json!({"type": "FIX", "url": url}));
            }
        }
    }
    let mut seen = std::collections::BTreeSet::new();
    references.retain(|r| seen.insert(r.to_string()));

    let mut credits = Vec::new();
    for ack in &c.acknowledgments {
        let names: Vec<&str> = if ack.names.is_empty() {
            ack.organization.as_deref().into_iter().collect()
        } else {
            ack.names.iter().map(String::as_str).collect()
        };
        for n in names.into_iter().filter(|n| !n.trim().is_empty()) {
            credits.push(json!({"name": n, "type": "FINDER"}));
        }
    }

    let summary_line = c.summary.trim();
    let summary = if !summary_line.is_empty()
        && summary_line.chars().count() <= SUMMARY_MAX
        && !summary_line.contains('\n')
    {
        summary_line
    } else {
        c.title.trim()
    };
    let details = c
        .details
        .as_deref()
        .filter(|d| !d.trim().is_empty())
        .unwrap_or(c.summary.as_str());

    let mut cwe_ids: Vec<&str> = c
        .vulnerabilities
        .iter()
        .filter_map(|v| v.cwe.as_ref().map(|c| c.id.as_str()))
        .collect();
    cwe_ids.sort();
    cwe_ids.dedup();

    let mut r = Map::new();
    r.insert("schema_version".into(), json!(SCHEMA_VERSION));
    r.insert("id".into(), json!(id(&a.tracking.id)));
    r.insert("modified".into(), json!(date(modified)));
    r.insert(
        "published".into(),
        json!(date(a.tracking.initial_release_date)),
    );
    if !aliases.is_empty() {
        r.insert("aliases".into(), json!(aliases));
    }
    r.insert("summary".into(), json!(summary));
    r.insert("details".into(), json!(details));
    if let Some((_, vector)) = severity {
        r.insert(
            "severity".into(),
            json!([{"type": "CVSS_V3", "score": vector}]),
        );
    }
    if !affected.is_empty() {
        r.insert("affected".into(), Value::Array(affected));
    }
    if !references.is_empty() {
        r.insert("references".into(), Value::Array(references));
    }
    if !credits.is_empty() {
        r.insert("credits".into(), Value::Array(credits));
    }
    r.insert(
        "database_specific".into(),
        json!({
            "tracking_status": a.tracking.status.as_str(),
            "tracking_version": a.tracking.revision_history.last().map(|r| r.number.to_string()),
            "cwe_ids": cwe_ids,
            "csaf": crate::csaf::filename(&a.tracking.id),
        }),
    );
    Ok(Value::Object(r))
}
